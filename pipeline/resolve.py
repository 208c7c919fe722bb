"""Resolve stage: find each paper's identifiers, and prove they are its own.

Order (cheapest and surest first; every step is batched where the API allows):

1. **Known identifiers**: those pinned in the overrides file, those a
   previous run verified, and those in the list's URL
   (:func:`pipeline.identifiers.ids_from_url`).
2. **Linking through Semantic Scholar** (one ``POST /paper/batch`` for all
   entries with a DOI or arXiv id): its ``externalIds`` link a preprint to its
   published DOI and back.  A URL identifier whose record has a different
   title (:data:`pipeline.matching.URL_TITLE_THRESHOLD`) is a wrong link in
   the list: reported in the warnings and not trusted.  Identifiers S2 does
   not know are checked the same way against Crossref / arXiv (one batch
   each) before they are trusted.
3. **Title search** for the rest: S2 ``/paper/search/match``, then DBLP,
   Crossref, OpenAlex and arXiv (:data:`SEARCH_ORDER`, each only while no hit
   was accepted).  A hit is accepted only under
   :func:`pipeline.matching.accept_search_hit`;
   otherwise the entry stays unresolved with its candidates and a reason.

The stage only *finds* records; :mod:`pipeline.fetch` completes them and
:mod:`pipeline.merge` decides which values win.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import matching
from .errors import SourceUnavailable
from .models import Candidate, Ids, ListEntry, SourceRecord

ARXIV_DOI_PREFIX = "10.48550/arxiv."

# title search: each source is asked only when the ones before it found no
# acceptable hit (S2's match endpoint is the most precise; DBLP covers CS
# venues without DOIs; the others catch what those two miss)
SEARCH_ORDER = ("s2", "dblp", "crossref", "openalex", "arxiv")


@dataclass
class Work:
    """One list entry on its way through resolve and fetch."""

    entry: ListEntry
    ids: Ids  # what is known so far
    id_origin: dict[str, str] = field(default_factory=dict)  # "doi" -> "list" | "override" | "previous" | source
    rejected: set[str] = field(default_factory=set)  # normalised ids never to accept ("doi:...", "arxiv:...", "s2:...")
    pinned: set[str] = field(default_factory=set)  # id fields pinned by an override (never dropped)
    records: list[SourceRecord] = field(default_factory=list)  # verified records from any source
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    matched: str | None = None  # how the work was found: "id", "search:s2", "search:dblp"
    asked: set[str] = field(default_factory=set)  # sources already asked by identifier this run
    lost_to_failure: bool = False  # unresolved only because sources were down


@dataclass
class SourceHealth:
    """Which sources failed during this run (name -> message)."""

    failures: dict[str, str] = field(default_factory=dict)

    def fail(self, err: SourceUnavailable) -> None:
        self.failures.setdefault(err.source, err.message)

    def ok(self, name: str) -> bool:
        return name not in self.failures


def is_rejected(work: Work, ids: Ids) -> bool:
    keys = set()
    if ids.doi:
        keys.add(f"doi:{ids.doi}")
    if ids.arxiv:
        keys.add(f"arxiv:{ids.arxiv}")
    if ids.s2:
        keys.add(f"s2:{ids.s2}")
    return bool(keys & work.rejected)


def clean_ids(ids: Ids) -> Ids:
    """An arXiv DataCite DOI (10.48550/arXiv.N) is not a published DOI: keep
    the arXiv id, drop the DOI, so Crossref is not asked for it and the
    published DOI (if any) can take its place."""
    if ids.doi and ids.doi.startswith(ARXIV_DOI_PREFIX):
        return Ids(**{**ids.__dict__, "doi": None})
    return ids


def _adopt_ids(work: Work, record: SourceRecord) -> None:
    """Take identifiers from a verified record into the work, without
    overwriting pinned or already-known ones."""
    found = clean_ids(record.ids)
    for name, value in found.__dict__.items():
        if value is not None and getattr(work.ids, name) is None:
            setattr(work.ids, name, value)
            work.id_origin.setdefault(name, record.source)


def lookupable(ids: Ids) -> bool:
    """Can the work be looked up by identifier (rather than by title)?"""
    return bool(ids.doi or ids.arxiv or ids.s2 or ids.corpus_id)


def link_by_ids(works: list[Work], s2, health: SourceHealth) -> None:
    """Step 2: one S2 batch for every work with an identifier."""
    todo = [w for w in works if lookupable(w.ids)]
    if not todo or s2 is None or not health.ok("s2"):
        return
    try:
        found = s2.lookup([w.ids for w in todo])
    except SourceUnavailable as err:
        health.fail(err)
        return
    for w in todo:
        w.asked.add("s2")
    for work, rec in zip(todo, found):
        if rec is None:
            continue
        agrees, score = matching.url_record_agrees(work.entry.title, rec.title)
        if not agrees and distrust(work, "s2", s2_id_field(work.ids), rec, score):
            continue
        if is_rejected(work, rec.ids):
            work.warnings.append(f"s2 record {rec.ids.s2} is rejected by an override")
            continue
        work.records.append(rec)
        work.matched = work.matched or "id"
        _adopt_ids(work, rec)


def s2_id_field(ids: Ids) -> str:
    """The identifier S2 is asked by (the adapter's order)."""
    return next(f for f in ("doi", "arxiv", "corpus_id", "s2") if getattr(ids, f) is not None)


def distrust(work: Work, name: str, id_field: str, rec: SourceRecord, score: float) -> bool:
    """A record fetched by one of the work's identifiers has another title:
    report it and drop that identifier (True), unless an override pinned it
    (False: kept, with a warning)."""
    value = getattr(work.ids, id_field)
    if id_field in work.pinned:
        work.warnings.append(
            f"pinned {id_field} {value} points to {rec.title!r} in {name} (title score {score:.0f}); kept because pinned"
        )
        return False
    origin = work.id_origin.get(id_field, "list")
    work.warnings.append(
        f"{id_field} {value} (from the {origin}) points to {rec.title!r} in {name}, "
        f"not the listed title (score {score:.0f}); not trusted"
    )
    setattr(work.ids, id_field, None)
    if id_field == "arxiv":
        work.ids.arxiv_version = None
    work.id_origin.pop(id_field, None)
    return True


def verify_unconfirmed(works: list[Work], sources: dict, health: SourceHealth) -> None:
    """Step 2b: identifiers Semantic Scholar could not confirm (unknown to it,
    or S2 down) are checked against Crossref (DOIs) and arXiv (arXiv ids),
    one batch each, before they are trusted.  The records are kept, so
    :mod:`pipeline.fetch` does not ask again."""
    for name, id_field in (("crossref", "doi"), ("arxiv", "arxiv")):
        src = sources.get(name)
        todo = [w for w in works if not w.records and getattr(w.ids, id_field)]
        if src is None or not todo or not health.ok(name):
            continue
        try:
            found = src.lookup([w.ids for w in todo])
        except SourceUnavailable as err:
            health.fail(err)
            continue
        for work, rec in zip(todo, found):
            work.asked.add(name)
            if rec is None:
                continue
            agrees, score = matching.url_record_agrees(work.entry.title, rec.title)
            if not agrees and distrust(work, name, id_field, rec, score):
                continue
            work.records.append(rec)
            work.matched = work.matched or "id"
            _adopt_ids(work, rec)


def _candidate(rec: SourceRecord, score: float) -> Candidate:
    first = rec.authors[0].name if rec.authors else None
    return Candidate(
        source=rec.source,
        title=rec.title or "",
        year=rec.year,
        first_author=first,
        score=round(score, 1),
        doi=rec.ids.doi,
        arxiv=rec.ids.arxiv,
        s2=rec.ids.s2,
    )


def _try_hits(work: Work, hits: list[SourceRecord]) -> SourceRecord | None:
    """The best acceptable hit, or None (rejected hits become candidates).

    Among acceptable hits (a search can return the conference paper, its
    arXiv version and a journal extension, all alike) prefer: the higher
    title score, then the exact year, then the kind of venue the list names
    (a preprint only when the list says arXiv), then the API's own order."""
    e = work.entry
    hint_type = matching.classify_venue_hint(e.venue)
    accepted = []
    for rank, hit in enumerate(hits):
        score = matching.title_score(e.title, hit.title)
        if is_rejected(work, hit.ids):
            work.candidates.append(_candidate(hit, score))
            continue
        ok, score, _why = matching.accept_search_hit(e.title, e.year, e.authors, hit.title, hit.year, hit.authors)
        if not ok:
            work.candidates.append(_candidate(hit, score))
            continue
        preprint = hit.venue_type == "preprint"
        kind_ok = preprint if hint_type == "preprint" else not preprint
        accepted.append(((-round(score), e.year != hit.year, not kind_ok, rank), hit))
    if not accepted:
        return None
    return min(accepted, key=lambda t: t[0])[1]


def search_titles(works: list[Work], sources: dict, health: SourceHealth, progress=None) -> None:
    """Step 3: title search for works with nothing to look up by."""
    todo = [w for w in works if not w.records and not lookupable(w.ids)]
    for work in todo:
        for name in SEARCH_ORDER:
            src = sources.get(name)
            if src is None or not health.ok(name):
                continue
            try:
                hits = src.search(work.entry.title)
            except SourceUnavailable as err:
                health.fail(err)
                continue
            hit = _try_hits(work, hits)
            if hit is not None:
                work.records.append(hit)
                work.matched = f"search:{name}"
                _adopt_ids(work, hit)
                break
        if progress is not None:
            progress()


def explain(work: Work, health: SourceHealth, offline: bool) -> None:
    """Set ``work.reason`` for a work that no source confirmed."""
    if work.records:
        work.reason = None
        return
    if offline:
        work.reason = "offline: not looked up"
        return
    down = sorted(health.failures)
    if work.candidates:
        best = max(work.candidates, key=lambda c: c.score)
        work.reason = (
            f"no candidate accepted: best was {best.title!r} ({best.source}, {best.year}, "
            f"title score {best.score:.0f}); rule: title >= {matching.SEARCH_TITLE_THRESHOLD:.0f} "
            "and (year within 1 or first author matches)"
        )
    elif lookupable(work.ids) and down:
        work.reason = f"sources unavailable ({', '.join(down)})"
        work.lost_to_failure = True
    elif lookupable(work.ids):
        work.reason = "identifier not known to Semantic Scholar"
    elif down:
        work.reason = f"no identifier in the URL and title search unavailable ({', '.join(down)})"
    else:
        work.reason = "no identifier in the URL and no title-search match"


def resolve(works: list[Work], sources: dict, health: SourceHealth, progress=None) -> None:
    """Run steps 2 and 3 in place on ``works``."""
    for w in works:
        w.ids = clean_ids(w.ids)
    link_by_ids(works, sources.get("s2"), health)
    verify_unconfirmed(works, sources, health)
    search_titles(works, sources, health, progress)

