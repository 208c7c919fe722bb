"""Run-time settings from the environment.

Every API base URL can be replaced (scheme + host, optionally a path prefix)
so the same code runs against a local replay server; the request paths stay
the real ones.

Environment variables (all optional):

``PIPELINE_S2_URL`` ... ``PIPELINE_DBLP_URL``
    API base URLs (see ``ENDPOINT_VARS``).
``S2_API_KEY``, ``PIPELINE_MAILTO``
    Secrets: sent only to the configured host of their API (see
    :mod:`pipeline.http`), never cached, logged or printed.
``PIPELINE_PACE_SCALE``
    Multiplies every pause between requests (0 = no pauses; tests, replays).
``PIPELINE_CACHE_DIR``
    Where the HTTP cache lives (default: the platform's user cache dir).
``PIPELINE_TIMEOUT``
    Seconds one request attempt may take in all -- connecting, waiting and
    reading the whole body (a server that drips one byte at a time included).
    Default 30.
``PIPELINE_CONNECT_TIMEOUT``
    Seconds to establish a connection (default 10, at most ``PIPELINE_TIMEOUT``).
``PIPELINE_SOURCE_BUDGET``
    Seconds a source may cost a run in failures (failed attempts and the
    waits before retrying them).  Once spent, the source is skipped for the
    rest of the run and named in the summary.  Default 60.
``PIPELINE_MAX_BODY_MB``
    Largest answer body read from any API, in MB (default 32); a larger one
    is a failure of that source and nothing of it is kept.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_ENDPOINTS = {
    "s2": "https://api.semanticscholar.org",
    "arxiv": "https://export.arxiv.org",
    "crossref": "https://api.crossref.org",
    "openalex": "https://api.openalex.org",
    "dblp": "https://dblp.org",
}

ENDPOINT_VARS = {
    "s2": "PIPELINE_S2_URL",
    "arxiv": "PIPELINE_ARXIV_URL",
    "crossref": "PIPELINE_CROSSREF_URL",
    "openalex": "PIPELINE_OPENALEX_URL",
    "dblp": "PIPELINE_DBLP_URL",
}

MB = 1024 * 1024


def _number(env: Mapping[str, str], name: str, default: float, *, positive: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
        if math.isnan(value) or value < 0 or (positive and value == 0):  # NaN, negative
            raise ValueError
    except ValueError:
        need = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a number {need}, got {raw!r}") from None
    return value


@dataclass
class Settings:
    endpoints: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ENDPOINTS))
    s2_api_key: str | None = None
    mailto: str | None = None
    pace_scale: float = 1.0
    cache_dir: str | None = None  # None: platformdirs user cache dir
    request_timeout: float = 30.0  # total seconds per request attempt
    connect_timeout: float = 10.0
    source_budget: float = 60.0  # seconds of failures a source may cost per run
    max_body_bytes: int = 32 * MB

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        endpoints = {
            name: (env.get(var) or DEFAULT_ENDPOINTS[name]).rstrip("/")
            for name, var in ENDPOINT_VARS.items()
        }
        return cls(
            endpoints=endpoints,
            s2_api_key=env.get("S2_API_KEY") or None,
            mailto=env.get("PIPELINE_MAILTO") or None,
            pace_scale=_number(env, "PIPELINE_PACE_SCALE", 1.0),
            cache_dir=env.get("PIPELINE_CACHE_DIR") or None,
            request_timeout=_number(env, "PIPELINE_TIMEOUT", 30.0, positive=True),
            connect_timeout=_number(env, "PIPELINE_CONNECT_TIMEOUT", 10.0, positive=True),
            source_budget=_number(env, "PIPELINE_SOURCE_BUDGET", 60.0, positive=True),
            max_body_bytes=int(_number(env, "PIPELINE_MAX_BODY_MB", 32.0, positive=True) * MB),
        )
