"""A loopback HTTP server that misbehaves on purpose (issue 11), for tests and
benches.  Everything it sends is SYNTHETIC.

``MisbehavingServer(mode)`` listens on 127.0.0.1 (or the host given), records
every request it gets (``requests``: method, path with query, headers) and
answers according to ``mode``, which can be changed while it runs:

* ``"redirect"``  -- 307 to the same path and query on ``redirect_to``
  (another server, e.g. ``http://localhost:PORT`` where this one is
  ``127.0.0.1``);
* ``"drip"``      -- 200 JSON headers, then one byte every ``drip_every`` s;
* ``"silent"``    -- accepts the connection, reads the request, never answers;
* ``"null"``      -- 200 ``{"data": null}``;
* ``"deep"``      -- 200 JSON nested 100,000 deep (``[[[[...]]]]``);
* ``"deep_xml"``  -- 200 Atom content type, XML nested 100,000 deep;
* ``"wide_xml"``  -- 200 Atom content type, 2,000,000 empty elements side by side (8 MB);
* ``"entities"``  -- 200 XML with a DTD defining nested entities (billion laughs);
* ``"huge"``      -- 200 JSON content type, ``huge_bytes`` bytes streamed
  in 1 MiB chunks, no Content-Length (read until close);
* ``"echo"``      -- 400 whose body echoes every request header (a key included);
* ``"ok"``        -- 200 ``ok_body`` (JSON by default);
* ``"proxy"``     -- forwards the request to ``upstream`` and relays the answer
  (a recovered server, e.g. in front of :class:`tests.fakeworld.FakeScholarServer`);
  ``rewrite(body) -> body``, if set, edits each 200 answer on the way (hostile values).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

MiB = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _record(self, body: bytes) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.requests.append({
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "time": time.monotonic(),
            })

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._record(body)
        owner = self.server.owner
        mode = owner.mode
        if owner.delay:
            time.sleep(owner.delay)
        if mode == "redirect":
            self.send_response(307)
            self.send_header("Location", owner.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            for _ in range(100000):
                if owner.stopping.wait(owner.drip_every):
                    return
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
        elif mode == "silent":
            owner.stopping.wait(120)
        elif mode == "null":
            self._send(200, b'{"data": null}')
        elif mode == "deep":
            n = 100_000
            self._send(200, b"[" * n + b"]" * n)
        elif mode == "deep_xml":
            n = 100_000
            self._send(200, b'<?xml version="1.0"?>' + b"<a>" * n + b"</a>" * n, "application/atom+xml")
        elif mode == "wide_xml":
            self._send(200, b"<feed>" + b"<a/>" * 2_000_000 + b"</feed>", "application/atom+xml")
        elif mode == "entities":
            lol = (b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
                   + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10)
                              for i in range(8))
                   + b']><feed xmlns="http://www.w3.org/2005/Atom"><title>&i;</title></feed>')
            self._send(200, lol, "application/atom+xml")
        elif mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * MiB
            sent = 0
            try:
                while sent < owner.huge_bytes and not owner.stopping.is_set():
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            owner.huge_sent = sent
            self.close_connection = True
        elif mode == "echo":
            echoed = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
            self._send(400, json.dumps({"error": f"bad request; you sent:\n{echoed}"}).encode())
        elif mode == "ok":
            self._send(200, owner.ok_body, owner.ok_type)
        elif mode == "proxy":
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            r = requests.request(self.command, owner.upstream + self.path, data=body or None,
                                 headers=headers, timeout=10, allow_redirects=False)
            content = owner.rewrite(r.content) if owner.rewrite and r.status_code == 200 else r.content
            self._send(r.status_code, content, r.headers.get("Content-Type", "application/json"))
        else:
            self._send(500, b'{"error": "unknown mode"}')

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: MisbehavingServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up on a misbehaving server is the point


class MisbehavingServer:
    """See the module docstring."""

    def __init__(self, mode: str = "ok", host: str = "127.0.0.1"):
        self.mode = mode
        self.host = host
        self.redirect_to = ""
        self.upstream = ""
        self.rewrite: Callable[[bytes], bytes] | None = None  # proxy mode: edits a 200 body
        self.drip_every = 0.2
        self.delay = 0.0
        self.huge_bytes = 200 * MiB
        self.huge_sent = 0
        self.ok_body = b'{"data": []}'
        self.ok_type = "application/json"
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._srv: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._srv is not None
        return f"http://{self.host}:{self._srv.server_port}"

    def start(self) -> MisbehavingServer:
        self._srv = _Server((self.host, 0), _Handler)
        self._srv.owner = self
        self._thread = threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._srv is not None:
            self._srv.shutdown()
            self._srv.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MisbehavingServer:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def seen(self, text: str) -> int:
        """How many recorded requests carry ``text`` in a header, the path or the body."""
        with self.lock:
            return sum(
                1 for r in self.requests
                if text in r["path"] or text.encode() in r["body"]
                or any(text in v for v in r["headers"].values())
            )
