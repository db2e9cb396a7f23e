"""What a run added, changed and removed: change events as rows and as a table."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from crawler.archive.store import Archive
from crawler.dataset import ReportError

_CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}

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
