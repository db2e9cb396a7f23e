"""Re-extraction: the archive's raw captures run through today's extraction, no request sent.

When extraction improves, `ncmes-archive reextract` re-reads each article's latest capture
from its WARC file and stores what the extraction now gives: a new version where the
content differs, nothing where it does not. The site is not asked; statuses, last_seen and
the crawl state stay as they were. The run is recorded with mode `reextract`.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

from crawler.archive import warc
from crawler.archive.store import Archive
from crawler.extraction import charset_of, extract
from crawler.extraction.record import ExtractionError


def reextract(archive: Archive, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Re-extract every article whose latest version names a raw capture; returns the run row.

    The archive must be locked by the caller.
    """
    runs = archive.read_runs().to_pylist()
    site = runs[-1]["site"] if runs else "unknown"
    archive.begin_run(site, "reextract")
    latest: dict[str, dict[str, Any]] = {}
    for row in archive.read_versions().to_pylist():
        if row["warc_file"] is not None:
            latest[row["url"]] = row  # sorted by version: the last one wins
    done = 0
    for url, row in latest.items():
        now = dt.datetime.now(dt.UTC)
        try:
            headers, body = warc.read(archive.root, row["warc_file"], row["warc_offset"])
            content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
            record = extract(body, url, row["seen_at"], encoding=charset_of(content_type))
        except (OSError, ValueError, ExtractionError) as exc:
            # A missing or damaged WARC file, or a capture that no longer extracts: the
            # archived version stays; the run says why.
            archive.record_failure(url, "parse", f"re-extraction: {type(exc).__name__}: {exc}", now)
        else:
            if not record.sections:
                record.sections = list(row["sections"])  # as the crawl filed it (listings)
            archive.record_article(
                record, fetched_at=row["seen_at"], reextracted=True,
                warc=(row["warc_file"], row["warc_offset"], row["warc_record_id"]),
            )
        done += 1
        if progress is not None:
            progress(done, len(latest))
        if done % 200 == 0:
            archive.checkpoint()
    return archive.finish_run(True, {"requests": 0, "pages_downloaded": 0, "not_modified": 0, "bytes_received": 0})


def print_progress(done: int, total: int) -> None:
    """A status line on stderr every 50 articles and at the end."""
    if done % 50 == 0 or done == total:
        print(f"re-extracted {done} of {total}", file=sys.stderr)
