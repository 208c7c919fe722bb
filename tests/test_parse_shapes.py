"""The shapes of real lists named in issue 9, one item each, in the synthetic fixture
tests/data/lists/issue9_shapes.md (titles, names and URLs are made up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.models import KIND_PAPER
from pipeline.parse import parse_file

SHAPES = Path(__file__).resolve().parent / "data" / "lists" / "issue9_shapes.md"


@pytest.fixture(scope="module")
def shapes():
    return parse_file(SHAPES)


def entry(result, title):
    (hit,) = [e for e in result.entries if e.title == title]
    return hit


def row(e):
    return (e.url, [p.name for p in e.authors], e.et_al, e.venue, e.year)


@pytest.mark.parametrize("title, expected", [
    # title first, then <ins>venue, year</ins>, inline HTML around
    ("Sparse Kernels for Tiny Devices",
     ("https://dl.acm.org/doi/10.1145/1000001.1000002", [], False, "MobiSys", 2023)),
    ("Federated Pruning at Scale", ("https://arxiv.org/abs/2201.00101", [], False, "NeurIPS", 2022)),
    ("Streaming Attention on Phones", ("https://arxiv.org/abs/2301.00202", [], False, None, None)),
    # numbered, bold title outside / inside the link, italic authors, trailing period dropped
    ("Bold Title Outside The Link", ("https://proceedings.mlr.press/v119/lee20a.html",
                                     ["Ann Lee", "Bo An", "An Wang"], False, "ICML", 2020)),
    ("Bold Title Inside The Link", ("https://arxiv.org/abs/2002.00303", ["jae-won kim", "hyun lee"], False,
                                    "KDD", 2020)),
    # a table: the title cell has no link, the links sit in another column; an
    # Affiliation column ("Qwen Team") is not authors
    ("A Table Title Without A Link", ("https://arxiv.org/abs/2103.00404", ["Carl Dorn", "Eva Fox"], False,
                                      "CVPR", 2021)),
    # reference styles
    ("Quantized Sensing Pipelines for Wearables",
     ("https://dl.acm.org/doi/10.1145/3356250.3360001", ["Lee"], True, "SenSys", 2019)),
    ("Energy Aware Scheduling of Neural Networks", (None, ["A. Author", "B. Author"], False, "Proc. MobiCom", 2020)),
    ("Learning To Offload Inference", (None, ["Chen"], True, "IEEE Transactions on Mobile Computing", 2021)),
    # an author line on the next line, or in an indented paragraph after a blank line
    ("A Title With Its Authors Below",
     ("https://arxiv.org/abs/2104.00505", ["Dana Wu", "Eli Moss"], False, None, None)),
    ("A Title With An Indented Author Paragraph",
     ("https://arxiv.org/abs/2105.00606", ["Fay Gold", "Gus Hart"], False, None, None)),
    # the year from a year heading above
    ("A Paper Under A Year Heading", ("https://openreview.net/forum?id=xyz123", [], False, None, 2021)),
    # dates and years as lists write them
    ("Dotted Date Paper", ("https://arxiv.org/abs/2401.00707", [], False, None, 2024)),
    ("Month Date Paper", ("https://arxiv.org/abs/2401.00808", [], False, None, 2024)),
    ("Apostrophe Year Paper", ("https://arxiv.org/abs/1601.00909", [], False, None, 2016)),
    ("Glued Year Paper", ("https://dl.acm.org/doi/10.1145/3241539.3241540", [], False, "MobiCom", 2018)),
    ("Workshop Year Paper", ("https://arxiv.org/abs/2206.01010", [], False, "ICML Workshop", 2022)),
    ("Badge Year Paper", ("https://aclanthology.org/2023.emnlp-main.1/", [], False, "EMNLP", 2023)),
    # a heading about tools does not make the papers under it software
    ("A Paper Under A Tools Heading", ("https://arxiv.org/abs/2107.01111", ["Hao Lin", "Ivy Ng"], False, "ICLR", 2021)),
])
def test_shape(shapes, title, expected):
    e = entry(shapes, title)
    assert e.kind == KIND_PAPER
    assert row(e) == expected


def test_people_courses_videos_and_navigation_are_skipped_with_reasons(shapes):
    assert len(shapes.entries) == 19 and shapes.problems == []
    reasons = {s.line: s.reason for s in shapes.skipped}
    assert reasons[57] == "a course"
    assert reasons[58] == "video, course, talk or post"
    assert reasons[59] == "navigation: a label followed by year links"
    assert reasons[60] == "navigation"
    assert 56 in reasons  # a person's home page is not a paper


def test_raw_html_tables_lists_and_a_titled_heading_with_links_below():
    r = parse_file(SHAPES.parent / "html_shapes.md")
    got = [(e.title, e.url, [p.name for p in e.authors], e.venue, e.year) for e in r.entries]
    assert got == [
        ("Fast Sparse Inference on Phones", "https://arxiv.org/abs/2101.00001", ["Ann Lee", "Bo Chen"],
         "MobiSys", 2021),
        ("Unlinked Title For A Conference Paper", "https://arxiv.org/abs/2001.00002", [], "CVPR", 2020),
        ("An HTML List Paper About Pruning", "https://arxiv.org/abs/2102.00003", [], "ICLR", 2021),
        ("Bold HTML Title About Caching", "https://dl.acm.org/doi/10.1145/1.2", [], "SenSys", 2020),
        ("Heading Title Without A Link For Edge Offloading", "https://arxiv.org/abs/2103.00004",
         ["Carl Dorn", "Eva Fox"], "NSDI", 2022),
    ]
    assert r.problems == []
