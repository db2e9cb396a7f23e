"""articles.parquet as it stands: built from the previous snapshot, the version parts
written since and the latest captures, a chunk of URLs at a time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from crawler.archive.errors import ArchiveError
from crawler.archive.files import read_range
from crawler.archive.journal import read_dataset
from crawler.archive.ledger import ArticleState
from crawler.archive.rows import Row, to_table
from crawler.archive.schema import ARTICLES, CONTENT_FIELDS, VERSIONS

# articles.parquet is written (and read back) this many URLs at a time, sorted by URL, in
# row groups of that size: a snapshot never holds the whole archive's content in memory.
SNAPSHOT_CHUNK = 500
# Content columns that do not enter content_hash; refreshed on every capture.
UNHASHED_CONTENT = (
    "post_id", "published_at", "modified_at", "related", "links", "word_count", "language",
)
# The columns a snapshot takes from a version: the content (series aside: it depends on
# the whole archive) and the version number that says which one.
SNAPSHOT_NAMES = [*(f.name for f in CONTENT_FIELDS if f.name != "series"), "version"]


@dataclass
class Sources:
    """Where the content of the articles' current versions is: the previous snapshot,
    versions/ (`fresh`: the parts that may be newer than the snapshot), the run's
    `content-*` parts, and rows not yet written."""

    snapshot: Path | None
    version_files: list[Path]
    fresh_files: list[Path] = field(default_factory=list)
    content_files: list[Path] = field(default_factory=list)
    pending_versions: list[Row] = field(default_factory=list)
    pending_content: list[Row] = field(default_factory=list)


def chunks(states: list[ArticleState], sources: Sources) -> Iterator[pa.Table]:
    """articles.parquet as it stands, SNAPSHOT_CHUNK URLs at a time in URL order: each
    article's content from the version it is at, the columns outside the hash from its
    latest capture, the rest from `states`."""
    states = sorted(states, key=lambda s: s.url)
    # A title prefix is a series only if at least two articles share it: one article's
    # "Interview: ..." prefix is just part of its title.
    counts = Counter(s.series_candidate for s in states if s.series_candidate)
    # A part merged and deleted by the writer since this reader listed it is in the
    # snapshot it wrote: skip it.
    content_files = [p for p in sources.content_files if p.exists()]
    # The parts written since the last snapshot are read once, not once per chunk (in
    # crawl order, each spans every chunk's URLs): a few checkpoints' rows at most,
    # as snapshots come every `snapshot_parts` parts.
    fresh = read_dataset(sources.fresh_files, VERSIONS, columns=SNAPSHOT_NAMES) if sources.fresh_files else None
    content = read_dataset(content_files, VERSIONS, columns=SNAPSHOT_NAMES) if content_files else None
    for start in range(0, len(states), SNAPSHOT_CHUNK):
        yield _chunk(states[start : start + SNAPSHOT_CHUNK], counts, content, fresh, sources)


def _chunk(
    states: list[ArticleState], counts: Counter[str], content: pa.Table | None,
    fresh: pa.Table | None, sources: Sources,
) -> pa.Table:
    want = {s.url: s.version for s in states}
    lo, hi = states[0].url, states[-1].url
    in_range = (pc.field("url") >= lo) & (pc.field("url") <= hi)
    names = SNAPSHOT_NAMES

    def pending(rows: list[Row]) -> list[pa.Table]:
        rows = [r for r in rows if r["url"] in want]
        return [to_table(rows, VERSIONS).select(names)] if rows else []

    found = []
    if sources.snapshot is not None and sources.snapshot.exists():
        found.append(read_range(sources.snapshot, ARTICLES, names, lo, hi))
    if fresh is not None:
        found.append(fresh.filter(in_range))
    base = _latest_matching(found + pending(sources.pending_versions), names, want, keep="first")
    if len(base) < len(want):
        # Another process replaced the snapshot since this one was loaded (or it was set
        # aside as damaged): the versions this state is at are in versions/.
        missing = sorted(set(want) - set(base["url"].to_pylist()))
        more = read_dataset(
            sources.version_files, VERSIONS, columns=names, filt=pc.field("url").isin(missing)
        )
        base = _latest_matching([base, more], names, want, keep="first")
    refresh_sources = []
    if content is not None:
        refresh_sources.append(content.filter(in_range))
    base = base.sort_by("url")
    refresh_sources += pending(sources.pending_content)
    if refresh_sources:
        refresh = _latest_matching(refresh_sources, names, want, keep="last").sort_by("url")
        if len(refresh):
            base = _refreshed(base, refresh)
    if base["url"].to_pylist() != list(want):
        missing = sorted(set(want) - set(base["url"].to_pylist()))[:3]
        where = sources.version_files[0].parent.parent if sources.version_files else "archive"
        raise ArchiveError(f"archive {where}: no content on disk for {', '.join(missing)}")
    columns: dict[str, Any] = {name: base[name] for name in names if name != "version"}
    columns["series"] = pa.array(
        [s.series_candidate if counts.get(s.series_candidate or "", 0) >= 2 else None for s in states],
        pa.string(),
    )
    for name in ARTICLES.names:
        if name not in columns:
            columns[name] = pa.array([getattr(s, name) for s in states], ARTICLES.field(name).type)
    return pa.Table.from_arrays([columns[name] for name in ARTICLES.names], schema=ARTICLES)


def _latest_matching(
    found: list[pa.Table], names: list[str], want: dict[str, int], keep: str
) -> pa.Table:
    """One row per URL whose version is the wanted one: the first or the last such row."""
    target = pa.schema([VERSIONS.field(name) for name in names])
    table = pa.concat_tables([t.select(names).cast(target) for t in found]) if found else target.empty_table()
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
        refresh[name] if name in UNHASHED_CONTENT else old[name] for name in base.column_names
    ]
    updated = pa.Table.from_arrays(columns, schema=base.schema)
    return pa.concat_tables([base.filter(pa.array(stale)), updated]).sort_by("url")
