"""Discovery and routing: menu → section listings → articles, plus sitemap, feed, REST and revisits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DownloadTimeoutError, ResponseDataLossError
from scrapy.http import Response
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web.http import _DataLoss  # Twisted names a short body only privately

from crawler import discovery
from crawler.extraction import charset_of
from crawler.items import ArticlePage, FetchFailure, Gone, NotModified
from crawler.revisit import RevisitPolicy
from crawler.urls import canonical_url, post_id_from_url, site_root

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
    """Walks the site the way a reader would, and asks the archive what it already holds."""

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

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.site = site_root(kwargs.get("site") or settings.get("NCMES_SITE"))
        spider.mode = kwargs.get("mode") or settings.get("NCMES_MODE")
        spider.limit = int(kwargs.get("limit") or settings.getint("NCMES_LIMIT"))
        spider.use_sitemap = settings.getbool("NCMES_USE_SITEMAP")
        spider.use_feed = settings.getbool("NCMES_USE_FEED")
        spider.use_rest = settings.getbool("NCMES_USE_REST")
        spider.max_listing_pages = settings.getint("NCMES_MAX_LISTING_PAGES")
        if spider.archive is None:
            # Started by `scrapy crawl site` (scrapyd): open and lock the archive ourselves.
            from crawler.archive.store import Archive

            spider.archive = Archive(settings.get("ARCHIVE_DIR"))
            spider.archive.acquire_lock()
            spider.owns_lock = True
        spider.policy = RevisitPolicy.from_settings(settings, spider.archive)
        # Offsite filtering of redirects by host; canonical_url checks the port as well.
        spider.allowed_domains = [urlsplit(spider.site).hostname or ""]
        spider._setup_state()
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    def _on_idle(self) -> None:
        requests = self.recheck_unlisted()
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _setup_state(self) -> None:
        self.requested: set[str] = set()  # canonical article URLs asked this run
        self.listed: set[str] = set()  # canonical article URLs the site lists now
        self.listed_sections: dict[str, list[str]] = {}
        self.listing_seen: dict[str, set[str]] = {}  # per section listing: its posts so far
        self.lastmod: dict[str, dt.datetime] = {}  # from sitemap and REST
        self.articles_requested = 0
        self.discovery_complete = True  # every listing walked to its end, or a whole sitemap
        self.sitemap_read = False
        self.rechecked = False
        self.site_reached = False
        # The first phase reads the home page and the sitemap; what they show decides
        # whether the section listings must be walked this run.
        self.sections: list[discovery.Section] = []
        self.phase_pending = 0
        self.new_seen = False  # a URL the archive does not know turned up
        self.home_posts = 0
        self.sitemap_lastmods = 0
        self.rest_read = False

    # -- start --------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self._start_requests():
            yield request

    def _start_requests(self) -> Iterable[scrapy.Request]:
        yield self._phase_request(self.site + "/", self.parse_home, PRIORITY_LISTING + 5, kind="home")
        if self.use_sitemap:
            yield self._phase_request(
                self.site + "/wp-sitemap.xml", self.parse_sitemap, PRIORITY_SIGNALS,
                kind="sitemap", fallback=self.site + "/sitemap_index.xml",
            )
        since = self.policy.changed_since()
        if self.use_rest and self.mode == "incremental" and since is not None:
            # Posts modified since the last completed run (WordPress 5.7+): a signal that
            # no caching plugin leaves stale, and new posts in any section.
            yield self._rest_request(since, 1)

    def _phase_request(self, url: str, callback: Any, priority: int, **meta: Any) -> scrapy.Request:
        self.phase_pending += 1
        return self._request(url, callback, priority, phase=True, **meta)

    def _phase_end(self, request: scrapy.Request) -> Iterable[scrapy.Request]:
        """Called once per answered (or failed) first-phase request; the last one decides."""
        if not request.meta.get("phase"):
            return
        self.phase_pending -= 1
        if self.phase_pending == 0:
            yield from self._after_first_phase()

    def _after_first_phase(self) -> Iterable[scrapy.Request]:
        if self._listing_walk_needed():
            for section in self.sections:
                yield self._request(
                    section.url, self.parse_listing, PRIORITY_LISTING,
                    kind="listing", section=section.name, section_root=section.url, page=1,
                )
        else:
            # The home page lists the newest posts of every section, and neither it nor the
            # sitemap shows a post the archive lacks: the section listings, newest first,
            # would show only what the archive holds. They are walked every EVERY_RUNS runs.
            self.discovery_complete = False
            self.crawler.stats.set_value("ncmes/listings_skipped", len(self.sections))
        # Known articles due for a check (or all of them, --full), whether or not a listing
        # or the sitemap shows them this run.
        for url in self._known_urls():
            if url in self.requested or not (self._archived(url) or self.mode == "full"):
                continue  # a withdrawn article is asked again only when the site lists it
            if self._wants(url):
                request = self._article_request(url, PRIORITY_ARTICLE)
                if request is not None:
                    yield request
        signals_missing = self.sitemap_lastmods == 0 and not self.rest_read
        if self.use_feed and (signals_missing or not self.archive.state or self.mode == "full"):
            yield self._request(self.site + "/feed/", self.parse_feed, PRIORITY_SIGNALS, kind="feed")

    def _listing_walk_needed(self) -> bool:
        return (
            self.mode == "full"
            or not self.archive.state
            or self.new_seen
            or self.home_posts == 0
            or self.policy.listing_walk_due()
        )

    def _request(self, url: str, callback: Any, priority: int, **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, priority=priority, meta=meta
        )

    def _rest_request(self, since: dt.datetime, page: int) -> scrapy.Request:
        stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        url = (
            f"{self.site}/wp-json/wp/v2/posts?modified_after={stamp}&per_page=100"
            f"&page={page}&_fields=id,link,modified_gmt"
        )
        return self._phase_request(url, self.parse_rest, PRIORITY_SIGNALS, kind="rest", since=since, page=page)

    # -- discovery ----------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterable[Any]:
        if not self._ok(response):
            self.discovery_complete = False
            yield from self._page_failure(response)
            yield from self._phase_end(response.request)
            return
        self.site_reached = True
        self.sections = discovery.menu_sections(response.body, response.url, self.site)
        self.crawler.stats.set_value("ncmes/sections", len(self.sections))
        if not self.sections:
            self.discovery_complete = False
            self.logger.warning("no section found in the home page's menu: %s", response.url)
        # The home page lists the latest posts of every section: the site's newest listing.
        posts = discovery.listing_articles(response.body, response.url, self.site)
        self.home_posts = len(posts)
        yield from self._consider(posts)
        yield from self._phase_end(response.request)

    def parse_listing(self, response: Response) -> Iterable[Any]:
        if not self._ok(response):
            self.discovery_complete = False
            yield from self._page_failure(response)
            return
        self.site_reached = True
        section = response.meta["section"]
        articles = discovery.listing_articles(response.body, response.url, self.site)
        # New to this listing (not to the run: the sitemap may have named them all already).
        seen = self.listing_seen.setdefault(response.meta["section_root"], set())
        fresh = [url for url in articles if url not in seen]
        seen.update(articles)
        for url in articles:
            self.listed.add(url)
            names = self.listed_sections.setdefault(url, [])
            if section not in names:
                names.append(section)
        yield from self._consider(articles)
        page = response.meta["page"]
        if not articles or not fresh:
            return  # an empty or repeating page: the listing's end (or a loop)
        if self.mode == "incremental" and all(self._archived(url) for url in articles):
            # Newest first: a whole page of archived articles means the rest of this listing
            # is older still. Stop paging; due articles are asked from the archive's state.
            self.discovery_complete = False
            self.crawler.stats.inc_value("ncmes/listings_stopped_early")
            return
        if page >= self.max_listing_pages:
            self.discovery_complete = False
            self.logger.warning("listing %s: stopped at page %d", response.meta["section_root"], page)
            return
        for url in discovery.listing_pages(response.body, response.url, self.site):
            if discovery.page_number(url) == page + 1:
                yield self._request(
                    url, self.parse_listing, PRIORITY_LISTING,
                    kind="listing", section=section,
                    section_root=response.meta["section_root"], page=page + 1,
                )

    def parse_sitemap(self, response: Response) -> Iterable[Any]:
        if response.status in (404, 410):
            fallback = response.meta.get("fallback")
            if fallback:
                yield self._phase_request(fallback, self.parse_sitemap, PRIORITY_SIGNALS, kind="sitemap")
        elif not self._ok(response):
            yield from self._page_failure(response)
        else:
            yield from self._read_sitemap(response)
        yield from self._phase_end(response.request)

    def _read_sitemap(self, response: Response) -> Iterable[Any]:
        children, entries = discovery.sitemap(response.body)
        for child in children:
            name = child.rsplit("/", 1)[-1].lower()
            # Taxonomy, user and page sitemaps list no posts (WordPress core and Yoast names).
            if canonical_url(child, self.site) is not None and not any(
                word in name
                for word in ("taxonom", "user", "author", "category", "tag", "posts-page", "page-sitemap")
            ):
                yield self._phase_request(child, self.parse_sitemap, PRIORITY_SIGNALS, kind="sitemap")
        urls: list[str] = []
        for entry in entries:
            canon = canonical_url(entry.loc, self.site)
            if canon is None:
                continue
            urls.append(canon)
            if entry.lastmod is not None:
                self.lastmod[canon] = entry.lastmod
                self.sitemap_lastmods += 1
        posts = discovery.canonical_posts(urls, self.site)
        if entries:
            self.sitemap_read = True
        self.listed.update(posts)
        yield from self._consider(posts, priority=PRIORITY_ARTICLE - 1)

    def parse_feed(self, response: Response) -> Iterable[Any]:
        if not self._ok(response):
            return  # a feed is a help, not a need
        posts = discovery.canonical_posts(discovery.feed_links(response.body), self.site)
        self.listed.update(posts)
        yield from self._consider(posts)

    def parse_rest(self, response: Response) -> Iterable[Any]:
        if self._ok(response):
            yield from self._read_rest(response)
        # Many sites close the REST API (401, 403, 404): listings and sitemap still work.
        yield from self._phase_end(response.request)

    def _read_rest(self, response: Response) -> Iterable[Any]:
        entries = discovery.rest_posts(response.body)
        if response.headers.get(b"X-WP-Total") is not None:
            self.rest_read = True
        urls = []
        for entry in entries:
            canon = canonical_url(entry.loc, self.site)
            if canon is None:
                continue
            urls.append(canon)
            if entry.lastmod is not None:
                previous = self.lastmod.get(canon)
                self.lastmod[canon] = max(entry.lastmod, previous) if previous else entry.lastmod
        yield from self._consider(discovery.canonical_posts(urls, self.site))
        total_pages = int(response.headers.get(b"X-WP-TotalPages", b"1") or 1)
        page = response.meta["page"]
        if page < min(total_pages, 100):
            yield self._rest_request(response.meta["since"], page + 1)

    # -- articles -----------------------------------------------------------------------

    def _known_urls(self) -> list[str]:
        """The archive's URLs on this site (an archive may also hold another origin's, such
        as a mirror crawled before): never ask another server."""
        return [url for url in list(self.archive.state) if canonical_url(url, self.site) == url]

    def _archived(self, url: str) -> bool:
        state = self.archive.state.get(url)
        return state is not None and state.status == "live"

    def _wants(self, url: str) -> bool:
        """Whether this run should fetch the article now (new, changed, due or full)."""
        state = self.archive.state.get(url)
        if state is None or self.mode == "full":
            return True
        if state.status != "live":
            return True  # withdrawn, now listed again
        return self.policy.is_due(state, self.lastmod.get(url))

    def _consider(self, urls: Iterable[str], priority: int = PRIORITY_ARTICLE) -> Iterable[scrapy.Request]:
        for url in urls:
            if url in self.requested:
                continue
            if url not in self.archive.state:
                self.new_seen = True
                self.crawler.stats.inc_value("ncmes/articles_new")
            if not self._wants(url):
                continue
            request = self._article_request(url, priority)
            if request is not None:
                yield request

    def _article_request(self, url: str, priority: int) -> scrapy.Request | None:
        if self.limit and self.articles_requested >= self.limit:
            return None
        self.requested.add(url)
        self.articles_requested += 1
        self.crawler.stats.inc_value("ncmes/articles_requested")
        headers: dict[str, str] = {}
        state = self.archive.state.get(url)
        if state is not None and self.mode != "full" and state.status == "live":
            if state.etag:
                headers["If-None-Match"] = state.etag
            if state.http_last_modified:
                headers["If-Modified-Since"] = state.http_last_modified
        # WordPress answers /4571 with a redirect to /4571/: ask the form it serves.
        return scrapy.Request(
            url + "/", callback=self.parse_article, errback=self.on_error, priority=priority,
            headers=headers, meta={"kind": "article", "canonical": url},
        )

    def parse_article(self, response: Response) -> Iterable[Any]:
        now = _utcnow()
        url = response.meta["canonical"]
        self.site_reached = True
        if response.status == 304:
            self.crawler.stats.inc_value("ncmes/not_modified")
            yield NotModified(
                url=url, fetched_at=now,
                etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                sitemap_lastmod=self.lastmod.get(url),
            )
            return
        if response.status in (404, 410):
            if url in self.archive.state:
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
        content_type = (_header(response, b"Content-Type") or "").lower()
        if content_type and "html" not in content_type:
            self.crawler.stats.inc_value("ncmes/failures")
            yield FetchFailure(
                url=url, stage="parse", error=f"not an HTML page ({content_type.split(';')[0]})",
                fetched_at=now,
            )
            return
        self.crawler.stats.inc_value("ncmes/pages_downloaded")
        yield ArticlePage(
            url=url,
            body=response.body,
            encoding=charset_of(content_type),
            fetched_at=now,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            sitemap_lastmod=self.lastmod.get(url),
            listed_sections=list(self.listed_sections.get(url, [])),
            warc=response.meta.get("warc"),
        )

    # -- the end of discovery -----------------------------------------------------------

    def recheck_unlisted(self) -> list[scrapy.Request]:
        """Known live articles the site no longer lists: ask them now (a withdrawal shows at once)."""
        if self.rechecked or not self.site_reached:
            return []
        self.rechecked = True
        if not (self.discovery_complete or self.sitemap_read):
            return []
        if self.limit and self.articles_requested >= self.limit:
            return []
        requests = []
        for url in self._known_urls():
            if self._archived(url) and url not in self.listed and url not in self.requested:
                request = self._article_request(url, PRIORITY_RECHECK)
                if request is not None:
                    self.crawler.stats.inc_value("ncmes/rechecked_unlisted")
                    requests.append(request)
        return requests

    # -- errors -------------------------------------------------------------------------

    def _ok(self, response: Response) -> bool:
        return 200 <= response.status < 300

    def _page_failure(self, response: Response) -> Iterable[FetchFailure]:
        self.crawler.stats.inc_value("ncmes/failures")
        yield FetchFailure(
            url=response.url, stage="fetch", error=f"HTTP {response.status}", fetched_at=_utcnow()
        )

    def on_error(self, failure: Failure) -> Iterable[Any]:
        request = failure.request
        yield from self._on_error(failure, request)
        yield from self._phase_end(request)

    def _on_error(self, failure: Failure, request: scrapy.Request) -> Iterable[Any]:
        kind = request.meta.get("kind")
        if kind in ("feed", "rest"):
            return  # optional helpers: their absence is normal on many sites
        if kind == "sitemap" and request.meta.get("fallback"):
            yield self._phase_request(request.meta["fallback"], self.parse_sitemap, PRIORITY_SIGNALS, kind="sitemap")
            return
        if kind == "home":
            self.discovery_complete = False
        if kind == "listing":
            self.discovery_complete = False
        url = request.meta.get("canonical", request.url)
        self.crawler.stats.inc_value("ncmes/failures")
        yield FetchFailure(url=url, stage="fetch", error=describe_failure(failure), fetched_at=_utcnow())



def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
