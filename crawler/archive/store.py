"""The archive on disk: read and reconcile state, append versions, replace snapshots atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from crawler.archive import changes as _changes
from crawler.archive.changes import HASHED_FIELDS, changed_digests, fingerprint
from crawler.archive.schema import (
    ARTICLES,
    CHANGES,
    CONTENT_FIELDS,
    FAILURES,
    FILE_KIND_KEY,
    LISTINGS,
    RUNS,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    VERSIONS,
    WARNINGS,
)

if TYPE_CHECKING:
    # Only for hints: the archive must stay importable (for reports) whatever state the
    # extraction package is in, and it reads records by attribute only.
    from crawler.extraction.record import ArticleRecord

UTC = dt.UTC
MODES = ("incremental", "full", "reextract")
STAGES = ("fetch", "parse", "store")
ChangeKind = Literal["added", "changed", "unchanged"]

# Files replaced whole (at the end of a run; runs.parquet, one row per run, at each
# checkpoint), and the schema each must carry.
SNAPSHOT_FILES: dict[str, pa.Schema] = {
    "articles.parquet": ARTICLES,
    "runs.parquet": RUNS,
    "failures.parquet": FAILURES,
    "warnings.parquet": WARNINGS,
    # Replaced by write_listings at the end of a run, not by checkpoint.
    "listings.parquet": LISTINGS,
}
# Append-only datasets: a folder of part files each.
DATASET_DIRS: dict[str, pa.Schema] = {"versions": VERSIONS, "changes": CHANGES}
TMP_SUFFIX = ".tmp"
LOCK_NAME = ".lock"
# articles.parquet is written (and read back) this many URLs at a time, sorted by URL, in
# row groups of that size: a snapshot never holds the whole archive's content in memory.
SNAPSHOT_CHUNK = 500
# What a run holds between its checkpoints and its next snapshot, as parts (a dot folder:
# readers and tools skip it): `content-*` the latest content of each article captured
# (versions/'s schema), `failures-*` and `warnings-*` the run's rows until they are
# merged into failures.parquet and warnings.parquet at the end of the run.
CURRENT_DIR = ".current"
# The columns of articles.parquet kept in memory (crawl planning and change detection);
# the content columns stay on disk.
STATE_COLUMNS = (
    "url", "content_hash", "version", "status", "first_seen", "last_seen", "last_changed",
    "run_id", "sections", "published", "series", "last_fetched", "etag", "http_last_modified",
    "sitemap_lastmod", "fetch_url",
)
# Crawl-state columns of articles.parquet: how to ask the site cheaply, not content.
CRAWL_STATE_COLUMNS = ("last_fetched", "etag", "http_last_modified", "sitemap_lastmod", "fetch_url")
# Content columns that do not enter content_hash; refreshed on every capture.
_UNHASHED_CONTENT = (
    "post_id", "published_at", "modified_at", "related", "links", "word_count", "language",
)


class ArchiveError(Exception):
    """The archive cannot be read or written; the message is one line naming the file."""


class ArchiveLocked(ArchiveError):
    """Another process holds the archive's lock."""


@dataclass
class ArticleState:
    """What the archive keeps in memory of one article URL: its version, status and crawl
    state, not its content (articles.parquet and versions/ hold that)."""

    url: str
    content_hash: str
    version: int
    status: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    last_changed: dt.datetime
    run_id: str
    sections: list[str] = field(default_factory=list)
    published: dt.date | None = None
    last_fetched: dt.datetime | None = None
    etag: str | None = None
    http_last_modified: str | None = None
    sitemap_lastmod: dt.datetime | None = None
    fetch_url: str | None = None
    # The series prefix extraction proposed (kept in versions/); articles.parquet shows it
    # only when it recurs, see Archive._snapshot_chunks.
    series_candidate: str | None = None
    # One short digest per hashed field (crawler.archive.changes.fingerprint), to name what
    # changed; None until needed for an article loaded from disk.
    digests: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Outcome:
    """What record_article did with one captured page."""

    url: str
    change: ChangeKind
    fields: list[str]
    version: int


def utc(value: dt.datetime) -> dt.datetime:
    """A timezone-aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(UTC)


def _one_line(text: str, limit: int = 2000) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _record_content(record: ArticleRecord) -> dict[str, Any]:
    """The content columns of a record as Arrow-ready Python values."""
    return {
        "url": record.url,
        "post_id": record.post_id,
        "title": record.title,
        "series": record.series,
        "sections": list(record.sections),
        "authors": list(record.authors),
        "published": record.published,
        "published_at": utc(record.published_at) if record.published_at else None,
        "modified_at": utc(record.modified_at) if record.modified_at else None,
        "body": record.body,
        "footnotes": [
            {"number": int(n.number), "text": n.text, "urls": list(n.urls)}
            for n in record.footnotes
        ],
        "related": [{"title": r.title, "url": r.url} for r in record.related],
        "links": [{"text": link.text, "url": link.url} for link in record.links],
        "word_count": int(record.word_count),
        "language": record.language,
    }


# ---------------------------------------------------------------------------------------
# Files: schema check, conforming reads, atomic writes.


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    table: pa.Table | Iterable[pa.Table], path: Path, *, hidden_tmp: bool = False,
    schema: pa.Schema | None = None, row_group_size: int | None = None,
) -> None:
    """Write a Parquet file (one table, or a stream of tables of `schema`, written as they
    come) beside its final path, fsync it, rename it over, fsync the folder."""
    # In versions/ and changes/ the temporary name also starts with a dot: pyarrow.dataset
    # and most tools skip dotfiles, so a researcher reading the folder after a killed run
    # never trips over a half-written part.
    tmp = path.with_name(("." if hidden_tmp else "") + path.name + TMP_SUFFIX)
    tables = [table] if isinstance(table, pa.Table) else table
    try:
        with open(tmp, "wb") as fh:
            writer = None
            for part in tables:
                if writer is None:
                    # Non-compliant nested names keep Arrow's list<item: ...> so the file
                    # reads back with exactly schema.py's schema (DuckDB accepts both).
                    writer = pq.ParquetWriter(
                        fh, part.schema, compression="zstd", use_compliant_nested_type=False
                    )
                writer.write_table(part, row_group_size=row_group_size)
            if writer is None:
                assert schema is not None, "an empty stream needs its schema"
                writer = pq.ParquetWriter(fh, schema, compression="zstd", use_compliant_nested_type=False)
                writer.write_table(schema.empty_table())
            writer.close()
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def check_schema(path: Path, schema: pa.Schema) -> pa.Schema:
    """The file's Arrow schema, after checking it is our Parquet of this kind and major version."""
    kind = schema.metadata[FILE_KIND_KEY].decode()
    try:
        file_schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a damaged footer
        raise ArchiveError(
            f"archive file {path} is not readable Parquet: {_one_line(exc)}"
        ) from exc
    meta = file_schema.metadata or {}
    file_kind = meta.get(FILE_KIND_KEY)
    if file_kind is None:
        raise ArchiveError(f"archive file {path} is Parquet but not an ncmes archive file")
    if file_kind.decode(errors="replace") != kind:
        raise ArchiveError(
            f"archive file {path} holds {file_kind.decode(errors='replace')!r} rows, "
            f"expected {kind!r}"
        )
    version = meta.get(SCHEMA_VERSION_KEY, b"?").decode(errors="replace")
    major = SCHEMA_VERSION.split(".")[0]
    if version.split(".")[0] != major:
        raise ArchiveError(
            f"archive file {path} was written by schema {version}; this version reads {major}.x"
        )
    return file_schema


def _conform(table: pa.Table, schema: pa.Schema, path: Path) -> pa.Table:
    """Our schema's columns in our order: a newer minor version's extra columns are dropped, an
    older one's missing nullable columns filled with nulls."""
    arrays = []
    for fld in schema:
        if fld.name in table.column_names:
            try:
                arrays.append(table[fld.name].cast(fld.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ArchiveError(
                    f"archive file {path} has column {fld.name} of an unexpected type: "
                    f"{_one_line(exc)}"
                ) from exc
        elif fld.nullable:
            arrays.append(pa.nulls(len(table), fld.type))
        else:
            raise ArchiveError(f"archive file {path} lacks column {fld.name}")
    return pa.Table.from_arrays(arrays, schema=schema)


def read_checked(path: Path, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """Read one archive file after check_schema, conformed to our schema."""
    file_schema = check_schema(path, schema)
    try:
        # An older minor version may lack a column: _conform fills it with nulls.
        present = None if columns is None else [c for c in columns if c in file_schema.names]
        table = pq.read_table(path, columns=present)
    except Exception as exc:  # a damaged data page shows only when read
        raise ArchiveError(
            f"archive file {path} is not readable Parquet: {_one_line(exc)}"
        ) from exc
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
    return _conform(table, schema, path)


def to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows cast to the declared schema (never inferred), refusing nulls in required columns."""
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        kind = schema.metadata[FILE_KIND_KEY].decode()
        raise ArchiveError(f"cannot write {kind} rows: {_one_line(exc)}") from exc
    for fld in schema:
        if not fld.nullable and table[fld.name].null_count:
            kind = schema.metadata[FILE_KIND_KEY].decode()
            raise ArchiveError(f"cannot write {kind} rows: column {fld.name} has nulls")
    return table


# The columns a snapshot takes from a version: the content (series aside: it depends on
# the whole archive) and the version number that says which one.
_SNAPSHOT_NAMES = [*(f.name for f in CONTENT_FIELDS if f.name != "series"), "version"]


def _read_range(path: Path, schema: pa.Schema, columns: list[str], lo: str, hi: str) -> pa.Table:
    """The rows of one (URL-sorted) archive file whose URL is within [lo, hi]: the row
    groups outside are skipped by their statistics."""
    try:
        present = [c for c in columns if c in pq.read_schema(path).names]
        table = pq.read_table(path, columns=present, filters=[("url", ">=", lo), ("url", "<=", hi)])
    except Exception as exc:  # a damaged data page shows only when read
        raise ArchiveError(f"archive file {path} is not readable Parquet: {_one_line(exc)}") from exc
    sub = pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
    return _conform(table, sub, path)


def _latest_matching(
    sources: list[pa.Table], names: list[str], want: dict[str, int], keep: str
) -> pa.Table:
    """One row per URL whose version is the wanted one: the first or the last such row."""
    target = pa.schema([VERSIONS.field(name) for name in names])
    table = pa.concat_tables([t.select(names).cast(target) for t in sources]) if sources else target.empty_table()
    chosen: dict[str, int] = {}
    for i, (url, version) in enumerate(
        zip(table["url"].to_pylist(), table["version"].to_pylist(), strict=True)
    ):
        if want.get(url) == version and (keep == "last" or url not in chosen):
            chosen[url] = i
    return table.take(pa.array(sorted(chosen.values()), pa.int64()))


def _refreshed(base: pa.Table, refresh: pa.Table) -> pa.Table:
    """base (sorted by URL) with the unhashed columns of the URLs in refresh replaced."""
    position = {url: i for i, url in enumerate(base["url"].to_pylist())}
    index = [position[url] for url in refresh["url"].to_pylist()]
    stale = [True] * len(base)
    for i in index:
        stale[i] = False
    old = base.take(pa.array(index, pa.int64()))
    columns = [
        refresh[name] if name in _UNHASHED_CONTENT else old[name] for name in base.column_names
    ]
    updated = pa.Table.from_arrays(columns, schema=base.schema)
    return pa.concat_tables([base.filter(pa.array(stale)), updated]).sort_by("url")


def _parts(folder: Path) -> list[Path]:
    # *.parquet never matches a leftover *.parquet.tmp: a killed writer's part is not data.
    return sorted(p for p in folder.glob("*.parquet") if p.is_file())


# ---------------------------------------------------------------------------------------


class Archive:
    """One archive folder: its state in memory, pending rows, and the lock while writing.

    Policies worth knowing:
    - series: extraction proposes a title prefix; articles.parquet shows it only when at
      least two articles of the archive (live or removed) share it, else null. versions/
      keeps the proposal as extracted.
    - a removed article that answers again with the same content goes back to live with
      no new version and no change event (counted unchanged); with new content it gets a
      new version and a "changed" event.
    - memory: the state of each article (version, hash, status, crawl state, sections,
      date), never its content; content goes to parts on disk as it is recorded.
    - a checkpoint appends parts (versions/, changes/, and the run's `.current/` parts) and
      rewrites runs.parquet (one row per run); it never rewrites a file that grows with
      the archive. articles.parquet, failures.parquet and warnings.parquet are written at
      the end of the run (articles.parquet also every `snapshot_parts` checkpoints or
      `snapshot_seconds`), from the previous snapshot and the parts.
    - a kill between snapshots loses no version, change event, failure or warning (parts
      on disk; versions ahead of articles.parquet and removals logged after it are applied
      on load), but does lose the crawl state of articles seen unchanged since the last
      snapshot (last_seen, last_fetched, validators): the next crawl asks them again.
    """

    def __init__(self, root: Path | str, *, create: bool = True) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            if not create:
                raise ArchiveError(f"archive {self.root} does not exist")
            self.root.mkdir(parents=True, exist_ok=True)
        self.versions_dir = self.root / "versions"
        self.changes_dir = self.root / "changes"
        self.current_dir = self.root / CURRENT_DIR
        # Guards state and pending lists: the crawler records from the reactor's pipeline
        # and checkpoints from a worker thread.
        self._mutex = threading.RLock()
        # Serialises checkpoints end to end so an older snapshot never replaces a newer one.
        self._write_lock = threading.Lock()
        self._lock_fd: int | None = None
        self._lock_owned_by_run = False
        self.run_id: str | None = None
        self._run_row: dict[str, Any] | None = None
        self._part_seq = 0
        # A long run also writes articles.parquet after this many checkpoints with content
        # or this many seconds, so that a kill costs little (set from the crawl's settings).
        self.snapshot_parts = 10
        self.snapshot_seconds = 600.0
        self._last_snapshot = time.monotonic()
        self._load()

    # -- loading -------------------------------------------------------------------------

    def _load(self) -> None:
        with self._mutex:
            self.state: dict[str, ArticleState] = {}
            self._pending_versions: list[dict[str, Any]] = []
            self._pending_changes: list[dict[str, Any]] = []
            self._pending_failures: list[dict[str, Any]] = []
            self._pending_warnings: list[dict[str, Any]] = []
            # Latest content of articles captured unchanged (versions/'s schema), until the
            # next checkpoint writes them as a `.current/content-*` part.
            self._pending_content: list[dict[str, Any]] = []
            self._counts: Counter[str] = Counter()

            tables: dict[str, pa.Table] = {}
            for name, schema in SNAPSHOT_FILES.items():
                path = self.root / name
                columns = list(STATE_COLUMNS) if name == "articles.parquet" else None
                if path.exists():
                    tables[name] = read_checked(path, schema, columns=columns)
                else:
                    empty = schema.empty_table()
                    tables[name] = empty.select(columns) if columns else empty
            self._version_files = self._check_dataset("versions")
            self._change_files = self._check_dataset("changes")
            # Version parts that may hold content newer than articles.parquet.
            self._fresh_version_files: list[Path] = []

            self._runs: list[dict[str, Any]] = tables["runs.parquet"].to_pylist()
            # failures and warnings parts of runs not yet merged (a killed run's, or this
            # run's): read with the files, merged into them at the end of the next run.
            self._run_parts: list[Path] = []
            self._stale_parts: list[Path] = []
            self._failures = self._with_parts(tables["failures.parquet"], "failures", FAILURES)
            self._warnings = self._with_parts(tables["warnings.parquet"], "warnings", WARNINGS)
            self._content_files = self._current_parts("content", VERSIONS)
            self._listings = tables["listings.parquet"]
            self._changes = self._read_dataset(self._change_files, CHANGES)
            for row in tables["articles.parquet"].to_pylist():
                series = row.pop("series")
                self.state[row["url"]] = ArticleState(**row, series_candidate=series)
            self._reconcile()
            self._loaded_stamp = self._disk_stamp()

    def _current_parts(self, kind: str, schema: pa.Schema) -> list[Path]:
        if not self.current_dir.is_dir():
            return []
        files = sorted(self.current_dir.glob(f"{kind}-*.parquet"))
        for path in files:
            check_schema(path, schema)
        return files

    def _with_parts(self, table: pa.Table, kind: str, schema: pa.Schema) -> pa.Table:
        """failures or warnings with the rows of their unmerged parts; a part whose run is
        already in the file was merged (the kill came before its deletion): skipped."""
        merged = set(pc.unique(table["run_id"]).to_pylist()) if len(table) else set()
        extra = [table]
        for path in self._current_parts(kind, schema):
            run_id = path.name[len(kind) + 1 : -len(".parquet")].rsplit("-", 1)[0]
            if run_id in merged:
                self._stale_parts.append(path)
            else:
                extra.append(read_checked(path, schema))
                self._run_parts.append(path)
        return pa.concat_tables(extra) if len(extra) > 1 else table

    def _disk_stamp(self) -> tuple[tuple[str, int, int], ...]:
        """What the files on disk look like now (names, sizes, mtimes), to tell whether
        another process wrote to the archive since it was loaded."""
        paths = [self.root / name for name in SNAPSHOT_FILES]
        for folder in (self.versions_dir, self.changes_dir, self.current_dir):
            paths += _parts(folder) if folder.is_dir() else []
        stamp = []
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                info = path.stat()
                stamp.append((str(path), info.st_size, info.st_mtime_ns))
        return tuple(stamp)

    def _check_dataset(self, name: str) -> list[Path]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        files = _parts(folder)
        for path in files:
            check_schema(path, DATASET_DIRS[name])
        return files

    @staticmethod
    def _read_dataset(
        files: list[Path], schema: pa.Schema, columns: list[str] | None = None, filt: Any = None
    ) -> pa.Table:
        if not files:
            table = schema.empty_table()
            return table.select(columns) if columns else table
        try:
            # The explicit schema makes a part of an older minor version read with nulls.
            dataset = ds.dataset([str(p) for p in files], schema=schema, format="parquet")
            # One part at a time: the parts are small, and reading many at once (Arrow's
            # default) holds many decoded parts in memory for the rows a filter keeps.
            return dataset.to_table(
                columns=columns, filter=filt, use_threads=False, fragment_readahead=1,
                batch_readahead=1,
            )
        except Exception as exc:  # a damaged data page shows only when read
            raise ArchiveError(Archive._unreadable_part(files, exc)) from exc

    @staticmethod
    def _unreadable_part(files: list[Path], error: Exception) -> str:
        """The one-line error for a dataset that failed to read, naming the damaged part."""
        for path in files:
            try:
                pq.read_table(path)
            except (pa.ArrowException, OSError, ValueError) as exc:  # pyarrow's read errors
                return f"archive file {path} is not readable Parquet: {_one_line(exc)}"
        return f"archive folder {files[0].parent} holds an unreadable part: {_one_line(error)}"

    def _reconcile(self) -> None:
        """Apply what a run killed before its snapshot left in versions/ and changes/."""
        index = self._read_dataset(
            self._version_files, VERSIONS, columns=["url", "version", "series"]
        )
        newest: dict[str, tuple[int, str | None]] = {}
        for url, version, series in zip(
            index["url"].to_pylist(), index["version"].to_pylist(), index["series"].to_pylist(),
            strict=True,
        ):
            if url not in newest or version > newest[url][0]:
                newest[url] = (version, series)
        ahead = []
        for url, (version, series) in newest.items():
            current = self.state.get(url)
            if current is None or version > current.version:
                ahead.append(url)
            elif current.series_candidate is None and version == current.version:
                # articles.parquet shows series only when it recurs; versions/ keeps what
                # extraction proposed, which must survive a reload to be counted.
                current.series_candidate = series
        if ahead:
            self._apply_versions(ahead)
        self._apply_removals()

    def _apply_versions(self, ahead: list[str]) -> None:
        rows = self._read_dataset(
            self._version_files, VERSIONS, filt=pc.field("url").isin(ahead)
        ).sort_by([("url", "ascending"), ("version", "ascending")])
        logged = {
            (u, v)
            for u, v, c in zip(
                self._changes["url"].to_pylist(),
                self._changes["version"].to_pylist(),
                self._changes["change"].to_pylist(),
                strict=True,
            )
            if c in ("added", "changed")
        }
        # The snapshot's content of these articles is older than their versions.
        self._fresh_version_files = list(self._version_files)
        for row in rows.to_pylist():
            prev = self.state.get(row["url"])
            if prev is not None and row["version"] <= prev.version:
                continue
            state = self._state_from_version(row, prev)
            if (row["url"], row["version"]) not in logged:
                # The kill also lost the change event, or came before the changes part.
                fields = [] if prev is None else self._changed(prev, state.digests or ())
                self._pending_changes.append(
                    {
                        "run_id": row["run_id"],
                        "url": row["url"],
                        "change": "added" if prev is None else "changed",
                        "fields": fields,
                        "version": row["version"],
                        "at": row["seen_at"],
                    }
                )
            self.state[row["url"]] = state

    def _apply_removals(self) -> None:
        """A removal logged after the snapshot was taken (its time is after the article was
        last seen live) is applied: the kill came before the snapshot that showed it."""
        removed = self._changes.filter(pc.equal(self._changes["change"], "removed"))
        for url, version, at in zip(
            removed["url"].to_pylist(), removed["version"].to_pylist(), removed["at"].to_pylist(),
            strict=True,
        ):
            state = self.state.get(url)
            if (
                state is not None and state.status == "live" and state.version == version
                and at > state.last_seen
            ):
                state.status = "removed"
                state.last_fetched = at
                state.etag = state.http_last_modified = None

    @staticmethod
    def _state_from_version(row: dict[str, Any], prev: ArticleState | None) -> ArticleState:
        seen = row["seen_at"]
        return ArticleState(
            url=row["url"],
            content_hash=row["content_hash"],
            version=row["version"],
            sections=list(row["sections"]),
            published=row["published"],
            run_id=row["run_id"],
            status="live",
            first_seen=prev.first_seen if prev else seen,
            last_seen=seen,
            last_changed=seen,
            last_fetched=seen,
            # The validators of the answer this version was read from (schema 1.3; null in
            # older parts, and then the next crawl downloads the page and confirms it). Those
            # of the old snapshot describe an older response.
            etag=row.get("etag"),
            http_last_modified=row.get("http_last_modified"),
            sitemap_lastmod=prev.sitemap_lastmod if prev else None,
            fetch_url=prev.fetch_url if prev else None,
            series_candidate=row["series"],
            digests=fingerprint(row)[1],
        )

    def _changed(self, prev: ArticleState, digests: tuple[str, ...]) -> list[str]:
        """The hashed fields in which `digests` differ from the article's current version."""
        if prev.digests is None:
            self._load_digests()
        if prev.digests is None:
            rows = self._read_dataset(
                self._version_files, VERSIONS,
                filt=(pc.field("url") == prev.url) & (pc.field("version") == prev.version),
            ).to_pylist()
            prev.digests = fingerprint(rows[0])[1] if rows else ()
        if not prev.digests or not digests:
            return []
        return changed_digests(prev.digests, digests)

    def _load_digests(self) -> None:
        """Per-field digests of every article loaded from articles.parquet, read in batches
        (once per process, when the first changed article needs them)."""
        path = self.root / "articles.parquet"
        if not path.exists():
            return
        try:
            reader = pq.ParquetFile(path)
            for batch in reader.iter_batches(
                batch_size=256, columns=["url", "content_hash", *HASHED_FIELDS]
            ):
                for row in batch.to_pylist():
                    state = self.state.get(row["url"])
                    if (
                        state is not None and state.digests is None
                        and state.content_hash == row["content_hash"]
                    ):
                        state.digests = fingerprint(row)[1]
        except (pa.ArrowException, OSError) as exc:
            raise ArchiveError(f"archive file {path} is not readable Parquet: {_one_line(exc)}") from exc

    # -- lock -----------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        """True while this object holds the archive's lock."""
        return self._lock_fd is not None

    def acquire_lock(self, run_id: str | None = None) -> None:
        """Take the exclusive lock (released by the OS if the process dies), then reload state."""
        if self._lock_fd is not None:
            return
        path = self.root / LOCK_NAME
        # O_RDWR without O_TRUNC: the holder's details must survive our failed attempt.
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
            except (ValueError, UnicodeDecodeError):
                info = {}
            os.close(fd)
            raise ArchiveLocked(
                f"archive {self.root} is in use by another crawl "
                f"(pid {info.get('pid', '?')}, started {info.get('started', '?')})"
            ) from None
        self._lock_fd = fd
        try:
            self._write_lock_info(run_id)
            self._remove_tmp()
            # Another run may have finished between our open and our lock: reload then
            # (and only then: loading reads every file).
            if self._disk_stamp() != self._loaded_stamp:
                self._load()
        except BaseException:
            self.release_lock()
            raise

    def _write_lock_info(self, run_id: str | None) -> None:
        assert self._lock_fd is not None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "run_id": run_id,
            "started": _now().isoformat(timespec="seconds"),
        }
        data = json.dumps(info).encode()
        os.ftruncate(self._lock_fd, 0)
        os.pwrite(self._lock_fd, data, 0)

    def release_lock(self) -> None:
        """Release the lock; the .lock file stays (deleting it would race another taker)."""
        if self._lock_fd is None:
            return
        fd, self._lock_fd = self._lock_fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @contextlib.contextmanager
    def lock(self) -> Iterator[Archive]:
        """Hold the lock for the duration of a with block."""
        self.acquire_lock()
        try:
            yield self
        finally:
            self.release_lock()

    def _remove_tmp(self) -> None:
        # Only the lock holder may do this: an unlocked reader could delete the .tmp a live
        # writer is about to rename.
        for folder in (self.root, self.versions_dir, self.changes_dir, self.current_dir):
            if folder.is_dir():
                for tmp in folder.glob("*" + TMP_SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        tmp.unlink()

    def _require_lock(self) -> None:
        if self._lock_fd is None:
            raise ArchiveError(f"archive {self.root} is not locked by this process")

    # -- runs -----------------------------------------------------------------------------

    def begin_run(self, site: str, mode: str, *, started_at: dt.datetime | None = None) -> str:
        """Start a run (taking the lock if needed) and write its row with completed=False."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if self._lock_fd is None:
            self.acquire_lock()
            self._lock_owned_by_run = True
        started = utc(started_at) if started_at else _now()
        existing = {r["run_id"] for r in self._runs}
        while True:
            run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
            if run_id not in existing:
                break
        with self._mutex:
            self.run_id = run_id
            self._part_seq = 0
            self._counts = Counter()
            self._run_row = {
                "run_id": run_id,
                "site": site,
                "mode": mode,
                "started_at": started,
                "finished_at": None,
                "completed": False,
                **{name: 0 for name in RUNS.names if RUNS.field(name).type == pa.int64()},
            }
            self._runs.append(self._run_row)
        self._write_lock_info(run_id)
        with self._write_lock:
            write_atomic(to_table(self._runs, RUNS), self.root / "runs.parquet")
        return run_id

    def _require_run(self) -> str:
        if self.run_id is None:
            raise ArchiveError(f"archive {self.root}: no run begun")
        return self.run_id

    def finish_run(self, completed: bool, counters: dict[str, int] | None = None) -> dict[str, Any]:
        """Final checkpoint; the run row gets finished_at, completed and its counts."""
        run_id = self._require_run()
        counters = counters or {}
        with self._mutex:
            assert self._run_row is not None
            for name in ("requests", "pages_downloaded", "not_modified", "bytes_received"):
                self._run_row[name] = int(counters.get(name, 0))
            self._run_row["limit_reached"] = bool(counters.get("limit_reached", False))
            self._run_row["completed"] = bool(completed)
            self._run_row["finished_at"] = _now()
        self.checkpoint(final=True)
        row = dict(self._run_row)
        self.run_id = None
        self._run_row = None
        if self._lock_owned_by_run:
            self._lock_owned_by_run = False
            self.release_lock()
        assert row["run_id"] == run_id
        return row

    # -- recording ------------------------------------------------------------------------

    def record_article(
        self,
        record: ArticleRecord,
        *,
        fetched_at: dt.datetime,
        etag: str | None = None,
        http_last_modified: str | None = None,
        sitemap_lastmod: dt.datetime | None = None,
        warc: tuple[str, int, str] | None = None,
        reextracted: bool = False,
        fetch_url: str | None = None,
        fingerprint: tuple[str, tuple[str, ...]] | None = None,
    ) -> Outcome:
        """Compare one captured article with its state; a new content_hash makes a new version.

        reextracted: the record comes from a raw capture already archived (fetched_at is
        that capture's time), not from the site now: the article's status, last_seen and
        crawl state stay as they are.
        fingerprint: the record's (crawler.archive.changes.fingerprint), when the caller
        computed it already (in an extraction worker).
        """
        run_id = self._require_run()
        at = utc(fetched_at)
        content = _record_content(record)
        digest, digests = fingerprint or _changes.fingerprint(record)
        with self._mutex:
            prev = self.state.get(record.url)
            if reextracted and prev is None:
                raise ValueError(f"cannot re-extract {record.url}: not in the archive")
            for warning in record.warnings:
                self._add_warning(record.url, warning, at)
            if prev is not None and prev.content_hash == digest:
                prev.series_candidate = record.series
                if prev.digests is None:
                    prev.digests = digests
                if not reextracted:
                    prev.status = "live"
                    prev.last_seen = at
                    self._touch(prev, at, etag, http_last_modified, sitemap_lastmod, fetch_url)
                # The columns outside the hash (related, links, dates from metadata...) are
                # refreshed in articles.parquet at the next snapshot.
                self._pending_content.append(
                    {**content, "content_hash": digest, "version": prev.version, "seen_at": at,
                     "run_id": run_id, "warc_file": None, "warc_offset": None, "warc_record_id": None,
                     "etag": prev.etag, "http_last_modified": prev.http_last_modified}
                )
                self._counts["articles_unchanged"] += 1
                return Outcome(record.url, "unchanged", [], prev.version)

            version = 1 if prev is None else prev.version + 1
            fields = [] if prev is None else self._changed(prev, digests)
            change: ChangeKind = "added" if prev is None else "changed"
            state = ArticleState(
                url=record.url,
                content_hash=digest,
                version=version,
                status=prev.status if reextracted and prev else "live",
                first_seen=prev.first_seen if prev else at,
                last_seen=prev.last_seen if reextracted and prev else at,
                last_changed=at,
                run_id=run_id,
                sections=content["sections"],
                published=content["published"],
                series_candidate=record.series,
                sitemap_lastmod=prev.sitemap_lastmod if prev else None,
                fetch_url=prev.fetch_url if prev else None,
                digests=digests,
            )
            if reextracted and prev:
                state.last_fetched = prev.last_fetched
                state.etag, state.http_last_modified = prev.etag, prev.http_last_modified
            else:
                self._touch(state, at, etag, http_last_modified, sitemap_lastmod, fetch_url)
            self.state[record.url] = state
            warc_file, warc_offset, warc_id = warc if warc else (None, None, None)
            self._pending_versions.append(
                {
                    **content,
                    "content_hash": digest,
                    "version": version,
                    "seen_at": at,
                    "run_id": run_id,
                    "warc_file": warc_file,
                    "warc_offset": warc_offset,
                    "warc_record_id": warc_id,
                    "etag": state.etag,
                    "http_last_modified": state.http_last_modified,
                }
            )
            self._pending_changes.append(
                {
                    "run_id": run_id,
                    "url": record.url,
                    "change": change,
                    "fields": fields,
                    "version": version,
                    "at": at,
                }
            )
            self._counts[f"articles_{change}"] += 1
            return Outcome(record.url, change, fields, version)

    @staticmethod
    def _touch(
        state: ArticleState,
        at: dt.datetime,
        etag: str | None,
        http_last_modified: str | None,
        sitemap_lastmod: dt.datetime | None,
        fetch_url: str | None = None,
    ) -> None:
        state.last_fetched = at
        if fetch_url is not None:
            state.fetch_url = fetch_url
        # The response's validators replace the old ones, even by None: a validator the
        # server no longer sends must not be replayed.
        state.etag = etag
        state.http_last_modified = http_last_modified
        if sitemap_lastmod is not None:
            state.sitemap_lastmod = utc(sitemap_lastmod)

    def record_not_modified(
        self,
        url: str,
        at: dt.datetime,
        etag: str | None = None,
        http_last_modified: str | None = None,
        sitemap_lastmod: dt.datetime | None = None,
        fetch_url: str | None = None,
    ) -> bool:
        """A 304 for a known article: seen again, unchanged. False for an unknown URL."""
        self._require_run()
        at = utc(at)
        with self._mutex:
            state = self.state.get(url)
            if state is None:
                return False
            state.last_seen = state.last_fetched = at
            state.status = "live"
            # A 304 may omit validators; keep the ones we have then.
            if etag is not None:
                state.etag = etag
            if http_last_modified is not None:
                state.http_last_modified = http_last_modified
            if sitemap_lastmod is not None:
                state.sitemap_lastmod = utc(sitemap_lastmod)
            if fetch_url is not None:
                state.fetch_url = fetch_url
            self._counts["articles_unchanged"] += 1
            return True

    def record_removed(self, url: str, at: dt.datetime, http_status: int) -> bool:
        """A 404/410 for a known live article: status removed, history kept, event logged."""
        run_id = self._require_run()
        if http_status not in (404, 410):
            raise ValueError(f"only 404 or 410 removes an article, not {http_status}")
        at = utc(at)
        with self._mutex:
            state = self.state.get(url)
            if state is None or state.status == "removed":
                return False
            state.status = "removed"
            state.last_fetched = at
            state.etag = state.http_last_modified = None
            self._pending_changes.append(
                {
                    "run_id": run_id,
                    "url": url,
                    "change": "removed",
                    "fields": [],
                    "version": state.version,
                    "at": at,
                }
            )
            self._counts["articles_removed"] += 1
            return True

    def record_failure(self, url: str, stage: str, error: str, at: dt.datetime) -> None:
        """A page that failed in this run; never touches the article's state."""
        run_id = self._require_run()
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
        with self._mutex:
            self._pending_failures.append(
                {
                    "run_id": run_id,
                    "url": url,
                    "stage": stage,
                    "error": _one_line(error),
                    "at": utc(at),
                }
            )
            self._counts["failures"] += 1

    def record_warning(self, url: str, warning: str, at: dt.datetime) -> None:
        """An extraction warning worth a look; not part of the content."""
        self._require_run()
        with self._mutex:
            self._add_warning(url, warning, utc(at))

    def _add_warning(self, url: str, warning: str, at: dt.datetime) -> None:
        self._pending_warnings.append(
            {"run_id": self.run_id, "url": url, "warning": _one_line(warning), "at": at}
        )
        self._counts["warnings"] += 1

    # -- writing --------------------------------------------------------------------------

    def checkpoint(self, *, final: bool = False) -> None:
        """Append what is pending as parts (versions/, changes/, `.current/`) and rewrite
        runs.parquet; then, at the end of a run (final) or when parts have gathered, write
        the snapshot files from the parts."""
        self._require_lock()
        with self._write_lock:
            with self._mutex:
                run_id = self._require_run()
                versions, self._pending_versions = self._pending_versions, []
                changes, self._pending_changes = self._pending_changes, []
                failures, self._pending_failures = self._pending_failures, []
                warnings, self._pending_warnings = self._pending_warnings, []
                content, self._pending_content = self._pending_content, []
                assert self._run_row is not None
                for name, value in self._counts.items():
                    self._run_row[name] = value
                runs = to_table(self._runs, RUNS)
                seq = self._part_seq
            batches = (
                (versions, VERSIONS, self.versions_dir, "part", self._version_files),
                (changes, CHANGES, self.changes_dir, "part", self._change_files),
                (content, VERSIONS, self.current_dir, "content", self._content_files),
                (failures, FAILURES, self.current_dir, "failures", self._run_parts),
                (warnings, WARNINGS, self.current_dir, "warnings", self._run_parts),
            )
            pendings = (
                self._pending_versions, self._pending_changes, self._pending_content,
                self._pending_failures, self._pending_warnings,
            )
            written: set[int] = set()
            try:
                for key, (rows, schema, folder, prefix, files) in enumerate(batches):
                    if not rows:
                        continue
                    folder.mkdir(exist_ok=True)
                    path = folder / f"{prefix}-{run_id}-{seq:05d}.parquet"
                    table = to_table(rows, schema)
                    write_atomic(table, path, hidden_tmp=True)
                    written.add(key)
                    with self._mutex:
                        files.append(path)
                        if folder == self.versions_dir:
                            self._fresh_version_files.append(path)
                        elif prefix == "part":
                            self._changes = pa.concat_tables([self._changes, table])
                        elif prefix == "failures":
                            self._failures = pa.concat_tables([self._failures, table])
                        elif prefix == "warnings":
                            self._warnings = pa.concat_tables([self._warnings, table])
                write_atomic(runs, self.root / "runs.parquet")
            except BaseException:
                with self._mutex:
                    # Parts already renamed are on disk; what is not goes back to pending so
                    # the next checkpoint retries it.
                    for key, ((rows, *_), pending) in enumerate(zip(batches, pendings, strict=True)):
                        if rows and key not in written:
                            pending[:0] = rows
                    if written:
                        self._part_seq += 1
                raise
            with self._mutex:
                if written:
                    self._part_seq += 1
            due = (
                len(self._content_files) + len(self._fresh_version_files) >= self.snapshot_parts
                or time.monotonic() - self._last_snapshot >= self.snapshot_seconds
            )
            if final or due:
                self._write_snapshot(final)

    def _write_snapshot(self, final: bool) -> None:
        """articles.parquet from the previous one and the parts; at the end of a run also
        failures.parquet and warnings.parquet with the run's parts merged. The parts so
        merged are deleted afterwards (a kill in between: see _with_parts)."""
        with self._mutex:
            content_files = list(self._content_files)
            fresh = list(self._fresh_version_files)
            states = [replace(st) for st in self.state.values()]
        write_atomic(
            self._snapshot_chunks(states, content_files, fresh, [], []),
            self.root / "articles.parquet", schema=ARTICLES, row_group_size=SNAPSHOT_CHUNK,
        )
        # Arrow keeps freed buffers for reuse; the crawl has no more use for them.
        pa.default_memory_pool().release_unused()
        done = content_files
        if final:
            with self._mutex:
                failures, warnings = self._failures, self._warnings
                merged = list(self._run_parts) + list(self._stale_parts)
            write_atomic(failures, self.root / "failures.parquet")
            write_atomic(warnings, self.root / "warnings.parquet")
            done = done + merged
        with self._mutex:
            self._content_files = [p for p in self._content_files if p not in content_files]
            self._fresh_version_files = [p for p in self._fresh_version_files if p not in fresh]
            if final:
                self._run_parts = [p for p in self._run_parts if p not in done]
                self._stale_parts = []
            self._last_snapshot = time.monotonic()
        for path in done:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _snapshot_chunks(
        self,
        states: list[ArticleState],
        content_files: list[Path],
        fresh_files: list[Path],
        pending_versions: list[dict[str, Any]],
        pending_content: list[dict[str, Any]],
    ) -> Iterator[pa.Table]:
        """articles.parquet as it stands, SNAPSHOT_CHUNK URLs at a time in URL order: each
        article's content from the version it is at (the previous snapshot, or a version
        part written since), the columns outside the hash from its latest capture, the
        rest from `states`."""
        states = sorted(states, key=lambda s: s.url)
        # A title prefix is a series only if at least two articles share it: one article's
        # "Interview: ..." prefix is just part of its title.
        counts = Counter(s.series_candidate for s in states if s.series_candidate)
        # A part merged and deleted by the writer since this reader listed it is in the
        # snapshot it wrote: skip it.
        content_files = [p for p in content_files if p.exists()]
        # The parts written since the last snapshot are read once, not once per chunk (in
        # crawl order, each spans every chunk's URLs): a few checkpoints' rows at most,
        # as snapshots come every `snapshot_parts` parts.
        fresh = self._read_dataset(fresh_files, VERSIONS, columns=_SNAPSHOT_NAMES) if fresh_files else None
        content = self._read_dataset(content_files, VERSIONS, columns=_SNAPSHOT_NAMES) if content_files else None
        for start in range(0, len(states), SNAPSHOT_CHUNK):
            chunk = states[start : start + SNAPSHOT_CHUNK]
            yield self._snapshot_chunk(chunk, counts, content, fresh, pending_versions, pending_content)

    def _snapshot_chunk(
        self,
        states: list[ArticleState],
        counts: Counter[str],
        content: pa.Table | None,
        fresh: pa.Table | None,
        pending_versions: list[dict[str, Any]],
        pending_content: list[dict[str, Any]],
    ) -> pa.Table:
        want = {s.url: s.version for s in states}
        lo, hi = states[0].url, states[-1].url
        in_range = (pc.field("url") >= lo) & (pc.field("url") <= hi)
        names = _SNAPSHOT_NAMES

        def pending(rows: list[dict[str, Any]]) -> list[pa.Table]:
            rows = [r for r in rows if r["url"] in want]
            return [to_table(rows, VERSIONS).select(names)] if rows else []

        sources = []
        old_path = self.root / "articles.parquet"
        if old_path.exists():
            sources.append(_read_range(old_path, ARTICLES, names, lo, hi))
        if fresh is not None:
            sources.append(fresh.filter(in_range))
        base = _latest_matching(sources + pending(pending_versions), names, want, keep="first")
        if len(base) < len(want):
            # Another process replaced the snapshot since this one was loaded: the versions
            # this state is at are in versions/ whatever happened since.
            missing = sorted(set(want) - set(base["url"].to_pylist()))
            found = self._read_dataset(
                self._version_files, VERSIONS, columns=names, filt=pc.field("url").isin(missing)
            )
            base = _latest_matching([base, found], names, want, keep="first")
        refresh_sources = []
        if content is not None:
            refresh_sources.append(content.filter(in_range))
        base = base.sort_by("url")
        refresh_sources += pending(pending_content)
        if refresh_sources:
            refresh = _latest_matching(refresh_sources, names, want, keep="last").sort_by("url")
            if len(refresh):
                base = _refreshed(base, refresh)
        if base["url"].to_pylist() != list(want):
            missing = sorted(set(want) - set(base["url"].to_pylist()))[:3]
            raise ArchiveError(f"archive {self.root}: no content on disk for {', '.join(missing)}")
        columns: dict[str, Any] = {name: base[name] for name in names if name != "version"}
        columns["series"] = pa.array(
            [s.series_candidate if counts.get(s.series_candidate or "", 0) >= 2 else None for s in states],
            pa.string(),
        )
        for name in ARTICLES.names:
            if name not in columns:
                columns[name] = pa.array([getattr(s, name) for s in states], ARTICLES.field(name).type)
        return pa.Table.from_arrays([columns[name] for name in ARTICLES.names], schema=ARTICLES)

    # -- listings (the crawl plan's state) --------------------------------------------------

    def read_listings(self, site: str | None = None) -> list[dict[str, Any]]:
        """Rows of listings.parquet (see schema.LISTINGS), of one site or of all."""
        with self._mutex:
            rows = self._listings.to_pylist()
        return [row for row in rows if site is None or row["site"] == site]

    def write_listings(self, site: str, rows: list[dict[str, Any]]) -> None:
        """Replace one site's listing rows (other sites' rows kept) and write the file atomically."""
        self._require_lock()
        for row in rows:
            if row.get("site") != site:
                raise ValueError(f"listing row of {row.get('site')!r} given for {site!r}")
        with self._write_lock:
            with self._mutex:
                kept = [row for row in self._listings.to_pylist() if row["site"] != site]
                table = to_table(
                    sorted(kept + rows, key=lambda r: (r["site"], r["position"], r["url"])), LISTINGS
                )
            write_atomic(table, self.root / "listings.parquet")
            with self._mutex:
                self._listings = table

    # -- readers --------------------------------------------------------------------------

    def read_articles(self) -> pa.Table:
        """The current state of every article (reconciled), as articles.parquet holds it."""
        with self._mutex:
            chunks = list(self._snapshot_chunks(
                list(self.state.values()), self._content_files, self._fresh_version_files,
                self._pending_versions, self._pending_content,
            ))
        return pa.concat_tables(chunks) if chunks else ARTICLES.empty_table()

    def read_versions(
        self, url: str | None = None, *, urls: Collection[str] | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Every version on disk and pending, optionally of one URL or of a set of URLs
        (`urls`), optionally only some columns (url and version always), by URL then version."""
        wanted = {url} if url is not None else set(urls) if urls is not None else None
        filt = pc.field("url").isin(pa.array(sorted(wanted), pa.string())) if wanted is not None else None
        cols = None if columns is None else list(dict.fromkeys(["url", "version", *columns]))
        table = self._read_dataset(self._version_files, VERSIONS, columns=cols, filt=filt)
        with self._mutex:
            pending = [r for r in self._pending_versions if wanted is None or r["url"] in wanted]
        if pending:
            extra = to_table(pending, VERSIONS)
            table = pa.concat_tables([table, extra.select(cols) if cols else extra])
        return table.sort_by([("url", "ascending"), ("version", "ascending")])

    def count_versions(self) -> int:
        """How many versions the archive holds, from the parts' metadata (no data read)."""
        with self._mutex:
            pending = len(self._pending_versions)
        if not self._version_files:
            return pending
        try:
            on_disk = ds.dataset([str(p) for p in self._version_files], format="parquet").count_rows()
        except (pa.ArrowException, OSError) as exc:
            raise ArchiveError(Archive._unreadable_part(self._version_files, exc)) from exc
        return on_disk + pending

    def read_runs(self) -> pa.Table:
        """One row per run, the current one included, by start time."""
        with self._mutex:
            if self._run_row is not None:
                for name, value in self._counts.items():
                    self._run_row[name] = value
            table = to_table(self._runs, RUNS)
        return table.sort_by([("started_at", "ascending"), ("run_id", "ascending")])

    def _with_pending(
        self, table: pa.Table, pending: list[dict[str, Any]], schema: pa.Schema, run_id: str | None
    ) -> pa.Table:
        if pending:
            table = pa.concat_tables([table, to_table(pending, schema)])
        if run_id is not None:
            table = table.filter(pc.equal(table["run_id"], run_id))
        return table

    def read_failures(self, run_id: str | None = None) -> pa.Table:
        """Failures of every run, or of one run."""
        with self._mutex:
            return self._with_pending(self._failures, self._pending_failures, FAILURES, run_id)

    def read_warnings(self, run_id: str | None = None) -> pa.Table:
        """Extraction warnings of every run, or of one run."""
        with self._mutex:
            return self._with_pending(self._warnings, self._pending_warnings, WARNINGS, run_id)

    def read_changes(self, run_id: str | None = None) -> pa.Table:
        """Change events (added, changed, removed) of every run, or of one run."""
        with self._mutex:
            return self._with_pending(self._changes, self._pending_changes, CHANGES, run_id)

    def latest_run_id(self) -> str | None:
        """The run that started last, or None for an archive never crawled."""
        runs = self.read_runs()
        return runs["run_id"][-1].as_py() if len(runs) else None

    def close(self) -> None:
        """Release the lock if held (pending rows not checkpointed are dropped)."""
        self.release_lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "CRAWL_STATE_COLUMNS",
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArticleState",
    "Outcome",
    "check_schema",
    "write_atomic",
]
