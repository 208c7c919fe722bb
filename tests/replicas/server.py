"""FakeScholarServer: the five API replicas on loopback, one server per API."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any
from urllib.parse import unquote_plus

from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from tests.replicas.app import LogEntry, QuietHandler
from tests.replicas.arxiv import ArxivApp
from tests.replicas.crossref import CrossrefApp
from tests.replicas.dblp import DblpApp
from tests.replicas.openalex import OpenAlexApp
from tests.replicas.s2 import S2App
from tests.replicas.world import (
    SOURCES,
    World,
)

ENV_VARS = {
    "s2": "PIPELINE_S2_URL",
    "arxiv": "PIPELINE_ARXIV_URL",
    "crossref": "PIPELINE_CROSSREF_URL",
    "openalex": "PIPELINE_OPENALEX_URL",
    "dblp": "PIPELINE_DBLP_URL",
}

# ----------------------------------------------------------------------- server

_APPS = {"s2": S2App, "arxiv": ArxivApp, "crossref": CrossrefApp, "openalex": OpenAlexApp, "dblp": DblpApp}


class FakeScholarServer:
    """Five loopback HTTP servers (one per API) over one :class:`World`.

    ``urls`` maps source -> base URL, ``env()`` gives the ``PIPELINE_*_URL``
    variables, ``log`` lists every request as :class:`LogEntry`, ``counts()``
    counts them per source.  Faults (``inject``) are consumed one per request,
    in order, before normal answers:

    * ``("status", code)`` / ``("status", code, headers)`` -- a JSON error answer;
    * ``("sleep", seconds)`` -- wait, then answer normally (client timeouts);
    * ``("hold", event)`` / ``("hold", event, timeout)`` -- wait until the test
      sets the :class:`threading.Event` (60 s at most), then answer normally:
      keeps a run busy for exactly as long as a test needs, without a clock;
    * ``("truncated",)`` -- the normal answer cut in half (status 200);
    * ``("html",)`` -- status 200 with an HTML maintenance page;
    * ``("down",)`` -- this and every later request: 503.
    """

    def __init__(self, world: World):
        self.world = world
        self.log: list[LogEntry] = []
        self.urls: dict[str, str] = {}
        self._faults: dict[str, deque] = {s: deque() for s in SOURCES}
        self._down: set[str] = set()
        self._lock = threading.Lock()
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []

    # lifecycle
    def start(self) -> FakeScholarServer:
        for source in SOURCES:
            srv = make_server("127.0.0.1", 0, _APPS[source](self), threaded=True, request_handler=QuietHandler)
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02},
                                 name=f"fake-{source}", daemon=True)
            t.start()
            self._servers.append(srv)
            self._threads.append(t)
            self.urls[source] = f"http://127.0.0.1:{srv.server_port}"
        return self

    def stop(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> FakeScholarServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # configuration
    def env(self) -> dict[str, str]:
        return {ENV_VARS[s]: url for s, url in self.urls.items()}

    def inject(self, source: str, faults: list[tuple]) -> None:
        if source not in self._faults:
            raise ValueError(f"unknown source {source!r}")
        with self._lock:
            self._faults[source].extend(faults)

    def set_citations(self, title_or_doi: str, n: int) -> None:
        self.world.find(title_or_doi).citations = n

    # observation
    def counts(self) -> dict[str, int]:
        with self._lock:
            out = {s: 0 for s in SOURCES}
            for e in self.log:
                out[e.source] += 1
            return out

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # used by the apps
    def _record(self, source: str, request: Request) -> None:
        with self._lock:
            query = unquote_plus(request.query_string.decode("latin-1"))
            self.log.append(LogEntry(source, request.method, request.path, query))

    def _next_fault(self, source: str) -> tuple | None:
        with self._lock:
            if source in self._down:
                return ("down",)
            if not self._faults[source]:
                return None
            fault = self._faults[source].popleft()
            if fault[0] == "down":
                self._down.add(source)
            return tuple(fault)
