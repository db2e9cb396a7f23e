"""Both editions of the site (ncmes.org in Arabic, en.ncmes.org in English), each on its own
origin, crawled by the real command line into one archive: every field of every article,
the declared language, and never a request to the other edition's server."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from crawler.revisit import SIGNAL_MARGIN, RevisitPolicy
from tests.conftest import crawl, free_port, run_cli

EDITIONS = ("ar", "en")


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Both editions served and linked to each other; each crawled in turn into one archive.
    The counters of both servers are kept after each crawl."""
    archive = tmp_path_factory.mktemp("both")
    sites = {lang: DemoSite(edition=lang) for lang in EDITIONS}
    with serve(sites["ar"]) as ar, serve(sites["en"]) as en:
        servers: dict[str, DemoServer] = {"ar": ar, "en": en}
        sites["ar"].other_edition, sites["en"].other_edition = en.url, ar.url
        counters: dict[str, dict[str, dict]] = {}
        for lang in EDITIONS:
            for site in sites.values():
                site.reset_counters()
            # The second edition is another site: added beside the first on purpose.
            result = crawl(servers[lang], archive, *(["--add-site"] if lang != EDITIONS[0] else []))
            assert result.returncode == 0, result.stderr
            counters[lang] = {other: sites[other].counters() for other in EDITIONS}
        yield {"sites": sites, "servers": servers, "archive": archive, "counters": counters}


def _truth(editions: dict, lang: str) -> list[dict]:
    return editions["sites"][lang].truth(editions["servers"][lang].url)


def _row_fields(row: dict) -> dict:
    return {
        "post_id": row["post_id"], "title": row["title"], "series": row["series"],
        "sections": row["sections"], "authors": row["authors"], "body": row["body"],
        "published": row["published"].isoformat() if row["published"] else None,
        "published_at": row["published_at"].strftime("%Y-%m-%dT%H:%M:%SZ") if row["published_at"] else None,
        "modified_at": row["modified_at"].strftime("%Y-%m-%dT%H:%M:%SZ") if row["modified_at"] else None,
        "footnotes": [{"number": f["number"], "text": f["text"], "urls": f["urls"]} for f in row["footnotes"]],
        "related": [{"title": r["title"], "url": r["url"]} for r in row["related"]],
        "links": [{"text": link["text"], "url": link["url"]} for link in row["links"]],
        "language": row["language"], "status": row["status"], "version": row["version"],
    }


def _truth_fields(t: dict) -> dict:
    fields = {key: t[key] for key in ("post_id", "title", "series", "sections", "authors", "body",
                                      "published", "published_at", "modified_at", "footnotes",
                                      "links", "language")}
    fields["related"] = [{"title": r["title"], "url": r["url"]} for r in t["related"]]
    return {**fields, "status": "live", "version": 1}


def test_every_field_of_every_article_of_both_editions(editions) -> None:
    rows = {row["url"]: row for row in pq.read_table(editions["archive"] / "articles.parquet").to_pylist()}
    wanted = {t["url"]: t for lang in EDITIONS for t in _truth(editions, lang)}
    assert sorted(rows) == sorted(wanted)
    wrong = {}
    for url, t in wanted.items():
        got, want = _row_fields(rows[url]), _truth_fields(t)
        differing = {key: (want[key], got[key]) for key in want if want[key] != got[key]}
        if differing:
            wrong[url] = differing
    assert wrong == {}


def test_each_edition_declares_its_language_in_articles_and_versions(editions) -> None:
    archive = editions["archive"]
    for table in (pq.read_table(archive / "articles.parquet"),
                  ds.dataset(archive / "versions", format="parquet").to_table()):
        for row in table.select(["url", "language"]).to_pylist():
            lang = next(lang for lang in EDITIONS if row["url"].startswith(editions["servers"][lang].url + "/"))
            assert row["language"] == lang, row["url"]
    languages = pq.read_table(archive / "articles.parquet").column("language").to_pylist()
    assert languages.count("ar") == len(_truth(editions, "ar")) > languages.count("en") == len(_truth(editions, "en")) > 10


def test_the_other_edition_is_linked_but_never_requested(editions) -> None:
    sites, servers = editions["sites"], editions["servers"]
    # Every page of each edition links the other (the language switch): another origin.
    for lang, other, label in (("ar", "en", "English"), ("en", "ar", "العربية")):
        status, _, body = sites[lang].handle("GET", "/", {"host": servers[lang].url.split("//")[1]})
        assert status == 200 and f'href="{servers[other].url}/"' in body.decode() and label in body.decode()
    for lang in EDITIONS:
        other = "en" if lang == "ar" else "ar"
        assert editions["counters"][lang][lang]["total"] > 0
        assert editions["counters"][lang][other]["total"] == 0, editions["counters"][lang][other]["paths"]


def test_one_request_per_article_on_both_editions(editions) -> None:
    """No redirect per article: each is asked once, in the form its edition serves."""
    for lang in EDITIONS:
        seen = editions["counters"][lang][lang]
        assert seen["article"] == len(_truth(editions, lang)), (lang, seen["statuses"])


def test_pages_declare_their_language_and_direction() -> None:
    for lang, direction in (("ar", "rtl"), ("en", "ltr")):
        site = DemoSite(edition=lang)
        path = site.truth()[0]["path"]
        _, _, body = site.handle("GET", path + ("/" if site.trailing_slash else ""), {"host": "127.0.0.1:1"})
        assert f'<html dir="{direction}" lang="{lang}">' in body.decode()
    # The English edition speaks English throughout; only its language switch is Arabic.
    site = DemoSite(edition="en")
    paths = ["/", "/page/2/", "/about-us/", "/contact-us/", "/no-such-page/", "/feed/"]
    paths += [t["path"] + "/" for t in site.truth()]
    for path in paths:
        text = site.handle("GET", path, {"host": "127.0.0.1:1"})[2].decode().replace("العربية", "")
        assert not re.search("[\u0600-\u06ff]", text), path


def test_a_sites_schedule_counts_only_its_own_runs() -> None:
    """Two editions in one archive: the other site's runs neither make this one's articles
    due sooner nor move the moment its change signals count from."""
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    runs = pa.table({"site": ["https://ncmes.org", "https://en.ncmes.org", "https://en.ncmes.org"],
                     "started_at": [t0, t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=2)],
                     "completed": [True, True, True]})

    class Archive:
        def read_runs(self) -> pa.Table:
            return runs

    class Settings(dict):
        def get(self, name: str, default: object = None) -> object:
            return super().get(name, default)

        def getint(self, name: str) -> int:
            return int(self[name])

    settings = Settings(NCMES_SITE="https://ncmes.org/", NCMES_REVISIT_RECENT_DAYS=14,
                        NCMES_REVISIT_MEDIUM_DAYS=90, NCMES_REVISIT_MEDIUM_EVERY=3,
                        NCMES_REVISIT_EVERY_RUNS=10, NCMES_LISTINGS_EVERY_RUNS=10)
    policy = RevisitPolicy.from_settings(settings, Archive(), now=t0 + dt.timedelta(hours=3))
    assert policy.run_starts == [t0]
    assert policy.changed_since() == t0 - SIGNAL_MARGIN  # this site's run, not the English one's


def test_demo_crawls_both_editions_into_one_archive(tmp_path: Path) -> None:
    ar_port, en_port = free_port(), free_port()
    result = run_cli("demo", "--archive", str(tmp_path / "demo"), "--port", str(ar_port),
                     "--en-port", str(en_port), "-s", "NCMES_PROGRESS_INTERVAL=0")
    assert result.returncode == 0, result.stderr
    counts = {lang: len(DemoSite(edition=lang).truth()) for lang in EDITIONS}
    summary = result.stdout.strip().splitlines()[-3:]
    assert summary[0] == f"archive {tmp_path / 'demo'}: {sum(counts.values())} articles, both editions"
    assert summary[1] == (f"  ar edition http://127.0.0.1:{ar_port}: {counts['ar']} articles "
                          f"({counts['ar']} live; language: ar {counts['ar']})")
    assert summary[2] == (f"  en edition http://127.0.0.1:{en_port}: {counts['en']} articles "
                          f"({counts['en']} live; language: en {counts['en']})")


def test_a_crawl_dates_an_undated_page_on_the_sites_clock(tmp_path: Path) -> None:
    """A page of the English edition that shows no date, with only Yoast's UTC timestamps
    (nothing on it written on Cairo's clock, nothing in Arabic): the crawl of the site dates it
    on the site's calendar, where the same page read alone keeps the day its timestamp writes."""
    from crawler.extraction import extract

    written = "2025-06-30T22:30:00+00:00"  # 1 July, 01:30 in Cairo
    prose = "".join(f"<p>Paragraph {i} of the paper, long enough to be read as the article's own "
                    f"text by any reader of the page, with a full stop at its end.</p>" for i in range(6))
    page = (f'<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Middle East Papers, '
            f'issue 12</title><meta property="article:published_time" content="{written}">'
            f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Article", '
            f'"headline": "Middle East Papers, issue 12", "datePublished": "{written}"}}</script></head>'
            f'<body><article class="post-3705 post type-post"><h1 class="entry-title">Middle East Papers, '
            f'issue 12</h1><div class="entry-content">{prose}</div></article></body></html>')
    site = DemoSite(edition="en")
    with serve(site) as server:
        site.override("/3705", body=page)
        result = crawl(server, tmp_path / "archive")
        url = f"{server.url}/3705"
    assert result.returncode == 0, result.stderr
    rows = {row["url"]: row for row in pq.read_table(tmp_path / "archive" / "articles.parquet").to_pylist()}
    assert rows[url]["published"] == dt.date(2025, 7, 1)
    assert rows[url]["published_at"] == dt.datetime(2025, 6, 30, 22, 30, tzinfo=dt.UTC)
    assert extract(page, url, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).published == dt.date(2025, 6, 30)
