"""Semantic Scholar Academic Graph API adapter.

API: https://api.semanticscholar.org/api-docs/graph
(``POST /graph/v1/paper/batch``, ``GET /graph/v1/paper/search/match``).

Requests are built by the official-ish client `semanticscholar
<https://semanticscholar.readthedocs.io/>`_ (0.12); its transport is replaced
by :class:`HttpRequester`, which sends through :class:`pipeline.http.Http`
(pacing, retries, cache, counts) and maps HTTP statuses to the client's
exceptions the way :class:`semanticscholar.ApiRequester.ApiRequester` does.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from semanticscholar import SemanticScholar
from semanticscholar.ApiRequester import ApiRequester
from semanticscholar.Paper import Paper
from semanticscholar.SemanticScholarException import (
    BadQueryParametersException,
    ObjectNotFoundException,
    SemanticScholarException,
)

from ..errors import SourceUnavailable
from ..models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Ids, Person, SourceRecord
from .base import Source


# https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/post_graph_get_papers
FIELDS = [
    "title", "abstract", "authors", "year", "venue", "publicationVenue", "externalIds",
    "citationCount", "influentialCitationCount", "referenceCount", "openAccessPdf",
    "publicationTypes", "publicationDate", "journal", "url",
]


def _error_message(resp) -> str:
    """The ``error``/``message`` of an S2 error body, else the raw text."""
    try:
        data = resp.json()
    except ValueError:
        return resp.text.strip() or f"HTTP {resp.status_code}"
    if isinstance(data, dict):
        return str(data.get("error") or data.get("message") or data)
    return str(data)


class HttpRequester(ApiRequester):
    """An :class:`ApiRequester` whose transport is our :class:`Http`.

    ``last_data`` keeps the last decoded answer: the client drops the
    ``null`` entries of a batch answer, the adapter needs them for alignment.
    """

    def __init__(self, http, api_key: str | None):
        super().__init__(timeout=30, retry=False)
        self.http = http
        self.api_key = api_key
        self.last_data: Any = None

    async def get_data_async(self, url: str, parameters: str, headers: dict, payload: dict = None):
        # The client hands over a raw query string ("&fields=a,b", "query=...&limit=100");
        # httpx would parse it the same way.
        params = parse_qsl(parameters.lstrip("&"), keep_blank_values=True)
        send_headers = dict(headers or {})
        if self.api_key:
            send_headers["x-api-key"] = self.api_key
        method = "POST" if payload else "GET"
        r = self.http.request("s2", method, url, params=params, json=payload, headers=send_headers, expect="json")
        # Same mapping as ApiRequester._get_data_async (semanticscholar 0.12).
        # 429/500/504 never get here: Http retries them, then raises SourceUnavailable.
        if r.status_code == 200:
            data = r.json()
            if isinstance(data, dict) and len(data) == 1 and "error" in data:
                data = {}
            self.last_data = data
            return data
        self.last_data = None
        if r.status_code == 400:
            raise BadQueryParametersException(_error_message(r))
        if r.status_code == 403:
            raise PermissionError("HTTP status 403 Forbidden.")
        if r.status_code == 404:
            raise ObjectNotFoundException(_error_message(r))
        raise SourceUnavailable("s2", f"HTTP {r.status_code}: {_error_message(r)}")


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


def _person(name: str) -> Person:
    """"Given Names Family" -> Person; the last token is the family name."""
    tokens = name.split()
    if len(tokens) == 1:
        return Person(name=name, given=None, family=tokens[0])
    return Person(name=name, given=" ".join(tokens[:-1]), family=tokens[-1])


def _text(value: Any, *, keep_lines: bool = False) -> str | None:
    """Collapse whitespace (only strip, with ``keep_lines``); '' and
    non-strings -> None."""
    if not isinstance(value, str):
        return None
    value = value.strip() if keep_lines else " ".join(value.split())
    return value or None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _is_arxiv_name(name: str | None) -> bool:
    return bool(name) and re.fullmatch(r"arxiv(\.org)?(\s*\(.*\))?", name.strip().lower()) is not None


def _venue_type(pv: dict, venue: str | None, types: list[str], ext: dict) -> str | None:
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
    if ext.get("ArXiv") and not venue and (not doi or doi.startswith("10.48550/")):
        return VENUE_PREPRINT
    return None


class S2Source(Source):
    """Semantic Scholar: batch look-up by DOI/arXiv/CorpusId/paperId, title match."""

    name = "s2"
    batch_size = 500

    def __init__(self, http, settings):
        super().__init__(http, settings)
        self.client = SemanticScholar(api_key=settings.s2_api_key, api_url=self.base_url, retry=False)
        self.requester = HttpRequester(http, settings.s2_api_key)
        # SemanticScholar is a sync wrapper around AsyncSemanticScholar, which
        # owns the requester used by every call.
        self.client._AsyncSemanticScholar._requester = self.requester

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        """One record (or None) per input, in order; POSTs of <= 500 ids."""
        keys = [s2_key(i) for i in ids]
        wanted = [(pos, key) for pos, key in enumerate(keys) if key is not None]
        out: list[SourceRecord | None] = [None] * len(ids)
        for start in range(0, len(wanted), self.batch_size):
            chunk = wanted[start:start + self.batch_size]
            data = self._batch([key for _, key in chunk])
            for (pos, _), item in zip(chunk, data):
                out[pos] = self.map_record(item) if item is not None else None
        return out

    def _batch(self, keys: list[str]) -> list[dict | None]:
        """The raw batch answer: a list aligned with ``keys``, null = unknown."""
        try:
            self.client.get_papers(keys, fields=FIELDS)
        except BadQueryParametersException as e:
            raise SourceUnavailable("s2", f"batch request rejected (HTTP 400): {e}") from None
        except PermissionError as e:
            raise SourceUnavailable("s2", f"{e} Is S2_API_KEY valid?") from None
        except (SemanticScholarException, ValueError, TypeError, KeyError, AttributeError) as e:
            raise SourceUnavailable("s2", f"unreadable batch answer: {e!r}") from None
        data = self.requester.last_data
        if not isinstance(data, list) or len(data) != len(keys):
            size = len(data) if isinstance(data, list) else type(data).__name__
            raise SourceUnavailable("s2", f"batch answer has {size} items for {len(keys)} ids")
        return data

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Best title match (``/paper/search/match``): ``[record]`` or ``[]``."""
        # The client pastes the query into a raw query string: '&', '+' and '%'
        # would be read as separators/escapes, so they become spaces.
        query = " ".join(re.sub(r"[&+%]", " ", title).split())
        if not query:
            return []
        try:
            paper = self.client.search_paper(query, match_title=True, fields=FIELDS)
        except ObjectNotFoundException:  # 404 "Title match not found"
            return []
        except IndexError:  # 200 with an empty data list
            return []
        except BadQueryParametersException as e:
            raise SourceUnavailable("s2", f"search rejected (HTTP 400): {e}") from None
        except PermissionError as e:
            raise SourceUnavailable("s2", f"{e} Is S2_API_KEY valid?") from None
        except (SemanticScholarException, ValueError, TypeError, KeyError, AttributeError) as e:
            raise SourceUnavailable("s2", f"unreadable search answer: {e!r}") from None
        return [self.map_record(paper)]

    @staticmethod
    def map_record(obj: Any) -> SourceRecord:
        """An S2 paper (JSON dict or :class:`semanticscholar.Paper.Paper`) -> SourceRecord.

        Field reference: https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data
        Missing and null fields stay None.
        """
        d: dict = obj.raw_data if isinstance(obj, Paper) else obj
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
        authors = [_person(n) for a in (d.get("authors") or []) if (n := _text((a or {}).get("name")))]
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
