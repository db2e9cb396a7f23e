"""bench/extraction.py's page sets: the renamed variant keeps everything but the names."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from lxml import html

ROOT = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location("bench_extraction", ROOT / "bench" / "extraction.py")
bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(bench)

PAGE = ROOT / "tests" / "fixtures" / "chrome" / "card-strip.html"


def _names(tree: html.HtmlElement) -> list[tuple[str, list[str], str | None]]:
    return [(el.tag, (el.get("class") or "").split(), el.get("id")) for el in tree.iter()
            if isinstance(el.tag, str)]


def test_renamed_pages_keep_their_text_and_structure_and_lose_every_name() -> None:
    extra = (b"<p class=bare id=x data-class='kept'>unquoted &lt;div class=\"card\"&gt;</p>"
             b"<a href='#x'>to x</a><label for=x>x</label><a href='/y#x'>elsewhere</a>")
    data = PAGE.read_bytes().replace(b"</body>", extra + b"</body>")
    assert extra in data
    page = bench.Page("cards", data, "https://daily.example.net/world/delta", truth="gold")
    other = bench.renamed(page)
    before, after = html.fromstring(page.data), html.fromstring(other.data)
    assert after.text_content() == before.text_content()
    assert (other.truth, other.url, other.publisher) == (page.truth, page.url, page.publisher)
    old, new = _names(before), _names(after)
    assert [tag for tag, _, _ in new] == [tag for tag, _, _ in old]
    mapping: dict[str, str] = {}
    for (_, old_classes, old_id), (_, new_classes, new_id) in zip(old, new, strict=True):
        assert len(new_classes) == len(old_classes) and (old_id is None) == (new_id is None)
        for a, b in zip([*old_classes, old_id or ""], [*new_classes, new_id or ""], strict=True):
            if a:
                assert re.fullmatch(r"n[0-9a-f]{8}", b), b
                assert mapping.setdefault(a, b) == b  # the same name, the same new one
    assert len(set(mapping.values())) == len(mapping)
    assert after.xpath("//p[@data-class='kept']")
    # what refers to an id refers to its new name; another page's fragment is left alone
    assert after.xpath("//a[text()='to x']/@href") == ["#" + mapping["x"]]
    assert after.xpath("//label/@for") == [mapping["x"]]
    assert after.xpath("//a[text()='elsewhere']/@href") == ["/y#x"]
