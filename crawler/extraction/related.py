"""The related-posts block where no known marker names it: one a theme names with the word
"related" in a class or id, else the strip of other posts' cards after the article's text
that its heading calls related ("Related posts", "اقرأ أيضًا"). A parsed page in, elements out.

Both come after the article's last paragraph of prose and outside what is not the article's
column: sidebars, navigation (a post's previous/next links), forms, and the page's own header
and footer. A list of other posts there that no heading calls related (recent posts, most
read) is not the related block.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from crawler.text import normalize

from .dating import teaser_cards, teaser_links

_NAMED = etree.XPath(
    "//*[contains(translate(@class, 'RELATED', 'related'), 'related')"
    " or contains(translate(@id, 'RELATED', 'related'), 'related')]"
)
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


def _after(anchor: etree._Element) -> Callable[[etree._Element], bool]:
    """Whether an element comes after anchor and all it holds, in page order."""
    root = anchor.getroottree().getroot()
    order = {el: i for i, el in enumerate(root.iter())}
    end = order[anchor] + sum(1 for _ in anchor.iterdescendants())
    return lambda el: order.get(el, -1) > end


def named_blocks(doc: etree._Element, anchor: etree._Element,
                 off: Callable[[etree._Element], bool]) -> list[etree._Element]:
    """The outermost elements after anchor (the article's last paragraph of prose) whose class
    or id holds the word "related", in page order, outside sidebars and navigation (off)."""
    after = _after(anchor)
    found: list[etree._Element] = []
    taken: set[etree._Element] = set()
    for el in _NAMED(doc):
        if any(a in taken for a in el.iterancestors()) or not after(el) or off(el):
            continue
        found.append(el)
        taken.add(el)
    return found


def labelled_cards(body: etree._Element, anchor: etree._Element, page_url: str, site: str,
                   off: Callable[[etree._Element], bool]) -> list[etree._Element]:
    """The cards of the first strip of other posts' cards after anchor whose heading says it
    holds related posts (says_related), outside sidebars and navigation (off); [] when none."""
    after = _after(anchor)
    links = [(a, box) for a, box in teaser_links(body, page_url, site, inline=False)
             if after(a) and _rel(a).isdisjoint({"prev", "next"}) and not off(a)]
    if not links:
        return []
    cards = teaser_cards(links, page_url, site)
    first_link = {}
    for (a, _), card in zip(links, cards, strict=True):
        first_link.setdefault(card, a)
    holders = set(cards)
    for card in cards:
        holders.update(card.iterancestors())
    done: set[etree._Element] = set()
    for card, link in first_link.items():
        if card in done:
            continue
        strip = _strip(card, holders, anchor)
        done.update(c for item in strip for c in (item, *item.iterdescendants()) if c in first_link)
        if says_related(_label(card, link, anchor)):
            return strip
    return []


def _rel(a: etree._Element) -> set[str]:
    return set((a.get("rel") or "").lower().split())


def _strip(card: etree._Element, holders: set[etree._Element],
           anchor: etree._Element) -> list[etree._Element]:
    """The cards of the strip a card belongs to. Climbing from the card, the first ancestor
    with another child holding cards ends the climb; when that child is of the card's own
    shape (the same tag), the ancestor is a strip of such cards; else the card is alone."""
    node = card
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or parent is anchor or anchor in set(
                parent.iterdescendants()):
            return [card]
        if any(k is not node and k in holders for k in parent):
            same = [k for k in parent if k in holders and k.tag == node.tag]
            return same if len(same) >= 2 else [card]
        node = parent


def _label(card: etree._Element, link: etree._Element, anchor: etree._Element) -> str:
    """The heading of the strip whose first card is `card` (its link to the post: `link`): the
    nearest text before the link, when it comes after the article (anchor). Inside the card,
    only a related heading counts (a card holding its strip's heading: a strip of one);
    other text there is the card's own (its date, a kicker)."""
    node = link
    while node.tag not in ("body", "html"):
        within = node is not card and any(a is card for a in node.iterancestors())
        for sibling in node.itersiblings(preceding=True):
            if sibling is anchor or anchor in set(sibling.iterdescendants()):
                return ""
            text = normalize(" ".join(sibling.itertext())) if isinstance(sibling.tag, str) else ""
            if text and (not within or says_related(text)):
                return text
        parent = node.getparent()
        if parent is None or parent is anchor or anchor in set(parent.iterdescendants()):
            return ""
        text = normalize(parent.text or "")
        if text and (not (within or node is card) or says_related(text)):
            return text
        node = parent
    return ""
