"""Researcher exports: dataset folders and single files read back with real readers and compared
with the archive, citations included; filters; the data card and the code it shows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from crawler.archive.reader import CRAWL_STATE_COLUMNS
from crawler.archive.schema import ARTICLES, CITATIONS, SCHEMA_VERSION, VERSIONS
from crawler.archive.writer import Archive
from crawler.dataset import ReportError
from crawler.dataset import export as export_view
from crawler.dataset.export import ExportUsageError
from crawler.dataset.stats import stats
from crawler.extraction.record import ArticleRecord, Footnote
from tests.conftest import run_cli
from tests.factories import article_record
from tests.readme_steps import fenced

SITE = "https://ncmes.org"
T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
TITLE = "رؤى بحثية: التحولات الإقليمية في الشرق الأوسط"
SEED_NOTE = (
    "Atlantic Council experts, ” Experts react: What’s next for US-Turkey ties? “, Atlantic Council. "
    "25 September 2025. Available at: https://www.atlanticcouncil.org/blogs/new-atlanticist/experts-react/ & "
    "Michael Rubin, “Trump’s Love Affair with Erdogan “, American Enterprise Institute. 20 September 2025. "
    "Available at: https://www.aei.org/op-eds/trumps-love-affair/"
)
SEED_URLS = ["https://www.atlanticcouncil.org/blogs/new-atlanticist/experts-react/", "https://www.aei.org/op-eds/trumps-love-affair/"]
FILES = {"README.md", "schema.json", "CITATION.cff"}


def make_record(n: int, **over: object) -> ArticleRecord:
    own = {
        "title": f"{TITLE} {n}",
        "body": 'الفقرة الأولى، فيها "اقتباس" وفاصلة [1]\n- بند\nالفقرة الأخيرة',
        "authors": ["أحمد علي", "سارة محمود"],
        "published": dt.date(2025, n, 5),
        "published_at": dt.datetime(2025, n, 5, 8, 0, tzinfo=dt.UTC),
        "language": "ar",
        "footnotes": [
            Footnote(1, SEED_NOTE, SEED_URLS),
            Footnote(2, "مصدر بلا رابط، القاهرة 2020", []),
        ],
    }
    return article_record(n, **{**own, **over})


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    """Five articles: Jan-Mar 2025 in two sections, one undated, one removed, one English; the
    first changed in a second run (two versions)."""
    root = tmp_path / "archive"
    a = Archive(root)
    a.begin_run(SITE, "incremental")
    a.record_article(make_record(1), fetched_at=T0, etag='"e1"')
    a.record_article(make_record(2, sections=["تقارير"]), fetched_at=T0, etag='"e2"')
    a.record_article(make_record(3), fetched_at=T0)
    a.record_article(make_record(4, published=None, published_at=None), fetched_at=T0)
    a.record_article(
        make_record(5, url="https://en.ncmes.org/5", title="Regional shifts", language="en",
                    sections=["Studies"], footnotes=[Footnote(1, "Reuters, 2024", ["https://reuters.com/x"])]),
        fetched_at=T0,
    )
    a.record_removed(f"{SITE}/4573", T0, 410)
    a.finish_run(True, {})
    a.begin_run(SITE, "incremental")
    a.record_article(make_record(1, body="نص جديد [1]"), fetched_at=T1)
    a.finish_run(True, {})
    return Archive(root, create=False)


def path_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


# -- reading back ---------------------------------------------------------------------------


def _decode(column: dict[str, Any], text: str) -> Any:
    """A CSV cell back to its value, by what schema.json says of the column."""
    if text == "" and column["nullable"] and column["type"] not in ("list", "struct"):
        return None
    kind = column["type"]
    if kind in ("list", "struct"):
        return json.loads(text)
    if kind == "date32[day]":
        return dt.date.fromisoformat(text)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(text)
    if kind.startswith("int"):
        return int(text)
    return text


def _from_json(column: dict[str, Any], value: Any) -> Any:
    if value is None:
        return None
    if column["type"] == "date32[day]":
        return dt.date.fromisoformat(value)
    if column["type"] == "timestamp":
        return dt.datetime.fromisoformat(value)
    return value


def read_back(folder: Path, fmt: str, table: str) -> list[dict[str, Any]]:
    """A table of a dataset folder as Python rows, with pyarrow, csv or json only."""
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    columns = {c["name"]: c for c in schema["tables"][table]["columns"]}
    path = folder / schema["tables"][table]["file"]
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        text = path.read_text(encoding="utf-8")
        return [
            {k: _from_json(columns[k], v) for k, v in json.loads(line).items()}
            for line in text.splitlines()
        ]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [{k: _decode(columns[k], v) for k, v in row.items()} for row in rows]


def expected_citations(articles: list[dict[str, Any]]) -> set[tuple[str, int, str | None]]:
    """Every URL each note cites, once; a note citing none appears once without URL."""
    out = set()
    for a in articles:
        for note in a["footnotes"]:
            for url in note["urls"] or [None]:
                out.add((a["url"], note["number"], url))
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_folder_round_trip(archive: Archive, tmp_path: Path, fmt: str) -> None:
    out = export_view.export(archive, tmp_path / "dataset", fmt, include_removed=True)  # type: ignore[arg-type]
    names = {p.name for p in out.iterdir()}
    assert names == FILES | {f"articles.{fmt}", f"versions.{fmt}", f"citations.{fmt}"}

    state = [
        {k: v for k, v in row.items() if k not in CRAWL_STATE_COLUMNS}
        for row in archive.read_articles().to_pylist()
    ]
    articles = read_back(out, fmt, "articles")
    assert articles == sorted(state, key=lambda r: r["url"])
    assert list(articles[0]) == [n for n in ARTICLES.names if n not in CRAWL_STATE_COLUMNS]

    versions = read_back(out, fmt, "versions")
    assert versions == archive.read_versions().to_pylist()
    assert [v["version"] for v in versions if v["url"] == f"{SITE}/4571"] == [1, 2]

    citations = read_back(out, fmt, "citations")
    assert list(citations[0]) == CITATIONS.names
    assert {(c["url"], c["footnote"], c["source_url"]) for c in citations} == expected_citations(state)
    assert len(citations) == len(expected_citations(state))
    seed = [c for c in citations if c["url"] == f"{SITE}/4571" and c["footnote"] == 1]
    assert [c["source_domain"] for c in seed] == ["atlanticcouncil.org", "aei.org"]
    assert [c["source"].split(",")[0] for c in seed] == ["Atlantic Council experts", "Michael Rubin"]
    assert seed[0]["sections"] == ["دراسات", "رؤى"] and seed[0]["published"] == dt.date(2025, 1, 5)
    assert seed[0]["language"] == "ar" and seed[0]["post_id"] == 4571
    unlinked = next(c for c in citations if c["url"] == f"{SITE}/4571" and c["footnote"] == 2)
    assert unlinked["source"] == "مصدر بلا رابط، القاهرة 2020" and unlinked["source_domain"] is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_parquet_zstd_sorted_with_schema_version(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "d", "parquet", include_removed=True)
    for name, schema in (("articles", ARTICLES), ("versions", VERSIONS), ("citations", CITATIONS)):
        path = out / f"{name}.parquet"
        meta = pq.read_schema(path).metadata
        assert meta[b"ncmes_archive.schema_version"] == SCHEMA_VERSION.encode()
        assert meta[b"ncmes_archive.table"] == name.encode()
        assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
        table = pq.read_table(path)
        urls = table["url"].to_pylist()
        assert urls == sorted(urls)
        for field in table.schema:
            assert field.type == schema.field(field.name).type


def test_csv_for_spreadsheets(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "d", "csv")
    raw = (out / "articles.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for UTF-8
    assert raw.count(b"\xef\xbb\xbf") == 1
    df = pd.read_csv(out / "articles.csv", encoding="utf-8-sig")
    assert list(df.columns)[0] == "url" and len(df) == 4
    row = df[df.url == f"{SITE}/4571"].iloc[0]
    assert json.loads(row.sections) == ["دراسات", "رؤى"]
    assert row.published == "2025-01-05"
    # Every URL a footnote cites is in the row's cell (nothing flattened away).
    notes = json.loads(row.footnotes)
    assert [u for n in notes for u in n["urls"]] == SEED_URLS
    for url in SEED_URLS:
        assert url in row.footnotes
    cites = pd.read_csv(out / "citations.csv", encoding="utf-8-sig")
    assert set(cites.source_domain.dropna()) == {"atlanticcouncil.org", "aei.org", "reuters.com"}


def test_jsonl_is_unescaped_utf8(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "d", "jsonl")
    text = (out / "articles.jsonl").read_text(encoding="utf-8")
    assert "التحولات الإقليمية" in text and "\\u0" not in text
    assert len(text.splitlines()) == 4
    df = pd.read_json(out / "citations.jsonl", lines=True)
    assert len(df) == len(expected_citations(read_back(out, "jsonl", "articles")))


# -- the data card --------------------------------------------------------------------------


def statements(sql: str) -> list[str]:
    """The statements of a SQL block, comments left out."""
    out = []
    for chunk in sql.split(";"):
        body = "\n".join(line for line in chunk.splitlines() if not line.strip().startswith("--"))
        if body.strip():
            out.append(body)
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_card_and_its_code_run(archive: Archive, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = export_view.export(archive, tmp_path / "d", fmt)  # type: ignore[arg-type]
    card = (out / "README.md").read_text(encoding="utf-8")
    for needle in (
        "National Center for Middle East Studies",
        "المركز القومي لدراسات الشرق الأوسط",
        "Cairo",
        "1989",
        "copyright",
        "@misc{",
        "CITATION.cff",
        "Known limits",
        "2025-01-05 to 2025-05-05",  # publication range of the live articles
        "| 2025 | 3 |",
        "| undated | 1 |",
        "| ar | 3 |",
        "| en | 1 |",
        "| تقارير | 1 |",
    ):
        assert needle in card, needle
    for run in archive.read_runs()["run_id"].to_pylist():
        assert run in card
    schema = json.loads((out / "schema.json").read_text(encoding="utf-8"))
    assert schema["schema_version"] == SCHEMA_VERSION and schema["format"] == fmt
    for name, table in schema["tables"].items():
        assert f"`{table['file']}`" in card
        for column in table["columns"]:
            assert f"| `{column['name']}` |" in card
            assert column["description"], (name, column["name"])
        assert [c["name"] for c in table["columns"]] == list(read_back(out, fmt, name)[0])
    cff = yaml.safe_load((out / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["authors"][0]["name"].startswith("National Center for Middle East Studies")
    if fmt == "csv":
        assert "LibreOffice" in card and "65001" in card

    code = {lang: fenced(card, lang) for lang in ("python", "sql")}
    pandas_code, polars_code = code["python"]
    monkeypatch.chdir(out)
    ns: dict[str, Any] = {}
    exec(pandas_code, ns)
    assert ns["articles"]["published"].dtype.kind == "M"  # a datetime64 column
    assert len(ns["articles"]) == 4 and len(ns["versions"]) == 5
    assert list(ns["links"].columns) == ["url", "link_text", "link_url"]
    assert isinstance(ns["articles"]["footnotes"].iloc[0][0]["text"], str)
    ns = {}
    exec(polars_code, ns)
    pl = ns["pl"]
    assert ns["articles"].schema["published"] == pl.Date
    assert ns["citations"].schema["published"] == pl.Date
    assert ns["links"].columns == ["url", "link_text", "link_url"]
    con = duckdb.connect()
    results = []
    for stmt in statements(code["sql"][0]):
        result = con.sql(stmt)
        if stmt.lstrip().startswith("SELECT"):
            results.append(result)
    types = dict(con.sql("SELECT column_name, column_type FROM (DESCRIBE articles)").fetchall())
    assert types["published"] == "DATE" and types["footnotes"].startswith("STRUCT")
    _latest, links, notes, domains = results
    assert links.columns == ["article_url", "link_text", "link_url"]
    assert len(links.fetchall()) == 4
    assert len(notes.fetchall()) == 2 * 3 + 1  # two cited URLs in three Arabic articles, one English
    assert domains.fetchall()[0] == ("aei.org", 3, 3)


def test_one_file_exports_keep_their_own_cards(archive: Archive, tmp_path: Path) -> None:
    for fmt in ("parquet", "csv", "jsonl"):
        out = export_view.export(archive, tmp_path / f"ncmes.{fmt}", section="رؤى", since=dt.date(2025, 1, 1))
        assert out == tmp_path / f"ncmes.{fmt}"
        assert export_view.card_path(out) == tmp_path / f"ncmes.{fmt}.README.md"
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ncmes"))
    assert names == sorted(f"ncmes.{f}{s}" for f in ("parquet", "csv", "jsonl") for s in ("", ".README.md"))
    for fmt in ("parquet", "csv", "jsonl"):
        card = (tmp_path / f"ncmes.{fmt}.README.md").read_text(encoding="utf-8")
        assert f"- format: {fmt}" in card and f"`ncmes.{fmt}`" in card
        assert "section=رؤى" in card and "since=2025-01-01" in card
        for name in ARTICLES.names:
            if name not in CRAWL_STATE_COLUMNS:
                assert f"| `{name}` |" in card
    assert pq.read_table(tmp_path / "ncmes.parquet")["url"].to_pylist() == [f"{SITE}/4571"]


# -- filters and arguments ------------------------------------------------------------------


def test_filters(archive: Archive, tmp_path: Path) -> None:
    def urls(**kw: Any) -> set[str]:
        out = export_view.export(archive, tmp_path / "f.parquet", "parquet", **kw)
        return {path_of(u) for u in pq.read_table(out)["url"].to_pylist()}

    assert urls() == {"4571", "4572", "4574", "5"}
    assert urls(include_removed=True) == {"4571", "4572", "4573", "4574", "5"}
    assert urls(section="تقارير") == {"4572"}
    assert urls(section=" رؤى ", include_removed=True) == {"4571", "4573", "4574"}
    assert urls(language="en") == {"5"}
    assert urls(language="AR") == {"4571", "4572", "4574"}
    # Undated articles cannot fall inside a date range.
    assert urls(since=dt.date(2025, 2, 1)) == {"4572", "5"}
    assert urls(until=dt.date(2025, 1, 31)) == {"4571"}
    assert urls(since=dt.date(2025, 1, 5), until=dt.date(2025, 2, 5)) == {"4571", "4572"}
    # A known section with nothing in the range is an empty dataset, not an error.
    assert urls(section="تقارير", since=dt.date(2030, 1, 1)) == set()


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"section": "رؤى بحثية"}, "known: Studies, تقارير, دراسات, رؤى"),
        ({"language": "fr"}, "known: ar, en"),
        ({"since": dt.date(2025, 3, 1), "until": dt.date(2025, 1, 1)}, "after --until"),
    ],
)
def test_filters_matching_nothing_known_write_nothing(
    archive: Archive, tmp_path: Path, kw: dict[str, Any], message: str
) -> None:
    for out in (tmp_path / "new" / "d", tmp_path / "new" / "x.csv"):
        with pytest.raises(ExportUsageError, match=re.escape(message)):
            export_view.export(archive, out, **kw)
    assert not (tmp_path / "new").exists()


def test_out_and_format_must_agree(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(ExportUsageError, match=r"\.parquet, \.csv or \.jsonl"):
        export_view.export(archive, tmp_path / "x.txt")
    with pytest.raises(ExportUsageError, match="does not agree"):
        export_view.export(archive, tmp_path / "x.parquet", "csv")
    with pytest.raises(ReportError, match="unknown export format"):
        export_view.export(archive, tmp_path / "x.xlsx", "xlsx")  # type: ignore[arg-type]
    assert not list(tmp_path.glob("x*"))
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "notes.txt").write_text("mine")
    with pytest.raises(ExportUsageError, match="holds other files"):
        export_view.export(archive, tmp_path / "papers", "csv")
    assert [p.name for p in (tmp_path / "papers").iterdir()] == ["notes.txt"]
    # A dataset folder is replaced by a new export in its format, refused in another.
    out = export_view.export(archive, tmp_path / "d", "csv", section="تقارير")
    export_view.export(archive, out, "csv")
    assert len(read_back(out, "csv", "articles")) == 4
    with pytest.raises(ExportUsageError, match="holds a csv dataset"):
        export_view.export(archive, out, "parquet")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_crawl_state_on_request(archive: Archive, tmp_path: Path) -> None:
    out = export_view.export(archive, tmp_path / "s.parquet", "parquet", include_crawl_state=True)
    table = pq.read_table(out)
    assert table.column_names == ARTICLES.names
    assert '"e2"' in table["etag"].to_pylist()


def test_cli_usage_errors_write_nothing(archive: Archive, tmp_path: Path) -> None:
    root = str(archive.root)
    out = tmp_path / "out" / "dataset"
    bad = run_cli("export", "--archive", root, "--out", str(out), "--section", "رؤى بحثية")
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.count("\n") == 1 and "تقارير" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "out").exists()
    txt = run_cli("export", "--archive", root, "--out", str(tmp_path / "x.txt"))
    assert txt.returncode == 2 and "x.txt" in txt.stderr
    assert not (tmp_path / "x.txt").exists()
    good = run_cli("export", "--archive", root, "--out", str(out), "--format", "csv", "--language", "en")
    assert good.returncode == 0, good.stderr
    assert "articles.csv (1 row), versions.csv (1 row), citations.csv (1 row)" in good.stdout
    assert [r["url"] for r in read_back(out, "csv", "articles")] == ["https://en.ncmes.org/5"]


# -- stats ----------------------------------------------------------------------------------


def test_stats_by_language_and_cited_domains(archive: Archive) -> None:
    text = stats(archive)
    lines = text.splitlines()
    by_language = lines[lines.index("live articles by language:") + 1 :][:2]
    assert [line.split() for line in by_language] == [["3", "ar"], ["1", "en"]]
    top = next(i for i, line in enumerate(lines) if line.startswith("top cited domains"))
    assert "of 7 cited URLs" in lines[top]
    # Three live Arabic articles cite both seed sources; the English one cites Reuters.
    assert [line.split() for line in lines[top + 1 : top + 4]] == [
        ["3", "3", "aei.org"],
        ["3", "3", "atlanticcouncil.org"],
        ["1", "1", "reuters.com"],
    ]


def test_empty_archive_exports_an_empty_dataset(tmp_path: Path) -> None:
    a = Archive(tmp_path / "a")
    for fmt in ("parquet", "csv", "jsonl"):
        out = export_view.export(a, tmp_path / fmt, fmt)  # type: ignore[arg-type]
        assert "articles without a date: 0" in (out / "README.md").read_text(encoding="utf-8")
    assert len(pq.read_table(tmp_path / "parquet" / "articles.parquet")) == 0
    assert pq.read_table(tmp_path / "parquet" / "citations.parquet").schema.names == CITATIONS.names
    header = (tmp_path / "csv" / "citations.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header == [",".join(f'"{n}"' for n in CITATIONS.names)]
    assert (tmp_path / "jsonl" / "articles.jsonl").read_bytes() == b""
