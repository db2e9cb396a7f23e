"""The README's quick start as data: its `console` blocks, each `$ command` with the output
lines shown under it, and how a shown line is matched against what the command printed."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

ELISION = "…"
# What differs from one crawl to the next: run ids, times of day, durations.
_VOLATILE = [
    (re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{4}\b"), "<run>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?\b"), "<time>"),
    (re.compile(r"\b\d+(\.\d+)?s\b"), "<seconds>"),
]


@dataclass
class Step:
    """One `$ ncmes-archive ...` line of the quick start and the output shown under it."""

    number: int
    command: str
    shown: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)

    @property
    def subcommand(self) -> str:
        args = [a for a in self.argv[1:] if not a.startswith("-")]
        return args[0] if args else self.argv[1]

    @property
    def id(self) -> str:
        return f"{self.number:02d}-" + " ".join(a for a in self.argv[1:3] if not a.startswith("--archive"))


def section(markdown: str, heading: str) -> str:
    """The text under `## heading`, up to the next heading of that level (a `## ` line inside
    a fenced block, as in a diff, is not a heading)."""
    out: list[str] = []
    inside = fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip() == heading
            continue
        if inside:
            out.append(line)
    if not out:
        raise LookupError(f"no section {heading!r}")
    return "\n".join(out) + "\n"


def fenced(markdown: str, language: str) -> list[str]:
    """The bodies of the markdown's fenced blocks of one language (```python ... ```), in order."""
    return re.findall(rf"^```{re.escape(language)}\n(.*?)^```", markdown, flags=re.M | re.S)


def console_steps(markdown: str) -> list[Step]:
    """Every `$ ` line of the ```console blocks in order, with the lines printed under it."""
    steps: list[Step] = []
    for block in fenced(markdown, "console"):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append(Step(len(steps) + 1, line[2:].strip()))
            elif steps:
                steps[-1].shown.append(line)
    return steps


def normalise(line: str) -> str:
    for pattern, token in _VOLATILE:
        line = pattern.sub(token, line)
    return " ".join(line.split())


def _matches(shown: str, printed: str) -> bool:
    if shown.endswith(ELISION):
        return printed.startswith(shown[: -len(ELISION)].rstrip())
    return printed == shown


def missing_lines(shown: list[str], stdout: str, stderr: str) -> list[str]:
    """The shown lines the command did not print: each must come, in order, in its standard
    output, or anywhere in its standard error. A line `…` stands for lines left out; a line
    ending in `…` for a line cut there."""
    out = [normalise(line) for line in stdout.splitlines()]
    err = [normalise(line) for line in stderr.splitlines()]
    missing = []
    position = 0
    for raw in shown:
        line = normalise(raw)
        if not line or line == ELISION:
            continue
        for i in range(position, len(out)):
            if _matches(line, out[i]):
                position = i + 1
                break
        else:
            if not any(_matches(line, printed) for printed in err):
                missing.append(raw)
    return missing


def known_commands(help_text: str) -> set[str]:
    """The commands `ncmes-archive --help` lists (`{crawl,changes,...}`)."""
    found = re.search(r"\{([a-z,-]+)\}", help_text)
    if found is None:
        raise LookupError(f"no {{command,...}} list in the help:\n{help_text}")
    return set(found.group(1).split(","))
