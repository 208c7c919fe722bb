"""The command line: exit codes, --help, offline runs, determinism, input errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw.md"


def run_cli(*args, cwd=None, env_extra=None, timeout=120):
    env = dict(os.environ)
    env.update({"PIPELINE_CACHE_DIR": str(Path(cwd or ROOT) / ".cache-test"),
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(SEED, tmp_path / "data" / "raw.md")
    return tmp_path


def test_help_documents_every_command_and_option():
    out = run_cli("--help").stdout
    for word in ("run", "refresh", "parse", "export", "serve", "PIPELINE_S2_URL", "S2_API_KEY", "PIPELINE_MAILTO"):
        assert word in out
    run_help = run_cli("run", "--help").stdout
    for opt in ("--offline", "--input", "--enriched", "--exports", "--strict", "--max-age", "--overrides"):
        assert opt in run_help


def test_offline_run_writes_the_three_outputs_with_defaults(workdir):
    r = run_cli("run", "--offline", cwd=workdir)
    assert r.returncode == 0, r.stderr
    for rel in ("data/enriched.json", "exports/references.bib", "exports/references.csl.json"):
        assert (workdir / rel).stat().st_size > 0, rel
    doc = json.loads((workdir / "data/enriched.json").read_text())
    papers = [e for e in doc["entries"] if e["kind"] == "paper"]
    assert len(papers) == 44 and len(doc["entries"]) == 46
    assert "offline" in r.stdout
    taso = next(e for e in papers if e["key"] == "jia2019taso")
    assert taso["ids"]["doi"] == "10.1145/3341301.3359630" and taso["list"]["lines"] == [33, 37]


def test_two_offline_runs_are_byte_identical(tmp_path, workdir):
    outs = []
    for n in (1, 2):
        d = tmp_path / f"out{n}"
        r = run_cli("run", "--offline", "--enriched", str(d / "e.json"), "--exports", str(d / "x"), cwd=workdir)
        assert r.returncode == 0, r.stderr
        outs.append({p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    assert Path("x/references.bib") in outs[0]


def test_rerun_on_own_output_changes_nothing(workdir):
    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    before = {p: p.read_bytes() for p in workdir.rglob("*") if p.is_file() and ".cache-test" not in p.parts}
    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    after = {p: p.read_bytes() for p in workdir.rglob("*") if p.is_file() and ".cache-test" not in p.parts}
    assert before == after


def test_missing_input_exits_2_naming_the_file(workdir):
    r = run_cli("run", "--offline", "--input", "nope.md", cwd=workdir)
    assert r.returncode == 2 and "nope.md" in r.stderr


def test_non_utf8_input_exits_2_naming_file_and_line(workdir):
    bad = workdir / "bad.md"
    bad.write_bytes(b"# List\n\n- [A](https://a.org) by X, 2020\n- [B\xff](https://b.org)\n")
    r = run_cli("run", "--offline", "--input", str(bad), cwd=workdir)
    assert r.returncode == 2 and "bad.md:4" in r.stderr


def test_corrupt_enriched_json_exits_2_and_is_not_overwritten(workdir):
    target = workdir / "data" / "enriched.json"
    target.write_text('{"schema_version": 1, "entries": [\n  {"key": \n')
    r = run_cli("run", "--offline", cwd=workdir)
    assert r.returncode == 2 and "enriched.json" in r.stderr
    assert target.read_text().startswith('{"schema_version": 1')  # never lose data


def test_unreadable_line_is_reported_with_its_number_and_skipped(workdir):
    lst = workdir / "list.md"
    lst.write_text("# L\n\n## Papers\n- [Good paper](https://arxiv.org/abs/2006.06762) by A B, arxiv 2020\n- a bullet with no link at all\n")
    r = run_cli("run", "--offline", "--input", str(lst), cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert "list.md:5" in r.stdout + r.stderr


def test_bad_usage_exits_2():
    assert run_cli("run", "--no-such-option").returncode == 2
    assert run_cli("refresh", "--max-age", "soon", "--offline").returncode == 2


def test_parse_command_prints_entries(workdir):
    r = run_cli("parse", cwd=workdir)
    assert r.returncode == 0
    assert "46 entries (44 papers, 2 software)" in r.stdout


def test_export_command_rebuilds_from_enriched(workdir):
    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    bib = workdir / "exports" / "references.bib"
    original = bib.read_bytes()
    bib.unlink()
    r = run_cli("export", cwd=workdir)
    assert r.returncode == 0, r.stderr
    assert bib.read_bytes() == original


def test_serve_command_serves_exports_on_loopback(workdir):
    import re
    import signal
    import urllib.request

    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--port", "0"], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url + "references.bib", timeout=10) as resp:
            assert resp.read() == (workdir / "exports" / "references.bib").read_bytes()
        with urllib.request.urlopen(url + "index.html", timeout=10) as resp:
            assert b"references.bib" in resp.read()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_reader_pages_carry_the_lists_title(workdir):
    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    assert (workdir / "exports" / "README.md").read_text().startswith("# Awesome EdgeAI Inference\n")
    assert "<title>Awesome EdgeAI Inference</title>" in (workdir / "exports" / "index.html").read_text()
