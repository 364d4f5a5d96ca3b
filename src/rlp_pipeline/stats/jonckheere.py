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
this file (``cache=True``), so later processes load it instead of compiling again. Numba
compiles once per combination of argument types, a read-only array being another type than a
writable one: every caller passes the same types (:func:`_narrowest` returns a read-only view),
so that the tests stage, the stability chunks and the calibration share one compiled loop, which
the workflow's ``compile`` rule builds once before them (:func:`compile_loop`): in a fresh
checkout, the three jobs that start together each compiled it (about a second of CPU each).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _twice_j(codes: np.ndarray, permutations: np.ndarray, ends: np.ndarray, width: int,
             score_all: np.ndarray, last_square: int) -> np.ndarray:  # pragma: no cover - compiled
    rows, _ = permutations.shape
    groups = ends.shape[0]
    out = np.zeros(rows, np.int64)
    if groups < 2:
        return out  # one group: no pair of groups, J = 0
    # Four permutations at a time, each with its own counts and scores: consecutive values of one
    # permutation often share a code, and each `counts[code] += 1` then waits for the previous
    # one to be stored; four independent chains let the processor overlap them (about a third
    # faster than one permutation at a time on the shipped data's sizes). The last block repeats
    # the last permutation where fewer than four are left, and keeps only the rows that exist.
    counts = np.zeros((4, width), np.int32)  # each code's count in the groups before the current one
    score = np.zeros((4, width), np.int32)  # 2 x (earlier values below the code) + earlier values equal
    first_end, last_start, last_end = ends[0], ends[groups - 2], ends[groups - 1]
    last = rows - 1
    for row in range(0, rows, 4):
        p0, p1 = permutations[row], permutations[min(row + 1, last)]
        p2, p3 = permutations[min(row + 2, last)], permutations[min(row + 3, last)]
        counts[:, :] = 0
        t0 = t1 = t2 = t3 = 0
        for position in range(first_end):
            counts[0, codes[p0[position]]] += 1
            counts[1, codes[p1[position]]] += 1
            counts[2, codes[p2[position]]] += 1
            counts[3, codes[p3[position]]] += 1
        start = first_end
        for group in range(1, groups - 1):
            end = ends[group]
            _scores(counts, score, width)
            for position in range(start, end):
                c0, c1, c2, c3 = codes[p0[position]], codes[p1[position]], codes[p2[position]], codes[p3[position]]
                t0 += score[0, c0]
                t1 += score[1, c1]
                t2 += score[2, c2]
                t3 += score[3, c3]
                counts[0, c0] += 1
                counts[1, c1] += 1
                counts[2, c2] += 1
                counts[3, c3] += 1
            start = end
        # The last group is scored against all the others without counting them: its values'
        # scores against the whole sample (score_all) less their scores among themselves, which
        # always add up to (size of the group)^2 (each pair of its values scores 2, each value
        # 1 against itself).
        for position in range(last_start, last_end):
            t0 += score_all[codes[p0[position]]]
            t1 += score_all[codes[p1[position]]]
            t2 += score_all[codes[p2[position]]]
            t3 += score_all[codes[p3[position]]]
        block = (t0, t1, t2, t3)
        for offset in range(min(4, rows - row)):
            out[row + offset] = block[offset] - last_square
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _scores(counts: np.ndarray, score: np.ndarray, width: int) -> None:  # pragma: no cover - compiled
    """Each code's score against the groups counted so far, for each permutation (row) of
    ``counts``: 2 x (values below the code) + values equal to it."""
    for row in range(counts.shape[0]):
        below = 0
        for code in range(width):
            seen = counts[row, code]
            score[row, code] = 2 * below + seen
            below += seen


def _narrowest(values: np.ndarray, largest: int) -> np.ndarray:
    """``values`` (0 .. largest) as the narrowest unsigned integers that hold them: the loop
    reads 20,000 x n permutation entries per call, four times fewer bytes as uint8 than as int32,
    and as many value codes, whose look-ups are about a fifth faster as uint8 than as int64. Always a
    read-only array (a view when needed, nothing copied), so that every caller gives the loop
    the same argument types and one compiled version serves them all."""
    dtype = np.uint8 if largest < 2**8 else np.uint16 if largest < 2**16 else np.int64
    narrow = np.ascontiguousarray(values, dtype=dtype)
    if narrow.flags.writeable:
        narrow = narrow.view()
        narrow.flags.writeable = False
    return narrow


def _twice_j_of(codes: np.ndarray, permutations: np.ndarray, sizes: np.ndarray, width: int,
                ties: np.ndarray) -> np.ndarray:
    """2J of each row (see :func:`permuted_jt`), with the per-sample constants of the loop
    (``ties``: how many values of the sample have each code, the same in every row)."""
    score_all = 2 * (np.cumsum(ties) - ties) + ties
    last_square = int(sizes[-1]) ** 2 if len(sizes) else 0
    return _twice_j(codes, permutations, np.cumsum(sizes), int(width), score_all, last_square)


def permuted_jt(codes: np.ndarray, permutations: np.ndarray, sizes: np.ndarray, width: int) -> np.ndarray:
    """J of the values ``codes`` (dense codes 0 .. width - 1 of values laid out group after
    group, group sizes ``sizes``) rearranged by each row of ``permutations`` (row r puts
    ``codes[permutations[r, p]]`` at position p): the numbers :func:`inference.jt_from_codes`
    gives on ``codes[permutations]``, without building that matrix."""
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    permutations = _narrowest(permutations, codes.size - 1)
    sizes = np.asarray(sizes, dtype=np.int64)
    if codes.ndim != 1 or permutations.ndim != 2 or permutations.shape[1] != codes.size or sizes.sum() != codes.size:
        raise ValueError("permuted_jt needs one row of codes, permutations of its length and group sizes summing to it")
    if codes.size and (codes.min() < 0 or codes.max() >= width):
        raise ValueError(f"codes must lie between 0 and width - 1 = {width - 1}")
    # The rows are :func:`stability.permutation_indices` (positions 0 .. n - 1 by construction);
    # checking 20,000 x n of them on every call would cost as much as a tenth of the loop.
    ties = np.bincount(codes, minlength=width)
    return _twice_j_of(_narrowest(codes, width - 1), permutations, sizes, width, ties) / 2.0


def jt_of_shuffles(codes: np.ndarray, shuffled: np.ndarray, sizes: np.ndarray, width: int) -> np.ndarray:
    """J of each row of ``shuffled``, each a rearrangement of the sample's dense codes ``codes``
    (0 .. width - 1) laid out group after group: the numbers :func:`inference.jt_from_codes`
    gives on the same matrix. The tests stage shuffles the codes themselves; the rows must hold
    the values of ``codes`` (the loop takes their tie counts from it)."""
    codes = np.asarray(codes)
    shuffled = np.asarray(shuffled)
    sizes = np.asarray(sizes, dtype=np.int64)
    if shuffled.ndim != 2 or codes.ndim != 1 or sizes.sum() != shuffled.shape[1] or codes.size != shuffled.shape[1]:
        raise ValueError("jt_of_shuffles needs the sample's codes and rows of the same length, the group sizes adding up to it")
    if codes.size and (codes.min() < 0 or codes.max() >= width):
        raise ValueError(f"codes must lie between 0 and width - 1 = {width - 1}")
    # Row r, position p holds shuffled[r, p] = identity[shuffled[r, p]]: the loop reads the codes directly.
    return _twice_j_of(_narrowest(np.arange(width), width - 1), _narrowest(shuffled, width - 1), sizes, width,
                       np.bincount(codes, minlength=width)) / 2.0


def compile_loop() -> str:
    """Compile the loop for the argument types of samples of up to 256 values (uint8
    positions: the shipped data and most real studies), or load it from Numba's cache, by
    running it once on a small sample; returns a line saying which Numba did it. Numba stores
    the machine code in ``__pycache__`` beside this file, where the later processes find it."""
    codes = np.array([0, 1, 1, 2], dtype=np.int64)
    permutations = np.array([[0, 1, 2, 3], [3, 2, 1, 0]])
    shuffled = jt_of_shuffles(codes, codes[permutations], np.array([2, 2]), 3)
    permuted = permuted_jt(codes, permutations, np.array([2, 2]), 3)
    if not np.array_equal(shuffled, permuted):  # pragma: no cover - a broken installation
        raise RuntimeError("the compiled Jonckheere-Terpstra loop gives different J for the same permutations")
    return (f"The Jonckheere-Terpstra loop is compiled (Numba {numba.__version__}, {len(_twice_j.signatures)} "
            "argument signature) and kept in Numba's cache.")
