"""S2Source against real recorded Semantic Scholar answers
(tests/data/real/semantic-scholar, see its README) replayed on a loopback
server.  Records marked "synthetic" are made up for logic the recordings do
not cover."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

import pytest
from semanticscholar.Paper import Paper
from werkzeug import Response

from pipeline.config import Settings
from pipeline.errors import SourceUnavailable
from pipeline.http import Http
from pipeline.models import Ids, Person
from pipeline.sources.s2 import FIELDS, S2Source, bulk_phrase, bulk_queries, s2_key
from tests.replay import REAL, load_cassette, real_path, register, register_cassette

S2_DIR = REAL / "semantic-scholar"
BATCH = "/graph/v1/paper/batch"
MATCH = "/graph/v1/paper/search/match"


def make_source(httpserver, tmp_path, *, api_key=None, prefix=""):
    settings = Settings.from_env({
        "PIPELINE_S2_URL": httpserver.url_for(prefix or "/"),
        "PIPELINE_PACE_SCALE": "0",
        "PIPELINE_CACHE_DIR": str(tmp_path / "cache"),
        **({"S2_API_KEY": api_key} if api_key else {}),
    })
    return S2Source(Http(settings), settings)


def recorded_papers():
    """Every paper record in the copied recordings (200 answers)."""
    papers = [json.loads((S2_DIR / "PaperWithNullValues.json").read_text())]
    for path in sorted(S2_DIR.glob("*.yaml")):
        for it in load_cassette(path):
            if it.status != 200:
                continue
            data = it.json()
            items = data["data"] if isinstance(data, dict) and "data" in data else data
            papers += [p for p in (items if isinstance(items, list) else [items]) if p is not None]
    return papers


# -- map_record ---------------------------------------------------------------------


def test_map_record_every_recorded_paper():
    papers = recorded_papers()
    assert len(papers) > 100
    for p in papers:
        rec = S2Source.map_record(p)
        assert rec.source == "s2"
        assert rec.ids.s2 == p["paperId"]
        assert rec.title == (" ".join(p["title"].split()) if p.get("title") else None)
        assert [a.name for a in rec.authors] == [a["name"] for a in (p.get("authors") or [])]
        for a in rec.authors:
            assert a.family and a.name.endswith(a.family)


def test_map_record_full_recorded_paper():
    [it] = load_cassette(real_path("semantic-scholar", "test_get_papers_return_not_found.yaml"))
    rec = S2Source.map_record(it.json()[1])
    assert rec.ids == Ids(doi="10.2139/ssrn.288970", corpus_id=470667, s2="c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce")
    assert rec.title == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert rec.authors[0] == Person(name="Marianne Bertrand", given="Marianne", family="Bertrand")
    assert rec.authors[1] == Person(name="E. Duflo", given="E.", family="Duflo")
    assert (rec.year, rec.publication_date) == (2001, "2001-10-01")
    # venue is "" and publicationVenue null: the journal name is what S2 knows
    assert rec.venue == "Experimental & Empirical Studies eJournal"
    assert rec.venue_type is None and rec.raw_type == "Review"
    assert rec.abstract.startswith("Most Difference-in-Difference (DD) papers")
    assert (rec.citation_count, rec.influential_count, rec.reference_count) == (10670, 578, 30)
    assert rec.pdf_url == "http://papers.nber.org/papers/w8841.pdf"
    assert rec.url == "https://www.semanticscholar.org/paper/c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"


def test_map_record_null_values_stay_none():
    rec = S2Source.map_record(json.loads((S2_DIR / "PaperWithNullValues.json").read_text()))
    assert rec.authors == [] and rec.abstract is None and rec.title is None and rec.year is None
    assert rec.ids == Ids(s2="2d5673caa9e6af3a7b82a43f19ee920992db07ad")


def test_map_record_accepts_client_paper_object():
    [it] = load_cassette(real_path("semantic-scholar", "test_get_papers_return_not_found.yaml"))
    raw = it.json()[2]
    assert S2Source.map_record(Paper(raw)) == S2Source.map_record(raw)


# synthetic records, shaped like the S2 API reference
SYNTH_BASE = {"paperId": "a" * 40, "title": "T", "authors": [{"authorId": "1", "name": "Tianqi Chen"}]}


@pytest.mark.parametrize("extra, venue, venue_type", [
    ({"publicationVenue": {"name": "Symposium on Operating Systems Principles", "type": "conference"},
      "venue": "SOSP", "publicationTypes": ["JournalArticle", "Conference"]},
     "Symposium on Operating Systems Principles", "conference"),
    ({"venue": "SOSP", "publicationTypes": ["JournalArticle", "Conference"]}, "SOSP", "conference"),
    ({"venue": "IEEE Micro", "publicationTypes": ["JournalArticle"]}, "IEEE Micro", "journal"),
    ({"venue": "arXiv.org", "journal": {"name": "ArXiv", "volume": "abs/1802.04799"},
      "externalIds": {"ArXiv": "1802.04799"}}, "arXiv.org", "preprint"),
    ({"venue": "", "externalIds": {"ArXiv": "1802.04799", "DOI": "10.48550/arXiv.1802.04799"}}, None, "preprint"),
    ({"venue": "", "publicationTypes": None}, None, None),
])
def test_map_record_venue_type_synthetic(extra, venue, venue_type):
    rec = S2Source.map_record({**SYNTH_BASE, **extra})
    assert (rec.venue, rec.venue_type) == (venue, venue_type)
    assert rec.volume is None  # arXiv's "abs/<id>" is not a volume


def test_map_record_ids_and_journal_synthetic():
    rec = S2Source.map_record({**SYNTH_BASE, "externalIds": {
        "DOI": "10.1145/3341301.3359630", "ArXiv": "1802.04799", "DBLP": "conf/sosp/JiaPTWZA19", "CorpusId": 204800633},
        "journal": {"name": "Proceedings of the 27th ACM SOSP", "volume": "27", "pages": " 47 - 62 "},
        "openAccessPdf": {"url": "", "status": None}})
    assert rec.ids == Ids(doi="10.1145/3341301.3359630", arxiv="1802.04799", dblp="conf/sosp/JiaPTWZA19",
                          corpus_id=204800633, s2="a" * 40)
    assert (rec.volume, rec.pages, rec.pdf_url) == ("27", "47 - 62", None)
    assert rec.authors == [Person(name="Tianqi Chen", given="Tianqi", family="Chen")]


def test_s2_key_preference():
    assert s2_key(Ids(doi="10.1/x", arxiv="1802.04799", corpus_id=5, s2="b" * 40)) == "DOI:10.1/x"
    assert s2_key(Ids(arxiv="1802.04799", corpus_id=5)) == "ARXIV:1802.04799"
    assert s2_key(Ids(corpus_id=5, s2="b" * 40)) == "CorpusId:5"
    assert s2_key(Ids(s2="b" * 40)) == "b" * 40
    assert s2_key(Ids(ieee="9428512")) is None


# -- lookup ----------------------------------------------------------------------------


@pytest.mark.parametrize("cassette",
                         ["test_get_papers_return_not_found.yaml", "test_get_papers_not_found_warning.yaml"])
def test_lookup_aligns_nulls_with_ids(httpserver, tmp_path, cassette):
    register_cassette(httpserver, real_path("semantic-scholar", cassette))
    src = make_source(httpserver, tmp_path)
    ids = [
        Ids(corpus_id=211530585),  # unknown to S2: null in the answer
        Ids(corpus_id=470667),
        Ids(doi="10.2139/ssrn.2250500"),
        Ids(ieee="9428512"),  # nothing S2 can use: not sent
        Ids(s2="0f40b1f08821e22e859c6050916cec3667778613"),
    ]
    out = src.lookup(ids)
    assert out[0] is None and out[3] is None
    assert out[1].ids.corpus_id == 470667
    assert out[2].ids.doi == "10.2139/ssrn.2250500"
    assert out[4].ids.s2 == "0f40b1f08821e22e859c6050916cec3667778613"
    [(req, _)] = httpserver.log
    assert req.method == "POST" and req.path == BATCH
    assert req.get_json() == {"ids": ["CorpusId:211530585", "CorpusId:470667", "DOI:10.2139/ssrn.2250500",
                                      "0f40b1f08821e22e859c6050916cec3667778613"]}
    assert req.args["fields"].split(",") == FIELDS
    assert "x-api-key" not in req.headers


def test_lookup_all_found(httpserver, tmp_path):
    register_cassette(httpserver, real_path("semantic-scholar", "test_get_papers.yaml"))
    src = make_source(httpserver, tmp_path)
    out = src.lookup([Ids(corpus_id=470667), Ids(doi="10.2139/ssrn.2250500"),
                      Ids(s2="0f40b1f08821e22e859c6050916cec3667778613")])
    assert [r.ids.s2[:8] for r in out] == ["c31c87c5", "cb1ebd91", "0f40b1f0"]
    assert [a.family for a in out[1].authors] == ["Duflo", "Banerjee", "Glennerster", "Kinnan"]
    # a second look-up is served from the cache
    src.lookup([Ids(corpus_id=470667), Ids(doi="10.2139/ssrn.2250500"),
                Ids(s2="0f40b1f08821e22e859c6050916cec3667778613")])
    assert len(httpserver.log) == 1 and src.http.counts == {"s2": 1}


def test_lookup_without_usable_ids_sends_nothing(httpserver, tmp_path):
    src = make_source(httpserver, tmp_path)
    assert src.lookup([Ids(ieee="1"), Ids()]) == [None, None]
    assert src.lookup([]) == []
    assert httpserver.log == []


def echo_batch(request):
    """Synthetic batch answer: a record per id, null for ids starting 'CorpusId:'."""
    ids = request.get_json()["ids"]
    body = [None if i.startswith("CorpusId:") else {"paperId": i.split(":")[-1].ljust(40, "0"), "title": i}
            for i in ids]
    return Response(json.dumps(body), content_type="application/json")


def test_lookup_chunks_of_500(httpserver, tmp_path):
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(echo_batch)
    src = make_source(httpserver, tmp_path)
    ids = [Ids(doi=f"10.1/{n}") if n % 7 else Ids(corpus_id=n) for n in range(1001)]
    out = src.lookup(ids)
    assert [len(req.get_json()["ids"]) for req, _ in httpserver.log] == [500, 500, 1]
    assert len(out) == 1001
    for n, rec in enumerate(out):
        assert (rec is None) if n % 7 == 0 else (rec.title == f"DOI:10.1/{n}")


def test_lookup_misaligned_answer_is_unavailable(httpserver, tmp_path):
    httpserver.expect_request(BATCH, method="POST").respond_with_json([None])  # synthetic
    src = make_source(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable, match="1 items for 2 ids"):
        src.lookup([Ids(doi="10.1/a"), Ids(doi="10.1/b")])


def test_lookup_bad_request_is_unavailable(httpserver, tmp_path):
    [it] = load_cassette(real_path("semantic-scholar", "test_bad_query_parameters.yaml"))
    register(httpserver, it, path=BATCH, method="POST")  # recorded on a GET; same error body
    src = make_source(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable, match="Unrecognized or unsupported fields"):
        src.lookup([Ids(doi="10.1/a")])


def test_lookup_server_errors_become_unavailable(httpserver, tmp_path):
    httpserver.expect_request(BATCH).respond_with_json({"message": "Internal Server Error"}, status=500)
    src = make_source(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable):
        src.lookup([Ids(doi="10.1/a")])
    assert len(httpserver.log) == 5  # retried by the HTTP layer


def test_api_key_sent_when_configured(httpserver, tmp_path):
    httpserver.expect_request(BATCH, method="POST").respond_with_handler(echo_batch)
    src = make_source(httpserver, tmp_path, api_key="test-key-123")
    src.lookup([Ids(doi="10.1/a")])
    assert httpserver.log[0][0].headers["x-api-key"] == "test-key-123"
    blob = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert b"test-key-123" not in blob


@pytest.mark.parametrize("prefix", ["", "/replay/s2"])
def test_env_base_url_respected(httpserver, tmp_path, prefix):
    httpserver.expect_request(prefix + BATCH, method="POST").respond_with_handler(echo_batch)
    src = make_source(httpserver, tmp_path, prefix=prefix)
    assert src.lookup([Ids(doi="10.1/a")])[0].title == "DOI:10.1/a"
    assert httpserver.log[0][0].path == prefix + BATCH


# -- search ----------------------------------------------------------------------------


def test_search_match_title(httpserver, tmp_path):
    register_cassette(httpserver, real_path("semantic-scholar", "test_search_paper_match_title.yaml"))
    src = make_source(httpserver, tmp_path)
    [rec] = src.search("mining association rules between")
    assert rec.title == "Mining association rules between sets of items in large databases"
    assert rec.ids.s2 == "6fe8c5bf8dddaadf10c765133d38dfef5714347f"
    [(req, _)] = httpserver.log
    assert req.path == MATCH and req.args["query"] == "mining association rules between"
    assert req.args["fields"].split(",") == FIELDS


def test_search_404_is_empty(httpserver, tmp_path):
    not_found = load_cassette(real_path("semantic-scholar", "test_not_found.yaml"))[0]  # real 404 body
    register(httpserver, not_found, path=MATCH)
    src = make_source(httpserver, tmp_path)
    assert src.search("no such paper at all") == []
    assert len(httpserver.log) == 1  # a 404 is an answer, not retried


def test_search_title_match_not_found_synthetic(httpserver, tmp_path):
    httpserver.expect_request(MATCH).respond_with_json({"error": "Title match not found"}, status=404)
    src = make_source(httpserver, tmp_path)
    assert src.search("Nothing") == []


def test_search_title_with_ampersand_stays_one_query(httpserver, tmp_path):
    httpserver.expect_request(MATCH).respond_with_json({"data": [{"paperId": "c" * 40, "title": "Q & A"}]})  # synthetic
    src = make_source(httpserver, tmp_path)
    assert src.search("Edge & Cloud: 100% Co-Inference")[0].title == "Q & A"
    req = httpserver.log[0][0]
    assert req.args["query"] == "Edge Cloud: 100 Co-Inference"
    assert set(req.args) == {"query", "fields", "offset", "limit"}


# -- bulk title search (search/bulk) ------------------------------------------------------

BULK = "/graph/v1/paper/search/bulk"


def test_bulk_search_reads_real_pages_and_follows_the_token(httpserver, tmp_path):
    first, following = load_cassette(real_path("semantic-scholar", "test_search_paper_bulk_retrieval_next_page.yaml"))
    token = first.json()["token"]
    last = {"total": 2674, "token": None, "data": []}  # synthetic end of the listing

    def answer(request):
        got = request.args.get("token")
        body = first.body if got is None else following.body if got == token else json.dumps(last).encode()
        return Response(body, content_type="application/json")

    httpserver.expect_request(BULK).respond_with_handler(answer)
    src = make_source(httpserver, tmp_path)
    recs = src.search_titles(["Kubernetes in production"])
    pages = [first.json()["data"], following.json()["data"]]
    want = {p["paperId"] for page in pages for p in page}
    assert {r.ids.s2 for r in recs} == want and len(recs) == len(want)
    assert next(r for r in recs if r.ids.s2 == "0018ce3db8f9957b520d6b7e0cec84abfa230e1c").title == (
        "Kubernetes Cluster for Automating Software Production Environment")
    reqs = [req for req, _ in httpserver.log]
    assert [r.args.get("token") for r in reqs] == [None, token, following.json()["token"]]
    assert all(r.args["query"] == '"Kubernetes in production"' for r in reqs)
    assert reqs[0].args["fields"].split(",") == FIELDS


def test_bulk_queries_quote_titles_join_with_or_and_stay_under_the_limit():
    titles = ['Edge "AI" | Cloud: (fast) co-inference*', "Edge \"AI\" | Cloud: (fast) co-inference*",
              "Tensor Virtual Machine", "TVM"]
    assert bulk_queries(titles) == ['"Edge AI Cloud: fast co inference" | "Tensor Virtual Machine"']
    assert bulk_phrase(' "|" ') is None and bulk_phrase("TVM: compiler") is None  # too short for bulk
    many = [f"A study of edge inference number {n}" for n in range(300)]
    queries = bulk_queries(many, limit=500)
    assert all(len(quote_plus(q)) <= 500 for q in queries)
    assert [p for q in queries for p in q.split(" | ")] == [f'"{t}"' for t in many]  # each title once, in order


def test_bulk_search_without_the_endpoint_is_empty(httpserver, tmp_path):
    httpserver.expect_request(BULK).respond_with_json({"error": "Not found"}, status=404)  # synthetic
    src = make_source(httpserver, tmp_path)
    assert src.search_titles(["Anything at all"]) == []


def test_bulk_search_bad_answer_is_unavailable(httpserver, tmp_path):
    httpserver.expect_request(BULK).respond_with_json({"total": 1})  # synthetic: no data list
    src = make_source(httpserver, tmp_path)
    with pytest.raises(SourceUnavailable, match="no 'data' list"):
        src.search_titles(["Anything at all"])


def test_bulk_search_refused_chunk_is_skipped_not_fatal(httpserver, tmp_path):
    """S2 answers 400 for an answer over 10 MB; that chunk goes to match, the next chunk is still asked."""
    def answer(request):
        if '"Huge title' in request.args["query"]:
            return Response(json.dumps({"error": "Response would exceed maximum size"}), status=400,
                            content_type="application/json")  # synthetic, text from the API docs
        return Response(json.dumps({"total": 1, "token": None, "data": [{"paperId": "d" * 40, "title": "Small"}]}),
                        content_type="application/json")  # synthetic

    httpserver.expect_request(BULK).respond_with_handler(answer)
    src = make_source(httpserver, tmp_path)
    titles = ["Huge title " + "x" * 3980, "Small title here"]  # two chunks
    assert [r.title for r in src.search_titles(titles)] == ["Small"]  # the synthetic record's title
    assert len(httpserver.log) == 2


def test_forbidden_means_a_bad_key(httpserver, tmp_path):
    httpserver.expect_request(BATCH, method="POST").respond_with_json({"message": "Forbidden"}, status=403)  # synthetic
    src = make_source(httpserver, tmp_path, api_key="wrong")
    with pytest.raises(SourceUnavailable, match="Is S2_API_KEY valid"):
        src.lookup([Ids(doi="10.1234/a")])


def test_search_match_with_an_empty_data_list_is_empty(httpserver, tmp_path):
    httpserver.expect_request(MATCH).respond_with_json({"data": []})  # synthetic
    src = make_source(httpserver, tmp_path)
    assert src.search("Nothing like it") == []
