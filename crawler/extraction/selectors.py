"""Every XPath the extractor uses, compiled once, named for what it finds (WordPress markers)."""

from __future__ import annotations

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

# -- metadata ---------------------------------------------------------------------------
JSONLD_SCRIPTS = X("//script[translate(@type, 'JSONLD', 'jsonld')='application/ld+json']")
META_TAGS = X("//meta[@content]")
META_CHARSET = X("//meta[@charset]/@charset")
SHORTLINK_HREF = X(f"//link[{_has_rel('shortlink')}]/@href")
CANONICAL_HREF = X(f"//link[{_has_rel('canonical')}]/@href")
BODY_CLASS = X("//body/@class")
HTML_TITLE = X("//title")
# post_class() on the article wrapper: id="post-N", classes category-<slug>.
POST_WRAPPER = X("//article[starts-with(@id, 'post-')] | //div[starts-with(@id, 'post-') "
                 f"and {_has_class('post')}]")

# -- title --------------------------------------------------------------------------------
# In order of trust: the classic theme's entry title, Elementor's post-title widget (a
# stable widget type class, unlike its generated element ids), then any h1 in the article.
TITLE_CANDIDATES: tuple[etree.XPath, ...] = (
    X(f"//h1[{_has_class('entry-title')}]"),
    X(f"//*[{_has_class('elementor-widget-theme-post-title')}]"
      f"//*[self::h1 or self::h2 or {_has_class('elementor-heading-title')}]"),
    X(f"//*[{_any_class('entry-title', 'post-title')}]"),
    X("//article//h1"),
    X("//main//h1"),
    X("//h1"),
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

# -- dates -----------------------------------------------------------------------------------
SHOWN_DATE_CANDIDATES: tuple[etree.XPath, ...] = (
    X(f"//*[{_has_class('elementor-post-info__item--type-date')}]"),
    X(f"//time[{_any_class('entry-date', 'published')}]"),
    X(f"//*[{_has_class('posted-on')}]"),
    X(f"//*[{_any_class('entry-date', 'post-date', 'published')}]"),
    X("//time"),
)

# -- authors ---------------------------------------------------------------------------------
AUTHOR_FIELD_CANDIDATES: tuple[etree.XPath, ...] = (
    X(f"//*[{_has_class('elementor-post-info__item--type-author')}]"),
    X(f"//*[{_has_class('byline')}]//*[{_any_class('author', 'fn')}]"),
    X(f"//*[{_has_class('author')} and {_has_class('vcard')}]"),
    X(f"//a[{_has_rel('author')}]"),
    X(f"//*[{_any_class('entry-author', 'post-author')}]"),
)

# -- sections --------------------------------------------------------------------------------
CATEGORY_LINKS = X(
    f"//a[{_has_rel('category')}]"
    f" | //*[{_has_class('elementor-post-info__item--type-terms')}]"
    "//a[contains(@href, '/category/')]"
)
ANY_CATEGORY_HREF = X("//a[contains(@href, '/category/')]")

# -- related posts ---------------------------------------------------------------------------
RELATED_CLASSES = ("jp-relatedposts", "yarpp-related", "crp_related", "related-posts",
                    "relatedposts", "wp-block-jetpack-related-posts")
RELATED_BLOCKS = X(f"//*[@id='jp-relatedposts' or {_any_class(*RELATED_CLASSES)}]")
ELEMENTOR_POSTS_WIDGETS = X(
    f"//*[{_any_class('elementor-widget-posts', 'elementor-widget-loop-grid')}]"
)
SIDEBAR = X(
    "//aside | //*[@id='secondary' or @id='sidebar']"
    f" | //*[{_any_class('widget-area', 'sidebar')}]"
)
LINKS = X(".//a[@href]")

# -- footnotes -------------------------------------------------------------------------------
WP_FOOTNOTE_MARKERS = X(f".//sup[@data-fn or {_has_class('fn')}]")
WP_FOOTNOTE_LISTS = X(f"//ol[{_has_class('wp-block-footnotes')}]")
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
BREADCRUMB_LINKS = X(
    f"//*[{_any_class(*_BREADCRUMB_CLASSES)} or @id='breadcrumbs']"
    "//a[contains(@href, '/category/')]"
)
MODIFIED_TIME = X(f"//time[{_has_class('updated')}]/@datetime")
# post_class() output (type-post, hentry) on the article wrapper, classic or Elementor.
POST_CLASS_WRAPPERS = X(f"//*[{_any_class('type-post', 'hentry')}]")
