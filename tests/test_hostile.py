"""Hostile text through EVERY export (property-based, hypothesis).

Titles, authors and abstracts made of LaTeX/HTML/Markdown specials and
unbalanced braces must come out of references.bib, references.csl.json,
enriched.json, README.md and index.html escaped, and read back identical.
Entries are synthetic, generated here.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import bibtexparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pipeline.export import load_enriched, write_exports
from pipeline.latex import clean_space
from pipeline.models import Entry, Ids, ListInfo, Person
from pipeline.reader import write_reader_outputs
from tests.test_export import decode

SPECIALS = list('{}\\%&$#_^~<>"[]*`|') + ["</script>", "<b>", "&amp;", "\\emph{", "}}", "{{"]
hostile = st.lists(st.sampled_from(SPECIALS) | st.sampled_from(["Deep", "GPU", "Łukasz", "μNAS", "x"]),
                   min_size=1, max_size=12).map(" ".join)


def _entry(title: str, author: str, abstract: str) -> Entry:
    person = Person(name=f"Ann {author}", given="Ann", family=author)
    info = ListInfo(title=title, url="https://example.org/p", authors=[person], et_al=False,
                    venue="SOSP", year=2020, sections=[["Papers"]], lines=[3])
    return Entry(key="k2020hostile", kind="paper", list=info, title=title, authors=[person], year=2020,
                 venue="SOSP", venue_type="conference", ids=Ids(doi="10.1145/1.2"), abstract=abstract,
                 url="https://example.org/p", provenance={"title": "list"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile, author=hostile.filter(lambda s: s.strip(" ,") != "" and " and " not in f" {s} "),
       abstract=hostile)
def test_hostile_text_survives_every_export(title, author, abstract):
    title, author, abstract = clean_space(title), clean_space(author), clean_space(abstract)
    e = _entry(title, author, abstract)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        write_exports([e], d / "enriched.json", d / "x")
        write_reader_outputs([e], d / "x")

        # BibTeX: parses, and decodes back to the same text
        lib = bibtexparser.parse_string((d / "x" / "references.bib").read_text())
        assert not lib.failed_blocks and len(lib.entries) == 1
        f = {k: v.value for k, v in lib.entries[0].fields_dict.items()}
        assert decode(f["title"]) == title
        assert decode(f["abstract"]) == abstract

        # CSL-JSON and enriched.json: exact
        csl = json.loads((d / "x" / "references.csl.json").read_text())[0]
        # (words with inner capitals wrapped in CSL's <span class="nocase">)
        assert re.sub(r'<span class="nocase">(.*?)</span>', r"\1", csl["title"]) == title
        assert csl["abstract"] == abstract
        back = load_enriched(d / "enriched.json")[0]
        assert back.title == title and back.abstract == abstract and back.authors[0].family == author

        # index.html: data only inside the JSON island, which decodes back exactly
        html = (d / "x" / "index.html").read_text()
        m = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
        assert m, "data island missing"
        assert "</script" not in m.group(1).lower() and "<" not in m.group(1)
        item = json.loads(m.group(1))["entries"][0]
        assert item["title"] == title and item["abstract"] == abstract

        # README.md: the link text renders back to the title as plain text
        md = (d / "x" / "README.md").read_text()
        tokens = MarkdownIt("commonmark").parse(md)
        texts = ["".join(c.content for c in t.children if c.type in ("text", "code_inline"))
                 for t in tokens if t.type == "inline" and t.children]
        assert any(title in t for t in texts), (title, md)
