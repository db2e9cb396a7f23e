"""A mirror of N articles in the snapshot's style, pre-rendered and served from memory on 127.0.0.1.

`python bench/mirror.py --articles N` prints its URL on the first line and serves until
killed. The first 49 articles are the offline snapshot's (crawler.demo); the others are
copies of them under new post ids, one year earlier per round, with their related posts
remapped, so the mirror keeps the snapshot's mix of themes, encodings, footnote forms and
dates. Every page a crawl asks is rendered (and gzipped) before the URL is printed: the
server then only copies bytes, so it costs the client machine as little as it can.

`GET /__bench__/counters` answers the requests served since the last `?reset=1`, as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime as dt
import json
import math
import socket
import sys
from collections import Counter
from http import HTTPStatus
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds incremental.py, which would shadow Twisted's `incremental` package.
sys.path[0] = str(ROOT)

from crawler.demo.content import SECTIONS, section_path  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402

FIRST_CLONE_ID = 100000


def mirror_site(articles: int, seed: int = 0) -> DemoSite:
    """A DemoSite holding `articles` articles: the snapshot's, then dated copies of them."""
    site = DemoSite(seed)
    originals = sorted(site._articles.values(), key=lambda a: a.post_id)
    index = {a.post_id: i for i, a in enumerate(originals)}
    out = {}
    for i in range(articles):
        rnd, k = divmod(i, len(originals))
        src = originals[k]
        if rnd == 0:
            out[src.post_id] = src
            continue
        art = copy.deepcopy(src)
        art.post_id = FIRST_CLONE_ID + i
        shift = dt.timedelta(days=371 * rnd)  # 53 weeks: the weekday names stay right
        art.published_local -= shift
        art.modified_local -= shift
        if art.meta_published_local is not None:
            art.meta_published_local -= shift
        art.title = f"{src.title} ({rnd})"
        art.image = f"{src.image}-{rnd}"
        art.related = [
            FIRST_CLONE_ID + rnd * len(originals) + index[p]
            for p in src.related
            if p in index and rnd * len(originals) + index[p] < articles
        ]
        out[art.post_id] = art
    site._articles = out
    return site


def pages_to_render(site: DemoSite) -> list[str]:
    """Every path a crawl of the mirror asks: listings and their pages, articles, sitemaps, feed."""
    live = site.live()
    paths = ["/robots.txt", "/feed/", "/wp-sitemap.xml", "/wp-sitemap-posts-post-1.xml",
             "/wp-sitemap-posts-page-1.xml", "/wp-sitemap-taxonomies-category-1.xml"]
    roots = [("/", len(live))]
    for sec in SECTIONS:
        family = {sec.slug} | {s.slug for s in SECTIONS if s.parent == sec.slug}
        roots.append((section_path(sec.slug), sum(1 for a in live if family & set(a.sections))))
    for root, count in roots:
        for page in range(1, max(1, math.ceil(count / site.per_page)) + 1):
            paths.append(root if page == 1 else f"{root}page/{page}/")
    paths += [f"/{a.post_id}/" for a in live]
    return paths


def _response(status: int, headers: dict[str, str], body: bytes, head_only: bool = False) -> bytes:
    reason = HTTPStatus(status).phrase
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "content-length"]
    lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only or status == 304 else head + body


class Mirror:
    """Pre-rendered answers by (path, gzip?), the DemoSite for anything else, and counters."""

    def __init__(self, site: DemoSite, host: str) -> None:
        self.site = site
        self.host = host
        self.cache: dict[tuple[str, bool], bytes] = {}
        self.counts: Counter[str] = Counter()

    def render_all(self) -> None:
        for path in pages_to_render(self.site):
            status, headers, body = self.site.handle(
                "GET", path, {"Host": self.host, "Accept-Encoding": "gzip"}
            )
            self.cache[(path, True)] = _response(status, headers, body)

    def answer(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        if target.startswith("/__bench__/counters"):
            body = json.dumps(self.counts).encode()
            if "reset=1" in target:
                self.counts = Counter()
            return _response(200, {"Content-Type": "application/json"}, body)
        self.counts["requests"] += 1
        gzip_ok = "gzip" in headers.get("accept-encoding", "").lower()
        cached = self.cache.get((target, gzip_ok)) if method == "GET" else None
        if cached is None:
            status, out, body = self.site.handle(method, target, {**headers, "host": self.host})
            cached = _response(status, out, body, head_only=method == "HEAD")
            if method == "GET" and status == 200:
                self.cache[(target, gzip_ok)] = cached
        status_code = cached[9:12].decode()
        self.counts[f"status_{status_code}"] += 1
        if status_code == "200" and target.rstrip("/").lstrip("/").isdigit():
            self.counts["article_pages"] += 1
        return cached

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line.strip():
                    break
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                writer.write(self.answer(method, target, headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, ValueError):
            pass  # a client hanging up, or a request line this mirror does not speak
        finally:
            writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/mirror.py")
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    host = f"127.0.0.1:{sock.getsockname()[1]}"
    mirror = Mirror(mirror_site(args.articles, args.seed), host)
    mirror.render_all()

    async def serve() -> None:
        server = await asyncio.start_server(mirror.connection, sock=sock)
        print(f"http://{host}", flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
