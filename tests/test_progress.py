"""Progress when output is not a terminal: plain, timestamped log lines, and
a heartbeat while one step takes long (a scheduled job shows it is alive)."""

from __future__ import annotations

import re
import time

from pipeline.summary import log_progress


def test_plain_lines_for_steps_and_a_heartbeat_while_waiting():
    lines: list[str] = []
    with log_progress(lines.append, n_works=3, total=4, heartbeat=0.2) as tick:
        tick("search")
        # a slow source: nothing finishes until the heartbeat has spoken (30 s at most)
        deadline = time.monotonic() + 30
        while not any("still" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.02)
        tick("search")
        tick("crossref")
        tick("openalex")
    assert all(re.match(r"\d\d:\d\d:\d\dZ ", line) for line in lines)
    text = [line[10:] for line in lines]
    assert text[0] == "looking up 3 papers (4 steps)"
    assert text[1] == "title search: 1/4 steps"
    assert any(t.startswith("still title search: 1/4 steps") for t in text)
    assert "fetching from crossref: 3/4 steps" in text and "fetching from openalex: 4/4 steps" in text
    assert text[-1].startswith("looked up 3 papers in")


def test_no_heartbeat_when_steps_keep_coming():
    lines: list[str] = []
    with log_progress(lines.append, n_works=100, total=100, heartbeat=5) as tick:
        for _ in range(100):
            tick("search")
    assert not any("still" in line for line in lines)
    assert len(lines) <= 13  # the start, one line per tenth of the way, the end
