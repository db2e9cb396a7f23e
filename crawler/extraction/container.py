"""Find the article's container on its content, and the chrome inside it, in one pass.

One walk over the document marks the roots of three kinds of region, by tag, id and class
token (WordPress core, common themes, page builders and plugins):

- foreign: never the article and never a source for its fields (comments, sidebars and
  widgets, teaser grids and post listings, related posts, site header and footer);
- boilerplate: never rendered into the body (the foreign regions, plus `header`/`footer`/
  `nav`/`form`, post meta lines, and the chrome that plugins put inside the content: share
  and social buttons, print, ratings, next/previous links, author bio, newsletter boxes,
  image credits, tables of contents, ads, view counters);
- candidates: elements that may hold the article (content classes of WordPress and the
  builders, `itemprop=articleBody`, the post wrapper, `article`, `main`).

Candidates inside a foreign region are never chosen. The others are measured on their own
text (boilerplate and the headline left out): characters outside links, link density and
paragraphs. The best-scoring one wins (a candidate entirely before the headline counts for
less; JSON-LD `articleBody`, when the page has it, settles a choice between unrelated
candidates), then the choice narrows to the innermost candidate that still holds nearly all
of that text, so that `article` gives way to its `.entry-content` but several page-builder
boxes keep their common container.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from crawler.text import is_sentence, normalize

from . import selectors as sel
from .render import BLOCK_TAGS, SKIP_TAGS, is_hidden

# -- markers ------------------------------------------------------------------------------
# Classes whose element is one of the page's content containers, by how specific they are.
CONTENT_CLASSES = frozenset({
    "elementor-widget-theme-post-content", "entry-content", "post-content", "single-content",
    "article-content", "td-post-content", "tdb_single_content", "wp-block-post-content",
    "et_pb_post_content", "post-entry", "article-body", "articlebody", "story-content",
    "post-body", "entry-body", "single-post-content", "fl-post-content", "content-inner",
    "jeg_post_content", "post-text", "blog-post-content", "the-content", "entry",
})
# Builders' text boxes: an article is often several of them in a row.
BOX_CLASSES = frozenset({
    "elementor-widget-text-editor", "et_pb_text", "fusion-text", "wpb_text_column",
    "fl-rich-text", "elementor-widget-theme-post-excerpt",
})
POST_WRAPPER_CLASSES = frozenset({"type-post", "hentry", "elementor-location-single"})

# Comments, listings, teaser grids: never the article, never its fields.
_LISTING_CLASSES = (
    "comment", "comments", "comment-list", "commentlist", "comment-body", "comment-content",
    "wp-block-comments", "wp-block-comment-template", "wp-block-query", "wp-block-post-template",
    "wp-block-latest-posts", "elementor-posts-container", "elementor-loop-container",
    "posts-grid", "post-grid", "posts-list", "post-list", "recent-posts", "more-stories",
    "related", "related-posts", "related-articles", "ast-related-posts-wrapper",
    "ast-single-related-posts-container", "single-related-posts", "fusion-posts-container",
    "fusion-recent-posts", "et_pb_posts", "et_pb_blog_grid", "et_pb_blog_grid_wrapper",
    "td_block_related_posts", "td-related-row", "jeg_postblock", "mag-box", "tie-slider",
    "wp-block-jetpack-related-posts", "teasers", "teaser", "post-teaser", "card-grid",
)
FOREIGN_CLASSES = frozenset(sel.FOREIGN_CLASSES) | frozenset(_LISTING_CLASSES)
FOREIGN_IDS = frozenset({
    "comments", "respond", "secondary", "sidebar", "jp-relatedposts", "masthead", "colophon",
    "disqus_thread", "related-posts",
})

# Chrome that plugins and themes put inside the content area.
_CHROME_CLASSES = (
    # share / social
    "sharedaddy", "sd-sharing", "sd-block", "sd-social", "addtoany_share_save_container",
    "addtoany_content", "a2a_kit", "heateor_sss_sharing_container", "heateor_sss_sharing_ul",
    "ssba", "ssba-wrap", "shareaholic-canvas", "essb_links", "swp_social_panel",
    "dpsp-content-wrapper", "mashsb-container", "et_social_inline", "fusion-sharing-box",
    "sharethis-inline-share-buttons", "jeg_share_button", "td-post-sharing", "share-buttons",
    "social-share", "post-share", "entry-share", "share-links", "wp-block-social-links",
    "et_pb_social_media_follow", "elementor-widget-share-buttons", "shared-counts-wrap",
    # print
    "printfriendly", "pf-button", "printfriendly-button", "print-link", "wp-print",
    "print-button",
    # ratings
    "kk-star-ratings", "post-ratings", "rmp-widgets-container", "yasr-vv-second-div",
    "gdrts-rating-block", "wp-review-box", "star-rating", "rating-stars", "post-rating",
    # next / previous
    "post-navigation", "nav-links", "nav-previous", "nav-next", "navigation", "post-nav",
    "elementor-widget-post-navigation", "wp-block-post-navigation-link", "prev-next",
    "td-post-next-prev", "single-navigation", "fusion-single-navigation-wrapper",
    # author box
    "author-box", "post-author-box", "author-bio", "about-author", "author-info",
    "saboxplugin-wrap", "abh_box", "ts-fab-wrapper", "wp-block-post-author",
    "wp-block-post-author-biography", "elementor-widget-author-box", "td-author-box",
    "fusion-author", "et_pb_author_box", "author-card",
    # newsletter
    "newsletter", "newsletter-box", "tnp", "tnp-subscription", "jetpack_subscription_widget",
    "wp-block-jetpack-subscriptions", "mailpoet_form", "mc4wp-form", "sib-form",
    "subscribe-box", "optin",
    # image credits
    "media-credit", "image-credit", "photo-credit", "wp-caption-credit", "credit",
    # table of contents
    "ez-toc-container", "ez-toc-v2_0", "toc_container", "lwptoc", "rank-math-toc",
    "wp-block-rank-math-toc-block", "wp-block-yoast-seo-table-of-contents",
    "elementor-widget-table-of-contents", "ub_table-of-contents", "table-of-contents",
    "simpletoc", "wp-block-simpletoc-toc", "toc",
    # ads, counters, tags, meta lines, reading time
    "adsbygoogle", "code-block", "advertisement", "td-a-rec", "stream-item", "jeg_ad",
    "post-views", "pvc_stats", "tags-links", "post-tags", "entry-tags", "tagcloud",
    "post-meta", "entry-meta", "td-post-header", "rt-reading-time", "span-reading-time",
    "jp-post-flair", "wpulike", "post-likes",
    # tab navigation (each panel repeats its title for small screens)
    "elementor-tab-desktop-title", "su-tabs-nav", "et_pb_tabs_controls",
    # breadcrumbs
    "breadcrumb", "breadcrumbs", "yoast-breadcrumbs", "rank-math-breadcrumb", "breadcrumb-trail",
)
BOILERPLATE_CLASSES = (
    frozenset(sel.BOILERPLATE_CLASSES) | frozenset(sel.RELATED_CLASSES)
    | frozenset(_CHROME_CLASSES) | frozenset(_LISTING_CLASSES)
)
BOILERPLATE_IDS = FOREIGN_IDS | {"ez-toc-container", "toc_container", "author-bio", "breadcrumbs"}
BOILERPLATE_TAGS = frozenset({"header", "footer", "nav", "aside", "form", "noscript"})

# Token patterns for plugins the lists above do not name.
_CHROME_TOKEN = re.compile(
    r"(?:^|[-_])(?:share|sharing|sharer|social-share|share-buttons)(?:[-_]|$)"
    r"|(?:^|[-_])related(?:[-_]posts?|[-_]articles?)(?:[-_]|$)"
    r"|newsletter|(?:^|[-_])subscribe(?:[-_]|$)"
    r"|author[-_]?(?:box|bio|info|card)|about[-_]author"
    r"|(?:^|[-_])toc(?:[-_]|$)|table[-_]of[-_]contents"
    r"|(?:^|[-_])(?:rating|ratings|star-rating)(?:[-_]|$)"
    r"|(?:^|[-_])print(?:friendly|-button|-link)?(?:$)"
    r"|(?:^|[-_])(?:post|single)[-_]?(?:nav|navigation)(?:[-_]|$)|prev[-_]next"
)


@lru_cache(maxsize=65536)
def _chrome_token(token: str) -> bool:
    return bool(_CHROME_TOKEN.search(token.lower()))


_LINKED_HEADING = etree.XPath(
    ".//*[self::h1 or self::h2 or self::h3 or self::h4]//a[@href]")
_PARA_TAGS = frozenset({"p", "li", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6", "dd",
                        "td", "summary"})
_PARA_MIN = 40
# Content classes count on elements that hold blocks (a `p class="post-text"` is one paragraph).
_BOX_TAGS = frozenset({"div", "section", "article", "main", "td", "span", "font", "center"})
_NARROW = 0.85
_BEFORE_TITLE = 0.3


@dataclass
class Stats:
    """What a candidate holds: characters outside and inside links, and paragraphs."""

    chars: int = 0
    link_chars: int = 0
    paragraphs: int = 0

    @property
    def plain(self) -> int:
        return self.chars - self.link_chars

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    def score(self) -> float:
        return self.plain * (1 - self.link_density) + 50 * self.paragraphs


@dataclass
class Scan:
    """Region roots and content candidates of one page, in document order."""

    index: sel.Index
    foreign: list[etree._Element] = field(default_factory=list)
    boilerplate: list[etree._Element] = field(default_factory=list)
    candidates: list[etree._Element] = field(default_factory=list)


_FOREIGN, _BOILER, _CANDIDATE = 1, 2, 4


_POST_NUMBER = re.compile(r"(?:^|\s)(postid-|post-)(\d+)(?=\s|$)")


def _post_number(value: str, prefix: str) -> int | None:
    """N of the first `postid-N` / `post-N` token in a class or id value."""
    for match in _POST_NUMBER.finditer(value):
        if match.group(1) == prefix:
            return int(match.group(2))
    return None


class _ClassInfo:
    """What one class attribute value says, worked out once per distinct value."""

    __slots__ = ("kind", "box_kind", "wanted", "post", "related")

    def __init__(self, cls: str) -> None:
        tokens = cls.split()
        kind = 0
        if not FOREIGN_CLASSES.isdisjoint(tokens):
            kind |= _FOREIGN | _BOILER
        if not BOILERPLATE_CLASSES.isdisjoint(tokens) or any(_chrome_token(t) for t in tokens):
            kind |= _BOILER
        if not POST_WRAPPER_CLASSES.isdisjoint(tokens):
            kind |= _CANDIDATE
        self.kind = kind
        # Content classes count on elements that hold blocks only (_BOX_TAGS).
        boxed = not CONTENT_CLASSES.isdisjoint(tokens) or not BOX_CLASSES.isdisjoint(tokens)
        self.box_kind = kind | _CANDIDATE if boxed else kind
        self.wanted = sel.wanted_tokens(cls)
        self.post = _post_number(cls, "post-") if "post-" in cls else None
        self.related = sel.names_related(cls)


_CLASS_INFO: dict[str, _ClassInfo] = {}


def _class_info(cls: str) -> _ClassInfo:
    info = _CLASS_INFO.get(cls)
    if info is None:
        if len(_CLASS_INFO) > 65536:
            _CLASS_INFO.clear()
        info = _CLASS_INFO[cls] = _ClassInfo(cls)
    return info


# Tags that matter without a class or id.
_TAGS_OF_NOTE = sel.INDEXED_TAGS | BOILERPLATE_TAGS | {"a", "article", "main", "body"}


def scan(doc: etree._Element) -> Scan:
    """One pass over the document: foreign and boilerplate roots, content candidates, and the
    index that answers the selectors' whole-document queries."""
    index = sel.Index(doc)
    out = Scan(index)
    foreign, boilerplate, candidates = out.foreign, out.boilerplate, out.candidates
    by_tag, by_class, by_id = index.by_tag, index.by_class, index.by_id
    indexed_tags, wanted_ids = sel.INDEXED_TAGS, sel.WANTED_IDS
    page_post: int | None = None
    for pos, el in enumerate(doc.iter(etree.Element)):
        tag = el.tag
        cls = el.get("class")
        ident = el.get("id")
        if cls is None and ident is None and tag not in _TAGS_OF_NOTE:
            if el.get("itemprop") == "articleBody" or el.get("role") == "main":
                candidates.append(el)
            continue
        kind = 0
        if tag in indexed_tags:
            by_tag[tag].append((pos, el))
        related = False
        if cls:
            info = _class_info(cls)
            kind = info.box_kind if tag in _BOX_TAGS else info.kind
            related = info.related
            for token in info.wanted:
                by_class[token].append((pos, el))
            if tag == "body":
                page_post = _post_number(cls, "postid-")
            elif page_post is not None and info.post is not None and info.post != page_post:
                # post_class() of another post (a card, a "you may like" item): never this one.
                kind |= _FOREIGN | _BOILER
        if related or sel.names_related(ident):
            index.said_related.append((pos, el))
        if ident is not None:
            if ident in wanted_ids:
                by_id[ident].append((pos, el))
            if ident in FOREIGN_IDS:
                kind |= _FOREIGN | _BOILER
            elif ident in BOILERPLATE_IDS:
                kind |= _BOILER
            if ident.startswith("post-"):
                number = _post_number(ident, "post-")
                if page_post is not None and number is not None and number != page_post:
                    kind |= _FOREIGN | _BOILER
                elif tag in ("div", "article", "section"):
                    kind |= _CANDIDATE
        if tag == "a":
            if el.get("rel") is not None:
                index.rel_links.append((pos, el))
            href = el.get("href") or ""
            if "/category/" in href:
                index.category_links.append((pos, el))
            if "/author/" in href:
                index.author_links.append((pos, el))
        elif tag in BOILERPLATE_TAGS:
            kind |= _BOILER
            if tag == "aside" or (tag == "footer" and not kind & _FOREIGN and not any(
                    a.tag == "article" for a in el.iterancestors())):
                kind |= _FOREIGN
        elif tag in ("article", "main"):
            kind |= _CANDIDATE
        if not kind & _CANDIDATE and (el.get("itemprop") == "articleBody"
                                      or el.get("role") == "main"):
            kind |= _CANDIDATE
        if kind:
            if kind & _FOREIGN:
                foreign.append(el)
            if kind & _BOILER:
                boilerplate.append(el)
            if kind & _CANDIDATE:
                candidates.append(el)
    return out


def closure(roots: Iterable[etree._Element]) -> set[etree._Element]:
    """The roots and every element inside them."""
    out: set[etree._Element] = set()
    for root in roots:
        if root not in out:
            out.update(root.iter())
    return out


class _Measure:
    def __init__(self, skip: set[etree._Element], candidates: set[etree._Element]) -> None:
        self.skip = skip
        self.candidates = candidates
        self.stats: dict[etree._Element, Stats] = {}

    def walk(self, el: etree._Element, top: bool = False) -> tuple[int, int, int]:
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIP_TAGS or is_hidden(el):
            return 0, 0, 0
        if not top and el in self.skip:
            return 0, 0, 0
        chars = len(el.text.strip()) if el.text else 0
        links = paras = 0
        for child in el:
            c, li, p = self.walk(child)
            chars += c
            links += li
            paras += p
            if child.tail:
                chars += len(child.tail.strip())
        if tag == "a" and _is_link(el):
            links = chars
        elif tag in _PARA_TAGS and chars - links >= _PARA_MIN:
            paras += 1
        if el in self.candidates:
            self.stats[el] = Stats(chars, links, paras)
        return chars, links, paras


def _is_link(a: etree._Element) -> bool:
    """An anchor that leads somewhere (accordion titles are anchors without a target)."""
    href = (a.get("href") or "").strip()
    return bool(href) and not href.startswith(("#", "javascript:"))


def is_inside(el: etree._Element, outer: etree._Element) -> bool:
    return any(a is outer for a in el.iterancestors())


def inside(el: etree._Element, group: set[etree._Element] | frozenset[etree._Element]) -> bool:
    """True when el or one of its ancestors is in group."""
    return el in group or any(a in group for a in el.iterancestors())


def precedes(a: etree._Element, b: etree._Element) -> bool:
    """True when a ends before b starts (a does not contain b)."""
    chain_b = [b, *b.iterancestors()]
    ancestors_b = {id(x): i for i, x in enumerate(chain_b)}
    prev = a
    for node in (a, *a.iterancestors()):
        if id(node) in ancestors_b:
            if node is a:
                return False  # a contains b
            below_b = chain_b[ancestors_b[id(node)] - 1] if ancestors_b[id(node)] else None
            if below_b is None:
                return False  # b contains a
            return node.index(prev) < node.index(below_b)
        prev = node
    return False


def probes_of(article_body: str | None) -> list[str]:
    """A few runs of words from JSON-LD articleBody, to recognise the container holding it."""
    words = normalize(article_body or "").split()
    if len(words) < 30:
        return []
    step = len(words) // 4
    return [" ".join(words[i:i + 6]) for i in (step, 2 * step, 3 * step)]


def choose(
    found: Scan,
    skip: set[etree._Element],
    foreign: set[etree._Element],
    title: etree._Element | None,
    probes: list[str] = (),
    *,
    confirmed_title: bool = True,
) -> etree._Element | None:
    """The element holding the article's text, chosen on content; None when nothing holds text.

    probes: runs of words of the page's declared articleBody (probes_of). With confirmed_title (the headline found is the one the metadata names), a candidate that
    ends before the headline counts for less."""
    for allow_foreign in (False, True):
        # Second pass: a theme header whose <div>s are never closed makes the parser nest the
        # whole article inside <header>; a content container is then still the content.
        cands = [c for c in found.candidates if allow_foreign or c not in foreign]
        if cands:
            chosen = _best(cands, skip | ({title} if title is not None else set()),
                           title if confirmed_title else None, probes)
            if chosen is not None:
                return chosen
    return None


def _best(
    cands: list[etree._Element],
    skip: set[etree._Element],
    title: etree._Element | None,
    probes: list[str],
) -> etree._Element | None:
    measure = _Measure(skip, set(cands))
    for cand in cands:
        if cand not in measure.stats:
            measure.walk(cand, top=True)
            measure.stats.setdefault(cand, Stats())  # hidden, or a script with an id
    stats = measure.stats
    eligible = [c for c in cands if stats[c].plain > 0]
    if not eligible:
        return None
    # Teaser cards and link lists are link-dense; keep them only when nothing else is left.
    dense = [c for c in eligible if stats[c].link_density <= 0.5]
    eligible = dense or eligible

    cards = _card_text(cands, stats)

    def score(c: etree._Element) -> float:
        own, held = stats[c], cards.get(c)
        if held is not None:
            # Post cards a wrapper holds (a grid of other posts' excerpts) are not its text.
            own = Stats(own.chars - held.chars, own.link_chars - held.link_chars,
                        own.paragraphs - held.paragraphs)
        value = own.score()
        if title is not None and precedes(c, title):
            value *= _BEFORE_TITLE
        return value

    ranked = sorted(eligible, key=score, reverse=True)
    best = ranked[0]
    texts: dict[etree._Element, str] = {}

    def found(c: etree._Element) -> int:
        """How many of the declared article's word runs c holds."""
        if c not in texts:
            texts[c] = normalize(" ".join(c.itertext()))
        return sum(p in texts[c] for p in probes)

    if probes and not found(best):
        # Cross-check with the article text the page declares (JSON-LD articleBody): among
        # unrelated candidates, the one that holds it.
        for other in ranked[1:6]:
            if not is_inside(best, other) and found(other):
                best = other
                break
    best = _narrow(best, eligible, stats)
    if probes and found(best) == len(probes):
        # The smallest candidate inside that still holds all of the declared text.
        inner = [c for c in eligible if c is not best and is_inside(c, best)][:_PROBE_LIMIT]
        holders = [c for c in inner if found(c) == len(probes)]
        if holders:
            best = min(holders, key=lambda c: stats[c].plain)
    return _merge_boxes(best, eligible, stats)


def _narrow(best: etree._Element, eligible: list[etree._Element],
            stats: dict[etree._Element, Stats]) -> etree._Element:
    """The innermost candidate that still holds nearly all of best's text (teasers aside)."""
    while True:
        inner = [c for c in eligible if c is not best and is_inside(c, best)]
        if not inner:
            return best
        top = max(inner, key=lambda c: stats[c].plain)
        # Text in teaser cards beside the article (other posts' titles and excerpts) does
        # not hold the choice at the wrapper.
        others = [c for c in inner if c is not top and not is_inside(c, top)
                  and not is_inside(top, c)]
        among = set(others)
        others = [c for c in others if not any(a in among for a in c.iterancestors())]
        top_text: list[str] = []
        teasers = sum(stats[c].plain for c in others
                      if _teaser_like(c, stats[c], stats[top]) or _repeats(c, top, top_text))
        if stats[top].plain < _NARROW * (stats[best].plain - teasers):
            return best
        best = top


def _merge_boxes(best: etree._Element, eligible: list[etree._Element],
                 stats: dict[etree._Element, Stats]) -> etree._Element:
    """Several boxes of the same kind in a row (page-builder text boxes, split content) in
    the same post: their closest common ancestor, when the others add real text to the best."""
    kind = (best.tag, best.get("class"))
    post = post_wrapper(best, itself=False)
    same = [c for c in eligible if c is not best and (c.tag, c.get("class")) == kind
            and not is_inside(c, best) and not is_inside(best, c)
            and stats[c].link_density < 0.3 and post_wrapper(c, itself=False) is post
            and not _teaser_like(c, stats[c], stats[best])]
    if not same or sum(stats[c].plain for c in same) < 0.25 * stats[best].plain:
        return best
    ancestors = list(best.iterancestors())
    for other in same:
        chain = {id(a) for a in other.iterancestors()}
        ancestors = [a for a in ancestors if id(a) in chain]
    if not ancestors or ancestors[0].tag in ("body", "html"):
        return best
    return ancestors[0]


def is_post_wrapper(el: etree._Element) -> bool:
    """An <article>, post_class() output (`hentry`, `type-post`) or Elementor's single-post
    template (`elementor-location-single`): WordPress's stable markers of one post's region."""
    if not isinstance(el.tag, str):
        return False
    return el.tag == "article" or not POST_WRAPPER_CLASSES.isdisjoint((el.get("class") or "").split())


def post_wrapper(el: etree._Element, itself: bool = True) -> etree._Element | None:
    """The nearest post wrapper around el (or el itself, unless `itself` is false), below
    <body>; None when there is none."""
    for candidate in (el, *el.iterancestors()) if itself else el.iterancestors():
        if candidate.tag in ("body", "html"):
            return None
        if is_post_wrapper(candidate):
            return candidate
    return None


_CARD_CHARS = 1000
_PROBE_LIMIT = 30


def _is_card(c: etree._Element, own: Stats) -> bool:
    """A post card: short, with a linked heading or many links (another post's teaser)."""
    return own.plain < _CARD_CHARS and (own.link_density >= 0.3 or bool(_LINKED_HEADING(c)))


def _card_text(cands: list[etree._Element], stats: dict[etree._Element, Stats]
               ) -> dict[etree._Element, Stats]:
    """For each candidate, the text of the post cards nested in it (outermost cards only)."""
    members = set(cands)
    parent: dict[etree._Element, etree._Element] = {}
    for c in cands:
        for a in c.iterancestors():
            if a in members:
                parent[c] = a
                break
    held: dict[etree._Element, Stats] = {}
    for c in reversed(cands):  # document order reversed: inner candidates first
        up = parent.get(c)
        if up is None:
            continue
        own = stats[c]
        add = own if _is_card(c, own) else held.get(c)
        if add is not None:
            total = held.setdefault(up, Stats())
            total.chars += add.chars
            total.link_chars += add.link_chars
            total.paragraphs += add.paragraphs
    return held


def _repeats(c: etree._Element, top: etree._Element, top_text: list[str]) -> bool:
    """c's text is already in top: an excerpt box (often cut with an ellipsis) or a repeat."""
    text = normalize(" ".join(c.itertext())).rstrip(" .…")
    if len(text) < 20:
        return False
    if not top_text:
        top_text.append(normalize(" ".join(top.itertext())))
    return text in top_text[0]


def _teaser_like(c: etree._Element, own: Stats, article: Stats) -> bool:
    """A small post card: a linked heading or many links, far less text than the article."""
    if own.plain >= 0.3 * article.plain:
        return False
    return own.link_density >= 0.08 or bool(_LINKED_HEADING(c))


def kept_inside(root: etree._Element, boilerplate: set[etree._Element]) -> set[etree._Element]:
    """Boilerplate-marked elements inside root that hold most of its text: a theme wrapper
    with a stray class, not chrome; they are rendered after all."""
    total = chars_of(root)
    kept: set[etree._Element] = set()
    if not total:
        return kept
    for el in root.iterdescendants(etree.Element):
        if el in boilerplate and el.tag not in BOILERPLATE_TAGS and chars_of(el) > 0.5 * total:
            kept.add(el)
    return kept


def chars_of(el: etree._Element) -> int:
    """Characters of text under el, each piece stripped."""
    return sum(len(t.strip()) for t in el.itertext())


def text_elsewhere(doc: etree._Element, root: etree._Element, skip: set[etree._Element]) -> int:
    """Characters of plain text (outside links) on the page outside root and the skipped
    regions: what another extractor could still find there."""
    measure = _Measure(skip | {root}, set())
    bodies = [el for el in doc if el.tag == "body"] or [doc]
    total = 0
    for body in bodies:
        chars, links, _ = measure.walk(body, top=True)
        total += chars - links
    return total


_TITLE_BLOCK_EXTRA = 200


def title_block(root: etree._Element, title: etree._Element, skip: set[etree._Element],
                prose: Callable[[], list[etree._Element]]) -> etree._Element | None:
    """The headline's own block inside the container (headline plus its meta line: author,
    date, category), when a theme prints it there without a <header>; None when the headline
    is not inside root. skip: the elements already left out (comments: no prose of the
    article's); prose(): prose_blocks(root), computed once per page by the caller."""
    if not is_inside(title, root):
        return None
    block = title
    limit = chars_of(title) + _TITLE_BLOCK_EXTRA
    own: list[etree._Element] | None = None
    for ancestor in title.iterancestors():
        if ancestor is root or chars_of(ancestor) > limit:
            break
        if own is None:
            own = [p for p in prose() if not inside(p, skip)]
        if own and all(is_inside(p, ancestor) for p in own):
            break  # a short article, all of it within the headline block's size
        block = ancestor
    return block


# A sentence of the article: a paragraph (or quote, item) of a few words ending as a
# sentence does; a headline's meta line (author, date, category) does not.
PROSE_TAGS = ("p", "blockquote", "li", "dd")
_PROSE_WORDS = 6


def is_prose(block: etree._Element) -> bool:
    """Whether a paragraph (or quote, item) reads as prose: a few words ending as a sentence
    does."""
    text = normalize(" ".join(block.itertext()))
    return is_sentence(text, _PROSE_WORDS)


def prose_blocks(root: etree._Element) -> list[etree._Element]:
    """The paragraphs of prose under root."""
    return [block for block in root.iter(*PROSE_TAGS) if is_prose(block)]


def other_pieces(root: etree._Element, title: etree._Element | None,
                 prose: Callable[[], list[etree._Element]]) -> set[etree._Element]:
    """What root holds besides the post, whatever the classes: its discussion (discussion)
    and the other pieces HTML nests as `<article>`s (nested_articles). Never an element
    holding the headline or root's first paragraph of prose. prose(): prose_blocks(root),
    computed once per page by the caller."""
    forms = [form for form in root.iter("form") if takes_text(form)]
    inner = [el for el in root.iter("article") if el is not root]
    if not forms and not inner:
        return set()
    blocks = prose()
    first = blocks[0] if blocks else None
    own = [el for el in (title, first) if el is not None]
    chars: dict[etree._Element, int] = {}

    def size(el: etree._Element) -> int:
        if el not in chars:
            chars[el] = chars_of(el)
        return chars[el]

    return (discussion(root, forms, own, blocks, size)
            | nested_articles(root, inner, first, title, own, size))


# Input types that take no text a reader writes.
_NO_TEXT_INPUTS = frozenset({"hidden", "submit", "button", "reset", "image", "checkbox", "radio",
                             "file", "range", "color"})


# A reader's tool around a form (sign up, sign in, search) holds at most this many characters.
_TOOL_CHARS = 600


def takes_text(form: etree._Element) -> bool:
    """Whether a form takes a text its reader writes: a comment, an e-mail address to sign up
    with, a name and password to sign in with, a search."""
    return any(el.tag == "textarea" or (el.get("type") or "text").strip().lower() not in _NO_TEXT_INPUTS
               for el in form.iter("textarea", "input"))


def _holds(el: etree._Element, own: list[etree._Element]) -> bool:
    return any(o is el or is_inside(o, el) for o in own)


def discussion(root: etree._Element, forms: list[etree._Element], own: list[etree._Element],
               prose: list[etree._Element], size: Callable[[etree._Element], int],
               ) -> set[etree._Element]:
    """Around each form that takes a text (takes_text), what is not the article's:
    - a comment form (a `<textarea>`): the widest box that holds neither the headline nor the
      article's first paragraph of prose (own), and under half of root's text, when no
      paragraph of prose comes after it: the comments above the form and the form, at the
      end of the post (not a form amid its text);
    - another form (a sign-up, a sign-in, a search): the widest box holding neither, of at
      most _TOOL_CHARS characters and under half of root's, less than half of them in
      paragraphs, list items, quotes or definitions (the section of the article a calculator
      or a registration form stands in is not one), wherever it stands."""
    found: set[etree._Element] = set()
    half = size(root) / 2
    for form in forms:
        if _holds(form, own) or size(form) > half:
            continue
        if next(form.iter("textarea"), None) is None:
            # A sign-up, sign-in or search box: short and mostly not paragraphs or list items,
            # wherever it stands.
            limit = min(_TOOL_CHARS, half)
            if size(form) > limit:
                continue
            box = form
            for ancestor in form.iterancestors():
                if (ancestor is root or _holds(ancestor, own) or size(ancestor) > limit
                        or 2 * sum(size(b) for b in ancestor.iter(*PROSE_TAGS)) >= size(ancestor)):
                    break
                box = ancestor
            found.add(box)
            continue
        box = form
        for ancestor in form.iterancestors():
            if ancestor is root or _holds(ancestor, own) or size(ancestor) > half:
                break
            box = ancestor
        if not any(precedes(box, block) for block in prose):
            found.add(box)
    return found


def nested_articles(root: etree._Element, inner: list[etree._Element], first: etree._Element | None,
                    title: etree._Element | None, own: list[etree._Element],
                    size: Callable[[etree._Element], int]) -> set[etree._Element]:
    """The `<article>` elements inside root that are other pieces, as HTML nests them: a
    comment, another post's card, the next post; with the title over them (_titled_box).
    Never one holding the headline or the first paragraph of prose (the post's own), nor the
    siblings of an article that holds that paragraph but not the headline (a live blog's
    entries are its text); and none when together they hold half of root's text or more (the
    text is then theirs, whatever comes first)."""
    entries: set[etree._Element] = set()
    holder = next((a for a in first.iterancestors() if a.tag == "article"),
                  None) if first is not None else None
    if holder is not None and holder is not root and not (
            title is not None and (title is holder or is_inside(title, holder))):
        parent = holder.getparent()
        entries = {el for el in parent if el.tag == "article"} if parent is not None else set()
    found: set[etree._Element] = set()
    for el in inner:
        if el in entries or _holds(el, own) or any(a in found for a in el.iterancestors()):
            continue
        found.add(el)
    if 2 * sum(size(el) for el in found) >= size(root):
        return set()
    held: dict[etree._Element, int] = {}  # each ancestor's characters in pieces
    for el in found:
        for ancestor in el.iterancestors():
            if ancestor is root:
                break
            held[ancestor] = held.get(ancestor, 0) + size(el)
    return {_titled_box(el, held, root, own, size) for el in found}


# The title over a list of pieces ("Comments", "Related stories"): at most this many characters.
_TITLE_CHARS = 60


def _titled_box(el: etree._Element, held: dict[etree._Element, int], root: etree._Element,
                own: list[etree._Element], size: Callable[[etree._Element], int],
                ) -> etree._Element:
    """The widest box around el, below root, that holds nothing but pieces (held: each
    ancestor's characters in them) and a title over them ("Comments", "Related stories"),
    and neither the headline nor the first paragraph."""
    while True:
        parent = el.getparent()
        if (parent is None or parent is root or size(parent) - held.get(parent, 0) > _TITLE_CHARS
                or _holds(parent, own)):
            return el
        el = parent


_LINK_BLOCK_TAGS = frozenset({"ul", "ol", "div", "section", "nav", "aside", "p", "span"})
# An inline element's block holds a sentence when this many characters of its text are
# outside links (five words or so).
_SENTENCE_CHARS = 30
_TEXT_BLOCKS = BLOCK_TAGS | {"td", "th"}


def is_generic(root: etree._Element) -> bool:
    """A container named only by its structure (`article`, `main`, the post wrapper), not by
    a content class: its links lists are the theme's, not the author's."""
    tokens = (root.get("class") or "").split()
    return (CONTENT_CLASSES.isdisjoint(tokens) and BOX_CLASSES.isdisjoint(tokens)
            and root.get("itemprop") != "articleBody")


def _in_running_text(el: etree._Element, root: etree._Element,
                     stats: dict[etree._Element, Stats]) -> bool:
    """An inline element (a span around a link) in a block below root whose own text, outside
    every link, is a sentence's: the link is part of the sentence, not a list of links."""
    if el.tag in _TEXT_BLOCKS:
        return False
    block = next((a for a in el.iterancestors() if a.tag in _TEXT_BLOCKS and a in stats), None)
    return block is not None and block is not root and stats[block].plain >= _SENTENCE_CHARS


def link_blocks(root: etree._Element, skip: set[etree._Element]) -> set[etree._Element]:
    """Blocks inside root that are lists of links (related stories, tags, breadcrumbs, more
    from the section): at least 75% of their text in links and under 100 characters of
    their own."""
    blocks = {el for el in root.iterdescendants(etree.Element)
              if el.tag in _LINK_BLOCK_TAGS or el.tag in _TEXT_BLOCKS}
    measure = _Measure(skip, blocks | {root})
    measure.walk(root, top=True)
    stats = measure.stats
    found: set[etree._Element] = set()
    for el, st in stats.items():
        if (el.tag in _LINK_BLOCK_TAGS and el is not root and st.chars
                and st.link_density >= 0.75 and st.plain < 100
                and not _in_running_text(el, root, stats)):
            found.add(el)
    # Keep only the outermost ones.
    return {el for el in found if not any(a in found for a in el.iterancestors())}
