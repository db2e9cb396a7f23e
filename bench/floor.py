"""The download floor: a Scrapy spider that walks the site as our crawl does and keeps nothing.

`python bench/floor.py URL [-s NAME=VALUE ...]` reads the home page's menu, walks every
section listing to its end and the sitemap, and fetches each article page once, in the
form our crawl asks it (`/<id>/`); it extracts nothing and stores nothing. What it takes is
what Scrapy itself needs to download those pages on this machine.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds incremental.py, which would shadow Twisted's `incremental` package.
sys.path[0] = str(ROOT)

import scrapy  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402

from crawler import discovery  # noqa: E402
from crawler.urls import canonical_url  # noqa: E402


class FloorSpider(scrapy.Spider):
    """Listings, sitemap, articles: requests only."""

    name = "floor"

    def __init__(self, site: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site = site.rstrip("/")
        self.asked: set[str] = set()

    async def start(self) -> Any:
        yield scrapy.Request(self.site + "/", self.parse_home, priority=20)
        yield scrapy.Request(self.site + "/wp-sitemap.xml", self.parse_sitemap, priority=30)

    def _articles(self, urls: Iterable[str]) -> Iterable[scrapy.Request]:
        for url in urls:
            if url not in self.asked:
                self.asked.add(url)
                yield scrapy.Request(url + "/", self.parse_article)

    def parse_home(self, response: Any) -> Iterable[scrapy.Request]:
        for section in discovery.menu_sections(response.body, response.url, self.site):
            yield scrapy.Request(section.url, self.parse_listing, priority=20, meta={"page": 1})
        yield from self._articles(discovery.listing_articles(response.body, response.url, self.site))

    def parse_listing(self, response: Any) -> Iterable[scrapy.Request]:
        articles = discovery.listing_articles(response.body, response.url, self.site)
        yield from self._articles(articles)
        page = response.meta["page"]
        if articles:
            for url in discovery.listing_pages(response.body, response.url, self.site):
                if discovery.page_number(url) == page + 1:
                    yield scrapy.Request(url, self.parse_listing, priority=20, meta={"page": page + 1})

    def parse_sitemap(self, response: Any) -> Iterable[scrapy.Request]:
        children, entries = discovery.sitemap(response.body)
        for child in children:
            if "posts-post" in child:
                yield scrapy.Request(child, self.parse_sitemap, priority=30)
        urls = [u for u in (canonical_url(e.loc, self.site) for e in entries) if u]
        yield from self._articles(discovery.canonical_posts(urls, self.site))

    def parse_article(self, response: Any) -> None:
        return None


def main(argv: list[str]) -> int:
    site, *rest = argv
    settings: dict[str, Any] = {
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }
    for i in range(0, len(rest), 2):
        assert rest[i] == "-s", "usage: floor.py URL [-s NAME=VALUE ...]"
        name, _, value = rest[i + 1].partition("=")
        settings[name] = int(value) if value.lstrip("-").isdigit() else value
    process = CrawlerProcess(settings)
    process.crawl(FloorSpider, site=site)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
