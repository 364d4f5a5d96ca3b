"""Tests of rlp_pipeline.stats.inference against INDEPENDENT references.

Project rule: a statistic is never checked against itself. Every expected value below is one of

* a value printed in a textbook or in the documentation of another program (source cited next to
  it; compared to the number of digits printed there, stated in the assertion);
* the output of ANOTHER implementation (statsmodels, or a scipy function our code does not call);
* a brute-force computation written in this file (complete enumeration with exact rational
  arithmetic, explicit loops over pairs) that shares no code with the module.

Deterministic values agree to at least 1e-10; Monte Carlo p-values must lie within 4 standard
errors of the exact value they estimate.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from rlp_pipeline.stats import inference as inf
from rlp_pipeline.stats.inference import NotTestable

TOL = 1e-10


# ----------------------------------------------------------------------------------------------
# Brute-force references (no code shared with the module)
# ----------------------------------------------------------------------------------------------


def _compositions(total, caps):
    """All vectors y with sum(y) == total and 0 <= y_i <= caps_i (plain recursion)."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    for first in range(min(total, caps[0]) + 1):
        for rest in _compositions(total - first, caps[1:]):
            yield (first, *rest)


def all_tables(rows, cols):
    """Every table (tuple of rows) with the given row and column totals, column by column."""

    def fill(j, remaining, columns):
        if j == len(cols):
            if all(v == 0 for v in remaining):
                yield tuple(zip(*columns))
            return
        for column in _compositions(cols[j], remaining):
            yield from fill(j + 1, [a - b for a, b in zip(remaining, column)], columns + [column])

    yield from fill(0, list(rows), [])


def hypergeometric_probability(table):
    """Exact multivariate hypergeometric probability of a table given its margins."""
    table = [list(r) for r in table]
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    n = sum(rows)
    numerator = math.prod(math.factorial(v) for v in rows + cols)
    denominator = math.factorial(n) * math.prod(math.factorial(v) for r in table for v in r)
    return Fraction(numerator, denominator)


def pearson_exact(table):
    """Pearson X^2 = sum((O - E)^2 / E) in exact rational arithmetic."""
    table = [list(r) for r in table]
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    n = sum(rows)
    total = Fraction(0)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            expected = Fraction(r * c, n)
            total += (table[i][j] - expected) ** 2 / expected
    return total


def brute_force_freeman_halton(table):
    """Sum of P(y) over all tables y with the same margins and P(y) <= P(x) (1 + 1e-7)."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    observed = hypergeometric_probability(table) * (1 + Fraction(1, 10**7))
    return float(
        sum(p for y in all_tables(rows, cols) if (p := hypergeometric_probability(y)) <= observed)
    )


def brute_force_chi_square_ordering(table):
    """Exact conditional p-value of Pearson's X^2: sum of P(y) over X^2(y) >= X^2(x)."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table)]
    observed = pearson_exact(table)
    return float(
        sum(
            hypergeometric_probability(y)
            for y in all_tables(rows, cols)
            if pearson_exact(y) >= observed
        )
    )


# ----------------------------------------------------------------------------------------------
# Cochran's rule and Pearson's chi-square
# ----------------------------------------------------------------------------------------------


def test_cochran_rule_counts_by_hand():
    assert inf.cochran_rule(np.array([[5.0, 6.0], [7.0, 8.0]]))
    # 4 of 5 cells >= 5 (exactly 80%) and none below 1: holds.
    assert inf.cochran_rule(np.array([5, 5, 5, 5, 1.0]))
    # 3 of 5 cells >= 5 (60%): fails.
    assert not inf.cochran_rule(np.array([5, 5, 5, 4.9, 1.0]))
    # One expected count below 1: fails even if everything else is large.
    assert not inf.cochran_rule(np.array([50, 50, 50, 50, 50, 50, 50, 50, 50, 0.99]))


def test_chi_square_2x2_is_not_yates_corrected():
    """The Yates trap: scipy corrects 2x2 tables by default; we must not."""
    a, b, c, d = 12, 5, 3, 9
    n = a + b + c + d
    # Uncorrected X^2 of a 2x2 table, by hand: n (ad - bc)^2 / (r1 r2 c1 c2).
    by_hand = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    # Yates-corrected value, by hand, to show the two really differ on this table.
    yates = n * (abs(a * d - b * c) - n / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    result = inf.pearson_chi_square([[a, b], [c, d]])
    assert result["statistic"] == pytest.approx(by_hand, rel=TOL)
    assert abs(result["statistic"] - yates) > 1.0
    assert result["df"] == 1
    # Upper tail of chi-square with 1 df: P(Z^2 > x) = erfc(sqrt(x / 2)).
    assert result["p_value"] == pytest.approx(math.erfc(math.sqrt(by_hand / 2)), rel=TOL)


def test_chi_square_r_by_c_matches_exact_rational_formula():
    table = [[6, 14, 17, 9], [30, 32, 17, 3]]
    result = inf.pearson_chi_square(table)
    assert result["statistic"] == pytest.approx(float(pearson_exact(table)), rel=TOL)
    assert result["df"] == 3
    expected = np.outer([46, 82], [36, 46, 34, 12]) / 128
    np.testing.assert_allclose(result["expected"], expected, rtol=TOL)


def test_zero_column_raises_not_testable_with_reason():
    with pytest.raises(NotTestable) as error:
        inf.pearson_chi_square([[3, 0, 2], [4, 0, 1]])
    assert "column" in error.value.reason and "zero" in error.value.reason
    with pytest.raises(NotTestable):
        inf.independence_test([[3, 0, 2], [4, 0, 1]], seed=1)
    with pytest.raises(NotTestable):
        inf.exact_conditional_p([[0, 0], [4, 1]])


def test_single_row_or_column_is_not_testable():
    with pytest.raises(NotTestable) as error:
        inf.pearson_chi_square([[3, 4, 5]])
    assert "two rows" in error.value.reason
    with pytest.raises(NotTestable):
        inf.cramers_v([[3], [4]])


def test_invalid_counts_are_plain_value_errors():
    for bad in ([[1, -1], [2, 3]], [[1.5, 1], [2, 3]], [1, 2, 3], [[1, np.nan], [2, 3]]):
        with pytest.raises(ValueError) as error:
            inf.pearson_chi_square(bad)
        assert not isinstance(error.value, NotTestable)


# ----------------------------------------------------------------------------------------------
# Exact conditional test
# ----------------------------------------------------------------------------------------------


def test_tea_tasting_fisher_exact():
    """R documentation of fisher.test, "TeaTasting" (Agresti 1990, p. 61f; 2002, p. 91): p = 0.4857."""
    tea = [[3, 1], [1, 3]]
    p = inf.exact_conditional_p(tea)
    assert round(p, 4) == 0.4857  # 4 digits printed by R
    # By hand: P(x) = C(4,x) C(4,4-x) / C(8,4); tables as or less likely: x = 0, 1, 3, 4.
    assert p == pytest.approx((1 + 16 + 16 + 1) / 70, rel=TOL)


@pytest.mark.parametrize(
    "table",
    [
        [[3, 1], [1, 3]],
        [[12, 5], [3, 9]],
        [[0, 5], [4, 3]],
        [[10, 2], [3, 15]],
        [[1, 20], [7, 2]],
        [[2, 2], [2, 2]],
    ],
)
def test_exact_2x2_equals_scipy_fisher_exact(table):
    # scipy.stats.fisher_exact is not called by the module.
    assert inf.exact_conditional_p(table) == pytest.approx(
        scipy.stats.fisher_exact(table).pvalue, rel=TOL
    )


@pytest.mark.parametrize(
    "table",
    [
        [[3, 1, 2], [1, 3, 0]],
        [[2, 0, 1], [1, 2, 3], [0, 4, 1]],
        [[5, 2, 0, 1], [1, 3, 6, 2]],
        [[1, 0, 2, 3, 1], [2, 3, 0, 1, 1]],
        [[4, 1], [0, 3], [2, 2]],
    ],
)
def test_exact_conditional_matches_brute_force_enumeration(table):
    reference = brute_force_freeman_halton(table)
    assert inf.exact_conditional_p(table) == pytest.approx(reference, rel=TOL)
    # The network algorithm (used above max_tables) gives the same value.
    assert inf.exact_conditional_p(table, max_tables=1) == pytest.approx(reference, rel=TOL)


def test_job_satisfaction_r_by_c():
    """R documentation of fisher.test, "Job satisfaction" (Agresti 2002, p. 57): p-value = 0.7827.

    90 208 550 tables share these margins, more than the enumeration cap, so this exercises the
    network algorithm.
    """
    job = np.array(
        [[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]
    ).T  # R fills by column
    assert job[0].tolist() == [1, 3, 10, 6]
    assert round(inf.exact_conditional_p(job), 4) == 0.7827  # 4 digits printed by R


def test_exact_conditional_is_cached_by_margins():
    inf._null_distribution.cache_clear()
    first = [[5, 2, 0, 1], [1, 3, 6, 2]]  # row totals 8, 12; column totals 6, 5, 6, 3
    inf.exact_conditional_p(first)
    misses = inf._null_distribution.cache_info().misses
    # Same margins up to order and transposition: one lookup, no new enumeration.
    other = [[1, 3, 2, 2], [5, 2, 4, 1]]
    assert inf.exact_conditional_p(np.array(other).T[:, ::-1]) == pytest.approx(
        brute_force_freeman_halton(other), rel=TOL
    )
    info = inf._null_distribution.cache_info()
    assert info.misses == misses and info.hits >= 1
    log_p, _ = inf._null_distribution(*inf._canonical_margins(np.array(first)))
    assert not log_p.flags.writeable


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda r: st.lists(
            st.lists(st.integers(0, 5), min_size=r, max_size=r), min_size=2, max_size=4
        )
    )
)
def test_exact_conditional_property(columns):
    table = np.array(columns).T  # rows x columns
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        with pytest.raises(NotTestable):
            inf.exact_conditional_p(table)
        return
    p = inf.exact_conditional_p(table)
    assert 0.0 < p <= 1.0
    swapped = table[:, [1, 0] + list(range(2, table.shape[1]))]
    assert inf.exact_conditional_p(swapped) == pytest.approx(p, rel=1e-12)
    assert inf.exact_conditional_p(table.T) == pytest.approx(p, rel=1e-12)


# ----------------------------------------------------------------------------------------------
# Monte Carlo and the combined independence test
# ----------------------------------------------------------------------------------------------


def test_monte_carlo_p_within_four_standard_errors_of_exact():
    table = [[3, 1, 4, 0], [1, 5, 2, 4]]
    exact = brute_force_chi_square_ordering(table)
    p, se = inf.monte_carlo_p(table, resamples=20000, seed=20240501)
    assert abs(p - exact) <= 4 * se
    assert se == pytest.approx(math.sqrt(p * (1 - p) / 20000), rel=TOL)
    # Seeded: the same call gives the same number.
    assert inf.monte_carlo_p(table, resamples=20000, seed=20240501) == (p, se)


def test_monte_carlo_p_is_never_zero():
    p, _ = inf.monte_carlo_p([[10, 0], [0, 10]], resamples=99, seed=1)
    assert p >= 1 / 100


def test_independence_test_uses_chi_square_when_cochran_holds():
    table = [[6, 14, 17, 9], [30, 32, 17, 3]]
    result = inf.independence_test(table, seed=1)
    assert result["cochran_rule_holds"]
    assert result["method"] == "Pearson chi-square"
    assert result["p_value"] == result["p_value_asymptotic"]
    assert result["p_value_asymptotic"] == pytest.approx(
        float(scipy.stats.chi2.sf(float(pearson_exact(table)), 3)), rel=1e-9
    )
    assert result["p_value_monte_carlo"] is None and result["monte_carlo_se"] is None


def test_independence_test_2x2_small_uses_fisher():
    result = inf.independence_test([[3, 1], [1, 3]], seed=1)
    assert not result["cochran_rule_holds"]
    assert result["method"] == "Fisher exact test"
    assert result["p_value"] == pytest.approx(
        scipy.stats.fisher_exact([[3, 1], [1, 3]]).pvalue, rel=TOL
    )


def test_independence_test_is_deterministic_on_small_2x4():
    """The scipy fisher_exact r x c pitfall: its default for larger tables is randomised."""
    table = [[3, 1, 4, 0], [1, 5, 2, 4]]
    first = inf.independence_test(table, seed=7)
    second = inf.independence_test(table, seed=8)
    assert not first["cochran_rule_holds"]
    assert first["method"] == "exact conditional test (Freeman-Halton), complete enumeration"
    assert first["p_value"] == second["p_value"] == first["p_value_exact"]
    assert first["p_value"] == pytest.approx(brute_force_freeman_halton(table), rel=TOL)
    assert first["statistic"] == pytest.approx(float(pearson_exact(table)), rel=TOL)


def test_independence_test_falls_back_to_monte_carlo():
    table = [[3, 1, 4, 0], [1, 5, 2, 4]]
    result = inf.independence_test(table, seed=11, resamples=20000, max_enumerated_tables=5)
    assert result["method"] == "Monte Carlo exact conditional test, 20000 resamples, seed 11"
    assert result["p_value_exact"] is None
    assert result["p_value"] == result["p_value_monte_carlo"]
    assert (
        abs(result["p_value"] - brute_force_chi_square_ordering(table))
        <= 4 * result["monte_carlo_se"]
    )
    again = inf.independence_test(table, seed=11, resamples=20000, max_enumerated_tables=5)
    assert again == result


# ----------------------------------------------------------------------------------------------
# Cramer's V
# ----------------------------------------------------------------------------------------------

SMITHSON_P41 = [[6, 14, 17, 9], [30, 32, 17, 3]]  # Smithson (2003), Confidence Intervals, p. 41
MTCARS_AM_VS = [[12, 7], [6, 7]]  # R: table(mtcars$am, mtcars$vs)


def test_cramers_v_published_values():
    # Smithson (2003), p. 41: V = 0.368 (3 decimals, as quoted in confintr's tests). The exact
    # value is 0.36749, so the book's third decimal is rounded from a rounded X^2: agreement to
    # within one unit of the third decimal is what the printed value supports.
    assert abs(inf.cramers_v(SMITHSON_P41) - 0.368) < 1e-3
    # rcompanion::cramerV(table(mtcars$am, mtcars$vs), digits = 7) = 0.1683451, quoted in the
    # tests of R package confintr (tests/testthat/test-cramersv.R).
    assert round(inf.cramers_v(MTCARS_AM_VS), 7) == 0.1683451


def test_cramers_v_matches_scipy_association():
    for table in (SMITHSON_P41, MTCARS_AM_VS, [[5, 0, 3], [1, 4, 2], [0, 2, 6]]):
        reference = scipy.stats.contingency.association(np.array(table), method="cramer")
        assert inf.cramers_v(table) == pytest.approx(reference, rel=TOL)


def test_cramers_v_corrected_matches_bergsma_formula_in_exact_arithmetic():
    """Bergsma (2013), J. Korean Stat. Soc. 42:323-328, eqs. for phi~^2, r~, k~ (rationals)."""
    for table in (SMITHSON_P41, [[5, 0, 3], [1, 4, 2], [0, 2, 6]], [[10, 9, 11], [9, 10, 10]]):
        r, c = len(table), len(table[0])
        n = sum(map(sum, table))
        phi2 = pearson_exact(table) / n
        phi2_plus = max(Fraction(0), phi2 - Fraction((r - 1) * (c - 1), n - 1))
        r_t = r - Fraction((r - 1) ** 2, n - 1)
        c_t = c - Fraction((c - 1) ** 2, n - 1)
        expected = math.sqrt(phi2_plus / min(r_t - 1, c_t - 1))
        assert inf.cramers_v_corrected(table) == pytest.approx(expected, rel=TOL, abs=TOL)
    # The third table is close to independence: the correction brings V to exactly 0.
    assert inf.cramers_v_corrected([[10, 9, 11], [9, 10, 10]]) == 0.0


def test_cramers_v_interval_published_values():
    # Smithson (2003), p. 41: 95% interval for V [0.223, 0.545] (3 decimals), eq. 4.13 (+ df).
    low, high = inf.cramers_v_interval(SMITHSON_P41)
    assert (round(low, 3), round(high, 3)) == (0.223, 0.545)
    # MBESS::conf.limits.nc.chisq for table(mtcars$am, mtcars$vs) without Yates: lambda in
    # [0, 8.475743] (7 significant digits, quoted in confintr's tests); V = sqrt((lambda + 1) / 32).
    low, high = inf.cramers_v_interval(MTCARS_AM_VS)
    assert low == 0.0
    assert high == pytest.approx(math.sqrt((8.475743 + 1) / 32), abs=1e-7)
    # statpsych::ci.cramer(.05, 19.21, 2, 3, 200): version >= 1.5 (lambda only) prints
    # LL 0.1601, UL 0.4417; earlier versions (Smithson's + df) printed 0.1888, 0.4529. statpsych
    # searches lambda on a 0.001 grid and rounds to 4 decimals.
    low, high = inf._cramers_v_bounds(19.21, 2, 200, 2, 0.95, "ncp")
    assert (round(low, 4), round(high, 4)) == (0.1601, 0.4417)
    low, high = inf._cramers_v_bounds(19.21, 2, 200, 2, 0.95, "smithson")
    assert (round(low, 4), round(high, 4)) == (0.1888, 0.4529)


def test_cramers_v_interval_is_capped_and_ordered():
    low, high = inf.cramers_v_interval([[30, 0], [0, 30]])
    assert 0 < low <= high <= 1.0
    assert high == 1.0


# ----------------------------------------------------------------------------------------------
# Odds ratio
# ----------------------------------------------------------------------------------------------


def _conditional_odds_ratio_reference(a, b, c, d, confidence):
    """Conditional MLE and exact interval from the noncentral hypergeometric, written out here."""
    m, n_, k = a + b, c + d, a + c  # first row total, second row total, first column total
    support = range(max(0, k - n_), min(k, m) + 1)
    weights = {x: math.comb(m, x) * math.comb(n_, k - x) for x in support}

    def probabilities(log_psi):
        logs = {x: math.log(w) + x * log_psi for x, w in weights.items()}
        top = max(logs.values())
        raw = {x: math.exp(v - top) for x, v in logs.items()}
        total = sum(raw.values())
        return {x: v / total for x, v in raw.items()}

    def mean(log_psi):
        return sum(x * p for x, p in probabilities(log_psi).items())

    def root(function):
        return math.exp(brentq(function, -30, 30, xtol=1e-14))

    alpha = 1 - confidence
    low_end, high_end = min(support), max(support)
    if a == low_end:  # the likelihood increases as psi -> 0
        estimate, lower = 0.0, 0.0
    else:
        estimate = math.inf if a == high_end else root(lambda t: mean(t) - a)
        lower = root(lambda t: sum(p for x, p in probabilities(t).items() if x >= a) - alpha / 2)
    if a == high_end:
        upper = math.inf
    else:
        upper = root(lambda t: sum(p for x, p in probabilities(t).items() if x <= a) - alpha / 2)
    return estimate, lower, upper


def test_tea_tasting_odds_ratio():
    """R fisher.test(TeaTasting): conditional MLE 6.408309; 95% CI 0.2117329 621.9337505; the
    one-sided 95% bounds (alternative = "greater" / "less"), i.e. the two-sided 90% interval,
    0.3135693 and 308.5568338.

    R finds these with uniroot(tol = .Machine$double.eps^0.25 = 1.22e-4) on the scale [0, 1] of
    psi (lower bound) or 1 / psi (estimate and upper bound above 1), so R's printed values are
    only good to that absolute tolerance on that scale; the reference to 1e-9 is the exact
    computation written in this file.
    """
    tea = np.array([[3, 1], [1, 3]])
    r_tol = 1.22e-4 * 1.01
    for confidence, r_low, r_high in (
        (0.95, 0.2117329, 621.9337505),
        (0.90, 0.3135693, 308.5568338),
    ):
        result = inf.odds_ratio_2x2(tea, confidence)
        estimate, low, high = _conditional_odds_ratio_reference(3, 1, 1, 3, confidence)
        assert result["odds_ratio"] == pytest.approx(estimate, rel=1e-9)
        assert result["ci_low"] == pytest.approx(low, rel=1e-9)
        assert result["ci_high"] == pytest.approx(high, rel=1e-9)
        assert abs(1 / result["odds_ratio"] - 1 / 6.408309) < r_tol
        assert abs(result["ci_low"] - r_low) < r_tol
        assert abs(1 / result["ci_high"] - 1 / r_high) < r_tol
        assert "conditional" in result["kind"]


def test_odds_ratio_does_not_modify_input_nor_shift_zero_cells():
    table = np.array([[0, 5], [4, 3]])
    before = table.copy()
    result = inf.odds_ratio_2x2(table)
    np.testing.assert_array_equal(table, before)
    assert table.dtype == before.dtype
    # No 0.5 added to the cells: the estimate is exactly 0 and the interval [0, upper] is exact.
    assert result["odds_ratio"] == 0.0
    assert result["ci_low"] == 0.0
    _, _, upper = _conditional_odds_ratio_reference(0, 5, 4, 3, 0.95)
    assert result["ci_high"] == pytest.approx(upper, rel=1e-9)
    # statsmodels' Table2x2 (shift_zeros=True) gives a finite positive odds ratio instead.
    from statsmodels.stats.contingency_tables import Table2x2

    assert Table2x2(table, shift_zeros=True).oddsratio > 0
    # The mirror zero gives an infinite estimate with an exact lower bound.
    mirrored = inf.odds_ratio_2x2([[5, 0], [3, 4]])
    assert math.isinf(mirrored["odds_ratio"]) and math.isinf(mirrored["ci_high"])
    _, lower, _ = _conditional_odds_ratio_reference(5, 0, 3, 4, 0.95)
    assert mirrored["ci_low"] == pytest.approx(lower, rel=1e-9)


# ----------------------------------------------------------------------------------------------
# Cochran-Armitage trend test
# ----------------------------------------------------------------------------------------------

# Agresti (2002), Categorical Data Analysis, 2nd ed., and Agresti (2007), An Introduction to
# Categorical Data Analysis, 2nd ed.: infant malformation by mother's alcohol consumption
# (drinks per day 0, <1, 1-2, 3-5, >=6), scores 0, 0.5, 1.5, 4.0, 7.0; linear trend M^2 = 6.57,
# P = 0.01. (Table and page numbers differ between editions and were not re-checked here.)
MALFORMATION = np.array([[48, 38, 5, 1, 1], [17066, 14464, 788, 126, 37]])
ALCOHOL_SCORES = [0.0, 0.5, 1.5, 4.0, 7.0]


def test_cochran_armitage_agresti_malformation():
    result = inf.cochran_armitage(MALFORMATION, ALCOHOL_SCORES)
    # Agresti: M^2 = 6.57 (2 decimals), P = 0.01; z^2 differs from M^2 by the factor N/(N-1).
    assert round(result["z"] ** 2, 2) == 6.57
    assert round(result["p_two_sided"], 2) == 0.01
    # Independent: z^2 = N r^2 with r the Pearson correlation of score and outcome per infant.
    outcome = np.concatenate([np.repeat([1.0, 0.0], MALFORMATION[:, j]) for j in range(5)])
    score = np.concatenate(
        [np.repeat(ALCOHOL_SCORES[j], MALFORMATION[:, j].sum()) for j in range(5)]
    )
    r = np.corrcoef(score, outcome)[0, 1]
    assert result["z"] ** 2 == pytest.approx(outcome.size * r**2, rel=TOL)
    assert result["z"] > 0  # malformation increases with drinking
    assert result["p_increasing"] == pytest.approx(
        scipy.stats.norm.sf(math.sqrt(outcome.size) * r), rel=1e-9
    )
    assert result["p_increasing"] + result["p_decreasing"] == pytest.approx(1.0, rel=TOL)


def test_cochran_armitage_default_scores_and_direction():
    table = np.array([[2, 4, 6, 9], [10, 8, 6, 3]])
    up = inf.cochran_armitage(table)
    assert up["z"] == pytest.approx(inf.cochran_armitage(table, [0, 1, 2, 3])["z"], rel=TOL)
    down = inf.cochran_armitage(table[:, ::-1])
    assert down["z"] == pytest.approx(-up["z"], rel=TOL)
    assert down["p_decreasing"] == pytest.approx(up["p_increasing"], rel=TOL)
    with pytest.raises(NotTestable):
        inf.cochran_armitage([[0, 0, 0], [3, 4, 5]])


# ----------------------------------------------------------------------------------------------
# Holm
# ----------------------------------------------------------------------------------------------


def test_holm_matches_statsmodels_and_passes_nan_through():
    from statsmodels.stats.multitest import multipletests

    raw = np.array([0.01, np.nan, 0.04, 0.03, 0.5, 0.002, 0.04])
    adjusted = inf.holm(raw)
    valid = ~np.isnan(raw)
    reference = multipletests(raw[valid], method="holm")[1]
    np.testing.assert_allclose(adjusted[valid], reference, rtol=1e-12)
    assert np.isnan(adjusted[1])
    assert inf.holm([]).size == 0
    np.testing.assert_array_equal(inf.holm([np.nan, np.nan]), [np.nan, np.nan])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=30))
def test_holm_properties(values):
    raw = np.array(values, dtype=float)
    adjusted = inf.holm(raw)
    valid = ~np.isnan(raw)
    np.testing.assert_array_equal(np.isnan(adjusted), ~valid)
    p, q = raw[valid], adjusted[valid]
    assert np.all(q >= p) and np.all(q <= 1.0)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= 0)  # monotone in the order of the raw p-values


# ----------------------------------------------------------------------------------------------
# Rank tests
# ----------------------------------------------------------------------------------------------

# R documentation of wilcox.test (Hollander & Wolfe 1973, p. 69f): permeability constants.
PERM_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
PERM_Y = [1.15, 0.88, 0.90, 0.74, 1.21]


def test_mann_whitney_r_example_and_brute_force():
    result = inf.mann_whitney(PERM_X, PERM_Y)
    # R: wilcox.test(x, y, alternative = "g"): W = 35, p-value = 0.1272 (4 digits).
    assert result["U"] == 35
    assert round(result["p_greater"], 4) == 0.1272
    assert result["method"] == "Mann-Whitney U, exact distribution"
    # Brute force: U over all C(15, 10) ways to choose which values are "x".
    pooled = PERM_X + PERM_Y

    def u_of(xs, ys):
        return sum((a > b) + 0.5 * (a == b) for a in xs for b in ys)

    observed = u_of(PERM_X, PERM_Y)
    null = []
    for chosen in itertools.combinations(range(15), 10):
        rest = [pooled[i] for i in range(15) if i not in chosen]
        null.append(u_of([pooled[i] for i in chosen], rest))
    null = np.array(null)
    p_greater = np.mean(null >= observed)
    p_less = np.mean(null <= observed)
    assert result["p_greater"] == pytest.approx(p_greater, rel=TOL)
    assert result["p_less"] == pytest.approx(p_less, rel=TOL)
    assert result["p_two_sided"] == pytest.approx(min(1.0, 2 * min(p_greater, p_less)), rel=TOL)
    assert result["rank_biserial"] == pytest.approx(2 * 35 / 50 - 1, rel=TOL)


def test_mann_whitney_ties_normal_approximation_by_hand():
    x = [3, 4, 4, 5, 6, 6, 7, 8, 9, 9]
    y = [1, 2, 3, 3, 4, 5, 5, 6, 7]
    result = inf.mann_whitney(x, y)
    assert result["method"].startswith("Mann-Whitney U, normal approximation")
    n1, n2 = len(x), len(y)
    n = n1 + n2
    u = sum((a > b) + 0.5 * (a == b) for a in x for b in y)
    ties = np.unique(x + y, return_counts=True)[1]
    variance = n1 * n2 / 12 * ((n + 1) - (ties**3 - ties).sum() / (n * (n - 1)))
    mean = n1 * n2 / 2
    z_greater = (u - mean - 0.5) / math.sqrt(variance)  # continuity correction towards the mean
    assert result["U"] == u
    assert result["p_greater"] == pytest.approx(scipy.stats.norm.sf(z_greater), rel=1e-9)
    assert result["rank_biserial"] > 0  # x tends to be larger
    # The method is the one scipy's method="auto" would have chosen.
    auto = scipy.stats.mannwhitneyu(x, y, alternative="greater", method="auto")
    assert result["p_greater"] == pytest.approx(auto.pvalue, rel=TOL)
    swapped = inf.mann_whitney(y, x)
    assert swapped["rank_biserial"] == pytest.approx(-result["rank_biserial"], rel=TOL)
    assert swapped["p_less"] == pytest.approx(result["p_greater"], rel=TOL)


def test_kruskal_wallis_r_example_and_hand_formula():
    # R documentation of kruskal.test (Hollander & Wolfe 1973, p. 116): mucociliary efficiency.
    groups = [[2.9, 3.0, 2.5, 2.6, 3.2], [3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0]]
    result = inf.kruskal_wallis(groups)
    assert round(result["H"], 5) == 0.77143  # R: Kruskal-Wallis chi-squared = 0.77143
    assert result["df"] == 2
    assert round(result["p_value"], 2) == 0.68  # R: p-value = 0.68
    # By hand (no ties): H = 12 / (N (N + 1)) sum R_j^2 / n_j - 3 (N + 1).
    pooled = sorted(v for g in groups for v in g)
    rank = {v: i + 1 for i, v in enumerate(pooled)}
    n = len(pooled)
    h = 12 / (n * (n + 1)) * sum(sum(rank[v] for v in g) ** 2 / len(g) for g in groups) - 3 * (
        n + 1
    )
    assert result["H"] == pytest.approx(h, rel=TOL)
    assert result["p_value"] == pytest.approx(math.exp(-h / 2), rel=TOL)  # chi2 with 2 df
    assert result["epsilon_squared"] == pytest.approx(h * (n + 1) / (n**2 - 1), rel=TOL)


def test_kruskal_wallis_ties_by_hand():
    groups = [[0, 1, 1, 2], [1, 2, 2, 3, 3], [2, 3, 4, 4]]
    pooled = np.concatenate(groups).astype(float)
    n = pooled.size
    # Midranks by hand.
    midrank = {}
    for value in np.unique(pooled):
        below = int((pooled < value).sum())
        count = int((pooled == value).sum())
        midrank[value] = below + (count + 1) / 2
    h = 12 / (n * (n + 1)) * sum(sum(midrank[v] for v in g) ** 2 / len(g) for g in groups) - 3 * (
        n + 1
    )
    ties = np.unique(pooled, return_counts=True)[1]
    h /= 1 - (ties**3 - ties).sum() / (n**3 - n)
    assert inf.kruskal_wallis(groups)["H"] == pytest.approx(h, rel=TOL)
    with pytest.raises(NotTestable):
        inf.kruskal_wallis([[1, 1], [1, 1, 1]])


# ----------------------------------------------------------------------------------------------
# Jonckheere-Terpstra
# ----------------------------------------------------------------------------------------------

# Hollander & Wolfe (1999), Nonparametric Statistical Methods, 2nd ed., p. 205ff (motivational
# effect of knowledge of performance; values as quoted in the tests of Perl's
# Statistics::ANOVA::JT): J = 79, E(J) = 54, tie-corrected Var(J) = 150.29, z = 2.04,
# one-sided P = 0.0207.
HW_GROUPS = [[40, 35, 38, 43, 44, 41], [38, 40, 47, 44, 40, 42], [48, 40, 45, 43, 46, 44]]


def brute_force_j(groups):
    return sum(
        (b > a) + 0.5 * (b == a)
        for i in range(len(groups))
        for j in range(i + 1, len(groups))
        for a in groups[i]
        for b in groups[j]
    )


def test_jonckheere_terpstra_hollander_wolfe():
    result = inf.jonckheere_terpstra(HW_GROUPS, seed=3, resamples=20000)
    assert result["J"] == 79
    assert round(result["z"], 2) == 2.04
    variance = ((79 - 54) / result["z"]) ** 2
    assert round(variance, 2) == 150.29
    assert round(result["p_increasing"], 4) == 0.0207
    assert result["p_two_sided"] == pytest.approx(2 * result["p_increasing"], rel=TOL)
    assert abs(result["p_value_permutation_increasing"] - result["p_increasing"]) < 0.01
    assert "seed 3" in result["method"]


def test_jonckheere_terpstra_against_complete_permutation_distribution():
    groups = [[0, 1, 1], [1, 2, 2], [2, 2, 3, 1]]  # counts with many ties
    pooled = [v for g in groups for v in g]
    sizes = [len(g) for g in groups]
    cuts = np.cumsum(sizes)[:-1]
    null = []
    # Every assignment of the 10 positions to the groups (10! / (3! 3! 4!) = 4200 equally likely).
    for first in itertools.combinations(range(10), 3):
        rest = [i for i in range(10) if i not in first]
        for second in itertools.combinations(rest, 3):
            third = [i for i in rest if i not in second]
            arrangement = [[pooled[i] for i in part] for part in (first, second, third)]
            null.append(brute_force_j(arrangement))
    null = np.array(null)
    assert null.size == 4200
    observed = brute_force_j(groups)
    result = inf.jonckheere_terpstra(groups, seed=99, resamples=20000)
    assert result["J"] == observed
    # The tie-corrected variance is the exact variance of the permutation distribution.
    z_exact = (observed - null.mean()) / null.std()
    assert result["z"] == pytest.approx(z_exact, rel=TOL)
    assert null.mean() == pytest.approx((10**2 - sum(s * s for s in sizes)) / 4, rel=TOL)
    exact_p = np.mean(null >= observed)
    assert abs(result["p_value_permutation_increasing"] - exact_p) <= 4 * result["permutation_se"]
    exact_two_sided = np.mean(np.abs(null - null.mean()) >= abs(observed - null.mean()) - 1e-9)
    assert abs(result["p_value_permutation_two_sided"] - exact_two_sided) <= 4 * result["permutation_two_sided_se"]
    # The rank identity used for the resampling gives the pair-count J on any arrangement.
    rng = np.random.default_rng(0)
    for _ in range(20):
        shuffled = rng.permutation(pooled)
        parts = np.split(shuffled, cuts)
        assert inf._jt_from_ranks(shuffled, np.array(sizes))[0] == brute_force_j(
            [p.tolist() for p in parts]
        )
    # Seeded, hence reproducible.
    assert inf.jonckheere_terpstra(groups, seed=99, resamples=20000) == result


def test_jonckheere_terpstra_j_from_value_counts_equals_j_from_ranks():
    rng = np.random.default_rng(11)
    for _ in range(200):
        sizes = rng.integers(1, 30, rng.integers(2, 6))
        n = int(sizes.sum())
        # Few distinct values (many ties), as per-plan counts have, or many.
        values = rng.integers(0, rng.choice([2, 4, 10, 1000]), (int(rng.integers(1, 20)), n)) * rng.choice([1.0, 0.5, 0.1])
        distinct, codes = np.unique(values, return_inverse=True)
        codes = codes.reshape(values.shape)
        assert np.array_equal(inf.jt_from_codes(codes, sizes, len(distinct)), inf._jt_from_ranks(values, sizes))


def test_jonckheere_terpstra_permutation_p_values_are_those_of_the_rank_version():
    # The permutation p-values before J was computed from value codes: J from midranks of the
    # permuted values themselves, same generator, same chunks. They must not change by one bit.
    def by_ranks(pooled, sizes, observed, mean, resamples, seed):
        n = pooled.size
        rng = np.random.Generator(np.random.PCG64(seed))
        chunk = max(1, min(resamples, inf._CHUNK_ELEMENTS // n))
        threshold = observed - 1e-9 * max(1.0, abs(observed))
        distance = abs(observed - mean) - 1e-9 * max(1.0, abs(observed))
        exceed = exceed_two = done = 0
        while done < resamples:
            size = min(chunk, resamples - done)
            permuted = inf._jt_from_ranks(rng.permuted(np.broadcast_to(pooled, (size, n)), axis=1), sizes)
            exceed += int(np.count_nonzero(permuted >= threshold))
            exceed_two += int(np.count_nonzero(np.abs(permuted - mean) >= distance))
            done += size
        return (1 + exceed) / (resamples + 1), (1 + exceed_two) / (resamples + 1)

    rng = np.random.default_rng(5)
    for case in range(12):
        groups = [rng.integers(0, 3 + case % 5, rng.integers(2, 40)) * 0.5 for _ in range(int(rng.integers(2, 5)))]
        if case % 4 == 0:
            groups = [rng.normal(size=rng.integers(2, 30)) for _ in range(3)]  # no ties at all
        result = inf.jonckheere_terpstra(groups, seed=case, resamples=3000)
        pooled = np.concatenate(groups).astype(float)
        sizes = np.array([len(g) for g in groups])
        mean = (pooled.size**2 - (sizes**2).sum()) / 4.0
        expected = by_ranks(pooled, sizes, result["J"], mean, 3000, case)
        assert (result["p_value_permutation_increasing"], result["p_value_permutation_two_sided"]) == expected


# ----------------------------------------------------------------------------------------------
# Paired binary data and binomial tests
# ----------------------------------------------------------------------------------------------


def test_cochrans_q_matches_statsmodels():
    from statsmodels.stats.contingency_tables import cochrans_q

    rng = np.random.default_rng(12)
    for shape, probabilities in (((30, 3), [0.7, 0.6, 0.3]), ((45, 4), [0.5, 0.5, 0.6, 0.2])):
        data = (rng.random(shape) < probabilities).astype(int)
        ours = inf.cochrans_q(data)
        reference = cochrans_q(data)
        assert ours["Q"] == pytest.approx(reference.statistic, rel=TOL)
        assert ours["df"] == reference.df
        assert ours["p_value"] == pytest.approx(reference.pvalue, rel=1e-9)
    with pytest.raises(NotTestable):
        inf.cochrans_q([[1, 1, 1], [0, 0, 0]])


def test_mcnemar_exact_matches_statsmodels_and_binomial_sums():
    from statsmodels.stats.contingency_tables import mcnemar

    for b, c in ((9, 2), (2, 9), (5, 5), (0, 7), (12, 3)):
        ours = inf.mcnemar_exact(b, c)
        reference = mcnemar([[10, b], [c, 10]], exact=True)
        assert ours["p_two_sided"] == pytest.approx(reference.pvalue, rel=TOL)
        m = b + c
        p_b_greater = sum(math.comb(m, k) for k in range(b, m + 1)) / 2**m
        assert ours["p_b_greater"] == pytest.approx(p_b_greater, rel=TOL)
    assert inf.mcnemar_exact(0, 0) == {"p_two_sided": 1.0, "p_b_greater": 1.0}


def test_binomial_test_r_example_and_brute_force():
    # R documentation of binom.test (Conover 1971, p. 97f): 682 of 925, p = 3/4:
    # p-value = 0.3825 (4 digits).
    result = inf.binomial_test(682, 925, 0.75)
    assert round(result["p_two_sided"], 4) == 0.3825
    # Brute force in exact arithmetic (R's two-sided rule: outcomes at most as likely as k).
    p0 = Fraction(3, 4)
    pmf = [math.comb(925, k) * p0**k * (1 - p0) ** (925 - k) for k in range(926)]
    assert result["p_greater"] == pytest.approx(float(sum(pmf[682:])), rel=TOL)
    limit = pmf[682] * (1 + Fraction(1, 10**7))
    assert result["p_two_sided"] == pytest.approx(float(sum(p for p in pmf if p <= limit)), rel=TOL)
    small = inf.binomial_test(8, 10)
    assert small["p_greater"] == pytest.approx((45 + 10 + 1) / 1024, rel=TOL)
    assert small["p_two_sided"] == pytest.approx(2 * 56 / 1024, rel=TOL)


def test_jonckheere_terpstra_uses_the_normal_approximation_above_the_permutation_limit():
    rng = np.random.default_rng(3)
    groups = [rng.integers(0, 4, 30) + shift for shift in (0, 0, 1, 1)]
    permuted = inf.jonckheere_terpstra(groups, seed=1, resamples=20000)
    normal = inf.jonckheere_terpstra(groups, seed=1, max_permuted=50)
    assert permuted["p_value"] == permuted["p_value_permutation_two_sided"]
    assert normal["p_value_permutation_two_sided"] is None
    assert normal["p_value"] == pytest.approx(normal["p_two_sided"], rel=1e-12)
    assert "normal approximation" in normal["method"]
    # With 120 observations the two agree within the Monte Carlo error and the approximation's.
    assert abs(permuted["p_value"] - normal["p_value"]) < 4 * permuted["permutation_two_sided_se"] + 0.01


def test_large_tables_use_the_sample_odds_ratio_with_woolfs_interval():
    table = np.array([[900, 600], [700, 800]])
    result = inf.odds_ratio_2x2(table)
    a, b, c, d = table.ravel()
    log_or, se = math.log(a * d / (b * c)), math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    # Woolf's interval computed by hand (independent of scipy).
    assert result["odds_ratio"] == pytest.approx(a * d / (b * c), rel=1e-12)
    assert result["ci_low"] == pytest.approx(math.exp(log_or - 1.959963984540054 * se), rel=1e-9)
    assert result["ci_high"] == pytest.approx(math.exp(log_or + 1.959963984540054 * se), rel=1e-9)
    assert "Woolf" in result["kind"]


def test_the_exact_p_value_is_only_computed_when_cochrans_rule_fails():
    large = inf.independence_test(np.array([[40, 30, 35, 45], [30, 40, 38, 31]]), seed=1)
    assert large["method"] == "Pearson chi-square" and large["p_value_exact"] is None


# The stability chunks judge thousands of samples without importing scipy.stats (a third of a
# second per process): the package then computes with the functions scipy.stats itself calls.
# These keep the numbers equal, to the last bit, to scipy.stats' own.


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), min_size=2, max_size=4), min_size=2, max_size=4).filter(
    lambda rows: len({len(row) for row in rows}) == 1))
def test_pearson_chi_square_is_scipy_chi2_contingency_to_the_last_bit(rows):
    table = np.array(rows)
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return
    ours = inf.pearson_chi_square(table)
    theirs = scipy.stats.chi2_contingency(table, correction=False)
    assert ours["statistic"] == float(theirs.statistic)
    assert ours["df"] == theirs.dof
    assert ours["p_value"] == float(theirs.pvalue)
    assert np.array_equal(ours["expected"], theirs.expected_freq)


def test_binomial_tails_are_scipy_binom_to_the_last_bit():
    for n in range(0, 120):
        for k in range(-2, n + 3):
            for p in (0.5, 0.2):
                assert inf.binomial_cdf(k, n, p) == float(scipy.stats.binom.cdf(k, n, p))
                assert inf.binomial_sf(k, n, p) == float(scipy.stats.binom.sf(k, n, p))


def test_the_sign_test_is_scipy_binomtest_to_the_last_bit():
    for n in range(1, 400):
        for k in range(0, n + 1):
            ours = inf.binomial_test(k, n)
            assert ours["p_two_sided"] == scipy.stats.binomtest(k, n).pvalue, (k, n)
            assert ours["p_greater"] == scipy.stats.binomtest(k, n, alternative="greater").pvalue, (k, n)
    # another p0 goes through scipy.stats.binomtest itself
    assert inf.binomial_test(3, 10, 0.2)["p_two_sided"] == scipy.stats.binomtest(3, 10, 0.2).pvalue
