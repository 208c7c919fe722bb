"""The acceptance rule for title-search hits (pipeline.matching)."""

import pytest

from pipeline.matching import (
    EVIDENCE,
    SEARCH_TITLE_THRESHOLD,
    accept_search_hit,
    fold,
    identifier_record_agrees,
    title_score,
    url_record_agrees,
    venue_agrees,
)
from pipeline.models import Person

JIA = [Person(name="Zhihao Jia", given="Zhihao", family="Jia")]


def test_fold_ignores_case_punctuation_and_accents():
    assert fold("TASO: The Tensor-Algebra  SuperOptimizer.") == "taso the tensor algebra superoptimizer"
    assert fold("Łukasz Dudziak") == "lukasz dudziak"
    assert fold("μNAS") == "munas"


def test_same_title_different_case_scores_100():
    assert title_score("Ios: Inter-operator scheduler for cnn acceleration",
                       "IOS: Inter-Operator Scheduler for CNN Acceleration") == 100


def test_accepts_when_title_and_year_agree():
    ok, score, why = accept_search_hit("TASO: The Tensor Algebra SuperOptimizer for Deep Learning", 2019, [],
                                       "TASO: the tensor algebra superoptimizer for deep learning", 2020, [])
    assert ok and score >= SEARCH_TITLE_THRESHOLD and "year" in why


def test_accepts_when_title_and_first_author_agree_without_year():
    ok, _, why = accept_search_hit("Interference-aware scheduling for inference serving", None,
                                   [Person(name="Daniel Mendoza", given="Daniel", family="Mendoza")],
                                   "Interference-Aware Scheduling for Inference Serving", 2021,
                                   [Person(name="Daniel Mendoza")])
    assert ok and "author" in why


def test_rejects_same_title_with_other_year_and_authors():
    ok, _, why = accept_search_hit("Dynamic Multimodal Fusion", 2022, [Person(name="Zihui Xue", family="Xue")],
                                   "Dynamic Multimodal Fusion", 2017, [Person(name="Someone Else")])
    assert not ok and "neither year" in why


def test_rejects_near_miss_title():
    ok, score, _ = accept_search_hit("Maple: Microprocessor a priori for latency estimation", 2022, JIA,
                                     "MAPLE-Edge: A Runtime Latency Predictor for Edge Devices", 2022, JIA)
    assert not ok and score < SEARCH_TITLE_THRESHOLD


def test_rejects_title_with_extra_words():
    ok, _, _ = accept_search_hit("Dynamic Multimodal Fusion", 2022, [],
                                 "Dynamic Multimodal Fusion Networks for Video Understanding", 2022, [])
    assert not ok


def test_url_record_contradicting_title_is_not_trusted():
    agrees, score = url_record_agrees("TASO: The Tensor Algebra SuperOptimizer for Deep Learning",
                                      "A Study of Bird Migration in Northern Europe")
    assert not agrees and score < 50
    assert url_record_agrees(TASO_LISTED, TASO_RECORD)[0] is False
    deepcod = ("Deep compressive offloading: Speeding up neural network inference by trading edge computation "
               "for network latency")
    assert url_record_agrees(deepcod + ".", deepcod.replace("Speeding", "speeding"))[0]


# -- identifiers from the list: title, or first author + year + venue (issue 13) ---------

TASO_LISTED = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"  # the project's tagline
TASO_RECORD = "TASO: optimizing deep learning computation with automatic generation of graph substitutions"
SOSP19 = "Proceedings of the 27th ACM Symposium on Operating Systems Principles"


@pytest.mark.parametrize("hint, venue", [
    ("SOSP", SOSP19),
    ("OSDI", "14th USENIX Symposium on Operating Systems Design and Implementation (OSDI 20)"),
    ("ACM SIGCOMM", "Proceedings of the ACM SIGCOMM 2019 Conference"),
    ("NeurIPS", "NeurIPS"),
])
def test_venue_agrees(hint, venue):
    assert venue_agrees(hint, venue)


@pytest.mark.parametrize("hint, venue", [
    ("SOSP", "Proceedings of the 14th USENIX Symposium on Operating Systems Design and Implementation"),
    ("MobiSys", SOSP19),
    ("OS", SOSP19),  # two letters are no evidence
    (None, SOSP19),
    ("SOSP", None),
])
def test_venue_disagrees(hint, venue):
    assert not venue_agrees(hint, venue)


def test_list_identifier_with_a_tagline_title_is_accepted_on_author_year_and_venue():
    ok, score, why = identifier_record_agrees(TASO_LISTED, 2019, JIA, "SOSP", TASO_RECORD, 2019, JIA, SOSP19)
    assert ok and why == EVIDENCE and score < 80


@pytest.mark.parametrize("year, authors, venue", [
    (2019, JIA, "OSDI"),  # decoy: same author and year, another venue
    (2019, [Person(name="Ana Garcia", family="Garcia")], "SOSP"),  # decoy: another first author
    (2016, JIA, "SOSP"),  # decoy: three years apart
    (None, JIA, "SOSP"),  # the list gives no year: not enough evidence
    (2019, [], "SOSP"),  # the list gives no author: not enough evidence
])
def test_each_missing_piece_of_evidence_refuses_a_record_with_another_title(year, authors, venue):
    ok, _, _ = identifier_record_agrees(TASO_LISTED, year, authors, venue, TASO_RECORD, 2019, JIA, SOSP19)
    assert not ok


def test_fold_keeps_letters_of_every_script():
    # a title in Chinese (or Greek, Cyrillic...) must not fold to "": run.py recognises
    # entries across runs by their folded title, and search scores compare folds
    assert fold("大语言模型的高效推理") == "大语言模型的高效推理"
    assert fold("大语言模型的高效推理") != fold("移动设备上的深度学习推理")
    assert fold("Ünïcode μNAS: Łukasz's  Net!") == "unicode munas lukasz s net"
