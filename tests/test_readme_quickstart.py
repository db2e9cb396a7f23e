"""The README's quick start, followed command by command on the offline snapshot: each
`$ ncmes-archive ...` line of its console blocks runs as written (in a fresh folder, on free
ports) and must print the lines shown under it. A command the program does not offer (not
in `ncmes-archive --help`) fails its own step, and is not run before the later ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port
from tests.readme_steps import Step, console_steps, fenced, known_commands, missing_lines, section

README = (ROOT / "README.md").read_text(encoding="utf-8")
STEPS = console_steps(section(README, "Quick start"))
# Commands that serve until stopped: run until what they show is printed, then Ctrl-C.
SERVERS = {"replay", "browse"}
# The README's fixed ports, replaced by free ones so that the test never meets another run.
PORTS = {"demo": ("8765", "8767"), "replay": ("8090",), "browse": ("8001",)}
# On two shared cores, "an answer takes a while" must not fail the test; a hang must.
STEP_TIMEOUT = 240


def test_the_quick_start_has_the_researchers_steps_in_order() -> None:
    commands = [step.subcommand for step in STEPS]
    wanted = ["demo", "changes", "diff", "show", "search", "export", "report", "replay"]
    positions = [commands.index(name) for name in wanted]
    assert positions == sorted(positions), commands
    assert "```cron" in section(README, "Quick start")  # scheduling, shown not run
    # The first screens lead from the clone to a changed article's diff.
    assert README.index("$ ncmes-archive diff") < README.index("## The command line")


class QuickStart:
    """Runs the steps in order, once, in a fresh folder; remembers each result."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1",
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        self.known = known_commands(self._run(["ncmes-archive", "--help"]).stdout)
        # As many digits as the README's, so that the tables keep their shape.
        self.ports = {port: str(free_port(at_least=10000)) for ports in PORTS.values() for port in ports}
        self.results: dict[int, tuple[subprocess.CompletedProcess[str], list[str]]] = {}

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, cwd=self.workdir, env=self.env,
                              timeout=STEP_TIMEOUT, check=False)

    def localise(self, text: str) -> str:
        for readme_port, port in self.ports.items():
            text = text.replace(f":{readme_port}", f":{port}")
        return text

    def argv(self, step: Step) -> list[str]:
        argv = [self.localise(arg) for arg in step.argv]
        name = step.subcommand
        if name == "demo":
            argv += ["--port", self.ports["8765"], "--en-port", self.ports["8767"]]
        elif name in PORTS:
            argv += ["--port", self.ports[PORTS[name][0]]]
        return argv

    def result(self, step: Step) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        for earlier in STEPS[: step.number]:
            if earlier.number not in self.results and earlier.subcommand in self.known:
                self.results[earlier.number] = self._step(earlier)
        return self.results[step.number]

    def _step(self, step: Step) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        shown = [self.localise(line) for line in step.shown]
        if step.subcommand in SERVERS:
            done = self._serve(self.argv(step), shown)
        else:
            done = self._run(self.argv(step))
        return done, missing_lines(shown, done.stdout, done.stderr)

    def _serve(self, argv: list[str], shown: list[str]) -> subprocess.CompletedProcess[str]:
        """Start a server command, wait until it has printed what the README shows (or a
        minute), then stop it with Ctrl-C as a user would."""
        process = subprocess.Popen(argv, cwd=self.workdir, env=self.env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out: list[str] = []
        err: list[str] = []
        readers = [threading.Thread(target=lambda s=s, b=b: b.extend(s), daemon=True)
                   for s, b in ((process.stdout, out), (process.stderr, err))]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if not missing_lines(shown, "".join(out), "".join(err)):
                break
            time.sleep(0.2)
        time.sleep(1)  # started: let it settle into serving before it is interrupted
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        for reader in readers:
            reader.join(timeout=5)
        return subprocess.CompletedProcess(argv, code, "".join(out), "".join(err))


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuickStart]:
    yield QuickStart(tmp_path_factory.mktemp("quickstart"))


@pytest.mark.parametrize("step", STEPS, ids=[step.id for step in STEPS])
def test_quick_start_step(quickstart: QuickStart, step: Step) -> None:
    assert step.subcommand in quickstart.known, f"`ncmes-archive {step.subcommand}` is not in --help"
    done, missing = quickstart.result(step)
    assert done.returncode == 0, f"$ {step.command}\nexit {done.returncode}\n{done.stderr[-3000:]}"
    assert not missing, (
        f"$ {step.command}\nthe README shows lines it did not print:\n" + "\n".join(missing)
        + f"\n--- stdout:\n{done.stdout[-4000:]}\n--- stderr:\n{done.stderr[-2000:]}"
    )
    if step.subcommand in SERVERS:  # stopped with Ctrl-C: one line at most after its banner
        assert "Traceback" not in done.stderr


def test_demo_edit_crawl_records_each_edit(quickstart: QuickStart) -> None:
    """After `demo` then `demo --edit`, `changes` (the latest run of each site) lists exactly
    the snapshot's edits, each with the fields it touched; `diff` says a removal is one."""
    import json

    from crawler.demo.edits import EDITS

    edit_step = next(s for s in STEPS if s.subcommand == "demo" and "--edit" in s.argv)
    done, _ = quickstart.result(edit_step)
    assert done.returncode == 0, done.stderr[-2000:]
    listed = quickstart._run(["ncmes-archive", "changes", "--archive", "exports/demo", "--json"])
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    origin = {"ar": f"http://127.0.0.1:{quickstart.ports['8765']}",
              "en": f"http://127.0.0.1:{quickstart.ports['8767']}"}
    got = {(r["url"], r["change"], tuple(r["fields"])) for r in rows}
    wanted = {(f"{origin[e.edition]}/{e.post_id}", e.change, e.fields) for e in EDITS if e.post_id}
    added = {g for g in got if g[1] == "added"}
    assert got - added == wanted
    assert len(added) == sum(e.change == "added" for e in EDITS)
    assert len({r["run_id"] for r in rows}) == 2  # one run of each edition
    # stats, like changes, covers the latest run of each site.
    stats = quickstart._run(["ncmes-archive", "stats", "--archive", "exports/demo"])
    assert stats.returncode == 0, stats.stderr
    for row in rows:
        assert f"last run {row['run_id']} (incremental)" in stats.stdout
    removed = next(e for e in EDITS if e.change == "removed")
    gone = quickstart._run(["ncmes-archive", "diff", "--archive", "exports/demo",
                            f"{origin['ar']}/{removed.post_id}"])
    assert gone.returncode == 0 and "removed" in gone.stdout.splitlines()[0], gone.stdout[:500]


def test_the_readme_reads_the_archive_as_it_says(quickstart: QuickStart) -> None:
    """"Reading the archive": its Python and its DuckDB SQL, run on the quick start's archive."""

    import duckdb

    first = STEPS[0]
    assert first.subcommand == "demo"
    done, _ = quickstart.result(first)
    assert done.returncode == 0, done.stderr[-2000:]
    text = section(README, "Reading the archive")
    where = str(quickstart.workdir / "exports" / "demo")
    python = fenced(text, "python")
    sql = fenced(text, "sql")
    assert python and sql
    for block in python:
        names: dict = {}
        exec(compile(block.replace("exports/demo", where), "README.md", "exec"), names)  # noqa: S102
        import pyarrow.parquet as pq

        assert len(names["df"]) == pq.read_metadata(f"{where}/articles.parquet").num_rows >= 69
    for statement in "\n".join(sql).replace("exports/demo", where).split(";"):
        statement = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
        if statement:
            assert duckdb.sql(statement).fetchall()
