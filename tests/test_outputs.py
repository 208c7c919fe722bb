"""pipeline/outputs.py in-process: the journal's commit point, roll forward,
roll back, and what a commit leaves alone.  (Killed real processes:
tests/test_crash_safety.py.)  File contents here are synthetic."""

from __future__ import annotations

import json
import os

import pytest

from pipeline import outputs
from pipeline.outputs import Output


@pytest.fixture
def dirs(tmp_path):
    data, exports = tmp_path / "data", tmp_path / "exports"
    data.mkdir()
    return data / "enriched.json", exports


def the_set(enriched, exports, version: str) -> list[Output]:
    return [Output(enriched, f'{{"v": "{version}"}}\n'.encode()),
            Output(exports / "references.bib", f"@misc{{{version}}}\n".encode()),
            Output(exports / "README.md", f"# {version}\n".encode())]


def on_disk(files: list[Output]) -> list[bytes | None]:
    return [o.path.read_bytes() if o.path.exists() else None for o in files]


def stage_only(files: list[Output], enriched, commit_point: bool) -> None:
    """What a run killed after staging (and, with ``commit_point``, after
    writing the journal and renaming the first file) leaves behind."""
    items = []
    for o in files:
        digest = outputs.sha256(o.data)
        staged = o.path.with_name(f".{o.path.name}.{digest[:12]}.new")
        o.path.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(o.data)
        items.append({"path": os.path.relpath(o.path, enriched.parent), "sha256": digest, "staged": staged.name})
    if commit_point:
        outputs.journal_path(enriched).write_text(json.dumps({"generation": "x", "files": items}))
        first = files[0]
        os.replace(first.path.with_name(items[0]["staged"]), first.path)


def test_commit_writes_the_set_and_leaves_nothing_else(dirs):
    enriched, exports = dirs
    new = the_set(enriched, exports, "new")
    outputs.commit(new, enriched)
    assert on_disk(new) == [o.data for o in new]
    leftovers = [p.name for p in enriched.parent.parent.rglob("*") if p.is_file()]
    assert sorted(leftovers) == ["README.md", "enriched.json", "references.bib"]


def test_unchanged_files_are_not_rewritten(dirs):
    enriched, exports = dirs
    outputs.commit(the_set(enriched, exports, "a"), enriched)
    readme = exports / "README.md"
    os.utime(readme, (1_000_000_000, 1_000_000_000))
    outputs.commit(the_set(enriched, exports, "a"), enriched)
    assert readme.stat().st_mtime == 1_000_000_000


def test_staged_files_without_a_journal_are_rolled_back(dirs):
    enriched, exports = dirs
    old, new = the_set(enriched, exports, "old"), the_set(enriched, exports, "new")
    outputs.commit(old, enriched)
    stage_only(new, enriched, commit_point=False)
    notes = outputs.recover(enriched, [exports])
    assert on_disk(old) == [o.data for o in old]
    assert not list(exports.glob(".*")) and not list(enriched.parent.glob(".*"))
    assert "before its outputs were committed" in notes[0]


def test_a_journal_is_rolled_forward(dirs):
    enriched, exports = dirs
    old, new = the_set(enriched, exports, "old"), the_set(enriched, exports, "new")
    outputs.commit(old, enriched)
    stage_only(new, enriched, commit_point=True)
    assert on_disk(new)[0] == new[0].data and on_disk(new)[1] == old[1].data  # mixed until the next load
    notes = outputs.recover(enriched, [exports])
    assert on_disk(new) == [o.data for o in new]
    assert not outputs.journal_path(enriched).exists()
    assert "they were completed" in notes[0]


def test_a_torn_journal_never_reached_its_commit_point(dirs):
    enriched, exports = dirs
    old, new = the_set(enriched, exports, "old"), the_set(enriched, exports, "new")
    outputs.commit(old, enriched)
    stage_only(new, enriched, commit_point=False)
    outputs.journal_path(enriched).write_text('{"generation": "x", "fil')
    outputs.recover(enriched, [exports])
    assert on_disk(old) == [o.data for o in old]


def test_the_generation_id_is_a_content_hash():
    a = {"data/enriched.json": "11", "exports/x": "22"}
    assert outputs.generation_id(a) == outputs.generation_id(dict(reversed(a.items())))
    assert outputs.generation_id(a) != outputs.generation_id({**a, "exports/x": "23"})


def test_check_names_files_that_differ_from_the_record(dirs):
    enriched, exports = dirs
    files = the_set(enriched, exports, "a")
    outputs.commit(files, enriched)
    record = outputs.relative_names(files, enriched.parent)
    assert outputs.check(record, enriched.parent) == []
    (exports / "README.md").write_text("edited")
    assert outputs.check(record, enriched.parent) == ["../exports/README.md"]
