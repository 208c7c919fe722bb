"""The acceptance rule for title-search hits (pipeline.matching)."""

from pipeline.matching import (
    SEARCH_TITLE_THRESHOLD,
    accept_search_hit,
    fold,
    title_score,
    url_record_agrees,
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
    assert url_record_agrees("TASO: The Tensor Algebra SuperOptimizer for Deep Learning",
                             "TASO: optimizing deep learning computation with automatic generation of graph substitutions")[0] is False
    assert url_record_agrees("Deep compressive offloading: Speeding up neural network inference by trading edge computation for network latency.",
                             "Deep compressive offloading: speeding up neural network inference by trading edge computation for network latency")[0]
