"""What a refresh changed: ``exports/CHANGES.md``, the terminal summary and the
commit message of the scheduled refresh.

``compute_changes(old, new, requests, today)`` compares two versions of
``data/enriched.json`` (entries matched by ``key``).  The renderers are pure and
deterministic: everything is sorted by key (then field), so the same inputs always
give the same text.  Commit message layout follows git's conventions (summary line
of at most 72 characters, blank line, body): https://git-scm.com/docs/git-commit#_discussion
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.models import Entry, Ids, Person

SUMMARY_MAX = 72
RESOLVED_IDS = ("doi", "arxiv")  # "newly resolved" when one of these appears
_SHORT = 120  # display width of titles and author lists in field changes


@dataclass
class EntryRef:
    key: str
    title: str


@dataclass
class ResolvedId:
    key: str
    id_type: str  # "doi" | "arxiv"
    value: str


@dataclass
class FieldChange:
    """``old``/``new`` are display strings (None: no value); ``note`` replaces
    them where the values are too long to show (the abstract)."""

    key: str
    field: str
    old: str | None = None
    new: str | None = None
    note: str | None = None


@dataclass
class CitationDelta:
    key: str
    old: int | None
    new: int

    @property
    def delta(self) -> int | None:
        return None if self.old is None else self.new - self.old


@dataclass
class EntryWarning:
    key: str
    message: str
    new: bool  # not among the entry's warnings before this refresh


@dataclass
class Unresolved:
    key: str
    reason: str | None


@dataclass
class ChangeReport:
    today: str
    added: list[EntryRef] = field(default_factory=list)
    removed: list[EntryRef] = field(default_factory=list)
    resolved: list[ResolvedId] = field(default_factory=list)
    changed: list[FieldChange] = field(default_factory=list)
    citations: list[CitationDelta] = field(default_factory=list)
    warnings: list[EntryWarning] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        """True when the entries differ (warnings, unresolved entries and
        request counts describe the state, they are not changes)."""
        return bool(self.added or self.removed or self.resolved or self.changed or self.citations)


# --------------------------------------------------------------------------- computing


def compute_changes(old: list[Entry] | None, new: list[Entry], requests: dict[str, int],
                    today: str) -> ChangeReport:
    """Compare the previous entries (None: first run) with the refreshed ones,
    matched by key."""
    before = {e.key: e for e in old or []}
    after = {e.key: e for e in new}
    report = ChangeReport(today=today, requests={k: requests[k] for k in sorted(requests)})
    report.added = [EntryRef(k, after[k].title) for k in sorted(after.keys() - before.keys())]
    report.removed = [EntryRef(k, before[k].title) for k in sorted(before.keys() - after.keys())]

    for key in sorted(after):
        n = after[key]
        o = before.get(key)
        if o is not None:
            _compare(o, n, report)
        old_warnings = set(o.status.warnings) if o else set()
        report.warnings += [EntryWarning(key, w, w not in old_warnings) for w in n.status.warnings]
        if not n.status.resolved:
            report.unresolved.append(Unresolved(key, n.status.reason))
    return report


def _compare(o: Entry, n: Entry, report: ChangeReport) -> None:
    key = n.key
    for name in ("title", "authors", "year", "venue"):
        a, b = getattr(o, name), getattr(n, name)
        if name == "authors":
            a, b = _names(a), _names(b)
        if a != b:
            report.changed.append(FieldChange(key, name, _show(a), _show(b)))
    if o.abstract != n.abstract:
        note = ("abstract added" if not o.abstract else
                "abstract removed" if not n.abstract else "abstract changed")
        report.changed.append(FieldChange(key, "abstract", note=note))
    for f in dataclasses.fields(Ids):
        a, b = getattr(o.ids, f.name), getattr(n.ids, f.name)
        if a == b:
            continue
        if a is None and f.name in RESOLVED_IDS:
            report.resolved.append(ResolvedId(key, f.name, str(b)))
        else:
            report.changed.append(FieldChange(key, f"ids.{f.name}", _show(a), _show(b)))
    a, b = o.citations.count, n.citations.count
    if b is not None and a != b:
        report.citations.append(CitationDelta(key, a, b))


def _names(people: list[Person]) -> str | None:
    return ", ".join(p.name for p in people) or None


def _show(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 3].rstrip() + "..."


# --------------------------------------------------------------------------- rendering


def _counts(report: ChangeReport, tier: int = 0) -> list[str]:
    """The summary parts, e.g. ["2 new", "1 removed", "5 citation updates"];
    tiers 1 and 2 use ever shorter words."""
    def part(n: int, long: str, medium: str, short: str) -> str | None:
        return f"{n} {(long, medium, short)[tier]}" if n else None

    n_cit = len(report.citations)
    n_changed = len({c.key for c in report.changed})
    s_cit = "" if n_cit == 1 else "s"
    parts = [
        part(len(report.added), "new", "new", "new"),
        part(len(report.removed), "removed", "removed", "removed"),
        part(n_cit, f"citation update{s_cit}", f"citation{s_cit}", "cit."),
        part(len(report.resolved), "newly resolved", "resolved", "resolved"),
        part(n_changed, "changed entr" + ("y" if n_changed == 1 else "ies"), "changed", "changed"),
    ]
    return [p for p in parts if p]


def summary_line(report: ChangeReport, width: int | None = None) -> str:
    """"2 new, 1 removed, 5 citation updates, ..." or "No changes"; with a
    ``width``, shorter words are used until the line fits (cut as a last resort)."""
    if not report.has_changes:
        return "No changes"
    for tier in range(3):
        text = ", ".join(_counts(report, tier))
        if width is None or len(text) <= width:
            return text
    return text[:width]


def _id_label(id_type: str) -> str:
    return {"doi": "DOI", "arxiv": "arXiv"}.get(id_type, id_type)


def _change_text(c: FieldChange, quote: Callable[[str | None], str]) -> str:
    if c.note:
        return c.note
    return f"{c.field}: {quote(c.old)} -> {quote(c.new)}"


def _delta_text(c: CitationDelta) -> str:
    if c.delta is None:
        return f"{c.new} (first count)"
    return f"{c.old} -> {c.new} ({c.delta:+d})"


def _sections(report: ChangeReport, code: Callable[[str], str], quote: Callable[[str | None], str],
              text: Callable[[str], str], only_new_warnings: bool = False) -> list[tuple[str, list[str]]]:
    """(heading, [item, ...]) for every non-empty section, in a fixed order.
    ``code`` formats a key, ``quote`` a value, ``text`` free text."""
    warnings = [w for w in report.warnings if w.new or not only_new_warnings]
    sections = [
        ("New entries", [f"{code(e.key)}: {text(e.title)}" for e in report.added]),
        ("Removed entries", [f"{code(e.key)}: {text(e.title)}" for e in report.removed]),
        ("Newly resolved identifiers",
         [f"{code(r.key)}: {_id_label(r.id_type)} {code(r.value)}" for r in report.resolved]),
        ("Changed fields", [f"{code(c.key)}: {_change_text(c, quote)}" for c in report.changed]),
        ("Citation counts", [f"{code(c.key)}: {_delta_text(c)}" for c in report.citations]),
        ("Unresolved entries",
         [f"{code(u.key)}: {text(u.reason or 'no reason recorded')}" for u in report.unresolved]),
        ("Warnings", [f"{code(w.key)}: {text(w.message)}" + (" (new)" if w.new and not only_new_warnings else "")
                      for w in warnings]),
        ("Requests per source", [f"{s}: {n}" for s, n in report.requests.items()]),
    ]
    return [(h, items) for h, items in sections if items]


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def _md_text(s: str) -> str:
    return " ".join(s.split()).translate(_MD_SPECIAL)


def _md_quote(s: str | None) -> str:
    return "(none)" if s is None else f"\u201c{_md_text(s)}\u201d"


def _plain_quote(s: str | None) -> str:
    return "(none)" if s is None else f'"{" ".join(s.split())}"'


def _plain_text(s: str) -> str:
    return " ".join(s.split())


def render_markdown(report: ChangeReport) -> str:
    """``exports/CHANGES.md``: a heading with the date, the summary, then one
    section per non-empty kind of change."""
    lines = [f"# Changes {report.today}", "", summary_line(report) + "."]
    for heading, items in _sections(report, lambda s: f"`{s}`", _md_quote, _md_text):
        lines += ["", f"## {heading} ({len(items)})", ""]
        lines += [f"- {item}" for item in items]
    return "\n".join(lines) + "\n"


def render_text(report: ChangeReport, *, omit: tuple[str, ...] = (), limit: int | None = None) -> str:
    """The same report for the terminal (no Markdown); ``omit`` names
    sections to leave out (the run summary already shows some), ``limit``
    caps the items shown per section (the Markdown report has them all)."""
    lines = [f"Changes {report.today}: {summary_line(report)}"]
    for heading, items in _sections(report, str, _plain_quote, _plain_text):
        if heading in omit:
            continue
        lines += ["", f"{heading} ({len(items)}):"]
        shown = items if limit is None else items[:limit]
        lines += [f"  {item}" for item in shown]
        if len(shown) < len(items):
            lines.append(f"  ... and {len(items) - len(shown)} more (see CHANGES.md)")
    return "\n".join(lines) + "\n"


def commit_message(report: ChangeReport) -> str:
    """Summary line "refresh: ..." (<= 72 characters), blank line, then the
    details; warnings are listed only when they are new."""
    subject = "refresh: " + (summary_line(report, SUMMARY_MAX - len("refresh: "))
                             if report.has_changes else "no changes to entries")
    body = [f"Refresh of {report.today}."]
    for heading, items in _sections(report, str, _plain_quote, _plain_text, only_new_warnings=True):
        if heading == "Warnings":
            heading = "New warnings"
        body += ["", f"{heading}:"]
        body += [f"- {item}" for item in items]
    return subject + "\n\n" + "\n".join(body) + "\n"
