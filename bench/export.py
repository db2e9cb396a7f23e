"""Benchmark: dataset export time per format, and the archive's Parquet size per 1,000 articles.

Run with `.venv/bin/python bench/export.py [N]` (default 10000 articles). The archive is
synthetic: the offline snapshot's 49 pages extracted once, then stored N times under their
own URLs, each copy's body and title with their words shuffled (seeded) so that Parquet
cannot compress one copy against another as it could exact duplicates. Each format is
exported as a dataset folder (articles, versions, citations, card, schema.json) from a
freshly opened archive. Prints a table and writes it to bench/results/export.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.archive.writer import Archive  # noqa: E402
from crawler.dataset.export import export  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402
from crawler.extraction import extract  # noqa: E402

SITE = "https://ncmes.org"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _shuffled(text: str, rng: random.Random) -> str:
    lines = []
    for line in text.splitlines():
        words = line.split()
        rng.shuffle(words)
        lines.append(" ".join(words))
    return "\n".join(lines)


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    site = DemoSite()
    records = []
    for post_id in site.post_ids:
        _, _, body = site.handle("GET", f"/{post_id}/", {"Host": "ncmes.org"})
        records.append(extract(body, f"{SITE}/{post_id}", AT))
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "archive"
        archive = Archive(root)
        archive.acquire_lock()
        archive.begin_run(SITE, "full")
        started = time.perf_counter()
        for i in range(n):
            base = records[i % len(records)]
            record = dataclasses.replace(
                base,
                url=f"{SITE}/{100000 + i}",
                post_id=100000 + i,
                title=_shuffled(base.title, rng),
                body=_shuffled(base.body, rng),
            )
            archive.record_article(record, fetched_at=AT)
            if (i + 1) % 1000 == 0:
                archive.checkpoint()
        archive.finish_run(True, {})
        archive.release_lock()
        store_s = time.perf_counter() - started
        archive_bytes = (root / "articles.parquet").stat().st_size + _size(root / "versions")
        citations = 0
        rows = []
        for fmt in ("parquet", "csv", "jsonl"):
            reopened = Archive(root, create=False)
            out = Path(tmp) / f"dataset-{fmt}"
            started = time.perf_counter()
            export(reopened, out, fmt)  # type: ignore[arg-type]
            took = time.perf_counter() - started
            sizes = {name: _size(out / f"{name}.{fmt}") for name in ("articles", "versions", "citations")}
            if fmt == "parquet":
                import pyarrow.parquet as pq

                citations = pq.read_metadata(out / "citations.parquet").num_rows
            rows.append((fmt, took, sizes, _size(out)))

    mb = 1e6
    lines = [
        f"# Export benchmark ({n} articles, one version each; {citations} citation rows)",
        "",
        "| format | export time (dataset folder) | articles | versions | citations | whole folder |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for fmt, took, sizes, total in rows:
        lines.append(
            f"| {fmt} | {took:.1f} s | {sizes['articles'] / mb:.2f} MB | {sizes['versions'] / mb:.2f} MB "
            f"| {sizes['citations'] / mb:.2f} MB | {total / mb:.2f} MB |"
        )
    lines += [
        "",
        "| archive figure | value |",
        "|---|---:|",
        f"| storing {n} records (checkpoint every 1,000) | {store_s:.1f} s |",
        f"| archive Parquet on disk (articles.parquet + versions/) | {archive_bytes / mb:.1f} MB |",
        f"| archive Parquet per 1,000 articles | {archive_bytes / mb / n * 1000:.2f} MB |",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "export.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
