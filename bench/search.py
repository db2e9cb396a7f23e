"""Benchmark: the search index's build, incremental update, size and query latency, and the
relevance of its Arabic analysis against the alternatives.

Run with `.venv/bin/python bench/search.py [N]` (default 10000 articles). The archive is
synthetic: the offline snapshot's Arabic pages extracted once, then stored N times under their
own URLs with their words shuffled (seeded), in three runs, each giving every article a new
version (one paragraph's words shuffled again, and a number added: an edit): 3N versions. Then a fourth run changes 50
articles and the index is updated. Queries are words drawn from the corpus (frequent and
rare, one and two words, a phrase), asked in-process and through the command line.

Relevance: on the snapshot's own Arabic articles, words drawn from them are asked in every
spelling the tests use (as written, diacritics, tatweel, another alef, ة/ه, ى/ي, و and ال
added or removed); an article is relevant when it holds one of the word's forms (the bare
word, normalised, with any of the clitics و ف ب ل ك ال وال فال بال كال لل before it and any
of the suffixes ه ها هم ات ان ون ين يه يين ي after it). Each analysis keys the query and the
article's words; precision and recall are averaged over the queries.
Prints tables and writes them to bench/results/search.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import snowballstemmer  # noqa: E402

from crawler.archive.writer import Archive  # noqa: E402
from crawler.demo.site import DemoSite  # noqa: E402
from crawler.extraction import extract  # noqa: E402
from crawler.search import index as search_index  # noqa: E402
from crawler.search.analysis import WORD_RE, light10, normalize  # noqa: E402
from crawler.search.index import notes_text, open_for_reading  # noqa: E402
from crawler.search.query import parse, search  # noqa: E402

SITE = "https://ncmes.org"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ARABIC = re.compile(r"^[\u0621-\u064a]+$")
PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل")
SUFFIXES = ("", "ه", "ها", "هم", "ات", "ان", "ون", "ين", "يه", "يين", "ي")


def _shuffled(text: str, rng: random.Random) -> str:
    lines = []
    for line in text.splitlines():
        words = line.split()
        rng.shuffle(words)
        lines.append(" ".join(words))
    return "\n".join(lines)


def _records() -> list:
    site = DemoSite()
    return [extract(site.handle("GET", f"/{pid}/", {"Host": "ncmes.org"})[2], f"{SITE}/{pid}", AT)
            for pid in site.post_ids]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _edited(body: str, rng: random.Random) -> str:
    """The body with one paragraph's words shuffled again: an edit."""
    lines = body.splitlines()
    pick = rng.randrange(len(lines))
    lines[pick] = _shuffled(lines[pick], rng) + " " + str(rng.randrange(10**6))
    return "\n".join(lines)


BODIES: dict[int, str] = {}


def _body(i: int, base: str, rng: random.Random) -> str:
    BODIES[i] = _edited(BODIES[i], rng) if i in BODIES else _shuffled(base, rng)
    return BODIES[i]


def build_archive(root: Path, n: int, records: list, rng: random.Random) -> tuple[float, int]:
    """N articles, three versions each; returns the time taken and the text's size in bytes."""
    archive = Archive(root)
    started = time.perf_counter()
    for run in range(3):
        archive.acquire_lock()
        archive.begin_run(SITE, "full", started_at=AT + dt.timedelta(days=run))
        for i in range(n):
            base = records[i % len(records)]
            record = dataclasses.replace(
                base, url=f"{SITE}/{100000 + i}", post_id=100000 + i,
                title=_shuffled(base.title, random.Random(i)), body=_body(i, base.body, rng),
            )
            archive.record_article(record, fetched_at=AT + dt.timedelta(days=run))
            if (i + 1) % 2000 == 0:
                archive.checkpoint()
        archive.finish_run(True, {})
        archive.release_lock()
    took = time.perf_counter() - started
    table = Archive(root, create=False).read_versions(columns=["title", "body", "footnotes"])
    size = sum(len(r["title"].encode()) + len(r["body"].encode()) + len(notes_text(r["footnotes"]).encode())
               for r in table.to_pylist())
    return took, size


def change_some(root: Path, count: int, records: list, rng: random.Random) -> None:
    archive = Archive(root, create=False)
    archive.acquire_lock()
    archive.begin_run(SITE, "full", started_at=AT + dt.timedelta(days=3))
    for i in rng.sample(range(len(archive.read_articles())), count):
        base = records[i % len(records)]
        record = dataclasses.replace(base, url=f"{SITE}/{100000 + i}", post_id=100000 + i,
                                     title=_shuffled(base.title, random.Random(i)), body=_body(i, base.body, rng))
        archive.record_article(record, fetched_at=AT + dt.timedelta(days=3))
    archive.finish_run(True, {})
    archive.release_lock()


def queries(records: list, rng: random.Random) -> list[str]:
    counts: dict[str, int] = {}
    for r in records:
        for w in set(r.body.split()):
            if ARABIC.match(w) and len(w) >= 4:
                counts[w] = counts.get(w, 0) + 1
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    frequent, rare = ordered[:40], ordered[-40:]
    out = [*frequent[:20], *rare[:20]]
    out += [f"{a} {b}" for a, b in zip(frequent[20:40], rare[20:40], strict=True)]
    phrases = []
    for r in records[:20]:
        words = [w for w in r.body.split() if ARABIC.match(w)]
        if len(words) > 10:
            start = rng.randrange(len(words) - 3)
            phrases.append('"' + " ".join(words[start:start + 2]) + '"')
    return out + phrases


def latency(root: Path, asked: list[str]) -> dict[str, tuple[list[float], list[float]]]:
    """Each query's wall and CPU time (ms), current versions and every version. The CPU time
    is what the query costs on a machine no one else is using."""
    archive = Archive(root, create=False)
    out: dict[str, tuple[list[float], list[float]]] = {"current": ([], []), "all versions": ([], [])}
    with open_for_reading(archive) as conn:
        for q in asked:
            for label, every in (("current", False), ("all versions", True)):
                started, cpu = time.perf_counter(), time.process_time()
                search(conn, parse(q), all_versions=every, limit=20)
                out[label][0].append((time.perf_counter() - started) * 1000)
                out[label][1].append((time.process_time() - cpu) * 1000)
    return out


def per_command(root: Path, asked: list[str]) -> tuple[list[float], list[float]]:
    """Each command's wall time and CPU time (s), start-up included."""
    import resource

    walls, cpus = [], []
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for q in asked:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "crawler", "search", q, "--archive", str(root), "--json"],
                              capture_output=True, text=True, cwd=ROOT, env=env)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    return walls, cpus


# -- relevance ----------------------------------------------------------------------------

_snowball = snowballstemmer.stemmer("arabic")
_TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")


def _unicode61(word: str) -> str:
    """What FTS5's unicode61 tokenizer keys a word as: case folded, Latin diacritics removed;
    Arabic left as written."""
    return word.casefold()


ANALYSES = {
    "unicode61 (as written)": _unicode61,
    "normalised": normalize,
    "normalised + Snowball Arabic": lambda w: _snowball.stemWord(normalize(w)),
    "normalised + light10 (kept)": lambda w: light10(normalize(w)),
}


def _variants(word: str) -> list[str]:
    out = [word, word[0] + "\u064e" + word[1] + "\u0651\u0650" + word[2:], word[:2] + "\u0640\u0640" + word[2:]]
    swaps = {"ا": "أ", "أ": "ا", "إ": "ا", "آ": "ا"}
    out += [word[:i] + swaps[c] + word[i + 1:] for i, c in enumerate(word) if c in swaps]
    for a, b in (("ة", "ه"), ("ه", "ة"), ("ى", "ي"), ("ي", "ى")):
        if word.endswith(a):
            out.append(word[:-1] + b)
    out.append(word[1:] if word.startswith("و") else "و" + word)
    if word.startswith("ال"):
        out.append(word[2:])
    elif not word.startswith("و"):
        out.append("ال" + word)
    return list(dict.fromkeys(out))


def relevance(records: list) -> list[tuple[str, float, float, int]]:
    docs = []
    for r in records:
        text = "\n".join([r.title, r.body, notes_text([dataclasses.asdict(n) if dataclasses.is_dataclass(n) else n
                                                      for n in r.footnotes])])
        raw = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", _TASHKEEL.sub("", text)))
        docs.append((raw, set(WORD_RE.findall(normalize(text)))))
    # Bare words (no clitic, no suffix of the lists) that the corpus holds in 2 or more articles.
    counts: dict[str, int] = {}
    for _, normed in docs:
        for w in normed:
            if ARABIC.match(w) and len(w) >= 4 and not w.startswith(("ال", "و", "ب", "ل", "ف", "ك")) \
                    and not w.endswith(("ه", "ات", "ون", "ين", "ي", "ها", "ان")):
                counts[w] = counts.get(w, 0) + 1
    words = sorted((w for w, c in counts.items() if 2 <= c <= len(docs) // 2), key=lambda w: (-counts[w], w))[:60]
    results = []
    for name, key in ANALYSES.items():
        precisions, recalls, asked = [], [], 0
        keyed = [{key(w) for w in raw} for raw, _ in docs]
        for word in words:
            forms = {p + word + s for p in PREFIXES for s in SUFFIXES}
            relevant = {i for i, (_, normed) in enumerate(docs) if normed & forms}
            # The surface forms in the corpus (diacritics kept out): ة for ه where the text has it.
            for form in _variants(word) + [w for w in _variants(_surface(word, docs)) if w != word]:
                k = key(form)
                found = {i for i, ks in enumerate(keyed) if k in ks}
                hits = len(found & relevant)
                precisions.append(hits / len(found) if found else 1.0)
                recalls.append(hits / len(relevant))
                asked += 1
        results.append((name, statistics.mean(precisions), statistics.mean(recalls), asked))
    return results


def _surface(word: str, docs: list) -> str:
    """The word as the corpus writes it most (ة, ى, hamza), for asking it as written."""
    seen: dict[str, int] = {}
    for raw, _ in docs:
        for w in raw:
            if normalize(w) == word:
                seen[w] = seen.get(w, 0) + 1
    return max(seen, key=lambda w: seen[w]) if seen else word


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    records = [r for r in _records() if r.language != "en"]
    rng = random.Random(21)
    lines = [f"# Search benchmark ({n} articles, 3 versions each)", ""]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "archive"
        store_s, text_bytes = build_archive(root, n, records, rng)
        archive = Archive(root, create=False)
        started = time.perf_counter()
        built = search_index.rebuild(archive)
        build_s = time.perf_counter() - started
        index_bytes = (root / search_index.INDEX_FILE).stat().st_size
        change_some(root, 50, records, rng)
        started = time.perf_counter()
        updated = search_index.update(Archive(root, create=False))
        update_s = time.perf_counter() - started
        asked = queries(records, rng)
        lat = latency(root, asked)
        cmd = per_command(root, asked[:10] + asked[40:45] + asked[-5:])
        lines += [
            "| figure | value |",
            "|---|---:|",
            f"| versions indexed | {built.added:,} |",
            f"| storing the synthetic archive (not the index) | {store_s:.1f} s |",
            f"| index build from versions/ | {build_s:.1f} s ({built.added / build_s:,.0f} versions/s) |",
            f"| text indexed (title, body, footnotes; UTF-8) | {text_bytes / 1e6:.1f} MB |",
            f"| index file (search.sqlite, with the texts kept for snippets and phrases) | {index_bytes / 1e6:.1f} MB "
            f"({index_bytes / text_bytes:.2f} of the text) |",
            f"| incremental update after 50 changed articles | {update_s:.2f} s ({updated.added} versions added) |",
        ]
        for label, (walls, cpus) in lat.items():
            lines.append(f"| query in-process, {label}: wall p50 / p95 / max ({len(walls)} queries) | "
                         f"{_pct(walls, .5):.1f} / {_pct(walls, .95):.1f} / {max(walls):.1f} ms |")
            lines.append(f"| query in-process, {label}: CPU p50 / p95 / max | "
                         f"{_pct(cpus, .5):.1f} / {_pct(cpus, .95):.1f} / {max(cpus):.1f} ms |")
        walls, cpus = cmd
        lines.append(f"| `ncmes-archive search`, start-up included: wall p50 / p95 ({len(walls)} commands) | "
                     f"{_pct(walls, .5):.2f} / {_pct(walls, .95):.2f} s |")
        lines.append(f"| `ncmes-archive search`, start-up included: CPU p50 / p95 | "
                     f"{_pct(cpus, .5):.2f} / {_pct(cpus, .95):.2f} s |")
        load = os.getloadavg()
        lines.append(f"| load average at the end (1, 5, 15 min; {os.cpu_count()} cores) | "
                     f"{load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} |")
    lines += [
        "",
        "Targets: a command under 1.5 s wall, p95 under 50 ms in-process, the index under the size of the text.",
        "",
        f"## Relevance of the Arabic analysis ({len(records)} Arabic articles of the snapshot)",
        "",
        "| analysis | precision | recall | queries |",
        "|---|---:|---:|---:|",
    ]
    for name, precision, recall, count in relevance(records):
        lines.append(f"| {name} | {precision:.2f} | {recall:.2f} | {count} |")
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "search.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
