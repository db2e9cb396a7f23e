"""Clear outcomes at the prompt, decided without Scrapy, files or clocks: what a crawl that
found nothing says, the closest known name for a misspelt setting, the root of a site for an
article's URL."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from urllib.parse import urlsplit

from crawler.urls import site_root


def unknown_setting_warning(name: str, known: Iterable[str]) -> str | None:
    """A one-line warning for a setting name neither Scrapy nor the project reads, naming the
    closest known one; None for a known name."""
    known = set(known)
    if name in known:
        return None
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"warning: -s {name}: no such setting in Scrapy or ncmes-archive, it has no effect{hint}"


def page_of_site(url: str) -> str | None:
    """The site's root (urls.site_root) when `url` names a page of it (a path, query or
    fragment), else None; SiteURLError for a URL that is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.path.strip("/") or parts.query or parts.fragment:
        return site_root(url)
    return None


def nothing_found(site: str, *, sections: int, found: int, archived: int) -> str | None:
    """Why a completed crawl that found no article could not do its job (one line), or None
    when it found articles or the archive already holds some of the site's."""
    if found or archived:
        return None
    if not sections:
        return (f"no article found at {site}: it shows no sign of WordPress (no menu of sections, "
                "no post in a sitemap, feed or REST API); is --site the root of a WordPress site?")
    return (f"no article found at {site}: its menu has {sections} sections but neither they nor "
            "its sitemap, feed or REST API list a post")
