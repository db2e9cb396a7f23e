"""Property: comments, sidebars, teaser grids, share and other widgets around an article never
change its body, whatever their number, length, order and place on the page."""

from __future__ import annotations

import datetime as dt
import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extraction import extract

FETCHED = dt.datetime(2025, 11, 20, tzinfo=dt.UTC)
URL = "https://ncmes.org/6001/"

PARAGRAPHS = [
    "تشهد منطقة القرن الأفريقي تحولات متسارعة في موازين القوى، إذ تتنافس قوى إقليمية ودولية على النفوذ في الموانئ والممرات البحرية.",
    "وتبرز إثيوبيا بوصفها فاعلًا رئيسيًا في هذه التحولات، بعد أن أعلنت رغبتها في الحصول على منفذ بحري دائم، وهو ما أثار مخاوف دول الجوار.",
    "في المقابل، تعمل مصر على تعزيز حضورها في المنطقة عبر اتفاقات تعاون عسكري واقتصادي مع الصومال وإريتريا.",
    "أما دول الخليج فقد ضاعفت استثماراتها في الموانئ الأفريقية خلال السنوات الأخيرة، مستفيدة من موقعها المالي وشبكة علاقاتها.",
    "ويرى عدد من الباحثين أن غياب إطار إقليمي جامع لأمن البحر الأحمر يفتح الباب أمام ترتيبات ثنائية متعارضة بين الأطراف.",
    "The Red Sea has become one of the most contested maritime corridors in the world, as regional and global powers compete for ports.",
    "Attacks on commercial vessels have forced many shipping companies to reroute around the Cape of Good Hope, adding days to voyages.",
    "Analysts warn that without a regional security framework, bilateral arrangements will keep pulling in different directions.",
]
# Comments are often as long as the article, and quote it.
COMMENT_TEXTS = [*PARAGRAPHS, "مقال رائع، شكرًا للكاتب على هذا التحليل المفصل والمفيد جدًا.",
                 "I disagree with the conclusion: the Gulf states have far more leverage than the author suggests."]
EXCERPTS = ["تتسارع خطط التحول الرقمي في دول المنطقة، لكن البنية التحتية لا تزال متفاوتة.",
            "يطرح استخدام الذكاء الاصطناعي في الحملات الانتخابية أسئلة جديدة حول النزاهة.",
            "Libya's rival governments remain divided over the management of oil revenues."]
HEADLINES = ["قراءة في نتائج القمة العربية", "مستقبل الوساطة في السودان", "Ports and Power in the Horn"]


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


@st.composite
def comments(draw: st.DrawFn) -> str:
    items = "".join(
        f'<li class="comment depth-1"><article class="comment-body"><footer class="comment-meta">'
        f'<b class="fn">قارئ {i}</b><time datetime="2025-11-1{i % 10}T10:00:00+02:00">'
        f'1{i % 10} نوفمبر 2025</time></footer><div class="comment-content"><p>{_esc(text)}</p>'
        f'</div></article></li>'
        for i, text in enumerate(draw(st.lists(st.sampled_from(COMMENT_TEXTS), min_size=1, max_size=8))))
    kind = draw(st.sampled_from(["classic", "block"]))
    if kind == "block":
        return (f'<div class="wp-block-comments"><h2 class="wp-block-heading">التعليقات</h2>'
                f'<ol class="wp-block-comment-template">{items}</ol></div>')
    return (f'<div id="comments" class="comments-area"><h3 class="comments-title">تعليقات</h3>'
            f'<ol class="comment-list">{items}</ol><div id="respond" class="comment-respond">'
            f'<form><textarea name="comment"></textarea></form></div></div>')


@st.composite
def teaser_grid(draw: st.DrawFn) -> str:
    cards = "".join(
        f'<article id="post-{5000 + i}" class="post-{5000 + i} post type-post hentry">'
        f'<h3 class="entry-title"><a href="https://ncmes.org/{5000 + i}/">{_esc(h)}</a></h3>'
        f'<div class="entry-content"><p>{_esc(e)}</p></div></article>'
        for i, (h, e) in enumerate(draw(st.lists(
            st.tuples(st.sampled_from(HEADLINES), st.sampled_from(EXCERPTS)), min_size=1, max_size=9))))
    wrapper = draw(st.sampled_from([
        '<div class="cards">{}</div>', '<section class="related-posts">{}</section>',
        '<div class="wp-block-query"><div class="wp-block-post-template">{}</div></div>',
        '<div class="elementor-widget elementor-widget-posts"><div class="elementor-posts-container">{}</div></div>',
    ]))
    return wrapper.format(cards)


def sidebar() -> st.SearchStrategy[str]:
    widget = st.sampled_from([
        '<section class="widget widget_recent_entries"><h2 class="widget-title">أحدث المقالات</h2><ul>'
        '<li><a href="https://ncmes.org/5001/">قراءة في نتائج القمة العربية الأخيرة</a></li></ul></section>',
        '<section class="widget widget_text"><div class="textwidget"><p>' + _esc(PARAGRAPHS[0]) + ' '
        + _esc(PARAGRAPHS[1]) + '</p></div></section>',
        '<section class="widget"><h2>الأرشيف</h2><ul><li><a href="https://ncmes.org/2025/10/">أكتوبر 2025</a></li></ul></section>',
    ])
    return st.lists(widget, min_size=1, max_size=4).map(
        lambda ws: '<aside id="secondary" class="widget-area">' + "".join(ws) + "</aside>")


SHARE = st.sampled_from([
    '<div class="sharedaddy sd-sharing-enabled"><div class="sd-block sd-social"><h3 class="sd-title">شارك هذا:</h3>'
    '<ul><li><a class="share-twitter" href="https://ncmes.org/6001/?share=twitter">X</a></li></ul></div></div>',
    '<div class="addtoany_share_save_container addtoany_content"><div class="addtoany_header">شارك المقال</div>'
    '<div class="a2a_kit"><a class="a2a_button_facebook" href="https://www.addtoany.com/add_to/facebook">فيسبوك</a></div></div>',
    '<div class="heateor_sss_sharing_container"><div class="heateor_sss_sharing_title">Spread the love</div></div>',
    '<div class="kk-star-ratings"><div class="kksr-legend">4.8/5 - (20 votes)</div></div>',
    '<div class="saboxplugin-wrap"><div class="saboxplugin-desc"><p>' + _esc(PARAGRAPHS[2]) + '</p></div></div>',
    '<nav class="navigation post-navigation"><div class="nav-links"><a href="https://ncmes.org/5001/" rel="prev">'
    'المقال السابق</a></div></nav>',
])


def page(paragraphs: list[str], before: list[str], after: list[str], inside_top: list[str],
         inside_end: list[str], side: list[str]) -> str:
    content = "".join(inside_top) + "".join(f"<p>{_esc(t)}</p>" for t in paragraphs) + "".join(inside_end)
    return (
        '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>التنافس على الموانئ - '
        'المركز الوطني للدراسات</title></head><body class="single single-post postid-6001">'
        '<header id="masthead" class="site-header"><nav><a href="https://ncmes.org/">الرئيسية</a></nav></header>'
        '<div id="content" class="site-content">' + "".join(before)
        + '<main id="main" class="site-main"><article id="post-6001" class="post-6001 post type-post hentry">'
        '<header class="entry-header"><h1 class="entry-title">التنافس على الموانئ</h1>'
        '<time class="entry-date published" datetime="2025-11-14T09:00:00+02:00">14 نوفمبر 2025</time></header>'
        f'<div class="entry-content">{content}</div></article>' + "".join(after) + "</main>"
        + "".join(side) + '</div><footer id="colophon" class="site-footer"><p>© 2025</p></footer></body></html>'
    )


ARTICLE = st.lists(st.sampled_from(PARAGRAPHS), min_size=3, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=ARTICLE,
    before=st.lists(st.one_of(teaser_grid(), sidebar()), max_size=2),
    after=st.lists(st.one_of(comments(), teaser_grid(), SHARE), max_size=4),
    inside_top=st.lists(SHARE, max_size=2),
    inside_end=st.lists(SHARE, max_size=3),
    side=st.lists(sidebar(), max_size=1),
    shuffle=st.randoms(use_true_random=False),
)
def test_widgets_around_an_article_never_change_its_body(
    paragraphs, before, after, inside_top, inside_end, side, shuffle
) -> None:
    bare = extract(page(paragraphs, [], [], [], [], []), URL, FETCHED)
    shuffle.shuffle(after)
    dressed = extract(page(paragraphs, before, after, inside_top, inside_end, side), URL, FETCHED)
    assert bare.body == "\n".join(paragraphs)
    assert dressed.body == bare.body


SHORT_COMMENTS = COMMENT_TEXTS[-2:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(st.sampled_from(PARAGRAPHS), min_size=4, max_size=8),
    texts=st.lists(st.sampled_from(SHORT_COMMENTS), min_size=0, max_size=2),
    form=st.booleans(),
    wrappers=st.integers(0, 3),
    cards=st.lists(st.tuples(st.sampled_from(HEADLINES), st.sampled_from(EXCERPTS)), max_size=2),
    inside=st.booleans(),
    articles=st.booleans(),
    dated=st.booleans(),
)
def test_comments_and_other_pieces_no_class_names_are_never_the_articles_text_nor_date_it(
    paragraphs, texts, form, wrappers, cards, inside, articles, dated
) -> None:
    """Comments (each an `<article>` in a list, as WordPress writes them), their form (one that
    takes a text) and a box of other posts' cards, in markup whose classes name nothing, inside
    the post's `<article>` or after it: the body is the article's paragraphs and the date the
    post's, whatever the number of comments and cards (together shorter than the article) and
    the boxes around the form. With a form, the comments may be plain boxes (only the form
    tells them); a post that shows no date of its own takes none of theirs."""
    tag = "article" if articles or not form else "div"
    items = "".join(f'<li><{tag}><footer><b>قارئ {i}</b> <time datetime="2025-11-2{i}T10:00:00'
                    f'+02:00">2{i} نوفمبر 2025</time></footer><div><p>{_esc(t)}</p></div><div>'
                    f'<a href="#c{i}">رد</a></div></{tag}></li>' for i, t in enumerate(texts))
    reply = ('<h3>اترك تعليقاً</h3><form action="/wp-comments-post.php" method="post"><p>'
             '<label>التعليق</label><textarea name="comment"></textarea></p><p><input type="submit" '
             'value="إرسال التعليق"></p></form>') if form else ""
    talk = ((f"<div><h2>التعليقات</h2><ol>{items}</ol>" if items else "<div>")
            + "<div>" * wrappers + reply + "</div>" * wrappers + "</div>")
    related = ("<div><div>مقالات ذات صلة</div><div>" + "".join(
        f'<article><a href="https://ncmes.org/{5000 + i}/"><h3>{_esc(h)}</h3></a><p>{_esc(e)}</p>'
        f'<time datetime="2025-10-0{i + 1}T09:00:00+02:00">{i + 1} أكتوبر 2025</time></article>'
        for i, (h, e) in enumerate(cards)) + "</div></div>") if cards else ""
    body = "".join(f"<p>{_esc(t)}</p>" for t in paragraphs)
    pieces = related + talk
    page = ('<html lang="ar"><head><title>التنافس على الموانئ</title></head><body><main><article>'
            '<h1>التنافس على الموانئ</h1>'
            + ('<div><time datetime="2025-11-14T09:00:00+02:00">14 نوفمبر 2025</time></div>' if dated else "")
            + f'<div>{body}</div>{pieces if inside else ""}</article>'
            f'{"" if inside else pieces}</main></body></html>')
    record = extract(page, URL, FETCHED)
    assert record.body == "\n".join(paragraphs)
    assert record.published == (dt.date(2025, 11, 14) if dated else None)


def _bare_post(text: str) -> str:
    """A post in markup whose classes name nothing: its headline and its text's box."""
    return ('<html lang="ar"><head><title>التنافس على الموانئ</title></head><body><main><article>'
            f"<h1>التنافس على الموانئ</h1><div>{text}</div></article></main></body></html>")


# A reader's tools, in markup whose classes name nothing: a newsletter's sign-up, a sign-in,
# a search; each a heading, a line or two and a form that takes a text.
TOOLS = [
    ("<h3>النشرة البريدية</h3><h4>أحدث تحليلات المركز في بريدك كل أسبوع، مجانًا.</h4><form><input "
     "type='email' name='email' placeholder='بريدك الإلكتروني'><input type='submit' value='اشترك'>"
     "</form><p><label><input type='checkbox'> أوافق على تلقي النشرة البريدية من المركز.</label></p>"
     "<div>شكرًا لاشتراكك!</div><div>عذرًا، حدث خطأ أثناء الاشتراك.</div>"),
    ("<div>سجّل الدخول أو أنشئ حسابًا لحفظ هذا المقال وقراءته لاحقًا.</div><form><input name='user'>"
     "<input type='password' name='pass'><button>دخول</button></form>"),
    "<form role='search'><label>ابحث في الموقع</label><input type='search' name='s'><button>بحث</button></form>",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(st.sampled_from(PARAGRAPHS), min_size=3, max_size=8),
    tools=st.lists(st.tuples(st.sampled_from(TOOLS), st.integers(0, 8), st.integers(0, 2)), max_size=3),
)
def test_a_readers_tools_are_never_the_articles_text(paragraphs, tools) -> None:
    """Sign-up, sign-in and search boxes amid the article's paragraphs or after them, in
    wrappers of any depth: the body is the article's paragraphs. (The sign-in and search
    boxes are short lines beside a button, which the chrome check takes too; the sign-up
    box's lines end as sentences, and only its form tells it.)"""
    blocks = [f"<p>{_esc(t)}</p>" for t in paragraphs]
    for tool, at, depth in tools:
        blocks.insert(min(at, len(blocks)), "<div>" * (depth + 1) + tool + "</div>" * (depth + 1))
    page = _bare_post("".join(blocks))
    assert extract(page, URL, FETCHED).body == "\n".join(paragraphs)


def test_a_section_of_the_article_around_a_form_stays() -> None:
    """Forms amid the article's own text: a calculator in a section of paragraphs, a
    converter beside a table longer than a reader's tool, a registration form under a list
    of an event's details, and a poll whose form takes no text (its choices): the text
    around each stays."""
    calculator = (f"<div><p>{_esc(PARAGRAPHS[1])}</p><form><input name='n'><button>احسب</button></form>"
                  f"<p>{_esc(PARAGRAPHS[2])}</p></div>")
    rows = [("2019", "5,7", "3,6"), ("2020", "3,6", "5,0"), ("2021", "3,3", "4,5"), ("2022", "6,6", "13,9"),
            ("2023", "3,8", "33,9"), ("2024", "2,4", "28,3")]
    table = ("<div><table><tr><th>السنة</th><th>معدل النمو الاقتصادي في مصر (%)</th>"
             "<th>معدل التضخم السنوي في المدن المصرية (%)</th></tr>"
             + "".join(f"<tr><td>{y}</td><td>النمو {g} في المئة من الناتج المحلي الإجمالي</td>"
                       f"<td>التضخم {i} في المئة وفق الجهاز المركزي للتعبئة العامة والإحصاء</td></tr>"
                       for y, g, i in rows)
             + "</table><form><input name='amount'><button>حوّل</button></form></div>")
    details = ["الموعد: الثلاثاء 18 نوفمبر", "المكان: مقر المركز في القاهرة", "المتحدثون: باحثو المركز"]
    event = ("<div><ul>" + "".join(f"<li>{t}</li>" for t in details)
             + "</ul><form><input type='email' name='email'><button>سجّل</button></form></div>")
    poll = ("<div><h2>هل تتوقع اتفاقًا قريبًا؟</h2><form><label><input type='radio' name='v'>نعم</label>"
            "<label><input type='radio' name='v'>لا</label><button>صوّت</button></form></div>")
    body = (f"<p>{_esc(PARAGRAPHS[0])}</p>{calculator}{table}{event}{poll}"
            + "".join(f"<p>{_esc(t)}</p>" for t in PARAGRAPHS[3:]))
    page = _bare_post(body)
    lines = extract(page, URL, FETCHED).body.split("\n")
    assert len(table) > 600 + len("<form><input name='amount'><button>حوّل</button></form>")
    wanted = [*PARAGRAPHS[:3], *[f"- {t}" for t in details], "هل تتوقع اتفاقًا قريبًا؟", *PARAGRAPHS[3:]]
    assert [line for line in lines if line in wanted] == wanted
    assert sum("الجهاز المركزي" in line for line in lines) == len(rows)


def test_a_live_blogs_entries_are_its_text() -> None:
    """Entries written as `<article>`s side by side under the headline are the post's text,
    however many, and with more text after them than in them; an `<article>` after the post's own (the next post) is not."""
    entries = "".join(f'<article><time datetime="2025-11-14T1{i}:00:00+02:00">1{i}:00</time>'
                      f"<p>{_esc(t)}</p></article>" for i, t in enumerate(PARAGRAPHS[:5]))
    page = ('<html lang="ar"><head><title>متابعة مباشرة</title></head><body><main><div>'
            '<h1>متابعة مباشرة</h1><time datetime="2025-11-14T09:00:00+02:00">14 نوفمبر 2025</time>'
            f"</div><div>{entries}</div></main></body></html>")
    assert extract(page, URL, FETCHED).body.split("\n")[-5:] == PARAGRAPHS[:5]
    # Fewer entries than the background written after them: still the post's text.
    entries = "".join(f'<article><time datetime="2025-11-14T1{i}:00:00+02:00">1{i}:00</time>'
                      f"<p>{_esc(t)}</p></article>" for i, t in enumerate(PARAGRAPHS[:2]))
    background = "".join(f"<p>{_esc(t)}</p>" for t in PARAGRAPHS[2:])
    page = ('<html lang="ar"><head><title>متابعة مباشرة</title></head><body><main><div>'
            '<h1>متابعة مباشرة</h1><time datetime="2025-11-14T09:00:00+02:00">14 نوفمبر 2025</time>'
            f"</div><div>{entries}<h2>خلفية</h2>{background}</div></main></body></html>")
    text = [*PARAGRAPHS[:2], "خلفية", *PARAGRAPHS[2:]]
    # (each entry's time may stay on its own line before it)
    assert [line for line in extract(page, URL, FETCHED).body.split("\n") if line in text] == text
    post = "".join(f"<p>{_esc(t)}</p>" for t in PARAGRAPHS[:5])
    page = ('<html lang="ar"><head><title>التنافس على الموانئ</title></head><body><main><article>'
            f'<h1>التنافس على الموانئ</h1><div>{post}</div></article><article><h2><a href='
            f'"https://ncmes.org/5001/">{HEADLINES[0]}</a></h2><p>{_esc(EXCERPTS[0])}</p></article>'
            "</main></body></html>")
    assert extract(page, URL, FETCHED).body == "\n".join(PARAGRAPHS[:5])


def test_a_form_amid_the_articles_text_takes_none_of_it() -> None:
    """A section of the article around a form that takes a text (a survey), with the text
    going on after it: not a discussion, whatever its size."""
    survey = (f"<div><h2>رأيك</h2><p>{_esc(PARAGRAPHS[1])}</p><form><textarea name='q'></textarea>"
              "<input type='submit' value='إرسال'></form></div>")
    body = f"<p>{_esc(PARAGRAPHS[0])}</p>{survey}" + "".join(f"<p>{_esc(t)}</p>" for t in PARAGRAPHS[2:5])
    page = _bare_post(body)
    assert extract(page, URL, FETCHED).body.split("\n") == [PARAGRAPHS[0], "رأيك", *PARAGRAPHS[1:5]]


def test_folded_panels_are_text_by_their_aria_role_whatever_their_classes() -> None:
    """An accordion's sections and a tab's panels are folded, not hidden: by ARIA's roles
    (`region`, `tabpanel`), whatever their classes; a hidden box with neither is not read."""
    panels = "".join(
        f'<div><div id="t{i}" role="button" aria-controls="c{i}" aria-expanded="false">سؤال {i}؟</div>'
        f'<div id="c{i}" class="n{i}" role="{role}" aria-labelledby="t{i}" {hide}>'
        f"<p>{_esc(PARAGRAPHS[i])}</p></div></div>"
        for i, (role, hide) in enumerate([("region", 'style="display:none"'),
                                          ("tabpanel", "hidden"), ("region", "hidden")]))
    popup = f'<div style="display:none"><p>{_esc(COMMENT_TEXTS[-2])}</p></div>'
    page = ('<html lang="ar"><head><title>أسئلة السودان</title></head><body><main><article>'
            f"<h1>أسئلة السودان</h1><div><p>{_esc(PARAGRAPHS[4])}</p>{panels}{popup}</div>"
            "</article></main></body></html>")
    lines = extract(page, URL, FETCHED).body.split("\n")
    assert lines == [PARAGRAPHS[4], "سؤال 0؟", PARAGRAPHS[0], "سؤال 1؟", PARAGRAPHS[1],
                     "سؤال 2؟", PARAGRAPHS[2]]
