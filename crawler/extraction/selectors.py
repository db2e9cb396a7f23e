"""Every document query the extractor uses, compiled once, named for what it finds.

Each query is an XPath (its definition) with a fast path: during `extract()` the document's
one-pass index (elements by class token, id and tag, built with the container scan) is
active, and whole-document queries are answered from it instead of walking the tree again.
tests/test_selectors.py checks that both paths give the same elements on every fixture.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from lxml import etree


def _has_class(name: str) -> str:
    # The cheap substring test first: normalize-space/concat on every element is what makes
    # class tests slow.
    return (f"(contains(@class, '{name}') and "
            f"contains(concat(' ', normalize-space(@class), ' '), ' {name} '))")


def _has_rel(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@rel), ' '), ' {name} ')"


def _any_class(*names: str) -> str:
    return "(" + " or ".join(_has_class(n) for n in names) + ")"


X = etree.XPath

# -- the one-pass index ---------------------------------------------------------------------
INDEXED_TAGS = frozenset({"meta", "script", "link", "body", "title", "time", "h1", "h2",
                          "article", "main", "aside", "ol"})
_WANTED_CLASSES: set[str] = set()
WANTED_IDS = {"jp-relatedposts", "secondary", "sidebar", "breadcrumbs"}


class Index:
    """One document's elements by tag, wanted class token and id, as (position, element)."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.by_tag: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        self.by_class: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        self.by_id: dict[str, list[tuple[int, Any]]] = defaultdict(list)
        self.rel_links: list[tuple[int, Any]] = []  # <a rel=...>
        self.category_links: list[tuple[int, Any]] = []  # <a href=".../category/...">
        self.author_links: list[tuple[int, Any]] = []  # <a href=".../author/...">
        self.said_related: list[tuple[int, Any]] = []  # "related" in the class or id


_TOKEN_CACHE: dict[str, tuple[str, ...]] = {}


def wanted_tokens(cls: str) -> tuple[str, ...]:
    """The class tokens of a class attribute that some query asks for (memoised)."""
    found = _TOKEN_CACHE.get(cls)
    if found is None:
        found = tuple(t for t in cls.split() if t in _WANTED_CLASSES)
        if len(_TOKEN_CACHE) > 65536:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[cls] = found
    return found


_ACTIVE: ContextVar[Index | None] = ContextVar("active_index", default=None)


@contextlib.contextmanager
def indexed(index: Index) -> Iterator[None]:
    """Answer whole-document queries on index.root from the index while inside the block."""
    token = _ACTIVE.set(index)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


Hits = list[tuple[int, Any]]


class Query:
    """An XPath, answered from the active index when it is asked about that index's document."""

    def __init__(self, xpath: str, fast: Callable[[Index], Hits], attr: str | None = None):
        self.xpath = etree.XPath(xpath)
        self.fast = fast
        self.attr = attr

    def __call__(self, doc: etree._Element) -> list[Any]:
        index = _ACTIVE.get()
        if index is None or index.root is not doc:
            return self.xpath(doc)
        return self.answer(index)

    def answer(self, index: Index) -> list[Any]:
        """The query's result from the index (elements, or attribute values)."""
        hits = [el for _, el in self.fast(index)]
        if self.attr is None:
            return hits
        return [el.get(self.attr) for el in hits if el.get(self.attr) is not None]


def _union(*lists: Hits) -> Hits:
    if len(lists) == 1:
        return lists[0]
    seen: dict[int, Any] = {}
    for hits in lists:
        for pos, el in hits:
            seen[pos] = el
    return sorted(seen.items(), key=lambda item: item[0])


def _cls(*names: str, tag: str | None = None) -> Callable[[Index], Hits]:
    _WANTED_CLASSES.update(names)

    def fast(index: Index) -> Hits:
        hits = _union(*(index.by_class.get(n, []) for n in names))
        return [h for h in hits if h[1].tag == tag] if tag else hits
    return fast


def _tag(name: str, where: Callable[[Any], bool] | None = None) -> Callable[[Index], Hits]:
    assert name in INDEXED_TAGS

    def fast(index: Index) -> Hits:
        hits = index.by_tag.get(name, [])
        return [h for h in hits if where(h[1])] if where else hits
    return fast


def _ids(*names: str) -> Callable[[Index], Hits]:
    WANTED_IDS.update(names)
    return lambda index: _union(*(index.by_id.get(n, []) for n in names))


def _either(*parts: Callable[[Index], Hits]) -> Callable[[Index], Hits]:
    return lambda index: _union(*(part(index) for part in parts))


def _inside(outer: Callable[[Index], Hits], inner: Callable[[Index], Hits]
            ) -> Callable[[Index], Hits]:
    """`outer//inner`: inner elements with an ancestor among the outer ones."""
    def fast(index: Index) -> Hits:
        outers = {el for _, el in outer(index)}
        if not outers:
            return []
        return [h for h in inner(index) if any(a in outers for a in h[1].iterancestors())]
    return fast


def _tokens(value: str | None) -> list[str]:
    return (value or "").split()


def _rel(name: str) -> Callable[[Index], Hits]:
    return lambda index: [h for h in index.rel_links if name in _tokens(h[1].get("rel"))]


def _category_hrefs(index: Index) -> Hits:
    return index.category_links


def _author_hrefs(index: Index) -> Hits:
    return index.author_links


def _jsonld(el: Any) -> bool:
    kind = (el.get("type") or "").translate(str.maketrans("JSONLD", "jsonld"))
    return kind == "application/ld+json"


# -- metadata ---------------------------------------------------------------------------
JSONLD_SCRIPTS = Query("//script[translate(@type, 'JSONLD', 'jsonld')='application/ld+json']",
                       _tag("script", _jsonld))
META_TAGS = Query("//meta[@content]", _tag("meta", lambda el: el.get("content") is not None))
META_CHARSET = Query("//meta[@charset]/@charset", _tag("meta"), attr="charset")
SHORTLINK_HREF = Query(
    f"//link[{_has_rel('shortlink')}]/@href",
    _tag("link", lambda el: "shortlink" in _tokens(el.get("rel"))), attr="href")
CANONICAL_HREF = Query(
    f"//link[{_has_rel('canonical')}]/@href",
    _tag("link", lambda el: "canonical" in _tokens(el.get("rel"))), attr="href")
BODY_CLASS = Query("//body/@class", _tag("body"), attr="class")
HTML_TITLE = Query("//title", _tag("title"))
# post_class() on the article wrapper: id="post-N", classes category-<slug>.
_WANTED_CLASSES.add("post")
POST_WRAPPER = Query(
    "//article[starts-with(@id, 'post-')] | //div[starts-with(@id, 'post-') "
    f"and {_has_class('post')}]",
    _either(_tag("article", lambda el: (el.get("id") or "").startswith("post-")),
            lambda index: [h for h in _cls("post", tag="div")(index)
                           if (h[1].get("id") or "").startswith("post-")]),
)

# -- title --------------------------------------------------------------------------------
# In order of trust: the classic theme's entry title, Elementor's post-title widget (a
# stable widget type class, unlike its generated element ids), then any h1 in the article.
TITLE_CANDIDATES: tuple[Query, ...] = (
    Query(f"//h1[{_has_class('entry-title')}]", _cls("entry-title", tag="h1")),
    Query(f"//*[{_has_class('elementor-widget-theme-post-title')}]"
          f"//*[self::h1 or self::h2 or {_has_class('elementor-heading-title')}]",
          _inside(_cls("elementor-widget-theme-post-title"),
                  _either(_tag("h1"), _tag("h2"), _cls("elementor-heading-title")))),
    Query(f"//*[{_any_class('entry-title', 'post-title')}]", _cls("entry-title", "post-title")),
    Query("//article//h1", _inside(_tag("article"), _tag("h1"))),
    Query("//main//h1", _inside(_tag("main"), _tag("h1"))),
    Query("//h1", _tag("h1")),
)

# -- content ----------------------------------------------------------------------------------
# The content container, the regions around it and the chrome inside it are found in one pass
# by class token (crawler/extraction/container.py); these are the WordPress/Elementor/Jetpack
# names it starts from.
BOILERPLATE_CLASSES = (
    "comments-area", "comment-respond", "widget-area", "sidebar", "widget", "sharedaddy",
    "sd-sharing", "sd-block", "jp-relatedposts", "addtoany_share_save_container",
    "addtoany_content", "heateor_sss_sharing_container", "post-views", "pvc_stats",
    "elementor-widget-share-buttons", "elementor-widget-search-form",
    "elementor-location-header", "elementor-location-footer",
    "elementor-widget-post-navigation", "post-navigation", "nav-links", "screen-reader-text",
    "elementor-screen-only", "entry-footer", "tags-links", "elementor-widget-theme-post-title",
    "elementor-widget-post-info", "wp-block-footnotes", "entry-meta", "yarpp-related",
    "crp_related", "related-posts", "elementor-widget-posts", "elementor-widget-loop-grid",
    "author-box", "post-author-box",
)

# Any element whose class or id holds the word "related", whatever the theme's prefix
# (`ast-related-posts`, `entryRelated`): the generic name of a related-posts block.
SAID_RELATED = Query(
    "//*[contains(translate(@class, 'RELATED', 'related'), 'related')"
    " or contains(translate(@id, 'RELATED', 'related'), 'related')]",
    lambda index: index.said_related,
)


def names_related(value: str | None) -> bool:
    """Whether a class or id value holds "related" (SAID_RELATED)."""
    return value is not None and "related" in value.lower()


# -- dates -----------------------------------------------------------------------------------
SHOWN_DATE_CANDIDATES: tuple[Query, ...] = (
    Query(f"//*[{_has_class('elementor-post-info__item--type-date')}]",
          _cls("elementor-post-info__item--type-date")),
    Query(f"//time[{_any_class('entry-date', 'published')}]",
          _cls("entry-date", "published", tag="time")),
    Query(f"//*[{_has_class('posted-on')}]", _cls("posted-on")),
    Query(f"//*[{_any_class('entry-date', 'post-date', 'published')}]",
          _cls("entry-date", "post-date", "published")),
    Query("//time", _tag("time")),
)
TIME_ELEMENTS = SHOWN_DATE_CANDIDATES[-1]

# -- authors ---------------------------------------------------------------------------------
AUTHOR_FIELD_CANDIDATES: tuple[Query, ...] = (
    Query(f"//*[{_has_class('elementor-post-info__item--type-author')}]",
          _cls("elementor-post-info__item--type-author")),
    Query(f"//*[{_has_class('byline')}]//*[{_any_class('author', 'fn')}]",
          _inside(_cls("byline"), _cls("author", "fn"))),
    Query(f"//*[{_has_class('author')} and {_has_class('vcard')}]",
          lambda index: [h for h in _cls("author")(index)
                         if "vcard" in _tokens(h[1].get("class"))]),
    Query(f"//a[{_has_rel('author')}]", _rel("author")),
    Query(f"//*[{_any_class('entry-author', 'post-author')}]",
          _cls("entry-author", "post-author")),
    # Block themes: the post-author-name block; news themes (Jannah): meta-author.
    Query(f"//*[{_any_class('wp-block-post-author-name', 'meta-author')}]",
          _cls("wp-block-post-author-name", "meta-author")),
)
# WordPress's author archives (/author/<slug>/): where a theme's author field has no class
# of the above, its link still names the author.
AUTHOR_ARCHIVE_LINKS = Query("//a[contains(@href, '/author/')]", _author_hrefs)

# -- sections --------------------------------------------------------------------------------
# rel="category tag" (classic themes), Elementor's post-info terms, the block themes'
# post-terms block for categories (`taxonomy-category`).
CATEGORY_LINKS = Query(
    f"//a[{_has_rel('category')}]"
    f" | //*[{_any_class('elementor-post-info__item--type-terms', 'taxonomy-category')}]"
    "//a[contains(@href, '/category/')]",
    _either(_rel("category"),
            _inside(_cls("elementor-post-info__item--type-terms", "taxonomy-category"),
                    _category_hrefs)),
)
ANY_CATEGORY_HREF = Query("//a[contains(@href, '/category/')]", _category_hrefs)

# -- related posts ---------------------------------------------------------------------------
RELATED_CLASSES = ("jp-relatedposts", "yarpp-related", "crp_related", "related-posts",
                   "relatedposts", "wp-block-jetpack-related-posts", "td_block_related_posts",
                   "related-posts-list")
RELATED_BLOCKS = Query(
    f"//*[@id='jp-relatedposts' or @id='related-posts' or {_any_class(*RELATED_CLASSES)}]",
    _either(_ids("jp-relatedposts", "related-posts"), _cls(*RELATED_CLASSES)))
ELEMENTOR_POSTS_WIDGETS = Query(
    f"//*[{_any_class('elementor-widget-posts', 'elementor-widget-loop-grid')}]",
    _cls("elementor-widget-posts", "elementor-widget-loop-grid"),
)
SIDEBAR = Query(
    "//aside | //*[@id='secondary' or @id='sidebar']"
    f" | //*[{_any_class('widget-area', 'sidebar')}]",
    _either(_tag("aside"), _ids("secondary", "sidebar"), _cls("widget-area", "sidebar")),
)
LINKS = X(".//a[@href]")

# -- footnotes -------------------------------------------------------------------------------
WP_FOOTNOTE_MARKERS = X(f".//sup[@data-fn or {_has_class('fn')}]")
WP_FOOTNOTE_LISTS = Query(f"//ol[{_has_class('wp-block-footnotes')}]",
                          _cls("wp-block-footnotes", tag="ol"))
WORD_NOTE_LABELS = X(".//a[starts-with(@href, '#_ftnref') or (starts-with(@name, '_ftn')"
                     " and not(starts-with(@name, '_ftnref')))]")

# Regions holding other posts' titles, dates and authors: never read the article's own
# fields from them.
FOREIGN_CLASSES = (
    "comments-area", "widget-area", "sidebar", "widget", "jp-relatedposts", "yarpp-related",
    "crp_related", "related-posts", "elementor-widget-posts", "elementor-widget-loop-grid",
    "elementor-location-header", "elementor-location-footer", "site-header", "site-footer",
    "site-title", "post-navigation", "nav-links",
)
_BREADCRUMB_CLASSES = ("breadcrumb", "breadcrumbs", "yoast-breadcrumbs", "rank-math-breadcrumb")
BREADCRUMB_LINKS = Query(
    f"//*[{_any_class(*_BREADCRUMB_CLASSES)} or @id='breadcrumbs' or @id='breadcrumb']"
    "//a[contains(@href, '/category/')]",
    _inside(_either(_cls(*_BREADCRUMB_CLASSES), _ids("breadcrumbs", "breadcrumb")),
            _category_hrefs),
)
MODIFIED_TIME_ELEMENTS = Query(
    f"//time[{_has_class('updated')}][@datetime]",
    lambda index: [h for h in _cls("updated", tag="time")(index) if h[1].get("datetime") is not None],
)
# post_class() output (type-post, hentry) on the article wrapper, classic or Elementor.
POST_CLASS_WRAPPERS = Query(f"//*[{_any_class('type-post', 'hentry')}]",
                            _cls("type-post", "hentry"))
