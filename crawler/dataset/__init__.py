"""The read side: what the command line shows and exports, read from an archive, never written to it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from crawler.archive.errors import ArchiveError


class ReportError(ArchiveError):
    """A report cannot be made as asked (unknown run, URL or version, a filter that matches nothing)."""


def swap_in(tmp: Path, final: Path) -> None:
    """Put a finished folder in place of `final`: a reader sees the old one or the new one."""
    if not final.exists():
        os.rename(tmp, final)
        return
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)
