"""What travels with a dataset: the data card (README.md), schema.json, CITATION.cff and BibTeX.

Everything here is made from the exported tables and the archive's runs, so the card's
counts, dates and columns are always those of the files beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from crawler.archive.schema import SCHEMA_VERSION
from crawler.dataset.formats import (
    cell_encoding,
    duckdb_json_structure,
    duckdb_type,
    is_nested,
    short_type,
    type_json,
)

PUBLISHER = "National Center for Middle East Studies"
PUBLISHER_AR = "المركز القومي لدراسات الشرق الأوسط"
PUBLISHER_SHORT = "NCMES"
PUBLISHER_CITY = "Cairo"
PUBLISHER_FOUNDED = 1989
PUBLISHER_URL = "https://ncmes.org"
PUBLISHER_URL_EN = "https://en.ncmes.org"
SOFTWARE = "ncmes-archive"

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
# Where a table's column means something else than in articles.
TABLE_DOCS: dict[str, dict[str, str]] = {
    "versions": {
        "seen_at": "when this version was captured (UTC)",
        "run_id": "the crawl run that captured this version",
        "warc_file": "the archive's WARC file holding the raw page this version was extracted "
        "from (in the archive's warc/ folder, not in this dataset)",
        "warc_offset": "byte offset of that WARC record",
        "warc_record_id": "WARC-Record-ID of that record",
        "etag": "the ETag the server sent with the answer this version was read from",
        "http_last_modified": "the Last-Modified header the server sent with that answer",
    },
    "citations": {
        "url": "the citing article's URL (articles.url)",
        "post_id": "the citing article's WordPress post id",
        "published": "the citing article's publication date",
        "sections": "the citing article's sections",
        "language": "the citing article's language (ar, en)",
        "footnote": "the footnote's number (as in the article's [n] marker)",
        "source_index": "the source's place in its footnote (1, 2, ...); the rows of a source "
        "that gives several URLs share it",
        "source": "the source's text as the note gives it (a note citing several sources joined "
        "by ' & ' gives one row per source)",
        "source_url": "a URL the source gives (one row per URL); null when it gives none",
        "source_domain": "the host of source_url, lower-cased, without www.; null without URL",
    },
}
TABLE_MEANING = {
    "articles": "one row per article: its latest archived version",
    "versions": "every archived version of those articles, oldest first",
    "citations": "one row per source cited in a footnote of those articles (and per URL it gives)",
}
TABLE_KEYS = {
    "articles": ["url"],
    "versions": ["url", "version"],
    "citations": ["url", "footnote", "source_index", "source_url"],
}

KNOWN_LIMITS = [
    "Only what the site lists is seen: articles reachable from the section listings, "
    "sitemap, feed or REST API. A page the site never links is missing.",
    "Edits made between two crawls collapse into one version; only changes to title, body, "
    "footnotes, authors, sections or publication date make a new version.",
    "An article is `removed` only after its URL answered 404 or 410; a page that failed to "
    "load is a failure of that run, not a removal.",
    "The body is text only: images, charts, embedded video and attached PDFs are not in it; "
    "tables are flattened to one row per line, cells joined by ` | `.",
    "Footnotes are recognised in three WordPress forms (Word export, the footnotes block, "
    "plain [n] paragraphs at the end); a note written another way stays in the body, and a "
    "marker without a note is left as it is.",
    "`published` is the date shown on the page, read day first (05/10/2025 is 5 October); "
    "it is null when the page shows none. `published_at` and `modified_at` come from the "
    "page's metadata and may disagree with it.",
    "`authors` is empty when the page names none (the site's default account is not an "
    "author); `series` is set only when two or more titles share the prefix.",
    "`language` is what the page declares (`<html lang>`, og:locale), not a detection.",
    "Citations are split from the footnote text: sources joined by ` & ` become rows, but a "
    "short piece without URL or number stays with its neighbour, so two short sources "
    "('Reuters & AP') stay one row. A URL that was only a link (not written in the note) is "
    "given to a source by its position.",
    "`word_count` counts the whitespace-separated tokens of `body` that hold a letter or a "
    "digit, footnote markers left out.",
    "`sections` are the categories the page names; when it names none, the section listings "
    "that list the article stand in.",
]

TERMS = (
    f"The articles are the work of the {PUBLISHER} ({PUBLISHER_SHORT}), {PUBLISHER_CITY}, "
    "and remain under its copyright. This dataset is a copy made for research: text and "
    "citation analysis, the study of how the articles change, and archiving. Quote within the "
    "limits of fair use, always credit the publisher and link the article's URL, and ask the "
    "publisher before republishing texts. No licence is granted beyond that by this file."
)


@dataclass
class Dataset:
    """What a card describes: the tables written, their file names, and where they came from."""

    tables: dict[str, pa.Table]
    files: dict[str, str]
    fmt: str
    filters: dict[str, Any]
    runs: list[dict[str, Any]]
    exported_at: dt.datetime
    folder: bool
    extra_files: dict[str, str] = field(default_factory=dict)

    @property
    def articles(self) -> pa.Table:
        return self.tables["articles"]


def column_doc(table: str, name: str) -> str:
    return TABLE_DOCS.get(table, {}).get(name) or COLUMN_DOCS.get(name, "")


# -- facts from the tables --------------------------------------------------------------


def _counts(values: list[Any]) -> list[tuple[str, int]]:
    counter = Counter(values)
    return sorted(((str(k), n) for k, n in counter.items()), key=lambda x: (-x[1], x[0]))


def facts(data: Dataset) -> dict[str, Any]:
    rows = data.articles.select(["sections", "published", "language"]).to_pylist()
    dates = [r["published"] for r in rows if r["published"] is not None]
    runs = data.runs
    sites = sorted({r["site"] for r in runs})
    started = [r["started_at"] for r in runs if r["started_at"]]
    finished = [r["finished_at"] for r in runs if r["finished_at"]]
    versions = data.tables.get("versions")
    captured_by = sorted(set((versions or data.articles)["run_id"].to_pylist()))
    return {
        "rows": len(rows),
        "first_published": min(dates) if dates else None,
        "last_published": max(dates) if dates else None,
        "undated": len(rows) - len(dates),
        "by_section": _counts([s for r in rows for s in (r["sections"] or ["(none)"])]),
        "by_year": sorted(
            Counter(str(d.year) for d in dates).items()
        ) + ([("undated", len(rows) - len(dates))] if len(rows) > len(dates) else []),
        "by_language": _counts([r["language"] or "(not declared)" for r in rows]),
        "sites": sites,
        "first_crawl": min(started) if started else None,
        "last_crawl": max(finished or started) if (finished or started) else None,
        "runs": len(runs),
        "completed_runs": sum(1 for r in runs if r["completed"]),
        "captured_by": captured_by,
    }


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "-"
    return (value.date() if isinstance(value, dt.datetime) else value).isoformat()


def _some(items: list[str], limit: int = 12) -> str:
    if not items:
        return "-"
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _filters_text(filters: dict[str, Any]) -> str:
    shown = [f"{k}={v}" for k, v in filters.items() if v not in (None, False)]
    return ", ".join(shown) or "none (every live article)"


# -- citing -----------------------------------------------------------------------------


def dataset_title(data: Dataset, f: dict[str, Any]) -> str:
    span = ""
    if f["first_published"]:
        span = f", {_day(f['first_published'])} to {_day(f['last_published'])}"
    return f"NCMES articles{span}: an archive of ncmes.org"


def _bib(value: str) -> str:
    value = value.replace("\\", "\\textbackslash{}")
    return re.sub(r"([&%$#_{}])", r"\\\1", value)


def bibtex(data: Dataset, f: dict[str, Any]) -> str:
    crawled = f["last_crawl"] or data.exported_at
    key = f"ncmes_archive_{crawled:%Y%m%d}"
    note = (
        f"Dataset of {f['rows']} articles crawled {_day(f['first_crawl'])} to "
        f"{_day(f['last_crawl'])} with {SOFTWARE} (schema {SCHEMA_VERSION}); "
        f"exported {_day(data.exported_at)}; filters: {_filters_text(data.filters)}"
    )
    lines = [
        f"@misc{{{key},",
        f"  author       = {{{{{PUBLISHER}}}}},",
        f"  title        = {{{{{_bib(dataset_title(data, f))}}}}},",
        f"  year         = {{{crawled:%Y}}},",
        f"  publisher    = {{{PUBLISHER}, {PUBLISHER_CITY}}},",
        f"  howpublished = {{\\url{{{PUBLISHER_URL}}}}},",
        f"  urldate      = {{{_day(crawled)}}},",
        f"  note         = {{{_bib(note)}}},",
        "}",
    ]
    return "\n".join(lines)


def _yaml(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(value, ensure_ascii=False)


def citation_cff(data: Dataset, f: dict[str, Any]) -> str:
    crawled = f["last_crawl"] or data.exported_at
    abstract = (
        f"{f['rows']} articles published by the {PUBLISHER} ({PUBLISHER_AR}, {PUBLISHER_SHORT}), "
        f"{PUBLISHER_CITY}, on {PUBLISHER_URL}, with every archived version and the sources "
        f"their footnotes cite; crawled {_day(f['first_crawl'])} to {_day(f['last_crawl'])} "
        f"by {SOFTWARE}. The texts remain under the publisher's copyright; shared for research."
    )
    lines = [
        "cff-version: 1.2.0",
        f"message: {_yaml('If you use this dataset, please cite it as below, and credit the publisher.')}",
        "type: dataset",
        f"title: {_yaml(dataset_title(data, f))}",
        "authors:",
        f"  - name: {_yaml(f'{PUBLISHER} ({PUBLISHER_SHORT})')}",
        f"    alias: {_yaml(PUBLISHER_AR)}",
        f"    city: {_yaml(PUBLISHER_CITY)}",
        '    country: "EG"',
        f"    website: {_yaml(PUBLISHER_URL)}",
        f"date-released: {_yaml(_day(data.exported_at))}",
        f"version: {_yaml(f'crawl of {_day(crawled)}')}",
        f"url: {_yaml(PUBLISHER_URL)}",
        f"abstract: {_yaml(abstract)}",
        "keywords:",
        *(f"  - {_yaml(k)}" for k in ("Middle East", "Egypt", "think tank", "Arabic", "web archive")),
    ]
    return "\n".join(lines) + "\n"


# -- schema.json ------------------------------------------------------------------------


def schema_document(data: Dataset) -> dict[str, Any]:
    tables = {}
    for name, table in data.tables.items():
        tables[name] = {
            "file": data.files[name],
            "rows": len(table),
            "meaning": TABLE_MEANING[name],
            "key": TABLE_KEYS[name],
            "columns": [
                {
                    "name": fld.name,
                    **type_json(fld.type),
                    "arrow_type": str(fld.type),
                    "nullable": fld.nullable,
                    "encoding": cell_encoding(fld.type, data.fmt),
                    "description": column_doc(name, fld.name),
                }
                for fld in table.schema
            ],
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "software": SOFTWARE,
        "format": data.fmt,
        "exported_at": data.exported_at.isoformat(timespec="seconds"),
        "filters": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.filters.items()},
        "publisher": f"{PUBLISHER} ({PUBLISHER_AR}, {PUBLISHER_SHORT}), {PUBLISHER_CITY}",
        "tables": tables,
    }


# -- loading snippets -------------------------------------------------------------------


def _date_columns(table: pa.Table) -> list[str]:
    return [f.name for f in table.schema if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type)]


def _nested_columns(table: pa.Table) -> list[str]:
    return [f.name for f in table.schema if is_nested(f.type)]


def _polars_type(typ: pa.DataType) -> str:
    if pa.types.is_list(typ):
        return f"pl.List({_polars_type(typ.value_type)})"
    if pa.types.is_struct(typ):
        inner = ", ".join(f"{f.name!r}: {_polars_type(f.type)}" for f in typ)
        return f"pl.Struct({{{inner}}})"
    if pa.types.is_timestamp(typ):
        return f'pl.Datetime("{typ.unit}", "{typ.tz}")' if typ.tz else f'pl.Datetime("{typ.unit}")'
    return {
        pa.string(): "pl.String", pa.int64(): "pl.Int64", pa.int32(): "pl.Int32",
        pa.date32(): "pl.Date", pa.bool_(): "pl.Boolean",
    }.get(typ, "pl.String")


def _py_list(names: list[str]) -> str:
    return "[" + ", ".join(json.dumps(n) for n in names) + "]"


def pandas_snippet(data: Dataset) -> str:
    lines = ["import pandas as pd"]
    if data.fmt == "csv":
        lines.insert(0, "import json")
    for name, table in data.tables.items():
        path = data.files[name]
        dates = _date_columns(table)
        nested = _nested_columns(table)
        if data.fmt == "parquet":
            lines.append(f'{name} = pd.read_parquet("{path}")')
            # Timestamps arrive as datetime64 already; dates as Python objects.
            for col in (c for c in dates if pa.types.is_date(table.schema.field(c).type)):
                lines.append(f'{name}["{col}"] = pd.to_datetime({name}["{col}"])')
        elif data.fmt == "csv":
            lines.append(
                f'{name} = pd.read_csv("{path}", encoding="utf-8-sig", keep_default_na=False, '
                f"na_values=[\"\"],\n    parse_dates={_py_list(dates)}, "
                f"converters={{c: json.loads for c in {_py_list(nested)}}})"
            )
        else:
            lines.append(f'{name} = pd.read_json("{path}", lines=True)')
            for col in dates:
                lines.append(f'{name}["{col}"] = pd.to_datetime({name}["{col}"])')
    lines += [
        "# struct columns: one row per link, its fields prefixed so they never clash with `url`",
        'links = articles[["url", "links"]].explode("links").dropna(subset=["links"])',
        'links = links.join(pd.DataFrame(links.pop("links").tolist(), index=links.index).add_prefix("link_"))',
    ]
    return "\n".join(lines)


def polars_snippet(data: Dataset) -> str:
    lines = ["import polars as pl"]
    for name, table in data.tables.items():
        path = data.files[name]
        if data.fmt == "parquet":
            lines.append(f'{name} = pl.read_parquet("{path}")')
            continue
        reader = (
            f'pl.read_csv("{path}", infer_schema=False)' if data.fmt == "csv"
            else f'pl.read_ndjson("{path}", infer_schema_length=None)'
        )
        # Text first: in JSON Lines a column null in every row reads as null-typed.
        text = "" if data.fmt == "csv" else ".cast(pl.String)"
        conversions = []
        for fld in table.schema:
            col = f'pl.col("{fld.name}"){text}'
            if pa.types.is_date(fld.type):
                conversions.append(f"{col}.str.to_date()")
            elif pa.types.is_timestamp(fld.type):
                conversions.append(f'{col}.str.to_datetime(time_zone="UTC")')
            elif data.fmt == "csv" and is_nested(fld.type):
                conversions.append(f"{col}.str.json_decode({_polars_type(fld.type)})")
            elif data.fmt == "csv" and fld.type != pa.string():
                conversions.append(f"{col}.cast({_polars_type(fld.type)})")
        body = ",\n    ".join(conversions)
        lines.append(f"{name} = {reader}.with_columns(\n    {body},\n)")
    lines += [
        "# struct columns: explode the list, rename the fields, then unnest (no clash with `url`)",
        'links = (articles.select("url", "links").explode("links").drop_nulls("links")',
        '         .with_columns(pl.col("links").struct.rename_fields(["link_text", "link_url"]))',
        '         .unnest("links"))',
    ]
    return "\n".join(lines)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_snippet(data: Dataset) -> str:
    lines = ["-- in the dataset's folder: paste into the duckdb shell, or run each statement with duckdb.sql()"]
    for name, table in data.tables.items():
        path = _sql_str(data.files[name])
        if data.fmt == "parquet":
            lines.append(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({path});")
            continue
        if data.fmt == "csv":
            columns = ", ".join(
                f"{_sql_str(f.name)}: {_sql_str('VARCHAR' if is_nested(f.type) else duckdb_type(f.type))}"
                for f in table.schema
            )
            nested = [f for f in table.schema if is_nested(f.type)]
            replace = ", ".join(
                f"from_json({f.name}, {_sql_str(json.dumps(duckdb_json_structure(f.type)))}) AS {f.name}"
                for f in nested
            )
            lines.append(
                f"CREATE VIEW {name} AS SELECT * REPLACE ({replace})\n"
                f"FROM read_csv({path}, header = true, columns = {{{columns}}});"
            )
        else:
            columns = ", ".join(
                f"{_sql_str(f.name)}: {_sql_str(duckdb_type(f.type))}" for f in table.schema
            )
            lines.append(
                f"CREATE VIEW {name} AS SELECT * FROM read_json({path}, "
                f"format = 'newline_delimited', columns = {{{columns}}});"
            )
    lines += [
        "SELECT url, title, published FROM articles ORDER BY published DESC NULLS LAST LIMIT 5;",
        "-- struct columns: unnest the list under a name, then pick its fields with new names",
        "SELECT a.url AS article_url, link.text AS link_text, link.url AS link_url",
        "FROM (SELECT url, unnest(links) AS link FROM articles) AS a;",
        "SELECT a.url AS article_url, note.number AS footnote, unnest(note.urls) AS cited_url",
        "FROM (SELECT url, unnest(footnotes) AS note FROM articles) AS a;",
    ]
    if "citations" in data.tables:
        lines += [
            "SELECT source_domain, count(*) AS citations, count(DISTINCT url) AS articles",
            "FROM citations WHERE source_domain IS NOT NULL",
            "GROUP BY source_domain ORDER BY citations DESC, source_domain LIMIT 10;",
        ]
    return "\n".join(lines)


SPREADSHEETS = [
    "The CSV files are UTF-8 with a byte-order mark, comma separated, quoted with `\"`; "
    "cells holding several lines (body, footnotes) are quoted.",
    "**LibreOffice Calc**: File ▸ Open, pick the file; in the Text Import dialog set "
    "Character set *Unicode (UTF-8)*, Separator options *Separated by* ▸ *Comma* only, "
    "String delimiter `\"`, tick *Format quoted field as text*, and set the `published` "
    "column's type to *Date (YMD)*. For right-to-left reading, enable complex text layout "
    "(Tools ▸ Options ▸ Language Settings ▸ Languages) and use Format ▸ Text Direction "
    "▸ Right-to-Left on the text columns.",
    "**Excel**: Data ▸ From Text/CSV, File Origin *65001: Unicode (UTF-8)*, Delimiter "
    "*Comma*, then Load (opening the file by double-click also reads it as UTF-8, thanks to "
    "the byte-order mark). Page Layout ▸ Sheet Right-to-Left shows the Arabic columns in "
    "reading order. Excel keeps at most 32,767 characters in a cell: a longer `body` is cut "
    "there, so count words from the file, not from the sheet.",
    "List and struct cells (`sections`, `authors`, `footnotes`, `related`, `links`) are JSON "
    "text: `[\"دراسات\", \"رؤى\"]`; an empty cell is a null.",
]


# -- the card ---------------------------------------------------------------------------


def _type_cell(typ: pa.DataType, fmt: str) -> str:
    text = short_type(typ)
    if fmt in ("csv", "sqlite") and is_nested(typ):
        return f"{text} (JSON text)"
    if fmt != "parquet" and (pa.types.is_date(typ) or pa.types.is_timestamp(typ)):
        return f"{text} (ISO 8601 text)"
    return text


def _count_table(title: str, rows: list[tuple[str, int]]) -> list[str]:
    out = [f"| {title} | articles |", "|---|---:|"]
    out += [f"| {k} | {n} |" for k, n in rows]
    return out


def data_card(data: Dataset) -> str:
    f = facts(data)
    name = "this dataset" if data.folder else f"`{data.files['articles']}`"
    lines = [
        f"# {dataset_title(data, f)}",
        "",
        f"Articles published by the **{PUBLISHER}** ({PUBLISHER_AR}, {PUBLISHER_SHORT}), a "
        f"research centre in {PUBLISHER_CITY} founded in {PUBLISHER_FOUNDED}, on its website "
        f"[ncmes.org]({PUBLISHER_URL}) (Arabic; English edition [en.ncmes.org]({PUBLISHER_URL_EN})): "
        "analyses of Middle East and African affairs. The articles were crawled and archived "
        f"version by version by {SOFTWARE}; {name} is an export of that archive.",
        "",
        "## At a glance",
        "",
        "| file | rows | what it holds |",
        "|---|---:|---|",
    ]
    for table, path in data.files.items():
        lines.append(f"| `{path}` | {len(data.tables[table])} | {TABLE_MEANING[table]} |")
    for path, what in data.extra_files.items():
        lines.append(f"| `{path}` | | {what} |")
    runs = data.runs
    lines += [
        "",
        f"- format: {data.fmt}",
        f"- crawled from: {', '.join(f['sites']) or '-'}",
        f"- crawl dates: {_day(f['first_crawl'])} to {_day(f['last_crawl'])}; "
        f"runs: {f['runs']} ({f['completed_runs']} completed)",
        f"- publication dates: {_day(f['first_published'])} to {_day(f['last_published'])}; "
        f"articles without a date: {f['undated']}",
        f"- filters: {_filters_text(data.filters)}",
        f"- exported: {data.exported_at.isoformat(timespec='seconds')} by {SOFTWARE}, "
        f"archive schema version {SCHEMA_VERSION}",
        f"- runs that captured these versions: {_some(f['captured_by'])}",
        "",
        "## Counts",
        "",
        "An article filed under several sections counts once in each.",
        "",
        *_count_table("section", f["by_section"]),
        "",
        *_count_table("year published", f["by_year"]),
        "",
        *_count_table("language", f["by_language"]),
        "",
        "## Crawl runs",
        "",
        "| run | mode | started (UTC) | finished (UTC) | completed | added | changed | removed |",
        "|---|---|---|---|---|---:|---:|---:|",
    ]
    shown = runs[-30:]
    if len(runs) > len(shown):
        lines.append(f"| ... {len(runs) - len(shown)} earlier runs | | | | | | | |")
    for r in shown:
        finished = r["finished_at"].isoformat(timespec="seconds") if r["finished_at"] else "-"
        lines.append(
            f"| {r['run_id']} | {r['mode']} | {r['started_at'].isoformat(timespec='seconds')} | "
            f"{finished} | {'yes' if r['completed'] else 'no'} | {r['articles_added']} | "
            f"{r['articles_changed']} | {r['articles_removed']} |"
        )
    lines += ["", "## Columns", ""]
    for table, path in data.files.items():
        lines += [
            f"### `{path}`: {TABLE_MEANING[table]}",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        for fld in data.tables[table].schema:
            null = "" if fld.nullable else ", never null"
            lines.append(
                f"| `{fld.name}` | {_type_cell(fld.type, data.fmt)}{null} | {column_doc(table, fld.name)} |"
            )
        lines.append("")
    if data.folder:
        lines.append("`schema.json` gives the same, machine-readable, with the schema version.")
        lines.append("")
    if data.fmt == "sqlite":
        from crawler.search.card import sqlite_loading

        lines += sqlite_loading(data)
    else:
        lines += [
            "## Loading it",
            "",
            "With pandas (`published` as a date):",
            "",
            "```python",
            pandas_snippet(data),
            "```",
            "",
            "With polars:",
            "",
            "```python",
            polars_snippet(data),
            "```",
            "",
            "With DuckDB (SQL, from the dataset's folder):",
            "",
            "```sql",
            duckdb_snippet(data),
            "```",
            "",
        ]
        if data.fmt == "csv":
            lines += ["### In a spreadsheet", ""]
            lines += [f"- {item}" for item in SPREADSHEETS]
            lines.append("")
    from crawler.search.card import searching

    lines += searching(data)
    lines += ["## Known limits", ""]
    lines += [f"- {item}" for item in KNOWN_LIMITS]
    lines += [
        "",
        "## How to cite",
        "",
        "Cite the publisher and the dataset"
        + (" (`CITATION.cff` in this folder has the same):" if data.folder else ":"),
        "",
        "```bibtex",
        bibtex(data, f),
        "```",
        "",
        "Cite an article by its `url`, title, `published` date and the date it was archived "
        "(`last_changed`, or `seen_at` for a version).",
        "",
        "## Terms",
        "",
        TERMS,
        "",
    ]
    return "\n".join(lines)
