"""Fixtures shared by the end-to-end, refresh and crash tests: a loopback
replica of the five APIs over the SYNTHETIC seed world (tests/fakeworld.py)
and a project directory whose environment points at it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.fakeworld import FakeScholarServer, World

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "data" / "world" / "seed_world.json"


_PYTHON = os.path.realpath(sys.executable)


def _python_children() -> dict[int, str]:
    """Live (not zombie) Python processes whose parent is this pytest process,
    with their command lines (read from /proc; empty where there is none)."""
    me, kids = str(os.getpid()), {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            state, ppid = text[text.rindex(")") + 2:].split()[:2]
            if ppid != me or state in ("Z", "X") or os.path.realpath(stat.parent / "exe") != _PYTHON:
                continue
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError):
            continue  # gone meanwhile
        kids[int(stat.parent.name)] = cmd
    return kids


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """A test that starts ``python -m pipeline ...`` (or any Python child) must
    end it, also when it fails: whatever it left running is killed here (so
    nothing sleeps on after the suite) and the test errors, naming it."""
    before = set(_python_children())
    yield
    deadline = time.monotonic() + 5  # a child ending right now (killed, not yet reaped) is no leak
    left = {pid: cmd for pid, cmd in _python_children().items() if pid not in before}
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {pid: cmd for pid, cmd in _python_children().items() if pid not in before}
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    assert not left, f"the test left processes running (killed now): {left}"


@pytest.fixture
def world():
    return World.load(WORLD)


@pytest.fixture
def server(world):
    with FakeScholarServer(world) as srv:
        yield srv


@pytest.fixture
def project(tmp_path, server, monkeypatch):
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "raw.md", tmp_path / "data" / "raw.md")
    monkeypatch.chdir(tmp_path)
    for k, v in server.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("PIPELINE_PACE_SCALE", "0")
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("S2_API_KEY", raising=False)
    return tmp_path


def entries(project: Path) -> dict[str, dict]:
    doc = json.loads((project / "data" / "enriched.json").read_text())
    return {e["list"]["title"]: e for e in doc["entries"]}


def outputs(project: Path) -> dict[str, bytes]:
    files = [project / "data" / "enriched.json", *sorted((project / "exports").glob("*"))]
    return {str(p.relative_to(project)): p.read_bytes() for p in files if p.is_file() and p.name != "COMMIT_MSG.txt"}
