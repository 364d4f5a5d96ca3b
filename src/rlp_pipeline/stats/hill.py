"""Hill numbers of a plan's codings, observed and rarefied to a common number of codings.

Why. A plan's diversity indices (Shannon, Gini-Simpson) are computed on its coded passages, and
plans with more passages have more chances to code more strategies: in the shipped data the
number of passages rises with the mobilisation level and correlates with Shannon's entropy. To
compare diversity, not coding volume, each plan's diversity is also given at the same number of
passages m: the expected Hill number of m passages drawn without replacement from the plan's own
passages (rarefaction; Chao et al. 2014, Ecological Monographs 84:45-67, eq. 4 and 5; Chao &
Jost 2012, Ecology 93:2533-2547), as iNEXT computes for sizes below the observed one.

With X_i the plan's passages in category i, n = sum X_i and m <= n, the expected number of
categories seen exactly k times in m passages is

    f_k(m) = sum_i C(X_i, k) C(n - X_i, m - k) / C(n, m),

and the Hill number of order q at size m is

    q = 0:  sum_k f_k(m)                                  (expected richness)
    q = 1:  exp(-sum_k (k/m) ln(k/m) f_k(m))             (exponential of Shannon)
    q = 2:  1 / sum_k (k/m)^2 f_k(m)                      (inverse Simpson)

At m = n they are the observed Hill numbers S, exp(H) and 1 / sum p^2. Plans with fewer than m
passages have no rarefied value (empty): extrapolating beyond the observed size needs estimates
of unseen categories that a handful of passages cannot support.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

ORDERS = (0, 1, 2)


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """log C(n, k), -inf where k < 0 or k > n."""
    n, k = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(k, dtype=float))
    valid = (k >= 0) & (k <= n)
    result = np.full(n.shape, -np.inf)
    result[valid] = gammaln(n[valid] + 1) - gammaln(k[valid] + 1) - gammaln(n[valid] - k[valid] + 1)
    return result


def expected_frequency_counts(counts, m: int) -> np.ndarray:
    """f_k(m) for k = 1..m: expected number of categories seen exactly k times among m passages
    drawn without replacement from `counts` (one plan's passages per category)."""
    x = np.asarray(counts, dtype=float)
    x = x[x > 0]
    n = float(x.sum())
    if not 1 <= m <= n:
        raise ValueError(f"the rarefied size m must be between 1 and the number of passages ({n:g}), got {m}")
    k = np.arange(1, m + 1, dtype=float)
    log_terms = _log_choose(x[:, None], k[None, :]) + _log_choose(n - x[:, None], m - k[None, :]) - _log_choose(n, m)
    return np.exp(log_terms).sum(axis=0)


def rarefied_hill(counts, m: int, q: int) -> float:
    """The Hill number of order q (0, 1 or 2) expected at m passages (see the module)."""
    if q not in ORDERS:
        raise ValueError(f"q must be one of {ORDERS}, got {q}")
    f = expected_frequency_counts(counts, m)
    share = np.arange(1, m + 1, dtype=float) / m
    if q == 0:
        return float(f.sum())
    if q == 1:
        return float(np.exp(-(share * np.log(share) * f).sum()))
    return float(1.0 / ((share ** 2) * f).sum())


def observed_hill(counts, q: int) -> float:
    """The observed Hill number of order q: S, exp(Shannon H) or 1 / sum p^2 (NaN without passages)."""
    x = np.asarray(counts, dtype=float)
    x = x[x > 0]
    if x.size == 0:
        return float("nan")
    return rarefied_hill(x, int(x.sum()), q)


def hill_table(counts: np.ndarray, m: int) -> dict[str, np.ndarray]:
    """Per plan (rows of `counts`): observed Hill numbers hill{q} and, for plans with at least m
    passages, rarefied ones hill{q}_rarefied (NaN otherwise)."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    # plans with the same counts have the same Hill numbers: each distinct row is computed once
    # (a sample of 40,000 plans has a few thousand), with the same operations as for one plan
    distinct, plan_row = np.unique(counts, axis=0, return_inverse=True)
    plan_row = plan_row.reshape(-1)
    totals = distinct.sum(axis=1)
    result = {}
    for q in ORDERS:
        result[f"hill{q}"] = np.array([observed_hill(row, q) for row in distinct])[plan_row]
        result[f"hill{q}_rarefied"] = np.array([rarefied_hill(row, m, q) if total >= m else np.nan
                                               for row, total in zip(distinct, totals)])[plan_row]
    return result
