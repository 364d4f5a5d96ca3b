"""The fallback renderer's speed-ups change nothing in the documents.

- escape_literal_less_than: Pandoc reads the same document from the escaped Markdown (checked
  against Pandoc itself on every construct where a backslash is not an escape).
- Both languages rendered at once (stages.report.run_report, render.publish_renders): a
  failing language gives the error it gave alone, naming the .qmd line, and nothing is written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rlp_pipeline.reporting import render as rd

# Markdown where « < » is text, inside code, math, raw HTML or TeX, YAML, attributes, links, notes,
# tables, lists; each must read to the same Pandoc document once escaped.
SAMPLES = [
    "a < b and p < 0,001, x <1, y<=2, z <\u00a0d and w <\u202fe",
    "`a < b` and ``c ` < d`` text < e",
    "```\na < b\n```\n\nc < d",
    "~~~~ {.python}\nif a < b:\n~~~\n~~~~\n\nx < y",
    "line\n```python\nx < 1\n```\nafter < 2",
    "text ``` not a fence < 1",
    "```\nunclosed fence < 1",
    "  ```\n  indented fence < 1\n  ```\n\nafter < 2",
    "$a < b$ and c < d\n\n$$\nx < y\n$$",
    "<!--\n\na < b\n\n-->\n\nc < d",
    "<pre>\na < b\n\n</pre>\n\nc < d",
    "<span title='a < b'>x</span> < y",
    "<div>\n\nin < div\n\n</div>",
    "\\emph{a < b} c < d",
    "\\begin{tabular}\na < b\n\n\\end{tabular}",
    "- item < 1\n\n    code < 2\n\n- item < 3",
    "1. x < 2\n2. y < 3\n\n```\nz < 4\n```",
    "| a | b |\n|---|---|\n| x < y | `p < q` |\n| `<` | <\u00a00,001 |\n\n: cap < 3 {#tbl-x}",
    "> quote < 1\n> `q < 2`",
    '[link < 1](#x "title < 2"){.c key="v < 3"}',
    '![img < 1](x.png){fig-alt="alt < 2"}',
    "---\ntitle: \"a < b\"\n\nabstract: 'c < d'\n---\n\ne < f",
    "\\` x `a < b` y `z` < c",
    "a\\\\< b and c \\< d",
    "# Heading < 1 {#sec-x}\n\nSetext < 2\n---------",
    "Term < 1\n\n:   Definition < 2",
    "| line block < 1\n| second < 2",
    "a <\nb < `c\nd < e` f < g",
    "Footnote.^[note < 1] and [^1].\n\n[^1]: ref note < 2",
    "[ref < 1][r]\n\n[r]: http://x \"t < 2\"",
    "`unclosed < 1\n\nnext < 2",
    "::: {.note}\na < b\n:::",
    "<http://x.y> < 1 <a@b.c>",
    "```{=typst}\n#if a < b [x]\n```\n\n`#rlp[`{=typst}p < 0,001`]`{=typst}",
]


@pytest.fixture(scope="module")
def pandoc():
    return pytest.importorskip("pypandoc").get_pandoc_path()


def read(pandoc: str, markdown: str) -> dict:
    """The document Pandoc reads from the Markdown (its JSON AST)."""
    proc = subprocess.run([pandoc, "-f", "markdown", "-t", "json"], input=markdown, capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout)


def test_escaping_literal_less_than_leaves_the_document_unchanged(pandoc):
    escaped = [rd.escape_literal_less_than(sample) for sample in SAMPLES]
    assert [read(pandoc, e) for e in escaped] == [read(pandoc, s) for s in SAMPLES]
    changed = [s for s, e in zip(SAMPLES, escaped) if s != e]
    # the plain text is escaped (this test could not fail if nothing ever changed) ...
    assert rd.escape_literal_less_than(SAMPLES[0]) == (
        "a \\< b and p \\< 0,001, x \\<1, y\\<=2, z \\<\u00a0d and w \\<\u202fe")
    assert len(changed) >= 15
    # ... and only it: code, math, raw HTML or TeX, YAML and everything after a comment are kept
    for kept in ("`a < b`", "``c ` < d``", "a < b\n```", "if a < b:", "x < 1\n```", "unclosed fence < 1",
                 "$a < b$", "<!--\n\na < b\n\n-->\n\nc < d", "<pre>\na < b\n\n</pre>\n\nc < d", "title='a < b'",
                 "\\emph{a < b} c < d", "a < b\n\n\\end", "    code < 2", "`p < q`", "`q < 2`",
                 "title: \"a < b\"", "e < f", "`a < b` y", "`c\nd < e`", "#if a < b [x]"):
        assert any(kept in e for e in escaped), kept


def test_escaping_is_idempotent():
    for sample in SAMPLES:
        once = rd.escape_literal_less_than(sample)
        assert rd.escape_literal_less_than(once) == once


# ------------------------------------------------------------------ both languages at once
FIXTURE = Path(__file__).parent / "fixtures" / "quarto_minimal"
RLP_KEYS = ("RLP_DERIVED", "RLP_CODEBOOK", "RLP_REGISTRY", "RLP_SETTINGS", "RLP_REPORT_DIR", "RLP_RENDERER",
            "RLP_GIT_COMMIT", "RLP_BUILD_DATE")


@pytest.fixture()
def tools():
    for module in ("pypandoc", "typst", "nbclient", "ipykernel"):
        pytest.importorskip(module)


def fixture_report(tmp_path: Path, failing: tuple[str, ...], monkeypatch) -> Path:
    """The minimal bilingual project, its second cell failing in the languages ``failing`` (with
    the language as the error), a previous render of each language in place, and run_report's
    environment restored afterwards; the workbooks (which need the pipeline's derived tables) are
    stand-ins."""
    from rlp_pipeline.stages import report

    root = tmp_path / "proj"
    shutil.copytree(FIXTURE, root)
    index = root / "index.qmd"
    lines = index.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("```{python}"))
    lines.insert(first, f"```{{python}}\nimport os\nif os.environ['QUARTO_PROFILE'] in {failing!r}:\n"
                        "    raise ValueError(os.environ['QUARTO_PROFILE'])\n```\n")
    index.write_text("\n".join(lines), encoding="utf-8")
    for language in ("fr", "en"):
        (root / "_output" / language).mkdir(parents=True)
        (root / "_output" / language / "index.html").write_text("previous", encoding="utf-8")
    for key in RLP_KEYS:
        monkeypatch.setenv(key, "")

    def workbook(derived, folder, language, date):
        target = Path(folder) / f"book-{language}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(language, encoding="utf-8")
        return target

    monkeypatch.setattr(report, "write_workbook", workbook)
    return root


def outputs(root: Path) -> dict[str, str]:
    """Every file under the project's output folder (work folders included), with its text if small."""
    return {str(p.relative_to(root)): (p.read_text(encoding="utf-8") if p.stat().st_size < 100 else "...")
            for p in sorted((root / "_output").rglob("*")) if p.is_file()}


def run(root: Path) -> list[str]:
    from rlp_pipeline.stages.report import run_report

    return run_report(root, root, root / "codebook.yaml", root / "findings.yaml", prefer_quarto=False)


@pytest.mark.parametrize("failing, named", [(("en",), "en"), (("fr",), "fr"), (("fr", "en"), "fr")])
def test_one_language_failing_names_its_line_and_nothing_is_written(tools, tmp_path, monkeypatch, failing, named):
    root = fixture_report(tmp_path, failing, monkeypatch)
    before = outputs(root)
    line = next(i + 1 for i, text in enumerate((root / "index.qmd").read_text(encoding="utf-8").split("\n"))
                if text.startswith("```{python}"))
    with pytest.raises(rd.RenderError) as error:
        run(root)
    # the same message as a render of that language alone (the first language's when both fail)
    assert str(error.value).startswith(f"{root / 'index.qmd'}:{line}: cell failed with ValueError: {named} (at line {line + 3})")
    assert outputs(root) == before  # neither language's documents nor workbooks; no work folder left


def test_both_languages_written_together_with_their_workbooks(tools, tmp_path, monkeypatch):
    root = fixture_report(tmp_path, (), monkeypatch)
    files = run(root)
    assert sorted(Path(f).relative_to(root).as_posix() for f in files) == [
        "_output/en/book-en.xlsx", "_output/en/index.html", "_output/en/index.pdf",
        "_output/fr/book-fr.xlsx", "_output/fr/index.html", "_output/fr/index.pdf"]
    assert sorted(outputs(root)) == sorted(str(Path(f).relative_to(root)) for f in files)
    assert outputs(root)["_output/fr/book-fr.xlsx"] == "fr"
    assert "Rapport minimal" in (root / "_output" / "fr" / "index.html").read_text(encoding="utf-8")


def test_the_report_stage_imports_neither_pandas_nor_the_cells_helpers():
    # The report stage's own process only starts the kernels, runs the renderers and writes the
    # workbooks: importing pandas or reporting.document (the cells' helpers, which the kernels
    # import) first delayed both kernels by 0.2 s.
    import sys

    probe = ("import sys, rlp_pipeline.stages.report, rlp_pipeline.reporting.workbook as w; "
             "w.table_title(None, 'findings/findings.csv', 'fr'); "
             "print([m for m in ('pandas', 'rlp_pipeline.reporting.document') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_render_kills_its_kernel_once_the_outputs_are_in(tools, tmp_path):
    # render._stop_kernel kills the kernel and waits for it instead of nbclient's polling: the
    # cells' outputs must all be there, and no kernel process left behind.
    import os

    qmd = tmp_path / "index.qmd"
    qmd.write_text("", encoding="utf-8")
    cells = [(3, {}, "", "import os\nprint(os.getpid())"), (7, {}, "", "print('last')")]
    outputs = rd._execute(cells, qmd, "en", "x = 1")
    pid = int(outputs[0][0]["text"])
    assert [output["text"] for cell in outputs for output in cell] == [f"{pid}\n", "last\n"]
    with pytest.raises(ProcessLookupError):  # ended and reaped, not a zombie
        os.kill(pid, 0)
