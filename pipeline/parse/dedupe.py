"""One entry per work: a paper listed twice (in two sections, or twice in one)
becomes one :class:`~pipeline.models.ListEntry` with both lines and sections.

Two listings are the same work when their folded titles are equal, or when they
share a URL and their titles agree (a title score of 80 or more: two different
titles on one URL is a wrong link, not a duplicate).  The first listing's fields
win; gaps are filled from the later one.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from ..matching import fold
from ..models import ListEntry


def title_key(title: str) -> str:
    """A title folded for comparison (:func:`pipeline.matching.fold`), spaces removed."""
    return fold(title).replace(" ", "")


class Deduper:
    def __init__(self) -> None:
        self.entries: list[ListEntry] = []
        self.by_url: dict[str, ListEntry] = {}
        self.by_title: dict[str, ListEntry] = {}

    def add(self, e: ListEntry) -> ListEntry:
        """Add ``e`` or merge it into an earlier listing of the same work; return the
        stored entry."""
        tkey = title_key(e.title)
        old = self.by_title.get(tkey)
        if old is None and e.url:
            same_url = self.by_url.get(e.url)
            if same_url is not None and fuzz.ratio(title_key(same_url.title), tkey) >= 80:
                old = same_url
        if old is None:
            self.entries.append(e)
            if e.url:
                self.by_url.setdefault(e.url, e)
            self.by_title[tkey] = e
            return e
        _merge_into(old, e)
        if old.url and old.url not in self.by_url:
            self.by_url[old.url] = old
        return old


def _merge_into(old: ListEntry, e: ListEntry) -> None:
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
