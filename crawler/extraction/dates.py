"""Shown dates (day first, Arabic month names) and machine timestamps, to date and UTC."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import unicodedata
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import dateparser

from crawler.text import to_western_digits

# Policy: a timestamp without a zone (WordPress' `date` field, a bare ISO string) is the
# site's local time. ncmes.org is a Cairo publisher.
SITE_TZ = ZoneInfo("Africa/Cairo")
UTC = dt.UTC

# Harakat, the superscript alef and tatweel: written or not, the word is the same.
_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")


def fold_arabic(text: str) -> str:
    """Arabic written one way: without diacritics or tatweel, one alef (hamza or not), ه for
    ة and ي for ى (month names and headings are spelled either way)."""
    text = _DIACRITICS.sub("", text)
    return (
        text.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
        .replace("ة", "ه").replace("ى", "ي")
    )


_MONTHS_RAW: dict[str, int] = {
    # Egyptian (and Gulf) names, with the spellings seen on Arabic sites.
    "يناير": 1, "فبراير": 2, "فبرير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "ابريل": 4,
    "مايو": 5, "ماي": 5, "يونيو": 6, "يونية": 6, "يوليو": 7, "يولية": 7, "أغسطس": 8,
    "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine (Syriac) names.
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6,
    "تموز": 7, "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11,
    "كانون الأول": 12,
    # Maghrebi names that differ.
    "جانفي": 1, "فيفري": 2, "أفريل": 4, "جوان": 6, "جويلية": 7, "أوت": 8,
}
_MONTHS: dict[str, int] = {fold_arabic(k): v for k, v in _MONTHS_RAW.items()}
# Longest first so that "كانون الثاني" wins over nothing shorter and two-word names match whole.
_MONTH_ALT = "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True))
_ENGLISH_MONTHS = {
    m: i for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"], start=1)
}
_ENGLISH_ALT = "|".join(sorted([*_ENGLISH_MONTHS, *(m[:3] for m in _ENGLISH_MONTHS), "sept"],
                               key=len, reverse=True))

_WORD_EDGE_L = r"(?<![\w])"
_WORD_EDGE_R = r"(?![\w])"
_MONTH_NAME_RE = re.compile(_WORD_EDGE_L + r"(?:[وب]?)(" + _MONTH_ALT + r")" + _WORD_EDGE_R)
_ENGLISH_NAME_RE = re.compile(r"\b(" + _ENGLISH_ALT + r")\.?\b", re.IGNORECASE)
_DMY_NUMERIC_RE = re.compile(r"(?<!\d)(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
_YMD_NUMERIC_RE = re.compile(r"(?<!\d)(\d{4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")
_DAY_RE = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# A time of day beside a date ("9:02 AM", "18:42:07"): its numbers are not the day.
_TIME_RE = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")

_DATEPARSER_SETTINGS = {
    "DATE_ORDER": "DMY",
    "PREFER_LOCALE_DATE_ORDER": False,
    # Never fill a missing part from today's date: extraction has no clock.
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["absolute-time"],
    "RETURN_AS_TIMEZONE_AWARE": False,
}


def clean_date_text(text: str) -> str:
    """Format characters (RLM, LRM, ALM, bidi isolates) removed, digits Western, spaces folded."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = unicodedata.normalize("NFC", to_western_digits(text))
    text = text.replace("،", " ").replace(",", " ")
    return re.sub(r"\s+", " ", text).strip()


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _by_month_name(text: str) -> dt.date | None:
    folded = _TIME_RE.sub(" ", fold_arabic(text))
    months = {_MONTHS[m.group(1)] for m in _MONTH_NAME_RE.finditer(folded)}
    months |= {_english_abbrev(m.group(1)) for m in _ENGLISH_NAME_RE.finditer(folded)}
    # "تشرين الأول/أكتوبر" names one month twice; two different months is not a date.
    if len(months) != 1:
        return None
    month = months.pop()
    years = _YEAR_RE.findall(folded)
    without_years = _YEAR_RE.sub(" ", folded)
    days = _DAY_RE.findall(without_years)
    if len(years) != 1 or len(days) != 1:
        return None
    return _safe_date(int(years[0]), month, int(days[0]))


def _english_abbrev(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    for full, number in _ENGLISH_MONTHS.items():
        if full.startswith(key):
            return number
    return 0


# What a date line holds besides its date: a label ("Posted", "First published on", "نشر في").
_OTHER_WORDS = 3
_WEEKDAY_RE = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?\b\.?"
    r"|" + _WORD_EDGE_L + r"(?:ال)?(?:سبت|احد|اثنين|ثلاثاء|اربعاء|خميس|جمعه)" + _WORD_EDGE_R,
    re.IGNORECASE,
)
_MERIDIEM_RE = re.compile(r"\b[ap]\.?m\.?(?!\w)|(?<!\w)[صم](?!\w)", re.IGNORECASE)
# A time zone's offset beside a time ("+0000", "GMT+0200"): no year.
_OFFSET_RE = re.compile(r"(?<=\s)(?:gmt|utc)?[+-]\d{2}:?\d{2}(?!\d)", re.IGNORECASE)


def is_date_only(text: str) -> bool:
    """Whether text is one shown date and little else: at most _OTHER_WORDS words besides its
    numbers, month, weekday and time ("Posted: Fri 6:45 PM, Feb 16, 2018"; never "5 May
    2019: talks begin in Cairo")."""
    cleaned = _OFFSET_RE.sub(" ", clean_date_text(text))
    if len(_YEAR_RE.findall(cleaned)) != 1 or parse_shown_date(text) is None:
        return False  # one date: a line of two ("2022-05-22. Retrieved 2022-06-20") is a note's
    rest = fold_arabic(cleaned)
    for pattern in (_TIME_RE, _MERIDIEM_RE, _MONTH_NAME_RE, _ENGLISH_NAME_RE, _WEEKDAY_RE):
        rest = pattern.sub(" ", rest)
    return len(re.findall(r"[^\W\d_]+", rest)) <= _OTHER_WORDS


def parse_shown_date(text: str) -> dt.date | None:
    """A date as the page writes it (`18/10/2025`, `السبت، 18 أكتوبر 2025`), day first."""
    if not text:
        return None
    cleaned = clean_date_text(text)
    if not cleaned or len(cleaned) > 80:
        return None
    match = _YMD_NUMERIC_RE.search(cleaned)
    if match:
        return _safe_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    match = _DMY_NUMERIC_RE.search(cleaned)
    if match:
        # The site writes day first: 05/10/2025 is 5 October, never 10 May.
        return _safe_date(int(match.group(4)), int(match.group(3)), int(match.group(1)))
    found = _by_month_name(cleaned)
    if found is not None:
        return found
    if not re.search(r"\d{4}", cleaned):
        return None
    parsed = dateparser.parse(cleaned, languages=["ar", "en"], settings=_DATEPARSER_SETTINGS)
    if parsed is None:
        parsed = dateparser.parse(cleaned, locales=["ar-LB"], settings=_DATEPARSER_SETTINGS)
    return parsed.date() if parsed is not None else None


def warm_up() -> None:
    """Build now what dateparser builds on its first use in a process (its time-zone
    patterns, the Arabic and English languages, the ar-LB locale): about a tenth of a
    second. The extraction fork server calls this once (crawler.extraction.warmup), so that
    no worker forked from it pays it again."""
    for text in ("12 Rajab 2025", "١٢ رجب ٢٠٢٥"):
        dateparser.parse(text, languages=["ar", "en"], settings=_DATEPARSER_SETTINGS)
        dateparser.parse(text, locales=["ar-LB"], settings=_DATEPARSER_SETTINGS)


# A machine timestamp before the web (1991) is a placeholder (0001-01-01, the Unix epoch),
# never a publication time.
EARLIEST_TIMESTAMP = dt.datetime(1991, 1, 1, tzinfo=UTC)


# JavaScript's Date.toString() zone, "GMT+0000 (Coordinated Universal Time)": its offset.
_JS_ZONE = re.compile(r"\bGMT([+-]\d{4})\b(?:\s*\([^)]*\))?")


def read_timestamp(text: str | None) -> dt.datetime | None:
    """A machine timestamp (ISO 8601, RFC 2822) in its own offset; no zone means Cairo time."""
    if not text:
        return None
    cleaned = clean_date_text(text)
    if "T" not in cleaned:
        cleaned = cleaned.replace(" ", "T", 1)
    value: dt.datetime | None = None
    try:
        value = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        try:
            value = email.utils.parsedate_to_datetime(_JS_ZONE.sub(r"\1", clean_date_text(text)))
        except (TypeError, ValueError, IndexError):
            value = None
    if value is None:
        only_date = parse_shown_date(text)
        if only_date is None:
            return None
        value = dt.datetime.combine(only_date, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=SITE_TZ)
    try:
        if value < EARLIEST_TIMESTAMP:
            return None
    except OverflowError:
        return None
    return value


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """A machine timestamp (ISO 8601, RFC 2822) as aware UTC; no zone means Cairo time."""
    value = read_timestamp(text)
    return value.astimezone(UTC) if value is not None else None


def publication_day(value: dt.datetime, url: str, clock: ZoneInfo | None = SITE_TZ) -> dt.date:
    """The publisher's calendar day of a timestamp read by read_timestamp: the day written in
    it when it carries its own non-zero offset (a page in New York writing 23:30-05:00 means
    that day, not the next day in Cairo) or no zone at all (the publisher's own time). A UTC
    time is dated on the publisher's `clock` when it is known (the site's: Cairo), else on the
    day it writes, as htmldate reads it (nothing says where the publisher is); either way,
    unless a full date in the post's URL (/2019/11/18/, written on the publisher's clock) is
    one day off it: a UTC time leaves the publisher's day one either side, and the URL says
    which."""
    if value.tzinfo is SITE_TZ or value.utcoffset():
        return value.date()
    day = value.astimezone(clock).date() if clock is not None else value.date()
    in_url = url_day(url)
    return in_url if in_url is not None and abs((in_url - day).days) == 1 else day


# A timestamp written with its own offset (2025-08-21T12:25:00+03:00).
_WRITTEN_OFFSET = re.compile(r"\d[T ]\d\d:\d\d.*[+-]\d\d:?\d\d\s*$")


def on_site_clock(text: str | None, before: dt.datetime | None = None) -> bool:
    """Whether a machine timestamp is written on the site's clock: with the non-zero offset
    Cairo had at that instant (+02:00, or +03:00 in its summers). A time after `before` (the
    fetch) is a placeholder (9999-12-31), not a time the publisher wrote."""
    if not text or not _WRITTEN_OFFSET.search(text):
        return False
    value = read_timestamp(text)
    if value is None or value.tzinfo is SITE_TZ or not value.utcoffset():
        return False
    if before is not None and before.tzinfo is not None and value > before:
        return False
    try:
        return value.utcoffset() == value.astimezone(SITE_TZ).utcoffset()
    except (OverflowError, ValueError):  # a year 9999 placeholder
        return False


def month_first(text: str) -> dt.date | None:
    """A numeric date read month first (11/05/2019 as 5 November), the other reading of the
    day-first form the site writes; None when the text holds no such date."""
    match = _DMY_NUMERIC_RE.search(clean_date_text(text)) if text else None
    if match is None:
        return None
    return _safe_date(int(match.group(4)), int(match.group(1)), int(match.group(3)))


# A full date in a URL's path: /2019/11/18/, /2019-11-18/ or a slug's end, -2019-11-18/
# (news and WordPress permalinks written with the post's day).
_URL_DAY = re.compile(r"[/_-]((?:19|20)\d\d)[/-](\d\d?)[/-](\d\d?)(?:[/-]|$)")


def url_day(url: str) -> dt.date | None:
    """The publication day a URL's path spells out, if it spells a whole one."""
    match = _URL_DAY.search(urlsplit(url).path)
    if match is None:
        return None
    return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))

