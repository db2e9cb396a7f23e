"""Researcher exports: a dataset folder (articles, versions, citations, data card, schema.json,
CITATION.cff) or one file of articles with its card, in Parquet, CSV or JSON Lines.

Every argument is checked against the archive before anything is written: a filter that
matches nothing the archive knows is a ExportUsageError naming the known values, and the files
appear whole or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from crawler.archive.changes import normalise
from crawler.archive.files import pid_tmp, remove_abandoned, swap_in, write_bytes_atomic
from crawler.archive.reader import CRAWL_STATE_COLUMNS, ArchiveReader
from crawler.dataset import ReportError
from crawler.dataset.card import COLUMN_DOCS, Dataset, citation_cff, data_card, facts, schema_document
from crawler.dataset.citations import citations_table
from crawler.dataset.formats import FORMATS, to_bytes

Format = Literal["parquet", "csv", "jsonl"]
TABLES = ("articles", "versions", "citations")
# One SQLite file of the dataset folder's tables and the search index (crawler/search/).
SQLITE = "sqlite"
SQLITE_SUFFIXES = ("sqlite", "db")
SCHEMA_FILE = "schema.json"
CARD_FILE = "README.md"
CFF_FILE = "CITATION.cff"

__all__ = [
    "COLUMN_DOCS", "FORMATS", "ExportUsageError", "Target", "card_path", "describe", "export", "resolve_target",
]


class ExportUsageError(ReportError):
    """The export was asked for what cannot be: a filter matching nothing the archive knows, an
    --out that disagrees with --format (a usage error, exit 2)."""


@dataclass(frozen=True)
class Target:
    """Where an export goes: a dataset folder, or one file of articles."""

    path: Path
    fmt: str
    folder: bool


def card_path(out: Path) -> Path:
    """The data card of a one-file export: the whole file name + .README.md, so an export in
    another format under the same stem keeps its own card."""
    return out.with_name(f"{out.name}.README.md")


def resolve_target(out: Path | str, fmt: str | None) -> Target:
    """The folder or file `--out` names, in the format `--format` and the name agree on."""
    out = Path(out)
    if fmt is not None and fmt not in (*FORMATS, SQLITE):
        raise ExportUsageError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)}, {SQLITE})")
    suffix = out.suffix.lower().lstrip(".")
    if fmt == SQLITE or suffix in SQLITE_SUFFIXES:
        if suffix not in SQLITE_SUFFIXES or out.is_dir():
            raise ExportUsageError(f"--out {out}: a SQLite export is one file, ending in .sqlite or .db")
        return Target(out, SQLITE, False)
    if out.is_dir() or (not suffix and not out.exists()):
        target = Target(out, fmt or "parquet", True)
        _check_folder(target)
        return target
    if not suffix:
        raise ExportUsageError(f"--out {out} is a file; give a folder path for a dataset folder")
    if suffix not in FORMATS:
        raise ExportUsageError(
            f"--out {out}: a one-file export ends in .parquet, .csv or .jsonl; "
            "a dataset folder is a path without an extension"
        )
    if fmt is not None and fmt != suffix:
        raise ExportUsageError(f"--format {fmt} does not agree with --out {out} (a .{suffix} file)")
    return Target(out, suffix, False)


def _check_folder(target: Target) -> None:
    """A folder is written only when new, empty, or an earlier dataset of the same format."""
    if not target.path.is_dir() or not any(target.path.iterdir()):
        return
    try:
        previous = json.loads((target.path / SCHEMA_FILE).read_text(encoding="utf-8"))["format"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ExportUsageError(
            f"--out {target.path} is a folder that holds other files; "
            "give a new or empty folder for a dataset"
        ) from None
    if previous != target.fmt:
        raise ExportUsageError(
            f"--out {target.path} holds a {previous} dataset; export {target.fmt} into another folder"
        )


# -- selecting --------------------------------------------------------------------------


def _known(values: list[Any]) -> list[str]:
    return sorted({str(v) for v in values if v is not None})


def _check_filters(
    table: pa.Table,
    section: str | None,
    since: dt.date | None,
    until: dt.date | None,
    language: str | None,
) -> None:
    if since is not None and until is not None and since > until:
        raise ExportUsageError(f"--since {since} is after --until {until}: no date is in that range")
    if section is not None:
        sections = _known([s for secs in table["sections"].to_pylist() for s in (secs or [])])
        wanted = normalise(section).casefold()
        if not any(normalise(s).casefold() == wanted for s in sections):
            raise ExportUsageError(
                f"--section {section!r} is not a section of this archive; known: "
                + (", ".join(sections) or "none")
            )
    if language is not None:
        languages = _known(table["language"].to_pylist())
        if language.lower() not in languages:
            raise ExportUsageError(
                f"--language {language!r}: the archive holds no article in it; known: "
                + (", ".join(languages) or "none (no article declares its language)")
            )


def select_articles(
    archive: ArchiveReader,
    section: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    language: str | None = None,
    include_removed: bool = False,
    include_crawl_state: bool = False,
) -> pa.Table:
    """The articles the filters keep, by URL; ExportUsageError when a filter matches nothing known."""
    table = archive.read_articles()
    _check_filters(table, section, since, until, language)
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
    if language is not None:
        mask = pc.and_(mask, pc.fill_null(pc.equal(table["language"], language.lower()), False))
    # An article without a date cannot be said to fall in a date range: left out then.
    if since is not None:
        mask = pc.and_(mask, pc.fill_null(pc.greater_equal(table["published"], since), False))
    if until is not None:
        mask = pc.and_(mask, pc.fill_null(pc.less_equal(table["published"], until), False))
    table = table.filter(mask)
    if not include_crawl_state:
        table = table.drop_columns(list(CRAWL_STATE_COLUMNS))
    return table.sort_by([("url", "ascending")])


def dataset_tables(archive: ArchiveReader, articles: pa.Table) -> dict[str, pa.Table]:
    """The three tables of a dataset folder for the selected articles."""
    return {
        "articles": articles,
        "versions": archive.read_versions(urls=articles["url"].to_pylist()),
        "citations": citations_table(articles),
    }


# -- writing ----------------------------------------------------------------------------


def _write_folder(target: Target, data: Dataset) -> None:
    final = target.path
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = pid_tmp(final)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name, table in data.tables.items():
            (tmp / data.files[name]).write_bytes(to_bytes(table, target.fmt, name))
        doc = json.dumps(schema_document(data), ensure_ascii=False, indent=2) + "\n"
        (tmp / SCHEMA_FILE).write_bytes(doc.encode("utf-8"))
        (tmp / CFF_FILE).write_bytes(citation_cff(data, facts(data)).encode("utf-8"))
        (tmp / CARD_FILE).write_bytes(data_card(data).encode("utf-8"))
        swap_in(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise


def export(archive: ArchiveReader, out: Path | str, fmt: Format | None = None,
           **filters: Any) -> Path:
    """Write the filtered dataset (export_counted); returns its path."""
    return export_counted(archive, out, fmt, **filters)[0]


def export_counted(
    archive: ArchiveReader,
    out: Path | str,
    fmt: Format | None = None,
    section: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    include_removed: bool = False,
    include_crawl_state: bool = False,
    language: str | None = None,
) -> tuple[Path, int]:
    """Write the filtered dataset (a folder, or one file with its card beside it); returns its
    path and its article rows. ExportUsageError, before anything is written, for a request
    that cannot be met."""
    # First what a killed export left (a dataset folder it had set aside goes back in place),
    # so that the folder's format is checked against what is really there.
    remove_abandoned(Path(out), lambda folder: (folder / SCHEMA_FILE).is_file())
    target = resolve_target(out, fmt)
    articles = select_articles(
        archive, section, since, until, language, include_removed, include_crawl_state
    )
    filters = {
        "section": section,
        "since": since,
        "until": until,
        "language": language,
        "include_removed": include_removed,
    }
    runs = archive.read_runs().to_pylist()
    now = dt.datetime.now(dt.UTC)
    if target.fmt == SQLITE:
        from crawler.search.sqlite_export import export_sqlite

        export_sqlite(archive, target.path, articles, filters, runs, now)
        return target.path, articles.num_rows
    if target.folder:
        tables = dataset_tables(archive, articles)
        files = {name: f"{name}.{target.fmt}" for name in tables}
        extras = {
            CARD_FILE: "this data card",
            SCHEMA_FILE: "each table's schema, machine-readable, with the schema version",
            CFF_FILE: "how to cite the dataset (Citation File Format)",
        }
        _write_folder(target, Dataset(tables, files, target.fmt, filters, runs, now, True, extras))
        return target.path, articles.num_rows
    target.path.parent.mkdir(parents=True, exist_ok=True)
    data = Dataset({"articles": articles}, {"articles": target.path.name}, target.fmt, filters, runs, now, False)
    # Both made before either is written: a kill between the two writes (each atomic) is
    # then only as long as the card's write.
    payload, card = to_bytes(articles, target.fmt, "articles"), data_card(data).encode("utf-8")
    write_bytes_atomic(target.path, payload)
    write_bytes_atomic(card_path(target.path), card)
    return target.path, articles.num_rows


def describe(path: Path, rows: int) -> str:
    """What an export wrote, in a line or two (for the command line); rows: its article rows
    (export_counted)."""
    if not path.is_dir():
        return f"wrote {path} ({rows} row{'' if rows == 1 else 's'}) and its data card {card_path(path)}"
    tables = json.loads((path / SCHEMA_FILE).read_text(encoding="utf-8"))["tables"]
    counts = ", ".join(
        f"{t['file']} ({t['rows']} row{'' if t['rows'] == 1 else 's'})" for t in tables.values()
    )
    return f"wrote {path}: {counts}, {CARD_FILE}, {SCHEMA_FILE}, {CFF_FILE}"
