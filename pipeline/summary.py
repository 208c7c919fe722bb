"""What a run tells its user: progress while it looks papers up, then a
summary with the change report.

Progress goes to stderr: a rich progress bar on a terminal
(https://rich.readthedocs.io/en/stable/progress.html); otherwise (a scheduled
job, a log file) plain timestamped lines, one per step and a heartbeat while a
step takes long, so the log shows the run is alive.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .models import Skipped
from .run import ProgressFactory, RunOptions, RunResult

HEARTBEAT_SECONDS = 30.0  # a plain log line at least this often while looking up


def _label(step: str) -> str:
    return "title search" if step == "search" else f"fetching from {step}"


def progress_display(console: Console, heartbeat: float = HEARTBEAT_SECONDS) -> ProgressFactory:
    """A progress factory for :func:`pipeline.run.run_pipeline`: one bar over
    the title searches and the per-source batch fetches on a terminal, plain
    log lines (:func:`log_progress`) elsewhere."""

    @contextlib.contextmanager
    def factory(n_works: int, n_search: int, fetch_sources: list[str]) -> Iterator[Callable[[str], None]]:
        total = n_search + len(fetch_sources)
        if not console.is_terminal:
            with log_progress(lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True),
                              n_works, total, heartbeat) as tick:
                yield tick
            return
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as prog:
            task = prog.add_task(f"looking up {n_works} papers", total=total)

            def tick(step: str) -> None:
                prog.update(task, advance=1, description=_label(step))

            yield tick

    return factory


@dataclass
class _LogState:
    last: float  # time.monotonic() of the last line
    done: int = 0  # steps done
    step: str = ""  # the last step
    said: int = -1  # the tenth of the way last reported


@contextlib.contextmanager
def log_progress(emit: Callable[[str], None], n_works: int, total: int,
                 heartbeat: float = HEARTBEAT_SECONDS) -> Iterator[Callable[[str], None]]:
    """Progress as plain lines for logs: ``HH:MM:SSZ looking up N papers``,
    a line when the step changes or every tenth of the way, a ``still ...``
    line when nothing was said for ``heartbeat`` seconds, and ``done``."""
    lock = threading.Lock()
    state = _LogState(last=time.monotonic())
    start = time.monotonic()
    stop = threading.Event()

    def say(text: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%SZ")
        emit(f"{stamp} {text}")
        state.last = time.monotonic()

    def tick(step: str) -> None:
        with lock:
            state.done += 1
            tenth = state.done * 10 // max(1, total)
            if step != state.step or tenth != state.said:
                say(f"{_label(step)}: {state.done}/{total} steps")
                state.said = tenth
            state.step = step

    def beat() -> None:
        while not stop.wait(min(1.0, heartbeat)):
            with lock:
                if time.monotonic() - state.last >= heartbeat:
                    doing = _label(state.step) if state.step else "looking up"
                    say(f"still {doing}: {state.done}/{total} steps, {time.monotonic() - start:.0f} s")

    with lock:
        say(f"looking up {n_works} papers ({total} steps)")
    thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
    thread.start()
    try:
        yield tick
    finally:
        stop.set()
        thread.join()
        with lock:
            say(f"looked up {n_works} papers in {time.monotonic() - start:.0f} s")


def skipped_line(skipped: list[Skipped]) -> str:
    """"12 (navigation 7, a person 3, a course 2)": list items that are not entries, by reason."""
    reasons = Counter(s.reason for s in skipped)
    shown = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(skipped)} ({shown})" if skipped else "0"


def print_summary(result: RunResult, opts: RunOptions, console: Console) -> None:
    papers = [e for e in result.entries if e.kind == "paper"]
    software = len(result.entries) - len(papers)
    resolved = [e for e in papers if e.status.resolved]
    unresolved = [e for e in papers if not e.status.resolved]
    warned = [e for e in result.entries if e.status.warnings]

    for pr in result.problems:
        console.print(f"{opts.input}:{pr.line}: skipped: {pr.message}", style="yellow", markup=False,
                      highlight=False, soft_wrap=True)
    for note in result.notes:  # "file:line: ..." on one line, for editors and grep
        console.print(f"warning: {note}", style="yellow", markup=False, highlight=False, soft_wrap=True)

    if opts.offline:
        console.print("[bold]offline:[/] no source was asked; exports written from the list and previous data")
    elif result.failures:
        if len(result.failures) == 5:
            console.print("[bold red]no source could be reached:[/] "
                          "exports written from the list, its URLs and all previously known data")
        else:
            console.print("[bold red]sources that could not be reached (all previously known data kept):[/]")
        for name, msg in result.failures.items():
            console.print(f"  {name}: {msg}", markup=False, highlight=False)

    t = Table(title="summary", show_header=False, box=None)
    t.add_row("entries", f"{len(result.entries)} ({len(papers)} papers, {software} software)")
    t.add_row("looked up this run", str(result.processed))
    t.add_row("resolved", f"{len(resolved)} / {len(papers)} papers")
    t.add_row("with DOI", str(sum(1 for e in papers if e.ids.doi)))
    t.add_row("with arXiv id", str(sum(1 for e in papers if e.ids.arxiv)))
    t.add_row("warnings", f"{sum(len(e.status.warnings) for e in result.entries)} on {len(warned)} entries")
    t.add_row("removed from list", str(len(result.removed)))
    reqs = ", ".join(f"{k} {v}" for k, v in result.requests.items()) or "none"
    t.add_row("HTTP requests", f"{sum(result.requests.values())} ({reqs})")
    t.add_row("unreadable lines", str(len(result.problems)))
    t.add_row("not entries", skipped_line(result.skipped))
    console.print(t)

    if unresolved:
        console.print(f"[bold]unresolved ({len(unresolved)}):[/]")
        by_reason: dict[str, list[str]] = {}
        for e in unresolved:
            by_reason.setdefault(e.status.reason or "no reason recorded", []).append(e.key)
        for reason, keys in by_reason.items():
            if len(keys) > 3:  # one line for a reason many entries share (e.g. offline)
                shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
                console.print(f"  {len(keys)} entries: {reason} ({shown})", markup=False, highlight=False)
            else:
                for k in keys:
                    console.print(f"  {k}: {reason}", markup=False, highlight=False)
    if warned:
        lines = [f"  {e.key}: {w}" for e in warned for w in e.status.warnings]
        console.print(f"[bold]warnings ({len(lines)}):[/]")
        for line in lines[:30]:
            console.print(line, markup=False, highlight=False)
        if len(lines) > 30:
            console.print(f"  ... and {len(lines) - 30} more (status.warnings in {opts.enriched})",
                          markup=False, highlight=False)
    if result.report is not None:
        from .changes import render_text

        omit = ("Unresolved entries", "Warnings", "Requests per source")  # printed above
        console.print(render_text(result.report, omit=omit, limit=15), markup=False, highlight=False)
    console.print("written: " + ", ".join(str(p) for p in result.written), markup=False, highlight=False)
