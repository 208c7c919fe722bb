"""Command line: ``python -m pipeline <command>``.

Commands mirror the library's stages (see ``python -m pipeline --help``):

* ``run``      every stage: parse, resolve, fetch, merge, export
* ``refresh``  like run, but only entries that are stale, new or changed
* ``parse``    parse the list and print what was read (and what was not)
* ``export``   rewrite the exports from data/enriched.json, no network
* ``serve``    preview exports/ on http://127.0.0.1:PORT

Exit status: 0 success; 1 with ``--strict`` when a source failed; 2 usage
or input error (the message names the file and line).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import InputError

EPILOG = """environment:
  PIPELINE_S2_URL, PIPELINE_ARXIV_URL, PIPELINE_CROSSREF_URL, PIPELINE_OPENALEX_URL,
  PIPELINE_DBLP_URL     replace an API's scheme and host (paths stay the real ones)
  S2_API_KEY            Semantic Scholar API key (sent as x-api-key; never written anywhere)
  PIPELINE_MAILTO       e-mail for the Crossref and OpenAlex polite pools
  PIPELINE_PACE_SCALE   multiplies every pause between requests (0 = no pacing)
  PIPELINE_CACHE_DIR    HTTP cache directory (default: the user cache directory)

exit status: 0 ok, 1 a source failed and --strict was given, 2 usage or input error"""


def _common(p: argparse.ArgumentParser, *, inputs: bool = True) -> None:
    if inputs:
        p.add_argument("--input", type=Path, default=Path("data/raw.md"), help="the Markdown list (default: %(default)s)")
    p.add_argument("--enriched", type=Path, default=Path("data/enriched.json"), help="enriched data file (default: %(default)s)")
    p.add_argument("--exports", type=Path, default=Path("exports"), help="exports directory (default: %(default)s)")


def _network(p: argparse.ArgumentParser, refresh: bool) -> None:
    p.add_argument("--overrides", type=Path, default=Path("data/overrides.toml"),
                   help="human-edited overrides (TOML; default: %(default)s)")
    p.add_argument("--offline", action="store_true", help="skip every network stage; export what is known")
    p.add_argument("--strict", action="store_true", help="exit 1 when any source could not be reached (for scheduled jobs)")
    p.add_argument("--max-age", default="7d" if refresh else None, metavar="AGE",
                   help=("refetch entries fetched longer ago than AGE (e.g. 7d, 12h, 0 for all); "
                         + ("default: %(default)s" if refresh else "default: look up every entry, answering from the HTTP cache (7 days)")))
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Turn a Markdown awesome-list of papers into correct, complete, stable bibliographic data "
        "(references.bib, references.csl.json, enriched.json).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("run", help="run every stage (parse, resolve, fetch, merge, export)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p)
    _network(p, refresh=False)

    p = sub.add_parser("refresh", help="refetch only stale, new or changed entries; write a change report",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(p)
    _network(p, refresh=True)

    p = sub.add_parser("parse", help="parse the list and print the entries and any unreadable lines")
    p.add_argument("--input", type=Path, default=Path("data/raw.md"), help="the Markdown list (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the parsed entries as JSON")

    p = sub.add_parser("export", help="rewrite every export from data/enriched.json (no network)")
    _common(p)

    p = sub.add_parser("serve", help="serve the exports directory on 127.0.0.1 for preview")
    p.add_argument("--exports", type=Path, default=Path("exports"), help="directory to serve (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    import logging

    # the semanticscholar client logs every unknown id as a warning; our
    # summary reports unresolved entries with reasons instead
    logging.getLogger("semanticscholar").setLevel(logging.ERROR)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: 2 for usage errors, 0 for --help
        return int(e.code or 0)
    try:
        if args.command in ("run", "refresh"):
            return _cmd_run(args)
        if args.command == "parse":
            return _cmd_parse(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "serve":
            from .reader import serve

            serve(args.exports, port=args.port)
            return 0
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # bad settings such as PIPELINE_PACE_SCALE
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 2


def _cmd_parse(args) -> int:
    from dataclasses import asdict

    from .parse import parse_file

    result = parse_file(args.input)
    for pr in result.problems:
        print(f"{args.input}:{pr.line}: skipped: {pr.message}", file=sys.stderr)
    if args.json:
        print(json.dumps([asdict(e) for e in result.entries], indent=2, ensure_ascii=False))
    else:
        for e in result.entries:
            authors = ", ".join(a.name for a in e.authors) + (" et al." if e.et_al else "")
            where = " / ".join(e.sections[0]) if e.sections else ""
            print(f"{e.lines[0]:>5}  [{e.kind}] {e.title}  |  {authors}  |  {e.venue or '-'} {e.year or ''}  |  {where}")
        papers = sum(1 for e in result.entries if e.kind == "paper")
        print(f"{len(result.entries)} entries ({papers} papers, {len(result.entries) - papers} software), "
              f"{len(result.problems)} unreadable lines")
    return 0


def _cmd_export(args) -> int:
    from . import export
    from .reader import write_reader_outputs

    from .parse import parse_file
    from .reader import DEFAULT_TITLE

    entries = export.load_enriched(args.enriched)
    if not entries:
        raise InputError(args.enriched, "no entries to export (run `python -m pipeline run` first)")
    title = parse_file(args.input).title if args.input.exists() else None  # the page title only
    export.write_exports(entries, args.enriched, args.exports)
    write_reader_outputs(entries, args.exports, title=title or DEFAULT_TITLE)
    print(f"exported {len(entries)} entries to {args.exports}/")
    return 0


def _cmd_run(args) -> int:
    from rich.console import Console

    from . import state
    from .config import Settings
    from .run import RunOptions, run_pipeline
    from .summary import print_summary, rich_progress, write_change_report

    max_age = state.parse_age(args.max_age) if args.max_age is not None else None
    settings = Settings.from_env()
    opts = RunOptions(
        input=args.input,
        enriched=args.enriched,
        exports=args.exports,
        overrides=args.overrides,
        offline=args.offline,
        max_age=max_age,
    )
    err = Console(stderr=True)
    factory = None if args.quiet else rich_progress(err)
    result = run_pipeline(opts, settings, progress_factory=factory)
    write_change_report(result, opts, refresh=args.command == "refresh")
    print_summary(result, opts, Console())
    if result.failures and args.strict:
        return 1
    return 0
