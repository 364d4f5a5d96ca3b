"""Per-plan tables: the unit of analysis is the plan, not the coded passage.

A plan that codes a strategy five times uses it once. Every statistic of the report starts from
the tables built here: for each analysed plan, whether it uses each object, strategy,
sub-strategy or (object, strategy) pair, and how many passages it codes for each. The analysed
plans are the sampled plans with at least one coding; sampled plans without codings are listed by
the sampling stage and left out of the denominators (they may simply not have been coded yet).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import Codebook
from .io.tables import read_typed_csv

# (codebook section, codings column) of each per-plan variable.
VARIABLES = {
    "objects": "object",
    "strategies": "strategy",
    "substrategies": "substrategy",
    "statuses": "status",
}


@dataclass(frozen=True)
class AnalysedSample:
    """The sampled plans that are analysed, their codings, and the sampling record."""

    plans: pd.DataFrame  # one row per analysed plan, in sample order: plan_id, level, group, region...
    codings: pd.DataFrame  # codings of the analysed plans
    record: dict  # sampling_record.json (includes the `simulated` flag)
    # Per-plan use tables already built, by (codings column, categories): see variable_use.
    _uses: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def plan_ids(self) -> list[str]:
        return self.plans["plan_id"].tolist()


def read_analysed_sample(sample_dir: Path | str) -> AnalysedSample:
    """Read the sampling stage's outputs and keep the sampled plans that have codings."""
    sample_dir = Path(sample_dir)
    plans = _read_sample_table(sample_dir / "sampled_plans.csv",
                               ("region", "mobilisation_level", "source_line", "sampling_rank"))
    codings = _read_sample_table(sample_dir / "codings.csv", ("coding_id", "source_line"))
    record = json.loads((sample_dir / "sampling_record.json").read_text(encoding="utf-8"))
    analysed = plans[plans["plan_id"].isin(codings["plan_id"].unique())].reset_index(drop=True)
    return AnalysedSample(analysed, codings[codings["plan_id"].isin(analysed["plan_id"].unique())].reset_index(drop=True), record)


def _read_sample_table(path: Path, integer_columns: tuple[str, ...]) -> pd.DataFrame:
    """A table of the sampling stage: text columns, and whole numbers in `integer_columns`."""
    table = read_typed_csv(path, integer_columns)
    if table is None:  # read as text, so that a bad value raises the conversion's own error
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in integer_columns:
            table[column] = table[column].astype("int64")
    return table


def coding_counts(codings: pd.DataFrame, plan_ids: list[str], column: str, categories: list) -> pd.DataFrame:
    """Number of coded passages per plan (rows, in `plan_ids` order) and category (columns, in
    codebook order); zero where a plan never codes a category. Empty cells of `column` (an
    optional sub-strategy left blank) are not counted."""
    rows = pd.Index(plan_ids).get_indexer(codings["plan_id"])
    columns = pd.Index(categories).get_indexer(codings[column])
    counted = (rows >= 0) & (columns >= 0)
    cells = rows[counted] * len(categories) + columns[counted]  # one bincount instead of np.add.at
    counts = np.bincount(cells, minlength=len(plan_ids) * len(categories)).astype("int64")
    counts = counts.reshape(len(plan_ids), len(categories))
    return pd.DataFrame(counts, index=pd.Index(plan_ids, name="plan_id"), columns=pd.Index(categories, name=column))


def plan_use(codings: pd.DataFrame, plan_ids: list[str], column: str, categories: list) -> pd.DataFrame:
    """1 where a plan codes a category at least once, else 0 (plans × categories)."""
    return (coding_counts(codings, plan_ids, column, categories) > 0).astype("int64")


def pair_use(codings: pd.DataFrame, plan_ids: list[str], codebook: Codebook) -> pd.DataFrame:
    """1 where a plan uses a strategy *for* an object (a coding with both), else 0.

    Columns are a MultiIndex (object, strategy) in codebook order.
    """
    pairs = pd.MultiIndex.from_product([codebook.ids("objects"), codebook.ids("strategies")], names=["object", "strategy"])
    pair_codes = codings["object"] + "\t" + codings["strategy"]
    keys = [f"{o}\t{s}" for o, s in pairs]
    use = plan_use(codings.assign(pair=pair_codes), plan_ids, "pair", keys)
    use.columns = pairs
    return use


def variable_use(sample: AnalysedSample, codebook: Codebook, section: str) -> pd.DataFrame:
    """Per-plan use (0/1) of every code of a codebook section: objects, strategies,
    substrategies or statuses.

    The stages ask for the same tables many times (each test of the battery, each finding's
    components); each is built once per sample and a copy handed out, so that a caller changing
    its copy cannot change another's."""
    column, categories = VARIABLES[section], list(codebook.ids(section))
    key = (column, tuple(categories))
    if key not in sample._uses:
        sample._uses[key] = plan_use(sample.codings, sample.plan_ids, column, categories)
    return sample._uses[key].copy()
