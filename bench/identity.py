"""Benchmark: what reading a page's identity signals (crawler/identity.py) adds to extracting it.

    .venv/bin/python bench/identity.py [--rounds N] [--no-write]

The offline snapshot's article pages (and each hostile mode's page, crawler/demo/hostile.py),
decoded once; per page, extraction then the identity read the extraction worker does (from
the extracted body), alternating page by page so that load from other processes falls on
both alike; the median of the rounds. Prints a table and writes bench/results/identity.md
(unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo import hostile  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402
from crawler.extraction import ExtractionError, decode_html, extract  # noqa: E402
from crawler.identity import read_identity  # noqa: E402

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOST = "127.0.0.1:8765"


def _pages(site: DemoSite) -> list[tuple[str, str]]:
    return [(f"http://{HOST}/{post}", decode_html(site.handle("GET", f"/{post}/", {"host": HOST})[2]))
            for post in site.post_ids]


def _round(pages: list[tuple[str, str]]) -> tuple[float, float]:
    extracting = reading = 0.0
    for url, page in pages:
        started = time.perf_counter()
        try:
            record = extract(page, url, AT)
        except ExtractionError:
            record = None
        middle = time.perf_counter()
        if record is not None:
            read_identity(page, text=record.body, words=record.word_count)
        else:
            read_identity(page)
        ended = time.perf_counter()
        extracting += middle - started
        reading += ended - middle
    return extracting / len(pages), reading / len(pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    site = DemoSite()
    sets = {"snapshot articles": _pages(site)}
    hostile_pages = []
    for mode in ("login", "maintenance", "challenge", "parking"):
        hostile.set_mode(site, mode)
        hostile_pages += _pages(site)[:10]
    hostile.recover(site)
    sets["hostile pages (4 modes x 10)"] = hostile_pages
    rows = []
    for name, pages in sets.items():
        _round(pages)  # warm-up
        runs = [_round(pages) for _ in range(args.rounds)]
        ext = statistics.median(r[0] for r in runs) * 1000
        read = statistics.median(r[1] for r in runs) * 1000
        rows.append(f"| {name} | {len(pages)} | {ext:.2f} | {read:.3f} | {read / ext * 100:.1f}% |")
    table = "\n".join([
        "| pages | n | extraction, ms/page | identity signals, ms/page | identity / extraction |",
        "|---|---|---|---|---|",
        *rows,
    ])
    print(table)
    if not args.no_write:
        out = ROOT / "bench" / "results" / "identity.md"
        out.write_text(
            "# Identity signals: their cost beside extraction\n\n"
            f"`.venv/bin/python bench/identity.py --rounds {args.rounds}`, median of the rounds, one process "
            "(the crawl runs both in each extraction worker).\n\n" + table + "\n"
        )
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
