"""Tests for pipeline.identifiers.

The URLs in RAW_MD_CASES are copied verbatim from data/raw.md (the seed list);
the others are hand-written (synthetic) examples of the other supported forms.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.identifiers import clean_url, ids_from_url, normalize_arxiv, normalize_doi
from pipeline.models import Ids

RAW_MD = Path(__file__).resolve().parent.parent / "data" / "raw.md"


def _set(ids: Ids) -> dict:
    return {k: v for k, v in dataclasses.asdict(ids).items() if v is not None}


# (url from data/raw.md, expected non-null Ids fields)
RAW_MD_CASES = [
    ("https://arxiv.org/pdf/2003.12172", {"arxiv": "2003.12172"}),
    ("https://arxiv.org/pdf/2203.09040", {"arxiv": "2203.09040"}),
    ("https://dl.acm.org/doi/abs/10.1145/3341301.3359630", {"doi": "10.1145/3341301.3359630"}),
    ("https://dl.acm.org/doi/10.1145/3503222.3507723", {"doi": "10.1145/3503222.3507723"}),
    ("https://www.usenix.org/conference/osdi21/presentation/wang", {"usenix": "osdi21/presentation/wang"}),
    ("https://www.usenix.org/conference/osdi20/presentation/ma", {"usenix": "osdi20/presentation/ma"}),
    (
        "https://proceedings.mlsys.org/paper/2022/hash/38b3eff8baf56627478ec76a704e9b52-Abstract.html",
        {"proceedings": "38b3eff8baf56627478ec76a704e9b52"},
    ),
    ("https://arxiv.org/abs/2006.06762", {"arxiv": "2006.06762"}),
    (
        "https://datasets-benchmarks-proceedings.neurips.cc/paper/2021/hash/"
        "a684eceee76fc522773286a895bc8436-Abstract-round1.html",
        {"proceedings": "a684eceee76fc522773286a895bc8436"},
    ),
    ("https://www.microsoft.com/en-us/research/uploads/prod/2022/02/mobigpu_mobicom22_camera.pdf", {}),
    ("https://dl.acm.org/doi/abs/10.1145/3447993.3448625", {"doi": "10.1145/3447993.3448625"}),
    (
        "https://proceedings.mlsys.org/paper/2021/file/38b3eff8baf56627478ec76a704e9b52-Paper.pdf",
        {"proceedings": "38b3eff8baf56627478ec76a704e9b52"},
    ),
    ("https://arxiv.org/pdf/2201.05752", {"arxiv": "2201.05752"}),
    ("https://dl.acm.org/doi/pdf/10.1145/3453483.3454038", {"doi": "10.1145/3453483.3454038"}),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3503221.3508423?casa_token=c738_W6lYCkAAAAA:"
        "QcpPBlGQcRjbfbnr99-N7fJXV5ssZMVL9odTdrfRFRLXtaOcAAQOeh3JwhEeaQvOEpX1IRJquURmTg",
        {"doi": "10.1145/3503221.3508423"},
    ),
    ("https://dl.acm.org/doi/10.1145/3450268.3453520", {"doi": "10.1145/3450268.3453520"}),
    ("https://dl.acm.org/doi/pdf/10.1145/3372224.3419194", {"doi": "10.1145/3372224.3419194"}),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3372224.3419215?casa_token=XuIaaSOhXj8AAAAA:"
        "yC9swMPqSUSKBfe8yFelcaUvzBb3VHrpYroB87OFI0XgbEDZ6-EQipQFpnP9aduYdB3kjOu0MdNcRg",
        {"doi": "10.1145/3372224.3419215"},
    ),
    ("https://dl.acm.org/doi/pdf/10.1145/3093337.3037698", {"doi": "10.1145/3093337.3037698"}),
    ("https://www.usenix.org/system/files/nsdi21-guo.pdf", {"usenix": "nsdi21-guo"}),
    ("https://dl.acm.org/doi/pdf/10.1145/3384419.3430898", {"doi": "10.1145/3384419.3430898"}),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3503222.3507752?casa_token=4WEkiHRYJHEAAAAA:"
        "Ae8yvTck-swW5LDJ3Cx3spak5Q2IzfRIVvPAvEG3zHkCudGBF0R4-XxeJk1hBaS4LmzCmxaAqNenCg",
        {"doi": "10.1145/3503222.3507752"},
    ),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3485730.3485938?casa_token=gmqsW0h-7TUAAAAA:"
        "MqWvebvOkaT0kCORWXPCoIN5VEN0EBToR36zucKe63d1Exf9m-a5H8ebHVO2-OZZh6YB7DzvytW8QQ",
        {"doi": "10.1145/3485730.3485938"},
    ),
    ("https://ieeexplore.ieee.org/iel7/71/4359390/09428512.pdf", {"ieee": "9428512"}),
    ("https://ieeexplore.ieee.org/iel7/9643423/9643432/09643501.pdf", {"ieee": "9643501"}),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3437984.3458837?casa_token=CWMAG53X-EoAAAAA:"
        "FXA3ZHvAzasGqkaUPoVoXNREe1qEzYkaFQramYjfG_mu0MjJVJdQzH_IjBPGAIuhkmq9CgPuAQ",
        {"doi": "10.1145/3437984.3458837"},
    ),
    ("https://www.usenix.org/system/files/osdi22-han.pdf", {"usenix": "osdi22-han"}),
    (
        "https://ieeexplore.ieee.org/iel7/9251289/9251849/09251939.pdf?casa_token=JK4fOIekLU0AAAAA:"
        "zLGfIHmDMqPICBSEjAYEa1xHuFRBXTN4Kc-bjO8eZD-VhVIuNlV2B_UCCSXdFY-bWUSOC1xbJqM",
        {"ieee": "9251939"},
    ),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3372224.3419192?casa_token=TDdZgOLYfioAAAAA:"
        "w_HWQIpOiic498lYa-z6kRUYp4RxS92RiVoxNP6P6vBR7QvK2wyAYS4h77wEIh9ogv6B1n29zwfedw",
        {"doi": "10.1145/3372224.3419192"},
    ),
    ("https://dl.acm.org/doi/pdf/10.1145/3081333.3081359", {"doi": "10.1145/3081333.3081359"}),
    ("https://www.usenix.org/system/files/osdi20-bai.pdf", {"usenix": "osdi20-bai"}),
    (
        "https://ieeexplore.ieee.org/iel7/9622323/9622324/09622325.pdf?casa_token=HtllgvtNt8wAAAAA:"
        "hasDDmtMmf8uVWgtrevp1XT2Ldh4u-0bWMjup4VPqT1PsCbq77cgwOMOAeAboXs_J_Goklo",
        {"ieee": "9622325"},
    ),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3442442.3452297?casa_token=rNEtNHavbREAAAAA:"
        "U4wL45EN3WD8dh_CW41BVZSAcdKCzDO1KRvNRJsCIMTk6SoeaUa2NvvosOkN6vLnCLcZHt7sMg",
        {"doi": "10.1145/3442442.3452297"},
    ),
    ("https://dl.acm.org/doi/pdf/10.1145/3498361.3538948", {"doi": "10.1145/3498361.3538948"}),
    (
        "https://openaccess.thecvf.com/content/CVPR2022W/EVW/papers/"
        "Nair_MAPLE-Edge_A_Runtime_Latency_Predictor_for_Edge_Devices_CVPRW_2022_paper.pdf",
        {"cvf": "CVPR2022W/EVW/Nair_MAPLE-Edge_A_Runtime_Latency_Predictor_for_Edge_Devices_CVPRW_2022_paper"},
    ),
    (
        "https://openaccess.thecvf.com/content/CVPR2022W/ECV/papers/"
        "Abbasi_MAPLE_Microprocessor_a_Priori_for_Latency_Estimation_CVPRW_2022_paper.pdf",
        {"cvf": "CVPR2022W/ECV/Abbasi_MAPLE_Microprocessor_a_Priori_for_Latency_Estimation_CVPRW_2022_paper"},
    ),
    (
        "https://dl.acm.org/doi/pdf/10.1145/3458864.3467882?casa_token=XqdJMALxIdkAAAAA:"
        "VhfaRoo7fWSlLOERqfqPcTjW4NfsBB0EXG7AKTw-s_eUFjMscdzTK6oU1kAPREY6nlF2jqO43PTk6g",
        {"doi": "10.1145/3458864.3467882"},
    ),
    (
        "https://proceedings.neurips.cc/paper/2020/file/86c51678350f656dcc7f490a43946ee5-Paper.pdf",
        {"proceedings": "86c51678350f656dcc7f490a43946ee5"},
    ),
    (
        "https://ieeexplore.ieee.org/iel7/9585997/9586083/09586232.pdf?casa_token=OkZ2VanNSfoAAAAA:"
        "VepU071luwbGdzcLFA_4bHRlLXZ-CRo2Xwsw-7kLKF8BBLw_2eI83V52l8kc8XP93MwUwHxArgI",
        {"ieee": "9586232"},
    ),
    ("https://arxiv.org/pdf/2003.04821", {"arxiv": "2003.04821"}),
    ("https://dl.acm.org/doi/pdf/10.1145/3437984.3458836", {"doi": "10.1145/3437984.3458836"}),
    (
        "https://proceedings.neurips.cc/paper/2021/file/1371bccec2447b5aa6d96d2a540fb401-Paper.pdf",
        {"proceedings": "1371bccec2447b5aa6d96d2a540fb401"},
    ),
    ("https://arxiv.org/abs/2204.00102", {"arxiv": "2204.00102"}),
    ("https://www.usenix.org/system/files/osdi22-zheng-ningxin.pdf", {"usenix": "osdi22-zheng-ningxin"}),
    # links that are not papers
    ("https://tvm.apache.org/", {}),
    ("https://github.com/kubeedge/kubeedge", {}),
    ("https://img.shields.io/badge/Maintained%3F-YES-green.svg", {}),
]

# Synthetic examples of the other documented forms.
OTHER_CASES = [
    ("https://doi.org/10.1145/3341301.3359630", {"doi": "10.1145/3341301.3359630"}),
    ("http://dx.doi.org/10.1145/3341301.3359630", {"doi": "10.1145/3341301.3359630"}),
    ("https://doi.org/10.1145%2F3341301.3359630", {"doi": "10.1145/3341301.3359630"}),
    ("https://doi.org/10.1109/TPDS.2021.3079202", {"doi": "10.1109/tpds.2021.3079202"}),
    (
        "https://doi.org/10.48550/arXiv.2104.12255",
        {"doi": "10.48550/arxiv.2104.12255", "arxiv": "2104.12255"},
    ),
    ("https://dl.acm.org/doi/full/10.1145/3341301.3359630", {"doi": "10.1145/3341301.3359630"}),
    ("https://dl.acm.org/doi/epdf/10.1145/3341301.3359630", {"doi": "10.1145/3341301.3359630"}),
    ("https://link.springer.com/article/10.1007/s11263-015-0816-y", {"doi": "10.1007/s11263-015-0816-y"}),
    ("https://link.springer.com/chapter/10.1007/978-3-030-58580-8_2", {"doi": "10.1007/978-3-030-58580-8_2"}),
    ("https://link.springer.com/content/pdf/10.1007/s11263-015-0816-y.pdf", {"doi": "10.1007/s11263-015-0816-y"}),
    ("https://onlinelibrary.wiley.com/doi/10.1002/cpe.5555", {"doi": "10.1002/cpe.5555"}),
    ("https://onlinelibrary.wiley.com/doi/abs/10.1002/cpe.5555", {"doi": "10.1002/cpe.5555"}),
    ("https://www.sciencedirect.com/science/article/pii/S0167739X19300123", {}),
    ("https://arxiv.org/abs/2104.12255v1", {"arxiv": "2104.12255", "arxiv_version": 1}),
    ("https://arxiv.org/pdf/2104.12255v3.pdf", {"arxiv": "2104.12255", "arxiv_version": 3}),
    ("https://arxiv.org/pdf/2003.12172.pdf", {"arxiv": "2003.12172"}),
    ("http://export.arxiv.org/abs/2003.12172", {"arxiv": "2003.12172"}),
    ("https://arxiv.org/abs/cs/0601001", {"arxiv": "cs/0601001"}),
    ("https://arxiv.org/abs/hep-th/9901001v2", {"arxiv": "hep-th/9901001", "arxiv_version": 2}),
    ("https://arxiv.org/abs/not-an-id", {}),
    ("https://ieeexplore.ieee.org/document/9428512", {"ieee": "9428512"}),
    ("https://ieeexplore.ieee.org/document/9428512/authors#authors", {"ieee": "9428512"}),
    ("https://ieeexplore.ieee.org/abstract/document/9428512", {"ieee": "9428512"}),
    ("https://ieeexplore.ieee.org/stamp/stamp.jsp?tp=&arnumber=9428512", {"ieee": "9428512"}),
    ("https://ieeexplore.ieee.org/stamp/stamp.jsp?arnumber=09428512", {"ieee": "9428512"}),
    ("https://ieeexplore.ieee.org/xpl/conhome/1000155/all-proceedings", {}),
    ("https://www.usenix.org/system/files/conference/nsdi18/nsdi18-zhang.pdf", {"usenix": "nsdi18-zhang"}),
    ("https://usenix.org/conference/osdi21/presentation/wang", {"usenix": "osdi21/presentation/wang"}),
    ("https://www.usenix.org/conference/osdi21", {}),
    (
        "https://proceedings.neurips.cc/paper/2020/hash/86c51678350f656dcc7f490a43946ee5-Abstract.html",
        {"proceedings": "86c51678350f656dcc7f490a43946ee5"},
    ),
    (
        "https://papers.nips.cc/paper/2020/hash/86c51678350f656dcc7f490a43946ee5-Abstract.html",
        {"proceedings": "86c51678350f656dcc7f490a43946ee5"},
    ),
    (
        "https://proceedings.neurips.cc/paper_files/paper/2023/file/"
        "0001ca33ba34ce0351e4612b744b3936-Paper-Conference.pdf",
        {"proceedings": "0001ca33ba34ce0351e4612b744b3936"},
    ),
    (
        "https://proceedings.mlsys.org/paper_files/paper/2023/hash/"
        "0001ca33ba34ce0351e4612b744b3936-Abstract-mlsys2023.html",
        {"proceedings": "0001ca33ba34ce0351e4612b744b3936"},
    ),
    ("https://proceedings.neurips.cc/paper/2020", {}),
    (
        "https://www.semanticscholar.org/paper/TASO-Jia-Padon/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        {"s2": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"},
    ),
    ("https://api.semanticscholar.org/CorpusID:204812264", {"corpus_id": 204812264}),
    ("https://openalex.org/W2963403868", {"openalex": "W2963403868"}),
    ("https://api.openalex.org/works/W2963403868", {"openalex": "W2963403868"}),
    ("https://dblp.org/rec/conf/sosp/JiaPTWZA19", {"dblp": "conf/sosp/JiaPTWZA19"}),
    ("https://dblp.org/rec/conf/sosp/JiaPTWZA19.html", {"dblp": "conf/sosp/JiaPTWZA19"}),
    ("https://example.org/doi/10.1145/3341301.3359630", {}),
    ("ftp://doi.org/10.1145/3341301.3359630", {}),
]


@pytest.mark.parametrize(("url", "expected"), RAW_MD_CASES + OTHER_CASES)
def test_ids_from_url(url, expected):
    assert _set(ids_from_url(url)) == expected


def test_every_paper_url_in_raw_md_is_covered():
    """Each URL in the seed list is either in RAW_MD_CASES or clearly not a paper."""
    urls = set(re.findall(r"\]\((https?://[^)\s]+)\)", RAW_MD.read_text(encoding="utf-8")))
    known = {url for url, _ in RAW_MD_CASES}
    badge_hosts = {"cdn.rawgit.com", "img.shields.io"}
    missing = {u for u in urls - known if urlsplit(u).hostname not in badge_hosts}
    assert missing == set()


def test_cvf_html_and_pdf_forms_give_the_same_id():
    stem = "Nair_MAPLE-Edge_A_Runtime_Latency_Predictor_for_Edge_Devices_CVPRW_2022_paper"
    pdf = ids_from_url(f"https://openaccess.thecvf.com/content/CVPR2022W/EVW/papers/{stem}.pdf")
    html = ids_from_url(f"https://openaccess.thecvf.com/content/CVPR2022W/EVW/html/{stem}.html")
    assert pdf.cvf == html.cvf == f"CVPR2022W/EVW/{stem}"


def test_cvf_old_style_folders():
    stem = "Tan_MnasNet_Platform-Aware_Neural_Architecture_Search_for_Mobile_CVPR_2019_paper"
    html = ids_from_url(f"https://openaccess.thecvf.com/content_CVPR_2019/html/{stem}.html")
    pdf = ids_from_url(f"https://openaccess.thecvf.com/content_CVPR_2019/papers/{stem}.pdf")
    assert html.cvf == pdf.cvf == f"CVPR2019/{stem}"
    ws = ids_from_url("https://openaccess.thecvf.com/content_cvpr_2018_workshops/papers/w33/X_CVPR_2018_paper.pdf")
    assert ws.cvf == "CVPR2018W/w33/X_CVPR_2018_paper"


# --- clean_url ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://dl.acm.org/doi/pdf/10.1145/3503221.3508423?casa_token=c738_W6lYCkAAAAA:QcpPBlGQ",
            "https://dl.acm.org/doi/pdf/10.1145/3503221.3508423",
        ),
        (
            "https://example.org/a?id=7&utm_source=x&utm_medium=email&UTM_Campaign=z&page=2",
            "https://example.org/a?id=7&page=2",
        ),
        ("https://example.org/a?fbclid=abc&gclid=def", "https://example.org/a"),
        ("https://example.org/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&ref_src=twsrc", "https://example.org/a"),
        ("https://example.org/a?q=1&utm_source=x#section-2", "https://example.org/a?q=1#section-2"),
        ("https://example.org/a?utm_source=x#", "https://example.org/a"),
        ("https://example.org/a?", "https://example.org/a"),
        ("https://example.org/a#", "https://example.org/a"),
        # nothing to drop: byte for byte the same, encoding and order included
        ("https://example.org/a?b=%20x&a=1+2&ref=home#top", "https://example.org/a?b=%20x&a=1+2&ref=home#top"),
        ("https://arxiv.org/abs/2003.12172", "https://arxiv.org/abs/2003.12172"),
        ("not a url", "not a url"),
        ("", ""),
        ("http://[::1", "http://[::1"),
    ],
)
def test_clean_url(url, expected):
    assert clean_url(url) == expected


# --- normalize_doi -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1145/3341301.3359630", "10.1145/3341301.3359630"),
        ("10.1109/TPDS.2021.3079202", "10.1109/tpds.2021.3079202"),
        ("doi:10.1145/3341301.3359630", "10.1145/3341301.3359630"),
        ("DOI: 10.1145/3341301.3359630", "10.1145/3341301.3359630"),
        ("https://doi.org/10.1145/3341301.3359630", "10.1145/3341301.3359630"),
        ("http://dx.doi.org/10.1145/3341301.3359630", "10.1145/3341301.3359630"),
        ("https://doi.org/10.1145%2F3341301.3359630", "10.1145/3341301.3359630"),
        ("10.1145%2F3341301.3359630", "10.1145/3341301.3359630"),
        ("  10.1145/3341301.3359630\n", "10.1145/3341301.3359630"),
        # sentence punctuation after the DOI is dropped, parentheses inside kept
        ("10.1145/3341301.3359630.", "10.1145/3341301.3359630"),
        ("10.1145/3341301.3359630),", "10.1145/3341301.3359630"),
        ("10.1016/S0140-6736(07)61416-0", "10.1016/s0140-6736(07)61416-0"),
        ("10.1016/S0140-6736(07)61416-0.", "10.1016/s0140-6736(07)61416-0"),
        ("10.1002/(SICI)1097-4636(199812)", "10.1002/(sici)1097-4636(199812)"),
        # invalid
        ("10.123/abc", None),  # registrant code too short
        ("11.1145/3341301", None),
        ("10.1145/", None),
        ("10.1145/33413 01", None),
        ("10.1145", None),
        ("arXiv:2003.12172", None),
        ("", None),
        (".", None),
    ],
)
def test_normalize_doi(text, expected):
    assert normalize_doi(text) == expected


# --- normalize_arxiv ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2003.12172", ("2003.12172", None)),
        ("2104.12255v1", ("2104.12255", 1)),
        ("2104.12255v12", ("2104.12255", 12)),
        ("arXiv:2104.12255v2", ("2104.12255", 2)),
        ("arxiv: 2003.12172", ("2003.12172", None)),
        ("0704.0001", ("0704.0001", None)),
        ("1412.8765v3", ("1412.8765", 3)),
        ("cs/0601001", ("cs/0601001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.GT/0309136", ("math/0309136", None)),
        ("arXiv:cond-mat/0512345", ("cond-mat/0512345", None)),
        # not arXiv ids
        ("1501.1234", None),  # 4-digit numbers ended in 2014
        ("1412.12345", None),  # 5-digit numbers started in 2015
        ("0612.1234", None),  # before the new scheme (April 2007)
        ("2013.12345", None),  # month 13
        ("foo/0601001", None),
        ("cs/06010", None),
        ("10.1145/3341301.3359630", None),
        ("2104.12255vx", None),
        ("", None),
    ],
)
def test_normalize_arxiv(text, expected):
    assert normalize_arxiv(text) == expected


# --- robustness --------------------------------------------------------------

_URLISH = st.builds(
    lambda scheme, host, path, query: f"{scheme}{host}{path}{query}",
    st.sampled_from(["https://", "http://", "", "ftp://", "https://[", "//"]),
    st.sampled_from(
        [
            "dl.acm.org",
            "doi.org",
            "arxiv.org",
            "ieeexplore.ieee.org",
            "www.usenix.org",
            "proceedings.neurips.cc",
            "openaccess.thecvf.com",
            "dblp.org",
            "openalex.org",
            "www.semanticscholar.org",
            "example.org",
            "",
        ]
    ),
    st.text(max_size=60),
    st.text(max_size=30).map(lambda q: "?" + q),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_URLISH, st.text(max_size=80)))
def test_garbage_never_raises(text):
    assert isinstance(ids_from_url(text), Ids)
    assert isinstance(clean_url(text), str)
    doi = normalize_doi(text)
    assert doi is None or (doi == doi.lower() and doi.startswith("10."))
    arxiv = normalize_arxiv(text)
    assert arxiv is None or isinstance(arxiv[0], str)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\A10\.[0-9]{4,9}/[a-z0-9._;()/:-]{1,30}\Z"))
def test_crossref_pattern_dois_are_accepted(doi):
    """Every DOI matching Crossref's recommended pattern is accepted (modulo
    trailing sentence punctuation, which is dropped) and is stable."""
    got = normalize_doi(doi)
    assert got is not None
    assert doi.startswith(got)
    assert normalize_doi(got) == got
    assert normalize_doi(doi.upper()) == got


# ---------------------------------------------------------------------------
# Identifiers from sources are validated where every SourceRecord is made
# (issue 11).  Values below are synthetic unless a comment says otherwise.

from pipeline.identifiers import check_ids  # noqa: E402
from pipeline.models import SourceRecord  # noqa: E402

VALID_FROM_SOURCES = Ids(
    doi="10.1145/3341301.3359630",  # from data/raw.md
    arxiv="2006.06762",
    arxiv_version=2,
    s2="c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce",
    corpus_id=470667,
    openalex="W2981796843",
    dblp="conf/sosp/JiaPTWZA19",  # a real DBLP key (tests/data/real/dblp)
    ieee="9428512",
    proceedings="86c51678350f656dcc7f490a43946ee5",
    usenix="osdi21/presentation/wang",
    cvf="CVPR2022W/EVW/Nair_MAPLE-Edge_paper",
)


def test_valid_ids_from_sources_are_kept():
    assert check_ids(VALID_FROM_SOURCES) == (VALID_FROM_SOURCES, [])
    for key in ("conf/iclr/0001B17", "journals/corr/abs-2104-12255", "conf/nsdi/Katz-BassettMJKWA08",
                "conf/evoW/BucurIST15", "books/sp/Name19"):
        assert check_ids(Ids(dblp=key))[0].dblp == key
    for arxiv in ("cs/0601001", "hep-th/9901001", "0704.0001", "1501.00001"):
        assert check_ids(Ids(arxiv=arxiv))[0].arxiv == arxiv


def test_ids_from_sources_are_normalised():
    ids, problems = check_ids(Ids(arxiv="arXiv:2104.12255v3", openalex="https://openalex.org/W123",
                                  s2="C31C87C591A25C64FBAA82E8AC6A81831B6AC7CE", doi="https://doi.org/10.1145/ABC"))
    assert problems == []
    assert (ids.arxiv, ids.arxiv_version, ids.openalex, ids.s2, ids.doi) == (
        "2104.12255", 3, "W123", "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce", "10.1145/abc")


@pytest.mark.parametrize("field, value", [
    ("arxiv", "javascript:alert(6)"),  # the value of issue 11
    ("arxiv", "2104.12255}\\input{/etc/passwd"),
    ("doi", "javascript:alert(1)"),
    ("doi", "10.1/" + "x" * 400),
    ("s2", "<script>alert(1)</script>"),
    ("s2", "c31c87c591a25c64fbaa82e8ac6a81831b6ac7c"),  # 39 hex
    ("corpus_id", -5),
    ("corpus_id", True),
    ("openalex", "W12'><img src=x>"),
    ("openalex", "A123"),
    ("dblp", "conf/sosp/x\"},\n@misc{evil"),
    ("dblp", "../../etc/passwd"),
    ("ieee", "12a"),
    ("proceedings", "zz" * 16),
    ("usenix", "a b"),
    ("cvf", "x/../<y>"),
    ("arxiv_version", 0),
])
def test_invalid_ids_from_sources_are_dropped(field, value):
    base = {"arxiv": "2006.06762"} if field == "arxiv_version" else {}
    ids, problems = check_ids(Ids(**base, **{field: value}))
    assert getattr(ids, field) is None
    assert len(problems) == 1 and field in problems[0]


def test_every_source_record_is_checked_when_made(caplog):
    """No adapter code needed: a record made with a hostile id loses it, with
    a warning that shows the value safely."""
    rec = SourceRecord(source="s2", ids=Ids(arxiv="javascript:alert(6)", doi="10.1145/3341301.3359630"),
                       url="javascript:alert(1)", pdf_url="https://example.org/p.pdf")
    assert rec.ids.arxiv is None and rec.ids.doi == "10.1145/3341301.3359630"
    assert rec.url is None and rec.pdf_url == "https://example.org/p.pdf"
    assert any("s2: invalid arxiv id 'javascript:alert(6)' dropped" in r.getMessage() for r in caplog.records)
    assert any("invalid url" in r.getMessage() for r in caplog.records)


def test_s2_adapter_drops_a_hostile_arxiv_id(caplog):
    from pipeline.sources.s2 import S2Source

    rec = S2Source.map_record({
        "paperId": "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce", "title": "T",
        "externalIds": {"ArXiv": "javascript:alert(6)", "DOI": "10.1145/3341301.3359630", "DBLP": "<b>"},
    })
    assert rec.ids.arxiv is None and rec.ids.dblp is None
    assert rec.ids.doi == "10.1145/3341301.3359630" and rec.ids.s2 == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_check_ids_never_raises_and_keeps_only_safe_text(text):
    fields = ("arxiv", "s2", "openalex", "dblp", "ieee", "proceedings", "usenix", "cvf")
    ids, _ = check_ids(Ids(doi=text, **{f: text for f in fields}))
    for f in fields:
        value = getattr(ids, f)
        assert value is None or (value.isprintable() and not any(c in value for c in '"{}\\ <>\n'))
    # a DOI suffix may hold almost anything printable (SICI DOIs carry "<" and ">"), never spaces
    assert ids.doi is None or (ids.doi.isprintable() and not any(c.isspace() for c in ids.doi))
