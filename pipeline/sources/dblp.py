"""DBLP publication search adapter (https://dblp.org/faq/How+to+use+the+dblp+search+API.html).

* ``search``: ``GET /search/publ/api?q=<title>&format=json&h=5``.  Answer:
  ``{"result": {"hits": {"@total": "N", "hit": [{"info": {...}}, ...]}}}``;
  with no match ``hit`` is absent.  Characters with a meaning in DBLP's query
  syntax (``:`` field prefix, ``|`` OR, ``$`` exact word, leading ``-`` NOT,
  ``^``, ``"``) are replaced by spaces so a title is searched as plain words.
  Limits: ``h`` (hits per answer) at most 1,000 (same FAQ page); no
  published rate limit, "be gentle": one request a second, paced by the
  HTTP layer (https://dblp.org/faq/Am+I+allowed+to+crawl+the+dblp+website.html).
* no ``lookup``: DBLP has no batch look-up by identifier (only one record
  per ``/rec/<key>`` request, in XML/BibTeX), so the adapter takes no
  identifiers (``takes = ()``) and DBLP is used through ``search`` only.

DBLP's JSON quirks handled by ``map_record``: ``authors.author`` is a dict
for one author and a list for several; author names may carry a
disambiguation number ("Tianqi Chen 0001"); ``venue`` and ``ee`` may be a
string or a list; titles end with ".".
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import SourceUnavailable
from ..http import json_field
from ..identifiers import ARXIV_DOI_PREFIX, normalize_arxiv, normalize_doi
from ..models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Ids, SourceRecord
from ..names import split_name
from .base import Source, squash

TYPE_TO_VENUE = {
    "Conference and Workshop Papers": VENUE_CONFERENCE,
    "Journal Articles": VENUE_JOURNAL,
    "Informal and Other Publications": VENUE_PREPRINT,
    "Informal Publications": VENUE_PREPRINT,  # older name of the same type
}
_DISAMBIGUATION = re.compile(r"\s+\d{4}$")
_QUERY_SPECIALS = re.compile(r'[:|$^"]')


def _one(value: Any) -> str | None:
    """DBLP gives some fields as a string or a list of strings: the first."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("text")
    return value.strip() if isinstance(value, str) and value.strip() else None


def query_words(title: str) -> str:
    """A title as plain DBLP query words (see module docstring)."""
    words = _QUERY_SPECIALS.sub(" ", title).split()
    return " ".join(w.lstrip("-") for w in words if w.lstrip("-"))


class DblpSource(Source):
    name = "dblp"
    takes = ()  # no look-up by identifier (see the module docstring)

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Publication search for a title; DBLP's ranking."""
        query = query_words(title)
        if not query:
            return []
        params = {"q": query, "format": "json", "h": limit}
        resp = self.http.request(
            self.name, "GET", f"{self.base_url}/search/publ/api", params=params, expect="json",
            validate=json_field("result", "hits", kind=dict),
        )
        if resp.status_code != 200:
            raise SourceUnavailable(self.name, f"HTTP {resp.status_code} for a search")
        try:
            hits = resp.json()["result"]["hits"]
        except (KeyError, TypeError):
            raise SourceUnavailable(self.name, "answer has no result.hits") from None
        found = hits.get("hit") or []
        if isinstance(found, dict):
            found = [found]
        return [self.map_record(h["info"]) for h in found[:limit] if isinstance(h.get("info"), dict)]

    @staticmethod
    def map_record(obj: dict[str, Any]) -> SourceRecord:
        """A hit's ``info`` object -> :class:`SourceRecord`.

        "Informal and Other Publications" (CoRR) is a preprint; a CoRR DOI
        ``10.48550/arxiv.<id>`` also gives the arXiv id.
        """
        raw_authors = (obj.get("authors") or {}).get("author") or []
        if isinstance(raw_authors, dict):
            raw_authors = [raw_authors]
        authors = []
        for a in raw_authors:
            name = _one(a)
            if name:
                authors.append(split_name(_DISAMBIGUATION.sub("", name)))
        title = _one(obj.get("title"))
        if title and title.endswith("."):
            title = title[:-1].rstrip()
        doi = normalize_doi(_one(obj.get("doi")) or "")
        arxiv = (
            normalize_arxiv(doi.removeprefix(ARXIV_DOI_PREFIX)) if doi and doi.startswith(ARXIV_DOI_PREFIX) else None
        )
        year = _one(obj.get("year"))
        venue = _one(obj.get("venue"))
        raw_type = _one(obj.get("type"))
        venue_type = VENUE_PREPRINT if venue == "CoRR" else TYPE_TO_VENUE.get(raw_type or "")
        return SourceRecord(
            source="dblp",
            ids=Ids(
                doi=doi,
                arxiv=arxiv[0] if arxiv else None,
                arxiv_version=arxiv[1] if arxiv else None,
                dblp=_one(obj.get("key")),
            ),
            title=squash(title),
            authors=authors,
            year=int(year) if year and year.isdigit() else None,
            venue=venue,
            venue_type=venue_type,
            pages=_one(obj.get("pages")),
            volume=_one(obj.get("volume")),
            issue=_one(obj.get("number")),
            url=_one(obj.get("ee")) or _one(obj.get("url")),
            raw_type=raw_type,
        )
