"""Semantic Scholar ``GET /graph/v1/paper/search/bulk`` as the replica serves it.

What the real endpoint does, from its documentation
(https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data/operation/get_graph_paper_bulk_search)
and the recorded answers (tests/data/real/semantic-scholar/test_search_paper_bulk_retrieval*.yaml):

* ``query`` is matched against title and abstract, with boolean syntax:
  ``"quoted phrase"`` (the words in a row), ``|`` OR, ``+`` AND (also the
  default between terms), ``-`` NOT, ``( )`` grouping, ``*`` prefix.  This
  replica implements phrases, plain words, ``+``, ``-``, ``|`` and ``*``; a
  query with parentheses it cannot read gets a 400 like a malformed query.
* no relevance ranking: papers come ordered by paperId;
* up to 1,000 papers a page; ``token`` (opaque) asks for the next page and is
  ``null`` on the last; ``total`` counts every match.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Callable, Sequence

PAGE = 1000
_WORD = re.compile(r"\w+")
_TERM = re.compile(r'\s*([+-]?)(?:"([^"]*)"|([^\s"|+]+))')


def words(text: str) -> list[str]:
    """Lower-case words without accents (how the index tokenizes)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD.findall(text.casefold())


class QueryError(ValueError):
    pass


def parse(query: str) -> list[list[tuple[bool, list[str], bool]]]:
    """``query`` -> OR of ANDs of terms ``(negated, words, prefix)``."""
    if "(" in query or ")" in query:
        raise QueryError("parentheses are not supported by this replica")
    alternatives = []
    for part in _split_or(query):
        terms = []
        pos = 0
        while pos < len(part):
            m = _TERM.match(part, pos)
            if m is None:
                if part[pos:].strip():
                    raise QueryError(f"cannot read query near {part[pos:pos + 20]!r}")
                break
            pos = m.end()
            sign, phrase, word = m.groups()
            raw = phrase if phrase is not None else word
            prefix = phrase is None and raw.endswith("*")
            ws = words(raw)
            if ws:
                terms.append((sign == "-", ws, prefix))
        if terms:
            alternatives.append(terms)
    if not alternatives:
        raise QueryError("empty query")
    return alternatives


def _split_or(query: str) -> list[str]:
    parts, current, quoted = [], [], False
    for ch in query:
        if ch == '"':
            quoted = not quoted
        if ch == "|" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quoted:
        raise QueryError("unbalanced quote")
    parts.append("".join(current))
    return parts


def _has(text: list[str], ws: list[str], prefix: bool) -> bool:
    n = len(ws)
    for i in range(len(text) - n + 1):
        if text[i:i + n - 1] == ws[:-1] and (
            text[i + n - 1].startswith(ws[-1]) if prefix else text[i + n - 1] == ws[-1]
        ):
            return True
    return False


class BulkIndex:
    """Papers searchable like the bulk endpoint; ``key`` orders them (paperId)."""

    def __init__(self, texts: Sequence[str], key: Callable[[int], str]):
        self.texts = [words(t) for t in texts]
        self.key = key
        self.by_word: dict[str, set[int]] = {}
        for i, ws in enumerate(self.texts):
            for w in set(ws):
                self.by_word.setdefault(w, set()).add(i)

    def _candidates(self, terms: list[tuple[bool, list[str], bool]]) -> set[int]:
        positive = [(ws, prefix) for neg, ws, prefix in terms if not neg]
        if not positive:
            return set(range(len(self.texts)))
        sets = []
        for ws, prefix in positive:
            exact = ws[:-1] if prefix else ws
            if exact:
                sets.append(set.intersection(*(self.by_word.get(w, set()) for w in exact)))
            else:
                sets.append({i for w, ids in self.by_word.items() if w.startswith(ws[-1]) for i in ids})
        return set.intersection(*sets)

    def search(self, query: str) -> list[int]:
        """Indexes of the matching papers, ordered by key."""
        found: set[int] = set()
        for terms in parse(query):
            for i in self._candidates(terms):
                text = self.texts[i]
                if all(_has(text, ws, prefix) != neg for neg, ws, prefix in terms):
                    found.add(i)
        return sorted(found, key=self.key)

    def page(self, query: str, token: str | None) -> tuple[list[int], int, str | None]:
        """One page: (indexes, total, next token or None)."""
        hits = self.search(query)
        start = _offset(token)
        nxt = start + PAGE
        return hits[start:nxt], len(hits), (_token(nxt) if nxt < len(hits) else None)


def _token(offset: int) -> str:
    return base64.b32encode(f"replica:{offset}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8)).decode()
        return int(raw.removeprefix("replica:"))
    except (ValueError, UnicodeDecodeError):
        raise QueryError("invalid token") from None
