"""Text -> BibTeX field values that BibTeX, biber and pandoc all read back
as the same text.

Escaping is one ``str.translate`` pass (linear in the text's length) over a
conservative table built from pylatexenc's built-in Unicode -> LaTeX forms
(https://pylatexenc.readthedocs.io/en/latest/latexencode/):

* the ASCII characters special to LaTeX/BibTeX (table :data:`SPECIALS`);
* non-ASCII *letters* that pylatexenc knows, as braced LaTeX ("Łukasz" ->
  ``{\\L}ukasz``, "μNAS" -> ``{\\ensuremath{\\mu}}NAS``).  Kept as raw UTF-8,
  bibtex 0.99d (a byte-oriented program) would cut "Ł" in half when a style
  abbreviates given names (abbrv, IEEEtran, splncs04 write an invalid UTF-8
  byte into the .bbl), and pdflatex stops on a raw "μ";
* everything else non-ASCII (dashes, quotes, symbols, CJK) stays UTF-8: pandoc
  2.17 silently drops ``\\textendash``, ``\\textcopyright``, ``\\textmu``.

Choices that are not obvious (each checked against bibtex, biber and pandoc in
``tests/test_real_tools.py``):

* Braces that pair up in the input become ``\\{`` / ``\\}``; a brace without
  a partner becomes ``{$\\lbrace$}`` / ``{$\\rbrace$}``.  BibTeX and biber
  count *every* brace, escaped or not, so a lone ``\\{`` would unbalance the
  .bib; pandoc drops ``\\textbraceleft``, but reads the math form.
* ``"`` becomes ``{"}`` (pandoc drops ``\\textquotedbl``).
* ``<`` / ``>`` become ``{$<$}`` / ``{$>$}`` (in OT1 text ``<`` prints "¡").
* Whitespace runs (newlines, tabs) collapse to one space: a blank line would
  be a paragraph break (``\\par``) inside a field.

Capitals: ``escape(text, protect=True)`` wraps every run of letters and digits
that has an uppercase letter after its first character ("TASO", "GPU",
"SuperOptimizer", "μNAS", "3D") in braces, so styles that lowercase titles
cannot touch it (https://www.bibtex.org/SpecialSymbols/ , btxdoc section 4).
The parts of a hyphenated compound are judged one by one: "On-Device" is left
alone (a sentence-case style gives "On-device"), "TinyML-Based" becomes
"{TinyML}-Based".
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import urllib.parse

from pylatexenc.latexencode import get_builtin_uni2latex_dict

SPECIALS = {
    "\\": r"{\textbackslash}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"{\textasciicircum}",
    "~": r"{\textasciitilde}",
    "<": r"{$<$}",
    ">": r"{$>$}",
    '"': r'{"}',
}


def _letter_rules() -> dict[int, str]:
    """pylatexenc's built-in LaTeX forms of non-ASCII *letters* ("Ł" ->
    ``{\\L}``, "é" -> ``{\\'e}``, "μ" -> ``{\\ensuremath{\\mu}}``), braced as
    BibTeX "special characters" so initials and case changes treat them as one
    letter.  Dotless-i forms (``\\"\\i``) use a plain i: pandoc reads those as
    "ı" + accent, not "ï"."""
    rules = {}
    for cp, latex in get_builtin_uni2latex_dict().items():
        if cp > 0x7F and unicodedata.category(chr(cp)).startswith("L"):
            rules[cp] = "{" + latex.replace("\\i", "i").replace("\\j", "j") + "}"
    return rules


# Braces without a partner in the input (BibTeX would count \{ as a brace).
UNMATCHED = {"{": r"{$\lbrace$}", "}": r"{$\rbrace$}"}

# Every character with a LaTeX form, one table for str.translate: one pass over the
# text, linear in its length (pylatexenc's encoder with RULE_DICT does the same
# per-character look-up, but in Python and once per call).
_TABLE: dict[int, str] = _letter_rules() | {ord(k): v for k, v in SPECIALS.items()}

_WS = re.compile(r"\s+")
# Units of capital protection: runs of letters and digits.  A hyphenated
# compound is several units ("On-Device" -> "On", "Device": nothing to protect;
# "TinyML-based" -> "{TinyML}-based"), so a style that lowercases titles still
# gives "On-device" where it should.
UNIT = re.compile(r"[^\W_]+")


def clean_space(text: str) -> str:
    """NFC, whitespace runs (incl. newlines) collapsed to one space, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def unmatched_braces(text: str) -> set[int]:
    """Positions of ``{`` / ``}`` that have no partner (stack matching)."""
    stack: list[int] = []
    lonely: set[int] = set()
    if "{" not in text and "}" not in text:
        return lonely
    for i, c in enumerate(text):
        if c == "{":
            stack.append(i)
        elif c == "}":
            if stack:
                stack.pop()
            else:
                lonely.add(i)
    return lonely | set(stack)


def needs_protection(word: str) -> bool:
    """True for words with an uppercase letter after the first character:
    acronyms ("GPU", "TASO", "μNAS") and inner capitals ("SuperOptimizer")."""
    return any(c.isupper() for c in word[1:])


def _encode(text: str, start: int, end: int, lonely: list[int]) -> str:
    """``text[start:end]`` encoded; ``lonely`` (sorted) are the positions of
    braces without a partner.  Letters and digits never are braces, so only
    the gaps between protection units can hold one."""
    if not lonely:
        return text[start:end].translate(_TABLE)
    out, run = [], start
    i = bisect.bisect_left(lonely, start)
    while i < len(lonely) and lonely[i] < end:
        pos = lonely[i]
        out.append(text[run:pos].translate(_TABLE) + UNMATCHED[text[pos]])
        run = pos + 1
        i += 1
    out.append(text[run:end].translate(_TABLE))
    return "".join(out)


def escape(text: str, *, protect: bool = False) -> str:
    """LaTeX-encode ``text`` for a braced BibTeX value; the result is always
    brace-balanced.  ``protect=True`` also braces each run of letters and
    digits that :func:`needs_protection` (punctuation left outside, so
    "{TASO}:" keeps BibTeX's "capital after colon" rule).  One pass, linear in
    the length of ``text``."""
    text = clean_space(text)
    lonely = sorted(unmatched_braces(text))
    if not protect:
        return _encode(text, 0, len(text), lonely)
    out, pos = [], 0
    for m in UNIT.finditer(text):
        a, b = m.span()
        if not needs_protection(m.group()):
            continue
        out.append(_encode(text, pos, a, lonely))
        out.append("{" + text[a:b].translate(_TABLE) + "}")
        pos = b
    out.append(_encode(text, pos, len(text), lonely))
    return "".join(out)


def escape_protected(text: str) -> str:
    """:func:`escape` with capitals protected."""
    return escape(text, protect=True)


# Characters a verbatim field (url, doi, eprint) must not contain raw: braces
# would unbalance the entry, backslash and whitespace break \url.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '{}\\"<>^`|')


def verbatim(value: str) -> str:
    """A URL-like value for verbatim fields: percent-encode what BibTeX or
    ``\\url`` cannot hold raw (braces, backslash, spaces, non-ASCII)."""
    return urllib.parse.quote(value.strip(), safe=_URL_SAFE)


def brace_balanced(text: str) -> bool:
    """BibTeX's own view: every brace counts, backslash or not."""
    depth = 0
    for c in text:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0
