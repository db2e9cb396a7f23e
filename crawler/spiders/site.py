"""Scrapy routing only: asks the crawl plan (crawler/plan.py) what to fetch and hands pages to the pipeline."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DownloadTimeoutError, ResponseDataLossError
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web.http import _DataLoss  # Twisted names a short body only privately

from crawler import discovery
from crawler.archive.warc import Held
from crawler.health import Breaker
from crawler.identity import describe_kind, page_looks_like
from crawler.items import ArticlePage, DiscoveryDone, FetchFailure, Gone, NotModified
from crawler.plan import WALK_CUT, WALK_SKIPPED, WALK_STOPPED, CrawlPlan, Fetch, ListingRecord, runs_of
from crawler.redirects import REFUSAL_META
from crawler.revisit import RevisitPolicy
from crawler.text import charset_of
from crawler.urls import canonical_url, is_same_site, post_id_from_url, site_root

# Discovery pages go first so that change signals (sitemap lastmod, REST modified) are known
# before the articles they concern are scheduled; listings before articles for the same reason.
PRIORITY_SIGNALS = 30
PRIORITY_LISTING = 20
PRIORITY_ARTICLE = 0
PRIORITY_RECHECK = -10


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Scrapy's wording when DOWNLOAD_MAXSIZE cancels a download (Content-Length, bytes received,
# or the decompressed size).
_MAXSIZE = re.compile(r"larger than download max size \((\d+)\)|exceeded DOWNLOAD_MAXSIZE \((\d+) B\)")
_TIMEOUT = re.compile(r"took longer than ([\d.]+) seconds")


def describe_failure(failure: Failure) -> str:
    """One line naming what went wrong with a request."""
    exc = failure.value
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    text = " ".join(str(exc).split())
    if match := _MAXSIZE.search(text):
        return f"response larger than {match.group(1) or match.group(2)} bytes"
    if isinstance(exc, ResponseDataLossError):
        return "response body shorter than its Content-Length (connection closed)"
    if isinstance(exc, DownloadTimeoutError) or (match := _TIMEOUT.search(text)):
        seconds = match.group(1) if match else "?"
        return f"timeout: no complete answer within {seconds} s"
    # Twisted wraps the cause in a list of Failures: name the first cause, not the repr.
    reasons = getattr(exc, "reasons", None) or getattr(exc.__cause__, "reasons", None)
    if reasons:
        cause = reasons[0].value
        if isinstance(cause, _DataLoss):
            return "response body shorter than its Content-Length (connection closed)"
        if isinstance(cause, (ConnectionLost, ConnectionDone)):
            return "connection closed by the server before a complete response"
        text = f"{type(cause).__name__}: {' '.join(str(cause).split())}"
    elif text:
        text = f"{type(exc).__name__}: {text}"
    else:
        text = type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


class SiteSpider(scrapy.Spider):
    """Turns the crawl plan's decisions into requests and what the site answers into items."""

    name = "site"
    # 304 is an answer (not modified); 404 and 410 remove a known article.
    handle_httpstatus_list = [304, 404, 410]
    custom_settings: dict[str, Any] = {}

    def __init__(self, *args: Any, archive: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.archive = archive
        # True when the spider opened the archive itself (scrapy crawl, scrapyd): the
        # pipeline then releases the lock once the run is recorded.
        self.owns_lock = False
        self.known: Mapping[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.site = site_root(kwargs.get("site") or settings.get("NCMES_SITE"))
        spider.mode = kwargs.get("mode") or settings.get("NCMES_MODE")
        spider.limit = int(kwargs.get("limit") or settings.getint("NCMES_LIMIT"))
        if spider.archive is None:
            # Started by `scrapy crawl site` (scrapyd): open and lock the archive ourselves.
            from crawler.archive.writer import Archive

            spider.archive = Archive(
                settings.get("ARCHIVE_DIR"),
                snapshot_parts=settings.getint("ARCHIVE_SNAPSHOT_PARTS"),
                snapshot_seconds=settings.getfloat("ARCHIVE_SNAPSHOT_SECONDS"),
                compact_parts=settings.getint("ARCHIVE_COMPACT_PARTS"),
            )
            spider.archive.acquire_lock()
            spider.owns_lock = True
        # A frozen view of the archive's articles as the run starts: the plan and the
        # requests read it, never the writer's state.
        spider.known = spider.archive.known()
        # Everything the plan knows of earlier runs is this site's: an archive may hold
        # another edition's runs and articles.
        spider.policy = RevisitPolicy.from_settings(settings, spider.archive, site=spider.site)
        spider.plan = CrawlPlan(
            spider.site,
            policy=spider.policy,
            known=spider.known,
            listings=[ListingRecord.from_row(r) for r in spider.archive.read_listings(spider.site)],
            runs=runs_of(spider.archive.read_runs().to_pylist(), spider.site),
            mode=spider.mode,
            limit=spider.limit,
            use_sitemap=settings.getbool("NCMES_USE_SITEMAP"),
            use_rest=settings.getbool("NCMES_USE_REST"),
            use_feed=settings.getbool("NCMES_USE_FEED"),
            max_listing_pages=settings.getint("NCMES_MAX_LISTING_PAGES"),
        )
        # Offsite filtering of redirects by host; canonical_url checks the port as well.
        spider.allowed_domains = [urlsplit(spider.site).hostname or ""]
        spider.site_reached = False
        spider.discovery_announced = False
        # Each callback bound once: Scrapy caches what it learns of a callback (whether a
        # generator returns a value, found by reading its source) per callback object, and a
        # method bound anew for each request would be read again for every answer.
        spider.callbacks = {kind: getattr(spider, name) for kind, name in spider._CALLBACKS.items()}
        spider.errback = spider.on_error
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        # The circuit breaker: every article answer, and every refused answer, goes through it.
        spider.health = Breaker(
            window=settings.getint("NCMES_BREAKER_WINDOW"),
            min_answers=settings.getint("NCMES_BREAKER_MIN_ANSWERS"),
            ratio=settings.getfloat("NCMES_BREAKER_RATIO"),
        )
        spider.known_at_start = sum(1 for url in spider.known if is_same_site(url, spider.site))
        crawler.signals.connect(spider._on_item, signal=signals.item_scraped)
        return spider

    def _on_item(self, item: Any) -> None:
        """An item the pipeline has stored: to the circuit breaker; the run stops when it trips."""
        if isinstance(item, (ArticlePage, FetchFailure)):
            kind = item.refusal
            if kind is None and isinstance(item, FetchFailure):
                return  # a failure of the usual kind: neither a refusal nor a usable answer
            # A failure's text is "refused (KIND): what the site said" (_refusal).
            detail = item.error.removeprefix(f"refused ({kind}): ") if isinstance(item, FetchFailure) else ""
        elif isinstance(item, (NotModified, Gone)):
            kind, detail = None, ""
        else:
            return
        if self.health.observe(kind, item.url, detail) is not None:
            self.logger.info("stopping the run: %s", self.health.tripped.describe())
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="site_refused"))

    def _on_idle(self) -> None:
        requests = [self._request_for(f) for f in self.plan.recheck()]
        for request in requests:
            self.crawler.stats.inc_value("ncmes/rechecked_unlisted")
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    # -- decisions to requests -------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._follow(self.plan.start()):
            yield request

    def _follow(self, fetches: list[Fetch]) -> Iterable[Any]:
        """Requests for the plan's fetches; then, once, the news that discovery is complete."""
        for fetch in fetches:
            yield self._request_for(fetch)
        if self.plan.discovery_complete and not self.discovery_announced:
            self.discovery_announced = True
            skipped = sum(1 for w in self.plan.walks.values() if w.outcome == WALK_SKIPPED)
            cut = sum(1 for w in self.plan.walks.values() if w.outcome == WALK_CUT)
            self.crawler.stats.set_value("ncmes/listings_skipped", skipped)
            self.crawler.stats.set_value("ncmes/listings_stopped_early", cut)
            yield DiscoveryDone(sections=self.plan.listed_sections())

    _CALLBACKS = {
        "home": "parse_home", "sitemap": "parse_sitemap", "rest": "parse_rest",
        "feed": "parse_feed", "listing": "parse_listing", "article": "parse_article",
    }

    def _request_for(self, fetch: Fetch) -> scrapy.Request:
        priority = {
            "home": PRIORITY_LISTING + 5, "listing": PRIORITY_LISTING,
            "sitemap": PRIORITY_SIGNALS, "rest": PRIORITY_SIGNALS, "feed": PRIORITY_SIGNALS,
        }.get(fetch.kind, PRIORITY_ARTICLE)
        headers: dict[str, str] = {}
        if fetch.kind == "article":
            self.crawler.stats.inc_value("ncmes/articles_requested")
            if fetch.canonical not in self.known:
                self.crawler.stats.inc_value("ncmes/articles_new")
            priority = PRIORITY_RECHECK if fetch.recheck else (
                PRIORITY_ARTICLE - 1 if fetch.source == "sitemap" else PRIORITY_ARTICLE
            )
            state = self.known.get(fetch.canonical)
            if fetch.conditional and state is not None:
                if state.etag:
                    headers["If-None-Match"] = state.etag
                if state.http_last_modified:
                    headers["If-Modified-Since"] = state.http_last_modified
        return scrapy.Request(
            fetch.url, callback=self.callbacks[fetch.kind], errback=self.errback,
            priority=priority, headers=headers,
            meta={"kind": fetch.kind, "fetch": fetch, "canonical": fetch.canonical or fetch.url},
        )

    # -- discovery ----------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterable[Any]:
        fetch: Fetch = response.meta["fetch"]
        if not self._ok(response):
            yield from self._page_failure(response)
            yield from self._follow(self.plan.on_failure(fetch))
            return
        self.site_reached = True
        page = discovery.parse_page(response.body, response.url)  # parsed once, read twice
        sections = discovery.menu_sections(page, response.url, self.site)
        self.crawler.stats.set_value("ncmes/sections", len(sections))
        if not sections:
            self.logger.warning("no section found in the home page's menu: %s", response.url)
        # The home page lists the latest posts of every section: the site's newest listing.
        posts = discovery.listing_posts(page, response.url, self.site)
        yield from self._follow(self.plan.on_home(fetch, sections, posts))

    def parse_listing(self, response: Response) -> Iterable[Any]:
        fetch: Fetch = response.meta["fetch"]
        if not self._ok(response):
            yield from self._page_failure(response)
            yield from self._follow(self.plan.on_failure(fetch))
            return
        self.site_reached = True
        page = discovery.parse_page(response.body, response.url)  # parsed once, read twice
        posts = discovery.listing_posts(page, response.url, self.site)
        next_page = next(
            (url for url in discovery.listing_pages(page, response.url, self.site)
             if discovery.page_number(url) == fetch.page + 1),
            None,
        )
        fetches = self.plan.on_listing(fetch, posts, next_page)
        if fetch.page >= self.plan.max_listing_pages and self.plan.walks[fetch.listing].outcome == WALK_STOPPED:
            self.logger.warning("listing %s: stopped at page %d", fetch.listing, fetch.page)
        yield from self._follow(fetches)

    def parse_sitemap(self, response: Response) -> Iterable[Any]:
        fetch: Fetch = response.meta["fetch"]
        if response.status in (404, 410):
            yield from self._follow(self.plan.on_sitemap_missing(fetch))
        elif not self._ok(response):
            yield from self._page_failure(response)
            yield from self._follow(self.plan.on_failure(Fetch("sitemap", fetch.url)))
        else:
            children, entries = discovery.sitemap(response.body)
            yield from self._follow(self.plan.on_sitemap(fetch, children, entries))

    def parse_feed(self, response: Response) -> Iterable[Any]:
        fetch: Fetch = response.meta["fetch"]
        links = discovery.feed_links(response.body) if self._ok(response) else []
        yield from self._follow(self.plan.on_feed(fetch, links))  # a feed is a help, not a need

    def parse_rest(self, response: Response) -> Iterable[Any]:
        fetch: Fetch = response.meta["fetch"]
        if not self._ok(response):
            # Many sites close the REST API (401, 403, 404): listings and sitemap still work.
            yield from self._follow(self.plan.on_failure(fetch))
            return
        entries = discovery.rest_posts(response.body)
        total = response.headers.get(b"X-WP-TotalPages")
        pages = int(total or 1) if response.headers.get(b"X-WP-Total") is not None else None
        yield from self._follow(self.plan.on_rest(fetch, entries, pages))

    # -- articles -----------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterable[Any]:
        now = _utcnow()
        url = response.meta["canonical"]
        self.site_reached = True
        if REFUSAL_META in response.meta:  # refused before its body was read (_refusal)
            self.crawler.stats.inc_value("ncmes/failures")
            kind, error = _refusal(response)
            yield FetchFailure(url=url, stage="fetch", error=error, fetched_at=now, refusal=kind)
            return
        answered = response.url.split("?", 1)[0].split("#", 1)[0]
        if response.status == 304:
            self.crawler.stats.inc_value("ncmes/not_modified")
            self.plan.on_article_answer(url, answered)
            yield NotModified(
                url=url, fetched_at=now,
                etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                sitemap_lastmod=self.plan.lastmod.get(url), fetch_url=answered,
            )
            return
        if response.status in (404, 410):
            if url in self.known:
                yield Gone(url=url, status=response.status, fetched_at=now)
            else:
                self.crawler.stats.inc_value("ncmes/failures")
                yield FetchFailure(url=url, stage="fetch", error=f"HTTP {response.status}", fetched_at=now)
            return
        final = canonical_url(response.url, self.site)
        if final is not None and final != url and post_id_from_url(final) is not None:
            # The site moved the post (a merged or renumbered article): archive it under
            # the URL it answers at, which listings will show from now on.
            self.logger.info("%s redirected to %s", url, final)
            url = final
        self.plan.on_article_answer(url, answered)
        content_type = (_header(response, b"Content-Type") or "").lower()
        if content_type and "html" not in content_type:
            if isinstance(held := response.meta.get("warc"), Held):
                held.release()  # archived as answered, by the WARC writer
            self.crawler.stats.inc_value("ncmes/failures")
            yield FetchFailure(
                url=url, stage="parse", error=f"not an HTML page ({content_type.split(';')[0]})",
                fetched_at=now,
            )
            return
        self.crawler.stats.inc_value("ncmes/pages_downloaded")
        complete = self.plan.discovery_complete
        codings, max_size = response.meta.get("codings") or ((), 0)
        yield ArticlePage(
            url=url,
            body=response.body,
            encoding=charset_of(content_type),
            fetched_at=now,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            sitemap_lastmod=self.plan.lastmod.get(url),
            # None while listings may still add a section: the pipeline then waits for
            # DiscoveryDone before storing a page that names no category.
            listed_sections=self.plan.listed_sections().get(url, []) if complete else None,
            warc=response.meta.get("warc"),
            fetch_url=answered,
            codings=codings,
            max_size=max_size,
        )

    # -- errors -------------------------------------------------------------------------

    def _ok(self, response: Response) -> bool:
        return 200 <= response.status < 300

    def _page_failure(self, response: Response) -> Iterable[FetchFailure]:
        self.crawler.stats.inc_value("ncmes/failures")
        kind, error = _refusal(response)
        yield FetchFailure(url=response.url, stage="fetch", error=error, fetched_at=_utcnow(), refusal=kind)

    def on_error(self, failure: Failure) -> Iterable[Any]:
        request = failure.request
        fetch: Fetch = request.meta["fetch"]
        if fetch.kind not in ("feed", "rest", "sitemap"):
            # Feed and REST are optional helpers (their absence is normal on many sites); a
            # missing sitemap is looked for under its other name first.
            url = request.meta.get("canonical", request.url)
            self.crawler.stats.inc_value("ncmes/failures")
            response = getattr(failure.value, "response", None)
            kind, error = _refusal(response) if response is not None else (None, describe_failure(failure))
            yield FetchFailure(url=url, stage="fetch", error=error, fetched_at=_utcnow(), refusal=kind)
        elif fetch.kind == "sitemap" and not fetch.fallback:
            self.crawler.stats.inc_value("ncmes/failures")
            yield FetchFailure(url=request.url, stage="fetch", error=describe_failure(failure), fetched_at=_utcnow())
        yield from self._follow(self.plan.on_failure(fetch))


def _refusal(response: Response) -> tuple[str | None, str]:
    """(refusal kind or None, one line) for an answer that is not 2xx: what the site said
    (crawler/redirects.py, a Retry-After the run will not wait for, or a page that looks
    like a challenge, a login wall, maintenance...)."""
    if (refusal := response.meta.get(REFUSAL_META)) is not None:
        return refusal[0], f"refused ({refusal[0]}): {refusal[1]}"
    error = f"HTTP {response.status}"
    if response.status >= 400 and response.body:
        looks = page_looks_like(response.body[:200_000].decode("utf-8", "replace"))
        if looks is not None:
            return looks, f"refused ({looks}): HTTP {response.status}, {describe_kind(looks)}"
    return None, error


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
