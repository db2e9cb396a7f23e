"""When a known article is due for a check, for sites that give no (or a stale) change signal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crawler.urls import SiteURLError, site_root

# How far before the last whole run's start a REST `modified_after` query reaches back.
SIGNAL_MARGIN = dt.timedelta(minutes=2)


def _same_site(recorded: str | None, site: str) -> bool:
    try:
        return recorded is not None and site_root(recorded) == site_root(site)
    except SiteURLError:
        return False


@dataclass
class RevisitPolicy:
    """Recent articles every run, older ones less often, every article at least every N runs."""

    recent_days: int
    medium_days: int
    medium_every: int
    every_runs: int
    listings_every_runs: int
    # started_at of the archive's earlier runs, oldest first; "now" is the run being made.
    run_starts: list[dt.datetime]
    last_completed_start: dt.datetime | None
    now: dt.datetime

    @classmethod
    def from_settings(
        cls, settings: Any, archive: Any, now: dt.datetime | None = None, site: str | None = None
    ) -> RevisitPolicy:
        """The policy of one site's crawls: an archive may hold both editions (ncmes.org,
        en.ncmes.org), and only this site's own runs set its schedule and the moment its change
        signals are news from; re-extraction runs ask no site and do not count."""
        site = site or settings.get("NCMES_SITE")
        runs = [
            row for row in archive.read_runs().to_pylist()
            if row.get("mode") != "reextract" and (not site or _same_site(row.get("site"), site))
        ]
        starts = sorted(row["started_at"] for row in runs)
        # A run that --limit stopped short saw changes it did not fetch: not a reference point.
        completed = [row["started_at"] for row in runs if row["completed"] and not row.get("limit_reached")]
        return cls(
            recent_days=settings.getint("NCMES_REVISIT_RECENT_DAYS"),
            medium_days=settings.getint("NCMES_REVISIT_MEDIUM_DAYS"),
            medium_every=max(1, settings.getint("NCMES_REVISIT_MEDIUM_EVERY")),
            every_runs=max(1, settings.getint("NCMES_REVISIT_EVERY_RUNS")),
            listings_every_runs=max(1, settings.getint("NCMES_LISTINGS_EVERY_RUNS")),
            run_starts=starts,
            last_completed_start=max(completed) if completed else None,
            now=now or dt.datetime.now(dt.UTC),
        )

    def changed_since(self) -> dt.datetime | None:
        """The moment after which a change signal (REST modified_after) is news: the start of
        this site's last run that completed without hitting --limit, less SIGNAL_MARGIN.

        The margin covers the site's clock running behind ours and WordPress keeping modified
        times to the second (an edit in the second a run started would fall outside a strict
        `modified_after`); what it lets in twice is only asked when is_due says so.
        """
        if self.last_completed_start is None:
            return None
        return self.last_completed_start - SIGNAL_MARGIN

    def listing_walk_due(self) -> bool:
        """Every LISTINGS_EVERY_RUNS-th run walks every listing even when nothing signals news."""
        return (len(self.run_starts) + 1) % self.listings_every_runs == 0

    def runs_since(self, moment: dt.datetime | None) -> int:
        """Runs started after `moment`, this one included."""
        if moment is None:
            return self.every_runs
        return 1 + sum(1 for start in self.run_starts if start > moment)

    def is_due(self, state: Any, signal: dt.datetime | None) -> bool:
        """A change signal newer than our last fetch, or the article's turn under the policy."""
        last_fetched = state.last_fetched
        if signal is not None:
            # Compare the site's clock with the site's clock where we can (the lastmod we
            # stored last time); our own fetch time only when the site never told us one.
            if state.sitemap_lastmod is not None:
                if signal > state.sitemap_lastmod:
                    return True
            # The site's times are whole seconds: an edit in the second we fetched may be
            # newer than what we got.
            elif last_fetched is None or signal >= last_fetched.replace(microsecond=0):
                return True
        runs = self.runs_since(last_fetched)
        if runs >= self.every_runs:
            return True
        published = state.published
        if published is None:
            return runs >= self.medium_every
        age = (self.now.date() - published).days
        if age <= self.recent_days:
            return True
        if age <= self.medium_days:
            return runs >= self.medium_every
        return False
