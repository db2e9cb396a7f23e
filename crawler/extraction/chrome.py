"""Chrome inside the content container, decided on generic evidence with a second opinion.

No list of class names holds every site's chrome ("Advertisement", "Image 1 of 9", "Most
read", a video player's error, a consent placeholder). A rendered line is *suspect* when it
looks like chrome: short without a sentence's ending, no punctuation at all, mostly link text,
the same line more than once in the container, before the headline, in a small box beside
an interactive element (a player's error beside its button, a consent placeholder), or in a
small box with a link to another post of the site (a "most read" or "related" teaser). Headings,
table rows, lines with note markers, captions and document links are never suspect: they are
structure only we extract; but a heading in another post's card is that post's headline. When
the container has suspects, trafilatura reads the container on its own, and a suspect line goes
when trafilatura's text does not hold it; prose trafilatura keeps, and every line that is not
suspect, stays.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

from lxml import etree

from crawler.text import MARKER_RE, normalize

from .render import HEADINGS

# A line under this many words without a sentence's ending is suspect.
SHORT_WORDS = 8
# ... and so is one under this many words with no punctuation at all (a teaser's headline).
BARE_WORDS = 16
# ... and one whose link text is at least this share of its characters.
LINK_SHARE = 0.5
# A suspect line of at least this many words is in trafilatura's text when this share of its
# 4-word runs is; a shorter one when trafilatura has it as a substring.
IN_TEXT_SHARE = 0.5
_RUN = 4
# Suspects holding less than this share of the container's characters are left alone: the
# second reading costs more than they could change.
MIN_SUSPECT_SHARE = 0.02
_NEVER_SUSPECT = HEADINGS | {"tr", "td", "th", "pre", "caption", "dt", "dd"}
# Another post's headline (a heading in its card) is suspect, and heads the lines after it.
_HEADING_KINDS = HEADINGS | {"headline"}
_TEASERS = frozenset({"teaser", "headline"})
# Captions are kept by policy, unless the same caption is printed again (a gallery's slides).
_CAPTIONS = frozenset({"figcaption"})
# A link to a document (the report's PDF) is the article's, however short its line.
_DOCUMENT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|epub|zip)(?:[?#]|$)", re.IGNORECASE)
_ENDING = re.compile(r"[.!?؟…:;\"”’»)\]]\s*$")
_PUNCTUATION = re.compile(r"[.!?؟،,;؛:…]")
_WORD = re.compile(r"\w+")


def suspects(lines: list[str], kinds: list[str], linked: list[int],
             links: list[tuple[str, str]] = (), title: str = "") -> list[bool]:
    """For each line, whether it looks like chrome (module docstring); links: (text, href) of
    the links in the lines; title: the headline (what the container holds before it, and the
    headline itself, are suspect: a gallery, a kicker, a video player)."""
    counts = Counter(lines)
    documents = [text for text, href in links if text and _DOCUMENT.search(href)]
    headline = normalize(title).rstrip(":：").casefold()
    before = next((i for i, line in enumerate(lines)
                   if headline and line.rstrip(":：").casefold() == headline), -1)
    out = []
    for index, (line, kind, link_chars) in enumerate(zip(lines, kinds, linked, strict=True)):
        if index <= before:
            out.append(True)
            continue
        if (kind in _NEVER_SUSPECT or MARKER_RE.search(line)  # a note's line, or one with a marker
                or (kind in _CAPTIONS and counts[line] == 1)
                or any(text in line for text in documents)):
            out.append(False)
            continue
        words = len(_WORD.findall(line))
        out.append(
            kind in ("widget", *_TEASERS)
            or (words < SHORT_WORDS and not _ENDING.search(line))
            or (words < BARE_WORDS and not _PUNCTUATION.search(line))
            or link_chars >= LINK_SHARE * len(line)
            or counts[line] > 1
        )
    return out


def _runs(text: str) -> set[tuple[str, ...]]:
    tokens = _WORD.findall(text.casefold())
    return {tuple(tokens[i:i + _RUN]) for i in range(len(tokens) - _RUN + 1)}


def _spaced_words(text: str) -> str:
    """The text's words, one space apart and between spaces, where the words of a line too
    short to have a 4-word run are looked for in a row (a substring search)."""
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


def in_text(line: str, text: str, text_runs: set[tuple[str, ...]],
            spaced: Callable[[], str]) -> bool:
    """Whether trafilatura's text holds the line: most of its 4-word runs; a shorter line, its
    words in a row (spaced(): _spaced_words(text), built on first use); a lone number, as a
    line of its own."""
    runs = _runs(line)
    if runs:
        return sum(run in text_runs for run in runs) >= IN_TEXT_SHARE * len(runs)
    words = tuple(_WORD.findall(line.casefold()))
    if not words:
        return False
    if len(words) == 1 and words[0].isdigit():  # a counter ("6" photos) is in no sentence
        return any(tuple(_WORD.findall(other)) == words for other in text.split("\n"))
    return f" {' '.join(words)} " in spaced()


def second_opinion(lines: list[str], kinds: list[str], linked: list[int],
                   links: list[tuple[str, str]], read: Callable[[], str],
                   title: str = "", elements: list[etree._Element] | None = None,
                   ) -> tuple[list[str], int]:
    """The lines without the suspects that trafilatura's text (read(), called only when there
    are suspects) does not hold; and how many were dropped. elements: each line's block
    element, when known (a heading whose box holds only dropped lines goes with them)."""
    flagged = suspects(lines, kinds, linked, links, title)
    suspect_chars = sum(len(line) for line, suspect in zip(lines, flagged, strict=True) if suspect)
    if suspect_chars < MIN_SUSPECT_SHARE * sum(len(line) for line in lines):
        return lines, 0  # too little to be worth a second reading
    text = normalize(read()).casefold()
    if not text:
        return lines, 0  # no opinion: keep everything
    text_runs, spaced = _runs(text), cache(lambda: _spaced_words(text))
    keep = [not suspect or in_text(line, text, text_runs, spaced)
            for line, suspect in zip(lines, flagged, strict=True)]
    _drop_empty_headings(kinds, keep)
    if elements is not None:
        _drop_headings_of_dropped_boxes(kinds, keep, elements)
    kept = [line for line, kept_line in zip(lines, keep, strict=True) if kept_line]
    if not kept:
        return lines, 0  # an opinion that leaves nothing is not one
    return kept, len(lines) - len(kept)


def _drop_empty_headings(kinds: list[str], keep: list[bool]) -> None:
    """A heading whose lines (up to the next heading or the end) all went is their title
    ("Most read", "Related topics"): it goes with them."""
    index = len(kinds) - 1
    section_kept = section_dropped = False
    while index >= 0:
        if kinds[index] in _HEADING_KINDS:
            if section_dropped and not section_kept:
                keep[index] = False
            section_kept = section_dropped = False
        elif keep[index]:
            section_kept = True
        else:
            section_dropped = True
        index -= 1


def _drop_headings_of_dropped_boxes(kinds: list[str], keep: list[bool],
                                    elements: list[etree._Element]) -> None:
    """A heading whose nearest enclosing element holding other lines holds only dropped ones,
    other posts' teasers among them, is their title ("Most read" over a strip of teasers,
    whatever follows the strip). A heading over a dropped photo credit stays."""
    if _TEASERS.isdisjoint(kinds):
        return
    under: dict[etree._Element, list[int]] = {}
    for index, el in enumerate(elements):
        for node in (el, *el.iterancestors()):
            under.setdefault(node, []).append(index)
    for index in reversed(range(len(kinds))):  # the headings inside a strip decide first
        if kinds[index] not in _HEADING_KINDS or not keep[index]:
            continue
        for node in elements[index].iterancestors():
            others = [j for j in under.get(node, ()) if j != index]
            if others:
                if not any(keep[j] for j in others) and any(kinds[j] in _TEASERS for j in others):
                    keep[index] = False
                break


def aligned(kept: list[str], lines: list[str], *columns: Sequence) -> list[list]:
    """The columns' values for kept, a subsequence of lines (the cleaned lines of a render)."""
    out: list[list] = [[] for _ in columns]
    at = 0
    for line in kept:
        while at < len(lines) and lines[at] != line:
            at += 1
        for values, column in zip(out, columns, strict=True):
            values.append(column[at] if at < len(lines) else column[-1] if column else "")
        at += 1
    return out
