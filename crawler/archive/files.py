"""The archive's files: one atomic write (beside, fsync, rename) and schema-checked reads."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.archive.errors import ArchiveDamaged, ArchiveError, one_line
from crawler.archive.schema import FILE_KIND_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY

TMP_SUFFIX = ".tmp"


def fsync_path(path: Path | str) -> None:
    """Flush a file's data, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tmp_path(path: Path, *, hidden: bool = False) -> Path:
    """Where a file is written before it is renamed to `path`."""
    return path.with_name(("." if hidden else "") + path.name + TMP_SUFFIX)


def pid_tmp(path: Path, what: str = "tmp", pid: int | None = None) -> Path:
    """A file or folder beside `path` named for this process (`.NAME.tmp-PID`; `.NAME.old-PID`
    for the version swap_in sets aside), for a build another process may start too: what a
    killed one left is known by its pid (remove_abandoned)."""
    return path.with_name(f".{path.name}.{what}-{os.getpid() if pid is None else pid}")


def _gone(pid: str) -> bool:
    """Whether no process has this id (one of another user's is alive)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# What a build leaves beside its output: `.NAME.tmp-PID` (with SQLite's journal files, when
# the build is a database) and `.NAME.old-PID`.
_LEFT_BESIDE = re.compile(r"\.(?P<what>tmp|old)-(?P<pid>\d+)(?:-journal|-wal|-shm)?")


def remove_abandoned(path: Path, complete: Callable[[Path], bool] | None = None) -> None:
    """Put right what killed processes left beside `path` (pid_tmp names whose process is
    gone): a half-built `.NAME.tmp-PID` goes; a `.NAME.old-PID` (a swap_in killed between its
    two renames), when `complete` says it is a whole output of ours, goes back to `path` if
    `path` is missing, else it goes too (without `complete`, none is touched)."""
    for left in sorted(path.parent.glob(f".{glob.escape(path.name)}.*-*")):
        named = _LEFT_BESIDE.fullmatch(left.name, len(path.name) + 1)
        if named is None or not _gone(named["pid"]):
            continue
        what = named["what"]
        if what == "old" and (complete is None or not complete(left)):
            continue
        with contextlib.suppress(FileNotFoundError):  # another run put it right first
            if what == "old" and not path.exists():
                os.rename(left, path)
            elif left.is_dir() and not left.is_symlink():
                shutil.rmtree(left)
            else:
                left.unlink()


def swap_in(tmp: Path, final: Path) -> None:
    """Put a finished folder in place of `final`, its files and folders fsynced first (what
    is swapped in is on disk): a reader sees the old one or the new one, and a kill between
    the two renames leaves the old one beside, which the next remove_abandoned(final,
    complete) puts back."""
    for folder, _, names in os.walk(tmp):
        for name in names:
            fsync_path(os.path.join(folder, name))
        fsync_path(folder)
    if not final.exists():
        os.rename(tmp, final)
    else:
        old = pid_tmp(final, "old")
        os.rename(final, old)
        try:
            os.rename(tmp, final)
        except BaseException:
            os.rename(old, final)
            raise
        shutil.rmtree(old, ignore_errors=True)
    fsync_path(final.parent)


def build_atomic(path: Path, build: Callable[[Path], None], *, hidden_tmp: bool = False,
                 tmp: Path | None = None) -> None:
    """The one way a file of the archive (or of an export) is written: `build` makes the
    whole file at a path beside `path` (`tmp`, by default `tmp_path`), which is fsynced,
    renamed over `path`, and the folder fsynced. A failure removes the file beside and
    leaves `path` as it was."""
    # A dot name (hidden_tmp) keeps pyarrow.dataset and most tools from reading a
    # half-written part in a dataset folder after a killed run.
    tmp = tmp if tmp is not None else tmp_path(path, hidden=hidden_tmp)
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        build(tmp)
        fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_path(path.parent)


def replace_atomic(path: Path, fill: Callable[[IO[bytes]], None], *, hidden_tmp: bool = False) -> None:
    """`build_atomic` for a file written as a stream: `fill` writes its bytes."""

    def build(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fill(fh)

    build_atomic(path, build, hidden_tmp=hidden_tmp)


def write_bytes_atomic(path: Path, data: bytes | str) -> None:
    """Bytes (or UTF-8 text) written atomically at `path`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data

    def fill(fh: IO[bytes]) -> None:
        fh.write(payload)

    replace_atomic(Path(path), fill)


def write_atomic(
    table: pa.Table | Iterable[pa.Table], path: Path, *, hidden_tmp: bool = False,
    schema: pa.Schema | None = None, row_group_size: int | None = None,
) -> None:
    """A Parquet file (one table, or a stream of tables of `schema`, written as they come),
    zstd compressed, written atomically at `path`."""
    tables = [table] if isinstance(table, pa.Table) else table

    def fill(fh: IO[bytes]) -> None:
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

    replace_atomic(Path(path), fill, hidden_tmp=hidden_tmp)


def unreadable(path: Path, exc: BaseException) -> str:
    return f"archive file {path} is not readable Parquet: {one_line(exc)}"


def check_schema(path: Path, schema: pa.Schema) -> pa.Schema:
    """The file's Arrow schema, after checking it is our Parquet of this kind and major version."""
    kind = schema.metadata[FILE_KIND_KEY].decode()
    try:
        file_schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a damaged footer
        raise ArchiveDamaged(unreadable(path, exc)) from exc
    meta = file_schema.metadata or {}
    file_kind = meta.get(FILE_KIND_KEY)
    if file_kind is None:
        raise ArchiveDamaged(f"archive file {path} is Parquet but not an ncmes archive file")
    if file_kind.decode(errors="replace") != kind:
        raise ArchiveDamaged(
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


def conform(table: pa.Table, schema: pa.Schema, path: Path) -> pa.Table:
    """Our schema's columns in our order: a newer minor version's extra columns are dropped, an
    older one's missing nullable columns filled with nulls."""
    arrays = []
    for fld in schema:
        if fld.name in table.column_names:
            try:
                arrays.append(table[fld.name].cast(fld.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ArchiveDamaged(
                    f"archive file {path} has column {fld.name} of an unexpected type: "
                    f"{one_line(exc)}"
                ) from exc
        elif fld.nullable:
            arrays.append(pa.nulls(len(table), fld.type))
        else:
            raise ArchiveDamaged(f"archive file {path} lacks column {fld.name}")
    return pa.Table.from_arrays(arrays, schema=schema)


def _sub(schema: pa.Schema, columns: list[str]) -> pa.Schema:
    return pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)


def read_checked(
    path: Path, schema: pa.Schema, columns: list[str] | None = None, *,
    file_schema: pa.Schema | None = None,
) -> pa.Table:
    """Read one archive file after check_schema (`file_schema`: what it gave, when the
    caller ran it already), conformed to our schema."""
    if file_schema is None:
        file_schema = check_schema(path, schema)
    try:
        # An older minor version may lack a column: conform fills it with nulls.
        present = None if columns is None else [c for c in columns if c in file_schema.names]
        table = pq.read_table(path, columns=present)
    except Exception as exc:  # a damaged data page shows only when read
        raise ArchiveDamaged(unreadable(path, exc)) from exc
    return conform(table, schema if columns is None else _sub(schema, columns), path)


def read_range(path: Path, schema: pa.Schema, columns: list[str], lo: str, hi: str) -> pa.Table:
    """The rows of one (URL-sorted) archive file whose URL is within [lo, hi]: the row
    groups outside are skipped by their statistics."""
    try:
        present = [c for c in columns if c in pq.read_schema(path).names]
        table = pq.read_table(path, columns=present, filters=[("url", ">=", lo), ("url", "<=", hi)])
    except Exception as exc:  # a damaged data page shows only when read
        raise ArchiveDamaged(unreadable(path, exc)) from exc
    return conform(table, _sub(schema, columns), path)


DAMAGED_DIR = "damaged"


def damage_stamp() -> str:
    """The name of the damaged/ folder of what one repair sets aside: the time now, UTC."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def aside_path(root: Path, path: Path, stamp: str | None = None) -> Path:
    """Where a damaged file of the archive goes: `root/damaged/<stamp>/` and its path
    relative to the archive (`stamp`: one repair's damage_stamp; now when not given)."""
    return root / DAMAGED_DIR / (stamp or damage_stamp()) / path.relative_to(root)


def set_aside(root: Path, path: Path, stamp: str | None = None) -> Path:
    """Move a damaged file of the archive to aside_path, never deleting it: what it held
    can still be looked at, or put back by hand."""
    target = aside_path(root, path, stamp)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    fsync_path(path.parent)
    return target
