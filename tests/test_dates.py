"""Unit tests of dates.py: shown dates (day first, Arabic months, digits, marks) and time zones."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.extraction.dates import SITE_TZ, is_date_only, parse_shown_date, parse_timestamp, publication_day

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18/10/2025", dt.date(2025, 10, 18)),
        ("05/10/2025", dt.date(2025, 10, 5)),  # day first, never 10 May
        ("01/02/2024", dt.date(2024, 2, 1)),
        ("5-6-2025", dt.date(2025, 6, 5)),
        ("2025-10-18", dt.date(2025, 10, 18)),
        ("١٨/١٠/٢٠٢٥", dt.date(2025, 10, 18)),
        ("٠٥/١٠/٢٠٢٥", dt.date(2025, 10, 5)),
        ("۱۸/۱۰/۲۰۲۵", dt.date(2025, 10, 18)),  # Eastern Arabic-Indic (Persian) digits
        ("\u200f18\u200f/10/2025\u200f", dt.date(2025, 10, 18)),  # RLM marks
        ("\u202b18/10/2025\u202c", dt.date(2025, 10, 18)),  # RLE ... PDF
        ("\u2067١٨ أكتوبر ٢٠٢٥\u2069", dt.date(2025, 10, 18)),  # RLI ... PDI
        ("18 أكتوبر 2025", dt.date(2025, 10, 18)),
        ("18 اكتوبر 2025", dt.date(2025, 10, 18)),
        ("السبت، 18 أكتوبر 2025", dt.date(2025, 10, 18)),
        ("الخميس ٣ إبريل ٢٠٢٥", dt.date(2025, 4, 3)),
        ("3 أبريل 2025", dt.date(2025, 4, 3)),
        ("3 ابريل 2025", dt.date(2025, 4, 3)),
        ("1 يناير 2024", dt.date(2024, 1, 1)),
        ("29 فبراير 2024", dt.date(2024, 2, 29)),
        ("10 مارس 2025", dt.date(2025, 3, 10)),
        ("7 مايو 2025", dt.date(2025, 5, 7)),
        ("12 يونيو 2025", dt.date(2025, 6, 12)),
        ("12 يونية 2025", dt.date(2025, 6, 12)),
        ("9 يوليو 2025", dt.date(2025, 7, 9)),
        ("9 يولية 2025", dt.date(2025, 7, 9)),
        ("7 أغسطس 2024", dt.date(2024, 8, 7)),
        ("الأربعاء، 7 اغسطس 2024", dt.date(2024, 8, 7)),
        ("30 سبتمبر 2025", dt.date(2025, 9, 30)),
        ("2 نوفمبر 2025", dt.date(2025, 11, 2)),
        ("31 ديسمبر 2025", dt.date(2025, 12, 31)),
        ("15 كانون الثاني 2025", dt.date(2025, 1, 15)),
        ("1 شباط 2025", dt.date(2025, 2, 1)),
        ("1 آذار 2025", dt.date(2025, 3, 1)),
        ("1 نيسان 2025", dt.date(2025, 4, 1)),
        ("1 أيار 2025", dt.date(2025, 5, 1)),
        ("1 حزيران 2025", dt.date(2025, 6, 1)),
        ("1 تموز 2025", dt.date(2025, 7, 1)),
        ("12 آب 2023", dt.date(2023, 8, 12)),
        ("1 أيلول 2025", dt.date(2025, 9, 1)),
        ("18 تشرين الأول 2025", dt.date(2025, 10, 18)),
        ("3 تشرين الثاني 2024", dt.date(2024, 11, 3)),
        ("25 كانون الأول 2024", dt.date(2024, 12, 25)),
        ("18 تشرين الأول/أكتوبر 2025", dt.date(2025, 10, 18)),  # both names, one month
        ("October 18, 2025", dt.date(2025, 10, 18)),
        ("18 Oct 2025", dt.date(2025, 10, 18)),
        ("أكتوبر 18، 2025", dt.date(2025, 10, 18)),
        ("18 أكتوبـــر 2025", dt.date(2025, 10, 18)),  # tatweel inside the month name
        ("18 أُكْتُوبَر 2025", dt.date(2025, 10, 18)),  # written with its vowels
        # The older site: weekday (with or without hamza), ASCII commas, month, unpadded day.
        ("الأثنين, سبتمبر 1, 2014", dt.date(2014, 9, 1)),
        ("الاثنين, سبتمبر 1, 2014", dt.date(2014, 9, 1)),
        ("الخميس, ديسمبر 25, 2014", dt.date(2014, 12, 25)),
        ("الأربعاء, فبراير 4, 2015", dt.date(2015, 2, 4)),
        # A time of day beside the date: its numbers are not the day.
        ("PUBLISHED: 10:48, Tue, Nov 19, 2019", dt.date(2019, 11, 19)),
        ("February 1, 2016: 12:41 PM ET", dt.date(2016, 2, 1)),
        ("01:38:07 PM IST Nov 20 2019", dt.date(2019, 11, 20)),
        ("18 أكتوبر 2025 - 10:30 م", dt.date(2025, 10, 18)),
    ],
)
def test_shown_dates(text: str, expected: dt.date) -> None:
    assert parse_shown_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "قضايا مشتركة:", "أكتوبر 2025", "18 أكتوبر", "32/10/2025", "31 نوفمبر 2025",
     "18 أكتوبر نوفمبر 2025", "منذ يومين", "Search",
     "أكتوبر 2025 10:30"],
)
def test_not_dates(text: str) -> None:
    # Partial dates are never completed from today's date: extraction has no clock.
    assert parse_shown_date(text) is None


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ("18/10/2025", True),
        ("الأربعاء 18 أكتوبر 2025", True),
        ("نشر في: السبت، 18 أكتوبر 2025 - 10:30 م", True),
        ("الأثنين, سبتمبر 1, 2014", True),
        ("Posted: Fri 6:45 PM, Feb 16, 2018 |", True),
        ("First Published on Nov 20, 2019 01:38 pm", True),
        ("Updated: Sat 8:31 PM, Feb 17, 2018", True),
        ("2017-08-15", True),
        ("Wed, 5 Jun 2019 10:00:00 +0000", True),
        ("This Internet-Draft will expire on 15 December 2014.", False),
        ("- 5 مايو 2019: انطلاق المحادثات في القاهرة", False),
        (". fresno24.com. 2022-05-22. Retrieved 2022-06-20.", False),
        ("Search", False),
    ],
)
def test_a_date_line_is_a_date_with_a_label_a_weekday_a_time_and_no_more(text: str, alone: bool) -> None:
    assert is_date_only(text) is alone


def test_offsets_become_utc() -> None:
    got = parse_timestamp("2025-10-18T12:14:27+03:00")
    assert got == dt.datetime(2025, 10, 18, 9, 14, 27, tzinfo=UTC)
    assert got is not None and got.utcoffset() == dt.timedelta(0)


def test_z_suffix() -> None:
    want = dt.datetime(2025, 10, 18, 9, 14, 27, tzinfo=UTC)
    assert parse_timestamp("2025-10-18T09:14:27Z") == want


def test_negative_offset_crosses_midnight() -> None:
    want = dt.datetime(2025, 10, 19, 3, 30, tzinfo=UTC)
    assert parse_timestamp("2025-10-18T22:30:00-05:00") == want


def test_naive_is_cairo_time_in_winter() -> None:
    # Policy: a timestamp without a zone is the site's local time (Africa/Cairo, +02:00 in winter).
    assert parse_timestamp("2025-01-15T10:00:00") == dt.datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
    assert parse_timestamp("2025-01-15 10:00:00") == dt.datetime(2025, 1, 15, 8, 0, tzinfo=UTC)


def test_naive_is_cairo_time_in_summer() -> None:
    # Egypt observes daylight saving time again since 2023: +03:00 in July.
    assert parse_timestamp("2025-07-01T23:30:00") == dt.datetime(2025, 7, 1, 20, 30, tzinfo=UTC)


def test_rfc2822() -> None:
    want = dt.datetime(2025, 10, 18, 10, tzinfo=UTC)
    assert parse_timestamp("Sat, 18 Oct 2025 10:00:00 +0000") == want


def test_arabic_digits_in_timestamp() -> None:
    want = dt.datetime(2025, 10, 18, 9, 14, 27, tzinfo=UTC)
    assert parse_timestamp("٢٠٢٥-١٠-١٨T٠٩:١٤:٢٧+٠٠:٠٠") == want


def test_garbage_timestamp() -> None:
    assert parse_timestamp("not a time") is None
    assert parse_timestamp("") is None
    assert parse_timestamp(None) is None


def test_a_utc_time_on_the_sites_clock_is_cairos_day() -> None:
    # 22:30 UTC on the 17th is already the 18th in Cairo (+03:00 in October 2025).
    late = dt.datetime(2025, 10, 17, 22, 30, tzinfo=UTC)
    assert publication_day(late, "https://ncmes.org/6001/", SITE_TZ) == dt.date(2025, 10, 18)
    assert publication_day(late, "https://news.example.com/story/", None) == dt.date(2025, 10, 17)
    assert SITE_TZ.key == "Africa/Cairo"


def test_timestamps_always_aware() -> None:
    for text in ["2025-10-18", "2025-10-18T10:00", "2025-10-18T10:00:00.123456+01:00"]:
        got = parse_timestamp(text)
        assert got is not None and got.tzinfo is not None and got.utcoffset() == dt.timedelta(0)
