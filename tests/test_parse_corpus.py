"""The parse stage on real awesome lists: tests/data/lists/real/ (excerpts of public
repositories with hand-checked expectations; see the README there).

One test per list: most of its papers found with no more than a couple of spurious
entries; and one test over the whole corpus against the issue-9 goals, as floors
just under what ``bench/parse_corpus.py`` measures today (the README shows its table).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import parse_corpus  # noqa: E402

LISTS = sorted(p for p in parse_corpus.CORPUS.glob("*.md") if p.name != "README.md")


def test_the_corpus_is_broad():
    assert len(LISTS) >= 20
    assert all(p.with_suffix(".expected.json").exists() for p in LISTS)


@pytest.mark.parametrize("md", LISTS, ids=[p.stem.split("__")[0] for p in LISTS])
def test_each_real_list(md):
    s = parse_corpus.score_list(md)
    assert s.titles >= 0.8 * s.expected, s.misses
    assert s.spurious <= 5, s.misses
    assert s.arxiv == s.arxiv_total, s.misses  # every arXiv id right, in every list


def test_whole_corpus_meets_the_floors():
    total = parse_corpus.Score("total")
    for md in LISTS:
        total.add(parse_corpus.score_list(md))
    assert total.titles >= 0.99 * total.expected
    assert total.years >= 0.98 * total.titles
    assert total.venues >= 0.97 * total.titles
    assert total.authors >= 0.99 * total.authors_total
    assert total.arxiv == total.arxiv_total
    assert total.spurious <= 3
