"""A real headless Chromium driven over the DevTools protocol (its --remote-debugging-pipe),
for tests of the HTML the project writes: console errors, computed styles, screenshots.

Needs a Chromium on PATH (Debian: `apt-get install chromium`) or named by $CHROMIUM.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-pipe",
]
TIMEOUT = 60.0
# Screenshots worth a look, kept after the test's own folder is gone.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "exports" / "report-screenshots"


def find_chromium() -> str | None:
    """The browser to use: $CHROMIUM, else chromium (Debian), chromium-browser, google-chrome."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def launch(what: str) -> Chromium:
    """A headless Chromium for `what` (a test's browser checks): skipped when none is found,
    failed instead where NCMES_REQUIRE_BROWSER is set (CI installs it)."""
    binary = find_chromium()
    if binary is None:
        if os.environ.get("NCMES_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium found for {what} and NCMES_REQUIRE_BROWSER is set (.ci/run installs it)")
        pytest.skip(f"no Chromium found: {what} did not run "
                    "(install Debian's chromium: apt-get install chromium; or set CHROMIUM=/path)")
    return Chromium(binary)


def keep(shot: Path) -> None:
    """Copy a screenshot to exports/report-screenshots/ for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(shot, SCREENSHOTS / shot.name)


class Page:
    """One tab: its session and the errors its console and runtime reported."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.errors: list[str] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


class Chromium:
    """A browser process; `open(url)` loads a page in a new tab and waits for its load event."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        cmd_read, self._cmd_write = os.pipe()  # the browser reads commands on its fd 3
        self._res_read, res_write = os.pipe()  # and writes answers and events on its fd 4

        def as_fd_3_and_4() -> None:
            # In the child, before exec. Copied above 9 first, so that neither dup2 is a
            # no-op (which would keep close-on-exec) or overwrites the other's source.
            high_read = fcntl.fcntl(cmd_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(res_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)  # dup2 to another number clears close-on-exec
            os.dup2(high_write, 4)

        # The project's other descriptors are not inheritable (PEP 446): nothing else leaks.
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=as_fd_3_and_4,  # noqa: PLW1509 - a test helper, no threads started yet
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if not os.environ.get("CHROMIUM_LOG") else None,
        )
        os.close(cmd_read)
        os.close(res_write)
        self._next_id = 0
        self._answers: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._pages: dict[str, Page] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._res_read, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    message = json.loads(raw)
                    if "id" in message:
                        with self._lock:
                            box = self._answers.get(message["id"])
                        if box is not None:
                            box.put(message)
                    else:
                        self._on_event(message)

    def _on_event(self, message: dict[str, Any]) -> None:
        page = self._pages.get(message.get("sessionId", ""))
        method, params = message["method"], message.get("params", {})
        if page is not None:
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                page.errors.append(f"exception: {details.get('exception', {}).get('description') or details['text']}")
            elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                page.errors.append(f"console.{params['type']}: {params['args']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                page.errors.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")
        self._events.put(message)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            box: queue.Queue[dict[str, Any]] = queue.Queue()
            self._answers[ident] = box
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._cmd_write, json.dumps(message).encode() + b"\0")
        try:
            answer = box.get(timeout=TIMEOUT)
        except queue.Empty:
            raise TimeoutError(f"Chromium did not answer {method} in {TIMEOUT:.0f}s") from None
        finally:
            with self._lock:
                del self._answers[ident]
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def _wait_event(self, method: str, session: str) -> dict[str, Any]:
        while True:
            try:
                message = self._events.get(timeout=TIMEOUT)
            except queue.Empty:
                raise TimeoutError(f"no {method} in {TIMEOUT:.0f}s") from None
            if message["method"] == method and message.get("sessionId") == session:
                return message

    def open(self, url: str, width: int = 1200, height: int = 900, mobile: bool = False) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self._pages[session] = page
        for domain in ("Page", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)
        # Drain what the blank page said before the real one loads.
        while not self._events.empty():
            self._events.get_nowait()
        answer = page.call("Page.navigate", url=url)
        if answer.get("errorText"):
            raise RuntimeError(f"cannot load {url}: {answer['errorText']}")
        self._wait_event("Page.loadEventFired", session)
        return page

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_write)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
