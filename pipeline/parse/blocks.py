"""markdown-it tokens -> candidate items.

One pass over the block token stream
(https://markdown-it-py.readthedocs.io/en/latest/using.html) yields an
:class:`Item` for every place a list may hold an entry:

* a list item at any depth (its first paragraph; its later paragraphs, such as
  an author line after a blank line, go to ``extra``; its sub-lists to ``details``);
* a table row (the title cell's pieces, the other cells by column role);
* each line of a paragraph (reference-style citations, ``[7] Lee et al. ...<br>``);
* a heading that carries a paper link, with the paragraphs below it;
* the same shapes written as raw HTML blocks (``<li>``, ``<tr>``/``<td>``, ``<p>``).

Headings give each item its section path; a heading that is only a year
(``### 2021``) gives the items below it a year hint.  Sections such as
"Contents", "Contributing" or "License" hold no entries and are skipped.
Nothing here decides what an item *is*: see :mod:`.fields` and :mod:`.classify`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import dates
from .inline import STRONG, Piece, flatten, flatten_html, plain, split_lines
from .links import code_text, generic_text

# GitHub's flavour: tables, strikethrough, and bare URLs as links (GFM "autolinks", via linkify-it-py)
MD = MarkdownIt("commonmark", {"maxNesting": 60, "linkify": True}).enable(["table", "strikethrough", "linkify"])

SKIP_SECTION = re.compile(
    r"^(table of contents|contents|toc|index|contribut\w*|how to contribute|licen[cs]e|acknowledg\w*|"
    r"star history|stargazers|citation|cite|cite this|citing|bibtex|contact|contributors|"
    r"related (?:awesome )?(?:lists?|repos?|repositories)|other awesome lists?|sponsors?|news|updates?|"
    r"changelog|change log|announcements?|what'?s new|todo|to-do|roadmap|legend|faq)\b", re.I)

# column roles of a table, by header text
COLUMN_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("affiliation", re.compile(r"affiliation|institut|organi[sz]ation|org\b|lab\b|compan|team", re.I)),
    ("authors", re.compile(r"author|\bby\b|people|researchers", re.I)),
    ("year", re.compile(r"year|date|time|when|published\s*(?:on|date)|release", re.I)),
    ("venue", re.compile(r"venue|conf|journal|publication|published|pub\b|where|source|"
                         r"proceedings|booktitle|publisher|accepted", re.I)),
    ("title", re.compile(r"title|paper|name|work|article|method|model|publication", re.I)),
    ("links", re.compile(r"link|pdf|code|material|url|arxiv|project|resource|repo|github|doi|"
                         r"download|slides?|video|page|paper", re.I)),
]


@dataclass
class Item:
    """One place that may hold an entry.

    ``pieces`` is the main inline content (a list item's first paragraph, a
    row's title cell, one line of a paragraph); ``line`` is 1-based.
    ``columns`` maps table roles ("venue", "year", "authors", "links", ...) to
    that row's cells.  ``extra`` holds later paragraphs of the same list item
    (or those under a paper heading); ``details`` the items of its sub-lists.
    """

    pieces: list[Piece]
    line: int
    section: list[str]
    origin: str  # "list" | "table" | "paragraph" | "heading" | "html"
    year_hint: int | None = None
    columns: dict[str, list[list[Piece]]] = field(default_factory=dict)
    extra: list[list[Piece]] = field(default_factory=list)
    details: list[Item] = field(default_factory=list)
    lines: list[Item] = field(default_factory=list)  # a paragraph's lines, as items


@dataclass
class Document:
    items: list[Item]
    title: str | None


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


class _Reader:
    def __init__(self, tokens: list[Token]):
        self.toks = tokens
        self.i = 0
        self.headings: list[tuple[int, str, int | None]] = []  # (level, text, year)
        self.title: str | None = None
        self.seen_content = False
        self.items: list[Item] = []

    # --- context -------------------------------------------------------------
    @property
    def section(self) -> list[str]:
        return [t for _, t, _ in self.headings]

    def year_hint(self) -> int | None:
        for _, _, y in reversed(self.headings):
            if y is not None:
                return y
        return None

    def skipping(self) -> bool:
        """Inside a section that holds no entries ("Contents", "License"...).  Only the
        innermost heading counts: lists nest their real sections under a "Contents"
        heading often enough that an ancestor must not hide them."""
        return bool(self.headings) and bool(SKIP_SECTION.match(re.sub(r"^[\W\d_]+", "", self.headings[-1][1])))

    # --- walk ----------------------------------------------------------------
    def run(self) -> Document:
        toks = self.toks
        while self.i < len(toks):
            t = toks[self.i]
            ty = t.type
            if ty == "heading_open":
                self.heading()
            elif self.skipping():
                self.skip_block()
            elif ty in ("bullet_list_open", "ordered_list_open"):
                self.items.extend(self.list_block())
            elif ty == "table_open":
                self.items.extend(self.table())
            elif ty == "paragraph_open":
                self.items.extend(self.paragraph())
            elif ty == "html_block":
                self.items.extend(self.html_block(t))
                self.i += 1
            else:
                self.i += 1
        return Document(self.items, self.title)

    def skip_block(self) -> None:
        """Skip one block (with everything nested in it)."""
        t = self.toks[self.i]
        if t.nesting == 1:
            depth = 0
            while self.i < len(self.toks):
                depth += self.toks[self.i].nesting
                self.i += 1
                if depth == 0:
                    return
        else:
            self.i += 1

    def heading(self) -> None:
        open_tok = self.toks[self.i]
        inline = self.toks[self.i + 1]
        self.i += 3
        level = int(open_tok.tag[1])
        pieces = flatten(inline.children)
        text = plain(pieces)
        if level == 1 and self.title is None and not self.headings and not self.seen_content:
            self.title = text or None
            self.seen_content = True
            return
        self.seen_content = True
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        # a heading with a paper link is one paper; paragraphs below it are its details
        if any(p.kind == "link" and not p.href.startswith("#") for p in pieces) and not self.skipping() \
                and len(text.split()) >= 2 and not SKIP_SECTION.match(re.sub(r"^[\W\d_]+", "", text)):
            item = Item(pieces, _line(open_tok), self.section, "heading", self.year_hint())
            while self.i < len(self.toks) and self.toks[self.i].type == "paragraph_open":
                item.extra.append(flatten(self.toks[self.i + 1].children))
                self.i += 3
            self.items.append(item)
            return
        if self._paper_heading(open_tok, pieces, text):
            return
        self.headings.append((level, text, dates.is_only_date(re.sub(r"[^\w\s.'’/-]", " ", text))))

    def _paper_heading(self, open_tok: Token, pieces: list[Piece], text: str) -> bool:
        """``### Title`` followed by a paragraph of "[[Paper]](url) [[Code]](url)" and
        the authors: the heading is the paper's title (one item), not a section."""
        if (len(text.split()) < 3 or self.i + 1 >= len(self.toks) or self.toks[self.i].type != "paragraph_open"
                or self.skipping() or dates.is_only_date(text) is not None):
            return False
        para = flatten(self.toks[self.i + 1].children)
        found = [p for p in para if p.kind == "link" and not p.href.startswith("#")]
        lead = next((p for p in para if p.kind != "text" or p.text.strip(" []()|")), None)
        if not found or lead is None or lead.kind != "link" \
                or any(not (generic_text(p.text) or code_text(p.text)) for p in found):
            return False  # the paragraph must open with its links: "[[Paper]](url) [[Code]](url)"
        title = [Piece("text", p.text, styles=p.styles | {STRONG}) for p in pieces if p.kind == "text"]
        self.items.append(Item(title + [Piece("br", line=0)] + para, _line(open_tok), self.section, "heading",
                               self.year_hint()))
        self.i += 3
        return True

    def paragraph(self) -> list[Item]:
        open_tok = self.toks[self.i]
        inline = self.toks[self.i + 1]
        self.i += 3
        self.seen_content = True
        pieces = flatten(inline.children)
        base = _line(open_tok)
        lines = [ln for ln in split_lines(pieces) if plain(ln)]
        # one item for the whole paragraph; the parser reads it line by line instead
        # when several of its lines are references of their own ("[7] Lee et al. ...<br>")
        item = Item(pieces, base, self.section, "paragraph", self.year_hint())
        item.lines = [Item(ln, base + ln[0].line, self.section, "paragraph", self.year_hint()) for ln in lines]
        return [item]

    def list_block(self) -> list[Item]:
        """A bullet or ordered list starting at ``self.i``; returns its items."""
        close = self.toks[self.i].type.replace("_open", "_close")
        self.i += 1
        out: list[Item] = []
        while self.i < len(self.toks) and self.toks[self.i].type != close:
            if self.toks[self.i].type == "list_item_open":
                out.append(self.list_item())
            else:
                self.i += 1
        self.i += 1
        return out

    def list_item(self) -> Item:
        open_tok = self.toks[self.i]
        self.i += 1
        item = Item([], _line(open_tok), self.section, "list", self.year_hint())
        first = True
        while self.i < len(self.toks) and self.toks[self.i].type != "list_item_close":
            t = self.toks[self.i]
            if t.type == "paragraph_open":
                pieces = flatten(self.toks[self.i + 1].children)
                if first:
                    item.pieces = pieces
                    item.line = _line(t) or item.line
                    first = False
                else:
                    item.extra.append(pieces)
                self.i += 3
            elif t.type in ("bullet_list_open", "ordered_list_open"):
                item.details.extend(self.list_block())
                first = False
            elif t.type == "html_block":
                pieces = flatten_html(t.content, MD)
                if plain(pieces):
                    if first:
                        item.pieces, first = pieces, False
                    else:
                        item.extra.append(pieces)
                self.i += 1
            else:
                self.skip_block()
        self.i += 1
        return item

    def table(self) -> list[Item]:
        """A GFM table: header roles, then one item per body row."""
        rows: list[tuple[int, list[list[Piece]], bool]] = []  # (line, cells, is_header)
        depth = 0
        cells: list[list[Piece]] = []
        line = 0
        header = False
        while self.i < len(self.toks):
            t = self.toks[self.i]
            depth += t.nesting
            if t.type == "tr_open":
                cells, line = [], _line(t)
            elif t.type in ("th_open", "td_open"):
                header = t.type == "th_open"
            elif t.type == "inline":
                cells.append(flatten(t.children))
            elif t.type == "tr_close":
                rows.append((line, cells, header))
            self.i += 1
            if depth == 0:
                break
        return self.rows_to_items(rows, "table")

    def rows_to_items(self, rows: list[tuple[int, list[list[Piece]], bool]], origin: str) -> list[Item]:
        if not rows:
            return []
        head = [plain(c) for c in rows[0][1]] if rows[0][2] else []
        body = rows[1:] if rows[0][2] else rows
        roles = table_roles(head, [cells for _, cells, _ in body])
        out: list[Item] = []
        for line, cells, _ in body:
            title_col = roles.get("title", [0])[0]
            if title_col >= len(cells):
                continue
            cols: dict[str, list[list[Piece]]] = {}
            for role, idxs in roles.items():
                cols[role] = [cells[j] for j in idxs if j < len(cells) and j != title_col]
            cols["all"] = [c for j, c in enumerate(cells) if j != title_col]
            out.append(Item(cells[title_col], line, self.section, origin, self.year_hint(), columns=cols))
        return out

    def html_block(self, t: Token) -> list[Item]:
        """Raw HTML: ``<tr>`` rows become table rows, ``<li>`` / ``<p>`` / lines with a
        link become items; comments, ``<details>``/``<summary>`` wrappers are dropped."""
        raw = re.sub(r"<!--.*?-->", "", t.content, flags=re.S)
        base = _line(t)
        if re.search(r"<tr\b", raw, re.I):
            rows = []
            for m in re.finditer(r"<tr\b.*?(?=<tr\b|</table|\Z)", raw, re.I | re.S):
                tr = m.group(0)
                found = re.findall(r"<t[dh]\b[^>]*>(.*?)(?=<t[dh]\b|</tr|\Z)", tr, re.I | re.S)
                cells = [flatten_html(c, MD) for c in found]
                is_head = bool(re.search(r"<th\b", tr, re.I))
                rows.append((base + raw.count("\n", 0, m.start()), cells, is_head))
            if rows and not rows[0][2]:
                rows.insert(0, (base, [], True))
            return self.rows_to_items(rows, "html") if rows else []
        out = []
        for m in re.finditer(r"(?:<li\b[^>]*>|<p\b[^>]*>|<br\s*/?>|\n|^)(.*?)(?=<li\b|<p\b|<br\s*/?>|\n|</ul|</ol|\Z)",
                             raw, re.I | re.S):
            frag = m.group(1)
            if not frag.strip():
                continue
            pieces = flatten_html(frag, MD)
            if plain(pieces) and any(p.kind == "link" for p in pieces):
                out.append(Item(pieces, base + raw.count("\n", 0, m.start()), self.section, "html",
                                self.year_hint()))
        return out


def table_roles(head: list[str], body: list[list[list[Piece]]]) -> dict[str, list[int]]:
    """Column index lists per role.  Header words decide; the title column is the
    titled one whose cells hold the most words (a "Paper" column of bare
    "[PDF]" links is a links column when a "Title" column exists)."""
    roles: dict[str, list[int]] = {}
    taken: set[int] = set()
    # "Title & Authors", "Paper (authors)": the title column, with its authors inside
    for j, h in enumerate(head):
        if dict(COLUMN_ROLES)["title"].search(h) and dict(COLUMN_ROLES)["authors"].search(h):
            roles.setdefault("title", []).append(j)
            taken.add(j)
    for role, rx in COLUMN_ROLES:
        for j, h in enumerate(head):
            if j not in taken and rx.search(h):
                roles.setdefault(role, []).append(j)
                if role != "links":
                    taken.add(j)
    ncols = max((len(r) for r in body), default=len(head))

    def words(j: int) -> float:
        vals = [len(plain(r[j]).split()) for r in body if j < len(r)]
        return sum(vals) / len(vals) if vals else 0.0

    titled = roles.get("title", [])
    if titled:
        best = max(titled, key=words)
        roles["title"] = [best]
        roles.setdefault("links", [])
        roles["links"] += [j for j in titled if j != best]
    else:
        free = [j for j in range(ncols) if j not in taken or j in roles.get("links", [])]
        if free:
            best = max(free, key=words)
            roles["title"] = [best]
    return roles


def read(text: str) -> Document:
    """Markdown ``text`` -> candidate items and the document's title (its first H1)."""
    return _Reader(MD.parse(text)).run()
