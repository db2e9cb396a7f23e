"""The crawl plan without Scrapy: how far each listing is walked, what is asked, and sections."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.archive.schema import LISTINGS
from crawler.archive.writer import Archive
from crawler.discovery import Section, SitemapEntry
from crawler.plan import (
    WALK_CUT,
    WALK_END,
    WALK_SKIPPED,
    WALK_STOPPED,
    CrawlPlan,
    Fetch,
    ListingRecord,
    RunRecord,
    runs_of,
)
from crawler.revisit import RevisitPolicy

SITE = "https://ncmes.org"
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
AFRICA = Section("الشؤون الأفريقية", f"{SITE}/category/africa/")
HORN = Section("القرن الأفريقي", f"{SITE}/category/africa/horn/")
INTL = Section("شؤون دولية", f"{SITE}/category/intl/")
MENU = [AFRICA, HORN, INTL]


@dataclass
class Known:
    status: str = "live"
    last_fetched: dt.datetime | None = NOW - dt.timedelta(days=1)
    sitemap_lastmod: dt.datetime | None = None
    published: dt.date | None = dt.date(2020, 1, 1)  # old: never due under the policy
    fetch_url: str | None = None
    sections: tuple[str, ...] = ()


def url(n: int) -> str:
    return f"{SITE}/{n}"


def posts(*ids: int, slash: bool = True) -> list[tuple[str, bool]]:
    return [(url(n), slash) for n in ids]


def run(n: int, completed: bool = True, limit_reached: bool = False) -> RunRecord:
    return RunRecord(f"run{n}", NOW - dt.timedelta(days=10 - n), completed, limit_reached)


def policy(runs: list[RunRecord]) -> RevisitPolicy:
    whole = [r.started_at for r in runs if r.whole]
    return RevisitPolicy(
        recent_days=14, medium_days=90, medium_every=3, every_runs=10, listings_every_runs=10,
        run_starts=[r.started_at for r in runs], last_completed_start=max(whole) if whole else None,
        now=NOW,
    )


def make_plan(
    runs: list[RunRecord], listings: list[ListingRecord], known: dict[str, Known], **kw: object
) -> CrawlPlan:
    return CrawlPlan(
        SITE, policy=policy(runs), known=known, listings=listings, runs=runs,
        use_sitemap=False, use_rest=False, use_feed=False, **kw,  # type: ignore[arg-type]
    )


def first_phase(plan: CrawlPlan, home_posts: list[tuple[str, bool]], menu: list[Section] = MENU) -> list[Fetch]:
    (home,) = plan.start()
    return plan.on_home(home, menu, home_posts)


def listing_fetches(fetches: list[Fetch]) -> dict[str, Fetch]:
    return {f.listing: f for f in fetches if f.kind == "listing"}  # type: ignore[misc]


def articles(fetches: list[Fetch]) -> set[str]:
    return {f.canonical for f in fetches if f.kind == "article"}  # type: ignore[misc]


def walked(listing: str, run_id: str, members: list[int], last_walk: str = WALK_END) -> ListingRecord:
    section = next(s for s in MENU if s.url == listing)
    return ListingRecord(
        url=listing, section=section.name, position=MENU.index(section),
        parent=AFRICA.url if section is HORN else None, members=[url(n) for n in members],
        end_run=run_id, last_walk=last_walk, last_run=run_id,
    )


# Archived: posts 1..30. The Africa listing (3 pages of 10) lists 1..30, newest (30) first.
ARCHIVED = {url(n): Known() for n in range(1, 31)}
AFRICA_PAGES = [list(range(30, 20, -1)), list(range(20, 10, -1)), list(range(10, 0, -1))]


def walk_africa(plan: CrawlPlan, fetch: Fetch, pages: list[list[int]]) -> list[int]:
    """Answer the Africa listing's pages as long as the plan asks them; the pages it asked."""
    asked = []
    while fetch is not None:
        asked.append(fetch.page)
        ids = pages[fetch.page - 1]
        more = f"{AFRICA.url}page/{fetch.page + 1}/" if fetch.page < len(pages) else None
        out = plan.on_listing(fetch, posts(*ids), more)
        fetch = next((f for f in out if f.kind == "listing"), None)  # type: ignore[assignment]
    return asked


def previous(run_id: str) -> list[ListingRecord]:
    return [
        walked(AFRICA.url, run_id, list(range(1, 31))),
        walked(HORN.url, run_id, list(range(1, 11))),
        walked(INTL.url, run_id, []),
    ]


@pytest.mark.parametrize(
    ("runs", "cut"),
    [
        ([run(1)], True),  # the walk to the end was in a whole run
        ([run(1), run(2)], True),  # and so was every run since
        ([run(1), run(2, completed=False)], False),  # interrupted (SIGTERM, SIGKILL)
        ([run(1), run(2, limit_reached=True)], False),  # --limit stopped it
        ([run(1, completed=False)], False),  # the walk's own run failed or was killed
        ([run(1, limit_reached=True), run(2)], False),
    ],
    ids=["complete", "complete-twice", "interrupted", "limited", "failed", "limited-then-complete"],
)
def test_a_listing_is_cut_short_only_after_whole_runs(runs: list[RunRecord], cut: bool) -> None:
    plan = make_plan(runs, previous("run1"), dict(ARCHIVED))
    # A new post on the home page: the listings are walked.
    fetches = listing_fetches(first_phase(plan, posts(31, 30)))
    assert set(fetches) == {AFRICA.url, HORN.url, INTL.url}
    asked = walk_africa(plan, fetches[AFRICA.url], [[31, *range(30, 21, -1)], *AFRICA_PAGES[1:], list(range(1, 0, -1))])
    # Page 1 holds a new post; page 2 only archived ones: the rest is older and archived.
    assert asked == ([1, 2] if cut else [1, 2, 3, 4])
    assert plan.walks[AFRICA.url].outcome == (WALK_CUT if cut else WALK_END)


def test_a_listing_whose_last_walk_failed_is_walked_to_its_end() -> None:
    listings = previous("run1")
    listings[0].last_walk, listings[0].last_run = WALK_STOPPED, "run2"  # run 2 whole, page failed
    plan = make_plan([run(1), run(2)], listings, dict(ARCHIVED))
    fetches = listing_fetches(first_phase(plan, posts(31)))
    assert walk_africa(plan, fetches[AFRICA.url], AFRICA_PAGES) == [1, 2, 3]


def test_nothing_new_skips_trusted_listings_and_walks_the_others() -> None:
    listings = previous("run1")[:2]  # INTL was never walked
    plan = make_plan([run(1)], listings, dict(ARCHIVED))
    fetches = first_phase(plan, posts(30, 29))
    assert set(listing_fetches(fetches)) == {INTL.url}
    assert plan.walks[AFRICA.url].outcome == WALK_SKIPPED
    assert not plan.discovery_complete
    plan.on_listing(listing_fetches(fetches)[INTL.url], [], None)
    assert plan.discovery_complete
    # A skipped listing keeps its members: a page naming no category keeps its sections.
    assert plan.listed_sections()[url(5)] == [AFRICA.name, HORN.name]


def test_an_interrupted_run_walks_every_listing_even_when_nothing_is_new() -> None:
    plan = make_plan([run(1), run(2, completed=False)], previous("run1"), dict(ARCHIVED))
    assert set(listing_fetches(first_phase(plan, posts(30, 29)))) == {AFRICA.url, HORN.url, INTL.url}


def test_full_mode_walks_every_listing_to_its_end() -> None:
    plan = make_plan([run(1)], previous("run1"), dict(ARCHIVED), mode="full")
    fetches = first_phase(plan, posts(30))
    assert walk_africa(plan, listing_fetches(fetches)[AFRICA.url], AFRICA_PAGES) == [1, 2, 3]
    assert articles(fetches) >= set(ARCHIVED)  # every known article is asked again


def test_listing_state_for_the_next_run() -> None:
    plan = make_plan([run(1)], previous("run1"), dict(ARCHIVED))
    fetches = listing_fetches(first_phase(plan, posts(31)))
    walk_africa(plan, fetches[AFRICA.url], [[31, *range(30, 21, -1)], *AFRICA_PAGES[1:]])  # cut at 2
    plan.on_listing(fetches[HORN.url], posts(31, 10, 9), None)  # the whole listing: post 31 moved in
    # INTL's page never answers: the run ends before (SIGTERM).
    records = {r.url: r for r in plan.listing_records("run2")}
    africa, horn, intl = records[AFRICA.url], records[HORN.url], records[INTL.url]
    assert (africa.last_walk, africa.end_run, africa.last_run) == (WALK_CUT, "run1", "run2")
    assert set(africa.members) == {url(n) for n in range(1, 32)}  # seen + last known
    assert (horn.last_walk, horn.end_run) == (WALK_END, "run2")
    assert set(horn.members) == {url(n) for n in (31, 10, 9)}  # a full walk replaces them
    assert (intl.last_walk, intl.end_run) == (WALK_STOPPED, "run1")
    assert horn.parent == AFRICA.url and africa.parent is None
    assert [r.position for r in (africa, horn, intl)] == [0, 1, 2]


def test_sections_do_not_depend_on_the_order_pages_arrive_in() -> None:
    # Post 7 is in the Horn (a child) and so in Africa (its parent), post 8 in Africa and
    # International, post 9 only in International.
    pages = {
        AFRICA.url: [posts(8, 7), posts(5)],
        HORN.url: [posts(7)],
        INTL.url: [posts(9, 8)],
    }
    results = set()
    for seed in range(6):
        plan = make_plan([], [], {})
        fetches = listing_fetches(first_phase(plan, posts(9, 8, 7)))
        queue = list(fetches.values())
        rng = random.Random(seed)
        while queue:
            fetch = queue.pop(rng.randrange(len(queue)))
            listing_pages = pages[fetch.listing]  # type: ignore[index]
            more = f"{fetch.listing}page/{fetch.page + 1}/" if fetch.page < len(listing_pages) else None
            assert not plan.discovery_complete
            queue += [f for f in plan.on_listing(fetch, listing_pages[fetch.page - 1], more) if f.kind == "listing"]
        assert plan.discovery_complete
        sections = plan.listed_sections()
        results.add(tuple(sorted((u, tuple(s)) for u, s in sections.items())))
    (only,) = results
    assert dict(only) == {
        url(7): (AFRICA.name, HORN.name), url(8): (AFRICA.name, INTL.name),
        url(9): (INTL.name,), url(5): (AFRICA.name,),
    }


def test_discovery_is_complete_only_when_every_discovery_fetch_is_answered() -> None:
    plan = CrawlPlan(SITE, policy=policy([]), known={}, use_rest=False, use_feed=False)
    home, sitemap = plan.start()
    fetches = plan.on_home(home, [INTL], posts(1))
    assert not fetches or all(f.kind == "article" for f in fetches)  # listings wait for the sitemap
    out = plan.on_failure(sitemap)  # wp-sitemap.xml failed: the fallback is asked
    assert [f.url for f in out] == [f"{SITE}/sitemap_index.xml"]
    out = plan.on_sitemap(out[0], [], [SitemapEntry(url(2), NOW)])
    (listing,) = [f for f in out if f.kind == "listing"]
    assert not plan.discovery_complete
    plan.on_failure(listing)
    assert plan.discovery_complete and plan.walks[INTL.url].outcome == WALK_STOPPED


def test_due_pending_and_limit() -> None:
    known = dict(ARCHIVED)
    known[url(3)] = Known(published=NOW.date())  # recent: due every run
    known[url(4)] = Known(status="removed")  # withdrawn: asked only when listed again
    listings = previous("run1")
    listings[2].members = [url(40)]  # listed last time, never archived (a failed fetch)
    plan = make_plan([run(1)], listings, known)
    fetches = first_phase(plan, posts(30))
    assert articles(fetches) == {url(3), url(40)}
    limited = make_plan([run(1)], listings, known, limit=1)
    assert len(articles(first_phase(limited, posts(30)))) == 1 and limited.limit_reached


def test_recheck_needs_every_listing_walked_or_the_sitemap() -> None:
    known = {url(n): Known() for n in (1, 2, 3)}
    plan = make_plan([run(1)], [], known, mode="incremental")
    fetches = listing_fetches(first_phase(plan, posts(1), menu=[INTL]))
    assert plan.recheck() == []  # discovery not complete yet
    plan.on_listing(fetches[INTL.url], posts(1, 2), None)
    (fetch,) = plan.recheck()
    assert (fetch.canonical, fetch.recheck) == (url(3), True)
    assert plan.recheck() == []  # once

    stopped = make_plan([run(1)], [], known)
    fetch_ = listing_fetches(first_phase(stopped, posts(1), menu=[INTL]))[INTL.url]
    stopped.on_failure(fetch_)
    assert stopped.recheck() == []  # a listing failed: what it did not show is not news


def test_url_forms() -> None:
    known = {url(1): Known(fetch_url=url(1))}
    plan = CrawlPlan(SITE, policy=policy([]), known=known, use_rest=False, use_feed=False)
    home, sitemap = plan.start()
    # Links mostly without a slash, one with: the majority decides for posts the sitemap
    # has not named yet.
    out = plan.on_home(home, [], [(url(2), False), (url(3), False), (url(4), True)])
    assert {f.canonical: f.url for f in out if f.kind == "article"} == {
        url(2): url(2), url(3): url(3), url(4): url(4),
    }
    # The sitemap gives WordPress's permalink: it wins for its posts.
    out = plan.on_sitemap(sitemap, [], [SitemapEntry(url(5) + "/", None), SitemapEntry(url(6) + "/", None)])
    assert {f.canonical: f.url for f in out if f.kind == "article"} == {url(5): url(5) + "/", url(6): url(6) + "/"}
    # A known article is asked in the form that answered last time.
    assert plan.request_url(url(1)) == url(1)
    # What answered this run outweighs links and other posts' permalinks.
    plan.on_article_answer(url(2), url(2) + "/")
    assert plan.request_url(url(7)) == url(7) + "/"


def test_nested_listings_come_from_the_menu_paths() -> None:
    plan = make_plan([], [], {})
    first_phase(plan, posts(1))
    assert plan.walks[HORN.url].record.parent == AFRICA.url
    assert plan.walks[INTL.url].record.parent is None


def test_plan_state_is_per_site() -> None:
    rows = [
        {"run_id": "a", "site": SITE, "mode": "incremental", "started_at": NOW, "completed": True},
        {"run_id": "b", "site": "https://en.ncmes.org", "mode": "incremental", "started_at": NOW, "completed": False},
        {"run_id": "c", "site": SITE, "mode": "reextract", "started_at": NOW, "completed": True},
        {"run_id": "d", "site": SITE, "mode": "full", "started_at": NOW, "completed": True, "limit_reached": True},
    ]
    assert [(r.run_id, r.whole) for r in runs_of(rows, SITE)] == [("a", True), ("d", False)]
    # Another site's articles are not this site's: never asked, never rechecked.
    plan = make_plan([], [], {"https://en.ncmes.org/5": Known(), url(5): Known()})
    assert set(plan.known) == {url(5)}


def test_cut_short_decision_ignores_what_this_run_stored() -> None:
    # "Archived" means archived when the run began: posts this run stores while the listing
    # is walked (in whatever order answers arrive) do not shorten the walk.
    known = dict(ARCHIVED)
    plan = make_plan([run(1)], previous("run1"), known)
    fetches = listing_fetches(first_phase(plan, posts(33)))
    for n in (31, 32, 33):
        known[url(n)] = Known()  # stored by the pipeline before page 1 is read
    page1 = [33, 32, 31, *range(30, 23, -1)]
    assert walk_africa(plan, fetches[AFRICA.url], [page1, list(range(23, 13, -1)), list(range(13, 3, -1))]) == [1, 2]


def test_listing_state_is_kept_per_site_in_the_archive(tmp_path: Path) -> None:
    english = "https://en.ncmes.org"
    with Archive(tmp_path).lock() as archive:
        archive.write_listings(SITE, [r.row(SITE) for r in previous("run1")])
        archive.write_listings(english, [walked(INTL.url, "e1", [1]).row(english)])
        # A later run of the Arabic edition replaces its own rows only.
        archive.write_listings(SITE, [walked(AFRICA.url, "run2", [1, 2]).row(SITE)])
        with pytest.raises(ValueError):
            archive.write_listings(SITE, [walked(AFRICA.url, "x", []).row(english)])
    reread = Archive(tmp_path)
    assert [(r["url"], r["end_run"], r["members"]) for r in reread.read_listings(SITE)] == [
        (AFRICA.url, "run2", [url(1), url(2)]),
    ]
    (row,) = reread.read_listings(english)
    assert ListingRecord.from_row(row).members == [url(1)]
    assert pq.read_schema(tmp_path / "listings.parquet").equals(LISTINGS, check_metadata=True)
