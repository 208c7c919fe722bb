"""Fetch stage: complete every resolved work from the other sources.

One batched look-up per source (each adapter chunks by its API's limit and
takes the identifiers it knows: :meth:`Source.id_field`): S2 for works that
title search found elsewhere, arXiv by arXiv id, Crossref and OpenAlex by
DOI.  The sources are asked side by side, each from its own thread, since
none needs another's answer; the answers are then checked in
:data:`FETCH_ORDER` by :func:`pipeline.lookup.keep_verified`, so the result
never depends on which host answered first.  Every record is checked against
the listed title once more; one that disagrees is dropped with a warning (an
identifier can still be wrong).

A paper with several DOIs (a conference paper and its SIGPLAN Notices or
SIGARCH Computer Architecture News reprint) keeps as ``ids.doi`` the one that
matches its venue (:func:`settle_doi`), the others in ``ids.other_dois``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from . import matching
from .lookup import Answer, ask, keep_verified, look_up_and_verify
from .models import SourceHealth, SourceRecord, Work
from .resolve import note_other_doi
from .sources.base import Source

FETCH_ORDER = ("s2", "arxiv", "crossref", "openalex")

Progress = Callable[[str], None]


def adopt_secondary_ids(work: Work, rec: SourceRecord) -> None:
    """Record the source's own ids (OpenAlex W-id, S2 ids, DBLP key).  DOIs
    and arXiv ids are not taken here: they come only from resolve, where
    they are checked before they are trusted; a verified record's other DOI
    only joins ``ids.other_dois`` (:func:`settle_doi` may make it canonical)."""
    for name in ("openalex", "s2", "corpus_id", "dblp"):
        value = getattr(rec.ids, name)
        if value is not None and getattr(work.ids, name) is None:
            setattr(work.ids, name, value)
            work.id_origin.setdefault(name, rec.source)
    note_other_doi(work, rec)


def settle_doi(work: Work) -> bool:
    """Of a paper's DOIs (``ids.doi`` and ``ids.other_dois``), make the one
    that matches the venue ``ids.doi``; True when it changed.

    Rank, best first: a DOI whose record's venue agrees with the list's venue
    (:func:`pipeline.matching.venue_agrees`); not a newsletter reprint
    (:func:`pipeline.matching.is_reprint_venue`: SIGPLAN Notices, SIGARCH
    Computer Architecture News...); a record of the kind of venue the list
    names (conference, journal); then the current DOI.  A pinned DOI stays."""
    others = work.ids.other_dois or []
    if work.ids.doi is None or not others or "doi" in work.pinned:
        return False
    hint = work.entry.venue
    kind = matching.classify_venue_hint(hint)

    def rank(item: tuple[int, str]) -> tuple[bool, bool, bool, int]:
        pos, doi = item
        recs = [r for r in work.records if r.ids.doi == doi]
        fits = any(matching.venue_agrees(hint, r.venue) for r in recs)
        reprint = any(matching.is_reprint_venue(r.venue) for r in recs)
        kind_ok = kind is not None and any(r.venue_type == kind for r in recs)
        return (not fits, reprint, not kind_ok, pos)

    old = work.ids.doi
    best = min(enumerate([old, *others]), key=rank)[1]
    if best == old:
        return False
    work.ids.doi, work.ids.other_dois = best, sorted([old, *(d for d in others if d != best)])
    was = work.id_origin.get("doi", "list")
    work.id_origin["doi"] = work.id_origin.get("other_dois", "list")
    work.id_origin["other_dois"] = was
    work.warnings.append(f"doi {old} (from the {was}) is another DOI of this paper; {best} matches the venue "
                         "and is used, the other is kept in ids.other_dois")
    return True


def fetch(
    works: list[Work], sources: Mapping[str, Source], health: SourceHealth, progress: Progress | None = None
) -> None:
    """Complete ``works`` in place; ``progress(name)`` once per source in
    :data:`FETCH_ORDER`."""
    for w in works:  # the DOI the venue calls for is the one Crossref and OpenAlex are asked by
        settle_doi(w)
    asking: list[tuple[Source, list[Work]]] = []
    for name in FETCH_ORDER:
        src = sources.get(name)
        if src is None or not health.ok(name):
            continue
        todo = [w for w in works if name not in w.asked and not any(r.source == name for r in w.records)]
        asking.append((src, todo))

    def job(item: tuple[Source, list[Work]]) -> Answer | None:
        src, todo = item
        return ask(src, todo, health)

    with ThreadPoolExecutor(max_workers=max(1, len(asking)), thread_name_prefix="fetch") as pool:
        answers = dict(zip((src.name for src, _ in asking), pool.map(job, asking), strict=True))
    for name in FETCH_ORDER:
        keep_verified(answers.get(name), adopt_secondary_ids)
        if progress is not None:
            progress(name)
    # a record named another DOI that fits the venue better: Crossref's record of the old one
    # (the newsletter reprint) gives way to that DOI's own (one more batch, only when it happens)
    moved = [w for w in works if settle_doi(w)]
    crossref = sources.get("crossref")
    for w in moved:
        w.records = [r for r in w.records if r.source != "crossref"]
        w.asked.discard("crossref")
    if moved and crossref is not None and health.ok("crossref"):
        look_up_and_verify(moved, crossref, health, adopt_secondary_ids)
