"""An offline snapshot of ncmes.org and its English edition en.ncmes.org (content, WordPress-like
renderer, HTTP server) for demos and tests.

`crawler.demo.site.DemoSite` is the site (its state, faults and routing), built from
`content` (the articles), rendered by `render` (the themes, listings, sitemaps, feed, REST),
changed by `edits` (its mutations, and the edits of `ncmes-archive demo --edit`);
`crawler.demo.server.serve` serves it on 127.0.0.1; `python -m crawler.demo.server` runs it on
its own.
"""
