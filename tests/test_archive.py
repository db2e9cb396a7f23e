"""The archive on disk: versioning, removal, atomic files, crash reconciliation, lock, schemas."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.archive import warc
from crawler.archive.errors import ArchiveError, ArchiveLocked
from crawler.archive.files import write_atomic
from crawler.archive.schema import FILE_KIND_KEY, SCHEMA_VERSION_KEY, SCHEMAS
from crawler.archive.writer import Archive
from crawler.extraction.record import ArticleRecord, Related
from tests.damage import foreign, old_schema
from tests.factories import article_record

REPO = Path(__file__).resolve().parents[1]
SITE = "https://ncmes.org"
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=1)
T2 = T0 + dt.timedelta(days=2)


def make_record(n: int = 1, **over: object) -> ArticleRecord:
    return article_record(n, **over)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "archive"


def run_once(root: Path, *records: ArticleRecord, at: dt.datetime = T0) -> list:
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    outcomes = [archive.record_article(r, fetched_at=at) for r in records]
    archive.finish_run(True, {"requests": len(records)})
    return outcomes


def versions(root: Path) -> pa.Table:
    return Archive(root, create=False).read_versions()


# -- versioning -----------------------------------------------------------------------------


def test_same_content_makes_no_new_version(root: Path) -> None:
    (first,) = run_once(root, make_record())
    # Same words with NBSP, doubled spaces and a bidi mark: not a change.
    noisy = make_record(
        body="الفقرة\u00a0الأولى  من النص [1]\u200f\n- بند في قائمة\nالفقرة الأخيرة "
    )
    (second,) = run_once(root, noisy, at=T1)
    assert (first.change, first.version) == ("added", 1)
    assert (second.change, second.fields, second.version) == ("unchanged", [], 1)
    assert len(versions(root)) == 1
    row = Archive(root).read_articles().to_pylist()[0]
    assert row["first_seen"] == T0 and row["last_seen"] == T1 and row["last_changed"] == T0


def test_edited_body_makes_version_two(root: Path) -> None:
    run_once(root, make_record())
    (outcome,) = run_once(root, make_record(body="نص جديد تماما"), at=T1)
    assert (outcome.change, outcome.fields, outcome.version) == ("changed", ["body"], 2)
    table = versions(root)
    assert table["version"].to_pylist() == [1, 2]
    assert table["body"].to_pylist()[1] == "نص جديد تماما"
    row = Archive(root).read_articles().to_pylist()[0]
    assert row["version"] == 2 and row["last_changed"] == T1 and row["first_seen"] == T0


def test_several_fields_named_in_contract_order(root: Path) -> None:
    run_once(root, make_record())
    edited = make_record(sections=["رؤى"], title="عنوان آخر", authors=[])
    (outcome,) = run_once(root, edited, at=T1)
    assert outcome.fields == ["title", "authors", "sections"]


def test_boilerplate_only_changes_are_not_versions(root: Path) -> None:
    run_once(root, make_record())
    new_related = [Related("مقال آخر", f"{SITE}/200")]
    (outcome,) = run_once(root, make_record(related=new_related, links=[], word_count=99), at=T1)
    assert outcome.change == "unchanged"
    assert len(versions(root)) == 1
    # The snapshot still shows the current page's non-hashed content.
    row = Archive(root).read_articles().to_pylist()[0]
    assert row["related"] == [{"title": "مقال آخر", "url": f"{SITE}/200"}]
    assert row["links"] == [] and row["word_count"] == 99


def test_series_only_when_prefix_recurs(root: Path) -> None:
    run_once(root, make_record(1), make_record(2), make_record(3, series="حوار"))
    rows = {r["url"]: r["series"] for r in Archive(root).read_articles().to_pylist()}
    assert rows == {f"{SITE}/4571": "رؤى بحثية", f"{SITE}/4572": "رؤى بحثية", f"{SITE}/4573": None}
    # The candidate survives a reload: a later article with the same prefix still counts.
    run_once(root, make_record(4, series="حوار"), at=T1)
    rows = {r["url"]: r["series"] for r in Archive(root).read_articles().to_pylist()}
    assert rows[f"{SITE}/4573"] == "حوار" and rows[f"{SITE}/4574"] == "حوار"


def test_warnings_and_counts_in_run_row(root: Path) -> None:
    archive = Archive(root)
    archive.begin_run(SITE, "full")
    archive.record_article(make_record(1, warnings=["marker [2] without a note"]), fetched_at=T0)
    archive.record_article(make_record(2), fetched_at=T0)
    archive.record_failure(f"{SITE}/9", "fetch", "TimeoutError: took too long\nsecond line", T0)
    row = archive.finish_run(
        False, {"requests": 5, "pages_downloaded": 3, "not_modified": 1, "bytes_received": 1234}
    )
    assert row["completed"] is False and row["finished_at"] is not None
    assert (row["articles_added"], row["failures"], row["warnings"]) == (2, 1, 1)
    assert (row["requests"], row["pages_downloaded"], row["bytes_received"]) == (5, 3, 1234)
    runs = pq.read_table(root / "runs.parquet").to_pylist()
    assert runs == [row]
    failures = pq.read_table(root / "failures.parquet").to_pylist()
    assert failures[0]["error"] == "TimeoutError: took too long second line"
    assert pq.read_table(root / "warnings.parquet")["warning"].to_pylist() == [
        "marker [2] without a note"
    ]


def test_begin_run_writes_incomplete_row_at_once(root: Path) -> None:
    archive = Archive(root)
    run_id = archive.begin_run(SITE, "incremental")
    rows = pq.read_table(root / "runs.parquet").to_pylist()
    assert [(r["run_id"], r["completed"]) for r in rows] == [(run_id, False)]
    archive.finish_run(True, {})
    other = Archive(root).begin_run(SITE, "incremental")
    assert other != run_id


def test_not_modified_confirms(root: Path) -> None:
    run_once(root, make_record())
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    assert archive.record_not_modified(f"{SITE}/4571", T1, etag='"abc"')
    assert not archive.record_not_modified(f"{SITE}/1", T1)
    row = archive.finish_run(True, {"not_modified": 1})
    assert row["articles_unchanged"] == 1
    state = Archive(root).state[f"{SITE}/4571"]
    assert state.last_seen == T1 and state.etag == '"abc"' and state.version == 1


# -- removal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_removed_keeps_history(root: Path, status: int) -> None:
    run_once(root, make_record(1), make_record(2))
    archive = Archive(root)
    run_id = archive.begin_run(SITE, "incremental")
    assert archive.record_removed(f"{SITE}/4571", T1, status)
    assert not archive.record_removed(f"{SITE}/4571", T1, status)  # already removed
    assert not archive.record_removed(f"{SITE}/999", T1, status)  # unknown
    row = archive.finish_run(True, {})
    assert row["articles_removed"] == 1
    reopened = Archive(root)
    assert reopened.state[f"{SITE}/4571"].status == "removed"
    assert reopened.state[f"{SITE}/4572"].status == "live"
    assert len(reopened.read_versions(f"{SITE}/4571")) == 1
    events = reopened.read_changes(run_id).to_pylist()
    assert [(e["url"], e["change"], e["version"]) for e in events] == [
        (f"{SITE}/4571", "removed", 1)
    ]


def test_failure_never_removes(root: Path) -> None:
    run_once(root, make_record())
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    before = archive.read_articles().to_pylist()
    for stage in ("fetch", "parse", "store"):
        archive.record_failure(f"{SITE}/4571", stage, "HTTP 500", T1)
    with pytest.raises(ValueError):
        archive.record_removed(f"{SITE}/4571", T1, 500)
    archive.finish_run(True, {})
    assert Archive(root).read_articles().to_pylist() == before


def test_removed_article_back_live(root: Path) -> None:
    run_once(root, make_record())
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_removed(f"{SITE}/4571", T1, 410)
    archive.finish_run(True, {})
    (outcome,) = run_once(root, make_record(body="عاد بنص آخر"), at=T2)
    assert (outcome.change, outcome.version) == ("changed", 2)
    assert Archive(root).state[f"{SITE}/4571"].status == "live"


# -- atomic files -----------------------------------------------------------------------------


def test_no_tmp_left_and_stray_tmp_ignored(root: Path) -> None:
    run_once(root, make_record())
    assert not list(root.rglob("*.tmp"))
    # Leftovers of a killed writer: garbage that must never be read as data.
    (root / "articles.parquet.tmp").write_bytes(b"half a file")
    (root / "versions" / "part-x-00000.parquet.tmp").write_bytes(b"PAR1 broken")
    (root / "changes" / ".part-x-00000.parquet.tmp").write_bytes(b"PAR1 broken")
    archive = Archive(root)
    assert len(archive.read_articles()) == 1 and len(archive.read_versions()) == 1
    # What the archive itself leaves after a kill (dot-prefixed) is skipped by tools too.
    assert ds.dataset(root / "changes", format="parquet").to_table().num_rows == 1
    assert (root / "articles.parquet.tmp").exists()  # not removed without the lock
    with archive.lock():
        assert not list(root.rglob("*.tmp"))


def test_every_file_has_declared_schema(root: Path) -> None:
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(make_record(1, warnings=["w"]), fetched_at=T0)
    archive.record_article(
        make_record(
            2,
            footnotes=[],
            related=[],
            links=[],
            authors=[],
            published=None,
            published_at=None,
            post_id=None,
        ),
        fetched_at=T0,
    )
    archive.record_removed(f"{SITE}/4572", T0, 404)
    archive.record_failure(f"{SITE}/3", "parse", "no title", T0)
    archive.finish_run(True, {})
    files = {
        "articles": [root / "articles.parquet"],
        "runs": [root / "runs.parquet"],
        "failures": [root / "failures.parquet"],
        "warnings": [root / "warnings.parquet"],
        "versions": list((root / "versions").glob("*.parquet")),
        "changes": list((root / "changes").glob("*.parquet")),
    }
    for kind, paths in files.items():
        assert paths, kind
        for path in paths:
            assert pq.read_schema(path).equals(SCHEMAS[kind], check_metadata=True), path
            assert pq.read_table(path).schema.equals(SCHEMAS[kind]), path


def test_concurrent_record_and_checkpoint(root: Path) -> None:
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")

    def checkpoints() -> None:
        for _ in range(5):
            archive.checkpoint()

    # The crawler checkpoints from a worker thread while records keep arriving.
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(checkpoints)
        for n in range(40):
            archive.record_article(make_record(n), fetched_at=T0)
        future.result()  # re-raises anything the worker hit
    archive.finish_run(True, {})
    reopened = Archive(root)
    assert len(reopened.read_articles()) == 40 and len(reopened.read_versions()) == 40
    assert len(reopened.read_changes()) == 40


# -- crash reconciliation ---------------------------------------------------------------------


def test_reconcile_version_written_snapshot_not(root: Path) -> None:
    run_once(root, make_record(1))
    snapshot = (root / "articles.parquet").read_bytes()
    changes_before = set((root / "changes").iterdir())
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(make_record(1, body="نص معدل"), fetched_at=T1)
    archive.record_article(make_record(2), fetched_at=T1)
    archive.checkpoint()
    archive.release_lock()
    # The kill: the versions part is on disk, the changes part and the new snapshot are not.
    (root / "articles.parquet").write_bytes(snapshot)
    for part in set((root / "changes").iterdir()) - changes_before:
        part.unlink()

    reopened = Archive(root)
    assert reopened.state[f"{SITE}/4571"].version == 2
    assert f"{SITE}/4572" in reopened.state
    # The rerun sees the same pages: nothing new, no duplicate version.
    (a, b) = run_once(root, make_record(1, body="نص معدل"), make_record(2), at=T2)
    assert (a.change, a.version, b.change, b.version) == ("unchanged", 2, "unchanged", 1)
    final = Archive(root)
    assert len(final.read_versions()) == 3
    events = {(e["url"], e["change"], e["version"]) for e in final.read_changes().to_pylist()}
    assert (f"{SITE}/4571", "changed", 2) in events and (f"{SITE}/4572", "added", 1) in events
    assert len(final.read_changes()) == 3


def test_the_state_holds_what_a_fetched_page_must_show(root: Path) -> None:
    # crawler.identity.judge compares a page with the post id, word count and title of the
    # article's current version: kept as the run records it, read back with articles.parquet,
    # and taken from versions/ when the snapshot is behind them (a kill).
    def shown(archive: Archive, n: int) -> tuple:
        state = archive.state[f"{SITE}/{4570 + n}"]
        return state.post_id, state.word_count, state.title

    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(make_record(1), fetched_at=T0)
    assert shown(archive, 1) == (4571, 12, make_record(1).title)
    archive.finish_run(True, {"requests": 1})
    assert shown(Archive(root), 1) == (4571, 12, make_record(1).title)
    snapshot = (root / "articles.parquet").read_bytes()
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(make_record(1, title="عنوان جديد", word_count=40), fetched_at=T1)
    archive.record_article(make_record(2), fetched_at=T1)
    archive.checkpoint()
    archive.release_lock()
    (root / "articles.parquet").write_bytes(snapshot)  # the kill: the snapshot is behind
    reopened = Archive(root)
    assert shown(reopened, 1) == (4571, 40, "عنوان جديد")
    assert shown(reopened, 2) == (4572, 12, make_record(2).title)


# -- unreadable files -------------------------------------------------------------------------


def _corrupt(path: Path) -> None:
    path.write_bytes(b"PAR1 this is not really parquet")


# A versions/ part is not derivable, and another major schema is not damage: refused. (A
# damaged articles.parquet is read without: see the test below.)
@pytest.mark.parametrize(
    "target, damage, message",
    [
        ("versions", _corrupt, "is not readable Parquet"),
        ("versions", foreign, "not an ncmes archive file"),
        ("versions", old_schema, "was written by schema 0.3; this version reads 1.x"),
        ("articles.parquet", old_schema, "was written by schema 0.3; this version reads 1.x"),
    ],
)
def test_unreadable_file_refused_and_untouched(root: Path, damage, message, target) -> None:
    run_once(root, make_record())
    path = root / target
    if target == "versions":
        path = next(path.glob("*.parquet"))
    damage(path)
    before = path.read_bytes()
    with pytest.raises(ArchiveError) as info:
        Archive(root)
    assert str(path) in str(info.value) and message in str(info.value)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("damage, message", [(_corrupt, "is not readable Parquet"), (foreign, "not an ncmes archive file")])
def test_a_damaged_snapshot_is_read_without_and_rebuilt_from_versions(root: Path, damage, message) -> None:
    run_once(root, make_record())
    expected = Archive(root).read_articles()
    path = root / "articles.parquet"
    damage(path)
    before = path.read_bytes()
    archive = Archive(root)
    assert message in archive.damaged["articles.parquet"] and str(path) in archive.damaged["articles.parquet"]
    assert "\n" not in archive.damaged["articles.parquet"]
    # The articles' content and versions come back from versions/ (crawl state aside).
    columns = [c for c in expected.column_names if c not in ("sitemap_lastmod", "fetch_url")]
    assert archive.read_articles().select(columns).equals(expected.select(columns))
    assert path.read_bytes() == before
    # The writer sets the damaged file aside (never deleting it) before writing anew.
    with archive.lock():
        pass
    assert not path.exists()
    [aside] = (root / "damaged").rglob("articles.parquet")
    assert aside.read_bytes() == before


def test_wrong_kind_is_damage_read_without(root: Path) -> None:
    run_once(root, make_record())
    runs = pq.read_table(root / "runs.parquet")
    write_atomic(runs, root / "failures.parquet")
    archive = Archive(root)
    assert "failures.parquet holds 'runs' rows" in archive.damaged["failures.parquet"]
    assert archive.read_failures().num_rows == 0 and archive.read_runs().num_rows == 1


def test_missing_archive_without_create(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not exist"):
        Archive(tmp_path / "nothing", create=False)


# -- lock -------------------------------------------------------------------------------------

HOLDER = """
import sys, time
sys.path.insert(0, {repo!r})
from crawler.archive.writer import Archive
archive = Archive({root!r})
archive.begin_run("https://ncmes.org", "incremental")
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_refuses_second_holder_and_frees_on_sigkill(root: Path) -> None:
    Archive(root)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(repo=str(REPO), root=str(root))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        archive = Archive(root)  # reading is allowed while a crawl runs
        with pytest.raises(ArchiveLocked, match=rf"in use by another crawl \(pid {proc.pid}, "):
            archive.begin_run(SITE, "incremental")
        with pytest.raises(ArchiveLocked):
            archive.acquire_lock()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    archive = Archive(root)
    with archive.lock():
        assert archive.locked
    # The killed run left an incomplete run row; the next run starts fine.
    run_once(root, make_record())
    assert [r["completed"] for r in Archive(root).read_runs().to_pylist()] == [False, True]


# -- WARC -------------------------------------------------------------------------------------


def test_warc_round_trip_and_killed_prefix(tmp_path: Path) -> None:
    body = "<html><body><p>نص المقال</p></body></html>".encode()
    headers = [
        (b"Content-Type", b"text/html; charset=UTF-8"),
        (b"Content-Encoding", b"gzip"),
        (b"ETag", b'"v1"'),
    ]
    with warc.WarcWriter(tmp_path, "R1", {"software": "test"}) as writer:
        first = writer.write(warc.Capture(f"{SITE}/1", 200, headers, body, T0,
                                          request_headers=[(b"User-Agent", b"t")]))
        second = writer.write(warc.Capture(f"{SITE}/2", 200, headers, b"second", T0))
    # A warcinfo record opens the file.
    assert first.file == "warc/R1.warc.gz" and 0 < first.offset < second.offset
    got_headers, got_body = warc.read(tmp_path, first.file, first.offset)
    assert got_body == body and ("ETag", '"v1"') in got_headers
    assert warc.read(tmp_path, second.file, second.offset)[1] == b"second"
    # Only a response record is read back: not the warcinfo at 0, nothing past the end.
    with pytest.raises(ValueError, match="warcinfo record, not a response"):
        warc.read(tmp_path, first.file, 0)
    with pytest.raises(ValueError, match="no record at offset"):
        warc.read(tmp_path, first.file, (tmp_path / first.file).stat().st_size)
    with gzip.open(tmp_path / first.file) as fh:
        assert fh.read().startswith(b"WARC/1.1")
    # A kill mid-record leaves whole members before it readable.
    path = tmp_path / first.file
    path.write_bytes(path.read_bytes()[: second.offset + 20])
    assert warc.read(tmp_path, first.file, first.offset)[1] == body


def test_version_row_names_warc(root: Path) -> None:
    archive = Archive(root)
    archive.begin_run(SITE, "incremental")
    archive.record_article(
        make_record(),
        fetched_at=T0,
        warc=("warc/R.warc.gz", 42, "<urn:x>"),
        etag='"e"',
        sitemap_lastmod=T0,
    )
    archive.finish_run(True, {})
    row = Archive(root).read_versions().to_pylist()[0]
    assert (row["warc_file"], row["warc_offset"], row["warc_record_id"]) == (
        "warc/R.warc.gz",
        42,
        "<urn:x>",
    )
    state = Archive(root).state[f"{SITE}/4571"]
    assert state.etag == '"e"' and state.sitemap_lastmod == T0


def test_newer_minor_schema_is_read(root: Path) -> None:
    run_once(root, make_record())
    table = pq.read_table(root / "articles.parquet")
    table = table.append_column("added_later", pa.array(["x"]))
    table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: b"1.7", FILE_KIND_KEY: b"articles"})
    pq.write_table(table, root / "articles.parquet")
    archive = Archive(root)
    assert archive.read_articles().schema.equals(SCHEMAS["articles"])
    assert archive.state[f"{SITE}/4571"].version == 1


KILLED_WRITER = """
import datetime as dt, sys
sys.path.insert(0, {repo!r})
from crawler.archive.writer import Archive
from crawler.extraction.record import ArticleRecord
archive = Archive({root!r})
archive.begin_run("https://ncmes.org", "incremental")
at = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)
for n in range(100000):
    archive.record_article(
        ArticleRecord(url=f"https://ncmes.org/{{n}}", title=f"t{{n}}", body="b" * 2000),
        fetched_at=at,
    )
    if n % 7 == 6:
        archive.checkpoint()
    if n == 20:
        print("writing", flush=True)
"""


def test_sigkilled_writer_leaves_a_consistent_archive(root: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER.format(repo=str(REPO), root=str(root))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    time.sleep(0.3)  # somewhere inside a checkpoint, or between two
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    archive = Archive(root)
    in_versions = set(archive.read_versions()["url"].to_pylist())
    assert in_versions and set(archive.state) == in_versions
    assert all(s.version == 1 for s in archive.state.values())
    # The rerun captures the same pages: nothing added twice, no version 2.
    archive.begin_run(SITE, "incremental")
    for url in sorted(in_versions)[:30]:
        record = ArticleRecord(url=url, title=f"t{url.rsplit('/', 1)[1]}", body="b" * 2000)
        assert archive.record_article(record, fetched_at=T1).change == "unchanged"
    archive.finish_run(True, {})
    final = Archive(root)
    assert len(final.read_versions()) == len(in_versions)
    events = final.read_changes().to_pylist()
    assert sorted(e["url"] for e in events) == sorted(in_versions)  # one "added" each
    assert [r["completed"] for r in final.read_runs().to_pylist()] == [False, True]


def test_taking_the_lock_sees_a_run_that_finished_after_opening(root: Path) -> None:
    run_once(root, make_record(1))
    opened = Archive(root)  # loaded, not locked
    run_once(root, make_record(2))  # another process's run, finished meanwhile
    assert make_record(2).url not in opened.state
    opened.acquire_lock()
    try:
        assert {make_record(1).url, make_record(2).url} <= set(opened.state)
    finally:
        opened.release_lock()
