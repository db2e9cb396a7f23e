"""Rewrite fixtures' expected.json from the current code, for review: regen_golden.py [NAME...]."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_extraction_golden import PAGE_NAMES, PAGES_DIR, extract_fixture


def main(argv: list[str]) -> int:
    names = argv or PAGE_NAMES
    unknown = [n for n in names if n not in PAGE_NAMES]
    if unknown:
        print(f"unknown fixture(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    for name in names:
        path = PAGES_DIR / name / "expected.json"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = json.dumps(extract_fixture(name), ensure_ascii=False, indent=2) + "\n"
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path} (review it: git diff {path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
