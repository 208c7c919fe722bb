"""What a link in a list item is: the paper, its code, a badge, navigation.

A paper link points at a paper page or file (arXiv, a DOI, a publisher, a PDF)
or carries the title as its text.  Code, project pages, videos, slides and
star badges are kept as :class:`~pipeline.models.Link` but are never the
paper.  Shields badges can carry a venue and year (``EMNLP2023-blue``):
:func:`badge_text` reads them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .inline import Piece

CODE_TEXT = re.compile(
    r"^\W*(code|codes|source code|github|gitlab|project( page)?|page|homepage|home|website|site|"
    r"web|slides?|video|videos|talk|poster|demo|blog|post|dataset|data|model|models|weights|bib(tex)?|"
    r"official|unofficial|pytorch|tensorflow|jax|repo|repository|colab|notebook|youtube|bilibili|"
    r"hugging ?face|leaderboard|zhihu|twitter|media|press|news|star|stars|code & data|"
    r"official code|code \(official\)|github repo|tutorial)\W*$", re.I)
# link texts that name the kind of link, not the work
GENERIC_TEXT = re.compile(
    r"^\W*(paper|papers|pdf|arxiv|arxiv paper|link|url|doi|acm|ieee|ieee xplore|openreview|springer|"
    r"html|abs|abstract|preprint|article|publication|full text|read|download|semantic scholar|"
    r"acl(?: anthology)?|proceedings|proc|camera[- ]ready|official|paper link|paper & code|"
    r"\[?pdf\]?|📄|📝|here|details|journal|conference|version|supplementary|supp|appendix|"
    r"openaccess|open access|cvf|aaai|neurips|ecva|nature|science|sciencedirect|elsevier|"
    r"researchgate|google scholar|scholar|dblp|papers with code|paperswithcode)\W*$", re.I)
CODE_HOSTS = frozenset(("github.com", "gitlab.com", "bitbucket.org", "youtube.com", "youtu.be", "github.io",
              "slideshare.net", "colab.research.google.com", "huggingface.co", "bilibili.com",
              "twitter.com", "x.com", "medium.com", "zhihu.com", "zhuanlan.zhihu.com", "vimeo.com",
              "gitee.com", "kaggle.com", "paperswithcode.com", "reddit.com", "linkedin.com",
              "discord.gg", "discord.com", "t.me", "substack.com", "wikipedia.org", "wechat.com",
              "mp.weixin.qq.com", "notion.site", "docs.google.com", "drive.google.com",
              "star-history.com", "pypi.org", "readthedocs.io", "coursera.org", "udacity.com"))
BADGE_HOSTS = frozenset(("img.shields.io", "shields.io", "badgen.net", "awesome.re", "cdn.rawgit.com",
               "badge.fury.io", "api.star-history.com", "visitor-badge.laobi.icu", "hits.seeyoufarm.com",
               "komarev.com", "badges.gitter.im", "camo.githubusercontent.com", "colab.research.google.com"))
PAPER_HOSTS = frozenset(("arxiv.org", "doi.org", "dl.acm.org", "acm.org", "ieeexplore.ieee.org", "ieee.org",
               "openreview.net", "proceedings.neurips.cc", "papers.nips.cc", "neurips.cc",
               "proceedings.mlr.press", "jmlr.org", "aclanthology.org", "aclweb.org",
               "openaccess.thecvf.com", "thecvf.com", "ecva.net", "link.springer.com", "springer.com",
               "sciencedirect.com", "nature.com", "science.org", "usenix.org", "mlsys.org",
               "ojs.aaai.org", "aaai.org", "ijcai.org", "semanticscholar.org", "researchgate.net",
               "biorxiv.org", "medrxiv.org", "ssrn.com", "mdpi.com", "wiley.com", "tandfonline.com",
               "iopscience.iop.org", "pubmed.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov", "sigops.org",
               "vldb.org", "computer.org", "hal.science", "hal.archives-ouvertes.fr", "dblp.org",
               "scholar.google.com", "papers.ssrn.com", "escholarship.org", "osti.gov",
               "cv-foundation.org", "bmva.org", "isca-speech.org", "isca-archive.org", "jair.org",
               "pmlr.press", "siam.org", "plos.org", "frontiersin.org", "cell.com", "pnas.org",
               "academic.oup.com", "emerald.com", "sagepub.com", "iclr.cc", "icml.cc", "kdd.org", "eprint.iacr.org"))


@lru_cache(maxsize=65536)
def host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def on_host(url: str, hosts: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``hosts`` or a subdomain of one."""
    h = host(url)
    if not h:
        return False
    if not isinstance(hosts, frozenset):
        hosts = frozenset(hosts)
    parts = h.split(".")
    return any(".".join(parts[i:]) in hosts for i in range(len(parts)))


_NAV_TEXT = re.compile(r"^\W*(?:back to|go to|return to|jump to|table of contents|top)\b", re.I)


def is_nav(p: Piece) -> bool:
    """An anchor, a mail address, or a "Back to top" link."""
    href = p.href.strip()
    if _NAV_TEXT.match(p.text):
        return True
    return not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:"))


def is_internal(url: str) -> bool:
    """A relative link to another page of the same repository ("pruning.md",
    "content/2024/osdi24.md"): a sub-page or a note, never a paper address."""
    u = url.strip().lower()
    return "://" not in u and not u.startswith("www.")


# profile and listing pages on scholarly hosts: a person, not a paper
_PROFILE = re.compile(r"/pers/|/pid/|citations\?|/profile/|/author/|/authors?/|/people/|/~|/user/|/search\?", re.I)


def is_badge(p: Piece) -> bool:
    if on_host(p.href, BADGE_HOSTS):
        return True
    return bool(p.images) and any(on_host(s, BADGE_HOSTS) for s in p.images)


# "Code (DeepSpeed)", "GitHub Page", "Project website": a code word first, few words
_CODE_LEAD = re.compile(r"^\W*(?:official\s+|unofficial\s+|pytorch\s+|tensorflow\s+|jax\s+|paddle\s+)?"
                        r"(code|codes|github|gitlab|project|repo|repository|demo|video|"
                        r"slides?|website|homepage|blog|poster|talk|models?|weights|dataset|colab|huggingface)\b",
                        re.I)


# "Download PDF", "PDF link", "Paper (arXiv)": a generic word first, few words
_GENERIC_LEAD = re.compile(r"^\W*(?:download(?:able)?|view|read|get|full|free)?\s*"
                           r"(paper|pdf|arxiv|doi|preprint|link|thesis|"
                           r"master thesis|phd thesis|report|technical report)\b",
                           re.I)
# a link whose text is an identifier or an address: "10.1109/TGRS.2007.912448", "arXiv:2101.00001"
_ID_TEXT = re.compile(r"^\W*(?:doi:\s*)?10\.\d{4,9}/\S+$|^\W*(?:arxiv:\s*)?\d{4}\.\d{4,5}(?:v\d+)?\W*$|"
                      r"^\W*https?://\S+$|^\W*www\.\S+$", re.I)


@lru_cache(maxsize=65536)
def generic_text(text: str) -> bool:
    """Whether a link text names the kind of link to the paper ("pdf", "Download PDF", a DOI)."""
    text = text.strip().strip("[]【】()")
    return bool(GENERIC_TEXT.match(text) or _ID_TEXT.match(text)) or \
        (bool(_GENERIC_LEAD.match(text)) and len(text.split()) <= 3)


@lru_cache(maxsize=65536)
def code_text(text: str) -> bool:
    """Whether a link text names a kind of non-paper link ("code", "GitHub Page")."""
    text = text.strip().strip("[]【】()")
    if generic_text(text):
        return False
    return bool(CODE_TEXT.match(text)) or (bool(_CODE_LEAD.match(text)) and len(text.split()) <= 4)


def is_code(p: Piece) -> bool:
    """Code, project, media, social links: never the paper."""
    if code_text(p.text):
        return True
    if on_host(p.href, CODE_HOSTS):
        return True
    return bool(p.images) and not p.text.strip() and not is_paper_url(p.href)


@lru_cache(maxsize=65536)
def is_profile(url: str) -> bool:
    """A person's page on a scholarly or social host (DBLP, Google Scholar, GitHub user...)."""
    if _PROFILE.search(url):
        return True
    return on_host(url, ("github.com",)) and urlsplit(url).path.strip("/").count("/") == 0


@lru_cache(maxsize=65536)
def is_paper_url(url: str) -> bool:
    if _PROFILE.search(url):
        return False
    if on_host(url, PAPER_HOSTS):
        return True
    path = urlsplit(url).path.lower() if "://" in url else ""
    return path.endswith(".pdf") or "/doi/" in path or "/paper" in path or "/abs/" in path


@lru_cache(maxsize=65536)
def badge_text(src: str, alt: str = "") -> str:
    """The words of a shields badge: ``.../badge/EMNLP2023-blue`` -> "EMNLP 2023";
    ``.../badge/NeurIPS-2023-green`` -> "NeurIPS 2023".  Other images: their alt text."""
    if on_host(src, ("img.shields.io", "shields.io", "badgen.net")):
        path = unquote(urlsplit(src).path)
        m = re.search(r"/badge/(.+)$", path)
        if m:
            body = re.sub(r"\.(svg|png)$", "", m.group(1))
            # label-message-color; "--" is a literal dash, "__" a literal underscore
            body = body.replace("--", "\0").replace("__", "\1")
            parts = [x.replace("\0", "-").replace("\1", "_").replace("_", " ") for x in body.split("-")]
            if len(parts) >= 2:
                parts = parts[:-1]  # the colour
            if len(parts) >= 2 and re.fullmatch(r"(?i)conference|venue|published|journal|accepted|publication|"
                                                r"pub|conf|proceedings|paper", parts[0].strip()):
                parts = parts[1:]  # "Conference-ICML'24": the label names the kind of fact
            text = " ".join(parts)
            return re.sub(r"([A-Za-z])((?:19|20)\d{2})\b", r"\1 \2", text).strip()
    return alt.strip()
