"""Replay of the web archive: pywb over warc/, and a WACZ package for ReplayWeb.page.

`replay` makes a pywb collection folder (in a temporary directory) whose `archive` links to
the archive's warc/ and whose `indexes/index.cdxj` links to warc/index.cdxj, and runs pywb's
`wayback` in it, on 127.0.0.1: nothing is copied. pywb runs in its own process (it
monkey-patches the standard library with gevent when imported).

`write_wacz` packs warc/ into a WACZ 1.1 file: archive/*.warc.gz (stored, not compressed
again, so readers seek into them), indexes/index.cdxj, pages/pages.jsonl (one line per
archived article capture) and datapackage.json with each file's sha256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crawler.archive import cdxj
from crawler.archive.files import replace_atomic
from crawler.archive.warc import WARC_DIR

COLLECTION = "ncmes"
WACZ_VERSION = "1.1.1"

INSTALL_HINT = (
    "pywb is not installed: pip install 'ncmes-archive[replay]' (or pip install pywb), "
    "or see README.md, \"Web archive\", for the commands"
)


def pywb_available() -> bool:
    return importlib.util.find_spec("pywb") is not None


@contextmanager
def collection(archive_root: Path) -> Iterator[Path]:
    """A temporary pywb working folder with the archive as collection `ncmes`. The archive
    is only read: when warc/index.cdxj is behind the WARC files (a crawl killed, or running),
    the collection gets an index built in memory instead."""
    warc_dir = (Path(archive_root) / WARC_DIR).resolve()
    index, stale = cdxj.current(warc_dir)
    with tempfile.TemporaryDirectory(prefix="ncmes-pywb-") as tmp:
        root = Path(tmp)
        coll = root / "collections" / COLLECTION
        (coll / "indexes").mkdir(parents=True)
        os.symlink(warc_dir, coll / "archive", target_is_directory=True)
        if stale:
            (coll / "indexes" / cdxj.INDEX).write_text("".join(line + "\n" for line in index.lines))
        else:
            os.symlink(warc_dir / cdxj.INDEX, coll / "indexes" / cdxj.INDEX)
        (root / "config.yaml").write_text("# pywb settings for `ncmes-archive replay`\nframed_replay: true\n")
        yield root


def wayback_command(port: int) -> list[str]:
    """pywb's `wayback` server on 127.0.0.1:port, run from a collection folder."""
    return [sys.executable, "-c", "from pywb.apps.cli import wayback; wayback()",
            "--bind", "127.0.0.1", "--port", str(port)]


def start(root: Path, port: int, **popen: Any) -> subprocess.Popen:
    """Start pywb in the folder made by collection(); the caller stops it."""
    return subprocess.Popen(wayback_command(port), cwd=root, **popen)


def replay_url(port: int, timestamp: str, url: str, raw: bool = False) -> str:
    """Where pywb shows the capture of url nearest timestamp (raw: as archived, unrewritten)."""
    return f"http://127.0.0.1:{port}/{COLLECTION}/{timestamp}{'id_' if raw else ''}/{url}"


# -- WACZ ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pages(archive: Any, index: cdxj.Index) -> list[dict[str, Any]]:
    """One page per article version with a capture: its captured URL, time and title."""
    by_place = {(e.filename, e.offset): e for e in index.entries()}
    out = []
    for row in archive.read_versions(columns=["warc_file", "warc_offset", "title"]).to_pylist():
        if row["warc_file"] is None:
            continue
        entry = by_place.get((Path(row["warc_file"]).name, row["warc_offset"]))
        if entry is None:
            continue
        when = dt.datetime.strptime(entry.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        out.append({
            "id": hashlib.sha1(f"{entry.filename}:{entry.offset}".encode()).hexdigest()[:24],
            "url": entry.url,
            "ts": when.isoformat().replace("+00:00", "Z"),
            "title": row["title"],
        })
    out.sort(key=lambda page: (page["ts"], page["url"]))
    return out


def write_wacz(archive: Any, out: Path) -> dict[str, int]:
    """Write the archive's WARC files as a WACZ package at `out` (the archive is only read:
    an index behind the WARC files is built in memory); returns counts for the summary line."""
    warc_dir = archive.root / WARC_DIR
    if not warc_dir.is_dir():
        raise ValueError(f"{archive.root} holds no web archive ({WARC_DIR}/ is missing)")
    index, _stale = cdxj.current(warc_dir)
    warcs = sorted(p for p in warc_dir.glob("*.warc.gz") if p.is_file())
    if not warcs:
        raise ValueError(f"{warc_dir} holds no WARC file")
    page_rows = pages(archive, index)
    runs = archive.read_runs().to_pylist()
    site = runs[-1]["site"] if runs else ""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    replace_atomic(out, lambda fh: _write_zip(warcs, index, page_rows, site, fh))
    return {"warc_files": len(warcs), "captures": len(index.lines), "pages": len(page_rows)}


def _write_zip(warcs: list[Path], index: cdxj.Index, page_rows: list[dict[str, Any]], site: str,
               tmp: IO[bytes]) -> None:
    from crawler import __version__

    with tempfile.TemporaryDirectory(prefix="ncmes-wacz-") as work:
        work_dir = Path(work)
        pages_path = work_dir / "pages.jsonl"
        with open(pages_path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages",
                                 "title": "Articles", "hasText": False}) + "\n")
            for page in page_rows:
                fh.write(json.dumps(page, ensure_ascii=False) + "\n")
        index_path = work_dir / "index.cdxj"
        index_path.write_text("".join(line + "\n" for line in index.lines), encoding="utf-8")
        files = [(p, f"archive/{p.name}") for p in warcs]
        files += [(index_path, "indexes/index.cdxj"), (pages_path, "pages/pages.jsonl")]
        # A data package names its resources in lower case.
        resources = [
            {"name": Path(name).name.lower(), "path": name, "hash": f"sha256:{_sha256(path)}",
             "bytes": path.stat().st_size}
            for path, name in files
        ]
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": f"ncmes-archive web archive of {site}".strip(),
            "description": "Every answer the site gave to ncmes-archive's crawls, as WARC files.",
            "created": now,
            "modified": now,
            "software": f"ncmes-archive {__version__}",
            "mainPageUrl": page_rows[-1]["url"] if page_rows else None,
            "mainPageDate": page_rows[-1]["ts"] if page_rows else None,
            "resources": resources,
        }
        package_text = json.dumps(package, indent=2, ensure_ascii=False).encode()
        digest = {"path": "datapackage.json",
                  "hash": f"sha256:{hashlib.sha256(package_text).hexdigest()}"}
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for path, name in files:
                # WARCs are gzip already, and ReplayWeb.page reads them in place: stored.
                compress = zipfile.ZIP_STORED if name.startswith("archive/") else zipfile.ZIP_DEFLATED
                zf.write(path, name, compress_type=compress)
            zf.writestr("datapackage.json", package_text, compress_type=zipfile.ZIP_DEFLATED)
            zf.writestr("datapackage-digest.json", json.dumps(digest, indent=2),
                        compress_type=zipfile.ZIP_DEFLATED)
