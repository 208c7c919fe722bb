"""The data model every stage shares.

Data flows one way: ``parse`` makes :class:`ListEntry` objects, ``identifiers``
turns URLs into :class:`Ids`, the source adapters turn API answers into
:class:`SourceRecord` objects, ``merge`` combines them into :class:`Entry`
records and ``export`` writes those out.  No stage passes a dict of unknown
shape to another: every field has a name here.

``Entry.to_json`` / ``Entry.from_json`` define the on-disk shape of
``data/enriched.json`` (validated by ``pipeline/schemas/enriched.schema.json``).
"""

from __future__ import annotations

import builtins
import dataclasses
import types
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from .errors import SourceUnavailable

SCHEMA_VERSION = 1

KIND_PAPER = "paper"
KIND_SOFTWARE = "software"

# venue_type values
VENUE_CONFERENCE = "conference"
VENUE_JOURNAL = "journal"
VENUE_PREPRINT = "preprint"


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass (``()`` for any other type), looked up once per class:
    the one cache that fast copies and renders of our models share."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = (
            tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
        )
    return names


@dataclass
class Person:
    """One author.  ``name`` is the display form ("Given Family"); ``given``
    and ``family`` are null when the name could not be split reliably."""

    name: str
    given: str | None = None
    family: str | None = None
    orcid: str | None = None


@dataclass
class Link:
    """A link that is not the paper itself (code, project page, slides...)."""

    text: str
    url: str


@dataclass
class ParseProblem:
    """A line the parser could not read; reported, never fatal."""

    line: int
    message: str


@dataclass
class ListEntry:
    """One unique work as the Markdown list gives it (before any lookup).

    ``sections`` holds one section path per place the work is listed, e.g.
    ``[["Papers", "DNN Compiler"]]``; ``lines`` the 1-based source line of
    each listing, ascending.  ``venue`` and ``year`` are hints from the list
    ("SOSP", 2019), not verified facts.
    """

    kind: str
    title: str
    url: str | None
    authors: list[Person] = field(default_factory=list)
    et_al: bool = False
    authors_raw: str | None = None
    venue: str | None = None
    year: int | None = None
    sections: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    abstract: str | None = None


@dataclass
class Skipped:
    """A list item that is not an entry (navigation, a person, a course, a tool
    repository...), with the reason; counted in the summary, never an error."""

    line: int
    reason: str
    text: str


@dataclass
class ParseResult:
    entries: list[ListEntry]
    problems: list[ParseProblem] = field(default_factory=list)
    title: str | None = None  # the document's H1 ("Awesome EdgeAI Inference")
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class Ids:
    """Identifiers of one work.  All normalised: DOI lowercased, arXiv id
    without version (the version is in ``arxiv_version``)."""

    doi: str | None = None
    arxiv: str | None = None
    arxiv_version: int | None = None
    ieee: str | None = None  # IEEE Xplore article number, e.g. "9428512"
    usenix: str | None = None  # USENIX slug, e.g. "osdi21/presentation/wang" or "osdi22-han"
    proceedings: str | None = None  # NeurIPS / MLSys proceedings hash (32 hex)
    cvf: str | None = None  # CVF open-access path, e.g. "CVPR2022W/EVW/Nair_MAPLE-Edge_..."
    s2: str | None = None  # Semantic Scholar paperId (40 hex)
    corpus_id: int | None = None  # Semantic Scholar CorpusId
    openalex: str | None = None  # e.g. "W2963403868"
    dblp: str | None = None  # e.g. "conf/sosp/JiaPTWZA19"
    # the paper's other DOIs (a SIGPLAN/SIGARCH newsletter reprint...), sorted; ``doi`` is the
    # canonical one, the one that matches the venue (pipeline.fetch.settle_doi)
    other_dois: list[str] | None = None

    def merged_with(self, other: Ids) -> Ids:
        """Fields of ``self`` win; gaps are filled from ``other``."""
        values = {}
        for f in dataclasses.fields(self):
            mine = getattr(self, f.name)
            values[f.name] = mine if mine is not None else getattr(other, f.name)
        return Ids(**values)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in dataclasses.fields(self))


@dataclass
class SourceRecord:
    """One API's answer for one work, mapped to our model by its adapter.

    ``source`` is the adapter name ("s2", "arxiv", "crossref", "openalex",
    "dblp").  Unknown values are None, never guessed.
    """

    source: str
    ids: Ids = field(default_factory=Ids)
    title: str | None = None
    authors: list[Person] = field(default_factory=list)
    year: int | None = None
    publication_date: str | None = None  # YYYY-MM-DD or YYYY-MM
    venue: str | None = None
    venue_type: str | None = None  # conference | journal | preprint
    abstract: str | None = None
    citation_count: int | None = None
    influential_count: int | None = None
    reference_count: int | None = None
    pages: str | None = None
    volume: str | None = None
    issue: str | None = None
    publisher: str | None = None
    pdf_url: str | None = None
    url: str | None = None
    raw_type: str | None = None  # the API's own type string
    event: str | None = None  # the conference itself ("SOSP '19: ..."), when the source names it
    location: str | None = None  # where the event took place ("Huntsville, Ontario, Canada")
    isbn: str | None = None
    issn: str | None = None

    def __post_init__(self) -> None:
        # Every record from every source passes here: its identifiers are
        # validated before anything stores them (issue 11); invalid ones are
        # dropped with a warning (pipeline.identifiers.check_record).
        from .identifiers import check_record

        check_record(self)


@dataclass
class CitationPoint:
    date: str  # YYYY-MM-DD
    count: int
    source: str


@dataclass
class Citations:
    count: int | None = None
    influential: int | None = None
    source: str | None = None
    as_of: str | None = None  # YYYY-MM-DD
    second_count: int | None = None  # second opinion (OpenAlex cited_by_count)
    second_source: str | None = None
    history: list[CitationPoint] = field(default_factory=list)


@dataclass
class Candidate:
    """A title-search hit that was not accepted (kept so a human can decide)."""

    source: str
    title: str
    year: int | None
    first_author: str | None
    score: float
    doi: str | None = None
    arxiv: str | None = None
    s2: str | None = None


@dataclass
class Work:
    """One list entry on its way through resolve and fetch (made by
    :mod:`pipeline.run`, filled by :mod:`pipeline.resolve` and
    :mod:`pipeline.fetch`, read by :mod:`pipeline.merge`)."""

    entry: ListEntry
    ids: Ids  # what is known so far
    # id field -> where it came from: "list" | "override" | "previous" | a source name
    id_origin: dict[str, str] = field(default_factory=dict)
    # normalised ids never to accept ("doi:...", "arxiv:...", "s2:...")
    rejected: set[str] = field(default_factory=set)
    # ids of this work a source showed to be another paper ("doi:...": pipeline.lookup.distrust)
    refuted: set[str] = field(default_factory=set)
    pinned: set[str] = field(default_factory=set)  # id fields pinned by an override (never dropped)
    records: list[SourceRecord] = field(default_factory=list)  # verified records from any source
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    matched: str | None = None  # how the work was found: "id", "search:s2", "search:dblp"
    asked: set[str] = field(default_factory=set)  # sources already asked by identifier this run
    lost_to_failure: bool = False  # unresolved only because sources were down


@dataclass
class SourceHealth:
    """Which sources failed during this run (name -> first message)."""

    failures: dict[str, str] = field(default_factory=dict)

    def fail(self, err: SourceUnavailable) -> None:
        self.failures.setdefault(err.source, err.message)

    def ok(self, name: str) -> bool:
        return name not in self.failures


@dataclass
class Status:
    resolved: bool = False
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    # identifiers shown to be another paper ("doi:...", "arxiv:...", "s2:..."), sorted: kept
    # across runs, so no run that cannot check them (offline, sources down) brings them back
    refuted: list[str] = field(default_factory=list)


@dataclass
class ListInfo:
    """The list's own view of the entry, kept verbatim in enriched.json."""

    title: str
    url: str | None
    authors: list[Person]
    et_al: bool
    venue: str | None
    year: int | None
    sections: list[list[str]]
    lines: list[int]
    links: list[Link] = field(default_factory=list)

    @classmethod
    def from_list_entry(cls, e: ListEntry) -> ListInfo:
        return cls(
            title=e.title,
            url=e.url,
            authors=list(e.authors),
            et_al=e.et_al,
            venue=e.venue,
            year=e.year,
            sections=[list(s) for s in e.sections],
            lines=list(e.lines),
            links=list(e.links),
        )


@dataclass
class Entry:
    """One work in ``data/enriched.json``: what the list says, what the
    sources said (merged), and where each field came from (``provenance``:
    field name -> source name, "list" or "override").

    When an entry was last fetched is deliberately *not* stored here (it
    would change every refresh and make version-controlled diffs noisy); it
    lives in the state file next to enriched.json (``pipeline.state``)."""

    key: str
    kind: str
    list: ListInfo
    title: str
    authors: builtins.list[Person] = field(default_factory=builtins.list)
    year: int | None = None
    venue: str | None = None
    venue_type: str | None = None
    ids: Ids = field(default_factory=Ids)
    abstract: str | None = None
    pages: str | None = None
    volume: str | None = None
    issue: str | None = None
    publisher: str | None = None
    month: int | None = None  # 1-12, from the publication date of the record that gave the year
    event: str | None = None
    address: str | None = None  # the event's location
    isbn: str | None = None
    issn: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    citations: Citations = field(default_factory=Citations)
    provenance: dict[str, str] = field(default_factory=dict)
    status: Status = field(default_factory=Status)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Entry:
        """The inverse of :meth:`to_json` (missing keys take the defaults)."""
        return from_json(cls, d)


D = TypeVar("D")


def from_json(cls: type[D], data: dict[str, Any]) -> D:
    """A dataclass from its :func:`dataclasses.asdict` form, recursively,
    led by the field types: nested dataclasses, ``list[...]``,
    ``dict[str, ...]`` and ``X | None``.  Absent keys take the field's
    default; keys that are not fields (older or newer files) are ignored."""
    hints = _FIELD_TYPES.get(cls)
    if hints is None:  # once per class: get_type_hints costs about a millisecond a call
        resolved = get_type_hints(cls)
        hints = _FIELD_TYPES[cls] = {f.name: resolved[f.name] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: _value(hints[k], v) for k, v in data.items() if k in hints})


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def _plan(tp: Any) -> tuple[str, Any]:
    """How to read a value of type ``tp``, worked out once per type:
    ("dataclass", cls) | ("list", item type) | ("dict", value type) | ("as is", None)."""
    plan = _PLANS.get(tp)
    if plan is None:
        t, origin = tp, get_origin(tp)
        if origin in (Union, types.UnionType):
            t = next(a for a in get_args(t) if a is not type(None))
            origin = get_origin(t)
        if dataclasses.is_dataclass(t) and isinstance(t, type):
            plan = ("dataclass", t)
        elif origin is list:
            plan = ("list", get_args(t)[0])
        elif origin is dict:
            plan = ("dict", get_args(t)[1])
        else:
            plan = ("as is", None)
        _PLANS[tp] = plan
    return plan


_PLANS: dict[Any, tuple[str, Any]] = {}


def _value(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    kind, arg = _plan(tp)
    if kind == "as is":
        return value
    if kind == "dataclass":
        return from_json(arg, value)
    if kind == "list":
        return [_value(arg, v) for v in value]
    return {k: _value(arg, v) for k, v in value.items()}
