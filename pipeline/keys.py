"""Citation keys: ``<firstauthorfamily><year><firstsignificantword>``.

Keys are lowercase ASCII letters and digits only, so they are safe in BibTeX
(https://www.ctan.org/pkg/bibtex, "btxdoc": keys may not contain spaces,
commas or braces), biber and pandoc (``@key`` citations) alike.

Examples::

    Zhihao Jia, 2019, "TASO: The Tensor Algebra SuperOptimizer ..." -> jia2019taso
    Edgar Liberis, 2021, "μNAS: Constrained Neural ..."              -> liberis2021munas
    no author, no year, "On the Foo of Bar"                          -> anonndfoo
    software "TVM"                                                   -> tvm

Stability: :func:`assign_keys` keeps every key handed out by a previous run
(``reserved``) exactly as it was, and only new entries get new keys (with a
suffix "a", "b", ... when the base key is taken).  So adding an entry anywhere
in the list never changes an existing entry's key.

Provisional keys: a paper key made while its year or first author was unknown
holds a placeholder (``nd`` for the year, ``anon`` for the author, as in
``anonndfoo`` or ``smithndfoo``).  Such a key is provisional: once a run knows
both the year and the first author, :func:`settle_keys` gives the entry the
key those make (``smith2021foo``), and from then on that settled key never
changes again.  A key set by an override is never touched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet

from pipeline.models import KIND_SOFTWARE, Entry, Person

# Letters that NFKD does not decompose into ASCII (https://unicode.org/reports/tr15/).
_TRANSLIT = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
        "Þ": "Th", "þ": "th", "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
        "ı": "i", "µ": "mu", "μ": "mu", "Μ": "Mu", "α": "alpha", "β": "beta",
        "γ": "gamma", "δ": "delta", "λ": "lambda", "π": "pi", "σ": "sigma",
        "’": "", "'": "",
    }
)

STOP_WORDS = frozenset(
    "a an the on of for in to with and or at by from into onto via towards toward".split()
)


def ascii_fold(text: str) -> str:
    """Lowercase ASCII transliteration: small table, then Unicode NFKD with
    combining marks (and anything else non-ASCII) dropped."""
    text = unicodedata.normalize("NFC", text).translate(_TRANSLIT)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", ascii_fold(text))


def _first_significant_word(title: str) -> str:
    words = _words(title)
    for w in words:
        if w not in STOP_WORDS:
            return w
    return words[0] if words else "untitled"


def _family(person: Person) -> str:
    """Family name folded to ``[a-z0-9]*``; the last word of the display name
    when the name was not split."""
    if person.family:
        return "".join(_words(person.family))
    words = _words(person.name)
    return words[-1] if words else ""


def base_key(authors: list[Person], year: int | None, title: str, *, software: bool = False) -> str:
    """The key before collision handling.

    ``software=True`` gives the first significant word of the title alone
    (``"tvm"``, ``"kubeedge"``): software has no meaningful first author/year.
    """
    word = _first_significant_word(title)
    if software:
        return word
    family = _family(authors[0]) if authors else ""
    year_part = str(year) if year is not None else "nd"
    return f"{family or 'anon'}{year_part}{word}"


def _suffix(n: int) -> str:
    """The n-th suffix (n >= 1): a, b, ..., z, aa, ab, ... (bijective base 26)."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(ord("a") + r) + s
    return s


def assign_keys(items: list[tuple[str, str]], reserved: dict[str, str]) -> dict[str, str]:
    """Final keys for ``items`` = ``[(identity, base_key), ...]`` in list order.

    ``reserved`` maps identity -> key from a previous run; such an identity
    keeps its key as is, and no new entry is given any reserved key (even of
    an identity no longer in ``items``).  New identities get ``base`` if it is
    free, else the first free of ``base+"a"``, ``base+"b"``, ... in list order.

    Each base remembers the last suffix it handed out, so k entries sharing a
    base cost O(k) in all, not O(k^2).
    """
    taken = set(reserved.values())
    result: dict[str, str] = {}
    for identity, _ in items:
        if identity in reserved:
            result[identity] = reserved[identity]
    next_suffix: dict[str, int] = {}
    for identity, base in items:
        if identity in result:
            continue
        key = base
        if key in taken:
            n = next_suffix.get(base, 1)
            while base + _suffix(n) in taken:
                n += 1
            key = base + _suffix(n)
            next_suffix[base] = n + 1
        taken.add(key)
        result[identity] = key
    return result


def _placeholder_bases(authors: list[Person], year: int | None, title: str) -> set[str]:
    """Every base key with a placeholder that the list's data could have made:
    with the year or without, with the first author or without."""
    out = set()
    for a in ([authors, []] if authors else [[]]):
        for y in ([year, None] if year is not None else [None]):
            if not a or y is None:
                out.add(base_key(a, y, title))
    return out


def is_provisional(key: str, entry: Entry) -> bool:
    """``key`` is one of the placeholder keys (:func:`_placeholder_bases`,
    plus a collision suffix of letters) the list's view of ``entry`` makes."""
    if entry.kind == KIND_SOFTWARE:
        return False
    for base in _placeholder_bases(entry.list.authors, entry.list.year, entry.list.title):
        if key == base or (key.startswith(base) and key[len(base):].isalpha()):
            return True
    return False


def settle_keys(entries: list[Entry], taken: AbstractSet[str], fixed: AbstractSet[str] = frozenset()) -> dict[str, str]:
    """Give every entry whose key is provisional, and whose year and first
    author are now known (from any source), its settled key; return
    ``{old key: new key}``.  ``entry.key`` is changed in place.

    ``taken`` holds the keys that may not be handed out (the previous run's
    keys included, so a removed entry's key is never reused); keys in
    ``fixed`` (set by overrides) are never changed.  Suffixes follow
    :func:`assign_keys`: the first free of base, base+"a", ...
    """
    used = set(taken) | {e.key for e in entries}
    renamed: dict[str, str] = {}
    for e in entries:
        if e.key in fixed or e.year is None or not e.authors or not _family(e.authors[0]):
            continue
        if not is_provisional(e.key, e):
            continue
        base = base_key(e.authors, e.year, e.list.title)
        key, n = base, 1
        while key in used:
            key, n = base + _suffix(n), n + 1
        used.add(key)
        renamed[e.key] = key
        e.key = key
    return renamed
