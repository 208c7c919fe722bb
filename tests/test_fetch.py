"""The fetch stage alone, against in-memory sources (tests/fakesource.py).
Every record here is synthetic."""

from __future__ import annotations

import threading

from pipeline.fetch import fetch
from pipeline.models import SourceHealth
from tests.fakesource import FakeSource
from tests.test_resolve import rec, work


def test_each_source_asked_once_and_records_kept_in_fetch_order():
    a = work("Scalable Caching for Edge Devices", doi="10.1234/a", arxiv="2001.00001")
    b = work("Dynamic Quantization of Vision Models", doi="10.1234/b")
    # the slowest host answers first in FETCH_ORDER: the result must not depend on timing
    arxiv = FakeSource("arxiv", [rec("arxiv", "Scalable Caching for Edge Devices", arxiv="2001.00001")],
                       takes=("arxiv",), delay=0.1)
    crossref = FakeSource("crossref", [rec("crossref", a.entry.title, doi="10.1234/a"),
                                       rec("crossref", b.entry.title, doi="10.1234/b")], takes=("doi",))
    openalex = FakeSource("openalex", [rec("openalex", a.entry.title, doi="10.1234/a", openalex="W2000000001")],
                          takes=("doi",))
    ticks: list[str] = []
    fetch([a, b], {"arxiv": arxiv, "crossref": crossref, "openalex": openalex}, SourceHealth(), ticks.append)
    assert [r.source for r in a.records] == ["arxiv", "crossref", "openalex"]
    assert [r.source for r in b.records] == ["crossref"]
    assert crossref.calls == [("lookup", ["10.1234/a", "10.1234/b"])] and len(arxiv.calls) == len(openalex.calls) == 1
    assert a.ids.openalex == "W2000000001" and a.id_origin["openalex"] == "openalex"
    assert ticks == ["s2", "arxiv", "crossref", "openalex"]


def test_works_already_answered_are_not_asked_again():
    w = work("Elastic Scheduling for Multi-tenant Clusters", doi="10.1234/e")
    w.records.append(rec("crossref", w.entry.title, doi="10.1234/e"))
    w.asked.add("crossref")
    crossref = FakeSource("crossref", [], takes=("doi",))
    fetch([w], {"crossref": crossref}, SourceHealth())
    assert crossref.calls == []


def test_a_record_with_another_title_is_dropped_with_its_doi():
    w = work("Robust Distillation for Language Models", doi="10.1234/x")
    w.records.append(rec("s2", w.entry.title, s2="a" * 40))
    crossref = FakeSource("crossref", [rec("crossref", "Unrelated Survey of Databases", doi="10.1234/x")],
                          takes=("doi",))
    fetch([w], {"crossref": crossref}, SourceHealth())
    assert [r.source for r in w.records] == ["s2"] and w.ids.doi is None
    assert "not the listed title" in w.warnings[0]


def test_a_failing_source_leaves_the_others_working():
    w = work("Federated Profiling of Mobile GPUs", doi="10.1234/f")
    health = SourceHealth()
    down = FakeSource("crossref", [], takes=("doi",), down=True)
    up = FakeSource("openalex", [rec("openalex", w.entry.title, doi="10.1234/f", openalex="W2000000009")],
                    takes=("doi",))
    fetch([w], {"crossref": down, "openalex": up}, health)
    assert health.failures == {"crossref": "HTTP 503 (fake)"}
    assert [r.source for r in w.records] == ["openalex"]


def test_sources_are_asked_at_the_same_time():
    """Each source waits at a barrier inside its look-up: it opens only when all
    three are in flight together (a sequential fetch would break it after 30 s)."""
    w = work("Secure Placement of Vision Models", doi="10.1234/s", arxiv="2003.00003")
    gate = threading.Barrier(3, timeout=30)
    sources = {
        "arxiv": FakeSource("arxiv", [rec("arxiv", w.entry.title, arxiv="2003.00003")], takes=("arxiv",), barrier=gate),
        "crossref": FakeSource("crossref", [rec("crossref", w.entry.title, doi="10.1234/s")], takes=("doi",),
                               barrier=gate),
        "openalex": FakeSource("openalex", [rec("openalex", w.entry.title, doi="10.1234/s")], takes=("doi",),
                               barrier=gate),
    }
    health = SourceHealth()
    fetch([w], sources, health)
    assert health.failures == {} and [r.source for r in w.records] == ["arxiv", "crossref", "openalex"]


def _two_doi_work(venue: str):
    """A paper known under its proceedings DOI and a newsletter reprint DOI (synthetic records)."""
    from pipeline.models import VENUE_CONFERENCE, VENUE_JOURNAL

    w = work("Collaborative Inference Between the Cloud and the Edge", doi="10.1145/3093337.1")
    w.entry.venue = venue
    w.ids.other_dois = ["10.1145/3037697.1"]
    reprint = rec("crossref", w.entry.title, doi="10.1145/3093337.1")
    reprint.venue, reprint.venue_type = "ACM SIGARCH Computer Architecture News", VENUE_JOURNAL
    proceedings = rec("s2", w.entry.title, doi="10.1145/3037697.1")
    proceedings.venue, proceedings.venue_type = "ASPLOS", VENUE_CONFERENCE
    w.records = [proceedings, reprint]
    return w


def test_canonical_doi_is_the_one_that_matches_the_venue():
    from pipeline.fetch import settle_doi

    w = _two_doi_work("ASPLOS")
    assert settle_doi(w)
    assert (w.ids.doi, w.ids.other_dois) == ("10.1145/3037697.1", ["10.1145/3093337.1"])
    assert w.id_origin["doi"] == "list" and any("10.1145/3037697.1 matches the venue" in x for x in w.warnings)
    assert not settle_doi(w)  # settled: asking again changes nothing


def test_canonical_doi_decoys_the_reprint_listed_as_such_and_a_pinned_doi_stay():
    """Decoys for the rule: it follows the venue, not "the proceedings always win"."""
    from pipeline.fetch import settle_doi

    listed_as_reprint = _two_doi_work("SIGARCH Computer Architecture News")
    assert not settle_doi(listed_as_reprint) and listed_as_reprint.ids.doi == "10.1145/3093337.1"
    pinned = _two_doi_work("ASPLOS")
    pinned.pinned.add("doi")
    assert not settle_doi(pinned) and pinned.ids.doi == "10.1145/3093337.1"
    no_record = _two_doi_work("ASPLOS")
    no_record.records = []  # nothing says which DOI is which: the list's stays
    assert not settle_doi(no_record) and no_record.ids.doi == "10.1145/3093337.1"
