"""Person names: one display name ("Peter H. N. de With") -> :class:`Person`.

The one splitter every module uses (the list parser and the arXiv, DBLP,
OpenAlex and Semantic Scholar adapters, which give display names only;
Crossref gives ``given``/``family`` itself).  The rule, in the spirit of
BibTeX's "First von Last, Jr" form
(https://www.bibtex.org/SpecialSymbols/ and Tame the BeaST, section 11):

* whitespace is collapsed; ``name`` keeps the whole display form;
* a trailing suffix (Jr., Sr., II, III, IV) stays in ``name`` but takes no
  part in the split;
* one token left: it is the family name, ``given`` is None ("Stravopodis");
* otherwise the family name is the last token, extended leftwards over
  name particles written in lower case or capitalised ("van der Putten",
  "de With", "Van Gogh"), never over the first token;
* the given names are what precedes the family name.
"""

from __future__ import annotations

from .models import Person

__all__ = ["NAME_PARTICLES", "NAME_SUFFIXES", "split_name"]

#: Words that belong to the family name when they precede it.
NAME_PARTICLES = frozenset({
    "al", "bin", "da", "das", "de", "del", "della", "den", "der", "des", "di", "dos", "du", "el",
    "la", "le", "st.", "ten", "ter", "van", "von", "zu",
})
#: Generational suffixes: kept in the display name, left out of the split.
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def split_name(display: str, orcid: str | None = None) -> Person:
    """A display name -> :class:`Person` (see the module docstring)."""
    name = " ".join(display.split())
    tokens = name.split(" ") if name else []
    if len(tokens) > 1 and tokens[-1].casefold() in NAME_SUFFIXES:
        tokens.pop()
    if not tokens:
        return Person(name=name, orcid=orcid)
    if len(tokens) == 1:
        return Person(name=name, family=tokens[0], orcid=orcid)
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].casefold() in NAME_PARTICLES:
        start -= 1
    return Person(
        name=name, given=" ".join(tokens[:start]), family=" ".join(tokens[start:]), orcid=orcid
    )
