"""Canonical URLs of the site: one article, one URL, whatever form a link takes."""

from __future__ import annotations

import functools
import re
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urljoin, urlsplit, urlunsplit

# Schemes that never lead to a page of the site.
_NON_HTTP = re.compile(r"^\s*(javascript|mailto|tel|data|sms|whatsapp|fb-messenger|ftp):", re.I)
_POST_PATH = re.compile(r"^/(\d+)$")


class SiteURLError(ValueError):
    """A --site value that is not an http(s) base URL."""


@functools.lru_cache(maxsize=16)  # a run has one site; canonical_url asks for it per link
def site_origin(site: str) -> tuple[str, str]:
    """(scheme, netloc) of a base URL such as https://ncmes.org or http://127.0.0.1:8000."""
    try:
        parts = urlsplit(site.strip())
    except ValueError as exc:  # an unclosed IPv6 bracket: https://[x
        raise SiteURLError(f"not an http(s) URL: {site!r}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SiteURLError(f"not an http(s) URL: {site!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise SiteURLError(f"bad port in {site!r}") from exc
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address: written in brackets, as in the URL
        host = f"[{host}]"
    netloc = host if port is None or port == _default_port(parts.scheme) else f"{host}:{port}"
    return parts.scheme, netloc


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


@functools.lru_cache(maxsize=1024)  # a page links to a few hosts, many times
def _netloc_key(scheme: str, netloc: str) -> tuple[str, int]:
    parts = urlsplit(f"{scheme}://{netloc}")
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = -1
    return host, port if port is not None else -2


@functools.lru_cache(maxsize=16)
def site_key(site: str) -> tuple[str, int]:
    """(host, port) is_same_site compares: host lower-cased without `www.`; port -2 when
    the site's scheme's default."""
    return _netloc_key(*site_origin(site))


def is_same_site(url: str, site: str) -> bool:
    """True when url is on the site's host and port (http and https count as the same site)."""
    try:
        return _on_site(urlsplit(url), site)
    except ValueError:  # no URL at all (an unclosed IPv6 bracket: https://[x)
        return False


def joined(base: str, href: str) -> str:
    """href resolved against base; as written when it is no valid URL (https://[x)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def path_of(url: str) -> str:
    """The path of a URL; "" when it is no valid URL (https://[x)."""
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _on_site(parts: SplitResult, site: str) -> bool:
    if parts.scheme not in ("http", "https"):
        return False
    s_host, s_port = site_key(site)
    host, port = _netloc_key(parts.scheme, parts.netloc)
    if host != s_host:
        return False
    # A default port on either scheme is the site's default port: http://x and https://x
    # are the same site; http://x:8080 is another server.
    if s_port == -2:
        return port in (-2, 80, 443)
    return port == s_port


@functools.lru_cache(maxsize=4096)
def _normalise_path(path: str) -> str:
    # Decode then re-encode so /category/%d8%a7 and /category/ا compare equal; upper-case
    # hex as browsers and WordPress write it.
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    return path or "/"


def canonical_url(url: str, site: str, base: str | None = None) -> str | None:
    """The canonical absolute form of a link to the site, or None for other hosts and schemes.

    Query strings and fragments go (tracking, comment anchors); `?p=N` becomes `/N`, the
    site's numeric permalink; the scheme and host are the site's own.
    """
    if not url or _NON_HTTP.match(url):
        return None
    url = url.strip()
    try:
        if base is not None:
            url = urljoin(base, url)
        parts = urlsplit(url)
        if not _on_site(parts, site):
            return None
    except ValueError:  # no URL at all (an unclosed IPv6 bracket: https://[x)
        return None
    scheme, netloc = site_origin(site)
    path = _normalise_path(parts.path)
    if path == "/":
        post = dict(parse_qsl(parts.query)).get("p", "")
        if post.isdigit():
            path = f"/{int(post)}"
    return urlunsplit((scheme, netloc, path, "", ""))


def post_id_from_url(url: str) -> int | None:
    """The post id of a numeric permalink (`/4571`), else None."""
    match = _POST_PATH.match(path_of(url).rstrip("/"))
    return int(match.group(1)) if match else None


def site_root(site: str) -> str:
    """The canonical root of the site, e.g. https://ncmes.org."""
    scheme, netloc = site_origin(site)
    return f"{scheme}://{netloc}"
