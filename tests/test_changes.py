"""Change report of a refresh.  All entries here are synthetic."""

from __future__ import annotations

import copy

from pipeline.changes import (
    CitationDelta,
    EntryRef,
    FieldChange,
    ResolvedId,
    commit_message,
    compute_changes,
    render_markdown,
    render_text,
)
from pipeline.models import Citations, Entry, Ids, ListInfo, Person, Status

TODAY = "2024-05-06"


def entry(key: str, **kw) -> Entry:
    info = ListInfo(title=key, url=None, authors=[], et_al=False, venue=None, year=None,
                    sections=[["Papers"]], lines=[1])
    base = dict(key=key, kind="paper", list=info, title=f"Title of {key}",
                authors=[Person("Ada Lovelace")], year=2020, venue="SOSP",
                citations=Citations(count=10), status=Status(resolved=True))
    base.update(kw)
    return Entry(**base)


def pair():
    """A refresh with one of each kind of change."""
    old = [
        entry("gone2019", title="Gone *paper*"),
        entry("cite2020", citations=Citations(count=10)),
        entry("res2021", ids=Ids(s2="a" * 40)),
        entry("edit2022", abstract="Old abstract.", ids=Ids(doi="10.1/old")),
        entry("same2018"),
        entry("warn2017", status=Status(resolved=True, warnings=["year differs"])),
    ]
    new = [
        entry("cite2020", citations=Citations(count=15)),
        entry("res2021", ids=Ids(s2="a" * 40, doi="10.1145/3341301.3359630", arxiv="2006.06762")),
        entry("edit2022", title="Edited title", authors=[Person("Ada Lovelace"), Person("Alan Turing")],
              year=2021, venue="OSDI", abstract="New abstract.", ids=Ids(doi="10.1/new")),
        entry("same2018"),
        entry("warn2017", status=Status(resolved=True, warnings=["year differs", "venue differs"])),
        entry("add2023", title="Added paper", citations=Citations(count=3),
              status=Status(resolved=False, reason="no match above 0.9")),
    ]
    return old, new


def test_compute_changes_finds_every_kind_of_change():
    old, new = pair()
    r = compute_changes(old, new, {"s2": 12, "crossref": 3}, TODAY)
    assert r.added == [EntryRef("add2023", "Added paper")]
    assert r.removed == [EntryRef("gone2019", "Gone *paper*")]
    assert r.resolved == [ResolvedId("res2021", "doi", "10.1145/3341301.3359630"),
                          ResolvedId("res2021", "arxiv", "2006.06762")]
    assert r.changed == [
        FieldChange("edit2022", "title", "Title of edit2022", "Edited title"),
        FieldChange("edit2022", "authors", "Ada Lovelace", "Ada Lovelace, Alan Turing"),
        FieldChange("edit2022", "year", "2020", "2021"),
        FieldChange("edit2022", "venue", "SOSP", "OSDI"),
        FieldChange("edit2022", "abstract", note="abstract changed"),
        FieldChange("edit2022", "ids.doi", "10.1/old", "10.1/new"),
    ]
    # a new entry's first count is not a delta of an existing entry
    assert r.citations == [CitationDelta("cite2020", 10, 15)]
    assert r.citations[0].delta == 5
    assert [(w.key, w.message, w.new) for w in r.warnings] == [
        ("warn2017", "year differs", False), ("warn2017", "venue differs", True)]
    assert [(u.key, u.reason) for u in r.unresolved] == [("add2023", "no match above 0.9")]
    assert list(r.requests) == ["crossref", "s2"]
    assert r.has_changes


def test_abstract_added_removed_and_first_citation_count():
    old = [entry("a"), entry("b", abstract="x"), entry("c", citations=Citations())]
    new = [entry("a", abstract="Some long text"), entry("b"), entry("c", citations=Citations(count=4))]
    r = compute_changes(old, new, {}, TODAY)
    assert [c.note for c in r.changed] == ["abstract added", "abstract removed"]
    assert r.citations == [CitationDelta("c", None, 4)]
    assert r.citations[0].delta is None
    assert "4 (first count)" in render_text(r)
    assert "Some long text" not in render_markdown(r)


def test_no_changes_is_said_clearly_and_has_no_empty_sections():
    old, _ = pair()
    r = compute_changes(old, copy.deepcopy(old), {}, TODAY)
    assert not r.has_changes
    md = render_markdown(r)
    assert md == "# Changes 2024-05-06\n\nNo changes.\n\n## Warnings (1)\n\n- `warn2017`: year differs\n"
    assert commit_message(r).splitlines()[0] == "refresh: no changes to entries"
    assert render_text(compute_changes([], [], {}, TODAY)) == "Changes 2024-05-06: No changes\n"


def test_first_run_lists_every_entry_as_new():
    r = compute_changes(None, [entry("b"), entry("a")], {}, TODAY)
    assert [e.key for e in r.added] == ["a", "b"] and not r.citations


def test_markdown_is_deterministic_and_complete():
    old, new = pair()
    r1 = compute_changes(old, new, {"s2": 12, "crossref": 3}, TODAY)
    r2 = compute_changes(list(reversed(old)), list(reversed(new)), {"crossref": 3, "s2": 12}, TODAY)
    md = render_markdown(r1)
    assert md == render_markdown(r2)
    assert md.splitlines()[:3] == [
        "# Changes 2024-05-06", "",
        "1 new, 1 removed, 1 citation update, 2 newly resolved, 1 changed entry."]
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## New entries (1)", "## Removed entries (1)",
                        "## Newly resolved identifiers (2)", "## Changed fields (6)",
                        "## Citation counts (1)", "## Unresolved entries (1)", "## Warnings (2)",
                        "## Requests per source (2)"]
    assert "- `gone2019`: Gone \\*paper\\*" in md  # Markdown in titles is escaped
    assert "- `res2021`: DOI `10.1145/3341301.3359630`" in md
    assert "- `edit2022`: year: \u201c2020\u201d -> \u201c2021\u201d" in md
    assert "- `edit2022`: abstract changed" in md
    assert "- `cite2020`: 10 -> 15 (+5)" in md
    assert "- `warn2017`: venue differs (new)" in md
    assert "- crossref: 3" in md.splitlines()[-2]
    assert md.endswith("- s2: 12\n")


def test_text_rendering_for_terminal():
    old, new = pair()
    text = render_text(compute_changes(old, new, {"s2": 12}, TODAY))
    assert text.startswith(
        "Changes 2024-05-06: 1 new, 1 removed, 1 citation update, 2 newly resolved, 1 changed entry\n")
    assert "\nCitation counts (1):\n  cite2020: 10 -> 15 (+5)\n" in text
    assert '  edit2022: title: "Title of edit2022" -> "Edited title"' in text
    assert "`" not in text


def test_commit_message_subject_and_body():
    old, new = pair()
    msg = commit_message(compute_changes(old, new, {"s2": 12}, TODAY))
    subject, blank, *body = msg.splitlines()
    # the long form would exceed 72 characters: the short one is used
    assert subject == "refresh: 1 new, 1 removed, 1 citation, 2 resolved, 1 changed"
    assert len(subject) <= 72 and blank == ""
    assert body[0] == "Refresh of 2024-05-06."
    assert "- add2023: Added paper" in body
    assert "- cite2020: 10 -> 15 (+5)" in body
    # only warnings that are new in this refresh
    assert "New warnings:" in body and "- warn2017: venue differs" in body
    assert "- warn2017: year differs" not in body


def test_commit_subject_stays_within_72_characters_for_large_counts():
    old = [entry(f"k{i:04d}", citations=Citations(count=1), abstract="a") for i in range(1500)]
    new = [entry(f"k{i:04d}", citations=Citations(count=2), ids=Ids(doi=f"10.1/{i}"))
           for i in range(500, 2000)]
    subject = commit_message(compute_changes(old, new, {}, TODAY)).splitlines()[0]
    assert subject == "refresh: 500 new, 500 removed, 1000 cit., 1000 resolved, 1000 changed"
    assert len(subject) <= 72


def test_terminal_report_caps_long_sections_but_markdown_keeps_all():
    new = [entry(f"k{i:03d}", title=f"Paper {i}") for i in range(40)]
    report = compute_changes([], new, {}, TODAY)
    text = render_text(report, limit=15)
    assert "  k014: Paper 14" in text and "k015" not in text and "... and 25 more" in text
    assert "k039" in render_markdown(report)
