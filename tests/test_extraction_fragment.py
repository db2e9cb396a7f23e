"""A chosen container that is only a fragment of the article is widened or replaced.

The decision is a pure function of its evidence (properties below); the pages are real
extractions: an article split into sibling blocks of which only the first carries a content
class, whatever the number and length of the others, comes out whole, with a warning; an
article whose paragraphs are all in its container never gets one."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import extract, fragment

FETCHED = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
URL = "https://en.ncmes.org/6101/"

PARAGRAPHS = [
    "The Red Sea has become one of the most contested maritime corridors in the world, as "
    "regional and global powers compete for ports and for bases along its shores.",
    "Attacks on commercial vessels have forced many shipping companies to reroute around the "
    "Cape of Good Hope, adding days to voyages and raising the cost of insurance.",
    "Analysts warn that without a regional security framework, bilateral arrangements will "
    "keep pulling the coastal states in different and often opposite directions.",
    "Egypt has lost a large part of the revenue of the Suez Canal, which was one of its main "
    "sources of foreign currency before the crisis began at the end of 2023.",
    "The Gulf states have answered by investing in ports outside the strait and in overland "
    "routes, in order to spread the risk that a single narrow passage carries.",
    "Ethiopia, for its part, seeks a permanent outlet to the sea, a wish that has raised the "
    "concerns of its neighbours and complicated the mediation efforts in the region.",
    "Sudan's war has added a further layer of uncertainty, since its long coastline and the "
    "port of Port Sudan have become prizes that several outside powers hope to secure.",
    "Eritrea remains the least predictable of the coastal states, keeping its distance from "
    "every alliance while allowing foreign navies to call at its ports when it suits it.",
    "A lasting settlement would need a forum in which all the coastal states sit together, "
    "something that none of the existing regional organisations has yet been able to offer.",
]
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def evidence(draw) -> tuple[list[int], int, list[float]]:
    """Article-like characters of a container and its ancestors (each holds its child's),
    of the page, and trafilatura's share held by each (or nothing read)."""
    chars = [draw(st.integers(0, 5_000))]
    for _ in range(draw(st.integers(0, 5))):
        chars.append(chars[-1] + draw(st.integers(0, 5_000)))
    page = chars[-1] + draw(st.integers(0, 5_000))
    held = draw(st.one_of(st.just([]), st.lists(shares, min_size=len(chars),
                                                 max_size=len(chars))))
    return chars, page, held


@given(evidence(), st.booleans())
def test_decision_follows_its_evidence(found, declared: bool) -> None:
    chars, page, held = found
    decision = fragment.decide(chars, page, held, declared)
    if declared or not fragment.suspect(chars[0], page):
        assert decision == fragment.KEEP  # the declared text, or most of the article, inside
        return
    if held and held[0] < fragment.MOSTLY:
        # trafilatura's text is mostly outside: the nearest ancestor holding most of it, or
        # trafilatura's body when none does.
        wide = [level for level, value in enumerate(held) if level and value >= fragment.WIDE]
        if wide:
            assert (decision.action, decision.level) == ("widen", wide[0])
        else:
            assert decision.action == "fallback"
        return
    near = [level for level, value in enumerate(chars[:fragment.NEAR + 1])
            if level and value >= fragment.WIDE * page]
    if chars[0] < fragment.ALONE_SHARE * page and near:
        assert (decision.action, decision.level) == ("widen", near[0])
    else:
        assert decision == fragment.KEEP


@given(evidence())
def test_a_widened_container_holds_what_its_evidence_asks(found) -> None:
    chars, page, held = found
    decision = fragment.decide(chars, page, held)
    if decision.action == "widen":
        assert decision.level >= 1
        assert (held and held[decision.level] >= fragment.WIDE) or (
            decision.level <= fragment.NEAR and chars[decision.level] >= fragment.WIDE * page)
        assert decision.inside < fragment.SMALL_SHARE


def _page(first: list[str], rest: list[list[str]], marked_wrapper: bool) -> str:
    def block(texts: list[str]) -> str:
        return "".join(f"<p>{text}</p>" for text in texts)

    siblings = "".join(f'<div class="part-{i}">{block(texts)}</div><div class="slot"></div>'
                       for i, texts in enumerate(rest))
    wrapper = 'class="entry-content"' if marked_wrapper else 'class="wrap"'
    inner = 'class="lead-part"' if marked_wrapper else 'class="entry-content"'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>The Red Sea Corridor</title>"
        '<meta property="og:title" content="The Red Sea Corridor"></head>'
        '<body class="single"><div class="top"><a href="/">Home</a></div>'
        f'<div {wrapper}><h1>The Red Sea Corridor</h1><div {inner}>{block(first)}</div>'
        f"{siblings}</div>"
        '<footer class="bottom">All rights reserved</footer></body></html>'
    )


@st.composite
def split(draw) -> tuple[list[str], list[list[str]]]:
    """Distinct paragraphs: two or three in the first block, the rest in one to three more."""
    order = draw(st.permutations(PARAGRAPHS))
    first_size = draw(st.integers(2, 3))
    rest = order[first_size:draw(st.integers(first_size + 1, len(PARAGRAPHS)))]
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(rest) - 1)), max_size=2)))
    blocks = [rest[a:b] for a, b in zip([0, *cuts], [*cuts, len(rest)], strict=True)]
    return order[:first_size], [block for block in blocks if block]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=split())
def test_an_article_split_into_sibling_blocks_comes_out_whole(parts) -> None:
    first, rest = parts
    record = extract(_page(first, rest, marked_wrapper=False), URL, FETCHED)
    inside = sum(len(p) for p in first)
    outside = sum(len(p) for texts in rest for p in texts)
    lines = record.body.split("\n")
    whole = first + [p for texts in rest for p in texts]
    if inside < fragment.ALONE_SHARE * (inside + outside):
        assert lines == whole
        assert any("article text" in w and "widened to" in w for w in record.warnings)
    elif fragment.suspect(inside, inside + outside):  # as trafilatura reads the page
        assert lines in (first, whole)
    else:
        assert lines[:len(first)] == first  # the fragment holds most of it: kept as it is
        assert not any("article text" in w for w in record.warnings)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=split())
def test_a_container_holding_the_whole_article_is_never_questioned(parts) -> None:
    first, rest = parts
    record = extract(_page(first, rest, marked_wrapper=True), URL, FETCHED)
    assert record.body.split("\n") == first + [p for texts in rest for p in texts]
    assert not any("article text" in w for w in record.warnings)


# -- nothing names the content --------------------------------------------------------------

ASIDE = ["The centre's annual conference on regional security will be held in Cairo next "
         "spring, with researchers from across the region and from several European institutes.",
         "Our newsletter brings the centre's latest analyses, events and publications to readers "
         "every month, in Arabic and in English, free of charge for every subscriber."]

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 9), st.integers(0, 3), st.integers(0, 2), st.booleans())
def test_where_nothing_names_the_content_the_element_holding_its_prose_is_read(
        paragraphs: int, boxes: int, aside_paragraphs: int, sidebar_first: bool) -> None:
    """A page of bare <div>s: the article (headline, paragraphs, a heading and a list, in
    wrappers of any depth) beside a box of other prose (at most a quarter of the article's)
    and a footer: the element holding the article's prose is read as the container, so its
    list and heading keep their shape, and the record says so."""
    text = PARAGRAPHS[:paragraphs]
    aside_paragraphs = min(aside_paragraphs, paragraphs // 4)
    article = ("".join(f"<p>{t}</p>" for t in text[:2]) + "<h2>The coastal states</h2>"
               + "<ul><li>Egypt and the canal;</li><li>Eritrea and its ports.</li></ul>"
               + "".join(f"<p>{t}</p>" for t in text[2:]))
    article = "<div>" * boxes + article + "</div>" * boxes
    aside = "<div>" + "".join(f"<p>{t}</p>" for t in ASIDE[:aside_paragraphs]) + "</div>"
    columns = [f"<div><div><h1>The Red Sea corridor</h1></div><div>{article}</div></div>", aside]
    if sidebar_first:
        columns.reverse()
    page = ("<html><head><title>The Red Sea corridor</title></head><body><div><a href='/'>Home"
            f"</a></div><div>{''.join(columns)}</div><div><p>All rights reserved © 2025</p></div>"
            "</body></html>")
    record = extract(page, URL, FETCHED)
    assert re.fullmatch(r"no content container named; <div> holds \d+% of the page's prose"
                        r"( and \d+% of trafilatura's text)?", record.warnings[0])
    assert record.body.split("\n") == [*text[:2], "The coastal states", "- Egypt and the canal;",
                                        "- Eritrea and its ports.", *text[2:]]


def test_the_prose_holder_is_scored_on_prose_alone() -> None:
    from lxml import etree

    def holder(markup: str, skip=lambda el: False) -> tuple[str | None, float, bool]:
        doc = etree.fromstring(f"<html><body>{markup}</body></html>", etree.HTMLParser())
        found, share, widened = fragment.prose_holder(doc, skip)
        return (found.get("id") if found is not None else None), round(share, 2), widened

    p = [f"<p>{t}</p>" for t in PARAGRAPHS]
    menu = "<div id='menu'>" + "".join(f"<p><a href='/{i}'>{t}</a></p>" for i, t in
                                       enumerate(PARAGRAPHS)) + "</div>"
    hidden = f"<div id='hidden' hidden>{''.join(p[1:4])}</div>"
    # Linked paragraphs are no prose, hidden ones are not shown.
    assert holder(f"{menu}{hidden}<div id='small'>{p[0]}</div><div id='big'>{''.join(p[4:7])}</div>"
                  ) == ("big", 0.75, False)
    # An article split in two boxes (three paragraphs and one): their parent, dense in prose
    # (widened: the caller asks trafilatura).
    assert holder(f"<div id='outer'><div id='a'>{''.join(p[:3])}</div><div id='b'>{p[3]}</div>"
                  "</div>") == ("outer", 1.0, True)
    # Not a wrapper whose text is mostly something else (teasers, a footer of links).
    teasers = "".join(f"<h3>{t[:60]}</h3><span>{t}</span>" for t in PARAGRAPHS)
    assert holder(f"<div id='page'><div id='a'>{''.join(p[:3])}</div><div id='b'>{p[3]}</div>"
                  f"<div>{teasers}</div></div>") == ("a", 0.75, False)
    assert holder("<div>x</div>") == (None, 0.0, False)
    assert holder(f"<div id='footer'><p>{'All rights reserved © 2025, the publisher. ' * 2}</p></div>"
                  ) == (None, 0.0, False)  # too little prose to hold


def test_a_prose_holder_with_other_prose_beside_it_is_checked_against_trafilatura() -> None:
    """Three quarters of the page's prose in one box: too little to take on its own, so
    trafilatura's reading of the page decides, and the record says so."""
    article = "".join(f"<p>{t}</p>" for t in PARAGRAPHS[:6])
    aside = "".join(f"<p>{t}</p>" for t in ASIDE)
    page = ("<html><head><title>The Red Sea corridor</title></head><body><div><div><h1>The Red "
            f"Sea corridor</h1></div><div>{article}</div></div><div>{aside}</div></body></html>")
    record = extract(page, URL, FETCHED)
    assert re.fullmatch(r"no content container named; <div> holds 7\d% of the page's prose and "
                        r"\d+% of trafilatura's text", record.warnings[0])
    assert record.body == "\n".join(PARAGRAPHS[:6])


def test_a_prose_holder_is_refused_where_trafilatura_reads_little_of_it() -> None:
    """The same box of three quarters of the page's prose: taken when trafilatura's reading
    of the page is mostly inside it (HOLDER_HELD of its 4-word runs), refused when most of
    what trafilatura reads is elsewhere. The decision alone, given trafilatura's readings as
    text; test_a_prose_holder_with_other_prose_beside_it_is_checked_against_trafilatura reads
    a page through extract()."""
    from lxml import etree

    from crawler.extraction import _prose_holder

    article = "".join(f"<p>{t}</p>" for t in PARAGRAPHS[:6])
    aside = "".join(f"<p>{t}</p>" for t in ASIDE)
    doc = etree.fromstring(f"<html><body><div id='article'>{article}</div><div>{aside}</div>"
                           "</body></html>", etree.HTMLParser())

    def holder(read: list[str]) -> tuple[str | None, list[str]]:
        warnings: list[str] = []
        found = _prose_holder(doc, set(), lambda: "\n".join(read), warnings)
        return (found.get("id") if found is not None else None), warnings

    found, warnings = holder(PARAGRAPHS[:6])
    assert found == "article"
    assert warnings == ['no content container named; <div id="article"> holds 75% of the '
                        "page's prose and 100% of trafilatura's text"]
    assert holder([*PARAGRAPHS[:5], *ASIDE])[0] == "article"  # most of it, not all
    assert holder([*PARAGRAPHS[:2], *ASIDE]) == (None, [])
    assert holder([]) == (None, [])
