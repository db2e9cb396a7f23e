"""DemoSite: the snapshot's state, its faults and its routing, answering (method, path, headers);
its pages are rendered by crawler.demo.render, its changes made by crawler.demo.edits."""

from __future__ import annotations

import datetime as dt
import gzip
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from crawler.demo.content import HOST, SITE, Article, article_truth, fold, utc_iso
from crawler.demo.edits import Edits
from crawler.demo.faults import FOREVER, Counters, Fault, NetworkFault, Override, OverrideBody
from crawler.demo.faults import take as _take
from crawler.demo.render import DISALLOWED_PATH, LISTING_MARKUPS, Headers, Theme, _html_type, _redirect

Response = tuple[int, Headers, bytes]  # status, headers, body


class DemoSite(Edits, Theme):
    """The offline snapshot of ncmes.org (edition "ar") or en.ncmes.org (edition "en"):
    articles, listings, sitemap, feed, REST API, faults."""

    KINDS = ("listing", "article", "sitemap", "rest", "other")

    def __init__(self, seed: int = 0, *, sitemap: bool = True, rest_api: bool = True,
                 feed: bool = True, validators: bool = True, per_page: int = 10,
                 edition: str = "ar", trailing_slash: bool | None = None,
                 listing_markup: str = "elementor") -> None:
        from crawler.demo.editions import EDITIONS

        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {sorted(EDITIONS)}")
        if listing_markup not in LISTING_MARKUPS:
            raise ValueError(f"listing_markup must be one of {sorted(LISTING_MARKUPS)}")
        # How section listings write their posts: the site's Elementor archive widget, a classic
        # theme's archive.php (underscores), or a block theme's Query Loop (the same site
        # behind another theme, as a mirror may be).
        self.listing_markup = listing_markup
        self.edition = EDITIONS[edition]
        self.language = self.edition.language
        self.site_name = self.edition.site_name
        self.sections = self.edition.sections
        # Posts answer at /<id>/ or at /<id> (None: the edition's form, /<id> in English).
        self.trailing_slash = self.edition.trailing_slash if trailing_slash is None else trailing_slash
        # The other edition's origin, linked from every page's language switch (never ours).
        self.other_edition = self.edition.other_origin
        self.seed = seed
        # The other form of a post's URL answers 301 to the live one. Links use the live form,
        # except on listing pages, where the links to every fifth post (id divisible by 5) use
        # the other form.
        self.sitemap = sitemap
        self.rest_api = rest_api
        self.feed = feed
        self.validators = validators
        self.per_page = per_page
        self.delay = 0.0  # global per-request delay applied by the server
        self.jitter = 0.0  # plus a random delay up to this many seconds (see set_jitter)
        self._jitter_rng = random.Random(seed)
        # Post ids whose article pages name no category (no category links, classes, meta).
        self.uncategorized: set[int] = set()
        self.faults: dict[str, Fault] = {}
        self.overrides: list[tuple[str | re.Pattern[str], Override]] = []
        self._articles: dict[int, Article] = {a.post_id: a for a in self.edition.build(seed)}
        self._removed: dict[int, int] = {}
        self._views: Counter = Counter()
        self._boilerplate = 0
        newest = max(a.modified_local for a in self._articles.values())
        self._clock = newest.replace(minute=0) + dt.timedelta(days=1)
        self._lock = threading.RLock()
        self._counters = Counters()

    # ----------------------------------------------------------------- state and truth

    def live(self) -> list[Article]:
        """Live articles, newest first (as listings order them)."""
        arts = [a for pid, a in self._articles.items() if pid not in self._removed]
        return sorted(arts, key=lambda a: (a.published_local, a.post_id), reverse=True)

    def article(self, post_id: int) -> Article:
        return self._articles[post_id]

    @property
    def post_ids(self) -> list[int]:
        return [a.post_id for a in self.live()]

    def truth(self, base: str | None = None) -> list[dict]:
        """Per live article, newest first, what a careful reader extracts from its page.

        Keys: path (/4571), url, post_id, title, series, sections (names), authors,
        published (YYYY-MM-DD or None), published_at / modified_at (ISO UTC `...Z`, None
        where the page has no machine-readable date), body (contract form), footnote_count,
        footnote_numbers, footnotes [{number, text, urls}], markers (numbers used in the
        body), related [{title, path, url}], links [{text, url}] (absolute, as written,
        resolved against `base`), plus theme / footnote_form / digits / encoding as hints.
        Text is NFC with whitespace folded and invisible marks (RLM, LRM, ALM, soft hyphen,
        zero-width space) dropped; tatweel and diacritics are kept as the page has them. A
        byline paragraph at the top of the body (إعداد: / بقلم: / كتب:) is not body: it
        gives `authors` (several names joined by " و ").
        """
        base = base or self.edition.origin  # the real site's origin by default
        with self._lock:
            return [article_truth(a, self._articles, base) for a in self.live()]

    def truth_by_path(self, base: str | None = None) -> dict[str, dict]:
        return {t["path"]: t for t in self.truth(base)}

    def removed(self) -> dict[int, int]:
        """Removed post ids and the status they answer."""
        return dict(self._removed)

    # ----------------------------------------------------------------- counters & faults

    def counters(self) -> dict:
        """Requests served by kind (listing, article, sitemap, rest, other), bytes sent,
        statuses and per-path counts."""
        with self._lock:
            c = self._counters
            out: dict = {k: c.requests.get(k, 0) for k in self.KINDS}
            out["total"] = sum(c.requests.values())
            out["bytes_sent"] = c.bytes_sent
            out["statuses"] = dict(c.statuses)
            out["paths"] = dict(c.paths)
            return out

    def reset_counters(self) -> None:
        with self._lock:
            self._counters = Counters()

    def hits(self, path: str) -> int:
        """Requests served for one path (query ignored, e.g. '/4571/')."""
        with self._lock:
            return self._counters.paths.get(path, 0)

    def set_fault(self, path: str, **kwargs: object) -> Fault:
        """Make a path (exact, without query, e.g. '/4571/') misbehave; see Fault."""
        fault = Fault(**kwargs)  # type: ignore[arg-type]
        with self._lock:
            self.faults[path] = fault
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def requests_log(self, path: str | None = None) -> list[tuple[float, str, int]]:
        """(time.monotonic(), path, status) of every request served, optionally of one path."""
        with self._lock:
            return [e for e in self._counters.log if path is None or e[1] == path]

    def override(self, path: str | re.Pattern[str], *, status: int | None = None,
                 headers: Mapping[str, str | None] | None = None,
                 body: OverrideBody | None = None) -> Override:
        """Answer `path` (exact, query ignored, or a compiled pattern matched in full) with
        something else: e.g. a PDF at an article URL, an oversized page, a page with no
        title, a wrong charset, a listing that never ends. Faults still apply first; the
        site's host is substituted and gzip applied as for any page. The latest wins."""
        if isinstance(body, str):
            body = body.encode()
        entry = Override(status=status, headers=dict(headers or {}), body=body)
        with self._lock:
            self.overrides.insert(0, (path, entry))
        return entry

    def clear_overrides(self) -> None:
        with self._lock:
            self.overrides.clear()

    def _override(self, path: str) -> Override | None:
        for key, entry in self.overrides:
            if (key == path) if isinstance(key, str) else key.fullmatch(path):
                return entry
        return None

    def _apply_override(self, path: str, status: int, out_headers: Headers,
                        body: bytes) -> tuple[int, Headers, bytes]:
        entry = self._override(path)
        if entry is None:
            return status, out_headers, body
        if entry.status is not None:
            status = entry.status
        for name, value in entry.headers.items():
            for existing in [k for k in out_headers if k.lower() == name.lower()]:
                del out_headers[existing]
            if value is not None:
                out_headers[name] = value
        if callable(entry.body):
            body = entry.body(path, body)
        elif entry.body is not None:
            body = entry.body
        return status, out_headers, body

    def _fault(self, target: str) -> Fault | None:
        path = urlsplit(target).path
        return self.faults.get(target) or self.faults.get(path)

    def set_jitter(self, seconds: float, seed: int = 0) -> None:
        """Delay every answer by a random amount up to `seconds` (seeded), so that answers
        come back in another order from one crawl to the next."""
        with self._lock:
            self.jitter = seconds
            self._jitter_rng = random.Random(seed)

    def network_fault(self, target: str) -> NetworkFault:
        """Consume and return the network-level faults for one request (server side)."""
        with self._lock:
            jitter = self._jitter_rng.uniform(0, self.jitter) if self.jitter else 0.0
            out = NetworkFault(delay=self.delay + jitter)
            fault = self._fault(target)
            if fault is None:
                return out
            if fault.delay:
                hit, fault.delay_times = _take(fault.delay_times)
                if hit:
                    out.delay += fault.delay
            hit, fault.reset = _take(fault.reset)
            if hit:
                out.reset = True
                return out
            hit, fault.truncate = _take(fault.truncate)
            out.truncate = hit
            return out

    # ----------------------------------------------------------------- HTTP

    def handle(self, method: str, target: str, headers: Mapping[str, str] | None = None) -> Response:
        """Answer one request: (status, headers, body bytes). HEAD gets the GET headers and
        body; the server drops the body."""
        hdrs = {k.lower(): v for k, v in (headers or {}).items()}
        host = hdrs.get("host", "127.0.0.1")
        base = f"http://{host}"
        with self._lock:
            kind, status, out_headers, body = self._route(method.upper(), target, hdrs, base)
            body = self._link_forms(kind, body)
            status, out_headers, body = self._apply_override(
                urlsplit(target).path or "/", status, out_headers, body)
            body = (body.replace(SITE.encode(), base.encode()).replace(HOST.encode(), host.encode())
                    .replace(b"@@OTHERPORT@@", _other_port(host).encode()))
            if (status in (200, 404, 410) and body
                    and not out_headers.get("Content-Encoding")  # an override's own coding
                    and "gzip" in hdrs.get("accept-encoding", "").lower()
                    and not _gzip_refused(hdrs.get("accept-encoding", ""))):
                body = gzip.compress(body, mtime=0)
                out_headers["Content-Encoding"] = "gzip"
            if status not in (304,) and "Content-Type" in out_headers:
                out_headers["Vary"] = "Accept-Encoding"
            out_headers["Content-Length"] = str(len(body))
            out_headers.setdefault("Server", "Apache")
            c = self._counters
            c.requests[kind] += 1
            c.paths[urlsplit(target).path] += 1
            c.statuses[status] += 1
            c.bytes_sent += len(body)
            c.log.append((time.monotonic(), urlsplit(target).path, status))
            return status, out_headers, body

    def _link_forms(self, kind: str, body: bytes) -> bytes:
        """Links to posts in the site's form (trailing_slash), a few in the other on listings."""
        if not self.trailing_slash:
            body = re.sub(rb"(" + re.escape(SITE.encode()) + rb"/\d+)/", rb"\1", body)
        if kind != "listing":
            return body

        def other(m: re.Match[bytes]) -> bytes:
            if int(m.group(3)) % 5:
                return m.group(0)
            return m.group(1) + m.group(2) + m.group(3) + (b"" if m.group(4) else b"/") + b'"'

        return re.sub(rb'(<a\s[^>]*?href=")(' + re.escape(SITE.encode()) + rb'/)(\d+)(/?)"', other, body)

    def _route(self, method: str, target: str, hdrs: dict, base: str) -> tuple[str, int, Headers, bytes]:
        parts = urlsplit(target)
        path = parts.path or "/"
        query = parse_qs(parts.query)
        kind = _kind(path, query)
        if method not in ("GET", "HEAD"):
            return kind, 405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"Method Not Allowed"
        fault = self._fault(target)
        if fault is not None:
            if fault.error_500:
                return kind, 500, _html_type(), _error_page(500)
            hit, fault.fail_503 = _take(fault.fail_503)
            if hit:
                return kind, 503, _html_type(), _error_page(503)
            hit, fault.rate_limit = _take(fault.rate_limit)
            if hit:
                h = _html_type()
                h["Retry-After"] = "1"
                return kind, 429, h, _error_page(429)
        upath = unquote(path)
        # /?p=N → permalink
        if path == "/" and "p" in query and query["p"][0].isdigit():
            pid = int(query["p"][0])
            if pid in self._articles and pid not in self._removed:
                return kind, 301, _redirect(f"{base}/{pid}" + ("/" if self.trailing_slash else "")), b""
            return self._not_found(kind, self._removed.get(pid, 404))
        m = re.fullmatch(r"/(\d+)(/?)", path)
        if m:
            pid = int(m.group(1))
            if pid in self._removed:
                return self._not_found(kind, self._removed[pid])
            if pid not in self._articles:
                return self._not_found(kind)
            if bool(m.group(2)) != self.trailing_slash:
                loc = f"{base}/{pid}" + ("/" if self.trailing_slash else "") + (f"?{parts.query}" if parts.query else "")
                return kind, 301, _redirect(loc), b""
            return self._article_response(self._articles[pid], hdrs)
        if path == "/" or re.fullmatch(r"/page/(\d+)/?", path):
            pm = re.fullmatch(r"/page/(\d+)/?", path)
            page = int(pm.group(1)) if pm else 1
            return self._listing(kind, None, page, base)
        if upath.startswith("/category/"):
            return self._category(kind, upath, base)
        if path == "/robots.txt":
            return kind, 200, {"Content-Type": "text/plain; charset=utf-8"}, self._robots().encode()
        if path in ("/sitemap.xml", "/sitemap_index.xml"):
            if not self.sitemap:
                return self._not_found(kind)
            return kind, 301, _redirect(f"{base}/wp-sitemap.xml"), b""
        if path.startswith("/wp-sitemap"):
            return self._sitemaps(kind, path)
        if path in ("/feed", "/feed/"):
            if not self.feed:
                return self._not_found(kind)
            if path == "/feed":
                return kind, 301, _redirect(f"{base}/feed/"), b""
            return kind, 200, {"Content-Type": "application/rss+xml; charset=UTF-8"}, self._rss().encode()
        if path.startswith("/wp-json"):
            return self._rest(kind, path, query)
        if path.startswith("/wp-admin"):
            return kind, 302, _redirect(f"{base}/wp-login.php?redirect_to=%2Fwp-admin%2F"), b""
        if path.startswith("/wp-content/uploads/"):
            return kind, 200, {"Content-Type": "image/gif"}, _GIF
        if path in ("/about-us/", "/contact-us/", DISALLOWED_PATH):
            return kind, 200, _html_type(), self._static_page(path).encode()
        return self._not_found(kind)


# ------------------------------------------------------------------------- helpers

_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def _kind(path: str, query: dict) -> str:
    if re.fullmatch(r"/\d+/?", path) or (path == "/" and "p" in query):
        return "article"
    if path == "/" or path.startswith("/category/") or re.fullmatch(r"/page/\d+/?", path):
        return "listing"
    if path.startswith(("/wp-sitemap", "/sitemap")):
        return "sitemap"
    if path.startswith("/wp-json"):
        return "rest"
    return "other"


def _gzip_refused(accept: str) -> bool:
    return bool(re.search(r"gzip\s*;\s*q=0(\.0*)?\s*(,|$)", accept.lower()))


def _error_page(status: int) -> bytes:
    text = {500: "Internal Server Error", 503: "Service Unavailable", 429: "Too Many Requests"}[status]
    return (f"<!DOCTYPE html><html><head><title>{status} {text}</title></head>"
            f"<body><h1>{text}</h1><p>The server is temporarily unable to service your request.</p></body></html>").encode()


def _other_port(host: str) -> str:
    """Another server on the same host: the demo's port + 1 (someone else's server)."""
    name, _, port = host.rpartition(":")
    if not name or not port.isdigit():
        return f"{host}:8081"
    return f"{name}:{int(port) + 1}"


__all__ = ["FOREVER", "SITE", "DemoSite", "Fault", "NetworkFault", "Override", "fold", "utc_iso"]
