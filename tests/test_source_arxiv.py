"""arXiv adapter against a loopback server replaying real arXiv answers.

Recordings: tests/data/real/arxiv (provenance in its README.md).  Each test
registers the exact path + query string the real client sent when the answer
was recorded, so a request that differs in any parameter gets no answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import arxiv
import pytest

from pipeline.errors import SourceUnavailable
from pipeline.http import Http
from pipeline.models import Ids
from pipeline.names import split_name
from pipeline.sources.arxiv import ArxivSource, split_versioned
from tests.replay import loopback_settings

DATA = Path(__file__).parent / "data" / "real" / "arxiv"
ATOM = "application/atom+xml; charset=UTF-8"


def recording(prefix: str) -> dict:
    (path,) = DATA.glob(prefix + "_s0_*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def body_bytes(rec: dict) -> bytes:
    """The bytes arXiv sent (see README: the recorder decoded UTF-8 as latin-1)."""
    text = rec["body"]
    try:
        raw = text.encode("latin-1")
        raw.decode("utf-8")
        return raw
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text.encode("utf-8")


def serve(httpserver, rec: dict, *, query: dict | None = None) -> None:
    """Answer the recorded request (exact path and query) with the recorded body."""
    parts = urlsplit(rec["url"])
    expected = query if query is not None else dict(parse_qsl(parts.query, keep_blank_values=True))
    httpserver.expect_oneshot_request(parts.path, method="GET", query_string=expected).respond_with_data(
        body_bytes(rec), status=rec["status_code"], content_type=ATOM
    )


@pytest.fixture
def source(httpserver, tmp_path):
    settings = loopback_settings(httpserver, tmp_path)
    return ArxivSource(Http(settings), settings)


# -- map_record on parsed real feeds -------------------------------------------


def parse_feed(prefix: str) -> list[arxiv.Result]:
    from arxiv import _feed

    return _feed.parse(body_bytes(recording(prefix))).results


def test_map_record_single_entry():
    (result,) = parse_feed("id_1605.08386")
    rec = ArxivSource.map_record(result)
    assert rec.source == "arxiv"
    assert rec.title == "Heat-bath random walks with Markov bases"
    assert [a.name for a in rec.authors] == ["Caprice Stanley", "Tobias Windisch"]
    assert (rec.authors[1].given, rec.authors[1].family) == ("Tobias", "Windisch")
    assert rec.ids.arxiv == "1605.08386" and rec.ids.arxiv_version == 1
    assert rec.ids.doi is None
    assert rec.year == 2016 and rec.publication_date == "2016-05-26"
    assert rec.venue == "arXiv" and rec.venue_type == "preprint"
    assert rec.abstract.startswith("Graphs on lattice points are studied")
    assert "\n" not in rec.abstract
    assert rec.pdf_url == "https://arxiv.org/pdf/1605.08386v1"
    assert rec.url == "https://arxiv.org/abs/1605.08386"
    assert rec.raw_type == "math.CO, math.ST"


def test_map_record_old_style_id_with_journal_ref():
    (result,) = parse_feed("id_astro-ph_0601001")
    rec = ArxivSource.map_record(result)
    assert rec.ids.arxiv == "astro-ph/0601001" and rec.ids.arxiv_version == 1
    assert rec.venue == "ActaAstron.56:1-50,2006"
    assert rec.venue_type is None  # journal_ref does not say conference or journal
    assert rec.abstract.startswith("We derive the frequencies")  # leading spaces gone
    assert rec.authors[2].name == "B. Scott Gaudi"
    assert (rec.authors[2].given, rec.authors[2].family) == ("B. Scott", "Gaudi")


def test_map_record_doi_lowercased_and_utf8_names():
    results = parse_feed("q_testing")
    first = ArxivSource.map_record(results[0])
    assert first.ids.doi == "10.1109/icstw55395.2022.00035"
    assert first.venue.startswith("Artificial Intelligence in Software Testing")
    second = ArxivSource.map_record(results[1])
    assert second.authors[0].name == "Aurora Ramírez"
    assert second.authors[2].name == "José Raúl Romero"


def test_split_name_particles_single_and_suffix():
    assert split_name("Peter H. N. de With").family == "de With"
    assert split_name("Joost van der Putten").given == "Joost"
    assert split_name("Joost van der Putten").family == "van der Putten"
    # one splitter for every module (issue 10): a lone name is the family
    # name, a suffix stays in the display name and out of the split
    single = split_name("Stravopodis")
    assert (single.given, single.family) == (None, "Stravopodis")
    suffixed = split_name("John Smith Jr.")
    assert (suffixed.name, suffixed.given, suffixed.family) == ("John Smith Jr.", "John", "Smith")


def test_split_versioned():
    assert split_versioned("quant-ph/0201082v1") == ("quant-ph/0201082", 1)
    assert split_versioned("2104.12255") == ("2104.12255", None)


def test_map_record_without_published_date():
    result = arxiv.Result(entry_id="http://arxiv.org/abs/2101.00001v3", title=" A\n  title ")
    rec = ArxivSource.map_record(result)
    assert rec.title == "A title"
    assert rec.year is None and rec.publication_date is None
    assert rec.ids.arxiv_version == 3


# -- lookup / search through the loopback server -------------------------------


def test_lookup_single_id_exact_request(source, httpserver):
    serve(httpserver, recording("id_1605.08386"))
    (rec,) = source.lookup([Ids(arxiv="1605.08386")])
    httpserver.check_assertions()
    assert rec.title == "Heat-bath random walks with Markov bases"
    (req, _), = httpserver.log
    assert req.path == "/api/query"
    assert req.args["id_list"] == "1605.08386" and req.args["max_results"] == "100"
    assert source.http.counts == {"arxiv": 1}


def test_lookup_two_ids_one_unknown_keeps_input_order(source, httpserver):
    serve(httpserver, recording("id_0808.05394_1707.08567"))
    recs = source.lookup([Ids(arxiv="0808.05394"), Ids(doi="10.1/x"), Ids(arxiv="1707.08567")])
    assert recs[0] is None  # unknown to arXiv (not in the feed)
    assert recs[1] is None  # no arXiv id: nothing asked
    assert recs[2].ids.arxiv == "1707.08567"
    assert len(recs[2].authors) == 34
    assert recs[2].authors[-2].name == "Dirk Wübben"
    assert source.http.counts == {"arxiv": 1}


def test_lookup_versioned_id_is_requested_with_version(source, httpserver):
    serve(httpserver, recording("id_2104.12255v1"))
    (rec,) = source.lookup([Ids(arxiv="2104.12255", arxiv_version=1)])
    assert rec.ids.arxiv == "2104.12255" and rec.ids.arxiv_version == 1
    assert rec.title == "0"  # a real paper titled "0"


@pytest.mark.parametrize(
    ("prefix", "ids", "title_start"),
    [
        ("id_astro-ph_0601001", Ids(arxiv="astro-ph/0601001"), "Frequency of Hot Jupiters"),
        ("id_quant-ph_0201082v1", Ids(arxiv="quant-ph/0201082", arxiv_version=1), "Quantum Computers"),
    ],
)
def test_lookup_old_style_ids(source, httpserver, prefix, ids, title_start):
    serve(httpserver, recording(prefix))
    (rec,) = source.lookup([ids])
    assert rec.title.startswith(title_start)
    assert rec.ids.arxiv == ids.arxiv


def test_lookup_unknown_id_is_none(source, httpserver):
    serve(httpserver, recording("id_0000.0000"))
    assert source.lookup([Ids(arxiv="0000.0000")]) == [None]
    httpserver.check_assertions()


def test_lookup_malformed_id_alone_is_none(source, httpserver):
    serve(httpserver, recording("id_abc"))
    assert source.lookup([Ids(arxiv="abc")]) == [None]
    httpserver.check_assertions()


def test_lookup_malformed_id_does_not_lose_the_batch(source, httpserver):
    # arXiv answers 400 for the whole id_list when one id is malformed; we bisect.
    bad = recording("id_abc")
    combined = dict(parse_qsl(urlsplit(bad["url"]).query, keep_blank_values=True))
    combined["id_list"] = "abc,1605.08386"
    serve(httpserver, bad, query=combined)
    serve(httpserver, bad)
    serve(httpserver, recording("id_1605.08386"))
    recs = source.lookup([Ids(arxiv="abc"), Ids(arxiv="1605.08386")])
    httpserver.check_assertions()
    assert recs[0] is None
    assert recs[1].title == "Heat-bath random walks with Markov bases"
    assert source.http.counts == {"arxiv": 3}


def test_lookup_second_time_comes_from_cache(source, httpserver):
    serve(httpserver, recording("id_1605.08386"))  # one-shot: a second request would fail
    first = source.lookup([Ids(arxiv="1605.08386")])
    again = source.lookup([Ids(arxiv="1605.08386")])
    assert first == again
    assert source.http.counts == {"arxiv": 1}


def test_lookup_without_arxiv_ids_sends_nothing(source, httpserver):
    assert source.lookup([Ids(doi="10.1145/1"), Ids()]) == [None, None]
    assert httpserver.log == []


def test_search_title_phrase_query(source, httpserver):
    rec = recording("q_testing")
    query = {
        "search_query": 'ti:"Testing Deep Learning Models"',
        "id_list": "",
        "sortBy": "relevance",
        "sortOrder": "descending",
        "start": "0",
        "max_results": "5",
    }
    serve(httpserver, rec, query=query)
    found = source.search('Testing "Deep"  Learning\nModels')
    httpserver.check_assertions()
    assert len(found) == 5  # the feed has 10 entries; we asked for 5
    assert found[0].title.startswith("Testing Deep Learning Models")
    assert all(r.source == "arxiv" for r in found)


def test_search_server_error_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/api/query").respond_with_data("oops", status=503)
    with pytest.raises(SourceUnavailable):
        source.search("anything")


def test_lookup_unexpected_status_raises_source_unavailable(source, httpserver):
    httpserver.expect_request("/api/query").respond_with_data("forbidden", status=403)
    with pytest.raises(SourceUnavailable):
        source.lookup([Ids(arxiv="1605.08386")])


def test_lookup_html_page_with_200_is_not_taken_for_a_feed(source, httpserver):
    httpserver.expect_request("/api/query").respond_with_data(
        "<html>maintenance</html>", content_type="text/html"
    )
    with pytest.raises(SourceUnavailable):
        source.lookup([Ids(arxiv="1605.08386")])

