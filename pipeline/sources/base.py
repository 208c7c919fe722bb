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
from ..models import Ids, Person, SourceRecord


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


# name particles that belong to the family name, and suffixes that make a
# display name too ambiguous to split
_NAME_PARTICLES = frozenset(
    "da das de del della der di dos du la le st. ten ter van von zu".split()
)
_NAME_SUFFIXES = frozenset("jr jr. sr sr. ii iii iv".split())


def person_from_name(name: str, orcid: str | None = None) -> Person:
    """A display name ("Peter H. N. de With") -> :class:`Person`.

    Family name = last token, extended leftwards over lowercase particles
    ("van der Putten", "de With").  One-token names and names ending in a
    suffix (Jr., III) are not split (given/family None): not reliable.
    """
    display = " ".join(name.split())
    tokens = display.split(" ")
    if len(tokens) < 2 or tokens[-1].lower() in _NAME_SUFFIXES:
        return Person(name=display, orcid=orcid)
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].lower() in _NAME_PARTICLES:
        start -= 1
    return Person(
        name=display, given=" ".join(tokens[:start]), family=" ".join(tokens[start:]), orcid=orcid
    )
