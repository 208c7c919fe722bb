"""Scheduled refresh behaviour against the loopback API replicas (synthetic
world, see tests/fakeworld.py): overrides, removed and added entries, stable
keys, stale-only refetching."""

from __future__ import annotations

from pipeline.cli import main
from tests.conftest import entries

TASO = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"
HEIMDALL = "Heimdall: mobile GPU coordination platform for augmented reality applications"


def bib(project):
    return (project / "exports" / "references.bib").read_text()


def test_overrides_pin_reject_set_lock_and_rename(project, server):
    assert main(["run"]) == 0
    (project / "data" / "overrides.toml").write_text(
        '[entry.jia2019taso]\n'
        'key = "taso2019"\n'
        'lock = ["abstract"]\n'
        '[entry.jia2019taso.set]\n'
        'venue = "SOSP \'19"\n'
        '[entry.yi2020heimdall]\n'
        'reject = ["10.1145/3372224.3419192"]\n'
    )
    server.set_citations(TASO, 9999)
    assert main(["refresh", "--max-age", "0"]) == 0
    got = entries(project)
    taso, heimdall = got[TASO], got[HEIMDALL]
    assert taso["key"] == "taso2019" and "@inproceedings{taso2019," in bib(project)
    assert "jia2019taso" not in bib(project)
    assert taso["venue"] == "SOSP '19" and taso["provenance"]["venue"] == "override"
    assert taso["citations"]["count"] == 9999  # overrides do not freeze what they do not name
    # the rejected DOI is not used even though the list's URL carries it
    assert heimdall["ids"]["doi"] != "10.1145/3372224.3419192"
    # overrides survive the next refresh too
    assert main(["refresh", "--max-age", "0"]) == 0
    again = entries(project)[TASO]
    assert again["key"] == "taso2019" and again["venue"] == "SOSP '19"


def test_pinned_identifier_is_used_and_marked(project, server):
    (project / "data" / "overrides.toml").write_text(
        '[entry.wang2021pet]\n'
        'arxiv = "2006.06762"\n'
    )
    assert main(["run"]) == 0
    pet = entries(project)["PET: Optimizing Tensor Programs with Partially Equivalent Transformations "
                           "and Automated Corrections"]
    assert pet["ids"]["arxiv"] == "2006.06762" and pet["provenance"]["ids.arxiv"] == "override"


def test_malformed_overrides_is_an_error_naming_the_line_and_writes_nothing(project, server, capsys):
    (project / "data" / "overrides.toml").write_text('[entry.jia2019taso]\ndoi = "not a doi"\n')
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "overrides.toml:2" in err
    assert not (project / "data" / "enriched.json").exists()
    assert not (project / "exports").exists()


def test_removed_entries_leave_the_exports_and_are_reported(project, server):
    assert main(["run"]) == 0
    raw = project / "data" / "raw.md"
    lines = [line for line in raw.read_text().splitlines(keepends=True) if "Heimdall" not in line]
    raw.write_text("".join(lines))
    server.reset_log()
    assert main(["refresh"]) == 0
    assert sum(server.counts().values()) == 0  # nothing stale, nothing new
    assert HEIMDALL not in entries(project)
    assert "yi2020heimdall" not in bib(project)
    assert "yi2020heimdall" in (project / "exports" / "CHANGES.md").read_text()


def test_new_entry_elsewhere_changes_no_existing_key_and_only_it_is_fetched(project, server, world):
    assert main(["run"]) == 0
    before = {t: e["key"] for t, e in entries(project).items()}
    raw = project / "data" / "raw.md"
    # a second "Lin, Ji 2020" paper whose key would collide, inserted at the top of the papers
    new = ("- [MCUNetV2 Memory Efficient Patch Inference](https://arxiv.org/abs/2110.15352) "
           "by Lin, Ji, et al., arxiv 2020\n")
    text = raw.read_text().replace("### Survey\n", "### Survey\n" + new)
    raw.write_text(text)
    server.reset_log()
    assert main(["refresh"]) == 0
    after = {t: e["key"] for t, e in entries(project).items()}
    for title, key in before.items():
        assert after[title] == key, title
    assert after["MCUNetV2 Memory Efficient Patch Inference"] == "lin2020mcunetv2"
    # only the new entry was looked up
    assert server.counts()["crossref"] == 0 and server.counts()["openalex"] == 0


def test_list_edit_makes_the_entry_stale(project, server):
    assert main(["run"]) == 0
    raw = project / "data" / "raw.md"
    raw.write_text(raw.read_text().replace("by Zhihao Jia et al., SOSP 2019", "by Zhihao Jia et al., SOSP 2020"))
    server.reset_log()
    assert main(["refresh"]) == 0
    assert server.counts()["s2"] >= 1
    taso = entries(project)[TASO]
    assert taso["list"]["year"] == 2020 and taso["list"]["lines"] == [33, 37]
