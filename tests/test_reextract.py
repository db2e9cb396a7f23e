"""Re-extraction from the archive's raw captures: no request, new versions only where content differs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq

from crawler.archive.store import Archive
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from crawler.extraction.record import ArticleRecord, Footnote, Link, Related
from tests.conftest import crawl, run_cli
from tests.factories import article_record

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def test_a_reextracted_record_keeps_status_and_crawl_state(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a")
    archive.begin_run("https://ncmes.org", "incremental")
    archive.record_article(article_record(1), fetched_at=T0, etag='"v1"')
    archive.record_removed(article_record(1).url, T0 + dt.timedelta(days=1), 410)
    archive.finish_run(True, {})
    before = archive.state[article_record(1).url]
    archive.begin_run("https://ncmes.org", "reextract")
    outcome = archive.record_article(
        article_record(1, body="نص مستخرج من جديد [1]"), fetched_at=T0, reextracted=True
    )
    run = archive.finish_run(True, {})
    after = Archive(tmp_path / "a").state[article_record(1).url]
    assert (outcome.change, outcome.fields, outcome.version) == ("changed", ["body"], 2)
    assert after.status == "removed" and after.etag == before.etag
    assert after.last_seen == before.last_seen and after.last_fetched == before.last_fetched
    assert run["mode"] == "reextract" and run["articles_changed"] == 1


def test_reextract_repairs_what_an_older_extraction_got_wrong(tmp_path: Path) -> None:
    site = DemoSite()
    archive_dir = tmp_path / "a"
    with serve(site) as server:
        assert crawl(server, archive_dir, "--limit", "3").returncode == 0
        served = site.counters()["total"]
        url = pq.read_table(archive_dir / "articles.parquet")["url"].to_pylist()[0]
        # As if an older extractor had lost the body's last paragraph.
        archive = Archive(archive_dir)
        archive.acquire_lock()
        archive.begin_run(server.url, "reextract")
        row = _article(archive, url)
        archive.record_article(
            dataclasses.replace(_record_of(row), body=row["body"].rsplit("\n", 1)[0]),
            fetched_at=row["last_fetched"], reextracted=True,
        )
        archive.finish_run(True, {})
        archive.release_lock()

        result = run_cli("reextract", "--archive", str(archive_dir))
        assert result.returncode == 0, result.stderr
        assert site.counters()["total"] == served  # the site was not asked
    run = pq.read_table(archive_dir / "runs.parquet").to_pylist()[-1]
    assert run["mode"] == "reextract" and run["completed"]
    assert (run["articles_changed"], run["articles_unchanged"]) == (1, 2)
    changes = json.loads(run_cli("changes", "--archive", str(archive_dir), "--json").stdout)
    assert [(c["url"], c["fields"], c["version"]) for c in changes] == [(url, ["body"], 3)]
    truth = {t["url"]: t for t in site.truth(base=server.url)}
    assert _article(Archive(archive_dir), url)["body"] == truth[url]["body"]


def _article(archive: Archive, url: str) -> dict:
    return next(row for row in archive.read_articles().to_pylist() if row["url"] == url)


def _record_of(row: dict) -> ArticleRecord:
    """The archived content (an articles.parquet row) as an ArticleRecord."""
    return ArticleRecord(
        url=row["url"], title=row["title"], body=row["body"], post_id=row["post_id"],
        series=row["series"], sections=list(row["sections"]), authors=list(row["authors"]),
        published=row["published"], published_at=row["published_at"], modified_at=row["modified_at"],
        footnotes=[Footnote(f["number"], f["text"], list(f["urls"])) for f in row["footnotes"]],
        related=[Related(r["title"], r["url"]) for r in row["related"]],
        links=[Link(k["text"], k["url"]) for k in row["links"]], word_count=row["word_count"],
    )
