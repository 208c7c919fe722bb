"""Fetch stage: complete every resolved work from the other sources.

One batched call per source (the adapters chunk by their API's limit):
arXiv ``id_list`` for arXiv ids, Crossref and OpenAlex by DOI, and a last S2
batch for works that title search found through DBLP.  Every record is
checked against the listed title once more; one that disagrees is dropped
with a warning (an identifier can still be wrong).
"""

from __future__ import annotations

from . import matching
from .errors import SourceUnavailable
from .resolve import SourceHealth, Work, distrust, s2_id_field

# which identifier each source looks works up by
_NEEDS = {
    "s2": lambda ids: bool(ids.doi or ids.arxiv or ids.s2 or ids.corpus_id),
    "arxiv": lambda ids: bool(ids.arxiv),
    "crossref": lambda ids: bool(ids.doi),
    "openalex": lambda ids: bool(ids.doi),
}

FETCH_ORDER = ("s2", "arxiv", "crossref", "openalex")


def fetch(works: list[Work], sources: dict, health: SourceHealth, progress=None) -> None:
    for name in FETCH_ORDER:
        src = sources.get(name)
        if src is None or not health.ok(name):
            if progress:
                progress(name)
            continue
        todo = [
            w for w in works
            if _NEEDS[name](w.ids) and name not in w.asked and not any(r.source == name for r in w.records)
        ]
        if todo:
            try:
                found = src.lookup([w.ids for w in todo])
            except SourceUnavailable as err:
                health.fail(err)
                found = []
            for work in todo:
                work.asked.add(name)
            for work, rec in zip(todo, found):
                if rec is None:
                    continue
                agrees, score = matching.url_record_agrees(work.entry.title, rec.title)
                if not agrees and distrust(work, name, _id_field(name, work), rec, score):
                    continue
                work.records.append(rec)
                work.matched = work.matched or "id"
                _adopt_secondary_ids(work, rec)
        if progress:
            progress(name)


def _adopt_secondary_ids(work: Work, rec) -> None:
    """Record the source's own ids (OpenAlex W-id, S2 ids, DBLP key).  DOIs
    and arXiv ids are not taken here: they come only from resolve, where
    they are checked before they are trusted."""
    for name in ("openalex", "s2", "corpus_id", "dblp"):
        value = getattr(rec.ids, name)
        if value is not None and getattr(work.ids, name) is None:
            setattr(work.ids, name, value)
            work.id_origin.setdefault(name, rec.source)


def _id_field(source: str, work: Work) -> str:
    """Which of the work's identifiers ``source`` was asked by."""
    if source == "s2":
        return s2_id_field(work.ids)
    return "arxiv" if source == "arxiv" else "doi"
