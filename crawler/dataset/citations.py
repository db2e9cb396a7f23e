"""What the articles cite: each footnote split into its sources, one row per source and URL.

Pure: a footnote's text and URLs in, sources out. A note citing several sources joins them
with ` & ` (the site's habit, as in "..., Available at: URL & Author, Title, ..."). The split
is careful not to cut a name or a title that merely contains an ampersand: a piece with no
URL, no number and fewer than four words ("Smith & Jones", "Foreign & Commonwealth Office")
stays with its neighbour, and a piece that is nothing but URLs is more URLs of the source
before it. URLs are given to the source whose text holds them; a URL that was only a link
(not written in the text) goes, by its place among the note's URLs, to the first source
between its neighbours that has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from crawler.archive.schema import CITATIONS

_SEPARATOR = re.compile(r"\s+&\s+")
_URL = re.compile(r"https?://\S+")
_NUMBER = re.compile(r"[0-9٠-٩۰-۹]")
_WORDY = re.compile(r"\w")
_MIN_WORDS = 4


@dataclass(frozen=True)
class Source:
    """One source a footnote cites: its text and the URLs it gives (possibly none)."""

    text: str
    urls: tuple[str, ...] = ()


def _is_only_urls(piece: str) -> bool:
    return bool(_URL.search(piece)) and not _WORDY.search(_URL.sub("", piece))


def _stands_alone(piece: str) -> bool:
    """A piece long or specific enough to be a source of its own."""
    return bool(_URL.search(piece) or _NUMBER.search(piece)) or len(piece.split()) >= _MIN_WORDS


def _pieces(text: str) -> list[str]:
    raw = [p.strip() for p in _SEPARATOR.split(text.strip())]
    raw = [p for p in raw if p]
    out: list[str] = []
    waiting: list[str] = []  # short pieces waiting to join the next source
    for piece in raw:
        if out and not waiting and _is_only_urls(piece):
            out[-1] = f"{out[-1]} & {piece}"
        elif _stands_alone(piece):
            out.append(" & ".join([*waiting, piece]))
            waiting = []
        else:
            waiting.append(piece)
    if waiting:
        rest = " & ".join(waiting)
        if out and not _stands_alone(rest):
            out[-1] = f"{out[-1]} & {rest}"
        else:
            out.append(rest)
    return out


def _holds(piece: str, url: str) -> bool:
    return url in piece or unquote(url) in unquote(piece)


def split_sources(text: str, urls: Sequence[str]) -> list[Source]:
    """The sources of one footnote, in order; every URL of the note given to exactly one."""
    pieces = _pieces(text)
    if not pieces:
        return [Source("", tuple(urls))] if urls else []
    # Where each URL is written: searched from the previous URL's piece on, since the note's
    # URLs come in the order they appear.
    placed: list[int | None] = []
    cursor = 0
    for url in urls:
        found = next((i for i in range(cursor, len(pieces)) if _holds(pieces[i], url)), None)
        if found is None:
            found = next((i for i in range(cursor) if _holds(pieces[i], url)), None)
        placed.append(found)
        if found is not None:
            cursor = found
    owners: list[list[int]] = [[] for _ in pieces]
    for index, where in enumerate(placed):
        if where is not None:
            owners[where].append(index)
    for index, where in enumerate(placed):
        if where is not None:
            continue
        before = [p for p in placed[:index] if p is not None]
        after = [p for p in placed[index + 1 :] if p is not None]
        lo = before[-1] if before else 0
        hi = max(lo, after[0] if after else len(pieces) - 1)
        free = [i for i in range(lo, hi + 1) if not owners[i]]
        target = free[0] if free else lo
        owners[target].append(index)
        placed[index] = target
    return [
        Source(piece, tuple(urls[i] for i in sorted(owners[n]))) for n, piece in enumerate(pieces)
    ]


def source_domain(url: str | None) -> str | None:
    """The host a URL points to, lower-cased, without `www.`; None when it has none."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def citation_rows(article: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The citations rows of one article row (articles table): one per source and URL."""
    for note in article["footnotes"] or []:
        for index, source in enumerate(split_sources(note["text"], note["urls"] or []), 1):
            for url in source.urls or (None,):
                yield {
                    "url": article["url"],
                    "post_id": article["post_id"],
                    "published": article["published"],
                    "sections": list(article["sections"] or []),
                    "language": article["language"],
                    "footnote": int(note["number"]),
                    "source_index": index,
                    "source": source.text,
                    "source_url": url,
                    "source_domain": source_domain(url),
                }


def citations_table(articles: pa.Table) -> pa.Table:
    """The citations of the given articles, by article URL, footnote and source."""
    columns = ["url", "post_id", "published", "sections", "language", "footnotes"]
    rows = [row for article in articles.select(columns).to_pylist() for row in citation_rows(article)]
    return pa.Table.from_pylist(rows, schema=CITATIONS)
