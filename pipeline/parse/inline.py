"""One item's inline Markdown -> a flat list of :class:`Piece` objects.

markdown-it-py gives a block's inline content as a flat token stream with
``*_open`` / ``*_close`` pairs (https://markdown-it-py.readthedocs.io/en/latest/using.html).
This module walks that stream once, keeping a stack of styles, and emits text
runs, links, images and line breaks, each with the styles in force: bold,
italic, code, ``<ins>``/``<u>``, ``<sup>``/``<sub>``.  Inline HTML is read the
same way (``<a href>``, ``<img>``, ``<br>``, ``<b>``, ``<i>``, ``<ins>``,
``<sup>``...); comments and unknown tags are dropped, their text kept.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

STRONG, EM, CODE, INS, SUP, DEL = "strong", "em", "code", "ins", "sup", "del"

_MD_STYLE = {"strong": STRONG, "em": EM, "s": DEL}
_HTML_STYLE = {"b": STRONG, "strong": STRONG, "i": EM, "em": EM, "cite": EM, "ins": INS, "u": INS,
               "sup": SUP, "sub": SUP, "code": CODE, "tt": CODE, "del": DEL, "s": DEL, "strike": DEL,
               "mark": INS, "font": None, "span": None, "small": None, "big": None}
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*?)(/?)\s*>", re.S)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@dataclass
class Piece:
    """One flattened inline element.

    ``kind`` is "text", "link", "image" or "br".  A link's ``text`` is its
    visible text and ``images`` the ``src`` of images inside it (badges).
    ``styles`` are the styles in force (see the module constants); ``line`` is
    the 0-based line offset inside the block (soft and hard breaks count).
    """

    kind: str
    text: str = ""
    href: str = ""
    styles: frozenset[str] = frozenset()
    images: list[str] = field(default_factory=list)
    line: int = 0


def attrs_of(tag_body: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(tag_body)}


class _Flattener:
    def __init__(self) -> None:
        self.out: list[Piece] = []
        self.styles: list[str] = []
        self.link: Piece | None = None  # the open link collecting text
        self.line = 0

    def style(self) -> frozenset[str]:
        return frozenset(self.styles)

    def text(self, s: str) -> None:
        if not s:
            return
        if self.link is not None:
            self.link.text += s
            if self.styles:
                self.link.styles = self.link.styles | self.style()
            return
        last = self.out[-1] if self.out else None
        st = self.style()
        if last is not None and last.kind == "text" and last.styles == st and last.line == self.line:
            last.text += s
        else:
            self.out.append(Piece("text", s, styles=st, line=self.line))

    def br(self, newline: bool = False) -> None:
        """A line break; ``newline`` when the source text has one (not ``<br>``)."""
        if self.link is not None:
            self.link.text += " "
            return
        self.line += newline
        self.out.append(Piece("br", line=self.line))

    def open_link(self, href: str) -> None:
        self.close_link()
        self.link = Piece("link", href=href.strip(), styles=self.style(), line=self.line)

    def close_link(self) -> None:
        if self.link is not None:
            self.link.text = re.sub(r"\s+", " ", self.link.text).strip()
            self.out.append(self.link)
            self.link = None

    def image(self, src: str, alt: str) -> None:
        if self.link is not None:
            self.link.images.append(src)
            if not self.link.text.strip() and alt:
                self.link.text = alt
            return
        self.out.append(Piece("image", alt, href=src, styles=self.style(), line=self.line))

    def html_inline(self, raw: str) -> None:
        raw = _COMMENT.sub("", raw)
        pos = 0
        for m in _TAG.finditer(raw):
            self.text(html.unescape(raw[pos:m.start()]))
            pos = m.end()
            closing, name, body, selfclose = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
            if name == "br" or (name == "p" and closing):
                self.br()
            elif name == "a":
                if closing:
                    self.close_link()
                else:
                    href = attrs_of(body).get("href")
                    if href is not None:
                        self.open_link(href)
            elif name == "img":
                a = attrs_of(body)
                self.image(a.get("src", ""), a.get("alt", "") or a.get("title", ""))
            elif name in _HTML_STYLE and not selfclose:
                st = _HTML_STYLE[name]
                if st is None:
                    continue
                if closing:
                    if st in self.styles:
                        idx = len(self.styles) - 1 - self.styles[::-1].index(st)
                        del self.styles[idx]
                else:
                    self.styles.append(st)
        self.text(html.unescape(raw[pos:]))

    def walk(self, tokens: list[Token]) -> list[Piece]:
        for t in tokens:
            ty = t.type
            if ty == "text":
                self.text(t.content)
            elif ty == "code_inline":
                self.styles.append(CODE)
                self.text(t.content)
                self.styles.pop()
            elif ty == "softbreak" or ty == "hardbreak":
                self.br(newline=True)
            elif ty == "link_open":
                self.open_link(str(t.attrs.get("href", "")))
            elif ty == "link_close":
                self.close_link()
            elif ty == "image":
                self.image(str(t.attrs.get("src", "")), t.content or "")
            elif ty.endswith("_open") and ty[:-5] in _MD_STYLE:
                self.styles.append(_MD_STYLE[ty[:-5]])
            elif ty.endswith("_close") and ty[:-6] in _MD_STYLE:
                st = _MD_STYLE[ty[:-6]]
                if st in self.styles:
                    idx = len(self.styles) - 1 - self.styles[::-1].index(st)
                    del self.styles[idx]
            elif ty == "html_inline":
                self.html_inline(t.content)
        self.close_link()
        return self.out


def flatten(tokens: list[Token] | None) -> list[Piece]:
    """An inline token's ``children`` -> pieces."""
    return _Flattener().walk(tokens or [])


def flatten_html(raw: str, md: MarkdownIt | None = None) -> list[Piece]:
    """A fragment of raw HTML (an ``html_block``) -> pieces.  With ``md``, the
    fragment is read as inline Markdown first, so ``[Title](url)`` inside
    ``<details>`` or ``<p>`` is a link as GitHub shows it; tags are read as above."""
    if md is not None:
        tokens = md.parseInline(_COMMENT.sub("", raw).strip())
        return flatten(tokens[0].children if tokens else [])
    f = _Flattener()
    f.html_inline(raw.replace("\n", " "))
    f.close_link()
    return f.out


def split_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces cut at line breaks (``br`` pieces are dropped)."""
    out: list[list[Piece]] = [[]]
    for p in pieces:
        if p.kind == "br":
            out.append([])
        else:
            out[-1].append(p)
    return out


def plain(pieces: list[Piece]) -> str:
    """The visible text of ``pieces`` (link texts included), squashed."""
    return re.sub(r"\s+", " ", " ".join(p.text for p in pieces if p.kind in ("text", "link"))).strip()
