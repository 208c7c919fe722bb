"""Benchmark ``python -m pipeline run`` against the loopback fake scholarly world.

Three runs, each a fresh child process pointed at :class:`tests.fakeworld.FakeScholarServer`
(five loopback servers, one per API) through the ``PIPELINE_*_URL`` variables,
with ``PIPELINE_PACE_SCALE=0`` (no pauses) and its own ``PIPELINE_CACHE_DIR``:

1. ``seed-cold``  -- data/raw.md over the seed world (tests/data/world/seed_world.json), empty cache;
2. ``seed-warm``  -- the same again, with the cache and enriched.json of run 1;
3. ``generated``  -- an N-entry list (default 10,000) generated from a synthetic world of N works.

For each run: requests per source (counted by the server, so cache hits are
not requests), wall time, and the child's peak resident memory (``ru_maxrss``
of that child, read with ``os.wait4``).  Printed as a table, or as JSON with
``--json``.  These numbers come from a loopback replay, not the live APIs:
real runs are dominated by the APIs' rate limits (see pipeline/http.py PACING).

Usage::

    python bench/benchmark.py                 # all three runs, table
    python bench/benchmark.py --json          # JSON on stdout
    python bench/benchmark.py -n 1000         # smaller generated list
    python bench/benchmark.py --only seed-cold,seed-warm
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeworld import SEED_WORLD, SOURCES, FakeScholarServer, World, generate_world, to_markdown  # noqa: E402

RUNS = ("seed-cold", "seed-warm", "generated")


@dataclass
class RunStats:
    name: str
    input: str
    exit_code: int
    wall_s: float
    peak_rss_mib: float
    requests: dict[str, int] = field(default_factory=dict)
    total_requests: int = 0
    stderr_tail: str = ""


def peak_rss_mib(ru_maxrss: int) -> float:
    """``ru_maxrss`` is KiB on Linux, bytes on macOS (getrusage(2))."""
    kib = ru_maxrss / 1024 if sys.platform == "darwin" else ru_maxrss
    return round(kib / 1024, 1)


def run_pipeline(name: str, server: FakeScholarServer, input_md: Path, work: Path, cache: Path,
                 *, timeout: float) -> RunStats:
    """One ``python -m pipeline run`` child; its output files live in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(server.env())
    env.update({"PIPELINE_PACE_SCALE": "0", "PIPELINE_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)})
    env.pop("S2_API_KEY", None)
    cmd = [sys.executable, "-m", "pipeline", "run", "--input", str(input_md),
           "--enriched", str(work / "enriched.json"), "--exports", str(work / "exports"),
           "--overrides", str(work / "overrides.toml"), "--quiet"]
    server.reset_log()
    out_path, err_path = work / f"{name}.stdout", work / f"{name}.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
    counts = server.counts()
    tail = "" if child.returncode == 0 else "\n".join(err_path.read_text(errors="replace").splitlines()[-15:])
    return RunStats(name=name, input=str(input_md), exit_code=child.returncode, wall_s=round(wall, 2),
                    peak_rss_mib=peak_rss_mib(usage.ru_maxrss), requests=counts,
                    total_requests=sum(counts.values()), stderr_tail=tail)


def benchmark(n: int, only: tuple[str, ...], tmp: Path, timeout: float) -> list[RunStats]:
    results: list[RunStats] = []
    if "seed-cold" in only or "seed-warm" in only:
        seed_input = ROOT / "data" / "raw.md"
        with FakeScholarServer(World.load(SEED_WORLD)) as server:
            for name in ("seed-cold", "seed-warm"):
                if name in only:
                    results.append(run_pipeline(name, server, seed_input, tmp / "seed", tmp / "seed-cache",
                                                timeout=timeout))
    if "generated" in only:
        world = generate_world(n)
        md = tmp / f"generated-{n}.md"
        md.write_text(to_markdown(world), encoding="utf-8")
        with FakeScholarServer(world) as server:
            results.append(run_pipeline("generated", server, md, tmp / "generated", tmp / "generated-cache",
                                        timeout=timeout))
    return results


def table(results: list[RunStats]) -> str:
    head = ["run", "exit", "wall s", "peak MiB", *SOURCES, "total"]
    rows = [[r.name, str(r.exit_code), f"{r.wall_s:.2f}", f"{r.peak_rss_mib:.1f}",
             *(str(r.requests.get(s, 0)) for s in SOURCES), str(r.total_requests)] for r in results]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    lines = [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)]
    for r in results:
        if r.exit_code != 0:
            lines += ["", f"{r.name}: exit {r.exit_code}; stderr tail:", r.stderr_tail]
    lines += ["", "Loopback replay against tests/fakeworld.py (synthetic data, no pacing): "
                  "not the live APIs' speed."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=10_000, help="entries in the generated list (default: %(default)s)")
    p.add_argument("--only", default=",".join(RUNS), help=f"comma-separated runs out of {','.join(RUNS)}")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--keep", type=Path, help="keep inputs, outputs and logs in this directory")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is killed")
    args = p.parse_args(argv)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    unknown = set(only) - set(RUNS)
    if unknown:
        p.error(f"unknown run(s): {', '.join(sorted(unknown))}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = benchmark(args.n, only, args.keep, args.timeout)
    else:
        with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
            results = benchmark(args.n, only, Path(tmp), args.timeout)
    if args.json:
        print(json.dumps({
            "note": "loopback replay against tests/fakeworld.py (synthetic data, PIPELINE_PACE_SCALE=0); "
                    "not the live APIs",
            "python": platform.python_version(), "platform": platform.platform(), "generated_n": args.n,
            "runs": [asdict(r) for r in results],
        }, indent=2, sort_keys=True))
    else:
        print(table(results))
    return 0 if all(r.exit_code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
