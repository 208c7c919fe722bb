"""Deciding whether a record found by an API is the work the list means.

A wrong match is worse than none, so the rule is strict and documented:

* Titles are normalised (Unicode NFKD, accents dropped, case-folded, every
  run of non-alphanumerics -> one space) and compared with
  ``rapidfuzz.fuzz.ratio`` (0-100).
* A **title-search** candidate is accepted only when the title score is at
  least :data:`SEARCH_TITLE_THRESHOLD` (90) AND (the years agree within one
  OR the first author's family name matches one of the list's first
  author's names).  90 lets through case, punctuation, a dropped article or
  a one-word typo, and keeps out "MAPLE-Edge: ..." vs "MAPLE: ...".
* An identifier taken **from the list's URL** is trusted unless the record it
  points to has a title scoring below :data:`URL_TITLE_THRESHOLD` (80)
  against the listed title (lower, because the link itself is evidence; a
  wrong link gives a completely different title).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from .models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Person

SEARCH_TITLE_THRESHOLD = 90.0
URL_TITLE_THRESHOLD = 80.0

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPECIAL = {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "μ": "mu", "µ": "mu"}


def fold(text: str) -> str:
    """ASCII, lower-case, alphanumerics separated by single spaces."""
    text = "".join(_SPECIAL.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", text.casefold()).strip()


def title_score(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return float(fuzz.ratio(fold(a), fold(b)))


def family_names(person: Person) -> set[str]:
    """Folded candidate family names of one author (the family field when
    known, else the last word of the name)."""
    names = set()
    if person.family:
        names.add(fold(person.family))
    if person.name:
        parts = fold(person.name).split()
        if parts:
            names.add(parts[-1])
    return {n for n in names if n}


def first_author_matches(listed: list[Person], found: list[Person]) -> bool:
    """True when the list's first author shares a family name with any of
    the record's first two authors (author order differs between sources
    now and then)."""
    if not listed or not found:
        return False
    mine = family_names(listed[0])
    theirs = set()
    for p in found[:2]:
        theirs |= family_names(p)
    return bool(mine & theirs)


def years_agree(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1


def accept_search_hit(
    list_title: str,
    list_year: int | None,
    list_authors: list[Person],
    hit_title: str | None,
    hit_year: int | None,
    hit_authors: list[Person],
) -> tuple[bool, float, str]:
    """Apply the title-search rule; returns (accepted, title score, why)."""
    score = title_score(list_title, hit_title)
    if score < SEARCH_TITLE_THRESHOLD:
        return False, score, f"title score {score:.0f} < {SEARCH_TITLE_THRESHOLD:.0f}"
    if years_agree(list_year, hit_year):
        return True, score, "title and year agree"
    if first_author_matches(list_authors, hit_authors):
        return True, score, "title and first author agree"
    return False, score, (
        f"title agrees (score {score:.0f}) but neither year ({list_year} vs {hit_year}) "
        "nor first author agrees"
    )


def url_record_agrees(list_title: str, record_title: str | None) -> tuple[bool, float]:
    if not record_title:
        return True, 0.0  # nothing to contradict
    score = title_score(list_title, record_title)
    return score >= URL_TITLE_THRESHOLD, score


def classify_venue_hint(hint: str | None) -> str | None:
    """Venue type from the list's hint: arXiv -> preprint; IEEE TPDS,
    "... Journal", "Transactions" -> journal; other names -> conference."""
    if not hint:
        return None
    f = fold(hint)
    if f in ("arxiv", "arxiv org", "corr"):
        return VENUE_PREPRINT
    words = f.split()
    if any(w in words for w in ("journal", "transactions", "letters", "magazine", "tpds", "tocs", "tc", "jsac", "tmc")):
        return VENUE_JOURNAL
    if len(words) >= 2 and words[0] == "ieee" and words[1].startswith("t"):
        return VENUE_JOURNAL
    return VENUE_CONFERENCE
