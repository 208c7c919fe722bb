"""Resolve stage: find each paper's identifiers, and prove they are its own.

Order (cheapest and surest first; every step is batched where the API allows):

1. **Known identifiers**: those pinned in the overrides file, those a
   previous run verified, and those in the list's URL
   (:func:`pipeline.identifiers.ids_from_url`); :mod:`pipeline.run` puts
   them in each :class:`Work`.
2. **Linking through Semantic Scholar** (one ``POST /paper/batch`` per 500
   works with a DOI or arXiv id): its ``externalIds`` link a preprint to its
   published DOI and back.  A URL identifier whose record has a different
   title (:data:`pipeline.matching.URL_TITLE_THRESHOLD`) is a wrong link in
   the list: reported in the warnings and not trusted.  Identifiers S2 does
   not know are checked the same way against Crossref and arXiv (one batch
   each, side by side) before they are trusted.  All of it is
   :mod:`pipeline.lookup`.
3. **Title search** for the rest:

   a. *batched*: every source with a batched title search
      (:meth:`Source.search_titles`: S2 ``/paper/search/bulk``, many titles
      per request) is asked for all remaining titles at once; every hit is
      checked against every remaining title;
   b. *one by one*: S2 ``/paper/search/match``, then DBLP, Crossref,
      OpenAlex and arXiv (:data:`SEARCH_ORDER`, each only while no hit was
      accepted).  Each source works through its queue in its own thread, so
      while S2 matches one title DBLP can already search one S2 missed.

   A hit is accepted only under :func:`pipeline.matching.accept_search_hit`
   (the same rule on both paths); otherwise the entry stays unresolved with
   its candidates and a reason.

The stage only *finds* records; :mod:`pipeline.fetch` completes them and
:mod:`pipeline.merge` decides which values win.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from rapidfuzz import fuzz, process

from . import matching
from .errors import SourceUnavailable
from .identifiers import ARXIV_DOI_PREFIX
from .lookup import ask, is_rejected, keep_verified, look_up_and_verify
from .models import Candidate, Ids, SourceHealth, SourceRecord, Work
from .overrides import rejects
from .sources.base import Source
from .sources.s2 import S2Source

__all__ = [
    "SEARCH_ORDER",
    "SourceHealth",
    "Work",
    "clean_ids",
    "explain",
    "lookupable",
    "resolve",
]

Sources = Mapping[str, Source]
T = TypeVar("T")
Tick = Callable[[], None]

# title search: each source is asked only when the ones before it found no
# acceptable hit (S2's match endpoint is the most precise; DBLP covers CS
# venues without DOIs; the others catch what those two miss)
SEARCH_ORDER = ("s2", "dblp", "crossref", "openalex", "arxiv")
# a candidate below this title score is not named in an unresolved reason
CLOSE_SCORE = 70.0


def clean_ids(ids: Ids) -> Ids:
    """An arXiv DataCite DOI (10.48550/arXiv.N) is not a published DOI: keep
    the arXiv id, drop the DOI, so Crossref is not asked for it and the
    published DOI (if any) can take its place."""
    if ids.doi and ids.doi.startswith(ARXIV_DOI_PREFIX):
        return dataclasses.replace(ids, doi=None)
    return ids


def adopt_ids(work: Work, record: SourceRecord) -> None:
    """Take identifiers from a verified record into the work, without
    overwriting pinned or already-known ones (another DOI goes to
    ``other_dois``: :func:`note_other_doi`)."""
    found = clean_ids(record.ids)
    for f in dataclasses.fields(found):
        value = getattr(found, f.name)
        if value is not None and getattr(work.ids, f.name) is None:
            setattr(work.ids, f.name, value)
            work.id_origin.setdefault(f.name, record.source)
    note_other_doi(work, record)


def note_other_doi(work: Work, record: SourceRecord) -> None:
    """A verified record of the work with a DOI other than the work's (the
    proceedings DOI of a paper listed under its newsletter reprint, or the
    reverse): keep it in ``ids.other_dois`` (not an arXiv DataCite DOI, nor
    one refuted or rejected)."""
    doi = clean_ids(record.ids).doi
    if doi is None or work.ids.doi is None or doi == work.ids.doi or doi in (work.ids.other_dois or ()):
        return
    if rejects(work.rejected | work.refuted, doi=doi):
        return
    work.ids.other_dois = sorted([*(work.ids.other_dois or ()), doi])
    work.id_origin.setdefault("other_dois", record.source)


def lookupable(ids: Ids) -> bool:
    """Can the work be looked up by identifier rather than by title: does it
    carry one the linking source (Semantic Scholar) takes?"""
    return any(getattr(ids, f) is not None for f in S2Source.takes)


def link_by_ids(works: list[Work], sources: Sources, health: SourceHealth) -> None:
    """Step 2: one S2 batch for every work with an identifier, then Crossref
    (DOIs) and arXiv (arXiv ids) side by side for works S2 did not confirm.
    Their records are kept, so :mod:`pipeline.fetch` does not ask again."""
    s2 = sources.get("s2")
    if s2 is not None:
        look_up_and_verify(works, s2, health, adopt_ids)  # the works S2 takes (id_field)
    unconfirmed = [w for w in works if not w.records]
    checkers = [src for name in ("crossref", "arxiv") if (src := sources.get(name)) is not None]
    for answer in _side_by_side(checkers, lambda src: ask(src, unconfirmed, health)):
        keep_verified(answer, adopt_ids)


def _side_by_side(sources: list[Source], job: Callable[[Source], T]) -> list[T]:
    """``job(source)`` for every source, each in its own thread (different
    hosts overlap); results in the order of ``sources``."""
    if len(sources) <= 1:
        return [job(src) for src in sources]
    with ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="source") as pool:
        return list(pool.map(job, sources))


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


def best_hit(work: Work, hits: list[SourceRecord], *, keep_candidates: bool = True) -> SourceRecord | None:
    """The best acceptable hit, or None (rejected hits become candidates
    when ``keep_candidates``).

    Among acceptable hits (a search can return the conference paper, its
    arXiv version and a journal extension, all alike) prefer: the higher
    title score, then the exact year, then the kind of venue the list names
    (a preprint only when the list says arXiv), then the API's own order."""
    e = work.entry
    hint_type = matching.classify_venue_hint(e.venue)
    accepted = []
    for rank, hit in enumerate(hits):
        if is_rejected(work, hit.ids):
            if keep_candidates:
                work.candidates.append(_candidate(hit, matching.title_score(e.title, hit.title)))
            continue
        ok, score, _why = matching.accept_search_hit(e.title, e.year, e.authors, hit.title, hit.year, hit.authors)
        if not ok:
            if keep_candidates:
                work.candidates.append(_candidate(hit, score))
            continue
        preprint = hit.venue_type == "preprint"
        kind_ok = preprint if hint_type == "preprint" else not preprint
        accepted.append(((-round(score), e.year != hit.year, not kind_ok, rank), hit))
    if not accepted:
        return None
    return min(accepted, key=lambda t: t[0])[1]


def _accept(work: Work, hit: SourceRecord, name: str) -> None:
    work.records.append(hit)
    work.matched = f"search:{name}"
    adopt_ids(work, hit)


def search_batched(works: list[Work], sources: Sources, health: SourceHealth) -> None:
    """Step 3a: every source's batched title search, for all titles at once.

    Every hit is compared with every listed title; a hit is a candidate for
    a work only when its title alone could pass the acceptance rule (score
    >= :data:`pipeline.matching.SEARCH_TITLE_THRESHOLD`, the same folded
    ``fuzz.ratio``), and is accepted only by :func:`best_hit`.  Hits that
    fail are not kept as candidates here: the one-by-one search that follows
    asks again and keeps them."""
    for name in SEARCH_ORDER:
        src = sources.get(name)
        todo = [w for w in works if not w.records]
        if src is None or not todo or not health.ok(name):
            continue
        try:
            hits = src.search_titles([w.entry.title for w in todo])
        except SourceUnavailable as err:
            health.fail(err)
            continue
        if not hits:
            continue
        folded = [matching.fold(h.title or "") for h in hits]
        for work in todo:
            near = process.extract(
                matching.fold(work.entry.title),
                folded,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=matching.SEARCH_TITLE_THRESHOLD,
                limit=None,
            )
            close = [hits[i] for _, _, i in sorted(near, key=lambda t: t[2])]
            hit = best_hit(work, close, keep_candidates=False)
            if hit is not None:
                _accept(work, hit, name)


def search_one_by_one(works: list[Work], sources: Sources, health: SourceHealth, progress: Tick | None) -> None:
    """Step 3b: each work's title goes down :data:`SEARCH_ORDER` until a hit
    is accepted.  One thread per source, each with its own queue: a work
    passes to the next source's queue when this one found nothing, so the
    sources work side by side.  Each work still sees the sources in order,
    one at a time, so its outcome does not depend on timing."""
    chain = [src for name in SEARCH_ORDER if (src := sources.get(name)) is not None]
    tick = progress or (lambda: None)
    if not chain:
        for _ in works:
            tick()
        return
    queues: list[queue.Queue[Work | None]] = [queue.Queue() for _ in chain]
    lock = threading.Lock()

    def done() -> None:
        with lock:
            tick()

    errors: list[BaseException] = []

    def serve(step: int) -> None:
        src, inbox = chain[step], queues[step]
        try:
            while (work := inbox.get()) is not None:
                hit = None
                if health.ok(src.name) and not errors:
                    try:
                        hit = best_hit(work, src.search(work.entry.title))
                    except SourceUnavailable as err:
                        health.fail(err)
                if hit is not None:
                    _accept(work, hit, src.name)
                    done()
                elif step + 1 < len(chain):
                    queues[step + 1].put(work)
                else:
                    done()
        except BaseException as err:  # a bug: the other threads stop asking; re-raised below
            errors.append(err)
        finally:
            if step + 1 < len(chain):
                queues[step + 1].put(None)  # this queue is drained (or broken): so will the next be

    for work in works:
        queues[0].put(work)
    queues[0].put(None)
    threads = [threading.Thread(target=serve, args=(i,), name=f"search-{s.name}") for i, s in enumerate(chain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


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
        rule = f"rule: title >= {matching.SEARCH_TITLE_THRESHOLD:.0f} and (year within 1 or first author matches)"
        if best.score >= CLOSE_SCORE:
            work.reason = (
                f"no candidate accepted: best was {best.title!r} ({best.source}, {best.year}, "
                f"title score {best.score:.0f}); {rule}"
            )
        else:  # naming an unrelated paper would only mislead
            work.reason = f"no candidate came close (best title score {best.score:.0f}); {rule}"
    elif lookupable(work.ids) and down:
        work.reason = f"sources unavailable ({', '.join(down)})"
        work.lost_to_failure = True
    elif lookupable(work.ids):
        work.reason = "identifier not known to Semantic Scholar"
    elif down:
        work.reason = f"no identifier in the URL and title search unavailable ({', '.join(down)})"
        work.lost_to_failure = True
    else:
        work.reason = "no identifier in the URL and no title-search match"


def resolve(works: list[Work], sources: Sources, health: SourceHealth, progress: Tick | None = None) -> None:
    """Run steps 2 and 3 in place on ``works``; ``progress()`` once per
    work that went to title search."""
    for w in works:
        w.ids = clean_ids(w.ids)
    link_by_ids(works, sources, health)
    todo = [w for w in works if not w.records and not lookupable(w.ids)]
    search_batched(todo, sources, health)
    for w in todo:
        if w.records and progress is not None:
            progress()
    search_one_by_one([w for w in todo if not w.records], sources, health, progress)
