"""One run at a time per ``data/enriched.json``.

An OS-level lock (:class:`filelock.FileLock`, ``flock(2)`` on POSIX:
https://py-filelock.readthedocs.io/) on ``.ENRICHED.lock`` beside the data
file, held for the whole command (``run``, ``refresh``, ``export``).  The
operating system releases it when the process ends, however it ends (even
``kill -9``), so a killed run never leaves the data locked.  A second run waits
and says so, or with ``--no-wait`` refuses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import InputError


class Busy(InputError):
    """Another run holds the lock and the caller would not wait."""


def lock_path(enriched: str | Path) -> Path:
    p = Path(enriched)
    return p.with_name(f".{p.name}.lock")


@contextlib.contextmanager
def hold(enriched: str | Path, *, wait: bool = True,
         notify: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the lock of ``enriched`` for the ``with`` block.  When another
    process holds it: with ``wait``, call ``notify`` with a message and wait
    for it; without, raise :class:`Busy` at once."""
    path = lock_path(enriched)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise Busy(enriched, f"another run is using this file (lock {path} is held); "
                       "not waiting because of --no-wait") from None
        if notify is not None:
            notify(f"waiting for another run on {enriched} to finish (lock {path}) ...")
        lock.acquire()
    try:
        yield path
    finally:
        lock.release()
