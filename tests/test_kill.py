"""Kills and signals mid-crawl: the archive stays readable, nothing is lost, and the next crawl finishes the job."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from tests.conftest import FAST, ROOT, crawl, run_cli

WAIT = 90.0  # seconds: generous for a loaded machine, never reached on a healthy one


def _start(server: DemoServer, archive: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--site", server.url, "--archive", str(archive), *FAST, *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the crawl ended before {what}: {err[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            process.communicate()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _parts(archive: Path) -> list[Path]:
    folder = archive / "versions"
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def _read_everything(archive: Path) -> dict[str, int]:
    """Every archive file as a reader sees it (temporary files are dotfiles, skipped)."""
    rows = {}
    for path in sorted(archive.glob("*.parquet")):
        rows[path.name] = pq.read_table(path).num_rows
    for folder in ("versions", "changes"):
        if (archive / folder).is_dir():
            rows[folder] = ds.dataset(archive / folder, format="parquet").to_table().num_rows
    return rows


def _check_complete(site: DemoSite, server: DemoServer, archive: Path) -> None:
    """Every live article archived once, right, with exactly one version."""
    truth = {t["url"]: t for t in site.truth(base=server.url)}
    articles = pq.read_table(archive / "articles.parquet").to_pylist()
    urls = [row["url"] for row in articles]
    assert len(urls) == len(set(urls))
    assert set(urls) == set(truth)
    for row in articles:
        t = truth[row["url"]]
        assert (row["title"], row["body"], row["version"], row["status"]) == (t["title"], t["body"], 1, "live"), row["url"]
    versions = ds.dataset(archive / "versions", format="parquet").to_table().to_pylist()
    keys = sorted((v["url"], v["version"]) for v in versions)
    assert keys == sorted((url, 1) for url in truth), "duplicate or spurious versions"
    changes = ds.dataset(archive / "changes", format="parquet").to_table().to_pylist()
    added = sorted(c["url"] for c in changes if c["change"] == "added")
    assert added == sorted(truth)
    assert not [c for c in changes if c["change"] != "added"]


def test_sigkill_midway_then_rerun_completes(tmp_path: Path) -> None:
    site = DemoSite()
    site.delay = 0.15  # slow enough to be killed midway, with a checkpoint every 3 pages
    archive = tmp_path / "archive"
    with serve(site) as server:
        process = _start(server, archive, "-s", "ARCHIVE_CHECKPOINT_ITEMS=3")
        _wait_for(lambda: len(_parts(archive)) >= 2, process, "two version parts on disk")
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL

        # Every file reads back, and the commands read the archive as it is.
        seen = _read_everything(archive)
        assert 0 < seen["versions"] < len(site.truth(base=server.url))
        (run,) = pq.read_table(archive / "runs.parquet").to_pylist()
        assert run["completed"] is False and run["finished_at"] is None
        stats = run_cli("stats", "--archive", str(archive))
        assert stats.returncode == 0, stats.stderr

        site.delay = 0.0
        again = crawl(server, archive)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "Traceback" not in again.stderr
        _check_complete(site, server, archive)
        killed, finished = pq.read_table(archive / "runs.parquet").sort_by("started_at").to_pylist()
        assert killed["completed"] is False and finished["completed"] is True
        assert not list(archive.rglob("*.tmp"))
        _check_web_archive(archive, [killed["run_id"], finished["run_id"]])


def _check_web_archive(archive: Path, run_ids: list[str]) -> None:
    """Both runs' WARC files read whole and the index lists every record in them."""
    from crawler.archive import cdxj

    files = sorted((archive / "warc").glob("*.warc.gz"))
    assert [p.name for p in files] == sorted(f"{run_id}.warc.gz" for run_id in run_ids)
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    lines = (archive / "warc" / cdxj.INDEX).read_text().splitlines()
    assert lines == sorted(e.line() for path in files for e in cdxj.index_file(path, repair=False))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_gracefully_and_saves_what_was_fetched(tmp_path: Path, signum: signal.Signals) -> None:
    site = DemoSite()
    site.delay = 0.15
    archive = tmp_path / "archive"
    with serve(site) as server:
        process = _start(server, archive)
        # No checkpoint has been written yet (every 50 pages): what is saved is saved by the stop.
        _wait_for(lambda: site.counters()["article"] >= 6, process, "six articles served")
        process.send_signal(signum)
        out, err = process.communicate(timeout=WAIT)
        assert process.returncode == 1, err[-3000:]
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1] == (
            "ncmes-archive: the crawl was interrupted; what it fetched is saved (run marked not completed)"
        )
        assert "NOT completed" in out

        (run,) = pq.read_table(archive / "runs.parquet").to_pylist()
        assert run["completed"] is False and run["finished_at"] is not None
        articles = pq.read_table(archive / "articles.parquet").to_pylist()
        truth = site.truth_by_path(base=server.url)
        assert len(articles) >= 6
        assert len(articles) == run["articles_added"] == run["pages_downloaded"]
        for row in articles:
            t = truth["/" + row["url"].rsplit("/", 1)[-1]]
            assert (row["title"], row["body"]) == (t["title"], t["body"])
        assert ds.dataset(archive / "versions", format="parquet").to_table().num_rows == len(articles)

        site.delay = 0.0
        again = crawl(server, archive)
        assert again.returncode == 0, again.stderr[-3000:]
        _check_complete(site, server, archive)
