"""Clear outcomes at the prompt: a site that is not WordPress, a misspelt setting, an
article's URL as --site, an export that matches nothing, --version; each through the real
command line in a subprocess."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.archive.schema import SCHEMA_VERSION
from crawler.outcomes import nothing_found, page_of_site, unknown_setting_warning
from tests.conftest import FAST, crawl, run_cli


def test_a_misspelt_setting_names_the_closest_known_one(capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.cli import parse_settings

    # The names the command line knows: Scrapy's and the project's, read as -s reads them.
    assert parse_settings(["DOWNLOAD_DELAY=1", "NCMES_LIMIT=3", "ARCHIVE_CHECKPOINT_ITEMS=5"])
    assert capsys.readouterr().err == ""
    parse_settings(["DOWNLOAD_DELAI=1"])
    assert "did you mean DOWNLOAD_DELAY?" in capsys.readouterr().err
    known = {"DOWNLOAD_DELAY", "NCMES_LIMIT"}
    assert unknown_setting_warning("DOWNLOAD_DELAY", known) is None
    assert "did you mean DOWNLOAD_DELAY?" in (unknown_setting_warning("DOWNLOAD_DELAI", known) or "")
    assert "did you mean" not in (unknown_setting_warning("QWXZ", known) or "")


@given(st.sampled_from(["https://ncmes.org", "http://127.0.0.1:8765", "https://en.ncmes.org"]),
       st.sampled_from(["/4571", "/4571/", "/category/x/", "/?p=12", "/#top", "/a/b/c"]))
def test_any_page_of_a_site_is_refused_with_its_root(root: str, path: str) -> None:
    assert page_of_site(root + path) == root
    assert page_of_site(root) is None and page_of_site(root + "/") is None
    # One root rule with --site: host case and a default port do not make another root.
    assert page_of_site(root.replace("ncmes", "NCMES") + path) == root
    assert page_of_site("https://ncmes.org:443" + path) == "https://ncmes.org"


def test_nothing_found_explains_itself_only_when_nothing_is_known() -> None:
    assert nothing_found("https://x.org", sections=0, found=0, archived=5) is None
    assert nothing_found("https://x.org", sections=0, found=3, archived=0) is None
    assert "no sign of WordPress" in (nothing_found("https://x.org", sections=0, found=0, archived=0) or "")
    assert "4 sections" in (nothing_found("https://x.org", sections=4, found=0, archived=0) or "")


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A static site with no sign of WordPress (no menu, sitemap, feed or REST API)."""
    root = tmp_path_factory.mktemp("plain")
    (root / "index.html").write_text('<html><body><h1>Hello</h1><a href="/about">about</a></body></html>')

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_site_that_is_not_wordpress_ends_in_one_line_and_exit_1(plain_site: str, tmp_path: Path) -> None:
    done = run_cli("crawl", "--site", plain_site, "--archive", str(tmp_path / "a"), *FAST)
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ncmes-archive: no article found at") and "WordPress" in last
    assert "Traceback" not in done.stderr


def test_an_article_url_as_site_is_refused_with_the_root(tmp_path: Path) -> None:
    done = run_cli("crawl", "--site", "https://NCMES.org:443/4571", "--archive", str(tmp_path / "a"))
    assert done.returncode == 2
    assert done.stderr.rstrip().endswith("use --site https://ncmes.org") and len(done.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "a").exists()


def test_an_unknown_setting_is_a_warning_naming_the_closest(tmp_path: Path) -> None:
    done = run_cli("crawl", "--site", "http://127.0.0.1:9", "--archive", str(tmp_path / "a"),
                   "-s", "DOWNLOAD_DELAI=0", "-s", "RETRY_TIMES=0")
    assert "-s DOWNLOAD_DELAI: no such setting" in done.stderr
    assert "did you mean DOWNLOAD_DELAY?" in done.stderr
    assert "RETRY_TIMES" not in done.stderr
    assert done.returncode == 1  # then the crawl runs: nothing listens on port 9


def test_version_names_the_program_and_the_schema() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"ncmes-archive 0.1.0 (archive schema {SCHEMA_VERSION})"


def test_an_export_prints_its_rows_and_warns_on_none(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "archive"
    assert crawl(server, archive, "--limit", "3").returncode == 0
    one = run_cli("export", "--archive", str(archive), "--out", str(tmp_path / "a.csv"))
    assert one.returncode == 0 and "a.csv (3 rows)" in one.stdout, one.stdout + one.stderr
    assert "warning" not in one.stderr
    none = run_cli("export", "--archive", str(archive), "--out", str(tmp_path / "d"), "--since", "2040-01-01")
    assert none.returncode == 0
    assert "articles.parquet (0 rows)" in none.stdout
    assert none.stderr.strip() == "ncmes-archive: warning: no article matched: the export holds 0 rows"


def test_diff_of_something_that_is_no_url_is_a_usage_error(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "archive"
    assert crawl(server, archive, "--limit", "1").returncode == 0
    bad = run_cli("diff", "--archive", str(archive), "ftp://example.org/1")
    assert bad.returncode == 2 and bad.stderr.startswith("ncmes-archive: error: not an http(s) URL")
    unknown = run_cli("diff", "--archive", str(archive), f"{server.url}/1")
    assert unknown.returncode == 1 and "no article" in unknown.stderr  # a URL the archive lacks
