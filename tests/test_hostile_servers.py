"""Broken and hostile APIs (issue 11) and per-source pacing (issue 12 item 2),
against misbehaving servers on loopback (tests/misbehaving.py; every answer
here is SYNTHETIC).  Each misbehaviour is tried on the HTTP layer, on the
adapters where it matters, and on the real CLI in a subprocess with one
``PIPELINE_*_URL`` pointing at the bad server and the others at the loopback
replica (tests/fakeworld.py): no traceback, bounded wall time, exit code,
the key never seen by another host, a second run after recovery asks again.
Deadlines and budgets are made small through the environment
(``PIPELINE_TIMEOUT``, ``PIPELINE_SOURCE_BUDGET``, ``PIPELINE_MAX_BODY_MB``)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.config import MB, Settings
from pipeline.errors import SourceUnavailable
from pipeline.http import Http
from pipeline.models import Ids
from tests.fakeworld import FakeScholarServer, World
from tests.misbehaving import MisbehavingServer

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "data" / "world" / "seed_world.json"
KEY = "h3-SECRET-KEY-5f1c9e77"
MAILTO = "h3-secret-person@mail.example"

# three entries of the seed list: a DOI link, an arXiv link, a link without identifier
LIST = (
    "# Hostile test list\n\n## Papers\n"
    "- [TASO: The Tensor Algebra SuperOptimizer for Deep Learning]"
    "(https://dl.acm.org/doi/abs/10.1145/3341301.3359630) by Zhihao Jia et al., SOSP 2019\n"
    "- [Ansor: Generating High-Performance Tensor Programs for Deep Learning]"
    "(https://arxiv.org/abs/2006.06762) by Lianmin Zheng et al., OSDI 2020\n"
    "- [Mistify: Automating DNN Model Porting for On-Device Inference at the Edge]"
    "(https://www.usenix.org/system/files/nsdi21-guo.pdf) by Guo, Peizhen et al., NSDI 2021\n"
)


def settings(tmp_path: Path, **kw) -> Settings:
    base: dict = {"pace_scale": 0.0, "cache_dir": str(tmp_path / "cache"), "request_timeout": 1.0,
                  "connect_timeout": 1.0, "source_budget": 3.0, "s2_api_key": KEY, "mailto": MAILTO}
    base.update(kw)
    return Settings(**base)


def cache_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


@pytest.fixture
def bad():
    with MisbehavingServer() as srv:
        yield srv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- secrets ---------------------------------------------------------------------------


def test_redirect_to_another_host_name_carries_no_secret(tmp_path):
    with MisbehavingServer("ok") as other, MisbehavingServer("redirect") as front:
        port = other.url.rsplit(":", 1)[1]
        front.redirect_to = f"http://localhost:{port}"  # loopback too, but another host name
        http = Http(settings(tmp_path))
        resp = http.request("s2", "GET", front.url + "/graph/v1/paper/search/match",
                            params={"query": "x", "mailto": MAILTO}, headers={"x-api-key": KEY}, expect="json")
        assert resp.status_code == 200 and resp.json() == {"data": []}
        assert front.seen(KEY) == 1 and front.seen(MAILTO) == 1  # the configured host gets both
        assert other.count() == 1
        assert other.seen(KEY) == 0 and other.seen(MAILTO) == 0 and other.seen("h3-secret") == 0
        assert other.requests[0]["headers"]["user-agent"].startswith("edgeai-pipeline/")


def test_error_body_echoing_headers_is_scrubbed(tmp_path, bad):
    bad.mode = "echo"
    http = Http(settings(tmp_path))
    resp = http.request("s2", "POST", bad.url + "/graph/v1/paper/batch", json={"ids": ["x"]},
                        headers={"x-api-key": KEY})
    assert resp.status_code == 400
    assert bad.seen(KEY) == 1  # it was sent, and echoed...
    assert KEY not in resp.text and MAILTO not in resp.text and "***" in resp.text  # ...but nobody reads it

    from pipeline.sources.s2 import S2Source
    s = settings(tmp_path, endpoints={"s2": bad.url})
    with pytest.raises(SourceUnavailable) as err:
        S2Source(Http(s), s).lookup([Ids(doi="10.1145/3341301.3359630")])
    assert KEY not in str(err.value) and MAILTO not in str(err.value)
    assert len(str(err.value)) < 400


def test_source_unavailable_message_is_scrubbed_and_short(tmp_path):
    Http(settings(tmp_path))  # registers this run's secrets
    encoded = MAILTO.replace("@", "%40")
    err = SourceUnavailable("s2", f"HTTP 418: x-api-key: {KEY}\x1b[31m mailto={encoded} " + "z" * 5000)
    assert KEY not in err.message and "%40mail" not in err.message and "\x1b" not in err.message
    assert len(err.message) <= 300


# -- time ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["drip", "silent"])
def test_drip_and_silence_are_bounded_then_the_source_is_skipped(tmp_path, bad, mode):
    bad.mode = mode
    http = Http(settings(tmp_path, request_timeout=0.5, source_budget=1.5))
    start = time.monotonic()
    with pytest.raises(SourceUnavailable) as err:
        http.request("dblp", "GET", bad.url + "/search/publ/api", params={"q": "x"}, expect="json")
    spent = time.monotonic() - start
    assert 1.0 <= spent < 3.5, spent  # the budget (1.5 s), not the server, decides
    assert "within 0.5 s" in str(err.value)
    asked = bad.count()
    assert 2 <= asked <= 4
    # circuit breaker: the rest of the run does not ask that source again
    start = time.monotonic()
    with pytest.raises(SourceUnavailable) as err:
        http.request("dblp", "GET", bad.url + "/search/publ/api", params={"q": "other"}, expect="json")
    assert bad.count() == asked  # not one more request
    assert time.monotonic() - start < 0.45  # and no wait: less than one 0.5 s attempt
    assert "skipped for the rest of this run" in str(err.value)
    assert http.down.keys() == {"dblp"}


def test_drip_of_headers_is_bounded_too(tmp_path):
    """A server that sends its status line and headers one byte at a time."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(5)
    stop = threading.Event()

    def serve():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except OSError:
                continue
            def drip(c=conn):
                try:
                    c.recv(65536)
                    for b in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10000:
                        if stop.wait(0.05):
                            break
                        c.sendall(bytes([b]))
                except OSError:
                    pass
                finally:
                    c.close()
            threading.Thread(target=drip, daemon=True).start()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        http = Http(settings(tmp_path, request_timeout=0.5, source_budget=1.0))
        start = time.monotonic()
        with pytest.raises(SourceUnavailable):
            http.request("crossref", "GET", f"http://127.0.0.1:{lsock.getsockname()[1]}/works")
        assert time.monotonic() - start < 3.0
    finally:
        stop.set()
        t.join(2)
        lsock.close()


def test_dns_failure_is_fast_and_skips_the_source(tmp_path):
    http = Http(settings(tmp_path))
    start = time.monotonic()
    with pytest.raises(SourceUnavailable) as err:
        http.request("openalex", "GET", "http://nonexistent.invalid/works")
    assert "cannot resolve host nonexistent.invalid" in str(err.value)
    with pytest.raises(SourceUnavailable):
        http.request("openalex", "GET", "http://nonexistent.invalid/works?x=1")
    assert time.monotonic() - start < 10
    assert http.counts == {"openalex": 1}


def test_connection_refused_skips_the_source_after_retries(tmp_path):
    http = Http(settings(tmp_path), max_attempts=3)
    url = f"http://127.0.0.1:{free_port()}/works"
    with pytest.raises(SourceUnavailable):
        http.request("crossref", "GET", url)
    with pytest.raises(SourceUnavailable):
        http.request("crossref", "GET", url + "?again=1")
    assert http.counts == {"crossref": 3}  # 3 attempts, then nothing more


def test_budget_counts_backoff_waits(tmp_path, bad):
    """With real pacing, the waits between retries count against the source's
    budget: a 5xx source is given up when the next wait would pass it."""
    bad.mode = "ok"
    bad.ok_body = b"{}"  # an empty answer: not acceptable, retried
    sleeps: list[float] = []
    http = Http(settings(tmp_path, pace_scale=1.0, source_budget=5.0), max_attempts=50, sleep=sleeps.append)
    with pytest.raises(SourceUnavailable):
        http.request("crossref", "GET", bad.url + "/works", expect="json")
    assert [s for s in sleeps if s >= 1] == [1.0, 2.0]  # 1 + 2 fit in 5 s, the next 4 would not
    assert bad.count() == 3


# -- cache hygiene -----------------------------------------------------------------------


def test_null_data_is_not_cached_and_a_later_run_asks_again(tmp_path, bad):
    bad.mode = "null"
    with pytest.raises(SourceUnavailable) as err:
        Http(settings(tmp_path), max_attempts=2).request(
            "s2", "GET", bad.url + "/graph/v1/paper/search/match", params={"query": "x"}, expect="json")
    assert "empty answer" in str(err.value)
    assert bad.count() == 2 and cache_files(tmp_path) == []
    bad.mode = "ok"  # the service recovered: the next run asks again and caches
    http = Http(settings(tmp_path))
    url = bad.url + "/graph/v1/paper/search/match"
    assert http.request("s2", "GET", url, params={"query": "x"}, expect="json").json() == {"data": []}
    assert bad.count() == 3 and len(cache_files(tmp_path)) == 1
    assert Http(settings(tmp_path)).request("s2", "GET", url, params={"query": "x"}, expect="json").from_cache


def test_validate_decides_what_is_cached(tmp_path, bad):
    bad.mode = "ok"
    bad.ok_body = b'{"meta": {"count": 0}, "results": null}'
    http = Http(settings(tmp_path), max_attempts=2)

    def has_results(resp):
        return None if isinstance(resp.json().get("results"), list) else "answer has no 'results' list"

    with pytest.raises(SourceUnavailable) as err:
        http.request("openalex", "GET", bad.url + "/works", expect="json", validate=has_results)
    assert "no 'results' list" in str(err.value) and cache_files(tmp_path) == []
    # a validator that trips over the body rejects it; it does not crash the run
    with pytest.raises(SourceUnavailable) as err:
        Http(settings(tmp_path), max_attempts=1).request(
            "openalex", "GET", bad.url + "/works", expect="json", validate=lambda r: r.json()["results"][0])
    assert "unexpected answer (TypeError" in str(err.value) and cache_files(tmp_path) == []
    bad.ok_body = b'{"meta": {"count": 0}, "results": []}'
    assert Http(settings(tmp_path)).request("openalex", "GET", bad.url + "/works", expect="json",
                                            validate=has_results).status_code == 200
    assert len(cache_files(tmp_path)) == 1


def test_a_poisoned_cache_entry_is_ignored(tmp_path, bad):
    """An entry written by an older version (a cached {"data": null}) is not
    served: the source is asked again."""
    bad.mode = "ok"
    http = Http(settings(tmp_path))
    url = bad.url + "/graph/v1/paper/search/match"
    http.request("s2", "GET", url, params={"query": "x"}, expect="json")
    [path] = cache_files(tmp_path)
    entry = json.loads(path.read_text())
    entry["body"] = '{"data": null}'
    path.write_text(json.dumps(entry))
    resp = Http(settings(tmp_path)).request("s2", "GET", url, params={"query": "x"}, expect="json")
    assert not resp.from_cache and resp.json() == {"data": []} and bad.count() == 2


# -- parsing -----------------------------------------------------------------------------


def _adapters(url: str, tmp_path: Path):
    from pipeline.sources.crossref import CrossrefSource
    from pipeline.sources.dblp import DblpSource
    from pipeline.sources.openalex import OpenAlexSource
    from pipeline.sources.s2 import S2Source

    s = settings(tmp_path, endpoints={n: url for n in ("s2", "crossref", "openalex", "dblp", "arxiv")})
    http = Http(s, max_attempts=2)
    return [cls(http, s) for cls in (S2Source, CrossrefSource, OpenAlexSource, DblpSource)]


def test_deep_json_fails_cleanly_for_every_json_source(tmp_path, bad):
    bad.mode = "deep"
    for src in _adapters(bad.url, tmp_path):
        with pytest.raises(SourceUnavailable) as err:
            src.search("TASO: The Tensor Algebra SuperOptimizer for Deep Learning")
        assert "nested too deep" in str(err.value), src.name
    assert cache_files(tmp_path) == []


def test_moderately_deep_json_is_refused_too(tmp_path, bad):
    bad.mode = "ok"
    bad.ok_body = b'{"data": ' + b"[" * 500 + b"]" * 500 + b"}"  # parses, but 501 deep
    with pytest.raises(SourceUnavailable) as err:
        Http(settings(tmp_path), max_attempts=1).request("s2", "GET", bad.url + "/x", expect="json")
    assert "nested deeper than" in str(err.value)


@pytest.mark.parametrize("mode", ["deep_xml", "wide_xml", "entities"])
def test_hostile_xml_fails_cleanly_for_arxiv(tmp_path, bad, mode):
    from pipeline.sources.arxiv import ArxivSource

    bad.mode = mode
    s = settings(tmp_path, endpoints={"arxiv": bad.url})
    src = ArxivSource(Http(s, max_attempts=2), s)
    start = time.monotonic()
    with pytest.raises(SourceUnavailable) as err:
        src.lookup([Ids(arxiv="2006.06762")])
    assert time.monotonic() - start < 5
    expected = {"deep_xml": "nested deeper", "wide_xml": "more than 200000 elements", "entities": "unsafe XML"}
    assert expected[mode] in str(err.value)
    assert cache_files(tmp_path) == []


# -- memory ------------------------------------------------------------------------------


def test_huge_body_is_capped_and_nothing_is_cached(tmp_path, bad):
    bad.mode = "huge"
    http = Http(settings(tmp_path, max_body_bytes=4 * MB, request_timeout=20))
    with pytest.raises(SourceUnavailable) as err:
        http.request("openalex", "GET", bad.url + "/works", expect="json")
    assert "larger than the 4 MB cap" in str(err.value)
    assert cache_files(tmp_path) == [] and bad.count() == 1  # not retried
    # a per-endpoint cap given by the adapter wins
    bad.mode = "ok"
    bad.ok_body = b'{"data": [' + b"1," * 5000 + b"1]}"
    with pytest.raises(SourceUnavailable):
        Http(settings(tmp_path)).request("dblp", "GET", bad.url + "/x", expect="json", max_bytes=1000)


def _peak_rss_mib(code: str, env: dict[str, str]) -> tuple[float, str, str]:
    """Run ``python -c code``; its peak resident memory (VmHWM, read by the
    child itself at exit: ru_maxrss would include the parent's size at fork)."""
    wrapped = (
        "import atexit, sys\n"
        "def _hwm():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            sys.stderr.write('H3PEAK ' + line.split()[1] + '\\n')\n"
        "atexit.register(_hwm)\n"
    ) + code
    proc = subprocess.run([sys.executable, "-c", wrapped], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    peaks = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("H3PEAK ")]
    assert peaks, proc.stderr
    err = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("H3PEAK "))
    return peaks[-1] / 1024, proc.stdout, err


def test_huge_body_peak_memory(tmp_path, bad):
    """200 MB answer, default 32 MB cap: the process stays far below the
    852 MiB that reading it whole took (issue 11)."""
    bad.mode = "huge"
    env = {**os.environ, "H3_TMP": str(tmp_path), "PIPELINE_CACHE_DIR": str(tmp_path / "cache"),
           "PIPELINE_PACE_SCALE": "0", "PIPELINE_TIMEOUT": "20"}
    code = (
        "from pipeline.config import Settings\n"
        "from pipeline.http import Http\n"
        "from pipeline.errors import SourceUnavailable\n"
        "http = Http(Settings.from_env())\n"
        "try:\n"
        f"    http.request('openalex', 'GET', {bad.url!r} + '/works', expect='json')\n"
        "except SourceUnavailable as e:\n"
        "    print(e)\n"
    )
    baseline, _, _ = _peak_rss_mib("import pipeline.http, pipeline.config", env)
    peak, out, _ = _peak_rss_mib(code, env)
    assert "larger than the 32 MB cap" in out
    print(f"peak RSS with a 200 MB body: {peak:.0f} MiB (imports alone: {baseline:.0f} MiB)")
    assert peak - baseline < 100, (peak, baseline)
    assert cache_files(tmp_path) == []


# -- pacing: each source on its own ------------------------------------------------------


def test_two_sources_paced_side_by_side(tmp_path):
    """dblp (1 s x 0.2) and arXiv (3 s x 0.2) from two threads: each keeps its
    own interval, neither waits for the other.

    Asserted without wall-clock luck: the pacer's own waits (it never asks
    dblp to wait longer than dblp's interval, so dblp never waits for arXiv),
    the order the servers saw the requests in (dblp is done before arXiv's
    third slot, 0.6 s of margin), and server-side gaps with half an interval
    of slack (an unpaced source would send within milliseconds; a request
    sent late by the OS moves only its own timestamp)."""
    waits: dict[str, list[float]] = {"dblp": [], "arxiv": []}

    def sleep(seconds: float) -> None:  # the real sleep, recorded per source thread
        waits[threading.current_thread().name].append(seconds)
        time.sleep(seconds)

    with MisbehavingServer("ok") as a, MisbehavingServer("ok") as b:
        http = Http(settings(tmp_path, pace_scale=0.2), sleep=sleep)
        n = 4
        errors: list[BaseException] = []

        def run(source: str, srv: MisbehavingServer):
            try:
                for i in range(n):
                    http.request(source, "GET", srv.url + f"/q{i}", use_cache=False)
            except BaseException as e:  # noqa: BLE001 -- reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=("dblp", a), name="dblp", daemon=True),
                   threading.Thread(target=run, args=("arxiv", b), name="arxiv", daemon=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "a paced thread did not finish within 60 s"
        assert errors == []
        ta = [r["time"] for r in a.requests]
        tb = [r["time"] for r in b.requests]
        assert len(ta) == len(tb) == n and http.counts == {"dblp": n, "arxiv": n}
        # each source is paced by its own interval: never asked to wait longer than it
        assert waits["dblp"] and max(waits["dblp"]) <= 0.2 + 1e-6, waits
        assert waits["arxiv"] and max(waits["arxiv"]) <= 0.6 + 1e-6, waits
        # and the servers saw paced requests (dblp 0.2 s, arXiv 0.6 s apart, give or take the OS)
        assert min(y - x for x, y in itertools.pairwise(ta)) >= 0.2 * 0.5, ta
        assert min(y - x for x, y in itertools.pairwise(tb)) >= 0.6 * 0.5, tb  # more than dblp's 0.2 s
        # side by side: dblp (slots at 0, 0.2, 0.4, 0.6 s) is done before arXiv's
        # third request (slot at 1.2 s); run one after the other, it would not be
        assert ta[-1] < tb[2], (ta, tb)


def test_pacing_sleeps_outside_the_lock(tmp_path):
    """A thread sleeping for one source's slot does not hold others back: the
    arXiv thread is held inside its pacing sleep (an event, not a clock) while
    this thread paces two other sources."""
    asleep, release = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:
        asleep.set()
        release.wait(30)  # bounded: a pacer that held a shared lock would block us only this long

    http = Http(settings(tmp_path, pace_scale=1.0), sleep=sleep)
    http._pace("arxiv")  # first request: no wait; the next arXiv slot is 3 s away
    done = threading.Event()
    t = threading.Thread(target=lambda: (http._pace("arxiv"), done.set()), daemon=True)
    t.start()
    try:
        assert asleep.wait(30), "the second arXiv request never went to sleep for its slot"
        http._pace("openalex")
        http._pace("crossref")
        assert not done.is_set()  # both paced while arXiv still sleeps
    finally:
        release.set()
        t.join(30)
    assert done.is_set()


# -- the real CLI, one bad PIPELINE_*_URL at a time -----------------------------------


@pytest.fixture
def world_server():
    with FakeScholarServer(World.load(WORLD)) as srv:
        yield srv


def run_cli(tmp_path: Path, env_extra: dict[str, str], *args: str, name: str = "run"):
    work = tmp_path / name
    work.mkdir(exist_ok=True)
    (work / "list.md").write_text(LIST)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_") and k != "S2_API_KEY"}
    env.update({
        "PIPELINE_PACE_SCALE": "0", "PIPELINE_CACHE_DIR": str(tmp_path / "cache"),
        "PIPELINE_TIMEOUT": "1", "PIPELINE_SOURCE_BUDGET": "2",
        "S2_API_KEY": KEY, "PIPELINE_MAILTO": MAILTO, "PYTHONPATH": str(ROOT),
    })
    env.update(env_extra)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--input", str(work / "list.md"), "--quiet",
         "--enriched", str(tmp_path / "enriched.json"), "--exports", str(tmp_path / "exports"), *args],
        cwd=work, env=env, capture_output=True, text=True, timeout=90, check=False,
    )
    wall = time.monotonic() - start
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert KEY not in proc.stdout + proc.stderr and MAILTO not in proc.stdout + proc.stderr
    return proc, wall


def _enriched(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "enriched.json").read_text())


@pytest.mark.parametrize("source, mode", [
    ("s2", "drip"), ("s2", "silent"), ("s2", "deep"), ("s2", "echo"), ("s2", "null"),
    ("crossref", "deep"), ("openalex", "null"), ("arxiv", "deep_xml"), ("arxiv", "drip"),
])
def test_cli_with_one_bad_source(tmp_path, world_server, bad, source, mode):
    bad.mode = mode
    env = {**world_server.env(), f"PIPELINE_{source.upper()}_URL": bad.url}
    proc, wall = run_cli(tmp_path, env, "--strict")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # --strict: a source failed
    assert wall < 20, wall
    assert "could not be reached" in proc.stdout and f"  {source}: " in proc.stdout  # named, with the reason
    assert bad.count() >= 1
    assert (tmp_path / "exports" / "references.bib").exists()  # the run still wrote its outputs
    titles = {e["list"]["title"]: e for e in _enriched(tmp_path)["entries"]}
    assert len(titles) == 3  # every listed paper is kept, whatever failed


@pytest.mark.parametrize("where", ["dns", "refused"])
def test_cli_with_an_unreachable_crossref(tmp_path, world_server, where):
    url = "http://nonexistent.invalid" if where == "dns" else f"http://127.0.0.1:{free_port()}"
    proc, wall = run_cli(tmp_path, {**world_server.env(), "PIPELINE_CROSSREF_URL": url})
    assert proc.returncode == 0 and wall < 20
    assert "  crossref: " in proc.stdout


@pytest.mark.parametrize("source", ["s2", "crossref", "openalex"])
def test_cli_redirect_to_another_host_keeps_the_secrets_home(tmp_path, world_server, source):
    """Every request to the configured host is redirected (307) to another
    host name; the run still works, and neither the S2 key nor the mailto
    (header, User-Agent or query parameter) reaches the other host."""
    with MisbehavingServer("proxy") as other, MisbehavingServer("redirect") as front:
        other.upstream = world_server.urls[source]
        front.redirect_to = f"http://localhost:{other.url.rsplit(':', 1)[1]}"
        env = {**world_server.env(), f"PIPELINE_{source.upper()}_URL": front.url}
        proc, _ = run_cli(tmp_path, env, "--strict")
        assert proc.returncode == 0, proc.stdout
        assert other.count() >= 1 and front.count() == other.count()
        secret = KEY if source == "s2" else "h3-secret-person"  # the mailto, raw or %40-encoded
        assert front.seen(secret) == front.count()  # the secret goes to the configured host...
        assert other.seen(KEY) == 0 and other.seen("h3-secret-person") == 0  # ...and nowhere else


def test_cli_second_run_after_recovery_asks_again(tmp_path, world_server, bad):
    bad.mode = "null"
    env = {**world_server.env(), "PIPELINE_S2_URL": bad.url}
    proc, _ = run_cli(tmp_path, env, "--strict", name="first")
    assert proc.returncode == 1 and "  s2: " in proc.stdout
    asked = bad.count()
    bad.mode, bad.upstream = "proxy", world_server.urls["s2"]  # S2 is back
    proc, _ = run_cli(tmp_path, env, "--strict", name="second")
    assert proc.returncode == 0, proc.stdout
    assert bad.count() > asked  # asked again: nothing of the bad answers was cached
    titles = {e["list"]["title"]: e for e in _enriched(tmp_path)["entries"]}
    assert all(e["status"]["resolved"] for e in titles.values())


def test_cli_huge_body_from_openalex_peak_memory(tmp_path, world_server, bad):
    bad.mode = "huge"
    env = {**world_server.env(), "PIPELINE_OPENALEX_URL": bad.url, "PIPELINE_MAX_BODY_MB": "16",
           "PIPELINE_TIMEOUT": "20", "H3_TMP": str(tmp_path)}
    work = tmp_path / "run"
    work.mkdir()
    (work / "list.md").write_text(LIST)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    full_env.update({"PIPELINE_PACE_SCALE": "0", "PIPELINE_CACHE_DIR": str(tmp_path / "cache"),
                     "PYTHONPATH": str(ROOT), **env})
    code = ("import sys; from pipeline.cli import main; sys.exit(main(['run', '--quiet', '--input', "
            f"{str(work / 'list.md')!r}, '--enriched', {str(tmp_path / 'e.json')!r}, '--exports', "
            f"{str(tmp_path / 'exports')!r}]))")
    peak, out, err = _peak_rss_mib(code, full_env)
    assert "Traceback" not in err, err and "  openalex: " in out and "16 MB cap" in out
    print(f"CLI peak RSS with a 200 MB OpenAlex body, 16 MB cap: {peak:.0f} MiB")
    assert peak < 250, peak
    assert all(p.stat().st_size < 16 * MB for p in cache_files(tmp_path))


def test_a_malformed_200_is_not_cached_by_any_adapter(tmp_path, bad):
    """Each adapter tells the HTTP layer what an acceptable answer is
    (``validate``): a 200 of the wrong shape is never cached."""
    from pipeline.sources.crossref import CrossrefSource
    from pipeline.sources.dblp import DblpSource
    from pipeline.sources.openalex import OpenAlexSource
    from pipeline.sources.s2 import S2Source

    bad.mode = "ok"
    s = settings(tmp_path, endpoints={n: bad.url for n in ("s2", "crossref", "openalex", "dblp", "arxiv")})
    cases = [
        (S2Source, b'{"message": "internal error"}', lambda src: src.lookup([Ids(doi="10.1/a")])),
        (S2Source, b'{"total": 0, "data": null}', lambda src: src.search("A title of a paper")),
        (CrossrefSource, b'{"status": "ok", "message": null}', lambda src: src.search("A title of a paper")),
        (OpenAlexSource, b'{"meta": {"count": 0}, "results": null}', lambda src: src.search("A title of a paper")),
        (DblpSource, b'{"result": {"status": {"@code": "500"}}}', lambda src: src.search("A title of a paper")),
    ]
    for cls, body, call in cases:
        bad.ok_body = body
        with pytest.raises(SourceUnavailable):
            call(cls(Http(s, max_attempts=2), s))
        assert cache_files(tmp_path) == [], cls.name


def _poison_arxiv_ids(body: bytes) -> bytes:
    """Every S2 paper in an answer gets the arXiv id of issue 11."""
    data = json.loads(body)
    papers = data if isinstance(data, list) else (data.get("data") or [])
    for p in papers:
        if isinstance(p, dict):
            p["externalIds"] = {**(p.get("externalIds") or {}), "ArXiv": "javascript:alert(6)"}
    return json.dumps(data).encode()


def test_cli_hostile_identifier_from_s2_is_never_exported(tmp_path, world_server):
    with MisbehavingServer("proxy") as s2:
        s2.upstream, s2.rewrite = world_server.urls["s2"], _poison_arxiv_ids
        proc, _ = run_cli(tmp_path, {**world_server.env(), "PIPELINE_S2_URL": s2.url}, "--strict")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert s2.count() >= 1
    assert "invalid arxiv id 'javascript:alert(6)' dropped" in proc.stderr
    outputs = [tmp_path / "enriched.json", *sorted((tmp_path / "exports").glob("*"))]
    assert len(outputs) > 3
    for path in outputs:
        assert "javascript:alert(6)" not in path.read_text(), path.name
    titles = {e["list"]["title"]: e for e in _enriched(tmp_path)["entries"]}
    assert all(e["status"]["resolved"] for e in titles.values())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test certificate")
def test_https_drip_is_bounded_too(tmp_path, monkeypatch):
    """The deadline watchdog also covers TLS connections (a self-signed
    certificate for 127.0.0.1, made here, trusted through REQUESTS_CA_BUNDLE)."""
    import ssl

    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(5)
    lsock.settimeout(0.2)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
            tls.recv(65536)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            while not stop.wait(0.1):
                tls.sendall(b" ")
        except OSError:
            pass
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = lsock.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    try:
        http = Http(settings(tmp_path, request_timeout=0.5, source_budget=1.0))
        start = time.monotonic()
        with pytest.raises(SourceUnavailable) as err:
            http.request("dblp", "GET", f"https://127.0.0.1:{lsock.getsockname()[1]}/x", expect="json")
        assert time.monotonic() - start < 3.0
        assert "no complete answer within 0.5 s" in str(err.value)
    finally:
        stop.set()
        t.join(2)
        lsock.close()
