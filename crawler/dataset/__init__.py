"""The read side: what the command line shows and exports, read from an archive, never written to it."""

from __future__ import annotations

from crawler.archive.errors import ArchiveError


class ReportError(ArchiveError):
    """A report cannot be made as asked (unknown run, URL or version, a filter that matches nothing)."""
