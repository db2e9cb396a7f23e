"""Researcher exports: each format read back with real readers, filters, and the data card."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from crawler.archive.schema import ARTICLES
from crawler.archive.store import CRAWL_STATE_COLUMNS, Archive
from crawler.dataset import ReportError
from crawler.dataset import export as export_view
from crawler.extraction.record import ArticleRecord, Footnote
from tests.factories import article_record

SITE = "https://ncmes.org"
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
TITLE = "رؤى بحثية: التحولات الإقليمية في الشرق الأوسط"


def make_record(n: int, **over: object) -> ArticleRecord:
    own = {
        "title": f"{TITLE} {n}",
        "body": 'الفقرة الأولى، فيها "اقتباس" وفاصلة [1]\n- بند\nالفقرة الأخيرة',
        "authors": ["أحمد علي", "سارة محمود"],
        "published": dt.date(2025, n, 5),
        "published_at": dt.datetime(2025, n, 5, 8, 0, tzinfo=dt.UTC),
        "footnotes": [Footnote(1, "المصدر الأول", ["https://example.org/a"]), Footnote(2, "ثان", [])],
    }
    return article_record(n, **{**own, **over})


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    """Four articles: Jan-Mar 2025 in two sections, one without a date, one removed."""
    root = tmp_path / "archive"
    a = Archive(root)
    a.begin_run(SITE, "incremental")
    a.record_article(make_record(1), fetched_at=T0, etag='"e1"')
    a.record_article(make_record(2, sections=["تقارير"]), fetched_at=T0)
    a.record_article(make_record(3), fetched_at=T0)
    a.record_article(make_record(4, published=None, published_at=None), fetched_at=T0)
    a.record_removed(f"{SITE}/4573", T0, 410)
    a.finish_run(True, {})
    return Archive(root, create=False)


def test_parquet_keeps_nested_types(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "out" / "ncmes.parquet", "parquet")
    table = pq.read_table(out)
    assert len(table) == 3  # removed one left out
    for name in CRAWL_STATE_COLUMNS:
        assert name not in table.column_names
    for name in table.column_names:
        assert table.schema.field(name).type == ARTICLES.field(name).type
    df = pd.read_parquet(out)
    row = df[df.url == f"{SITE}/4571"].iloc[0]
    assert list(row.sections) == ["دراسات", "رؤى"]
    assert row.footnotes[0]["text"] == "المصدر الأول"
    assert row.title == f"{TITLE} 1"
    ((count, title),) = duckdb.sql(
        f"SELECT count(*), max(title) FROM read_parquet('{out}') WHERE list_contains(sections, 'رؤى')"
    ).fetchall()
    assert count == 2 and title.startswith("رؤى بحثية")
    assert not list(out.parent.glob("*.tmp"))


def test_csv_opens_with_arabic_and_flat_columns(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "ncmes.csv", "csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for UTF-8
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = next(r for r in rows if r["url"] == f"{SITE}/4571")
    assert first["title"] == f"{TITLE} 1"
    assert first["sections"] == "دراسات ; رؤى"
    assert first["authors"] == "أحمد علي ; سارة محمود"
    assert first["footnotes"] == "[1] المصدر الأول\n[2] ثان"
    assert json.loads(first["related"]) == [{"title": "مقال ذو صلة", "url": f"{SITE}/100"}]
    assert first["body"].splitlines()[0] == 'الفقرة الأولى، فيها "اقتباس" وفاصلة [1]'
    assert first["published"] == "2025-01-05"
    undated = next(r for r in rows if r["url"] == f"{SITE}/4574")
    assert undated["published"] == ""
    df = pd.read_csv(out, encoding="utf-8-sig")
    assert len(df) == 3 and set(df.columns) == set(rows[0])
    assert duckdb.sql(f"SELECT count(*) FROM read_csv('{out}')").fetchall() == [(3,)]


def test_jsonl_one_object_per_line(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "ncmes.jsonl", "jsonl")
    lines = out.read_text(encoding="utf-8").splitlines()
    objs = [json.loads(line) for line in lines]
    assert len(objs) == 3
    first = next(o for o in objs if o["url"] == f"{SITE}/4571")
    assert first["published"] == "2025-01-05"
    assert first["published_at"] == "2025-01-05T08:00:00+00:00"
    assert first["footnotes"][0] == {
        "number": 1,
        "text": "المصدر الأول",
        "urls": ["https://example.org/a"],
    }
    assert "الفقرة" in lines[0]  # Arabic written as is, not \\u escapes
    df = pd.read_json(out, lines=True)
    assert len(df) == 3


def test_filters(archive: Archive, tmp_path: Path) -> None:
    def urls(**kw: object) -> set[str]:
        out = export_view.export(archive, tmp_path / "f.parquet", "parquet", **kw)  # type: ignore[arg-type]
        return {u[len(SITE) + 1 :] for u in pq.read_table(out)["url"].to_pylist()}

    assert urls() == {"4571", "4572", "4574"}
    assert urls(include_removed=True) == {"4571", "4572", "4573", "4574"}
    assert urls(section="تقارير") == {"4572"}
    assert urls(section="رؤى", include_removed=True) == {"4571", "4573", "4574"}
    # Undated articles cannot fall inside a date range.
    assert urls(since=dt.date(2025, 2, 1)) == {"4572"}
    assert urls(until=dt.date(2025, 1, 31)) == {"4571"}
    assert urls(since=dt.date(2025, 1, 5), until=dt.date(2025, 2, 5)) == {"4571", "4572"}
    assert urls(section="لا يوجد") == set()


def test_crawl_state_on_request(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "s.parquet", "parquet", include_crawl_state=True)
    table = pq.read_table(out)
    assert table.column_names == ARTICLES.names
    assert '"e1"' in table["etag"].to_pylist()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_data_card(archive: Archive, tmp_path: Path, fmt: str) -> None:
    out = export_view.export(
        archive,
        tmp_path / f"ncmes.{fmt}",
        fmt,  # type: ignore[arg-type]
        section="رؤى",
        since=dt.date(2025, 1, 1),
    )
    card = tmp_path / "ncmes.README.md"
    assert card == export_view.card_path(out) and card.exists()
    text = card.read_text(encoding="utf-8")
    run_id = archive.latest_run_id()
    assert run_id and run_id in text
    assert "rows: 1" in text and "section=رؤى" in text and "since=2025-01-01" in text
    assert SITE in text
    for name in ARTICLES.names:
        if name not in CRAWL_STATE_COLUMNS:
            assert f"`{name}`" in text
            assert export_view.COLUMN_DOCS[name]
    for reader in ("pandas", "polars", "duckdb"):
        assert reader in text
    if fmt == "csv":
        assert "Excel" in text


def test_unknown_format(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="unknown export format"):
        export_view.export(archive, tmp_path / "x.xlsx", "xlsx")  # type: ignore[arg-type]
    assert not list(tmp_path.glob("x*"))
