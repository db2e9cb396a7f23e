"""The HTML report's index of every article in the archive (`articles.html`), not only the
changed ones: every link in it relative, so the report works wherever its folder is moved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2

INDEX = "articles.html"


def articles_index(env: jinja2.Environment, archive: Any, pages: dict[str, str], site: str, out: Path) -> str:
    """The page: each article's title (linking to its report page when it has one), date,
    sections, version, status and raw capture (relative to where the report is written)."""
    from crawler.dataset.html_report import _capture, lang_attrs

    table = archive.read_articles().select(
        ["url", "title", "published", "sections", "version", "status", "language"])
    captures = {
        (r["url"], r["version"]): r
        for r in archive.read_versions(columns=["warc_file", "warc_offset"]).to_pylist()
    }
    rows = []
    root = Path(archive.root).resolve()
    for row in table.to_pylist():
        capture = _capture(root, captures.get((row["url"], row["version"])), out)
        rows.append({**row, "page": pages.get(row["url"]), "lang": lang_attrs(row["language"]), "capture": capture})
    rows.sort(key=lambda r: (r["published"] or dt.date.min, r["url"]), reverse=True)
    return env.get_template("all_articles.html").render(
        rows=rows, site=site, generated=dt.datetime.now(dt.UTC))
