"""Golden tests: every saved page in fixtures/pages extracts to exactly its expected.json."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from crawler.extraction import extract

PAGES_DIR = Path(__file__).parent / "fixtures" / "pages"
PAGE_NAMES = sorted(p.name for p in PAGES_DIR.iterdir() if (p / "page.html").exists())


def load_meta(name: str) -> dict[str, Any]:
    """meta.json of a fixture: url, fetched_at and optional HTTP encoding."""
    return json.loads((PAGES_DIR / name / "meta.json").read_text(encoding="utf-8"))


def extract_fixture(name: str) -> dict[str, Any]:
    """The record extracted from a fixture page, as a JSON-friendly dict."""
    meta = load_meta(name)
    html = (PAGES_DIR / name / "page.html").read_bytes()
    record = extract(html, meta["url"], dt.datetime.fromisoformat(meta["fetched_at"]),
                     encoding=meta.get("encoding"))
    # Round-trip through JSON so tuples/lists and unicode compare as they are stored.
    return json.loads(json.dumps(record.to_dict(), ensure_ascii=False))


def field_differences(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """One readable message per differing field; a unified diff for the body."""
    messages = []
    for key in sorted(set(expected) | set(got)):
        want, have = expected.get(key), got.get(key)
        if want == have:
            continue
        if key == "body" and isinstance(want, str) and isinstance(have, str):
            diff = "\n".join(difflib.unified_diff(
                want.splitlines(), have.splitlines(), "expected", "got", lineterm=""))
            messages.append(f"body differs:\n{diff}")
        else:
            messages.append(
                f"{key}:\n  expected: {json.dumps(want, ensure_ascii=False)}\n"
                f"  got:      {json.dumps(have, ensure_ascii=False)}"
            )
    return messages


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_golden_page(name: str) -> None:
    expected = json.loads((PAGES_DIR / name / "expected.json").read_text(encoding="utf-8"))
    got = extract_fixture(name)
    problems = field_differences(expected, got)
    assert not problems, f"{name}: {len(problems)} field(s) differ\n" + "\n".join(problems)


def test_enough_golden_pages() -> None:
    assert len(PAGE_NAMES) >= 25
