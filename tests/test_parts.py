"""Checkpoints append parts; the snapshot files are written at the end of a run; a kill between
costs no version, event, failure or warning, and the snapshot does not depend on when the
checkpoints came."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.archive.writer import Archive
from crawler.extraction.record import Related
from tests.factories import article_record

SITE = "https://ncmes.org"
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def _at(step: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=step)


def test_a_checkpoint_appends_parts_and_rewrites_no_snapshot(tmp_path: Path) -> None:
    root = tmp_path / "a"
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(article_record(1, warnings=["w"]), fetched_at=T0)
    archive.record_failure(f"{SITE}/9", "fetch", "HTTP 500", T0)
    archive.finish_run(True, {})
    snapshots = {name: (root / name).read_bytes() for name in ("articles.parquet", "failures.parquet", "warnings.parquet")}

    archive.begin_run(SITE, "incremental")
    archive.record_article(article_record(2, warnings=["w2"]), fetched_at=_at(1))
    archive.record_article(article_record(1, related=[Related("جديد", f"{SITE}/7")]), fetched_at=_at(1))
    archive.record_failure(f"{SITE}/9", "fetch", "HTTP 503", _at(1))
    archive.checkpoint()
    for name, data in snapshots.items():
        assert (root / name).read_bytes() == data, f"{name} rewritten at a checkpoint"
    assert len(list((root / "versions").glob("*.parquet"))) == 2
    # A reader sees the checkpointed run whole, as the archive will write it.
    reader = Archive(root)
    articles = {r["url"]: r for r in reader.read_articles().to_pylist()}
    assert articles[f"{SITE}/4571"]["related"] == [{"title": "جديد", "url": f"{SITE}/7"}]
    assert len(reader.read_failures()) == 2 and len(reader.read_warnings()) == 2

    archive.finish_run(True, {})
    final = Archive(root)
    assert final.read_articles().equals(pq.read_table(root / "articles.parquet"))
    assert len(pq.read_table(root / "failures.parquet")) == 2
    assert len(pq.read_table(root / "warnings.parquet")) == 2
    assert not list((root / ".current").glob("*"))


def test_a_kill_between_snapshots_loses_no_version_event_or_failure(tmp_path: Path) -> None:
    root = tmp_path / "a"
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    for n in (1, 2, 3):
        archive.record_article(article_record(n), fetched_at=T0)
    archive.finish_run(True, {})

    archive.begin_run(SITE, "incremental")
    archive.record_article(article_record(1, body="نص معدل"), fetched_at=_at(1))
    archive.record_removed(f"{SITE}/4572", _at(1), 410)
    archive.record_article(article_record(3, related=[]), fetched_at=_at(1))
    archive.record_failure(f"{SITE}/9", "parse", "no title", _at(1))
    archive.record_article(article_record(4, warnings=["no date"]), fetched_at=_at(1))
    archive.checkpoint()
    archive.release_lock()  # the kill: no snapshot, no end of run
    del archive

    opened = Archive(root)
    state = opened.state
    assert (state[f"{SITE}/4571"].version, state[f"{SITE}/4572"].status) == (2, "removed")
    assert f"{SITE}/4574" in state
    rows = {r["url"]: r for r in opened.read_articles().to_pylist()}
    assert rows[f"{SITE}/4571"]["body"] == "نص معدل"
    assert rows[f"{SITE}/4573"]["related"] == []  # the unchanged capture's refresh survives
    assert rows[f"{SITE}/4572"]["status"] == "removed"
    assert [r["error"] for r in opened.read_failures().to_pylist()] == ["no title"]
    assert [r["warning"] for r in opened.read_warnings().to_pylist()] == ["no date"]

    # The next run merges the killed run's failures once, and the archive reads the same.
    opened.begin_run(SITE, "incremental")
    opened.record_failure(f"{SITE}/8", "fetch", "HTTP 500", _at(2))
    opened.finish_run(True, {})
    again = Archive(root)
    assert sorted(r["error"] for r in again.read_failures().to_pylist()) == ["HTTP 500", "no title"]
    assert len(pq.read_table(root / "warnings.parquet")) == 1
    assert again.read_changes().num_rows == 3 + 3  # added x3; changed, removed, added
    assert not list((root / ".current").glob("*"))


def test_a_kill_between_snapshots_keeps_the_validators_of_new_versions(tmp_path: Path) -> None:
    """An article stored after the last snapshot keeps its ETag and Last-Modified through a
    kill (they are in its version row): the next run asks it conditionally, not blindly."""
    root = tmp_path / "a"
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(article_record(1), fetched_at=T0, etag='"v1"', http_last_modified="Mon, 01 Sep 2025 10:00:00 GMT")
    archive.finish_run(True, {})

    archive.begin_run(SITE, "incremental")
    archive.record_article(article_record(1, body="نص معدل"), fetched_at=_at(1), etag='"v2"')
    archive.record_article(article_record(2), fetched_at=_at(1), etag='"new"',
                           http_last_modified="Tue, 02 Sep 2025 10:00:00 GMT")
    archive.checkpoint()
    archive.release_lock()  # the kill: no snapshot, no end of run
    del archive

    state = Archive(root).state
    assert (state[f"{SITE}/4571"].version, state[f"{SITE}/4571"].etag, state[f"{SITE}/4571"].http_last_modified) == (
        2, '"v2"', None)
    assert (state[f"{SITE}/4572"].etag, state[f"{SITE}/4572"].http_last_modified) == (
        '"new"', "Tue, 02 Sep 2025 10:00:00 GMT")


def _play(root: Path, seed: int, checkpoint_odds: float, snapshot_parts: int) -> Archive:
    """Two runs of random captures, removals, 304s and failures over 12 articles."""
    rng = random.Random(seed)
    archive = Archive(root)
    archive.snapshot_parts = snapshot_parts
    step = 0
    for _run in range(2):
        archive.begin_run(SITE, "incremental")
        for _ in range(40):
            step += 1
            n = rng.randint(1, 12)
            url = f"{SITE}/{4570 + n}"
            kind = rng.random()
            if kind < 0.6:
                record = article_record(
                    n,
                    body=rng.choice(["نص أول", "نص ثان", "نص ثالث"]),
                    related=[Related(f"صلة {rng.randint(1, 3)}", f"{SITE}/1")],
                    word_count=rng.randint(1, 99),
                    warnings=["w"] if rng.random() < 0.2 else [],
                )
                archive.record_article(record, fetched_at=_at(step), etag=f'"{step}"')
            elif kind < 0.75:
                archive.record_removed(url, _at(step), 404)
            elif kind < 0.9:
                archive.record_not_modified(url, _at(step), etag=f'"{step}"')
            else:
                archive.record_failure(url, "fetch", f"HTTP 5{step % 10}", _at(step))
            if rng.random() < checkpoint_odds:
                archive.checkpoint()
        archive.finish_run(True, {})
    return archive


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_snapshot_does_not_depend_on_when_checkpoints_came(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots written and read a few URLs at a time, as a large archive's are.
    monkeypatch.setattr("crawler.archive.snapshot.SNAPSHOT_CHUNK", 5)
    often = _play(tmp_path / "often", seed, checkpoint_odds=0.5, snapshot_parts=3)
    never = _play(tmp_path / "never", seed, checkpoint_odds=0.0, snapshot_parts=40)

    def table(root: Path, name: str, drop: tuple[str, ...] = ("run_id",)) -> list[dict]:
        rows = pq.read_table(root / name).drop_columns(list(drop)).to_pylist()
        return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))

    for name in ("articles.parquet", "failures.parquet", "warnings.parquet"):
        assert table(tmp_path / "often", name) == table(tmp_path / "never", name), name
    urls = pq.read_table(tmp_path / "often" / "articles.parquet")["url"].to_pylist()
    assert urls == sorted(urls) and pq.ParquetFile(tmp_path / "often" / "articles.parquet").num_row_groups > 1
    assert Archive(tmp_path / "often").read_articles().drop_columns(["run_id"]).equals(
        often.read_articles().drop_columns(["run_id"])
    )
    for archive in (often, never):
        versions = archive.read_versions().select(["url", "version", "body"])
        assert versions.num_rows == len(set(zip(versions["url"].to_pylist(), versions["version"].to_pylist(), strict=True)))
    assert pa.Table.equals(
        often.read_versions().select(["url", "version", "body", "related"]),
        never.read_versions().select(["url", "version", "body", "related"]),
    )
    assert not list((tmp_path / "often" / ".current").glob("*"))
