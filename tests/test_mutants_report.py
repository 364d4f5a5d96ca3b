"""Report pieces checked on small derived tables built here, where the right text is known by hand.

Written for the mutants of rlp_pipeline/reporting/document.py that the report-numbers tests let through
(benchmarks/mutation-results.md): the shipped data have every group in every battery row, so a
battery row with an empty or absent group (small real data) was never shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rlp_pipeline.reporting.document import Report

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "data" / "raw" / "codebook.yaml"

BATTERY_COLUMNS = {
    "variable_type": "object", "code": "activities", "grouping": "group", "method": "Fisher exact test",
    "p_value": 0.5, "p_adjusted": 1.0, "adjustment": "Holm across the 2 exploratory rows of this table",
    "confirmatory_component": "", "risk_difference_pp": float("nan"), "rd_ci_low_pp": float("nan"),
    "rd_ci_high_pp": float("nan"), "effect_note": "", "odds_ratio": float("nan"), "odds_ratio_ci_low": float("nan"),
    "odds_ratio_ci_high": float("nan"), "or_orientation": "3-4 vs 1-2",
}


def report_with_battery(tmp_path: Path, rows: list[dict], language: str) -> Report:
    folder = tmp_path / "derived"
    (folder / "tests").mkdir(parents=True)
    pd.DataFrame([BATTERY_COLUMNS | row for row in rows]).to_csv(folder / "tests" / "battery.csv", index=False)
    return Report(folder, CODEBOOK, language)


def battery_cells(markdown: str) -> list[list[str]]:
    """The body rows of a pipe table, cell by cell (the header and the rule line left out)."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


@pytest.mark.parametrize("language, share", [("en", "62.5%"), ("fr", "62,5\u202f%")])
def test_a_group_absent_from_a_battery_row_is_shown_as_a_dash(tmp_path, language, share):
    """Small real data: no analysed plan in levels 1-2, so the battery row lists only 3-4 (5 of 8
    plans use the object): the 1-2 cell is a dash, the 3-4 cell 5/8 = 62.5%."""
    report = report_with_battery(tmp_path, [{"categories": "3-4", "plans_using": "5", "plans_in_category": "8"}], language)
    row = battery_cells(report.battery_table("F14", [("object", "activities")]))[0]
    assert row[1] == "–"
    assert row[2].replace("\u00a0", " ") == f"{share} (5/8)".replace("\u00a0", " ")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_group_with_no_plan_is_a_dash_not_a_division_by_zero(tmp_path, language):
    """A group listed with zero plans (0 of 0): a dash, never 0/0; the other group 3 of 4 = 75%."""
    report = report_with_battery(tmp_path, [{"categories": "1-2|3-4", "plans_using": "0|3", "plans_in_category": "0|4"}], language)
    row = battery_cells(report.battery_table("F14", [("object", "activities")]))[0]
    assert row[1] == "–"
    assert row[2].startswith("75") and row[2].endswith("(3/4)")
