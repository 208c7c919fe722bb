"""The command line: exit codes, --help, offline runs, determinism, input errors."""

from __future__ import annotations

import json
import os
import re
import select
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
    for opt in ("--offline", "--input", "--enriched", "--exports", "--strict", "--max-age", "--overrides",
                "--no-wait", "--allow-removals", "--max-removals-share"):
        assert opt in run_help
    assert "--no-wait" in run_cli("export", "--help").stdout


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
    lst.write_text("# L\n\n## Papers\n- [Good paper](https://arxiv.org/abs/2006.06762) by A B, arxiv 2020\n"
                   "- a bullet with no link at all\n")
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
        assert select.select([proc.stdout], [], [], 60)[0], "serve printed no address within 60 s"
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        with urllib.request.urlopen(url + "references.bib", timeout=10) as resp:
            assert resp.read() == (workdir / "exports" / "references.bib").read_bytes()
        with urllib.request.urlopen(url + "index.html", timeout=10) as resp:
            assert b"references.bib" in resp.read()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
            raise
    assert proc.returncode == 0


def test_reader_pages_carry_the_lists_title(workdir):
    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    assert (workdir / "exports" / "README.md").read_text().startswith("# Awesome EdgeAI Inference\n")
    assert "<title>Awesome EdgeAI Inference</title>" in (workdir / "exports" / "index.html").read_text()


def test_parse_into_a_closed_pipe_is_quiet(workdir):
    """`parse | head -1`: the reader goes away; no BrokenPipeError traceback,
    and the exit status is the shell's SIGPIPE convention (141)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    big = workdir / "big.md"
    big.write_text("# L\n\n" + "".join(
        f"- [Optimizing tensor programs with learned cost models, part {i}](https://arxiv.org/abs/2006.{i:05d}) "
        "by Ada Byron, arxiv 2020\n" for i in range(3000)))
    with open(workdir / "stderr.txt", "w+b") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "parse", "--input", str(big)], cwd=workdir,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err_file)
    try:
        # read the first output (bounded: a child that never writes fails the test, it does not hang it),
        # then close the pipe like `head -1`
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        assert readable, "parse printed nothing within 60 s"
        assert os.read(proc.stdout.fileno(), 65536)
        proc.stdout.close()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    err = (workdir / "stderr.txt").read_text()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_refuses_a_port_that_is_no_port_in_one_line(workdir, port):
    r = run_cli("serve", "--port", port, cwd=workdir)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "is not a port number" in r.stderr


def test_serve_on_a_busy_port_is_one_line_exit_2(workdir):
    import socket

    (workdir / "exports").mkdir()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run_cli("serve", "--port", str(port), cwd=workdir)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert f"cannot serve on 127.0.0.1:{port}" in r.stderr and "in use" in r.stderr


def test_progress_is_plain_log_lines_when_output_is_not_a_terminal(workdir):
    """A scheduled job's log shows the run is alive: timestamped lines on
    stderr, no terminal control codes."""
    from tests.fakeworld import FakeScholarServer, World

    with FakeScholarServer(World.load(ROOT / "tests" / "data" / "world" / "seed_world.json")) as server:
        env = {**server.env(), "PIPELINE_PACE_SCALE": "0"}
        r = run_cli("run", cwd=workdir, env_extra=env)
        assert r.returncode == 0, r.stderr
        lines = r.stderr.splitlines()
        assert "looking up 44 papers" in lines[0]
        assert any("fetching from" in line for line in lines) and "looked up 44 papers in" in lines[-1]
        assert all(re.match(r"\d\d:\d\d:\d\dZ ", line) for line in lines), lines
        assert "\x1b" not in r.stderr
        quiet = run_cli("run", "--quiet", cwd=workdir, env_extra=env)
        assert quiet.returncode == 0 and quiet.stderr == ""


def test_an_unwritable_exports_path_is_one_line_and_keeps_the_old_outputs(workdir):
    assert run_cli("run", "--offline", cwd=workdir).returncode == 0
    before = (workdir / "data" / "enriched.json").read_bytes()
    (workdir / "blocked").write_text("a file where the exports directory should be")
    (workdir / "data" / "raw.md").write_text((workdir / "data" / "raw.md").read_text().replace("TASO", "TASO2"))
    r = run_cli("run", "--offline", "--exports", "blocked/x", cwd=workdir)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "error: blocked/x" in r.stderr and r.stderr.count("\n") == 1
    assert (workdir / "data" / "enriched.json").read_bytes() == before
    assert not [p for p in workdir.rglob(".*") if p.suffix in (".new", ".tmp")]


def test_parse_counts_what_is_not_an_entry_with_the_reasons(workdir):
    shapes = Path(__file__).resolve().parent / "data" / "lists" / "issue9_shapes.md"
    r = run_cli("parse", "--input", str(shapes), cwd=workdir)
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("19 entries (19 papers, 0 software), 0 unreadable lines, not entries: 5 (")
    assert "a course 1" in last and "navigation: a label followed by year links 1" in last


def test_titles_in_other_scripts_stay_distinct_entries_across_runs(workdir):
    lst = workdir / "cjk.md"
    lst.write_text("# 列表\n\n## 论文\n"
                   "- [大语言模型的高效推理综述](https://arxiv.org/abs/2401.00001), ACL 2024\n"
                   "- [移动设备上的深度学习推理](https://arxiv.org/abs/2401.00002), ACL 2024\n", encoding="utf-8")
    for _ in range(2):
        r = run_cli("run", "--offline", "--input", str(lst), cwd=workdir)
        assert r.returncode == 0, r.stderr
        entries = json.loads((workdir / "data" / "enriched.json").read_text(encoding="utf-8"))["entries"]
        assert sorted(e["title"] for e in entries) == ["大语言模型的高效推理综述", "移动设备上的深度学习推理"]
        assert len({e["key"] for e in entries}) == 2
