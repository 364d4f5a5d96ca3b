"""The sampling stage: a reproducible simple random sample of the deposited plans (finding M1).

The source analysed "a random 40% of the deposited action plans". This stage draws that sample
from the sampling frame (``plans.csv``, one row per deposited plan), keeps the codings of the
sampled plans only, and checks that the sample resembles the frame on what is known for every
plan (mobilisation level and region).

How the sample is drawn, in words anyone can redo by hand, in R or in a spreadsheet:

1. The sample size is ``n = floor(f * N + 0.5)`` (round half up) for the fraction ``f`` and the
   number of plans ``N``, computed in exact decimal arithmetic, then kept between 1 and ``N``
   (see :func:`sample_size`).
2. Every plan gets a key: the SHA-256 digest of the text ``"<seed>:<plan_id>"`` (UTF-8), read as
   a 256-bit big-endian integer (see :func:`plan_keys`).
3. The sample is the ``n`` plans with the smallest keys (ties, which never occur in practice,
   are broken by plan id).

A cryptographic hash behaves like an independent uniform draw for each plan, so every subset of
``n`` plans is equally likely to be the one with the ``n`` smallest keys: the result is a simple
random sample without replacement. Unlike a pseudo-random generator it does not depend on the
library version, the platform or the order of the rows in the frame, and the seed together with
the plan ids is all it takes to check it.

Optionally the sample is stratified by a column of the frame with proportional allocation by the
largest-remainder (Hamilton) method (see :func:`allocate_proportional`); within each stratum the
plans with the smallest keys are taken.

The outputs go to one folder (``data/derived/sample/``): the sampled plans, the codings of the
sampled plans (downstream stages read only this file), the sampled plans that have no coding,
the balance table and tests, and a JSON record of everything needed to redo the draw.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import numbers
import platform
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy
import scipy.special  # the chi-square tail (chdtrc, what scipy.stats.chi2.sf computes) without scipy.stats

from ..codebook import Codebook, load_codebook
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..problems import InputError, Problem, display_path
from ..io.tables import read_typed_csv
from ..describe import stage_datapackage
from .validate import CODING_COLUMNS, PLAN_COLUMNS
from .validate import TABLES as VALIDATED_TABLES

LOGGER = logging.getLogger("rlp_pipeline.stages.sample")

CONFIG_FILE = "config/config.yaml"
STAGE = "sampling"

# Columns a sample may be stratified by: what is known for every plan of the frame.
STRATIFY_COLUMNS = ("mobilisation_level", "mobilisation_group", "region")
# Frame variables whose balance between sample and frame is shown, with their codebook section.
BALANCE_VARIABLES = {"mobilisation_level": "mobilisation_levels", "region": "regions"}

PLAN_INTEGER_COLUMNS = ("region", "mobilisation_level", "source_line")
CODING_INTEGER_COLUMNS = ("coding_id", "source_line")

ROUNDING_RULE = (
    "n = floor(fraction x N + 0.5) (round half up), computed in exact decimal arithmetic on the "
    "fraction as written, then kept between 1 and N"
)
METHOD_SRS = "simple random sample without replacement, smallest SHA-256 keys"
METHOD_STRATIFIED = (
    "stratified random sample without replacement by {column}, proportional allocation by the "
    "largest-remainder (Hamilton) method, smallest SHA-256 keys within each stratum"
)


# --------------------------------------------------------------------------------------------
# Reading the validated tables
# --------------------------------------------------------------------------------------------


def read_validated(folder: Path | str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read the validation stage's ``plans.csv``, ``codings.csv`` and ``provenance.json``.

    Every column is read as text (so a plan id such as ``NA`` stays the text "NA" and an empty
    name stays empty), then the integer columns are converted. Every problem found (missing file,
    missing column, non-integer value, unreadable JSON) is reported at once in an
    :class:`InputError`.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    plans = _read_table(folder / "plans.csv", PLAN_COLUMNS, PLAN_INTEGER_COLUMNS, problems)
    codings = _read_table(folder / "codings.csv", CODING_COLUMNS, CODING_INTEGER_COLUMNS, problems)
    provenance = _read_provenance(folder / "provenance.json", problems)
    if problems:
        raise InputError(problems, stage=STAGE)
    return plans, codings, provenance


def _read_table(path: Path, columns: Sequence[str], integer_columns: Sequence[str],
                problems: list[Problem]) -> pd.DataFrame:
    shown = display_path(path)
    if not path.is_file():
        problems.append(Problem(shown, None, None, None, "the file written by the validation stage"))
        return pd.DataFrame(columns=list(columns))
    table = read_typed_csv(path, integer_columns)
    if table is None:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in table.columns]
    for column in missing:
        problems.append(Problem(shown, 1, column, None, f"a column named '{column}'"))
    for column in integer_columns:
        if column in missing or table[column].dtype == "int64":
            continue
        converted = pd.to_numeric(table[column], errors="coerce")
        bad = converted.isna() | (converted != converted.round())
        for position in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem(shown, int(position) + 2, column, str(table[column].iloc[position]),
                                    "a whole number"))
        if not bad.any():
            table[column] = converted.astype("int64")
    return table


def _read_provenance(path: Path, problems: list[Problem]) -> dict:
    shown = display_path(path)
    if not path.is_file():
        problems.append(Problem(shown, None, None, None, "the file written by the validation stage"))
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        problems.append(Problem(shown, getattr(error, "lineno", None), None, None, f"valid JSON ({error})"))
        return {}
    if not isinstance(document, dict) or not isinstance(document.get("simulated"), bool):
        problems.append(Problem(shown, None, "simulated", None, "a JSON object with \"simulated\": true or false"))
        return {}
    return document


# --------------------------------------------------------------------------------------------
# Checking the settings
# --------------------------------------------------------------------------------------------


def _fraction_problems(fraction: Any) -> list[Problem]:
    """A problem if the fraction is not a number greater than 0 and at most 1."""
    is_number = isinstance(fraction, (numbers.Real, Decimal)) and not isinstance(fraction, bool)
    if is_number and math.isfinite(fraction) and 0 < fraction <= 1:
        return []
    return [Problem(CONFIG_FILE, None, "sampling.fraction", str(fraction),
                    "a fraction greater than 0 and at most 1")]


def _seed_problems(seed: Any) -> list[Problem]:
    """A problem if the seed is not a whole number >= 0 (numpy's generator needs one)."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return []
    return [Problem(CONFIG_FILE, None, "sampling.seed", str(seed), "a whole number, 0 or more")]


def _stratify_problems(stratify_by: Any, columns: Iterable[str]) -> list[Problem]:
    """A problem if `stratify_by` is neither null nor one of the frame columns allowed."""
    allowed = [c for c in STRATIFY_COLUMNS if c in set(columns)]
    if stratify_by is None or (isinstance(stratify_by, str) and stratify_by in allowed):
        return []
    return [Problem(CONFIG_FILE, None, "sampling.stratify_by", str(stratify_by),
                    "null (no stratification) or one of the frame's columns " + ", ".join(allowed))]


def _resamples_problems(resamples: Any) -> list[Problem]:
    """A problem if the number of Monte Carlo redraws is not a whole number of at least 1."""
    if isinstance(resamples, numbers.Integral) and not isinstance(resamples, bool) and resamples >= 1:
        return []
    return [Problem(CONFIG_FILE, None, "sampling.balance_resamples", str(resamples),
                    "a whole number of redraws, 1 or more (10000 is usual)")]


def check_sampling_config(sampling_config: Mapping[str, Any], columns: Iterable[str]) -> list[Problem]:
    """Every problem of the ``sampling:`` settings, given the columns of the frame."""
    if not isinstance(sampling_config, Mapping):
        return [Problem(CONFIG_FILE, None, "sampling", str(sampling_config),
                        "a mapping with fraction, seed, stratify_by and balance_resamples")]
    problems: list[Problem] = []
    for key in ("fraction", "seed", "balance_resamples"):
        if key not in sampling_config:
            problems.append(Problem(CONFIG_FILE, None, f"sampling.{key}", None, f"a value for sampling.{key}"))
    if "fraction" in sampling_config:
        problems += _fraction_problems(sampling_config["fraction"])
    if "seed" in sampling_config:
        problems += _seed_problems(sampling_config["seed"])
    problems += _stratify_problems(sampling_config.get("stratify_by"), columns)
    if "balance_resamples" in sampling_config:
        problems += _resamples_problems(sampling_config["balance_resamples"])
    return problems


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems, stage=STAGE)


# --------------------------------------------------------------------------------------------
# Drawing the sample
# --------------------------------------------------------------------------------------------


def sample_size(population_size: int, fraction: Any) -> int:
    """The number of plans to sample: ``floor(fraction * N + 0.5)``, at least 1 and at most N.

    Rounding is half up, computed exactly on the decimal fraction as written (``Decimal(str(f))``)
    so that binary floating point cannot tip a half case: 0.4 x 140 = 56 exactly, 0.5 x 5 = 2.5
    gives 3, 0.4 x 7 = 2.8 gives 3, 0.375 x 4 = 1.5 gives 2. A fraction outside (0, 1] raises
    :class:`InputError` naming ``sampling.fraction``.
    """
    _raise_if(_fraction_problems(fraction))
    if isinstance(population_size, bool) or not isinstance(population_size, numbers.Integral) or population_size < 1:
        raise ValueError(f"the sampling frame must hold at least one plan (got {population_size!r})")
    exact = _exact_fraction(fraction) * int(population_size) + Fraction(1, 2)
    n = math.floor(exact)
    return max(1, min(int(population_size), n))


def _exact_fraction(fraction: Any) -> Fraction:
    """The fraction as written, exactly: 0.4 is 2/5, not the nearest binary double."""
    if isinstance(fraction, Fraction):
        return fraction
    return Fraction(Decimal(str(fraction)))


def plan_key(plan_id: str, seed: Any) -> int:
    """The random key of one plan: SHA-256 of ``"<seed>:<plan_id>"`` (UTF-8) as a big-endian integer."""
    digest = hashlib.sha256(f"{seed}:{plan_id}".encode("utf-8")).digest()
    return int.from_bytes(digest, "big")


def plan_keys(plan_ids: Iterable[str], seed: Any) -> list[int]:
    """The random key of every plan, in the order given (see :func:`plan_key`).

    A key depends only on the seed and the plan's own id, never on the other plans, their order,
    a library or the platform: it can be recomputed anywhere that has SHA-256 (for example
    ``digest::digest(paste0(seed, ":", id), "sha256", serialize = FALSE)`` in R, with the seed
    written as plain digits). The digests are fixed-length hexadecimal text, so sorting them as
    lower-case text gives the same order as the integers.
    """
    return [plan_key(str(plan_id), seed) for plan_id in plan_ids]


def allocate_proportional(stratum_sizes: Mapping[Any, int], n: int) -> dict[Any, int]:
    """Share ``n`` sampled plans among strata in proportion to their sizes (Hamilton's method).

    Each stratum h of size N_h has the exact quota ``q_h = n * N_h / N`` (which is the fraction
    times N_h, up to the rounding of n, and sums exactly to n). Every stratum first gets
    ``floor(q_h)``; the plans left over go one each to the strata with the largest remainders
    ``q_h - floor(q_h)``; equal remainders are ordered by larger N_h, then by stratum value. The
    result sums to n and no stratum gets more plans than it has. Quotas are exact fractions, so
    ties are real ties, not floating-point accidents.
    """
    sizes = {stratum: int(size) for stratum, size in stratum_sizes.items()}
    total = sum(sizes.values())
    if any(size < 0 for size in sizes.values()) or total < 1:
        raise ValueError(f"stratum sizes must be >= 0 with a positive total (got {sizes!r})")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= n <= total:
        raise ValueError(f"n must be a whole number between 0 and {total} (got {n!r})")
    quotas = {stratum: Fraction(int(n) * size, total) for stratum, size in sizes.items()}
    allocation = {stratum: math.floor(quota) for stratum, quota in quotas.items()}
    left_over = int(n) - sum(allocation.values())
    strata = sorted(sizes)
    by_remainder = sorted(
        strata,
        key=lambda s: (-(quotas[s] - allocation[s]), -sizes[s], strata.index(s)),
    )
    for stratum in by_remainder[:left_over]:
        allocation[stratum] += 1
    return allocation


def stratum_sizes(plans: pd.DataFrame, column: str) -> dict[Any, int]:
    """Number of plans of the frame in each value of `column`, in the values' sorted order."""
    return value_counts(plans[column].tolist())


def value_counts(values: Sequence[Any]) -> dict[Any, int]:
    """How many times each value occurs, in the values' sorted order."""
    counts = Counter(values)
    return {value: counts[value] for value in sorted(counts)}


def sample_positions(ids: Sequence[str], fraction: Any, seed: Any, strata: Sequence[Any] | None = None) -> list[int]:
    """Positions (in ``ids``) of the sampled plans, smallest key first: the draw of
    :func:`draw_sample` on checked inputs (unique ids, valid fraction and seed), without building
    a table, for the stability stage, which draws a thousand alternative samples from one frame.
    ``strata`` holds each plan's stratum (stratified draw) or is None."""
    n = sample_size(len(ids), fraction)
    keys = plan_keys(ids, seed)
    by_key = sorted(range(len(ids)), key=lambda i: (keys[i], ids[i]))
    if strata is None:
        return by_key[:n]
    allocation = allocate_proportional(value_counts(strata), n)
    taken: Counter = Counter()
    chosen = []
    for position in by_key:
        if taken[strata[position]] < allocation[strata[position]]:
            chosen.append(position)
            taken[strata[position]] += 1
    return chosen


def draw_sample(plans: pd.DataFrame, fraction: Any, seed: Any, stratify_by: str | None = None) -> pd.DataFrame:
    """The sampled rows of the frame, in frame order, with their ``sampling_rank`` (1..n by key).

    Without stratification the sample is the n plans with the smallest SHA-256 keys, n from
    :func:`sample_size`: a simple random sample without replacement. With ``stratify_by`` the
    total n is the same, shared among the strata by :func:`allocate_proportional`, and each
    stratum contributes its n_h plans with the smallest keys. ``sampling_rank`` orders the sampled
    plans by key (1 = smallest). The set of sampled plans and their ranks do not depend on the
    order of the rows. The frame is not modified.
    """
    _raise_if(_fraction_problems(fraction) + _seed_problems(seed) + _stratify_problems(stratify_by, plans.columns))
    ids = [str(plan_id) for plan_id in plans["plan_id"].tolist()]
    duplicated = sorted({plan_id for plan_id, count in Counter(ids).items() if count > 1})
    if duplicated:
        raise ValueError(f"plan ids must be unique in the frame; repeated: {', '.join(duplicated)}")
    chosen = sample_positions(ids, fraction, seed, None if stratify_by is None else plans[stratify_by].tolist())
    rank = {position: r for r, position in enumerate(chosen, start=1)}
    in_frame_order = sorted(chosen)
    sample = plans.iloc[in_frame_order].reset_index(drop=True)
    sample["sampling_rank"] = np.array([rank[p] for p in in_frame_order], dtype="int64")
    return sample


# --------------------------------------------------------------------------------------------
# Does the sample look like the frame?
# --------------------------------------------------------------------------------------------


def _categories(plans: pd.DataFrame, variable: str, codebook: Codebook | None = None) -> list[Any]:
    """Categories of a variable present in the frame, in codebook order when a codebook is given."""
    present = set(plans[variable].tolist())
    if codebook is None:
        return sorted(present)
    section = BALANCE_VARIABLES[variable]
    unknown = sorted(present - set(codebook.ids(section)))
    if unknown:
        raise ValueError(f"values of {variable} not in the codebook's {section}: {unknown}")
    return [code for code in codebook.ids(section) if code in present]


def balance_table(plans: pd.DataFrame, sampled_ids: Iterable[str], codebook: Codebook) -> pd.DataFrame:
    """Frame, sample and not-sampled plans side by side, by mobilisation level and by region.

    Long format, one row per category present in the frame (codebook order): counts and column
    percentages for the frame (population), the sample and the plans not sampled, and the
    difference sample minus population in percentage points. Labels come from the codebook.
    A percentage over an empty group (no plan left out when the fraction is 1) is empty.
    """
    sampled = plans["plan_id"].astype(str).isin({str(i) for i in sampled_ids}).to_numpy()
    population_total, sample_total = len(plans), int(sampled.sum())
    rest_total = population_total - sample_total
    rows = []
    for variable, section in BALANCE_VARIABLES.items():
        values = plans[variable].to_numpy()
        for category in _categories(plans, variable, codebook):
            in_category = values == category
            population_n = int(in_category.sum())
            sample_n = int((in_category & sampled).sum())
            rest_n = population_n - sample_n
            population_pct = 100 * population_n / population_total
            sample_pct = 100 * sample_n / sample_total if sample_total else math.nan
            rows.append({
                "variable": variable,
                "category": category,
                "label_fr": codebook.label(section, category, "fr"),
                "label_en": codebook.label(section, category, "en"),
                "population_n": population_n,
                "population_pct": population_pct,
                "sample_n": sample_n,
                "sample_pct": sample_pct,
                "not_sampled_n": rest_n,
                "not_sampled_pct": 100 * rest_n / rest_total if rest_total else math.nan,
                "difference_pct_points": sample_pct - population_pct,
            })
    return pd.DataFrame(rows, columns=[
        "variable", "category", "label_fr", "label_en", "population_n", "population_pct", "sample_n",
        "sample_pct", "not_sampled_n", "not_sampled_pct", "difference_pct_points",
    ])


def pearson_chi_square(sample_counts: np.ndarray, population_counts: np.ndarray) -> np.ndarray:
    """Pearson's X² of the 2 x K table sampled / not sampled by category, for one or many samples.

    `sample_counts` has shape (K,) or (R, K): the sampled plans per category; `population_counts`
    (K,) the frame's plans per category (all > 0). The not-sampled row is the difference. With
    both margins fixed, the two cells of a column deviate from their expectations by opposite
    amounts d, so X² = sum over categories of d² (1/E_sampled + 1/E_not_sampled).
    """
    population = np.asarray(population_counts, dtype=float)
    counts = np.asarray(sample_counts, dtype=float)
    total, n = population.sum(), counts.sum(axis=-1, keepdims=True)
    expected_in = n * population / total
    expected_out = (total - n) * population / total
    deviation = counts - expected_in
    return (deviation**2 * (1 / expected_in + 1 / expected_out)).sum(axis=-1)


def _redrawn_counts(population_counts: list[np.ndarray], n: int, resamples: int, seed: int) -> list[np.ndarray]:
    """Category counts of `resamples` simple random samples of size n, for each variable.

    The counts of a simple random sample of n plans across the categories of a variable follow
    the multivariate hypergeometric distribution with the frame's counts, so they are drawn from
    it directly (numpy ``Generator(PCG64(seed)).multivariate_hypergeometric``): the same
    distribution as redrawing plans, at a cost that does not grow with the size of the frame.
    The result is one (resamples, K) count matrix per variable.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    return [rng.multivariate_hypergeometric(counts.astype(np.int64), n, size=resamples) for counts in population_counts]


def balance_tests(plans: pd.DataFrame, sampled_ids: Iterable[str], resamples: int, seed: int,
                  stratify_by: str | None = None) -> pd.DataFrame:
    """Does the sample look like a random draw from the frame? One row per frame variable.

    For mobilisation level and region (known for every plan, finding M1): Pearson's chi-square of
    sampled vs not sampled across the categories present in the frame (2 x K table), its degrees
    of freedom, the asymptotic p (chi-square distribution), whether Cochran's rule holds (every
    expected count >= 1 and at least 80% >= 5), and a Monte Carlo p-value that needs no such rule:
    `resamples` simple random samples of the same size are redrawn from the frame (their
    category counts drawn from the multivariate hypergeometric distribution,
    ``Generator(PCG64(seed))``) and ``p = (1 + #{X² >= observed}) / (resamples + 1)``, with
    standard error ``sqrt(p (1 - p) / resamples)``. The Monte Carlo p is the primary one. A small
    p says the sample differs from the frame more than random draws usually do. A variable the
    sample was stratified by is balanced by design; its row is still computed and says so.
    """
    if isinstance(resamples, bool) or not isinstance(resamples, numbers.Integral) or resamples < 1:
        raise ValueError(f"resamples must be a whole number >= 1 (got {resamples!r})")
    sampled = plans["plan_id"].astype(str).isin({str(i) for i in sampled_ids}).to_numpy()
    population_size, n = len(plans), int(sampled.sum())
    if n < 1:
        raise ValueError("no plan of the frame is in the sample")
    variables = list(BALANCE_VARIABLES)
    observed_counts, population_counts = [], []
    for variable in variables:
        values = plans[variable].to_numpy()
        categories = _categories(plans, variable)
        indicator = np.stack([values == c for c in categories], axis=1).astype(np.int64)
        observed_counts.append(sampled.astype(np.int64) @ indicator)
        population_counts.append(indicator.sum(axis=0))
    testable = n < population_size
    redrawn = _redrawn_counts(population_counts, n, int(resamples), int(seed)) if testable else None
    rows = []
    for index, variable in enumerate(variables):
        population = population_counts[index]
        categories = len(population)
        expected = np.concatenate([n * population, (population_size - n) * population]) / population_size
        cochran = bool((expected >= 1).all() and (expected >= 5).mean() >= 0.8)
        if testable and categories >= 2:
            statistic = float(pearson_chi_square(observed_counts[index], population))
            simulated = pearson_chi_square(redrawn[index], population)
            # Equal statistics computed in a different order may differ in the last bits.
            exceed = int((simulated >= statistic * (1 - 64 * np.finfo(float).eps)).sum())
            p_mc = (1 + exceed) / (resamples + 1)
            p_asymptotic = float(scipy.special.chdtrc(categories - 1, statistic))  # chi2.sf itself: no scipy.stats import (0.7 s)
            note = ""
        else:
            statistic, p_mc, p_asymptotic = 0.0, 1.0, 1.0
            note = (" Nothing to test: the sample is the whole frame." if not testable
                    else " Nothing to test: the frame has a single category.")
        method = (
            f"Pearson chi-square of sampled vs not sampled plans by {variable} (2 x {categories} table, "
            f"categories present in the frame); primary p-value by Monte Carlo: {resamples} simple random "
            f"samples of {n} plans redrawn from the {population_size} plans of the frame "
            f"(numpy PCG64, seed {seed}), p = (1 + number of redraws with X² >= observed) / "
            f"({resamples} + 1); the asymptotic chi-square p is shown for reference."
        )
        balanced = stratify_by == variable
        if balanced:
            method += (f" Balanced by design: the sample was stratified by {variable} with proportional "
                       "allocation, so this row is a check of the allocation, not a test of chance.")
        elif stratify_by is not None:
            method += (f" The sample was stratified by {stratify_by}; the redraws are simple random samples, "
                       "which makes this test slightly conservative.")
        rows.append({
            "variable": variable,
            "categories": categories,
            "population_n": population_size,
            "sample_n": n,
            "statistic": statistic,
            "df": categories - 1,
            "p_value_asymptotic": p_asymptotic,
            "min_expected": float(expected.min()),
            "share_expected_ge_5": float((expected >= 5).mean()),
            "cochran_rule_holds": cochran,
            "p_value_monte_carlo": p_mc,
            "monte_carlo_se": math.sqrt(p_mc * (1 - p_mc) / resamples),
            "monte_carlo_resamples": int(resamples),
            "monte_carlo_seed": int(seed),
            "primary_p_value": p_mc,
            "balanced_by_design": balanced,
            "method": method + note,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------------------------


def run_sampling(validated_dir: Path | str, out_dir: Path | str, sampling_config: Mapping[str, Any],
                 codebook: Codebook | Path | str) -> None:
    """Draw the sample from the validated frame and write the sampling stage's outputs.

    Reads ``plans.csv``, ``codings.csv`` and ``provenance.json`` from `validated_dir`, checks the
    ``sampling:`` settings (every problem at once), draws the sample, keeps the codings of the
    sampled plans, computes the balance table and tests, then writes in one go into `out_dir`:
    ``sampled_plans.csv``, ``codings.csv`` (sampled plans only: the only codings later stages
    read), ``sampled_without_codings.csv``, ``balance.csv``, ``balance_tests.csv`` and
    ``sampling_record.json``. Nothing is written if anything fails.
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    plans, codings, provenance = read_validated(validated_dir)
    _raise_if(check_sampling_config(sampling_config, plans.columns))
    if len(plans) == 0:
        _raise_if([Problem(display_path(Path(validated_dir) / "plans.csv"), None, None, None,
                           "at least one plan in the sampling frame")])
    fraction = sampling_config["fraction"]
    seed = sampling_config["seed"]
    stratify_by = sampling_config.get("stratify_by")
    resamples = sampling_config["balance_resamples"]

    population_size = len(plans)
    LOGGER.info("Sampling frame: N = %d plans; fraction %s; seed %s; stratified by %s.",
                population_size, fraction, seed, stratify_by or "nothing")
    sample = draw_sample(plans, fraction, seed, stratify_by)
    n = len(sample)
    sampled_ids = sample["plan_id"].astype(str).tolist()
    LOGGER.info("Sample: n = %d plans (round half up of fraction x N, between 1 and N).", n)
    allocation = None
    if stratify_by is not None:
        sizes = stratum_sizes(plans, stratify_by)
        shares = allocate_proportional(sizes, n)
        allocation = [{"stratum": _plain(value), "population_n": size, "sample_n": shares[value]}
                      for value, size in sizes.items()]

    in_sample = codings["plan_id"].astype(str).isin(set(sampled_ids))
    kept_codings = codings[in_sample].reset_index(drop=True)
    set_aside = int((~in_sample).sum())
    LOGGER.info("Codings: %d kept (sampled plans), %d set aside (plans outside the sample).",
                len(kept_codings), set_aside)
    coded = kept_codings["plan_id"].astype(str).unique()
    without = sample.loc[~sample["plan_id"].astype(str).isin(coded),
                         ["plan_id", "name", "region", "mobilisation_level"]].reset_index(drop=True)
    without_ids = without["plan_id"].astype(str).tolist()
    if without_ids:
        LOGGER.warning("%d sampled plan(s) have no coding: %s.", len(without_ids), ", ".join(without_ids))

    balance = balance_table(plans, sampled_ids, codebook)
    tests = balance_tests(plans, sampled_ids, resamples, seed, stratify_by=stratify_by)
    for row in tests.itertuples():
        LOGGER.info("Balance on %s: X² = %.3f, df = %d, Monte Carlo p = %.4f (asymptotic p = %.4f).",
                    row.variable, row.statistic, row.df, row.p_value_monte_carlo, row.p_value_asymptotic)

    sample_bytes = csv_bytes(sample)
    frame_path = Path(validated_dir) / "plans.csv"
    record = {
        "population_size": population_size,
        "sample_size": n,
        "fraction": fraction if isinstance(fraction, int) else float(fraction),
        "rounding_rule": ROUNDING_RULE,
        "seed": seed,
        "method": METHOD_SRS if stratify_by is None else METHOD_STRATIFIED.format(column=stratify_by),
        "key": "sha256 of the UTF-8 text '<seed>:<plan_id>' read as a big-endian integer; "
               "the sample is the plans with the smallest keys (ties by plan id)",
        "stratify_by": stratify_by,
        "allocation": allocation,
        "codings_in_sample": int(len(kept_codings)),
        "codings_set_aside": set_aside,
        "sampled_without_codings": len(without_ids),
        "sampled_without_codings_ids": without_ids,
        "balance_resamples": resamples,
        "simulated": bool(provenance["simulated"]),
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
        },
        "sampled_plans_sha256": hashlib.sha256(sample_bytes).hexdigest(),
        "frame_sha256": hashlib.sha256(frame_path.read_bytes()).hexdigest(),
    }
    out_dir = Path(out_dir)
    write_outputs({
        out_dir / "sampled_plans.csv": sample_bytes,
        out_dir / "codings.csv": csv_bytes(kept_codings),
        out_dir / "sampled_without_codings.csv": csv_bytes(without),
        out_dir / "balance.csv": csv_bytes(balance),
        out_dir / "balance_tests.csv": csv_bytes(tests),
        out_dir / "sampling_record.json": json_bytes(record),
        out_dir / "datapackage.json": json_bytes(stage_datapackage("sample", TABLES, {
            "sampled_plans.csv": sample, "codings.csv": kept_codings, "sampled_without_codings.csv": without,
            "balance.csv": balance, "balance_tests.csv": tests}, bool(provenance["simulated"]))),
    })
    LOGGER.info("Wrote the sample of %d plans and its checks to %s.", n, display_path(out_dir))


def _plain(value: Any) -> Any:
    """A numpy scalar as the plain Python value JSON can hold."""
    return value.item() if isinstance(value, np.generic) else value


_PCT = "Percentage (0-100) of the plans of that group in the category."
TABLES: dict[str, dict[str, Any]] = {
    "sampled_plans.csv": {
        "title": "The sampled plans",
        "description": "Rows of the validated frame drawn into the sample, in frame order.",
        "columns": {**VALIDATED_TABLES["plans.csv"]["columns"],
                    "sampling_rank": "Rank of the plan's SHA-256 key among the sampled plans (1 = smallest)."},
    },
    "codings.csv": {
        "title": "Codings of the sampled plans",
        "description": "Validated codings of the sampled plans only; later stages read this file.",
        "columns": VALIDATED_TABLES["codings.csv"]["columns"],
    },
    "sampled_without_codings.csv": {
        "title": "Sampled plans without any coding",
        "description": "Sampled plans with no coded passage: left out of the analysis denominators.",
        "columns": {key: VALIDATED_TABLES["plans.csv"]["columns"][key]
                    for key in ("plan_id", "name", "region", "mobilisation_level")},
    },
    "balance.csv": {
        "title": "Sample and population by mobilisation level and region",
        "description": "Counts and percentages in the frame, the sample and the plans left out (finding M1).",
        "columns": {
            "variable": "mobilisation_level or region", "category": "Code of the category (codebook).",
            "label_fr": "French label (codebook).", "label_en": "English label (codebook).",
            "population_n": "Plans of the frame in the category.", "population_pct": _PCT,
            "sample_n": "Sampled plans in the category.", "sample_pct": _PCT,
            "not_sampled_n": "Plans left out in the category.", "not_sampled_pct": _PCT,
            "difference_pct_points": "sample_pct minus population_pct, in percentage points.",
        },
    },
    "balance_tests.csv": {
        "title": "Does the sample look like a random draw from the frame?",
        "description": "Pearson chi-square of sampled vs not sampled plans per variable, with a Monte Carlo p-value.",
        "columns": {
            "variable": "Variable known for every plan.", "categories": "Categories present in the frame.",
            "population_n": "Plans in the frame (N).", "sample_n": "Plans in the sample (n).",
            "statistic": "Pearson chi-square of the 2 x K table sampled / not sampled.", "df": "Degrees of freedom.",
            "p_value_asymptotic": "p-value from the chi-square distribution.",
            "min_expected": "Smallest expected count.", "share_expected_ge_5": "Share of expected counts of at least 5.",
            "cochran_rule_holds": "Every expected count >= 1 and at least 80% >= 5.",
            "p_value_monte_carlo": "Monte Carlo p-value over redrawn simple random samples (primary).",
            "monte_carlo_se": "Standard error of the Monte Carlo p-value.",
            "monte_carlo_resamples": "Number of redrawn samples.", "monte_carlo_seed": "Seed of the redraws.",
            "primary_p_value": "The p-value used: the Monte Carlo one.",
            "balanced_by_design": "True when the sample was stratified by this variable.",
            "method": "How the test was computed.",
        },
    },
}
