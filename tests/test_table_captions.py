"""The rendered report's tables, title page and workbook, read as a reviewer would.

The project is copied and built once by Snakemake with the fallback renderer (40 stability redraws,
as tests/test_report_numbers.py does); when real Quarto is installed (/opt/quarto/bin/quarto or on
PATH), the same derived tables are rendered with it too and every check runs on both renderers'
documents. Checked: every table has a number, a caption and a sentence that refers to it; each
caption names the file the table comes from, a link that opens it from the HTML, its name only in
the PDF; the title page shows the authors and licence of config/report.yaml; the availability
statement is there; the workbook beside each language's documents holds the build's CSV files
value for value.
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from rlp_pipeline.fmt import typeset
from rlp_pipeline.reporting.column_labels import column_label
from rlp_pipeline.reporting.front_matter import load_front_matter
from rlp_pipeline.reporting.sources import REPORT_TABLES
from rlp_pipeline.reporting.workbook import WORKBOOK_NAMES, sheet_name

pytestmark = pytest.mark.slow

QUARTO = Path("/opt/quarto/bin/quarto")
PREFIX = {"fr": "Tableau", "en": "Table"}


@pytest.fixture(scope="module")
def built(fast_built_project) -> Path:
    """The project built once for the session by Snakemake, with the fallback renderer (tests/conftest.py)."""
    return fast_built_project


@pytest.fixture(scope="module")
def outputs(built) -> dict[str, Path]:
    """{renderer: the _output folder}: the fallback's (from the build), and real Quarto's when installed."""
    found = {"fallback": built / "report" / "_output"}
    quarto = shutil.which("quarto") or (str(QUARTO) if QUARTO.exists() else None)
    if quarto:
        from test_render import render_report

        saved = os.environ.get("PATH", "")
        os.environ["PATH"] = str(Path(quarto).parent) + os.pathsep + saved
        try:
            render = render_report(built, "quarto")
        finally:
            os.environ["PATH"] = saved
        assert render["warnings"] == []
        found["quarto"] = render["folder"] / "_output"
    return found


def text_of(fragment: str) -> str:
    """The text a reader sees in an HTML fragment (scripts and styles apart)."""
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def captions(page: str) -> list[str]:
    """Every table caption's HTML: <caption> (fallback) or a table float's <figcaption> (Quarto)."""
    found = re.findall(r"<caption[^>]*>(.*?)</caption>", page, re.S)
    found += [c for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", page, re.S)
              if re.match(r"\s*(Tableau|Table)\b", text_of(c))]
    return found


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_table_is_numbered_captioned_and_referred_to(outputs, language):
    for renderer, output in outputs.items():
        page = (output / language / "index.html").read_text(encoding="utf-8")
        tables = len(re.findall(r"<table\b", page))
        shown = [text_of(c) for c in captions(page)]
        assert tables > 30 and len(shown) == tables, (renderer, tables, len(shown))
        numbers = [int(re.match(rf"{PREFIX[language]}\W(\d+)", c)[1]) for c in shown]
        assert numbers == list(range(1, tables + 1)), renderer
        # (Quarto also gives each caption an id "<label>-caption-<uuid>")
        labels = [label for label in dict.fromkeys(re.findall(r'id="(tbl-[a-z0-9-]+)"', page)) if "-caption-" not in label]
        assert len(labels) == tables, renderer
        # each table is referred to from the text (a cross-reference link, « Tableau N »)
        for label in labels:
            assert re.search(rf'<a href="#{label}"[^>]*>{PREFIX[language]}\W\d+</a>', page), (renderer, label)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_caption_links_the_file_behind_its_table(outputs, language):
    for renderer, output in outputs.items():
        folder = output / language
        page = (folder / "index.html").read_text(encoding="utf-8")
        for caption in captions(page):
            links = [unquote(href) for href in re.findall(r'href="([^"#][^"]*)"', caption)]
            assert links, (renderer, text_of(caption))
            for link in links:
                assert not link.startswith(("/", "file:")), link
                assert (folder / link).exists(), (renderer, link)  # opens from the document's folder


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_pdf_names_each_source_without_the_relative_path(outputs, language):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    for renderer, output in outputs.items():
        page = (output / language / "index.html").read_text(encoding="utf-8")
        text = "".join(pdf_text(output / language / "index.pdf").split())
        assert "../" not in text, renderer
        for caption in captions(page):
            for name in re.findall(r"<code>([^<]+)</code>", caption):
                assert "".join(name.split()) in text, (renderer, name)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_title_page_and_availability_come_from_the_settings(built, outputs, language):
    settings = load_front_matter(built / "config" / "report.yaml")
    for renderer, output in outputs.items():
        source = (output / language / "index.html").read_text(encoding="utf-8")
        page, start = text_of(source), text_of(source.split('id="tbl-summary"', 1)[0])  # before the summary table
        for author in settings.authors:
            assert author.name in start, renderer
        assert settings.license in start and "LICENSE" in start
        assert ("config/report.yaml" in start) == settings.has_placeholders
        heading = "Disponibilité des données et du code" if language == "fr" else "Data and code availability"
        assert heading in page and WORKBOOK_NAMES[language] in page and "data/raw/" in page
        if shutil.which("pdftotext"):
            first_pages = " ".join(pdf_text(output / language / "index.pdf").split("\f")[:2])
            assert all(author.name in " ".join(first_pages.split()) for author in settings.authors), renderer


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_workbook_holds_the_builds_tables(built, language):
    book = load_workbook(built / "report" / "_output" / language / WORKBOOK_NAMES[language])
    for key in REPORT_TABLES:
        with (built / "data" / "derived" / key).open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        shown = list(book[sheet_name(key)].iter_rows(values_only=True))
        assert [str(h) for h in shown[0]] == [typeset(column_label(key, c, language), language) for c in header], key
        assert len(shown) == len(rows) + 1, key
        for cells, row in zip(shown[1:], rows):
            for cell, value in zip(cells, row):
                # numbers to Excel's 15 significant digits (openpyxl writes 16)
                assert (cell is None) if value == "" else (str(cell) == value if isinstance(cell, (bool, str))
                                                           else math.isclose(float(value), cell, rel_tol=1e-15)), \
                    (key, cell, value)
