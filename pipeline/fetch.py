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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from .lookup import Answer, ask, keep_verified
from .models import SourceHealth, SourceRecord, Work
from .sources.base import Source

FETCH_ORDER = ("s2", "arxiv", "crossref", "openalex")

Progress = Callable[[str], None]


def adopt_secondary_ids(work: Work, rec: SourceRecord) -> None:
    """Record the source's own ids (OpenAlex W-id, S2 ids, DBLP key).  DOIs
    and arXiv ids are not taken here: they come only from resolve, where
    they are checked before they are trusted."""
    for name in ("openalex", "s2", "corpus_id", "dblp"):
        value = getattr(rec.ids, name)
        if value is not None and getattr(work.ids, name) is None:
            setattr(work.ids, name, value)
            work.id_origin.setdefault(name, rec.source)


def fetch(
    works: list[Work], sources: Mapping[str, Source], health: SourceHealth, progress: Progress | None = None
) -> None:
    """Complete ``works`` in place; ``progress(name)`` once per source in
    :data:`FETCH_ORDER`."""
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
