"""The related-posts block where no known marker names it: one a theme names with the word
"related" in a class or id, else the strip of other posts' cards after the article's text
that its heading calls related ("Related posts", "اقرأ أيضًا"). A parsed page in, elements out.

Both come after the article's last paragraph of prose and outside what is not the article's
column: sidebars, navigation (a post's previous/next links), forms, and the page's own header
and footer. A list of other posts there that no heading calls related (recent posts, most
read) is not the related block. Only links to the site's posts by their numeric permalinks
are related posts, so a page with none after its text, or no related heading there, costs a
look at its links' hrefs and short texts only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from crawler.text import normalize

from .container import precedes
from .dating import teaser_cards, teaser_links

_ASIDE_TAGS = frozenset({"nav", "aside", "form"})
_ASIDE_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "search"})
# A heading is short: a sentence that mentions related work is not one.
LABEL_CHARS = 60
# What a related-posts heading says, in the site's two languages (Arabic folded: no
# diacritics, one alef, ه for ة).
_LABEL = re.compile(
    r"\b(?:related|similar|see also|also read|read (?:also|more)|more on this"
    r"|you (?:may|might) also (?:like|enjoy)|recommended)\b"
    r"|ذات (?:ال)?صله|مشابهه|متعلقه|اقرا (?:ايضا|كذلك)|قد يعجبك|مواضيع اخري|مقالات اخري",
    re.IGNORECASE,
)
# A word any of those headings holds, however it is split between elements: where none
# follows the article, its cards are not looked at.
_HINT = re.compile(r"relat|similar|also|recommend|صل[ةه]|مشابه|متعلق|يعجب|[أاإ]يض|[أاإ]قر[أا]|[أا]خر",
                   re.IGNORECASE)
_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")


def says_related(text: str) -> bool:
    """Whether a short line is a related-posts heading."""
    text = normalize(text)
    if not text or len(text) > LABEL_CHARS:
        return False
    folded = (_DIACRITICS.sub("", text).replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
              .replace("ة", "ه").replace("ى", "ي"))
    return bool(_LABEL.search(folded))


def off_column(el: etree._Element, sidebars: set[etree._Element],
               is_wrapper: Callable[[etree._Element], bool]) -> bool:
    """Whether el stands in no article's column: in a sidebar, a <nav>, an <aside>, a form,
    an ARIA navigation/complementary/banner/contentinfo/search region, or the page's own
    header or footer (one inside a post wrapper is the post's)."""
    for node in (el, *el.iterancestors()):
        if node in sidebars or node.tag in _ASIDE_TAGS:
            return True
        if (node.get("role") or "").strip().lower() in _ASIDE_ROLES:
            return True
        if node.tag in ("header", "footer") and not any(is_wrapper(a) for a in node.iterancestors()):
            return True
    return False


_FOLLOWING_LINKS = etree.XPath("following::a[@href]")
# A numeric permalink as a link writes it (/4571/, or WordPress's ?p=4571).
_PERMALINK = re.compile(r"^\s*(?:(?:https?:)?//[^/?#]+)?/\d+/?(?:[?#]|\s*$)|[?&]p=\d+")
# The short texts after an element (a heading's words), not a script's or a style's.
_FOLLOWING_SHORT_TEXT = etree.XPath(
    "following::text()[not(parent::script or parent::style)]"
    f"[string-length(normalize-space()) > 0 and string-length(normalize-space()) <= {LABEL_CHARS}]")


def named_blocks(named: list[etree._Element], anchor: etree._Element,
                 off: Callable[[etree._Element], bool]) -> list[etree._Element]:
    """The outermost of the `named` elements (those whose class or id holds the word
    "related", in page order: selectors.SAID_RELATED) that come after anchor (the article's
    last paragraph of prose), outside sidebars and navigation (off)."""
    found: list[etree._Element] = []
    taken: set[etree._Element] = set()
    for el in named:
        if any(a in taken for a in el.iterancestors()) or not precedes(anchor, el) or off(el):
            continue
        found.append(el)
        taken.add(el)
    return found


def labelled_cards(body: etree._Element, anchor: etree._Element, page_url: str, site: str,
                   off: Callable[[etree._Element], bool]) -> list[etree._Element]:
    """The cards of the first strip of other posts' cards after anchor whose heading says it
    holds related posts (says_related), outside sidebars and navigation (off); [] when none."""
    # Only links to posts by their numeric permalinks are related posts (fields.related).
    after = [a for a in _FOLLOWING_LINKS(anchor)
             if _PERMALINK.search(a.get("href") or "") and _rel(a).isdisjoint({"prev", "next"})]
    if not after or not any(_heads(text) for text in _FOLLOWING_SHORT_TEXT(anchor) if _HINT.search(text)):
        return []  # no heading after the article says related: its cards are not looked at
    links = [(a, box) for a, box in teaser_links(body, page_url, site, inline=False, among=after)
             if not off(a)]
    if not links:
        return []
    cards = teaser_cards(links, page_url, site)
    first_link = {}
    for (a, _), card in zip(links, cards, strict=True):
        first_link.setdefault(card, a)
    holders = set(cards)
    for card in cards:
        holders.update(card.iterancestors())
    around = {anchor, *anchor.iterancestors()}  # the elements holding the article's end
    done: set[etree._Element] = set()
    for card, link in first_link.items():
        if card in done:
            continue
        strip = _strip(card, holders, around)
        done.update(c for item in strip for c in (item, *item.iterdescendants()) if c in first_link)
        if says_related(_label(card, link, anchor, around)):
            return strip
    return []


def _heads(text: etree._ElementUnicodeResult) -> bool:
    """Whether a short text is, or is part of, a heading that says related: its element's
    text, or its parent's (a heading whose words are split between elements)."""
    el = text.getparent()
    for node in (el, el.getparent() if el is not None else None):
        if node is not None and says_related(" ".join(node.itertext())):
            return True
    return False


def _rel(a: etree._Element) -> set[str]:
    return set((a.get("rel") or "").lower().split())


def _strip(card: etree._Element, holders: set[etree._Element],
           around: set[etree._Element]) -> list[etree._Element]:
    """The cards of the strip a card belongs to. Climbing from the card, the first ancestor
    with another child holding cards ends the climb; when that child is of the card's own
    shape (the same tag), the ancestor is a strip of such cards; else the card is alone.
    around: the elements holding the article's end, where the climb stops."""
    node = card
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or parent in around:
            return [card]
        if any(k is not node and k in holders for k in parent):
            same = [k for k in parent if k in holders and k.tag == node.tag]
            return same if len(same) >= 2 else [card]
        node = parent


def _label(card: etree._Element, link: etree._Element, anchor: etree._Element,
           around: set[etree._Element]) -> str:
    """The heading of the strip whose first card is `card` (its link to the post: `link`): the
    nearest text before the link, when it comes after the article (anchor; around: the
    elements holding it). Inside the card, only a related heading counts (a card holding its
    strip's heading: a strip of one); other text there is the card's own (a date, a kicker)."""
    node = link
    while node.tag not in ("body", "html"):
        within = node is not card and any(a is card for a in node.iterancestors())
        for sibling in node.itersiblings(preceding=True):
            if sibling is anchor or sibling in around:
                return ""
            text = normalize(" ".join(sibling.itertext())) if isinstance(sibling.tag, str) else ""
            if text and (not within or says_related(text)):
                return text
        parent = node.getparent()
        if parent is None or parent in around:
            return ""
        text = normalize(parent.text or "")
        if text and (not (within or node is card) or says_related(text)):
            return text
        node = parent
    return ""
