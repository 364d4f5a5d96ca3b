"""The fallback Quarto renderer: both profiles of a minimal bilingual project, refusals, errors, escaping.

Rendering needs pandoc (pypandoc-binary), typst and a Jupyter kernel (nbclient + ipykernel); those tests
are skipped without them. The check_supported tests are pure Python and always run.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from rlp_pipeline import render as rd

FIXTURE = Path(__file__).parent / "fixtures" / "quarto_minimal"
FR_PARA, EN_PARA = "Ce paragraphe est en français", "This paragraph is in English"


@pytest.fixture(scope="module")
def tools():
    for module in ("pypandoc", "typst", "nbclient", "ipykernel", "matplotlib"):
        pytest.importorskip(module)


def project(tmp: Path, index: str | None = None) -> Path:
    """A copy of the fixture project, optionally with another index.qmd."""
    dest = tmp / "proj"
    shutil.copytree(FIXTURE, dest)
    if index is not None:
        (dest / "index.qmd").write_text(index, encoding="utf-8")
    return dest


def pdf_text(pdf: Path) -> str:
    """The PDF's text with pdftotext when installed, else the intermediate Typst source beside it."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pdf.with_suffix(".typ").read_text(encoding="utf-8")


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u2060", "").split())


@pytest.fixture(scope="module")
def rendered(tools, tmp_path_factory):
    """Both profiles of the fixture, rendered once for the module."""
    root = project(tmp_path_factory.mktemp("render"))
    out = {}
    for profile in ("fr", "en"):
        result = rd.render(root, profile, keep_intermediate=True)
        folder = root / "_output" / profile
        out[profile] = {"result": result, "html": (folder / "index.html").read_text(encoding="utf-8"),
                        "pdf": folder / "index.pdf"}
    return out


@pytest.mark.parametrize("profile", ["fr", "en"])
def test_both_documents_written_and_renderer_named(rendered, profile):
    result = rendered[profile]["result"]
    assert result["renderer"].startswith("fallback (pandoc ")
    assert "typst" in result["renderer"] and "nbclient" in result["renderer"]
    names = sorted(Path(f).name for f in result["files"])
    assert names == ["index.html", "index.pdf", "index.typ"]
    assert all(Path(f).parent.name == profile for f in result["files"])


@pytest.mark.parametrize("profile,keep,drop", [("fr", FR_PARA, EN_PARA), ("en", EN_PARA, FR_PARA)])
def test_html_language_and_visible_content(rendered, profile, keep, drop):
    html = rendered[profile]["html"]
    assert f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{profile}"' in html
    assert keep in html and drop not in html
    assert ("Une note encadrée" in html) == (profile == "fr")
    assert 'class="callout callout-note"' in html
    assert 'id="TOC"' in html
    assert ("Table des matières" if profile == "fr" else "Table of contents") in html


@pytest.mark.parametrize("profile,table", [("fr", "Tableau"), ("en", "Table")])
def test_cross_references_and_captions(rendered, profile, table):
    html = flat(rendered[profile]["html"])
    assert '<a href="#fig-bars">Figure 1</a>' in html
    assert f'<a href="#tbl-counts">{table} 1</a>' in html
    assert '<a href="#sec-intro">Introduction</a>' in html
    delim = " :" if profile == "fr" else ":"
    assert f"<figcaption>Figure 1{delim} Barres / Bars</figcaption>" in html
    assert f"<caption>{table} 1{delim} Effectifs / Counts</caption>" in html
    assert ("<th>Groupe</th>" if profile == "fr" else "<th>Group</th>") in html  # QUARTO_PROFILE in the kernel
    if profile == "fr":  # the French separator is a no-break space then the colon
        assert "Figure 1\u00a0: Barres" in rendered[profile]["html"]


def test_html_is_self_contained(rendered):
    html = rendered["fr"]["html"]
    assert '<figure id="fig-bars">' in html
    assert 'src="data:image/png;base64,' in html
    assert 'alt="Trois barres de hauteurs 1, 3 et 2' in html
    assert ".rlp-fixture-marker" in html  # style.css inlined
    assert "<link" not in html and 'src="http' not in html and "index_files" not in html


@pytest.mark.parametrize("profile,keep,drop", [("fr", FR_PARA, EN_PARA), ("en", EN_PARA, FR_PARA)])
def test_pdf(rendered, profile, keep, drop):
    pdf = rendered[profile]["pdf"]
    assert pdf.read_bytes().startswith(b"%PDF")
    text = flat(pdf_text(pdf))
    assert keep in text and drop not in text
    table = "Tableau" if profile == "fr" else "Table"
    assert f"{table} 1" in text and "Figure 1" in text
    assert ("Table des matières" if profile == "fr" else "Contents") in text


ESCAPED = ["<script>alert(1)</script>", "**bold**", "#set page(width: 1cm)", "$x$", "@fig-x", "{{< meta >}}"]


def test_escape_markdown_keeps_data_literal(tools, tmp_path):
    index = (
        "```{python}\n#| output: asis\nfrom rlp_pipeline.render import escape_markdown\n"
        f"for s in {ESCAPED!r}:\n"
        "    print('- ' + escape_markdown(s))\n```\n"
    )
    root = project(tmp_path, index)
    rd.render(root, "en", keep_intermediate=True)
    html = (root / "_output" / "en" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**bold**" in html and "<strong>bold" not in html
    for literal in ["#set page(width: 1cm)", "$x$", "@fig-x", "{{&lt; meta &gt;}}"]:
        assert literal in html
    text = pdf_text(root / "_output" / "en" / "index.pdf")
    if shutil.which("pdftotext"):
        for literal in ESCAPED:
            assert literal in text
    typ = (root / "_output" / "en" / "index.typ").read_text(encoding="utf-8")
    assert "\\#set page" in typ and "\\@fig-x" in typ and "\\$x\\$" in typ


def test_escape_markdown_is_inline_text():
    assert rd.escape_markdown("a\n\n    b  *c*") == r"a b \*c\*"
    assert rd.escape_markdown("1. x | y") == r"1\. x \| y"


def test_cell_error_names_the_line_and_writes_nothing(tools, tmp_path):
    index = "# Title {#sec-t}\n\nText.\n\n```{python}\nx = 1\ny = x / 0\n```\n"
    root = project(tmp_path, index)
    previous = root / "_output" / "fr" / "index.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("previous good render", encoding="utf-8")
    with pytest.raises(rd.RenderError) as err:
        rd.render(root, "fr")
    message = str(err.value)
    assert "index.qmd:5: cell failed with ZeroDivisionError" in message and "(at line 7)" in message
    assert "y = x / 0" in message  # the traceback
    assert previous.read_text(encoding="utf-8") == "previous good render"
    assert sorted(p.name for p in (root / "_output").rglob("*")) == ["fr", "index.html"]  # no temp left


def test_unresolved_reference_names_the_line(tools, tmp_path):
    root = project(tmp_path, "# A {#sec-a}\n\nSee\n@fig-missing here.\n")
    with pytest.raises(rd.RenderError, match=r"index\.qmd:4: .*unresolved cross-reference @fig-missing"):
        rd.render(root, "en")


def test_unsupported_feature_stops_render(tmp_path):
    root = project(tmp_path, "# A\n\n{{< pagebreak >}}\n")
    with pytest.raises(rd.UnsupportedFeature, match=r"index\.qmd:3: unsupported shortcode"):
        rd.render(root, "en")


def test_unsupported_project_option_names_file_and_line(tmp_path):
    root = project(tmp_path)
    (root / "_quarto-en.yml").write_text("lang: en\nbibliography: refs.bib\n", encoding="utf-8")
    with pytest.raises(rd.UnsupportedFeature, match=r"_quarto-en\.yml:2: unsupported option 'bibliography'"):
        rd.render(root, "en")


def test_profile_config_is_deep_merged():
    config = rd.load_config(FIXTURE, "fr")
    assert config["project"] == {"type": "default", "output-dir": "_output/fr", "render": ["index.qmd"]}
    assert config["crossref"]["tbl-title"] == "Tableau" and config["lang"] == "fr"
    assert config["format"]["html"]["css"] == "style.css"
    with pytest.raises(rd.UnsupportedFeature, match="concatenate"):
        rd._merge({"project": {"render": ["a.qmd"]}}, {"project": {"render": ["b.qmd"]}})


def test_fixture_uses_only_supported_features():
    assert rd.check_supported((FIXTURE / "index.qmd").read_text(encoding="utf-8")) == []


UNSUPPORTED = """\
---
title: x
bibliography: refs.bib
---

```{r}
1 + 1
```

```{python}
#| label: fig-a
#| fig-cap: A
#| fig-width: 5
plot()
```

::: {.content-visible when-format="html"}
x
:::

::: {.panel-tabset}
:::

Some text {{< meta title >}} and [@smith2020] and @eq-one and `{python} 1 + 1`.

::: {.column-margin}
:::

::: {.callout-tip}
:::

::: {#fig-div}
:::
"""


def test_check_supported_flags_each_feature_with_its_line():
    problems = {(p.line, p.feature) for p in rd.check_supported(UNSUPPORTED)}
    expected = {
        (3, "front matter option 'bibliography'"),
        (6, "executable cell ```{r} (only ```{python})"),
        (13, "cell option 'fig-width'"),
        (17, "content-visible condition ['when-format'] (only when-profile)"),
        (21, "class .panel-tabset"),
        (24, "shortcode"),
        (24, "citation @smith2020"),
        (24, "citation @eq-one"),
        (24, "inline code expression"),
        (26, "class .column-margin"),
        (29, "class .callout-tip"),
        (32, "cross-reference id #fig-div on a div"),
    }
    assert expected <= problems, problems
    assert len(problems) == len(expected), problems - expected
    assert str(rd.check_supported("```{ojs}\nx\n```\n")[0]) == "line 1: executable cell ```{ojs} (only ```{python})"


def test_check_supported_ignores_code_and_allows_plain_pandoc():
    text = (
        "# Head {#sec-h .unnumbered}\n\nMail a@b.org, see @sec-h and @fig-z.\n\n"
        "````markdown\n```{r}\n{{< meta >}}\n```\n````\n\n`{{< not a shortcode >}}` [x]{.smallcaps}\n\n"
        "![Cap](a.png){#fig-z fig-alt=\"alt\" width=50%}\n\n::: {#box .note}\nx\n:::\n"
    )
    assert rd.check_supported(text) == []


def test_render_project_falls_back_and_logs(monkeypatch, caplog, tmp_path):
    monkeypatch.setattr(rd.shutil, "which", lambda name: None)
    monkeypatch.setattr(rd, "render", lambda d, p: {"renderer": "fallback (stub)", "files": []})
    with caplog.at_level(logging.INFO, logger="rlp_pipeline.render"):
        result = rd.render_project(FIXTURE, "fr")
    assert not rd.quarto_available()
    assert result["renderer"] == "fallback (stub)"
    assert "fallback (stub)" in caplog.text


def test_render_project_prefers_quarto_and_renders_outside_the_project(monkeypatch, tmp_path):
    """Quarto renders a temporary copy: its .quarto/ cache and .gitignore never reach the project,
    only the documents are moved into the project's output folder, and its warnings are reported."""
    calls = []
    monkeypatch.setattr(rd.shutil, "which", lambda name: "/usr/bin/quarto")
    root = project(tmp_path)

    def fake_run(args, **kwargs):
        calls.append(args)
        if args[:2] == ["quarto", "render"]:
            copy = Path(args[2])
            assert copy != root and not copy.is_relative_to(root)
            (copy / ".quarto").mkdir()
            (copy / ".gitignore").write_text("/.quarto/\n")
            (copy / "_output" / "en").mkdir(parents=True)
            for name in ("index.html", "index.pdf"):
                (copy / "_output" / "en" / name).write_text(name)
            return subprocess.CompletedProcess(args, 0, stdout="", stderr="WARN: Something odd\n[IPKernelApp] WARNING | TCP\n")
        return subprocess.CompletedProcess(args, 0, stdout="1.6.40\n")

    monkeypatch.setattr(rd.subprocess, "run", fake_run)
    result = rd.render_project(root, "en")
    assert any(c[:2] == ["quarto", "render"] and c[3:] == ["--profile", "en"] for c in calls)
    assert result["renderer"] == "quarto 1.6.40"
    assert sorted(Path(f).name for f in result["files"]) == ["index.html", "index.pdf"]
    assert (root / "_output" / "en" / "index.pdf").read_text() == "index.pdf"
    assert not (root / ".quarto").exists() and not (root / ".gitignore").exists()
    assert result["warnings"] == ["WARN: Something odd"]


def test_a_failed_quarto_render_names_the_project_and_keeps_the_previous_documents(monkeypatch, tmp_path):
    monkeypatch.setattr(rd.shutil, "which", lambda name: "/usr/bin/quarto")
    root = project(tmp_path)
    (root / "_output" / "fr").mkdir(parents=True)
    (root / "_output" / "fr" / "index.html").write_text("previous")

    def fake_run(args, **kwargs):
        if args[:2] == ["quarto", "render"]:
            return subprocess.CompletedProcess(args, 1, stdout="", stderr="ERROR: cell failed at line 12\n")
        return subprocess.CompletedProcess(args, 0, stdout="1.8.27\n")

    monkeypatch.setattr(rd.subprocess, "run", fake_run)
    with pytest.raises(rd.RenderError, match=r"quarto render --profile fr failed:\nERROR: cell failed at line 12"):
        rd.render_project(root, "fr")
    assert (root / "_output" / "fr" / "index.html").read_text() == "previous"
