"""The search normaliser and stemmer on word lists: every variant form of a word maps to one
key, and words that differ stay apart."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.search.analysis import light10, normalize, stem, stems, words
from crawler.search.index import create, insert_versions, mark_current
from crawler.search.query import QueryError, parse, search

# Each line: forms a reader would take for one word (spelling, diacritics, tatweel, clitics,
# suffixes), all one key.
SAME = [
    ["السياسة", "السياسه", "السّياسة", "السِّيَاسَة", "السيـــاسة", "سياسة", "والسياسة", "بالسياسة", "وسياسة",
     "للسياسة", "سياسات", "السياسات", "سياسية", "السياسية"],
    ["أمن", "امن", "إمن", "آمن", "الأمن", "والأمن", "بالأمن", "للأمن"],
    ["إسرائيل", "اسرائيل", "الإسرائيلية", "إسرائيلي"],
    ["مصطفى", "مصطفي", "مُصْطَفَى"],
    ["الاستراتيجية", "الإستراتيجيّة", "استراتيجية", "إستراتيجيات", "الاستراتيجيات"],
    ["المعلمون", "معلمون", "المعلمين", "معلمين"],
    ["قراءة", "قراءه", "قراءات"],
    ["الدولة", "الدوله", "دولة", "والدولة", "بالدولة", "دول"],
    ["٢٠٢٤", "۲۰۲۴", "2024"],
    ["ٱلقرآن", "القرآن", "القران"],
    ["policy", "policies", "Policy", "POLICIES"],
    ["negotiate", "negotiated", "negotiating", "negotiates"],
    ["café", "cafe", "CAFÉ"],
]

# Pairs of words that must stay apart.
APART = [
    ("مصر", "عصر"), ("سياسة", "رياسة"), ("أمن", "يمن"), ("دولة", "دولار"), ("قراءة", "قرار"),
    ("العراق", "عرق"), ("سوريا", "روسيا"), ("تركيا", "تركمان"), ("2024", "2025"), ("policy", "police"),
    ("war", "ward"), ("بحث", "بعث"), ("الخليج", "الخليل"),
]


@pytest.mark.parametrize("forms", SAME, ids=lambda forms: forms[0])
def test_variant_forms_share_one_key(forms: list[str]) -> None:
    keys = {form: stems(form) for form in forms}
    assert len({tuple(k) for k in keys.values()}) == 1, keys


@pytest.mark.parametrize(("a", "b"), APART)
def test_different_words_stay_apart(a: str, b: str) -> None:
    assert stems(a) != stems(b)


def test_normaliser_folds_each_variant() -> None:
    assert normalize("أإآٱ") == "اااا"
    assert normalize("ى ة") == "ي ه"
    assert normalize("مـــصـر") == "مصر"
    assert normalize("كَتَبَ") == "كتب"
    assert normalize("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"
    assert normalize("Ünïcode") == "unicode"
    assert normalize("ﻻ") == "لا"  # a presentation form


def test_light10_keeps_short_words() -> None:
    # و alone goes only from words of four letters or more; an article only when two are left.
    assert light10("ولد") == "ولد"
    assert light10("الم") == "الم"
    assert light10("وطن") == "وطن"
    assert light10("وطنه") == "طن"
    assert stem("ها") == "ها"


def test_words_split_on_punctuation_and_keep_numbers() -> None:
    assert words("«السياسة»، والاقتصاد (2024).") == ["السياسه", "والاقتصاد", "2024"]
    assert words("U.S.-Turkish") == ["u", "s", "turkish"]


def test_query_parse_words_and_phrases() -> None:
    q = parse('السياسة "الأمن القومي" policies')
    assert q.terms == (("سياس",), ("polici",))
    assert q.phrases == (("الامن", "القومي"),)
    assert q.expression() == '"سياس" AND "polici" AND "امن قوم"'
    assert q.holds_phrases("", "في الأمن القومي العربي", "")
    assert not q.holds_phrases("الأمن", "والأمن القومي", "")  # the index matched the stems only
    with pytest.raises(QueryError):
        parse(' "" ... ')


ARABIC = st.text(alphabet=st.sampled_from("ابتثجحخدذرسشصضطظعغفقكلمنهوي"), min_size=1, max_size=9)
MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"


@given(ARABIC, st.lists(st.tuples(st.integers(0, 20), st.sampled_from(MARKS)), max_size=4))
def test_diacritics_and_tatweel_never_change_the_key(word: str, inserts: list[tuple[int, str]]) -> None:
    marked = word
    for pos, mark in inserts:
        pos = min(pos, len(marked))
        # Marks go after a letter, as they are written.
        marked = marked[: max(pos, 1)] + mark + marked[max(pos, 1):]
    assert stems(marked) == stems(word)


@given(ARABIC)
def test_alef_forms_share_the_key(word: str) -> None:
    for alef in "أإآٱ":
        assert stems(alef + word) == stems("ا" + word)


@given(st.text(max_size=60))
def test_stemming_is_idempotent_on_normalised_text(text: str) -> None:
    once = words(text)
    assert words(" ".join(once)) == once
    assert all(stem(w) for w in once)


# -- the index and the query on generated documents ----------------------------------------

LETTERS = "بتثجحخدذرسشصضطظعغفقكمن"  # no alef, lam, waw, yeh or heh: no clitic or suffix by chance
WORD = st.text(alphabet=st.sampled_from(LETTERS), min_size=3, max_size=7)


def _index(docs: list[list[str]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    create(conn)
    insert_versions(conn, [
        {"url": f"https://example.org/{i}", "version": 1, "post_id": i, "title": "", "published": None,
         "sections": [], "authors": [], "language": "ar", "body": " ".join(words_), "footnotes": []}
        for i, words_ in enumerate(docs)
    ])
    mark_current(conn, [f"https://example.org/{i}" for i in range(len(docs))])
    return conn


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(WORD, min_size=1, max_size=12), min_size=1, max_size=8), st.data())
def test_a_word_in_any_spelling_finds_exactly_the_documents_holding_it(docs: list[list[str]], data: st.DataObject) -> None:
    conn = _index([[("أ" if i % 3 == 0 else "ا") + w + ("ة" if i % 2 else "") for i, w in enumerate(d)] for d in docs])
    texts = conn.execute("SELECT url FROM docs ORDER BY id").fetchall()
    doc = data.draw(st.integers(0, len(docs) - 1))
    word = data.draw(st.sampled_from(docs[doc]))
    i = docs[doc].index(word)
    written = ("أ" if i % 3 == 0 else "ا") + word + ("ة" if i % 2 else "")
    # Asked in another spelling: another alef, ه for ة, marks and tatweel, a و or ال before it.
    asked = data.draw(st.sampled_from(["إ", "آ", "ا", "أ"])) + word[0] + "\u064e\u0640" + word[1:]
    asked = data.draw(st.sampled_from(["", "و", "ال", "وال"])) + asked + ("ه" if i % 2 else "")
    found = {h.url for h in search(conn, parse(asked), limit=1000)}
    expected = {url for (url,), d in zip(texts, docs, strict=True) if word in d}
    assert f"https://example.org/{doc}" in found and found == expected, (written, asked)


def test_phrases_across_versions() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    create(conn)
    base = {"post_id": 1, "title": "", "published": None, "sections": [], "authors": [], "language": "ar",
            "footnotes": []}
    insert_versions(conn, [
        {**base, "url": "https://example.org/a", "version": 1, "body": "قال إن الأمن القومي أولوية"},
        {**base, "url": "https://example.org/a", "version": 2, "body": "قال إن الأمن أولوية قومية"},
        {**base, "url": "https://example.org/b", "version": 1, "body": "والأمن القومي"},  # و: not the phrase
        {**base, "url": "https://example.org/c", "version": 1, "body": "الأمنُ القوميّ في العالم"},
    ])
    mark_current(conn, ["https://example.org/a", "https://example.org/b", "https://example.org/c"])
    phrase = parse('"الامن القومي"')
    assert [(h.url, h.version) for h in search(conn, phrase)] == [("https://example.org/c", 1)]
    assert {(h.url, h.version, h.current) for h in search(conn, phrase, all_versions=True)} == {
        ("https://example.org/a", 1, False), ("https://example.org/c", 1, True)}
    assert [h.url for h in search(conn, phrase, all_versions=True, limit=1)] in (
        ["https://example.org/a"], ["https://example.org/c"])
    # Words, not a phrase: every version holding both stems; the current one preferred.
    assert {(h.url, h.version) for h in search(conn, parse("الأمن القومي"), all_versions=True)} == {
        ("https://example.org/a", 2), ("https://example.org/b", 1), ("https://example.org/c", 1)}
