"""A post's sections and authors where its theme names them by no class we know: the category
and author archive links of the article's own meta line, never one in a sentence of its text,
on another post's card, or to an archive's feed or page."""

from __future__ import annotations

import datetime as dt

from crawler.extraction import extract
from crawler.extraction.record import ArticleRecord

FETCHED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
URL = "https://ncmes.org/4801/"
PROSE = "".join(f"<p>الفقرة {i} من نص المقال، وهي طويلة بما يكفي لتقرأ نصًا للمقال نفسه.</p>"
                for i in range(6))
AFRICA = '<a href="https://ncmes.org/category/africa/">أفريقيا</a>'
ANALYSES = '<a href="https://ncmes.org/category/analyses/">تحليلات</a>'
MENU = ('<nav><ul><li><a href="https://ncmes.org/category/gulf/">الخليج</a></li>'
        '<li><a href="https://ncmes.org/category/africa/">أفريقيا</a></li></ul></nav>')


def _record(meta_line: str, text: str = PROSE, after: str = "", head: str = "") -> ArticleRecord:
    page = (f"<html><head><title>عنوان المقال</title>{head}</head><body><header>{MENU}</header>"
            f"<main><article><h1>عنوان المقال</h1><div>{meta_line}</div><div>{text}</div>"
            f"{after}</article></main><aside>{MENU}</aside></body></html>")
    return extract(page, URL, FETCHED)


def _sections(meta_line: str, text: str = PROSE, after: str = "") -> list[str]:
    return _record(meta_line, text, after).sections


def test_the_meta_lines_category_links_are_the_sections() -> None:
    assert _sections(f"<span>نُشر في {AFRICA}، {ANALYSES}</span>") == ["أفريقيا", "تحليلات"]
    # Also in the post's footer, below the text.
    assert _sections("", after=f"<div>الأقسام: {ANALYSES}</div>") == ["تحليلات"]


def test_a_category_named_in_a_sentence_or_on_another_posts_card_is_no_section() -> None:
    sentence = (f"<p>كما بينت تحليلات سابقة في قسم {AFRICA} فإن الأزمة ممتدة منذ سنوات طويلة.</p>"
                + PROSE)
    assert _sections("", text=sentence) == []
    card = ('<div><h3>اقرأ أيضا</h3><div><a href="https://ncmes.org/4790/">السودان بعد الحرب: '
            f'قراءة في المشهد</a> {ANALYSES}</div></div>')
    assert _sections("", after=card) == []
    # The site's menus, header and sidebar never name the post's section.
    assert _sections("") == []
    # Nor does a list of every category (with its count of posts) inside the post's template;
    # a post is filed under a few.
    def categories(n: int) -> str:
        return "<ul>" + "".join(f'<li><a href="https://ncmes.org/category/c{i}/">قسم {i} ({i})</a>'
                                f"</li>" for i in range(n)) + "</ul>"

    assert _sections("", after=categories(6)) == []
    assert _sections("", after=categories(2)) == []  # with counts: a widget's list
    # WordPress's own categories list prints the count after the link.
    assert _sections("", after=categories(2).replace(" (0)</a>", "</a> (0)")
                     .replace(" (1)</a>", "</a> (1)")) == []
    assert _sections("", after=categories(2).replace(" (0)", "").replace(" (1)", "")) == [
        "قسم 0", "قسم 1"]


def test_the_meta_lines_author_archive_links_are_the_authors() -> None:
    line = ('<span><a href="https://ncmes.org/author/ahmed/">د. أحمد سمير</a> · '
            '<a href="https://ncmes.org/author/mona/">منى عادل</a></span>')
    more = ('<div><a href="https://ncmes.org/author/ahmed/">كل مقالات الكاتب</a> '
            '<a href="https://ncmes.org/author/ahmed/feed/">RSS</a></div>')
    card = ('<div><h3>اقرأ أيضا</h3><div><a href="https://ncmes.org/4790/">السودان بعد الحرب: '
            'قراءة في المشهد</a> <a href="https://ncmes.org/author/omar/">عمر الطيب</a></div></div>')
    assert _record(line, after=more + card).authors == ["أحمد سمير", "منى عادل"]
    # The page's own statement of its author comes first.
    head = '<meta name="author" content="منى عادل">'
    assert _record(line, after=more, head=head).authors == ["منى عادل"]
    # A link to an author's archive in a sentence is no byline.
    sentence = ('<p>كما كتب <a href="https://ncmes.org/author/omar/">عمر الطيب</a> في مقال سابق عن '
                'الأزمة الممتدة منذ سنوات طويلة.</p>')
    assert _record("", text=sentence + PROSE).authors == []
    # A list of the site's writers in the post's template names no author of the post.
    writers = "<ul>" + "".join(f'<li><a href="https://ncmes.org/author/w{i}/">كاتب رقم {i}</a></li>'
                               for i in range(6)) + "</ul>"
    assert _record("", after=writers).authors == []
