"""One run's outputs as one consistent set: a kill at any moment leaves the old
set or the new one, never a mix.

Single files are replaced atomically (:mod:`pipeline.fsutil`), but a run writes
several (``data/enriched.json``, its state file, ``exports/references.bib``,
``references.csl.json``, ``README.md``, ``index.html``, ``CHANGES.md``,
``COMMIT_MSG.txt``), in two directories.  :func:`commit` makes them change
together, as a small write-ahead journal (the idea of SQLite's rollback
journal, https://www.sqlite.org/atomiccommit.html, turned round):

1. every new file is written beside its target as ``.NAME.<hash>.new`` and
   fsynced (a kill here: the old set stays, the staged files are litter);
2. the journal ``.ENRICHED.journal.json`` beside enriched.json is written
   atomically: it names every file of the set with its SHA-256 and its staged
   file; this is the commit point;
3. the staged files are renamed over their targets in a fixed order;
4. the journal is deleted.

:func:`recover` runs first in every command that reads or writes the set (with
the run lock held, :mod:`pipeline.runlock`): a journal means a run was killed
after its commit point, so the renames are finished (roll forward); no journal
means every staged or temp file is litter of a killed run and is removed (roll
back).  Either way the set on disk is then one whole generation.

The generation id is a hash of the set's contents (no clock, no counter), so two
identical runs write identical bytes.  It is kept in the journal while a commit
is under way and, afterwards, in the state file (:mod:`pipeline.state`) with
each file's hash, which :func:`check` compares against the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .fsutil import atomic_write_json, fsync_dir, remove_stale_temps

STAGED_SUFFIX = ".new"
# test hook: pause at a named point of the commit (see tests/test_crash_safety.py)
PAUSE_ENV = "PIPELINE_TEST_PAUSE_AT"
PAUSE_FILE_ENV = "PIPELINE_TEST_PAUSE_FILE"


@dataclass(frozen=True)
class Output:
    """One file of the set and its new content."""

    path: Path
    data: bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def journal_path(enriched: str | Path) -> Path:
    p = Path(enriched)
    return p.with_name(f".{p.name}.journal.json")


def generation_id(hashes: dict[str, str]) -> str:
    """Content hash of a set: ``{relative path: sha256}`` -> 16 hex digits."""
    text = "".join(f"{name}\0{digest}\n" for name, digest in sorted(hashes.items()))
    return sha256(text.encode("utf-8"))[:16]


def relative_names(outputs: list[Output], base: Path) -> dict[str, str]:
    """``{path relative to base: sha256}`` of ``outputs`` (the generation record)."""
    return {os.path.relpath(o.path, base): sha256(o.data) for o in outputs}


def _staged(path: Path, digest: str) -> Path:
    return path.with_name(f".{path.name}.{digest[:12]}{STAGED_SUFFIX}")


def checkpoint(name: str) -> None:
    """Test hook: when ``PIPELINE_TEST_PAUSE_AT`` is ``name``, touch the file
    named by ``PIPELINE_TEST_PAUSE_FILE`` and sleep until killed, so a test can
    SIGKILL the process at exactly this point."""
    if os.environ.get(PAUSE_ENV) != name:
        return
    ready = os.environ.get(PAUSE_FILE_ENV)
    parent = os.getppid()
    if ready:
        Path(ready).write_text(name, encoding="utf-8")
    while os.getppid() == parent:  # until killed, or until the test that paused us is gone
        time.sleep(0.2)
    os._exit(3)


def commit(outputs: list[Output], enriched: str | Path) -> list[Path]:
    """Replace the set by ``outputs`` (written in this order) so that a crash
    leaves the old set or the new one.  Files whose bytes are unchanged are not
    rewritten.  Returns the paths of the set."""
    enriched = Path(enriched)
    base = enriched.parent
    base.mkdir(parents=True, exist_ok=True)
    items: list[dict[str, str | None]] = []
    dirs: set[Path] = set()
    written: list[Path] = []
    try:
        for out in outputs:
            digest = sha256(out.data)
            staged = None
            if not (out.path.is_file() and out.path.read_bytes() == out.data):
                out.path.parent.mkdir(parents=True, exist_ok=True)
                staged = _staged(out.path, digest)
                written.append(staged)
                with open(staged, "wb") as fh:
                    fh.write(out.data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(staged, 0o644)
                dirs.add(out.path.parent)
            items.append({"path": os.path.relpath(out.path, base), "sha256": digest,
                          "staged": staged.name if staged else None})
        for d in sorted(dirs):
            fsync_dir(d)
    except BaseException:  # e.g. a full disk: before the commit point, so the old set stays
        for staged in written:
            staged.unlink(missing_ok=True)
        raise
    checkpoint("staged")
    journal = {"generation": generation_id({str(i["path"]): str(i["sha256"]) for i in items}), "files": items}
    atomic_write_json(journal_path(enriched), journal)  # the commit point
    checkpoint("journal")
    unlike = _finish(journal, base)
    if unlike:  # someone else wrote these files while we held the lock
        raise InputError(unlike[0], "changed by another writer while this run was writing its outputs")
    journal_path(enriched).unlink()
    fsync_dir(base)
    return [out.path for out in outputs]


def _finish(journal: dict[str, Any], base: Path) -> list[Path]:
    """Rename every staged file of a committed journal over its target (in the
    journal's order); a file already renamed is checked by its hash.  Returns
    the targets that are not the journal's version (changed since by hand)."""
    unlike: list[Path] = []
    dirs: set[Path] = set()
    for n, item in enumerate(journal["files"], start=1):
        target = base / item["path"]
        if item.get("staged"):
            staged = target.with_name(item["staged"])
            if staged.exists():
                os.replace(staged, target)
                dirs.add(target.parent)
                checkpoint(f"rename:{n}")
                continue
        try:
            ok = sha256(target.read_bytes()) == item["sha256"]
        except OSError:
            ok = False
        if not ok:
            unlike.append(target)
    for d in sorted(dirs):
        fsync_dir(d)
    return unlike


def recover(enriched: str | Path, other_dirs: list[Path] | None = None) -> list[str]:
    """Bring the set back to one generation after a killed run; returns what
    was done, for the user ([] when there was nothing to do).

    Removes the litter of killed writers in the data directory and in
    ``other_dirs`` (the exports directory): staged ``.*.new`` files and the
    ``.*.tmp`` files of :func:`pipeline.fsutil.atomic_write_bytes`."""
    enriched = Path(enriched)
    base = enriched.parent
    jpath = journal_path(enriched)
    notes: list[str] = []
    journal = None
    if jpath.exists():
        try:
            journal = json.loads(jpath.read_text(encoding="utf-8"))
            journal["files"]  # noqa: B018 - shape check
        except (OSError, ValueError, KeyError, TypeError):
            journal = None  # torn journal: never reached its commit point (it is written atomically)
    if journal is not None:
        unlike = _finish(journal, base)
        notes.append(f"{enriched}: the previous run was killed while writing its outputs; they were completed")
        if unlike:  # edited by hand after the kill: kept as they are, rewritten by this run
            notes.append("changed after that run was killed (kept): " + ", ".join(map(str, unlike)))
    if jpath.exists():
        jpath.unlink()
    undone = False
    for d in [base, *(other_dirs or [])]:
        if not d.is_dir():
            continue
        for litter in d.glob(f".*{STAGED_SUFFIX}"):
            litter.unlink(missing_ok=True)
            undone = True
        remove_stale_temps(d)
    if undone and journal is None:
        notes.append(f"{enriched}: the previous run was killed before its outputs were committed; "
                     "its partial files were removed")
    return notes


def check(record: dict[str, str], base: Path) -> list[str]:
    """Files of a generation record (``{relative path: sha256}``) whose content
    on disk differs from it (changed by hand since, or missing)."""
    bad = []
    for name, digest in sorted(record.items()):
        try:
            if sha256((base / name).read_bytes()) != digest:
                bad.append(name)
        except OSError:
            bad.append(name)
    return bad
