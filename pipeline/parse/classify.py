"""Paper, software, or not an entry (with the reason), item by item.

The section an item sits in is a weak cue only: a "Tools" heading does not
make the papers under it software.  An item is:

* a **paper** when it has a title and a paper cue: a link to a paper page or
  file, authors, a venue or a year, or a title-like link in a section of papers;
* **software** when its only link is a code repository or project site and
  it reads as a name, in a section about projects, tools, libraries,
  frameworks or software (elsewhere a tool repository is not an entry);
* **not an entry** otherwise, with a reason: navigation (anchors, a label
  followed by year links), people, labs, courses, videos, talks, blog posts,
  datasets, tool repositories outside a software section, plain text.

An item that looks like an entry (a paper link, or a reference written out)
but yields no title is a *problem*: reported with its line, never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import links
from .authors import names_score
from .blocks import Item
from .fields import Fields
from .venues import is_venue

PAPER = "paper"
SOFTWARE = "software"

SOFTWARE_SECTION = re.compile(
    r"open[\s-]?source|\bprojects?\b|\btools?\b|toolkits?|frameworks?|librar(?:y|ies)|software|"
    r"repositor|\bsystems?\b|\bengines?\b|\bplatforms?\b|implementations?|"
    r"\bcode\b|\bapps?\b|\bsdks?\b|\bapis?\b", re.I)
_NOT_PAPER_WORDS = re.compile(
    r"\b(course|courses|lecture|lectures|class|tutorial|tutorials|video|videos|talk|talks|podcast|"
    r"blog|blogs|post|posts|newsletter|book|books|slides|webinar|youtube|channel|playlist|twitter|"
    r"homepage|home page|personal page|group|lab|labs|laboratory|people|team|school|university|"
    r"institute|workshop website|job|jobs|hiring|awesome|contributors?|license|star history)\b", re.I)
_MEDIA_HOSTS = frozenset(("youtube.com", "youtu.be", "bilibili.com", "vimeo.com", "coursera.org", "udacity.com",
                "medium.com", "substack.com", "twitter.com", "x.com", "zhihu.com", "zhuanlan.zhihu.com",
                "mp.weixin.qq.com", "linkedin.com", "reddit.com", "towardsdatascience.com",
                "wikipedia.org", "edx.org", "udemy.com", "fast.ai", "notion.site"))


# sections that list people, labs, courses, talks, posts...: their items are not papers
# unless they link a paper page or file
NON_PAPER_SECTION = re.compile(
    r"\b(researchers?|people|persons?|scholars?|labs?|laborator(?:y|ies)|groups?|teams?|courses?|lectures?|"
    r"classes|tutorials?|videos?|talks?|podcasts?|blogs?|posts?|articles? about|news(?:letters?)?|books?|"
    r"events?|workshops?|conferences?|venues?|jobs?|companies|startups?|communit(?:y|ies)|competitions?|"
    r"challenges?|websites?|slides?|presentations?|webinars?|datasets?|data sets?|corpora|leaderboards?)\b", re.I)


@dataclass
class Verdict:
    kind: str | None  # PAPER, SOFTWARE, or None (not an entry)
    reason: str = ""  # why it is not an entry
    problem: str = ""  # an entry-like item that cannot be read
    # a titled link with no paper cue: a paper when most items of its section are papers
    uncertain: bool = False


def classify(item: Item, f: Fields) -> Verdict:
    section = " / ".join(item.section)
    soft_section = bool(SOFTWARE_SECTION.search(section))
    real_links = f.link_count - f.nav_links
    if f.year_links >= 2 and not f.paper_links:
        return Verdict(None, "navigation: a label followed by year links")
    if f.empty_links and (f.title is None or f.title_in_link is False) and f.paper_links:
        return Verdict(None, problem="link with an empty title")
    if f.title is None:
        if f.generic_text is not None:
            return Verdict(None, problem=f"link text {f.generic_text!r} is not a title and no title precedes it")
        if real_links and f.paper_links and not f.code_links and item.origin != "paragraph":
            return Verdict(None, problem="a paper link, but no text that reads as its title")
        if real_links and f.code_links == real_links and f.chunks > real_links and not soft_section:
            return Verdict(None, problem="list item has only code/project links, no title")
        if f.link_count and f.nav_links == f.link_count:
            return Verdict(None, "navigation")
        return Verdict(None, "no title" if real_links else "text without a link")
    if f.link_count and f.nav_links == f.link_count:
        return Verdict(None, "navigation")
    if f.year_links >= 2:
        return Verdict(None, "navigation: a label followed by year links")
    title = f.title
    nwords = len(title.split())
    paper_url = f.url is not None and links.is_paper_url(f.url) and not links.is_internal(f.url)
    code_url = f.url is not None and links.on_host(f.url, links.CODE_HOSTS)
    media_url = f.url is not None and links.on_host(f.url, _MEDIA_HOSTS)
    cues = sum(x is not None for x in (f.authors_raw, f.venue)) + (f.year is not None and item.year_hint != f.year)
    kind_of_section = NON_PAPER_SECTION.search(item.section[-1]) if item.section else None
    if not paper_url and kind_of_section and not SOFTWARE_SECTION.search(item.section[-1]):
        return Verdict(None, f"in a section of {kind_of_section.group(1).lower()}")
    if f.url is None:
        # a written-out reference: title with authors and a venue or year; a table row
        # with a title and a year or venue (its links, if any, are code or project pages)
        if (f.authors_raw and (f.venue or f.year)) \
                or (f.venue and f.year and nwords >= 3 and item.origin != "paragraph") \
                or (item.origin in ("table", "html") and (f.venue or f.year) and (nwords >= 3 or real_links)):
            return Verdict(PAPER)
        return Verdict(None, "text without a paper link")
    if media_url and not cues:
        return Verdict(None, "video, course, talk or post")
    if not paper_url and re.match(r"^[A-Z]{2,5}[- ]?\d{2,4}[A-Z]?\b", title):
        return Verdict(None, "a course")
    if not paper_url and not cues and _NOT_PAPER_WORDS.search(title) and nwords <= 10:
        return Verdict(None, "person, lab, course, talk or post")
    if item.origin == "paragraph" and f.title_in_link and not f.authors_raw and \
            (f.prose_before >= 5 or (nwords <= 2 and f.prose_words >= 8)):
        return Verdict(None, "a link in running text")
    if not paper_url and not cues:
        ns = names_score(re.sub(r"\([^)]*\)", " ", title))
        if ns >= 2.0 or (ns >= 1.5 and f.url is not None and links.is_profile(f.url)):
            return Verdict(None, "a person")
        if ns >= 1.5:  # "Weijia Jia" or a two-word title: the section decides
            return Verdict(None, "a person", uncertain=True)
    if not paper_url and re.match(r"^(what|how|why|when|where|who|which|is|are|can|should|do|does)\b", title, re.I) \
            and "?" in title:
        return Verdict(None, "a question: a post or talk")
    if code_url and not paper_url and not f.paper_links:
        if soft_section or (nwords <= 4 and not cues):
            if soft_section:
                return Verdict(SOFTWARE)
            return Verdict(None, "tool repository")
        if cues or nwords >= 5:
            return Verdict(PAPER)
        return Verdict(None, "tool repository")
    if paper_url or cues:
        return Verdict(PAPER)
    # a title-like link to an unknown site
    if soft_section and nwords <= 4:
        return Verdict(SOFTWARE)
    internal = links.is_internal(f.url or "")
    if f.generic_text is not None and not re.match(r"^\W*(?:https?://|www\.)", f.generic_text) and not internal:
        return Verdict(PAPER)  # "Title [[Paper]](url)": the list says the link is the paper
    if nwords >= 4 and not is_venue(title) and f.title_in_link and not internal:
        return Verdict(PAPER)
    if not f.title_in_link or internal:
        # "**Label**: https://..." or "[Name](page.md)": a resource or a page of this repository
        return Verdict(None, "a link that names no paper")
    return Verdict(None, "a link that names no paper", uncertain=nwords >= 2 and not is_venue(title))
