"""`browse`: the archive in a web browser on 127.0.0.1, Datasette over a SQLite export of it
(built in a temporary folder: the archive is only read), with facets, the same normalised
search as `search`, an article page with its versions, diffs and raw captures, and canned
queries. Opens with the archive's title and its data card."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawler.ports import bind_local
from crawler.search.datasette_plugin import DATABASE
from crawler.search.query import WEIGHTS

INSTALL_HINT = "browse needs Datasette: pip install 'ncmes-archive[browse]' (or pip install datasette markdown-it-py)"
TEMPLATES = Path(__file__).parent / "templates"

_RANK = f"bm25(fts, {', '.join(str(w) for w in WEIGHTS)})"
SEARCH_SQL = f"""select d.url, d.title, d.published, d.sections, d.version,
  ncmes_snippet(:q, v.body, v.footnotes) as passage
from fts join docs d on d.id = fts.rowid
  join versions v on v.url = d.url and v.version = d.version
where fts match ncmes_query(:q) and d.current = 1 and ncmes_phrases(:q, v.title, v.body, v.footnotes)
order by {_RANK} limit 100"""
SEARCH_ALL_SQL = f"""select d.url, d.title, d.published, d.version, d.current,
  ncmes_snippet(:q, v.body, v.footnotes) as passage
from fts join docs d on d.id = fts.rowid
  join versions v on v.url = d.url and v.version = d.version
where fts match ncmes_query(:q) and ncmes_phrases(:q, v.title, v.body, v.footnotes)
order by {_RANK} limit 200"""
CHANGED_THIS_MONTH_SQL = """select url, version, title, seen_at, changed
from versions
where version > 1 and seen_at >= strftime('%Y-%m-01', 'now')
order by seen_at desc"""
MOST_CITED_SQL = """select source_domain, count(*) as citations, count(distinct url) as articles
from citations where source_domain is not null
group by source_domain order by citations desc, source_domain limit 50"""


class BrowseError(Exception):
    """browse cannot start (one line)."""


def available() -> bool:
    try:
        import datasette  # noqa: F401
        import markdown_it  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        return False
    return True


def metadata(title: str, card: str) -> dict[str, Any]:
    """Datasette's metadata: the archive's title and card first, facets, canned queries."""
    from markdown_it import MarkdownIt

    card_html = MarkdownIt("commonmark").enable("table").render(card)
    intro = (
        '<p><strong>Search:</strong> <a href="/ncmes/search">the articles</a> '
        '(Arabic spellings, diacritics and clitics folded, as <code>ncmes-archive search</code>) · '
        '<a href="/ncmes/search_all_versions">every version</a> · '
        '<a href="/ncmes/changed_this_month">changed this month</a> · '
        '<a href="/ncmes/most_cited_sources">most cited sources</a><br>'
        '<strong>Tables:</strong> <a href="/ncmes/articles">articles</a> · <a href="/ncmes/versions">versions</a> · '
        '<a href="/ncmes/citations">citations</a> (facets by section, year, author, language, cited domain)</p>'
    )
    return {
        "title": title,
        "description_html": intro + '<div class="card" dir="auto">' + card_html + "</div>",
        "databases": {
            DATABASE: {
                "tables": {
                    "articles": {
                        "facets": [{"array": "sections"}, "year", {"array": "authors"}, "language", "status"],
                        "sort_desc": "published",
                        "label_column": "title",
                    },
                    "versions": {"facets": ["version", {"array": "changed"}, "language"], "sort_desc": "seen_at"},
                    "citations": {"facets": ["source_domain", "language", "published"]},
                    "docs": {"hidden": True},
                    "meta": {"hidden": True},
                    "card": {"hidden": True},
                },
                "queries": {
                    "search": {
                        "title": "Search the articles",
                        "description": "Words are ANDed; \"...\" is an exact phrase. أ إ آ ا, ى ي, ة ه, "
                                       "diacritics, tatweel, digits and clitics (و، ال، بال، لل) match.",
                        "sql": SEARCH_SQL,
                    },
                    "search_all_versions": {
                        "title": "Search every version",
                        "description": "Also finds text only an earlier version held (current = 0).",
                        "sql": SEARCH_ALL_SQL,
                    },
                    "changed_this_month": {
                        "title": "Changed this month",
                        "sql": CHANGED_THIS_MONTH_SQL,
                    },
                    "most_cited_sources": {
                        "title": "Most cited sources",
                        "sql": MOST_CITED_SQL,
                    },
                },
            }
        },
    }


@contextmanager
def exported(archive: Any) -> Iterator[tuple[Path, str, str]]:
    """The archive as a SQLite export in a temporary folder (removed after): path, title, card."""
    import sqlite3

    from crawler.dataset.export import export

    with tempfile.TemporaryDirectory(prefix="ncmes-browse-") as tmp:
        path = Path(tmp) / f"{DATABASE}.sqlite"
        export(archive, path, "sqlite", include_removed=True)
        conn = sqlite3.connect(path)
        try:
            title, card = conn.execute("SELECT title, markdown FROM card").fetchone()
        finally:
            conn.close()
        yield path, title, card


def listen(port: int) -> socket.socket:
    """The server's socket on 127.0.0.1, bound now so a busy port is one clear error."""
    try:
        sock = bind_local(port)
    except OSError as exc:
        raise BrowseError(f"cannot serve on 127.0.0.1:{port} ({exc.strerror}); try --port N") from None
    sock.listen(128)
    return sock


def serve(path: Path, title: str, card: str, sock: socket.socket) -> None:
    """Serve the export until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn
    from datasette.app import Datasette
    from datasette.plugins import pm

    from crawler.search import datasette_plugin

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="ncmes-archive")
    ds = Datasette(
        files=[str(path)], metadata=metadata(title, card), template_dir=str(TEMPLATES),
        settings={"truncate_cells_html": 400, "sql_time_limit_ms": 3000},
    )
    config = uvicorn.Config(ds.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
