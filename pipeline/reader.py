"""Reader outputs: ``exports/README.md``, ``exports/index.html`` and a local server.

* :func:`render_readme` regenerates the list as Markdown (CommonMark, as rendered by
  GitHub: https://spec.commonmark.org/0.31.2/), sections in their original order.
* :func:`render_index_html` makes one self-contained static page (inline CSS and JS,
  no network access) that filters, sorts and copies BibTeX in the browser.  The data
  goes into a ``<script type="application/json">`` block with ``<``, ``>``, ``&``,
  U+2028 and U+2029 escaped, and the page's script builds the DOM with
  ``textContent`` only (https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements).
* :func:`serve` serves an exports directory on loopback with :mod:`http.server`
  (https://docs.python.org/3/library/http.server.html).

Every render is deterministic: same entries in, same bytes out (no timestamps).
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .errors import InputError
from .export import authors_truncated, bibtex_entry, list_link_refuted
from .fsutil import atomic_write_text
from .models import KIND_PAPER, Entry

DEFAULT_TITLE = "Reading list"
BIB_NAME = "references.bib"
CSL_NAME = "references.csl.json"
README_NAME = "README.md"
INDEX_NAME = "index.html"
MAX_AUTHORS = 3
UNSECTIONED = ("Other entries",)

# ---------------------------------------------------------------- shared helpers


def _clean(text: str | None) -> str:
    """Collapse all whitespace (incl. U+2028/2029) to single spaces."""
    return " ".join((text or "").split())


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no ``javascript:``)."""
    url = (url or "").strip()
    return url if re.match(r"https?://[^\s]+$", url, re.IGNORECASE) else None


def title_url(entry: Entry) -> str | None:
    """Where the title links to: DOI, else arXiv abstract, else the landing
    page (none when the list's link was shown to be another paper)."""
    if entry.ids.doi:
        return "https://doi.org/" + quote(entry.ids.doi, safe="/:;._-()")
    if entry.ids.arxiv:
        return "https://arxiv.org/abs/" + quote(entry.ids.arxiv, safe="/.-")
    if list_link_refuted(entry):  # the list's link is another paper: no link
        return None
    return safe_url(entry.url) or safe_url(entry.list.url)


def pdf_url(entry: Entry) -> str | None:
    """The entry's PDF: ``pdf_url`` when given, else the arXiv PDF."""
    if safe_url(entry.pdf_url):
        return safe_url(entry.pdf_url)
    if entry.ids.arxiv:
        return "https://arxiv.org/pdf/" + quote(entry.ids.arxiv, safe="/.-")
    return None


def author_text(entry: Entry) -> str:
    """First three authors then "et al."; "et al." too when the list said so
    and no source gave the whole list (:func:`pipeline.export.authors_truncated`).
    Falls back to the list's own authors."""
    people, et_al = entry.authors, authors_truncated(entry)
    if not people:
        people, et_al = entry.list.authors, entry.list.et_al
    names = [_clean(p.name) for p in people if _clean(p.name)]
    if not names:
        return ""
    shown = ", ".join(names[:MAX_AUTHORS])
    return shown + " et al." if et_al or len(names) > MAX_AUTHORS else shown


def _venue(entry: Entry) -> str:
    return _clean(entry.venue or entry.list.venue)


def _year(entry: Entry) -> int | None:
    return entry.year if entry.year is not None else entry.list.year


def _placements(entry: Entry) -> list[tuple[tuple[str, ...], int]]:
    """(section path, line) for each section the entry is listed in, first line
    per section.  ``sections[i]`` belongs to ``lines[i]`` (parse.py appends both
    together); when the lengths differ, the first line stands for all."""
    lines = entry.list.lines or [0]
    out: dict[tuple[str, ...], int] = {}
    for i, section in enumerate(entry.list.sections or [list(UNSECTIONED)]):
        path = tuple(_clean(s) for s in section) or UNSECTIONED
        line = lines[i] if len(lines) == len(entry.list.sections) else lines[0]
        out[path] = min(line, out.get(path, line))
    return sorted(out.items(), key=lambda item: (item[1], item[0]))


def _layout(entries: Iterable[Entry]) -> list[tuple[tuple[str, ...], list[Entry]]]:
    """Sections in order of first appearance, each with its entries in list
    order.  Entries without sections come last, under "Other entries"."""
    rows: dict[tuple[str, ...], list[tuple[int, str, Entry]]] = {}
    for entry in entries:
        for path, line in _placements(entry):
            rows.setdefault(path, []).append((line, entry.key, entry))

    def first_line(item: tuple[tuple[str, ...], list[tuple[int, str, Entry]]]) -> tuple[bool, int, tuple[str, ...]]:
        path, items = item
        return (path == UNSECTIONED, min(r[0] for r in items), path)

    return [
        (path, [r[2] for r in sorted(items, key=lambda r: (r[0], r[1]))])
        for path, items in sorted(rows.items(), key=first_line)
    ]


# ---------------------------------------------------------------- README.md

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md_escape(text: str | None) -> str:
    """Inline Markdown text: whitespace collapsed, ASCII punctuation that
    Markdown reads backslash-escaped, ``& < >`` as HTML entities (so no raw HTML
    reaches the renderer)."""
    text = _MD_SPECIAL.sub(r"\\\1", _clean(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_url(url: str) -> str:
    """A link destination that cannot end the link early: spaces, brackets and
    angle brackets percent-encoded."""
    for ch, enc in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(ch, enc)
    return url


def _md_link(text: str, url: str | None) -> str:
    return f"[{md_escape(text)}]({md_url(url)})" if url else md_escape(text)


def readme_line(entry: Entry) -> str:
    """One bullet: linked title, authors, venue year, citations, PDF and code."""
    parts = [_md_link(entry.title or entry.list.title, title_url(entry))]
    if entry.kind != KIND_PAPER:
        parts[0] += f" ({md_escape(entry.kind)})"
    if author_text(entry):
        parts.append(md_escape(author_text(entry)))
    venue_year = " ".join(x for x in (_venue(entry), str(_year(entry) or "")) if x)
    if venue_year:
        parts.append(md_escape(venue_year))
    if entry.citations.count is not None:
        parts.append(f"cited by {entry.citations.count}")
    links = []
    if pdf_url(entry):
        links.append(_md_link("PDF", pdf_url(entry)))
    links += [_md_link(link.text or "link", safe_url(link.url)) for link in entry.list.links if safe_url(link.url)]
    if links:
        parts.append(" · ".join(links))
    return "- " + " — ".join(parts)


def render_readme(entries: Sequence[Entry], title: str = DEFAULT_TITLE) -> str:
    """The list regenerated as Markdown: download links at the top, then each
    section (``##`` top level, ``###`` below) with its entries in list order.
    An entry listed in several sections appears in each."""
    out = [
        f"# {md_escape(title)}",
        "",
        f"Download all references: [{BIB_NAME}]({BIB_NAME}) (BibTeX) · "
        f"[{CSL_NAME}]({CSL_NAME}) (CSL-JSON) · browse and filter: [{INDEX_NAME}]({INDEX_NAME})",
        "",
        f"{len(entries)} entries.",
    ]
    previous: tuple[str, ...] = ()
    for path, section_entries in _layout(entries):
        for depth, name in enumerate(path):
            if depth < len(path) - 1 and previous[: depth + 1] == path[: depth + 1]:
                continue  # parent heading already written
            out += ["", f"{'#' * min(depth + 2, 6)} {md_escape(name)}"]
        previous = path
        out += ["", *(readme_line(e) for e in section_entries)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- index.html


def page_data(entries: Sequence[Entry], bibtex: Callable[[Entry], str] | None = None) -> dict[str, Any]:
    """The JSON the page's script renders: ``sections`` (paths in list order)
    and ``entries`` (display-ready strings, only http(s) URLs)."""
    bibtex = bibtex or bibtex_entry
    layout = _layout(entries)
    index = {path: i for i, (path, _) in enumerate(layout)}
    items = []
    for entry in sorted(entries, key=lambda e: (_placements(e)[0][1], e.key)):
        cites = entry.citations
        history = sorted((p.date, p.count) for p in cites.history)
        items.append(
            {
                "key": entry.key,
                "kind": entry.kind,
                "title": _clean(entry.title or entry.list.title),
                "href": title_url(entry),
                "authors": author_text(entry),
                "venue": _venue(entry) or None,
                "year": _year(entry),
                "cited": cites.count,
                "cited_source": cites.source,
                "cited_as_of": cites.as_of,
                "history": [list(p) for p in history],
                "abstract": (entry.abstract or "").strip() or None,
                "pdf": pdf_url(entry),
                "links": [
                    {"text": _clean(link.text) or "link", "url": safe_url(link.url)}
                    for link in entry.list.links
                    if safe_url(link.url)
                ],
                "placements": [[index[path], line] for path, line in _placements(entry)],
                "bibtex": bibtex(entry),
            }
        )
    return {"sections": [list(path) for path, _ in layout], "entries": items}


def json_for_script(obj: object) -> str:
    """JSON safe inside ``<script>``: no ``</script>``, ``<!--``, ``&`` or JS line
    terminators can survive (they become ``\\u003c`` etc., which JSON.parse reads
    back unchanged)."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


@functools.cache
def _template() -> str:
    return resources.files("pipeline").joinpath("templates/index.html").read_text(encoding="utf-8")


def render_index_html(
    entries: Sequence[Entry],
    title: str = DEFAULT_TITLE,
    bibtex: Callable[[Entry], str] | None = None,
) -> str:
    """The browsable page.  ``bibtex`` makes one entry's BibTeX (default:
    :func:`pipeline.export.bibtex_entry`)."""
    values = {
        "title": html.escape(_clean(title)),
        "data": json_for_script(page_data(entries, bibtex)),
    }
    return re.sub(r"\{\{(title|data)\}\}", lambda m: values[m.group(1)], _template())


def write_reader_outputs(
    entries: Sequence[Entry],
    exports_dir: str | Path,
    title: str = DEFAULT_TITLE,
    bibtex: Callable[[Entry], str] | None = None,
) -> list[Path]:
    """Write ``README.md`` and ``index.html`` into ``exports_dir`` atomically."""
    exports_dir = Path(exports_dir)
    readme, index = exports_dir / README_NAME, exports_dir / INDEX_NAME
    atomic_write_text(readme, render_readme(entries, title))
    atomic_write_text(index, render_index_html(entries, title, bibtex))
    return [readme, index]


# ---------------------------------------------------------------- local server


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".md": "text/markdown; charset=utf-8",
        ".bib": "application/x-bibtex; charset=utf-8",
        ".json": "application/json",
    }


def make_server(exports_dir: str | Path, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server for ``exports_dir`` (not yet running; call ``serve_forever``).
    Port 0 picks a free port: read it from ``server.server_address[1]``."""
    exports_dir = Path(exports_dir)
    if not exports_dir.is_dir():
        raise InputError(exports_dir, "no such directory (run the export stage first)")
    handler = functools.partial(_Handler, directory=str(exports_dir))
    return ThreadingHTTPServer((host, port), handler)


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    return f"http://{host}:{port}/"


def serve(exports_dir: str | Path, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve ``exports_dir`` on ``host`` (loopback by default) until Ctrl-C."""
    with make_server(exports_dir, port, host) as server:
        print(f"Serving {exports_dir} at {server_url(server)}{INDEX_NAME} (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
