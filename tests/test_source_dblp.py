"""DBLP adapter against a loopback server.

Fixtures are SYNTHETIC (no real DBLP recordings exist here): see
tests/data/synthetic/dblp/README.md for the documented format they follow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import SourceUnavailable
from pipeline.http import Http
from pipeline.models import Ids
from pipeline.sources.dblp import DblpSource, query_words
from tests.replay import loopback_settings

DATA = Path(__file__).parent / "data" / "synthetic" / "dblp"


def fixture(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def infos(name: str) -> list[dict]:
    return [h["info"] for h in fixture(name)["result"]["hits"]["hit"]]


@pytest.fixture
def source(httpserver, tmp_path):
    settings = loopback_settings(httpserver, tmp_path)
    return DblpSource(Http(settings), settings)


# -- map_record ---------------------------------------------------------------------


def test_map_record_conference_paper_without_doi():
    osdi, _ = infos("search_tvm.json")
    rec = DblpSource.map_record(osdi)
    assert rec.source == "dblp"
    assert rec.title == "TVM: An Automated End-to-End Optimizing Compiler for Deep Learning"
    assert rec.authors[0].name == "Tianqi Chen"  # "0001" disambiguation dropped
    assert (rec.authors[0].given, rec.authors[0].family) == ("Tianqi", "Chen")
    assert len(rec.authors) == 5
    assert rec.venue == "OSDI" and rec.venue_type == "conference" and rec.year == 2018
    assert rec.ids.dblp == "conf/osdi/ChenMJZYSCWHCGK18" and rec.ids.doi is None
    assert rec.url == "https://www.usenix.org/conference/osdi18/presentation/chen"
    assert rec.pages == "578-594"


def test_map_record_corr_is_preprint_with_arxiv_id():
    _, corr = infos("search_tvm.json")
    rec = DblpSource.map_record(corr)
    assert rec.venue == "CoRR" and rec.venue_type == "preprint"
    assert rec.ids.doi == "10.48550/arxiv.1802.04799"
    assert rec.ids.arxiv == "1802.04799"
    assert rec.raw_type == "Informal and Other Publications"


def test_map_record_list_and_dict_shapes():
    mlsys, neurips, journal = (DblpSource.map_record(i) for i in infos("search_shapes.json"))
    assert mlsys.url.startswith("https://proceedings.mlsys.org/paper_files/paper/2020/hash/")  # first ee
    assert [a.name for a in mlsys.authors] == ["Ada Example", "Ben Sample", "Carla van der Berg"]
    assert mlsys.authors[2].family == "van der Berg"
    assert [a.name for a in neurips.authors] == ["Jane Doe"]  # single author given as a dict
    assert neurips.venue == "NeurIPS" and neurips.venue_type == "conference"
    assert neurips.title == "A Single-Author NeurIPS Paper on Sparse Kernels?"
    assert journal.venue_type == "journal" and journal.ids.doi == "10.1109/mm.2021.3061394"
    assert (journal.volume, journal.issue, journal.pages) == ("41", "2", "8-15")


def test_query_words_neutralises_dblp_operators():
    assert query_words('TVM: An "End-to-End" Compiler | -Deep $Learning') == "TVM An End-to-End Compiler Deep Learning"


# -- search / lookup ----------------------------------------------------------------


def test_search_sends_title_as_words(source, httpserver):
    httpserver.expect_oneshot_request(
        "/search/publ/api",
        method="GET",
        query_string={
            "q": "TVM An Automated End-to-End Optimizing Compiler for Deep Learning",
            "format": "json",
            "h": "5",
        },
    ).respond_with_json(fixture("search_tvm.json"))
    found = source.search("TVM: An Automated End-to-End Optimizing Compiler for Deep Learning")
    httpserver.check_assertions()
    assert [r.ids.dblp for r in found] == ["conf/osdi/ChenMJZYSCWHCGK18", "journals/corr/abs-1802-04799"]
    assert source.http.counts == {"dblp": 1}


def test_search_no_hits(source, httpserver):
    httpserver.expect_oneshot_request("/search/publ/api").respond_with_json(fixture("search_empty.json"))
    assert source.search("no such paper") == []


def test_search_respects_limit(source, httpserver):
    httpserver.expect_oneshot_request("/search/publ/api").respond_with_json(fixture("search_shapes.json"))
    found = source.search("illustrative", limit=2)
    (req, _), = httpserver.log
    assert req.args["h"] == "2"
    assert len(found) == 2


def test_search_html_answer_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/search/publ/api").respond_with_data("<html>busy</html>", content_type="text/html")
    with pytest.raises(SourceUnavailable):
        source.search("anything")


def test_lookup_returns_none_without_requests(source, httpserver):
    assert source.lookup([Ids(dblp="conf/osdi/ChenMJZYSCWHCGK18"), Ids(doi="10.1/x")]) == [None, None]
    assert httpserver.log == []


# -- a real recorded answer (tests/data/real/dblp, see its README) ----------------------

REAL = Path(__file__).parent / "data" / "real" / "dblp"


def test_map_record_every_hit_of_a_real_answer():
    hits = json.loads((REAL / "dblp.txt").read_text(encoding="utf-8"))["result"]["hits"]["hit"]
    assert len(hits) == 123
    for h in hits:
        info = h["info"]
        rec = DblpSource.map_record(info)
        assert rec.ids.dblp == info["key"]
        assert rec.title and not rec.title.endswith(".")
        raw = (info.get("authors") or {}).get("author") or []
        raw = [raw] if isinstance(raw, dict) else raw
        assert len(rec.authors) == len(raw)
        assert all(p.family and not p.name[-1].isdigit() for p in rec.authors)  # "Name 0001" numbers dropped
        assert rec.year == int(info["year"])
        if "doi" in info:
            assert rec.ids.doi == info["doi"].lower()


def test_search_on_a_real_answer(source, httpserver):
    httpserver.expect_request("/search/publ/api").respond_with_data(
        (REAL / "dblp.txt").read_bytes(), content_type="application/json")
    found = source.search("black holes", limit=5)
    hits = json.loads((REAL / "dblp.txt").read_text(encoding="utf-8"))["result"]["hits"]["hit"]
    assert [r.ids.dblp for r in found] == [h["info"]["key"] for h in hits[:5]]
    req = httpserver.log[0][0]
    assert (req.args["q"], req.args["format"], req.args["h"]) == ("black holes", "json", "5")
