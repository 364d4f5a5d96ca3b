"""Bounded rendering of the worst accepted data text, and no work folder left by a killed render.

The report quotes one excerpt per sub-strategy with its plan's name (rlp_pipeline.reporting.document). The
data package bounds an excerpt at 5,000 characters and a name at 300; this test renders, with
the fallback renderer, a document quoting that many excerpts of the greatest accepted length,
each a single unbroken word, in both languages, and bounds the time. benchmarks/worst_input.py
measures the same document's time and peak memory.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import RAW
from rlp_pipeline.reporting import render as rd
from rlp_pipeline.io.datapackage import load_datapackage
from rlp_pipeline.safety.text import BREAK_EVERY

FIXTURE = Path(__file__).parent / "fixtures" / "quarto_minimal"
# Seconds for both documents (HTML and PDF each); measured about 24 s on the shared 2-core test
# machine (benchmarks/worst_input.py), against minutes for one unbroken word of 100,000 letters.
TIME_BOUND = 120


def longest(resource: str, column: str) -> int:
    """The maximum length the data package allows in a column."""
    fields = load_datapackage(RAW / "datapackage.yaml").resources[resource].fields
    return next(f for f in fields if f["name"] == column)["constraints"]["maxLength"]


def worst_index(excerpts: int = 13) -> str:
    """A Quarto document quoting `excerpts` excerpts and names of the greatest accepted length,
    each one unbroken word, escaped and made breakable exactly as the report does."""
    word = "Pérennisation-" * (longest("codings", "excerpt") // 14 + 1)
    excerpt, name = word[: longest("codings", "excerpt")], word[: longest("plans", "name")]
    return (
        "# Extraits\n\n```{python}\n#| output: asis\n"
        "from rlp_pipeline.reporting.render import escape_markdown\n"
        "from rlp_pipeline.safety.text import breakable_markdown\n"
        f"for _ in range({excerpts}):\n"
        f"    print('- « ' + breakable_markdown(escape_markdown({excerpt!r})) + ' » ('"
        f" + breakable_markdown(escape_markdown({name!r})) + ')')\n```\n"
    )


@pytest.fixture(scope="module")
def tools():
    for module in ("pypandoc", "typst", "nbclient", "ipykernel"):
        pytest.importorskip(module)


def test_the_longest_accepted_excerpts_render_in_both_languages_within_the_bound(tools, tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    (root / "index.qmd").write_text(worst_index(), encoding="utf-8")
    start = time.perf_counter()
    for profile in ("fr", "en"):
        rd.render(root, profile, keep_intermediate=True)
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_BOUND, f"{elapsed:.0f} s"
    for profile in ("fr", "en"):
        typ = (root / "_output" / profile / "index.typ").read_text(encoding="utf-8")
        html = (root / "_output" / profile / "index.html").read_text(encoding="utf-8")
        # No word longer than the break interval reaches the typesetters (escapes count double).
        assert not re.search(r"[^\s\u200b]{%d}" % (4 * BREAK_EVERY), typ)
        assert html.count("\u200b") >= 13 * (longest("codings", "excerpt") // BREAK_EVERY - 1)
        assert (root / "_output" / profile / "index.pdf").stat().st_size > 0
        visible = html.replace("\u200b", "").replace("<span></span>", "")
        assert "Pérennisation-" * 300 in visible  # the letters themselves are unchanged


def test_work_folders_of_killed_renders_are_removed_and_live_ones_kept(tmp_path):
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its id now belongs to no process
    dead = tmp_path / f".render-{finished.pid}-abc"
    legacy = tmp_path / ".render-k2j3h4"
    live = tmp_path / f".render-{__import__('os').getpid()}-xyz"
    for folder in (dead, legacy, live):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "index.typ").write_text("x", encoding="utf-8")
    removed = rd.remove_stale_work_folders(tmp_path)
    assert sorted(removed) == sorted([dead, legacy])
    assert not dead.exists() and not legacy.exists() and live.exists()


def test_a_render_after_a_killed_one_leaves_no_work_folder(tools, tmp_path):
    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stale = root / "_output" / f".render-{killed.pid}-left"  # beside the documents' folders
    (stale / "figures").mkdir(parents=True)
    killed.kill()  # kill -9 while "rendering"
    killed.wait()
    rd.render(root, "en")
    assert not list(root.rglob(".render-*"))
    assert (root / "_output" / "en" / "index.html").exists()
