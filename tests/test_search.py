"""Search, show and history on a crawled archive of the served snapshot, one article edited
and crawled again: every spelling of a word finds exactly the articles that hold it, a word
only an older version held is found with --all-versions and named by its version, and the
index is updated, rebuilt and read as the archive changes."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.archive.writer import Archive
from crawler.demo.content import SEED_ID
from crawler.demo.server import serve
from crawler.demo.site import DemoSite
from crawler.search import index as search_index
from crawler.search.analysis import WORD_RE, normalize, stem
from crawler.search.index import INDEX_FILE, notes_text, open_for_reading
from crawler.search.query import Filters, parse, search
from tests.chromium import Chromium
from tests.conftest import crawl, free_port, run_cli
from tests.readonly import read_only_argv, require_read_only_mount

ARABIC_WORD = re.compile(r"^[\u0621-\u064a]{5,}$")
NEW_WORD = "المستجدة"


@dataclass
class Crawled:
    archive: Path
    base: str
    edited_url: str
    old_word: str  # only version 1 of edited_url held it
    removed_url: str  # answered 404 in the second crawl


def _texts(archive: Archive, current_only: bool = True) -> dict[tuple[str, int], str]:
    table = archive.read_versions(columns=["title", "body", "footnotes"]).to_pylist()
    latest: dict[str, int] = {}
    for row in table:
        latest[row["url"]] = max(latest.get(row["url"], 0), row["version"])
    return {
        (row["url"], row["version"]): "\n".join([row["title"], row["body"], notes_text(row["footnotes"])])
        for row in table if not current_only or row["version"] == latest[row["url"]]
    }


def _stem_index(texts: dict[tuple[str, int], str]) -> dict[str, set[str]]:
    """Brute force, no index: each stem and the articles whose text holds it."""
    out: dict[str, set[str]] = defaultdict(set)
    for (url, _), text in texts.items():
        for word in WORD_RE.findall(normalize(text)):
            out[stem(word)].add(url)
    return out


def _plain_paragraphs(site: DemoSite, post_id: int) -> list[tuple[int, str]]:
    paragraphs = [b for b in site.article(post_id).blocks if b[0] == "p"]
    return [(i, "".join(seg[1] for seg in inl)) for i, (_, inl) in enumerate(paragraphs)
            if all(seg[0] == "t" for seg in inl)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    site = DemoSite()
    archive = tmp_path_factory.mktemp("archive")
    with serve(site) as server:
        first = crawl(server, archive)
        assert first.returncode == 0, first.stderr
        url = f"{server.url}/{SEED_ID}"
        texts = _texts(Archive(archive, create=False))
        stems = _stem_index(texts)
        own = [stem(w) for w in WORD_RE.findall(normalize(texts[(url, 1)]))]
        # A word of the seed article that no other article holds (by its stem): the edit
        # takes it out, so that only version 1 holds it.
        for index, text in _plain_paragraphs(site, SEED_ID):
            tokens = text.split(" ")
            picks = [w for w in tokens if ARABIC_WORD.match(w) and stems[stem(normalize(w))] == {url}
                     and own.count(stem(normalize(w))) == 1]
            if picks:
                old = picks[0]
                site.edit_article(SEED_ID, body_paragraph=(index, text.replace(old, NEW_WORD)))
                break
        else:
            raise AssertionError("the seed article holds no word of its own")
        removed = next(pid for pid in site.post_ids if pid != SEED_ID)
        site.remove_article(removed)
        second = crawl(server, archive)
        assert second.returncode == 0, second.stderr
    with serve(DemoSite(edition="en")) as english:
        third = crawl(english, archive, "--add-site")  # the second edition, beside the first
        assert third.returncode == 0, third.stderr
    # Each crawl indexed the versions it added as it ended (no search has run yet).
    with sqlite3.connect(archive / INDEX_FILE) as conn:
        assert conn.execute("SELECT count(*) FROM docs").fetchone()[0] == Archive(archive, create=False).count_versions()
    yield Crawled(archive, server.url, url, old, f"{server.url}/{removed}")


def variants(word: str) -> list[str]:
    """The word as written and in each spelling the issue lists."""
    out = [word]
    out.append(word[0] + "\u064e" + word[1] + "\u0651\u0650" + word[2:])  # diacritics
    out.append(word[:2] + "\u0640\u0640" + word[2:])  # tatweel
    swaps = {"ا": "أ", "أ": "ا", "إ": "ا", "آ": "ا"}
    for i, ch in enumerate(word):
        if ch in swaps:
            out.append(word[:i] + swaps[ch] + word[i + 1:])
            if ch == "ا" and i == (2 if word.startswith("ال") else 0):
                out.append(word[:i] + "إ" + word[i + 1:])
    if word.endswith("ة"):
        out.append(word[:-1] + "ه")
    if word.endswith("ه"):
        out.append(word[:-1] + "ة")
    if word.endswith("ى"):
        out.append(word[:-1] + "ي")
    if word.endswith("ي"):
        out.append(word[:-1] + "ى")
    out.append(word[1:] if word.startswith("و") else "و" + word)
    if word.startswith("ال") and len(word) > 5:
        out.append(word[2:])
    elif not word.startswith("و"):  # ال goes on the word, never before its و
        out.append("ال" + word)
    return list(dict.fromkeys(out))


def _pick_words(texts: dict[tuple[str, int], str], stems: dict[str, set[str]], articles: int) -> list[str]:
    """Words of the archive, between two articles and half of them, one of each kind the
    variants exercise (ة and ى endings, hamza on alef, the article ال), and a few more."""
    counts: dict[str, int] = defaultdict(int)
    for text in texts.values():
        for token in text.split():
            token = token.strip("«»()[]،.:؛\"'!؟")
            if ARABIC_WORD.match(token) and 2 <= len(stems[stem(normalize(token))]) <= articles // 2:
                counts[token] += 1
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    kinds = [lambda w: w.endswith("ة"), lambda w: w.endswith("ى"), lambda w: "أ" in w or "إ" in w,
             lambda w: w.startswith("ال"), lambda w: w.startswith("ا") and not w.startswith("ال"),
             lambda w: not w.startswith("ال")]
    picked = []
    for kind in kinds:
        picked += [w for w in ordered if kind(w) and w not in picked][:2]
    return picked


def test_every_spelling_finds_exactly_the_articles_holding_the_word(crawled: Crawled) -> None:
    archive = Archive(crawled.archive, create=False)
    texts = _texts(archive)
    stems = _stem_index(texts)
    words = _pick_words(texts, stems, len(texts))
    assert len(words) >= 8, words
    surface = {url: set(normalize(text).split()) for (url, _), text in texts.items()}
    asked = 0
    with open_for_reading(archive) as conn:
        for word in words:
            expected = stems[stem(normalize(word))]
            # Every article holding the word as written is among them.
            assert {url for url, toks in surface.items() if normalize(word) in toks} <= expected
            for form in variants(word):
                found = {hit.url for hit in search(conn, parse(form), limit=1000)}
                assert found == expected, (word, form, sorted(found ^ expected))
                asked += 1
    assert asked >= 8 * 6


def test_a_word_only_an_older_version_held(crawled: Crawled) -> None:
    old = run_cli("search", crawled.old_word, "--archive", str(crawled.archive), "--json")
    assert old.returncode == 0, old.stderr
    assert json.loads(old.stdout) == []
    everything = run_cli("search", crawled.old_word, "--archive", str(crawled.archive), "--json", "--all-versions")
    hits = json.loads(everything.stdout)
    assert [(h["url"], h["version"], h["current"], h["latest_version"]) for h in hits] == [
        (crawled.edited_url, 1, False, 2)
    ]
    assert f"**{crawled.old_word}**" in hits[0]["snippet"]
    text = run_cli("search", crawled.old_word, "--archive", str(crawled.archive), "--all-versions")
    assert "version 1 (an earlier version; the latest is 2)" in text.stdout
    new = run_cli("search", "مستجده", "--archive", str(crawled.archive), "--json")
    assert crawled.edited_url in {(h["url"]) for h in json.loads(new.stdout) if h["version"] == 2}


def test_search_json_fields_filters_and_phrases(crawled: Crawled) -> None:
    archive = Archive(crawled.archive, create=False)
    rows = {r["url"]: r for r in archive.read_articles().to_pylist()}
    result = run_cli("search", "الأمن", "--archive", str(crawled.archive), "--json", "--limit", "5")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert 0 < len(hits) <= 5
    for hit in hits:
        assert set(hit) >= {"url", "post_id", "version", "title", "published", "sections", "snippet", "score"}
        row = rows[hit["url"]]
        assert (hit["title"], hit["post_id"], hit["version"]) == (row["title"], row["post_id"], row["version"])
        assert "**" in hit["snippet"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    with open_for_reading(archive) as conn:
        section = rows[hits[0]["url"]]["sections"][0]
        only = search(conn, parse("الأمن"), Filters(section=section), limit=1000)
        assert only and all(section in h.sections for h in only)
        since = search(conn, parse("الأمن"), Filters(since=__import__("datetime").date(2025, 6, 1)), limit=1000)
        assert since and all(h.published >= "2025-06-01" for h in since)
        # English words match their inflections, in the English edition only when asked.
        english = search(conn, parse("negotiations"), Filters(language="en"), limit=1000)
        assert english and all(h.language == "en" for h in english)
        for hit in english:
            text = _texts(archive)[(hit.url, hit.version)].lower()
            assert re.search(r"\bnegotiat(e|es|ed|ing|ion|ions)\b", text), hit.url
        # A phrase is exact: its words in order, adjacent.
        phrase = search(conn, parse('"الشرق الأوسط"'), limit=1000)
        loose = search(conn, parse("الأوسط الشرق"), limit=1000)
        assert phrase and {h.url for h in phrase} <= {h.url for h in loose}
        for hit in phrase:
            text = normalize(_texts(archive)[(hit.url, hit.version)])
            assert "الشرق الاوسط" in " ".join(WORD_RE.findall(text))
    unknown = run_cli("search", "الأمن", "--archive", str(crawled.archive), "--section", "لا يوجد")
    assert unknown.returncode == 2 and unknown.stderr.startswith("ncmes-archive: error: no section")
    empty = run_cli("search", '"" ،', "--archive", str(crawled.archive))
    assert empty.returncode == 2 and "no word" in empty.stderr


def test_show_and_history(crawled: Crawled) -> None:
    pid = crawled.edited_url.rsplit("/", 1)[1]
    hist = run_cli("history", pid, "--archive", str(crawled.archive), "--json")
    assert hist.returncode == 0, hist.stderr
    rows = json.loads(hist.stdout)
    assert [(r["version"], r["changed"]) for r in rows] == [(1, ["added"]), (2, ["body"])]
    table = run_cli("history", crawled.edited_url, "--archive", str(crawled.archive))
    assert table.stdout.splitlines()[0] == crawled.edited_url and table.stdout.splitlines()[-1].endswith("body")
    v1 = json.loads(run_cli("show", pid, "--version", "1", "--archive", str(crawled.archive), "--json").stdout)
    latest = json.loads(run_cli("show", crawled.edited_url, "--archive", str(crawled.archive), "--json").stdout)
    assert (v1["version"], latest["version"], latest["versions"], latest["status"]) == (1, 2, 2, "live")
    assert crawled.old_word in v1["body"] and crawled.old_word not in latest["body"]
    assert NEW_WORD in latest["body"]
    shown = run_cli("show", pid, "--archive", str(crawled.archive))
    assert shown.returncode == 0 and "version:        2 of 2" in shown.stdout and NEW_WORD in shown.stdout
    missing = run_cli("show", pid, "--version", "9", "--archive", str(crawled.archive))
    assert missing.returncode == 1 and "has no version 9 (versions: 1, 2)" in missing.stderr
    gone = run_cli("history", crawled.removed_url, "--archive", str(crawled.archive))
    assert gone.returncode == 0 and gone.stdout.splitlines()[-1].startswith("removed: the site stopped serving it")
    gone = json.loads(run_cli("show", crawled.removed_url, "--archive", str(crawled.archive), "--json").stdout)
    assert gone["status"] == "removed"
    nothing = run_cli("history", "999999", "--archive", str(crawled.archive))
    assert nothing.returncode == 1 and nothing.stderr.startswith("ncmes-archive: no article")


def test_the_index_is_kept_in_step_and_rebuilt(crawled: Crawled, tmp_path: Path) -> None:
    path = crawled.archive / INDEX_FILE
    archive = Archive(crawled.archive, create=False)
    with sqlite3.connect(path) as conn:
        # The crawls indexed every version as they ended: two runs, one edit.
        assert conn.execute("SELECT count(*) FROM docs").fetchone()[0] == archive.count_versions()
        assert conn.execute("SELECT count(*) FROM docs WHERE current = 1").fetchone()[0] == len(archive.read_articles())
    # Missing: rebuilt by the next search. Damaged: likewise.
    copy = tmp_path / "archive"
    shutil.copytree(crawled.archive, copy)
    (copy / INDEX_FILE).unlink()
    assert json.loads(run_cli("search", NEW_WORD, "--archive", str(copy), "--json").stdout)
    assert (copy / INDEX_FILE).exists()
    (copy / INDEX_FILE).write_bytes(b"not a database" * 100)
    assert json.loads(run_cli("search", NEW_WORD, "--archive", str(copy), "--json").stdout)
    with sqlite3.connect(copy / INDEX_FILE) as conn:
        assert conn.execute("SELECT count(*) FROM docs").fetchone()[0] == archive.count_versions()
    # Stale (a version the index lacks): only that version is added.
    with sqlite3.connect(copy / INDEX_FILE) as conn:
        conn.execute("DELETE FROM docs WHERE url = ? AND version = 2", (crawled.edited_url,))
    done = search_index.update(Archive(copy, create=False))
    assert (done.added, done.rebuilt) == (1, False)
    # A version the archive does not hold (another archive's index): rebuilt.
    with sqlite3.connect(copy / INDEX_FILE) as conn:
        conn.execute("INSERT INTO docs (url, version, title, sections, authors) VALUES ('https://x.org/1', 1, '', '[]', '[]')")
    done = search_index.update(Archive(copy, create=False))
    assert done.rebuilt and done.total == archive.count_versions()


# -- export --format sqlite and browse ---------------------------------------------------


def test_sqlite_export_holds_the_tables_and_the_same_search(crawled: Crawled, tmp_path: Path) -> None:
    out = tmp_path / "ncmes.sqlite"
    done = run_cli("export", "--archive", str(crawled.archive), "--out", str(out))
    assert done.returncode == 0, done.stderr
    archive = Archive(crawled.archive, create=False)
    live = [r for r in archive.read_articles().to_pylist() if r["status"] == "live"]
    assert done.stdout.strip() == f"wrote {out} ({len(live)} rows) and its data card {out}.README.md"
    db = sqlite3.connect(out)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(live)
    # Live articles only (as every export by default): the removed one's version is left out.
    gone = len(archive.read_versions(crawled.removed_url))
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == archive.count_versions() - gone
    row = db.execute("SELECT sections, published, year FROM articles WHERE url = ?", (crawled.edited_url,)).fetchone()
    article = next(r for r in live if r["url"] == crawled.edited_url)
    assert json.loads(row[0]) == article["sections"] and row[1] == article["published"].isoformat()
    assert row[2] == article["published"].year
    assert db.execute("SELECT changed FROM versions WHERE url = ? AND version = 2",
                      (crawled.edited_url,)).fetchone()[0] == '["body"]'
    assert db.execute("SELECT count(*) FROM citations").fetchone()[0] > 0
    card = (tmp_path / "ncmes.sqlite.README.md").read_text(encoding="utf-8")
    assert "## Searching it" in card and "## Loading it" in card and "ATTACH" in card
    assert db.execute("SELECT markdown FROM card").fetchone()[0] == card
    # The same query finds the same articles in the export as in the archive.
    for query in ("السياسة", "الأمن الإقليمي", crawled.old_word):
        with open_for_reading(archive) as conn:
            expected = [h.url for h in search(conn, parse(query), limit=1000, all_versions=True)
                        if h.url != crawled.removed_url]
        assert [h.url for h in search(db, parse(query), limit=1000, all_versions=True)] == expected
    db.close()
    # Every version (removed articles too, as `browse` exports): the index holds each of them,
    # its current flags, and answers as the archive's does, snippets included.
    whole = tmp_path / "whole.sqlite"
    done = run_cli("export", "--archive", str(crawled.archive), "--out", str(whole), "--include-removed")
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(whole)
    versions = archive.read_versions(columns=["version"])
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == len(versions)
    assert sorted(db.execute("SELECT url, version FROM docs")) == sorted(
        zip(versions["url"].to_pylist(), versions["version"].to_pylist(), strict=True))
    assert db.execute("SELECT count(*) FROM docs WHERE current = 1").fetchone()[0] == len(archive.read_articles())
    assert db.execute("SELECT count(*) FROM texts").fetchone()[0] == len(archive.read_articles())
    for query in ("السياسة", "الأمن الإقليمي", crawled.old_word):
        with open_for_reading(archive) as conn:
            expected = [h.as_json() for h in search(conn, parse(query), limit=1000, all_versions=True)]
        assert expected and [h.as_json() for h in search(db, parse(query), limit=1000, all_versions=True)] == expected
    db.close()
    bad = run_cli("export", "--archive", str(crawled.archive), "--out", str(tmp_path / "folder"), "--format", "sqlite")
    assert bad.returncode == 2 and "one file, ending in .sqlite" in bad.stderr
    # The other SQLite suffix the export accepts, .db, is counted as a database too.
    db_out = tmp_path / "ncmes.db"
    done = run_cli("export", "--archive", str(crawled.archive), "--out", str(db_out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {db_out} ({len(live)} rows) and its data card {db_out}.README.md"


@pytest.fixture(scope="module")
def browsing(crawled: Crawled) -> Iterator[str]:
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "browse", "--archive", str(crawled.archive), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"browse did not start: {proc.communicate()[1]}") from None
            time.sleep(0.2)
    try:
        yield base
        busy = run_cli("browse", "--archive", str(crawled.archive), "--port", str(port))
        assert busy.returncode == 1
        assert busy.stderr.strip() == f"ncmes-archive: cannot serve on 127.0.0.1:{port} (Address already in use); try --port N"
    finally:
        proc.send_signal(__import__("signal").SIGINT)
        out, err = proc.communicate(timeout=30)
    # Ctrl-C stops it quietly: the line it started with, one line saying it stopped, and no traceback.
    assert proc.returncode == 0, err
    assert err.strip().splitlines() == [f"browsing {crawled.archive} at {base}/ (Ctrl-C to stop)",
                                        "ncmes-archive: browse stopped"]


def test_browse_in_chromium(crawled: Crawled, browsing: str, browser: Chromium) -> None:
    from urllib.parse import urlencode

    home = browser.open(browsing + "/")
    assert home.evaluate("document.querySelector('h1').textContent").startswith("NCMES articles")
    assert home.evaluate("[...document.querySelectorAll('h2')].some(h => h.textContent === 'At a glance')")
    assert home.errors == []

    table = browser.open(browsing + "/ncmes/articles")
    facets = table.evaluate("[...document.querySelectorAll('.facet-info')].map(f => f.dataset.column)")
    assert {"sections", "year", "authors", "language", "status"} <= set(facets)
    directions = table.evaluate(
        "[...document.querySelectorAll('td.col-title div')].map(d => getComputedStyle(d).direction)")
    assert directions and set(directions) <= {"rtl", "ltr"} and "rtl" in directions
    assert table.errors == []

    page = browser.open(browsing + "/-/article?" + urlencode({"url": crawled.edited_url}))
    assert page.evaluate("getComputedStyle(document.querySelector('article')).direction") == "rtl"
    # Right aligned, as right-to-left text starts (Datasette's own style aligns left).
    assert page.evaluate("getComputedStyle(document.querySelector('article .text p')).textAlign") == "start"
    # The shortest line's words sit against the right edge.
    assert page.evaluate(
        "(() => { const p = [...document.querySelectorAll('article .text p')]"
        ".sort((x, y) => x.textContent.length - y.textContent.length)[0];"
        " const r = document.createRange(); r.selectNodeContents(p); const t = r.getBoundingClientRect();"
        " const a = p.getBoundingClientRect(); return a.right - t.right < 2 && t.left - a.left > 100; })()")
    assert page.evaluate("document.querySelectorAll('.versions tbody tr').length") == 2
    diff_href = page.evaluate("document.querySelector('a.diff').href")
    assert page.evaluate("document.querySelector('a.replay').href").startswith("http://127.0.0.1:8090/ncmes/")
    assert page.errors == []
    diff = browser.open(diff_href)
    assert diff.evaluate("[...document.querySelectorAll('del')].map(d => d.textContent).join(' ')").strip() \
        == crawled.old_word
    assert NEW_WORD in diff.evaluate("[...document.querySelectorAll('ins')].map(d => d.textContent).join(' ')")
    assert diff.errors == []

    # An Arabic search typed into the search box, spelt another way than the article has it.
    form = browser.open(browsing + "/ncmes/search")
    form.evaluate("document.querySelector('input[name=q]').focus()")
    form.call("Input.insertText", text="مُسْتجَده")
    for kind in ("keyDown", "keyUp"):
        form.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13,
                  **({"text": "\r"} if kind == "keyDown" else {}))
    browser._wait_event("Page.loadEventFired", form.session)
    urls = form.evaluate("[...document.querySelectorAll('td.col-url a')].map(a => a.textContent)")
    assert crawled.edited_url in urls
    marks = form.evaluate("[...document.querySelectorAll('td.col-passage mark')].map(m => m.textContent)")
    assert NEW_WORD in marks
    assert form.errors == []


def _read_only(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line with `folder` mounted read-only (a mount namespace of its own)."""
    return subprocess.run(
        read_only_argv(folder, [sys.executable, "-m", "crawler", *args]),
        capture_output=True, text=True, timeout=240, cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_a_read_only_archive_is_searched_without_writing(crawled: Crawled, tmp_path: Path) -> None:
    require_read_only_mount("searching a read-only archive")
    archive = tmp_path / "archive"
    shutil.copytree(crawled.archive, archive)
    (archive / INDEX_FILE).unlink()
    found = _read_only(tmp_path, "search", crawled.old_word, "--archive", str(archive), "--all-versions", "--json")
    assert found.returncode == 0, found.stderr
    assert [h["version"] for h in json.loads(found.stdout)] == [1]
    assert not (archive / INDEX_FILE).exists()
    # A stale index (a version missing): brought up to date in a temporary copy, left as it was.
    shutil.copy2(crawled.archive / INDEX_FILE, archive / INDEX_FILE)
    with sqlite3.connect(archive / INDEX_FILE) as conn:
        conn.execute("DELETE FROM docs WHERE url = ? AND version = 2", (crawled.edited_url,))
    before = (archive / INDEX_FILE).read_bytes()
    new = _read_only(tmp_path, "search", "مستجده", "--archive", str(archive), "--json")
    assert new.returncode == 0, new.stderr
    assert (crawled.edited_url, 2) in {(h["url"], h["version"]) for h in json.loads(new.stdout)}
    assert (archive / INDEX_FILE).read_bytes() == before
    shown = _read_only(tmp_path, "history", crawled.edited_url, "--archive", str(archive), "--json")
    assert shown.returncode == 0 and len(json.loads(shown.stdout)) == 2


def test_reextract_leaves_the_index_in_step(crawled: Crawled, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(crawled.archive, archive)
    (archive / INDEX_FILE).unlink()
    done = run_cli("reextract", "--archive", str(archive), "--workers", "0")
    assert done.returncode == 0, done.stderr
    assert "search index" not in done.stderr
    with sqlite3.connect(archive / INDEX_FILE) as conn:
        indexed = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    assert indexed == Archive(archive, create=False).count_versions()
