"""The report's bidirectional text, in a real Chromium: in right-to-left pages every URL
shows whole, its first character at its left end and its last (a trailing `/` included) at
its right end; ids never wrap; struck-through Arabic stays legible. On the demo's own edits
(a URL a footnote cites, among Arabic and English sources)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.dataset.bidi import isolate
from crawler.demo.edits import apply_edits
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from tests.chromium import Chromium, keep
from tests.conftest import crawl, run_cli

NOTE_EDIT = 4097  # crawler/demo/edits.py: a URL cited by footnote 1

# Every URL in the page's text, with the rectangles of its first and last characters and of
# each line it takes.
URL_BOXES = r"""
(() => {
  const found = [], re = /https?:\/\/[^\s<>"«»]+[^\s<>"«».,;:)]/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest('.line')) continue;
    for (const m of node.data.matchAll(re)) {
      const range = document.createRange();
      const box = (from, to) => { range.setStart(node, from); range.setEnd(node, to); return range.getBoundingClientRect(); };
      const first = box(m.index, m.index + 1), last = box(m.index + m[0].length - 1, m.index + m[0].length);
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const lines = [...range.getClientRects()].filter(r => r.width > 0);
      found.push({url: m[0], first: [first.left, first.top], last: [last.right, last.top],
                  lines: lines.map(r => [r.left, r.right, r.top])});
    }
  }
  return found;
})()
"""


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo crawled, then crawled again with its edits, and the report of that run."""
    tmp = tmp_path_factory.mktemp("bidi")
    site = DemoSite()
    with serve(site) as srv:
        assert crawl(srv, tmp / "archive").returncode == 0
        apply_edits(site)
        assert crawl(srv, tmp / "archive").returncode == 0
    done = run_cli("report", "--archive", str(tmp / "archive"), "--out", str(tmp / "report"))
    assert done.returncode == 0, done.stderr
    return tmp / "report"


def _article_page(report_dir: Path, post_id: int) -> Path:
    pages = [p for p in (report_dir / "articles").glob(f"{post_id}-*.html")]
    assert len(pages) == 1, pages
    return pages[0]


@given(st.text(alphabet="ابتث سجح،.: /-_aAbzZ09", max_size=40),
       st.sampled_from(["https://a.org/x/", "http://b.net/p?q=1", "https://c.eg/ar/مقال/"]),
       st.text(alphabet="ابتث سجح، ", max_size=20))
def test_isolate_keeps_the_text_and_isolates_each_url(before: str, url: str, after: str) -> None:
    text = f"{before} {url} {after}"
    html = str(isolate(text))
    assert lxml.html.fromstring(f"<p>{html}</p>").text_content() == text
    assert f'<bdi dir="ltr" class="url">{url.replace("&", "&amp;")}</bdi>' in html


def test_urls_show_whole_at_both_ends_in_right_to_left_pages(browser: Chromium, report_dir: Path, tmp_path: Path) -> None:
    page_path = _article_page(report_dir, NOTE_EDIT)
    for width in (1200, 390):  # a desktop, a phone (where long URLs wrap)
        page = browser.open(page_path.as_uri(), width=width, height=900, mobile=width < 500)
        assert page.errors == [], page.errors
        urls = page.evaluate(URL_BOXES)
        cited = {u["url"] for u in urls}
        assert "https://www.brookings.edu/articles/egypt-turkey-revisited/" in cited, cited
        assert any(u.endswith("/") for u in cited)
        for u in urls:
            lines = u["lines"]
            top, bottom = lines[0], lines[-1]
            # Left to right: the first character opens the first line the URL takes, at its
            # left; the last closes the last line, at its right (the trailing "/" too).
            assert abs(u["first"][0] - top[0]) < 1.5 and abs(u["first"][1] - top[2]) < 4, u
            assert abs(u["last"][0] - bottom[1]) < 1.5 and abs(u["last"][1] - bottom[2]) < 4, u
            if len(lines) == 1:
                assert u["first"][0] < u["last"][0], u
        keep(page.screenshot(tmp_path / f"report-bidi-{width}.png"))


def test_ids_do_not_wrap_and_deleted_words_stay_legible(browser: Chromium, report_dir: Path) -> None:
    page = browser.open(_article_page(report_dir, 4571).as_uri(), width=390, height=844, mobile=True)
    assert page.errors == [], page.errors
    ids = page.evaluate(
        "[...document.querySelectorAll('.id')].map(e => [e.textContent, getComputedStyle(e).whiteSpace,"
        " new Set([...e.getClientRects()].map(r => Math.round(r.top))).size])"
    )
    assert any(re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", text) for text, _, _ in ids), ids
    assert all(space == "nowrap" and lines == 1 for _, space, lines in ids), ids  # one line each
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    deleted = page.evaluate(
        "(() => { const d = document.querySelector('del'), s = getComputedStyle(d),"
        " body = getComputedStyle(document.body);"
        " return [d.textContent, s.color === body.color, s.fontWeight, s.textDecorationLine,"
        " s.textDecorationColor]; })()"
    )
    word, same_colour, weight, line, line_colour = deleted
    assert word == "خاصة" and same_colour and weight == "400" and line == "line-through"
    assert line_colour.startswith("rgba(") and float(line_colour.rstrip(")").split(",")[-1]) < 1
