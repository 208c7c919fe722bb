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
* bullets without "by": ``[Title](url), A B et al., ICLR 2021.``,
  ``[Title](url). A B, C D. NeurIPS 2020.``, ``[Title](url) - A B and C D (CVPR'19)``;
  names and venues are told apart by shape (capitalised names vs. acronyms / years);
* titles outside the link when the link text is only "paper", "pdf"... or a venue:
  ``**Title** - A B. *MobiSys 2020*. [[paper](url)]``, ``Title. A B. ICML 2020. [PDF](url)``,
  ``**ABBR**: "Title", ICCV, 2021 [[Paper](url)]``; leading labels ("Paper:"), dates and
  ``[TAG]`` brackets are dropped; inline HTML ``<a href="url">Title</a>`` is a link;
* sub-bullets under an entry: its authors, venue/year ("CVPR 2022", "Venue: ..."),
  abstract-like text or extra links; a sub-bullet with its own title is its own work;
* tables whose title cell holds ``[Title](url) <br> Author, Author`` and whose
  other columns give venue / year / code;
* one heading per paper ``## [Title](url), 2019/06`` followed by an author line
  and an abstract.

Code, project, slides... links go to ``ListEntry.links``; they are never the
paper URL.  Unreadable items become :class:`~pipeline.models.ParseProblem`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from rapidfuzz import fuzz

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
    r"open[\s-]?source|\bprojects?\b|\btools?\b|toolkits?|frameworks?|librar(y|ies)|software|repositor|"
    r"\bdatasets?\b",
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

# link texts that name the kind of link, not the work: the title is then the
# item's leading (often bold) text, e.g. ``**Title** - A, B. *MobiSys 2020*. [[paper](url)]``
_GENERIC_TEXT = re.compile(
    r"^\W*(paper|papers|pdf|arxiv|link|url|doi|acm|ieee|openreview|springer|html|abs|abstract|"
    r"preprint|article|publication|full text|read|download|semantic scholar|acl(?: anthology)?)\W*$",
    re.I,
)
# a leading label before the title: "Paper:", "PDF -", "[Paper]"
_LEAD_LABEL = re.compile(r"^\W*\b(paper|pdf|link|url|arxiv|title|article)\b\s*[:\]\-–—|)]\s*", re.I)
_LEAD_DATE = re.compile(r"^\W*(?:19|20)\d{2}(?:[./-]\d{1,2}){0,2}\b[\s:.-]*")  # "2016.03 "
_LEAD_BRACKET = re.compile(r"^\W*?[\[(]([^\[\]()]{1,40})[\])]\s*")  # "[CVPR 2020] "
_HTML_A_OPEN = re.compile(r"<a\s[^>]*?href\s*=\s*(['\"])(.*?)\1[^>]*>", re.I | re.S)
_HTML_IMG = re.compile(r"<img\s[^>]*?src\s*=\s*(['\"])(.*?)\1[^>]*>", re.I | re.S)
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")  # GitHub emoji shortcodes such as :fire:
# end of a title / author / venue chunk in a free-text tail: ". " (not after an initial
# such as "D."), or a spaced dash / bar
_CHUNK_SPLIT = re.compile(r"(?<!\b\w)\.\s+|\s+[-–—|]\s+")
# words that show a chunk is not a list of person names
_NOT_NAME_WORDS = {
    "university", "institute", "research", "lab", "labs", "laboratory", "inc", "ltd", "team",
    "group", "corporation", "project", "paper", "code", "survey", "dataset", "datasets",
    "library", "framework", "tool", "toolkit", "official", "implementation", "benchmark",
    "conference", "journal", "proceedings", "workshop", "symposium", "transactions", "arxiv",
    "preprint", "pdf", "the", "a", "an", "for", "with", "via", "of", "in", "on", "to", "is",
    "google", "microsoft", "facebook", "meta", "deepmind", "openai", "nvidia", "ibm", "amazon",
    "apple", "baidu", "alibaba", "tencent", "huawei", "brain",
}
_VENUE_WORDS = re.compile(
    r"\b(conference|journal|proceedings|workshop|symposium|transactions|arxiv|preprint|letters|"
    r"nature|science)\b", re.I)

_ET_AL = re.compile(r"[,;]?\s*\b(et\.?\s*al\.?|etc\.?)\s*\.?\s*$", re.I)
_YEAR4_TAIL = re.compile(r"(?:^|(?<=[\s(,\-'’]))((?:19|20)\d{2})\)?$")
_YEAR2_TAIL = re.compile(r"['’]\s?(\d{2})\)?$")  # "KDD'24"
_CENTURY_PIVOT = 70  # two-digit years below it are 20xx, others 19xx
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
    strong: bool = False  # text inside ``**...**`` (a bold title)


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

    html_link: list[_Piece] = []  # an open inline ``<a href="...">`` awaiting ``</a>``

    def walk(n: SyntaxTreeNode, strong: bool = False) -> None:
        for c in n.children:
            if html_link and c.type == "html_inline" and _HTML_IMG.match(c.content):
                html_link[0].has_image = True  # <a href=...><img src=badge></a>
                html_link[0].image_src = html.unescape(_HTML_IMG.match(c.content).group(2))
            elif html_link and c.type != "html_inline":
                html_link[0].text += text_of(c)
            elif c.type == "html_inline" and _HTML_A_OPEN.match(c.content):
                href = _HTML_A_OPEN.match(c.content).group(2)
                html_link[:] = [_Piece("link", href=html.unescape(href))]
            elif c.type == "html_inline" and html_link and re.match(r"</a\s*>", c.content, re.I):
                piece = html_link.pop()
                piece.text = _squash(piece.text)
                out.append(piece)
            elif c.type == "link":
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
                out.append(_Piece("text", text=c.content, strong=strong))
            elif c.type == "softbreak":
                out.append(_Piece("text", text="\n"))
            else:
                walk(c, strong or c.type == "strong")

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
    s = _squash(unicodedata.normalize("NFKC", s)).strip(" .,;:-–—[]()")
    if not s:
        return None, None
    year = None
    m = _YEAR4_TAIL.search(s)
    m2 = None if m else _YEAR2_TAIL.search(s)
    if m:
        year = int(m.group(1))
    elif m2:
        yy = int(m2.group(1))
        year = (2000 if yy < _CENTURY_PIVOT else 1900) + yy  # "'19" -> 2019, "'98" -> 1998
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


# --- free-text tails (no "by") ------------------------------------------------------


def _strip_symbols(s: str) -> str:
    """Drop emoji, ``:shortcodes:`` and other pictographs (Unicode categories So, Cf,
    variation selectors) that lists put between a title and its authors."""
    s = _SHORTCODE.sub(" ", s)
    return "".join(
        ch for ch in s
        if unicodedata.category(ch) not in ("So", "Cf", "Co", "Cs") and not 0xFE00 <= ord(ch) <= 0xFE0F
    )


def _is_acronym(word: str) -> bool:
    """A single venue-like token with inner capitals: "ICLR", "NeurIPS", "EuroMLSys"."""
    return (" " not in word and len(word) <= 15 and sum(ch.isupper() for ch in word) >= 2
            and bool(re.fullmatch(r"[A-Za-z][A-Za-z-]*", word)))


def _looks_like_names(text: str) -> bool:
    """Whether ``text`` reads as person names ("Ann Lee, Bo Chen et al.", "Ann Lee and
    Bo Chen", "Xu, Dianlei"): each name 1-5 capitalised words or initials, and no digits,
    acronyms ("ICLR") or words that name things rather than people ("University")."""
    s = _squash(text).strip(" ,;.")
    m = _ET_AL.search(s)
    if m:
        s = s[: m.start()].strip(" ,;")
    parts = [p.strip() for p in re.split(r",|;|\band\b|&", s) if p.strip()]
    if not parts or len(s) > 400:
        return False
    for part in parts:
        toks = part.split()
        if not 1 <= len(toks) <= 5:
            return False
        for tok in toks:
            bare = tok.strip(".")
            if tok.casefold() in _PARTICLES or tok.casefold() in _SUFFIXES:
                continue
            if (not bare or not bare[0].isupper() or any(ch.isdigit() for ch in bare)
                    or (len(bare) >= 3 and bare.isupper()) or bare.casefold() in _NOT_NAME_WORDS):
                return False
    return len(parts) >= 2 or len(parts[0].split()) >= 2


def _venue_year(chunk: str) -> tuple[str | None, int | None]:
    """:func:`split_venue_year` after dropping "Accepted at", "Published in", "In"."""
    chunk = re.sub(r"^\s*(?:(?:accepted|published|appeared|presented)\s+(?:at|in|to|by)|in)\s+", "",
                   _squash(chunk), flags=re.I)
    return split_venue_year(chunk)


def _venue_like(chunk: str) -> bool:
    """Whether a free-text ``chunk`` is a venue hint: "ICLR 2021", "CVPR'19", "(2020)", an
    acronym ("NeurIPS") or a phrase naming a journal or proceedings; never person names."""
    c = _squash(chunk).strip(" .,;:-–—")
    if not c or len(c) > 80 or "," in c:
        return False
    venue, year = _venue_year(c)
    if venue is None:
        return year is not None
    if _looks_like_names(venue):
        return False
    if year is not None:
        return len(venue.split()) <= 8
    return _is_acronym(venue) or bool(_VENUE_WORDS.search(venue))


def _take_venue(chunks: list[str]) -> tuple[str | None, int | None]:
    """Find the venue among free-text ``chunks`` (searching from the end) and remove it:
    a whole chunk ("NeurIPS 2020") or the last comma part of one ("A B et al., ICLR 2021",
    "ICCV, 2021"); else a bare year after names ("A B 2020")."""
    for i in range(len(chunks) - 1, -1, -1):
        if _venue_like(chunks[i]):
            return _venue_year(chunks.pop(i))
        head, comma, last = chunks[i].rpartition(",")
        if comma and _venue_like(last):
            venue, year = _venue_year(last)
            head2, _, prev = head.rpartition(",")
            if venue is None and _venue_like(prev) and _venue_year(prev)[1] is None:
                venue, head = _venue_year(prev)[0], head2  # "ICCV, 2021"
            chunks[i] = head.strip(" ,")
            return venue, year
    if chunks:  # "Ann Lee, Bo Chen 2020": a year after the names, no venue
        names, year = _venue_year(chunks[-1])
        if year is not None and names and _looks_like_names(names):
            chunks[-1] = names
            return None, year
    return None, None


def _parse_free_tail(tail: str) -> tuple[str | None, str | None, int | None]:
    """Authors and venue of a tail without "by": ``", Ann Lee et al., ICLR 2021."``,
    ``". Ann Lee, Bo Chen. NeurIPS 2020."``, ``" - Ann Lee and Bo Chen (CVPR 2019)"``,
    ``" - NeurIPS 2019"``.  Text that reads as neither (a description) is ignored."""
    s = _squash(unicodedata.normalize("NFKC", _strip_symbols(tail))).strip(" .,;:-–—|*_[]")
    venue = year = None
    m = re.search(r"\(([^()]*)\)$", s)
    if m:  # "... (CVPR 2019)"; any other parenthetical is a note: "(Same authors above)"
        if _venue_like(m.group(1)):
            venue, year = _venue_year(m.group(1))
        s = s[: m.start()].rstrip(" .,;:-–—")
    chunks = [c.strip(" .,;:") for c in _CHUNK_SPLIT.split(s)]
    chunks = [c for c in chunks if c]
    if venue is None and year is None:
        venue, year = _take_venue(chunks)
    elif venue is None and chunks:  # "ACL (2018)", "Ann Lee, ICCV (2019)"
        head, _, last = chunks[-1].rpartition(",")
        if _venue_like(last) and _venue_year(last)[1] is None:
            venue = _venue_year(last)[0]
            chunks[-1] = head.strip(" ,")
    authors = next((c for c in chunks if _looks_like_names(c)), None)
    return authors, venue, year


# --- titles in text (link text is "paper", "pdf" or a venue) ---------------------------


def _split_lead(text: str) -> tuple[str, str | None, int | None]:
    """Peel labels, dates and a bracketed venue off an item's leading text: ``"Paper: "``,
    ``"[PDF] "``, ``"2016.03 "``, ``"[CVPR 2020] "`` -> (rest, venue, year).  A bracket
    without a year (``"[HNSW] "``) is a tag and is dropped."""
    venue = year = None
    s = _squash(unicodedata.normalize("NFKC", _strip_symbols(text)))
    while True:
        before = s
        s = _LEAD_DATE.sub("", _LEAD_LABEL.sub("", s))
        m = _LEAD_BRACKET.match(s)
        if m and s[m.end():].strip() and venue is None and year is None:
            venue, year = _venue_year(m.group(1))  # "[CVPR 2020] Title"
            if year is None:  # a tag such as "[HNSW]", not a venue
                venue = None
            s = s[m.end():]
        if s == before:
            return s.strip(), venue, year


def _strong_runs(pieces: list[_Piece]) -> list[tuple[int, str]]:
    """Bold runs among ``pieces``: (index of the piece after the run, run text)."""
    runs: list[tuple[int, str]] = []
    cur = ""
    for i, p in enumerate(pieces + [_Piece("br")]):
        if p.kind == "text" and p.strong:
            cur += p.text
        elif cur:
            runs.append((i, cur))
            cur = ""
    return runs


def _bold_title(before: list[_Piece], min_words: int) -> tuple[str, str] | None:
    """The first bold run of ``min_words`` or more words that is not a venue or a label,
    and the text after it: ``**Efficient Inference on Phones** - A B ...``."""
    for end, run in _strong_runs(before):
        title = _squash(run).strip(" []*")
        if (len(title.split()) >= min_words and not _venue_like(title) and not _LEAD_LABEL.match(run)
                and any(ch.isalpha() for ch in title)):
            return title, "".join(p.text for p in before[end:] if p.kind == "text")
    return None


def _title_from_text(before: list[_Piece], after_text: str,
                     min_words: int) -> tuple[str, str, str | None, int | None] | None:
    """(title, rest of the text, venue, year) of an item whose paper link is only
    "paper" / "pdf" / a venue: a bold title of three or more words, else a quoted title
    (``**3DETR**: "An End-to-End ..."``), else a shorter bold run of ``min_words`` or more
    words, else the leading text up to the first ". " or " - ".  None when no such text
    precedes the link."""
    bold = _bold_title(before, max(min_words, 3))
    lead, venue, year = _split_lead(_clean_tail(_text(before)).rstrip(" [(|"))
    q = re.search(r"[“\"]([^”\"]{8,})[”\"]", lead)
    if not bold and q and len(q.group(1).split()) >= 2:  # “Universal Language Model ...” ACL 2018
        return q.group(1).strip(), f"{lead[q.end():]} {after_text}", venue, year
    bold = bold or _bold_title(before, min_words)
    if bold:
        return bold[0], f"{bold[1]} {after_text}", None, None
    title, *rest = _CHUNK_SPLIT.split(lead, maxsplit=1)
    title = title.strip(" .,;:")
    if len(title.split()) < min_words or _venue_like(title):
        return None
    return title, f"{' '.join(rest)} {after_text}", venue, year


# --- entry building -----------------------------------------------------------------


@dataclass
class _Ctx:
    entries: list[ListEntry] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    by_url: dict[str, ListEntry] = field(default_factory=dict)
    by_title: dict[str, ListEntry] = field(default_factory=dict)
    title: str | None = None

    def problem(self, line: int, message: str) -> None:
        self.problems.append(ParseProblem(line=line, message=message))

    def add(self, e: ListEntry) -> ListEntry:
        """Add ``e`` or merge it into an earlier listing of the same work; return the
        stored entry."""
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
            return e
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
        return old


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
    if not m:  # "(SOSP 2019)", ", A B et al., ICML 2020", ". A B, C D. NeurIPS 2020"
        return _parse_free_tail(tail)
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
               report_linkless: bool) -> ListEntry | None:
    """Turn one bullet's inline pieces into an entry (returned), a problem, or nothing."""
    all_links = [p for p in pieces if p.kind == "link"]
    if not all_links:
        if report_linkless and _text(pieces):
            ctx.problem(line, f"list item has no link: {_text(pieces)[:80]!r}")
        return None
    idx, links = _pick(pieces)
    if not links:
        return None  # navigation (#anchors) or badges only
    kind = _section_kind(section)
    if idx is None:
        named = [p for p in links if p.text and not _CODE_TEXT.match(p.text)]
        if any(not p.text for p in links):
            ctx.problem(line, "link with an empty title")
            return None
        if not named:
            ctx.problem(line, "list item has only code/project links, no title")
            return None
        # the only link is a repository or project page: a software entry
        idx, kind = pieces.index(named[0]), KIND_SOFTWARE
    paper = pieces[idx]
    found = _title_and_tail(pieces, idx)
    if found is None:
        ctx.problem(line, f"link text {paper.text!r} is not a title and no title precedes it")
        return None
    title, tail, venue, year = found
    authors_raw = None
    if kind == KIND_PAPER:
        authors_raw, tail_venue, tail_year = _parse_tail(tail)
        venue, year = venue or tail_venue, year or tail_year
        if venue is None and year is None:  # "[Title](url) [[CVPR 2020](url2)]"
            venue, year = _venue_from_links(links, paper)
    return ctx.add(_make_entry(kind, title, paper.href, section, line,
                               _other_links(links, paper), authors_raw, venue, year))


def _title_and_tail(pieces: list[_Piece], idx: int) -> tuple[str, str, str | None, int | None] | None:
    """(title, tail text, venue, year) of an item whose paper link is ``pieces[idx]``.

    The link text is the title unless it is a generic word ("paper", "pdf") or only a
    venue and year (``**Title** [[ECCV 2018](url)]``); then the title is the text before
    the link (see :func:`_title_from_text`).  A leading label ("Paper:") is ignored and a
    leading bracketed venue (``[NeurIPS 2023] [Title](url)``) is returned as the venue."""
    paper = pieces[idx]
    before = pieces[:idx]
    after_text = "".join(p.text for p in pieces[idx + 1:] if p.kind == "text")
    if _GENERIC_TEXT.match(paper.text):
        return _title_from_text(before, after_text, min_words=1)
    link_venue, link_year = split_venue_year(paper.text)
    if link_year is not None and (link_venue is None or len(link_venue.split()) <= 4):
        found = _title_from_text(before, after_text, min_words=2)
        if found is not None:
            return found[0], found[1], link_venue, link_year
    lead, venue, year = _split_lead(_text(before))
    if venue is None and year is None and _venue_like(lead):  # "ICLR 2021 [Title](url)"
        venue, year = _venue_year(lead)
    return paper.text, after_text, venue, year


def _venue_from_links(links: list[_Piece], paper: _Piece) -> tuple[str | None, int | None]:
    """Venue and year from a non-paper link whose text is only a venue: ``[[CVPR 2020](url)]``."""
    for p in links:
        if p is not paper and not _is_code_link(p):
            venue, year = split_venue_year(p.text)
            if year is not None and (venue is None or len(venue.split()) <= 4):
                return venue, year
    return None, None


_DETAIL_LABEL = re.compile(
    r"^(?P<label>authors?|by|venue|conference|journal|published(?: in| at)?|year|abstract|summary|"
    r"tl;?dr|description|note)\s*[:：]\s*", re.I)


def _add_detail(entry: ListEntry, text: str) -> None:
    """Fill ``entry`` from one sub-bullet's text ("Ann Lee, Bo Chen", "CVPR 2022",
    "Authors: ...", or a sentence, which becomes abstract text).  Fields the entry line
    already gave are kept."""
    if not text:
        return
    m = _DETAIL_LABEL.match(text)
    label = m.group("label").casefold() if m else ""
    body = text[m.end():].strip() if m else text
    if label.startswith(("author", "by")) or (not label and _looks_like_names(body)):
        if not entry.authors:
            entry.authors_raw = _squash(body)
            entry.authors, entry.et_al = split_authors(body)
        return
    if label.startswith(("venue", "conf", "journal", "publ", "year")) or (not label and _venue_like(body)):
        venue, year = _venue_year(body)
        entry.venue = entry.venue or venue
        entry.year = entry.year or year
        return
    entry.abstract = f"{entry.abstract} {body}" if entry.abstract else body


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
            self.ctx.title = text or None
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
        """A bullet or ordered list; ``labels`` are the texts of link-less parent bullets
        (sub-sections such as ``- Compilers``)."""
        self.items(lst.children, labels)

    def items(self, list_items: list[SyntaxTreeNode], labels: list[str]) -> None:
        """The ``list_item`` nodes of one list (or the sub-bullets that are works of their own)."""
        items = []
        for item in list_items:
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
            entry = None
            if pieces and (has_link or not nested):
                entry = _read_item(self.ctx, pieces, section, line, report)
            for sub in nested:
                if entry is not None:
                    self.details(entry, sub, labels)
                    continue
                label = _text(pieces) if pieces and not has_link else ""
                self.list(sub, labels + ([label] if label else []))

    def details(self, entry: ListEntry, lst: SyntaxTreeNode, labels: list[str]) -> None:
        """Sub-bullets of an entry: its authors, venue, abstract or extra links.  A
        sub-bullet with a paper link of its own is a separate entry."""
        rest = []
        for item in lst.children:
            para = next((c for c in item.children if c.type == "paragraph"), None)
            pieces = _flatten(para.children[0] if para and para.children else None)
            idx, links = _pick(pieces)
            if idx is not None and _title_and_tail(pieces, idx) is not None:
                rest.append(item)  # its own work: "[Title](url)", "**Title** [[pdf](url)]"
                continue
            known = {x.url for x in entry.links} | {entry.url}
            entry.links.extend(x for x in _other_links(links, None) if x.url not in known)
            _add_detail(entry, _clean_tail(_text(pieces)))
            for sub in (c for c in item.children if c.type in ("bullet_list", "ordered_list")):
                self.details(entry, sub, labels)
        if rest:
            self.items(rest, labels)


# --- public API -------------------------------------------------------------------


def parse_text(text: str, path: str = "<string>") -> ParseResult:
    """Parse Markdown ``text``.  ``path`` names the source for callers' messages
    (problems carry only line numbers; the caller knows the file)."""
    del path  # kept in the signature for the DESIGN.md contract
    # markdown-it counts a lone CR as a line break; so do we, consistently
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    ctx = _Ctx()
    walker = _Walker(ctx)
    walker.walk(SyntaxTreeNode(_MD.parse(text)))
    walker.flush()
    return ParseResult(entries=ctx.entries, problems=ctx.problems, title=ctx.title)


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
