"""Change detection (normalise, content_hash, changed_fields) and the changes/diff reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from crawler.archive.changes import changed_fields, content_hash, normalise
from crawler.archive.writer import Archive
from crawler.dataset import ReportError
from crawler.dataset import changes as changes_view
from crawler.dataset import diff as diff_view
from crawler.dataset import stats as stats_view
from crawler.extraction.record import ArticleRecord, Footnote
from tests.factories import article_record

SITE = "https://ncmes.org"
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
T3 = dt.datetime(2026, 3, 1, 9, 5, tzinfo=dt.UTC)


def make_record(n: int = 1, **over: object) -> ArticleRecord:
    simple = {"title": f"عنوان المقال {n}", "series": None, "body": "الفقرة الأولى [1]\nالفقرة الثانية",
              "sections": ["دراسات"], "published_at": None, "footnotes": [Footnote(1, "مصدر", ["https://example.org/a"])],
              "word_count": 5}
    return article_record(n, **{**simple, **over})


# -- normalise and hash -------------------------------------------------------------------


def test_normalise_nfc_bidi_whitespace() -> None:
    decomposed = "\u0627\u0653لقدس"  # alef + combining madda: NFC makes U+0622
    assert normalise(decomposed) == "\u0622لقدس"
    assert normalise("\u200fنص\u200e  مع\u00a0\tفراغات\n\n") == "نص مع فراغات"
    assert normalise("\ufeffa\u200bb\u2067c\u2069") == "abc"
    assert normalise(None) == "" and normalise("") == ""


PINNED_HASH = "fe613d931b87f07adad0157da6ee1a60523965b2607732755fd5e3135f801ae3"


def test_hash_is_pinned_and_stable() -> None:
    # Pinned: a change of the recipe would silently make every article look changed.
    record = make_record()
    assert content_hash(record) == content_hash(make_record())
    assert len(content_hash(record)) == 64
    assert content_hash(record) == PINNED_HASH


def test_hash_same_for_record_and_mapping_forms() -> None:
    record = make_record()
    mapping = dataclasses.asdict(record)  # footnotes as dicts, as Arrow rows give them
    assert content_hash(mapping) == content_hash(record)
    mapping["published"] = dt.datetime(2025, 10, 5, 23, 0)
    assert content_hash(mapping) == content_hash(record)


def test_hash_ignores_noise_and_unhashed_fields() -> None:
    base = content_hash(make_record())
    assert (
        content_hash(make_record(body=" الفقرة\u00a0الأولى [1]\u200f\r\nالفقرة  الثانية ")) == base
    )
    assert content_hash(make_record(related=[], links=[], word_count=99, post_id=None)) == base
    assert content_hash(make_record(modified_at=T0, warnings=["x"])) == base


@pytest.mark.parametrize(
    "over, field",
    [
        ({"title": "عنوان آخر"}, "title"),
        ({"body": "نص آخر"}, "body"),
        ({"footnotes": [Footnote(1, "مصدر آخر", ["https://example.org/a"])]}, "footnotes"),
        ({"footnotes": [Footnote(1, "مصدر", [])]}, "footnotes"),
        ({"footnotes": [Footnote(2, "مصدر", ["https://example.org/a"])]}, "footnotes"),
        ({"authors": []}, "authors"),
        ({"published": dt.date(2025, 5, 10)}, "published"),
        ({"published": None}, "published"),
        ({"sections": ["دراسات", "رؤى"]}, "sections"),
    ],
)
def test_each_hashed_field_counts(over: dict, field: str) -> None:
    old, new = make_record(), make_record(**over)
    assert content_hash(old) != content_hash(new)
    assert changed_fields(old, new) == [field]


def test_changed_fields_order_and_empty() -> None:
    old = make_record()
    new = make_record(sections=["x"], body="b", title="t", published=None)
    assert changed_fields(old, new) == ["title", "body", "published", "sections"]
    assert changed_fields(old, make_record(links=[])) == []


# -- reports ----------------------------------------------------------------------------------


def build(root: Path) -> tuple[Archive, list[str]]:
    """Three runs: add two, change one and remove the other, then change the first again."""
    runs = []
    archive = Archive(root)
    runs.append(
        archive.begin_run(SITE, "incremental", started_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))
    )
    archive.record_article(make_record(1), fetched_at=T0)
    archive.record_article(make_record(2), fetched_at=T0)
    archive.finish_run(True, {})
    runs.append(
        archive.begin_run(SITE, "incremental", started_at=dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC))
    )
    archive.record_article(
        make_record(1, body="الفقرة الأولى [1]\nفقرة معدلة", title="جديد"), fetched_at=T0
    )
    archive.record_removed(f"{SITE}/4572", T0, 404)
    archive.finish_run(True, {})
    runs.append(
        archive.begin_run(SITE, "full", started_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    )
    archive.record_article(
        make_record(1, body="الفقرة الأولى [1]\nفقرة معدلة\nسطر مضاف", title="جديد"),
        fetched_at=T3,
    )
    archive.finish_run(True, {})
    return Archive(root, create=False), runs


def test_changes_latest_run_and_json_shape(tmp_path: Path) -> None:
    archive, runs = build(tmp_path)
    rows = changes_view.changes(archive)
    assert rows == [
        {
            "url": f"{SITE}/4571",
            "change": "changed",
            "fields": ["body"],
            "version": 3,
            "run_id": runs[2],
            "title": "جديد",
            "seen_at": "2026-03-01T09:05:00+00:00",
        }
    ]
    json.dumps(rows)  # the --json output is exactly these dicts
    second = changes_view.changes(archive, run=runs[1])
    assert [(r["change"], r["url"], r["fields"], r["version"], r["title"]) for r in second] == [
        ("changed", f"{SITE}/4571", ["title", "body"], 2, "جديد"),
        ("removed", f"{SITE}/4572", [], 1, "عنوان المقال 2"),  # the title it had when removed
    ]
    first = changes_view.changes(archive, run=runs[0])
    assert [(r["change"], r["version"]) for r in first] == [("added", 1), ("added", 1)]


def test_changes_since_and_unknown_run(tmp_path: Path) -> None:
    archive, runs = build(tmp_path)
    since = changes_view.changes(archive, since=dt.date(2026, 2, 1))
    assert [r["run_id"] for r in since] == [runs[1], runs[1], runs[2]]
    assert len(changes_view.changes(archive, since=dt.date(2025, 1, 1))) == 5
    assert changes_view.changes(archive, since=dt.date(2027, 1, 1)) == []
    with pytest.raises(ReportError, match="no run nope"):
        changes_view.changes(archive, run="nope")
    assert changes_view.changes(Archive(tmp_path / "empty")) == []


def test_format_changes_table(tmp_path: Path) -> None:
    archive, runs = build(tmp_path)
    text = changes_view.format_changes_table(changes_view.changes(archive, run=runs[1]))
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["change", "version", "url", "fields"]
    assert "title, body" in lines[1] and lines[2].startswith("removed")
    assert lines[-1] == "1 changed, 1 removed"
    assert changes_view.format_changes_table([]) == "no changes"


def test_diff_default_last_two(tmp_path: Path) -> None:
    archive, _ = build(tmp_path)
    text = diff_view.diff(archive, f"{SITE}/4571")
    assert f"--- {SITE}/4571 v2" in text and f"+++ {SITE}/4571 v3" in text
    assert "+سطر مضاف" in text
    assert "# changed: body" in text and "## footnotes" not in text  # only what changed


def test_diff_shows_every_hashed_field(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.begin_run(SITE, "incremental", started_at=T0)
    archive.record_article(make_record(1, authors=["د. أحمد علي"]), fetched_at=T0)
    archive.finish_run(True, {})
    archive.begin_run(SITE, "incremental", started_at=T3)
    new = make_record(
        1, authors=["د. أحمد علي", "سارة حسن"], sections=["دراسات", "رؤى"],
        published=dt.date(2025, 10, 7), footnotes=[Footnote(1, "مصدر", ["https://example.org/b"])],
    )
    archive.record_article(new, fetched_at=T3)
    archive.finish_run(True, {})
    text = diff_view.diff(Archive(tmp_path, create=False), f"{SITE}/4571")
    assert "# changed: footnotes, authors, published, sections" in text
    for heading in ("## footnotes", "## authors", "## published", "## sections"):
        assert heading in text
    assert "## title" not in text and "## body" not in text
    assert "~[1] <[-https://example.org/a-]{+https://example.org/b+}>" in text
    assert "+سارة حسن" in text and "+رؤى" in text
    old_date = make_record(1).published.isoformat()
    assert f"-{old_date}\n+2025-10-07" in text


def test_diff_explicit_versions_and_url_forms(tmp_path: Path) -> None:
    archive, _ = build(tmp_path)
    text = diff_view.diff(archive, "https://www.ncmes.org/4571/?utm_source=x#c", 1, 2)
    assert "-عنوان المقال 1" in text and "+جديد" in text
    assert "-الفقرة الثانية" in text and "+فقرة معدلة" in text
    assert diff_view.diff(archive, "https://ncmes.org/?p=4571", 1, 2) == text
    assert diff_view.diff(archive, "/4571", 1, 2) == text
    assert "no differences" in diff_view.diff(archive, f"{SITE}/4571", 2, 2)


def test_diff_single_version_and_errors(tmp_path: Path) -> None:
    archive, _ = build(tmp_path)
    text = diff_view.diff(archive, f"{SITE}/4572")
    assert "only version 1" in text and "diffing against empty" in text
    assert "+عنوان المقال 2" in text
    with pytest.raises(ReportError, match="no article"):
        diff_view.diff(archive, f"{SITE}/1")
    with pytest.raises(ReportError, match=r"has no version 7 \(versions: 1, 2, 3\)"):
        diff_view.diff(archive, f"{SITE}/4571", 7, None)
    with pytest.raises(ReportError, match="not an http"):
        diff_view.diff(archive, "mailto:x@y")


def test_stats(tmp_path: Path) -> None:
    archive, runs = build(tmp_path)
    text = stats_view.stats(archive)
    assert "articles: 2 (1 live, 1 removed)" in text
    assert "دراسات" in text and "2025" in text
    assert f"last run {runs[2]} (full" in text and "completed" in text


def test_a_bare_path_finds_its_edition_in_an_archive_of_both(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a")
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for site, post in (("https://ncmes.org", 4571), ("https://en.ncmes.org", 3691)):
        archive.begin_run(site, "incremental")
        archive.record_article(article_record(1, url=f"{site}/{post}", post_id=post), fetched_at=at)
        archive.finish_run(True)
    # The English edition ran last, yet /4571 is only on the Arabic one.
    assert diff_view.resolve_url(archive, "/4571") == "https://ncmes.org/4571"
    assert diff_view.resolve_url(archive, "3691") == "https://en.ncmes.org/3691"
    assert diff_view.resolve_url(archive, "/1") == "https://en.ncmes.org/1"
