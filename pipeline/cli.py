"""Command line: ``python -m pipeline <command>``.

Commands mirror the library's stages (see ``python -m pipeline --help``):

* ``run``      every stage: parse, resolve, fetch, merge, export
* ``refresh``  like run, but only entries that are stale, new or changed
* ``parse``    parse the list and print what was read (and what was not)
* ``export``   rewrite the exports from data/enriched.json, no network
* ``serve``    preview exports/ on http://127.0.0.1:PORT

Exit status: 0 success; 1 with ``--strict`` when a source failed; 2 usage
or input error (the message names the file and line), another run holding the
data with ``--no-wait``, or a port that cannot be served; 130 interrupted
(Ctrl-C); 141 output closed early (``parse | head``), as for SIGPIPE.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import InputError
from .run import DEFAULT_MAX_REMOVALS_SHARE

EPILOG = """environment:
  PIPELINE_S2_URL, PIPELINE_ARXIV_URL, PIPELINE_CROSSREF_URL, PIPELINE_OPENALEX_URL,
  PIPELINE_DBLP_URL     replace an API's scheme and host (paths stay the real ones)
  S2_API_KEY            Semantic Scholar API key (sent as x-api-key; never written anywhere)
  PIPELINE_MAILTO       e-mail for the Crossref and OpenAlex polite pools
  PIPELINE_PACE_SCALE   multiplies every pause between requests (0 = no pacing)
  PIPELINE_CACHE_DIR    HTTP cache directory (default: the user cache directory)

exit status: 0 ok, 1 a source failed and --strict was given, 2 usage or input error
  (also: another run holds the data and --no-wait was given), 130 interrupted"""

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head`


def _common(p: argparse.ArgumentParser, *, inputs: bool = True) -> None:
    if inputs:
        p.add_argument("--input", type=Path, default=Path("data/raw.md"),
                       help="the Markdown list (default: %(default)s)")
    p.add_argument("--enriched", type=Path, default=Path("data/enriched.json"),
                   help="enriched data file (default: %(default)s)")
    p.add_argument("--exports", type=Path, default=Path("exports"), help="exports directory (default: %(default)s)")
    p.add_argument("--no-wait", action="store_true",
                   help="when another run is using the same enriched file, exit 2 at once instead of waiting")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1 (e.g. 0.25)")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535; 0 picks a free one)")
    return value


def _network(p: argparse.ArgumentParser, refresh: bool) -> None:
    p.add_argument("--overrides", type=Path, default=Path("data/overrides.toml"),
                   help="human-edited overrides (TOML; default: %(default)s)")
    p.add_argument("--offline", action="store_true", help="skip every network stage; export what is known")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any source could not be reached (for scheduled jobs)")
    p.add_argument("--max-age", default="7d" if refresh else None, metavar="AGE",
                   help=("refetch entries fetched longer ago than AGE (e.g. 7d, 12h, 0 for all); "
                         + ("default: %(default)s" if refresh
                            else "default: look up every entry, answering from the HTTP cache (7 days)")))
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--allow-removals", action="store_true",
                   help="accept a list that drops more than --max-removals-share of the known entries")
    p.add_argument("--max-removals-share", type=_share, default=DEFAULT_MAX_REMOVALS_SHARE, metavar="SHARE",
                   help="stop, writing nothing, when more than this share of the entries in the enriched "
                        "file would be removed (default: %(default)s)")


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
    p.add_argument("--port", type=_port, default=8000, help="port (default: %(default)s)")
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
        return _dispatch(args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # bad settings such as PIPELINE_PACE_SCALE
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (`parse | head`): no traceback, and no second
        # error when Python flushes stdout at exit
        # (https://docs.python.org/3/library/signal.html#note-on-sigpipe)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as e:  # a file or directory that cannot be written or read (full disk, permissions)
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}; the previous outputs were kept", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written is kept (the next run finishes or undoes it)", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in ("run", "refresh"):
        return _cmd_run(args)
    if args.command == "parse":
        return _cmd_parse(args)
    if args.command == "export":
        return _cmd_export(args)
    if args.command == "serve":
        return _cmd_serve(args)
    return 2


def _cmd_serve(args: argparse.Namespace) -> int:
    from .reader import serve

    try:
        serve(args.exports, port=args.port)
    except OSError as e:  # port in use, not allowed (< 1024), address not available
        print(f"error: cannot serve on 127.0.0.1:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 2
    return 0


def _cmd_parse(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .parse import parse_file
    from .summary import skipped_line

    result = parse_file(args.input)
    for pr in result.problems:
        print(f"{args.input}:{pr.line}: skipped: {pr.message}", file=sys.stderr)
    if args.json:
        print(json.dumps([asdict(e) for e in result.entries], indent=2, ensure_ascii=False))
    else:
        for e in result.entries:
            authors = ", ".join(a.name for a in e.authors) + (" et al." if e.et_al else "")
            where = " / ".join(e.sections[0]) if e.sections else ""
            venue = f"{e.venue or '-'} {e.year or ''}"
            print(f"{e.lines[0]:>5}  [{e.kind}] {e.title}  |  {authors}  |  {venue}  |  {where}")
        papers = sum(1 for e in result.entries if e.kind == "paper")
        print(f"{len(result.entries)} entries ({papers} papers, {len(result.entries) - papers} software), "
              f"{len(result.problems)} unreadable lines, not entries: {skipped_line(result.skipped)}")
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cmd_export(args: argparse.Namespace) -> int:
    from .parse import parse_file
    from .run import export_only

    title = parse_file(args.input).title if args.input.exists() else None  # the page title only
    entries, _ = export_only(args.enriched, args.exports, title, wait=not args.no_wait, notify=_say)
    print(f"exported {len(entries)} entries to {args.exports}/")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from . import state
    from .config import Settings
    from .run import RunOptions, run_pipeline
    from .summary import print_summary, progress_display

    max_age = state.parse_age(args.max_age) if args.max_age is not None else None
    settings = Settings.from_env()
    opts = RunOptions(
        input=args.input,
        enriched=args.enriched,
        exports=args.exports,
        overrides=args.overrides,
        offline=args.offline,
        max_age=max_age,
        refresh=args.command == "refresh",
        allow_removals=args.allow_removals,
        max_removals_share=args.max_removals_share,
        wait=not args.no_wait,
    )
    err = Console(stderr=True)
    factory = None if args.quiet else progress_display(err)
    result = run_pipeline(opts, settings, progress_factory=factory, notify=_say)
    print_summary(result, opts, Console())
    if result.failures and args.strict:
        return 1
    return 0
