"""The archive's one writer: takes the lock, hands each outcome to the ledger and writes the
rows it returns as parts, snapshots and run rows. Configured once at construction."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from crawler.archive import changes as _changes
from crawler.archive import journal, rows, snapshot
from crawler.archive.errors import ArchiveError
from crawler.archive.files import TMP_SUFFIX, damage_stamp, set_aside, write_atomic
from crawler.archive.journal import part_name
from crawler.archive.ledger import MODES, Outcome, Validators
from crawler.archive.lock import ArchiveLock
from crawler.archive.reader import ArchiveReader, T
from crawler.archive.rows import utc
from crawler.archive.schema import ARTICLES, CHANGES, FAILURES, LISTINGS, RUNS, VERSIONS, WARNINGS

if TYPE_CHECKING:
    from crawler.extraction.record import ArticleRecord

logger = logging.getLogger(__name__)

# Files of one level in a table before they are merged into one of the next.
COMPACT_PARTS = 10


class Archive(ArchiveReader):
    """One archive folder, written: its state in memory, pending rows, and the lock while
    writing.

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

    def __init__(
        self, root: Path | str, *, create: bool = True, snapshot_parts: int = 10,
        snapshot_seconds: float = 600.0, compact_parts: int = COMPACT_PARTS,
    ) -> None:
        root = Path(root)
        if create and not root.is_dir():
            root.mkdir(parents=True, exist_ok=True)
        # A long run also writes articles.parquet after this many checkpoints with content
        # or this many seconds, so that a kill costs little.
        self.snapshot_parts = snapshot_parts
        self.snapshot_seconds = snapshot_seconds
        # At the end of a run, a table's parts are merged when this many of one level have
        # gathered (see crawler.archive.journal): its files stay few whatever the runs.
        self.compact_parts = compact_parts
        # Serialises checkpoints end to end so an older snapshot never replaces a newer one.
        self._write_lock = threading.Lock()
        self._lock = ArchiveLock(root)
        self._lock_owned_by_run = False
        self.run_id: str | None = None
        self._run_row: dict[str, Any] | None = None
        self._part_seq = 0
        self._last_snapshot = time.monotonic()
        super().__init__(root)

    def _again(self, read: Callable[[], T]) -> T:
        # The writer holds (or takes) the lock: no one replaces files under it, and a
        # reload would drop its pending rows.
        return read()

    # -- lock -----------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        """True while this object holds the archive's lock."""
        return self._lock.held

    def acquire_lock(self, run_id: str | None = None) -> None:
        """Take the exclusive lock (released by the OS if the process dies), then reload state."""
        if self._lock.held:
            return
        self._lock.acquire(run_id)
        try:
            self._remove_tmp()
            self._remove_covered()
            # Another run may have finished between our open and our lock: reload then
            # (and only then: loading reads every file).
            if self._disk_stamp() != self._loaded_stamp:
                self._load()
            self._set_damaged_aside()
        except BaseException:
            self.release_lock()
            raise

    def release_lock(self) -> None:
        """Release the lock; the .lock file stays (deleting it would race another taker)."""
        self._lock.release()

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

    def _set_damaged_aside(self) -> None:
        """Damaged snapshot files go to damaged/ before anything replaces them: the run
        writes them anew (articles from versions/, planning state from this run)."""
        if not self.damaged:
            return
        stamp = damage_stamp()
        for name in list(self.damaged):
            path = self.root / name
            if path.exists():
                set_aside(self.root, path, stamp)
        # Stamp the listing again: the files moved are not another writer's doing.
        self._loaded_stamp = self._disk_stamp()

    def _remove_covered(self) -> None:
        # Parts a merged file holds (a compaction killed before deleting them): readers skip
        # them already; tools reading the folder would read their rows twice.
        for path in self._covered:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._covered = []

    def _require_lock(self) -> None:
        if not self._lock.held:
            raise ArchiveError(f"archive {self.root} is not locked by this process")

    # -- runs -----------------------------------------------------------------------------

    def begin_run(self, site: str, mode: str, *, started_at: dt.datetime | None = None) -> str:
        """Start a run (taking the lock if needed) and write its row with completed=False."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if not self._lock.held:
            self.acquire_lock()
            self._lock_owned_by_run = True
        started = utc(started_at) if started_at else dt.datetime.now(dt.UTC)
        existing = {r["run_id"] for r in self._runs}
        while True:
            run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
            if run_id not in existing:
                break
        with self._mutex:
            self.run_id = run_id
            self._part_seq = 0
            self.ledger.counts = Counter()
            self._run_row = rows.run(run_id, site, mode, started)
            self._runs.append(self._run_row)
        self._lock.describe(run_id)
        with self._write_lock:
            write_atomic(rows.to_table(self._runs, RUNS), self.root / "runs.parquet")
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
            self._run_row["finished_at"] = dt.datetime.now(dt.UTC)
        self.checkpoint(final=True)
        try:
            self.compact()
        except (OSError, ArchiveError) as exc:
            # The run is recorded whole; its parts are merged at the end of a later run.
            logger.warning("archive %s: parts not merged this run: %s", self.root, exc)
        row = dict(self._run_row)
        self.run_id = None
        self._run_row = None
        if self._lock_owned_by_run:
            self._lock_owned_by_run = False
            self.release_lock()
        assert row["run_id"] == run_id
        return row

    def read_runs(self) -> pa.Table:
        """One row per run, the current one included (with its counts so far), by start time."""
        with self._mutex:
            self._count_into_run_row()
        return super().read_runs()

    def _count_into_run_row(self) -> None:
        if self._run_row is not None:
            for name, value in self.ledger.counts.items():
                self._run_row[name] = value

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
        content = rows.content(record)
        print_ = fingerprint or _changes.fingerprint(record)
        with self._mutex:
            prev = self.ledger.needs_digests(record.url, print_[0])
            if prev is not None:
                self._ensure_digests(prev)
            if reextracted:
                outcome, entries = self.ledger.reextract(
                    content, print_, at, run_id, warnings=record.warnings, warc=warc
                )
            else:
                outcome, entries = self.ledger.capture(
                    content, print_, at, run_id, warnings=record.warnings, warc=warc,
                    answer=Validators(etag, http_last_modified, sitemap_lastmod, fetch_url),
                )
            self._pending_versions += entries.versions
            self._pending_changes += entries.changes
            self._pending_content += entries.content
            self._pending_warnings += entries.warnings
            return outcome

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
        with self._mutex:
            return self.ledger.not_modified(
                url, utc(at), Validators(etag, http_last_modified, sitemap_lastmod, fetch_url)
            )

    def record_removed(self, url: str, at: dt.datetime, http_status: int) -> bool:
        """A 404/410 for a known live article: status removed, history kept, event logged."""
        run_id = self._require_run()
        with self._mutex:
            change = self.ledger.removed(url, utc(at), http_status, run_id)
            if change is not None:
                self._pending_changes.append(change)
            return change is not None

    def record_failure(self, url: str, stage: str, error: str, at: dt.datetime) -> None:
        """A page that failed in this run; never touches the article's state."""
        run_id = self._require_run()
        with self._mutex:
            self._pending_failures.append(self.ledger.failure(run_id, url, stage, error, at))

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
                self._count_into_run_row()
                runs = rows.to_table(self._runs, RUNS)
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
                for key, (batch, schema, folder, prefix, files) in enumerate(batches):
                    if not batch:
                        continue
                    folder.mkdir(exist_ok=True)
                    path = folder / part_name(prefix, run_id, seq)
                    table = rows.to_table(batch, schema)
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
                    for key, ((batch, *_), pending) in enumerate(zip(batches, pendings, strict=True)):
                        if batch and key not in written:
                            pending[:0] = batch
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
        merged are deleted afterwards (a kill in between: see ArchiveReader._with_parts)."""
        with self._mutex:
            content_files = list(self._content_files)
            fresh = list(self._fresh_version_files)
            states = [replace(st) for st in self.state.values()]
        sources = snapshot.Sources(
            snapshot=self.root / "articles.parquet", version_files=self._version_files,
            fresh_files=fresh, content_files=content_files,
        )
        write_atomic(
            snapshot.chunks(states, sources), self.root / "articles.parquet", schema=ARTICLES,
            row_group_size=snapshot.SNAPSHOT_CHUNK,
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

    def compact(self, *, full: bool = False) -> dict[str, tuple[int, int]]:
        """Merge the parts of versions/ and changes/ whose level has `compact_parts` files
        (`full`: each table into one file), atomically: the same rows before and after.
        Returns each table's part count before and after."""
        self._require_lock()
        counts = {}
        with self._write_lock:
            for name, folder, schema in (
                ("versions", self.versions_dir, VERSIONS), ("changes", self.changes_dir, CHANGES),
            ):
                with self._mutex:
                    before = list(self._version_files if name == "versions" else self._change_files)
                try:
                    after = journal.compact(folder, schema, self.compact_parts, full=full)
                except BaseException:
                    # A merge failed after others succeeded: read the folder as it is now.
                    self._compacted(name, journal.live_parts(folder, schema)[0])
                    raise
                self._compacted(name, after)
                counts[name] = (len(before), len(after))
            self._loaded_stamp = self._disk_stamp()
        return counts

    def _compacted(self, name: str, files: list[Path]) -> None:
        """The parts versions/ or changes/ holds after a compaction."""
        with self._mutex:
            if name == "versions":
                self._version_files = files
                if self._fresh_version_files:
                    # Some versions may be newer than the snapshot: read them all.
                    self._fresh_version_files = list(files)
            else:
                self._change_files = files

    def rebuild_snapshot(self) -> None:
        """articles.parquet, failures.parquet and warnings.parquet written anew from
        versions/ and what was loaded (`check --repair`, after setting damaged ones aside)."""
        self._require_lock()
        with self._write_lock:
            with self._mutex:
                self._fresh_version_files = list(self._version_files)
            self._write_snapshot(final=True)

    # -- listings (the crawl plan's state) --------------------------------------------------

    def write_listings(self, site: str, listing_rows: list[dict[str, Any]]) -> None:
        """Replace one site's listing rows (other sites' rows kept) and write the file atomically."""
        self._require_lock()
        for row in listing_rows:
            if row.get("site") != site:
                raise ValueError(f"listing row of {row.get('site')!r} given for {site!r}")
        with self._write_lock:
            with self._mutex:
                kept = [row for row in self._listings.to_pylist() if row["site"] != site]
                table = rows.to_table(
                    sorted(kept + listing_rows, key=lambda r: (r["site"], r["position"], r["url"])),
                    LISTINGS,
                )
            write_atomic(table, self.root / "listings.parquet")
            with self._mutex:
                self._listings = table

    def close(self) -> None:
        """Release the lock if held (pending rows not checkpointed are dropped)."""
        self.release_lock()
