"""One general field extractor: an item's pieces -> title, authors, venue, year, links.

The same code reads every layout.  The item's inline content is cut into
*chunks* wherever the writing changes: a line break, a change of style (bold
title, italic authors, ``<ins>`` venue), a link, a bracket or parenthesis, a
quotation, a sentence end (". "), a spaced dash or bar.  Each chunk is then
scored for what it reads as, by cues:

* **title** -- the text of a link to the paper, bold, quoted, or a heading;
  several words with lower-case words among them; first in the item;
* **authors** -- comma/"and"-separated person names, "et al.", "by", italics
  (:func:`.authors.names_score`);
* **venue** -- known venue names, "Conference/Journal/Proceedings..." words,
  acronyms, "In ...", ``<ins>``, brackets (:func:`.venues.venue_score`);
* **year** -- a date anywhere outside the title: ``2019``, ``'16``,
  ``2024.01``, ``Jan 2024`` (:mod:`.dates`), a shields badge, a table's year
  column, or the year heading above the item.

The best title chunk wins; authors, venue and year are then taken from the
other chunks.  Links are sorted into the paper link (arXiv, DOI, publisher,
PDF, or the link whose text is the title) and the rest (code, project...).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..identifiers import clean_url
from ..models import Link
from . import dates, links, venues
from .authors import ET_AL, names_score, strip_by
from .blocks import Item
from .inline import CODE, DEL, EM, INS, STRONG, SUP, Piece, plain

# abbreviations a period follows without ending a sentence (journal names, "vol.", months)
_ABBREV = frozenset("""
vol no nos pp p ch ed eds proc conf int intl trans j symp annu geosci sens mag lett eng comput intell
mach anal rev res sci syst inf technol appl stat assoc soc natl acad phys math med biol chem electron
commun netw process mob secur softw univ dept jan feb mar apr jun jul aug sep sept oct nov dec vs al
fig st mt dr prof inc ltd co corp jr sr adv neural inform transl lang ling comp robot autom vis
pattern recogn artif learn mater mech opt photon struct environ geophys remote biomed ieee acm
""".split())
_PERIOD = re.compile(r"\.\s+(?=\S)")


def _sentences(text: str) -> list[str]:
    """Cut at ". " except after an initial ("D."), a known abbreviation ("Trans.",
    "vol.", "Sep.") or inside "e.g."."""
    out, start = [], 0
    for m in _PERIOD.finditer(text):
        before = text[max(start, m.start() - 40):m.start()]  # a bounded look back: linear in all
        word = re.search(r"([A-Za-z][A-Za-z-]*)$", before)
        w = word.group(1) if word else ""
        if (len(w) == 1) or w.casefold() in _ABBREV or re.search(r"\b[a-zA-Z]\.[a-zA-Z]$", before):
            continue
        out.append(text[start:m.start()])
        start = m.end()
    out.append(text[start:])
    return out


_ETAL_END = re.compile(r"\bet\.?\s*al\.?(?=\s|$)", re.I)
_DASH = re.compile(r"\s+[-–—|:]\s+|\s*[|｜•·]\s*|\s+[–—]\s*|\s*[–—]\s+")
_QUOTED = re.compile(r"[“\"„«]([^”\"“»]{4,}?)[”\"»]|^\s*['‘]([^'’]{10,}?)['’](?![A-Za-z])")
_BRACKETED = re.compile(r"\[([^\[\]]{1,80})\]|\(([^()]{1,80})\)|【([^【】]{1,80})】")
_LABEL = re.compile(r"^\W*(paper|title|pdf|link|url|arxiv|article|code|project|venue|conference|journal|"
                    r"published(?: in| at)?|accepted(?: at| by)?|authors?|by|year|date|keywords?|tags?|"
                    r"tl;?dr|summary|abstract|note|notes|contribution|description|affiliations?|"
                    r"institution|organi[sz]ation|publication|pub|source|highlight|star|stars)\s*[:：]\s*",
                    re.I)
_SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")
_STRIP = " \t.,;:-–—|*_·•"
_GENERIC_TITLE = re.compile(r"^(paper|papers|code|pdf|link|here|project|abstract|arxiv|slides|video|"
                            r"github|website|homepage|demo|blog|dataset|tutorial|survey|overview|"
                            r"introduction|contents?|back to top|top|more|details?|read more)$", re.I)


@dataclass
class Chunk:
    text: str
    styles: frozenset[str] = frozenset()
    link: Piece | None = None  # the link this text is the text of
    quoted: bool = False
    bracket: bool = False
    line: int = 0
    order: int = 0


@dataclass
class Fields:
    """What the extractor read from one item.  ``title`` is None when no chunk reads
    as a title; ``url`` is the paper link (None when there is none)."""

    title: str | None = None
    url: str | None = None
    authors_raw: str | None = None
    venue: str | None = None
    year: int | None = None
    links: list[Link] = field(default_factory=list)
    abstract: str | None = None
    title_in_link: bool = False
    paper_links: int = 0  # links that point at a paper page or file
    code_links: int = 0
    nav_links: int = 0
    link_count: int = 0
    year_links: int = 0  # links whose text is only a year ("2019", "2020": navigation)
    empty_links: int = 0  # links with no text at all: "[](url)"
    generic_text: str | None = None  # the first "paper" / "pdf" link text
    chunks: int = 0
    prose_words: int = 0
    prose_before: int = 0


# GB/T 7714 document-type marks after a title: "Title[J]. Venue, 2018." ([J] journal, [C] proceedings...)
_GBT_MARK = re.compile(r"\[(?:J|C|M|D|R|S|P|N|A|Z|EB/OL|J/OL|C/OL|M/OL)\](?=[\s.,]|$)")


def clean_text(s: str) -> str:
    """Emoji, ``:shortcodes:``, pictographs, GB/T 7714 marks and invisible characters out; NFKC."""
    if s.isascii():
        return _GBT_MARK.sub(".", _SHORTCODE.sub(" ", s)) if (":" in s or "[" in s) else s
    s = _GBT_MARK.sub(".", _SHORTCODE.sub(" ", s))
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("So", "Cf", "Co", "Cs", "Sk")
                and not 0xFE00 <= ord(ch) <= 0xFE0F)
    return unicodedata.normalize("NFKC", s)


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# --- chunking ------------------------------------------------------------------------


def _split_text(text: str, styled: bool = False) -> list[tuple[str, bool, bool]]:
    """Cut plain text into (text, quoted, bracketed) runs at quotes, brackets, sentence
    ends, "et al.", spaced dashes and bars."""
    out: list[tuple[str, bool, bool]] = []
    pos = 0
    marks = sorted([(m.start(), m.end(), "q", m.group(1) or m.group(2)) for m in _QUOTED.finditer(text)]
                   + [(m.start(), m.end(), "b", m.group(1) or m.group(2) or m.group(3))
                      for m in _BRACKETED.finditer(text)])
    spans = []
    last_end = -1
    for s, e, kind, inner in marks:
        if s >= last_end:
            spans.append((s, e, kind, inner))
            last_end = e
    for s, e, kind, inner in spans:
        after_names = text[:s].rstrip().endswith(("al.", "al"))  # "Chen et al.(PKU & Huawei) NeurIPS 2019"
        if kind == "b" and text[s] == "(" and not after_names and \
                (styled or (text[e:].strip(_STRIP) and not _paren_note(inner))):
            continue  # "Large Language Model (LLM) Security", "*Conference on Robot Learning (CoRL)*"
        if kind == "b" and text[s] == "[" and text[:s].rstrip().endswith(":") and len(inner.split()) >= 3:
            continue  # "Evolving Data: [with Application to Forest Fire Risk Prediction]": a subtitle
        out.extend(_split_plain(text[pos:s]))
        out.append((inner, kind == "q", kind == "b"))
        pos = e
    out.extend(_split_plain(text[pos:]))
    return out


_MONTH_TAIL = re.compile(r"^[\s,.]*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?", re.I)
_BY_CLAUSE = re.compile(r",\s+(?=by\s+[A-Z])")
_ORPHAN = re.compile(r"^[\s\])}】]+|[\s\[({【]+$")


def _dash_split(text: str) -> list[str]:
    """Cut at spaced dashes and bars, but not before a lower-case word
    ("Secure MPC – or: Breaking the Limits" is one title)."""
    out: list[str] = []
    pos = 0
    for m in _DASH.finditer(text):
        nxt = text[m.end():m.end() + 1]
        if nxt.islower() and "|" not in m.group(0) and out is not None and text[pos:m.start()].strip():
            continue
        out.append(text[pos:m.start()])
        pos = m.end()
    out.append(text[pos:])
    return out


def _paren_note(inner: str) -> bool:
    """A parenthesis that is a note, not part of a title: a venue or date ("CVPR 2019",
    "2021"), an affiliation ("@MIT"), names, or a label ("Same authors above")."""
    t = inner.strip()
    return (t.startswith("@") or dates.find_year(t) is not None or venues.is_venue(t)
            or names_score(t) >= 2.0)


def _split_plain(text: str) -> list[tuple[str, bool, bool]]:
    out = []
    text = _ORPHAN.sub(" ", text)
    parts = []
    for part in _dash_split(text):
        parts.extend(_BY_CLAUSE.split(part))
    for part in parts:
        # "Lee et al. Title" -> "Lee et al." | "Title"
        part = _ETAL_END.sub(lambda m: m.group(0).rstrip(".") + ".\x00", part)
        for sub in part.split("\x00"):
            for s in _sentences(sub):
                if s.strip(_STRIP):
                    out.append((s, False, False))
    return out


def _drop_marks(pieces: list[Piece]) -> list[Piece]:
    """Footnote marks out: ``<sup>1</sup>``, ``<sup>*</sup>`` (affiliation numbers in author
    lists); the text around them joins up again, in the style it had."""
    out: list[Piece] = []
    for p in pieces:
        if p.kind == "text" and SUP in p.styles and re.fullmatch(r"[\s\d,*†‡§¶#✉∗]{1,8}", p.text):
            continue
        if p.kind == "br" and out and out[-1].kind == "text" and _open_quote(out[-1].text):
            out[-1] = Piece("text", out[-1].text + " ", styles=out[-1].styles, line=out[-1].line)
            continue  # a quoted title wrapped onto the next line
        if out and p.kind == "text" and out[-1].kind == "text" and out[-1].styles == p.styles:
            out[-1] = Piece("text", out[-1].text + p.text, styles=p.styles, line=p.line)
            continue
        out.append(p)
    return out


def _open_quote(text: str) -> bool:
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1


def chunks_of(pieces: list[Piece]) -> list[Chunk]:
    out: list[Chunk] = []
    pieces = _drop_marks(pieces)
    for i, p in enumerate(pieces):
        # "[**Megatron-LM**] Title": a styled run between brackets is a tag
        boxed = (0 < i < len(pieces) - 1 and pieces[i - 1].kind == "text" and pieces[i + 1].kind == "text"
                 and pieces[i - 1].text.rstrip().endswith(("[", "【"))
                 and pieces[i + 1].text.lstrip().startswith(("]", "】")))
        if boxed and p.kind == "text":
            out.append(Chunk(clean_text(p.text), p.styles, bracket=True, line=p.line))
            continue
        if p.kind == "link":
            text = clean_text(p.text)
            runs = _split_text(text) if len(text) > 60 or _ETAL_END.search(text) else [(text, False, False)]
            runs = [r for r in runs if r[0].strip(_STRIP)] or [(text, False, False)]
            for t, q, b in runs:
                out.append(Chunk(t, p.styles, link=p, quoted=q, bracket=b, line=p.line))
        elif p.kind == "text":
            for t, q, b in _split_text(clean_text(p.text), styled=bool(p.styles & {EM, INS})):
                out.append(Chunk(t, p.styles, quoted=q, bracket=b, line=p.line))
    for i, c in enumerate(out):
        c.order = i
    return out


# --- scoring -------------------------------------------------------------------------


def _titled_link(c: Chunk) -> bool:
    """A link whose text reads as a name or title (not "paper", "code", a venue or a date)."""
    if c.link is None or (links.is_code(c.link) and c.order > 0):
        return False  # a repository link is a title only when it leads: "[DGL](github) - ..."
    t = _squash(c.link.text).strip(_STRIP)
    return bool(t) and not (links.generic_text(t) or links.code_text(t) or _GENERIC_TITLE.match(t)
                            or venues.is_venue(t) or dates.is_only_date(t) is not None)


def _title_score(c: Chunk, first_text: bool, titled_link: bool = False) -> float:
    t = _squash(c.text).strip(_STRIP + "\"“”'’")
    t = _LABEL.sub("", t)
    if not t or not any(ch.isalpha() for ch in t):
        return -9.0
    words = t.split()
    n = len(words)
    if _GENERIC_TITLE.match(t) or (c.link is not None and (links.generic_text(t) or links.code_text(t))):
        return -9.0
    score = 0.0
    if c.link is not None and not links.is_code(c.link):
        score += 3.0
    elif c.link is not None:
        score += 2.0  # a repository or project named by its link
    elif titled_link:
        score -= 2.0  # text beside a titled link describes it
    if STRONG in c.styles:
        score += 2.0
    if c.quoted:
        score += 1.5
    if EM in c.styles:
        score -= 0.5
    if INS in c.styles or SUP in c.styles or CODE in c.styles or DEL in c.styles:
        score -= 1.5
    if c.bracket:
        score -= 3.0
    if first_text:
        score += 0.5
    if n == 1:
        score -= 1.5
    elif n >= 3:
        score += 1.0
    if n > 40:
        score -= 3.0
    if any(w[:1].islower() for w in words[1:]) or ":" in t:
        score += 0.5
    ns = names_score(t)
    if ns >= 1.5:
        score -= (0.5 if c.link is not None else 1.5) * ns
    vs = venues.venue_score(t)
    if vs >= 1.5 and n <= 8:
        score -= 1.5 * vs
    if dates.is_only_date(t) is not None:
        return -9.0
    if _PUB_DETAIL.search(t) and any(ch.isdigit() for ch in t):
        score -= 3.0  # "vol. 3, no. 3, pp. 27-46": publication details
    if ET_AL.search(t):
        score -= 4.0
    return score


def _clean_title(t: str) -> str:
    t = _squash(_LABEL.sub("", _squash(t)))
    t = t.strip(" \t,;:-–—|*_·•")
    if len(t) > 2 and t[0] in "\"“'‘" and t[-1] in "\"”'’":
        t = t[1:-1]
    t = t.strip(" ,;")
    # a trailing period ends the sentence, not the title (keep "et al." / "U.S." / "...")
    if t.endswith(".") and not t.endswith("..") and not re.search(r"\b[A-Z]\.$", t):
        t = t[:-1].rstrip()
    return _squash(t.strip("\"“”"))


def _lead_date(title: Chunk) -> int | None:
    """A leading date on the title chunk ("2016.03 Title") is split off; its year is returned."""
    m = re.match(r"^\W*((?:19|20)\d{2})(?:[./-]\d{1,2}){0,2}\b[\s:.-]*", title.text)
    if m and len(title.text[m.end():].split()) >= 2 and not title.link:
        y = int(m.group(1))
        title.text = title.text[m.end():]
        return y if dates.plausible(y) else None
    return None


# --- the extractor --------------------------------------------------------------------


def extract(item: Item) -> Fields:
    f = Fields()
    pieces = item.pieces
    badge_hints: list[str] = []
    real_links: list[Piece] = []
    kept: list[Piece] = []
    for p in pieces:
        if p.kind == "image":
            txt = links.badge_text(p.href, p.text)
            if links.on_host(p.href, links.BADGE_HOSTS) and txt:
                badge_hints.append(txt)
            continue
        if p.kind == "link":
            f.link_count += 1
            if links.is_badge(p):
                # a badge that links somewhere is that link's label ("arXiv" -> the paper);
                # one that links nowhere states a fact ("Conference-ICML'24")
                if links.is_nav(p) or links.on_host(p.href, links.BADGE_HOSTS):
                    badge_hints.extend(t for t in (links.badge_text(src, "") for src in p.images) if t)
                    f.nav_links += 1
                else:  # a star badge linking to the repository, an arXiv badge to the paper
                    real_links.append(Piece("link", "", href=p.href, images=p.images))
                continue
            if links.is_nav(p):
                f.nav_links += 1
                continue
            if dates.is_only_date(p.text) is not None and len(p.text.strip()) <= 8:
                f.year_links += 1
            if not p.text.strip(_STRIP) and not p.images:
                f.empty_links += 1
            elif links.generic_text(p.text) and f.generic_text is None:
                f.generic_text = p.text
            real_links.append(p)
        kept.append(p)
    # table cells: links in other columns count as the row's links
    for cell in item.columns.get("all", []):
        for p in cell:
            if p.kind == "link" and not links.is_nav(p) and not links.is_badge(p):
                real_links.append(p)
                f.link_count += 1
            elif p.kind == "link" and links.is_badge(p):
                if links.is_nav(p) or links.on_host(p.href, links.BADGE_HOSTS):
                    badge_hints.extend(links.badge_text(s, "") for s in p.images)
                else:
                    real_links.append(Piece("link", "", href=p.href, images=p.images))
            elif p.kind == "image" and links.on_host(p.href, links.BADGE_HOSTS):
                badge_hints.append(links.badge_text(p.href, p.text))

    chunks = chunks_of(kept)
    f.chunks = len(chunks)
    # the continuation lines of a list item (an author line after a blank line)
    extra_chunks = [chunks_of(ps) for ps in item.extra[:2]]

    title_chunk = _pick_title(chunks)
    if title_chunk is None and item.origin in ("table", "html") and chunks:
        # a table's title column holds the title, whatever its shape ("LFM2.5")
        in_cell = [c for c in chunks if c.link is None or not links.is_code(c.link)]
        text = _squash(" ".join(c.text for c in in_cell)).strip(_STRIP)
        if text and dates.is_only_date(text) is None and any(ch.isalpha() for ch in text) \
                and not links.generic_text(text):
            title_chunk = Chunk(text, line=in_cell[0].line, order=in_cell[0].order)
            chunks = [title_chunk]
    if title_chunk is None:
        _fill_links(f, real_links, None)
        return f
    lead_year = _lead_date(title_chunk)
    f.title = _clean_title(title_chunk.text)
    f.title_in_link = title_chunk.link is not None
    # a title split across chunks of the same link ("Title: part. Subtitle") is joined back
    if title_chunk.link is not None:
        same = [c for c in chunks if c.link is title_chunk.link]
        if len(same) > 1 and not any(names_score(c.text) >= 1.5 or venues.is_venue(c.text)
                                     or dates.find_year(c.text) is not None for c in same):
            f.title = _clean_title(clean_text(title_chunk.link.text))

    rest = [c for c in chunks if c is not title_chunk and not (c.link is not None and c.link is title_chunk.link
                                                                 and f.title == _clean_title(c.link.text))]
    paper = _paper_link(real_links, title_chunk)
    f.url = clean_url(paper.href) if paper is not None else None
    if paper is None or not links.is_paper_url(paper.href):
        # "arXiv:1503.02531", "doi:10.1145/..." written in the text (not inside a link's address)
        written = _written_id(" ".join(c.text for c in rest if c.link is None))
        if written is not None:
            if paper is not None:
                f.links.insert(0, Link(text=_squash(paper.text), url=clean_url(paper.href)))
            f.url, paper = written, None
    _fill_links(f, real_links, paper)

    authors, venue, year = authors_venue_year(rest, title_chunk, paper)
    for ch in extra_chunks:
        if authors is None or venue is None or year is None:
            a2, v2, y2 = authors_venue_year(ch, None, None)
            authors, venue, year = authors or a2, venue or v2, year or y2

    # table columns
    cols = item.columns
    for cell in cols.get("authors", [])[:1]:
        t = plain(cell)
        if t:
            authors = t
    for cell in cols.get("venue", [])[:1]:
        if all(p.kind != "text" or not p.text.strip(_STRIP) for p in cell) and \
                all(links.generic_text(p.text) or links.code_text(p.text) for p in cell if p.kind == "link"):
            continue  # "[website](url)", "[paper](url)": a link column, no venue
        cell = [p for p in cell if p.kind != "link" or not (links.generic_text(p.text) or links.code_text(p.text))]
        v, y = venues.split_venue_year(clean_text(plain(cell)))
        if v or y:
            venue, year = v or venue, y or year
    for cell in cols.get("year", [])[:1]:
        found = dates.find_year(clean_text(plain(cell)))
        if found:
            year = found[0]
    if venue is None or year is None:
        for hint in badge_hints:
            v, y = venues.split_venue_year(hint)
            if v and venues.is_venue(hint) and venue is None:
                venue = v
            if y and year is None:
                year = y
    year = year or lead_year or item.year_hint
    f.authors_raw = _squash(strip_by(authors)).strip(" ,;") if authors else None
    f.venue, f.year = venue, year
    # words of running text around the title, not read as authors, venue or date
    told = len((authors or "").split()) + len((venue or "").split())
    f.prose_words = max(0, sum(len(c.text.split()) for c in rest if c.link is None) - told)
    f.prose_before = sum(len(c.text.split()) for c in rest if c.link is None and c.order < title_chunk.order)
    return f


_WRITTEN_ARXIV = re.compile(r"\barxiv\s*(?:preprint\s*)?(?:arxiv)?\s*:?\s*(\d{4}\.\d{4,5})(?:v\d+)?\b", re.I)
_WRITTEN_DOI = re.compile(r"\bdoi\s*:?\s*(10\.\d{4,9}/[^\s,;]+[^\s,;.])", re.I)


def _written_id(text: str) -> str | None:
    """A paper address from an identifier written in the text (no link)."""
    m = _WRITTEN_ARXIV.search(text)
    if m:
        return f"https://arxiv.org/abs/{m.group(1)}"
    m = _WRITTEN_DOI.search(text)
    if m:
        return f"https://doi.org/{m.group(1)}"
    return None


def _author_date(text: str) -> bool:
    """Names followed by a year: "Liu, F.T., Ting, K.M. and Zhou, Z.H., 2008, December",
    "Chen et al. (2021)"."""
    found = dates.find_year(text)
    if found is None or len(text) > 600:
        return False
    tail = _MONTH_TAIL.sub("", text[found[1].end():]).strip(_STRIP + "()")
    return names_score(text[: found[1].start()]) >= 1.5 and len(tail) <= 2


def _pick_title(chunks: list[Chunk]) -> Chunk | None:
    best: tuple[float, int, Chunk] | None = None
    first_text = True
    titled = any(_titled_link(c) for c in chunks)
    after_author_date = {id(b) for a, b in zip(chunks, chunks[1:], strict=False) if _author_date(a.text)}
    for c in chunks:
        s = _title_score(c, first_text, titled)
        if id(c) in after_author_date and s > -9.0:
            s += 2.5  # author-date styles: "Liu, F.T. and Zhou, Z.H., 2008. Isolation forest."
        if s > -9.0:
            first_text = False
        key = (s, -c.order, c)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None or best[0] < 0.0:
        return None
    return best[2]


def _paper_link(real: list[Piece], title_chunk: Chunk) -> Piece | None:
    if title_chunk.link is not None and not links.is_code(title_chunk.link):
        return title_chunk.link
    cands = [p for p in real if not links.is_code(p) and p is not title_chunk.link]
    for p in cands:
        if links.is_paper_url(p.href):
            return p
    for p in cands:
        if links.generic_text(p.text) or venues.is_venue(p.text):
            return p
    if title_chunk.link is not None:
        return title_chunk.link  # a repository or project page named by the title
    return cands[0] if cands else None


def _fill_links(f: Fields, real: list[Piece], paper: Piece | None) -> None:
    seen = {paper.href} if paper is not None else set()
    for p in real:
        if links.is_code(p):
            f.code_links += 1
        elif links.is_paper_url(p.href):
            f.paper_links += 1
        if p is paper or p.href in seen:
            continue
        seen.add(p.href)
        f.links.append(Link(text=_squash(p.text), url=clean_url(p.href)))


def authors_venue_year(rest: list[Chunk], title: Chunk | None,
                        paper: Piece | None) -> tuple[str | None, str | None, int | None]:
    """Authors, venue and year from the chunks other than the title."""
    authors: str | None = None
    a_score = 0.0
    venue: str | None = None
    v_score = 0.0
    year: int | None = None
    for c in rest:
        if c.link is not None and links.is_code(c.link):
            continue
        text = _squash(c.text).strip(_STRIP)
        text = re.sub(r"^\W*(?:authors?|by)\s*[:：]\s*", "by ", text, flags=re.I)
        if not text:
            continue
        y_only = dates.is_only_date(text)
        if y_only is not None:
            year = year or y_only
            continue
        # "Ann Lee et al., ICLR 2021" / "Venue, 2020": a venue after the last comma
        head, comma, last = text.rpartition(",")
        pieces_to_try: list[tuple[str, str | None]] = [(text, None)]
        if comma and (venues.is_venue(last) or dates.is_only_date(last) is not None):
            pieces_to_try = [(head, last)]
        for body, tail in pieces_to_try:
            if tail is not None:
                v, y = venues.split_venue_year(tail)
                if v is None and y is not None:  # "ICCV, 2021"
                    h2, c2, prev = body.rpartition(",")
                    if venues.is_venue(prev if c2 else body) and names_score(prev if c2 else body) < 1.5:
                        v = venues.split_venue_year(prev if c2 else body)[0]
                        body = h2 if c2 else ""
                vs = venues.venue_score(tail) + 0.5
                if v and vs > v_score:
                    venue, v_score = v, vs
                if y:
                    year = year or y
            found = dates.find_year(body)
            if found is not None and names_score(body[: found[1].start()]) >= 1.5 \
                    and not _MONTH_TAIL.sub("", body[found[1].end():]).strip(_STRIP):
                year = year or found[0]
                body = body[: found[1].start()].strip(_STRIP)
            ns = names_score(body) + (1.0 if body.lower().startswith("by ") else 0.0) \
                + (0.5 if EM in c.styles else 0.0)
            vs = venues.venue_score(body) + (1.0 if INS in c.styles or (c.bracket and venues.known_or_dated(body))
                                             else 0.0) \
                + (0.5 if c.link is not None and c.link is not paper else 0.0)
            if not body.strip(_STRIP):
                continue
            if ns >= 1.5 and ns >= vs and ns > a_score:
                authors, a_score = body, ns
            elif vs >= 1.5 and vs > ns:
                v, y = venues.split_venue_year(body)
                # the published venue wins over the preprint: "arXiv:1910.01348. ICCV 2019"
                if v and len(v.split()) <= 15 and (vs > v_score or (venue == "arXiv" and v != "arXiv")):
                    venue, v_score = v, vs
                if y and (year is None or vs >= v_score):
                    year = y
            elif year is None and not (title is not None and title.link is not None and c.link is title.link):
                found = dates.find_year(body)
                if found and (vs >= 0.75 or c.bracket or len(body) <= 40 or _PUB_DETAIL.search(body)
                              or dates.MONTH_YEAR.search(body) or dates.YEAR_MONTH.search(body)):
                    year = found[0]
    if venue is None:
        venue = _weak_venue(rest, title, authors)
    return authors, venue, year


_PUB_DETAIL = re.compile(r"\b(?:vol|volume|no|issue|pp|pages?|doi|isbn|issn)\b\.?", re.I)


def _weak_venue(rest: list[Chunk], title: Chunk | None, authors: str | None) -> str | None:
    """No chunk read as a venue by its words: take the first short capitalised phrase
    after the title that carries a year or is set in italics ("Neural Computation 2011",
    "*Information Fusion*"), and is not the authors."""
    for c in rest:
        if title is not None and c.order < title.order:
            continue
        if c.link is not None or c.bracket or c.quoted:
            continue
        text = _squash(c.text).strip(_STRIP)
        head = text.split(",")[0].strip(_STRIP) if EM in c.styles else text
        v, y = venues.split_venue_year(head)
        if not v or (authors and v in authors) or names_score(v) >= 1.5:
            continue
        words = v.split()
        if not (1 <= len(words) <= 8) or not words[0][:1].isupper():
            continue
        if y is not None or EM in c.styles or INS in c.styles:
            return v
    return None
