"""ncmes-archive: argument parsing, exit codes, progress and summaries."""

from __future__ import annotations

import argparse
import datetime as dt
import faulthandler
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any, NoReturn

from crawler.interrupts import as_program as _as_program
from crawler.urls import SiteURLError, site_root

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_ARCHIVE = "exports/archive"
DEFAULT_SITE = "https://ncmes.org"
DEMO_PORT = 8765
DEMO_PORT_EN = 8767  # the English edition, another origin (8766 is the snapshot's "someone else")
REPLAY_PORT = 8090
BROWSE_PORT = 8001
# A local mirror (the demo, tests, benchmarks) needs none of the real site's politeness.
LOCAL_MIRROR_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 8,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def setting_args(settings: dict[str, Any]) -> list[str]:
    """Settings as the `-s NAME=VALUE` arguments of the command line."""
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


class CommandError(Exception):
    """The command could not do its job (exit 1): one line for stderr."""


class UsageError(Exception):
    """A bad argument (exit 2): one line for stderr."""


# -- argument parsing -------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from exc
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value!r}")
    return number


def _site(value: str) -> str:
    from crawler.outcomes import page_of_site

    try:
        root = site_root(value)
    except SiteURLError as exc:
        raise argparse.ArgumentTypeError(f"--site wants an http(s) base URL such as https://ncmes.org: {exc}") from exc
    if page_root := page_of_site(value):
        raise argparse.ArgumentTypeError(
            f"--site wants the site's root, and {value} is a page of it: use --site {page_root}")
    return root


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from exc
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535: {value!r}")
    return number


def version_line() -> str:
    """`ncmes-archive --version`: the program's version and the archive schema it writes."""
    from crawler import __version__
    from crawler.archive.schema import SCHEMA_VERSION

    return f"ncmes-archive {__version__} (archive schema {SCHEMA_VERSION})"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ncmes-archive", description="Archive of the ncmes.org website in Parquet.")
    parser.add_argument("--version", action="version", version=version_line(),
                        help="the program's version and the archive schema version it writes")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--archive", default=DEFAULT_ARCHIVE, help=f"archive folder (default {DEFAULT_ARCHIVE})")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    crawl = sub.add_parser("crawl", parents=[common], help="discover and fetch articles, update the archive")
    crawl.add_argument("--site", type=_site, default=DEFAULT_SITE, help="base URL (default https://ncmes.org)")
    crawl.add_argument("--full", action="store_true", help="refetch every known article")
    crawl.add_argument("--limit", type=_positive, help="stop after N article pages")
    crawl.add_argument("--add-site", action="store_true",
                       help="crawl a site the archive does not hold yet, beside the ones it holds "
                       "(another edition); see docs/identity.md")
    crawl.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="a Scrapy setting, as scrapy crawl -s")

    changes = sub.add_parser("changes", parents=[common], help="what a run added, changed and removed")
    changes.add_argument("--run", default="latest", help="run id, or latest (default)")
    changes.add_argument("--since", type=_date, help="every run started on or after this date")
    changes.add_argument("--json", action="store_true", help="a JSON array instead of a table")

    diff = sub.add_parser("diff", parents=[common], help="unified diff of an article between versions")
    diff.add_argument("url")
    diff.add_argument("--from", dest="from_v", type=_positive, help="older version (default: the one before --to)")
    diff.add_argument("--to", dest="to_v", type=_positive, help="newer version (default: the latest)")
    diff.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                      help="colour the changed words (default: on a terminal, unless NO_COLOR is set)")

    report = sub.add_parser("report", parents=[common], help="a browsable HTML report of what changed")
    report.add_argument("--out", required=True, type=Path, help="folder for index.html, the pages and changes.xml")
    report.add_argument("--run", default="latest", help="run id, or latest (default)")
    report.add_argument("--since", type=_date, help="every run started on or after this date")

    export = sub.add_parser("export", parents=[common], help="a dataset for researchers, with a data card")
    export.add_argument("--out", type=Path,
                        help="a folder (articles, versions, citations, README.md, schema.json, "
                        "CITATION.cff) or one .parquet/.csv/.jsonl file of articles, "
                        "or one .sqlite file of every table with the search index")
    export.add_argument("--format", choices=["parquet", "csv", "jsonl", "sqlite"],
                        help="default: the --out file's extension, parquet for a folder")
    export.add_argument("--section", help="only articles filed under this section")
    export.add_argument("--since", type=_date, help="only articles published on or after this date")
    export.add_argument("--until", type=_date, help="only articles published on or before this date")
    export.add_argument("--language", help="only articles in this language (ar, en)")
    export.add_argument("--include-removed", action="store_true", help="removed articles too")
    export.add_argument("--wacz", type=Path, metavar="OUT.wacz",
                        help="also (or only) the web archive as a WACZ package for ReplayWeb.page")

    replay = sub.add_parser("replay", parents=[common],
                            help="replay the archived pages with pywb on 127.0.0.1")
    replay.add_argument("--port", type=_port, default=REPLAY_PORT,
                        help=f"port on 127.0.0.1 (default {REPLAY_PORT})")

    sub.add_parser("stats", parents=[common],
                   help="counts by section, year and language, top cited domains, last run, failures")
    reextract = sub.add_parser("reextract", parents=[common],
                               help="run today's extraction over the archived raw captures (no request sent)")
    reextract.add_argument("--workers", type=int, default=-1,
                           help="extraction processes (default: one per core; 0: none, in this process)")

    search = sub.add_parser("search", parents=[common], help="full-text search of the articles (Arabic spellings folded)")
    search.add_argument("query", help='words (all must match); "..." for an exact phrase')
    search.add_argument("--all-versions", action="store_true", help="also find text only earlier versions held")
    search.add_argument("--section", help="only articles filed under this section")
    search.add_argument("--author", help="only articles by this author (part of the name will do)")
    search.add_argument("--since", type=_date, help="only articles published on or after this date")
    search.add_argument("--until", type=_date, help="only articles published on or before this date")
    search.add_argument("--language", help="only articles in this language (ar, en)")
    search.add_argument("--limit", type=_positive, default=20, help="at most N results (default 20)")
    search.add_argument("--json", action="store_true", help="a JSON array instead of text")
    show = sub.add_parser("show", parents=[common], help="one article at one version, every field")
    show.add_argument("article", metavar="URL|ID")
    show.add_argument("--version", type=_positive, help="the version (default: the latest)")
    show.add_argument("--json", action="store_true", help="a JSON object instead of text")
    history = sub.add_parser("history", parents=[common], help="an article's versions and what changed in each")
    history.add_argument("article", metavar="URL|ID")
    history.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    browse = sub.add_parser("browse", parents=[common], help="the archive in a web browser (Datasette) on 127.0.0.1")
    browse.add_argument("--port", type=_port, default=BROWSE_PORT, help=f"port on 127.0.0.1 (default {BROWSE_PORT})")
    check = sub.add_parser("check", parents=[common],
                           help="verify every file of the archive; --repair mends what is derivable")
    check.add_argument("--repair", action="store_true",
                       help="rebuild what is derivable, set damaged files aside in damaged/ (writes)")
    sub.add_parser("compact", parents=[common],
                   help="merge the archive's Parquet parts into few files (same rows)")

    demo = sub.add_parser("demo", help="serve the offline snapshot (both editions) on 127.0.0.1 and crawl it")
    demo.add_argument("--archive", default="exports/demo", help="archive folder (default exports/demo)")
    demo.add_argument("--port", type=_port, default=DEMO_PORT,
                      help=f"the Arabic edition's port on 127.0.0.1 (default {DEMO_PORT}; the archive's URLs include it)")
    demo.add_argument("--en-port", type=_port, default=DEMO_PORT_EN,
                      help=f"the English edition's port (default {DEMO_PORT_EN})")
    demo.add_argument("--edit", action="store_true",
                      help="serve the snapshot with a few edits (a word, a footnote URL, an author, "
                      "a new post, a removal), so that this crawl has changes to show")
    demo.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    return parser


def parse_settings(pairs: list[str]) -> dict[str, Any]:
    """-s NAME=VALUE pairs, each value checked against the type of the setting's default."""
    from scrapy.settings import Settings

    from crawler.outcomes import unknown_setting_warning

    defaults = Settings()
    defaults.setmodule("crawler.settings", priority="project")
    known = set(defaults)  # every name a crawl reads: Scrapy's own and the project's
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name or not name.replace("_", "").isalnum() or name.upper() != name:
            raise UsageError(f"-s wants NAME=VALUE with an upper-case setting name, got {pair!r}")
        warning = unknown_setting_warning(name, known)
        if warning:
            print(f"ncmes-archive: {warning}", file=sys.stderr)
        default = defaults.get(name)
        try:
            if isinstance(default, bool):
                if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(raw)
                value: Any = raw.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, float):
                value = float(raw)
            else:
                value = raw
        except ValueError:
            raise UsageError(
                f"-s {name}: {raw!r} is not a valid {type(default).__name__}"
            ) from None
        out[name] = value
    return out


# -- commands ---------------------------------------------------------------------------


def _open_archive(path: str, create: bool, write: bool | None = None, **config: Any) -> Any:
    """The archive's writer (crawl, reextract: `write`, by default when `create`), else its
    read-only reader."""
    from crawler.archive.errors import ArchiveError
    from crawler.archive.reader import ArchiveReader
    from crawler.archive.writer import Archive

    root = Path(path)
    if not create and not root.exists():
        raise CommandError(f"no archive at {root} (run `ncmes-archive crawl --archive {root}` first)")
    try:
        archive = Archive(root, create=create, **config) if (create if write is None else write) else ArchiveReader(root)
    except ArchiveError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot open archive {root}: {exc.strerror or exc}") from None
    _warn_damaged(archive)
    return archive


def _lock(archive: Any) -> None:
    """Take the archive's lock for a command that writes, or say in one line who holds it."""
    from crawler.archive.errors import ArchiveLocked

    try:
        archive.acquire_lock()
    except ArchiveLocked as exc:
        raise CommandError(str(exc)) from None


def _warn_damaged(archive: Any) -> None:
    """One line on stderr per damaged file the archive is read without."""
    from crawler.archive.reader import WITHOUT

    for name, problem in archive.damaged.items():
        print(f"ncmes-archive: warning: {problem.rstrip('.')}; {WITHOUT.get(name, 'read without it')} "
              f"(`ncmes-archive check --repair --archive {archive.root}` mends it)", file=sys.stderr)


def run_crawl(archive_dir: str, site: str, mode: str, limit: int | None, overrides: dict[str, Any],
              *, add_site: bool = False) -> int:
    """Crawl `site` into the archive; prints progress on stderr and a summary on stdout."""

    # A fatal signal (SIGSEGV, SIGABRT in a native library) leaves every thread's traceback
    # on stderr instead of nothing.
    faulthandler.enable()
    from crawler import settings as defaults

    def setting(name: str) -> Any:
        return overrides.get(name, getattr(defaults, name))

    archive = _open_archive(
        archive_dir, create=True, snapshot_parts=int(setting("ARCHIVE_SNAPSHOT_PARTS")),
        snapshot_seconds=float(setting("ARCHIVE_SNAPSHOT_SECONDS")),
        compact_parts=int(setting("ARCHIVE_COMPACT_PARTS")),
    )
    _lock(archive)
    # The extraction workers' fork server imports extraction while Scrapy loads.
    _start_fork_server(overrides)
    try:
        site = site_identity(archive, site, add_site, overrides)
        from scrapy.crawler import CrawlerProcess
        from scrapy.settings import Settings

        from crawler.spiders.site import SiteSpider

        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        settings.set("ARCHIVE_DIR", str(archive_dir), priority="cmdline")
        settings.set("NCMES_SITE", site, priority="cmdline")
        settings.set("NCMES_MODE", mode, priority="cmdline")
        settings.set("NCMES_LIMIT", limit or 0, priority="cmdline")
        for name, value in overrides.items():
            settings.set(name, value, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(SiteSpider)
        errors: list[str] = []
        deferred = process.crawl(crawler, archive=archive)
        deferred.addErrback(lambda failure: errors.append(
            "interrupt" if failure.check(KeyboardInterrupt) else f"{failure.type.__name__}: {failure.value}"))
        if settings.get("LOG_LEVEL") != "DEBUG":
            _one_line_logs()  # after crawl(): that is when Scrapy installs its log handler
        process.start()
        # The crawl has ended and stored what it got: a further Ctrl-C or SIGTERM (Scrapy's
        # handlers are gone) would only cut the summary short.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        if errors == ["interrupt"]:
            raise KeyboardInterrupt  # while the crawl was starting: one line, as any interrupt
        if errors:
            raise CommandError(f"the crawl stopped: {errors[0]}")
        run = getattr(crawler, "ncmes_run", None)
        spider = crawler.spider
        if run is None:
            _join_pipeline(crawler)  # what it still had queued is written before it is counted
            raise CommandError(_stopped_unclean(archive_dir, getattr(spider, "run_id", None)))
        _update_search_index(archive)
        print(format_summary(run, archive, archive_dir))
        from crawler.health import run_health

        health = run_health(run, crawler.stats.get_stats(), getattr(spider, "health", None),
                            getattr(spider, "known_at_start", 0))
        for line in health.lines:
            print(line)
        if getattr(getattr(spider, "health", None), "tripped", None) is not None:
            raise CommandError(health.lines[0])
        if not getattr(spider, "site_reached", False):
            failures = archive.read_failures(run["run_id"]).to_pylist()
            reason = failures[0]["error"] if failures else "no answer"
            raise CommandError(f"site unreachable: {site} ({reason})")
        if not run["completed"]:
            raise CommandError("the crawl was interrupted; what it fetched is saved (run marked not completed)")
        if health.failed:
            raise CommandError(health.lines[0])
        _check_found(spider, crawler, site)
        return EXIT_OK
    finally:
        archive.release_lock()


def site_identity(archive: Any, site: str, add_site: bool, overrides: dict[str, Any]) -> str:
    """The site `--site` names in this archive (crawler/siteid.py): the archive's spelling of
    a site it holds; a site it does not hold only with --add-site."""
    from crawler import siteid
    from crawler.settings import USER_AGENT

    known = siteid.known_sites(archive.read_runs().to_pylist())
    resolved = None
    if known and site not in known:  # another spelling, or another site: ask where it answers
        resolved = siteid.resolve(site, str(overrides.get("USER_AGENT") or USER_AGENT))
    decision = siteid.decide(site, resolved, known, add_site=add_site)
    if decision.error is not None or decision.site is None:
        raise CommandError(decision.error or f"cannot tell which site {site} is")
    if decision.note:
        print(f"ncmes-archive: {decision.note}", file=sys.stderr)
    return decision.site


def _join_pipeline(crawler: Any) -> None:
    """After an unclean stop (the reactor stopped under the engine), let the archive pipeline
    join its threads and worker processes, as it does when the engine stops normally."""
    pipeline = getattr(crawler, "ncmes_pipeline", None)
    if pipeline is not None:
        pipeline.join()


def _stopped_unclean(archive_dir: str, run_id: str | None) -> str:
    """What a crawl stopped at once (a second Ctrl-C or SIGTERM) kept: the versions its
    checkpoints stored; the rest of the run is not recorded and the next crawl asks again."""
    import pyarrow.compute as pc

    from crawler.archive.reader import ArchiveReader

    kept = 0
    if run_id is not None:
        table = ArchiveReader(Path(archive_dir)).read_versions(columns=["run_id"])
        kept = pc.sum(pc.equal(table["run_id"], run_id)).as_py() or 0
    return (f"the crawl was interrupted and stopped at once: the archive keeps the {kept} article versions it "
            "stored by its last checkpoint, the rest of the run is not recorded; "
            "the next crawl fetches what is missing")


def _check_found(spider: Any, crawler: Any, site: str) -> None:
    """A completed crawl that found no article of the site could not do its job."""
    from crawler.outcomes import nothing_found

    plan = getattr(spider, "plan", None)
    found = int(plan is not None and bool(plan.listed or plan.requested))
    # A run that found nothing stored nothing: the site's articles are those it started with.
    why = nothing_found(site, sections=crawler.stats.get_value("ncmes/sections", 0) or 0,
                        found=found, archived=getattr(spider, "known_at_start", 0))
    if why:
        raise CommandError(why)


def _start_fork_server(overrides: dict[str, Any]) -> None:
    """Start the extraction pool's fork server ahead of Scrapy, when the crawl uses a pool."""
    from crawler import settings as defaults
    from crawler.workers import start_fork_server, worker_count

    value = overrides.get("NCMES_EXTRACT_WORKERS", defaults.NCMES_EXTRACT_WORKERS)
    try:
        workers = worker_count(int(value))
    except (TypeError, ValueError):
        return  # Scrapy's settings will say what is wrong with it
    if workers > 0:
        start_fork_server()


class _NoTraceback(logging.Filter):
    """Log records keep their message and the exception's one-line text, not a traceback:
    failures are recorded in failures.parquet, and stderr stays readable."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def _one_line_logs() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoTraceback())


def format_summary(run: dict[str, Any], archive: Any, archive_dir: str) -> str:
    """The run's table, then what the archive now holds."""
    from crawler.dataset.stats import format_run

    statuses = Counter(state.status for state in archive.state.values())
    return (
        f"{format_run(run)}\n"
        f"archive {archive_dir}: {sum(statuses.values())} articles "
        f"({statuses['live']} live, {statuses['removed']} removed)"
    )


def cmd_crawl(args: argparse.Namespace) -> int:
    overrides = parse_settings(args.settings)
    return run_crawl(args.archive, args.site, "full" if args.full else "incremental", args.limit, overrides,
                     add_site=args.add_site)


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve both editions of the snapshot, each on its own port (its own origin), and crawl
    each into the same archive, one after the other, as `crawl --site` would."""
    from crawler.demo.server import serve
    from crawler.demo.site import DemoSite

    overrides = {**LOCAL_MIRROR_SETTINGS, "NCMES_PROGRESS_INTERVAL": 1.0}
    overrides.update(parse_settings(args.settings))
    sites = {"ar": (DemoSite(edition="ar"), args.port), "en": (DemoSite(edition="en"), args.en_port)}
    if args.edit:
        from crawler.demo.edits import apply_edits

        for language, (site, _port) in sites.items():
            for line in apply_edits(site):
                print(f"edited the {language} edition: {line}", file=sys.stderr)
    servers = {}
    try:
        for language, (site, port) in sites.items():
            try:
                servers[language] = serve(site, port=port)
            except OSError as exc:
                # Fixed ports, because the archive's URLs include them: a rerun updates the
                # same articles instead of adding them again under another origin.
                option = "--port" if language == "ar" else "--en-port"
                # Another port is another site: into another archive, not beside this one.
                raise CommandError(f"cannot serve the snapshot on 127.0.0.1:{port} ({exc.strerror}); "
                                   f"try {option} N --archive DIR (the archive's URLs include the port)") from None
        # Each edition's language switch points at the other's server: another origin,
        # which a crawl of one edition never asks.
        sites["ar"][0].other_edition = servers["en"].url
        sites["en"][0].other_edition = servers["ar"].url
        status = EXIT_OK
        # Both editions are the demo's sites: the second is added beside the first, unless
        # the archive holds another site (a demo served before on other ports).
        add_site = _holds_only(args.archive, [server.url for server in servers.values()])
        for language, server in servers.items():
            print(f"serving the offline snapshot's {language} edition at {server.url}; crawling it", file=sys.stderr)
            # A crawl per process: Scrapy's reactor cannot be started twice in one.
            code = _run_child([sys.executable, "-m", "crawler", "crawl", "--site", server.url,
                               "--archive", args.archive, *(["--add-site"] if add_site else []),
                               *setting_args(overrides)])
            if code < 0:  # ended by the signal itself, whatever it managed to say
                code = EXIT_FAILED
            status = status or code
            if code != EXIT_OK:
                break  # the crawl said why in its own line (interrupted, or could not)
        print(editions_summary(args.archive, {lang: srv.url for lang, srv in servers.items()}))
        return status
    finally:
        for server in servers.values():
            server.stop()


def _holds_only(archive_dir: str, sites: list[str]) -> bool:
    """True when the archive holds no site but these (or does not exist yet)."""
    from crawler import siteid

    if not (Path(archive_dir) / "runs.parquet").exists():
        return True
    known = siteid.known_sites(_open_archive(archive_dir, create=False).read_runs().to_pylist())
    return all(site in sites for site in known)


def _run_child(argv: list[str]) -> int:
    """Run a command of ours and wait for it. It runs in a session of its own, so that an
    interrupt reaches it once, passed on from here, and it answers in its own one line."""
    child = subprocess.Popen(argv, start_new_session=True)

    def forward(signum: int, frame: Any) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    old_int = signal.signal(signal.SIGINT, forward)
    old_term = signal.signal(signal.SIGTERM, forward)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


def editions_summary(archive_dir: str, sites: dict[str, str]) -> str:
    """What the archive holds of each edition (by origin and declared language)."""
    from crawler.archive.reader import ArchiveReader

    if not Path(archive_dir).is_dir():
        return f"archive {archive_dir}: no articles"
    with ArchiveReader(archive_dir) as archive:
        rows = archive.read_articles().select(["url", "language", "status"]).to_pylist()
    if not rows:
        return f"archive {archive_dir}: no articles"
    lines = [f"archive {archive_dir}: {len(rows)} articles, both editions"]
    for language, url in sites.items():
        mine = [row for row in rows if row["url"].startswith(url + "/")]
        live = sum(row["status"] == "live" for row in mine)
        declared = ", ".join(f"{lang or '?'} {n}" for lang, n in sorted(Counter(r["language"] for r in mine).items(), key=str))
        lines.append(f"  {language} edition {url}: {len(mine)} articles ({live} live; language: {declared or '-'})")
    return "\n".join(lines)


def cmd_changes(args: argparse.Namespace) -> int:
    from crawler.dataset import changes as view

    archive = _open_archive(args.archive, create=False)
    try:
        print(view.describe_selection(archive, args.run, args.since), file=sys.stderr)
        rows = view.changes(archive, run=args.run, since=args.since)
    except view.UnknownRun as exc:
        raise UsageError(_one_line(exc)) from None
    except (KeyError, ValueError, LookupError) as exc:
        raise CommandError(_one_line(exc)) from None
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(view.format_changes_table(rows))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from crawler.dataset import diff as view

    archive = _open_archive(args.archive, create=False)
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    try:
        print(view.diff(archive, args.url, args.from_v, args.to_v, color=color), end="")
    except view.NotAURL as exc:
        raise UsageError(_one_line(exc)) from None
    except (KeyError, ValueError, LookupError) as exc:
        raise CommandError(_one_line(exc)) from None
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from crawler.dataset import html_report as view
    from crawler.dataset.changes import UnknownRun, describe_selection

    archive = _open_archive(args.archive, create=False)
    try:
        covered = describe_selection(archive, args.run, args.since)
        summary = view.report(archive, args.out, run=args.run, since=args.since)
    except (UnknownRun, view.ReportUsageError) as exc:
        raise UsageError(_one_line(exc)) from None
    except (KeyError, ValueError, LookupError) as exc:
        raise CommandError(_one_line(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(covered, file=sys.stderr)
    print(summary)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.dataset import export as view

    if args.out is None and args.wacz is None:
        raise UsageError("export needs --out FILE (a dataset) or --wacz OUT.wacz (the web archive)")
    if args.out is not None:
        try:
            view.resolve_target(args.out, args.format)  # a bad --out is a usage error, archive or not
        except view.ExportUsageError as exc:
            raise UsageError(_one_line(exc)) from None
    archive = _open_archive(args.archive, create=False)
    if args.wacz is not None:
        export_wacz(archive, args.wacz)
        if args.out is None:
            return EXIT_OK
    try:
        path, rows = view.export_counted(
            archive, args.out, args.format, section=args.section, since=args.since,
            until=args.until, include_removed=args.include_removed, language=args.language,
        )
    except view.ExportUsageError as exc:
        raise UsageError(_one_line(exc)) from None
    except (KeyError, ValueError, LookupError) as exc:
        raise CommandError(_one_line(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(view.describe(path, rows))
    if rows == 0:
        print("ncmes-archive: warning: no article matched: the export holds 0 rows", file=sys.stderr)
    return EXIT_OK


def export_wacz(archive: Any, out: Path) -> None:
    """The web archive as a WACZ package (the archive is only read)."""
    from crawler.archive.replay import write_wacz

    if out.suffix.lower() != ".wacz":
        raise UsageError(f"--wacz wants a file name ending in .wacz, got {out}")
    try:
        counts = write_wacz(archive, out)
    except ValueError as exc:
        raise CommandError(_one_line(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} ({counts['warc_files']} WARC files, {counts['captures']} captures, "
          f"{counts['pages']} pages)")


def _interrupt(signum: int, frame: Any) -> None:
    """The command line's SIGINT and SIGTERM: KeyboardInterrupt where the program is, so that
    it unwinds (locks released, files closed) and ends in one line. Not inside the import
    machinery: an exception raised in its module-lock callback is printed as "Exception
    ignored" and lost, and the command would go on; there the signal comes again a moment
    later, when the import has moved on."""
    if frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        again = threading.Timer(0.01, os.kill, (os.getpid(), signum))
        again.daemon = True
        again.start()
        return
    raise KeyboardInterrupt


def cmd_replay(args: argparse.Namespace) -> int:
    from crawler.archive import replay

    archive = _open_archive(args.archive, create=False)
    warc_dir = archive.root / "warc"
    if not warc_dir.is_dir():
        raise CommandError(f"{archive.root} holds no web archive (no warc/ folder): crawl first")
    if not replay.pywb_available():
        raise CommandError(replay.INSTALL_HINT)
    # Only read: an index behind the WARC files (a crawl killed or running) is built in
    # the temporary collection, and the next crawl brings warc/index.cdxj up to date.
    _check_port_free(args.port)
    with replay.collection(archive.root) as root, tempfile.TemporaryFile("w+") as log:
        print(f"replaying {warc_dir} at http://127.0.0.1:{args.port}/{replay.COLLECTION}/ "
              "(Ctrl-C to stop)", file=sys.stderr)
        # pywb ignores Ctrl-C (inherited across exec) and keeps its log to itself: this
        # process stops it and says in one line how it ended.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            server = replay.start(root, args.port, stdout=log, stderr=log)
        finally:
            signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, _interrupt)  # stop pywb too when told to stop
        try:
            code = server.wait()
        except KeyboardInterrupt:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            print("ncmes-archive: replay stopped", file=sys.stderr)
            return EXIT_OK
        if code != 0:
            log.seek(0)
            lines = [line.strip() for line in log.read().splitlines() if line.strip()]
            raise CommandError(f"pywb stopped (exit {code}): {lines[-1] if lines else 'no message'}")
    return EXIT_OK


def _check_port_free(port: int) -> None:
    """A port another program holds is one line and exit 1, before anything is started."""
    import errno

    from crawler.ports import bind_local

    try:
        bind_local(port).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(f"port {port} on 127.0.0.1 is in use by another program: "
                               "stop it, or choose another with --port N") from None
        raise CommandError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None


def cmd_stats(args: argparse.Namespace) -> int:
    from crawler.dataset import stats as view

    archive = _open_archive(args.archive, create=False)
    print(view.stats(archive))
    return EXIT_OK


def cmd_reextract(args: argparse.Namespace) -> int:
    from crawler.reextract import Workers, print_progress, reextract

    # The worker processes start (importing extraction) and begin on the captures the
    # archive lists while this process loads the archive.
    with Workers(args.workers, args.archive) as workers:

        archive = _open_archive(args.archive, create=False, write=True)
        _lock(archive)
        try:
            run = reextract(archive, print_progress, workers)
            _update_search_index(archive)
        finally:
            archive.release_lock()
    print(format_summary(run, archive, args.archive))
    done = run["articles_changed"] + run["articles_unchanged"]
    print(f"re-extracted {done} articles ({run['articles_changed']} changed, "
          f"{run['articles_unchanged']} unchanged); {run['failures']} failed"
          + (f" (see `ncmes-archive stats` or failures.parquet, run {run['run_id']})" if run["failures"] else ""))
    return EXIT_OK


def _update_search_index(archive: Any) -> None:
    """Index the versions the run added (after the run, off the reactor). The index is
    derivable: when this fails, the crawl still succeeded and the next search rebuilds it."""
    from crawler.search.index import update

    try:
        update(archive)
    except Exception as exc:  # noqa: BLE001 - said on stderr; the next reader rebuilds the index
        print(f"ncmes-archive: search index not updated ({_one_line(exc)}); the next search rebuilds it",
              file=sys.stderr)


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.search import query as view
    from crawler.search.index import open_for_reading

    try:
        parsed = view.parse(args.query)
    except view.QueryError as exc:
        raise UsageError(_one_line(exc)) from None
    filters = view.Filters(section=args.section, author=args.author, since=args.since, until=args.until,
                           language=args.language)
    archive = _open_archive(args.archive, create=False)
    color = not args.json and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    mark = ("\033[1;33m", "\033[0m") if color else ("**", "**")
    with open_for_reading(archive) as conn:
        try:
            hits = view.search(conn, parsed, filters, all_versions=args.all_versions, limit=args.limit, mark=mark)
        except view.QueryError as exc:
            raise UsageError(_one_line(exc)) from None
    if args.json:
        print(json.dumps([hit.as_json() for hit in hits], ensure_ascii=False, indent=2))
    else:
        print(view.format_hits(hits, all_versions=args.all_versions))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from crawler.search import article as view

    archive = _open_archive(args.archive, create=False)
    found = view.show(archive, args.article, args.version)
    print(json.dumps(found, ensure_ascii=False, indent=2) if args.json else view.format_show(found))
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    from crawler.search import article as view

    archive = _open_archive(args.archive, create=False)
    url, rows = view.history(archive, args.article)
    print(json.dumps(rows, ensure_ascii=False, indent=2) if args.json
          else view.format_history(url, rows, view.removal(archive, url)))
    return EXIT_OK


def cmd_browse(args: argparse.Namespace) -> int:
    from crawler.search import browse

    if not browse.available():
        raise CommandError(browse.INSTALL_HINT)
    archive = _open_archive(args.archive, create=False)
    try:
        sock = browse.listen(args.port)
    except browse.BrowseError as exc:
        raise CommandError(str(exc)) from None
    with sock, browse.exported(archive) as (path, title, card):
        print(f"browsing {archive.root} at http://127.0.0.1:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
        try:
            browse.serve(path, title, card, sock)  # stops on Ctrl-C or SIGTERM
        except KeyboardInterrupt:
            pass  # the way a server is stopped: not a failure
    print("ncmes-archive: browse stopped", file=sys.stderr)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from crawler.archive import check
    from crawler.archive.errors import ArchiveLocked

    root = Path(args.archive)
    if not root.is_dir():
        raise CommandError(f"no archive at {root}")
    problems, checked = check.check(root)
    if args.repair and problems:
        try:
            for line in check.repair(root, problems):
                print(f"repaired {line}")
        except ArchiveLocked as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot repair {root}: {exc.strerror or exc}") from None
        problems, checked = check.check(root)
    for problem in problems:
        print(problem.line())
    if problems:
        raise CommandError(
            f"{root}: {len(problems)} problem{'s' if len(problems) > 1 else ''} in {checked} files"
            + ("" if args.repair else f" (`ncmes-archive check --repair --archive {root}` mends what is derivable)")
        )
    print(f"{root}: sound ({checked} files checked)")
    return EXIT_OK


def cmd_compact(args: argparse.Namespace) -> int:

    archive = _open_archive(args.archive, create=False, write=True)
    _lock(archive)
    try:
        counts = archive.compact(full=True)
    except OSError as exc:
        raise CommandError(f"cannot compact {args.archive}: {exc.strerror or exc}") from None
    finally:
        archive.release_lock()
    print("; ".join(f"{name}/: {before} -> {after} files" for name, (before, after) in counts.items()))
    return EXIT_OK


COMMANDS = {
    "crawl": cmd_crawl,
    "demo": cmd_demo,
    "changes": cmd_changes,
    "diff": cmd_diff,
    "report": cmd_report,
    "export": cmd_export,
    "stats": cmd_stats,
    "reextract": cmd_reextract,
    "replay": cmd_replay,
    "search": cmd_search,
    "show": cmd_show,
    "history": cmd_history,
    "browse": cmd_browse,
    "compact": cmd_compact,
    "check": cmd_check,
}


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    if _as_program():
        # From here an interrupt unwinds (locks released, files closed) and ends in one line.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"ncmes-archive: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"ncmes-archive: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ncmes-archive: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader (| head) went away: nothing more to say, and nothing to flush.
        sys.stdout = None  # type: ignore[assignment]
        return EXIT_OK
    except Exception as exc:
        from crawler.archive.errors import ArchiveError

        if isinstance(exc, ArchiveError):  # an unreadable archive, an unknown URL or version
            print(f"ncmes-archive: {_one_line(exc)}", file=sys.stderr)
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    sys.exit(main())
