"""Pure discovery: section menus, listing pages, sitemaps, feeds and REST answers to URLs."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree, html

from crawler.urls import canonical_url, post_id_from_url

# WordPress's own markers, stable across themes: wp_nav_menu writes `menu-item` list items
# (category entries also get `menu-item-object-category`); archives link pages with
# `page-numbers` and `rel="next"`. Areas that are never the listing itself are skipped.
_MENU_LINKS = etree.XPath(
    "//nav//a[@href] | //*[@role='navigation']//a[@href]"
    " | //li[contains(concat(' ', normalize-space(@class), ' '), ' menu-item ')]/a[@href]"
)
_ALL_LINKS = etree.XPath("//a[@href]")
_CATEGORY_ITEM = etree.XPath(
    "boolean(parent::li[contains(concat(' ', normalize-space(@class), ' '), ' menu-item-object-category ')])"
)


def _has_class(*tokens: str) -> str:
    return " or ".join(f"contains(concat(' ', normalize-space(@class), ' '), ' {t} ')" for t in tokens)


# A post as WordPress writes it in a listing: an <article>, or post_class()'s `hentry` /
# `type-post`, or a Query Loop item (`wp-block-post`). Its own <header> and <footer> (title,
# date, categories, "read more") belong to it, not to the page.
_POST_TAGS = frozenset({"article"})
_POST_CLASSES = frozenset({"hentry", "type-post", "wp-block-post"})
_IN_POST = "ancestor::article or ancestor::*[" + _has_class(*sorted(_POST_CLASSES)) + "]"
_BOILERPLATE_ANCESTOR = etree.XPath(
    f"ancestor::nav | ancestor::header[not({_IN_POST})] | ancestor::footer[not({_IN_POST})]"
    " | ancestor::aside"
    " | ancestor::*[@role='navigation' or @role='complementary' or @role='contentinfo']"
    " | ancestor::*[@id='secondary' or @id='sidebar' or @id='comments']"
    " | ancestor::*[" + _has_class("widget-area", "sidebar", "widget", "wp-block-latest-posts") + "]"
)
# The same areas, tested element by element in one walk down the page (_content_links).
_BOILERPLATE_TAGS = frozenset({"nav", "aside"})
_PAGE_PART_TAGS = frozenset({"header", "footer"})  # boilerplate unless inside a post
_BOILERPLATE_ROLES = frozenset({"navigation", "complementary", "contentinfo"})
_BOILERPLATE_IDS = frozenset({"secondary", "sidebar", "comments"})
# WordPress's widget wrappers (register_sidebar's `widget`, the Latest Posts block) list other
# posts wherever the theme puts them.
_BOILERPLATE_CLASSES = frozenset({"widget-area", "sidebar", "widget", "wp-block-latest-posts"})


def _classes(element: html.HtmlElement) -> list[str]:
    classes = element.get("class")
    return classes.split() if classes else []


def _is_post(element: html.HtmlElement) -> bool:
    return element.tag in _POST_TAGS or not _POST_CLASSES.isdisjoint(_classes(element))


def _is_boilerplate(element: html.HtmlElement, in_post: bool = False) -> bool:
    if element.tag in _BOILERPLATE_TAGS or element.get("role") in _BOILERPLATE_ROLES:
        return True
    if element.tag in _PAGE_PART_TAGS and not in_post:
        return True
    if element.get("id") in _BOILERPLATE_IDS:
        return True
    return not _BOILERPLATE_CLASSES.isdisjoint(_classes(element))


def _content_links(root: html.HtmlElement) -> list[html.HtmlElement]:
    """The page's links with an href and no boilerplate ancestor, in page order: the links
    `//a[@href]` gives that _BOILERPLATE_ANCESTOR does not exclude (its definition), found in
    one walk down the page rather than a walk up from every link."""
    return [link.element for link in _placed_links(root)]


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass(frozen=True)
class _Link:
    element: html.HtmlElement
    in_post: bool  # inside a post as WordPress writes it (_is_post)
    in_heading: bool  # a title link


def _placed_links(root: html.HtmlElement) -> list[_Link]:
    """_content_links, each with where it stands: in a post of the listing, in a heading."""
    links: list[_Link] = []
    inside = posts = headings = 0  # boilerplate areas, posts, headings around the element
    opened: list[tuple[bool, bool, bool]] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            area, post, heading = opened.pop()
            inside -= area
            posts -= post
            headings -= heading
            continue
        if not inside and element.tag == "a" and element.get("href") is not None:
            links.append(_Link(element, posts > 0, headings > 0))
        area = _is_boilerplate(element, posts > 0)
        post, heading = _is_post(element), element.tag in _HEADINGS
        opened.append((area, post, heading))
        inside += area
        posts += post
        headings += heading
    return links


# Every link is read, not only those marked `page-numbers`/`next`/rel=next: themes print
# next_posts_link() ("Older Entries") and their own page navigation without those marks; what
# makes a link a further page is its path (the listing's own, then /page/N).
_PAGINATION_LINKS = etree.XPath("//a[@href] | //link[@rel='next'][@href]")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_CATEGORY_PATH = re.compile(r"/category/[^?#]+")


@dataclass(frozen=True)
class Section:
    name: str
    url: str  # absolute, trailing slash as the site writes it


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: dt.datetime | None


def parse_timestamp(value: str) -> dt.datetime | None:
    """A W3C/ISO timestamp (sitemap lastmod, REST modified_gmt) as UTC; naive means UTC."""
    try:
        stamp = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


# A page's bytes or text, or the tree parse_page made of them (one parse for several readings).
Page = bytes | str | html.HtmlElement | None


def parse_page(document: Page, url: str) -> html.HtmlElement | None:
    """The page's tree (None when unreadable); a tree given is returned as it is."""
    if document is None or isinstance(document, html.HtmlElement):
        return document
    try:
        # Without libxml2's depth limit (256 levels): a listing's links below it would be lost
        # (the walks here do not recurse); a parser per call, as parsers are not shared
        # between threads.
        root = html.fromstring(document, base_url=url, parser=html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError):
        return None
    return root


def _text(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def menu_sections(document: Page, url: str, site: str) -> list[Section]:
    """The category archives the home page's navigation menu links to, in menu order."""
    root = parse_page(document, url)
    if root is None:
        return []
    found: dict[str, Section] = {}
    for links in (_MENU_LINKS(root), _ALL_LINKS(root)):
        for a in links:
            target = urljoin(url, a.get("href", "").strip())
            path = urlsplit(target).path
            # wp_nav_menu marks a category entry as such whatever the site's category base;
            # other links count when their path is a /category/ archive.
            is_category = _CATEGORY_ITEM(a) or _CATEGORY_PATH.fullmatch(path.rstrip("/") + "/")
            if canonical_url(target, site) is None or not is_category or path.rstrip("/") == "":
                continue
            if "/page/" in path:
                continue
            key = canonical_url(target, site)
            name = _text(a) or unquote(path.rstrip("/").rsplit("/", 1)[-1])
            if key and key not in found:
                found[key] = Section(name=name, url=_strip_fragment(target))
        if found:  # the menu named the sections: no need to scan the whole page
            break
    return list(found.values())


def listing_articles(document: Page, url: str, site: str) -> list[str]:
    """Canonical URLs of the posts a listing page lists, in page order, sidebars excluded."""
    return [post for post, _ in listing_posts(document, url, site)]


def listing_posts(document: Page, url: str, site: str) -> list[tuple[str, bool]]:
    """(canonical URL, linked with a trailing slash) of the posts a listing page lists, in page
    order, sidebars excluded; the form is the one most of the page's links to the post use."""
    root = parse_page(document, url)
    if root is None:
        return []
    seen: dict[str, str | None] = {}  # href -> its canonical post URL (a post is linked 2-3 times)
    found: list[tuple[str, str, _Link]] = []  # (canonical, href, the link)
    for link in _placed_links(root):
        href = link.element.get("href", "")
        if href in seen:
            target = seen[href]
        else:
            target = canonical_url(href, site, base=url)
            if target is not None and post_id_from_url(target) is None:
                target = None
            seen[href] = target
        if target is not None:
            found.append((target, href, link))
    # Where the listing writes its posts the way WordPress does (an <article>, post_class(), a
    # Query Loop item), the posts are those: a link to a post outside them is a widget of
    # another kind (most read, a page builder's sidebar column). Without such posts, the posts
    # are those with a title link (a heading's), their other links (image, "read more") kept;
    # a page with neither gives every post it links to.
    if any(link.in_post for _, _, link in found):
        found = [entry for entry in found if entry[2].in_post]
    else:
        titled = {target for target, _, link in found if link.in_heading}
        if titled:
            found = [entry for entry in found if entry[0] in titled]
    forms: dict[str, list[int]] = {}  # canonical -> [links without slash, links with slash]
    for target, href, _ in found:
        forms.setdefault(target, [0, 0])[link_slash(urljoin(url, href.strip()))] += 1
    return [(post, with_slash >= without) for post, (without, with_slash) in forms.items()]


def link_slash(link: str) -> bool:
    """Whether a link to a post is written with a trailing slash (`/3233/`) or not (`/4571`)."""
    return urlsplit(link.strip()).path.endswith("/")


def listing_pages(document: Page, url: str, site: str) -> list[str]:
    """Further pages of the same listing (links to its /page/N), absolute, in order."""
    root = parse_page(document, url)
    if root is None:
        return []
    base_path = re.sub(r"/page/\d+/?$", "", urlsplit(url).path.rstrip("/"))
    further = re.compile(re.escape(base_path) + r"/page/\d+")
    pages: dict[str, None] = {}
    for a in _PAGINATION_LINKS(root):
        target = _strip_fragment(urljoin(url, a.get("href", "").strip()))
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        # The path first (cheap, and most links fail it), then whether it is the site's.
        if not (further.fullmatch(path) or (path == base_path and "paged=" in parts.query)):
            continue
        if canonical_url(target, site) is not None:
            pages.setdefault(target, None)
    return list(pages)


def page_number(url: str) -> int:
    """The listing page number of a URL (1 for the first page)."""
    match = re.search(r"/page/(\d+)/?$", urlsplit(url).path)
    return int(match.group(1)) if match else 1


def sitemap(document: bytes) -> tuple[list[str], list[SitemapEntry]]:
    """(child sitemaps, URL entries) of a sitemap or sitemap index; empty on unreadable XML."""
    try:
        root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    children = [
        (loc.text or "").strip()
        for loc in root.iter(f"{_SITEMAP_NS}loc", "loc")
        if loc.getparent() is not None and etree.QName(loc.getparent()).localname == "sitemap"
    ]
    entries: list[SitemapEntry] = []
    for node in root.iter(f"{_SITEMAP_NS}url", "url"):
        loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc")
        if not loc:
            continue
        lastmod = node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod")
        entries.append(SitemapEntry(loc=loc.strip(), lastmod=parse_timestamp(lastmod) if lastmod else None))
    return [c for c in children if c], entries


def feed_links(document: bytes) -> list[str]:
    """The item links of an RSS or Atom feed, in feed order."""
    try:
        root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    links = [(item.findtext("link") or "").strip() for item in root.iter("item")]
    for entry in root.iter("{http://www.w3.org/2005/Atom}entry"):
        link = entry.find("{http://www.w3.org/2005/Atom}link")
        if link is not None and link.get("href"):
            links.append(link.get("href", ""))
    return [link for link in links if link]


def rest_posts(document: bytes) -> list[SitemapEntry]:
    """(link, modified) of a WordPress REST API posts answer; empty on anything else."""
    try:
        data = json.loads(document)
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(data, list):
        return []
    out: list[SitemapEntry] = []
    for post in data:
        if not isinstance(post, dict) or not isinstance(post.get("link"), str):
            continue
        modified = post.get("modified_gmt")
        stamp = parse_timestamp(modified) if isinstance(modified, str) and modified else None
        out.append(SitemapEntry(loc=post["link"], lastmod=stamp))
    return out


def canonical_posts(urls: Iterable[str], site: str) -> list[str]:
    """Canonical post URLs among urls (other hosts and non-post pages dropped)."""
    out: dict[str, None] = {}
    for url in urls:
        canon = canonical_url(url, site)
        if canon and post_id_from_url(canon) is not None:
            out.setdefault(canon, None)
    return list(out)
