"""arXiv adapter, through the ``arxiv`` client package (https://pypi.org/project/arxiv/).

API: https://info.arxiv.org/help/api/user-manual.html (Atom feed, ``/api/query``).
The client builds the query URLs and parses the Atom feed; pacing, retries and
the cache are ours: ``Client(delay_seconds=0, num_retries=0)`` with its
session replaced by :meth:`pipeline.http.Http.session` and its URL format
pointed at ``settings.endpoints["arxiv"]``.

Behaviour worth knowing (seen in the recorded answers, tests/data/real/arxiv):

* a well-formed but unknown id gives HTTP 200 and an empty feed -> ``None``;
* a malformed id (``abc``) gives HTTP 400 with an Atom error entry, for the
  whole ``id_list``.  The client raises :class:`arxiv.HTTPError`; ``lookup``
  then bisects the batch (two half-size requests, recursively) so one bad id
  costs about ``2*log2(batch)`` extra requests and only that id gets ``None``.

Request count of ``lookup``: one request per ``batch_size`` (100) distinct ids
when all ids are well formed.  The version the caller gives
(``Ids.arxiv_version``) is asked for as is (``2104.12255v1``); results are
aligned to the input by the id without version.
"""

from __future__ import annotations

import re

import arxiv

from ..errors import SourceUnavailable
from ..identifiers import normalize_doi
from ..models import VENUE_PREPRINT, Ids, SourceRecord
from ..names import split_name
from .base import Source

_VERSION_RE = re.compile(r"^(.+?)(?:v(\d+))?$")


def split_versioned(arxiv_id: str) -> tuple[str, int | None]:
    """``"2104.12255v1"`` -> ``("2104.12255", 1)``; old-style ids alike."""
    m = _VERSION_RE.match(arxiv_id.strip())
    assert m is not None  # the pattern matches any non-empty string
    return m.group(1), int(m.group(2)) if m.group(2) else None


def _squash(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(text.split()) or None


class ArxivSource(Source):
    name = "arxiv"
    takes = ("arxiv",)
    batch_size = 100

    def _client(self, page_size: int) -> arxiv.Client:
        client = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
        client.query_url_format = self.base_url + "/api/query?{}"
        client._session = self.http.session(self.name, expect="xml")
        return client

    def _fetch(self, batch: list[str]) -> dict[str, arxiv.Result]:
        """Results for ``batch`` keyed by lowercased id without version.

        On HTTP 400 (a malformed id somewhere in the list) the batch is split
        in two and each half asked again; a single id answered 400 is absent.
        """
        try:
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            results = list(self._client(self.batch_size).results(search))
        except arxiv.HTTPError as e:
            if e.status != 400:
                raise SourceUnavailable(self.name, f"HTTP {e.status} for {e.url}") from None
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
        search = arxiv.Search(query=f'ti:"{phrase}"', max_results=limit)
        try:
            results = list(self._client(limit).results(search))
        except arxiv.HTTPError as e:
            if e.status == 400:  # a query arXiv cannot parse: no candidates
                return []
            raise SourceUnavailable(self.name, f"HTTP {e.status} for {e.url}") from None
        return [self.map_record(r) for r in results]

    @staticmethod
    def map_record(obj: arxiv.Result) -> SourceRecord:
        """:class:`arxiv.Result` -> :class:`SourceRecord`.

        Field meanings: https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned
        ``published`` is the date of version 1; ``journal_ref`` (free text
        given by the authors) becomes the venue, else "arXiv" / preprint.
        """
        arxiv_id, version = split_versioned(obj.get_short_id())
        published = obj.published if obj.published and obj.published.year > 1 else None
        journal_ref = _squash(obj.journal_ref)
        return SourceRecord(
            source="arxiv",
            ids=Ids(
                arxiv=arxiv_id,
                arxiv_version=version,
                doi=normalize_doi(obj.doi) if obj.doi else None,
            ),
            title=_squash(obj.title),
            authors=[split_name(a.name) for a in obj.authors if a.name.strip()],
            year=published.year if published else None,
            publication_date=published.date().isoformat() if published else None,
            venue=journal_ref or "arXiv",
            venue_type=None if journal_ref else VENUE_PREPRINT,
            abstract=_squash(obj.summary),
            pdf_url=obj.pdf_url,
            url=f"https://arxiv.org/abs/{arxiv_id}",
            raw_type=", ".join(obj.categories) or None,
        )
