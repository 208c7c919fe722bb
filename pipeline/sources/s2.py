"""Semantic Scholar Academic Graph API adapter.

API: https://api.semanticscholar.org/api-docs/graph

* ``lookup``: ``POST /graph/v1/paper/batch?fields=...`` with ``{"ids": [...]}``,
  at most 500 ids per request
  (https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/post_graph_get_papers).
  The answer is a list aligned with the ids, ``null`` for an id S2 does not
  know.  Each work is asked by its DOI, else arXiv id, else CorpusId, else
  S2 paperId (:func:`s2_key`).
* ``search``: ``GET /graph/v1/paper/search/match?query=<title>`` -- the one
  paper whose title matches best, or 404 "Title match not found"
  (https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/get_graph_paper_title_search).
* ``search_titles``: ``GET /graph/v1/paper/search/bulk?query=...`` -- the
  query takes boolean syntax (``"quoted phrase"``, ``|`` for OR, ``+``,
  ``-``); an answer is ``{total, token, data}`` with up to 1,000 records per
  page and a continuation ``token`` for the next page (null on the last);
  no relevance ranking
  (https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/get_graph_paper_bulk_search).
  Many titles go in one query as quoted phrases joined by `` | ``, chunked so
  the query stays under :data:`MAX_BULK_QUERY` characters once URL-encoded
  (S2 documents no URL limit; 4,000 keeps the whole request line far below
  the common 8 KiB server limit).  At most :data:`MAX_BULK_PAGES` pages are
  read per chunk; whatever a chunk's pages miss goes to ``search``, and so
  does a chunk S2 refuses with 400 (e.g. an answer over its 10 MB limit).  Hits are
  returned unassigned: the resolve stage checks every hit against every
  title.

Requests go through :class:`pipeline.http.Http` directly (pacing, retries,
cache, counts).  The ``semanticscholar`` client (0.12) has no public way to
hand it a session or transport -- its requester is the private
``AsyncSemanticScholar._requester`` -- so it is not used for requests; its
documented model type :class:`semanticscholar.Paper.Paper` is still accepted
by :meth:`S2Source.map_record`.  Statuses are read the way the client reads
them: 400 = bad query, 403 = bad API key, 404 = not found; 429 and 5xx are
retried by the HTTP layer and end in :class:`SourceUnavailable`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import requests
from semanticscholar.Paper import Paper

from ..errors import SourceUnavailable
from ..http import json_field
from ..identifiers import ARXIV_DOI_PREFIX
from ..models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Ids, SourceRecord
from ..names import split_name
from .base import Source, squash

GRAPH = "/graph/v1"
logger = logging.getLogger(__name__)

# https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/post_graph_get_papers
FIELDS = [
    "title", "abstract", "authors", "year", "venue", "publicationVenue", "externalIds",
    "citationCount", "influentialCitationCount", "referenceCount", "openAccessPdf",
    "publicationTypes", "publicationDate", "journal", "url",
]
BATCH_SIZE = 500  # ids per POST /paper/batch (documented limit)
BULK_PAGE = 1000  # records per /paper/search/bulk page (documented)
MAX_BULK_QUERY = 4000  # characters of the URL-encoded bulk query (our limit, see above)
MAX_BULK_PAGES = 3  # pages followed per bulk chunk before the rest is left to match
BULK_MIN_WORDS = 3  # shorter titles are not sent to the bulk search (see bulk_phrase)

# characters with a meaning in the bulk query syntax; inside a phrase they
# would end it or change it, and S2's tokenizer splits words on them anyway
_BULK_SPECIALS = re.compile(r'["|+\-*()~\\]')


def _error_message(resp: requests.Response) -> str:
    """The ``error``/``message`` of an S2 error body, else the raw text."""
    try:
        data = resp.json()
    except ValueError:
        return resp.text.strip() or f"HTTP {resp.status_code}"
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or data)
    return str(data)


def s2_key(ids: Ids) -> str | None:
    """The id S2's batch endpoint is asked for: DOI, else arXiv, else CorpusId,
    else the S2 paperId (https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data)."""
    if ids.doi:
        return f"DOI:{ids.doi}"
    if ids.arxiv:
        return f"ARXIV:{ids.arxiv}"
    if ids.corpus_id is not None:
        return f"CorpusId:{ids.corpus_id}"
    if ids.s2:
        return ids.s2
    return None


def _text(value: Any, *, keep_lines: bool = False) -> str | None:
    """Collapse whitespace (only strip, with ``keep_lines``); '' and
    non-strings -> None."""
    if keep_lines:
        return value.strip() or None if isinstance(value, str) else None
    return squash(value)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _is_arxiv_name(name: str | None) -> bool:
    return name is not None and re.fullmatch(r"arxiv(\.org)?(\s*\(.*\))?", name.strip().lower()) is not None


def _venue_type(pv: dict[str, Any], venue: str | None, types: list[str], ext: dict[str, Any]) -> str | None:
    if _is_arxiv_name(venue):
        return VENUE_PREPRINT
    pv_type = (pv.get("type") or "").lower()
    if pv_type in (VENUE_CONFERENCE, VENUE_JOURNAL):
        return pv_type
    if "Conference" in types:
        return VENUE_CONFERENCE
    if "JournalArticle" in types:
        return VENUE_JOURNAL
    doi = (ext.get("DOI") or "").lower()
    if ext.get("ArXiv") and not venue and (not doi or doi.startswith(ARXIV_DOI_PREFIX)):
        return VENUE_PREPRINT
    return None


def bulk_phrase(title: str) -> str | None:
    """A title as one quoted phrase of the bulk query syntax; None for a
    title of fewer than :data:`BULK_MIN_WORDS` words (a short title such as
    "TVM" matches thousands of abstracts and would push the other titles of
    its query past the pages read: it goes to ``search`` instead)."""
    words = _BULK_SPECIALS.sub(" ", title).split()
    return '"' + " ".join(words) + '"' if len(words) >= BULK_MIN_WORDS else None


def bulk_queries(titles: list[str], limit: int = MAX_BULK_QUERY) -> list[str]:
    """Bulk queries (``"a" | "b" | ...``) covering every distinct title, each
    at most ``limit`` characters URL-encoded (a longer single phrase gets a
    query of its own)."""
    queries: list[str] = []
    current: list[str] = []
    size = 0
    for phrase in dict.fromkeys(p for t in titles if (p := bulk_phrase(t))):
        cost = len(quote_plus(phrase)) + (len(quote_plus(" | ")) if current else 0)
        if current and size + cost > limit:
            queries.append(" | ".join(current))
            current, size = [], 0
            cost = len(quote_plus(phrase))
        current.append(phrase)
        size += cost
    if current:
        queries.append(" | ".join(current))
    return queries


class S2Source(Source):
    """Semantic Scholar: batch look-up by DOI/arXiv/CorpusId/paperId, title
    match, bulk title search."""

    name = "s2"
    takes = ("doi", "arxiv", "corpus_id", "s2")
    batch_size = BATCH_SIZE

    def _get(self, path: str, params: list[tuple[str, str]], what: str, *, soft_400: bool = False) -> requests.Response:
        # a 200 is used (and cached) only with a 'data' list (pipeline.http: validate)
        return self._send("GET", path, params, None, what, validate=json_field("data"), soft_400=soft_400)

    def _send(
        self, method: str, path: str, params: list[tuple[str, str]], body: Any, what: str,
        validate: Callable[[requests.Response], str | None] | None = None, soft_400: bool = False,
    ) -> requests.Response:
        headers = {"x-api-key": self.settings.s2_api_key} if self.settings.s2_api_key else {}
        r = self.http.request(
            self.name, method, f"{self.base_url}{GRAPH}{path}", params=params, json=body,
            headers=headers, expect="json", validate=validate,
        )
        if r.status_code == 400 and not soft_400:
            raise SourceUnavailable(self.name, f"{what} rejected (HTTP 400): {_error_message(r)}")
        if r.status_code == 403:
            raise SourceUnavailable(self.name, "HTTP status 403 Forbidden. Is S2_API_KEY valid?")
        if r.status_code not in (200, 400, 404):
            raise SourceUnavailable(self.name, f"HTTP {r.status_code} for a {what}: {_error_message(r)}")
        return r

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        """One record (or None) per input, in order; POSTs of <= 500 ids."""
        keys = [s2_key(i) for i in ids]
        wanted = [(pos, key) for pos, key in enumerate(keys) if key is not None]
        out: list[SourceRecord | None] = [None] * len(ids)
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start:start + self.batch_size]
            data = self._batch([key for _, key in chunk])
            for (pos, _), item in zip(chunk, data, strict=True):
                out[pos] = self._map(item, "batch") if item is not None else None
        return out

    def _batch(self, keys: list[str]) -> list[Any]:
        """The raw batch answer: a list aligned with ``keys``, null = unknown."""
        def aligned(resp: requests.Response) -> str | None:
            got = resp.json()
            if isinstance(got, list) and len(got) == len(keys):
                return None
            size = len(got) if isinstance(got, list) else type(got).__name__
            return f"batch answer has {size} items for {len(keys)} ids"

        r = self._send("POST", "/paper/batch", [("fields", ",".join(FIELDS))], {"ids": keys}, "batch request",
                       validate=aligned)
        data = r.json() if r.status_code == 200 else None
        if not isinstance(data, list) or len(data) != len(keys):
            size = len(data) if isinstance(data, list) else type(data).__name__
            raise SourceUnavailable(self.name, f"batch answer has {size} items for {len(keys)} ids")
        return data

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Best title match (``/paper/search/match``): ``[record]`` or ``[]``."""
        # '&', '+' and '%' carry no words; they become spaces (as the
        # semanticscholar client did, so cached answers stay valid)
        query = " ".join(re.sub(r"[&+%]", " ", title).split())
        if not query:
            return []
        params = [("query", query), ("fields", ",".join(FIELDS)), ("offset", "0"), ("limit", "100")]
        r = self._get("/paper/search/match", params, "search")
        if r.status_code == 404:  # "Title match not found"
            return []
        data = r.json()
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise SourceUnavailable(self.name, "unreadable search answer: no 'data' list")
        return [self._map(items[0], "search")] if items else []

    def search_titles(self, titles: list[str]) -> list[SourceRecord]:
        """Every record the bulk search finds for any of ``titles`` (see
        the module docstring), each paper once, unassigned."""
        found: dict[str, SourceRecord] = {}
        for query in bulk_queries(titles):
            token: str | None = None
            for _page in range(MAX_BULK_PAGES):
                params = [("query", query), ("fields", ",".join(FIELDS))]
                if token:
                    params.append(("token", token))
                r = self._get("/paper/search/bulk", params, "bulk search", soft_400=True)
                if r.status_code == 404:  # no bulk search on this server: the match path does the work
                    return list(found.values())
                if r.status_code == 400:
                    # e.g. "Response would exceed maximum size" (10 MB): this chunk's
                    # titles go to the match endpoint; S2 itself is fine
                    logger.info("s2: bulk search refused a query (HTTP 400): %s", _error_message(r))
                    break
                data = r.json()
                if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                    raise SourceUnavailable(self.name, "unreadable bulk search answer: no 'data' list")
                for item in data["data"]:
                    rec = self._map(item, "bulk search")
                    found.setdefault(rec.ids.s2 or f"#{len(found)}", rec)
                token = data.get("token") if isinstance(data.get("token"), str) else None
                if not token:
                    break
        return list(found.values())

    def _map(self, item: Any, what: str) -> SourceRecord:
        if not isinstance(item, dict):
            raise SourceUnavailable(self.name, f"unreadable {what} answer: a {type(item).__name__} for a paper")
        try:
            return self.map_record(item)
        except (TypeError, ValueError, AttributeError) as e:
            raise SourceUnavailable(self.name, f"unreadable {what} answer: {e!r}") from None

    @staticmethod
    def map_record(obj: Any) -> SourceRecord:
        """An S2 paper (JSON dict or :class:`semanticscholar.Paper.Paper`) -> SourceRecord.

        Field reference: https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data
        Missing and null fields stay None.
        """
        d: dict[str, Any] = obj.raw_data if isinstance(obj, Paper) else obj
        ext = d.get("externalIds") or {}
        pv = d.get("publicationVenue") or {}
        journal = d.get("journal") or {}
        types = d.get("publicationTypes") or []
        doi = _text(ext.get("DOI"))
        ids = Ids(
            doi=doi.lower() if doi else None,
            arxiv=_text(ext.get("ArXiv")),
            corpus_id=_int(ext.get("CorpusId")) if ext.get("CorpusId") is not None else _int(d.get("corpusId")),
            dblp=_text(ext.get("DBLP")),
            s2=_text(d.get("paperId")),
        )
        authors = [split_name(n) for a in (d.get("authors") or []) if (n := _text((a or {}).get("name")))]
        venue = _text(pv.get("name")) or _text(d.get("venue")) or _text(journal.get("name"))
        pdf = d.get("openAccessPdf") or {}
        volume = _text(journal.get("volume"))
        if volume and volume.lower().startswith("abs/"):  # arXiv's "abs/<id>", not a volume
            volume = None
        return SourceRecord(
            source="s2",
            ids=ids,
            title=_text(d.get("title")),
            authors=authors,
            year=_int(d.get("year")),
            publication_date=_text(d.get("publicationDate")),
            venue=venue,
            venue_type=_venue_type(pv, venue, types, ext),
            abstract=_text(d.get("abstract"), keep_lines=True),
            citation_count=_int(d.get("citationCount")),
            influential_count=_int(d.get("influentialCitationCount")),
            reference_count=_int(d.get("referenceCount")),
            pages=_text(journal.get("pages")),
            volume=volume,
            pdf_url=_text(pdf.get("url")),
            url=_text(d.get("url")),
            raw_type=",".join(types) or None,
        )
