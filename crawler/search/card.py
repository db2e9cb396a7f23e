"""The data card's sections on searching a dataset and on loading its SQLite form."""

from __future__ import annotations

from typing import Any


def searching(data: Any) -> list[str]:
    """How to search: the command line over the archive, and the SQLite file's index."""
    lines = [
        "## Searching it",
        "",
        "The archive this dataset comes from answers full-text questions with `ncmes-archive "
        "search WORDS [--all-versions]`: words are ANDed, `\"...\"` is an exact phrase, Arabic "
        "spelling variants (أ إ آ ٱ ا, ى ي, ة ه, diacritics, tatweel, Arabic-Indic digits) and "
        "the common clitics and suffixes (و، ال، بال، لل; ات، ون، ين، ها، ية) match, English "
        "words match their inflections; `--all-versions` also finds text only an earlier "
        "version held. `ncmes-archive browse` opens the same in a web browser.",
        "",
    ]
    if data.fmt == "sqlite":
        lines += [
            "In the SQLite file, the table `fts` (SQLite FTS5) indexes every version in `docs` "
            "(`current` = 1 for an article's latest version). Its columns `title`, `body` and "
            "`notes` hold the light stems of the normalised words, in order. A query must be "
            "normalised and stemmed the same way (`crawler.search.query.parse(text).expression()` "
            "does it; a phrase then matches its stems adjacent), for example:",
            "",
            "```python",
            "import sqlite3",
            "from crawler.search.query import parse",
            "",
            'db = sqlite3.connect("FILE.sqlite")',
            'expression = parse("السياسة الخارجية").expression()',
            "for url, title in db.execute(",
            '    "SELECT d.url, d.title FROM fts JOIN docs d ON d.id = fts.rowid"',
            '    " WHERE fts MATCH ? AND d.current = 1 ORDER BY bm25(fts) LIMIT 10", (expression,)):',
            "    print(url, title)",
            "```",
            "",
        ]
    return lines


def sqlite_loading(data: Any) -> list[str]:
    """How to read the tables of the SQLite file."""
    path = next(iter(data.extra_files), "FILE.sqlite")
    return [
        "## Loading it",
        "",
        f"`{path}` is one SQLite file holding the tables `articles`, `versions` and `citations` "
        "(lists and structs as JSON text, dates and times as ISO 8601 text), `card` (this card) "
        "and the search index (`docs`, `fts`). `articles` gains `year` (of `published`), "
        "`versions` gains `changed` (the fields that differ from the version before).",
        "",
        "With Python's standard library, or pandas:",
        "",
        "```python",
        "import json, sqlite3",
        "import pandas as pd",
        "",
        f'db = sqlite3.connect("{path}")',
        'articles = pd.read_sql("SELECT * FROM articles", db, parse_dates=["published"])',
        'articles["sections"] = articles["sections"].map(json.loads)',
        "```",
        "",
        "With DuckDB:",
        "",
        "```sql",
        "INSTALL sqlite; LOAD sqlite;",
        f"ATTACH '{path}' AS ncmes (TYPE sqlite);",
        "SELECT url, title, published FROM ncmes.articles ORDER BY published DESC LIMIT 5;",
        "```",
        "",
        f"With Datasette: `datasette {path}` (or `ncmes-archive browse` over the archive).",
        "",
    ]
