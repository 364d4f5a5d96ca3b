"""Descriptive statistics used by every later stage: proportions with their interval, diversity
indices of a plan's strategies, and the summary of a distribution.

Everything here is a pure function of its arguments (no file, no global state), so it can be
checked against textbook values and against other implementations (statsmodels, scipy): see
``tests/test_descriptive.py``.

Proportions and their interval
    The report's shares are proportions of *plans*. The plans analysed are a simple random 40%
    drawn without replacement from a finite frame (finding M1), and some shares are close to 0
    or 1 with a few dozen plans. :func:`proportion_interval` gives Wilson's score interval,
    corrected for the finite population.

Diversity of a plan's strategies (findings F02, F03, F13)
    :func:`richness`, :func:`shannon`, :func:`gini_simpson` and :func:`pielou_evenness` describe
    how a plan's coded passages spread over categories (strategies or sub-strategies). They take
    a vector of counts (one per category; zeros allowed and ignored) or a 2-D array of counts
    (one row per plan), and then return one value per row.

Distribution of a per-plan measure
    :func:`describe_distribution` gives n, mean, standard deviation, median, quartiles, minimum
    and maximum, skipping missing values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

__all__ = [
    "proportion_interval",
    "domain_population_size",
    "richness",
    "shannon",
    "gini_simpson",
    "pielou_evenness",
    "describe_distribution",
]


# --------------------------------------------------------------------------------------------
# Proportions
# --------------------------------------------------------------------------------------------


def proportion_interval(count: Any, n: Any, population_size: Any = None,
                        confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval of a proportion ``count / n``, with a finite population correction.

    Why Wilson. The usual Wald interval ``p ± z sqrt(p(1-p)/n)`` has poor coverage when ``p`` is
    near 0 or 1 or ``n`` is small (it even collapses to a single point at 0 of n), which is
    exactly the case of a sub-strategy used by few of a few dozen plans. Wilson's score interval
    (Wilson 1927) inverts the score test instead: it stays inside [0, 1], is never empty, and
    its coverage is close to the nominal level for small n (Newcombe 1998, Statistics in
    Medicine 17:857-872, method 3; Brown, Cai & DasGupta 2001, Statistical Science 16:101-133).
    With ``z`` the normal quantile for `confidence`, ``p = count / n``::

        centre = (p + z²/(2n)) / (1 + z²/n)
        half   = z / (1 + z²/n) * sqrt(p(1 - p)/n + z²/(4n²))

    Why a finite population correction (FPC). The analysed plans are 40% of a finite frame of N
    deposited plans, drawn without replacement: the variance of the sample proportion is then
    ``p(1-p)/n x (N - n)/(N - 1)``, markedly smaller than for sampling with replacement (a
    census, n = N, has no sampling error at all). When `population_size` N is given, the Wilson
    formula is used with the effective sample size ``n* = n (N - 1)/(N - n)``, which is the same
    as multiplying the variance by ``(N - n)/(N - 1)``; when ``n == N`` the interval is the
    point estimate itself. Internally the formula is written with ``w = 1/n*``
    (``= (N - n)/(n (N - 1))``), which is 0 for a census, so no infinity appears.
    `population_size` need not be a whole number: :func:`domain_population_size` gives the
    estimated size of a sub-population.

    Arguments may be scalars or numpy arrays (broadcast together). Returns ``(low, high)``:
    plain floats for scalar input, float arrays otherwise. Bounds are clipped to [0, 1] (only
    floating-point rounding can take them outside), and they are exactly 0 for ``count == 0`` and
    1 for ``count == n``, as in the formula. ``n == 0`` gives ``(nan, nan)``. Raises
    ValueError for a negative count, a count above n, N below n, or a confidence outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (got {confidence!r})")
    scalar = all(np.ndim(value) == 0 for value in (count, n, population_size))
    count_a = np.asarray(count, dtype=float)
    n_a = np.asarray(n, dtype=float)
    if population_size is None:
        count_a, n_a = np.broadcast_arrays(count_a, n_a)
        total = None
    else:
        count_a, n_a, total = np.broadcast_arrays(count_a, n_a, np.asarray(population_size, dtype=float))
    if np.any(n_a < 0) or np.any(count_a < 0) or np.any(count_a > n_a):
        raise ValueError("a proportion needs 0 <= count <= n")
    if total is not None and np.any(total < n_a):
        raise ValueError("the population size N must be at least the sample size n")

    z = float(ndtri(0.5 + confidence / 2))  # norm.ppf's own function, without importing scipy.stats (0.7 s)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count_a / n_a
        if total is None:
            w = 1.0 / n_a
        else:
            # 1/n* = (N - n) / (n (N - 1)); a census (n == N, including N == 1) has w = 0.
            w = np.where(total == n_a, 0.0, (total - n_a) / (n_a * (total - 1.0)))
        z2w = z * z * w
        centre = (p + z2w / 2.0) / (1.0 + z2w)
        half = z * np.sqrt(p * (1.0 - p) * w + z2w * w / 4.0) / (1.0 + z2w)
        low = np.clip(centre - half, 0.0, 1.0) + 0.0  # + 0.0 turns a -0.0 into 0.0
        high = np.clip(centre + half, 0.0, 1.0) + 0.0
    # The exact bounds at the ends (0 when count = 0, 1 when count = n), free of rounding.
    low = np.where(count_a == 0, 0.0, low)
    high = np.where(count_a == n_a, 1.0, high)
    empty = n_a == 0
    low = np.where(empty, np.nan, low)
    high = np.where(empty, np.nan, high)
    if scalar:
        return float(low), float(high)
    return low, high


def domain_population_size(domain_n: Any, sample_n: Any, population_size: Any) -> Any:
    """Estimated number of plans of the frame in a sub-population (domain): ``n_d x N / n``.

    A share *within* a domain (e.g. the plans using a sub-strategy among the plans using its
    strategy) has a random denominator ``n_d``. Given ``n_d``, the domain's plans in a simple
    random sample are a simple random sample of ``n_d`` of the domain's ``N_d`` plans, so the
    finite population correction is ``(N_d - n_d)/(N_d - 1)``. ``N_d`` is unknown; the usual
    estimate is ``n_d / f`` with the overall sampling fraction ``f = n / N`` (Cochran 1977,
    Sampling Techniques, 3rd ed., section 2.13). The result is at least ``n_d`` and equals it for
    a census. Pass it as `population_size` to :func:`proportion_interval`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = np.asarray(domain_n, dtype=float) * np.asarray(population_size, dtype=float) / np.asarray(sample_n, dtype=float)
    if np.ndim(estimate) == 0:
        return float(estimate)
    return estimate


# --------------------------------------------------------------------------------------------
# Diversity indices
# --------------------------------------------------------------------------------------------


def _counts(counts: Any) -> np.ndarray:
    """Counts as a float array (categories on the last axis), refusing negative or missing values."""
    array = np.asarray(counts, dtype=float)
    if array.ndim not in (1, 2):
        raise ValueError("counts must be a vector (one plan) or a 2-D array (plans x categories)")
    if np.any(np.isnan(array)) or np.any(array < 0):
        raise ValueError("counts must be numbers >= 0")
    return array


def _result(values: np.ndarray, ndim: int) -> Any:
    return float(values) if ndim == 1 else values


def richness(counts: Any) -> Any:
    """Number of categories with a positive count (S).

    For a plan's coding counts per strategy: how many distinct strategies it uses. Zeros are
    ignored, so the value does not depend on how many categories the codebook lists. A 2-D array
    gives one value per row (float, to match the other indices).
    """
    array = _counts(counts)
    return _result((array > 0).sum(axis=-1).astype(float), array.ndim)


def _proportions(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = array.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return array / total, total[..., 0]


def shannon(counts: Any) -> Any:
    """Shannon's entropy ``H = -Σ p_i ln p_i`` over the categories with a positive count.

    Natural logarithm (nats). H is 0 when everything falls in one category and ``ln S`` when
    the S categories used are used equally; it grows both with the number of categories used and
    with the evenness of their use. Zero counts contribute nothing (``0 ln 0 = 0``). NaN when
    there is no count at all (no distribution to describe).
    """
    array = _counts(counts)
    p, total = _proportions(array)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(array > 0, -p * np.log(np.where(array > 0, p, 1.0)), 0.0)
    h = terms.sum(axis=-1) + 0.0  # + 0.0 turns a -0.0 into 0.0
    return _result(np.where(total > 0, h, np.nan), array.ndim)


def gini_simpson(counts: Any) -> Any:
    """Gini-Simpson index ``1 - Σ p_i²``: the chance that two passages drawn at random (with
    replacement) fall in different categories.

    0 when everything falls in one category, at most ``1 - 1/S`` (reached when the S categories
    are used equally). Less sensitive to rare categories than Shannon's entropy. Computed as
    ``(T² - Σ c_i²) / T²`` with ``T = Σ c_i``, exact for whole counts before the final division.
    NaN when there is no count at all.
    """
    array = _counts(counts)
    total = array.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (total * total - (array * array).sum(axis=-1)) / (total * total)
    return _result(np.where(total > 0, value + 0.0, np.nan), array.ndim)


def pielou_evenness(counts: Any) -> Any:
    """Pielou's evenness ``J = H / ln S`` (S = richness): how evenly the categories used are used.

    1 when the S categories used are used equally, towards 0 when one dominates; it does not
    depend on how many categories are used, which Shannon's H mixes in. With one category used
    (or none) evenness is undefined (0/0): the result is NaN, not 0 or 1 by convention, so that
    plans with a single strategy are counted as missing rather than as perfectly uneven or even.
    """
    array = _counts(counts)
    h = np.asarray(shannon(array), dtype=float)
    s = np.asarray(richness(array), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = h / np.log(np.where(s > 1, s, np.nan))
    return _result(np.where(s > 1, value, np.nan), array.ndim)


# --------------------------------------------------------------------------------------------
# Distribution of a measure
# --------------------------------------------------------------------------------------------


def describe_distribution(values: Any) -> dict[str, float | int]:
    """n, mean, sd, median, q1, q3, min and max of the non-missing values.

    Missing values (NaN, None, pandas NA) are skipped and ``n`` counts the values kept. ``sd`` is
    the sample standard deviation (``ddof = 1``: the plans are a sample), NaN for fewer than two
    values. Quartiles use numpy's default linear interpolation (``numpy.quantile``'s "linear"
    method, type 7 of Hyndman & Fan 1996, the default of R and of pandas as well). With no value
    every statistic is NaN and n is 0.
    """
    series = pd.Series(np.ravel(np.asarray(values, dtype=object)), dtype=object)
    array = pd.to_numeric(series, errors="raise").astype("Float64").dropna().to_numpy(dtype=float)
    array = array[~np.isnan(array)]
    n = int(array.size)
    if n == 0:
        nan = math.nan
        return {"n": 0, "mean": nan, "sd": nan, "median": nan, "q1": nan, "q3": nan, "min": nan, "max": nan}
    q1, median, q3 = (float(v) for v in np.quantile(array, [0.25, 0.5, 0.75]))
    return {
        "n": n,
        "mean": float(array.mean()),
        "sd": float(array.std(ddof=1)) if n > 1 else math.nan,
        "median": median,
        "q1": q1,
        "q3": q3,
        "min": float(array.min()),
        "max": float(array.max()),
    }
