"""Related posts on themes nobody here knows: a block whose class or id says "related", or a
strip of other posts' cards after the article whose heading says so. Whatever the markup of
the cards, their number and the lists of other posts around them (recent posts, most read,
the previous and next post, a sidebar), the related posts are exactly the labelled strip's."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction import extract
from crawler.extraction.related import says_related

FETCHED = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
URL = "https://ncmes.org/4800/"
PROSE = "".join(
    f"<p>الفقرة {i} من التحليل تتناول التنافس الإقليمي على الموانئ والممرات البحرية في البحر "
    f"الأحمر وما يحمله من مخاطر على أمن الملاحة والتجارة الدولية.</p>" for i in range(6))

TITLES = [f"عنوان مقال آخر من المركز رقم {n} عن قضايا المنطقة" for n in range(40)]

# Meaningless class names, as on a theme whose names say nothing.
names = st.from_regex(r"z[0-9]{2,5}", fullmatch=True)  # no word in them


@st.composite
def strip(draw, first: int, label: str) -> tuple[str, list[int]]:
    """A strip of other posts' cards under a heading: list items, boxes, or <article> cards
    with a date and an excerpt's opening, in a wrapper of any depth."""
    count = draw(st.integers(1, 5))
    posts = list(range(first, first + count))
    shape = draw(st.sampled_from(["li", "div", "article"]))
    cls = draw(names)
    cards = []
    for n in posts:
        link = f'<a href="https://ncmes.org/{4700 - n}/">{TITLES[n]}</a>'
        if shape == "li":
            cards.append(f'<li class="{cls}">{link}</li>')
        else:
            date = f'<span class="{draw(names)}">{1 + n % 27} أكتوبر 2025</span>' if draw(st.booleans()) else ""
            cards.append(f'<{shape} class="{cls}"><h3 class="{draw(names)}">{link}</h3>{date}</{shape}>')
    inner = f"<ul>{''.join(cards)}</ul>" if shape == "li" else "".join(cards)
    for _ in range(draw(st.integers(0, 3))):
        inner = f'<div class="{draw(names)}">{inner}</div>'
    heading = draw(st.sampled_from(["h2", "h3", "h4", "div", "span"]))
    return f'<section class="{draw(names)}"><{heading} class="{draw(names)}">{label}</{heading}>{inner}</section>', posts


RELATED_LABELS = ["مقالات ذات صلة", "اقرأ أيضًا", "إقرأ أيضاً", "قد يعجبك أيضاً", "Related Posts",
                  "RELATED ARTICLES", "You may also like", "Read also", "مَقالاتٌ ذاتُ صِلَةٍ"]
OTHER_LABELS = ["أحدث المقالات", "الأكثر قراءة", "Recent posts", "Most read", "Latest"]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_related_posts_are_exactly_the_labelled_strip(data) -> None:
    label = data.draw(st.sampled_from(RELATED_LABELS))
    related, wanted = data.draw(strip(0, label))
    before = [data.draw(strip(10 + 5 * i, data.draw(st.sampled_from(OTHER_LABELS))))[0]
              for i in range(data.draw(st.integers(0, 2)))]
    after = [data.draw(strip(20 + 5 * i, data.draw(st.sampled_from(OTHER_LABELS))))[0]
             for i in range(data.draw(st.integers(0, 2)))]
    # The previous and next post, a sidebar's own "related" list and a site footer's.
    navigation = ('<nav><a rel="prev" href="https://ncmes.org/4799/">عنوان المقال السابق في '
                  'المركز عن قضايا المنطقة</a><a rel="next" href="https://ncmes.org/4801/">'
                  'عنوان المقال التالي في المركز عن قضايا المنطقة</a></nav>')
    aside = f"<aside>{data.draw(strip(30, 'مقالات ذات صلة'))[0]}</aside>"
    footer = f"<footer>{data.draw(strip(35, 'Related Posts'))[0]}</footer>"
    inside = data.draw(st.booleans())  # the strip in the post's wrapper, or after it
    # The strips side by side in a box of their own, or each on its own.
    box = f'<div class="{data.draw(names)}">' if data.draw(st.booleans()) else ""
    wrapper = data.draw(names)
    post = (f'<div class="{wrapper}"><h1 class="{data.draw(names)}">عنوان المقال</h1>'
            f'<div class="{data.draw(names)}">{PROSE}</div>'
            + (navigation if data.draw(st.booleans()) else "")
            + (box if inside else "") + "".join(before) + (related if inside else "")
            + ("</div>" if box and inside else "") + "</div>")
    main = post + (box if not inside else "") + ("" if inside else related) + "".join(after) + (
        "</div>" if box and not inside else "")
    page = (f'<html lang="ar" dir="rtl"><head><title>عنوان المقال</title></head><body>'
            f'<div class="{data.draw(names)}">{main}</div>{aside}{footer}</body></html>')
    record = extract(page, URL, FETCHED)
    assert [r.url for r in record.related] == [f"https://ncmes.org/{4700 - n}" for n in wanted]
    assert [r.title for r in record.related] == [TITLES[n] for n in wanted]
    # The body is the article's text, whichever <article>s (other posts' cards) the page holds.
    assert record.body.split("\n") == [f"الفقرة {i} من التحليل تتناول التنافس الإقليمي على الموانئ "
                                       f"والممرات البحرية في البحر الأحمر وما يحمله من مخاطر على أمن "
                                       f"الملاحة والتجارة الدولية." for i in range(6)]


def test_related_lists_off_the_articles_column_are_never_the_posts() -> None:
    """With no strip of the post's own: a related-headed strip in an <aside>, in the page's
    footer, in an ARIA complementary region, or the previous and next post (rel) in a plain
    box, gives no related posts; a footer inside the post's wrapper is the post's."""
    offs = (f"<aside><h3>مقالات ذات صلة</h3>{_cards(0, 3)}</aside>",
            f"<footer><h3>Related Posts</h3>{_cards(3, 3)}</footer>",
            f"<div role='complementary'><h3>Related Posts</h3>{_cards(6, 3)}</div>",
            f"<div><h3>مقالات ذات صلة</h3><ul><li><a rel='prev' href='https://ncmes.org/4799/'>{TITLES[9]}"
            f"</a></li><li><a rel='next' href='https://ncmes.org/4801/'>{TITLES[10]}</a></li></ul></div>")
    for off in offs:
        assert extract(_page("").replace("</body>", off + "</body>"), URL, FETCHED).related == [], off
    page = ('<html lang="ar"><head><title>عنوان المقال</title></head><body><article class="z1">'
            f'<h1>عنوان المقال</h1><div class="z2">{PROSE}</div><footer><h3>مقالات ذات صلة</h3>'
            f'{_cards(0, 3)}</footer></article></body></html>')
    assert [r.url for r in extract(page, URL, FETCHED).related] == _urls(0, 3)


def test_a_block_whose_class_or_id_says_related() -> None:
    for block in (f'<div class="ast-related-posts">{_cards(0, 3)}</div>',
                  f'<section id="entryRelated">{_cards(0, 3)}</section>'):
        page = ('<html><head><title>عنوان المقال</title></head><body class="single has-related-posts">'
                f'<article class="post"><h1>عنوان المقال</h1><div class="entry-content">{PROSE}</div>'
                f'{block}</article></body></html>')
        assert [r.url for r in extract(page, URL, FETCHED).related] == _urls(0, 3)
        # In a sidebar, or before half the article's text, it is not the post's.
        page = ('<html><head><title>عنوان المقال</title></head><body>'
                f'<article class="post"><h1>عنوان المقال</h1><div class="entry-content">{PROSE}</div>'
                f'</article><div class="sidebar">{block}</div></body></html>')
        assert extract(page, URL, FETCHED).related == []
        first, rest = PROSE.split("</p>", 1)
        assert extract(_page("").replace(PROSE, f"{first}</p>{block}{rest}"), URL, FETCHED).related == []


def test_a_strip_without_a_related_heading_is_not_the_related_block() -> None:
    for label in ("", "أحدث المقالات", "Most read", "Share: Facebook Twitter WhatsApp"):
        page = ('<html><head><title>عنوان المقال</title></head><body>'
                f'<div class="x1"><h1>عنوان المقال</h1><div class="x2">{PROSE}</div>'
                f'<div class="x3"><h3>{label}</h3>{_cards(0, 3)}</div></div></body></html>')
        assert extract(page, URL, FETCHED).related == []


def test_related_headings() -> None:
    for text in RELATED_LABELS + ["مقالات مشابهة", "See also", "مواضيع ذات الصلة:", "اقـــرأ أيضاً"]:
        assert says_related(text), text
    for text in OTHER_LABELS + ["", "Read more", "تتناول هذه الورقة القضايا ذات الصلة بأمن البحر الأحمر في "
                                    "ضوء التطورات الإقليمية الأخيرة"]:
        assert not says_related(text), text


def _page(after_text: str, content_end: str = "") -> str:
    return (f'<html lang="ar"><head><title>عنوان المقال</title></head><body>'
            f'<div class="z1"><h1>عنوان المقال</h1><div class="z2">{PROSE}{content_end}</div>'
            f"{after_text}</div></body></html>")


def _cards(first: int, count: int, shape: str = "li") -> str:
    items = "".join(f'<{shape}><a href="https://ncmes.org/{4600 + n}/">{TITLES[n]}</a></{shape}>'
                    for n in range(first, first + count))
    return f"<ul>{items}</ul>" if shape == "li" else items


def _urls(first: int, count: int) -> list[str]:
    return [f"https://ncmes.org/{4600 + n}" for n in range(first, first + count)]


def test_related_headings_written_any_way() -> None:
    """A heading as loose text, split between elements, or with a script before the list."""
    for strip in (f"<div><hr>مقالات ذات صلة{_cards(0, 3)}</div>",
                  f"<div><b>مقالات</b> ذات صلة{_cards(0, 3)}</div>",
                  f"<div><h3>Related Posts</h3><script>var x = 1;</script>{_cards(0, 3)}</div>",
                  f"<div><h3>اقرأ <span>أيضًا</span></h3>{_cards(0, 3)}</div>"):
        assert [r.url for r in extract(_page(strip), URL, FETCHED).related] == _urls(0, 3), strip


def test_a_known_block_left_empty_or_a_read_more_button_labels_nothing() -> None:
    # Jetpack's block before its script fills it: only its heading. The posts after it are not
    # its posts.
    jetpack = '<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">ذات صلة</h3></div>'
    assert extract(_page(f'<div class="z9">{_cards(0, 3, "div")}</div>', jetpack), URL, FETCHED).related == []
    button = f'<div><a href="https://ncmes.org/category/x/">Read more</a></div><div class="z9">{_cards(0, 3, "div")}</div>'
    assert extract(_page(button), URL, FETCHED).related == []


def test_the_related_strip_is_found_after_most_of_the_text_not_at_its_head() -> None:
    strip = f"<div><h3>مقالات ذات صلة</h3>{_cards(0, 3)}</div>"
    bio = "<div><p>الكاتب باحث في شؤون البحر الأحمر والقرن الأفريقي، وله دراسات عدة في أمن الملاحة.</p></div>"
    # An author's note after the strip, inside the content: the strip is still the related one.
    assert [r.url for r in extract(_page("", strip + bio), URL, FETCHED).related] == _urls(0, 3)
    # A box before the article's text is not.
    page = _page("").replace(f'<div class="z2">{PROSE}', f'<div class="z2">{strip}{PROSE}')
    assert extract(page, URL, FETCHED).related == []


def test_a_class_says_related_as_a_word_and_one_block_is_taken() -> None:
    assert extract(_page(f'<div class="unrelated-promo">{_cards(0, 3)}</div>'), URL, FETCHED).related == []
    blocks = (f'<div class="ast-related-posts">{_cards(0, 2)}</div>'
              f'<div id="footer-widgets"><div class="widget_related_by_category"><h3>Popular</h3>'
              f'{_cards(2, 3)}</div></div>')
    assert [r.url for r in extract(_page(blocks), URL, FETCHED).related] == _urls(0, 2)


def test_a_post_whose_text_is_a_list_of_other_posts_keeps_its_text() -> None:
    """A short post listing other posts is the page's own post, not another post's card."""
    links = _cards(0, 5)
    page = ('<html lang="ar"><head><title>ملف البحر الأحمر</title></head><body class="postid-4800">'
            '<article class="post-4800 post"><h1>ملف البحر الأحمر</h1><div class="entry-content">'
            f'<p>يضم هذا الملف الدراسات التالية.</p>{links}</div></article>'
            '<div class="q1"><p>المركز القومي لدراسات الشرق الأوسط مركز بحثي مستقل أسس في القاهرة '
            'عام 1989، ويصدر دراسات وتقديرات موقف عن قضايا المنطقة.</p><p>يعمل المركز على إعداد '
            'الدراسات والتقارير والندوات العلمية المتخصصة في شؤون الشرق الأوسط وأفريقيا.</p></div>'
            '</body></html>')
    record = extract(page, URL, FETCHED)
    assert record.body.startswith("يضم هذا الملف الدراسات التالية.")
    assert "أسس في القاهرة" not in record.body
    assert not any("held little text" in warning for warning in record.warnings)


def _headed_cards(ns: list[int]) -> str:
    return "".join(f'<div class="z1"><h3><a href="https://ncmes.org/{4600 + n}/">{TITLES[n]}</a></h3></div>'
                   for n in ns)


def test_a_strip_ends_at_the_next_heading_and_may_stand_in_the_text_box() -> None:
    # Two strips side by side under one parent: only the related one's cards.
    strips = (f'<div class="z5"><h2>مقالات ذات صلة</h2>{_headed_cards([1, 2])}'
              f'<h2>الأكثر قراءة</h2>{_headed_cards([5, 6])}</div>')
    assert [r.url for r in extract(_page(strips), URL, FETCHED).related] == _urls(1, 2)
    # Cards printed straight into the text's own box, or after it at the page's top level.
    inline = f"<h2>مقالات ذات صلة</h2>{_headed_cards([1, 2, 3])}"
    assert [r.url for r in extract(_page("", inline), URL, FETCHED).related] == _urls(1, 3)
    assert [r.url for r in extract(_page(inline), URL, FETCHED).related] == _urls(1, 3)


def test_a_theme_naming_each_card_related() -> None:
    cards = "".join(f'<div class="related-item"><a href="https://ncmes.org/{4600 + n}/">{TITLES[n]}</a></div>'
                    for n in range(1, 4))
    page = _page(f'<section class="z5"><h2>مقالات ذات صلة</h2>{cards}</section>')
    assert [r.url for r in extract(page, URL, FETCHED).related] == _urls(1, 3)


def test_excerpts_and_quotes_do_not_hide_the_strip() -> None:
    """Six cards with a one-line excerpt each after a six-paragraph article: still after half
    its text. (Excerpts that outweigh the article do hide the strip: the body then holds them,
    and they count as its text.)"""
    excerpt = "<p>مقتطف من المقال الآخر يعرض فكرته الرئيسية في سطر واحد طويل بما يكفي ليعد نثرا.</p>"
    cards = "".join(f'<div class="z1"><h3><a href="https://ncmes.org/{4600 + n}/">{TITLES[n]}</a></h3>'
                    f"{excerpt}</div>" for n in range(6))
    strip = f'<div class="z5"><h2>مقالات ذات صلة</h2>{cards}</div>'
    assert [r.url for r in extract(_page("", strip), URL, FETCHED).related] == _urls(0, 6)
    strip = f'<div class="z5"><h2>مقالات ذات صلة</h2>{_headed_cards([1, 2])}</div>'
    # Paragraphs quoted in a <blockquote> count once.
    quoted = "<blockquote>" + PROSE + "</blockquote>"
    page = _page(strip).replace(f'<div class="z2">{PROSE}', f'<div class="z2">{PROSE}{quoted}')
    assert [r.url for r in extract(page, URL, FETCHED).related] == _urls(1, 2)
    # ... so a strip after one paragraph and a quote of two, with five more after it, is
    # before half the text (counted twice, the quote would put it past half).
    ps = [p + "</p>" for p in PROSE.split("</p>")[:-1]]
    content = ps[0] + "<blockquote>" + ps[1] + ps[2] + "</blockquote>" + strip + "".join(ps[3:]) + ps[0] + ps[1]
    page = _page("").replace(f'<div class="z2">{PROSE}', f'<div class="z2">{content}')
    assert extract(page, URL, FETCHED).related == []


@pytest.mark.parametrize("markup, first, count", [
    # A related strip of one card beside a recent-posts strip of three, each under its heading,
    # in either order.
    (f'<div class="z3"><section><h3>مقالات ذات صلة</h3>{_cards(0, 1, "article")}</section>'
     f'<section><h3>أحدث المقالات</h3>{_cards(1, 3, "article")}</section></div>', 0, 1),
    (f'<div class="z3"><section><h3>أحدث المقالات</h3>{_cards(1, 3, "article")}</section>'
     f'<section><h3>مقالات ذات صلة</h3>{_cards(0, 1, "article")}</section></div>', 0, 1),
    # A slider's arrows and counter between the heading and the cards.
    (f'<section><div class="z3"><h3>مقالات ذات صلة</h3><div class="z4"><span>‹</span>'
     f'<span>›</span> <span>1</span> / <span>3</span></div></div>'
     f'<div class="z6">{_headed_cards([1, 2])}</div></section>', 1, 2),
    # A loose heading after the post navigation.
    (f'<nav><a href="https://ncmes.org/4599/">المقال السابق</a></nav>Related posts'
     f'<div class="z6">{_headed_cards([1, 2])}</div>', 1, 2),
])
def test_the_strip_under_the_related_heading(markup: str, first: int, count: int) -> None:
    assert [r.url for r in extract(_page(markup), URL, FETCHED).related] == _urls(first, count)


def test_links_that_are_no_urls_are_no_failure() -> None:
    """An unclosed IPv6 bracket (https://[x) in a link, a note or a related strip."""
    strip = f'<div class="z5"><h2>مقالات ذات صلة</h2>{_headed_cards([1, 2])}<a href="https://[x/12/">x</a></div>'
    page = _page(strip, '<p>نص فيه <a href="https://[y">رابط</a> معطوب ثم ينتهي.[1]</p><p>[1] المصدر https://[z</p>')
    record = extract(page, URL, FETCHED)
    assert [r.url for r in record.related] == _urls(1, 2)
    assert any(link.url == "https://[y" for link in record.links)


def test_related_strips_off_the_articles_column_or_at_its_head_are_not_its() -> None:
    """Strips headed as related but standing in a sidebar, an <aside>, the post navigation or
    after the first of six paragraphs come before the post's own strip: only that one counts."""
    off = (f'<aside><h3>مقالات ذات صلة</h3>{_cards(10, 2)}</aside>'
           f'<div class="sidebar"><h3>Related Posts</h3>{_cards(12, 2)}</div>'
           f'<nav><h3>Related</h3>{_cards(14, 2)}</nav>')
    own = f'<div class="z5"><h3>مقالات ذات صلة</h3>{_cards(0, 3)}</div>'
    assert [r.url for r in extract(_page(off + own), URL, FETCHED).related] == _urls(0, 3)
    assert extract(_page(off), URL, FETCHED).related == []
    # After the first paragraph of six: not after half the article.
    first, rest = PROSE.split("</p>", 1)
    page = _page("").replace(PROSE, f"{first}</p>{own}{rest}")
    assert extract(page, URL, FETCHED).related == []
