"""The tests stage: every statistical test the findings need, computed from the derived tables.

Three kinds of outputs, all per plan (never per coded passage):

- the **battery**: mobilisation (four levels, and groups 1-2 / 3-4) against the use of each
  object, strategy and sub-strategy, with the test Cochran's rule allows, the Cochran-Armitage
  trend across levels, Cramér's V (plain, bias-corrected, interval) and the odds ratio for
  groups; Holm-adjusted across the battery;
- the **distributions**: per-plan counts and diversity by level (Kruskal-Wallis,
  Jonckheere-Terpstra) and by group (Mann-Whitney), Holm-adjusted across the table;
- the **components** of each finding of the registry (config/findings.yaml), with the p-value
  that decides its verdict (Holm-adjusted within its family when it has one), its effect size
  and interval and whether the direction is the one the source states.

Random procedures (Monte Carlo and permutation p-values, bootstrap intervals) are seeded from the
configured seed, so the same inputs give byte-identical tables.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy  # scipy.stats loads on first use (lazy submodule): not in the stages that only import a helper

from ..stats import inference
from ..codebook import Codebook, load_codebook
from ..describe import stage_datapackage
from ..indicators import PlanIndicators
from ..stats.inference import NotTestable
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..plan_tables import AnalysedSample, read_analysed_sample, variable_use
from .findings import adjusted_p_values, adjustment_label
from ..registry import DESCRIPTIVE_KINDS, Finding, Registry, load_registry

log = logging.getLogger("rlp_pipeline.tests")

GROUPS = ("1-2", "3-4")


def derived_seed(seed: int, label: str) -> int:
    """A seed for one named random procedure, derived from the master seed.

    Each test gets its own stream (SHA-256 of "seed:label"), so adding or removing a test never
    changes the random numbers another test uses.
    """
    return int.from_bytes(hashlib.sha256(f"{seed}:{label}".encode("utf-8")).digest()[:8], "big")


# --------------------------------------------------------------------------------------------
# Small helpers on 0/1 indicators and per-plan measures
# --------------------------------------------------------------------------------------------


def two_by_k(indicator: np.ndarray, groups: np.ndarray, categories: list) -> np.ndarray:
    """2 × K table: first row plans with the indicator, second row without, one column per
    category of `groups` (in the order given)."""
    with_it = np.array([int(((groups == c) & (indicator == 1)).sum()) for c in categories])
    totals = np.array([int((groups == c).sum()) for c in categories])
    return np.vstack([with_it, totals - with_it])


def direction_of(difference: float, expected_sign: int) -> str:
    """'as expected', 'opposite' or 'none' for an observed difference and the stated sign."""
    if difference == 0 or np.isnan(difference):
        return "none"
    return "as expected" if np.sign(difference) == expected_sign else "opposite"


def rank_biserial_interval(x: np.ndarray, y: np.ndarray, *, seed: int, resamples: int = 4000,
                           confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the rank-biserial correlation between two groups.

    Each group is resampled with replacement within itself. Per-plan measures take few distinct
    values, so a resample is drawn as multinomial counts over the distinct values (the same
    distribution as resampling plans, at a cost that does not grow with the number of plans).
    """
    values, position = np.unique(inference.rank_values(np.concatenate([x, y])), return_inverse=True)
    p_x = np.bincount(position[: len(x)], minlength=len(values)) / len(x)
    p_y = np.bincount(position[len(x):], minlength=len(values)) / len(y)
    rng = np.random.Generator(np.random.PCG64(seed))
    counts_x = rng.multinomial(len(x), p_x, size=resamples)
    counts_y = rng.multinomial(len(y), p_y, size=resamples)
    below_y = np.cumsum(counts_y, axis=1) - counts_y  # y strictly below each value
    u = (counts_x * (below_y + 0.5 * counts_y)).sum(axis=1)
    r = 2 * u / (len(x) * len(y)) - 1
    tail = (1 - confidence) / 2
    return float(np.quantile(r, tail)), float(np.quantile(r, 1 - tail))


def matched_odds_ratio(b: int, c: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Matched-pairs odds ratio b/c with its exact interval (Clopper-Pearson on b/(b+c))."""
    if b + c == 0:
        return float("nan"), float("nan"), float("nan")
    interval = scipy.stats.binomtest(b, b + c).proportion_ci(confidence_level=confidence, method="exact")
    to_odds = lambda p: p / (1 - p) if p < 1 else float("inf")  # noqa: E731
    return (b / c if c else float("inf")), to_odds(interval.low), to_odds(interval.high)


def majority_test(count: int, sample_size: int, population_size: int) -> float:
    """One-sided p-value that more than half of the N plans of the frame have a property.

    Under simple random sampling without replacement the count in the sample is hypergeometric;
    the least favourable null is "exactly floor(N/2) plans have it", so p = P(X >= count).
    The tail is :func:`inference.hypergeometric_sf`, scipy.stats.hypergeom.sf's number without
    importing scipy.stats (tests/test_findings.py keeps them equal).
    """
    return inference.hypergeometric_sf(count - 1, population_size, population_size // 2, sample_size)


# --------------------------------------------------------------------------------------------
# Finding components
# --------------------------------------------------------------------------------------------


def _not_testable_as_row(component):
    """A component function whose NotTestable (too few real plans, all values equal) becomes a
    not-testable row with its reason, so small real data gives a verdict instead of a crash."""
    import functools

    @functools.wraps(component)
    def guarded(*arguments, **options):
        try:
            return component(*arguments, **options)
        except NotTestable as reason:
            return _component_row(not_testable_reason=str(reason))
    return guarded


def _component_row(**values: Any) -> dict[str, Any]:
    row = {key: np.nan for key in COMPONENT_COLUMNS}
    row.update({"not_testable_reason": "", "direction": "", "method": "", "detail": "", "effect_note": ""})
    row.update(values)
    return row


@_not_testable_as_row
def component_majority(indicator: pd.Series, population_size: int, label: str) -> dict[str, Any]:
    """Share of analysed plans with an indicator, tested against one half (see majority_test)."""
    n, count = len(indicator), int(indicator.sum())
    if n == 0:  # no sampled plan is coded (small real data): nothing to count a share of
        return _component_row(n=0, not_testable_reason="no analysed plan in the sample (no sampled plan has codings)")
    share = count / n
    low, high = _interval(count, n, population_size)
    return _component_row(
        n=n, value_a=share, label_a=label, value_b=0.5, label_b="one half",
        statistic=count, statistic_name="plans with the property",
        p_value=majority_test(count, n, population_size),
        effect_name="share", effect=share, ci_low=low, ci_high=high,
        direction=direction_of(share - 0.5, +1),
        method=f"one-sided hypergeometric test of more than half of the {population_size} plans "
               f"(simple random sample of {n}); 95% Wilson interval with finite population correction",
    )


def _interval(count: int, n: int, population_size: int | None) -> tuple[float, float]:
    from ..stats.descriptive import proportion_interval

    low, high = proportion_interval(count, n, population_size)
    return float(low), float(high)


@_not_testable_as_row
def component_trend_levels(measure: pd.Series, levels: pd.Series, expected: str, *, seed: int) -> dict[str, Any]:
    """Jonckheere-Terpstra test of a per-plan measure across the ordered mobilisation levels."""
    kept = measure.notna()
    ordered = sorted(levels[kept].unique())
    groups = [measure[kept & (levels == level)].to_numpy(float) for level in ordered]
    if len(groups) < 2 or any(len(g) == 0 for g in groups):
        return _component_row(not_testable_reason="fewer than two mobilisation levels have plans with this measure")
    result = inference.jonckheere_terpstra(groups, seed=seed)
    means = [float(g.mean()) for g in groups]
    expected_sign = +1 if expected == "increasing" else -1
    return _component_row(
        n=int(kept.sum()), value_a=means[0], label_a=f"mean at level {ordered[0]}",
        value_b=means[-1], label_b=f"mean at level {ordered[-1]}",
        statistic=result["J"], statistic_name="Jonckheere-Terpstra J",
        p_value=result["p_value"],
        effect_name=ORDINAL_DOMINANCE, effect=ordinal_dominance(result["J"], [len(g) for g in groups]),
        direction=direction_of(result["z"], expected_sign),
        method=result["method"],
        detail="means by level: " + ", ".join(f"{l}: {m:.3f}" for l, m in zip(ordered, means)) + f"; z = {result['z']:.3f}",
    )


ORDINAL_DOMINANCE = "ordinal dominance across levels (2J / pairs - 1; positive: higher at higher levels)"


def ordinal_dominance(j_value: float, sizes: list[int]) -> float:
    """The Jonckheere-Terpstra J as an effect size: 2 J / P - 1, with P the number of pairs of
    plans at different levels (sum over i < j of n_i n_j).

    J counts the pairs (lower level, higher level) in which the plan at the higher level has the
    larger value, ties as one half, so J / P is the probability that a plan at a higher level
    has the larger value (ties split), and 2 J / P - 1 lies in [-1, 1]: 0 for no ordering, 1
    when every plan of a higher level is above every plan of a lower one. With two levels it is
    the rank-biserial correlation of the Mann-Whitney test. Unlike z, it does not grow with
    the number of plans.
    """
    sizes = np.asarray(sizes, dtype=float)
    pairs = (sizes.sum() ** 2 - (sizes ** 2).sum()) / 2.0
    return float(2.0 * j_value / pairs - 1.0)


@_not_testable_as_row
def component_group_shift(measure: pd.Series, groups: pd.Series, expected: dict, *, seed: int) -> dict[str, Any]:
    """Mann-Whitney test of a per-plan measure between groups 3-4 and 1-2."""
    kept = measure.notna()
    high_group = expected["higher_in"]
    low_group = [g for g in GROUPS if g != high_group][0]
    x = measure[kept & (groups == high_group)].to_numpy(float)
    y = measure[kept & (groups == low_group)].to_numpy(float)
    if len(x) == 0 or len(y) == 0:
        return _component_row(not_testable_reason=f"no analysed plan in group {high_group if len(x) == 0 else low_group}")
    result = inference.mann_whitney(x, y)
    low, high = rank_biserial_interval(x, y, seed=seed)
    return _component_row(
        n=len(x) + len(y), value_a=float(x.mean()), label_a=f"mean in group {high_group}",
        value_b=float(y.mean()), label_b=f"mean in group {low_group}",
        statistic=result["U"], statistic_name="Mann-Whitney U",
        p_value=result["p_two_sided"],
        effect_name=f"rank-biserial correlation (positive: higher in {high_group})",
        effect=result["rank_biserial"], ci_low=low, ci_high=high,
        direction=direction_of(result["rank_biserial"], +1),
        method=f"{result['method']}; percentile bootstrap interval of the rank-biserial correlation",
    )


@_not_testable_as_row
def component_group_difference(indicator: pd.Series, groups: pd.Series, expected: dict, *, seed: int) -> dict[str, Any]:
    """Share of plans with an indicator in group 1-2 vs 3-4: chi-square or Fisher, odds ratio."""
    high_group = expected["higher_in"]
    low_group = [g for g in GROUPS if g != high_group][0]
    table = two_by_k(indicator.to_numpy(), groups.to_numpy(), [high_group, low_group])
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty group's share is NaN: not testable below
        shares = table[0] / table.sum(axis=0)
    row = _component_row(
        n=int(table.sum()), value_a=float(shares[0]), label_a=f"share in group {high_group}",
        value_b=float(shares[1]), label_b=f"share in group {low_group}",
        direction=direction_of(float(shares[0] - shares[1]), +1),
        detail=f"{table[0, 0]}/{table[:, 0].sum()} vs {table[0, 1]}/{table[:, 1].sum()}",
    )
    try:
        test = inference.independence_test(table, seed=seed)
    except NotTestable as reason:
        row["not_testable_reason"] = str(reason)
        return row
    odds = inference.odds_ratio_2x2(table)
    difference = inference.risk_difference(int(table[0, 0]), int(table[:, 0].sum()), int(table[0, 1]), int(table[:, 1].sum()))
    row.update(
        statistic=test["statistic"], statistic_name="Pearson chi-square", p_value=test["p_value"],
        effect_name=f"odds ratio ({high_group} vs {low_group})", effect=odds["odds_ratio"],
        ci_low=odds["ci_low"], ci_high=odds["ci_high"],
        risk_difference_pp=100 * difference["difference"], rd_ci_low_pp=100 * difference["ci_low"],
        rd_ci_high_pp=100 * difference["ci_high"],
        method=f"{test['method']}; {odds['kind']}; risk difference with Newcombe's hybrid score interval",
    )
    zero = [f"{'with' if i == 0 else 'without'} the indicator in group {g}"
            for i in range(2) for j, g in enumerate((high_group, low_group)) if table[i, j] == 0]
    if zero:  # the odds ratio is 0 or infinite: not shown as an estimate, the risk difference is
        row.update(effect=np.nan, ci_low=np.nan, ci_high=np.nan,
                   effect_note=f"odds ratio not estimable: no plan {zero[0]} (zero cell); see the risk difference")
    return row


@_not_testable_as_row
def component_paired_difference(first: pd.Series, second: pd.Series, within: pd.Series | None,
                                expected: str = "greater") -> dict[str, Any]:
    """Two indicators in the same plans (optionally among plans with a third): exact McNemar."""
    if within is not None:
        first, second = first[within == 1], second[within == 1]
    n = len(first)
    if n == 0:
        return _component_row(n=0, not_testable_reason="no analysed plan in the subgroup this comparison is about")
    b = int(((first == 1) & (second == 0)).sum())
    c = int(((first == 0) & (second == 1)).sum())
    share_first, share_second = float(first.mean()), float(second.mean())
    row = _component_row(
        n=n, value_a=share_first, value_b=share_second, statistic=b - c,
        statistic_name="discordant plans, first only minus second only",
        direction=direction_of(share_first - share_second, +1 if expected == "greater" else -1),
        detail=f"first only: {b}, second only: {c}, both: {int(((first == 1) & (second == 1)).sum())}, neither: {int(((first == 0) & (second == 0)).sum())}",
    )
    if b + c == 0:  # equal shares: the exact test's p-value is 1, and there is no difference
        row.update(p_value=1.0, direction="none", method="exact McNemar test: no discordant plan, the shares are equal")
        return row
    result = inference.mcnemar_exact(b, c)
    odds, low, high = matched_odds_ratio(b, c)
    difference = inference.paired_risk_difference(b, c, n)
    row.update(p_value=result["p_two_sided"], effect_name="matched odds ratio (first only / second only)",
               effect=odds, ci_low=low, ci_high=high,
               risk_difference_pp=100 * difference["difference"], rd_ci_low_pp=100 * difference["ci_low"],
               rd_ci_high_pp=100 * difference["ci_high"],
               method="exact McNemar test (two-sided binomial test on the discordant plans); exact interval; "
                      "paired difference of shares with an exact interval conditional on the discordant plans")
    if b == 0 or c == 0:  # the matched odds ratio is 0 or infinite: the difference of shares is shown
        row.update(effect=np.nan, ci_low=np.nan, ci_high=np.nan,
                   effect_note=f"matched odds ratio not estimable: no plan has only the {'first' if b == 0 else 'second'} "
                               "indicator (zero cell); see the difference of shares")
    return row


@_not_testable_as_row
def component_sign_test(measure: pd.Series, versus: pd.Series, expected: str, ties: str = "dropped") -> dict[str, Any]:
    """Per-plan difference of two measures (plans having both): exact sign test.

    ``ties="dropped"`` (the usual sign test) leaves out plans with no difference: it tests the
    direction among the plans that differ. ``ties="against"`` counts them against the stated
    direction (with the plans going the other way): it tests whether more than half of all the
    plans go in the stated direction, closer to a claim about every plan."""
    both = measure.notna() & versus.notna()
    difference = inference.rank_values((measure[both] - versus[both]).to_numpy(float))
    positive, negative = int((difference > 0).sum()), int((difference < 0).sum())
    if ties == "against":
        tied = int((difference == 0).sum())
        positive, negative = (positive, negative + tied) if expected == "greater" else (positive + tied, negative)
    if positive + negative == 0:
        return _component_row(n=int(both.sum()), not_testable_reason="no plan has both measures with a difference")
    share = positive / (positive + negative)
    interval = scipy.stats.binomtest(positive, positive + negative).proportion_ci(method="wilson")
    expected_sign = +1 if expected == "greater" else -1
    return _component_row(
        n=int(both.sum()), value_a=float(measure[both].mean()), value_b=float(versus[both].mean()),
        statistic=positive, statistic_name="plans with a positive difference",
        p_value=inference.binomial_test(positive, positive + negative)["p_two_sided"],
        effect_name=f"share of plans with a positive difference (ties {'left out' if ties == 'dropped' else 'counted as not positive' if expected == 'greater' else 'counted as positive'})",
        effect=share,
        ci_low=float(interval.low), ci_high=float(interval.high),
        direction=direction_of(positive - negative, expected_sign),
        method=f"exact sign test (two-sided binomial test, ties {'left out' if ties == 'dropped' else 'counted against the claim'}); Wilson interval",
        detail=f"positive: {positive}, negative: {negative}, ties: {int(both.sum()) - positive - negative}",
    )


@_not_testable_as_row
def component_all_plans(measure: pd.Series, versus: pd.Series, expected: str, population_size: int,
                        sample_size: int) -> dict[str, Any]:
    """The quantifier "all" tested as stated: the share of plans (having both measures) whose own
    difference goes in the stated direction, ties counted apart and shown.

    A descriptive component, judged plan by plan, never by a mean: it holds only if every plan
    meets the claim. One plan of the sample that does not is a plan of the population that does
    not, so "all" is then false whatever the test of the average says; when every sampled plan
    meets it, the data are consistent with "all" but cannot prove it (the plans left out might
    not), which the interval of the share shows. Wilson interval with the finite population
    correction on the estimated number of such plans in the frame.
    """
    from ..stats.descriptive import domain_population_size

    both = measure.notna() & versus.notna()
    difference = inference.rank_values((measure[both] - versus[both]).to_numpy(float))
    sign = +1 if expected == "greater" else -1
    meeting = int((np.sign(difference) == sign).sum())
    ties = int((difference == 0).sum())
    n = int(both.sum())
    if n == 0:
        return _component_row(n=0, not_testable_reason="no plan has both measures")
    low, high = _interval(meeting, n, domain_population_size(n, sample_size, population_size))
    return _component_row(
        n=n, value_a=meeting / n, label_a="share of plans meeting the claim", value_b=1.0, label_b="every plan",
        statistic=meeting, statistic_name="plans meeting the claim",
        effect_name="share of plans meeting the claim (ties count as not meeting it)", effect=meeting / n,
        ci_low=low, ci_high=high,
        direction="as expected" if meeting == n else "opposite",
        method="share of plans meeting the claim, plan by plan (descriptive: 'all' holds only if every plan meets it); "
               "95% Wilson interval with finite population correction",
        detail=f"meeting the claim: {meeting} of {n}, ties: {ties}, the other way: {n - meeting - ties}",
    )


@_not_testable_as_row
def component_trend_share(indicator: pd.Series, levels: pd.Series, expected: str) -> dict[str, Any]:
    """Share of plans with an indicator across the ordered mobilisation levels: Cochran-Armitage
    trend test (equally spaced scores). Effect: the difference between the highest and the lowest level's
    shares, in percentage points, with Newcombe's interval (the trend's z is a statistic, not an
    effect)."""
    ordered = sorted(levels.unique())
    if len(ordered) < 2:  # small real data: a trend needs at least two levels
        raise NotTestable(f"the analysed plans are at {len(ordered)} mobilisation level(s); a trend needs two or more")
    table = two_by_k(indicator.to_numpy(), levels.to_numpy(), ordered)
    shares = table[0] / np.maximum(table.sum(axis=0), 1)
    row = _component_row(n=int(table.sum()), value_a=float(shares[0]), label_a=f"share at level {ordered[0]}",
                         value_b=float(shares[-1]), label_b=f"share at level {ordered[-1]}",
                         detail="shares by level: " + ", ".join(f"{l}: {s:.3f}" for l, s in zip(ordered, shares)))
    try:
        trend = inference.cochran_armitage(table)
    except NotTestable as reason:
        row["not_testable_reason"] = str(reason)
        return row
    difference = inference.risk_difference(int(table[0, -1]), int(table[:, -1].sum()), int(table[0, 0]), int(table[:, 0].sum()))
    row.update(statistic=trend["z"], statistic_name="Cochran-Armitage z", p_value=trend["p_two_sided"],
               direction=direction_of(trend["z"], +1 if expected == "increasing" else -1),
               risk_difference_pp=100 * difference["difference"], rd_ci_low_pp=100 * difference["ci_low"],
               rd_ci_high_pp=100 * difference["ci_high"],
               effect_name=f"difference of shares, level {ordered[-1]} minus level {ordered[0]} (percentage points)",
               method="Cochran-Armitage trend test across the ordered levels (two-sided); Newcombe interval of the "
                      "difference between the extreme levels")
    return row


def component_coding_majority(sample: AnalysedSample, strategy: str, substrategy: str, *, seed: int,
                              resamples: int = 4000) -> dict[str, Any]:
    """The coding as unit: share of a strategy's coded passages (with a sub-strategy) that have
    the given sub-strategy, against one half.

    Passages are clustered in plans (a plan that codes ten passages weighs ten times), so the
    share's uncertainty comes from a bootstrap of plans (the plans using the strategy, resampled
    with replacement; ratio of the summed counts), not from a binomial on passages, which would
    treat them as independent. Two-sided bootstrap p-value for "the share is one half":
    2 x min(share of resamples <= 1/2, share >= 1/2), bounded by 1; percentile interval."""
    codings = sample.codings[(sample.codings["strategy"] == strategy) & (sample.codings["substrategy"].astype(str) != "")]
    codings = codings[codings["substrategy"].notna()]
    # per plan (in plan_id order): its passages with the sub-strategy, and all its passages
    per_plan = (codings["substrategy"] == substrategy).groupby(codings["plan_id"])
    hits = per_plan.sum().to_numpy(dtype=float)
    totals = per_plan.size().to_numpy(dtype=float)
    if totals.sum() == 0:
        return _component_row(n=0, not_testable_reason=f"no coded passage of {strategy} has a sub-strategy")
    share = float(hits.sum() / totals.sum())
    rng = np.random.Generator(np.random.PCG64(seed))
    draws = rng.integers(0, len(hits), size=(resamples, len(hits)))
    shares = hits[draws].sum(axis=1) / totals[draws].sum(axis=1)
    p = min(1.0, 2 * min(((shares <= 0.5).sum() + 1) / (resamples + 1), ((shares >= 0.5).sum() + 1) / (resamples + 1)))
    return _component_row(
        n=int(len(hits)), value_a=share, label_a=f"share of the {strategy} passages coded {substrategy}",
        value_b=0.5, label_b="one half", statistic=float(hits.sum()), statistic_name="passages with the sub-strategy",
        p_value=p, effect_name="share of passages", effect=share,
        ci_low=float(np.quantile(shares, 0.025)), ci_high=float(np.quantile(shares, 0.975)),
        direction=direction_of(share - 0.5, +1),
        method=f"share of coded passages, bootstrap of the {len(hits)} plans ({resamples} resamples, seed {seed}): "
               "two-sided p-value and percentile interval",
        detail=f"{int(hits.sum())} of {int(totals.sum())} passages in {len(hits)} plans",
    )


@_not_testable_as_row
def component_presence(sample: AnalysedSample, codebook: Codebook, strategy: str) -> dict[str, Any]:
    """Whether every sub-strategy of a strategy is used by at least one analysed plan."""
    use = variable_use(sample, codebook, "substrategies")
    subs = codebook.substrategies_of(strategy)
    users = use[subs].sum(axis=0)
    absent = [s for s in subs if users[s] == 0]
    return _component_row(
        n=int((variable_use(sample, codebook, "strategies")[strategy] == 1).sum()),
        statistic=int((users > 0).sum()), statistic_name="sub-strategies used by at least one plan",
        value_a=float((users > 0).sum()), value_b=float(len(subs)),
        direction="as expected" if not absent else "opposite",
        method="presence of each sub-strategy in the analysed plans (descriptive, no test)",
        detail="plans using each: " + ", ".join(f"{s}: {int(users[s])}" for s in subs)
        + (f"; absent: {', '.join(absent)}" if absent else ""),
    )


COMPONENT_COLUMNS = [
    "finding", "component", "kind", "description", "family", "n", "label_a", "value_a", "label_b", "value_b",
    "statistic", "statistic_name", "p_value", "p_adjusted", "effect_name", "effect", "ci_low", "ci_high",
    "direction", "significant", "not_testable_reason", "method", "detail", "adjustment",
    "risk_difference_pp", "rd_ci_low_pp", "rd_ci_high_pp", "effect_note",
]


def component_balance(balance_tests: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """M1: the sample is not significantly unbalanced against the plans left out.

    One test per variable known for every plan; Holm's correction across them keeps the chance
    of calling a truly random sample unbalanced at alpha (without it, two variables at 5% each
    would flag about 10% of random samples).
    """
    adjusted = inference.holm(balance_tests["primary_p_value"].to_numpy(float))
    smallest = balance_tests.iloc[int(np.argmin(adjusted))]
    return _component_row(
        n=int(smallest["sample_n"]), statistic=float(smallest["statistic"]),
        statistic_name=f"Pearson chi-square, sampled vs not sampled, by {smallest['variable']}",
        p_value=float(adjusted.min()),
        direction="as expected" if (adjusted >= alpha).all() else "opposite",
        method="Monte Carlo balance tests of the sampling stage, one per variable known for every plan, "
               "Holm-adjusted across them (smallest adjusted p-value shown)",
        detail="; ".join(f"{r.variable}: X² = {r.statistic:.2f}, p = {r.primary_p_value:.3f}" for r in balance_tests.itertuples()),
    )


def component_coverage(sampled_plans: pd.DataFrame, sample: AnalysedSample) -> dict[str, Any]:
    """M2: every sampled plan has a mobilisation rating and at least one coding."""
    rated = sampled_plans["mobilisation_level"].notna().sum()
    analysed = len(sample.plans)
    complete = analysed == len(sampled_plans) and rated == len(sampled_plans)
    return _component_row(
        n=len(sampled_plans), statistic=analysed, statistic_name="sampled plans with a rating and codings",
        value_a=float(analysed), value_b=float(len(sampled_plans)),
        direction="as expected" if complete else "opposite",
        method="count of sampled plans with a mobilisation rating and at least one coding (descriptive)",
        detail=f"{analysed} of {len(sampled_plans)} sampled plans analysed",
    )


@dataclass
class ComponentContext:
    """What every component is computed from: the analysed sample, its per-plan measures (in
    sample order), levels, groups, indicators, the sampling folder, alpha and the seed."""

    sample: AnalysedSample
    per_plan: pd.DataFrame
    codebook: Codebook
    sample_dir: Path
    alpha: float
    seed: int

    def __post_init__(self) -> None:
        self.per_plan = self.per_plan.set_index("plan_id").loc[self.sample.plan_ids]
        self.levels = self.sample.plans.set_index("plan_id")["mobilisation_level"]
        self.groups = self.sample.plans.set_index("plan_id")["mobilisation_group"]
        self.indicator = PlanIndicators(self.sample, self.codebook)


def compute_component(spec: dict[str, Any], label: str, ctx: ComponentContext) -> dict[str, Any]:
    """One component of the registry (primary or alternative specification) on the sample; its
    random procedures draw from the stream of its label (for example 'F03.1')."""
    kind, per_plan, indicator, sample = spec["kind"], ctx.per_plan, ctx.indicator, ctx.sample
    seed = derived_seed(ctx.seed, label)
    if kind == "majority":
        return component_majority(indicator(spec["indicator"]), sample.record["population_size"], spec["indicator"])
    if kind == "trend_levels":
        return component_trend_levels(per_plan[spec["measure"]], ctx.levels, spec["expected"], seed=seed)
    if kind == "group_shift":
        return component_group_shift(per_plan[spec["measure"]], ctx.groups, spec["expected"], seed=seed)
    if kind == "group_difference":
        return component_group_difference(indicator(spec["indicator"]), ctx.groups, spec["expected"], seed=seed)
    if kind == "paired_difference":
        within = indicator(spec["within"]) if "within" in spec else None
        row = component_paired_difference(indicator(spec["indicator"]), indicator(spec["versus"]), within, spec["expected"])
        row.update(label_a=f"share with {spec['indicator']}", label_b=f"share with {spec['versus']}")
        return row
    if kind == "sign_test":
        row = component_sign_test(per_plan[spec["measure"]], per_plan[spec["versus"]], spec["expected"],
                                  spec.get("ties", "dropped"))
        row.update(label_a=f"mean {spec['measure']}", label_b=f"mean {spec['versus']}")
        return row
    if kind == "all_plans":
        return component_all_plans(per_plan[spec["measure"]], per_plan[spec["versus"]], spec["expected"],
                                   sample.record["population_size"], len(sample.plans))
    if kind == "trend_share":
        return component_trend_share(indicator(spec["indicator"]), ctx.levels, spec["expected"])
    if kind == "coding_majority":
        return component_coding_majority(sample, spec["strategy"], spec["substrategy"], seed=seed)
    if kind == "presence":
        row = component_presence(sample, ctx.codebook, spec["strategy"])
        row.update(label_a="sub-strategies used", label_b="sub-strategies in the codebook")
        return row
    if kind == "balance":
        return component_balance(pd.read_csv(ctx.sample_dir / "balance_tests.csv"), ctx.alpha)
    sampled = pd.read_csv(ctx.sample_dir / "sampled_plans.csv", dtype={"plan_id": str}, keep_default_na=False)
    return component_coverage(sampled, sample)


def component_rows(findings: list[tuple[Finding, list[dict[str, Any]]]], ctx: ComponentContext) -> pd.DataFrame:
    """The components of the given (finding, components) pairs, before any adjustment."""
    rows = []
    for finding, specs in findings:
        for position, spec in enumerate(specs, start=1):
            row = compute_component(spec, f"{finding.id}.{position}", ctx)
            row.update(finding=finding.id, component=position, kind=spec["kind"], family=finding.family or "",
                       description=describe_component(spec))
            rows.append(row)
    return pd.DataFrame(rows, columns=COMPONENT_COLUMNS)


def finding_components(registry: Registry, sample: AnalysedSample, per_plan: pd.DataFrame, codebook: Codebook,
                       sample_dir: Path, seed: int) -> pd.DataFrame:
    """One row per component of every finding, with raw and family-adjusted p-values."""
    ctx = ComponentContext(sample, per_plan, codebook, Path(sample_dir), registry.alpha, seed)
    return adjust_components(component_rows([(f, f.components) for f in registry.findings], ctx), registry)


def alternative_components(registry: Registry, primary: pd.DataFrame, sample: AnalysedSample, per_plan: pd.DataFrame,
                           codebook: Codebook, sample_dir: Path, seed: int) -> pd.DataFrame:
    """The components of every alternative specification declared in the registry, adjusted as
    if the finding had been specified that way: its components replace the primary ones in the
    confirmatory family (the other findings unchanged), so each specification's verdict uses the
    same correction as the primary one. Random procedures draw from the stream of the
    specification's own labels ('F03.richness.1')."""
    ctx = ComponentContext(sample, per_plan, codebook, Path(sample_dir), registry.alpha, seed)
    parts = []
    for finding in registry.findings:
        for alternative in finding.alternatives:
            renamed = Finding(f"{finding.id}.{alternative['id']}", finding.section, finding.rule, finding.family,
                              alternative["components"], finding.texts, finding.claim)
            rows = component_rows([(renamed, alternative["components"])], ctx).assign(finding=finding.id)
            others = primary[primary["finding"] != finding.id]
            adjusted = adjust_components(pd.concat([others, rows], ignore_index=True), registry)
            parts.append(adjusted[adjusted["finding"] == finding.id].assign(specification=alternative["id"]))
    columns = ["specification"] + COMPONENT_COLUMNS
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def adjust_components(components: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """p_adjusted, adjustment and significant of a table of components (findings.adjusted_p_values)."""
    components = components[COMPONENT_COLUMNS].copy()
    tested = ~components["kind"].isin(DESCRIPTIVE_KINDS).to_numpy()
    components["p_adjusted"] = adjusted_p_values(components["p_value"].to_numpy(float), components["finding"],
                                                 components["family"], tested, registry)[0]
    components["adjustment"] = ""
    for family in registry.families:
        members = tested & (components["family"] == family).to_numpy()
        size = int(members.sum()) if registry.families[family].get("adjustment") == "holm" \
            else components.loc[members, "finding"].nunique()
        components.loc[members, "adjustment"] = adjustment_label(family, registry, size)
    significant = (components["p_adjusted"] < registry.alpha).astype("boolean")
    significant[components["p_adjusted"].isna()] = pd.NA
    components["significant"] = significant
    return components


def describe_component(spec: dict[str, Any]) -> str:
    """A one-line English description of a component, from its registry arguments."""
    arguments = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "kind")
    return f"{spec['kind']}({arguments})"


# --------------------------------------------------------------------------------------------
# Battery of mobilisation tests and distribution tests
# --------------------------------------------------------------------------------------------


def confirmatory_rows(registry: Registry, kinds: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, str]]:
    """The comparisons of the exploratory tables that are also a confirmatory component:
    (kind's key, indicator or measure) -> (component label such as 'F16.1', the group the claim
    says is higher). Such rows show the confirmatory numbers, so a comparison has one adjusted
    p-value and one orientation wherever it appears."""
    found = {}
    for finding in registry.findings:
        if not finding.family:
            continue
        for position, spec in enumerate(finding.components, start=1):
            if spec["kind"] in kinds:
                key = spec.get("indicator") or spec.get("measure")
                expected = spec["expected"]
                found[(spec["kind"], key)] = (f"{finding.id}.{position}",
                                              expected.get("higher_in", "") if isinstance(expected, dict) else expected)
    return found


EXPLORATORY = "Holm across the {m} exploratory rows of this table"
CONFIRMATORY = "confirmatory component {label}: {adjustment}"


def label_adjustments(table: pd.DataFrame, components: pd.DataFrame | None, confirmatory: pd.Series) -> pd.DataFrame:
    """p_adjusted and adjustment for a table of tests: a row that is also a confirmatory
    component takes that component's raw and adjusted p-values (the confirmatory family's
    correction); the other rows are exploratory, Holm-adjusted across themselves."""
    table = table.copy()
    table["confirmatory_component"] = confirmatory.fillna("").astype(str).to_numpy()
    exploratory = (table["confirmatory_component"] == "").to_numpy()
    table["p_adjusted"] = np.nan
    table.loc[exploratory, "p_adjusted"] = inference.holm(table.loc[exploratory, "p_value"].to_numpy(float))
    m = int(table.loc[exploratory, "p_value"].notna().sum())
    table["adjustment"] = np.where(exploratory, EXPLORATORY.format(m=m), "")
    if components is not None:
        by_label = components.assign(label=components["finding"] + "." + components["component"].astype(str)).set_index("label")
        for index in np.flatnonzero(~exploratory):
            label = table["confirmatory_component"].iloc[index]
            source = by_label.loc[label]
            table.iloc[index, table.columns.get_loc("p_value")] = source["p_value"]
            table.iloc[index, table.columns.get_loc("p_adjusted")] = source["p_adjusted"]
            table.iloc[index, table.columns.get_loc("adjustment")] = CONFIRMATORY.format(label=label, adjustment=source["adjustment"])
    return table


def battery(sample: AnalysedSample, codebook: Codebook, seed: int, registry: Registry | None = None,
            components: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mobilisation (4 levels, and groups) against the use of each object, strategy and
    sub-strategy: the test Cochran's rule allows, trend, effect sizes. Exploratory: Holm across
    its rows, except the rows that are confirmatory components (F15-F17), which show the
    confirmatory p-values and the claim's orientation (label_adjustments)."""
    claims = confirmatory_rows(registry, ("group_difference",)) if registry else {}
    levels = sample.plans["mobilisation_level"].to_numpy()
    groups = sample.plans["mobilisation_group"].to_numpy()
    level_ids = [level for level in codebook.ids("mobilisation_levels")]
    rows = []
    for section, variable_type in (("objects", "object"), ("strategies", "strategy"), ("substrategies", "substrategy")):
        use = variable_use(sample, codebook, section)
        for code in codebook.ids(section):
            indicator = use[code].to_numpy()
            for grouping, values, categories in (("level", levels, level_ids), ("group", groups, list(GROUPS))):
                present = [c for c in categories if (values == c).any()]
                table = two_by_k(indicator, values, present)
                row = {
                    "variable_type": variable_type, "code": code,
                    "label_fr": codebook.label(section, code, "fr"), "label_en": codebook.label(section, code, "en"),
                    "grouping": grouping, "categories": "|".join(map(str, present)),
                    "plans_using": "|".join(map(str, table[0])), "plans_in_category": "|".join(map(str, table.sum(axis=0))),
                    "n": int(table.sum()),
                }
                claim = claims.get(("group_difference", f"{variable_type}:{code}")) if grouping == "group" else None
                first = claim[1] if claim else "3-4"
                row.update(_table_tests(table, grouping, seed=derived_seed(seed, f"battery:{grouping}:{code}"),
                                        first=first if grouping == "group" else ""))
                row["confirmatory_component"] = claim[0] if claim else ""
                rows.append(row)
    result = pd.DataFrame(rows)
    return label_adjustments(result.drop(columns="confirmatory_component"), components, result["confirmatory_component"])


def _table_tests(table: np.ndarray, grouping: str, *, seed: int, first: str = "") -> dict[str, Any]:
    """The tests of one battery row; for groups, the odds ratio and the risk difference oriented
    with `first` (the claim's higher group, else 3-4) first. `table`'s columns are 1-2, 3-4."""
    empty = {key: np.nan for key in ("statistic", "df", "p_value", "p_value_asymptotic", "p_value_exact",
                                      "p_value_monte_carlo", "monte_carlo_se", "cramers_v", "cramers_v_corrected",
                                      "cramers_v_ci_low", "cramers_v_ci_high", "trend_z", "trend_p",
                                      "odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high",
                                      "risk_difference_pp", "rd_ci_low_pp", "rd_ci_high_pp")}
    empty.update(method="", cochran_rule_holds=pd.NA, not_testable_reason="", or_orientation="", effect_note="")
    try:
        test = inference.independence_test(table, seed=seed)
    except NotTestable as reason:
        empty["not_testable_reason"] = str(reason)
        return empty
    low, high = _unless_not_testable(inference.cramers_v_interval, table, (np.nan, np.nan))
    empty.update(
        statistic=test["statistic"], df=test["df"], p_value=test["p_value"],
        p_value_asymptotic=test["p_value_asymptotic"], p_value_exact=test["p_value_exact"],
        p_value_monte_carlo=test["p_value_monte_carlo"], monte_carlo_se=test["monte_carlo_se"],
        method=test["method"], cochran_rule_holds=test["cochran_rule_holds"],
        cramers_v=_unless_not_testable(inference.cramers_v, table, np.nan),
        cramers_v_corrected=_unless_not_testable(inference.cramers_v_corrected, table, np.nan),
        cramers_v_ci_low=low, cramers_v_ci_high=high,
    )
    if grouping == "level" and table.shape[1] > 2:
        trend = _unless_not_testable(inference.cochran_armitage, table, {"z": np.nan, "p_two_sided": np.nan})
        empty.update(trend_z=trend["z"], trend_p=trend["p_two_sided"])
    if table.shape[1] == 2 and first:
        oriented = table if first == GROUPS[0] else table[:, ::-1]
        second = [g for g in GROUPS if g != first][0]
        odds = _unless_not_testable(inference.odds_ratio_2x2, oriented,
                                    {"odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan})
        difference = _unless_not_testable(
            lambda t: inference.risk_difference(int(t[0, 0]), int(t[:, 0].sum()), int(t[0, 1]), int(t[:, 1].sum())),
            oriented, {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan})
        empty.update(odds_ratio=odds["odds_ratio"], odds_ratio_ci_low=odds["ci_low"], odds_ratio_ci_high=odds["ci_high"],
                     or_orientation=f"{first} vs {second}", risk_difference_pp=100 * difference["difference"],
                     rd_ci_low_pp=100 * difference["ci_low"], rd_ci_high_pp=100 * difference["ci_high"])
        if (oriented == 0).any():  # 0 or infinite: not an estimate to show; the risk difference is
            empty.update(odds_ratio=np.nan, odds_ratio_ci_low=np.nan, odds_ratio_ci_high=np.nan,
                         effect_note="odds ratio not estimable: a zero cell; see the risk difference")
    return empty


def _unless_not_testable(function, table: np.ndarray, missing):
    """An effect size of a tested table, or `missing` (empty cells) when the table is too small
    for it (a few real plans): the test itself still stands, only that effect size is left out."""
    try:
        return function(table)
    except NotTestable:
        return missing


DISTRIBUTION_MEASURES = ("n_objects", "n_strategies", "n_substrategies", "n_codings", "shannon_strategies",
                         "gini_simpson_strategies", "evenness_strategies", "hill0_strategies_rarefied",
                         "hill1_strategies_rarefied", "hill2_strategies_rarefied")


def distributions(per_plan: pd.DataFrame, seed: int, registry: Registry | None = None,
                  components: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-plan counts and diversity by level (Kruskal-Wallis, Jonckheere-Terpstra) and by group
    (Mann-Whitney); exploratory, Holm across the table, except the rows that are confirmatory
    components (F03, F13), which show the confirmatory p-values (label_adjustments)."""
    shifts = confirmatory_rows(registry, ("group_shift",)) if registry else {}
    trends = confirmatory_rows(registry, ("trend_levels",)) if registry else {}
    rows, confirmatory = [], []
    for measure in DISTRIBUTION_MEASURES:
        kept = per_plan[per_plan[measure].notna()]
        by_level = [kept.loc[kept["mobilisation_level"] == level, measure].to_numpy(float)
                    for level in sorted(kept["mobilisation_level"].unique())]
        by_level = [g for g in by_level if len(g)]
        base = {"measure": measure, "n": len(kept)}
        if len(by_level) >= 2 and np.unique(inference.rank_values(np.concatenate(by_level))).size > 1:
            kw = inference.kruskal_wallis(by_level)
            rows.append({**base, "test": "Kruskal-Wallis (4 levels)", "statistic": kw["H"], "p_value": kw["p_value"],
                         "effect_name": "epsilon squared", "effect": kw["epsilon_squared"]})
            confirmatory.append("")
            jt = inference.jonckheere_terpstra(by_level, seed=derived_seed(seed, f"distribution:jt:{measure}"))
            rows.append({**base, "test": "Jonckheere-Terpstra (ordered levels)", "statistic": jt["J"],
                         "p_value": jt["p_value"], "effect_name": ORDINAL_DOMINANCE,
                         "effect": ordinal_dominance(jt["J"], [len(g) for g in by_level])})
            confirmatory.append(trends.get(("trend_levels", measure), ("",))[0])
        claim = shifts.get(("group_shift", measure))
        high_group = claim[1] if claim else "3-4"
        low_group = [g for g in GROUPS if g != high_group][0]
        high = kept.loc[kept["mobilisation_group"] == high_group, measure].to_numpy(float)
        low = kept.loc[kept["mobilisation_group"] == low_group, measure].to_numpy(float)
        if len(high) and len(low) and np.unique(inference.rank_values(np.concatenate([high, low]))).size > 1:
            mw = inference.mann_whitney(high, low)
            rows.append({**base, "test": f"Mann-Whitney ({high_group} vs {low_group})", "statistic": mw["U"],
                         "p_value": mw["p_two_sided"],
                         "effect_name": f"rank-biserial correlation (positive: higher in {high_group})",
                         "effect": mw["rank_biserial"]})
            confirmatory.append(claim[0] if claim else "")
    result = pd.DataFrame(rows, columns=["measure", "n", "test", "statistic", "p_value", "effect_name", "effect"])
    return label_adjustments(result, components, pd.Series(confirmatory, dtype=object))


def objects_within_plans(sample: AnalysedSample, codebook: Codebook) -> pd.DataFrame:
    """Are the three objects named equally often by the same plans? Cochran's Q, then exact
    McNemar for each pair (Holm across the pairs)."""
    use = variable_use(sample, codebook, "objects")
    try:
        q = inference.cochrans_q(use.to_numpy())
    except NotTestable:  # every plan names the same objects: nothing differs
        q = {"Q": 0.0, "df": use.shape[1] - 1, "p_value": 1.0}
    rows = [{"test": "Cochran's Q (all objects)", "first": "", "second": "", "statistic": q["Q"], "df": q["df"],
             "p_value": q["p_value"], "first_share": np.nan, "second_share": np.nan}]
    ids = codebook.ids("objects")
    for i, first in enumerate(ids):
        for second in ids[i + 1:]:
            b = int(((use[first] == 1) & (use[second] == 0)).sum())
            c = int(((use[first] == 0) & (use[second] == 1)).sum())
            p = inference.mcnemar_exact(b, c)["p_two_sided"] if b + c else 1.0
            rows.append({"test": "exact McNemar", "first": first, "second": second, "statistic": b - c, "df": np.nan,
                         "p_value": p, "first_share": float(use[first].mean()), "second_share": float(use[second].mean())})
    result = pd.DataFrame(rows)
    pairs = result["test"] == "exact McNemar"
    result["p_holm"] = result["p_value"]
    result.loc[pairs, "p_holm"] = inference.holm(result.loc[pairs, "p_value"].to_numpy(float))
    return result


# --------------------------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------------------------


def run_tests(sample_dir: Path | str, per_plan_path: Path | str, codebook_path: Path | str,
              registry_path: Path | str, seed: int, out_dir: Path | str) -> None:
    """Compute the battery, the distribution tests, the objects' paired tests and every finding
    component, then write them with their data package."""
    sample_dir, out_dir = Path(sample_dir), Path(out_dir)
    codebook = load_codebook(codebook_path)
    registry = load_registry(registry_path, codebook)
    sample = read_analysed_sample(sample_dir)
    per_plan = read_per_plan(per_plan_path)
    log.info("Testing %d analysed plans (seed %d)", len(sample.plans), seed)
    tables = {}
    components = finding_components(registry, sample, per_plan, codebook, sample_dir, seed)
    tables["battery.csv"] = battery(sample, codebook, seed, registry, components)
    log.info("Battery: %d tests of mobilisation against use", len(tables["battery.csv"]))
    tables["distributions.csv"] = distributions(per_plan, seed, registry, components)
    tables["objects_within_plans.csv"] = objects_within_plans(sample, codebook)
    tables["components.csv"] = components
    log.info("Finding components: %d", len(tables["components.csv"]))
    tables["alternatives.csv"] = alternative_components(registry, components, sample, per_plan, codebook, sample_dir, seed)
    log.info("Components of the alternative specifications: %d", len(tables["alternatives.csv"]))
    files = {out_dir / name: csv_bytes(table) for name, table in tables.items()}
    files[out_dir / "datapackage.json"] = json_bytes(
        stage_datapackage("tests", TABLES, tables, simulated=sample.record["simulated"]))
    write_outputs(files)


_P = "p-value (two-sided unless stated)"
TABLES: dict[str, dict[str, Any]] = {
    "battery.csv": {
        "title": "Mobilisation against the use of each object, strategy and sub-strategy (exploratory battery)",
        "description": "One row per code and grouping (the four levels, or the groups 1-2 / 3-4). Unit: the plan. "
                       "Exploratory, except the rows that are confirmatory components of a finding.",
        "columns": {
            "variable_type": "object, strategy or substrategy", "code": "codebook id",
            "label_fr": "label in French (codebook)", "label_en": "label in English (codebook)",
            "grouping": "level (four levels of Himmelman's scale) or group (1-2 vs 3-4)",
            "categories": "the levels or groups compared, separated by |",
            "plans_using": "plans using the code in each category, separated by |",
            "plans_in_category": "analysed plans in each category, separated by |", "n": "analysed plans",
            "statistic": "Pearson chi-square statistic (no continuity correction)", "df": "degrees of freedom",
            "p_value": "primary p-value: asymptotic chi-square when Cochran's rule holds, else exact (Fisher for 2 x 2, complete enumeration, or seeded Monte Carlo)",
            "p_value_asymptotic": "chi-square p-value", "p_value_exact": "exact conditional p-value (empty when not computed)",
            "p_value_monte_carlo": "Monte Carlo p-value (empty when not used)", "monte_carlo_se": "Monte Carlo standard error of that p-value",
            "method": "test used for p_value", "cochran_rule_holds": "every expected count >= 1 and at least 80% >= 5",
            "not_testable_reason": "why no test could be computed (for example a code nobody uses)",
            "cramers_v": "Cramér's V", "cramers_v_corrected": "bias-corrected Cramér's V (Bergsma 2013)",
            "cramers_v_ci_low": "95% interval of V, lower bound (noncentral chi-square inversion)",
            "cramers_v_ci_high": "95% interval of V, upper bound",
            "trend_z": "Cochran-Armitage trend statistic across the ordered levels (scores 0..3)", "trend_p": "two-sided p-value of the trend test",
            "odds_ratio": "conditional maximum-likelihood odds ratio (groups only), oriented as or_orientation says; "
                          "empty when a zero cell makes it 0 or infinite (see effect_note and the risk difference)",
            "odds_ratio_ci_low": "95% exact interval of the odds ratio, lower bound", "odds_ratio_ci_high": "upper bound",
            "or_orientation": "which group's odds come first: the claim's higher group for a confirmatory row, else 3-4 vs 1-2",
            "risk_difference_pp": "share in the first group minus share in the second (or_orientation), in percentage points",
            "rd_ci_low_pp": "95% Newcombe hybrid score interval of the risk difference, lower bound (percentage points)",
            "rd_ci_high_pp": "upper bound", "effect_note": "why the odds ratio is not shown (empty: it is)",
            "p_adjusted": "adjusted p-value: exploratory rows, Holm across the exploratory rows of this table; a row "
                          "that is a confirmatory component, that component's adjusted p-value (column adjustment says which)",
            "adjustment": "the correction that made p_adjusted",
            "confirmatory_component": "the confirmatory component this row also is (for example F16.1; empty: exploratory)",
        },
    },
    "distributions.csv": {
        "title": "Per-plan counts and diversity by mobilisation level and group (exploratory)",
        "description": "Rank tests of the per-plan measures of the diversity stage; exploratory, except the rows that "
                       "are confirmatory components of a finding.",
        "columns": {
            "measure": "per-plan measure (see diversity/per_plan.csv)", "n": "plans with the measure defined",
            "test": "test", "statistic": "test statistic (H, J or U)", "p_value": _P,
            "effect_name": "effect size used", "effect": "effect size",
            "confirmatory_component": "the confirmatory component this row also is (empty: exploratory)",
            "p_adjusted": "adjusted p-value: exploratory rows, Holm across the exploratory rows of this table; a row "
                          "that is a confirmatory component, that component's raw and adjusted p-values",
            "adjustment": "the correction that made p_adjusted",
        },
    },
    "objects_within_plans.csv": {
        "title": "Objects named by the same plans: Cochran's Q and paired comparisons (exploratory; the "
                 "confirmatory tests of F05 are in components.csv)",
        "description": "One plan can name several objects, so objects are compared within plans (finding F05).",
        "columns": {
            "test": "test", "first": "first object of the pair", "second": "second object of the pair",
            "statistic": "Q, or discordant plans (first only minus second only)", "df": "degrees of freedom (Q)",
            "p_value": _P, "first_share": "share of plans naming the first object",
            "second_share": "share of plans naming the second object", "p_holm": "Holm-adjusted across the pairs (exploratory)",
        },
    },
    "components.csv": {
        "title": "Components of every finding: the tests that decide the verdicts",
        "description": "One row per component of each finding of config/findings.yaml.",
        "columns": {
            "finding": "finding id", "component": "component number within the finding", "kind": "kind of component",
            "description": "the component as written in the registry", "family": "multiple-testing family (empty: none)",
            "n": "plans the component is computed on", "label_a": "what value_a is", "value_a": "first value compared",
            "label_b": "what value_b is", "value_b": "second value compared (or the reference)",
            "statistic": "test statistic", "statistic_name": "what the statistic is", "p_value": "raw p-value",
            "p_adjusted": "p-value used for the verdict: adjusted as the column adjustment says (findings.adjusted_p_values), "
                          "else raw; empty for descriptive components",
            "adjustment": "the correction that made p_adjusted (empty: none)",
            "risk_difference_pp": "difference of the two shares compared, in percentage points, in the claim's orientation "
                                  "(group_difference: stated higher group minus the other; paired_difference: first minus second)",
            "rd_ci_low_pp": "95% interval of the difference, lower bound (Newcombe's hybrid score interval for two groups; "
                            "exact, conditional on the discordant plans, for paired shares)",
            "rd_ci_high_pp": "upper bound of that interval",
            "effect_note": "why the effect is not shown (a zero cell makes an odds ratio 0 or infinite)",
            "effect_name": "effect size used", "effect": "effect size", "ci_low": "95% interval, lower bound",
            "ci_high": "95% interval, upper bound",
            "direction": "as expected, opposite, or none (no difference), relative to the source's statement",
            "significant": "p_adjusted below alpha", "not_testable_reason": "why the component could not be computed",
            "method": "how it was computed", "detail": "counts behind the component",
        },
    },
}
TABLES["alternatives.csv"] = {
    "title": "Components of the alternative specifications of the findings (robustness)",
    "description": "One row per component of each alternative specification declared in config/findings.yaml "
                   "(alternatives). Adjusted as if the finding had been specified that way: its components take the "
                   "primary ones' place in the confirmatory family, the other findings unchanged.",
    "columns": {"specification": "id of the alternative specification within its finding",
                **TABLES["components.csv"]["columns"]},
}


def read_per_plan(path: Path | str) -> pd.DataFrame:
    """The diversity stage's per_plan.csv as the tests read it (plan ids as text, empty cells missing)."""
    return pd.read_csv(path, dtype={"plan_id": str}, keep_default_na=False, na_values=[""])


def run_components(sample_dir: Path | str, per_plan_path: Path | str, codebook_path: Path | str,
                   registry_path: Path | str, seed: int, out_dir: Path | str) -> Path:
    """Only what the verdicts rest on: every finding's components (:func:`finding_components`,
    the numbers of :func:`run_tests`, whose random procedures draw from each component's own
    stream, so computing nothing else changes none of them), written as components.csv; returns
    its path. For the calibration, which counts verdicts on many simulated populations: the
    battery, the distribution tests and the alternative specifications cost two thirds of the
    stage and decide no verdict."""
    sample_dir = Path(sample_dir)
    codebook = load_codebook(codebook_path)
    registry = load_registry(registry_path, codebook)
    components = finding_components(registry, read_analysed_sample(sample_dir), read_per_plan(per_plan_path), codebook,
                                    sample_dir, seed)
    path = Path(out_dir) / "components.csv"
    write_outputs({path: csv_bytes(components)})
    return path
