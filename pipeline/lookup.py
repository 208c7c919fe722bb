"""Look works up by identifier and keep only the records that are theirs.

The one look-up-and-verify step of the resolve and fetch stages, in two
halves so the network half of several sources can run side by side while
the checking half runs in a fixed order (outputs never depend on timing):

* :func:`ask` -- one batched :meth:`Source.lookup` for the works the source
  can take (its :meth:`Source.id_field`); notes which identifier each work
  was asked by.
* :func:`keep_verified` -- each record is checked against the list
  (:func:`pipeline.matching.identifier_record_agrees`: the title, or else
  first author, year and venue together, with a warning).  A record that
  disagrees means the identifier is wrong: it is dropped from the work with
  a warning and noted in ``Work.refuted`` (:func:`distrust`; merge keeps it in
  ``status.refuted``, so no later run uses it unchecked), unless an override
  pinned it.  A record
  carrying an identifier an override rejected is refused.  The rest are
  kept, and ``adopt`` takes identifiers from them.

:func:`look_up_and_verify` does both in a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import matching
from .errors import SourceUnavailable
from .models import Ids, SourceHealth, SourceRecord, Work
from .overrides import REJECTABLE, reject_keys, rejects
from .sources.base import Source

Adopt = Callable[[Work, SourceRecord], None]


@dataclass
class Answer:
    """What one source said about the works it was asked for."""

    source: str
    asked: list[tuple[Work, str, object]]  # (work, id field asked by, its value then)
    found: list[SourceRecord | None]  # aligned with ``asked``


def is_rejected(work: Work, ids: Ids) -> bool:
    """Does ``ids`` carry an identifier an override rejected for this work?"""
    return rejects(work.rejected, ids.doi, ids.arxiv, ids.s2)


def ask(source: Source, works: list[Work], health: SourceHealth) -> Answer | None:
    """One batched look-up of ``works`` (those ``source`` takes); None when
    nothing was asked or the source is down (recorded in ``health``)."""
    asked = [(w, f, getattr(w.ids, f)) for w in works if (f := source.id_field(w.ids)) is not None]
    if not asked or not health.ok(source.name):
        return None
    try:
        found = source.lookup([w.ids for w, _, _ in asked])
    except SourceUnavailable as err:
        health.fail(err)
        return None
    return Answer(source.name, asked, found)


def keep_verified(answer: Answer | None, adopt: Adopt) -> None:
    """Check each record of ``answer`` and keep those that are the work's own."""
    if answer is None:
        return
    name = answer.source
    for (work, id_field, value), rec in zip(answer.asked, answer.found, strict=True):
        work.asked.add(name)
        if rec is None or getattr(work.ids, id_field) != value:
            continue  # unknown, or the identifier was dropped meanwhile
        e = work.entry
        agrees, score, why = matching.identifier_record_agrees(
            e.title, e.year, e.authors, e.venue, rec.title, rec.year, rec.authors, rec.venue
        )
        if not agrees and distrust(work, name, id_field, rec, score):
            continue
        if agrees and why == matching.EVIDENCE:
            work.warnings.append(
                f"{id_field} {value} points to {rec.title!r} in {name}, not the listed title (score {score:.0f}); "
                f"accepted because {why}: the record's title is used"
            )
        if is_rejected(work, rec.ids):
            work.warnings.append(f"{name} record {_label(rec)} is rejected by an override")
            continue
        work.records.append(rec)
        work.matched = work.matched or "id"
        adopt(work, rec)


def look_up_and_verify(works: list[Work], source: Source, health: SourceHealth, adopt: Adopt) -> None:
    """:func:`ask` then :func:`keep_verified`."""
    keep_verified(ask(source, works, health), adopt)


def distrust(work: Work, name: str, id_field: str, rec: SourceRecord, score: float) -> bool:
    """A record fetched by one of the work's identifiers has another title:
    report it and drop that identifier (True), unless an override pinned it
    (False: kept, with a warning)."""
    value = getattr(work.ids, id_field)
    if id_field in work.pinned:
        work.warnings.append(
            f"pinned {id_field} {value} points to {rec.title!r} in {name} (title score {score:.0f}); "
            "kept because pinned"
        )
        return False
    origin = work.id_origin.get(id_field, "list")
    work.warnings.append(
        f"{id_field} {value} (from the {origin}) points to {rec.title!r} in {name}, "
        f"not the listed title (score {score:.0f}); not trusted"
    )
    if id_field in REJECTABLE:  # kept in status.refuted: no later run brings it back unchecked
        work.refuted |= reject_keys(**{id_field: str(value)})
    setattr(work.ids, id_field, None)
    if id_field == "arxiv":
        work.ids.arxiv_version = None
    work.id_origin.pop(id_field, None)
    return True


def _label(rec: SourceRecord) -> str:
    ids = rec.ids
    return str(ids.s2 or ids.doi or ids.arxiv or ids.openalex or ids.dblp or rec.title)
