"""The one-pass index answers every whole-document query exactly as its XPath does."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo.site import DemoSite
from crawler.extraction import _parse, container, decode_html
from crawler.extraction import selectors as sel

PAGES = Path(__file__).parent / "fixtures" / "pages"
QUERIES = {
    name: value for name, value in vars(sel).items() if isinstance(value, sel.Query)
} | {
    f"{name}[{i}]": q for name, value in vars(sel).items() if isinstance(value, tuple)
    for i, q in enumerate(value) if isinstance(q, sel.Query)
}


def documents() -> list[tuple[str, bytes]]:
    docs = [(p.name, (p / "page.html").read_bytes()) for p in sorted(PAGES.iterdir())
            if (p / "page.html").exists()]
    site = DemoSite()
    for post_id in site.post_ids[::7]:
        docs.append((f"snapshot/{post_id}", site.handle("GET", f"/{post_id}/", {})[2]))
    return docs


def test_every_whole_document_query_has_a_fast_path() -> None:
    assert len(QUERIES) >= 25


@pytest.mark.parametrize(("name", "html"), documents(), ids=lambda v: v if isinstance(v, str) else "")
def test_index_and_xpath_agree(name: str, html: bytes) -> None:
    doc = _parse(decode_html(html))
    index = container.scan(doc).index
    for query_name, query in QUERIES.items():
        assert query.answer(index) == list(query.xpath(doc)), f"{name}: {query_name}"
