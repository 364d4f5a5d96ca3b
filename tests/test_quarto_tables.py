"""The report's tables as Quarto gets them (rlp_pipeline.reporting.quarto_tables): each captioned
pipe table becomes a table float (Div #tbl-...) with raw HTML and raw Typst bodies and the same
caption, written by Pandoc as Quarto would write the pipe table; the text around is unchanged.
Real Quarto's rendering of the whole report is compared with the fallback's in test_render.py."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from rlp_pipeline.reporting.document import table_markdown
from rlp_pipeline.reporting import quarto_tables as qt

pypandoc = pytest.importorskip("pypandoc")
PANDOC = pypandoc.get_pandoc_path()

HEADER = ["Code", "Verdict", "p", "Source"]
ROWS = [
    ["[F01](#sec-f01)", "[✔ Reproduit]{.verdict .verdict-reproduced}", "p < 0,001", "`inst_expertise`"],
    ["[F02](#sec-f02)", "[✘ Non reproduit]{.verdict .verdict-not-reproduced}", "p = 0,289",
     "[Extrait \\: « x\\|y »]{.verbatim}"],
    ["M1", "*observé*", "—", "`` a```b ``"],
]
CAPTION = "Constats et verdicts. Données\u00a0: [`data/derived/findings/findings.csv`](../../data/derived/findings/findings.csv)."


def table(label: str = "tbl-summary") -> str:
    return table_markdown(HEADER, ROWS, CAPTION, label)


def pandoc_ast(markdown: str) -> list[dict]:
    """The blocks Pandoc (and so Quarto's reader, which is Pandoc's markdown) reads from the text."""
    out = subprocess.run([PANDOC, "-f", "markdown", "-t", "json"], input=markdown, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)["blocks"]


def test_the_captioned_tables_of_table_markdown_are_found_with_caption_and_label():
    text = "Le @tbl-summary donne les constats.\n\n" + table() + "\n" + table("tbl-other")
    found = list(qt.CAPTIONED_TABLE.finditer(text))
    assert [m["label"] for m in found] == ["tbl-summary", "tbl-other"]
    assert all(m["caption"] == CAPTION for m in found)
    assert found[0]["table"].count("\n") == 2 + len(ROWS)
    assert not qt.CAPTIONED_TABLE.search(table_markdown(HEADER, ROWS))  # no caption: left alone


def test_a_table_becomes_a_float_with_raw_bodies_and_its_caption_and_nothing_else_changes():
    before, after = "Le @tbl-summary donne les constats.\n\n", "\nTexte après : *fin*.\n"
    [text] = qt.raw_tables([before + table() + after], PANDOC)
    assert text.startswith(before) and text.endswith(after)
    [div] = [block for block in pandoc_ast(text) if block["t"] == "Div"]
    (ident, classes, attributes), content = div["c"]
    assert (ident, classes, attributes) == ("tbl-summary", [], [])
    assert [block["t"] for block in content] == ["RawBlock", "RawBlock", "Para"]
    (html_format, html), (typst_format, typst) = content[0]["c"], content[1]["c"]
    assert (html_format, typst_format) == ("html", "typst")
    # the caption is the float's last paragraph, read from the same Markdown as before
    caption = [block for block in pandoc_ast(f": {CAPTION}\n\n| a |\n|---|\n| b |\n") if block["t"] == "Table"][0]
    assert content[2]["c"] == caption["c"][1][1][0]["c"]
    # HTML: left alone by Quarto's table processing; the classes Quarto's filters give a table
    assert html.startswith(qt.NO_TABLE_PROCESSING + "\n<table class=\"caption-top\">")
    assert re.findall(r'<tr class="(\w+)">', html) == ["header", "odd", "even", "odd"]
    assert '<span class="verdict verdict-reproduced">✔ Reproduit</span>' in html
    assert '<a href="#sec-f01">F01</a>' in html and "<code>inst_<wbr>expertise</code>" in html
    assert '<span class="verbatim">Extrait : « x|y »</span>' in html and "<code>a```b</code>" in html
    assert "<em>observé</em>" in html and "<caption" not in html
    # Typst: a bare table (Quarto's figure holds it), each cell's markup written by Pandoc
    assert typst.startswith("#table(") and "figure" not in typst and "caption" not in typst
    assert "✔ Reproduit" in typst and "#link(<sec-f01>)" in typst and "`inst_expertise`" in typst
    assert "x|y" in typst and "#emph[observé]" in typst


def test_the_tables_are_written_as_pandoc_writes_the_pipe_table():
    """Cell for cell what Pandoc's writers give for the same pipe table (the one Quarto read)."""
    plain = table_markdown(HEADER, [[re.sub(r"\[(F\d+)\]\(#sec-\w+\)", r"\1", cell) for cell in row] for row in ROWS],
                           CAPTION, "tbl-plain")
    [text] = qt.raw_tables([plain], PANDOC)
    pipe = plain.split("\n\n:")[0]
    assert "<col " in text and "columns: (" in text  # the relative widths of the dashes
    html = subprocess.run([PANDOC, "-f", "markdown", "-t", "html", "--wrap", "none"], input=pipe, text=True,
                          capture_output=True, check=True).stdout
    raw_html = re.search(r"```{=html}\n(.*?)\n```", text, re.S)[1]
    strip = lambda s: re.sub(r' class="[^"]*"|<wbr>|' + re.escape(qt.NO_TABLE_PROCESSING), "", s).strip()
    assert strip(raw_html) == strip(html)
    typst = subprocess.run([PANDOC, "-f", "markdown", "-t", "typst", "--wrap", "none"], input=pipe, text=True,
                           capture_output=True, check=True).stdout
    raw_typst = re.search(r"```{=typst}\n(.*?)\n```", text, re.S)[1]
    flat = lambda s: " ".join(s.split())
    assert flat(raw_typst) in flat(typst)  # Pandoc alone puts it in #figure(align(center)[...], kind: table)


def test_a_fence_is_longer_than_any_backtick_run_inside():
    assert qt.fence("plain") == "```"
    assert qt.fence("a ```` b") == "`````"


def test_one_pandoc_run_writes_the_tables_of_every_output(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    runs = []
    original = qt.subprocess.run
    monkeypatch.setattr(qt.subprocess, "run", lambda *a, **k: runs.append(a) or original(*a, **k))
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("| not | output |\n|---|---|\n| a | b |\n\n: Texte {#tbl-no}"),
        nbformat.v4.new_code_cell("print(...)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="Avant.\n\n" + table("tbl-a")),
            nbformat.v4.new_output("stream", name="stderr", text=table("tbl-err"))]),
        nbformat.v4.new_code_cell("print(...)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text=table("tbl-b") + "\n" + table("tbl-c"))]),
        nbformat.v4.new_code_cell("print('x')", outputs=[nbformat.v4.new_output("stream", name="stdout", text="x\n")]),
    ])
    assert qt.notebook_raw_tables(notebook, PANDOC) == 3
    assert len(runs) == 1
    outputs = [output["text"] for cell in notebook.cells[1:] for output in cell.outputs]
    assert outputs[0].startswith("Avant.\n\n::: {#tbl-a}\n") and outputs[1] == table("tbl-err")
    assert re.findall(r"::: \{#(tbl-\w+)\}", outputs[2]) == ["tbl-b", "tbl-c"] and outputs[3] == "x\n"
    assert notebook.cells[0].source.startswith("| not |")  # the notebook's own text is Quarto's to read
    runs.clear()
    assert qt.notebook_raw_tables(nbformat.v4.new_notebook(), PANDOC) == 0 and not runs


def test_a_pandoc_that_fails_is_reported_in_plain_words(tmp_path):
    failing = tmp_path / "pandoc"
    failing.write_text("#!/bin/sh\necho 'pandoc: unknown writer' >&2\nexit 3\n")
    failing.chmod(0o755)
    with pytest.raises(qt.TableConversionError, match=r"could not write the report's tables: pandoc: unknown writer"):
        qt.raw_tables([table()], str(failing))
    with pytest.raises(qt.TableConversionError, match=r"could not write the report's tables: .*no-such-pandoc"):
        qt.raw_tables([table()], str(tmp_path / "no-such-pandoc"))


def test_quartos_own_pandoc_is_preferred(monkeypatch, tmp_path):
    monkeypatch.delenv("QUARTO_PANDOC", raising=False)
    tools = tmp_path / "quarto" / "bin" / "tools" / qt.platform.machine()
    tools.mkdir(parents=True)
    (tools / "pandoc").write_text("#!/bin/sh\n")
    (tools / "pandoc").chmod(0o755)
    monkeypatch.setattr(qt.shutil, "which", lambda name: str(tmp_path / "quarto" / "bin" / "quarto"))
    assert qt.quarto_pandoc() == str(tools / "pandoc")
    monkeypatch.setenv("QUARTO_PANDOC", "/somewhere/pandoc")
    assert qt.quarto_pandoc() == "/somewhere/pandoc"
    monkeypatch.delenv("QUARTO_PANDOC")
    monkeypatch.setattr(qt.shutil, "which", lambda name: None)
    assert qt.quarto_pandoc() == PANDOC


def test_a_table_conversion_failure_under_quarto_names_the_qmd(monkeypatch, tmp_path):
    """execute_notebooks (real Quarto's path) reports a failed table conversion as a RenderError that
    names the project's .qmd, and leaves no notebook behind."""
    from rlp_pipeline.reporting import render as rd

    pytest.importorskip("nbclient")
    root = tmp_path / "proj"
    root.mkdir()
    (root / "index.qmd").write_text("---\ntitle: t\n---\n\n```{python}\n#| output: asis\nprint('| a |\\n|---|\\n| b |\\n\\n: Cap {#tbl-x}')\n```\n",
                                    encoding="utf-8")
    monkeypatch.setenv("QUARTO_PANDOC", str(tmp_path / "no-such-pandoc"))
    with pytest.raises(rd.RenderError, match=r"proj/index\.qmd: .*no-such-pandoc could not write the report's tables"):
        rd.execute_notebooks(root, ["index.qmd"], "fr", root)
    assert not (root / "index.ipynb").exists()


def test_a_table_with_a_link_loses_its_column_widths_as_under_quarto():
    """Quarto's default tbl-colwidths "auto": a table with a link in a cell (the summary's finding
    ids) has no relative column widths; the others keep those of their dashes."""
    [text] = qt.raw_tables([table()], PANDOC)
    assert "<col " not in text and "<colgroup>" not in text
    assert re.search(r"#table\(\n  columns: 4,", text)
