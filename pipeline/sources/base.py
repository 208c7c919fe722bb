"""The shape every source adapter has: :class:`Source`.

An adapter knows one API's paths, limits and record format and nothing about
the pipeline.  It owns, for its API:

* ``takes`` -- the identifiers it can be asked by, in the order it prefers
  them; :meth:`Source.id_field` picks the one a work is asked by;
* ``batch_size`` -- how many identifiers one look-up request carries;
* :meth:`Source.lookup` -- batch look-up by identifier: a list aligned with
  the input, a :class:`SourceRecord` or ``None`` (unknown to the source, or
  no identifier it takes).  As few requests as the API allows;
* :meth:`Source.search` -- title search for one title: candidates as the API
  ranks them;
* :meth:`Source.search_titles` -- batched title search for many titles:
  every record any of them found, unassigned (sources without a batched
  search send nothing and return ``[]``);
* :meth:`Source.map_record` -- the API's record (decoded) -> SourceRecord.

Whether a record *is* the work the list means is never decided here: the
stages check every record with :mod:`pipeline.matching`.

All network I/O goes through :class:`pipeline.http.Http` (pacing, retries,
cache, request counts live there, once), by public means only.  Network
methods raise :class:`pipeline.errors.SourceUnavailable` when the source
cannot be reached or keeps answering garbage after the HTTP layer's retries;
they never return partial garbage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..config import Settings
from ..http import Http
from ..models import Ids, SourceRecord


def squash(value: object) -> str | None:
    """The one text cleaner of the adapters: whitespace runs collapsed to
    one space; empty strings and non-strings (JSON nulls, numbers) -> None."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


class Source(ABC):
    """One API (see the module docstring)."""

    name: ClassVar[str]
    #: identifier fields of :class:`Ids` this source is looked up by, preferred first
    takes: ClassVar[tuple[str, ...]] = ()
    batch_size: ClassVar[int] = 1

    def __init__(self, http: Http, settings: Settings):
        self.http = http
        self.settings = settings
        self.base_url = settings.endpoints[self.name]

    def id_field(self, ids: Ids) -> str | None:
        """The identifier a work with ``ids`` is asked by (None: it cannot be)."""
        return next((f for f in self.takes if getattr(ids, f) is not None), None)

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        """Records by identifier, aligned with ``ids``.  This default is for
        sources that take no identifier: all ``None``, no request."""
        if self.takes:
            raise NotImplementedError(f"{type(self).__name__} takes {self.takes} but has no lookup")
        return [None] * len(ids)

    @abstractmethod
    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        """Candidates for one title, in the API's order."""

    def search_titles(self, titles: list[str]) -> list[SourceRecord]:
        """Candidates for many titles at once, unassigned.  Default: no
        batched title search in this API (``[]``, no request)."""
        return []

    @staticmethod
    @abstractmethod
    def map_record(obj: Any) -> SourceRecord:
        """One decoded API record -> :class:`SourceRecord`."""
