"""The one place each row of the archive is built (as Arrow-ready Python values)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from crawler.archive.errors import ArchiveError, one_line
from crawler.archive.schema import FILE_KIND_KEY, RUNS

if TYPE_CHECKING:
    # Only for hints: the archive must stay importable (for reports) whatever state the
    # extraction package is in, and it reads records by attribute only.
    from crawler.extraction.record import ArticleRecord

UTC = dt.UTC
Row = dict[str, Any]
# Where a version was read from in warc/: file name, offset, record id.
WarcPlace = tuple[str, int, str]


def utc(value: dt.datetime) -> dt.datetime:
    """A timezone-aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def content(record: ArticleRecord) -> Row:
    """The content columns of a record."""
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


def version(
    content_row: Row, *, content_hash: str, number: int, seen_at: dt.datetime, run_id: str,
    warc: WarcPlace | None, etag: str | None, http_last_modified: str | None,
) -> Row:
    """A row of versions/ (also of a run's `content-*` parts, with no raw capture named)."""
    warc_file, warc_offset, warc_id = warc if warc else (None, None, None)
    return {
        **content_row,
        "content_hash": content_hash,
        "version": number,
        "seen_at": seen_at,
        "run_id": run_id,
        "warc_file": warc_file,
        "warc_offset": warc_offset,
        "warc_record_id": warc_id,
        "etag": etag,
        "http_last_modified": http_last_modified,
    }


def change(run_id: str, url: str, kind: str, fields: list[str], number: int, at: dt.datetime) -> Row:
    """A row of changes/: an article added, changed or removed."""
    return {"run_id": run_id, "url": url, "change": kind, "fields": fields, "version": number, "at": at}


def failure(run_id: str, url: str, stage: str, error: str, at: dt.datetime) -> Row:
    """A row of failures.parquet."""
    return {"run_id": run_id, "url": url, "stage": stage, "error": one_line(error), "at": utc(at)}


def warning(run_id: str | None, url: str, text: str, at: dt.datetime) -> Row:
    """A row of warnings.parquet."""
    return {"run_id": run_id, "url": url, "warning": one_line(text), "at": at}


def run(run_id: str, site: str, mode: str, started: dt.datetime) -> Row:
    """A new row of runs.parquet: not completed, every count zero."""
    return {
        "run_id": run_id,
        "site": site,
        "mode": mode,
        "started_at": started,
        "finished_at": None,
        "completed": False,
        **{name: 0 for name in RUNS.names if RUNS.field(name).type == pa.int64()},
    }


def to_table(rows: list[Row], schema: pa.Schema) -> pa.Table:
    """Rows cast to the declared schema (never inferred), refusing nulls in required columns."""
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        kind = schema.metadata[FILE_KIND_KEY].decode()
        raise ArchiveError(f"cannot write {kind} rows: {one_line(exc)}") from exc
    for fld in schema:
        if not fld.nullable and table[fld.name].null_count:
            kind = schema.metadata[FILE_KIND_KEY].decode()
            raise ArchiveError(f"cannot write {kind} rows: column {fld.name} has nulls")
    return table
