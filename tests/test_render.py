"""The fallback Quarto renderer: both profiles of a minimal bilingual project, refusals, errors, escaping.

Rendering needs pandoc (pypandoc-binary), typst and a Jupyter kernel (nbclient + ipykernel); those tests
are skipped without them. The check_supported tests are pure Python and always run.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rlp_pipeline.reporting import render as rd

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
        "```{python}\n#| output: asis\nfrom rlp_pipeline.reporting.render import escape_markdown\n"
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
    monkeypatch.setattr(rd, "render", lambda d, p, **options: {"renderer": "fallback (stub)", "files": []})
    with caplog.at_level(logging.INFO, logger="rlp_pipeline.reporting.render"):
        result = rd.render_project(FIXTURE, "fr")
    assert not rd.quarto_available()
    assert result["renderer"] == "fallback (stub)"
    assert "fallback (stub)" in caplog.text


def test_qmd_notebook_is_what_quarto_convert_writes():
    """Front matter, text and executable cells become the cells `quarto convert` writes (checked
    against Quarto 1.8.27's notebook of report/index.qmd: same cell types and sources); a fenced
    block that is not executable stays text; the cell options stay in the code for Quarto to read."""
    text = ("---\ntitle: t\n---\n\n```{python}\n#| echo: false\nx = 1\n```\n\nSome *text*.\n\n"
            "```python\nnot run\n```\n\n```{python}\n#| output: asis\nprint(x)\n```\n")
    nb = rd.qmd_notebook(text)
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        ("markdown", "---\ntitle: t\n---"), ("code", "#| echo: false\nx = 1"),
        ("markdown", "Some *text*.\n\n```python\nnot run\n```"), ("code", "#| output: asis\nprint(x)")]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert rd.qmd_notebook(text) == nb  # numbered cell ids: the same notebook each time


def blank_pdf(path: Path) -> None:
    """A one-page PDF without a declared language."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Title": "Rapport", "/Author": "Jane Doe"})
    writer.write(path)


def pdfinfo_fields(pdf: Path) -> dict[str, str]:
    """The document information as poppler (pdfinfo, like most viewers) reads it: from the last
    trailer only, so an incremental update that drops /Info loses the title and authors."""
    result = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)


def pdf_catalog_language(pdf: Path) -> str:
    """The language a PDF declares in its catalog (/Lang), as screen readers read it."""
    import pypdf

    return str(pypdf.PdfReader(pdf).trailer["/Root"].get("/Lang", ""))


def test_pdf_language_is_set_with_its_region_deterministically(tmp_path):
    """Typst 0.13 (Quarto 1.8's) writes /Lang (fr) whatever the region: the catalog is updated to
    fr-CA in place, the same bytes each time, and a PDF that already says so is left alone."""
    assert rd.pdf_language("fr", "CA") == "fr-CA" and rd.pdf_language("en", None) == "en"
    assert rd.pdf_language("fr-FR", "CA") == "fr-FR"
    one, two = tmp_path / "one.pdf", tmp_path / "two.pdf"
    blank_pdf(one)
    shutil.copy(one, two)
    original = one.read_bytes()
    assert rd.declare_pdf_language(one, "fr-CA") and rd.declare_pdf_language(two, "fr-CA")
    assert one.read_bytes() == two.read_bytes() and one.read_bytes().startswith(original)
    assert pdf_catalog_language(one) == "fr-CA"
    assert not rd.declare_pdf_language(one, "fr-CA") and one.read_bytes() == two.read_bytes()
    if shutil.which("pdfinfo"):
        fields = pdfinfo_fields(one)
        assert fields["Title"].strip() == "Rapport" and fields["Author"].strip() == "Jane Doe"


def test_render_project_prefers_quarto_and_renders_outside_the_project(monkeypatch, tmp_path):
    """Quarto renders a temporary copy: its .quarto/ cache and .gitignore never reach the project,
    only the documents are moved into the project's output folder, and its warnings are reported.
    The cells run once: Quarto renders the executed notebook (its render list points at it, the
    .qmd is gone from the copy) with --no-execute."""
    calls = []
    monkeypatch.setattr(rd.shutil, "which", lambda name: "/usr/bin/quarto")
    root = project(tmp_path)

    def fake_run(args, **kwargs):
        calls.append(args)
        if args[:2] == ["quarto", "render"]:
            copy = Path(args[2])
            assert copy != root and not copy.is_relative_to(root)
            assert (copy / "index.ipynb").exists() and not (copy / "index.qmd").exists()
            assert rd.yaml.safe_load((copy / "_quarto.yml").read_text())["project"]["render"] == ["index.ipynb"]
            # Quarto runs the pinned typst package (reporting.quarto_typst), written outside the project
            typst = Path(kwargs["env"]["QUARTO_TYPST"])
            assert typst.is_file() and not typst.is_relative_to(root) and not typst.is_relative_to(copy)
            (copy / ".quarto").mkdir()
            (copy / ".gitignore").write_text("/.quarto/\n")
            (copy / "_output" / "en").mkdir(parents=True)
            (copy / "_output" / "en" / "index.html").write_text("index.html")
            blank_pdf(copy / "_output" / "en" / "index.pdf")
            return subprocess.CompletedProcess(args, 0, stdout="", stderr="WARN: Something odd\n[IPKernelApp] WARNING | TCP\n")
        return subprocess.CompletedProcess(args, 0, stdout="1.6.40\n")

    monkeypatch.setattr(rd.subprocess, "run", fake_run)
    result = rd.render_project(root, "en")
    assert [c[3:] for c in calls if c[:2] == ["quarto", "render"]] == [["--profile", "en", "--no-execute"]]
    assert not [c for c in calls if c[:2] == ["quarto", "convert"]]  # the notebook is written without Quarto
    from importlib.metadata import version

    assert result["renderer"] == f"quarto 1.6.40 (typst {version('typst')})"  # the Typst of its PDFs
    assert sorted(Path(f).name for f in result["files"]) == ["index.html", "index.pdf"]
    assert (root / "_output" / "en" / "index.html").read_text() == "index.html"
    assert pdf_catalog_language(root / "_output" / "en" / "index.pdf") == "en"  # the profile's lang (no region)
    assert not (root / ".quarto").exists() and not (root / ".gitignore").exists()
    assert (root / "index.qmd").exists() and not (root / "index.ipynb").exists()
    assert result["warnings"] == ["WARN: Something odd"]


def stub_quarto(monkeypatch, tmp_path: Path, language: str, quarto_render) -> Path:
    """The fixture project with a previous HTML document of `language` in place, and a stand-in
    `quarto` (version 1.8.27) whose `quarto render` is `quarto_render(args)`; returns the project."""
    monkeypatch.setattr(rd.shutil, "which", lambda name: "/usr/bin/quarto")
    root = project(tmp_path)
    (root / "_output" / language).mkdir(parents=True)
    (root / "_output" / language / "index.html").write_text("previous")
    monkeypatch.setattr(rd.subprocess, "run", lambda args, **kwargs: quarto_render(args) if args[:2] == ["quarto", "render"]
                        else subprocess.CompletedProcess(args, 0, stdout="1.8.27\n"))
    return root


def test_a_failed_quarto_render_names_the_project_and_keeps_the_previous_documents(monkeypatch, tmp_path):
    root = stub_quarto(monkeypatch, tmp_path, "fr", lambda args: subprocess.CompletedProcess(
        args, 1, stdout="", stderr="ERROR: cell failed at line 12\n"))
    with pytest.raises(rd.RenderError, match=r"quarto render --profile fr failed:\nERROR: cell failed at line 12"):
        rd.render_project(root, "fr")
    assert (root / "_output" / "fr" / "index.html").read_text() == "previous"


def test_an_unpublished_quarto_render_waits_until_published_or_discarded(monkeypatch, tmp_path):
    """With publish=False, real Quarto's documents wait in a work folder beside the output folder,
    as the fallback's do, so that run_report writes the languages only when all succeeded
    (render.publish_renders): the previous documents stay until publish_render moves the new ones
    into place; discard_render leaves them as they were. Quarto's warnings are kept."""
    def quarto_render(args):
        out = Path(args[2]) / "_output" / "en"
        out.mkdir(parents=True)
        (out / "index.html").write_text("new")
        blank_pdf(out / "index.pdf")
        return subprocess.CompletedProcess(args, 0, stdout="", stderr="WARN: Something odd\n")

    root = stub_quarto(monkeypatch, tmp_path, "en", quarto_render)
    discarded = rd.render_project(root, "en", publish=False)
    assert (root / "_output" / "en" / "index.html").read_text() == "previous"
    rd.discard_render(discarded)
    assert sorted(p.name for p in (root / "_output").rglob("*")) == ["en", "index.html"]
    assert (root / "_output" / "en" / "index.html").read_text() == "previous"

    pending = rd.render_project(root, "en", publish=False)
    assert (root / "_output" / "en" / "index.html").read_text() == "previous"
    published = rd.publish_render(pending)
    assert (root / "_output" / "en" / "index.html").read_text() == "new"
    assert sorted(Path(f).name for f in published["files"]) == ["index.html", "index.pdf"]
    assert published["warnings"] == ["WARN: Something odd"] and "work" not in published
    assert not list((root / "_output").glob(".render-*"))


def test_a_failing_cell_under_quarto_names_the_qmd_line(tools, monkeypatch, tmp_path):
    """The notebook's cells run in the pipeline's kernel, not in Quarto: a failing cell is reported
    with its line in the project's .qmd, and nothing is written."""
    monkeypatch.setattr(rd.shutil, "which", lambda name: "/usr/bin/quarto")
    root = project(tmp_path, "---\ntitle: t\n---\n\n```{python}\nx = 1\n```\n\nText.\n\n```{python}\n#| echo: false\n1 / 0\n```\n")

    def fake_run(args, **kwargs):
        assert args[:2] != ["quarto", "render"], "Quarto must not render after a failed cell"
        return subprocess.CompletedProcess(args, 0, stdout="1.8.27\n")

    monkeypatch.setattr(rd.subprocess, "run", fake_run)
    with pytest.raises(rd.RenderError, match=r"proj/index\.qmd:11: cell failed with ZeroDivisionError"):
        rd.render_project(root, "fr")
    assert not (root / "_output").exists()


# --- the real report with both renderers ---------------------------------------------------------
# Rendered once for the module: the pipeline builds the derived tables in a temporary copy of the
# project (with fewer stability redraws, which changes numbers, not structure), then the report is
# rendered with the fallback and with real Quarto (when `quarto` is on PATH; CI installs it from
# ../shared/quarto-kit), each into its own copy of report/.

PROJECT_PARTS = ("Snakefile", "rules", "config", "data/raw", "src", "report", "notebooks", "environment.yml")
REPO = Path(__file__).resolve().parents[1]


class Page(HTMLParser):
    """What a reader gets from a rendered HTML document, whatever the renderer's page furniture:
    headings (id, text), table and figure captions, number of tables and images, verdict badges,
    and the text of the document's body (without the table of contents, title block, scripts,
    styles, the renderer's own links, and the provenance row that names the renderer)."""

    SKIP = {"script", "style", "nav", "header", "head"}
    VOID = {"img", "br", "hr", "meta", "link", "input", "col", "source", "wbr"}

    def __init__(self, renderer_word: str, language: str = ""):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.renderer_word, self.stack, self.skip = renderer_word, [], 0
        self.headings, self.captions, self.badges, self.text = [], [], [], []
        self.tables = self.images = 0
        self.current: dict | None = None
        self.prose: list[str] = []  # text outside code and outside elements marked lang="<other>"
        self.other = 0
        self.row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            self.images += tag == "img" and not self.skip
            return
        classes = (attrs.get("class") or "").split()
        skip = tag in self.SKIP or "quarto-alternate-formats" in classes or "sidebar" in classes
        other = (tag in ("code", "pre") or "verbatim" in classes  # quotations of the data, as written
                 or (attrs.get("lang") or self.language)[:2] != self.language)
        self.stack.append((tag, skip, attrs.get("id") or "", other))
        self.skip += skip
        self.other += other
        if self.skip:
            return
        if tag in ("h1", "h2", "h3"):
            parent = self.stack[-2] if len(self.stack) > 1 else ("", False, "", False)
            ident = attrs.get("id") or attrs.get("data-anchor-id") or (parent[2] if parent[0] == "section" else "")
            self.current = {"kind": "heading", "id": ident, "text": []}
        elif tag in ("caption", "figcaption"):
            self.current = {"kind": "caption", "text": []}
        elif tag == "span" and "verdict" in classes:
            self.current = {"kind": "badge", "text": []}
        elif tag == "table":
            self.tables += 1
        elif tag == "tr":
            self.row = []

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.stack:
            return
        while self.stack:
            open_tag, skip, _, other = self.stack.pop()
            self.skip -= skip
            self.other -= other
            if open_tag == tag:
                break
        if self.current and tag in {"heading": ("h1", "h2", "h3"), "caption": ("caption", "figcaption"),
                                    "badge": ("span",)}[self.current["kind"]]:
            text = flat("".join(self.current["text"]))
            if self.current["kind"] == "heading":
                self.headings.append((self.current["id"], text))
            else:
                (self.captions if self.current["kind"] == "caption" else self.badges).append(text)
            self.current = None
        if tag == "tr" and self.row is not None:
            row = flat(" ".join(self.row))
            if not row.startswith(self.renderer_word):
                self.text.append(row)
            self.row = None

    def handle_data(self, data):
        if self.skip:
            return
        if not self.other:
            self.prose.append(data)
        if self.current:
            self.current["text"].append(data)
        if self.row is not None:
            self.row.append(data)
        else:
            self.text.append(data)


def read_page(path: Path, language: str) -> Page:
    page = Page("Moteur de rendu" if language == "fr" else "Renderer", language)
    page.feed(path.read_text(encoding="utf-8"))
    return page


NUMBER = re.compile(r"[−-]?\d(?:[\d\u202f,.]*\d)?")


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


def render_report(root: Path, renderer: str, name: str = "") -> dict:
    """Render the built project's report with one renderer into its own copy of report/; the
    render module's warnings are collected, and the environment run_report sets is restored."""
    import os
    import time

    from rlp_pipeline.stages.report import run_report

    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    handler = Collect()
    logging.getLogger("rlp_pipeline.reporting.render").addHandler(handler)
    saved = dict(os.environ)
    folder = root / f"report_{name or renderer}"
    try:
        shutil.copytree(root / "report", folder)
        start = time.perf_counter()
        run_report(folder, root / "data" / "derived", root / "data" / "raw" / "codebook.yaml",
                   root / "config" / "findings.yaml", prefer_quarto=renderer == "quarto")
    finally:
        os.environ.clear()
        os.environ.update(saved)
        logging.getLogger("rlp_pipeline.reporting.render").removeHandler(handler)
    return {"folder": folder, "warnings": warnings, "seconds": time.perf_counter() - start}


@pytest.fixture(scope="module")
def fallback_render(tools, tmp_path_factory):
    """The derived tables built once by the pipeline in a temporary copy of the project, and the
    report rendered from them by the fallback renderer: (project root, render)."""
    import os
    import sys

    root = tmp_path_factory.mktemp("both") / "project"
    for part in PROJECT_PARTS:
        source, target = REPO / part, root / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "_output", ".quarto", "_figures"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    config = root / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("redraws: 1000", "redraws: 40"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    built = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--omit-from", "report", "audit"],
                           cwd=root, capture_output=True, text=True, env=env, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    return root, render_report(root, "fallback")


@pytest.fixture(scope="module")
def both_renderers(fallback_render):
    """{renderer: {"folder": report copy, "warnings": [...], "seconds": s}} for "fallback" and "quarto"."""
    if not shutil.which("quarto"):
        pytest.skip("real Quarto is not on PATH (.ci/run installs it from ../shared/quarto-kit)")
    root, fallback = fallback_render
    return {"fallback": fallback, "quarto": render_report(root, "quarto")}


@pytest.mark.slow
def test_quarto_renders_without_warning_and_leaves_nothing_behind(both_renderers):
    quarto = both_renderers["quarto"]
    assert quarto["warnings"] == []
    left = sorted(p.name for p in quarto["folder"].iterdir())
    assert left == sorted([p.name for p in (REPO / "report").iterdir() if p.name not in ("_output", "_figures", ".quarto")] + ["_output"])
    from rlp_pipeline.reporting.workbook import WORKBOOK_NAMES  # run_report writes the workbook beside the documents

    for language in ("fr", "en"):
        assert sorted(p.name for p in (quarto["folder"] / "_output" / language).iterdir()) == \
            sorted(["index.html", "index.pdf", WORKBOOK_NAMES[language]])


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "en"])
def test_both_renderers_show_the_same_report(both_renderers, language):
    """Same sections (ids and headings), tables (number, captions), figures, badges, and every number
    in the same order: the fallback may differ from Quarto in looks, never in content."""
    fallback, quarto = (read_page(both_renderers[r]["folder"] / "_output" / language / "index.html", language)
                        for r in ("fallback", "quarto"))
    assert [h for h in quarto.headings if h[0]] == [h for h in fallback.headings if h[0]]
    assert len([h for h in quarto.headings if h[0].startswith("sec-")]) >= 20
    assert quarto.tables == fallback.tables >= 18
    assert quarto.images == fallback.images >= 8
    assert quarto.captions == fallback.captions
    # as many figures as the figures stage drew (figures.json lists them)
    drawn = len(json.loads((both_renderers["fallback"]["folder"].parent / "data" / "derived" / "figures"
                            / "figures.json").read_text(encoding="utf-8")))
    assert sum(c.startswith("Figure ") for c in quarto.captions) == quarto.images == drawn
    assert quarto.badges == fallback.badges and len(quarto.badges) >= 34
    assert numbers(flat(" ".join(quarto.text))) == numbers(flat(" ".join(fallback.text)))


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "en"])
def test_both_renderers_print_the_same_numbers_in_the_pdf(both_renderers, language):
    """The PDFs' decimal numbers (every p-value, share, interval and effect) are the same, as a
    multiset: the two renderers lay out tables differently, so the reading order may differ."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    found = {}
    for renderer in ("fallback", "quarto"):
        text = flat(pdf_text(both_renderers[renderer]["folder"] / "_output" / language / "index.pdf"))
        renderer_name = re.compile(r"fallback \(pandoc [^)]*\)|quarto \d[\d.]* \(typst [^)]*\)")  # the provenance row
        # numbers with decimals: the statistics (whole numbers include page numbers, which depend on layout)
        found[renderer] = sorted(n for n in numbers(renderer_name.sub("", text)) if re.search(r"\d[.,]\d", n))
    assert found["quarto"] == found["fallback"] and len(found["quarto"]) > 300


# --- layouts that hold ---------------------------------------------------------------------------
MEASURE = r"""<script>
window.addEventListener('load', () => { setTimeout(() => {
  const column = document.querySelector('main') || document.body;
  const style = getComputedStyle(column), box = column.getBoundingClientRect();
  const left = box.left + parseFloat(style.paddingLeft), right = box.right - parseFloat(style.paddingRight);
  const wide = [...document.querySelectorAll('table')].map(t => [t, t.getBoundingClientRect()])
    .filter(([t, r]) => r.left < left - 1 || r.right > right + 1)
    .map(([t, r]) => (t.closest('[id]') || {}).id + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
  // a table whose content is wider than its box scrolls: allowed on a phone, not on a desktop
  const scrolling = [...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth + 1)
    .map(t => (t.closest('[id]') || {}).id + ' ' + t.scrollWidth + '>' + t.clientWidth);
  const over = [...document.body.querySelectorAll('*')]
    .filter(e => !(e.parentElement && e.parentElement.closest('table')) && e.getBoundingClientRect().right > innerWidth + 1
                 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > innerWidth + 1))
    .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40));
  const pre = document.createElement('pre');
  pre.id = 'rlp-measure';
  pre.textContent = JSON.stringify({width: innerWidth, page: document.documentElement.scrollWidth,
                                    tables: document.querySelectorAll('table').length, wide: wide, over: over,
                                    scrolling: scrolling});
  (window.parent !== window ? window.parent.document.body : document.body).appendChild(pre);
}, 300); });
</script>"""


def measure_html(page: Path, width: int, work: Path) -> dict:
    """Element boxes of a document in headless Chromium at a given viewport width. The page is shown
    in an iframe of that width (a headless window is at least 500 px wide); a script measures the
    text column, every table's box, and whatever sticks out of the viewport outside tables."""
    import json

    work.mkdir(parents=True, exist_ok=True)
    inner = work / f"{page.parent.name}-{width}.html"
    inner.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    outer = work / f"outer-{page.parent.name}-{width}.html"
    outer.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe src="{inner.name}" '
                     f'style="border:0;width:{width}px;height:900px"></iframe></body></html>', encoding="utf-8")
    result = subprocess.run(
        [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", f"--user-data-dir={work / 'profile'}",
         "--allow-file-access-from-files", "--window-size=1400,1000", "--virtual-time-budget=3000", "--dump-dom",
         outer.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="rlp-measure">(.*?)</pre>', result.stdout)
    assert found, result.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium package is not installed")
@pytest.mark.parametrize("renderer", ["fallback", "quarto"])
def test_no_table_wider_than_the_text_column_on_a_desktop_or_a_phone(renders, renderer, tmp_path):
    """At 1280 and 390 px: every table fits the text column (on a phone, a wide table scrolls inside
    its own box; on a desktop no table scrolls: its content fits too) and nothing widens the page."""
    for language in ("fr", "en"):
        if renderer not in renders:
            pytest.skip("real Quarto is not on PATH")
        page = renders[renderer]["folder"] / "_output" / language / "index.html"
        for width in (1280, 390):
            found = measure_html(page, width, tmp_path)
            assert found["width"] == width and found["tables"] >= 18
            assert found["wide"] == [], (language, width, found["wide"])
            assert found["over"] == [] and found["page"] <= width, (language, width, found["over"])
            if width == 1280:  # the box alone is not enough: a table that scrolls in its box does not fit
                assert found["scrolling"] == [], (language, width, found["scrolling"])


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
PDF_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def pdf_layout_problems(pdf: Path, tolerance: float = 0.5) -> list[str]:
    """Words of a PDF (pdftotext -bbox) that stick out of their page or overprint another word
    (boxes intersecting by more than `tolerance` points both ways): columns that collide, a
    checksum running past the margin, a table overprinting the page's bottom."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    problems = []
    for number, page in enumerate(PDF_PAGE.finditer(html), 1):
        width, height = float(page.group(1)), float(page.group(2))
        words = sorted(((float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(page.group(3))),
                       key=lambda box: box[1])
        problems += [f"page {number}: {w!r} outside the page" for x0, y0, x1, y1, w in words
                     if x0 < 0 or y0 < 0 or x1 > width or y1 > height]
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b[1] >= a[3] - tolerance:
                    break
                if min(a[2], b[2]) - max(a[0], b[0]) > tolerance and min(a[3], b[3]) - max(a[1], b[1]) > tolerance:
                    problems.append(f"page {number}: {a[4]!r} overlaps {b[4]!r}")
    return problems


def test_pdf_layout_check_finds_overprinted_and_outside_words(tools, tmp_path):
    root = project(tmp_path, "```{=typst}\n#place(dx: 0pt, dy: 0pt)[Overprinted]\n#place(dx: 2pt, dy: 1pt)[Overprinted]\n"
                             "#place(dx: 16cm, dy: 3cm)[Outside-the-page-by-far]\n```\n")
    rd.render(root, "en")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    problems = pdf_layout_problems(root / "_output" / "en" / "index.pdf")
    assert any("overlaps" in p for p in problems) and any("outside the page" in p for p in problems), problems


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("renderer", ["fallback", "quarto"])
def test_no_pdf_word_overprinted_or_outside_its_page(renders, renderer):
    for language in ("fr", "en"):
        if renderer not in renders:
            pytest.skip("real Quarto is not on PATH")
        pdf = renders[renderer]["folder"] / "_output" / language / "index.pdf"
        assert pdf_layout_problems(pdf) == [], language
        assert orphan_captions(pdf) == [], language


def orphan_captions(pdf: Path) -> list[str]:
    """Table captions printed at the bottom of a page, away from their table (a caption is above
    its table): a caption among the last two lines of a page's text, page number apart."""
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    found = []
    for number, page in enumerate(pages, 1):
        lines = [line for line in page.splitlines() if line.strip() and not line.strip().isdigit()]
        found += [f"page {number}: {line}" for line in lines[-2:] if re.match(r"(Tableau|Table) \d+ ?:", line.strip())]
    return found


@pytest.fixture(scope="module")
def renders(fallback_render, request):
    """The fallback's render, and real Quarto's too when `quarto` is on PATH."""
    if shutil.which("quarto"):
        return request.getfixturevalue("both_renderers")
    return {"fallback": fallback_render[1]}


FRENCH_RULES = {  # what French typography forbids in running text (HTML: no-break spaces are kept)
    "space before ; ! ? that is not a narrow no-break space": re.compile(r"(?<!\u202f)[;!?]"),
    "space before a colon that is not a no-break space": re.compile(r"(?<!\u00a0):(?=\s|$)"),
    "« without a narrow no-break space after it": re.compile(r"«(?!\u202f)"),
    "» without a narrow no-break space before it": re.compile(r"(?<!\u202f)»"),
    "% without a narrow no-break space before it": re.compile(r"(?<!\u202f)%"),
    "straight apostrophe or quote": re.compile(r"['\"]"),
}
PDF_RULES = {  # pdftotext turns every no-break space into a space: only the spaces' presence is checked
    # pdftotext sometimes loses the narrow no-break space of « 4 % » (a gap narrower than its
    # word-spacing threshold): a digit right before % is left to the HTML check, which sees it.
    "no space before ; ! ? : %": re.compile(r"\S[;!?]|[^\s\d]%|\S:(?=\s)"),
    "no space inside « »": re.compile(r"«\S|\S»"),
    "straight apostrophe or quote": re.compile(r"['\"]"),
}


def violations(text: str, rules: dict) -> list[str]:
    return [f"{what}: …{text[max(0, m.start() - 30):m.end() + 10]}…" for what, rule in rules.items()
            for m in rule.finditer(text)]


@pytest.mark.slow
def test_french_documents_follow_french_typography(renders):
    for renderer, render in renders.items():
        page = read_page(render["folder"] / "_output" / "fr" / "index.html", "fr")
        prose = " ".join(page.prose)
        assert len(prose) > 20_000
        assert violations(prose, FRENCH_RULES) == [], renderer
        if shutil.which("pdftotext"):
            text = pdf_text(render["folder"] / "_output" / "fr" / "index.pdf")
            text = re.sub(r"https?://\S+|\b\d+:\d+\b", "", text)
            # quotations of the data (excerpts, between « ») are shown as written: only their quotes are checked
            text = re.sub(r"«(\s?)[^»]*?(\s?)»( \([^)]*\))?", r"«\1x\2»", text)
            assert violations(text, PDF_RULES) == [], renderer


WORDS = re.compile(r"[A-Za-zÀ-ÿ’'-]+")


def words_of(value) -> set[str]:
    """The lower-cased words of a text, or of every text in a nested dict/list."""
    if isinstance(value, dict):
        return set().union(set(), *(words_of(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(words_of(v) for v in value))
    return {w.lower() for w in WORDS.findall(str(value))}


def english_only_words() -> set[str]:
    """Words the report writes in English but never in French: from the sentence templates
    (report.TEXT), the language blocks of index.qmd and the codebook's labels and definitions."""
    import yaml

    from rlp_pipeline.reporting.document import TEXT

    qmd = (REPO / "report" / "index.qmd").read_text(encoding="utf-8")
    blocks = {language: re.findall(rf'^::: \{{\.content-visible when-profile="{language}"\}}\n(.*?)^:::$', qmd, re.M | re.S)
              for language in ("fr", "en")}
    codebook = yaml.safe_load((REPO / "data" / "raw" / "codebook.yaml").read_text(encoding="utf-8"))

    def texts_in(node, language):
        if isinstance(node, dict):
            return [str(v) if k == language else t for k, v in node.items() for t in ([v] if k == language else texts_in(v, language))]
        if isinstance(node, list):
            return [t for v in node for t in texts_in(v, language)]
        return []

    english = words_of(TEXT["en"]) | words_of(blocks["en"]) | words_of(texts_in(codebook, "en"))
    french = words_of(TEXT["fr"]) | words_of(blocks["fr"]) | words_of(texts_in(codebook, "fr"))
    return {w for w in english - french if len(w) > 1}


def english_runs(text: str, vocabulary: set[str]) -> list[str]:
    """Runs of two or more consecutive words that only the English report uses."""
    runs, run = [], []
    for token in WORDS.findall(text) + [""]:
        if token.lower() in vocabulary:
            run.append(token)
        else:
            runs += [" ".join(run)] if len(run) >= 2 else []
            run = []
    return runs


def test_english_runs_are_found():
    vocabulary = english_only_words()
    assert {"the", "sampled", "every", "finding"} <= vocabulary and not {"plans", "test", "le"} & vocabulary
    assert english_runs("Voir le tableau : the sampled plans of each region, par plan", vocabulary) == ["the sampled", "of each region"]


# Proper nouns the French documents cite in English: the allow list (titles of cited works).
PROPER_NOUNS = (r"Content Analysis\s*:\s*An Introduction to Its Methodology",)


def without_proper_nouns(text: str) -> str:
    """The text without the allowed English proper nouns (whitespace and line breaks folded)."""
    text = " ".join(text.split())
    for name in PROPER_NOUNS:
        text = re.sub(name, " ", text)
    return text


@pytest.mark.slow
def test_french_documents_have_no_english_left(renders):
    """Every string of the French documents is French: no run of English words in the HTML's text
    (code and passages marked lang="en" apart) nor in the PDF's text."""
    vocabulary = english_only_words()
    for renderer, render in renders.items():
        page = read_page(render["folder"] / "_output" / "fr" / "index.html", "fr")
        assert english_runs(without_proper_nouns(" ".join(page.prose)), vocabulary) == [], renderer
        if shutil.which("pdftotext"):
            # The PDF's text does not tell code from prose: identifiers (with _ . / @) are dropped,
            # and the dictionary table, which lists column names, is left to the HTML check.
            text = pdf_text(render["folder"] / "_output" / "fr" / "index.pdf")
            # (the caption « Tables dérivées » is followed by its source note)
            text = re.sub(r"Tables dérivées\W.*?Provenance", "", text, flags=re.S)
            text = " ".join(word for word in text.split() if not re.search(r"[_./@]", word))
            assert english_runs(without_proper_nouns(text), vocabulary) == [], renderer


@pytest.mark.slow
def test_two_builds_give_byte_identical_pdfs(fallback_render, renders):
    """The PDFs' date is the code version's and their /ID is derived from fixed inputs, so a second
    build of the same code and data gives the same bytes, with either renderer (real Quarto's PDFs
    are compiled by the same pinned typst package: reporting.quarto_typst)."""
    root, first = fallback_render
    again = {"fallback": render_report(root, "fallback", "fallback_again")}
    if "quarto" in renders:
        again["quarto"] = render_report(root, "quarto", "quarto_again")
    for renderer, second in again.items():
        for language in ("fr", "en"):
            one, two = ((render["folder"] / "_output" / language / "index.pdf").read_bytes()
                        for render in (renders[renderer], second))
            assert one == two, (renderer, language)


def test_fallback_html_has_one_main_landmark(rendered):
    for profile in ("fr", "en"):
        html = rendered[profile]["html"]
        assert html.count("<main>") == html.count("</main>") == 1
        assert html.index("</nav>") < html.index("<main>") < html.index(FR_PARA if profile == "fr" else EN_PARA)


@pytest.mark.slow
def test_french_text_in_the_english_documents_is_marked_french(renders):
    """Screen readers read the French source statements and excerpts of the English documents
    with a French voice: each is inside an element with lang="fr"."""
    for renderer, render in renders.items():
        html = (render["folder"] / "_output" / "en" / "index.html").read_text(encoding="utf-8")
        assert html.count('lang="fr"') >= 19 + 10, renderer  # every finding's source, the excerpts
        assert html.count("<main") == 1, renderer


def pdf_figure_alts(pdf: Path) -> list[str] | None:
    """The alt texts of a PDF's Figure structure elements (what screen readers say for each
    figure), or None when the PDF is not tagged (Typst 0.13 writes no structure tree)."""
    import pypdf

    reader = pypdf.PdfReader(pdf)
    if "/StructTreeRoot" not in reader.trailer["/Root"]:
        return None
    numbers = {(num, gen) for gen, ids in reader.xref.items() for num in ids}
    numbers |= {(num, 0) for num in getattr(reader, "xref_objStm", {})}
    alts = []
    for num, gen in sorted(numbers):
        element = reader.get_object(pypdf.generic.IndirectObject(num, gen, reader))
        if isinstance(element, pypdf.generic.DictionaryObject) and element.get("/S") == "/Figure":
            alts.append(str(element.get("/Alt", "")))
    return alts


@pytest.mark.slow
@pytest.mark.parametrize("renderer", ["fallback", "quarto"])
def test_pdfs_declare_quebec_french_or_english_and_describe_each_figure(renders, renderer):
    """Both renderers' PDFs declare fr-CA / en-CA, and each figure carries the same alt text as in
    the HTML, in the document's language (a Typst set rule before each figure): both are compiled
    by the pinned typst package, whose PDFs are tagged (Quarto's own Typst 0.13 writes untagged
    PDFs: reporting.quarto_typst replaces it)."""
    if renderer not in renders:
        pytest.skip("real Quarto is not on PATH")
    folder = renders[renderer]["folder"]
    entries = json.loads((folder.parent / "data" / "derived" / "figures" / "figures.json").read_text(encoding="utf-8"))
    for language in ("fr", "en"):
        pdf = folder / "_output" / language / "index.pdf"
        assert pdf_catalog_language(pdf) == f"{language}-CA", (renderer, language)
        assert pdfinfo_fields(pdf)["Title"].strip(), (renderer, language, "the title is lost for viewers")
        alts = pdf_figure_alts(pdf)
        assert alts is not None, (renderer, language, "untagged PDF: no place for alt text")
        expected = [" ".join(entry["alt"][language].replace('"', "'").split()) for entry in entries]
        assert sorted(alts) == sorted(expected) and len(alts) == len(entries) >= 9, (renderer, language)


@pytest.mark.slow
@pytest.mark.parametrize("renderer", ["fallback", "quarto"])
def test_report_html_has_no_axe_violation(renders, renderer, tmp_path):
    """axe-core (tests/test_accessibility.py installs it) finds no violation in either language's
    HTML, on a desktop (1280 px) and on a phone (390 px, where wide tables scroll in their box)."""
    from test_accessibility import axe_violations, describe

    if renderer not in renders:
        pytest.skip("real Quarto is not on PATH")
    for language in ("fr", "en"):
        page = renders[renderer]["folder"] / "_output" / language / "index.html"
        for width in (1280, 390):
            found = axe_violations(page, tmp_path / f"{language}-{width}", width)
            assert found == [], f"{renderer} {language} {width} px:\n{describe(found)}"


def test_alt_text_becomes_a_valid_typst_string(tools, tmp_path):
    """Whatever a figure's description holds (quotes, backslashes, control characters, line
    breaks), the PDF's alt text is one valid Typst string with the same words: Typst itself
    compares it with the expected text, written here by hand as a Typst literal."""
    import typst

    from rlp_pipeline.reporting.document import typst_string

    literal = typst_string('Barres « 40 % » "cité" \\ C:\\dossier\x01fin\n  ligne')
    assert "\n" not in literal and "\x01" not in literal
    expected = '"Barres « 40 % » \\"cité\\" \\\\ C:\\\\dossier fin ligne"'
    (tmp_path / "a.typ").write_text(f"#assert.eq({literal}, {expected})\n", encoding="utf-8")
    typst.compile(str(tmp_path / "a.typ"), output=str(tmp_path / "a.pdf"))
    (tmp_path / "b.typ").write_text(f"#assert.eq({literal}, {expected[:-2]}\")\n", encoding="utf-8")
    with pytest.raises(Exception, match="equal"):  # the comparison can fail
        typst.compile(str(tmp_path / "b.typ"), output=str(tmp_path / "b.pdf"))
