"""exports/index.html in a real headless Chromium (Debian's /usr/bin/chromium),
driven by Playwright, served by :func:`pipeline.reader.make_server` on 127.0.0.1.

Fixture: tests/data/reader/entries.json (synthetic, see its README.md).  The test
fails, never skips, when Chromium is missing: CI installs it with apt.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import bibtexparser
import pytest
from playwright.sync_api import Page, sync_playwright

from pipeline import export, reader
from pipeline.models import Entry

DATA = Path(__file__).parent / "data" / "reader" / "entries.json"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("PIPELINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE_TITLE = '<script>alert(1)</script> Edge "Intelligence" & [Friends] *bold* {braces} \\back'
ALL_KEYS = {"tvm", "xu2020hostile", "jia2019taso", "zheng2020ansor", "laskaridis2020spinn", "yeung2021horus"}


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return [Entry.from_json(d) for d in json.loads(DATA.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def exports(entries, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    reader.write_reader_outputs(entries, out, title="Synthetic reading list")
    (out / "references.bib").write_text(export.render_bibtex(entries), encoding="utf-8")
    (out / "references.csl.json").write_text(export.render_csl(entries), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def base_url(exports):
    server = reader.make_server(exports, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield reader.server_url(server)
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set PIPELINE_CHROMIUM)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page plus every dialog, script error and request it made."""

    def __init__(self, page: Page):
        page.set_default_timeout(5000)
        self.page, self.dialogs, self.errors, self.requests = page, [], [], []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    watched = Watched(context.new_page())
    watched.page.goto(base_url + "index.html")
    watched.page.wait_for_selector("li.entry")
    yield watched
    assert watched.errors == []
    assert watched.dialogs == []
    context.close()


def visible_keys(page: Page) -> list[str]:
    """data-key of each entry card shown, in page order (duplicates kept)."""
    return page.eval_on_selector_all("#results li.entry", "els => els.map(e => e.dataset.key)")


def card(page: Page, key: str):
    return page.locator(f'#results li.entry[data-key="{key}"]').first


def test_hostile_strings_are_shown_as_text(page):
    p = page.page
    assert card(p, "xu2020hostile").locator(".title-link").text_content() == HOSTILE_TITLE
    for details in p.locator("details").all():  # open every abstract, the hostile one too
        details.locator("summary").click()
    abstract = card(p, "xu2020hostile").locator("details p")
    assert "</script><script>alert(2)</script> <img src=x onerror=alert(3)>" in abstract.inner_text()
    p.wait_for_timeout(200)
    assert p.evaluate("document.scripts.length") == 2  # the data block and the page script
    assert p.locator("img, iframe, object, embed").count() == 0
    assert card(p, "xu2020hostile").locator("a").evaluate_all("as => as.map(a => a.href)") == [
        "https://arxiv.org/abs/2003.12172", "https://arxiv.org/pdf/2003.12172",
        "https://example.org/slides_(v2).pdf"]  # the javascript: links were dropped
    assert p.title() == "Synthetic reading list"
    assert page.requests == [p.url]  # nothing fetched but the page itself (no CDN, no favicon)


def test_grouped_by_section_in_list_order(page):
    p = page.page
    headings = p.locator("#results h2, #results h3").all_inner_texts()
    assert headings == ["Open Source Projects", "Papers", "Survey", "DNN Compiler",
                        "Edge-Cloud Collaborative Inference", "Concurrent DNN Inference", "Others"]
    assert visible_keys(p) == ["tvm", "xu2020hostile", "jia2019taso", "zheng2020ansor",
                               "laskaridis2020spinn", "yeung2021horus", "laskaridis2020spinn"]
    assert p.locator("#count").inner_text() == "Showing 6 of 6 entries"


def test_text_filter(page):
    p = page.page
    p.locator("#q").fill("tensor")  # titles
    assert set(visible_keys(p)) == {"jia2019taso", "zheng2020ansor"}
    assert p.locator("#count").inner_text() == "Showing 2 of 6 entries"
    p.locator("#q").fill("borowiec")  # authors
    assert visible_keys(p) == ["yeung2021horus"]
    p.locator("#q").fill("search space")  # abstracts
    assert visible_keys(p) == ["zheng2020ansor"]
    p.locator("#q").fill("mobicom")  # venues; SPINN is listed in two sections
    assert visible_keys(p) == ["laskaridis2020spinn", "laskaridis2020spinn"]
    p.locator("#q").fill("no such words")
    assert visible_keys(p) == [] and p.locator("#empty").inner_text() == "No entries match."
    p.locator("#q").fill("")
    assert set(visible_keys(p)) == ALL_KEYS


def test_section_and_year_filters(page):
    p = page.page
    p.locator("#section").select_option(label="\u00a0\u00a0DNN Compiler")
    assert visible_keys(p) == ["jia2019taso", "zheng2020ansor"]
    p.locator("#year-from").select_option("2020")
    p.locator("#year-to").select_option("2020")
    assert visible_keys(p) == ["zheng2020ansor"]
    p.locator("#section").select_option(label="Papers")  # a parent takes its subsections
    assert visible_keys(p) == ["xu2020hostile", "zheng2020ansor", "laskaridis2020spinn", "laskaridis2020spinn"]
    p.locator("#year-from").select_option("2021")
    p.locator("#year-to").select_option("")
    assert visible_keys(p) == ["yeung2021horus"]  # entries without a year drop out of a year range


def test_sort_by_citations_and_year(page):
    p = page.page
    p.locator("#sort").select_option("citations")
    dnn = p.locator("#results ul.entries").nth(2)  # grouped: sorted within each section
    assert dnn.locator("li.entry").evaluate_all("els => els.map(e => e.dataset.key)") == [
        "zheng2020ansor", "jia2019taso"]
    p.locator("#grouped").uncheck()  # one flat ranking; unknown counts last, in list order
    assert visible_keys(p) == ["zheng2020ansor", "jia2019taso", "laskaridis2020spinn",
                               "xu2020hostile", "tvm", "yeung2021horus"]
    assert p.locator("#results .cites").all_inner_texts()[:2] == ["cited by 400", "cited by 300"]
    p.locator("#sort").select_option("year-desc")
    assert visible_keys(p) == ["yeung2021horus", "xu2020hostile", "zheng2020ansor",
                               "laskaridis2020spinn", "jia2019taso", "tvm"]


def test_abstract_expands(page):
    p = page.page
    text = card(p, "zheng2020ansor").locator("details p")
    assert not text.is_visible()
    card(p, "zheng2020ansor").locator("summary").click()
    assert text.is_visible()
    assert text.inner_text() == "Synthetic abstract: Ansor explores a large search space of tensor programs."


def test_sparkline_only_with_history(page):
    p = page.page
    assert card(p, "jia2019taso").locator("svg.spark polyline").count() == 1
    assert card(p, "jia2019taso").locator("svg.spark title").text_content() == (
        "Citations over time: 2023-05-01: 240, 2023-11-01: 270, 2024-05-01: 300")
    assert card(p, "laskaridis2020spinn").locator("svg").count() == 0  # count, no history


def test_copy_bibtex_with_clipboard_api(page, base_url, entries):
    p = page.page
    p.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    button = card(p, "jia2019taso").locator("button.copy-bib")
    button.click()
    copied = p.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@")
    assert copied == export.bibtex_entry(next(e for e in entries if e.key == "jia2019taso"))
    assert button.inner_text() == "Copied"


def test_copy_bibtex_fallback_without_clipboard_api(browser, base_url):
    context = browser.new_context()
    context.add_init_script("""
        Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});
        document.addEventListener('copy', () => { window.__copied = String(document.getSelection()); });
    """)
    p = context.new_page()
    p.set_default_timeout(5000)
    p.goto(base_url + "index.html")
    card(p, "xu2020hostile").locator("button.copy-bib").click()
    p.wait_for_function("window.__copied !== undefined")
    copied = p.evaluate("window.__copied")
    assert copied.startswith("@") and "xu2020hostile" in copied
    assert p.locator("textarea").count() == 0  # the helper textarea is removed again
    context.close()


def test_download_links(page):
    p = page.page
    with p.expect_download() as info:
        p.locator("#dl-bib").click()
    download = info.value
    assert download.suggested_filename == "references.bib"
    library = bibtexparser.parse_string(Path(download.path()).read_text(encoding="utf-8"))
    assert library.failed_blocks == []
    assert sorted(e.key for e in library.entries) == sorted(ALL_KEYS)
    with p.expect_download() as info:
        p.locator("#dl-csl").click()
    items = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert sorted(i["id"] for i in items) == sorted(ALL_KEYS)


def test_works_from_file_url_and_screenshot(browser, exports):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    watched = Watched(context.new_page())
    p = watched.page
    p.goto((exports / "index.html").as_uri())
    p.wait_for_selector("li.entry")
    assert p.locator("#count").inner_text() == "Showing 6 of 6 entries"
    assert card(p, "xu2020hostile").locator(".title-link").text_content() == HOSTILE_TITLE
    card(p, "jia2019taso").locator("summary").click()
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "index.png"), full_page=True)
    assert watched.errors == [] and watched.dialogs == []
    context.close()
