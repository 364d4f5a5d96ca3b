"""Inter-coder agreement on nominal codes: percent agreement, Cohen's kappa, Krippendorff's alpha.

The data are *reliability data*: units (a plan's use of a code, a passage) each coded by some of
the coders; a coder who did not code a unit leaves it missing. They are held as a **value-counts
matrix** (one row per unit, one column per category, the number of coders who gave that unit
that category), the form Krippendorff's coincidence matrix is built from and the one the
`krippendorff` package accepts; a unit coded by fewer than two coders carries no information on
agreement and is ignored by every statistic.

- **Percent agreement**: the share of agreeing pairs among all pairs of values coders gave the
  same unit (for two coders, the share of units on which they agree).
- **Cohen's kappa** (two coders): (p_o - p_e) / (1 - p_e) with p_e from each coder's own
  marginal distribution; computed here on the pairs (first coder, second coder) of each unit.
- **Krippendorff's alpha**, nominal, any number of coders, missing values allowed:
  1 - D_o / D_e, computed by the `krippendorff` package (checked in the tests against
  Krippendorff's published worked example and an independent implementation).

Each comes with a **bootstrap interval** that resamples *plans* (the clusters: the units of one
plan are coded together by the same people), seeded by the caller: a normal interval on the log
scale of the disagreement ratio, log(1 - statistic), with the bootstrap standard error and
Hesterberg's (2015) small-sample expansion (see :func:`log_disagreement_interval`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import krippendorff
import numpy as np
import scipy  # scipy.stats loads on first use (a lazy submodule), only for an interval


def value_counts(units: Sequence, values: Sequence, categories: Sequence) -> tuple[np.ndarray, list]:
    """The value-counts matrix of reliability data given in long form.

    `units[i]` was given the value `values[i]` by one coder (one entry per coder and unit; a
    missing value is simply absent). Returns the matrix (units in order of first appearance ×
    `categories`) and the list of units (its row labels). Raises ValueError for a value that is
    not one of `categories`.
    """
    order = {category: j for j, category in enumerate(categories)}
    unknown = sorted({str(v) for v in values if v not in order})
    if unknown:
        raise ValueError(f"values {unknown} are not among the categories {list(categories)}")
    unit_index: dict = {}
    rows = np.array([unit_index.setdefault(u, len(unit_index)) for u in units], dtype=int)
    matrix = np.zeros((len(unit_index), len(categories)), dtype=int)
    np.add.at(matrix, (rows, np.array([order[v] for v in values], dtype=int)), 1)
    return matrix, list(unit_index)


def pairable(matrix: np.ndarray) -> np.ndarray:
    """The rows of a value-counts matrix coded by at least two coders (the only informative ones)."""
    matrix = np.asarray(matrix)
    return matrix[matrix.sum(axis=1) >= 2]


def percent_agreement(matrix: np.ndarray) -> float:
    """Share of agreeing pairs among the ordered pairs of values given to the same unit.

    Unit u with n_uc coders choosing category c has m_u(m_u - 1) ordered pairs of which
    sum_c n_uc(n_uc - 1) agree; the shares are pooled over units. NaN without any pair.
    """
    matrix = pairable(matrix)
    m = matrix.sum(axis=1)
    pairs = float((m * (m - 1)).sum())
    return float((matrix * (matrix - 1)).sum() / pairs) if pairs else float("nan")


def krippendorff_alpha(matrix: np.ndarray) -> float:
    """Krippendorff's alpha for nominal data, from a value-counts matrix (any number of coders).

    Computed by the `krippendorff` package. NaN when it is undefined: fewer than two pairable
    values, or a single category used throughout (no expected disagreement: D_e = 0).
    """
    matrix = pairable(matrix)
    used = matrix.sum(axis=0) > 0
    if matrix.sum() < 2 or used.sum() < 2:
        return float("nan")
    return float(krippendorff.alpha(value_counts=matrix[:, used], level_of_measurement="nominal"))


def cohen_kappa(first: Sequence, second: Sequence) -> float:
    """Cohen's kappa between two coders who each coded the same units (`first[i]`, `second[i]`).

    kappa = (p_o - p_e) / (1 - p_e), p_o the share of units where they agree, p_e the agreement
    expected from each coder's own marginal distribution. NaN without units, or when p_e = 1
    (both coders always gave the same single category: kappa is undefined).
    """
    first, second = np.asarray(first, dtype=object), np.asarray(second, dtype=object)
    if len(first) != len(second):
        raise ValueError("cohen_kappa: the two coders must have coded the same number of units")
    if len(first) == 0:
        return float("nan")
    observed = float(np.mean(first == second))
    categories = set(first) | set(second)
    expected = sum(float(np.mean(first == c)) * float(np.mean(second == c)) for c in categories)
    if expected >= 1:
        return float("nan")
    return (observed - expected) / (1 - expected)


def bootstrap_estimates(clusters: Sequence, statistic: Callable[[np.ndarray], float], *, seed: int,
                        resamples: int) -> np.ndarray:
    """The statistic on `resamples` resamples of whole clusters (plans), NaN where undefined.

    `clusters[i]` is the cluster of the i-th unit; each resample draws as many clusters as there
    are, with replacement, and `statistic` receives the indices of the units of the drawn
    clusters (a cluster drawn twice contributes its units twice). Random numbers come from
    ``Generator(PCG64(seed))`` only.
    """
    labels, position, draws = cluster_draws(clusters, seed=seed, resamples=resamples)
    if len(labels) == 0:
        return np.full(resamples, np.nan)
    members = [np.flatnonzero(position == k) for k in range(len(labels))]
    return np.array([statistic(np.concatenate([members[k] for k in draw])) for draw in draws], dtype=float)


def cluster_draws(clusters: Sequence, *, seed: int, resamples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, position, draws): the distinct clusters (sorted as text), the cluster of each unit
    (an index into labels) and, per resample, the clusters drawn with replacement (as many as
    there are), from ``Generator(PCG64(seed))``: the one source of the bootstrap's resamples."""
    labels, position = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    if len(labels) == 0:
        return labels, position, np.zeros((resamples, 0), dtype=np.int64)
    rng = np.random.Generator(np.random.PCG64(seed))
    return labels, position.reshape(-1), rng.integers(0, len(labels), size=(resamples, len(labels)))


def _power_of_two(values: np.ndarray) -> np.ndarray:
    """Whether each positive integer is a power of two."""
    return (values > 0) & ((values & (values - 1)) == 0)


def resampled_binary_statistics(matrix: np.ndarray, clusters: Sequence, first: np.ndarray, second: np.ndarray,
                                two_coder_rows: np.ndarray, *, seed: int, resamples: int) -> dict[str, np.ndarray] | None:
    """The bootstrap estimates of percent agreement, kappa and alpha (those of
    :func:`bootstrap_estimates` with the statistics of :func:`agreement_summary`, bit for bit),
    computed for all resamples at once; None when this shortcut does not apply.

    Each statistic is a function of sums over units: pairs and agreeing pairs (percent
    agreement); units coded by both coders, their agreements and each coder's count of each
    category (kappa); the coincidences of categories 0 and 1 (alpha, two categories). A resample
    drawing cluster k w times adds w times its sums, so each resample's sums are its draw counts
    times the clusters' sums. The sums are integers (the coincidences are scaled by the largest
    of the units' numbers of coders less one, which must all be powers of two for the scaled
    values to be integers: 2 or 3 coders per unit), so they are exact in any order, and the
    statistics are then computed with the operations, in the order, of
    :func:`percent_agreement`, :func:`cohen_kappa` and the `krippendorff` package: the same
    floating-point numbers as calling them on each resample, without a Python call per resample.
    Applies to a value-counts matrix of two categories with non-negative category indices in
    `first` and `second` (-1 where that coder did not code the unit)."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[1] != 2 or len(matrix) == 0:
        return None
    m = matrix.sum(axis=1).astype(np.int64)
    pairable_rows = m >= 2
    spans = m[pairable_rows] - 1
    if not _power_of_two(spans).all():
        return None
    labels, position, draws = cluster_draws(clusters, seed=seed, resamples=resamples)
    count = len(labels)
    weights = np.zeros((resamples, count), dtype=np.int64)
    np.add.at(weights, (np.repeat(np.arange(resamples), count), draws.ravel()), 1)

    def by_cluster(per_unit: np.ndarray) -> np.ndarray:
        """Each resample's sum of a per-unit integer quantity."""
        totals = np.zeros(count, dtype=np.int64)
        np.add.at(totals, position, per_unit.astype(np.int64))
        return weights @ totals

    n0, n1 = matrix[:, 0].astype(np.int64), matrix[:, 1].astype(np.int64)
    # percent agreement: agreeing ordered pairs over ordered pairs (units with fewer than two values add 0)
    agreeing, pairs = by_cluster(n0 * (n0 - 1) + n1 * (n1 - 1)), by_cluster(m * (m - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(pairs > 0, agreeing / pairs.astype(float), np.nan)

    # kappa on the units coded by both coders
    two = np.asarray(two_coder_rows, dtype=bool)
    first, second = np.asarray(first), np.asarray(second)
    units = by_cluster(two)
    agree = by_cluster(two & (first == second))
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = agree / units
        expected = np.zeros(resamples)
        for category in sorted(set(first[two].tolist()) | set(second[two].tolist())):
            expected = expected + (by_cluster(two & (first == category)) / units) * (by_cluster(two & (second == category)) / units)
        kappa = np.where((units > 0) & (expected < 1), (observed - expected) / (1 - expected), np.nan)

    # alpha: coincidences of the pairable units, each unit's n_c n_k (less n_c on the diagonal)
    # divided by its coders less one; scaled by the largest such divisor to stay integers
    scale = int(spans.max()) if len(spans) else 1
    factor = np.zeros(len(m), dtype=np.int64)
    factor[pairable_rows] = scale // spans
    o00 = by_cluster(factor * (n0 * n0 - n0)) / scale
    o01 = by_cluster(factor * n0 * n1) / scale
    o11 = by_cluster(factor * (n1 * n1 - n1)) / scale
    used = (by_cluster(pairable_rows * n0) > 0).astype(int) + (by_cluster(pairable_rows * n1) > 0)
    values = by_cluster(pairable_rows * m)
    with np.errstate(divide="ignore", invalid="ignore"):
        v0, v1 = o00 + o01, o01 + o11  # n_v = o.sum(axis=0)
        e01 = (v0 * v1 - 0.0) / ((v0 + v1) - 1)
        alpha = 1 - ((((0.0 + o01) + o01) + 0.0) / (((0.0 + e01) + e01) + 0.0))
    alpha = np.where((values >= 2) & (used >= 2), alpha, np.nan)
    return {"percent_agreement": percent, "kappa": kappa, "alpha": alpha}


def percentile_interval(estimates: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The plain percentile interval of bootstrap estimates (NaN ones dropped; NaN when more than
    half are). Kept to compare with :func:`log_disagreement_interval` (the benchmark)."""
    estimates = np.asarray(estimates, dtype=float)
    defined = estimates[~np.isnan(estimates)]
    if len(defined) == 0 or len(defined) < len(estimates) / 2:
        return float("nan"), float("nan")
    tail = (1 - confidence) / 2
    return float(np.quantile(defined, tail)), float(np.quantile(defined, 1 - tail))


def log_disagreement_interval(estimate: float, estimates: np.ndarray, clusters: int,
                              confidence: float = 0.95) -> tuple[float, float]:
    """Interval of an agreement coefficient 1 - D_o / D_e from its estimate and its bootstrap
    estimates over `clusters` resampled clusters.

    The three coefficients have the form 1 - D_o / D_e (observed over expected disagreement; for
    percent agreement D_e = 1), so the interval is built on the log scale of the disagreement
    ratio, log(1 - statistic), where a ratio estimator is close to normal (as the log risk ratio
    is), then mapped back; it never exceeds 1. On that scale it is est ± c × se: se the standard
    deviation of the bootstrap estimates, c = t_{K-1}(1 - tail) × sqrt(K / (K - 1)) for K
    clusters, the small-sample expansion of Hesterberg (2015): the bootstrap divides variances by
    K instead of K - 1, and se is itself estimated from K clusters (Student's t). With few
    double-coded plans (28) the plain percentile interval was too narrow; this one covers the
    alpha of the simulator's error model at the nominal rate (README, "Can the coding be
    trusted?"; ``benchmarks/agreement_calibration.py``).

    NaN bootstrap estimates are dropped; the interval is NaN when more than half of them are, or
    when `estimate` is NaN. Resamples without any disagreement (statistic 1, log scale -inf) are
    left out of se. When the coders never disagree (estimate 1), or with fewer than two clusters,
    no spread can be measured on the log scale: the interval is then the percentile interval
    (1 to 1 without disagreement).

    Hesterberg, T. C. (2015). What teachers should know about the bootstrap. *The American
    Statistician*, 69(4), 371-386 (the expanded percentile interval, sqrt(n / (n - 1)) t_{n-1}).
    """
    estimates = np.asarray(estimates, dtype=float)
    defined = estimates[~np.isnan(estimates)]
    if np.isnan(estimate) or len(defined) == 0 or len(defined) < len(estimates) / 2:
        return float("nan"), float("nan")
    logs = np.log1p(-defined[defined < 1])
    if estimate >= 1 or clusters < 2 or len(logs) < 2:
        return percentile_interval(defined, confidence)
    tail = (1 - confidence) / 2
    # Student's t quantile by the function behind scipy.stats.t.ppf (the same number, without
    # importing scipy.stats: a third of a second of the agreement stage)
    critical = float(scipy.special.stdtrit(clusters - 1, 1 - tail)) * np.sqrt(clusters / (clusters - 1))
    centre, spread = np.log1p(-estimate), critical * float(np.std(logs, ddof=1))
    return float(-np.expm1(centre + spread)), float(-np.expm1(centre - spread))


def bootstrap_interval(clusters: Sequence, statistic: Callable[[np.ndarray], float], *, seed: int,
                       resamples: int, confidence: float = 0.95) -> tuple[float, float]:
    """Bootstrap interval of an agreement coefficient when whole clusters (plans) are resampled:
    :func:`log_disagreement_interval` of the statistic of all units and of its
    :func:`bootstrap_estimates` (see both for the resampling, the NaN rules and the seed)."""
    clusters = np.asarray(clusters, dtype=object)
    if len(clusters) == 0:
        return float("nan"), float("nan")
    estimates = bootstrap_estimates(clusters, statistic, seed=seed, resamples=resamples)
    count = len(np.unique(clusters.astype(str)))
    return log_disagreement_interval(statistic(np.arange(len(clusters))), estimates, count, confidence)


def agreement_summary(matrix: np.ndarray, clusters: Sequence, first: np.ndarray, second: np.ndarray,
                      two_coder_rows: np.ndarray, *, seed: int, resamples: int,
                      confidence: float = 0.95) -> dict[str, float]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha of one set of units, each with
    its bootstrap interval over clusters.

    `matrix` is the value-counts matrix (one row per unit), `clusters` the plan of each row;
    `first`/`second` the category index given by the first and second coder of each row, used
    for kappa on the rows where `two_coder_rows` is true (units coded by both). The three
    intervals use the same resampled clusters (one seed), so they describe the same resamples.
    """
    matrix = np.asarray(matrix)
    two = np.asarray(two_coder_rows, dtype=bool)

    def kappa_of(index: np.ndarray) -> float:
        index = index[two[index]]
        return cohen_kappa(first[index], second[index])

    result: dict[str, float] = {
        "units": int((matrix.sum(axis=1) >= 2).sum()),
        "percent_agreement": percent_agreement(matrix),
        "kappa": kappa_of(np.arange(len(matrix))),
        "alpha": krippendorff_alpha(matrix),
    }
    # All resamples at once when the sums allow it (the binary units of the agreement stage), else
    # one statistic call per resample; the same numbers either way (tests/test_agreement_stats.py).
    fast = resampled_binary_statistics(matrix, clusters, first, second, two, seed=seed, resamples=resamples) \
        if len(clusters) else None
    for name, statistic in (("percent_agreement", lambda i: percent_agreement(matrix[i])),
                            ("kappa", kappa_of),
                            ("alpha", lambda i: krippendorff_alpha(matrix[i]))):
        if fast is None:
            low, high = bootstrap_interval(clusters, statistic, seed=seed, resamples=resamples, confidence=confidence)
        else:
            low, high = log_disagreement_interval(result[name], fast[name], len(np.unique(np.asarray(clusters, dtype=object).astype(str))),
                                                  confidence)
        result[f"{name}_low"], result[f"{name}_high"] = low, high
    return result


def expected_binary_alpha(first: np.ndarray, probability: np.ndarray) -> float:
    """The alpha two coders are expected to reach on binary units when the first coder's values
    are known (`first`, 0/1) and the second gives 1 with `probability` independently per unit.

    Alpha = 1 - (n - 1) o_01 / (n_0 n_1) for two coders and binary values (n = 2 × units,
    o_01 the units on which they differ, n_c the values c); the expectation of each count is
    exact, and their ratio is the alpha of a large number of such units. Used to state the
    agreement a known error model implies, to check the estimate against it.
    """
    first = np.asarray(first, dtype=float)
    probability = np.asarray(probability, dtype=float)
    n = 2 * len(first)
    differ = float((first * (1 - probability) + (1 - first) * probability).sum())
    ones = float((first + probability).sum())
    return 1 - (n - 1) * differ / ((n - ones) * ones)
