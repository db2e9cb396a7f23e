"""A chosen container that is only a fragment of the article: the evidence and the decision.

The container is chosen on its own text (container.py); a teaser box, a summary, or the first
of several sibling content blocks can win when its markup is the only one that says
"content". Two kinds of generic evidence catch that:

- the share of the page's *article-like text* (paragraphs of prose outside links, chrome and
  foreign regions left out) that the container holds: cheap, read on every page;
- when that share is small, the share of trafilatura's text of the whole page that the
  container holds (4-word runs), read only then.

A container whose share of the article-like text is small, and that holds little of
trafilatura's text, is widened to its nearest ancestor holding most of trafilatura's text;
when only the whole page does, the body is trafilatura's. trafilatura starts from the same
content classes and can take the same fragment: a container holding under a third of the
article-like text is widened to its parent or grandparent when that holds most of it. The
page's own declaration settles it the other way: a container holding all of JSON-LD
`articleBody` is the article. The decision (`decide`) is pure; the measures (`article_text`,
`held`) read a parsed tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from crawler.text import normalize

from .chrome import _runs
from .render import SKIP_TAGS, is_hidden

# A container holding less than this share of the page's article-like text is suspect ...
SMALL_SHARE = 0.5
# ... when the article-like text outside it is at least this many characters.
MIN_OUTSIDE = 400
# trafilatura's text is "mostly inside" a container holding this share of its 4-word runs;
# below it the container is a fragment.
MOSTLY = 0.5
# The ancestor widened to must hold this share of trafilatura's runs.
WIDE = 0.8
# The element holding most prose, where nothing names the content, is the container when it
# holds WIDE of the page's prose; or, holding MOSTLY of it, when it holds this share of
# trafilatura's runs (not all: trafilatura drops headings and lists, and adds stray prose).
HOLDER_HELD = 0.7
# A container holding under this share of the article-like text is widened to its parent or
# grandparent (NEAR levels) holding WIDE of it, whatever trafilatura reads.
ALONE_SHARE = 1 / 3
NEAR = 2
# Blocks of prose: at least this many characters outside links, under this link share.
PARA_MIN = 40
PARA_LINKS = 0.3
_PARA_TAGS = frozenset({"p", "li", "blockquote", "pre", "dd"})


@dataclass(frozen=True)
class Decision:
    """keep the container, widen it to the ancestor at `level` (1 = its parent), fall back to
    trafilatura's body, or keep one that holds little text (the caller may take the page's
    prose holder instead); `inside`/`held` are the evidence, for the record's warning."""

    action: str  # "keep", "widen", "fallback", "little"
    level: int = 0
    inside: float = 1.0
    held: float = 1.0


KEEP = Decision("keep")
# A container holding little article-like text (under _LITTLE_CHARS), kept unless the page's
# prose stands elsewhere (the prose holder, read by the caller).
LITTLE = Decision("little")


def suspect(inside: int, page: int) -> bool:
    """The container holds a small share of the page's article-like text (characters), and
    what is outside is more than a stray notice."""
    return page > 0 and inside < SMALL_SHARE * page and page - inside >= MIN_OUTSIDE


def decide(chars: list[int], page: int, held: list[float], declared: bool = False) -> Decision:
    """What to do with a container. chars: article-like characters in the container (chars[0])
    and in each of its ancestors up to, not including, <body>; page: on the whole page; held:
    the share of trafilatura's runs held by the same elements (empty when trafilatura was not
    read or has no text); declared: the container holds all of the page's JSON-LD articleBody.

    trafilatura's text mostly outside the container: the nearest ancestor holding most of it,
    or trafilatura's body. trafilatura's text inside (it starts from the same content classes
    and can take the same fragment) but the container holding under a third of the page's
    article text: its parent or grandparent when that holds most of it."""
    inside = chars[0] if chars else 0
    if declared or not suspect(inside, page):
        return KEEP
    share = inside / page
    if held and held[0] < MOSTLY:
        for level, value in enumerate(held[1:], start=1):
            if value >= WIDE:
                return Decision("widen", level, share, held[0])
        return Decision("fallback", 0, share, held[0])
    if share < ALONE_SHARE:
        for level, value in enumerate(chars[1:NEAR + 1], start=1):
            if value >= WIDE * page:
                return Decision("widen", level, share, held[0] if held else 0.0)
    return KEEP


def article_text(root: etree._Element, skip: Callable[[etree._Element], bool]
                 ) -> list[tuple[etree._Element, int]]:
    """The blocks of prose under root (outermost ones, not inside skipped or hidden regions),
    with their characters outside links, in document order."""
    out: list[tuple[etree._Element, int]] = []
    clear: dict[etree._Element, bool] = {}  # the element and its ancestors are all shown
    inside_counted: set[etree._Element] = set()

    def shown(el: etree._Element) -> bool:
        chain = []
        node: etree._Element | None = el
        verdict = True
        while node is not None:
            known = clear.get(node)
            if known is not None:
                verdict = known
                break
            chain.append(node)
            node = node.getparent()
        for node in reversed(chain):
            verdict = verdict and not (node.tag in SKIP_TAGS or is_hidden(node) or skip(node))
            clear[node] = verdict
        return verdict

    for el in root.iter(*_PARA_TAGS):
        if el in inside_counted or not shown(el):
            continue
        total = _text_length(el)
        if total < PARA_MIN:
            continue
        links = sum(_text_length(a) for a in el.iter("a") if a.get("href"))
        if total - links >= PARA_MIN and links < PARA_LINKS * total:
            out.append((el, total - links))
            inside_counted.update(el.iterdescendants(*_PARA_TAGS))
    return out


_text_length_of = etree.XPath("string-length(normalize-space())")


def _text_length(el: etree._Element) -> int:
    return int(_text_length_of(el))


def held(text: str, elements: list[etree._Element]) -> list[float]:
    """The share of text's 4-word runs that each element's text holds; [] when text has none."""
    runs = _runs(normalize(text))
    if not runs:
        return []
    return [len(runs & _runs(normalize(" ".join(el.itertext())))) / len(runs)
            for el in elements]


def _page_prose(doc: etree._Element, skip: Callable[[etree._Element], bool]
                ) -> list[tuple[etree._Element, int]]:
    """The prose blocks of the page's <body> (article_text)."""
    return [b for body in [el for el in doc if el.tag == "body"] or [doc]
            for b in article_text(body, skip)]


def _chain(el: etree._Element) -> list[etree._Element]:
    """el and its ancestors below <body>, innermost first."""
    return [el, *(a for a in el.iterancestors() if a.tag not in ("body", "html"))]


def _held_along(blocks: list[tuple[etree._Element, int]], chain: list[etree._Element]
                ) -> list[int]:
    """For each element of chain (innermost first), the characters of the blocks inside it
    (or that it is)."""
    chars = [0] * len(chain)
    level_of = {id(el): level for level, el in enumerate(chain)}
    for el, n in blocks:
        for node in (el, *el.iterancestors()):
            level = level_of.get(id(node))
            if level is not None:
                for up in range(level, len(chain)):
                    chars[up] += n
                break
    return chars


def prose_holder(doc: etree._Element, skip: Callable[[etree._Element], bool]
                 ) -> tuple[etree._Element | None, float, bool]:
    """Where no element is named or shaped as the content: the element whose paragraphs of
    prose (article_text) hold the most text, a paragraph counting in full for its parent and
    half for its grandparent; or its parent, when that and not it holds WIDE of the page's
    prose and is nearly as dense in prose (an article split in two sibling boxes); with the
    share of the page's prose it holds and whether it was widened. (None, 0.0, False) when the
    page has under HOLDER_MIN_CHARS of prose."""
    score: dict[etree._Element, float] = {}
    blocks = _page_prose(doc, skip)
    for block, chars in blocks:
        parent = block.getparent()
        if parent is None:
            continue
        score[parent] = score.get(parent, 0) + chars
        grand = parent.getparent()
        if grand is not None and grand.tag not in ("body", "html"):
            score[grand] = score.get(grand, 0) + chars / 2
    total = sum(chars for _, chars in blocks)
    if not score or total < HOLDER_MIN_CHARS:
        return None, 0.0, False
    best = max(score, key=score.__getitem__)
    chain = _chain(best)[:2]
    held_chars = _held_along(blocks, chain)
    # Widen to the parent holding WIDE of the prose (an article split in two boxes), unless it
    # is mostly other text (the page's wrapper, with its teasers and footer).
    density = held_chars[0] / max(1, _text_length(best))
    if (len(chain) == 2 and held_chars[0] < WIDE * total <= held_chars[1]
            and held_chars[1] >= DENSE * density * _text_length(chain[1])):
        return chain[1], held_chars[1] / total, True
    return best, held_chars[0] / total, False


# A parent widened to is as dense in prose as this share of the element it widens.
DENSE = 0.8
# A page with less prose than this (a copyright line, a caption) has no prose holder.
HOLDER_MIN_CHARS = 120


def warning(decision: Decision, what: str) -> str:
    """The record's warning for a decision that changed the container."""
    return (f"content container held {decision.inside:.0%} of the page's article text and "
            f"{decision.held:.0%} of trafilatura's; {what}")


def describe(el: etree._Element) -> str:
    """<tag id class> of an element, for a warning."""
    attrs = "".join(f' {name}="{el.get(name)}"' for name in ("id", "class") if el.get(name))
    return f"<{el.tag}{attrs}>"


# Below this many characters of article-like text the container "holds little" (LITTLE): the
# page's prose holder replaces another post's card, else the body's own comparison with
# trafilatura decides (body.py); the review is for containers with real text.
_LITTLE_CHARS = 250


def review(doc: etree._Element, content: etree._Element, boilerplate: set[etree._Element],
           probes: list[str], read: Callable[[], str]) -> tuple[Decision, etree._Element | None]:
    """The decision on a chosen container and the container to use (None: trafilatura's body).
    probes: runs of words of the page's JSON-LD articleBody (container.probes_of); read():
    trafilatura's text of the whole page, called only when the container is suspect."""
    ancestors = list(content.iterancestors())
    skipped = boilerplate - set(ancestors) - {content}
    blocks = _page_prose(doc, skipped.__contains__)
    page = sum(n for _, n in blocks)
    chain = _chain(content)
    chars = _held_along(blocks, chain)
    if chars[0] < _LITTLE_CHARS:
        return LITTLE, content
    if not suspect(chars[0], page):
        return KEEP, content
    text = normalize(" ".join(content.itertext()))
    declared = bool(probes) and all(p in text for p in probes)
    decision = decide(chars, page, [] if declared else held(read(), chain), declared)
    if decision.action == "widen":
        return decision, chain[decision.level]
    if decision.action == "fallback":
        return decision, None
    return decision, content
