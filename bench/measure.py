"""Run one child process and measure it: exit code, wall time, peak memory.

Peak memory is the child's own peak resident set size (``ru_maxrss`` from
``os.wait4``, https://docs.python.org/3/library/os.html#os.wait4 and
getrusage(2)), so the benchmark's own memory is never counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    exit_code: int
    wall_s: float
    peak_rss_mib: float
    stderr_tail: str = ""


def peak_rss_mib(ru_maxrss: int) -> float:
    """``ru_maxrss`` is KiB on Linux, bytes on macOS (getrusage(2))."""
    kib = ru_maxrss / 1024 if sys.platform == "darwin" else ru_maxrss
    return round(kib / 1024, 1)


def run_child(cmd: list[str], *, cwd: Path, env: dict[str, str], log: Path, timeout: float) -> Measured:
    """Run ``cmd``; its stdout and stderr go to ``log``.stdout / ``log``.stderr.
    Killed (exit code -9) after ``timeout`` seconds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log.with_suffix(".stdout"), log.with_suffix(".stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
    tail = "" if child.returncode == 0 else "\n".join(err_path.read_text(errors="replace").splitlines()[-15:])
    return Measured(child.returncode, round(wall, 2), peak_rss_mib(usage.ru_maxrss), tail)
