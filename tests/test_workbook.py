"""The results workbook (rlp_pipeline.reporting.workbook): one sheet per derived table the report
uses, value for value the CSV file, headers in the workbook's language, the same bytes from one
build to the next."""

from __future__ import annotations

import csv
import json
import math
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rlp_pipeline.fmt import typeset
from rlp_pipeline.reporting.column_labels import COLUMN_LABELS, OVERRIDES, column_label
from rlp_pipeline.reporting.sources import REPORT_TABLES
from rlp_pipeline.reporting.workbook import WORKBOOK_NAMES, WORDS, build_workbook, sheet_name, write_workbook

ROWS = {
    "sample/balance.csv": [["variable", "category", "population_n", "population_pct", "difference_pct_points"],
                           ["mobilisation_level", "1", "34", "24.28571428571428", "-1.428571428571427"],
                           ["region", "17", "0", "", "1e-05"]],
    "findings/findings.csv": [["id", "short_fr", "simulated", "p_value", "reason"],
                              ["F01", "=1+1 n'est pas une formule", "True", "0.000123", "a, \"quoted\" text"],
                              ["M2", "", "False", "0.30000000000000004", "12345678901234567890"]],
}
TABLES = tuple(key for key in REPORT_TABLES if key in ROWS)  # in the report's order


@pytest.fixture
def derived(tmp_path: Path) -> Path:
    """A small derived folder: two tables with their data packages and the sampling record."""
    folder = tmp_path / "derived"
    for key, rows in ROWS.items():
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        (path.parent / "datapackage.json").write_text(json.dumps(
            {"resources": [{"path": path.name, "title": f"English title of {key}"}]}), encoding="utf-8")
    (folder / "sample" / "sampling_record.json").write_text(json.dumps({"simulated": True}), encoding="utf-8")
    return folder


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def same_value(cell, text: str) -> bool:
    """A workbook cell holds the CSV's value: empty for empty, the number the text writes (to
    Excel's 15 significant digits), the boolean True/False, or the very text."""
    if text == "":
        return cell is None
    if isinstance(cell, bool):
        return str(cell) == text
    if isinstance(cell, (int, float)):
        return math.isclose(float(text), cell, rel_tol=1e-15, abs_tol=0.0)
    return cell == text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_sheet_holds_its_csv_value_for_value_under_translated_headers(derived, tmp_path, language):
    path = write_workbook(derived, tmp_path / "out", language, "2026-11-30", TABLES)
    assert path.name == WORKBOOK_NAMES[language]
    book = load_workbook(path)
    tables = list(TABLES)
    assert book.sheetnames == [WORDS[language]["contents"]] + [sheet_name(key) for key in tables]
    for key in tables:
        header, *rows = csv_rows(derived / key)
        shown = list(book[sheet_name(key)].iter_rows(values_only=True))
        assert len(shown) == len(rows) + 1
        assert list(shown[0]) == [typeset(column_label(key, column, language), language) for column in header]
        for cells, row in zip(shown[1:], rows):
            assert len(cells) == len(row) and all(same_value(c, t) for c, t in zip(cells, row)), (key, cells, row)
    formula = book[sheet_name("findings/findings.csv")]["B2"]
    assert formula.data_type == "s" and formula.value.startswith("=1+1")  # data text never becomes a formula
    contents = [row for row in book[WORDS[language]["contents"]].iter_rows(values_only=True)]
    listed = {row[0]: row[1] for row in contents if row[1] and str(row[1]).startswith("data/derived/")}
    assert listed == {sheet_name(key): f"data/derived/{key}" for key in tables}
    assert any("simul" in str(row[0]).lower() for row in contents[:3])  # the simulated-data notice


def test_headers_differ_between_languages(derived, tmp_path):
    french = load_workbook(write_workbook(derived, tmp_path / "fr", "fr", "2026-11-30", TABLES))["balance"]
    english = load_workbook(write_workbook(derived, tmp_path / "en", "en", "2026-11-30", TABLES))["balance"]
    assert french["C1"].value == "Population (plans)" and french["E1"].value == "Écart (points de pourcentage)"
    assert english["E1"].value == "Difference (percentage points)"
    assert french["A2"].value == english["A2"].value == "mobilisation_level"  # values are the CSV's, untranslated


def test_two_builds_give_the_same_bytes(derived, tmp_path):
    first = write_workbook(derived, tmp_path / "one", "fr", "2026-11-30", TABLES).read_bytes()
    time.sleep(2.1)  # zip timestamps have a two-second resolution: the clock must not reach the file
    second = write_workbook(derived, tmp_path / "two", "fr", "2026-11-30", TABLES).read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "one" / WORKBOOK_NAMES["fr"]) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "2026-11-30T00:00:00Z" in core


def test_sheet_names_are_valid_and_unique():
    names = [sheet_name(key) for key in REPORT_TABLES]
    assert len(set(names)) == len(names) and all(1 <= len(name) <= 31 for name in names)
    with pytest.raises(ValueError, match="not valid in Excel"):
        sheet_name("x/" + "a" * 32 + ".csv")
    with pytest.raises(ValueError, match="not valid in Excel"):
        sheet_name("x/a:b.csv")


def test_both_languages_label_the_same_columns():
    assert set(COLUMN_LABELS["fr"]) == set(COLUMN_LABELS["en"])
    for columns in OVERRIDES.values():
        assert all(set(labels) == {"fr", "en"} for labels in columns.values())
    with pytest.raises(KeyError, match="no_such_column"):
        column_label("sample/balance.csv", "no_such_column", "fr")


def test_a_row_of_the_wrong_width_is_named(derived, tmp_path):
    path = derived / "sample" / "balance.csv"
    path.write_text(path.read_text(encoding="utf-8") + "region,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"sample/balance.csv, line 4: 2 cells; expected 5"):
        build_workbook(derived, "fr", True, tables=("sample/balance.csv",))
