"""Merge stage: one :class:`Entry` from the list, the sources' records, the
previous run's entry and the overrides.

Precedence (first source with a value wins; ``list`` is the last resort):

============  ==================================================  ====================================
field         order                                               why
============  ==================================================  ====================================
title         crossref, s2, dblp, arxiv, openalex, list           the publisher's record is canonical
authors       crossref, dblp, arxiv, openalex, s2, list           full names; S2 often abbreviates
year          crossref, dblp, s2, openalex, arxiv, list           year of the published version
venue         crossref, dblp, s2, openalex, arxiv, list           container title of the published version
venue_type    taken with the venue (same record)
abstract      s2, arxiv, openalex, crossref, list                 S2 first, as the brief asks
pages etc.    crossref, dblp, s2, openalex
pdf_url       s2, arxiv, openalex
event etc.    crossref, dblp, openalex                            event name, address, ISBN, ISSN
month         taken with the year (that record's date)
citations     s2 (count + influential); openalex second figure    OpenAlex alone when S2 has none
============  ==================================================  ====================================

``provenance`` maps every field (and ``ids.<name>``) to its source.  A value
the previous ``data/enriched.json`` had is never replaced by null because a
source failed or said nothing this time.  Differences between the list and
the sources (year, venue) go to ``status.warnings``.  Overrides are applied
last and always win (provenance ``override``); locked fields keep the
previous value.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

from . import matching
from .matching import classify_venue_hint
from .models import (
    KIND_SOFTWARE,
    VENUE_PREPRINT,
    CitationPoint,
    Citations,
    Entry,
    Ids,
    ListEntry,
    ListInfo,
    SourceRecord,
    Status,
    field_names,
)
from .overrides import REJECTABLE, reject_keys, rejects
from .resolve import Work, clean_ids

PRECEDENCE: dict[str, tuple[str, ...]] = {
    "title": ("crossref", "s2", "dblp", "arxiv", "openalex"),
    "authors": ("crossref", "dblp", "arxiv", "openalex", "s2"),
    "year": ("crossref", "dblp", "s2", "openalex", "arxiv"),
    "venue": ("crossref", "dblp", "s2", "openalex", "arxiv"),
    "abstract": ("s2", "arxiv", "openalex", "crossref"),
    "pages": ("crossref", "dblp", "s2", "openalex"),
    "volume": ("crossref", "dblp", "s2", "openalex"),
    "issue": ("crossref", "dblp", "s2", "openalex"),
    "publisher": ("crossref", "dblp", "s2", "openalex"),
    "pdf_url": ("s2", "arxiv", "openalex"),
    "event": ("crossref", "dblp", "openalex"),
    "address": ("crossref", "dblp", "openalex"),
    "isbn": ("crossref", "dblp", "openalex"),
    "issn": ("crossref", "dblp", "openalex", "s2"),
}

# Entry field -> SourceRecord attribute, where the names differ
RECORD_ATTR = {"address": "location"}

SCALAR_FIELDS = ("title", "year", "venue", "abstract", "pages", "volume", "issue", "publisher", "pdf_url",
                 "event", "address", "isbn", "issn")






def _clone(value: Any) -> Any:
    """A deep copy of our model values (dataclasses, lists, dicts, sets of
    plain values): what :func:`copy.deepcopy` gives, at a fraction of its cost
    (it was half of merge's time)."""
    cls = type(value)
    names = field_names(cls)
    if names:
        return cls(**{n: _clone(getattr(value, n)) for n in names})
    if cls is list:
        return [_clone(v) for v in value]
    if cls is dict:
        return {k: _clone(v) for k, v in value.items()}
    if cls is set:
        return set(value)
    return value


def _is_arxiv_venue(venue: str | None) -> bool:
    """arXiv under any of its names: "arXiv", "ArXiv", "arXiv.org", "CoRR",
    "arXiv preprint arXiv:2003.12172", "Computing Research Repository"."""
    if not venue:
        return False
    f = matching.fold(venue)
    return f.startswith("arxiv") or f in ("corr", "computing research repository") or f.startswith("corr abs")


# Parts of a venue that make it another venue than the main conference: a
# workshop, or a track with its own review (folded words, as matching.fold gives them)
_TRACKS = (
    ("workshop", ("workshop", "workshops")),
    ("Datasets and Benchmarks track", ("datasets and benchmarks",)),
    ("Findings", ("findings",)),
    ("demo track", ("demo", "demos", "demonstration", "demonstrations")),
    ("industry track", ("industry track", "industrial track")),
    ("poster track", ("poster", "posters")),
    ("student track", ("student research", "doctoral", "phd forum")),
)


_WORKSHOP_ACRONYMS = frozenset({"cvprw", "iccvw", "eccvw", "icdmw", "icdcsw", "ipdpsw", "icraw", "wacvw"})


def _tracks(venue: str) -> set[str]:
    """Which of :data:`_TRACKS` a venue name (or hint: "CVPRW") names."""
    f = matching.fold(venue)
    words = f" {f} "
    found = {label for label, needles in _TRACKS if any(f" {n} " in words for n in needles)}
    if _WORKSHOP_ACRONYMS.intersection(f.split()):
        found.add("workshop")
    return found


def _track_note(hint: str, venue: str) -> str | None:
    """What the hint and the venue disagree on among workshops and tracks."""
    mine, theirs = _tracks(hint), _tracks(venue)
    if mine == theirs:
        return None
    extra, missing = sorted(theirs - mine), sorted(mine - theirs)
    if extra:
        return f"the {', '.join(extra)}, not the main conference"
    return f"the main conference, not the {', '.join(missing)}"


_ID_WARNING = re.compile(r"^(doi|arxiv|s2|dblp|openalex) (\S+) \(from the ")


def _one_per_discrepancy(warnings: list[str]) -> list[str]:
    """Sorted, without duplicates; an identifier shown to be another paper is
    reported once, by the first source that said so (sources are asked in a
    fixed order, so the choice is deterministic)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for w in warnings:
        m = _ID_WARNING.match(w)
        if m:
            which = (m.group(1), m.group(2))
            if which in seen:
                continue
            seen.add(which)
        out.append(w)
    return sorted(set(out))


def _initials(text: str) -> str:
    stop = {"of", "on", "the", "and", "for", "in", "a", "an", "to", "s", "th", "st", "nd", "rd"}
    words = [w for w in matching.fold(text).split() if w not in stop and not w.isdigit()]
    return "".join(w[0] for w in words)


def venue_agrees(hint: str, venue: str) -> bool:
    """Does the list's venue hint ("SOSP", "IEEE TPDS") name the source's
    venue ("Proceedings of the 27th ACM Symposium on Operating Systems
    Principles")?  Word containment or acronym-of-initials, case-folded."""
    h, v = matching.fold(hint), matching.fold(venue)
    if not h or not v:
        return True
    if h in v or v in h:
        return True
    vwords = set(v.split())
    hwords = [w for w in h.split() if w not in ("ieee", "acm", "usenix")]
    if any(w in vwords for w in hwords):
        return True
    initials = _initials(venue)
    if any(len(w) >= 3 and w in initials for w in hwords):
        return True
    return any(len(w) >= 3 and _abbreviates(w, v.split()) for w in hwords)


def _abbreviates(abbr: str, words: list[str]) -> bool:
    """Can ``abbr`` be spelled from prefixes of ``words`` taken in order
    (skipping any)?  "mobicom" <- MOBIle COMputing, "ppopp" <- Principles
    Practice Of Parallel Programming, "neurips" <- NEURal Information
    Processing Systems, "sensys" <- SENSor SYStems."""

    @functools.cache
    def can(i: int, j: int) -> bool:
        if i == len(abbr):
            return True
        for k in range(j, len(words)):
            w = words[k]
            n = 1
            while n <= len(w) and i + n <= len(abbr) and w[:n] == abbr[i:i + n]:
                if can(i + n, k + 1):
                    return True
                n += 1
        return False

    return can(0, 0)


def _pick(records: list[SourceRecord], name: str) -> tuple[Any, str | None, SourceRecord | None]:
    by_source = {r.source: r for r in records}
    for src in PRECEDENCE[name]:
        rec = by_source.get(src)
        if rec is None:
            continue
        value = getattr(rec, RECORD_ATTR.get(name, name), None)
        if value not in (None, "", []):
            return value, src, rec
    return None, None, None


def _citations(records: list[SourceRecord], previous: Citations | None, today: str) -> tuple[Citations, str | None]:
    by_source = {r.source: r for r in records}
    s2, oa = by_source.get("s2"), by_source.get("openalex")
    prev = _clone(previous) if previous else Citations()
    count: int | None = None
    influential: int | None = None
    source = ""
    if s2 is not None and s2.citation_count is not None:
        count, influential, source = s2.citation_count, s2.influential_count, "s2"
    elif oa is not None and oa.citation_count is not None:
        count, source = oa.citation_count, "openalex"
    second_count = second_source = None
    if source == "s2" and oa is not None and oa.citation_count is not None:
        second_count, second_source = oa.citation_count, "openalex"
    if count is None or not source:  # nothing new: keep everything we knew
        return prev, prev.source
    out = Citations(
        count=count,
        influential=influential if influential is not None else (prev.influential if source == prev.source else None),
        source=source,
        as_of=prev.as_of if (prev.count == count and prev.source == source and prev.as_of) else today,
        second_count=second_count if second_count is not None else prev.second_count,
        second_source=second_source if second_count is not None else prev.second_source,
        history=list(prev.history),
    )
    last = out.history[-1] if out.history else None
    if last is None or last.count != count or last.source != source:
        out.history.append(CitationPoint(date=today, count=count, source=source))
    return out, source


def merge_entry(
    key: str,
    listed: ListEntry,
    work: Work | None,
    previous: Entry | None,
    today: str,
    offline: bool = False,
    list_ids: Ids | None = None,
) -> Entry:
    """Build one :class:`Entry`.  ``work`` is None when the entry was not
    processed this run (fresh, software, or offline): the previous entry's
    fetched data is carried over as is, and ``list_ids`` (the identifiers in
    the list's URL) are used."""
    records = list(work.records) if work else []
    prov: dict[str, str] = {}
    info = ListInfo.from_list_entry(listed)

    entry = Entry(key=key, kind=listed.kind, list=info, title=listed.title)
    prev_prov = previous.provenance if previous else {}

    # scalar and list fields by precedence, previous data, then the list
    for name in SCALAR_FIELDS + ("authors",):
        value, src, rec = _pick(records, name)
        if value is None and previous is not None and getattr(previous, name) not in (None, [], "") \
                and prev_prov.get(name) not in (None, "list"):
            value, src = _clone(getattr(previous, name)), prev_prov[name]
        if value is None:
            fallback = {
                "title": listed.title,
                "authors": list(listed.authors) or None,
                "year": listed.year,
                "venue": listed.venue,
                "abstract": listed.abstract,
            }.get(name)
            if fallback not in (None, [], ""):
                value, src = fallback, "list"
        if value is not None and src is not None:
            setattr(entry, name, value)
            prov[name] = src

    # the month comes from the publication date of the record that gave the year
    yrec = next((r for r in records if r.source == prov.get("year")), None)
    if yrec is not None:
        entry.month = _month(yrec.publication_date, entry.year)
    elif previous is not None and prev_prov.get("year") == prov.get("year") and previous.year == entry.year:
        entry.month = previous.month
    if entry.month is not None:
        prov["month"] = prov["year"]

    # venue type travels with the venue
    vsrc = prov.get("venue")
    vrec = next((r for r in records if r.source == vsrc), None)
    if vrec is not None:
        entry.venue_type = vrec.venue_type
    elif vsrc and previous is not None and prev_prov.get("venue") == vsrc:
        entry.venue_type = previous.venue_type
    elif vsrc == "list":
        entry.venue_type = classify_venue_hint(listed.venue)
    if _is_arxiv_venue(entry.venue):
        entry.venue_type = VENUE_PREPRINT
    if entry.venue_type:
        prov["venue_type"] = vsrc or "list"

    # identifiers: this run's verdict, else the previous run's, then the list's (_merge_ids)
    ids, origin, refuted = _merge_ids(work, previous, list_ids, listed.url)
    entry.ids = ids
    for f in dataclasses.fields(Ids):
        if getattr(ids, f.name) is not None:
            prov[f"ids.{f.name}"] = origin.get(f.name, "list")

    entry.url = listed.url
    if listed.url:
        prov["url"] = "list"

    # citations
    entry.citations, csrc = _citations(records, previous.citations if previous else None, today)
    if csrc:
        prov["citations"] = csrc

    # status
    if listed.kind == KIND_SOFTWARE:
        entry.status = Status(resolved=False, reason="software project: not looked up in scholarly APIs")
    elif work is None:
        entry.status = _clone(previous.status) if previous else Status(
            resolved=False, reason="offline: not looked up" if offline else "not looked up"
        )
    else:
        # nothing could be checked this run (sources down): what the last check said still holds
        before = previous.status if previous is not None and work.lost_to_failure and not records else None
        resolved = bool(records) or (before is not None and before.resolved)
        entry.status = Status(
            resolved=bool(resolved),
            reason=None if resolved else work.reason,
            warnings=list(work.warnings) + (list(before.warnings) if before else []),
            candidates=[] if resolved else list(work.candidates) + (list(before.candidates) if before else []),
        )
        entry.status.warnings.extend(list_disagreements(listed, entry, prov))
    entry.status.warnings = _one_per_discrepancy(entry.status.warnings)
    entry.status.refuted = refuted
    entry.provenance = dict(sorted(prov.items()))
    return entry


def _month(date: str | None, year: int | None) -> int | None:
    """The month of a ``YYYY-MM[-DD]`` date, when its year is ``year``."""
    if not date or year is None or len(date) < 7 or date[:4] != str(year):
        return None
    try:
        month = int(date[5:7])
    except ValueError:
        return None
    return month if 1 <= month <= 12 else None


def _merge_ids(work: Work | None, previous: Entry | None, list_ids: Ids | None,
               listed_url: str | None) -> tuple[Ids, dict[str, str], list[str]]:
    """The entry's identifiers, their origins and its refuted identifiers.

    Identifiers verified online are never replaced by unverified ones, and a
    refuted one never comes back.  Each field takes the first value of:

    1. this run's, when a source confirmed the work this run (``work.records``),
       and the ids an override pinned;
    2. the previous run's (what the last run that could check them kept);
    3. this run's unconfirmed ones, then the list's URL (``list_ids``: the
       work was not looked up this run).

    A value is skipped when it is refuted (``status.refuted``: this run's and
    the previous run's, less what this run confirmed) or rejected by an
    override, and a previous value taken from the list's link when that link
    changed since and the previous run verified nothing."""
    checked = work is not None and bool(work.records)
    confirmed = _keys(work.ids) if work is not None and checked else set()
    refuted = set(work.refuted) if work is not None else set()
    if previous is not None:
        refuted |= set(previous.status.refuted) - confirmed
    banned = refuted | (work.rejected if work is not None else set())
    prev_origin = {f.name: previous.provenance.get(f"ids.{f.name}", "previous")
                   for f in dataclasses.fields(Ids)} if previous is not None else {}

    layers: list[tuple[Ids, dict[str, str], frozenset[str] | None]] = []  # (ids, origin, fields)
    if work is not None:
        mine = dict(work.id_origin)
        layers.append((work.ids, mine, None if checked else frozenset(work.pinned)))
    previous_ids = previous.ids if previous is not None else None
    if previous_ids is not None:
        layers.append((previous_ids, prev_origin, None))
    # the list's link changed since a run that verified nothing: the old link's ids are no evidence
    stale = previous is not None and not previous.status.resolved and previous.list.url != listed_url
    if work is not None and not checked:
        layers.append((work.ids, dict(work.id_origin), None))
    elif work is None and list_ids is not None:
        cleaned = clean_ids(list_ids)
        layers.append((cleaned, {k: "list" for k, v in cleaned.__dict__.items() if v is not None}, None))

    ids, origin = Ids(), {}
    for layer, where, only in layers:
        for f in dataclasses.fields(Ids):
            value = getattr(layer, f.name)
            if value is None or f.name == "arxiv_version" or getattr(ids, f.name) is not None \
                    or (only is not None and f.name not in only):
                continue
            if f.name in REJECTABLE and rejects(banned, **{f.name: str(value)}):
                continue
            if stale and layer is previous_ids and where.get(f.name) == "list":
                continue
            setattr(ids, f.name, list(value) if isinstance(value, list) else value)  # other_dois: a copy
            origin[f.name] = where.get(f.name, "list")
            if f.name == "arxiv":
                ids.arxiv_version = layer.arxiv_version
    if ids.other_dois is not None:  # never the canonical DOI again, nor one refuted or rejected
        ids.other_dois = [d for d in ids.other_dois if d != ids.doi and not rejects(banned, doi=d)] or None
        if ids.other_dois is None:
            origin.pop("other_dois", None)
    return ids, origin, sorted(refuted)


def _keys(ids: Ids) -> set[str]:
    return reject_keys(ids.doi, ids.arxiv, ids.s2)


def list_disagreements(listed: ListEntry, entry: Entry, prov: dict[str, str]) -> list[str]:
    """Warnings where the list and the sources disagree (year, venue)."""
    out = []
    ysrc = prov.get("year")
    if listed.year is not None and entry.year is not None and ysrc not in (None, "list") and listed.year != entry.year:
        out.append(f"year: the list says {listed.year}, {ysrc} says {entry.year}")
    vsrc = prov.get("venue")
    if listed.venue and entry.venue and vsrc not in (None, "list"):
        hint_type = classify_venue_hint(listed.venue)
        if hint_type == VENUE_PREPRINT:
            if entry.venue_type != VENUE_PREPRINT and not _is_arxiv_venue(entry.venue):
                out.append(f"venue: the list says {listed.venue}, but {vsrc} has it published in {entry.venue!r}")
        elif not venue_agrees(listed.venue, entry.venue):
            out.append(f"venue: the list says {listed.venue!r}, {vsrc} says {entry.venue!r}")
        elif (note := _track_note(listed.venue, entry.venue)) is not None:
            out.append(f"venue: the list says {listed.venue!r}, {vsrc} says {entry.venue!r}: {note}")
    return out
