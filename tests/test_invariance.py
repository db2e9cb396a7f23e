"""Same site, same archive: concurrency, the order answers arrive in, kills and reruns change nothing.

Each seed builds a small site (its content, which posts the sitemap omits, which pages name no
category, the URL form its posts live at, the theme markup its listings are written in) whose
server delays every answer by a seeded random amount, crawls it once at
CONCURRENT_REQUESTS=1 as the reference, then compares whole archives with it, article by
article.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.archive.schema import CONTENT_FIELDS
from crawler.demo.content import SECTIONS, section_path
from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from tests.conftest import FAST, ROOT, crawl

SEEDS = [0, 1, 2]
MARKUPS = ["elementor", "underscores", "blocks"]  # the listings' markup, by seed
WAIT = 90.0  # seconds: generous for a loaded machine, never reached on a healthy one
COMPARED = [f.name for f in CONTENT_FIELDS] + ["content_hash", "version", "status"]
SERIAL = ("-s", "CONCURRENT_REQUESTS=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
PARALLEL = ("-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16")


def small_site(seed: int) -> DemoSite:
    """About 25 posts, 5 to a listing page; the sitemap omits every third post (those are
    found in listings only); every third page names no category; odd seeds serve posts at
    /<id>, even ones at /<id>/; listings in the site's Elementor widget, a classic theme's
    archive.php or a block theme's Query Loop, by seed; answers come back after 0-30 ms,
    seeded."""
    site = DemoSite(seed, rest_api=False, per_page=5, trailing_slash=seed % 2 == 0,
                    listing_markup=MARKUPS[seed % len(MARKUPS)])
    for index, post_id in enumerate(site.post_ids):
        if index % 2:
            site.remove_article(post_id)
    live = site.post_ids
    omitted = {pid for i, pid in enumerate(live) if i % 3 == 1}
    site.uncategorized = {pid for i, pid in enumerate(live) if i % 3 != 1 and pid % 5 == 0}
    # Horn of Africa posts (a child section) among them: their parent's listing lists them too.
    site.uncategorized |= {a.post_id for a in site.live() if "القرن-الأفريقي" in a.sections}

    def drop_entries(path: str, body: bytes) -> bytes:
        return re.sub(
            rb"<url><loc>[^<]*?/(\d+)/?</loc>.*?</url>",
            lambda m: b"" if int(m.group(1)) in omitted else m.group(0),
            body,
        )

    site.override("/wp-sitemap-posts-post-1.xml", body=drop_entries)
    site.set_jitter(0.03, seed)
    return site


def listed_sections(site: DemoSite, post_id: int) -> list[str]:
    """The sections of every listing that lists a post: its categories and their parents."""
    slugs = set(site.article(post_id).sections)
    parents = {s.parent for s in SECTIONS if s.slug in slugs and s.parent}
    return [s.name for s in SECTIONS if s.slug in slugs | parents]


def content(archive: Path) -> dict[str, dict]:
    rows = pq.read_table(archive / "articles.parquet", columns=COMPARED).to_pylist()
    return {row["url"]: row for row in rows}


def assert_same(got: Path, want: Path) -> None:
    a, b = content(got), content(want)
    assert sorted(a) == sorted(b)
    for url in sorted(a):
        diff = [c for c in COMPARED if a[url][c] != b[url][c]]
        assert not diff, f"{url}: {diff}: {[a[url][c] for c in diff]} != {[b[url][c] for c in diff]}"


def assert_one_version_each(archive: Path) -> None:
    versions = ds.dataset(archive / "versions", format="parquet").to_table(columns=["url", "version"])
    keys = list(zip(versions["url"].to_pylist(), versions["version"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys)), "duplicate (url, version)"
    assert {v for _, v in keys} == {1}


@dataclass
class World:
    seed: int
    site: DemoSite
    server: DemoServer
    reference: Path


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    seed = request.param
    site = small_site(seed)
    with serve(site) as server:
        reference = tmp_path_factory.mktemp(f"reference{seed}")
        result = crawl(server, reference, *SERIAL)
        assert result.returncode == 0, result.stderr[-3000:]
        yield World(seed, site, server, reference)


def test_the_reference_crawl_is_right(world: World) -> None:
    site, base = world.site, world.server.url
    truth = {t["url"]: t for t in site.truth(base=base)}
    rows = content(world.reference)
    assert sorted(rows) == sorted(truth)
    for url, row in rows.items():
        post_id = row["post_id"]
        if post_id in site.uncategorized:
            assert row["sections"] == listed_sections(site, post_id), url
        else:
            assert row["sections"] == truth[url]["sections"], url
        assert (row["title"], row["body"], row["version"]) == (truth[url]["title"], truth[url]["body"], 1)
    assert site.uncategorized & {a.post_id for a in site.live()}
    assert_one_version_each(world.reference)


def test_sixteen_at_a_time_gives_the_same_archive_with_one_request_per_article(world: World, tmp_path: Path) -> None:
    site = world.site
    site.reset_counters()
    result = crawl(world.server, tmp_path, *PARALLEL)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_same(tmp_path, world.reference)
    assert_one_version_each(tmp_path)
    # Posts live at /<id>/ or /<id> and listings link a few in the other form: still one
    # request per article, no redirect.
    served = site.counters()
    assert served["article"] == len(site.live()), [e for e in site.requests_log() if e[2] == 301]
    form = "/" if site.trailing_slash else ""
    fetch_urls = pq.read_table(tmp_path / "articles.parquet", columns=["url", "fetch_url"]).to_pylist()
    assert all(r["fetch_url"] == r["url"] + form and not r["url"].endswith("/") for r in fetch_urls)


def _start(server: DemoServer, archive: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--site", server.url, "--archive", str(archive),
         *FAST, "-s", "ARCHIVE_CHECKPOINT_ITEMS=1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _stop_when(process: subprocess.Popen[str], condition: Callable[[], bool], signum: int) -> tuple[int, str]:
    deadline = time.monotonic() + WAIT
    while not condition():
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the crawl ended before it could be stopped: {err[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            process.communicate()
            pytest.fail("timed out waiting for the point to stop the crawl")
        time.sleep(0.01)
    process.send_signal(signum)
    _, err = process.communicate(timeout=WAIT)
    return process.returncode, err


def test_killed_and_rerun_gives_the_same_archive(world: World, tmp_path: Path) -> None:
    site = world.site
    site.delay = 0.04  # slow enough to stop at chosen points
    try:
        def articles_served(n: int) -> Callable[[], bool]:
            """n articles served since the crawl asked robots.txt, its first request: answers
            to the previous (killed) crawl, slowed down, may still be going out, and a signal
            before this one has set its handlers up would kill it, not stop it."""
            def served() -> bool:
                counters = site.counters()
                return counters["paths"].get("/robots.txt", 0) > 0 and counters["article"] >= n
            return served

        quiet: list[tuple[float, tuple[int, int]]] = []

        def stored_all_it_could() -> bool:
            """Every article found so far is served and stored (the answers have stopped
            for a while) and some versions are on disk: the second listing pages are still
            on their way."""
            folder = tmp_path / "versions"
            state = (site.counters()["article"], len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0)
            if not quiet or quiet[-1][1] != state:
                quiet.append((time.monotonic(), state))
            return state[1] > 0 and time.monotonic() - quiet[-1][0] > 1.0

        # 1. SIGKILL once the newest articles (first listing pages, sitemap) are archived and
        # the second listing pages (slowed down) are not read yet: archived out of listing
        # order, as the kill left it; 2. SIGKILL a few articles into the rerun;
        # 3. SIGTERM a few articles into the next; then a rerun to the end.
        second_pages = [section_path(s.slug) + "page/2/" for s in SECTIONS]
        for path in second_pages:
            site.set_fault(path, delay=10.0)
        for condition, signum in (
            (stored_all_it_could, signal.SIGKILL),
            (articles_served(3), signal.SIGKILL),
            (articles_served(2), signal.SIGTERM),
        ):
            site.reset_counters()
            code, err = _stop_when(_start(world.server, tmp_path), condition, signum)
            site.clear_faults()
            assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 1), err[-3000:]
            assert "Traceback" not in err
        site.delay = 0.0
        result = crawl(world.server, tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        site.delay = 0.0
        site.clear_faults()
    runs = pq.read_table(tmp_path / "runs.parquet").sort_by("started_at").to_pylist()
    assert [r["completed"] for r in runs] == [False, False, False, True]
    assert_same(tmp_path, world.reference)
    assert_one_version_each(tmp_path)

    # A page naming no category, refetched (its lastmod moved) in a run that skips every
    # listing (nothing new): the listings' stored members give the same sections, no version.
    post_id = min(site.uncategorized & set(site.post_ids))
    before = content(tmp_path)
    site.edit_article(post_id)
    site.reset_counters()
    result = crawl(world.server, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = pq.read_table(tmp_path / "runs.parquet").sort_by("started_at").to_pylist()[-1]
    # No section listing asked (second pages the first run asked may still be answered late).
    assert not any(site.hits(section_path(s.slug)) for s in SECTIONS)
    assert (run["pages_downloaded"], run["articles_changed"]) == (1, 0)
    after = content(tmp_path)
    assert after[f"{world.server.url}/{post_id}"]["sections"] == before[f"{world.server.url}/{post_id}"]["sections"]
    assert_one_version_each(tmp_path)


def test_a_fatal_signal_leaves_a_traceback(tmp_path: Path) -> None:
    site = DemoSite(rest_api=False)
    site.delay = 0.1
    with serve(site) as server:
        code, err = _stop_when(_start(server, tmp_path), lambda: site.counters()["article"] >= 1, signal.SIGABRT)
    assert code == -signal.SIGABRT
    # faulthandler: the fatal error and where each thread was, instead of nothing.
    assert "Fatal Python error: Aborted" in err
    assert re.search(r'File ".*\.py", line \d+', err), err[-2000:]
