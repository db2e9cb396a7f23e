"""Compaction: versions/ and changes/ stay a few files whatever the number of runs, with the
same rows; a kill at any step of a merge loses nothing and reads nothing twice."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.archive import journal
from crawler.archive.reader import ArchiveReader
from crawler.archive.schema import VERSIONS
from crawler.archive.writer import Archive
from tests.factories import SITE, article_record

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _runs(root: Path, runs: int, compact_parts: int, seed: int = 7) -> Archive:
    """`runs` runs of a dozen articles, a few edited before each, checkpointing often."""
    rng = random.Random(seed)
    archive = Archive(root, compact_parts=compact_parts)
    bodies = {n: 0 for n in range(1, 13)}
    for run in range(runs):
        archive.begin_run(SITE, "incremental", started_at=T0 + dt.timedelta(days=run))
        for n in rng.sample(sorted(bodies), 3):
            bodies[n] += 1
        for i, n in enumerate(sorted(bodies)):
            at = T0 + dt.timedelta(days=run, minutes=i)
            archive.record_article(article_record(n, body=f"نص {bodies[n]}"), fetched_at=at)
            if i % 4 == 3:
                archive.checkpoint()
        if run % 5 == 4:
            archive.record_removed(f"{SITE}/{4570 + rng.randint(1, 12)}", T0 + dt.timedelta(days=run, hours=1), 404)
        archive.finish_run(True, {})
    return archive


def _rows(reader: ArchiveReader) -> tuple[Counter, Counter, list]:
    """Every version, change event and article (run ids aside: two histories draw theirs)."""
    versions = reader.read_versions().drop_columns(["run_id"])
    changes = reader.read_changes().drop_columns(["run_id"])
    return (
        Counter(tuple(sorted((k, str(v)) for k, v in row.items())) for row in versions.to_pylist()),
        Counter(tuple(sorted((k, str(v)) for k, v in row.items())) for row in changes.to_pylist()),
        reader.read_articles().drop_columns(["run_id"]).to_pylist(),
    )


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("compaction")
    _runs(root / "compacted", 20, compact_parts=3)
    _runs(root / "never", 20, compact_parts=10**6)
    return root / "compacted", root / "never"


def test_compaction_keeps_every_row_and_bounds_the_files(histories: tuple[Path, Path]) -> None:
    compacted, never = histories
    assert _rows(ArchiveReader(compacted)) == _rows(ArchiveReader(never))
    many = len(journal.parts(never / "versions"))
    few = journal.parts(compacted / "versions")
    assert many >= 40 and len(few) < 10
    # Fewer than `compact_parts` files of each level.
    assert all(count < 3 for count in Counter(journal.level(p) for p in few).values())
    # Any tool reading the folder reads each version once.
    table = ds.dataset(compacted / "versions", format="parquet").to_table(columns=["url", "version"])
    pairs = list(zip(table["url"].to_pylist(), table["version"].to_pylist(), strict=True))
    assert len(pairs) == len(set(pairs)) == ArchiveReader(never).count_versions()
    # Names still sort in the order rows were written: changes read in the same order.
    assert ArchiveReader(compacted).read_changes().drop_columns(["run_id"]).equals(
        ArchiveReader(never).read_changes().drop_columns(["run_id"])
    )


def test_full_compaction_leaves_one_file_per_table(histories: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(histories[1], copy)
    before = _rows(ArchiveReader(copy))
    with Archive(copy).lock() as archive:
        counts = archive.compact(full=True)
    assert counts["versions"][1] == counts["changes"][1] == 1
    assert len(journal.parts(copy / "versions")) == len(journal.parts(copy / "changes")) == 1
    assert _rows(ArchiveReader(copy)) == before


class Killed(BaseException):
    """What a SIGKILL does to the code after it: nothing more runs."""


@pytest.mark.parametrize("after", [0, 1, 2, 5])
def test_a_kill_during_a_merge_loses_nothing(
    histories: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    """Killed once the merged file is renamed and `after` of the parts it holds are deleted."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(histories[1], copy)
    before = _rows(ArchiveReader(copy))
    deleted = []
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self.parent.name == "versions" and len(deleted) >= after:
            raise Killed
        deleted.append(self)
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    with pytest.raises(Killed):
        journal.compact(copy / "versions", VERSIONS, 3, full=True)
    monkeypatch.undo()
    # A reader skips the parts the merged file holds: the same rows, none twice.
    assert _rows(ArchiveReader(copy)) == before
    # The next writer deletes them; a merge killed before its rename left only a dot file.
    (copy / "versions" / ".part-x.parquet.tmp").write_bytes(b"half")
    with Archive(copy).lock():
        pass
    table = ds.dataset(copy / "versions", format="parquet").to_table(columns=["url", "version"])
    assert table.num_rows == sum(before[0].values())
    assert not list((copy / "versions").glob(".*.tmp"))


def test_a_reader_in_a_loop_during_crawls_with_compaction_never_fails(tmp_path: Path) -> None:
    """Readers without the lock, while crawls checkpoint, snapshot and compact under them:
    every read answers, and every version articles.parquet names is in versions/."""
    import threading

    from crawler.demo.server import serve
    from crawler.demo.site import DemoSite
    from tests.conftest import crawl

    site = DemoSite(sitemap=False, rest_api=False)
    archive = tmp_path / "archive"
    often = ["-s", "NCMES_REVISIT_EVERY_RUNS=1", "-s", "ARCHIVE_COMPACT_PARTS=2",
             "-s", "ARCHIVE_CHECKPOINT_ITEMS=4", "-s", "ARCHIVE_SNAPSHOT_PARTS=2"]
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def read_in_a_loop() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                reader = ArchiveReader(archive)
                named = reader.read_articles().select(["url", "version"]).to_pylist()
                versions = reader.read_versions(columns=["url", "version"]).to_pylist()
                have = {(v["url"], v["version"]) for v in versions}
                missing = [a for a in named if (a["url"], a["version"]) not in have]
                if missing or len(have) != len(versions):
                    problems.append(f"missing {missing[:2]}, {len(versions) - len(have)} twice")
                reads += 1
            except Exception as exc:  # every failure is the finding
                problems.append(f"{type(exc).__name__}: {exc}")

    with serve(site) as server:
        assert crawl(server, archive, *often).returncode == 0
        thread = threading.Thread(target=read_in_a_loop)
        thread.start()
        try:
            for run in range(4):
                for post_id in site.post_ids[run * 3 : run * 3 + 3]:
                    site.edit_article(post_id, title=f"عنوان معدل {run}")
                result = crawl(server, archive, *often)
                assert result.returncode == 0, result.stderr[-2000:]
        finally:
            stop.set()
            thread.join()
    assert not problems, problems[:5]
    assert reads >= 5
    assert any(journal.level(p) > 0 for p in journal.parts(archive / "versions"))


def test_the_compact_command_merges_each_table_into_one_file(histories: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    from tests.conftest import run_cli

    copy = tmp_path / "copy"
    shutil.copytree(histories[1], copy)
    before = _rows(ArchiveReader(copy))
    versions, changes = len(journal.parts(copy / "versions")), len(journal.parts(copy / "changes"))
    result = run_cli("compact", "--archive", str(copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"versions/: {versions} -> 1 files; changes/: {changes} -> 1 files"
    assert _rows(ArchiveReader(copy)) == before
    assert run_cli("check", "--archive", str(copy)).returncode == 0
    # Many small parts make one row group, not one per part.
    assert pq.ParquetFile(journal.parts(copy / "versions")[0]).num_row_groups == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=30), st.integers(2, 4))
def test_any_run_history_compacts_to_the_same_rows_in_order_and_few_files(sizes: list[int], fanout: int) -> None:
    import tempfile

    from crawler.archive import rows
    from crawler.archive.files import write_atomic
    from crawler.archive.schema import CHANGES

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "changes"
        folder.mkdir()
        written = []
        for run, size in enumerate(sizes):
            batch = [rows.change(f"2026{run:04d}", f"{SITE}/{run}-{i}", "added", [], 1, T0) for i in range(size)]
            write_atomic(rows.to_table(batch, CHANGES), folder / journal.part_name("part", f"2026{run:04d}", 0))
            written += [r["url"] for r in batch]
            files = journal.compact(folder, CHANGES, fanout)
            assert files == journal.parts(folder)
            assert journal.read_dataset(files, CHANGES)["url"].to_pylist() == written
            assert all(n < fanout for n in Counter(journal.level(p) for p in files).values())
