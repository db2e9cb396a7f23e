"""Benchmark: the peak memory of our crawl by process role, against the number of articles.

Run with `.venv/bin/python bench/memory.py [--sizes 500,2000] [--repeat 3]`. For each size N
a mirror of N articles (bench/mirror.py) is served by its own process, and our crawl
(`python -m crawler crawl`, the settings of bench/speed.py) archives it into a fresh folder,
`--repeat` times. The process tree is sampled every 100 ms (/proc/*/smaps_rollup, as
bench/speed.py does), each process counted under its role: the crawl process, the fork
server, the extraction workers, anything else (multiprocessing's resource tracker). The
mirror's counters are read every half second to tell the download phase (until the last
article page is answered) from the end of the run (held pages stored, articles.parquet,
warc/index.cdxj, listings.parquet written, workers stopped).

Prints, per run: wall seconds, article pages per second, the peak RSS and PSS of the tree,
and per role its peak RSS and PSS during the downloads and during the end; then per size
the medians, and the ratio of the largest size's medians to the smallest's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds incremental.py, which would shadow Twisted's `incremental` package.
sys.path[0] = str(ROOT)


def _load_speed():
    """bench/speed.py as a module (bench/ itself stays off sys.path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_speed", ROOT / "bench" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_speed = _load_speed()
OURS, MirrorProcess, Runner = _speed.OURS, _speed.MirrorProcess, _speed.Runner
_children, _memory = _speed._children, _speed._memory

ROLES = ("crawl", "forkserver", "workers", "other")
MB = 2**20


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _roles(crawl: int) -> dict[int, str]:
    """Every process of the crawl's tree by role."""
    roles = {crawl: "crawl"}
    for child in _children(crawl):
        cmd = _cmdline(child)
        if "forkserver" in cmd:
            roles[child] = "forkserver"
            todo = _children(child)
            while todo:
                pid = todo.pop()
                roles[pid] = "workers"
                todo += _children(pid)
        else:
            todo = [child]
            while todo:
                pid = todo.pop()
                roles.setdefault(pid, "other")
                todo += _children(pid)
    return roles


class Pages:
    """Polls the mirror's article page counter; notes when it stops growing for good."""

    def __init__(self, mirror: MirrorProcess, articles: int) -> None:
        self.mirror = mirror
        self.articles = articles
        self.done_at: float | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            with urllib.request.urlopen(f"{self.mirror.url}/__bench__/counters") as r:
                counts = json.loads(r.read())
            if self.done_at is None and counts.get("article_pages", 0) >= self.articles:
                self.done_at = time.perf_counter()


def crawl_once(runner: Runner, mirror: MirrorProcess, articles: int, archive: Path,
               extra: list[str] | None = None, env: dict[str, str] | None = None) -> dict:
    """One crawl, sampled by role and phase."""
    import subprocess

    mirror.counters()  # reset
    pages = Pages(mirror, articles)
    cmd = [sys.executable, "-m", "crawler", "crawl", "--site", mirror.url, "--archive", str(archive), *OURS, *(extra or [])]
    started = time.perf_counter()
    pages.thread.start()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})})
        # peaks[phase][role] = (rss, pss); total[phase] = (rss, pss) of the tree
        peaks = {phase: {role: [0, 0] for role in ROLES} for phase in ("download", "end")}
        total = {"download": [0, 0], "end": [0, 0]}
        workers_seen: set[int] = set()
        status = None
        while status is None:
            phase = "download" if pages.done_at is None else "end"
            sums = {role: [0, 0] for role in ROLES}
            for pid, role in _roles(proc.pid).items():
                rss, pss = _memory(pid)
                sums[role][0] += rss
                sums[role][1] += pss
                if role == "workers":
                    workers_seen.add(pid)
            for role in ROLES:
                for i in (0, 1):
                    peaks[phase][role][i] = max(peaks[phase][role][i], sums[role][i])
            for i in (0, 1):
                total[phase][i] = max(total[phase][i], sum(s[i] for s in sums.values()))
            pid, code, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(code)
            else:
                time.sleep(0.1)
        wall = time.perf_counter() - started
        pages.stop.set()
        pages.thread.join()
        runner._reap()
        if status != 0:
            err.seek(0)
            raise SystemExit(f"crawl failed ({status}): {err.read().decode(errors='replace')[-500:]}")
    counts = mirror.counters()
    download = (pages.done_at or time.perf_counter()) - started
    return {
        "wall": wall, "download_s": download, "pages": counts["article_pages"],
        "pages_s": counts["article_pages"] / wall,
        "peak_rss": max(total["download"][0], total["end"][0]) / MB,
        "peak_pss": max(total["download"][1], total["end"][1]) / MB,
        "total": {phase: [v / MB for v in vals] for phase, vals in total.items()},
        "roles": {phase: {role: [v / MB for v in vals] for role, vals in by.items()} for phase, by in peaks.items()},
        "workers_seen": len(workers_seen),
    }


def show(n: int, r: dict) -> None:
    print(f"N={n}: {r['wall']:.1f} s ({r['download_s']:.1f} s to the last article page), "
          f"{r['pages_s']:.0f} pages/s, peak RSS {r['peak_rss']:.0f} MB, PSS {r['peak_pss']:.0f} MB, "
          f"{r['workers_seen']} worker processes", flush=True)
    for phase in ("download", "end"):
        parts = ", ".join(f"{role} {rss:.0f}/{pss:.0f}" for role, (rss, pss) in r["roles"][phase].items() if rss)
        t_rss, t_pss = r["total"][phase]
        print(f"    {phase:8s} tree {t_rss:.0f}/{t_pss:.0f}  ({parts})  [RSS/PSS MB]", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/memory.py")
    parser.add_argument("--sizes", default="500,2000", help="article counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="crawls per size")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the crawl (to compare variants)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the crawl (to compare variants)")
    args = parser.parse_args()
    extra = [arg for setting in args.settings for arg in ("-s", setting)]
    env = dict(item.split("=", 1) for item in args.env)
    sizes = [int(s) for s in args.sizes.split(",")]
    runner = Runner()
    results: dict[int, list[dict]] = {n: [] for n in sizes}
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ncmes-memory-") as tmp:
        mirrors = {n: MirrorProcess(runner, n) for n in sizes}
        try:
            # Sizes interleaved: a change in the machine's load touches every size alike.
            for rep in range(args.repeat):
                for n in sizes:
                    r = crawl_once(runner, mirrors[n], n, Path(tmp) / f"archive-{n}-{rep}", extra, env)
                    results[n].append(r)
                    show(n, r)
        finally:
            for mirror in mirrors.values():
                mirror.stop()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| N | runs | pages/s | peak RSS MB | peak PSS MB | crawl RSS (download/end) | workers RSS | fork server RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    med = {}
    for n, rs in results.items():
        m = {k: statistics.median(r[k] for r in rs) for k in ("pages_s", "peak_rss", "peak_pss")}
        role = {
            (phase, role): statistics.median(r["roles"][phase][role][0] for r in rs)
            for phase in ("download", "end") for role in ROLES
        }
        med[n] = m
        print(f"| {n} | {len(rs)} | {m['pages_s']:.0f} | {m['peak_rss']:.0f} | {m['peak_pss']:.0f} "
              f"| {role['download', 'crawl']:.0f} / {role['end', 'crawl']:.0f} "
              f"| {role['download', 'workers']:.0f} / {role['end', 'workers']:.0f} "
              f"| {role['download', 'forkserver']:.0f} / {role['end', 'forkserver']:.0f} |")
    if len(sizes) > 1:
        a, b = med[sizes[0]], med[sizes[-1]]
        print(f"\nN={sizes[-1]} / N={sizes[0]}: RSS {b['peak_rss'] / a['peak_rss']:.2f}x, "
              f"PSS {b['peak_pss'] / a['peak_pss']:.2f}x (medians)")


if __name__ == "__main__":
    main()
