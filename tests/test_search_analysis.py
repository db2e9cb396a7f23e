"""The search normaliser and stemmer on word lists: every variant form of a word maps to one
key, and words that differ stay apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.search.analysis import light10, normalize, stem, stems, words
from crawler.search.query import QueryError, parse

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
