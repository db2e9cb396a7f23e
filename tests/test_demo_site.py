"""Tests of the offline ncmes.org snapshot itself, over real HTTP against crawler.demo.server."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.demo.content import ARABIC_DIGITS, SECTIONS, SEED_ID, fold, section_path
from crawler.demo.render import _page_numbers
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from crawler.urls import canonical_url

ROOT = Path(__file__).resolve().parents[1]
SEED_TITLE = "رؤى بحثية: مستقبل العلاقات التركية الأمريكية"
SEED = f"/{SEED_ID}"


@pytest.fixture(scope="module")
def server() -> Iterator:
    """A server over a pristine site, shared by read-only tests."""
    with serve(DemoSite()) as srv:
        yield srv


@pytest.fixture()
def fresh() -> Iterator:
    """A server over its own site, for tests that mutate state or inject faults."""
    with serve(DemoSite()) as srv:
        yield srv


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET",
          timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target or "/", headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def page(url: str) -> lxml.html.HtmlElement:
    status, headers, body = fetch(url)
    assert status == 200, (url, status)
    charset = re.search(r"charset=([\w-]+)", headers.get("content-type", ""))
    enc = charset.group(1) if charset else None
    if enc is None:
        meta = re.search(rb'<meta charset="([\w-]+)"', body)
        enc = meta.group(1).decode() if meta else "utf-8"
    return lxml.html.fromstring(body.decode(enc))


# ------------------------------------------------------------------ a careful reader


def _text(el: lxml.html.HtmlElement, digits: str) -> str:
    """Visible text of a block, a bare superscript footnote number written `[n]`."""
    out: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        if node.tag == "sup" and node.get("class") == "fn":
            out.append(f"[{node.text_content().strip()}]")
        else:
            out.append(node.text or "")
            for child in node:
                walk(child)
        out.append(node.tail or "") if node is not el else None

    walk(el)
    return fold("".join(out))


def read_article(doc: lxml.html.HtmlElement) -> dict:
    """Body lines and footnote numbers, read from the page independently of content.py."""
    content = doc.xpath('//div[contains(@class,"entry-content")] | '
                        '//div[@data-widget_type="theme-post-content.default"]/div')[0]
    lines: list[str] = []
    notes: list[int] = []
    footnote_zone = False
    blocks = content.xpath('./p | ./h2 | ./h3 | ./ul | ./ol | ./figure | ./blockquote | ./hr | ./div')
    for i, el in enumerate(blocks):
        cls = el.get("class") or ""
        if el.tag == "hr" or (el.tag == "div" and el.xpath(".//hr")):
            footnote_zone = True
            notes += [int(a.text_content().strip(" []").translate({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}))
                      for a in el.xpath('.//a[starts-with(@name,"_ftn") and not(starts-with(@name,"_ftnref"))]')]
            continue
        if el.tag == "div":
            continue
        if el.tag == "p" and re.search(r"text-align: (left|right)", el.get("style") or ""):
            continue  # a signature, set against the far margin: who wrote it, not the text
        if "wp-block-footnotes" in cls:
            notes += list(range(1, len(el.xpath("./li")) + 1))
            continue
        if footnote_zone:
            a = el.xpath('.//a[starts-with(@name,"_ftn")]')
            if a:
                notes.append(int(a[0].text_content().strip("[]")))
            continue
        if el.tag in ("ul", "ol"):
            lines += ["- " + _text(li, "") for li in el.xpath("./li")]
        elif el.tag == "figure":
            lines += [" | ".join(fold(c.text_content()) for c in tr.xpath("./th|./td")) for tr in el.xpath(".//tr")]
        else:
            text = _text(el, "")
            m = re.match(r"^\[([0-9٠-٩]+)\] ", text)
            if m and el.tag == "p" and all(
                    re.match(r"^\[[0-9٠-٩]+\] ", _text(x, "")) for x in blocks[i:] if x.tag == "p"):
                notes.append(int(m.group(1).translate({ord(c): str(k) for k, c in enumerate("٠١٢٣٤٥٦٧٨٩")})))
                continue
            if i == 0 and re.match(r"^(إعداد|بقلم|كتب): ", text):
                continue
            if text:
                lines.append(text)
    return {"body": "\n".join(lines), "notes": notes}


# ------------------------------------------------------------------ the data


def test_truth_covers_the_brief() -> None:
    site = DemoSite()
    truth = site.truth()
    assert len(truth) >= 46
    ids = [t["post_id"] for t in truth]
    assert len(set(ids)) == len(ids) and 4571 in ids and SEED_ID in ids
    assert sorted(ids) != list(range(min(ids), min(ids) + len(ids)))
    # /4571 on the real site is the seed page's first related post, not the seed page.
    post = site.truth_by_path()["/4571"]
    assert post["title"] == "تعزيز النفوذ: حدود الدعم السعودي – القطري للنظام السوري الانتقالي"
    assert post["published"] == "2025-09-29"
    seed = site.truth_by_path()[SEED]
    assert seed["title"] == SEED_TITLE and seed["series"] == "رؤى بحثية"
    assert seed["published"] == "2025-10-18" and seed["footnote_numbers"] == [1]
    assert "الرؤى المختلفة[1] حول" in seed["body"]
    assert "قضايا مشتركة:" in seed["body"].splitlines()
    assert seed["footnotes"][0]["text"].count(" & ") == 3 and len(seed["footnotes"][0]["urls"]) == 4
    assert [r["path"] for r in seed["related"]] == ["/4571", "/4376", "/4334", "/4278"]
    design = ROOT.parent / "shared" / "design" / "seed-page.txt"
    if design.exists():
        saved = design.read_text(encoding="utf-8")
        for line in seed["body"].splitlines():
            assert line.removeprefix("- ") in saved
    series = {t["series"] for t in truth}
    assert {"رؤى بحثية", "تقدير موقف", None} <= series
    assert any(":" in t["title"] and t["series"] is None for t in truth)
    assert sum(t["theme"] == "classic" for t in truth) >= 8
    forms = {(t["footnote_form"], t["digits"]) for t in truth if t["footnote_count"]}
    for form in ("word", "wpblock", "plain"):
        assert {(form, "western"), (form, "arabic")} <= forms
    assert any(t["footnote_count"] == 0 for t in truth)
    assert any(set(t["markers"]) - set(t["footnote_numbers"]) for t in truth)
    assert any(len(t["authors"]) == 2 for t in truth)
    # Authors are names alone; the periodical's issues are signed by a general.
    assert not any(name.startswith(("د.", "أ.", "م.", "لواء", "اللواء")) for t in truth for name in t["authors"])
    issues = {t["title"]: t for t in truth if t["sections"] == ["أوراق الشرق الأوسط"]}
    assert {"العدد (97) – عدد خاص", "العدد (100)"} <= set(issues)
    assert {tuple(t["authors"]) for t in issues.values()} == {("خالد الخمري",), ("طارق عبد العظيم",)}
    assert all(t["body"].startswith("الافتتاحية\n") for t in issues.values())
    assert all("رئيس المركز" not in t["body"] for t in issues.values())
    # Undated pages: one with metadata (published is its date), one without (None).
    undated = [a for a in site.live() if a.no_date]
    assert any(a.has_meta for a in undated) and any(not a.has_meta for a in undated)
    assert any(a.date_form == "old" and a.shown_date().startswith("الأثنين, ") for a in site.live())
    assert {t["language"] for t in truth} == {"ar"}
    assert any(t["published"] is None for t in truth)
    assert any(t["published_at"] is None and t["published"] for t in truth)
    assert any(t["published_at"] and t["published_at"][:10] < t["published"] for t in truth)
    assert len({s for t in truth for s in t["sections"]}) >= 5
    assert any(len(t["sections"]) == 2 for t in truth)
    body = "\n".join(t["body"] for t in truth)
    for mark in ("\u0640", "[١]", "\u064f"):  # tatweel, Arabic-Indic marker, damma
        assert mark in body
    assert not set(body) & {"\u200f", "\u200e", "\u00ad"}  # invisible marks: on pages only
    pages = "".join(site.handle("GET", f"/{pid}/", {})[2].decode("utf-8") for pid in (4003, 4110, 4461))
    for mark in ("\u200f", "\u200e", "\u00ad"):
        assert mark in pages
    # Internal links come in every form on the pages; the truth gives them canonical.
    hrefs = [seg[2] for a in site.live() for block in a.blocks for seg in _inlines(block) if seg[0] == "a"]
    assert any("?p=" in u for u in hrefs) and any("utm_source" in u for u in hrefs)
    assert any("#" in u for u in hrefs)
    links = [link["url"] for t in truth for link in t["links"]]
    assert any(u.startswith("https://ncmes.org/") for u in links) and any("crisisgroup" in u for u in links)
    assert not any("?" in u for u in links if u.startswith("https://ncmes.org"))
    assert any(r[0] == "table" for a in site.live() for r in a.blocks)
    assert any(line.count(" | ") == 3 for line in body.splitlines())
    known = set(ids)
    assert all(int(r["path"][1:]) in known for t in truth for r in t["related"])


def test_generation_is_deterministic() -> None:
    assert DemoSite().truth() == DemoSite().truth()


# ------------------------------------------------------------------ navigation


def test_home_menu_lists_every_section(server) -> None:
    doc = page(server.url + "/")
    hrefs = doc.xpath('//ul[contains(@class,"elementor-nav-menu")]//a/@href')
    for sec in SECTIONS:
        assert server.url + section_path(sec.slug) in hrefs
    child = next(s for s in SECTIONS if s.parent)
    sub = doc.xpath('//ul[contains(@class,"sub-menu")]//a/@href')
    assert sub == [server.url + section_path(child.slug)]
    assert "%d8%" in section_path(child.slug) and section_path(child.slug).count("/") == 4


def test_listings_paginate_to_the_end(server) -> None:
    site: DemoSite = server.site
    seen: set[str] = set()
    for sec in SECTIONS:
        url = server.url + section_path(sec.slug)
        pages = 0
        while url:
            doc = page(url)
            items = doc.xpath('//h3[@class="elementor-post__title"]/a/@href')
            assert 1 <= len(items) <= 10
            seen.update(urlsplit(h).path for h in items)
            nxt = doc.xpath('//a[contains(@class,"next") and contains(@class,"page-numbers")]/@href')
            rel = doc.xpath('//link[@rel="next"]/@href')
            assert nxt == rel
            if nxt:
                assert len(items) == 10
                assert doc.xpath('//a[@class="page-numbers"]')
            url = nxt[0] if nxt else ""
            pages += 1
        assert pages >= 1
    # Links to posts whose id is divisible by 5 take the other URL form on listings.
    assert seen == {f"/{pid}/" if pid % 5 else f"/{pid}" for pid in site.post_ids}
    parent = next(s for s in SECTIONS if s.name == "الشؤون الأفريقية")
    assert fetch(server.url + section_path(parent.slug) + "page/2/")[0] == 200
    assert fetch(server.url + section_path(parent.slug) + "page/99/")[0] == 404


def test_listing_extras(server) -> None:
    doc = page(server.url + "/page/2/")
    hrefs = doc.xpath("//a/@href")
    assert any("utm_source" in h for h in hrefs)
    assert server.url + "/members/" in hrefs
    assert any(h.startswith(("javascript:", "mailto:", "tel:")) for h in hrefs)
    port = urlsplit(server.url).port
    assert any(f"127.0.0.1:{port + 1}" in h for h in hrefs)
    robots = fetch(server.url + "/robots.txt")[2].decode()
    assert "Disallow: /members/" in robots and "Disallow: /wp-admin/" in robots
    assert f"Sitemap: {server.url}/wp-sitemap.xml" in robots


def test_redirects(server) -> None:
    status, headers, _ = fetch(server.url + "/4571")
    assert status == 301 and headers["location"] == server.url + "/4571/"
    status, headers, _ = fetch(server.url + "/?p=4571")
    assert status == 301 and headers["location"] == server.url + "/4571/"
    assert fetch(server.url + "/4571/?utm_source=x&utm_medium=y")[0] == 200
    child = next(s for s in SECTIONS if s.parent)
    status, headers, _ = fetch(server.url + f"/category/{quote(child.slug)}/")
    assert status == 301 and headers["location"] == server.url + section_path(child.slug)
    assert fetch(server.url + "/99999/")[0] == 404
    status, headers, body = fetch(server.url + "/4571/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 10_000
    assert b"error404" in fetch(server.url + "/no/such/page/")[2]


# ------------------------------------------------------------------ article pages


def test_pages_match_the_truth(server) -> None:
    """Every article page, read by an independent reader, gives the truth's body and notes."""
    site: DemoSite = server.site
    for t in site.truth(server.url):
        doc = page(server.url + t["path"] + "/")
        got = read_article(doc)
        assert got["body"] == t["body"], t["path"]
        assert got["notes"] == t["footnote_numbers"], t["path"]
        titles = doc.xpath('//h1[contains(@class,"entry-title") or contains(@class,"elementor-heading-title")]')
        assert fold(titles[0].text_content()) == t["title"]
        related = doc.xpath('//h3[@class="elementor-post__title"]/a | //h4[@class="jp-relatedposts-post-title"]/a')
        assert [(fold(a.text_content()), urlsplit(a.get("href")).path) for a in related] == \
            [(r["title"], r["path"] + "/") for r in t["related"]]
        content = doc.xpath('//div[contains(@class,"entry-content")] | //div[@data-widget_type="theme-post-content.default"]')[0]
        body_links = [(fold(a.text_content()), urljoin(server.url + t["path"] + "/", a.get("href")))
                      for a in content.xpath('.//a[@href and not(starts-with(@href,"#")) and not(ancestor::ol[contains(@class,"wp-block-footnotes")])]')
                      if not re.match(r"^\[?[0-9٠-٩]+\]?$", fold(a.text_content()))
                      and not a.xpath('ancestor::div[contains(@class,"sharedaddy") or @id="jp-relatedposts"]')
                      and not (a.getparent().tag == "p" and "Available at" in (a.getparent().text_content() or ""))
                      and not (a.getparent().tag == "p" and "متاح على" in (a.getparent().text_content() or ""))]
        canonical = [(text, canonical_url(url, server.url) or url) for text, url in body_links]
        assert canonical == [(link["text"], link["url"]) for link in t["links"]], t["path"]
        meta = doc.xpath('//meta[@property="article:published_time"]/@content')
        assert bool(meta) == (t["published_at"] is not None)


def test_footnote_forms_in_html(server) -> None:
    site: DemoSite = server.site
    by = site.truth_by_path(server.url)
    wp = next(t for t in by.values() if t["footnote_form"] == "wpblock" and t["digits"] == "arabic")
    html = fetch(server.url + wp["path"] + "/")[2].decode("utf-8")
    assert 'class="fn"' in html and 'class="wp-block-footnotes"' in html
    assert re.search(r'id="[0-9a-f-]{36}-link">١</a></sup>', html)
    assert 'aria-label="Jump to footnote reference 1">↩︎</a>' in html
    word = by[SEED]
    html = fetch(server.url + SEED + "/")[2].decode("utf-8")
    assert '<a href="#_ftn1" name="_ftnref1">[1]</a>' in html and "<hr" in html
    assert '<a href="#_ftnref1" name="_ftn1">[1]</a> Atlantic Council experts' in html
    assert word["footnotes"][0]["urls"][0] in html
    plain = next(t for t in by.values() if t["footnote_form"] == "plain" and t["digits"] == "arabic")
    html = fetch(server.url + plain["path"] + "/")[2].decode("utf-8")
    assert "<p>[١] " in html


def test_dates_in_every_form(server) -> None:
    site: DemoSite = server.site
    shown = {a.post_id: a.shown_date() for a in site.live() if not a.no_date}
    text = "\n".join(shown.values())
    for needle in ("18/10/2025", "05/10/2025", "/٢٠٢٥", "أكتوبر", "اكتوبر", "إبريل", "ابريل",
                   "تشرين الأول", "كانون الثاني", "السبت، ", "\u200f"):
        assert needle in text, needle
    doc = page(server.url + "/4503/")
    assert "05/10/2025" in doc.text_content()
    assert site.truth_by_path()["/4503"]["published"] == "2025-10-05"
    disagree = site.truth_by_path()["/4222"]
    assert disagree["published"] == "2025-05-22" and disagree["published_at"].startswith("2025-05-19")


def test_nonce_and_views_change_but_etag_does_not(server) -> None:
    a = fetch(server.url + "/4571/")
    b = fetch(server.url + "/4571/")
    assert a[2] != b[2]
    nonces = [re.search(rb'"nonce":"(\w+)"', r[2]).group(1) for r in (a, b)]
    assert nonces[0] != nonces[1]
    views = [int(re.search(rb'post-views-count[^>]*>([\d,]+)<', r[2]).group(1).replace(b",", b"")) for r in (a, b)]
    assert views[1] == views[0] + 1
    assert a[1]["etag"] == b[1]["etag"] and a[1]["last-modified"] == b[1]["last-modified"]


def test_conditional_requests(fresh) -> None:
    status, headers, _ = fetch(fresh.url + "/4571/")
    etag, last_mod = headers["etag"], headers["last-modified"]
    assert fetch(fresh.url + "/4571/", {"If-None-Match": etag})[0] == 304
    assert fetch(fresh.url + "/4571/", {"If-Modified-Since": last_mod})[0] == 304
    fresh.site.touch_boilerplate()
    assert fetch(fresh.url + "/4571/", {"If-None-Match": etag})[0] == 304
    fresh.site.edit_article(4571, append_paragraph="فقرة مضافة للتحديث.")
    status, headers, _ = fetch(fresh.url + "/4571/", {"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag
    assert fetch(fresh.url + "/4571/", {"If-Modified-Since": last_mod})[0] == 200


def test_no_validators() -> None:
    with serve(DemoSite(validators=False)) as srv:
        status, headers, _ = fetch(srv.url + "/4571/")
        assert status == 200 and "etag" not in headers and "last-modified" not in headers
        assert fetch(srv.url + "/4571/", {"If-None-Match": "*"})[0] == 200


def test_gzip_and_encodings(server) -> None:
    _, headers, body = fetch(server.url + "/4571/", {"Accept-Encoding": "gzip, deflate"})
    assert headers["content-encoding"] == "gzip"
    assert SEED_TITLE in gzip.decompress(body).decode("utf-8")
    _, headers, body = fetch(server.url + "/4029/")
    assert headers["content-type"] == "text/html; charset=windows-1256"
    assert b'<meta charset="windows-1256">' in body
    title = server.site.article(4029).title
    assert title in body.decode("cp1256") and title.encode("utf-8") not in body
    _, headers, body = fetch(server.url + "/4362/")
    assert headers["content-type"] == "text/html" and b'<meta charset="windows-1256">' in body


def test_classic_theme_page(server) -> None:
    doc = page(server.url + "/3971/")
    assert doc.xpath('//article[contains(@class,"post")]//h1[@class="entry-title"]')
    assert doc.xpath('//time[contains(@class,"entry-date")]/@datetime')
    assert doc.xpath('//div[@id="jp-relatedposts"]') and doc.xpath('//div[@id="comments"]//li[contains(@class,"comment")]')
    assert doc.xpath('//aside[@id="secondary"]//h2[text()="الأكثر قراءة"]')


# ------------------------------------------------------------------ machine-readable


def _sitemap(url: str) -> dict[str, str]:
    root = ET.fromstring(fetch(url + "/wp-sitemap-posts-post-1.xml")[2])
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in root.findall("s:url", ns)}


def test_sitemap_feed_rest(fresh) -> None:
    site: DemoSite = fresh.site
    index = fetch(fresh.url + "/wp-sitemap.xml")[2].decode()
    assert "wp-sitemap-posts-post-1.xml" in index
    before = _sitemap(fresh.url)
    assert len(before) == len(site.post_ids)
    rss = ET.fromstring(fetch(fresh.url + "/feed/")[2])
    assert len(rss.findall("./channel/item")) == 10
    status, headers, body = fetch(fresh.url + "/wp-json/wp/v2/posts?per_page=20&page=1&_fields=id,link,modified_gmt,date_gmt")
    posts = json.loads(body)
    assert status == 200 and int(headers["x-wp-total"]) == len(site.post_ids)
    assert int(headers["x-wp-totalpages"]) == -(-len(site.post_ids) // 20)
    assert set(posts[0]) == {"id", "link", "modified_gmt", "date_gmt"}
    newest_mod = max(p["modified_gmt"] for p in posts)
    site.edit_article(4571, title="تعزيز النفوذ: حدود الدعم الخليجي للنظام السوري الانتقالي")
    site.edit_article(4003, body_paragraph=(1, "نص معدّل دون إشارة تغيير."), touch_modified=False)
    after = _sitemap(fresh.url)
    changed = {u for u in after if after[u] != before[u]}
    assert changed == {fresh.url + "/4571/"}
    body = fetch(fresh.url + f"/wp-json/wp/v2/posts?modified_after={newest_mod}Z&_fields=id")[2]
    assert [p["id"] for p in json.loads(body)] == [4571]
    assert fetch(fresh.url + "/wp-json/wp/v2/posts?page=99")[0] == 400


def test_switches_off() -> None:
    with serve(DemoSite(sitemap=False, rest_api=False, feed=False)) as srv:
        for path in ("/wp-sitemap.xml", "/wp-sitemap-posts-post-1.xml", "/feed/", "/wp-json/wp/v2/posts"):
            assert fetch(srv.url + path)[0] == 404
        assert b"Sitemap:" not in fetch(srv.url + "/robots.txt")[2]


# ------------------------------------------------------------------ mutations


def test_add_edit_remove(fresh) -> None:
    site: DemoSite = fresh.site
    pid = site.add_article("تقدير موقف: تطورات جديدة في البحر الأحمر", ["فقرة أولى.", "فقرة ثانية."],
                           sections=["الأمن والدفاع"], authors=["د. سامي يوسف"],
                           footnotes=["مصدر متاح على: https://example.org/report."])
    assert site.post_ids[0] == pid
    doc = page(fresh.url + "/")
    assert doc.xpath('//h3[@class="elementor-post__title"]/a/@href')[0] == f"{fresh.url}/{pid}/"
    t = site.truth_by_path()[f"/{pid}"]
    assert t["series"] == "تقدير موقف" and t["authors"] == ["سامي يوسف"]
    assert t["footnotes"] == [{"number": 1, "text": "مصدر متاح على: https://example.org/report.", "urls": ["https://example.org/report"]}]
    assert read_article(page(fresh.url + f"/{pid}/"))["body"] == t["body"] == "فقرة أولى.[1]\nفقرة ثانية."
    site.edit_article(4571, footnote=(1, "نص جديد للهامش."))
    assert "نص جديد للهامش." in fetch(fresh.url + "/4571/")[2].decode()
    site.remove_article(4571, status=410)
    site.remove_article(4376)
    assert fetch(fresh.url + "/4571/")[0] == 410
    assert fetch(fresh.url + "/4376/")[0] == 404
    assert fetch(fresh.url + "/?p=4571")[0] == 410
    assert fresh.url + "/4571/" not in _sitemap(fresh.url)
    assert "/4571" not in site.truth_by_path()
    home = fetch(fresh.url + "/")[2].decode()
    assert f"{fresh.url}/4571/" not in home.split('class="elementor-posts-container')[1].split("</main>")[0]


def test_touch_boilerplate_changes_no_content(fresh) -> None:
    site: DemoSite = fresh.site
    before_truth = {t["path"]: {k: v for k, v in t.items() if k != "related"} for t in site.truth()}
    a = fetch(fresh.url + "/4571/")
    site.touch_boilerplate()
    b = fetch(fresh.url + "/4571/")
    assert a[1]["etag"] == b[1]["etag"]
    most = [re.search(r'wpp-list">(.*?)</ul>', r[2].decode()).group(1) for r in (a, b)]
    assert most[0] != most[1]
    after = {t["path"]: {k: v for k, v in t.items() if k != "related"} for t in site.truth()}
    assert before_truth == after
    assert site.truth_by_path()[SEED]["related"][0]["path"] == "/4376"


def test_counters(fresh) -> None:
    site: DemoSite = fresh.site
    site.reset_counters()
    fetch(fresh.url + "/")
    fetch(fresh.url + "/4571/")
    fetch(fresh.url + "/wp-sitemap.xml")
    fetch(fresh.url + "/wp-json/wp/v2/posts")
    fetch(fresh.url + "/robots.txt")
    c = site.counters()
    assert (c["listing"], c["article"], c["sitemap"], c["rest"], c["other"]) == (1, 1, 1, 1, 1)
    assert c["bytes_sent"] > 10_000 and site.hits("/4571/") == 1
    site.reset_counters()
    assert site.counters()["total"] == 0


# ------------------------------------------------------------------ faults


def test_status_faults(fresh) -> None:
    site: DemoSite = fresh.site
    site.set_fault("/4571/", fail_503=2)
    assert [fetch(fresh.url + "/4571/")[0] for _ in range(3)] == [503, 503, 200]
    site.set_fault("/4376/", rate_limit=1)
    status, headers, _ = fetch(fresh.url + "/4376/")
    assert status == 429 and headers["retry-after"] == "1"
    assert fetch(fresh.url + "/4376/")[0] == 200
    site.set_fault("/4376/", error_500=True)
    assert [fetch(fresh.url + "/4376/")[0] for _ in range(2)] == [500, 500]


def test_network_faults(fresh) -> None:
    site: DemoSite = fresh.site
    site.set_fault("/4571/", reset=1)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected, OSError)):
        fetch(fresh.url + "/4571/")
    assert fetch(fresh.url + "/4571/")[0] == 200
    site.set_fault("/4376/", truncate=1)
    with pytest.raises((http.client.IncompleteRead, ConnectionError, OSError)):
        fetch(fresh.url + "/4376/")
    assert fetch(fresh.url + "/4376/")[0] == 200
    site.set_fault("/4376/", delay=1.0, delay_times=1)
    with pytest.raises((socket.timeout, TimeoutError)):
        fetch(fresh.url + "/4376/", timeout=0.3)
    assert fetch(fresh.url + "/4376/", timeout=2)[0] == 200
    site.delay = 0.05
    start = time.monotonic()
    fetch(fresh.url + "/robots.txt")
    assert time.monotonic() - start >= 0.05


def test_urllib_against_server(server) -> None:
    """Plain urllib follows the 301s and reads gzip-free pages."""
    with urllib.request.urlopen(server.url + "/?p=4571", timeout=5) as resp:
        assert resp.geturl() == server.url + "/4571/"
        assert SEED_TITLE in resp.read().decode()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server.url + "/wp-json/wp/v2/nothing", timeout=5)
    assert err.value.code == 404


def test_command_line_server() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "crawler.demo.server", "--no-sitemap", "--delay", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert fetch(url + "/4571/")[0] == 200
        assert fetch(url + "/wp-sitemap.xml")[0] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_arabic_digits_helper() -> None:
    assert "18/10/2025".translate(ARABIC_DIGITS) == "١٨/١٠/٢٠٢٥"


def _inlines(block: tuple) -> list[tuple]:
    kind, *rest = block
    if kind in ("p", "quote"):
        return list(rest[0])
    if kind in ("ul", "ol"):
        return [seg for item in rest[0] for seg in item]
    return []


def test_an_edit_replaces_text_in_the_body_and_in_cited_urls_and_refuses_what_is_not_there() -> None:
    site = DemoSite()
    old_url = "https://www.brookings.edu/articles/egypt-turkey-a-regional-perspective/"
    new_url = "https://www.brookings.edu/articles/egypt-turkey-revisited/"
    before = site.truth_by_path()["/4097"]
    assert old_url in [u for note in before["footnotes"] for u in note["urls"]]
    site.edit_article(4097, replace=(old_url, new_url))
    after = site.truth_by_path()["/4097"]
    urls = [u for note in after["footnotes"] for u in note["urls"]]
    assert new_url in urls and old_url not in urls
    site.edit_article(4571, replace=("أهمية خاصة", "أهمية بالغة"))
    body = site.truth_by_path()["/4571"]["body"]
    assert "أهمية بالغة" in body and "أهمية خاصة" not in body
    with pytest.raises(ValueError, match="holds no"):
        site.edit_article(4571, replace=("no such words here", "x"))


@pytest.mark.parametrize("markup", ["underscores", "blocks"])
def test_listings_in_another_themes_markup_list_the_same_posts(markup: str) -> None:
    """The same site behind a classic theme's archive.php or a block theme's Query Loop: each
    listing page lists the posts the Elementor one does, in order, and links the next page."""
    from crawler import discovery

    ours, theirs = DemoSite(per_page=5), DemoSite(per_page=5, listing_markup=markup)
    site = "http://127.0.0.1:8000"
    nexts = 0
    for sec in SECTIONS[:4]:
        for number in (1, 2):
            path = section_path(sec.slug) + (f"page/{number}/" if number > 1 else "")
            answers = [s.handle("GET", path, {"Host": "127.0.0.1:8000"}) for s in (ours, theirs)]
            if answers[0][0] != 200:
                continue
            # The <head>'s rel=prev/next links, which every markup shares, left out: the
            # listing's own navigation must link the next page.
            pages = [re.sub(rb'<link rel="(?:prev|next)"[^>]*>', b"", body) for _, _, body in answers]
            members = [discovery.listing_articles(p, site + path, site) for p in pages]
            assert members[0] and members[1] == members[0], (markup, path)
            following = site + section_path(sec.slug) + f"page/{number + 1}/"
            linked = [following in discovery.listing_pages(p, site + path, site) for p in pages]
            assert linked[1] == linked[0], (markup, path)
            nexts += linked[0]
    assert nexts  # some of these listings have a next page
    with pytest.raises(ValueError, match="listing_markup"):
        DemoSite(listing_markup="divi")


@given(st.integers(1, 40), st.data())
def test_listing_page_numbers_are_wordpress_ones_with_dots_for_every_gap(total: int, data) -> None:
    current = data.draw(st.integers(1, total))
    numbers = _page_numbers(current, total)
    shown = [n for n in numbers if n is not None]
    # the first and last pages and two either side of this one, and no others
    assert shown == sorted({1, total} | {n for n in range(current - 2, current + 3) if 1 <= n <= total})
    # dots stand exactly where numbers are left out, one for each gap
    assert numbers[0] == 1 and numbers[-1] == total
    for at in range(1, len(numbers)):
        before, here = numbers[at - 1], numbers[at]
        if here is None:
            assert before is not None and numbers[at + 1] > before + 1
        elif before is not None:
            assert here == before + 1
