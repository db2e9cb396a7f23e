"""Pure crawl decisions: what to fetch, how far to walk each listing, when discovery is complete.

The spider reports what the site answered (the home page's menu and posts, sitemap entries,
REST entries, listing pages, failures); the plan answers with the fetches to make, and at the
end says what the next run needs (each listing's members and how its walk ended). No Scrapy,
no clock, no I/O: everything it knows comes in through its constructor and its `on_*` calls,
so it is tested without a crawl (tests/test_plan.py).

The rules (README, "Incremental crawls"):
- A listing may be cut short (stop paging at a page whose articles were all archived before
  the run) or skipped (nothing new anywhere) only when an earlier run walked it to its end and
  every run of the site since then, that one included, completed without being stopped by
  --limit. After an interrupted, failed or limited run every listing is walked to its end.
- An article page that names no category gets the sections of the listings that list it,
  decided once discovery is complete: this run's walk of each listing, plus, for a listing cut
  short, skipped or stopped by a failure, the members it had when last walked (a full walk
  replaces them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from crawler.discovery import Section, SitemapEntry, link_slash
from crawler.revisit import RevisitPolicy
from crawler.urls import canonical_url, post_id_from_url

WALK_END = "end"  # the last page was read
WALK_CUT = "cut"  # stopped at a page of archived articles (trusted listing)
WALK_STOPPED = "stopped"  # a page failed, the page guard was hit, or the run ended first
WALK_SKIPPED = "skipped"  # not walked this run (nothing new, trusted listing); never persisted

# Sitemap children that list no posts (WordPress core and Yoast names).
_NO_POST_SITEMAPS = ("taxonom", "user", "author", "category", "tag", "posts-page", "page-sitemap")
REST_MAX_PAGES = 100


class KnownArticle(Protocol):
    """What the plan reads of an archived article (the archive's KnownArticle, a frozen copy
    of its state)."""

    status: str
    last_fetched: dt.datetime | None
    sitemap_lastmod: dt.datetime | None
    published: dt.date | None
    fetch_url: str | None


@dataclass(frozen=True)
class RunRecord:
    """One earlier crawl run of the site (runs.parquet)."""

    run_id: str
    started_at: dt.datetime
    completed: bool
    limit_reached: bool = False

    @property
    def whole(self) -> bool:
        """Finished by itself, with every article it found asked."""
        return self.completed and not self.limit_reached


@dataclass
class ListingRecord:
    """What the archive keeps of one section listing between runs (listings.parquet)."""

    url: str  # the listing's first page, as the menu links it
    section: str
    parent: str | None = None
    position: int = 0
    members: list[str] = field(default_factory=list)
    end_run: str | None = None  # the last run whose walk reached the end
    last_walk: str | None = None  # end, cut or stopped
    last_run: str | None = None  # the run of that walk

    def row(self, site: str) -> dict[str, Any]:
        return {
            "site": site, "url": self.url, "section": self.section, "parent": self.parent,
            "position": self.position, "members": sorted(set(self.members)),
            "end_run": self.end_run, "last_walk": self.last_walk, "last_run": self.last_run,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ListingRecord:
        return cls(
            url=row["url"], section=row["section"], parent=row.get("parent"),
            position=int(row.get("position") or 0), members=list(row.get("members") or []),
            end_run=row.get("end_run"), last_walk=row.get("last_walk"), last_run=row.get("last_run"),
        )


@dataclass(frozen=True)
class Fetch:
    """One request the plan wants made; `kind` names the spider callback that reads it."""

    kind: str  # home | sitemap | rest | feed | listing | article
    url: str  # the URL to request, in the form to request
    canonical: str | None = None  # article: the archive's URL
    listing: str | None = None  # listing: its first page (canonical)
    page: int = 1
    since: dt.datetime | None = None  # rest: modified_after
    fallback: str | None = None  # sitemap: where to look when this one is missing
    conditional: bool = False  # article: send the archived validators
    recheck: bool = False  # article: asked because the site no longer lists it
    source: str = ""  # article: where the URL came from (sitemap, listing, home, ...)


@dataclass
class _Walk:
    record: ListingRecord
    may_cut: bool
    seen: set[str] = field(default_factory=set)
    outcome: str | None = None  # None while pages are still coming (or never started)
    started: bool = False


class CrawlPlan:
    """The decisions of one crawl run of one site."""

    def __init__(
        self,
        site: str,
        *,
        policy: RevisitPolicy,
        known: Mapping[str, KnownArticle],
        listings: Iterable[ListingRecord] = (),
        runs: Iterable[RunRecord] = (),
        mode: str = "incremental",
        limit: int = 0,
        use_sitemap: bool = True,
        use_rest: bool = True,
        use_feed: bool = True,
        max_listing_pages: int = 1000,
    ) -> None:
        self.site = site
        self.policy = policy
        self.mode = mode
        self.limit = limit
        self.use_sitemap = use_sitemap
        self.use_rest = use_rest
        self.use_feed = use_feed
        self.max_listing_pages = max_listing_pages
        # Only this site's articles: an archive may hold another edition's or a mirror's.
        self.known = {url: state for url, state in known.items() if canonical_url(url, site) == url}
        # "Archived" for the cut-short rule means archived before this run began: what this
        # run stores must not change how far this run walks.
        self.archived = frozenset(url for url, s in self.known.items() if s.status == "live")
        self.previous: dict[str, ListingRecord] = {r.url: r for r in listings}
        self.runs = sorted(runs, key=lambda r: (r.started_at, r.run_id))

        self.requested: set[str] = set()
        self.articles_requested = 0
        self.limit_reached = False
        self.listed: set[str] = set()  # posts the site lists now (any source, this run)
        self.lastmod: dict[str, dt.datetime] = {}  # sitemap and REST change signals
        self.walks: dict[str, _Walk] = {}  # this run's listings, by first page
        self.new_seen = False
        self.home_ok = False
        self.home_posts = 0
        self.sitemap_read = False
        self.sitemap_lastmods = 0
        self.rest_read = False
        self.rechecked = False
        self._menu: list[ListingRecord] | None = None
        self._open = 0  # discovery fetches asked and not yet answered
        self._phase_open = 0  # of which first-phase fetches (home, sitemap, REST)
        self._phase_done = False
        self._sections: dict[str, list[str]] | None = None
        # URL forms: per post, the form the sitemap or REST gives (WordPress's permalink);
        # site-wide, what answered and what links use.
        self._permalink_slash: dict[str, bool] = {}
        self._answered: Counter[bool] = Counter()
        self._permalinks: Counter[bool] = Counter()
        self._links: Counter[bool] = Counter()

    # -- trust in earlier walks -----------------------------------------------------------

    def trusted(self, listing_url: str) -> bool:
        """Whether the listing may be cut short or skipped: an earlier run walked it to its end
        and every run since, that one included, was whole (and walked it legitimately)."""
        if self.mode == "full":
            return False
        prev = self.previous.get(listing_url)
        if prev is None or prev.end_run is None or prev.last_walk not in (WALK_END, WALK_CUT):
            return False
        ids = [r.run_id for r in self.runs]
        if prev.end_run not in ids:
            return False
        return all(r.whole for r in self.runs[ids.index(prev.end_run):])

    # -- the first phase: home, sitemap, REST ---------------------------------------------

    def start(self) -> list[Fetch]:
        out = [self._discovery(Fetch("home", self.site + "/"), phase=True)]
        if self.use_sitemap:
            out.append(self._discovery(
                Fetch("sitemap", self.site + "/wp-sitemap.xml", fallback=self.site + "/sitemap_index.xml"),
                phase=True,
            ))
        since = self.policy.changed_since()
        if self.use_rest and self.mode == "incremental" and since is not None:
            # Posts modified since this site's last whole run (WordPress 5.7+).
            out.append(self._discovery(self.rest_fetch(since, 1), phase=True))
        return out

    def rest_fetch(self, since: dt.datetime, page: int) -> Fetch:
        stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        url = (
            f"{self.site}/wp-json/wp/v2/posts?modified_after={stamp}&per_page=100"
            f"&page={page}&_fields=id,link,modified_gmt"
        )
        return Fetch("rest", url, since=since, page=page)

    def _discovery(self, fetch: Fetch, phase: bool = False) -> Fetch:
        self._open += 1
        if phase:
            self._phase_open += 1
        return fetch

    def _answered_discovery(self, fetch: Fetch, phase: bool) -> list[Fetch]:
        self._open -= 1
        if phase:
            self._phase_open -= 1
            if self._phase_open == 0 and not self._phase_done:
                self._phase_done = True
                return self._after_first_phase()
        return []

    def _is_phase(self, fetch: Fetch) -> bool:
        return fetch.kind in ("home", "sitemap", "rest")

    def on_home(self, fetch: Fetch, sections: list[Section], posts: list[tuple[str, bool]]) -> list[Fetch]:
        """The home page answered: its menu names the section listings, its posts the newest."""
        self.home_ok = True
        self._menu = _listing_records(sections)
        self.home_posts = len(posts)
        out = self._consider(posts, "home")
        return out + self._answered_discovery(fetch, phase=True)

    def on_sitemap(self, fetch: Fetch, children: list[str], entries: list[SitemapEntry]) -> list[Fetch]:
        out: list[Fetch] = []
        for child in children:
            name = child.rsplit("/", 1)[-1].lower()
            if canonical_url(child, self.site) is not None and not any(w in name for w in _NO_POST_SITEMAPS):
                out.append(self._discovery(Fetch("sitemap", child), phase=True))
        posts = self._entries(entries, permalink=True)
        if entries:
            self.sitemap_read = True
        self.listed.update(url for url, _ in posts)
        out += self._consider(posts, "sitemap")
        return out + self._answered_discovery(fetch, phase=True)

    def on_sitemap_missing(self, fetch: Fetch) -> list[Fetch]:
        """404 or 410 (or a failure) for a sitemap: try the fallback name once."""
        out = []
        if fetch.fallback:
            out.append(self._discovery(Fetch("sitemap", fetch.fallback), phase=True))
        return out + self._answered_discovery(fetch, phase=True)

    def on_rest(self, fetch: Fetch, entries: list[SitemapEntry], total_pages: int | None) -> list[Fetch]:
        """A REST answer: posts modified since `since`; total_pages from X-WP-TotalPages (None
        when the answer is not the posts API's)."""
        if total_pages is not None:
            self.rest_read = True
        posts = self._entries(entries, permalink=True)
        out = self._consider(posts, "rest")
        if fetch.since is not None and fetch.page < min(total_pages or 1, REST_MAX_PAGES):
            out.append(self._discovery(self.rest_fetch(fetch.since, fetch.page + 1), phase=True))
        return out + self._answered_discovery(fetch, phase=True)

    def on_feed(self, fetch: Fetch, links: list[str]) -> list[Fetch]:
        posts = self._entries([SitemapEntry(link, None) for link in links], permalink=False)
        self.listed.update(url for url, _ in posts)
        return self._consider(posts, "feed") + self._answered_discovery(fetch, phase=False)

    def _entries(self, entries: list[SitemapEntry], permalink: bool) -> list[tuple[str, bool]]:
        posts: dict[str, bool] = {}
        for entry in entries:
            canon = canonical_url(entry.loc, self.site)
            if canon is None or post_id_from_url(canon) is None:
                continue
            slash = link_slash(entry.loc)
            posts.setdefault(canon, slash)
            if permalink:
                self._permalink_slash[canon] = slash
            if entry.lastmod is not None:
                previous = self.lastmod.get(canon)
                self.lastmod[canon] = max(entry.lastmod, previous) if previous else entry.lastmod
                self.sitemap_lastmods += 1
        if permalink:
            self._permalinks.update(posts.values())
        return list(posts.items())

    def _after_first_phase(self) -> list[Fetch]:
        out: list[Fetch] = []
        # The listings: the menu's, else (home page failed, or no menu) the ones last known.
        records = self._menu or sorted(self.previous.values(), key=lambda r: r.position)
        walk_all = (
            self.mode == "full"
            or not self.known
            or self.new_seen
            or self.home_posts == 0
            or self.policy.listing_walk_due()
        )
        for record in records:
            trusted = self.trusted(record.url)
            walk = _Walk(record, may_cut=trusted and self.mode == "incremental")
            self.walks[record.url] = walk
            if trusted and not walk_all:
                # Nothing new on the home page (the newest posts of every section) nor in the
                # sitemap or REST: a listing walked to its end before shows nothing new.
                walk.outcome = WALK_SKIPPED
                continue
            walk.started = True
            out.append(self._discovery(Fetch("listing", record.url, listing=record.url, page=1)))
        # Known articles due for a check (all of them with --full), listed this run or not.
        for url in sorted(self.known):
            if url in self.requested or not (url in self.archived or self.mode == "full"):
                continue  # a withdrawn article is asked again only when the site lists it
            if self._wants(url):
                fetch = self._article(url, "due")
                if fetch is not None:
                    out.append(fetch)
        # Posts a listing showed before that the archive still lacks (a failed fetch, --limit).
        pending = sorted({u for r in self.previous.values() for u in r.members} - set(self.known))
        out += self._consider([(u, self._slash(u)) for u in pending], "pending")
        signals_missing = self.sitemap_lastmods == 0 and not self.rest_read
        if self.use_feed and (signals_missing or not self.known or self.mode == "full"):
            out.append(self._discovery(Fetch("feed", self.site + "/feed/")))
        return out

    # -- listings -------------------------------------------------------------------------

    def on_listing(
        self, fetch: Fetch, posts: list[tuple[str, bool]], next_page: str | None
    ) -> list[Fetch]:
        """One listing page: its posts (canonical, slash) in page order and the URL of the next
        page if the page links one."""
        assert fetch.listing is not None
        walk = self.walks[fetch.listing]
        urls = [url for url, _ in posts]
        fresh = [url for url in urls if url not in walk.seen]
        walk.seen.update(urls)
        self.listed.update(urls)
        out = self._consider(posts, "listing")
        if not urls or not fresh:
            walk.outcome = WALK_END  # an empty or repeating page: the listing's end (or a loop)
        elif walk.may_cut and all(url in self.archived for url in urls):
            # Newest first, and every run since a walk to the end was whole: a page of
            # archived articles means the rest of the listing is archived too.
            walk.outcome = WALK_CUT
        elif fetch.page >= self.max_listing_pages:
            walk.outcome = WALK_STOPPED
        elif next_page is not None:
            out.append(self._discovery(
                Fetch("listing", next_page, listing=fetch.listing, page=fetch.page + 1)
            ))
        else:
            walk.outcome = WALK_END
        return out + self._answered_discovery(fetch, phase=False)

    # -- failures -------------------------------------------------------------------------

    def on_failure(self, fetch: Fetch) -> list[Fetch]:
        """A fetch failed (after retries) or answered an error status."""
        if fetch.kind == "article":
            return []
        if fetch.kind == "sitemap":
            return self.on_sitemap_missing(fetch)
        if fetch.kind == "listing" and fetch.listing in self.walks:
            self.walks[fetch.listing].outcome = WALK_STOPPED
        return self._answered_discovery(fetch, phase=self._is_phase(fetch))

    # -- articles -------------------------------------------------------------------------

    def _consider(self, posts: Iterable[tuple[str, bool]], source: str) -> list[Fetch]:
        posts = list(posts)
        if source in ("home", "listing", "feed"):
            # The whole page's votes first: its first post's form alone says little.
            self._links.update(slash for _, slash in posts)
        out = []
        for url, _ in posts:
            if url in self.requested:
                continue
            if url not in self.known:
                self.new_seen = True
            if not self._wants(url):
                continue
            fetch = self._article(url, source)
            if fetch is not None:
                out.append(fetch)
        return out

    def _wants(self, url: str) -> bool:
        """New, changed, due, withdrawn and listed again, or --full."""
        state = self.known.get(url)
        if state is None or self.mode == "full":
            return True
        if state.status != "live":
            return True
        return self.policy.is_due(state, self.lastmod.get(url))

    def _article(self, url: str, source: str, recheck: bool = False) -> Fetch | None:
        if self.limit and self.articles_requested >= self.limit:
            self.limit_reached = True
            return None
        self.requested.add(url)
        self.articles_requested += 1
        state = self.known.get(url)
        conditional = state is not None and self.mode != "full" and state.status == "live"
        return Fetch(
            "article", self.request_url(url), canonical=url, conditional=conditional,
            recheck=recheck, source=source,
        )

    # -- URL forms ------------------------------------------------------------------------

    def _slash(self, url: str) -> bool:
        """The form to ask a post in: the permalink the sitemap or REST gives, else the form
        the site answered in this run, else the form most permalinks, then most links, use;
        WordPress's default (`/%post_id%/`) when nothing is known."""
        if url in self._permalink_slash:
            return self._permalink_slash[url]
        for votes in (self._answered, self._permalinks, self._links):
            if votes[True] != votes[False]:
                return votes[True] > votes[False]
        return True

    def request_url(self, url: str) -> str:
        """The URL to request for a canonical article URL: the form that answered last time,
        else the form decided by _slash."""
        state = self.known.get(url)
        remembered = state.fetch_url if state is not None else None
        if remembered and canonical_url(remembered, self.site) == url:
            return remembered
        return url + "/" if self._slash(url) else url

    def on_article_answer(self, url: str, answered_url: str) -> None:
        """An article answered (200 or 304) at answered_url, after any redirect."""
        if canonical_url(answered_url, self.site) is not None:
            self._answered[link_slash(answered_url)] += 1

    # -- the end of discovery -------------------------------------------------------------

    @property
    def discovery_complete(self) -> bool:
        """Every discovery fetch answered and every listing walk ended: listing evidence is final."""
        return self._phase_done and self._open == 0

    def members(self, listing_url: str) -> set[str]:
        """A listing's members as this run knows them: a walk to the end gives them all; a walk
        cut short, skipped or stopped adds what it saw to the members last known."""
        walk = self.walks[listing_url]
        if walk.outcome == WALK_END:
            return set(walk.seen)
        prev = self.previous.get(listing_url)
        return set(walk.seen) | set(prev.members if prev else ())

    def listed_sections(self) -> dict[str, list[str]]:
        """Per article URL, the sections of every listing that lists it, in menu order. Final
        only once discovery_complete (and then computed once)."""
        if self._sections is not None:
            return self._sections
        out: dict[str, list[str]] = {}
        for walk in sorted(self.walks.values(), key=lambda w: (w.record.position, w.record.url)):
            for url in self.members(walk.record.url):
                names = out.setdefault(url, [])
                if walk.record.section not in names:
                    names.append(walk.record.section)
        if self.discovery_complete:
            self._sections = out
        return out

    def recheck(self) -> list[Fetch]:
        """Known live articles the site no longer lists, asked once discovery is complete: a
        withdrawal shows at once. Only when this run saw every listed post: the whole sitemap,
        or every listing walked to its end."""
        if self.rechecked or not self.discovery_complete:
            return []
        self.rechecked = True
        walked_all = bool(self.walks) and self.home_ok and all(
            w.outcome == WALK_END for w in self.walks.values()
        )
        if not (walked_all or self.sitemap_read):
            return []
        out = []
        for url in sorted(self.archived - self.listed - self.requested):
            fetch = self._article(url, "recheck", recheck=True)
            if fetch is not None:
                out.append(fetch)
        return out

    def listing_records(self, run_id: str) -> list[ListingRecord]:
        """What to persist for the next run: every listing of this run with its members and how
        its walk ended, and the listings known before that this run did not see, unchanged."""
        out = []
        for url, walk in self.walks.items():
            prev = self.previous.get(url)
            record = ListingRecord(
                url=url, section=walk.record.section, parent=walk.record.parent,
                position=walk.record.position, members=sorted(self.members(url)),
                end_run=prev.end_run if prev else None,
                last_walk=prev.last_walk if prev else None,
                last_run=prev.last_run if prev else None,
            )
            if walk.started:
                record.last_walk = walk.outcome or WALK_STOPPED  # a walk the run's end cut off
                record.last_run = run_id
                if walk.outcome == WALK_END:
                    record.end_run = run_id
            out.append(record)
        for url, prev in self.previous.items():
            if url not in self.walks:
                out.append(prev)
        return out


def _listing_records(sections: list[Section]) -> list[ListingRecord]:
    """The menu's sections as listings, in menu order; a listing whose path extends another's
    is nested under it (`/category/africa/horn/` under `/category/africa/`)."""
    records = []
    paths = {s.url: urlsplit(s.url).path.rstrip("/") + "/" for s in sections}
    for position, section in enumerate(sections):
        path = paths[section.url]
        parents = [u for u, p in paths.items() if u != section.url and path.startswith(p)]
        parent = max(parents, key=lambda u: len(paths[u])) if parents else None
        records.append(ListingRecord(
            url=section.url, section=section.name, parent=parent, position=position,
        ))
    return records


def runs_of(rows: Iterable[Mapping[str, Any]], site: str) -> list[RunRecord]:
    """This site's crawl runs from runs.parquet rows (re-extraction runs ask no site)."""
    return [
        RunRecord(
            run_id=row["run_id"], started_at=row["started_at"], completed=bool(row["completed"]),
            limit_reached=bool(row.get("limit_reached")),
        )
        for row in rows
        if row["site"] == site and row["mode"] != "reextract"
    ]
