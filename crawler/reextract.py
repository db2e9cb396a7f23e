"""Re-extraction: the archive's raw captures run through today's extraction, no request sent.

When extraction improves, `ncmes-archive reextract` re-reads each article's latest capture
from its WARC file and stores what the extraction now gives: a new version where the
content differs, nothing where it does not. The site is not asked; statuses, last_seen and
the crawl state stay as they were. The run is recorded with mode `reextract`.

Captures are read and extracted in a process pool, one worker per core by default; their
results are recorded in the archive in the order of the articles, as a single process would.
The pool starts in the background (`Workers`) and, given the archive's folder, begins on
the captures its version parts list while this process loads the archive: that list is
only a head start, checked against the archive once it is locked and loaded (a mismatch,
another run having written in between, drops the head start's results).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
import threading
import zoneinfo
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

# No import of extraction or of the archive here: `Workers` starts the fork server first.
if TYPE_CHECKING:
    from crawler.archive.writer import Archive
    from crawler.workers import Extracted

logger = logging.getLogger(__name__)

# Captures per task sent to a worker (results travel back as many at a time).
CHUNK = 8
# Tasks per worker submitted and not yet recorded, at most: about a second of extraction.
WINDOW = 32
# Parts are written every this many articles (a kill loses at most as many re-extractions,
# seconds of work); the last ones by finish_run, whose articles.parquet reads every part.
CHECKPOINT_EVERY = 500
# What a worker needs for one capture: archive folder, WARC file, offset, URL, capture time.
Task = tuple[str, str, int, str, dt.datetime]


class Workers:
    """The extraction processes of one reextract, started in a thread as soon as made.

    setting: -1 one per core, 0 none (extract in this process), N. With `archive_dir`
    the pool also begins, as soon as it is up, on the first captures listed by the
    archive's version parts (read without the lock or the archive's state: see `results`).
    At most `window` tasks of CHUNK captures per worker are in flight or waiting to be
    recorded, so memory stays flat however large the archive.
    """

    def __init__(
        self, setting: int = -1, archive_dir: str | Path | None = None, *, window: int = WINDOW
    ) -> None:
        from crawler.workers import start_fork_server, worker_count

        if setting != 0:
            start_fork_server()

        self.count = worker_count(setting)
        self.window = max(1, window) * self.count
        self._pool: ProcessPoolExecutor | None = None
        self._error: BaseException | None = None
        self._early: tuple[list[Task], list[Future[list[Extracted]]]] | None = None
        self._thread: threading.Thread | None = None
        if self.count > 0:
            root = Path(archive_dir) if archive_dir is not None else None
            self._thread = threading.Thread(target=self._start, args=(root,), name="pool-start", daemon=True)
            self._thread.start()

    def _start(self, root: Path | None) -> None:
        from crawler.workers import start_pool

        try:
            # The pool first: starting it is mostly waiting for the fork server's imports,
            # in its own process, while this process reads the parts and imports its own.
            self._pool = start_pool(self.count)
            tasks = _listed_tasks(root) if root is not None else None
            if tasks:
                tasks = tasks[: self.window * CHUNK]
                self._early = (tasks, [self._pool.submit(_extract_all, chunk) for chunk in _chunks(tasks)])
        except BaseException as exc:  # raised in the caller's thread by ready()
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def ready(self) -> ProcessPoolExecutor | None:
        """Wait until the pool is up (and its head start submitted); the pool, or None."""
        self._join()
        if self._error is not None:
            raise self._error
        return self._pool

    def results(self, tasks: list[Task]) -> Iterator[Extracted]:
        """The tasks' results in order: from the pool, or here when there is none or 1 task.

        The head start's results are used when its tasks are the first of these (a task
        names the capture, and the capture alone makes the result)."""
        from crawler.workers import reextract_capture

        pool = self.ready()
        early, self._early = self._early, None
        futures: deque[Future[list[Extracted]]] = deque()
        if early is not None and pool is not None and len(tasks) > 1 and tasks[: len(early[0])] == early[0]:
            futures.extend(early[1])
            todo = _chunks(tasks[len(early[0]) :])
        else:
            for future in early[1] if early else []:
                future.cancel()
            todo = _chunks(tasks)
        if pool is None or len(tasks) < 2:
            for task in tasks:
                yield reextract_capture(*task)
            return
        try:
            while True:
                while len(futures) < self.window and (chunk := next(todo, None)) is not None:
                    futures.append(pool.submit(_extract_all, chunk))
                if not futures:
                    break
                yield from futures.popleft().result()
        finally:
            self.close()  # a failed run does not wait for the pages left

    def close(self) -> None:
        self._join()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _extract_all(tasks: list[Task]) -> list[Extracted]:
    """One chunk of captures, in a worker."""
    from crawler.workers import reextract_capture

    return [reextract_capture(*task) for task in tasks]


def _chunks(tasks: list[Task]) -> Iterator[list[Task]]:
    return (tasks[i : i + CHUNK] for i in range(0, len(tasks), CHUNK))


def _latest(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each URL's latest version with a capture, from version rows sorted by URL then
    version (rows without a capture left out)."""
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["warc_file"] is not None:
            latest[row["url"]] = row  # the last one wins
    return latest


def _tasks(root: Path, latest: dict[str, dict[str, Any]]) -> list[Task]:
    """One task per URL, its latest version's capture (as _latest gives them)."""
    return [(str(root), r["warc_file"], r["warc_offset"], url, r["seen_at"]) for url, r in latest.items()]


def _listed_tasks(root: Path) -> list[Task] | None:
    """The tasks as the version parts on disk list them: the head start. Read with
    pyarrow.parquet alone (no dataset, no archive state, no pandas: this runs beside the main
    thread's imports). None when they cannot be read: the archive, loaded later, says why."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = ["url", "version", "seen_at", "warc_file", "warc_offset"]
    try:
        parts = sorted(p for p in (root / "versions").glob("*.parquet") if p.is_file())
        if not parts:
            return None
        table = pa.concat_tables([pq.ParquetFile(p).read(columns=columns) for p in parts])
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        logger.debug("no head start for %s: %s", root, exc)
        return None
    if table.schema.field("seen_at").type != pa.timestamp("us", tz="UTC"):
        return None
    table = table.sort_by([("url", "ascending"), ("version", "ascending")])
    # The capture times as pyarrow gives them to the archive (its own conversion of a
    # timestamp with a time zone imports pandas).
    utc = zoneinfo.ZoneInfo("UTC")
    epoch = dt.datetime(1970, 1, 1, tzinfo=utc)
    seen = [None if us is None else epoch + dt.timedelta(microseconds=us)
            for us in table["seen_at"].cast(pa.int64()).to_pylist()]
    rows = [
        {"url": url, "seen_at": at, "warc_file": warc_file, "warc_offset": offset}
        for url, at, warc_file, offset in zip(
            table["url"].to_pylist(), seen, table["warc_file"].to_pylist(), table["warc_offset"].to_pylist(),
            strict=True,
        )
    ]
    return _tasks(root, _latest(rows))


def reextract(
    archive: Archive, progress: Callable[[int, int, int], None] | None = None,
    workers: int | Workers = -1,
) -> dict[str, Any]:
    """Re-extract every article whose latest version names a raw capture; returns the run row.

    workers: processes extracting (-1 one per core, 0 none: in this process), or a
    `Workers` already started (left open: the caller closes it). The archive must be
    locked by the caller.
    """
    if isinstance(workers, Workers):
        return _reextract(archive, progress, workers)
    with Workers(workers) as own:
        return _reextract(archive, progress, own)


def _reextract(
    archive: Archive, progress: Callable[[int, int, int], None] | None, workers: Workers
) -> dict[str, Any]:
    runs = archive.read_runs().to_pylist()
    site = runs[-1]["site"] if runs else "unknown"
    archive.begin_run(site, "reextract")
    rows = archive.read_versions(
        columns=["sections", "seen_at", "warc_file", "warc_offset", "warc_record_id"]
    ).to_pylist()
    latest = _latest(rows)
    del rows
    tasks = _tasks(archive.root, latest)
    done = failed = 0
    for task, result in zip(tasks, workers.results(tasks), strict=True):
        url = task[3]
        row = latest[url]
        if result.record is None:
            if result.trace:
                logger.error("extraction failed on %s\n%s", url, result.trace)
            archive.record_failure(url, "parse", result.error or "?", dt.datetime.now(dt.UTC))
            failed += 1
        else:
            record = result.record
            fingerprint = result.fingerprint
            if not record.sections:
                record = dataclasses.replace(record, sections=list(row["sections"]))  # as the crawl filed it
                fingerprint = None
            archive.record_article(
                record, fetched_at=row["seen_at"], reextracted=True, fingerprint=fingerprint,
                warc=(row["warc_file"], row["warc_offset"], row["warc_record_id"]),
            )
        done += 1
        if progress is not None:
            progress(done, len(tasks), failed)
        if done % CHECKPOINT_EVERY == 0 and done < len(tasks):
            archive.checkpoint()
    return archive.finish_run(True, {"requests": 0, "pages_downloaded": 0, "not_modified": 0, "bytes_received": 0})


def print_progress(done: int, total: int, failed: int = 0) -> None:
    """A status line on stderr every 50 articles and at the end: a capture whose extraction
    failed is counted as a failure, not as re-extracted."""
    if done % 50 == 0 or done == total:
        failures = f", {failed} failed" if failed else ""
        print(f"re-extracted {done - failed} of {total}{failures}", file=sys.stderr)
