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


# ------------------------------------------------------------------------------------------
# The rest of the validation stage (second run: mutants of lines 83-376). The folder `raw_dir`
# (tests/conftest.py) holds the shipped codebook and data package with four plans and six codings.
# ------------------------------------------------------------------------------------------

import json  # noqa: E402

import pytest  # noqa: E402

from conftest import SMALL_CODINGS, SMALL_PLANS  # noqa: E402
from rlp_pipeline.problems import InputError  # noqa: E402
from rlp_pipeline.stages import validate  # noqa: E402


def problems_of(raw_dir: Path) -> list[tuple[str, int, str]]:
    """(file, line, column) of each problem the validation reports, in its order."""
    with pytest.raises(InputError) as refused:
        validate.validate_inputs(raw_dir / "codebook.yaml", raw_dir / "datapackage.yaml")
    return [(Path(p.file).name, p.line, p.column) for p in refused.value.problems]


def test_problems_of_the_coders_and_of_the_cells_come_in_line_order(raw_dir):
    """RLP-003 is coded by CD and (added, line 8) by EF, so its row without a coder (line 6) is a
    problem of the coders; line 7 has an unknown object (a problem of the cells, found first)."""
    codings = SMALL_CODINGS.replace("RLP-004,relations", "RLP-004,relation") + \
        "RLP-003,relations,appropriation,appr_norms,intended,,EF\n"
    (raw_dir / "codings.csv").write_text(codings, encoding="utf-8")
    assert problems_of(raw_dir) == [("codings.csv", 6, "coder"), ("codings.csv", 7, "object")]


def test_problems_of_one_file_come_by_line_then_by_column(raw_dir):
    """Cells are checked column by column; the problems are reported line by line, and on one line
    from left to right."""
    plans = SMALL_PLANS.replace("RLP-001,Regroupement A,6,1", "RLP-001,Regroupement A,6,7") \
                       .replace("RLP-002,Regroupement B,16,2", "RLP-002,Regroupement B,99,9")
    (raw_dir / "plans.csv").write_text(plans, encoding="utf-8")
    assert problems_of(raw_dir) == [("plans.csv", 2, "mobilisation_level"), ("plans.csv", 3, "region"),
                                    ("plans.csv", 3, "mobilisation_level")]


def test_check_cell_on_a_text_at_its_maximum_length_and_beyond():
    field = {"name": "note", "type": "string", "constraints": {"maxLength": 3}}
    assert validate.check_cell("abc", field, CODEBOOK, "f.csv", 2) == ("abc", None)
    long = "x" * 39 + "yz" + "w" * 10
    field = {"name": "note", "type": "string", "constraints": {"maxLength": 45}}
    _, problem = validate.check_cell(long, field, CODEBOOK, "f.csv", 2)
    assert problem.value == "x" * 39 + "y…"  # the first 40 characters, then an ellipsis
    assert "at most 45 characters in column 'note' (this value has 51;" in problem.expected


def test_check_cell_accepts_a_value_matching_its_pattern_and_refuses_one_that_does_not():
    field = {"name": "plan_id", "type": "string", "constraints": {"pattern": "[A-Z]+-[0-9]+"}}
    assert validate.check_cell("RLP-7", field, CODEBOOK, "f.csv", 2) == ("RLP-7", None)
    assert validate.check_cell("7 RLP", field, CODEBOOK, "f.csv", 2)[1].value == "7 RLP"


def test_check_cell_accepts_a_code_of_its_section_and_any_text_without_a_section():
    coded = {"name": "status", "type": "string", "codebook": "statuses"}
    assert validate.check_cell("applied", coded, CODEBOOK, "f.csv", 2) == ("applied", None)
    assert validate.check_cell("done", coded, CODEBOOK, "f.csv", 2)[1].value == "done"
    free = {"name": "excerpt", "type": "string"}
    assert validate.check_cell("applied or not", free, CODEBOOK, "f.csv", 2) == ("applied or not", None)


def test_the_description_of_a_field_without_codebook():
    bounded = {"name": "count", "type": "integer", "constraints": {"minimum": 0, "maximum": 10}}
    assert validate._describe(bounded, CODEBOOK) == "a whole number from 0 to 10"
    assert validate._describe({"name": "excerpt", "title": "Quoted Passage", "type": "string"}, CODEBOOK) == \
        "a value for quoted passage"
    assert validate._describe({"name": "excerpt", "type": "string"}, CODEBOOK) == "a value for excerpt"


def test_a_coding_without_substrategy_or_strategy_has_no_parent_problem():
    assert validate.parent_problems({"strategy": "resources", "substrategy": ""}, CODEBOOK, "f.csv", 2) == []
    assert validate.parent_problems({"strategy": "", "substrategy": "res_financial"}, CODEBOOK, "f.csv", 2) == []
    assert validate.parent_problems({"strategy": "resources", "substrategy": "res_financial"}, CODEBOOK, "f.csv", 2) == []
    [problem] = validate.parent_problems({"strategy": "resources", "substrategy": "appr_norms"}, CODEBOOK, "f.csv", 2)
    assert problem.value == "appr_norms" and "belongs to 'appropriation'" in problem.expected


def test_the_names_of_the_plans_are_kept_and_an_absent_name_column_is_empty():
    plans = pd.DataFrame({"plan_id": ["P1", "P2"], "name": ["Groupe A", ""], "region": [6, 16],
                          "mobilisation_level": [1, 4], "source_line": [2, 3]})
    clean = validate.clean_plans(plans, CODEBOOK)
    assert clean["name"].tolist() == ["Groupe A", ""]
    assert clean["mobilisation_group"].tolist() == [CODEBOOK.group_of_level(1), CODEBOOK.group_of_level(4)]
    assert validate.clean_plans(plans.drop(columns="name"), CODEBOOK)["name"].tolist() == ["", ""]


def test_the_coding_ids_number_the_rows_from_one_in_the_first_column():
    codings = pd.DataFrame({c: ["a", "b"] for c in validate.CODING_COLUMNS if c != "coding_id"})
    clean = validate.clean_codings(codings.drop(columns=["excerpt"]))
    assert clean.columns.tolist() == validate.CODING_COLUMNS
    assert clean["coding_id"].tolist() == [1, 2] and clean["excerpt"].tolist() == ["", ""]


def test_an_import_record_beside_the_tables_travels_in_the_provenance(raw_dir):
    assert "import" not in validate.validate_inputs(raw_dir / "codebook.yaml", raw_dir / "datapackage.yaml").provenance
    record = {"source": "export.qdpx", "kind": "REFI-QDA", "sha256": "ab" * 32, "unmapped_codes": []}
    (raw_dir / "import_record.json").write_text(json.dumps(record), encoding="utf-8")
    validated = validate.validate_inputs(raw_dir / "codebook.yaml", raw_dir / "datapackage.yaml")
    assert validated.provenance["import"] == record
    assert "imported from `export.qdpx` (REFI-QDA, SHA-256 `abababababababab…`)" in validated.report


def test_the_validation_report_lists_ignored_columns_and_short_checksums(raw_dir):
    """plans.csv gets an extra column 'note' (ignored); codings.csv has none ("none"); the
    codebook and the data package are not tables (empty cell). Checksums: 16 hex digits."""
    (raw_dir / "plans.csv").write_text(SMALL_PLANS.replace("mobilisation_level\n", "mobilisation_level,note\n")
                                       .replace(",1\n", ",1,x\n"), encoding="utf-8")
    validated = validate.validate_inputs(raw_dir / "codebook.yaml", raw_dir / "datapackage.yaml")
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in validated.report.splitlines() if line.startswith("| `")}
    plans = next(cells for path, cells in rows.items() if path.endswith("plans.csv`"))
    codings = next(cells for path, cells in rows.items() if path.endswith("codings.csv`"))
    codebook = next(cells for path, cells in rows.items() if path.endswith("codebook.yaml`"))
    assert plans[:5] == ["utf-8", ",", "4", "0", "note"] and codings[4] == "none" and codebook[4] == ""
    for cells in (plans, codings, codebook):
        assert len(cells[5]) == 16 + 3 and cells[5].startswith("`") and cells[5].endswith("…`")
    assert plans[5][1:17] == validated.provenance["inputs"][next(k for k in validated.provenance["inputs"]
                                                                  if k.endswith("plans.csv"))]["sha256"][:16]


def test_written_double_codings_are_the_given_ones_or_none(raw_dir, tmp_path):
    validated = validate.validate_inputs(raw_dir / "codebook.yaml", raw_dir / "datapackage.yaml")
    validated.double_coding = None
    validate.write_validated(validated, tmp_path / "a")
    empty = pd.read_csv(tmp_path / "a" / "double_coding.csv")
    assert empty.empty and empty.columns.tolist() == validate.CODING_COLUMNS
    validated.double_coding = validated.codings.iloc[:2]
    validate.write_validated(validated, tmp_path / "b")
    assert pd.read_csv(tmp_path / "b" / "double_coding.csv")["coding_id"].tolist() == [1, 2]
