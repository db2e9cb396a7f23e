"""Queries of the search index: a query's words and phrases as an FTS5 expression, the
filters, ranking (BM25, the title weighted), one result per article, and the snippet with
the matched words marked."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from crawler.search.analysis import WORD_RE, normalize, stem, words
from crawler.search.index import article_texts, stored_zdict


class QueryError(ValueError):
    """A query or filter that cannot be asked (a usage error): one line."""


@dataclass(frozen=True)
class Query:
    """Words (each its stems: a word written with a hyphen or dot is several) and phrases
    (normalised words, exact order)."""

    terms: tuple[tuple[str, ...], ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def stems(self) -> set[str]:
        out = {s for term in self.terms for s in term}
        out.update(stem(w) for phrase in self.phrases for w in phrase)
        return out

    def expression(self) -> str:
        """The FTS5 MATCH expression, all ANDed: every word's stems, every phrase's stems
        adjacent (`holds_phrases` then checks the phrase's exact words)."""
        parts = [f'"{" ".join(term)}"' for term in self.terms]
        parts += [f'"{" ".join(stem(w) for w in phrase)}"' for phrase in self.phrases]
        return " AND ".join(parts)

    def holds_phrases(self, title: str, body: str, notes: str) -> bool:
        """Whether every phrase is in the text word for word (after normalisation)."""
        if not self.phrases:
            return True
        fields = [f" {' '.join(words(text))} " for text in (title, body, notes)]
        return all(any(f" {' '.join(p)} " in field for field in fields) for p in self.phrases)


_ARABIC = re.compile(r"[\u0621-\u064a]")
_PHRASE_RE = re.compile(r'"([^"]*)"?')


def parse(text: str) -> Query:
    """A query as typed: words ANDed, "..." an exact phrase (an unclosed quote runs to the end)."""
    phrases = []
    for match in _PHRASE_RE.finditer(text):
        found = tuple(words(match.group(1)))
        if found:
            phrases.append(found)
    rest = _PHRASE_RE.sub(" ", text)
    terms = []
    for raw in rest.split():
        found = tuple(stem(w) for w in words(raw))
        if found:
            terms.append(found)
    if not terms and not phrases:
        raise QueryError(f"the query holds no word to search for: {text!r}")
    return Query(tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(phrases)))


@dataclass
class Hit:
    """One article found: the version that matched (its current one, else the newest older
    version that did), and where."""

    url: str
    post_id: int | None
    version: int
    title: str
    published: str | None
    sections: list[str]
    snippet: str
    score: float
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    current: bool = True
    latest_version: int = 0

    def as_json(self) -> dict[str, Any]:
        """The contract's `--json` object (and where the version stands, added)."""
        return asdict(self)


@dataclass(frozen=True)
class Filters:
    section: str | None = None
    author: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    language: str | None = None


def prepare(conn: sqlite3.Connection) -> None:
    """The SQL functions queries use (the same normaliser as the index)."""
    conn.create_function("ncmes_norm", 1, lambda v: normalize(v) if v is not None else None, deterministic=True)


def _known(conn: sqlite3.Connection, column: str) -> list[str]:
    rows = conn.execute(f"SELECT DISTINCT j.value FROM docs, json_each(docs.{column}) j WHERE docs.current = 1")
    return sorted(r[0] for r in rows)


def _check(conn: sqlite3.Connection, filters: Filters) -> None:
    """A filter naming what the archive never held is a usage error naming what it holds."""
    if filters.section is not None:
        known = _known(conn, "sections")
        if normalize(filters.section) not in {normalize(s) for s in known}:
            raise QueryError(f"no section {filters.section!r} in the archive; known: {', '.join(known) or 'none'}")
    if filters.language is not None:
        langs = sorted(r[0] for r in conn.execute("SELECT DISTINCT language FROM docs WHERE language IS NOT NULL"))
        if filters.language not in langs:
            raise QueryError(f"no articles in language {filters.language!r}; known: {', '.join(langs) or 'none'}")
    if filters.author is not None and not words(filters.author):
        raise QueryError(f"--author wants a name: {filters.author!r}")


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if filters.section is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(d.sections) j WHERE ncmes_norm(j.value) = ?)")
        params.append(normalize(filters.section))
    if filters.author is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(d.authors) j WHERE instr(ncmes_norm(j.value), ?) > 0)")
        params.append(" ".join(words(filters.author)))
    if filters.since is not None:
        clauses.append("d.published >= ?")
        params.append(filters.since.isoformat())
    if filters.until is not None:
        clauses.append("d.published <= ?")
        params.append(filters.until.isoformat())
    if filters.language is not None:
        clauses.append("d.language = ?")
        params.append(filters.language)
    return "".join(f" AND {c}" for c in clauses), params


# BM25 weights of title, body and notes: a word in the title
# says more about the article than one in a footnote.
WEIGHTS = (4.0, 1.0, 0.5)


def search(
    conn: sqlite3.Connection, query: Query, filters: Filters = Filters(), *, all_versions: bool = False,
    limit: int = 20, mark: tuple[str, str] = ("**", "**"), width: int = 36,
) -> list[Hit]:
    """The articles the query finds, best first. With `all_versions`, an article whose current
    version does not match is found by its newest older version that does."""
    prepare(conn)
    _check(conn, filters)
    where, params = _where(filters)
    if not all_versions:
        where += " AND d.current = 1"
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (
        f"SELECT d.id, d.url, d.version, d.current, bm25(fts, {weights}) AS rank FROM fts"
        f" JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ?{where} ORDER BY rank"
    )
    if not query.phrases:
        if all_versions:
            # One row per article in SQL: its current version when it matches, else the newest
            # that does (SQLite gives a bare column the values of the row max() picked).
            # (Materialised: FTS5 computes bm25 only in a query of its own table.)
            sql = (f"WITH m AS MATERIALIZED ({sql.removesuffix(' ORDER BY rank')}) SELECT id, url, version, current, rank,"
                   f" max(current * 1000000 + version) FROM m GROUP BY url ORDER BY rank")
        sql += f" LIMIT {int(limit)}"  # one row per article: nothing left to group
    zdict = stored_zdict(conn)
    texts: dict[str, dict[int, tuple[str, str]]] = {}

    def text_of(url: str, version: int) -> tuple[str, str]:
        if url not in texts:
            texts[url] = article_texts(conn, url, zdict)
        return texts[url].get(version, ("", ""))

    def holds(doc_id: int) -> bool:
        if not query.phrases:
            return True
        title, url, version = conn.execute("SELECT title, url, version FROM docs WHERE id = ?", (doc_id,)).fetchone()
        return query.holds_phrases(title, *text_of(url, version))

    rows = conn.execute(sql, [query.expression(), *params])
    if not query.phrases:
        chosen = [(rank, doc_id, version, bool(current)) for doc_id, _url, version, current, rank, *_ in rows]
    elif not all_versions:
        chosen = []
        for doc_id, _url, version, current, rank in rows:  # best first
            if holds(doc_id):
                chosen.append((rank, doc_id, version, bool(current)))
                if len(chosen) >= limit:
                    break
    else:
        chosen = _verified_per_article(list(rows), holds, limit)
    hits = []
    for rank, doc_id, _version, current in chosen:
        row = conn.execute(
            "SELECT url, post_id, version, title, published, sections, authors, language,"
            " (SELECT max(version) FROM docs e WHERE e.url = docs.url) FROM docs WHERE id = ?", (doc_id,)
        ).fetchone()
        url, post_id, version, title, published, sections, authors, language, latest = row
        body, notes = text_of(url, version)
        hits.append(Hit(
            url=url, post_id=post_id, version=version, title=title, published=published,
            sections=json.loads(sections), snippet=snippet(query, body, notes, mark=mark, width=width),
            score=float(f"{-rank:.4g}"), authors=json.loads(authors), language=language, current=current,
            latest_version=latest,
        ))
    return hits


def _verified_per_article(
    rows: list[tuple[int, str, int, int, float]], holds: Any, limit: int
) -> list[tuple[float, int, int, bool]]:
    """Of every matching version, each article's current one when it holds the phrases, else
    its newest that does; the best `limit` of them. Articles are taken best candidate first and
    the checking stops once no article left can rank among them (a phrase is checked in the
    text, which costs: most candidates are never read)."""
    by_url: dict[str, list[tuple[int, str, int, int, float]]] = {}
    for row in rows:
        by_url.setdefault(row[1], []).append(row)
    # An article ranks no better than its best candidate (bm25: lower is better).
    order = sorted(by_url.values(), key=lambda cands: min(c[4] for c in cands))
    top: list[tuple[float, int, int, bool]] = []
    for cands in order:
        if len(top) >= limit and min(c[4] for c in cands) > top[-1][0]:
            break
        for doc_id, _url, version, current, rank in sorted(cands, key=lambda c: (-c[3], -c[2])):
            if holds(doc_id):
                top.append((rank, doc_id, version, bool(current)))
                top.sort()
                del top[limit:]
                break
    return top


def snippet(query: Query, body: str, notes: str, *, mark: tuple[str, str] = ("**", "**"), width: int = 36) -> str:
    """The passage (a line of the body or a footnote) holding most of the query's words, cut
    to about `width` words around the first of them, the matched words marked."""
    wanted = query.stems
    # An Arabic stem is a part of each word it keys: a line holding none of them as text
    # holds none of the words (Porter stems of English words need not be).
    quick = all(_ARABIC.match(s) for s in wanted)
    best_line, best_hits = "", 0
    lines = [*body.splitlines(), *notes.splitlines()]
    normed_lines = normalize("\n".join(lines)).split("\n")  # once: far faster than line by line
    if len(normed_lines) != len(lines):
        normed_lines = [normalize(line) for line in lines]
    for line, normed in zip(lines, normed_lines, strict=True):
        if quick and not any(s in normed for s in wanted):
            continue
        found = {s for s in (stem(w) for w in WORD_RE.findall(normed)) if s in wanted}
        if len(found) > best_hits:
            best_line, best_hits = line, len(found)
            if best_hits == len(wanted):
                break
    if not best_line:  # the title alone matched
        best_line = next((line for line in body.splitlines() if line.strip()), "")
    tokens = best_line.split()
    normed_tokens = normalize(best_line).split()
    if len(normed_tokens) != len(tokens):
        normed_tokens = [normalize(t) for t in tokens]
    matched = [any(stem(w) in wanted for w in WORD_RE.findall(t)) for t in normed_tokens]
    first = matched.index(True) if any(matched) else 0
    start = max(0, min(first - width // 3, len(tokens) - width))
    end = min(len(tokens), start + width)
    out = [_marked(t, mark) if m else t for t, m in zip(tokens[start:end], matched[start:end], strict=True)]
    return ("… " if start > 0 else "") + " ".join(out) + (" …" if end < len(tokens) else "")


def _marked(token: str, mark: tuple[str, str]) -> str:
    """The token with its word marked, the punctuation around it left outside."""
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start])[0] in "PS":
        start += 1
    while end > start and unicodedata.category(token[end - 1])[0] in "PS":
        end -= 1
    return f"{token[:start]}{mark[0]}{token[start:end]}{mark[1]}{token[end:]}"


def format_hits(hits: list[Hit], *, all_versions: bool = False) -> str:
    """Results for a terminal: rank, title, date, sections, version, URL, snippet."""
    if not hits:
        return "no article found" + ("" if all_versions else " (--all-versions also searches earlier versions)")
    lines = []
    for n, hit in enumerate(hits, 1):
        where = f"version {hit.version}"
        if not hit.current:
            where += f" (an earlier version; the latest is {hit.latest_version})"
        sections = (", " if hit.language == "en" else "، ").join(hit.sections)
        meta = " · ".join(x for x in (hit.published or "no date", sections, where) if x)
        lines += [f"{n}. {hit.title}", f"   {meta}", f"   {hit.url}", f"   {hit.snippet}", ""]
    return "\n".join(lines).rstrip("\n")
