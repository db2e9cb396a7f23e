"""Crash recovery: what a run killed before its snapshot left in versions/ and changes/ is
applied to the state loaded from articles.parquet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from crawler.archive.journal import read_dataset
from crawler.archive.ledger import ArticleState, Ledger
from crawler.archive.rows import Row
from crawler.archive.schema import VERSIONS


def reconcile(
    ledger: Ledger, version_files: list[Path], changes: pa.Table,
    ensure_digests: Callable[[ArticleState], None],
) -> tuple[list[Row], bool]:
    """Move each article to its newest version in versions/ and apply removals logged after
    the snapshot; returns the change rows the kill lost, and whether any version was ahead
    of the snapshot (then the snapshot's content of those articles is stale)."""
    index = read_dataset(version_files, VERSIONS, columns=["url", "version", "series"])
    newest: dict[str, tuple[int, str | None]] = {}
    for url, version, series in zip(
        index["url"].to_pylist(), index["version"].to_pylist(), index["series"].to_pylist(),
        strict=True,
    ):
        if url not in newest or version > newest[url][0]:
            newest[url] = (version, series)
    ahead = []
    for url, (version, series) in newest.items():
        current = ledger.state.get(url)
        if current is None or version > current.version:
            ahead.append(url)
        elif current.series_candidate is None and version == current.version:
            # articles.parquet shows series only when it recurs; versions/ keeps what
            # extraction proposed, which must survive a reload to be counted.
            current.series_candidate = series
    lost: list[Row] = []
    if ahead:
        lost = _apply_versions(ledger, version_files, changes, ahead, ensure_digests)
    removed = changes.filter(pc.equal(changes["change"], "removed"))
    for url, version, at in zip(
        removed["url"].to_pylist(), removed["version"].to_pylist(), removed["at"].to_pylist(),
        strict=True,
    ):
        ledger.recover_removal(url, version, at)
    return lost, bool(ahead)


def _apply_versions(
    ledger: Ledger, version_files: list[Path], changes: pa.Table, ahead: list[str],
    ensure_digests: Callable[[ArticleState], None],
) -> list[Row]:
    rows = read_dataset(version_files, VERSIONS, filt=pc.field("url").isin(ahead)).sort_by(
        [("url", "ascending"), ("version", "ascending")]
    )
    logged = {
        (u, v)
        for u, v, c in zip(
            changes["url"].to_pylist(), changes["version"].to_pylist(),
            changes["change"].to_pylist(), strict=True,
        )
        if c in ("added", "changed")
    }
    lost = []
    for row in rows.to_pylist():
        key = (row["url"], row["version"])
        prev = ledger.state.get(row["url"])
        if key not in logged and prev is not None and row["version"] > prev.version:
            # The kill also lost the change event, or came before the changes part: it
            # names the fields that changed from the version before.
            ensure_digests(prev)
        change = ledger.recover_version(row, logged=key in logged)
        if change is not None:
            lost.append(change)
    return lost
