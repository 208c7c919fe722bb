"""The fake scholarly world (tests/fakeworld.py) answers like the real APIs.

Shapes are checked against the real recordings in tests/data/real/ (S2,
Crossref, arXiv; see the README there for provenance).  No real OpenAlex or
DBLP recordings exist on this machine: those two are checked against the
documented shapes in tests/data/synthetic/ (hand-written after the official
docs, labelled synthetic).  The last tests run the project's real source
adapters against the fake world.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import yaml
from lxml import etree

from pipeline.config import Settings
from pipeline.http import Http
from pipeline.models import Ids
from pipeline.parse import parse_text
from tests.fakeworld import SEED_WORLD, FakeScholarServer, World, generate_world, to_markdown

DATA = Path(__file__).parent / "data"
REAL = DATA / "real"
SYNTHETIC = DATA / "synthetic"
TASO_DOI = "10.1145/3341301.3359630"
MAPLE = "Maple: Microprocessor A Priori for Latency Estimation"


# ------------------------------------------------------------------ helpers


def cassette(name: str) -> list[tuple[str, int, dict, str]]:
    """(uri, status, lower-cased headers, decoded body) of each interaction of a VCR cassette."""
    out = []
    for it in yaml.safe_load((REAL / name).read_text(encoding="utf-8"))["interactions"]:
        r = it["response"]
        body = r["body"]["string"] if "body" in r else r["content"]
        if isinstance(body, bytes):
            body = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
            body = body.decode("utf-8")
        status = r["status"]["code"] if "status" in r else r["status_code"]
        headers = {k.lower(): v[0] for k, v in r["headers"].items()}
        out.append((it["request"]["uri"], status, headers, body))
    return out


def arxiv_recording(name: str) -> tuple[int, bytes]:
    d = json.loads((REAL / "arxiv" / name).read_text(encoding="utf-8"))
    return d["status_code"], d["body"].encode("latin-1", errors="replace")


def assert_same_types(mine: dict, real: dict, where: str) -> None:
    """For every key both have (and both non-null), the JSON type is the same."""
    for k in mine.keys() & real.keys():
        a, b = mine[k], real[k]
        if a is None or b is None:
            continue
        assert type(a) is type(b) or {type(a), type(b)} <= {int, float}, f"{where}.{k}: {type(a)} vs {type(b)}"


def tags(elem) -> set[str]:
    return {etree.QName(c).localname for c in elem}


ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def srv():
    with FakeScholarServer(World.load(SEED_WORLD)) as server:
        yield server


@pytest.fixture()
def fresh():
    """A server of its own, for tests that inject faults or change data."""
    with FakeScholarServer(World.load(SEED_WORLD)) as server:
        yield server


# ------------------------------------------------------------ seed world


def test_seed_world_covers_the_list_and_is_labelled_synthetic():
    data = json.loads(SEED_WORLD.read_text(encoding="utf-8"))
    assert "SYNTHETIC" in data["_comment"] and "NOT real" in data["_comment"]
    world = World.load(SEED_WORLD)
    listed = parse_text((Path(__file__).parents[1] / "data" / "raw.md").read_text(encoding="utf-8"))
    papers = [e for e in listed.entries if e.kind == "paper"]
    assert len(papers) == 44
    for e in papers:  # every listed paper has a work with (case-insensitively) the same title
        assert world.fuzzy(e.title, "openalex", limit=1, cutoff=95), e.title
    assert {w.arxiv for w in world.works if w.arxiv} == {
        "2003.12172", "2203.09040", "2006.06762", "2201.05752", "2003.04821", "2204.00102"}
    assert sum(w.abstract is None for w in world.works) >= 5


# --------------------------------------------------------- Semantic Scholar


def test_s2_batch_matches_recorded_shape(srv):
    uri, status, headers, body = cassette("semantic-scholar/test_get_papers_not_found_warning.yaml")[0]
    real = json.loads(body)
    fields = parse_qs(urlsplit(uri).query)["fields"][0]
    maple = World.load(SEED_WORLD).find(MAPLE).corpus_id
    ids = ["CorpusId:1", f"DOI:{TASO_DOI.upper()}", "ARXIV:2003.12172", f"CorpusId:{maple}"]
    r = requests.post(srv.urls["s2"] + "/graph/v1/paper/batch", params={"fields": fields}, json={"ids": ids})
    assert r.status_code == 200 and r.headers["content-type"] == headers["content-type"]
    mine = r.json()
    assert real[0] is None and mine[0] is None  # unknown id -> null, list stays aligned
    assert mine[3] is None  # the Maple paper is hidden from S2 in the seed world
    assert mine[1]["externalIds"]["DOI"] == TASO_DOI and mine[2]["externalIds"]["ArXiv"] == "2003.12172"
    for paper in mine[1:3]:
        assert set(paper) == set(real[1]), "same keys as the real batch answer for the same fields"
        assert_same_types(paper, real[1], "paper")
        assert set(paper["authors"][0]) == set(real[1]["authors"][0])
        assert set(paper["externalIds"]) <= {"DOI", "ArXiv", "CorpusId", "DBLP", "MAG"}
    assert set(mine[2]["openAccessPdf"]) == set(real[1]["openAccessPdf"])
    assert any(p is not None and p["abstract"] is None for p in
               requests.post(srv.urls["s2"] + "/graph/v1/paper/batch", params={"fields": "abstract"},
                             json={"ids": [f"DOI:{w.doi}" for w in World.load(SEED_WORLD).works if w.doi]}).json())


def test_s2_batch_returns_only_requested_fields(srv):
    uri, _, _, body = cassette("semantic-scholar/test_get_papers.yaml")[0]
    real = json.loads(body)
    r = requests.post(srv.urls["s2"] + "/graph/v1/paper/batch", params={"fields": "authors"},
                      json={"ids": [f"DOI:{TASO_DOI}"]})
    assert set(r.json()[0]) == set(real[0]) == {"paperId", "authors"}


def test_s2_unknown_field_is_a_400_like_the_real_api(srv):
    _, status, _, body = cassette("semantic-scholar/test_bad_query_parameters.yaml")[0]
    r = requests.get(srv.urls["s2"] + f"/graph/v1/paper/DOI:{TASO_DOI}", params={"fields": "unknown"})
    assert r.status_code == status == 400
    assert r.json() == json.loads(body)


def test_s2_match_returns_near_miss_or_404(srv):
    _, _, _, body = cassette("semantic-scholar/test_search_paper_match_title.yaml")[0]
    real = json.loads(body)
    r = requests.get(srv.urls["s2"] + "/graph/v1/paper/search/match", params={"query": MAPLE, "fields": "title"})
    hit = r.json()["data"][0]
    assert set(hit) == set(real["data"][0]) == {"paperId", "title", "matchScore"}
    # the listed paper is hidden from S2: the closest other title comes back, like the real service
    assert hit["title"] == "Maple: Microprocessor A Priori for Latency Estimation on Embedded Accelerators"
    r = requests.get(srv.urls["s2"] + "/graph/v1/paper/search/match",
                     params={"query": "Completely unrelated words about gardening", "fields": "title"})
    assert (r.status_code, r.json()) == (404, {"error": "Title match not found"})


def test_set_citations_changes_the_answer(fresh):
    fresh.set_citations(TASO_DOI, 12345)
    r = requests.post(fresh.urls["s2"] + "/graph/v1/paper/batch", params={"fields": "citationCount"},
                      json={"ids": [f"DOI:{TASO_DOI}"]})
    assert r.json()[0]["citationCount"] == 12345
    r = requests.get(fresh.urls["crossref"] + f"/works/{TASO_DOI}")
    assert r.json()["message"]["is-referenced-by-count"] == 12345


# -------------------------------------------------------------------- arXiv


def test_arxiv_id_list_feed_matches_recorded_shape(srv):
    _, real_body = arxiv_recording("q_testing_s0_m10_bc5a6c384fe9.json")
    real = etree.fromstring(real_body)
    r = requests.get(srv.urls["arxiv"] + "/api/query",
                     params={"search_query": "", "id_list": "2204.00102,0000.0000,2003.12172v1", "start": 0,
                             "max_results": 100})
    assert r.status_code == 200 and "atom+xml" in r.headers["content-type"]
    mine = etree.fromstring(r.content)
    assert tags(mine) == tags(real)
    real_entry_tags = set().union(*(tags(e) for e in real.iter(ATOM + "entry")))
    entries = list(mine.iter(ATOM + "entry"))
    assert all(tags(e) <= real_entry_tags for e in entries)
    # order of id_list, unknown id omitted, totalResults counts what was found
    assert [e.findtext(ATOM + "id") for e in entries] == [
        "http://arxiv.org/abs/2204.00102v1", "http://arxiv.org/abs/2003.12172v1"]
    assert mine.findtext("{http://a9.com/-/spec/opensearch/1.1/}totalResults") == "2"
    # and the arxiv client's own parser reads it
    import arxiv._feed
    parsed = arxiv._feed.parse(r.content)
    assert [x.get_short_id() for x in parsed.results] == ["2204.00102v1", "2003.12172v1"]
    assert parsed.results[0].authors[0].name == "Zihui Xue"


def test_arxiv_unknown_id_is_an_empty_feed(srv):
    _, real_body = arxiv_recording("id_0000.0000_s0_m100_8b51d9633a68.json")
    r = requests.get(srv.urls["arxiv"] + "/api/query", params={"id_list": "0000.0000", "max_results": 100})
    assert r.status_code == 200
    assert tags(etree.fromstring(r.content)) == tags(etree.fromstring(real_body))


def test_arxiv_malformed_id_is_the_recorded_400_error_feed(srv):
    status, real_body = arxiv_recording("id_abc_s0_m100_b79c8dcf6bc3.json")
    r = requests.get(srv.urls["arxiv"] + "/api/query", params={"id_list": "2003.12172,abc", "max_results": 100})
    assert r.status_code == status == 400

    def canon(xml: bytes) -> bytes:
        root = etree.fromstring(xml)
        for el in root.iter(ATOM + "updated"):
            el.text = "T"
        return etree.tostring(root, method="c14n")

    assert canon(r.content) == canon(real_body)


def test_arxiv_title_search_returns_fuzzy_matches(srv):
    r = requests.get(srv.urls["arxiv"] + "/api/query",
                     params={"search_query": 'ti:"Dynamic Multimodal Fusion"', "max_results": 5})
    titles = [e.findtext(ATOM + "title") for e in etree.fromstring(r.content).iter(ATOM + "entry")]
    assert titles == ["Dynamic Multimodal Fusion"]  # the decoy has no arXiv id


# ----------------------------------------------------------------- Crossref


def test_crossref_work_matches_recorded_shape(srv):
    names = ("test_works_with_many_ids.yaml", "test_works_field_queries.yaml", "test_works_query.yaml")
    recorded = [c for name in names for c in cassette(f"crossref/{name}") if c[1] == 200]
    singles = [json.loads(b) for u, _, _, b in recorded if "/works/" in u]
    lists = [json.loads(b) for u, _, _, b in recorded if "/works?" in u]
    real_keys = set().union(*(s["message"].keys() for s in singles))
    listed = [{"message": i} for one in lists for i in one["message"]["items"]]
    real_author_keys = set().union(*(a.keys() for s in singles + listed for a in s["message"].get("author", [])))
    proceedings = next(s for s in singles if s["message"]["type"] == "proceedings-article")

    r = requests.get(srv.urls["crossref"] + f"/works/{TASO_DOI}")
    assert r.status_code == 200
    mine = r.json()
    assert set(mine) == set(singles[0]) and mine["message-type"] == "work"
    msg = mine["message"]
    assert set(msg) <= real_keys
    assert {"title", "author", "container-title", "event", "type", "issued", "page", "publisher", "DOI", "URL",
            "is-referenced-by-count"} <= set(msg)
    assert_same_types(msg, proceedings["message"], "message")
    assert set(msg["event"]) <= {"name", "location", "acronym", "sponsor", "start", "end"}
    assert all(set(a) <= real_author_keys for a in msg["author"])
    assert msg["type"] == "proceedings-article" and msg["issued"]["date-parts"][0][0] == 2019


def test_crossref_unknown_doi_is_the_recorded_404(srv):
    _, status, headers, body = cassette("crossref/test_works_bad_id_warn.yaml")[0]
    r = requests.get(srv.urls["crossref"] + "/works/10.1371/notarealdoi")
    assert (r.status_code, r.text) == (status, body) == (404, "Resource not found.")
    assert r.headers["content-type"].startswith(headers["content-type"])


def test_crossref_filter_and_query_are_work_lists(srv):
    _, _, _, body = cassette("crossref/test_works_query.yaml")[0]
    real = json.loads(body)
    r = requests.get(srv.urls["crossref"] + "/works",
                     params={"filter": f"doi:{TASO_DOI},doi:10.1145/0000.0000,doi:10.1109/TPDS.2021.3079202",
                             "rows": 3})
    mine = r.json()
    assert set(mine) == set(real) and mine["message-type"] == "work-list"
    assert set(mine["message"]) == set(real["message"])
    assert sorted(i["DOI"] for i in mine["message"]["items"]) == ["10.1109/TPDS.2021.3079202", TASO_DOI]
    r = requests.get(srv.urls["crossref"] + "/works",
                     params={"query.bibliographic": "Dynamic Multimodal Fusion", "rows": 5, "select": "DOI,title"})
    items = r.json()["message"]["items"]
    # the arXiv paper has no DOI, so Crossref only knows the near-miss decoy
    assert items[0]["title"] == ["Dynamic Multimodal Fusion Networks"] and set(items[0]) == {"DOI", "title"}


# ----------------------------------------------------------------- OpenAlex


def test_openalex_filter_by_doi_matches_documented_shape(srv):
    doc = json.loads((SYNTHETIC / "openalex" / "works_filter_doi.json").read_text(encoding="utf-8"))
    doc_work = next(w for w in doc["results"] if w["primary_location"]["source"])
    r = requests.get(srv.urls["openalex"] + "/works",
                     params={"filter": f"doi:{TASO_DOI}|https://doi.org/10.1109/tpds.2021.3079202|10.1/none",
                             "per-page": 50})
    mine = r.json()
    assert set(mine) == set(doc) - {"_synthetic"} and set(mine["meta"]) == set(doc["meta"])
    assert mine["meta"]["count"] == 2
    work = mine["results"][0]
    assert set(work) <= set(doc_work)
    assert_same_types(work, doc_work, "work")
    assert set(work["authorships"][0]) <= set(doc_work["authorships"][0])
    assert set(work["authorships"][0]["author"]) == set(doc_work["authorships"][0]["author"])
    assert set(work["primary_location"]["source"]) <= set(doc_work["primary_location"]["source"])
    assert work["doi"] == f"https://doi.org/{TASO_DOI}" and work["id"].startswith("https://openalex.org/W")
    nulls = requests.get(srv.urls["openalex"] + "/works", params={"filter": "doi:10.1145/3503222.3507723"}).json()
    assert nulls["results"][0]["abstract_inverted_index"] is None  # AStitch has no abstract


def test_openalex_search_includes_near_misses(srv):
    r = requests.get(srv.urls["openalex"] + "/works", params={"search": "Dynamic Multimodal Fusion", "per-page": 5})
    titles = [w["title"] for w in r.json()["results"]]
    assert titles == ["Dynamic Multimodal Fusion", "Dynamic Multimodal Fusion Networks"]


# --------------------------------------------------------------------- DBLP


def test_dblp_search_matches_documented_shape(srv):
    doc = json.loads((SYNTHETIC / "dblp" / "search_shapes.json").read_text(encoding="utf-8"))["result"]
    r = requests.get(srv.urls["dblp"] + "/search/publ/api",
                     params={"q": "TASO Tensor Algebra", "format": "json", "h": 5})
    res = r.json()["result"]
    assert set(res) == set(doc) and set(res["hits"]) == set(doc["hits"])
    hit = res["hits"]["hit"][0]
    assert set(hit) == set(doc["hits"]["hit"][0])
    doc_info_keys = set().union(*(h["info"].keys() for h in doc["hits"]["hit"]))
    assert set(hit["info"]) <= doc_info_keys
    assert hit["info"]["title"] == "TASO: The Tensor Algebra SuperOptimizer for Deep Learning."
    assert isinstance(hit["info"]["year"], str) and res["hits"]["@total"] == "1"
    empty = requests.get(srv.urls["dblp"] + "/search/publ/api", params={"q": "gardening", "format": "json"}).json()
    assert empty["result"]["hits"]["@total"] == "0" and "hit" not in empty["result"]["hits"]


def test_dblp_single_author_is_a_dict(srv):
    world = World.load(SEED_WORLD)
    single = [w for w in generate_world(200).works if len(w.authors) == 1 and w.dblp_key][0]
    with FakeScholarServer(World(world.works + [single])) as s:
        hit = requests.get(s.urls["dblp"] + "/search/publ/api", params={"q": single.title, "format": "json"}).json()
    author = hit["result"]["hits"]["hit"][0]["info"]["authors"]["author"]
    assert isinstance(author, dict) and set(author) == {"@pid", "text"}


# ------------------------------------------------------- faults and logging


def test_faults_are_consumed_in_order_then_normal_answers(fresh):
    url = fresh.urls["crossref"] + f"/works/{TASO_DOI}"
    fresh.inject("crossref", [("status", 429, {"Retry-After": "1"}), ("status", 500), ("status", 503),
                              ("truncated",), ("html",)])
    r = requests.get(url)
    assert (r.status_code, r.headers["Retry-After"]) == (429, "1")
    assert [requests.get(url).status_code for _ in range(2)] == [500, 503]
    full = requests.get(url)
    assert full.status_code == 200 and full.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        full.json()
    html = requests.get(url)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert requests.get(url).json()["message"]["DOI"] == TASO_DOI
    assert fresh.counts()["crossref"] == 6


def test_truncated_body_is_half_of_the_normal_one(fresh):
    url = fresh.urls["s2"] + "/graph/v1/paper/batch?fields=title"
    normal = requests.post(url, json={"ids": [f"DOI:{TASO_DOI}"]}).content
    fresh.inject("s2", [("truncated",)])
    cut = requests.post(url, json={"ids": [f"DOI:{TASO_DOI}"]}).content
    assert cut == normal[: len(normal) // 2]


def test_sleep_fault_triggers_client_timeout(fresh):
    fresh.inject("openalex", [("sleep", 0.5)])
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(fresh.urls["openalex"] + "/works", params={"search": "TASO"}, timeout=0.1)
    assert requests.get(fresh.urls["openalex"] + "/works", params={"search": "TASO"}, timeout=5).status_code == 200


def test_hold_fault_answers_only_once_released(fresh):
    """("hold", event): the request waits for the test, not for a clock."""
    import threading
    import time

    release = threading.Event()
    fresh.inject("openalex", [("hold", release)])
    got: list[int] = []
    t = threading.Thread(target=lambda: got.append(
        requests.get(fresh.urls["openalex"] + "/works", params={"search": "TASO"}, timeout=30).status_code),
        daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 30
        while not fresh.log and time.monotonic() < deadline:  # the held request has arrived
            time.sleep(0.01)
        assert len(fresh.log) == 1
        # another request is answered at once; the held one still waits
        assert requests.get(fresh.urls["openalex"] + "/works", params={"search": "TASO"}, timeout=30).ok
        assert got == []
    finally:
        release.set()
        t.join(30)
    assert got == [200]


def test_down_source_answers_503_forever_others_unaffected(fresh):
    fresh.inject("dblp", [("down",)])
    for _ in range(3):
        r = requests.get(fresh.urls["dblp"] + "/search/publ/api", params={"q": "x", "format": "json"})
        assert r.status_code == 503
    assert requests.get(fresh.urls["crossref"] + f"/works/{TASO_DOI}").status_code == 200


def test_log_and_counts_per_source(fresh):
    requests.post(fresh.urls["s2"] + "/graph/v1/paper/batch?fields=title", json={"ids": []})
    requests.get(fresh.urls["arxiv"] + "/api/query", params={"id_list": "2003.12172"})
    requests.get(fresh.urls["openalex"] + "/works", params={"filter": f"doi:{TASO_DOI}"})
    assert fresh.counts() == {"s2": 1, "arxiv": 1, "crossref": 0, "openalex": 1, "dblp": 0}
    assert fresh.log[0] == ("s2", "POST", "/graph/v1/paper/batch", "fields=title")
    assert fresh.log[2].query == f"filter=doi:{TASO_DOI}"
    assert fresh.env() == {
        "PIPELINE_S2_URL": fresh.urls["s2"], "PIPELINE_ARXIV_URL": fresh.urls["arxiv"],
        "PIPELINE_CROSSREF_URL": fresh.urls["crossref"], "PIPELINE_OPENALEX_URL": fresh.urls["openalex"],
        "PIPELINE_DBLP_URL": fresh.urls["dblp"]}
    with pytest.raises(ValueError):
        fresh.inject("scopus", [("html",)])


# ---------------------------------------------------------- generated world


def test_generated_world_is_deterministic_and_parses_as_a_list():
    a, b = generate_world(300, seed=7), generate_world(300, seed=7)
    assert [w.to_json() for w in a.works] == [w.to_json() for w in b.works]
    assert len({w.arxiv for w in a.works if w.arxiv}) == sum(1 for w in a.works if w.arxiv)
    parsed = parse_text(to_markdown(a))
    assert len(parsed.entries) == 300 and not parsed.problems
    assert [e.title for e in parsed.entries] == [w.title for w in a.works]


# ---------------------------------------------------- the project's adapters


@pytest.fixture()
def http(srv, tmp_path):
    settings = Settings(endpoints=dict(srv.urls), pace_scale=0, cache_dir=str(tmp_path))
    return settings, Http(settings)


def test_adapters_look_up_records_in_the_fake_world(http):
    from pipeline.sources.arxiv import ArxivSource
    from pipeline.sources.crossref import CrossrefSource
    from pipeline.sources.openalex import OpenAlexSource
    from pipeline.sources.s2 import S2Source

    settings, h = http
    ids = [Ids(doi=TASO_DOI), Ids(arxiv="2003.12172"), Ids(doi="10.1145/0000.0000")]
    s2 = S2Source(h, settings).lookup(ids)
    assert s2[0].title == "TASO: The Tensor Algebra SuperOptimizer for Deep Learning" and s2[0].year == 2019
    assert s2[0].citation_count is not None and s2[1].ids.arxiv == "2003.12172" and s2[2] is None
    ax = ArxivSource(h, settings).lookup(ids)
    assert ax[0] is None and ax[1].title.startswith("Edge Intelligence") and ax[1].authors[0].family == "Xu"
    cr = CrossrefSource(h, settings).lookup(ids + [Ids(doi="10.1109/TPDS.2021.3079202")])
    assert cr[0].title.startswith("TASO") and cr[0].pages == "47-62" and cr[1] is None and cr[2] is None
    assert cr[3].venue_type == "journal"
    oa = OpenAlexSource(h, settings).lookup(ids)
    assert oa[0].ids.doi == TASO_DOI and oa[0].citation_count == s2[0].citation_count and oa[2] is None


def test_adapters_search_titles_in_the_fake_world(http):
    from pipeline.sources.dblp import DblpSource
    from pipeline.sources.s2 import S2Source

    settings, h = http
    near = S2Source(h, settings).search(MAPLE)
    assert [r.year for r in near] == [2023]  # the near miss the resolver has to reject
    hits = DblpSource(h, settings).search("Dynamic Multimodal Fusion")
    assert [r.title for r in hits][:2] == ["Dynamic Multimodal Fusion", "Dynamic Multimodal Fusion Networks"]
    assert {s for s, n in h.counts.items() if n} == {"s2", "dblp"}


# -- S2 search/bulk: the query syntax and token paging the batched title search relies on --


def _bulk(srv: FakeScholarServer, query: str, token: str | None = None) -> dict:
    params = {"query": query, "fields": "title"} | ({"token": token} if token else {})
    r = requests.get(srv.urls["s2"] + "/graph/v1/paper/search/bulk", params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_s2_bulk_replica_reads_phrases_or_and_not():
    world = generate_world(300, seed=3)
    a, b = world.works[0].title, world.works[1].title
    with FakeScholarServer(world) as srv:
        got = {p["title"] for p in _bulk(srv, f'"{a}" | "{b}"')["data"]}
        assert got == {a, b}  # a phrase matches its own title (and abstract), nothing else here
        words = a.split()
        scrambled = " ".join(reversed(words))
        assert a not in {p["title"] for p in _bulk(srv, f'"{scrambled}"')["data"]}  # a phrase keeps word order
        every = _bulk(srv, '"at scale"')["total"]
        without = _bulk(srv, f'"at scale" -"{a}"')["total"]
        assert every == 300 and without == 299


def test_s2_bulk_replica_pages_with_a_token():
    world = generate_world(2500, seed=4)
    with FakeScholarServer(world) as srv:
        first = _bulk(srv, '"at scale"')
        second = _bulk(srv, '"at scale"', first["token"])
        third = _bulk(srv, '"at scale"', second["token"])
        assert [len(p["data"]) for p in (first, second, third)] == [1000, 1000, 500]
        assert third["token"] is None and first["total"] == 2500
        ids = [p["paperId"] for page in (first, second, third) for p in page["data"]]
        assert ids == sorted(ids) and len(set(ids)) == 2500  # ordered by paperId, no repeats
