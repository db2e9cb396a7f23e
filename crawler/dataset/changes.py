"""What a run added, changed and removed: change events as rows and as a table."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from crawler.archive.reader import ArchiveReader
from crawler.dataset import ReportError

_CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}

class UnknownRun(ReportError):
    """A --run id the archive does not hold (a usage error)."""


def latest_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest run of every site the runs cover, in run order."""
    last: dict[str, dict[str, Any]] = {}
    for r in runs:
        last[r["site"]] = r
    return [r for r in runs if last[r["site"]] is r]


def _selected_runs(archive: ArchiveReader, run: str, since: dt.date | None) -> list[dict[str, Any]]:
    runs = archive.read_runs().to_pylist()
    if since is not None:
        return [r for r in runs if r["started_at"].date() >= since]
    if run == "latest":
        return latest_runs(runs)
    chosen = [r for r in runs if r["run_id"] == run]
    if not chosen:
        known = ", ".join(r["run_id"] for r in latest_runs(runs)) or "none yet"
        raise UnknownRun(f"no run {run} in archive {archive.root} (latest of each site: {known})")
    return chosen


def _runs_selected(archive: ArchiveReader, run: str, since: dt.date | None) -> list[str]:
    return [r["run_id"] for r in _selected_runs(archive, run, since)]


def describe_selection(archive: ArchiveReader, run: str = "latest", since: dt.date | None = None) -> str:
    """Which runs a view covers, in one line: `changes`, `report` and `stats` say it."""
    runs = _selected_runs(archive, run, since)
    if since is not None:
        head = f"runs started since {since.isoformat()}"
    elif run == "latest":
        head = "the latest run of each site"
    else:
        head = "run"
    if not runs:
        return f"{head}: none"
    named = ", ".join(f"{r['run_id']} ({r['site']})" for r in runs)
    return f"{head}: {named}"


# What an event shows of the version it names (the removed one: the last version).
_EVENT_COLUMNS = ["title", "language", "published", "sections", "post_id", "seen_at"]


def change_events(
    archive: ArchiveReader, run: str = "latest", since: dt.date | None = None
) -> list[dict[str, Any]]:
    """The change events of one run (default the latest) or of every run started since a
    date, in run order, then added, changed, removed, then by URL; each with the title,
    language, publication date and sections of the version it names and `seen_at`, the
    time of the change (datetime, UTC)."""
    return change_events_with_versions(archive, run, since, columns=_EVENT_COLUMNS)[0]


def change_events_with_versions(
    archive: ArchiveReader,
    run: str = "latest",
    since: dt.date | None = None,
    columns: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The change events (as `change_events` gives them) and the rows of every version of
    the URLs they name (`columns` of them, url and version always; all when None), from
    one read of the versions."""
    run_ids = _runs_selected(archive, run, since)
    if not run_ids:
        return [], []
    table = archive.read_changes()
    table = table.filter(pc.is_in(table["run_id"], pa.array(run_ids, pa.string())))
    events = table.to_pylist()
    if not events:
        return [], []
    if columns is not None:
        columns = list(dict.fromkeys([*columns, *_EVENT_COLUMNS]))
    versions = archive.read_versions(urls={e["url"] for e in events}, columns=columns).to_pylist()
    by_key = {(r["url"], r["version"]): r for r in versions}
    order = {rid: i for i, rid in enumerate(run_ids)}
    rows = []
    for e in events:
        version = by_key.get((e["url"], e["version"]))
        rows.append(
            {
                "url": e["url"],
                "change": e["change"],
                "fields": list(e["fields"]),
                "version": e["version"],
                "run_id": e["run_id"],
                "title": version["title"] if version else "",  # every event names an archived version
                "seen_at": e["at"],
                "language": version["language"] if version else None,
                "published": version["published"] if version else None,
                "sections": list(version["sections"]) if version else [],
                "post_id": version["post_id"] if version else None,
            }
        )
    rows.sort(
        key=lambda r: (
            order[r["run_id"]],
            _CHANGE_ORDER.get(r["change"], 9),
            r["url"],
            r["version"],
        )
    )
    return rows, versions


JSON_KEYS = ("url", "change", "fields", "version", "run_id", "title", "seen_at")


def changes(archive: ArchiveReader, run: str = "latest", since: dt.date | None = None) -> list[dict]:
    """The change events as `changes --json` prints them: url, change, fields, version,
    run_id, title (of the version named) and seen_at (ISO 8601, UTC)."""
    return [
        {
            **{k: e[k] for k in JSON_KEYS},
            "seen_at": e["seen_at"].isoformat(timespec="seconds"),
        }
        for e in change_events(archive, run, since)
    ]


def format_changes_table(rows: list[dict]) -> str:
    """A plain-text table of change events, one per line, the title last (it may be
    right to left, and nothing after it is then displaced)."""
    if not rows:
        return "no changes"
    header = ("change", "version", "url", "fields", "seen (UTC)", "run", "title")
    lines = [
        (
            r["change"],
            str(r["version"]),
            r["url"],
            ", ".join(r["fields"]) or "-",
            _seen(r["seen_at"]),
            r["run_id"],
            " ".join((r.get("title") or "-").split()),
        )
        for r in rows
    ]
    last = len(header) - 1
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(last)]
    out = []
    for line in [header, *lines]:
        out.append("  ".join(line[i].ljust(widths[i]) for i in range(last)) + "  " + line[last])
    counts = Counter(r["change"] for r in rows)
    out.append(", ".join(f"{counts[k]} {k}" for k in _CHANGE_ORDER if counts[k]))
    return "\n".join(out)


def _seen(value: dt.datetime | str) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
