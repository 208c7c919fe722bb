"""Parse-stage speed against its floor: markdown-it-py alone on the same list.

``python bench/parse_speed.py [N ...]`` generates the synthetic seed-layout list
of N entries (bench/generate.py; default 1,000 and 10,000), then times, in the
same process and best of three runs each:

* the floor: ``pipeline.parse.blocks.MD.parse`` (markdown-it-py with the
  configuration the parser uses: CommonMark + tables, strikethrough, linkify);
* markdown-it-py's plain CommonMark + tables, for reference;
* ``pipeline.parse.parse_text`` on the same text.

It prints entries found, the times and the ratio parse / floor.  The issue-9
goal is a ratio of at most 1.5.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate_list  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402

from pipeline.parse import blocks, parse_text  # noqa: E402


def best(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1000, 10000]
    plain = MarkdownIt("commonmark").enable("table")
    print(f"{'entries':>8} {'found':>7} {'markdown-it (ours)':>19} {'markdown-it (plain)':>20} "
          f"{'parse':>8} {'ratio':>6}")
    for n in sizes:
        text = generate_list(n)
        floor = best(partial(blocks.MD.parse, text))
        bare = best(partial(plain.parse, text))
        found = len(parse_text(text).entries)
        ours = best(partial(parse_text, text))
        print(f"{n:8d} {found:7d} {floor:18.2f}s {bare:19.2f}s {ours:7.2f}s {ours / floor:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
