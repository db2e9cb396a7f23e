"""Downloader middlewares: retries with backoff (Retry-After honoured) and the raw WARC capture."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task, threads

from crawler.archive.warc import Capture, WarcRecorder, log_failure, warcinfo
from crawler.wire import WIRE_META
from crawler.workers import WORKER_CODINGS

logger = logging.getLogger(__name__)


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


def retry_after_seconds(value: bytes | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, but waiting before each one: Retry-After when the server says, else
    an exponential backoff (RETRY_BACKOFF_BASE doubled each time, capped by RETRY_BACKOFF_MAX)."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")
        self.max_retry_after = settings.getfloat("NCMES_MAX_RETRY_AFTER") or self.backoff_max

    def _delay(self, request: Request, asked: float | None) -> float:
        """Seconds to wait before retrying: the answer's Retry-After (asked), else the backoff."""
        if asked is None:
            asked = self.backoff_base * (2 ** request.meta.get("retry_times", 0))
        return min(asked, self.backoff_max)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.max_retry_after:
            # Not held for that long: the spider records the answer and the run stops
            # (crawler/health.py).
            from crawler.health import RETRY_AFTER
            from crawler.redirects import REFUSAL_META

            request.meta[REFUSAL_META] = (
                RETRY_AFTER,
                f"HTTP {response.status} with Retry-After {asked:.0f} s, longer than the "
                f"{self.max_retry_after:.0f} s a run waits for",
            )
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        await _sleep(self._delay(request, asked))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await _sleep(self._delay(request, None))
        return retry


CODINGS_META = "codings"


class ArticleCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware, except for an article page answered 200 in gzip or
    deflate: its body stays as sent, and the extraction worker decompresses it (with the
    same DOWNLOAD_MAXSIZE), so the reactor thread spends nothing on it. The codings to undo
    go in request.meta["codings"] (with the size limit); every other answer, and other
    codings (br, zstd), are decompressed here as Scrapy does."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:  # type: ignore[override]
        request.meta.pop(CODINGS_META, None)  # a redirected or retried copy keeps its parent's meta
        if request.meta.get("kind") == "article" and response.status == 200 and request.method != "HEAD":
            codings = tuple(
                c for value in response.headers.getlist(b"Content-Encoding")
                for c in (part.strip().lower() for part in value.decode("latin-1").split(","))
                if c and c != "identity"
            )
            if codings and all(c in WORKER_CODINGS for c in codings):
                max_size = request.meta.get("download_maxsize", getattr(self, "_max_size", 0))
                request.meta[CODINGS_META] = (codings, max_size)
                return response
        return super().process_response(request, response)


class ArticleMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, which cannot read a body still compressed: such an
    article page is archived as answered (the worker says when it is only a meta refresh)."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:  # type: ignore[override]
        if CODINGS_META in request.meta:
            return response
        return super().process_response(request, response)


def _header_pairs(headers: Any) -> list[tuple[bytes, bytes]]:
    """(name, value) pairs of Scrapy Headers. Its keys are stored normalised, so they are read
    as a plain dict: Headers.items() would normalise each key again (this runs per answer,
    in the reactor thread)."""
    return [(k, v) for k, values in dict.items(headers) for v in values]


class RawCaptureMiddleware:
    """Writes every answer of the run, as the server sent it (before decompression), with
    the request as it was sent, to the run's WARC file (crawler.archive.warc); tells the
    pipeline where each article's record is (request.meta['warc']).

    Records are queued to one writer thread. An article's 200 is held instead
    (request.meta['warc'] is a warc.Held): the pipeline sends it to the extraction worker
    with the page, which makes its records, and the writer thread appends them; the page's
    version names where they went. A failed write is logged and counted (ncmes/warc_errors),
    never a failure of the page."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.recorder: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RawCaptureMiddleware:
        if not crawler.settings.getbool("ARCHIVE_WARC"):
            raise NotConfigured
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def spider_closed(self) -> None:
        if self.recorder is not None:
            # Drains the queue, closes the file and updates warc/index.cdxj: off the reactor.
            await maybe_deferred_to_future(threads.deferToThread(self.recorder.close))

    def _failed(self, url: str, exc: BaseException) -> None:
        """In the writer thread: a record could not be written."""
        log_failure(url, exc)
        reactor.callFromThread(self.crawler.stats.inc_value, "ncmes/warc_errors")

    def _recorder(self) -> Any:
        if self.recorder is None:
            spider = self.crawler.spider
            user_agent = self.crawler.settings.get("USER_AGENT")
            # The warcinfo fields (package versions read from disk) are made in the writer thread.
            self.recorder = WarcRecorder(
                spider.archive.root, spider.run_id,
                lambda: warcinfo(spider.run_id, spider.site, user_agent), self._failed,
            )
        return self.recorder

    async def process_response(self, request: Request, response: Response) -> Response:
        wire = request.meta.pop(WIRE_META, None)
        capture = Capture(
            url=response.url,
            status=response.status,
            headers=_header_pairs(response.headers),
            body=response.body,
            fetched_at=dt.datetime.now(dt.UTC),
            method=request.method,
            wire=wire,
            # Only a request not recorded as sent is rebuilt from Scrapy's headers.
            request_headers=[] if wire and wire.get("request") else _header_pairs(request.headers),
            ip_address=str(response.ip_address) if response.ip_address is not None else None,
        )
        self.crawler.stats.inc_value("ncmes/warc_records")
        recorder = self._recorder()
        if request.meta.get("kind") != "article" or response.status != 200:
            recorder.submit(capture)
            return response
        # The article's version will name its record: the pipeline's archive thread waits
        # for held.written (where the record went, or why it could not be written), so the
        # reactor never waits on the writer.
        request.meta["warc"] = recorder.hold(capture)
        return response
