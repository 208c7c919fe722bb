"""Tests for pipeline.parse: the seed list (data/raw.md) and the synthetic layout
fixtures in tests/data/lists/ (see the README there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.models import KIND_PAPER, KIND_SOFTWARE, Link, Person
from pipeline.parse import parse_file, parse_text, split_authors, split_venue_year

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "raw.md"
LISTS = Path(__file__).resolve().parent / "data" / "lists"
TASO = "TASO: The Tensor Algebra SuperOptimizer for Deep Learning"


@pytest.fixture(scope="module")
def seed():
    return parse_file(SEED)


def by_title(result, prefix):
    (hit,) = [e for e in result.entries if e.title.startswith(prefix)]
    return hit


def seed_line(prefix: str) -> int:
    """1-based line of the first line in the seed that starts with ``prefix``."""
    for n, line in enumerate(SEED.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(prefix):
            return n
    raise AssertionError(prefix)


# --- the seed list -------------------------------------------------------------------


def test_seed_counts(seed):
    papers = [e for e in seed.entries if e.kind == KIND_PAPER]
    software = [e for e in seed.entries if e.kind == KIND_SOFTWARE]
    assert sum(len(e.lines) for e in papers) == 45  # 45 paper lines ...
    assert len(papers) == 44  # ... of which TASO is listed twice
    assert [(e.title, e.url, e.sections) for e in software] == [
        ("TVM", "https://tvm.apache.org/", [["Open Source Projects"]]),
        ("KubeEdge", "https://github.com/kubeedge/kubeedge", [["Open Source Projects"]]),
    ]
    assert seed.problems == []


def test_seed_contents_badges_and_plain_paragraphs_are_not_entries(seed):
    assert all(e.url and not e.url.startswith("#") for e in seed.entries)
    titles = {e.title for e in seed.entries}
    assert not titles & {"Open Source Projects", "Papers", "Survey", "Others", "Awesome", "Maintenance"}
    assert not any("Compression related" in e.title for e in seed.entries)
    assert all(["Contents"] not in e.sections for e in seed.entries)
    assert min(line for e in seed.entries for line in e.lines) == 23  # first real item


def test_seed_order_is_first_appearance(seed):
    firsts = [e.lines[0] for e in seed.entries]
    assert firsts == sorted(firsts)
    assert seed.entries[0].title == "TVM"
    assert seed.entries[-1].title.startswith("SparTA")


def test_seed_sections_use_headings_below_title(seed):
    assert by_title(seed, "Edge Intelligence").sections == [["Papers", "Survey"]]
    assert by_title(seed, "SparTA").sections == [["Papers", "Sparse Inference"]]
    assert by_title(seed, "Mcunet").sections == [["Papers", "TinyML"]]


def test_seed_line_numbers_match_the_file(seed):
    for prefix in ("Edge Intelligence", "DeepCuts", "Heimdall", "SparTA", "Mcunet"):
        entry = by_title(seed, prefix)
        assert entry.lines == [seed_line(f"- [{prefix}")]
    assert by_title(seed, "KubeEdge").lines == [24]


def test_taso_listed_twice_is_one_entry_with_both_lines(seed):
    hits = [e for e in seed.entries if e.title == TASO]
    assert len(hits) == 1
    taso = hits[0]
    assert taso.lines == [33, 37]
    assert taso.sections == [["Papers", "DNN Compiler"]]
    assert taso.url == "https://dl.acm.org/doi/abs/10.1145/3341301.3359630"
    assert (taso.venue, taso.year) == ("SOSP", 2019)


def test_casa_token_stripped(seed):
    case = by_title(seed, "CASE: a compiler-assisted")
    assert case.url == "https://dl.acm.org/doi/pdf/10.1145/3503221.3508423"
    assert not any("casa_token" in (e.url or "") for e in seed.entries)


@pytest.mark.parametrize(
    "prefix, names, et_al",
    [
        ("Edge Intelligence", [("Dianlei Xu", "Dianlei", "Xu")], True),
        (TASO, [("Zhihao Jia", "Zhihao", "Jia")], True),
        ("DeepCuts", [("Wookeun Jung", "Wookeun", "Jung"), ("Thanh Tuan Dao", "Thanh Tuan", "Dao"),
                      ("Jaejin Lee", "Jaejin", "Lee")], False),
        ("μNAS", [("Edgar Liberis", "Edgar", "Liberis"), ("Łukasz Dudziak", "Łukasz", "Dudziak"),
                  ("Nicholas D. Lane", "Nicholas D.", "Lane")], False),
        ("TenSet", [("Lianmin Zheng", "Lianmin", "Zheng")], False),
        ("Heimdall", [("Juheon Yi", "Juheon", "Yi"), ("Youngki Lee", "Youngki", "Lee")], False),
        ("Mistify", [("Peizhen Guo", "Peizhen", "Guo")], True),
        ("Benchmarking TinyML", [("Colby R. Banbury", "Colby R.", "Banbury")], True),
        ("Mcunet", [("Ji Lin", "Ji", "Lin")], True),
        ("nn-Meter", [("Li Lyna Zhang", "Li Lyna", "Zhang")], True),
    ],
)
def test_seed_authors(seed, prefix, names, et_al):
    entry = by_title(seed, prefix)
    assert entry.authors == [Person(name=n, given=g, family=f) for n, g, f in names]
    assert entry.et_al is et_al


@pytest.mark.parametrize(
    "prefix, venue, year",
    [
        (TASO, "SOSP", 2019),
        ("Horus", "IEEE TPDS", 2021),
        ("Edge Intelligence", "arXiv", 2020),
        ("Interference-aware scheduling", "EuroMLSys", None),
        ("Mcunet", "NeurIPS", 2020),  # "et al. , NeurIPS 2020"
        ("CASE: a compiler", "PPoPP", 2022),
        ("μNAS", "EuroMLSys", 2021),
    ],
)
def test_seed_venue_and_year(seed, prefix, venue, year):
    entry = by_title(seed, prefix)
    assert (entry.venue, entry.year) == (venue, year)


def test_seed_titles_kept_as_listed(seed):
    entry = by_title(seed, "Deep compressive offloading")
    # a trailing period ends the listing's sentence, not the title (issue 9: dropped)
    assert entry.title.endswith("network latency")
    assert by_title(seed, "Ios:").title == "Ios: Inter-operator scheduler for cnn acceleration"


# --- helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, names, et_al",
    [
        ("Ann Lee & Bo Chen", ["Ann Lee", "Bo Chen"], False),
        ("Ann Lee, Bo Chen, etc.", ["Ann Lee", "Bo Chen"], True),
        ("Ann Lee et al", ["Ann Lee"], True),
        ("Ludwig van Beethoven and John Smith Jr.", ["Ludwig van Beethoven", "John Smith Jr."], False),
        ("van der Berg, Jan, and Ann Lee.", ["Jan van der Berg", "Ann Lee"], False),
    ],
)
def test_split_authors_other_styles(raw, names, et_al):
    people, flag = split_authors(raw)
    assert [p.name for p in people] == names
    assert flag is et_al


def test_split_authors_particles_and_suffix_fields():
    people, _ = split_authors("Ludwig van Beethoven and John Smith Jr.")
    assert (people[0].given, people[0].family) == ("Ludwig", "van Beethoven")
    assert (people[1].given, people[1].family) == ("John", "Smith")


@pytest.mark.parametrize(
    "text, expected",
    [("KDD'24", ("KDD", 2024)), ("[NeurIPS 2023]", ("NeurIPS", 2023)), ("ArXiv", ("arXiv", None)),
     ("2019", (None, 2019)), ("", (None, None)), ("MM'2020", ("MM", 2020)), ("ECCV '98", ("ECCV", 1998)),
     ("ACL（2018）", ("ACL", 2018))],
)
def test_split_venue_year(text, expected):
    assert split_venue_year(text) == expected


# --- other layouts -------------------------------------------------------------------


def test_venue_prefix_layout():
    r = parse_file(LISTS / "venue_prefix.md")
    assert r.problems == []
    assert [e.title for e in r.entries] == [
        "Graph Neural Networks for Fast Inference",
        "Sparse Attention Is Enough",
        "Efficient Streaming Language Models",
        "FlexGen: High-Throughput Generative Inference",
        "DGL",
    ]
    kdd = r.entries[0]
    assert (kdd.venue, kdd.year) == ("KDD", 2024)
    assert kdd.url == "https://arxiv.org/abs/2401.00001"  # utm_* stripped
    assert kdd.links == [Link(text="Code", url="https://github.com/example/gnn-fast")]
    assert kdd.sections == [["Papers", "2024"]]
    assert kdd.lines == [11]
    iclr = r.entries[1]
    assert iclr.url == "https://openreview.net/forum?id=abc123"
    assert [x.text for x in iclr.links] == ["Code", "Project"]
    neurips = r.entries[2]
    assert (neurips.venue, neurips.year, neurips.url) == ("NeurIPS", 2023, "https://arxiv.org/abs/2309.17453")
    assert neurips.links == [Link(text="code", url="https://github.com/example/streaming")]
    flexgen = r.entries[3]
    assert [x.text for x in flexgen.links] == ["website", "slides"]
    dgl = r.entries[4]
    assert (dgl.kind, dgl.url, dgl.sections) == (KIND_SOFTWARE, "https://github.com/dmlc/dgl", [["Tools"]])
    assert all(e.kind == KIND_PAPER for e in r.entries[:4])


def test_table_layout():
    r = parse_file(LISTS / "table.md")
    assert [e.title for e in r.entries] == [
        "SmoothQuant: Accurate and Efficient Post-Training Quantization for Large Language Models",
        "Efficient Memory Management for Large Language Model Serving with PagedAttention",
        "QLoRA: Efficient Finetuning of Quantized LLMs",
        "Missing link title",
    ]
    sq, vllm, qlora, unlinked = r.entries
    assert (unlinked.url, [p.name for p in unlinked.authors], unlinked.venue, unlinked.year, unlinked.lines) == \
        (None, ["Someone Somebody"], "ICML", 2022, [9])
    assert sq.url == "https://arxiv.org/abs/2211.10438"
    assert (sq.venue, sq.year, sq.lines) == ("ICML", 2023, [6])
    assert [p.name for p in sq.authors][:2] == ["Guangxuan Xiao", "Ji Lin"] and len(sq.authors) == 6
    assert [x.url for x in sq.links] == ["https://github.com/mit-han-lab/smoothquant"]
    # a star badge before the title: the badge's repo is a link, the title link is the paper
    assert vllm.url == "https://dl.acm.org/doi/10.1145/3600006.3613165"
    assert [x.url for x in vllm.links] == ["https://github.com/vllm-project/vllm", "https://vllm.ai"]
    assert [p.name for p in vllm.authors] == ["Woosuk Kwon", "Zhuohan Li", "Siyuan Zhuang"]
    assert vllm.et_al is True
    assert (qlora.venue, qlora.year) == ("NeurIPS", 2023)  # year from the venue cell
    assert not any("shields.io" in x.url for e in r.entries for x in e.links)
    # a row with title, authors, venue and year but no link is still a reference (issue 9)
    assert r.problems == []


def test_heading_per_paper_layout():
    r = parse_file(LISTS / "heading_per_paper.md")
    assert r.problems == []
    deep, eff, mobile = r.entries
    assert deep.title.startswith("Deep Compression:")
    assert (deep.url, deep.year, deep.lines) == ("https://arxiv.org/abs/1510.00149", 2015, [6])
    assert [p.name for p in deep.authors] == ["Song Han", "Huizi Mao", "William J. Dally"]
    assert deep.abstract.startswith("Neural networks are both computationally intensive")
    assert deep.sections == [["Model Compression"]]
    assert [p.name for p in eff.authors] == ["Mingxing Tan", "Quoc V. Le"]
    assert eff.year == 2019
    assert eff.abstract.endswith("We systematically study model scaling.")
    # author line and abstract in one paragraph; code link in the abstract kept as a link
    assert mobile.url == "https://arxiv.org/abs/1704.04861"
    assert [p.name for p in mobile.authors] == ["Andrew G. Howard", "Menglong Zhu", "Bo Chen"]
    assert mobile.et_al is True
    assert mobile.abstract == "We present a class of efficient models called MobileNets."
    assert mobile.links == [Link(text="code", url="https://github.com/example/mobilenet")]
    assert mobile.sections == [["Efficient Inference"]]


def test_real_list_excerpt_bold_titles_and_table_merge():
    """Real excerpt (see tests/data/lists/README.md): table rows and bold-title bullets
    ``**Title** [[ECCV 2018](url)]`` listing the same works merge; HTML header ignored."""
    r = parse_file(LISTS / "real_watermarking_excerpt.md")
    assert r.problems == []
    assert [(e.title, e.venue, e.year, e.lines) for e in r.entries] == [
        ("Secure Spread Spectrum Watermarking for Multimedia", "IEEE TIP", 1997, [23, 33]),
        ("HiDDeN: Hiding Data With Deep Networks", "ECCV", 2018, [24, 34]),
        ("AudioMarkNet: Audio Watermarking for Deepfake Speech Detection", "USENIX Security", 2025, [25]),
        ("Distortion Agnostic Deep Watermarking", "CVPR", 2020, [35]),
    ]
    hidden = r.entries[1]
    assert hidden.url == "https://arxiv.org/abs/1807.09937"
    assert hidden.sections == [["1. Must-Read Papers"], ["2. Paper List", "2.1 Foundations"]]
    assert hidden.links == [Link(text="GitHub", url="https://github.com/jirenz/HiDDeN")]
    # a "GitHub"-labelled link is a code link even when it points elsewhere
    assert r.entries[2].url.startswith("https://www.usenix.org/")


# --- bullets without "by": mixed_bullets.md and bullet_shapes.md (synthetic) -----------


@pytest.fixture(scope="module")
def mixed():
    return parse_file(LISTS / "mixed_bullets.md")


@pytest.fixture(scope="module")
def shapes():
    return parse_file(LISTS / "bullet_shapes.md")


def summary(entry):
    return (entry.title, entry.url, [p.name for p in entry.authors], entry.et_al, entry.venue, entry.year)


def test_bold_title_wins_over_a_quoted_phrase():
    text = '# L\n\n## Papers\n- **Bold Three Words** "some quoted remark" - Ann Lee [[pdf](https://a.org/p)]\n'
    (e,) = parse_text(text).entries
    assert (e.title, e.url, [p.name for p in e.authors]) == ("Bold Three Words", "https://a.org/p", ["Ann Lee"])


def test_bold_title_with_generic_paper_link(mixed):
    """``**Title** - A, B. *MobiSys 2020*. [[paper](url)] [[code](url)]``: "paper" is not the title."""
    e = by_title(mixed, "Efficient Inference")
    assert summary(e) == ("Efficient Inference on Phones", "https://dl.acm.org/doi/10.1145/1111111.2222222",
                          ["Alice Smith", "Bob Jones"], False, "MobiSys", 2020)
    assert e.links == [Link(text="code", url="https://github.com/a/b")]
    assert e.lines == [6]


def test_star_bullet_authors_without_by(mixed):
    e = by_title(mixed, "Star Bullet")
    assert summary(e)[2:] == (["Carol White"], True, "ICLR", 2021)


def test_leading_label_is_not_a_venue(mixed):
    e = by_title(mixed, "Prefixed Title")
    assert (e.url, e.venue, e.year) == ("https://arxiv.org/abs/2102.00002", None, None)


def test_nested_sub_bullets_are_details_of_their_entry(mixed):
    e = by_title(mixed, "Nested Paper")
    assert summary(e)[2:] == (["Dan Brown", "Eve Black"], False, "CVPR", 2022)
    assert mixed.problems == []
    assert [x.title for x in mixed.entries] == [
        "Efficient Inference on Phones", "Numbered Paper Title", "Star Bullet Paper",
        "Prefixed Title", "Nested Paper", "Table Paper",
    ]
    assert (by_title(mixed, "Numbered").venue, by_title(mixed, "Numbered").year) == ("NeurIPS", 2019)


def test_nested_labelled_details_links_and_child_works(shapes):
    e = by_title(shapes, "Labelled Details")
    assert summary(e)[2:] == (["Ivy King", "Jack Long"], False, "TPAMI", 2023)
    assert e.abstract == "We study labelled sub-bullets."
    assert e.links == [Link(text="code", url="https://github.com/l/d")]
    # sub-bullets with a title of their own are separate works, not details
    assert summary(by_title(shapes, "Parent Work"))[2:] == ([], False, None, None)
    assert summary(by_title(shapes, "Child Work"))[2:] == (["Kim Park"], False, "ACL", 2022)
    assert by_title(shapes, "Bold Child Work").url == "https://arxiv.org/pdf/2208.00022"


@pytest.mark.parametrize(
    "tail, names, et_al, venue, year",
    [
        (", Carol White et al., ICLR 2021.", ["Carol White"], True, "ICLR", 2021),
        (". Alice Smith, Bob Jones. NeurIPS 2020.", ["Alice Smith", "Bob Jones"], False, "NeurIPS", 2020),
        (" - Alice Smith and Bob Jones (CVPR 2019)", ["Alice Smith", "Bob Jones"], False, "CVPR", 2019),
        (" - Alice Smith, Bob Jones, ICML", ["Alice Smith", "Bob Jones"], False, "ICML", None),
        (" - Nature 2021", [], False, "Nature", 2021),  # a one-word venue is not an author
        (" - IEEE TPDS 2021", [], False, "IEEE TPDS", 2021),
        (" - Carol White 2020", ["Carol White"], False, None, 2020),  # a name is not a venue
        (" - A fast method for sparse attention.", [], False, None, None),  # a description
        (" - Google Brain, ICLR 2020", [], False, "ICLR", 2020),  # a company is not an author
        (', "A quoted remark here" - Alice Smith', ["Alice Smith"], False, None, None),
        (" (CVPR'19)", [], False, "CVPR", 2019),
        (" (ECCV '98)", [], False, "ECCV", 1998),
        (". ICCV'2017(Same authors above)", [], False, "ICCV", 2017),
        (" ACL(2018)", [], False, "ACL", 2018),
        (" - Ann Lee, ICCV (2019)", ["Ann Lee"], False, "ICCV", 2019),
    ],
)
def test_free_text_tails(tail, names, et_al, venue, year):
    (e,) = parse_text(f"# L\n\n## Papers\n- [T T](https://a.org/p){tail}\n").entries
    assert ([p.name for p in e.authors], e.et_al, e.venue, e.year) == (names, et_al, venue, year)


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("Links After Title", ("Links After Title", "https://arxiv.org/abs/2105.00005", [], False, None, None)),
        ("Plain Title", ("Plain Title Without Link", "https://proceedings.mlr.press/v119/smith20a.html",
                         ["Alice Smith", "Bob Jones"], False, "ICML", 2020)),
        ("Html Anchor", ("Html Anchor Title", "https://arxiv.org/abs/2106.00006", ["Ann Lee", "Bo Chen"],
                         False, "KDD", 2021)),
        ("Emoji Badge", ("Emoji Badge Title", "https://arxiv.org/abs/2107.00007",
                         ["Frank Green", "Grace Hall"], False, "AAAI", 2022)),
        ("Two Digit Year", ("Two Digit Year Title", "https://arxiv.org/abs/2108.00008", [], False, "CVPR", 2019)),
        ("Venue Link", ("Venue Link Title", "https://arxiv.org/abs/2110.00010", [], False, "CVPR", 2020)),
        ("Venue Only", ("Venue Only In Link Text", "https://arxiv.org/abs/2111.00011", [], False, "ICCV", 2019)),
        ("Quoted Title", ("Quoted Title Model for Detection", "https://arxiv.org/abs/2204.00016", [], False,
                          "ICCV", 2021)),
        # a leading "2016.03" is a date (issue 9); "[TAG]" is a tag, not a venue
        ("Dated And", ("Dated And Tagged Title", "https://arxiv.org/abs/2205.00017", [], False, None, 2016)),
        ("Glued Link", ("Glued Link Title", "https://arxiv.org/abs/2206.00018", [], False, "ICCV", 2017)),
    ],
)
def test_real_world_bullet_shapes(shapes, prefix, expected):
    assert summary(by_title(shapes, prefix)) == expected


def test_extra_links_stay_links(shapes):
    links = by_title(shapes, "Links After Title").links
    assert [(x.text, x.url) for x in links] == [("pdf", "https://arxiv.org/pdf/2105.00005"),
                                              ("code", "https://github.com/c/d")]
    assert [x.url for x in by_title(shapes, "Quoted Title").links] == ["https://github.com/q/t"]
    assert by_title(shapes, "Emoji Badge").links == []  # the star badge is not a link of the work


def test_generic_link_without_any_title_is_a_problem(shapes):
    assert [(p.line, "'paper' is not a title" in p.message) for p in shapes.problems] == [(17, True)]
    assert not any(e.title.casefold() == "paper" for e in shapes.entries)


def test_tool_library_framework_sections_are_software_datasets_are_skipped(shapes):
    software = [(e.title, e.url, e.sections) for e in shapes.entries if e.kind == KIND_SOFTWARE]
    assert software == [
        ("FastLib", "https://github.com/fast/lib", [["Tools"]]),
        ("NumLib", "https://github.com/num/lib", [["Libraries"]]),
        ("DeepFrame", "https://github.com/deep/frame", [["Frameworks"]]),
    ]
    # a dataset is not an entry (issue 9); it is counted as skipped, with the reason
    assert [(x.line, x.reason) for x in shapes.skipped if x.text.startswith(("ImageSet", "SoundSet"))] == [
        (44, "in a section of datasets"), (45, "in a section of datasets")]
    assert all(e.kind == KIND_PAPER for e in shapes.entries if e.sections == [["Papers"]])


# --- problems and bad input -------------------------------------------------------


def test_malformed_items_are_reported_with_lines_and_skipped():
    r = parse_file(LISTS / "malformed.md")
    # a written-out reference without a link is an entry (issue 9: reference-style
    # citations); a link with no text is a problem reported with its line
    assert [e.title for e in r.entries] == ["Good Paper Title", "A paper someone forgot to link",
                                            "Another Good Paper"]
    unlinked = r.entries[1]
    assert (unlinked.url, [p.name for p in unlinked.authors], unlinked.venue, unlinked.year) == \
        (None, ["John Smith"], "CVPR", 2021)
    assert [p.line for p in r.problems] == [7]
    assert "empty title" in r.problems[0].message
    assert [p.name for p in r.entries[2].authors] == ["Ann Lee", "Bo Chen"]


def test_code_only_item_in_papers_is_a_problem_not_a_paper_url():
    r = parse_text("# L\n\n## Papers\n- [code](https://github.com/a/b) by A B, ICML 2020\n")
    assert r.entries == []
    assert [p.line for p in r.problems] == [4]


def test_github_link_is_never_the_paper_whatever_its_text():
    text = ("# L\n\n## Papers\n"
            "- [Implementation](https://github.com/a/b) [Fast Thing](https://arxiv.org/abs/2101.00001) by Ann Lee\n")
    (e,) = parse_text(text).entries
    assert (e.title, e.url) == ("Fast Thing", "https://arxiv.org/abs/2101.00001")
    assert e.links == [Link(text="Implementation", url="https://github.com/a/b")]


@pytest.mark.parametrize(
    "tail, names, venue",
    [
        ("by Jung, Wookeun, and Jaejin Lee", ["Wookeun Jung", "Jaejin Lee"], None),
        ("by Ann Lee, Bo Chen", ["Ann Lee", "Bo Chen"], None),
        ("by Ann Lee, Bo Chen, ICML", ["Ann Lee", "Bo Chen"], "ICML"),  # acronym-like: a venue
        ("by Ann Lee, Bo Chen, Xu", ["Ann Lee", "Bo Chen", "Xu"], None),  # plain word: a name
        ("by Ann Lee, Bo Chen., ICML", ["Ann Lee", "Bo Chen"], "ICML"),
        ("(SOSP 2019)", [], "SOSP"),
    ],
)
def test_author_tail_without_or_with_venue(tail, names, venue):
    (e,) = parse_text(f"# L\n\n## Papers\n- [T T](https://a.org/p) {tail}\n").entries
    assert [p.name for p in e.authors] == names
    assert e.venue == venue


def test_navigation_only_lists_are_silent():
    r = parse_text("# L\n\n- [A](#a)\n  - [B](#b)\n- [C](#c)\n")
    assert (r.entries, r.problems) == ([], [])


def test_nested_label_bullets_become_sections():
    text = ("# L\n\n## Papers\n- Compilers\n"
            "  - [TVM paper](https://arxiv.org/abs/1802.04799) by Tianqi Chen et al., OSDI 2018\n")
    r = parse_text(text)
    assert r.problems == []
    (e,) = r.entries
    assert (e.sections, e.lines, e.venue, e.year) == ([["Papers", "Compilers"]], [5], "OSDI", 2018)


def test_same_title_different_url_merged_by_normalised_title():
    text = (
        "# L\n\n## A\n- [Deep Residual Learning](https://arxiv.org/abs/1512.03385) by He, Kaiming, et al., arxiv 2015\n"
        "\n## B\n- [deep residual learning!](https://ieeexplore.ieee.org/document/7780459)\n"
    )
    (e,) = parse_text(text).entries
    assert e.lines == [4, 7]
    assert e.sections == [["A"], ["B"]]
    assert e.url == "https://arxiv.org/abs/1512.03385"


def test_parse_is_deterministic():
    text = SEED.read_text(encoding="utf-8")
    assert parse_text(text) == parse_text(text)


def test_empty_file_gives_no_entries(tmp_path):
    f = tmp_path / "empty.md"
    f.write_bytes(b"")
    r = parse_file(f)
    assert (r.entries, r.problems) == ([], [])


def test_non_utf8_file_raises_input_error_naming_file_and_line(tmp_path):
    f = tmp_path / "bad.md"
    f.write_bytes(b"# T\n\n- [ok](https://a.org/x)\n- [caf\xe9](https://a.org/y)\n")
    with pytest.raises(InputError) as info:
        parse_file(f)
    assert info.value.path == str(f)
    assert info.value.line == 4
    assert "UTF-8" in str(info.value) and f"{f}:4" in str(info.value)


def test_missing_file_raises_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        parse_file(tmp_path / "nope.md")
    assert info.value.path.endswith("nope.md")


_MD_BITS = ["# ", "## ", "- ", "| a | b |\n|---|---|\n| ", "[", "]", "(", ")", "](http://x.org/a)",
            "![b](https://img.shields.io/x)", "\\[KDD'24\\]", " by ", ", et al.", " and ", ",", ".", "<br>", "\n",
            "\n\n", "  ", "#a", "2019/06", "Ann Lee", "**", "[[paper](http://x.org/p)]", '<a href="http://x.org/h">',
            "</a>", "\n  - ", "(CVPR'19)", "“", "Paper: "]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_MD_BITS) | st.text(max_size=5), max_size=40))
def test_parse_never_crashes_and_lines_are_in_range(parts):
    text = "".join(parts)
    if "\0" in text:  # NUL bytes are an input error naming the line, never a crash
        with pytest.raises(InputError) as info:
            parse_text(text)
        assert info.value.line == text[: text.index("\0")].count("\n") + 1
        return
    r = parse_text(text)
    n_lines = text.count("\n") + 1
    for e in r.entries:
        assert e.title and e.lines == sorted(e.lines)
        assert all(1 <= line <= n_lines for line in e.lines)
    assert all(1 <= p.line <= n_lines for p in r.problems)


def test_crlf_and_lone_cr_line_endings_give_the_same_line_numbers():
    lf = "# L\n\n## Papers\n- [A paper title](https://arxiv.org/abs/2006.06762) by A B, arxiv 2020\n"
    for eol in ("\r\n", "\r"):
        got = parse_text(lf.replace("\n", eol)).entries
        assert [(e.title, e.lines) for e in got] == [("A paper title", [4])]


# --- bad input: a clear error naming the line, or a parse in bounded time ------------


def test_nul_byte_is_an_input_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "nul.md"
    bad.write_bytes(b"# L\n\n- [A paper](https://arxiv.org/abs/2001.00001)\n- x\x00y\n")
    with pytest.raises(InputError) as info:
        parse_file(bad)
    assert (info.value.path, info.value.line) == (str(bad), 4)
    assert "NUL" in info.value.message


def test_a_five_megabyte_line_is_reported_not_read(tmp_path):
    big = tmp_path / "big.md"
    big.write_text("# L\n\n## Papers\n- [" + "word " * 1_000_000 + "](https://arxiv.org/abs/2001.00001)\n"
                   "- [A normal paper](https://arxiv.org/abs/2001.00002) by Ann Lee, ICML 2020\n")
    r = parse_file(big)
    assert [e.title for e in r.entries] == ["A normal paper"]
    assert [p.line for p in r.problems] == [4] and "20000 characters" in r.problems[0].message


def test_deeply_nested_lists_and_quotes_parse_without_recursion_errors():
    deep_list = "# L\n\n" + "- " * 10_000 + "[A deep paper](https://arxiv.org/abs/2001.00003)\n"
    deep_quote = "# L\n\n" + ">" * 10_000 + " - [A quoted paper](https://arxiv.org/abs/2001.00004)\n"
    for text in (deep_list, deep_quote):
        r = parse_text(text)  # markdown-it caps nesting; nothing recurses past it
        assert all(e.title for e in r.entries)


def test_a_list_with_no_entries_parses_to_nothing_and_counts_what_it_skipped():
    r = parse_text("# Empty\n\n## Contents\n- [Papers](#papers)\n\n## Papers\n\nNothing yet.\n")
    assert r.entries == [] and r.problems == []
