"""The whole job, stage by stage: parse -> resolve -> fetch -> merge -> export.

:func:`run_pipeline` is what ``python -m pipeline run`` and ``refresh``
call.  It never loses data: the previous ``data/enriched.json`` is read
first, every value it had survives a failing source, and every file is
written atomically.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from . import export, fsutil, keys, matching, state
from .config import Settings
from .identifiers import clean_url, ids_from_url
from .merge import merge_entry
from .models import KIND_SOFTWARE, Entry, Ids, ListEntry, ParseProblem
from .parse import parse_file
from .reader import DEFAULT_TITLE, write_reader_outputs
from .resolve import SourceHealth, Work, explain, lookupable, resolve
from .fetch import FETCH_ORDER, fetch

DEFAULT_MAX_AGE = timedelta(days=7)
EXPORT_NAMES = ["references.bib", "references.csl.json", "README.md", "index.html", "CHANGES.md", "COMMIT_MSG.txt"]


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


@dataclass
class RunResult:
    entries: list[Entry]
    previous: list[Entry]
    removed: list[Entry]
    problems: list[ParseProblem]
    processed: int
    failures: dict[str, str]
    requests: dict[str, int]
    written: list[Path] = field(default_factory=list)
    report: object | None = None  # pipeline.changes.ChangeReport


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


def _load_overrides(path: Path):
    from .overrides import load_overrides

    return load_overrides(path)


def make_sources(settings: Settings, http) -> dict:
    from .sources.arxiv import ArxivSource
    from .sources.crossref import CrossrefSource
    from .sources.dblp import DblpSource
    from .sources.openalex import OpenAlexSource
    from .sources.s2 import S2Source

    return {cls.name: cls(http, settings) for cls in (S2Source, ArxivSource, CrossrefSource, OpenAlexSource, DblpSource)}


def run_pipeline(
    opts: RunOptions,
    settings: Settings | None = None,
    progress_factory: Callable | None = None,
) -> RunResult:
    now = opts.now or datetime.now(timezone.utc)
    today = now.date().isoformat()
    settings = settings or Settings.from_env()

    parsed = parse_file(opts.input)
    listed = parsed.entries
    previous = export.load_enriched(opts.enriched)
    overrides = _load_overrides(opts.overrides)
    fetched_at = state.load_state(opts.enriched)

    # keys: previous keys are reserved, so adding entries never renames others
    prev_of = _match_previous(listed, previous)
    reserved = {identity(listed[i]): p.key for i, p in prev_of.items()}
    items = [
        (identity(e), keys.base_key(e.authors, e.year, e.title, software=e.kind == KIND_SOFTWARE))
        for e in listed
    ]
    auto_keys = keys.assign_keys(items, reserved)
    entry_ovs = [overrides.get(auto_keys[identity(e)]) for e in listed]
    entry_keys = [
        ov.key if ov is not None and ov.key else auto_keys[identity(e)] for e, ov in zip(listed, entry_ovs)
    ]
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
        if entry_ovs[i] is not None:
            ent = _apply_override(ent, entry_ovs[i], prev)
        entries.append(ent)
        w = works.get(i)
        if w is not None and w.records:
            fetched_at[ent.key] = now.isoformat(timespec="seconds")
        elif prev is not None and prev.key in fetched_at and prev.key != ent.key:
            fetched_at[ent.key] = fetched_at[prev.key]

    kept_keys = {e.key for e in entries}
    matched = {p.key for p in prev_of.values()}
    removed = [p for p in previous if p.key not in matched]
    fetched_at = {k: v for k, v in fetched_at.items() if k in kept_keys}

    # a run killed while writing may have left temp files: never let them linger
    fsutil.remove_stale_temps(opts.enriched.parent, [opts.enriched.name, state.state_path(opts.enriched).name])
    fsutil.remove_stale_temps(opts.exports, EXPORT_NAMES)
    written = export.write_exports(entries, opts.enriched, opts.exports)
    written += write_reader_outputs(entries, opts.exports, title=parsed.title or DEFAULT_TITLE)
    if works:
        state.save_state(opts.enriched, fetched_at)

    requests = dict(sorted(http.counts.items())) if http else {}
    result = RunResult(
        entries=entries,
        previous=previous,
        removed=removed,
        problems=parsed.problems,
        processed=len(works),
        failures=dict(sorted(health.failures.items())),
        requests=requests,
        written=written,
    )
    return result


def _new_work(e: ListEntry, url_ids: Ids, prev: Entry | None, ov) -> Work:
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
            if v is not None and getattr(ids, k) is None and f"{k}:{v}" not in rejected:
                setattr(ids, k, v)
                origin[k] = prev.provenance.get(f"ids.{k}", "previous")
    for k in ("doi", "arxiv", "s2"):
        v = getattr(ids, k)
        if v is not None and f"{k}:{v}" in rejected and k not in pinned:
            setattr(ids, k, None)
            origin.pop(k, None)
    return Work(entry=e, ids=ids, id_origin=origin, rejected=rejected, pinned=pinned)


def _apply_override(ent: Entry, ov, prev: Entry | None) -> Entry:
    from .overrides import apply_overrides

    out = apply_overrides(ent, ov)
    for name in getattr(ov, "lock", []) or []:
        if prev is not None and hasattr(prev, name):
            setattr(out, name, copy.deepcopy(getattr(prev, name)))
            if name in prev.provenance:
                out.provenance[name] = prev.provenance[name]
    out.provenance = dict(sorted(out.provenance.items()))
    return out


class _NoProgress:
    def __enter__(self):
        return lambda *_: None

    def __exit__(self, *exc):
        return False


def _progress(factory, n_works: int, n_search: int):
    if factory is None:
        return _NoProgress()
    return factory(n_works, n_search, list(FETCH_ORDER))
