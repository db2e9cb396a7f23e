"""Benchmark: the web archive's size on disk per 1,000 articles, and the WARC writer's speed.

Run with `.venv/bin/python bench/warc_size.py`. Crawls the offline snapshot (its Arabic edition)
once, then again with every article due (answered 304), and reports the WARC bytes of each
run per 1,000 articles (every answer: pages, listings, sitemaps, feed, robots.txt, with their
request records), the CDXJ index, and the time the writer takes for 1,000 article records.
Writes the table to bench/results/warc_size.md.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.archive import cdxj  # noqa: E402
from crawler.archive.warc import Capture, WarcRecorder  # noqa: E402
from crawler.cli import LOCAL_MIRROR_SETTINGS, setting_args  # noqa: E402
from crawler.demo.server import serve  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402

FAST = setting_args({**LOCAL_MIRROR_SETTINGS, "NCMES_PROGRESS_INTERVAL": 0})


def crawl(url: str, archive: Path, *extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--site", url, "--archive", str(archive), *FAST, *extra],
        capture_output=True, text=True, cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr.strip().splitlines()[-1]}")
    return pq.read_table(archive / "runs.parquet").to_pylist()[-1]


def writer_seconds(n: int, folder: Path) -> float:
    """Time to write n article answers (a 28 KiB gzip page each) through the writer thread."""
    site = DemoSite()
    pages = []
    for post_id in site.post_ids:
        status, headers, body = site.handle("GET", f"/{post_id}/", {"Host": "ncmes.org", "Accept-Encoding": "gzip"})
        pages.append((post_id, status, [(k.encode(), v.encode()) for k, v in headers.items()], body))
    # (warcinfo() would import Twisted, whose `incremental` bench/incremental.py shadows here)
    recorder = WarcRecorder(folder, "bench", {"software": "ncmes-archive bench"})
    started = time.perf_counter()
    for i in range(n):
        post_id, status, headers, body = pages[i % len(pages)]
        recorder.submit(Capture(f"https://ncmes.org/{post_id + i * 10000}/", status, headers, body,
                                dt.datetime.now(dt.UTC)))
    recorder.close()
    return time.perf_counter() - started


def main() -> None:
    site = DemoSite()
    n = len(site.post_ids)
    rows = []
    with serve(site) as server, tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        for label, extra in (("first crawl (every article 200)", []),
                             ("unchanged recrawl (every article 304)", ["-s", "NCMES_REVISIT_EVERY_RUNS=1"])):
            before = {p.name for p in (archive / "warc").glob("*.warc.gz")} if archive.exists() else set()
            run = crawl(server.url, archive, *extra)
            (new,) = [p for p in (archive / "warc").glob("*.warc.gz") if p.name not in before]
            size = new.stat().st_size
            rows.append((label, run["requests"], size, size / n * 1000))
        index = (archive / "warc" / cdxj.INDEX).stat().st_size
        parquet = sum(p.stat().st_size for p in archive.rglob("*.parquet"))
        writer = writer_seconds(1000, Path(tmp) / "writer")
    lines = [
        f"# Web archive size ({n} snapshot articles, scaled to 1,000)", "",
        "| run | requests | WARC bytes | WARC per 1,000 articles |", "|---|---:|---:|---:|",
    ]
    lines += [f"| {label} | {req} | {size:,} | {per / 1e6:.1f} MB |" for label, req, size, per in rows]
    lines += [
        "", "| figure | value |", "|---|---:|",
        f"| CDXJ index after both runs, per 1,000 articles | {index / n * 1000 / 1e3:.0f} KB |",
        f"| Parquet (all tables) after both runs, per 1,000 articles | {parquet / n * 1000 / 1e6:.1f} MB |",
        f"| writer: 1,000 article answers (response + request records) | {writer:.2f} s |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / "warc_size.md"
    out.write_text(text)


if __name__ == "__main__":
    main()
