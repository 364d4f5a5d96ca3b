"""Bad input to the sample stage, and its settings, at their edges: written for the mutants of
rlp_pipeline/stages/sample.py the sampling tests let through (benchmarks/mutation-results.md)."""

from __future__ import annotations

import json
import math

import pytest
import scipy.stats

from rlp_pipeline.stages import sample as sampling
from rlp_pipeline.problems import InputError


def write_validated(folder, plan_rows, *, drop=(), provenance=None):
    """A validation stage's output folder: plans.csv (given rows, every column filled), a one-line
    codings.csv and provenance.json."""
    folder.mkdir(exist_ok=True)
    columns = [c for c in sampling.PLAN_COLUMNS if c not in drop]
    lines = [",".join(columns)] + [",".join(str(row.get(c, "1" if c in sampling.PLAN_INTEGER_COLUMNS else "x")) for c in columns)
                                   for row in plan_rows]
    (folder / "plans.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    coding = [str(i + 1 if c in sampling.CODING_INTEGER_COLUMNS else "x") for i, c in enumerate(sampling.CODING_COLUMNS)]
    (folder / "codings.csv").write_text(",".join(sampling.CODING_COLUMNS) + "\n" + ",".join(coding) + "\n", encoding="utf-8")
    (folder / "provenance.json").write_text(json.dumps({"simulated": False} if provenance is None else provenance), encoding="utf-8")
    return folder


def problems_of(folder):
    with pytest.raises(InputError) as caught:
        sampling.read_validated(folder)
    return caught.value.problems


def test_valid_tables_are_read_with_whole_number_columns(tmp_path):
    plans, codings, provenance = sampling.read_validated(write_validated(tmp_path / "v", [{"plan_id": "A"}, {"plan_id": "B"}]))
    assert all(plans[c].dtype == "int64" for c in sampling.PLAN_INTEGER_COLUMNS)
    assert list(plans["plan_id"]) == ["A", "B"] and provenance == {"simulated": False}


def test_a_value_that_is_not_a_whole_number_is_named_with_its_line(tmp_path):
    """Row 2 of plans.csv (line 3, after the header) has mobilisation level 2.5, row 3 « two »."""
    folder = write_validated(tmp_path / "v", [{"plan_id": "A"}, {"plan_id": "B", "mobilisation_level": "2.5"},
                                              {"plan_id": "C", "mobilisation_level": "two"}])
    found = [(p.line, p.column, p.value, p.expected) for p in problems_of(folder)]
    assert found == [(3, "mobilisation_level", "2.5", "a whole number"), (4, "mobilisation_level", "two", "a whole number")]


def test_a_missing_column_is_named_on_the_header_line(tmp_path):
    folder = write_validated(tmp_path / "v", [{"plan_id": "A"}], drop=("region",))
    found = [(p.line, p.column, p.expected) for p in problems_of(folder)]
    assert found == [(1, "region", "a column named 'region'")]


@pytest.mark.parametrize("provenance", [{"simulated": "yes"}, [{"simulated": True}], {}])
def test_a_provenance_without_a_true_or_false_simulated_flag_is_refused(tmp_path, provenance):
    folder = write_validated(tmp_path / "v", [{"plan_id": "A"}], provenance=provenance)
    assert [p.column for p in problems_of(folder)] == ["simulated"]


@pytest.mark.parametrize("seed, good", [(0, True), (20180517, True), (-1, False), (True, False), (1.0, False)])
def test_the_seed_is_a_whole_number_zero_or_more(seed, good):
    assert (sampling._seed_problems(seed) == []) is good


@pytest.mark.parametrize("resamples, good", [(1, True), (10000, True), (0, False), (True, False), (2.0, False)])
def test_the_balance_resamples_are_a_whole_number_one_or_more(resamples, good):
    assert (sampling._resamples_problems(resamples) == []) is good


def test_every_missing_sampling_setting_is_named():
    problems = sampling.check_sampling_config({}, ["region", "mobilisation_level"])
    assert [p.column for p in problems] == ["sampling.fraction", "sampling.seed", "sampling.balance_resamples"]
    assert sampling.check_sampling_config({"fraction": 0.4, "seed": 1, "balance_resamples": 10, "stratify_by": None},
                                          ["region"]) == []


def test_a_bad_seed_among_the_sampling_settings_is_named():
    problems = sampling.check_sampling_config({"fraction": 0.4, "seed": -3, "balance_resamples": 10}, ["region"])
    assert [(p.column, p.value) for p in problems] == [("sampling.seed", "-3")]


@pytest.mark.parametrize("population_size", [True, 0, -5, 4.0, "10"])
def test_the_sample_size_needs_a_frame_of_at_least_one_plan(population_size):
    with pytest.raises(ValueError, match="at least one plan"):
        sampling.sample_size(population_size, 0.5)


@pytest.mark.parametrize("sizes, n", [({"a": 3, "b": 2}, True), ({"a": 3, "b": 2}, 6), ({"a": 3, "b": 2}, -1),
                                      ({"a": 3, "b": 2}, 2.0), ({"a": -1, "b": 3}, 1), ({"a": 0}, 0)])
def test_a_proportional_allocation_refuses_a_bad_size_or_count(sizes, n):
    with pytest.raises(ValueError):
        sampling.allocate_proportional(sizes, n)


def test_a_proportional_allocation_by_hand():
    """n = 5 among sizes 6, 3, 1 (N = 10): quotas 3, 1.5, 0.5: floors 3, 1, 0, one plan left,
    equal remainders 0.5 go to the larger stratum first: 3, 2, 0."""
    assert sampling.allocate_proportional({"a": 6, "b": 3, "c": 1}, 5) == {"a": 3, "b": 2, "c": 0}
    assert sampling.allocate_proportional({"a": 6, "b": 3, "c": 1}, 0) == {"a": 0, "b": 0, "c": 0}


def test_a_plan_id_repeated_in_the_frame_is_refused():
    import pandas as pd

    frame = pd.DataFrame({"plan_id": ["A", "B", "A"], "region": [1, 1, 2], "mobilisation_level": [1, 2, 3]})
    with pytest.raises(ValueError, match="repeated: A"):
        sampling.draw_sample(frame, 0.5, 7)


def test_the_balance_table_by_hand():
    """Ten plans, four sampled: level 1 has plans A, B, C (A and B sampled), level 3 has D..J
    (D and E sampled). Level 1: population 3 (30%), sample 2 (50%), not sampled 1 of 6 (16.7%),
    difference +20 points; level 3: 7 (70%), 2 (50%), 5 of 6 (83.3%), -20 points."""
    import pandas as pd

    from rlp_pipeline.codebook import load_codebook
    from conftest import REPO

    codebook = load_codebook(REPO / "data" / "raw" / "codebook.yaml")
    frame = pd.DataFrame({"plan_id": list("ABCDEFGHIJ"), "mobilisation_level": [1, 1, 1] + [3] * 7, "region": [6] * 10})
    table = sampling.balance_table(frame, ["A", "B", "D", "E"], codebook).set_index(["variable", "category"])
    level1, level3 = table.loc[("mobilisation_level", 1)], table.loc[("mobilisation_level", 3)]
    assert (level1["population_n"], level1["sample_n"], level1["not_sampled_n"]) == (3, 2, 1)
    assert (level1["population_pct"], level1["sample_pct"], level1["not_sampled_pct"]) == pytest.approx((30, 50, 100 / 6))
    assert level1["difference_pct_points"] == pytest.approx(20)
    assert (level3["not_sampled_n"], level3["not_sampled_pct"], level3["difference_pct_points"]) == (5, pytest.approx(500 / 6), pytest.approx(-20))
    assert list(table.loc["mobilisation_level"].index) == [1, 3]  # only the levels present, codebook order


def balance_row(frame, sampled, resamples=4000, seed=3):
    table = sampling.balance_tests(frame, sampled, resamples, seed)
    return table.set_index("variable").loc["mobilisation_level"]


def test_the_balance_test_by_hand_and_against_scipy_and_the_exact_hypergeometric():
    """20 plans at level 1 and 20 at level 3, 20 sampled of which 14 at level 1: the 2 x 2 table
    [[14, 6], [6, 14]] has expected counts 10 (Cochran's rule holds), Pearson's X² (scipy, no
    continuity correction) 6.4 on 1 df; the Monte Carlo p agrees with the exact p, P(|X - 10| >= 4)
    for X hypergeometric (40 plans, 20 at level 1, 20 drawn), within four standard errors."""
    import pandas as pd

    frame = pd.DataFrame({"plan_id": [f"P{i}" for i in range(40)], "mobilisation_level": [1] * 20 + [3] * 20, "region": [6] * 40})
    sampled = [f"P{i}" for i in range(14)] + [f"P{i}" for i in range(20, 26)]
    row = balance_row(frame, sampled)
    chi2, p, df, expected = scipy_chi2([[14, 6], [6, 14]])
    assert (row["categories"], row["df"], row["sample_n"], row["population_n"]) == (2, 1, 20, 40)
    assert row["statistic"] == pytest.approx(chi2) == pytest.approx(6.4)
    assert row["p_value_asymptotic"] == pytest.approx(p)
    assert (row["min_expected"], row["share_expected_ge_5"], row["cochran_rule_holds"]) == (10.0, 1.0, True)
    hypergeom = scipy.stats.hypergeom(40, 20, 20)
    exact = hypergeom.cdf(6) + hypergeom.sf(13)
    assert abs(row["p_value_monte_carlo"] - exact) < 4 * row["monte_carlo_se"]
    assert row["monte_carlo_se"] == pytest.approx(math.sqrt(row["p_value_monte_carlo"] * (1 - row["p_value_monte_carlo"]) / 4000))


def scipy_chi2(table):
    result = scipy.stats.chi2_contingency(table, correction=False)
    return result.statistic, result.pvalue, result.dof, result.expected_freq


@pytest.mark.parametrize("levels, sampled, min_expected, share, holds", [
    # expected counts 2 and 3 (n = 4 of 10): all >= 1, none >= 5
    ([1] * 5 + [2] * 5, ["P0", "P1", "P5", "P6"], 2.0, 0.0, False),
    # 16 of 20 at level 1, 4 at level 2, 10 sampled: expected 8, 2 | 8, 2: half >= 5
    ([1] * 16 + [2] * 4, [f"P{i}" for i in range(8)] + ["P16", "P17"], 2.0, 0.5, False),
    # 5 of 25 at level 2, 20 sampled: expected 16, 4 | 4, 1: 1 is still >= 1, but only 1 in 4 >= 5
    ([1] * 20 + [2] * 5, [f"P{i}" for i in range(16)] + ["P20", "P21", "P22", "P23"], 1.0, 0.25, False),
    # 45 and 5 plans, 45 sampled: expected 40.5, 4.5 | 4.5, 0.5: one below 1
    ([1] * 45 + [2] * 5, [f"P{i}" for i in range(45)], 0.5, 0.25, False),
    # 40 and 10 plans, 25 sampled: expected 20, 5 | 20, 5: every one >= 5 (5 exactly counts)
    ([1] * 40 + [2] * 10, [f"P{i}" for i in range(20)] + [f"P{i}" for i in range(40, 45)], 5.0, 1.0, True),
])
def test_cochrans_rule_is_applied_to_the_expected_counts(levels, sampled, min_expected, share, holds):
    """Every expected count >= 1 and at least 80% of them >= 5 (expected counts n·N_k/N and
    (N - n)·N_k/N, by hand in each case), whatever the observed counts."""
    import pandas as pd

    frame = pd.DataFrame({"plan_id": [f"P{i}" for i in range(len(levels))], "mobilisation_level": levels, "region": [6] * len(levels)})
    row = balance_row(frame, sampled, resamples=50)
    assert (row["min_expected"], row["share_expected_ge_5"], bool(row["cochran_rule_holds"])) == (pytest.approx(min_expected), share, holds)


def test_the_balance_test_refuses_no_sampled_plan_or_no_redraw():
    import pandas as pd

    frame = pd.DataFrame({"plan_id": ["A", "B"], "mobilisation_level": [1, 2], "region": [6, 6]})
    with pytest.raises(ValueError, match="no plan"):
        sampling.balance_tests(frame, [], 10, 1)
    for resamples in (0, True, 2.5):
        with pytest.raises(ValueError, match="resamples"):
            sampling.balance_tests(frame, ["A"], resamples, 1)
    # One redraw of one plan of two: it gives the same X² as the sample, so p = (1 + 1) / (1 + 1).
    assert sampling.balance_tests(frame, ["A"], 1, 1).set_index("variable").loc["mobilisation_level", "p_value_monte_carlo"] == 1.0


def test_nothing_to_test_for_a_census_or_a_single_category():
    """The whole frame sampled: X² = 0 and both p-values 1 for every variable; a variable with a
    single category in the frame (every plan in region 6): the same, and the method says why."""
    import pandas as pd

    frame = pd.DataFrame({"plan_id": list("ABCD"), "mobilisation_level": [1, 1, 2, 2], "region": [6] * 4})
    census = sampling.balance_tests(frame, list("ABCD"), 20, 1)
    assert (census["statistic"] == 0.0).all() and (census["p_value_monte_carlo"] == 1.0).all()
    assert (census["p_value_asymptotic"] == 1.0).all() and census["method"].str.contains("whole frame").all()
    region = sampling.balance_tests(frame, ["A", "C"], 20, 1).set_index("variable").loc["region"]
    assert (region["statistic"], region["p_value_monte_carlo"], region["p_value_asymptotic"]) == (0.0, 1.0, 1.0)
    assert "single category" in region["method"]


def test_a_stratified_sample_says_which_row_is_balanced_by_design():
    import pandas as pd

    frame = pd.DataFrame({"plan_id": list("ABCD"), "mobilisation_level": [1, 1, 2, 2], "region": [6, 3, 6, 3]})
    table = sampling.balance_tests(frame, ["A", "C"], 20, 1, stratify_by="region").set_index("variable")
    assert bool(table.loc["region", "balanced_by_design"]) and "Balanced by design" in table.loc["region", "method"]
    assert not table.loc["mobilisation_level", "balanced_by_design"]
    assert "stratified by region" in table.loc["mobilisation_level", "method"]
    plain = sampling.balance_tests(frame, ["A", "C"], 20, 1).set_index("variable")
    assert "stratified" not in plain.loc["mobilisation_level", "method"]


def test_a_frame_of_one_plan_is_sampled_and_an_empty_one_refused(tmp_path):
    from conftest import REPO

    codebook = REPO / "data" / "raw" / "codebook.yaml"
    settings = {"fraction": 1, "seed": 1, "balance_resamples": 10, "stratify_by": None}
    one = write_validated(tmp_path / "one", [{"plan_id": "A", "region": 6, "mobilisation_level": 1}])
    sampling.run_sampling(one, tmp_path / "out", settings, codebook)
    assert (tmp_path / "out" / "balance_tests.csv").is_file()
    empty = write_validated(tmp_path / "empty", [])
    with pytest.raises(InputError, match="at least one plan"):
        sampling.run_sampling(empty, tmp_path / "out2", settings, codebook)


def test_cochrans_rule_at_its_exact_limits():
    """Five regions (125 plans: 5, then 30, 30, 30, 30), 100 sampled: expected counts 4 and 1 for
    the small region, 24 and 6 for the others: the smallest is exactly 1 and exactly 80% (8 of
    10) are >= 5, so the rule holds (both limits are inclusive)."""
    import pandas as pd

    regions = [1] * 5 + [2] * 30 + [3] * 30 + [4] * 30 + [5] * 30
    frame = pd.DataFrame({"plan_id": [f"P{i}" for i in range(125)], "mobilisation_level": [1] * 125, "region": regions})
    row = sampling.balance_tests(frame, [f"P{i}" for i in range(100)], 20, 1).set_index("variable").loc["region"]
    assert (row["min_expected"], row["share_expected_ge_5"], bool(row["cochran_rule_holds"])) == (1.0, 0.8, True)
