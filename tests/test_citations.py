"""Footnotes split into cited sources: the seed page's note, the awkward cases, and invariants."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from crawler.archive.schema import CITATIONS
from crawler.dataset.citations import Source, citation_rows, citations_table, source_domain, split_sources
from crawler.extraction import extract

PAGES = Path(__file__).parent / "fixtures" / "pages"


def test_seed_page_note_gives_its_four_sources() -> None:
    html = (PAGES / "seed-elementor" / "page.html").read_bytes()
    record = extract(html, "https://ncmes.org/4571", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    (note,) = record.footnotes
    sources = split_sources(note.text, note.urls)
    assert [s.text.split(",")[0] for s in sources] == [
        "Atlantic Council experts",
        "Michael Rubin",
        "Dimitar Bechev",
        "Necati Demircan",
    ]
    assert [len(s.urls) for s in sources] == [1, 1, 1, 1]
    assert [source_domain(s.urls[0]) for s in sources] == [
        "atlanticcouncil.org",
        "aei.org",
        "foreignpolicy.com",
        "moderndiplomacy.eu",
    ]
    for source in sources:
        assert source.urls[0] in source.text and " & " not in source.text
    assert " & ".join(s.text for s in sources) == note.text


def test_source_without_url_and_source_with_two() -> None:
    text = (
        "محمد عبد الله، كتاب السياسة الإقليمية، القاهرة 2019 & "
        "Report, 2024. Available at: https://example.org/r & https://web.archive.org/web/2024/https://example.org/r"
    )
    urls = ["https://example.org/r", "https://web.archive.org/web/2024/https://example.org/r"]
    assert split_sources(text, urls) == [
        Source("محمد عبد الله، كتاب السياسة الإقليمية، القاهرة 2019"),
        Source(
            "Report, 2024. Available at: https://example.org/r & "
            "https://web.archive.org/web/2024/https://example.org/r",
            tuple(urls),
        ),
    ]


def test_ampersands_inside_names_do_not_split() -> None:
    text = "Smith & Jones, War & Peace in the Gulf, 2020 & Foreign & Commonwealth Office annual report"
    assert [s.text for s in split_sources(text, [])] == [
        "Smith & Jones, War & Peace in the Gulf, 2020",
        "Foreign & Commonwealth Office annual report",
    ]
    assert split_sources("Reuters & AP", []) == [Source("Reuters & AP")]


def test_linked_urls_go_to_the_sources_by_position() -> None:
    # Titles linked, URLs not written out: the note's URLs come in page order.
    text = "Linked title one, 2020 & Written, see https://b.org/2 & Linked title three, 2022"
    urls = ["https://a.org/1", "https://b.org/2", "https://c.org/3"]
    assert [s.urls for s in split_sources(text, urls)] == [
        ("https://a.org/1",),
        ("https://b.org/2",),
        ("https://c.org/3",),
    ]


def test_empty_note_and_url_only_note() -> None:
    assert split_sources("", []) == []
    assert split_sources("", ["https://a.org"]) == [Source("", ("https://a.org",))]
    assert split_sources("https://a.org/x", ["https://a.org/x"]) == [
        Source("https://a.org/x", ("https://a.org/x",))
    ]


def test_source_domain() -> None:
    assert source_domain("https://www.AEI.org/op-eds/x") == "aei.org"
    assert source_domain("http://news.example.co.uk:8080/a") == "news.example.co.uk"
    assert source_domain(None) is None
    assert source_domain("not a url") is None
    assert source_domain("http://[broken/") is None


def test_rows_and_table() -> None:
    article = {
        "url": "https://ncmes.org/1",
        "post_id": 1,
        "published": dt.date(2025, 1, 2),
        "sections": ["دراسات"],
        "language": "ar",
        "footnotes": [
            {"number": 1, "text": "A long first source title, 2020 & https://x.org/b", "urls": ["https://x.org/b"]},
            {"number": 2, "text": "مصدر بلا رابط", "urls": []},
        ],
    }
    rows = list(citation_rows(article))
    assert [(r["footnote"], r["source_index"], r["source_url"], r["source_domain"]) for r in rows] == [
        (1, 1, "https://x.org/b", "x.org"),
        (2, 1, None, None),
    ]
    table = citations_table(pa.Table.from_pylist([article]))
    assert table.schema == CITATIONS and len(table) == 2


_words = st.lists(st.sampled_from(["تقرير", "السياسة", "Policy", "review", "2021", "Cairo", "&"]), min_size=1, max_size=6)


@given(
    st.lists(
        st.tuples(_words, st.lists(st.integers(0, 50), max_size=2), st.booleans()),
        min_size=1,
        max_size=5,
    )
)
def test_every_url_goes_to_exactly_one_source(parts: list[tuple[list[str], list[int], bool]]) -> None:
    texts, urls = [], []
    for words, ids, written in parts:
        own = [f"https://s{i}.example.org/{len(urls) + k}" for k, i in enumerate(ids)]
        urls += own
        texts.append(" ".join(words) + ("".join(f" {u}" for u in own) if written else ""))
    text = " & ".join(texts)
    sources = split_sources(text, urls)
    given_out = [u for s in sources for u in s.urls]
    assert sorted(given_out) == sorted(urls)
    for source in sources:
        for url in source.urls:
            if url in text:
                assert url in source.text
    assert " & ".join(s.text for s in sources) == " ".join(text.split())
