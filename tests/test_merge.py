"""Merge: precedence, provenance, previous data kept, warnings, citation history.

All records here are synthetic (built in the test), standing for what the
adapters return; merge is a pure function, so no server is needed.
"""


from pipeline.merge import PRECEDENCE, classify_venue_hint, merge_entry, venue_agrees
from pipeline.models import Ids, ListEntry, Person, SourceRecord
from pipeline.resolve import Work

TODAY = "2026-11-24"


def listed(**kw):
    base = dict(kind="paper", title="TASO: The Tensor Algebra SuperOptimizer for Deep Learning",
                url="https://dl.acm.org/doi/abs/10.1145/3341301.3359630",
                authors=[Person(name="Zhihao Jia", given="Zhihao", family="Jia")], et_al=True,
                venue="SOSP", year=2019, sections=[["Papers", "DNN Compiler"]], lines=[33, 37])
    base.update(kw)
    return ListEntry(**base)


def s2_rec(**kw):
    base = dict(source="s2", ids=Ids(doi="10.1145/3341301.3359630", s2="a" * 40, corpus_id=1),
                title="TASO: optimizing deep learning computation", authors=[Person(name="Z. Jia")],
                year=2019, venue="Symposium on Operating Systems Principles", venue_type="conference",
                abstract="S2 abstract.", citation_count=300, influential_count=40,
                pdf_url="https://example.org/taso.pdf")
    base.update(kw)
    return SourceRecord(**base)


def crossref_rec(**kw):
    base = dict(source="crossref", ids=Ids(doi="10.1145/3341301.3359630"),
                title="TASO: The Tensor Algebra SuperOptimizer for Deep Learning",
                authors=[Person(name="Zhihao Jia", given="Zhihao", family="Jia"),
                         Person(name="Oded Padon", given="Oded", family="Padon")],
                year=2019, venue="Proceedings of the 27th ACM Symposium on Operating Systems Principles",
                venue_type="conference", pages="47-62", publisher="ACM", abstract=None)
    base.update(kw)
    return SourceRecord(**base)


def work_with(*records, ids=None):
    e = listed()
    w = Work(entry=e, ids=ids or Ids(doi="10.1145/3341301.3359630"), id_origin={"doi": "list"})
    w.records = list(records)
    return w


def test_precedence_and_provenance_per_field():
    oa = SourceRecord(source="openalex", ids=Ids(doi="10.1145/3341301.3359630", openalex="W1"),
                      title="TASO", citation_count=280, abstract="OpenAlex abstract.")
    w = work_with(s2_rec(), crossref_rec(), oa)
    e = merge_entry("jia2019taso", listed(), w, None, TODAY)
    assert e.title == "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"
    assert e.provenance["title"] == "crossref"
    assert [a.family for a in e.authors] == ["Jia", "Padon"] and e.provenance["authors"] == "crossref"
    assert e.venue.startswith("Proceedings of the 27th") and e.provenance["venue"] == "crossref"
    assert e.abstract == "S2 abstract." and e.provenance["abstract"] == "s2"
    assert e.pages == "47-62" and e.provenance["pages"] == "crossref"
    assert e.citations.count == 300 and e.citations.influential == 40 and e.citations.source == "s2"
    assert e.citations.second_count == 280 and e.citations.second_source == "openalex"
    assert e.citations.as_of == TODAY
    assert e.ids.doi == "10.1145/3341301.3359630" and e.provenance["ids.doi"] == "list"
    assert e.ids.openalex is None or e.provenance["ids.openalex"]
    assert e.status.resolved and e.status.reason is None
    # every non-null top-level field says where it came from
    for name in ("title", "authors", "year", "venue", "abstract", "pdf_url"):
        assert name in e.provenance, name


def test_abstract_falls_back_to_arxiv_then_openalex():
    arx = SourceRecord(source="arxiv", ids=Ids(arxiv="2006.06762"), title=listed().title, abstract="arXiv abstract.")
    w = work_with(s2_rec(abstract=None), arx)
    e = merge_entry("k", listed(), w, None, TODAY)
    assert e.abstract == "arXiv abstract." and e.provenance["abstract"] == "arxiv"


def test_failed_source_never_replaces_known_value_with_null():
    first = merge_entry("jia2019taso", listed(), work_with(s2_rec(), crossref_rec()), None, TODAY)
    # next run: every source failed, nothing was found
    from pipeline.errors import SourceUnavailable
    from pipeline.resolve import SourceHealth, explain

    failed = work_with()
    health = SourceHealth()
    for name in ("crossref", "s2"):
        health.fail(SourceUnavailable(name, "HTTP 503"))
    explain(failed, health, offline=False)  # as resolve reports it
    again = merge_entry("jia2019taso", listed(), failed, first, "2026-12-01")
    for name in ("title", "authors", "year", "venue", "abstract", "pages", "publisher", "pdf_url"):
        assert getattr(again, name) == getattr(first, name), name
        assert again.provenance[name] == first.provenance[name], name
    assert again.citations == first.citations
    assert again.status.resolved  # previously resolved, lost only to a failure


def test_not_processed_entry_keeps_previous_data():
    first = merge_entry("jia2019taso", listed(), work_with(s2_rec(), crossref_rec()), None, TODAY)
    carried = merge_entry("jia2019taso", listed(), None, first, "2026-11-25")
    assert carried.to_json() == first.to_json()


def test_citation_history_appends_only_on_change():
    first = merge_entry("k", listed(), work_with(s2_rec(citation_count=10)), None, "2026-11-01")
    same = merge_entry("k", listed(), work_with(s2_rec(citation_count=10)), first, "2026-11-08")
    assert [p.count for p in same.citations.history] == [10]
    assert same.citations.as_of == "2026-11-01"  # unchanged count keeps its date: quiet diffs
    more = merge_entry("k", listed(), work_with(s2_rec(citation_count=15)), same, "2026-11-15")
    assert [(p.date, p.count) for p in more.citations.history] == [("2026-11-01", 10), ("2026-11-15", 15)]
    assert more.citations.as_of == "2026-11-15"
    # a failing run never shortens the history
    down = merge_entry("k", listed(), work_with(), more, "2026-11-22")
    assert down.citations.history == more.citations.history


def test_list_disagreements_become_warnings():
    w = work_with(crossref_rec(year=2020, venue="Journal of Something Else", venue_type="journal"))
    e = merge_entry("k", listed(), w, None, TODAY)
    assert any(x.startswith("year: the list says 2019, crossref says 2020") for x in e.status.warnings)
    assert any(x.startswith("venue:") for x in e.status.warnings)


def test_matching_venue_gives_no_warning():
    e = merge_entry("k", listed(), work_with(crossref_rec()), None, TODAY)
    assert e.status.warnings == []


def test_arxiv_listed_paper_published_elsewhere_is_reported():
    lst = listed(venue="arXiv", year=2020)
    w = work_with(crossref_rec(year=2020, venue="IEEE Internet of Things Journal", venue_type="journal"))
    e = merge_entry("k", lst, w, None, TODAY)
    assert e.venue_type == "journal"
    assert any("published in" in x for x in e.status.warnings)


def test_offline_entry_uses_list_and_url_ids():
    e = merge_entry("k", listed(), None, None, TODAY, offline=True,
                    list_ids=Ids(doi="10.1145/3341301.3359630"))
    assert e.title == listed().title and e.provenance["title"] == "list"
    assert e.ids.doi == "10.1145/3341301.3359630" and e.provenance["ids.doi"] == "list"
    assert e.venue == "SOSP" and e.venue_type == "conference"
    assert not e.status.resolved and e.status.reason == "offline: not looked up"


def test_arxiv_datacite_doi_is_not_kept_as_published_doi():
    e = merge_entry("k", listed(url="https://arxiv.org/abs/2006.06762"), None, None, TODAY, offline=True,
                    list_ids=Ids(doi="10.48550/arxiv.2006.06762", arxiv="2006.06762"))
    assert e.ids.doi is None and e.ids.arxiv == "2006.06762"


def test_unresolved_keeps_candidates_and_reason():
    from pipeline.models import Candidate

    w = work_with(ids=Ids())
    w.candidates = [Candidate(source="s2", title="Other", year=2001, first_author="X", score=50.0)]
    w.reason = "no candidate accepted"
    e = merge_entry("k", listed(), w, None, TODAY)
    assert not e.status.resolved and e.status.reason == "no candidate accepted"
    assert e.status.candidates[0].title == "Other"


def test_venue_helpers():
    assert classify_venue_hint("IEEE TPDS") == "journal"
    assert classify_venue_hint("arXiv") == "preprint"
    assert classify_venue_hint("SOSP") == "conference"
    assert venue_agrees("ASPLOS", "Proceedings of the 27th ACM International Conference on Architectural Support "
                                  "for Programming Languages and Operating Systems")
    assert venue_agrees("OSDI", "USENIX Symposium on Operating Systems Design and Implementation")
    assert not venue_agrees("SOSP", "IEEE Transactions on Parallel and Distributed Systems")
    assert set(PRECEDENCE["abstract"][:3]) == {"s2", "arxiv", "openalex"}


def test_conference_acronyms_match_full_proceedings_names():
    pairs = [
        ("MobiCom", "Proceedings of the 26th Annual International Conference on Mobile Computing and Networking"),
        ("PPoPP", "Proceedings of the 27th ACM SIGPLAN Symposium on Principles and Practice of Parallel Programming"),
        ("NeurIPS", "Advances in Neural Information Processing Systems"),
        ("MLSys", "Proceedings of Machine Learning and Systems"),
        ("SenSys", "Proceedings of the 18th Conference on Embedded Networked Sensor Systems"),
        ("IoTDI", "Proceedings of the International Conference on Internet-of-Things Design and Implementation"),
        ("MICRO", "IEEE/ACM International Symposium on Microarchitecture"),
        ("IEEE TPDS", "IEEE Transactions on Parallel and Distributed Systems"),
    ]
    for hint, venue in pairs:
        assert venue_agrees(hint, venue), hint
    assert not venue_agrees("IPDPS", "Companion Proceedings of the Web Conference 2021")
    assert not venue_agrees("OSDI", "IEEE Transactions on Parallel and Distributed Systems")


def test_full_venue_fields_like_crossref_gives_them():
    """Month from the date of the record that gave the year; event name,
    location and ISBN from Crossref (values as in Crossref's record for TASO)."""
    cr = crossref_rec(publication_date="2019-10-27", event="SOSP '19: ACM SIGOPS 27th Symposium on Operating "
                      "Systems Principles", location="Huntsville Ontario Canada", isbn="9781450368735")
    e = merge_entry("jia2019taso", listed(), work_with(s2_rec(), cr), None, TODAY)
    assert (e.month, e.provenance["month"]) == (10, "crossref")
    assert e.event.startswith("SOSP '19") and e.address == "Huntsville Ontario Canada"
    assert e.isbn == "9781450368735" and e.provenance["isbn"] == "crossref"
    # a date of another year than the one kept says nothing about the month
    e = merge_entry("jia2019taso", listed(), work_with(crossref_rec(publication_date="2020-01-02")), None, TODAY)
    assert e.month is None and "month" not in e.provenance


def test_warnings_true_and_not_redundant():
    # arXiv listed, and the source has it on arXiv under another spelling: no warning
    pre = listed(venue="arxiv", year=2020)
    rec = s2_rec(venue="ArXiv", venue_type=None, year=2020)
    e = merge_entry("k", pre, work_with(rec), None, TODAY)
    assert not [w for w in e.status.warnings if w.startswith("venue")]
    rec = s2_rec(venue="arXiv preprint arXiv:2003.12172", venue_type="journal", year=2020)
    assert not merge_entry("k", pre, work_with(rec), None, TODAY).status.warnings
    # arXiv listed, published at a conference: one warning
    e = merge_entry("k", pre, work_with(s2_rec(year=2020)), None, TODAY)
    assert e.status.warnings == ["venue: the list says arxiv, but s2 has it published in "
                                 "'Symposium on Operating Systems Principles'"]


def test_workshop_and_track_differences_reported():
    cvpr = listed(venue="CVPR", year=2022)
    ws = crossref_rec(venue="2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops (CVPRW)",
                      year=2022)
    e = merge_entry("k", cvpr, work_with(ws), None, TODAY)
    assert e.status.warnings == [
        "venue: the list says 'CVPR', crossref says '2022 IEEE/CVF Conference on Computer Vision and Pattern "
        "Recognition Workshops (CVPRW)': the workshop, not the main conference"]
    main = crossref_rec(venue="2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", year=2022)
    assert merge_entry("k", cvpr, work_with(main), None, TODAY).status.warnings == []
    assert merge_entry("k", listed(venue="CVPRW", year=2022), work_with(ws), None, TODAY).status.warnings == []
    nips = crossref_rec(venue="Advances in Neural Information Processing Systems 35 Datasets and Benchmarks Track",
                        year=2022)
    e = merge_entry("k", listed(venue="NeurIPS", year=2022), work_with(nips), None, TODAY)
    assert [w.split(": ")[-1] for w in e.status.warnings] == [
        "the Datasets and Benchmarks track, not the main conference"]


def test_an_identifier_shown_wrong_is_reported_once():
    w = work_with(crossref_rec())
    w.warnings = [
        "doi 10.1/x (from the list) points to 'Other' in s2, not the listed title (score 40); not trusted",
        "doi 10.1/x (from the list) points to 'Other' in crossref, not the listed title (score 40); not trusted",
    ]
    e = merge_entry("jia2019taso", listed(), w, None, TODAY)
    assert [x for x in e.status.warnings if x.startswith("doi ")] == [w.warnings[0]]
