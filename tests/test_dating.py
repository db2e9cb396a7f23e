"""Whose date a date is (crawler/extraction/dating.py): a date beside a link to another post
is that post's; htmldate reads the metadata, never the page's text."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from crawler.extraction.dating import beside_other_post, htmldate_date

URL = "https://ncmes.org/4801"
SITE = "https://ncmes.org"


def _doc(body: str, head: str = "") -> etree._Element:
    return etree.fromstring(f"<html><head>{head}</head><body>{body}</body></html>",
                            etree.HTMLParser())


def _time(doc: etree._Element) -> etree._Element:
    return next(doc.iter("time"))


def test_the_posts_own_meta_line_is_its_own() -> None:
    doc = _doc('<div class="entry-meta"><a href="/4801/" rel="bookmark"><time>12 أكتوبر 2025</time>'
               '</a> <a href="/author/ahmed/" rel="author">المركز القومي لدراسات الشرق الأوسط</a>'
               ' <a href="/category/africa/" rel="category tag">الشؤون الأفريقية والعربية</a></div>')
    assert not beside_other_post(_time(doc), URL, SITE)


def test_a_date_in_a_recent_posts_item_is_the_other_posts() -> None:
    doc = _doc('<ul><li><a href="/4790/">العدد الحادي عشر</a> <time>5 أكتوبر 2025</time></li></ul>')
    assert beside_other_post(_time(doc), URL, SITE)
    # Where URLs do not say which pages are posts, a headline (4+ words) does.
    doc = _doc('<div class="mini"><h3><a href="https://ncmes.org/issue-six/">Issue six of the '
               'review</a></h3><time>September 14, 2025</time></div>')
    assert beside_other_post(_time(doc), "https://ncmes.org/issue-seven/", SITE)


def test_a_date_in_long_text_is_not_judged_by_the_links_of_that_text() -> None:
    prose = "نص طويل " * 40
    doc = _doc(f'<div><p>{prose}<a href="/4700/">مقال آخر عن الموضوع نفسه</a></p>'
               '<span class="posted-on"><time>12 أكتوبر 2025</time></span></div>')
    assert not beside_other_post(_time(doc), URL, SITE)


def test_htmldate_reads_the_head_and_never_the_text() -> None:
    head = '<meta name="parsely-pub-date" content="2025-11-02T11:00:00+02:00">'
    before = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
    assert htmldate_date(_doc("<p>x</p>", head), URL, before) == dt.date(2025, 11, 2)
    text = "<p>آخر تحديث 20/11/2025</p><p>Updated: November 3, 2025</p>"
    assert htmldate_date(_doc(text), URL, before) is None
    # Never a date after the fetch.
    assert htmldate_date(_doc("<p>x</p>", head), URL, dt.datetime(2025, 10, 1, tzinfo=dt.UTC)) is None
