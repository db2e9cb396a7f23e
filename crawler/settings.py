"""Scrapy settings only: politeness, pipeline order, archive paths, revisit policy."""

from scrapy.settings.default_settings import EXTENSIONS_BASE as _scrapy_extensions

from crawler import __version__

BOT_NAME = "ncmes_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Polite defaults for the real site; `-s` lifts them for a local mirror.
# Names the project and where to read about it; an operator adds a contact with
# -s USER_AGENT="... contact: name@example.org" (see README, "Crawling etiquette").
USER_AGENT = (
    f"ncmes-archive/{__version__} (research archive of ncmes.org, the National Center for Middle East Studies; "
    'about: the ncmes-archive README, "Crawling etiquette")'
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0  # at least DOWNLOAD_DELAY between requests, never less
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
# Items processed at once per answer. A callback here yields at most one item (an article
# page, a failure, the end of discovery) besides its requests; Scrapy starts this many
# asyncio tasks for every answer whatever it yields, and its default (100) made that the
# largest cost of the reactor thread.
CONCURRENT_ITEMS = 1
TELNETCONSOLE_ENABLED = False
DOWNLOAD_TIMEOUT = 30
# A response larger than this is refused and recorded as a failure.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
DOWNLOAD_FAIL_ON_DATALOSS = True

# Retries: 5xx, 429, timeouts, resets and short bodies, with backoff honouring Retry-After.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds; doubled at each retry
RETRY_BACKOFF_MAX = 60.0  # the longest wait, Retry-After included
# A Retry-After longer than this stops the run (the site is down for longer than a run
# should hold the archive's lock); 0: RETRY_BACKOFF_MAX. See docs/identity.md.
NCMES_MAX_RETRY_AFTER = 0.0
# The circuit breaker (crawler/health.py): the run stops when refusals of one kind fill
# RATIO of the last WINDOW article answers (at least MIN_ANSWERS seen).
NCMES_BREAKER_WINDOW = 20
NCMES_BREAKER_MIN_ANSWERS = 8
NCMES_BREAKER_RATIO = 0.75

LOG_LEVEL = "WARNING"
# No per-answer DEBUG records unless LOG_LEVEL is DEBUG (crawler/extensions.py).
LOG_FORMATTER = "crawler.extensions.QuietLogFormatter"
LOGSTATS_INTERVAL = 0
STATS_DUMP = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    # An article page's gzip or deflate body is decompressed by the extraction worker, not
    # in the reactor thread (crawler/middlewares.py); every other answer as Scrapy does.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.ArticleCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.ArticleMetaRefreshMiddleware": 580,
    # Below HttpCompressionMiddleware (590): sees the bytes as the server sent them.
    "crawler.middlewares.RawCaptureMiddleware": 950,
    # Above RedirectMiddleware (600): an article redirected to the home page, or a page to
    # another origin, is recorded as such instead of followed (crawler/redirects.py).
    "crawler.redirects.RedirectGuardMiddleware": 610,
}
# Scrapy's HTTP/1.1 handler, recording each request as written to the wire and each
# response head as read (for the WARC records; crawler/wire.py).
DOWNLOAD_HANDLERS = {
    "http": "crawler.wire.WireHTTP11DownloadHandler",
    "https": "crawler.wire.WireHTTP11DownloadHandler",
}
# Scrapy middlewares the crawl has no use for, each a layer every answer passes through in
# the reactor thread: request depth (no DEPTH_LIMIT here), the warning about copied meta
# (a development aid), and HTTP auth (the site needs none; enable it again with
# -s for a mirror behind a password).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
EXTENSIONS = {"crawler.extensions.Progress": 500}
# Scrapy's own, but for its remote control: off (REMOTE_CONTROL_ENABLED below), and not
# loaded at all, as Scrapy loads every extension it lists (even one set to None) and that
# module imports aiohttp, a fifth of a second of every crawl's start.
EXTENSIONS_BASE = {k: v for k, v in _scrapy_extensions.items() if not k.endswith(".RemoteControl")}

# Where the archive lives (the command line's --archive sets it).
ARCHIVE_DIR = "exports/archive"
# Keep a WARC capture of every answer (versions/ names each article's record).
ARCHIVE_WARC = True
# Append what is pending as parts every this many items or seconds, whichever comes first:
# what a kill can lose. A polite crawl reaches the seconds first; a backfill from a fast
# mirror the items, a checkpoint a second or two at most (each writes a few small files).
ARCHIVE_CHECKPOINT_ITEMS = 200
ARCHIVE_CHECKPOINT_SECONDS = 30
# Checkpoints append parts; articles.parquet is rewritten at the end of the run, and during
# it after this many parts or seconds (what a kill can cost: see README, "Kill safety").
# Each snapshot reads the parts written since the last one: few parts, little memory.
ARCHIVE_SNAPSHOT_PARTS = 10
ARCHIVE_SNAPSHOT_SECONDS = 600
# At the end of a run, the parts of versions/ and changes/ are merged this many at a time
# (level by level), so each folder keeps a few dozen files at most whatever the runs.
ARCHIVE_COMPACT_PARTS = 10

# The crawl's own switches.
NCMES_SITE = "https://ncmes.org"
NCMES_MODE = "incremental"  # incremental | full
NCMES_LIMIT = 0  # article pages per run, 0 for no limit
NCMES_USE_SITEMAP = True
NCMES_USE_FEED = True
NCMES_USE_REST = True
NCMES_MAX_LISTING_PAGES = 1000  # per section: a guard against endless pagination
# Revisit policy for sites that give no change signal: an article published within
# RECENT_DAYS is checked every run, within MEDIUM_DAYS every MEDIUM_EVERY runs, and every
# article at least every EVERY_RUNS runs.
NCMES_REVISIT_RECENT_DAYS = 14
NCMES_REVISIT_MEDIUM_DAYS = 90
NCMES_REVISIT_MEDIUM_EVERY = 3
NCMES_REVISIT_EVERY_RUNS = 10
# Every this many runs, every section listing is walked to its end even when the home page
# and the sitemap show nothing new (a post published with a back date, a stale sitemap).
NCMES_LISTINGS_EVERY_RUNS = 10

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Seconds between progress lines on stderr (0: none).
NCMES_PROGRESS_INTERVAL = 5.0

# Scrapy's remote-control server runs Python code sent over HTTP: an unattended archive
# crawl has no use for it.
REMOTE_CONTROL_ENABLED = False

# Extraction runs in this many worker processes: -1 one per core the crawl may use, 0 in
# the archive thread (no pool; handy for debugging). Each worker has at most
# NCMES_EXTRACT_INFLIGHT pages waiting: beyond that the downloader waits (flat memory).
NCMES_EXTRACT_WORKERS = -1
NCMES_EXTRACT_INFLIGHT = 4
