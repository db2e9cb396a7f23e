"""Benchmark: requests, bytes and wall time of full, unchanged and changed recrawls of the snapshot.

Run with `make bench` (or `.venv/bin/python bench/incremental.py`). Prints a table per
scenario and writes it to bench/results/incremental.md.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.cli import LOCAL_MIRROR_SETTINGS, setting_args  # noqa: E402
from crawler.demo.server import serve  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402

FAST = setting_args({**LOCAL_MIRROR_SETTINGS, "NCMES_PROGRESS_INTERVAL": 0})


def crawl(url: str, archive: Path, *extra: str) -> tuple[dict, float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--site", url, "--archive", str(archive), *FAST, *extra],
        capture_output=True, text=True, cwd=ROOT,
    )
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr.strip().splitlines()[-1]}")
    return pq.read_table(archive / "runs.parquet").to_pylist()[-1], took


def articles_served(site: DemoSite) -> list[str]:
    """Article paths the server answered with a full body (200) since the last reset."""
    counters = site.counters()
    return sorted(p for p in counters["paths"] if p.strip("/").isdigit() and counters["paths"][p])


def scenario(name: str, site: DemoSite, steps: list[tuple[str, list[str], object]]) -> list[str]:
    lines = [f"### {name}", "", "| crawl | requests | bytes received | article bodies | 304 | added | changed | removed | wall s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    first = None
    with serve(site) as server, tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        for label, extra, change in steps:
            expected = change(site) if callable(change) else None
            site.reset_counters()
            run, took = crawl(server.url, archive, *extra)
            first = first or run
            lines.append(
                f"| {label} | {run['requests']} ({run['requests'] / first['requests']:.0%}) "
                f"| {run['bytes_received']:,} ({run['bytes_received'] / first['bytes_received']:.1%}) "
                f"| {run['pages_downloaded']} | {run['not_modified']} | {run['articles_added']} "
                f"| {run['articles_changed']} | {run['articles_removed']} | {took:.1f} |"
            )
            if expected is not None:
                statuses = site.counters()["statuses"]
                lines.append(f"|  ↳ changed on the site: {', '.join(sorted(expected))}; statuses served: {statuses} |||||||||")
    return [*lines, ""]


def main() -> None:
    def changes(site: DemoSite) -> set[str]:
        new = site.add_article("رؤى بحثية: مقال جديد للقياس", ["فقرة أولى.", "فقرة ثانية."])
        site.edit_article(4571, body_paragraph=(0, "فقرة معدلة للقياس."))
        site.edit_article(4650, footnote=(1, "حاشية معدلة. Available at: https://example.org/x"))
        site.remove_article(4017, 404)
        site.touch_boilerplate()
        return {f"/{new} added", "/4571 body", "/4650 footnote", "/4017 removed"}

    out = [
        f"# Incremental crawl benchmark (offline snapshot, Arabic edition, {len(DemoSite().post_ids)} articles)",
        "",
        "Percentages are of the first (full) crawl. `article bodies` counts article pages",
        "downloaded with a 200; `304` counts conditional requests answered Not Modified.",
        "",
    ]
    out += scenario("Sitemap with lastmod, REST API, validators (the WordPress default)", DemoSite(), [
        ("first crawl", [], None),
        ("unchanged recrawl", [], None),
        ("after changes", [], changes),
        ("unchanged recrawl", [], None),
        ("--full", ["--full"], None),
    ])
    every_run = ["-s", "NCMES_REVISIT_EVERY_RUNS=1"]
    out += scenario("Validators only (no sitemap, no REST, no feed), every article due each run",
                    DemoSite(sitemap=False, rest_api=False, feed=False), [
        ("first crawl", every_run, None),
        ("unchanged recrawl", every_run, None),
        ("after changes", every_run, changes),
    ])
    out += scenario("No change signal at all (no sitemap, REST, feed or validators), revisit every 3 runs",
                    DemoSite(sitemap=False, rest_api=False, feed=False, validators=False), [
        ("first crawl", ["-s", "NCMES_REVISIT_EVERY_RUNS=3"], None),
        ("unchanged recrawl", ["-s", "NCMES_REVISIT_EVERY_RUNS=3"], None),
        ("after changes", ["-s", "NCMES_REVISIT_EVERY_RUNS=3"], changes),
        ("3 runs after the first", ["-s", "NCMES_REVISIT_EVERY_RUNS=3"], None),
    ])
    text = "\n".join(out)
    print(text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "incremental.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
