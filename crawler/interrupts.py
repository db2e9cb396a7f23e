"""Interrupts while the command line is still loading: Ctrl-C or SIGTERM before `main()` has
taken over ends the program with one line, never a traceback from whichever import it fell in."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

EXIT_INTERRUPTED = 1


def as_program() -> bool:
    """Whether this process is the command line (`ncmes-archive`, `python -m crawler`), not
    a test, a worker or a program importing the package."""
    program = sys.argv[0] if sys.argv else ""
    # `python -m crawler`: the package loads before sys.argv[0] names crawler/__main__.py.
    given = getattr(sys, "orig_argv", [])
    by_module = any(flag == "-m" and name == "crawler" for flag, name in zip(given, given[1:], strict=False))
    return threading.current_thread() is threading.main_thread() and (
        by_module
        or os.path.basename(program) == "ncmes-archive"
        or program.endswith(os.path.join("crawler", "__main__.py"))
    )


def _quit_loading(signum: int, frame: Any) -> None:
    # Nothing is held yet (no lock, no file, no process): leaving at once loses nothing.
    os.write(2, b"ncmes-archive: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


def quiet_while_loading() -> None:
    """Until main() installs its own handlers, an interrupt is one line and exit status 1."""
    if as_program():
        signal.signal(signal.SIGINT, _quit_loading)
        signal.signal(signal.SIGTERM, _quit_loading)
