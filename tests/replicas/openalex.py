"""OpenAlex works replica (https://docs.openalex.org/api-entities/works):
``GET /works?filter=doi:a|b``, ``filter=title.search:..``, ``search=..``, ``GET /works/{id}``."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.replicas.app import SourceApp, json_response
from tests.replicas.world import (
    SEARCH_CUTOFF,
    Work,
    list_url,
    normalize_title,
    orcid_from,
    sha1_hex,
)

# --------------------------------------------------------------------- OpenAlex


def openalex_work(w: Work) -> dict[str, Any]:
    """``w`` as an OpenAlex Work object (https://docs.openalex.org/api-entities/works/work-object).

    Like the real service, an arXiv-only work gets its DataCite DOI (10.48550/arxiv.<id>)."""
    doi = w.doi.lower() if w.doi else (f"10.48550/arxiv.{w.arxiv}" if w.arxiv else None)
    oa_url = f"https://openalex.org/{w.openalex_id}"
    src_type = {"conference": "conference", "journal": "journal"}.get(w.venue_type, "repository")
    src_name = "arXiv (Cornell University)" if w.venue_type == "preprint" else (w.container or w.venue)
    first, _, last = (w.pages or "").partition("-")
    index: dict[str, list[int]] | None = None
    if w.abstract:
        index = {}
        for pos, word in enumerate(w.abstract.split()):
            index.setdefault(word, []).append(pos)
    primary = {
        "is_oa": bool(w.arxiv),
        "landing_page_url": f"https://doi.org/{doi}" if doi else list_url(w),
        "pdf_url": f"https://arxiv.org/pdf/{w.arxiv}" if w.arxiv else None,
        "source": {
            "id": f"https://openalex.org/S{int(sha1_hex(src_name)[:8], 16)}",
            "display_name": src_name, "issn_l": None, "issn": None, "is_oa": w.venue_type == "preprint",
            "is_in_doaj": False, "host_organization": None, "host_organization_name": w.publisher,
            "type": src_type,
        },
        "license": None, "version": "publishedVersion", "is_accepted": True, "is_published": True,
    }
    locations = [primary]
    if w.reprint_doi:  # one work, two locations: OpenAlex merges a reprint into the paper
        reprint = w.reprint_container or "ACM SIGPLAN Notices"
        locations.append({**primary, "landing_page_url": f"https://doi.org/{w.reprint_doi.lower()}", "source": {
            **primary["source"], "id": f"https://openalex.org/S{int(sha1_hex(reprint)[:8], 16)}",
            "display_name": reprint, "type": "journal"}})
    return {
        "id": oa_url,
        "doi": f"https://doi.org/{doi}" if doi else None,
        "title": w.title,
        "display_name": w.title,
        "publication_year": w.year,
        "publication_date": w.date,
        "ids": {"openalex": oa_url, **({"doi": f"https://doi.org/{doi}"} if doi else {})},
        "language": "en",
        "primary_location": primary,
        # the real service always lists locations (see the recordings in
        # /work/shared/real-responses/openalex); the replica only for a work with a reprint
        **({"locations_count": len(locations), "locations": locations} if len(locations) > 1 else {}),
        "type": "preprint" if w.venue_type == "preprint" else "article",
        "type_crossref": {"conference": "proceedings-article", "journal": "journal-article"}.get(
            w.venue_type, "posted-content"),
        "open_access": {"is_oa": bool(w.arxiv), "oa_status": "green" if w.arxiv else "closed",
                        "oa_url": f"https://arxiv.org/pdf/{w.arxiv}" if w.arxiv else None,
                        "any_repository_has_fulltext": bool(w.arxiv)},
        "authorships": [
            {
                "author_position": "first" if k == 0 else ("last" if k == len(w.authors) - 1 else "middle"),
                "author": {"id": f"https://openalex.org/A{int(sha1_hex(n)[:9], 16) % 10**10}", "display_name": n,
                           "orcid": (f"https://orcid.org/{orcid_from(''.join(w.authors[k]))}"
                                     if k == 0 and int(w.s2_id[-1], 16) % 2 == 0 else None)},
                "institutions": [], "countries": [], "is_corresponding": k == 0,
                "raw_author_name": n, "raw_affiliation_strings": [],
            }
            for k, n in enumerate(w.names())
        ],
        "cited_by_count": w.citations,
        "biblio": {"volume": w.volume, "issue": w.issue, "first_page": first or None, "last_page": last or None},
        "is_retracted": False,
        "is_paratext": False,
        "abstract_inverted_index": index,
        "referenced_works_count": 20 + w.corpus_id % 40,
        "updated_date": "2026-06-01T00:00:00.000000",
        "created_date": "2020-01-01",
    }


class OpenAlexApp(SourceApp):
    name = "openalex"

    def _doi_work(self, value: str) -> Work | None:
        v = value.strip().lower()
        v = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", v)
        w = self.world.by_doi.get(v)
        if w is None and v.startswith("10.48550/arxiv."):
            w = self.world.by_arxiv.get(v[len("10.48550/arxiv."):])
        return w

    def _select(self, request: Request, obj: dict) -> dict:
        select = request.args.get("select")
        return {k: obj[k] for k in select.split(",") if k in obj} if select else obj

    def _error(self, message: str) -> Response:
        return json_response({"error": "Invalid query parameters error.", "message": message}, 400)

    def answer(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/works/"):
            key = path[len("/works/"):]
            w = self.world.by_openalex.get(key.upper().replace("HTTPS://OPENALEX.ORG/", ""))
            if w is None:
                w = self._doi_work(key)
            if w is None or not w.knows("openalex"):
                return json_response({"error": "Not Found", "message": f"Work {key} not found"}, 404)
            return json_response(self._select(request, openalex_work(w)))
        if path not in ("/works", "/works/"):
            return json_response({"error": "Not Found"}, 404)
        per_page = int(request.args.get("per-page", request.args.get("per_page", 25)))
        if not 1 <= per_page <= 200:
            return self._error("per-page must be between 1 and 200")
        page = int(request.args.get("page", 1))
        works: list[Work] = []
        search = request.args.get("search")
        flt = request.args.get("filter")
        if flt:
            for part in flt.split(","):
                key, _, value = part.partition(":")
                if key == "doi":
                    for v in value.split("|"):
                        w = self._doi_work(v)
                        if w is not None and w.knows("openalex") and w not in works:
                            works.append(w)
                elif key in ("title.search", "display_name.search", "default.search"):
                    search = value
                elif key in ("openalex", "ids.openalex"):
                    for v in value.split("|"):
                        w = self.world.by_openalex.get(v.upper().replace("HTTPS://OPENALEX.ORG/", ""))
                        if w is not None and w.knows("openalex"):
                            works.append(w)
                else:
                    return self._error(f"{key} is not a valid field")
        # boolean search (https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/search-entities):
        # "phrase" OR "phrase" -> the works whose title holds any phrase; else ranked words
        if search and (" OR " in search or search.startswith('"')):
            phrases = [normalize_title(p) for p in search.split(" OR ")]
            works += [w for w in self.world.works if w.knows("openalex") and w not in works
                      and any(p and f" {p} " in f" {normalize_title(w.title)} " for p in phrases)]
        elif search:
            works += [w for w, _ in self.world.fuzzy(search, "openalex", limit=200, cutoff=SEARCH_CUTOFF)
                      if w not in works]
        chunk = works[(page - 1) * per_page : page * per_page]
        return json_response({
            "meta": {"count": len(works), "db_response_time_ms": 12, "page": page, "per_page": per_page,
                     "groups_count": None},
            "results": [self._select(request, openalex_work(w)) for w in chunk],
            "group_by": [],
        })


