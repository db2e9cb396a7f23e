"""Extraction in worker processes: the same archive as in-thread, and no worker left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.warc import read as read_warc
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from crawler.extraction import extract
from crawler.workers import start_pool
from tests.conftest import FAST, ROOT, crawl

WAIT = 90.0
# Columns that differ between two crawls of the same pages: when, which run, and whether the
# sitemap's lastmod was read before the page was asked (arrival order).
VOLATILE = {"first_seen", "last_seen", "last_changed", "last_fetched", "run_id", "sitemap_lastmod"}


def _content(archive: Path) -> list[dict]:
    rows = pq.read_table(archive / "articles.parquet").to_pylist()
    return sorted(({k: v for k, v in row.items() if k not in VOLATILE} for row in rows), key=lambda r: r["url"])


def test_pool_and_in_thread_extraction_archive_the_same(tmp_path: Path) -> None:
    site = DemoSite()
    with serve(site) as server:
        pooled = crawl(server, tmp_path / "pooled", "-s", "NCMES_EXTRACT_WORKERS=2")
        assert pooled.returncode == 0, pooled.stderr[-2000:]
        inline = crawl(server, tmp_path / "inline", "-s", "NCMES_EXTRACT_WORKERS=0")
        assert inline.returncode == 0, inline.stderr[-2000:]
    assert _content(tmp_path / "pooled") == _content(tmp_path / "inline")
    assert len(_content(tmp_path / "pooled")) == len(site.truth())
    for name, columns in (("warnings.parquet", ["url", "warning"]), ("failures.parquet", ["url", "stage", "error"])):
        pooled_rows, inline_rows = (
            sorted(tuple(r[c] for c in columns) for r in pq.read_table(tmp_path / d / name).to_pylist())
            for d in ("pooled", "inline")
        )
        assert pooled_rows == inline_rows, name
    versions = ds.dataset(tmp_path / "pooled" / "versions", format="parquet").to_table()
    assert versions.num_rows == len(site.truth())
    for archive in ("pooled", "inline"):
        _each_version_names_its_own_record(tmp_path / archive)
    assert not (tmp_path / "pooled" / ".current").exists() or not list((tmp_path / "pooled" / ".current").iterdir())


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found.update(int(c) for c in fh.read().split())
    except FileNotFoundError:
        pass
    return found


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        children = _children(todo.pop())
        found |= children
        todo += children
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except (FileNotFoundError, ProcessLookupError):
        return False


def _crawl_in_background(site_url: str, archive: Path) -> subprocess.Popen[str]:
    """A crawl with two extraction workers, running while the test watches it."""
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--site", site_url, "--archive", str(archive),
         *FAST, "-s", "NCMES_EXTRACT_WORKERS=2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_until(process: subprocess.Popen[str], condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the crawl never started its workers"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_worker_outlives_the_crawl(tmp_path: Path, signum: signal.Signals) -> None:
    site = DemoSite()
    site.delay = 0.15
    with serve(site) as server:
        process = _crawl_in_background(server.url, tmp_path / "a")
        workers: set[int] = set()

        def running() -> bool:
            # The fork server and its two workers, while articles are being extracted.
            workers.update(_descendants(process.pid))
            return len(workers) >= 3 and site.counters()["article"] >= 4

        _wait_until(process, running)
        process.send_signal(signum)
        _, err = process.communicate(timeout=WAIT)
        if signum == signal.SIGTERM:
            assert process.returncode == 1 and "Traceback" not in err, err[-2000:]
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, f"left running: {[p for p in workers if _alive(p)]}"
            time.sleep(0.1)


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries `mark` (a crawl's workers inherit its environment)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if mark.encode() in fh.read() and _alive(int(entry)):
                    found.append(int(entry))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


def test_a_fork_server_started_ahead_does_not_outlive_a_crawl_that_fails_to_start(tmp_path: Path) -> None:
    """The command line starts the extraction pool's fork server while Scrapy loads; a crawl
    that fails before its pipeline starts the workers (here: a middleware that does not
    exist) leaves no process behind."""
    from tests.conftest import run_cli

    mark = f"NCMES_TEST_MARK_{os.getpid()}_{time.monotonic_ns()}"
    with serve(DemoSite()) as server:
        result = run_cli(
            "crawl", "--site", server.url, "--archive", str(tmp_path / "a"), *FAST,
            "-s", "NCMES_EXTRACT_WORKERS=2", "-s", 'SPIDER_MIDDLEWARES={"no.such.Middleware": 10}',
            env={mark: "1"},
        )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "the crawl stopped" in result.stderr.splitlines()[-1]
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marked(mark) == []


def test_a_worker_killed_midway_leaves_the_crawl_whole(tmp_path: Path) -> None:
    """An extraction worker killed (out of memory, say) mid-crawl: the crawl finishes with
    every article archived, extracting in its own process from then on, and says so."""
    site = DemoSite()
    site.delay = 0.1
    with serve(site) as server:
        process = _crawl_in_background(server.url, tmp_path / "a")
        workers: set[int] = set()

        def running() -> bool:
            # The fork server is the crawl's child; the workers are its children.
            workers.update(w for server_pid in _children(process.pid) for w in _children(server_pid))
            return len(workers) >= 2 and site.counters()["article"] >= 6

        _wait_until(process, running)
        os.kill(min(workers), signal.SIGKILL)
        _, err = process.communicate(timeout=WAIT * 2)
    assert process.returncode == 0, err[-2000:]
    assert "extraction workers unavailable, extracting in-process" in err
    urls = set(pq.read_table(tmp_path / "a" / "articles.parquet")["url"].to_pylist())
    assert urls == {t["url"] for t in site.truth(base=server.url)}
    # The pages the killed worker held, its WARC records with them, were archived all the same,
    # each answer once.
    _each_version_names_its_own_record(tmp_path / "a")


def _each_version_names_its_own_record(archive: Path) -> None:
    responses = Counter()
    for path in (archive / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Target-URI")] += 1
    versions = ds.dataset(archive / "versions", format="parquet").to_table().to_pylist()
    assert versions
    for row in versions:
        headers, body = read_warc(archive, row["warc_file"], row["warc_offset"])
        assert extract(body, row["url"], row["seen_at"]).title == row["title"]
        assert responses[row["url"] + "/"] == 1, row["url"]


def _dateparser_built() -> int:
    """In a worker: how many time-zone pattern sets dateparser has built (it builds one, on
    first use)."""
    from dateparser import timezone_parser

    return timezone_parser._build_tz_regexes.cache_info().currsize


def test_workers_are_forked_with_extraction_warmed_up() -> None:
    """The fork server builds what dateparser builds lazily, once: no worker pays it on its
    first pages."""
    pool = start_pool(2)
    try:
        assert [pool.submit(_dateparser_built).result(timeout=WAIT) for _ in range(4)] == [1] * 4
    finally:
        pool.shutdown(wait=True)
