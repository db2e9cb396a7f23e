"""Thin Scrapy glue: extraction in worker processes, archive writes in one thread, off the reactor."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import queue
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.archive.warc import Held
from crawler.items import ArticlePage, DiscoveryDone, FetchFailure, Gone, NotModified
from crawler.workers import Extracted, extract_page, start_pool, worker_count

logger = logging.getLogger(__name__)

# How long the archive thread waits for an article's WARC record to be written before it
# stores the version without naming one (a writer that stopped answering).
WARC_WAIT_SECONDS = 300.0


class ArchivePipeline:
    """Extracts article pages in a process pool (NCMES_EXTRACT_WORKERS, one per core by
    default), then hands every item to the archive in one thread, so writes stay ordered and
    neither the reactor nor the GIL waits on lxml, trafilatura or Parquet.

    The reactor thread does as little per item as it can: it puts the item on a queue and
    awaits one future. A feeder thread submits pages to the pool; the pool's result goes
    straight to the archive thread, which settles the future when the item is stored.

    At most NCMES_EXTRACT_INFLIGHT pages per worker are out for extraction: beyond that
    process_item waits, the item stays active in Scrapy's scraper, and Scrapy stops
    downloading until it is done, so memory stays flat however fast the site answers.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.checkpoint_items = crawler.settings.getint("ARCHIVE_CHECKPOINT_ITEMS")
        self.checkpoint_seconds = crawler.settings.getfloat("ARCHIVE_CHECKPOINT_SECONDS")
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self.workers = worker_count(crawler.settings.getint("NCMES_EXTRACT_WORKERS"))
        self.slots = _Slots(max(1, self.workers * crawler.settings.getint("NCMES_EXTRACT_INFLIGHT")))
        # Started in its own thread (starting processes blocks): the crawl's first requests
        # go out meanwhile.
        self.pool_future: Future | None = None
        self.use_pool = self.workers > 0
        self.starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pool-start")
        # Items on their way to the pool or the archive thread, in arrival order.
        self.feed: queue.SimpleQueue[tuple[Any, asyncio.Future, Any] | None] = queue.SimpleQueue()
        self.feeder: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.since_checkpoint = 0
        self.last_checkpoint = time.monotonic()
        self.archive: Any = None
        # Pages naming no category, extracted but held until discovery is complete: their
        # sections come from every listing, and a listing read later could add one.
        self.deferred: list[tuple[Any, ArticlePage]] = []
        # The listings' final word (DiscoveryDone), for a held page that reaches the pipeline
        # after it.
        self.final_sections: dict[str, list[str]] | None = None
        self.site: str | None = None
        # Done when spider_closed has stored the run (it may still be storing it when a
        # SIGTERM stops the engine, which then waits for it).
        self.closed: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        pipeline = cls(crawler)
        crawler.ncmes_pipeline = pipeline  # the command line joins it after an unclean stop
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.engine_stopped, signal=signals.engine_stopped)
        return pipeline

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        self.archive = spider.archive
        # Scrapy runs on Twisted's asyncio reactor (its default, and crawler/settings.py's):
        # results come back to the reactor thread as asyncio callbacks, the cheapest way in.
        self.loop = asyncio.get_running_loop()
        self.slots.loop = self.loop
        if self.workers > 0:
            # Forked from the fork server the command line started while Scrapy loaded.
            self.pool_future = self.starter.submit(start_pool, self.workers)
        self.feeder = threading.Thread(target=self._feed_loop, name="extract-feed", daemon=True)
        self.feeder.start()
        # Writes runs.parquet: in the archive thread, like every other write.
        spider.run_id = await maybe_deferred_to_future(
            self._defer(self.archive.begin_run, spider.site, spider.mode)
        )
        self.site = spider.site

    def _defer(self, fn: Any, *args: Any) -> Deferred:
        """Run fn in the archive thread; the Deferred fires in the reactor thread."""
        return self._deferred(self.executor.submit(fn, *args))

    @staticmethod
    def _deferred(future: Future) -> Deferred:
        """A Deferred fired in the reactor thread when the concurrent future completes."""
        from twisted.internet import reactor

        d: Deferred = Deferred()

        def done(future: Future) -> None:
            # A concurrent future completes in the worker thread: hand the result to the
            # reactor, which alone may fire Deferreds (and wake its event loop).
            error = future.exception()
            if error is not None:
                reactor.callFromThread(d.errback, error)
            else:
                reactor.callFromThread(d.callback, future.result())

        future.add_done_callback(done)
        return d

    async def process_item(self, item: Any) -> Any:
        """Queue the item and wait until the archive has it (one future, settled by the
        archive thread); an article page first waits for a free extraction slot, which it
        gives back once extracted (the archive thread's writes never hold up downloads)."""
        slot = None
        if isinstance(item, ArticlePage):
            slot = await self.slots.acquire()
        try:
            stored = self.loop.create_future()
            self.feed.put((item, stored, slot))
            counters = await stored
        finally:
            if slot is not None:
                self.slots.release(slot)  # if extraction did not already
        self._count(counters)
        return item

    # -- in the feeder thread, the pool's result thread and the archive thread ------------

    def _feed_loop(self) -> None:
        """Article pages to the pool (with their held WARC capture, whose records the worker
        makes too), every other item (and pages when there is no pool) straight to the
        archive thread."""
        while (job := self.feed.get()) is not None:
            item, stored, slot = job
            try:
                pool = self._pool() if isinstance(item, ArticlePage) else None
                future = None
                if pool is not None:
                    held = item.warc if isinstance(item.warc, Held) else None
                    capture = held.take() if held is not None else None
                    try:
                        future = pool.submit(
                            extract_page, item.body, item.url, item.fetched_at, item.encoding,
                            item.codings, item.max_size, _to_send(capture, item.body),
                        )
                    except (BrokenProcessPool, RuntimeError) as exc:  # a worker died earlier
                        self._pool_lost(exc)
                        if capture is not None:
                            held.write(capture)  # the writer thread makes its records
                if future is None:
                    self.executor.submit(self._store_item, item, None, stored)
                    continue
                future.add_done_callback(
                    lambda f, item=item, stored=stored, slot=slot, capture=capture:
                        self._extracted(item, f, stored, slot, capture)
                )
            except BaseException as exc:  # noqa: BLE001 - settled in the reactor, where it is raised
                self._settle(stored, None, exc)

    def _pool(self) -> ProcessPoolExecutor | None:
        """The running pool, waiting for it to start; None once it is gone (pages are then
        extracted in the archive thread)."""
        if not self.use_pool or self.pool_future is None:
            return None
        try:
            return self.pool_future.result()
        except Exception as exc:  # the pool could not start: the crawl goes on without it
            self._pool_lost(exc)
            return None

    def _pool_lost(self, exc: BaseException) -> None:
        if self.use_pool:
            self.use_pool = False
            logger.error("extraction workers unavailable, extracting in-process: %s", exc)

    def _extracted(
        self, page: ArticlePage, future: Future, stored: asyncio.Future, slot: Any, capture: Any,
    ) -> None:
        """The pool's answer for one page, to the WARC writer and the archive thread; its slot
        is free again."""
        self.slots.release(slot)
        extracted = error = None
        try:
            extracted = future.result()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            # A worker killed (out of memory...): the crawl goes on without the pool, slower.
            self._pool_lost(exc)
        except BaseException as exc:  # noqa: BLE001 - settled in the reactor, where it is raised
            error = exc
        if capture is not None:
            records = extracted.warc if extracted is not None else None
            if extracted is not None and extracted.warc_error:
                logger.warning("WARC records of %s not made by the worker (%s): the writer makes them",
                               page.url, extracted.warc_error)
            page.warc.write(records if records is not None else capture)
        if error is not None:
            self._settle(stored, None, error)
            return
        try:
            self.executor.submit(self._store_item, page, extracted, stored)
        except RuntimeError as exc:  # the archive thread is shut down (the crawl is ending)
            self._settle(stored, None, exc)

    def _store_item(self, item: Any, extracted: Extracted | None, stored: asyncio.Future) -> None:
        try:
            counters = self._handle(item, extracted)
        except BaseException as exc:  # noqa: BLE001 - settled in the reactor, where it is raised
            self._settle(stored, None, exc)
        else:
            self._settle(stored, counters, None)

    def _settle(self, stored: asyncio.Future, result: Any, error: BaseException | None) -> None:
        """Settle a reactor-side future from any thread."""
        assert self.loop is not None
        try:
            self.loop.call_soon_threadsafe(_settle, stored, result, error)
        except RuntimeError:  # the loop is closed: nobody waits any more
            logger.error("an item's outcome arrived after the reactor stopped: %s", error or result)

    def _count(self, counters: dict[str, int]) -> None:
        for key, value in counters.items():
            if value:
                self.stats.inc_value(f"ncmes/{key}", value)

    # -- in the worker thread -------------------------------------------------------------

    def _handle(self, item: Any, extracted: Extracted | None = None) -> dict[str, int]:
        counters: dict[str, int] = {}
        if isinstance(item, ArticlePage):
            counters = self._article(item, extracted)
        elif isinstance(item, NotModified):
            self.archive.record_not_modified(
                item.url, item.fetched_at, etag=item.etag, http_last_modified=item.last_modified,
                sitemap_lastmod=item.sitemap_lastmod, fetch_url=item.fetch_url,
            )
        elif isinstance(item, Gone):
            if self.archive.record_removed(item.url, item.fetched_at, item.status):
                counters["removed"] = 1
        elif isinstance(item, FetchFailure):
            self.archive.record_failure(item.url, item.stage, item.error, item.fetched_at)
        elif isinstance(item, DiscoveryDone):
            counters = self._store_deferred(item.sections)
        self.since_checkpoint += 1
        if (
            self.since_checkpoint >= self.checkpoint_items
            or time.monotonic() - self.last_checkpoint >= self.checkpoint_seconds
        ):
            self._checkpoint()
        return counters

    def _article(self, page: ArticlePage, extracted: Extracted | None = None) -> dict[str, int]:
        item = page
        if isinstance(page.warc, Held):
            page.warc.release()  # when no worker took it: the writer thread makes its records
            page = dataclasses.replace(page, warc=_written(page.url, page.warc.written))
        if extracted is None:  # no pool (NCMES_EXTRACT_WORKERS=0): extract here
            extracted = extract_page(
                page.body, page.url, page.fetched_at, page.encoding, page.codings, page.max_size
            )
        # On the item Scrapy holds (not a copy), for the circuit breaker.
        item.refusal = self._refused(page, extracted)
        if item.refusal is not None:
            return {"failures": 1, "refused": 1}
        if extracted.record is None:
            if extracted.trace:  # a bug in extraction must not stop the crawl: record it
                logger.error("extraction failed on %s\n%s", page.url, extracted.trace)
            self.archive.record_failure(page.url, extracted.stage, extracted.error or "?", page.fetched_at)
            return {"failures": 1}
        record = extracted.record
        # Valid for the record as extracted, not once the fallback below fills its sections.
        fingerprint = extracted.fingerprint if record.sections else None
        if not record.sections:
            listed = page.listed_sections
            if listed is None and self.final_sections is not None:
                listed = self.final_sections.get(record.url, [])
            if listed is None:
                # Keep the record, not the page's bytes.
                self.deferred.append((record, dataclasses.replace(page, body=b"")))
                return {}
            self._listed_sections(record, listed)
        return self._store(record, page, fingerprint)

    def _refused(self, page: ArticlePage, extracted: Extracted) -> str | None:
        """Record a page that is not the article asked for (crawler.identity) as a failure
        naming what it looked like, and return the refusal's kind; None when it may be
        stored (or fails as it is)."""
        from crawler.identity import judge
        from crawler.urls import canonical_url

        if extracted.identity is None or self.site is None:
            return None
        record = extracted.record
        verdict = judge(
            page.url, self.site, extracted.identity,
            final_url=canonical_url(page.fetch_url or page.url, self.site),
            known=self.archive.state.get(page.url), words=record.word_count if record is not None else None,
            title=record.title if record is not None else None,
        )
        if verdict.accept or verdict.kind is None:
            return None
        self.archive.record_failure(page.url, "parse", verdict.error(), page.fetched_at)
        return verdict.kind

    def _listed_sections(self, record: Any, listed: list[str]) -> None:
        """The page names no category: file it under the listings that list it, else keep
        what the archive knew, so a missing breadcrumb is not a change."""
        known = self.archive.state.get(record.url)
        record.sections = list(listed) or (list(known.sections) if known else [])

    def _store_deferred(self, sections: dict[str, list[str]]) -> dict[str, int]:
        """Discovery is complete: store the held pages with the sections every listing gives."""
        self.final_sections = sections
        deferred, self.deferred = self.deferred, []
        counters: dict[str, int] = {}
        for record, page in deferred:
            self._listed_sections(record, sections.get(record.url, []))
            for key, value in self._store(record, page).items():
                counters[key] = counters.get(key, 0) + value
        return counters

    def _store(self, record: Any, page: ArticlePage, fingerprint: Any = None) -> dict[str, int]:
        try:
            outcome = self.archive.record_article(
                record, fetched_at=page.fetched_at, etag=page.etag,
                http_last_modified=page.last_modified, sitemap_lastmod=page.sitemap_lastmod,
                warc=page.warc, fetch_url=page.fetch_url, fingerprint=fingerprint,
            )
        except (OSError, ValueError) as exc:
            logger.error("could not store %s: %s", page.url, exc)
            self.archive.record_failure(page.url, "store", f"{type(exc).__name__}: {exc}", page.fetched_at)
            return {"failures": 1}
        return {outcome.change: 1, "warnings": len(record.warnings)}

    def _checkpoint(self) -> None:
        self.archive.checkpoint()
        self.since_checkpoint = 0
        self.last_checkpoint = time.monotonic()

    # -- the end --------------------------------------------------------------------------

    async def spider_closed(self, spider: Any, reason: str) -> None:
        # Runs after close_spider of every pipeline, when Scrapy knows why the crawl ended
        # ("finished", or "shutdown" on SIGINT/SIGTERM).
        self.closed = closed = asyncio.get_running_loop().create_future()
        try:
            await self._store_run(spider, reason)
        finally:
            closed.set_result(None)

    async def _store_run(self, spider: Any, reason: str) -> None:
        """The run's last checkpoint and its row; then every thread and worker joined."""
        completed = reason == "finished" and bool(getattr(spider, "site_reached", False))
        stats = self.crawler.stats
        plan = getattr(spider, "plan", None)
        counters = {
            "requests": stats.get_value("downloader/request_count", 0),
            "pages_downloaded": stats.get_value("ncmes/pages_downloaded", 0),
            "not_modified": stats.get_value("ncmes/not_modified", 0),
            "bytes_received": stats.get_value("downloader/response_bytes", 0),
            "limit_reached": bool(plan is not None and plan.limit_reached),
        }
        try:
            if plan is not None:
                self._count(await maybe_deferred_to_future(
                    self._defer(self._close_plan, plan, spider, reason)
                ))
            self.crawler.ncmes_run = await maybe_deferred_to_future(
                self._defer(self.archive.finish_run, completed, counters)
            )
        finally:
            self._shutdown()
            await maybe_deferred_to_future(self._deferred(self.starter.submit(self._stop_pool)))
            self.starter.shutdown(wait=True)
            if getattr(spider, "owns_lock", False):
                self.archive.release_lock()

    def _close_plan(self, plan: Any, spider: Any, reason: str) -> dict[str, int]:
        """In the worker thread, before the run's last checkpoint: held pages and listing state."""
        counters: dict[str, int] = {}
        if self.deferred:
            if reason == "finished" and plan.discovery_complete:
                counters = self._store_deferred(plan.listed_sections())
            else:
                # Interrupted before every listing was read: their sections are not known,
                # and no version may carry sections a later listing would change. Not
                # stored, so the next run asks them again.
                logger.warning("%d pages naming no category not stored: discovery was not complete", len(self.deferred))
                counters = {"deferred_dropped": len(self.deferred)}
                self.deferred = []
        if getattr(spider, "run_id", None) and plan.walks:
            rows = [r.row(spider.site) for r in plan.listing_records(spider.run_id)]
            self.archive.write_listings(spider.site, rows)
        return counters

    def _shutdown(self) -> None:
        # Joined, not abandoned: a worker thread still inside pyarrow or lxml when the
        # interpreter finalises can abort the process.
        feeder, self.feeder = self.feeder, None
        if feeder is not None:
            self.feed.put(None)
            feeder.join()
        self.executor.shutdown(wait=True)

    def _stop_pool(self) -> None:
        """Wait for the workers to exit (in a thread: joining processes blocks)."""
        future, self.pool_future = self.pool_future, None
        if future is None:
            return
        try:
            pool = future.result()
        except Exception as exc:  # the pool never started: the crawl already failed on it
            logger.error("extraction workers did not start: %s", exc)
            return
        pool.shutdown(wait=True, cancel_futures=True)

    async def engine_stopped(self) -> None:
        """Whatever ended the run (an error before spider_closed included): no thread or
        worker process left behind. A SIGTERM while spider_closed is storing the run stops
        the engine without waiting for it (Scrapy's close has begun): the engine's stop
        waits here instead, so the run is stored before its threads are joined."""
        if self.closed is not None and not self.closed.done():
            await self.closed
        self.join()

    def join(self) -> None:
        """Join the feeder, the archive thread and the worker processes (also after an
        unclean stop, when the reactor stopped under the engine)."""
        self._shutdown()
        self._stop_pool()
        self.starter.shutdown(wait=True)


class _Slots:
    """At most `limit` article pages out for extraction. Acquired in the reactor thread,
    given back from any thread (the pool's result thread, once the page is extracted), each
    slot once; the reactor is woken only when a page is waiting for one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.taken: set[object] = set()
        self.waiters: collections.deque[asyncio.Future] = collections.deque()
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None

    async def acquire(self) -> object:
        assert self.loop is not None
        while True:
            with self.lock:
                if len(self.taken) < self.limit:
                    slot = object()
                    self.taken.add(slot)
                    return slot
                waiter = self.loop.create_future()
                self.waiters.append(waiter)
            await waiter

    def release(self, slot: object) -> None:
        with self.lock:
            if slot not in self.taken:
                return  # given back already
            self.taken.discard(slot)
            waiter = self.waiters.popleft() if self.waiters else None
        if waiter is not None:
            self.loop.call_soon_threadsafe(self._wake, waiter)

    def _wake(self, waiter: asyncio.Future) -> None:
        """In the reactor thread: a slot is free for this waiter (or, if it stopped waiting,
        for the next one)."""
        while waiter.done():
            with self.lock:
                if not self.waiters:
                    return
                waiter = self.waiters.popleft()
        waiter.set_result(None)


def _settle(stored: asyncio.Future, result: Any, error: BaseException | None) -> None:
    """In the reactor thread: the item's outcome to whoever awaits it."""
    if stored.done():  # cancelled: the crawl stopped waiting
        return
    if error is not None:
        stored.set_exception(error)
    else:
        stored.set_result(result)


def _to_send(capture: Any, body: bytes) -> Any:
    """The capture to send to a worker with the page: without its body when that is the
    page's (sent once)."""
    if capture is None or capture.body is not body:
        return capture
    return dataclasses.replace(capture, body=None)


def _written(url: str, pending: Future) -> tuple[str, int, str] | None:
    """Where the WARC writer put an article's record, waiting for it; None when it could not
    (the version then names no raw capture; the writer logged why)."""
    try:
        result = pending.result(timeout=WARC_WAIT_SECONDS)
    except TimeoutError:
        logger.error("the WARC record of %s was not written within %d s: its version names none",
                     url, WARC_WAIT_SECONDS)
        return None
    if isinstance(result, BaseException):
        return None
    return (result.file, result.offset, result.record_id)
