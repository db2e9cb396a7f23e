"""One article read from the archive: a version with every field (`show`) and the list of its
versions with what changed in each (`history`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crawler.archive.changes import changed_fields
from crawler.dataset import ReportError
from crawler.dataset.diff import pick_versions, resolve_url

# The order `show` prints the fields in; body and footnotes come last, whole.
HEAD_FIELDS = ("url", "post_id", "title", "series", "language", "published", "published_at", "modified_at",
               "authors", "sections", "word_count", "version", "content_hash", "seen_at", "run_id",
               "warc_file", "warc_offset", "warc_record_id")


def _versions(archive: Any, ref: str) -> tuple[str, list[dict[str, Any]]]:
    url = resolve_url(archive, ref)
    rows = archive.read_versions(url).to_pylist()
    if not rows:
        raise ReportError(f"no article {ref!r} in the archive (try a URL or post id that `search` shows)")
    return url, rows


def _status(archive: Any, url: str) -> dict[str, Any]:
    """The article's status and dates, from the ledger's state (no article content read)."""
    state = archive.state.get(url)
    if state is None:
        return {"status": None}
    return {"status": state.status, "first_seen": state.first_seen, "last_seen": state.last_seen,
            "last_changed": state.last_changed}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def show(archive: Any, ref: str, version: int | None = None) -> dict[str, Any]:
    """One version of the article (default: the latest), every field, with its status and how
    many versions there are."""
    url, _, row, known = pick_versions(archive, ref, to_v=version)
    state = _status(archive, url)
    out = _jsonable(dict(row))
    out.update(
        versions=len(known), latest_version=known[-1], status=state.get("status"),
        first_seen=_jsonable(state.get("first_seen")), last_seen=_jsonable(state.get("last_seen")),
    )
    return out


def format_show(article: dict[str, Any]) -> str:
    """A version for a terminal: the fields one per line, then the body and the footnotes."""
    lines = []
    for name in HEAD_FIELDS:
        value = article.get(name)
        if value is None or value == []:
            continue
        if isinstance(value, list):
            value = "، ".join(str(v) for v in value) if article.get("language") == "ar" else ", ".join(map(str, value))
        if name == "version":
            value = f"{value} of {article['versions']}" + (
                "" if article["version"] == article["latest_version"] else f" (the latest is {article['latest_version']})")
        lines.append(f"{name + ':':<16}{value}")
    if article.get("status") == "removed":
        lines.append(f"{'status:':<16}removed (the site stopped serving it; last seen {article.get('last_seen')})")
    elif article.get("status"):
        lines.append(f"{'status:':<16}{article['status']}")
    lines += ["", article.get("body") or "(no body)"]
    notes = article.get("footnotes") or []
    if notes:
        lines += ["", "footnotes:"]
        for note in notes:
            lines.append(f"[{note['number']}] {note['text']}")
    links = article.get("links") or []
    if links:
        lines += ["", "links:"] + [f"- {link['text']} <{link['url']}>" for link in links]
    related = article.get("related") or []
    if related:
        lines += ["", "related:"] + [f"- {r['title']} <{r['url']}>" for r in related]
    return "\n".join(lines)


def removal(archive: Any, url: str) -> str | None:
    """A line saying the article was removed, and when it was last seen; None when live."""
    state = _status(archive, url)
    if state.get("status") != "removed":
        return None
    seen = state.get("last_seen")
    return f"removed: the site stopped serving it (last seen {seen:%Y-%m-%d %H:%M} UTC)" if seen else "removed"


def history(archive: Any, ref: str) -> tuple[str, list[dict[str, Any]]]:
    """The article's versions, oldest first: version, seen at, run, published, title, and the
    fields that changed from the version before."""
    url, rows = _versions(archive, ref)
    out = []
    prev = None
    for row in rows:
        fields = changed_fields(prev, row) if prev is not None else ["added"]
        out.append({
            "url": url, "version": row["version"], "seen_at": _jsonable(row.get("seen_at")),
            "run_id": row.get("run_id"), "title": row["title"], "published": _jsonable(row.get("published")),
            "changed": fields, "word_count": row.get("word_count"),
        })
        prev = row
    return url, out


def format_history(url: str, rows: list[dict[str, Any]], removed: str | None = None) -> str:
    lines = [url, f"{'version':<8} {'seen (UTC)':<20} {'run':<24} changed"]
    for row in rows:
        seen = (row["seen_at"] or "")[:19].replace("T", " ")
        lines.append(f"{row['version']:<8} {seen:<20} {row['run_id'] or '':<24} {', '.join(row['changed'])}")
    if removed:
        lines.append(removed)
    return "\n".join(lines)
