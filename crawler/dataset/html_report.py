"""A browsable report of what changed: static HTML and an Atom feed, readable offline.

`report(archive, out)` writes into the folder `out`:

- `index.html`: the added, changed and removed articles of the selected runs, newest first,
  with title, dates, sections and changed fields (right to left, `lang="ar"`);
- `articles/<id>-<hash>.html`: one page per changed article, every changed field diffed word
  by word (`<del>` / `<ins>` around the words), the version history with dates, links to the
  article on the site and to its raw capture (the WARC file, by a path relative to the
  report, and the record's offset);
- `changes.xml`: an Atom feed of the same changes;
- `style.css`.

No script, no web font, no request: the pages open from the folder. English-edition
articles (`language == "en"`) are marked `lang="en" dir="ltr"`. Every text from the archive
is escaped (titles are the site's text, not ours).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from crawler.archive.files import pid_tmp, remove_abandoned, swap_in
from crawler.archive.reader import ArchiveReader
from crawler.dataset import ReportError
from crawler.dataset.bidi import isolate
from crawler.dataset.changes import _runs_selected, change_events_with_versions
from crawler.dataset.diff import FieldDiff, field_hunks
from crawler.dataset.worddiff import LineDiff

MARKER = ".ncmes-report"  # names a folder this module wrote, which it may replace
ATOM = "http://www.w3.org/2005/Atom"
GENERATOR = "ncmes-archive report"


class ReportUsageError(ReportError):
    """An --out the report may not write into (a file, a folder of other files): a usage error."""


# Control characters are not allowed in XML and mean nothing in HTML.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

FIELD_LABELS_AR = {
    "title": "العنوان",
    "body": "النص",
    "footnotes": "الحواشي",
    "authors": "المؤلفون",
    "published": "تاريخ النشر",
    "sections": "الأقسام",
}
CHANGE_LABELS_AR = {"added": "مقال جديد", "changed": "تعديل", "removed": "حُذف"}


def clean(text: str) -> str:
    """Text without control characters (kept out of HTML and XML)."""
    return _CONTROL.sub("", text)


def _finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


def seen_text(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("crawler.dataset", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["seen"] = seen_text
    env.filters["bidi"] = isolate
    env.filters["iso"] = lambda v: v.isoformat() if v is not None else ""
    env.globals.update(field_labels=FIELD_LABELS_AR, change_labels=CHANGE_LABELS_AR)
    return env


def article_key(url: str, post_id: int | None) -> str:
    """The file name stem of an article's page: post id (or 'article') and a URL hash, so
    two editions' equal post ids never share a page."""
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:8]
    return f"{post_id if post_id is not None else 'article'}-{digest}"


def lang_attrs(language: str | None) -> Markup:
    """The lang/dir attributes of an article's elements: left to right for English."""
    if language == "en":
        return Markup(' lang="en" dir="ltr"')
    return Markup("")


@dataclass
class Capture:
    """Where a version's raw response is: a link relative to the page, and the offset."""

    href: str
    file: str
    offset: int
    path: str  # the file's path as given to the replay hint


@dataclass
class Change:
    """One changed version of an article: its fields diffed against the version before."""

    version: int
    previous: int | None
    seen_at: dt.datetime
    run_id: str
    fields: list[FieldDiff]
    hunks: dict[str, list[list[LineDiff]]] = field(default_factory=dict)


def _capture(
    archive_root: Path, row: dict[str, Any] | None, page_dir: Path
) -> Capture | None:
    if not row or not row.get("warc_file") or row.get("warc_offset") is None:
        return None
    target = archive_root / row["warc_file"]
    rel = Path(os.path.relpath(target, page_dir)).as_posix()
    return Capture(quote(rel), row["warc_file"], int(row["warc_offset"]), str(target))


def _prepare_out(out: Path) -> Path:
    """The temporary folder to write into, beside `out`; refuses a folder that holds
    something other than an earlier report."""
    if out.exists():
        if not out.is_dir():
            raise ReportUsageError(f"--out {out} is a file, not a folder")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise ReportUsageError(
                f"--out {out} is not empty and not an earlier report: give a new or empty folder"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(out, lambda folder: (folder / MARKER).is_file())
    tmp = pid_tmp(out)
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "articles").mkdir(parents=True)
    return tmp


def report(
    archive: ArchiveReader, out: Path | str, run: str = "latest", since: dt.date | None = None
) -> str:
    """Write the report of one run (default the latest) or of every run since a date into
    the folder `out`; returns a one-line summary (naming the folder as it was given)."""
    given = Path(out)
    out = given.resolve()
    events, version_rows = change_events_with_versions(archive, run, since)
    urls = {e["url"] for e in events}
    versions: dict[str, dict[int, dict[str, Any]]] = {}
    for row in version_rows:
        versions.setdefault(row["url"], {})[row["version"]] = row
    history_fields: dict[tuple[str, int], list[str]] = {}
    for c in archive.read_changes().to_pylist():
        if c["url"] in urls and c["change"] != "removed":
            history_fields[(c["url"], c["version"])] = list(c["fields"])
    runs = archive.read_runs().to_pylist()
    site = runs[-1]["site"] if runs else ""
    root = archive.root.resolve()

    # Newest first; within one moment, added before changed before removed.
    order = {"added": 0, "changed": 1, "removed": 2}
    events.sort(key=lambda e: (-e["seen_at"].timestamp(), order.get(e["change"], 9), e["url"]))

    env = _environment()
    tmp = _prepare_out(out)
    try:
        pages: dict[str, str] = {}
        entries = []
        for e in events:
            rows = versions.get(e["url"], {})
            key = article_key(e["url"], e["post_id"])
            if e["change"] == "changed":
                pages.setdefault(e["url"], f"articles/{key}.html")
            entries.append(
                {
                    **e,
                    "page": pages.get(e["url"]) if e["change"] == "changed" else None,
                    "anchor": f"v{e['version']}",
                    "capture": _capture(root, rows.get(e["version"]), out),
                    "lang": lang_attrs(e["language"]),
                }
            )
        changes_by_url: dict[str, list[Change]] = {}
        for e in events:
            if e["change"] != "changed":
                continue
            rows = versions.get(e["url"], {})
            new = rows.get(e["version"])
            if new is None:
                continue
            prev = max((v for v in rows if v < e["version"]), default=None)
            diffs = field_hunks(rows.get(prev) if prev is not None else None, new)
            change = Change(e["version"], prev, e["seen_at"], e["run_id"], [f for f, _ in diffs])
            change.hunks = {f.name: cut for f, cut in diffs}
            changes_by_url.setdefault(e["url"], []).append(change)
        page_dir = out / "articles"
        for url, page in pages.items():
            rows = versions[url]
            latest = rows[max(rows)]
            history = [
                {
                    **row,
                    "fields": history_fields.get((url, v), []),
                    "capture": _capture(root, row, page_dir),
                    "lang": lang_attrs(row["language"]),
                }
                for v, row in sorted(rows.items(), reverse=True)
            ]
            html = env.get_template("article.html").render(
                url=url,
                article=latest,
                lang=lang_attrs(latest["language"]),
                changes=changes_by_url.get(url, []),
                history=history,
                site=site,
                generated=dt.datetime.now(dt.UTC),
            )
            (tmp / page).write_text(html, encoding="utf-8")
        counts = Counter(e["change"] for e in events)
        run_ids = _runs_selected(archive, run, since)
        selection = f"runs started since {since.isoformat()}" if since else f"run {', '.join(run_ids)}"
        index = env.get_template("index.html").render(
            entries=entries,
            counts=counts,
            site=site,
            since=since,
            run_ids=run_ids,
            archive=str(root),
            generated=dt.datetime.now(dt.UTC),
        )
        (tmp / "index.html").write_text(index, encoding="utf-8")
        from crawler.search.report_index import INDEX, articles_index

        (tmp / INDEX).write_text(articles_index(env, archive, pages, site, out), encoding="utf-8")
        (tmp / "style.css").write_text(
            env.get_template("style.css").render(), encoding="utf-8"
        )
        feed = _atom(env, entries, changes_by_url, site, selection, runs)
        (tmp / "changes.xml").write_bytes(feed)
        (tmp / MARKER).write_text(f"{GENERATOR}\n", encoding="utf-8")
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    summary = ", ".join(f"{counts[k]} {k}" for k in order if counts[k]) or "no changes"
    return (
        f"wrote {given / 'index.html'} ({summary}; {len(pages)} article pages) "
        f"and {given / 'changes.xml'}"
    )


def _atom(
    env: jinja2.Environment,
    entries: list[dict[str, Any]],
    changes_by_url: dict[str, list[Change]],
    site: str,
    selection: str,
    runs: list[dict[str, Any]],
) -> bytes:
    """The Atom feed (RFC 4287) of the report's changes, one entry per change event."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = clean(text)
        return el

    times = [e["seen_at"] for e in entries]
    if not times and runs:
        times = [runs[-1]["finished_at"] or runs[-1]["started_at"]]
    updated = max(times) if times else dt.datetime.now(dt.UTC)
    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}#ncmes-archive-changes")))
    sub(feed, "title", f"ncmes-archive: changes to {site or 'the archive'} ({selection})")
    sub(feed, "updated", updated.astimezone(dt.UTC).isoformat(timespec="seconds"))
    sub(sub(feed, "author"), "name", "ncmes-archive")
    sub(feed, "generator", GENERATOR)
    sub(feed, "link", href="index.html", rel="alternate", type="text/html")
    if site:
        sub(feed, "link", href=site, rel="related")
    diff_tpl = env.get_template("feed_entry.html")
    for e in entries:
        entry = sub(feed, "entry")
        key = f"{e['url']}#{e['change']}-v{e['version']}-{e['run_id']}"
        sub(entry, "id", "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, key)))
        title = sub(entry, "title", f"{e['change']}: {e['title'] or e['url']}")
        if e["language"]:
            title.set("{http://www.w3.org/XML/1998/namespace}lang", e["language"])
        sub(entry, "updated", e["seen_at"].astimezone(dt.UTC).isoformat(timespec="seconds"))
        sub(entry, "link", href=e["url"], rel="alternate", type="text/html")
        if e["page"]:
            sub(entry, "link", href=f"{e['page']}#{e['anchor']}", rel="related", type="text/html")
        for section in e["sections"]:
            sub(entry, "category", term=clean(section))
        parts = [e["change"], f"version {e['version']}"]
        if e["fields"]:
            parts.append("fields: " + ", ".join(e["fields"]))
        if e["published"]:
            parts.append(f"published {e['published'].isoformat()}")
        sub(entry, "summary", "; ".join(parts))
        change = next(
            (c for c in changes_by_url.get(e["url"], []) if c.version == e["version"]), None
        )
        if change is not None:
            html = diff_tpl.render(change=change, lang=lang_attrs(e["language"]))
            sub(entry, "content", html, type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


__all__ = ["MARKER", "article_key", "clean", "lang_attrs", "report"]
