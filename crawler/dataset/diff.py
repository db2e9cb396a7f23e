"""What changed in one article between two of its versions: every hashed field, word by word."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.archive.changes import HASHED_FIELDS, changed_fields, normalise
from crawler.archive.reader import ArchiveReader
from crawler.dataset import ReportError
from crawler.dataset.worddiff import BOLD, CYAN, RESET, LineDiff, diff_lines, hunks, render_line
from crawler.urls import SiteURLError, canonical_url


class NotAURL(ReportError):
    """What was given for an article is not a URL (or a path or id of one): a usage error."""


def resolve_url(archive: ArchiveReader, url: str) -> str:
    """The canonical URL of an article given in any form (slash, query, ?p=N, www., bare path)."""
    raw = url.strip()
    sites = list(dict.fromkeys(reversed(archive.read_runs()["site"].to_pylist())))
    scheme = urlsplit(raw).scheme.lower()
    if scheme and scheme not in ("http", "https") and "://" not in raw and raw[:1] != "/":
        raise NotAURL(f"not an http(s) URL: {url!r}")
    if "://" not in raw:
        # A bare path or post id: the site (of the archive's runs, latest first) that holds
        # it; an archive may hold both editions, whose post ids differ.
        if not sites:
            raise NotAURL(f"not an absolute URL: {url!r}")
        path = raw if raw.startswith("/") else "/" + raw
        candidates = [site.rstrip("/") + path for site in sites]
        raw = next(
            (c for c in candidates if canonical_url(c, c) in archive.state), candidates[0]
        )
    parts = urlsplit(raw)
    try:
        own = canonical_url(raw, f"{parts.scheme}://{parts.netloc}")
    except SiteURLError as exc:
        raise NotAURL(f"not an http(s) URL: {url!r}") from exc
    if own is None:
        raise NotAURL(f"not an http(s) URL: {url!r}")
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


# The headings of the hashed fields, in the contract's order.
FIELD_LABELS = {
    "title": "title",
    "body": "body",
    "footnotes": "footnotes (number, text, URLs)",
    "authors": "authors",
    "published": "published (YYYY-MM-DD)",
    "sections": "sections",
}


def field_lines(row: dict[str, Any] | None, name: str) -> list[str]:
    """One hashed field of a version as the lines its diff compares."""
    if row is None:
        return []
    if name == "title":
        return [normalise(row["title"])]
    if name == "body":
        return [normalise(line) for line in (row["body"] or "").splitlines() if line.strip()]
    if name == "footnotes":
        lines = []
        for note in row["footnotes"] or []:
            lines.append(f"[{note['number']}] {normalise(note['text'])}")
            lines += [f"[{note['number']}] <{url}>" for url in note["urls"] or []]
        return lines
    if name == "published":
        value = row["published"]
        return [value.isoformat()] if value is not None else ["(no date)"]
    return [normalise(v) for v in row[name] or []]


@dataclass
class FieldDiff:
    name: str
    lines: list[LineDiff]


def version_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[FieldDiff]:
    """The hashed fields that differ between two version rows (every non-empty field when
    there is no old version), each as its lines diffed word by word."""
    names = changed_fields(old, new) if old is not None else [
        n for n in HASHED_FIELDS if n == "published" or field_lines(new, n)
    ]
    return [FieldDiff(n, diff_lines(field_lines(old, n), field_lines(new, n))) for n in names]


def field_hunks(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[FieldDiff, list[list[LineDiff]]]]:
    """version_diff's fields, each with the hunks a page shows of it: the body and the
    footnotes cut to their changed lines with a line of context around, the others whole."""
    return [(f, hunks(f.lines, 1) if f.name in ("body", "footnotes") else [f.lines]) for f in version_diff(old, new)]


def pick_versions(
    archive: ArchiveReader, url: str, from_v: int | None = None, to_v: int | None = None
) -> tuple[str, dict[str, Any] | None, dict[str, Any], list[int]]:
    """The canonical URL, the two version rows to compare (old None when `to` is the
    first version) and every version number, default the last two."""
    canon = resolve_url(archive, url)
    versions = {r["version"]: r for r in archive.read_versions(canon).to_pylist()}
    if not versions:
        raise ReportError(
            f"no article {canon} in archive {archive.root} (try a URL or post id that `search` shows)"
        )
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
    return canon, versions.get(from_v) if from_v is not None else None, versions[to_v], known


def _version_line(mark: str, canon: str, row: dict[str, Any]) -> str:
    seen = row["seen_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{mark} {canon} v{row['version']} (seen {seen}, run {row['run_id']})"


def diff(
    archive: ArchiveReader, url: str, from_v: int | None = None, to_v: int | None = None,
    *, color: bool = False, context: int = 1,
) -> str:
    """Every hashed field that differs between two versions, each under its own heading,
    changed lines marked word by word ([-old-]{+new+}, or in colour)."""
    canon, old, new, _ = pick_versions(archive, url, from_v, to_v)
    out = []
    gone = removal(archive, canon)
    if gone is not None:
        out.append(f"# {canon} was removed: the site answered 404 or 410 in run {gone['run_id']} "
                   f"(seen {_when(gone['at'])}); v{gone['version']} is its last version")
    if old is None:
        out.append(f"# {canon} has only version {new['version']} before it; diffing against empty")
        out.append("--- (empty)")
    else:
        out.append(_version_line("---", canon, old))
    out.append(_version_line("+++", canon, new))
    if old is not None and old["content_hash"] == new["content_hash"]:
        return f"{out[-2]}\n{out[-1]}\n# {canon}: no differences between v{old['version']} and v{new['version']}\n"
    fields = version_diff(old, new)
    if not fields:
        out.append("# the content hashes differ but no field does after normalisation "
                   "(versions hashed by another recipe)")
    elif old is not None:
        out.append("# changed: " + ", ".join(f.name for f in fields))
    for fd in fields:
        heading = f"## {FIELD_LABELS[fd.name]}"
        out.append(f"{BOLD}{heading}{RESET}" if color else heading)
        for hunk in hunks(fd.lines, context):
            if len(fd.lines) > len(hunk):
                out.append(_hunk_header(hunk, color))
            out += [render_line(line, color) for line in hunk]
    return "\n".join(out) + "\n"


def removal(archive: ArchiveReader, canon: str) -> dict[str, Any] | None:
    """The event that removed the article, when its latest state is removed; else None."""
    import pyarrow.compute as pc

    state = archive.state.get(canon)
    if state is None or state.status != "removed":
        return None  # the ledger's state says so without reading the changes
    changes = archive.read_changes()
    events = sorted(changes.filter(pc.equal(changes["url"], canon)).to_pylist(), key=lambda e: e["at"])
    last = events[-1] if events else None
    return last if last is not None and last["change"] == "removed" else None


def _when(value: Any) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value is not None else "?"


def _hunk_header(hunk: list[LineDiff], color: bool) -> str:
    olds = [line.old_no for line in hunk if line.old_no is not None]
    news = [line.new_no for line in hunk if line.new_no is not None]

    def span(nums: list[int]) -> str:
        if not nums:
            return "0,0"
        return str(nums[0]) if len(nums) == 1 else f"{nums[0]},{len(nums)}"

    text = f"@@ -{span(olds)} +{span(news)} @@"
    return f"{CYAN}{text}{RESET}" if color else text
