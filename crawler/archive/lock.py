"""The crawl lock: one writer per archive, released by the OS if its process dies."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
from pathlib import Path

from crawler.archive.errors import ArchiveLocked

LOCK_NAME = ".lock"


class ArchiveLock:
    """The exclusive lock on `root/.lock`, holding the holder's pid, host, run and start."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, run_id: str | None = None) -> None:
        """Take the lock, or raise ArchiveLocked naming the holder."""
        if self._fd is not None:
            return
        # O_RDWR without O_TRUNC: the holder's details must survive our failed attempt.
        fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
            except (ValueError, UnicodeDecodeError):
                info = {}
            os.close(fd)
            raise ArchiveLocked(
                f"archive {self.root} is in use by another crawl "
                f"(pid {info.get('pid', '?')}, started {info.get('started', '?')})"
            ) from None
        self._fd = fd
        try:
            self.describe(run_id)
        except BaseException:
            self.release()
            raise

    def describe(self, run_id: str | None) -> None:
        """Write who holds the lock into it (for the message another taker shows)."""
        assert self._fd is not None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "run_id": run_id,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        """Release the lock; the .lock file stays (deleting it would race another taker)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
