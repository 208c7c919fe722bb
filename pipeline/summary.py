"""What a run tells its user: a progress bar while fetching, a summary and
a change report at the end."""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .fsutil import atomic_write_text


def rich_progress(console: Console):
    """A progress factory for :func:`pipeline.run.run_pipeline`: one bar over
    the title searches and the per-source batch fetches."""

    @contextlib.contextmanager
    def factory(n_works: int, n_search: int, fetch_sources: list[str]):
        total = n_search + len(fetch_sources)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as prog:
            task = prog.add_task(f"looking up {n_works} papers", total=total)

            def tick(step: str) -> None:
                label = "title search" if step == "search" else f"fetching from {step}"
                prog.update(task, advance=1, description=label)

            yield tick

    return factory


def write_change_report(result, opts, refresh: bool) -> None:
    """Compute the change report, keep it on the result, write
    exports/CHANGES.md when something changed (an unchanged run leaves the
    previous report alone, so the exports stay byte-identical) and, for
    refresh, exports/COMMIT_MSG.txt for the scheduled job's commit."""
    from .changes import commit_message, compute_changes, render_markdown

    today = (opts.now or datetime.now(timezone.utc)).date().isoformat()
    report = compute_changes(result.previous, result.entries, result.requests, today)
    result.report = report
    if report.has_changes:
        atomic_write_text(opts.exports / "CHANGES.md", render_markdown(report))
    if refresh:
        atomic_write_text(opts.exports / "COMMIT_MSG.txt", commit_message(report) + "\n")


def print_summary(result, opts, console: Console) -> None:
    papers = [e for e in result.entries if e.kind == "paper"]
    software = len(result.entries) - len(papers)
    resolved = [e for e in papers if e.status.resolved]
    unresolved = [e for e in papers if not e.status.resolved]
    warned = [e for e in result.entries if e.status.warnings]

    for pr in result.problems:
        console.print(f"[yellow]{opts.input}:{pr.line}: skipped: {pr.message}[/]")

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

        shown = ("Unresolved entries", "Warnings", "Requests per source")  # printed above
        console.print(render_text(result.report, omit=shown, limit=15), markup=False, highlight=False)
    console.print("written: " + ", ".join(str(p) for p in result.written), markup=False, highlight=False)
