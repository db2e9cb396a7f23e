"""Discovery without a network: canonical URLs, menus, listings, pagination, sitemaps, feeds."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler import discovery
from crawler.urls import SiteURLError, canonical_url, is_same_site, post_id_from_url, site_root

SITE = "https://ncmes.org"


@pytest.mark.parametrize(
    "link",
    [
        "https://ncmes.org/4571",
        "https://ncmes.org/4571/",
        "/4571/",
        "http://ncmes.org/4571/",
        "https://ncmes.org/?p=4571",
        "/?p=4571&utm_source=twitter",
        "https://ncmes.org/4571/?utm_source=facebook&utm_medium=social",
        "https://ncmes.org/4571/#_ftn1",
        "https://www.ncmes.org/4571/",
        "https://NCMES.org//4571//",
    ],
)
def test_every_form_of_a_post_link_has_one_canonical_url(link: str) -> None:
    assert canonical_url(link, SITE, base="https://ncmes.org/category/x/") == "https://ncmes.org/4571"


@pytest.mark.parametrize(
    "link",
    [
        "https://example.org/4571/",
        "http://ncmes.org:8080/4571/",
        "mailto:info@ncmes.org",
        "tel:+20212345678",
        "javascript:void(0)",
        "data:text/html,hi",
        "",
    ],
)
def test_other_hosts_ports_and_schemes_are_not_the_site(link: str) -> None:
    assert canonical_url(link, SITE, base=SITE + "/") is None


def test_a_local_mirror_is_its_own_site_port_included() -> None:
    local = "http://127.0.0.1:8123"
    assert canonical_url("/12/?utm_source=x", local, base=local + "/") == "http://127.0.0.1:8123/12"
    assert not is_same_site("http://127.0.0.1:8124/12/", local)
    assert is_same_site("https://ncmes.org/1", "http://ncmes.org")


def test_a_site_at_an_ipv6_address_keeps_its_brackets() -> None:
    local = "http://[::1]:8123"
    assert site_root(local + "/") == local
    assert canonical_url("/12/?utm_source=x", local, base=local + "/") == "http://[::1]:8123/12"
    assert is_same_site("http://[::1]:8123/12/", local)
    assert not is_same_site("http://[::1]:8124/12/", local)


def test_percent_encoded_arabic_paths_compare_equal() -> None:
    a = canonical_url("/category/%d8%b4%d8%a4%d9%88%d9%86/", SITE, base=SITE)
    b = canonical_url("https://ncmes.org/category/شؤون/", SITE)
    assert a == b == "https://ncmes.org/category/%D8%B4%D8%A4%D9%88%D9%86"


def test_site_root_rejects_what_is_not_a_base_url() -> None:
    assert site_root("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    for bad in ("ncmes.org", "ftp://ncmes.org", "http://", "http://host:notaport", "https://[x"):
        with pytest.raises(SiteURLError):
            site_root(bad)


def test_post_ids_come_from_numeric_permalinks_only() -> None:
    assert post_id_from_url("https://ncmes.org/4571") == 4571
    assert post_id_from_url("https://ncmes.org/category/x") is None


HOME = """<!doctype html><html lang="ar" dir="rtl"><head><title>المركز القومي لدراسات الشرق الأوسط</title></head>
<body class="home blog">
<header><nav class="main-navigation"><ul id="menu-main" class="menu">
 <li class="menu-item menu-item-home"><a href="/">الرئيسية</a></li>
 <li class="menu-item menu-item-type-taxonomy menu-item-object-category menu-item-has-children">
   <a href="https://ncmes.org/category/%d8%b4%d8%a4%d9%88%d9%86-%d8%af%d9%88%d9%84%d9%8a%d8%a9/">شؤون دولية</a>
   <ul class="sub-menu"><li class="menu-item menu-item-object-category">
     <a href="https://ncmes.org/category/%d8%b4%d8%a4%d9%88%d9%86-%d8%af%d9%88%d9%84%d9%8a%d8%a9/%d8%a3%d9%81%d8%b1%d9%8a%d9%82%d9%8a%d8%a7/">أفريقيا</a>
   </li></ul></li>
 <li class="menu-item menu-item-object-category"><a href="/category/%d8%a7%d9%84%d8%ae%d9%84%d9%8a%d8%ac/">الخليج</a></li>
 <li class="menu-item menu-item-object-page"><a href="/about/">من نحن</a></li>
 <li class="menu-item"><a href="https://twitter.com/ncmes">X</a></li>
</ul></nav>
<form role="search"><input name="s"><button>Search</button></form></header>
<main>
 <article class="post"><h2><a href="https://ncmes.org/4571/">رؤى بحثية: مستقبل العلاقات</a></h2></article>
 <article class="post"><h2><a href="/?p=4560">تقدير موقف</a></h2>
   <a href="https://ncmes.org/4560/#respond">تعليق</a></article>
</main>
<aside id="secondary" class="widget-area"><section class="widget"><h3>الأكثر قراءة</h3>
 <a href="/4100/">مقال قديم</a></section></aside>
<footer><a href="/4000/">في التذييل</a></footer>
</body></html>"""


def test_sections_come_from_the_menu_nested_ones_included() -> None:
    sections = discovery.menu_sections(HOME, SITE + "/", SITE)
    assert [s.name for s in sections] == ["شؤون دولية", "أفريقيا", "الخليج"]
    assert sections[1].url.endswith("/%d8%a3%d9%81%d8%b1%d9%8a%d9%82%d9%8a%d8%a7/")
    assert sections[2].url == "https://ncmes.org/category/%d8%a7%d9%84%d8%ae%d9%84%d9%8a%d8%ac/"


def test_listing_articles_skip_sidebars_footers_and_duplicates() -> None:
    assert discovery.listing_articles(HOME, SITE + "/", SITE) == [
        "https://ncmes.org/4571",
        "https://ncmes.org/4560",
    ]


LISTING = """<html><head><link rel="next" href="https://ncmes.org/category/x/page/3/"></head><body>
<article><a href="/5/">five</a></article>
<nav class="navigation pagination"><div class="nav-links">
<a class="prev page-numbers" href="https://ncmes.org/category/x/">السابق</a>
<a class="page-numbers" href="https://ncmes.org/category/x/">1</a>
<span aria-current="page" class="page-numbers current">2</span>
<a class="page-numbers" href="https://ncmes.org/category/x/page/3/">3</a>
<span class="page-numbers dots">…</span>
<a class="page-numbers" href="https://ncmes.org/category/x/page/9/">9</a>
<a class="next page-numbers" href="https://ncmes.org/category/x/page/3/">التالي</a>
<a class="page-numbers" href="https://ncmes.org/category/other/page/2/">elsewhere</a>
</div></nav></body></html>"""


def test_pagination_links_stay_within_the_listing() -> None:
    pages = discovery.listing_pages(LISTING, "https://ncmes.org/category/x/page/2/", SITE)
    assert pages == [
        "https://ncmes.org/category/x/page/3/",
        "https://ncmes.org/category/x/page/9/",
    ]
    assert [discovery.page_number(p) for p in pages] == [3, 9]
    assert discovery.page_number("https://ncmes.org/category/x/") == 1


def test_a_page_parsed_once_reads_as_its_bytes_do() -> None:
    """The spider parses a home or listing page once and reads it several ways."""
    home = discovery.parse_page(HOME, SITE + "/")
    assert discovery.menu_sections(home, SITE + "/", SITE) == discovery.menu_sections(HOME, SITE + "/", SITE)
    assert discovery.listing_posts(home, SITE + "/", SITE) == discovery.listing_posts(HOME, SITE + "/", SITE)
    assert len(discovery.listing_posts(home, SITE + "/", SITE)) == 2
    url = "https://ncmes.org/category/x/page/2/"
    listing = discovery.parse_page(LISTING, url)
    assert discovery.listing_pages(listing, url, SITE) == discovery.listing_pages(LISTING, url, SITE)
    assert discovery.listing_posts(listing, url, SITE) == [("https://ncmes.org/5", True)]
    assert discovery.parse_page("", url) is None
    assert discovery.listing_posts(None, url, SITE) == discovery.listing_pages(None, url, SITE) == []


def test_sitemap_index_and_urlset_with_lastmod() -> None:
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://ncmes.org/wp-sitemap-posts-post-1.xml</loc></sitemap>
    <sitemap><loc>https://ncmes.org/wp-sitemap-taxonomies-category-1.xml</loc></sitemap></sitemapindex>"""
    children, entries = discovery.sitemap(index)
    assert children == [
        "https://ncmes.org/wp-sitemap-posts-post-1.xml",
        "https://ncmes.org/wp-sitemap-taxonomies-category-1.xml",
    ]
    assert entries == []
    urlset = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://ncmes.org/4571/</loc><lastmod>2025-10-18T12:30:00+03:00</lastmod></url>
    <url><loc>https://ncmes.org/4560/</loc></url></urlset>"""
    children, entries = discovery.sitemap(urlset)
    assert children == []
    assert entries[0].lastmod == dt.datetime(2025, 10, 18, 9, 30, tzinfo=dt.UTC)
    assert entries[1].lastmod is None
    assert discovery.canonical_posts([e.loc for e in entries], SITE) == [
        "https://ncmes.org/4571",
        "https://ncmes.org/4560",
    ]


def test_broken_documents_give_nothing_rather_than_an_error() -> None:
    assert discovery.sitemap(b"<not xml") == ([], [])
    assert discovery.rest_posts(b"{\"code\": \"rest_no_route\"}") == []
    assert discovery.feed_links(b"") == []
    assert discovery.listing_articles("", SITE, SITE) == []


def test_rest_and_feed_answers() -> None:
    rest = b'[{"id": 4571, "link": "https://ncmes.org/4571/", "modified_gmt": "2025-10-19T08:00:00"}]'
    (entry,) = discovery.rest_posts(rest)
    assert entry.loc == "https://ncmes.org/4571/"
    assert entry.lastmod == dt.datetime(2025, 10, 19, 8, 0, tzinfo=dt.UTC)
    feed = b"""<rss version="2.0"><channel><item><link>https://ncmes.org/4571/</link></item>
    <item><link>https://ncmes.org/?p=4560</link></item></channel></rss>"""
    assert discovery.canonical_posts(discovery.feed_links(feed), SITE) == [
        "https://ncmes.org/4571",
        "https://ncmes.org/4560",
    ]


def test_menu_category_items_count_whatever_the_category_base() -> None:
    home = """<html><body><nav><ul class="menu">
    <li class="menu-item menu-item-type-taxonomy menu-item-object-category"><a href="/topics/africa/">أفريقيا</a></li>
    <li class="menu-item menu-item-object-page"><a href="/about/">من نحن</a></li>
    </ul></nav></body></html>"""
    sections = discovery.menu_sections(home, SITE + "/", SITE)
    assert [(s.name, s.url) for s in sections] == [("أفريقيا", "https://ncmes.org/topics/africa/")]


def _listing_documents() -> list[tuple[str, bytes]]:
    """Pages to read links from: every golden page, and the demo's home and listing pages of
    both editions (pages with menus, sidebars, footers, comment areas and teaser grids)."""
    from pathlib import Path
    from urllib.parse import urlsplit

    from crawler.demo.site import DemoSite

    pages = Path(__file__).parent / "fixtures" / "pages"
    docs = [(p.name, (p / "page.html").read_bytes()) for p in sorted(pages.iterdir()) if (p / "page.html").exists()]
    for edition in ("ar", "en"):
        site = DemoSite(edition=edition)
        home = site.handle("GET", "/", {})[2]
        docs.append((f"{edition}/home", home))
        for section in discovery.menu_sections(home, "http://127.0.0.1/", "http://127.0.0.1")[:4]:
            path = urlsplit(section.url).path
            docs.append((f"{edition}{path}", site.handle("GET", path, {})[2]))
    return docs


@pytest.mark.parametrize(("name", "page"), _listing_documents(), ids=lambda v: v if isinstance(v, str) else "")
def test_one_walk_finds_the_links_the_boilerplate_xpath_keeps(name: str, page: bytes) -> None:
    """The walk down the page keeps exactly the links its XPath definition keeps, in order."""
    root = discovery.parse_page(page, "http://127.0.0.1/")
    assert root is not None
    expected = [a for a in discovery._ALL_LINKS(root) if not discovery._BOILERPLATE_ANCESTOR(a)]
    assert discovery._content_links(root) == expected, name


def test_a_link_is_boilerplate_by_its_ancestors_not_by_its_own_class() -> None:
    page = (
        b"<html><body><main><a class='sidebar' href='/1/'>kept</a>"
        b"<div class='x  sidebar-toggle'><a href='/2/'>kept: not the class sidebar</a></div>"
        b"<div class='a\tsidebar'><p><a href='/3/'>dropped</a></p></div>"
        b"<section role='complementary'><a href='/4/'>dropped</a></section>"
        b"<!-- a comment --><div id='comments'><a href='/5/'>dropped</a></div>"
        b"<a href='/6/'>kept</a></main><footer><a href='/7/'>dropped</a></footer></body></html>"
    )
    root = discovery.parse_page(page, "https://ncmes.org/")
    found = [a.get("href") for a in discovery._content_links(root)]
    assert found == ["/1/", "/2/", "/6/"]
    assert found == [a.get("href") for a in discovery._ALL_LINKS(root) if not discovery._BOILERPLATE_ANCESTOR(a)]
