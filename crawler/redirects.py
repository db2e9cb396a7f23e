"""Redirects the crawl must not follow: an article sent to the home page or a listing, a page sent to another origin.

Scrapy follows every redirect; an article redirected to the home page would then be
dropped silently as a duplicate request (the home page was fetched already), and a site
redirected to another origin would be filtered as off-site: nothing recorded either way.
RedirectGuardMiddleware hands such an answer to the spider as it is (its 3xx and Location),
with what it was (request.meta["refusal"]), so the run records it and the circuit breaker
(crawler/health.py) sees it. The decision is the pure `refusal_of`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response

from crawler.health import SITE_MOVED
from crawler.identity import HOME, LISTING, OFFSITE
from crawler.urls import canonical_url, is_same_site, post_id_from_url

# (kind, one line) set on a request whose answer the spider must record as refused: here,
# and by BackoffRetryMiddleware for a Retry-After longer than a run waits.
REFUSAL_META = "refusal"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def refusal_of(kind: str, canonical: str | None, location: str, site: str) -> tuple[str, str] | None:
    """(refusal kind, one line) for a redirect the crawl must not follow, else None.

    kind: what was asked (home, listing, article...); canonical: the article's canonical
    URL; location: the redirect's target, absolute."""
    if not is_same_site(location, site):
        target = origin_of(location)
        if kind == "home":
            return SITE_MOVED, (f"a redirect to another origin, {target} (to archive the site there: "
                                f"crawl --site {target} --add-site)")
        return OFFSITE, f"redirected to another origin ({location})"
    if kind != "article":
        return None
    final = canonical_url(location, site)
    if final is None or final == canonical or post_id_from_url(final) is not None:
        return None  # another form of the same URL, or the post moved to another number
    if urlsplit(final).path in ("", "/"):
        return HOME, f"redirected to the home page ({location})"
    if canonical is not None and post_id_from_url(canonical) is not None:
        return LISTING, f"redirected to a page that is not an article ({location})"
    return None


class RedirectGuardMiddleware:
    """Stops the redirects `refusal_of` refuses before Scrapy's RedirectMiddleware follows
    them (its process_response runs first: a higher order number)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if not 300 <= response.status < 400 or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get(b"Location")
        site = getattr(self.crawler.spider, "site", None)
        if not location or site is None:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        refusal = refusal_of(request.meta.get("kind", ""), request.meta.get("canonical"), target, site)
        if refusal is not None:
            request.meta["dont_redirect"] = True
            request.meta["handle_httpstatus_list"] = [response.status]
            request.meta[REFUSAL_META] = refusal
        return response
