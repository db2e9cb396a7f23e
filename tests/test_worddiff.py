"""The word diff: tokens of Arabic and English prose, changed words marked inside a line."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.dataset.worddiff import (
    diff_lines,
    diff_words,
    hunks,
    render_line,
    render_segments,
    split_clitics,
    tokenize,
    tokens,
)

# A paragraph of the kind the site publishes: long, with clitics, punctuation, a marker.
PARAGRAPH = (
    "تُمثل العلاقات التركية الأمريكية واحدة من أكثر العلاقات الثنائية تعقيدًا وتشابكًا في النظام "
    "الدولي، لما تحمله من أبعاد استراتيجية وأمنية واقتصادية، وفي ظل التطورات الإقليمية المتسارعة "
    "تكتسب هذه العلاقات أهمية مضاعفة[1]، خصوصًا مع تجدد اللقاءات بين قادة البلدين في عام 2025؛ "
    "فهل تنجح «الدبلوماسية الهادئة» في إعادة ضبط بوصلة التعاون؟"
)


@pytest.mark.parametrize(
    "word, pieces",
    [
        ("والحكومة", ["و", "ال", "حكومة"]),
        ("فالحكومة", ["ف", "ال", "حكومة"]),
        ("بالحكومة", ["ب", "ال", "حكومة"]),
        ("كالحكومة", ["ك", "ال", "حكومة"]),
        ("للدراسات", ["ل", "ل", "دراسات"]),  # ل + the article, its alef dropped
        ("وللمركز", ["و", "ل", "ل", "مركز"]),
        ("وبالتعاون", ["و", "ب", "ال", "تعاون"]),
        ("وقال", ["و", "قال"]),
        ("الدولي", ["ال", "دولي"]),
        ("ولد", ["ولد"]),  # a stem of fewer than three letters: no split
        ("بلد", ["بلد"]),
        ("الله", ["الله"]),
        ("Washington", ["Washington"]),
    ],
)
def test_clitics_are_split_from_the_stem(word: str, pieces: list[str]) -> None:
    assert split_clitics(word) == pieces


def test_punctuation_markers_numbers_and_urls_are_tokens_of_their_own() -> None:
    assert tokenize("قال المتحدث، «إن الحكومة» ستعقد اجتماعًا؛ هل؟") == [
        "قال", "ال", "متحدث", "،", "«", "إن", "ال", "حكومة", "»", "ستعقد", "اجتماعًا", "؛", "هل", "؟",
    ]
    # Markers in both digit forms, glued to the word before them on the page.
    assert tokenize("التقرير[1]. والمصدر[١٢]،") == ["ال", "تقرير", "[1]", ".", "و", "ال", "مصدر", "[١٢]", "،"]
    # Numbers in both digit forms, apart from attached letters; an ISO date is one token.
    assert tokenize("عام 2025م و١٥ مايو ٢٠٢٥ بنسبة 3.5% في 2025-10-05") == [
        "عام", "2025", "م", "و", "١٥", "مايو", "٢٠٢٥", "ب", "نسبة", "3.5", "%", "في", "2025-10-05",
    ]
    # A URL is one token, without the punctuation that ends the sentence.
    assert tokenize("Available at: https://example.org/a/b?x=1. Then “quoted” text") == [
        "Available", "at", ":", "https://example.org/a/b?x=1", ".", "Then", "“", "quoted", "”", "text",
    ]
    assert tokenize("<https://example.org/a>") == ["<", "https://example.org/a", ">"]


def test_harakat_and_tatweel_stay_in_their_word() -> None:
    assert tokenize("تُمثل مُؤخرًا الـــدولة") == ["تُمثل", "مُؤخرًا", "ال", "ـــدولة"]


@given(st.text(max_size=200))
def test_tokens_give_the_text_back(text: str) -> None:
    assert "".join(t.text for t in tokens(text)) == text


def test_one_word_edit_in_a_long_paragraph_marks_only_that_word() -> None:
    new = PARAGRAPH.replace("المتسارعة", "المتلاحقة")
    assert diff_words(PARAGRAPH, new) == [
        ("=", PARAGRAPH.split("المتسارعة")[0]),
        ("-", "المتسارعة"),
        ("+", "المتلاحقة"),
        ("=", PARAGRAPH.split("المتسارعة")[1]),
    ]


def test_a_clitic_added_shows_as_the_clitic_only() -> None:
    segs = diff_words("العلاقات الثنائية", "والعلاقات الثنائية")
    assert segs == [("+", "و"), ("=", "العلاقات الثنائية")]
    segs = diff_words("في الحكومة", "في بالحكومة")
    assert segs == [("=", "في "), ("+", "ب"), ("=", "الحكومة")]


def test_a_changed_stem_marks_the_whole_word_never_half() -> None:
    # Same clitics, other stem: the whole word, not "و[-قال-]{+ذكر+}".
    assert diff_words("وقال المتحدث", "وذكر المتحدث") == [("-", "وقال"), ("+", "وذكر"), ("=", " المتحدث")]
    assert diff_words("بالحكومة", "بالدولة") == [("-", "بالحكومة"), ("+", "بالدولة")]


def test_markers_numbers_and_punctuation_change_alone() -> None:
    assert diff_words("أهمية مضاعفة[1]، خصوصًا", "أهمية مضاعفة[2]، خصوصًا") == [
        ("=", "أهمية مضاعفة"), ("-", "[1]"), ("+", "[2]"), ("=", "، خصوصًا"),
    ]
    assert diff_words("في عام 2024 قال", "في عام ٢٠٢٥ قال") == [
        ("=", "في عام "), ("-", "2024"), ("+", "٢٠٢٥"), ("=", " قال"),
    ]
    assert diff_words("هل تنجح؟", "هل تنجح.") == [("=", "هل تنجح"), ("-", "؟"), ("+", ".")]
    assert diff_words("«الدبلوماسية»", '"الدبلوماسية"') == [
        ("-", "«"), ("+", '"'), ("=", "الدبلوماسية"), ("-", "»"), ("+", '"'),
    ]


def test_english_words_and_adjacent_changes() -> None:
    assert diff_words("The talks covered defence.", "The talks covered trade.") == [
        ("=", "The talks covered "), ("-", "defence"), ("+", "trade"), ("=", "."),
    ]
    # Two neighbouring words changed: one mark, not two separated by the space.
    assert diff_words("a quick brown fox", "a slow red fox") == [
        ("=", "a "), ("-", "quick brown"), ("+", "slow red"), ("=", " fox"),
    ]


def test_rendering_as_git_word_diff_and_in_colour() -> None:
    segs = diff_words("أكثر العلاقات", "أهم العلاقات")
    assert render_segments(segs, color=False) == "[-أكثر-]{+أهم+} العلاقات"
    assert render_segments(segs, color=True) == "\x1b[31mأكثر\x1b[0m\x1b[32mأهم\x1b[0m العلاقات"


WORDS = PARAGRAPH.split(" ")


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_any_edits_give_old_and_new_back(seed: int) -> None:
    rng = random.Random(seed)
    old = list(WORDS)
    new = list(WORDS)
    for _ in range(rng.randint(0, 6)):
        op = rng.choice(["replace", "insert", "delete", "clitic"])
        i = rng.randrange(len(new))
        if op == "replace":
            new[i] = rng.choice(WORDS + ["الجديدة", "١٢", "[٣]", "،", "new"])
        elif op == "insert":
            new.insert(i, rng.choice(WORDS))
        elif op == "delete" and len(new) > 1:
            del new[i]
        else:
            new[i] = rng.choice(["و", "ب", "ل", "ف", "ك"]) + new[i]
    a, b = " ".join(old), " ".join(new)
    segs = diff_words(a, b)
    assert "".join(t for op, t in segs if op != "+") == a
    assert "".join(t for op, t in segs if op != "-") == b
    assert all(t for _, t in segs) and all(x[0] != y[0] for x, y in zip(segs, segs[1:], strict=False))
    if a == b:
        assert segs == [("=", a)]
    # Never half a word: a mark glued to letters of its word is only clitics added or dropped.
    for n, (op, text) in enumerate(segs):
        if op == "=":
            continue
        before = segs[n - 1] if n and segs[n - 1][0] == "=" else segs[n - 2] if n > 1 and op == "+" else None
        after = segs[n + 1] if n + 1 < len(segs) and segs[n + 1][0] == "=" else (
            segs[n + 2] if n + 2 < len(segs) and op == "-" else None
        )
        clitics = set("وفبلكا")
        if before is not None and before[1][-1].isalpha() and text[0].isalpha():
            assert set(re.match(r"[^\W\d_]+", text).group()) <= clitics, (text, segs)
        if after is not None and text[-1].isalpha() and after[1][0].isalpha():
            assert set(re.search(r"[^\W\d_]+$", text).group()) <= clitics, (text, segs)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_a_one_word_replacement_marks_exactly_that_word(seed: int) -> None:
    rng = random.Random(seed)
    candidates = [i for i, w in enumerate(WORDS) if w.isalpha() and WORDS.count(w) == 1]
    i = rng.choice(candidates)
    new_word = rng.choice(["المستجدة", "الراهنة", "مختلفة"])
    if new_word == WORDS[i]:
        return
    new = WORDS[:i] + [new_word] + WORDS[i + 1:]
    marked = [(op, t) for op, t in diff_words(PARAGRAPH, " ".join(new)) if op != "="]
    assert marked == [("-", WORDS[i]), ("+", new_word)]


def test_lines_paired_by_their_words_others_whole() -> None:
    old = ["العنوان الأول", PARAGRAPH, "فقرة ستحذف كلها من النص", "الخاتمة"]
    new = ["العنوان الأول", PARAGRAPH.replace("الهادئة", "الصامتة"), "سطر جديد تماما", "الخاتمة"]
    lines = diff_lines(old, new)
    assert [line.kind for line in lines] == ["equal", "change", "delete", "insert", "equal"]
    assert [(line.old_no, line.new_no) for line in lines] == [(1, 1), (2, 2), (3, None), (None, 3), (4, 4)]
    assert render_line(lines[2], color=False) == "-فقرة ستحذف كلها من النص"
    assert render_line(lines[3], color=False) == "+سطر جديد تماما"
    assert render_line(lines[1], color=False).startswith("~")
    assert "[-الهادئة-]{+الصامتة+}" in render_line(lines[1], color=False)
    assert [line.old for line in lines if line.old_no] == old
    assert [line.new for line in lines if line.new_no] == new
    # A paragraph moved by an inserted one stays paired with itself.
    shifted = diff_lines(["أ ب ج د", "هـ و ز ح"], ["سطر مضاف", "أ ب ج د", "هـ و ز ط"])
    assert [line.kind for line in shifted] == ["insert", "equal", "change"]


def test_hunks_keep_one_line_of_context() -> None:
    old = [f"فقرة رقم {n}" for n in range(1, 11)]
    new = list(old)
    new[1] = "فقرة رقم اثنان"
    new[8] = "فقرة رقم تسعة"
    groups = hunks(diff_lines(old, new), context=1)
    assert [[(line.kind, line.old_no) for line in g] for g in groups] == [
        [("equal", 1), ("change", 2), ("equal", 3)],
        [("equal", 8), ("change", 9), ("equal", 10)],
    ]
    assert hunks(diff_lines(old, old)) == []
