"""arXiv adapter (https://info.arxiv.org/help/api/user-manual.html: ``GET /api/query``, Atom feed).

Requests go through :class:`pipeline.http.Http` (pacing, retries, cache,
counts) with the query the ``arxiv`` client package
(https://pypi.org/project/arxiv/) would send (``search_query``, ``id_list``,
``sortBy``, ``sortOrder``, ``start``, ``max_results``).  The client itself
is not used for requests: ``arxiv.Client`` (4.0) takes no session or
transport by public means (its session is the private ``_session``), and its
feed parser is the private ``arxiv._feed``.  :func:`parse_feed` reads the
Atom feed with lxml into the package's public :class:`arxiv.Result` type,
which :meth:`ArxivSource.map_record` maps.

Limits relied on: one request every 3 s (https://info.arxiv.org/help/api/tou.html,
paced by the HTTP layer); ``max_results`` up to 2,000 per page and
``id_list`` as a comma-separated list
(https://info.arxiv.org/help/api/user-manual.html#3112-start-and-max_results-paging);
``batch_size`` 100 keeps the URL short.

Behaviour worth knowing (seen in the recorded answers, tests/data/real/arxiv):

* a well-formed but unknown id gives HTTP 200 and an empty feed -> ``None``;
* a malformed id (``abc``) gives HTTP 400 with an Atom error entry, for the
  whole ``id_list``.  ``lookup`` then bisects the batch (two half-size
  requests, recursively) so one bad id costs about ``2*log2(batch)`` extra
  requests and only that id gets ``None``.

Request count of ``lookup``: one request per ``batch_size`` (100) distinct ids
when all ids are well formed.  The version the caller gives
(``Ids.arxiv_version``) is asked for as is (``2104.12255v1``); results are
aligned to the input by the id without version.
"""

from __future__ import annotations

import re
from datetime import datetime

import arxiv
from lxml import etree

from ..errors import SourceUnavailable
from ..identifiers import normalize_doi
from ..models import VENUE_PREPRINT, Ids, SourceRecord
from ..names import split_name
from .base import Source, squash

_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class _BadQuery(Exception):
    """HTTP 400: arXiv could not read an id or the query."""


def _text(elem: etree._Element, path: str) -> str | None:
    found = elem.find(path, _NS)
    return found.text.strip() if found is not None and found.text else None


def _datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _primary_category(entry: etree._Element) -> str:
    found = entry.find("arxiv:primary_category", _NS)
    return (found.get("term") or "") if found is not None else ""


def parse_feed(content: bytes) -> list[arxiv.Result]:
    """The entries of an arXiv Atom feed as :class:`arxiv.Result` objects
    (entries without an id or dates, e.g. error entries, are skipped).
    Raises ``ValueError`` for a body that is not an Atom feed."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as e:
        raise ValueError(f"unreadable Atom feed: {e}") from None
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise ValueError(f"not an Atom feed: <{root.tag}>")
    results = []
    for entry in root.iterfind("atom:entry", _NS):
        entry_id = _text(entry, "atom:id")
        updated, published = _datetime(_text(entry, "atom:updated")), _datetime(_text(entry, "atom:published"))
        if not entry_id or updated is None or published is None or "/api/errors" in entry_id:
            continue
        results.append(arxiv.Result(
            entry_id=entry_id,
            updated=updated,
            published=published,
            title=" ".join((_text(entry, "atom:title") or "").split()),
            authors=[arxiv.Result.Author(_text(a, "atom:name") or "") for a in entry.iterfind("atom:author", _NS)],
            summary=_text(entry, "atom:summary") or "",
            comment=_text(entry, "arxiv:comment") or "",
            journal_ref=_text(entry, "arxiv:journal_ref") or "",
            doi=_text(entry, "arxiv:doi") or "",
            primary_category=_primary_category(entry),
            categories=[c.get("term") or "" for c in entry.iterfind("atom:category", _NS)],
            links=[
                arxiv.Result.Link(href, title=link.get("title"), rel=link.get("rel") or "",
                                  content_type=link.get("type"))
                for link in entry.iterfind("atom:link", _NS) if (href := link.get("href"))
            ],
        ))
    return results


_VERSION_RE = re.compile(r"^(.+?)(?:v(\d+))?$")


def split_versioned(arxiv_id: str) -> tuple[str, int | None]:
    """``"2104.12255v1"`` -> ``("2104.12255", 1)``; old-style ids alike."""
    m = _VERSION_RE.match(arxiv_id.strip())
    assert m is not None  # the pattern matches any non-empty string
    return m.group(1), int(m.group(2)) if m.group(2) else None


class ArxivSource(Source):
    name = "arxiv"
    takes = ("arxiv",)
    batch_size = 100

    def _query(self, *, search_query: str = "", id_list: str = "", max_results: int) -> list[arxiv.Result]:
        """One ``/api/query`` page; raises :class:`_BadQuery` on HTTP 400."""
        params = {
            "search_query": search_query,
            "id_list": id_list,
            "sortBy": "relevance",
            "sortOrder": "descending",
            "start": 0,
            "max_results": max_results,
        }
        resp = self.http.request(self.name, "GET", f"{self.base_url}/api/query", params=params, expect="xml")
        if resp.status_code == 400:
            raise _BadQuery()
        if resp.status_code != 200:
            raise SourceUnavailable(self.name, f"HTTP {resp.status_code} for /api/query")
        try:
            return parse_feed(resp.content)
        except ValueError as e:
            raise SourceUnavailable(self.name, str(e)) from None

    def _fetch(self, batch: list[str]) -> dict[str, arxiv.Result]:
        """Results for ``batch`` keyed by lowercased id without version.

        On HTTP 400 (a malformed id somewhere in the list) the batch is split
        in two and each half asked again; a single id answered 400 is absent.
        """
        try:
            results = self._query(id_list=",".join(batch), max_results=self.batch_size)[: len(batch)]
        except _BadQuery:
            if len(batch) == 1:
                return {}
            mid = len(batch) // 2
            return {**self._fetch(batch[:mid]), **self._fetch(batch[mid:])}
        found: dict[str, arxiv.Result] = {}
        for r in results:
            base, _ = split_versioned(r.get_short_id())
            found.setdefault(base.lower(), r)
        return found

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        """Look up works by arXiv id (``Ids.arxiv``), ``batch_size`` per request."""
        wanted: dict[str, str] = {}  # base id (lowercase) -> id as requested
        for i in ids:
            if i.arxiv:
                key = i.arxiv.strip().lower()
                version = f"v{i.arxiv_version}" if i.arxiv_version else ""
                wanted.setdefault(key, i.arxiv.strip() + version)
        requested = list(wanted.values())
        found: dict[str, arxiv.Result] = {}
        for start in range(0, len(requested), self.batch_size):
            found.update(self._fetch(requested[start : start + self.batch_size]))
        out: list[SourceRecord | None] = []
        for i in ids:
            hit = found.get(i.arxiv.strip().lower()) if i.arxiv else None
            out.append(self.map_record(hit) if hit is not None else None)
        return out

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Title search: ``ti:"<title>"`` (phrase query on the title field)."""
        phrase = " ".join(title.replace('"', " ").split())
        if not phrase:
            return []
        try:
            results = self._query(search_query=f'ti:"{phrase}"', max_results=limit)
        except _BadQuery:  # a query arXiv cannot parse: no candidates
            return []
        return [self.map_record(r) for r in results[:limit]]

    @staticmethod
    def map_record(obj: arxiv.Result) -> SourceRecord:
        """:class:`arxiv.Result` -> :class:`SourceRecord`.

        Field meanings: https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned
        ``published`` is the date of version 1; ``journal_ref`` (free text
        given by the authors) becomes the venue, else "arXiv" / preprint.
        """
        arxiv_id, version = split_versioned(obj.get_short_id())
        published = obj.published if obj.published and obj.published.year > 1 else None
        journal_ref = squash(obj.journal_ref)
        return SourceRecord(
            source="arxiv",
            ids=Ids(
                arxiv=arxiv_id,
                arxiv_version=version,
                doi=normalize_doi(obj.doi) if obj.doi else None,
            ),
            title=squash(obj.title),
            authors=[split_name(a.name) for a in obj.authors if a.name.strip()],
            year=published.year if published else None,
            publication_date=published.date().isoformat() if published else None,
            venue=journal_ref or "arXiv",
            venue_type=None if journal_ref else VENUE_PREPRINT,
            abstract=squash(obj.summary),
            pdf_url=obj.pdf_url,
            url=f"https://arxiv.org/abs/{arxiv_id}",
            raw_type=", ".join(obj.categories) or None,
        )
