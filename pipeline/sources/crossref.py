"""Crossref REST API adapter (https://api.crossref.org/swagger-ui/index.html).

Docs: https://github.com/CrossRef/rest-api-doc/blob/master/rest_api.md and
https://www.crossref.org/documentation/retrieve-metadata/rest-api/.

* ``lookup``: DOIs in batches of ``batch_size`` (50) through
  ``GET /works?filter=doi:A,doi:B,...&rows=N`` -- "specifying the same filter
  multiple times will result in OR semantics" (rest_api.md, Multiple filters).
  A batch of one DOI, a DOI containing a comma (it would split the filter),
  every DOI of a batch answered 400 or 404 (a server without the filter),
  and any DOI a batch answer left out use ``GET /works/{doi}`` instead, where
  404 with the text body ``Resource not found.`` means unknown -> ``None``.
  Request count: ``ceil(n / 50)`` for n Crossref DOIs, plus one per DOI
  Crossref does not know.  arXiv DOIs
  (``10.48550/...``) are registered with DataCite, not Crossref: not asked.
* ``search``: ``GET /works?query.bibliographic=<title>&rows=5&select=...``.
* Limits relied on: ``rows`` at most 1,000 per answer (rest_api.md, "Rows");
  the number of ``doi:`` filters in one request is not documented, 50 keeps
  the URL near 2 KB; request rates are those of
  https://www.crossref.org/documentation/retrieve-metadata/rest-api/ ,
  paced by the HTTP layer (``pipeline.http.PACING``).
* ``mailto`` (settings.mailto) is sent as a query parameter on every request
  (Crossref's "polite pool"); the HTTP layer keeps it out of cache and logs.

``is-referenced-by-count`` is *not* mapped to ``citation_count``: citation
counts come from Semantic Scholar (OpenAlex gives the second opinion).
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

import requests

from ..errors import SourceUnavailable
from ..http import json_field
from ..identifiers import normalize_doi
from ..models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Ids, Person, SourceRecord
from .base import Source

TYPE_TO_VENUE = {
    "proceedings-article": VENUE_CONFERENCE,
    "journal-article": VENUE_JOURNAL,
    "posted-content": VENUE_PREPRINT,
}
# Which date a work's year comes from, first non-null wins.  ``issued`` is
# Crossref's own "earliest of published-print and published-online"
# (https://github.com/CrossRef/rest-api-doc/blob/master/api_format.md).
DATE_FIELDS = ("issued", "published", "published-print", "published-online")
SELECT = (
    "DOI,title,author,container-title,short-container-title,event,type,issued,published,"
    "published-print,published-online,page,volume,issue,publisher,abstract,URL"
)
# a 200 is used (and cached) only with a 'message' object (pipeline.http: validate)
HAS_MESSAGE = json_field("message", kind=dict)
DATACITE_PREFIXES = ("10.48550/",)  # arXiv
_LEADING_HEADING = re.compile(
    r"^\s*<(?:jats:)?title\b[^>]*>\s*(?:abstract|summary)\s*</(?:jats:)?title>", re.IGNORECASE
)
# Block elements separate words; inline ones (<scp>, <i>, <sup>...) do not:
# "<scp>T</scp>reebase" is "Treebase".
_BLOCK_TAG = re.compile(
    r"</?(?:jats:)?(?:p|title|sec|list|list-item|br|div|abstract|label|caption|table|tr|td)\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")  # a tag, not "p < 0.05 >"


def strip_markup(text: str | None, *, drop_heading: bool = False) -> str | None:
    """JATS/HTML fragment -> plain text: block tags become spaces, inline tags
    vanish, entities are decoded, whitespace collapsed.  ``drop_heading``
    removes a leading "Abstract"/"Summary" ``<jats:title>``, which Crossref
    abstracts often start with (JATS: https://jats.nlm.nih.gov/)."""
    if not text:
        return None
    if drop_heading:
        text = _LEADING_HEADING.sub(" ", text)
    plain = " ".join(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", text))).split())
    return plain or None


def _first(values: Any) -> str | None:
    if isinstance(values, list):
        values = next((v for v in values if isinstance(v, str) and v.strip()), None)
    return values.strip() if isinstance(values, str) and values.strip() else None


def _date(message: dict[str, Any]) -> tuple[int | None, str | None]:
    """(year, "YYYY-MM-DD" / "YYYY-MM" / None) from the first usable date."""
    for name in DATE_FIELDS:
        parts = ((message.get(name) or {}).get("date-parts") or [[None]])[0] or [None]
        if parts[0] is None:
            continue
        nums = [int(p) for p in parts[:3] if p is not None]
        year = nums[0]
        date = "-".join([f"{year:04d}", *(f"{n:02d}" for n in nums[1:])]) if len(nums) > 1 else None
        return year, date
    return None, None


def _person(author: dict[str, Any]) -> Person | None:
    orcid = author.get("ORCID")
    if orcid:
        orcid = orcid.rstrip("/").rsplit("/", 1)[-1]
    given, family = (author.get("given") or "").strip(), (author.get("family") or "").strip()
    if family or given:
        name = " ".join(p for p in (given, family) if p)
        return Person(name=name, given=given or None, family=family or None, orcid=orcid or None)
    if author.get("name"):  # an organisation as author
        return Person(name=" ".join(author["name"].split()), orcid=orcid or None)
    return None


class CrossrefSource(Source):
    name = "crossref"
    takes = ("doi",)
    batch_size = 50

    def _params(self, **params: Any) -> dict[str, Any]:
        if self.settings.mailto:
            params["mailto"] = self.settings.mailto
        return params

    def _get_one(self, doi: str) -> dict[str, Any] | None:
        """``GET /works/{doi}``: the message, or None for 404 (unknown DOI)."""
        url = f"{self.base_url}/works/{quote(doi, safe='/();:')}"
        resp = self.http.request(self.name, "GET", url, params=self._params(), expect="json", validate=HAS_MESSAGE)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise SourceUnavailable(self.name, f"HTTP {resp.status_code} for /works/{doi}")
        message: dict[str, Any] = self._json(resp)["message"]
        return message

    def _json(self, resp: requests.Response) -> dict[str, Any]:
        try:
            data = resp.json()
        except ValueError:
            raise SourceUnavailable(self.name, "answer is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("message"), dict):
            raise SourceUnavailable(self.name, "answer has no 'message' object")
        return data

    def _get_batch(self, dois: list[str]) -> dict[str, dict[str, Any]] | None:
        """``GET /works?filter=doi:..`` -> {doi: message}; None on HTTP 400/404."""
        params = self._params(filter=",".join(f"doi:{d}" for d in dois), rows=len(dois))
        resp = self.http.request(
            self.name, "GET", f"{self.base_url}/works", params=params, expect="json", validate=HAS_MESSAGE
        )
        if resp.status_code in (400, 404):  # filter not understood: ask one by one
            return None
        if resp.status_code != 200:
            raise SourceUnavailable(self.name, f"HTTP {resp.status_code} for a DOI filter batch")
        items = self._json(resp)["message"].get("items") or []
        return {(it.get("DOI") or "").lower(): it for it in items if it.get("DOI")}

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        """Look up works by DOI (see module docstring for the requests made)."""
        dois = sorted({i.doi.lower() for i in ids if i.doi and not i.doi.startswith(DATACITE_PREFIXES)})
        batchable = [d for d in dois if "," not in d]
        single = [d for d in dois if "," in d]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(batchable), self.batch_size):
            batch = batchable[start : start + self.batch_size]
            got = self._get_batch(batch) if len(batch) > 1 else None
            if got is None:
                single.extend(batch)
            else:
                found.update(got)
                # a DOI the filter did not return is asked on its own: usually
                # it is unknown (one 404), but a missing item must not lose data
                single.extend(d for d in batch if d not in got)
        for doi in single:
            message = self._get_one(doi)
            if message is not None:
                found[doi] = message
        out: list[SourceRecord | None] = []
        for i in ids:  # mapped back by any of the work's DOIs (the asked one first)
            known = [d.lower() for d in (i.doi, *(i.other_dois or ())) if d]
            key = next((d for d in known if d in found), None)
            out.append(self.map_record(found[key]) if key is not None else None)
        return out

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Bibliographic search for a title; Crossref's relevance order."""
        query = " ".join(title.split())
        if not query:
            return []
        params = self._params(**{"query.bibliographic": query, "rows": limit, "select": SELECT})
        resp = self.http.request(
            self.name, "GET", f"{self.base_url}/works", params=params, expect="json", validate=HAS_MESSAGE
        )
        if resp.status_code != 200:
            raise SourceUnavailable(self.name, f"HTTP {resp.status_code} for a search")
        items = self._json(resp)["message"].get("items") or []
        return [self.map_record(it) for it in items[:limit]]

    @staticmethod
    def map_record(obj: dict[str, Any]) -> SourceRecord:
        """A Crossref work ``message`` -> :class:`SourceRecord`.

        Fields: https://github.com/CrossRef/rest-api-doc/blob/master/api_format.md
        Venue: the longest ``container-title`` (full name rather than an
        abbreviation), else ``event.name``, else ``short-container-title``.
        """
        containers = [c.strip() for c in obj.get("container-title") or [] if c and c.strip()]
        venue = max(containers, key=len) if containers else None
        venue = venue or _first((obj.get("event") or {}).get("name")) or _first(obj.get("short-container-title"))
        year, date = _date(obj)
        doi = normalize_doi(obj.get("DOI") or "")
        authors = [p for p in (_person(a) for a in obj.get("author") or []) if p is not None]
        return SourceRecord(
            source="crossref",
            ids=Ids(doi=doi),
            title=strip_markup(_first(obj.get("title"))),
            authors=authors,
            year=year,
            publication_date=date,
            venue=strip_markup(venue),
            venue_type=TYPE_TO_VENUE.get(obj.get("type") or ""),
            abstract=strip_markup(obj.get("abstract"), drop_heading=True),
            pages=_first(obj.get("page")),
            volume=_first(obj.get("volume")),
            issue=_first(obj.get("issue")),
            publisher=_first(obj.get("publisher")),
            url=f"https://doi.org/{doi}" if doi else None,
            raw_type=obj.get("type") or None,
            event=strip_markup(_first((obj.get("event") or {}).get("name"))),
            location=strip_markup(_first((obj.get("event") or {}).get("location"))),
            isbn=_first(obj.get("ISBN")),
            issn=_first(obj.get("ISSN")),
        )
