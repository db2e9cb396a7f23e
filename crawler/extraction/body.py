"""The article's main text: locate the content container, render one block per line, clean up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from . import selectors as sel
from .bylines import take_signature
from .dates import parse_shown_date
from .render import render_lines
from .text import normalize, normalize_lines

# A byline paragraph opening or closing the text: "إعداد: د. فلان", "بقلم/ فلان".
BYLINE_RE = re.compile(
    r"^(?:إعداد|اعداد|بقلم|كتب|كتبه|كتبت|تأليف|الكاتب|الكاتبة)"
    r"(?:\s+(?:الباحث|الباحثة|الباحثين))?"
    # "بقلم د. فلان" is written without a colon when a title follows the label.
    r"(?:\s*[:：/\-–]\s*|\s+(?=(?:د|أ|م|أ\.د)\.|الدكتور|الدكتورة|الأستاذ|الأستاذة|السفير|اللواء))"
    r"(?P<names>.+)$"
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


def _inside_any(el: etree._Element, group: set[etree._Element]) -> bool:
    return el in group or any(a in group for a in el.iterancestors())


def content_root(doc: etree._Element, boilerplate: set[etree._Element]) -> etree._Element | None:
    """The element holding the article text (Elementor post-content widget, entry-content, ...)."""
    for inside_ok in (False, True):
        # Second pass: a theme header whose <div>s are never closed makes the parser nest
        # the whole article inside <header>; the content container is still the content.
        for xpath in sel.CONTENT_CANDIDATES:
            for candidate in xpath(doc):
                if not inside_ok and _inside_any(candidate, boilerplate):
                    continue
                if normalize("".join(candidate.itertext())):
                    return candidate
    return None


def _is_date_line(line: str) -> bool:
    return len(line.split()) <= 6 and parse_shown_date(line) is not None


def _is_boilerplate_line(line: str) -> bool:
    lowered = line.casefold()
    return lowered in _BOILERPLATE_LINES or bool(_COUNTER_RE.match(line))


def clean_lines(lines: list[str], title: str) -> tuple[list[str], list[str], list[str]]:
    """Drop repeated title, date line, byline, widget leftovers: (lines, bylines, date lines)."""
    title_key = normalize(title).rstrip(":：")
    kept: list[str] = []
    bylines: list[str] = []
    dates: list[str] = []
    for index, line in enumerate(lines):
        near_edge = index < _HEAD_LINES or index >= len(lines) - _TAIL_LINES
        if _is_boilerplate_line(line):
            continue
        if near_edge and title_key and line.rstrip(":：") == title_key:
            continue
        if near_edge and _is_date_line(line):
            dates.append(line)
            continue
        match = BYLINE_RE.match(line)
        if near_edge and match and len(line.split()) <= 14:
            bylines.append(match.group("names"))
            continue
        kept.append(line)
    return kept, bylines, dates


def extract_body(
    doc: etree._Element,
    html: str,
    url: str,
    title: str,
    root: etree._Element | None,
    skip: set[etree._Element],
) -> BodyResult:
    """The cleaned body of the page; trafilatura is the fallback when no container is found."""
    if root is not None:
        rendered = render_lines(root, lambda el: el in skip)
        lines, bylines, dates = clean_lines(rendered.lines, title)
        lines, signed = take_signature(lines)
        return BodyResult("\n".join(lines), rendered.links, bylines + signed, dates, "container")
    # No WordPress container: let trafilatura find the text; links and structure are then
    # only as good as its plain-text output.
    import trafilatura  # only here: importing it costs a quarter second, most pages never need it

    text = trafilatura.extract(
        html, url=url, include_comments=False, deduplicate=False, include_tables=True,
        include_links=False, favor_precision=True, output_format="txt", with_metadata=False,
    ) or ""
    lines, bylines, dates = clean_lines(normalize_lines(text).split("\n") if text else [], title)
    lines, signed = take_signature(lines)
    return BodyResult("\n".join(lines), [], bylines + signed, dates, "trafilatura")
