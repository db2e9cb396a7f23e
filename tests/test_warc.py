"""The web archive: every answer of every run in WARC files, indexed, replayed by pywb, packed as WACZ.

One small history (a crawl, an unchanged recrawl answered with 304s, then a crawl that finds
two articles withdrawn and robots.txt moved) is read back by every test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import json
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.dataset as ds
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import cdxj
from crawler.archive.warc import Capture, WarcRecorder, WarcWriter, Written, serialize
from crawler.archive.warc import read as read_warc
from crawler.demo.server import DemoServer, serve
from crawler.demo.site import DemoSite
from crawler.extraction import extract
from tests.conftest import ROOT, crawl, free_port, run_cli

# Every article is due every run, so the recrawl asks each one with its validators (304).
EVERY_RUN = ["-s", "NCMES_REVISIT_EVERY_RUNS=1", "-s", "RETRY_BACKOFF_BASE=0.05"]


@dataclass
class History:
    site: DemoSite
    server: DemoServer
    archive: Path
    removed: dict[int, int]
    log: list[tuple[float, str, int]]  # what the server answered in the three runs


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    # No sitemap or REST: listings, the feed and the revisit policy do the work.
    site = DemoSite(sitemap=False, rest_api=False)
    archive = tmp_path_factory.mktemp("warc") / "archive"
    with serve(site) as server:
        site.set_fault("/feed/", fail_503=1)  # an error with a body, then its retry
        for step in range(3):
            if step == 2:
                ids = site.post_ids
                removed = {ids[0]: 404, ids[-1]: 410}
                for post_id, status in removed.items():
                    site.remove_article(post_id, status)
                site.override("/robots.txt", status=301,
                              headers={"Location": f"{server.url}/robots-moved.txt"})
            result = crawl(server, archive, *EVERY_RUN)
            assert result.returncode == 0, result.stderr[-3000:]
        yield History(site, server, archive, removed, site.requests_log())


def _records(path: Path) -> list[dict]:
    """Every record of a WARC file: type, headers, HTTP head, offset and length."""
    out = []
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            payload = record.content_stream().read() if record.rec_type == "warcinfo" else None
            http = record.http_headers
            out.append({
                "type": record.rec_type,
                "id": record.rec_headers.get_header("WARC-Record-ID"),
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "date": record.rec_headers.get_header("WARC-Date"),
                "warc": dict(record.rec_headers.headers),
                "status": int(http.get_statuscode()) if http and record.rec_type in ("response", "revisit") else None,
                "http": http,
                "info": payload,
            })
            records.read_to_end(record)
            out[-1]["offset"] = records.get_record_offset()
            out[-1]["length"] = records.get_record_length()
    return out


def _warcs(archive: Path) -> list[Path]:
    return sorted((archive / "warc").glob("*.warc.gz"))


def test_every_answer_the_server_gave_has_its_record(history: History) -> None:
    served = Counter((path, status) for _, path, status in history.log)
    archived = Counter(
        (urlsplit(r["uri"]).path, r["status"])
        for path in _warcs(history.archive) for r in _records(path)
        if r["type"] in ("response", "revisit")
    )
    assert archived == served
    statuses = {status for _, status in served}
    # The history has them all: pages, a retried 503, 304s, a redirect, 404s and a 410.
    assert {200, 301, 304, 404, 410, 503} <= statuses
    paths = {path for path, _ in served}
    assert {"/robots.txt", "/", "/feed/"} <= paths


def test_warcio_check_passes_and_warcinfo_opens_each_file(history: History) -> None:
    files = _warcs(history.archive)
    assert len(files) == 3  # one per run
    result = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in files:
        first = _records(path)[0]
        assert first["type"] == "warcinfo"
        info = first["info"].decode()
        run_id = path.name.removesuffix(".warc.gz")
        assert f"run-id: {run_id}" in info and f"isPartOf: {history.server.url}" in info
        assert "software: ncmes-archive/" in info and "Scrapy" in info and "warcio" in info


def test_request_records_are_as_written_to_the_wire(history: History) -> None:
    host = urlsplit(history.server.url).netloc
    for path in _warcs(history.archive):
        records = _records(path)
        requests = {r["warc"]["WARC-Concurrent-To"]: r for r in records if r["type"] == "request"}
        answers = [r for r in records if r["type"] in ("response", "revisit")]
        assert answers and set(requests) == {r["id"] for r in answers}
        for answer in answers:
            request = requests[answer["id"]]
            http = request["http"]
            target = urlsplit(answer["uri"])
            assert http.protocol == "GET"
            assert http.statusline.split(" ")[0] == target.path + (f"?{target.query}" if target.query else "")
            # Host is added by Twisted as it writes the request: only the wire has it.
            assert http.get_header("Host") == host
            assert "X-Archive-Request" not in request["warc"]
            assert http.get_header("User-Agent").startswith("ncmes-archive/")
            assert answer["warc"]["WARC-IP-Address"] == "127.0.0.1"


def test_a_304_is_a_revisit_naming_the_response_it_confirms(history: History) -> None:
    everything = [r for path in _warcs(history.archive) for r in _records(path)]
    by_id = {r["id"]: r for r in everything}
    revisits = [r for r in everything if r["type"] == "revisit"]
    assert len(revisits) >= len(history.site.live())
    for revisit in revisits:
        assert revisit["status"] == 304
        assert revisit["warc"]["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
        original = by_id[revisit["warc"]["WARC-Refers-To"]]
        assert (original["type"], original["status"], original["uri"]) == ("response", 200, revisit["uri"])
        assert revisit["warc"]["WARC-Refers-To-Target-URI"] == revisit["uri"]
        assert original["date"] < revisit["date"]


def test_the_removals_show_in_the_captures(history: History) -> None:
    last = _records(_warcs(history.archive)[-1])
    answers = {(urlsplit(r["uri"]).path, r["status"]) for r in last if r["status"]}
    for post_id, status in history.removed.items():
        assert (f"/{post_id}/", status) in answers
    assert ("/robots.txt", 301) in answers and ("/robots-moved.txt", 404) in answers


def test_the_cdxj_lists_every_response_and_revisit_where_it_is(history: History) -> None:
    warc_dir = history.archive / "warc"
    lines = (warc_dir / cdxj.INDEX).read_text().splitlines()
    assert lines == sorted(lines)
    indexed = {(e.filename, e.offset): e for e in map(cdxj.Entry.parse, lines)}
    expected = {
        (path.name, r["offset"]): r
        for path in _warcs(history.archive) for r in _records(path)
        if r["type"] in ("response", "revisit")
    }
    assert set(indexed) == set(expected) and len(lines) == len(expected)
    for (name, offset), entry in indexed.items():
        record = expected[(name, offset)]
        assert entry.length == record["length"]
        assert (entry.url, entry.timestamp, entry.status) == (
            record["uri"], cdxj.timestamp(record["date"]), str(record["status"]))
        assert entry.mime == ("warc/revisit" if record["type"] == "revisit" else entry.mime)
        # offset and length cut the record out whole.
        with open(warc_dir / name, "rb") as fh:
            fh.seek(offset)
            (alone,) = list(ArchiveIterator(io.BytesIO(fh.read(entry.length))))
        assert alone.rec_headers.get_header("WARC-Record-ID") == record["id"]


def test_the_cdxj_is_what_pywb_itself_indexes(history: History) -> None:
    """pywb's own indexer over the same files gives the same lines (pywb leaves a revisit's
    status out; ours says 304)."""
    result = subprocess.run(
        [sys.executable, "-c", "from pywb.indexer.cdxindexer import main; main()", "--cdxj", "--sort",
         *map(str, _warcs(history.archive))], capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    ours = (history.archive / "warc" / cdxj.INDEX).read_text().splitlines()
    without_revisit_status = [line.replace('"status": "304", ', "") for line in ours]
    assert without_revisit_status == result.stdout.splitlines()


def test_each_version_names_its_record(history: History) -> None:
    versions = ds.dataset(history.archive / "versions", format="parquet").to_table().to_pylist()
    assert versions
    for row in versions:
        headers, body = read_warc(history.archive, row["warc_file"], row["warc_offset"])
        assert extract(body, row["url"], row["seen_at"]).title == row["title"]
        with open(history.archive / row["warc_file"], "rb") as fh:
            fh.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]


def _get(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_pywb_replays_an_article_from_the_archive(history: History) -> None:
    """`ncmes-archive replay` serves the archive's own WARC files and index with pywb."""
    versions = ds.dataset(history.archive / "versions", format="parquet").to_table().to_pylist()
    row = versions[0]
    index = {(e.filename, e.offset): e for e in cdxj.read(history.archive / "warc").entries()}
    entry = index[(Path(row["warc_file"]).name, row["warc_offset"])]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crawler", "replay", "--archive", str(history.archive), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        page = _get(f"http://127.0.0.1:{port}/ncmes/{entry.timestamp}id_/{entry.url}",
                    time.monotonic() + 60)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    assert row["title"] in page.decode("utf-8")
    assert server.returncode == 0, err[-2000:]
    # pywb ran from a temporary folder pointing at warc/: nothing was copied into the archive.
    assert sorted(p.name for p in (history.archive / "warc").iterdir()) == sorted(
        [p.name for p in _warcs(history.archive)] + [cdxj.INDEX, cdxj.STATE])


def test_the_wacz_package_is_whole(history: History, tmp_path: Path) -> None:
    out = tmp_path / "ncmes.wacz"
    result = run_cli("export", "--archive", str(history.archive), "--wacz", str(out))
    assert result.returncode == 0, result.stderr
    # The format's own validator (py-wacz): structure, datapackage, hashes, indexes.
    validator = subprocess.run(
        [sys.executable, "-c", "import sys; from wacz.main import main; sys.exit(main())",
         "validate", "-f", str(out)], capture_output=True, text=True,
    )
    assert validator.returncode == 0 and "is valid" in validator.stdout, validator.stdout + validator.stderr
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        package = json.loads(zf.read("datapackage.json"))
        assert package["profile"] == "data-package" and package["wacz_version"].startswith("1.1")
        names = {info.filename for info in zf.infolist()}
        assert {r["path"] for r in package["resources"]} | {"datapackage.json", "datapackage-digest.json"} == names
        for resource in package["resources"]:
            data = zf.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        # WARCs stored as they are, so a reader seeks into them.
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in names if n.startswith("archive/"))
        lines = zf.read("indexes/index.cdxj").decode().splitlines()
        assert lines == (history.archive / "warc" / cdxj.INDEX).read_text().splitlines()
        for entry in map(cdxj.Entry.parse, lines):
            data = zf.read(f"archive/{entry.filename}")[entry.offset: entry.offset + entry.length]
            (record,) = list(ArchiveIterator(io.BytesIO(data)))
            assert record.rec_headers.get_header("WARC-Target-URI") == entry.url
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    captured = {(e.url, e.timestamp) for e in map(cdxj.Entry.parse, lines) if e.status == "200"}
    versions = ds.dataset(history.archive / "versions", format="parquet").to_table().to_pylist()
    titles = {row["title"] for row in versions}
    assert len(pages) - 1 == len(versions)
    for page in pages[1:]:
        stamp = "".join(ch for ch in page["ts"] if ch.isdigit())[:14]
        assert (page["url"], stamp) in captured and page["title"] in titles


def test_a_torn_file_and_a_stale_index_are_repaired(history: History, tmp_path: Path) -> None:
    """What `kill -9` mid-write leaves (a record cut short, the run missing from the index)
    is mended by the index update every run starts with (tests/test_kill.py kills a real
    crawl): the file reads whole, the index lists every record."""
    archive = tmp_path / "archive"
    shutil.copytree(history.archive, archive)
    last = _warcs(archive)[-1]
    whole = last.stat().st_size
    with open(last, "r+b") as fh:
        fh.truncate(whole - 200)  # into the last record
    state_path = archive / "warc" / cdxj.STATE
    state = json.loads(state_path.read_text())
    del state[last.name]
    state_path.write_text(json.dumps(state))
    cdxj.update(archive / "warc")
    files = _warcs(archive)
    assert last.stat().st_size < whole - 200
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    lines = (archive / "warc" / cdxj.INDEX).read_text().splitlines()
    assert lines == sorted(e.line() for path in files for e in cdxj.index_file(path, repair=False))
    assert json.loads(state_path.read_text()) == {p.name: p.stat().st_size for p in files}
    # An index gone altogether is rebuilt the same.
    (archive / "warc" / cdxj.INDEX).unlink()
    cdxj.update(archive / "warc")
    assert (archive / "warc" / cdxj.INDEX).read_text().splitlines() == lines


# -- the writer alone (no crawl) ----------------------------------------------------------

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def _capture(i: int, **kw: object) -> Capture:
    body = gzip.compress(f"<html><title>page {i}</title>{'نص ' * (i * 37 % 500)}</html>".encode(), mtime=0)
    fields: dict = {
        "url": f"https://ncmes.org/{4000 + i}/", "status": 200, "body": body, "fetched_at": T0,
        "headers": [(b"Content-Type", b"text/html; charset=UTF-8"), (b"Content-Encoding", b"gzip")],
        "request_headers": [(b"User-Agent", b"ncmes-archive/test"), (b"Accept-Encoding", b"gzip")],
    }
    fields.update(kw)
    return Capture(**fields)


def test_without_the_wire_form_the_request_is_rebuilt_and_says_so(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, "run", {"software": "test"}) as writer:
        written = writer.write(_capture(1))
    records = _records(tmp_path / written.file)
    (request,) = [r for r in records if r["type"] == "request"]
    assert request["warc"]["X-Archive-Request"] == "rebuilt from the crawler's headers"
    assert request["http"].statusline == "/4001/ HTTP/1.1"
    assert request["http"].get_header("Host") == "ncmes.org"


def test_a_chunked_answer_keeps_its_wire_headers_and_a_true_length(tmp_path: Path) -> None:
    """Twisted undoes chunking: the head read from the wire is kept, Transfer-Encoding renamed."""
    capture = _capture(2)
    head = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=UTF-8\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\nContent-Encoding: gzip\r\n\r\n")
    capture.wire = {"request": b"GET /4002/ HTTP/1.1\r\nHost: ncmes.org\r\n\r\n", "head": head}
    with WarcWriter(tmp_path, "run", {"software": "test"}) as writer:
        written = writer.write(capture)
    headers, body = read_warc(tmp_path, written.file, written.offset)
    assert body == gzip.decompress(capture.body)  # readers undo the Content-Encoding kept
    assert headers == [
        ("Server", "nginx"), ("Content-Type", "text/html; charset=UTF-8"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"), ("Connection", "keep-alive"),
        ("Content-Encoding", "gzip"), ("Content-Length", str(len(capture.body))),
    ]
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(tmp_path / written.file)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


@pytest.mark.parametrize("seed", range(3))
def test_a_file_cut_anywhere_is_repaired_to_its_whole_records(tmp_path: Path, seed: int) -> None:
    """Wherever a kill cuts the file, the repair keeps exactly the records written whole."""
    rng = random.Random(seed)
    with WarcWriter(tmp_path, "run", {"software": "test"}) as writer:
        ends = [writer.size()]
        for i in range(12):
            writer.write(_capture(i))
            ends.append(writer.size())
        path = writer.path
    data = path.read_bytes()
    for cut in sorted(rng.sample(range(ends[0], len(data)), 6), reverse=True):
        path.write_bytes(data[:cut])
        entries = cdxj.index_file(path)
        whole = [end for end in ends if end <= cut]
        # Response and request are two members: a cut between them keeps the response.
        assert ends[len(whole) - 1] <= path.stat().st_size <= cut
        assert len(entries) in (len(whole) - 1, len(whole))
        assert [r["type"] for r in _records(path)][0] == "warcinfo"


def test_bad_wacz_and_replay_arguments_are_one_line_errors(history: History, tmp_path: Path) -> None:
    cases = [
        (["export", "--archive", str(history.archive), "--wacz", str(tmp_path / "x.zip")], 2),
        (["export", "--archive", str(history.archive)], 2),
        (["replay", "--archive", str(history.archive), "--port", "70000"], 2),
        (["replay", "--archive", str(tmp_path / "nothing")], 1),
        (["export", "--archive", str(tmp_path / "nothing"), "--wacz", str(tmp_path / "x.wacz")], 1),
    ]
    for args, code in cases:
        result = run_cli(*args)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("seed", range(3))
def test_records_made_elsewhere_are_the_records_the_writer_makes(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article's records are made by the extraction worker (serialize) and appended by the
    writer: the file, its index and what each record's place names are byte for byte those
    of the writer making them itself, for answers of every kind and in any order."""
    rng = random.Random(seed)
    captures = []
    for i in range(16):
        kind = rng.choice(["plain", "wire", "chunked", "redirect", "not found"])
        capture = _capture(i, fetched_at=T0 + dt.timedelta(seconds=rng.randint(0, 10**6)))
        if kind == "wire":
            capture.wire = {"request": b"GET /x/ HTTP/1.1\r\nHost: ncmes.org\r\n\r\n",
                            "head": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"}
        elif kind == "chunked":
            capture.wire = {"head": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"}
        elif kind == "redirect":
            capture.status, capture.body = 301, b""
            capture.headers = [(b"Location", b"https://ncmes.org/4571/")]
        elif kind == "not found":
            capture.status = 404
        capture.ip_address = rng.choice([None, "127.0.0.1"])
        captures.append(capture)

    def run(folder: Path, made_elsewhere: set[int]) -> tuple[bytes, list[str], list[Written]]:
        ids = iter(range(10**6))
        monkeypatch.setattr("crawler.archive.warc.uuid.uuid4", lambda: f"00000000-0000-0000-0000-{next(ids):012d}")
        with WarcWriter(folder, "run", {"software": "test"}) as writer:
            places = [writer.append(serialize(c)) if i in made_elsewhere else writer.write(c)
                      for i, c in enumerate(captures)]
        # From the first answer on, and offsets from there: the warcinfo record opening the
        # file is dated now, its length varying with the date.
        start = places[0].offset
        entries = [cdxj.Entry.parse(line) for line in writer.entries]
        return (writer.path.read_bytes()[start:],
                [dataclasses.replace(e, offset=e.offset - start).line() for e in entries],
                [dataclasses.replace(p, offset=p.offset - start) for p in places])

    here = run(tmp_path / "here", set())
    elsewhere = run(tmp_path / "elsewhere", set(rng.sample(range(len(captures)), 10)))
    assert here == elsewhere
    assert [r["type"] for r in _records(tmp_path / "here" / "warc" / "run.warc.gz")].count("response") == 16


def test_a_held_capture_is_written_once_whoever_writes_it(tmp_path: Path) -> None:
    """A capture held for a worker: taken once; given back untaken, or never taken at all,
    the writer writes it (at the latest when it closes); its place reaches `written`."""
    recorder = WarcRecorder(tmp_path, "run", {"software": "test"})
    taken, released, forgotten, failed_elsewhere = (recorder.hold(_capture(i)) for i in range(4))
    capture = taken.take()
    assert capture is not None and taken.take() is None
    taken.write(serialize(capture))
    released.release()
    released.release()  # twice: still one record
    assert failed_elsewhere.take() is not None
    failed_elsewhere.write(_capture(3))  # the worker could not: the capture itself comes back
    recorder.close()  # writes `forgotten`, which nobody took
    assert forgotten.take() is None
    places = [held.written.result(timeout=5) for held in (taken, released, forgotten, failed_elsewhere)]
    assert all(isinstance(p, Written) for p in places)
    records = _records(tmp_path / "warc" / "run.warc.gz")
    responses = {r["offset"]: r["uri"] for r in records if r["type"] == "response"}
    assert sorted(responses.values()) == sorted(f"https://ncmes.org/{4000 + i}/" for i in range(4))
    assert {responses[p.offset] for p in places} == set(responses.values())
    index = (tmp_path / "warc" / cdxj.INDEX).read_text().splitlines()
    assert len(index) == 4
