"""What changed in one article between two of its versions."""

from __future__ import annotations

import difflib
from typing import Any
from urllib.parse import urlsplit

from crawler.archive.store import Archive
from crawler.dataset import ReportError
from crawler.urls import SiteURLError, canonical_url


def resolve_url(archive: Archive, url: str) -> str:
    """The canonical URL of an article given in any form (slash, query, ?p=N, www., bare path)."""
    raw = url.strip()
    sites = list(dict.fromkeys(reversed(archive.read_runs()["site"].to_pylist())))
    scheme = urlsplit(raw).scheme.lower()
    if scheme and scheme not in ("http", "https") and "://" not in raw and raw[:1] != "/":
        raise ReportError(f"not an http(s) URL: {url!r}")
    if "://" not in raw:
        # A bare path or post id: the site of the latest run names the origin.
        if not sites:
            raise ReportError(f"not an absolute URL: {url!r}")
        raw = sites[0].rstrip("/") + (raw if raw.startswith("/") else "/" + raw)
    parts = urlsplit(raw)
    try:
        own = canonical_url(raw, f"{parts.scheme}://{parts.netloc}")
    except SiteURLError as exc:
        raise ReportError(f"not an http(s) URL: {url!r}") from exc
    if own is None:
        raise ReportError(f"not an http(s) URL: {url!r}")
    if own in archive.state:
        return own
    # The same article through another origin form (www., http): the crawled site's
    # canonical form is the one the archive keys on.
    for site in sites:
        try:
            alt = canonical_url(raw, site)
        except SiteURLError:
            continue
        if alt is not None and alt in archive.state:
            return alt
    return own


def _text_lines(row: dict[str, Any] | None) -> list[str]:
    if row is None:
        return []
    lines = [row["title"], ""]
    lines += row["body"].splitlines()
    if row["footnotes"]:
        lines.append("")
        lines += [f"[{n['number']}] {n['text']}" for n in row["footnotes"]]
    return lines


def diff(archive: Archive, url: str, from_v: int | None = None, to_v: int | None = None) -> str:
    """A unified, line-by-line diff of title, body and footnotes between two versions."""
    canon = resolve_url(archive, url)
    versions = {r["version"]: r for r in archive.read_versions(canon).to_pylist()}
    if not versions:
        raise ReportError(f"no article {canon} in archive {archive.root}")
    known = sorted(versions)
    for v in (from_v, to_v):
        if v is not None and v not in versions:
            raise ReportError(
                f"{canon} has no version {v} (versions: {', '.join(map(str, known))})"
            )
    to_v = to_v if to_v is not None else known[-1]
    if from_v is None:
        earlier = [v for v in known if v < to_v]
        from_v = earlier[-1] if earlier else None
    note = ""
    if from_v is None:
        note = f"# {canon} has only version {to_v} before it; diffing against empty\n"
    old = versions.get(from_v) if from_v is not None else None
    new = versions[to_v]
    lines = list(
        difflib.unified_diff(
            _text_lines(old),
            _text_lines(new),
            fromfile=f"{canon} v{from_v}" if from_v is not None else "(empty)",
            tofile=f"{canon} v{to_v}",
            lineterm="",
        )
    )
    if not lines:
        return note + f"# {canon}: no differences between v{from_v} and v{to_v}"
    return note + "\n".join(lines)
