"""The archive read-only: its state reconciled in memory, and the read methods the read side,
the CLI and replay use. Never takes the lock, never writes a file."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Self, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crawler.archive import snapshot
from crawler.archive.changes import HASHED_FIELDS, fingerprint
from crawler.archive.errors import ArchiveDamaged, ArchiveError
from crawler.archive.files import read_checked, unreadable
from crawler.archive.journal import checked_parts, count_rows, live_parts, parts, read_dataset
from crawler.archive.ledger import ArticleState, KnownArticle, Ledger
from crawler.archive.recovery import reconcile
from crawler.archive.rows import Row, to_table
from crawler.archive.schema import (
    ARTICLES,
    CHANGES,
    FAILURES,
    LISTINGS,
    RUNS,
    VERSIONS,
    WARNINGS,
)

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
# What a run holds between its checkpoints and its next snapshot, as parts (a dot folder:
# readers and tools skip it): `content-*` the latest content of each article captured
# (versions/'s schema), `failures-*` and `warnings-*` the run's rows until they are
# merged into failures.parquet and warnings.parquet at the end of the run.
CURRENT_DIR = ".current"
# The columns of articles.parquet kept in memory (crawl planning, change detection and
# what a fetched page must show to be the article); the other content columns stay on disk.
STATE_COLUMNS = (
    "url", "content_hash", "version", "status", "first_seen", "last_seen", "last_changed",
    "run_id", "sections", "published", "series", "last_fetched", "etag", "http_last_modified",
    "sitemap_lastmod", "fetch_url", "post_id", "word_count", "title",
)
# Crawl-state columns of articles.parquet: how to ask the site cheaply, not content.
CRAWL_STATE_COLUMNS = ("last_fetched", "etag", "http_last_modified", "sitemap_lastmod", "fetch_url")
# What reading without each snapshot file means, for the warning a damaged one gives.
WITHOUT = {
    "articles.parquet": "the articles are rebuilt from versions/",
    "runs.parquet": "earlier runs are unknown (a crawl asks every article and walks every listing)",
    "listings.parquet": "a crawl walks every listing to its end",
    "failures.parquet": "earlier runs' failures are not shown",
    "warnings.parquet": "earlier runs' warnings are not shown",
}
# How many times a reader reads again after a writer replaced files under it.
RETRIES = 5
T = TypeVar("T")


def _vanished(exc: BaseException | None) -> bool:
    """True when the error comes from a file that is no longer there."""
    while exc is not None:
        if isinstance(exc, FileNotFoundError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class ArchiveReader:
    """One archive folder, read: what a killed run left is reconciled in memory, never on
    disk, so a read-only copy reads the same as the original."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ArchiveError(f"archive {self.root} does not exist")
        self.versions_dir = self.root / "versions"
        self.changes_dir = self.root / "changes"
        self.current_dir = self.root / CURRENT_DIR
        # Guards state and pending rows: a writer records from the reactor's pipeline and
        # checkpoints from a worker thread.
        self._mutex = threading.RLock()
        self._again(self._load)

    def _again(self, read: Callable[[], T]) -> T:
        """`read`, done again from a fresh listing when a file it listed was replaced under
        it (a writer's compaction or snapshot merged and deleted it): a reader without the
        lock never fails for that, and never sees a half state."""
        for attempt in range(RETRIES):
            try:
                if attempt and read != self._load:
                    self._load()
                return read()
            except (ArchiveError, FileNotFoundError) as exc:
                if attempt == RETRIES - 1 or not (_vanished(exc) or self._listing_changed()):
                    raise
        raise AssertionError("unreachable")

    def _listing_changed(self) -> bool:
        stamp = getattr(self, "_loaded_stamp", None)
        return stamp is not None and self._disk_stamp() != stamp

    @property
    def state(self) -> dict[str, ArticleState]:
        """Every article's state (the ledger's)."""
        return self.ledger.state

    def known(self) -> Mapping[str, KnownArticle]:
        """A frozen view of every article, for the crawl plan."""
        with self._mutex:
            return self.ledger.known()

    # -- loading -------------------------------------------------------------------------

    def _load(self) -> None:
        with self._mutex:
            # Rows recorded and not yet written (a writer's; a reader's stay empty).
            self._pending_versions: list[Row] = []
            self._pending_changes: list[Row] = []
            self._pending_failures: list[Row] = []
            self._pending_warnings: list[Row] = []
            # Latest content of articles captured unchanged (versions/'s schema), until the
            # next checkpoint writes them as a `.current/content-*` part.
            self._pending_content: list[Row] = []

            # Damaged files (relative path -> the one-line problem): each is read as if
            # absent. articles.parquet is then rebuilt from versions/, the planning state
            # (listings, runs) starts from nothing: the safe choice, walking every listing.
            self.damaged: dict[str, str] = {}
            tables: dict[str, pa.Table] = {}
            for name, schema in SNAPSHOT_FILES.items():
                path = self.root / name
                columns = list(STATE_COLUMNS) if name == "articles.parquet" else None
                empty = schema.empty_table()
                tables[name] = empty.select(columns) if columns else empty
                if path.exists():
                    try:
                        tables[name] = read_checked(path, schema, columns=columns)
                    except ArchiveDamaged as exc:
                        self.damaged[name] = str(exc)
            # A damaged part of versions/ or changes/ is not derivable: an error naming it
            # (`check --repair` sets it aside).
            self._version_files, covered = live_parts(self.versions_dir, VERSIONS)
            self._change_files, covered_changes = live_parts(self.changes_dir, CHANGES)
            # Parts a merged file holds, left by a compaction killed before it deleted them.
            self._covered = covered + covered_changes
            # Version parts that may hold content newer than articles.parquet.
            self._fresh_version_files: list[Path] = []

            self._runs: list[Row] = tables["runs.parquet"].to_pylist()
            # failures and warnings parts of runs not yet merged (a killed run's, or this
            # run's): read with the files, merged into them at the end of the next run.
            self._run_parts: list[Path] = []
            self._stale_parts: list[Path] = []
            self._failures = self._with_parts(tables["failures.parquet"], "failures", FAILURES)
            self._warnings = self._with_parts(tables["warnings.parquet"], "warnings", WARNINGS)
            self._content_files = checked_parts(self.current_dir, VERSIONS, "content-*.parquet")
            self._listings = tables["listings.parquet"]
            self._changes = read_dataset(self._change_files, CHANGES)
            states = []
            for row in tables["articles.parquet"].to_pylist():
                series = row.pop("series")
                states.append(ArticleState(**row, series_candidate=series))
            self.ledger = Ledger(states)
            lost, ahead = reconcile(self.ledger, self._version_files, self._changes, self._ensure_digests)
            self._pending_changes.extend(lost)
            if ahead:
                # The snapshot's content of these articles is older than their versions.
                self._fresh_version_files = list(self._version_files)
            self._loaded_stamp = self._disk_stamp()

    def _with_parts(self, table: pa.Table, kind: str, schema: pa.Schema) -> pa.Table:
        """failures or warnings with the rows of their unmerged parts; a part whose run is
        already in the file was merged (the kill came before its deletion): skipped."""
        merged = set(pc.unique(table["run_id"]).to_pylist()) if len(table) else set()
        extra = [table]
        for path in checked_parts(self.current_dir, schema, f"{kind}-*.parquet"):
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
            paths += parts(folder)
        stamp = []
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                info = path.stat()
                stamp.append((str(path), info.st_size, info.st_mtime_ns))
        return tuple(stamp)

    def _ensure_digests(self, prev: ArticleState) -> None:
        """Load the per-field digests of an article's current version, to name what changed."""
        if prev.digests is None:
            self._load_digests()
        if prev.digests is None:
            rows = read_dataset(
                self._version_files, VERSIONS,
                filt=(pc.field("url") == prev.url) & (pc.field("version") == prev.version),
            ).to_pylist()
            prev.digests = fingerprint(rows[0])[1] if rows else ()

    def _load_digests(self) -> None:
        """Per-field digests of every article loaded from articles.parquet, read in batches
        (once per process, when the first changed article needs them)."""
        path = self.root / "articles.parquet"
        if not path.exists() or "articles.parquet" in self.damaged:
            return
        try:
            reader = pq.ParquetFile(path)
            for batch in reader.iter_batches(
                batch_size=256, columns=["url", "content_hash", *HASHED_FIELDS]
            ):
                for row in batch.to_pylist():
                    state = self.ledger.state.get(row["url"])
                    if (
                        state is not None and state.digests is None
                        and state.content_hash == row["content_hash"]
                    ):
                        state.digests = fingerprint(row)[1]
        except (pa.ArrowException, OSError) as exc:
            raise ArchiveError(unreadable(path, exc)) from exc

    def _sources(self) -> snapshot.Sources:
        return snapshot.Sources(
            snapshot=self._snapshot_path(), version_files=self._version_files,
            fresh_files=self._fresh_version_files, content_files=self._content_files,
            pending_versions=self._pending_versions, pending_content=self._pending_content,
        )

    def _snapshot_path(self) -> Path | None:
        """articles.parquet, unless it is damaged (then versions/ gives the content)."""
        return None if "articles.parquet" in self.damaged else self.root / "articles.parquet"

    # -- reading --------------------------------------------------------------------------

    def read_listings(self, site: str | None = None) -> list[dict[str, Any]]:
        """Rows of listings.parquet (see schema.LISTINGS), of one site or of all."""
        with self._mutex:
            rows = self._listings.to_pylist()
        return [row for row in rows if site is None or row["site"] == site]

    def read_articles(self) -> pa.Table:
        """The current state of every article (reconciled), as articles.parquet holds it."""
        return self._again(self._read_articles)

    def _read_articles(self) -> pa.Table:
        with self._mutex:
            chunks = list(snapshot.chunks(list(self.state.values()), self._sources()))
        return pa.concat_tables(chunks) if chunks else ARTICLES.empty_table()

    def read_versions(
        self, url: str | None = None, *, urls: Collection[str] | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Every version on disk and pending, optionally of one URL or of a set of URLs
        (`urls`), optionally only some columns (url and version always), by URL then version."""
        return self._again(lambda: self._read_versions(url, urls, columns))

    def _read_versions(
        self, url: str | None, urls: Collection[str] | None, columns: list[str] | None
    ) -> pa.Table:
        wanted = {url} if url is not None else set(urls) if urls is not None else None
        filt = pc.field("url").isin(pa.array(sorted(wanted), pa.string())) if wanted is not None else None
        cols = None if columns is None else list(dict.fromkeys(["url", "version", *columns]))
        table = read_dataset(self._version_files, VERSIONS, columns=cols, filt=filt)
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
        return self._again(lambda: count_rows(self._version_files)) + pending

    def read_runs(self) -> pa.Table:
        """One row per run, the current one included, by start time."""
        with self._mutex:
            table = to_table(self._runs, RUNS)
        return table.sort_by([("started_at", "ascending"), ("run_id", "ascending")])

    def _with_pending(
        self, table: pa.Table, pending: list[Row], schema: pa.Schema, run_id: str | None
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

    def close(self) -> None:
        """Nothing to release for a reader."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
