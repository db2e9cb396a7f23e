"""Benchmark: how steady this machine's cores are, and how two processes share them.

Run with `.venv/bin/python bench/machine.py [--repeat 4]`. The same CPU-bound work (every
article page of the offline snapshot through extraction, six times) runs in one process
pinned to core 0, then alone on core 1, then as two processes at once, one on each core,
`--repeat` times. Printed per run: the wall seconds of each process. On a machine whose
cores run at a steady speed and do not slow each other down, every figure is the same;
the spread of the "alone" figures is the noise any one-run ratio on this machine carries,
and "together" against "alone" is what two cores can give a CPU-bound job at best.
Writes bench/results/machine.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = r"""
import datetime as dt, sys, time
sys.path.insert(0, {root!r})
from crawler.demo.site import DemoSite
from crawler.workers import extract_page
site = DemoSite()
pages = [(site.handle("GET", f"/{{p}}/", {{}})[2], f"http://127.0.0.1/{{p}}") for p in site.post_ids]
for body, url in pages[:5]:
    extract_page(body, url, dt.datetime.now(dt.UTC), None)
started = time.perf_counter()
for _ in range(6):
    for body, url in pages:
        extract_page(body, url, dt.datetime.now(dt.UTC), None)
print(f"{{time.perf_counter() - started:.3f}}")
"""


def run(cores: list[int]) -> list[float]:
    code = WORK.format(root=str(ROOT))
    procs = [subprocess.Popen(["taskset", "-c", str(c), sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
             for c in cores]
    return [float(p.communicate()[0].strip()) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/machine.py")
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("bench/machine.py needs two cores")
    alone: list[float] = []
    together: list[float] = []
    rows = []
    for i in range(args.repeat):
        a0, a1 = run([cpus[0]])[0], run([cpus[1]])[0]
        t0, t1 = run(cpus[:2])
        alone += [a0, a1]
        together += [t0, t1]
        rows.append(f"| {i + 1} | {a0:.2f} | {a1:.2f} | {t0:.2f} | {t1:.2f} | {os.getloadavg()[0]:.2f} |")
        print(rows[-1], file=sys.stderr)
    out = [
        f"# This machine's cores ({os.cpu_count()} cores)", "",
        "The same extraction work (the snapshot's article pages, six times), wall seconds: alone on",
        "each core, then two processes at once, one per core.", "",
        "| run | alone, core 0 | alone, core 1 | together, core 0 | together, core 1 | load (1 min) |",
        "|---:|---:|---:|---:|---:|---:|", *rows, "",
        f"Alone: median {statistics.median(alone):.2f} s, from {min(alone):.2f} to {max(alone):.2f} "
        f"({max(alone) / min(alone):.2f}x between the fastest and the slowest run of the same work).",
        f"Together: median {statistics.median(together):.2f} s, from {min(together):.2f} to {max(together):.2f}; "
        f"two cores give a CPU-bound job {2 * statistics.median(alone) / statistics.median(together):.2f}x "
        "at best (medians).",
    ]
    text = "\n".join(out)
    print(text)
    results = ROOT / "bench" / "results" / "machine.md"
    results.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
