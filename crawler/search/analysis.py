"""The words of a text as the search index keys them: one normaliser and one light stemmer,
used for indexing and for queries alike (pure: no files, no clock).

Normalisation (what spellings are one word): Unicode NFKC and case folding; Arabic
diacritics, Quranic marks and tatweel removed; أ إ آ ٱ written ا; ى written ي; ة written ه;
Arabic-Indic and Eastern Arabic-Indic digits written 0-9; Latin accents removed.

Stemming (what inflections are one word): Arabic words by the light10 rules (Larkey, Ballesteros
and Connell 2002, the rules of Lucene's Arabic analyzer): one leading و or definite article
(ال وال بال كال فال لل) and the suffixes ها ان ات ون ين يه ية ه ة ي, each only when enough of
the word is left; other words by Snowball's English (Porter2) stemmer. Snowball's Arabic
stemmer was measured against light10 on the relevance test (docs/search.md) and lost.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

# Harakat, superscript alef, Quranic annotation marks, tatweel: dropped.
_DROP = (
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
)
_MAP = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي",  # alef maksura, Persian yeh
    "ة": "ه", "ۀ": "ه",
    "ک": "ك",  # keheh
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
}
# str.translate looks each character up in a dict (slow on long Arabic texts): one regex
# removes the marks, then a replace per variant letter the text holds (each a C loop).
_DROP_RE = re.compile("[" + "".join(_DROP) + "]")
_PAIRS = tuple(_MAP.items())
# A word: letters and digits (\w without the underscore) after normalisation.
WORD_RE = re.compile(r"[^\W_]+")
_ARABIC_RE = re.compile(r"[\u0621-\u064a]")

# light10: the prefixes tried in this order, the first that fits is removed (only one).
PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
# The suffixes tried in this order, each removed when it fits (several can go).
# (ية and ة, in the rules' list too, are يه and ه once normalised.)
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")

_english = snowballstemmer.stemmer("english")


def _latin_fold(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


_LATIN_ACCENTED = re.compile(r"[\u00c0-\u024f]")


def normalize(text: str) -> str:
    """The text with every spelling variant written one way (see the module's docstring);
    words and spaces otherwise as they were."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if text.isascii():
        return text
    text = _DROP_RE.sub("", text)
    for variant, letter in _PAIRS:
        if variant in text:
            text = text.replace(variant, letter)
    if _LATIN_ACCENTED.search(text):
        text = _LATIN_ACCENTED.sub(lambda m: _latin_fold(m.group()), text)
    return text


def light10(word: str) -> str:
    """A normalised Arabic word's light10 stem."""
    for prefix in PREFIXES:
        # و alone needs a word of 4 letters or more; an article, 2 letters left after it.
        if word.startswith(prefix) and len(word) >= len(prefix) + (3 if len(prefix) == 1 else 2):
            word = word[len(prefix):]
            break
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) >= len(suffix) + 2:
            word = word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A normalised word's key: light10 for Arabic, Porter2 for the rest, digits as they are."""
    if _ARABIC_RE.match(word):
        return light10(word)
    if word.isdigit():
        return word
    return _english.stemWord(word)


def words(text: str) -> list[str]:
    """The text's normalised words, in order."""
    return WORD_RE.findall(normalize(text))


def stems(text: str) -> list[str]:
    """The text's stems, in order."""
    return [stem(w) for w in words(text)]
