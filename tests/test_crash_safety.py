"""Crash safety and concurrency with real processes: SIGKILL at a chosen
moment leaves the old set of outputs or the new one (never a mix, once the
next load has run), and two runs on the same data never run side by side.

Kill points are exact, not timed: after the N-th request the loopback API
replica (synthetic world, see tests/fakeworld.py) has received, or at a named
checkpoint of the write phase (``PIPELINE_TEST_PAUSE_AT``, see
:func:`pipeline.outputs.checkpoint`), where the child touches a file and waits.
Each test asserts the child was still running when it was killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from pipeline import outputs
from pipeline.export import validate_enriched
from pipeline.state import load_generation
from tests.fakeworld import FakeScholarServer, World

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "data" / "world" / "seed_world.json"
# every file of the set; the state file holds fetch times, compared by its record
SET = ("data/enriched.json", "exports/references.bib", "exports/references.csl.json",
       "exports/README.md", "exports/index.html", "exports/CHANGES.md")
STATE = "data/enriched.state.json"
# CHANGES.md lists the run's requests: after a killed run, fewer than a cold run's (the cache answers)
CACHED = ("exports/CHANGES.md",)
CMD = [sys.executable, "-m", "pipeline", "run", "--quiet"]


def _env(server, cache: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(server.env())
    env.update({"PIPELINE_PACE_SCALE": "0", "PIPELINE_CACHE_DIR": str(cache),
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
    env.update(extra)
    env.pop("S2_API_KEY", None)
    return env


def _project(path: Path) -> Path:
    (path / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "raw.md", path / "data" / "raw.md")
    return path


def _snapshot(project: Path) -> dict[str, bytes | None]:
    return {rel: (project / rel).read_bytes() if (project / rel).exists() else None for rel in SET}


def _litter(project: Path) -> list[Path]:
    return [p for p in project.rglob(".*") if p.suffix in (".tmp", ".new") or p.name.endswith(".journal.json")]


def _wait_for(predicate, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"the child ended (exit {proc.returncode}) before {what}: {out}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def _kill(proc: subprocess.Popen) -> None:
    assert proc.poll() is None, "the child had already ended: this kill would prove nothing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def spawn():
    """``subprocess.Popen`` whose children are all ended when the test ends,
    failed or not: a paused child sleeps until killed, a waiting one waits for
    ever, and neither may outlive the test."""
    started: list[subprocess.Popen] = []

    def start(*args, **kw) -> subprocess.Popen:
        proc = subprocess.Popen(*args, **kw)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def _recover(project: Path) -> None:
    """What the next load does first (run, refresh and export all call it)."""
    outputs.recover(project / "data" / "enriched.json", [project / "exports"])


@pytest.fixture(scope="module")
def reference_sets(tmp_path_factory):
    """The old set (an offline run) and the new set (the same project after an
    uninterrupted online run), as bytes, and the requests of that cold run."""
    base = tmp_path_factory.mktemp("sets")
    with FakeScholarServer(World.load(WORLD)) as server:
        ref = _project(base / "ref")
        env = _env(server, base / "cache-ref")
        subprocess.run(CMD + ["--offline"], cwd=ref, env=env, check=True, capture_output=True, timeout=120)
        old = _snapshot(ref)
        server.reset_log()
        subprocess.run(CMD, cwd=ref, env=env, check=True, capture_output=True, timeout=120)
        return old, _snapshot(ref), len(server.log)


@pytest.fixture
def world_sets(reference_sets):
    """A fresh loopback replica (no faults left over) and the reference sets."""
    with FakeScholarServer(World.load(WORLD)) as server:
        yield (server, *reference_sets)


def _old_project(tmp_path: Path, server) -> tuple[Path, dict]:
    project = _project(tmp_path / "p")
    env = _env(server, tmp_path / "cache")
    subprocess.run(CMD + ["--offline"], cwd=project, env=env, check=True, capture_output=True, timeout=120)
    return project, env


def _assert_one_generation(project: Path, old: dict, new: dict, ignore: tuple[str, ...] = ()) -> str:
    """Every file of the set is from the old set, or every one is from the new
    set; the state file's record matches the files.  Returns "old" or "new".
    ``ignore``: files whose new version may legitimately differ."""
    now = _snapshot(project)
    for rel in ignore:
        if now[rel] != old[rel]:
            now[rel] = new[rel]
    which = "old" if now == old else "new" if now == new else None
    mixed = {rel: ("old" if now[rel] == old[rel] else "new" if now[rel] == new[rel] else "neither") for rel in SET}
    assert which is not None, f"outputs from different generations: {mixed}"
    record = load_generation(project / "data" / "enriched.json")
    assert not outputs.check(record, project / "data"), "state record does not match the files"
    validate_enriched(json.loads((project / "data" / "enriched.json").read_text()), "enriched.json")
    assert not _litter(project), _litter(project)
    return which


@pytest.mark.parametrize("share", [0.0, 0.5, 0.99])
def test_kill_after_the_nth_request_keeps_the_old_set_and_resume_uses_the_cache(tmp_path, world_sets, share, spawn):
    server, old, new, cold = world_sets
    assert cold >= 3, "the world should need several requests"
    n_requests = max(1, min(cold - 1, round(share * cold)))  # the first, a middle one, the last but one
    project, env = _old_project(tmp_path, server)
    server.reset_log()
    server.inject("s2", [("sleep", 0.05)] * 60)  # slow answers: the kill lands mid-lookup
    proc = spawn(CMD, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: len(server.log) >= n_requests, proc, f"request {n_requests}")
    _kill(proc)
    first = len(server.log)
    # nothing of the set was touched: still the old set, as written
    assert _snapshot(project) == old
    _recover(project)
    assert _assert_one_generation(project, old, new) == "old"

    server.reset_log()
    done = subprocess.run(CMD, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _assert_one_generation(project, old, new, ignore=CACHED) == "new"
    # the answers received before the kill came from the cache: at most the
    # requests in flight (one per source at a time) were asked again
    assert first + len(server.log) <= cold + 5, (first, len(server.log), cold)


@pytest.mark.parametrize("point,expected", [
    ("staged", "old"),     # every new file written beside its target, before the commit point
    ("journal", "new"),    # the journal is written: the commit point
    ("rename:1", "new"),   # enriched.json replaced, the exports not yet
    ("rename:3", "new"),
    ("rename:6", "new"),   # everything but the state file
])
def test_kill_during_the_write_phase_leaves_one_generation(tmp_path, world_sets, point, expected, spawn):
    server, old, new, _ = world_sets
    project, env = _old_project(tmp_path, server)
    ready = tmp_path / "paused"
    env = {**env, outputs.PAUSE_ENV: point, outputs.PAUSE_FILE_ENV: str(ready)}
    proc = spawn(CMD, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(ready.exists, proc, f"checkpoint {point}")
    _kill(proc)
    if expected == "old":  # before the commit point the files on disk are still the old set
        assert _snapshot(project) == old
    # the next load finishes (or undoes) the commit
    _recover(project)
    assert _assert_one_generation(project, old, new) == expected
    # and a normal run from there ends at the new set
    done = subprocess.run(CMD, cwd=project, env={k: v for k, v in env.items() if not k.startswith("PIPELINE_TEST")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _assert_one_generation(project, old, new, ignore=CACHED) == "new"


def test_the_next_run_completes_a_killed_commit_itself(tmp_path, world_sets, spawn):
    """No manual recovery: the next command (here `export`) finds the journal
    and completes the set before it reads enriched.json."""
    server, old, new, _ = world_sets
    project, env = _old_project(tmp_path, server)
    ready = tmp_path / "paused"
    paused = {**env, outputs.PAUSE_ENV: "rename:2", outputs.PAUSE_FILE_ENV: str(ready)}
    proc = spawn(CMD, cwd=project, env=paused, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(ready.exists, proc, "checkpoint rename:2")
    _kill(proc)
    assert (project / "data" / ".enriched.json.journal.json").exists()
    assert _snapshot(project) not in (old, new)  # mixed on disk until the next load
    done = subprocess.run([sys.executable, "-m", "pipeline", "export"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _assert_one_generation(project, old, new) == "new"


def _paused_holding_the_lock(tmp_path, project, env, spawn):
    """A run started and paused after staging its outputs, so it holds the run lock."""
    ready = tmp_path / "paused"
    holder = spawn(CMD, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                   env={**env, outputs.PAUSE_ENV: "staged", outputs.PAUSE_FILE_ENV: str(ready)})
    _wait_for(ready.exists, holder, "a run to hold the lock")
    return holder


def test_second_run_waits_for_the_first_or_refuses_with_no_wait(tmp_path, world_sets, spawn):
    server, old, new, _ = world_sets
    project, env = _old_project(tmp_path, server)
    holder = _paused_holding_the_lock(tmp_path, project, env, spawn)

    refused = subprocess.run(CMD + ["--no-wait"], cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "another run is using" in refused.stderr and "Traceback" not in refused.stderr
    assert _snapshot(project) == old

    waiter_err = tmp_path / "waiter.err"
    with waiter_err.open("w") as err_file:
        waiter = spawn(CMD, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=err_file, text=True)
    _wait_for(lambda: "waiting for another run" in waiter_err.read_text(), waiter, "the second run to wait")
    assert waiter.poll() is None, "the second run did not wait"
    _kill(holder)  # the OS releases the lock of a killed process
    waiter.wait(timeout=120)
    err = waiter_err.read_text()
    assert waiter.returncode == 0, err
    assert _assert_one_generation(project, old, new, ignore=CACHED) == "new"


def test_two_runs_a_second_apart_both_finish_and_lose_nothing(tmp_path, world_sets, spawn):
    """Two real processes on the same files: the second waits, then starts
    from what the first wrote, so the first one's fetched data is kept."""
    server, old, new, _ = world_sets
    project, env = _old_project(tmp_path, server)
    server.reset_log()
    release = threading.Event()
    server.inject("s2", [("hold", release, 120)])  # the first run's first S2 request waits for this test
    try:
        first = spawn(CMD, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _wait_for(lambda: server.counts()["s2"] >= 1, first, "the first run's first S2 request")
        assert first.poll() is None, "the first run ended before the second started"
        second_err = tmp_path / "second.err"
        with second_err.open("w") as err_file:
            second = spawn(CMD, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=err_file, text=True)
        _wait_for(lambda: "waiting for another run" in second_err.read_text(), second, "the second run to wait")
    finally:
        release.set()  # the first run goes on, then the second
    _, err1 = first.communicate(timeout=120)
    second.wait(timeout=120)
    err2 = second_err.read_text()
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "waiting for another run" in err2
    # the second run saw the first one's data: nothing was stale, nothing lost
    assert _assert_one_generation(project, old, new) == "new"


def test_sigkill_during_atomic_writes_never_leaves_a_partial_file(tmp_path, spawn):
    """A child rewrites a 2 MB file in a tight loop with atomic_write_text;
    killed at several moments while it is writing, the file is always one
    whole version, and no temp file is left once the next writer cleans up."""
    target = tmp_path / "big.json"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pipeline.fsutil import atomic_write_text
        i = 0
        while True:
            atomic_write_text({str(target)!r}, (str(i % 10) * 2_000_000) + "END")
            i += 1
    """)
    versions = set()
    for delay in (0.0, 0.013, 0.021, 0.037, 0.05):
        target.unlink(missing_ok=True)
        proc = spawn([sys.executable, "-c", script])
        _wait_for(target.exists, proc, "the first write")
        time.sleep(delay)
        _kill(proc)
        data = target.read_text()
        assert len(data) == 2_000_003 and data.endswith("END") and len(set(data[:-3])) == 1
        versions.add(data[0])
    from pipeline.fsutil import remove_stale_temps

    remove_stale_temps(tmp_path, [target.name])
    assert not list(tmp_path.glob(".*.tmp"))


def test_every_kind_of_temp_file_is_cleaned(tmp_path, world_sets):
    """Litter of killed writers: atomic-write temps beside enriched.json and
    the exports, staged files of an uncommitted set, and HTTP cache temps (only
    old ones: the cache is shared with runs on other lists)."""
    server, old, new, _ = world_sets
    project, env = _old_project(tmp_path, server)
    cache = tmp_path / "cache" / "ab"
    cache.mkdir(parents=True, exist_ok=True)
    litter = [project / "data" / ".enriched.json.k3j4.tmp", project / "data" / ".enriched.state.json.x.tmp",
              project / "exports" / ".references.bib.q1w2.tmp", project / "exports" / ".index.html.0123456789ab.new",
              cache / ".abcdef.json.zz.tmp"]
    for p in litter:
        p.write_text("partial")
    hour_ago = time.time() - 3600
    os.utime(cache / ".abcdef.json.zz.tmp", (hour_ago, hour_ago))
    young = cache / ".fedcba.json.yy.tmp"  # another run may be writing it right now
    young.write_text("in progress")
    done = subprocess.run(CMD, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [p for p in litter if p.exists()] == []
    assert young.exists()
    assert _assert_one_generation(project, old, new) == "new"


def test_export_takes_the_same_lock(tmp_path, world_sets, spawn):
    server, old, _, _ = world_sets
    project, env = _old_project(tmp_path, server)
    holder = _paused_holding_the_lock(tmp_path, project, env, spawn)
    refused = subprocess.run([sys.executable, "-m", "pipeline", "export", "--no-wait"], cwd=project, env=env,
                             capture_output=True, text=True, timeout=60)
    _kill(holder)
    assert refused.returncode == 2 and "another run is using" in refused.stderr
    assert _snapshot(project) == old


def test_a_file_edited_after_a_kill_does_not_block_the_next_run(tmp_path, world_sets, spawn):
    """The journal says index.html should be the new version, but someone
    edited it after the kill: the next run says so, goes on, and rewrites it."""
    server, old, new, _ = world_sets
    project, env = _old_project(tmp_path, server)
    ready = tmp_path / "paused"
    paused = {**env, outputs.PAUSE_ENV: "rename:5", outputs.PAUSE_FILE_ENV: str(ready)}
    proc = spawn(CMD, cwd=project, env=paused, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(ready.exists, proc, "checkpoint rename:5")
    _kill(proc)
    (project / "exports" / "index.html").write_text("edited by hand")
    done = subprocess.run(CMD, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "killed while writing its outputs; they were completed" in done.stdout
    assert "changed after that run was killed (kept): " in done.stdout and "index.html" in done.stdout
    assert _assert_one_generation(project, old, new, ignore=CACHED) == "new"
