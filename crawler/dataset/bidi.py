"""Text for right-to-left pages that holds left-to-right runs: each URL isolated left to
right and each run of Latin words isolated, so that the Unicode bidirectional algorithm
never moves a URL's trailing `/` or a title's closing word to the other end."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A URL ends before sentence punctuation that follows it, as the extraction reads them.
_URL = re.compile(r"https?://[^\s<>\"«»]+?(?=[.,;:!?)\]،؛]*(?:\s|$))")
# Latin letters, and what may sit between them in a Latin phrase (digits, spaces,
# punctuation), up to the last Latin letter or digit; never an Arabic letter.
_LATIN = re.compile(
    r"[A-Za-z\u00C0-\u024F](?:[^\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]*[A-Za-z\u00C0-\u024F0-9])?"
)


def isolate(text: str) -> Markup:
    """`text` escaped, its URLs in `<bdi dir="ltr" class="url">` and its Latin runs in
    `<bdi>`; text with neither comes back only escaped."""
    out: list[str] = []
    pos = 0
    for url in _URL.finditer(text):
        out.append(_latin(text[pos:url.start()]))
        out.append(f'<bdi dir="ltr" class="url">{escape(url.group(0))}</bdi>')
        pos = url.end()
    out.append(_latin(text[pos:]))
    return Markup("".join(out))


def _latin(text: str) -> str:
    out: list[str] = []
    pos = 0
    for run in _LATIN.finditer(text):
        out.append(str(escape(text[pos:run.start()])))
        out.append(f"<bdi>{escape(run.group(0))}</bdi>")
        pos = run.end()
    out.append(str(escape(text[pos:])))
    return "".join(out)
