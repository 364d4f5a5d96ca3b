"""Rarefied Hill numbers (rlp_pipeline.stats.hill) against independent references:

- brute force: every subset of m passages drawn without replacement from a plan's passages is
  enumerated, and the Hill number's defining sum averaged over them (the rarefied Hill number
  of Chao et al. 2014 is the Hill transform of that expectation);
- the closed form of order 2 (Chao et al. 2014, Ecological Monographs 84:45-67, eq. for q = 2):
  1 / [1/m + (m - 1)/m sum X_i (X_i - 1) / (n (n - 1))];
- at m = n, the observed Hill numbers from scipy's entropy and by hand.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats

from rlp_pipeline.stats.hill import expected_frequency_counts, hill_table, observed_hill, rarefied_hill

PLANS = [(3, 2, 1, 0), (5, 1, 1, 1), (4, 4), (2, 2, 2, 2), (7, 1), (1, 1, 1), (6, 0, 3, 2)]


def brute_force(counts, m: int, q: int) -> float:
    passages = [i for i, x in enumerate(counts) for _ in range(x)]
    sums = []
    for subset in itertools.combinations(range(len(passages)), m):
        seen = np.bincount([passages[j] for j in subset], minlength=len(counts))
        share = seen[seen > 0] / m
        sums.append(-(share * np.log(share)).sum() if q == 1 else (share ** q).sum())
    mean = float(np.mean(sums))
    return math.exp(mean) if q == 1 else (mean if q == 0 else 1.0 / mean)


@pytest.mark.parametrize("counts", PLANS)
def test_rarefied_hill_numbers_equal_brute_force_enumeration(counts):
    n = sum(counts)
    for m in range(1, n + 1):
        for q in (0, 1, 2):
            assert rarefied_hill(counts, m, q) == pytest.approx(brute_force(counts, m, q), rel=1e-10), (m, q)


@pytest.mark.parametrize("counts", PLANS + [(12, 9, 3, 1), (20, 1, 1, 0)])
def test_order_two_matches_the_closed_form(counts):
    x = np.array(counts, dtype=float)
    n = x.sum()
    for m in range(2, int(n) + 1):
        closed = 1.0 / (1.0 / m + (m - 1) / m * (x * (x - 1)).sum() / (n * (n - 1)))
        assert rarefied_hill(counts, m, 2) == pytest.approx(closed, rel=1e-12)


@pytest.mark.parametrize("counts", PLANS)
def test_at_the_observed_size_they_are_the_observed_hill_numbers(counts):
    x = np.array([c for c in counts if c > 0], dtype=float)
    assert observed_hill(counts, 0) == len(x)
    assert observed_hill(counts, 1) == pytest.approx(math.exp(scipy.stats.entropy(x)), rel=1e-12)
    assert observed_hill(counts, 2) == pytest.approx(1.0 / ((x / x.sum()) ** 2).sum(), rel=1e-12)
    assert expected_frequency_counts(counts, int(x.sum())) == pytest.approx(
        [float((x == k).sum()) for k in range(1, int(x.sum()) + 1)], abs=1e-12)


def test_plans_below_the_size_get_no_rarefied_value_and_sizes_are_checked():
    table = hill_table(np.array([[3, 1, 0, 0], [1, 1, 0, 0]]), m=3)
    assert not math.isnan(table["hill1_rarefied"][0]) and math.isnan(table["hill1_rarefied"][1])
    assert table["hill0"].tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="between 1 and"):
        rarefied_hill([1, 1], 3, 0)


def test_table_rows_equal_each_plans_own_hill_numbers_also_for_repeated_plans():
    """hill_table computes each distinct row once: every plan still gets exactly the numbers of
    brute-force enumeration of its own counts, in its own row, repeated plans included."""
    rows = [(3, 2, 1, 0), (1, 1, 0, 0), (3, 2, 1, 0), (0, 0, 0, 0), (2, 2, 2, 2), (1, 1, 0, 0), (0, 4, 0, 1)]
    table = hill_table(np.array(rows), m=3)
    for plan, counts in enumerate(rows):
        for q in (0, 1, 2):
            if sum(counts) == 0:
                assert math.isnan(table[f"hill{q}"][plan])
            else:
                assert table[f"hill{q}"][plan] == pytest.approx(brute_force(counts, sum(counts), q), rel=1e-10)
            if sum(counts) >= 3:
                assert table[f"hill{q}_rarefied"][plan] == pytest.approx(brute_force(counts, 3, q), rel=1e-10)
            else:
                assert math.isnan(table[f"hill{q}_rarefied"][plan])
    assert hill_table(np.zeros((0, 4)), m=3)["hill1"].shape == (0,)
