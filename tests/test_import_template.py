"""The coding-grid template: sheets, headers and drop-down lists from the codebook, deterministic
bytes, and that a spreadsheet program (LibreOffice, headless) opens it with its drop-down lists.
The LibreOffice test is skipped when `soffice` is not installed."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from defusedxml.ElementTree import fromstring

from conftest import RAW
from rlp_pipeline.importers import import_grid, template_workbook, write_template
from rlp_pipeline.importers.template import LIST_ROWS, LIST_SECTIONS
from rlp_pipeline.importers.values import choice_text, column_titles

SHEETS = {"fr": ["Lisez-moi", "Plans", "Codages", "Listes"], "en": ["Read me", "Plans", "Codings", "Lists"]}


@pytest.fixture(scope="module")
def templates(codebook, package) -> dict[str, bytes]:
    return {language: template_workbook(codebook, package, language) for language in ("fr", "en")}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sheets_headers_and_hidden_lists(templates, codebook, package, language):
    workbook = openpyxl.load_workbook(io.BytesIO(templates[language]))
    assert workbook.sheetnames == SHEETS[language]
    readme, plans, codings, lists = (workbook[name] for name in SHEETS[language])
    assert lists.sheet_state == "hidden" and plans.sheet_state == codings.sheet_state == "visible"
    assert [c.value for c in plans[1]] == list(column_titles(package, "plans", language).values())
    assert [c.value for c in codings[1]] == list(column_titles(package, "codings", language).values())
    assert plans.freeze_panes == codings.freeze_panes == "A2"
    for column, (section, _) in enumerate(LIST_SECTIONS, start=1):
        values = [row[0] for row in lists.iter_rows(min_row=2, min_col=column, max_col=column, values_only=True) if row[0]]
        assert values == [choice_text(section, code_id, codebook, language) for code_id in codebook.ids(section)]
    text = " ".join(str(c.value) for row in readme.iter_rows() for c in row if c.value)
    assert codebook.version in text
    assert codebook.code("substrategies", "appr_parents").definition[language] in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_drop_down_lists_on_every_coded_column(templates, package, language):
    workbook = openpyxl.load_workbook(io.BytesIO(templates[language]))
    lists = SHEETS[language][3]
    found = {}
    for sheet in (workbook["Plans"], workbook[SHEETS[language][2]]):
        headers = [c.value for c in sheet[1]]
        for rule in sheet.data_validations.dataValidation:
            assert rule.type == "list" and rule.showErrorMessage and rule.allow_blank
            column = re.match(r"([A-Z]+)2:\1(\d+)", str(rule.sqref))
            assert column, rule.sqref
            header = headers[openpyxl.utils.column_index_from_string(column.group(1)) - 1]
            found[(sheet.title, header)] = (rule.formula1, int(column.group(2)))
    titles_p = column_titles(package, "plans", language)
    titles_c = column_titles(package, "codings", language)
    assert found[("Plans", titles_p["region"])] == (f"='{lists}'!$A$2:$A$18", LIST_ROWS["plans"] + 1)
    assert found[("Plans", titles_p["mobilisation_level"])][0] == f"='{lists}'!$B$2:$B$5"
    codings_sheet = SHEETS[language][2]
    assert found[(codings_sheet, titles_c["object"])] == (f"='{lists}'!$C$2:$C$4", LIST_ROWS["codings"] + 1)
    assert found[(codings_sheet, titles_c["strategy"])][0] == f"='{lists}'!$D$2:$D$5"
    assert found[(codings_sheet, titles_c["substrategy"])][0] == f"='{lists}'!$E$2:$E$14"
    assert found[(codings_sheet, titles_c["status"])][0] == f"='{lists}'!$F$2:$F$3"
    assert found[(codings_sheet, titles_c["plan_id"])][0] == f"='Plans'!$A$2:$A${LIST_ROWS['plans'] + 1}"
    assert len(found) == 7


def test_bytes_are_deterministic_and_the_file_is_written_atomically(templates, codebook, package, tmp_path):
    assert template_workbook(codebook, package, "fr") == templates["fr"]
    assert templates["fr"] != templates["en"]
    target = tmp_path / "out" / "grille.xlsx"
    write_template(target, codebook, package, "fr")
    assert target.read_bytes() == templates["fr"]
    assert [p.name for p in target.parent.iterdir()] == ["grille.xlsx"]


def test_an_untouched_template_reads_as_a_grid_without_codings(templates, codebook, package):
    result = import_grid(templates["fr"], codebook, package, shown="grille.xlsx")
    assert [str(p) for p in result.problems] == [
        "grille.xlsx: expected a sheet of plans named 'Plans' with at least one row, or a plans.csv.",
        "grille.xlsx, sheet 'Codages': expected at least one row under the header (the sheet has only a header)."]
    assert result.notes == []  # the read-me and lists sheets are the template's own


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_template_with_its_drop_down_lists(templates, package, tmp_path):
    """LibreOffice converts the template to its own flat XML format (.fods): the sheets are
    there, the lists sheet is hidden, and every coded column of every row of the template holds
    a content validation shown as a drop-down list of the lists sheet's cells."""
    source = tmp_path / "grille.xlsx"
    source.write_bytes(templates["fr"])
    profile = tmp_path / "profile"
    completed = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "fods", "--outdir", str(tmp_path), str(source)],
        capture_output=True, text=True, timeout=120)
    converted = tmp_path / "grille.fods"
    assert converted.is_file(), completed.stdout + completed.stderr
    ns = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
          "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0"}
    root = fromstring(converted.read_bytes())
    tables = {t.get(f"{{{ns['table']}}}name"): t for t in root.iter(f"{{{ns['table']}}}table")}
    assert list(tables) == SHEETS["fr"]
    hidden_styles = {s.get(f"{{{ns['style']}}}name") for s in root.iter(f"{{{ns['style']}}}style")
                     for p in s.iter(f"{{{ns['style']}}}table-properties") if p.get(f"{{{ns['table']}}}display") == "false"}
    assert tables["Listes"].get(f"{{{ns['table']}}}style-name") in hidden_styles
    validations = {v.get(f"{{{ns['table']}}}name"): v for v in root.iter(f"{{{ns['table']}}}content-validation")}
    assert len(validations) == 7
    for validation in validations.values():
        assert validation.get(f"{{{ns['table']}}}display-list") == "unsorted"  # shown as a drop-down list
        assert re.fullmatch(r"of:cell-content-is-in-list\(\[\$(Listes|Plans)\.\$[A-F]\$2:\.\$[A-F]\$\d+\]\)",
                            validation.get(f"{{{ns['table']}}}condition"))
    for sheet, count, rows in (("Plans", 2, LIST_ROWS["plans"]), ("Codages", 5, LIST_ROWS["codings"])):
        with_lists = [row for row in tables[sheet].iter(f"{{{ns['table']}}}table-row")
                      if any(c.get(f"{{{ns['table']}}}content-validation-name") for c in row)]
        assert len(with_lists) == 1
        cells = [c.get(f"{{{ns['table']}}}content-validation-name") for c in with_lists[0]]
        assert len([c for c in cells if c]) == count
        assert int(with_lists[0].get(f"{{{ns['table']}}}number-rows-repeated", 1)) == rows


def test_write_templates_writes_both_languages(templates, codebook, package, tmp_path):
    from rlp_pipeline.importers.template import write_templates

    written = write_templates(tmp_path, codebook, package)
    assert sorted(p.name for p in written) == ["coding-grid.xlsx", "grille-de-codage.xlsx"]
    assert (tmp_path / "grille-de-codage.xlsx").read_bytes() == templates["fr"]
    assert (tmp_path / "coding-grid.xlsx").read_bytes() == templates["en"]
