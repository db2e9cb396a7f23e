"""Downloader middlewares: retries with backoff (Retry-After honoured) and the raw WARC capture."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import threading
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task, threads

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

    def _delay(self, request: Request, response: Response | None) -> float:
        retries = request.meta.get("retry_times", 0)
        delay = self.backoff_base * (2**retries)
        if response is not None:
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is not None:
                delay = asked
        return min(delay, self.backoff_max)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        await _sleep(self._delay(request, response))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await _sleep(self._delay(request, None))
        return retry


class RawCaptureMiddleware:
    """Writes each article response, as the server sent it (before decompression), to the
    run's WARC file, and tells the pipeline where the record is (request.meta['warc'])."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.writer: Any = None
        self._opening = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Any) -> RawCaptureMiddleware:
        if not crawler.settings.getbool("ARCHIVE_WARC"):
            raise NotConfigured
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def _write(self, *record: Any) -> tuple[str, int, str]:
        """In a worker thread: open the run's WARC file on first use, append one record."""
        with self._opening:
            if self.writer is None:
                from crawler.archive.warc import WarcWriter

                spider = self.crawler.spider
                self.writer = WarcWriter(spider.archive.root, spider.run_id)
        return self.writer.write(*record)

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("kind") != "article" or response.status != 200:
            return response
        headers = [(k, v) for k, values in response.headers.items() for v in values]
        request_headers = [(k, v) for k, values in request.headers.items() for v in values]
        fetched_at = dt.datetime.now(dt.UTC)
        try:
            location = await maybe_deferred_to_future(
                threads.deferToThread(
                    self._write, response.url, response.status, headers, response.body,
                    request_headers, fetched_at,
                )
            )
        except OSError as exc:
            # The article is still archived; its version just names no raw capture.
            logger.error("raw capture of %s failed: %s", response.url, exc)
            self.crawler.stats.inc_value("ncmes/warc_errors")
            return response
        request.meta["warc"] = location
        return response
