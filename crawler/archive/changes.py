"""Pure change detection: normalise the hashed fields, hash them, name what differs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from crawler.text import normalize

# The fields whose normalised values make content_hash: what counts as a change.
HASHED_FIELDS = ("title", "body", "footnotes", "authors", "published", "sections")

# Bumped if the normalisation below changes, so old and new hashes never compare equal
# by accident of a different recipe.
HASH_RECIPE = "v1"


def normalise(text: str | None) -> str:
    """NFC, invisible marks dropped, every whitespace run folded to one space (extraction's
    own normalisation, so output and hash agree on what is the same text)."""
    return normalize(text) if text else ""


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _footnote_tuple(note: Any) -> tuple[int, str, list[str]]:
    number = _get(note, "number")
    urls = _get(note, "urls") or []
    return (
        int(number) if number is not None else 0,
        normalise(_get(note, "text")),
        [str(u).strip() for u in urls],
    )


def _date_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def normalised_fields(obj: Any) -> dict[str, Any]:
    """The HASHED_FIELDS of a record, state row or mapping, in their comparable form."""
    return {
        "title": normalise(_get(obj, "title")),
        "body": normalise(_get(obj, "body")),
        "footnotes": [_footnote_tuple(n) for n in (_get(obj, "footnotes") or [])],
        "authors": [normalise(a) for a in (_get(obj, "authors") or [])],
        "published": _date_text(_get(obj, "published")),
        "sections": [normalise(s) for s in (_get(obj, "sections") or [])],
    }


def _content_hash(fields: dict[str, Any]) -> str:
    payload = json.dumps(
        [HASH_RECIPE] + [fields[name] for name in HASHED_FIELDS],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def content_hash(obj: Any) -> str:
    """sha256 of the normalised title, body, footnotes, authors, published date and sections."""
    return _content_hash(normalised_fields(obj))


def fingerprint(obj: Any) -> tuple[str, tuple[str, ...]]:
    """content_hash and one short digest per hashed field (in HASHED_FIELDS order): what the
    archive keeps in memory to name what changed without keeping the content itself."""
    fields = normalised_fields(obj)
    per_field = tuple(
        hashlib.blake2b(
            json.dumps(fields[name], ensure_ascii=False).encode("utf-8"), digest_size=8
        ).hexdigest()
        for name in HASHED_FIELDS
    )
    return _content_hash(fields), per_field


def changed_digests(old: tuple[str, ...], new: tuple[str, ...]) -> list[str]:
    """Which hashed fields differ, from two fingerprints' per-field digests."""
    return [name for name, a, b in zip(HASHED_FIELDS, old, new, strict=True) if a != b]


def changed_fields(old: Any, new: Any) -> list[str]:
    """Which hashed fields differ after normalisation, in the contract's order."""
    a, b = normalised_fields(old), normalised_fields(new)
    return [name for name in HASHED_FIELDS if a[name] != b[name]]
