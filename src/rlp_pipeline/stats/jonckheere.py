"""Jonckheere-Terpstra's J on many permutations of one sample, compiled.

The stability stage judges each alternative sample as the tests stage judges the real one: the
permutation p-value of J from the same 20,000 permutations (:func:`inference.jonckheere_terpstra`).
That is 20,000 x n values per sample and component, and it was most of the stage's time in
numpy (one bincount per group, then a cumulative sum over the distinct values, all as
temporary arrays). Here one compiled loop walks each permutation once: it keeps the count of
each value code seen in the earlier groups and, at each group boundary, turns them into each
code's score (2 x earlier values below it + earlier values equal to it), so each value costs
two array look-ups. The arithmetic is on integers (2J), so the result equals
:func:`inference.jt_from_codes` on the permuted codes exactly (tests/test_stability.py checks
it, Hypothesis varying the groups, ties and permutations).

Numba compiles the loop on its first call and keeps the machine code in ``__pycache__`` beside
this file (``cache=True``), so later processes load it instead of compiling again.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _twice_j(codes: np.ndarray, permutations: np.ndarray, ends: np.ndarray, width: int) -> np.ndarray:  # pragma: no cover - compiled
    rows, _ = permutations.shape
    groups = ends.shape[0]
    out = np.empty(rows, np.int64)
    counts = np.zeros(width, np.int64)  # each code's count in the groups before the current one
    score = np.zeros(width, np.int64)  # 2 x (earlier values below the code) + earlier values equal
    for row in range(rows):
        counts[:] = 0
        score[:] = 0
        twice = 0
        start = 0
        for group in range(groups):
            end = ends[group]
            if group > 0:
                below = 0
                for code in range(width):
                    seen = counts[code]
                    score[code] = 2 * below + seen
                    below += seen
            for position in range(start, end):
                code = codes[permutations[row, position]]
                twice += score[code]
                counts[code] += 1
            start = end
        out[row] = twice
    return out


def permuted_jt(codes: np.ndarray, permutations: np.ndarray, sizes: np.ndarray, width: int) -> np.ndarray:
    """J of the values ``codes`` (dense codes 0 .. width - 1 of values laid out group after
    group, group sizes ``sizes``) rearranged by each row of ``permutations`` (row r puts
    ``codes[permutations[r, p]]`` at position p): the numbers :func:`inference.jt_from_codes`
    gives on ``codes[permutations]``, without building that matrix."""
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    permutations = np.ascontiguousarray(permutations)
    sizes = np.asarray(sizes, dtype=np.int64)
    if codes.ndim != 1 or permutations.ndim != 2 or permutations.shape[1] != codes.size or sizes.sum() != codes.size:
        raise ValueError("permuted_jt needs one row of codes, permutations of its length and group sizes summing to it")
    if codes.size and (codes.min() < 0 or codes.max() >= width):
        raise ValueError(f"codes must lie between 0 and width - 1 = {width - 1}")
    # The rows are :func:`stability.permutation_indices` (positions 0 .. n - 1 by construction);
    # checking 20,000 x n of them on every call would cost as much as a tenth of the loop.
    return _twice_j(codes, permutations, np.cumsum(sizes), int(width)) / 2.0


def jt_of_rows(rows: np.ndarray, sizes: np.ndarray, width: int) -> np.ndarray:
    """J of each row of ``rows``, dense codes (0 .. width - 1) laid out group after group: the
    numbers :func:`inference.jt_from_codes` gives on the same matrix (the tests stage shuffles
    the codes themselves, so each row is already a permuted sample)."""
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    sizes = np.asarray(sizes, dtype=np.int64)
    if rows.ndim != 2 or sizes.sum() != rows.shape[1]:
        raise ValueError("jt_of_rows needs a matrix of codes whose rows the group sizes add up to")
    if rows.size and (rows.min() < 0 or rows.max() >= width):
        raise ValueError(f"codes must lie between 0 and width - 1 = {width - 1}")
    # Row r, position p holds rows[r, p] = identity[rows[r, p]]: the loop reads the codes directly.
    return _twice_j(np.arange(width, dtype=np.int64), rows, np.cumsum(sizes), int(width)) / 2.0
