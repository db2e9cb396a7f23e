"""Kills of the commands that write beside the archive (export, report): whatever the moment,
a reader finds the last complete output (or, for a kill between swap_in's two renames, that
one set aside, which the next run puts back), the archive is untouched, and the next run
leaves nothing half-written behind."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.archive.files import pid_tmp, remove_abandoned, swap_in
from crawler.dataset.export import CARD_FILE, CFF_FILE, SCHEMA_FILE
from crawler.dataset.html_report import MARKER
from tests.conftest import ROOT, crawled_snapshot, run_cli

KILLS = 4  # per command, at random moments of its build
WAIT = 90.0  # seconds for a build to start: never reached on a healthy machine


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    root = crawled_snapshot(tmp_path_factory.mktemp("outputs") / "archive", 8)
    yield root, pq.read_table(root / "articles.parquet").num_rows


def _files(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*"))


def _dataset(out: Path, articles: int) -> object:
    """What a researcher reads of a dataset folder: every table whole, the card and schema."""
    json.loads((out / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert {CARD_FILE, CFF_FILE, SCHEMA_FILE} <= set(_files(out))
    assert pq.read_table(out / "articles.parquet").num_rows == articles
    return _files(out), {p.name: pq.read_table(p).num_rows for p in sorted(out.glob("*.parquet"))}


def _sqlite(out: Path, articles: int) -> object:
    conn = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
        return conn.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()


def _report(out: Path, articles: int) -> object:
    assert (out / MARKER).is_file()
    ET.parse(out / "changes.xml")  # the feed whole
    assert (out / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    return _files(out)


COMMANDS: dict[str, tuple[list[str], str, Callable[[Path, int], object]]] = {
    "export folder": (["export", "--format", "parquet"], "dataset", _dataset),
    "export sqlite": (["export", "--format", "sqlite"], "archive.sqlite", _sqlite),
    "report": (["report"], "report", _report),
}


def _archive_bytes(root: Path) -> dict[str, str]:
    """The archive's own records (its search index is a cache the commands may build)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".parquet", ".gz", ".cdxj")}


def _left_beside(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*"))


def _run(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "crawler", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]


def _build_of(process: subprocess.Popen[bytes], out: Path) -> Path:
    """Where the command builds `out` before renaming it."""
    return pid_tmp(out, pid=process.pid)


def _await_build(process: subprocess.Popen[bytes], build: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not build.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)


def _build_time(argv: list[str], out: Path) -> float:
    """A whole run, timing how long its build beside `out` lasts (seconds)."""
    process = subprocess.Popen([sys.executable, "-m", "crawler", *argv], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    build = _build_of(process, out)
    _await_build(process, build)
    started = time.monotonic()
    while build.exists() and process.poll() is None:
        time.sleep(0.0005)
    lasted = time.monotonic() - started
    assert process.wait(timeout=240) == 0, process.stderr.read()[-2000:] if process.stderr else ""
    return lasted


def _kill_while_building(argv: list[str], out: Path, after: float) -> None:
    """Start the command and SIGKILL it `after` seconds into its build beside `out`."""
    process = subprocess.Popen([sys.executable, "-m", "crawler", *argv], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _await_build(process, _build_of(process, out))
        time.sleep(after)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("name", COMMANDS)
def test_a_killed_export_or_report_leaves_the_last_complete_one(
        name: str, archive: tuple[Path, int], tmp_path: Path) -> None:
    root, articles = archive
    args, target, read = COMMANDS[name]
    out = tmp_path / target
    argv = [*args, "--archive", str(root), "--out", str(out)]
    before = _archive_bytes(root)
    _run(argv)
    whole = read(out, articles)  # what a complete one holds
    lasted = _build_time(argv, out)  # a replacement's build, start to rename
    assert read(out, articles) == whole
    rng = random.Random(name)
    left_behind = 0
    for _ in range(KILLS):
        _kill_while_building(argv, out, rng.uniform(0, 0.8 * lasted))
        left_behind += any(".tmp-" in p.name for p in _left_beside(out))
        if out.exists():
            assert read(out, articles) == whole
        else:  # killed between the two renames: the last complete one waits beside
            aside = [p for p in _left_beside(out) if ".old-" in p.name]
            assert len(aside) == 1 and read(aside[0], articles) == whole, _left_beside(out)
    assert left_behind  # the kills did land inside builds
    _run(argv)
    assert read(out, articles) == whole
    assert _left_beside(out) == []  # what the killed runs left is gone
    assert _archive_bytes(root) == before


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_what_killed_processes_left_is_put_right_and_a_live_ones_build_is_not(tmp_path: Path) -> None:
    out, dead = tmp_path / "report", _dead_pid()
    old = out.with_name(f".report.old-{dead}")
    old.mkdir()
    (old / "index.html").write_text("the last complete report")
    half = out.with_name(f".report.tmp-{dead}")
    half.mkdir()
    (half / "index.html").write_text("half")
    journal = out.with_name(f".report.tmp-{dead}-journal")  # SQLite's, beside a database's build
    journal.write_text("rollback journal")
    live = pid_tmp(out)  # this process's own build: alive, never touched
    live.mkdir()
    others = [out.with_name(f".report.notes-{dead}"),  # not a name these builds use
              out.with_name(f".report.v2.tmp-{dead}"),  # another output's build
              out.with_name(f".report.old-{dead}x")]
    for other in others:
        other.write_text("kept")
    complete = lambda folder: (folder / "index.html").is_file()  # noqa: E731
    remove_abandoned(out, complete)
    assert (out / "index.html").read_text() == "the last complete report"
    assert not old.exists() and not half.exists() and not journal.exists() and live.is_dir()
    assert all(other.read_text() == "kept" for other in others)
    # A folder of that name that is no output of ours (nothing says it is complete) stays.
    mine = out.with_name(f".report.old-{dead}")
    mine.mkdir()
    remove_abandoned(out, complete)
    assert mine.is_dir()
    mine.rmdir()
    # With the output in place, a version set aside by a killed swap is only old.
    stale = out.with_name(f".report.old-{dead}")
    stale.mkdir()
    (stale / "index.html").write_text("older")
    remove_abandoned(out)  # without a test of completeness: not touched
    assert stale.is_dir()
    remove_abandoned(out, complete)
    assert not stale.exists() and (out / "index.html").read_text() == "the last complete report"
    # And a swap puts the new folder in place, leaving nothing beside.
    live.rename(tmp_path / "new")
    (tmp_path / "new" / "index.html").write_text("new")
    swap_in(tmp_path / "new", out)
    assert (out / "index.html").read_text() == "new" and _left_beside(out) == sorted(others)


def test_a_dataset_set_aside_by_a_kill_is_back_before_the_folder_is_checked(
        archive: tuple[Path, int], tmp_path: Path) -> None:
    root, articles = archive
    out = tmp_path / "dataset"
    _run(["export", "--format", "parquet", "--archive", str(root), "--out", str(out)])
    aside = out.with_name(f".dataset.old-{_dead_pid()}")
    out.rename(aside)  # as a kill between swap_in's two renames leaves it
    refused = run_cli("export", "--format", "csv", "--archive", str(root), "--out", str(out))
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().endswith(f"--out {out} holds a parquet dataset; export csv into another folder")
    assert _dataset(out, articles) and not aside.exists()
