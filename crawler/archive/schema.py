"""The Arrow schemas of every archive file and the schema version: nothing else declares columns."""

from __future__ import annotations

import pyarrow as pa

# Bumped on any change of the archive's columns; written into every file's metadata.
# Readers refuse a file whose major version differs (see files.check_schema).
# 1.1: language column; 1.2: fetch_url, limit_reached, listings; 1.3: validators in versions;
# 1.4: merged parts of versions/ and changes/ (`-c<level>` names, `ncmes.covers` metadata
# naming the parts they hold), damaged/ (files set aside). Older archives read unchanged.
SCHEMA_VERSION = "1.4"
SCHEMA_VERSION_KEY = b"ncmes_archive.schema_version"
FILE_KIND_KEY = b"ncmes_archive.kind"

TS = pa.timestamp("us", tz="UTC")

FOOTNOTE = pa.struct(
    [
        pa.field("number", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("urls", pa.list_(pa.string()), nullable=False),
    ]
)
RELATED = pa.struct(
    [pa.field("title", pa.string(), nullable=False), pa.field("url", pa.string(), nullable=False)]
)
LINK = pa.struct(
    [pa.field("text", pa.string(), nullable=False), pa.field("url", pa.string(), nullable=False)]
)

# The content of one article as extraction gives it (contract: articles.parquet).
CONTENT_FIELDS: list[pa.Field] = [
    pa.field("url", pa.string(), nullable=False),
    pa.field("post_id", pa.int64()),
    pa.field("title", pa.string(), nullable=False),
    pa.field("series", pa.string()),
    pa.field("sections", pa.list_(pa.string()), nullable=False),
    pa.field("authors", pa.list_(pa.string()), nullable=False),
    pa.field("published", pa.date32()),
    pa.field("published_at", TS),
    pa.field("modified_at", TS),
    pa.field("body", pa.string(), nullable=False),
    pa.field("footnotes", pa.list_(FOOTNOTE), nullable=False),
    pa.field("related", pa.list_(RELATED), nullable=False),
    pa.field("links", pa.list_(LINK), nullable=False),
    pa.field("word_count", pa.int32(), nullable=False),
    # Added in 1.1: the page's language as it declares it (`ar`, `en`); null in 1.0 files.
    pa.field("language", pa.string()),
]

# The fields whose normalised values make content_hash, what counts as a change, are
# crawler.archive.changes.HASHED_FIELDS (declared there: the extraction workers use them,
# and import no pyarrow).


def _schema(kind: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(), FILE_KIND_KEY: kind.encode()},
    )


ARTICLES = _schema(
    "articles",
    CONTENT_FIELDS
    + [
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("version", pa.int32(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("first_seen", TS, nullable=False),
        pa.field("last_seen", TS, nullable=False),
        pa.field("last_changed", TS, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        # Added to the contract's columns: what the crawler needs to ask cheaply next time.
        pa.field("last_fetched", TS),
        pa.field("etag", pa.string()),
        pa.field("http_last_modified", pa.string()),
        pa.field("sitemap_lastmod", TS),
        # Added in 1.2: the URL form that last answered 200 or 304 (`/4571` or `/4571/`), so a
        # revisit asks it without a redirect; url stays canonical.
        pa.field("fetch_url", pa.string()),
    ],
)

VERSIONS = _schema(
    "versions",
    CONTENT_FIELDS
    + [
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("version", pa.int32(), nullable=False),
        pa.field("seen_at", TS, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("warc_file", pa.string()),
        pa.field("warc_offset", pa.int64()),
        pa.field("warc_record_id", pa.string()),
        # Added in 1.3: the validators of the answer this version was read from, so the
        # crawl state of an article stored after the last snapshot survives a kill (the next
        # run asks it conditionally instead of downloading it again).
        pa.field("etag", pa.string()),
        pa.field("http_last_modified", pa.string()),
    ],
)

RUNS = _schema(
    "runs",
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("site", pa.string(), nullable=False),
        pa.field("mode", pa.string(), nullable=False),
        pa.field("started_at", TS, nullable=False),
        pa.field("finished_at", TS),
        pa.field("completed", pa.bool_(), nullable=False),
        pa.field("requests", pa.int64(), nullable=False),
        pa.field("pages_downloaded", pa.int64(), nullable=False),
        pa.field("not_modified", pa.int64(), nullable=False),
        pa.field("articles_added", pa.int64(), nullable=False),
        pa.field("articles_changed", pa.int64(), nullable=False),
        pa.field("articles_removed", pa.int64(), nullable=False),
        pa.field("articles_unchanged", pa.int64(), nullable=False),
        pa.field("failures", pa.int64(), nullable=False),
        # Added: bytes received and extraction warnings, for benchmarks and review.
        pa.field("bytes_received", pa.int64(), nullable=False),
        pa.field("warnings", pa.int64(), nullable=False),
        # Added in 1.2: --limit stopped the run from asking every article it found (null in
        # older files: taken as false). Such a run, like an interrupted one, lets the next
        # run cut no listing short.
        pa.field("limit_reached", pa.bool_()),
    ],
)

FAILURES = _schema(
    "failures",
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),  # fetch, parse, store
        pa.field("error", pa.string(), nullable=False),
        pa.field("at", TS, nullable=False),
    ],
)

# Added to the contract: one row per change event, so `changes` answers from one place.
CHANGES = _schema(
    "changes",
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("change", pa.string(), nullable=False),  # added, changed, removed
        pa.field("fields", pa.list_(pa.string()), nullable=False),
        pa.field("version", pa.int32(), nullable=False),
        pa.field("at", TS, nullable=False),
    ],
)

# Added: extraction warnings (marker without a note, shown date vs metadata...).
WARNINGS = _schema(
    "warnings",
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("warning", pa.string(), nullable=False),
        pa.field("at", TS, nullable=False),
    ],
)

# Added in 1.2: what the next run's crawl plan needs to know of each section listing (one
# row per site and listing, replaced whole at the end of each run; see crawler/plan.py).
LISTINGS = _schema(
    "listings",
    [
        pa.field("site", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),  # the listing's first page, as the menu links it
        pa.field("section", pa.string(), nullable=False),  # the section name the menu shows
        pa.field("parent", pa.string()),  # the parent listing's url when nested
        pa.field("position", pa.int32(), nullable=False),  # menu order
        # Canonical article URLs the listing lists, as last known (sorted).
        pa.field("members", pa.list_(pa.string()), nullable=False),
        pa.field("end_run", pa.string()),  # the last run whose walk reached the listing's end
        pa.field("last_walk", pa.string()),  # how the last walk ended: end, cut, stopped
        pa.field("last_run", pa.string()),  # the run of that walk
    ],
)

SCHEMAS: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "versions": VERSIONS,
    "runs": RUNS,
    "failures": FAILURES,
    "changes": CHANGES,
    "warnings": WARNINGS,
    "listings": LISTINGS,
}

# Added in the second contract version: the citations table of a dataset export (not an
# archive file; built from the articles' footnotes by crawler/dataset/citations.py).
CITATIONS = _schema(
    "citations",
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("post_id", pa.int64()),
        pa.field("published", pa.date32()),
        pa.field("sections", pa.list_(pa.string()), nullable=False),
        pa.field("language", pa.string()),
        pa.field("footnote", pa.int32(), nullable=False),
        # Added to the contract's columns: the source's place in its note (1, 2, ...), so
        # the rows of a source that gives several URLs group back into one source.
        pa.field("source_index", pa.int32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("source_url", pa.string()),
        pa.field("source_domain", pa.string()),
    ],
)
