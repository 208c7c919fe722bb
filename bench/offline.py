"""Offline benchmark: ``python -m pipeline run --offline`` on generated lists
of 1,000, 10,000 and 50,000 papers, against the floor measured in the same run.

For each size N (list from :func:`bench.generate.generate_list`, SYNTHETIC):

* ``first``  -- an offline run with no previous data/enriched.json;
* ``again``  -- the same run again, now reading the first run's enriched.json
  (keys reserved, previous data carried over);
* ``floor``  -- ``bench/floor.py``: markdown-it-py parsing the same list and
  writing the same JSON document (see that file).

Each is a fresh child process (Python start-up included in every figure); wall
time and the child's peak resident memory (``ru_maxrss``) are reported, and
each pipeline run as a multiple of the floor's wall time.  Goals (issue 12):
10,000 entries within 3x the floor and 150 MiB.

Usage::

    python bench/offline.py                    # 1k, 10k, 50k; table on stdout
    python bench/offline.py -n 10000 --json
    python bench/offline.py --keep /tmp/off    # keep lists, outputs and logs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import generate_list  # noqa: E402
from bench.measure import run_child  # noqa: E402

SIZES = (1_000, 10_000, 50_000)
GOAL_N, GOAL_RATIO, GOAL_MIB = 10_000, 3.0, 150.0


@dataclass
class Row:
    n: int
    run: str
    exit_code: int
    wall_s: float
    peak_rss_mib: float
    x_floor: float | None = None
    stderr_tail: str = ""


def bench_size(n: int, work: Path, root: Path, timeout: float) -> list[Row]:
    work.mkdir(parents=True, exist_ok=True)
    md = work / "list.md"
    md.write_text(generate_list(n), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(root))
    pipeline = [sys.executable, "-m", "pipeline", "run", "--offline", "--quiet", "--input", str(md),
                "--enriched", str(work / "enriched.json"), "--exports", str(work / "exports"),
                "--overrides", str(work / "overrides.toml")]
    rows = []
    for name in ("first", "again"):
        m = run_child(pipeline, cwd=root, env=env, log=work / name, timeout=timeout)
        rows.append(Row(n, name, m.exit_code, m.wall_s, m.peak_rss_mib, stderr_tail=m.stderr_tail))
    floor_cmd = [sys.executable, str(ROOT / "bench" / "floor.py"), str(md), str(work / "enriched.json"),
                 str(work / "floor.json")]
    m = run_child(floor_cmd, cwd=root, env=env, log=work / "floor", timeout=timeout)
    floor = Row(n, "floor", m.exit_code, m.wall_s, m.peak_rss_mib, stderr_tail=m.stderr_tail)
    for r in rows:
        r.x_floor = round(r.wall_s / floor.wall_s, 2) if floor.wall_s and floor.exit_code == 0 else None
    return [floor, *rows]


def table(rows: list[Row]) -> str:
    head = ["entries", "run", "exit", "wall s", "x floor", "peak MiB"]
    cells = [[f"{r.n:,}", r.run, str(r.exit_code), f"{r.wall_s:.2f}",
              "" if r.x_floor is None else f"{r.x_floor:.2f}", f"{r.peak_rss_mib:.1f}"] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
    def fmt(cs: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cs, widths, strict=True)))

    lines = [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, cells)]
    for r in rows:
        if r.exit_code != 0:
            lines += ["", f"{r.n} {r.run}: exit {r.exit_code}; stderr tail:", r.stderr_tail]
    goal = [r for r in rows if r.n == GOAL_N and r.run != "floor"]
    if goal:
        ok = all(r.x_floor is not None and r.x_floor <= GOAL_RATIO and r.peak_rss_mib <= GOAL_MIB for r in goal)
        lines += ["", f"goal at {GOAL_N:,}: <= {GOAL_RATIO}x floor and <= {GOAL_MIB:.0f} MiB: "
                      + ("met" if ok else "NOT met")]
    return "\n".join(lines)


def commit_of(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True,
                             text=True, check=False)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, action="append", help="list size (repeatable; default: 1000, 10000, 50000)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--keep", type=Path, help="keep lists, outputs and logs in this directory")
    p.add_argument("--root", type=Path, default=ROOT, help="source tree to benchmark (default: this one)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per child before it is killed")
    args = p.parse_args(argv)
    sizes = tuple(args.n or SIZES)

    def run_all(tmp: Path) -> list[Row]:
        return [row for n in sizes for row in bench_size(n, tmp / str(n), args.root.resolve(), args.timeout)]

    if args.keep:
        rows = run_all(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="pipeline-offline-") as tmp:
            rows = run_all(Path(tmp))
    if args.json:
        print(json.dumps({"note": "SYNTHETIC lists from bench/generate.py; offline runs; floor = bench/floor.py",
                          "commit": commit_of(args.root), "python": platform.python_version(),
                          "platform": platform.platform(), "rows": [asdict(r) for r in rows]}, indent=2))
    else:
        print(table(rows))
        print(f"\nsource tree {args.root} at {commit_of(args.root)}; Python {platform.python_version()}")
    return 0 if all(r.exit_code == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
