"""The related-posts block where no known marker names one: a block a theme names with the
word "related" in a class or id, else the strip of other posts' cards whose heading calls
them related ("Related posts", "اقرأ أيضًا"). A parsed page in, elements out.

Either comes after most of the article's text (half its prose or more stands before it:
never a box at the head of the text, nor the recent posts a template prints before it) and
outside what is not the article's column: sidebars, navigation (a post's previous and next
links), forms, and the page's own header and footer. A list of other posts that no heading
calls related (recent posts, most read) is not the related block. Only links to the site's
posts by their numeric permalinks are related posts, so a page with none after its text, or
no related heading there, costs a look at its links' hrefs and short texts only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cached_property
from itertools import accumulate

from lxml import etree

from crawler.text import normalize

from .container import chars_of, inside, is_inside, post_wrapper, precedes
from .dates import fold_arabic
from .dating import longer_than, teaser_cards, teaser_links
from .render import BLOCK_TAGS

_ASIDE_TAGS = frozenset({"nav", "aside", "form"})
_ASIDE_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "search"})
# A heading is short: a sentence that mentions related work is not one.
LABEL_CHARS = 60
# What a related-posts heading says, in the site's two languages (Arabic folded: no
# diacritics, one alef, ه for ة, ي for ى).
_LABEL = re.compile(
    r"\b(?:related|similar|see also|also read|read also|more on this"
    r"|you (?:may|might) also (?:like|enjoy)|recommended)\b"
    r"|ذات (?:ال)?صله|مشابهه|متعلقه|اقرا (?:ايضا|كذلك)|قد يعجبك|مواضيع اخري|مقالات اخري",
    re.IGNORECASE,
)
# A word each of those headings holds (folded), however its words are split
# between elements: where none follows the article, its cards are not looked at.
_HINT = re.compile(r"relat|similar|also|more on|recommend|صله|مشابه|متعلق|يعجب|ايض|كذلك|اخر",
                   re.IGNORECASE)
# "related" as a word of a class or id: `ast-related-posts`, `related_by_category`, `entryRelated`,
# `relatedPosts`; not `unrelated`.
_NAMED = re.compile(r"(?:^|[^a-zA-Z])related|Related")
_UNREAD = frozenset({"script", "style", "noscript", "template"})  # text that is not read
_SKIPPED_TEXT = "not(" + " or ".join(f"parent::{tag}" for tag in sorted(_UNREAD)) + ")"
_FOLLOWING_HREFS = etree.XPath("following::a/@href", smart_strings=False)
_FOLLOWING_LINKS = etree.XPath("following::a[@href]")
# The short texts after an element: a heading's words.
_FOLLOWING_SHORT_TEXT = etree.XPath(
    f"following::text()[{_SKIPPED_TEXT}]"
    f"[string-length(normalize-space()) > 0 and string-length(normalize-space()) <= {LABEL_CHARS}]")
# A numeric permalink as a link writes it (/4571/, or WordPress's ?p=4571).
_PERMALINK = re.compile(r"^\s*(?:(?:https?:)?//[^/?#]+)?/\d+/?(?:[?#]|\s*$)|[?&]p=\d+")


def says_related(text: str) -> bool:
    """Whether a short line is a related-posts heading."""
    text = normalize(text)
    if not text or len(text) > LABEL_CHARS:
        return False
    return bool(_LABEL.search(fold_arabic(text)))


def off_column(el: etree._Element, sidebars: set[etree._Element]) -> bool:
    """Whether el stands in no article's column: in a sidebar, a <nav>, an <aside>, a form,
    an ARIA navigation/complementary/banner/contentinfo/search region, or the page's own
    header or footer (one inside a post wrapper is the post's)."""
    for node in (el, *el.iterancestors()):
        if node in sidebars or node.tag in _ASIDE_TAGS:
            return True
        if (node.get("role") or "").strip().lower() in _ASIDE_ROLES:
            return True
        if node.tag in ("header", "footer") and post_wrapper(node, itself=False) is None:
            return True
    return False


class Article:
    """Where the article's text lies: its paragraphs of prose, in page order."""

    def __init__(self, prose: list[etree._Element], text_chars: int) -> None:
        # The outermost paragraphs only (a <blockquote> of <p>s counts once, and the ones
        # before any element are then a run from the first).
        chosen = set(prose)
        self.blocks = [b for b in prose if not any(a in chosen for a in b.iterancestors())]
        self.start = self.blocks[0]
        self.text_chars = text_chars

    @cached_property
    def upto(self) -> list[int]:
        """Characters of prose up to the end of each paragraph (measured only when a
        candidate is found)."""
        return list(accumulate(chars_of(block) for block in self.blocks))

    def mostly_before(self, el: etree._Element) -> bool:
        """Whether half the article's prose or more ends before el starts (the paragraphs
        before el are a run from the first: found by halving). Prose inside el's strip
        counts only when it comes before el."""
        low, high = 0, len(self.blocks)
        while low < high:
            mid = (low + high) // 2
            if precedes(self.blocks[mid], el):
                low = mid + 1
            else:
                high = mid
        # Of the article's prose, or of its body text when that is shorter (prose the body
        # left out, a discussion's or cards' excerpts, is not the article's).
        total = min(self.upto[-1], self.text_chars)
        return low > 0 and 2 * self.upto[low - 1] >= total


def _named(el: etree._Element) -> bool:
    return bool(_NAMED.search(el.get("class") or "") or _NAMED.search(el.get("id") or ""))


def named_blocks(named: list[etree._Element], article: Article,
                 off: Callable[[etree._Element], bool]) -> Iterator[list[etree._Element]]:
    """The outermost of the `named` elements (those whose class or id holds "related", in page
    order: selectors.SAID_RELATED) whose class or id holds it as a word, after most of the
    article, outside sidebars and navigation (off), in page order; found one by one, each
    with the named siblings of its tag that follow it (a theme naming each card "related")."""
    taken: set[etree._Element] = set()
    for el in named:
        if not _named(el) or inside(el, taken):
            continue
        if not precedes(article.start, el):
            continue
        run = [el]
        for sibling in el.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag != el.tag or not _named(sibling):
                break
            run.append(sibling)
        taken.update(run)  # their own blocks are inside them, whether they are one or not
        if (any(_PERMALINK.search(a.get("href") or "") for item in run for a in item.iter("a"))
                and not off(el) and article.mostly_before(el)):
            yield run


def labelled_cards(body: etree._Element, article: Article, page_url: str, site: str,
                   off: Callable[[etree._Element], bool]) -> list[etree._Element]:
    """The cards of the first strip of other posts' cards after most of the article whose
    heading says it holds related posts (says_related), outside sidebars and navigation (off);
    [] when none."""
    start = article.start
    # Only links to posts by their numeric permalinks are related posts (fields.related). The
    # hrefs alone are read first: most pages have none, and they cost a third of the links.
    if not any(_PERMALINK.search(href) for href in _FOLLOWING_HREFS(start)):
        return []
    after = [a for a in _FOLLOWING_LINKS(start)
             if _PERMALINK.search(a.get("href") or "") and _rel(a).isdisjoint({"prev", "next"})]
    if not after or not any(_heads(text, off) for text in _FOLLOWING_SHORT_TEXT(start)
                            if _HINT.search(fold_arabic(text))):
        return []  # no heading after the article's start says related
    links = [(a, box) for a, box in teaser_links(body, page_url, site, inline=False, among=after)
             if not off(a)]
    if not links:
        return []
    cards = teaser_cards(links, page_url, site)
    first_link: dict[etree._Element, etree._Element] = {}
    for (a, _), card in zip(links, cards, strict=True):
        first_link.setdefault(card, a)
    held: Counter[etree._Element] = Counter()  # cards under each element
    for card in first_link:
        held.update((card, *card.iterancestors()))
    for card, link in first_link.items():
        if not article.mostly_before(card):
            continue
        related, own = _label(card, link, start, held)
        if related:
            # A heading inside the card heads it alone (a strip of one card under its own
            # heading); one before it heads the card's strip.
            return [card] if own else _strip(card, held)
    return []


def _rel(a: etree._Element) -> set[str]:
    return set((a.get("rel") or "").lower().split())


def _says(text: str, holder: etree._Element) -> bool:
    """Whether a text (held by `holder`: the element it is the text of, or the parent of the
    one it trails) is a related heading: alone, or with the rest of the block holding it (past
    inline elements: a heading whose words are split between them) when that is short."""
    if says_related(text):
        return True
    block: etree._Element | None = holder
    while block is not None and block.tag not in BLOCK_TAGS and block.getparent() is not None:
        block = block.getparent()
    return (block is not None and not longer_than(block, LABEL_CHARS)
            and says_related(" ".join(block.itertext())))


def _heads(text: etree._ElementUnicodeResult, off: Callable[[etree._Element], bool]) -> bool:
    """Whether a short text is (part of) a heading that says related, in the article's column."""
    owner = text.getparent()
    holder = owner.getparent() if owner is not None and text.is_tail else owner
    return holder is not None and _says(text, holder) and not off(holder)


def _within(holder: etree._Element, outer: etree._Element) -> bool:
    """Whether a text held by `holder` (_says) stands inside outer."""
    return holder is outer or is_inside(holder, outer)


def _before(el: etree._Element, card: etree._Element, held: Counter[etree._Element],
            ) -> Iterator[tuple[str, etree._Element]]:
    """The texts before el in page order, nearest first, as (text, the element holding it:
    _says); whitespace, scripts and styles skipped. Walked back from el, so a caller stopping
    at the first few never reads the page before them; an element before it holding cards
    other than `card` (held) ends the walk."""
    node = el
    while True:
        parent = node.getparent()
        prev = node.getprevious()
        while prev is not None:
            if prev.tail and prev.tail.strip():
                yield prev.tail, parent
            if held[prev] and not is_inside(prev, card):
                return
            if isinstance(prev.tag, str) and prev.tag not in _UNREAD:
                yield from _texts_backwards(prev)
            prev = prev.getprevious()
        if parent is None:
            return
        if parent.text and parent.text.strip() and parent.tag not in _UNREAD:
            yield parent.text, parent
        node = parent


def _texts_backwards(el: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """The texts inside el, last first (as _before gives them)."""
    for child in reversed(el):
        if child.tail and child.tail.strip():
            yield child.tail, el
        if isinstance(child.tag, str) and child.tag not in _UNREAD:
            yield from _texts_backwards(child)
    if el.text and el.text.strip():
        yield el.text, el


def _strip(card: etree._Element, held: Counter[etree._Element]) -> list[etree._Element]:
    """The cards of the strip a card heads: climbing from the card to the first ancestor
    with another child holding cards (or to <body>), the run of siblings from the card's own
    level on that are of its shape (the same tag) and hold one card each; the next heading,
    or anything else, ends it."""
    node = card
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or any(
                k is not node and held[k] for k in parent):
            break
        node = parent
    run = [node]
    for sibling in node.itersiblings():
        if not isinstance(sibling.tag, str) or sibling.tag in _UNREAD:
            continue
        if sibling.tag != node.tag or held[sibling] != 1:
            break
        run.append(sibling)
    return run


def _label(card: etree._Element, link: etree._Element, start: etree._Element,
           held: Counter[etree._Element]) -> tuple[bool, bool]:
    """Whether the strip whose first card is `card` (its link to the post: `link`) is headed as
    related, and whether that heading stands inside the card: the nearest text before the
    link, after the article's start, decides. Inside the card only a related heading counts
    (a card holding its strip's heading: a strip of one); other text there is the card's own
    (its date, a kicker, or the heading of a strip that is not the related one). Text without
    a letter (a slider's arrows, `1 / 3`) is passed; another card before it ends the look
    (held: cards under each element)."""
    for text, holder in _before(link, card, held):
        if _within(holder, start):
            return False, False
        if not any(c.isalpha() for c in text):
            continue
        related = _says(text, holder)
        if not _within(holder, card):
            return related, False
        if related:
            return True, True
    return False, False
