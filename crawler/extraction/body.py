"""The article's main text: locate the content container, render one block per line, clean up."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from crawler.text import has_words, is_sentence, normalize, normalize_lines, word_count

from .bylines import take_signature
from .chrome import aligned, second_opinion
from .container import closure, text_elsewhere
from .dates import is_date_only
from .dating import teaser_cards, teaser_links
from .render import Rendered, is_layout_table, markup_without, render_lines

# A byline paragraph opening or closing the text: "إعداد: د. فلان", "بقلم/ فلان".
BYLINE_RE = re.compile(
    r"^(?:إعداد|اعداد|بقلم|كتب|كتبه|كتبت|تأليف|الكاتب|الكاتبة)"
    r"(?:\s+(?:الباحث|الباحثة|الباحثين))?"
    # "بقلم د. فلان" is written without a colon when a title follows the label.
    r"(?:\s*[:：/\-–]\s*|\s+(?=(?:د|أ|م|أ\.د)\.|الدكتور|الدكتورة|الأستاذ|الأستاذة|السفير|اللواء))"
    r"(?P<names>.+)$"
)
# ... and in English: "By Jane Doe", "Written by: Jane Doe and John Roe", "By Jane Doe, Staff
# Writer" (names capitalised: a sentence opening "By the end of ..." is no byline).
ENGLISH_BYLINE_RE = re.compile(
    r"^(?:By|BY|Written by|Words by)\s*:?\s+"
    r"(?P<names>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&))*)"
    r"(?:,\s*[A-Z][\w.'’-]*(?:\s+[\w.'’-]+){0,3})?$"
)
# Lines that theme widgets or plugins drop into the content area on some pages.
_BOILERPLATE_LINES = frozenset({
    "search", "scroll to top", "بحث", "شارك", "شارك المقال", "شارك هذا المقال", "مشاركة",
    "share", "share this:", "share this", "like this:", "loading...", "related", "print",
    "طباعة", "مقالات ذات صلة", "موضوعات ذات صلة", "اقرأ أيضا", "اقرأ أيضًا", "اقرأ ايضا",
})
_COUNTER_RE = re.compile(
    r"^(?:عدد\s+)?(?:المشاهدات|مشاهدات|المشاهدة|القراءات|قراءات|زيارات|post views|views|reads)"
    r"\s*[:：]?\s*[\d٠-٩,.]+\s*(?:مشاهدة|views)?$",
    re.IGNORECASE,
)
_HEAD_LINES = 3
_TAIL_LINES = 3


@dataclass
class BodyResult:
    """Body text, its hyperlinks (text, raw href) and the byline names taken out of it."""

    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    byline: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    via: str = "container"
    note: str = ""


def _is_date_line(line: str) -> bool:
    """A date, alone or with a label, a weekday, a time ("Posted: Fri 6:45 PM, Feb 16, 2018"),
    never a sentence that holds one."""
    return len(line.split()) <= _DATE_LINE_WORDS and is_date_only(line)


_DATE_LINE_WORDS = 8
_HEAD_SCAN = 12
_PROSE_WORDS = 12


def _is_prose(line: str) -> bool:
    return is_sentence(line, _PROSE_WORDS)


def _is_boilerplate_line(line: str) -> bool:
    lowered = line.casefold()
    return lowered in _BOILERPLATE_LINES or bool(_COUNTER_RE.match(line))


def clean_lines(lines: list[str], title: str) -> tuple[list[str], list[str], list[str]]:
    """Drop repeated title, date line, byline, widget leftovers: (lines, bylines, date lines)."""
    title_key = normalize(title).rstrip(":：")
    kept: list[str] = []
    bylines: list[str] = []
    dates: list[str] = []
    prose_seen = False
    for index, line in enumerate(lines):
        near_edge = index < _HEAD_LINES or index >= len(lines) - _TAIL_LINES
        # A date line stands in the head, which runs on to the first sentence of prose (past
        # a gallery's titles, a kicker) within its first lines, or at the foot; past the first
        # three, a list's item or a table's row is the text's own (a chronology, key dates).
        in_head = near_edge or (index < _HEAD_SCAN and not prose_seen
                                and not line.startswith("- ") and " | " not in line)
        prose_seen = prose_seen or _is_prose(line)
        if _is_boilerplate_line(line):
            continue
        if near_edge and title_key and line.rstrip(":：") == title_key:
            continue
        if in_head and _is_date_line(line):
            dates.append(line)
            continue
        match = BYLINE_RE.match(line) or ENGLISH_BYLINE_RE.match(line)
        if near_edge and match and len(line.split()) <= 14:
            bylines.append(match.group("names"))
            continue
        kept.append(line)
    return kept, bylines, dates


# The container "yields little" below this many words: trafilatura then reads the whole page,
# and its text is kept when it is clearly more (at least _BETTER times as many words and
# _MORE more).
LITTLE_WORDS = 50
_BETTER = 2.0
_MORE = 40
# ... unless the page holds less plain text than this outside the container and its chrome.
_ELSEWHERE_CHARS = 250
# trafilatura's settings, chosen by measurement on labelled real pages (bench/extraction.py
# --pages): its defaults score the F1 of favor_recall and keep the FAQ/accordion sections
# that favor_precision drops; comments are never the article.
TRAFILATURA_OPTIONS = {
    "include_comments": False, "deduplicate": False, "include_tables": True,
    "include_links": False, "output_format": "txt", "with_metadata": False,
}


def extract_body(
    doc: etree._Element,
    url: str,
    title: str,
    root: etree._Element | None,
    skip: set[etree._Element],
    whole_page: Callable[[], str],
    site: str = "",
    opinion: Callable[[], str] | None = None,
) -> BodyResult:
    """The cleaned body of the page: the container's, or trafilatura's when that holds little
    (whole_page(): trafilatura's text of the whole page, read once by the caller; site: the
    page's site, whose other posts' teasers in the container are suspect lines; opinion():
    trafilatura's text the suspect lines are checked against, by default its reading of the
    container alone)."""
    ours = BodyResult(via="none")
    if root is not None:
        rendered = render_container(root, skip, url, site)
        lines, bylines, dates = clean_lines(rendered.lines, title)
        lines, signed = take_signature(lines)
        kinds, linked, elements, at = aligned(lines, rendered.lines, rendered.kinds,
                                              rendered.linked, rendered.elements,
                                              range(len(rendered.lines)))
        kept, dropped = second_opinion(lines, kinds, linked, rendered.links,
                                       opinion or (lambda: _trafilatura_text(
                                           _fragment(root, skip), url, True)),
                                       title, elements)
        links = rendered.links
        if dropped:  # the links of the lines that went go with them
            still = set(aligned(kept, lines, range(len(lines)))[0])
            gone = {at[i] for i in range(len(lines)) if i not in still}
            links = [link for link, line in zip(links, rendered.link_lines, strict=True)
                     if line not in gone]
        lines = kept
        ours = BodyResult("\n".join(lines), links, bylines + signed, dates, "container")
        if has_words(ours.text, LITTLE_WORDS):
            return ours
        if text_elsewhere(doc, root, skip) < _ELSEWHERE_CHARS:
            return ours  # a short article: nothing else on the page to compare with
    # No container, or one that holds little: let trafilatura read the whole page; links and
    # structure are then only as good as its plain-text output.
    theirs = _trafilatura_body(whole_page(), title)
    ours_words, theirs_words = word_count(ours.text), word_count(theirs.text)
    if root is None:
        return theirs
    if theirs_words >= max(_BETTER * ours_words, ours_words + _MORE):
        theirs.via = "trafilatura-better"
        theirs.note = (f"content container held {ours_words} words; body from trafilatura "
                       f"({theirs_words} words)")
        return theirs
    return ours


def render_container(root: etree._Element, skip: set[etree._Element], url: str,
                     site: str) -> Rendered:
    """The container's lines, with other posts' teasers (of the page's `site`) marked: the
    lines of their boxes, and the headings of their cards (dating.teaser_cards)."""
    # A card's picture link counts: a suspect line is only dropped when trafilatura agrees.
    links = teaser_links(root, url, site, pictures=True, inline=False) if site else []
    return render_lines(root, lambda el: el in skip, closure(box for _, box in links),
                        closure(teaser_cards(links, url, site)))


def whole_page_text(doc: etree._Element, html: str, url: str) -> str:
    """trafilatura's text of the whole page, as the body's fallback reads it."""
    return _trafilatura_text(_without_layout_tables(doc) or html, url)


def _without_layout_tables(doc: etree._Element) -> str | None:
    """The page with its layout tables turned into plain blocks (trafilatura would read such a
    table as data and put the whole page on one `a | b` line); None when it has none."""
    if not any(is_layout_table(t) for t in doc.iter("table")):
        return None
    flat = copy.deepcopy(doc)
    for table in list(flat.iter("table")):
        if is_layout_table(table):
            for el in [table, *table.iter("thead", "tbody", "tfoot", "tr", "td", "th")]:
                el.tag = "div"
    return etree.tostring(flat, encoding="unicode", method="html")


def _fragment(root: etree._Element, skip: set[etree._Element]) -> str:
    """The container alone as a page, for trafilatura's second opinion on its blocks: without
    the parts already decided (boilerplate, notes), which only cost its reading time."""
    return "<html><body>" + markup_without([root], skip) + "</body></html>"


def _trafilatura_text(html: str, url: str, opinion: bool = False) -> str:
    """trafilatura's text of a page; as a second opinion on our container's lines (only the
    suspect ones are decided by it), fast and favouring precision: on the development halves
    of the public corpora that reads 0.960 F1 against 0.957 for its default settings."""
    import trafilatura  # only here: importing it costs a quarter second, most pages never need it

    return trafilatura.extract(html, url=url, fast=opinion, favor_precision=opinion,
                               **TRAFILATURA_OPTIONS) or ""


def _trafilatura_body(text: str, title: str) -> BodyResult:
    lines, bylines, dates = clean_lines(normalize_lines(text).split("\n") if text else [], title)
    lines, signed = take_signature(lines)
    return BodyResult("\n".join(lines), [], bylines + signed, dates, "trafilatura")
