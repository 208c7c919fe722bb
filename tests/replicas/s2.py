"""Semantic Scholar Graph API replica (https://api.semanticscholar.org/api-docs/graph):
``POST /graph/v1/paper/batch``, ``GET /graph/v1/paper/search/match``, ``/paper/search``,
``/paper/search/bulk`` (query syntax and token paging: :mod:`tests.replicas.s2_bulk`),
``/paper/{id}``."""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.replicas import s2_bulk
from tests.replicas.app import SourceApp, json_response
from tests.replicas.world import (
    MATCH_CUTOFF,
    SEARCH_CUTOFF,
    Work,
    sha1_hex,
)

# -------------------------------------------------------------- Semantic Scholar

S2_FIELDS = {
    "paperId", "corpusId", "externalIds", "url", "title", "abstract", "venue", "publicationVenue",
    "year", "referenceCount", "citationCount", "influentialCitationCount", "isOpenAccess",
    "openAccessPdf", "fieldsOfStudy", "s2FieldsOfStudy", "publicationTypes", "publicationDate",
    "journal", "authors", "citationStyles",
}


def s2_paper(w: Work, fields: list[str]) -> dict[str, Any]:
    """``w`` as a Graph API paper object with ``paperId`` plus the requested fields
    (shape of the recorded ``paper/batch`` answers)."""
    ext: dict[str, Any] = {}
    if w.dblp_key:
        ext["DBLP"] = w.dblp_key
    if w.arxiv:
        ext["ArXiv"] = w.arxiv
    if w.doi:
        ext["DOI"] = w.doi
    ext["CorpusId"] = w.corpus_id
    if w.venue_type == "preprint":
        venue_name = "arXiv.org"
        pub_venue = {"id": "1901e811-ee72-4b20-8f7e-de08cd395a10", "name": "arXiv.org",
                     "alternate_names": ["ArXiv"], "issn": "2331-8422", "url": "https://arxiv.org"}
        journal = {"name": "ArXiv", "volume": f"abs/{w.arxiv}"}
        types = None
    else:
        venue_name = w.container or w.venue
        vid = sha1_hex(w.venue)
        pub_venue = {"id": f"{vid[:8]}-{vid[8:12]}-{vid[12:16]}-{vid[16:20]}-{vid[20:32]}",
                     "name": venue_name, "type": w.venue_type, "alternate_names": [w.venue]}
        journal = {"name": venue_name}
        if w.volume:
            journal["volume"] = w.volume
        if w.pages:
            journal["pages"] = w.pages
        types = ["JournalArticle"] if w.venue_type == "journal" else ["JournalArticle", "Conference"]
    full = {
        "paperId": w.s2_id,
        "externalIds": ext,
        "corpusId": w.corpus_id,
        "publicationVenue": pub_venue,
        "url": f"https://www.semanticscholar.org/paper/{w.s2_id}",
        "title": w.title,
        "abstract": w.abstract,
        "venue": venue_name,
        "year": w.year,
        "referenceCount": 20 + w.corpus_id % 40,
        "citationCount": w.citations,
        "influentialCitationCount": w.influential,
        "isOpenAccess": bool(w.arxiv),
        "openAccessPdf": {"url": f"https://arxiv.org/pdf/{w.arxiv}", "status": "GREEN"} if w.arxiv else None,
        "fieldsOfStudy": ["Computer Science"],
        "s2FieldsOfStudy": [{"category": "Computer Science", "source": "external"},
                            {"category": "Computer Science", "source": "s2-fos-model"}],
        "publicationTypes": types,
        "publicationDate": w.date,
        "journal": journal,
        "citationStyles": {
            "bibtex": f"@Article{{S2{w.corpus_id},\n title = {{{w.title}}},\n year = {{{w.year}}}\n}}\n"},
        "authors": [{"authorId": str(int(sha1_hex(n)[:7], 16)), "name": n} for n in w.names()],
    }
    out = {"paperId": w.s2_id}
    for f in fields:
        out[f] = full[f]
    return out


class S2App(SourceApp):
    name = "s2"
    MAX_BATCH = 500
    _bulk: tuple[list[Work], s2_bulk.BulkIndex] | None = None

    def _fields(self, request: Request) -> list[str] | Response:
        raw = request.args.get("fields", "")
        fields = [f.split(".")[0] for f in raw.split(",") if f]
        bad = sorted({f for f in fields if f not in S2_FIELDS})
        if bad:
            return json_response({"error": f"Unrecognized or unsupported fields: [{', '.join(bad)}]"}, 400)
        return list(dict.fromkeys(f for f in fields if f != "paperId"))

    def bulk(self, request: Request, fields: list[str]) -> Response:
        """``/paper/search/bulk`` (query syntax and token paging: tests/replicas/s2_bulk.py)."""
        if self._bulk is None:
            known = [w for w in self.world.works if w.knows("s2")]
            self._bulk = (known, s2_bulk.BulkIndex(
                [f"{w.title} {w.abstract or ''}" for w in known], key=lambda i: known[i].s2_id))
        known, index = self._bulk
        try:
            found, total, token = index.page(request.args.get("query", ""), request.args.get("token"))
        except s2_bulk.QueryError as e:
            return json_response({"error": str(e)}, 400)
        return json_response({"total": total, "token": token, "data": [s2_paper(known[i], fields) for i in found]})

    def resolve(self, pid: str) -> Work | None:
        pid = pid.strip()
        prefix, _, rest = pid.partition(":")
        p = prefix.upper()
        if rest and p == "DOI":
            return self.world.by_doi.get(rest.lower())
        if rest and p == "ARXIV":
            return self.world.by_arxiv.get(re.sub(r"v\d+$", "", rest.lower()))
        if rest and p == "CORPUSID":
            return self.world.by_corpus.get(int(rest)) if rest.isdigit() else None
        if rest and p == "DBLP":
            return self.world.by_dblp.get(rest)
        if re.fullmatch(r"[0-9a-f]{40}", pid):
            return self.world.by_s2.get(pid)
        if pid.startswith("10."):
            return self.world.by_doi.get(pid.lower())
        return None

    def answer(self, request: Request) -> Response:
        path = request.path
        fields = self._fields(request)
        if isinstance(fields, Response):
            return fields
        known = lambda w: w if w is not None and w.knows("s2") else None  # noqa: E731
        if path == "/graph/v1/paper/batch":
            if request.method != "POST":
                return json_response({"error": "Method not allowed"}, 405)
            try:
                ids = json.loads(request.get_data() or b"null")["ids"]
                assert isinstance(ids, list)
            except Exception:
                return json_response({"error": "Unacceptable request body: expected {\"ids\": [...]}"}, 400)
            if len(ids) > self.MAX_BATCH:
                return json_response({"error": f"Cannot process more than {self.MAX_BATCH} ids"}, 400)
            out = []
            for pid in ids:
                w = known(self.resolve(str(pid)))
                out.append(s2_paper(w, fields) if w else None)
            return json_response(out)
        if path == "/graph/v1/paper/search/match":
            query = request.args.get("query", "")
            hits = self.world.fuzzy(query, "s2", limit=1, cutoff=MATCH_CUTOFF)
            if not hits:
                return json_response({"error": "Title match not found"}, 404)
            w, score = hits[0]
            return json_response({"data": [{**s2_paper(w, fields), "matchScore": round(score * 1.1, 5)}]})
        if path == "/graph/v1/paper/search/bulk":
            return self.bulk(request, fields)
        if path == "/graph/v1/paper/search":
            query = request.args.get("query", "")
            offset = int(request.args.get("offset", 0))
            limit = int(request.args.get("limit", 100))
            hits = self.world.fuzzy(query, "s2", limit=offset + limit, cutoff=SEARCH_CUTOFF)
            page = [s2_paper(w, fields) for w, _ in hits[offset:]]
            body: dict[str, Any] = {"total": len(hits), "offset": offset}
            if offset + limit < len(hits):
                body["next"] = offset + limit
            body["data"] = page
            return json_response(body)
        if path.startswith("/graph/v1/paper/") and request.method == "GET":
            pid = path[len("/graph/v1/paper/"):]
            w = known(self.resolve(pid))
            if w is None:
                return json_response({"error": f"Paper with id {pid} not found"}, 404)
            return json_response(s2_paper(w, fields))
        return json_response({"message": "Not Found"}, 404)


