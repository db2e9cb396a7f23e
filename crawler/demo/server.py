"""Serve a DemoSite over HTTP on 127.0.0.1 (thread or command line), applying network faults."""

from __future__ import annotations

import argparse
import logging
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from crawler.demo.site import DemoSite

logger = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server_version = "Apache"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    site: DemoSite  # set on the subclass made by serve()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        fault = self.site.network_fault(self.path)
        if fault.delay:
            time.sleep(fault.delay)
        if fault.reset:
            self._reset()
            return
        headers = {k: v for k, v in self.headers.items()}
        status, out_headers, body = self.site.handle(method, self.path, headers)
        try:
            self.send_response(status)
            for name, value in out_headers.items():
                if name.lower() == "server":
                    continue
                self.send_header(name, value)
            if fault.truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            if method == "HEAD" or status == 304:
                return
            if fault.truncate:
                self.wfile.write(body[: max(1, len(body) // 2)])
                self.wfile.flush()
                self.close_connection = True
                self._reset()
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP reset and no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass  # the peer already went: the connection is down either way

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass  # flushing to a client that hung up (or a socket a fault closed)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up (a crawler's timeout, the reset and truncation faults) is
        # normal here; anything else is a bug in the snapshot and is shown.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        logger.error("demo server: error answering %s", client_address, exc_info=True)


class DemoServer:
    """A running demo server; `url` is its origin. Stop it with stop() or a with block."""

    def __init__(self, site: DemoSite, httpd: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self.site = site
        self._httpd = httpd
        self._thread = thread
        host, port = httpd.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:  # noqa: PYI034
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve(site: DemoSite, host: str = "127.0.0.1", port: int = 0) -> DemoServer:
    """Start serving `site` in a daemon thread; port 0 picks a free port."""
    handler = type("DemoHandler", (_Handler,), {"site": site})
    httpd = _Server((host, port), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                              name="demo-site", daemon=True)
    thread.start()
    return DemoServer(site, httpd, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.demo.server",
                                     description="Serve the offline ncmes.org snapshot on 127.0.0.1.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-sitemap", action="store_true")
    parser.add_argument("--no-rest", action="store_true")
    parser.add_argument("--no-feed", action="store_true")
    parser.add_argument("--no-validators", action="store_true")
    parser.add_argument("--no-trailing-slash", action="store_true", help="posts live at /<id>, not /<id>/")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before every answer")
    parser.add_argument("--edition", choices=["ar", "en"], default="ar",
                        help="ar: ncmes.org (default); en: the English edition, en.ncmes.org")
    parser.add_argument("--other-edition", metavar="URL",
                        help="where the language switch points (default: the real other edition)")
    parser.add_argument("--jitter", type=float, default=0.0, help="plus a random wait up to S seconds (seeded)")
    args = parser.parse_args(argv)
    site = DemoSite(args.seed, sitemap=not args.no_sitemap, rest_api=not args.no_rest,
                    feed=not args.no_feed, validators=not args.no_validators, edition=args.edition,
                    trailing_slash=False if args.no_trailing_slash else None)
    if args.other_edition:
        site.other_edition = args.other_edition.rstrip("/")
    site.delay = args.delay
    site.set_jitter(args.jitter, args.seed)
    server = serve(site, args.host, args.port)
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
