"""The typed record that extraction produces: one article page, every contract field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str
    urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Related:
    title: str
    url: str


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass
class ArticleRecord:
    """Everything extraction knows of one article page (the content columns of the contract)."""

    url: str
    title: str
    body: str
    post_id: int | None = None
    series: str | None = None
    sections: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    published: dt.date | None = None
    published_at: dt.datetime | None = None  # timezone-aware, UTC
    modified_at: dt.datetime | None = None  # timezone-aware, UTC
    footnotes: list[Footnote] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    word_count: int = 0
    # The page's language as it declares it (<html lang>, og:locale), primary subtag: ar, en.
    language: str | None = None
    # Problems worth a look that did not stop extraction (marker without a note, date
    # disagreement, no date...). Recorded with the run, never part of the content.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-friendly dict (dates as ISO strings), used by golden tests and exports."""
        out = dataclasses.asdict(self)
        for key in ("published", "published_at", "modified_at"):
            value = out[key]
            out[key] = value.isoformat() if value is not None else None
        return out


class ExtractionError(Exception):
    """The page cannot give an article (no title, no body, not HTML...)."""
