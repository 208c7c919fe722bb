"""Crash safety: SIGKILL at any moment leaves every output old or new, never
partial, and the next run resumes from the HTTP cache.

The runs go against the loopback API replicas (synthetic world, see
tests/fakeworld.py), slowed down so kills land in different stages.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import bibtexparser
import pytest

from pipeline.export import validate_enriched
from tests.fakeworld import FakeScholarServer, World

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "data" / "world" / "seed_world.json"
OUTPUTS = ("data/enriched.json", "exports/references.bib", "exports/references.csl.json",
           "exports/README.md", "exports/index.html")


def _env(server, cache):
    env = dict(os.environ)
    env.update(server.env())
    env.update({"PIPELINE_PACE_SCALE": "0", "PIPELINE_CACHE_DIR": str(cache),
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
    env.pop("S2_API_KEY", None)
    return env


def _snapshot(project: Path) -> dict[str, bytes | None]:
    return {rel: (project / rel).read_bytes() if (project / rel).exists() else None for rel in OUTPUTS}


def _assert_whole(project: Path) -> None:
    """Every output that exists is complete and readable."""
    e = project / "data" / "enriched.json"
    if e.exists():
        validate_enriched(json.loads(e.read_text()), e)
    b = project / "exports" / "references.bib"
    if b.exists():
        lib = bibtexparser.parse_string(b.read_text())
        assert not lib.failed_blocks and len(lib.entries) == 46
    c = project / "exports" / "references.csl.json"
    if c.exists():
        assert len(json.loads(c.read_text())) == 46
    h = project / "exports" / "index.html"
    if h.exists():
        assert h.read_text().rstrip().endswith("</html>")


@pytest.mark.parametrize("kill_after", [0.6, 1.0, 1.5, 2.2, 3.0])
def test_sigkill_leaves_old_or_new_outputs_and_resume_uses_the_cache(tmp_path, kill_after):
    project = tmp_path / "p"
    (project / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "raw.md", project / "data" / "raw.md")
    cache = tmp_path / "cache"
    with FakeScholarServer(World.load(WORLD)) as server:
        env = _env(server, cache)
        cmd = [sys.executable, "-m", "pipeline", "run", "--quiet"]
        # an old version of every output, from an offline run
        subprocess.run(cmd + ["--offline"], cwd=project, env=env, check=True, capture_output=True)
        old = _snapshot(project)
        # a slow server: every answer waits 60 ms
        for source in ("s2", "arxiv", "crossref", "openalex", "dblp"):
            server.inject(source, [("sleep", 0.06)] * 40)
        proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        first_requests = len(server.log)

        now = _snapshot(project)
        _assert_whole(project)
        for rel in OUTPUTS:  # each file is the old one or a complete new one
            assert now[rel] == old[rel] or now[rel] is not None, rel

        # resume: completes, and asks again at most the one request in flight
        server.reset_log()
        done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        resumed_requests = len(server.log)
        assert not list(project.rglob("*.tmp")), "temp files left after a completed run"
        _assert_whole(project)

        # a cold run from scratch makes this many requests
        server.reset_log()
        fresh = tmp_path / "fresh"
        (fresh / "data").mkdir(parents=True)
        shutil.copy(ROOT / "data" / "raw.md", fresh / "data" / "raw.md")
        subprocess.run(cmd, cwd=fresh, env=_env(server, tmp_path / "cache-fresh"), check=True, capture_output=True)
        cold = len(server.log)
        assert first_requests + resumed_requests <= cold + 1, (first_requests, resumed_requests, cold)
        # and the resumed result is the same data as an uninterrupted run
        assert (project / "exports" / "references.bib").read_bytes() == (fresh / "exports" / "references.bib").read_bytes()


def test_sigkill_during_atomic_writes_never_leaves_a_partial_file(tmp_path):
    """A child rewrites a 2 MB file in a tight loop with atomic_write_text;
    killed at random moments, the file is always one whole version."""
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
    for delay in (0.05, 0.13, 0.21, 0.37, 0.5):
        proc = subprocess.Popen([sys.executable, "-c", script])
        time.sleep(delay + 0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if target.exists():
            data = target.read_text()
            assert len(data) == 2_000_003 and data.endswith("END") and len(set(data[:-3])) == 1
