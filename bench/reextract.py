"""Benchmark: `reextract` on one core and on two, repeated, on a machine that may be shared.

Run with `.venv/bin/python bench/reextract.py [--articles 2000] [--repeat 5] [--archive DIR]`.
Crawls a mirror of N articles (bench/mirror.py, as bench/speed.py does) into a fresh archive,
or takes DIR, an archive already made; then times the whole command
`python -m crawler reextract --archive COPY` (default workers: one per core it may use) on a
fresh copy of it under `taskset -c 0` and under `taskset -c 0,1`, alternately, `--repeat`
times. bench/speed.py gives the same figure from one run of each.

The machine may be shared: each run starts once the other processes have used under a
quarter of a core for 3 s (waiting at most `--wait` seconds, 600 by default), and the CPU they used while it ran
is printed beside it (busy time of /proc/stat less the CPU of the command's own processes).
Medians are given over all runs and over the quiet ones (others under 0.3 CPU-seconds), and
the cores a 2-core run keeps busy (measured within each run, so the drift of this machine's
speed between runs hardly moves it: the bound on the speed-up), with the extra CPU the same
work takes on two cores.
Prints a table and writes bench/results/reextract.md.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("speed", ROOT / "bench" / "speed.py")
assert _spec is not None and _spec.loader is not None
speed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(speed)  # (it puts the project root first on sys.path)

QUIET_CORES = 0.25
QUIET_SECONDS = 3.0
QUIET_RUN_CPU = 0.3
TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU-seconds the whole machine has been busy since boot (user, nice, system, irq, steal)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]) / TICK


def wait_quiet(wait: float) -> bool:
    """Wait until the machine has been nearly idle for QUIET_SECONDS; False after `wait` s."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        before = busy_seconds()
        time.sleep(QUIET_SECONDS)
        if busy_seconds() - before < QUIET_CORES * QUIET_SECONDS:
            return True
    return False


def reap() -> None:
    """Wait for every child, the orphans this subreaper adopted included (the fork server)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def timed_reextract(archive: Path, work: Path, cpus: str, wait: float) -> dict[str, float]:
    copy = work / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(archive, copy)
    quiet = wait_quiet(wait)
    busy, times, started = busy_seconds(), os.times(), time.perf_counter()
    proc = subprocess.run(["taskset", "-c", cpus, sys.executable, "-m", "crawler", "reextract", "--archive", str(copy)],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    reap()
    after = os.times()
    if proc.returncode != 0:
        raise SystemExit(f"reextract failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    cpu = (after.children_user - times.children_user) + (after.children_system - times.children_system)
    others = max(0.0, busy_seconds() - busy - cpu)
    return {"wall": wall, "cpu": cpu, "others": others, "quiet": float(quiet), "load": os.getloadavg()[0]}


def crawl(articles: int, work: Path) -> Path:
    mirror = speed.MirrorProcess(speed.Runner(), articles)
    archive = work / f"archive-{articles}"
    try:
        subprocess.run([sys.executable, "-m", "crawler", "crawl", "--site", mirror.url, "--archive", str(archive),
                        *speed.OURS], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        mirror.stop()
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/reextract.py")
    parser.add_argument("--articles", type=int, default=2000, help="articles of the mirror crawled (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs on each number of cores (default 5)")
    parser.add_argument("--archive", type=Path, help="an archive already made, instead of crawling a mirror")
    parser.add_argument("--wait", type=float, default=600.0,
                        help="seconds to wait at most for a quiet machine before each run (default 600)")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("this benchmark needs two cores")
    choices = {1: str(cores[0]), 2: f"{cores[0]},{cores[1]}"}
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: the fork server is reaped here
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="ncmes-reextract-") as tmp:
        work = Path(tmp)
        archive = args.archive or crawl(args.articles, work)
        reap()  # what the crawl left (its fork server) is not counted in the first run
        for rep in range(args.repeat):
            for n, cpus in choices.items():
                run = timed_reextract(archive, work, cpus, args.wait)
                runs[n].append(run)
                print(f"run {rep + 1} on {n} core(s): {run['wall']:.2f} s wall, {run['cpu']:.2f} s CPU, others "
                      f"{run['others']:.2f} CPU-s{'' if run['quiet'] else ' (never quiet)'}, load {run['load']:.2f}",
                      file=sys.stderr, flush=True)
    out = [f"# reextract on one core and on two ({args.archive or f'mirror of {args.articles} articles'})", "",
           "Whole command, wall seconds; default workers (one per core it may use); fresh copy each run.",
           f"Others: CPU-seconds used by other processes during the run; quiet: under {QUIET_RUN_CPU}.", "",
           "| runs | n (1 core / 2) | 1 core, median s | 2 cores, median s | ratio |", "|---|---:|---:|---:|---:|"]
    for label, keep in (("all", lambda r: True), ("quiet", lambda r: r["others"] < QUIET_RUN_CPU)):
        one = [r["wall"] for r in runs[1] if keep(r)]
        two = [r["wall"] for r in runs[2] if keep(r)]
        if one and two:
            m1, m2 = statistics.median(one), statistics.median(two)
            out.append(f"| {label} | {len(one)} / {len(two)} | {m1:.2f} | {m2:.2f} | {m1 / m2:.2f} |")
    # The machine's speed drifts between runs (bench/machine.py), which moves the ratio of
    # wall times. How many cores a 2-core run keeps busy is measured within each run and
    # hardly moves: it bounds the speed-up; the extra CPU the same work takes on two cores
    # (compared across runs, so it drifts too) takes the rest.
    busy = statistics.median(r["cpu"] / r["wall"] for r in runs[2])
    extra = statistics.median(r["cpu"] for r in runs[2]) / statistics.median(r["cpu"] for r in runs[1])
    out += ["", f"Cores a 2-core run keeps busy (its CPU s over its wall s, median): {busy:.2f}; CPU of the "
            f"same work on two cores over one (medians): {extra:.2f}; their quotient, the speed-up "
            f"as CPU times give it: {busy / extra:.2f}."]
    out += ["", "| run | cores | wall s | CPU s | others CPU-s | load (1 min) |", "|---:|---:|---:|---:|---:|---:|"]
    for n in (1, 2):
        out += [f"| {i + 1} | {n} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['others']:.2f} | {r['load']:.2f} |"
                for i, r in enumerate(runs[n])]
    text = "\n".join(out)
    print(text)
    results = ROOT / "bench" / "results" / "reextract.md"
    results.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
