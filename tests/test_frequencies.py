"""Tests of the frequencies stage on a tiny hand-made sample where every number is counted by hand.

The sample (``write_sample``): a frame of N = 10 plans, 5 sampled, 4 analysed. RLP-005 is sampled
but has no coding, so it is in no denominator. Codings (passage number: plan, object, strategy,
sub-strategy, status)::

     1 RLP-001 activities institutionalisation inst_expertise      applied
     2 RLP-001 activities institutionalisation inst_expertise      applied
     3 RLP-001 activities institutionalisation (none)              intended   <- RLP-001 codes it 3 times
     4 RLP-001 activities resources            res_financial       intended
     5 RLP-002 activities resources            res_material        applied
     6 RLP-002 relations  institutionalisation inst_engagement     applied
     7 RLP-003 relations  appropriation        appr_norms          intended
     8 RLP-003 relations  appropriation        appr_parents        intended
     9 RLP-003 structures policy_change        policy_institutions applied
    10 RLP-003 activities institutionalisation inst_expertise      applied
    11 RLP-004 relations  appropriation        appr_norms          applied
    12 RLP-004 relations  policy_change        policy_rlp          intended
    13 RLP-004 relations  institutionalisation inst_expertise      applied

Levels: RLP-001 1, RLP-002 2, RLP-003 3, RLP-004 4, RLP-005 3 (not analysed).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from rlp_pipeline.stages.frequencies import TABLES, run_frequencies

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "data" / "raw" / "codebook.yaml"
POPULATION = 10
ANALYSED = 4

PLANS = [
    # plan_id, region, level
    ("RLP-001", 6, 1),
    ("RLP-002", 16, 2),
    ("RLP-003", 3, 3),
    ("RLP-004", 1, 4),
    ("RLP-005", 5, 3),
]
CODINGS = [
    ("RLP-001", "activities", "institutionalisation", "inst_expertise", "applied"),
    ("RLP-001", "activities", "institutionalisation", "inst_expertise", "applied"),
    ("RLP-001", "activities", "institutionalisation", "", "intended"),
    ("RLP-001", "activities", "resources", "res_financial", "intended"),
    ("RLP-002", "activities", "resources", "res_material", "applied"),
    ("RLP-002", "relations", "institutionalisation", "inst_engagement", "applied"),
    ("RLP-003", "relations", "appropriation", "appr_norms", "intended"),
    ("RLP-003", "relations", "appropriation", "appr_parents", "intended"),
    ("RLP-003", "structures", "policy_change", "policy_institutions", "applied"),
    ("RLP-003", "activities", "institutionalisation", "inst_expertise", "applied"),
    ("RLP-004", "relations", "appropriation", "appr_norms", "applied"),
    ("RLP-004", "relations", "policy_change", "policy_rlp", "intended"),
    ("RLP-004", "relations", "institutionalisation", "inst_expertise", "applied"),
]

EXPECTED_FILES = {
    "objects.csv", "strategies.csv", "substrategies.csv", "statuses.csv", "strategy_status.csv",
    "object_strategy.csv", "by_level.csv", "analysed_plans.csv", "datapackage.json",
}


def write_sample(folder: Path, codings=CODINGS, simulated: bool = True) -> Path:
    """A sampling-stage folder with the same columns as the real one."""
    folder.mkdir(parents=True, exist_ok=True)
    plans = pd.DataFrame({
        "plan_id": [p[0] for p in PLANS],
        "name": [f"Groupe {i}" for i in range(1, len(PLANS) + 1)],
        "region": [p[1] for p in PLANS],
        "mobilisation_level": [p[2] for p in PLANS],
        "mobilisation_group": ["1-2" if p[2] <= 2 else "3-4" for p in PLANS],
        "source_line": list(range(2, len(PLANS) + 2)),
        "sampling_rank": list(range(1, len(PLANS) + 1)),
    })
    plans.to_csv(folder / "sampled_plans.csv", index=False)
    table = pd.DataFrame(list(codings), columns=["plan_id", "object", "strategy", "substrategy", "status"])
    table.insert(0, "coding_id", range(1, len(table) + 1))
    table["excerpt"] = ""
    table["coder"] = "AB"
    table["source_line"] = range(2, len(table) + 2)
    table[["coding_id", "plan_id", "object", "strategy", "substrategy", "status", "excerpt", "coder",
           "source_line"]].to_csv(folder / "codings.csv", index=False)
    record = {"population_size": POPULATION, "sample_size": len(PLANS), "simulated": simulated, "seed": 1}
    (folder / "sampling_record.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("frequencies")
    sample = write_sample(base / "sample")
    run_frequencies(sample, CODEBOOK, base / "out")
    return base / "out"


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype={"group_value": str})


def fpc_wilson(count: float, n: float, population: float) -> tuple[float, float]:
    """The expected interval, computed independently: statsmodels' Wilson at n* = n(N-1)/(N-n)."""
    if n == population:
        return count / n, count / n
    effective = n * (population - 1) / (population - n)
    return proportion_confint(count * effective / n, effective, alpha=0.05, method="wilson")


def row(table: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(table), dtype=bool)
    for column, value in keys.items():
        mask &= (table[column] == value).to_numpy()
    assert mask.sum() == 1, keys
    return table[mask].iloc[0]


# ------------------------------------------------------------------------------------- files


def test_writes_exactly_the_listed_files(out):
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert set(TABLES) == EXPECTED_FILES - {"datapackage.json"}


def test_columns_are_as_specified(out):
    expected = {
        "objects.csv": ["object", "label_fr", "label_en", "plans_using", "plans_total", "share", "ci_low",
                        "ci_high", "codings"],
        "strategies.csv": ["strategy", "label_fr", "label_en", "complexity_rank", "plans_using", "plans_total",
                           "share", "ci_low", "ci_high", "codings"],
        "substrategies.csv": ["strategy", "substrategy", "label_fr", "label_en", "plans_using",
                              "plans_using_strategy", "share_within_strategy", "ci_low", "ci_high",
                              "share_of_all_plans", "codings", "share_of_strategy_codings"],
        "statuses.csv": ["status", "label_fr", "label_en", "plans_with_status", "plans_total", "share", "ci_low",
                         "ci_high", "codings"],
        "strategy_status.csv": ["strategy", "status", "strategy_label_fr", "strategy_label_en", "status_label_fr",
                                "status_label_en", "plans_using", "plans_total", "share", "ci_low", "ci_high"],
        "object_strategy.csv": ["object", "strategy", "object_label_fr", "object_label_en", "strategy_label_fr",
                                "strategy_label_en", "plans_using_pair", "plans_naming_object",
                                "share_within_object", "ci_low", "ci_high", "share_of_all_plans", "codings"],
        "by_level.csv": ["grouping", "group_value", "group_label_fr", "group_label_en", "variable_type", "code",
                         "label_fr", "label_en", "plans_using", "plans_in_group", "share", "ci_low", "ci_high"],
        "analysed_plans.csv": ["plan_id", "mobilisation_level", "mobilisation_group", "region"],
    }
    for name, columns in expected.items():
        assert list(read(out, name).columns) == columns, name


def test_every_column_is_described_and_simulated_is_carried(out, tmp_path):
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["simulated"] is True
    assert "SIMULATED" in package["description"]
    described = {resource["path"]: resource for resource in package["resources"]}
    assert set(described) == EXPECTED_FILES - {"datapackage.json"}
    for name, resource in described.items():
        header = list(read(out, name).columns)
        fields = resource["schema"]["fields"]
        assert [field["name"] for field in fields] == header
        assert all(field["description"].strip() for field in fields), name
        assert resource["title"].strip() and resource["description"].strip()
    interval = {f["name"]: f["description"] for f in described["objects.csv"]["schema"]["fields"]}["ci_low"]
    assert "Wilson" in interval and "finite population correction" in interval
    by_level = {f["name"]: f["description"] for f in described["by_level.csv"]["schema"]["fields"]}["ci_low"]
    assert "WITHOUT finite population correction" in by_level

    real = write_sample(tmp_path / "sample", simulated=False)
    run_frequencies(real, CODEBOOK, tmp_path / "out")
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["simulated"] is False and "SIMULATED" not in package["description"]


def test_same_inputs_give_byte_identical_outputs(out, tmp_path):
    run_frequencies(write_sample(tmp_path / "sample"), CODEBOOK, tmp_path / "again")
    for name in EXPECTED_FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_logs_a_line_per_table(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="rlp_pipeline.stages.frequencies"):
        run_frequencies(write_sample(tmp_path / "sample"), CODEBOOK, tmp_path / "out")
    text = caplog.text
    for name in EXPECTED_FILES - {"datapackage.json"}:
        assert name in text, name


# ------------------------------------------------------------------------------------- numbers


def test_analysed_plans_leave_out_the_sampled_plan_without_codings(out):
    plans = read(out, "analysed_plans.csv")
    assert plans["plan_id"].tolist() == ["RLP-001", "RLP-002", "RLP-003", "RLP-004"]
    assert plans["mobilisation_level"].tolist() == [1, 2, 3, 4]
    assert plans["mobilisation_group"].tolist() == ["1-2", "1-2", "3-4", "3-4"]
    assert plans["region"].tolist() == [6, 16, 3, 1]


def test_objects(out):
    table = read(out, "objects.csv")
    assert table["object"].tolist() == ["activities", "relations", "structures"]  # codebook order
    assert table["plans_using"].tolist() == [3, 3, 1]
    assert table["plans_total"].tolist() == [ANALYSED] * 3  # RLP-005 (no coding) is not counted
    assert table["share"].tolist() == pytest.approx([0.75, 0.75, 0.25])
    assert table["codings"].tolist() == [6, 6, 1]
    assert table["label_en"].tolist() == ["Activities / programmes", "Relationships / collaborations",
                                          "Structures / ways of working"]
    assert table["label_fr"][0] == "Activités / programmes"
    for _, r in table.iterrows():
        assert (r["ci_low"], r["ci_high"]) == pytest.approx(fpc_wilson(r["plans_using"], ANALYSED, POPULATION),
                                                            abs=1e-10)


def test_strategies_count_a_plan_once(out):
    table = read(out, "strategies.csv")
    assert table["strategy"].tolist() == ["resources", "institutionalisation", "appropriation", "policy_change"]
    assert table["complexity_rank"].tolist() == [1, 2, 3, 4]
    # RLP-001 codes institutionalisation 3 times: it counts once among the 4 plans.
    assert table["plans_using"].tolist() == [2, 4, 2, 2]
    assert table["share"].tolist() == pytest.approx([0.5, 1.0, 0.5, 0.5])
    assert table["codings"].tolist() == [2, 6, 3, 2]
    inst = row(table, strategy="institutionalisation")
    assert (inst["ci_low"], inst["ci_high"]) == pytest.approx(fpc_wilson(4, 4, POPULATION), abs=1e-10)
    assert inst["ci_high"] == 1.0


def test_substrategies_within_their_strategy(out):
    table = read(out, "substrategies.csv")
    assert table["substrategy"].tolist()[:4] == ["inst_expertise", "inst_engagement", "inst_strategic_choices",
                                                 "inst_shared_vision"]
    expected = {
        # substrategy: (plans_using, plans_using_strategy, codings, share_of_strategy_codings)
        "inst_expertise": (3, 4, 4, 4 / 5),     # 5 institutionalisation passages name a sub-strategy
        "inst_engagement": (1, 4, 1, 1 / 5),
        "inst_strategic_choices": (0, 4, 0, 0.0),
        "inst_shared_vision": (0, 4, 0, 0.0),
        "appr_norms": (2, 2, 2, 2 / 3),
        "appr_champions": (0, 2, 0, 0.0),
        "appr_parents": (1, 2, 1, 1 / 3),
        "appr_celebrate": (0, 2, 0, 0.0),
        "policy_rlp": (1, 2, 1, 1 / 2),
        "policy_institutions": (1, 2, 1, 1 / 2),
        "res_material": (1, 2, 1, 1 / 2),
        "res_financial": (1, 2, 1, 1 / 2),
        "res_human": (0, 2, 0, 0.0),
    }
    assert set(table["substrategy"]) == set(expected)
    for sub, (using, parent, codings, coding_share) in expected.items():
        r = row(table, substrategy=sub)
        assert (r["plans_using"], r["plans_using_strategy"], r["codings"]) == (using, parent, codings), sub
        assert r["share_within_strategy"] == pytest.approx(using / parent)
        assert r["share_of_all_plans"] == pytest.approx(using / ANALYSED)
        assert r["share_of_strategy_codings"] == pytest.approx(coding_share)
        # The domain's size in the frame is estimated as parent x N / n.
        domain = parent * POPULATION / ANALYSED
        assert (r["ci_low"], r["ci_high"]) == pytest.approx(fpc_wilson(using, parent, domain), abs=1e-10), sub
    assert row(table, substrategy="appr_norms")["strategy"] == "appropriation"


def test_statuses_and_strategy_status(out):
    statuses = read(out, "statuses.csv")
    assert statuses["status"].tolist() == ["applied", "intended"]
    assert statuses["plans_with_status"].tolist() == [4, 3]
    assert statuses["codings"].tolist() == [8, 5]
    assert statuses["share"].tolist() == pytest.approx([1.0, 0.75])
    table = read(out, "strategy_status.csv")
    expected = {
        ("resources", "applied"): 1, ("resources", "intended"): 1,
        ("institutionalisation", "applied"): 4, ("institutionalisation", "intended"): 1,
        ("appropriation", "applied"): 1, ("appropriation", "intended"): 1,
        ("policy_change", "applied"): 1, ("policy_change", "intended"): 1,
    }
    assert list(zip(table["strategy"], table["status"])) == list(expected)
    assert table["plans_using"].tolist() == list(expected.values())
    assert table["plans_total"].tolist() == [ANALYSED] * 8
    r = row(table, strategy="institutionalisation", status="intended")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(fpc_wilson(1, ANALYSED, POPULATION), abs=1e-10)
    assert r["status_label_fr"] == "Intention" and r["strategy_label_en"] == "Institutionalisation"


def test_object_strategy_pairs(out):
    table = read(out, "object_strategy.csv")
    assert len(table) == 12
    using = {(o, s): u for o, s, u in zip(table["object"], table["strategy"], table["plans_using_pair"])}
    assert using == {
        ("activities", "resources"): 2, ("activities", "institutionalisation"): 2,
        ("activities", "appropriation"): 0, ("activities", "policy_change"): 0,
        ("relations", "resources"): 0, ("relations", "institutionalisation"): 2,
        ("relations", "appropriation"): 2, ("relations", "policy_change"): 1,
        ("structures", "resources"): 0, ("structures", "institutionalisation"): 0,
        ("structures", "appropriation"): 0, ("structures", "policy_change"): 1,
    }
    codings = {(o, s): c for o, s, c in zip(table["object"], table["strategy"], table["codings"])}
    assert codings[("activities", "institutionalisation")] == 4
    assert codings[("relations", "appropriation")] == 3
    assert table["codings"].sum() == len(CODINGS)
    naming = dict(zip(table["object"], table["plans_naming_object"]))
    assert naming == {"activities": 3, "relations": 3, "structures": 1}
    r = row(table, object="relations", strategy="appropriation")
    assert r["share_within_object"] == pytest.approx(2 / 3)
    assert r["share_of_all_plans"] == pytest.approx(2 / 4)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(fpc_wilson(2, 3, 3 * POPULATION / ANALYSED), abs=1e-10)
    assert r["object_label_en"] == "Relationships / collaborations" and r["strategy_label_fr"] == \
        "Appropriation par la communauté"


def test_by_level(out):
    table = read(out, "by_level.csv")
    # 4 levels + 2 groups, each with 3 objects + 4 strategies + 13 sub-strategies.
    assert len(table) == 6 * 20
    assert table["group_value"].unique().tolist() == ["1", "2", "3", "4", "1-2", "3-4"]
    sizes = table.groupby("group_value", sort=False)["plans_in_group"].first().to_dict()
    assert sizes == {"1": 1, "2": 1, "3": 1, "4": 1, "1-2": 2, "3-4": 2}  # RLP-005 (level 3) not counted
    r = row(table, grouping="group", group_value="1-2", code="relations")
    assert (r["plans_using"], r["share"], r["variable_type"]) == (1, 0.5, "object")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(proportion_confint(1, 2, method="wilson"), abs=1e-10)
    assert r["group_label_fr"] == "Réseautage-coordination (1-2)"
    r = row(table, grouping="group", group_value="3-4", code="relations")
    assert (r["plans_using"], r["plans_in_group"]) == (2, 2)
    r = row(table, grouping="level", group_value="1", code="institutionalisation")
    assert (r["plans_using"], r["variable_type"], r["group_label_en"]) == (1, "strategy", "Networking")
    r = row(table, grouping="level", group_value="3", code="appr_norms")
    assert (r["plans_using"], r["variable_type"]) == (1, "substrategy")


def test_an_unused_strategy_has_empty_shares_within_it(tmp_path):
    """Only RLP-001's codings: appropriation is used by no plan, so shares within it are undefined."""
    sample = write_sample(tmp_path / "sample", codings=CODINGS[:4])
    run_frequencies(sample, CODEBOOK, tmp_path / "out")
    table = read(tmp_path / "out", "substrategies.csv")
    r = row(table, substrategy="appr_norms")
    assert r["plans_using_strategy"] == 0
    assert np.isnan(r["share_within_strategy"]) and np.isnan(r["ci_low"]) and np.isnan(r["ci_high"])
    assert np.isnan(r["share_of_strategy_codings"])
    assert r["share_of_all_plans"] == 0.0
    by_level = read(tmp_path / "out", "by_level.csv")
    r = row(by_level, grouping="level", group_value="4", code="activities")
    assert r["plans_in_group"] == 0 and np.isnan(r["share"]) and np.isnan(r["ci_low"])
    objects = read(tmp_path / "out", "objects.csv")
    assert objects["plans_total"].tolist() == [1, 1, 1]
    # The denominator is the single analysed plan; N stays the frame's size.
    assert (objects["ci_low"][0], objects["ci_high"][0]) == pytest.approx(fpc_wilson(1, 1, POPULATION), abs=1e-10)
