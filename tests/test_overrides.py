"""data/overrides.toml: parsing, line-accurate errors, applying to entries.
All TOML texts and entries here are synthetic."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.models import Entry, Ids, ListInfo, Person
from pipeline.overrides import (
    apply_overrides,
    is_rejected,
    load_overrides,
    locked_fields,
    parse_overrides,
    restore_locked,
)

ROOT = Path(__file__).resolve().parents[1]

VALID = textwrap.dedent("""\
    # synthetic
    [entry.jia2019taso]
    doi = "https://doi.org/10.1145/3341301.3359630"
    arxiv = "arXiv:2006.06762v2"
    s2 = "ABCDEF0123456789ABCDEF0123456789ABCDEF01"
    openalex = "https://openalex.org/w2981796843"
    dblp = "conf/sosp/JiaPTWZA19"
    reject = ["10.1145/0000000.0000000", "arXiv:2101.00001v3", "DOI:10.1145/ZZZ"]
    key = "jia2019taso_sosp"
    lock = ["venue", "abstract"]

    [entry.jia2019taso.set]
    title = "TASO"
    authors = ["Zhihao Jia", "Padon, Oded", "Ludwig van Beethoven", "Madonna"]
    year = 2019
    venue = "SOSP"
    venue_type = "conference"
    volume = 12

    [entry.other2020]
    set.pages = "1-10"
    """)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "overrides.toml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_overrides(write(tmp_path, text))
    assert info.value.path.endswith("overrides.toml")
    return info.value


def make_entry(**kw) -> Entry:
    info = ListInfo(title="taso", url=None, authors=[], et_al=False, venue=None, year=None,
                    sections=[["Papers"]], lines=[3])
    base = dict(key="jia2019taso", kind="paper", list=info, title="Taso (old)",
                venue="Proc. SOSP", ids=Ids(arxiv="2006.06762", arxiv_version=1, s2="f" * 40),
                provenance={"title": "s2", "venue": "crossref"})
    base.update(kw)
    return Entry(**base)


def test_missing_file_gives_no_overrides(tmp_path):
    ov = load_overrides(tmp_path / "nope.toml")
    assert ov.entries == {}
    assert ov.get("anything") is None


def test_valid_file_is_parsed_and_normalised(tmp_path):
    ovs = load_overrides(write(tmp_path, VALID))
    assert list(ovs.entries) == ["jia2019taso", "other2020"]
    ov = ovs.entries["jia2019taso"]
    assert ov.line == 2
    assert ov.ids == Ids(doi="10.1145/3341301.3359630", arxiv="2006.06762", arxiv_version=2,
                         s2="abcdef0123456789abcdef0123456789abcdef01", openalex="W2981796843",
                         dblp="conf/sosp/JiaPTWZA19")
    assert ov.reject == ["arxiv:2101.00001", "doi:10.1145/0000000.0000000", "doi:10.1145/zzz",
                         "doi:10.48550/arxiv.2101.00001"]
    assert ov.key == "jia2019taso_sosp"
    assert ov.lock == ["abstract", "venue"]
    assert locked_fields(ov) == {"abstract", "venue"}
    assert ov.set.authors == [
        Person("Zhihao Jia", "Zhihao", "Jia"),
        Person("Oded Padon", "Oded", "Padon"),
        Person("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        Person("Madonna"),
    ]
    assert dict(ov.set.items()) == {"title": "TASO", "authors": ov.set.authors, "year": 2019,
                                    "venue": "SOSP", "venue_type": "conference", "volume": "12"}
    assert dict(ovs.entries["other2020"].set.items()) == {"pages": "1-10"}
    # found by the assigned key and by the key it was renamed to
    assert ovs.get("jia2019taso") is ov and ovs.get("jia2019taso_sosp") is ov


def test_shipped_example_is_inactive_and_valid_once_uncommented():
    path = ROOT / "data" / "overrides.toml"
    assert load_overrides(path).entries == {}
    text = path.read_text(encoding="utf-8")
    uncommented = "\n".join(re.sub(r"^# (?=\[|[a-z_0-9]+ = )", "", line) for line in text.splitlines())
    ov = parse_overrides(uncommented, str(path)).entries["jia2019taso"]
    assert ov.ids.doi == "10.1145/3341301.3359630" and ov.lock == ["venue"]
    assert ov.set.venue == "SOSP" and ov.set.year == 2019


@pytest.mark.parametrize(
    "text, line, words",
    [
        # TOML syntax: the line tomllib reports
        ('[entry.a]\ndoi = "10.1/x"\nyear = \n', 3, "Invalid value"),
        ('[entry.a]\nkey = "a1"\nkey = "a2"\n', 3, "Cannot overwrite"),
        ('[entry.a]\ntitle = "unterminated\n', 2, "Illegal character"),
        ('[entry.a]\nabstract = """abc\nmore\n', 3, "Unterminated string"),  # end of document
        # unknown tables and fields
        ('[entry.a]\nkey = "a1"\n\n[settings]\nx = 1\n', 4, "unknown table or key 'settings'"),
        ('[entry.a]\nkey = "a1"\ndio = "10.1145/1"\n', 3, "unknown field 'dio'"),
        ('[entry.a]\nkey = "a1"\n[entry.a.set]\nyear = 2019\nvenu = "X"\n', 5, "unknown field 'venu'"),
        ('[entry.a]\nlock = ["venue", "citations"]\n', 2, "unknown field 'citations'"),
        ('entry.a = "x"\n', 1, "must be a table"),
        ('[entry.a]\nset = "x"\n', 2, "must be a table"),
        # invalid identifiers
        ('[entry.a]\n\ndoi = "10.1145"\n', 3, "not a DOI"),
        ('[entry.a]\narxiv = "1234.56789"\n', 2, "not an arXiv id"),
        ('[entry.a]\ns2 = "abc"\n', 2, "not a Semantic Scholar paperId"),
        ('[entry.a]\nopenalex = "A123"\n', 2, "not an OpenAlex work id"),
        ('[entry.a]\ndblp = "Jia 2019"\n', 2, "not a DBLP key"),
        ('[entry.a]\nreject = ["10.1145/1", "nonsense"]\n', 2, "not a DOI, arXiv id or Semantic"),
        # wrong types and values
        ('[entry.a]\ndoi = 10\n', 2, "must be a non-empty string"),
        ('[entry.a]\nreject = "10.1145/1"\n', 2, "must be a list of non-empty strings"),
        ('[entry.a]\n[entry.a.set]\ntitle = "T"\nyear = "2019"\n', 4, "four-digit integer year"),
        ('[entry.a]\n[entry.a.set]\nyear = true\n', 3, "four-digit integer year"),
        ('[entry.a]\n[entry.a.set]\nauthors = "Zhihao Jia"\n', 3, "list of non-empty strings"),
        ('[entry.a]\n[entry.a.set]\nvenue_type = "workshop"\n', 3, "not one of conference"),
        ('[entry.a]\n[entry.a.set]\nurl = "dl.acm.org/x"\n', 3, "not an http(s) URL"),
        ('[entry.a]\nkey = "jia 2019"\n', 2, "not a usable citation key"),
        # the same key after renaming
        ('[entry.a]\nkey = "k"\n\n[entry.b]\ntitle.x = 1\n', 5, "unknown field 'title'"),
        ('[entry.a]\nkey = "k"\n\n[entry.b]\nkey = "k"\n', 5, "'k' is already used by entry.a"),
        ('[entry.a]\nkey = "b"\n\n[entry.b]\nlock = ["venue"]\n', 4, "'b' is already used by entry.a"),
        # dotted and inline forms point at their own line
        ('[entry]\na.key = "x"\na.set.year = "x"\n', 3, "four-digit integer year"),
        ('[entry]\na = {key = "x", dio = "y"}\n', 2, "unknown field 'dio'"),
        ('[entry."odd = key"]\nabstract = """\ndoi = 1\n"""\n', 2, "unknown field 'abstract'"),
    ],
)
def test_every_error_names_its_line(tmp_path, text, line, words):
    err = error_of(tmp_path, text)
    assert err.line == line, str(err)
    assert words in err.message
    assert str(err).startswith(f"{err.path}:{line}: ")


def test_not_utf8_is_an_input_error(tmp_path):
    p = tmp_path / "overrides.toml"
    p.write_bytes(b'[entry.a]\ntitle = "\xff"\n')
    with pytest.raises(InputError, match="not UTF-8"):
        load_overrides(p)


def test_apply_sets_fields_pins_ids_renames_and_marks_provenance(tmp_path):
    ov = load_overrides(write(tmp_path, VALID)).entries["jia2019taso"]
    entry = make_entry()
    out = apply_overrides(entry, ov)

    assert out.key == "jia2019taso_sosp"
    assert (out.title, out.year, out.venue, out.venue_type, out.volume) == (
        "TASO", 2019, "SOSP", "conference", "12")
    assert [a.name for a in out.authors][:2] == ["Zhihao Jia", "Oded Padon"]
    assert out.ids.doi == "10.1145/3341301.3359630"
    assert (out.ids.arxiv, out.ids.arxiv_version) == ("2006.06762", 2)
    assert out.ids.openalex == "W2981796843"
    assert out.ids.s2 == "abcdef0123456789abcdef0123456789abcdef01"
    assert out.provenance == {
        "authors": "override", "ids.arxiv": "override", "ids.dblp": "override",
        "ids.doi": "override", "ids.openalex": "override", "ids.s2": "override",
        "key": "override", "title": "override", "venue": "override",
        "venue_type": "override", "volume": "override", "year": "override",
    }
    assert list(out.provenance) == sorted(out.provenance)
    # the input is not modified, fields not overridden are kept
    assert entry.key == "jia2019taso" and entry.title == "Taso (old)" and entry.ids.doi is None
    assert entry.provenance == {"title": "s2", "venue": "crossref"}


def test_apply_pin_without_version_keeps_version_of_same_arxiv_id_only():
    same = parse_overrides('[entry.jia2019taso]\narxiv = "2006.06762"\n').entries["jia2019taso"]
    assert apply_overrides(make_entry(), same).ids.arxiv_version == 1
    other = parse_overrides('[entry.jia2019taso]\narxiv = "2101.00001"\n').entries["jia2019taso"]
    out = apply_overrides(make_entry(), other)
    assert (out.ids.arxiv, out.ids.arxiv_version) == ("2101.00001", None)
    assert out.provenance["ids.arxiv"] == "override" and "key" not in out.provenance


def test_is_rejected_matches_normalised_ids_only():
    ov = parse_overrides(
        '[entry.a]\nreject = ["10.1145/ABC.1", "arXiv:2101.00001v2", "%s"]\n' % ("A" * 40)
    ).entries["a"]
    assert is_rejected(ov, doi="https://doi.org/10.1145/abc.1")
    assert is_rejected(ov, arxiv="2101.00001v5")
    assert is_rejected(ov, doi="10.48550/arXiv.2101.00001")  # the arXiv DOI of a rejected id
    assert is_rejected(ov, s2="a" * 40)
    assert is_rejected(ov, doi="10.1145/other", arxiv="2101.00001")
    assert not is_rejected(ov, doi="10.1145/abc.2", arxiv="2101.00002", s2="b" * 40)
    assert not is_rejected(ov)
    assert not is_rejected(None, doi="10.1145/abc.1")


def test_arxiv_doi_rejection_covers_the_arxiv_id():
    ov = parse_overrides('[entry.a]\nreject = ["10.48550/arXiv.2101.00001", "%s"]\n' % ("B" * 40)
                         ).entries["a"]
    assert ov.reject == ["arxiv:2101.00001", "doi:10.48550/arxiv.2101.00001", "s2:" + "b" * 40]
    assert is_rejected(ov, arxiv="arXiv:2101.00001")
    assert not is_rejected(ov, doi="not a doi", arxiv="nor an arxiv id")


def test_restore_locked_keeps_previous_values_and_provenance():
    ov = parse_overrides('[entry.jia2019taso]\nlock = ["venue", "abstract"]\n').entries["jia2019taso"]
    old = make_entry(venue="SOSP '19", abstract=None, provenance={"venue": "override"})
    new = make_entry(venue="Proceedings of SOSP", abstract="We...",
                     provenance={"venue": "crossref", "abstract": "s2", "title": "s2"})
    out = restore_locked(new, old, ov)
    assert (out.venue, out.abstract) == ("SOSP '19", None)
    assert out.provenance == {"venue": "override", "title": "s2"}
    assert restore_locked(new, None, ov).venue == "Proceedings of SOSP"
    assert locked_fields(None) == set()


# ------------------------------------------------------------ what the rest accepts


@pytest.mark.parametrize("key", ["jia+2019", "conf/sosp/jia", "_jia", "jia2019é"])
def test_a_key_the_schema_would_refuse_is_refused_here_with_its_line(tmp_path, key):
    import json

    from pipeline.overrides import KEY_PATTERN

    schema = json.loads((ROOT / "pipeline" / "schemas" / "enriched.schema.json").read_text())
    assert schema["$defs"]["entry"]["properties"]["key"]["pattern"] == KEY_PATTERN  # one pattern
    assert not re.search(KEY_PATTERN, key)
    err = error_of(tmp_path, f'# synthetic\n[entry.a]\nkey = "{key}"\n')
    assert err.line == 3 and "not a usable citation key" in err.message


def test_sizes_are_bounded_and_named(tmp_path):
    import time

    from pipeline.overrides import MAX_FILE_BYTES, MAX_LIST_ITEMS, MAX_STRING_CHARS

    start = time.monotonic()  # a 5 MB value is refused at once, not escaped for minutes
    err = error_of(tmp_path, '[entry.a]\n[entry.a.set]\nabstract = "' + "x" * 5_000_000 + '"\n')
    assert time.monotonic() - start < 5 and "MAX_FILE_BYTES" in err.message
    err = error_of(tmp_path, '[entry.a]\n[entry.a.set]\nabstract = "' + "x" * (MAX_STRING_CHARS + 1) + '"\n')
    assert err.line == 3 and "MAX_STRING_CHARS" in err.message and f"{MAX_STRING_CHARS:,}" in err.message
    err = error_of(tmp_path, '[entry.a]\nreject = [' + ", ".join(['"10.1145/1"'] * (MAX_LIST_ITEMS + 1)) + "]\n")
    assert err.line == 2 and "MAX_LIST_ITEMS" in err.message
    assert "MAX_STRING_CHARS" in error_of(tmp_path, '[entry.a]\nreject = ["10.1/' + "y" * 20_000 + '"]\n').message
    big = tmp_path / "big.toml"
    big.write_text("# synthetic\n" + "#" * MAX_FILE_BYTES + "\n")
    with pytest.raises(InputError, match="MAX_FILE_BYTES"):
        load_overrides(big)


def test_tables_for_keys_no_entry_has_are_named_with_their_line():
    from pipeline.overrides import unused

    ov = parse_overrides('[entry.jia2019taso]\nkey = "taso"\n\n[entry.nosuch2020paper]\nlock = ["venue"]\n',
                         "data/overrides.toml")
    assert unused(ov, {"jia2019taso", "other"}) == [
        "data/overrides.toml:4: [entry.nosuch2020paper] matches no entry of the list; ignored"]
    assert unused(ov, {"taso", "nosuch2020paper"}) == []  # renamed keys count too


def test_reject_keys_are_built_in_one_place():
    from pipeline.overrides import reject_keys, rejects

    assert reject_keys(doi="https://doi.org/10.1145/ABC") == {"doi:10.1145/abc"}
    assert reject_keys(arxiv="arXiv:2006.06762v2") == {"arxiv:2006.06762", "doi:10.48550/arxiv.2006.06762"}
    assert reject_keys(doi="10.48550/arXiv.2006.06762") == reject_keys(arxiv="2006.06762")
    assert reject_keys(s2="ABCDEF0123456789ABCDEF0123456789ABCDEF01") == {"s2:abcdef0123456789abcdef0123456789abcdef01"}
    assert reject_keys(doi="not a doi", s2="short") == set()
    ov = parse_overrides('[entry.a]\nreject = ["arXiv:2006.06762"]\n').entries["a"]
    assert rejects(ov.reject, doi="10.48550/ARXIV.2006.06762") and not rejects(ov.reject, arxiv="2006.06763")
