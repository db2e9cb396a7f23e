"""Re-extraction from the archive's raw captures: no request, new versions only where content differs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.archive.writer import Archive
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from crawler.extraction.record import ArticleRecord, Footnote, Link, Related
from crawler.reextract import Workers, _latest, _listed_tasks, _tasks, reextract
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


def test_any_number_of_workers_gives_the_same_archive(tmp_path: Path) -> None:
    site = DemoSite()
    base = tmp_path / "base"
    with serve(site) as server:
        assert crawl(server, base, "--limit", "20").returncode == 0
        _older_extraction(base, server.url, random.Random(7), 3)
    # The head start reads the version parts on its own: it must list exactly the captures,
    # and capture times, that the archive gives (or it would never be used).
    archive = Archive(base)
    rows = archive.read_versions(columns=["seen_at", "warc_file", "warc_offset"]).to_pylist()
    assert repr(_listed_tasks(base)) == repr(_tasks(archive.root, _latest(rows)))
    for workers in (0, 1, 2):
        shutil.copytree(base, tmp_path / f"w{workers}")
        result = run_cli("reextract", "--archive", str(tmp_path / f"w{workers}"), "--workers", str(workers))
        assert result.returncode == 0, result.stderr
    # One task (CHUNK captures) in flight per worker: the window slides over the 20.
    shutil.copytree(base, tmp_path / "narrow")
    with Workers(2, tmp_path / "narrow", window=1) as workers:
        archive = Archive(tmp_path / "narrow")
        with archive.lock():
            reextract(archive, None, workers)
    contents = [_content(tmp_path / name) for name in ("w0", "w1", "w2", "narrow")]
    assert all(content == contents[0] for content in contents[1:])
    run = contents[0]["runs.parquet"][-1]
    assert (run["articles_changed"], run["articles_unchanged"]) == (3, 17)


def test_a_head_start_on_an_archive_written_since_is_not_used(tmp_path: Path) -> None:
    """The workers begin on the captures the archive listed before another crawl wrote to
    it: the results recorded are those of the archive as it is once locked."""
    site = DemoSite()
    archive_dir = tmp_path / "a"
    with serve(site) as server:
        assert crawl(server, archive_dir, "--limit", "2").returncode == 0
        workers = Workers(2, archive_dir)
        workers.ready()
        assert crawl(server, archive_dir, "--limit", "3").returncode == 0
    shutil.copytree(archive_dir, tmp_path / "copy")
    with workers:
        archive = Archive(archive_dir)
        with archive.lock():
            run = reextract(archive, None, workers)
    captured = len(Archive(archive_dir).state)
    assert captured == 5 and run["articles_unchanged"] == captured
    result = run_cli("reextract", "--archive", str(tmp_path / "copy"), "--workers", "0")
    assert result.returncode == 0, result.stderr
    assert "re-extracted 5 articles (0 changed, 5 unchanged); 0 failed" in result.stdout  # successes and failures
    assert _content(archive_dir) == _content(tmp_path / "copy")


def _older_extraction(archive_dir: Path, site: str, rng: random.Random, count: int) -> None:
    """As if an older extractor had lost the last paragraph of `count` articles' bodies."""
    archive = Archive(archive_dir)
    with archive.lock():
        archive.begin_run(site, "reextract")
        rows = archive.read_articles().to_pylist()
        for row in rng.sample(rows, count):
            archive.record_article(
                dataclasses.replace(_record_of(row), body=row["body"].rsplit("\n", 1)[0]),
                fetched_at=row["last_fetched"], reextracted=True,
            )
        archive.finish_run(True, {})


def _content(archive_dir: Path) -> dict[str, list[dict]]:
    """What the archive holds, file by file, without the run ids and run times that differ
    between two runs of the same re-extraction."""
    out = {}
    for name in ("versions", "changes", "articles.parquet", "failures.parquet", "warnings.parquet", "runs.parquet"):
        path = archive_dir / name
        table = ds.dataset(sorted(path.glob("*.parquet")), format="parquet").to_table() if path.is_dir() \
            else pq.read_table(path)
        rows = table.to_pylist()
        for row in rows:
            for key in ("run_id", "started_at", "finished_at") + (("at",) if name == "failures.parquet" else ()):
                row.pop(key, None)
        out[name] = rows if name == "runs.parquet" else sorted(rows, key=repr)
    return out


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


def test_progress_counts_a_failed_extraction_as_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.reextract import print_progress

    print_progress(70, 70, 29)
    print_progress(50, 70, 0)
    assert capsys.readouterr().err.splitlines() == ["re-extracted 41 of 70, 29 failed", "re-extracted 50 of 70"]
