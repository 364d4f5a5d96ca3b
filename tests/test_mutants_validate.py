"""The validation's fast pre-filter of suspect cells on fields the shipped data package does not
have (an integer with bounds but no codebook, a maximum length): written for the mutants of
rlp_pipeline/validate.py the validation tests let through (benchmarks/mutation-results.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.validate import suspect_cells

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
