"""Footnotes in their three WordPress forms: Word export, footnotes block, plain [n] text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from crawler.text import MARKER_RE, digits_value, normalize, to_western_digits

from ..urls import joined
from . import selectors as sel
from .container import inside
from .record import Footnote
from .render import BLOCK_TAGS, inline_with_urls, tag_of

_DIGITS = r"[0-9٠-٩۰-۹]+"
_LABEL_AT_START = re.compile(rf"^[\s\u200e\u200f\u061c]*[\[(]\s*({_DIGITS})\s*[\])]\s*[-.:]?")
_LINE_LABEL = re.compile(rf"(?m)^[ \t\u00a0\u200e\u200f\u061c]*\[\s*({_DIGITS})\s*\]")
_URL_RE = re.compile(r"https?://[^\s<>\"“”«»]+")
_URL_TRAILING = ".,;:!?'\"’”»،؛…>]}"
_BACK_ARROWS = re.compile(r"[\s\u21a9\u2191\u2934\u2935\ufe0e\ufe0f^]+$")
_NOTES_HEADING = re.compile(
    r"^(?:ال)?(?:هوامش|مراجع|مصادر|إحالات|احالات|حواشي)\s*(?:والمراجع|والمصادر)?\s*[:：]?$"
    r"|^(?:footnotes|notes|references|sources)\s*:?$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^[\s_\-–—*=·.]+$")
_WORD_NOTE_ID = re.compile(r"_ftn(?:ref)?(\d+)")


@dataclass
class FootnoteResult:
    """The notes found, the elements that hold them (kept out of the body) and any warnings."""

    footnotes: list[Footnote] = field(default_factory=list)
    note_elements: set[etree._Element] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def trim_url(url: str) -> str:
    """A written-out URL without the sentence punctuation that follows it."""
    while url and url[-1] in _URL_TRAILING + ")":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def note_urls(text: str, hrefs: list[tuple[int, str]], base: str) -> list[str]:
    """Every URL a note cites, linked or written out, in order of appearance, once each."""
    found: list[tuple[int, int, str]] = []
    for order, (offset, href) in enumerate(hrefs):
        absolute = joined(base, href) if base else href
        if absolute.startswith(("http://", "https://")) and not href.startswith("#"):
            found.append((offset, order, trim_url(absolute)))
    for match in _URL_RE.finditer(text):
        found.append((match.start(), len(hrefs) + match.start(), trim_url(match.group(0))))
    found.sort(key=lambda item: (item[0], item[1]))
    urls: list[str] = []
    for _, _, url in found:
        if url and url not in urls:
            urls.append(url)
    return urls


def clean_note_text(text: str) -> str:
    """Note text without a leading [n] label or a trailing back-link arrow."""
    text = normalize(text)
    text = _LABEL_AT_START.sub("", text, count=1)
    return normalize(_BACK_ARROWS.sub("", text))


def _wp_block_lists(doc: etree._Element) -> list[etree._Element]:
    """The footnotes block's lists: by its class, else (a theme or a copy that renamed it) the
    lists whose items the footnotes block's markers (`<sup data-fn>`, WordPress's own
    attribute) link to."""
    lists = sel.WP_FOOTNOTE_LISTS(doc)
    if lists:
        return lists
    targets = {href[1:] for sup in doc.iter("sup") if sup.get("data-fn") is not None
               for a in sup.iter("a") if (href := a.get("href") or "").startswith("#")}
    if not targets:
        return []
    found: list[etree._Element] = []
    for li in doc.iter("li"):
        parent = li.getparent()
        if (li.get("id") in targets and parent is not None and tag_of(parent) == "ol"
                and parent not in found):
            found.append(parent)
    return found


def _wp_block_notes(doc: etree._Element, base: str, out: FootnoteResult) -> None:
    for ol in _wp_block_lists(doc):
        out.note_elements.add(ol)
        start = digits_value(ol.get("start") or "1") or 1
        items = [li for li in ol if tag_of(li) == "li"]
        for index, li in enumerate(items):

            def is_back_link(el: etree._Element) -> bool:
                href = el.get("href") or ""
                return tag_of(el) == "a" and href.startswith("#") and (
                    href.endswith("-link") or not normalize("".join(el.itertext())).strip("↩︎↑^ ")
                )

            raw, hrefs = inline_with_urls([li], is_back_link)
            out.footnotes.append(
                Footnote(start + index, clean_note_text(raw), note_urls(raw, hrefs, base))
            )


def _word_note_holder(label: etree._Element, root: etree._Element) -> etree._Element:
    # Word wraps each note in <div id="ftnN"> (possibly several paragraphs); otherwise the
    # note is the label's own paragraph.
    ancestors = []
    for ancestor in label.iterancestors():
        if ancestor is root:
            break
        ancestors.append(ancestor)
    for ancestor in ancestors:
        if re.fullmatch(r"_?ftn\d+", ancestor.get("id") or ""):
            return ancestor
    for ancestor in ancestors:
        if tag_of(ancestor) in ("p", "li", "td", "dd"):
            return ancestor
    return ancestors[0] if ancestors else label


def _word_notes(root: etree._Element, base: str, out: FootnoteResult) -> None:
    for label in sel.WORD_NOTE_LABELS(root):
        if inside(label, out.note_elements):
            continue
        ident = _WORD_NOTE_ID.search((label.get("href") or "") + " " + (label.get("name") or ""))
        number = int(ident.group(1)) if ident else digits_value(
            "".join(label.itertext()).strip("[] ")
        )
        if number is None:
            continue
        holder = _word_note_holder(label, root)
        out.note_elements.add(holder)
        raw, hrefs = inline_with_urls([holder], lambda el, label=label: el is label)
        out.footnotes.append(Footnote(number, clean_note_text(raw), note_urls(raw, hrefs, base)))


# A "[" in text a reader sees (a script's or a style's is none).
_HAS_BRACKET = etree.XPath("boolean(descendant-or-self::text()[contains(., '[')]"
                           "[not(parent::script or parent::style)])")


_LEAF_TAGS = frozenset({"p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote"})


def _leaf_blocks(root: etree._Element) -> list[etree._Element]:
    """The blocks under root (root too) that hold no other block, in document order."""
    holders: set[etree._Element] = set()  # elements with a block inside them
    elements = list(root.iter())
    for el in elements:
        if el is not root and tag_of(el) in BLOCK_TAGS:
            for ancestor in el.iterancestors():
                if ancestor in holders:
                    break
                holders.add(ancestor)
                if ancestor is root:
                    break
    return [el for el in elements if el not in holders and tag_of(el) in _LEAF_TAGS]


def _is_note_block(text: str) -> bool:
    return bool(_LABEL_AT_START.match(text)) and text.lstrip().startswith("[")


def _note_run(blocks: list[tuple[etree._Element, str]]) -> list[etree._Element]:
    """The blocks of the plain notes: the last run of `[n] ...` blocks (with the separators and
    the notes heading before it), when it ends the text or when at least half of its numbers
    are markers in the text before it (the notes, followed by chrome the page prints after
    them: share buttons, comments); else none."""
    last = len(blocks) - 1
    while last >= 0 and not _is_note_block(blocks[last][1]):
        last -= 1
    if last < 0:
        return []
    first = last
    while first > 0 and (_is_note_block(blocks[first - 1][1])
                         or _SEPARATOR.match(blocks[first - 1][1]) or not blocks[first - 1][1]):
        first -= 1
    if first > 0 and _NOTES_HEADING.match(blocks[first - 1][1]):
        first -= 1
    if all(not text or _SEPARATOR.match(text) for _, text in blocks[last + 1:]):
        return [el for el, _ in blocks[first:]]
    numbers = {int(to_western_digits(m.group(1)))
               for _, text in blocks[first:last + 1] for m in _LINE_LABEL.finditer(text)}
    before = {int(to_western_digits(m.group(1)))
              for _, text in blocks[:first] for m in MARKER_RE.finditer(text)}
    if numbers and 2 * len(numbers & before) >= len(numbers):
        return [el for el, _ in blocks[first:last + 1]]
    return []


def _plain_notes(
    root: etree._Element, skip: set[etree._Element], base: str, out: FootnoteResult
) -> None:
    if not _HAS_BRACKET(root):
        return  # every note block starts with "[": most pages have none to look for
    blocks = [(el, normalize("".join(el.itertext()))) for el in _leaf_blocks(root)
              if not inside(el, skip) and not inside(el, out.note_elements)]
    notes = []
    for el in _note_run(blocks):
        out.note_elements.add(el)
        raw, hrefs = inline_with_urls([el], lambda _el: False)
        labels = list(_LINE_LABEL.finditer(raw))
        for i, label in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(raw)
            seg = raw[label.end():end]
            seg_hrefs = [(off - label.end(), h) for off, h in hrefs if label.start() <= off < end]
            number = int(to_western_digits(label.group(1)))
            notes.append(Footnote(number, clean_note_text(seg), note_urls(seg, seg_hrefs, base)))
    out.footnotes.extend(notes)


def find_footnotes(
    doc: etree._Element, root: etree._Element, skip: set[etree._Element], base: str
) -> FootnoteResult:
    """All notes of the page, in page order within each form, and the elements holding them."""
    out = FootnoteResult()
    _wp_block_notes(doc, base, out)
    _word_notes(root, base, out)
    _plain_notes(root, skip, base, out)
    return out


def without_notes(text: str, footnotes: list[Footnote]) -> str:
    """Another reader's text of the page (trafilatura's, which read the notes as text) without
    the lines of the notes found, labelled (`[n] ...`) or as list items (`- ...`, the
    footnotes block), nor the notes heading and separators before them."""
    if not footnotes:
        return text
    labelled = {(f.number, normalize(f.text)) for f in footnotes}
    texts = {normalize(f.text) for f in footnotes}

    def is_labelled_note(line: str) -> bool:
        label = _LABEL_AT_START.match(line)
        return label is not None and (
            digits_value(label.group(1)), clean_note_text(line)) in labelled

    lines = text.split("\n")
    keep = [not is_labelled_note(line) for line in lines]
    # A list whose every item is a note's text is the footnotes block; a body list that merely
    # repeats one note ("المصدر نفسه") stays.
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and lines[end].startswith("- "):
            end += 1
        if end > start and all(clean_note_text(line[2:]) in texts for line in lines[start:end]):
            keep[start:end] = [False] * (end - start)
        start = end + 1 if end == start else end
    for index in range(len(lines) - 1, 0, -1):
        if not keep[index]:  # the heading and separators right above a dropped note go too
            above = index - 1
            while above >= 0 and keep[above] and _SEPARATOR.match(lines[above]):
                keep[above] = False
                above -= 1
            if above >= 0 and keep[above] and _NOTES_HEADING.match(lines[above].strip()):
                keep[above] = False
    return "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)


def marker_numbers(body: str) -> list[int]:
    """The numbers of the `[n]` markers left in the body text, in order."""
    return [int(to_western_digits(m.group(1))) for m in MARKER_RE.finditer(body)]


def check_markers(body: str, footnotes: list[Footnote]) -> list[str]:
    """Warnings when markers in the text and notes disagree (both are kept as found)."""
    markers = set(marker_numbers(body))
    notes = [f.number for f in footnotes]
    warnings = []
    missing_notes = sorted(markers - set(notes))
    if missing_notes:
        warnings.append(f"footnote markers without a note: {missing_notes}")
    missing_markers = sorted(set(notes) - markers)
    if missing_markers:
        warnings.append(f"footnotes without a marker in the text: {missing_markers}")
    duplicates = sorted({n for n in notes if notes.count(n) > 1})
    if duplicates:
        warnings.append(f"footnote numbers used by more than one note: {duplicates}")
    return warnings
