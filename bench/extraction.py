"""Benchmark: our extraction against `trafilatura.extract()` (default settings), same pages, one run.

    .venv/bin/python bench/extraction.py [--rounds N] [--pages DIR ...] [--renamed]
                                         [--out FILE] [--no-write]

Page sets: the offline snapshot's articles, the golden pages (tests/fixtures/pages, scored
against their expected records), and optionally directories of saved pages with gold text
(`--pages`, repeatable), in either layout:

- `ground-truth.json` ({name: {"url": ..., "articleBody": ..., "datePublished"?: ...}}, the
  article-extraction-benchmark layout) beside `*.html` / `*.html.gz` files named by key;
- one folder per page holding `source.html`, `expected.html` (the gold article; its text is
  the gold text) and optionally `expected-metadata.json` (`publishedTime` is the gold date),
  Mozilla Readability's test-pages layout.

Main-text F1 is computed on 4-word shingles (precision and recall averaged over pages, as the
article-extraction-benchmark does); date accuracy is the share of pages with a gold date whose
extracted publication date (ours: the shown date, else the machine one; trafilatura: its
metadata date, i.e. htmldate) is the gold date's day. A directory's pages are split in two
parts by publisher before anything is looked at: a deterministic hash of the page URL's host
(`www.` dropped), or for the folder layout of the folder name without its `-N` suffix; one
part ("dev") is the one extraction may be tuned on, the other ("held-out") is only measured.
Each part is reported on its own row, with the pages where each extractor's F1 is the better,
and again for its WordPress pages (those naming /wp-content/, /wp-includes/ or WordPress's
generator tag).

With `--renamed`, each part of a directory is measured again with every class and id token
of its pages replaced by a meaningless one (the same token always by the same, and the ids
that in-page links and labels refer to with them): what is left is what neither extractor
can read from names, as on a theme nobody has seen.

Timing alternates the two extractors page by page (the order flips every round), so that
load from other processes falls on both alike. Prints a table and writes
bench/results/extraction.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from lxml import html  # noqa: E402

from crawler.demo.site import DemoSite  # noqa: E402
from crawler.extraction import ArticleRecord, ExtractionError, charset_of, extract  # noqa: E402

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GOLDEN = ROOT / "tests" / "fixtures" / "pages"
_TOKEN = re.compile(r"\w+")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SUFFIX = re.compile(r"-\d+$")
PARTS = ("dev", "held-out")
_WORDPRESS_MARKS = (b"/wp-content/", b"/wp-includes/", b'content="WordPress')


class Page:
    def __init__(self, name: str, data: bytes, url: str, encoding: str | None = None,
                 truth: str | None = None, date: str | None = None,
                 publisher: str | None = None) -> None:
        self.name, self.data, self.url, self.encoding, self.truth = name, data, url, encoding, truth
        self.date = date  # the gold publication day, YYYY-MM-DD
        self.publisher = publisher or (urlsplit(url).hostname or name).removeprefix("www.")

    @property
    def wordpress(self) -> bool:
        """Written by WordPress: its asset paths or its generator tag are in the page."""
        return any(mark in self.data for mark in _WORDPRESS_MARKS)

    @property
    def part(self) -> str:
        """The publisher's part of the split: a hash of its name, so a site is in one part."""
        digest = hashlib.sha256(self.publisher.encode("utf-8")).digest()
        return PARTS[digest[0] % 2]


def _day(value: object) -> str | None:
    match = _DAY.search(value) if isinstance(value, str) else None
    return match.group(0) if match else None


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
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        pages.append(Page(folder.name, (folder / "page.html").read_bytes(), meta["url"],
                          meta.get("encoding"), truth=expected.get("body"),
                          date=_day(expected.get("published"))))
    return pages


def _gold_text(data: bytes) -> str:
    """The text of a gold article page, one line per block."""
    root = html.fromstring(data)
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return root.text_content()


_BLOCKS = ("p", "div", "section", "article", "li", "tr", "td", "th", "br", "h1", "h2", "h3",
           "h4", "h5", "h6", "blockquote", "pre", "figcaption", "dd", "dt", "table", "ul", "ol")


def directory_pages(folder: Path) -> list[Page]:
    truth_file = folder / "ground-truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else {}
    pages = []
    for source in sorted(folder.rglob("source.html")):
        expected = source.with_name("expected.html")
        if not expected.exists():
            continue
        meta_file = source.with_name("expected-metadata.json")
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        name = source.parent.name
        pages.append(Page(name, source.read_bytes(), f"http://fakehost/test/{name}/",
                          truth=_gold_text(expected.read_bytes()),
                          date=_day(meta.get("publishedTime")),
                          publisher=_SUFFIX.sub("", name)))
    if pages:
        return pages
    for path in sorted([*folder.rglob("*.html"), *folder.rglob("*.html.gz")]):
        name = path.name.removesuffix(".gz").removesuffix(".html")
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        known = truth.get(name, {})
        pages.append(Page(name, data, known.get("url") or f"https://example.org/{name}",
                          truth=known.get("articleBody"), date=_day(known.get("datePublished"))))
    return pages


_TAG = re.compile(rb"<[A-Za-z][^<>]*>")
# Attributes that hold names (class and id tokens, and the ids other attributes refer to),
# and in-page links, whose fragment is an id.
_NAMED = re.compile(rb"""(\s(?:class|id|for|headers|aria-labelledby|aria-describedby|aria-controls)"""
                    rb"""\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_FRAGMENT = re.compile(rb"""(\shref\s*=\s*)(?:"#([^"]*)"|'#([^']*)'|#([^\s"'>]+))""",
                       re.IGNORECASE)


def _new_name(name: bytes) -> bytes:
    return b"n" + hashlib.sha1(name).hexdigest()[:8].encode()


def _renamed_tag(match: re.Match) -> bytes:
    def names(found: re.Match) -> bytes:
        value = next(group for group in found.groups()[1:] if group is not None)
        return found.group(1) + b'"' + b" ".join(map(_new_name, value.split())) + b'"'

    def fragment(found: re.Match) -> bytes:
        value = next(group for group in found.groups()[1:] if group is not None)
        return found.group(1) + b'"#' + (_new_name(value) if value else b"") + b'"'

    return _FRAGMENT.sub(fragment, _NAMED.sub(names, match.group(0)))


def renamed(page: Page) -> Page:
    """The page with every class and id token replaced by a meaningless one, the same name
    always by the same token, in-page links and references to ids with them; only inside
    tags, so the text is untouched."""
    return Page(page.name, _TAG.sub(_renamed_tag, page.data), page.url, page.encoding,
                page.truth, page.date, page.publisher)


def _record(page: Page) -> ArticleRecord | None:
    try:
        return extract(page.data, page.url, AT, encoding=page.encoding)
    except ExtractionError:
        return None


def ours(page: Page) -> str:
    record = _record(page)
    return record.body if record is not None else ""


def theirs(page: Page) -> str:
    return trafilatura.extract(page.data, url=page.url) or ""


def our_date(page: Page) -> str | None:
    record = _record(page)
    if record is None:
        return None
    if record.published is not None:
        return record.published.isoformat()
    return record.published_at.date().isoformat() if record.published_at is not None else None


def their_date(page: Page) -> str | None:
    """trafilatura's own publication date (htmldate, as trafilatura calls it)."""
    metadata = trafilatura.extract_metadata(page.data, default_url=page.url)
    return _day(metadata.date) if metadata is not None else None


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


def page_scores(truth: str, pred: str) -> tuple[float | None, float | None]:
    """One page's shingle precision and recall (None where undefined: nothing predicted)."""
    a, b = _shingles(truth), _shingles(pred)
    tp, fp, fn = sum((a & b).values()), sum((b - a).values()), sum((a - b).values())
    if fp == fn == 0:
        return 1.0, 1.0
    return (tp / (tp + fp) if tp + fp else None), (tp / (tp + fn) if tp + fn else None)


def page_f1(truth: str, pred: str) -> float:
    p, r = page_scores(truth, pred)
    return 2 * p * r / (p + r) if p and r else 0.0


def f1(truths: list[str], predictions: list[str]) -> tuple[float, float, float]:
    """Shingle F1, precision, recall (per-page precision and recall averaged)."""
    precisions, recalls = [], []
    for truth, pred in zip(truths, predictions, strict=True):
        p, r = page_scores(truth, pred)
        if p is not None:
            precisions.append(p)
        if r is not None:
            recalls.append(r)
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def row(label: str, pages: list[Page], rounds: int) -> str:
    """One table row: speed, text F1, dates and per-page wins for a set of pages."""
    ours_ms, theirs_ms, our_texts, their_texts = timed(pages, rounds)
    scored = [i for i, p in enumerate(pages) if p.truth is not None]
    ours_f1 = theirs_f1 = wins = "-"
    if scored:
        truths = [pages[i].truth or "" for i in scored]
        o = f1(truths, [our_texts[i] for i in scored])
        t = f1(truths, [their_texts[i] for i in scored])
        ours_f1 = f"{o[0]:.3f} ({o[1]:.3f}/{o[2]:.3f})"
        theirs_f1 = f"{t[0]:.3f} ({t[1]:.3f}/{t[2]:.3f})"
        per_page = [(page_f1(pages[i].truth or "", their_texts[i]),
                     page_f1(pages[i].truth or "", our_texts[i])) for i in scored]
        wins = (f"{sum(t > o + 0.005 for t, o in per_page)} / "
                f"{sum(o > t + 0.005 for t, o in per_page)}")
    dated = [p for p in pages if p.date is not None]
    ours_dates = theirs_dates = "-"
    if dated:
        ours_dates = f"{sum(our_date(p) == p.date for p in dated) / len(dated):.3f} ({len(dated)})"
        theirs_dates = f"{sum(their_date(p) == p.date for p in dated) / len(dated):.3f}"
    return (f"| {label} | {len(pages)} | {ours_ms:.1f} | {theirs_ms:.1f} | {ours_f1} "
            f"| {theirs_f1} | {wins} | {ours_dates} | {theirs_dates} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=Path, action="append", default=[],
                        help="a directory of saved pages with gold text (repeatable)")
    parser.add_argument("--renamed", action="store_true",
                        help="measure each part of --pages again with class and id names replaced")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "extraction.md")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    sets = [("snapshot articles", snapshot_pages()), ("golden pages", golden_pages())]
    for folder in args.pages:
        if not folder.is_dir():
            print(f"error: --pages {folder}: not a directory", file=sys.stderr)
            return 2
        found = directory_pages(folder)
        if not found:
            print(f"error: --pages {folder}: no *.html, *.html.gz or source.html files",
                  file=sys.stderr)
            return 2
        for part in PARTS:
            members = [p for p in found if p.part == part]
            sets.append((f"{folder.name}: {part} ({len({p.publisher for p in members})} "
                         f"publishers)", members))
            wordpress = [p for p in members if p.wordpress]
            if wordpress:
                sets.append((f"{folder.name}: {part}, its WordPress pages", wordpress))
        if args.renamed:
            for part in PARTS:
                sets.append((f"{folder.name}: {part}, classes and ids renamed",
                             [renamed(p) for p in found if p.part == part]))
    # Warm up both (lazy imports, dateparser's language data).
    ours(sets[0][1][0])
    theirs(sets[0][1][0])
    rows = [
        "| pages | n | ours ms/page | trafilatura ms/page | ours F1 (P/R) | trafilatura F1 (P/R) "
        "| pages better: trafilatura / ours | ours dates (n) | trafilatura dates |",
        "|---|---:|---:|---:|---|---|---|---|---|",
    ]
    for label, pages in sets:
        if pages:
            rows.append(row(label, pages, args.rounds if len(pages) < 100 else 1))
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
        args.out.write_text("\n".join(lines), encoding="utf-8")
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
