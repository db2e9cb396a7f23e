"""Hostile answers for the demo site: every article and listing answered by a login wall, maintenance, a bot challenge, a parking page or a redirect.

Installed through DemoSite.override (pattern overrides, the latest wins) and removed with
DemoSite.clear_overrides, so a test switches the site into a mode between two crawls and
back. `serve_alias` serves another origin that redirects every path to the site.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.demo.site import DemoSite

# The site's HTML pages: the home page, section listings and their pages, articles.
PAGES = r"/(?:\d+/?|category/.*|page/\d+/?)?"
ARTICLES = r"/\d+/?"

_LOGIN = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>تسجيل الدخول &lsaquo; Site</title></head>
<body class="login wp-core-ui rtl"><div id="login"><h1>يرجى تسجيل الدخول</h1>
<form name="loginform" action="/wp-login.php" method="post">
<p><label>اسم المستخدم<input type="text" name="log"></label></p>
<p><label>كلمة المرور<input type="password" name="pwd"></label></p>
<p><input type="submit" value="تسجيل الدخول"></p></form></div></body></html>"""

_MAINTENANCE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Site</title></head><body><main><h1>Under maintenance</h1>
<p>The site is briefly unavailable for scheduled maintenance. Check back in a minute.</p>
<p>الموقع تحت الصيانة حاليا.</p></main></body></html>"""

_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8">
<title>Just a moment...</title><meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper"><h1>Checking if the site connection is secure</h1>
<p>This site needs to review the security of your connection before proceeding.</p>
<div id="challenge-stage"></div>
<script>window._cf_chl_opt = {cType: "managed", cUPMDTk: "/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"};</script>
</div></body></html>"""

_PARKING = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>ncmes.org</title></head><body><main><h1>ncmes.org</h1>
<p>This domain is for sale! Buy this domain today.</p>
<p>Related searches: Middle East news, Think tanks, Research</p></main></body></html>"""

# A theme's bare template (a broken cache, a misconfigured plugin): a title, a line, nothing
# that says which post it is, nor that it is anything but an article.
_STUB = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>Site</title></head><body><main><h1>Site</h1>
<p>مرحبا بكم في موقعنا، تابعوا أحدث التحليلات والدراسات.</p></main></body></html>"""

# mode -> (status, headers, body, pattern)
_MODES: dict[str, tuple[int, dict[str, str], str, str]] = {
    "login": (200, {}, _LOGIN, PAGES),
    "maintenance": (200, {}, _MAINTENANCE, PAGES),
    "maintenance-503": (503, {"Retry-After": "600"}, _MAINTENANCE, PAGES),
    "challenge": (200, {}, _CHALLENGE, PAGES),
    "challenge-403": (403, {}, _CHALLENGE, PAGES),
    "parking": (200, {}, _PARKING, PAGES),
    "stub": (200, {}, _STUB, ARTICLES),
}
MODES = (*_MODES, "home", "moved")


def set_mode(site: DemoSite, mode: str, *, origin: str = "", target: str = "") -> None:
    """Answer the site's pages the `mode` way (replacing any mode set before).

    home: every article redirected (301) to the home page at `origin` (the site's own URL);
    moved: every page redirected (301) to `target`, another origin."""
    import re

    site.clear_overrides()
    if mode in _MODES:
        status, headers, body, pattern = _MODES[mode]
        site.override(re.compile(pattern), status=status,
                      headers={"Content-Type": "text/html; charset=UTF-8", "ETag": None,
                               "Last-Modified": None, **headers},
                      body=body)
    elif mode == "home":
        site.override(re.compile(ARTICLES), status=301, headers={"Location": f"{origin}/", "Content-Type": None},
                      body=b"")
    elif mode == "moved":
        site.override(re.compile(r"/.*"), status=301, headers={"Location": f"{target}/", "Content-Type": None},
                      body=b"")
    else:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")


def recover(site: DemoSite) -> None:
    """The site answers as itself again."""
    site.clear_overrides()


@contextmanager
def serve_alias(target: str) -> Iterator[str]:
    """Another origin on 127.0.0.1 that answers every request 301 to the same path at
    `target` (a site's old or alternative address); yields its URL."""

    class Redirect(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self) -> None:
            self.send_response(301)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
