"""The validation stage: what it accepts, what it refuses, and how it says so.

Each refusal test breaks one thing in a valid folder and checks the exit status, that the message
names the file, line, column, value and what was expected, and that nothing was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import SMALL_CODINGS, SMALL_PLANS, folder_digest
from rlp_pipeline.cli import EXIT_INPUT_PROBLEM, main


def run_validate(raw_dir: Path, out_dir: Path) -> int:
    return main(["--quiet", "validate", "--codebook", str(raw_dir / "codebook.yaml"),
                 "--datapackage", str(raw_dir / "datapackage.yaml"), "--out", str(out_dir)])


def refused(raw_dir: Path, tmp_path: Path, capsys) -> str:
    """Run validation on a broken folder; assert it failed cleanly; return the message."""
    before = folder_digest(raw_dir)
    out_dir = tmp_path / "derived" / "validated"
    status = run_validate(raw_dir, out_dir)
    message = capsys.readouterr().err
    assert status == EXIT_INPUT_PROBLEM, message
    assert not out_dir.exists(), "a refused input must leave no derived output"
    assert folder_digest(raw_dir) == before, "validation must never modify the raw folder"
    assert "Nothing was written" in message
    return message


# --- accepted input --------------------------------------------------------------------------

def test_valid_folder_gives_clean_tables_and_report(raw_dir, tmp_path):
    before = folder_digest(raw_dir)
    out_dir = tmp_path / "validated"
    assert run_validate(raw_dir, out_dir) == 0
    assert folder_digest(raw_dir) == before
    plans = pd.read_csv(out_dir / "plans.csv", dtype=str, keep_default_na=False)
    codings = pd.read_csv(out_dir / "codings.csv", dtype=str, keep_default_na=False)
    assert list(plans.columns) == ["plan_id", "name", "region", "mobilisation_level", "mobilisation_group", "source_line"]
    assert plans["mobilisation_group"].tolist() == ["1-2", "1-2", "3-4", "3-4"]
    assert codings["coding_id"].tolist() == ["1", "2", "3", "4", "5", "6"]
    assert codings["source_line"].tolist() == ["2", "3", "4", "5", "6", "7"]
    assert codings.loc[2, "excerpt"] == "Avec une virgule, dedans"
    provenance = json.loads((out_dir / "provenance.json").read_text())
    assert provenance["simulated"] is True
    assert provenance["counts"] == {"plans_in_frame": 4, "codings": 6, "plans_with_codings": 4, "plans_without_codings": 0}
    assert "Simulated data" in (out_dir / "validation_report.md").read_text()


def test_same_input_gives_byte_identical_outputs(raw_dir, tmp_path):
    assert run_validate(raw_dir, tmp_path / "one") == 0
    assert run_validate(raw_dir, tmp_path / "two") == 0
    assert folder_digest(tmp_path / "one") == folder_digest(tmp_path / "two")


def test_french_excel_csv_windows_1252_semicolons_crlf_and_spaces_is_accepted(raw_dir, tmp_path):
    codings = SMALL_CODINGS.replace("Une phrase", "Été : activités réalisées").replace(",", ";")
    codings = codings.replace('"Avec une virgule; dedans"', '"Avec un point-virgule; dedans"')
    codings = "\r\n".join(" " + line.replace(";", " ; ") for line in codings.splitlines()) + "\r\n;;;;;;\r\n"
    codings = codings.replace("point-virgule ;  dedans", "point-virgule; dedans")
    (raw_dir / "codings.csv").write_bytes(codings.encode("cp1252"))
    (raw_dir / "plans.csv").write_bytes(("\ufeff" + SMALL_PLANS).encode("utf-8"))
    out_dir = tmp_path / "validated"
    assert run_validate(raw_dir, out_dir) == 0
    codings_out = pd.read_csv(out_dir / "codings.csv", dtype=str, keep_default_na=False)
    assert codings_out.loc[0, "excerpt"] == "Été : activités réalisées"
    assert codings_out.loc[2, "excerpt"] == "Avec un point-virgule; dedans"
    assert codings_out.loc[0, "object"] == "activities"
    inputs = json.loads((out_dir / "provenance.json").read_text())["inputs"]
    facts = next(v for k, v in inputs.items() if k.endswith("codings.csv"))
    assert (facts["encoding"], facts["delimiter"], facts["blank_rows_skipped"]) == ("windows-1252", ";", 1)
    assert next(v for k, v in inputs.items() if k.endswith("plans.csv"))["encoding"] == "utf-8 with BOM"


def test_utf16_with_bom_and_upper_case_headers_are_accepted(raw_dir, tmp_path):
    plans = SMALL_PLANS.replace("plan_id,name,region,mobilisation_level", "Plan_ID,Name,Region,Mobilisation_Level")
    (raw_dir / "plans.csv").write_bytes(plans.encode("utf-16"))
    assert run_validate(raw_dir, tmp_path / "validated") == 0


def test_region_with_leading_zero_and_extra_columns_are_accepted(raw_dir, tmp_path):
    plans = SMALL_PLANS.replace("RLP-001,Regroupement A,6,1", "RLP-001,Regroupement A,06,1")
    plans = plans.replace("mobilisation_level\n", "mobilisation_level,notes\n")
    (raw_dir / "plans.csv").write_text(plans, encoding="utf-8")
    out_dir = tmp_path / "validated"
    assert run_validate(raw_dir, out_dir) == 0
    assert pd.read_csv(out_dir / "plans.csv")["region"].tolist()[0] == 6
    inputs = json.loads((out_dir / "provenance.json").read_text())["inputs"]
    assert next(v for k, v in inputs.items() if k.endswith("plans.csv"))["ignored_columns"] == ["notes"]


def test_plan_id_na_stays_a_string(raw_dir, tmp_path):
    (raw_dir / "plans.csv").write_text(SMALL_PLANS.replace("RLP-004", "NA"), encoding="utf-8")
    (raw_dir / "codings.csv").write_text(SMALL_CODINGS.replace("RLP-004", "NA"), encoding="utf-8")
    out_dir = tmp_path / "validated"
    assert run_validate(raw_dir, out_dir) == 0
    assert "NA" in pd.read_csv(out_dir / "plans.csv", dtype=str, keep_default_na=False)["plan_id"].tolist()


# --- refused input: files --------------------------------------------------------------------

def test_missing_file_is_named(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").unlink()
    message = refused(raw_dir, tmp_path, capsys)
    assert "codings.csv" in message and "does not exist" in message


def test_empty_file_is_refused(raw_dir, tmp_path, capsys):
    (raw_dir / "plans.csv").write_text("", encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "plans.csv" in message and "the file is empty" in message


def test_header_only_file_is_refused(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").write_text(SMALL_CODINGS.splitlines()[0] + "\n", encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codings.csv" in message and "only a header" in message


def test_missing_column_is_named_with_a_suggestion(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").write_text(SMALL_CODINGS.replace(",status,", ",statut,"), encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codings.csv, line 1, column 'status'" in message
    assert "a column named 'status'" in message
    assert "Is the column 'statut' meant to be it? Rename it to 'status'." in message


def test_row_with_too_many_values_is_refused(raw_dir, tmp_path, capsys):
    (raw_dir / "plans.csv").write_text(SMALL_PLANS.replace("RLP-002,Regroupement B,16,2", "RLP-002,Regroupement B,16,2,x"), encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "plans.csv, line 3" in message and "at most 4 values" in message


# --- refused input: values -------------------------------------------------------------------

def test_unknown_object_code_suggests_the_closest(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").write_text(SMALL_CODINGS.replace("RLP-002,relations", "RLP-002,relation"), encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codings.csv, line 4, column 'object': found 'relation'" in message
    assert "an object code from the codebook: activities, relations, structures" in message
    assert "Did you mean 'relations'?" in message


def test_strategy_typed_as_its_french_label_suggests_the_id(raw_dir, tmp_path, capsys):
    codings = SMALL_CODINGS.replace("RLP-001,activities,institutionalisation", "RLP-001,activities,Institutionnalisation")
    (raw_dir / "codings.csv").write_text(codings, encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "line 2, column 'strategy': found 'Institutionnalisation'" in message
    assert "Did you mean 'institutionalisation'?" in message


def test_unknown_substrategy_and_status_are_refused(raw_dir, tmp_path, capsys):
    codings = SMALL_CODINGS.replace("res_financial,intended", "res_finance,planned")
    (raw_dir / "codings.csv").write_text(codings, encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "line 3, column 'substrategy': found 'res_finance'" in message
    assert "Did you mean 'res_financial'?" in message
    assert "line 3, column 'status': found 'planned'; expected a status code from the codebook: applied, intended" in message


def test_substrategy_of_another_strategy_is_refused(raw_dir, tmp_path, capsys):
    codings = SMALL_CODINGS.replace("institutionalisation,inst_expertise", "institutionalisation,res_material")
    (raw_dir / "codings.csv").write_text(codings, encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codings.csv, line 2, column 'substrategy': found 'res_material'" in message
    assert "a sub-strategy of the coded strategy 'institutionalisation'" in message
    assert "'res_material' belongs to 'resources'" in message


def test_duplicate_plan_id_points_at_both_lines(raw_dir, tmp_path, capsys):
    (raw_dir / "plans.csv").write_text(SMALL_PLANS.replace("RLP-003,", "RLP-002,"), encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "plans.csv, line 4, column 'plan_id': found 'RLP-002'" in message
    assert "already at line 3" in message


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("", "found an empty value"), ("5", "found '5'"), ("0", "found '0'"), ("deux", "found 'deux'"), ("2.5", "found '2.5'")],
)
def test_missing_or_out_of_range_mobilisation_level(raw_dir, tmp_path, capsys, cell, shown):
    (raw_dir / "plans.csv").write_text(SMALL_PLANS.replace("Regroupement C,3,3", f"Regroupement C,3,{cell}"), encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert f"plans.csv, line 4, column 'mobilisation_level': {shown}" in message
    assert "a whole number from 1 to 4 (1 Networking, 2 Coordination, 3 Cooperation, 4 Collaboration)" in message


def test_coding_for_a_plan_absent_from_the_frame(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").write_text(SMALL_CODINGS.replace("RLP-004,relations", "RLP-0004,relations"), encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codings.csv, line 7, column 'plan_id': found 'RLP-0004'; expected the id of a plan listed in" in message
    assert "Did you mean 'RLP-004'?" in message


def test_every_problem_of_every_file_is_reported_at_once(raw_dir, tmp_path, capsys):
    (raw_dir / "plans.csv").write_text(SMALL_PLANS.replace(",6,1", ",6,9").replace(",16,2", ",18,2"), encoding="utf-8")
    codings = SMALL_CODINGS.replace("RLP-001,activities", "RLP-001,activity").replace("appr_norms", "norms")
    (raw_dir / "codings.csv").write_text(codings, encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "5 problems" in message
    for place in ("plans.csv, line 2, column 'mobilisation_level'", "plans.csv, line 3, column 'region'",
                  "codings.csv, line 2, column 'object'", "codings.csv, line 3, column 'object'",
                  "codings.csv, line 7, column 'substrategy'"):
        assert place in message


# --- refused input: codebook and data package ------------------------------------------------

def test_malformed_codebook_lists_each_defect(raw_dir, tmp_path, capsys):
    codebook = (raw_dir / "codebook.yaml").read_text(encoding="utf-8")
    codebook = codebook.replace("  - id: structures\n", "  - id: relations\n", 1)
    codebook = codebook.replace("    parent: policy_change\n", "", 1)
    codebook = codebook.replace('label: {fr: "Ressources matérielles", en: "Material resources"}',
                                'label: {fr: "Ressources matérielles"}')
    (raw_dir / "codebook.yaml").write_text(codebook, encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codebook.yaml" in message
    assert "column 'objects.id': found 'relations'; expected an id used once (it is already used in 'objects'" in message
    assert "column 'substrategies.parent'" in message and "the id of the strategy that sub-strategy 'policy_rlp' belongs to" in message
    assert "column 'substrategies.label.en'" in message and "an English label for code 'res_material'" in message


def test_codebook_that_is_not_yaml_is_refused_with_its_line(raw_dir, tmp_path, capsys):
    (raw_dir / "codebook.yaml").write_text("objects:\n  - id: a\n   label: [\n", encoding="utf-8")
    message = refused(raw_dir, tmp_path, capsys)
    assert "codebook.yaml, line" in message and "valid YAML" in message


def test_did_you_mean_ignores_case_accents_and_separators():
    from rlp_pipeline.problems import did_you_mean

    spellings = {"policy_change": "policy_change", "Changement de politiques": "policy_change"}
    assert did_you_mean("Changement de Politiques", spellings) == "Did you mean 'policy_change'?"
    assert did_you_mean("Policy-Change", spellings) == "Did you mean 'policy_change'?"
    assert did_you_mean("zzz", spellings) is None
