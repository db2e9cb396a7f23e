"""The search index: every archived version's title, body and footnotes in SQLite FTS5
(`search.sqlite` in the archive folder), derivable from versions/ and kept up to date.

Each version is one row of `docs` (its metadata, whether it is its article's current
version) and one row of the contentless FTS5 table `fts`: a column per field holding the
field's stems in order, with their positions, so that words match loosely and a phrase's
stems match adjacent (the query then checks the phrase's exact words in the version's text: a
second, normalised column would double the index). `texts` keeps each article's versions'
body and footnotes for the snippets and phrases, compressed together (versions of one article
differ little, so the older ones cost almost nothing) with a preset dictionary of the
archive's frequent words. Versions are append-only, so the index is too: an update adds the
versions it lacks and moves the `current` flag of their articles; it never re-reads the rest
of the archive's text. The archive is read through its read methods only.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.archive.files import build_atomic, pid_tmp, remove_abandoned
from crawler.search.analysis import stem, words

INDEX_FILE = "search.sqlite"
# Bumped whenever the tables or the analysis change: an older index is rebuilt.
INDEX_VERSION = "4"
FIELDS = ("title", "body", "notes")
CONTENT_COLUMNS = ["post_id", "title", "sections", "authors", "published", "language", "body", "footnotes",
                   "seen_at", "run_id"]
# Versions read from the archive and indexed per transaction (bounds memory).
BATCH = 2000

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    version INTEGER NOT NULL,
    post_id INTEGER,
    title TEXT NOT NULL,
    published TEXT,
    sections TEXT NOT NULL,
    authors TEXT NOT NULL,
    language TEXT,
    seen_at TEXT,
    run_id TEXT,
    current INTEGER NOT NULL DEFAULT 0,
    UNIQUE (url, version)
);
CREATE TABLE texts (url TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(
    {", ".join(FIELDS)}, content='', tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO meta VALUES ('index_version', '{INDEX_VERSION}');
"""


@dataclass
class Update:
    """What an update did."""

    added: int
    total: int
    rebuilt: bool
    path: str


def notes_text(footnotes: Iterable[dict[str, Any]] | None) -> str:
    """The footnotes as one text, a note per line."""
    return "\n".join(f"[{note['number']}] {note['text']}" for note in footnotes or [])


class Foreign(Exception):
    """The index holds versions the archive does not (another archive's, or a restored one's):
    it is rebuilt."""


def make_zdict(texts: Iterable[str], size: int = 32768) -> bytes:
    """A zlib preset dictionary for the stored texts: the archive's most frequent words, the
    most frequent last (deflate reaches the end of the dictionary most cheaply). Versions are
    short: compressed one by one, they shrink to two thirds of what they would alone."""
    counts = Counter(w for text in texts for w in text.split())
    out, used = [], 0
    for word, _ in counts.most_common():
        data = (word + " ").encode()
        if used + len(data) > size:
            break
        out.append(data)
        used += len(data)
    return b"".join(reversed(out))


def _pack(text: str, zdict: bytes) -> bytes:
    if not zdict:
        return zlib.compress(text.encode(), 9)
    packer = zlib.compressobj(9, zdict=zdict)
    return packer.compress(text.encode()) + packer.flush()


def index_row(row: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """One version (versions/'s columns) as its `docs` values and its `fts` values."""
    title, body, notes = row["title"] or "", row["body"] or "", notes_text(row["footnotes"])
    stemmed = [" ".join(stem(w) for w in words(text)) for text in (title, body, notes)]
    published = row["published"]
    seen = row.get("seen_at")
    doc = [
        row["url"], row["version"], row["post_id"], title,
        published.isoformat() if published is not None else None,
        json.dumps(list(row["sections"] or []), ensure_ascii=False),
        json.dumps(list(row["authors"] or []), ensure_ascii=False),
        row["language"], seen.isoformat() if seen is not None else None, row.get("run_id"),
    ]
    return doc, stemmed


def _unpack(blob: bytes, zdict: bytes) -> str:
    unpacker = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    return (unpacker.decompress(blob) + unpacker.flush()).decode()


def article_texts(conn: sqlite3.Connection, url: str, zdict: bytes) -> dict[int, tuple[str, str]]:
    """Each indexed version's body and footnotes text, by version (`zdict`: stored_zdict's)."""
    row = conn.execute("SELECT data FROM texts WHERE url = ?", (url,)).fetchone()
    if row is None:
        return {}
    return {int(v): (body, notes) for v, (body, notes) in json.loads(_unpack(row[0], zdict)).items()}


def stored_zdict(conn: sqlite3.Connection) -> bytes:
    """The preset dictionary the index compresses its texts with (empty: none)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'zdict'").fetchone()
    return bytes(row[0]) if row else b""


def _connect(path: str | Path, *, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), uri=uri, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _sound(conn: sqlite3.Connection) -> bool:
    """The file is an index of this version (not a check of every page: queries that meet
    damage rebuild it)."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'index_version'").fetchone()
        conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'x'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == INDEX_VERSION


def verify(path: Path, versions: int) -> str | None:
    """What is wrong with the index file at `path` for an archive holding `versions`
    versions (for `check`), or None when it is sound and complete."""
    try:
        conn = _connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        return f"unreadable ({exc})"
    try:
        if not _sound(conn):
            return "not a search index of this program's kind, or damaged"
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            return f"damaged ({status})"
        held = indexed_count(conn)
        if held != versions:
            return f"indexes {held} versions where the archive holds {versions}"
    except sqlite3.DatabaseError as exc:
        return f"damaged ({exc})"
    finally:
        conn.close()
    return None


def indexed_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM docs").fetchone()[0]


def _add_versions(conn: sqlite3.Connection, archive: Any) -> int:
    """Index the versions the archive holds and the index lacks; move the current flags of
    their articles. One transaction per batch; returns how many versions were added."""
    keys = archive.read_versions(columns=["version"])
    have = {(url, version) for url, version in conn.execute("SELECT url, version FROM docs")}
    held = set(zip(keys["url"].to_pylist(), keys["version"].to_pylist(), strict=True))
    if have - held:
        raise Foreign(f"the index holds {len(have - held)} versions the archive does not")
    missing = held - have
    if not missing:
        return 0
    urls = sorted({url for url, _ in missing})
    added = 0
    for start in range(0, len(urls), BATCH):
        chunk = urls[start:start + BATCH]
        table = archive.read_versions(urls=chunk, columns=CONTENT_COLUMNS)
        conn.execute("BEGIN IMMEDIATE")
        try:
            added += insert_versions(conn, (r for r in table.to_pylist() if (r["url"], r["version"]) in missing))
            mark_current(conn, chunk)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return added


def insert_versions(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> int:
    """Index these versions (rows with versions/'s columns) not yet indexed; returns how many."""
    added = 0
    columns = ", ".join(FIELDS)
    rows = list(rows)
    zdict = stored_zdict(conn)
    if not zdict and rows:
        zdict = make_zdict(r["body"] or "" for r in rows[:1000])
        conn.execute("INSERT INTO meta VALUES ('zdict', ?)", (zdict,))
    texts: dict[str, dict[int, tuple[str, str]]] = {}
    for row in rows:
        doc, fts = index_row(row)
        cur = conn.execute(
            "INSERT OR IGNORE INTO docs (url, version, post_id, title, published, sections, authors,"
            " language, seen_at, run_id) VALUES (?,?,?,?,?,?,?,?,?,?)", doc)
        if cur.rowcount:  # another process may have indexed it meanwhile
            conn.execute(f"INSERT INTO fts (rowid, {columns}) VALUES (?,?,?,?)", [cur.lastrowid, *fts])
            if row["url"] not in texts:
                texts[row["url"]] = article_texts(conn, row["url"], zdict)
            texts[row["url"]][row["version"]] = (row["body"] or "", notes_text(row["footnotes"]))
            added += 1
    conn.executemany(
        "INSERT OR REPLACE INTO texts VALUES (?, ?)",
        ((url, _pack(json.dumps(dict(sorted(by.items())), ensure_ascii=False), zdict)) for url, by in texts.items()))
    return added


def mark_current(conn: sqlite3.Connection, urls: Iterable[str]) -> None:
    """Flag the latest indexed version of each of these articles as its current one."""
    conn.executemany(
        "UPDATE docs SET current = (version = (SELECT max(version) FROM docs d WHERE d.url = docs.url))"
        " WHERE url = ?", [(url,) for url in urls])


def create(conn: sqlite3.Connection) -> None:
    """The index's tables, empty, in this database (pages of 8 KiB in a new file: the
    compressed texts waste less of them)."""
    conn.execute("PRAGMA page_size = 8192")
    conn.executescript(SCHEMA)


def _build(path: Path, archive: Any) -> int:
    """A new index of every version at `path` (written beside, then renamed)."""
    remove_abandoned(path)
    added = 0

    def build(tmp: Path) -> None:
        nonlocal added
        conn = _connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            create(conn)
            added = _add_versions(conn, archive)
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            # FTS5 merged its segments as it grew: the pages they freed go back (an update's
            # are reused by the next).
            conn.execute("VACUUM")
        finally:
            conn.close()

    build_atomic(path, build, tmp=pid_tmp(path))
    return added


def update(archive: Any, path: Path | None = None) -> Update:
    """Bring the archive's index up to date in place (for writers: a crawl's end, reextract,
    check --repair): add the versions it lacks; rebuild it when missing, damaged or of an
    older kind."""
    path = Path(path) if path is not None else Path(archive.root) / INDEX_FILE
    if path.exists():
        conn = _connect(path)
        try:
            if _sound(conn):
                added = _add_versions(conn, archive)
                return Update(added, indexed_count(conn), False, str(path))
        except (sqlite3.DatabaseError, Foreign):
            pass  # damaged past what _sound saw, or not this archive's: rebuilt below
        finally:
            conn.close()
    added = _build(path, archive)
    return Update(added, added, True, str(path))


def rebuild(archive: Any, path: Path | None = None) -> Update:
    """A new index from versions/, whatever the old one holds."""
    path = Path(path) if path is not None else Path(archive.root) / INDEX_FILE
    added = _build(path, archive)
    return Update(added, added, True, str(path))


def _fresh(conn: sqlite3.Connection, archive: Any) -> bool:
    return _sound(conn) and indexed_count(conn) == archive.count_versions()


@contextlib.contextmanager
def open_for_reading(archive: Any) -> Iterator[sqlite3.Connection]:
    """A connection to an up-to-date index of the archive, for queries.

    The archive's own index when it is fresh; else it is brought up to date in place; where
    the folder cannot be written (a read-only archive), the existing index is copied to a
    temporary file and updated there, or one is built there from scratch. Never fails for
    want of a writable archive."""
    with contextlib.ExitStack() as stack:
        conn = _reading_connection(archive, stack)
        with contextlib.closing(conn):
            yield conn


def _reading_connection(archive: Any, stack: contextlib.ExitStack) -> sqlite3.Connection:
    """open_for_reading's connection (a temporary folder it needs is removed by `stack`)."""
    path = Path(archive.root) / INDEX_FILE
    if path.exists():
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            if _fresh(conn, archive):
                return conn
        except sqlite3.DatabaseError:
            pass  # unreadable: rebuilt below
        if conn is not None:
            conn.close()
    if _writable(path):
        try:
            update(archive, path)
        except sqlite3.OperationalError:
            pass  # e.g. a read-only file in a writable folder: a temporary copy below
        else:
            return _connect(path)
    copy = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ncmes-search-"))) / INDEX_FILE
    if path.exists():
        try:
            source = _connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            target = _connect(copy)
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        except sqlite3.DatabaseError:
            with contextlib.suppress(FileNotFoundError):
                copy.unlink()
    update(archive, copy)
    return _connect(copy)


def _writable(path: Path) -> bool:
    folder = path.parent
    if not os.access(folder, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


__all__ = [
    "FIELDS", "INDEX_FILE", "Update", "create", "index_row", "insert_versions", "mark_current", "notes_text", "open_for_reading", "rebuild", "article_texts", "stored_zdict",
    "update",
]
