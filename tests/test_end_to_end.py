"""The whole pipeline against loopback replicas of the five APIs.

``tests/fakeworld.py`` serves a SYNTHETIC world (tests/data/world/seed_world.json:
the seed list's papers with invented metadata, plus near-miss decoys) in the
real APIs' formats.  These tests check what a user depends on: the right
identifiers (never a decoy's), batching, a warm re-run that asks nothing,
faults survived, failing sources that lose no data, secrets kept secret.
"""

from __future__ import annotations

import json
import shutil

from pipeline.cli import main
from tests.conftest import entries, outputs


def test_cold_run_finds_the_true_identifiers_and_never_a_decoy(project, server, world, capsys):
    assert main(["run"]) == 0
    got = entries(project)
    papers = {t: e for t, e in got.items() if e["kind"] == "paper"}
    assert len(papers) == 44
    wrong = []
    for title, e in papers.items():
        truth = next((w for w in world.works if w.title.casefold() == title.casefold().rstrip(".")), None)
        if truth is None:  # list title differs in case/punctuation from the canonical one
            from pipeline.matching import title_score
            truth = max(world.works, key=lambda w: title_score(title, w.title))
        if e["ids"]["doi"] != (truth.doi.lower() if truth.doi else None):
            wrong.append((title, "doi", e["ids"]["doi"], truth.doi))
        if e["ids"]["arxiv"] != truth.arxiv:
            wrong.append((title, "arxiv", e["ids"]["arxiv"], truth.arxiv))
    assert wrong == []
    resolved = [e for e in papers.values() if e["status"]["resolved"]]
    assert len(resolved) == 44
    # decoys (near-miss titles in the search results) never leak in
    decoy_dois = {w.doi for w in world.works if w.doi and w.title not in {e["title"] for e in papers.values()}}
    assert not decoy_dois & {e["ids"]["doi"] for e in papers.values()}
    # every fetched field says where it came from
    for e in papers.values():
        for field in ("title", "authors", "year", "venue", "abstract"):
            if e[field] not in (None, []):
                assert e["provenance"][field] in {"s2", "arxiv", "crossref", "openalex", "dblp", "list"}, field
        assert e["citations"]["source"] in ("s2", "openalex")
    out = capsys.readouterr().out
    assert "resolved" in out and "HTTP requests" in out


def test_requests_are_batched(project, server):
    assert main(["run"]) == 0
    counts = server.counts()
    # 19 papers have no DOI/arXiv id in their URL: their titles go out in batches (S2 search/bulk,
    # then OpenAlex's title filter for what is left); every id look-up is batched
    assert counts["arxiv"] == 1 and counts["openalex"] <= 2
    assert counts["crossref"] <= 2
    assert counts["s2"] <= 21
    assert sum(counts.values()) <= 26, counts


def test_seed_list_cold_in_ten_requests_or_fewer(project, server):
    """Issue 12's goal: the titles go to S2 in one bulk search, not one match each."""
    assert main(["run"]) == 0
    assert sum(server.counts().values()) <= 10, server.counts()
    bulk = [e for e in server.log if e.path == "/graph/v1/paper/search/bulk"]
    matches = [e for e in server.log if e.path == "/graph/v1/paper/search/match"]
    assert len(bulk) == 1 and len(matches) <= 2


def test_warm_rerun_makes_no_request_and_changes_no_byte(project, server):
    assert main(["run"]) == 0
    first = outputs(project)
    server.reset_log()
    assert main(["run"]) == 0
    assert server.counts() == {s: 0 for s in server.counts()}
    assert outputs(project) == first
    assert main(["refresh"]) == 0  # nothing stale: no request either
    assert sum(server.counts().values()) == 0
    assert outputs(project) == first


def test_refresh_records_citation_history_and_reports_changes(project, server, world):
    assert main(["run"]) == 0
    taso = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"
    before = entries(project)[taso]["citations"]
    server.set_citations(taso, before["count"] + 25)
    server.reset_log()
    assert main(["refresh", "--max-age", "0"]) == 0
    assert sum(server.counts().values()) > 0
    after = entries(project)[taso]["citations"]
    assert after["count"] == before["count"] + 25
    assert [p["count"] for p in after["history"]] == [before["count"], before["count"] + 25]
    changes = (project / "exports" / "CHANGES.md").read_text()
    assert "jia2019taso" in changes and "+25" in changes
    assert (project / "exports" / "COMMIT_MSG.txt").read_text().strip()


def test_failing_source_keeps_every_known_field(project, server):
    assert main(["run"]) == 0
    first = entries(project)
    for source in ("s2", "crossref", "openalex", "arxiv", "dblp"):
        server.inject(source, [("down",)])
    assert main(["refresh", "--max-age", "0"]) == 0  # says so plainly, exits 0
    again = entries(project)
    for title, e in first.items():
        for field in ("title", "authors", "year", "venue", "abstract", "ids", "citations", "provenance"):
            assert again[title][field] == e[field], (title, field)
    assert main(["refresh", "--max-age", "0", "--strict"]) == 1  # for scheduled jobs


def test_unreachable_sources_from_scratch_still_export(project, server, capsys):
    for source in ("s2", "crossref", "openalex", "arxiv", "dblp"):
        server.inject(source, [("down",)])
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "no source could be reached" in out
    got = entries(project)
    assert got["TASO: The Tensor Algebra SuperOptimizer for Deep Learning"]["ids"]["doi"] == "10.1145/3341301.3359630"
    assert (project / "exports" / "references.bib").read_text().count("@") == 46


def test_transient_faults_are_retried_to_the_same_result(project, server, tmp_path, monkeypatch):
    assert main(["run"]) == 0
    clean = entries(project)
    # same run again from a cold cache, with faults on every source
    monkeypatch.setenv("PIPELINE_CACHE_DIR", str(tmp_path / "cache2"))
    (project / "data" / "enriched.json").unlink()
    server.inject("s2", [("status", 429, {"Retry-After": "1"}), ("status", 500), ("truncated",)])
    server.inject("crossref", [("html",), ("status", 503)])
    server.inject("openalex", [("truncated",)])
    server.inject("arxiv", [("status", 500)])
    assert main(["run", "--strict"]) == 0
    assert entries(project) == clean


def test_wrong_link_in_the_list_is_reported_not_trusted(project, server):
    raw = project / "data" / "raw.md"
    text = raw.read_text()
    # the Heimdall entry points at SPINN's DOI: a wrong link
    text = text.replace("https://dl.acm.org/doi/pdf/10.1145/3372224.3419192?casa_token",
                        "https://dl.acm.org/doi/pdf/10.1145/3372224.3419194?casa_token")
    raw.write_text(text)
    assert main(["run"]) == 0
    heimdall = entries(project)["Heimdall: mobile GPU coordination platform for augmented reality applications"]
    assert any("not trusted" in w for w in heimdall["status"]["warnings"])
    assert heimdall["ids"]["doi"] != "10.1145/3372224.3419194"


def test_api_key_never_written_anywhere(project, server, monkeypatch):
    monkeypatch.setenv("S2_API_KEY", "sekret-key-123")
    monkeypatch.setenv("PIPELINE_MAILTO", "maintainer@example.org")
    assert main(["run"]) == 0
    for path in project.rglob("*"):
        if path.is_file():
            assert b"sekret-key-123" not in path.read_bytes(), path
    assert any(e.path.endswith("/paper/batch") for e in server.log)


def test_wrong_link_unknown_to_s2_is_caught_by_crossref(project, server):
    """The Horus entry links (wrongly) to a CVPRW paper's DOI, which S2 does not
    know: Crossref's title gives it away, and title search finds Horus."""
    raw = project / "data" / "raw.md"
    raw.write_text(raw.read_text().replace(
        "https://ieeexplore.ieee.org/iel7/71/4359390/09428512.pdf",
        "https://doi.org/10.1109/CVPRW56347.2022.00303"))
    assert main(["run"]) == 0
    horus = entries(project)["Horus: Interference-aware and prediction-based scheduling in deep learning systems"]
    assert any("10.1109/cvprw56347.2022.00303" in w and "not trusted" in w for w in horus["status"]["warnings"])
    assert horus["ids"]["doi"] != "10.1109/cvprw56347.2022.00303"
    assert horus["status"]["resolved"] and horus["title"].startswith("Horus")


def test_title_search_falls_back_beyond_s2_and_dblp(project, server, world):
    pet = "PET: Optimizing Tensor Programs with Partially Equivalent Transformations and Automated Corrections"
    world.find(pet).hidden_from = ["s2", "dblp"]
    assert main(["run"]) == 0
    e = entries(project)[pet]
    assert e["status"]["resolved"], e["status"]
    assert e["provenance"]["title"] in ("openalex", "crossref", "arxiv")
    assert any(x.path.startswith("/works") and "search" in x.query for x in server.log if x.source == "openalex")


def test_paper_no_source_knows_stays_unresolved_with_reason(project, server, world):
    rammer = "Rammer: Enabling Holistic Deep Learning Compiler Optimizations with rTasks"
    world.find(rammer).hidden_from = ["s2", "dblp", "crossref", "openalex", "arxiv"]
    assert main(["run"]) == 0
    e = entries(project)[rammer]
    assert not e["status"]["resolved"]
    assert e["status"]["reason"]
    assert e["ids"]["doi"] is None and e["ids"]["arxiv"] is None
    assert e["title"] == rammer and e["provenance"]["title"] == "list"  # the list's data, never a guess
    bib = (project / "exports" / "references.bib").read_text()
    assert "ma2020rammer" in bib


def test_source_ids_are_recorded_with_their_provenance(project, server, world):
    assert main(["run"]) == 0
    taso = entries(project)["TASO: The Tensor Algebra SuperOptimizer for Deep Learning"]
    truth = world.find("10.1145/3341301.3359630")
    assert taso["ids"]["openalex"] == truth.openalex_id and taso["provenance"]["ids.openalex"] == "openalex"
    assert taso["ids"]["s2"] == truth.s2_id and taso["provenance"]["ids.s2"] == "s2"


HEIMDALL = "Heimdall: mobile GPU coordination platform for augmented reality applications"
HEIMDALL_DOI, SPINN_DOI = "10.1145/3372224.3419192", "10.1145/3372224.3419194"


def _link_heimdall_to_spinn(project):
    raw = project / "data" / "raw.md"
    raw.write_text(raw.read_text().replace(f"https://dl.acm.org/doi/pdf/{HEIMDALL_DOI}?casa_token",
                                           f"https://dl.acm.org/doi/pdf/{SPINN_DOI}?casa_token"))


def _all_down(server, project):
    """Every source down, and no cached answer to stand in for them."""
    shutil.rmtree(project / "cache", ignore_errors=True)
    for source in ("s2", "crossref", "openalex", "arxiv", "dblp"):
        server.inject(source, [("down",)])


def _bib_entry(project, key):
    bib = (project / "exports" / "references.bib").read_text()
    return next(b for b in bib.split("\n@") if f"{{{key}," in b)


def test_refuted_list_link_stays_refuted_offline_and_with_every_source_down(project, server):
    """Issue 13 item 2: the online run shows the list's DOI is SPINN's and finds Heimdall's
    own by title; an offline run, a full run and a refresh with every source down keep the
    verified DOI and never bring the refuted one back, in enriched.json or the exports."""
    _link_heimdall_to_spinn(project)
    assert main(["run"]) == 0
    online = entries(project)[HEIMDALL]
    assert online["ids"]["doi"] == HEIMDALL_DOI and online["status"]["resolved"]
    assert online["status"]["refuted"] == [f"doi:{SPINN_DOI}"]
    key = online["key"]
    for argv in (["run", "--offline"], ["run"], ["refresh", "--max-age", "0"]):
        if argv == ["run"]:
            _all_down(server, project)
        assert main(argv) == 0, argv
        e = entries(project)[HEIMDALL]
        assert e["ids"] == online["ids"], argv
        assert e["status"]["resolved"] and e["status"]["refuted"] == [f"doi:{SPINN_DOI}"], argv
        assert e["list"]["url"].startswith(f"https://dl.acm.org/doi/pdf/{SPINN_DOI}")  # the list's view kept
        bib = _bib_entry(project, key)
        assert SPINN_DOI not in bib and f"url = {{https://doi.org/{HEIMDALL_DOI}}}" in bib, argv
        csl = json.loads((project / "exports" / "references.csl.json").read_text())
        item = next(i for i in csl if i["id"] == key)
        assert item["DOI"] == HEIMDALL_DOI and item["URL"] == f"https://doi.org/{HEIMDALL_DOI}", argv


def test_refuted_list_link_of_an_unresolved_paper_is_never_regained(project, server, world):
    """The TASO case: the list's identifier is refuted and nothing else is found.  Offline
    and with the sources down the entry gains no DOI, and the list's link (another paper)
    is not exported as its url."""
    _link_heimdall_to_spinn(project)
    world.find(HEIMDALL_DOI).hidden_from = ["s2", "dblp", "crossref", "openalex", "arxiv"]
    assert main(["run"]) == 0
    online = entries(project)[HEIMDALL]
    assert not online["status"]["resolved"] and online["ids"]["doi"] is None
    key = online["key"]
    for argv in (["run", "--offline"], ["run"]):
        if argv == ["run"]:
            _all_down(server, project)
        assert main(argv) == 0, argv
        e = entries(project)[HEIMDALL]
        assert e["ids"]["doi"] is None, argv
        assert e["status"]["refuted"] == [f"doi:{SPINN_DOI}"], argv
        assert SPINN_DOI not in _bib_entry(project, key), argv
        item = next(i for i in json.loads((project / "exports" / "references.csl.json").read_text())
                    if i["id"] == key)
        assert "DOI" not in item and "URL" not in item, argv


def test_offline_without_previous_data_still_uses_the_lists_identifiers(project, server):
    """Decoy for the rule above: only what a run refuted is kept out.  A first run that
    cannot check anything uses the list's identifiers, and a list link changed after an
    online run is taken offline."""
    assert main(["run", "--offline"]) == 0
    assert entries(project)[HEIMDALL]["ids"]["doi"] == HEIMDALL_DOI
    assert main(["run"]) == 0
    taso = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"
    raw = project / "data" / "raw.md"
    raw.write_text(raw.read_text().replace("https://dl.acm.org/doi/abs/10.1145/3341301.3359630",
                                           "https://arxiv.org/abs/2001.00001"))
    assert main(["run", "--offline"]) == 0
    e = entries(project)[taso]
    assert e["ids"]["doi"] == "10.1145/3341301.3359630"  # verified online: never replaced
    assert e["ids"]["arxiv"] == "2001.00001"  # the list's new link: nothing refuted it


def test_reprint_doi_in_the_list_gives_way_to_the_proceedings_doi(project, server, world):
    """Issue 13 item 3: Neurosurgeon's list link is its SIGARCH Computer Architecture News
    reprint DOI.  S2 and OpenAlex answer to it with the ASPLOS paper; the export is ASPLOS
    with the ASPLOS proceedings DOI, the reprint kept in ids.other_dois, and every batch
    answer (S2, OpenAlex, Crossref) mapped back to the entry."""
    truth = world.find("10.1145/3093337.3037698")
    assert main(["run"]) == 0
    e = entries(project)["Neurosurgeon: Collaborative intelligence between the cloud and mobile edge"]
    assert e["ids"]["doi"] == truth.doi == "10.1145/3037697.3037698"
    assert e["ids"]["other_dois"] == ["10.1145/3093337.3037698"]
    assert e["venue"] == truth.container and e["provenance"]["venue"] == "crossref"
    assert e["abstract"] == truth.abstract
    assert e["ids"]["openalex"] == truth.openalex_id and e["citations"]["second_source"] == "openalex"
    assert any("3037697.3037698 matches the venue" in w for w in e["status"]["warnings"])
    bib = _bib_entry(project, e["key"])
    assert bib.startswith("inproceedings{") and "3093337" not in bib
    assert "doi = {10.1145/3037697.3037698}" in bib
    crossref_dois = [q for x in server.log if x.source == "crossref" for q in [x.query]]
    assert any("3037697.3037698" in q for q in crossref_dois)
    # an offline run keeps both DOIs, the canonical one first
    assert main(["run", "--offline"]) == 0
    again = entries(project)["Neurosurgeon: Collaborative intelligence between the cloud and mobile edge"]
    assert again["ids"] == e["ids"]


def test_paper_listed_under_its_reprint_doi_is_mapped_back_when_s2_does_not_know_it(project, server, world):
    """S2 does not know Neurosurgeon: Crossref confirms the list's reprint DOI (a SIGARCH CAN
    record), OpenAlex's batch answer carries the proceedings DOI, with the reprint only as one
    of its locations, and is mapped back by it.  The proceedings DOI then wins, Crossref is
    asked for it, and the abstract comes from OpenAlex."""
    truth = world.find("10.1145/3093337.3037698")
    truth.hidden_from = ["s2"]
    assert main(["run"]) == 0
    e = entries(project)["Neurosurgeon: Collaborative intelligence between the cloud and mobile edge"]
    assert e["status"]["resolved"]
    assert (e["ids"]["doi"], e["ids"]["other_dois"]) == ("10.1145/3037697.3037698", ["10.1145/3093337.3037698"])
    assert e["ids"]["openalex"] == truth.openalex_id and e["abstract"] == truth.abstract
    assert e["provenance"]["abstract"] == "openalex"
    assert e["venue"] == truth.container and e["provenance"]["venue"] == "crossref"
    assert _bib_entry(project, e["key"]).startswith("inproceedings{")


def test_openalex_answer_for_another_paper_is_not_mapped_to_a_work(project, server, world):
    """Decoy for mapping by any identifier: a paper whose DOI OpenAlex does not know gets no
    OpenAlex record, even when the same batch returns other works."""
    truth = world.find("10.1145/3341301.3359630")  # TASO
    truth.hidden_from = ["openalex"]
    assert main(["run"]) == 0
    e = entries(project)["TASO: The Tensor Algebra SuperOptimizer for Deep Learning"]
    assert e["ids"]["openalex"] is None and "openalex" not in e["provenance"].values()
    assert e["citations"]["second_source"] is None


def test_title_searched_paper_stays_resolved_when_every_source_is_down(project, server):
    """A paper found by title search (no identifier in its URL) keeps its verified ids and
    stays resolved in a full run with every source down and nothing cached."""
    pet = "PET: Optimizing Tensor Programs with Partially Equivalent Transformations and Automated Corrections"
    assert main(["run"]) == 0
    online = entries(project)[pet]
    assert online["status"]["resolved"] and online["ids"]["doi"] is None and online["ids"]["s2"]
    assert online["list"]["url"] and "doi" not in online["list"]["url"]
    _all_down(server, project)
    assert main(["run"]) == 0
    e = entries(project)[pet]
    assert e["status"]["resolved"] and e["ids"] == online["ids"]
    assert e["status"]["reason"] is None


def test_offline_and_sources_down_after_online_keep_every_id_and_status(project, server):
    """How issue 13 is checked: an offline run after the online one, compared ID by ID (and a
    full run with every source down and nothing cached, the same)."""
    _link_heimdall_to_spinn(project)  # one refuted list link among them
    assert main(["run"]) == 0
    online = entries(project)
    assert main(["run", "--offline"]) == 0
    offline = entries(project)
    _all_down(server, project)
    assert main(["run"]) == 0
    down = entries(project)
    for title, e in online.items():
        for later in (offline, down):
            assert later[title]["ids"] == e["ids"], title
            assert later[title]["status"]["resolved"] == e["status"]["resolved"], title
            assert later[title]["status"]["refuted"] == e["status"]["refuted"], title
