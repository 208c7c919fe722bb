"""Identifiers from URLs and strings: DOIs, arXiv ids and publisher-specific ids.

Nothing here touches the network and nothing here raises on bad input: a
string that is not an identifier gives ``None`` (or an empty :class:`Ids`).

``clean_url(url)``
    Drops tracking query parameters (``casa_token``, any ``utm_*``, ``fbclid``,
    ``gclid``, ``mc_cid``, ``mc_eid``, ``_hsenc``, ``_hsmi``, ``ref_src`` ... see
    ``TRACKING_PARAMS``), keeps every other parameter verbatim and in order,
    drops an empty ``?`` or ``#``.  Nothing else in the URL changes.

``normalize_doi(s)``
    Accepts ``10.1145/3341301.3359630``, ``doi:10.1145/...``, ``DOI: 10...``,
    ``https://doi.org/10...``, ``http://dx.doi.org/10...``, percent-encoded
    forms (``10.1145%2F3341301``).  Returns the DOI lowercased (DOIs are
    case-insensitive: https://www.doi.org/doi-handbook/HTML/case-sensitivity.html).
    Validity follows Crossref's advice
    (https://www.crossref.org/blog/dois-and-matching-regular-expressions/):
    ``10.`` + 4-9 digit registrant + ``/`` + suffix, loosened to allow any
    printable non-space character in the suffix.  Trailing ``.,;:`` and
    unbalanced ``)`` ``]`` ``>`` (sentence punctuation around a DOI) are dropped.

``normalize_arxiv(s)``
    Accepts new-style ids ``YYMM.NNNN`` (2007-2014) and ``YYMM.NNNNN`` (2015-),
    old-style ids ``cs/0601001``, ``hep-th/9901001v2``, ``math.GT/0309136``
    (the subject class is not part of the id, so this gives ``math/0309136``),
    each with an optional ``vN`` and ``arXiv:`` prefix.  Returns
    ``(id_without_version, version_or_None)``.  Scheme:
    https://info.arxiv.org/help/arxiv_identifier.html

``ids_from_url(url)`` -> :class:`pipeline.models.Ids`
    * DOI:  ``dl.acm.org/doi/[abs|pdf|full|epdf|fullHtml/]10...``,
      ``doi.org/10...``, ``dx.doi.org/10...``,
      ``link.springer.com/{article,chapter,content/pdf}/10...[.pdf]``,
      ``onlinelibrary.wiley.com/doi/[abs|full|pdf|epdf/]10...``.
      An arXiv DOI (``10.48550/arXiv.2104.12255``) also fills ``arxiv``.
    * arXiv: ``arxiv.org`` / ``www.arxiv.org`` / ``export.arxiv.org``
      ``/abs/ID``, ``/pdf/ID[.pdf]``, ``/format/ID``, ``/ps/ID``, with ``vN``
      and old-style ids (``/abs/cs/0601001v1``).
    * IEEE Xplore article number: ``ieeexplore.ieee.org/document/N[/...]``,
      ``/abstract/document/N``, ``/stamp/stamp.jsp?arnumber=N``, any
      ``?arnumber=N``, and ``/iel7/71/4359390/09428512.pdf`` -> ``"9428512"``.
    * USENIX slug: ``usenix.org/conference/osdi21/presentation/wang`` ->
      ``"osdi21/presentation/wang"``; ``usenix.org/system/files/osdi22-han.pdf``
      and ``/system/files/conference/nsdi18/nsdi18-xxx.pdf`` -> the file stem.
    * NeurIPS / MLSys hash (32 hex): ``proceedings.neurips.cc``,
      ``papers.nips.cc``, ``papers.neurips.cc``,
      ``datasets-benchmarks-proceedings.neurips.cc``,
      ``proceedings.mlsys.org``; ``/paper/YYYY/{file,hash}/<hash>-*`` and
      ``/paper_files/paper/YYYY/{file,hash}/<hash>-*``.
    * CVF open access: ``openaccess.thecvf.com/content/CVPR2022W/EVW/papers/X.pdf``,
      ``/content/ICCV2021/html/X.html``, ``/content_CVPR_2019/html/X.html``,
      ``/content_cvpr_2018_workshops/papers/w33/X.pdf`` -> ``"CVPR2022W/EVW/X"``,
      ``"ICCV2021/X"``, ``"CVPR2019/X"``, ``"CVPR2018W/w33/X"``: conference
      folder normalised, ``papers``/``html``/``supplemental`` folder and the
      extension dropped, ``_supplemental`` stem mapped to ``_paper``.
    * Semantic Scholar: ``semanticscholar.org/paper/[slug/]<40 hex>`` -> ``s2``;
      ``api.semanticscholar.org/CorpusID:123`` -> ``corpus_id``.
    * OpenAlex: ``openalex.org/W123``, ``openalex.org/works/W123``,
      ``api.openalex.org/works/W123`` -> ``"W123"``.
    * DBLP: ``dblp.org/rec/[bibtex/|html/|xml/]<key>[.html|.bib|.xml|...]``
      (also ``dblp.uni-trier.de``, ``dblp.dagstuhl.de``) -> ``"conf/sosp/JiaPTWZA19"``.

    Only http(s) URLs are read; a leading ``www.`` is ignored; the path is
    percent-decoded first.  Any other host or path gives an empty ``Ids``.

``check_ids(ids)`` / ``check_record(record)``
    Validate every identifier a *source* gave before anything stores it
    (issue 11: an S2 "arXiv id" ``javascript:alert(6)`` must not become a
    BibTeX ``eprint``).  A valid value is kept in its normal form; an invalid
    one is dropped and a warning logged.  Rules: DOI as ``normalize_doi``
    (and at most 300 characters); arXiv id as ``normalize_arxiv`` (its
    version moves to ``arxiv_version``); S2 paperId 40 hex digits
    (https://api.semanticscholar.org/api-docs/graph#tag/Paper-Data);
    CorpusId a positive integer; OpenAlex work id ``W`` + digits
    (https://docs.openalex.org/how-to-use-the-api/get-single-entities#the-openalex-id,
    a ``https://openalex.org/W..`` URL gives its id); DBLP key
    ``type/venue/Name`` of letters, digits and ``_.+-``
    (https://dblp.org/faq/What+is+the+dblp+key.html); IEEE article number
    digits; NeurIPS hash 32 hex; USENIX and CVF ids the shapes
    ``ids_from_url`` makes; a record's ``url`` / ``pdf_url`` only http(s).
    :func:`check_record` runs on every :class:`pipeline.models.SourceRecord`
    when it is made (``SourceRecord.__post_init__``), so no adapter needs
    code of its own.

URLs are taken apart with :mod:`urllib.parse`
(https://docs.python.org/3/library/urllib.parse.html); per-host regular
expressions only look at the decoded path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from pipeline.models import Ids

if TYPE_CHECKING:
    from pipeline.models import SourceRecord

__all__ = [
    "ARXIV_DOI_PREFIX",
    "TRACKING_PARAMS",
    "check_ids",
    "check_record",
    "clean_url",
    "ids_from_url",
    "normalize_arxiv",
    "normalize_doi",
]

#: arXiv's DataCite DOI prefix, lower-cased like every DOI here: ``10.48550/arxiv.<id>``
#: names the preprint, not a published version (https://info.arxiv.org/help/doi.html).
ARXIV_DOI_PREFIX = "10.48550/arxiv."

# ---------------------------------------------------------------------------
# clean_url

#: Query parameters that only track the reader; compared case-insensitively.
TRACKING_PARAMS = frozenset(
    {
        "casa_token",  # ACM / IEEE / Google Scholar access token
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "_ga",
        "_gl",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "vero_id",
        "vero_conv",
        "oly_anon_id",
        "oly_enc_id",
    }
)


def _is_tracking(raw_pair: str) -> bool:
    key = unquote(raw_pair.split("=", 1)[0]).strip().lower()
    return key in TRACKING_PARAMS or key.startswith("utm_")


def clean_url(url: str) -> str:
    """Return ``url`` without tracking query parameters (see module docstring).

    Remaining ``key=value`` pairs are kept byte for byte (no re-encoding); a
    URL with nothing to drop is returned unchanged.
    """
    if not isinstance(url, str):
        return url  # type: ignore[unreachable]  # callers may pass anything
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return url
    pairs = parts.query.split("&") if parts.query else []
    kept = [p for p in pairs if not _is_tracking(p)]
    empty_query = not parts.query and "?" in url.partition("#")[0]
    empty_fragment = not parts.fragment and "#" in url
    if len(kept) == len(pairs) and not empty_query and not empty_fragment:
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


# ---------------------------------------------------------------------------
# DOI

_DOI_RE = re.compile(r"^10\.\d{4,9}/[^\s]+$")
_DOI_PREFIX_RE = re.compile(
    r"^(?:(?:https?://)?(?:(?:www|dx)\.)?doi\.org/|doi:\s*|info:doi/|urn:doi:)", re.IGNORECASE
)
_CLOSERS = {")": "(", "]": "[", ">": "<", "}": "{"}


def _strip_trailing(doi: str) -> str:
    """Drop sentence punctuation after a DOI while the DOI stays valid."""
    while doi:
        last = doi[-1]
        if last in ".,;:'\"" or (last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last])):
            cut = doi[:-1]
        else:
            break
        if not _DOI_RE.match(cut):
            break
        doi = cut
    return doi


def normalize_doi(s: str) -> str | None:
    """Return the lowercased DOI in ``s`` or ``None`` (see module docstring)."""
    if not isinstance(s, str):
        return None  # type: ignore[unreachable]  # callers may pass anything
    text = s.strip()
    for _ in range(3):  # "doi:https://doi.org/10..." and double encoding
        stripped = _DOI_PREFIX_RE.sub("", text, count=1).strip()
        if "%" in stripped:
            stripped = unquote(stripped)
        if stripped == text:
            break
        text = stripped
    if not text.isprintable():
        return None
    text = text.lower()
    if not _DOI_RE.match(text):
        return None
    return _strip_trailing(text)


# ---------------------------------------------------------------------------
# arXiv

# Archives that existed under the old scheme (before April 2007).
_OLD_ARCHIVES = (
    "acc-phys|adap-org|alg-geom|ao-sci|astro-ph|atom-ph|bayes-an|chao-dyn|chem-ph|cmp-lg|"
    "comp-gas|cond-mat|cs|dg-ga|funct-an|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math|math-ph|"
    "mtrl-th|nlin|nucl-ex|nucl-th|patt-sol|physics|plasm-ph|q-alg|q-bio|quant-ph|solv-int|"
    "supr-con"
)
_ARXIV_NEW_RE = re.compile(r"^(\d{2})(0[1-9]|1[0-2])\.(\d{4,5})(?:v(\d+))?$")
_ARXIV_OLD_RE = re.compile(
    rf"^({_OLD_ARCHIVES})(?:\.[a-z-]+)?/(\d{{2}}(?:0[1-9]|1[0-2])\d{{3}})(?:v(\d+))?$",
    re.IGNORECASE,
)
_ARXIV_PREFIX_RE = re.compile(r"^arxiv\s*:\s*", re.IGNORECASE)


def normalize_arxiv(s: str) -> tuple[str, int | None] | None:
    """Return ``(id_without_version, version or None)`` or ``None``."""
    if not isinstance(s, str):
        return None  # type: ignore[unreachable]  # callers may pass anything
    text = _ARXIV_PREFIX_RE.sub("", s.strip(), count=1)
    m = _ARXIV_NEW_RE.match(text)
    if m:
        yymm = int(m.group(1) + m.group(2))
        digits = len(m.group(3))
        # Scheme started 0704; 4-digit numbers until 1412, 5 digits from 1501.
        if yymm < 704 or (digits == 4) != (yymm <= 1412):
            return None
        version = int(m.group(4)) if m.group(4) else None
        return f"{m.group(1)}{m.group(2)}.{m.group(3)}", version
    m = _ARXIV_OLD_RE.match(text)
    if m:
        version = int(m.group(3)) if m.group(3) else None
        return f"{m.group(1).lower()}/{m.group(2)}", version
    return None


# ---------------------------------------------------------------------------
# ids_from_url: one small function per host family, each taking the decoded
# path (and the parsed query) and filling an Ids.

_ACM_RE = re.compile(r"^/doi/(?:(?:abs|pdf|full|epdf|fullHtml|book|proceedings)/)?(10\..+)$")
_WILEY_RE = re.compile(r"^/doi/(?:(?:abs|pdf|full|epdf|pdfdirect|book)/)?(10\..+)$")
_SPRINGER_RE = re.compile(r"^/(?:article|chapter|book|referenceworkentry|content/pdf)/(10\..+?)(?:\.pdf)?$")
_ARXIV_PATH_RE = re.compile(r"^/(?:abs|pdf|format|ps)/(.+?)(?:\.pdf)?/?$")
_IEEE_DOC_RE = re.compile(r"^/(?:abstract/)?document/(\d+)(?:/.*)?$")
_IEEE_IEL_RE = re.compile(r"^/iel[x]?\d*/\d+/\d+/(\d+)\.pdf$")
_USENIX_PRES_RE = re.compile(r"^/conference/([\w.-]+)/presentation/([\w.-]+)/?$")
_USENIX_FILE_RE = re.compile(r"^/system/files/(?:conference/[\w.-]+/)?([\w.-]+)\.pdf$")
_PROC_RE = re.compile(r"^/(?:paper_files/)?paper/\d{4}/(?:file|hash)/([0-9a-f]{32})-[^/]*$")
_CVF_NEW_RE = re.compile(r"^/content/([A-Za-z]+\d{4}W?)/(.+)$")
_CVF_OLD_RE = re.compile(r"^/content_([A-Za-z]+?)(W?)_(\d{4})(_workshops)?/(.+)$", re.IGNORECASE)
_S2_RE = re.compile(r"^/paper/(?:.*/)?([0-9a-f]{40})/?$", re.IGNORECASE)
_S2_CORPUS_RE = re.compile(r"^/CorpusID:(\d+)$", re.IGNORECASE)
_OPENALEX_RE = re.compile(r"^/(?:works/)?(W\d+)/?$", re.IGNORECASE)
_DBLP_RE = re.compile(r"^/rec/(?:(?:bibtex|html|xml|bib\d?)/)?(.+?)(?:\.(?:html|bib|xml|ris|nt|rdf|ttl))?$")

_NEURIPS_HOSTS = {
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "papers.neurips.cc",
    "datasets-benchmarks-proceedings.neurips.cc",
    "proceedings.mlsys.org",
}


def _doi_into(ids: Ids, candidate: str) -> None:
    doi = normalize_doi(candidate)
    if doi is None:
        return
    ids.doi = doi
    if doi.startswith(ARXIV_DOI_PREFIX):
        found = normalize_arxiv(doi.removeprefix(ARXIV_DOI_PREFIX))
        if found:
            ids.arxiv, ids.arxiv_version = found


def _cvf_id(path: str) -> str | None:
    m = _CVF_NEW_RE.match(path)
    if m:
        conf, rest = m.group(1).upper(), m.group(2)
    else:
        m = _CVF_OLD_RE.match(path)
        if not m:
            return None
        workshop = "W" if (m.group(2) or m.group(4)) else ""
        conf, rest = f"{m.group(1).upper()}{m.group(3)}{workshop}", m.group(5)
    segments = [s for s in rest.split("/") if s and s.lower() not in {"papers", "html", "supplemental"}]
    if not segments:
        return None
    stem, dot, ext = segments[-1].rpartition(".")
    if not dot or ext.lower() not in {"pdf", "html", "htm"}:
        return None
    if stem.endswith("_supplemental"):
        stem = stem.removesuffix("_supplemental") + "_paper"
    return "/".join([conf, *segments[:-1], stem])


def _fill(ids: Ids, host: str, path: str, query: dict[str, list[str]]) -> None:
    if host == "dl.acm.org":
        if m := _ACM_RE.match(path):
            _doi_into(ids, m.group(1))
    elif host in {"doi.org", "dx.doi.org"}:
        _doi_into(ids, path.lstrip("/"))
    elif host == "link.springer.com":
        if m := _SPRINGER_RE.match(path):
            _doi_into(ids, m.group(1))
    elif host == "onlinelibrary.wiley.com":
        if m := _WILEY_RE.match(path):
            _doi_into(ids, m.group(1))
    elif host in {"arxiv.org", "export.arxiv.org"}:
        if m := _ARXIV_PATH_RE.match(path):
            found = normalize_arxiv(m.group(1))
            if found:
                ids.arxiv, ids.arxiv_version = found
    elif host == "ieeexplore.ieee.org":
        m = _IEEE_DOC_RE.match(path) or _IEEE_IEL_RE.match(path)
        number = m.group(1) if m else (query.get("arnumber") or [""])[0].strip()
        if number.isdigit() and int(number) > 0:
            ids.ieee = str(int(number))
    elif host == "usenix.org":
        if m := _USENIX_PRES_RE.match(path):
            ids.usenix = f"{m.group(1)}/presentation/{m.group(2)}"
        elif m := _USENIX_FILE_RE.match(path):
            ids.usenix = m.group(1)
    elif host in _NEURIPS_HOSTS:
        if m := _PROC_RE.match(path):
            ids.proceedings = m.group(1)
    elif host == "openaccess.thecvf.com":
        ids.cvf = _cvf_id(path)
    elif host in {"semanticscholar.org", "api.semanticscholar.org"}:
        if m := _S2_RE.match(path):
            ids.s2 = m.group(1).lower()
        elif m := _S2_CORPUS_RE.match(path):
            ids.corpus_id = int(m.group(1))
    elif host in {"openalex.org", "api.openalex.org"}:
        if m := _OPENALEX_RE.match(path):
            ids.openalex = m.group(1).upper()
    elif host in {"dblp.org", "dblp.uni-trier.de", "dblp.dagstuhl.de"} and (m := _DBLP_RE.match(path)):
        ids.dblp = m.group(1)


def ids_from_url(url: str) -> Ids:
    """Return the identifiers a URL names (see module docstring); never raises."""
    ids = Ids()
    if not isinstance(url, str):
        return ids  # type: ignore[unreachable]  # callers may pass anything
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return ids
    if parts.scheme.lower() not in {"http", "https"}:
        return ids
    host = host.removeprefix("www.")
    path = unquote(parts.path)
    query = parse_qs(parts.query)
    _fill(ids, host, path, query)
    return ids


# ---------------------------------------------------------------------------
# Validation of identifiers that come from sources (see module docstring)

logger = logging.getLogger(__name__)

MAX_DOI_LENGTH = 300
_S2_ID_RE = re.compile(r"^[0-9a-f]{40}$")
_OPENALEX_ID_RE = re.compile(r"^W[1-9][0-9]{0,11}$")
_OPENALEX_URL_RE = re.compile(r"^https?://(?:api\.)?openalex\.org/(?:works/)?(W[0-9]+)$", re.IGNORECASE)
_DBLP_KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:/[A-Za-z0-9][A-Za-z0-9_.+-]*){1,4}$")
_IEEE_RE = re.compile(r"^[1-9][0-9]{0,11}$")
_HASH32_RE = re.compile(r"^[0-9a-f]{32}$")
_USENIX_RE = re.compile(r"^[\w.-]{1,100}(?:/presentation/[\w.-]{1,100})?$", re.ASCII)
_CVF_RE = re.compile(r"^[A-Za-z0-9_.+-]{1,200}(?:/[A-Za-z0-9_.+-]{1,200}){0,4}$")


def _valid_doi(value: object) -> str | None:
    doi = normalize_doi(value) if isinstance(value, str) else None
    return doi if doi is not None and len(doi) <= MAX_DOI_LENGTH else None


def _valid_s2(value: object) -> str | None:
    if isinstance(value, str) and _S2_ID_RE.match(value.strip().lower()):
        return value.strip().lower()
    return None


def _valid_corpus_id(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value < 10**12 else None


def _valid_openalex(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _OPENALEX_URL_RE.match(text)
    if m:
        text = m.group(1)
    text = text.upper()
    return text if _OPENALEX_ID_RE.match(text) else None


def _matching(pattern: re.Pattern[str]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, str) and pattern.match(value.strip()):
            return value.strip()
        return None
    return check


_CHECKS: dict[str, Callable[[object], object]] = {
    "doi": _valid_doi,
    "s2": _valid_s2,
    "corpus_id": _valid_corpus_id,
    "openalex": _valid_openalex,
    "dblp": _matching(_DBLP_KEY_RE),
    "ieee": _matching(_IEEE_RE),
    "proceedings": lambda v: _matching(_HASH32_RE)(v.lower()) if isinstance(v, str) else None,
    "usenix": _matching(_USENIX_RE),
    "cvf": _matching(_CVF_RE),
}


def _shown(value: object) -> str:
    """A hostile value, safe to print: ASCII repr, shortened."""
    text = ascii(value)
    return text if len(text) <= 80 else text[:79] + "…"


def check_ids(ids: Ids) -> tuple[Ids, list[str]]:
    """``ids`` with every invalid identifier dropped (valid ones normalised),
    and one message per dropped value.  ``ids`` itself is not changed."""
    out = Ids(**ids.__dict__)
    problems: list[str] = []
    for name, check in _CHECKS.items():
        value = getattr(out, name)
        if value is None:
            continue
        good = check(value)
        if good is None:
            problems.append(f"invalid {name} {_shown(value)} dropped")
        setattr(out, name, good)
    if out.arxiv is not None:
        found = normalize_arxiv(out.arxiv) if isinstance(out.arxiv, str) else None
        if found is None:
            problems.append(f"invalid arxiv id {_shown(out.arxiv)} dropped")
            out.arxiv, out.arxiv_version = None, None
        else:
            out.arxiv = found[0]
            if out.arxiv_version is None:
                out.arxiv_version = found[1]
    if out.arxiv_version is not None:
        v = out.arxiv_version
        if out.arxiv is None or isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 1000:
            if out.arxiv is not None:
                problems.append(f"invalid arxiv_version {_shown(v)} dropped")
            out.arxiv_version = None
    return out, problems


def _safe_url(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not text.isprintable() or " " in text:
        return None
    return text


def check_record(record: SourceRecord) -> None:
    """Validate a :class:`pipeline.models.SourceRecord`'s identifiers and
    links in place: invalid ones are dropped with a logged warning."""
    ids, problems = check_ids(record.ids)
    for name in ("url", "pdf_url"):
        value = getattr(record, name, None)
        if value is not None and _safe_url(value) is None:
            problems.append(f"invalid {name} {_shown(value)} dropped")
            setattr(record, name, None)
    if problems:
        record.ids = ids
        for p in problems:
            logger.warning("%s: %s", record.source, p)
    elif ids != record.ids:
        record.ids = ids  # normal form (e.g. an arXiv version split off)
