"""Rank tests treat values equal in exact arithmetic as ties, however floating point wrote them.

The evenness of a perfectly even plan is 0.9999999999999998 for three strategies and 1.0 for
two; the Shannon entropy of the same counts in another order can differ in its last bit. Every
rank test (Mann-Whitney, Kruskal-Wallis, Jonckheere-Terpstra), the bootstrap of the
rank-biserial correlation and the stability stage's fast paths must rank them as ties: the
references below use the exact values (1.0, or the entropy of the sorted counts), computed
independently of the rounding.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings, strategies as st

from rlp_pipeline.stages import stability
from rlp_pipeline.stats import inference
from rlp_pipeline.stages import tests as significance
from rlp_pipeline.stats.descriptive import pielou_evenness, shannon
from rlp_pipeline.stats.inference import rank_values

EVEN_THREE = float(pielou_evenness(np.array([2, 2, 2, 0])))  # 0.9999999999999998
EVEN_TWO = float(pielou_evenness(np.array([3, 3, 0, 0])))  # 1.0


def permuted_shannon_pairs() -> list[tuple[float, float]]:
    """Counts whose entropy differs in the last bit when the categories are listed in another
    order, as (value in one order, value in another order)."""
    pairs = []
    for counts in itertools.product(range(1, 7), repeat=3):
        values = sorted({float(shannon(np.array(p))) for p in itertools.permutations(counts)})
        if len(values) > 1:
            pairs.append((values[0], values[-1]))
    return pairs


def test_the_floating_point_cases_exist():
    """The cases this file is about are real: otherwise its tests could not fail."""
    assert EVEN_THREE != EVEN_TWO and abs(EVEN_THREE - 1.0) < 1e-15
    assert len(permuted_shannon_pairs()) > 10


def test_rank_values_joins_true_ties_and_keeps_real_differences():
    assert inference.rank_values([EVEN_THREE])[0] == inference.rank_values([EVEN_TWO])[0] == 1.0
    for low, high in permuted_shannon_pairs():
        assert inference.rank_values([low])[0] == inference.rank_values([high])[0]
    values = np.array([0.5, 0.5 + 1e-9, 1 / 3, 2 / 3, 0.0, -0.0, 1e-300, 123456.789, np.nan])
    rounded = inference.rank_values(values)
    assert len(np.unique(rounded[:8])) == 7  # only 0.0 and -0.0 meet
    assert np.isnan(rounded[-1])
    assert np.array_equal(inference.rank_values(rounded), rounded, equal_nan=True)  # rounding twice changes nothing


def mixed(exact: np.ndarray, flip: np.ndarray, noisy: float) -> np.ndarray:
    """`exact`, with the entries flagged in `flip` replaced by their noisy floating-point twin."""
    return np.where(flip, noisy, exact)


@pytest.fixture
def evenness_groups():
    """Evenness of plans at four levels: perfectly even plans written either way, and others."""
    rng = np.random.default_rng(5)
    groups_exact, groups_noisy = [], []
    for level in range(4):
        exact = np.concatenate([np.ones(4 + level), rng.choice([0.5, 0.75, 0.9182958340544896], 5)])
        flip = np.zeros(exact.size, dtype=bool)
        flip[: 4 + level] = rng.random(4 + level) < 0.5
        groups_exact.append(exact)
        groups_noisy.append(mixed(exact, flip, EVEN_THREE))
    return groups_exact, groups_noisy


def test_mann_whitney_ranks_the_evenness_of_even_plans_as_ties(evenness_groups):
    exact, noisy = evenness_groups
    x_exact, y_exact = np.concatenate(exact[2:]), np.concatenate(exact[:2])
    x_noisy, y_noisy = np.concatenate(noisy[2:]), np.concatenate(noisy[:2])
    ours = inference.mann_whitney(x_noisy, y_noisy)
    reference = scipy.stats.mannwhitneyu(x_exact, y_exact, alternative="two-sided", method="asymptotic")
    assert ours["U"] == reference.statistic
    assert ours["p_two_sided"] == pytest.approx(reference.pvalue, rel=1e-12)
    unrounded = scipy.stats.mannwhitneyu(x_noisy, y_noisy, alternative="two-sided", method="asymptotic")
    assert unrounded.statistic != reference.statistic or unrounded.pvalue != reference.pvalue  # the bug it fixes


def test_kruskal_wallis_ranks_permuted_shannon_values_as_ties():
    pairs = permuted_shannon_pairs()[:12]
    exact = [np.array([low for low, _ in pairs[i::3]] + [0.0, 0.5]) for i in range(3)]
    noisy = [np.array([high for _, high in pairs[i::3]] + [0.0, 0.5]) for i in range(3)]
    exact[0] = np.concatenate([exact[0], noisy[1][:2]])  # the same value written both ways
    noisy[0] = np.concatenate([noisy[0], noisy[1][:2]])
    canonical = [inference.rank_values(g) for g in exact]  # one writing per value
    ours = inference.kruskal_wallis([np.concatenate([n[:1], e[1:]]) for n, e in zip(noisy, exact)])
    reference = scipy.stats.kruskal(*canonical)
    assert ours["H"] == pytest.approx(reference.statistic, rel=1e-12)


def test_jonckheere_terpstra_ranks_the_evenness_of_even_plans_as_ties(evenness_groups):
    exact, noisy = evenness_groups
    ours = inference.jonckheere_terpstra(noisy, seed=3, resamples=2000)
    reference = inference.jonckheere_terpstra(exact, seed=3, resamples=2000)
    # J counted pair by pair, ties as one half, on the exact values: an independent reference.
    pairs = sum(((b > a) + 0.5 * (b == a)).sum() for i, j in itertools.combinations(range(4), 2)
                for a in exact[i] for b in [exact[j]])
    assert ours["J"] == reference["J"] == pairs
    assert ours["z"] == reference["z"] and ours["p_value"] == reference["p_value"]


def small_frame(values: np.ndarray, levels: np.ndarray) -> stability.Frame:
    plans = pd.DataFrame({"plan_id": [f"p{i}" for i in range(len(values))], "mobilisation_level": levels,
                          "mobilisation_group": np.where(levels <= 2, "1-2", "3-4")})
    return stability.Frame(plans, np.ones(len(values), dtype=bool), levels, plans["mobilisation_group"].to_numpy(),
                           {}, {"m": values}, {}, {})


def test_the_stability_fast_paths_rank_ties_as_the_tests_stage_does(evenness_groups):
    _, noisy = evenness_groups
    values = np.concatenate(noisy)
    levels = np.concatenate([np.full(len(g), level + 1) for level, g in enumerate(noisy)])
    frame = small_frame(values, levels)
    members = np.arange(len(values))[None, :]
    measure = pd.Series(values)
    trend = significance.component_trend_levels(measure, pd.Series(levels), "increasing", seed=11)
    fast_trend = stability.trend_levels_outcomes(values, frame, members, "increasing", seed=11)
    assert fast_trend.p_value[0] == trend["p_value"]
    shift = significance.component_group_shift(measure, pd.Series(frame.group), {"higher_in": "3-4"}, seed=11)
    fast_shift = stability.group_shift_outcomes(values, frame, members, {"higher_in": "3-4"})
    assert fast_shift.p_value[0] == shift["p_value"]


def test_the_rank_biserial_bootstrap_sees_the_same_ties(evenness_groups):
    exact, noisy = evenness_groups
    x_e, y_e = np.concatenate(exact[2:]), np.concatenate(exact[:2])
    x_n, y_n = np.concatenate(noisy[2:]), np.concatenate(noisy[:2])
    assert significance.rank_biserial_interval(x_n, y_n, seed=4) == significance.rank_biserial_interval(x_e, y_e, seed=4)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                 st.sampled_from([0.0, -0.0, 1.0, 0.9999999999999998, 1 / 3])), max_size=30))
def test_rank_values_round_each_value_as_its_own_decimal_text(values):
    """Rounding each distinct value once gives, for every value, float('%.11e' % value) (-0.0 as 0.0)."""
    expected = [float(f"{v:.11e}") + 0.0 for v in values]
    got = rank_values(np.array(values, dtype=float)).tolist()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert (math.isnan(g) and math.isnan(e)) or (g == e and math.copysign(1, g) == math.copysign(1, e))
