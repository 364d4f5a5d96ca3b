"""Directions known by construction, through the tests stage.

For every directional statistic (Jonckheere-Terpstra trend and its ordinal dominance,
Mann-Whitney shift and its rank-biserial r, paired differences by exact McNemar and the sign test,
the quantifier "all", odds ratios and risk differences, the Cochran-Armitage trend of the battery),
a sample is built here in which the true direction is known (increasing, decreasing, or no
difference at all), and run through the tests stage's own functions on an AnalysedSample and the
diversity stage's per-plan table: the finding components (significance.finding_components), the
exploratory battery and distributions, the objects' paired tests. Each checks the sign of the
effect, the direction column and the orientation its label states, so a swapped table, a sign
flipped or a label that names the wrong group first fails here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rlp_pipeline.stages import tests as significance
from rlp_pipeline.stages.diversity import per_plan_table
from rlp_pipeline.plan_tables import AnalysedSample
from rlp_pipeline.registry import Finding, Registry

TRUTHS = ("increasing", "decreasing", "none")
SIGN = {"increasing": 1, "decreasing": -1, "none": 0}
DIRECTION = {1: "as expected", -1: "opposite", 0: "none"}
STRATEGIES = ("resources", "institutionalisation", "appropriation", "policy_change")  # complexity ranks 1-4


def sample_of(plans: list[tuple[int, list[tuple[str, str, str]]]]) -> AnalysedSample:
    """An analysed sample from (mobilisation level, [(object, strategy, status), ...]) per plan."""
    rows, codings = [], []
    for i, (level, items) in enumerate(plans):
        plan_id = f"T-{i:03d}"
        rows.append({"plan_id": plan_id, "name": plan_id, "region": 1, "mobilisation_level": level,
                     "mobilisation_group": "1-2" if level <= 2 else "3-4", "source_line": i + 2, "sampling_rank": i + 1})
        for obj, strategy, status in items:
            codings.append({"coding_id": len(codings) + 1, "plan_id": plan_id, "object": obj, "strategy": strategy,
                            "substrategy": "", "status": status, "excerpt": "", "coder": "T", "source_line": len(codings) + 2})
    record = {"population_size": 10 * len(plans), "sample_size": len(plans), "simulated": True, "seed": 1}
    return AnalysedSample(pd.DataFrame(rows), pd.DataFrame(codings), record)


def components_of(sample: AnalysedSample, codebook, *specs: dict) -> pd.DataFrame:
    """The tests stage's finding components for a registry holding one finding per spec."""
    findings = [Finding(id=f"T{i}", section="general", rule="comparison", family="confirmatory", components=[spec],
                        texts={}, claim={}) for i, spec in enumerate(specs, start=1)]
    registry = Registry(alpha=0.05, families={"confirmatory": {"adjustment": "holm_findings"}}, findings=findings)
    return significance.finding_components(registry, sample, per_plan_table(sample, codebook), codebook,
                                           Path("unused"), seed=7)


def check_sign(value: float, expected: int, what: str) -> None:
    assert np.sign(round(float(value), 12)) == expected, f"{what} = {value}, expected sign {expected}"


# --- a per-plan measure across the levels: trend (JT) and group shift (Mann-Whitney) --------------


def strategies_by_level(truth: str) -> AnalysedSample:
    """The number of strategies of each plan, rising with the level (or falling, or the same
    spread of values at every level)."""
    rising = {1: [1, 1, 2, 1], 2: [1, 2, 2, 2], 3: [2, 3, 3, 2], 4: [3, 4, 4, 3]}
    counts = {"increasing": rising, "decreasing": {level: rising[5 - level] for level in rising},
              "none": {level: [1, 2, 3, 4] for level in rising}}[truth]
    return sample_of([(level, [("activities", s, "applied") for s in STRATEGIES[:k]])
                      for level, ks in counts.items() for k in ks])


@pytest.mark.parametrize("truth", TRUTHS)
@pytest.mark.parametrize("stated", ["increasing", "decreasing"])
def test_trend_across_levels(codebook, truth, stated):
    sample = strategies_by_level(truth)
    c = components_of(sample, codebook, {"kind": "trend_levels", "measure": "n_strategies", "expected": stated}).iloc[0]
    sign = SIGN[truth]
    check_sign(c["effect"], sign, "ordinal dominance")  # positive: higher at higher levels, whatever is stated
    check_sign(c["value_b"] - c["value_a"], sign, "mean at the last level minus the first")
    assert "positive: higher at higher levels" in c["effect_name"]
    assert c["direction"] == DIRECTION[sign * (1 if stated == "increasing" else -1)]
    if truth == "increasing":
        assert c["p_value"] < 0.01


@pytest.mark.parametrize("truth", TRUTHS)
@pytest.mark.parametrize("higher_in", ["3-4", "1-2"])
def test_group_shift_and_its_rank_biserial(codebook, truth, higher_in):
    sample = strategies_by_level(truth)
    c = components_of(sample, codebook, {"kind": "group_shift", "measure": "n_strategies",
                                         "expected": {"higher_in": higher_in}}).iloc[0]
    oriented = SIGN[truth] * (1 if higher_in == "3-4" else -1)  # the data's shift seen from the stated group
    check_sign(c["effect"], oriented, "rank-biserial r")
    check_sign(c["value_a"] - c["value_b"], oriented, "mean of the stated group minus the other")
    assert c["effect_name"].endswith(f"(positive: higher in {higher_in})")
    assert c["label_a"] == f"mean in group {higher_in}"
    assert c["direction"] == DIRECTION[oriented]
    if oriented:
        assert np.sign(c["ci_low"] + c["ci_high"]) == oriented, "the interval lies on the effect's side"


@pytest.mark.parametrize("truth", TRUTHS)
def test_exploratory_distributions_keep_the_same_signs(codebook, truth):
    sample = strategies_by_level(truth)
    table = significance.distributions(per_plan_table(sample, codebook), seed=7)
    rows = table[table["measure"] == "n_strategies"].set_index("test")
    check_sign(rows.loc["Jonckheere-Terpstra (ordered levels)", "effect"], SIGN[truth], "JT ordinal dominance")
    check_sign(rows.loc["Mann-Whitney (3-4 vs 1-2)", "effect"], SIGN[truth], "rank-biserial r (3-4 vs 1-2)")


# --- a 0/1 indicator by level and group: odds ratio, risk difference, Cochran-Armitage ------------


def relations_by_level(truth: str) -> AnalysedSample:
    """Five plans per level; the number naming the object "relations" rises with the level (or
    falls, or is the same at every level)."""
    users = {"increasing": [1, 2, 3, 4], "decreasing": [4, 3, 2, 1], "none": [2, 2, 2, 2]}[truth]
    plans = []
    for level, k in zip((1, 2, 3, 4), users):
        for i in range(5):
            items = [("activities", "resources", "applied")] + ([("relations", "resources", "applied")] if i < k else [])
            plans.append((level, items))
    return sample_of(plans)


@pytest.mark.parametrize("truth", TRUTHS)
@pytest.mark.parametrize("higher_in", ["3-4", "1-2"])
def test_group_difference_odds_ratio_and_risk_difference(codebook, truth, higher_in):
    sample = relations_by_level(truth)
    c = components_of(sample, codebook, {"kind": "group_difference", "indicator": "object:relations",
                                         "expected": {"higher_in": higher_in}}).iloc[0]
    other = "1-2" if higher_in == "3-4" else "3-4"
    oriented = SIGN[truth] * (1 if higher_in == "3-4" else -1)
    check_sign(np.log(c["effect"]), oriented, "log odds ratio")
    check_sign(c["risk_difference_pp"], oriented, "risk difference")
    check_sign(c["value_a"] - c["value_b"], oriented, "share in the stated group minus the other")
    assert c["effect_name"] == f"odds ratio ({higher_in} vs {other})"
    assert c["label_a"] == f"share in group {higher_in}"
    assert c["direction"] == DIRECTION[oriented]
    assert c["rd_ci_low_pp"] <= c["risk_difference_pp"] <= c["rd_ci_high_pp"]


@pytest.mark.parametrize("truth", TRUTHS)
def test_battery_trend_and_odds_ratio(codebook, truth):
    sample = relations_by_level(truth)
    table = significance.battery(sample, codebook, seed=7)
    rows = table[(table["variable_type"] == "object") & (table["code"] == "relations")].set_index("grouping")
    check_sign(rows.loc["level", "trend_z"], SIGN[truth], "Cochran-Armitage z (scores rising with the level)")
    group = rows.loc["group"]
    assert group["or_orientation"] == "3-4 vs 1-2"
    check_sign(np.log(group["odds_ratio"]), SIGN[truth], "odds ratio 3-4 / 1-2")
    check_sign(group["risk_difference_pp"], SIGN[truth], "risk difference 3-4 - 1-2")


@pytest.mark.parametrize("truth", ["increasing", "decreasing"])
def test_battery_row_of_a_claim_is_oriented_as_the_claim(codebook, truth):
    """A battery row that is a confirmatory component shows the claim's orientation (1-2 first)."""
    sample = relations_by_level(truth)
    spec = {"kind": "group_difference", "indicator": "object:relations", "expected": {"higher_in": "1-2"}}
    findings = [Finding(id="T1", section="general", rule="comparison", family="confirmatory", components=[spec], texts={}, claim={})]
    registry = Registry(alpha=0.05, families={"confirmatory": {"adjustment": "holm_findings"}}, findings=findings)
    components = significance.finding_components(registry, sample, per_plan_table(sample, codebook), codebook, Path("unused"), seed=7)
    table = significance.battery(sample, codebook, 7, registry, components)
    group = table[(table["code"] == "relations") & (table["grouping"] == "group")].iloc[0]
    assert group["or_orientation"] == "1-2 vs 3-4"
    check_sign(np.log(group["odds_ratio"]), -SIGN[truth], "odds ratio 1-2 / 3-4")
    check_sign(group["risk_difference_pp"], -SIGN[truth], "risk difference 1-2 - 3-4")
    assert group["p_adjusted"] == components.iloc[0]["p_adjusted"]


# --- two indicators in the same plans: exact McNemar ----------------------------------------------


def paired_objects(truth: str) -> AnalysedSample:
    """Plans naming relations only (b), structures only (c), both, or neither."""
    b, c = {"increasing": (6, 2), "decreasing": (2, 6), "none": (3, 3)}[truth]
    kinds = [("relations",)] * b + [("structures",)] * c + [("relations", "structures")] * 2 + [()] * 2
    return sample_of([(1 + i % 4, [("activities", "resources", "applied")] + [(o, "resources", "applied") for o in objs])
                      for i, objs in enumerate(kinds)])


@pytest.mark.parametrize("truth", TRUTHS)
@pytest.mark.parametrize("stated", ["greater", "less"])
def test_paired_difference(codebook, truth, stated):
    sample = paired_objects(truth)
    c = components_of(sample, codebook, {"kind": "paired_difference", "indicator": "object:relations",
                                         "versus": "object:structures", "expected": stated}).iloc[0]
    sign = SIGN[truth]
    check_sign(c["value_a"] - c["value_b"], sign, "share with relations minus share with structures")
    check_sign(c["statistic"], sign, "first only minus second only")
    if sign:
        check_sign(np.log(c["effect"]), sign, "log matched odds ratio (first only / second only)")
        check_sign(c["risk_difference_pp"], sign, "paired difference of shares")
    assert c["direction"] == DIRECTION[sign * (1 if stated == "greater" else -1)]


@pytest.mark.parametrize("truth", TRUTHS)
def test_objects_within_plans_pairs(codebook, truth):
    table = significance.objects_within_plans(paired_objects(truth), codebook)
    pair = table[(table["first"] == "relations") & (table["second"] == "structures")].iloc[0]
    check_sign(pair["statistic"], SIGN[truth], "relations only minus structures only")
    check_sign(pair["first_share"] - pair["second_share"], SIGN[truth], "share difference")


# --- two measures of the same plans: sign test and the quantifier "all" ---------------------------


def complexity_pairs(truth: str) -> AnalysedSample:
    """Each plan applies one strategy and intends another: more complex (up), less (down), or the
    same (tie)."""
    up, down, tie = {"increasing": (7, 2, 1), "decreasing": (2, 7, 1), "none": (4, 4, 2), "all": (10, 0, 0)}[truth]
    pairs = [("resources", "appropriation")] * up + [("appropriation", "resources")] * down + [("institutionalisation",) * 2] * tie
    return sample_of([(1 + i % 4, [("activities", applied, "applied"), ("activities", intended, "intended")])
                      for i, (applied, intended) in enumerate(pairs)])


@pytest.mark.parametrize("truth", TRUTHS)
@pytest.mark.parametrize("stated", ["greater", "less"])
def test_sign_test(codebook, truth, stated):
    c = components_of(complexity_pairs(truth), codebook, {"kind": "sign_test", "measure": "mean_complexity_intended",
                                                          "versus": "mean_complexity_applied", "expected": stated}).iloc[0]
    sign = SIGN[truth]
    check_sign(c["effect"] - 0.5, sign, "share of plans going up")
    check_sign(c["value_a"] - c["value_b"], sign, "mean intended minus mean applied")
    assert c["direction"] == DIRECTION[sign * (1 if stated == "greater" else -1)]


@pytest.mark.parametrize("truth, holds", [("all", True), ("increasing", False), ("decreasing", False), ("none", False)])
def test_all_plans_is_judged_plan_by_plan(codebook, truth, holds):
    c = components_of(complexity_pairs(truth), codebook, {"kind": "all_plans", "measure": "mean_complexity_intended",
                                                          "versus": "mean_complexity_applied", "expected": "greater"}).iloc[0]
    up = {"all": 10, "increasing": 7, "decreasing": 2, "none": 4}[truth]
    assert c["statistic"] == up and c["effect"] == pytest.approx(up / 10)
    assert c["direction"] == ("as expected" if holds else "opposite")


# --- a share against one half ----------------------------------------------------------------------


@pytest.mark.parametrize("truth, users", [("increasing", 8), ("decreasing", 2), ("none", 5)])
def test_majority_direction(codebook, truth, users):
    sample = sample_of([(1 + i % 4, [("activities", "resources", "applied")] + ([("relations", "resources", "applied")] if i < users else []))
                        for i in range(10)])
    c = components_of(sample, codebook, {"kind": "majority", "indicator": "object:relations"}).iloc[0]
    assert c["direction"] == DIRECTION[SIGN[truth]]
    check_sign(c["effect"] - 0.5, SIGN[truth], "share minus one half")
