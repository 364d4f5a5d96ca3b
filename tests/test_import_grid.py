"""Excel coding grid import: French and English grids, labels or ids in the cells, errors that
name workbook, sheet, row and column, hostile workbooks, and the end-to-end equivalence with the
CSV route (a grid filled in from the shipped tables gives exactly the shipped tables)."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from conftest import RAW, primary_codings_bytes, primary_codings_rows
from rlp_pipeline.importers import import_export, import_grid, read_plans_frame, run_import, template_workbook
from rlp_pipeline.importers.values import (
    FRENCH_TITLES, cell_text, choice_text, code_value, column_titles, header_field, header_spellings, sheet_table,
)
from rlp_pipeline.io.outputs import csv_bytes
from rlp_pipeline.stages.validate import validate_inputs


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with these sheets (rows of cell values), in order."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def messages(result) -> str:
    return "\n".join(str(p) for p in result.problems)


def shipped():
    with open(RAW / "plans.csv", encoding="utf-8", newline="") as stream:
        plans = list(csv.DictReader(stream))
    return plans, primary_codings_rows()  # without the double coders' rows (test_agreement_imports)


# -- end to end ---------------------------------------------------------------------------------

def filled_template(codebook, package, language: str) -> bytes:
    """The template, filled in from the shipped tables as a person would with the drop-down
    lists: labels for codes, "6 – Montréal" for regions and levels."""
    plans, codings = shipped()
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook(codebook, package, language)))
    names = {"fr": ("Plans", "Codages"), "en": ("Plans", "Codings")}[language]
    sheet = workbook[names[0]]
    for row, plan in enumerate(plans, start=2):
        sheet.cell(row, 1, plan["plan_id"])
        sheet.cell(row, 2, plan["name"])
        sheet.cell(row, 3, choice_text("regions", int(plan["region"]), codebook, language))
        sheet.cell(row, 4, choice_text("mobilisation_levels", int(plan["mobilisation_level"]), codebook, language))
    sheet = workbook[names[1]]
    for row, coding in enumerate(codings, start=2):
        sheet.cell(row, 1, coding["plan_id"])
        sheet.cell(row, 2, codebook.label("objects", coding["object"], language))
        sheet.cell(row, 3, codebook.label("strategies", coding["strategy"], language))
        if coding["substrategy"]:
            sheet.cell(row, 4, codebook.label("substrategies", coding["substrategy"], language))
        sheet.cell(row, 5, codebook.label("statuses", coding["status"], language))
        sheet.cell(row, 6, coding["excerpt"] or None)
        sheet.cell(row, 7, coding["coder"] or None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_template_filled_in_french_gives_exactly_the_shipped_tables(codebook, package):
    result = import_grid(filled_template(codebook, package, "fr"), codebook, package)
    assert result.problems == [] and result.notes == []
    assert csv_bytes(result.plans) == (RAW / "plans.csv").read_bytes()
    assert csv_bytes(result.codings) == primary_codings_bytes()


def test_english_grid_of_ids_gives_exactly_the_shipped_tables_and_the_same_derived_tables(codebook, package, tmp_path):
    plans, codings = shipped()
    fields = {table: [f["name"] for f in package.resources[table].fields] for table in ("plans", "codings")}
    data = workbook_bytes({
        "Plans": [fields["plans"]] + [[int(v) if k in ("region", "mobilisation_level") else v for k, v in p.items()]
                                      for p in plans],
        "Codings": [list(column_titles(package, "codings", "en").values())] + [list(c.values()) for c in codings],
    })
    grid = tmp_path / "grid.xlsx"
    grid.write_bytes(data)
    out = tmp_path / "imported"
    result = run_import(grid, RAW / "codebook.yaml", RAW / "datapackage.yaml", out)
    assert result.problems == []
    assert (out / "plans.csv").read_bytes() == (RAW / "plans.csv").read_bytes()
    assert (out / "codings.csv").read_bytes() == primary_codings_bytes()
    imported = validate_inputs(RAW / "codebook.yaml", out / "datapackage.yaml")
    reference = validate_inputs(RAW / "codebook.yaml", RAW / "datapackage.yaml")
    pd.testing.assert_frame_equal(imported.codings, reference.codings)
    pd.testing.assert_frame_equal(imported.plans, reference.plans)


# -- headers, sheets and values ----------------------------------------------------------------

def test_every_column_of_the_data_package_has_a_french_title(package):
    for table in ("plans", "codings"):
        for field in package.resources[table].fields:
            assert field["name"] in FRENCH_TITLES


@pytest.mark.parametrize("header, name", [
    ("Identifiant du plan", "plan_id"), ("PLAN_ID", "plan_id"), ("Plan identifier", "plan_id"),
    ("Niveau de mobilisation", "mobilisation_level"), ("niveau de mobilisation (1 à 4)", "mobilisation_level"),
    ("Région", "region"), ("Objet", "object"), ("Stratégie", "strategy"), ("Sous-stratégie", "substrategy"),
    ("Sub-strategy", "substrategy"), ("Statut", "status"), ("Extrait", "excerpt"), ("Codeur", "coder"),
    ("Remarque", None),
])
def test_header_spellings(package, header, name):
    table = "plans" if name in ("plan_id", "mobilisation_level", "region", None) else "codings"
    assert header_field(header, header_spellings(package, table)) == name


def test_sheet_names_and_cell_values(codebook):
    assert sheet_table("Codages") == sheet_table("codings") == "codings"
    assert sheet_table("PLANS") == "plans" and sheet_table("Listes") is None
    assert code_value("Institutionnalisation", "strategies", codebook) == "institutionalisation"
    assert code_value("institutionalisation", "strategies", codebook) == "institutionalisation"
    assert code_value("Engage parents", "substrategies", codebook) == "appr_parents"
    assert code_value("3 – Coopération", "mobilisation_levels", codebook) == 3
    assert code_value("3.0", "mobilisation_levels", codebook) == 3
    assert code_value("Collaboration", "mobilisation_levels", codebook) == 4
    assert code_value("Montreal", "regions", codebook) == 6
    assert code_value("5", "mobilisation_levels", codebook) is None
    assert code_value("Institutionalisations", "strategies", codebook) is None  # near misses are not guessed
    assert cell_text(3.0) == "3" and cell_text(None) == "" and cell_text("  a  ") == "a"


def test_header_below_blank_rows_blank_rows_and_extra_columns(codebook, package):
    data = workbook_bytes({
        "Plans": [[], [None, None], ["plan_id", "Région", "Niveau", "Commentaire"], ["RLP-1", 6, 3, "x"]],
        "Codages": [["Identifiant du plan", "Objet", "Stratégie", "Statut", "Note"], [],
                    ["RLP-1", "activities", "Ressources", "Intention", "y"], [None] * 5],
    })
    result = import_grid(data, codebook, package, shown="grille.xlsx")
    assert result.problems == []
    assert result.plans.to_dict("records") == [{"plan_id": "RLP-1", "name": "", "region": "6", "mobilisation_level": "3"}]
    assert result.codings.to_dict("records") == [{"plan_id": "RLP-1", "object": "activities", "strategy": "resources",
                                                  "substrategy": "", "status": "intended", "excerpt": "", "coder": ""}]
    assert "Sheet 'Plans': columns ignored (not in the data package): Commentaire." in result.notes


def test_errors_name_workbook_sheet_row_column_value_and_expected(codebook, package):
    data = workbook_bytes({
        "Plans": [["Identifiant du plan", "Nom", "Région", "Niveau de mobilisation"],
                  ["RLP-1", "A", "6 – Montréal", 3], ["RLP-1", "B", "Montreal", 7], ["RLP 3", "C", 99, "Coopération"]],
        "Codages": [["Identifiant du plan", "Objet", "Stratégie", "Sous-stratégie", "Statut", "Extrait", "Codeur"],
                    ["RLP-1", "Activités / programmes", "Ressources", "Engager les parents", "Intention", "", "AB"],
                    ["RLP-9", "activitys", "Ressources", None, "Intention", None, None],
                    ["RLP-1", None, "policy_change", None, "applied", None, None]],
    })
    result = import_grid(data, codebook, package, shown="grille.xlsx")
    lines = [str(p) for p in result.problems]
    assert ("grille.xlsx, sheet 'Plans', row 3, column 'Niveau de mobilisation': found '7'; expected a value of the "
            "drop-down list: 1 – Réseautage; 2 – Coordination; 3 – Coopération; 4 – Collaboration (or a codebook id).") in lines
    assert ("grille.xlsx, sheet 'Plans', row 3, column 'Identifiant du plan': found 'RLP-1'; expected each plan "
            "identifier once (it is already at row 2).") in lines
    assert any(line.startswith("grille.xlsx, sheet 'Plans', row 4, column 'Région': found '99'") for line in lines)
    assert any(line.startswith("grille.xlsx, sheet 'Plans', row 4, column 'Identifiant du plan': found 'RLP 3'")
               for line in lines)
    assert ("grille.xlsx, sheet 'Codages', row 2, column 'Sous-stratégie': found 'appr_parents'; expected a "
            "sub-strategy of the coded strategy 'resources' (res_material, res_financial, res_human); "
            "'appr_parents' belongs to 'appropriation'.") in lines
    assert any("sheet 'Codages', row 3, column 'Objet': found 'activitys'" in line and "Did you mean 'activities'?" in line
               for line in lines)
    assert any("sheet 'Codages', row 3, column 'Identifiant du plan': found 'RLP-9'; expected the id of a plan "
               "listed in sheet 'Plans'" in line for line in lines)
    assert any("sheet 'Codages', row 4, column 'Objet': found an empty value" in line for line in lines)
    assert len(lines) == 8
    assert [p.place.split(",")[0] for p in result.problems][:4] == ["sheet 'Plans'"] * 4


def test_missing_columns_and_sheets_are_reported(codebook, package):
    data = workbook_bytes({"Feuil1": [["a"]], "Codages": [["Identifiant du plan", "Objet", "Strategie"], ["RLP-1", "x", "y"]]})
    text = messages(import_grid(data, codebook, package, shown="g.xlsx"))
    assert "g.xlsx, sheet 'Codages', row 1, column 'Statut': expected a column 'Statut' (status)" in text
    no_codings = workbook_bytes({"Plans": [["plan_id"]], "Données": [["x"]]})
    text = messages(import_grid(no_codings, codebook, package, shown="g.xlsx"))
    assert "expected a sheet of codings named 'Codages' or 'Codings' (the workbook has 'Plans', 'Données')" in text


def test_plans_from_plans_csv_when_the_plans_sheet_is_empty(codebook, package):
    frame, _ = read_plans_frame(RAW / "plans.csv")
    header = list(column_titles(package, "codings", "fr").values())
    rows = [header, ["RLP-001", "Activités / programmes", "Ressources", "", "Intention", "Un extrait", "AB"]]
    data = workbook_bytes({"Plans": [list(column_titles(package, "plans", "fr").values())], "Codages": rows})
    result = import_grid(data, codebook, package, frame)
    assert result.problems == []
    assert csv_bytes(result.plans) == (RAW / "plans.csv").read_bytes()
    unknown = workbook_bytes({"Codages": [header, ["RLP-999", "Activités / programmes", "Ressources", "", "Intention"]]})
    assert "expected the id of a plan listed in data/raw/plans.csv" in messages(import_grid(unknown, codebook, package, frame))
    both = workbook_bytes({"Plans": [["plan_id", "region", "mobilisation_level"], ["RLP-001", 6, 3]], "Codages": rows})
    assert "either a filled plans sheet or a plans.csv, not both" in messages(import_grid(both, codebook, package, frame))
    alone = workbook_bytes({"Codages": rows})
    assert "a sheet of plans named 'Plans' with at least one row, or a plans.csv" in messages(import_grid(alone, codebook, package))


def test_not_a_workbook_and_zip_bombs_are_refused(codebook, package, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (4 * 1024 * 1024))
    text = messages(import_grid(buffer.getvalue(), codebook, package, shown="bomb.xlsx"))
    assert "bomb.xlsx: found 'xl/worksheets/sheet1.xml'; expected a compression ratio of at most 200:1" in text
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("project.qde", b"<Project/>")
    assert "this zip archive holds no xl/workbook.xml" in messages(import_grid(other.getvalue(), codebook, package))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><workbook>&a;</workbook>")
    assert "Excel workbook" in messages(import_grid(broken.getvalue(), codebook, package))
    csv_file = tmp_path / "grid.csv"
    csv_file.write_text("plan_id\n", encoding="utf-8")
    result = import_export(csv_file, RAW / "codebook.yaml", RAW / "datapackage.yaml")
    assert "expected a REFI-QDA project (.qdpx or .qde) or an Excel grid (.xlsx)" in messages(result)
