"""The parts of each append-only table (versions/, changes/, a run's `.current/`): their
names, listing, reading and compaction.

A run appends parts (`part-<run>-<seq>.parquet`). Compaction merges parts into one file
named after the first part it holds with a level (`part-<run>-<seq>-c1.parquet`): level n+1
merges `fanout` files of level n, so a table holds fewer than `fanout` files per level
whatever the number of runs. Names sort in the order the rows were written, and a merged
file sorts just before the parts it replaces. It names the files it holds in its metadata
(`ncmes.covers`): until those are deleted (a compaction killed in between), readers skip
them, and the next writer deletes them.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from crawler.archive.errors import ArchiveDamaged, one_line
from crawler.archive.files import check_schema, conform, fsync_path, unreadable, write_atomic

COVERS_KEY = b"ncmes.covers"
# Decoded bytes per row group of a merged file (what one merge holds in memory at most).
MERGED_GROUP_BYTES = 64 << 20
_LEVEL = re.compile(r"-c(\d+)\.parquet$")


def parts(folder: Path) -> list[Path]:
    """The part files of a dataset folder, by name."""
    if not folder.is_dir():
        return []
    # *.parquet never matches a leftover *.parquet.tmp: a killed writer's part is not data.
    return sorted(p for p in folder.glob("*.parquet") if p.is_file())


def checked_parts(folder: Path, schema: pa.Schema, pattern: str) -> list[Path]:
    """The parts of a folder whose names match `pattern`, after checking each is our
    Parquet of `schema`'s kind."""
    files = sorted(folder.glob(pattern)) if folder.is_dir() else []
    for path in files:
        check_schema(path, schema)
    return files


def covers(file_schema: pa.Schema) -> list[str]:
    """The names of the parts a merged file holds (none for a part a run wrote)."""
    raw = (file_schema.metadata or {}).get(COVERS_KEY)
    return list(json.loads(raw)) if raw else []


def live_parts(folder: Path, schema: pa.Schema) -> tuple[list[Path], list[Path]]:
    """The parts to read (each checked against `schema`; ArchiveDamaged names one that is
    not readable), and those a merged file already holds (a compaction killed before it
    deleted them): never read twice."""
    files = parts(folder)
    covered: set[str] = set()
    for path in files:
        covered.update(covers(check_schema(path, schema)))
    return [p for p in files if p.name not in covered], [p for p in files if p.name in covered]


def level(path: Path) -> int:
    """0 for a part a run wrote, n for a file of n merges."""
    match = _LEVEL.search(path.name)
    return int(match.group(1)) if match else 0


def merged_name(first: Path, new_level: int) -> str:
    return _LEVEL.sub("", first.name).removesuffix(".parquet") + f"-c{new_level}.parquet"


def due(files: list[Path], fanout: int) -> list[Path]:
    """The files the next merge takes: every file of the lowest level that has `fanout` of
    them (always consecutive in name order), or none."""
    by_level: dict[int, list[Path]] = {}
    for path in files:
        by_level.setdefault(level(path), []).append(path)
    for n in sorted(by_level):
        if len(by_level[n]) >= max(2, fanout):
            return by_level[n]
    return []


def merge(folder: Path, group: list[Path], schema: pa.Schema, new_level: int) -> Path:
    """Write the rows of `group` (in order) as one file, atomically, then delete the group.
    A kill at any moment loses nothing: before the rename the group is whole; after it,
    the merged file names the group as covered."""
    held = sorted({name for path in group for name in [path.name, *covers(pq.read_schema(path))]})
    meta = {**(schema.metadata or {}), COVERS_KEY: json.dumps(held).encode()}
    target = schema.with_metadata(meta)

    def batches() -> Iterator[pa.Table]:
        for path in group:
            try:
                reader = pq.ParquetFile(path)
                for batch in reader.iter_batches(batch_size=4096):
                    yield conform(pa.Table.from_batches([batch]), schema, path).replace_schema_metadata(meta)
            except (pa.ArrowException, OSError) as exc:
                raise ArchiveDamaged(unreadable(path, exc)) from exc

    def tables() -> Iterator[pa.Table]:
        # The parts' rows gathered into row groups of MERGED_GROUP_BYTES: a merged file of
        # many small parts is not a file of many tiny row groups (slow for every reader).
        held: list[pa.Table] = []
        for table in batches():
            held.append(table)
            if sum(t.nbytes for t in held) >= MERGED_GROUP_BYTES:
                yield pa.concat_tables(held).combine_chunks()
                held = []
        if held:
            yield pa.concat_tables(held).combine_chunks()

    out = folder / merged_name(group[0], new_level)
    write_atomic(tables(), out, hidden_tmp=True, schema=target)
    for path in group:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    fsync_path(folder)
    return out


def compact(folder: Path, schema: pa.Schema, fanout: int, *, full: bool = False) -> list[Path]:
    """Merge the folder's parts, level by level while a level has `fanout` files (`full`:
    every part into one file); returns the parts to read afterwards."""
    files, covered = live_parts(folder, schema)
    for path in covered:
        path.unlink()
    while True:
        group = files if full and len(files) > 1 else due(files, fanout)
        if not group:
            return files
        new_level = max(level(p) for p in group) + 1
        out = merge(folder, group, schema, new_level)
        files = sorted([p for p in files if p not in group] + [out])
        if full:
            return files


def part_name(prefix: str, run_id: str, seq: int) -> str:
    """A run's part: `part-<run>-<seq>.parquet`, sorting in the order written."""
    return f"{prefix}-{run_id}-{seq:05d}.parquet"


def read_dataset(
    files: list[Path], schema: pa.Schema, columns: list[str] | None = None, filt: Any = None
) -> pa.Table:
    """The rows of some parts, in `schema` (an older minor version's part reads with nulls)."""
    if not files:
        table = schema.empty_table()
        return table.select(columns) if columns else table
    try:
        dataset = ds.dataset([str(p) for p in files], schema=schema, format="parquet")
        # One part at a time: the parts are small, and reading many at once (Arrow's
        # default) holds many decoded parts in memory for the rows a filter keeps.
        return dataset.to_table(
            columns=columns, filter=filt, use_threads=False, fragment_readahead=1,
            batch_readahead=1,
        )
    except FileNotFoundError:
        raise  # replaced under a reader: it reads again
    except Exception as exc:  # a damaged data page shows only when read
        raise ArchiveDamaged(unreadable_part(files, exc)) from exc


def count_rows(files: list[Path]) -> int:
    """Rows in some parts, from their metadata (no data read)."""
    if not files:
        return 0
    try:
        return ds.dataset([str(p) for p in files], format="parquet").count_rows()
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError) as exc:
        raise ArchiveDamaged(unreadable_part(files, exc)) from exc


def unreadable_part(files: list[Path], error: Exception) -> str:
    """The one-line error for a dataset that failed to read, naming the damaged part."""
    for path in files:
        try:
            pq.read_table(path)
        except (pa.ArrowException, OSError, ValueError) as exc:  # pyarrow's read errors
            return unreadable(path, exc)
    return f"archive folder {files[0].parent} holds an unreadable part: {one_line(error)}"
