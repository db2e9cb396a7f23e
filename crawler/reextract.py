"""Re-extraction: the archive's raw captures run through today's extraction, no request sent.

When extraction improves, `ncmes-archive reextract` re-reads each article's latest capture
from its WARC file and stores what the extraction now gives: a new version where the
content differs, nothing where it does not. The site is not asked; statuses, last_seen and
the crawl state stay as they were. The run is recorded with mode `reextract`.

Captures are read and extracted in a process pool, one worker per core by default; their
results are recorded in the archive in the order of the articles, as a single process would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow.compute as pc

from crawler.archive.store import Archive
from crawler.workers import Extracted, reextract_capture, start_pool, worker_count

logger = logging.getLogger(__name__)


def reextract(
    archive: Archive, progress: Callable[[int, int], None] | None = None, workers: int = -1
) -> dict[str, Any]:
    """Re-extract every article whose latest version names a raw capture; returns the run row.

    workers: processes extracting (-1 one per core, 0 none: in this process). The archive
    must be locked by the caller.
    """
    runs = archive.read_runs().to_pylist()
    site = runs[-1]["site"] if runs else "unknown"
    archive.begin_run(site, "reextract")
    versions = archive.read_versions(
        columns=["url", "version", "sections", "seen_at", "warc_file", "warc_offset", "warc_record_id"]
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
    count = worker_count(workers)
    done = 0
    for (url, row), result in zip(latest.items(), _results(tasks, count), strict=True):
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
        if done % 200 == 0:
            archive.checkpoint()
    return archive.finish_run(True, {"requests": 0, "pages_downloaded": 0, "not_modified": 0, "bytes_received": 0})


def _results(tasks: list[tuple[Any, ...]], workers: int) -> Iterator[Extracted]:
    """The tasks' results in order: from the pool, or here when workers is 0 or 1 task."""
    if workers == 0 or len(tasks) < 2:
        for task in tasks:
            yield reextract_capture(*task)
        return
    pool = start_pool(min(workers, len(tasks)))
    try:
        yield from pool.map(reextract_capture, *zip(*tasks, strict=True), chunksize=8)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def print_progress(done: int, total: int) -> None:
    """A status line on stderr every 50 articles and at the end."""
    if done % 50 == 0 or done == total:
        print(f"re-extracted {done} of {total}", file=sys.stderr)
