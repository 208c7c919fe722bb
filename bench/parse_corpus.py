"""Score the parse stage on the corpus of real awesome-list excerpts.

``python bench/parse_corpus.py`` parses every ``tests/data/lists/real/*.md``
and compares the entries with the hand-checked ``*.expected.json`` beside it
(see that folder's README for the rules).  Per list and in total it prints:
papers found (titles), years right, venues right, author counts right (where the
list names every author), arXiv ids right, and spurious entries (ours that match no
expected paper or software entry).  ``--json`` prints the same figures as JSON.

An expected entry is *found* when one of ours has the same title after folding
(case, accents, punctuation) or a rapidfuzz ratio of at least 90 on the folded
titles.  Venues are compared folded the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.identifiers import ids_from_url  # noqa: E402
from pipeline.models import ListEntry  # noqa: E402
from pipeline.parse import parse_file  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "lists" / "real"


def fold(s: str | None) -> str:
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    return "".join(ch for ch in s if ch.isalnum())


@dataclass
class Score:
    name: str
    expected: int = 0
    titles: int = 0
    years: int = 0
    venues: int = 0
    authors: int = 0
    authors_total: int = 0
    arxiv: int = 0
    arxiv_total: int = 0
    kinds: int = 0
    spurious: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, o: Score) -> None:
        for k in ("expected", "titles", "years", "venues", "authors", "authors_total", "arxiv",
                  "arxiv_total", "kinds", "spurious"):
            setattr(self, k, getattr(self, k) + getattr(o, k))


def arxiv_of(e: ListEntry) -> str | None:
    for url in [e.url] + [x.url for x in e.links]:
        if url:
            a = ids_from_url(url).arxiv
            if a:
                return a
    return None


def match(expected: list[dict], got: list[ListEntry]) -> list[tuple[dict, ListEntry | None]]:
    free = list(got)
    out = []
    for exp in expected:
        key = fold(exp["title"])
        best, best_score = None, 0.0
        for e in free:
            s = 100.0 if fold(e.title) == key else fuzz.ratio(fold(e.title), key)
            if s > best_score:
                best, best_score = e, s
        if best is not None and best_score >= 90:
            free.remove(best)
            out.append((exp, best))
        else:
            out.append((exp, None))
    return out


def score_list(md: Path) -> Score:
    """Papers are scored field by field.  Expected software entries (tools, libraries)
    are matched only so that ours are not counted as spurious: the parser lists a tool
    as software only in a section about software and skips it elsewhere (issue 9: tool
    repositories are not entries), and the corpus marks every tool it lists."""
    every = json.loads(md.with_suffix(".expected.json").read_text(encoding="utf-8"))["entries"]
    exp = [x for x in every if x.get("kind", "paper") == "paper"]
    soft = [x for x in every if x.get("kind", "paper") != "paper"]
    got = parse_file(md).entries
    sc = Score(md.stem, expected=len(exp))
    pairs = match(exp, got)
    matched = {id(e) for _, e in pairs if e is not None}
    matched |= {id(e) for _, e in match(soft, [e for e in got if id(e) not in matched]) if e is not None}
    sc.spurious = sum(1 for e in got if id(e) not in matched)
    for x, e in pairs:
        if e is None:
            sc.misses.append(f"missing: {x['title'][:70]}")
            continue
        sc.titles += 1
        ok_year = e.year == x.get("year")
        ok_venue = fold(e.venue) == fold(x.get("venue"))
        sc.years += ok_year
        sc.venues += ok_venue
        sc.kinds += e.kind == "paper"
        if not ok_year:
            sc.misses.append(f"year {e.year} != {x.get('year')}: {x['title'][:50]}")
        if not ok_venue:
            sc.misses.append(f"venue {e.venue!r} != {x.get('venue')!r}: {x['title'][:50]}")
        if x.get("authors") is not None:
            sc.authors_total += 1
            n = len(e.authors) if not e.et_al else None
            sc.authors += n == x["authors"]
            if n != x["authors"]:
                sc.misses.append(f"authors {n} != {x['authors']} ({e.authors_raw!r}): {x['title'][:40]}")
        sc.arxiv_total += 1
        sc.arxiv += arxiv_of(e) == x.get("arxiv")
        if arxiv_of(e) != x.get("arxiv"):
            sc.misses.append(f"arxiv {arxiv_of(e)} != {x.get('arxiv')}: {x['title'][:50]}")
    for e in got:
        if id(e) not in matched:
            sc.misses.append(f"spurious: {e.title[:70]} (line {e.lines[0]})")
    return sc


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "   - "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list every miss")
    args = ap.parse_args(argv)
    scores = [score_list(md) for md in sorted(CORPUS.glob("*.md")) if md.name != "README.md"]
    total = Score("TOTAL")
    for s in scores:
        total.add(s)
    if args.json:
        print(json.dumps([asdict(s) for s in scores + [total]], indent=1))
        return 0
    print(f"{'list':58} {'n':>4} {'titles':>7} {'years':>7} {'venues':>7} {'authors':>7} {'arXiv':>7} {'spur':>4}")
    for s in scores + [total]:
        print(f"{s.name[:58]:58} {s.expected:4d} {pct(s.titles, s.expected):>7} {pct(s.years, s.titles):>7} "
              f"{pct(s.venues, s.titles):>7} {pct(s.authors, s.authors_total):>7} {pct(s.arxiv, s.arxiv_total):>7} "
              f"{s.spurious:4d}")
        if args.misses:
            for m in s.misses:
                print("      ", m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
