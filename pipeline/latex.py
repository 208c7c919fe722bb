"""Text -> BibTeX field values that BibTeX, biber and pandoc all read back
as the same text.

Escaping uses pylatexenc's encoder with a conservative rule set
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

Capitals: ``escape(text, protect=True)`` wraps the core of every word that has an uppercase
letter after its first character ("TASO", "GPU", "SuperOptimizer", "μNAS",
"3D") in braces, so styles that lowercase titles cannot touch it
(https://www.bibtex.org/SpecialSymbols/ , btxdoc section 4).
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

from pylatexenc.latexencode import (
    RULE_DICT,
    UnicodeToLatexConversionRule,
    UnicodeToLatexEncoder,
    get_builtin_uni2latex_dict,
)

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

_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, {ord(k): v for k, v in SPECIALS.items()} | _letter_rules())],
    replacement_latex_protection="none",
    unknown_char_policy="keep",
    unknown_char_warning=False,
)

_WS = re.compile(r"\s+")
# A word's core: from its first to its last letter or digit.
_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)


def clean_space(text: str) -> str:
    """NFC, whitespace runs (incl. newlines) collapsed to one space, stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def unmatched_braces(text: str) -> set[int]:
    """Positions of ``{`` / ``}`` that have no partner (stack matching)."""
    stack: list[int] = []
    lonely: set[int] = set()
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


def _encode_span(text: str, start: int, end: int, lonely: set[int]) -> str:
    out, run = [], start
    for i in range(start, end):
        if i in lonely:
            out.append(_ENCODER.unicode_to_latex(text[run:i]) + UNMATCHED[text[i]])
            run = i + 1
    out.append(_ENCODER.unicode_to_latex(text[run:end]))
    return "".join(out)


def escape(text: str, *, protect: bool = False) -> str:
    """LaTeX-encode ``text`` for a braced BibTeX value; the result is always
    brace-balanced.  ``protect=True`` also braces each word's core (letters
    and digits, leading/trailing punctuation left outside, so "{TASO}:" keeps
    BibTeX's "capital after colon" rule) when :func:`needs_protection`."""
    text = clean_space(text)
    lonely = unmatched_braces(text)
    out, pos = [], 0
    for m in re.finditer(r"\S+", text):
        out.append(text[pos:m.start()])
        lead, core, trail = _CORE.match(m.group()).groups()
        a, b = m.start() + len(lead), m.start() + len(lead) + len(core)
        enc = _encode_span(text, a, b, lonely)
        if protect and needs_protection(core):
            enc = "{" + enc + "}"
        out.append(_encode_span(text, m.start(), a, lonely) + enc + _encode_span(text, b, m.end(), lonely))
        pos = m.end()
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
