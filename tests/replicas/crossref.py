"""Crossref REST API replica (https://api.crossref.org/swagger-ui/index.html):
``GET /works/{doi}``, ``GET /works?filter=doi:..``, ``GET /works?query.bibliographic=..``."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from tests.replicas.app import SourceApp, json_response
from tests.replicas.world import (
    Work,
    list_url,
    orcid_from,
)

# --------------------------------------------------------------------- Crossref


def crossref_record(w: Work, doi: str, score: float = 1.0) -> dict[str, Any]:
    """Crossref's record for ``doi``: ``w``'s own, or its reprint's (its own DOI, a journal
    article in the newsletter, no event)."""
    if not w.reprint_doi or doi.lower() != w.reprint_doi.lower():
        return crossref_work(w, score)
    msg = crossref_work(w, score)
    msg.pop("event", None)
    msg.update({"DOI": w.reprint_doi, "URL": f"https://doi.org/{w.reprint_doi}", "type": "journal-article",
                "container-title": [w.reprint_container or "ACM SIGPLAN Notices"], "short-container-title": []})
    return msg


def crossref_work(w: Work, score: float = 1.0) -> dict[str, Any]:
    """``w`` as a Crossref ``message`` (the shape of the recorded works/{doi} answers)."""
    y, m, d = (int(x) for x in w.date.split("-"))
    authors = []
    for k, (given, family) in enumerate(w.authors):
        a: dict[str, Any] = {"given": given, "family": family,
                             "sequence": "first" if k == 0 else "additional", "affiliation": []}
        if k == 0 and int(w.s2_id[-1], 16) % 2 == 0:
            a["ORCID"] = f"https://orcid.org/{orcid_from(given + family)}"
            a["authenticated-orcid"] = False
        authors.append(a)
    container = w.container or w.venue
    msg: dict[str, Any] = {
        "indexed": {"date-parts": [[2026, 6, 1]], "date-time": "2026-06-01T00:00:00Z", "timestamp": 1780272000000},
        "reference-count": 20 + w.corpus_id % 40,
        "publisher": w.publisher or "Synthetic Publisher",
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [w.venue] if w.venue_type == "journal" else [],
        "DOI": w.doi,
        "type": {"conference": "proceedings-article", "journal": "journal-article"}.get(w.venue_type, "posted-content"),
        "created": {"date-parts": [[y, m, d]], "date-time": f"{w.date}T00:00:00Z", "timestamp": 0},
        "source": "Crossref",
        "is-referenced-by-count": w.citations,
        "title": [w.title],
        "prefix": w.doi.split("/")[0] if w.doi else None,
        "author": authors,
        "member": "320",
        "container-title": [container],
        "original-title": [],
        "link": [],
        "deposited": {"date-parts": [[y, m, d]], "date-time": f"{w.date}T00:00:00Z", "timestamp": 0},
        "score": score,
        "resource": {"primary": {"URL": list_url(w)}},
        "subtitle": [],
        "short-title": [],
        "issued": {"date-parts": [[y, m, d]]},
        "published": {"date-parts": [[y, m, d]]},
        "references-count": 20 + w.corpus_id % 40,
        "URL": f"https://doi.org/{w.doi}",
        "relation": {},
        "subject": [],
    }
    if w.pages:
        msg["page"] = w.pages
    if w.volume:
        msg["volume"] = w.volume
    if w.issue:
        msg["issue"] = w.issue
    if w.abstract:
        msg["abstract"] = f"<jats:p>{escape(w.abstract)}</jats:p>"
    if w.venue_type == "conference":
        yy = f"{w.year % 100:02d}"
        msg["event"] = {"name": f"{w.venue} '{yy}: {container}", "acronym": f"{w.venue} '{yy}"}
    return msg


class CrossrefApp(SourceApp):
    name = "crossref"

    def _select(self, request: Request, msg: dict[str, Any]) -> dict[str, Any]:
        """``select=DOI,title,..`` keeps only those fields, as Crossref does."""
        select = request.args.get("select")
        return {k: v for k, v in msg.items() if k in select.split(",")} if select else msg

    def _list(self, items: list[dict], rows: int, terms: str | None) -> Response:
        return json_response({
            "status": "ok", "message-type": "work-list", "message-version": "1.0.0",
            "message": {"facets": {}, "total-results": len(items), "items": items[:rows],
                        "items-per-page": rows, "query": {"start-index": 0, "search-terms": terms}},
        })

    def answer(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/works/"):
            doi = path[len("/works/"):]
            w = self.world.by_doi.get(doi.lower())
            if w is None or not w.knows("crossref"):
                return Response("Resource not found.", 404, content_type="text/plain")
            return json_response({"status": "ok", "message-type": "work", "message-version": "1.0.0",
                          "message": crossref_record(w, doi)})
        if path in ("/works", "/works/"):
            rows = min(int(request.args.get("rows", 20)), 1000)
            flt = request.args.get("filter")
            if flt:
                items = []
                for part in flt.split(","):
                    key, _, value = part.partition(":")
                    if key != "doi":
                        return json_response({"status": "failed", "message-type": "validation-failure",
                                      "message": [{"type": "filter-not-available", "value": key,
                                                   "message": f"Filter {key} specified but there is no such filter"}]},
                                         400)
                    w = self.world.by_doi.get(value.strip().lower())
                    if w is not None and w.knows("crossref"):
                        items.append(self._select(request, crossref_record(w, value.strip())))
                return self._list(items, rows, None)
            query = (request.args.get("query.bibliographic") or request.args.get("query.title")
                     or request.args.get("query") or "")
            hits = self.world.fuzzy(query, "crossref", limit=rows, cutoff=30.0) if query else []
            items = [self._select(request, crossref_work(w, round(s, 3))) for w, s in hits]
            return self._list(items, rows, query or None)
        return Response("Resource not found.", 404, content_type="text/plain")


