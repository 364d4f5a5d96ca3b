"""Tests written for the mutants of stats/inference.py that the module's tests left alive
(benchmarks/mutation-results.md): the functions the findings depend on most (Cochran-Armitage,
Newcombe's risk difference and its Wilson intervals, the paired difference, McNemar, the
binomial test, the odds ratio), each against an independent reference: a correlation computed
over the individuals, statsmodels, beta quantiles (Clopper-Pearson), sums of binomial terms
with math.comb, R's published fisher.test output, Woolf's formula by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.proportion import confint_proportions_2indep

from rlp_pipeline.stats import inference
from rlp_pipeline.stats.inference import NotTestable


# ------------------------------------------------------------------------------------------
# Cochran-Armitage
# ------------------------------------------------------------------------------------------


def _z_from_correlation(table, scores):
    """z = sqrt(N) r, r the Pearson correlation between score and outcome over the N individuals
    (the docstring's identity, computed independently of the function's formula)."""
    x, y = [], []
    for j, s in enumerate(scores):
        x += [s] * int(table[0][j] + table[1][j])
        y += [1] * int(table[0][j]) + [0] * int(table[1][j])
    r = np.corrcoef(x, y)[0, 1]
    return math.sqrt(len(x)) * r


@pytest.mark.parametrize("table, scores", [
    ([[2, 5, 9], [10, 7, 3]], None),
    ([[9, 5, 2], [3, 7, 10]], None),
    ([[1, 4, 4, 7], [8, 6, 3, 2]], [1, 2, 4, 8]),
    ([[6, 3], [2, 7]], [0, 5]),
])
def test_cochran_armitage_equals_the_correlation_over_the_individuals(table, scores):
    result = inference.cochran_armitage(table, scores)
    z = _z_from_correlation(table, scores if scores is not None else range(len(table[0])))
    assert result["z"] == pytest.approx(z, rel=1e-10)
    assert result["p_two_sided"] == pytest.approx(2 * scipy.stats.norm.sf(abs(z)), rel=1e-9)
    assert result["p_increasing"] == pytest.approx(scipy.stats.norm.sf(z), rel=1e-9)
    assert result["p_decreasing"] == pytest.approx(scipy.stats.norm.cdf(z), rel=1e-9)


def test_cochran_armitage_refuses_bad_shapes_and_untestable_tables():
    with pytest.raises(ValueError, match="2xK"):
        inference.cochran_armitage([[1, 2], [3, 4], [5, 6]])
    with pytest.raises(ValueError, match="2xK"):
        inference.cochran_armitage([[1], [3]])
    with pytest.raises(ValueError, match="need 3 scores, got 2"):
        inference.cochran_armitage([[1, 2, 3], [3, 4, 5]], scores=[0, 1])
    with pytest.raises(NotTestable, match="empty"):
        inference.cochran_armitage([[0, 0], [0, 0]])
    with pytest.raises(NotTestable, match="same outcome"):
        inference.cochran_armitage([[3, 4], [0, 0]])
    with pytest.raises(NotTestable, match="same outcome"):
        inference.cochran_armitage([[0, 0], [3, 4]])
    with pytest.raises(NotTestable, match="do not vary"):
        inference.cochran_armitage([[3, 0, 0], [4, 0, 0]])
    with pytest.raises(NotTestable, match="do not vary"):
        inference.cochran_armitage([[3, 1], [4, 2]], scores=[2, 2])
    # two groups with plans are enough (one group empty)
    assert math.isfinite(inference.cochran_armitage([[3, 0, 1], [1, 0, 4]])["z"])


# ------------------------------------------------------------------------------------------
# Risk differences
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("x1, n1, x2, n2", [(56, 70, 48, 80), (9, 10, 3, 10), (0, 10, 3, 12), (10, 10, 0, 7),
                                            (5, 5, 5, 5), (1, 3, 2, 3)])
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_risk_difference_matches_statsmodels_newcombe(x1, n1, x2, n2, confidence):
    result = inference.risk_difference(x1, n1, x2, n2, confidence)
    low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - confidence)
    assert result["difference"] == pytest.approx(x1 / n1 - x2 / n2, abs=1e-12)
    assert result["ci_low"] == pytest.approx(low, abs=1e-9)
    assert result["ci_high"] == pytest.approx(high, abs=1e-9)


def test_newcombes_published_example():
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
    result = inference.risk_difference(56, 70, 48, 80)
    assert (round(result["ci_low"], 4), round(result["ci_high"], 4)) == (0.0524, 0.3339)


def test_risk_difference_refuses_an_empty_group():
    for args in ((1, 0, 1, 2), (1, 2, 0, 0)):
        with pytest.raises(NotTestable):
            inference.risk_difference(*args)


def _clopper_pearson(k, n, confidence):
    a = (1 - confidence) / 2
    low = 0.0 if k == 0 else scipy.stats.beta.ppf(a, k, n - k + 1)
    high = 1.0 if k == n else scipy.stats.beta.ppf(1 - a, k + 1, n - k)
    return low, high


@pytest.mark.parametrize("b, c, n", [(8, 2, 30), (2, 8, 30), (5, 0, 12), (0, 3, 3), (4, 4, 9)])
@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_paired_risk_difference_maps_the_clopper_pearson_interval(b, c, n, confidence):
    result = inference.paired_risk_difference(b, c, n, confidence)
    low, high = _clopper_pearson(b, b + c, confidence)
    m = b + c
    assert result["difference"] == pytest.approx((b - c) / n, abs=1e-12)
    assert result["ci_low"] == pytest.approx(m / n * (2 * low - 1), abs=1e-9)
    assert result["ci_high"] == pytest.approx(m / n * (2 * high - 1), abs=1e-9)


def test_paired_risk_difference_without_discordant_plan_or_plan():
    assert inference.paired_risk_difference(0, 0, 5) == {"difference": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    with pytest.raises(NotTestable):
        inference.paired_risk_difference(0, 0, 0)
    with pytest.raises(ValueError, match="b must be"):
        inference.paired_risk_difference(-1, 0, 3)


# ------------------------------------------------------------------------------------------
# McNemar and the binomial test
# ------------------------------------------------------------------------------------------


def _binomial_sum(ks, m):
    return sum(math.comb(m, k) for k in ks) / 2 ** m


@pytest.mark.parametrize("b, c", [(8, 2), (2, 8), (5, 5), (6, 0), (0, 1), (13, 4)])
def test_mcnemar_exact_by_binomial_sums(b, c):
    m = b + c
    result = inference.mcnemar_exact(b, c)
    assert result["p_two_sided"] == pytest.approx(min(1.0, 2 * _binomial_sum(range(0, min(b, c) + 1), m)), rel=1e-12)
    assert result["p_b_greater"] == pytest.approx(_binomial_sum(range(b, m + 1), m), rel=1e-12)


def test_mcnemar_without_discordant_pair_and_with_bad_counts():
    assert inference.mcnemar_exact(0, 0) == {"p_two_sided": 1.0, "p_b_greater": 1.0}
    for bad in (-1, 1.5, math.nan, math.inf):
        with pytest.raises(ValueError, match="non-negative whole number"):
            inference.mcnemar_exact(bad, 2)
    assert inference.mcnemar_exact(3.0, np.int64(1)) == inference.mcnemar_exact(3, 1)


@pytest.mark.parametrize("k, n", [(7, 10), (3, 10), (10, 10), (0, 4), (682, 925)])
def test_binomial_test_by_binomial_sums(k, n):
    result = inference.binomial_test(k, n)
    if n <= 100:
        assert result["p_greater"] == pytest.approx(_binomial_sum(range(k, n + 1), n), rel=1e-12)
        probabilities = [math.comb(n, i) / 2 ** n for i in range(n + 1)]
        two = sum(p for p in probabilities if p <= probabilities[k] * (1 + 1e-7))
        assert result["p_two_sided"] == pytest.approx(min(1.0, two), rel=1e-9)
    else:  # R: binom.test(682, 925, p = 0.75) is the classic example; here p0 = 0.5
        assert result["p_greater"] == pytest.approx(scipy.stats.binom.sf(k - 1, n, 0.5), rel=1e-9)


def test_binomial_test_refuses_no_trial_and_more_successes_than_trials():
    with pytest.raises(NotTestable):
        inference.binomial_test(0, 0)
    with pytest.raises(ValueError, match="exceed"):
        inference.binomial_test(5, 4)
    assert inference.binomial_test(4, 4)["p_greater"] == pytest.approx(1 / 16)


# ------------------------------------------------------------------------------------------
# Odds ratio
# ------------------------------------------------------------------------------------------


def test_odds_ratio_of_the_tea_tasting_as_r_fisher_test():
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2)): odds ratio 6.408309, 95% CI 0.2117329 621.9337505,
    # found by uniroot (tol 1.22e-4) on psi for the lower bound, on 1 / psi above 1
    # (tests/test_inference.py::test_tea_tasting_odds_ratio explains): compared on those scales.
    result = inference.odds_ratio_2x2([[3, 1], [1, 3]])
    tolerance = 1.22e-4 * 1.01
    assert abs(1 / result["odds_ratio"] - 1 / 6.408309) < tolerance
    assert abs(result["ci_low"] - 0.2117329) < tolerance
    assert abs(1 / result["ci_high"] - 1 / 621.9337505) < tolerance
    assert "exact 95% interval" in result["kind"]
    assert "exact 90% interval" in inference.odds_ratio_2x2([[3, 1], [1, 3]], confidence=0.9)["kind"]


def test_a_large_table_uses_woolfs_interval_by_hand():
    table = [[600, 400], [500, 501]]  # 2001 plans, just above the conditional limit
    a, b, c, d = 600, 400, 500, 501
    result = inference.odds_ratio_2x2(table, confidence=0.9)
    estimate = a * d / (b * c)
    half = scipy.stats.norm.ppf(0.95) * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert result["odds_ratio"] == pytest.approx(estimate, rel=1e-12)
    assert result["ci_low"] == pytest.approx(estimate * math.exp(-half), rel=1e-9)
    assert result["ci_high"] == pytest.approx(estimate * math.exp(half), rel=1e-9)
    assert "Woolf (log) 90% interval (2001 plans, above the 2000" in result["kind"]
    # exactly at the limit: still the conditional estimate
    assert "Woolf" not in inference.odds_ratio_2x2([[600, 400], [500, 500]])["kind"]
    # above the limit with a zero cell: the conditional estimate (Woolf's needs every cell)
    assert "Woolf" not in inference.odds_ratio_2x2([[1000, 0], [500, 501]])["kind"]
    # ... but a smallest cell of one is enough for Woolf's
    one = inference.odds_ratio_2x2([[1, 999], [500, 501]])
    assert "Woolf" in one["kind"] and one["odds_ratio"] == pytest.approx(501 / (999 * 500), rel=1e-12)


def test_odds_ratio_refuses_a_table_that_is_not_2x2():
    with pytest.raises(ValueError, match="2x2"):
        inference.odds_ratio_2x2([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(NotTestable):
        inference.odds_ratio_2x2([[0, 0], [4, 5]])


# ------------------------------------------------------------------------------------------
# Jonckheere-Terpstra (third session: lines 840-1021)
# ------------------------------------------------------------------------------------------


def _pair_count_j(groups):
    """J by its definition: over ordered group pairs i < j, #{b > a} + 0.5 #{b == a}."""
    return sum((b > a) + 0.5 * (b == a) for i in range(len(groups)) for j in range(i + 1, len(groups))
               for a in groups[i] for b in groups[j])


def _permutation_null(groups):
    """J of every distinct assignment of the pooled positions to groups of the same sizes
    (equally likely under the null): the complete permutation distribution."""
    import itertools
    pooled = [v for g in groups for v in g]
    sizes = [len(g) for g in groups]

    def assignments(positions, sizes):
        if not sizes:
            yield []
            return
        for first in itertools.combinations(positions, sizes[0]):
            rest = [p for p in positions if p not in first]
            for tail in assignments(rest, sizes[1:]):
                yield [list(first)] + tail

    return np.array([_pair_count_j([[pooled[i] for i in part] for part in parts])
                     for parts in assignments(list(range(len(pooled))), sizes)])


def test_jonckheere_terpstra_of_two_single_values():
    # Two plans, one per group: J is 0 or 1 with probability 1/2 each, so E(J) = 0.5,
    # Var(J) = 0.25 and z = (1 - 0.5) / 0.5 = 1 for an increase (the smallest testable data:
    # the variance's middle term has N - 2 = 0 in its denominator and must be left out).
    result = inference.jonckheere_terpstra([[1.0], [2.0]], seed=1, resamples=200)
    assert result["J"] == 1.0
    assert result["z"] == pytest.approx(1.0, rel=1e-12)
    assert result["p_increasing"] == pytest.approx(scipy.stats.norm.sf(1.0), rel=1e-12)
    # the permutation p of J >= 1 is exactly 1/2 in the limit; within 4 standard errors here
    assert abs(result["p_value_permutation_increasing"] - 0.5) <= 4 * result["permutation_se"] + 1 / 201
    decreasing = inference.jonckheere_terpstra([[2.0], [1.0]], seed=1, resamples=200)
    assert decreasing["J"] == 0.0 and decreasing["z"] == pytest.approx(-1.0, rel=1e-12)


@pytest.mark.parametrize("groups", [
    [[0, 0, 1], [0, 1, 1]],                 # two distinct values only (presence / absence)
    [[0, 1], [0, 0, 1], [1, 1]],
    [[1, 1, 2], [1, 2], [2, 2, 2]],
])
def test_jonckheere_terpstra_with_two_distinct_values_against_the_complete_permutations(groups):
    null = _permutation_null(groups)
    observed = _pair_count_j(groups)
    result = inference.jonckheere_terpstra(groups, seed=4, resamples=500)
    assert result["J"] == observed
    assert result["z"] == pytest.approx((observed - null.mean()) / null.std(), rel=1e-10)


def test_jonckheere_terpstra_refuses_equal_values_and_a_single_group_with_their_reasons():
    with pytest.raises(NotTestable, match="all values are equal"):
        inference.jonckheere_terpstra([[3, 3], [3, 3, 3]], seed=1, resamples=10)
    with pytest.raises(NotTestable, match="at least two groups"):
        inference.jonckheere_terpstra([[1, 2, 3]], seed=1, resamples=10)


def test_jonckheere_terpstra_permutes_up_to_exactly_max_permuted_observations():
    groups = [[1, 2], [2, 3]]  # 4 observations
    at = inference.jonckheere_terpstra(groups, seed=1, resamples=50, max_permuted=4)
    assert at["p_value_permutation_two_sided"] is not None and at["p_value"] == at["p_value_permutation_two_sided"]
    above = inference.jonckheere_terpstra(groups, seed=1, resamples=50, max_permuted=3)
    assert above["p_value_permutation_two_sided"] is None
    assert "4 observations, above the 3 permuted" in above["method"]


def test_jonckheere_terpstra_defaults_are_1000_permuted_observations_and_20000_permutations():
    # The tests stage calls the function with its defaults; README ("20,000 permutations for each
    # Jonckheere-Terpstra p-value") and the stability stage rely on them.
    rng = np.random.default_rng(8)
    big = [rng.integers(0, 5, 500), rng.integers(0, 5, 501)]  # 1001 observations
    assert inference.jonckheere_terpstra(big, seed=1)["p_value_permutation_two_sided"] is None
    exactly = [rng.integers(0, 5, 500), rng.integers(0, 5, 500)]  # 1000 observations
    assert inference.jonckheere_terpstra(exactly, seed=1, resamples=20)["p_value_permutation_two_sided"] is not None
    small = inference.jonckheere_terpstra([[1, 2, 2], [2, 3, 4]], seed=1)
    assert "from 20000 resamples (seed 1)" in small["method"]


def test_jonckheere_terpstra_with_one_permutation_and_with_none():
    # One permutation: p = (1 + [J* >= J]) / 2, so 1/2 or 1, never an error.
    result = inference.jonckheere_terpstra([[1, 2, 3], [4, 5, 6]], seed=2, resamples=1)
    assert result["p_value_permutation_increasing"] in (0.5, 1.0)
    assert result["permutation_se"] == pytest.approx(math.sqrt(result["p_value_permutation_increasing"]
                                                               * (1 - result["p_value_permutation_increasing"])))
    with pytest.raises(ValueError, match="at least 1"):
        inference.jonckheere_terpstra([[1, 2, 3], [4, 5, 6]], seed=2, resamples=0)


def test_jonckheere_terpstra_standard_errors_are_binomial(monkeypatch):
    groups = [[0, 1, 1, 2], [1, 2, 2], [2, 3, 3, 1]]
    result = inference.jonckheere_terpstra(groups, seed=6, resamples=400)
    for p, se in (("p_value_permutation_increasing", "permutation_se"),
                  ("p_value_permutation_two_sided", "permutation_two_sided_se")):
        assert 0 < result[p] < 1
        assert result[se] == pytest.approx(math.sqrt(result[p] * (1 - result[p]) / 400), rel=1e-12)


def test_jonckheere_terpstra_p_values_do_not_depend_on_the_chunks(monkeypatch):
    # The permutations are drawn in chunks (a memory cap): Generator.permuted shuffles row after
    # row, so the same permutations, hence the same p-values, whatever the chunk size; and the
    # last chunk must stop at `resamples` (3 + 3 + 3 + 1 here).
    groups = [[0, 1, 1, 2, 4], [1, 2, 2, 5], [2, 3, 3, 1, 6]]
    whole = inference.jonckheere_terpstra(groups, seed=6, resamples=10)
    monkeypatch.setattr(inference, "_CHUNK_ELEMENTS", 3 * 14)  # 14 observations: chunks of 3
    chunked = inference.jonckheere_terpstra(groups, seed=6, resamples=10)
    assert chunked == whole
    # J = E(J) = 2 here: every permutation is at least as far from E(J), so the two-sided p is
    # (1 + 10) / 11 = 1 exactly, however the 10 permutations are chunked (chunks of 3 here)
    monkeypatch.setattr(inference, "_CHUNK_ELEMENTS", 3 * 4)
    centred = inference.jonckheere_terpstra([[1, 2], [1, 2]], seed=6, resamples=10)
    assert centred["J"] == 2.0 and centred["p_value_permutation_two_sided"] == 1.0


# ------------------------------------------------------------------------------------------
# Holm, Mann-Whitney, Kruskal-Wallis, Cochran's Q
# ------------------------------------------------------------------------------------------


def test_holm_accepts_p_values_of_zero_and_one_and_refuses_others_outside():
    from statsmodels.stats.multitest import multipletests
    raw = [0.0, 1.0, 0.02, 0.5]
    np.testing.assert_allclose(inference.holm(raw), multipletests(raw, method="holm")[1], rtol=1e-12)
    for bad in ([0.5, 1.5], [0.5, 2.5], [-0.1, 0.2]):
        with pytest.raises(ValueError, match="between 0 and 1"):
            inference.holm(bad)


@pytest.mark.parametrize("x, y", [
    (list(range(1, 10)), [v + 0.5 for v in range(3, 12)]),   # 9 and 9 values, no tie: normal
    (list(range(1, 9)), [v + 0.5 for v in range(3, 12)]),    # 8 and 9: exact
    (list(range(1, 10)), [v + 0.5 for v in range(3, 11)]),   # 9 and 8: exact
    ([1, 2, 2, 3], [2, 3, 4, 5]),                            # small with ties: normal
    ([1, 2, 3, 3, 4], [3, 5, 6]),
])
def test_mann_whitney_chooses_the_method_of_scipys_auto_rule(x, y):
    result = inference.mann_whitney(x, y)
    for alternative, key in (("two-sided", "p_two_sided"), ("greater", "p_greater"), ("less", "p_less")):
        auto = scipy.stats.mannwhitneyu(x, y, alternative=alternative, method="auto")
        assert result[key] == pytest.approx(auto.pvalue, rel=1e-12)
    ties = len(set(x) | set(y)) < len(x) + len(y)
    exact = not ties and min(len(x), len(y)) <= 8
    assert result["method"] == ("Mann-Whitney U, exact distribution" if exact else
                                "Mann-Whitney U, normal approximation with tie and continuity corrections")


def test_kruskal_wallis_of_two_groups_is_the_squared_normal_rank_sum_test():
    # With two groups H is the square of the rank-sum z (no continuity correction): by hand.
    x, y = [1.0, 2.5, 3.0, 7.0], [4.0, 5.0, 6.0, 8.0, 9.0]
    result = inference.kruskal_wallis([x, y])
    n1, n2 = len(x), len(y)
    n = n1 + n2
    ranks = scipy.stats.rankdata(x + y)
    w = ranks[:n1].sum()
    z = (w - n1 * (n + 1) / 2) / math.sqrt(n1 * n2 * (n + 1) / 12)
    assert result["H"] == pytest.approx(z**2, rel=1e-12)
    assert result["df"] == 1
    assert result["p_value"] == pytest.approx(2 * scipy.stats.norm.sf(abs(z)), rel=1e-9)
    with pytest.raises(NotTestable, match="at least two groups"):
        inference.kruskal_wallis([x])


def test_cochrans_q_of_two_treatments_is_mcnemars_chi_square():
    # k = 2: Q = (b - c)^2 / (b + c), McNemar's statistic without continuity correction.
    rows = [[1, 0]] * 5 + [[0, 1]] * 2 + [[1, 1]] * 4 + [[0, 0]] * 3
    result = inference.cochrans_q(rows)
    assert result["Q"] == pytest.approx((5 - 2) ** 2 / 7, rel=1e-12)
    assert result["df"] == 1
    assert result["p_value"] == pytest.approx(scipy.stats.chi2.sf(9 / 7, 1), rel=1e-12)
    # one discordant subject only (denominator k T - sum R^2 = 1): Q = 1
    assert inference.cochrans_q([[1, 0], [1, 1]])["Q"] == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(NotTestable, match="at least two treatments"):
        inference.cochrans_q([[1], [0]])
    with pytest.raises(ValueError, match="only 0 and 1"):
        inference.cochrans_q([[2, 0], [0, 1]])


def test_mcnemar_with_a_single_discordant_pair():
    # b + c = 1: P(X >= 1) = 1/2 when the pair is b-type, 1 when it is c-type; two-sided 1.
    assert inference.mcnemar_exact(1, 0) == {"p_two_sided": 1.0, "p_b_greater": 0.5}
    assert inference.mcnemar_exact(0, 1) == {"p_two_sided": 1.0, "p_b_greater": 1.0}


# ------------------------------------------------------------------------------------------
# Exact and Monte Carlo tests of independence (third session: lines 172-580)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", [[[5, 4], [5, 3]], [[3, 1], [3, 0]], [[4, 5], [0, 1]]])
def test_the_most_probable_table_has_an_exact_p_value_of_exactly_one(table):
    # Every table with these margins is at most as probable as the observed one: p = 1, as
    # scipy's fisher_exact (and R's fisher.test) give, by complete enumeration and by the
    # network algorithm (max_tables=1 forces it); never 1 plus a rounding error.
    assert scipy.stats.fisher_exact(table)[1] == 1.0
    assert inference.exact_conditional_p(table) == 1.0
    assert inference.exact_conditional_p(table, max_tables=1) == 1.0


def test_complete_enumeration_up_to_exactly_max_tables(monkeypatch):
    table = [[1, 4], [1, 2]]  # margins (5, 3) and (2, 6): 3 tables (first cell 0, 1 or 2)
    assert inference._count_tables((3, 5), (2, 6), 10) == 3
    reference = scipy.stats.fisher_exact(table)[1]
    monkeypatch.setattr(inference, "_network_p_value", lambda counts: -1.0)  # marks the network path
    assert inference.exact_conditional_p(table, max_tables=3) == pytest.approx(reference, rel=1e-12)
    assert inference.exact_conditional_p(table, max_tables=2) == -1.0


def test_monte_carlo_p_with_one_resample_and_with_none():
    table = [[5, 1], [1, 5]]
    p, se = inference.monte_carlo_p(table, resamples=1, seed=3)
    assert p in (0.5, 1.0) and se == pytest.approx(math.sqrt(p * (1 - p)))
    with pytest.raises(ValueError, match="at least 1"):
        inference.monte_carlo_p(table, resamples=0, seed=3)
    # X^2 = 0 (the table is its own expectation): every resample's X^2 is at least as large,
    # so p = (1 + R) / (R + 1) = 1 exactly, with a standard error of 0
    for resamples in (1, 5):
        assert inference.monte_carlo_p([[2, 2], [2, 2]], resamples=resamples, seed=3) == (1.0, 0.0)


def test_monte_carlo_p_does_not_depend_on_the_chunks(monkeypatch):
    # As for Jonckheere-Terpstra: the resamples are drawn in chunks (a memory cap) and
    # Generator.permuted shuffles row after row, so the chunk size changes nothing.
    table = [[3, 1, 2], [0, 4, 2]]
    whole = inference.monte_carlo_p(table, resamples=50, seed=9)
    monkeypatch.setattr(inference, "_CHUNK_ELEMENTS", 12 * 7)  # 12 observations: chunks of 7
    assert inference.monte_carlo_p(table, resamples=50, seed=9) == whole
    monkeypatch.setattr(inference, "_CHUNK_ELEMENTS", 1)  # one resample per chunk
    assert inference.monte_carlo_p(table, resamples=50, seed=9) == whole
    # the last chunk stops at `resamples` (2 + 2 + 1 here): X^2 = 0, so p = 6 / 6 exactly
    monkeypatch.setattr(inference, "_CHUNK_ELEMENTS", 2 * 8)
    assert inference.monte_carlo_p([[2, 2], [2, 2]], resamples=5, seed=9) == (1.0, 0.0)


def test_independence_test_enumerates_up_to_exactly_max_enumerated_tables():
    table = [[3, 1, 4, 0], [1, 5, 2, 4]]  # fails Cochran's rule
    rows, cols = inference._canonical_margins(np.array(table))
    count = inference._count_tables(rows, cols, 10**6)
    at = inference.independence_test(table, seed=1, max_enumerated_tables=count)
    assert at["method"] == "exact conditional test (Freeman-Halton), complete enumeration"
    below = inference.independence_test(table, seed=1, max_enumerated_tables=count - 1)
    assert below["method"].startswith("Monte Carlo")
    # the default number of resamples of the Monte Carlo fallback (the tests stage's)
    assert below["method"] == "Monte Carlo exact conditional test, 20000 resamples, seed 1"


def test_a_2x2_table_with_more_tables_than_enumerated_still_gets_fishers_p():
    # Bug found by the mutant of line 553: a 2x2 table failing Cochran's rule with more tables
    # than max_enumerated_tables had p_value None under the method "Fisher exact test". Fisher's
    # p comes from the network algorithm then (exact_conditional_p does the switch itself).
    table = [[1, 4], [1, 2]]  # 3 tables share its margins
    result = inference.independence_test(table, seed=1, max_enumerated_tables=2)
    assert result["method"] == "Fisher exact test"
    assert result["p_value"] == pytest.approx(scipy.stats.fisher_exact(table)[1], rel=1e-12)
    assert result["p_value_exact"] == result["p_value"]


def test_cochrans_rule_on_one_expected_count_and_on_none():
    # The rule by its definition, on any array: one count of at least 5 passes (100% >= 5);
    # no expected count at all gives nothing to trust.
    assert inference.cochran_rule(np.array([7.0])) is True
    assert inference.cochran_rule(np.array([4.0])) is False
    assert inference.cochran_rule(np.array([])) is False


def _brute_count(rows, cols):
    """Number of tables with these margins, by listing the columns one after the other."""
    if len(cols) == 1:
        return 1
    import itertools
    count = 0
    for column in itertools.product(*[range(min(r, cols[0]) + 1) for r in rows]):
        if sum(column) == cols[0]:
            count += _brute_count(tuple(r - x for r, x in zip(rows, column)), cols[1:])
    return count


def _two_column_count(rows, first_column):
    """Tables of two columns: first-column vectors 0 <= x_i <= r_i summing to the first column's
    total, the coefficient of t^total in prod_i (1 + t + ... + t^r_i)."""
    polynomial = np.array([1], dtype=object)
    for r in rows:
        polynomial = np.convolve(polynomial, np.ones(r + 1, dtype=object))
    return int(polynomial[first_column])


@pytest.mark.parametrize("rows, cols", [
    ((2, 3), (1, 4)), ((3, 3), (2, 4)), ((1, 2, 3), (3, 3)), ((2, 2, 2), (1, 2, 3)), ((4, 1, 3), (2, 2, 4)),
    ((3, 4, 5), (2, 3, 3, 4)), ((5, 2), (1, 1, 1, 4)), ((2, 3, 1, 4), (3, 3, 4)), ((6, 1, 1), (3, 5)),
])
def test_the_number_of_tables_sharing_margins_by_listing_them(rows, cols):
    # _count_tables decides between complete enumeration and the other algorithms.
    expected = _brute_count(rows, cols)
    assert inference._count_tables(rows, cols, 10**6) == expected
    assert inference._count_tables(rows, cols, expected) == expected        # at the limit: counted
    assert inference._count_tables(rows, cols, expected - 1) == expected    # limit + 1 when above
    log_p, _ = inference._null_distribution(tuple(sorted(rows)), tuple(sorted(cols)))
    assert log_p.size == expected and np.all(np.isfinite(log_p))
    assert np.exp(log_p).sum() == pytest.approx(1.0, rel=1e-12)


def test_the_number_of_tables_with_many_rows():
    # 16 rows of 15 plans: the mixed-radix code of the remaining totals would need 16^16 x 9
    # values, beyond 64 bits, so the states are merged without the code (np.unique by rows).
    rows = (15,) * 16
    assert inference._count_tables(rows, (3, 237), 10**9) == _two_column_count(rows, 3)
    assert inference._count_tables(rows, (8, 232), 10**9) == _two_column_count(rows, 8)
    # below the 2^62 limit, with the code
    rows = (15,) * 14 + (2,)
    assert inference._count_tables(rows, (4, 208), 10**9) == _two_column_count(rows, 4)


def test_the_number_of_tables_on_a_sweep_of_small_margins():
    # Many small margins (2-4 rows and columns, unequal totals), against listing the tables: a
    # wrong mixed-radix code would merge two different partial tables and miscount.
    rng = np.random.default_rng(21)
    for _ in range(60):
        table = rng.integers(0, 4, (int(rng.integers(2, 5)), int(rng.integers(2, 5))))
        table[:, 0] += 1
        table[0, :] += 1
        rows, cols = tuple(int(v) for v in table.sum(axis=1)), tuple(int(v) for v in table.sum(axis=0))
        assert inference._count_tables(rows, cols, 10**7) == _brute_count(rows, cols), (rows, cols)


# ------------------------------------------------------------------------------------------
# Input helpers (lines 1-171)
# ------------------------------------------------------------------------------------------


def test_rank_values_makes_ties_of_values_equal_to_twelve_significant_digits():
    # 1 and 1 + 1e-12 agree to 12 significant digits (a tie); 1 and 1 + 1e-11 do not.
    ranked = inference.rank_values([1.0, 1.0 + 1e-12, 1.0 + 1e-11, 2.5e-7, 2.5e-7 * (1 + 1e-12)])
    assert ranked[0] == ranked[1] and ranked[2] != ranked[0] and ranked[3] == ranked[4]
    # a negative zero comes back as 0.0 (the docstring's "+ 0.0")
    assert not np.signbit(inference.rank_values([-0.0, 1.0])[0])


def test_a_sample_of_one_value_is_tested_and_an_empty_one_is_not():
    result = inference.mann_whitney([1.0], [2.0, 3.0])
    assert result["U"] == 0.0 and result["p_less"] == pytest.approx(1 / 3, rel=1e-12)  # P(U = 0) = 1/3
    with pytest.raises(NotTestable, match="x is empty"):
        inference.mann_whitney([], [2.0, 3.0])


# --- Cramér's V: bias correction and interval (mutants of lines 581-698) -----------------------

def _bergsma_by_hand(table: np.ndarray) -> float:
    """Bergsma's (2013) bias-corrected V from its published formula, with scipy's X^2."""
    n = table.sum()
    r, c = table.shape
    x2 = scipy.stats.chi2_contingency(table, correction=False)[0]
    phi2_plus = max(0.0, x2 / n - (r - 1) * (c - 1) / (n - 1))
    r_tilde, c_tilde = r - (r - 1) ** 2 / (n - 1), c - (c - 1) ** 2 / (n - 1)
    return math.sqrt(phi2_plus / min(r_tilde - 1, c_tilde - 1))


@pytest.mark.parametrize("table", [[[10, 5], [3, 12]], [[8, 2, 1], [1, 7, 3], [2, 2, 9]], [[20, 3, 4, 1], [2, 15, 3, 6]],
                                   [[20, 2], [3, 15], [4, 3], [1, 6]]])  # more columns, more rows: each margin decides once
def test_bias_corrected_cramers_v_follows_bergsmas_formula(table):
    table = np.array(table)
    expected = _bergsma_by_hand(table)
    assert expected > 0  # the correction does not clip these tables to 0
    assert inference.cramers_v_corrected(table) == pytest.approx(expected, rel=1e-12)


def test_bias_corrected_cramers_v_refuses_a_table_too_small_to_correct():
    # n = 2: r~ = 2 - 1/1 = 1, so min(r~ - 1, c~ - 1) = 0: no corrected V, and no division by zero
    with pytest.raises(NotTestable):
        inference.cramers_v_corrected(np.array([[1, 0], [0, 1]]))


def _ncp_by_bisection(statistic: float, df: int, target: float) -> float:
    """The noncentrality with ncx2.cdf(statistic, df, lam) = target, by plain bisection."""
    result = scipy.optimize.root_scalar(lambda lam: scipy.stats.ncx2.cdf(statistic, df, lam) - target,
                                        bracket=(0.0, 1000.0), method="bisect", xtol=1e-13)
    return result.root


@pytest.mark.parametrize("table", [[[14, 6], [6, 14]], [[12, 4, 3], [3, 10, 4], [2, 3, 11]]])
def test_cramers_v_interval_inverts_the_noncentral_chi_square(table):
    """Smithson's interval: lambda bounds from ncx2 (here by bisection), V = sqrt((lam + df) / (n (k - 1)))."""
    import scipy.optimize  # noqa: F401  (root_scalar)

    table = np.array(table)
    x2, _, df, _ = scipy.stats.chi2_contingency(table, correction=False)
    n, k = table.sum(), min(table.shape)
    low_lam, high_lam = _ncp_by_bisection(x2, df, 0.975), _ncp_by_bisection(x2, df, 0.025)
    assert 0 < low_lam  # significant at 2.5%: the lower bound is positive
    low, high = inference.cramers_v_interval(table)
    assert low == pytest.approx(math.sqrt((low_lam + df) / (n * (k - 1))), rel=1e-9)
    assert high == pytest.approx(math.sqrt((high_lam + df) / (n * (k - 1))), rel=1e-9)


def test_a_small_noncentrality_is_found_below_one():
    # X^2 just above the 97.5% point of chi2(1): lambda_L is between 0 and 1, below brentq's
    # bracket if it started at 1.
    x2 = scipy.stats.chi2.ppf(0.975, 1) + 0.3
    lam = inference._ncp_for_cdf(x2, 1, 0.975)
    assert 0 < lam < 1 and lam == pytest.approx(_ncp_by_bisection(x2, 1, 0.975), abs=1e-9)


def test_cramers_v_interval_of_an_independent_table():
    # X^2 = 0: both lambda bounds are 0; the lower V is 0, the upper sqrt(df / (n (k - 1))) (Smithson)
    low, high = inference.cramers_v_interval(np.array([[5, 5], [5, 5]]))
    assert low == 0.0 and high == pytest.approx(math.sqrt(1 / 20))
    low, high = inference.cramers_v_interval(np.array([[5, 5], [5, 5]]), convention="ncp")
    assert low == 0.0 and high == 0.0


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.1, 1.5])
def test_cramers_v_interval_refuses_a_confidence_outside_zero_one(confidence):
    with pytest.raises(ValueError):
        inference.cramers_v_interval(np.array([[14, 6], [6, 14]]), confidence)


def test_merging_states_never_lets_two_states_share_a_code():
    """Rows are encoded as one int64 only when the radix product fits in 62 bits: with radices
    2^33 x 2^33 the code of (2^31, 0) would wrap to that of (0, 0), and two different states of the
    network algorithm would be merged (a wrong exact p-value)."""
    keys = np.array([[0, 0], [2**31, 0], [0, 0]], dtype=np.int64)
    unique, merged = inference._merge_states(keys, np.array([1.0, 2.0, 4.0]), np.array([2**33, 2**33]))
    assert sorted(map(tuple, unique.tolist())) == [(0, 0), (2**31, 0)]
    assert sorted(merged.tolist()) == [2.0, 5.0]
