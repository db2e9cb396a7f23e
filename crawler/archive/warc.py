"""Raw capture: every article response appended to a per-run WARC file, and read back by offset."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid
from pathlib import Path
from typing import Self

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_DIR = "warc"
# The capture is taken below Scrapy's decompression middleware: the body is as the server
# sent it (Content-Encoding kept, so WARC readers decode it), but Twisted has already undone
# chunking, so Transfer-Encoding and the wire Content-Length no longer describe the payload.
# They are kept under a renamed header.
_WIRE_HEADERS = {"transfer-encoding", "content-length"}
_REASONS = {
    200: "OK",
    203: "Non-Authoritative Information",
    304: "Not Modified",
    404: "Not Found",
    410: "Gone",
}


def _text(value: bytes | str) -> str:
    # HTTP header bytes are ISO-8859-1 by definition; latin-1 round-trips any byte.
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _warc_date(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcWriter:
    """Appends gzip-member WARC/1.1 response (and request) records to warc/<run_id>.warc.gz."""

    def __init__(self, folder: Path | str, run_id: str) -> None:
        self.folder = Path(folder)
        self.name = f"{WARC_DIR}/{run_id}.warc.gz"
        self.path = self.folder / self.name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Append: a rerun with the same run id (never in practice) keeps what is there.
        self._fh = open(self.path, "ab")  # noqa: SIM115 - open for the writer's lifetime
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        self._lock = threading.Lock()

    def write(
        self,
        url: str,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        request_headers: list[tuple[bytes, bytes]] | None,
        fetched_at: dt.datetime,
    ) -> tuple[str, int, str]:
        """Append one response; returns (file name relative to the folder, offset, record id)."""
        http_headers: list[tuple[str, str]] = []
        for name, value in headers:
            key = _text(name)
            if key.lower() in _WIRE_HEADERS:
                http_headers.append((f"X-Archive-Orig-{key}", _text(value)))
            else:
                http_headers.append((key, _text(value)))
        http_headers.append(("Content-Length", str(len(body))))
        status_line = f"{status} {_REASONS.get(status, 'Unknown')}"
        date = _warc_date(fetched_at)
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        with self._lock:
            self._fh.seek(0, io.SEEK_END)
            offset = self._fh.tell()
            response = self._writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(status_line, http_headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": record_id},
            )
            self._writer.write_record(response)
            if request_headers is not None:
                request = self._writer.create_warc_record(
                    url,
                    "request",
                    payload=io.BytesIO(b""),
                    length=0,
                    http_headers=StatusAndHeaders(
                        f"GET {url} HTTP/1.1",
                        [(_text(k), _text(v)) for k, v in request_headers],
                        is_http_request=True,
                    ),
                    warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
                )
                self._writer.write_record(request)
            # Flushed per record: a killed run leaves a readable prefix of whole members.
            self._fh.flush()
        return self.name, offset, record_id

    def close(self) -> None:
        """Flush and close the file."""
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read(folder: Path | str, file: str, offset: int) -> tuple[list[tuple[str, str]], bytes]:
    """The HTTP headers and body of the response record at offset, for re-extraction."""
    with open(Path(folder) / file, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                raise ValueError(
                    f"{file} at {offset} is a {record.rec_type} record, not a response"
                )
            headers = list(record.http_headers.headers) if record.http_headers else []
            return headers, record.content_stream().read()
    raise ValueError(f"{file} has no record at offset {offset}")
