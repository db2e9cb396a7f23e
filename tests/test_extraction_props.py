"""Property tests: extract() raises only ExtractionError on any input and is deterministic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.extraction import ExtractionError, extract

FETCHED = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED = (PAGES / "seed-elementor" / "page.html").read_bytes()
CLASSIC = (PAGES / "footnotes-disagree" / "page.html").read_bytes()

TAGS = ["p", "div", "article", "h1", "span", "a", "sup", "ol", "li", "ul", "table", "tr", "td",
        "hr", "br", "blockquote", "script", "time", "b"]
ATTRS = ['', ' class="entry-content"', ' class="entry-title"', ' href="#_ftn1"',
         ' href="#_ftnref1" name="_ftn1"', ' data-fn="x" class="fn"', ' class="wp-block-footnotes"',
         ' datetime="2025-10-18T10:00:00+03:00"', ' rel="category tag" href="/category/x/"',
         ' id="jp-relatedposts"', ' href="https://ncmes.org/?p=5"']
TEXTS = st.sampled_from(["نص", "[1]", "[١]", "18/10/2025", "إعداد: فلان", "\u200f", "&amp;",
                         "https://a.org/x.", "رؤى بحثية: عنوان", " ", "<", "&#0;", "\x00"])


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    """Random tag soup built from WordPress-like pieces, often unbalanced."""
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 2))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(TEXTS))
    return "".join(parts)


def check(html: str | bytes, encoding: str | None = None) -> None:
    try:
        first = extract(html, "https://ncmes.org/5", FETCHED, encoding=encoding)
    except ExtractionError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    second = extract(html, "https://ncmes.org/5", FETCHED, encoding=encoding)
    assert first == second


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check(text)


@FAST
@example("https://[x/2020/01/01/story/")
@given(st.one_of(st.text(max_size=60),
                 st.builds("https://{}/{}".format, st.text(max_size=20), st.text(max_size=20))))
def test_any_page_url(url: str) -> None:
    """An article read at any URL text (an unclosed IPv6 bracket: https://[x) gives a record
    or an ExtractionError, nothing else."""
    page = ("<html><head><title>The corridor</title></head><body><article><h1>The corridor</h1>"
            "<p>" + "The Red Sea has become a contested corridor for ports and bases. " * 4
            + "</p></article></body></html>")
    try:
        record = extract(page, url, FETCHED)
    except ExtractionError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert record.body.startswith("The Red Sea")


@FAST
@given(st.binary(max_size=300),
       st.sampled_from([None, "utf-8", "windows-1256", "iso-8859-6", "bogus"]))
def test_arbitrary_bytes(data: bytes, encoding: str | None) -> None:
    check(data, encoding)


@FAST
@given(html_soup())
def test_tag_soup(html: str) -> None:
    check(html)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, len(SEED)), st.sampled_from([SEED, CLASSIC]))
def test_truncated_real_pages(cut: int, page: bytes) -> None:
    check(page[:cut])


def test_deterministic_across_calls_in_other_order() -> None:
    # No cross-page cache (trafilatura's deduplicate is off): order of pages does not matter.
    a1 = extract(SEED, "https://ncmes.org/4580", FETCHED)
    extract(CLASSIC, "https://ncmes.org/4635", FETCHED)
    a2 = extract(SEED, "https://ncmes.org/4580", FETCHED)
    assert a1 == a2


def test_clear_errors() -> None:
    for html in ["", "just words", b"%PDF-1.4 \x00\x01",
                 "<html><body><p>نص بلا عنوان</p></body></html>",
                 "<html><body><h1>عنوان</h1></body></html>"]:
        try:
            extract(html, "https://ncmes.org/5", FETCHED)
        except ExtractionError as exc:
            assert str(exc)
        else:
            raise AssertionError(f"no ExtractionError for {html!r}")


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2040), st.sampled_from(["div", "span", "font", "blockquote"]), st.integers(0, 300))
def test_a_page_nested_deeper_than_the_parser_reads_keeps_every_word(depth: int, tag: str, messy: int) -> None:
    """libxml2 stops at 256 levels unless asked for more (2048): the article's words are all
    read whatever the nesting up to that, however many other parse errors come before (its
    log keeps 100), and a flattened page says so."""
    paragraphs = [f"الفقرة {n}: نص يقرؤه الباحث كما كُتب في التحليل كاملًا دون نقص." for n in range(3)]
    page = ("<html><head><title>صفحة عميقة</title></head><body><article class='post'><h1>صفحة عميقة</h1>"
            + "</zz>" * messy + f"<{tag}>" * depth + "".join(f"<p>{p}</p>" for p in paragraphs) + f"</{tag}>" * depth
            + "</article></body></html>")
    record = extract(page, "https://ncmes.org/5", FETCHED)
    assert record.body.split() == " ".join(paragraphs).split()
    flattened = [w for w in record.warnings if "nested deeper than" in w]
    if depth < 240 or depth > 260:  # the paragraphs sit depth + 3 levels below <html>
        assert bool(flattened) == (depth > 260)


_LINK_TARGETS = ["https://ncmes.org/4097/", "/4003/", "https://www.brookings.edu/articles/egypt/",
                 "#note", "/category/x/"]
_WRAPPERS = ["", "span", "em", "strong", "b", "span class='link'", "bdi", "code", "ins", "time"]


_LINKED_WORD = st.tuples(st.integers(0, 2).map(lambda n: n == 0), st.sampled_from(_LINK_TARGETS),
                        st.sampled_from(_WRAPPERS))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_LINKED_WORD, min_size=30, max_size=45).filter(
    lambda words: sum(linked for linked, _, _ in words) <= len(words) // 3), min_size=2, max_size=4))
def test_no_word_of_a_sentence_is_lost_whatever_holds_its_links(paragraphs) -> None:
    """Links in a paragraph of prose (up to a third of its words), to other posts, other
    sites or the page, bare or wrapped in an inline element of their own: every word of every
    paragraph is read, in order, in a container named by its structure alone (where lists of
    links are the theme's)."""
    words, blocks = [], []
    for p_index, paragraph in enumerate(paragraphs):
        parts = []
        for w_index, (linked, href, wrapper) in enumerate(paragraph):
            word = f"كلمة{p_index}x{w_index}"
            words.append(word)
            if linked:
                word = f'<a href="{href}">{word}</a>'
                if wrapper:
                    word = f"<{wrapper}>{word}</{wrapper.split()[0]}>"
            parts.append(word)
        blocks.append("<p>" + " ".join(parts) + ".</p>")
    related = ('<div><span><a href="/4097/">مقال آخر عن السودان</a></span> <span>'
               '<a href="/4003/">مقال ثالث عن ليبيا</a></span></div>')
    page = ("<html><head><title>عنوان المقال</title></head><body><article><h1>عنوان المقال</h1>"
            + "".join(blocks) + related + "</article></body></html>")
    record = extract(page, "https://ncmes.org/5", FETCHED)
    assert [w.rstrip(".") for w in record.body.split()] == words


_SHORT_WORDS = ["مصر", "السودان", "الحدود", "المياه", "الأمن", "التعاون", "الحوار", "القمة",
                "الاتفاق", "المنطقة", "الطاقة", "النتائج"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_SHORT_WORDS), min_size=6, max_size=10), min_size=1,
                max_size=2), st.booleans(), st.booleans(), st.sampled_from(["main", "div", "section"]))
def test_a_short_article_in_a_container_named_by_its_structure_keeps_every_sentence(
        paragraphs: list[list[str]], meta: bool, related: bool, outer: str) -> None:
    """An article of a paragraph or two, printed with its headline and meta line in an
    `<article>` that no class names, after a breadcrumb: the headline's block (headline,
    author, date) is never the whole article, however little text the article holds."""
    title = "الانتخابات المحلية في تركيا ودلالاتها"
    words = [word for paragraph in paragraphs for word in paragraph]
    blocks = "".join("<p>" + " ".join(paragraph) + ".</p>" for paragraph in paragraphs)
    crumb = (f'<p><span><a href="https://ncmes.org/">الرئيسية</a></span> » <span><a href='
             f'"https://ncmes.org/category/x/">تحليلات</a></span> » <span>{title}</span></p>')
    line = '<div><time datetime="2024-04-02T11:00:00+03:00">2024/04/02</time></div>' if meta else ""
    after = ('<section><h3>مقالات ذات صلة</h3><div><a href="/4655/">لبنان بعد الحرب: معادلات '
             'إعادة الإعمار</a></div><div><a href="/4640/">قمة شرم الشيخ للسلام: النتائج '
             'والدلالات</a></div></section>') if related else ""
    page = (f"<html><head><title>{title}</title></head><body><{outer}>{crumb}<article>"
            f"<h1>{title}</h1>{line}<div>{blocks}</div></article>{after}</{outer}></body></html>")
    record = extract(page, "https://ncmes.org/5", FETCHED)
    assert [w.rstrip(".") for w in record.body.split()][-len(words):] == words


def test_a_page_deeper_than_the_parser_can_read_fails_saying_so() -> None:
    page = ("<html><head><title>صفحة عميقة</title></head><body><h1>صفحة عميقة</h1>" + "<div>" * 3000
            + "<p>نص لا يبلغه المحلل.</p>" + "</div>" * 3000 + "</body></html>")
    try:
        extract(page, "https://ncmes.org/5", FETCHED)
    except ExtractionError as exc:
        assert "deeper than 2048 levels" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a body from a page whose text the parser never read")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab١ـ_-—()[].,;:؟«»") + [" ", "\n", "\t", "\u00a0", "\u2003", "\u200b", "\u202b", "\ufeff", "\u3000", "\x1c", "\x85"]), max_size=40))
def test_normalize_folds_whitespace_as_its_regex_definition(text: str) -> None:
    """normalize() folds runs of whitespace with str.split(): the same characters `\\s+`
    matches, so hashes of archived text do not move."""
    import re
    import unicodedata

    from crawler.text import _INVISIBLE_RE, normalize

    folded = text if text.isascii() else _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))
    assert normalize(text) == re.sub(r"\s+", " ", folded).strip()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("ab١ـ_-—()[]٢3. \n") + ["[1]", "[٣]"]), max_size=40), st.integers(-1, 12))
def test_has_words_is_word_count_at_least(pieces: list[str], n: int) -> None:
    from crawler.text import has_words, word_count

    text = "".join(pieces)
    assert has_words(text, n) == (word_count(text) >= n)
