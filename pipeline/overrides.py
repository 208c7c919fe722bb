"""Human corrections: ``data/overrides.toml``.

The file is read with :mod:`tomllib` (https://docs.python.org/3/library/tomllib.html,
TOML 1.0: https://toml.io/en/v1.0.0).  One table per entry, named by the citation
key the tool assigned (see ``exports/references.bib``)::

    [entry.jia2019taso]
    doi = "10.1145/3341301.3359630"   # pin identifiers: doi, arxiv, s2, dblp, openalex
    arxiv = "2006.06762"              # "arXiv:2006.06762v2" pins the version too
    s2 = "0123456789abcdef0123456789abcdef01234567"
    dblp = "conf/sosp/JiaPTWZA19"
    openalex = "W2981796843"
    reject = ["10.1145/0000000.0000000", "arXiv:2101.00001"]  # candidates never to accept
    key = "jia2019taso"               # fix the citation key
    lock = ["venue"]                  # keep the current value; refresh never changes it

    [entry.jia2019taso.set]           # set any of these fields
    title = "TASO: Optimizing Deep Learning Computation with Automatic Generation of Graph Substitutions"
    authors = ["Zhihao Jia", "Oded Padon"]   # "Given Family" or "Family, Given"
    year = 2019
    venue = "SOSP"
    venue_type = "conference"         # conference | journal | preprint
    abstract = "..."
    pages = "47-62"                   # pages, volume, issue: string or integer
    volume = "1"
    issue = "2"
    publisher = "ACM"
    url = "https://dl.acm.org/doi/10.1145/3341301.3359630"
    pdf_url = "https://..."

Every name, value and type is checked when the file is loaded, before any network
work, against exactly what the rest accepts: citation keys against the pattern of
``pipeline/schemas/enriched.schema.json`` (:data:`KEY_PATTERN`), duplicate keys and
tables (tomllib refuses them), sizes (:data:`MAX_FILE_BYTES` for the file,
:data:`MAX_STRING_CHARS` per string, :data:`MAX_LIST_ITEMS` per list).  A mistake
raises :class:`pipeline.errors.InputError` naming the file and the line of the
offending key (TOML syntax errors: the line tomllib reports).  A table whose key
matches no entry of the list is reported by :func:`unused` (a warning naming its
line).  A missing file means "no overrides".

``reject`` holds DOIs, arXiv ids and Semantic Scholar paper ids (40 hex digits); they
are stored normalised and prefixed with their kind, as ``Work.rejected`` holds them:
``"doi:10.1145/..."`` (lowercased), ``"arxiv:2006.06762"`` (no version; its arXiv
DOI ``"doi:10.48550/arxiv.2006.06762"`` is added too), ``"s2:<40 hex>"``.  Those
keys are built only by :func:`reject_keys` and tested only by :func:`rejects` (or
:func:`is_rejected` for an override).  Locks are not applied here: the merge keeps the previous value of each
field in :func:`locked_fields` (:func:`restore_locked` does that for one entry).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bibtexparser.middlewares.names import parse_single_name_into_parts

from pipeline.errors import InputError
from pipeline.identifiers import normalize_arxiv, normalize_doi
from pipeline.models import VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT, Entry, Ids, Person

ID_FIELDS = ("doi", "arxiv", "s2", "dblp", "openalex")
REJECTABLE = ("doi", "arxiv", "s2")  # the id kinds a ``reject`` list can name
ENTRY_FIELDS = (*ID_FIELDS, "reject", "key", "lock", "set")
VENUE_TYPES = (VENUE_CONFERENCE, VENUE_JOURNAL, VENUE_PREPRINT)

_S2_RE = re.compile(r"[0-9a-f]{40}")
_OPENALEX_RE = re.compile(r"(?:https?://openalex\.org/)?(W\d+)", re.IGNORECASE)
_DBLP_RE = re.compile(r"[a-z]+(?:/[^/\s]+)+")
# Citation keys: the one pattern enriched.json's schema accepts (safe in BibTeX and pandoc).
_SCHEMA = Path(__file__).parent / "schemas" / "enriched.schema.json"
KEY_PATTERN: str = json.loads(_SCHEMA.read_text(encoding="utf-8"))["$defs"]["entry"]["properties"]["key"]["pattern"]
_KEY_RE = re.compile(KEY_PATTERN)
MAX_FILE_BYTES = 1_000_000  # the whole overrides file
MAX_STRING_CHARS = 10_000  # any one string value (an abstract fits; a pasted PDF does not)
MAX_LIST_ITEMS = 1_000  # any one list (authors, reject, lock)
_URL_RE = re.compile(r"https?://\S+")
_ARXIV_DOI = "10.48550/arxiv."  # https://info.arxiv.org/help/doi.html
# how the validators report a mistake: fail(message, *key path) -> the error to raise
Fail = Callable[..., InputError]
_TOML_POS_RE = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$")


@dataclass
class FieldValues:
    """Values from an entry's ``[entry.KEY.set]`` table; None means "not set"."""

    title: str | None = None
    authors: list[Person] | None = None
    year: int | None = None
    venue: str | None = None
    venue_type: str | None = None
    abstract: str | None = None
    pages: str | None = None
    volume: str | None = None
    issue: str | None = None
    publisher: str | None = None
    url: str | None = None
    pdf_url: str | None = None

    def items(self) -> list[tuple[str, Any]]:
        """The set fields as ``(name, value)``, in declaration order."""
        return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None]


SET_FIELDS = tuple(f.name for f in dataclasses.fields(FieldValues))
LOCKABLE_FIELDS = SET_FIELDS


@dataclass
class EntryOverride:
    """The corrections for one entry.  ``line`` is the line of its table header."""

    match_key: str
    line: int
    ids: Ids = field(default_factory=Ids)
    reject: list[str] = field(default_factory=list)
    key: str | None = None
    lock: list[str] = field(default_factory=list)
    set: FieldValues = field(default_factory=FieldValues)


@dataclass
class Overrides:
    entries: dict[str, EntryOverride] = field(default_factory=dict)
    path: str = ""

    def get(self, key: str) -> EntryOverride | None:
        """The override for an entry whose key is ``key``: the table name, or
        the ``key = ...`` an override renamed it to (as in enriched.json)."""
        if key in self.entries:
            return self.entries[key]
        for ov in self.entries.values():
            if ov.key == key:
                return ov
        return None


# --------------------------------------------------------------------------- lines


class _Lines:
    """Maps TOML key paths to the line that defines them, by scanning the raw
    text: table headers ``[a.b]`` and ``key = value`` lines (dotted and quoted
    keys are parsed by tomllib itself).  Content of multi-line strings is skipped."""

    def __init__(self, text: str):
        self.n_lines = max(1, len(text.splitlines()))
        self.paths: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        in_string: str | None = None
        for lineno, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            stripped = line.strip()
            header = re.match(r"\[\[?(.+?)\]\]?\s*(?:#.*)?$", stripped)
            if header:
                table = _key_path(header.group(1)) or table
                self._add(table, lineno)
                continue
            path = _assignment_path(line)
            if path:
                self._add(table + path, lineno)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_string = quote

    def _add(self, path: tuple[str, ...], lineno: int) -> None:
        for i in range(1, len(path) + 1):
            self.paths.setdefault(path[:i], lineno)

    def line_of(self, *path: str) -> int:
        """Line of the longest known prefix of ``path`` (1 if none)."""
        for i in range(len(path), 0, -1):
            if path[:i] in self.paths:
                return self.paths[path[:i]]
        return 1


def _flatten(d: Any) -> tuple[str, ...]:
    out: list[str] = []
    while isinstance(d, dict) and len(d) == 1:
        k, d = next(iter(d.items()))
        out.append(k)
    return tuple(out)


def _key_path(key_text: str) -> tuple[str, ...] | None:
    try:
        return _flatten(tomllib.loads(f"{key_text} = 0"))
    except tomllib.TOMLDecodeError:
        return None


def _assignment_path(line: str) -> tuple[str, ...] | None:
    """Key path of a ``key = value`` line, trying each ``=`` as the separator
    (a quoted key may itself contain ``=``)."""
    stripped = line.lstrip()
    if not stripped or stripped[0] in "#[":
        return None
    for m in re.finditer("=", line):
        path = _key_path(line[: m.start()].strip())
        if path:
            return path
    return None


# --------------------------------------------------------------------------- loading


def load_overrides(path: str | Path) -> Overrides:
    """Read and validate an overrides file; a missing file gives no overrides."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"{size:,} bytes; an overrides file may hold at most {MAX_FILE_BYTES:,} "
                             "(MAX_FILE_BYTES)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Overrides(entries={}, path=str(path))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    return parse_overrides(text, str(path))


def parse_overrides(text: str, path: str = "<string>") -> Overrides:
    """Validate the TOML ``text`` (see the module docstring for the format)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, path) from None
    lines = _Lines(text)

    def fail(message: str, *key_path: str) -> InputError:
        return InputError(path, message, lines.line_of(*key_path))

    for top in data:
        if top != "entry":
            raise fail(f"unknown table or key {top!r} (only [entry.KEY] tables are allowed)", top)
    tables = data.get("entry", {})
    if not isinstance(tables, dict):
        raise fail("'entry' must be a table of [entry.KEY] tables", "entry")

    entries: dict[str, EntryOverride] = {}
    targets: dict[str, str] = {}  # final citation key -> table name
    for match_key, table in tables.items():
        where = ("entry", match_key)
        if not isinstance(table, dict):
            raise fail(f"entry.{match_key} must be a table, e.g. [entry.{match_key}]", *where)
        ov = _entry(match_key, table, lines.line_of(*where),
                    lambda msg, *k, where=where: fail(msg, *where, *k))
        target = ov.key or match_key
        if target in targets:
            raise fail(f"entry.{match_key}: citation key {target!r} is already used by "
                       f"entry.{targets[target]}", *where, *(("key",) if ov.key else ()))
        targets[target] = match_key
        entries[match_key] = ov
    return Overrides(entries=dict(sorted(entries.items())), path=path)


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, path: str) -> InputError:
    message = str(exc)
    line = getattr(exc, "lineno", None)  # Python >= 3.14
    m = _TOML_POS_RE.search(message)
    if m:
        message = message[: m.start()]
        if line is None:
            line = int(m.group(1)) if m.group(1) else max(1, len(text.splitlines()))
    return InputError(path, f"TOML syntax error: {message}", line)


def _entry(match_key: str, table: dict[str, Any], line: int, fail: Fail) -> EntryOverride:
    name = f"entry.{match_key}"
    ov = EntryOverride(match_key=match_key, line=line)
    for k in table:
        if k not in ENTRY_FIELDS:
            raise fail(f"{name}: unknown field {k!r} (allowed: {', '.join(ENTRY_FIELDS)})", k)

    ids: dict[str, Any] = {}
    for k in ID_FIELDS:
        if k in table:
            ids.update(_pinned_id(k, _string(table[k], f"{name}.{k}", fail, k), f"{name}.{k}", fail))
    ov.ids = Ids(**ids)

    if "reject" in table:
        values = _string_list(table["reject"], f"{name}.reject", fail, "reject")
        rejected: set[str] = set()
        for v in values:
            keys = _reject_ids(v)
            if keys is None:
                raise fail(f"{name}.reject: {v!r} is not a DOI, arXiv id or Semantic Scholar paperId",
                           "reject")
            rejected |= keys
        ov.reject = sorted(rejected)
    if "key" in table:
        key = _string(table["key"], f"{name}.key", fail, "key")
        if not _KEY_RE.fullmatch(key):
            raise fail(f"{name}.key: {key!r} is not a usable citation key (a letter or digit, then "
                       "letters, digits and _ : . - only)", "key")
        ov.key = key
    if "lock" in table:
        lock = _string_list(table["lock"], f"{name}.lock", fail, "lock")
        for f in lock:
            if f not in LOCKABLE_FIELDS:
                raise fail(f"{name}.lock: unknown field {f!r} (allowed: {', '.join(LOCKABLE_FIELDS)})", "lock")
        ov.lock = sorted(set(lock))
    if "set" in table:
        if not isinstance(table["set"], dict):
            raise fail(f"{name}.set must be a table, e.g. [{name}.set]", "set")
        ov.set = _field_values(table["set"], f"{name}.set", lambda msg, *k: fail(msg, "set", *k))
    return ov


def _string(value: Any, name: str, fail: Fail, *key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{name} must be a non-empty string, got {_show(value)}", *key)
    _check_size(value, name, fail, *key)
    return value.strip()


def _string_list(value: Any, name: str, fail: Fail, *key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"{name} must be a list of non-empty strings, got {_show(value)}", *key)
    if len(value) > MAX_LIST_ITEMS:
        raise fail(f"{name} has {len(value):,} items; at most {MAX_LIST_ITEMS:,} are allowed (MAX_LIST_ITEMS)", *key)
    for v in value:
        _check_size(v, name, fail, *key)
    return [v.strip() for v in value]


def _check_size(value: str, name: str, fail: Fail, *key: str) -> None:
    if len(value) > MAX_STRING_CHARS:
        raise fail(f"{name} is {len(value):,} characters long; at most {MAX_STRING_CHARS:,} are allowed "
                   "(MAX_STRING_CHARS)", *key)


def _show(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    return kind if isinstance(value, (list, dict)) else f"{kind} ({value!r})"


def _pinned_id(k: str, value: str, name: str, fail: Fail) -> dict[str, Any]:
    if k == "doi":
        doi = normalize_doi(value)
        if doi is None:
            raise fail(f"{name}: {value!r} is not a DOI (expected e.g. 10.1145/3341301.3359630)", k)
        return {"doi": doi}
    if k == "arxiv":
        parsed = normalize_arxiv(value)
        if parsed is None:
            raise fail(f"{name}: {value!r} is not an arXiv id (expected e.g. 2006.06762)", k)
        return {"arxiv": parsed[0], "arxiv_version": parsed[1]}
    if k == "s2":
        if not _S2_RE.fullmatch(value.lower()):
            raise fail(f"{name}: {value!r} is not a Semantic Scholar paperId (40 hex digits)", k)
        return {"s2": value.lower()}
    if k == "openalex":
        m = _OPENALEX_RE.fullmatch(value)
        if not m:
            raise fail(f"{name}: {value!r} is not an OpenAlex work id (expected e.g. W2963403868)", k)
        return {"openalex": m.group(1).upper()}
    if not _DBLP_RE.fullmatch(value):  # dblp
        raise fail(f"{name}: {value!r} is not a DBLP key (expected e.g. conf/sosp/JiaPTWZA19)", k)
    return {"dblp": value}


def _reject_ids(value: str) -> set[str] | None:
    """``value`` (a DOI, arXiv id or S2 paperId, unnormalised) as reject keys;
    None when it is none of them."""
    doi = normalize_doi(value)
    if doi and not doi.startswith(_ARXIV_DOI):
        return reject_keys(doi=doi)
    arxiv = normalize_arxiv(doi.removeprefix(_ARXIV_DOI) if doi else value)
    if arxiv:
        return reject_keys(arxiv=arxiv[0])
    if _S2_RE.fullmatch(value.lower()):
        return reject_keys(s2=value)
    return None


def reject_keys(doi: str | None = None, arxiv: str | None = None, s2: str | None = None) -> set[str]:
    """The reject keys (``"doi:..."``, ``"arxiv:..."``, ``"s2:..."``) that
    stand for these identifiers: the one place they are built.  Values are
    normalised; an arXiv id and its arXiv DOI (10.48550/arXiv.ID) stand for
    each other.  Values that are not identifiers give no key."""
    keys: set[str] = set()
    d = normalize_doi(doi) if doi else None
    if d and d.startswith(_ARXIV_DOI):
        arxiv = arxiv or d.removeprefix(_ARXIV_DOI)
    elif d:
        keys.add(f"doi:{d}")
    a = normalize_arxiv(arxiv) if arxiv else None
    if a:
        keys |= {f"arxiv:{a[0]}", f"doi:{_ARXIV_DOI}{a[0].lower()}"}
    if s2 and _S2_RE.fullmatch(s2.lower()):
        keys.add(f"s2:{s2.lower()}")
    return keys


def rejects(rejected: set[str] | list[str], doi: str | None = None, arxiv: str | None = None,
            s2: str | None = None) -> bool:
    """True when a candidate with any of these ids is among the ``rejected``
    keys (an override's ``reject``, or ``Work.rejected``)."""
    return bool(rejected) and not reject_keys(doi, arxiv, s2).isdisjoint(rejected)


def _field_values(table: dict[str, Any], name: str, fail: Fail) -> FieldValues:
    values: dict[str, Any] = {}
    for k, v in table.items():
        full = f"{name}.{k}"
        if k not in SET_FIELDS:
            raise fail(f"{name}: unknown field {k!r} (allowed: {', '.join(SET_FIELDS)})", k)
        if k == "authors":
            values[k] = [_person(n) for n in _string_list(v, full, fail, k)]
            if not values[k]:
                raise fail(f"{full} must not be empty", k)
        elif k == "year":
            if type(v) is not int or not 1000 <= v <= 2999:
                raise fail(f"{full} must be a four-digit integer year, got {_show(v)}", k)
            values[k] = v
        elif k in ("pages", "volume", "issue") and type(v) is int:
            values[k] = str(v)
        else:
            values[k] = _string(v, full, fail, k)
            if k == "venue_type" and values[k] not in VENUE_TYPES:
                raise fail(f"{full}: {v!r} is not one of {', '.join(VENUE_TYPES)}", k)
            if k in ("url", "pdf_url") and not _URL_RE.fullmatch(values[k]):
                raise fail(f"{full}: {v!r} is not an http(s) URL", k)
    return FieldValues(**values)


def _person(text: str) -> Person:
    """"Given Family" or "Family, Given", split by BibTeX's name rules
    (https://bibtexparser.readthedocs.io/en/main/customize.html#names); a
    one-part name keeps given/family null."""
    parts = parse_single_name_into_parts(text, strict=False)
    family = " ".join(parts.von + parts.last + parts.jr).strip("{}") or None
    given = " ".join(parts.first) or None
    name = " ".join(p for p in (given, family) if p)
    if not given:
        return Person(name=name)
    return Person(name=name, given=given, family=family)


# --------------------------------------------------------------------------- using


def apply_overrides(entry: Entry, ov: EntryOverride) -> Entry:
    """A copy of ``entry`` with the pinned ids, the set fields and the new key;
    each of them is marked ``"override"`` in ``provenance`` (ids as ``ids.doi``...,
    the key as ``key``).  Locked fields are left to :func:`restore_locked`."""
    out = copy.deepcopy(entry)
    for name, value in ov.set.items():
        setattr(out, name, copy.deepcopy(value))
        out.provenance[name] = "override"
    for f in ID_FIELDS:
        value = getattr(ov.ids, f)
        if value is None:
            continue
        if f == "arxiv" and (value != out.ids.arxiv or ov.ids.arxiv_version is not None):
            out.ids.arxiv_version = ov.ids.arxiv_version
        setattr(out.ids, f, value)
        out.provenance[f"ids.{f}"] = "override"
    if ov.key:
        out.key = ov.key
        out.provenance["key"] = "override"
    out.provenance = dict(sorted(out.provenance.items()))
    return out


def is_rejected(ov: EntryOverride | None, doi: str | None = None, arxiv: str | None = None,
                s2: str | None = None) -> bool:
    """True when a candidate with any of these ids is on the entry's reject list.
    Inputs may be unnormalised; an arXiv DOI counts as its arXiv id."""
    return ov is not None and rejects(ov.reject, doi, arxiv, s2)


def unused(overrides: Overrides, keys: set[str]) -> list[str]:
    """Warnings (``file:line: ...``) for the tables that match none of the
    entries' citation ``keys``: they are ignored, most likely a typo or an
    entry that left the list."""
    return [f"{overrides.path}:{ov.line}: [entry.{name}] matches no entry of the list; ignored"
            for name, ov in overrides.entries.items()
            if name not in keys and (ov.key is None or ov.key not in keys)]


def locked_fields(ov: EntryOverride | None) -> set[str]:
    return set(ov.lock) if ov else set()


def restore_locked(new: Entry, old: Entry | None, ov: EntryOverride | None) -> Entry:
    """A copy of ``new`` whose locked fields (and their provenance) are those of
    ``old``, the entry from the previous run.  Without an old entry there is
    nothing to keep and ``new`` is returned unchanged (as a copy)."""
    out = copy.deepcopy(new)
    if old is None:
        return out
    for name in sorted(locked_fields(ov)):
        setattr(out, name, copy.deepcopy(getattr(old, name)))
        if name in old.provenance:
            out.provenance[name] = old.provenance[name]
        else:
            out.provenance.pop(name, None)
    return out
