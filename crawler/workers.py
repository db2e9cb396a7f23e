"""Extraction in worker processes: the pool the crawl and reextract share, and its one job.

Extraction is CPU work in Python (lxml, trafilatura, dateparser, Unicode normalisation):
in the crawl's process it would hold the GIL that Scrapy's reactor needs to keep the
downloader busy. The pool runs it in separate processes, one per core by default.

Worker processes are started by a fork server (never forked from a process that runs
Twisted and its threads) and ignore SIGINT (a Ctrl-C reaches the whole process group: the
crawl decides how to stop, and shuts the pool down). Each watches the process that started
the pool and exits when it is gone, so a crawl killed with SIGKILL leaves no worker behind:
the workers hold the pipes that would tell them (and the fork server) of their parent's
death, so that cannot be left to multiprocessing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
import select
import signal
import threading
import time
import traceback
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.archive.warc import Capture, Serialized
    from crawler.extraction.record import ArticleRecord
    from crawler.identity import PageIdentity

# What the fork server imports once, so that every worker forked from it has extraction
# loaded, and warmed up (crawler.extraction.warmup). This module itself imports none of it: the crawl and reextract import it to start
# the fork server early, before they load anything heavy themselves.
PRELOAD = [
    "crawler.workers", "crawler.extraction", "crawler.archive.changes", "crawler.archive.warc",
    "crawler.extraction.warmup", "crawler.identity",
]


@dataclass
class Extracted:
    """What extraction made of one page: a record and its fingerprint, or why not."""

    record: ArticleRecord | None = None
    # content_hash and per-field digests, computed where the record was made (see
    # crawler.archive.changes.fingerprint); valid for the record as extracted.
    fingerprint: tuple[str, tuple[str, ...]] | None = None
    error: str | None = None
    # The traceback when the error is an unexpected exception in extraction (a bug), not a
    # page that holds no article.
    trace: str | None = None
    # Where it failed: "parse" (no article in the page), or "fetch" (the answer's body could
    # not be decompressed, or was too large once decompressed).
    stage: str = "parse"
    # The answer's WARC records, when its capture came along (see crawler.archive.warc.Held),
    # or why they could not be made.
    warc: Serialized | None = None
    warc_error: str | None = None
    # What the page says of which post it is, and what it looks like (crawler.identity):
    # read whether or not it holds an article.
    identity: PageIdentity | None = None


# Content codings undone here, in the worker, rather than by Scrapy in the reactor thread
# (crawler.middlewares.ArticleCompressionMiddleware): gzip and deflate, the ones every
# server speaks. Others (br, zstd) are undone by Scrapy's middleware as usual.
WORKER_CODINGS = frozenset({"gzip", "x-gzip", "deflate"})


class BodyError(ValueError):
    """An answer's body that could not be decompressed, or grew too large doing so."""


def _inflate(data: bytes, wbits: int, room: int) -> bytes:
    """Every member of a gzip or zlib stream, at most `room` bytes (0: no limit) plus one."""
    out: list[bytes] = []
    size = 0
    while data:
        stream = zlib.decompressobj(wbits)
        chunk = stream.decompress(data, room + 1 - size if room else 0)
        out.append(chunk)
        size += len(chunk)
        if room and size > room:
            break
        if not stream.eof:
            raise zlib.error("incomplete or truncated stream")
        data = stream.unused_data.lstrip(b"\0")  # gzip members may follow, padded with NULs
    return b"".join(out)


def decode_body(body: bytes, codings: tuple[str, ...], max_size: int = 0) -> bytes:
    """The body with its content codings (as listed in Content-Encoding, applied in that
    order) undone. Raises BodyError when a coding is unknown, the data is damaged, or the
    result exceeds max_size bytes (0: no limit), as Scrapy's DOWNLOAD_MAXSIZE would."""
    for coding in reversed(codings):
        try:
            if coding in ("gzip", "x-gzip"):
                body = _inflate(body, 16 + zlib.MAX_WBITS, max_size)
            elif coding == "deflate":
                try:  # zlib-wrapped, as the standard says; raw deflate, as some servers send
                    body = _inflate(body, zlib.MAX_WBITS, max_size)
                except zlib.error:
                    body = _inflate(body, -zlib.MAX_WBITS, max_size)
            else:
                raise BodyError(f"response body in an unknown content coding ({coding})")
        except zlib.error as exc:
            raise BodyError(f"response body could not be decompressed ({coding}): {exc}") from exc
        if max_size and len(body) > max_size:
            raise BodyError(f"response larger than {max_size} bytes")
    return body


def extract_page(
    body: bytes, url: str, fetched_at: dt.datetime, encoding: str | None,
    codings: tuple[str, ...] = (), max_size: int = 0, capture: Capture | None = None,
) -> Extracted:
    """extract() with its failures as values, so they cross a process boundary as text;
    `codings`: content codings of the body still to undo (see decode_body); `capture`: the
    answer's capture, whose WARC records are made here too (its body None: `body`, as sent)."""
    records, records_error = _records(capture, body) if capture is not None else (None, None)
    result = _extract_page(body, url, fetched_at, encoding, codings, max_size)
    result.warc, result.warc_error = records, records_error
    return result


def _records(capture: Capture, body: bytes) -> tuple[Serialized | None, str | None]:
    from crawler.archive.warc import serialize

    try:
        return serialize(capture if capture.body is not None else dataclasses.replace(capture, body=body)), None
    except Exception as exc:  # the writer thread tries again, and reports what it meets
        return None, f"{type(exc).__name__}: {exc}"


def _extract_page(
    body: bytes, url: str, fetched_at: dt.datetime, encoding: str | None,
    codings: tuple[str, ...], max_size: int,
) -> Extracted:
    from crawler.archive.changes import fingerprint
    from crawler.extraction import decode_html, extract
    from crawler.extraction.dates import SITE_TZ
    from crawler.extraction.record import ExtractionError
    from crawler.identity import read_identity

    try:
        body = decode_body(body, codings, max_size) if codings else body
    except BodyError as exc:
        return Extracted(error=str(exc), stage="fetch")
    text = decode_html(body, encoding)
    try:
        # Every page a crawl archives is the site's: dated on its clock.
        record = extract(text, url, fetched_at, clock=SITE_TZ)
    except ExtractionError as exc:
        return Extracted(error=_with_refresh(str(exc), body, url), identity=read_identity(text))
    except Exception as exc:  # a bug in extraction must not stop the crawl: record it
        return Extracted(error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc(),
                         identity=read_identity(text))
    # What the page looks like is read from the body extraction found: reading the whole
    # page's text again would cost as much as extraction.
    identity = read_identity(text, text=record.body, words=record.word_count)
    return Extracted(record=record, fingerprint=fingerprint(record), identity=identity)


def _with_refresh(error: str, body: bytes, url: str) -> str:
    """The error, naming where the page sends its reader when it is only a meta refresh."""
    from w3lib.html import get_meta_refresh

    try:
        _, target = get_meta_refresh(body[:8192].decode("utf-8", "replace"), url)
    except ValueError:
        target = None
    return f"{error} (the page is a meta refresh to {target})" if target else error


def reextract_capture(root: str, warc_file: str, warc_offset: int, url: str, seen_at: dt.datetime) -> Extracted:
    """One archived raw capture through today's extraction (for `reextract`)."""
    from crawler.archive import warc
    from crawler.extraction import charset_of

    try:
        headers, body = warc.read(root, warc_file, warc_offset)
    except (OSError, ValueError) as exc:
        # A missing or damaged WARC file: the archived version stays; the run says why.
        return Extracted(error=f"re-extraction: {type(exc).__name__}: {exc}")
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    result = extract_page(body, url, seen_at, charset_of(content_type))
    if result.error is not None:
        result.error = f"re-extraction: {result.error}"
    return result


def cores() -> int:
    """The cores this process may run on (taskset and cgroup cpusets included)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def worker_count(setting: int) -> int:
    """NCMES_EXTRACT_WORKERS: -1 (default) one per core, 0 none (extract in-thread), N."""
    return cores() if setting < 0 else setting


def _init_worker(owner: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A SIGTERM sent to the whole process group (systemd, kill -TERM -PGID) is the command
    # line's to answer; one from the owner itself (its pool terminating the workers left
    # when one died) ends this worker, or the owner would wait for it for ever. Blocked here
    # and taken by one thread that knows who sent it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_obey_owner_term, args=(owner,), name="term-watch", daemon=True).start()
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()


def _obey_owner_term(owner: int) -> None:
    while True:
        if signal.sigwaitinfo({signal.SIGTERM}).si_pid == owner:
            os._exit(128 + signal.SIGTERM)


def _exit_with(owner: int) -> None:
    """Exit this worker as soon as the process `owner` has ended, however it ended."""
    try:
        fd = os.pidfd_open(owner)
    except (AttributeError, OSError):  # not Linux 5.3+: ask every half second
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            time.sleep(0.5)
    select.select([fd], [], [])  # readable once the process has exited
    os._exit(1)


def _ready() -> int:
    return os.getpid()


def start_fork_server() -> None:
    """Start the fork server now, if it is not running: it imports extraction (PRELOAD) in
    its own process while this one goes on, and start_pool then forks workers from it."""
    import multiprocessing.forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    # Ctrl-C reaches the whole process group, and systemd's SIGTERM the whole unit: the fork
    # server (which ignores SIGINT only once its preload is imported) and its workers inherit
    # "ignore" across exec, and the command line alone answers them (workers exit with it).
    # (Only the main thread may set a handler: the command line starts it from there.)
    if threading.current_thread() is not threading.main_thread():
        multiprocessing.forkserver.ensure_running()
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes, started and ready (extraction imported) on return."""
    start_fork_server()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
        initializer=_init_worker, initargs=(os.getpid(),),
    )
    # Start every worker now, not on the first pages of the crawl.
    for future in [pool.submit(_ready) for _ in range(workers)]:
        future.result()
    return pool
