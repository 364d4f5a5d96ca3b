"""Agreement statistics against independent references: Krippendorff's published worked example,
kappas computed by hand, and an independent implementation of alpha's coincidence matrix."""

from __future__ import annotations

import math
from collections import Counter
from itertools import permutations

import numpy as np
import pytest

from rlp_pipeline.stats.agreement import (
    agreement_summary,
    bootstrap_estimates,
    bootstrap_interval,
    cohen_kappa,
    krippendorff_alpha,
    log_disagreement_interval,
    percent_agreement,
    percentile_interval,
    resampled_binary_statistics,
    value_counts,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, missing values (None); published nominal alpha = 0.743.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def long_form(table):
    """(units, values) of a coders × units table with None for missing."""
    units, values = [], []
    for row in table:
        for unit, value in enumerate(row):
            if value is not None:
                units.append(unit)
                values.append(value)
    return units, values


def alpha_by_coincidences(table) -> float:
    """Nominal alpha computed the textbook way, without numpy or the krippendorff package:
    o_ck = sum_u (number of c-k pairs in u) / (m_u - 1); alpha = 1 - (n - 1) D_o' / D_e'."""
    coincidences = Counter()
    for unit in zip(*table):
        present = [v for v in unit if v is not None]
        if len(present) < 2:
            continue
        for a, b in permutations(range(len(present)), 2):
            coincidences[(present[a], present[b])] += 1 / (len(present) - 1)
    n_c = Counter()
    for (c, _), weight in coincidences.items():
        n_c[c] += weight
    n = sum(n_c.values())
    observed = sum(w for (c, k), w in coincidences.items() if c != k)
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k)
    return 1 - (n - 1) * observed / expected


def test_krippendorff_published_example_with_missing_values():
    units, values = long_form(KRIPPENDORFF_2011)
    matrix, _ = value_counts(units, values, [1, 2, 3, 4, 5])
    assert krippendorff_alpha(matrix) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(matrix) == pytest.approx(alpha_by_coincidences(KRIPPENDORFF_2011), abs=1e-12)


def test_alpha_matches_independent_implementation_on_random_data():
    rng = np.random.default_rng(7)
    for _ in range(20):
        table = rng.integers(0, 4, size=(3, 30)).astype(object)
        table[rng.random((3, 30)) < 0.2] = None
        table = table.tolist()
        units, values = long_form(table)
        matrix, _ = value_counts(units, values, [0, 1, 2, 3])
        assert krippendorff_alpha(matrix) == pytest.approx(alpha_by_coincidences(table), abs=1e-10)


def test_cohen_kappa_of_a_two_by_two_table_computed_by_hand():
    # Table: both yes 20, first yes / second no 5, first no / second yes 10, both no 15 (n = 50).
    # p_o = 35/50 = 0.70; first says yes 25/50, second 30/50; p_e = .5*.6 + .5*.4 = 0.50;
    # kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40.
    first = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.40, abs=1e-12)


def test_cohen_kappa_three_categories_by_hand():
    # Diagonal 10, 8, 6 and one disagreement a->b, b->c, c->a (n = 27): p_o = 24/27; each
    # coder's marginals are 11, 9, 7 of 27; p_e = (121 + 81 + 49) / 729 = 251/729.
    first = list("a" * 10 + "b" * 8 + "c" * 6 + "abc")
    second = list("a" * 10 + "b" * 8 + "c" * 6 + "bca")
    p_o, p_e = 24 / 27, 251 / 729
    assert cohen_kappa(first, second) == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)


def test_kappa_and_alpha_undefined_without_variation():
    assert math.isnan(cohen_kappa(["a", "a"], ["a", "a"]))
    assert math.isnan(krippendorff_alpha(np.array([[2, 0], [2, 0]])))
    assert math.isnan(cohen_kappa([], []))


def test_percent_agreement_by_hand():
    # Unit 1: two coders agree; unit 2: they disagree; unit 3: three coders, two agree
    # (ordered pairs: 6, of which 2 agree); unit 4: one coder only (ignored).
    matrix = np.array([[2, 0], [1, 1], [2, 1], [1, 0]])
    assert percent_agreement(matrix) == pytest.approx((2 + 0 + 2) / (2 + 2 + 6))


def test_value_counts_refuses_an_unknown_category():
    with pytest.raises(ValueError, match="not among the categories"):
        value_counts([1], ["x"], ["a", "b"])


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 200)
    noisy = np.where(rng.random(200) < 0.8, truth, rng.integers(0, 3, 200))
    units = list(range(200)) * 2
    matrix, _ = value_counts(units, list(truth) + list(noisy), [0, 1, 2])
    clusters = np.arange(200) // 4  # 50 "plans" of 4 units
    both = np.ones(200, dtype=bool)
    summary = agreement_summary(matrix, clusters, truth, noisy, both, seed=11, resamples=300)
    assert summary["alpha_low"] < summary["alpha"] < summary["alpha_high"]
    assert summary["kappa_low"] < summary["kappa"] < summary["kappa_high"]
    again = bootstrap_interval(clusters, lambda i: krippendorff_alpha(matrix[i]), seed=11, resamples=300)
    assert again == (summary["alpha_low"], summary["alpha_high"])
    other = bootstrap_interval(clusters, lambda i: krippendorff_alpha(matrix[i]), seed=12, resamples=300)
    assert other != again


def _clustered_binary_units(clusters: int = 50, per_cluster: int = 4, seed: int = 7):
    """Two coders' binary values on `clusters` × `per_cluster` units (10% disagreement)."""
    rng = np.random.default_rng(seed)
    size = clusters * per_cluster
    first = rng.integers(0, 2, size)
    second = np.where(rng.random(size) < 0.9, first, 1 - first)
    matrix, _ = value_counts(list(range(size)) * 2, list(first) + list(second), [0, 1])
    return matrix, np.array([f"plan{k:03d}" for k in np.arange(size) // per_cluster])  # sorted as numbered


def test_bootstrap_interval_is_the_expanded_normal_interval_on_the_log_disagreement_scale():
    # Rebuilt independently: the same resamples of the 50 clusters (same generator and seed),
    # est ± c × sd on log(1 - statistic), c = t(0.975; 49 df) × sqrt(50/49), the t quantile
    # from a printed table (2.0096), not from the code's own library call.
    matrix, clusters = _clustered_binary_units()
    interval = bootstrap_interval(clusters, lambda i: percent_agreement(matrix[i]), seed=5, resamples=400)
    draws = np.random.Generator(np.random.PCG64(5)).integers(0, 50, size=(400, 50))
    resampled = np.array([percent_agreement(np.concatenate([matrix[4 * k:4 * k + 4] for k in draw]))
                          for draw in draws])
    centre = math.log(1 - percent_agreement(matrix))
    half = 2.0096 * math.sqrt(50 / 49) * np.std(np.log(1 - resampled), ddof=1)
    assert interval == pytest.approx((1 - math.exp(centre + half), 1 - math.exp(centre - half)), rel=1e-4)


def test_bootstrap_interval_stays_below_one_and_is_one_without_disagreement():
    matrix, clusters = _clustered_binary_units(clusters=12)
    low, high = bootstrap_interval(clusters, lambda i: krippendorff_alpha(matrix[i]), seed=1, resamples=300)
    assert low < krippendorff_alpha(matrix) < high < 1
    agreeing = np.array([[2, 0], [0, 2]] * 12)
    assert bootstrap_interval(np.arange(24) // 2, lambda i: krippendorff_alpha(agreeing[i]),
                              seed=1, resamples=100) == (1.0, 1.0)


def test_log_disagreement_interval_is_undefined_when_its_inputs_are():
    resampled = np.array([0.7, 0.8, np.nan, np.nan, np.nan])  # more than half undefined
    assert all(math.isnan(v) for v in log_disagreement_interval(0.75, resampled, clusters=10))
    assert all(math.isnan(v) for v in log_disagreement_interval(float("nan"), np.array([0.7, 0.8]), clusters=10))
    # Without disagreement in the data the log scale has no spread: the percentile interval.
    assert log_disagreement_interval(1.0, np.ones(20), clusters=10) == percentile_interval(np.ones(20)) == (1.0, 1.0)
    # By hand: quantiles 2.5% and 97.5% of 0, 0.1, ..., 1.0 (linear interpolation).
    assert percentile_interval(np.linspace(0, 1, 11)) == pytest.approx((0.025, 0.975))


def _binary_units_with_missing_and_third_coders(seed: int):
    """Binary reliability data as the agreement stage builds it: units of 30 plans coded by one,
    two or three coders (a third: the reconciled coding), the first and second coders' values
    (-1 where one did not code the unit)."""
    rng = np.random.default_rng(seed)
    size = 240
    first = rng.integers(0, 2, size)
    second = np.where(rng.random(size) < 0.85, first, 1 - first)
    second[rng.random(size) < 0.1] = -1  # the second coder skipped the unit
    third = np.where(rng.random(size) < 0.3, first, -1)
    matrix = np.zeros((size, 2), dtype=int)
    for values in (first, second, third):
        coded = values >= 0
        matrix[np.flatnonzero(coded), values[coded]] += 1
    clusters = np.array([f"plan{k:02d}" for k in rng.integers(0, 30, size)], dtype=object)
    return matrix, clusters, first, second, (first >= 0) & (second >= 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_all_resamples_at_once_give_the_numbers_of_one_call_per_resample(seed):
    # The shortcut must not change a digit: compared with the statistics called on each resample.
    matrix, clusters, first, second, two = _binary_units_with_missing_and_third_coders(seed)
    fast = resampled_binary_statistics(matrix, clusters, first, second, two, seed=seed, resamples=200)

    def kappa_of(index):
        index = index[two[index]]
        return cohen_kappa(first[index], second[index])

    for name, statistic in (("percent_agreement", lambda i: percent_agreement(matrix[i])), ("kappa", kappa_of),
                            ("alpha", lambda i: krippendorff_alpha(matrix[i]))):
        slow = bootstrap_estimates(clusters, statistic, seed=seed, resamples=200)
        np.testing.assert_array_equal(fast[name], slow, err_msg=name)
        assert not np.isnan(slow).all()


def test_the_shortcut_declines_what_it_cannot_compute_exactly():
    matrix, clusters, first, second, two = _binary_units_with_missing_and_third_coders(4)
    four_coders = matrix.copy()
    four_coders[0] = [2, 2]  # four coders: coincidences divided by 3 are no longer exact sums
    assert resampled_binary_statistics(four_coders, clusters, first, second, two, seed=1, resamples=10) is None
    three_categories = np.column_stack([matrix, np.zeros(len(matrix), dtype=int)])
    assert resampled_binary_statistics(three_categories, clusters, first, second, two, seed=1, resamples=10) is None
    # and the summary is then the one of the per-resample path
    summary = agreement_summary(four_coders, clusters, first, second, two, seed=1, resamples=50)
    assert (summary["alpha_low"], summary["alpha_high"]) == bootstrap_interval(
        clusters, lambda i: krippendorff_alpha(four_coders[i]), seed=1, resamples=50)
