"""Years and dates as awesome lists write them.

``2019``, ``(2019)``, ``'16``, ``MobiCom'18``, ``2024.01``, ``2024/06``,
``2024-01-15``, ``Jan 2024``, ``ICML 2022 Workshop``.  A year is accepted only
between :data:`MIN_YEAR` and :data:`MAX_YEAR`, and never when it is part of a
longer number (an arXiv id such as ``2103.01234`` is not the year 2103, and
not 2021 either: a list that gives only an arXiv id states no year).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

MIN_YEAR = 1950
MAX_YEAR = date.today().year + 1
CENTURY_PIVOT = 70  # two-digit years below it are 20xx, others 19xx

_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
# a four-digit year not glued to other digits or to a decimal point followed by 4+ digits
YEAR4 = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?![\d]|\.\d{4,})")
# "2024.01", "2024/06", "2024-01-15" (year then month)
YEAR_MONTH = re.compile(r"(?<![\d.])((?:19|20)\d{2})[./-](0?[1-9]|1[0-2])(?:[./-]\d{1,2})?(?![\d])")
# "Jan 2024", "January, 2024"
MONTH_YEAR = re.compile(rf"(?:\b\d{{1,2}}(?:st|nd|rd|th)?\s+)?\b(?:{_MONTHS})\.?,?\s+"
                        rf"(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d{{2}})(?!\d)", re.I)
# "'16", "’16", "MobiCom'18", "CVPR’19" (an apostrophe and two digits ending a word)
YEAR2 = re.compile(r"(?:(?<=[A-Za-z\s(\[,])|^)['’‘]\s?(\d{2})(?![\d])")


def plausible(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def two_digit(yy: int) -> int:
    return (2000 if yy < CENTURY_PIVOT else 1900) + yy


def find_year(text: str) -> tuple[int, re.Match[str]] | None:
    """The last plausible year written in ``text`` and its match (the last,
    because a title may hold a number: "Attention in 2017 ... , ICML 2018")."""
    best: tuple[int, re.Match[str]] | None = None
    for rx in (YEAR_MONTH, MONTH_YEAR, YEAR4):
        for m in rx.finditer(text):
            y = int(m.group(1))
            if plausible(y) and (best is None or m.start() > best[1].start()):
                best = (y, m)
        if best is not None:
            return best
    for m in YEAR2.finditer(text):
        y = two_digit(int(m.group(1)))
        if plausible(y):
            best = (y, m)
    return best


@lru_cache(maxsize=65536)
def is_only_date(text: str) -> int | None:
    """The year when ``text`` is nothing but a date ("2021", "(2021)", "2024.01",
    "Jan 2024", "'16"), else None."""
    s = text.strip(" \t()[]{}.,;:-–—*_|")
    if not s:
        return None
    for rx in (YEAR_MONTH, MONTH_YEAR, YEAR4):
        m = rx.fullmatch(s)
        if m and plausible(int(m.group(1))):
            return int(m.group(1))
    m = re.fullmatch(r"['’‘](\d{2})", s)
    if m:
        return two_digit(int(m.group(1)))
    return None
