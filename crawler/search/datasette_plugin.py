"""The Datasette plugin `browse` registers: the search index's SQL functions (the query
normalised and stemmed as the index is), Arabic cells right to left, and the article and
diff pages."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from crawler.cli import REPLAY_PORT
from crawler.search.index import notes_text
from crawler.search.query import Query, QueryError, parse, prepare, snippet

DATABASE = "ncmes"
# An FTS5 expression no document matches: the answer to a query with no word in it.
NOTHING = '"ncmesnothingmatches"'
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_MARKED = re.compile(r"\*\*(.+?)\*\*")
REPLAY = "http://127.0.0.1:{port}/ncmes/{timestamp}/{url}"


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Query | None:
    """The query typed in the search box, parsed once (the SQL functions below are called for
    every row the index matched); None when it holds no word to search for."""
    try:
        return parse(text)
    except QueryError:
        return None


def fts_query(text: str | None) -> str:
    """The FTS5 expression of a query typed in the search box (see crawler.search.query)."""
    query = _parsed(text or "")
    return NOTHING if query is None else query.expression()


def passage(text: str | None, body: str | None, footnotes: str | None) -> str:
    """The passage of a version the query matched, its words marked **so**."""
    query = _parsed(text or "")
    if query is None:
        return ""
    return snippet(query, body or "", notes_text(json.loads(footnotes or "[]")))


def phrase_ok(text: str | None, title: str | None, body: str | None, footnotes: str | None) -> bool:
    """Whether the version holds the query's phrases word for word (the index matched their stems)."""
    query = _parsed(text or "")
    if query is None:
        return False
    if not query.phrases:
        return True
    return query.holds_phrases(title or "", body or "", notes_text(json.loads(footnotes or "[]")))


@hookimpl
def prepare_connection(conn: Any) -> None:
    prepare(conn)
    conn.create_function("ncmes_phrases", 4, phrase_ok, deterministic=True)
    conn.create_function("ncmes_query", 1, fts_query, deterministic=True)
    conn.create_function("ncmes_snippet", 3, passage, deterministic=True)


def article_href(url: str) -> str:
    return "/-/article?" + urlencode({"url": url})


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    if database != DATABASE or not isinstance(value, str):
        return None
    if column == "url" and value.startswith(("http://", "https://")):
        return Markup(f'<a href="{escape(article_href(value))}" dir="ltr">{escape(value)}</a>')
    if column == "passage":
        marked = _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", str(escape(value)))
        return Markup(f'<div dir="auto" class="passage">{marked}</div>')
    if value.startswith('["') and _ARABIC.search(value):  # a list of names (sections, authors)
        try:
            names = json.loads(value)
        except ValueError:
            names = None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return Markup('<div dir="auto">' + "، ".join(str(escape(n)) for n in names) + "</div>")
    if _ARABIC.search(value):
        shown = value if len(value) <= 400 else value[:400] + "…"
        return Markup(f'<div dir="auto">{escape(shown)}</div>')
    return None


def _version_row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for name in ("sections", "authors", "footnotes", "links", "related", "changed"):
        if isinstance(out.get(name), str):
            out[name] = json.loads(out[name])
    if out.get("published"):
        out["published"] = dt.date.fromisoformat(out["published"])
    return out


def _replay_href(row: dict[str, Any], port: int) -> str | None:
    if not row.get("seen_at") or not row.get("warc_file"):
        return None
    stamp = re.sub(r"\D", "", row["seen_at"])[:14]
    return REPLAY.format(port=port, timestamp=stamp, url=row["url"])


async def _versions(datasette: Any, url: str) -> list[dict[str, Any]]:
    db = datasette.get_database(DATABASE)
    result = await db.execute("SELECT * FROM versions WHERE url = ? ORDER BY version", [url])
    return [_version_row(r) for r in result.rows]


async def article_page(datasette: Any, request: Any) -> Response:
    url = request.args.get("url", "")
    versions = await _versions(datasette, url)
    if not versions:
        return Response.html(f"<p>No article {html.escape(url)} in this archive.</p>", status=404)
    db = datasette.get_database(DATABASE)
    found = (await db.execute("SELECT status, first_seen, last_changed FROM articles WHERE url = ?", [url])).rows
    status = dict(found[0]) if found else {}
    want = request.args.get("version")
    latest = versions[-1]
    shown = next((v for v in versions if str(v["version"]) == want), latest)
    for v in versions:
        v["replay"] = _replay_href(v, REPLAY_PORT)
        v["diff"] = ("/-/diff?" + urlencode({"url": url, "to": v["version"]})) if v["version"] > 1 else None
        v["page"] = "/-/article?" + urlencode({"url": url, "version": v["version"]})
    rtl = (shown.get("language") or "ar") == "ar"
    return Response.html(await datasette.render_template(
        "ncmes_article.html",
        {"a": shown, "versions": versions, "latest": latest, "status": status, "rtl": rtl, "url": url,
         "versions_table": f"/{DATABASE}/versions?url={quote(url, safe='')}"},
        request=request,
    ))


async def diff_page(datasette: Any, request: Any) -> Response:
    from crawler.dataset.diff import FIELD_LABELS, field_hunks

    url = request.args.get("url", "")
    versions = {v["version"]: v for v in await _versions(datasette, url)}
    try:
        to = int(request.args.get("to") or max(versions or [0]))
    except ValueError:
        to = 0
    new = versions.get(to)
    if new is None:
        return Response.html(f"<p>No version {to} of {html.escape(url)} in this archive.</p>", status=404)
    before = max((v for v in versions if v < to), default=None)
    old = versions.get(before) if before is not None else None
    fields = [{"name": f.name, "label": FIELD_LABELS[f.name], "hunks": cut} for f, cut in field_hunks(old, new)]
    return Response.html(await datasette.render_template(
        "ncmes_diff.html",
        {"a": new, "old": old, "fields": fields, "url": url, "article": article_href(url),
         "rtl": (new.get("language") or "ar") == "ar"},
        request=request,
    ))


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/article$", article_page), (r"^/-/diff$", diff_page)]
