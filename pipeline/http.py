"""The one HTTP layer every source adapter uses.

``Http(settings).request(source, method, url, ...)`` adds, once for all APIs:

* **pacing** per source, from the published rate limits (``PACING`` below),
  multiplied by ``settings.pace_scale`` (0 = no pauses, for tests and replays).
  Each source has its own lock and its own next-allowed send time; the wait is
  computed under the lock and slept outside it, so requests to *different*
  sources issued from different threads overlap.  The object is safe to call
  from several threads at once (one :class:`requests.Session` per thread).
* **retries** with `tenacity <https://tenacity.readthedocs.io/>`_ on 429, 500,
  502, 503, 504, timeouts, connection errors and answers that are not
  acceptable (see *acceptance* below).  Exponential backoff, ``Retry-After``
  honoured (RFC 9110 section 10.2.3: seconds or an HTTP date, capped at
  ``RETRY_AFTER_CAP``), bounded by ``max_attempts``.  When retries are
  exhausted it raises :class:`pipeline.errors.SourceUnavailable`.  Every other
  status (200, 400, 404, ...) is returned to the caller, who knows what it
  means for its API;
* **bounded time**: a connect timeout, a read timeout, and a *total deadline
  per attempt* (``settings.request_timeout``) enforced by a watchdog that
  shuts the socket down, so a server that drips one byte at a time, or sends
  its headers slowly, cannot hold a run.  Each source has a **budget per
  run** (``settings.source_budget``) for the time its failures cost (failed
  attempts + waits before retries).  A **circuit breaker**: once a request
  to a source has failed for good (retries exhausted, budget spent, host
  name that does not resolve, body over the cap), every later request to
  that source raises :class:`SourceUnavailable` at once, for the rest of
  the run -- so one dead host costs about ``source_budget`` in all;
* **bounded memory**: bodies are read streaming, at most ``max_bytes``
  (``settings.max_body_bytes`` unless the caller gives a per-endpoint cap);
  a larger body (by ``Content-Length`` or as read) is a failure of that source
  and nothing of it is kept or cached.  Error bodies (non-2xx) are read to at
  most ``ERROR_BODY_CAP`` and kept shortened;
* **secrets stay home**: redirects are followed here (at most
  ``MAX_REDIRECTS``), not by requests; on a hop to another origin (scheme,
  host, port) the ``x-api-key``/``Authorization``/``Cookie`` headers, the
  ``mailto`` in the User-Agent and secret query parameters (``mailto``,
  ``api_key`` ...) are dropped for that hop and all later ones.  requests
  itself only strips ``Authorization``
  (https://requests.readthedocs.io/en/latest/api/#requests.Session.rebuild_auth).
  Error bodies get the secrets replaced by ``***``, and every
  :class:`SourceUnavailable` message is scrubbed and shortened
  (:func:`pipeline.errors.safe_text`);
* **acceptance** of a 2xx answer before anyone uses or caches it: with
  ``expect="json"`` a JSON content type and a body that parses, nests at most
  ``MAX_JSON_DEPTH`` deep (100,000 nested brackets are a clean failure, not a
  ``RecursionError``) and is not empty (``null``, ``{}``, or an object whose
  values are all null such as ``{"data": null}``); with ``expect="xml"`` an
  XML content type and a document without DTD/entities
  (`defusedxml <https://github.com/tiran/defusedxml>`_) nested at most
  ``MAX_XML_DEPTH`` deep with at most ``MAX_XML_ELEMENTS`` elements (checked
  as a SAX stream, in constant memory); then the adapter's own ``validate(resp)`` callable,
  if given: return ``None``/``True`` to accept, or a string saying what is
  wrong (``False`` = "rejected").  A rejected answer is retried like a 5xx and
  is **never cached**, so the next run asks again;
* an **on-disk cache** (one JSON file per request, written atomically) keyed by
  method + URL + query + JSON body -- never headers, never the ``mailto``
  parameter, so API keys and e-mail addresses never reach the cache.  Only
  accepted 2xx answers and 404 (a definite "unknown") are stored; a cached
  answer is checked again on read (an entry that would not be accepted today
  is ignored and asked again);
* ``counts`` (network requests actually sent, per source) and ``log`` (one
  :class:`LogEntry` per attempt or cache hit, secrets stripped).

``Http.session(source)`` returns a :class:`requests.Session` whose requests go
through the same layer, to plug into clients that own their session (the
``arxiv`` package's ``Client._session``).

Scaling ``Retry-After`` by ``pace_scale``: at the production value 1 the
server's wait is honoured exactly; scales below 1 are only meant for local
replay servers, where shortening the server's wait is harmless and keeps
tests fast.

Why a hand-written cache and not `requests-cache
<https://requests-cache.readthedocs.io/>`_ (SQLite backend,
``ignored_parameters``): requests-cache would give one SQLite file instead of
one file per request and expiry for free, but it decides what to store when
the response arrives (``filter_fn`` sees only the response), before the
adapter has looked at it; our rule "cache only what the adapter accepted"
needs the decision after the adapter's check, here ``validate``.  It also
reads the whole body into memory to store it (the size cap and the streaming
deadline would have to be re-done around it), its SQLite connection is shared
by every thread of a run, and it is one more dependency in the trust path.
The hand-written cache is ~60 lines: atomic writes (temp file + rename via
:func:`pipeline.fsutil.atomic_write_bytes`, which removes its temp file on
failure), no secret in key or file, unreadable entries ignored and
rewritten.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import json as jsonlib
import logging
import math
import socket
import threading
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import platformdirs
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
)
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .config import Settings
from .errors import SourceUnavailable, register_secret, safe_text
from .fsutil import atomic_write_bytes, dumps_json

logger = logging.getLogger(__name__)

# Seconds between two requests to the same source, from the published limits:
# - s2: https://www.semanticscholar.org/product/api -- an API key gets 1 request/s;
#   without a key all anonymous users share one pool that is often throttled,
#   so we go 3x slower ("s2_nokey").
# - arxiv: https://info.arxiv.org/help/api/tou.html -- one request every 3 s.
# - crossref: https://www.crossref.org/documentation/retrieve-metadata/rest-api/
#   (public pool: 5 requests/s, at most 5 concurrent; we send one at a time).
# - openalex: https://docs.openalex.org/how-to-use-the-api/rate-limits-and-authentication
#   (10 requests/s).
# - dblp: https://dblp.org/faq/Am+I+allowed+to+crawl+the+dblp+website.html (be gentle; 1/s).
PACING: dict[str, float] = {
    "s2": 1.0,
    "s2_nokey": 3.0,
    "arxiv": 3.0,
    "crossref": 0.2,
    "openalex": 0.1,
    "dblp": 1.0,
}
DEFAULT_PACING = 1.0

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_CAP = 120.0
BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
SECRET_PARAMS = frozenset({"mailto", "api_key", "apikey", "key", "token"})
SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie"})
CACHE_HEADERS = ("Content-Type",)
DEFAULT_TTL = 7 * 24 * 3600
MAX_REDIRECTS = 5
ERROR_BODY_CAP = 64 * 1024  # bytes kept of a non-2xx body (adapters only quote its message)
CHUNK = 64 * 1024
MAX_JSON_DEPTH = 64  # the APIs' answers nest at most ~6 deep
MAX_XML_DEPTH = 32  # an Atom feed nests 3-4 deep
MAX_XML_ELEMENTS = 200_000  # a page of 100 arXiv entries has about 3,000


def _cacheable(status: int) -> bool:
    """Accepted 2xx answers and 404 (a definite "unknown") are cached."""
    return 200 <= status < 300 or status == 404


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("edgeai-pipeline")
    except (ImportError, PackageNotFoundError):
        return "0.1.0"


class LogEntry(NamedTuple):
    """One network attempt or cache hit (``status`` None: no answer at all)."""

    source: str
    method: str
    url: str  # secrets stripped
    status: int | None
    from_cache: bool


class _Transient(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _Fatal(Exception):
    """An attempt failed in a way that retrying will not mend (the source is
    down for the rest of the run)."""


@dataclass
class _Prepared:
    method: str
    url: str  # full URL incl. query string, as sent
    body: bytes | None
    key: str


def strip_secrets(url: str) -> str:
    """``url`` without secret query parameters (mailto, api keys)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in SECRET_PARAMS]
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an
    HTTP date), capped at :data:`RETRY_AFTER_CAP`; None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
        if math.isnan(seconds):
            return None
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        now_dt = datetime.fromtimestamp(time.time() if now is None else now, UTC)
        seconds = (when - now_dt).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


# -- acceptance of a body ----------------------------------------------------------


def json_depth_problem(data: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why decoded JSON is nested too deep (None: it is not).  Iterative."""
    stack = [(data, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > limit:
            return f"JSON nested deeper than {limit} levels"
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values() if isinstance(v, (dict, list)))
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj if isinstance(v, (dict, list)))
    return None


def load_json(body: bytes | str, limit: int = MAX_JSON_DEPTH) -> Any:
    """Decode JSON from an API, nested at most ``limit`` deep; raises
    :class:`ValueError` for anything else (including 100,000-deep nesting,
    which makes :func:`json.loads` raise :class:`RecursionError`)."""
    try:
        data = jsonlib.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
    problem = json_depth_problem(data, limit)
    if problem:
        raise ValueError(problem)
    return data


def _json_problem(body: bytes) -> str | None:
    try:
        data = load_json(body)
    except ValueError as e:  # UnicodeDecodeError included
        return f"invalid JSON body ({safe_text(str(e), 120)})"
    if data is None or data == {} or (
        isinstance(data, dict) and all(v is None for v in data.values())
    ):
        return f"empty answer ({safe_text(body.decode('utf-8', 'replace'), 60)})"
    return None


class _XMLLimit(Exception):
    """An XML document past a limit (raised from inside the SAX parser)."""


def xml_problem(body: bytes, limit: int = MAX_XML_DEPTH, max_elements: int = MAX_XML_ELEMENTS) -> str | None:
    """Why an XML body is unsafe or broken (None: fine): a DTD (and so any
    entity) is refused (`defusedxml <https://github.com/tiran/defusedxml>`_),
    so are nesting deeper than ``limit`` and more than ``max_elements``
    elements.  Read as a SAX stream: constant memory, stops at the first
    problem (the arXiv client's lxml parser then builds its tree from a
    document known to be small and flat)."""
    import xml.sax
    import xml.sax.handler

    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
    from defusedxml.expatreader import create_parser  # type: ignore[import-untyped]

    class Counter(xml.sax.handler.ContentHandler):
        depth = 0
        count = 0

        def startElement(self, name: str, attrs: object) -> None:  # noqa: N802 -- SAX's name
            self.depth += 1
            self.count += 1
            if self.depth > limit:
                raise _XMLLimit(f"XML nested deeper than {limit} levels")
            if self.count > max_elements:
                raise _XMLLimit(f"XML with more than {max_elements} elements")

        def endElement(self, name: str) -> None:  # noqa: N802 -- SAX's name
            self.depth -= 1

    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(Counter())
    try:
        parser.parse(BytesIO(body))
    except _XMLLimit as e:
        return str(e)
    except DefusedXmlException as e:
        return f"unsafe XML ({type(e).__name__})"
    except (xml.sax.SAXException, ValueError) as e:
        return f"invalid XML body ({safe_text(str(e), 120)})"
    return None


def json_field(*path: str, kind: Any = list) -> Callable[[requests.Response], str | None]:
    """A ``validate`` callable for :meth:`Http.request`: the JSON answer has
    a value of type ``kind`` at ``path`` (``json_field("results")``,
    ``json_field("result", "hits", kind=dict)``).  ``kind`` may be a type,
    a tuple of types, or a parameterised generic such as ``dict[str, Any]``
    (only its origin, ``dict``, is checked)."""
    kinds: tuple[type, ...] = ()
    for k in kind if isinstance(kind, tuple) else (kind,):
        origin: Any = typing.get_origin(k)
        k = origin if origin is not None else k
        if not isinstance(k, type):
            raise TypeError(f"json_field: kind must be types, not {kind!r}")
        kinds += (k,)
    where = ".".join(path)
    name = "/".join(k.__name__ for k in kinds)

    def check(resp: requests.Response) -> str | None:
        value: Any = resp.json()
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return None if isinstance(value, kinds) else f"answer has no {where!r} {name}"

    return check


def _is_name_resolution_error(exc: BaseException) -> bool:
    text = repr(exc)
    return "NameResolutionError" in text or "Name or service not known" in text \
        or "Temporary failure in name resolution" in text or "No address associated" in text \
        or "nodename nor servname" in text


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


# -- total deadline per attempt: a watchdog that shuts the socket down --------------

_current = threading.local()  # .deadline: the _Deadline of the attempt this thread runs


class _Deadline:
    """Shuts down every socket registered with it once ``seconds`` passed.

    A blocked ``recv`` then returns at once (shutdown wakes it on every
    platform we run on), whatever the server does: drip one byte every few
    seconds, or stall halfway through the headers."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.fired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def register(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._socks.append(sock)
            fired = self.fired
        if fired:
            self._shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for s in socks:
            self._shutdown(s)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        # AttributeError: a wrapper without shutdown() (TLS inside a TLS proxy);
        # the read timeout still bounds each read there
        with contextlib.suppress(OSError, AttributeError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _Watched:
    """Mixed into urllib3's connections: once a request is sent, the current
    request's deadline watches the socket (so a slow body is cut off too)."""

    sock: socket.socket

    def getresponse(self) -> urllib3.response.HTTPResponse:
        deadline = getattr(_current, "deadline", None)
        if deadline is not None:
            deadline.register(self.sock)
        return super().getresponse()  # type: ignore[misc, no-any-return]


class _WatchedHTTPConnection(_Watched, HTTPConnection):  # type: ignore[misc]
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):  # type: ignore[misc]
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections whose socket the watchdog sees."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


# -- the layer ------------------------------------------------------------------------


class Http:
    """Paced, retrying, bounded, caching HTTP for the source adapters (see
    module doc).  Safe to call from several threads at once.

    ``sleep``/``clock`` can be replaced (tests use a fake clock; pacing,
    backoff and the per-source budget use them, the per-attempt deadline is
    real time).  ``timeout`` is requests' ``(connect, read)`` in seconds
    (default from ``settings``); ``time_budget`` is the per-source budget for
    failures (default ``settings.source_budget``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cache_ttl: float = DEFAULT_TTL,
        max_attempts: int = 5,
        time_budget: float | None = None,
        timeout: tuple[float, float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self.cache_ttl = cache_ttl
        self.max_attempts = max_attempts
        self.time_budget = settings.source_budget if time_budget is None else time_budget
        self.deadline = settings.request_timeout
        self.timeout = timeout or (min(settings.connect_timeout, settings.request_timeout), settings.request_timeout)
        self.max_bytes = settings.max_body_bytes
        self._sleep = sleep
        self._clock = clock
        self.cache_dir = Path(
            settings.cache_dir or Path(platformdirs.user_cache_dir("edgeai-pipeline")) / "http"
        )
        self.counts: dict[str, int] = {}
        self.log: list[LogEntry] = []
        self.down: dict[str, str] = {}  # source -> why it is skipped for the rest of the run
        self._lost: dict[str, float] = {}  # source -> seconds its failures cost so far
        self._next_slot: dict[str, float] = {}
        self._pace_locks: dict[str, threading.Lock] = {}
        self._state = threading.Lock()
        self._local = threading.local()
        self._ua_plain = f"edgeai-pipeline/{_version()}"
        self._ua = self._ua_plain + (f" (mailto:{settings.mailto})" if settings.mailto else "")
        self._secret_bytes = [s.encode("utf-8") for s in (settings.s2_api_key, settings.mailto) if s]
        register_secret(settings.s2_api_key)
        register_secret(settings.mailto)

    # -- public -------------------------------------------------------------

    def request(
        self,
        source: str,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        expect: str | None = None,
        use_cache: bool = True,
        validate: Callable[[requests.Response], object] | None = None,
        max_bytes: int | None = None,
    ) -> requests.Response:
        """Send one request through pacing, retries, bounds and the cache.

        Returns the :class:`requests.Response` for any status that is not
        retried (2xx, 400, 404, ...); raises :class:`SourceUnavailable` once
        retries are exhausted, the source's budget is spent, or the source
        already failed earlier in this run.  ``resp.from_cache`` tells where
        it came from.

        ``expect`` ("json" / "xml") and ``validate`` decide whether a 2xx
        answer is acceptable (see module doc); only acceptable answers are
        returned and cached.  ``validate(resp)`` returns None/True to accept,
        or a string saying what is wrong.  ``max_bytes`` caps the body for
        this endpoint (default ``settings.max_body_bytes``).
        """
        self._check_down(source)
        prep = self._prepare(method, url, params, json)
        if use_cache:
            hit = self._cache_read(prep)
            if hit is not None and self._problem(hit, expect, validate) is None:
                self._log(LogEntry(source, prep.method, strip_secrets(prep.url), hit.status_code, True))
                return hit

        attempts = 0
        limit = self.max_bytes if max_bytes is None else max_bytes

        def attempt() -> requests.Response:
            nonlocal attempts
            self._check_down(source)
            self._pace(source)
            remaining = self.time_budget - self._lost.get(source, 0.0)
            if remaining <= 0:
                raise _Fatal(f"time budget of {self.time_budget:g} s for failures spent")
            attempts += 1
            started = self._clock()
            try:
                return self._send_once(source, prep, headers, expect, validate, limit, min(self.deadline, remaining))
            except _Transient:
                self._add_lost(source, self._clock() - started)
                raise

        def sleep(seconds: float) -> None:
            self._add_lost(source, seconds)
            self._sleep(seconds)

        def stop(state: RetryCallState) -> bool:
            # max_attempts, or (like tenacity's stop_before_delay, on our injectable
            # clock) the next wait would pass the source's budget, or it is down
            return state.attempt_number >= self.max_attempts \
                or self._lost.get(source, 0.0) + (state.upcoming_sleep or 0) >= self.time_budget \
                or source in self.down

        retrying = Retrying(
            stop=stop,
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=sleep,
            reraise=True,
        )
        try:
            resp = retrying(attempt)
        except (_Transient, _Fatal) as e:
            parts = urlsplit(prep.url)
            where = f"{prep.method} {urlunsplit(parts._replace(query='', fragment=''))}"  # the query can be long
            reason = f"{e} ({attempts} attempt(s), {where})" if attempts else str(e)
            self._mark_down(source, reason)
            raise SourceUnavailable(source, reason) from None
        except SourceUnavailable as e:  # another thread marked it down meanwhile
            raise SourceUnavailable(source, e.message) from None
        if _cacheable(resp.status_code):
            self._cache_write(prep, resp)
        return resp

    def session(
        self,
        source: str,
        *,
        expect: str | None = None,
        validate: Callable[[requests.Response], object] | None = None,
    ) -> requests.Session:
        """A :class:`requests.Session` whose ``request()``/``get()``/``post()``
        go through :meth:`request` for ``source``."""
        return _RoutedSession(self, source, expect, validate)

    def scrub(self, data: bytes) -> bytes:
        """``data`` with this run's secrets replaced by ``***``."""
        for secret in self._secret_bytes:
            data = data.replace(secret, b"***")
        return data

    # -- internals ----------------------------------------------------------

    def _log(self, entry: LogEntry) -> None:
        with self._state:
            self.log.append(entry)

    def _check_down(self, source: str) -> None:
        reason = self.down.get(source)
        if reason is not None:
            raise SourceUnavailable(source, f"skipped for the rest of this run after: {reason}")

    def _mark_down(self, source: str, reason: str) -> None:
        with self._state:
            first = source not in self.down
            self.down.setdefault(source, reason)
        if first:
            logger.warning("%s: skipped for the rest of this run: %s", source, safe_text(reason))

    def _add_lost(self, source: str, seconds: float) -> None:
        with self._state:
            self._lost[source] = self._lost.get(source, 0.0) + max(seconds, 0.0)

    def _prepare(self, method: str, url: str, params: Any, json: Any) -> _Prepared:
        pr = requests.Request(method.upper(), url, params=params, json=json).prepare()
        raw = pr.body
        body = raw.encode() if isinstance(raw, str) else raw if isinstance(raw, bytes) else None
        full_url = pr.url or url
        parts = urlsplit(full_url)
        query = sorted(
            (kv for kv in parse_qsl(parts.query, keep_blank_values=True) if kv[0].lower() != "mailto"),
            key=lambda kv: kv[0],
        )
        key_url = urlunsplit(parts._replace(query=urlencode(query)))
        key_body = jsonlib.dumps(json, sort_keys=True, ensure_ascii=False) if json is not None else None
        key = hashlib.sha256(
            jsonlib.dumps([pr.method, key_url, key_body], ensure_ascii=False).encode()
        ).hexdigest()
        return _Prepared(pr.method or method.upper(), full_url, body, key)

    def _interval(self, source: str) -> float:
        if source == "s2" and not self.settings.s2_api_key:
            base = PACING["s2_nokey"]
        else:
            base = PACING.get(source, DEFAULT_PACING)
        return base * self.settings.pace_scale

    def _pace(self, source: str) -> None:
        """Wait until ``source``'s interval since its previous request passed.

        The send slot is reserved under the source's own lock; the sleep
        happens outside any lock, so other sources (and other threads) go on.
        """
        interval = self._interval(source)
        if interval <= 0:
            return
        with self._state:
            lock = self._pace_locks.setdefault(source, threading.Lock())
        with lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(source, now))
            self._next_slot[source] = slot + interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)

    def _wait(self, state: RetryCallState) -> float:
        """Backoff before the next attempt: Retry-After if the server gave
        one, else 1, 2, 4 ... 30 s; both scaled by ``pace_scale``."""
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = retry_after
        else:
            wait = min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (state.attempt_number - 1))
        return float(wait) * self.settings.pace_scale

    def _thread_session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = _WatchedAdapter(max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = self._ua
            self._local.session = session
        return session

    def _send_once(
        self,
        source: str,
        prep: _Prepared,
        headers: dict[str, str] | None,
        expect: str | None,
        validate: Callable[[requests.Response], object] | None,
        limit: int,
        deadline_s: float,
    ) -> requests.Response:
        with self._state:
            self.counts[source] = self.counts.get(source, 0) + 1
        safe_url = strip_secrets(prep.url)
        deadline = _Deadline(deadline_s)
        _current.deadline = deadline
        resp: requests.Response | None = None
        try:
            resp = self._follow(prep, headers)
            status = resp.status_code
            if status in RETRY_STATUSES:
                self._log(LogEntry(source, prep.method, safe_url, status, False))
                logger.info("%s: HTTP %s for %s %s", source, status, prep.method, safe_url)
                raise _Transient(f"HTTP {status}", parse_retry_after(resp.headers.get("Retry-After")))
            ok = 200 <= status < 300
            body = self._read_body(resp, limit if ok else ERROR_BODY_CAP, truncate=not ok)
            resp._content = body if ok else self.scrub(body)
        except _TooLarge as e:
            self._log(LogEntry(source, prep.method, safe_url, resp.status_code if resp is not None else None, False))
            raise _Fatal(f"answer larger than the {limit / 2**20:g} MB cap ({e})") from None
        except (_Transient, _Fatal):
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as e:
            self._log(LogEntry(source, prep.method, safe_url, None, False))
            if deadline.fired:
                raise _Transient(f"no complete answer within {deadline.seconds:.1f} s") from None
            if isinstance(e, requests.ConnectionError) and _is_name_resolution_error(e):
                # no DNS (an offline machine, a mistyped host): retrying within seconds will not help
                host = urlsplit(prep.url).hostname
                raise _Fatal(f"cannot resolve host {host} (no network?)") from None
            if isinstance(e, requests.Timeout):
                raise _Transient(f"timeout: {type(e).__name__}") from None
            if isinstance(e, requests.ConnectionError):
                raise _Transient(f"connection error: {type(e).__name__}") from None
            raise _Transient(f"broken answer: {type(e).__name__}") from None
        finally:
            deadline.cancel()
            _current.deadline = None
            if resp is not None:
                resp.close()
        self._log(LogEntry(source, prep.method, safe_url, resp.status_code, False))
        resp.from_cache = False  # type: ignore[attr-defined]
        problem = self._problem(resp, expect, validate)
        if problem:
            logger.info("%s: %s for %s %s", source, problem, prep.method, safe_url)
            raise _Transient(problem)
        return resp

    def _follow(self, prep: _Prepared, headers: dict[str, str] | None) -> requests.Response:
        """Send ``prep``, following up to MAX_REDIRECTS redirects ourselves:
        a hop to another origin carries no secret (module doc)."""
        session = self._thread_session()
        method, url, body = prep.method, prep.url, prep.body
        send_headers = {"Content-Type": "application/json"} if body is not None else {}
        send_headers.update(headers or {})
        home = _origin(url)
        for _hop in range(MAX_REDIRECTS + 1):
            resp = session.request(
                method, url, data=body, headers=send_headers, timeout=self.timeout,
                stream=True, allow_redirects=False,
            )
            if not resp.is_redirect:
                return resp
            location = session.get_redirect_target(resp)
            status = resp.status_code
            resp.close()  # the body of a redirect is never read
            if location is None:
                raise _Transient(f"HTTP {status} without a Location")
            if location.startswith("//"):
                location = f"{urlsplit(url).scheme}:{location}"
            url = urljoin(url, requote_uri(location))
            if urlsplit(url).scheme.lower() not in ("http", "https"):
                raise _Transient(f"redirect to a non-HTTP URL ({safe_text(strip_secrets(url), 80)})")
            if _origin(url) != home:
                send_headers = {k: v for k, v in send_headers.items() if k.lower() not in SECRET_HEADERS}
                send_headers["User-Agent"] = self._ua_plain
                url = strip_secrets(url)
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", None
                send_headers.pop("Content-Type", None)
        raise _Transient(f"more than {MAX_REDIRECTS} redirects")

    @staticmethod
    def _read_body(resp: requests.Response, limit: int, *, truncate: bool) -> bytes:
        """The body, streamed, at most ``limit`` bytes (decoded): over the
        limit it is cut (``truncate``) or a :class:`_TooLarge` failure."""
        length = resp.headers.get("Content-Length", "").strip()
        if not truncate and length.isdigit() and int(length) > limit:
            raise _TooLarge(f"Content-Length {int(length)}")
        buf = bytearray()
        for chunk in resp.iter_content(CHUNK):
            buf += chunk
            if len(buf) > limit:
                if truncate:
                    del buf[limit:]
                    resp._content_consumed = False  # type: ignore[attr-defined]  # not read to the end: drop the connection
                    break
                raise _TooLarge(f"more than {limit} bytes")
        return bytes(buf)

    def _problem(
        self, resp: requests.Response, expect: str | None, validate: Callable[[requests.Response], object] | None
    ) -> str | None:
        """Why a 2xx answer is not acceptable (None: it is); see module doc."""
        if not 200 <= resp.status_code < 300:
            return None
        ctype = resp.headers.get("Content-Type", "").lower()
        if expect == "json":
            if "json" not in ctype:
                return f"expected JSON, got content type {safe_text(ctype, 60) or 'none'!r}"
            problem = _json_problem(resp.content)
            if problem:
                return problem
        elif expect == "xml":
            if "xml" not in ctype:
                return f"expected XML, got content type {safe_text(ctype, 60) or 'none'!r}"
            if not resp.content.lstrip().startswith(b"<"):
                return "body is not XML"
            problem = xml_problem(resp.content)
            if problem:
                return problem
        elif expect is not None:
            raise ValueError(f"expect must be None, 'json' or 'xml', not {expect!r}")
        if validate is not None:
            try:
                verdict = validate(resp)
            except Exception as e:  # noqa: BLE001 -- an adapter's check tripping over a strange body: not acceptable
                return f"unexpected answer ({type(e).__name__}: {safe_text(str(e), 80)})"
            if verdict is False:
                return "answer rejected by the adapter"
            if isinstance(verdict, str) and verdict:
                return verdict
        return None

    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cache_read(self, prep: _Prepared) -> requests.Response | None:
        path = self._cache_path(prep.key)
        try:
            entry = jsonlib.loads(path.read_bytes())
            if time.time() - float(entry["stored_at"]) > self.cache_ttl:
                return None
            raw = entry["body"]
            body = base64.b64decode(raw) if entry["encoding"] == "base64" else raw.encode("utf-8")
            status = int(entry["status"])
            resp_headers = CaseInsensitiveDict({str(k): str(v) for k, v in entry["headers"].items()})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
            logger.warning("ignoring unreadable cache file %s: %s", path, safe_text(str(e), 120))
            return None
        resp = requests.Response()
        resp.status_code = status
        resp._content = body
        resp.headers = resp_headers
        resp.url = prep.url
        resp.encoding = requests.utils.get_encoding_from_headers(resp_headers)
        resp.reason = "OK" if status == 200 else ""
        resp.request = requests.Request(prep.method, prep.url, data=prep.body).prepare()
        resp.from_cache = True  # type: ignore[attr-defined]
        return resp

    def _cache_write(self, prep: _Prepared, resp: requests.Response) -> None:
        body = resp.content
        try:
            text, encoding = body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(body).decode("ascii"), "base64"
        entry = {
            "method": prep.method,
            "url": strip_secrets(prep.url),
            "status": resp.status_code,
            "headers": {h: resp.headers[h] for h in CACHE_HEADERS if h in resp.headers},
            "encoding": encoding,
            "body": text,
            "stored_at": time.time(),
        }
        try:
            atomic_write_bytes(self._cache_path(prep.key), dumps_json(entry).encode("utf-8"))
        except OSError as e:  # a read-only cache must not stop a run
            logger.warning("cannot write cache file: %s", e)


class _TooLarge(Exception):
    """A body over its cap."""


class _RoutedSession(requests.Session):
    """A Session that sends everything through :meth:`Http.request`.

    Only what our adapters need is supported: method, URL, query params,
    JSON body, headers.  The caller's ``timeout`` and ``User-Agent`` are
    replaced by the layer's own.
    """

    def __init__(
        self, http: Http, source: str, expect: str | None,
        validate: Callable[[requests.Response], object] | None = None,
    ):
        super().__init__()
        self._http = http
        self._source = source
        self._expect = expect
        self._validate = validate

    def request(  # type: ignore[override]
        self, method: str, url: str, params: Any = None, data: Any = None,
        headers: dict[str, str] | None = None, json: Any = None, **kwargs: Any,
    ) -> requests.Response:
        if data is not None or kwargs.get("files"):
            raise TypeError("routed session supports params/json only, not data/files")
        headers = {k: v for k, v in (headers or {}).items() if k.lower() != "user-agent"}
        return self._http.request(
            self._source, method, url, params=params, json=json, headers=headers,
            expect=self._expect, validate=self._validate,
        )
