"""A loopback "fake scholarly world" for end-to-end tests and the benchmark.

A :class:`World` is a list of synthetic :class:`Work` records.
:class:`FakeScholarServer` serves it on 127.0.0.1 through five small HTTP
servers, one per API, each with the real request paths and the real response
shapes (modelled on the recordings in ``/work/shared/real-responses`` and on the
official documentation):

* Semantic Scholar Graph API -- https://api.semanticscholar.org/api-docs/graph
  (``POST /graph/v1/paper/batch``, ``GET /graph/v1/paper/search/match``,
  ``GET /graph/v1/paper/search``, ``GET /graph/v1/paper/search/bulk`` with its
  query syntax and token paging, ``GET /graph/v1/paper/{id}``);
* arXiv export API -- https://info.arxiv.org/help/api/user-manual.html
  (``GET /api/query`` with ``id_list`` or ``search_query``; Atom feed);
* Crossref REST API -- https://api.crossref.org/swagger-ui/index.html
  (``GET /works/{doi}``, ``GET /works?filter=doi:..``, ``GET /works?query.bibliographic=..``);
* OpenAlex -- https://docs.openalex.org/api-entities/works
  (``GET /works?filter=doi:a|b``, ``GET /works?search=..``, ``GET /works/{id}``);
* DBLP search API -- https://dblp.org/faq/How+to+use+the+dblp+search+API.html
  (``GET /search/publ/api?q=..&format=json``).

Which source knows a work: S2 and OpenAlex know every work; Crossref only works
with a DOI; arXiv only works with an arXiv id; DBLP only works with a
``dblp_key``.  ``Work.hidden_from`` removes a work from named sources (so a
title search there returns a near miss, as the real services do).

Everything here is synthetic test data, not bibliographic fact.

Usage::

    with FakeScholarServer(World.load(SEED_WORLD)) as srv:
        env = srv.env()            # PIPELINE_S2_URL=..., PIPELINE_ARXIV_URL=..., ...
        srv.inject("s2", [("status", 429, {"Retry-After": "1"})])
        ...
        srv.counts()               # {"s2": 3, "arxiv": 1, ...}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape, quoteattr

from rapidfuzz import fuzz, process
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.replicas import s2_bulk

SOURCES = ("s2", "arxiv", "crossref", "openalex", "dblp")
ENV_VARS = {
    "s2": "PIPELINE_S2_URL",
    "arxiv": "PIPELINE_ARXIV_URL",
    "crossref": "PIPELINE_CROSSREF_URL",
    "openalex": "PIPELINE_OPENALEX_URL",
    "dblp": "PIPELINE_DBLP_URL",
}
SEED_WORLD = Path(__file__).parent / "data" / "world" / "seed_world.json"

MATCH_CUTOFF = 60.0  # S2 /search/match answers the best title above this similarity
SEARCH_CUTOFF = 50.0  # list searches (arXiv, Crossref, OpenAlex) keep hits above this


# --------------------------------------------------------------------------- world


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _orcid_from(seed: str) -> str:
    """A well-formed (checksum-valid, ISO 7064 11,2) but fake ORCID iD."""
    digits = str(int(_sha1(seed)[:12], 16))[-15:].rjust(15, "0")
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
    s2_id: str = ""
    corpus_id: int = 0
    openalex_id: str = ""

    def __post_init__(self) -> None:
        self.authors = [tuple(a) for a in self.authors]  # JSON gives lists
        digest = _sha1(self.title)
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
    def load(cls, path: str | Path) -> "World":
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

_ADJ = "Adaptive Efficient Scalable Robust Dynamic Sparse Federated Elastic Hierarchical Lightweight Private Learned Distributed Energy-aware Secure Heterogeneous".split()
_NOUN = "Inference Scheduling Compilation Offloading Partitioning Quantization Pruning Caching Batching Serving Profiling Placement Tuning Distillation Routing".split()
_OBJ = "Neural Networks|Transformers|Edge Devices|Mobile GPUs|Microcontrollers|Tensor Programs|Multi-tenant Clusters|IoT Sensors|Vision Models|Language Models|Recommendation Models|Graph Neural Networks".split("|")
_GIVEN = "Ana Bo Chen Dmitri Eva Farah Goran Hana Ivan Jia Kofi Lena Mateo Nadia Omar Priya Quentin Rosa Sven Tariq Uma Vera Wen Xin Yara Zoltan".split()
_FAMILY = "Abara Bianchi Cheng Dubois Eklund Fischer Garcia Haddad Ito Jensen Kowalski Lindqvist Moreau Novak Okafor Petrov Quispe Rossi Sato Tanaka Ueda Varga Weber Xu Yilmaz Zhou".split()
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
        title = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} for {rng.choice(_OBJ)}: {rng.choice(_ADJ)} {rng.choice(_NOUN)} at Scale {i}"
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
            w = Work(**common, venue=venue, venue_type="conference", dblp_key=f"conf/{venue.lower()}/{authors[0][1]}{i}")
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
        return f"https://ieeexplore.ieee.org/document/{int(_sha1(w.doi)[:6], 16)}"
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


# ----------------------------------------------------------------- http plumbing


class LogEntry(NamedTuple):
    source: str
    method: str
    path: str
    query: str


def _json(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False), status=status, headers=headers,
                    content_type="application/json")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # no per-request stderr noise
        pass


class _SourceApp:
    """One API.  Subclasses implement :meth:`answer`; faults and logging are here."""

    name = ""

    def __init__(self, server: "FakeScholarServer"):
        self.server = server
        self.world = server.world

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        self.server._record(self.name, request)
        fault = self.server._next_fault(self.name)
        if fault is not None:
            kind = fault[0]
            if kind == "status" or kind == "down":
                code = fault[1] if kind == "status" else 503
                hdrs = fault[2] if kind == "status" and len(fault) > 2 else {}
                body = {"message": "Too Many Requests"} if code == 429 else {"message": "Service Unavailable"}
                return _json(body, code, hdrs)(environ, start_response)
            if kind == "sleep":
                time.sleep(fault[1])
            elif kind == "html":
                html = "<html><head><title>Maintenance</title></head><body><h1>Down for maintenance</h1></body></html>"
                return Response(html, 200, content_type="text/html; charset=utf-8")(environ, start_response)
            elif kind == "truncated":
                resp = self.answer(request)
                data = resp.get_data()
                cut = Response(data[: len(data) // 2], resp.status_code, content_type=resp.content_type)
                return cut(environ, start_response)
            else:
                raise ValueError(f"unknown fault {fault!r}")
        return self.answer(request)(environ, start_response)

    def answer(self, request: Request) -> Response:
        raise NotImplementedError


# -------------------------------------------------------------- Semantic Scholar

S2_FIELDS = {
    "paperId", "corpusId", "externalIds", "url", "title", "abstract", "venue", "publicationVenue",
    "year", "referenceCount", "citationCount", "influentialCitationCount", "isOpenAccess",
    "openAccessPdf", "fieldsOfStudy", "s2FieldsOfStudy", "publicationTypes", "publicationDate",
    "journal", "authors", "citationStyles",
}


def s2_paper(w: Work, fields: list[str]) -> dict[str, Any]:
    """``w`` as a Graph API paper object with ``paperId`` plus the requested fields
    (shape of the recorded ``paper/batch`` answers)."""
    ext: dict[str, Any] = {}
    if w.dblp_key:
        ext["DBLP"] = w.dblp_key
    if w.arxiv:
        ext["ArXiv"] = w.arxiv
    if w.doi:
        ext["DOI"] = w.doi
    ext["CorpusId"] = w.corpus_id
    if w.venue_type == "preprint":
        venue_name = "arXiv.org"
        pub_venue = {"id": "1901e811-ee72-4b20-8f7e-de08cd395a10", "name": "arXiv.org",
                     "alternate_names": ["ArXiv"], "issn": "2331-8422", "url": "https://arxiv.org"}
        journal = {"name": "ArXiv", "volume": f"abs/{w.arxiv}"}
        types = None
    else:
        venue_name = w.container or w.venue
        vid = _sha1(w.venue)
        pub_venue = {"id": f"{vid[:8]}-{vid[8:12]}-{vid[12:16]}-{vid[16:20]}-{vid[20:32]}",
                     "name": venue_name, "type": w.venue_type, "alternate_names": [w.venue]}
        journal = {"name": venue_name}
        if w.volume:
            journal["volume"] = w.volume
        if w.pages:
            journal["pages"] = w.pages
        types = ["JournalArticle"] if w.venue_type == "journal" else ["JournalArticle", "Conference"]
    full = {
        "paperId": w.s2_id,
        "externalIds": ext,
        "corpusId": w.corpus_id,
        "publicationVenue": pub_venue,
        "url": f"https://www.semanticscholar.org/paper/{w.s2_id}",
        "title": w.title,
        "abstract": w.abstract,
        "venue": venue_name,
        "year": w.year,
        "referenceCount": 20 + w.corpus_id % 40,
        "citationCount": w.citations,
        "influentialCitationCount": w.influential,
        "isOpenAccess": bool(w.arxiv),
        "openAccessPdf": {"url": f"https://arxiv.org/pdf/{w.arxiv}", "status": "GREEN"} if w.arxiv else None,
        "fieldsOfStudy": ["Computer Science"],
        "s2FieldsOfStudy": [{"category": "Computer Science", "source": "external"},
                            {"category": "Computer Science", "source": "s2-fos-model"}],
        "publicationTypes": types,
        "publicationDate": w.date,
        "journal": journal,
        "citationStyles": {"bibtex": f"@Article{{S2{w.corpus_id},\n title = {{{w.title}}},\n year = {{{w.year}}}\n}}\n"},
        "authors": [{"authorId": str(int(_sha1(n)[:7], 16)), "name": n} for n in w.names()],
    }
    out = {"paperId": w.s2_id}
    for f in fields:
        out[f] = full[f]
    return out


class S2App(_SourceApp):
    name = "s2"
    MAX_BATCH = 500
    _bulk: tuple[list[Work], s2_bulk.BulkIndex] | None = None

    def _fields(self, request: Request) -> list[str] | Response:
        raw = request.args.get("fields", "")
        fields = [f.split(".")[0] for f in raw.split(",") if f]
        bad = sorted({f for f in fields if f not in S2_FIELDS})
        if bad:
            return _json({"error": f"Unrecognized or unsupported fields: [{', '.join(bad)}]"}, 400)
        return list(dict.fromkeys(f for f in fields if f != "paperId"))

    def bulk(self, request: Request, fields: list[str]) -> Response:
        """``/paper/search/bulk`` (query syntax and token paging: tests/replicas/s2_bulk.py)."""
        if self._bulk is None:
            known = [w for w in self.world.works if w.knows("s2")]
            self._bulk = (known, s2_bulk.BulkIndex(
                [f"{w.title} {w.abstract or ''}" for w in known], key=lambda i: known[i].s2_id))
        known, index = self._bulk
        try:
            found, total, token = index.page(request.args.get("query", ""), request.args.get("token"))
        except s2_bulk.QueryError as e:
            return _json({"error": str(e)}, 400)
        return _json({"total": total, "token": token, "data": [s2_paper(known[i], fields) for i in found]})

    def resolve(self, pid: str) -> Work | None:
        pid = pid.strip()
        prefix, _, rest = pid.partition(":")
        p = prefix.upper()
        if rest and p == "DOI":
            return self.world.by_doi.get(rest.lower())
        if rest and p == "ARXIV":
            return self.world.by_arxiv.get(re.sub(r"v\d+$", "", rest.lower()))
        if rest and p == "CORPUSID":
            return self.world.by_corpus.get(int(rest)) if rest.isdigit() else None
        if rest and p == "DBLP":
            return self.world.by_dblp.get(rest)
        if re.fullmatch(r"[0-9a-f]{40}", pid):
            return self.world.by_s2.get(pid)
        if pid.startswith("10."):
            return self.world.by_doi.get(pid.lower())
        return None

    def answer(self, request: Request) -> Response:
        path = request.path
        fields = self._fields(request)
        if isinstance(fields, Response):
            return fields
        known = lambda w: w if w is not None and w.knows("s2") else None  # noqa: E731
        if path == "/graph/v1/paper/batch":
            if request.method != "POST":
                return _json({"error": "Method not allowed"}, 405)
            try:
                ids = json.loads(request.get_data() or b"null")["ids"]
                assert isinstance(ids, list)
            except Exception:
                return _json({"error": "Unacceptable request body: expected {\"ids\": [...]}"}, 400)
            if len(ids) > self.MAX_BATCH:
                return _json({"error": f"Cannot process more than {self.MAX_BATCH} ids"}, 400)
            out = []
            for pid in ids:
                w = known(self.resolve(str(pid)))
                out.append(s2_paper(w, fields) if w else None)
            return _json(out)
        if path == "/graph/v1/paper/search/match":
            query = request.args.get("query", "")
            hits = self.world.fuzzy(query, "s2", limit=1, cutoff=MATCH_CUTOFF)
            if not hits:
                return _json({"error": "Title match not found"}, 404)
            w, score = hits[0]
            return _json({"data": [{**s2_paper(w, fields), "matchScore": round(score * 1.1, 5)}]})
        if path == "/graph/v1/paper/search/bulk":
            return self.bulk(request, fields)
        if path == "/graph/v1/paper/search":
            query = request.args.get("query", "")
            offset = int(request.args.get("offset", 0))
            limit = int(request.args.get("limit", 100))
            hits = self.world.fuzzy(query, "s2", limit=offset + limit, cutoff=SEARCH_CUTOFF)
            page = [s2_paper(w, fields) for w, _ in hits[offset:]]
            body: dict[str, Any] = {"total": len(hits), "offset": offset}
            if offset + limit < len(hits):
                body["next"] = offset + limit
            body["data"] = page
            return _json(body)
        if path.startswith("/graph/v1/paper/") and request.method == "GET":
            pid = path[len("/graph/v1/paper/"):]
            w = known(self.resolve(pid))
            if w is None:
                return _json({"error": f"Paper with id {pid} not found"}, 404)
            return _json(s2_paper(w, fields))
        return _json({"message": "Not Found"}, 404)


# ------------------------------------------------------------------------ arXiv

_NEW_ID = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
_OLD_ID = re.compile(r"^[a-z][a-z\-]+(\.[A-Z]{2})?/\d{7}(v\d+)?$")
_ATOM_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)
_NOW = "2026-04-12T22:09:26Z"


def arxiv_entry(w: Work) -> str:
    """``w`` as an Atom ``<entry>`` (the shape of the recorded id_list answers)."""
    vid = f"{w.arxiv}v1"
    stamp = f"{w.date}T17:59:46Z"
    summary = w.abstract or f"Synthetic abstract of {w.title}."
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(w.title)}</title>",
        f"    <updated>{stamp}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
    ]
    if w.doi:
        parts.append(f'    <link href="https://doi.org/{escape(w.doi)}" rel="related" title="doi"/>')
    parts += [
        f"    <summary>{escape(summary)}</summary>",
        '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>',
        '    <category term="cs.DC" scheme="http://arxiv.org/schemas/atom"/>',
        f"    <published>{stamp}</published>",
        "    <arxiv:comment>Synthetic record</arxiv:comment>",
        '    <arxiv:primary_category term="cs.LG"/>',
    ]
    if w.venue_type != "preprint":
        parts.append(f"    <arxiv:journal_ref>{escape(w.venue)} {w.year}</arxiv:journal_ref>")
    for n in w.names():
        parts += ["    <author>", f"      <name>{escape(n)}</name>", "    </author>"]
    if w.doi:
        parts.append(f"    <arxiv:doi>{escape(w.doi)}</arxiv:doi>")
    parts.append("  </entry>")
    return "\n".join(parts) + "\n"


def _atom(title: str, entries: list[str], total: int, start: int, per_page: int) -> str:
    feed_id = _sha1(title)[:27]
    return (
        _ATOM_HEAD
        + f"  <id>https://arxiv.org/api/{feed_id}</id>\n"
        + f"  <title>arXiv Query: {escape(title)}</title>\n"
        + f"  <updated>{_NOW}</updated>\n"
        + f"  <link href={quoteattr('https://arxiv.org/api/query?' + title)} type=\"application/atom+xml\"/>\n"
        + f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>\n"
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def _atom_error(bad: str) -> str:
    anchor = f"https://arxiv.org/api/errors#incorrect_id_format_for_{bad}"
    return (
        _ATOM_HEAD
        + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        + f"  <updated>{_NOW}</updated>\n"
        + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + f"  <entry>\n    <id>{escape(anchor)}</id>\n    <title>Error</title>\n    <updated>{_NOW}</updated>\n"
        + f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>\n'
        + f"    <summary>incorrect id format for {escape(bad)}</summary>\n"
        + "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    )


class ArxivApp(_SourceApp):
    name = "arxiv"

    def answer(self, request: Request) -> Response:
        if request.path != "/api/query":
            return Response("Not Found", 404, content_type="text/plain")
        atom = "application/atom+xml; charset=utf-8"
        start = int(request.args.get("start", 0))
        per_page = int(request.args.get("max_results", 10))
        id_list = [i.strip() for i in request.args.get("id_list", "").split(",") if i.strip()]
        query = request.args.get("search_query", "").strip()
        title = f"search_query={query}&id_list={','.join(id_list)}&start={start}&max_results={per_page}"
        if id_list:
            for i in id_list:
                if not (_NEW_ID.match(i) or _OLD_ID.match(i)):
                    return Response(_atom_error(i), 400, content_type=atom)
            works = []
            for i in id_list:
                w = self.world.by_arxiv.get(re.sub(r"v\d+$", "", i.lower()))
                if w is not None and w.knows("arxiv"):
                    works.append(w)
        elif query:
            phrase = re.sub(r"^(ti|all|abs):", "", query).strip().strip('"')
            works = [w for w, _ in self.world.fuzzy(phrase, "arxiv", limit=1000, cutoff=SEARCH_CUTOFF)]
        else:
            works = []
        page = works[start : start + per_page]
        return Response(_atom(title, [arxiv_entry(w) for w in page], len(works), start, per_page),
                        200, content_type=atom)


# --------------------------------------------------------------------- Crossref


def crossref_work(w: Work, score: float = 1.0) -> dict[str, Any]:
    """``w`` as a Crossref ``message`` (the shape of the recorded works/{doi} answers)."""
    y, m, d = (int(x) for x in w.date.split("-"))
    authors = []
    for k, (given, family) in enumerate(w.authors):
        a: dict[str, Any] = {"given": given, "family": family,
                             "sequence": "first" if k == 0 else "additional", "affiliation": []}
        if k == 0 and int(w.s2_id[-1], 16) % 2 == 0:
            a["ORCID"] = f"https://orcid.org/{_orcid_from(given + family)}"
            a["authenticated-orcid"] = False
        authors.append(a)
    container = w.container or w.venue
    msg: dict[str, Any] = {
        "indexed": {"date-parts": [[2026, 6, 1]], "date-time": "2026-06-01T00:00:00Z", "timestamp": 1780272000000},
        "reference-count": 20 + w.corpus_id % 40,
        "publisher": w.publisher or "Synthetic Publisher",
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [w.venue] if w.venue_type == "journal" else [],
        "DOI": w.doi,
        "type": {"conference": "proceedings-article", "journal": "journal-article"}.get(w.venue_type, "posted-content"),
        "created": {"date-parts": [[y, m, d]], "date-time": f"{w.date}T00:00:00Z", "timestamp": 0},
        "source": "Crossref",
        "is-referenced-by-count": w.citations,
        "title": [w.title],
        "prefix": w.doi.split("/")[0] if w.doi else None,
        "author": authors,
        "member": "320",
        "container-title": [container],
        "original-title": [],
        "link": [],
        "deposited": {"date-parts": [[y, m, d]], "date-time": f"{w.date}T00:00:00Z", "timestamp": 0},
        "score": score,
        "resource": {"primary": {"URL": list_url(w)}},
        "subtitle": [],
        "short-title": [],
        "issued": {"date-parts": [[y, m, d]]},
        "published": {"date-parts": [[y, m, d]]},
        "references-count": 20 + w.corpus_id % 40,
        "URL": f"https://doi.org/{w.doi}",
        "relation": {},
        "subject": [],
    }
    if w.pages:
        msg["page"] = w.pages
    if w.volume:
        msg["volume"] = w.volume
    if w.issue:
        msg["issue"] = w.issue
    if w.abstract:
        msg["abstract"] = f"<jats:p>{escape(w.abstract)}</jats:p>"
    if w.venue_type == "conference":
        yy = f"{w.year % 100:02d}"
        msg["event"] = {"name": f"{w.venue} '{yy}: {container}", "acronym": f"{w.venue} '{yy}"}
    return msg


class CrossrefApp(_SourceApp):
    name = "crossref"

    def _select(self, request: Request, msg: dict[str, Any]) -> dict[str, Any]:
        """``select=DOI,title,..`` keeps only those fields, as Crossref does."""
        select = request.args.get("select")
        return {k: v for k, v in msg.items() if k in select.split(",")} if select else msg

    def _list(self, items: list[dict], rows: int, terms: str | None) -> Response:
        return _json({
            "status": "ok", "message-type": "work-list", "message-version": "1.0.0",
            "message": {"facets": {}, "total-results": len(items), "items": items[:rows],
                        "items-per-page": rows, "query": {"start-index": 0, "search-terms": terms}},
        })

    def answer(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/works/"):
            doi = path[len("/works/"):]
            w = self.world.by_doi.get(doi.lower())
            if w is None or not w.knows("crossref"):
                return Response("Resource not found.", 404, content_type="text/plain")
            return _json({"status": "ok", "message-type": "work", "message-version": "1.0.0",
                          "message": crossref_work(w)})
        if path in ("/works", "/works/"):
            rows = min(int(request.args.get("rows", 20)), 1000)
            flt = request.args.get("filter")
            if flt:
                items = []
                for part in flt.split(","):
                    key, _, value = part.partition(":")
                    if key != "doi":
                        return _json({"status": "failed", "message-type": "validation-failure",
                                      "message": [{"type": "filter-not-available", "value": key,
                                                   "message": f"Filter {key} specified but there is no such filter"}]}, 400)
                    w = self.world.by_doi.get(value.strip().lower())
                    if w is not None and w.knows("crossref"):
                        items.append(self._select(request, crossref_work(w)))
                return self._list(items, rows, None)
            query = (request.args.get("query.bibliographic") or request.args.get("query.title")
                     or request.args.get("query") or "")
            hits = self.world.fuzzy(query, "crossref", limit=rows, cutoff=30.0) if query else []
            items = [self._select(request, crossref_work(w, round(s, 3))) for w, s in hits]
            return self._list(items, rows, query or None)
        return Response("Resource not found.", 404, content_type="text/plain")


# --------------------------------------------------------------------- OpenAlex


def openalex_work(w: Work) -> dict[str, Any]:
    """``w`` as an OpenAlex Work object (https://docs.openalex.org/api-entities/works/work-object).

    Like the real service, an arXiv-only work gets its DataCite DOI (10.48550/arxiv.<id>)."""
    doi = w.doi.lower() if w.doi else (f"10.48550/arxiv.{w.arxiv}" if w.arxiv else None)
    oa_url = f"https://openalex.org/{w.openalex_id}"
    src_type = {"conference": "conference", "journal": "journal"}.get(w.venue_type, "repository")
    src_name = "arXiv (Cornell University)" if w.venue_type == "preprint" else (w.container or w.venue)
    first, _, last = (w.pages or "").partition("-")
    index: dict[str, list[int]] | None = None
    if w.abstract:
        index = {}
        for pos, word in enumerate(w.abstract.split()):
            index.setdefault(word, []).append(pos)
    return {
        "id": oa_url,
        "doi": f"https://doi.org/{doi}" if doi else None,
        "title": w.title,
        "display_name": w.title,
        "publication_year": w.year,
        "publication_date": w.date,
        "ids": {"openalex": oa_url, **({"doi": f"https://doi.org/{doi}"} if doi else {})},
        "language": "en",
        "primary_location": {
            "is_oa": bool(w.arxiv),
            "landing_page_url": f"https://doi.org/{doi}" if doi else list_url(w),
            "pdf_url": f"https://arxiv.org/pdf/{w.arxiv}" if w.arxiv else None,
            "source": {
                "id": f"https://openalex.org/S{int(_sha1(src_name)[:8], 16)}",
                "display_name": src_name, "issn_l": None, "issn": None, "is_oa": w.venue_type == "preprint",
                "is_in_doaj": False, "host_organization": None, "host_organization_name": w.publisher,
                "type": src_type,
            },
            "license": None, "version": "publishedVersion", "is_accepted": True, "is_published": True,
        },
        "type": "preprint" if w.venue_type == "preprint" else "article",
        "type_crossref": {"conference": "proceedings-article", "journal": "journal-article"}.get(w.venue_type, "posted-content"),
        "open_access": {"is_oa": bool(w.arxiv), "oa_status": "green" if w.arxiv else "closed",
                        "oa_url": f"https://arxiv.org/pdf/{w.arxiv}" if w.arxiv else None,
                        "any_repository_has_fulltext": bool(w.arxiv)},
        "authorships": [
            {
                "author_position": "first" if k == 0 else ("last" if k == len(w.authors) - 1 else "middle"),
                "author": {"id": f"https://openalex.org/A{int(_sha1(n)[:9], 16) % 10**10}", "display_name": n,
                           "orcid": (f"https://orcid.org/{_orcid_from(''.join(w.authors[k]))}"
                                     if k == 0 and int(w.s2_id[-1], 16) % 2 == 0 else None)},
                "institutions": [], "countries": [], "is_corresponding": k == 0,
                "raw_author_name": n, "raw_affiliation_strings": [],
            }
            for k, n in enumerate(w.names())
        ],
        "cited_by_count": w.citations,
        "biblio": {"volume": w.volume, "issue": w.issue, "first_page": first or None, "last_page": last or None},
        "is_retracted": False,
        "is_paratext": False,
        "abstract_inverted_index": index,
        "referenced_works_count": 20 + w.corpus_id % 40,
        "updated_date": "2026-06-01T00:00:00.000000",
        "created_date": "2020-01-01",
    }


class OpenAlexApp(_SourceApp):
    name = "openalex"

    def _doi_work(self, value: str) -> Work | None:
        v = value.strip().lower()
        v = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", v)
        w = self.world.by_doi.get(v)
        if w is None and v.startswith("10.48550/arxiv."):
            w = self.world.by_arxiv.get(v[len("10.48550/arxiv."):])
        return w

    def _select(self, request: Request, obj: dict) -> dict:
        select = request.args.get("select")
        return {k: obj[k] for k in select.split(",") if k in obj} if select else obj

    def _error(self, message: str) -> Response:
        return _json({"error": "Invalid query parameters error.", "message": message}, 400)

    def answer(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/works/"):
            key = path[len("/works/"):]
            w = self.world.by_openalex.get(key.upper().replace("HTTPS://OPENALEX.ORG/", ""))
            if w is None:
                w = self._doi_work(key)
            if w is None or not w.knows("openalex"):
                return _json({"error": "Not Found", "message": f"Work {key} not found"}, 404)
            return _json(self._select(request, openalex_work(w)))
        if path not in ("/works", "/works/"):
            return _json({"error": "Not Found"}, 404)
        per_page = int(request.args.get("per-page", request.args.get("per_page", 25)))
        if not 1 <= per_page <= 200:
            return self._error("per-page must be between 1 and 200")
        page = int(request.args.get("page", 1))
        works: list[Work] = []
        search = request.args.get("search")
        flt = request.args.get("filter")
        if flt:
            for part in flt.split(","):
                key, _, value = part.partition(":")
                if key == "doi":
                    for v in value.split("|"):
                        w = self._doi_work(v)
                        if w is not None and w.knows("openalex") and w not in works:
                            works.append(w)
                elif key in ("title.search", "display_name.search", "default.search"):
                    search = value
                elif key in ("openalex", "ids.openalex"):
                    for v in value.split("|"):
                        w = self.world.by_openalex.get(v.upper().replace("HTTPS://OPENALEX.ORG/", ""))
                        if w is not None and w.knows("openalex"):
                            works.append(w)
                else:
                    return self._error(f"{key} is not a valid field")
        if search:
            works += [w for w, _ in self.world.fuzzy(search, "openalex", limit=200, cutoff=SEARCH_CUTOFF)
                      if w not in works]
        chunk = works[(page - 1) * per_page : page * per_page]
        return _json({
            "meta": {"count": len(works), "db_response_time_ms": 12, "page": page, "per_page": per_page,
                     "groups_count": None},
            "results": [self._select(request, openalex_work(w)) for w in chunk],
            "group_by": [],
        })


# ------------------------------------------------------------------------- DBLP

_DBLP_TYPES = {"conference": "Conference and Workshop Papers", "journal": "Journal Articles",
               "preprint": "Informal and Other Publications"}


def dblp_info(w: Work) -> dict[str, Any]:
    """``w`` as a DBLP search hit ``info`` (strings everywhere; one author -> a dict)."""
    authors = [{"@pid": f"{int(_sha1(n)[:4], 16) % 300}/{int(_sha1(n)[4:8], 16) % 10000}", "text": n}
               for n in w.names()]
    info: dict[str, Any] = {
        "authors": {"author": authors[0] if len(authors) == 1 else authors},
        "title": w.title.rstrip(".") + ".",
        "venue": "CoRR" if w.venue_type == "preprint" else w.venue.replace("IEEE ", "IEEE Trans. ").replace("ACM ", ""),
    }
    if w.volume:
        info["volume"] = w.volume
    if w.pages:
        info["pages"] = w.pages
    info["year"] = str(w.year)
    info["type"] = _DBLP_TYPES[w.venue_type]
    info["access"] = "open" if w.arxiv else "closed"
    info["key"] = w.dblp_key
    if w.doi:
        info["doi"] = w.doi.upper() if w.doi.startswith("10.1109") else w.doi
        info["ee"] = f"https://doi.org/{info['doi']}"
    elif w.arxiv:  # CoRR records carry the arXiv DataCite DOI, upper-cased
        info["volume"] = f"abs/{w.arxiv}"
        info["doi"] = f"10.48550/ARXIV.{w.arxiv}"
        info["ee"] = f"https://doi.org/10.48550/arXiv.{w.arxiv}"
    else:
        info["ee"] = list_url(w)
    info["url"] = f"https://dblp.org/rec/{w.dblp_key}"
    return info


class DblpApp(_SourceApp):
    name = "dblp"

    def answer(self, request: Request) -> Response:
        if request.path not in ("/search/publ/api", "/search/publ/api/"):
            return Response("Not Found", 404, content_type="text/plain")
        if request.args.get("format", "xml") != "json":
            return Response("only format=json is served by the fake DBLP", 400, content_type="text/plain")
        q = request.args.get("q", "")
        h = min(int(request.args.get("h", 30)), 1000)
        f = int(request.args.get("f", 0))
        found = self.world.keyword(q, "dblp", limit=10_000)
        sent = found[f : f + h]
        hits: dict[str, Any] = {"@total": str(len(found)), "@computed": str(len(found)),
                                "@sent": str(len(sent)), "@first": str(f)}
        if sent:
            hits["hit"] = [
                {"@score": str(max(1, int(score // 10))), "@id": str(w.corpus_id % 10_000_000),
                 "info": dblp_info(w), "url": f"URL#{w.corpus_id % 10_000_000}"}
                for w, score in sent
            ]
        return _json({"result": {
            "query": q + "*",
            "status": {"@code": "200", "text": "OK"},
            "time": {"@unit": "msecs", "text": "1.23"},
            "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
            "hits": hits,
        }})


# ----------------------------------------------------------------------- server

_APPS = {"s2": S2App, "arxiv": ArxivApp, "crossref": CrossrefApp, "openalex": OpenAlexApp, "dblp": DblpApp}


class FakeScholarServer:
    """Five loopback HTTP servers (one per API) over one :class:`World`.

    ``urls`` maps source -> base URL, ``env()`` gives the ``PIPELINE_*_URL``
    variables, ``log`` lists every request as :class:`LogEntry`, ``counts()``
    counts them per source.  Faults (``inject``) are consumed one per request,
    in order, before normal answers:

    * ``("status", code)`` / ``("status", code, headers)`` -- a JSON error answer;
    * ``("sleep", seconds)`` -- wait, then answer normally (client timeouts);
    * ``("truncated",)`` -- the normal answer cut in half (status 200);
    * ``("html",)`` -- status 200 with an HTML maintenance page;
    * ``("down",)`` -- this and every later request: 503.
    """

    def __init__(self, world: World):
        self.world = world
        self.log: list[LogEntry] = []
        self.urls: dict[str, str] = {}
        self._faults: dict[str, deque] = {s: deque() for s in SOURCES}
        self._down: set[str] = set()
        self._lock = threading.Lock()
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []

    # lifecycle
    def start(self) -> "FakeScholarServer":
        for source in SOURCES:
            srv = make_server("127.0.0.1", 0, _APPS[source](self), threaded=True, request_handler=_QuietHandler)
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02},
                                 name=f"fake-{source}", daemon=True)
            t.start()
            self._servers.append(srv)
            self._threads.append(t)
            self.urls[source] = f"http://127.0.0.1:{srv.server_port}"
        return self

    def stop(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> "FakeScholarServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # configuration
    def env(self) -> dict[str, str]:
        return {ENV_VARS[s]: url for s, url in self.urls.items()}

    def inject(self, source: str, faults: list[tuple]) -> None:
        if source not in self._faults:
            raise ValueError(f"unknown source {source!r}")
        with self._lock:
            self._faults[source].extend(faults)

    def set_citations(self, title_or_doi: str, n: int) -> None:
        self.world.find(title_or_doi).citations = n

    # observation
    def counts(self) -> dict[str, int]:
        with self._lock:
            out = {s: 0 for s in SOURCES}
            for e in self.log:
                out[e.source] += 1
            return out

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    # used by the apps
    def _record(self, source: str, request: Request) -> None:
        with self._lock:
            query = unquote_plus(request.query_string.decode("latin-1"))
            self.log.append(LogEntry(source, request.method, request.path, query))

    def _next_fault(self, source: str) -> tuple | None:
        with self._lock:
            if source in self._down:
                return ("down",)
            if not self._faults[source]:
                return None
            fault = self._faults[source].popleft()
            if fault[0] == "down":
                self._down.add(source)
            return tuple(fault)
