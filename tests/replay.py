"""Replay recorded API responses (tests/data/real/<source>/) on a loopback
pytest-httpserver, so adapters are tested against what the services really
send.

Two recording formats are read:

* VCR cassettes (YAML, https://vcrpy.readthedocs.io/en/latest/advanced.html):
  ``interactions: [{request: {method, uri, body}, response: {...}}]``.  The
  response is either vcrpy's ``{status: {code}, headers, body: {string}}`` or
  the httpx flavour ``{status_code, headers, content}``; both are handled.
* arXiv JSON files: ``{"url", "status_code", "body"}`` with the Atom feed in
  ``body`` (no headers recorded; replayed as ``application/atom+xml``).

Usage::

    from tests.replay import real_path, register_cassette
    register_cassette(httpserver, real_path("semantic-scholar", "test_get_papers.yaml"))
    settings = Settings(endpoints={"s2": httpserver.url_for("").rstrip("/")}, ...)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REAL = Path(__file__).parent / "data" / "real"
REPLAYED_HEADERS = ("content-type", "retry-after")


@dataclass
class Interaction:
    """One recorded request/response pair."""

    method: str
    uri: str  # as recorded, with the real host
    request_body: str | None
    status: int
    headers: dict[str, str]  # only REPLAYED_HEADERS, lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> str:
        return urlsplit(self.uri).query

    def json(self):
        return json.loads(self.body)


def real_path(source: str, name: str) -> Path:
    """``tests/data/real/<source>/<name>``."""
    return REAL / source / name


def _as_bytes(value) -> bytes:
    if value is None:
        return b""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _first(value):
    return value[0] if isinstance(value, list) else value


def load_cassette(path: str | Path) -> list[Interaction]:
    """All interactions of a VCR cassette, in recorded order."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for item in data["interactions"]:
        req, resp = item["request"], item["response"]
        if "status" in resp:
            status = int(resp["status"]["code"])
            body = _as_bytes(resp.get("body", {}).get("string"))
        else:
            status = int(resp["status_code"])
            body = _as_bytes(resp.get("content"))
        headers = {
            k.lower(): str(_first(v)) for k, v in (resp.get("headers") or {}).items()
            if k.lower() in REPLAYED_HEADERS
        }
        rbody = req.get("body")
        out.append(Interaction(
            method=req["method"].upper(),
            uri=req["uri"],
            request_body=rbody.decode("utf-8") if isinstance(rbody, bytes) else rbody,
            status=status,
            headers=headers,
            body=body,
        ))
    return out


def load_arxiv_json(path: str | Path) -> Interaction:
    """An arXiv ``{url, status_code, body}`` recording as an Interaction."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Interaction(
        method="GET",
        uri=data["url"],
        request_body=None,
        status=int(data["status_code"]),
        headers={"content-type": "application/atom+xml; charset=utf-8"},
        body=_as_bytes(data["body"]),
    )


def register(httpserver, interaction: Interaction, *, match_query: bool = False,
             match_body: bool = False, oneshot: bool = False, path: str | None = None,
             method: str | None = None) -> None:
    """Serve ``interaction``'s response on ``httpserver`` for its method and
    path (or ``method``/``path`` if given, to replay an answer elsewhere).  By default the query string and request
    body are not matched (our adapters ask for other fields than the
    recording did); ``match_query``/``match_body`` make the match exact."""
    kwargs = {"method": method or interaction.method}
    if match_query:
        kwargs["query_string"] = interaction.query
    if match_body and interaction.request_body:
        kwargs["json"] = json.loads(interaction.request_body)
    expect = httpserver.expect_oneshot_request if oneshot else httpserver.expect_request
    headers = dict(interaction.headers)
    content_type = headers.pop("content-type", None)
    expect(path or interaction.path, **kwargs).respond_with_data(
        interaction.body, status=interaction.status, headers=headers, content_type=content_type
    )


def register_cassette(httpserver, path: str | Path, **kwargs) -> list[Interaction]:
    """Register every interaction of a cassette (see :func:`register`)."""
    interactions = load_cassette(path)
    for it in interactions:
        register(httpserver, it, **kwargs)
    return interactions


def register_arxiv(httpserver, path: str | Path, **kwargs) -> Interaction:
    """Register one arXiv JSON recording (see :func:`register`)."""
    it = load_arxiv_json(path)
    register(httpserver, it, **kwargs)
    return it


def loopback_settings(httpserver, cache_dir, **extra):
    """Settings with every API pointed at ``httpserver``, no pacing, and
    the HTTP cache in ``cache_dir`` (extra fields, e.g. ``mailto=``, pass through)."""
    from pipeline.config import DEFAULT_ENDPOINTS, Settings

    base = httpserver.url_for("").rstrip("/")
    return Settings(endpoints={n: base for n in DEFAULT_ENDPOINTS}, pace_scale=0, cache_dir=str(cache_dir), **extra)
