"""Every command under Ctrl-C and SIGTERM, as a real process group (a terminal's Ctrl-C and
systemd's stop reach every process of it): at most one line of its own on stderr, never a
traceback, and the contract's exit status; a port already taken is one line too; a crawl
stopped by a second interrupt says what it kept, and the archive holds just that; one
interrupted as it stores its run waits for the run to be stored."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from tests.conftest import FAST, ROOT, crawl, crawled_snapshot, free_port, run_cli
from tests.readme_steps import known_commands

COMMANDS = sorted(known_commands(run_cli("--help").stdout))
SLOW = ["-s", "CONCURRENT_REQUESTS=2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}
# Commands that run for seconds and more: always caught working.
LONG_RUNNING = ("crawl", "demo", "replay", "browse")


@pytest.fixture(scope="module")
def slow_site() -> Iterator[DemoServer]:
    site = DemoSite()
    site.delay = 0.5  # every answer, two at a time: a crawl runs for 20 s and more
    with serve(site) as srv:
        yield srv


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A small crawled archive for the read-side commands, and one article URL in it."""
    root = crawled_snapshot(tmp_path_factory.mktemp("signals") / "archive", 6)
    urls = pq.read_table(root / "articles.parquet", columns=["url"]).column("url").to_pylist()
    yield root, sorted(urls)[0]  # an article the archive holds


def _arguments(command: str, archive: Path, url: str, site: str, out: Path) -> list[str]:
    """Arguments that make each command do real work on the archive (unknown commands,
    added later, run with --archive alone)."""
    port = str(free_port())
    where = ["--archive", str(archive)]
    return {
        "crawl": ["--site", site, "--archive", str(out / "crawled"), *FAST, *SLOW],
        "demo": ["--archive", str(out / "demo"), "--port", port, "--en-port", str(free_port())],
        "diff": [*where, url],
        "show": [*where, url],
        "history": [*where, url],
        "search": [*where, "السياسي"],
        "report": [*where, "--out", str(out / "report")],
        "export": [*where, "--out", str(out / "dataset")],
        "reextract": [*where, "--workers", "1"],
        "replay": [*where, "--port", port],
        "browse": [*where, "--port", port],
    }.get(command, where)


def _interrupt(argv: list[str], signum: int, after: float, again: float | None = None,
               until: Callable[[], bool] | None = None) -> tuple[subprocess.CompletedProcess[str], bool]:
    """Run `ncmes-archive ARGV` in a process group of its own; `after` seconds (or once
    `until()` holds) send the group `signum`, and again `again` seconds later. Also whether
    it was still running when the first signal was sent."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", *argv], cwd=ROOT, text=True, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    # From the moment the program catches SIGTERM (its first lines), not from the start of
    # an interpreter that a loaded machine may take a second to bring up: before that, no
    # program can answer anything.
    deadline = time.monotonic() + 60
    while not _catches_sigterm(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(after)
    deadline = time.monotonic() + 120
    while until is not None and not until() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    running = process.poll() is None
    for wait in ([0.0] if again is None else [0.0, again]):
        time.sleep(wait)
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass  # it had already finished
    try:
        out, err = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(argv, process.returncode, out, err), running


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (Linux: the SigCgt mask in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def _own_lines(stderr: str) -> list[str]:
    """Its lines on stderr, less progress and the banners that come before any interrupt."""
    banners = ("[", "serving the offline snapshot", "replaying ", "browsing ", "edited the ")
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(banners)]


@pytest.mark.parametrize("name", SIGNALS)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_an_interrupt_in_one_line(
    command: str, name: str, archive: tuple[Path, str], slow_site: DemoServer, tmp_path: Path,
) -> None:
    root, url = archive
    argv = [command, *_arguments(command, root, url, slow_site.url, tmp_path)]
    # Long-running commands are interrupted while they work; the others as soon as they
    # catch signals (they may also have finished: then they must have said nothing of an
    # interrupt).
    long_running = command in LONG_RUNNING
    done, running = _interrupt(argv, SIGNALS[name], 4.0 if long_running else 0.0)
    if long_running:
        assert running, f"{command} ended before it was interrupted: {done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = _own_lines(done.stderr)
    assert len(lines) <= 1, done.stderr[-3000:]
    if command in ("replay", "browse"):
        assert done.returncode == 0 and lines and "stopped" in lines[0], done.stderr[-2000:]
    elif done.returncode != 0:
        assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
        # (demo's crawl may be caught starting up, before it can say anything)
        if lines or command != "demo":
            assert lines[0].startswith("ncmes-archive: ") and "interrupt" in lines[0], lines
    if command == "crawl":
        assert done.returncode == 1  # it was still crawling the slow site


def test_a_crawl_stopped_by_a_second_interrupt_says_what_it_kept(slow_site: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    argv = ["crawl", "--site", slow_site.url, "--archive", str(root), *FAST, *SLOW,
            "-s", "ARCHIVE_CHECKPOINT_ITEMS=3"]
    versions = root / "versions"
    # Interrupted twice once a checkpoint has stored some versions, as a user who presses
    # Ctrl-C again because the first one seemed slow.
    done, running = _interrupt(argv, signal.SIGINT, 0.5, again=0.05, until=lambda: any(versions.glob("**/*.parquet")))
    assert running, done.stderr[-2000:]
    assert done.returncode == 1, done.stderr[-2000:]
    lines = _own_lines(done.stderr)
    assert len(lines) == 1, done.stderr[-3000:]
    said = re.search(r"keeps the (\d+) article versions it stored by its last checkpoint", lines[0])
    assert said, lines[0]
    stored = ds.dataset(versions, format="parquet").count_rows() if versions.exists() else 0
    assert stored == int(said.group(1))
    # And the next crawl takes it from there: every article, each once.
    again = crawl(slow_site, root, timeout=300)  # eight at a time
    assert again.returncode == 0, again.stderr[-2000:]
    table = ds.dataset(versions, format="parquet").to_table(columns=["url"])
    assert table.num_rows == len(set(table.column("url").to_pylist())) == len(slow_site.site.post_ids)


def test_a_busy_port_is_one_line(archive: tuple[Path, str]) -> None:
    root, _ = archive
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for argv in (["replay", "--archive", str(root), "--port", port],
                     ["demo", "--archive", str(root.parent / "demo"), "--port", port]):
            done = run_cli(*argv, timeout=60)
            assert done.returncode == 1, done.stderr
            lines = _own_lines(done.stderr)
            assert len(lines) == 1 and port in lines[0] and "--port" in lines[0], done.stderr
            if argv[0] == "replay":  # said before pywb is started
                assert lines[0] == (f"ncmes-archive: port {port} on 127.0.0.1 is in use by another "
                                    "program: stop it, or choose another with --port N")


def test_an_interrupt_inside_the_import_machinery_comes_again_after_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised in importlib's module-lock callback, KeyboardInterrupt is printed as "Exception
    ignored" and lost: the command line's handler lets the signal come again a moment later."""
    import importlib

    from crawler import cli

    frames: list[FrameType] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if not frames and frame.f_code.co_filename.startswith("<frozen importlib"):
            frames.append(frame)

    (tmp_path / "freshly_imported_module.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.setprofile(profile)
    try:
        importlib.import_module("freshly_imported_module")
    finally:
        sys.setprofile(None)
    assert frames, "no frame of the import machinery was seen"
    got: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))
    try:
        cli._interrupt(signal.SIGUSR1, frames[0])  # inside the import machinery: no exception
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert got == [signal.SIGUSR1]
    with pytest.raises(KeyboardInterrupt):  # anywhere else: at once
        cli._interrupt(signal.SIGINT, sys._getframe())


# The crawl command, with a SIGTERM sent to itself as the pipeline begins to store the run
# (after every page was fetched): the moment Scrapy's own close has begun, so its stop does
# not wait for the spider's close; systemd's stop can land there.
_SIGTERM_WHILE_STORING = """
import os, signal, sys
from crawler import cli, pipelines

store = pipelines.ArchivePipeline._store_run

async def store_after_a_sigterm(self, spider, reason):
    os.kill(os.getpid(), signal.SIGTERM)
    await store(self, spider, reason)

pipelines.ArchivePipeline._store_run = store_after_a_sigterm
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_sigterm_while_the_run_is_stored_waits_for_it(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    done = subprocess.run(
        [sys.executable, "-c", _SIGTERM_WHILE_STORING, "crawl", "--site", server.url,
         "--archive", str(root), *FAST],
        cwd=ROOT, text=True, capture_output=True, timeout=240,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert "Traceback" not in done.stderr and "Error caught" not in done.stderr, done.stderr[-3000:]
    # Every page was fetched before the signal: the run is stored whole, as completed.
    runs = pq.read_table(root / "runs.parquet").to_pylist()
    assert len(runs) == 1 and runs[0]["completed"], (runs, done.stderr[-2000:])
    stored = ds.dataset(root / "versions", format="parquet").count_rows()
    assert stored == len(server.site.post_ids), done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
