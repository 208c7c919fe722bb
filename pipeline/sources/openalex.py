"""OpenAlex works adapter (https://docs.openalex.org/api-entities/works).

* ``lookup``: ``GET /works?filter=doi:A|B|...&per-page=200`` -- the pipe ORs
  values within one filter, up to 100 of them
  (https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/filter-entity-lists#addition-or);
  a page holds at most 200 results
  (https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/paging),
  room for a DOI that two records share.
  Entries without a DOI but with an arXiv id are asked by their DataCite arXiv
  DOI ``10.48550/arxiv.<id>`` (OpenAlex indexes those preprint records).
  Results are aligned by DOI (OpenAlex answers ``https://doi.org/<doi>``).
  Request count: ``ceil(n / 100)`` for n distinct DOIs.  A DOI containing ``|``
  or ``,`` would break the filter syntax; such entries get ``None`` unasked.
* ``search``: ``GET /works?filter=title.search:<title>&per-page=5`` -- a
  filter, not the ``search`` parameter: "Search requests cost $1 per 1,000
  calls (vs. $0.10 per 1,000 for list+filter requests)"
  (https://developers.openalex.org/guides/searching), and ``title.search``
  looks at titles only
  (https://docs.openalex.org/api-entities/works/search-works#search-a-specific-field).
  Commas separate filters and ``|`` ORs values, so both become spaces in the
  title; the words AND, OR and NOT in capitals would switch on boolean
  search, so they are lower-cased
  (https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/search-entities#boolean-searches).
* ``search_titles``: the batched fallback, ``filter=title.search:"A" OR "B"
  OR ...&per-page=200``: quoted phrases joined by OR (boolean search), as
  many titles as fit a URL of :data:`MAX_URL` characters (the whole request
  URL is limited to about 4 KB, https://developers.openalex.org/guides/searching)
  and at most :data:`TITLES_PER_QUERY`, so one page of 200 holds the hits;
  no further pages are read.
* ``mailto`` (settings.mailto) goes in the query ("polite pool"); the HTTP
  layer keeps it out of cache and logs.

``cited_by_count`` is mapped to ``citation_count`` (the pipeline keeps it as
the second opinion next to Semantic Scholar's count).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_plus

from ..errors import SourceUnavailable
from ..http import json_field
from ..identifiers import ARXIV_DOI_PREFIX, normalize_arxiv, normalize_doi
from ..models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Ids, SourceRecord
from ..names import split_name
from .base import Source, squash

# Source.type (https://docs.openalex.org/api-entities/sources/source-object#type)
SOURCE_TYPE_TO_VENUE = {
    "journal": VENUE_JOURNAL,
    "conference": VENUE_CONFERENCE,
    "repository": VENUE_PREPRINT,
}


def abstract_from_inverted_index(index: dict[str, list[int]] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index``
    (word -> positions; https://docs.openalex.org/api-entities/works/work-object#abstract_inverted_index)."""
    if not index:
        return None
    positions = {pos: word for word, places in index.items() for pos in places}
    text = " ".join(positions[p] for p in sorted(positions))
    return " ".join(text.split()) or None


MAX_URL = 4000  # characters of a request URL (documented: "about 4 KB")
TITLES_PER_QUERY = 40  # phrases ORed in one batched query (200 results a page, ~5 a title)
_BOOLEAN_WORD = re.compile(r"\b(AND|OR|NOT)\b")


def plain_words(title: str) -> str:
    """A title as plain words for a ``title.search`` filter (module docstring)."""
    text = title.replace(",", " ").replace("|", " ").replace('"', " ")
    return " ".join(_BOOLEAN_WORD.sub(lambda m: m.group(1).lower(), text).split())


def phrase_queries(titles: list[str], limit: int) -> list[str]:
    """``"A" OR "B" ...`` queries covering every distinct title, each at most
    ``limit`` characters URL-encoded and :data:`TITLES_PER_QUERY` phrases."""
    queries: list[str] = []
    current: list[str] = []
    # a title of one or two words ("TVM") matches hundreds of titles and would
    # crowd the others out of the one page read: it is left to ``search``
    for phrase in dict.fromkeys(f'"{w}"' for t in titles if len((w := plain_words(t)).split()) >= 3):
        candidate = " OR ".join([*current, phrase])
        if current and (len(quote_plus(candidate)) > limit or len(current) >= TITLES_PER_QUERY):
            queries.append(" OR ".join(current))
            current = []
        current.append(phrase)
    if current:
        queries.append(" OR ".join(current))
    return queries


def _short_id(url: str | None) -> str | None:
    return url.rstrip("/").rsplit("/", 1)[-1] if url else None


def _query_doi(ids: Ids) -> str | None:
    """The DOI to ask OpenAlex for: the work's DOI, else its arXiv DOI."""
    doi = ids.doi or (f"{ARXIV_DOI_PREFIX}{ids.arxiv}" if ids.arxiv else None)
    if doi is None or "|" in doi or "," in doi:
        return None
    return doi.lower()


def _query_dois(ids: Ids) -> list[str]:
    """Every DOI a work may be known by in OpenAlex: :func:`_query_doi`, then ``other_dois``."""
    first = _query_doi(ids)
    rest = [d.lower() for d in ids.other_dois or () if "|" not in d and "," not in d]
    return list(dict.fromkeys([*([first] if first else []), *rest]))


def _work_keys(work: dict[str, Any]) -> list[str]:
    """Every identifier of a Work object an answer can be mapped back by: its
    DOI, the DOIs of its ``locations`` (a reprint OpenAlex merged into the
    paper has a location of its own), and its W-id, upper-case.
    https://docs.openalex.org/api-entities/works/work-object#locations"""
    urls = [work.get("doi")]
    locations = work.get("locations")
    if isinstance(locations, list):
        urls += [loc.get("landing_page_url") for loc in locations if isinstance(loc, dict)]
    keys = [d for u in urls if isinstance(u, str) and (d := normalize_doi(u))]
    wid = work.get("id")
    if isinstance(wid, str) and wid:
        keys.append(wid.rsplit("/", 1)[-1].upper())
    return keys


class OpenAlexSource(Source):
    name = "openalex"
    takes = ("doi",)
    batch_size = 100  # values ORed in one filter (documented limit)
    per_page = 200  # results per page (documented limit)

    def _get(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.settings.mailto:
            params["mailto"] = self.settings.mailto
        resp = self.http.request(self.name, "GET", f"{self.base_url}/works", params=params, expect="json",
                                 validate=json_field("results"))
        if resp.status_code != 200:
            raise SourceUnavailable(self.name, f"HTTP {resp.status_code} for /works")
        data = resp.json()
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise SourceUnavailable(self.name, "answer has no 'results' list")
        results: list[dict[str, Any]] = data["results"]
        return results

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        """Look up works by DOI (or arXiv DOI), 50 per request.  Every DOI of
        a work is asked (``doi`` and ``other_dois``: OpenAlex keeps one DOI
        per work, perhaps the newsletter reprint's), and each answer is mapped
        back by any of the work's identifiers (its DOIs, then its W-id) met
        among the answer's (:func:`_work_keys`)."""
        dois = sorted({d for i in ids for d in _query_dois(i)})
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(dois), self.batch_size):
            batch = dois[start : start + self.batch_size]
            params = {"filter": "doi:" + "|".join(batch), "per-page": self.per_page}
            for work in self._get(params):
                for key in _work_keys(work):
                    found.setdefault(key, work)
        out: list[SourceRecord | None] = []
        for i in ids:
            known = [*_query_dois(i), *([i.openalex.upper()] if i.openalex else [])]
            hit = next((k for k in known if k in found), None)
            out.append(self.map_record(found[hit]) if hit is not None else None)
        return out

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Title search (``title.search`` filter), OpenAlex's relevance order."""
        query = plain_words(title)
        if not query:
            return []
        params = {"filter": f"title.search:{query}", "per-page": limit}
        return [self.map_record(w) for w in self._get(params)[:limit]]

    def search_titles(self, titles: list[str]) -> list[SourceRecord]:
        """Every work any of ``titles`` finds as a phrase (see the module
        docstring), each once, unassigned."""
        found: dict[str, SourceRecord] = {}
        base = len(f"{self.base_url}/works?filter=title.search%3A&per-page={self.per_page}&mailto=") + 80
        for query in phrase_queries(titles, MAX_URL - base):
            params = {"filter": f"title.search:{query}", "per-page": self.per_page}
            for work in self._get(params):
                rec = self.map_record(work)
                found.setdefault(rec.ids.openalex or f"#{len(found)}", rec)
        return list(found.values())

    @staticmethod
    def map_record(obj: dict[str, Any]) -> SourceRecord:
        """An OpenAlex Work object -> :class:`SourceRecord`
        (fields: https://docs.openalex.org/api-entities/works/work-object).

        venue_type: the primary source's type (journal / conference /
        repository -> preprint), else ``preprint`` when the work type is
        "preprint", else None.
        """
        location = obj.get("primary_location") or {}
        source = location.get("source") or {}
        doi = normalize_doi(obj.get("doi") or "")
        arxiv = None
        if doi and doi.startswith(ARXIV_DOI_PREFIX):
            arxiv = normalize_arxiv(doi.removeprefix(ARXIV_DOI_PREFIX))
        authors = []
        for authorship in obj.get("authorships") or []:
            author = authorship.get("author") or {}
            name = author.get("display_name") or authorship.get("raw_author_name")
            if name and name.strip():
                authors.append(split_name(name, orcid=_short_id(author.get("orcid"))))
        biblio = obj.get("biblio") or {}
        first, last = biblio.get("first_page"), biblio.get("last_page")
        pages = f"{first}-{last}" if first and last and first != last else (first or None)
        venue_type = SOURCE_TYPE_TO_VENUE.get(source.get("type") or "")
        if venue_type is None and obj.get("type") == "preprint":
            venue_type = VENUE_PREPRINT
        best_oa = obj.get("best_oa_location") or {}
        date = obj.get("publication_date")
        return SourceRecord(
            source="openalex",
            ids=Ids(
                doi=doi,
                arxiv=arxiv[0] if arxiv else None,
                openalex=_short_id(obj.get("id")),
            ),
            title=squash(obj.get("display_name") or obj.get("title")),
            authors=authors,
            year=obj.get("publication_year"),
            publication_date=date if isinstance(date, str) and len(date) >= 7 else None,
            venue=source.get("display_name") or None,
            venue_type=venue_type,
            abstract=abstract_from_inverted_index(obj.get("abstract_inverted_index")),
            citation_count=obj.get("cited_by_count"),
            pages=pages,
            volume=biblio.get("volume") or None,
            issue=biblio.get("issue") or None,
            publisher=source.get("host_organization_name") or None,
            pdf_url=location.get("pdf_url") or best_oa.get("pdf_url") or None,
            url=location.get("landing_page_url") or (f"https://doi.org/{doi}" if doi else None),
            raw_type=obj.get("type") or None,
        )
