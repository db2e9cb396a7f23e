"""A dataset's tables (articles, versions, citations) in one SQLite file, with the search index
built over its versions: what `export --format sqlite` writes and `browse` serves.

Cells: text and whole numbers as they are, dates and times ISO 8601 text, lists and structs
JSON text (Datasette facets the `sections` and `authors` arrays), null as NULL. Articles gain
`year` (of `published`), versions gain `changed` (the fields that differ from the version
before, as `changes` names them)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from crawler.archive.changes import changed_fields
from crawler.archive.files import build_atomic, pid_tmp, write_bytes_atomic
from crawler.search.index import BATCH, create, insert_versions, mark_current, open_for_reading

PRIMARY_KEYS = {"articles": ["url"], "versions": ["url", "version"]}
# Tables the card describes that SQLite holds with an extra column.
EXTRA_COLUMNS = {"articles": [("year", "INTEGER")], "versions": [("changed", "TEXT")]}


def _sql_type(typ: pa.DataType) -> str:
    if pa.types.is_integer(typ) or pa.types.is_boolean(typ):
        return "INTEGER"
    if pa.types.is_floating(typ):
        return "REAL"
    return "TEXT"


def _cell(typ: pa.DataType, value: Any) -> Any:
    if value is None:
        return None
    if pa.types.is_list(typ) or pa.types.is_struct(typ) or pa.types.is_large_list(typ):
        return json.dumps(value, ensure_ascii=False, default=_iso)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _iso(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _rows(name: str, table: pa.Table) -> Iterator[list[Any]]:
    types = [f.type for f in table.schema]
    prev: dict[str, Any] | None = None
    for batch in table.to_batches(2000):
        for row in batch.to_pylist():
            cells = [_cell(t, v) for t, v in zip(types, row.values(), strict=True)]
            if name == "articles":
                cells.append(row["published"].year if row.get("published") else None)
            elif name == "versions":
                same = prev is not None and prev["url"] == row["url"]
                cells.append(json.dumps(changed_fields(prev, row) if same else ["added"], ensure_ascii=False))
                prev = row
            yield cells


def _create_table(conn: sqlite3.Connection, name: str, schema: pa.Schema) -> list[str]:
    columns = [f.name for f in schema] + [c for c, _ in EXTRA_COLUMNS.get(name, [])]
    defs = [f'"{f.name}" {_sql_type(f.type)}' + ("" if f.nullable else " NOT NULL") for f in schema]
    defs += [f'"{c}" {t}' for c, t in EXTRA_COLUMNS.get(name, [])]
    if name in PRIMARY_KEYS:
        defs.append(f"PRIMARY KEY ({', '.join(PRIMARY_KEYS[name])})")
    if name != "articles" and "url" in columns:
        defs.append("FOREIGN KEY (url) REFERENCES articles (url)")
    conn.execute(f'CREATE TABLE "{name}" ({", ".join(defs)})')
    return columns


def write_sqlite(path: Path, tables: dict[str, pa.Table], card: str, title: str, archive: Any = None) -> None:
    """The tables, the card and the search index in one SQLite file at `path` (written beside,
    then renamed: a reader sees the old file or the new one). When `archive` is given, the
    versions are all of its versions: the file starts as a copy of the archive's own index
    instead of indexing them again."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def build(tmp: Path) -> None:
        if archive is not None:
            with open_for_reading(archive) as source:
                target = sqlite3.connect(tmp)
                try:
                    source.backup(target)
                finally:
                    target.close()
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("BEGIN")
            for name, table in tables.items():
                columns = _create_table(conn, name, table.schema)
                marks = ", ".join("?" * len(columns))
                conn.executemany(f'INSERT INTO "{name}" VALUES ({marks})', _rows(name, table))
            for name, column in (("articles", "published"), ("articles", "language"), ("versions", "seen_at"),
                                 ("citations", "source_domain"), ("citations", "url")):
                if name in tables:
                    conn.execute(f'CREATE INDEX "{name}_{column}" ON "{name}" ("{column}")')
            conn.execute("CREATE TABLE card (title TEXT NOT NULL, markdown TEXT NOT NULL)")
            conn.execute("INSERT INTO card VALUES (?, ?)", (title, card))
            conn.execute("COMMIT")
            if archive is None:
                create(conn)
                if "versions" in tables:
                    for batch in tables["versions"].to_batches(BATCH):
                        conn.execute("BEGIN")
                        insert_versions(conn, batch.to_pylist())
                        conn.execute("COMMIT")
                    conn.execute("BEGIN")
                    mark_current(conn, sorted(set(tables["versions"]["url"].to_pylist())))
                    conn.execute("COMMIT")
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            conn.execute("VACUUM")  # the pages FTS5 freed as it merged its segments
        finally:
            conn.close()

    build_atomic(path, build, tmp=pid_tmp(path))


def export_sqlite(archive: Any, path: Path, articles: pa.Table, filters: dict[str, Any],
                  runs: list[dict[str, Any]], now: dt.datetime) -> None:
    """`export --format sqlite`: the dataset folder's tables for the selected articles in one
    file, with the search index, and the data card beside it (and inside, as `card`)."""
    from crawler.dataset.card import Dataset, data_card, dataset_title, facts
    from crawler.dataset.export import card_path, dataset_tables

    tables = dataset_tables(archive, articles)
    data = Dataset(tables, {name: name for name in tables}, "sqlite", filters, runs, now, False,
                   {path.name: "one SQLite file: the tables above, the card, the search index"})
    card = data_card(data)
    # Every version (as `browse` exports): the archive's index already holds them, indexed.
    every = len(tables["versions"]) == archive.count_versions()
    write_sqlite(path, tables, card, dataset_title(data, facts(data)), archive if every else None)
    write_bytes_atomic(card_path(path), card)
