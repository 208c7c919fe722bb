"""OpenAlex adapter against a loopback server.

Fixtures are SYNTHETIC (no real OpenAlex recordings exist here): see
tests/data/synthetic/openalex/README.md for the documented shapes they follow.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from pipeline.errors import SourceUnavailable
from pipeline.http import Http
from pipeline.models import Ids
from pipeline.sources.openalex import OpenAlexSource, abstract_from_inverted_index
from tests.replay import loopback_settings

DATA = Path(__file__).parent / "data" / "synthetic" / "openalex"
MAILTO = "lists@example.org"


def fixture(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def works_by_doi() -> dict[str, dict]:
    return {w["doi"].removeprefix("https://doi.org/"): w for w in fixture("works_filter_doi.json")["results"]}


@pytest.fixture
def source(httpserver, tmp_path):
    settings = loopback_settings(httpserver, tmp_path, mailto=MAILTO)
    return OpenAlexSource(Http(settings), settings)


# -- map_record ---------------------------------------------------------------------


def test_map_record_conference_paper():
    rec = OpenAlexSource.map_record(works_by_doi()["10.1145/3341301.3359630"])
    assert rec.source == "openalex"
    assert rec.ids.openalex == "W2981710016"
    assert rec.ids.doi == "10.1145/3341301.3359630" and rec.ids.arxiv is None
    assert rec.title.startswith("TASO: optimizing deep learning computation")
    assert [a.name for a in rec.authors][:2] == ["Zhihao Jia", "Oded Padon"]
    assert rec.authors[0].orcid == "0000-0002-0000-0001"
    assert (rec.authors[-1].given, rec.authors[-1].family) == ("Alex", "Aiken")
    assert rec.year == 2019 and rec.publication_date == "2019-10-27"
    assert rec.venue == "Proceedings of the 27th ACM Symposium on Operating Systems Principles"
    assert rec.venue_type == "conference"
    assert rec.publisher == "Association for Computing Machinery"
    assert rec.pages == "47-62"
    assert rec.citation_count == 100
    assert rec.abstract.startswith(
        "Existing deep neural network (DNN) frameworks optimize the computation graph of a DNN")
    assert rec.raw_type == "article"


def test_map_record_arxiv_preprint_without_abstract():
    rec = OpenAlexSource.map_record(works_by_doi()["10.48550/arxiv.1802.04799"])
    assert rec.ids.arxiv == "1802.04799"
    assert rec.abstract is None  # abstract_inverted_index: null
    assert rec.venue == "arXiv (Cornell University)" and rec.venue_type == "preprint"
    assert rec.pdf_url == "https://arxiv.org/pdf/1802.04799"
    assert rec.pages is None


def test_map_record_null_source():
    rec = OpenAlexSource.map_record(works_by_doi()["10.1109/mm.2021.3061394"])
    assert rec.venue is None and rec.venue_type is None and rec.publisher is None
    assert rec.abstract == "Short abstract with a repeated a word."
    assert (rec.volume, rec.issue, rec.pages) == ("41", "2", "8")
    assert rec.url == "https://doi.org/10.1109/mm.2021.3061394"


def test_abstract_from_inverted_index_orders_by_position():
    assert abstract_from_inverted_index({"world": [1], "hello": [0, 2]}) == "hello world hello"
    assert abstract_from_inverted_index({}) is None
    assert abstract_from_inverted_index(None) is None


# -- lookup / search ----------------------------------------------------------------


def test_lookup_batches_dois_in_one_filter_and_aligns(source, httpserver):
    httpserver.expect_oneshot_request(
        "/works",
        method="GET",
        query_string={
            "filter": "doi:10.1109/mm.2021.3061394|10.1145/3341301.3359630|10.48550/arxiv.1802.04799|10.9999/unknown",
            "per-page": "200",
            "mailto": MAILTO,
        },
    ).respond_with_json(fixture("works_filter_doi.json"))
    asked = [
        Ids(doi="10.1145/3341301.3359630"),
        Ids(doi="10.9999/unknown"),
        Ids(arxiv="1802.04799"),  # arXiv only: asked as its DataCite DOI
        Ids(),
        Ids(doi="10.1109/MM.2021.3061394"),
    ]
    recs = source.lookup(asked)
    httpserver.check_assertions()
    assert recs[0].ids.openalex == "W2981710016"
    assert recs[1] is None
    assert recs[2].ids.arxiv == "1802.04799"
    assert recs[3] is None
    assert recs[4].ids.doi == "10.1109/mm.2021.3061394"
    assert source.http.counts == {"openalex": 1}


def test_lookup_splits_into_batches_of_100(source, httpserver):
    httpserver.expect_request("/works").respond_with_json(fixture("works_empty.json"))
    recs = source.lookup([Ids(doi=f"10.1000/x{n:03d}") for n in range(220)])
    assert recs == [None] * 220
    assert source.http.counts == {"openalex": 3}
    sizes = [len(req.args["filter"].removeprefix("doi:").split("|")) for req, _ in httpserver.log]
    assert sizes == [100, 100, 20]


def test_lookup_without_usable_ids_sends_nothing(source, httpserver):
    assert source.lookup([Ids(), Ids(doi="10.1000/a|b")]) == [None, None]
    assert httpserver.log == []


def test_search_query(source, httpserver):
    httpserver.expect_oneshot_request(
        "/works", query_string={"filter": "title.search:TASO optimizing", "per-page": "5", "mailto": MAILTO}
    ).respond_with_json(fixture("works_search.json"))
    found = source.search("TASO,  optimizing|\n")
    httpserver.check_assertions()
    assert [r.ids.openalex for r in found] == ["W2981710016", "W3000000002"]


def test_truncated_json_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/works").respond_with_data(
        '{"meta": {"count": 1}, "results": [', content_type="application/json")
    with pytest.raises(SourceUnavailable):
        source.search("anything")


def test_error_status_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/works").respond_with_json({"error": "Invalid query parameters error."}, status=400)
    with pytest.raises(SourceUnavailable):
        source.lookup([Ids(doi="10.1000/x")])


# -- real recorded answers (tests/data/real/openalex, see its README) -------------------

REAL = Path(__file__).parent / "data" / "real" / "openalex"


def test_map_record_every_real_work():
    works = json.loads((REAL / "works.json").read_text(encoding="utf-8"))["results"]
    works.append(json.loads((REAL / "W2741809807.json").read_text(encoding="utf-8")))
    assert len(works) == 50
    for w in works:
        rec = OpenAlexSource.map_record(w)
        assert rec.ids.openalex == w["id"].rsplit("/", 1)[-1]
        assert rec.title == (" ".join(w["display_name"].split()) or None if w["display_name"] else None)
        assert rec.year == w["publication_year"]
        names = [a["author"].get("display_name") or a.get("raw_author_name") or "" for a in w["authorships"]]
        assert [p.name for p in rec.authors] == [" ".join(n.split()) for n in names if n.strip()]
        if w.get("doi"):
            assert rec.ids.doi == w["doi"].removeprefix("https://doi.org/").lower()
        assert rec.citation_count == w["cited_by_count"]


def test_search_through_the_title_filter_on_a_real_answer(source, httpserver):
    cassette = yaml.safe_load((REAL / "test_title_search[paper_attributes1].yaml").read_text(encoding="utf-8"))
    [it] = [i for i in cassette["interactions"] if "api.openalex.org" in i["request"]["uri"]]
    assert "filter=title.search" in it["request"]["uri"]  # the request shape we send, recorded for real
    body = gzip.decompress(it["response"]["body"]["string"])
    httpserver.expect_request("/works").respond_with_data(body, content_type="application/json")
    [rec] = source.search("PaperQA: Retrieval-Augmented Generative Agent for Scientific Research")
    assert rec.title == "PaperQA: Retrieval-Augmented Generative Agent for Scientific Research"
    assert (rec.ids.doi, rec.ids.arxiv, rec.ids.openalex) == ("10.48550/arxiv.2312.07559", "2312.07559", "W4389761608")
    req = httpserver.log[0][0]
    assert req.args["filter"] == "title.search:PaperQA: Retrieval-Augmented Generative Agent for Scientific Research"


def test_batched_title_search_ors_quoted_phrases_within_the_url_limit(source, httpserver):
    httpserver.expect_request("/works").respond_with_json(fixture("works_search.json"))
    titles = [f"Edge, Inference AND Caching | part {n}" for n in range(90)] + ["TVM", "Ansor paper"]  # short: skipped
    found = source.search_titles(titles)
    assert [r.ids.openalex for r in found] == ["W2981710016", "W3000000002"]  # each work once
    queries = [req.args["filter"].removeprefix("title.search:") for req, _ in httpserver.log]
    assert len(queries) == 3  # 90 titles, at most 40 a query
    phrases = [p for q in queries for p in q.split(" OR ")]
    assert phrases == [f'"Edge Inference and Caching part {n}"' for n in range(90)]
    assert all(len(req.url) <= 4000 for req, _ in httpserver.log)
    assert all(req.args["per-page"] == "200" for req, _ in httpserver.log)


def test_single_title_search_never_switches_on_boolean_mode(source, httpserver):
    httpserver.expect_request("/works").respond_with_json(fixture("works_search.json"))
    source.search('Memory AND Compute: "NOT" a Tradeoff, OR Is It')
    assert httpserver.log[0][0].args["filter"] == "title.search:Memory and Compute: not a Tradeoff or Is It"
