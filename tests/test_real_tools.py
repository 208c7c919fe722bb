"""The exports as the real tools read them: bibtex (plain.bst, abbrv.bst),
``biber --tool --validate-datamodel`` and ``pandoc --citeproc`` (on the .bib and
on the CSL-JSON), on all SYNTHETIC entries of tests/data/export/synthetic.py.

These tests FAIL when a tool is missing (CI installs biber, pandoc,
texlive-binaries and texlive-base); they never skip.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.export import csl_item, write_exports
from tests.data.export import synthetic as syn

NOCITE_DOC = "---\nnocite: '@*'\n---\n"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    tool = shutil.which(args[0])
    assert tool, f"{args[0]} is not installed (apt-get install biber pandoc texlive-binaries texlive-base)"
    return subprocess.run([tool, *args[1:]], cwd=cwd, capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("exports")
    write_exports(syn.all_entries(), root / "enriched.json", root)
    (root / "doc.md").write_text(NOCITE_DOC, encoding="utf-8")
    return root


def flat(text: str) -> str:
    return " ".join(text.split())


def bibtex(out: Path, style: str) -> tuple[subprocess.CompletedProcess, str, str]:
    aux = out / f"{style}.aux"
    aux.write_text(f"\\citation{{*}}\n\\bibdata{{references}}\n\\bibstyle{{{style}}}\n", encoding="utf-8")
    proc = run(["bibtex", style], out)
    log = (out / f"{style}.blg").read_text(encoding="utf-8", errors="replace")
    bbl = (out / f"{style}.bbl").read_bytes().decode("utf-8")  # must be valid UTF-8
    return proc, log, bbl


# The one warning plain.bst gives: @software is a type it does not define
# (printed as misc).  Entries without authors carry a ``key`` to sort by.
EXPECTED_BIBTEX_WARNINGS = [
    r'Warning--entry type for "(tvm|kubeedge)" isn\'t style-file defined',
]


def test_bibtex_plain_accepts_every_entry(out):
    proc, log, bbl = bibtex(out, "plain")
    assert proc.returncode in (0, 1), log  # 1 = warnings only; 2 = errors
    assert "error message" not in log
    warnings = [line for line in log.splitlines() if line.startswith("Warning--")]
    for w in warnings:
        assert any(re.fullmatch(p, w) for p in EXPECTED_BIBTEX_WARNINGS), w
    text = flat(bbl)
    assert text.count("\\bibitem{") == len(syn.all_entries())
    assert "Edgar Liberis, {\\L}ukasz Dudziak, and Nicholas~D. Lane." in text
    # capitals survived plain.bst's lowercasing of titles
    assert "{TASO}: The tensor algebra {SuperOptimizer} for deep learning." in text
    assert "{{\\ensuremath{\\mu}}NAS}: Constrained neural architecture search" in text
    assert "Efficient {GPU} kernels for sparse {DNN} inference." in text
    assert "Ashish Vaswani et~al." in text


def test_bibtex_abbreviating_style_makes_valid_initials(out):
    proc, log, bbl = bibtex(out, "abbrv")  # decoding the .bbl as UTF-8 is part of the test
    assert proc.returncode in (0, 1) and "error message" not in log, log
    assert "E.~Liberis, {\\L}.~Dudziak, and N.~D. Lane." in flat(bbl)


def test_biber_validates_datamodel(out):
    (out / "biber").mkdir()
    proc = run(["biber", "--tool", "--validate-datamodel", "--output-directory", str(out / "biber"),
                "references.bib"], out)
    log = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, log
    problems = [line for line in log.splitlines() if line.startswith(("ERROR", "WARN"))]
    # The only one allowed: an entry whose year nobody knows (biblatex's @misc
    # requires a date; inventing one would be worse); software is @misc too.
    no_year = [e.key for e in syn.all_entries() if e.year is None]
    assert problems == [
        f"WARN - Datamodel: Entry '{k}' (references.bib): Missing mandatory field - one of 'date, year' must be defined"
        for k in no_year
    ]
    decoded = (out / "biber" / "references_bibertool.bib").read_text(encoding="utf-8")
    assert "Dudziak, {Ł}ukasz" in decoded  # biber decoded our LaTeX back to UTF-8


def pandoc_plain(out: Path, bibliography: str) -> str:
    proc = run(["pandoc", "--citeproc", f"--bibliography={bibliography}", "-t", "plain", "--wrap=none",
                "doc.md"], out)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode() == ""  # no "[WARNING] could not parse ..."
    return proc.stdout.decode("utf-8")


@pytest.mark.parametrize("bibliography", ["references.bib", "references.csl.json"])
def test_pandoc_citeproc_renders_titles_and_names(out, bibliography):
    text = pandoc_plain(out, bibliography)
    for needle in [
        "Liberis, Edgar, Łukasz Dudziak, and Nicholas D. Lane. 2021. “μNAS: Constrained Neural Architecture Search",
        "Jia, Zhihao, Oded Padon, James Thomas, Todd Warszawski, Matei Zaharia, and Alex Aiken. 2019. "
        "“TASO: The Tensor Algebra SuperOptimizer for Deep Learning.”",
        "Efficient GPU Kernels for Sparse DNN Inference",
        "Yeung, Gingfung, Damian Borowiec, Renyu Yang, and Adrian Friday. 2021.",
        "IEEE Transactions on Parallel and Distributed Systems 33 (1): 88–100.",
        "https://tvm.apache.org/",
        "https://github.com/kubeedge/kubeedge",
        "Vaswani, Ashish et al. 2017.",  # the list's "et al." kept (BibTeX "and others", CSL literal "others")
    ]:
        assert needle in text
    # hostile title: every character back (the default style title-cases words)
    assert "braces {open and }close} plus {unbalanced \\ back%slash & $5 #1 under_score x^2 ~tilde <b>" in (
        text.lower()
    )


def test_pandoc_reads_bib_fields_as_our_csl_says(out):
    """pandoc's own BibTeX reader, converted to CSL-JSON, agrees with csl_item
    on authors, type, DOI and URL."""
    proc = run(["pandoc", "-f", "bibtex", "-t", "csljson", "references.bib"], out)
    assert proc.returncode == 0, proc.stderr.decode()
    theirs = {i["id"]: i for i in json.loads(proc.stdout)}
    for e in syn.all_entries():
        ours, got = csl_item(e), theirs[e.key]
        assert got.get("DOI", "").replace("%7B", "{").replace("%7D", "}") == ours.get("DOI", "")
        assert got.get("URL") == ours.get("URL")
        if ours["type"] in ("paper-conference", "article-journal"):
            assert got["type"] == ours["type"]
        if e.key == "dudziak2020braces":  # pandoc reads no math in names; checked in test_export
            continue
        assert got.get("author") == ours.get("author")  # "and others" is {"literal": "others"} in both


# --- real consumers: a LaTeX document, biblatex styles, CSL styles ----------------------

CSL_DIR = Path(__file__).parent / "data" / "csl"  # official IEEE and APA styles, CC BY-SA 3.0 (README there)

BIBTEX_DOC = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{textcomp}
\usepackage{url}
%(natbib)s
\begin{document}
Every entry: \nocite{*}
\bibliographystyle{%(style)s}
\bibliography{references}
\end{document}
"""

BIBLATEX_DOC = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{textcomp}
\usepackage{csquotes}
\usepackage[backend=biber,style=%(style)s]{biblatex}
\addbibresource{references.bib}
\begin{document}
Every entry: \nocite{*}
\printbibliography
\end{document}
"""

# What only missing data can cause (no year known for these entries; nothing is invented)
def _no_year_keys() -> list[str]:
    return [e.key for e in syn.all_entries() if e.year is None]


def latex_warnings(log: str) -> list[str]:
    """LaTeX and package warnings of a .log (over/underfull boxes are layout, not data)."""
    return [line for line in log.splitlines() if re.search(r"Warning|^! ", line)]


def compile_latex(out: Path, name: str, doc: str, backend: list[str]) -> tuple[str, str]:
    """pdflatex, the bibliography tool, pdflatex twice; (bibliography tool log, last LaTeX log)."""
    d = out / name
    d.mkdir()
    (d / "references.bib").write_bytes((out / "references.bib").read_bytes())
    (d / "doc.tex").write_text(doc, encoding="utf-8")
    latex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    first = run(latex, d)
    assert first.returncode == 0, first.stdout.decode(errors="replace")[-3000:]
    tool = run([*backend, "doc"], d)
    tool_log = (d / ("doc.blg")).read_text(encoding="utf-8", errors="replace")
    assert tool.returncode in (0, 1), tool_log
    for _ in range(2):
        proc = run(latex, d)
        assert proc.returncode == 0, proc.stdout.decode(errors="replace")[-3000:]
    assert (d / "doc.pdf").stat().st_size > 0
    return tool_log, (d / "doc.log").read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("style", ["plainnat", "IEEEtran"])
def test_latex_document_with_bibtex_style(out, style):
    natbib = r"\usepackage[numbers]{natbib}" if style == "plainnat" else ""
    blg, log = compile_latex(out, f"latex-{style}", BIBTEX_DOC % {"natbib": natbib, "style": style}, ["bibtex"])
    warnings = [line for line in blg.splitlines() if line.startswith("Warning--")]
    allowed = {f"Warning--empty year in {k}" for k in _no_year_keys()} if style == "plainnat" else set()
    assert set(warnings) <= allowed, warnings
    assert "error message" not in blg
    assert latex_warnings(log) == []
    bbl = (out / f"latex-{style}" / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count(r"\bibitem") == len(syn.all_entries())


@pytest.mark.parametrize("style", ["numeric", "ieee"])
def test_latex_document_with_biblatex_style(out, style):
    blg, log = compile_latex(out, f"biblatex-{style}", BIBLATEX_DOC % {"style": style}, ["biber"])
    assert "INFO - Output to doc.bbl" in blg
    problems = [line for line in blg.splitlines() if re.search(r"> (WARN|ERROR) - ", line)]
    assert problems == [], problems
    assert latex_warnings(log) == []
    bbl = (out / f"biblatex-{style}" / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\entry{") == len(syn.all_entries())
    # the arXiv id once, as the eprint biblatex prints ("arXiv: 1706.03762"), not in howpublished too
    assert "\\field{eprinttype}{arXiv}" in bbl and "\\field{howpublished}{arXiv preprint}" in bbl
    assert "arXiv preprint arXiv" not in bbl


def pandoc_csl(out: Path, style: str, bibliography: str) -> str:
    proc = run(["pandoc", "--citeproc", f"--csl={CSL_DIR / style}", f"--bibliography={bibliography}",
                "-t", "plain", "--wrap=none", "doc.md"], out)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode() == ""  # no warning of any kind
    return proc.stdout.decode("utf-8")


@pytest.mark.parametrize("bibliography", ["references.csl.json", "references.bib"])
def test_pandoc_with_the_ieee_csl_style(out, bibliography):
    text = pandoc_csl(out, "ieee.csl", bibliography)
    assert len(re.findall(r"^\[\d+\] ", text, re.M)) == len(syn.all_entries())
    # a conference paper's venue and pages (pandoc's BibTeX reader makes unprotected words lowercase)
    title = "TASO: The Tensor Algebra SuperOptimizer" if bibliography.endswith("json") else "TASO: The tensor algebra"
    assert f"“{title}" in text
    assert " in proceedings of the 27th acm symposium on operating systems principles (sosp)" in text.lower()
    assert "pp. 47–62" in text
    assert "IEEE Transactions on Parallel and Distributed Systems, vol. 33, no. 1, pp. 88–100" in text
    assert "a. vaswani et al., “attention is all you need" in text.lower()  # the list's "et al." kept


def test_pandoc_with_the_apa_csl_style(out):
    text = pandoc_csl(out, "apa.csl", "references.csl.json")
    assert ("Jia, Z., Padon, O., Thomas, J., Warszawski, T., Zaharia, M., & Aiken, A. (2019). TASO: The Tensor "
            "Algebra SuperOptimizer for Deep Learning. Proceedings of the 27th ACM Symposium on Operating Systems "
            "Principles (SOSP), 47–62. https://doi.org/10.1145/3341301.3359630") in text
    assert "IEEE Transactions on Parallel and Distributed Systems, 33(1), 88–100." in text
    assert "TVM. (n.d.). [Computer software]." in text
