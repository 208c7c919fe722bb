"""Parse a Markdown "awesome list" into :class:`~pipeline.models.ListEntry` objects.

The file is tokenised with markdown-it-py (CommonMark + GFM tables) and walked
as a syntax tree (https://markdown-it-py.readthedocs.io/en/latest/using.html,
``SyntaxTreeNode``: https://markdown-it-py.readthedocs.io/en/latest/api/markdown_it.tree.html).
Line numbers come from each block token's ``map`` (0-based, half-open), so a
listing's line is ``map[0] + 1``.  Regular expressions are used only on the
inline text of a single item (author / venue tails).

Layouts understood:

* bullets ``[Title](url) by Authors, VENUE YEAR`` (the seed list), with optional
  venue prefixes ``\\[KDD'24\\][Title](url)`` or ``[NeurIPS 2023] [Title](url)``;
* tables whose title cell holds ``[Title](url) <br> Author, Author`` and whose
  other columns give venue / year / code;
* one heading per paper ``## [Title](url), 2019/06`` followed by an author line
  and an abstract.

Code, project, slides... links go to ``ListEntry.links``; they are never the
paper URL.  Unreadable items become :class:`~pipeline.models.ParseProblem`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from pipeline.errors import InputError
from pipeline.identifiers import clean_url
from pipeline.models import (
    KIND_PAPER,
    KIND_SOFTWARE,
    Link,
    ListEntry,
    ParseProblem,
    ParseResult,
    Person,
)

__all__ = ["parse_file", "parse_text", "split_authors", "split_venue_year"]

_MD = MarkdownIt("commonmark").enable("table")

# --- classification vocabularies -------------------------------------------------

_SKIP_SECTION = re.compile(
    r"^(table of contents|contents|toc|index|contribut\w*|licen[cs]e|acknowledg\w*|star history)$",
    re.I,
)
_SOFTWARE_SECTION = re.compile(
    r"open[\s-]?source|\bprojects?\b|\btools?\b|toolkits?|frameworks?|librar(y|ies)|software|repositor",
    re.I,
)
_PAPER_SECTION = re.compile(r"papers?|publications?|survey|reading", re.I)
_CODE_TEXT = re.compile(
    r"^\W*(code|codes|github|gitlab|project( page)?|project|page|homepage|home|website|site|"
    r"web|slides?|video|talk|poster|demo|blog|dataset|data|model|models|bib(tex)?|"
    r"official|unofficial|pytorch|tensorflow|jax|repo)\W*$",
    re.I,
)
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "youtube.com", "youtu.be",
               "slideshare.net", "colab.research.google.com")
_BADGE_HOSTS = ("img.shields.io", "shields.io", "badgen.net", "awesome.re",
                "cdn.rawgit.com", "badge.fury.io")
_SOFT_CODE_HOSTS = ("github.io",)  # project pages

_ET_AL = re.compile(r"[,;]?\s*\b(et\.?\s*al\.?|etc\.?)\s*\.?\s*$", re.I)
_YEAR4_TAIL = re.compile(r"(?:^|(?<=[\s(,\-]))((?:19|20)\d{2})\)?$")
_YEAR2_TAIL = re.compile(r"['’]\s?(\d{2})\)?$")  # "KDD'24"
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "des",
              "dos", "das", "la", "le", "ten", "ter", "bin", "al", "el", "st."}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


# --- inline pieces ----------------------------------------------------------------


@dataclass
class _Piece:
    """One flattened inline element: text, a link, a line break or an image."""

    kind: str  # "text" | "link" | "br" | "image"
    text: str = ""
    href: str = ""
    has_image: bool = False
    image_src: str = ""


def _flatten(node: SyntaxTreeNode | None) -> list[_Piece]:
    """Flatten an ``inline`` node into text / link / br / image pieces."""
    out: list[_Piece] = []
    if node is None:
        return out

    def text_of(n: SyntaxTreeNode) -> str:
        if n.type in ("text", "code_inline"):
            return n.content
        if n.type == "softbreak":
            return " "
        if n.type == "image":
            return ""
        return "".join(text_of(c) for c in n.children)

    def images_in(n: SyntaxTreeNode) -> list[SyntaxTreeNode]:
        found = [n] if n.type == "image" else []
        for c in n.children:
            found.extend(images_in(c))
        return found

    def walk(n: SyntaxTreeNode) -> None:
        for c in n.children:
            if c.type == "link":
                imgs = images_in(c)
                text = text_of(c).strip()
                if not text and imgs:
                    text = imgs[0].content or str(imgs[0].attrs.get("alt", ""))
                out.append(_Piece("link", text=text.strip(), href=str(c.attrs.get("href", "")),
                                  has_image=bool(imgs),
                                  image_src=str(imgs[0].attrs.get("src", "")) if imgs else ""))
            elif c.type == "image":
                out.append(_Piece("image", text=c.content, image_src=str(c.attrs.get("src", ""))))
            elif c.type == "html_inline" and re.match(r"<br\s*/?>", c.content, re.I):
                out.append(_Piece("br"))
            elif c.type == "hardbreak":
                out.append(_Piece("br"))
            elif c.type in ("text", "code_inline"):
                out.append(_Piece("text", text=c.content))
            elif c.type == "softbreak":
                out.append(_Piece("text", text="\n"))
            else:
                walk(c)

    walk(node)
    return out


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _matches_host(url: str, hosts: tuple[str, ...]) -> bool:
    h = _host(url)
    return any(h == x or h.endswith("." + x) for x in hosts)


def _is_nav(href: str) -> bool:
    return href.startswith("#") or not href.strip()


def _is_badge(p: _Piece) -> bool:
    return _matches_host(p.href, _BADGE_HOSTS) or (
        p.has_image and _matches_host(p.image_src, _BADGE_HOSTS) and not p.text
    )


def _is_code_link(p: _Piece) -> bool:
    """Code / project / media links: never the paper."""
    return (
        bool(_CODE_TEXT.match(p.text))
        or _matches_host(p.href, _CODE_HOSTS + _SOFT_CODE_HOSTS)
        or (p.has_image and _matches_host(p.image_src, _BADGE_HOSTS))
    )


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# --- author / venue splitting -------------------------------------------------------


def split_venue_year(s: str) -> tuple[str | None, int | None]:
    """``"SOSP 2019"`` -> ``("SOSP", 2019)``, ``"KDD'24"`` -> ``("KDD", 2024)``,
    ``"arxiv 2020"`` -> ``("arXiv", 2020)``, ``"EuroMLSys"`` -> ``("EuroMLSys", None)``."""
    s = _squash(s).strip(" .,;:-–—[]()")
    if not s:
        return None, None
    year = None
    m = _YEAR4_TAIL.search(s)
    m2 = None if m else _YEAR2_TAIL.search(s)
    if m:
        year = int(m.group(1))
    elif m2:
        year = 2000 + int(m2.group(1))
    if m or m2:
        s = s[: (m or m2).start()].strip(" .,;:-–—'’[]()")
    venue = s or None
    if venue and venue.casefold() == "arxiv":
        venue = "arXiv"
    return venue, year


def _is_venue_chunk(chunk: str, before: str) -> bool:
    """Whether the last comma-separated ``chunk`` of an author tail is a venue."""
    chunk = chunk.strip()
    if not chunk or re.match(r"(and|&)\s", chunk, re.I):
        return False
    if split_venue_year(chunk)[1] is not None:
        return True
    b = before.rstrip()
    if b.endswith(".") or _ET_AL.search(b):
        return True
    # a single acronym-like token ("EuroMLSys", "ICML")
    return " " not in chunk and bool(re.search(r".[A-Z]", chunk))


def _person(given: str | None, family: str | None, suffix: str = "") -> Person:
    name = " ".join(x for x in (given, family) if x)
    if suffix:
        name = f"{name} {suffix}"
    return Person(name=name, given=given or None, family=family or None)


def _person_from_display(name: str) -> Person:
    """``"Nicholas D. Lane"`` -> given "Nicholas D.", family "Lane"; handles
    particles ("Ludwig van Beethoven") and suffixes ("John Smith Jr.")."""
    toks = name.split()
    suffix = ""
    if len(toks) > 1 and toks[-1].casefold() in _SUFFIXES:
        suffix = toks.pop()
    if len(toks) == 1:
        return _person(None, toks[0], suffix)
    start = len(toks) - 1
    for i in range(1, len(toks) - 1):
        if toks[i].casefold() in _PARTICLES:
            start = i
            break
    return _person(" ".join(toks[:start]), " ".join(toks[start:]), suffix)


def split_authors(raw: str) -> tuple[list[Person], bool]:
    """Split an author string into people and an "et al." flag.

    MLA style from Google Scholar puts the first author as "Family, Given"
    ("Jung, Wookeun, Thanh Tuan Dao, and Jaejin Lee."); otherwise names are
    "Given Family" separated by commas, "and" or "&".
    """
    s = _squash(raw).strip(" ,;")
    et_al = False
    m = _ET_AL.search(s)
    if m:
        et_al = True
        s = s[: m.start()].strip(" ,;")
    # drop a sentence-final period unless it ends an initial ("Colby R.") or a suffix ("Jr.")
    if s.endswith(".") and not re.search(r"(\b\w|\bJr|\bSr)\.$", s):
        s = s[:-1].rstrip()
    s = re.sub(r"\s*(?:,\s*)?\b(?:and|&)\s+", ", ", s)
    s = s.replace(" & ", ", ").replace("&", ",")
    parts = [p.strip() for p in s.split(",") if p.strip()]
    people: list[Person] = []
    if not parts:
        return people, et_al
    first = parts[0].split()
    lead_is_family = len(parts) >= 2 and (
        len(first) == 1 or all(t.casefold() in _PARTICLES for t in first[:-1])
    ) and parts[1].casefold() not in _SUFFIXES
    i = 0
    if lead_is_family:
        given, family = parts[1], parts[0]
        i = 2
        suffix = ""
        if i < len(parts) and parts[i].casefold() in _SUFFIXES:
            suffix, i = parts[i], i + 1
        people.append(_person(given, family, suffix))
    while i < len(parts):
        p = parts[i]
        if p.casefold() in _SUFFIXES and people:
            prev = people[-1]
            prev.name = f"{prev.name} {p}"
        else:
            people.append(_person_from_display(p))
        i += 1
    return people, et_al


# --- entry building -----------------------------------------------------------------


@dataclass
class _Ctx:
    entries: list[ListEntry] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    by_url: dict[str, ListEntry] = field(default_factory=dict)
    by_title: dict[str, ListEntry] = field(default_factory=dict)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(ParseProblem(line=line, message=message))

    def add(self, e: ListEntry) -> None:
        """Add ``e`` or merge it into an earlier listing of the same work."""
        tkey = _title_key(e.title)
        old = self.by_title.get(tkey)
        if old is None and e.url:
            # the same URL is the same work only if the titles agree too; two
            # different titles on one URL is a wrong link, not a duplicate
            same_url = self.by_url.get(e.url)
            if same_url is not None and fuzz.ratio(_title_key(same_url.title), tkey) >= 80:
                old = same_url
        if old is None:
            self.entries.append(e)
            if e.url:
                self.by_url[e.url] = e
            self.by_title[tkey] = e
            return
        for line in e.lines:
            if line not in old.lines:
                old.lines.append(line)
        old.lines.sort()
        for sec in e.sections:
            if sec not in old.sections:
                old.sections.append(sec)
        known = {x.url for x in old.links}
        old.links.extend(x for x in e.links if x.url not in known)
        for name in ("url", "authors_raw", "venue", "year", "abstract"):
            if getattr(old, name) is None and getattr(e, name) is not None:
                setattr(old, name, getattr(e, name))
        if not old.authors and e.authors:
            old.authors, old.et_al = e.authors, e.et_al
        if old.url and old.url not in self.by_url:
            self.by_url[old.url] = old


def _title_key(title: str) -> str:
    t = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in t if ch.isalnum())


def _section_kind(section: list[str]) -> str:
    for name in reversed(section):
        if _PAPER_SECTION.search(name):
            return KIND_PAPER
        if _SOFTWARE_SECTION.search(name):
            return KIND_SOFTWARE
    return KIND_PAPER


def _text(pieces: list[_Piece]) -> str:
    return _squash("".join(p.text for p in pieces if p.kind == "text"))


def _clean_tail(s: str) -> str:
    """Remove leftovers of removed links: ``- []``, ``()``, ``|``."""
    s = re.sub(r"\[\s*\]|\(\s*\)|\|", " ", s)
    return _squash(s).strip(" -–—:|")


def _pick(pieces: list[_Piece]) -> tuple[int | None, list[_Piece]]:
    """Index of the paper link in ``pieces`` (None if none) and the real links."""
    links = [p for p in pieces if p.kind == "link" and not _is_nav(p.href) and not _is_badge(p)]
    for i, p in enumerate(pieces):
        if p in links and p.text and not _is_code_link(p):
            return i, links
    return None, links


def _other_links(links: list[_Piece], paper: _Piece | None) -> list[Link]:
    out: list[Link] = []
    seen = {paper.href} if paper else set()
    for p in links:
        if p is paper or p.href in seen:
            continue
        seen.add(p.href)
        out.append(Link(text=p.text, url=clean_url(p.href)))
    return out


def _parse_tail(tail: str) -> tuple[str | None, str | None, int | None]:
    """``"by Xu, Dianlei, et al., arxiv 2020"`` -> (authors_raw, venue, year)."""
    tail = _clean_tail(tail)
    m = re.match(r"^by\s+(.*)$", tail, re.I | re.S)
    if not m:
        # no authors: maybe just "(SOSP 2019)" or ", ICML 2020"
        venue, year = split_venue_year(tail) if tail and len(tail) <= 40 else (None, None)
        if year is None:
            venue = None
        return None, venue, year
    body = m.group(1).strip()
    authors, venue, year = body, None, None
    if "," in body:
        before, _, last = body.rpartition(",")
        if _is_venue_chunk(last, before):
            venue, year = split_venue_year(last)
            authors = before
    return authors.strip(" ,") or None, venue, year


def _make_entry(kind, title, url, section, line, links, authors_raw=None, venue=None, year=None,
                abstract=None) -> ListEntry:
    people, et_al = split_authors(authors_raw) if authors_raw else ([], False)
    return ListEntry(
        kind=kind, title=_squash(title), url=clean_url(url) if url else None, authors=people,
        et_al=et_al, authors_raw=_squash(authors_raw) if authors_raw else None, venue=venue,
        year=year, sections=[list(section)], lines=[line], links=links, abstract=abstract,
    )


def _read_item(ctx: _Ctx, pieces: list[_Piece], section: list[str], line: int,
               report_linkless: bool) -> None:
    """Turn one bullet's inline pieces into an entry, a problem, or nothing."""
    all_links = [p for p in pieces if p.kind == "link"]
    if not all_links:
        if report_linkless and _text(pieces):
            ctx.problem(line, f"list item has no link: {_text(pieces)[:80]!r}")
        return
    idx, links = _pick(pieces)
    if not links:
        return  # navigation (#anchors) or badges only
    kind = _section_kind(section)
    if idx is None:
        named = [p for p in links if p.text and not _CODE_TEXT.match(p.text)]
        if any(not p.text for p in links):
            ctx.problem(line, "link with an empty title")
            return
        if not named:
            ctx.problem(line, "list item has only code/project links, no title")
            return
        # the only link is a repository or project page: a software entry
        idx, kind = pieces.index(named[0]), KIND_SOFTWARE
    paper = pieces[idx]
    title = paper.text
    prefix = _text(pieces[:idx])
    tail = "".join(p.text for p in pieces[idx + 1:] if p.kind == "text")
    authors_raw, venue, year = (None, None, None)
    if kind == KIND_PAPER:
        authors_raw, venue, year = _parse_tail(tail)
        bold_title = _title_before_venue_link(prefix, paper.text)
        if bold_title:  # "**Title** [[CVPR 2020](url)]": the link text is the venue
            title = bold_title
            venue, year = split_venue_year(paper.text)
        elif prefix:
            pv, py = split_venue_year(prefix)
            venue, year = pv or venue, py or year
    ctx.add(_make_entry(kind, title, paper.href, section, line,
                        _other_links(links, paper), authors_raw, venue, year))


def _title_before_venue_link(prefix: str, link_text: str) -> str | None:
    """The title in ``⭐ **Title** [[ECCV 2018](url)]``: the link text is only a
    venue and year, and the text before it reads like a title (not a venue)."""
    venue, year = split_venue_year(link_text)
    if year is None or (venue and len(venue.split()) > 4):
        return None
    title = re.sub(r"^\W+", "", prefix).rstrip(" [(-–—:|")
    if len(title.split()) < 2 or split_venue_year(title)[1] is not None:
        return None
    return title


# --- tables -----------------------------------------------------------------------

_COLS = {
    "title": re.compile(r"title|paper|name|work", re.I),
    "venue": re.compile(r"venue|conf|journal|publication|published|pub\b|where", re.I),
    "year": re.compile(r"year|date|time", re.I),
    "authors": re.compile(r"author", re.I),
}


def _cell_text(pieces: list[_Piece]) -> str:
    """All visible text of a cell, link texts included."""
    return _squash(" ".join(p.text for p in pieces if p.kind in ("text", "link")))


def _cell_nodes(row: SyntaxTreeNode) -> list[SyntaxTreeNode | None]:
    return [c.children[0] if c.children else None for c in row.children]


def _read_table(ctx: _Ctx, table: SyntaxTreeNode, section: list[str]) -> None:
    head = next((c for c in table.children if c.type == "thead"), None)
    body = next((c for c in table.children if c.type == "tbody"), None)
    if head is None or body is None:
        return
    headers = [_text(_flatten(n)) for n in _cell_nodes(head.children[0])]
    col: dict[str, int] = {}
    for name, rx in _COLS.items():
        for i, h in enumerate(headers):
            if i not in col.values() and rx.search(h):
                col.setdefault(name, i)
    rows = [(r, [_flatten(n) for n in _cell_nodes(r)]) for r in body.children]
    if not any(_pick([p for c in cells for p in c])[1] for _, cells in rows):
        return  # a table without links is not a list of works
    for row, cells in rows:
        line = row.map[0] + 1 if row.map else 0
        ti = col.get("title")
        if ti is None:  # first cell holding a paper link
            ti = next((i for i, c in enumerate(cells) if _pick(c)[0] is not None), 0)
        tcell = cells[ti] if ti < len(cells) else []
        idx, _ = _pick(tcell)
        all_links = [lk for c in cells for lk in _pick(c)[1]]
        if idx is None:
            ctx.problem(line, "table row has no paper link in its title cell")
            continue
        paper = tcell[idx]
        # authors: text after the title link, up to the next line break
        after = tcell[idx + 1:]
        segs, cur = [], []
        for p in after:
            if p.kind == "br":
                segs.append(cur)
                cur = []
            else:
                cur.append(p)
        segs.append(cur)
        authors_raw = next((t for t in (_clean_tail(_text(s)) for s in segs) if t), None)
        if "authors" in col and col["authors"] < len(cells):
            authors_raw = _text(cells[col["authors"]]) or authors_raw
        venue = year = None
        if "venue" in col and col["venue"] < len(cells):
            venue, year = split_venue_year(_cell_text(cells[col["venue"]]))
        if "year" in col and col["year"] < len(cells):
            # "2023", "'22", "['22](https://...)", "2019/06"
            ytext = _cell_text(cells[col["year"]])
            m = re.search(r"\b(19|20)\d{2}\b", ytext)
            year = int(m.group(0)) if m else (split_venue_year(ytext)[1] or year)
        ctx.add(_make_entry(_section_kind(section), paper.text, paper.href, section, line,
                            _other_links(all_links, paper), authors_raw, venue, year))


# --- heading-per-paper --------------------------------------------------------------


def _looks_like_authors(text: str) -> bool:
    parts = [p for p in re.split(r",|\band\b|&", text) if p.strip()]
    return bool(parts) and len(text) < 400 and all(
        1 <= len(p.split()) <= 5 and not re.search(r"[a-z]{2}[.!?]\s", p) for p in parts
    )


# --- the walk -----------------------------------------------------------------------


class _Walker:
    def __init__(self, ctx: _Ctx):
        self.ctx = ctx
        self.headings: list[tuple[int, str]] = []  # (level, text) below the document title
        self.title_seen = False
        self.pending: tuple[ListEntry, list[str]] | None = None  # heading entry + paragraphs

    @property
    def section(self) -> list[str]:
        return [t for _, t in self.headings]

    def skipping(self) -> bool:
        # "📑 Contents", "4. Contributing" count as "Contents", "Contributing"
        return any(_SKIP_SECTION.match(re.sub(r"^[\W\d_]+", "", t)) for t in self.section)

    def flush(self) -> None:
        if self.pending is None:
            return
        entry, paras = self.pending
        self.pending = None
        if paras and _looks_like_authors(paras[0]):
            entry.authors_raw = paras.pop(0)
            entry.authors, entry.et_al = split_authors(entry.authors_raw)
        entry.abstract = "\n\n".join(paras) or None
        self.ctx.add(entry)

    def heading(self, node: SyntaxTreeNode) -> None:
        self.flush()
        level = int(node.tag[1])
        pieces = _flatten(node.children[0] if node.children else None)
        text = _text(pieces) or " ".join(p.text for p in pieces if p.kind == "link")
        text = _squash(text)
        if level == 1 and not self.title_seen and not self.headings:
            self.title_seen = True
            return
        self.title_seen = True
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        idx, links = _pick(pieces)
        if idx is not None and not self.skipping():
            paper = pieces[idx]
            tail = _text(pieces[idx + 1:])
            m = re.search(r"\b((?:19|20)\d{2})\b", tail)
            entry = _make_entry(_section_kind(self.section), paper.text, paper.href, self.section,
                                node.map[0] + 1 if node.map else 0, _other_links(links, paper),
                                year=int(m.group(1)) if m else None)
            self.pending = (entry, [])
            return
        self.headings.append((level, _squash(" ".join(p.text for p in pieces if p.kind in ("text", "link")))))

    def paper_paragraph(self, para: SyntaxTreeNode) -> None:
        """A paragraph below a paper heading: author line and/or abstract."""
        assert self.pending is not None
        entry, paras = self.pending
        pieces = _flatten(para.children[0] if para.children else None)
        _, links = _pick(pieces)
        known = {x.url for x in entry.links}
        entry.links.extend(x for x in _other_links(links, None) if x.url not in known)
        raw = "".join(p.text for p in pieces if p.kind == "text")
        lines = [_clean_tail(x) for x in raw.split("\n")]
        # an author line directly followed by the abstract (no blank line between)
        if not paras and len(lines) > 1 and _looks_like_authors(lines[0]):
            paras.append(lines.pop(0))
        text = _clean_tail(" ".join(lines))
        if text:
            paras.append(text)

    def walk(self, node: SyntaxTreeNode) -> None:
        for child in node.children:
            t = child.type
            if t == "heading":
                self.heading(child)
            elif t == "paragraph" and self.pending is not None:
                self.paper_paragraph(child)
            elif self.skipping():
                continue
            elif t in ("bullet_list", "ordered_list"):
                self.flush()
                self.list(child, [])
            elif t == "table":
                self.flush()
                _read_table(self.ctx, child, self.section)
            elif t == "blockquote":
                self.walk(child)

    def list(self, lst: SyntaxTreeNode, labels: list[str]) -> None:
        items = []
        for item in lst.children:
            para = next((c for c in item.children if c.type == "paragraph"), None)
            pieces = _flatten(para.children[0] if para and para.children else None)
            nested = [c for c in item.children if c.type in ("bullet_list", "ordered_list")]
            items.append((item, pieces, nested))
        section = self.section + labels
        report = bool(_PAPER_SECTION.search(" ".join(section))) or any(
            _pick(p)[1] for _, p, _ in items
        )
        for item, pieces, nested in items:
            line = item.map[0] + 1 if item.map else 0
            has_link = any(p.kind == "link" for p in pieces)
            if pieces and (has_link or not nested):
                _read_item(self.ctx, pieces, section, line, report)
            for sub in nested:
                label = _text(pieces) if pieces and not has_link else ""
                self.list(sub, labels + ([label] if label else []))


# --- public API -------------------------------------------------------------------


def parse_text(text: str, path: str = "<string>") -> ParseResult:
    """Parse Markdown ``text``.  ``path`` names the source for callers' messages
    (problems carry only line numbers; the caller knows the file)."""
    del path  # kept in the signature for the DESIGN.md contract
    ctx = _Ctx()
    walker = _Walker(ctx)
    walker.walk(SyntaxTreeNode(_MD.parse(text)))
    walker.flush()
    return ParseResult(entries=ctx.entries, problems=ctx.problems)


def parse_file(path: str | Path) -> ParseResult:
    """Read ``path`` as UTF-8 and parse it.

    Raises :class:`~pipeline.errors.InputError` when the file is missing or is
    not valid UTF-8 (naming the line of the first bad byte).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(p, "file not found") from None
    except OSError as exc:
        raise InputError(p, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(p, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line) from None
    return parse_text(text, str(p))
