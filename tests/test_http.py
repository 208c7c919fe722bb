"""pipeline.http against loopback servers (pytest-httpserver); all responses
here are synthetic (made up by each test)."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Response

from pipeline.config import Settings
from pipeline.errors import SourceUnavailable
from pipeline.http import Http, parse_retry_after, strip_secrets


class FakeClock:
    """A monotonic clock that only moves when somebody sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def make_http(tmp_path, *, pace_scale=0.0, clock=None, api_key=None, mailto=None, **kw) -> Http:
    settings = Settings(pace_scale=pace_scale, cache_dir=str(tmp_path / "cache"), s2_api_key=api_key, mailto=mailto)
    if clock is not None:
        kw.update(sleep=clock.sleep, clock=clock.monotonic)
    return Http(settings, **kw)


# -- pacing ---------------------------------------------------------------------


def test_pacing_per_source_with_fake_clock(httpserver, tmp_path):
    httpserver.expect_request("/a").respond_with_json({"ok": 1})
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=1.0, clock=clock)
    for _ in range(3):
        http.request("arxiv", "GET", httpserver.url_for("/a"), use_cache=False)
    assert clock.sleeps == [3.0, 3.0]  # arXiv: one request every 3 s
    http.request("crossref", "GET", httpserver.url_for("/a"), use_cache=False)
    assert clock.sleeps == [3.0, 3.0]  # other sources have their own clock
    http.request("crossref", "GET", httpserver.url_for("/a"), use_cache=False)
    assert clock.sleeps[-1] == pytest.approx(0.2)
    assert http.counts == {"arxiv": 3, "crossref": 2}


@pytest.mark.parametrize("api_key, interval", [("k", 1.0), (None, 3.0)])
def test_s2_pacing_depends_on_api_key(httpserver, tmp_path, api_key, interval):
    httpserver.expect_request("/a").respond_with_json({})
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=1.0, clock=clock, api_key=api_key)
    http.request("s2", "GET", httpserver.url_for("/a"), use_cache=False)
    http.request("s2", "GET", httpserver.url_for("/a"), use_cache=False)
    assert clock.sleeps == [interval]


def test_pacing_real_pauses_scaled(httpserver, tmp_path):
    httpserver.expect_request("/a").respond_with_json({})
    http = make_http(tmp_path, pace_scale=0.1)  # dblp 1 s -> 0.1 s
    start = time.monotonic()
    for _ in range(3):
        http.request("dblp", "GET", httpserver.url_for("/a"), use_cache=False)
    assert time.monotonic() - start >= 0.2


def test_pace_scale_zero_never_sleeps(httpserver, tmp_path):
    httpserver.expect_request("/a").respond_with_json({})
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=0.0, clock=clock)
    for _ in range(5):
        http.request("arxiv", "GET", httpserver.url_for("/a"), use_cache=False)
    assert clock.sleeps == []
    assert http.counts == {"arxiv": 5}


# -- retries --------------------------------------------------------------------


def test_429_retry_after_then_success(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/r").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_request("/r").respond_with_json({"ok": True})
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=1.0, clock=clock)
    resp = http.request("openalex", "GET", httpserver.url_for("/r"), expect="json")
    assert resp.status_code == 200 and resp.json() == {"ok": True}
    assert 7.0 in clock.sleeps  # waited what the server asked, not the 1 s backoff
    assert http.counts == {"openalex": 2}
    assert len(httpserver.log) == 2


def test_429_retry_after_real_wait(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/r").respond_with_data("", status=429, headers={"Retry-After": "1"})
    httpserver.expect_request("/r").respond_with_json({"ok": True})
    http = make_http(tmp_path, pace_scale=0.5)
    start = time.monotonic()
    assert http.request("openalex", "GET", httpserver.url_for("/r")).status_code == 200
    assert time.monotonic() - start >= 0.5  # Retry-After 1 s x pace_scale 0.5


def test_parse_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("100000") == 120.0  # capped
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    now = datetime(2024, 1, 1, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30.0)
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now.timestamp()) == 0.0


def test_500_then_200_is_retried_with_backoff(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/e").respond_with_data("boom", status=500)
    httpserver.expect_request("/e").respond_with_json([1])
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=1.0, clock=clock)
    assert http.request("crossref", "GET", httpserver.url_for("/e")).json() == [1]
    assert 1.0 in clock.sleeps
    assert http.counts["crossref"] == 2


def test_persistent_500_gives_source_unavailable(httpserver, tmp_path):
    httpserver.expect_request("/e").respond_with_data("boom", status=503)
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=1.0, clock=clock)
    with pytest.raises(SourceUnavailable) as err:
        http.request("crossref", "GET", httpserver.url_for("/e"))
    assert err.value.source == "crossref"
    assert len(httpserver.log) == 5  # default max attempts
    assert http.counts["crossref"] == 5
    assert [s for s in clock.sleeps if s >= 1] == [1.0, 2.0, 4.0, 8.0]  # exponential backoff


def test_time_budget_bounds_retries(httpserver, tmp_path):
    httpserver.expect_request("/e").respond_with_data("boom", status=500)
    clock = FakeClock()
    http = make_http(tmp_path, pace_scale=1.0, clock=clock, max_attempts=50, time_budget=5.0)
    with pytest.raises(SourceUnavailable):
        http.request("crossref", "GET", httpserver.url_for("/e"))
    assert len(httpserver.log) == 3  # waits 1 + 2 fit in 5 s, the next 4 would not


@pytest.fixture
def threaded_server():
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_timeout_is_retried(threaded_server, tmp_path):
    def slow(_request):
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    threaded_server.expect_oneshot_request("/t").respond_with_handler(slow)
    threaded_server.expect_request("/t").respond_with_json({"fast": True})
    http = make_http(tmp_path, timeout=(2.0, 0.3))
    assert http.request("dblp", "GET", threaded_server.url_for("/t")).json() == {"fast": True}
    assert http.counts["dblp"] == 2
    assert [e.status for e in http.log] == [None, 200]


def test_connection_refused_gives_source_unavailable(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = make_http(tmp_path, max_attempts=3)
    with pytest.raises(SourceUnavailable) as err:
        http.request("dblp", "GET", f"http://127.0.0.1:{port}/x")
    assert "connection" in str(err.value)
    assert http.counts["dblp"] == 3


def test_truncated_json_is_retried(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/j").respond_with_data('{"data": [1, 2', content_type="application/json")
    httpserver.expect_request("/j").respond_with_json({"data": [1, 2]})
    http = make_http(tmp_path)
    assert http.request("s2", "GET", httpserver.url_for("/j"), expect="json").json() == {"data": [1, 2]}
    assert len(httpserver.log) == 2


def test_html_200_for_json_is_retried_then_unavailable(httpserver, tmp_path):
    httpserver.expect_request("/j").respond_with_data("<html>maintenance</html>", content_type="text/html")
    http = make_http(tmp_path, max_attempts=3)
    with pytest.raises(SourceUnavailable) as err:
        http.request("openalex", "GET", httpserver.url_for("/j"), expect="json")
    assert "content type" in str(err.value)
    assert len(httpserver.log) == 3
    assert not list((tmp_path / "cache").rglob("*.json"))  # garbage is never cached


def test_expect_xml(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/x").respond_with_json({"not": "xml"})
    httpserver.expect_request("/x").respond_with_data("<feed/>", content_type="application/atom+xml")
    http = make_http(tmp_path)
    assert http.request("arxiv", "GET", httpserver.url_for("/x"), expect="xml").text == "<feed/>"
    assert len(httpserver.log) == 2


def test_404_returned_not_retried_and_cached(httpserver, tmp_path):
    httpserver.expect_request("/missing").respond_with_data(
        "Resource not found.", status=404, content_type="text/plain")
    http = make_http(tmp_path)
    resp = http.request("crossref", "GET", httpserver.url_for("/missing"), expect="json")
    assert resp.status_code == 404 and resp.text == "Resource not found."
    assert len(httpserver.log) == 1
    again = http.request("crossref", "GET", httpserver.url_for("/missing"), expect="json")
    assert again.status_code == 404 and again.from_cache and len(httpserver.log) == 1


def test_400_returned_not_cached(httpserver, tmp_path):
    httpserver.expect_request("/bad").respond_with_json({"error": "bad"}, status=400)
    http = make_http(tmp_path)
    assert http.request("s2", "GET", httpserver.url_for("/bad")).status_code == 400
    assert http.request("s2", "GET", httpserver.url_for("/bad")).status_code == 400
    assert len(httpserver.log) == 2


# -- cache ----------------------------------------------------------------------


def test_cache_hit_makes_no_network_request(httpserver, tmp_path):
    httpserver.expect_request("/w", query_string="q=1").respond_with_json({"v": "é"})
    first = make_http(tmp_path)
    r1 = first.request("crossref", "GET", httpserver.url_for("/w"), params={"q": "1"}, expect="json")
    assert r1.from_cache is False and first.counts == {"crossref": 1}
    second = make_http(tmp_path)  # a new run, same cache dir
    r2 = second.request("crossref", "GET", httpserver.url_for("/w"), params={"q": "1"}, expect="json")
    assert len(httpserver.log) == 1
    assert second.counts == {}
    assert r2.from_cache is True and r2.status_code == 200
    assert r2.json() == {"v": "é"} and r2.headers["content-type"] == "application/json"
    assert second.log[-1].from_cache is True


def test_cache_ignores_api_key_and_mailto_and_stores_no_secret(httpserver, tmp_path):
    httpserver.expect_request("/w").respond_with_json({"v": 1})
    http = make_http(tmp_path, mailto="me@example.org")
    http.request("s2", "POST", httpserver.url_for("/w"), params={"fields": "title", "mailto": "me@example.org"},
                 json={"ids": ["a"]}, headers={"x-api-key": "SECRET-KEY-1"})
    resp = http.request("s2", "POST", httpserver.url_for("/w"),
                        params={"fields": "title", "mailto": "other@example.org"},
                        json={"ids": ["a"]}, headers={"x-api-key": "SECRET-KEY-2"})
    assert resp.from_cache and len(httpserver.log) == 1
    assert httpserver.log[0][0].headers["x-api-key"] == "SECRET-KEY-1"  # sent on the wire
    blob = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert blob and b"SECRET-KEY" not in blob and b"example.org" not in blob
    assert all("example.org" not in e.url for e in http.log)


def test_cache_key_includes_params_and_body(httpserver, tmp_path):
    httpserver.expect_request("/w").respond_with_json({})
    http = make_http(tmp_path)
    http.request("s2", "POST", httpserver.url_for("/w"), json={"ids": ["a"]})
    http.request("s2", "POST", httpserver.url_for("/w"), json={"ids": ["b"]})
    http.request("s2", "GET", httpserver.url_for("/w"), params={"q": "x"})
    http.request("s2", "GET", httpserver.url_for("/w"), params={"q": "y"})
    assert len(httpserver.log) == 4
    assert json.loads(httpserver.log[0][0].data) == {"ids": ["a"]}


def test_corrupt_cache_file_is_ignored_and_overwritten(httpserver, tmp_path):
    httpserver.expect_request("/w").respond_with_json({"v": 1})
    http = make_http(tmp_path)
    http.request("dblp", "GET", httpserver.url_for("/w"))
    [path] = [p for p in (tmp_path / "cache").rglob("*.json")]
    path.write_bytes(b'{"status": 200, "bo')
    assert http.request("dblp", "GET", httpserver.url_for("/w")).json() == {"v": 1}
    assert len(httpserver.log) == 2
    assert json.loads(path.read_bytes())["status"] == 200  # rewritten whole


def test_cache_ttl_and_use_cache_false(httpserver, tmp_path):
    httpserver.expect_request("/w").respond_with_json({"v": 1})
    http = make_http(tmp_path)
    http.request("dblp", "GET", httpserver.url_for("/w"))
    http.request("dblp", "GET", httpserver.url_for("/w"), use_cache=False)
    assert len(httpserver.log) == 2
    [path] = [p for p in (tmp_path / "cache").rglob("*.json")]
    entry = json.loads(path.read_bytes())
    entry["stored_at"] -= 8 * 24 * 3600  # older than the 7-day default
    path.write_text(json.dumps(entry))
    http.request("dblp", "GET", httpserver.url_for("/w"))
    assert len(httpserver.log) == 3
    entry = json.loads(path.read_bytes())
    entry["stored_at"] -= 3600
    path.write_text(json.dumps(entry))
    assert make_http(tmp_path, cache_ttl=7200).request("dblp", "GET", httpserver.url_for("/w")).from_cache
    assert not make_http(tmp_path, cache_ttl=60).request("dblp", "GET", httpserver.url_for("/w")).from_cache


# -- session / log ----------------------------------------------------------------


def test_session_routes_through_layer(httpserver, tmp_path):
    httpserver.expect_request("/api/query", query_string="id_list=1706.03762").respond_with_data(
        "<feed/>", content_type="application/atom+xml")
    http = make_http(tmp_path, mailto="me@example.org")
    session = http.session("arxiv")
    resp = session.get(httpserver.url_for("/api/query"), params={"id_list": "1706.03762"},
                       headers={"user-agent": "arxiv.py/4"}, timeout=99)
    assert resp.status_code == 200 and resp.text == "<feed/>"
    assert http.counts == {"arxiv": 1}
    ua = httpserver.log[0][0].headers["User-Agent"]
    assert ua.startswith("edgeai-pipeline/") and "mailto:me@example.org" in ua


def test_strip_secrets():
    assert strip_secrets("https://h/p?a=1&mailto=x%40y&api_key=z") == "https://h/p?a=1"


# -- settings of the bounds (issue 11) ---------------------------------------------


def test_bounds_from_environment():
    s = Settings.from_env({"PIPELINE_TIMEOUT": "2.5", "PIPELINE_CONNECT_TIMEOUT": "1", "PIPELINE_SOURCE_BUDGET": "7",
                           "PIPELINE_MAX_BODY_MB": "0.5"})
    assert (s.request_timeout, s.connect_timeout, s.source_budget, s.max_body_bytes) == (2.5, 1.0, 7.0, 512 * 1024)
    http = Http(s)
    assert http.timeout == (1.0, 2.5) and http.time_budget == 7.0 and http.max_bytes == 512 * 1024
    d = Settings.from_env({})
    assert (d.request_timeout, d.connect_timeout, d.source_budget, d.max_body_bytes) == (30.0, 10.0, 60.0, 32 * 2**20)
    for name, bad in [("PIPELINE_TIMEOUT", "0"), ("PIPELINE_TIMEOUT", "soon"),
                      ("PIPELINE_SOURCE_BUDGET", "-1"), ("PIPELINE_SOURCE_BUDGET", "0"),
                      ("PIPELINE_MAX_BODY_MB", "nan"), ("PIPELINE_PACE_SCALE", "-2")]:
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: bad})


def test_many_threads_one_http(httpserver, tmp_path):
    """The object is safe to share: counts and log stay exact under 8 threads."""
    import threading

    httpserver.expect_request("/t").respond_with_json({"ok": True})
    http = make_http(tmp_path)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                source = ("s2", "dblp")[n % 2]
                resp = http.request(source, "GET", httpserver.url_for("/t"), params={"n": n, "i": i})
                assert resp.json() == {"ok": True}
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert http.counts == {"s2": 40, "dblp": 40} and len(http.log) == 80 and len(httpserver.log) == 80


def test_json_field_validator():
    from typing import Any

    from pipeline.http import json_field

    def resp(body: bytes):
        r = requests.Response()
        r.status_code, r._content = 200, body
        return r

    assert json_field("results")(resp(b'{"results": []}')) is None
    assert json_field("results")(resp(b'{"results": null}')) == "answer has no 'results' list"
    assert json_field("result", "hits", kind=dict)(resp(b'{"result": {"hits": {}}}')) is None
    assert json_field("result", "hits", kind=dict)(resp(b'{"result": []}')) is not None
    assert json_field("message", kind=dict[str, Any])(resp(b'{"message": {"a": 1}}')) is None  # a generic works too
    assert json_field("m", kind=(dict, list))(resp(b'{"m": [1]}')) is None
    with pytest.raises(TypeError):
        json_field("m", kind="dict")
