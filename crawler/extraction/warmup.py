"""Imported by the extraction fork server, after extraction itself (crawler.workers.PRELOAD):
builds, once, what extraction would otherwise build on first use in every worker forked
from it. Importing it does that work: nothing else imports it."""

from crawler.extraction import dates

dates.warm_up()
