"""Related posts on themes nobody here knows: a block whose class or id says "related", or a
strip of other posts' cards after the article whose heading says so. Whatever the markup of
the cards, their number and the lists of other posts around them (recent posts, most read,
the previous and next post, a sidebar), the related posts are exactly the labelled strip's."""

from __future__ import annotations

import datetime as dt

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
                  "RELATED ARTICLES", "You may also like", "Read also"]
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
    wrapper = data.draw(names)
    post = (f'<div class="{wrapper}"><h1 class="{data.draw(names)}">عنوان المقال</h1>'
            f'<div class="{data.draw(names)}">{PROSE}</div>'
            + (navigation if data.draw(st.booleans()) else "")
            + "".join(before) + (related if inside else "") + "</div>")
    main = post + ("" if inside else related) + "".join(after)
    page = (f'<html lang="ar" dir="rtl"><head><title>عنوان المقال</title></head><body>'
            f'<div class="{data.draw(names)}">{main}</div>{aside}{footer}</body></html>')
    record = extract(page, URL, FETCHED)
    assert [r.url for r in record.related] == [f"https://ncmes.org/{4700 - n}" for n in wanted]
    assert [r.title for r in record.related] == [TITLES[n] for n in wanted]
    # The body is the article's text, whichever <article>s (other posts' cards) the page holds.
    assert record.body.split("\n") == [f"الفقرة {i} من التحليل تتناول التنافس الإقليمي على الموانئ "
                                       f"والممرات البحرية في البحر الأحمر وما يحمله من مخاطر على أمن "
                                       f"الملاحة والتجارة الدولية." for i in range(6)]


def test_a_block_whose_class_or_id_says_related() -> None:
    cards = "".join(f'<li><a href="https://ncmes.org/{4600 + n}/">{TITLES[n]}</a></li>' for n in range(3))
    for block in (f'<div class="ast-related-posts"><ul>{cards}</ul></div>',
                  f'<section id="entryRelated"><ul>{cards}</ul></section>'):
        page = ('<html><head><title>عنوان المقال</title></head><body class="single has-related-posts">'
                f'<article class="post"><h1>عنوان المقال</h1><div class="entry-content">{PROSE}</div>'
                f'{block}</article></body></html>')
        assert [r.url for r in extract(page, URL, FETCHED).related] == [
            f"https://ncmes.org/{4600 + n}" for n in range(3)]
        # In a sidebar, or before the article's last paragraph, it is not the post's.
        page = ('<html><head><title>عنوان المقال</title></head><body>'
                f'<article class="post"><h1>عنوان المقال</h1><div class="entry-content">{PROSE}</div>'
                f'</article><div class="sidebar">{block}</div></body></html>')
        assert extract(page, URL, FETCHED).related == []


def test_a_strip_without_a_related_heading_is_not_the_related_block() -> None:
    cards = "".join(f'<li><a href="https://ncmes.org/{4600 + n}/">{TITLES[n]}</a></li>' for n in range(3))
    for label in ("", "أحدث المقالات", "Most read", "Share: Facebook Twitter WhatsApp"):
        page = ('<html><head><title>عنوان المقال</title></head><body>'
                f'<div class="x1"><h1>عنوان المقال</h1><div class="x2">{PROSE}</div>'
                f'<div class="x3"><h3>{label}</h3><ul>{cards}</ul></div></div></body></html>')
        assert extract(page, URL, FETCHED).related == []


def test_related_headings() -> None:
    for text in RELATED_LABELS + ["مقالات مشابهة", "See also", "مواضيع ذات الصلة:"]:
        assert says_related(text), text
    for text in OTHER_LABELS + ["", "تتناول هذه الورقة القضايا ذات الصلة بأمن البحر الأحمر في "
                                    "ضوء التطورات الإقليمية الأخيرة"]:
        assert not says_related(text), text
