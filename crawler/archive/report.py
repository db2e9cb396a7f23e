"""What the command line shows: changes, diffs, stats and researcher exports over an Archive."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crawler.archive.changes import normalise
from crawler.archive.schema import FILE_KIND_KEY, SCHEMA_VERSION, SCHEMA_VERSION_KEY
from crawler.archive.store import CRAWL_STATE_COLUMNS, Archive, ArchiveError
from crawler.urls import SiteURLError, canonical_url

Format = Literal["parquet", "csv", "jsonl"]
FORMATS: tuple[str, ...] = ("parquet", "csv", "jsonl")
_CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}


class ReportError(ArchiveError):
    """A report cannot be made as asked (unknown run, URL or version)."""


# ---------------------------------------------------------------------------------------
# changes


def _runs_selected(archive: Archive, run: str, since: dt.date | None) -> list[str]:
    runs = archive.read_runs().to_pylist()
    if since is not None:
        return [r["run_id"] for r in runs if r["started_at"].date() >= since]
    if run == "latest":
        return [runs[-1]["run_id"]] if runs else []
    if run not in {r["run_id"] for r in runs}:
        raise ReportError(f"no run {run} in archive {archive.root}")
    return [run]


def changes(archive: Archive, run: str = "latest", since: dt.date | None = None) -> list[dict]:
    """The change events of one run (default the latest) or of every run started since a date."""
    run_ids = _runs_selected(archive, run, since)
    if not run_ids:
        return []
    table = archive.read_changes()
    table = table.filter(pc.is_in(table["run_id"], pa.array(run_ids, pa.string())))
    order = {rid: i for i, rid in enumerate(run_ids)}
    rows = [
        {
            "url": r["url"],
            "change": r["change"],
            "fields": list(r["fields"]),
            "version": r["version"],
            "run_id": r["run_id"],
        }
        for r in table.to_pylist()
    ]
    rows.sort(
        key=lambda r: (
            order[r["run_id"]],
            _CHANGE_ORDER.get(r["change"], 9),
            r["url"],
            r["version"],
        )
    )
    return rows


def format_changes_table(rows: list[dict]) -> str:
    """A plain-text table of change events, one per line."""
    if not rows:
        return "no changes"
    header = ("change", "version", "url", "fields", "run")
    lines = [
        (r["change"], str(r["version"]), r["url"], ", ".join(r["fields"]) or "-", r["run_id"])
        for r in rows
    ]
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(4)]
    out = []
    for line in [header, *lines]:
        out.append("  ".join(line[i].ljust(widths[i]) for i in range(4)) + "  " + line[4])
    counts = Counter(r["change"] for r in rows)
    out.append(", ".join(f"{counts[k]} {k}" for k in _CHANGE_ORDER if counts[k]))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# diff


def resolve_url(archive: Archive, url: str) -> str:
    """The canonical URL of an article given in any form (slash, query, ?p=N, www., bare path)."""
    raw = url.strip()
    sites = list(dict.fromkeys(reversed(archive.read_runs()["site"].to_pylist())))
    scheme = urlsplit(raw).scheme.lower()
    if scheme and scheme not in ("http", "https") and "://" not in raw and raw[:1] != "/":
        raise ReportError(f"not an http(s) URL: {url!r}")
    if "://" not in raw:
        # A bare path or post id: the site of the latest run names the origin.
        if not sites:
            raise ReportError(f"not an absolute URL: {url!r}")
        raw = sites[0].rstrip("/") + (raw if raw.startswith("/") else "/" + raw)
    parts = urlsplit(raw)
    try:
        own = canonical_url(raw, f"{parts.scheme}://{parts.netloc}")
    except SiteURLError as exc:
        raise ReportError(f"not an http(s) URL: {url!r}") from exc
    if own is None:
        raise ReportError(f"not an http(s) URL: {url!r}")
    if own in archive.state:
        return own
    # The same article through another origin form (www., http): the crawled site's
    # canonical form is the one the archive keys on.
    for site in sites:
        try:
            alt = canonical_url(raw, site)
        except SiteURLError:
            continue
        if alt is not None and alt in archive.state:
            return alt
    return own


def _text_lines(row: dict[str, Any] | None) -> list[str]:
    if row is None:
        return []
    lines = [row["title"], ""]
    lines += row["body"].splitlines()
    if row["footnotes"]:
        lines.append("")
        lines += [f"[{n['number']}] {n['text']}" for n in row["footnotes"]]
    return lines


def diff(archive: Archive, url: str, from_v: int | None = None, to_v: int | None = None) -> str:
    """A unified, line-by-line diff of title, body and footnotes between two versions."""
    canon = resolve_url(archive, url)
    versions = {r["version"]: r for r in archive.read_versions(canon).to_pylist()}
    if not versions:
        raise ReportError(f"no article {canon} in archive {archive.root}")
    known = sorted(versions)
    for v in (from_v, to_v):
        if v is not None and v not in versions:
            raise ReportError(
                f"{canon} has no version {v} (versions: {', '.join(map(str, known))})"
            )
    to_v = to_v if to_v is not None else known[-1]
    if from_v is None:
        earlier = [v for v in known if v < to_v]
        from_v = earlier[-1] if earlier else None
    note = ""
    if from_v is None:
        note = f"# {canon} has only version {to_v} before it; diffing against empty\n"
    old = versions.get(from_v) if from_v is not None else None
    new = versions[to_v]
    lines = list(
        difflib.unified_diff(
            _text_lines(old),
            _text_lines(new),
            fromfile=f"{canon} v{from_v}" if from_v is not None else "(empty)",
            tofile=f"{canon} v{to_v}",
            lineterm="",
        )
    )
    if not lines:
        return note + f"# {canon}: no differences between v{from_v} and v{to_v}"
    return note + "\n".join(lines)


# ---------------------------------------------------------------------------------------
# stats


def stats(archive: Archive) -> str:
    """Counts by section and year, live/removed, the last run and its failures."""
    rows = archive.read_articles().to_pylist()
    status = Counter(r["status"] for r in rows)
    sections: Counter[str] = Counter()
    years: Counter[str] = Counter()
    for r in rows:
        if r["status"] != "live":
            continue
        for s in r["sections"] or ["(none)"]:
            sections[s] += 1
        years[str(r["published"].year) if r["published"] else "unknown"] += 1
    versions = archive.count_versions()
    out = [
        f"archive {archive.root}",
        (
            f"articles: {len(rows)} ({status['live']} live, {status['removed']} removed); "
            f"versions: {versions}"
        ),
        "",
        "live articles by section:",
    ]
    out += [f"  {n:6d}  {s}" for s, n in sorted(sections.items(), key=lambda x: (-x[1], x[0]))]
    out += ["", "live articles by year published:"]
    out += [f"  {n:6d}  {y}" for y, n in sorted(years.items())]
    runs = archive.read_runs().to_pylist()
    out.append("")
    if not runs:
        out.append("no run yet")
        return "\n".join(out)
    last = runs[-1]
    out.append("last " + format_run(last))
    failures = archive.read_failures(last["run_id"]).to_pylist()
    if failures:
        out.append(f"failures of the last run ({len(failures)}):")
        out += [f"  {f['stage']:5s} {f['url']}: {f['error'][:200]}" for f in failures[:10]]
        if len(failures) > 10:
            out.append(f"  ... and {len(failures) - 10} more (failures.parquet)")
    return "\n".join(out)


def format_run(run: dict[str, Any]) -> str:
    """One run row as a small table: its state and duration, then every count."""
    counts = [
        ("requests", run["requests"]),
        ("pages downloaded", run["pages_downloaded"]),
        ("not modified (304)", run["not_modified"]),
        ("bytes received", run["bytes_received"]),
        ("articles added", run["articles_added"]),
        ("articles changed", run["articles_changed"]),
        ("articles removed", run["articles_removed"]),
        ("articles unchanged", run["articles_unchanged"]),
        ("failures", run["failures"]),
        ("warnings", run["warnings"]),
    ]
    started, finished = run["started_at"], run["finished_at"]
    if run["completed"]:
        state = "completed"
    else:
        state = "NOT completed" + ("" if finished else " (interrupted or running)")
    took = f" in {(finished - started).total_seconds():.1f}s" if started and finished else ""
    width = max(len(name) for name, _ in counts)
    lines = [f"run {run['run_id']} ({run['mode']}) of {run['site']}: {state}{took}"]
    lines += [f"  {name:<{width}}  {value:>10,}" for name, value in counts]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# export

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
            f"Articles of the ncmes.org think-tank website, archived from {site} by ncmes-archive. "
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


__all__ = [
    "COLUMN_DOCS",
    "ReportError",
    "card_path",
    "changes",
    "diff",
    "export",
    "format_changes_table",
    "resolve_url",
    "stats",
]
