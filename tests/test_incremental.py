"""Incremental crawls against a site that changes between runs: what is fetched, what is a change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from tests.conftest import crawl, run_cli

# Articles of the snapshot that the scenario edits (any of its old, non-recent posts).
EDIT_BODY, EDIT_NOTE, EDIT_TITLE, GONE_404, GONE_410 = 4571, 4650, 4403, 4017, 4058


@dataclass
class History:
    site: DemoSite
    server: DemoServer
    archive: Path
    runs: list[dict] = field(default_factory=list)
    served: list[dict] = field(default_factory=list)  # the site's counters, per crawl
    new_id: int = 0

    def url(self, post_id: int) -> str:
        return f"{self.server.url}/{post_id}"

    def crawl(self, *extra: str) -> dict:
        self.site.reset_counters()
        result = crawl(self.server, self.archive, *extra)
        assert result.returncode == 0, result.stderr
        self.served.append(self.site.counters())
        self.runs = pq.read_table(self.archive / "runs.parquet").to_pylist()
        return self.runs[-1]

    def changes(self, run: str = "latest") -> list[dict]:
        result = run_cli("changes", "--archive", str(self.archive), "--run", run, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    site = DemoSite()
    with serve(site) as server:
        h = History(site, server, tmp_path_factory.mktemp("archive"))
        h.crawl()  # 1: the first capture
        h.crawl()  # 2: nothing changed
        # The site changes: a new post, edits, withdrawals, and new boilerplate everywhere.
        h.new_id = site.add_article(
            "رؤى بحثية: تحولات المشهد الليبي", ["فقرة أولى عن ليبيا.", "فقرة ثانية[1]."],
            sections=["شؤون دولية"], footnotes=["مصدر جديد. Available at: https://example.org/libya"],
        )
        site.edit_article(EDIT_BODY, body_paragraph=(0, "نص معدل للفقرة الأولى من التقرير[1]."))
        site.edit_article(EDIT_NOTE, footnote=(1, "حاشية معدلة. Available at: https://example.org/new"))
        site.edit_article(EDIT_TITLE, title="رؤى بحثية: عنوان جديد لأزمة اللاجئين")
        site.remove_article(GONE_404, 404)
        site.remove_article(GONE_410, 410)
        site.touch_boilerplate()
        h.crawl()  # 3: after the changes
        h.crawl()  # 4: nothing changed again
        yield h


def test_an_unchanged_recrawl_reports_no_change_and_downloads_no_article(history: History) -> None:
    for index in (1, 3):
        run = history.runs[index]
        assert run["completed"] and run["mode"] == "incremental"
        assert (run["articles_added"], run["articles_changed"], run["articles_removed"]) == (0, 0, 0)
        assert run["pages_downloaded"] == 0
        assert history.served[index]["article"] == 0 or run["not_modified"] == history.served[index]["article"]
    assert history.changes(history.runs[1]["run_id"]) == []


def test_the_site_is_asked_much_less_than_a_full_crawl(history: History) -> None:
    first, unchanged = history.runs[0], history.runs[1]
    # With the sitemap's lastmod the recrawl reads the sitemap and the listings' first pages.
    assert unchanged["requests"] < 0.10 * first["requests"]  # the target; see bench/
    assert history.served[1]["total"] < history.served[0]["total"] / 3


def test_exactly_the_changes_made_are_reported(history: History) -> None:
    events = history.changes(history.runs[2]["run_id"])
    got = {(e["url"], e["change"], tuple(e["fields"])) for e in events}
    assert got == {
        (history.url(history.new_id), "added", ()),
        (history.url(EDIT_BODY), "changed", ("body",)),
        (history.url(EDIT_NOTE), "changed", ("footnotes",)),
        (history.url(EDIT_TITLE), "changed", ("title",)),
        (history.url(GONE_404), "removed", ()),
        (history.url(GONE_410), "removed", ()),
    }
    run = history.runs[2]
    assert (run["articles_added"], run["articles_changed"], run["articles_removed"]) == (1, 3, 2)
    # Only the new and the edited articles' bodies were downloaded; others were not asked,
    # or answered 304.
    assert run["pages_downloaded"] == 4


def test_both_versions_of_a_changed_article_are_kept(history: History) -> None:
    versions = ds.dataset(history.archive / "versions", format="parquet").to_table()
    rows = [r for r in versions.to_pylist() if r["url"] == history.url(EDIT_BODY)]
    assert [r["version"] for r in sorted(rows, key=lambda r: r["version"])] == [1, 2]
    old, new = sorted(rows, key=lambda r: r["version"])
    assert "نص معدل للفقرة الأولى" in new["body"] and "نص معدل" not in old["body"]
    assert old["content_hash"] != new["content_hash"]
    # No article has two rows for one version: the unchanged runs added none.
    keys = list(zip(versions.column("url").to_pylist(), versions.column("version").to_pylist(), strict=True))
    assert len(keys) == len(set(keys))


def test_withdrawn_articles_are_kept_with_their_history(history: History) -> None:
    articles = {r["url"]: r for r in pq.read_table(history.archive / "articles.parquet").to_pylist()}
    for post_id in (GONE_404, GONE_410):
        row = articles[history.url(post_id)]
        assert row["status"] == "removed"
        assert row["body"] and row["version"] == 1
    live = [r for r in articles.values() if r["status"] == "live"]
    assert len(live) == len(history.site.live())
    assert articles[history.url(EDIT_TITLE)]["title"] == "رؤى بحثية: عنوان جديد لأزمة اللاجئين"


def test_boilerplate_changes_are_not_changes(history: History) -> None:
    # The related-posts order changed on every page; a full recrawl refetches them all.
    before = {r["url"]: r for r in pq.read_table(history.archive / "articles.parquet").to_pylist()}
    run = history.crawl("--full")
    assert run["mode"] == "full"
    assert run["pages_downloaded"] == len(history.site.live())
    assert (run["articles_added"], run["articles_changed"]) == (0, 0)
    after = {r["url"]: r for r in pq.read_table(history.archive / "articles.parquet").to_pylist()}
    assert {u: r["version"] for u, r in after.items()} == {u: r["version"] for u, r in before.items()}


def test_diff_shows_the_edit(history: History) -> None:
    result = run_cli("diff", history.url(EDIT_BODY) + "/?utm_source=x", "--archive", str(history.archive))
    assert result.returncode == 0, result.stderr
    assert "+نص معدل للفقرة الأولى من التقرير[1]." in result.stdout
    assert result.stdout.count("\n-") >= 1
    unknown = run_cli("diff", history.server.url + "/1", "--archive", str(history.archive))
    assert unknown.returncode == 1 and len(unknown.stderr.strip().splitlines()) == 1


def test_edits_without_any_change_signal_are_caught_by_the_revisit_policy(tmp_path: Path) -> None:
    site = DemoSite(sitemap=False, rest_api=False, validators=False)
    every = ["-s", "NCMES_REVISIT_EVERY_RUNS=2"]
    with serve(site) as server:
        first = crawl(server, tmp_path, *every)
        assert first.returncode == 0, first.stderr
        site.edit_article(4571, append_paragraph="فقرة أضيفت دون أي إشارة تغيير.", touch_modified=False)
        results = [crawl(server, tmp_path, *every) for _ in range(2)]
        assert all(r.returncode == 0 for r in results)
    runs = pq.read_table(tmp_path / "runs.parquet").to_pylist()
    # Run 2: no article is due yet. Run 3: every article is (2 runs since its last fetch).
    assert runs[1]["pages_downloaded"] == 0
    assert runs[2]["pages_downloaded"] == len(site.live())
    assert runs[2]["articles_changed"] == 1
    changes = json.loads(run_cli("changes", "--archive", str(tmp_path), "--json").stdout)
    assert [(c["url"], c["fields"]) for c in changes] == [(f"{server.url}/4571", ["body"])]


def test_the_rest_api_tells_what_changed_when_there_is_no_sitemap(tmp_path: Path) -> None:
    site = DemoSite(sitemap=False, feed=False)
    with serve(site) as server:
        assert crawl(server, tmp_path).returncode == 0
        site.edit_article(4403, footnote=(1, "حاشية معدلة عبر الواجهة. Available at: https://example.org/rest"))
        site.reset_counters()
        assert crawl(server, tmp_path).returncode == 0
        served = site.counters()
    run = pq.read_table(tmp_path / "runs.parquet").to_pylist()[-1]
    # The edited post came back from /wp-json/wp/v2/posts?modified_after=...; nothing else
    # was due, so it is the only article page asked.
    assert served["rest"] == 1 and served["article"] == 1
    assert (run["pages_downloaded"], run["articles_changed"]) == (1, 1)


def test_changes_since_a_date_covers_every_run_since(history: History) -> None:
    today = history.runs[0]["started_at"].date().isoformat()
    result = run_cli("changes", "--archive", str(history.archive), "--since", today, "--json")
    events = json.loads(result.stdout)
    assert {e["run_id"] for e in events} == {history.runs[0]["run_id"], history.runs[2]["run_id"]}
    assert sum(e["change"] == "added" for e in events) == len(history.site.live()) + 2
    table = run_cli("changes", "--archive", str(history.archive), "--run", history.runs[2]["run_id"])
    assert table.returncode == 0 and "removed" in table.stdout and "footnotes" in table.stdout
