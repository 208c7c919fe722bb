"""Network benchmark: ``python -m pipeline run`` against the loopback replicas of the five APIs.

Each run is a fresh child process pointed at :class:`tests.fakeworld.FakeScholarServer`
(one loopback server per API, SYNTHETIC data) through the ``PIPELINE_*_URL``
variables, with its own empty ``PIPELINE_CACHE_DIR`` unless said otherwise:

=================  =======================================================  =========
run                input                                                    pacing
=================  =======================================================  =========
``seed-nokey``     data/raw.md over the seed world, no S2 key               real
``seed-key``       the same with ``S2_API_KEY`` set (S2 paced at 1 s)       real
``seed-warm``      the same again, with the cache and enriched.json of      real
                   ``seed-key`` (goal: 0 requests)
``gen-1000``       a generated 1,000-entry list (``generate_world``)        none
``paced-gen-1000`` the same list                                            real
``gen-10000``      a generated 10,000-entry list                            none
=================  =======================================================  =========

For each run: requests per source, as counted by the servers (cache hits are
not requests); the **paced floor**, the slowest host's paced time computed
from those counts and the product's own intervals (``pipeline.http.PACING``,
``(n - 1) x interval`` per host, hosts side by side); the wall time; and, for
the paced runs, wall time / floor (goal: <= 1.2).  For the unpaced runs the
floor is what the same requests would cost with real pacing
(``--pace-generated 1`` runs them paced, which takes that long).  Peak memory
is the child's ``ru_maxrss``.

These are loopback figures over synthetic data, not the live APIs.

Usage::

    python bench/benchmark.py                     # every run, table on stdout
    python bench/benchmark.py --json
    python bench/benchmark.py --only seed-nokey,seed-key,seed-warm
    python bench/benchmark.py --keep /tmp/bench   # keep inputs, outputs, child stdout/stderr
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import run_child  # noqa: E402
from pipeline.http import PACING  # noqa: E402
from tests.fakeworld import SEED_WORLD, SOURCES, FakeScholarServer, World, generate_world, to_markdown  # noqa: E402

RUNS = ("seed-nokey", "seed-key", "seed-warm", "gen-1000", "paced-gen-1000", "gen-10000")
FAKE_KEY = "benchmark-key-not-a-secret"


@dataclass
class RunStats:
    name: str
    input: str
    exit_code: int
    wall_s: float
    peak_rss_mib: float
    pace_scale: float
    requests: dict[str, int] = field(default_factory=dict)
    total_requests: int = 0
    paced_floor_s: float = 0.0
    slowest_host: str = ""
    x_floor: float | None = None
    stderr_tail: str = ""


def interval(source: str, s2_key: bool) -> float:
    """The product's pause between two requests to one host (pipeline.http.PACING)."""
    if source == "s2" and not s2_key:
        return PACING["s2_nokey"]
    return PACING.get(source, 1.0)


def paced_floor(counts: dict[str, int], s2_key: bool) -> tuple[float, str]:
    """Hosts side by side, each paced on its own: the slowest host's time."""
    per_host = {s: max(n - 1, 0) * interval(s, s2_key) for s, n in counts.items()}
    host = max(per_host, key=lambda s: (per_host[s], s)) if per_host else ""
    return round(per_host.get(host, 0.0), 2), host


def run_pipeline(name: str, server: FakeScholarServer, input_md: Path, work: Path, cache: Path, *,
                 s2_key: bool, pace_scale: float, timeout: float) -> RunStats:
    """One ``python -m pipeline run`` child; its output files live in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(server.env())
    env.update({"PIPELINE_PACE_SCALE": str(pace_scale), "PIPELINE_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)})
    env.pop("S2_API_KEY", None)
    if s2_key:
        env["S2_API_KEY"] = FAKE_KEY
    cmd = [sys.executable, "-m", "pipeline", "run", "--input", str(input_md),
           "--enriched", str(work / "enriched.json"), "--exports", str(work / "exports"),
           "--overrides", str(work / "overrides.toml"), "--quiet"]
    server.reset_log()
    m = run_child(cmd, cwd=ROOT, env=env, log=work / name, timeout=timeout)
    counts = server.counts()
    floor, host = paced_floor(counts, s2_key)
    x = round(m.wall_s / floor, 2) if pace_scale == 1 and floor > 0 else None  # start-up included
    return RunStats(name=name, input=str(input_md), exit_code=m.exit_code, wall_s=m.wall_s,
                    peak_rss_mib=m.peak_rss_mib, pace_scale=pace_scale, requests=counts,
                    total_requests=sum(counts.values()), paced_floor_s=floor, slowest_host=host, x_floor=x,
                    stderr_tail=m.stderr_tail)


def benchmark(only: tuple[str, ...], tmp: Path, timeout: float, pace_generated: float) -> list[RunStats]:
    results: list[RunStats] = []
    seed_input = ROOT / "data" / "raw.md"
    if any(r.startswith("seed") for r in only):
        with FakeScholarServer(World.load(SEED_WORLD)) as server:
            if "seed-nokey" in only:
                results.append(run_pipeline("seed-nokey", server, seed_input, tmp / "seed-nokey",
                                            tmp / "seed-nokey-cache", s2_key=False, pace_scale=1, timeout=timeout))
            if "seed-key" in only or "seed-warm" in only:
                results.append(run_pipeline("seed-key", server, seed_input, tmp / "seed-key", tmp / "seed-key-cache",
                                            s2_key=True, pace_scale=1, timeout=timeout))
            if "seed-warm" in only:
                results.append(run_pipeline("seed-warm", server, seed_input, tmp / "seed-key", tmp / "seed-key-cache",
                                            s2_key=True, pace_scale=1, timeout=timeout))
                if "seed-key" not in only:
                    results = [r for r in results if r.name != "seed-key"]
    for name in only:
        if not name.startswith(("gen-", "paced-gen-")):
            continue
        n = int(name.rsplit("-", 1)[1])
        world = generate_world(n)
        md = tmp / f"{name}.md"
        md.write_text(to_markdown(world), encoding="utf-8")
        scale = 1.0 if name.startswith("paced-") else pace_generated
        with FakeScholarServer(world) as server:
            results.append(run_pipeline(name, server, md, tmp / name, tmp / f"{name}-cache", s2_key=False,
                                        pace_scale=scale, timeout=timeout))
    return results


def table(results: list[RunStats]) -> str:
    head = ["run", "exit", "wall s", "floor s", "x floor", "slowest", "peak MiB", *SOURCES, "total"]
    rows = [[r.name, str(r.exit_code), f"{r.wall_s:.2f}", f"{r.paced_floor_s:.1f}",
             "" if r.x_floor is None else f"{r.x_floor:.2f}", r.slowest_host, f"{r.peak_rss_mib:.1f}",
             *(str(r.requests.get(s, 0)) for s in SOURCES), str(r.total_requests)] for r in results]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]

    def fmt(cells: list[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i in (0, 5) else c.rjust(w) for i, (c, w) in pairs)

    lines = [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)]
    for r in results:
        if r.exit_code != 0:
            lines += ["", f"{r.name}: exit {r.exit_code}; stderr tail:", r.stderr_tail]
    lines += ["", "floor: the slowest host's paced time from these request counts and pipeline.http.PACING; "
                  "x floor only for runs with real pacing.",
              "Loopback replicas of the APIs over synthetic data (tests/fakeworld.py), not the live services."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--only", default=",".join(RUNS), help=f"comma-separated runs out of {','.join(RUNS)} "
                                                          "(gen-N and paced-gen-N for any N)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--keep", type=Path, help="keep inputs, outputs and logs in this directory")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is killed")
    p.add_argument("--pace-generated", type=float, default=0.0,
                   help="PIPELINE_PACE_SCALE for the generated lists (default 0: no pauses)")
    args = p.parse_args(argv)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    unknown = [r for r in only if r not in RUNS and not (r.startswith(("gen-", "paced-gen-"))
                                                          and r.rsplit("-", 1)[1].isdigit())]
    if unknown:
        p.error(f"unknown run(s): {', '.join(unknown)}")
    if args.keep:
        if args.keep.exists():
            shutil.rmtree(args.keep)
        args.keep.mkdir(parents=True)
        results = benchmark(only, args.keep, args.timeout, args.pace_generated)
    else:
        with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
            results = benchmark(only, Path(tmp), args.timeout, args.pace_generated)
    if args.json:
        print(json.dumps({
            "note": "loopback replicas over synthetic data (tests/fakeworld.py); not the live APIs",
            "python": platform.python_version(), "platform": platform.platform(), "pacing": PACING,
            "runs": [asdict(r) for r in results],
        }, indent=2, sort_keys=True))
    else:
        print(table(results))
    return 0 if all(r.exit_code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
