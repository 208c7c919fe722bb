"""When each entry was last fetched, kept beside enriched.json.

``data/enriched.json`` must only change when the data changes (quiet diffs
in a version-controlled list), so fetch times live in a separate state file
(``<enriched>.state.json``, not meant for version control).  Without it every
entry counts as stale, which is always safe.

The state file also records the generation of the output set the last run
wrote (``{"generation": {"files": {relative path: sha256}, "id": ...}}``, see
:mod:`pipeline.outputs`), so the next load can tell whether the files are
still the ones that run wrote.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .fsutil import atomic_write_text, dumps_json
from .outputs import generation_id


def state_path(enriched_path: str | Path) -> Path:
    p = Path(enriched_path)
    return p.with_name(p.stem + ".state.json")


def load_state(enriched_path: str | Path) -> dict[str, str]:
    """key -> ISO-8601 UTC time of the last successful fetch.  A missing or
    unreadable state file is an empty state (everything stale)."""
    try:
        data = json.loads(state_path(enriched_path).read_text(encoding="utf-8"))
        return {str(k): str(v["fetched_at"]) for k, v in data.get("entries", {}).items()}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}


def render_state(fetched: dict[str, str], generation: dict[str, str] | None = None) -> str:
    """The state file's text: fetch times and, optionally, the generation
    record of the output set (``{relative path: sha256}``)."""
    doc: dict[str, object] = {"entries": {k: {"fetched_at": v} for k, v in sorted(fetched.items())}}
    if generation is not None:
        doc["generation"] = {"id": generation_id(generation), "files": dict(sorted(generation.items()))}
    return dumps_json(doc)


def save_state(enriched_path: str | Path, fetched: dict[str, str],
               generation: dict[str, str] | None = None) -> None:
    atomic_write_text(state_path(enriched_path), render_state(fetched, generation))


def load_generation(enriched_path: str | Path) -> dict[str, str]:
    """``{relative path: sha256}`` of the set the last run wrote ({} if unknown)."""
    try:
        data = json.loads(state_path(enriched_path).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["generation"]["files"].items()}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}


def is_stale(fetched_at: str | None, max_age: timedelta, now: datetime) -> bool:
    if not fetched_at:
        return True
    try:
        when = datetime.fromisoformat(fetched_at)
    except ValueError:
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return now - when >= max_age


def parse_age(text: str) -> timedelta:
    """"7d", "12h", "30m", "0" -> timedelta.  Raises ValueError."""
    t = text.strip().lower()
    if t in ("0", "0s"):
        return timedelta(0)
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "w": "weeks"}
    if len(t) >= 2 and t[-1] in units and t[:-1].replace(".", "", 1).isdigit():
        return timedelta(**{units[t[-1]]: float(t[:-1])})
    raise ValueError(f"not an age: {text!r} (use e.g. 7d, 12h, 30m, 0)")
