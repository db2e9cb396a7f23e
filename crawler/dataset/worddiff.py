"""Word-level diffs of Arabic and English prose.

The tokeniser keeps apart what a reader sees as separate: words, numbers (Western and
Arabic-Indic digits), footnote markers (`[1]`, `[١]`), URLs, ISO dates, punctuation
(`، ؛ ؟ « »` and quotes) and whitespace; and it splits an Arabic word's attached prefixes
(the clitics و ف ب ل ك and the article ال) from its stem. The diff marks the changed tokens
inside a line; a change that reaches into a word's stem marks the whole word, so an edit
never shows half a word, while a clitic added or dropped on an unchanged stem shows as just
that clitic. Lines are paired by their share of common words: a pair is diffed word by
word, a line with no counterpart is shown whole as new or gone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

Op = Literal["=", "-", "+"]
Segment = tuple[Op, str]
LineKind = Literal["equal", "delete", "insert", "change"]

# Arabic combining marks (harakat, Quranic marks) and tatweel belong to the word they sit on.
_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640\u0300-\u036f"
_STOP = "\\s<>\"«»"
_TOKEN = re.compile(
    rf"""
    (?P<url>https?://[^{_STOP}]+?(?=[.,;:!?،؛)\]}}’”'"]*(?:[{_STOP}]|$)))
  | (?P<marker>\[[0-9٠-٩۰-۹]+\])
  | (?P<date>[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}(?![0-9]))
  | (?P<number>\d+(?:[.,٫٬]\d+)*)
  | (?P<word>(?:[^\W\d_]|[{_MARKS}])+)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_HAS_MARKS = re.compile(f"[{_MARKS}]")
# Prefixes in the order Arabic stacks them: a conjunction, a preposition, the article.
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")
_MIN_STEM = 3  # letters left after the prefixes: shorter means the "prefix" is the word's own


@dataclass(frozen=True)
class Token:
    text: str
    word: int  # index of the word it belongs to (clitics and stem share one), -1 outside words
    stem: bool  # the last piece of its word


def _letters(text: str) -> int:
    return len(_HAS_MARKS.sub("", text))


def split_clitics(word: str) -> list[str]:
    """An Arabic word as its attached prefixes and stem: والحكومة → و ال حكومة,
    للدراسات → ل ل دراسات (the article after ل loses its alef). A split that would leave
    a stem shorter than three letters is not made (ولد, بلد, الله stay whole)."""
    if not _ARABIC_LETTER.match(word):
        return [word]
    pieces: list[str] = []
    rest = word

    def take(prefix: str) -> bool:
        nonlocal rest
        if rest.startswith(prefix) and _letters(rest[len(prefix):]) >= _MIN_STEM:
            pieces.append(prefix)
            rest = rest[len(prefix):]
            return True
        return False

    for conj in _CONJ:
        if take(conj):
            break
    prep = next((p for p in _PREP if take(p)), None)
    if not (prep == "ل" and take("ل")):  # لل: ل with the article's lam (its alef dropped)
        take("ال")
    return [*pieces, rest]


def tokens(text: str) -> list[Token]:
    """The tokens of a text; joined in order they give the text back exactly."""
    out: list[Token] = []
    word = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            pieces = split_clitics(m.group())
            for i, piece in enumerate(pieces):
                out.append(Token(piece, word, i == len(pieces) - 1))
            word += 1
        else:
            out.append(Token(m.group(), -1, False))
    return out


def tokenize(text: str) -> list[str]:
    """The token texts, whitespace left out (for reading and tests)."""
    return [t.text for t in tokens(text) if not t.text.isspace()]


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for op, text in segments:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def _groups(toks: list[Token]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(toks):
        if t.word >= 0:
            groups.setdefault(t.word, []).append(i)
    return groups


def diff_words(old: str, new: str) -> list[Segment]:
    """Segments ("=", text), ("-", old text), ("+", new text) that turn old into new.

    Joining the "=" and "-" texts gives old back, the "=" and "+" texts new; at each change
    the removed text comes before the added.
    """
    a, b = tokens(old), tokens(new)
    groups_a, groups_b = _groups(a), _groups(b)
    # A change that reaches a word's stem takes the whole word: its tokens are banned from
    # matching and the rest is matched again (a clitic they held may belong elsewhere),
    # until no stem is left half matched. Bans only grow, so this ends.
    banned_a: set[int] = set()
    banned_b: set[int] = set()
    while True:
        keys_a = [f"\0a{i}" if i in banned_a else t.text for i, t in enumerate(a)]
        keys_b = [f"\0b{j}" if j in banned_b else t.text for j, t in enumerate(b)]
        matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
        pairs: dict[int, int] = {}
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                pairs[block.a + k] = block.b + k
        kept_b = set(pairs.values())
        more_a = {i for idx in groups_a.values() if idx[-1] not in pairs for i in idx} - banned_a
        more_b = {j for idx in groups_b.values() if idx[-1] not in kept_b for j in idx} - banned_b
        more_a = {i for i in more_a if i in pairs}
        more_b = {j for j in more_b if j in kept_b}
        if not more_a and not more_b:
            break
        banned_a |= more_a
        banned_b |= more_b
    ordered = sorted(pairs.items())
    # Whitespace alone between two changes joins them: "[-a b-]{+c d+}", not four marks.
    runs: list[list[tuple[int, int]]] = []
    for i, j in ordered:
        if runs and runs[-1][-1] == (i - 1, j - 1):
            runs[-1].append((i, j))
        else:
            runs.append([(i, j)])
    kept_pairs: list[tuple[int, int]] = []
    prev_i, prev_j = -1, -1
    for n, run in enumerate(runs):
        start_i, start_j = run[0]
        end_i, end_j = run[-1]
        gap_before = start_i > prev_i + 1 or start_j > prev_j + 1
        next_i, next_j = runs[n + 1][0] if n + 1 < len(runs) else (len(a), len(b))
        gap_after = next_i > end_i + 1 or next_j > end_j + 1
        only_space = all(a[i].text.isspace() for i, _ in run)
        if gap_before and gap_after and only_space:
            continue
        kept_pairs.extend(run)
        prev_i, prev_j = end_i, end_j
    segments: list[Segment] = []
    pi, pj = 0, 0
    for i, j in [*kept_pairs, (len(a), len(b))]:
        segments.append(("-", "".join(t.text for t in a[pi:i])))
        segments.append(("+", "".join(t.text for t in b[pj:j])))
        if i < len(a):
            segments.append(("=", a[i].text))
        pi, pj = i + 1, j + 1
    return _merge(segments)


@dataclass
class LineDiff:
    kind: LineKind
    old_no: int | None  # 1-based line numbers; None on the side the line is not on
    new_no: int | None
    segments: list[Segment] = field(default_factory=list)

    @property
    def old(self) -> str:
        return "".join(t for op, t in self.segments if op != "+")

    @property
    def new(self) -> str:
        return "".join(t for op, t in self.segments if op != "-")


def _bag(line: str) -> Counter[str]:
    """The line's whole words, numbers, markers and URLs: what pairing lines compares."""
    return Counter(
        m.group() for m in _TOKEN.finditer(line) if m.lastgroup not in ("space", "other")
    )


def _bag_similarity(ca: Counter[str], cb: Counter[str], a: str, b: str) -> float:
    total = sum(ca.values()) + sum(cb.values())
    if not total:
        return 1.0 if a.strip() == b.strip() else 0.0
    return 2 * sum((ca & cb).values()) / total


def similarity(a: str, b: str) -> float:
    """The share of words two lines have in common, 0 to 1."""
    return _bag_similarity(_bag(a), _bag(b), a, b)


PAIR_AT = 0.5  # lines sharing at least half their words are one line edited
_MAX_PAIRING = 200 * 200  # beyond this a replaced block is paired in order, not searched


def _pair(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Monotone pairs of similar lines, maximising the total similarity."""
    n, m = len(old), len(new)
    if n * m > _MAX_PAIRING:
        return [(i, i) for i in range(min(n, m)) if similarity(old[i], new[i]) >= PAIR_AT]
    bags_old, bags_new = [_bag(x) for x in old], [_bag(y) for y in new]
    score = [
        [_bag_similarity(bags_old[i], bags_new[j], old[i], new[j]) for j in range(m)] for i in range(n)
    ]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = score[i][j] + best[i + 1][j + 1] if score[i][j] >= PAIR_AT else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if score[i][j] >= PAIR_AT and best[i][j] == score[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def diff_lines(old: list[str], new: list[str]) -> list[LineDiff]:
    """Every line of old and new in order: equal, deleted, inserted, or changed word by word."""
    out: list[LineDiff] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [LineDiff("equal", i1 + k + 1, j1 + k + 1, [("=", old[i1 + k])]) for k in range(i2 - i1)]
            continue
        pairs = _pair(old[i1:i2], new[j1:j2]) if tag == "replace" else []
        i, j = i1, j1
        for pi, pj in [*((i1 + p, j1 + q) for p, q in pairs), (i2, j2)]:
            out += [LineDiff("delete", k + 1, None, [("-", old[k])]) for k in range(i, pi)]
            out += [LineDiff("insert", None, k + 1, [("+", new[k])]) for k in range(j, pj)]
            if pi < i2:
                out.append(LineDiff("change", pi + 1, pj + 1, diff_words(old[pi], new[pj])))
            i, j = pi + 1, pj + 1
    return out


def hunks(lines: list[LineDiff], context: int = 1) -> list[list[LineDiff]]:
    """The differing lines with `context` equal lines around them, in groups."""
    keep = [False] * len(lines)
    for n, line in enumerate(lines):
        if line.kind != "equal":
            for k in range(max(0, n - context), min(len(lines), n + context + 1)):
                keep[k] = True
    groups: list[list[LineDiff]] = []
    for n, line in enumerate(lines):
        if not keep[n]:
            continue
        if n == 0 or not keep[n - 1] or not groups:
            groups.append([])
        groups[-1].append(line)
    return groups


# -- plain-text rendering ---------------------------------------------------------------------

RED, GREEN, CYAN, BOLD, RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[0m"


def render_segments(segments: list[Segment], color: bool) -> str:
    """A changed line as `git diff --word-diff` shows it: [-old-]{+new+}, or in colour."""
    parts = []
    for op, text in segments:
        if op == "=":
            parts.append(text)
        elif color:
            parts.append(f"{RED if op == '-' else GREEN}{text}{RESET}")
        else:
            parts.append(f"[-{text}-]" if op == "-" else f"{{+{text}+}}")
    return "".join(parts)


def render_line(line: LineDiff, color: bool) -> str:
    """One line with its mark: ' ' equal, '-' gone, '+' new, '~' changed word by word."""
    if line.kind == "equal":
        return " " + line.old
    if line.kind == "delete":
        return f"{RED}-{line.old}{RESET}" if color else "-" + line.old
    if line.kind == "insert":
        return f"{GREEN}+{line.new}{RESET}" if color else "+" + line.new
    return "~" + render_segments(line.segments, color)


__all__ = [
    "PAIR_AT",
    "LineDiff",
    "Segment",
    "Token",
    "diff_lines",
    "diff_words",
    "hunks",
    "render_line",
    "render_segments",
    "similarity",
    "split_clitics",
    "tokenize",
    "tokens",
]
