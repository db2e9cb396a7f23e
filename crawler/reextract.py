"""Re-extraction: the archive's raw captures run through today's extraction, no request sent.

When extraction improves, `ncmes-archive reextract` re-reads each article's latest capture
from its WARC file and stores what the extraction now gives: a new version where the
content differs, nothing where it does not. The site is not asked; statuses, last_seen and
the crawl state stay as they were. The run is recorded with mode `reextract`.

Captures are read and extracted in a process pool, one worker per core by default; their
results are recorded in the archive in the order of the articles, as a single process would.
The pool starts in the background (`Workers`): its fork server imports extraction while
this process loads the archive, so that neither waits for the other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

# Only the pool's module here: the archive's (pyarrow) is imported while the pool starts.
from crawler.workers import Extracted, reextract_capture, start_pool, worker_count

if TYPE_CHECKING:
    from crawler.archive.store import Archive

logger = logging.getLogger(__name__)

# Results travel back from the workers this many tasks at a time.
CHUNK = 8
# Parts are written every this many articles; the last ones by finish_run.
CHECKPOINT_EVERY = 200


class Workers:
    """The extraction processes of one reextract, started in a thread as soon as made.

    setting: -1 one per core, 0 none (extract in this process), N. `pool()` waits for
    the pool to be ready (None when there is none); `close()` shuts it down.
    """

    def __init__(self, setting: int = -1) -> None:
        self.count = worker_count(setting)
        self._pool: ProcessPoolExecutor | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if self.count > 0:
            self._thread = threading.Thread(target=self._start, name="pool-start", daemon=True)
            self._thread.start()

    def _start(self) -> None:
        try:
            self._pool = start_pool(self.count)
        except BaseException as exc:  # raised in the caller's thread by pool()
            self._error = exc

    def _wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def pool(self) -> ProcessPoolExecutor | None:
        self._wait()
        if self._error is not None:
            raise self._error
        return self._pool

    def close(self) -> None:
        self._wait()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reextract(
    archive: Archive, progress: Callable[[int, int], None] | None = None,
    workers: int | Workers = -1,
) -> dict[str, Any]:
    """Re-extract every article whose latest version names a raw capture; returns the run row.

    workers: processes extracting (-1 one per core, 0 none: in this process), or a
    `Workers` already starting (left open: the caller closes it). The archive must be
    locked by the caller.
    """
    if isinstance(workers, Workers):
        return _reextract(archive, progress, workers)
    with Workers(workers) as own:
        return _reextract(archive, progress, own)


def _reextract(
    archive: Archive, progress: Callable[[int, int], None] | None, workers: Workers
) -> dict[str, Any]:
    import pyarrow.compute as pc

    runs = archive.read_runs().to_pylist()
    site = runs[-1]["site"] if runs else "unknown"
    archive.begin_run(site, "reextract")
    versions = archive.read_versions(
        columns=["sections", "seen_at", "warc_file", "warc_offset", "warc_record_id"]
    )
    versions = versions.filter(pc.is_valid(versions["warc_file"]))
    latest: dict[str, dict[str, Any]] = {}
    for row in versions.to_pylist():
        latest[row["url"]] = row  # sorted by version: the last one wins
    del versions
    tasks = [
        (str(archive.root), row["warc_file"], row["warc_offset"], url, row["seen_at"])
        for url, row in latest.items()
    ]
    done = 0
    for (url, row), result in zip(latest.items(), _results(tasks, workers), strict=True):
        if result.record is None:
            if result.trace:
                logger.error("extraction failed on %s\n%s", url, result.trace)
            archive.record_failure(url, "parse", result.error or "?", dt.datetime.now(dt.UTC))
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
            progress(done, len(latest))
        if done % CHECKPOINT_EVERY == 0 and done < len(latest):
            archive.checkpoint()
    return archive.finish_run(True, {"requests": 0, "pages_downloaded": 0, "not_modified": 0, "bytes_received": 0})


def _results(tasks: list[tuple[Any, ...]], workers: Workers) -> Iterator[Extracted]:
    """The tasks' results in order: from the pool, or here when there is none or 1 task."""
    pool = workers.pool()
    if pool is None or len(tasks) < 2:
        for task in tasks:
            yield reextract_capture(*task)
        return
    try:
        yield from pool.map(reextract_capture, *zip(*tasks, strict=True), chunksize=CHUNK)
    finally:
        workers.close()  # a failed run does not wait for the pages left


def print_progress(done: int, total: int) -> None:
    """A status line on stderr every 50 articles and at the end."""
    if done % 50 == 0 or done == total:
        print(f"re-extracted {done} of {total}", file=sys.stderr)
