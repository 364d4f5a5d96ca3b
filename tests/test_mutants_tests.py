"""Components computed on small data sets built here, checked number by number against
independent references (scipy, statsmodels, hand computation): written for the mutants of
rlp_pipeline/stages/tests.py the direction tests let through (they check signs, not values;
benchmarks/mutation-results.md lists them)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.proportion import proportion_confint

from rlp_pipeline.plan_tables import AnalysedSample
from rlp_pipeline.registry import Finding, Registry
from rlp_pipeline.stages import tests as significance


def newcombe_hybrid(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """Newcombe's (1998) method 10 for p1 - p2, from the two Wilson intervals (statsmodels)."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = proportion_confint(x1, n1, method="wilson")
    l2, u2 = proportion_confint(x2, n2, method="wilson")
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def test_a_group_difference_counts_the_plans_without_the_indicator_right():
    """15 of 20 plans of group 3-4 and 5 of 20 of group 1-2 have the indicator: shares 75% and
    25%, Pearson's chi-square of [[15, 5], [5, 15]] (expected counts 10: Cochran's rule holds),
    the conditional odds ratio with its exact interval, and Newcombe's risk difference, +50 points."""
    indicator = pd.Series([1] * 15 + [0] * 5 + [1] * 5 + [0] * 15)
    groups = pd.Series(["3-4"] * 20 + ["1-2"] * 20)
    row = significance.component_group_difference(indicator, groups, {"higher_in": "3-4"}, seed=1)
    table = [[15, 5], [5, 15]]
    chi2, p, _, _ = scipy.stats.chi2_contingency(table, correction=False)
    odds = scipy.stats.contingency.odds_ratio(table, kind="conditional")
    low, high = odds.confidence_interval(0.95)
    rd_low, rd_high = newcombe_hybrid(15, 20, 5, 20)
    assert (row["n"], row["value_a"], row["value_b"], row["detail"]) == (40, 0.75, 0.25, "15/20 vs 5/20")
    assert row["statistic"] == pytest.approx(chi2) and row["p_value"] == pytest.approx(p)
    assert row["method"].startswith("Pearson chi-square")
    assert (row["effect"], row["ci_low"], row["ci_high"]) == pytest.approx((odds.statistic, low, high), rel=1e-6)
    assert (row["risk_difference_pp"], row["rd_ci_low_pp"], row["rd_ci_high_pp"]) == pytest.approx((50.0, 100 * rd_low, 100 * rd_high))


def rank_biserial(x, y) -> float:
    """The rank-biserial correlation 2U/(n_x n_y) - 1, U from scipy's Mann-Whitney (ties count one half)."""
    return 2 * scipy.stats.mannwhitneyu(x, y).statistic / (len(x) * len(y)) - 1


def test_the_rank_biserial_bootstrap_counts_ties_as_one_half():
    """Two groups of equal values: every resample is all ties, so r = 0 exactly; one group wholly
    above the other: r = 1 in every resample. With ties between groups, the bootstrap interval
    holds scipy's point estimate and is centred near it."""
    import numpy as np

    same = np.array([2.0, 2.0, 2.0, 2.0])
    assert significance.rank_biserial_interval(same, same, seed=3, resamples=200) == (0.0, 0.0)
    assert significance.rank_biserial_interval(same + 1, same, seed=3, resamples=200) == (1.0, 1.0)
    x, y = np.array([1, 2, 2, 3, 3, 3, 4, 4.0]), np.array([1, 1, 2, 2, 2, 3, 3, 4.0])
    point = rank_biserial(x, y)
    low, high = significance.rank_biserial_interval(x, y, seed=3, resamples=4000)
    assert low < point < high
    assert abs((low + high) / 2 - point) < 0.1


def naive_bootstrap_quantiles(x, y, confidence: float, resamples: int = 20000) -> tuple[float, float]:
    """The percentile bootstrap of the rank-biserial correlation by resampling plans one by one
    (r = mean over pairs of sign(x_i - y_j), ties 0): the reference for the multinomial shortcut."""
    import numpy as np

    rng = np.random.default_rng(11)
    xs = rng.choice(x, size=(resamples, len(x)))
    ys = rng.choice(y, size=(resamples, len(y)))
    r = np.sign(xs[:, :, None] - ys[:, None, :]).mean(axis=(1, 2))
    tail = (1 - confidence) / 2
    return float(np.quantile(r, tail)), float(np.quantile(r, 1 - tail))


@pytest.mark.parametrize("confidence", [0.5, 0.95])
def test_the_rank_biserial_interval_has_the_asked_coverage(confidence):
    """The interval's bounds are the bootstrap quantiles (1 - c)/2 and (1 + c)/2: they agree with
    a plan-by-plan bootstrap within Monte Carlo error (about 0.01 here)."""
    import numpy as np

    x = np.array([1, 2, 2, 3, 3, 3, 4, 4, 5, 6.0])
    y = np.array([1, 1, 2, 2, 2, 3, 3, 4, 4, 5.0])
    low, high = significance.rank_biserial_interval(x, y, seed=5, resamples=4000, confidence=confidence)
    ref_low, ref_high = naive_bootstrap_quantiles(x, y, confidence)
    assert low == pytest.approx(ref_low, abs=0.03) and high == pytest.approx(ref_high, abs=0.03)


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """The exact 95% interval of a binomial proportion from beta quantiles (Clopper & Pearson 1934)."""
    low = 0.0 if k == 0 else scipy.stats.beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else scipy.stats.beta.ppf(0.975, k + 1, n - k)
    return low, high


@pytest.mark.parametrize("b, c", [(5, 5), (6, 2), (1, 0), (0, 3)])
def test_the_matched_odds_ratio_is_b_over_c_with_the_exact_interval(b, c):
    """Discordant pairs b and c: odds ratio b/c, interval p/(1-p) at the Clopper-Pearson bounds of b/(b+c)."""
    odds, low, high = significance.matched_odds_ratio(b, c)
    p_low, p_high = clopper_pearson(b, b + c)
    to_odds = lambda p: p / (1 - p) if p < 1 else math.inf  # noqa: E731
    assert odds == (b / c if c else math.inf)
    assert (low, high) == pytest.approx((to_odds(p_low), to_odds(p_high)))


def test_no_discordant_pair_gives_no_matched_odds_ratio():
    assert all(math.isnan(v) for v in significance.matched_odds_ratio(0, 0))


def test_a_majority_component_against_the_hypergeometric_and_the_wilson_interval():
    """7 of 10 sampled plans (frame of 50): share 70% against one half; p = P(X >= 7) for X
    hypergeometric (50 plans, 25 with the property, 10 drawn), summed by hand with math.comb;
    the Wilson interval with the finite population correction (1/n* = (N - n)/(n (N - 1)))."""
    row = significance.component_majority(pd.Series([1] * 7 + [0] * 3), 50, "plans with it")
    p = sum(math.comb(25, k) * math.comb(25, 10 - k) for k in range(7, 11)) / math.comb(50, 10)
    z, share, w = scipy.stats.norm.ppf(0.975), 0.7, (50 - 10) / (10 * 49)
    centre = (share + z * z * w / 2) / (1 + z * z * w)
    half = z * math.sqrt(share * (1 - share) * w + z * z * w * w / 4) / (1 + z * z * w)
    assert (row["n"], row["value_a"], row["value_b"], row["statistic"]) == (10, 0.7, 0.5, 7)
    assert row["p_value"] == pytest.approx(p) and row["direction"] == "as expected"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((centre - half, centre + half))


def test_a_majority_of_one_plan_is_tested_and_of_none_is_not():
    one = significance.component_majority(pd.Series([1]), 9, "x")
    assert one["n"] == 1 and one["p_value"] == pytest.approx(4 / 9)  # P(the one plan drawn is among the 4 = 9 // 2)
    none = significance.component_majority(pd.Series([], dtype=float), 9, "x")
    assert none["n"] == 0 and none["not_testable_reason"] and math.isnan(none["p_value"])


def test_a_trend_across_levels_reports_the_first_and_last_level_means_and_jonckheere_j():
    """Levels 1, 2, 3 with one, two and three plans: J counts, over pairs of plans at a lower and
    a higher level, those increasing (ties one half): by hand 2 (level 1 vs 2) + 3 (1 vs 3) +
    4.5 (2 vs 3: 2.5 from the plan at 2, with one tie, and 2 from the plan at 3) = 9.5."""
    measure = pd.Series([1.0, 2.0, 3.0, 2.0, 4.0, 5.0])
    levels = pd.Series([1, 2, 2, 3, 3, 3])
    row = significance.component_trend_levels(measure, levels, "increasing", seed=1)
    groups = [[1.0], [2.0, 3.0], [2.0, 4.0, 5.0]]
    j = sum((a < b) + 0.5 * (a == b) for i in range(3) for k in range(i + 1, 3) for a in groups[i] for b in groups[k])
    assert j == 9.5
    assert (row["n"], row["value_a"], row["value_b"], row["statistic"]) == (6, 1.0, pytest.approx(11 / 3), j)
    assert row["direction"] == "as expected" and row["label_a"] == "mean at level 1" and row["label_b"] == "mean at level 3"


def test_a_trend_needs_two_levels_with_plans_and_one_plan_per_level_is_enough():
    two = significance.component_trend_levels(pd.Series([1.0, 2.0]), pd.Series([1, 4]), "increasing", seed=1)
    assert not two["not_testable_reason"] and two["statistic"] == 1.0
    one = significance.component_trend_levels(pd.Series([1.0, 2.0, float("nan")]), pd.Series([1, 1, 2]), "increasing", seed=1)
    assert one["not_testable_reason"]


def test_a_group_shift_against_scipy_and_with_one_plan_in_a_group():
    """Means by group, Mann-Whitney U (scipy) and the rank-biserial correlation 2U/(n_x n_y) - 1;
    a group with a single plan is still tested, an empty group is not."""
    measure = pd.Series([3.0, 4.0, 5.0, 6.0, 1.0, 2.0, 3.0])
    groups = pd.Series(["3-4"] * 4 + ["1-2"] * 3)
    row = significance.component_group_shift(measure, groups, {"higher_in": "3-4"}, seed=2)
    u = scipy.stats.mannwhitneyu([3, 4, 5, 6], [1, 2, 3]).statistic
    assert (row["n"], row["value_a"], row["value_b"], row["statistic"]) == (7, 4.5, 2.0, u)
    assert row["effect"] == pytest.approx(2 * u / 12 - 1) and row["direction"] == "as expected"
    one = significance.component_group_shift(pd.Series([5.0, 1.0, 2.0]), pd.Series(["3-4", "1-2", "1-2"]),
                                             {"higher_in": "3-4"}, seed=2)
    assert not one["not_testable_reason"] and one["statistic"] == 2.0
    for lone in ("3-4", "1-2"):
        empty = significance.component_group_shift(pd.Series([5.0, 1.0]), pd.Series([lone, lone]), {"higher_in": "3-4"}, seed=2)
        assert empty["not_testable_reason"]


def test_ordinal_dominance_is_the_rank_biserial_correlation_for_two_levels():
    """Sizes 4 and 3: P = 12 pairs; J = U of the higher group: 2J/P - 1. Three levels 1, 2, 3:
    P = 1·2 + 1·3 + 2·3 = 11 pairs."""
    assert significance.ordinal_dominance(9.0, [4, 3]) == pytest.approx(2 * 9 / 12 - 1)
    assert significance.ordinal_dominance(9.5, [1, 2, 3]) == pytest.approx(2 * 9.5 / 11 - 1)


def test_a_zero_cell_replaces_the_odds_ratio_by_its_statement():
    """All 5 plans of group 3-4 have the indicator (no plan without it there): the odds ratio is
    infinite, not shown; the note names the empty cell; the risk difference (100% - 40%) stays."""
    indicator = pd.Series([1] * 5 + [1, 1, 0, 0, 0])
    groups = pd.Series(["3-4"] * 5 + ["1-2"] * 5)
    row = significance.component_group_difference(indicator, groups, {"higher_in": "3-4"}, seed=1)
    assert math.isnan(row["effect"]) and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert "no plan without the indicator in group 3-4 (zero cell)" in row["effect_note"]
    assert row["risk_difference_pp"] == pytest.approx(60.0)


def test_a_paired_difference_counts_only_the_plans_of_its_subgroup():
    """Ten plans of the subgroup: 6 with the first indicator only, 1 with the second only, 2 with
    both, 1 with neither; two plans outside the subgroup (first only) must not count. Shares 80%
    and 30%, b - c = 5, exact McNemar p = binomial test of 6 of 7 against one half (scipy) = 0.125."""
    first = pd.Series([1] * 6 + [0] + [1, 1] + [0] + [1, 1])
    second = pd.Series([0] * 6 + [1] + [1, 1] + [0] + [0, 0])
    within = pd.Series([1] * 10 + [0, 0])
    row = significance.component_paired_difference(first, second, within)
    assert (row["n"], row["value_a"], row["value_b"], row["statistic"]) == (10, 0.8, 0.3, 5)
    assert row["detail"] == "first only: 6, second only: 1, both: 2, neither: 1"
    assert row["p_value"] == pytest.approx(scipy.stats.binomtest(6, 7).pvalue) == pytest.approx(0.125)
    assert row["effect"] == 6.0 and row["direction"] == "as expected"
    empty = significance.component_paired_difference(first, second, pd.Series([0] * 12))
    assert empty["n"] == 0 and empty["not_testable_reason"]
    everyone = significance.component_paired_difference(first, second, None)
    assert everyone["n"] == 12 and everyone["statistic"] == 7


def test_the_detail_and_the_untestable_reasons_name_the_right_group():
    """Unequal groups (3 of 4 plans in 3-4, 1 of 6 in 1-2): the detail quotes each group's own
    count and size; a group shift with one plan in the lower group is tested, with none it names
    that group; a trend over a single level says why it cannot be tested."""
    row = significance.component_group_difference(pd.Series([1, 1, 1, 0, 1, 0, 0, 0, 0, 0]),
                                                  pd.Series(["3-4"] * 4 + ["1-2"] * 6), {"higher_in": "3-4"}, seed=1)
    assert row["detail"] == "3/4 vs 1/6"
    shift = lambda values, groups: significance.component_group_shift(  # noqa: E731
        pd.Series(values), pd.Series(groups), {"higher_in": "3-4"}, seed=2)
    assert not shift([5.0, 6.0, 1.0], ["3-4", "3-4", "1-2"])["not_testable_reason"]
    assert shift([5.0, 6.0], ["3-4", "3-4"])["not_testable_reason"] == "no analysed plan in group 1-2"
    assert shift([5.0, 6.0], ["1-2", "1-2"])["not_testable_reason"] == "no analysed plan in group 3-4"
    one_level = significance.component_trend_levels(pd.Series([1.0, 2.0]), pd.Series([2, 2]), "increasing", seed=1)
    assert one_level["not_testable_reason"].startswith("fewer than two mobilisation levels")


# ------------------------------------------------------------------------------------------
# Second run (lines 286 on): the paired difference's effects, the sign test, "all plans", the
# trend of a share. Each value against a reference written here.
# ------------------------------------------------------------------------------------------


def paired(b: int, c: int, both: int, neither: int) -> tuple[pd.Series, pd.Series]:
    """Two indicators on b + c + both + neither plans: b with the first only, c the second only."""
    first = [1] * b + [0] * c + [1] * both + [0] * neither
    second = [0] * b + [1] * c + [1] * both + [0] * neither
    return pd.Series(first), pd.Series(second)


def to_odds(p: float) -> float:
    return p / (1 - p) if p < 1 else math.inf


@pytest.mark.parametrize("b, c, both, neither", [(4, 1, 2, 1), (3, 3, 2, 2), (2, 5, 0, 3)])
def test_a_paired_difference_has_the_matched_odds_ratio_and_the_paired_difference_of_shares(b, c, both, neither):
    """Matched odds ratio b/c with the Clopper-Pearson interval of b/(b+c) mapped by p/(1-p); the
    difference of shares (b - c)/n in points, its interval the same bounds mapped by
    (b + c)/n (2p - 1); exact McNemar p = binomial test of b of b + c (scipy)."""
    n = b + c + both + neither
    row = significance.component_paired_difference(*paired(b, c, both, neither), None)
    p_low, p_high = clopper_pearson(b, b + c)
    scale = (b + c) / n
    assert row["p_value"] == pytest.approx(scipy.stats.binomtest(b, b + c).pvalue)
    assert (row["effect"], row["ci_low"], row["ci_high"]) == pytest.approx((b / c, to_odds(p_low), to_odds(p_high)))
    assert (row["risk_difference_pp"], row["rd_ci_low_pp"], row["rd_ci_high_pp"]) == pytest.approx(
        (100 * (b - c) / n, 100 * scale * (2 * p_low - 1), 100 * scale * (2 * p_high - 1)))
    assert row["effect_note"] == "" and row["method"].startswith("exact McNemar test (two-sided binomial")
    assert row["direction"] == ("none" if b == c else "as expected" if b > c else "opposite")


@pytest.mark.parametrize("b, c, only", [(0, 2, "first"), (1, 0, "second")])
def test_a_paired_difference_with_a_zero_cell_shows_only_the_difference_of_shares(b, c, only):
    row = significance.component_paired_difference(*paired(b, c, 1, 1), None)
    n = b + c + 2
    assert math.isnan(row["effect"]) and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert row["effect_note"].startswith(f"matched odds ratio not estimable: no plan has only the {only} indicator")
    assert row["risk_difference_pp"] == pytest.approx(100 * (b - c) / n)
    assert row["p_value"] == pytest.approx(scipy.stats.binomtest(b, b + c).pvalue)
    assert row["direction"] == ("as expected" if b > c else "opposite")


def test_a_paired_difference_without_discordant_plan_has_p_one_and_no_direction():
    row = significance.component_paired_difference(*paired(0, 0, 3, 2), None)
    assert row["p_value"] == 1.0 and row["direction"] == "none" and math.isnan(row["effect"])
    assert row["method"] == "exact McNemar test: no discordant plan, the shares are equal"


# Sign test and "all": ten plans, one without the second measure. Differences (measure - versus)
# of the nine others: five positive (0.5, 3, 2, 0.5, 1.5), two negative (-0.25, -1), two ties.
MEASURE = pd.Series([1.5, 5.0, 4.0, 2.5, 3.5, 1.75, 1.0, 2.0, 3.0, 9.0])
VERSUS = pd.Series([1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, float("nan")])


def wilson(k: int, n: int) -> tuple[float, float]:
    return proportion_confint(k, n, method="wilson")


@pytest.mark.parametrize("ties, expected, positive, negative, name, direction", [
    ("dropped", "greater", 5, 2, "ties left out", "as expected"),
    ("against", "greater", 5, 4, "ties counted as not positive", "as expected"),
    ("against", "less", 7, 2, "ties counted as positive", "opposite"),
    ("dropped", "less", 5, 2, "ties left out", "opposite"),
])
def test_the_sign_test_counts_positive_and_negative_plans_by_hand(ties, expected, positive, negative, name, direction):
    row = significance.component_sign_test(MEASURE, VERSUS, expected, ties=ties)
    assert (row["n"], row["statistic"]) == (9, positive)
    assert (row["value_a"], row["value_b"]) == pytest.approx((MEASURE[:9].mean(), VERSUS[:9].mean()))
    assert row["p_value"] == pytest.approx(scipy.stats.binomtest(positive, positive + negative).pvalue)
    assert row["effect"] == pytest.approx(positive / (positive + negative))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(positive, positive + negative))
    assert row["effect_name"] == f"share of plans with a positive difference ({name})"
    assert row["direction"] == direction
    assert row["detail"] == f"positive: {positive}, negative: {negative}, ties: {9 - positive - negative}"
    assert ("ties left out" if ties == "dropped" else "ties counted against the claim") in row["method"]


def test_the_sign_test_of_one_differing_plan_is_tested_and_of_ties_only_is_not():
    one = significance.component_sign_test(pd.Series([2.0, 1.0]), pd.Series([1.0, 1.0]), "greater")
    assert one["statistic"] == 1 and one["p_value"] == 1.0 and not one["not_testable_reason"]
    ties = significance.component_sign_test(pd.Series([1.0, 1.0]), pd.Series([1.0, 1.0]), "greater")
    assert ties["n"] == 2 and ties["not_testable_reason"] == "no plan has both measures with a difference"


def wilson_fpc(k: int, n: int, population: float, z: float = scipy.stats.norm.ppf(0.975)) -> tuple[float, float]:
    """Wilson's interval with the finite population correction w = (N - n)/(n (N - 1)), by hand."""
    share, w = k / n, (population - n) / (n * (population - 1))
    centre = (share + z * z * w / 2) / (1 + z * z * w)
    half = z * math.sqrt(share * (1 - share) * w + z * z * w * w / 4) / (1 + z * z * w)
    return centre - half, centre + half


@pytest.mark.parametrize("expected, meeting, other", [("greater", 5, 2), ("less", 2, 5)])
def test_all_plans_counts_the_plans_meeting_the_claim_one_by_one(expected, meeting, other):
    """Nine plans with both measures in a sample of 30 of a frame of 120: the plans of the domain in
    the frame are estimated at 9 x 120 / 30 = 36 (the finite population correction's N)."""
    row = significance.component_all_plans(MEASURE, VERSUS, expected, population_size=120, sample_size=30)
    assert (row["n"], row["statistic"], row["value_b"]) == (9, meeting, 1.0)
    assert row["value_a"] == row["effect"] == pytest.approx(meeting / 9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_fpc(meeting, 9, 36))
    assert row["direction"] == "opposite"
    assert row["detail"] == f"meeting the claim: {meeting} of 9, ties: 2, the other way: {other}"


def test_all_plans_holds_when_every_plan_meets_it_and_one_plan_is_enough_to_judge():
    row = significance.component_all_plans(pd.Series([3.0, 2.0]), pd.Series([1.0, 1.5]), "greater", 10, 5)
    assert row["direction"] == "as expected" and row["value_a"] == 1.0 and row["ci_high"] == 1.0
    one = significance.component_all_plans(pd.Series([3.0]), pd.Series([1.0]), "greater", 10, 5)
    assert (one["n"], one["statistic"], one["direction"], one["not_testable_reason"]) == (1, 1, "as expected", "")
    none = significance.component_all_plans(pd.Series([3.0]), pd.Series([float("nan")]), "greater", 10, 5)
    assert none["n"] == 0 and none["not_testable_reason"] == "no plan has both measures"


def cochran_armitage_z(indicator, scores) -> float:
    """z = sqrt(N) r, r the Pearson correlation between the score and the outcome over the N plans
    (Agresti 2002: the Cochran-Armitage statistic is N r²)."""
    import numpy as np

    return math.sqrt(len(indicator)) * float(np.corrcoef(scores, indicator)[0, 1])


def test_a_trend_in_a_share_against_the_correlation_and_newcombes_interval():
    """Levels 1 (2 of 5 plans), 2 (1 of 1) and 4 (2 of 3): equally spaced scores 0, 1, 2 in the
    levels' order; shares 40%, 100%, 66.7%; effect: level 4 minus level 1 in points (Newcombe).
    The same plans with the indicator reversed: a decreasing trend, as a decreasing claim expects."""
    indicator = pd.Series([1, 1, 0, 0, 0, 1, 1, 1, 0])
    levels = pd.Series([1, 1, 1, 1, 1, 2, 4, 4, 4])
    row = significance.component_trend_share(indicator, levels, "increasing")
    z = cochran_armitage_z(indicator, levels.map({1: 0, 2: 1, 4: 2}))
    low, high = newcombe_hybrid(2, 3, 2, 5)
    assert (row["n"], row["label_a"], row["label_b"]) == (9, "share at level 1", "share at level 4")
    assert (row["value_a"], row["value_b"]) == pytest.approx((0.4, 2 / 3))
    assert row["detail"] == "shares by level: 1: 0.400, 2: 1.000, 4: 0.667"
    assert row["statistic"] == pytest.approx(z) and row["p_value"] == pytest.approx(2 * scipy.stats.norm.sf(abs(z)))
    assert row["direction"] == "as expected"
    assert (row["risk_difference_pp"], row["rd_ci_low_pp"], row["rd_ci_high_pp"]) == pytest.approx(
        (100 * (2 / 3 - 0.4), 100 * low, 100 * high))
    assert row["effect_name"] == "difference of shares, level 4 minus level 1 (percentage points)"
    assert significance.component_trend_share(indicator, levels, "decreasing")["direction"] == "opposite"
    falling = significance.component_trend_share(1 - indicator, levels, "decreasing")
    assert falling["statistic"] == pytest.approx(-z) and falling["direction"] == "as expected"
    assert significance.component_trend_share(1 - indicator, levels, "increasing")["direction"] == "opposite"


def test_a_trend_in_a_share_needs_two_levels_and_two_outcomes():
    two = significance.component_trend_share(pd.Series([1, 0, 1, 1]), pd.Series([2, 2, 3, 3]), "increasing")
    assert not two["not_testable_reason"] and two["value_a"] == 0.5 and two["value_b"] == 1.0
    assert two["statistic"] == pytest.approx(cochran_armitage_z([1, 0, 1, 1], [0, 0, 1, 1]))
    one = significance.component_trend_share(pd.Series([1, 0]), pd.Series([2, 2]), "increasing")
    assert one["not_testable_reason"] == "the analysed plans are at 1 mobilisation level(s); a trend needs two or more"
    same = significance.component_trend_share(pd.Series([1, 1, 1]), pd.Series([1, 2, 3]), "increasing")
    assert same["not_testable_reason"] and same["value_a"] == 1.0 and math.isnan(same["p_value"])


# ------------------------------------------------------------------------------------------
# The coding as unit: bootstrap of plans, against the exact bootstrap distribution enumerated here.
# ------------------------------------------------------------------------------------------


def coded_sample(plans: dict[str, list[tuple[str, str]]]) -> AnalysedSample:
    """An analysed sample from {plan id: [(strategy, substrategy), ...]}, all at level 3."""
    rows = [{"plan_id": p, "name": p, "region": 1, "mobilisation_level": 3, "mobilisation_group": "3-4",
             "source_line": i + 2, "sampling_rank": i + 1} for i, p in enumerate(plans)]
    codings = [{"coding_id": 0, "plan_id": p, "object": "activities", "strategy": s, "substrategy": sub,
                "status": "applied", "excerpt": "", "coder": "T", "source_line": 0}
               for p, items in plans.items() for s, sub in items]
    return AnalysedSample(pd.DataFrame(rows), pd.DataFrame(codings), {"population_size": 50, "simulated": True})


def exact_bootstrap(hits: list[int], totals: list[int]) -> tuple[list[float], list[float]]:
    """Every resample of the plans with replacement (n^n equally likely ordered draws): the
    ratio of summed hits to summed passages of each, and its weights (all equal)."""
    n = len(hits)
    shares = [sum(hits[i] for i in draw) / sum(totals[i] for i in draw) for draw in itertools.product(range(n), repeat=n)]
    return shares, [1 / len(shares)] * len(shares)


# Five plans using `resources` with a sub-strategy: res_human in 3 of 4, 2 of 2, 1 of 3, 4 of 5 and
# 0 of 2 of their passages (10 of 16). Passages of another strategy, or without sub-strategy, do not count.
PASSAGES = {
    "P1": [("resources", "res_human")] * 3 + [("resources", "res_material")] + [("appropriation", "appr_norms")] * 4,
    "P2": [("resources", "res_human")] * 2 + [("resources", "")] * 3,
    "P3": [("resources", "res_human")] + [("resources", "res_financial")] * 2,
    "P4": [("resources", "res_human")] * 4 + [("resources", "res_material")],
    "P5": [("resources", "res_financial")] * 2 + [("policy_change", "policy_rlp")],
    "P6": [("appropriation", "appr_parents")] * 3,
}


def test_the_coding_majority_is_a_ratio_of_passages_with_a_bootstrap_of_plans():
    sample = coded_sample(PASSAGES)
    row = significance.component_coding_majority(sample, "resources", "res_human", seed=4, resamples=20000)
    shares, _ = exact_bootstrap([3, 2, 1, 4, 0], [4, 2, 3, 5, 2])
    shares = np.array(shares)
    p_exact = min(1.0, 2 * min((shares <= 0.5).mean(), (shares >= 0.5).mean()))
    assert (row["n"], row["statistic"], row["value_a"], row["effect"], row["value_b"]) == (5, 10.0, 10 / 16, 10 / 16, 0.5)
    assert row["detail"] == "10 of 16 passages in 5 plans" and row["direction"] == "as expected"
    assert row["label_a"] == "share of the resources passages coded res_human"
    assert row["p_value"] == pytest.approx(p_exact, abs=0.01)  # Monte Carlo error about 0.003
    assert np.quantile(shares, 0.015) <= row["ci_low"] <= np.quantile(shares, 0.035)
    assert np.quantile(shares, 0.965) <= row["ci_high"] <= np.quantile(shares, 0.985)
    below = significance.component_coding_majority(sample, "resources", "res_financial", seed=4, resamples=20000)
    assert below["value_a"] == 4 / 16 and below["direction"] == "opposite" and below["statistic"] == 4.0


def test_a_coding_share_of_exactly_one_half_in_every_resample_has_p_one():
    """Each plan codes one of its two passages res_human: every resample's share is exactly 1/2."""
    sample = coded_sample({f"P{i}": [("resources", "res_human"), ("resources", "res_material")] for i in range(4)})
    row = significance.component_coding_majority(sample, "resources", "res_human", seed=4, resamples=500)
    assert row["p_value"] == 1.0 and row["ci_low"] == row["ci_high"] == 0.5 and row["direction"] == "none"


def test_a_coding_share_far_from_one_half_has_the_smallest_bootstrap_p():
    """Every passage has the sub-strategy: no resample at or below 1/2, so p = 2 (0 + 1)/(R + 1);
    the share of another sub-strategy is 0: no resample at or above 1/2, the same p."""
    sample = coded_sample({f"P{i}": [("resources", "res_human")] * 2 for i in range(3)})
    row = significance.component_coding_majority(sample, "resources", "res_human", seed=4, resamples=999)
    assert row["p_value"] == pytest.approx(2 / 1000)
    none = significance.component_coding_majority(sample, "resources", "res_material", seed=4, resamples=999)
    assert none["value_a"] == 0.0 and none["p_value"] == pytest.approx(2 / 1000)  # no resample at or above 1/2


def test_a_coding_majority_without_passages_of_the_strategy_is_not_testable():
    sample = coded_sample({"P1": [("resources", ""), ("appropriation", "appr_norms")]})
    row = significance.component_coding_majority(sample, "resources", "res_human", seed=4)
    assert row["n"] == 0 and row["not_testable_reason"] == "no coded passage of resources has a sub-strategy"


# ------------------------------------------------------------------------------------------
# Presence of sub-strategies, balance of the sample, coverage of the sampled plans
# ------------------------------------------------------------------------------------------


def test_presence_counts_the_plans_using_each_substrategy_of_the_strategy(codebook):
    """resources has three sub-strategies: res_human used by P1 and P2, res_material by P3,
    res_financial by nobody (P4 codes resources without a sub-strategy; P5 another strategy)."""
    sample = coded_sample({"P1": [("resources", "res_human")], "P2": [("resources", "res_human")] * 2,
                           "P3": [("resources", "res_material")], "P4": [("resources", "")],
                           "P5": [("appropriation", "appr_norms")]})
    row = significance.component_presence(sample, codebook, "resources")
    assert (row["n"], row["statistic"], row["value_a"], row["value_b"]) == (4, 2, 2.0, 3.0)
    assert row["direction"] == "opposite"
    assert row["detail"] == "plans using each: res_material: 1, res_financial: 0, res_human: 2; absent: res_financial"
    complete = coded_sample({"P1": [("policy_change", "policy_rlp")], "P2": [("policy_change", "policy_institutions")],
                             "P3": [("resources", "res_human")]})
    row = significance.component_presence(complete, codebook, "policy_change")
    assert (row["n"], row["statistic"], row["value_a"], row["value_b"]) == (2, 2, 2.0, 2.0)
    assert row["direction"] == "as expected"
    assert row["detail"] == "plans using each: policy_rlp: 1, policy_institutions: 1"


def balance_tests(p_values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"variable": ["region", "mobilisation_level", "size"][:len(p_values)],
                         "statistic": [3.5, 9.25, 1.0][:len(p_values)], "sample_n": [40, 40, 40][:len(p_values)],
                         "primary_p_value": p_values})


def test_the_balance_component_shows_the_smallest_holm_adjusted_p_value():
    """Holm by hand: p = 0.04 and 0.01 give 2 x 0.01 = 0.02 and max(0.02, 0.04) = 0.04."""
    row = significance.component_balance(balance_tests([0.04, 0.01]), alpha=0.05)
    assert row["p_value"] == pytest.approx(0.02) and row["statistic"] == 9.25 and row["n"] == 40
    assert row["statistic_name"] == "Pearson chi-square, sampled vs not sampled, by mobilisation_level"
    assert row["direction"] == "opposite"
    assert row["detail"] == "region: X² = 3.50, p = 0.040; mobilisation_level: X² = 9.25, p = 0.010"
    assert significance.component_balance(balance_tests([0.04, 0.01]), alpha=0.02)["direction"] == "as expected"
    assert significance.component_balance(balance_tests([0.04, 0.01]), alpha=0.021)["direction"] == "opposite"
    three = significance.component_balance(balance_tests([0.5, 0.3, 0.9]), alpha=0.05)
    # Holm: 3 x 0.3 = 0.9, max(0.9, 2 x 0.5) = 1, max(1, 0.9) = 1: the smallest is the second variable's
    assert three["p_value"] == pytest.approx(0.9) and three["statistic"] == 9.25 and three["direction"] == "as expected"


def test_coverage_needs_every_sampled_plan_rated_and_analysed():
    sample = coded_sample({"P1": [("resources", "res_human")], "P2": [("resources", "")]})
    sampled = pd.DataFrame({"plan_id": ["P1", "P2"], "mobilisation_level": [3, 2]})
    row = significance.component_coverage(sampled, sample)
    assert (row["n"], row["statistic"], row["value_a"], row["value_b"], row["direction"]) == (2, 2, 2.0, 2.0, "as expected")
    assert row["detail"] == "2 of 2 sampled plans analysed"
    unrated = significance.component_coverage(sampled.assign(mobilisation_level=[3, None]), sample)
    assert unrated["direction"] == "opposite"
    more = pd.DataFrame({"plan_id": ["P1", "P2", "P3"], "mobilisation_level": [3, 2, 1]})
    row = significance.component_coverage(more, sample)
    assert (row["n"], row["statistic"], row["value_b"], row["direction"]) == (3, 2, 3.0, "opposite")
    assert row["detail"] == "2 of 3 sampled plans analysed"


# ------------------------------------------------------------------------------------------
# The exploratory battery, the distributions, the objects within plans, the adjustment labels
# ------------------------------------------------------------------------------------------


def level_sample(users: list[int], per_level: int = 10, levels=(1, 2, 3, 4)) -> AnalysedSample:
    """`per_level` plans at each of the `levels`; at the j-th level the first users[j] of them
    also code `relations` (every plan codes `activities`, with the strategy resources)."""
    rows, codings = [], []
    for level, k in zip(levels, users):
        for i in range(per_level):
            plan = f"L{level}-{i}"
            rows.append({"plan_id": plan, "name": plan, "region": 1, "mobilisation_level": level,
                         "mobilisation_group": "1-2" if level <= 2 else "3-4", "source_line": 0, "sampling_rank": 0})
            for obj in ["activities"] + (["relations"] if i < k else []):
                codings.append({"coding_id": 0, "plan_id": plan, "object": obj, "strategy": "resources",
                                "substrategy": "", "status": "applied", "excerpt": "", "coder": "T", "source_line": 0})
    return AnalysedSample(pd.DataFrame(rows), pd.DataFrame(codings), {"population_size": 400, "simulated": True})


def test_a_battery_row_against_scipy_and_hand_formulas(codebook):
    """relations used by 2, 4, 6, 8 of the 10 plans of levels 1-4: expected counts all 5, so
    Cochran's rule holds and the p-value is the asymptotic chi-square's (scipy); Cramér's V =
    sqrt(X²/n); the trend's z = sqrt(N) r with scores 0..3. Groups: 6 of 20 (1-2) and 14 of 20
    (3-4): odds ratio 3-4 vs 1-2 (scipy's conditional estimate, exact interval), risk difference
    +40 points (Newcombe)."""
    table = significance.battery(level_sample([2, 4, 6, 8]), codebook, seed=3)
    rows = table[(table["variable_type"] == "object") & (table["code"] == "relations")].set_index("grouping")
    level = rows.loc["level"]
    counts = [[2, 4, 6, 8], [8, 6, 4, 2]]
    chi2, p, df, _ = scipy.stats.chi2_contingency(counts, correction=False)
    assert (level["categories"], level["plans_using"], level["plans_in_category"], level["n"]) == \
        ("1|2|3|4", "2|4|6|8", "10|10|10|10", 40)
    assert (level["statistic"], level["df"], level["p_value"], level["p_value_asymptotic"]) == pytest.approx((chi2, df, p, p))
    assert bool(level["cochran_rule_holds"]) and level["cramers_v"] == pytest.approx(math.sqrt(chi2 / 40))
    indicator = [1] * 2 + [0] * 8 + [1] * 4 + [0] * 6 + [1] * 6 + [0] * 4 + [1] * 8 + [0] * 2
    z = cochran_armitage_z(indicator, [s for s in range(4) for _ in range(10)])
    assert level["trend_z"] == pytest.approx(z) and level["trend_p"] == pytest.approx(2 * scipy.stats.norm.sf(z))
    assert math.isnan(level["odds_ratio"]) and level["or_orientation"] == ""
    group = rows.loc["group"]
    odds = scipy.stats.contingency.odds_ratio([[14, 6], [6, 14]], kind="conditional")
    low, high = newcombe_hybrid(14, 20, 6, 20)
    assert (group["categories"], group["plans_using"], group["plans_in_category"]) == ("1-2|3-4", "6|14", "20|20")
    assert group["or_orientation"] == "3-4 vs 1-2" and math.isnan(group["trend_z"])
    assert (group["odds_ratio"], group["odds_ratio_ci_low"], group["odds_ratio_ci_high"]) == pytest.approx(
        (odds.statistic, *odds.confidence_interval(0.95)), rel=1e-6)
    assert (group["risk_difference_pp"], group["rd_ci_low_pp"], group["rd_ci_high_pp"]) == pytest.approx((40.0, 100 * low, 100 * high))
    assert group["effect_note"] == ""


def test_a_battery_row_over_three_levels_has_its_trend(codebook):
    """Plans at levels 1, 2 and 3 only (1, 3 and 5 of 6 name relations): scores 0, 1, 2."""
    table = significance.battery(level_sample([1, 3, 5], per_level=6, levels=(1, 2, 3)), codebook, seed=3)
    level = table[(table["code"] == "relations") & (table["grouping"] == "level")].iloc[0]
    indicator = [1] * 1 + [0] * 5 + [1] * 3 + [0] * 3 + [1] * 5 + [0] * 1
    assert level["categories"] == "1|2|3"
    assert level["trend_z"] == pytest.approx(cochran_armitage_z(indicator, [s for s in range(3) for _ in range(6)]))


def test_a_battery_row_with_a_zero_cell_or_two_levels_only(codebook):
    """Every plan of group 3-4 codes relations: the odds ratio is infinite, not shown; with plans
    at two levels only, the level row has no trend test (it is the group row's 2 x 2)."""
    table = significance.battery(level_sample([1, 3, 10, 10]), codebook, seed=3)
    group = table[(table["code"] == "relations") & (table["grouping"] == "group")].iloc[0]
    assert math.isnan(group["odds_ratio"]) and group["effect_note"].startswith("odds ratio not estimable: a zero cell")
    assert group["risk_difference_pp"] == pytest.approx(80.0)
    level = significance.battery(level_sample([2, 6], levels=(1, 3)), codebook, seed=3)
    level = level[(level["code"] == "relations") & (level["grouping"] == "level")].iloc[0]
    assert level["categories"] == "1|3" and math.isnan(level["trend_z"]) and level["or_orientation"] == ""


def test_exploratory_rows_are_holm_adjusted_and_a_confirmatory_row_takes_its_components_values():
    """Exploratory p 0.01, 0.04 and one missing: Holm by hand over the two, 0.02 and 0.04, m = 2;
    the row of F2.1 shows that component's raw and adjusted p and its correction."""
    table = pd.DataFrame({"code": ["a", "b", "c", "d"], "p_value": [0.01, 0.04, float("nan"), 0.5]})
    components = pd.DataFrame({"finding": ["F1", "F2"], "component": [1, 1], "p_value": [0.3, 0.003],
                               "p_adjusted": [0.6, 0.021], "adjustment": ["x", "Holm across the 7 findings"]})
    out = significance.label_adjustments(table, components, pd.Series(["", "", "", "F2.1"]))
    assert out["p_adjusted"].iloc[:2].tolist() == pytest.approx([0.02, 0.04]) and math.isnan(out["p_adjusted"].iloc[2])
    assert out["adjustment"].iloc[0] == "Holm across the 2 exploratory rows of this table"
    assert (out["p_value"].iloc[3], out["p_adjusted"].iloc[3]) == (0.003, 0.021)
    assert out["adjustment"].iloc[3] == "confirmatory component F2.1: Holm across the 7 findings"
    assert out["confirmatory_component"].tolist() == ["", "", "", "F2.1"]


def test_the_distribution_tests_against_scipy():
    """n_codings by level (1: 1, 2; 2: 2, 3; 3: 4, 5; 4: 6, 8): Kruskal-Wallis H (scipy, with its
    tie correction), Jonckheere's J counted by hand, Mann-Whitney U of 3-4 against 1-2 (scipy)."""
    values = {1: [1.0, 2.0], 2: [2.0, 3.0], 3: [4.0, 5.0], 4: [6.0, 8.0]}
    per_plan = pd.DataFrame([{"plan_id": f"{level}-{i}", "mobilisation_level": level,
                              "mobilisation_group": "1-2" if level <= 2 else "3-4", "n_codings": v}
                             for level, vs in values.items() for i, v in enumerate(vs)])
    for measure in significance.DISTRIBUTION_MEASURES:
        if measure != "n_codings":
            per_plan[measure] = float("nan")
    table = significance.distributions(per_plan, seed=3)
    assert set(table["measure"]) == {"n_codings"}
    rows = table.set_index("test")
    kw = scipy.stats.kruskal(*values.values())
    assert (rows.loc["Kruskal-Wallis (4 levels)", "statistic"], rows.loc["Kruskal-Wallis (4 levels)", "p_value"]) == \
        pytest.approx((kw.statistic, kw.pvalue))
    groups = list(values.values())
    j = sum((a < b) + 0.5 * (a == b) for i in range(4) for k in range(i + 1, 4) for a in groups[i] for b in groups[k])
    assert rows.loc["Jonckheere-Terpstra (ordered levels)", "statistic"] == j == 23.5
    mw = scipy.stats.mannwhitneyu([4, 5, 6, 8], [1, 2, 2, 3])
    mann = rows.loc["Mann-Whitney (3-4 vs 1-2)"]
    assert (mann["statistic"], mann["p_value"], mann["effect"]) == pytest.approx((mw.statistic, mw.pvalue, 2 * mw.statistic / 16 - 1))
    assert mann["n"] == 8 and (table["adjustment"] == "Holm across the 3 exploratory rows of this table").all()


def test_distributions_skip_a_measure_equal_everywhere_or_at_one_level():
    per_plan = pd.DataFrame({"plan_id": ["a", "b", "c", "d"], "mobilisation_level": [1, 1, 3, 3],
                             "mobilisation_group": ["1-2", "1-2", "3-4", "3-4"]})
    for measure in significance.DISTRIBUTION_MEASURES:
        per_plan[measure] = float("nan")
    per_plan["n_codings"] = [2.0, 2.0, 2.0, 2.0]        # equal everywhere: no test
    per_plan["n_objects"] = [1.0, 2.0, 3.0, float("nan")]  # two levels: every test
    per_plan["n_strategies"] = [1.0, 1.0, 2.0, 2.0]     # two levels, two distinct values: every test
    per_plan["n_substrategies"] = [1.0, 2.0, float("nan"), float("nan")]  # one level, one group: none
    table = significance.distributions(per_plan, seed=3)
    assert table["measure"].tolist() == ["n_objects"] * 3 + ["n_strategies"] * 3
    assert table["n"].tolist() == [3, 3, 3, 4, 4, 4]


def test_objects_within_plans_against_cochrans_q_and_mcnemar(codebook):
    """Twelve plans: activities named by 10, relations by 6, structures by 3. Cochran's Q
    against statsmodels; each pair's discordant counts by hand, exact McNemar p (binomial test)
    and Holm across the three pairs by hand."""
    from statsmodels.stats.contingency_tables import cochrans_q

    named = [("activities", "relations")] * 4 + [("activities",)] * 3 + [("activities", "structures")] * 2 + \
        [("relations", "structures")] + [("relations",)] + [("activities",)]
    rows, codings = [], []
    for i, objs in enumerate(named):
        rows.append({"plan_id": f"P{i}", "mobilisation_level": 1, "mobilisation_group": "1-2"})
        codings += [{"plan_id": f"P{i}", "object": o, "strategy": "resources", "substrategy": "", "status": "applied"} for o in objs]
    sample = AnalysedSample(pd.DataFrame(rows), pd.DataFrame(codings), {})
    table = significance.objects_within_plans(sample, codebook)
    use = np.array([[int(o in objs) for o in ("activities", "relations", "structures")] for objs in named])
    q = cochrans_q(use)
    first = table.iloc[0]
    assert (first["statistic"], first["df"], first["p_value"]) == pytest.approx((q.statistic, 2, q.pvalue))
    pairs = table.iloc[1:].set_index(["first", "second"])
    expected = {("activities", "relations"): (6, 2), ("activities", "structures"): (8, 1), ("relations", "structures"): (5, 2)}
    p = {pair: scipy.stats.binomtest(b, b + c).pvalue for pair, (b, c) in expected.items()}
    order = sorted(p, key=p.get)
    holm, running = {}, 0.0
    for rank, pair in enumerate(order):
        running = max(running, min(1.0, (3 - rank) * p[pair]))
        holm[pair] = running
    for pair, (b, c) in expected.items():
        row = pairs.loc[pair]
        assert row["statistic"] == b - c and row["p_value"] == pytest.approx(p[pair]) and row["p_holm"] == pytest.approx(holm[pair])
        assert (row["first_share"], row["second_share"]) == pytest.approx(
            (use[:, ["activities", "relations", "structures"].index(pair[0])].mean(),
             use[:, ["activities", "relations", "structures"].index(pair[1])].mean()))
    assert first["p_holm"] == first["p_value"] and len(table) == 4  # Q, then each pair once


def test_objects_named_alike_by_every_plan_give_q_zero_and_p_one(codebook):
    """Every plan names the three objects: Cochran's Q is undefined (0/0); nothing differs."""
    rows = [{"plan_id": f"P{i}", "mobilisation_level": 1, "mobilisation_group": "1-2"} for i in range(3)]
    codings = [{"plan_id": f"P{i}", "object": o, "strategy": "resources", "substrategy": "", "status": "applied"}
               for i in range(3) for o in ("activities", "relations", "structures")]
    table = significance.objects_within_plans(AnalysedSample(pd.DataFrame(rows), pd.DataFrame(codings), {}), codebook)
    assert (table.iloc[0]["statistic"], table.iloc[0]["df"], table.iloc[0]["p_value"]) == (0.0, 2, 1.0)
    assert (table.iloc[1:]["p_value"] == 1.0).all() and (table.iloc[1:]["statistic"] == 0).all()


# ------------------------------------------------------------------------------------------
# Adjustment of the components, their numbering and description, the confirmatory rows
# ------------------------------------------------------------------------------------------

def _registry(*findings: Finding) -> Registry:
    return Registry(alpha=0.05, families={"confirmatory": {"adjustment": "holm_findings"},
                                          "exploratory": {"adjustment": "holm"}}, findings=list(findings))


def _components(rows: list[tuple[str, int, str, str, float]]) -> pd.DataFrame:
    table = pd.DataFrame([significance._component_row(finding=f, component=c, kind=k, family=fam, p_value=p)
                          for f, c, k, fam, p in rows], columns=significance.COMPONENT_COLUMNS)
    return table


def test_components_are_adjusted_by_family_with_the_size_each_correction_uses():
    """Confirmatory (Holm across findings, each finding's p its largest component's): F1 max
    0.02, F2 0.01 (its presence component is descriptive: no p) -> F2 2 x 0.01 = 0.02, F1
    max(0.02, 1 x 0.02) = 0.02; F1's other component keeps min(its own x 2, ...) (hand: 0.01 x 2
    = 0.02 capped by the finding's 0.02). Exploratory (Holm across its 3 components): 0.01, 0.04,
    0.05 -> 0.03, 0.08, 0.08. The outside-any-family component keeps its raw p."""
    table = _components([("F1", 1, "majority", "confirmatory", 0.02), ("F1", 2, "majority", "confirmatory", 0.01),
                         ("F2", 1, "majority", "confirmatory", 0.01), ("F2", 2, "presence", "confirmatory", float("nan")),
                         ("E1", 1, "majority", "exploratory", 0.04), ("E1", 2, "majority", "exploratory", 0.01),
                         ("E2", 1, "majority", "exploratory", 0.05), ("X1", 1, "majority", "", 0.05),
                         ("M1", 1, "balance", "", 0.01)])
    registry = _registry()
    out = significance.adjust_components(table, registry)
    assert out["p_adjusted"].iloc[[0, 2]].tolist() == pytest.approx([0.02, 0.02])
    assert out["p_adjusted"].iloc[[4, 5, 6, 7]].tolist() == pytest.approx([0.08, 0.03, 0.08, 0.05])
    assert math.isnan(out["p_adjusted"].iloc[3]) and out["p_value"].iloc[0] == 0.02
    assert out["adjustment"].tolist()[:2] == [findings_label("confirmatory", 2)] * 2
    assert out["adjustment"].iloc[3] == "" and out["adjustment"].iloc[7] == ""
    assert out["adjustment"].iloc[4] == "Holm across the 3 components of the family 'exploratory'"
    assert out["significant"].tolist()[:3] == [True, True, True] and out["significant"].iloc[3] is pd.NA
    assert out["significant"].iloc[4] == False and out["significant"].iloc[7] == False  # 0.05 is not below alpha  # noqa: E712
    # a descriptive check keeps its raw p but is not tested: no adjusted p, no significance
    assert out["p_value"].iloc[8] == 0.01 and math.isnan(out["p_adjusted"].iloc[8]) and out["significant"].iloc[8] is pd.NA


def findings_label(family: str, size: int) -> str:
    return (f"Holm across the {size} findings of the family '{family}' (each finding's p-value is its largest "
            "component p-value: intersection-union rule)")


def test_a_component_is_described_by_its_registry_arguments():
    assert significance.describe_component({"kind": "majority", "indicator": "strategy:resources"}) == \
        "majority(indicator=strategy:resources)"
    assert significance.describe_component({"kind": "coverage"}) == "coverage()"


def test_the_confirmatory_rows_name_each_components_label_and_higher_group():
    shift = {"kind": "group_shift", "measure": "n_strategies", "expected": {"higher_in": "1-2"}}
    diff = {"kind": "group_difference", "indicator": "object:relations", "expected": {"higher_in": "3-4"}}
    trend = {"kind": "trend_levels", "measure": "n_codings", "expected": "increasing"}
    registry = _registry(Finding("F1", "s", "r", "confirmatory", [trend, shift], {}),
                         Finding("F2", "s", "r", None, [diff], {}),
                         Finding("F3", "s", "r", "exploratory", [{"kind": "majority", "indicator": "x"}, diff], {}))
    assert significance.confirmatory_rows(registry, ("group_shift", "group_difference", "trend_levels")) == {
        ("trend_levels", "n_codings"): ("F1.1", "increasing"), ("group_shift", "n_strategies"): ("F1.2", "1-2"),
        ("group_difference", "object:relations"): ("F3.2", "3-4")}
    assert significance.confirmatory_rows(registry, ("group_shift",)) == {("group_shift", "n_strategies"): ("F1.2", "1-2")}


def _context(sample: AnalysedSample, codebook, sample_dir=Path("unused"), alpha: float = 0.05):
    return significance.ComponentContext(sample, pd.DataFrame({"plan_id": sample.plan_ids}), codebook,
                                         Path(sample_dir), alpha, seed=7)


def test_balance_and_coverage_components_read_their_own_files_of_the_sampling_stage(codebook, tmp_path):
    sample = level_sample([2, 4, 6, 8], per_level=2)
    balance_tests([0.04, 0.01]).to_csv(tmp_path / "balance_tests.csv", index=False)
    sample.plans.assign(mobilisation_level=sample.plans["mobilisation_level"].astype(float)).to_csv(
        tmp_path / "sampled_plans.csv", index=False)
    ctx = _context(sample, codebook, tmp_path)
    balance = significance.compute_component({"kind": "balance"}, "M1.1", ctx)
    assert balance["p_value"] == pytest.approx(0.02) and balance["direction"] == "opposite"
    coverage = significance.compute_component({"kind": "coverage"}, "M2.1", ctx)
    assert coverage["detail"] == "8 of 8 sampled plans analysed" and coverage["direction"] == "as expected"


def test_component_rows_number_the_components_from_one_and_keep_the_family(codebook):
    """Two plans at each level; 0, 1, 1 and 2 of them name relations: 4 of 8."""
    sample = level_sample([0, 1, 1, 2], per_level=2)
    spec = {"kind": "majority", "indicator": "object:relations"}
    rows = significance.component_rows([(Finding("F1", "s", "r", "confirmatory", [spec, spec], {}), [spec, spec]),
                                        (Finding("F2", "s", "r", None, [spec], {}), [spec])], _context(sample, codebook))
    assert rows[["finding", "component", "family"]].values.tolist() == [["F1", 1, "confirmatory"], ["F1", 2, "confirmatory"],
                                                                        ["F2", 1, ""]]
    assert rows["description"].tolist() == ["majority(indicator=object:relations)"] * 3
    assert rows["statistic"].tolist() == [4, 4, 4] and rows["n"].tolist() == [8, 8, 8]


def test_an_alternative_specification_is_adjusted_as_if_it_replaced_the_primary_one(codebook):
    """Forty plans: every plan names activities, 30 name relations, none structures. F1's
    alternative 'alt' (activities and relations) takes F1's place in the confirmatory family
    beside F2's primary component (structures): the same numbers as a registry whose F1 is
    specified that way, labelled F1 / alt; F2's rows are not repeated. (No two findings tie:
    Holm's order among tied findings would follow the rows' order.)"""
    sample = level_sample([6, 7, 8, 9])
    plans = pd.DataFrame({"plan_id": sample.plan_ids})
    relations = {"kind": "majority", "indicator": "object:relations"}
    activities = {"kind": "majority", "indicator": "object:activities"}
    structures = {"kind": "majority", "indicator": "object:structures"}
    f1 = Finding("F1", "s", "r", "confirmatory", [relations], {}, alternatives=[{"id": "alt", "components": [activities, relations]}])
    f2 = Finding("F2", "s", "r", "confirmatory", [structures], {})
    registry = _registry(f1, f2)
    primary = significance.finding_components(registry, sample, plans, codebook, Path("unused"), seed=7)
    alternatives = significance.alternative_components(registry, primary, sample, plans, codebook, Path("unused"), seed=7)
    as_if = _registry(Finding("F1", "s", "r", "confirmatory", [activities, relations], {}), f2)
    reference = significance.finding_components(as_if, sample, plans, codebook, Path("unused"), seed=7)
    reference = reference[reference["finding"] == "F1"]
    assert alternatives["specification"].tolist() == ["alt", "alt"] and alternatives["finding"].tolist() == ["F1", "F1"]
    assert alternatives["statistic"].tolist() == [40, 30]
    assert alternatives["p_value"].tolist() == pytest.approx(reference["p_value"].tolist())
    assert alternatives["p_adjusted"].tolist() == pytest.approx(reference["p_adjusted"].tolist())
    assert alternatives["p_adjusted"].iloc[1] == pytest.approx(2 * alternatives["p_value"].iloc[1])  # Holm, 2 findings
    assert alternatives["adjustment"].tolist() == [findings_label("confirmatory", 2)] * 2
