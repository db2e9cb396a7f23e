"""Turn an lxml subtree into text lines (one block per line) and inline text with link positions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from crawler.text import normalize

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr",
    "caption", "blockquote", "pre", "figure", "figcaption", "hr", "address", "details",
    "summary", "center", "body", "html",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "form", "button", "input", "select", "textarea",
    "iframe", "object", "embed", "svg", "canvas", "video", "audio", "nav", "aside", "img",
    "map", "head", "title", "meta", "link", "picture", "source",
})
# A table cell holding a heading, a table of its own or this much text lays out a page; it is
# not data: its rows are rendered as blocks, not as `a | b` lines.
_LAYOUT_CELL_CHARS = 400
_LAYOUT_MARKERS = etree.XPath(".//*[self::h1 or self::h2 or self::h3 or self::table]")


def is_layout_table(table: etree._Element) -> bool:
    """A table used for page layout (old sites): some cell holds a heading, a table or a
    long text."""
    for row in table.iter("tr"):
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            if _LAYOUT_MARKERS(cell) or sum(len(t) for t in cell.itertext()) > _LAYOUT_CELL_CHARS:
                return True
    return False


# Blocks whose kind a widget box does not override (structure kept whatever surrounds it).
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_KEEP_KIND = HEADINGS | {"tr", "figcaption", "caption"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_MARKER_DIGITS = re.compile(r"[0-9٠-٩۰-۹]+")


def tag_of(el: etree._Element) -> str | None:
    """Lower-case tag name, None for comments and processing instructions."""
    return el.tag.lower() if isinstance(el.tag, str) else None


# Collapsed accordion items and inactive tabs are hidden until clicked; their text is the
# article's all the same.
_WIDGET_PANEL = re.compile(
    r"(?:^|\s)(?:elementor-tab-content|elementor-toggle-content|su-tabs-pane|su-spoiler-content"
    r"|et_pb_toggle_content|et_pb_tab|fusion-panel|panel-collapse|collapse|tab-pane"
    r"|accordion-content|accordion-body|tabs-panel|kt-tab-inner-content|wp-block-details)"
    r"(?:\s|$)")


def is_hidden(el: etree._Element) -> bool:
    """Elements the reader never sees (hidden attribute, display:none); collapsed accordion
    and tab panels (by their ARIA role, whatever their classes, or a builder's class) are not
    hidden, only folded."""
    if el.get("hidden") is None and not (
            (style := el.get("style")) and _HIDDEN_STYLE.search(style)):
        return False
    return not (el.get("role") in _PANEL_ROLES or _WIDGET_PANEL.search(el.get("class") or ""))


# ARIA's roles of a tab's panel and of an accordion's section.
_PANEL_ROLES = frozenset({"tabpanel", "region"})


def is_wp_footnote_marker(el: etree._Element) -> bool:
    """`<sup data-fn class="fn">`: a WordPress footnotes-block marker."""
    return tag_of(el) == "sup" and (
        el.get("data-fn") is not None or "fn" in (el.get("class") or "").split()
    )


def is_word_footnote_marker(el: etree._Element) -> bool:
    """`<a href="#_ftn1">`: a marker pasted from Word (its note links back with _ftnref)."""
    href = (el.get("href") or "").strip()
    return tag_of(el) == "a" and href.startswith("#_ftn") and not href.startswith("#_ftnref")


def marker_text(el: etree._Element) -> str | None:
    """`[n]` in the digits the page uses, for a footnote marker element, else None."""
    match = _MARKER_DIGITS.search("".join(el.itertext()))
    return f"[{match.group(0)}]" if match else None


@dataclass
class Rendered:
    """Lines of text (one block each) and the hyperlinks met on the way, in order."""

    lines: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    # Beside each line: the tag of the block that holds it (`tr` for a table row), and how
    # many of its characters are link text.
    kinds: list[str] = field(default_factory=list)
    linked: list[int] = field(default_factory=list)
    # ... and the block element itself.
    elements: list[etree._Element] = field(default_factory=list)
    # Beside each link: the index of the line its text ends on.
    link_lines: list[int] = field(default_factory=list)


class _LineWriter:
    def __init__(self, root: etree._Element, skip: Callable[[etree._Element], bool],
                 boxes: set[etree._Element] | None = None,
                 teasers: set[etree._Element] | None = None,
                 cards: set[etree._Element] | None = None) -> None:
        self.skip = skip
        self.boxes = boxes or set()
        self.teasers = teasers or set()
        self.cards = cards or set()
        self.out = Rendered()
        self.buf: list[str] = []
        self.prefix = ""
        self.merge = 0
        self.layout = False
        # The open blocks, innermost last: (kind, element); the root's first.
        self.blocks: list[tuple[str, etree._Element]] = [("body", root)]
        self.linked = 0  # link characters in the buffer

    def flush(self) -> None:
        if self.merge:
            self.buf.append(" ")
            return
        line = normalize("".join(self.buf))
        self.buf = []
        if line:
            self.out.lines.append(self.prefix + line)
            self.out.kinds.append(self.blocks[-1][0])
            self.out.linked.append(min(self.linked, len(line)))
            self.out.elements.append(self.blocks[-1][1])
            self.prefix = ""
        self.linked = 0

    def walk(self, el: etree._Element) -> None:
        tag = tag_of(el)
        if tag is None or tag in SKIP_TAGS or self.skip(el) or is_hidden(el):
            return
        if ((tag == "sup" and is_wp_footnote_marker(el))
                or (tag == "a" and is_word_footnote_marker(el))):
            text = marker_text(el)
            if text:
                self.buf.append(text)
            return
        if tag == "br":
            self.flush()
            return
        if tag == "tr" and not self.layout:
            self._row(el)
            return
        if tag == "table":
            saved, self.layout = self.layout, is_layout_table(el)
            self.flush()
            self._children(el)
            self.flush()
            self.layout = saved
            return
        block = tag in BLOCK_TAGS or (self.layout and tag in ("td", "th"))
        if block:
            self.flush()
        if tag == "li":
            self.prefix = "- "
        if tag == "blockquote":
            self.merge += 1
        if block:
            in_box = el in self.boxes or el.getparent() in self.boxes
            plain = tag if tag in BLOCK_TAGS else "td"
            # A heading keeps its kind in a widget's box and over a strip of teasers, not in
            # one post's card: there it is that post's headline (or kicker, or subline).
            kind = ("headline" if tag in HEADINGS and el in self.cards else
                    plain if tag in _KEEP_KIND else "widget" if in_box else
                    "teaser" if el in self.teasers else plain)
            self.blocks.append((kind, el))
        start = len(self.buf)
        self._children(el)
        if tag == "a":
            href = (el.get("href") or "").strip()
            if href:
                text = normalize("".join(self.buf[start:]))
                self.out.links.append((text, href))
                self.out.link_lines.append(len(self.out.lines))
                self.linked += len(text)
        if tag == "blockquote":
            self.merge -= 1
        if block:
            self.flush()
            self.blocks.pop()

    def _children(self, el: etree._Element) -> None:
        if el.text:
            self.buf.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buf.append(child.tail)

    def _row(self, tr: etree._Element) -> None:
        self.flush()
        cells: list[str] = []
        saved = self.buf
        self.merge += 1
        for cell in tr:
            if tag_of(cell) not in ("td", "th") or self.skip(cell):
                continue
            self.buf = []
            self._children(cell)
            cells.append(normalize("".join(self.buf)))
        self.merge -= 1
        self.buf = saved
        if any(cells):
            self.flush()
            self.out.lines.append(" | ".join(cells))
            self.out.kinds.append("tr")
            self.out.linked.append(0)
            self.out.elements.append(tr)
        self.linked = 0


# Interactive elements: a block beside one (in the same small box) is part of a widget (a
# video player's error, a consent placeholder, a newsletter box), not of the text.
CONTROL_TAGS = ("button", "input", "select", "textarea", "iframe", "video", "audio", "embed",
                "object")
_WIDGET_BOX_CHARS = 300
# A newsletter form sits in wrappers of its own beside its pitch: three levels up.
_WIDGET_BOX_LEVELS = 3


def widget_boxes(root: etree._Element) -> set[etree._Element]:
    """The small boxes (_WIDGET_BOX_LEVELS up at most, at most _WIDGET_BOX_CHARS of text) around the
    interactive elements under root."""
    boxes: set[etree._Element] = set()
    for control in root.iter(*CONTROL_TAGS):
        node = control.getparent()
        for _ in range(_WIDGET_BOX_LEVELS):
            if node is None or node is root or node in boxes:
                break
            if sum(len(t) for t in node.itertext()) > _WIDGET_BOX_CHARS:
                break
            boxes.add(node)
            node = node.getparent()
    return boxes


def render_lines(root: etree._Element, skip: Callable[[etree._Element], bool],
                 teasers: set[etree._Element] | None = None,
                 cards: set[etree._Element] | None = None) -> Rendered:
    """One line per block of root's visible text; skip(el) drops an element and its subtree.
    A block's kind is `widget` in a small box around a control (widget_boxes), `teaser` when
    it is one of `teasers` (the elements of other posts' teaser boxes: container.closure),
    `headline` for a heading among `cards` (the elements of cards that link one post)."""
    writer = _LineWriter(root, skip, widget_boxes(root), teasers, cards)
    writer._children(root)
    writer.flush()
    return writer.out


def inline_with_urls(
    elements: Iterable[etree._Element], skip: Callable[[etree._Element], bool]
) -> tuple[str, list[tuple[int, str]]]:
    """Raw text of elements (br and blocks as newlines) with (offset, href) of each link."""
    parts: list[str] = []
    hrefs: list[tuple[int, str]] = []
    size = 0

    def add(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text)

    def walk(el: etree._Element) -> None:
        tag = tag_of(el)
        if tag is None or tag in SKIP_TAGS or skip(el) or is_hidden(el):
            return
        if tag == "br" or tag in BLOCK_TAGS:
            add("\n")
        if tag == "a" and el.get("href"):
            hrefs.append((size, el.get("href", "").strip()))
        if el.text:
            add(el.text)
        for child in el:
            walk(child)
            if child.tail:
                add(child.tail)
        if tag in BLOCK_TAGS:
            add("\n")

    for element in elements:
        walk(element)
        add("\n")
    return "".join(parts), hrefs


def markup_without(roots: Iterable[etree._Element], drop: set[etree._Element],
                   keep_tails: bool = True) -> str:
    """The roots as HTML without the dropped subtrees (the page is untouched: a root holding
    any is serialised from a copy). A dropped element's tail text is its parent's and stays,
    unless not keep_tails (the text that trails a teaser box is the teaser's)."""
    parts = []
    for root in roots:
        if not any(node in drop for node in root.iterdescendants()):
            parts.append(etree.tostring(root, method="html", encoding="unicode", with_tail=False))
            continue
        twin_root = deepcopy(root)
        doomed = [twin for node, twin in zip(root.iter(), twin_root.iter(), strict=True)
                  if node in drop and node is not root]
        for twin in doomed:  # each has a parent: the root is never dropped
            parent = twin.getparent()
            if keep_tails and twin.tail:
                before = twin.getprevious()
                if before is not None:
                    before.tail = (before.tail or "") + twin.tail
                else:
                    parent.text = (parent.text or "") + twin.tail
            parent.remove(twin)
        twin_root.tail = None
        parts.append(etree.tostring(twin_root, method="html", encoding="unicode"))
    return "".join(parts)
