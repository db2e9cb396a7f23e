"""A command run with a folder mounted read-only, as on a read-only share or a mounted backup:
`unshare -m` gives the command a mount namespace of its own, where the folder is bound onto
itself and remounted read-only. Needs root (or user namespaces) and util-linux's unshare."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

# The folder is "$0", the command "$@": no argument is ever pasted into the script.
_MOUNT_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def read_only_argv(folder: Path, argv: Sequence[str]) -> list[str]:
    """`argv`, run where `folder` is read-only."""
    return ["unshare", "-m", "sh", "-c", _MOUNT_READ_ONLY, str(folder), *argv]


@functools.cache
def _why_not() -> str | None:
    """None where a folder can be mounted read-only here, else what stood in the way."""
    if shutil.which("unshare") is None:
        return "no unshare on PATH"
    with tempfile.TemporaryDirectory(prefix="read-only-probe-") as folder:
        probe = subprocess.run(
            read_only_argv(Path(folder), ["sh", "-c", '! touch "$0/probe" 2>/dev/null', folder]),
            capture_output=True, text=True, check=False,
        )
        if probe.returncode != 0 or (Path(folder) / "probe").exists():
            return probe.stderr.strip()[:200] or "the folder stayed writable"
    return None


def require_read_only_mount(what: str) -> None:
    """Skip `what` where no folder can be mounted read-only here; fail instead where
    NCMES_REQUIRE_READONLY_MOUNT is set (CI runs as root, where it can)."""
    why = _why_not()
    if why is None:
        return
    if os.environ.get("NCMES_REQUIRE_READONLY_MOUNT"):
        pytest.fail(f"cannot mount a folder read-only for {what} (unshare -m: {why}) "
                    "and NCMES_REQUIRE_READONLY_MOUNT is set")
    pytest.skip(f"cannot mount a folder read-only here (unshare -m: {why}): {what} did not run")
