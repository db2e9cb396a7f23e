"""Never archive what is not the article: hostile answers after a good crawl, the identity verdict, the circuit breaker."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from crawler.demo import hostile
from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from crawler.health import Breaker, judge_run
from crawler.identity import (
    COLLAPSE_KEEP,
    COLLAPSE_MIN_WORDS,
    Known,
    PageIdentity,
    judge,
    page_looks_like,
    read_identity,
)
from crawler.redirects import refusal_of
from crawler.siteid import decide, same_site
from tests.chromium import Chromium
from tests.conftest import crawl

SITE = "http://127.0.0.1:8765"
QUICK = ["-s", "RETRY_BACKOFF_BASE=0.1", "-s", "RETRY_TIMES=1"]
# Every hostile run must end within this many seconds (the site answers at once; without
# the breaker, a Retry-After of 600 s held a run for minutes).
BOUND = 60.0


def _versions(archive: Path) -> list[dict]:
    return ds.dataset(archive / "versions", format="parquet").to_table(columns=["url", "version", "title"]).to_pylist()


def _articles(archive: Path) -> list[dict]:
    return pq.read_table(archive / "articles.parquet", columns=["url", "version", "status"]).to_pylist()


def _runs(archive: Path) -> list[dict]:
    return pq.read_table(archive / "runs.parquet").sort_by("started_at").to_pylist()


def _failures(archive: Path, run_id: str) -> list[dict]:
    return [r for r in pq.read_table(archive / "failures.parquet").to_pylist() if r["run_id"] == run_id]


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One good crawl of the demo, shared: each test copies its archive."""
    site = DemoSite()
    base = tmp_path_factory.mktemp("identity")
    with serve(site) as server:
        result = crawl(server, base / "good")
        assert result.returncode == 0, result.stderr
        yield {"site": site, "server": server, "archive": base / "good", "base": base}
        hostile.recover(site)


def _copy(first: dict, name: str) -> Path:
    archive = first["base"] / name
    shutil.copytree(first["archive"], archive)
    return archive


# Each hostile mode: (what the run's failures name, words the stderr's last line holds).
MODES = {
    "login": ("refused (login)", "a login wall"),
    "maintenance": ("refused (maintenance)", "a maintenance page"),
    "maintenance-503": ("refused (retry-after)", "Retry-After 600 s"),
    "challenge": ("refused (challenge)", "a bot challenge"),
    "challenge-403": ("refused (challenge)", "a bot challenge"),
    "parking": ("refused (parking)", "a parking page"),
    "stub": ("refused (suspect)", "a page that lost most of the article's text"),
    "home": ("refused (home)", "redirected to the home page"),
    "moved": ("refused (site-moved)", "crawl --site http://127.0.0.1:9 --add-site"),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_a_hostile_site_adds_no_version_removes_nothing_and_stops(first: dict, mode: str) -> None:
    site: DemoSite = first["site"]
    server: DemoServer = first["server"]
    archive = _copy(first, mode)
    before = {r["url"]: r for r in _articles(archive)}
    hostile.set_mode(site, mode, origin=server.url, target="http://127.0.0.1:9")
    try:
        started = time.monotonic()
        result = crawl(server, archive, "--full", *QUICK, timeout=BOUND * 2)
        elapsed = time.monotonic() - started
    finally:
        hostile.recover(site)
    assert elapsed < BOUND
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    recorded, said = MODES[mode]
    # Could not do its job: exit 1, one line naming what the site answered and an example.
    assert result.returncode == 1, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ncmes-archive: stopped early: ") and said in last and "e.g. http://127.0.0.1:" in last, last
    assert "nothing marked removed" in last
    # No new version, nothing removed.
    assert {r["url"]: r for r in _articles(archive)} == before
    assert all(v["version"] == 1 for v in _versions(archive))
    run = _runs(archive)[-1]
    assert not run["completed"] and run["articles_removed"] == 0 and run["articles_changed"] == 0
    # The answers are recorded as what they were, their raw captures kept in the WARC.
    failures = _failures(archive, run["run_id"])
    assert any(f["error"].startswith(recorded) for f in failures), failures[:3]
    warc = archive / "warc" / f"{run['run_id']}.warc.gz"
    refused = {f["url"].rstrip("/") for f in failures if f["error"].startswith(recorded)}
    bodies = _bodies(warc)
    assert refused and refused <= set(bodies), sorted(refused - set(bodies))[:3]  # every answer captured
    if mode == "login":  # each refused page as the site sent it
        assert all("يرجى تسجيل الدخول".encode() in bodies[url] for url in refused)
    # The site recovers: the next crawl changes nothing.
    again = crawl(server, archive, "--full")
    assert again.returncode == 0, again.stderr
    assert all(v["version"] == 1 for v in _versions(archive))
    assert {r["url"]: r["status"] for r in _articles(archive)} == {u: "live" for u in before}


def _bodies(path: Path) -> dict[str, bytes]:
    """The body of every response record of one WARC file, by URL (its coding undone)."""
    bodies = {}
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                # content_stream undoes the Content-Encoding the record keeps as sent.
                bodies[record.rec_headers.get_header("WARC-Target-URI").rstrip("/")] = record.content_stream().read()
    return bodies


def test_a_real_rewrite_with_identity_is_still_versioned(tmp_path: Path) -> None:
    site = DemoSite()  # its own: the shared one is not edited
    with serve(site) as server:
        _rewrite(site, server, tmp_path / "rewrite")


def _rewrite(site: DemoSite, server: DemoServer, archive: Path) -> None:
    assert crawl(server, archive).returncode == 0
    rewritten, shortened = site.post_ids[3], site.post_ids[4]
    site.edit_article(rewritten, title="عنوان جديد تماما للمقال بعد إعادة كتابته",
                      body_paragraph=(0, "فقرة أولى جديدة كليا كتبها المحرر من جديد."))
    # A rewrite that keeps one paragraph: most of the text is gone, but the page shows it
    # is the article (post id, canonical), so it is a version.
    article = site.article(shortened)
    kept = [b for b in article.blocks if b[0] == "p"][:1]
    site.edit_article(shortened, title=article.title)
    article.blocks[:] = kept
    result = crawl(server, archive, "--full")
    assert result.returncode == 0, result.stderr
    latest = {r["url"]: r["version"] for r in _articles(archive)}
    assert latest[f"{server.url}/{rewritten}"] == 2
    assert latest[f"{server.url}/{shortened}"] == 2
    assert sum(v == 2 for v in latest.values()) == 2


# Each page mode: what a reader sees first.
SHOWN = {
    "login": "يرجى تسجيل الدخول", "maintenance": "Under maintenance", "maintenance-503": "Under maintenance",
    "challenge": "Checking if the site connection is secure", "challenge-403": "Checking if the site connection is secure",
    "parking": "This domain is for sale",
}


def test_the_hostile_pages_are_what_a_browser_shows(browser: Chromium) -> None:
    """Each page a hostile mode serves at an article's URL, opened in Chromium: it shows what
    it claims, raises no script error, and names no post and no canonical URL."""
    site = DemoSite()
    post = site.post_ids[0]
    with serve(site) as server:
        for mode, shown in SHOWN.items():
            hostile.set_mode(site, mode)
            page = browser.open(f"{server.url}/{post}/")
            status = {"maintenance-503": 503, "challenge-403": 403}.get(mode)
            # A browser logs the HTTP status of an error page; nothing else may go wrong.
            assert [e for e in page.errors if not (status and f"status of {status}" in e)] == [], (mode, page.errors)
            assert shown in page.evaluate("document.body.innerText"), mode
            assert page.evaluate("document.querySelector('link[rel=canonical], meta[property=\"og:url\"]')") is None
            assert "postid-" not in page.evaluate("document.body.className")
            assert read_identity(page.evaluate("document.documentElement.outerHTML")).looks_like == mode.split("-")[0]
        hostile.recover(site)
        page = browser.open(f"{server.url}/{post}/")
        assert f"postid-{post}" in page.evaluate("document.body.className")


# ------------------------------------------------------------------------ the verdict


URL = f"{SITE}/4571"
FINE = PageIdentity(page_ids=(4571,), canonicals=(f"{SITE}/4571/",), title="مقال", words=900)


def test_the_articles_own_page_is_accepted_and_a_listing_or_home_is_not() -> None:
    site = DemoSite()
    post = site.post_ids[0]
    url = f"{SITE}/{post}"
    _, _, body = site.handle("GET", f"/{post}/", {"host": "127.0.0.1:8765"})
    page = read_identity(body.decode())
    assert post in page.page_ids and page.looks_like is None
    assert judge(url, SITE, page, final_url=url, known=Known(post, 800), words=800).identity == "strong"
    _, _, home = site.handle("GET", "/", {"host": "127.0.0.1:8765"})
    verdict = judge(url, SITE, read_identity(home.decode()), final_url=url, known=Known(post, 800), words=500)
    assert not verdict.accept and verdict.kind == "home"


@pytest.mark.parametrize(("mode", "kind"), [("login", "login"), ("maintenance", "maintenance"),
                                            ("challenge", "challenge"), ("parking", "parking")])
def test_what_a_hostile_page_looks_like(mode: str, kind: str) -> None:
    site = DemoSite()
    hostile.set_mode(site, mode)
    _, _, body = site.handle("GET", f"/{site.post_ids[0]}/", {"host": "127.0.0.1:8765"})
    page = read_identity(body.decode())
    assert page.looks_like == kind and not page.page_ids and not page.canonicals


def _looked_at_pages() -> list[tuple[str, str]]:
    """Every page a hostile mode serves at an article's URL, the demo's own pages (home,
    listings, articles of both editions) and the golden pages."""
    pages: list[tuple[str, str]] = []
    site = DemoSite()
    for mode in hostile.MODES:
        hostile.set_mode(site, mode, origin=SITE, target="http://127.0.0.1:9")
        pages.append((mode, site.handle("GET", f"/{site.post_ids[0]}/", {"host": "127.0.0.1:8765"})[2].decode()))
    for edition in ("ar", "en"):
        site = DemoSite(edition=edition)
        for path in ("/", "/page/2/", f"/{site.post_ids[0]}/", f"/{site.post_ids[-1]}/"):
            pages.append((f"{edition}{path}", site.handle("GET", path, {"host": "127.0.0.1:8765"})[2].decode()))
    golden = Path(__file__).parent / "fixtures" / "pages"
    pages += [(p.name, (p / "page.html").read_bytes().decode("utf-8", "replace")) for p in sorted(golden.iterdir()) if (p / "page.html").exists()]
    # A challenge's markup on a page that names its post; the words of a login wall past
    # the count up to which a page's look is read.
    pages.append(("challenge-marker-on-a-post", '<body class="single postid-7"><div class="g-recaptcha"></div>'
                  "<p>Just a moment</p></body>"))
    pages.append(("long-login-words", "<title>Log in</title><p>" + "password " * 399 + "</p>"))
    pages.append(("short-login-words", "<title>Log in</title><p>" + "password " * 398 + "</p>"))
    return pages


@pytest.mark.parametrize(("name", "page"), _looked_at_pages(), ids=lambda v: v if len(v) < 60 else "")
def test_what_an_error_page_looks_like_is_what_its_identity_says(name: str, page: str) -> None:
    """page_looks_like (an answer that is not 2xx) gives read_identity's looks_like."""
    assert page_looks_like(page) == read_identity(page).looks_like, name


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<title>Log in</title>", "<script>password</script>", "&amp;",
                                 "<!-- maintenance -->", "cf-turnstile", "<body class='postid-3'>", "Log in",
                                 "page not found", " ", "\n", "word ", "كلمة المرور", "<style>", "</style>"])))
def test_what_any_page_looks_like_is_what_its_identity_says(parts: list[str]) -> None:
    page = "".join(parts)
    assert page_looks_like(page) == read_identity(page).looks_like, page


def test_a_redirect_to_the_home_page_or_another_origin_is_not_followed() -> None:
    assert refusal_of("article", URL, f"{SITE}/", SITE)[0] == "home"
    assert refusal_of("article", URL, f"{SITE}/category/x/", SITE)[0] == "listing"
    assert refusal_of("article", URL, f"{SITE}/4571/", SITE) is None  # its other form
    assert refusal_of("article", URL, f"{SITE}/4600", SITE) is None  # the post moved
    assert refusal_of("home", SITE, "https://other.example/", SITE)[0] == "site-moved"
    assert refusal_of("home", "http://ncmes.org", "https://www.ncmes.org/", "http://ncmes.org") is None


def test_an_old_slug_redirect_to_the_articles_own_page_is_accepted() -> None:
    # A site whose post URLs are slugs: WordPress redirects an old slug to the new one, and the
    # page there shows the known post's id; a home page or a listing there is still refused.
    old, new = f"{SITE}/2020/05/old-slug", f"{SITE}/2020/05/new-slug"
    assert refusal_of("article", old, new, SITE) is None
    page = PageIdentity(page_ids=(77,), canonicals=(new,), title="مقال", words=900)
    verdict = judge(old, SITE, page, final_url=new, known=Known(77, 900), words=900)
    assert verdict.accept and verdict.identity == "strong"
    nothing = PageIdentity(title="الموقع", words=900)
    assert judge(old, SITE, nothing, final_url=new, known=Known(77, 900), words=900).kind == "listing"
    assert judge(old, SITE, nothing, final_url=f"{SITE}/", known=Known(77, 900), words=900).kind == "home"


_words = st.integers(min_value=0, max_value=5000)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def pages_without_identity(draw: st.DrawFn) -> tuple[PageIdentity, Known, int]:
    """A page that does not show the article's identity, for a known article, and what
    extraction made of it: either it shows another post, or it names nothing and lost most
    of the text, or it looks like a login/maintenance/challenge/parking/not-found page."""
    known = Known(4571, draw(st.integers(min_value=COLLAPSE_MIN_WORDS, max_value=20000)))
    other = draw(st.integers(min_value=1, max_value=10**6).filter(lambda i: i != 4571))
    how = draw(st.sampled_from(["other-id", "other-canonical", "collapsed", "looks"]))
    looks = draw(st.sampled_from(["login", "maintenance", "challenge", "parking", "not-found"]))
    canonical = draw(st.sampled_from(["", f"{SITE}/", f"{SITE}/{other}", f"{SITE}/category/x/", "https://else.example/4571"]))
    page = PageIdentity(
        page_ids=(other,) if how == "other-id" else (),
        article_ids=draw(st.lists(st.integers(min_value=1, max_value=10**6).filter(lambda i: i != 4571), max_size=3)),
        canonicals=((f"{SITE}/{other}",) if how == "other-canonical" else ((canonical,) if canonical else ())),
        title=draw(_text), words=draw(_words),
        hint=looks if how == "looks" else draw(st.sampled_from([None, looks])),
    )
    words = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=int(known.word_count * COLLAPSE_KEEP) - 1)
                           if how == "collapsed" else _words))
    return page, known, words


@settings(max_examples=400, deadline=None)
@given(pages_without_identity(), st.sampled_from([URL, f"{SITE}/{4571}", None]))
def test_no_page_without_the_articles_identity_becomes_a_version(case: tuple, final: str | None) -> None:
    page, known, words = case
    verdict = judge(URL, SITE, page, final_url=final, known=known, words=words)
    assert not verdict.accept, (page, words, verdict)


_word = st.sampled_from(["الموقع", "المركز", "دراسات", "الشرق", "الأوسط", "site", "news", "page", "مقال", "تحليل"])


@st.composite
def hostile_html(draw: st.DrawFn) -> str:
    """A whole HTML page answered at an article's URL that is not that article: a title and
    a few paragraphs, and maybe another post's id, a canonical URL elsewhere, a login form."""
    other = draw(st.integers(min_value=1, max_value=10**6).filter(lambda i: i != 4571))
    title = " ".join(draw(st.lists(_word, min_size=1, max_size=6)))
    paragraphs = draw(st.lists(st.lists(_word, min_size=1, max_size=25).map(" ".join), max_size=6))
    head = draw(st.sampled_from([
        "", f'<link rel="canonical" href="{SITE}/" />', f'<link rel="canonical" href="{SITE}/{other}/" />',
        f'<meta property="og:url" content="{SITE}/category/x/" />', f"<link rel='shortlink' href='{SITE}/?p={other}' />",
    ]))
    body_class = draw(st.sampled_from(["home blog", f"single postid-{other}", "login", ""]))
    extra = draw(st.sampled_from(["", '<form action="/wp-login.php"><input type="password" name="pwd"></form>',
                                  "<h2>Under maintenance</h2>", f'<article id="post-{other}"><p>{title}</p></article>']))
    main = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="ar"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f'<body class="{body_class}"><main><h1>{title}</h1>{main}{extra}</main></body></html>')


@settings(max_examples=80, deadline=None)
@given(hostile_html())
def test_no_page_without_the_articles_identity_is_a_version_of_it(html: str) -> None:
    """Through the real extraction worker's function (extraction and identity signals)."""
    import datetime as dt

    from crawler.workers import extract_page

    extracted = extract_page(html.encode(), URL, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "utf-8")
    words = extracted.record.word_count if extracted.record is not None else None
    verdict = judge(URL, SITE, extracted.identity, final_url=URL, known=Known(4571, 1000), words=words)
    assert not verdict.accept, (html, verdict)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=20000), st.integers(min_value=1, max_value=20000), _text)
def test_a_page_showing_its_identity_is_a_version_whatever_its_length(old: int, new: int, title: str) -> None:
    page = PageIdentity(page_ids=(4571,), canonicals=(f"{SITE}/4571/",), title=title, words=new)
    assert judge(URL, SITE, page, final_url=URL, known=Known(4571, old), words=new).accept


def test_a_page_with_no_identity_that_lost_most_of_its_text_is_suspect() -> None:
    page = PageIdentity(title="Site", words=12)
    verdict = judge(URL, SITE, page, final_url=URL, known=Known(4571, 1000), words=12)
    assert verdict.kind == "suspect" and "1000 -> 12 words" in verdict.reason
    assert judge(URL, SITE, page, final_url=URL, known=Known(4571, 1000), words=900).accept
    assert judge(URL, SITE, FINE, final_url=URL, known=Known(4571, 1000), words=12).accept
    # A short article: the collapse guard does not count it, its headline does.
    short = Known(4571, 30, "تقدير موقف: الانتخابات")
    assert judge(URL, SITE, page, final_url=URL, known=short, words=9, title="Site").kind == "suspect"
    assert judge(URL, SITE, page, final_url=URL, known=short, words=9, title="تقدير  موقف: الانتخابات").accept
    assert judge(URL, SITE, FINE, final_url=URL, known=short, words=9, title="عنوان جديد").accept


# ------------------------------------------------------------------------ the breaker


@given(st.lists(st.sampled_from([None, "login", "maintenance", "home"]), max_size=200))
def test_the_breaker_trips_only_when_one_kind_fills_the_window(kinds: list) -> None:
    breaker = Breaker(window=20, min_answers=8, ratio=0.75)
    for i, kind in enumerate(kinds):
        trip = breaker.observe(kind, f"{SITE}/{i}")
        recent = kinds[max(0, i - 19): i + 1]
        if trip is not None:
            assert len(recent) >= 8 and recent.count(trip.kind) >= 0.75 * len(recent)
            assert trip.kind == kind
            break
    else:
        # Judged at each refusal: never did its kind fill the window.
        for i in range(7, len(kinds)):
            recent = kinds[max(0, i - 19): i + 1]
            assert kinds[i] is None or recent.count(kinds[i]) < 0.75 * len(recent)


def test_a_long_retry_after_trips_at_once_and_a_suspect_run_fails() -> None:
    breaker = Breaker()
    trip = breaker.observe("retry-after", f"{SITE}/", "HTTP 503 with Retry-After 600 s")
    assert trip is not None and "Retry-After 600 s" in trip.describe()
    health = judge_run(tripped=trip, refusals=breaker.totals, fetched=1, stored=0, known_fetched=1,
                       changed=0, archive_had_articles=True)
    assert health.failed and health.lines[0].startswith("stopped early: the site answered HTTP 503")
    refused = judge_run(tripped=None, refusals=Counter(login=6), fetched=10, stored=4, known_fetched=10,
                        changed=0, archive_had_articles=True)
    assert refused.failed and refused.lines[0].startswith("suspect: 6 of 10 article answers refused")
    one = judge_run(tripped=None, refusals=Counter(login=1), fetched=1, stored=0, known_fetched=1,
                    changed=0, archive_had_articles=True)
    assert not one.failed and one.lines == ("refused as not the article: a login wall 1 (see failures.parquet)",)
    mass = judge_run(tripped=None, refusals=Counter(), fetched=40, stored=40, known_fetched=40,
                     changed=30, archive_had_articles=True)
    assert not mass.failed and "30 of the 40 known articles" in mass.lines[0]


# ------------------------------------------------------------------------ site identity


def test_spellings_of_one_site_are_one_site() -> None:
    for spelling in ("http://ncmes.org", "https://www.ncmes.org", "https://ncmes.org/", "HTTPS://NCMES.ORG:443"):
        assert same_site(spelling, "https://ncmes.org"), spelling
    assert same_site("http://localhost:8765", "http://127.0.0.1:8765")
    assert same_site("http://[::1]:8765", "http://127.0.0.1:8765")
    assert not same_site("http://[2001:db8::1]:8765", "http://[::1]:8765")
    assert not same_site("http://127.0.0.1:8766", "http://127.0.0.1:8765")
    assert not same_site("https://en.ncmes.org", "https://ncmes.org")


def test_which_site_a_crawl_is() -> None:
    known = ["https://ncmes.org"]
    assert decide("https://ncmes.org", None, known).site == "https://ncmes.org"
    assert decide("http://www.ncmes.org", "https://ncmes.org", known).site == "https://ncmes.org"
    assert decide("http://www.ncmes.org", None, known).site == "https://ncmes.org"  # no answer: by spelling
    assert decide("https://old.example", "https://ncmes.org", known).site == "https://ncmes.org"  # redirects to it
    moved = decide("https://ncmes.org/", "https://new.example", known)
    assert moved.site is None and "crawl --site https://new.example --add-site" in moved.error
    other = decide("https://en.ncmes.org", "https://en.ncmes.org", known)
    assert other.site is None and "--add-site" in other.error
    assert decide("https://en.ncmes.org", "https://en.ncmes.org", known, add_site=True).site == "https://en.ncmes.org"
    assert decide("http://ncmes.org", None, []).site == "http://ncmes.org"


def _count(archive: Path) -> int:
    return len(_articles(archive))


def test_another_spelling_or_an_old_address_of_the_site_adds_no_article(first: dict) -> None:
    server: DemoServer = first["server"]
    archive = _copy(first, "spellings")
    before = _count(archive)
    spelling = server.url.replace("127.0.0.1", "localhost")
    result = crawl(spelling, archive)
    assert result.returncode == 0, result.stderr
    assert f"{spelling} is {server.url}, already in the archive" in result.stderr
    with hostile.serve_alias(server.url) as alias:
        result = crawl(alias, archive)
    assert result.returncode == 0, result.stderr
    assert _count(archive) == before
    assert {run["site"] for run in _runs(archive)} == {server.url}
    assert all(v["version"] == 1 for v in _versions(archive))


def test_a_different_site_is_refused_unless_added_on_purpose(first: dict) -> None:
    archive = _copy(first, "other-site")
    before = _count(archive)
    with serve(DemoSite(edition="en")) as other:
        refused = crawl(other.url, archive)
        assert refused.returncode == 1
        last = refused.stderr.strip().splitlines()[-1]
        assert last == (f"ncmes-archive: {other.url} is not the site this archive holds ({first['server'].url}): "
                        f"to archive it beside it, crawl --site {other.url} --add-site; or give another --archive")
        assert _count(archive) == before and len(_runs(archive)) == 1
        added = crawl(other.url, archive, "--add-site")
        assert added.returncode == 0, added.stderr
    assert _count(archive) == before + len(DemoSite(edition="en").truth())
