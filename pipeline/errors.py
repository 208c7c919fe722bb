"""Errors that the CLI turns into exit code 2 (input) or a named failed
source in the run summary, with a clear message.

Messages of :class:`SourceUnavailable` often quote a server's answer, which
a hostile or broken server may fill with anything, even the request headers
it received.  :func:`safe_text` is applied to every such message: secrets
registered with :func:`register_secret` (the S2 API key, the mailto address,
registered by :class:`pipeline.http.Http`) are replaced by ``***``, control
characters (terminal escapes) become spaces and the text is shortened.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import quote, quote_plus

MAX_MESSAGE = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Never let ``value`` (or its URL-encoded forms) appear in a message."""
    if value and len(value) >= 4:  # a 1-3 character "secret" would blank out ordinary text
        with _lock:
            _secrets.update({value, quote(value, safe=""), quote_plus(value)})


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, "***")
    return text


def safe_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """Scrubbed, one line, printable, at most ``limit`` characters."""
    text = " ".join(_CONTROL.sub(" ", scrub(str(text))).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InputError(Exception):
    """Bad user input: names the file and, where known, the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class SourceUnavailable(Exception):
    """A source could not be reached or answered garbage after all retries.

    ``message`` is made safe to print (see :func:`safe_text`)."""

    def __init__(self, source: str, message: str):
        self.source = source
        self.message = safe_text(message)
        super().__init__(f"{source}: {self.message}")
