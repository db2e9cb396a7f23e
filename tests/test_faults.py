"""Faults, bad input and damaged archives, end to end: the real command line against a misbehaving 127.0.0.1 server."""

from __future__ import annotations

import base64
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.warc import read as read_warc
from crawler.demo.content import SECTION_BY_SLUG, section_path
from crawler.demo.server import serve
from crawler.demo.site import FOREVER, SITE, DemoSite
from crawler.extraction import charset_of, extract
from tests.conftest import FAST, ROOT, crawl, crawled_snapshot, run_cli
from tests.damage import foreign, garbage, old_schema, truncate

# Retries fast enough for a test, still the real code path: backoff 0.1 s, 0.2 s, 0.4 s.
QUICK_RETRIES = ["-s", "RETRY_BACKOFF_BASE=0.1", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=3"]


def _articles(archive: Path) -> dict[str, dict]:
    return {row["url"]: row for row in pq.read_table(archive / "articles.parquet").to_pylist()}


def _versions(archive: Path) -> list[dict]:
    return ds.dataset(archive / "versions", format="parquet").to_table().to_pylist()


def _runs(archive: Path) -> list[dict]:
    return pq.read_table(archive / "runs.parquet").sort_by("started_at").to_pylist()


def _failures(archive: Path, run_id: str | None = None) -> dict[str, dict]:
    rows = pq.read_table(archive / "failures.parquet").to_pylist()
    return {r["url"]: r for r in rows if run_id is None or r["run_id"] == run_id}


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]


# ------------------------------------------------------------------------ network faults


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A clean crawl, then a --full crawl while the server misbehaves on purpose."""
    site = DemoSite()
    archive = tmp_path_factory.mktemp("faults") / "archive"
    with serve(site) as server:
        first = crawl(server, archive, *QUICK_RETRIES)
        assert first.returncode == 0, first.stderr
        before = _articles(archive)
        new_id = site.add_article("تقدير موقف: مقال جديد لا يصل أبدا", ["فقرة أولى عن التطورات الإقليمية الراهنة."])
        short_id = site.add_article("تقدير موقف: مقال جديد يصل ناقصا دائما", ["فقرة ثانية عن التطورات الإقليمية الراهنة."])
        faults = {
            "503": (4571, {"fail_503": 2}),
            "429": (4003, {"rate_limit": 1}),
            "slow": (4029, {"delay": 3.0, "delay_times": 1}),  # beyond DOWNLOAD_TIMEOUT=2
            "reset": (4044, {"reset": 1}),
            "truncate": (4058, {"truncate": 1}),
            "500": (4071, {"error_500": True}),  # archived by the first crawl
            "new_reset": (new_id, {"reset": FOREVER}),  # never archived
            "new_truncate": (short_id, {"truncate": FOREVER}),  # never archived
        }
        for post_id, kwargs in faults.values():
            site.set_fault(f"/{post_id}/", **kwargs)
        # Answers that are not the article: a PDF, and a page with no title or body, at the
        # URLs of two archived articles.
        site.override("/4083/", headers={"Content-Type": "application/pdf"}, body=b"%PDF-1.4\n%fake\n")
        site.override("/4097/", body=b"<html><head><meta charset='utf-8'></head><body><div></div></body></html>")
        site.reset_counters()
        started = time.monotonic()
        second = crawl(server, archive, "--full", *QUICK_RETRIES)
        took = time.monotonic() - started
        yield {
            "site": site, "server": server, "archive": archive, "before": before,
            "faults": faults, "result": second, "took": took, "new_id": new_id,
            "short_id": short_id,
        }


def _url(env: dict, post_id: int) -> str:
    return f"{env['server'].url}/{post_id}"


def test_the_faulty_crawl_completes_and_exits_0(faulty: dict) -> None:
    result = faulty["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    _no_traceback(result)
    first, second = _runs(faulty["archive"])
    assert first["completed"] and second["completed"]
    assert second["mode"] == "full"
    # Every permanent failure costs 1 + RETRY_TIMES requests, no more.
    assert faulty["took"] < 60


def test_transient_faults_are_retried_and_archived(faulty: dict) -> None:
    site: DemoSite = faulty["site"]
    for name in ("503", "429", "truncate"):
        post_id, kwargs = faulty["faults"][name]
        expected = 1 + (kwargs.get("fail_503") or 1)
        assert site.hits(f"/{post_id}/") == expected, name
    # A reset request is dropped before the site answers, so only the retry is counted.
    assert site.hits("/4044/") == 1
    # The server counts a request when it answers: the timed-out one answers 3 s late,
    # perhaps after the crawl ended, so only the retry is sure to be counted.
    assert site.hits("/4029/") >= 1
    failures = _failures(faulty["archive"], _runs(faulty["archive"])[1]["run_id"])
    for name in ("503", "429", "slow", "reset", "truncate"):
        assert _url(faulty, faulty["faults"][name][0]) not in failures, name


def test_retry_after_is_honoured(faulty: dict) -> None:
    site: DemoSite = faulty["site"]
    post_id = faulty["faults"]["429"][0]
    log = site.requests_log(f"/{post_id}/")
    assert [status for _, _, status in log] == [429, 200]
    # The server asked for Retry-After: 1; the backoff alone would have waited 0.1 s.
    assert log[1][0] - log[0][0] >= 0.9


def test_every_other_article_is_right(faulty: dict) -> None:
    site, server, archive = faulty["site"], faulty["server"], faulty["archive"]
    rows = _articles(archive)
    failed = {_url(faulty, pid) for pid in (4071, 4083, 4097)}
    for truth in site.truth(base=server.url):
        if truth["url"] in failed or truth["post_id"] in (faulty["new_id"], faulty["short_id"]):
            continue
        row = rows[truth["url"]]
        assert (row["title"], row["body"], row["status"]) == (truth["title"], truth["body"], "live"), truth["url"]


def test_permanent_failures_are_recorded_with_stage_and_reason(faulty: dict) -> None:
    archive = faulty["archive"]
    run = _runs(archive)[1]
    failures = _failures(archive, run["run_id"])
    want = {_url(faulty, pid) for pid in (4071, 4083, 4097, faulty["new_id"], faulty["short_id"])}
    assert set(failures) == want
    assert run["failures"] == len(want)
    assert failures[_url(faulty, 4071)]["stage"] == "fetch"
    assert failures[_url(faulty, 4071)]["error"] == "HTTP 500"
    reset = failures[_url(faulty, faulty["new_id"])]
    assert reset["stage"] == "fetch"
    assert reset["error"] == "connection closed by the server before a complete response"
    short = failures[_url(faulty, faulty["short_id"])]
    assert (short["stage"], short["error"]) == ("fetch", "response body shorter than its Content-Length (connection closed)")
    assert faulty["site"].hits(f"/{faulty['short_id']}/") == 4
    assert failures[_url(faulty, 4083)]["stage"] == "parse"
    assert "application/pdf" in failures[_url(faulty, 4083)]["error"]
    assert failures[_url(faulty, 4097)]["stage"] == "parse"
    assert "no title" in failures[_url(faulty, 4097)]["error"]
    for row in failures.values():
        assert "\n" not in row["error"] and len(row["error"]) < 300
    # The permanent 500 was asked 1 + RETRY_TIMES times, the non-HTML answers once.
    assert faulty["site"].hits("/4071/") == 4
    assert faulty["site"].hits("/4083/") == 1


def test_a_failed_article_keeps_its_last_good_content(faulty: dict) -> None:
    archive, before = faulty["archive"], faulty["before"]
    rows = _articles(archive)
    for pid in (4071, 4083, 4097):
        url = _url(faulty, pid)
        old, new = before[url], rows[url]
        for name in ("title", "body", "footnotes", "content_hash", "version", "status", "last_changed", "run_id"):
            assert new[name] == old[name], (url, name)
        assert new["status"] == "live"
    # A never-archived article that failed is not archived empty.
    assert _url(faulty, faulty["new_id"]) not in rows
    assert _url(faulty, faulty["short_id"]) not in rows


def test_no_new_versions_and_no_removals(faulty: dict) -> None:
    archive = faulty["archive"]
    versions = _versions(archive)
    keys = [(v["url"], v["version"]) for v in versions]
    assert len(keys) == len(set(keys))
    assert {v["version"] for v in versions} == {1}
    assert all(row["status"] == "live" for row in _articles(archive).values())
    changes = ds.dataset(archive / "changes", format="parquet").to_table().to_pylist()
    assert not [c for c in changes if c["change"] in ("removed", "changed")]


# ------------------------------------------------------------------------ bad input

# Articles given bad answers in the bad-input crawl (all archived fine otherwise).
PDF, BIG, NO_TITLE, NO_BODY, LATIN1, NO_CHARSET, WRONG_UTF8, MALFORMED, UNCLOSED, DISALLOWED = (
    4110, 4126, 4181, 4195, 4207, 4222, 4029, 4263, 4305, 4619,
)
# Articles whose bodies come in a content coding of the answer's own (decompressed by the
# extraction worker): zlib deflate, raw deflate, damaged gzip, and a gzip "bomb".
DEFLATE, RAW_DEFLATE, BAD_GZIP, GZIP_BOMB = 4432, 4347, 4152, 4083
ENDLESS_SECTION, LOOP_SECTION = "الشرق-الأوسط", "شؤون-دولية"
PER_PAGE = 5
MAXSIZE = 1_000_000


def _raw_deflate(body: bytes) -> bytes:
    """Deflate with no zlib header, as some servers send `Content-Encoding: deflate`."""
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


def _strip_meta_charset(body: bytes) -> bytes:
    return re.sub(rb"<meta[^>]*charset[^>]*>", b"", body, flags=re.IGNORECASE)


def _malform(_: str, body: bytes) -> bytes:
    # No </p> anywhere, stray close tags after the headline, and no end of document.
    body = body.replace(b"</p>", b"").replace(b"</h1>", b"</h1></div></span>", 1)
    return body.split(b"</body>")[0]


def _unclose_header(_: str, body: bytes) -> bytes:
    # The theme's header leaves five <div>s open: the article ends up inside the header.
    return body.replace(b"</div>", b"", 5)


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One crawl of a site whose answers are bad in every way the issue lists, one per path."""
    site = DemoSite()
    other = DemoSite()  # someone else's server: must never be asked anything
    archive = tmp_path_factory.mktemp("bad") / "archive"
    with serve(site) as server, serve(other) as elsewhere:
        site.override(f"/{PDF}/", headers={"Content-Type": "application/pdf"}, body=b"%PDF-1.4\n" + b"0" * 2000)
        # Incompressible, so gzip does not bring it under the limit.
        site.override(f"/{BIG}/", body=b"<html><body><p>" + base64.b64encode(os.urandom(3 * MAXSIZE)) + b"</p></body></html>")
        site.override(f"/{NO_TITLE}/", body="<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><main></main></body></html>")
        site.override(f"/{NO_BODY}/", body="<!DOCTYPE html><html><head><meta charset='utf-8'><title>عنوان فقط</title></head>"
                      "<body><main><h1 class='entry-title'>عنوان فقط</h1></main></body></html>")
        # A UTF-8 page declared Latin-1 by the server; one with no charset anywhere; one
        # windows-1256 page (header and meta) whose header says UTF-8.
        site.override(f"/{LATIN1}/", headers={"Content-Type": "text/html; charset=ISO-8859-1"})
        site.override(f"/{NO_CHARSET}/", headers={"Content-Type": "text/html"}, body=lambda _, b: _strip_meta_charset(b))
        site.override(f"/{WRONG_UTF8}/", headers={"Content-Type": "text/html; charset=UTF-8"})
        site.override(f"/{MALFORMED}/", body=_malform)
        site.override(f"/{UNCLOSED}/", body=_unclose_header)
        site.override("/robots.txt", body=lambda _, b: b + f"Disallow: /{DISALLOWED}/\n".encode())
        # The demo substitutes its own host in a body after an override, which it cannot do
        # in a compressed one: these bodies carry the host already.
        here = lambda b: b.replace(SITE.encode(), server.url.encode())  # noqa: E731
        site.override(f"/{DEFLATE}/", headers={"Content-Encoding": "deflate"}, body=lambda _, b: zlib.compress(here(b)))
        site.override(f"/{RAW_DEFLATE}/", headers={"Content-Encoding": "deflate"},
                      body=lambda _, b: _raw_deflate(here(b)))
        site.override(f"/{BAD_GZIP}/", headers={"Content-Encoding": "gzip"},
                      body=lambda _, b: gzip.compress(here(b))[:-40] + b"not gzip any more")
        # 3 MB of one letter: a few kB on the wire, over the limit once decompressed.
        site.override(f"/{GZIP_BOMB}/", headers={"Content-Encoding": "gzip"},
                      body=gzip.compress(b"<html><body><p>" + b"a" * (3 * MAXSIZE) + b"</p></body></html>"))

        # Links a crawler must never follow, in the posts area of a listing (not a sidebar).
        traps = (
            '<a href="javascript:void(0)">js</a> <a href="javascript:location.href=\'/4003/\'">js2</a>'
            '<a href="mailto:info@ncmes.org">mail</a> <a href="tel:+20225550100">tel</a>'
            f'<a href="{elsewhere.url}/4571/">other host</a> <a href="{elsewhere.url}/4003/">other host 2</a>'
            '<a href="/members/">members</a> <a href="/members/4571/">members post</a>'
            f'<a href="/{DISALLOWED}/">disallowed</a>'
            '<a href="/4571/#comments">fragment</a> <a href="/4571/?utm_source=x&amp;utm_medium=y&amp;fbclid=z">tracking</a>'
            '<a href="/4571?utm_campaign=q#top">tracking 2</a> <a href="/?p=4571">shortlink</a>'
        ).encode()
        site.override(section_path(LOOP_SECTION), body=lambda _, b: b.replace(b"</main>", traps + b"</main>"))
        result = crawl(server, archive, *QUICK_RETRIES, "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}")
        yield {"site": site, "other": other, "server": server, "archive": archive, "result": result}


def _bad_url(env: dict, post_id: int) -> str:
    return f"{env['server'].url}/{post_id}"


def test_bad_input_crawl_completes(bad: dict) -> None:
    result = bad["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    _no_traceback(result)
    (run,) = _runs(bad["archive"])
    assert run["completed"] is True


def test_an_oversized_response_is_refused_and_recorded(bad: dict) -> None:
    failures = _failures(bad["archive"])
    row = failures[_bad_url(bad, BIG)]
    assert row["stage"] == "fetch"
    assert row["error"] == f"response larger than {MAXSIZE} bytes"
    assert _bad_url(bad, BIG) not in _articles(bad["archive"])
    # Refused, not retried: the answer would be just as large next time.
    assert bad["site"].hits(f"/{BIG}/") == 1


@pytest.mark.parametrize("post_id", [DEFLATE, RAW_DEFLATE])
def test_a_deflated_article_is_decompressed_and_archived(bad: dict, post_id: int) -> None:
    truth = bad["site"].truth_by_path(base=bad["server"].url)[f"/{post_id}"]
    row = _articles(bad["archive"])[_bad_url(bad, post_id)]
    assert (row["title"], row["body"], row["authors"]) == (truth["title"], truth["body"], truth["authors"])


def test_a_damaged_gzip_body_is_a_recorded_failure(bad: dict) -> None:
    row = _failures(bad["archive"])[_bad_url(bad, BAD_GZIP)]
    assert row["stage"] == "fetch"
    assert row["error"].startswith("response body could not be decompressed (gzip): ")
    assert _bad_url(bad, BAD_GZIP) not in _articles(bad["archive"])


def test_a_body_over_the_size_limit_once_decompressed_is_refused(bad: dict) -> None:
    row = _failures(bad["archive"])[_bad_url(bad, GZIP_BOMB)]
    # As Scrapy words a body over DOWNLOAD_MAXSIZE: what reached the wire was small.
    assert (row["stage"], row["error"]) == ("fetch", f"response larger than {MAXSIZE} bytes")
    assert _bad_url(bad, GZIP_BOMB) not in _articles(bad["archive"])
    assert bad["site"].hits(f"/{GZIP_BOMB}/") == 1


def test_a_non_html_response_is_skipped_and_recorded(bad: dict) -> None:
    row = _failures(bad["archive"])[_bad_url(bad, PDF)]
    assert (row["stage"], row["error"]) == ("parse", "not an HTML page (application/pdf)")
    assert _bad_url(bad, PDF) not in _articles(bad["archive"])


def _responses(archive: Path) -> dict[str, list]:
    """The response records of every WARC file, by URL: each one's HTTP head and payload as
    sent (content coding kept)."""
    out: dict[str, list] = {}
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    out.setdefault(uri, []).append((record.http_headers, record.raw_stream.read()))
    return out


def test_every_article_answer_has_its_record_as_sent_whatever_became_of_it(bad: dict) -> None:
    """Articles that were not HTML, would not decompress, were too large decompressed, held
    no article, or came deflated: each answer is archived once, its body as the server sent
    it, whether the extraction worker or the WARC writer made its record."""
    responses = _responses(bad["archive"])
    url = lambda post_id: f"{bad['server'].url}/{post_id}/"  # noqa: E731
    records = {post_id: responses.get(url(post_id), []) for post_id in (
        PDF, BAD_GZIP, GZIP_BOMB, DEFLATE, RAW_DEFLATE, NO_TITLE, MALFORMED)}
    assert {post_id: len(found) for post_id, found in records.items()} == dict.fromkeys(records, 1)
    (pdf_head, pdf), = records[PDF]
    assert pdf_head.get_header("Content-Type") == "application/pdf"
    assert (gzip.decompress(pdf) if pdf_head.get_header("Content-Encoding") == "gzip" else pdf).startswith(b"%PDF-1.4")
    assert records[BAD_GZIP][0][1].endswith(b"not gzip any more")
    head, bomb = records[GZIP_BOMB][0]
    assert head.get_header("Content-Encoding") == "gzip" and bomb[:2] == b"\x1f\x8b" and len(bomb) < 100_000
    truth = bad["site"].truth_by_path(base=bad["server"].url)
    assert truth[f"/{DEFLATE}"]["title"].encode() in zlib.decompress(records[DEFLATE][0][1])
    raw = zlib.decompressobj(-zlib.MAX_WBITS)
    assert truth[f"/{RAW_DEFLATE}"]["title"].encode() in raw.decompress(records[RAW_DEFLATE][0][1])
    for version in _versions(bad["archive"]):
        headers, body = read_warc(bad["archive"], version["warc_file"], version["warc_offset"])
        content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
        record = extract(body, version["url"], version["seen_at"], encoding=charset_of(content_type))
        assert record.title == version["title"], version["url"]


@pytest.mark.parametrize(("post_id", "reason"), [(NO_TITLE, "no title"), (NO_BODY, "no body")])
def test_a_page_with_no_title_or_body_is_a_failure_not_an_empty_article(bad: dict, post_id: int, reason: str) -> None:
    row = _failures(bad["archive"])[_bad_url(bad, post_id)]
    assert row["stage"] == "parse"
    assert reason in row["error"]
    assert _bad_url(bad, post_id) not in _articles(bad["archive"])
    assert not [v for v in _versions(bad["archive"]) if v["url"] == _bad_url(bad, post_id)]


@pytest.mark.parametrize("post_id", [LATIN1, NO_CHARSET, WRONG_UTF8])
def test_wrong_or_missing_charset_declarations_are_handled(bad: dict, post_id: int) -> None:
    truth = bad["site"].truth_by_path(base=bad["server"].url)[f"/{post_id}"]
    row = _articles(bad["archive"])[_bad_url(bad, post_id)]
    assert (row["title"], row["body"]) == (truth["title"], truth["body"])
    assert "\ufffd" not in row["body"]


def test_malformed_html_still_extracts(bad: dict) -> None:
    truth = bad["site"].truth_by_path(base=bad["server"].url)[f"/{MALFORMED}"]
    row = _articles(bad["archive"])[_bad_url(bad, MALFORMED)]
    assert row["title"] == truth["title"]
    assert row["authors"] == truth["authors"]
    # Every paragraph of the page is in the body, in order, even with no </p> anywhere.
    assert row["body"] == truth["body"]
    assert len(row["footnotes"]) == truth["footnote_count"]


def test_html_with_unclosed_header_divs_still_extracts(bad: dict) -> None:
    truth = bad["site"].truth_by_path(base=bad["server"].url)[f"/{UNCLOSED}"]
    row = _articles(bad["archive"])[_bad_url(bad, UNCLOSED)]
    assert row["body"] == truth["body"]


def test_links_off_site_javascript_mailto_tel_and_disallowed_are_never_requested(bad: dict) -> None:
    site: DemoSite = bad["site"]
    assert bad["other"].counters()["total"] == 0
    assert site.hits(f"/{DISALLOWED}/") == 0 and site.hits(f"/{DISALLOWED}") == 0
    assert site.hits("/members/") == 0 and site.hits("/members/4571/") == 0
    # Every path the server was asked for is one a crawler of this site needs.
    wanted = re.compile(r"/|/robots\.txt|/feed/|/wp-sitemap.*|/wp-json/.*|/category/.*|/\d+/")
    asked = set(site.counters()["paths"])
    assert {p for p in asked if not wanted.fullmatch(p)} == set()
    assert not [p for p in asked if "javascript" in p or "mailto" in p or "tel:" in p]
    # The disallowed article is known (listed) but never fetched: recorded, not archived.
    assert _bad_url(bad, DISALLOWED) not in _articles(bad["archive"])


def test_tracking_queries_and_fragments_do_not_create_duplicates(bad: dict) -> None:
    rows = pq.read_table(bad["archive"] / "articles.parquet")["url"].to_pylist()
    assert len(rows) == len(set(rows))
    assert all("?" not in url and "#" not in url for url in rows)
    versions = [(v["url"], v["version"]) for v in _versions(bad["archive"])]
    assert len(versions) == len(set(versions)) == len(rows)
    # One request for the article, whatever decorations its links carried.
    assert bad["site"].hits("/4571/") == 1
    assert bad["site"].hits("/4476/") == 1  # the snapshot's own utm_ link


@pytest.fixture(scope="module")
def traps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A crawl by listings alone (no sitemap, no feed) of a site whose pagination never ends
    in one section and loops back in another."""
    site = DemoSite(per_page=PER_PAGE)
    archive = tmp_path_factory.mktemp("traps") / "archive"
    with serve(site) as server:
        host = {"Host": f"{server.host}:{server.port}"}
        # A pagination loop: page 2 of a listing redirects to its page 1.
        loop_root = section_path(LOOP_SECTION)
        site.override(f"{loop_root}page/2/", status=301, headers={"Location": f"{server.url}{loop_root}"}, body=b"")
        # Endless pagination: from the last real page on, page n answers with the last page's
        # posts and links to page n + 1, for ever.
        endless_root = section_path(ENDLESS_SECTION)
        family = {ENDLESS_SECTION} | {s for s, sec in SECTION_BY_SLUG.items() if sec.parent == ENDLESS_SECTION}
        last = -(-len([a for a in site.live() if family & set(a.sections)]) // PER_PAGE)
        last_page = site.handle("GET", f"{endless_root}page/{last}/", host)[2]
        site.reset_counters()

        def endless(path: str, body: bytes) -> bytes:
            n = int(path.rstrip("/").rsplit("/", 1)[-1])
            if n < last:
                return body
            more = f'<a class="next page-numbers" href="{server.url}{endless_root}page/{n + 1}/">التالي</a>'
            return last_page.replace(b"</main>", more.encode() + b"</main>")

        site.override(re.compile(re.escape(endless_root) + r"page/(\d+)/"), status=200, body=endless)
        result = crawl(server, archive, "-s", "NCMES_USE_SITEMAP=false", "-s", "NCMES_USE_FEED=false")
        yield {"site": site, "server": server, "archive": archive, "result": result,
               "endless_root": endless_root, "endless_last": last, "loop_root": loop_root}


def test_endless_pagination_stops(traps: dict) -> None:
    assert traps["result"].returncode == 0, traps["result"].stderr[-3000:]
    site: DemoSite = traps["site"]
    root, last = traps["endless_root"], traps["endless_last"]
    assert site.hits(f"{root}page/{last}/") == 1
    # The first page repeating the last one's posts ends the listing.
    assert site.hits(f"{root}page/{last + 1}/") == 1
    assert site.hits(f"{root}page/{last + 2}/") == 0
    # Every article of the section was still found, once.
    urls = pq.read_table(traps["archive"] / "articles.parquet")["url"].to_pylist()
    assert len(urls) == len(set(urls))


def test_a_listing_loop_stops(traps: dict) -> None:
    assert traps["result"].returncode == 0, traps["result"].stderr[-3000:]
    site: DemoSite = traps["site"]
    root = traps["loop_root"]
    assert site.hits(f"{root}page/2/") == 1
    assert site.hits(f"{root}page/3/") == 0
    assert site.hits(root) == 1  # the redirect back to page 1 was not followed again
    (run,) = _runs(traps["archive"])
    assert run["completed"] is True


def test_every_article_not_given_bad_input_is_archived(bad: dict) -> None:
    rows = _articles(bad["archive"])
    skipped = {_bad_url(bad, pid) for pid in (PDF, BIG, NO_TITLE, NO_BODY, DISALLOWED, BAD_GZIP, GZIP_BOMB)}
    want = {t["url"] for t in bad["site"].truth(base=bad["server"].url)} - skipped
    assert set(rows) == want


# ------------------------------------------------------------------------ damaged archives


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real archive of a few articles (versions/ and changes/ included), copied by each test."""
    return crawled_snapshot(tmp_path_factory.mktemp("small") / "archive", 4)


def _first_part(archive: Path, folder: str) -> Path:
    return min((archive / folder).glob("*.parquet"))


def _wrong_kind(path: Path) -> None:
    shutil.copyfile(path.parent / "articles.parquet", path)


def _damaged_page(path: Path) -> None:
    # The footer is intact, so the schema reads; a data page in the middle is not.
    data = bytearray(path.read_bytes())
    for i in range(8, len(data) // 2):
        data[i] = 0xFF
    path.write_bytes(bytes(data))


# Files read without when damaged (derivable, or planning state): every command answers
# with one warning line naming the file.
READ_WITHOUT = {
    "garbage articles": ("articles.parquet", garbage, "is not readable Parquet"),
    "truncated articles": ("articles.parquet", truncate, "is not readable Parquet"),
    "foreign runs": ("runs.parquet", foreign, "not an ncmes archive file"),
    "failures holding articles": ("failures.parquet", _wrong_kind, "expected 'failures'"),
}
# What is refused: another major schema, or a part of what is not derivable.
DAMAGE = {
    "old-schema articles": ("articles.parquet", old_schema, "was written by schema 0.3"),
    "old-schema versions part": ("versions/*", old_schema, "was written by schema 0.3"),
    "foreign versions part": ("versions/zz-foreign.parquet", foreign, "not an ncmes archive file"),
    "damaged versions page": ("versions/*", _damaged_page, ""),
    "garbage changes part": ("changes/*", garbage, "is not readable Parquet"),
}


def _damage(archive: Path, target: str, how: object) -> Path:
    if target.endswith("/*"):
        path = _first_part(archive, target[:-2])
    else:
        path = archive / target
        if not path.exists():
            shutil.copyfile(_first_part(archive, "versions"), path)
    how(path)  # type: ignore[operator]
    return path


def _snapshot(archive: Path) -> dict[str, bytes]:
    return {str(p.relative_to(archive)): p.read_bytes() for p in sorted(archive.rglob("*")) if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_archive_file_is_a_one_line_error_naming_it(small_archive: Path, tmp_path: Path, case: str) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    target, how, words = DAMAGE[case]
    damaged = _damage(archive, target, how)
    before = _snapshot(archive)
    # The site is never reached: the archive is refused before any request. Both commands
    # run at once (they only read), which halves the test's time.
    commands = (["stats"], ["crawl", "--site", "http://127.0.0.1:9", *FAST, "-s", "RETRY_TIMES=0"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda args: run_cli(*args, "--archive", str(archive)), commands))
    for args, result in zip(commands, results, strict=True):
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        _no_traceback(result)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("ncmes-archive: ")
        assert str(damaged) in lines[0], lines[0]
        assert words in lines[0], lines[0]
        assert _snapshot(archive) == before, "the archive was written to"


@pytest.mark.parametrize("case", list(READ_WITHOUT))
def test_a_damaged_derivable_file_is_read_without_and_named_in_one_line(
    small_archive: Path, tmp_path: Path, case: str
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    target, how, words = READ_WITHOUT[case]
    damaged = _damage(archive, target, how)
    before = _snapshot(archive)
    result = run_cli("stats", "--archive", str(archive))
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("ncmes-archive: warning: ") and str(damaged) in line and words in line
    assert "check --repair" in line
    assert _snapshot(archive) == before, "the archive was written to"


@pytest.mark.parametrize("command", [["changes"], ["report", "--out", "OUT"], ["export", "--out", "OUT"]])
def test_every_reading_command_reads_past_a_damaged_articles_file(small_archive: Path, tmp_path: Path, command: list[str]) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    expected = run_cli(*[str(tmp_path / "expected") if a == "OUT" else a for a in command], "--archive", str(archive))
    garbage(archive / "articles.parquet")
    before = _snapshot(archive)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    result = run_cli(*args, "--archive", str(archive))
    assert result.returncode == 0, result.stderr
    _no_traceback(result)
    # The damage is said in one line (beside the line naming the runs a view covers).
    [line] = [text for text in result.stderr.strip().splitlines() if "articles.parquet" in text]
    assert str(archive / "articles.parquet") in line and "rebuilt from versions/" in line
    assert result.stderr.strip().splitlines() == [line, *expected.stderr.strip().splitlines()]
    assert _snapshot(archive) == before
    assert (tmp_path / "out").exists() == ("OUT" in command)
    assert result.stdout.replace(str(tmp_path / "out"), str(tmp_path / "expected")) == expected.stdout


def test_leftover_temporary_files_are_never_read_and_are_cleaned(small_archive: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(small_archive, archive)
    # What a writer killed mid-write leaves: half files beside their final names.
    (archive / "articles.parquet.tmp").write_bytes(b"half a file")
    part = _first_part(archive, "versions")
    (part.parent / f".{part.name}.tmp").write_bytes(b"half a part")
    stats = run_cli("stats", "--archive", str(archive))
    assert stats.returncode == 0, stats.stderr
    rows = pq.read_table(archive / "articles.parquet").num_rows
    assert ds.dataset(archive / "versions", format="parquet").to_table().num_rows == rows
    with serve(DemoSite()) as server:  # another origin than the archive's: added on purpose
        result = crawl(server, archive, "--limit", "2", "--add-site")
    assert result.returncode == 0, result.stderr
    assert not list(archive.rglob("*.tmp"))


# ------------------------------------------------------------------------ concurrency


def test_a_second_crawl_on_the_same_archive_exits_1(tmp_path: Path) -> None:
    site = DemoSite()
    site.delay = 0.3  # keeps the first crawl busy while the second one starts
    archive = tmp_path / "archive"
    with serve(site) as server:
        first = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "--site", server.url, "--archive", str(archive), *FAST],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            deadline = time.monotonic() + 60
            # The run row is written once the lock is held.
            while not (archive / "runs.parquet").exists():
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline, "the first crawl never started its run"
                time.sleep(0.05)
            before = _snapshot(archive)
            second = crawl(server, archive)
            assert second.returncode == 1
            _no_traceback(second)
            last = _last_line(second)
            assert last.startswith(f"ncmes-archive: archive {archive} is in use by another crawl (pid {first.pid}, started ")
            assert len(second.stderr.strip().splitlines()) == 1
            # The refused crawl wrote nothing; the first run alone is recorded.
            assert {k: v for k, v in _snapshot(archive).items() if k == "runs.parquet"} == {
                k: v for k, v in before.items() if k == "runs.parquet"
            } or len(_runs(archive)) == 1
        finally:
            first.terminate()
            first.communicate(timeout=60)
    assert len(_runs(archive)) == 1
