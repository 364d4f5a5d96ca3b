"""Statistical tests and effect sizes used to judge the findings (F01-F17).

Small, pure functions on numpy arrays: no pandas, no file access, no global random state.
Every function that draws random numbers takes an explicit ``seed`` and builds its own
``numpy.random.Generator(PCG64(seed))``, so the same call always gives the same number.

Conventions shared by all functions:

* A contingency table is a 2-D array of non-negative integer counts (rows x columns). A table
  whose row or column sums to zero, or that has fewer than two rows or two columns, cannot be
  tested for independence: the functions raise :class:`NotTestable` with a plain-English reason,
  never return a silent NaN. Invalid input (negative or non-integer counts, a 3-D array) raises a
  plain :class:`ValueError`.
* The Pearson chi-square statistic is never continuity-corrected (no Yates correction, also for
  2x2 tables), so it matches the textbook formula ``sum((O - E)^2 / E)`` and Cramer's V.
* One-sided p-values are named after the alternative they support (``p_increasing``,
  ``p_greater``, ``p_b_greater`` ...); ``p_two_sided`` is the two-sided one.
* Exact p-values of tests on tables are conditional on both margins (the hypergeometric
  reference set), ordering tables by their probability and counting ties with the relative
  tolerance ``1 + 1e-7`` used by R's ``fisher.test``.
* Monte Carlo p-values are ``(1 + #{resampled statistic >= observed}) / (resamples + 1)`` (never
  zero, and a valid p-value: Phipson & Smyth 2010, Stat. Appl. Genet. Mol. Biol. 9(1):39),
  reported with their binomial standard error ``sqrt(p (1 - p) / resamples)``.
"""

from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np
import scipy  # scipy.optimize, .special and .stats load on first use (scipy's lazy submodules): a
# process that only needs holm (the findings stage) then skips their second of import time.
def gammaln(values): return scipy.special.gammaln(values)  # noqa: E704  (the log-gamma function)
def _scipy_odds_ratio(table, kind): return scipy.stats.contingency.odds_ratio(table, kind=kind)  # noqa: E704

__all__ = [
    "NotTestable",
    "binomial_test",
    "cochran_armitage",
    "cochran_rule",
    "cochrans_q",
    "cramers_v",
    "cramers_v_corrected",
    "cramers_v_interval",
    "exact_conditional_p",
    "holm",
    "independence_test",
    "jonckheere_terpstra",
    "kruskal_wallis",
    "mann_whitney",
    "mcnemar_exact",
    "monte_carlo_p",
    "odds_ratio_2x2",
    "pearson_chi_square",
    "rank_values",
    "risk_difference",
    "paired_risk_difference",
]

#: Relative tolerance for "as probable as the observed table" (R's fisher.test uses 1 + 1e-7).
_RELATIVE_TIE = 1e-7
#: Relative tolerance for "resampled statistic >= observed" in Monte Carlo tests: floating-point
#: sums of the same rational statistic computed in two orders differ by far less than this.
_STATISTIC_TIE = 1e-10
#: Number of random numbers generated per chunk in the vectorised resampling loops (memory cap).
_CHUNK_ELEMENTS = 2_000_000
#: Default cap on the number of tables enumerated by the exact conditional test.
DEFAULT_MAX_TABLES = 2_000_000


class NotTestable(ValueError):
    """The data cannot be tested; ``reason`` says why in plain English.

    Raised for situations of the data (a category nobody uses, a constant outcome), not for
    programming errors, so a caller can record "not testable: <reason>" for one finding and
    carry on with the others.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ----------------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------------


def _count_table(table, *, name: str = "table") -> np.ndarray:
    """Return a copy of ``table`` as an int64 2-D array after checking it holds counts."""
    array = np.array(table, dtype=float, copy=True)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of counts, got {array.ndim} dimension(s)")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains a missing or infinite value")
    if np.any(array < 0):
        raise ValueError(f"{name} contains a negative count")
    if np.any(array != np.round(array)):
        raise ValueError(f"{name} contains a count that is not a whole number")
    return array.astype(np.int64)


def _testable_table(table) -> np.ndarray:
    """Counts of a table that can be tested for independence, else :class:`NotTestable`."""
    counts = _count_table(table)
    rows, cols = counts.shape
    if rows < 2 or cols < 2:
        raise NotTestable(
            f"the table has {rows} row(s) and {cols} column(s); a test of independence needs at "
            "least two rows and two columns"
        )
    row_sums = counts.sum(axis=1)
    col_sums = counts.sum(axis=0)
    empty_rows = [int(i) for i in np.flatnonzero(row_sums == 0)]
    empty_cols = [int(j) for j in np.flatnonzero(col_sums == 0)]
    if empty_rows or empty_cols:
        parts = []
        if empty_rows:
            parts.append(f"row(s) {empty_rows} sum to zero")
        if empty_cols:
            parts.append(f"column(s) {empty_cols} sum to zero")
        raise NotTestable(
            " and ".join(parts)
            + " (0-based positions): a category that nobody is in carries no information about "
            "association; drop it or merge it with another before testing"
        )
    return counts


#: Rank tests compare values rounded to this many significant digits (see :func:`rank_values`).
RANK_SIGNIFICANT_DIGITS = 12


def rank_values(values) -> np.ndarray:
    """Values as every rank test of the package compares them: rounded to
    :data:`RANK_SIGNIFICANT_DIGITS` significant digits.

    Why. Per-plan measures are computed in floating point, so two values that are equal in exact
    arithmetic can differ in their last bits: the evenness of a perfectly even plan is
    0.9999999999999998 or 1.0 depending on the counts, and the Shannon entropy of the same counts
    in another order can differ by one unit in the last place. Ranked as they are, such true ties
    would be broken at random, changing U, H, J and their tie corrections. Twelve significant
    digits are far more than any measure carries (counts of a few dozen passages) and far fewer
    than double precision keeps (about 16), so true ties meet and real differences stay apart.
    The rounding goes through decimal text (``%.11e``), so two values that round to the same
    decimal give the same float, whatever their magnitude. NaN and infinities are kept.
    """
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        return array.astype(float, copy=True)
    # each distinct value is rounded once (text formatting is slow; 40,000 plans' measures take a
    # few thousand distinct values); NaNs share one entry, -0.0 and 0.0 too (both give 0.0)
    distinct, position = np.unique(array.ravel(), return_inverse=True)
    text = np.char.mod(f"%.{RANK_SIGNIFICANT_DIGITS - 1}e", distinct)
    return (text.astype(float) + 0.0)[position.reshape(-1)].reshape(array.shape)  # + 0.0 turns -0.0 into 0.0


def _sample(values, name: str) -> np.ndarray:
    """A 1-D float array of finite values (at least one)."""
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise NotTestable(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains a missing or infinite value")
    return array


# ----------------------------------------------------------------------------------------------
# Tests of independence in contingency tables
# ----------------------------------------------------------------------------------------------


def cochran_rule(expected: np.ndarray) -> bool:
    """Whether the chi-square approximation is trusted under Cochran's (1954) rule.

    The rule: every expected count is at least 1 and at least 80% of the expected counts are at
    least 5. When it fails, the asymptotic chi-square p-value can be badly off and an exact
    (conditional) p-value is used instead (see :func:`independence_test`).
    """
    values = np.asarray(expected, dtype=float).ravel()
    if values.size == 0:
        return False
    return bool(np.all(values >= 1.0) and np.mean(values >= 5.0) >= 0.8)


def pearson_chi_square(table) -> dict:
    """Pearson's chi-square test of independence, WITHOUT continuity correction.

    Computes ``X^2 = sum((O - E)^2 / E)`` with ``E = row total x column total / n``; ``df = (r - 1)(c - 1)``
    and the p-value is the upper tail of the chi-square distribution (``scipy.special.chdtrc``).
    These are the operations of ``scipy.stats.chi2_contingency(table, correction=False)``, in its
    order, so the numbers are the same to the last bit (tests/test_inference.py compares them, and
    with published values); written out because the stability stage computes thousands of small
    tables, where scipy.stats' argument handling took 30 times the arithmetic, and its import
    another third of a second per process. Yates' correction is deliberately off (scipy applies
    it to 2x2 tables by default): it makes the test conservative and would make the statistic
    disagree with Cramer's V and with the formula quoted in the report.

    Returns ``dict(statistic, df, p_value, expected)``; raises :class:`NotTestable` when a row or
    column sums to zero or the table has fewer than two rows or columns.
    """
    counts = _testable_table(table)
    expected = counts.sum(axis=1, keepdims=True) * counts.sum(axis=0, keepdims=True) / counts.sum()
    df = (counts.shape[0] - 1) * (counts.shape[1] - 1)
    statistic = float(((counts.astype(np.float64) - expected) ** 2 / expected).sum())
    return {
        "statistic": statistic,
        "df": int(df),
        "p_value": float(scipy.special.chdtrc(df, statistic)),
        "expected": np.asarray(expected, dtype=float),
    }


def _canonical_margins(counts: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Margins in the canonical order used as cache key: the shorter side first, both sorted.

    The set of tables with given margins, and each table's probability, do not change when rows
    or columns are permuted or the table is transposed, so tables that differ only in that way
    share one cached null distribution.
    """
    rows = counts.sum(axis=1)
    cols = counts.sum(axis=0)
    if rows.size > cols.size:
        rows, cols = cols, rows
    return tuple(sorted(int(v) for v in rows)), tuple(sorted(int(v) for v in cols))


def _merge_states(keys: np.ndarray, weights: np.ndarray, radices: np.ndarray):
    """Merge identical rows of ``keys`` (2-D int array), summing their ``weights``.

    Rows are encoded as one integer in a mixed radix when it fits in 62 bits (fast 1-D unique),
    else merged with ``np.unique(axis=0)``.
    """
    if len(keys) == 0:
        return keys, weights
    if math.prod(int(v) for v in radices) < 2**62:
        place = np.concatenate([np.cumprod(radices[::-1])[::-1][1:], [1]]).astype(np.int64)
        code = keys @ place
        unique_code, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        merged = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique_code))
        return keys[first], merged
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    merged = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique))
    return unique, merged


def _expand_cell(states, col_left, i):
    """Extend partial tables by every feasible value of cell (i, current column).

    ``states`` holds the remaining row totals of each partial table, ``col_left`` what is left of
    the current column total. The value is at most what is left of row i and of the column, and
    at least what rows i+1.. cannot absorb, so every extension can still be completed.
    Returns ``(parent index, value)`` per extension.
    """
    below = states[:, i + 1 :].sum(axis=1)
    low = np.maximum(0, col_left - below)
    high = np.minimum(states[:, i], col_left)
    sizes = high - low + 1
    parent = np.repeat(np.arange(len(states)), sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return parent, low[parent] + offsets


@functools.lru_cache(maxsize=1024)
def _count_tables(rows: tuple[int, ...], cols: tuple[int, ...], limit: int) -> int:
    """Number of tables with these margins, or ``limit + 1`` as soon as it exceeds ``limit``.

    Dynamic programming cell by cell (column by column, top to bottom), merging partial tables
    that leave the same remaining totals and counting how many lead to each. Every partial table
    can be completed, so the number of partial tables never exceeds the number of tables and
    the count can stop early.
    """
    r = len(rows)
    states = np.array([rows], dtype=np.int64)  # remaining row totals
    weights = np.ones(1)  # number of partial tables leading to each state
    radices = np.array([v + 1 for v in rows] + [max(cols) + 1], dtype=np.int64)
    for col_total in cols[:-1]:
        col_left = np.full(len(states), col_total, dtype=np.int64)
        for i in range(r - 1):
            parent, value = _expand_cell(states, col_left, i)
            keys = np.column_stack([states[parent], col_left[parent] - value])
            keys[:, i] -= value
            keys, weights = _merge_states(keys, weights[parent], radices)
            states, col_left = keys[:, :r].copy(), keys[:, r].copy()
            if weights.sum() > limit:
                return limit + 1
        states[:, r - 1] -= col_left  # the last cell of the column is what is left
        states, weights = _merge_states(states, weights, radices[:r])
    total = float(weights.sum())
    return int(round(total)) if total <= limit else limit + 1


def _log_probability(counts: np.ndarray) -> float:
    """Log multivariate hypergeometric probability of a table given its margins."""
    rows = counts.sum(axis=1)
    cols = counts.sum(axis=0)
    n = counts.sum()
    return float(
        gammaln(rows + 1).sum()
        + gammaln(cols + 1).sum()
        - gammaln(n + 1)
        - gammaln(counts + 1).sum()
    )


@functools.lru_cache(maxsize=16)
def _null_distribution(
    rows: tuple[int, ...], cols: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """All tables with these margins, as sorted log-probabilities and their running log-sum.

    Complete enumeration, vectorised: the tables are built column by column and, within a
    column, cell by cell; at each cell every partial table is extended by every feasible value
    (at most what is left of its row and of its column, at least what the rows below cannot
    absorb), so no dead end is ever built and the largest intermediate array has at most as many
    rows as there are tables. For a 2xK table this is the set of first-row vectors with the given
    column totals and row total. The result is cached by margins: testing another table with the
    same margins costs one dictionary lookup and one binary search.

    Returns ``(log_p, log_cum)``: ``log_p`` ascending, ``log_cum[k] = log(sum(exp(log_p[:k+1])))``.
    Both arrays are read-only.
    """
    r = len(rows)
    n = sum(rows)
    states = np.array([rows], dtype=np.int64)
    log_w = np.zeros(1)  # -sum(log x_ij!) over the cells filled so far
    for col_total in cols[:-1]:
        col_left = np.full(len(states), col_total, dtype=np.int64)
        for i in range(r - 1):
            parent, value = _expand_cell(states, col_left, i)
            states = states[parent]
            states[:, i] -= value
            col_left = col_left[parent] - value
            log_w = log_w[parent] - gammaln(value + 1)
        states[:, r - 1] -= col_left
        log_w = log_w - gammaln(col_left + 1)
    log_w = log_w - gammaln(states + 1).sum(axis=1)  # the last column is what is left
    constant = (
        gammaln(np.array(rows) + 1).sum() + gammaln(np.array(cols) + 1).sum() - gammaln(n + 1)
    )
    log_p = np.sort(log_w + constant)
    log_cum = np.logaddexp.accumulate(log_p)
    log_p.setflags(write=False)
    log_cum.setflags(write=False)
    return log_p, log_cum


@functools.lru_cache(maxsize=4096)
def _column_fillings(caps: tuple[int, ...], total: int) -> tuple[np.ndarray, np.ndarray]:
    """All ways to split ``total`` over cells capped by ``caps``, with their -sum(log y!)."""
    r = len(caps)
    states = np.array([caps], dtype=np.int64)
    left = np.array([total], dtype=np.int64)
    for i in range(r - 1):
        parent, value = _expand_cell(states, left, i)
        states = states[parent]
        states[:, i] -= value
        left = left[parent] - value
    states[:, r - 1] -= left
    fillings = np.asarray(caps, dtype=np.int64)[None, :] - states
    return fillings, -gammaln(fillings + 1).sum(axis=1)


def _max_log_weight(caps: np.ndarray, totals: np.ndarray) -> float:
    """Upper bound on max -sum(log y!) over tables with the given margins.

    Each total is split as evenly as its caps allow (water-filling), which maximises the concave
    -sum(log y!) for that line alone; ignoring the other margin can only raise the maximum.
    """
    order = np.sort(caps)
    bound = 0.0
    for total in totals:
        left = int(total)
        k = len(order)
        values = []
        for idx, cap in enumerate(order):
            m = k - idx
            if int(cap) * m <= left:
                values.append(int(cap))
                left -= int(cap)
            else:
                base, extra = divmod(left, m)
                values.extend([base + 1] * extra + [base] * (m - extra))
                break
        bound -= float(gammaln(np.asarray(values) + 1.0).sum())
    return bound


def _network_p_value(counts: np.ndarray) -> float:
    """Freeman-Halton p-value without listing every table (a simple network algorithm).

    The tables are built column by column; a node is the multiset of remaining row totals, and
    each node carries the distinct "past" weights -sum(log y!) of the columns already filled,
    with how many partial tables share them. For each (node, past) pair: if even the most
    probable completion stays at or below the threshold, all completions count and their total
    weight is known in closed form (sum over completions of prod 1/y! = m! / (prod a_i!
    prod c_j!)); if even the least probable completion exceeds it, none counts; otherwise the
    next column is filled. Same p-value as complete enumeration (Mehta & Patel 1983 idea, with
    simple bounds), used when there are too many tables to enumerate.
    """
    row_tuple, col_tuple = _canonical_margins(counts)
    rows = np.array(row_tuple, dtype=np.int64)
    cols = np.array(col_tuple[::-1], dtype=np.int64)  # largest columns first (faster pruning)
    n = int(rows.sum())
    constant = float(gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(n + 1))
    threshold = _log_probability(counts) + math.log1p(_RELATIVE_TIE) - constant
    nodes: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {
        row_tuple: (np.zeros(1), np.ones(1))
    }
    total = 0.0
    for k in range(len(cols) + 1):
        remaining = cols[k:]
        log_cols = float(gammaln(remaining + 1).sum())
        children: dict[tuple[int, ...], list] = {}
        for node, (past, mult) in nodes.items():
            a = np.array(node, dtype=np.int64)
            log_rows = float(gammaln(a + 1).sum())
            future_total = float(gammaln(a.sum() + 1)) - log_rows - log_cols
            upper = min(_max_log_weight(a, remaining), _max_log_weight(remaining, a))
            lower = max(-log_rows, -log_cols)
            done = past + upper <= threshold
            if done.any():
                total += float((mult[done] * np.exp(past[done] + future_total + constant)).sum())
            keep = ~done & (past + lower <= threshold)
            if k == len(cols) or not keep.any():
                continue
            past, mult = past[keep], mult[keep]
            fillings, log_f = _column_fillings(node, int(cols[k]))
            left = a[None, :] - fillings
            left.sort(axis=1)
            for child, weight in zip(map(tuple, left.tolist()), log_f):
                children.setdefault(child, []).append((past + weight, mult))
        nodes = {}
        for child, parts in children.items():
            past = np.concatenate([p for p, _ in parts])
            mult = np.concatenate([m for _, m in parts])
            key = np.round(past, 9)  # merge equal pasts (sums of the same terms in other orders)
            unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
            nodes[child] = (
                past[first],
                np.bincount(inverse.ravel(), weights=mult, minlength=len(unique)),
            )
    return float(min(1.0, total))


def exact_conditional_p(table, *, max_tables: int = DEFAULT_MAX_TABLES) -> float:
    """Exact conditional test of independence in an r x c table (Fisher / Freeman-Halton).

    Under independence and given both margins, the table follows the multivariate
    hypergeometric distribution ``P(x) = prod(r_i!) prod(c_j!) / (n! prod(x_ij!))``. The p-value is
    the total probability of all tables with the same margins that are at most as probable as
    the observed one: ``sum P(y) over P(y) <= P(x) (1 + 1e-7)`` (Freeman & Halton 1951; the
    ordering and tolerance of R's ``fisher.test``). For a 2x2 table this is Fisher's two-sided
    exact test and equals ``scipy.stats.fisher_exact``.

    Computed by complete enumeration (see :func:`_null_distribution`), cached by margins, when
    at most ``max_tables`` tables share the margins; otherwise by a network algorithm that
    gives the same p-value without listing every table (see :func:`_network_p_value`; its
    running time grows with the table, so keep r x c tables moderate). Raises
    :class:`NotTestable` for zero margins. Deterministic: unlike ``scipy.stats.fisher_exact`` on
    tables larger than 2x2, no random sampling is involved.
    """
    counts = _testable_table(table)
    rows, cols = _canonical_margins(counts)
    if _count_tables(rows, cols, max_tables) > max_tables:
        return _network_p_value(counts)
    log_p, log_cum = _null_distribution(rows, cols)
    threshold = _log_probability(counts) + math.log1p(_RELATIVE_TIE)
    index = int(np.searchsorted(log_p, threshold, side="right"))
    if index == 0:  # cannot happen (the observed table is in the set); defensive
        index = 1
    return float(min(1.0, math.exp(log_cum[index - 1] - log_cum[-1])))


def monte_carlo_p(table, resamples: int, seed: int) -> tuple[float, float]:
    """Monte Carlo p-value of Pearson's X^2 under independence with both margins fixed.

    The observed table is expanded into n (row label, column label) pairs; each resample shuffles
    the column labels against the row labels (a uniform random permutation, which draws a table
    from the multivariate hypergeometric null distribution, as R's
    ``chisq.test(simulate.p.value = TRUE)``), and recomputes X^2. The p-value is
    ``(1 + #{X^2_resampled >= X^2_observed}) / (resamples + 1)`` (ties within a relative 1e-10
    count as >=) and its Monte Carlo standard error is ``sqrt(p (1 - p) / resamples)``.

    The random numbers come from ``numpy.random.Generator(PCG64(seed))`` only. Use for tables with
    too many tables sharing their margins to enumerate. Note that the ordering statistic is X^2,
    not the table probability used by :func:`exact_conditional_p`, so the two estimate
    (slightly) different exact p-values.

    Returns ``(p_value, standard_error)``.
    """
    counts = _testable_table(table)
    resamples = int(resamples)
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    r, c = counts.shape
    n = int(counts.sum())
    rows = counts.sum(axis=1)
    cols = counts.sum(axis=0)
    inverse_expected = (n / np.outer(rows, cols)).ravel()  # 1 / E_ij
    cell_rows, cell_cols = np.divmod(np.repeat(np.arange(r * c), counts.ravel()), c)
    # X^2 = sum(O^2 / E) - n, so comparing sum(O^2 / E) is the same and avoids a cancellation.
    observed = float((counts.ravel() ** 2 * inverse_expected).sum())
    threshold = observed * (1.0 - _STATISTIC_TIE)

    rng = np.random.Generator(np.random.PCG64(seed))
    chunk = max(1, min(resamples, _CHUNK_ELEMENTS // max(n, 1)))
    exceed = 0
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        shuffled = rng.permuted(np.broadcast_to(cell_cols, (size, n)), axis=1)
        codes = (np.arange(size)[:, None] * (r * c) + cell_rows[None, :] * c + shuffled).ravel()
        tables = np.bincount(codes, minlength=size * r * c).reshape(size, r * c)
        statistic = (tables.astype(float) ** 2 * inverse_expected).sum(axis=1)
        exceed += int(np.count_nonzero(statistic >= threshold))
        done += size
    p_value = (1 + exceed) / (resamples + 1)
    return float(p_value), float(math.sqrt(p_value * (1.0 - p_value) / resamples))


def independence_test(
    table,
    *,
    seed: int,
    resamples: int = 20000,
    max_enumerated_tables: int = DEFAULT_MAX_TABLES,
) -> dict:
    """Test of independence in an r x c table, choosing the p-value that can be trusted.

    Always computes Pearson's X^2 (no continuity correction), its df and asymptotic p-value, and
    whether Cochran's rule holds (:func:`cochran_rule`). When the rule fails, the exact conditional
    p-value (:func:`exact_conditional_p`) is computed when at most ``max_enumerated_tables`` tables
    share the margins, and always for a 2x2 table (network algorithm above). ``p_value`` is:

    * the asymptotic chi-square p-value when Cochran's rule holds (method "Pearson chi-square");
    * otherwise, for a 2x2 table, Fisher's exact test ("Fisher exact test");
    * otherwise the exact conditional test by complete enumeration ("exact conditional test
      (Freeman-Halton), complete enumeration") when the tables can be enumerated;
    * otherwise a Monte Carlo exact conditional test of X^2 (:func:`monte_carlo_p`, method
      "Monte Carlo exact conditional test, N resamples, seed S").

    Deterministic for a given ``seed``. Raises :class:`NotTestable` for zero margins.

    Returns ``dict(statistic, df, p_value_asymptotic, cochran_rule_holds, p_value_exact,
    p_value_monte_carlo, monte_carlo_se, p_value, method)``; the exact and Monte Carlo entries are
    None when not computed.
    """
    counts = _testable_table(table)
    pearson = pearson_chi_square(counts)
    holds = cochran_rule(pearson["expected"])
    p_exact = p_mc = se_mc = None
    if holds:  # the exact p-value is not needed, and costs more the larger the table's counts
        return {
            "statistic": pearson["statistic"], "df": pearson["df"], "p_value_asymptotic": pearson["p_value"],
            "cochran_rule_holds": holds, "p_value_exact": None, "p_value_monte_carlo": None,
            "monte_carlo_se": None, "p_value": pearson["p_value"], "method": "Pearson chi-square",
        }
    rows, cols = _canonical_margins(counts)
    enumerable = _count_tables(rows, cols, max_enumerated_tables) <= max_enumerated_tables
    p_exact = exact_conditional_p(counts, max_tables=max_enumerated_tables) if enumerable or counts.shape == (2, 2) else None
    if counts.shape == (2, 2):
        p_value, method = p_exact, "Fisher exact test"
    elif enumerable:
        p_value, method = p_exact, "exact conditional test (Freeman-Halton), complete enumeration"
    else:
        p_mc, se_mc = monte_carlo_p(counts, resamples, seed)
        p_value = p_mc
        method = f"Monte Carlo exact conditional test, {int(resamples)} resamples, seed {seed}"
    return {
        "statistic": pearson["statistic"],
        "df": pearson["df"],
        "p_value_asymptotic": pearson["p_value"],
        "cochran_rule_holds": holds,
        "p_value_exact": p_exact,
        "p_value_monte_carlo": p_mc,
        "monte_carlo_se": se_mc,
        "p_value": p_value,
        "method": method,
    }


# ----------------------------------------------------------------------------------------------
# Effect sizes for contingency tables
# ----------------------------------------------------------------------------------------------


def cramers_v(table) -> float:
    """Cramer's V = sqrt(X^2 / (n (min(r, c) - 1))), with the uncorrected Pearson X^2.

    0 means independence in the sample, 1 a perfect association; for a 2x2 table it is |phi|.
    Raises :class:`NotTestable` for zero margins.
    """
    counts = _testable_table(table)
    statistic = pearson_chi_square(counts)["statistic"]
    n = counts.sum()
    return float(math.sqrt(statistic / (n * (min(counts.shape) - 1))))


def cramers_v_corrected(table) -> float:
    """Bias-corrected Cramer's V (Bergsma 2013, J. Korean Stat. Soc. 42:323-328).

    Plain V overestimates the association in small samples (its expectation under independence
    is about sqrt(df / (n (k - 1))), not 0). With phi^2 = X^2 / n:

    * phi^2_+ = max(0, phi^2 - (r - 1)(c - 1) / (n - 1))
    * r~ = r - (r - 1)^2 / (n - 1) and c~ = c - (c - 1)^2 / (n - 1)
    * V~ = sqrt(phi^2_+ / min(r~ - 1, c~ - 1))

    Raises :class:`NotTestable` for zero margins or n < 2.
    """
    counts = _testable_table(table)
    n = int(counts.sum())
    if n < 2:
        raise NotTestable("the bias correction needs at least two observations")
    r, c = counts.shape
    phi2 = pearson_chi_square(counts)["statistic"] / n
    phi2_plus = max(0.0, phi2 - (r - 1) * (c - 1) / (n - 1))
    r_tilde = r - (r - 1) ** 2 / (n - 1)
    c_tilde = c - (c - 1) ** 2 / (n - 1)
    denominator = min(r_tilde - 1, c_tilde - 1)
    if denominator <= 0:
        raise NotTestable("the sample is too small for the bias-corrected Cramer's V")
    return float(math.sqrt(phi2_plus / denominator))


def _ncp_for_cdf(statistic: float, df: int, target: float) -> float:
    """The noncentrality lambda with ncx2.cdf(statistic, df, lambda) = target (cdf decreases)."""

    def gap(lam: float) -> float:
        return float(scipy.stats.ncx2.cdf(statistic, df, lam)) - target

    high = max(1.0, statistic)
    while gap(high) > 0:
        high *= 2.0
        if high > 1e9:  # pragma: no cover - only for absurd statistics
            raise ArithmeticError("could not bracket the noncentrality parameter")
    return float(
        scipy.optimize.brentq(gap, 0.0, high, xtol=1e-12, rtol=4 * np.finfo(float).eps, maxiter=500)
    )


def cramers_v_interval(
    table, confidence: float = 0.95, *, convention: str = "smithson"
) -> tuple[float, float]:
    """Confidence interval for the population Cramer's V by inverting the noncentral chi-square.

    Under an association X^2 is approximately noncentral chi-square with df = (r - 1)(c - 1) and
    noncentrality lambda. With alpha = 1 - confidence, the interval for lambda is
    [lambda_L, lambda_U] where ``ncx2.cdf(X^2, df, lambda_L) = 1 - alpha/2`` and
    ``ncx2.cdf(X^2, df, lambda_U) = alpha/2`` (roots found with ``scipy.optimize.brentq``); a
    bound is 0 when ``ncx2.cdf(X^2, df, 0)`` (the central chi-square cdf) is already at or below
    its target (X^2 too small). The bounds for lambda are then mapped to V with k = min(r, c):

    * ``convention="smithson"`` (default): V = sqrt((lambda + df) / (n (k - 1))), Smithson (2003,
      *Confidence Intervals*, Sage, p. 40, eq. 4.13; worked example p. 41), as in R's
      ``confintr::ci_cramersv``; when lambda_L = 0 the lower bound of V is set to 0 (otherwise it
      would be sqrt(df / (n (k - 1))) > 0 even for a non-significant table), so the lower bound
      is positive exactly when the chi-square test at level alpha/2 rejects independence.
    * ``convention="ncp"``: V = sqrt(lambda / (n (k - 1))), the population value implied by the
      noncentrality (lambda = n phi^2), used by Bonett's ``statpsych::ci.cramer`` since version
      1.5, which calls the "+ df" of Smithson's equation an error; both ends are lower.

    Both bounds are capped at 1. Raises :class:`NotTestable` for zero margins.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be strictly between 0 and 1")
    if convention not in ("smithson", "ncp"):
        raise ValueError("convention must be 'smithson' or 'ncp'")
    counts = _testable_table(table)
    pearson = pearson_chi_square(counts)
    return _cramers_v_bounds(
        pearson["statistic"],
        pearson["df"],
        int(counts.sum()),
        min(counts.shape),
        confidence,
        convention,
    )


def _cramers_v_bounds(
    statistic: float, df: int, n: int, k: int, confidence: float, convention: str
) -> tuple[float, float]:
    """The interval of :func:`cramers_v_interval` from X^2, df, n and k = min(r, c)."""
    alpha = 1.0 - confidence
    central_cdf = float(scipy.stats.chi2.cdf(statistic, df))
    lower_target, upper_target = 1.0 - alpha / 2.0, alpha / 2.0
    lam_low = 0.0 if central_cdf <= lower_target else _ncp_for_cdf(statistic, df, lower_target)
    lam_high = 0.0 if central_cdf <= upper_target else _ncp_for_cdf(statistic, df, upper_target)
    shift = df if convention == "smithson" else 0

    def to_v(lam: float) -> float:
        return min(1.0, math.sqrt((lam + shift) / (n * (k - 1))))

    low = 0.0 if lam_low == 0.0 else to_v(lam_low)
    return float(low), float(to_v(lam_high))


# Above this many observations (and with no zero cell) the odds ratio is the sample one with
# Woolf's interval: the conditional estimate's exact interval costs more the larger the counts,
# and the two agree closely at that size.
OR_MAX_CONDITIONAL = 2000


def odds_ratio_2x2(table, confidence: float = 0.95) -> dict:
    """Conditional maximum-likelihood odds ratio of a 2x2 table with its exact interval (up to
    OR_MAX_CONDITIONAL observations; above, the sample odds ratio with Woolf's interval).

    The estimate maximises the conditional (noncentral hypergeometric) likelihood given the
    margins, and the interval inverts the two one-sided exact tests, through
    ``scipy.stats.contingency.odds_ratio(table, kind="conditional")``: the same quantities as R's
    ``fisher.test``. The odds ratio is (a d) / (b c) for the table [[a, b], [c, d]] read as rows =
    groups, columns = outcome yes / no.

    Zero cells are NOT shifted (unlike ``statsmodels`` ``Table2x2(shift_zeros=True)``, which adds
    0.5 to every cell): a zero cell gives an estimate of 0 or infinity with an exact interval that
    is still valid, e.g. [0, upper] or [lower, inf]. The caller's array is never modified (the
    function works on a copy). Raises :class:`NotTestable` for a zero margin.

    Returns ``dict(odds_ratio, ci_low, ci_high, kind)``.
    """
    counts = _count_table(table)
    if counts.shape != (2, 2):
        raise ValueError(f"odds_ratio_2x2 needs a 2x2 table, got shape {counts.shape}")
    counts = _testable_table(counts)
    if counts.sum() > OR_MAX_CONDITIONAL and counts.min() > 0:
        result = _scipy_odds_ratio(counts.copy(), kind="sample")
        kind = (f"sample odds ratio with Woolf (log) {confidence * 100:g}% interval "
                f"({int(counts.sum())} plans, above the {OR_MAX_CONDITIONAL} of the conditional estimate)")
    else:
        result = _scipy_odds_ratio(counts.copy(), kind="conditional")
        kind = (f"conditional maximum-likelihood odds ratio with exact {confidence * 100:g}% interval "
                "(as R fisher.test), zero cells not shifted")
    interval = result.confidence_interval(confidence_level=confidence, alternative="two-sided")
    return {
        "odds_ratio": float(result.statistic),
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
        "kind": kind,
    }


def risk_difference(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95) -> dict:
    """Difference of two independent proportions x1/n1 - x2/n2 with Newcombe's hybrid score
    interval (Newcombe 1998, Statistics in Medicine 17:873-890, method 10).

    Why this effect size beside the odds ratio: it reads directly ("12 percentage points more
    plans"), it stays finite when a cell is zero (where the odds ratio is 0 or infinite), and
    Newcombe's interval, built from the two Wilson intervals l_i, u_i, keeps close to nominal
    coverage with small groups: ``[d - sqrt((p1 - l1)^2 + (u2 - p2)^2), d + sqrt((u1 - p1)^2 +
    (p2 - l2)^2)]``. Returns ``dict(difference, ci_low, ci_high)`` as proportions (-1 to 1);
    raises :class:`NotTestable` for an empty group.
    """
    if n1 == 0 or n2 == 0:
        raise NotTestable("a group has no plan; the difference of shares is undefined")
    z = float(scipy.stats.norm.ppf(0.5 + confidence / 2))

    def wilson(x: int, n: int) -> tuple[float, float, float]:
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return p, max(0.0, centre - half), min(1.0, centre + half)

    p1, l1, u1 = wilson(x1, n1)
    p2, l2, u2 = wilson(x2, n2)
    d = p1 - p2
    return {"difference": d, "ci_low": d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            "ci_high": d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)}


def paired_risk_difference(b: int, c: int, n: int, confidence: float = 0.95) -> dict:
    """Difference of two proportions measured on the same n plans, (b - c) / n, with an interval
    conditional on the b + c discordant plans: the exact (Clopper-Pearson) interval of
    b / (b + c), mapped through d = (b + c) / n x (2 pi - 1).

    The matched odds ratio b / c is infinite when c = 0; this difference stays finite and says
    how many percentage points more plans have the first indicator than the second. The
    interval treats the number of discordant plans as fixed (as the exact McNemar test does).
    Returns ``dict(difference, ci_low, ci_high)`` as proportions.
    """
    b, c, n = _whole(b, "b"), _whole(c, "c"), _whole(n, "n")
    if n == 0:
        raise NotTestable("no plan")
    if b + c == 0:
        return {"difference": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    interval = scipy.stats.binomtest(b, b + c).proportion_ci(confidence_level=confidence, method="exact")
    scale = (b + c) / n
    return {"difference": (b - c) / n, "ci_low": scale * (2 * interval.low - 1), "ci_high": scale * (2 * interval.high - 1)}


# ----------------------------------------------------------------------------------------------
# Trend tests
# ----------------------------------------------------------------------------------------------


def cochran_armitage(table_2xK, scores=None) -> dict:
    """Cochran-Armitage test for a linear trend in proportions across ordered groups.

    ``table_2xK``: first row = successes x_j, second row = failures, columns = the ordered groups
    (n_j = column totals, N = total). ``scores`` default to 0, 1, ..., K-1. With p = sum(x_j) / N:

        z = sum(s_j (x_j - n_j p)) / sqrt(p (1 - p) [sum(n_j s_j^2) - (sum(n_j s_j))^2 / N])

    z^2 equals the ``X-squared`` of R's ``prop.trend.test`` and N r^2, where r is the Pearson
    correlation between score and outcome over the N individuals (Agresti 2002, *Categorical
    Data Analysis*, 2nd ed.: the Cochran-Armitage statistic is the score test of the linear
    logit/probability model, and Agresti's linear-trend M^2 = (N - 1) r^2 is the same up to the
    factor (N - 1) / N).

    Returns ``dict(z, p_two_sided, p_increasing, p_decreasing)``; ``p_increasing`` is the
    one-sided p-value for the proportion of successes increasing with the score (z > 0).
    Raises :class:`NotTestable` when all outcomes are equal or the scores do not vary.
    """
    counts = _count_table(table_2xK, name="table_2xK")
    if counts.shape[0] != 2 or counts.shape[1] < 2:
        raise ValueError(
            f"cochran_armitage needs a 2xK table with K >= 2, got shape {counts.shape}"
        )
    k = counts.shape[1]
    s = np.arange(k, dtype=float) if scores is None else np.asarray(scores, dtype=float).ravel()
    if s.shape != (k,):
        raise ValueError(f"need {k} scores, got {s.size}")
    successes = counts[0].astype(float)
    n_j = counts.sum(axis=0).astype(float)
    total = n_j.sum()
    if total == 0:
        raise NotTestable("the table is empty")
    p_bar = successes.sum() / total
    if p_bar in (0.0, 1.0):
        raise NotTestable(
            "every observation has the same outcome; there is no proportion to compare"
        )
    score_ss = float((n_j * s**2).sum() - (n_j * s).sum() ** 2 / total)
    if score_ss <= 1e-12 * max(1.0, float((n_j * s**2).sum())):
        raise NotTestable("the scores of the non-empty groups do not vary")
    numerator = float((s * (successes - n_j * p_bar)).sum())
    z = numerator / math.sqrt(p_bar * (1.0 - p_bar) * score_ss)
    return {
        "z": z,
        "p_two_sided": float(2.0 * scipy.stats.norm.sf(abs(z))),
        "p_increasing": float(scipy.stats.norm.sf(z)),
        "p_decreasing": float(scipy.stats.norm.cdf(z)),
    }


def _jt_statistic(groups: Sequence[np.ndarray]) -> float:
    """J = sum over ordered group pairs i < j of #{x_j > x_i} + 0.5 #{x_j == x_i}, computed from
    midranks (see :func:`_jt_from_ranks`) in O(N log N) rather than by comparing every pair."""
    sizes = np.array([len(g) for g in groups])
    return float(_jt_from_ranks(np.concatenate(groups), sizes)[0])


# Above this many observations the Jonckheere-Terpstra p-value comes from the normal
# approximation (its tie-corrected variance is the exact permutation variance, and J is then
# very close to normal), because the permutation resamples cost resamples x N.
JT_MAX_PERMUTED = 1000
# Permutations behind each Jonckheere-Terpstra p-value (the stability stage reuses the same ones).
JT_RESAMPLES = 20000


def jonckheere_terpstra(groups: Sequence, *, seed: int, resamples: int = JT_RESAMPLES,
                        max_permuted: int = JT_MAX_PERMUTED) -> dict:
    """Jonckheere-Terpstra test against an increasing ordered alternative.

    Values are compared after :func:`rank_values` (true ties lost to rounding are restored).

    ``groups``: the samples in their hypothesised order (e.g. mobilisation levels 1 to 4).
    J = sum_{i<j} sum_{a in g_i} sum_{b in g_j} ([b > a] + 0.5 [b == a]), large when values
    increase along the order. Under the null (all groups from one distribution) E(J) =
    (N^2 - sum n_i^2) / 4 and, with t_k the sizes of the groups of tied values, the exact
    conditional variance given the ties is (Lehmann 1975, *Nonparametrics*; Hollander & Wolfe
    1999, *Nonparametric Statistical Methods*, 2nd ed., sect. 6.2, large-sample approximation
    with ties; the tests check it equals the variance of the complete permutation
    distribution):

        Var(J) = [N(N-1)(2N+5) - sum n_i(n_i-1)(2n_i+5) - sum t_k(t_k-1)(2t_k+5)] / 72
               + [sum n_i(n_i-1)(n_i-2)] [sum t_k(t_k-1)(t_k-2)] / [36 N(N-1)(N-2)]
               + [sum n_i(n_i-1)] [sum t_k(t_k-1)] / [8 N(N-1)]

    z = (J - E(J)) / sqrt(Var(J)), without continuity correction; ``p_increasing`` is the upper
    normal tail and ``p_two_sided`` twice the smaller tail. Because counts (numbers of strategies
    per plan ...) have many ties, a permutation p-value is also given: the pooled values are
    shuffled across the groups (sizes fixed) ``resamples`` times with
    ``Generator(PCG64(seed))``, p = (1 + #{J* >= J}) / (resamples + 1), with its standard error.

    Returns ``dict(J, z, p_increasing, p_two_sided, p_value_permutation_increasing,
    permutation_se, p_value_permutation_two_sided, permutation_two_sided_se, p_value, method)``;
    ``p_value`` is the two-sided permutation p-value, or the normal one above ``max_permuted``
    observations (then the permutation entries are None). Raises :class:`NotTestable` with fewer than two non-empty groups or
    when all values are equal.
    """
    samples = [rank_values(_sample(g, f"group {i}")) for i, g in enumerate(groups)]
    if len(samples) < 2:
        raise NotTestable("the Jonckheere-Terpstra test needs at least two groups")
    sizes = np.array([len(g) for g in samples], dtype=float)
    pooled = np.concatenate(samples)
    n = float(pooled.size)
    _, ties = np.unique(pooled, return_counts=True)
    ties = ties.astype(float)
    if ties.size == 1:
        raise NotTestable("all values are equal; there is no order to test")
    j_value = _jt_statistic(samples)
    mean = (n**2 - (sizes**2).sum()) / 4.0
    variance = (
        n * (n - 1) * (2 * n + 5)
        - (sizes * (sizes - 1) * (2 * sizes + 5)).sum()
        - (ties * (ties - 1) * (2 * ties + 5)).sum()
    ) / 72.0
    if n > 2:
        variance += (
            (sizes * (sizes - 1) * (sizes - 2)).sum() * (ties * (ties - 1) * (ties - 2)).sum()
        ) / (36.0 * n * (n - 1) * (n - 2))
    variance += ((sizes * (sizes - 1)).sum() * (ties * (ties - 1)).sum()) / (8.0 * n * (n - 1))
    if variance <= 0:
        raise NotTestable("J has no variance under the null hypothesis for these data")
    z = (j_value - mean) / math.sqrt(variance)

    if pooled.size > max_permuted:
        p_perm = se_perm = p_perm_two = se_perm_two = None
        method = (f"Jonckheere-Terpstra test, normal approximation with tie-corrected variance "
                  f"({pooled.size} observations, above the {max_permuted} permuted)")
    else:
        p_perm, se_perm, p_perm_two, se_perm_two = _jt_permutation(pooled, sizes.astype(int), j_value, mean,
                                                                   int(resamples), seed)
        method = (f"Jonckheere-Terpstra test, permutation p-value from {int(resamples)} resamples (seed {seed}); "
                  "normal approximation with tie-corrected variance for z")
    return {
        "J": j_value,
        "z": float(z),
        "p_increasing": float(scipy.stats.norm.sf(z)),
        "p_two_sided": float(2.0 * scipy.stats.norm.sf(abs(z))),
        "p_value_permutation_increasing": p_perm,
        "permutation_se": se_perm,
        "p_value_permutation_two_sided": p_perm_two,
        "permutation_two_sided_se": se_perm_two,
        "p_value": p_perm_two if p_perm_two is not None else float(2.0 * scipy.stats.norm.sf(abs(z))),
        "method": method,
    }


def _jt_from_ranks(arranged: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """J for each row of ``arranged`` (values laid out group after group, group sizes ``sizes``).

    Uses J = sum_{g >= 2} [R_g - n_g (n_g + 1) / 2], where R_g is the sum of the midranks of group
    g within the pool of groups 1..g: the midrank of a value in that pool counts the smaller
    values of the earlier groups, half the tied ones, and (n_g + 1) / 2 on average from its own
    group. O(N log N) per row instead of the O(N^2) pair count.
    """
    arranged = np.atleast_2d(arranged)
    ends = np.cumsum(sizes)
    j_values = np.zeros(arranged.shape[0])
    for g in range(1, len(sizes)):
        ranks = scipy.stats.rankdata(arranged[:, : ends[g]], axis=1)
        j_values += ranks[:, ends[g - 1] : ends[g]].sum(axis=1) - sizes[g] * (sizes[g] + 1) / 2.0
    return j_values


def jt_from_codes(codes: np.ndarray, sizes: np.ndarray, width: int) -> np.ndarray:
    """J for each row of ``codes``, the dense codes (0 .. width - 1, in the order of the values,
    tied values sharing a code) of values laid out group after group (group sizes ``sizes``):
    the same numbers as :func:`_jt_from_ranks` on the values, bit for bit.

    Each value v of group g scores, against the groups before g, 2 x (earlier values below v) +
    (earlier values equal to v), so 2J is an integer sum of (count of v in g) x (score of v),
    taken from per-row value counts (one bincount per group) instead of ranking each row: the
    cost grows with the number of distinct values, not with N log N per row.
    """
    codes = np.atleast_2d(codes)
    rows = codes.shape[0]
    ends = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    offsets = (np.arange(rows) * width)[:, None]
    earlier = np.zeros((rows, width), dtype=np.int64)  # counts of each value in the groups before
    twice = np.zeros(rows, dtype=np.int64)
    for group in range(len(sizes)):
        block = (codes[:, ends[group]:ends[group + 1]] + offsets).ravel()
        counts = np.bincount(block, minlength=rows * width).reshape(rows, width)
        if group:
            below = np.cumsum(earlier, axis=1) - earlier
            twice += ((2 * below + earlier) * counts).sum(axis=1)
        earlier += counts
    # Integer until here; halving is exact, as the midrank sums of the rank version are.
    return twice / 2.0


def _jt_permutation(
    pooled: np.ndarray, sizes: np.ndarray, observed: float, mean: float, resamples: int, seed: int
):
    """Permutation p-values of J (vectorised over resamples): for the increasing alternative
    (J* >= J), and two-sided (|J* - E(J)| >= |J - E(J)|), each with its standard error.

    The permutations shuffle the values' dense codes instead of the values: ``Generator.permuted``
    draws the same random numbers whatever it shuffles, so the arrangements are those of the
    values, and J of each comes from value counts, exactly as from ranks: by the compiled loop of
    :mod:`rlp_pipeline.stats.jonckheere` (the numbers of :func:`jt_from_codes`, several times
    faster; imported here so that only processes that permute pay Numba's start-up).
    """
    from .jonckheere import jt_of_shuffles

    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    n = pooled.size
    values, codes = np.unique(pooled, return_inverse=True)
    codes = codes.reshape(n).astype(np.int64, copy=False)
    rng = np.random.Generator(np.random.PCG64(seed))
    chunk = max(1, min(resamples, _CHUNK_ELEMENTS // max(n, 1)))
    threshold = observed - 1e-9 * max(1.0, abs(observed))  # J is a multiple of 1/2
    distance = abs(observed - mean) - 1e-9 * max(1.0, abs(observed))
    exceed = exceed_two = 0
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        shuffled = rng.permuted(np.broadcast_to(codes, (size, n)), axis=1)
        permuted = jt_of_shuffles(codes, shuffled, sizes, len(values))
        exceed += int(np.count_nonzero(permuted >= threshold))
        exceed_two += int(np.count_nonzero(np.abs(permuted - mean) >= distance))
        done += size
    p_value = (1 + exceed) / (resamples + 1)
    p_two = (1 + exceed_two) / (resamples + 1)
    return (float(p_value), float(math.sqrt(p_value * (1.0 - p_value) / resamples)),
            float(p_two), float(math.sqrt(p_two * (1.0 - p_two) / resamples)))


# ----------------------------------------------------------------------------------------------
# Multiple testing
# ----------------------------------------------------------------------------------------------


def holm(p_values) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, controlling the family-wise error rate.

    With the m valid p-values sorted ascending p_(1) <= ... <= p_(m), the adjusted value is
    ``min(1, max_{j <= i} (m - j + 1) p_(j))`` (monotone in the raw order, never below the raw
    p-value, at most 1). NaN entries (tests that could not be run) are passed through as NaN and
    do not count in m. Returns a new float array of the input's shape.
    """
    raw = np.asarray(p_values, dtype=float)
    flat = raw.ravel()
    adjusted = np.full(flat.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(flat))
    if valid.size:
        values = flat[valid]
        if np.any((values < 0) | (values > 1)):
            raise ValueError("p-values must lie between 0 and 1")
        order = np.argsort(values, kind="stable")
        m = values.size
        stepped = np.maximum.accumulate((m - np.arange(m)) * values[order])
        result = np.empty(m)
        result[order] = np.minimum(1.0, stepped)
        adjusted[valid] = result
    return adjusted.reshape(raw.shape)


# ----------------------------------------------------------------------------------------------
# Rank tests for two or more independent samples
# ----------------------------------------------------------------------------------------------


def mann_whitney(x, y) -> dict:
    """Mann-Whitney U (Wilcoxon rank-sum) test of x against y, with the rank-biserial r.

    Values are compared after :func:`rank_values` (true ties lost to rounding are restored).

    ``U`` is the statistic of x: #{x_i > y_j} + 0.5 #{x_i == y_j}. The p-values come from
    ``scipy.stats.mannwhitneyu`` with the rule of its ``method="auto"`` made explicit (so the
    reported method is the one used): exact distribution when one sample has at most 8 values
    and there are no ties, otherwise the normal approximation with tie correction and continuity
    correction. ``p_greater`` supports "x tends to be larger than y", ``p_less`` the opposite.
    The rank-biserial correlation r = 2U / (n1 n2) - 1 is positive when x tends to be larger
    (Kerby 2014), and lies in [-1, 1].

    Returns ``dict(U, p_two_sided, p_greater, p_less, rank_biserial, method)``.
    """
    a = rank_values(_sample(x, "x"))
    b = rank_values(_sample(y, "y"))
    ties = np.unique(np.concatenate([a, b])).size < a.size + b.size
    method = "asymptotic" if (a.size > 8 and b.size > 8) or ties else "exact"
    results = {
        alt: scipy.stats.mannwhitneyu(a, b, alternative=alt, method=method)
        for alt in ("two-sided", "greater", "less")
    }
    u = float(results["two-sided"].statistic)
    return {
        "U": u,
        "p_two_sided": float(results["two-sided"].pvalue),
        "p_greater": float(results["greater"].pvalue),
        "p_less": float(results["less"].pvalue),
        "rank_biserial": 2.0 * u / (a.size * b.size) - 1.0,
        "method": (
            "Mann-Whitney U, exact distribution"
            if method == "exact"
            else "Mann-Whitney U, normal approximation with tie and continuity corrections"
        ),
    }


def kruskal_wallis(groups: Sequence) -> dict:
    """Kruskal-Wallis H test that k independent samples come from one distribution.

    Values are compared after :func:`rank_values` (true ties lost to rounding are restored).

    H (tie-corrected) and its chi-square p-value with df = k - 1 come from
    ``scipy.stats.kruskal``. The effect size is epsilon^2 = H (n + 1) / (n^2 - 1) = H / (n - 1)
    (Tomczak & Tomczak 2014, Trends Sport Sci. 21:19-25), between 0 and 1.

    Returns ``dict(H, df, p_value, epsilon_squared)``. Raises :class:`NotTestable` with fewer
    than two groups or when all values are equal.
    """
    samples = [rank_values(_sample(g, f"group {i}")) for i, g in enumerate(groups)]
    if len(samples) < 2:
        raise NotTestable("the Kruskal-Wallis test needs at least two groups")
    pooled = np.concatenate(samples)
    if np.unique(pooled).size == 1:
        raise NotTestable("all values are equal; the ranks carry no information")
    n = pooled.size
    result = scipy.stats.kruskal(*samples)
    h = float(result.statistic)
    return {
        "H": h,
        "df": len(samples) - 1,
        "p_value": float(result.pvalue),
        "epsilon_squared": h * (n + 1) / (n**2 - 1),
    }


# ----------------------------------------------------------------------------------------------
# Paired binary data and single proportions
# ----------------------------------------------------------------------------------------------


def cochrans_q(binary_matrix) -> dict:
    """Cochran's Q test that k paired binary outcomes have the same proportion of 1s.

    ``binary_matrix``: subjects (rows) x treatments (columns) of 0/1, e.g. plans x objects
    ("does the plan name this object?"), so one plan naming several objects is handled as
    paired data. With C_j the column totals, R_i the row totals and T the grand total:

        Q = (k - 1) [k sum C_j^2 - T^2] / [k T - sum R_i^2],   df = k - 1

    and the p-value is the upper chi-square tail (Cochran 1950). Subjects with all 0 or all 1
    contribute nothing. Returns ``dict(Q, df, p_value)``; raises :class:`NotTestable` when no
    subject has discordant outcomes (Q undefined).
    """
    data = _count_table(binary_matrix, name="binary_matrix")
    if np.any(data > 1):
        raise ValueError("binary_matrix must contain only 0 and 1")
    k = data.shape[1]
    if k < 2:
        raise NotTestable("Cochran's Q needs at least two treatments (columns)")
    col = data.sum(axis=0).astype(float)
    row = data.sum(axis=1).astype(float)
    total = float(col.sum())
    denominator = k * total - float((row**2).sum())
    if denominator <= 0:
        raise NotTestable("no subject differs between treatments; Cochran's Q is undefined")
    q = (k - 1) * (k * float((col**2).sum()) - total**2) / denominator
    return {"Q": float(q), "df": k - 1, "p_value": float(scipy.stats.chi2.sf(q, k - 1))}


def mcnemar_exact(b: int, c: int) -> dict:
    """Exact (binomial) McNemar test on the discordant pairs of a paired 2x2 table.

    ``b`` = pairs with the first outcome yes and the second no, ``c`` = first no and second yes.
    Under the null each discordant pair is b-type with probability 1/2, so b ~ Binomial(b + c,
    1/2). ``p_two_sided`` = min(1, 2 P(X <= min(b, c))) and ``p_b_greater`` = P(X >= b), the
    one-sided p-value for "the first outcome is more frequent than the second" (b > c). With no
    discordant pair both p-values are 1 (the data cannot contradict the null).

    Returns ``dict(p_two_sided, p_b_greater)``.
    """
    b, c = _whole(b, "b"), _whole(c, "c")
    m = b + c
    if m == 0:
        return {"p_two_sided": 1.0, "p_b_greater": 1.0}
    two_sided = min(1.0, 2.0 * binomial_cdf(min(b, c), m, 0.5))
    return {"p_two_sided": two_sided, "p_b_greater": binomial_sf(b - 1, m, 0.5)}


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), by the function ``scipy.stats.binom.cdf`` calls (Boost's,
    a ufunc of scipy.special; the same number to the last bit, tests/test_inference.py): the
    stability chunks judge thousands of samples with it and need not import scipy.stats."""
    from scipy.special._ufuncs import _binom_cdf

    return 0.0 if k < 0 else 1.0 if k >= n else float(_binom_cdf(k, n, p))


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X > k) for X ~ Binomial(n, p), as ``scipy.stats.binom.sf`` (see :func:`binomial_cdf`)."""
    from scipy.special._ufuncs import _binom_sf

    return 1.0 if k < 0 else 0.0 if k >= n else float(_binom_sf(k, n, p))


def hypergeometric_sf(k: int, population: int, successes: int, draws: int) -> float:
    """P(X > k) for X the successes among ``draws`` taken without replacement from ``population``
    items of which ``successes`` are successes, as ``scipy.stats.hypergeom.sf(k, population,
    successes, draws)`` (the Boost function it calls, 1 and 0 outside the support as it gives
    them; see :func:`binomial_cdf`)."""
    from scipy.special._ufuncs import _hypergeom_sf

    if k < max(0, draws - (population - successes)):
        return 1.0
    if k >= min(draws, successes):
        return 0.0
    return float(_hypergeom_sf(k, successes, draws, population))


def binomial_test(k: int, n: int, p0: float = 0.5) -> dict:
    """Exact binomial test of H0: success probability = p0 (``scipy.stats.binomtest``).

    ``p_greater`` = P(X >= k) supports "probability above p0" (e.g. "the majority ..."), and
    ``p_two_sided`` sums the probabilities of all outcomes at most as likely as k (the method of
    R's ``binom.test``). Returns ``dict(p_greater, p_two_sided)``.

    With p0 = 1/2 (the sign test) the distribution is symmetric, and the outcomes at most as likely
    as k are the two tails beyond min(k, n - k): the p-values are then taken from the binomial
    tail functions scipy.stats.binomtest itself calls (Boost's, ufuncs of scipy.special), summed
    as it sums them, which gives its numbers to the last bit (tests/test_inference.py checks every
    k of every n up to 400) without importing scipy.stats, a third of a second in each stability
    chunk. Other p0 go through ``scipy.stats.binomtest``.
    """
    k, n = _whole(k, "k"), _whole(n, "n")
    if n == 0:
        raise NotTestable("no trials")
    if k > n:
        raise ValueError("k cannot exceed n")
    if p0 == 0.5:
        tail = min(k, n - k)
        two_sided = 1.0 if 2 * k == n else min(1.0, binomial_cdf(tail, n, 0.5) + binomial_sf(n - tail - 1, n, 0.5))
        return {"p_greater": binomial_sf(k - 1, n, 0.5), "p_two_sided": two_sided}
    return {
        "p_greater": float(scipy.stats.binomtest(k, n, p0, alternative="greater").pvalue),
        "p_two_sided": float(scipy.stats.binomtest(k, n, p0, alternative="two-sided").pvalue),
    }


def _whole(value, name: str) -> int:
    """A non-negative whole number given as int, numpy integer or integral float."""
    number = float(value)
    if not math.isfinite(number) or number < 0 or number != round(number):
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    return int(round(number))
