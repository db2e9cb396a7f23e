"""Names without ranks, honorifics or roles, and the signature blocks that end or open a text."""

from __future__ import annotations

import random

import pytest

from crawler.demo.content import ANALYSES, BULLETS, CONCLUSIONS, HEADINGS, INTROS
from crawler.demo.content_en import ANALYSES as EN_ANALYSES
from crawler.extraction.body import clean_lines
from crawler.extraction.bylines import is_role, is_role_line, strip_titles, take_signature

ROLE_AR = "رئيس المركز القومي لدراسات الشرق الأوسط"
ROLE_EN = "Head of the National Center for Middle East Studies"


@pytest.mark.parametrize(
    ("shown", "name"),
    [
        ("لواء د/ خالد الخمري", "خالد الخمري"),
        ("لواء / طارق عبد العظيم", "طارق عبد العظيم"),
        ("اللواء د. خالد الخمري", "خالد الخمري"),
        ("اللواء أركان حرب/ محمد إبراهيم", "محمد إبراهيم"),
        ("Major General Dr. Khaled El-Khamry", "Khaled El-Khamry"),
        ("Maj. Gen. Khaled El-Khamry", "Khaled El-Khamry"),
        ("Ambassador Dr. Mona Omar", "Mona Omar"),
        ("د. هالة الشريف", "هالة الشريف"),
        ("د.هالة الشريف", "هالة الشريف"),
        ("أ.د/ محمد السعيد", "محمد السعيد"),
        ("أ. منى السيد", "منى السيد"),
        ("السفير د. محمد حجازي", "محمد حجازي"),
        # A letter that is a title only with "." or "/": names that start with it stay whole.
        ("داود سليمان", "داود سليمان"),
        ("أحمد ماهر", "أحمد ماهر"),
        ("وليد عبد الله", "وليد عبد الله"),
        ("Dora Smith", "Dora Smith"),
        ("Generalova Anna", "Generalova Anna"),
    ],
)
def test_strip_titles(shown: str, name: str) -> None:
    assert strip_titles(shown) == name


def test_a_role_names_an_institution() -> None:
    assert is_role_line(ROLE_AR) and is_role_line(ROLE_EN)
    assert is_role_line("أستاذ العلوم السياسية بجامعة القاهرة")
    assert not is_role_line("خالد الخمري")
    assert not is_role_line("الافتتاحية")
    # A research unit may sign a paper; a role is never a name.
    assert is_role(ROLE_AR) and is_role(ROLE_EN) and is_role("مدير وحدة الدراسات الأفريقية")
    assert not is_role("وحدة الدراسات الأفريقية") and not is_role("خالد الخمري")


@pytest.mark.parametrize(
    ("lines", "kept", "names"),
    [
        # At the end: rank and name, then the role; or a titled name alone.
        (["الافتتاحية", "نص العدد.", "لواء / طارق عبد العظيم", ROLE_AR], ["الافتتاحية", "نص العدد."], ["طارق عبد العظيم"]),
        (["Editorial", "Text.", "Major General Dr. Khaled El-Khamry", ROLE_EN], ["Editorial", "Text."], ["Khaled El-Khamry"]),
        (["نص.", "اللواء د. خالد الخمري"], ["نص."], ["خالد الخمري"]),
        # A name with no title is a signature only with its role.
        (["نص.", "خالد الخمري", ROLE_AR], ["نص."], ["خالد الخمري"]),
        (["نص.", "خالد الخمري"], ["نص.", "خالد الخمري"], []),
        # At the start, after a short label.
        (["الافتتاحية", "لواء د/ خالد الخمري", ROLE_AR, "نص."], ["الافتتاحية", "نص."], ["خالد الخمري"]),
        # Not signatures: a role alone, a list item, a sentence opening with a rank.
        (["نص.", ROLE_AR], ["نص.", ROLE_AR], []),
        (["نص:", "- د. أحمد عبد الرحمن"], ["نص:", "- د. أحمد عبد الرحمن"], []),
        (["نص.", "السفير الأمريكي أكد أن الاتفاق سيصمد"], ["نص.", "السفير الأمريكي أكد أن الاتفاق سيصمد"], []),
        (["Text.", "General Electric won the contract in 2024"], ["Text.", "General Electric won the contract in 2024"], []),
    ],
)
def test_take_signature(lines: list[str], kept: list[str], names: list[str]) -> None:
    assert take_signature(lines) == (kept, names)


@pytest.mark.parametrize("seed", range(30))
def test_ordinary_text_keeps_every_line(seed: int) -> None:
    """Paragraphs, headings and list items of analyses, in any order: nothing is taken."""
    rng = random.Random(seed)
    ctx = {"topic": "الأمن المائي", "country": "مصر", "actor": "القاهرة", "actor2": "أديس أبابا",
           "region": "حوض النيل"}
    pool = [t.format(**ctx) for t in INTROS + ANALYSES + CONCLUSIONS] + HEADINGS
    pool += ["- " + b.format(**ctx) for b in BULLETS]
    pool += [t.format(topic="water security", country="Egypt", actor="Cairo", actor2="Addis Ababa",
                      region="the Nile basin") for t in EN_ANALYSES]
    lines = rng.sample(pool, rng.randint(2, 8))
    assert take_signature(lines) == (lines, [])
    assert clean_lines(lines, "عنوان آخر") == (lines, [], [])


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("بقلم: د. أحمد عبد الرحمن", ["د. أحمد عبد الرحمن"]),
        ("By Jane Doe", ["Jane Doe"]),
        ("Written by: Jane Doe and John Roe", ["Jane Doe and John Roe"]),
        ("By Jane Doe, Staff Writer", ["Jane Doe"]),
        ("BY JANE DOE", ["JANE DOE"]),
        # Sentences that open with "By" are text.
        ("By the end of the year, prices had risen by a third.", []),
        ("By 2030 the port will handle twice the traffic.", []),
        ("By Jane Doe's own account, the talks failed, she said.", []),
    ],
)
def test_a_byline_at_the_edge_of_the_text_is_taken_out(line: str, names: list[str]) -> None:
    text = "The talks resumed on Tuesday after a week's pause, officials said."
    kept, bylines, _ = clean_lines([line, text], "Port talks")
    assert bylines == names
    assert kept == ([text] if names else [line, text])


def test_a_date_line_is_taken_out_of_the_head_until_the_first_sentence_and_a_sentence_stays() -> None:
    gallery = ["Aidan Gantenbein 100 backstroke", "Miguel Bernal North Diving", "Ben Patton Trinity"]
    posted, updated = "Posted: Fri 6:45 PM, Feb 16, 2018 |", "Updated: Sat 8:31 PM, Feb 17, 2018"
    prose = ["Trinity Academy junior Ben Patton added to his collection of state titles on Friday.",
             "Wichita West senior David Garcia finished second in the 50 yard freestyle, a tenth back.",
             "Wichita East's Hugh McPherson won first place in the 100 yard freestyle on Saturday.",
             "The championships return to the same pool next February, the association said."]
    expiry = "This Internet-Draft will expire on 15 December 2014."
    later = "Sat 8:31 PM, Feb 17, 2018"
    lines = [*gallery, posted, updated, expiry, prose[0], later, *prose[1:], "Thanks for reading."]
    kept, _, dates = clean_lines(lines, "State swimming")
    # Past the gallery's titles, before the first sentence of prose: the meta lines go.
    assert dates == [posted, updated]
    # A sentence that holds a date stays, and so does a date line amid the prose.
    assert kept == [*gallery, expiry, prose[0], later, *prose[1:], "Thanks for reading."]
    # A chronology opening the text is the text's, past its first lines.
    chronology = ["- 12 مارس 2011: بدء الاحتجاجات", "- 15 مايو 2011", "- 3 يوليو 2013: عزل الرئيس"]
    kept, _, dates = clean_lines(["أبرز المحطات", "العنوان الفرعي", "تمهيد", *chronology, *prose],
                                 "State swimming")
    assert dates == [] and kept[3:6] == chronology
    # ... and so is a table of key dates.
    rows = ["Signed | 5 May 2019", "Ratified | 12 May 2020"]
    kept, _, dates = clean_lines(["Key dates", "A kicker", "Another", *rows, *prose], "State swimming")
    assert dates == [] and kept[3:5] == rows
