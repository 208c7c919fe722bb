"""Author lists as lists write them.

``Zhihao Jia et al.``, ``Xu, Dianlei, et al.`` (MLA, as Google Scholar copies
it), ``A. Author, B. Author and C. Author``, ``Bo An, An Wang``,
``jae-won kim, hyun lee``.  :func:`names_score` says how much a piece of text
reads as a list of people; :func:`split_authors` turns it into
:class:`~pipeline.models.Person` objects and an "et al." flag.  Team names
("Qwen Team", "Google Research") are not people.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..models import Person
from ..names import NAME_PARTICLES as PARTICLES
from ..names import NAME_SUFFIXES as SUFFIXES
from ..names import split_name

ET_AL = re.compile(r"[,;]?\s*\b(?:et\.?\s*al\.?|etc\.?|and others)\s*\.?\s*$", re.I)
_BY = re.compile(r"^\s*(?:by|authors?\s*[:：]|written by)\s*", re.I)
# words that show a chunk is not a list of person names
_NOT_NAME_WORDS = frozenset("""
university univ institute research lab labs laboratory inc ltd team group corporation corp project
paper code survey dataset datasets library framework tool toolkit official implementation benchmark
conference journal proceedings workshop symposium transactions arxiv preprint pdf google microsoft
facebook meta deepmind openai nvidia ibm amazon apple baidu alibaba tencent huawei brain academy
data mining knowledge discovery systems computing computer science engineering intelligence information
analysis processing vision recognition robotics security software hardware communications networking
multimedia graphics language applications theory methods machine artificial transactions letters
college school department center centre foundation company llc gmbh the for with via of in on to is
are using towards toward from by into learning network networks model models deep neural efficient
""".split())
_LOWER_OK = frozenset("an on in of".split())  # lower-case words that are also short names ("Bo An")


_MARKS = re.compile(r"[*†‡§¶#✉∗⋆]+|\(\s*[*†‡§¶#∗]?\s*(?:equal contribution|corresponding author|"
                    r"co-?first authors?|equal)[^)]*\)|(?<=[a-z])\d+(?=[\s,;]|$)|\s+\d+(?=\s*[,;]|$)", re.I)


def clean_names(text: str) -> str:
    """Footnote marks out of an author list: "Amir Gholami*, Kim Lee†1 (* Equal contribution)"."""
    s = _MARKS.sub("", text)
    return re.sub(r"\s+", " ", s).strip(" ,;:")


_INITIALS = re.compile(r"(?:[A-Z][a-z]?\.?\s?-?\s?){1,4}")


_FUNCTION_WORDS = frozenset("""
an the or of for with without within via to in on at by from into onto over under between beyond
through across about against among towards toward versus vs not all you your we our is are be can do does
what how why when where which who new is are using based aware free
""".split())
_TITLE_SUFFIX = re.compile(r"(?:ing|tion|tions|ment|ments|ness|ity|ities|ers|ics|ive|ous|able|ized|ised|"
                           r"ation|ations|ism|isms|ship)$")


def _title_word(tok: str) -> bool:
    """A word of a title rather than of a name: a function word ("Between", "for";
    capitalised two-letter ones are names too: "Bo An") or a long word with a
    title-like ending ("Denoising", "Computation")."""
    bare = tok.strip(".,;:()'’\"")
    w = bare.casefold()
    if w in _FUNCTION_WORDS:
        return len(w) > 2 or bare.islower()
    return len(w) >= 7 and bool(_TITLE_SUFFIX.search(w))


def strip_by(text: str) -> str:
    return _BY.sub("", text)


def _tokens_ok(part: str, allow_lower: bool, many: bool = False) -> bool:
    toks = part.split()
    if not 1 <= len(toks) <= 5:
        return False
    for i, tok in enumerate(toks):
        bare = tok.strip(".,'’()")
        low = bare.casefold()
        if not bare:
            return False
        if tok.casefold() in PARTICLES or low in SUFFIXES:
            continue
        if any(ch.isdigit() for ch in bare) or "/" in bare or "@" in bare:
            return False
        if bare[0].isupper():
            if low in _NOT_NAME_WORDS and low not in _LOWER_OK and not (len(bare) <= 3 and bare.istitle()):
                return False
            if len(bare) >= 4 and bare.isalpha() and bare.isupper():
                return False  # "ICLR", "CVPR" (not "M.-J.")
            continue
        if (allow_lower or (many and i > 0 and toks[0][:1].isupper())) and bare.replace("-", "").isalpha() \
                and low not in _NOT_NAME_WORDS and low not in _FUNCTION_WORDS:
            continue  # "jae-won kim", and a lower-case family name after a capitalised one: "Jie zhang"
        return False
    return True


def _parts(s: str) -> list[str]:
    return [p.strip() for p in re.split(r",|;|\band\b|&", s) if p.strip()]


@lru_cache(maxsize=65536)
def names_score(text: str) -> float:
    """0 (not names) to 3 (surely names): each comma/"and"-separated part is one
    to five capitalised words, initials or particles (all-lower-case names count
    when every part is lower-case), no digits, acronyms or words that name things.
    One lone word scores 0; "et al." or several parts raise the score."""
    s = strip_by(clean_names(text)).strip(" .")
    et_al = bool(ET_AL.search(s))
    if et_al:
        s = s[: ET_AL.search(s).start()].strip(" ,;")  # type: ignore[union-attr]
    if not s or len(s) > 2000 or re.search(r"[!?\"“”:]", s):
        return 0.0
    if re.search(r"\bteam\b|\bgroup\b|\blab\b", s, re.I):
        return 0.0
    parts = _parts(s)
    if not parts:
        return 0.0
    all_lower = s == s.lower()
    if not all(_tokens_ok(p, allow_lower=all_lower, many=len(parts) >= 3) for p in parts):
        return 0.0
    toks = s.split()
    if len(toks) >= 4 and sum(1 for t in toks if _title_word(t)) * 10 >= 3 * len(toks):
        return 0.0  # "A Connection Between Score Matching and Denoising Autoencoders"
    words = sum(len(p.split()) for p in parts)
    if len(parts) == 1 and words == 1:
        return 2.0 if et_al and s[:1].isupper() else 0.0  # "Chen et al."
    score = 1.5
    if len(parts) >= 2:
        score += 1.0
    if et_al:
        score += 1.0
    if all_lower:
        score -= 0.5 if len(parts) >= 2 else 1.5
    # a title-case phrase of 3+ words with no comma is as likely a title
    if len(parts) == 1 and words >= 3 and not et_al:
        score -= 1.0
    return max(0.0, min(3.0, score))


def split_authors(raw: str) -> tuple[list[Person], bool]:
    """Split an author string into people and an "et al." flag.

    MLA style from Google Scholar puts the first author as "Family, Given"
    ("Jung, Wookeun, Thanh Tuan Dao, and Jaejin Lee."); otherwise names are
    "Given Family" separated by commas, "and" or "&".
    """
    s = strip_by(clean_names(raw)).strip(" ,;")
    et_al = False
    m = ET_AL.search(s)
    if m:
        et_al = True
        s = s[: m.start()].strip(" ,;")
    # a sentence-final period goes unless it ends an initial ("Colby R.") or a suffix ("Jr.")
    if s.endswith(".") and not re.search(r"(\b\w|\bJr|\bSr)\.$", s):
        s = s[:-1].rstrip()
    s0 = s
    s = re.sub(r"\s*(?:,\s*)?\b(?:and|&)\s+", ", ", s)
    s = s.replace("&", ",").replace(";", ",")
    parts = [p.strip() for p in s.split(",") if p.strip()]
    people: list[Person] = []
    if not parts:
        return people, et_al
    bib = [p.strip() for p in re.split(r"\s+(?:and|&)\s+|\s*;\s*", s0) if p.strip()]
    if len(bib) >= 2 and all(p.count(",") == 1 for p in bib):
        # BibTeX: "Bronstein, Michael M and Bruna, Joan and LeCun, Yann"
        people = []
        for p in bib:
            fam, giv = (x.strip() for x in p.split(","))
            people.append(Person(name=f"{giv} {fam}".strip(), given=giv or None, family=fam))
        return people, et_al
    if len(parts) >= 2 and len(parts) % 2 == 0 and all(_INITIALS.fullmatch(p) for p in parts[1::2]):
        # Harvard / APA: "Chandola, V., Banerjee, A. and Kumar, V."
        return [Person(name=f"{g} {f}", given=g, family=f) for f, g in zip(parts[::2], parts[1::2], strict=True)], et_al
    first = parts[0].split()
    lead_is_family = len(parts) >= 2 and (
        len(first) == 1 or all(t.casefold() in PARTICLES for t in first[:-1])
    ) and parts[1].casefold() not in SUFFIXES and len(parts[1].split()) <= 3
    i = 0
    if lead_is_family:
        name = f"{parts[1]} {parts[0]}"
        i = 2
        if i < len(parts) and parts[i].casefold() in SUFFIXES:
            name, i = f"{name} {parts[i]}", i + 1
        people.append(_person_mla(parts[1], parts[0], name))
    while i < len(parts):
        p = parts[i]
        if p.casefold() in SUFFIXES and people:
            people[-1].name = f"{people[-1].name} {p}"
        else:
            people.append(split_name(p))
        i += 1
    return people, et_al


def _person_mla(given: str, family: str, name: str) -> Person:
    return Person(name=name, given=given, family=family)
