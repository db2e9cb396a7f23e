"""What the spider hands to the pipeline: fetched pages and fetch outcomes, nothing extracted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.archive.warc import Held


@dataclass
class ArticlePage:
    """An article page answered 200: its bytes go to extraction, off the reactor."""

    url: str  # canonical
    body: bytes
    encoding: str | None  # the charset the HTTP headers declare, if any
    fetched_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: dt.datetime | None = None
    # The sections of the listings that list the page, once discovery is complete; None
    # while it is not (a page naming no category then waits for DiscoveryDone).
    listed_sections: list[str] | None = field(default_factory=list)
    # (WARC file, offset, record id) of the answer's raw capture; until it is written, the
    # capture held for the extraction worker to serialize (resolved by the pipeline).
    warc: tuple[str, int, str] | Held | None = None
    fetch_url: str | None = None  # the URL form that answered (after any redirect)
    # Content codings of `body` still to undo (gzip, deflate: the extraction worker does it,
    # see crawler.workers.decode_body), and the most it may grow to (DOWNLOAD_MAXSIZE).
    codings: tuple[str, ...] = ()
    max_size: int = 0
    # Set by the pipeline when the page is refused as not the article (crawler.identity):
    # the refusal's kind, for the run's circuit breaker.
    refusal: str | None = None


@dataclass
class NotModified:
    """A conditional request answered 304: the archived version is confirmed."""

    url: str
    fetched_at: dt.datetime
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: dt.datetime | None = None
    fetch_url: str | None = None


@dataclass
class DiscoveryDone:
    """Every listing walk has ended: per article URL, the sections of the listings that list it."""

    sections: dict[str, list[str]]


@dataclass
class Gone:
    """A known article answered 404 or 410."""

    url: str
    status: int
    fetched_at: dt.datetime


@dataclass
class FetchFailure:
    """A page that could not be fetched or used (after retries)."""

    url: str
    stage: str  # fetch | parse | store
    error: str
    fetched_at: dt.datetime
    # The kind of refusal (crawler.identity, crawler.health) when the site answered
    # something other than what was asked (a challenge, a redirect off the site, a long
    # Retry-After), else None.
    refusal: str | None = None
