"""An in-memory source for unit tests of the stages (the idea of httpx's
MockTransport): it answers from a list of records, logs every call, and can
be told to be down or slow.  No network, no HTTP layer."""

from __future__ import annotations

import threading
import time

from rapidfuzz import fuzz

from pipeline.errors import SourceUnavailable
from pipeline.matching import fold
from pipeline.models import Ids, SourceRecord
from pipeline.sources.base import Source


class FakeSource(Source):
    def __init__(self, name: str, records: list[SourceRecord], *, takes: tuple[str, ...] = (),
                 bulk: bool = False, down: bool = False, delay: float = 0.0,
                 barrier: threading.Barrier | None = None):
        self.name = name  # type: ignore[misc]
        self.takes = takes  # type: ignore[misc]
        self.records, self.bulk, self.down, self.delay = records, bulk, down, delay
        self.barrier = barrier  # every source sharing it must be in a call at once, or it breaks
        self.calls: list[tuple[str, object]] = []

    def _call(self, what: str, arg: object) -> None:
        self.calls.append((what, arg))
        if self.barrier is not None:
            self.barrier.wait()
        time.sleep(self.delay)
        if self.down:
            raise SourceUnavailable(self.name, "HTTP 503 (fake)")

    def lookup(self, ids: list[Ids]) -> list[SourceRecord | None]:
        self._call("lookup", [self.id_field(i) and getattr(i, self.id_field(i)) for i in ids])
        out: list[SourceRecord | None] = []
        for i in ids:
            f = self.id_field(i)
            out.append(next((r for r in self.records if f and getattr(r.ids, f) == getattr(i, f)), None))
        return out

    def search(self, title: str, *, limit: int = 5) -> list[SourceRecord]:
        self._call("search", title)
        scored = [(fuzz.ratio(fold(title), fold(r.title or "")), n) for n, r in enumerate(self.records)]
        return [self.records[n] for s, n in sorted(scored, key=lambda t: -t[0]) if s >= 50][:limit]

    def search_titles(self, titles: list[str]) -> list[SourceRecord]:
        if not self.bulk:
            return []
        self._call("search_titles", list(titles))
        return list(self.records)  # every record, unassigned: the stage must sort them out

    @staticmethod
    def map_record(obj: object) -> SourceRecord:
        assert isinstance(obj, SourceRecord)
        return obj
