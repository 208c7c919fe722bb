"""DBLP search API replica (https://dblp.org/faq/How+to+use+the+dblp+search+API.html):
``GET /search/publ/api?q=..&format=json``."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from tests.replicas.app import SourceApp, json_response
from tests.replicas.world import (
    Work,
    list_url,
    sha1_hex,
)

# ------------------------------------------------------------------------- DBLP

_DBLP_TYPES = {"conference": "Conference and Workshop Papers", "journal": "Journal Articles",
               "preprint": "Informal and Other Publications"}


def dblp_info(w: Work) -> dict[str, Any]:
    """``w`` as a DBLP search hit ``info`` (strings everywhere; one author -> a dict)."""
    authors = [{"@pid": f"{int(sha1_hex(n)[:4], 16) % 300}/{int(sha1_hex(n)[4:8], 16) % 10000}", "text": n}
               for n in w.names()]
    info: dict[str, Any] = {
        "authors": {"author": authors[0] if len(authors) == 1 else authors},
        "title": w.title.rstrip(".") + ".",
        "venue": "CoRR" if w.venue_type == "preprint" else w.venue.replace("IEEE ", "IEEE Trans. ").replace("ACM ", ""),
    }
    if w.volume:
        info["volume"] = w.volume
    if w.pages:
        info["pages"] = w.pages
    info["year"] = str(w.year)
    info["type"] = _DBLP_TYPES[w.venue_type]
    info["access"] = "open" if w.arxiv else "closed"
    info["key"] = w.dblp_key
    if w.doi:
        info["doi"] = w.doi.upper() if w.doi.startswith("10.1109") else w.doi
        info["ee"] = f"https://doi.org/{info['doi']}"
    elif w.arxiv:  # CoRR records carry the arXiv DataCite DOI, upper-cased
        info["volume"] = f"abs/{w.arxiv}"
        info["doi"] = f"10.48550/ARXIV.{w.arxiv}"
        info["ee"] = f"https://doi.org/10.48550/arXiv.{w.arxiv}"
    else:
        info["ee"] = list_url(w)
    info["url"] = f"https://dblp.org/rec/{w.dblp_key}"
    return info


class DblpApp(SourceApp):
    name = "dblp"

    def answer(self, request: Request) -> Response:
        if request.path not in ("/search/publ/api", "/search/publ/api/"):
            return Response("Not Found", 404, content_type="text/plain")
        if request.args.get("format", "xml") != "json":
            return Response("only format=json is served by the fake DBLP", 400, content_type="text/plain")
        q = request.args.get("q", "")
        h = min(int(request.args.get("h", 30)), 1000)
        f = int(request.args.get("f", 0))
        found = self.world.keyword(q, "dblp", limit=10_000)
        sent = found[f : f + h]
        hits: dict[str, Any] = {"@total": str(len(found)), "@computed": str(len(found)),
                                "@sent": str(len(sent)), "@first": str(f)}
        if sent:
            hits["hit"] = [
                {"@score": str(max(1, int(score // 10))), "@id": str(w.corpus_id % 10_000_000),
                 "info": dblp_info(w), "url": f"URL#{w.corpus_id % 10_000_000}"}
                for w, score in sent
            ]
        return json_response({"result": {
            "query": q + "*",
            "status": {"@code": "200", "text": "OK"},
            "time": {"@unit": "msecs", "text": "1.23"},
            "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
            "hits": hits,
        }})


