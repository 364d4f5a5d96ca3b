"""The stability stage: would another random sample have told the same story?

The source analysed one random 40% of the plans. This stage draws R alternative samples of the
same design, recomputes every finding's tests on each (the same tests, p-values, Holm
adjustment and verdict rule as the tests and findings stages) and counts, for each finding, how
often it would have been *reproduced*.

Two designs, chosen from the data (``method: auto``) or forced in the config:

- **redraw**: every plan of the frame has codings (as in the simulated data), so alternative
  samples are drawn from the frame exactly as the real sample was (:func:`sample.sample_positions`,
  the draw of :func:`sample.draw_sample`: SHA-256 keys, same fraction and stratification), each
  with its own seed derived from the master seed;
- **bootstrap**: only the sampled plans were coded (the usual real case), so each alternative
  sample is n plans drawn with replacement from the sample. The balance of the sample against
  the frame (finding M1) is a fixed fact of the actual draw and is not re-assessed.

Speed. A finding's statistics on one sample reduce to counts over the plans of that sample, so
every plan's indicators and measures are computed once for the frame, and each alternative
sample is a row of frame positions: counts for all redraws are one gather. Exact p-values
(Fisher, McNemar, sign test, the majority test) depend only on a few integers, so they are
computed by the package's own functions and cached by those integers. The Jonckheere-Terpstra
permutation p-value uses, for every sample of the same size, the permutations the tests stage
would use (same seed, same random stream), applied to value codes: J of the 20,000 permutations
comes from one compiled loop (:mod:`rlp_pipeline.stats.jonckheere`). The result for a sample equals, bit for bit, what the tests and findings stages
give on it; the merge step checks this on the actual sample before writing anything.

The work is split into chunks (Snakemake jobs); a redraw's result depends only on its number
and the seeds, never on the chunking.
"""

from __future__ import annotations

import json
import logging
import math
import time
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.special

from ..stats import inference
from ..codebook import Codebook, load_codebook
from ..describe import stage_datapackage
from ..stats.descriptive import proportion_interval
from .diversity import per_plan_table
from .findings import OBSERVED, REPRODUCED, VERDICTS, adjusted_p_values, verdict_ids
from ..indicators import PlanIndicators
from ..stats.inference import NotTestable
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..plan_tables import AnalysedSample
from ..problems import InputError, Problem, display_path
from ..registry import DESCRIPTIVE_KINDS, QUANTIFIER_KINDS, Registry, load_registry
from .sample import BALANCE_VARIABLES, _categories, _redrawn_counts, pearson_chi_square, read_validated, sample_positions
from .tests import GROUPS, derived_seed, majority_test

LOGGER = logging.getLogger("rlp_pipeline.stages.stability")
STAGE = "stability"
CONFIG_FILE = "config/config.yaml"
METHODS = ("auto", "redraw", "bootstrap")
REDRAW, BOOTSTRAP = "redraw", "bootstrap"
# Direction of a component relative to the source's statement (as in components.csv).
AS_EXPECTED, NO_DIFFERENCE, OPPOSITE = 1, 0, -1
# The JT permutations of one sample size, kept in memory (20,000 x n int32 indices each).
_PERMUTATION_CACHE_SIZE = 8
# From this many samples in one call, J of the permutations comes from the compiled loop; below,
# from numpy (the merge judges one sample: Numba's start-up would cost more than it saves).
_COMPILED_FROM = 10


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


def check_stability_config(settings: Mapping[str, Any]) -> list[Problem]:
    """Every problem of the ``stability:`` settings (redraws, chunks, seed, method) and of the
    rarefaction size the redraws share with the diversity stage."""
    problems = []
    for key, minimum, expected in (("redraws", 1, "a whole number of alternative samples, 1 or more (1000 is usual)"),
                                   ("chunks", 1, "a whole number of chunks (Snakemake jobs), 1 or more"),
                                   ("seed", 0, "a whole number, 0 or more"),
                                   # the diversity stage's setting, which the redraws recompute with
                                   ("rarefaction_size", 1, "a whole number of coded passages, 1 or more")):
        value = settings.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            section = "statistics" if key == "rarefaction_size" else "stability"
            problems.append(Problem(CONFIG_FILE, None, f"{section}.{key}", str(value), expected))
    if settings.get("method") not in METHODS:
        problems.append(Problem(CONFIG_FILE, None, "stability.method", str(settings.get("method")),
                                "one of " + ", ".join(METHODS)))
    return problems


def chunk_redraws(redraws: int, chunks: int, chunk: int) -> range:
    """The redraw numbers (1..redraws) of one chunk: contiguous blocks of nearly equal size."""
    if not 0 <= chunk < chunks:
        raise ValueError(f"chunk must be between 0 and {chunks - 1} (got {chunk})")
    size, extra = divmod(redraws, chunks)
    start = chunk * size + min(chunk, extra)
    return range(start + 1, start + size + (chunk < extra) + 1)


def redraw_seed(master_seed: int, redraw: int) -> int:
    """The seed of one alternative sample, derived from the master seed and its number."""
    return derived_seed(master_seed, f"stability:{redraw}")


# --------------------------------------------------------------------------------------------
# The frame: every plan's indicators and measures, computed once
# --------------------------------------------------------------------------------------------


@dataclass
class Frame:
    """The sampling frame as arrays over its plans (frame order), for fast redraws.

    `analysed` marks plans with at least one coding; indicators are 0 and measures NaN for the
    others (they are sampled but never analysed, as in the sampling stage).
    """

    plans: pd.DataFrame
    analysed: np.ndarray
    level: np.ndarray
    group: np.ndarray
    indicators: dict[str, np.ndarray]
    measures: dict[str, np.ndarray]
    substrategy_use: dict[str, np.ndarray]
    substrategies: dict[str, list[str]]

    @property
    def size(self) -> int:
        return len(self.plans)


def _registry_names(registry: Registry) -> tuple[set[str], set[str], set[str]]:
    indicators, measures, strategies = set(), set(), set()
    for finding in registry.findings:
        for spec in finding.components:
            for key in ("indicator", "versus", "within"):
                if key in spec and spec["kind"] not in ("sign_test", "all_plans"):
                    indicators.add(spec[key])
            for key in ("measure",) + (("versus",) if spec["kind"] in ("sign_test", "all_plans") else ()):
                if key in spec:
                    measures.add(spec[key])
            if spec["kind"] == "presence":
                strategies.add(spec["strategy"])
    return indicators, measures, strategies


def build_frame(plans: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, registry: Registry,
                rarefaction_size: int) -> Frame:
    """Every indicator and measure the registry's components use, for every plan of the frame.

    Computed by the same functions as the tests and diversity stages (PlanIndicators,
    per_plan_table) on the frame's coded plans: a plan's indicators and measures depend only on
    its own codings, so those of any sample are rows of these arrays. `rarefaction_size` is the
    diversity stage's (statistics.rarefaction_size): the rarefied Hill numbers of every
    alternative sample are computed as the real sample's are.
    """
    plans = plans.reset_index(drop=True)
    coded_ids = set(codings["plan_id"])
    analysed = plans["plan_id"].isin(coded_ids).to_numpy()
    coded = AnalysedSample(plans[analysed].reset_index(drop=True),
                           codings[codings["plan_id"].isin(coded_ids)].reset_index(drop=True), {})
    position = np.flatnonzero(analysed)
    names, measure_names, strategies = _registry_names(registry)
    compute = PlanIndicators(coded, codebook)
    indicators = {}
    for name in sorted(names):
        values = np.zeros(len(plans), dtype=np.int64)
        values[position] = compute(name).to_numpy()
        indicators[name] = values
    per_plan = per_plan_table(coded, codebook, rarefaction_size) if len(coded.plans) else pd.DataFrame()
    measures = {}
    for name in sorted(measure_names):
        values = np.full(len(plans), np.nan)
        if len(per_plan):
            values[position] = pd.to_numeric(per_plan[name], errors="coerce").to_numpy(float)
        measures[name] = values
    substrategy_use, substrategies = {}, {}
    for strategy in sorted(strategies):
        subs = codebook.substrategies_of(strategy)
        use = np.zeros((len(plans), len(subs)), dtype=np.int64)
        use[position] = compute.use["substrategies"][subs].to_numpy()
        substrategy_use[strategy], substrategies[strategy] = use, subs
    return Frame(plans, analysed, plans["mobilisation_level"].to_numpy(), plans["mobilisation_group"].to_numpy(),
                 indicators, measures, substrategy_use, substrategies)


def choose_method(requested: str, frame: Frame, sampled_positions: np.ndarray) -> tuple[str, str]:
    """The design of the alternative samples and why (English sentence for the record)."""
    covered = bool(frame.analysed.all())
    if requested == REDRAW and not covered:
        missing = int((~frame.analysed).sum())
        raise InputError([Problem(CONFIG_FILE, None, "stability.method", "redraw",
                                  f"'bootstrap' or 'auto': {missing} plan(s) of the frame have no coding, so "
                                  "alternative samples cannot be redrawn from the frame")], stage="stability stage")
    if requested == BOOTSTRAP:
        return BOOTSTRAP, "The bootstrap was requested in the config (stability.method: bootstrap)."
    if covered:
        return REDRAW, (f"Every one of the {frame.size} plans of the frame has codings, so alternative samples are "
                        "redrawn from the frame exactly as the real sample was drawn.")
    coded = int(frame.analysed.sum())
    return BOOTSTRAP, (f"Only {coded} of the {frame.size} plans of the frame have codings (the sampled plans are "
                       "coded, not the others), so alternative samples are bootstrap resamples of the sample.")


def redraw_members(frame: Frame, record: Mapping[str, Any], seeds: Sequence[int]) -> np.ndarray:
    """Frame positions of each alternative sample drawn like the real one (rows: redraws, in
    frame order, the order the tests stage sees a sample in)."""
    ids = [str(plan_id) for plan_id in frame.plans["plan_id"].tolist()]
    stratify_by = record.get("stratify_by")
    strata = None if stratify_by is None else frame.plans[stratify_by].tolist()
    rows = [np.sort(sample_positions(ids, record["fraction"], seed, strata)) for seed in seeds]
    return np.array(rows, dtype=np.int64).reshape(len(seeds), -1)


def bootstrap_members(sampled_positions: np.ndarray, seeds: Sequence[int]) -> np.ndarray:
    """Frame positions of each bootstrap resample: n plans drawn with replacement from the n
    sampled plans (numpy PCG64 seeded per resample), sorted so that copies sit together."""
    n = len(sampled_positions)
    rows = [np.sort(sampled_positions[np.random.Generator(np.random.PCG64(seed)).integers(0, n, n)]) for seed in seeds]
    return np.array(rows, dtype=np.int64).reshape(len(seeds), n)


# --------------------------------------------------------------------------------------------
# Components for many samples at once
# --------------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """One component on R samples: computable, direction code, p-value (NaN when descriptive)."""

    testable: np.ndarray
    direction: np.ndarray
    p_value: np.ndarray
    descriptive: bool = False
    family: str = ""

    @classmethod
    def empty(cls, redraws: int, descriptive: bool = False) -> "Outcomes":
        return cls(np.ones(redraws, dtype=bool), np.zeros(redraws, dtype=np.int64), np.full(redraws, np.nan), descriptive)


def _sign(values: np.ndarray, expected_sign: int) -> np.ndarray:
    """Direction codes of differences: +1 in the stated direction, -1 against, 0 none."""
    return (np.sign(values) * expected_sign).astype(np.int64)


class ExactCache:
    """Exact p-values keyed by the integers they depend on, computed by the package's own
    functions (so they are the tests stage's values) once per distinct key."""

    def __init__(self) -> None:
        self._values: dict[tuple, Any] = {}

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]


def majority_outcomes(indicator: np.ndarray, analysed: np.ndarray, members: np.ndarray, population_size: int,
                      cache: ExactCache) -> Outcomes:
    """Share of analysed plans with the indicator against one half (:func:`majority_test`)."""
    count = indicator[members].sum(axis=1)
    n = analysed[members].sum(axis=1)
    out = Outcomes.empty(len(members))
    out.testable = n > 0
    for r in np.flatnonzero(out.testable):
        key = (int(count[r]), int(n[r]))
        out.p_value[r] = cache.get(("majority",) + key + (population_size,),
                                   lambda: majority_test(key[0], key[1], population_size))
        out.direction[r] = _sign(np.array([key[0] / key[1] - 0.5]), +1)[0]
    return out


def group_difference_outcomes(indicator: np.ndarray, frame: Frame, members: np.ndarray, expected: Mapping[str, str],
                              seed: int, cache: ExactCache) -> Outcomes:
    """Share with the indicator in the expected higher group vs the other (2 x 2 table), with
    :func:`inference.independence_test` (chi-square or Fisher) cached by table."""
    high = expected["higher_in"]
    low = [g for g in GROUPS if g != high][0]
    analysed = frame.analysed[members]
    in_high, in_low = analysed & (frame.group[members] == high), analysed & (frame.group[members] == low)
    used = indicator[members] == 1
    with_high, with_low = (used & in_high).sum(axis=1), (used & in_low).sum(axis=1)
    n_high, n_low = in_high.sum(axis=1), in_low.sum(axis=1)
    out = Outcomes.empty(len(members))
    for r in range(len(members)):
        table = ((int(with_high[r]), int(with_low[r])), (int(n_high[r] - with_high[r]), int(n_low[r] - with_low[r])))
        if n_high[r] == 0 or n_low[r] == 0:
            out.testable[r] = False
            continue
        out.direction[r] = _sign(np.array([with_high[r] / n_high[r] - with_low[r] / n_low[r]]), +1)[0]

        def test(table=table):
            try:
                return inference.independence_test(np.array(table), seed=seed)["p_value"]
            except NotTestable:
                return None

        p = cache.get(("independence", seed) + table, test)
        if p is None:
            out.testable[r] = False
        else:
            out.p_value[r] = p
    return out


def paired_difference_outcomes(first: np.ndarray, second: np.ndarray, within: np.ndarray | None, frame: Frame,
                               members: np.ndarray, expected: str, cache: ExactCache) -> Outcomes:
    """Two indicators in the same plans (optionally among plans with a third): exact McNemar."""
    keep = frame.analysed[members] if within is None else frame.analysed[members] & (within[members] == 1)
    a, b_ = first[members] == 1, second[members] == 1
    b = (keep & a & ~b_).sum(axis=1)
    c = (keep & ~a & b_).sum(axis=1)
    out = Outcomes.empty(len(members))
    out.testable = keep.sum(axis=1) > 0
    out.direction = np.where(out.testable, _sign(b - c, +1 if expected == "greater" else -1), 0)
    for r in np.flatnonzero(out.testable):
        key = (int(b[r]), int(c[r]))
        out.p_value[r] = 1.0 if sum(key) == 0 else cache.get(("mcnemar",) + key, lambda: inference.mcnemar_exact(*key)["p_two_sided"])
    return out


def sign_test_outcomes(measure: np.ndarray, versus: np.ndarray, frame: Frame, members: np.ndarray, expected: str,
                       cache: ExactCache) -> Outcomes:
    """Per-plan difference of two measures among plans having both: exact sign test."""
    difference = measure[members] - versus[members]
    both = frame.analysed[members] & ~np.isnan(difference)
    positive = (both & (difference > 0)).sum(axis=1)
    negative = (both & (difference < 0)).sum(axis=1)
    out = Outcomes.empty(len(members))
    out.testable = positive + negative > 0
    out.direction = np.where(out.testable, _sign(positive - negative, +1 if expected == "greater" else -1), 0)
    for r in np.flatnonzero(out.testable):
        key = (int(positive[r]), int(positive[r] + negative[r]))
        out.p_value[r] = cache.get(("binomial",) + key, lambda: inference.binomial_test(*key)["p_two_sided"])
    return out


def all_plans_outcomes(measure: np.ndarray, versus: np.ndarray, frame: Frame, members: np.ndarray,
                       expected: str) -> Outcomes:
    """The quantifier "all": every plan having both measures has its difference in the stated
    direction (:func:`significance.component_all_plans`, ties counted as not meeting it)."""
    difference = inference.rank_values(measure - versus)[members]
    both = frame.analysed[members] & ~np.isnan(difference)
    meeting = both & (np.sign(difference) == (+1 if expected == "greater" else -1))
    out = Outcomes.empty(len(members), descriptive=True)
    out.testable = both.any(axis=1)
    out.direction = np.where(meeting.sum(axis=1) == both.sum(axis=1), AS_EXPECTED, OPPOSITE)
    return out


def presence_outcomes(use: np.ndarray, frame: Frame, members: np.ndarray) -> Outcomes:
    """Whether every sub-strategy of a strategy is used by at least one analysed plan."""
    users = (use[members] * frame.analysed[members][..., None]).sum(axis=1)
    out = Outcomes.empty(len(members), descriptive=True)
    out.direction = np.where((users > 0).all(axis=1), AS_EXPECTED, OPPOSITE)
    return out


def coverage_outcomes(frame: Frame, members: np.ndarray) -> Outcomes:
    """Every sampled plan has codings (ratings are required by validation)."""
    out = Outcomes.empty(len(members), descriptive=True)
    out.direction = np.where(frame.analysed[members].all(axis=1), AS_EXPECTED, OPPOSITE)
    return out


def balance_outcomes(frame: Frame, members: np.ndarray, record: Mapping[str, Any], alpha: float,
                     variables: Sequence[str] = tuple(BALANCE_VARIABLES)) -> Outcomes:
    """M1 on redrawn samples: the sampling stage's Monte Carlo balance tests, Holm across them.

    The null distribution (sample counts of `balance_resamples` random samples of size n) depends
    only on the frame and n, so it is drawn once, with the sampling stage's seed: for the actual
    sample this gives the sampling stage's p-values exactly.
    """
    n = members.shape[1]
    population_counts, indicators = [], []
    for variable in variables:
        values = frame.plans[variable].to_numpy()
        indicator = np.stack([values == c for c in _categories(frame.plans, variable)], axis=1).astype(np.int64)
        indicators.append(indicator)
        population_counts.append(indicator.sum(axis=0))
    resamples = int(record["balance_resamples"])
    out = Outcomes.empty(len(members), descriptive=True)
    if n >= frame.size:
        out.direction[:] = AS_EXPECTED
        return out
    redrawn = _redrawn_counts(population_counts, n, resamples, int(record["seed"]))
    p_values = []
    for indicator, population, null in zip(indicators, population_counts, redrawn):
        if len(population) < 2:
            p_values.append(np.ones(len(members)))
            continue
        observed = pearson_chi_square(indicator[members].sum(axis=1), population)
        simulated = np.sort(pearson_chi_square(null, population))
        thresholds = observed * (1 - 64 * np.finfo(float).eps)
        exceed = len(simulated) - np.searchsorted(simulated, thresholds, side="left")
        p_values.append((1 + exceed) / (resamples + 1))
    adjusted = np.array([inference.holm(row) for row in np.column_stack(p_values)])
    out.direction = np.where((adjusted >= alpha).all(axis=1), AS_EXPECTED, OPPOSITE)
    return out


def group_shift_outcomes(measure: np.ndarray, frame: Frame, members: np.ndarray, expected: Mapping[str, str]) -> Outcomes:
    """Mann-Whitney test of a per-plan measure, expected higher group vs the other, for every
    sample at once from counts of each distinct value (the statistic, tie correction and normal
    approximation of :func:`inference.mann_whitney`; its exact small-sample case is delegated
    to that function)."""
    high = expected["higher_in"]
    low = [g for g in GROUPS if g != high][0]
    values = inference.rank_values(measure)[members]  # ranked as the tests stage ranks them
    kept = frame.analysed[members] & ~np.isnan(values)
    distinct, codes = np.unique(np.where(kept, values, np.inf), return_inverse=True)
    codes = codes.reshape(values.shape)
    width = len(distinct)
    rows = np.arange(len(members))[:, None] * width
    group = frame.group[members]

    def counts(mask: np.ndarray) -> np.ndarray:
        return np.bincount((rows + codes)[mask], minlength=len(members) * width).reshape(len(members), width).astype(float)

    x, y = counts(kept & (group == high)), counts(kept & (group == low))
    n1, n2 = x.sum(axis=1), y.sum(axis=1)
    below_y = np.cumsum(y, axis=1) - y
    u1 = (x * (below_y + 0.5 * y)).sum(axis=1)
    ties = x + y
    n = n1 + n2
    out = Outcomes.empty(len(members))
    out.testable = (n1 > 0) & (n2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tie_term = (ties**3 - ties).sum(axis=1)
        s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        z = (np.maximum(u1, n1 * n2 - u1) - n1 * n2 / 2 - 0.5) / s
        out.p_value = np.clip(2 * scipy.special.ndtr(-z), 0.0, 1.0)
        out.direction = np.where(out.testable, _sign(2.0 * u1 / (n1 * n2) - 1.0, +1), 0)
    exact = out.testable & ~(ties > 1).any(axis=1) & ((n1 <= 8) | (n2 <= 8))
    for r in np.flatnonzero(exact):
        a = values[r][kept[r] & (group[r] == high)]
        b = values[r][kept[r] & (group[r] == low)]
        out.p_value[r] = inference.mann_whitney(a, b)["p_two_sided"]
    out.p_value[~out.testable] = np.nan
    return out


@lru_cache(maxsize=_PERMUTATION_CACHE_SIZE)
def permutation_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    """The permutations :func:`inference.jonckheere_terpstra` applies to n pooled values with
    this seed, as index arrays (resamples x n): ``Generator.permuted`` consumes the random
    stream the same way whatever the values, and the chunks are those of the tests stage."""
    rng = np.random.Generator(np.random.PCG64(seed))
    chunk = max(1, min(resamples, inference._CHUNK_ELEMENTS // max(n, 1)))
    parts, done = [], 0
    positions = np.arange(n, dtype=np.int32)
    while done < resamples:
        size = min(chunk, resamples - done)
        parts.append(rng.permuted(np.broadcast_to(positions, (size, n)), axis=1))
        done += size
    # Kept as the narrowest integers that hold 0 .. n - 1 (uint8 up to 256 plans): the compiled
    # loop reads 20,000 x n of them for every sample, four times fewer bytes than int32. In C
    # order: `permuted` returns them column-major, and the loop would otherwise get a row-major
    # copy made again for every sample (a sixth of a chunk's time).
    indices = np.ascontiguousarray(np.concatenate(parts), dtype=np.uint8 if n <= 2**8 else np.uint16 if n <= 2**16 else np.int64)
    indices.flags.writeable = False
    return indices


def permuted_jt(codes: np.ndarray, permutations: np.ndarray, sizes: np.ndarray, width: int) -> np.ndarray:
    """J of the values ``codes`` rearranged by each row of ``permutations``: the numbers
    :func:`inference.jt_from_codes` gives on ``codes[permutations]``, from one compiled pass
    over each permutation (:mod:`rlp_pipeline.stats.jonckheere`, about three times faster than
    the bincounts of ``jt_from_codes``, which remains the reference)."""
    # Imported here: Numba's start-up (about half a second to import it and load the compiled
    # loop) is paid only by processes that permute many samples (the chunks), not by the merge.
    from ..stats import jonckheere

    return jonckheere.permuted_jt(codes, permutations, sizes, width)


def permuted_jt_reference(codes: np.ndarray, permutations: np.ndarray, sizes: np.ndarray, width: int,
                          block: int = 1024) -> np.ndarray:
    """The same numbers in numpy (:func:`inference.jt_from_codes` on blocks of permuted codes
    small enough to stay in the processor's cache): the reference of the compiled loop, and the
    faster choice for a process that judges a sample or two (no Numba start-up)."""
    codes = codes.astype(np.int32)
    result = np.empty(len(permutations))
    for start in range(0, len(permutations), block):
        result[start:start + block] = inference.jt_from_codes(codes[permutations[start:start + block]], sizes, width)
    return result


def trend_levels_outcomes(measure: np.ndarray, frame: Frame, members: np.ndarray, expected: str, seed: int,
                          resamples: int = inference.JT_RESAMPLES) -> Outcomes:
    """Jonckheere-Terpstra test of a per-plan measure across the ordered levels, per sample: the
    tests stage's permutation p-value (same permutations), or its normal approximation above
    :data:`inference.JT_MAX_PERMUTED` observations (delegated to the function itself)."""
    out = Outcomes.empty(len(members))
    expected_sign = +1 if expected == "increasing" else -1
    measure = inference.rank_values(measure)  # ranked as the tests stage ranks them
    for r, row in enumerate(members):
        values = measure[row]
        kept = frame.analysed[row] & ~np.isnan(values)
        values, levels = values[kept], frame.level[row][kept]
        order = np.argsort(levels, kind="stable")
        values, levels = values[order], levels[order]
        present, sizes = np.unique(levels, return_counts=True)
        distinct, codes = np.unique(values, return_inverse=True)
        if len(present) < 2 or len(distinct) < 2:
            out.testable[r] = False
            continue
        n = len(values)
        if n > inference.JT_MAX_PERMUTED:
            groups = [values[levels == level] for level in present]
            result = inference.jonckheere_terpstra(groups, seed=seed, resamples=resamples)
            out.p_value[r], out.direction[r] = result["p_value"], _sign(np.array([result["z"]]), expected_sign)[0]
            continue
        observed = float(inference.jt_from_codes(codes, sizes, len(distinct))[0])
        mean = (n**2 - float((sizes.astype(float) ** 2).sum())) / 4.0
        permute = permuted_jt if len(members) >= _COMPILED_FROM else permuted_jt_reference
        permuted = permute(codes, permutation_indices(n, resamples, seed), sizes, len(distinct))
        distance = abs(observed - mean) - 1e-9 * max(1.0, abs(observed))
        exceed = int(np.count_nonzero(np.abs(permuted - mean) >= distance))
        out.p_value[r] = (1 + exceed) / (resamples + 1)
        out.direction[r] = _sign(np.array([observed - mean]), expected_sign)[0]
    return out


def component_outcomes(spec: Mapping[str, Any], label: str, frame: Frame, members: np.ndarray,
                       record: Mapping[str, Any], statistics_seed: int, alpha: float, cache: ExactCache,
                       method: str) -> Outcomes | None:
    """One registry component on every sample; None for M1's balance under the bootstrap."""
    kind = spec["kind"]
    seed = derived_seed(statistics_seed, label)
    ind, meas = frame.indicators, frame.measures
    if kind == "majority":
        return majority_outcomes(ind[spec["indicator"]], frame.analysed, members, int(record["population_size"]), cache)
    if kind == "trend_levels":
        return trend_levels_outcomes(meas[spec["measure"]], frame, members, spec["expected"], seed)
    if kind == "group_shift":
        return group_shift_outcomes(meas[spec["measure"]], frame, members, spec["expected"])
    if kind == "group_difference":
        return group_difference_outcomes(ind[spec["indicator"]], frame, members, spec["expected"], seed, cache)
    if kind == "paired_difference":
        within = ind[spec["within"]] if "within" in spec else None
        return paired_difference_outcomes(ind[spec["indicator"]], ind[spec["versus"]], within, frame, members,
                                          spec["expected"], cache)
    if kind == "sign_test":
        return sign_test_outcomes(meas[spec["measure"]], meas[spec["versus"]], frame, members, spec["expected"], cache)
    if kind == "all_plans":
        return all_plans_outcomes(meas[spec["measure"]], meas[spec["versus"]], frame, members, spec["expected"])
    if kind == "presence":
        return presence_outcomes(frame.substrategy_use[spec["strategy"]], frame, members)
    if kind == "balance":
        return None if method == BOOTSTRAP else balance_outcomes(frame, members, record, alpha)
    return coverage_outcomes(frame, members)


def sample_verdicts(registry: Registry, frame: Frame, members: np.ndarray, record: Mapping[str, Any],
                    statistics_seed: int, method: str, cache: ExactCache | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every finding's verdict and deciding p-value on every sample (rows of `members`).

    Components are computed as in the tests stage, p-values Holm-adjusted within each family
    per sample, and the verdict rule of the findings stage applied (:func:`verdict_ids`).
    Findings that cannot be re-assessed under the design (M1 under the bootstrap) are left out.
    """
    cache = cache or ExactCache()
    outcomes: dict[str, list[Outcomes]] = {}
    for finding in registry.findings:
        computed = []
        for position, spec in enumerate(finding.components, start=1):
            result = component_outcomes(spec, f"{finding.id}.{position}", frame, members, record, statistics_seed,
                                        registry.alpha, cache, method)
            if result is None:
                computed = None
                break
            result.descriptive = spec["kind"] in DESCRIPTIVE_KINDS
            result.family = finding.family or ""
            computed.append(result)
        if computed is not None:
            outcomes[finding.id] = computed
    # One matrix (samples x every component of every finding) through the tests stage's own
    # adjustment function: the same adjusted p-values, bit for bit.
    keys = [(fid, i) for fid, comps in outcomes.items() for i in range(len(comps))]
    matrix = np.column_stack([outcomes[fid][i].p_value for fid, i in keys]) if keys else np.empty((len(members), 0))
    adjusted_matrix = adjusted_p_values(matrix, [fid for fid, _ in keys], [outcomes[fid][i].family for fid, i in keys],
                                        [not outcomes[fid][i].descriptive for fid, i in keys], registry)
    findings_by_id = {finding.id: finding for finding in registry.findings}
    result = {}
    for fid, comps in outcomes.items():
        columns = [k for k, (f, _) in enumerate(keys) if f == fid]
        testable = np.column_stack([o.testable for o in comps])
        as_expected = np.column_stack([o.direction == AS_EXPECTED for o in comps])
        p_adj = adjusted_matrix[:, columns]
        passes = as_expected & testable & np.column_stack(
            [np.ones(len(members), dtype=bool) if o.descriptive else (p_adj[:, i] < registry.alpha)
             for i, o in enumerate(comps)])
        tested = [i for i, o in enumerate(comps) if not o.descriptive]
        # a redraw where no tested component could be tested has no deciding p-value (NaN), which
        # is an outcome here, not a warning for the build log
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            deciding = np.nanmax(p_adj[:, tested], axis=1) if tested else np.full(len(members), np.nan)
        finding = findings_by_id[fid]
        quantifier = [spec["kind"] in QUANTIFIER_KINDS for spec in finding.components]
        result[fid] = (verdict_ids(testable, as_expected, passes, quantifier, finding.descriptive), deciding)
    return result


# --------------------------------------------------------------------------------------------
# The stage: chunks, then the merge
# --------------------------------------------------------------------------------------------


@dataclass
class StabilityInputs:
    """What every chunk and the merge read: the frame, the actual sample and the settings."""

    codebook: Codebook
    registry: Registry
    frame: Frame
    record: dict
    sampled_positions: np.ndarray
    simulated: bool
    settings: dict = field(default_factory=dict)


def read_inputs(validated_dir: Path | str, sample_dir: Path | str, codebook_path: Path | str,
                registry_path: Path | str, settings: Mapping[str, Any]) -> StabilityInputs:
    """Read the validated frame, the sampling record and sampled plans; check the settings."""
    problems = check_stability_config(settings)
    if problems:
        raise InputError(problems, stage="stability stage")
    codebook = load_codebook(codebook_path)
    registry = load_registry(registry_path, codebook)
    plans, codings, provenance = read_validated(validated_dir)
    sample_dir = Path(sample_dir)
    record = json.loads((sample_dir / "sampling_record.json").read_text(encoding="utf-8"))
    sampled = pd.read_csv(sample_dir / "sampled_plans.csv", dtype={"plan_id": str}, keep_default_na=False)
    frame = build_frame(plans, codings, codebook, registry, int(settings["rarefaction_size"]))
    position_of = pd.Index(frame.plans["plan_id"])
    sampled_positions = np.sort(position_of.get_indexer(sampled["plan_id"]))
    if (sampled_positions < 0).any():
        raise InputError([Problem(display_path(sample_dir / "sampled_plans.csv"), None, "plan_id", None,
                                  "plans of the validated frame (run the sampling stage again)")], stage="stability stage")
    return StabilityInputs(codebook, registry, frame, record, sampled_positions, bool(provenance["simulated"]), dict(settings))


def alternative_samples(inputs: StabilityInputs, method: str, redraws: Sequence[int]) -> tuple[list[int], np.ndarray]:
    """Seeds and frame positions of the numbered alternative samples."""
    seeds = [redraw_seed(int(inputs.settings["seed"]), r) for r in redraws]
    if method == REDRAW:
        return seeds, redraw_members(inputs.frame, inputs.record, seeds)
    return seeds, bootstrap_members(inputs.sampled_positions, seeds)


def run_chunk(validated_dir: Path | str, sample_dir: Path | str, codebook_path: Path | str, registry_path: Path | str,
              settings: Mapping[str, Any], statistics_seed: int, chunk: int, out_path: Path | str) -> pd.DataFrame:
    """Verdicts of every finding on the alternative samples of one chunk, written as one CSV
    (redraw, seed, finding, verdict, p_deciding)."""
    started = time.perf_counter()
    inputs = read_inputs(validated_dir, sample_dir, codebook_path, registry_path, settings)
    method, reason = choose_method(settings["method"], inputs.frame, inputs.sampled_positions)
    numbers = chunk_redraws(int(settings["redraws"]), int(settings["chunks"]), chunk)
    LOGGER.info("Chunk %d of %d: alternative samples %d to %d (%s). %s", chunk + 1, settings["chunks"],
                numbers.start, numbers.stop - 1, method, reason)
    rows, cache = [], ExactCache()
    batch = 50  # progress every 50 samples, and bounded memory for large frames
    for start in range(0, len(numbers), batch):
        block = list(numbers[start:start + batch])
        seeds, members = alternative_samples(inputs, method, block)
        verdicts = sample_verdicts(inputs.registry, inputs.frame, members, inputs.record, statistics_seed, method, cache)
        for i, (number, seed) in enumerate(zip(block, seeds)):
            for finding, (verdict, deciding) in verdicts.items():
                rows.append({"redraw": number, "seed": seed, "finding": finding, "verdict": verdict[i],
                             "p_deciding": deciding[i]})
        done = start + len(block)
        LOGGER.info("  %d of %d samples done (%.1f s)", done, len(numbers), time.perf_counter() - started)
    table = pd.DataFrame(rows, columns=["redraw", "seed", "finding", "verdict", "p_deciding"])
    write_outputs({Path(out_path): csv_bytes(table)})
    seconds = time.perf_counter() - started
    LOGGER.info("Chunk %d: %d samples in %.1f s (%.1f samples per second).", chunk + 1, len(numbers), seconds,
                len(numbers) / seconds if seconds else float("inf"))
    return table


def check_against_findings(inputs: StabilityInputs, statistics_seed: int, findings: pd.DataFrame, method: str) -> None:
    """Recompute the actual sample through this stage's fast path and require the findings
    stage's verdicts: the shares are only meaningful if each redraw is judged exactly as the
    real sample was. A mismatch is a bug, reported as such."""
    members = inputs.sampled_positions[None, :]
    verdicts = sample_verdicts(inputs.registry, inputs.frame, members, inputs.record, statistics_seed, method)
    observed = dict(zip(findings["id"], findings["verdict"]))
    different = [f"{fid}: findings stage '{observed.get(fid)}', stability stage '{v[0][0]}'"
                 for fid, v in verdicts.items() if observed.get(fid) != v[0][0]]
    if different:
        raise RuntimeError("The stability stage does not judge the actual sample as the findings stage did ("
                           + "; ".join(different) + "). This is a bug in rlp_pipeline.stages.stability; please report it.")


def stability_table(registry: Registry, redraws: pd.DataFrame, findings: pd.DataFrame, method: str,
                    total: int) -> pd.DataFrame:
    """One row per finding: counts of each verdict over the alternative samples, the share
    reproduced with its 95% Wilson interval (Monte Carlo uncertainty of using `total` samples),
    and the share giving the actual sample's verdict."""
    observed = dict(zip(findings["id"], findings["verdict"]))
    rows = []
    for finding in registry.findings:
        own = redraws[redraws["finding"] == finding.id]
        row = {"finding": finding.id, "method": method, "redraws": total, "assessed": len(own) > 0,
               "not_assessed_reason": "", "observed_verdict": observed.get(finding.id, "")}
        if len(own) == 0:
            row.update(not_assessed_reason=(
                "The balance of the sample against the frame is a fact of the actual draw; bootstrap resamples "
                "of the sample cannot re-assess it." if method == BOOTSTRAP else "No alternative sample computed it."))
            rows.append(row)
            continue
        counts = own["verdict"].value_counts()
        # A descriptive finding holds when it is observed: that is its "reproduced".
        holds = int(counts.get(OBSERVED if finding.descriptive else REPRODUCED, 0))
        low, high = proportion_interval(holds, len(own))
        row.update({verdict.replace(" ", "_"): int(counts.get(verdict, 0)) for verdict in VERDICTS})
        row.update(share_reproduced=holds / len(own), share_ci_low=float(low), share_ci_high=float(high),
                   share_same_verdict=float((own["verdict"] == row["observed_verdict"]).mean()),
                   median_p_deciding=float(own["p_deciding"].median()) if own["p_deciding"].notna().any() else np.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TABLES["stability.csv"]["columns"]))


def run_merge(validated_dir: Path | str, sample_dir: Path | str, codebook_path: Path | str, registry_path: Path | str,
              settings: Mapping[str, Any], statistics_seed: int, chunk_paths: Sequence[Path | str],
              findings_path: Path | str, out_dir: Path | str) -> pd.DataFrame:
    """Merge the chunks into redraws.csv and stability.csv, after checking that the fast path
    judges the actual sample as the findings stage did; write the record and data package."""
    inputs = read_inputs(validated_dir, sample_dir, codebook_path, registry_path, settings)
    method, reason = choose_method(settings["method"], inputs.frame, inputs.sampled_positions)
    findings = pd.read_csv(findings_path, keep_default_na=False)
    check_against_findings(inputs, statistics_seed, findings, method)
    parts = [pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"seed": "uint64"}) for path in chunk_paths]
    redraws = pd.concat(parts, ignore_index=True).sort_values(["redraw"], kind="stable").reset_index(drop=True)
    total = int(settings["redraws"])
    numbers = sorted(set(redraws["redraw"]))
    if numbers != list(range(1, total + 1)):
        raise InputError([Problem(display_path(Path(chunk_paths[0]).parent), None, "redraw", None,
                                  f"alternative samples 1 to {total} exactly once across the chunks "
                                  f"(found {len(numbers)}); run the stability chunks again")], stage="stability stage")
    table = stability_table(inputs.registry, redraws, findings, method, total)
    for row in table.itertuples():
        if row.assessed:
            LOGGER.info("%s: reproduced in %d of %d alternative samples (%.1f%%); actual verdict: %s", row.finding,
                        row.reproduced, total, 100 * row.share_reproduced, row.observed_verdict)
    record = {
        "method": method, "method_reason": reason, "redraws": total, "chunks": int(settings["chunks"]),
        "seed": int(settings["seed"]), "statistics_seed": int(statistics_seed),
        "population_size": int(inputs.record["population_size"]), "sample_size": int(inputs.record["sample_size"]),
        "fraction": inputs.record["fraction"], "stratify_by": inputs.record.get("stratify_by"),
        "simulated": inputs.simulated,
        "redraw_seeds": "SHA-256 of '<seed>:stability:<redraw>' (first 8 bytes, big-endian), as the tests stage derives its seeds",
        "design": ("each alternative sample is drawn like the real one: the plans with the smallest SHA-256 of "
                   "'<redraw seed>:<plan_id>', same fraction and stratification" if method == REDRAW else
                   "each alternative sample is n plans drawn with replacement from the n sampled plans "
                   "(numpy PCG64 seeded with the redraw seed)"),
    }
    out_dir = Path(out_dir)
    tables = {"stability.csv": table, "redraws.csv": redraws}
    write_outputs({
        out_dir / "stability.csv": csv_bytes(table),
        out_dir / "redraws.csv": csv_bytes(redraws),
        out_dir / "stability_record.json": json_bytes(record),
        out_dir / "datapackage.json": json_bytes(stage_datapackage(STAGE, TABLES, tables, inputs.simulated)),
    })
    return table


TABLES: dict[str, dict[str, Any]] = {
    "stability.csv": {
        "title": "Stability of every finding across alternative random samples",
        "description": "One row per finding: how often the pipeline reaches each verdict on alternative samples "
                       "of the same design (see stability_record.json for the design, number and seeds).",
        "columns": {
            "finding": "finding id", "method": "redraw (new samples from the frame) or bootstrap (resamples of the sample)",
            "redraws": "number of alternative samples", "assessed": "false when the design cannot re-assess the finding",
            "not_assessed_reason": "why the finding is not assessed (empty when it is)",
            "reproduced": "alternative samples in which the finding is reproduced",
            "partly_reproduced": "alternative samples with the verdict partly reproduced",
            "trend_only": "alternative samples with the verdict trend only",
            "not_reproduced": "alternative samples with the verdict not reproduced",
            "not_testable": "alternative samples in which the finding is not testable",
            "observed": "alternative samples in which the descriptive finding is observed as stated",
            "share_reproduced": "share of the alternative samples in which the finding holds: reproduced, or observed "
                                "for a descriptive finding",
            "share_ci_low": "95% Wilson interval of share_reproduced (Monte Carlo uncertainty), lower bound",
            "share_ci_high": "upper bound of that interval",
            "observed_verdict": "verdict on the actual sample (findings/findings.csv)",
            "share_same_verdict": "share of alternative samples with the actual sample's verdict",
            "median_p_deciding": "median over the samples of the deciding (largest adjusted) p-value",
        },
    },
    "redraws.csv": {
        "title": "Verdict of every finding on every alternative sample",
        "description": "One row per alternative sample and finding.",
        "columns": {
            "redraw": "number of the alternative sample (1..redraws)", "seed": "its seed, derived from the master seed",
            "finding": "finding id", "verdict": "verdict on this sample (same rule as the findings stage)",
            "p_deciding": "largest adjusted p-value of the finding's tested components (empty: none tested)",
        },
    },
}


def run_stability(derived_dir: Path | str, codebook_path: Path | str, registry_path: Path | str,
                  settings: Mapping[str, Any], statistics_seed: int) -> pd.DataFrame:
    """Every chunk then the merge, in this process, on a derived folder that already holds the
    validated, sample and findings stages (tests and benchmarks; Snakemake runs the chunks as
    separate jobs)."""
    derived = Path(derived_dir)
    common = (derived / "validated", derived / "sample", codebook_path, registry_path, settings, statistics_seed)
    chunk_paths = [derived / STAGE / "chunks" / f"chunk-{chunk}.csv" for chunk in range(int(settings["chunks"]))]
    for chunk, path in enumerate(chunk_paths):
        run_chunk(*common, chunk, path)
    return run_merge(*common, chunk_paths, derived / "findings" / "findings.csv", derived / STAGE)
