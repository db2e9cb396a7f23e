"""An offline snapshot of ncmes.org (content, WordPress-like renderer, HTTP server) for demos and tests."""

from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite, Fault

__all__ = ["DemoServer", "DemoSite", "Fault", "serve"]
