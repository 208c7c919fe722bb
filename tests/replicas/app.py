"""HTTP plumbing shared by the API replicas: one WSGI app per API with fault
injection and request logging (:class:`SourceApp`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:  # the server imports every app
    from tests.replicas.server import FakeScholarServer

# ----------------------------------------------------------------- http plumbing


class LogEntry(NamedTuple):
    source: str
    method: str
    path: str
    query: str


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json")


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # no per-request stderr noise
        pass


class SourceApp:
    """One API.  Subclasses implement :meth:`answer`; faults and logging are here."""

    name = ""

    def __init__(self, server: FakeScholarServer):
        self.server = server
        self.world = server.world

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        self.server._record(self.name, request)
        fault = self.server._next_fault(self.name)
        if fault is not None:
            kind = fault[0]
            if kind == "status" or kind == "down":
                code = fault[1] if kind == "status" else 503
                hdrs = fault[2] if kind == "status" and len(fault) > 2 else {}
                body = {"message": "Too Many Requests"} if code == 429 else {"message": "Service Unavailable"}
                return json_response(body, code, hdrs)(environ, start_response)
            if kind == "sleep":
                time.sleep(fault[1])
            elif kind == "hold":  # until the test sets the event (bounded), then answer normally
                fault[1].wait(fault[2] if len(fault) > 2 else 60)
            elif kind == "html":
                html = "<html><head><title>Maintenance</title></head><body><h1>Down for maintenance</h1></body></html>"
                return Response(html, 200, content_type="text/html; charset=utf-8")(environ, start_response)
            elif kind == "truncated":
                resp = self.answer(request)
                data = resp.get_data()
                cut = Response(data[: len(data) // 2], resp.status_code, content_type=resp.content_type)
                return cut(environ, start_response)
            else:
                raise ValueError(f"unknown fault {fault!r}")
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        raise NotImplementedError


