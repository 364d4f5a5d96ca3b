"""The validation's fast pre-filter of suspect cells on fields the shipped data package does not
have (an integer with bounds but no codebook, a maximum length): written for the mutants of
rlp_pipeline/stages/validate.py the validation tests let through (benchmarks/mutation-results.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.stages.validate import suspect_cells

CODEBOOK = load_codebook(Path(__file__).resolve().parents[1] / "data" / "raw" / "codebook.yaml")


def suspects(values: list[str], field: dict) -> list[bool]:
    return suspect_cells(pd.Series(values, dtype=str), field, CODEBOOK).tolist()


def test_an_integer_with_bounds_and_no_codebook_is_checked_against_both_bounds_inclusive():
    field = {"name": "count", "type": "integer", "constraints": {"minimum": 1, "maximum": 5}}
    assert suspects(["0", "1", "3", "5", "6", "2.5", "x"], field) == [True, False, False, False, True, True, True]


def test_an_integer_with_only_one_bound():
    assert suspects(["0", "1", "900"], {"name": "n", "type": "integer", "constraints": {"minimum": 1}}) == [True, False, False]
    assert suspects(["0", "5", "6"], {"name": "n", "type": "integer", "constraints": {"maximum": 5}}) == [False, False, True]


def test_a_text_longer_than_its_maximum_length_is_suspect_and_one_at_it_is_not():
    field = {"name": "code", "type": "string", "constraints": {"maxLength": 3}}
    assert suspects(["ab", "abc", "abcd"], field) == [False, False, True]


def test_check_cell_names_a_value_beyond_a_bound_without_codebook():
    from rlp_pipeline.stages.validate import check_cell

    field = {"name": "count", "type": "integer", "constraints": {"minimum": 1, "maximum": 5}}
    assert check_cell("5", field, CODEBOOK, "f.csv", 3) == (5, None)
    assert check_cell("1", field, CODEBOOK, "f.csv", 3) == (1, None)  # both bounds inclusive
    for value in ("6", "0"):
        number, problem = check_cell(value, field, CODEBOOK, "f.csv", 3)
        assert number is None and (problem.file, problem.line, problem.column, problem.value) == ("f.csv", 3, "count", value)
    only_max = {"name": "count", "type": "integer", "constraints": {"maximum": 5}}
    assert check_cell("6", only_max, CODEBOOK, "f.csv", 4)[1] is not None and check_cell("1", only_max, CODEBOOK, "f.csv", 4) == (1, None)


def test_check_cell_refuses_a_whole_number_outside_the_codebook_without_bounds():
    """A codebook field with no minimum or maximum: the codebook's codes alone decide (levels 1-4)."""
    from rlp_pipeline.stages.validate import check_cell

    field = {"name": "level", "type": "integer", "codebook": "mobilisation_levels"}
    assert check_cell("2", field, CODEBOOK, "f.csv", 5) == (2, None)
    assert check_cell("5", field, CODEBOOK, "f.csv", 5)[1].value == "5"
    assert suspects(["2", "5"], field) == [False, True]
