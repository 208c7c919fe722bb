"""arXiv export API replica (https://info.arxiv.org/help/api/user-manual.html):
``GET /api/query`` with ``id_list`` or ``search_query``; Atom feed."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from werkzeug.wrappers import Request, Response

from tests.replicas.app import SourceApp
from tests.replicas.world import (
    SEARCH_CUTOFF,
    Work,
    sha1_hex,
)

# ------------------------------------------------------------------------ arXiv

_NEW_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
_OLD_ID = re.compile(r"^[a-z][a-z\-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$")
_ATOM_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)
_NOW = "2026-04-12T22:09:26Z"


def arxiv_entry(w: Work) -> str:
    """``w`` as an Atom ``<entry>`` (the shape of the recorded id_list answers)."""
    vid = f"{w.arxiv}v1"
    stamp = f"{w.date}T17:59:46Z"
    summary = w.abstract or f"Synthetic abstract of {w.title}."
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(w.title)}</title>",
        f"    <updated>{stamp}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
    ]
    if w.doi:
        parts.append(f'    <link href="https://doi.org/{escape(w.doi)}" rel="related" title="doi"/>')
    parts += [
        f"    <summary>{escape(summary)}</summary>",
        '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>',
        '    <category term="cs.DC" scheme="http://arxiv.org/schemas/atom"/>',
        f"    <published>{stamp}</published>",
        "    <arxiv:comment>Synthetic record</arxiv:comment>",
        '    <arxiv:primary_category term="cs.LG"/>',
    ]
    if w.venue_type != "preprint":
        parts.append(f"    <arxiv:journal_ref>{escape(w.venue)} {w.year}</arxiv:journal_ref>")
    for n in w.names():
        parts += ["    <author>", f"      <name>{escape(n)}</name>", "    </author>"]
    if w.doi:
        parts.append(f"    <arxiv:doi>{escape(w.doi)}</arxiv:doi>")
    parts.append("  </entry>")
    return "\n".join(parts) + "\n"


def _atom(title: str, entries: list[str], total: int, start: int, per_page: int) -> str:
    feed_id = sha1_hex(title)[:27]
    return (
        _ATOM_HEAD
        + f"  <id>https://arxiv.org/api/{feed_id}</id>\n"
        + f"  <title>arXiv Query: {escape(title)}</title>\n"
        + f"  <updated>{_NOW}</updated>\n"
        + f"  <link href={quoteattr('https://arxiv.org/api/query?' + title)} type=\"application/atom+xml\"/>\n"
        + f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def _atom_error(bad: str) -> str:
    anchor = f"https://arxiv.org/api/errors#incorrect_id_format_for_{bad}"
    return (
        _ATOM_HEAD
        + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        + f"  <updated>{_NOW}</updated>\n"
        + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + f"  <entry>\n    <id>{escape(anchor)}</id>\n    <title>Error</title>\n    <updated>{_NOW}</updated>\n"
        + f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>\n'
        + f"    <summary>incorrect id format for {escape(bad)}</summary>\n"
        + "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    )


class ArxivApp(SourceApp):
    name = "arxiv"

    def answer(self, request: Request) -> Response:
        if request.path != "/api/query":
            return Response("Not Found", 404, content_type="text/plain")
        atom = "application/atom+xml; charset=utf-8"
        start = int(request.args.get("start", 0))
        per_page = int(request.args.get("max_results", 10))
        id_list = [i.strip() for i in request.args.get("id_list", "").split(",") if i.strip()]
        query = request.args.get("search_query", "").strip()
        title = f"search_query={query}&id_list={','.join(id_list)}&start={start}&max_results={per_page}"
        if id_list:
            for i in id_list:
                if not (_NEW_ID.match(i) or _OLD_ID.match(i)):
                    return Response(_atom_error(i), 400, content_type=atom)
            works = []
            for i in id_list:
                w = self.world.by_arxiv.get(re.sub(r"v\d+$", "", i.lower()))
                if w is not None and w.knows("arxiv"):
                    works.append(w)
        elif query:
            phrase = re.sub(r"^(ti|all|abs):", "", query).strip().strip('"')
            works = [w for w, _ in self.world.fuzzy(phrase, "arxiv", limit=1000, cutoff=SEARCH_CUTOFF)]
        else:
            works = []
        page = works[start : start + per_page]
        return Response(_atom(title, [arxiv_entry(w) for w in page], len(works), start, per_page),
                        200, content_type=atom)


