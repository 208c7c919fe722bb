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

from tests.replicas.app import LogEntry
from tests.replicas.server import ENV_VARS, FakeScholarServer
from tests.replicas.world import (
    MATCH_CUTOFF,
    SEARCH_CUTOFF,
    SEED_WORLD,
    SOURCES,
    Work,
    World,
    generate_world,
    list_url,
    normalize_title,
    to_markdown,
)

__all__ = [
    "ENV_VARS", "MATCH_CUTOFF", "SEARCH_CUTOFF", "SEED_WORLD", "SOURCES", "FakeScholarServer", "LogEntry",
    "Work", "World", "generate_world", "list_url", "normalize_title", "to_markdown",
]
