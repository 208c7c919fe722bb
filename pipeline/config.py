"""Run-time settings from the environment.

Every API base URL can be replaced (scheme + host, optionally a path prefix)
so the same code runs against a local replay server; the request paths stay
the real ones.
"""

from __future__ import annotations

import os
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


@dataclass
class Settings:
    endpoints: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ENDPOINTS))
    s2_api_key: str | None = None
    mailto: str | None = None
    pace_scale: float = 1.0
    cache_dir: str | None = None  # None: platformdirs user cache dir

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        endpoints = {
            name: (env.get(var) or DEFAULT_ENDPOINTS[name]).rstrip("/")
            for name, var in ENDPOINT_VARS.items()
        }
        scale_raw = env.get("PIPELINE_PACE_SCALE", "1")
        try:
            scale = float(scale_raw)
            if scale < 0:
                raise ValueError
        except ValueError:
            raise ValueError(f"PIPELINE_PACE_SCALE must be a number >= 0, got {scale_raw!r}") from None
        return cls(
            endpoints=endpoints,
            s2_api_key=env.get("S2_API_KEY") or None,
            mailto=env.get("PIPELINE_MAILTO") or None,
            pace_scale=scale,
            cache_dir=env.get("PIPELINE_CACHE_DIR") or None,
        )
