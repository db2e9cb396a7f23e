"""One site, one identity: which site of the archive a --site names, whatever its spelling.

A site's identity is its origin after its own redirects (http://ncmes.org and
https://www.ncmes.org both answer as https://ncmes.org). Two spellings are the same site
when their origins are equal once the scheme is folded (http and https), a leading `www.`
dropped, default ports ignored, and every loopback name (localhost, 127.x.x.x, ::1) taken
as one. The runs of an archive (runs.parquet's `site` column) say which sites it holds. A
--site that is one of them is crawled under the archive's spelling, so its articles keep
their URLs; a different site is refused unless --add-site asks for it (a second edition).
`decide` is pure; `resolve` asks the site where its home page answers.
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.request
from dataclasses import dataclass

from crawler.urls import SiteURLError, site_key, site_root

PROBE_TIMEOUT = 15.0  # seconds for the home page to answer (redirects included)


def identity_key(site: str) -> tuple[str, int | None]:
    """(host, port) that every spelling of one site shares; port None for the defaults.
    urls.site_key's key (host lower-cased, `www.` dropped), its trailing dot dropped, every
    loopback name as one, and the default port of either scheme as none."""
    host, port = site_key(site)
    host = host.rstrip(".")
    if _loopback(host):
        host = "loopback"
    return host, None if port in (-2, 80, 443) else port


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def same_site(a: str, b: str) -> bool:
    """True when two base URLs are spellings of one site."""
    try:
        return identity_key(a) == identity_key(b)
    except SiteURLError:
        return False


@dataclass(frozen=True)
class Decision:
    """The site to crawl under (the archive's spelling when it holds it), a note for the
    user, or why the crawl is refused (exit 1)."""

    site: str | None
    note: str | None = None
    error: str | None = None


def decide(given: str, resolved: str | None, known: list[str], *, add_site: bool = False) -> Decision:
    """Which site `given` is. resolved: where its home page answered after redirects (None:
    not asked, or no answer); known: the sites the archive holds, oldest first."""
    if given in known:
        return Decision(given)
    if resolved is not None:
        for site in known:
            if same_site(resolved, site):
                return Decision(site, note=f"{given} is {site}, already in the archive: crawling it as {site}")
    for site in known:
        if same_site(given, site):
            if resolved is not None and not same_site(resolved, given):
                return Decision(None, error=(
                    f"{given} now redirects to {resolved}, another origin; to archive the site "
                    f"there: crawl --site {resolved} --add-site"))
            return Decision(site, note=f"{given} is {site}, already in the archive: crawling it as {site}")
    target = resolved or given
    if known and not add_site:
        holds = ", ".join(known)
        return Decision(None, error=(
            f"{target} is not the site this archive holds ({holds}): to archive it beside it, "
            f"crawl --site {target} --add-site; or give another --archive"))
    note = f"{given} redirects to {target}: archiving it as {target}" if target != given else None
    return Decision(target, note=note)


def resolve(site: str, user_agent: str | None = None, timeout: float = PROBE_TIMEOUT) -> str | None:
    """The origin the site's home page answers at after its redirects, or None when it does
    not answer (the crawl then says why)."""
    request = urllib.request.Request(site + "/", headers={"User-Agent": user_agent or "ncmes-archive"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            final = response.geturl()
    except urllib.error.HTTPError as exc:  # an answer all the same: where it came from
        final = exc.geturl() or site
    except (urllib.error.URLError, OSError, ValueError):
        return None
    try:
        return site_root(final)
    except SiteURLError:
        return None


def known_sites(runs: list[dict]) -> list[str]:
    """The sites an archive's runs crawled, oldest first (runs.parquet rows)."""
    ordered = sorted(runs, key=lambda r: (r["started_at"] is None, r["started_at"]))
    return list(dict.fromkeys(r["site"] for r in ordered if r.get("site")))
