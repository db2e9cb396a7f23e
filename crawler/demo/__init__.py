"""An offline snapshot of ncmes.org and its English edition en.ncmes.org (content, WordPress-like
renderer, HTTP server) for demos and tests.

`crawler.demo.site.DemoSite` is the site, `crawler.demo.server.serve` serves it on 127.0.0.1;
`python -m crawler.demo.server` runs it on its own.
"""
