"""The synthetic world the replicas serve: :class:`Work`, :class:`World`, and
generated worlds and lists (``generate_world``, ``to_markdown``).  Synthetic test data, not
bibliographic fact."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

SOURCES = ("s2", "arxiv", "crossref", "openalex", "dblp")
SEED_WORLD = Path(__file__).parents[1] / "data" / "world" / "seed_world.json"

MATCH_CUTOFF = 60.0  # S2 /search/match answers the best title above this similarity
SEARCH_CUTOFF = 50.0  # list searches (arXiv, Crossref, OpenAlex) keep hits above this


# --------------------------------------------------------------------------- world


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def orcid_from(seed: str) -> str:
    """A well-formed (checksum-valid, ISO 7064 11,2) but fake ORCID iD."""
    digits = str(int(sha1_hex(seed)[:12], 16))[-15:].rjust(15, "0")
    total = 0
    for d in digits:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    full = digits + ("X" if check == 10 else str(check))
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


@dataclass
class Work:
    """One synthetic work.  ``authors`` are ``(given, family)`` pairs.

    ``s2_id`` (40 hex), ``corpus_id`` and ``openalex_id`` are derived from the
    title when not given.  ``container`` is the full proceedings / journal name
    (Crossref ``container-title``), ``venue`` the short name ("SOSP").
    """

    title: str
    authors: list[tuple[str, str]]
    year: int
    venue: str
    venue_type: str  # conference | journal | preprint
    doi: str | None = None
    arxiv: str | None = None
    abstract: str | None = None
    citations: int = 0
    influential: int = 0
    dblp_key: str | None = None
    pages: str | None = None
    publisher: str | None = None
    container: str | None = None
    volume: str | None = None
    issue: str | None = None
    hidden_from: list[str] = field(default_factory=list)
    # a second DOI of the same paper: a reprint in a SIG newsletter (SIGPLAN Notices, SIGARCH
    # Computer Architecture News).  S2 and OpenAlex answer to it with the work (their record's
    # DOI is ``doi``); Crossref has a record of its own for it, in ``reprint_container``.
    reprint_doi: str | None = None
    reprint_container: str | None = None
    s2_id: str = ""
    corpus_id: int = 0
    openalex_id: str = ""

    def __post_init__(self) -> None:
        self.authors = [tuple(a) for a in self.authors]  # JSON gives lists
        digest = sha1_hex(self.title)
        self.s2_id = self.s2_id or digest
        self.corpus_id = self.corpus_id or int(digest[:8], 16) % 300_000_000 + 1_000
        self.openalex_id = self.openalex_id or f"W{int(digest[8:16], 16) % 4_000_000_000 + 1_000_000_000}"

    @property
    def date(self) -> str:
        """A deterministic publication date within ``year`` (YYYY-MM-DD)."""
        h = int(self.s2_id[16:20], 16)
        return f"{self.year:04d}-{h % 12 + 1:02d}-{h % 28 + 1:02d}"

    def names(self) -> list[str]:
        return [f"{g} {f}".strip() for g, f in self.authors]

    def knows(self, source: str) -> bool:
        if source in self.hidden_from:
            return False
        if source == "crossref":
            return self.doi is not None
        if source == "arxiv":
            return self.arxiv is not None
        if source == "dblp":
            return self.dblp_key is not None
        return True

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["authors"] = [list(a) for a in self.authors]
        return d


def normalize_title(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.lower()))


class World:
    """The works, with indexes by DOI, arXiv id, S2 id, CorpusId, OpenAlex id, DBLP key."""

    def __init__(self, works: list[Work]):
        self.works = list(works)
        self._lock = threading.Lock()
        ids = [w.s2_id for w in self.works]
        if len(set(ids)) != len(ids):
            raise ValueError("two works share a title (s2_id is derived from the title)")
        self.by_doi = {w.doi.lower(): w for w in self.works if w.doi}
        self.by_doi.update({w.reprint_doi.lower(): w for w in self.works if w.reprint_doi})
        self.by_arxiv = {w.arxiv.lower(): w for w in self.works if w.arxiv}
        self.by_s2 = {w.s2_id: w for w in self.works}
        self.by_corpus = {w.corpus_id: w for w in self.works}
        self.by_openalex = {w.openalex_id.upper(): w for w in self.works}
        self.by_dblp = {w.dblp_key: w for w in self.works if w.dblp_key}
        self._norm = [normalize_title(w.title) for w in self.works]
        self._words: dict[str, set[int]] = {}
        for i, w in enumerate(self.works):
            for word in set(re.findall(r"\w+", (w.title + " " + " ".join(w.names())).lower())):
                self._words.setdefault(word, set()).add(i)

    @classmethod
    def load(cls, path: str | Path) -> World:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls([Work(**w) for w in data["works"]])

    def to_json(self) -> dict[str, Any]:
        return {"works": [w.to_json() for w in self.works]}

    def find(self, title_or_doi: str) -> Work:
        w = self.by_doi.get(title_or_doi.lower())
        if w is None:
            w = next((x for x in self.works if x.title == title_or_doi), None)
        if w is None:
            raise KeyError(title_or_doi)
        return w

    def fuzzy(self, query: str, source: str, *, limit: int, cutoff: float) -> list[tuple[Work, float]]:
        """Works ``source`` knows, ranked by title similarity (rapidfuzz ``ratio``, 0-100)."""
        hits = process.extract(
            normalize_title(query), self._norm, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        )
        out = [(self.works[i], score) for _, score, i in hits if self.works[i].knows(source)]
        out.sort(key=lambda ws: (-ws[1], ws[0].title))
        return out[:limit]

    def keyword(self, query: str, source: str, *, limit: int) -> list[tuple[Work, float]]:
        """DBLP-like search: every query word must occur in the title or an author name."""
        words = re.findall(r"\w+", query.lower())
        if not words:
            return []
        sets = [self._words.get(word, set()) for word in words]
        found = set.intersection(*sets)
        ranked = [
            (self.works[i], fuzz.ratio(normalize_title(query), self._norm[i]))
            for i in found
            if self.works[i].knows(source)
        ]
        ranked.sort(key=lambda ws: (-ws[1], ws[0].title))
        return ranked[:limit]


# ------------------------------------------------------------------- generation

_ADJ = (
    "Adaptive Efficient Scalable Robust Dynamic Sparse Federated Elastic Hierarchical "
    "Lightweight Private Learned Distributed Energy-aware Secure Heterogeneous"
).split()
_NOUN = (
    "Inference Scheduling Compilation Offloading Partitioning Quantization Pruning Caching "
    "Batching Serving Profiling Placement Tuning Distillation Routing"
).split()
_OBJ = (
    "Neural Networks|Transformers|Edge Devices|Mobile GPUs|Microcontrollers|Tensor Programs|"
    "Multi-tenant Clusters|IoT Sensors|Vision Models|Language Models|Recommendation Models|"
    "Graph Neural Networks"
).split("|")
_GIVEN = (
    "Ana Bo Chen Dmitri Eva Farah Goran Hana Ivan Jia Kofi Lena Mateo Nadia Omar Priya Quentin "
    "Rosa Sven Tariq Uma Vera Wen Xin Yara Zoltan"
).split()
_FAMILY = (
    "Abara Bianchi Cheng Dubois Eklund Fischer Garcia Haddad Ito Jensen Kowalski Lindqvist "
    "Moreau Novak Okafor Petrov Quispe Rossi Sato Tanaka Ueda Varga Weber Xu Yilmaz Zhou"
).split()
_CONFS = ["OSDI", "SOSP", "ASPLOS", "MobiCom", "MobiSys", "SenSys", "EuroSys", "NSDI", "MLSys", "PPoPP"]
_JOURNALS = ["IEEE TPDS", "ACM TOCS", "IEEE TMC"]


def generate_world(n: int, seed: int = 0) -> World:
    """``n`` synthetic works with unique titles: 60 % with a DOI (ACM-style
    conference or IEEE-style journal), 20 % arXiv-only preprints, 20 % with no
    identifier at all (found only by title search).  Deterministic for a seed."""
    rng = random.Random(seed)
    works: list[Work] = []
    seen: set[str] = set()
    i = 0
    while len(works) < n:
        i += 1
        title = (f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} for {rng.choice(_OBJ)}: "
                 f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} at Scale {i}")
        if title in seen:
            continue
        seen.add(title)
        year = rng.randint(2015, 2024)
        authors = [(rng.choice(_GIVEN), rng.choice(_FAMILY)) for _ in range(rng.randint(1, 6))]
        kind = rng.random()
        abstract = None if rng.random() < 0.2 else f"Synthetic abstract {i}: we study {title.lower()}."
        cites = int(rng.paretovariate(1.2) * 5)
        common = dict(
            title=title, authors=authors, year=year, abstract=abstract,
            citations=cites, influential=cites // 10,
        )
        if kind < 0.45:
            venue = rng.choice(_CONFS)
            w = Work(
                **common, venue=venue, venue_type="conference", doi=f"10.1145/{3000000 + i}.{3100000 + i}",
                dblp_key=f"conf/{venue.lower()}/{authors[0][1]}{i}", pages=f"{i % 900 + 1}-{i % 900 + 14}",
                publisher="ACM", container=f"Proceedings of {venue} {year}",
            )
        elif kind < 0.6:
            venue = rng.choice(_JOURNALS)
            w = Work(
                **common, venue=venue, venue_type="journal", doi=f"10.1109/J.{year}.{7000000 + i}",
                dblp_key=f"journals/{venue.split()[-1].lower()}/{authors[0][1]}{i}", volume=str(year - 1990),
                issue=str(i % 12 + 1), pages=f"{i % 900 + 1}-{i % 900 + 12}", publisher="IEEE", container=venue,
            )
        elif kind < 0.8:
            arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{10000 + i % 89999:05d}"
            w = Work(**common, venue="arXiv", venue_type="preprint", arxiv=arxiv,
                     dblp_key=f"journals/corr/abs-{arxiv.replace('.', '-')}")
        else:
            venue = rng.choice(["OSDI", "NSDI", "MLSys", "NeurIPS"])
            w = Work(**common, venue=venue, venue_type="conference",
                     dblp_key=f"conf/{venue.lower()}/{authors[0][1]}{i}")
        works.append(w)
    _dedupe_arxiv(works)
    return World(works)


def _dedupe_arxiv(works: list[Work]) -> None:
    seen: set[str] = set()
    for w in works:
        if w.arxiv:
            while w.arxiv in seen:
                head, tail = w.arxiv.split(".")
                w.arxiv = f"{head}.{(int(tail) + 1) % 100000:05d}"
            seen.add(w.arxiv)


def list_url(w: Work) -> str:
    """The link an awesome list would give for ``w`` (ACM / arXiv / USENIX / proceedings)."""
    if w.doi and w.doi.startswith("10.1145/"):
        return f"https://dl.acm.org/doi/10.1145/{w.doi.split('/', 1)[1]}"
    if w.arxiv:
        return f"https://arxiv.org/abs/{w.arxiv}"
    if w.doi:
        return f"https://ieeexplore.ieee.org/document/{int(sha1_hex(w.doi)[:6], 16)}"
    slug = re.sub(r"[^a-z0-9]+", "-", w.authors[0][1].lower())
    return f"https://www.usenix.org/conference/{w.venue.lower()}{w.year % 100}/presentation/{slug}-{w.corpus_id}"


def to_markdown(world: World, *, per_section: int = 50, title: str = "Awesome Synthetic Papers") -> str:
    """``world`` as an awesome list in the seed's format
    (``- [Title](url) by Family, Given, et al., VENUE YEAR`` under ``###`` sections)."""
    lines = [f"# {title}", "Synthetic list generated by tests/fakeworld.py (not real papers).", "", "## Papers", ""]
    for start in range(0, len(world.works), per_section):
        lines.append(f"### Section {start // per_section + 1}")
        for w in world.works[start : start + per_section]:
            given, family = w.authors[0]
            who = f"{family}, {given}" + (", et al." if len(w.authors) > 1 else ".")
            venue = "arxiv" if w.venue_type == "preprint" else w.venue
            lines.append(f"- [{w.title}]({list_url(w)}) by {who}, {venue} {w.year}")
        lines.append("")
    return "\n".join(lines)


