"""The ledger without files: versioning, change events, removals and recovery as pure steps."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.archive import rows
from crawler.archive.changes import fingerprint
from crawler.archive.ledger import KnownArticle, Ledger, Validators
from tests.factories import article_record

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RUN = "20260101T000000Z-abcd"


def capture(ledger: Ledger, n: int, at: dt.datetime, run: str = RUN, **over: object):
    record = article_record(n, **over)
    return ledger.capture(
        rows.content(record), fingerprint(record), at, run, warnings=record.warnings,
        warc=("a.warc.gz", 10, "<urn:uuid:1>"), answer=Validators(etag=f'"{at:%s}"'),
    )


def test_a_first_capture_adds_version_one_with_its_rows() -> None:
    ledger = Ledger()
    outcome, entries = capture(ledger, 1, T0)
    assert (outcome.change, outcome.version, outcome.fields) == ("added", 1, [])
    [version] = entries.versions
    assert version["version"] == 1 and version["warc_file"] == "a.warc.gz" and version["seen_at"] == T0
    assert entries.changes == [rows.change(RUN, outcome.url, "added", [], 1, T0)]
    assert entries.content == []
    state = ledger.state[outcome.url]
    assert (state.status, state.first_seen, state.last_changed, state.etag) == ("live", T0, T0, version["etag"])
    assert ledger.counts == {"articles_added": 1}


def test_the_same_content_again_is_unchanged_and_refreshes_only_crawl_state() -> None:
    ledger = Ledger()
    capture(ledger, 1, T0)
    later = T0 + dt.timedelta(days=1)
    outcome, entries = capture(ledger, 1, later, related=[])
    assert (outcome.change, outcome.version) == ("unchanged", 1)
    assert entries.versions == [] and entries.changes == []
    # The unhashed columns (related) go to the next snapshot as the article's latest content.
    assert [r["related"] for r in entries.content] == [[]]
    state = ledger.state[outcome.url]
    assert (state.last_seen, state.last_changed, state.last_fetched) == (later, T0, later)


def test_a_changed_body_makes_a_new_version_naming_the_field() -> None:
    ledger = Ledger()
    capture(ledger, 1, T0)
    outcome, entries = capture(ledger, 1, T0 + dt.timedelta(days=2), body="نص جديد")
    assert (outcome.change, outcome.version, outcome.fields) == ("changed", 2, ["body"])
    assert [c["change"] for c in entries.changes] == ["changed"]
    assert ledger.state[outcome.url].first_seen == T0


def test_removal_needs_404_or_410_and_happens_once() -> None:
    ledger = Ledger()
    outcome, _ = capture(ledger, 1, T0)
    with pytest.raises(ValueError):
        ledger.removed(outcome.url, T0, 500, RUN)
    row = ledger.removed(outcome.url, T0 + dt.timedelta(hours=1), 404, RUN)
    assert row is not None and row["change"] == "removed" and row["version"] == 1
    assert ledger.removed(outcome.url, T0 + dt.timedelta(hours=2), 410, RUN) is None
    assert ledger.removed("https://ncmes.org/unknown", T0, 404, RUN) is None
    state = ledger.state[outcome.url]
    assert (state.status, state.etag) == ("removed", None)
    # Back with the same content: live again, no new version, no event.
    again, entries = capture(ledger, 1, T0 + dt.timedelta(days=1))
    assert again.change == "unchanged" and entries.changes == []
    assert ledger.state[outcome.url].status == "live"


def test_reextraction_keeps_status_and_crawl_state() -> None:
    ledger = Ledger()
    outcome, _ = capture(ledger, 1, T0)
    ledger.removed(outcome.url, T0 + dt.timedelta(days=3), 404, RUN)
    before = ledger.state[outcome.url]
    record = article_record(1, body="نص مستخرج من جديد")
    result, entries = ledger.reextract(rows.content(record), fingerprint(record), T0, "run-2")
    after = ledger.state[outcome.url]
    assert (result.change, result.version) == ("changed", 2)
    assert (after.status, after.last_seen, after.last_fetched, after.etag) == (
        "removed", before.last_seen, before.last_fetched, before.etag,
    )
    with pytest.raises(ValueError):
        unknown = article_record(9)
        ledger.reextract(rows.content(unknown), fingerprint(unknown), T0, "run-2")


def test_not_modified_keeps_validators_the_answer_omits() -> None:
    ledger = Ledger()
    outcome, _ = capture(ledger, 1, T0)
    etag = ledger.state[outcome.url].etag
    later = T0 + dt.timedelta(days=1)
    assert ledger.not_modified(outcome.url, later, Validators(http_last_modified="Mon"))
    state = ledger.state[outcome.url]
    assert (state.etag, state.http_last_modified, state.last_seen) == (etag, "Mon", later)
    assert not ledger.not_modified("https://ncmes.org/unknown", later, Validators())


def test_the_frozen_view_does_not_follow_the_ledger() -> None:
    ledger = Ledger()
    outcome, _ = capture(ledger, 1, T0)
    view = ledger.known()
    assert isinstance(view[outcome.url], KnownArticle)
    capture(ledger, 2, T0)
    ledger.removed(outcome.url, T0 + dt.timedelta(days=1), 404, RUN)
    assert set(view) == {outcome.url} and view[outcome.url].status == "live"
    with pytest.raises(TypeError):
        view["x"] = view[outcome.url]  # type: ignore[index]


def test_failures_and_warnings_count_and_never_touch_state() -> None:
    ledger = Ledger()
    with pytest.raises(ValueError):
        ledger.failure(RUN, "u", "nowhere", "e", T0)
    row = ledger.failure(RUN, "https://ncmes.org/1", "fetch", "HTTP 500\n  twice", T0)
    assert row["error"] == "HTTP 500 twice" and not ledger.state
    ledger.warning(RUN, "https://ncmes.org/1", "odd", T0)
    assert ledger.counts == {"failures": 1, "warnings": 1}


def test_recovery_applies_a_version_ahead_and_restores_a_lost_event() -> None:
    ledger = Ledger()
    capture(ledger, 1, T0)
    record = article_record(1, title="عنوان آخر")
    digest, _ = fingerprint(record)
    row = rows.version(
        rows.content(record), content_hash=digest, number=2, seen_at=T0 + dt.timedelta(days=1),
        run_id="killed", warc=None, etag=None, http_last_modified=None,
    )
    lost = ledger.recover_version(row, logged=False)
    assert lost is not None and (lost["change"], lost["fields"], lost["version"]) == ("changed", ["title"], 2)
    assert ledger.state[record.url].version == 2
    # The same version again (or an older one) changes nothing.
    assert ledger.recover_version(row, logged=False) is None
    ledger.recover_removal(record.url, 2, T0 + dt.timedelta(days=2))
    assert ledger.state[record.url].status == "removed"


# Every sequence of captures, answers and removals keeps the ledger's invariants: versions
# numbered 1, 2, ... per URL with one event each, a new version exactly when the content
# hash changes, and removals only of live articles.
STEP = st.tuples(
    st.sampled_from(["capture", "removed", "not_modified"]),
    st.integers(1, 3),  # which article
    st.integers(0, 2),  # which body
)


@settings(max_examples=200, deadline=None)
@given(st.lists(STEP, max_size=30))
def test_any_history_numbers_versions_and_events_consistently(steps: list[tuple[str, int, int]]) -> None:
    ledger = Ledger()
    versions: dict[str, list[int]] = {}
    events: list[dict] = []
    hashes: dict[str, str] = {}
    for i, (kind, n, body) in enumerate(steps):
        at = T0 + dt.timedelta(hours=i)
        url = article_record(n).url
        if kind == "capture":
            record = article_record(n, body=f"نص {body}")
            digest = fingerprint(record)[0]
            live_before = url in ledger.state and ledger.state[url].status == "live"
            outcome, entries = ledger.capture(rows.content(record), fingerprint(record), at, RUN)
            assert (outcome.change == "unchanged") == (hashes.get(url) == digest)
            if not live_before and url in hashes and hashes[url] == digest:
                assert entries.changes == []  # back from removal, same content: no event
            hashes[url] = digest
            versions.setdefault(url, []).extend(r["version"] for r in entries.versions)
            events += entries.changes
            assert ledger.state[url].status == "live"
        elif kind == "removed":
            was_live = url in ledger.state and ledger.state[url].status == "live"
            row = ledger.removed(url, at, 404, RUN)
            assert (row is not None) == was_live
            events += [row] if row else []
        else:
            assert ledger.not_modified(url, at, Validators()) == (url in ledger.state)
    for url, numbers in versions.items():
        assert numbers == list(range(1, len(numbers) + 1))
        content_events = [e for e in events if e["url"] == url and e["change"] != "removed"]
        assert [e["version"] for e in content_events] == numbers
        assert ledger.state[url].version == numbers[-1]
