"""Benchmark: our extraction against `trafilatura.extract()` (default settings), same pages, one run.

    .venv/bin/python bench/extraction.py [--rounds N] [--pages DIR] [--no-write]

Page sets: the offline snapshot's articles, the golden pages (tests/fixtures/pages), and
optionally a directory of saved pages (`*.html` or `*.html.gz`). When that directory holds a
`ground-truth.json` ({name: {"url": ..., "articleBody": ...}}, the article-extraction-benchmark
layout), each page's URL is taken from it and main-text F1 is computed for both extractors on
4-word shingles (precision and recall averaged over pages, as that benchmark does).

Timing alternates the two extractors page by page (the order flips every round), so that
load from other processes falls on both alike. Prints a table and writes
bench/results/extraction.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.demo.site import DemoSite  # noqa: E402
from crawler.extraction import ExtractionError, charset_of, extract  # noqa: E402

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GOLDEN = ROOT / "tests" / "fixtures" / "pages"
_TOKEN = re.compile(r"\w+")


class Page:
    def __init__(self, name: str, data: bytes, url: str, encoding: str | None = None,
                 truth: str | None = None) -> None:
        self.name, self.data, self.url, self.encoding, self.truth = name, data, url, encoding, truth


def snapshot_pages() -> list[Page]:
    site = DemoSite()
    pages = []
    for post_id in site.post_ids:
        _, headers, body = site.handle("GET", f"/{post_id}/", {"Host": "ncmes.org"})
        encoding = charset_of(dict(headers).get("Content-Type"))
        pages.append(Page(str(post_id), body, f"https://ncmes.org/{post_id}", encoding))
    return pages


def golden_pages() -> list[Page]:
    pages = []
    for folder in sorted(p for p in GOLDEN.iterdir() if (p / "page.html").exists()):
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        pages.append(Page(folder.name, (folder / "page.html").read_bytes(), meta["url"],
                          meta.get("encoding")))
    return pages


def directory_pages(folder: Path) -> list[Page]:
    truth_file = folder / "ground-truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else {}
    pages = []
    for path in sorted([*folder.rglob("*.html"), *folder.rglob("*.html.gz")]):
        name = path.name.removesuffix(".gz").removesuffix(".html")
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        known = truth.get(name, {})
        pages.append(Page(name, data, known.get("url") or f"https://example.org/{name}",
                          truth=known.get("articleBody")))
    return pages


def ours(page: Page) -> str:
    try:
        return extract(page.data, page.url, AT, encoding=page.encoding).body
    except ExtractionError:
        return ""


def theirs(page: Page) -> str:
    return trafilatura.extract(page.data, url=page.url) or ""


def timed(pages: list[Page], rounds: int) -> tuple[float, float, list[str], list[str]]:
    """ms per page for ours and trafilatura, and the texts of the last round."""
    spent = {"ours": 0.0, "theirs": 0.0}
    texts: dict[str, list[str]] = {"ours": [], "theirs": []}
    for round_no in range(rounds):
        texts = {"ours": [], "theirs": []}
        for page in pages:
            order = [("ours", ours), ("theirs", theirs)]
            if round_no % 2:
                order.reverse()
            for name, fn in order:
                started = time.perf_counter()
                texts[name].append(fn(page))
                spent[name] += time.perf_counter() - started
    n = rounds * len(pages)
    return spent["ours"] / n * 1000, spent["theirs"] / n * 1000, texts["ours"], texts["theirs"]


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def f1(truths: list[str], predictions: list[str]) -> tuple[float, float, float]:
    """Shingle F1, precision, recall (per-page precision and recall averaged)."""
    precisions, recalls = [], []
    for truth, pred in zip(truths, predictions, strict=True):
        a, b = _shingles(truth), _shingles(pred)
        tp, fp, fn = sum((a & b).values()), sum((b - a).values()), sum((a - b).values())
        if fp == fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    p, r = statistics.mean(precisions), statistics.mean(recalls)
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=Path, help="a directory of saved pages")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.pages is not None and not args.pages.is_dir():
        print(f"error: --pages {args.pages}: not a directory", file=sys.stderr)
        return 2
    sets = [("snapshot articles", snapshot_pages()), ("golden pages", golden_pages())]
    if args.pages is not None:
        sets.append((f"pages in {args.pages}", directory_pages(args.pages)))
        if not sets[-1][1]:
            print(f"error: --pages {args.pages}: no *.html or *.html.gz files", file=sys.stderr)
            return 2
    # Warm up both (lazy imports, dateparser's language data).
    ours(sets[0][1][0])
    theirs(sets[0][1][0])
    rows = [
        "| pages | n | ours ms/page | trafilatura ms/page | ours F1 (P/R) | trafilatura F1 (P/R) |",
        "|---|---:|---:|---:|---|---|",
    ]
    for label, pages in sets:
        rounds = args.rounds if len(pages) < 100 else 1
        ours_ms, theirs_ms, our_texts, their_texts = timed(pages, rounds)
        scored = [i for i, p in enumerate(pages) if p.truth is not None]
        ours_f1 = theirs_f1 = "-"
        if scored:
            truths = [pages[i].truth or "" for i in scored]
            o = f1(truths, [our_texts[i] for i in scored])
            t = f1(truths, [their_texts[i] for i in scored])
            ours_f1 = f"{o[0]:.3f} ({o[1]:.3f}/{o[2]:.3f})"
            theirs_f1 = f"{t[0]:.3f} ({t[1]:.3f}/{t[2]:.3f})"
        rows.append(f"| {label} | {len(pages)} | {ours_ms:.1f} | {theirs_ms:.1f} | {ours_f1} "
                    f"| {theirs_f1} |")
    lines = [
        "# Extraction benchmark",
        "",
        f"`extract()` against `trafilatura.extract()` with default settings, trafilatura "
        f"{trafilatura.__version__}; same pages, one run, extractors alternated page by page.",
        "",
        *rows,
        "",
    ]
    print("\n".join(lines))
    if not args.no_write:
        out = ROOT / "bench" / "results" / "extraction.md"
        out.write_text("\n".join(lines), encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
