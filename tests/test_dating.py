"""Whose date a date is (crawler/extraction/dating.py): a date beside a link to another post
is that post's; htmldate reads the metadata and the article's own markup, never free text;
the publication day on pages of any publisher."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st
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


def test_a_link_to_a_file_the_home_page_or_an_authors_photo_is_no_other_post() -> None:
    for link in ('<a href="/wp-content/uploads/2025/10/report-on-the-nile-basin.pdf">Download '
                 'the full report on the basin</a>',
                 '<a href="https://ncmes.org/">Back to the centre\'s home page</a>',
                 '<a href="https://ncmes.org/staff/ahmed-ali"><img src="/ahmed.jpg"></a> أحمد علي'):
        doc = _doc(f'<div class="meta">{link} <time>12 أكتوبر 2025</time></div>')
        assert not beside_other_post(_time(doc), "https://ncmes.org/nile-basin-report/", SITE)


def test_htmldate_reads_the_head_and_never_the_text() -> None:
    head = '<meta name="parsely-pub-date" content="2025-11-02T11:00:00+02:00">'
    before = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
    assert htmldate_date(_doc("<p>x</p>", head), URL, before) == dt.date(2025, 11, 2)
    text = "<p>آخر تحديث 20/11/2025</p><p>Updated: November 3, 2025</p>"
    assert htmldate_date(_doc(text), URL, before) is None
    # Never a date after the fetch.
    assert htmldate_date(_doc("<p>x</p>", head), URL, dt.datetime(2025, 10, 1, tzinfo=dt.UTC)) is None


# -- the publication day on pages of any publisher (through extract()) ---------------------

from crawler.extraction import extract  # noqa: E402
from crawler.extraction.dates import (  # noqa: E402
    SITE_TZ,
    month_first,
    parse_timestamp,
    publication_day,
    read_timestamp,
    url_day,
)

FETCHED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PROSE = "".join(f"<p>Paragraph {i} of the story, long enough to be read as the article's own "
                f"text by any reader of the page, with a full stop at its end.</p>" for i in range(8))


def _page(head: str = "", meta_line: str = "", aside: str = "") -> bytes:
    return (f"<html><head><title>A story</title>{head}</head><body><main>"
            f"<article class='post'><h1 class='entry-title'>A story</h1>"
            f"<div class='entry-meta'>{meta_line}</div><div class='entry-content'>{PROSE}</div>"
            f"</article>{aside}</main></body></html>").encode()


def _published(data: bytes, url: str = "https://news.example.com/story/") -> dt.date | None:
    return extract(data, url, FETCHED).published


def test_the_day_is_the_one_written_in_the_timestamps_own_offset() -> None:
    # 23:30 in New York is the 5th there, though the 6th in Cairo and in UTC.
    def day(text: str) -> dt.date:
        return publication_day(read_timestamp(text), "https://x.example/story/")

    assert day("2015-03-05T23:30:00-05:00") == dt.date(2015, 3, 5)
    assert day("2015-03-05T23:30:00+00:00") == dt.date(2015, 3, 6)  # UTC: the site's clock
    assert day("2015-03-05T23:30:00") == dt.date(2015, 3, 5)  # no zone: the site's clock
    head = '<meta property="article:published_time" content="2015-03-05T23:30:00-05:00">'
    assert _published(_page(head)) == dt.date(2015, 3, 5)


def _undated(head: str, lang: str = "en", aside: str = "") -> bytes:
    """A page that shows no date, dated by its `head` only."""
    return _page(head, aside=aside).replace(b"<html>", f'<html lang="{lang}">'.encode(), 1)


@settings(max_examples=40, deadline=None)
# Where Cairo's day is not UTC's: late evening UTC, in winter (UTC+2) and in an Egyptian
# summer (UTC+3, from 2023).
@example(dt.datetime(2025, 1, 15, 22, 30, tzinfo=dt.UTC), "iso")
@example(dt.datetime(2025, 7, 15, 21, 30, tzinfo=dt.UTC), "z")
# The last instants before the fetch: a time written after it is a placeholder, no clock.
@example(FETCHED - dt.timedelta(hours=1), "iso")
@given(st.datetimes(min_value=dt.datetime(2001, 1, 1),
                    max_value=FETCHED.replace(tzinfo=None) - dt.timedelta(hours=1),
                    timezones=st.just(dt.UTC)), st.sampled_from(["iso", "z"]))
def test_a_utc_time_is_dated_on_the_sites_clock_only_where_the_publisher_is_known(
        instant: dt.datetime, form: str) -> None:
    written = instant.replace(microsecond=0).isoformat()
    if form == "z":
        written = written.replace("+00:00", "Z")
    head = f'<meta property="article:published_time" content="{written}">'
    cairo, own = instant.astimezone(SITE_TZ).date(), instant.date()
    # Another publisher's page: where it is, nothing says; the day the timestamp writes (as
    # htmldate reads it), not Cairo's.
    assert _published(_undated(head)) == own
    # The site's pages: in Arabic, or writing one of their times on Cairo's clock (here in a
    # recent-posts list, another post's), or read by a crawl of the site, which names its clock.
    assert _published(_undated(head, lang="ar")) == cairo
    other = instant - dt.timedelta(days=3)
    stamp = other.astimezone(SITE_TZ).isoformat()
    recent = (f"<aside><ul><li><a href='https://news.example.com/other/'>Another story</a> "
              f"<time datetime='{stamp}'>{other:%d %B %Y}</time></li></ul></aside>")
    assert _published(_undated(head, aside=recent)) == cairo
    assert extract(_undated(head), "https://news.example.com/story/", FETCHED, clock=SITE_TZ).published == cairo
    # A time another zone writes is that zone's, whoever reads it.
    new_york = instant.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    head = f'<meta property="article:published_time" content="{new_york.isoformat()}">'
    for page in (_undated(head), _undated(head, lang="ar")):
        assert extract(page, "https://news.example.com/story/", FETCHED, clock=SITE_TZ).published == new_york.date()


def test_the_pages_own_times_on_cairos_clock_tell_the_site() -> None:
    """A page that writes its own modified time at Cairo's offset, in its meta or its JSON-LD,
    is the site's: its UTC publication stamp is dated on Cairo's calendar."""
    published = '<meta property="article:published_time" content="2025-01-15T22:30:00+00:00">'
    assert _published(_undated(published)) == dt.date(2025, 1, 15)
    for own in ('<meta property="article:modified_time" content="2025-01-20T10:00:00+02:00">',
                '<meta property="og:updated_time" content="2025-01-20T10:00:00+02:00">',
                '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Article", '
                '"headline": "A story", "dateModified": "2025-01-20T10:00:00+02:00"}</script>'):
        assert _published(_undated(published + own)) == dt.date(2025, 1, 16), own


def test_a_placeholder_time_far_ahead_is_no_clock() -> None:
    head = '<meta property="article:published_time" content="2025-06-30T22:30:00+00:00">'
    # At Cairo's offsets, or at one beyond what a date can hold once moved to Cairo's.
    for placeholder in ("9999-12-31T23:30:00+01:00", "9999-12-31T10:00:00+02:00", "2999-06-30T10:00:00+03:00"):
        aside = f"<aside><time datetime='{placeholder}'>soon</time></aside>"
        assert _published(_undated(head, aside=aside)) == dt.date(2025, 6, 30), placeholder


def test_placeholder_timestamps_are_no_dates() -> None:
    for text in ("0001-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00"):
        assert parse_timestamp(text) is None
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "0001-01-01T00:00:00Z"}</script>')
    assert _published(_page(head)) is None


def test_javascript_date_strings_keep_their_zone() -> None:
    assert parse_timestamp("Tue Nov 19 2019 03:05:46 GMT+0000") == dt.datetime(
        2019, 11, 19, 3, 5, 46, tzinfo=dt.UTC)
    assert parse_timestamp("Tue Nov 19 2019 03:05:46 GMT-0500 (Eastern Standard Time)") == (
        dt.datetime(2019, 11, 19, 8, 5, 46, tzinfo=dt.UTC))
    assert read_timestamp("Tue Nov 19 2019 03:05:46 GMT+0000").utcoffset() == dt.timedelta(0)
    assert read_timestamp("2019-11-19T03:05:46").utcoffset() == dt.timedelta(hours=2)  # Cairo


def test_a_utc_time_a_day_off_the_urls_date_takes_the_urls_day() -> None:
    assert url_day("https://x.example/sites/a/2019/11/18/story/") == dt.date(2019, 11, 18)
    assert url_day("https://x.example/news/hearing-2019-11-19/") == dt.date(2019, 11, 19)
    assert url_day("https://x.example/news/milan-week-2018-lights/") is None
    head = '<meta property="article:published_time" content="2019-11-19T03:05:46Z">'
    assert _published(_page(head), "https://x.example/sites/a/2019/11/18/story/") == dt.date(2019, 11, 18)
    # Two days off: the URL is not the post's day (a series, an event), the metadata stands.
    assert _published(_page(head), "https://x.example/sites/a/2019/11/17/story/") == dt.date(2019, 11, 19)
    # A time written with its own offset is never moved by the URL.
    head = '<meta property="article:published_time" content="2019-11-19T03:05:46+02:00">'
    assert _published(_page(head), "https://x.example/sites/a/2019/11/18/story/") == dt.date(2019, 11, 19)


def test_yoasts_webpage_dates_the_page_when_no_article_is_typed() -> None:
    head = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
            '{"@type": "Organization", "name": "X"}, {"@type": "WebPage", "@id": "https://x/#w",'
            ' "datePublished": "2018-04-18T14:39:09+02:00", "dateModified": '
            '"2019-04-10T10:13:14+02:00"}]}</script>'
            '<meta property="article:modified_time" content="2019-04-10T10:13:14+02:00">')
    assert _published(_page(head)) == dt.date(2018, 4, 18)


def test_an_update_date_is_not_the_publication_date() -> None:
    line = ('<time class="entry-date published" datetime="2020-02-03T10:00:00+01:00">3 February '
            '2020</time> <time class="updated" datetime="2021-06-01T10:00:00+01:00">1 June 2021</time>')
    assert _published(_page(meta_line=line)) == dt.date(2020, 2, 3)
    line = '<span>Last updated: <time>1 June 2021</time></span>'
    head = '<meta property="article:published_time" content="2020-02-03T10:00:00+01:00">'
    assert _published(_page(head, meta_line="<time>Updated June 1, 2021</time>")) == dt.date(2020, 2, 3)
    assert _published(_page(head, meta_line=line)) == dt.date(2020, 2, 3)


def test_a_shown_numeric_date_is_read_month_first_only_when_another_source_says_so() -> None:
    assert month_first("11/05/2019") == dt.date(2019, 11, 5)
    us = '<meta property="article:published_time" content="2019-11-05T09:00:00-05:00">'
    line = '<span class="posted-on"><time>11/05/2019</time></span>'
    assert _published(_page(us, meta_line=line)) == dt.date(2019, 11, 5)
    # Day first is the rule: with nothing else that dates the page, 11/05/2019 is 11 May.
    assert _published(_page(meta_line=line)) == dt.date(2019, 5, 11)
    # Without the article's timestamp, the URL's day decides, and else htmldate's reading of
    # metadata we do not read as the article's (a Dublin Core date, a bare "date").
    assert _published(_page(meta_line=line), "https://x.example/2019/11/05/story/") == dt.date(2019, 11, 5)
    assert _published(_page(meta_line=line), "https://x.example/2019/05/11/story/") == dt.date(2019, 5, 11)
    for head in ('<meta name="DC.date.issued" content="2019-11-05">',
                 '<meta name="date" content="2019-11-05">'):
        assert _published(_page(head, meta_line=line)) == dt.date(2019, 11, 5)
    # The URL's day is asked before htmldate, and the article's timestamp before both.
    dc = '<meta name="DC.date.issued" content="2019-11-05">'
    assert _published(_page(dc, meta_line=line), "https://x.example/2019/05/11/a/") == dt.date(2019, 5, 11)
    uk = '<meta property="article:published_time" content="2019-05-11T09:00:00+01:00">'
    assert _published(_page(uk, meta_line=line), "https://x.example/2019/11/05/a/") == dt.date(2019, 5, 11)
    # A date that has one reading (25/05/2019) is never questioned.
    line25 = '<span class="posted-on"><time>25/05/2019</time></span>'
    assert _published(_page(dc, meta_line=line25)) == dt.date(2019, 5, 25)


def test_htmldate_reads_the_articles_markup_but_never_other_posts_teasers() -> None:
    # No metadata, no date our rules read: htmldate finds the date in the article's markup.
    line = '<span class="date-published">2021-03-04</span>'
    assert _published(_page(meta_line=line)) == dt.date(2021, 3, 4)
    # A teaser of another post inside the article, with its date: never that date.
    teaser = ('<div class="recent"><a href="https://news.example.com/2020/01/02/other-story/">'
              'Another story from the same desk</a><span class="date-published">2020-01-02</span></div>')
    page = _page(meta_line=teaser)
    assert _published(page) is None
    # Nor a date outside the article's own region (a sidebar after it).
    aside = '<aside><span class="date-published">2019-07-07</span></aside>'
    assert _published(_page(aside=aside)) is None
