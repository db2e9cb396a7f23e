"""crawler/demo/README.md's examples run as written."""

from __future__ import annotations

from tests.conftest import ROOT
from tests.readme_steps import fenced

README = (ROOT / "crawler" / "demo" / "README.md").read_text(encoding="utf-8")


def test_the_demo_readme_examples_run_as_written() -> None:
    blocks = fenced(README, "python")
    assert blocks
    for block in blocks:
        names: dict = {}
        exec(compile(block, "crawler/demo/README.md", "exec"), names)  # noqa: S102
    site = names["site"]
    assert site.removed() == {4476: 410}
    assert site.handle("GET", "/4476/")[0] == 410
    assert names["pid"] in site.post_ids
