"""Benchmark: an archive that runs for years. N posts, R scheduled incremental crawls with a
few edits before each; per checkpoint the crawl's wall time, the read side's times
(`changes`, `stats`, `export`, a pyarrow read of versions/) and the archive's files.

Run with `make bench` (or `.venv/bin/python bench/longevity.py [--articles N] [--runs R]
[--edits E]`, defaults 300, 200, 3). Each crawl is the real command line against a local
mirror (bench/mirror.py's site, served in this process). Prints a table and writes it to
bench/results/longevity.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mirror import mirror_site  # noqa: E402

from crawler.cli import LOCAL_MIRROR_SETTINGS, setting_args  # noqa: E402
from crawler.demo.server import serve  # noqa: E402

FAST = setting_args({**LOCAL_MIRROR_SETTINGS, "NCMES_PROGRESS_INTERVAL": 0})


def cli(*args: str) -> float:
    """Wall seconds of one `python -m crawler ARGS`; exits on failure."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
    return took


def files(archive: Path) -> dict[str, int]:
    every = [p for p in archive.rglob("*") if p.is_file()]
    return {
        "files": len(every),
        "parquet": sum(p.suffix == ".parquet" for p in every),
        "versions": sum(1 for p in (archive / "versions").glob("*.parquet")),
        "warc": sum(1 for p in (archive / "warc").glob("*.warc.gz")),
        "bytes": sum(p.stat().st_size for p in every),
    }


def read_side(archive: Path, work: Path) -> dict[str, float]:
    a = ["--archive", str(archive)]
    pyarrow_s = float("inf")
    for _ in range(3):  # best of three: a few milliseconds on a shared machine
        started = time.perf_counter()
        rows = ds.dataset(archive / "versions", format="parquet").to_table().num_rows
        pyarrow_s = min(pyarrow_s, time.perf_counter() - started)
    return {
        "changes": cli("changes", *a, "--json"),
        "stats": cli("stats", *a),
        "export": cli("export", *a, "--out", str(work / "export"), "--format", "parquet"),
        "pyarrow": pyarrow_s,
        "versions_rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--edits", type=int, default=3)
    args = parser.parse_args()
    checkpoints = sorted({1, 10, *range(25, args.runs + 1, 25), args.runs} & set(range(1, args.runs + 1)))
    rng = random.Random(0)
    site = mirror_site(args.articles)
    rows = []
    crawl_times: list[float] = []
    with serve(site) as server, tempfile.TemporaryDirectory(prefix="ncmes-longevity-") as tmp:
        archive, work = Path(tmp) / "archive", Path(tmp) / "work"
        work.mkdir()
        for run in range(1, args.runs + 1):
            if run > 1:
                for post_id in rng.sample(site.post_ids, args.edits):
                    site.edit_article(post_id, append_paragraph=f"تحديث {run}")
            crawl_times.append(cli("crawl", "--site", server.url, "--archive", str(archive), *FAST))
            if run in checkpoints:
                window = crawl_times[-10:]
                row = {"run": run, "crawl": crawl_times[-1], "crawl_median10": statistics.median(window)}
                row.update(read_side(archive, work))
                row.update(files(archive))
                rows.append(row)
                print(
                    f"run {run:4d}: crawl {row['crawl']:.2f} s (median of last 10 {row['crawl_median10']:.2f}), "
                    f"changes {row['changes']:.2f}, stats {row['stats']:.2f}, export {row['export']:.2f}, "
                    f"pyarrow {row['pyarrow'] * 1000:.0f} ms; {row['files']} files "
                    f"({row['parquet']} Parquet, {row['versions']} in versions/, {row['warc']} WARC), "
                    f"{row['bytes'] / 1e6:.1f} MB",
                    flush=True,
                )
    write(rows, crawl_times, args)


def write(rows: list[dict], crawl_times: list[float], args: argparse.Namespace) -> None:
    first = next((r for r in rows if r["run"] == 10), rows[0])
    last = rows[-1]
    # The first run downloads everything: the incremental runs after it are the reference.
    early = statistics.median(crawl_times[1:11] or crawl_times)
    late = statistics.median(crawl_times[-10:])
    lines = [
        "# Longevity: many scheduled runs of one archive",
        "",
        f"`bench/longevity.py --articles {args.articles} --runs {args.runs} --edits {args.edits}`: "
        f"{args.runs} incremental crawls (the real command line) of a {args.articles}-post local "
        f"mirror, {args.edits} posts edited before each. Times in seconds (pyarrow: a read of "
        "versions/ in milliseconds); each read command is a fresh process.",
        "",
        "| run | crawl | crawl (median of last 10) | changes | stats | export | pyarrow ms | versions rows | files | Parquet | in versions/ | WARC | MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['run']} | {r['crawl']:.2f} | {r['crawl_median10']:.2f} | {r['changes']:.2f} | {r['stats']:.2f} "
            f"| {r['export']:.2f} | {r['pyarrow'] * 1000:.0f} | {r['versions_rows']} | {r['files']} | {r['parquet']} "
            f"| {r['versions']} | {r['warc']} | {r['bytes'] / 1e6:.1f} |"
        )
    lines += [
        "",
        f"- Crawl, last 10 runs against runs 2-11 (medians): {late:.2f} s against {early:.2f} s, "
        f"{late / early:.2f}x (target within 1.2x).",
        f"- Read side, last run against run {first['run']}: changes {last['changes'] / first['changes']:.2f}x, "
        f"stats {last['stats'] / first['stats']:.2f}x, export {last['export'] / first['export']:.2f}x, "
        f"pyarrow {last['pyarrow'] / first['pyarrow']:.2f}x (target within 1.3x).",
        f"- Parquet files in versions/ at the last run: {last['versions']} (WARC files stay one per run: "
        "the raw record, never rewritten).",
        "",
    ]
    out = ROOT / "bench" / "results" / "longevity.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
