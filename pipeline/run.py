"""The whole job, stage by stage: parse -> resolve -> fetch -> merge -> export.

:func:`run_pipeline` is what ``python -m pipeline run`` and ``refresh``
call.  It never loses data:

* one run at a time per ``data/enriched.json`` (:mod:`pipeline.runlock`);
* a list that yields no entries, an invalid overrides file, or a run that
  would drop more than ``max_removals_share`` of the known entries stops
  before any network work, with nothing written (:class:`pipeline.errors.InputError`);
* the previous ``data/enriched.json`` is read first and every value it had
  survives a failing source;
* every output is written as one set (:mod:`pipeline.outputs`): a kill at any
  moment leaves the old set or the new one.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from . import changes, export, fsutil, keys, matching, outputs, overrides, runlock, state
from .config import Settings
from .errors import InputError
from .fetch import FETCH_ORDER, fetch
from .identifiers import clean_url, ids_from_url
from .merge import merge_entry
from .models import KIND_SOFTWARE, Entry, Ids, ListEntry, ParseProblem, ParseResult, Skipped
from .overrides import EntryOverride
from .parse import parse_file
from .reader import DEFAULT_TITLE, INDEX_NAME, README_NAME, render_index_html, render_readme
from .resolve import SourceHealth, Work, explain, lookupable, resolve

if TYPE_CHECKING:
    from .http import Http
    from .sources.base import Source

# progress: tick(step) after each title search ("search") and each source's fetch (its name)
Tick = Callable[[str], None]
# factory(n_works, n_search, fetch_sources) -> a context manager giving the tick
ProgressFactory = Callable[[int, int, list[str]], AbstractContextManager[Tick]]

DEFAULT_MAX_AGE = timedelta(days=7)
DEFAULT_MAX_REMOVALS_SHARE = 0.25  # a run may drop at most this share of the known entries
CHANGES_NAME = "CHANGES.md"
COMMIT_MSG_NAME = "COMMIT_MSG.txt"
HTTP_TEMP_AGE = 600.0  # seconds: an HTTP cache temp file this old belongs to no live writer


@dataclass
class RunOptions:
    input: Path = Path("data/raw.md")
    enriched: Path = Path("data/enriched.json")
    exports: Path = Path("exports")
    overrides: Path = Path("data/overrides.toml")
    offline: bool = False
    # None: look up every paper (the HTTP cache still answers what it has);
    # a timedelta: only entries fetched longer ago than that, new or changed
    max_age: timedelta | None = None
    now: datetime | None = None  # injectable clock for tests
    refresh: bool = False  # also write exports/COMMIT_MSG.txt (the scheduled job's commit)
    allow_removals: bool = False  # drop any number of entries that left the list
    max_removals_share: float = DEFAULT_MAX_REMOVALS_SHARE
    wait: bool = True  # wait for another run on the same enriched.json (else: Busy, exit 2)


@dataclass
class RunResult:
    entries: list[Entry]
    previous: list[Entry]
    removed: list[Entry]
    problems: list[ParseProblem]
    skipped: list[Skipped]  # list items that are not entries (navigation, people, courses...)
    processed: int
    failures: dict[str, str]
    requests: dict[str, int]
    written: list[Path] = field(default_factory=list)
    report: changes.ChangeReport | None = None
    notes: list[str] = field(default_factory=list)  # "file:line: message" warnings for the user


def identity(listed: ListEntry) -> str:
    """How an entry is recognised across runs: its folded listed title."""
    return "t:" + matching.fold(listed.title)


def _match_previous(entries: list[ListEntry], previous: list[Entry]) -> dict[int, Entry]:
    """index in ``entries`` -> previous Entry (by folded title, then URL)."""
    by_title = {"t:" + matching.fold(p.list.title): p for p in previous}
    by_url = {clean_url(p.list.url): p for p in previous if p.list.url}
    out: dict[int, Entry] = {}
    used: set[str] = set()
    for i, e in enumerate(entries):
        p = by_title.get(identity(e))
        if p is None and e.url:
            p = by_url.get(clean_url(e.url))
        if p is not None and p.key not in used:
            out[i] = p
            used.add(p.key)
    return out


def _list_changed(listed: ListEntry, prev: Entry) -> bool:
    a = (listed.title, listed.url, [x.name for x in listed.authors], listed.venue, listed.year)
    b = (prev.list.title, prev.list.url, [x.name for x in prev.list.authors], prev.list.venue, prev.list.year)
    return a != b


def make_sources(settings: Settings, http: Http) -> dict[str, Source]:
    from .sources.arxiv import ArxivSource
    from .sources.crossref import CrossrefSource
    from .sources.dblp import DblpSource
    from .sources.openalex import OpenAlexSource
    from .sources.s2 import S2Source

    classes = (S2Source, ArxivSource, CrossrefSource, OpenAlexSource, DblpSource)
    return {cls.name: cls(http, settings) for cls in classes}


class RemovalsRefused(InputError):
    """The run would drop more of the known entries than allowed."""


def run_pipeline(
    opts: RunOptions,
    settings: Settings | None = None,
    progress_factory: ProgressFactory | None = None,
    notify: Callable[[str], None] | None = None,
) -> RunResult:
    """Run every stage with ``opts.enriched`` locked; ``notify`` is told when
    the run waits for another one."""
    with runlock.hold(opts.enriched, wait=opts.wait, notify=notify):
        return _run_locked(opts, settings or Settings.from_env(), progress_factory)


def _run_locked(opts: RunOptions, settings: Settings, progress_factory: ProgressFactory | None) -> RunResult:
    now = opts.now or datetime.now(UTC)
    today = now.date().isoformat()

    notes = recover_outputs(opts.enriched, opts.exports)
    not_a_list(opts.input)
    parsed = parse_file(opts.input)
    listed = parsed.entries
    if not listed:
        raise InputError(opts.input, no_entries_message(opts.input, parsed))
    previous = export.load_enriched(opts.enriched)
    ovs = overrides.load_overrides(opts.overrides)
    fetched_at = state.load_state(opts.enriched)

    # keys: previous keys are reserved, so adding entries never renames others
    prev_of = _match_previous(listed, previous)
    reserved = {identity(listed[i]): p.key for i, p in prev_of.items()}
    items = [
        (identity(e), keys.base_key(e.authors, e.year, e.title, software=e.kind == KIND_SOFTWARE))
        for e in listed
    ]
    auto_keys = keys.assign_keys(items, reserved)
    entry_ovs = [ovs.get(auto_keys[identity(e)]) for e in listed]
    entry_keys = [
        ov.key if ov is not None and ov.key else auto_keys[identity(e)] for e, ov in zip(listed, entry_ovs, strict=True)
    ]
    notes += overrides.unused(ovs, set(auto_keys.values()) | set(entry_keys))

    # entries that left the list: stop before any network work when too many go
    matched = {p.key for p in prev_of.values()}
    removed = [p for p in previous if p.key not in matched]
    check_removals(removed, previous, opts)

    url_ids = [ids_from_url(e.url) if e.url else Ids() for e in listed]

    # which entries to look up
    works: dict[int, Work] = {}
    if not opts.offline:
        for i, e in enumerate(listed):
            if e.kind == KIND_SOFTWARE:
                continue
            prev = prev_of.get(i)
            if opts.max_age is not None and prev is not None and not _list_changed(e, prev) \
                    and not state.is_stale(fetched_at.get(prev.key), opts.max_age, now):
                continue
            # a full run starts from the list alone (so a warm re-run repeats the
            # same, cached requests); a refresh starts from the verified ids
            works[i] = _new_work(e, url_ids[i], prev if opts.max_age is not None else None, entry_ovs[i])

    health = SourceHealth()
    http = None
    if works:
        from .http import Http

        ttl = (opts.max_age if opts.max_age is not None else DEFAULT_MAX_AGE).total_seconds()
        http = Http(settings, cache_ttl=ttl)
        _clean_http_cache(http)
        sources = make_sources(settings, http)
        todo = list(works.values())
        n_search = sum(1 for w in todo if not lookupable(w.ids))
        with _progress(progress_factory, len(todo), n_search) as tick:
            resolve(todo, sources, health, progress=lambda: tick("search"))
            fetch(todo, sources, health, progress=lambda name: tick(name))
        for w in todo:
            explain(w, health, offline=False)

    entries: list[Entry] = []
    for i, e in enumerate(listed):
        prev = prev_of.get(i)
        ent = merge_entry(entry_keys[i], e, works.get(i), prev, today, offline=opts.offline, list_ids=url_ids[i])
        ov = entry_ovs[i]
        if ov is not None:
            ent = _apply_override(ent, ov, prev)
        entries.append(ent)
        done = works.get(i)
        if done is not None and done.records:
            fetched_at[ent.key] = now.isoformat(timespec="seconds")
        elif prev is not None and prev.key in fetched_at and prev.key != ent.key:
            fetched_at[ent.key] = fetched_at[prev.key]

    # a provisional key (made without year or author) settles once both are known (pipeline/keys.py)
    fixed = {k for k, ov in zip(entry_keys, entry_ovs, strict=True) if ov is not None and ov.key}
    prev_keys = {p.key for p in previous}
    renamed = keys.settle_keys(entries, taken=prev_keys, fixed=fixed)
    for old_key, new_key in renamed.items():
        if old_key in fetched_at:
            fetched_at[new_key] = fetched_at.pop(old_key)

    kept_keys = {e.key for e in entries}
    fetched_at = {k: v for k, v in fetched_at.items() if k in kept_keys}

    requests = dict(sorted(http.counts.items())) if http else {}
    # every key change (settled, or set by an override) is one change of that entry, not a removal + an addition
    rekeyed = {p.key: entries[i].key for i, p in prev_of.items() if entries[i].key != p.key}
    before = [dataclasses.replace(p, key=rekeyed[p.key]) if p.key in rekeyed else p for p in previous]
    report = changes.compute_changes(before, entries, requests, today)
    report.changed += [changes.FieldChange(new_key, "key", old_key, new_key)
                       for old_key, new_key in sorted(rekeyed.items())]
    files = render_outputs(entries, opts.enriched, opts.exports, title=parsed.title or DEFAULT_TITLE)
    if report.has_changes:  # an unchanged run leaves the previous report alone
        files.append(outputs.Output(opts.exports / CHANGES_NAME, changes.render_markdown(report).encode("utf-8")))
    if opts.refresh:
        files.append(outputs.Output(opts.exports / COMMIT_MSG_NAME,
                                    (changes.commit_message(report) + "\n").encode("utf-8")))
    written = commit_outputs(files, opts.enriched, opts.exports, fetched_at)

    return RunResult(
        entries=entries,
        previous=previous,
        removed=removed,
        problems=parsed.problems,
        skipped=parsed.skipped,
        processed=len(works),
        failures=dict(sorted(health.failures.items())),
        requests=requests,
        written=written,
        report=report,
        notes=notes,
    )


def export_only(enriched: Path, exports_dir: Path, title: str | None = None, *, wait: bool = True,
                notify: Callable[[str], None] | None = None) -> tuple[list[Entry], list[Path]]:
    """``python -m pipeline export``: rewrite every export from enriched.json
    (no network), under the run lock and as one set like a run."""
    with runlock.hold(enriched, wait=wait, notify=notify):
        recover_outputs(enriched, exports_dir)
        entries = export.load_enriched(enriched)
        if not entries:
            raise InputError(enriched, "no entries to export (run `python -m pipeline run` first)")
        files = render_outputs(entries, enriched, exports_dir, title=title or DEFAULT_TITLE)
        return entries, commit_outputs(files, enriched, exports_dir, state.load_state(enriched))


def not_a_list(path: Path) -> None:
    """Refuse a JSON file given as the list (``--input data/enriched.json``):
    Markdown would read some of its strings as text, never as the papers."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024).lstrip()
    except OSError:
        return  # the parser reports the unreadable file, with its reason
    if head[:1] in (b"{", b"[") and (path.suffix.lower() == ".json" or _is_json(path)):
        raise InputError(path, "no entries found: it looks like JSON, not a Markdown list "
                         "(the enriched data goes to --enriched); nothing was written")


def _is_json(path: Path) -> bool:
    try:
        json.loads(path.read_bytes())
        return True
    except (OSError, ValueError):
        return False


def no_entries_message(path: Path, parsed: ParseResult) -> str:
    """Why a list gave no entries, with a hint for the usual mistakes."""
    try:
        head = path.read_bytes()[:4096].lstrip()
    except OSError:
        head = b""
    if not head:
        hint = "the file is empty"
    elif parsed.problems:
        hint = f"{len(parsed.problems)} unreadable lines, the first on line {parsed.problems[0].line}"
    else:
        hint = "no list item or table row links to a paper or project (only headings or prose?)"
    return f"no entries found: {hint}; nothing was written"


def check_removals(removed: list[Entry], previous: list[Entry], opts: RunOptions) -> None:
    """Raise :class:`RemovalsRefused` (nothing written) when more than
    ``opts.max_removals_share`` of the previous entries would go, unless
    ``opts.allow_removals``."""
    if opts.allow_removals or not previous or len(removed) <= opts.max_removals_share * len(previous):
        return
    shown = [f"  {p.key}: {p.title}" for p in removed[:30]]
    if len(removed) > 30:
        shown.append(f"  ... and {len(removed) - 30} more")
    raise RemovalsRefused(
        opts.input,
        f"this list would remove {len(removed)} of the {len(previous)} entries in {opts.enriched} "
        f"(more than {opts.max_removals_share:.0%}); nothing was written. Check the list, or run again "
        "with --allow-removals (or a higher --max-removals-share) if that is intended. Entries that "
        "would be removed:\n" + "\n".join(shown),
    )


def render_outputs(entries: list[Entry], enriched: Path, exports_dir: Path, title: str) -> list[outputs.Output]:
    """enriched.json and every export, rendered in memory (nothing written);
    the keys are checked first."""
    export.check_keys(entries, enriched)  # the whole schema check: in the tests, and on load when asked
    bib = export.bibtex_entries(entries)  # rendered once, for references.bib and the page
    texts = [
        (exports_dir / export.BIB_NAME, export.render_bibtex(entries, bib)),
        (exports_dir / export.CSL_NAME, export.render_csl(entries)),
        (exports_dir / README_NAME, render_readme(entries, title)),
        (exports_dir / INDEX_NAME, render_index_html(entries, title, bibtex=lambda e: bib[e.key])),
    ]
    return [outputs.Output(enriched, export.render_enriched(entries)),
            *(outputs.Output(path, text.encode("utf-8")) for path, text in texts)]


def commit_outputs(files: list[outputs.Output], enriched: Path, exports_dir: Path,
                   fetched_at: dict[str, str]) -> list[Path]:
    """Write ``files`` and the state file (fetch times and the generation
    record) as one set; returns the paths written.  The change report and
    commit message, when this run does not rewrite them, stay as they are and
    are recorded as part of the set."""
    mine = {f.path for f in files}
    kept = [outputs.Output(p, p.read_bytes()) for p in (exports_dir / CHANGES_NAME, exports_dir / COMMIT_MSG_NAME)
            if p not in mine and p.is_file()]
    record = outputs.relative_names(files + kept, enriched.parent)
    state_file = outputs.Output(state.state_path(enriched),
                                state.render_state(fetched_at, record).encode("utf-8"))
    outputs.commit([*files, state_file], enriched)
    return [f.path for f in files]


def recover_outputs(enriched: Path, exports_dir: Path) -> list[str]:
    """Finish or undo a killed run's commit (:func:`pipeline.outputs.recover`)
    and report outputs changed since the last run wrote them."""
    notes = outputs.recover(enriched, [exports_dir])
    changed = outputs.check(state.load_generation(enriched), enriched.parent)
    if changed:
        notes.append(f"{enriched.parent}: changed since the last run wrote them (they will be rewritten): "
                     + ", ".join(changed))
    return notes


def _clean_http_cache(http: Http) -> None:
    """Temp files of killed writers in the HTTP cache (shared with other runs,
    so only those too old to belong to a live one)."""
    cache_dir = getattr(http, "cache_dir", None)
    if cache_dir is None or not Path(cache_dir).is_dir():
        return
    for d in [Path(cache_dir), *(p for p in Path(cache_dir).iterdir() if p.is_dir())]:
        fsutil.remove_stale_temps(d, older_than=HTTP_TEMP_AGE)


def _new_work(e: ListEntry, url_ids: Ids, prev: Entry | None, ov: EntryOverride | None) -> Work:
    ids = copy.deepcopy(url_ids)
    origin = {k: "list" for k, v in ids.__dict__.items() if v is not None}
    rejected: set[str] = set()
    pinned: set[str] = set()
    if ov is not None:
        rejected = set(ov.reject)
        for k, v in ov.ids.__dict__.items():
            if v is not None:
                setattr(ids, k, v)
                origin[k] = "override"
                pinned.add(k)
    # identifiers a previous run verified (not those only guessed from the list)
    if prev is not None and prev.status.resolved and not _list_changed(e, prev):
        for k, v in prev.ids.__dict__.items():
            if v is not None and getattr(ids, k) is None and not _rejected(ov, k, v):
                setattr(ids, k, v)
                origin[k] = prev.provenance.get(f"ids.{k}", "previous")
    for k in overrides.REJECTABLE:
        v = getattr(ids, k)
        if v is not None and _rejected(ov, k, v) and k not in pinned:
            setattr(ids, k, None)
            origin.pop(k, None)
    return Work(entry=e, ids=ids, id_origin=origin, rejected=rejected, pinned=pinned)


def _rejected(ov: EntryOverride | None, field_name: str, value: object) -> bool:
    return field_name in overrides.REJECTABLE and overrides.is_rejected(ov, **{field_name: str(value)})


def _apply_override(ent: Entry, ov: EntryOverride, prev: Entry | None) -> Entry:
    out = overrides.restore_locked(overrides.apply_overrides(ent, ov), prev, ov)
    out.provenance = dict(sorted(out.provenance.items()))
    return out


@contextlib.contextmanager
def _no_progress() -> Iterator[Tick]:
    yield lambda _step: None


def _progress(factory: ProgressFactory | None, n_works: int, n_search: int) -> AbstractContextManager[Tick]:
    if factory is None:
        return _no_progress()
    return factory(n_works, n_search, list(FETCH_ORDER))
