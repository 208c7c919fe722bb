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
* ... or, when the titles differ (a list that gives a project's tagline
  instead of the paper's title), unless the record agrees with the list on
  all three of: the first author's family name, the year (within one) and
  the venue (:func:`venue_agrees`).  Each alone is weak; together, with the
  identifier the list itself links, they are the paper
  (:func:`identifier_record_agrees`; the stages say so in a warning).
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from .models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Person

SEARCH_TITLE_THRESHOLD = 90.0
URL_TITLE_THRESHOLD = 80.0

_NON_ALNUM = re.compile(r"[\W_]+")  # letters of any script stay (a CJK title must not fold to "")
_SPECIAL = {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "μ": "mu", "µ": "mu"}


def fold(text: str) -> str:
    """Lower-case letters and digits separated by single spaces; Latin letters lose their
    accents (NFKD), letters of other scripts stay as they are."""
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


# words that carry no initial in a venue's acronym ("Symposium on Operating
# Systems Principles" -> SOSP), and words that only say what kind of text it is
_VENUE_STOP = frozenset({"of", "the", "on", "and", "for", "in", "a", "an", "to", "proceedings", "annual"})
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)?$")


def venue_agrees(hint: str | None, venue: str | None) -> bool:
    """Does the list's venue (usually an acronym: "SOSP", "ACM SIGCOMM")
    name the record's venue ("Proceedings of the 27th ACM Symposium on
    Operating Systems Principles")?  True when every word of the hint is a
    word of the venue, or the hint (3+ letters) is the acronym of a run of
    the venue's words."""
    if not hint or not venue:
        return False
    mine, theirs = fold(hint).split(), fold(venue).split()
    if not mine:
        return False
    if set(mine) <= set(theirs):
        return True
    acronym = "".join(mine)
    initials = "".join(w[0] for w in theirs if w not in _VENUE_STOP and not _ORDINAL.match(w))
    return len(acronym) >= 3 and acronym.isalpha() and acronym in initials


# newsletters that reprint conference papers under a DOI of their own
_REPRINT_VENUES = ("notices", "computer architecture news", "operating systems review",
                   "performance evaluation review", "computer communication review", "software engineering notes")


def is_reprint_venue(venue: str | None) -> bool:
    """Is ``venue`` a SIG newsletter that reprints conference papers (ACM SIGPLAN
    Notices, SIGARCH Computer Architecture News, SIGOPS Operating Systems Review...)?"""
    f = f" {fold(venue)} " if venue else ""
    return any(f" {v} " in f for v in _REPRINT_VENUES)


EVIDENCE = "first author, year and venue agree"


def identifier_record_agrees(
    list_title: str,
    list_year: int | None,
    list_authors: list[Person],
    list_venue: str | None,
    record_title: str | None,
    record_year: int | None,
    record_authors: list[Person],
    record_venue: str | None,
) -> tuple[bool, float, str]:
    """Is a record fetched by one of the list's identifiers that work?
    Returns (agrees, title score, why); ``why`` is :data:`EVIDENCE` when the
    titles differ and the other evidence carried it (see the module doc)."""
    agrees, score = url_record_agrees(list_title, record_title)
    if agrees:
        return True, score, "title agrees"
    if (
        first_author_matches(list_authors, record_authors)
        and years_agree(list_year, record_year)
        and venue_agrees(list_venue, record_venue)
    ):
        return True, score, EVIDENCE
    return False, score, f"title score {score:.0f} < {URL_TITLE_THRESHOLD:.0f} and not all of {EVIDENCE}"
