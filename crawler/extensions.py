"""Progress on long runs (articles found, fetched, unchanged and failed, on stderr), and a quieter log formatter."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.logformatter import LogFormatter
from twisted.internet import task


class Progress:
    """Prints one status line every NCMES_PROGRESS_INTERVAL seconds (0 switches it off)."""

    def __init__(self, crawler: Any, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.tty = sys.stderr.isatty()

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        interval = crawler.settings.getfloat("NCMES_PROGRESS_INTERVAL", 0.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        stats = self.crawler.stats
        spider = self.crawler.spider
        plan = getattr(spider, "plan", None)
        found = len(plan.listed | plan.requested) if plan is not None else 0
        get = stats.get_value
        return (
            f"[{time.monotonic() - self.started:6.0f}s] articles found {found}, "
            f"fetched {get('ncmes/pages_downloaded', 0)}, "
            f"not modified {get('ncmes/not_modified', 0)}, "
            f"failed {get('ncmes/failures', 0)}; requests {get('downloader/request_count', 0)}"
        )

    def report(self) -> None:
        end = "\r" if self.tty else "\n"
        sys.stderr.write(self.line() + end)
        sys.stderr.flush()

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        sys.stderr.write(self.line() + "\n")
        sys.stderr.flush()


class QuietLogFormatter(LogFormatter):
    """Scrapy's log formatter, minus two DEBUG lines per answer when they cannot show:
    "Crawled (200) <GET ...>" below LOG_LEVEL DEBUG, and "Scraped from ...", whose item
    is a whole page's bytes. Scrapy makes a log record for each whatever LOG_LEVEL says
    (the level filters in the handler), in the reactor thread."""

    def __init__(self, debug: bool = True) -> None:
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Any) -> QuietLogFormatter:
        level = crawler.settings.get("LOG_LEVEL")
        return cls(debug=str(level).upper() == "DEBUG" or level == logging.DEBUG)

    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        return None
