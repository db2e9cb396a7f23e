"""warc/index.cdxj: pywb's CDXJ index of every response and revisit record in warc/.

Each line is `SURT-key 14-digit-timestamp {json}`, the JSON holding url, mime, status, digest,
length, offset and filename (relative to warc/), as pywb's own indexer writes them; lines are
sorted, so pywb and ReplayWeb.page look captures up by binary search.

The index is brought up to date at the end of each run (and by `replay`): the run's own
entries are merged in, and any WARC file the index does not cover at its present size (a run
killed with `kill -9` before its end) is re-read: a torn record at its end (a gzip member cut
short) is cut off first, so the file reads whole again. `index.files.json` beside it records
the size of each file as indexed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.files import aside_path, write_bytes_atomic

logger = logging.getLogger(__name__)

INDEX = "index.cdxj"
STATE = "index.files.json"


def surt_key(url: str) -> str:
    """The SURT form pywb looks a URL up by (the same library pywb uses)."""
    import surt

    return surt.surt(url)


def timestamp(warc_date: str) -> str:
    """14 digits, YYYYMMDDhhmmss, from a WARC-Date."""
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


@dataclass
class Entry:
    key: str
    timestamp: str
    url: str
    mime: str
    status: str
    digest: str
    length: int
    offset: int
    filename: str
    record_id: str | None = None  # not in the line: known when just written

    def line(self) -> str:
        fields = {
            "url": self.url, "mime": self.mime, "status": self.status, "digest": self.digest,
            "length": str(self.length), "offset": str(self.offset), "filename": self.filename,
        }
        # As pywb writes them: a field it has no value for ("-") is left out.
        fields = {name: value for name, value in fields.items() if value != "-"}
        return f"{self.key} {self.timestamp} {json.dumps(fields)}"

    @property
    def warc_date(self) -> str:
        t = self.timestamp.ljust(14, "0")
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    @classmethod
    def parse(cls, line: str) -> Entry:
        key, stamp, rest = line.rstrip("\n").split(" ", 2)
        fields = json.loads(rest)
        return cls(
            key=key, timestamp=stamp, url=fields["url"], mime=fields.get("mime", "-"),
            status=fields.get("status", "-"), digest=fields.get("digest", "-"),
            length=int(fields["length"]), offset=int(fields["offset"]), filename=fields["filename"],
        )


def entry_of(record: Any, filename: str, offset: int, length: int) -> Entry:
    """The index entry of a response or revisit record (a warcio ArcWarcRecord)."""
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    http = record.http_headers
    if record.rec_type == "revisit":
        mime = "warc/revisit"
    else:
        content_type = http.get_header("Content-Type") if http else None
        mime = content_type.split(";", 1)[0].split(" ", 1)[0].strip() if content_type else "unk"
    status = (http.get_statuscode() if http else None) or "-"
    digest = headers.get_header("WARC-Payload-Digest") or "-"
    if digest.startswith("sha1:"):
        digest = digest[len("sha1:"):]
    return Entry(
        key=surt_key(url), timestamp=timestamp(headers.get_header("WARC-Date")), url=url,
        mime=mime, status=status, digest=digest, length=length, offset=offset, filename=filename,
        record_id=headers.get_header("WARC-Record-ID"),
    )


def whole_prefix(path: Path) -> int:
    """Bytes of the file made of whole gzip members (a killed writer may leave a torn one)."""
    end = 0
    position = 0
    decompressor = zlib.decompressobj(31)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            data = chunk
            position_of_data = position
            position += len(chunk)
            while data:
                try:
                    decompressor.decompress(data)
                except zlib.error:
                    return end
                if not decompressor.eof:
                    break
                unused = decompressor.unused_data
                end = position_of_data + len(data) - len(unused)
                position_of_data = end
                data = unused
                decompressor = zlib.decompressobj(31)
    return end


def index_file(path: Path, repair: bool = True) -> list[Entry]:
    """Index the whole records of one WARC file; with repair, first cut a torn record off its
    end, else leave it as it is (the file is not written: a read-only archive is indexed so)."""
    size = path.stat().st_size
    whole = whole_prefix(path)
    if whole < size and repair:
        kept = cut_torn_end(path, whole)
        logger.warning("%s: cut a torn record off its end (%d bytes from %d, kept in %s)",
                       path.name, size - whole, whole, kept)
    entries: list[Entry] = []
    read_records(path, whole, entries)
    return entries


def cut_torn_end(path: Path, whole: int, stamp: str | None = None) -> Path:
    """Cut a WARC file back to its `whole` first bytes, keeping what is cut in the archive's
    damaged/ folder (`damaged/<stamp>/warc/<name>.tail`): nothing is deleted."""
    root = path.parent.parent  # warc/ is in the archive folder
    tail = aside_path(root, path.with_name(f"{path.name}.tail"), stamp)
    tail.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "rb") as fh:
        fh.seek(whole)
        write_bytes_atomic(tail, fh.read())
    with open(path, "r+b") as fh:
        fh.truncate(whole)
        fh.flush()
        os.fsync(fh.fileno())
    return tail


class _Prefix:
    """A binary file read up to `limit` bytes."""

    def __init__(self, fh: Any, limit: int) -> None:
        self.fh, self.left = fh, limit

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.fh.read(size)
        self.left -= len(data)
        return data


def read_records(path: Path, whole: int, entries: list[Entry], check_digests: bool = False) -> int:
    """Adds to `entries` the index entries of the records in a WARC file's first `whole`
    bytes (those read before a damaged record stay when warcio raises on it); returns, when
    `check_digests`, how many records' digests do not match their content."""
    from warcio.archiveiterator import ArchiveIterator

    bad = 0
    with open(path, "rb") as raw:
        records = ArchiveIterator(_Prefix(raw, whole), check_digests=check_digests)
        for record in records:
            indexed = record.rec_type in ("response", "revisit")
            if not (indexed or check_digests):
                continue
            records.read_to_end(record)
            if check_digests and record.digest_checker.passed is False:
                bad += 1
            if indexed:
                entries.append(entry_of(record, path.name, records.get_record_offset(),
                                        records.get_record_length()))
    return bad


class Index:
    """The lines of warc/index.cdxj."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def entries(self) -> list[Entry]:
        return [Entry.parse(line) for line in self.lines]

    def latest_ok(self) -> dict[str, Entry]:
        """Per URL, its latest archived 200 response (what a later 304 confirms)."""
        latest: dict[str, Entry] = {}
        for line in self.lines:
            try:
                entry = Entry.parse(line)
            except (ValueError, KeyError):
                continue  # not a line this index writes: no original to take from it
            if entry.status == "200" and entry.mime != "warc/revisit":
                known = latest.get(entry.url)
                if known is None or (entry.timestamp, entry.filename, entry.offset) >= (
                    known.timestamp, known.filename, known.offset
                ):
                    latest[entry.url] = entry
        return latest


def read(warc_dir: Path) -> Index:
    path = warc_dir / INDEX
    if not path.exists():
        return Index([])
    with open(path, encoding="utf-8") as fh:
        return Index([line.rstrip("\n") for line in fh if line.strip()])


def update(warc_dir: Path, known: dict[str, tuple[int, list[str]]] | None = None) -> Index:
    """Bring warc_dir/index.cdxj up to date with the WARC files in warc_dir.

    `known` gives, for files just written, their size and index lines (no need to reread
    them). A file the index does not cover at its present size is reread (and repaired).
    """
    index, sizes, stale = _merged(Path(warc_dir), known or {}, repair=True)
    if stale:
        index_path, state_path = Path(warc_dir) / INDEX, Path(warc_dir) / STATE
        Path(warc_dir).mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(index_path, "".join(line + "\n" for line in index.lines))
        write_bytes_atomic(state_path, json.dumps(sizes, indent=0, sort_keys=True) + "\n")
    return index


def current(warc_dir: Path) -> tuple[Index, bool]:
    """The index of the WARC files as they are, and whether warc/index.cdxj is behind them
    (then the index returned is built in memory): nothing is written, no file repaired."""
    index, _sizes, stale = _merged(Path(warc_dir), {}, repair=False)
    return index, stale


def _merged(
    warc_dir: Path, known: dict[str, tuple[int, list[str]]], repair: bool
) -> tuple[Index, dict[str, int], bool]:
    """The index lines covering every WARC file, the size of each as indexed, and whether
    that differs from warc/index.cdxj (a file reread: with `repair`, its torn end cut off
    first; without, only its whole records indexed)."""
    reindex = functools.partial(index_file, repair=repair)
    warc_dir = Path(warc_dir)
    files = sorted(p for p in warc_dir.glob("*.warc.gz") if p.is_file())
    index_path, state_path = warc_dir / INDEX, warc_dir / STATE
    state: dict[str, int] = {}
    if index_path.exists() and state_path.exists():
        try:
            state = {str(k): int(v) for k, v in json.loads(state_path.read_text()).items()}
        except (ValueError, AttributeError):
            state = {}  # unreadable: everything is reread
    current = read(warc_dir) if state else Index([])
    names = {p.name for p in files}
    fresh: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    for path in files:
        size = path.stat().st_size
        if path.name in known and known[path.name][0] == size:
            fresh[path.name] = known[path.name][1]
        elif state.get(path.name) != size:
            fresh[path.name] = [entry.line() for entry in reindex(path)]
            size = path.stat().st_size  # after a repair
        sizes[path.name] = size
    if not fresh and set(state) == names and index_path.exists():
        return current, sizes, False
    try:
        keep = [
            line for line in current.lines
            if (name := _filename(line)) in names and name not in fresh
        ]
    except (ValueError, KeyError, IndexError):
        # An unreadable line: the index is rebuilt from the files.
        logger.warning("%s: an unreadable line; rebuilding the index from the WARC files", index_path)
        for path in files:
            if path.name not in fresh:
                fresh[path.name] = [entry.line() for entry in reindex(path)]
                sizes[path.name] = path.stat().st_size
        keep = []
    lines = sorted(set(keep).union(*fresh.values()))
    return Index(lines), sizes, True


def _filename(line: str) -> str:
    return json.loads(line.split(" ", 2)[2])["filename"]

