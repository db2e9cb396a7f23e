"""The web archive: every answer of every run in WARC/1.1 files, and read back by offset.

One file per run, `warc/<run_id>.warc.gz`, gzip per record, opened by a `warcinfo` record.
Each answer gives a `response` record (a 304 a `revisit` record, profile server-not-modified,
referring to the archived response it confirms) and the `request` record as it was sent.
Records are written by one thread (WarcRecorder) in batches. Those of an article page are
made (serialize(): headers, digests, gzip) by the extraction worker that reads the page, and
the thread only appends their bytes. `warc/index.cdxj` (see cdxj.py) indexes every response
and revisit record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import platform
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive import cdxj

logger = logging.getLogger(__name__)

WARC_DIR = "warc"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# The capture is taken below Scrapy's decompression middleware: the body is as the server
# sent it (Content-Encoding kept, so WARC readers decode it), but Twisted has already undone
# chunking, so Transfer-Encoding (and a wire Content-Length that no longer matches) would
# misdescribe the payload. They are kept under a renamed header.
_ORIG = "X-Archive-Orig-"
_REASONS = {
    200: "OK", 203: "Non-Authoritative Information", 301: "Moved Permanently", 302: "Found",
    304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def _text(value: bytes | str) -> str:
    # HTTP header bytes are ISO-8859-1 by definition; latin-1 round-trips any byte.
    return value.decode("latin-1") if isinstance(value, bytes) else value


def warc_date(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Capture:
    """One answer as the downloader got it (body before decompression)."""

    url: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    fetched_at: dt.datetime
    method: str = "GET"
    # What went over the wire (crawler.wire): {"request": bytes, "head": bytes}, if recorded.
    wire: dict[str, bytes] | None = None
    # Scrapy's request headers: the request record is rebuilt from them without `wire`.
    request_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    ip_address: str | None = None  # the server's, as connected to


def parse_head(head: bytes) -> tuple[str, str, list[tuple[str, str]]] | None:
    """(protocol, status line, headers in wire order) of a raw response head, else None."""
    lines = head.split(b"\r\n")
    first = _text(lines[0]).split(" ", 1)
    if len(first) != 2 or not first[0].startswith("HTTP/"):
        return None
    headers: list[tuple[str, str]] = []
    for raw in lines[1:]:
        if not raw:
            continue
        if raw[:1] in (b" ", b"\t") and headers:  # an obsolete folded continuation
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {_text(raw).strip()}")
            continue
        name, sep, value = _text(raw).partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return first[0], first[1].strip(), headers


def _response_head(capture: Capture) -> StatusAndHeaders:
    parsed = parse_head(capture.wire["head"]) if capture.wire and capture.wire.get("head") else None
    if parsed is not None and parsed[1].split(" ", 1)[0] == str(capture.status):
        protocol, status_line, headers = parsed
    else:
        protocol = "HTTP/1.1"
        status_line = f"{capture.status} {_REASONS.get(capture.status, 'Unknown')}"
        headers = [(_text(k), _text(v)) for k, v in capture.headers]
    out: list[tuple[str, str]] = []
    length_ok = False
    for name, value in headers:
        key = name.lower()
        if key == "transfer-encoding":
            out.append((_ORIG + name, value))
        elif key == "content-length":
            if value.strip() == str(len(capture.body)) and not length_ok:
                length_ok = True
                out.append((name, value))
            else:
                out.append((_ORIG + name, value))
        else:
            out.append((name, value))
    if not length_ok and (capture.body or capture.status != 304):
        out.append(("Content-Length", str(len(capture.body))))
    return StatusAndHeaders(status_line, out, protocol=protocol)


def _rebuilt_request(capture: Capture) -> bytes:
    """The request as Twisted writes it, from Scrapy's headers (when the wire form is missing)."""
    parts = urlsplit(capture.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{capture.method} {target} HTTP/1.1"]
    names = {_text(k).lower() for k, _ in capture.request_headers}
    if "host" not in names:
        lines.append(f"Host: {parts.netloc}")
    lines += [f"{_text(k)}: {_text(v)}" for k, v in capture.request_headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Written:
    """Where a capture went: its response (or revisit) record."""

    file: str  # relative to the archive folder, e.g. warc/<run>.warc.gz
    offset: int
    record_id: str


@dataclass
class Serialized:
    """An answer's WARC records, made and compressed, not yet placed in a file: its response
    (or revisit) record, then its request record, each one gzip member."""

    status: int
    data: bytes
    record_id: str  # of the response (or revisit) record
    # Its index entry, but for its file and offset, known once appended (WarcWriter.append).
    entry: cdxj.Entry


def serialize(capture: Capture, original: cdxj.Entry | None = None) -> Serialized:
    """The records of one answer, with no file or shared state: pure, so that they can be
    made anywhere (the extraction workers make those of article pages). `original`: for a
    304, the archived 200 it confirms."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    date = warc_date(capture.fetched_at)
    record_id = f"<urn:uuid:{uuid.uuid4()}>"
    head = _response_head(capture)
    warc_headers = {"WARC-Date": date, "WARC-Record-ID": record_id}
    if capture.ip_address:
        warc_headers["WARC-IP-Address"] = capture.ip_address
    if capture.status == 304:
        warc_headers["WARC-Profile"] = SERVER_NOT_MODIFIED
        if original is not None:
            warc_headers["WARC-Refers-To-Target-URI"] = original.url
            warc_headers["WARC-Refers-To-Date"] = original.warc_date
            if original.record_id:
                warc_headers["WARC-Refers-To"] = original.record_id
        record = writer.create_warc_record(
            capture.url, "revisit", payload=io.BytesIO(b""), length=0,
            http_headers=head, warc_headers_dict=warc_headers,
        )
    else:
        record = writer.create_warc_record(
            capture.url, "response", payload=io.BytesIO(capture.body), length=len(capture.body),
            http_headers=head, warc_headers_dict=warc_headers,
        )
    writer.write_record(record)
    entry = cdxj.entry_of(record, "", 0, out.tell())
    wire_request = capture.wire.get("request") if capture.wire else None
    request_headers = {"WARC-Date": date, "WARC-Concurrent-To": record_id}
    if not wire_request:
        wire_request = _rebuilt_request(capture)
        request_headers["X-Archive-Request"] = "rebuilt from the crawler's headers"
    request = writer.create_warc_record(
        capture.url, "request", payload=io.BytesIO(wire_request), length=len(wire_request),
        warc_headers_dict=request_headers,
    )
    writer.write_record(request)
    return Serialized(capture.status, out.getvalue(), record_id, entry)


class WarcWriter:
    """Appends gzip-member WARC/1.1 records to warc/<run_id>.warc.gz (not thread-safe:
    WarcRecorder owns it in one thread)."""

    def __init__(self, folder: Path | str, run_id: str, info: dict[str, str] | None = None) -> None:
        self.folder = Path(folder)
        self.basename = f"{run_id}.warc.gz"
        self.name = f"{WARC_DIR}/{self.basename}"
        self.path = self.folder / self.name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Append: a rerun with the same run id (never in practice) keeps what is there.
        self._fh = open(self.path, "ab")  # noqa: SIM115 - open for the writer's lifetime
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        self.entries: list[str] = []
        # The latest archived 200 of each URL (from the index, then this run): what a 304 confirms.
        self.originals: dict[str, cdxj.Entry] = {}
        if self._fh.tell() == 0:
            self._write_warcinfo(info or {})

    def _write_warcinfo(self, info: dict[str, str]) -> None:
        record = self._writer.create_warcinfo_record(self.basename, info)
        self._writer.write_record(record)
        self._fh.flush()

    def write(self, capture: Capture) -> Written:
        """Append one answer (and its request); returns where its response record is."""
        original = None
        if capture.status == 304:
            original = self.originals.get(capture.url)
            if original is not None and original.record_id is None:
                original.record_id = _record_id_at(self.path.parent / original.filename, original.offset)
        return self.append(serialize(capture, original))

    def append(self, records: Serialized) -> Written:
        """Append an answer's records as serialize() made them; returns where its response
        (or revisit) record is."""
        offset = self._fh.tell()
        self._fh.write(records.data)
        entry = dataclasses.replace(records.entry, filename=self.basename, offset=offset)
        if records.status == 200 and entry.mime != "warc/revisit":
            self.originals[entry.url] = entry
        self.entries.append(entry.line())
        return Written(self.name, offset, records.record_id)

    def flush(self) -> None:
        self._fh.flush()

    def size(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        """Flush and close the file."""
        if not self._fh.closed:
            self._fh.flush()
            self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def warcinfo(run_id: str, site: str, user_agent: str | None = None) -> dict[str, str]:
    """The fields of the warcinfo record that opens each file."""
    from importlib.metadata import version

    import scrapy
    import twisted

    from crawler import __version__

    info = {
        "software": f"ncmes-archive/{__version__} (Scrapy {scrapy.__version__}, Twisted "
                    f"{twisted.__version__}, warcio {version('warcio')}, "
                    f"Python {platform.python_version()})",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": site,
        "description": f"ncmes-archive crawl run {run_id} of {site}: every answer the site gave "
                       "(body as sent, before decompression; request records as written to the wire)",
        "run-id": run_id,
        "robots": "obey",
    }
    if user_agent:
        info["http-header-user-agent"] = user_agent
    return info


Done = Callable[[Written | BaseException], None]


class Held:
    """An answer's capture held back from the writer thread so that another process can make
    its records (serialize()); whoever takes it must give the records, or the capture, back
    with write(). The writer still writes, when it closes, a capture nobody took. `written`
    is where its response record went (or the exception that stopped it)."""

    def __init__(self, recorder: WarcRecorder, capture: Capture) -> None:
        self.recorder = recorder
        self.capture: Capture | None = capture
        self.written: Future = Future()

    def take(self) -> Capture | None:
        """The capture, once (None if it was taken or written already)."""
        return self.recorder._take(self)

    def write(self, records: Serialized | Capture) -> None:
        """Queue the taken capture's records (or the capture, to be serialized here)."""
        self.recorder._queue.put((records, self.written.set_result))

    def release(self) -> None:
        """Give the capture back untaken: the writer thread makes its records."""
        capture = self.take()
        if capture is not None:
            self.write(capture)


class WarcRecorder:
    """Writes captures to the run's WARC file in one thread, a batch at a time; the file is
    opened (and the index repaired if a killed run left it stale) on first use. close()
    writes the held captures nobody took, drains the queue, closes the file and brings
    warc/index.cdxj up to date."""

    BATCH = 64

    def __init__(self, folder: Path | str, run_id: str,
                 info: dict[str, str] | Callable[[], dict[str, str]],
                 on_error: Callable[[str, BaseException], None] | None = None) -> None:
        self.folder = Path(folder)
        self.run_id = run_id
        self.info = info
        self.on_error = on_error
        self.writer: WarcWriter | None = None
        self._open_error: BaseException | None = None
        self._queue: queue.Queue[tuple[Capture | Serialized, Done | None] | None] = queue.Queue()
        self._held: set[Held] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="warc-writer", daemon=True)
        self._thread.start()

    def submit(self, capture: Capture, done: Done | None = None) -> None:
        """Queue one capture (from any thread); `done` is called in the writer thread."""
        self._queue.put((capture, done))

    def hold(self, capture: Capture) -> Held:
        """Hold one capture for another to serialize (see Held)."""
        held = Held(self, capture)
        with self._lock:
            self._held.add(held)
        return held

    def _take(self, held: Held) -> Capture | None:
        with self._lock:
            if held not in self._held:
                return None
            self._held.discard(held)
        capture, held.capture = held.capture, None
        return capture

    def _open(self) -> WarcWriter:
        if self.writer is None:
            if self._open_error is not None:
                raise self._open_error
            try:
                # A run killed mid-write left its file unindexed (maybe with a torn record at
                # its end): repair and index it first, so this run's 304s find their originals.
                originals = cdxj.update(self.folder / WARC_DIR).latest_ok()
            except (OSError, ValueError) as exc:
                logger.error("warc/%s could not be brought up to date (%s: %s): this run's 304s "
                             "name no original", cdxj.INDEX, type(exc).__name__, exc)
                originals = {}
            try:
                info = self.info() if callable(self.info) else self.info
                self.writer = WarcWriter(self.folder, self.run_id, info)
            except (OSError, ValueError) as exc:
                self._open_error = exc
                raise
            self.writer.originals = originals
        return self.writer

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stop = False
            while len(batch) < self.BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            results: list[tuple[Done | None, Written | BaseException]] = []
            for answer, done in batch:
                try:
                    writer = self._open()
                    written = writer.append(answer) if isinstance(answer, Serialized) else writer.write(answer)
                    results.append((done, written))
                except Exception as exc:  # a failed write is reported, never fatal
                    results.append((done, exc))
                    if self.on_error is not None:
                        self.on_error(answer.entry.url if isinstance(answer, Serialized) else answer.url, exc)
            try:
                if self.writer is not None:
                    self.writer.flush()  # once per batch: a killed run leaves whole members
            except OSError as exc:
                results = [(done, exc) for done, _ in results]
            for done, result in results:
                if done is not None:
                    done(result)
            if stop:
                return

    def close(self) -> None:
        """Blocking (call it off the reactor): write what is held or queued, close, update the index."""
        with self._lock:
            held = list(self._held)
        for answer in held:
            answer.release()
        self._queue.put(None)
        self._thread.join()
        if self.writer is None:
            return
        try:
            self.writer.close()
            known = {self.writer.basename: (self.writer.path.stat().st_size, self.writer.entries)}
            cdxj.update(self.folder / WARC_DIR, known)
        except (OSError, ValueError) as exc:
            # The records are on disk; the next run (or `replay`) indexes what is missing.
            logger.error("warc/%s not updated: %s: %s", cdxj.INDEX, type(exc).__name__, exc)


@contextmanager
def _record_at(path: Path, offset: int) -> Iterator[ArcWarcRecord | None]:
    """The record that starts at offset in a WARC file (None past its last record)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        yield next(iter(ArchiveIterator(fh)), None)


def _record_id_at(path: Path, offset: int) -> str | None:
    """The WARC-Record-ID of the record at offset (None if it cannot be read)."""
    try:
        with _record_at(path, offset) as record:
            return record.rec_headers.get_header("WARC-Record-ID") if record is not None else None
    except (OSError, ValueError) as exc:
        logger.warning("cannot read the record at %s:%d: %s", path.name, offset, exc)
    return None


def read(folder: Path | str, file: str, offset: int) -> tuple[list[tuple[str, str]], bytes]:
    """The HTTP headers and body of the response record at offset, for re-extraction."""
    with _record_at(Path(folder) / file, offset) as record:
        if record is None:
            raise ValueError(f"{file} has no record at offset {offset}")
        if record.rec_type != "response":
            raise ValueError(f"{file} at {offset} is a {record.rec_type} record, not a response")
        headers = list(record.http_headers.headers) if record.http_headers else []
        return headers, record.content_stream().read()


def log_failure(url: str, exc: BaseException) -> None:
    logger.error("WARC capture of %s failed: %s: %s", url, type(exc).__name__, exc)

