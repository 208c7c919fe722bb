"""Atomic file writes: a reader (or a crash) only ever sees the old or the
new file, never a partial one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temp file in the same directory, fsync it, then
    ``os.replace`` it over ``path`` (atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """The one JSON formatting every output uses: sorted keys, 2-space
    indent, UTF-8 kept as is, trailing newline (stable, diff-friendly)."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, dumps_json(obj))


def remove_stale_temps(directory: str | Path, names: list[str]) -> None:
    """Delete temp files an interrupted (killed) writer left behind for the
    given file names, so they are never committed or served."""
    directory = Path(directory)
    if not directory.is_dir():
        return
    for name in names:
        for tmp in directory.glob(f".{name}.*.tmp"):
            try:
                tmp.unlink()
            except OSError:
                pass
