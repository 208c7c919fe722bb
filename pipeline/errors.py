"""Errors that the CLI turns into exit code 2 with a clear message."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad user input: names the file and, where known, the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class SourceUnavailable(Exception):
    """A source could not be reached or answered garbage after all retries."""

    def __init__(self, source: str, message: str):
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")
