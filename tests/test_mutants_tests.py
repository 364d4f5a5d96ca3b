"""Components computed on small data sets built here, checked number by number against
independent references (scipy, statsmodels, hand computation): written for the mutants of
rlp_pipeline/stages/tests.py the direction tests let through (they check signs, not values;
benchmarks/mutation-results.md lists them)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.proportion import proportion_confint

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
    """Levels 1 (1 of 4 plans), 2 (1 of 1) and 4 (2 of 3): equally spaced scores 0, 1, 2 in the
    levels' order; shares 25%, 100%, 66.7%; effect: level 4 minus level 1 in points (Newcombe)."""
    indicator = pd.Series([1, 0, 0, 0, 1, 1, 1, 0])
    levels = pd.Series([1, 1, 1, 1, 2, 4, 4, 4])
    row = significance.component_trend_share(indicator, levels, "increasing")
    z = cochran_armitage_z(indicator, levels.map({1: 0, 2: 1, 4: 2}))
    low, high = newcombe_hybrid(2, 3, 1, 4)
    assert (row["n"], row["label_a"], row["label_b"]) == (8, "share at level 1", "share at level 4")
    assert (row["value_a"], row["value_b"]) == pytest.approx((0.25, 2 / 3))
    assert row["detail"] == "shares by level: 1: 0.250, 2: 1.000, 4: 0.667"
    assert row["statistic"] == pytest.approx(z) and row["p_value"] == pytest.approx(2 * scipy.stats.norm.sf(abs(z)))
    assert row["direction"] == "as expected"
    assert (row["risk_difference_pp"], row["rd_ci_low_pp"], row["rd_ci_high_pp"]) == pytest.approx(
        (100 * (2 / 3 - 0.25), 100 * low, 100 * high))
    assert row["effect_name"] == "difference of shares, level 4 minus level 1 (percentage points)"
    falling = significance.component_trend_share(indicator, levels, "decreasing")
    assert falling["direction"] == "opposite"


def test_a_trend_in_a_share_needs_two_levels_and_two_outcomes():
    two = significance.component_trend_share(pd.Series([1, 0, 1, 1]), pd.Series([2, 2, 3, 3]), "increasing")
    assert not two["not_testable_reason"] and two["value_a"] == 0.5 and two["value_b"] == 1.0
    assert two["statistic"] == pytest.approx(cochran_armitage_z([1, 0, 1, 1], [0, 0, 1, 1]))
    one = significance.component_trend_share(pd.Series([1, 0]), pd.Series([2, 2]), "increasing")
    assert one["not_testable_reason"] == "the analysed plans are at 1 mobilisation level(s); a trend needs two or more"
    same = significance.component_trend_share(pd.Series([1, 1, 1]), pd.Series([1, 2, 3]), "increasing")
    assert same["not_testable_reason"] and same["value_a"] == 1.0 and math.isnan(same["p_value"])
