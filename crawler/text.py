"""Unicode normalisation of extracted text, shared by output and content hashing, and the
charset a Content-Type declares. Outside the extraction package, whose import loads all of
extraction: the crawl and the archive use these without it."""

from __future__ import annotations

import re
import unicodedata

# Bidi controls, soft hyphen, zero-width space, BOM and word joiner: invisible marks that
# Arabic editors (Word, WordPress' RTL toolbar) sprinkle unevenly, so the same article
# would hash differently from one save to the next. ZWNJ/ZWJ are kept: they shape letters.
_INVISIBLE = (
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u00ad\u200b\ufeff\u2060"  # soft hyphen, ZWSP, BOM, word joiner
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_SPACE_RE = re.compile(r"\s+")

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
EASTERN_ARABIC_INDIC = "۰۱۲۳۴۵۶۷۸۹"
_TO_WESTERN = str.maketrans(ARABIC_INDIC + EASTERN_ARABIC_INDIC, "0123456789" * 2)
_TO_ARABIC_INDIC = str.maketrans("0123456789", ARABIC_INDIC)

# Footnote markers (not words a reader counts).
MARKER_RE = re.compile(r"\[([0-9٠-٩۰-۹]+)\]")  # group 1: the number
# A whitespace-separated token holding a letter or digit.
_WORD_TOKEN_RE = re.compile(r"\S*\w\S*")
# A sentence's end, before closing quotes, brackets and note markers ("... talks.[1]").
SENTENCE_END = re.compile(rf"[.!?؟…](?:\W|{MARKER_RE.pattern})*$")


def is_sentence(text: str, min_words: int) -> bool:
    """Whether text reads as prose: at least min_words words, ending as a sentence does."""
    return len(text.split()) >= min_words and bool(SENTENCE_END.search(text))


def strip_invisible(text: str) -> str:
    """Drop bidi controls, soft hyphens and zero-width spaces."""
    return _INVISIBLE_RE.sub("", text)


def normalize(text: str) -> str:
    """NFC, invisible marks removed, all whitespace (NBSP, newlines) folded to one space."""
    if not text.isascii():
        text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))
    # str.split() splits on exactly the characters `\s` matches in a str pattern (both ask
    # Py_UNICODE_ISSPACE), several times faster than _SPACE_RE.sub(" ", text).strip().
    return " ".join(text.split())


def normalize_lines(text: str) -> str:
    """normalize() each line, dropping empty lines: the body's one-block-per-line form."""
    lines = (normalize(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def to_western_digits(text: str) -> str:
    """Map Arabic-Indic and Eastern Arabic-Indic digits to 0-9."""
    return text.translate(_TO_WESTERN)


def to_arabic_indic_digits(text: str) -> str:
    """Map 0-9 to Arabic-Indic digits (٠-٩)."""
    return text.translate(_TO_ARABIC_INDIC)


def digits_value(text: str) -> int | None:
    """The integer written by a run of digits in any of the three digit sets, else None."""
    western = to_western_digits(text.strip())
    return int(western) if western.isascii() and western.isdigit() else None


def word_count(text: str) -> int:
    """Whitespace-separated tokens holding a letter or digit, footnote markers not counted."""
    text = MARKER_RE.sub(" ", text)
    return len(_WORD_TOKEN_RE.findall(text))


def has_words(text: str, n: int) -> bool:
    """word_count(text) >= n, reading no further than the n-th word."""
    if n <= 0:
        return True
    for i, _ in enumerate(_WORD_TOKEN_RE.finditer(MARKER_RE.sub(" ", text)), 1):
        if i >= n:
            return True
    return False


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type header value declares (`text/html; charset=windows-1256`)."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None
