"""Crossref adapter against a loopback server replaying real Crossref answers.

Recordings: tests/data/real/crossref (VCR cassettes, provenance in README.md).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from pipeline.errors import SourceUnavailable
from pipeline.http import Http
from pipeline.models import Ids
from pipeline.sources.crossref import CrossrefSource, strip_markup
from tests.replay import loopback_settings

DATA = Path(__file__).parent / "data" / "real" / "crossref"
MAILTO = "lists@example.org"


def interactions(cassette: str) -> list[dict]:
    """[{uri, status, content_type, body: bytes}] of a VCR cassette (bodies un-gzipped)."""
    out = []
    for i in yaml.safe_load((DATA / f"{cassette}.yaml").read_text(encoding="utf-8"))["interactions"]:
        resp = i["response"]
        body = resp["body"]["string"]
        body = gzip.decompress(body) if isinstance(body, bytes) and body[:2] == b"\x1f\x8b" else body
        body = body.encode("utf-8") if isinstance(body, str) else body
        out.append(
            {
                "uri": i["request"]["uri"],
                "status": resp["status"]["code"],
                "content_type": resp["headers"]["content-type"][0],
                "body": body,
            }
        )
    return out


def message(cassette: str, doi: str) -> dict:
    (hit,) = [i for i in interactions(cassette) if i["uri"].endswith("/works/" + doi)]
    return json.loads(hit["body"])["message"]


def serve(httpserver, inter: dict, *, query: dict | None = None) -> None:
    """Answer the recorded request (its path, plus our mailto) with the recorded answer."""
    parts = urlsplit(inter["uri"])
    expected = dict(parse_qsl(parts.query)) if query is None else query
    httpserver.expect_oneshot_request(
        parts.path, method="GET", query_string={**expected, "mailto": MAILTO}
    ).respond_with_data(inter["body"], status=inter["status"], content_type=inter["content_type"])


@pytest.fixture
def source(httpserver, tmp_path):
    settings = loopback_settings(httpserver, tmp_path, mailto=MAILTO)
    return CrossrefSource(Http(settings), settings)


# -- map_record on real records --------------------------------------------------


def test_map_record_journal_article():
    rec = CrossrefSource.map_record(message("test_works_with_one_id", "10.1371/journal.pone.0033693"))
    assert rec.source == "crossref"
    assert rec.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert rec.ids.doi == "10.1371/journal.pone.0033693"
    assert rec.authors[0].name == "Shankar Sadasivan"
    assert (rec.authors[1].given, rec.authors[1].family) == ("Brooks B.", "Pond")
    assert rec.venue == "PLoS ONE" and rec.venue_type == "journal"
    assert rec.year == 2012 and rec.publication_date == "2012-03-21"
    assert (rec.pages, rec.volume, rec.issue) == ("e33693", "7", "3")
    assert rec.publisher == "Public Library of Science (PLoS)"
    assert rec.url == "https://doi.org/10.1371/journal.pone.0033693"
    assert rec.citation_count is None
    assert rec.raw_type == "journal-article"


def test_map_record_proceedings_article_without_issued_date():
    msg = message("test_works_with_many_ids", "10.1109/icdcsw.2003.1203662")
    rec = CrossrefSource.map_record(msg)
    assert rec.venue_type == "conference"
    assert rec.venue == "23rd International Conference on Distributed Computing Systems Workshops, 2003. Proceedings."
    assert msg["issued"]["date-parts"] == [[None]]
    assert rec.year is None and rec.publication_date is None  # no date at all: unknown, not guessed
    assert rec.pages == "877-882" and rec.volume is None


def test_map_record_prefers_full_container_title_and_strips_jats_abstract():
    rec = CrossrefSource.map_record(message("test_works_with_many_ids", "10.1002/jor.1100150407"))
    assert rec.venue == "Journal of Orthopaedic Research"  # not the short "Journal Orthopaedic Research"
    assert rec.abstract.startswith("Twenty‐two beagles were divided")
    assert "jats" not in rec.abstract and "Abstract" not in rec.abstract[:20]
    assert "(p < 0.001)" in rec.abstract  # &lt; decoded, not taken for a tag
    assert rec.year == 1997 and rec.publication_date == "1997-07"  # issued, before published-online 2005


def test_map_record_family_name_only():
    rec = CrossrefSource.map_record(message("test_works_with_many_ids", "10.3892/ijo_00000353"))
    assert rec.authors[0].name == "Stravopodis"
    assert (rec.authors[0].given, rec.authors[0].family) == (None, "Stravopodis")


def test_map_record_orcid_markup_and_posted_content():
    items = json.loads(interactions("test_works_field_queries")[0]["body"])["message"]["items"]
    by_doi = {CrossrefSource.map_record(it).ids.doi: CrossrefSource.map_record(it) for it in items}
    forecast = by_doi["10.1111/ele.14024"]
    assert "0000-0002-1642-628X" in [a.orcid for a in forecast.authors]
    assert by_doi["10.1111/j.2041-210x.2012.00247.x"].title.startswith("Treebase: an")
    assert by_doi["10.1002/fee.70021"].title == "The role of AI in ecology’s computational carbon footprint"
    assert by_doi["10.1177/2053951719836258"].venue == "Big Data & Society"
    preprint = by_doi["10.1101/055319"]
    assert preprint.venue_type == "preprint"


def test_strip_markup_keeps_words_apart_across_paragraphs():
    text = ("<jats:title>Abstract</jats:title><jats:p>First.</jats:p>"
            "<jats:p>Second <jats:italic>x</jats:italic>y.</jats:p>")
    assert strip_markup(text, drop_heading=True) == "First. Second xy."
    assert strip_markup("<jats:title>Aim</jats:title><jats:p>D</jats:p>", drop_heading=True) == "Aim D"
    assert strip_markup("  ") is None
    assert strip_markup("if a < b and c > d") == "if a < b and c > d"


def test_map_record_event_name_when_no_container_title():
    rec = CrossrefSource.map_record(
        {"DOI": "10.5555/X", "type": "proceedings-article", "title": ["T"], "container-title": [],
         "event": {"name": "OSDI '99"}, "published-print": {"date-parts": [[1999]]}}
    )
    assert rec.venue == "OSDI '99" and rec.ids.doi == "10.5555/x"
    assert rec.year == 1999 and rec.publication_date is None


# -- lookup / search through the loopback server -----------------------------------


def test_lookup_one_doi_uses_works_route_with_mailto(source, httpserver):
    serve(httpserver, interactions("test_works_with_one_id")[0])
    (rec,) = source.lookup([Ids(doi="10.1371/journal.pone.0033693")])
    httpserver.check_assertions()
    assert rec.venue == "PLoS ONE"
    (req, _), = httpserver.log
    assert req.path == "/works/10.1371/journal.pone.0033693"
    assert req.args["mailto"] == MAILTO
    assert source.http.counts == {"crossref": 1}


def test_lookup_unknown_doi_404_text_body_is_none(source, httpserver):
    inter = interactions("test_works_bad_id_warn")[0]
    assert inter["body"] == b"Resource not found." and inter["content_type"] == "text/plain"
    serve(httpserver, inter)
    assert source.lookup([Ids(doi="10.1371/notarealdoi")]) == [None]
    httpserver.check_assertions()


def test_lookup_many_dois_one_filter_request(source, httpserver):
    # SYNTHETIC envelope around REAL records: a /works?filter=doi:... work-list whose
    # items are the message objects recorded in test_works_with_many_ids.yaml.
    inters = interactions("test_works_with_many_ids")
    items = [json.loads(i["body"])["message"] for i in inters]
    dois = sorted(m["DOI"].lower() for m in items)
    envelope = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0",
                "message": {"facets": {}, "total-results": len(items), "items": list(reversed(items)),
                            "items-per-page": len(items), "query": {"start-index": 0, "search-terms": None}}}
    httpserver.expect_oneshot_request(
        "/works",
        query_string={"filter": ",".join(f"doi:{d}" for d in dois), "rows": str(len(dois)), "mailto": MAILTO},
    ).respond_with_json(envelope)
    asked = [Ids(doi="10.1038/SREP16696"), Ids(arxiv="2104.12255"), Ids(doi="10.1016/j.neurobiolaging.2010.03.024"),
             Ids(doi="10.1109/icdcsw.2003.1203662"), Ids(doi="10.3892/ijo_00000353"), Ids(doi="10.1002/jor.1100150407")]
    recs = source.lookup(asked)
    httpserver.check_assertions()
    assert [r.ids.doi if r else None for r in recs] == [
        "10.1038/srep16696", None, "10.1016/j.neurobiolaging.2010.03.024",
        "10.1109/icdcsw.2003.1203662", "10.3892/ijo_00000353", "10.1002/jor.1100150407",
    ]
    assert source.http.counts == {"crossref": 1}


def test_lookup_batch_rejected_falls_back_to_works_route(source, httpserver):
    # SYNTHETIC 400 for the filter (shape of Crossref's validation failure), then the
    # REAL per-DOI answers of test_works_mixed_ids_warn.yaml, incl. the 404.
    httpserver.expect_oneshot_request("/works").respond_with_json(
        {"status": "failed", "message-type": "validation-failure",
         "message": [{"type": "filter-not-available", "value": "x", "message": "synthetic"}]},
        status=400,
    )
    for inter in interactions("test_works_mixed_ids_warn"):
        serve(httpserver, inter)
    recs = source.lookup([Ids(doi="10.1371/journal.pone.0033693"), Ids(doi="10.1371/notarealdoi"),
                          Ids(doi="10.1371/journal.pone.0020476")])
    httpserver.check_assertions()
    assert recs[0].ids.doi == "10.1371/journal.pone.0033693"
    assert recs[1] is None
    assert recs[2].ids.doi == "10.1371/journal.pone.0020476"
    assert source.http.counts == {"crossref": 4}


def test_lookup_skips_arxiv_datacite_dois(source, httpserver):
    assert source.lookup([Ids(doi="10.48550/arxiv.2104.12255", arxiv="2104.12255")]) == [None]
    assert httpserver.log == []


def test_search_bibliographic_query(source, httpserver):
    inter = interactions("test_works_query")[0]
    httpserver.expect_oneshot_request("/works").respond_with_data(
        inter["body"], content_type=inter["content_type"]
    )
    found = source.search("Communicating  Ecology\n")
    httpserver.check_assertions()
    (req, _), = httpserver.log
    assert req.path == "/works"
    assert req.args["query.bibliographic"] == "Communicating Ecology"
    assert req.args["rows"] == "5" and req.args["mailto"] == MAILTO
    assert "DOI" in req.args["select"].split(",") and "abstract" in req.args["select"].split(",")
    assert [r.title for r in found] == ["Communicating Ecology", "Chemical Ecology"]
    assert found[0].abstract.startswith("Communication is perhaps the most important")
    assert found[0].venue == "Ecology" and found[0].venue_type is None  # reference-entry


def test_search_html_error_page_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/works").respond_with_data("<html>Bad gateway</html>", content_type="text/html")
    with pytest.raises(SourceUnavailable):
        source.search("anything")


def test_lookup_server_error_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/works/10.1371/journal.pone.0033693").respond_with_data("down", status=503)
    with pytest.raises(SourceUnavailable):
        source.lookup([Ids(doi="10.1371/journal.pone.0033693")])


def test_mailto_not_in_cache_files(source, httpserver, tmp_path):
    serve(httpserver, interactions("test_works_with_one_id")[0])
    source.lookup([Ids(doi="10.1371/journal.pone.0033693")])
    cached = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.json")]
    assert cached and not any(MAILTO in text for text in cached)


def test_server_without_doi_filter_falls_back_to_works_doi(source, httpserver):
    """A Crossref mirror that only serves /works/{doi} answers the filter with
    404: every DOI is then asked on its own, nothing is lost (synthetic answers)."""
    both = {"filter": "doi:10.1/a,doi:10.1/b", "rows": "2", "mailto": MAILTO}
    httpserver.expect_request("/works", query_string=both) \
        .respond_with_data("Resource not found.", status=404, content_type="text/plain")
    for doi, title in (("10.1/a", "Paper A"), ("10.1/b", "Paper B")):
        httpserver.expect_request(f"/works/{doi}").respond_with_json(
            {"status": "ok", "message-type": "work",
             "message": {"DOI": doi, "title": [title], "type": "journal-article"}})
    got = source.lookup([Ids(doi="10.1/a"), Ids(doi="10.1/b"), Ids()])
    assert [r.title if r else None for r in got] == ["Paper A", "Paper B", None]


def test_doi_missing_from_a_batch_answer_is_asked_alone(source, httpserver):
    both = {"filter": "doi:10.1/a,doi:10.1/b", "rows": "2", "mailto": MAILTO}
    httpserver.expect_request("/works", query_string=both) \
        .respond_with_json({"status": "ok", "message-type": "work-list",
                            "message": {"items": [{"DOI": "10.1/a", "title": ["Paper A"]}]}})
    httpserver.expect_request("/works/10.1/b").respond_with_data("Resource not found.", status=404,
                                                                 content_type="text/plain")
    got = source.lookup([Ids(doi="10.1/a"), Ids(doi="10.1/b")])
    assert got[0].title == "Paper A" and got[1] is None
