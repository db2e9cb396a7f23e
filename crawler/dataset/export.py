"""Researcher exports: the filtered articles in Parquet, CSV or JSON Lines, with a data card."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crawler.archive.changes import normalise
from crawler.archive.schema import FILE_KIND_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY
from crawler.archive.store import CRAWL_STATE_COLUMNS, Archive
from crawler.dataset import ReportError

Format = Literal["parquet", "csv", "jsonl"]
FORMATS: tuple[str, ...] = ("parquet", "csv", "jsonl")

COLUMN_DOCS: dict[str, str] = {
    "url": "canonical absolute URL of the article (no query, fragment or trailing slash)",
    "post_id": "the WordPress post id, when known",
    "title": "the headline as shown",
    "series": "the series named by a title prefix (e.g. رؤى بحثية), set only when at least "
    "two articles share the prefix",
    "sections": "the sections (categories) the site files the article under",
    "authors": "the authors named on the page; empty when none",
    "published": "publication date as shown on the page (the site writes day first)",
    "published_at": "publication time from machine-readable metadata, UTC, when present",
    "modified_at": "modification time from machine-readable metadata, UTC, when present",
    "body": "clean body text, one block per line, list items start with '- ', footnote "
    "markers kept as [n]",
    "footnotes": "the footnotes in page order: number, text (without its label), cited URLs",
    "related": "the related-posts block: title and URL of each, in page order",
    "links": "hyperlinks inside the body: link text and URL",
    "word_count": "words in body",
    "language": "the page's language as it declares it: ar (the Arabic edition) or en (the English edition)",
    "content_hash": "sha256 of the normalised title, body, footnotes, authors, sections and "
    "publication date: what counts as a change",
    "version": "1 at first capture, +1 at each change of content_hash",
    "status": "live, or removed once the URL answered 404 or 410",
    "first_seen": "when the archive first captured the article (UTC)",
    "last_seen": "when the archive last saw the article live (UTC)",
    "last_changed": "when the current version was captured (UTC)",
    "run_id": "the crawl run that captured the current version",
    "last_fetched": "crawl state: last request for the URL (UTC)",
    "etag": "crawl state: the ETag the server sent",
    "http_last_modified": "crawl state: the Last-Modified header the server sent",
    "sitemap_lastmod": "crawl state: the sitemap's lastmod for the URL (UTC)",
}

_CSV_FLAT = {
    "sections": "text: the sections joined with ' ; '",
    "authors": "text: the authors joined with ' ; '",
    "footnotes": "text: one '[n] text' line per footnote",
    "related": "text: a JSON array of {title, url}",
    "links": "text: a JSON array of {text, url}",
}


def _select(
    archive: Archive,
    section: str | None,
    since: dt.date | None,
    until: dt.date | None,
    include_removed: bool,
    include_crawl_state: bool,
) -> pa.Table:
    table = archive.read_articles()
    mask = pa.array([True] * len(table), pa.bool_())
    if not include_removed:
        mask = pc.and_(mask, pc.equal(table["status"], "live"))
    if section is not None:
        wanted = normalise(section).casefold()
        hits = [
            any(normalise(s).casefold() == wanted for s in (secs or []))
            for secs in table["sections"].to_pylist()
        ]
        mask = pc.and_(mask, pa.array(hits, pa.bool_()))
    # An article without a date cannot be said to fall in a date range: left out then.
    if since is not None:
        mask = pc.and_kleene(mask, pc.fill_null(pc.greater_equal(table["published"], since), False))
    if until is not None:
        mask = pc.and_kleene(mask, pc.fill_null(pc.less_equal(table["published"], until), False))
    table = table.filter(mask)
    if not include_crawl_state:
        table = table.drop_columns(list(CRAWL_STATE_COLUMNS))
    return table.sort_by([("published", "descending"), ("url", "ascending")])


def _json_default(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in ("sections", "authors"):
        return " ; ".join(value)
    if name == "footnotes":
        return "\n".join(f"[{n['number']}] {n['text']}" for n in value)
    if name in ("related", "links"):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _write_beside(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _export_bytes(table: pa.Table, fmt: str) -> bytes:
    if fmt == "parquet":
        meta = {SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(), FILE_KIND_KEY: b"export"}
        table = table.replace_schema_metadata(meta)
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd", use_compliant_nested_type=False)
        return sink.getvalue()
    rows = table.to_pylist()
    if fmt == "jsonl":
        return "".join(
            json.dumps(r, ensure_ascii=False, default=_json_default) + "\n" for r in rows
        ).encode("utf-8")
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.column_names)
    for r in rows:
        writer.writerow([_csv_cell(name, r[name]) for name in table.column_names])
    # The BOM is what makes spreadsheet programs read UTF-8 (and so Arabic) correctly.
    return text.getvalue().encode("utf-8-sig")


def card_path(out: Path) -> Path:
    """Where the data card of an export goes: <out stem>.README.md beside it."""
    return out.with_name(f"{out.stem}.README.md")


def _data_card(
    archive: Archive, table: pa.Table, out: Path, fmt: str, filters: dict[str, Any]
) -> str:
    runs = archive.read_runs().to_pylist()
    latest = runs[-1] if runs else None
    run_ids = sorted(set(table["run_id"].to_pylist())) if len(table) else []
    site = latest["site"] if latest else "unknown"
    name = out.name
    lines = [
        f"# {name}",
        "",
        (
            f"Articles of the website of the National Center for Middle East Studies (المركز القومي لدراسات "
            f"الشرق الأوسط, NCMES, Cairo, ncmes.org), archived from {site} by ncmes-archive. "
            "One row per article: its latest archived version."
        ),
        "",
        f"- format: {fmt}",
        f"- rows: {len(table)}",
        f"- exported: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
        f"- archive schema version: {SCHEMA_VERSION}",
        f"- latest run: {latest['run_id'] if latest else '-'}"
        + (f" (completed: {latest['completed']})" if latest else ""),
        f"- runs that captured these versions: {', '.join(run_ids) or '-'}",
        "- filters: "
        + (", ".join(f"{k}={v}" for k, v in filters.items() if v not in (None, False)) or "none"),
        "",
        (
            "Earlier versions of each article are in the archive's versions/ folder; "
            "`ncmes-archive diff URL` shows what changed."
        ),
        "",
        "## Columns",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
    ]
    for fld in table.schema:
        typ = _CSV_FLAT.get(fld.name, str(fld.type)) if fmt == "csv" else str(fld.type)
        if fmt == "csv" and fld.name not in _CSV_FLAT:
            typ = f"text ({fld.type})"
        doc = COLUMN_DOCS.get(fld.name, "")
        lines.append(f"| `{fld.name}` | {typ} | {doc} |")
    lines += ["", "## Loading it", ""]
    if fmt == "parquet":
        lines += [
            "```python",
            "import pandas as pd",
            f'df = pd.read_parquet("{name}")',
            "import polars as pl",
            f'df = pl.read_parquet("{name}")',
            "import duckdb",
            f"duckdb.sql(\"SELECT title, published FROM '{name}' ORDER BY published\").show()",
            "```",
            "",
            (
                "Lists and structs (sections, authors, footnotes, related, links) keep their nested "
                "types. For a spreadsheet, export again with `--format csv`."
            ),
        ]
    elif fmt == "csv":
        lines += [
            "```python",
            "import pandas as pd",
            f'df = pd.read_csv("{name}", encoding="utf-8-sig")',
            "import polars as pl",
            f'df = pl.read_csv("{name}")',
            "import duckdb",
            f"duckdb.sql(\"SELECT title, published FROM read_csv('{name}')\").show()",
            "```",
            "",
            (
                "Spreadsheets: the file is UTF-8 with a byte-order mark, so Excel, LibreOffice and "
                "Google Sheets show the Arabic text as it is; open it directly or import it as "
                "UTF-8, comma separated. Cells with several lines (body, footnotes) are quoted. "
                "List columns are flattened to text as described above."
            ),
        ]
    else:
        lines += [
            "```python",
            "import pandas as pd",
            f'df = pd.read_json("{name}", lines=True)',
            "import polars as pl",
            f'df = pl.read_ndjson("{name}")',
            "import duckdb",
            f"duckdb.sql(\"SELECT title, published FROM read_json_auto('{name}')\").show()",
            "```",
            "",
            (
                "One JSON object per line, UTF-8; dates and times in ISO 8601. For a spreadsheet, "
                "export again with `--format csv`."
            ),
        ]
    return "\n".join(lines) + "\n"


def export(
    archive: Archive,
    out: Path | str,
    fmt: Format = "parquet",
    section: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    include_removed: bool = False,
    include_crawl_state: bool = False,
) -> Path:
    """Write the filtered dataset atomically, with its data card beside it; returns its path."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = _select(archive, section, since, until, include_removed, include_crawl_state)
    _write_beside(out, _export_bytes(table, fmt))
    filters = {
        "section": section,
        "since": since,
        "until": until,
        "include_removed": include_removed,
    }
    _write_beside(card_path(out), _data_card(archive, table, out, fmt, filters).encode("utf-8"))
    return out


