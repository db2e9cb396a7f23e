"""Counts of what the archive holds: by section, year and language, the most cited domains, the
last run and its failures."""

from __future__ import annotations

from collections import Counter
from typing import Any

from crawler.archive.reader import ArchiveReader
from crawler.dataset.citations import citation_rows

TOP_DOMAINS = 10


def stats(archive: ArchiveReader) -> str:
    """Counts by section, year and language, live/removed, the most cited domains, the last run
    and its failures."""
    columns = ["url", "post_id", "status", "sections", "published", "language", "footnotes"]
    rows = archive.read_articles().select(columns).to_pylist()
    status = Counter(r["status"] for r in rows)
    sections: Counter[str] = Counter()
    years: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    cited: Counter[str] = Counter()
    citing: dict[str, set[str]] = {}
    for r in rows:
        if r["status"] != "live":
            continue
        for s in r["sections"] or ["(none)"]:
            sections[s] += 1
        years[str(r["published"].year) if r["published"] else "unknown"] += 1
        languages[r["language"] or "(not declared)"] += 1
        for citation in citation_rows(r):
            domain = citation["source_domain"]
            if domain:
                cited[domain] += 1
                citing.setdefault(domain, set()).add(r["url"])
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
    out += ["", "live articles by language:"]
    out += [f"  {n:6d}  {lang}" for lang, n in sorted(languages.items(), key=lambda x: (-x[1], x[0]))]
    out += ["", f"top cited domains (citations, citing articles) of {sum(cited.values())} cited URLs:"]
    top = sorted(cited.items(), key=lambda x: (-x[1], x[0]))[:TOP_DOMAINS]
    out += [f"  {n:6d}  {len(citing[d]):6d}  {d}" for d, n in top] or ["  none"]
    runs = archive.read_runs().to_pylist()
    out.append("")
    if not runs:
        out.append("no run yet")
        return "\n".join(out)
    from crawler.dataset.changes import latest_runs

    latest = latest_runs(runs)
    for last in latest:
        out.append("last " + format_run(last))
        failures = archive.read_failures(last["run_id"]).to_pylist()
        if failures:
            out.append(f"failures of that run ({len(failures)}):")
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
