"""One table in each export format, and each table's schema described for people and programs.

Parquet keeps Arrow's types (zstd, the schema version in the file's metadata). JSON Lines is
one object per line, UTF-8 as is, dates and times in ISO 8601. CSV is for spreadsheets:
UTF-8 with a byte-order mark, every list or struct cell as JSON text, dates ISO, an empty
cell for a null.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from crawler.archive.schema import FILE_KIND_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY

FORMATS: tuple[str, ...] = ("parquet", "csv", "jsonl")
TABLE_KEY = b"ncmes_archive.table"


def is_nested(typ: pa.DataType) -> bool:
    return pa.types.is_list(typ) or pa.types.is_struct(typ) or pa.types.is_large_list(typ)


def _json_default(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def csv_cell(typ: pa.DataType, value: Any) -> str:
    """A cell as CSV text: nested values as JSON, dates and times ISO, null as empty."""
    if value is None:
        return ""
    if is_nested(typ):
        return json_text(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_column(typ: pa.DataType, column: pa.ChunkedArray) -> pa.Array:
    if pa.types.is_string(typ) or pa.types.is_integer(typ):
        return column.combine_chunks() if column.num_chunks else pa.array([], typ)
    return pa.array([csv_cell(typ, v) if v is not None else None for v in column.to_pylist()], pa.string())


def to_bytes(table: pa.Table, fmt: str, name: str) -> bytes:
    """The table in the given format; `name` (articles, versions, citations) goes in Parquet's
    metadata beside the schema version."""
    if fmt == "parquet":
        meta = {
            SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(),
            FILE_KIND_KEY: b"export",
            TABLE_KEY: name.encode(),
        }
        sink = io.BytesIO()
        pq.write_table(
            table.replace_schema_metadata(meta), sink, compression="zstd",
            use_compliant_nested_type=False,
        )
        return sink.getvalue()
    if fmt == "jsonl":
        return "".join(json_text(row) + "\n" for row in table.to_pylist()).encode("utf-8")
    if fmt == "csv":
        # Cells become text here (JSON for nested values, ISO for dates and times); Arrow's
        # CSV writer then quotes every text cell and leaves nulls empty.
        columns = [_csv_column(fld.type, table[fld.name]) for fld in table.schema]
        sink = io.BytesIO()
        # The BOM is what makes spreadsheet programs take the file as UTF-8 (Arabic intact).
        sink.write(codecs.BOM_UTF8)
        pa_csv.write_csv(pa.table(columns, names=table.column_names), sink,
                         pa_csv.WriteOptions(quoting_style="needed"))
        return sink.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")


# -- describing types -------------------------------------------------------------------


def type_json(typ: pa.DataType) -> dict[str, Any]:
    """An Arrow type as plain JSON: {"type": ...} with `items` for lists, `fields` for structs."""
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return {"type": "list", "items": type_json(typ.value_type)}
    if pa.types.is_struct(typ):
        return {
            "type": "struct",
            "fields": [
                {"name": f.name, **type_json(f.type), "nullable": f.nullable}
                for f in (typ.field(i) for i in range(typ.num_fields))
            ],
        }
    if pa.types.is_timestamp(typ):
        return {"type": "timestamp", "unit": typ.unit, "timezone": typ.tz}
    return {"type": str(typ)}


def cell_encoding(typ: pa.DataType, fmt: str) -> str:
    """How a column's values are written in a text format."""
    if fmt == "parquet":
        return "parquet"
    if is_nested(typ):
        return "json text" if fmt == "csv" else "json"
    if pa.types.is_date(typ):
        return "ISO 8601 date (YYYY-MM-DD)"
    if pa.types.is_timestamp(typ):
        return "ISO 8601 date and time with UTC offset"
    return "text" if fmt == "csv" else "json"


def short_type(typ: pa.DataType) -> str:
    """A compact readable type: list<struct<number: int32, text: string, urls: list<string>>>."""
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return f"list<{short_type(typ.value_type)}>"
    if pa.types.is_struct(typ):
        inner = ", ".join(f"{f.name}: {short_type(f.type)}" for f in typ)
        return f"struct<{inner}>"
    if pa.types.is_timestamp(typ):
        return f"timestamp[{typ.unit}, {typ.tz}]" if typ.tz else f"timestamp[{typ.unit}]"
    return "date32" if typ == pa.date32() else str(typ)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_type(typ: pa.DataType) -> str:
    """The DuckDB type of an Arrow type, as written in SQL."""
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return duckdb_type(typ.value_type) + "[]"
    if pa.types.is_struct(typ):
        inner = ", ".join(f"{_quote_ident(f.name)} {duckdb_type(f.type)}" for f in typ)
        return f"STRUCT({inner})"
    if pa.types.is_timestamp(typ):
        return "TIMESTAMPTZ" if typ.tz else "TIMESTAMP"
    simple = {
        pa.string(): "VARCHAR",
        pa.int64(): "BIGINT",
        pa.int32(): "INTEGER",
        pa.date32(): "DATE",
        pa.bool_(): "BOOLEAN",
        pa.float64(): "DOUBLE",
    }
    return simple.get(typ, "VARCHAR")


def duckdb_json_structure(typ: pa.DataType) -> Any:
    """The structure DuckDB's from_json wants for a nested type (["VARCHAR"], {"f": "INTEGER"})."""
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return [duckdb_json_structure(typ.value_type)]
    if pa.types.is_struct(typ):
        return {f.name: duckdb_json_structure(f.type) for f in typ}
    return duckdb_type(typ)
