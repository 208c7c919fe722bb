"""The resolve stage alone, against in-memory sources (tests/fakesource.py).
Every record here is synthetic."""

from __future__ import annotations

import hashlib
import threading

import pytest

from pipeline.models import Ids, ListEntry, Person, SourceHealth, SourceRecord, Work
from pipeline.resolve import explain, resolve
from tests.fakesource import FakeSource


def work(title: str, year: int | None = 2021, author: str = "Ana Garcia", **ids: str) -> Work:
    entry = ListEntry(kind="paper", title=title, url=None, year=year,
                      authors=[Person(name=author, family=author.split()[-1])])
    return Work(entry=entry, ids=Ids(**ids), id_origin={k: "list" for k in ids})


def rec(source: str, title: str, year: int = 2021, author: str = "Ana Garcia", **ids: str) -> SourceRecord:
    return SourceRecord(source=source, ids=Ids(**ids), title=title, year=year,
                        authors=[Person(name=author, family=author.split()[-1])])


def s2(records, **kw):
    return FakeSource("s2", records, takes=("doi", "arxiv", "corpus_id", "s2"), bulk=True, **kw)


def test_batched_search_resolves_many_titles_in_one_call():
    a, b = work("Sparse Federated Inference on Edge Devices"), work("Elastic Batching for Mobile GPUs", 2020)
    src = s2([rec("s2", "Elastic Batching for Mobile GPUs", 2020, s2="b" * 40),
              rec("s2", "Sparse federated inference on edge devices.", s2="a" * 40)])
    resolve([a, b], {"s2": src}, SourceHealth())
    assert (a.ids.s2, b.ids.s2) == ("a" * 40, "b" * 40)  # each hit to its own title
    assert a.matched == b.matched == "search:s2"
    assert [c[0] for c in src.calls] == ["search_titles"]  # no one-by-one match needed


def test_batched_search_decoys_are_not_accepted():
    listed = [work("MAPLE: Microprocessor A Priori for Latency Estimation", 2022, "Saad Abbasi"),
              work("Dynamic Sparse Tensor Programs", 2019, "Lena Weber")]
    decoys = [
        # a longer title that contains the listed one
        rec("s2", "MAPLE-Edge: A Runtime Latency Predictor for Edge Devices", 2022, "Saad Abbasi", s2="d" * 40),
        # the same title, but another paper: year 6 years off and another first author
        rec("s2", "Dynamic Sparse Tensor Programs", 2013, "Omar Haddad", s2="e" * 40),
    ]
    src = s2(decoys)
    health = SourceHealth()
    resolve(listed, {"s2": src}, health)
    for w in listed:
        explain(w, health, offline=False)
        assert w.records == [] and w.ids.s2 is None
    assert listed[1].reason.startswith("no candidate accepted: best was 'Dynamic Sparse Tensor Programs'")
    assert [c[0] for c in src.calls] == ["search_titles", "search", "search"]


def test_batched_search_never_accepts_a_rejected_record():
    w = work("Learned Caching for Vision Models")
    w.rejected = {"s2:" + "c" * 40}
    src = s2([rec("s2", "Learned Caching for Vision Models", s2="c" * 40)])
    resolve([w], {"s2": src}, SourceHealth())
    assert w.records == []


def test_one_by_one_goes_down_the_order_until_a_hit_is_accepted():
    w = work("Robust Routing for IoT Sensors", 2018)
    s2src = s2([])
    dblp = FakeSource("dblp", [rec("dblp", "Robust Routing for IoT Sensors.", 2018, dblp="conf/x/G18")])
    crossref = FakeSource("crossref", [rec("crossref", "Robust Routing for IoT Sensors", 2018, doi="10.1234/r")],
                          takes=("doi",))
    resolve([w], {"s2": s2src, "dblp": dblp, "crossref": crossref}, SourceHealth())
    assert w.matched == "search:dblp" and w.ids.dblp == "conf/x/G18"
    assert crossref.calls == []  # asked only while nothing was accepted


def test_many_works_pass_through_the_source_threads_in_order():
    works = [work(f"Pruning {hashlib.sha1(bytes([n])).hexdigest()[:16]} Transformers", 2020) for n in range(30)]
    s2src = s2([], delay=0.001)
    dblp = FakeSource("dblp", [rec("dblp", w.entry.title, 2020, dblp=f"k/{n}") for n, w in enumerate(works)
                               if n % 2], delay=0.001)
    resolve(works, {"s2": s2src, "dblp": dblp}, SourceHealth())
    assert [w.ids.dblp for w in works] == [f"k/{n}" if n % 2 else None for n in range(len(works))]
    assert [c[1] for c in dblp.calls] == [w.entry.title for w in works]  # the queue keeps the list order


def test_a_wrong_link_in_the_list_is_not_trusted():
    w = work("Energy-aware Offloading for Microcontrollers", doi="10.1234/wrong")
    src = s2([rec("s2", "A Completely Different Paper About Databases", doi="10.1234/wrong", s2="f" * 40)])
    resolve([w], {"s2": src}, SourceHealth())
    assert w.ids.doi is None and w.records == []
    assert "points to 'A Completely Different Paper About Databases' in s2" in w.warnings[0]


def test_unconfirmed_identifiers_are_checked_by_crossref_and_arxiv_side_by_side():
    a = work("Secure Serving of Language Models", doi="10.1234/a")
    b = work("Private Tuning of Graph Neural Networks", arxiv="2101.00001")
    crossref = FakeSource("crossref", [rec("crossref", "Secure Serving of Language Models", doi="10.1234/a")],
                          takes=("doi",), delay=0.05)
    arxiv = FakeSource("arxiv", [rec("arxiv", "Private Tuning of Graph Neural Networks", arxiv="2101.00001")],
                       takes=("arxiv",), delay=0.05)
    resolve([a, b], {"s2": s2([]), "crossref": crossref, "arxiv": arxiv}, SourceHealth())
    assert [r.source for r in a.records] == ["crossref"] and [r.source for r in b.records] == ["arxiv"]
    assert crossref.calls == [("lookup", ["10.1234/a"])] and arxiv.calls == [("lookup", ["2101.00001"])]


def test_a_source_down_is_recorded_and_explained():
    w = work("Hierarchical Placement of Recommendation Models", doi="10.1234/h")
    health = SourceHealth()
    resolve([w], {"s2": s2([], down=True)}, health)
    explain(w, health, offline=False)
    assert health.failures == {"s2": "HTTP 503 (fake)"}
    assert w.reason == "sources unavailable (s2)" and w.lost_to_failure


TASO_TAGLINE = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"


def test_list_doi_with_a_tagline_title_is_kept_on_author_year_and_venue():
    w = work(TASO_TAGLINE, 2019, "Zhihao Jia", doi="10.1145/3341301.3359630")
    w.entry.venue = "SOSP"
    record = rec("s2", "TASO: optimizing deep learning computation with automatic generation of graph substitutions",
                 2019, "Zhihao Jia", doi="10.1145/3341301.3359630", s2="a" * 40)
    record.venue = "Proceedings of the 27th ACM Symposium on Operating Systems Principles"
    resolve([w], {"s2": s2([record])}, SourceHealth())
    assert w.records == [record] and w.ids.doi == "10.1145/3341301.3359630"
    assert "accepted because first author, year and venue agree" in w.warnings[0]


def test_list_doi_of_another_paper_by_the_same_author_in_another_venue_is_not_trusted():
    w = work(TASO_TAGLINE, 2019, "Zhihao Jia", doi="10.1145/3341301.3359630")
    w.entry.venue = "SOSP"
    decoy = rec("s2", "Beyond Data and Model Parallelism for Deep Neural Networks", 2019, "Zhihao Jia",
                doi="10.1145/3341301.3359630", s2="b" * 40)
    decoy.venue = "MLSys"
    resolve([w], {"s2": s2([decoy])}, SourceHealth())
    assert w.records == [] and w.ids.doi is None
    assert "not trusted" in w.warnings[0]


def test_unresolved_reason_names_only_a_candidate_that_came_close():
    w = work("Hierarchical Distillation of Recommendation Models", 2020)
    far = rec("s2", "Hierarchical Models of Bird Migration", 2020, s2="c" * 40)
    health = SourceHealth()
    resolve([w], {"s2": s2([far])}, health)
    explain(w, health, offline=False)
    assert w.reason.startswith("no candidate came close (best title score ")
    assert "Bird Migration" not in w.reason and w.candidates  # still listed for a human


def test_title_search_sources_work_side_by_side():
    """S2's second title and DBLP's first (S2 missed it) must be in flight together."""
    a, b = work("Pruning 1f0e3dad99908345 Transformers", 2020), work("Pruning 2d7c8b1a00c4f3e1 Models", 2020)
    gate = threading.Barrier(2, timeout=30)

    class Gated(FakeSource):
        def search(self, title, *, limit=5):
            if (self.name, title) in {("s2", b.entry.title), ("dblp", a.entry.title)}:
                gate.wait()
            return super().search(title, limit=limit)

    s2src = Gated("s2", [], takes=("doi",))
    dblp = Gated("dblp", [rec("dblp", a.entry.title, 2020, dblp="k/a")])
    resolve([a, b], {"s2": s2src, "dblp": dblp}, SourceHealth())
    assert a.ids.dblp == "k/a" and not gate.broken


def test_every_batched_source_goes_through_the_same_rule():
    """OpenAlex's batched title filter after S2's bulk search: its near misses are refused too."""
    w = work("Elastic Offloading for Microcontrollers", 2021, "Ana Garcia")
    s2src = s2([])
    openalex = FakeSource("openalex", [
        rec("openalex", "Elastic Offloading for Microcontrollers: A Survey", 2021, "Ana Garcia",
            openalex="W2000000001"),
        rec("openalex", "Elastic Offloading for Microcontrollers", 2012, "Omar Haddad", openalex="W2000000002"),
    ], takes=("doi",), bulk=True)
    resolve([w], {"s2": s2src, "openalex": openalex}, SourceHealth())
    assert w.records == []
    assert [c[0] for c in openalex.calls] == ["search_titles", "search"]


def test_a_bug_in_one_search_thread_is_raised_not_hung():
    class Broken(FakeSource):
        def search(self, title, *, limit=5):
            raise KeyError("a bug")

    works = [work(f"Pruning {n:02d}a7c3e9b1d5f0 Transformers", 2020) for n in range(5)]
    dblp = FakeSource("dblp", [])
    with pytest.raises(KeyError):
        resolve(works, {"s2": Broken("s2", [], takes=("doi",)), "dblp": dblp}, SourceHealth())
    assert dblp.calls == []  # nothing passed on from the broken thread
