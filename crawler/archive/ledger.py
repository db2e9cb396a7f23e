"""Pure versioning: an article's state and one outcome in, the rows to write and the new
state out (versions, change events, removals, failures, warnings); no files, no clock."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from crawler.archive import rows
from crawler.archive.changes import changed_digests, fingerprint
from crawler.archive.rows import Row, WarcPlace, utc

MODES = ("incremental", "full", "reextract")
STAGES = ("fetch", "parse", "store")
ChangeKind = Literal["added", "changed", "unchanged"]


@dataclass
class ArticleState:
    """What the archive keeps in memory of one article URL: its version, status and crawl
    state, and what a fetched page must show to be that article (crawler.identity.judge
    reads post_id, word_count and title); not its content (articles.parquet and versions/
    hold that)."""

    url: str
    content_hash: str
    version: int
    status: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    last_changed: dt.datetime
    run_id: str
    sections: list[str] = field(default_factory=list)
    published: dt.date | None = None
    last_fetched: dt.datetime | None = None
    etag: str | None = None
    http_last_modified: str | None = None
    sitemap_lastmod: dt.datetime | None = None
    fetch_url: str | None = None
    # The series prefix extraction proposed (kept in versions/); articles.parquet shows it
    # only when it recurs, see crawler.archive.snapshot.
    series_candidate: str | None = None
    # One short digest per hashed field (crawler.archive.changes.fingerprint), to name what
    # changed; None until needed for an article loaded from disk.
    digests: tuple[str, ...] | None = None
    post_id: int | None = None
    word_count: int = 0
    title: str = ""


@dataclass(frozen=True)
class KnownArticle:
    """What the crawl plan and the spider may read of an archived article: a frozen copy,
    never the writer's state."""

    status: str
    last_fetched: dt.datetime | None
    sitemap_lastmod: dt.datetime | None
    published: dt.date | None
    fetch_url: str | None
    etag: str | None
    http_last_modified: str | None

    @classmethod
    def of(cls, state: ArticleState) -> KnownArticle:
        return cls(
            status=state.status, last_fetched=state.last_fetched,
            sitemap_lastmod=state.sitemap_lastmod, published=state.published,
            fetch_url=state.fetch_url, etag=state.etag,
            http_last_modified=state.http_last_modified,
        )


@dataclass(frozen=True)
class Outcome:
    """What recording one captured page did."""

    url: str
    change: ChangeKind
    fields: list[str]
    version: int


@dataclass
class Entries:
    """The rows one outcome adds: versions/ rows, changes/ rows, the latest content of an
    article seen unchanged (for the next snapshot), warnings."""

    versions: list[Row] = field(default_factory=list)
    changes: list[Row] = field(default_factory=list)
    content: list[Row] = field(default_factory=list)
    warnings: list[Row] = field(default_factory=list)


@dataclass
class Validators:
    """How the site answered a fetch: what to ask it next time."""

    etag: str | None = None
    http_last_modified: str | None = None
    sitemap_lastmod: dt.datetime | None = None
    fetch_url: str | None = None


def state_from_version(row: Mapping[str, Any], prev: ArticleState | None) -> ArticleState:
    """The state a version row of versions/ puts its article in (crash recovery)."""
    seen = row["seen_at"]
    return ArticleState(
        url=row["url"],
        content_hash=row["content_hash"],
        version=row["version"],
        sections=list(row["sections"]),
        published=row["published"],
        run_id=row["run_id"],
        status="live",
        first_seen=prev.first_seen if prev else seen,
        last_seen=seen,
        last_changed=seen,
        last_fetched=seen,
        # The validators of the answer this version was read from (schema 1.3; null in
        # older parts, and then the next crawl downloads the page and confirms it). Those
        # of the old snapshot describe an older response.
        etag=row.get("etag"),
        http_last_modified=row.get("http_last_modified"),
        sitemap_lastmod=prev.sitemap_lastmod if prev else None,
        fetch_url=prev.fetch_url if prev else None,
        series_candidate=row["series"],
        digests=fingerprint(row)[1],
        post_id=row["post_id"],
        word_count=row["word_count"],
        title=row["title"],
    )


def changed_fields(prev: ArticleState | None, digests: tuple[str, ...]) -> list[str]:
    """The hashed fields in which `digests` differ from the article's current version (none
    named when the current version's digests are not known)."""
    if prev is None or not prev.digests or not digests:
        return []
    return changed_digests(prev.digests, digests)


class Ledger:
    """Every article's state and the run's counts; each method takes one outcome and
    returns the rows it adds. The caller supplies times and the run id."""

    def __init__(self, states: Iterable[ArticleState] = ()) -> None:
        self.state: dict[str, ArticleState] = {s.url: s for s in states}
        self.counts: Counter[str] = Counter()

    def known(self) -> Mapping[str, KnownArticle]:
        """A frozen view of every article, for the crawl plan."""
        return MappingProxyType({url: KnownArticle.of(s) for url, s in self.state.items()})

    def needs_digests(self, url: str, digest: str) -> ArticleState | None:
        """The article whose per-field digests must be loaded (by the caller, from disk)
        before a capture of content `digest` can name what changed; else None."""
        prev = self.state.get(url)
        if prev is not None and prev.content_hash != digest and prev.digests is None:
            return prev
        return None

    # -- captures -------------------------------------------------------------------------

    def capture(
        self, content: Row, fingerprint: tuple[str, tuple[str, ...]], at: dt.datetime, run_id: str,
        *, warnings: Iterable[str] = (), warc: WarcPlace | None = None,
        answer: Validators | None = None,
    ) -> tuple[Outcome, Entries]:
        """A page fetched from the site now: the article is live and seen at `at`."""
        url = content["url"]
        digest, digests = fingerprint
        answer = answer or Validators()
        entries = self._warnings(url, warnings, at, run_id)
        prev = self.state.get(url)
        if prev is not None and prev.content_hash == digest:
            prev.status = "live"
            prev.last_seen = at
            _touch(prev, at, answer)
            return self._unchanged(prev, content, fingerprint, at, run_id, entries)
        state = self._next_version(prev, content, fingerprint, at, run_id)
        state.status, state.last_seen = "live", at
        _touch(state, at, answer)
        return self._versioned(prev, state, content, warc, entries)

    def reextract(
        self, content: Row, fingerprint: tuple[str, tuple[str, ...]], at: dt.datetime, run_id: str,
        *, warnings: Iterable[str] = (), warc: WarcPlace | None = None,
    ) -> tuple[Outcome, Entries]:
        """A raw capture already archived, extracted again (`at` is the capture's time): the
        article's status, last_seen and crawl state stay as they are."""
        url = content["url"]
        prev = self.state.get(url)
        if prev is None:
            raise ValueError(f"cannot re-extract {url}: not in the archive")
        entries = self._warnings(url, warnings, at, run_id)
        if prev.content_hash == fingerprint[0]:
            return self._unchanged(prev, content, fingerprint, at, run_id, entries)
        state = self._next_version(prev, content, fingerprint, at, run_id)
        state.status, state.last_seen = prev.status, prev.last_seen
        state.last_fetched = prev.last_fetched
        state.etag, state.http_last_modified = prev.etag, prev.http_last_modified
        return self._versioned(prev, state, content, warc, entries)

    def _warnings(self, url: str, warnings: Iterable[str], at: dt.datetime, run_id: str) -> Entries:
        entries = Entries()
        for text in warnings:
            entries.warnings.append(self.warning(run_id, url, text, at))
        return entries

    def _unchanged(
        self, prev: ArticleState, content: Row, fingerprint: tuple[str, tuple[str, ...]],
        at: dt.datetime, run_id: str, entries: Entries,
    ) -> tuple[Outcome, Entries]:
        prev.series_candidate = content["series"]
        # Unhashed, refreshed like articles.parquet's content at the next snapshot.
        prev.post_id, prev.word_count = content["post_id"], content["word_count"]
        if prev.digests is None:
            prev.digests = fingerprint[1]
        # The columns outside the hash (related, links, dates from metadata...) are
        # refreshed in articles.parquet at the next snapshot.
        entries.content.append(rows.version(
            content, content_hash=prev.content_hash, number=prev.version, seen_at=at,
            run_id=run_id, warc=None, etag=prev.etag, http_last_modified=prev.http_last_modified,
        ))
        self.counts["articles_unchanged"] += 1
        return Outcome(prev.url, "unchanged", [], prev.version), entries

    @staticmethod
    def _next_version(
        prev: ArticleState | None, content: Row, fingerprint: tuple[str, tuple[str, ...]],
        at: dt.datetime, run_id: str,
    ) -> ArticleState:
        return ArticleState(
            url=content["url"],
            content_hash=fingerprint[0],
            version=1 if prev is None else prev.version + 1,
            status="live",
            first_seen=prev.first_seen if prev else at,
            last_seen=at,
            last_changed=at,
            run_id=run_id,
            sections=content["sections"],
            published=content["published"],
            series_candidate=content["series"],
            sitemap_lastmod=prev.sitemap_lastmod if prev else None,
            fetch_url=prev.fetch_url if prev else None,
            digests=fingerprint[1],
            post_id=content["post_id"],
            word_count=content["word_count"],
            title=content["title"],
        )

    def _versioned(
        self, prev: ArticleState | None, state: ArticleState, content: Row,
        warc: WarcPlace | None, entries: Entries,
    ) -> tuple[Outcome, Entries]:
        fields = changed_fields(prev, state.digests or ())
        change: ChangeKind = "added" if prev is None else "changed"
        self.state[state.url] = state
        entries.versions.append(rows.version(
            content, content_hash=state.content_hash, number=state.version,
            seen_at=state.last_changed, run_id=state.run_id, warc=warc, etag=state.etag,
            http_last_modified=state.http_last_modified,
        ))
        entries.changes.append(
            rows.change(state.run_id, state.url, change, fields, state.version, state.last_changed)
        )
        self.counts[f"articles_{change}"] += 1
        return Outcome(state.url, change, fields, state.version), entries

    # -- answers without content ----------------------------------------------------------

    def not_modified(self, url: str, at: dt.datetime, answer: Validators) -> bool:
        """A 304 for a known article: seen again, unchanged. False for an unknown URL."""
        state = self.state.get(url)
        if state is None:
            return False
        state.last_seen = state.last_fetched = at
        state.status = "live"
        # A 304 may omit validators; keep the ones we have then.
        if answer.etag is not None:
            state.etag = answer.etag
        if answer.http_last_modified is not None:
            state.http_last_modified = answer.http_last_modified
        if answer.sitemap_lastmod is not None:
            state.sitemap_lastmod = utc(answer.sitemap_lastmod)
        if answer.fetch_url is not None:
            state.fetch_url = answer.fetch_url
        self.counts["articles_unchanged"] += 1
        return True

    def removed(self, url: str, at: dt.datetime, http_status: int, run_id: str) -> Row | None:
        """A 404/410 for a known live article: status removed, history kept; the change row,
        or None when there is nothing to remove."""
        if http_status not in (404, 410):
            raise ValueError(f"only 404 or 410 removes an article, not {http_status}")
        state = self.state.get(url)
        if state is None or state.status == "removed":
            return None
        _mark_removed(state, at)
        self.counts["articles_removed"] += 1
        return rows.change(run_id, url, "removed", [], state.version, at)

    def failure(self, run_id: str, url: str, stage: str, error: str, at: dt.datetime) -> Row:
        """A page that failed in this run; never touches the article's state."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
        self.counts["failures"] += 1
        return rows.failure(run_id, url, stage, error, at)

    def warning(self, run_id: str | None, url: str, text: str, at: dt.datetime) -> Row:
        """An extraction warning worth a look; not part of the content."""
        self.counts["warnings"] += 1
        return rows.warning(run_id, url, text, at)

    # -- crash recovery -------------------------------------------------------------------

    def recover_version(self, row: Mapping[str, Any], logged: bool) -> Row | None:
        """A version found in versions/ ahead of the snapshot (a run killed before it): the
        article moves to it; the change row, when the kill also lost the change event."""
        prev = self.state.get(row["url"])
        if prev is not None and row["version"] <= prev.version:
            return None
        state = state_from_version(row, prev)
        self.state[row["url"]] = state
        if logged:
            return None
        fields = changed_fields(prev, state.digests or ())
        kind = "added" if prev is None else "changed"
        return rows.change(row["run_id"], row["url"], kind, fields, row["version"], row["seen_at"])

    def recover_removal(self, url: str, version: int, at: dt.datetime) -> None:
        """A removal logged after the snapshot was taken (its time is after the article was
        last seen live) is applied: the kill came before the snapshot that showed it."""
        state = self.state.get(url)
        if state is not None and state.status == "live" and state.version == version and at > state.last_seen:
            _mark_removed(state, at)


def _mark_removed(state: ArticleState, at: dt.datetime) -> None:
    state.status = "removed"
    state.last_fetched = at
    state.etag = state.http_last_modified = None


def _touch(state: ArticleState, at: dt.datetime, answer: Validators) -> None:
    state.last_fetched = at
    if answer.fetch_url is not None:
        state.fetch_url = answer.fetch_url
    # The response's validators replace the old ones, even by None: a validator the
    # server no longer sends must not be replayed.
    state.etag = answer.etag
    state.http_last_modified = answer.http_last_modified
    if answer.sitemap_lastmod is not None:
        state.sitemap_lastmod = utc(answer.sitemap_lastmod)
