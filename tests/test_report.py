"""Change detection you can see: one edit in each hashed field of the served snapshot, a
recrawl, then `changes`, `diff` and the HTML report (read back, and opened in Chromium)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive.writer import Archive
from crawler.cli import main
from crawler.dataset.html_report import report
from crawler.demo.content import SEED_ID
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from tests.chromium import Chromium, keep
from tests.conftest import ROOT, crawl, run_cli
from tests.factories import article_record

ATOM = "{http://www.w3.org/2005/Atom}"
ARABIC_WORD = re.compile(r"^[\u0621-\u064a]{5,}$")

# One article per hashed field (old, ordinary posts of the snapshot).
BODY, NOTE, SECTIONS, AUTHORS, DATE = SEED_ID, 4097, 4181, 4003, 4168
NEW_WORD = "المستجدة"
NEW_URL = "https://www.brookings.edu/articles/egypt-turkey-revisited/"
NEW_AUTHOR = "د. هالة الشريف"  # as the byline writes it
NEW_AUTHOR_NAME = "هالة الشريف"  # authors holds the name alone
NEW_SECTION = "الأمن والدفاع"


@dataclass
class Edited:
    archive: Path
    base: str
    old: dict[int, dict]  # the truth before the edits, by post id
    new: dict[int, dict]  # and after
    old_word: str = ""
    old_url: str = ""
    runs: list[dict] = field(default_factory=list)

    def url(self, post_id: int) -> str:
        return f"{self.base}/{post_id}"


def _one_word_edit(site: DemoSite, post_id: int) -> tuple[int, str, str]:
    """A long plain paragraph of the post with one of its middle words replaced."""
    paragraphs = [b for b in site.article(post_id).blocks if b[0] == "p"]
    for index, (_, inlines) in enumerate(paragraphs):
        if not all(seg[0] == "t" for seg in inlines):
            continue
        words = "".join(seg[1] for seg in inlines).split(" ")
        candidates = [i for i, w in enumerate(words) if ARABIC_WORD.match(w) and words.count(w) == 1]
        if len(words) > 40 and candidates:
            pick = candidates[len(candidates) // 2]
            old = words[pick]
            words[pick] = NEW_WORD
            site.edit_article(post_id, body_paragraph=(index, " ".join(words)))
            return index, old, NEW_WORD
    raise AssertionError(f"post {post_id} has no long plain paragraph")


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edited]:
    site = DemoSite()
    archive = tmp_path_factory.mktemp("archive")
    with serve(site) as server:
        first = crawl(server, archive)
        assert first.returncode == 0, first.stderr
        old = {t["post_id"]: t for t in site.truth(server.url)}
        h = Edited(archive, server.url, old, {})
        _, h.old_word, _ = _one_word_edit(site, BODY)
        note = old[NOTE]["footnotes"][0]
        h.old_url = note["urls"][-1]
        site.edit_article(NOTE, footnote=(note["number"], note["text"].replace(h.old_url, NEW_URL)))
        site.edit_article(SECTIONS, sections=[*old[SECTIONS]["sections"], NEW_SECTION])
        site.edit_article(AUTHORS, authors=[*old[AUTHORS]["authors"], NEW_AUTHOR])
        moved = site.article(DATE).published_local - dt.timedelta(days=2)
        site.edit_article(DATE, published=moved)
        second = crawl(server, archive)
        assert second.returncode == 0, second.stderr
        h.new = {t["post_id"]: t for t in site.truth(server.url)}
    h.runs = pq.read_table(archive / "runs.parquet").to_pylist()
    yield h


EXPECTED = {BODY: "body", NOTE: "footnotes", SECTIONS: "sections", AUTHORS: "authors", DATE: "published"}


def test_changes_names_exactly_the_edits_with_title_and_time(edited: Edited) -> None:
    result = run_cli("changes", "--archive", str(edited.archive), "--json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert {(e["url"], e["change"], tuple(e["fields"])) for e in events} == {
        (edited.url(pid), "changed", (name,)) for pid, name in EXPECTED.items()
    }
    second = edited.runs[-1]
    for e in events:
        assert set(e) >= {"url", "change", "fields", "version", "run_id", "title", "seen_at"}
        pid = int(e["url"].rsplit("/", 1)[1])
        assert e["title"] == edited.new[pid]["title"] and e["version"] == 2
        assert e["run_id"] == second["run_id"]
        assert second["started_at"].replace(microsecond=0) <= dt.datetime.fromisoformat(e["seen_at"]) <= second["finished_at"]
    table = run_cli("changes", "--archive", str(edited.archive))
    lines = table.stdout.splitlines()
    assert lines[0].split()[:6] == ["change", "version", "url", "fields", "seen", "(UTC)"]
    for pid in EXPECTED:
        row = next(line for line in lines if f"{edited.url(pid)} " in line)
        assert row.endswith(edited.new[pid]["title"]) and EXPECTED[pid] in row


def _diff(capsys: pytest.CaptureFixture[str], edited: Edited, post_id: int, *extra: str) -> str:
    """`ncmes-archive diff` run in this process (the command line's own code, output
    captured, so not a terminal): one interpreter start instead of one per call."""
    assert main(["diff", edited.url(post_id), "--archive", str(edited.archive), *extra]) == 0
    return capsys.readouterr().out


def test_diff_shows_each_changed_field_and_its_new_value(
    edited: Edited, capsys: pytest.CaptureFixture[str]
) -> None:
    headings = {}
    for pid, name in EXPECTED.items():
        text = _diff(capsys, edited, pid)
        headings[pid] = [line for line in text.splitlines() if line.startswith("## ")]
        assert f"# changed: {name}" in text
        assert "no differences" not in text and "\x1b[" not in text  # not a terminal: no colour
    assert all(len(h) == 1 for h in headings.values()), headings
    # One word in a long paragraph: that word, and nothing else, marked on the line.
    body = _diff(capsys, edited, BODY)
    changed = [line for line in body.splitlines() if line.startswith("~")]
    assert len(changed) == 1 and len(changed[0]) > 300
    assert re.findall(r"\[-(.*?)-\]|\{\+(.*?)\+\}", changed[0]) == [(edited.old_word, ""), ("", NEW_WORD)]
    assert f"[-{edited.old_word}-]{{+{NEW_WORD}+}}" in changed[0]
    note = _diff(capsys, edited, NOTE)
    assert f"[-{edited.old_url}-]{{+{NEW_URL}+}}" in note
    assert f"<[-{edited.old_url}-]{{+{NEW_URL}+}}>" in note  # the URL list, not only the text
    assert f"\n+{NEW_AUTHOR_NAME}\n" in _diff(capsys, edited, AUTHORS)
    assert f"\n+{NEW_SECTION}\n" in _diff(capsys, edited, SECTIONS)
    date = _diff(capsys, edited, DATE)
    assert f"\n-{edited.old[DATE]['published']}\n+{edited.new[DATE]['published']}\n" in date
    coloured = _diff(capsys, edited, BODY, "--color", "always")
    assert f"\x1b[31m{edited.old_word}\x1b[0m\x1b[32m{NEW_WORD}\x1b[0m" in coloured
    assert "[-" not in coloured
    # The console script itself, its output a pipe: the same text.
    result = run_cli("diff", edited.url(BODY), "--archive", str(edited.archive))
    assert result.returncode == 0 and result.stdout == body


def test_diff_on_a_terminal_is_in_colour_unless_no_color(edited: Edited) -> None:
    def on_a_terminal(env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "diff", edited.url(BODY), "--archive", str(edited.archive)],
            stdout=follower, stderr=subprocess.DEVNULL, cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore", **env},
        )
        os.close(follower)
        chunks = []
        try:  # read while it writes: a terminal's buffer is small
            while chunk := os.read(leader, 65536):
                chunks.append(chunk)
        except OSError:  # EIO: the program closed the terminal and all was read
            pass
        finally:
            os.close(leader)
        assert proc.wait(timeout=120) == 0
        return b"".join(chunks).decode("utf-8")

    coloured = on_a_terminal({"NO_COLOR": ""})  # empty: not set
    assert f"\x1b[31m{edited.old_word}\x1b[0m\x1b[32m{NEW_WORD}\x1b[0m" in coloured
    assert "\x1b[31m" not in on_a_terminal({"NO_COLOR": "1"})


@pytest.fixture(scope="module")
def report_dir(edited: Edited, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report"
    result = run_cli("report", "--archive", str(edited.archive), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "5 changed" in result.stdout
    return out


def _page(report_dir: Path, index: lxml.html.HtmlElement, post_id: int, base: str) -> tuple[Path, lxml.html.HtmlElement]:
    link = next(
        li.xpath(".//h2/a/@href")[0]
        for li in index.xpath("//li[contains(@class, 'event')]")
        if f"{base}/{post_id}" in li.xpath(".//p[@class='links']/a/@href")
    )
    path = report_dir / link.split("#")[0]
    return path, lxml.html.fromstring(path.read_text(encoding="utf-8"))


def test_report_holds_every_change_word_by_word(edited: Edited, report_dir: Path) -> None:
    index = lxml.html.fromstring((report_dir / "index.html").read_text(encoding="utf-8"))
    html = index.getroottree().getroot()
    assert html.get("lang") == "ar" and html.get("dir") == "rtl"
    assert index.xpath("//meta[@name='viewport']")
    assert not index.xpath("//script") and "http" not in "".join(index.xpath("//link/@href"))
    items = index.xpath("//li[contains(@class, 'event')]")
    assert len(items) == len(EXPECTED)
    for pid, name in EXPECTED.items():
        item = next(li for li in items if edited.url(pid) in li.xpath(".//a/@href"))
        assert item.xpath("string(.//h2)").strip() == edited.new[pid]["title"]
        assert item.xpath(f".//dd[@class='fields']/span/code[text()='{name}']")
        path, page = _page(report_dir, index, pid, edited.base)
        fields = page.xpath("//section[contains(@class, 'field')]")
        assert [f.get("class") for f in fields] == [f"field field-{name}"]
        ins = [e.text_content() for e in page.xpath("//section[@id='v2']//ins")]
        dels = [e.text_content() for e in page.xpath("//section[@id='v2']//del")]
        assert ins and all(len(t) < 80 for t in ins + dels), (name, ins, dels)  # words, not paragraphs
        # The version history: both versions, dated, each with its raw capture.
        rows = page.xpath("//section[@class='history']//tbody/tr")
        assert [r.get("id") for r in rows] == ["history-v2", "history-v1"]
        for row in rows:
            href = row.xpath(".//a[@class='capture']/@href")[0]
            offset = int(row.xpath("string(.//span[@class='offset'])").lstrip("@"))
            warc = (path.parent / unquote(href)).resolve()
            with open(warc, "rb") as fh:
                fh.seek(offset)
                record = next(iter(ArchiveIterator(fh)))
                assert record.rec_type == "response"
                assert record.rec_headers.get_header("WARC-Target-URI").rstrip("/") == edited.url(pid)
        assert edited.url(pid) in page.xpath("//article//p[@class='links']/a/@href")
    _, body = _page(report_dir, index, BODY, edited.base)
    assert [e.text_content() for e in body.xpath("//del")] == [edited.old_word]
    assert [e.text_content() for e in body.xpath("//ins")] == [NEW_WORD]
    _, note = _page(report_dir, index, NOTE, edited.base)
    assert NEW_URL in [e.text_content() for e in note.xpath("//ins")]
    assert edited.old_url in [e.text_content() for e in note.xpath("//del")]
    for pid, value in ((AUTHORS, NEW_AUTHOR_NAME), (SECTIONS, NEW_SECTION), (DATE, edited.new[DATE]["published"])):
        _, page = _page(report_dir, index, pid, edited.base)
        assert value in [e.text_content() for e in page.xpath("//section[@id='v2']//ins")]


def test_the_feed_is_atom_listing_every_change(edited: Edited, report_dir: Path) -> None:
    feed = ET.parse(report_dir / "changes.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert {e.find(f"{ATOM}link[@rel='alternate']").get("href") for e in entries} == {
        edited.url(pid) for pid in EXPECTED
    }
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries) == len(EXPECTED)
    for entry in entries:
        dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        page = entry.find(f"{ATOM}link[@rel='related']").get("href").split("#")[0]
        assert (report_dir / page).is_file()
        content = lxml.html.fromstring(entry.findtext(f"{ATOM}content"))
        assert content.xpath("//ins")


def test_report_refuses_a_folder_it_did_not_write_and_replaces_its_own(
    edited: Edited, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def report_cli(out: Path, *extra: str) -> int:
        return main(["report", "--archive", str(edited.archive), "--out", str(out), *extra])

    (tmp_path / "notes.txt").write_text("mine")
    assert report_cli(tmp_path) == 2  # a usage error, as export answers it
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
    out = tmp_path / "r"
    assert report_cli(out) == 0
    assert report_cli(out, "--run", edited.runs[0]["run_id"]) == 0
    index = lxml.html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert len(index.xpath("//li[contains(@class, 'added')]")) == len(edited.old)
    assert not list((out / "articles").iterdir())  # the earlier report's pages are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "r"]  # no temporary left
    capsys.readouterr()
    assert report_cli(out, "--run", "nope") == 2  # an unknown run is a usage error, as an unknown export filter is
    assert "no run nope" in capsys.readouterr().err


# -- English edition, untrusted titles ------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture(scope="module")
def mixed_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive with an Arabic and an English article, each edited once."""
    root = tmp_path_factory.mktemp("mixed")
    archive = Archive(root)
    t0 = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
    english = {"url": "https://en.ncmes.org/812", "post_id": 812, "language": "en",
               "title": "Turkey and the United States: a cautious reset",
               "body": "Ankara and Washington met again in September [1].\nThe talks covered defence.",
               "sections": ["Studies"], "authors": ["Hala El-Sherif"], "series": None}
    archive.begin_run("https://ncmes.org", "incremental", started_at=t0)
    archive.record_article(article_record(1, language="ar"), fetched_at=t0)
    archive.record_article(article_record(2, **english), fetched_at=t0)
    archive.finish_run(True, {})
    t1 = t0 + dt.timedelta(days=7)
    archive.begin_run("https://ncmes.org", "incremental", started_at=t1)
    archive.record_article(article_record(1, language="ar", title=HOSTILE), fetched_at=t1)
    archive.record_article(
        article_record(2, **{**english, "body": english["body"].replace("defence", "trade")}), fetched_at=t1
    )
    archive.finish_run(True, {})
    out = root / "report"
    report(Archive(root, create=False), out)
    return out


def test_english_articles_are_left_to_right_and_titles_are_escaped(mixed_report: Path) -> None:
    raw = (mixed_report / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    index = lxml.html.fromstring(raw)
    titles = {h.text_content().strip(): h for h in index.xpath("//li//h2")}
    assert titles[HOSTILE].get("dir") is None  # Arabic: the page's right to left
    english = titles["Turkey and the United States: a cautious reset"]
    assert (english.get("lang"), english.get("dir")) == ("en", "ltr")
    page_path = mixed_report / english.xpath(".//a/@href")[0].split("#")[0]
    page = lxml.html.fromstring(page_path.read_text(encoding="utf-8"))
    article = page.xpath("//article")[0]
    assert (article.get("lang"), article.get("dir")) == ("en", "ltr")
    assert [d.text_content() for d in page.xpath("//del")] == ["defence"]
    assert [i.text_content() for i in page.xpath("//ins")] == ["trade"]
    ET.parse(mixed_report / "changes.xml")  # the hostile title is escaped in the feed too


# -- a real browser -------------------------------------------------------------------------


def test_the_report_renders_right_to_left_in_chromium(
    browser: Chromium, edited: Edited, report_dir: Path, tmp_path: Path
) -> None:
    index_path = report_dir / "index.html"
    index = lxml.html.fromstring(index_path.read_text(encoding="utf-8"))
    body_page, _ = _page(report_dir, index, BODY, edited.base)
    for name, path in (("index", index_path), ("article", body_page)):
        page = browser.open(path.as_uri(), width=390, height=844, mobile=True)  # a phone
        assert page.errors == [], page.errors
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
        assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # style.css applied
        # Readable on a phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        keep(page.screenshot(tmp_path / f"report-{name}.png"))
    marks = page.evaluate(
        "[...document.querySelectorAll('del, ins')].map(e => [e.tagName, e.textContent,"
        " getComputedStyle(e).textDecorationLine])"
    )
    assert marks == [["DEL", edited.old_word, "line-through"], ["INS", NEW_WORD, "underline"]]


def test_an_english_page_renders_left_to_right_in_chromium(
    browser: Chromium, mixed_report: Path, tmp_path: Path
) -> None:
    index = lxml.html.fromstring((mixed_report / "index.html").read_text(encoding="utf-8"))
    href = index.xpath("//li//h2[@lang='en']/a/@href")[0].split("#")[0]
    page = browser.open((mixed_report / href).as_uri(), width=390, height=844, mobile=True)
    assert page.errors == [], page.errors
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('article h1')).direction") == "ltr"
    keep(page.screenshot(tmp_path / "report-article-en.png"))
    # The untrusted title is text on the index, not markup.
    index_page = browser.open((mixed_report / "index.html").as_uri())
    assert index_page.errors == [], index_page.errors
    assert index_page.evaluate("document.querySelectorAll('script, li h2 b').length") == 0
    titles = index_page.evaluate("[...document.querySelectorAll('li h2')].map(h => h.textContent.trim())")
    assert HOSTILE in titles


def test_the_report_lists_every_article_with_relative_links(
    browser: Chromium, edited: Edited, report_dir: Path, tmp_path: Path
) -> None:
    # Moved elsewhere with the archive beside it: every link still resolves.
    moved = tmp_path / "moved"
    common = Path(os.path.commonpath([edited.archive, report_dir]))
    for folder in (edited.archive, report_dir):
        shutil.copytree(folder, moved / folder.relative_to(common))
    report = moved / report_dir.relative_to(common)
    index = lxml.html.fromstring((report / "index.html").read_text(encoding="utf-8"))
    assert index.xpath("//a[@class='all']/@href") == ["articles.html"]
    page = lxml.html.fromstring((report / "articles.html").read_text(encoding="utf-8"))
    rows = page.xpath("//table[@class='all-articles']/tbody/tr")
    archive = Archive(edited.archive, create=False)
    assert len(rows) == len(archive.read_articles())
    listed = {row.xpath(".//a[@class='original']/@href")[0]: row for row in rows}
    assert set(listed) == set(archive.read_articles()["url"].to_pylist())
    for post_id in EXPECTED:  # the changed articles link to their pages
        href = listed[edited.url(post_id)].xpath(".//a[@class='page']/@href")[0]
        assert (report / href).is_file()
    for href in page.xpath("//a/@href"):
        if not href.startswith("http"):
            assert not href.startswith(("/", "file:")) and str(ROOT) not in href
            assert (report / unquote(href)).exists(), href
    shown = browser.open((report / "articles.html").as_uri(), width=390, height=844, mobile=True)
    assert shown.errors == [], shown.errors
    assert shown.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
    assert shown.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    keep(shown.screenshot(tmp_path / "report-all-articles.png"))
