"""Unit tests of footnotes.py: three forms, Western/Arabic-Indic digits, URLs, disagreements."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.extraction import extract
from crawler.extraction.footnotes import (
    check_markers,
    marker_numbers,
    note_urls,
    trim_url,
    without_notes,
)
from crawler.extraction.record import ArticleRecord, Footnote

FETCHED = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)


def page(content: str) -> ArticleRecord:
    html = f"""<html><body class="single postid-9"><article id="post-9" class="post type-post">
    <h1 class="entry-title">عنوان المقال</h1><time class="entry-date published">18/10/2025</time>
    <div class="entry-content">{content}</div></article></body></html>"""
    return extract(html, "https://ncmes.org/9", FETCHED)


@pytest.mark.parametrize(("digit", "number"), [("1", 1), ("١", 1), ("12", 12), ("١٢", 12)])
def test_word_export(digit: str, number: int) -> None:
    record = page(
        f'<p>نص المقال<a href="#_ftn{number}" name="_ftnref{number}">[{digit}]</a> يستمر.</p>'
        f'<hr><p><a href="#_ftnref{number}" name="_ftn{number}">[{digit}]</a> مصدر أول، '
        '<a href="https://example.org/a">رابط</a>.</p>'
    )
    assert record.body == f"نص المقال[{digit}] يستمر."
    assert record.footnotes == [Footnote(number, "مصدر أول، رابط.", ["https://example.org/a"])]
    assert record.warnings == []


def test_word_export_multi_paragraph_note() -> None:
    record = page(
        '<p>نص<a href="#_ftn1" name="_ftnref1"><sup>1</sup></a></p><div><hr>'
        '<div id="ftn1"><p><a href="#_ftnref1" name="_ftn1">[1]</a> الجزء الأول.</p>'
        "<p>الجزء الثاني https://example.org/b).</p></div></div>"
    )
    assert record.body == "نص[1]"
    assert record.footnotes == [Footnote(1, "الجزء الأول. الجزء الثاني https://example.org/b).",
                                         ["https://example.org/b"])]


@pytest.mark.parametrize("digit", ["1", "١"])
@pytest.mark.parametrize(("sup", "note", "back", "notes"), [
    ("fn", "abc", "abc-link", "wp-block-footnotes"),
    # A theme or a copy that renamed every class and id: data-fn, WordPress's own marker,
    # still links the notes' list.
    ("n1", "n2", "n3", "n4"),
])
def test_wordpress_block(digit: str, sup: str, note: str, back: str, notes: str) -> None:
    record = page(
        f'<p>نص<sup data-fn="abc" class="{sup}"><a href="#{note}" id="{back}">{digit}</a></sup>.</p>'
        f'<ol class="{notes}"><li id="{note}">المصدر https://example.org/c '
        f'<a href="#{back}" aria-label="Jump to footnote reference 1">↩︎</a></li></ol>'
        '<ol><li id="n6">بند في قائمة من النص</li></ol>'
    )
    assert record.body == f"نص[{digit}].\n- بند في قائمة من النص"
    assert record.footnotes == [Footnote(1, "المصدر https://example.org/c", ["https://example.org/c"])]


@pytest.mark.parametrize("digit", ["1", "١"])
def test_plain_text(digit: str) -> None:
    record = page(f"<p>نص[{digit}] آخر.</p><p>[{digit}] المصدر، متاح على: https://example.org/d.</p>")
    assert record.body == f"نص[{digit}] آخر."
    assert record.footnotes == [
        Footnote(1, "المصدر، متاح على: https://example.org/d.", ["https://example.org/d"])
    ]


def test_plain_notes_before_chrome_the_page_prints_after_them() -> None:
    # A share box and a comment of a plugin we know by no name come after the notes.
    after = ('<div><h3>شارك هذا:</h3><ul><li><a href="https://ncmes.org/9/?share=x">X</a></li>'
             "</ul></div><ol><li><p>تحليل ممتاز [1] وشكرًا للمركز على هذا الجهد الكبير.</p></li></ol>")
    record = page("<p>أ[1] ب[٢] ج[3].</p><p>الهوامش:</p><p>[1] أول https://a.example/1</p>"
                  "<p>[٢] ثان</p><p>[4] رابع</p>" + after)
    assert [(f.number, f.text) for f in record.footnotes] == [
        (1, "أول https://a.example/1"), (2, "ثان"), (4, "رابع")]
    assert record.body.startswith("أ[1] ب[٢] ج[3].\nشارك هذا:")
    assert "[1] أول" not in record.body and "الهوامش" not in record.body
    # A numbered list in the text, which no marker before it cites, is the text's.
    record = page("<p>نص المقال بلا هوامش.</p><p>[1] البند الأول</p><p>[2] البند الثاني</p>" + after)
    assert record.footnotes == []
    assert "[2] البند الثاني" in record.body


def test_several_sources_in_one_note() -> None:
    record = page(
        "<p>نص[1]</p><p>[1] A, “One”, X. Available at: https://a.example/1/ &amp; "
        'B, “Two”, Y. Available at: <a href="https://b.example/2">https://b.example/2</a> &amp; '
        "C, again https://a.example/1/</p>"
    )
    note = record.footnotes[0]
    assert note.urls == ["https://a.example/1/", "https://b.example/2"]
    assert " & B, “Two”" in note.text


def test_markers_and_notes_disagree() -> None:
    record = page("<p>أ[1] ب[2] ج[3]</p><p>[1] أول</p><p>[2] ثان</p><p>[4] رابع</p>")
    assert [f.number for f in record.footnotes] == [1, 2, 4]
    assert record.body == "أ[1] ب[2] ج[3]"
    assert record.warnings == ["footnote markers without a note: [3]",
                               "footnotes without a marker in the text: [4]"]


def test_note_in_the_middle_is_body() -> None:
    # Only trailing [n] paragraphs are notes; one in the middle of the text is body.
    record = page("<p>[1] ليس هامشًا لأنه في وسط النص.</p><p>فقرة أخيرة.</p>")
    assert record.footnotes == []
    assert record.body == "[1] ليس هامشًا لأنه في وسط النص.\nفقرة أخيرة."
    assert record.warnings == ["footnote markers without a note: [1]"]


def test_trim_url() -> None:
    assert trim_url("https://x.org/a.") == "https://x.org/a"
    assert trim_url("https://x.org/a/),") == "https://x.org/a/"
    assert trim_url("https://en.wikipedia.org/wiki/Foo_(bar)") == "https://en.wikipedia.org/wiki/Foo_(bar)"
    assert trim_url("https://x.org/a”،") == "https://x.org/a"


def test_note_urls_order_and_dedupe() -> None:
    text = "see https://a.org/x then link and https://a.org/x."
    assert note_urls(text, [(20, "https://b.org/y"), (25, "#back")], "https://ncmes.org/9") == [
        "https://a.org/x", "https://b.org/y"
    ]


def test_marker_numbers_and_check() -> None:
    assert marker_numbers("أ[١] ب[2] ج[۳]") == [1, 2, 3]
    assert check_markers("أ[1]", [Footnote(1, "x")]) == []
    assert check_markers("أ[1]", [Footnote(1, "x"), Footnote(1, "y")]) == [
        "footnote numbers used by more than one note: [1]"
    ]


def test_notes_of_a_page_no_element_names_are_notes_not_text() -> None:
    # No element of the page says "content": the element holding its prose is read; the notes
    # (after the text, before the site's footer) are notes.
    prose = "".join(f"<p>الفقرة {i} من نص المقال عن السودان[{i + 1}]، وهي طويلة بما يكفي لتقرأ "
                    f"نصًا للمقال نفسه في كل قراءة.</p>" for i in range(3))
    notes = "<p>الهوامش:</p>" + "".join(f"<p>[{i + 1}] المصدر رقم {i + 1}، https://example.org/{i + 1}</p>"
                                        for i in range(3))
    html = ("<html><head><title>عنوان المقال</title></head><body><div><a href='/'>الرئيسية</a></div>"
            f"<div><div><h1>عنوان المقال</h1></div><div><div>{prose}{notes}</div></div></div>"
            "<div><p>جميع الحقوق محفوظة © 2025 المركز القومي لدراسات الشرق الأوسط</p></div></body></html>")
    record = extract(html, "https://ncmes.org/9", FETCHED)
    assert record.warnings[0].startswith("no content container named; <div> holds ")
    assert record.footnotes == [Footnote(i, f"المصدر رقم {i}، https://example.org/{i}",
                                         [f"https://example.org/{i}"]) for i in (1, 2, 3)]
    assert record.body == "\n".join(f"الفقرة {i} من نص المقال عن السودان[{i + 1}]، وهي طويلة بما يكفي "
                                     f"لتقرأ نصًا للمقال نفسه في كل قراءة." for i in range(3))


def test_the_notes_found_leave_a_text_trafilatura_read() -> None:
    text = ("فقرة أولى[1] من النص.\nفقرة ثانية[٢].\n____\nالهوامش:\n[1] المصدر الأول، 2025.\n"
            "[٢] المصدر الثاني https://example.org/2\n[3] ليس هامشًا وجدناه\nجميع الحقوق محفوظة")
    notes = [Footnote(1, "المصدر الأول، 2025.", []),
             Footnote(2, "المصدر الثاني https://example.org/2", ["https://example.org/2"])]
    assert without_notes(text, notes) == ("فقرة أولى[1] من النص.\nفقرة ثانية[٢].\n"
                                          "[3] ليس هامشًا وجدناه\nجميع الحقوق محفوظة")
    assert without_notes(text, []) == text
    # The footnotes block's notes, which trafilatura writes as list items.
    listed = ("نص[1] المقال.\n- المصدر الأول، 2025.\n- بند من قائمة في النص\nثم:\n"
              "- المصدر الأول، 2025. ↩︎\n- المصدر الثاني https://example.org/2 ↩︎")
    assert without_notes(listed, notes) == ("نص[1] المقال.\n- المصدر الأول، 2025.\n"
                                            "- بند من قائمة في النص\nثم:")
