"""End to end: the real command line crawls the snapshot served on 127.0.0.1 into Parquet."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.archive import schema
from crawler.archive.warc import read as read_warc
from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from crawler.extraction import extract
from tests.conftest import FAST, crawl, run_cli


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoSite, DemoServer, Path, str]]:
    site = DemoSite()
    archive = tmp_path_factory.mktemp("archive")
    with serve(site) as server:
        result = crawl(server, archive)
        assert result.returncode == 0, result.stderr
        yield site, server, archive, result.stdout


def _rows(archive: Path) -> dict[str, dict]:
    return {row["url"]: row for row in pq.read_table(archive / "articles.parquet").to_pylist()}


def test_every_snapshot_article_is_archived_once(crawled) -> None:
    site, server, archive, _ = crawled
    truth = site.truth(base=server.url)
    rows = _rows(archive)
    assert sorted(rows) == sorted(t["url"] for t in truth)
    assert len(pq.read_table(archive / "articles.parquet")) == len(truth)


def test_titles_dates_sections_and_footnote_counts_match_the_site(crawled) -> None:
    site, server, archive, _ = crawled
    rows = _rows(archive)
    for t in site.truth(base=server.url):
        row = rows[t["url"]]
        got = {
            "title": row["title"],
            "published": row["published"].isoformat() if row["published"] else None,
            "sections": row["sections"],
            "footnotes": len(row["footnotes"]),
            "post_id": row["post_id"],
        }
        want = {
            "title": t["title"],
            "published": t["published"],
            "sections": t["sections"],
            "footnotes": t["footnote_count"],
            "post_id": t["post_id"],
        }
        assert got == want, t["url"]


def _as_truth(row: dict) -> dict:
    return {
        "title": row["title"], "series": row["series"], "sections": row["sections"],
        "authors": row["authors"], "body": row["body"],
        "published": row["published"].isoformat() if row["published"] else None,
        "footnotes": [(f["number"], f["text"], f["urls"]) for f in row["footnotes"]],
        "related": [(r["title"], r["url"]) for r in row["related"]],
        "links": [(link["text"], link["url"]) for link in row["links"]],
    }


def test_every_field_of_every_article_matches_the_site(crawled) -> None:
    site, server, archive, _ = crawled
    rows = _rows(archive)
    wrong = {}
    for t in site.truth(base=server.url):
        want = _as_truth({**t, "published": dt.date.fromisoformat(t["published"]) if t["published"] else None})
        got = _as_truth(rows[t["url"]])
        fields = [key for key in want if want[key] != got[key]]
        if fields:
            wrong[t["url"]] = fields
    assert wrong == {}


def test_every_file_has_the_contract_schema(crawled) -> None:
    _, _, archive, _ = crawled
    assert pq.read_schema(archive / "articles.parquet").remove_metadata() == schema.ARTICLES.remove_metadata()
    assert pq.read_schema(archive / "runs.parquet").remove_metadata() == schema.RUNS.remove_metadata()
    for part in (archive / "versions").glob("*.parquet"):
        assert pq.read_schema(part).remove_metadata() == schema.VERSIONS.remove_metadata()
    meta = pq.read_schema(archive / "articles.parquet").metadata
    assert meta[schema.SCHEMA_VERSION_KEY] == schema.SCHEMA_VERSION.encode()
    versions = ds.dataset(archive / "versions", format="parquet").to_table()
    assert versions.num_rows == len(_rows(archive))
    assert set(versions.column("version").to_pylist()) == {1}


def test_the_run_is_recorded_and_summarised(crawled) -> None:
    site, server, archive, stdout = crawled
    (run,) = pq.read_table(archive / "runs.parquet").to_pylist()
    n = len(site.truth(base=server.url))
    assert run["completed"] is True
    assert run["mode"] == "incremental"
    assert run["site"] == server.url
    assert run["articles_added"] == n == run["pages_downloaded"]
    assert run["failures"] == 0
    assert run["requests"] > n
    assert f"articles added {n:>12,}".split() == [w for w in stdout.split("\n") if "articles added" in w][0].split()
    assert "completed" in stdout.splitlines()[0]


def test_each_version_names_its_raw_capture(crawled) -> None:
    site, server, archive, _ = crawled
    versions = ds.dataset(archive / "versions", format="parquet").to_table().to_pylist()
    row = next(v for v in versions if v["url"].endswith("/4571"))
    headers, body = read_warc(archive, row["warc_file"], row["warc_offset"])
    # The capture holds the page as served; re-extracting it gives the archived record.
    record = extract(body, row["url"], row["seen_at"])
    assert record.title == row["title"]
    assert record.body == row["body"]
    with gzip.open(archive / row["warc_file"], "rb") as fh:
        assert row["warc_record_id"].encode() in fh.read()


def test_stats_and_changes_read_the_archive(crawled) -> None:
    site, server, archive, _ = crawled
    stats = run_cli("stats", "--archive", str(archive))
    assert stats.returncode == 0, stats.stderr
    by_section = Counter(name for t in site.truth(base=server.url) for name in t["sections"])
    for name, count in by_section.items():
        assert f"{count:6d}  {name}" in stats.stdout
    changes = run_cli("changes", "--archive", str(archive), "--json")
    assert changes.returncode == 0, changes.stderr
    events = json.loads(changes.stdout)
    assert {e["change"] for e in events} == {"added"}
    assert len(events) == len(site.truth(base=server.url))


def test_an_unreachable_site_exits_1_with_one_line(tmp_path: Path) -> None:
    result = run_cli("crawl", "--site", "http://127.0.0.1:9", "--archive", str(tmp_path / "a"),
                     "-s", "RETRY_TIMES=0", "-s", "NCMES_PROGRESS_INTERVAL=0")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ncmes-archive: site unreachable: http://127.0.0.1:9")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--site", "ncmes.org"],
        ["--site", "ftp://ncmes.org"],
        ["-s", "DOWNLOAD_DELAY"],
        ["-s", "DOWNLOAD_DELAY=soon"],
        ["-s", "ROBOTSTXT_OBEY=perhaps"],
        ["--limit", "0"],
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = run_cli("crawl", "--archive", str(tmp_path / "a"), *args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # argparse's usage line, then the error
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "a").exists()


def test_a_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("stats", "--archive", str(tmp_path / "nothing"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"ncmes-archive: no archive at {tmp_path / 'nothing'} (run `ncmes-archive crawl --archive {tmp_path / 'nothing'}` first)"]


def test_limit_stops_after_n_article_pages(server: DemoServer, tmp_path: Path) -> None:
    result = crawl(server, tmp_path / "a", "--limit", "5")
    assert result.returncode == 0, result.stderr
    assert pq.read_table(tmp_path / "a" / "articles.parquet").num_rows == 5


def test_scrapy_crawl_as_scrapyd_runs_it(server: DemoServer, tmp_path: Path) -> None:
    """`scrapy crawl site -s ...` (what scrapyd runs) opens, locks and fills the archive too."""
    import os
    import subprocess
    import sys

    archive = tmp_path / "a"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "site", "-s", f"NCMES_SITE={server.url}",
         "-s", f"ARCHIVE_DIR={archive}", *FAST, "-s", "NCMES_LIMIT=3"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    (run,) = pq.read_table(archive / "runs.parquet").to_pylist()
    assert run["completed"] and run["articles_added"] == 3
    # The lock was released: the command line can use the archive at once.
    assert run_cli("crawl", "--site", server.url, "--archive", str(archive), "--limit", "1",
                   *FAST).returncode == 0


def test_listings_alone_find_every_article_to_the_last_page(tmp_path: Path) -> None:
    """No sitemap, feed or REST: every section walked to its last page, short pages and
    articles filed in two sections included."""
    site = DemoSite(per_page=5, sitemap=False, feed=False, rest_api=False)
    with serve(site) as server:
        result = crawl(server, tmp_path / "a")
        assert result.returncode == 0, result.stderr
        truth = site.truth(base=server.url)
    rows = _rows(tmp_path / "a")
    assert sorted(rows) == sorted(t["url"] for t in truth)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_loads_in_pandas_and_duckdb(crawled, tmp_path: Path, fmt: str) -> None:
    import duckdb
    import pandas as pd

    site, server, archive, _ = crawled
    out = tmp_path / f"articles.{fmt}"
    result = run_cli("export", "--archive", str(archive), "--out", str(out), "--format", fmt,
                     "--since", "2025-10-01", "--section", "شؤون دولية")
    assert result.returncode == 0, result.stderr
    want = sorted(
        t["title"] for t in site.truth(base=server.url)
        if t["published"] and t["published"] >= "2025-10-01" and "شؤون دولية" in t["sections"]
    )
    frame = {
        "parquet": pd.read_parquet, "jsonl": lambda p: pd.read_json(p, lines=True),
        "csv": lambda p: pd.read_csv(p, encoding="utf-8-sig"),
    }[fmt](out)
    assert sorted(frame["title"]) == want
    reader = {"parquet": "read_parquet", "csv": "read_csv_auto", "jsonl": "read_json_auto"}[fmt]
    ((count,),) = duckdb.sql(f"SELECT count(*) FROM {reader}('{out}')").fetchall()
    assert count == len(want)
    card = out.with_name(out.name + ".README.md")
    assert card.exists() and "title" in card.read_text(encoding="utf-8")


def test_dataset_folder_cites_every_footnote_url(crawled, tmp_path: Path) -> None:
    import csv

    site, server, archive, _ = crawled
    out = tmp_path / "dataset"
    result = run_cli("export", "--archive", str(archive), "--out", str(out), "--format", "csv")
    assert result.returncode == 0, result.stderr
    with open(out / "citations.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    truth = site.truth(base=server.url)
    want = {(t["url"], n["number"], u) for t in truth for n in t["footnotes"] for u in n["urls"]}
    assert {(r["url"], int(r["footnote"]), r["source_url"]) for r in rows if r["source_url"]} == want
    seed = [r for r in rows if r["url"].endswith("/4571")]
    assert [r["source_domain"] for r in seed] == [
        "atlanticcouncil.org", "aei.org", "foreignpolicy.com", "moderndiplomacy.eu",
    ]
    hosts = Counter(u.split("/")[2].removeprefix("www.") for _, _, u in want)
    ((top, count),) = hosts.most_common(1)
    stats = run_cli("stats", "--archive", str(archive))
    assert f"top cited domains (citations, citing articles) of {len(want)} cited URLs:" in stats.stdout
    assert stats.stdout.split("top cited domains")[1].splitlines()[1].split()[::2] == [str(count), top]


def test_the_snapshot_served_by_its_own_process_is_crawled(tmp_path: Path) -> None:
    """`python -m crawler.demo.server` in one process, `ncmes-archive crawl` in another."""
    import subprocess
    import sys

    server = subprocess.Popen(
        [sys.executable, "-m", "crawler.demo.server", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        url = server.stdout.readline().strip()  # the server prints its URL first
        assert url.startswith("http://127.0.0.1:"), server.stderr.read()
        result = run_cli("crawl", "--site", url, "--archive", str(tmp_path / "a"),
                         *FAST)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert len(_rows(tmp_path / "a")) == len(DemoSite().truth())
