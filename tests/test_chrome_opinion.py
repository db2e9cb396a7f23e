"""Chrome inside the content container, decided on evidence with trafilatura's second opinion
(crawler/extraction/chrome.py): the pure decision, its invariants, and a real page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree

from crawler.extraction import extract
from crawler.extraction.body import _fragment, render_container
from crawler.extraction.chrome import _runs, _spaced_words, in_text, second_opinion, suspects
from crawler.extraction.render import markup_without

PAGE = Path(__file__).parent / "fixtures" / "chrome" / "news-article.html"
CARDS = Path(__file__).parent / "fixtures" / "chrome" / "card-strip.html"
PROSE = ("Negotiations over the port stalled on Tuesday, as traffic through the strait fell for "
         "a fourth month.")


def _never(*_: object) -> str:
    raise AssertionError("trafilatura asked without a suspect line")


def test_what_looks_like_chrome_is_suspect_and_structure_never_is() -> None:
    lines = [PROSE, "Advertisement 2", "Story continues below", "What the lines say",
             "Election results in the north surprise observers", "Read the notes[3]",
             "Cranes at the terminal", "Download the full report", "| 2021 | 11.2"]
    kinds = ["p", "div", "div", "h2", "li", "p", "figcaption", "p", "tr"]
    linked = [0, 0, 0, 0, 49, 0, 0, 24, 0]
    links = [("Election results in the north surprise observers", "/x"),
             ("Download the full report", "/files/report.pdf")]
    assert suspects(lines, kinds, linked, links) == [
        False, True, True, False, True, False, False, False, False]


def test_lines_before_the_headline_repeated_or_beside_a_control_are_suspect() -> None:
    lines = ["Image 1 of 8", "A long caption of a gallery slide, printed as a full sentence.",
             "The headline", PROSE, "We apologize, but this video has failed to load.", PROSE]
    kinds = ["div", "div", "div", "p", "widget", "p"]
    flagged = suspects(lines, kinds, [0] * 6, [], title="The headline")
    # Before the headline, the headline, beside a control; PROSE twice: repeated.
    assert flagged == [True] * 6
    kept, dropped = second_opinion(lines, kinds, [0] * 6, [], lambda: PROSE, "The headline")
    assert kept == [PROSE, PROSE] and dropped == 4


def test_a_suspect_trafilatura_keeps_stays_and_a_clean_text_never_asks() -> None:
    lines = [PROSE, "Advertisement", "Key figures"]
    kinds = ["p", "div", "div"]
    kept, dropped = second_opinion(lines, kinds, [0, 0, 0], [],
                                   lambda: PROSE + "\nKey figures")
    assert kept == [PROSE, "Key figures"] and dropped == 1
    assert second_opinion([PROSE], ["p"], [0], [], _never) == ([PROSE], 0)


def test_a_heading_goes_with_the_lines_under_it_and_no_opinion_keeps_all() -> None:
    lines = [PROSE, "Most read", "- Heat wave enters its second week", "- Rates held again"]
    kinds = ["p", "h3", "li", "li"]
    linked = [0, 0, 32, 16]
    assert second_opinion(lines, kinds, linked, [], lambda: PROSE) == ([PROSE], 3)
    assert second_opinion(lines, kinds, linked, [], lambda: "") == (lines, 0)
    # An opinion that would leave nothing is not taken.
    assert second_opinion(["Advertisement"], ["div"], [0], [], lambda: PROSE) == (["Advertisement"], 0)


_LINE = st.text(alphabet=st.sampled_from("ab cd.,[1]-"), min_size=1, max_size=40).map(str.strip).filter(bool)
_KIND = st.sampled_from(["p", "div", "li", "h2", "tr", "figcaption", "widget"])


@given(st.lists(st.tuples(_LINE, _KIND, st.integers(0, 40)), min_size=1, max_size=12),
       st.text(alphabet=st.sampled_from("ab cd.,\n"), max_size=80))
def test_the_opinion_only_removes_suspects_and_headings_and_never_everything(
        rows: list[tuple[str, str, int]], opinion: str) -> None:
    lines = [r[0] for r in rows]
    kinds = [r[1] for r in rows]
    linked = [r[2] for r in rows]
    flagged = suspects(lines, kinds, linked, [])
    kept, dropped = second_opinion(lines, kinds, linked, [], lambda: opinion)
    assert kept and len(kept) + dropped == len(lines)
    it = iter(zip(lines, kinds, flagged, strict=True))
    for line in kept:  # a subsequence, in order
        assert any(line == other for other, _, _ in it)
    if dropped:
        must_stay = [line for line, kind, suspect in zip(lines, kinds, flagged, strict=True)
                     if not suspect and kind not in ("h1", "h2", "h3", "h4", "h5", "h6")]
        for line in must_stay:
            assert line in kept


_WORDS = st.text(alphabet=st.sampled_from("ab é1 .,\n-"), max_size=60)


@given(st.text(alphabet=st.sampled_from("ab é1 .,-"), max_size=12), _WORDS)
def test_a_short_line_is_in_the_text_when_its_words_stand_there_in_a_row(
        line: str, text: str) -> None:
    text = text.casefold()
    words = re.findall(r"\w+", line.casefold())
    assume(0 < len(words) < 4 and not (len(words) == 1 and words[0].isdigit()))
    in_a_row = re.search(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", text)
    assert in_text(line, text, _runs(text), lambda: _spaced_words(text)) == (in_a_row is not None)


def _tree(depths: list[int]) -> etree._Element:
    """A nested tree from a list of depths: element i opens at depth depths[i]."""
    root = etree.Element("div")
    stack = [root]
    for i, depth in enumerate(depths):
        del stack[min(depth, len(stack) - 1) + 1:]
        el = etree.SubElement(stack[-1], "p" if i % 3 else "div")
        el.text, el.tail = f"t{i} ", f"u{i} "
        stack.append(el)
    return root


def _expected_text(el: etree._Element, drop: set[etree._Element], keep_tails: bool) -> str:
    out = [el.text or ""]
    for child in el:
        if child not in drop:
            out.append(_expected_text(child, drop, keep_tails))
        if child.tail and (child not in drop or keep_tails):
            out.append(child.tail)
    return "".join(out)


@given(st.lists(st.integers(0, 4), max_size=25), st.data(), st.booleans())
def test_markup_without_leaves_out_exactly_the_dropped_subtrees_and_never_the_page(
        depths: list[int], data: st.DataObject, keep_tails: bool) -> None:
    root = _tree(depths)
    elements = list(root.iterdescendants())
    drop = set(data.draw(st.lists(st.sampled_from(elements), max_size=6))) if elements else set()
    before = etree.tostring(root)
    markup = markup_without([root], drop, keep_tails)
    assert etree.tostring(root) == before  # the page is untouched
    out = etree.fromstring(markup, etree.HTMLParser()).find(".//body/div")
    assert "".join(out.itertext()) == _expected_text(root, drop, keep_tails)


def test_the_second_opinion_reads_the_container_without_what_is_already_decided() -> None:
    doc = etree.fromstring(
        "<html><body><div id='c'><p>First paragraph.</p><ol class='notes'><li>[1] A source.</li>"
        "</ol>Closing words.<div class='share'>Share</div></div></body></html>",
        etree.HTMLParser())
    root = doc.find(".//div")
    notes, share = root.find("ol"), root.find("div")
    page = _fragment(root, {notes, share})
    assert "A source" not in page and "Share" not in page
    assert "First paragraph." in page and "Closing words." in page  # a skipped list's tail stays
    assert root.find("ol") is notes and "".join(root.itertext()).count("A source") == 1


def test_a_news_page_loses_its_chrome_and_keeps_its_structure() -> None:
    record = extract(PAGE.read_bytes(), "https://news.example.com/2025/10/07/port-talks",
                     dt.datetime(2025, 11, 1, tzinfo=dt.UTC))
    for leak in ("Advertisement", "Article content", "Story continues below", "apologize",
                 "Most read", "Election results", "Sign In", "refreshing"):
        assert leak not in record.body, leak
    lines = record.body.split("\n")
    assert lines[0].startswith("Negotiations over the management")
    assert "What the shipping lines say" in lines  # a heading
    assert "Cranes at the container terminal, idle for most of the week." in lines  # a caption
    assert "- Rerouting around Africa adds ten to fourteen days to a voyage between Asia and Europe." in lines
    assert lines[-1].startswith("The port authority said")
    assert record.links == []  # the teasers' links went with their lines
    assert record.published == dt.date(2025, 10, 7)  # htmldate, from the URL


def _opinion_on(markup: str, opinion: str) -> list[str]:
    """The lines of markup's <article> after trafilatura's opinion (`opinion`, its text)."""
    url, site = "https://daily.example.net/world/delta", "https://daily.example.net"
    root = next(etree.fromstring(markup, etree.HTMLParser()).iter("article"))
    rendered = render_container(root, set(), url, site)
    kept, _ = second_opinion(rendered.lines, rendered.kinds, rendered.linked, rendered.links,
                             lambda: opinion, "", rendered.elements)
    return kept


def test_a_heading_goes_with_a_strip_of_dropped_teasers_but_not_with_a_dropped_credit() -> None:
    prose = ["The river broke its banks at the end of a short harvest season, officials said.",
             "Growers said the cooperative had not told them whether losses would be covered.",
             "Repairs to the worst breaches of the levees are expected to take until the spring."]
    photo = "Water stood a metre deep in the fields."
    card = ('<div class="card"><a href="/world/{0}"><img src="x.jpg"></a><div><h3>KICKER</h3>'
            '<span>Headline of another story about {0}</span></div></div>')
    markup = (f"<html><body><article><p>{prose[0]}</p>"
              f"<div class='photo'><h2>{photo}</h2><img src='f.jpg'><p>Reuters</p></div>"
              f"<p>{prose[1]}</p><div class='rail'><div><h3>More from World</h3></div><div>"
              + "".join(card.format(topic) for topic in ("ferries", "bridges", "orchards"))
              + f"</div></div><p>{prose[2]}</p></article></body></html>")
    kept = _opinion_on(markup, "\n".join([prose[0], photo, *prose[1:]]))
    assert kept == [prose[0], photo, *prose[1:]]
    # trafilatura keeping a teaser: it stays, and so does the strip's title.
    kept = _opinion_on(markup, "\n".join([*prose, "Headline of another story about bridges"]))
    assert "More from World" in kept and "Headline of another story about bridges" in kept


def test_other_posts_headlines_written_as_headings_are_suspect_and_the_articles_are_not() -> None:
    prose = ["The river broke its banks at the end of a short harvest season, officials said.",
             "Growers said the cooperative had not told them whether losses would be covered."]
    # The kicker stands beside the picture, which links the post's full URL, and the
    # headline a relative one: one post, one card.
    card = ('<li><h4>What happened to the {0} this week</h4><a href="https://daily.example.net'
            '/world/{0}/" class="thumb"><img src="x.jpg"></a>'
            '<h3><a href="/world/{0}">Headline about the {0} story</a></h3></li>')
    markup = (f"<html><body><article><h2>What the growers lost</h2><p>{prose[0]}</p>"
              f"<h2><a href='/topics/'>Harvest</a></h2><p>{prose[1]}</p>"
              "<div><span>Our latest stories</span></div><ul>"
              + "".join(card.format(topic) for topic in ("ferries", "bridges", "orchards"))
              + "</ul></article></body></html>")
    article = ["What the growers lost", prose[0], "Harvest", prose[1]]
    # Every line of the cards is a heading: they go all the same, and their strip's title.
    assert _opinion_on(markup, "\n".join(article)) == article
    # A card trafilatura keeps stays; one whose other lines went takes its headline with them.
    bridges = ["What happened to the bridges this week", "Headline about the bridges story"]
    kept = _opinion_on(markup, "\n".join([*article, *bridges, "Headline about the ferries story"]))
    assert kept == [*article, "- " + bridges[0], bridges[1]]


def test_a_strip_of_other_posts_cards_goes_and_the_article_stays() -> None:
    record = extract(CARDS.read_bytes(), "https://daily.example.net/world/delta-farmers-count-the-cost",
                     dt.datetime(2025, 11, 1, tzinfo=dt.UTC))
    for leak in ("More from World", "ROAD AHEAD", "CROSSING", "FRUITFUL", "Mountain pass",
                 "Ferry crews", "old bridge", "Orchards report", "inbox", "Sign Up"):
        assert leak not in record.body, leak
    lines = record.body.split("\n")
    assert lines[0].startswith("Farmers across the southern delta")
    assert lines[-1].startswith("Engineers will inspect the levees")
    for start in ("Farmers across", "The agriculture ministry", '"We planted twice',
                  "Insurers said", "Engineers will"):  # every paragraph
        assert any(line.startswith(start) for line in lines), start
    # The photo's heading stays; the date beside the author's photo link is the article's.
    assert "Water stood a metre deep in the fields outside the market town, a week after the river rose." in lines
    assert record.published == dt.date(2025, 10, 7)
