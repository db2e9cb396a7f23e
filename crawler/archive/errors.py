"""The archive's named exceptions."""

from __future__ import annotations


class ArchiveError(Exception):
    """The archive cannot be read or written; the message is one line naming the file."""


class ArchiveDamaged(ArchiveError):
    """A file of the archive is unreadable or not what it should be (truncated, garbage,
    another table's rows): `ncmes-archive check --repair` sets it aside."""


class ArchiveLocked(ArchiveError):
    """Another process holds the archive's lock."""


def one_line(text: object, limit: int = 2000) -> str:
    """A message or an error as one line, cut to `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
