"""Bad input never costs data: a list that yields no entries, or one that
would drop too many known entries, stops before writing anything (exit 2),
compared byte for byte.  The runs go against the loopback API replicas
(synthetic world, tests/fakeworld.py), so a guard that fired after the network
stage would show as requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import entries

HEIMDALL = "Heimdall: mobile GPU coordination platform for augmented reality applications"


def files(project: Path) -> dict[str, bytes]:
    """Every file the pipeline wrote (the HTTP cache aside), as bytes."""
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*"))
            if p.is_file() and "cache" not in p.relative_to(project).parts}


@pytest.fixture
def after_good_run(project, server):
    assert main(["run"]) == 0
    server.reset_log()
    return files(project)


@pytest.mark.parametrize("name,text,says", [
    ("empty.md", "", "the file is empty"),
    ("blank.md", "\n\n   \n", "the file is empty"),
    ("headings.md", "# Awesome list\n\n## Papers\n\n### Compilers\n\n## Projects\n", "only headings"),
    ("prose.md", "# List\n\nSome text about papers, but no links.\n", "no list item"),
    ("enriched.json", None, "looks like JSON"),
])
def test_a_list_without_entries_is_an_error_and_writes_nothing(project, server, after_good_run, capsys,
                                                               name, text, says):
    path = project / "data" / name
    if text is None:  # the enriched data given as the list by mistake
        path = project / "data" / "enriched.json"
    else:
        path.write_text(text, encoding="utf-8")
    before = files(project)
    for command in (["run"], ["refresh"], ["run", "--offline"], ["run", "--allow-removals"]):
        assert main([*command, "--input", str(path)]) == 2, command
        err = capsys.readouterr().err
        assert f"{path}: no entries found" in err and says in err, err
        assert "nothing was written" in err
        assert files(project) == before  # enriched.json (citation history) compared byte for byte
    assert sum(server.counts().values()) == 0


def test_removing_more_than_a_quarter_stops_and_names_them(project, server, after_good_run, capsys):
    raw = project / "data" / "raw.md"
    lines = raw.read_text().splitlines(keepends=True)
    papers = [line for line in lines if line.startswith("- [") and " by " in line]
    gone = set(papers[:20]) | {line for line in papers if "TASO" in line}
    raw.write_text("".join(line for line in lines if line not in gone))
    before = files(project)
    assert main(["refresh"]) == 2
    err = capsys.readouterr().err
    n_before = len(json.loads(before["data/enriched.json"])["entries"])
    assert f"of the {n_before} entries in data/enriched.json (more than 25%)" in err
    assert "jia2019taso: TASO" in err and "--allow-removals" in err
    assert files(project) == before
    assert sum(server.counts().values()) == 0  # stopped before any network work

    # a higher share lets it through; the removals are listed in CHANGES.md
    assert main(["refresh", "--max-removals-share", "0.9"]) == 0
    assert "TASO: The Tensor Algebra SuperOptimizer for Deep Learning" not in entries(project)
    changes = (project / "exports" / "CHANGES.md").read_text()
    assert "## Removed entries" in changes and "`jia2019taso`" in changes


def test_allow_removals_accepts_any_number(project, server, after_good_run):
    raw = project / "data" / "raw.md"
    text = raw.read_text()
    first = next(line for line in text.splitlines() if line.startswith("- [") and " by " in line)
    raw.write_text("# One paper left\n\n" + first + "\n")
    assert main(["run", "--offline"]) == 2
    assert main(["run", "--offline", "--allow-removals"]) == 0
    assert len(entries(project)) == 1
    changes = (project / "exports" / "CHANGES.md").read_text()
    assert "## Removed entries (45)" in changes


def test_a_few_removals_pass_and_are_reported(project, server, after_good_run):
    raw = project / "data" / "raw.md"
    raw.write_text("".join(line for line in raw.read_text().splitlines(keepends=True) if "Heimdall" not in line))
    assert main(["refresh"]) == 0
    assert HEIMDALL not in entries(project)
    assert "`yi2020heimdall`" in (project / "exports" / "CHANGES.md").read_text()


@pytest.mark.parametrize("value", ["1.5", "-0.1", "lots"])
def test_max_removals_share_must_be_a_share(project, capsys, value):
    assert main(["run", "--offline", "--max-removals-share", value]) == 2
    assert "not a share between 0 and 1" in capsys.readouterr().err


@pytest.mark.parametrize("text,line,words", [
    ('# synthetic\n[entry.jia2019taso]\nkey = "taso+sosp"\n', 3, "not a usable citation key"),
    ('[entry.jia2019taso]\nkey = "conf/sosp/taso"\n', 2, "not a usable citation key"),
    ('[entry.jia2019taso]\nlock = ["venue"]\n[entry.jia2019taso]\nlock = ["year"]\n', 3, "Cannot declare"),
    ('[entry.jia2019taso.set]\nabstract = "' + "x" * 20_000 + '"\n', 2, "MAX_STRING_CHARS"),
])
def test_bad_overrides_stop_before_any_network_work(project, server, after_good_run, capsys, text, line, words):
    (project / "data" / "overrides.toml").write_text(text, encoding="utf-8")
    before = files(project)
    assert main(["refresh", "--max-age", "0"]) == 2
    err = capsys.readouterr().err
    assert f"data/overrides.toml:{line}: " in err and words in err, err
    assert "enriched.json" not in err  # not blamed on the data file
    assert sum(server.counts().values()) == 0
    assert files(project) == before


def test_override_tables_for_unknown_keys_are_a_warning_naming_the_line(project, server, capsys):
    (project / "data" / "overrides.toml").write_text(
        '# synthetic\n[entry.jia2019taso.set]\nvenue = "SOSP"\n\n[entry.jia2019tasoo]\nlock = ["venue"]\n')
    assert main(["run", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "data/overrides.toml:5: [entry.jia2019tasoo] matches no entry of the list; ignored" in out
    assert "jia2019taso]" not in out.replace("[entry.jia2019tasoo]", "")
