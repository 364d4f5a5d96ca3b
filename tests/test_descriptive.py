"""Tests of the descriptive statistics: Wilson interval with finite population correction,
diversity indices, distribution summary.

Each result is checked against values computed independently: published textbook values, other
implementations (statsmodels, scipy, numpy), exact hand calculations and mathematical properties.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from rlp_pipeline.stats.descriptive import describe_distribution, domain_population_size, gini_simpson, pielou_evenness, proportion_interval, richness, shannon

TOL = 1e-12


# ------------------------------------------------------------------------------ Wilson interval


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3
        # (score interval without continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table_1(count, n, low, high):
    lower, upper = proportion_interval(count, n)
    assert round(lower, 4) == pytest.approx(low, abs=1e-12)
    assert round(upper, 4) == pytest.approx(high, abs=1e-12)


def test_wilson_matches_statsmodels_on_a_grid():
    for n in (1, 2, 3, 5, 10, 29, 56, 148, 263, 1000):
        for count in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            if count < 0:
                continue
            for confidence in (0.90, 0.95, 0.99):
                expected = proportion_confint(count, n, alpha=1 - confidence, method="wilson")
                got = proportion_interval(count, n, confidence=confidence)
                assert got == pytest.approx(expected, abs=1e-10), (count, n, confidence)


def test_wilson_is_vectorised_and_matches_scalar_calls():
    counts = np.array([0, 3, 7, 10])
    lows, highs = proportion_interval(counts, 10, population_size=25)
    assert isinstance(lows, np.ndarray) and lows.shape == (4,)
    for count, low, high in zip(counts, lows, highs):
        assert (low, high) == proportion_interval(int(count), 10, population_size=25)
    # Broadcasting of n as an array too.
    lows, highs = proportion_interval(np.array([1, 2]), np.array([4, 8]))
    assert lows[0] == proportion_interval(1, 4)[0] and highs[1] == proportion_interval(2, 8)[1]


def test_scalar_input_gives_plain_floats():
    low, high = proportion_interval(3, 10)
    assert type(low) is float and type(high) is float


def test_empty_denominator_gives_nan():
    low, high = proportion_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)
    low, high = proportion_interval(0, 0, population_size=10)
    assert math.isnan(low) and math.isnan(high)
    lows, highs = proportion_interval(np.array([0, 1]), np.array([0, 2]))
    assert math.isnan(lows[0]) and not math.isnan(lows[1])


def test_bounds_stay_in_unit_interval_and_contain_the_estimate():
    for n in (1, 5, 56):
        for count in range(n + 1):
            for population in (None, n + 1, 140, 10**6):
                low, high = proportion_interval(count, n, population)
                assert 0.0 <= low <= count / n <= high <= 1.0
    assert proportion_interval(0, 20)[0] == 0.0 and math.copysign(1.0, proportion_interval(0, 20)[0]) == 1.0
    assert proportion_interval(20, 20)[1] == 1.0


@pytest.mark.parametrize(("count", "n", "population", "confidence"), [
    (-1, 10, None, 0.95), (11, 10, None, 0.95), (3, 10, 9, 0.95), (3, 10, None, 1.0), (3, 10, None, 0.0),
])
def test_invalid_arguments_are_refused(count, n, population, confidence):
    with pytest.raises(ValueError):
        proportion_interval(count, n, population, confidence)


# ------------------------------------------------------------------- finite population correction


def test_fpc_tends_to_plain_wilson_for_a_huge_population():
    for count, n in ((81, 263), (0, 20), (13, 56)):
        plain = proportion_interval(count, n)
        huge = proportion_interval(count, n, population_size=10**12)
        assert huge == pytest.approx(plain, abs=1e-8)


def test_fpc_collapses_to_the_estimate_for_a_census():
    for count, n in ((0, 5), (3, 7), (56, 56), (1, 1)):
        assert proportion_interval(count, n, population_size=n) == (count / n, count / n)


def test_fpc_equals_statsmodels_wilson_at_the_effective_sample_size():
    population = 140
    for n in (2, 10, 56, 100, 139):
        effective = n * (population - 1) / (population - n)  # n* computed here, independently
        for count in sorted({0, 1, n // 4, n // 2, n - 1, n}):
            # statsmodels takes a count and a size: the same proportion at size n*.
            expected = proportion_confint(count * effective / n, effective, alpha=0.05, method="wilson")
            got = proportion_interval(count, n, population_size=population)
            assert got == pytest.approx(expected, abs=1e-10), (count, n)


def test_fpc_interval_is_inside_the_plain_one():
    for count in range(0, 57, 7):
        low, high = proportion_interval(count, 56, 140)
        plain_low, plain_high = proportion_interval(count, 56)
        assert plain_low <= low + TOL and high <= plain_high + TOL


def test_fpc_gives_nominal_coverage_under_sampling_without_replacement():
    """Exact coverage, from the hypergeometric distribution, of the interval for every possible
    number K of plans using a code in a frame of N = 140 when n = 56 are drawn. With the
    correction the average coverage is close to 95%; without it, the interval is far too wide."""
    population, n = 140, 56
    counts = np.arange(n + 1)
    coverages = {}
    for correction in (population, None):
        low, high = proportion_interval(counts, n, correction)
        per_k = []
        for k in range(population + 1):
            truth = k / population
            pmf = scipy.stats.hypergeom.pmf(counts, population, k, n)
            per_k.append(pmf[(low <= truth + TOL) & (truth - TOL <= high)].sum())
        coverages[correction] = float(np.mean(per_k))
    assert 0.94 <= coverages[population] <= 0.965
    assert coverages[None] > 0.98


def test_domain_population_size():
    assert domain_population_size(20, 56, 140) == pytest.approx(50.0)
    assert domain_population_size(30, 56, 56) == 30.0  # census: the domain is known exactly
    sizes = domain_population_size(np.array([0, 28]), 56, 140)
    assert sizes.tolist() == [0.0, 70.0]


# ------------------------------------------------------------------------------ diversity indices


def test_diversity_hand_values():
    assert richness([1, 1]) == 2
    assert shannon([1, 1]) == pytest.approx(math.log(2), abs=TOL)
    assert gini_simpson([1, 1]) == pytest.approx(0.5, abs=TOL)
    assert pielou_evenness([1, 1]) == pytest.approx(1.0, abs=TOL)

    assert richness([5]) == 1
    assert shannon([5]) == 0.0 and math.copysign(1.0, shannon([5])) == 1.0
    assert gini_simpson([5]) == 0.0
    assert math.isnan(pielou_evenness([5]))

    expected_h = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert shannon([2, 1, 1]) == pytest.approx(expected_h, abs=TOL)
    assert shannon([2, 1, 1]) == pytest.approx(scipy.stats.entropy([2, 1, 1]), abs=TOL)
    assert gini_simpson([2, 1, 1]) == pytest.approx(1 - (0.25 + 0.0625 + 0.0625), abs=TOL)
    assert pielou_evenness([2, 1, 1]) == pytest.approx(expected_h / math.log(3), abs=TOL)


def test_diversity_of_no_counts_is_undefined():
    assert richness([0, 0, 0]) == 0
    assert math.isnan(shannon([0, 0, 0]))
    assert math.isnan(gini_simpson([0, 0]))
    assert math.isnan(pielou_evenness([0, 0]))
    assert math.isnan(pielou_evenness([0, 3, 0]))


def test_negative_or_missing_counts_are_refused():
    for bad in ([1, -1], [1, float("nan")], [[[1]]]):
        with pytest.raises(ValueError):
            shannon(bad)


def test_row_wise_versions_match_one_row_at_a_time():
    table = np.array([[3, 1, 0, 0], [1, 1, 1, 1], [0, 0, 4, 0], [0, 0, 0, 0], [2, 0, 1, 5]])
    for function in (richness, shannon, gini_simpson, pielou_evenness):
        rows = function(table)
        assert rows.shape == (5,)
        expected = [function(row) for row in table]
        np.testing.assert_allclose(rows, expected, rtol=0, atol=TOL, equal_nan=True)
    np.testing.assert_allclose(shannon(table[[0, 1, 2, 4]]), scipy.stats.entropy(table[[0, 1, 2, 4]], axis=1),
                               atol=TOL)


count_vectors = st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8).filter(lambda c: sum(c) > 0)


@settings(max_examples=100, deadline=None)
@given(count_vectors)
def test_diversity_bounds(counts):
    s = richness(counts)
    h, gs, j = shannon(counts), gini_simpson(counts), pielou_evenness(counts)
    assert 0.0 <= h <= math.log(s) + TOL
    assert 0.0 <= gs <= 1 - 1 / s + TOL
    if s > 1:
        assert 0.0 <= j <= 1.0 + TOL
    else:
        assert math.isnan(j)
    assert h == pytest.approx(scipy.stats.entropy(counts), abs=1e-10)


@settings(max_examples=100, deadline=None)
@given(count_vectors, st.randoms(use_true_random=False), st.integers(min_value=0, max_value=5))
def test_diversity_ignores_category_order_and_zero_categories(counts, rng, zeros):
    shuffled = list(counts) + [0] * zeros
    rng.shuffle(shuffled)
    for function in (richness, shannon, gini_simpson, pielou_evenness):
        a, b = function(counts), function(shuffled)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=TOL)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=1000))
def test_diversity_is_maximal_for_uniform_counts(categories, each):
    counts = [each] * categories
    assert shannon(counts) == pytest.approx(math.log(categories), abs=TOL)
    assert gini_simpson(counts) == pytest.approx(1 - 1 / categories, abs=TOL)
    if categories > 1:
        assert pielou_evenness(counts) == pytest.approx(1.0, abs=TOL)


@settings(max_examples=100, deadline=None)
@given(count_vectors)
def test_uniform_counts_dominate(counts):
    """No distribution over S categories is more diverse than the uniform one over S."""
    s = int(richness(counts))
    uniform = [1] * s
    assert shannon(counts) <= shannon(uniform) + TOL
    assert gini_simpson(counts) <= gini_simpson(uniform) + TOL


# ---------------------------------------------------------------------------- describe_distribution


def test_describe_distribution_hand_values():
    summary = describe_distribution([4, 1, 3, 2])
    assert summary["n"] == 4
    assert summary["mean"] == 2.5
    assert summary["sd"] == pytest.approx(math.sqrt(5 / 3), abs=TOL)  # squares 2.25+.25+.25+2.25 = 5, / 3
    assert summary["median"] == 2.5
    assert summary["q1"] == 1.75 and summary["q3"] == 3.25  # linear: 1 + 0.75 x (2 - 1), 3 + 0.25 x (4 - 3)
    assert summary["min"] == 1.0 and summary["max"] == 4.0


def test_describe_distribution_skips_missing_values():
    import pandas as pd

    summary = describe_distribution(pd.array([1, None, 3], dtype="Int64"))
    assert summary["n"] == 2 and summary["mean"] == 2.0
    summary = describe_distribution([np.nan, 5.0, None])
    assert summary["n"] == 1 and summary["median"] == 5.0 and math.isnan(summary["sd"])
    empty = describe_distribution([np.nan])
    assert empty["n"] == 0 and all(math.isnan(empty[key]) for key in empty if key != "n")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=2, max_size=30))
def test_describe_distribution_matches_numpy(values):
    summary = describe_distribution(values)
    array = np.array(values)
    assert summary["n"] == len(values)
    assert summary["mean"] == pytest.approx(array.mean(), rel=1e-12, abs=1e-9)
    assert summary["sd"] == pytest.approx(array.std(ddof=1), rel=1e-9, abs=1e-9)
    assert summary["q1"] == pytest.approx(np.percentile(array, 25), rel=1e-12, abs=1e-9)
    assert summary["q1"] <= summary["median"] <= summary["q3"]
    assert summary["min"] == array.min() and summary["max"] == array.max()
