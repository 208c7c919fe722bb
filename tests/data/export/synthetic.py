"""SYNTHETIC export fixtures, built directly from pipeline.models dataclasses.

Titles, authors and venues follow the seed list (data/raw.md); DOIs and other
metadata are plausible but hand-written, not recorded from any API.  The
"hostile" entries are made up to exercise LaTeX escaping.
"""

from __future__ import annotations

from pipeline.models import Citations, Entry, Ids, ListInfo, Person, Status

HOSTILE = 'Braces {open and }close} plus {unbalanced \\ back%slash & $5 #1 under_score x^2 ~tilde <b> "quoted"'
HOSTILE_ABSTRACT = "Line one.\n\nLine two { with } } { stray braces, 100% & more\\ $x_1^2$ ~ <tag> \"q\"."


def P(given: str | None, family: str | None, name: str | None = None) -> Person:
    return Person(name=name or f"{given} {family}", given=given, family=family)


def _list(title, url, authors, *, et_al=False, venue=None, year=None, line=1) -> ListInfo:
    return ListInfo(
        title=title, url=url, authors=authors, et_al=et_al, venue=venue, year=year,
        sections=[["Papers"]], lines=[line],
    )


def taso() -> Entry:
    title = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"
    url = "https://dl.acm.org/doi/abs/10.1145/3341301.3359630"
    return Entry(
        key="jia2019taso", kind="paper",
        list=_list(title, url, [P("Zhihao", "Jia")], et_al=True, venue="SOSP", year=2019, line=33),
        title=title,
        authors=[P("Zhihao", "Jia"), P("Oded", "Padon"), P("James", "Thomas"), P("Todd", "Warszawski"),
                 P("Matei", "Zaharia"), P("Alex", "Aiken")],
        year=2019, venue="Proceedings of the 27th ACM Symposium on Operating Systems Principles (SOSP)",
        venue_type="conference", ids=Ids(doi="10.1145/3341301.3359630"), pages="47-62",
        publisher="ACM", url=url,
        citations=Citations(count=300, influential=40, source="s2", as_of="2024-01-01"),
        provenance={"authors": "s2", "title": "s2", "year": "s2", "venue": "crossref"},
    )


def horus() -> Entry:
    title = "Horus: Interference-aware and prediction-based scheduling in deep learning systems"
    url = "https://ieeexplore.ieee.org/iel7/71/4359390/09428512.pdf"
    return Entry(
        key="yeung2021horus", kind="paper",
        list=_list(title, url, [P("Gingfung", "Yeung")], et_al=True, venue="IEEE TPDS", year=2021, line=60),
        title=title,
        authors=[P("Gingfung", "Yeung"), P("Damian", "Borowiec"), P("Renyu", "Yang"), P("Adrian", "Friday")],
        year=2021, venue="IEEE Transactions on Parallel and Distributed Systems", venue_type="journal",
        ids=Ids(doi="10.1109/tpds.2021.3079202", ieee="9428512"), volume="33", issue="1", pages="88–100",
        publisher="IEEE", url=url, provenance={"authors": "crossref"},
        status=Status(resolved=True),
    )


def preprint() -> Entry:
    title = "Attention Is All You Need"
    url = "https://arxiv.org/abs/1706.03762"
    return Entry(
        key="vaswani2017attention", kind="paper",
        list=_list(title, url, [P("Ashish", "Vaswani")], et_al=True, line=70),
        title=title, authors=[P("Ashish", "Vaswani")], year=2017, venue="arXiv", venue_type="preprint",
        ids=Ids(arxiv="1706.03762", arxiv_version=5), url=url,
        provenance={"authors": "list"}, status=Status(resolved=True),
    )


def munas() -> Entry:
    title = "μNAS: Constrained Neural Architecture Search for Microcontrollers"
    url = "https://dl.acm.org/doi/pdf/10.1145/3437984.3458836"
    authors = [P("Edgar", "Liberis"), P("Łukasz", "Dudziak"), P("Nicholas D.", "Lane")]
    return Entry(
        key="liberis2021munas", kind="paper",
        list=_list(title, url, authors, venue="EuroMLSys", year=2021, line=84),
        title=title, authors=authors, year=2021, venue="EuroMLSys", venue_type="conference",
        ids=Ids(doi="10.1145/3437984.3458836"), url=url, status=Status(resolved=True),
    )


def unknown() -> Entry:
    title = "Efficient GPU Kernels for Sparse DNN Inference"
    return Entry(
        key="anonndefficient", kind="paper",
        list=_list(title, None, [], line=90), title=title,
        status=Status(resolved=False, reason="no identifier found", warnings=["no match"]),
    )


def tvm() -> Entry:
    url = "https://tvm.apache.org/"
    return Entry(
        key="tvm", kind="software", list=_list("TVM", url, [], line=23), title="TVM", url=url,
        status=Status(resolved=False, reason="software"),
    )


def kubeedge() -> Entry:
    url = "https://github.com/kubeedge/kubeedge"
    return Entry(
        key="kubeedge", kind="software", list=_list("KubeEdge", url, [], line=24), title="KubeEdge", url=url,
        status=Status(resolved=False, reason="software"),
    )


def hostile() -> Entry:
    authors = [
        P("Łukasz", "Dudziak"),
        P("Tom", "Smith and Jones"),
        # (a family name *starting* with "{" after " and " trips a bibtexparser 2.0
        # splitting bug, so the stray brace is inside the name; bibtex itself is fine)
        P("J.", "We{ird}}"),
        Person(name="The {TVM} Community & Co. #1"),
        P("Ann_e", "O'Brien%"),
    ]
    return Entry(
        key="dudziak2020braces", kind="paper",
        list=_list(HOSTILE, "https://example.org/a_b?x=1&y=%7B#frag", authors, line=99),
        title=HOSTILE, authors=authors, year=2020, venue="Workshop on $pecial & {Odd} Venues_",
        venue_type="conference", abstract=HOSTILE_ABSTRACT, pages="1 - 10",
        ids=Ids(doi="10.1000/abc{def}"), url="https://example.org/a_b?x=1&y=%7B#frag",
    )


def all_entries() -> list[Entry]:
    """One of each shape, in list order."""
    return [taso(), horus(), preprint(), munas(), unknown(), tvm(), kubeedge(), hostile()]
