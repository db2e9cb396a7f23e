"""`check [--repair]` and damage: each damaged file is named, read commands answer, a crawl
falls back to the safe choice, and repair then a crawl gives what a fresh crawl would."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from crawler.archive import cdxj
from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from tests.conftest import crawl, run_cli
from tests.damage import garbage, truncate

EVERY_RUN = ["-s", "NCMES_REVISIT_EVERY_RUNS=1"]


@dataclass
class Crawled:
    site: DemoSite
    server: DemoServer
    archive: Path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    site = DemoSite(sitemap=False, rest_api=False)
    archive = tmp_path_factory.mktemp("check") / "archive"
    with serve(site) as server:
        assert crawl(server, archive, *EVERY_RUN).returncode == 0
        site.edit_article(site.post_ids[2], title="عنوان معدل")
        assert crawl(server, archive, *EVERY_RUN).returncode == 0
        yield Crawled(site, server, archive)


def _cut_warc_tail(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:-200])


def _last_warc(archive: Path) -> Path:
    return sorted((archive / "warc").glob("*.warc.gz"))[-1]


# case -> (file damaged, how, whether a crawl still runs on it unrepaired)
DERIVABLE: dict[str, tuple[Callable[[Path], Path], Callable[[Path], None]]] = {
    "truncated listings": (lambda a: a / "listings.parquet", truncate),
    "truncated articles": (lambda a: a / "articles.parquet", truncate),
    "garbage runs": (lambda a: a / "runs.parquet", garbage),
    "truncated index": (lambda a: a / "warc" / "index.cdxj", truncate),
    "torn WARC tail": (_last_warc, _cut_warc_tail),
    "garbage search index": (lambda a: a / "search.sqlite", garbage),
}
# Indexes that a crawl brings up to date by itself, without a warning.
REINDEXED = ("truncated index", "garbage search index")


def _versions(archive: Path) -> Counter:
    table = ds.dataset(archive / "versions", format="parquet").to_table(columns=["url", "version", "content_hash"])
    return Counter(zip(*(table[c].to_pylist() for c in table.column_names), strict=True))


@pytest.fixture(scope="module")
def fresh(crawled: Crawled, tmp_path_factory: pytest.TempPathFactory) -> Counter:
    """What one more crawl of the undamaged archive holds."""
    copy = tmp_path_factory.mktemp("fresh") / "archive"
    shutil.copytree(crawled.archive, copy)
    assert crawl(crawled.server, copy, *EVERY_RUN).returncode == 0
    return _versions(copy)


def test_a_sound_archive_checks_sound(crawled: Crawled) -> None:
    result = run_cli("check", "--archive", str(crawled.archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sound" in result.stdout


@pytest.mark.parametrize("case", list(DERIVABLE))
def test_damage_is_named_read_past_and_repaired_to_what_a_fresh_crawl_gives(
    crawled: Crawled, fresh: Counter, tmp_path: Path, case: str
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(crawled.archive, archive)
    where, how = DERIVABLE[case]
    damaged = where(archive)
    how(damaged)
    rel = str(damaged.relative_to(archive))
    stats = run_cli("stats", "--archive", str(archive))
    assert stats.returncode == 0 and "Traceback" not in stats.stderr, stats.stderr
    # The damaged Parquet tables are named; an index, the search index or a torn WARC tail
    # (derived, or read past) are not a reader's concern.
    warned = stats.stderr.strip().splitlines()
    if damaged.suffix == ".parquet":
        assert len(warned) == 1 and damaged.name in warned[0], stats.stderr
    else:
        assert warned == [], stats.stderr
    check = run_cli("check", "--archive", str(archive))
    assert check.returncode == 1
    named = [line for line in check.stdout.splitlines() if line.startswith(rel + ":")]
    assert named, check.stdout
    assert len(check.stderr.strip().splitlines()) == 1 and "--repair" in check.stderr
    if case not in REINDEXED:
        # Unrepaired, a crawl falls back to the safe choice and says so; what it replaces
        # or cuts off is kept in damaged/.
        on_damage = tmp_path / "unrepaired"
        shutil.copytree(archive, on_damage)
        result = crawl(crawled.server, on_damage, *EVERY_RUN)
        assert result.returncode == 0, result.stderr[-2000:]
        if case == "torn WARC tail":
            [tail] = (on_damage / "damaged").rglob("*.warc.gz.tail")
            assert tail.stat().st_size == damaged.stat().st_size - cdxj.whole_prefix(damaged)
        else:
            assert rel in result.stderr and "warning" in result.stderr
            assert (on_damage / "damaged" / next((on_damage / "damaged").iterdir()).name / rel).exists()
        assert _versions(on_damage) == fresh
        assert run_cli("check", "--archive", str(on_damage)).returncode == 0
    repaired = run_cli("check", "--repair", "--archive", str(archive))
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired" in repaired.stdout and "sound" in repaired.stdout
    # Nothing deleted: what was damaged is in damaged/.
    assert any((archive / "damaged").rglob("*"))
    assert run_cli("check", "--archive", str(archive)).returncode == 0
    if case == "garbage search index":
        found = run_cli("search", "معدل", "--json", "--archive", str(archive))
        assert found.returncode == 0 and json.loads(found.stdout), found.stderr
    result = crawl(crawled.server, archive, *EVERY_RUN)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _versions(archive) == fresh


def test_a_damaged_or_missing_part_is_named_and_never_silently_dropped(crawled: Crawled, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(crawled.archive, archive)
    first, second = sorted((archive / "versions").glob("*.parquet"))[:2]
    garbage(first)
    second.unlink()
    check = run_cli("check", "--archive", str(archive))
    assert check.returncode == 1
    assert f"versions/{first.name}:" in check.stdout
    stats = run_cli("stats", "--archive", str(archive))
    assert stats.returncode == 1 and str(first) in stats.stderr
    assert len(stats.stderr.strip().splitlines()) == 1 and "Traceback" not in stats.stderr
    repaired = run_cli("check", "--repair", "--archive", str(archive))
    # The damaged part is set aside, never deleted; the missing one cannot be made again.
    assert (archive / "damaged").is_dir() and any(p.name == first.name for p in (archive / "damaged").rglob("*"))
    assert repaired.returncode == 1 and "missing" in repaired.stdout
