"""The one HTTP layer every source adapter uses.

``Http(settings).request(source, method, url, ...)`` adds, once for all APIs:

* **pacing** per source, from the published rate limits (``PACING`` below),
  multiplied by ``settings.pace_scale`` (0 = no pauses, for tests and replays);
* **retries** with `tenacity <https://tenacity.readthedocs.io/>`_ on 429, 500,
  502, 503, 504, timeouts, connection errors and ``expect`` mismatches
  (a 2xx answer whose body is not the JSON / XML asked for).  Exponential
  backoff, ``Retry-After`` honoured (RFC 9110 section 10.2.3: seconds or an
  HTTP date, capped at ``RETRY_AFTER_CAP``), bounded by ``max_attempts`` and a
  total time budget.  When retries are exhausted it raises
  :class:`pipeline.errors.SourceUnavailable`.  Every other status (200, 400,
  404, ...) is returned to the caller, who knows what it means for its API;
* an **on-disk cache** (one JSON file per request, written atomically) keyed by
  method + URL + query + JSON body -- never headers, never the ``mailto``
  parameter, so API keys and e-mail addresses never reach the cache;
* ``counts`` (network requests actually sent, per source) and ``log`` (one
  :class:`LogEntry` per attempt or cache hit, secrets stripped).

``Http.session(source)`` returns a :class:`requests.Session` whose requests go
through the same layer, to plug into clients that own their session (the
``arxiv`` package's ``Client._session``).

Scaling ``Retry-After`` by ``pace_scale``: at the production value 1 the
server's wait is honoured exactly; scales below 1 are only meant for local
replay servers, where shortening the server's wait is harmless and keeps
tests fast.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json as jsonlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import platformdirs
import requests
from requests.structures import CaseInsensitiveDict
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from .config import Settings
from .errors import SourceUnavailable
from .fsutil import atomic_write_bytes, dumps_json

logger = logging.getLogger(__name__)

# Seconds between two requests to the same source, from the published limits:
# - s2: https://www.semanticscholar.org/product/api -- an API key gets 1 request/s;
#   without a key all anonymous users share one pool that is often throttled,
#   so we go 3x slower ("s2_nokey").
# - arxiv: https://info.arxiv.org/help/api/tou.html -- one request every 3 s.
# - crossref: https://www.crossref.org/documentation/retrieve-metadata/rest-api/
#   (public pool: 5 requests/s, at most 5 concurrent; we are sequential).
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
CACHE_HEADERS = ("Content-Type",)
DEFAULT_TTL = 7 * 24 * 3600


def _cacheable(status: int) -> bool:
    """2xx answers and 404 (a definite "unknown") are cached."""
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
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        now_dt = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
        seconds = (when - now_dt).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _expect_problem(resp: requests.Response, expect: str | None) -> str | None:
    """Why a 2xx answer is not the JSON/XML asked for (None: it is)."""
    if expect is None or not 200 <= resp.status_code < 300:
        return None
    ctype = resp.headers.get("Content-Type", "").lower()
    if expect == "json":
        if "json" not in ctype:
            return f"expected JSON, got content type {ctype or 'none'!r}"
        try:
            jsonlib.loads(resp.content)
        except ValueError as e:
            return f"invalid JSON body ({e})"
        return None
    if expect == "xml":
        if "xml" not in ctype:
            return f"expected XML, got content type {ctype or 'none'!r}"
        if not resp.content.lstrip().startswith(b"<"):
            return "body is not XML"
        return None
    raise ValueError(f"expect must be None, 'json' or 'xml', not {expect!r}")


def _is_name_resolution_error(exc: BaseException) -> bool:
    text = repr(exc)
    return "NameResolutionError" in text or "Name or service not known" in text \
        or "Temporary failure in name resolution" in text


class Http:
    """Paced, retrying, caching HTTP for the source adapters (see module doc).

    ``sleep``/``clock`` can be replaced (tests use a fake clock); ``timeout``
    is requests' ``(connect, read)`` in seconds.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cache_ttl: float = DEFAULT_TTL,
        max_attempts: int = 5,
        time_budget: float = 120.0,
        timeout: tuple[float, float] = (10.0, 30.0),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self.cache_ttl = cache_ttl
        self.max_attempts = max_attempts
        self.time_budget = time_budget
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self.cache_dir = Path(
            settings.cache_dir or Path(platformdirs.user_cache_dir("edgeai-pipeline")) / "http"
        )
        self.counts: dict[str, int] = {}
        self.log: list[LogEntry] = []
        self._last_sent: dict[str, float] = {}
        self._lock = threading.Lock()
        self._session = requests.Session()
        ua = f"edgeai-pipeline/{_version()}"
        if settings.mailto:
            ua += f" (mailto:{settings.mailto})"
        self._session.headers["User-Agent"] = ua

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
    ) -> requests.Response:
        """Send one request through pacing, retries and the cache.

        Returns the :class:`requests.Response` for any status that is not
        retried (2xx, 400, 404, ...); raises :class:`SourceUnavailable` once
        retries are exhausted.  ``resp.from_cache`` tells where it came from.
        """
        prep = self._prepare(method, url, params, json)
        if use_cache:
            hit = self._cache_read(prep)
            if hit is not None:
                self.log.append(LogEntry(source, prep.method, strip_secrets(prep.url), hit.status_code, True))
                return hit

        attempts = 0

        def attempt() -> requests.Response:
            nonlocal attempts
            attempts += 1
            return self._send_once(source, prep, headers, expect)

        started = self._clock()

        def over_budget(state: RetryCallState) -> bool:
            # like tenacity's stop_before_delay, but on our (injectable) clock
            return self._clock() - started + (state.upcoming_sleep or 0) >= self.time_budget

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | over_budget,
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            resp = retrying(attempt)
        except _Transient as e:
            raise SourceUnavailable(source, f"{e} ({attempts} attempt(s), {prep.method} {strip_secrets(prep.url)})") from None
        if _cacheable(resp.status_code):
            self._cache_write(prep, resp)
        return resp

    def session(self, source: str, *, expect: str | None = None) -> requests.Session:
        """A :class:`requests.Session` whose ``request()``/``get()``/``post()``
        go through :meth:`request` for ``source``."""
        return _RoutedSession(self, source, expect)

    # -- internals ----------------------------------------------------------

    def _prepare(self, method: str, url: str, params: Any, json: Any) -> _Prepared:
        pr = requests.Request(method.upper(), url, params=params, json=json).prepare()
        body = pr.body.encode() if isinstance(pr.body, str) else pr.body
        parts = urlsplit(pr.url)
        query = sorted(
            (kv for kv in parse_qsl(parts.query, keep_blank_values=True) if kv[0].lower() != "mailto"),
            key=lambda kv: kv[0],
        )
        key_url = urlunsplit(parts._replace(query=urlencode(query)))
        key_body = jsonlib.dumps(json, sort_keys=True, ensure_ascii=False) if json is not None else None
        key = hashlib.sha256(
            jsonlib.dumps([pr.method, key_url, key_body], ensure_ascii=False).encode()
        ).hexdigest()
        return _Prepared(pr.method, pr.url, body, key)

    def _interval(self, source: str) -> float:
        if source == "s2" and not self.settings.s2_api_key:
            base = PACING["s2_nokey"]
        else:
            base = PACING.get(source, DEFAULT_PACING)
        return base * self.settings.pace_scale

    def _pace(self, source: str) -> None:
        """Wait until ``source``'s interval since its previous request passed."""
        interval = self._interval(source)
        with self._lock:
            last = self._last_sent.get(source)
            if last is not None and interval > 0:
                wait = last + interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
            self._last_sent[source] = self._clock()

    def _wait(self, state: RetryCallState) -> float:
        """Backoff before the next attempt: Retry-After if the server gave
        one, else 1, 2, 4 ... 30 s; both scaled by ``pace_scale``."""
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            wait = retry_after
        else:
            wait = min(BACKOFF_MAX, BACKOFF_MIN * 2 ** (state.attempt_number - 1))
        return wait * self.settings.pace_scale

    def _send_once(self, source: str, prep: _Prepared, headers: dict | None, expect: str | None) -> requests.Response:
        self._pace(source)
        self.counts[source] = self.counts.get(source, 0) + 1
        safe_url = strip_secrets(prep.url)
        send_headers = {"Content-Type": "application/json"} if prep.body is not None else {}
        send_headers.update(headers or {})
        try:
            resp = self._session.request(
                prep.method, prep.url, data=prep.body, headers=send_headers, timeout=self.timeout
            )
        except requests.Timeout as e:
            self.log.append(LogEntry(source, prep.method, safe_url, None, False))
            raise _Transient(f"timeout: {type(e).__name__}") from None
        except requests.ConnectionError as e:
            self.log.append(LogEntry(source, prep.method, safe_url, None, False))
            if _is_name_resolution_error(e):
                # no DNS (an offline machine): retrying within seconds will not help
                host = urlsplit(prep.url).hostname
                raise SourceUnavailable(source, f"cannot resolve host {host} (no network?)") from None
            raise _Transient(f"connection error: {type(e).__name__}") from None
        self.log.append(LogEntry(source, prep.method, safe_url, resp.status_code, False))
        resp.from_cache = False  # type: ignore[attr-defined]
        if resp.status_code in RETRY_STATUSES:
            logger.info("%s: HTTP %s for %s %s", source, resp.status_code, prep.method, safe_url)
            raise _Transient(
                f"HTTP {resp.status_code}", parse_retry_after(resp.headers.get("Retry-After"))
            )
        problem = _expect_problem(resp, expect)
        if problem:
            logger.info("%s: %s for %s %s", source, problem, prep.method, safe_url)
            raise _Transient(problem)
        return resp

    def _cache_path(self, key: str) -> Path:
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cache_read(self, prep: _Prepared) -> requests.Response | None:
        path = self._cache_path(prep.key)
        try:
            entry = jsonlib.loads(path.read_bytes())
            if time.time() - float(entry["stored_at"]) > self.cache_ttl:
                return None
            if entry["encoding"] == "base64":
                body = base64.b64decode(entry["body"])
            else:
                body = entry["body"].encode("utf-8")
            status = int(entry["status"])
            resp_headers = CaseInsensitiveDict({str(k): str(v) for k, v in entry["headers"].items()})
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            logger.warning("ignoring unreadable cache file %s: %s", path, e)
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


class _RoutedSession(requests.Session):
    """A Session that sends everything through :meth:`Http.request`.

    Only what our adapters need is supported: method, URL, query params,
    JSON body, headers.  The caller's ``timeout`` and ``User-Agent`` are
    replaced by the layer's own.
    """

    def __init__(self, http: Http, source: str, expect: str | None):
        super().__init__()
        self._http = http
        self._source = source
        self._expect = expect

    def request(self, method, url, params=None, data=None, headers=None, json=None, **kwargs):  # type: ignore[override]
        if data is not None or kwargs.get("files"):
            raise TypeError("routed session supports params/json only, not data/files")
        headers = {k: v for k, v in (headers or {}).items() if k.lower() != "user-agent"}
        return self._http.request(
            self._source, method, url, params=params, json=json, headers=headers, expect=self._expect
        )
