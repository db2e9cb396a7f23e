"""Run health: the circuit breaker that stops a run the site keeps refusing, and the end-of-run verdict (pure state machines).

Each answer of the run is observed with its refusal kind (crawler.identity's kinds, plus
`retry-after`, `site-moved` and `challenge` from the HTTP layer), or None when it was an
answer to use. When most of the recent answers are refusals of one kind, or at once for an
answer no wait can fix (a Retry-After longer than the run accepts, the home page redirected
to another origin), the breaker trips: the run stops early, marks nothing removed, and says
what the site answered. No Scrapy, no clock.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

# Defaults of the NCMES_BREAKER_* settings (docs/identity.md).
WINDOW = 20  # the recent answers looked at
MIN_ANSWERS = 8  # never trip on fewer answers than this
RATIO = 0.75  # trip when this share of the recent answers are refusals of one kind

RETRY_AFTER, SITE_MOVED = "retry-after", "site-moved"
# Kinds that trip the breaker at their first occurrence: waiting or asking again cannot help.
IMMEDIATE = frozenset({RETRY_AFTER, SITE_MOVED})


@dataclass(frozen=True)
class Trip:
    """Why the breaker stopped the run."""

    kind: str
    count: int  # refusals of that kind among the answers looked at
    answers: int  # answers looked at
    example: str  # one URL so answered
    detail: str = ""  # what that answer said, one line

    def describe(self) -> str:
        from crawler.identity import describe_kind

        if self.kind in IMMEDIATE:
            what = f"the site answered {self.detail}"
        else:
            what = f"{describe_kind(self.kind)} in {self.count} of the last {self.answers} answers"
            if self.detail:
                what += f" ({self.detail})"
        return f"{what}, e.g. {self.example}"


@dataclass
class Breaker:
    """Trips when refusals of one kind fill `ratio` of the last `window` answers (at least
    `min_answers` seen), or at once for an IMMEDIATE kind. Once tripped it stays tripped."""

    window: int = WINDOW
    min_answers: int = MIN_ANSWERS
    ratio: float = RATIO
    recent: deque = field(init=False)  # the kinds of the last `window` answers
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)
    totals: Counter = field(default_factory=Counter)  # refusals of the whole run, by kind
    tripped: Trip | None = None

    def __post_init__(self) -> None:
        self.recent = deque(maxlen=self.window)

    def observe(self, kind: str | None, url: str, detail: str = "") -> Trip | None:
        """One answer: None when usable, else its refusal kind. The Trip when this answer
        trips the breaker (only once), else None."""
        self.recent.append(kind)
        if kind is None:
            return None
        self.totals[kind] += 1
        self.examples.setdefault(kind, (url, detail))
        if self.tripped is not None:
            return None
        if kind in IMMEDIATE:
            self.tripped = Trip(kind, 1, len(self.recent), url, detail)
            return self.tripped
        if len(self.recent) < self.min_answers:
            return None
        count = sum(1 for k in self.recent if k == kind)
        if count >= self.ratio * len(self.recent):
            example, said = self.examples[kind]
            self.tripped = Trip(kind, count, len(self.recent), example, said)
            return self.tripped
        return None


# -- the end-of-run verdict -------------------------------------------------------------

# A run is judged on its share of refusals, or on archiving nothing, only once it has
# fetched this many article pages (a small incremental run may fail on one odd page).
SUSPECT_MIN_ANSWERS = 5
# A run that changed more than this share of the known articles it fetched is suspect ...
MASS_CHANGE = 0.5
# ... when it fetched at least this many known articles (an incremental run fetches the
# changed ones, by design).
MASS_CHANGE_MIN = 10


@dataclass(frozen=True)
class Health:
    """What the end-of-run summary says of a run, and whether it did its job."""

    failed: bool  # the run could not do its job: exit status 1
    lines: tuple[str, ...]  # what to look at, one line each


def judge_run(
    *, tripped: Trip | None, refusals: Counter, fetched: int, stored: int, known_fetched: int,
    changed: int, archive_had_articles: bool,
) -> Health:
    """The run's health from its counts. fetched: article pages answered (200 or 304),
    refusals included; stored: those archived (added, changed or unchanged);
    known_fetched: fetched pages of articles the archive held; changed: new versions of
    those."""
    from crawler.identity import describe_kind

    lines: list[str] = []
    failed = False
    refused = sum(refusals.values())
    if tripped is not None:
        failed = True
        lines.append(f"stopped early: {tripped.describe()}; nothing marked removed")
    elif fetched >= SUSPECT_MIN_ANSWERS and refused * 2 > fetched:
        failed = True
        kinds = ", ".join(f"{describe_kind(k)} {n}" for k, n in refusals.most_common())
        lines.append(f"suspect: {refused} of {fetched} article answers refused as not the article ({kinds})")
    if archive_had_articles and fetched >= SUSPECT_MIN_ANSWERS and not stored and not failed:
        failed = True
        lines.append(f"suspect: {fetched} article pages fetched, none archived")
    if known_fetched >= MASS_CHANGE_MIN and changed > MASS_CHANGE * known_fetched:
        lines.append(
            f"suspect: {changed} of the {known_fetched} known articles fetched changed: "
            "look at `ncmes-archive changes` before trusting this run"
        )
    if refused and not failed:
        kinds = ", ".join(f"{describe_kind(k)} {n}" for k, n in refusals.most_common())
        lines.append(f"refused as not the article: {kinds} (see failures.parquet)")
    return Health(failed, tuple(lines))


def run_health(run: dict, stats: dict, breaker: Breaker | None, known_at_start: int) -> Health:
    """judge_run from a finished run's row (runs.parquet) and its Scrapy stats."""
    refused_fetches = sum(breaker.totals.values()) if breaker is not None else 0
    fetched = int(stats.get("ncmes/pages_downloaded", 0)) + int(stats.get("ncmes/not_modified", 0))
    # Refusals before any page was downloaded (a redirect, a challenge answered 403...)
    # are answers too.
    fetched += max(0, refused_fetches - int(stats.get("ncmes/refused", 0)))
    requested = int(stats.get("ncmes/articles_requested", 0))
    known_fetched = max(0, min(fetched, requested - int(stats.get("ncmes/articles_new", 0))))
    return judge_run(
        tripped=breaker.tripped if breaker is not None else None,
        refusals=Counter(breaker.totals) if breaker is not None else Counter(),
        fetched=fetched,
        stored=int(run.get("articles_added") or 0) + int(run.get("articles_changed") or 0)
        + int(run.get("articles_unchanged") or 0),
        known_fetched=known_fetched,
        changed=int(run.get("articles_changed") or 0),
        archive_had_articles=known_at_start > 0,
    )
