"""Verify every file of an archive; repair what is derivable, setting damaged files aside."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from crawler.archive import cdxj
from crawler.archive.errors import ArchiveDamaged, ArchiveError, one_line
from crawler.archive.files import check_schema, damage_stamp, read_checked, set_aside
from crawler.archive.journal import covers, parts
from crawler.archive.lock import ArchiveLock
from crawler.archive.reader import CURRENT_DIR, SNAPSHOT_FILES
from crawler.archive.schema import CHANGES, VERSIONS
from crawler.archive.warc import WARC_DIR

# What --repair does about each kind of problem.
SET_ASIDE = "set aside"
REBUILD_ARTICLES = "articles.parquet rebuilt from versions/"
CUT_TAIL = "torn end cut off (kept in damaged/)"
REBUILD_INDEX = "index rebuilt from the WARC files"
REBUILD_SEARCH = "search index rebuilt from versions/"
NONE = ""  # nothing derivable: a person must look


@dataclass(frozen=True)
class Problem:
    """One problem, in one file (relative to the archive)."""

    path: str
    text: str
    repair: str = NONE

    def line(self) -> str:
        mend = f" [--repair: {self.repair}]" if self.repair else " [not derivable: --repair leaves it]"
        return f"{self.path}: {self.text}{mend}"


def check(root: Path) -> tuple[list[Problem], int]:
    """Every problem of the archive at `root`, and how many files were checked."""
    root = Path(root)
    problems: list[Problem] = []
    checked = 0
    # Every file is read whole (a damaged data page shows only when read); only the
    # columns the consistency checks compare are kept.
    articles: pa.Table | None = None
    for name, schema in SNAPSHOT_FILES.items():
        path = root / name
        if not path.exists():
            continue
        checked += 1
        try:
            table = read_checked(path, schema)
            if name == "articles.parquet":
                articles = table.select(_KEPT["versions"])
        except ArchiveDamaged as exc:
            problems.append(Problem(name, _short(exc, path), SET_ASIDE))
        except ArchiveError as exc:
            problems.append(Problem(name, _short(exc, path)))
    part_tables: dict[str, list[pa.Table]] = {"versions": [], "changes": []}
    for folder, schema in (("versions", VERSIONS), ("changes", CHANGES), (CURRENT_DIR, VERSIONS)):
        files = parts(root / folder)
        covered = set()
        for path in files:
            checked += 1
            rel = str(path.relative_to(root))
            try:
                ours = _schema_of(path, schema)
                file_schema = check_schema(path, ours)
                covered.update(covers(file_schema))
                table = read_checked(path, ours, file_schema=file_schema)
            except ArchiveDamaged as exc:
                problems.append(Problem(rel, _short(exc, path), SET_ASIDE))
                continue
            except ArchiveError as exc:
                problems.append(Problem(rel, _short(exc, path)))
                continue
            if folder in part_tables and path.name not in covered:
                part_tables[folder].append(table.select(_KEPT[folder]))
    if not any(p.path.startswith(("versions/", "changes/")) for p in problems):
        found, held = _consistency(articles, part_tables)
        problems += found
        search, count = _check_search(root, held)
        problems += search
        checked += count
    warc_problems, warc_count = _check_warc(root / WARC_DIR)
    return problems + warc_problems, checked + warc_count


# The columns of versions/ (and articles.parquet) and changes/ the consistency checks compare.
_KEPT = {"versions": ["url", "version", "content_hash"], "changes": ["url", "version", "change"]}


def _schema_of(path: Path, schema: pa.Schema) -> pa.Schema:
    """A run's `.current/` parts: content (versions/'s schema), failures or warnings."""
    if path.parent.name != CURRENT_DIR:
        return schema
    return {"failures": SNAPSHOT_FILES["failures.parquet"], "warnings": SNAPSHOT_FILES["warnings.parquet"]}.get(
        path.name.split("-", 1)[0], VERSIONS
    )


def _short(exc: BaseException, path: Path) -> str:
    """The error without the path it names (the problem line starts with it)."""
    return one_line(str(exc).replace(f"archive file {path} ", ""))


def _consistency(
    articles: pa.Table | None, part_tables: dict[str, list[pa.Table]]
) -> tuple[list[Problem], int]:
    """What versions/, changes/ and articles.parquet say of each other, and how many
    distinct versions versions/ holds."""
    versions = _joined(part_tables["versions"], VERSIONS.empty_table().select(_KEPT["versions"]))
    changes = _joined(part_tables["changes"], CHANGES.empty_table().select(_KEPT["changes"]))
    held = Counter(zip(versions["url"].to_pylist(), versions["version"].to_pylist(), strict=True))
    hashes = dict(zip(
        zip(versions["url"].to_pylist(), versions["version"].to_pylist(), strict=True),
        versions["content_hash"].to_pylist(), strict=True,
    ))
    problems = []
    twice = [key for key, n in held.items() if n > 1]
    if twice:
        url, version = twice[0]
        problems.append(Problem("versions/", f"{len(twice)} versions held twice (first: {url} v{version})"))
    if articles is not None:
        wrong = [
            (url, version) for url, version, digest in zip(
                articles["url"].to_pylist(), articles["version"].to_pylist(),
                articles["content_hash"].to_pylist(), strict=True,
            )
            if hashes.get((url, version), digest) != digest or (url, version) not in hashes
        ]
        if wrong:
            url, version = wrong[0]
            problems.append(Problem(
                "articles.parquet",
                f"{len(wrong)} articles name a version versions/ does not hold as named (first: {url} v{version})",
                REBUILD_ARTICLES,
            ))
    events = [
        (url, version) for url, version, change in zip(
            changes["url"].to_pylist(), changes["version"].to_pylist(), changes["change"].to_pylist(),
            strict=True,
        )
        if change in ("added", "changed") and (url, version) not in held
    ]
    if events:
        url, version = events[0]
        problems.append(Problem(
            "versions/",
            f"{len(events)} versions that changes/ records are missing (a part lost? first: {url} v{version})",
        ))
    return problems, len(held)


def _joined(tables: list[pa.Table], empty: pa.Table) -> pa.Table:
    return pa.concat_tables(tables) if tables else empty


def _check_search(root: Path, versions: int) -> tuple[list[Problem], int]:
    """The search index (derivable; absent until a crawl or a search builds it)."""
    from crawler.search.index import INDEX_FILE, verify

    path = root / INDEX_FILE
    if not path.exists():
        return [], 0
    problem = verify(path, versions)
    return ([Problem(INDEX_FILE, problem, REBUILD_SEARCH)] if problem else []), 1


def _check_warc(warc_dir: Path) -> tuple[list[Problem], int]:
    """Each WARC file whole, its records readable and their digests right; the CDXJ index
    matching the files."""
    if not warc_dir.is_dir():
        return [], 0
    problems = []
    files = sorted(p for p in warc_dir.glob("*.warc.gz") if p.is_file())
    expected = []  # the index lines of the records read
    for path in files:
        rel = f"{WARC_DIR}/{path.name}"
        size, whole = path.stat().st_size, cdxj.whole_prefix(path)
        if whole < size:
            problems.append(Problem(rel, f"torn record at byte {whole} ({size - whole} bytes)", CUT_TAIL))
        entries: list[cdxj.Entry] = []
        try:
            bad = cdxj.read_records(path, whole, entries, check_digests=True)
        except Exception as exc:  # warcio raises several types for a damaged record
            problems.append(Problem(rel, f"a record is unreadable: {one_line(exc)}"))
            continue
        finally:
            expected += [entry.line() for entry in entries]
        if bad:
            problems.append(Problem(rel, f"{bad} records whose digest does not match their content"))
    index_path = warc_dir / cdxj.INDEX
    expected.sort()
    try:
        actual = cdxj.read(warc_dir).lines if index_path.exists() else []
        state = json.loads((warc_dir / cdxj.STATE).read_text()) if (warc_dir / cdxj.STATE).exists() else {}
    except (OSError, ValueError) as exc:
        actual, state = [], {}
        problems.append(Problem(f"{WARC_DIR}/{cdxj.STATE}", f"unreadable: {one_line(exc)}", REBUILD_INDEX))
    if actual != expected:
        missing, extra = len(set(expected) - set(actual)), len(set(actual) - set(expected))
        problems.append(Problem(
            f"{WARC_DIR}/{cdxj.INDEX}",
            f"does not match the WARC files ({missing} captures missing, {extra} lines wrong or extra)",
            REBUILD_INDEX,
        ))
    elif files and state != {p.name: p.stat().st_size for p in files}:
        problems.append(Problem(f"{WARC_DIR}/{cdxj.STATE}", "does not match the WARC files' sizes", REBUILD_INDEX))
    return problems, len(files) + (1 if index_path.exists() else 0)


def repair(root: Path, problems: list[Problem]) -> list[str]:
    """Mend what is derivable, under the archive's lock (ArchiveLocked while a crawl runs);
    returns what was done."""
    root = Path(root)
    lock = ArchiveLock(root)
    lock.acquire()
    try:
        done, rebuild_articles = _mend_files(root, problems)
    finally:
        lock.release()
    if rebuild_articles:
        # The writer takes the lock itself, and sets aside what it finds damaged.
        from crawler.archive.writer import Archive

        with Archive(root, create=False).lock() as archive:
            archive.rebuild_snapshot()
            done.append(f"articles.parquet: rebuilt from versions/ ({len(archive.state)} articles)")
    if any(p.repair == REBUILD_SEARCH for p in problems):
        from crawler.archive.reader import ArchiveReader
        from crawler.search.index import INDEX_FILE, rebuild

        lock.acquire()
        try:
            set_aside(root, root / INDEX_FILE)
            built = rebuild(ArchiveReader(root))
        finally:
            lock.release()
        done.append(f"{INDEX_FILE}: rebuilt from versions/ ({built.total} versions)")
    return done


def _mend_files(root: Path, problems: list[Problem]) -> tuple[list[str], bool]:
    stamp = damage_stamp()
    done = []
    rebuild_articles = False
    for problem in problems:
        path = root / problem.path
        if problem.repair == SET_ASIDE and path.exists():
            where = set_aside(root, path, stamp)
            done.append(f"{problem.path}: set aside in {where.relative_to(root)}")
            rebuild_articles |= problem.path == "articles.parquet"
        elif problem.repair == REBUILD_ARTICLES:
            rebuild_articles = True
        elif problem.repair == CUT_TAIL:
            tail = cdxj.cut_torn_end(path, cdxj.whole_prefix(path), stamp)
            done.append(f"{problem.path}: torn end cut off, kept in {tail.relative_to(root)}")
    if any(p.repair in (REBUILD_INDEX, CUT_TAIL) for p in problems):
        warc_dir = root / WARC_DIR
        for name in (cdxj.INDEX, cdxj.STATE):
            if (warc_dir / name).exists():
                set_aside(root, warc_dir / name, stamp)
        index = cdxj.update(warc_dir)
        done.append(f"{WARC_DIR}/{cdxj.INDEX}: rebuilt from the WARC files ({len(index.lines)} captures)")
    articles = root / "articles.parquet"
    if rebuild_articles and articles.exists():
        done.append(f"articles.parquet: set aside in {set_aside(root, articles, stamp).relative_to(root)}")
    return done, rebuild_articles

