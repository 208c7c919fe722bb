"""Atomic file writes: a reader (or a crash) only ever sees the old or the
new file, never a partial one."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
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
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)  # make the rename itself durable


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """The one JSON formatting every output uses: sorted keys, 2-space
    indent, UTF-8 kept as is, trailing newline (stable, diff-friendly)."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, dumps_json(obj))


def fsync_dir(directory: str | Path) -> None:
    """Make renames and deletions in ``directory`` durable (best effort: some
    file systems cannot fsync a directory)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def remove_stale_temps(directory: str | Path, names: list[str] | None = None,
                       older_than: float | None = None) -> int:
    """Delete the temp files (``.NAME.*.tmp``) that killed writers left in
    ``directory``: for the given file names, or all of them (``names=None``).
    With ``older_than`` (seconds), only files at least that old, for a directory
    that other processes may be writing to at the same time (the HTTP cache).
    Returns how many were removed."""
    directory = Path(directory)
    if not directory.is_dir():
        return 0
    patterns = [f".{name}.*.tmp" for name in names] if names is not None else [".*.tmp"]
    now = time.time()
    removed = 0
    for pattern in patterns:
        for tmp in directory.glob(pattern):
            try:
                if older_than is not None and now - tmp.stat().st_mtime < older_than:
                    continue
                tmp.unlink()
                removed += 1
            except OSError:
                pass
    return removed
