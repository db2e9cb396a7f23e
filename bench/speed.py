"""Benchmark: our crawl against the download floor and trafilatura's command line, same mirror.

Run with `make bench`, or `.venv/bin/python bench/speed.py [--sizes 500,2000] [--repeat 3] [--profile]`
(the floors and our crawl run `--repeat` times each, alternately, and each row is the median run).
For each size N a mirror of N articles (bench/mirror.py: the snapshot's pages, copied) is
served from memory on 127.0.0.1 by its own process, and three clients fetch it, each with
8 requests at a time and no politeness delay:

1. the floor: a download-only Scrapy spider over the same listings and sitemap
   (bench/floor.py), extracting and storing nothing, on Scrapy's settings; and the same
   spider with CONCURRENT_ITEMS=1, the one engine setting our crawl changes for speed
   (Scrapy starts CONCURRENT_ITEMS asyncio tasks per answer, 100 by default): the
   floor our crawl is measured against is the first, the second is shown beside it;
2. our crawl (`python -m crawler crawl`) into a fresh archive;
3. trafilatura's command line, fetching and extracting the same article URLs
   (`trafilatura -i urls.txt --parallel 8 -o DIR`, no sleep between requests).

For each: wall seconds, article pages per second, requests the server answered, CPU
seconds per article page (the whole process tree, workers included), and the peak
resident memory of the process tree (RSS and PSS, sampled from /proc every 100 ms). Then `reextract`
over the largest archive on one core and on two (taskset). `--profile` adds one crawl of
the largest mirror under py-spy and summarises where its time goes. Prints a table and
writes bench/results/speed.md.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds incremental.py, which would shadow Twisted's `incremental` package.
sys.path[0] = str(ROOT)

from crawler.cli import LOCAL_MIRROR_SETTINGS, setting_args  # noqa: E402

BIN = Path(sys.executable).parent
CONCURRENCY = 8
NOTES = "\n## Notes"
OURS = setting_args({**LOCAL_MIRROR_SETTINGS, "NCMES_PROGRESS_INTERVAL": 0})
FLOOR = setting_args({"CONCURRENT_REQUESTS": CONCURRENCY, "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY})
FLOOR_TUNED = [*FLOOR, *setting_args({"CONCURRENT_ITEMS": 1})]
TRAFILATURA_CFG = """[DEFAULT]
DOWNLOAD_TIMEOUT = 30
MAX_FILE_SIZE = 20000000
MIN_FILE_SIZE = 10
SLEEP_TIME = 0
USER_AGENTS =
COOKIE =
MAX_REDIRECTS = 2
SSRF_PROTECTION = off
INSECURE_SSL_FALLBACK = off
MIN_EXTRACTED_SIZE = 250
MIN_OUTPUT_SIZE = 1
MIN_OUTPUT_COMM_SIZE = 1
MAX_TREE_SIZE =
EXTRACTION_TIMEOUT = 30
MIN_DUPLCHECK_SIZE = 100
MAX_REPETITIONS = 2
EXTENSIVE_DATE_SEARCH = on
EXTERNAL_URLS = off
"""


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def _memory(pid: int) -> tuple[int, int]:
    """Resident and proportional (shared pages split among their users) bytes of one process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            fields = dict(line.split(":", 1) for line in fh.read().splitlines()[1:])
        return int(fields["Rss"].split()[0]) * 1024, int(fields["Pss"].split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError, KeyError, ValueError, IndexError):
        return 0, 0


def _tree(roots: list[int]) -> list[int]:
    seen, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo += _children(pid)
    return seen


class Runner:
    """Runs commands as children of this process, which adopts their orphans (a subreaper), so
    the CPU of every process they start is counted and none outlives its run unseen."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        self.keep: set[int] = set()  # the mirror: not part of any measured tree

    def run(self, cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> dict:
        before = os.times()
        started = time.perf_counter()
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                                    env={**os.environ, **(env or {})})
            peak, peak_pss, status = 0, 0, None
            while status is None:
                roots = [p for p in _children(os.getpid()) if p not in self.keep]
                sizes = [_memory(p) for p in _tree(roots)]
                peak = max(peak, sum(r for r, _ in sizes))
                peak_pss = max(peak_pss, sum(p for _, p in sizes))
                pid, code, _ = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    status = os.waitstatus_to_exitcode(code)
                    proc.returncode = status
                else:
                    time.sleep(0.1)
            wall = time.perf_counter() - started
            orphans = self._reap()
            after = os.times()
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
        if status != 0:
            raise SystemExit(f"{' '.join(cmd[:4])} failed ({status}): {' | '.join(tail)}")
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return {"wall": wall, "cpu": cpu, "peak_mb": peak / 2**20, "peak_pss_mb": peak_pss / 2**20,
                "orphans": orphans}

    def _reap(self) -> int:
        """Wait up to 10 s for what the command left behind to exit (a fork server finishing
        after its parent); kill and count what is still running then."""
        deadline = time.monotonic() + 10
        left = [p for p in _children(os.getpid()) if p not in self.keep]
        while left and time.monotonic() < deadline:
            for pid in left:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
            time.sleep(0.05)
            left = [p for p in _children(os.getpid()) if p not in self.keep]
        for pid in left:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        return len(left)


class MirrorProcess:
    def __init__(self, runner: Runner, articles: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "mirror.py"), "--articles", str(articles)],
            stdout=subprocess.PIPE, text=True,
        )
        runner.keep.add(self.proc.pid)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit("the mirror did not start")

    def counters(self, reset: bool = True) -> Counter:
        with urllib.request.urlopen(f"{self.url}/__bench__/counters{'?reset=1' if reset else ''}") as r:
            return Counter(json.loads(r.read()))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _row(name: str, result: dict, counts: Counter, articles: int) -> dict:
    pages = counts["article_pages"]
    return {
        "client": name, "articles": articles, "wall": result["wall"], "pages": pages,
        "pages_s": pages / result["wall"], "requests": counts["requests"],
        "cpu_per_page_ms": result["cpu"] / max(pages, 1) * 1000, "peak_mb": result["peak_mb"],
        "peak_pss_mb": result["peak_pss_mb"],
        "orphans": result["orphans"],
    }


def _median_row(rows: list[dict]) -> dict:
    """One row from repeated runs of a client: the median run by wall time, with the
    largest peak memory of them all and how many runs there were."""
    ordered = sorted(rows, key=lambda r: r["wall"])
    row = dict(ordered[(len(ordered) - 1) // 2])
    row["peak_mb"] = max(r["peak_mb"] for r in rows)
    row["peak_pss_mb"] = max(r["peak_pss_mb"] for r in rows)
    row["runs"] = len(rows)
    return row


def measure_size(runner: Runner, articles: int, work: Path, repeat: int = 1) -> tuple[list[dict], Path]:
    """The clients over one mirror of `articles` articles; the floors and our crawl `repeat`
    times, alternately (this machine's speed drifts from run to run: see bench/machine.py),
    each row the median run."""
    mirror = MirrorProcess(runner, articles)
    try:
        mirror.counters()
        runs: dict[str, list[dict]] = {}
        archive = work / f"archive-{articles}"
        for _ in range(repeat):
            for name, cmd in (
                ("floor (download only)", [sys.executable, str(ROOT / "bench" / "floor.py"), mirror.url, *FLOOR]),
                ("floor, CONCURRENT_ITEMS=1",
                 [sys.executable, str(ROOT / "bench" / "floor.py"), mirror.url, *FLOOR_TUNED]),
                ("ours (crawl)", [sys.executable, "-m", "crawler", "crawl", "--site", mirror.url,
                                  "--archive", str(archive), *OURS]),
            ):
                if name.startswith("ours"):
                    shutil.rmtree(archive, ignore_errors=True)  # a fresh archive each time
                result = runner.run(cmd)
                runs.setdefault(name, []).append(_row(name, result, mirror.counters(), articles))
        rows = [_median_row(r) for r in runs.values()]

        urls = work / f"urls-{articles}.txt"
        import pyarrow.parquet as pq

        urls.write_text("".join(f"{u}/\n" for u in pq.read_table(archive / "articles.parquet")["url"].to_pylist()))
        cfg = work / "trafilatura.cfg"
        cfg.write_text(TRAFILATURA_CFG)
        out = work / f"trafilatura-{articles}"
        result = runner.run([str(BIN / "trafilatura"), "-i", str(urls), "--parallel", str(CONCURRENCY),
                             "-o", str(out), "--config-file", str(cfg)])
        rows.append(_median_row([_row("trafilatura CLI", result, mirror.counters(), articles)]))
        return rows, archive
    finally:
        mirror.stop()


def reextract_timing(runner: Runner, archive: Path, work: Path) -> dict[int, float]:
    times = {}
    for cores in (1, 2):
        copy = work / f"reextract-{cores}"
        shutil.copytree(archive, copy)
        cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:cores])
        result = runner.run(["taskset", "-c", cpus, sys.executable, "-m", "crawler", "reextract",
                             "--archive", str(copy)])
        times[cores] = result["wall"]
        shutil.rmtree(copy)
    return times


def profile(runner: Runner, articles: int, work: Path, label: str) -> list[str]:
    """One crawl under py-spy (sampling every process of the tree); the top frames."""
    mirror = MirrorProcess(runner, articles)
    raw = ROOT / "bench" / "results" / f"profile-{label}.txt"
    try:
        runner.run([str(BIN / "py-spy"), "record", "--subprocesses", "--format", "raw",
                    "--rate", "200", "-o", str(raw), "--", sys.executable, "-m", "crawler", "crawl",
                    "--site", mirror.url, "--archive", str(work / f"profiled-{label}"), *OURS])
    finally:
        mirror.stop()
    return summarise_profile(raw)


# Leaf frames where a thread waits (py-spy cannot always tell a waiting thread from a
# running one inside a container): not CPU time.
WAITS = {"Condition.wait", "_worker", "_exit_with", "_PollLikeSelector.select", "EpollSelector.select", "Event.wait",
         "Queue.get", "Thread.join", "select", "wait",
         # the pipeline's feeder blocks in SimpleQueue.get, C code py-spy does not show
         "ArchivePipeline._feed_loop"}


def _role(frames: list[str]) -> str:
    names = [f.split(" (")[0] for f in frames]
    if any(f.startswith("process ") and "forkserver" in f for f in frames):
        return "extraction workers"
    if "CrawlerProcess.start" in names:
        return "crawl process: reactor thread (Scrapy, spider, discovery)"
    if "ArchivePipeline._handle" in names or "Archive.finish_run" in names:
        return "crawl process: archive thread (record, checkpoints)"
    return "crawl process: other threads (pool feeding, WARC, Twisted pool)"


def summarise_profile(raw: Path, top: int = 15) -> list[str]:
    """Where the CPU went: by process and thread role, then by function (self and inclusive),
    waits removed, threads and processes pooled."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        # function (file), for frames of code; process frames (and the pieces of a command
        # line that held a `;`) left out.
        names = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")"
                 for f in frames if " (" in f and not f.startswith("process ")]
        if not names or names[-1].split(" (")[0] in WAITS:
            idle += n
            continue
        total += n
        roles[_role(frames)] += n
        own[names[-1]] += n
        for name in set(names):
            inclusive[name] += n
    lines = [f"{total} samples on CPU (py-spy, 200 Hz, every process of the crawl; {idle} samples of waiting "
             "threads left out)", "", "| share of CPU | where |", "|---:|---|"]
    lines += [f"| {c / total:.1%} | {role} |" for role, c in roles.most_common()]
    lines += ["", "| self | function |", "|---:|---|"]
    lines += [f"| {c / total:.1%} | `{name}` |" for name, c in own.most_common(top)]
    lines += ["", "| inclusive | function |", "|---:|---|"]
    lines += [f"| {c / total:.1%} | `{name}` |" for name, c in inclusive.most_common(top + 10)]
    return lines


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/speed.py")
    parser.add_argument("--sizes", default="500,2000", help="article counts, comma-separated")
    parser.add_argument("--profile", action="store_true", help="also profile one crawl with py-spy")
    parser.add_argument("--label", default="after", help="name of the profile file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the floors and of our crawl per size, alternately; rows give the median")
    parser.add_argument("--summarise", type=Path, help="only print the summary of a py-spy raw profile")
    args = parser.parse_args()
    if args.summarise:
        print("\n".join(summarise_profile(args.summarise)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    runner = Runner()
    rows: list[dict] = []
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="ncmes-speed-") as tmp:
        work = Path(tmp)
        archive = None
        for n in sizes:
            size_rows, archive = measure_size(runner, n, work, max(1, args.repeat))
            rows += size_rows
            for row in size_rows:
                print(f"N={n} {row['client']}: {row['wall']:.1f} s, {row['pages_s']:.0f} pages/s, "
                      f"{row['requests']} requests, {row['peak_mb']:.0f} MB", file=sys.stderr)
        assert archive is not None
        reex = reextract_timing(runner, archive, work)
        prof = profile(runner, sizes[-1], work, args.label) if args.profile else []
    load_after = load()

    out = [f"# Speed benchmark ({os.cpu_count()} cores, load average {load_before} before / {load_after} after)", "",
           f"Mirror served from memory by its own process; {CONCURRENCY} requests at a time, no delay, for all.",
           "Pages: article pages answered 200. CPU: user + system of the whole process tree.",
           f"The floors and our crawl ran {max(1, args.repeat)} times each, alternately: each row is the median run",
           "(peak memory: the largest of the runs); trafilatura ran once.", "",
           "Peak memory: the most the process tree held at once, as resident (RSS, shared pages counted",
           "in every process) and proportional (PSS, shared pages split) set sizes.", "",
           "| N | client | wall s | pages/s | requests | CPU ms/page | peak RSS MB | peak PSS MB | left running 10 s after |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['articles']} | {r['client']} | {r['wall']:.1f} | {r['pages_s']:.0f} | {r['requests']} "
                   f"| {r['cpu_per_page_ms']:.1f} | {r['peak_mb']:.0f} | {r['peak_pss_mb']:.0f} | {r['orphans']} |")
    out += ["", "| N | ours / floor, pages/s | ours / floor with CONCURRENT_ITEMS=1 | ours / trafilatura, pages/s "
            "| requests ours / floor |", "|---:|---:|---:|---:|---:|"]
    by = {(r["articles"], r["client"]): r for r in rows}
    for n in sizes:
        ours, floor, traf = by[(n, "ours (crawl)")], by[(n, "floor (download only)")], by[(n, "trafilatura CLI")]
        tuned = {n: by[(n, "floor, CONCURRENT_ITEMS=1")]}
        out.append(f"| {n} | {ours['pages_s'] / floor['pages_s']:.2f} | {ours['pages_s'] / tuned[n]['pages_s']:.2f} "
                   f"| {ours['pages_s'] / traf['pages_s']:.2f} | {ours['requests'] / floor['requests']:.2f} |")
    if len(sizes) > 1:
        a, b = by[(sizes[0], "ours (crawl)")], by[(sizes[-1], "ours (crawl)")]
        out += ["", f"Peak memory of our crawl: RSS {a['peak_mb']:.0f} MB at N={sizes[0]}, {b['peak_mb']:.0f} MB "
                f"at N={sizes[-1]} ({b['peak_mb'] / a['peak_mb']:.2f}x); PSS {a['peak_pss_mb']:.0f} MB, "
                f"{b['peak_pss_mb']:.0f} MB ({b['peak_pss_mb'] / a['peak_pss_mb']:.2f}x)."]
    out += ["", f"`reextract` of the N={sizes[-1]} archive: {reex[1]:.1f} s on 1 core, {reex[2]:.1f} s on 2 "
            f"({reex[1] / reex[2]:.2f}x)."]
    if prof:
        out += ["", f"## Profile of one crawl (N={sizes[-1]}, {args.label})", "", *prof]
    text = "\n".join(out)
    print(text)
    results = ROOT / "bench" / "results" / "speed.md"
    results.parent.mkdir(parents=True, exist_ok=True)
    # Hand-written sections (## Notes onwards: the profile before the process pool, what
    # bounds each figure) are kept across runs.
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    notes = old[old.index(NOTES):] if NOTES in old else ""
    results.write_text(text + "\n" + ("\n" + notes if notes else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
