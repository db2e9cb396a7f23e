"""Listing pages as real WordPress themes write them (tests/fixtures/listings, one file per
theme, written from each theme's own archive template): every page lists posts 101, 102 and
103 in its main column, and also links to other posts where a listing's members never are (a
post pinned in the site header, 301; the site footer, 302; sidebar and "latest/most read"
widgets, 201 and 202)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import discovery

SITE = "https://ncmes.org"
URL = "https://ncmes.org/category/africa/"
LISTINGS = Path(__file__).parent / "fixtures" / "listings"
THEMES = sorted(p.stem for p in LISTINGS.glob("*.html"))
MEMBERS = [f"{SITE}/101", f"{SITE}/102", f"{SITE}/103"]


def test_the_fixtures_cover_the_common_theme_families() -> None:
    assert {"underscores", "twentytwentyone", "twentytwentytwo", "twentytwentythree",
            "twentytwentyfour", "twentytwentyfive", "generatepress", "astra", "oceanwp", "divi",
            "elementor-cards", "elementor-classic", "jannah", "newspaper"} <= set(THEMES)


@pytest.mark.parametrize("theme", THEMES)
def test_a_theme_listing_gives_its_posts_and_only_them(theme: str) -> None:
    page = (LISTINGS / f"{theme}.html").read_bytes()
    assert discovery.listing_articles(page, URL, SITE) == MEMBERS, theme


@pytest.mark.parametrize("theme", THEMES)
def test_a_theme_listing_links_its_next_page(theme: str) -> None:
    page = (LISTINGS / f"{theme}.html").read_bytes()
    assert discovery.listing_pages(page, URL, SITE) == [f"{URL}page/2/"], theme


@pytest.mark.parametrize("theme", THEMES)
def test_the_walk_keeps_what_the_xpath_keeps_on_theme_listings(theme: str) -> None:
    root = discovery.parse_page((LISTINGS / f"{theme}.html").read_bytes(), URL)
    assert root is not None
    expected = [a for a in discovery._ALL_LINKS(root) if not discovery._BOILERPLATE_ANCESTOR(a)]
    assert discovery._content_links(root) == expected


def test_a_header_and_footer_inside_a_post_are_the_posts() -> None:
    page = """<html><body><header><a href="/9/">site header</a></header><main>
    <article class="post"><header class="entry-header"><h2 class="entry-title">
    <a href="/1/" rel="bookmark">one</a></h2></header></article>
    <div class="post-2 post type-post hentry"><footer class="entry-footer"><a href="/2">two</a></footer></div>
    </main><footer><article><a href="/8/">a post card in the site footer</a></article></footer></body></html>"""
    assert discovery.listing_posts(page, URL, SITE) == [(f"{SITE}/1", True), (f"{SITE}/2", False)]


def test_without_post_markup_title_links_name_the_posts() -> None:
    page = """<html><body><div class="top"><a href="/9/">a ticker</a></div>
    <div class="item"><a href="/1/"><img src="a.jpg"></a><h3><a href="/1/">one</a></h3><p>excerpt</p></div>
    <div class="item"><h3><a href="/2/">two</a></h3><p>excerpt</p><a href="/2/">more</a></div>
    <div class="bottom"><a href="/8/">elsewhere</a></div></body></html>"""
    assert discovery.listing_articles(page, URL, SITE) == [f"{SITE}/1", f"{SITE}/2"]
    bare = """<html><body><ul><li><a href="/1/">one</a></li><li><a href="/2/">two</a></li></ul></body></html>"""
    assert discovery.listing_articles(bare, URL, SITE) == [f"{SITE}/1", f"{SITE}/2"]


def test_a_listing_nested_deeper_than_libxml2s_default_still_gives_its_posts() -> None:
    """Unclosed wrappers pile up past libxml2's default depth (256 levels): the posts below
    are read all the same."""
    posts = "".join(f'<article class="post"><h2 class="entry-title"><a href="/{n}/">post {n}</a></h2></article>'
                    for n in (101, 102, 103))
    page = f"<html><body><main>{'<div>' * 400}{posts}{'</div>' * 400}</main></body></html>"
    assert discovery.listing_articles(page, URL, SITE) == MEMBERS
