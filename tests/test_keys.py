"""Citation keys (pipeline.keys): shape, transliteration, collisions, stability."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from pipeline.keys import ascii_fold, assign_keys, base_key
from pipeline.models import Person

JIA = Person("Zhihao Jia", "Zhihao", "Jia")
LIBERIS = Person("Edgar Liberis", "Edgar", "Liberis")


def test_seed_examples():
    assert base_key([JIA], 2019, "TASO: The Tensor Algebra SuperOptimizer for Deep Learning") == "jia2019taso"
    # μ is transliterated "mu" (documented in pipeline/keys.py)
    assert base_key([LIBERIS], 2021, "μNAS: Constrained Neural Architecture Search for Microcontrollers") == (
        "liberis2021munas"
    )
    yeung = Person("Gingfung Yeung", "Gingfung", "Yeung")
    assert base_key([yeung], 2021, "Horus: Interference-aware and prediction-based scheduling") == "yeung2021horus"


def test_stop_words_skipped_and_unknowns():
    assert base_key([JIA], 2020, "On the Importance of Being Earnest") == "jia2020importance"
    assert base_key([JIA], 2020, "Towards a Theory of Everything") == "jia2020theory"
    assert base_key([JIA], None, "A Survey") == "jiandsurvey"
    assert base_key([], 2018, "The GPU Book") == "anon2018gpu"
    assert base_key([], None, "Of The") == "anonndof"  # only stop words: first word


def test_non_ascii_family_names():
    assert base_key([Person("Łukasz Dudziak", "Łukasz", "Dudziak")], 2021, "x") == "dudziak2021x"
    assert base_key([Person("Ł Łukasiewicz", "Ł", "Łukasiewicz")], 1920, "Über Logik") == "lukasiewicz1920uber"
    assert base_key([Person("Jan van der Müller-Øst", "Jan", "van der Müller-Øst")], 2001, "ß") == (
        "vandermullerost2001ss"
    )
    # unsplit name: last word of the display name
    assert base_key([Person("Grace Hopper")], 1952, "Compilers") == "hopper1952compilers"


def test_software_key_is_first_word_of_title():
    assert base_key([], None, "TVM", software=True) == "tvm"
    assert base_key([], None, "KubeEdge", software=True) == "kubeedge"


def test_ascii_fold_table_and_nfkd():
    assert ascii_fold("Łukasz Dudziak μNAS Ümit naïve ﬁne") == "lukasz dudziak munas umit naive fine"


@given(st.lists(st.builds(Person, st.text(max_size=12), st.none() | st.text(max_size=6),
                          st.none() | st.text(max_size=8)),
                max_size=3),
       st.none() | st.integers(1900, 2100), st.text(max_size=40))
def test_keys_always_safe_ascii(authors, year, title):
    assert re.fullmatch(r"[a-z0-9]+", base_key(authors, year, title))


def test_collisions_get_letter_suffixes_in_list_order():
    items = [("p1", "jia2019taso"), ("p2", "jia2019taso"), ("p3", "jia2019taso"), ("p4", "lane2021x")]
    assert assign_keys(items, {}) == {
        "p1": "jia2019taso", "p2": "jia2019tasoa", "p3": "jia2019tasob", "p4": "lane2021x",
    }


def test_suffixes_go_past_z():
    items = [(f"p{i}", "k") for i in range(30)]
    keys = assign_keys(items, {})
    assert keys["p0"] == "k" and keys["p26"] == "kz" and keys["p27"] == "kaa"
    assert len(set(keys.values())) == 30


def test_reserved_keys_kept_when_new_colliding_entry_is_inserted_before():
    first = assign_keys([("old", "jia2019taso")], {})
    assert first == {"old": "jia2019taso"}
    # next run: a new work with the same base key now comes *before* it
    second = assign_keys([("new", "jia2019taso"), ("old", "jia2019taso")], reserved=first)
    assert second == {"new": "jia2019tasoa", "old": "jia2019taso"}


def test_reserved_key_of_a_removed_entry_is_not_reused():
    keys = assign_keys([("b", "smith2020x")], reserved={"gone": "smith2020x"})
    assert keys == {"b": "smith2020xa"}


def test_reserved_keys_kept_as_is_even_if_base_changed():
    # metadata of "p" changed since (year fixed) but its key stays
    keys = assign_keys([("p", "jia2020taso"), ("q", "jia2019taso")], reserved={"p": "jia2019taso"})
    assert keys == {"p": "jia2019taso", "q": "jia2019tasoa"}


def test_adding_entries_never_changes_existing_keys():
    items = [("a", "x2020y"), ("b", "x2020y"), ("c", "z2021w")]
    run1 = assign_keys(items, {})
    run2 = assign_keys([("n1", "x2020y")] + items[:2] + [("n2", "z2021w")] + items[2:], reserved=run1)
    assert {k: run2[k] for k in run1} == run1
    assert len(set(run2.values())) == len(run2)


def test_many_collisions_same_keys_as_first_free_suffix():
    """The resumable suffix search (O(k) per base) hands out exactly what a
    search from "a" each time would: the first free suffix, reserved ones skipped."""
    from pipeline.keys import _suffix

    reserved = {"r1": "ka", "r2": "kc", "r3": "kzz", "r4": "kb1"}
    items = [(f"p{i}", "k") for i in range(3000)] + [("q", "kb"), ("s", "kb1")]
    got = assign_keys(items, reserved)
    taken, want = set(reserved.values()), {}
    for ident, base in items:
        key = base
        n = 1
        while key in taken:
            key, n = base + _suffix(n), n + 1
        taken.add(key)
        want[ident] = key
    assert got == want
    assert got["p0"] == "k" and got["p1"] == "kb" and got["p2"] == "kd"


# --- provisional keys ----------------------------------------------------------


def _entry(key, *, list_authors=(), list_year=None, authors=(), year=None, title="On the Foo of Bar",
           kind="paper"):
    from pipeline.models import Entry, ListInfo

    info = ListInfo(title=title, url=None, authors=list(list_authors), et_al=False, venue=None, year=list_year,
                    sections=[], lines=[1])
    return Entry(key=key, kind=kind, list=info, title=title, authors=list(authors), year=year)


def test_placeholder_keys_settle_once_year_and_author_are_known():
    from pipeline.keys import is_provisional, settle_keys

    smith = Person("Ann Smith", "Ann", "Smith")
    no_year = _entry("smithndfoo", list_authors=[smith], authors=[smith], year=2021)
    nobody = _entry("anonndfoo", authors=[Person("Wei Jia", "Wei", "Jia")], year=2019)
    nobody_b = _entry("anonndfooa", authors=[Person("Wei Jia", "Wei", "Jia")], year=2019)
    still = _entry("anon2020foo", list_year=2020, year=2020)  # no author known yet: stays provisional
    fixed = _entry("anonndfoob", authors=[smith], year=2020)  # an override set this key
    assert all(is_provisional(e.key, e) for e in (no_year, nobody, nobody_b, still, fixed))
    renamed = settle_keys([no_year, nobody, nobody_b, still, fixed], taken={"jia2019foo"}, fixed={"anonndfoob"})
    # jia2019foo belonged to the previous run (a removed entry): never reused
    assert renamed == {"smithndfoo": "smith2021foo", "anonndfoo": "jia2019fooa", "anonndfooa": "jia2019foob"}
    assert [e.key for e in (no_year, nobody, nobody_b, still, fixed)] == [
        "smith2021foo", "jia2019fooa", "jia2019foob", "anon2020foo", "anonndfoob"]


def test_settled_and_ordinary_keys_never_change():
    from pipeline.keys import is_provisional, settle_keys

    smith = Person("Ann Smith", "Ann", "Smith")
    settled = _entry("smith2021foo", list_authors=[smith], authors=[smith], year=2022)  # year corrected later
    ordinary = _entry("smith2019foo", list_authors=[smith], list_year=2019, authors=[smith], year=2020)
    software = _entry("tvm", title="TVM", kind="software", authors=[smith], year=2020)
    assert not any(is_provisional(e.key, e) for e in (settled, ordinary, software))
    assert settle_keys([settled, ordinary, software], taken=set()) == {}
    assert [settled.key, ordinary.key, software.key] == ["smith2021foo", "smith2019foo", "tvm"]


def test_a_run_settles_a_provisional_key_once_and_reports_it(tmp_path):
    """Through the whole offline run: the list gives no year, so the key is
    provisional; once the year is known (here from an override) the key
    settles, CHANGES.md reports the change, and later runs keep it."""
    from pipeline.run import RunOptions, run_pipeline

    text = "# L\n\n## Papers\n\n- [On the Foo of Bar](https://example.org/foo) by Smith, Ann\n"
    (tmp_path / "list.md").write_text(text, encoding="utf-8")
    opts = RunOptions(input=tmp_path / "list.md", enriched=tmp_path / "enriched.json", exports=tmp_path / "exports",
                      overrides=tmp_path / "overrides.toml", offline=True)
    first = run_pipeline(opts)
    assert [e.key for e in first.entries] == ["smithndfoo"]
    (tmp_path / "overrides.toml").write_text("[entry.smithndfoo.set]\nyear = 2021\n", encoding="utf-8")
    second = run_pipeline(opts)
    assert [e.key for e in second.entries] == ["smith2021foo"]
    changes_md = (tmp_path / "exports" / "CHANGES.md").read_text(encoding="utf-8")
    assert "key" in changes_md and "smithndfoo" in changes_md and "smith2021foo" in changes_md
    assert "smith2021foo" in (tmp_path / "exports" / "references.bib").read_text(encoding="utf-8")
    third = run_pipeline(opts)  # settled: the override table's old name no longer changes anything
    assert [e.key for e in third.entries] == ["smith2021foo"]


def test_a_key_set_by_an_override_is_reported_as_a_key_change(tmp_path):
    from pipeline.run import RunOptions, run_pipeline

    text = "# L\n\n## Papers\n\n- [On the Foo of Bar](https://example.org/foo) by Smith, Ann, Venue 2020\n"
    (tmp_path / "list.md").write_text(text, encoding="utf-8")
    opts = RunOptions(input=tmp_path / "list.md", enriched=tmp_path / "enriched.json", exports=tmp_path / "exports",
                      overrides=tmp_path / "overrides.toml", offline=True)
    assert [e.key for e in run_pipeline(opts).entries] == ["smith2020foo"]
    (tmp_path / "overrides.toml").write_text('[entry.smith2020foo]\nkey = "foo2020"\n', encoding="utf-8")
    second = run_pipeline(opts)
    assert [e.key for e in second.entries] == ["foo2020"]
    assert not second.report.added and not second.report.removed
    assert [(c.field, c.old, c.new) for c in second.report.changed] == [("key", "smith2020foo", "foo2020")]
