"""Reader outputs: exports/README.md, exports/index.html and the loopback server.

Fixture: tests/data/reader/entries.json (synthetic, see its README.md), stored in
key order so that list order has to come from ``list.lines``.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pipeline import export, reader
from pipeline.errors import InputError
from pipeline.models import Entry, ListInfo

DATA = Path(__file__).parent / "data" / "reader" / "entries.json"
HOSTILE_TITLE = '<script>alert(1)</script> Edge "Intelligence" & [Friends] *bold* {braces} \\back'


@pytest.fixture
def entries() -> list[Entry]:
    return [Entry.from_json(d) for d in json.loads(DATA.read_text(encoding="utf-8"))]


def by_key(entries, key):
    return next(e for e in entries if e.key == key)


# ---------------------------------------------------------------- README.md


def bullets(md: str) -> list[tuple[str, str | None, str]]:
    """(link text, href, whole item text) of each bullet, via a CommonMark parser."""
    tokens = MarkdownIt("commonmark").parse(md)
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == "list_item_open":
            inline = tokens[i + 2]
            kids = inline.children
            href = kids[0].attrGet("href") if kids[0].type == "link_open" else None
            end = next(j for j, k in enumerate(kids) if k.type == "link_close")
            text = "".join(k.content for k in kids[1:end])
            out.append((text, href, "".join(k.content for k in kids)))
    return out


def test_readme_keeps_section_order_and_list_order(entries):
    md = reader.render_readme(entries, title="Awesome EdgeAI Inference")
    headings = re.findall(r"^(#+) (.*)$", md, flags=re.M)
    assert headings == [
        ("#", "Awesome EdgeAI Inference"),
        ("##", "Open Source Projects"),
        ("##", "Papers"),
        ("###", "Survey"),
        ("###", "DNN Compiler"),
        ("###", "Edge-Cloud Collaborative Inference"),
        ("###", "Concurrent DNN Inference"),
        ("###", "Others"),
    ]
    titles = [t.split(":")[0] for t, _, _ in bullets(md)]
    # TASO (line 33) before Ansor (line 39); SPINN listed in two sections appears twice
    assert titles == ["TVM", HOSTILE_TITLE, "TASO", "Ansor", "SPINN", "Horus", "SPINN"]
    assert md.count("\n\n\n") == 0


def test_readme_entry_lines(entries):
    md = reader.render_readme(entries)
    items = {t.split(":")[0]: (href, text) for t, href, text in bullets(md)}
    # title link: DOI, else arXiv, else landing page
    assert items["TASO"][0] == "https://doi.org/10.1145/3341301.3359630"
    assert items["Ansor"][0] == "https://arxiv.org/abs/2006.06762"
    assert items["Horus"][0] == "https://ieeexplore.ieee.org/document/9428512"
    assert items["TVM"][0] == "https://tvm.apache.org/"
    # authors: first three then et al.; list authors + list et_al -> et al.
    assert "Zhihao Jia, Oded Padon, James Thomas et al." in items["TASO"][1]
    assert "Lianmin Zheng, Chengfan Jia, Minmin Sun —" in items["Ansor"][1]
    assert "Gingfung Yeung, Damian Borowiec et al." in items["Horus"][1]
    # venue year, citations only when known
    assert "OSDI 2020 — cited by 400" in items["Ansor"][1]
    assert "IEEE TPDS 2021" in items["Horus"][1] and "cited by" not in items["Horus"][1]
    assert "(software)" in items["TVM"][1]
    # PDF (arXiv PDF when no pdf_url) and code links
    assert "[PDF](https://arxiv.org/pdf/2006.06762)" in md
    assert "[PDF](https://example.org/spinn.pdf)" in md
    assert "[Code](https://github.com/jiazhihao/TASO)" in md
    assert md.startswith("# Reading list\n")
    assert "[references.bib](references.bib)" in md and "[references.csl.json](references.csl.json)" in md


def test_readme_hostile_title_stays_one_literal_link(entries):
    md = reader.render_readme(entries)
    text, href, whole = bullets(md)[1]
    assert text == HOSTILE_TITLE  # brackets, stars, < and & did not break the link
    assert href == "https://arxiv.org/abs/2003.12172"
    html = MarkdownIt("commonmark").render(md)  # raw HTML enabled: nothing may get through
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in md  # unsafe link URLs are dropped
    assert "[Slides (v2)](https://example.org/slides_%28v2%29.pdf)" in md


def test_readme_is_deterministic(entries):
    first = reader.render_readme(entries)
    assert reader.render_readme(list(reversed(entries))) == first
    assert reader.render_readme(entries) == first


def test_unsectioned_entries_come_last(entries):
    loose = by_key(entries, "tvm")
    loose.list = ListInfo(title="Loose", url="https://example.org/", authors=[], et_al=False,
                          venue=None, year=None, sections=[], lines=[1], links=[])
    md = reader.render_readme(entries)
    assert md.rstrip().endswith("## Other entries\n\n- [TVM](https://tvm.apache.org/) (software)")


# ---------------------------------------------------------------- index.html


class _Scan(HTMLParser):
    """Collects tags/attributes and the text of each script element."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self.scripts[-1][1] += data


def test_index_html_embeds_escaped_data(entries):
    page = reader.render_index_html(entries, title="Edge <AI> & co")
    scan = _Scan()
    scan.feed(page)
    # exactly the data block and the page script: the hostile </script> did not end it
    assert [s[0] for s in scan.scripts] == [{"type": "application/json", "id": "data"}, {}]
    raw = scan.scripts[0][1]
    assert not set(raw) & set("<>&\u2028\u2029")
    data = json.loads(raw)
    hostile = next(e for e in data["entries"] if e["key"] == "xu2020hostile")
    assert hostile["title"] == HOSTILE_TITLE
    assert "</script><script>alert(2)</script>" in hostile["abstract"]
    assert "\u2028next line\u2029end." in hostile["abstract"]
    assert "<title>Edge &lt;AI&gt; &amp; co</title>" in page
    for row in data["entries"]:  # no javascript: URL reaches a link (BibTeX text may quote it)
        assert "javascript:" not in json.dumps({k: v for k, v in row.items() if k != "bibtex"})
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in page


def test_index_html_data_for_the_page(entries):
    data = json.loads(reader.json_for_script(reader.page_data(entries)))
    assert data["sections"][:2] == [["Open Source Projects"], ["Papers", "Survey"]]
    assert [e["key"] for e in data["entries"]] == [
        "tvm", "xu2020hostile", "jia2019taso", "zheng2020ansor", "laskaridis2020spinn", "yeung2021horus"]
    spinn = by_key(entries, "laskaridis2020spinn")
    row = data["entries"][4]
    assert row["placements"] == [[3, 51], [5, 95]]
    assert row["bibtex"] == export.bibtex_entry(spinn)
    taso = data["entries"][2]
    assert taso["history"] == [["2023-05-01", 240], ["2023-11-01", 270], ["2024-05-01", 300]]
    assert taso["cited"] == 300 and taso["href"] == "https://doi.org/10.1145/3341301.3359630"
    hostile = data["entries"][1]
    assert hostile["links"] == [{"text": "Slides (v2)", "url": "https://example.org/slides_(v2).pdf"}]


def test_index_html_is_self_contained_and_deterministic(entries):
    page = reader.render_index_html(entries)
    assert reader.render_index_html(list(reversed(entries))) == page
    scan = _Scan()
    scan.feed(page)
    assert [t for t in scan.tags if "src" in t[1] or t[0] in ("link", "iframe", "img")] == [
        ("link", {"rel": "icon", "href": "data:,"})]  # an empty favicon: no request for one
    hrefs = sorted(a["href"] for tag, a in scan.tags if tag == "a")
    assert hrefs == ["references.bib", "references.csl.json"]  # the rest is built from data
    assert "fetch(" not in page and "XMLHttpRequest" not in page and "http://www.w3.org/2000/svg" in page


def test_write_reader_outputs(entries, tmp_path):
    out = tmp_path / "exports"
    paths = reader.write_reader_outputs(entries, out, title="T")
    assert paths == [out / "README.md", out / "index.html"]
    assert paths[0].read_text(encoding="utf-8") == reader.render_readme(entries, "T")
    assert paths[1].read_text(encoding="utf-8") == reader.render_index_html(entries, "T")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "index.html"]  # no temp files left


# ---------------------------------------------------------------- server


def fetch(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.headers["Content-Type"], resp.read()


def test_server_serves_exports_on_loopback(entries, tmp_path):
    reader.write_reader_outputs(entries, tmp_path)
    (tmp_path / "references.bib").write_text(export.render_bibtex(entries), encoding="utf-8")
    server = reader.make_server(tmp_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        base = reader.server_url(server)
        ctype, body = fetch(base + "index.html")
        assert ctype == "text/html; charset=utf-8"
        assert body == (tmp_path / "index.html").read_bytes()
        ctype, body = fetch(base + "references.bib")
        assert ctype.startswith("application/x-bibtex") and b"@inproceedings{jia2019taso," in body
        with pytest.raises(urllib.error.HTTPError) as err:
            fetch(base + "../../etc/passwd")
        assert err.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_make_server_needs_the_directory(tmp_path):
    with pytest.raises(InputError, match="run the export stage"):
        reader.make_server(tmp_path / "missing")


def test_serve_prints_url_and_stops_on_ctrl_c(entries, tmp_path):
    reader.write_reader_outputs(entries, tmp_path)
    code = "import sys; from pipeline.reader import serve; serve(sys.argv[1], port=0)"
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                            text=True, cwd=Path(__file__).parent.parent)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/index\.html", line).group(0)
        assert fetch(url)[1] == (tmp_path / "index.html").read_bytes()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(5) == 0
        assert "Stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def test_readme_regenerates_the_real_list_structure():
    """data/raw.md (the real list) through the real parser: same headings in the
    same order, every work once per section, in list order."""
    raw = Path(__file__).parent.parent / "data" / "raw.md"
    from pipeline.parse import parse_file

    listed = parse_file(raw).entries
    entries = [Entry(key=f"k{i}", kind=e.kind, list=ListInfo.from_list_entry(e), title=e.title)
               for i, e in enumerate(listed)]
    md = reader.render_readme(entries)
    source_headings = [h for h in re.findall(r"^#{2,} +(.*?) *$", raw.read_text(encoding="utf-8"), flags=re.M)
                       if any(h in path for e in listed for path in e.sections)]  # not "Contents", empty "Others"
    assert len(source_headings) == 11
    assert re.findall(r"^#{2,} (.*)$", md, flags=re.M) == source_headings
    titles = [t for t, _, _ in bullets(md)]
    expected = [e.title for e in sorted(listed, key=lambda e: e.lines[0]) for _ in e.sections]
    assert titles == expected
