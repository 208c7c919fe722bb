"""Fixtures shared by the end-to-end, refresh and crash tests: a loopback
replica of the five APIs over the SYNTHETIC seed world (tests/fakeworld.py)
and a project directory whose environment points at it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.fakeworld import FakeScholarServer, World

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "data" / "world" / "seed_world.json"


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
