"""Generic date evidence: whose date a shown date is, and htmldate's reading of the page.

A date printed beside a link to another post is that post's (recent, related, most read
lists, wherever a theme puts them); the article's own date stands in its meta line, whose
links are its own permalink, its author and its categories. The same teaser boxes mark
other posts' cards among the body's lines (teaser_links and teaser_cards, read by body.py).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from crawler.text import normalize

from ..urls import canonical_url, post_id_from_url, site_key
from .render import markup_without

# A date's surroundings are read up to the first ancestor holding more text than a teaser
# (a headline, its date and an excerpt's first words).
TEASER_CHARS = 200
# A same-site link whose text has this many words is a headline (a category or an author's
# name is shorter), when the site's URLs do not say which pages are posts.
HEADLINE_WORDS = 4
_ARCHIVE_RELS = frozenset({"author", "tag", "category"})
_ARCHIVE_SEGMENTS = frozenset({"author", "category", "tag"})
# A file's URL (a picture's full size, a PDF): not a page of the site.
_FILE_PATH = re.compile(r"\.(?!html?$|php$|aspx?$)[a-z0-9]{2,4}$", re.IGNORECASE)


def _links_another_post(a: etree._Element, page_url: str, site: str,
                        pictures: bool = False) -> bool:
    """A link to another post of the site: a post's URL, or a page of the site (not an
    archive, a file or the home page) linked by a headline; with `pictures`, also one linked
    by a picture or an empty overlay (a card's, but also an author's photo: not for dates)."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith("#"):
        return False
    kind = _target_kind(href, page_url, site)
    if kind != "page":
        return kind == "post"
    if not _ARCHIVE_RELS.isdisjoint((a.get("rel") or "").lower().split()):
        return False
    words = len(normalize("".join(a.itertext())).split())
    return words >= HEADLINE_WORDS or (pictures and words == 0)


@lru_cache(maxsize=64)
def _site_host(site: str) -> str:
    return site_key(site)[0]


@lru_cache(maxsize=4096)
def _resolved(href: str, page_url: str, site: str) -> str | None:
    """The canonical URL a link of the page leads to on the site (None: another site)."""
    return canonical_url(href, site, base=page_url)


@lru_cache(maxsize=4096)
def _target_kind(href: str, page_url: str, site: str) -> str:
    """What a link leads to: "self" (the page, another site), "post", "archive" (an author's,
    a category's, a tag's), "other" (the home page, a file), or "page" (the site's, unknown)."""
    if href.startswith("//") or href[:8].lower().startswith(("http://", "https://")):
        # Another host is another site: no need to resolve and normalise the URL.
        try:
            host = (urlsplit(href).hostname or "").lower().removeprefix("www.")
        except ValueError:  # no URL at all (https://[x): nowhere on the site
            return "self"
        if host != _site_host(site):
            return "self"
    url = _resolved(href, page_url, site)
    if url is None or url == page_url:
        return "self"
    if post_id_from_url(url) is not None:
        return "post"
    path = urlsplit(url).path
    if path in ("", "/") or _FILE_PATH.search(path):
        return "other"
    # WordPress's archives (an author's, a category's, a tag's) are not posts, whatever their
    # link's text (an author named by a long title, a long category name).
    if not _ARCHIVE_SEGMENTS.isdisjoint(path.lower().split("/")):
        return "archive"
    return "page"


def longer_than(node: etree._Element, limit: int) -> bool:
    """Whether node holds more than `limit` characters of (stripped) text; stops counting there."""
    total = 0
    for text in node.itertext():
        total += len(text.strip())
        if total > limit:
            return True
    return False


def _teaser_box(el: etree._Element, stop: etree._Element | None = None,
                sizes: dict[etree._Element, int] | None = None) -> etree._Element:
    """el's widest ancestor (el itself at least) holding at most TEASER_CHARS of text, below
    <body> and below `stop` (sizes: _text_sizes(stop), when known)."""
    box = el
    for node in el.iterancestors():
        if node is stop or node.tag in ("body", "html") or (
                sizes[node] > TEASER_CHARS if sizes is not None
                else longer_than(node, TEASER_CHARS)):
            break
        box = node
    return box


def _text_sizes(root: etree._Element) -> dict[etree._Element, int]:
    """The characters of text (stripped, as itertext() gives it) under each element of root,
    in one walk."""
    sizes: dict[etree._Element, int] = {}

    def walk(el: etree._Element) -> int:
        total = len(el.text.strip()) if el.text else 0
        for child in el:
            if isinstance(child.tag, str):
                total += walk(child)
            if child.tail:
                total += len(child.tail.strip())
        sizes[el] = total
        return total

    walk(root)
    return sizes


def beside_other_post(el: etree._Element, page_url: str, site: str) -> bool:
    """True when el (a shown date or <time>) sits in a teaser of another post: it, or its
    widest ancestor holding at most TEASER_CHARS of text, links to another post."""
    return any(_links_another_post(a, page_url, site) for a in _teaser_box(el).iter("a"))


_FEW_LINKS = 32


def teaser_links(root: etree._Element, page_url: str, site: str, pictures: bool = False,
                 inline: bool = True, among: list[etree._Element] | None = None,
                 ) -> list[tuple[etree._Element, etree._Element]]:
    """Other posts' teasers under root, as (link, box): for each link to another post
    (_links_another_post), its widest ancestor below root holding at most TEASER_CHARS of text
    (a headline, its date, an excerpt's first words); a link inside longer text (a
    sentence's) is its own box, left out unless `inline`. `among`: only these links of root
    (a few of a large page: their texts are then measured alone)."""
    links = list(root.iter("a")) if among is None else among
    if not links:
        return []
    # Measured in one walk, unless a few links of a large page are asked about.
    sizes = _text_sizes(root) if among is None or len(among) > _FEW_LINKS else None
    found = []
    for a in links:
        parent = a.getparent()
        alone = a is root or parent is None or parent is root or (
            sizes[parent] > TEASER_CHARS if sizes is not None else longer_than(parent, TEASER_CHARS))
        if alone and not inline:
            continue  # decided before the link's URL is looked at: most links are in sentences
        if _links_another_post(a, page_url, site, pictures):
            found.append((a, a if alone else _teaser_box(a, root, sizes)))
    return found


def teaser_cards(links: list[tuple[etree._Element, etree._Element]], page_url: str,
                 site: str) -> list[etree._Element]:
    """Each teaser link's card (links: teaser_links under page_url of site): the widest
    element from the link up to its box whose teaser links all lead to one post (however its
    URL is written). A box of several posts' teasers (a strip of cards) holds one card each."""
    targets: dict[etree._Element, set[str]] = {}
    for a, box in links:
        href = (a.get("href") or "").strip()
        href = _resolved(href, page_url, site) or href
        for node in (a, *a.iterancestors()):
            targets.setdefault(node, set()).add(href)
            if node is box:
                break
    cards = []
    for a, box in links:
        card = a
        while card is not box and len(targets[card.getparent()]) == 1:
            card = card.getparent()
        cards.append(card)
    return cards


def htmldate_date(doc: etree._Element, url: str, before: dt.datetime | None,
                  region: list[etree._Element] = (), foreign: set[etree._Element] = frozenset(),
                  site: str = "") -> dt.date | None:
    """The publication date htmldate (trafilatura's date reader) reads in the page's metadata:
    its URL, its <head> (many more meta names than ours: Parse.ly, Dublin Core, Sailthru, ...)
    and its JSON-LD, and in the markup of the article's own `region` (its <time> elements,
    its date classes), from which the `foreign` parts (comments, related posts, widgets) and
    other posts' teasers are removed first. Never in free text (htmldate's extensive search),
    nor outside the region: a sidebar or a recent-posts list carries other posts' dates.
    Original date first; none after `before` (the fetch time)."""
    from htmldate import find_date  # only here: most pages are dated by their own markup

    head = doc.find("head")
    parts = [etree.tostring(head, method="html", encoding="unicode")] if head is not None else []
    parts += [etree.tostring(script, method="html", encoding="unicode", with_tail=False)
              for script in doc.iter("script")
              if (script.get("type") or "").lower() == "application/ld+json"
              and not any(a is head for a in script.iterancestors())]
    if not parts:
        parts = ["<head></head>"]
    body = ""
    if region:
        drop = set(foreign)
        for root in region:
            drop.update(box for _, box in teaser_links(root, url, site))
        body = markup_without(region, drop, keep_tails=False)
    text = "<html>" + "".join(parts) + "<body>" + (body or "<p></p>") + "</body></html>"
    try:
        # As markup, not a tree: htmldate would copy a tree before pruning it.
        found = find_date(text, url=url, original_date=True,
                          extensive_search=False, outputformat="%Y-%m-%d",
                          max_date=before.strftime("%Y-%m-%d") if before else "2100-01-01")
    except (ValueError, TypeError, etree.LxmlError):
        return None
    try:
        return dt.date.fromisoformat(found) if found else None
    except ValueError:
        return None
