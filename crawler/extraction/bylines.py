"""Who wrote a page: names from bylines and signature blocks, without ranks, honorifics or roles."""

from __future__ import annotations

import re

from crawler.text import normalize

# Ranks and honorifics written before a name, whole words (Arabic and English). Military
# ranks matter here: the periodical's editorials are signed by the Center's head, a general.
_TITLE_WORDS = (
    # Arabic: academic and civil
    "الأستاذ الدكتور", "الأستاذة الدكتورة", "الدكتور", "الدكتورة", "دكتور", "دكتورة",
    "الأستاذ", "الأستاذة", "أستاذ", "أستاذة", "المهندس", "المهندسة", "مهندس", "السفير",
    "السفيرة", "سفير", "المستشار", "المستشارة", "مستشار", "السيد", "السيدة", "معالي", "سعادة",
    "الباحث", "الباحثة",
    # Arabic: military and police
    "اللواء أركان حرب", "لواء أركان حرب", "الفريق أول", "فريق أول", "اللواء", "لواء",
    "الفريق", "فريق", "العميد", "عميد", "العقيد", "عقيد", "المقدم", "مقدم", "الرائد", "رائد",
    "النقيب", "نقيب",
    # English
    "Major General", "Maj. Gen.", "Maj Gen", "Lieutenant General", "Lt. Gen.", "Lt Gen",
    "Brigadier General", "Brig. Gen.", "Brigadier", "General", "Gen.", "Colonel", "Col.",
    "Ambassador", "Amb.", "Professor", "Prof.", "Prof", "Doctor", "Dr.", "Dr", "Mr.", "Mr",
    "Mrs.", "Mrs", "Ms.", "Ms", "Eng.", "H.E.", "Counselor", "Counsellor", "Sir",
)
# Abbreviations that are titles only when written with "." or "/" (د. / د/ / أ.د/ / م.):
# alone, the letter could begin a name.
_TITLE_ABBREVIATIONS = ("أ.د", "ا.د", "أ. د", "أ.ح", "د", "أ", "ا", "م", "ل", "ع")

_WORDS_ALT = "|".join(re.escape(w) for w in sorted(_TITLE_WORDS, key=len, reverse=True))
_ABBR_ALT = "|".join(re.escape(a) for a in sorted(_TITLE_ABBREVIATIONS, key=len, reverse=True))
# One leading title, with the "/" or "." it may carry ("لواء /", "د/", "Dr.").
_LEADING_TITLE = re.compile(
    rf"^(?:(?:{_WORDS_ALT})(?=[\s./]|$)|(?:{_ABBR_ALT})\s*(?=[./]))\s*[./]?\s*",
    re.IGNORECASE,
)
_LONE_MARK = re.compile(r"^[./\\:،,\-–—]+\s*")

# A role line names an institution ("رئيس المركز القومي ...", "Head of the National Center ...").
_INSTITUTION = re.compile(
    # with the article or a preposition glued on: المركز, بجامعة, للمركز
    r"(?<!\w)(?:[وبفك]?(?:ال)?|لل|ل)(?:مركز|جامعة|معهد|كلية|أكاديمية|وزارة|هيئة|مجلس|مؤسسة|منتدى|مرصد|وحدة)(?!\w)"
    r"|\b(?:center|centre|institute|university|college|academy|ministry|council|foundation"
    r"|forum|observatory|unit|school)\b",
    re.IGNORECASE,
)
# What a person is at an institution: a role, never a name.
_ROLE_START = re.compile(
    r"^(?:رئيس|رئيسة|نائب|مدير|مديرة|المدير|أستاذ|أستاذة|باحث|باحثة|عضو|مستشار|خبير|خبيرة|منسق"
    r"|head|director|chair|chairman|chairwoman|president|deputy|professor|researcher|fellow"
    r"|member|adviser|advisor|expert|coordinator)(?!\w)",
    re.IGNORECASE,
)
# Words no personal name is made of: a line holding one is a sentence, not a signature.
_NOT_NAME_WORDS = frozenset(
    "في من على إلى الى عن أن ان التي الذي هذا هذه ذلك تلك كان قد لقد مع بين حول عبر ثم أو او "
    "لا لم لن ما هو هي هم نحن وقد كما حيث منذ بعد قبل خلال "
    "the of in on and to for with is are was were by at from this that as an a our we".split()
)
_NAME_MAX_WORDS = 5
_ROLE_MAX_WORDS = 14
_EDGE_LINES = 3


def strip_titles(text: str) -> str:
    """A name without the ranks and honorifics before it (`لواء د/ خالد الخمري` -> `خالد الخمري`)."""
    name = normalize(text)
    while True:
        stripped = _LONE_MARK.sub("", _LEADING_TITLE.sub("", name, count=1), count=1)
        if stripped == name:
            break
        name = stripped
    return name.strip(" .:-–—،,")


def _has_title(text: str) -> bool:
    return strip_titles(text) != normalize(text).strip(" .:-–—،,")


def is_role_line(line: str) -> bool:
    """A short line naming an institution: a signature's role (`رئيس المركز القومي ...`)."""
    words = line.split()
    return 0 < len(words) <= _ROLE_MAX_WORDS and bool(_INSTITUTION.search(line)) and not line.endswith(":")


def is_role(text: str) -> bool:
    """A role at an institution (`رئيس المركز ...`, `Head of the ... Center`): not a person's name."""
    return is_role_line(text) and bool(_ROLE_START.match(text.strip()))


def _name_of(line: str) -> str | None:
    """The name a signature line holds (titles stripped), or None when it is not one."""
    if line.startswith("- ") or re.search(r"[0-9٠-٩:؟?!«»\"“”()\[\]|]", line):
        return None
    name = strip_titles(line)
    words = name.split()
    if not 1 <= len(words) <= _NAME_MAX_WORDS or len(name) < 3:
        return None
    if any(w.casefold() in _NOT_NAME_WORDS for w in words) or is_role_line(name):
        return None
    return name


def _signature_at(lines: list[str], i: int) -> tuple[int, str] | None:
    """(lines taken, name) for a signature starting at line i: a titled name, or a name then a role."""
    if not 0 <= i < len(lines):
        return None
    name = _name_of(lines[i])
    if name is None:
        return None
    role = i + 1 < len(lines) and is_role_line(lines[i + 1])
    if role:
        return 2, name
    if _has_title(lines[i]) and len(name.split()) >= 2:
        return 1, name
    return None


def take_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """A signature block at the end (or start) of the text: (remaining lines, names).

    A signature is short: a line holding only a name, after ranks or honorifics (`لواء د/`,
    `Major General Dr.`), optionally followed by a role line that names an institution; a
    name with neither title nor role is never taken (it could be a one-line paragraph).
    """
    if len(lines) < 2:
        return lines, []
    # The end: the role is the last line, or the name is.
    for start in (len(lines) - 2, len(lines) - 1):
        found = _signature_at(lines, start)
        if found is not None and start + found[0] == len(lines):
            return lines[:start], [found[1]]
    # The start, after at most a short heading (`الافتتاحية`, `Editorial`).
    for start in range(min(_EDGE_LINES - 1, len(lines) - 1)):
        found = _signature_at(lines, start)
        if found is not None and (start == 0 or len(lines[0].split()) <= 4):
            taken, name = found
            return lines[:start] + lines[start + taken:], [name]
    return lines, []
