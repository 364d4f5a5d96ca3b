"""Tests of the diversity stage on the hand-made sample of ``test_frequencies`` (see its docstring
for the 13 coded passages): every per-plan number below is computed by hand.

Strategy counts per plan (codebook order: resources, institutionalisation, appropriation,
policy_change; complexity ranks 1, 2, 3, 4)::

    RLP-001  [1, 3, 0, 0]  applied: inst            intended: inst, resources
    RLP-002  [1, 1, 0, 0]  applied: resources, inst intended: none
    RLP-003  [0, 1, 2, 1]  applied: policy, inst    intended: appropriation
    RLP-004  [0, 1, 1, 1]  applied: appr, inst      intended: policy
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rlp_pipeline.stages.diversity import MEASURES, TABLES, run_diversity
from test_frequencies import CODEBOOK, CODINGS, write_sample

LN2, LN3 = math.log(2), math.log(3)
EXPECTED_FILES = {"per_plan.csv", "summary.csv", "datapackage.json"}
PER_PLAN_COLUMNS = [
    "plan_id", "mobilisation_level", "mobilisation_group", "n_codings", "n_objects", "n_strategies",
    "n_substrategies", "shannon_strategies", "gini_simpson_strategies", "evenness_strategies",
    "shannon_substrategies", "gini_simpson_substrategies", "evenness_substrategies", "n_strategies_applied",
    "n_strategies_intended", "mean_complexity_applied", "mean_complexity_intended", "max_complexity_applied",
    "max_complexity_intended", "intends_more_complex", "hill0_strategies", "hill1_strategies", "hill2_strategies",
    "hill0_strategies_rarefied", "hill1_strategies_rarefied", "hill2_strategies_rarefied",
]
SUMMARY_COLUMNS = ["measure", "grouping", "group_value", "group_label_fr", "group_label_en", "n", "mean", "sd",
                   "median", "q1", "q3", "min", "max"]
NAN = float("nan")


def h(*shares: float) -> float:
    return -sum(p * math.log(p) for p in shares)


EXPECTED = {
    "RLP-001": {
        "n_codings": 4, "n_objects": 1, "n_strategies": 2, "n_substrategies": 2,
        "shannon_strategies": h(0.25, 0.75), "gini_simpson_strategies": 1 - (1 / 16 + 9 / 16),
        "evenness_strategies": h(0.25, 0.75) / LN2,
        # passage 3 has no sub-strategy: inst_expertise 2, res_financial 1
        "shannon_substrategies": h(2 / 3, 1 / 3), "gini_simpson_substrategies": 4 / 9,
        "evenness_substrategies": h(2 / 3, 1 / 3) / LN2,
        "n_strategies_applied": 1, "n_strategies_intended": 2,
        "mean_complexity_applied": 2.0, "mean_complexity_intended": 1.5,
        "max_complexity_applied": 2, "max_complexity_intended": 2, "intends_more_complex": 0,
    },
    "RLP-002": {
        "n_codings": 2, "n_objects": 2, "n_strategies": 2, "n_substrategies": 2,
        "shannon_strategies": LN2, "gini_simpson_strategies": 0.5, "evenness_strategies": 1.0,
        "shannon_substrategies": LN2, "gini_simpson_substrategies": 0.5, "evenness_substrategies": 1.0,
        "n_strategies_applied": 2, "n_strategies_intended": 0,
        "mean_complexity_applied": 1.5, "mean_complexity_intended": NAN,
        "max_complexity_applied": 2, "max_complexity_intended": NAN, "intends_more_complex": NAN,
    },
    "RLP-003": {
        "n_codings": 4, "n_objects": 3, "n_strategies": 3, "n_substrategies": 4,
        "shannon_strategies": 1.5 * LN2, "gini_simpson_strategies": 1 - (1 / 16 + 1 / 4 + 1 / 16),
        "evenness_strategies": 1.5 * LN2 / LN3,
        "shannon_substrategies": math.log(4), "gini_simpson_substrategies": 0.75, "evenness_substrategies": 1.0,
        "n_strategies_applied": 2, "n_strategies_intended": 1,
        "mean_complexity_applied": 3.0, "mean_complexity_intended": 3.0,  # equal: not "more complex"
        "max_complexity_applied": 4, "max_complexity_intended": 3, "intends_more_complex": 0,
    },
    "RLP-004": {
        "n_codings": 3, "n_objects": 1, "n_strategies": 3, "n_substrategies": 3,
        "shannon_strategies": LN3, "gini_simpson_strategies": 2 / 3, "evenness_strategies": 1.0,
        "shannon_substrategies": LN3, "gini_simpson_substrategies": 2 / 3, "evenness_substrategies": 1.0,
        "n_strategies_applied": 2, "n_strategies_intended": 1,
        "mean_complexity_applied": 2.5, "mean_complexity_intended": 4.0,
        "max_complexity_applied": 3, "max_complexity_intended": 4, "intends_more_complex": 1,
    },
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("diversity")
    run_diversity(write_sample(base / "sample"), CODEBOOK, base / "out")
    return base / "out"


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"group_value": str})


def assert_same(got, expected, label):
    if isinstance(expected, float) and math.isnan(expected):
        assert pd.isna(got), label
    else:
        assert got == pytest.approx(expected, abs=1e-12), label


# ------------------------------------------------------------------------------------- files


def test_writes_exactly_the_listed_files(out):
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert set(TABLES) == EXPECTED_FILES - {"datapackage.json"}


def test_columns_are_as_specified(out):
    assert list(read(out, "per_plan.csv").columns) == PER_PLAN_COLUMNS
    assert list(read(out, "summary.csv").columns) == SUMMARY_COLUMNS
    assert MEASURES == PER_PLAN_COLUMNS[3:]


def test_every_column_is_described_and_simulated_is_carried(out, tmp_path):
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["simulated"] is True
    for resource in package["resources"]:
        header = list(read(out, resource["path"]).columns)
        assert [field["name"] for field in resource["schema"]["fields"]] == header
        assert all(field["description"].strip() for field in resource["schema"]["fields"])
    types = {f["name"]: f["type"] for f in package["resources"][0]["schema"]["fields"]}
    assert types["intends_more_complex"] == "integer" and types["max_complexity_intended"] == "integer"
    run_diversity(write_sample(tmp_path / "sample", simulated=False), CODEBOOK, tmp_path / "out")
    assert json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))["simulated"] is False


def test_same_inputs_give_byte_identical_outputs(out, tmp_path):
    run_diversity(write_sample(tmp_path / "sample"), CODEBOOK, tmp_path / "again")
    for name in EXPECTED_FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


# ------------------------------------------------------------------------------------- per plan


def test_per_plan_hand_values(out):
    table = read(out, "per_plan.csv")
    assert table["plan_id"].tolist() == list(EXPECTED)  # RLP-005 has no coding: not analysed
    assert table["mobilisation_level"].tolist() == [1, 2, 3, 4]
    assert table["mobilisation_group"].tolist() == ["1-2", "1-2", "3-4", "3-4"]
    for _, r in table.iterrows():
        for column, expected in EXPECTED[r["plan_id"]].items():
            assert_same(r[column], expected, (r["plan_id"], column))


def test_missing_values_are_written_empty(out):
    lines = (out / "per_plan.csv").read_text(encoding="utf-8").splitlines()
    plan_002 = next(line for line in lines if line.startswith("RLP-002,"))
    # mean and max intended, intends_more_complex: empty; Hill numbers 2, 2, 2; rarefied to 4
    # passages: empty (the plan has 2)
    assert plan_002.endswith(",1.5,,2,,,2.0,2.0,2.0,,,")
    plan_001 = next(line for line in lines if line.startswith("RLP-001,"))
    # integers stay integers: ranks and the 0/1 flag; then the Hill numbers, observed and rarefied to
    # 4 passages, equal since the plan has 4 (exp(H) of 1:3 and 1 / (1/16 + 9/16) = 1.6)
    assert plan_001.endswith(",1,2,2.0,1.5,2,2,0,2.0,1.7547653506033232,1.6,2.0,1.7547653506033232,1.6")


def test_single_strategy_and_no_substrategy(tmp_path):
    """Only RLP-001's institutionalisation passages: one strategy (evenness undefined), one
    sub-strategy; then only the passage without a sub-strategy (no sub-strategy diversity)."""
    run_diversity(write_sample(tmp_path / "one", codings=CODINGS[:3]), CODEBOOK, tmp_path / "out_one")
    r = read(tmp_path / "out_one", "per_plan.csv").iloc[0]
    assert (r["n_codings"], r["n_strategies"], r["n_substrategies"]) == (3, 1, 1)
    assert r["shannon_strategies"] == 0.0 and r["gini_simpson_strategies"] == 0.0
    assert pd.isna(r["evenness_strategies"]) and pd.isna(r["evenness_substrategies"])
    assert r["n_strategies_applied"] == 1 and r["n_strategies_intended"] == 1
    assert r["intends_more_complex"] == 0  # same strategy both ways: equal means

    run_diversity(write_sample(tmp_path / "none", codings=CODINGS[2:3]), CODEBOOK, tmp_path / "out_none")
    r = read(tmp_path / "out_none", "per_plan.csv").iloc[0]
    assert (r["n_strategies"], r["n_substrategies"]) == (1, 0)
    assert pd.isna(r["shannon_substrategies"]) and pd.isna(r["gini_simpson_substrategies"])
    assert r["n_strategies_applied"] == 0 and pd.isna(r["mean_complexity_applied"])
    assert pd.isna(r["intends_more_complex"])


# ------------------------------------------------------------------------------------- summary


def test_summary_rows(out):
    table = read(out, "summary.csv")
    assert len(table) == len(MEASURES) * 7  # all, 4 levels, 2 groups
    first = table[table["measure"] == "n_codings"]
    assert first["grouping"].tolist() == ["all", "level", "level", "level", "level", "group", "group"]
    assert first["group_value"].tolist() == ["all", "1", "2", "3", "4", "1-2", "3-4"]
    assert first["group_label_en"].tolist()[0] == "All analysed plans"
    assert first["group_label_fr"].tolist()[-1] == "Coopération-collaboration (3-4)"


def summary_row(table, measure, value):
    rows = table[(table["measure"] == measure) & (table["group_value"] == value)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_summary_hand_values(out):
    table = read(out, "summary.csv")
    r = summary_row(table, "n_codings", "all")  # values 4, 2, 4, 3
    assert r["n"] == 4 and r["mean"] == pytest.approx(3.25)
    assert r["sd"] == pytest.approx(math.sqrt(2.75 / 3))  # squared deviations .5625+1.5625+.5625+.0625
    assert (r["median"], r["q1"], r["q3"], r["min"], r["max"]) == pytest.approx((3.5, 2.75, 4.0, 2.0, 4.0))
    r = summary_row(table, "n_codings", "3-4")  # RLP-003 and RLP-004 (RLP-005 is not analysed)
    assert r["n"] == 2 and r["mean"] == pytest.approx(3.5)
    r = summary_row(table, "n_codings", "3")
    assert r["n"] == 1 and r["mean"] == 4.0 and pd.isna(r["sd"])
    r = summary_row(table, "intends_more_complex", "all")  # 0, missing, 0, 1
    assert r["n"] == 3 and r["mean"] == pytest.approx(1 / 3)
    r = summary_row(table, "mean_complexity_intended", "all")  # 1.5, missing, 3, 4
    assert r["n"] == 3 and r["mean"] == pytest.approx(8.5 / 3) and r["median"] == 3.0
    r = summary_row(table, "intends_more_complex", "2")  # RLP-002 has no intended strategy
    assert r["n"] == 0 and np.isnan(r["mean"])
