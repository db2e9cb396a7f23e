"""Benchmark: extraction speed, and archive write cost and memory as the archive grows.

Run with `.venv/bin/python bench/scale.py [N]` (default 5000 articles). Extraction runs on
the offline snapshot's pages; the archive part stores N records made from them (each
under its own URL), checkpointing every 50 as a crawl does. Prints figures and writes them
to bench/results/scale.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.archive.writer import Archive  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402
from crawler.extraction import extract  # noqa: E402

SITE = "https://ncmes.org"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    site = DemoSite()
    pages = []
    for post_id in site.post_ids:
        status, headers, body = site.handle("GET", f"/{post_id}/", {"Host": "ncmes.org"})
        pages.append((post_id, body, headers))
    started = time.perf_counter()
    rounds = 5
    records = []
    for _ in range(rounds):
        records = [extract(body, f"{SITE}/{pid}", AT) for pid, body, _ in pages]
    took = time.perf_counter() - started
    per_page_ms = took / (rounds * len(pages)) * 1000
    page_kb = sum(len(b) for _, b, _ in pages) / len(pages) / 1024

    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(Path(tmp) / "archive")
        archive.acquire_lock()
        archive.begin_run(SITE, "full")
        checkpoints: list[float] = []
        started = time.perf_counter()
        for i in range(n):
            base = records[i % len(records)]
            record = dataclasses.replace(base, url=f"{SITE}/{100000 + i}", post_id=100000 + i)
            archive.record_article(record, fetched_at=AT)
            if (i + 1) % 50 == 0:
                t = time.perf_counter()
                archive.checkpoint()
                checkpoints.append(time.perf_counter() - t)
        archive.finish_run(True, {})
        write_s = time.perf_counter() - started
        size_mb = (Path(tmp) / "archive" / "articles.parquet").stat().st_size / 1e6
        versions_mb = sum(p.stat().st_size for p in (Path(tmp) / "archive" / "versions").glob("*.parquet")) / 1e6
        started = time.perf_counter()
        reopened = Archive(Path(tmp) / "archive")
        open_s = time.perf_counter() - started
        assert len(reopened.state) == n
        archive.release_lock()

    lines = [
        f"# Scale benchmark ({n} articles)",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| extraction, mean per page ({len(pages)} snapshot pages x {rounds}) | {per_page_ms:.1f} ms |",
        f"| mean page size | {page_kb:.0f} KiB |",
        f"| archive: {n} records stored, checkpoint every 50 | {write_s:.1f} s |",
        f"| first checkpoint / last checkpoint | {checkpoints[0] * 1000:.0f} ms / {checkpoints[-1] * 1000:.0f} ms |",
        f"| articles.parquet size | {size_mb:.1f} MB |",
        f"| versions/ size | {versions_mb:.1f} MB |",
        f"| opening the archive (state loaded, versions reconciled) | {open_s:.2f} s |",
        f"| peak memory before / after the archive part | {rss_before:.0f} MB / {peak_rss_mb():.0f} MB |",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "scale.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
