"""Venues as lists write them: ``SOSP 2019``, ``KDD'24``, ``In Proc. MobiSys``,
``IEEE Transactions on Mobile Computing``, ``ICML 2022 Workshop``, ``arXiv``.

:func:`split_venue_year` takes a venue hint apart into (venue, year);
:func:`venue_score` says how much a piece of text reads as a venue.  The
vocabulary is a list of well-known computer-science venue names plus the words
that make a phrase a venue (Conference, Journal, Transactions, ...); an unknown
acronym with inner capitals ("EuroMLSys") also counts, weaker.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from . import dates

# Well-known venues (lower-cased acronyms and short names).  Not exhaustive:
# unknown acronyms still score through their shape.
KNOWN = frozenset("""
aaai aamas acl aistats asplos atc bmvc cav ccs cf chi cikm coling colt conll corl cvpr cvprw dac date
dsn eccv emnlp eurosys fast fccm fpga hpca hpdc hotchips hotedge hotmobile hotnets hotos icassp iccad
iccv icde icdm icdcs icl iclr icml icpp icra ics ijcai ijcnn imwut infocom interspeech ipdps ipsn iros
isca iscas islped isscc kdd lctes mass middleware miccai micro mlsys mm mobicom mobihoc mobisys naacl
nips neurips nsdi osdi pact pakdd percom pldi podc popl ppopp recsys rss rtas rtss sc sdm sec secon
sensys sigcomm sigir sigmetrics sigmod socc sosp spaa tacl tcad tc tcc tecs tkde tmc tmlr tnnls
todaes tog tois tpami tpds tsc tsp tvlsi tip tit tist tomm tosn ubicomp uai uist usenix vldb vlsi wacv
wsdm www euromlsys sysml iclrw icmlw neuripsw emsoft cases codes isss glsvlsi aspdac iccd asap
ecml pkdd icdcs middleware apnet mobiquitous wimob ijcv jmlr tacl tpami ral tro ijrr cacm jsac ton
nature science arxiv biorxiv medrxiv openreview corr ssrn pmlr tiis ieee acm usenix springer elsevier
""".split())

PUBLISHERS = frozenset("ieee acm springer elsevier wiley mdpi".split())

# known names that are also English words: they count only when written in capitals
AMBIGUOUS = frozenset("fast sec date micro cases codes mass pact colt ics cav www rss mm sc cf tc atc icl "
                      "dsn uai sdm ieee acm usenix springer elsevier nature science review".split())


def _known(word: str) -> bool:
    w = word.strip(".'’")
    low = w.casefold()
    if low not in KNOWN:
        return False
    if low in AMBIGUOUS:
        return sum(ch.isupper() for ch in w) >= 2 or (low in ("nature", "science") and w[:1].isupper())
    return True


VENUE_WORDS = re.compile(
    r"\b(?:conference|journal|proceedings|workshops?|symposium|transactions|"
    r"letters|magazine|arxiv|preprint|annual|international|meeting|congress|forum|"
    r"track|findings|companion|summit)\b|\b(?:conf|proc|trans|symp|intl)\.", re.I)
_IN_PREFIX = re.compile(
    r"^\s*(?:(?:accepted|published|appeared|presented|to appear)\s+(?:at|in|to|by)|in|at|@)\s*[:]?\s+",
    re.I)
_ACRONYM = re.compile(r"[A-Za-z][A-Za-z&-]*[A-Z][A-Za-z&-]*")
_TRIM = " \t.,;:-–—[](){}*_|'’\"“”"


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def strip_in(s: str) -> str:
    """Drop "In", "In Proc.", "Accepted at", "Published in" before a venue."""
    return _IN_PREFIX.sub("", s)


@lru_cache(maxsize=65536)
def split_venue_year(s: str) -> tuple[str | None, int | None]:
    """``"SOSP 2019"`` -> ``("SOSP", 2019)``, ``"KDD'24"`` -> ``("KDD", 2024)``,
    ``"arxiv 2020"`` -> ``("arXiv", 2020)``, ``"ICML 2022 Workshop"`` ->
    ``("ICML Workshop", 2022)``, ``"EuroMLSys"`` -> ``("EuroMLSys", None)``."""
    s = squash(unicodedata.normalize("NFKC", s)).strip(_TRIM)
    s = strip_in(s).strip(_TRIM)
    if not s:
        return None, None
    found = dates.find_year(s)
    year = None
    if found is not None:
        year, m = found
        s = (s[: m.start()] + " " + s[m.end():]).strip()
        s = re.sub(r"\(\s*\)|\[\s*\]", " ", s)
        s = squash(s).strip(_TRIM)
    venue = s or None
    if venue and re.fullmatch(r"(?i)arxiv(?:\s*(?:preprint|e-?prints?))?(?:\s*(?:arxiv)?\s*:?\s*[\d.v]+)?"
                              r"(?:[\s,]+v\d+)?", venue):
        venue = "arXiv"  # "arXiv", "arxiv preprint arXiv:1503.02531", "arXiv:1910.01348"
    return venue, year


def _words(s: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z&'’.-]*|\d+", s)


@lru_cache(maxsize=65536)
def venue_score(text: str) -> float:
    """How much ``text`` reads as a venue (with or without a year): 0 (not at all)
    to 3 (certainly).  Person names, long sentences and titles score 0."""
    s = squash(text).strip(_TRIM)
    if not s or len(s) > 120:
        return 0.0
    body = strip_in(s)
    venue, year = split_venue_year(body)
    if venue is None:
        return 1.5 if year is not None else 0.0
    words = _words(venue)
    if not words:
        return 1.5 if year is not None else 0.0
    if year is None and all(w.casefold() in PUBLISHERS for w in words):
        return 0.5  # "IEEE", "ACM", "Springer": a publisher, not a venue
    known = sum(1 for w in words if _known(w))
    score = 0.0
    if known:
        score += 2.0 if len(words) <= 4 else 1.0
    if VENUE_WORDS.search(venue):
        score += 1.5
    if len(words) <= 2 and all(_ACRONYM.fullmatch(w) for w in words if not w.isdigit()):
        score += 1.0  # "NeurIPS", "EuroMLSys", "ACM MM"
    if year is not None:
        score += 0.75
    if body != s:
        score += 0.5  # "In ..." / "Accepted at ..."
    if len(words) > 12:
        score -= 1.5
    return max(0.0, min(3.0, score))


@lru_cache(maxsize=65536)
def known_or_dated(text: str) -> bool:
    """A known venue name or any text with a year: "[CVPR]", "[Foo'21]" (not a tag "[TAG]")."""
    venue, year = split_venue_year(text)
    return year is not None or any(_known(w) for w in _words(venue or ""))


def is_venue(text: str) -> bool:
    return venue_score(text) >= 1.5
