"""The shape every source adapter has.

An adapter is small: it knows one API's paths and record format and nothing
about the pipeline.  It does all network I/O through :class:`pipeline.http.Http`
(pacing, retries, cache, request counts live there, once).

* ``lookup(ids)`` -- batch look-up by identifiers.  Returns a list aligned with
  the input: a :class:`SourceRecord` or ``None`` (unknown to the source, or no
  identifier this source can use).  Makes as few requests as the API allows
  (S2: 500 ids per POST, OpenAlex: 50 DOIs per filter, arXiv: id_list pages).
* ``search(title)`` -- title search; candidates as the API ranks them.  The
  caller decides whether any is a match (see ``pipeline.resolve``).
* ``map_record(obj)`` -- the API's record (already decoded) -> SourceRecord.

Both network methods raise :class:`pipeline.errors.SourceUnavailable` when the
source cannot be reached or keeps answering garbage after the HTTP layer's
retries; they never return partial garbage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..config import Settings
from ..models import Ids, SourceRecord


class Source(ABC):
    name: ClassVar[str]
    batch_size: ClassVar[int] = 1

    def __init__(self, http: "Http", settings: Settings):  # noqa: F821
        self.http = http
        self.settings = settings
        self.base_url = settings.endpoints[self.name]

    @abstractmethod
    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        ...

    @abstractmethod
    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        ...

    @staticmethod
    @abstractmethod
    def map_record(obj: Any) -> SourceRecord:
        ...
