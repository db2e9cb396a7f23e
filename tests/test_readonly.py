"""Every read command reads an archive it may not write (a read-only share, a mounted backup):
it answers, and nothing in the archive is created, changed or locked."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.archive import cdxj
from crawler.archive.replay import pywb_available
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from tests.conftest import ROOT, crawl, free_port
from tests.readonly import read_only_argv, require_read_only_mount

EVERY_RUN = ["-s", "NCMES_REVISIT_EVERY_RUNS=1"]


@dataclass
class Copy:
    archive: Path
    url: str  # an article with two versions


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Copy:
    site = DemoSite(sitemap=False, rest_api=False)
    root = tmp_path_factory.mktemp("readonly")
    archive = root / "archive"
    with serve(site) as server:
        assert crawl(server, archive, *EVERY_RUN).returncode == 0
        post_id = site.post_ids[1]
        site.edit_article(post_id, title="عنوان بعد التعديل")
        result = crawl(server, archive, *EVERY_RUN)
        assert result.returncode == 0, result.stderr[-2000:]
    changes = json.loads(
        subprocess.run([sys.executable, "-m", "crawler", "changes", "--archive", str(archive), "--json"],
                       capture_output=True, text=True, cwd=ROOT, check=True).stdout
    )
    [changed] = [c["url"] for c in changes if c["change"] == "changed"]
    # What a crawl killed before its end leaves: the index behind the WARC files.
    (archive / "warc" / cdxj.STATE).unlink()
    (archive / "warc" / cdxj.INDEX).unlink()
    # A copy someone made: no lock file (a command that locked would create one).
    (archive / ".lock").unlink()
    return Copy(archive, changed)


def _listing(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under root: size, mtime, mode."""
    out = {}
    for path in [root, *sorted(root.rglob("*"))]:
        info = path.lstat()
        out[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return out


def _command(archive: Path, args: list[str]) -> list[str]:
    """`python -m crawler ARGS`, inside a mount namespace where the archive is read-only."""
    return read_only_argv(archive, [sys.executable, "-m", "crawler", *args])


@pytest.fixture(scope="module")
def read_only() -> None:
    require_read_only_mount("the read-only archive tests")


def _commands(copy: Copy, out: Path) -> Iterator[tuple[str, list[str]]]:
    a = ["--archive", str(copy.archive)]
    yield "stats", ["stats", *a]
    yield "changes", ["changes", *a, "--json"]
    yield "diff", ["diff", copy.url, *a]
    yield "export", ["export", *a, "--out", str(out / "dataset"), "--format", "parquet"]
    yield "export --wacz", ["export", *a, "--wacz", str(out / "web.wacz")]
    yield "report", ["report", *a, "--out", str(out / "report")]


@pytest.mark.parametrize("name", ["stats", "changes", "diff", "export", "export --wacz", "report"])
def test_a_read_command_reads_a_read_only_archive_and_writes_nothing_into_it(
    crawled: Copy, read_only: None, tmp_path: Path, name: str
) -> None:
    args = dict(_commands(crawled, tmp_path))[name]
    before = _listing(crawled.archive)
    result = subprocess.run(_command(crawled.archive, args), capture_output=True,
                            text=True, cwd=ROOT, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert _listing(crawled.archive) == before
    assert not (crawled.archive / ".lock").exists()
    if name == "export --wacz":
        import zipfile

        with zipfile.ZipFile(tmp_path / "web.wacz") as package:
            index = package.read("indexes/index.cdxj").decode().splitlines()
        # The index missing on disk was built in memory from the WARC files.
        files = sorted((crawled.archive / "warc").glob("*.warc.gz"))
        assert index == sorted(e.line() for path in files for e in cdxj.index_file(path, repair=False))
    if name == "diff":
        assert "عنوان بعد التعديل" in result.stdout


@pytest.mark.skipif(not pywb_available(), reason="pywb not installed")
def test_replay_serves_a_read_only_archive_without_its_index(crawled: Copy, read_only: None) -> None:
    files = sorted((crawled.archive / "warc").glob("*.warc.gz"))
    entry = next(e for e in cdxj.index_file(files[-1], repair=False) if e.status == "200")
    before = _listing(crawled.archive)
    port = free_port()
    server = subprocess.Popen(
        _command(crawled.archive, ["replay", "--archive", str(crawled.archive), "--port", str(port)]),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/ncmes/{entry.timestamp}id_/{entry.url}", timeout=10
                ) as answer:
                    assert answer.status == 200 and answer.read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err[-2000:]
    assert _listing(crawled.archive) == before
    assert not (crawled.archive / ".lock").exists()
