"""Shared test helpers: the offline snapshot on 127.0.0.1 and the real command line in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli import LOCAL_MIRROR_SETTINGS, setting_args
from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from tests.chromium import Chromium, launch

ROOT = Path(__file__).resolve().parent.parent

# A local mirror needs none of the real site's politeness.
FAST = setting_args({**LOCAL_MIRROR_SETTINGS, "NCMES_PROGRESS_INTERVAL": 0})


def free_port(at_least: int = 0) -> int:
    """A TCP port free on 127.0.0.1 now (`at_least` for a port of as many digits as another)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port >= at_least:
            return port


def run_cli(*args: str, timeout: float = 240, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m crawler ARGS` as a user would run it; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})},
    )


def crawl(site: DemoServer | str, archive: Path, *extra: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """A crawl of the served snapshot (or of the site at a URL) into `archive`, fast settings."""
    url = site if isinstance(site, str) else site.url
    return run_cli("crawl", "--site", url, "--archive", str(archive), *FAST, *extra, timeout=timeout)


def crawled_snapshot(archive: Path, limit: int) -> Path:
    """A real archive of the snapshot's first `limit` articles, crawled into `archive`."""
    with serve(DemoSite()) as srv:
        done = crawl(srv, archive, "--limit", str(limit))
        assert done.returncode == 0, done.stderr
    return archive


@pytest.fixture
def demo_site() -> DemoSite:
    return DemoSite()


@pytest.fixture
def server(demo_site: DemoSite) -> Iterator[DemoServer]:
    with serve(demo_site) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[Chromium]:
    """One headless Chromium for every browser test of the session (skipped without one)."""
    with launch("the browser tests") as b:
        yield b
