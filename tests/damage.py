"""Ways an archive's file gets damaged, for the tests of reading past, checking and repairing it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.archive import schema


def garbage(path: Path) -> None:
    """Overwritten with bytes that are no file format at all (a half-synced copy)."""
    path.write_bytes(b"\x00garbage from a half-synced copy\xff" * 40)


def truncate(path: Path) -> None:
    """Cut in half, as by a full disk or an interrupted copy."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def foreign(path: Path) -> None:
    """Replaced by a sound Parquet file that is not one of the archive's."""
    pq.write_table(pa.table({"name": ["a", "b"], "value": [1, 2]}), path)


def old_schema(path: Path) -> None:
    """Its own rows, marked as written by an older major schema."""
    table = pq.read_table(path)
    meta = dict(table.schema.metadata or {})
    meta[schema.SCHEMA_VERSION_KEY] = b"0.3"
    pq.write_table(table.replace_schema_metadata(meta), path)
