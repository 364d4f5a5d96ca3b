"""The agreement stage on small double-coded data whose statistics are computed by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import RAW
from rlp_pipeline.cli import main
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.stages.agreement import agreement_tables, disagreements, verdict

SETTINGS = {"resamples": 200, "reliable": 0.800, "tentative": 0.667}


def write_agreement(derived, resamples: int = 100) -> dict:
    """Run the agreement stage into a derived folder that holds the validation stage's outputs
    (for the figures and report tests), with few resamples."""
    from rlp_pipeline.stages.agreement import run_agreement

    return run_agreement(derived / "validated", RAW / "codebook.yaml", dict(SETTINGS, resamples=resamples), 7,
                         derived / "agreement")

# P1: A names activities (twice, same passage "x"), B activities and relations (passage "x" too);
# P2: both name relations only. Statuses and strategies identical except where noted.
ROWS = [
    ("P1", "activities", "resources", "res_financial", "applied", "x", "A", 2),
    ("P1", "activities", "resources", "res_material", "applied", "x", "A", 3),
    ("P2", "relations", "institutionalisation", "", "intended", "", "A", 4),
    ("P1", "activities", "resources", "res_financial", "applied", "x", "B", 5),
    ("P1", "relations", "resources", "res_financial", "applied", "x", "B", 6),
    ("P2", "relations", "institutionalisation", "", "intended", "", "B", 7),
]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(RAW / "codebook.yaml")


@pytest.fixture
def codings():
    return pd.DataFrame(ROWS, columns=["plan_id", "object", "strategy", "substrategy", "status", "excerpt", "coder",
                                       "source_line"])


def test_plan_unit_object_statistics_by_hand(codings, codebook):
    dimensions, codes = agreement_tables(codings, codebook, SETTINGS, seed=1)
    row = dimensions.set_index(["unit", "dimension"]).loc[("plan", "object")]
    # Units (plan, object) and values (A, B): P1 act (1,1), rel (0,1), str (0,0); P2 act (0,0),
    # rel (1,1), str (0,0). Agreement 5 of 6. Kappa: p_o = 5/6, A uses 2/6, B 3/6, p_e = 1/2,
    # kappa = 2/3. Alpha (binary): n = 12 values, n_1 = 5, n_0 = 7, o_01 = 1:
    # alpha = 1 - (n - 1) o_01 / (n_0 n_1) = 1 - 11/35.
    assert row["units"] == 6 and row["plans"] == 2
    assert row["percent_agreement"] == pytest.approx(5 / 6, abs=1e-6)
    assert row["kappa"] == pytest.approx(2 / 3, abs=1e-6)
    assert row["alpha"] == pytest.approx(1 - 11 / 35, abs=1e-6)
    assert row["verdict"] == "tentative"
    code = codes.set_index(["unit", "dimension", "code"]).loc[("plan", "object", "activities")]
    assert code["percent_agreement"] == 1.0 and code["units"] == 2
    # Strategies agree everywhere: alpha 1.
    assert dimensions.set_index(["unit", "dimension"]).loc[("plan", "strategy"), "alpha"] == pytest.approx(1.0)


def test_passages_are_matched_by_excerpt(codings, codebook):
    dimensions, _ = agreement_tables(codings, codebook, SETTINGS, seed=1)
    passage = dimensions.set_index(["unit", "dimension"]).loc[("passage", "object")]
    # Only passage "x" of P1 is shared (P2's passages have no excerpt): 3 objects = 3 units.
    assert passage["units"] == 3 and passage["plans"] == 1
    assert passage["percent_agreement"] == pytest.approx(2 / 3, abs=1e-6)


def test_disagreement_list_names_plan_passage_and_codes_by_coder(codings, codebook):
    table = disagreements(codings, codebook)
    objects = table[table["dimension"] == "object"]
    assert objects["unit"].tolist() == ["plan", "passage"]
    assert objects["codes_by_coder"].tolist() == ["A: activities | B: activities, relations"] * 2
    assert objects["passage"].tolist() == ["", "x"]
    assert objects["source_lines"].tolist() == ["", "2 3 5 6"]
    subs = table[(table["dimension"] == "substrategy") & (table["unit"] == "plan")]
    assert subs["codes_by_coder"].tolist() == ["A: res_financial, res_material | B: res_financial"]
    assert table[table["plan_id"] == "P2"].empty


def test_verdict_thresholds():
    assert verdict(0.80, 0.800, 0.667) == "reliable"
    assert verdict(0.7999, 0.800, 0.667) == "tentative"
    assert verdict(0.5, 0.800, 0.667) == "unreliable"
    assert verdict(float("nan"), 0.800, 0.667) == "not assessable"


def test_stage_without_double_coding_says_so(raw_dir, tmp_path):
    validated, out = tmp_path / "validated", tmp_path / "agreement"
    assert main(["--quiet", "validate", "--codebook", str(raw_dir / "codebook.yaml"),
                 "--datapackage", str(raw_dir / "datapackage.yaml"), "--out", str(validated)]) == 0
    assert main(["--quiet", "agreement", "--validated", str(validated), "--codebook", str(raw_dir / "codebook.yaml"),
                 "--seed", "1", "--resamples", "100", "--out", str(out)]) == 0
    record = json.loads((out / "agreement_record.json").read_text())
    assert record["assessed"] is False and record["double_coded_plans"] == 0
    assert pd.read_csv(out / "dimensions.csv").empty
    package = json.loads((out / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {"dimensions.csv", "codes.csv", "disagreements.csv"}


def test_stage_is_reproducible_and_seeded(codings, codebook):
    one, _ = agreement_tables(codings, codebook, SETTINGS, seed=5)
    two, _ = agreement_tables(codings, codebook, SETTINGS, seed=5)
    pd.testing.assert_frame_equal(one, two)
