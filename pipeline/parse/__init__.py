"""Parse a Markdown "awesome list" into :class:`~pipeline.models.ListEntry` objects.

The stage in four steps, one module each:

1. :mod:`.blocks` -- markdown-it-py tokens -> candidate items (list items at any
   depth, table rows, paragraph lines, paper headings, raw HTML), each with its
   section path and line;
2. :mod:`.fields` -- one general extractor: an item's inline pieces -> title,
   authors, venue, year and links, by scoring cues (the same code for every layout;
   :mod:`.inline`, :mod:`.links`, :mod:`.authors`, :mod:`.venues`, :mod:`.dates`
   hold its vocabulary);
3. :mod:`.classify` -- paper, software, or not an entry (with the reason);
4. :mod:`.dedupe` -- one entry per work.

Sub-bullets under an entry fill its gaps (authors, venue, year, abstract, extra
links) unless they are works of their own.  Items that are not entries are
counted in :attr:`ParseResult.skipped` with their reason; an item that looks like
an entry but cannot be read is a :class:`~pipeline.models.ParseProblem`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..identifiers import clean_url
from ..models import Link, ListEntry, ParseProblem, ParseResult, Skipped
from . import blocks, dates, links, venues
from .authors import names_score, split_authors
from .classify import PAPER, Verdict, classify
from .dedupe import Deduper
from .fields import Fields, authors_venue_year, chunks_of, clean_text, extract
from .inline import Piece, plain, split_lines
from .venues import split_venue_year

__all__ = ["parse_file", "parse_text", "split_authors", "split_venue_year", "MAX_BYTES"]

MAX_BYTES = 50 * 1024 * 1024  # a list larger than this is refused, not parsed
MAX_ITEM_CHARS = 20_000  # an item longer than this is no entry: reported, not read

_PAPER_SECTION = re.compile(r"\bpapers?\b|publications?|reading list|\bsurveys?\b|literature", re.I)
_DETAIL_LABEL = re.compile(
    r"^(?P<label>authors?|by|venue|conference|journal|published(?: in| at)?|pub|accepted(?: at| by)?|year|date|"
    r"abstract|summary|tl;?dr|description|note)\s*[:：]\s*", re.I)


def _entry(kind: str, f: Fields, item: blocks.Item) -> ListEntry:
    assert f.title is not None
    people, et_al = split_authors(f.authors_raw) if f.authors_raw else ([], False)
    return ListEntry(
        kind=kind, title=f.title, url=f.url, authors=people, et_al=et_al,
        authors_raw=f.authors_raw, venue=f.venue if kind == PAPER else None,
        year=f.year, sections=[list(item.section)], lines=[item.line],
        links=f.links, abstract=f.abstract,
    )


def _add_detail(entry: ListEntry, text: str) -> None:
    """Fill ``entry`` from one sub-bullet's (or continuation paragraph's) text:
    "Ann Lee, Bo Chen", "CVPR 2022", "Authors: ...", "Ann Lee and Bo Chen. *ICML*, 2020",
    or a sentence (abstract text).  Fields the entry line already gave are kept."""
    text = re.sub(r"\s+", " ", clean_text(text)).strip(" -–—|")
    if not text:
        return
    m = _DETAIL_LABEL.match(text)
    label = m.group("label").casefold() if m else ""
    body = text[m.end():].strip() if m else text
    if not label and names_score(body) < 1.5:
        # "Ann Lee, Bo Chen. arXiv, 2020": the same reading as an entry line's tail
        authors, venue, year = authors_venue_year(chunks_of([Piece("text", body)]), None, None)
        if authors and (venue or year):
            if not entry.authors:
                entry.authors_raw = authors
                entry.authors, entry.et_al = split_authors(authors)
            if entry.kind == PAPER:
                entry.venue, entry.year = entry.venue or venue, entry.year or year
            return
    if label.startswith(("author", "by")) or (not label and names_score(body) >= 1.5):
        if not entry.authors:
            entry.authors_raw = body
            entry.authors, entry.et_al = split_authors(body)
        return
    if label.startswith(("venue", "conf", "journal", "publ", "accept", "year", "date")) or \
            (not label and (venues.is_venue(body) or dates.is_only_date(body) is not None) and len(body) <= 80):
        venue, year = split_venue_year(body)
        if entry.kind == PAPER:
            entry.venue = entry.venue or venue
            entry.year = entry.year or year
        return
    entry.abstract = f"{entry.abstract} {body}" if entry.abstract else body


class _Parser:
    def __init__(self) -> None:
        self.dedupe = Deduper()
        self.problems: list[ParseProblem] = []
        self.skipped: list[Skipped] = []
        self.paper_share: dict[tuple[str, ...], float] = {}

    def judge(self, item: blocks.Item) -> tuple[Fields, Verdict]:
        if _too_long(item):
            return Fields(), Verdict(None, problem=f"item of more than {MAX_ITEM_CHARS} characters is not read")
        f = _with_labelled_details(item, extract(item))
        v = classify(item, f)
        return f, self.settle(item, v)

    def settle(self, item: blocks.Item, v: Verdict) -> Verdict:
        """An uncertain item is a paper in a section of papers: one whose heading says
        so, or where at least half of the linked items are papers."""
        if v.uncertain and (self.paper_share.get(tuple(item.section), 0.0) >= 0.5
                            or _PAPER_SECTION.search(" ".join(item.section))):
            return Verdict(PAPER)
        return v

    def item(self, item: blocks.Item, prev: ListEntry | None, judged: tuple[Fields, Verdict] | None = None,
             ) -> ListEntry | None:
        f, v = judged or self.judge(item)
        if v.kind is None:
            if v.problem:
                self.problems.append(ParseProblem(item.line, f"{v.problem}: {plain(item.pieces)[:80]!r}"))
            elif prev is not None and item.origin in ("paragraph", "list") and not f.url and \
                    self._continuation(prev, item):
                pass
            elif not f.link_count and item.origin == "list" and not item.details and \
                    _PAPER_SECTION.search(" ".join(item.section)) and len(plain(item.pieces).split()) >= 3:
                # a bullet among papers that names no link and reads as no reference
                self.problems.append(ParseProblem(item.line, f"list item has no link: {plain(item.pieces)[:80]!r}"))
            elif f.link_count or item.origin != "paragraph":
                self.skipped.append(Skipped(item.line, v.reason, plain(item.pieces)[:80]))
            # a link-less label bullet ("- Compilers") names a sub-section of its sub-bullets
            label = plain(item.pieces) if not f.link_count and item.details else ""
            label_year = dates.is_only_date(label.strip("[]【】 ")) if label else None
            for d in item.details:
                if label:
                    _push_section(d, label, label_year)
                self.item(d, None)
            return None
        entry = _entry(v.kind, f, item)
        self.extras(entry, item.extra)
        stored = self.dedupe.add(entry)
        self.details(stored, item.details)
        return stored

    def extras(self, entry: ListEntry, paragraphs: list[list[Piece]]) -> None:
        """Later paragraphs of an item (or those under a paper heading): an author
        line first, then abstract text; their links become the entry's links."""
        abstract: list[str] = []
        for pieces in paragraphs:
            f_links = extract(blocks.Item(pieces, 0, [], "paragraph")).links
            known = {x.url for x in entry.links} | {entry.url}
            entry.links.extend(x for x in f_links if x.url not in known)
            lines = [plain([p for p in ln if p.kind == "text"]) for ln in split_lines(pieces)]
            lines = [clean_text(x).strip(" -–—|[]()") for x in lines]
            lines = [x for x in lines if x.strip(" .,;:[]()")]
            if lines and not abstract and entry.authors_raw and lines[0].startswith(entry.authors_raw):
                lines[0] = lines[0][len(entry.authors_raw):].strip(" .,;")  # read by extract() already
                if not lines[0]:
                    lines.pop(0)
            elif lines and not entry.authors and not abstract and names_score(lines[0]) >= 1.5:
                entry.authors_raw = re.sub(r"\s+", " ", lines.pop(0)).strip()
                entry.authors, entry.et_al = split_authors(entry.authors_raw)
            while lines and not abstract and entry.kind == PAPER and len(lines[0]) <= 80 and \
                    (venues.is_venue(lines[0]) or dates.is_only_date(lines[0]) is not None):
                venue, year = split_venue_year(lines.pop(0))
                entry.venue, entry.year = entry.venue or venue, entry.year or year
            if lines:
                abstract.append(" ".join(lines))
        if abstract:
            entry.abstract = "\n\n".join(abstract)

    def _continuation(self, prev: ListEntry, item: blocks.Item) -> bool:
        """A line right under an entry that gives only its authors or venue."""
        if prev.lines and item.line - prev.lines[-1] > 3:
            return False
        text = plain(item.pieces)
        if names_score(text) >= 1.5 and not prev.authors:
            _add_detail(prev, text)
            return True
        if (venues.is_venue(text) or dates.is_only_date(text)) and prev.venue is None and len(text) <= 80:
            _add_detail(prev, text)
            return True
        return False

    def details(self, entry: ListEntry, items: list[blocks.Item]) -> None:
        for d in items:
            f, v = self.judge(d)
            if v.kind is not None and f.title and f.url and f.url != entry.url and not _only_detail(f):
                self.item(d, None, (f, v))  # a work of its own
                continue
            known = {x.url for x in entry.links} | {entry.url}
            entry.links.extend(x for x in f.links if x.url not in known)
            if f.url and f.url not in known and f.url != entry.url:
                entry.links.append(_link_of(f))
            _add_detail(entry, plain([p for p in d.pieces if p.kind == "text"]))
            self.details(entry, d.details)

    def run(self, doc: blocks.Document) -> ParseResult:
        # first pass: what each item is; the share of papers per section settles
        # titled links with no paper cue of their own
        judged = [(it, Fields() if _too_long(it) else _with_labelled_details(it, extract(it)))
                  for it in _paragraph_lines(doc.items)]
        counts: dict[tuple[str, ...], list[int]] = {}
        verdicts = []
        for it, f in judged:
            v = Verdict(None, problem=f"item of more than {MAX_ITEM_CHARS} characters is not read") \
                if _too_long(it) else classify(it, f)
            verdicts.append(v)
            if f.link_count > f.nav_links:
                c = counts.setdefault(tuple(it.section), [0, 0])
                c[0] += v.kind == PAPER
                c[1] += 1
        self.paper_share = {k: p / n for k, (p, n) in counts.items() if p >= 2}
        prev: ListEntry | None = None
        for (it, f), v in zip(judged, verdicts, strict=True):
            got = self.item(it, prev, (f, self.settle(it, v)))
            prev = got if got is not None else (prev if it.origin == "paragraph" else None)
        return ParseResult(entries=self.dedupe.entries, problems=self.problems, title=doc.title,
                           skipped=self.skipped)


_LINK_LABEL = re.compile(r"^\W*(link|paper|pdf|url|arxiv|doi|publication)\s*[:：]", re.I)


def _with_labelled_details(item: blocks.Item, f: Fields) -> Fields:
    """A title bullet whose sub-bullets say "Link: ...", "Authors: ...", "Pub: ...":
    those fill the fields the title line lacks (before the item is classified)."""
    if not item.details or f.title is None:
        return f
    for d in item.details:
        text = plain(d.pieces)
        if f.url is None and not _LINK_LABEL.match(text) and not [p for p in d.pieces if p.kind == "text"
                                                                     and p.text.strip(" []()|,")]:
            # a sub-bullet of bare links: "[[Paper]](url)", "[[Code]](url)"
            for p in d.pieces:
                if p.kind == "link" and links.generic_text(p.text) and links.is_paper_url(p.href):
                    f.url = clean_url(p.href)
                    f.paper_links += 1
                    f.link_count += 1
                    break
        if _LINK_LABEL.match(text) and f.url is None:
            href = next((p.href for p in d.pieces if p.kind == "link"), None)
            if href:
                f.url = clean_url(href)
                f.paper_links += 1
                f.link_count += 1
        m = _DETAIL_LABEL.match(text)
        if not m:
            continue
        label, body = m.group("label").casefold(), text[m.end():].strip()
        if label.startswith(("author", "by")) and f.authors_raw is None:
            f.authors_raw = body
        elif label.startswith(("venue", "conf", "journal", "publ", "pub", "accept", "year", "date")):
            venue, year = split_venue_year(body)
            if not label.startswith(("year", "date")):
                f.venue = f.venue or venue
            f.year = f.year or year
    return f


def _push_section(item: blocks.Item, label: str, year: int | None = None) -> None:
    """A label bullet's sub-bullets sit in a sub-section named by it; a date label
    ("**[2025.02.07]**") gives them a year hint."""
    item.section = item.section + [label]
    if year is not None:
        item.year_hint = item.year_hint or year
    for d in item.details:
        _push_section(d, label, year)


def _too_long(item: blocks.Item) -> bool:
    return sum(len(p.text) for p in item.pieces) > MAX_ITEM_CHARS


def _paragraph_lines(items: list[blocks.Item]) -> list[blocks.Item]:
    """A paragraph of several lines is one entry written over several lines
    ("**Title** \\ *Authors* \\ Venue [[Paper](url)]") unless two or more of its
    lines read as entries of their own (a reference list with ``<br>``)."""
    out: list[blocks.Item] = []
    for it in items:
        if it.origin != "paragraph" or len(it.lines) <= 1:
            out.extend(it.lines or [it])
            continue
        own = sum(1 for ln in it.lines if not _too_long(ln) and classify(ln, extract(ln)).kind is not None)
        out.extend(it.lines if own >= 2 else [it])
    return out


def _only_detail(f: Fields) -> bool:
    t = f.title or ""
    return bool(_DETAIL_LABEL.match(t)) or (not f.title_in_link and names_score(t) >= 1.5)


def _link_of(f: Fields) -> Link:
    return Link(text=f.title or "", url=clean_url(f.url or ""))


def parse_text(text: str, path: str = "<string>") -> ParseResult:
    """Parse Markdown ``text``.  Raises :class:`~pipeline.errors.InputError`
    (naming ``path`` and the line) for text that is not a list: NUL bytes."""
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(Path(path), "NUL byte in the list (is it a binary file?)", text.count("\n", 0, nul) + 1)
    # markdown-it counts a lone CR as a line break; so do we, consistently
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _Parser().run(blocks.read(text))


def parse_file(path: str | Path) -> ParseResult:
    """Read ``path`` as UTF-8 and parse it.

    Raises :class:`~pipeline.errors.InputError` when the file is missing, too
    large, not valid UTF-8 or holds NUL bytes (naming the line of the first bad byte).
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(p, f"file is {size} bytes; lists larger than {MAX_BYTES} bytes are not read")
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(p, "file not found") from None
    except IsADirectoryError:
        raise InputError(p, "is a directory, not a Markdown file") from None
    except OSError as exc:
        raise InputError(p, f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(p, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line) from None
    return parse_text(text, str(p))
