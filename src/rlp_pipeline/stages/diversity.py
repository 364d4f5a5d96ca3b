"""The diversity stage: per plan, how many and how diverse strategies it uses, and how complex
the strategies it intends are compared with those it already applies.

``per_plan.csv`` has one row per analysed plan (sampled plans with at least one coding):

* counts: coded passages, distinct objects, strategies and sub-strategies (findings F01, F13);
* diversity of the plan's passages over the strategies and over the sub-strategies: Shannon's
  entropy, the Gini-Simpson index and Pielou's evenness
  (:mod:`rlp_pipeline.stats.descriptive`; findings F02, F03, F13). They are computed on the number of
  coded passages per category, which is the only within-plan weight the coding gives; a plan
  with a single strategy has no evenness (empty, not 0 or 1);
* complexity (finding F04, « les petits pas »): for the DISTINCT strategies a plan codes as
  already applied, and for those it codes as intended, their number, their mean and their
  maximum rank in the codebook's documented complexity order (1 = simplest); and whether the
  intended strategies are on average more complex than the applied ones (only for plans with
  both statuses).

``summary.csv`` describes every numeric measure of ``per_plan.csv`` for all analysed plans, by
mobilisation level and by group (1-2 vs 3-4): n (non-missing values), mean, sd, median,
quartiles, minimum and maximum. Tests of differences between levels are computed elsewhere.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..describe import stage_datapackage
from ..stats.descriptive import describe_distribution, gini_simpson, pielou_evenness, richness, shannon
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..plan_tables import AnalysedSample, coding_counts, plan_use, read_analysed_sample
from ..problems import display_path
from ..stats.hill import hill_table
from ..stats import DEFAULT_RAREFACTION_SIZE

LOGGER = logging.getLogger("rlp_pipeline.stages.diversity")

STAGE = "diversity"
APPLIED, INTENDED = "applied", "intended"

_EVENNESS = ("Pielou's evenness J = H / ln S (S = number of {what} coded), 0-1: 1 when the {what} coded are "
             "coded equally often; empty when the plan codes fewer than two {what} (undefined).")
_SHANNON = ("Shannon's entropy H = -sum p ln p (natural log) of the plan's coded passages over the {what} "
            "(p = share of the plan's passages coded with each); 0 for a single {what}, ln S at most; empty "
            "when the plan has no passage with a {single}.")
_GINI = ("Gini-Simpson index 1 - sum p² of the plan's coded passages over the {what}: the chance that two "
         "passages drawn at random fall in different {what}; 0 for a single {what}; empty when the plan has no "
         "passage with a {single}.")


def _what(status: str) -> str:
    return "already applied" if status == APPLIED else "only intended"


PER_PLAN_COLUMNS: dict[str, str] = {
    "plan_id": "Identifier of the analysed plan.",
    "mobilisation_level": "Mobilisation level of the plan on Himmelman's scale (1 networking to 4 collaboration).",
    "mobilisation_group": "Group of the level: '1-2' (networking-coordination) or '3-4' (cooperation-collaboration).",
    "n_codings": "Number of coded passages of the plan.",
    "n_objects": "Number of distinct objects of sustainability the plan names (0-3).",
    "n_strategies": "Number of distinct strategies the plan codes, applied or intended (0-4).",
    "n_substrategies": "Number of distinct sub-strategies the plan codes (passages without a sub-strategy not counted).",
    "shannon_strategies": _SHANNON.format(what="strategies", single="strategy"),
    "gini_simpson_strategies": _GINI.format(what="strategies", single="strategy"),
    "evenness_strategies": _EVENNESS.format(what="strategies"),
    "shannon_substrategies": _SHANNON.format(what="sub-strategies", single="sub-strategy"),
    "gini_simpson_substrategies": _GINI.format(what="sub-strategies", single="sub-strategy"),
    "evenness_substrategies": _EVENNESS.format(what="sub-strategies"),
    **{f"n_strategies_{status}": f"Number of distinct strategies the plan codes with status '{status}' "
                                 f"({_what(status)})." for status in (APPLIED, INTENDED)},
    **{f"mean_complexity_{status}": "Mean complexity rank (codebook order, 1 = simplest to 4) of the distinct "
                                    f"strategies the plan codes as {_what(status)}; empty if none."
       for status in (APPLIED, INTENDED)},
    **{f"max_complexity_{status}": "Highest complexity rank (codebook order, 1 = simplest to 4) of the strategies "
                                   f"the plan codes as {_what(status)}; empty if none." for status in (APPLIED, INTENDED)},
    "intends_more_complex": "1 if the plan has strategies with both statuses and mean_complexity_intended > "
                            "mean_complexity_applied (it aims at more complex strategies than it applies: "
                            "finding F04), 0 if it has both and not; empty if it lacks one status.",
    "hill0_strategies": "Hill number of order 0 of the plan's coded passages over the strategies: the number of "
                        "strategies coded (richness).",
    "hill1_strategies": "Hill number of order 1: exp(Shannon H), the number of equally common strategies that would "
                        "give the plan's Shannon entropy; empty without passages.",
    "hill2_strategies": "Hill number of order 2: 1 / sum p², the number of equally common strategies that would give "
                        "the plan's Simpson concentration; empty without passages.",
    **{f"hill{q}_strategies_rarefied": f"Hill number of order {q} expected when the plan's coded passages are "
                                       "rarefied to the configured number m (statistics.rarefaction_size; Chao et "
                                       "al. 2014, rlp_pipeline.stats.hill): diversity at equal coding volume; empty "
                                       "for a plan with fewer than m passages." for q in (0, 1, 2)},
}
# Per-plan columns that identify or group the plan rather than measure it.
_ID_COLUMNS = ("plan_id", "mobilisation_level", "mobilisation_group")
MEASURES = [column for column in PER_PLAN_COLUMNS if column not in _ID_COLUMNS]

TABLES: dict[str, dict[str, Any]] = {
    "per_plan.csv": {
        "title": "Number, diversity and complexity of the strategies of each analysed plan",
        "description": "One row per analysed plan (sampled plans with at least one coding), in sample order. Counts "
                       "of distinct codes are per plan; diversity indices are computed on the plan's number of "
                       "coded passages per strategy or sub-strategy (findings F01-F04, F13).",
        "columns": PER_PLAN_COLUMNS,
    },
    "summary.csv": {
        "title": "Distribution of each per-plan measure, overall and by mobilisation level and group",
        "description": "One row per measure of per_plan.csv and group of plans: all analysed plans, each "
                       "mobilisation level (1-4) and each group (1-2, 3-4). Missing values (e.g. evenness of a "
                       "plan with one strategy) are left out and n counts the values used.",
        "columns": {
            "measure": "Name of the column of per_plan.csv described.",
            "grouping": "'all' (every analysed plan), 'level' (Himmelman's four levels) or 'group' (1-2 vs 3-4).",
            "group_value": "'all', the level ('1' to '4') or the group ('1-2' or '3-4').",
            "group_label_fr": "Label of the group of plans in French (codebook for levels and groups).",
            "group_label_en": "Label of the group of plans in English (codebook for levels and groups).",
            "n": "Number of plans of the group with a non-missing value of the measure.",
            "mean": "Mean of the measure (for intends_more_complex: the proportion 0-1 of plans with 1).",
            "sd": "Sample standard deviation (ddof = 1); empty for fewer than two values.",
            "median": "Median.",
            "q1": "First quartile (numpy's default linear interpolation, type 7 of Hyndman & Fan).",
            "q3": "Third quartile (numpy's default linear interpolation, type 7 of Hyndman & Fan).",
            "min": "Smallest value.",
            "max": "Largest value.",
        },
    },
}

ALL_LABELS = {"fr": "Tous les plans analysés", "en": "All analysed plans"}


# --------------------------------------------------------------------------------------------
# Per-plan measures
# --------------------------------------------------------------------------------------------


def _complexity_of(sample: AnalysedSample, strategies: list[str], ranks: np.ndarray,
                   status: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Number, mean rank and highest rank of the distinct strategies each plan codes with a status
    (NaN mean and maximum for a plan without such a strategy)."""
    use = plan_use(sample.codings[sample.codings["status"] == status], sample.plan_ids, "strategy",
                   strategies).to_numpy(dtype=float)
    number = use.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(number > 0, (use @ ranks) / np.where(number > 0, number, 1.0), np.nan)
    highest = np.where(number > 0, (use * ranks).max(axis=1, initial=0.0), np.nan)
    return number.astype("int64"), mean, highest


def per_plan_table(sample: AnalysedSample, codebook: Codebook, rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> pd.DataFrame:
    """One row per analysed plan: counts, diversity indices (observed, and Hill numbers rarefied
    to `rarefaction_size` passages) and complexity of its strategies."""
    statuses = codebook.ids("statuses")
    for status in (APPLIED, INTENDED):
        if status not in statuses:
            raise KeyError(f"the codebook's statuses must include '{status}' (finding F04 compares them)")
    ids = sample.plan_ids
    strategies = codebook.ids("strategies")
    ranks = np.array([codebook.complexity_rank(s) for s in strategies], dtype=float)
    strategy_counts = coding_counts(sample.codings, ids, "strategy", strategies).to_numpy(dtype=float)
    sub_counts = coding_counts(sample.codings, ids, "substrategy", codebook.ids("substrategies")).to_numpy(dtype=float)
    object_counts = coding_counts(sample.codings, ids, "object", codebook.ids("objects")).to_numpy(dtype=float)
    n_codings = sample.codings.groupby("plan_id").size().reindex(ids, fill_value=0)

    table = sample.plans[list(_ID_COLUMNS)].reset_index(drop=True).copy()
    table["n_codings"] = n_codings.to_numpy(dtype="int64")
    table["n_objects"] = np.asarray(richness(object_counts)).astype("int64")
    table["n_strategies"] = np.asarray(richness(strategy_counts)).astype("int64")
    table["n_substrategies"] = np.asarray(richness(sub_counts)).astype("int64")
    for suffix, counts in (("strategies", strategy_counts), ("substrategies", sub_counts)):
        table[f"shannon_{suffix}"] = shannon(counts)
        table[f"gini_simpson_{suffix}"] = gini_simpson(counts)
        table[f"evenness_{suffix}"] = pielou_evenness(counts)
    for name, values in hill_table(strategy_counts, rarefaction_size).items():
        table[name.replace("_rarefied", "_strategies_rarefied") if "rarefied" in name else f"{name}_strategies"] = values
    complexity = {status: _complexity_of(sample, strategies, ranks, status) for status in (APPLIED, INTENDED)}
    for index, prefix in enumerate(("n_strategies", "mean_complexity", "max_complexity")):
        for status in (APPLIED, INTENDED):
            values = complexity[status][index]
            # Ranks are whole numbers: the highest rank stays an integer, empty when there is none.
            table[f"{prefix}_{status}"] = pd.Series(values).astype("Int64") if prefix == "max_complexity" else values
    both = (table[f"n_strategies_{APPLIED}"] > 0) & (table[f"n_strategies_{INTENDED}"] > 0)
    more = (table[f"mean_complexity_{INTENDED}"] > table[f"mean_complexity_{APPLIED}"]).astype("Int64")
    table["intends_more_complex"] = more.where(both, pd.NA)
    return table[list(PER_PLAN_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def summary_table(per_plan: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Distribution of every measure of `per_plan` for all plans, each level and each group.

    Every level and group of the codebook has its rows, even without a plan (n = 0, the rest empty).
    """
    groups: list[tuple[str, str, str, str, np.ndarray]] = [
        ("all", "all", ALL_LABELS["fr"], ALL_LABELS["en"], np.ones(len(per_plan), dtype=bool)),
    ]
    for grouping, column, section in (("level", "mobilisation_level", "mobilisation_levels"),
                                      ("group", "mobilisation_group", "mobilisation_groups")):
        for value in codebook.ids(section):
            groups.append((grouping, str(value), codebook.label(section, value, "fr"),
                           codebook.label(section, value, "en"), (per_plan[column] == value).to_numpy()))
    rows = []
    for measure in MEASURES:
        values = per_plan[measure].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        for grouping, value, label_fr, label_en, mask in groups:
            rows.append({"measure": measure, "grouping": grouping, "group_value": value,
                         "group_label_fr": label_fr, "group_label_en": label_en,
                         **describe_distribution(values[mask])})
    table = pd.DataFrame(rows)
    table["n"] = table["n"].astype("int64")
    return table


# --------------------------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------------------------


def run_diversity(sample_dir: Path | str, codebook_path: Path | str, out_dir: Path | str,
                  rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> None:
    """Compute the per-plan number, diversity and complexity of strategies and their summaries.

    Reads the sampling stage's folder (`sample_dir`: sampled_plans.csv, codings.csv,
    sampling_record.json) and the codebook, then writes into `out_dir`, all at once:
    ``per_plan.csv``, ``summary.csv`` and ``datapackage.json`` (every column described, with the
    ``simulated`` flag of the sampling record).
    """
    codebook = load_codebook(codebook_path)
    sample = read_analysed_sample(sample_dir)
    LOGGER.info("Diversity of the strategies of %d analysed plans.", len(sample.plan_ids))
    per_plan = per_plan_table(sample, codebook, rarefaction_size)
    LOGGER.info("Computed per_plan.csv: %d plans, %d measures.", len(per_plan), len(MEASURES))
    summary = summary_table(per_plan, codebook)
    LOGGER.info("Computed summary.csv: %d rows.", len(summary))
    both = per_plan["intends_more_complex"].notna()
    if both.any():
        LOGGER.info("Plans with applied and intended strategies: %d; intending more complex ones: %d.",
                    int(both.sum()), int(per_plan.loc[both, "intends_more_complex"].sum()))
    tables = {"per_plan.csv": per_plan, "summary.csv": summary}
    package = stage_datapackage(STAGE, TABLES, tables, simulated=sample.record["simulated"])
    out_dir = Path(out_dir)
    files = {out_dir / name: csv_bytes(table) for name, table in tables.items()}
    files[out_dir / "datapackage.json"] = json_bytes(package)
    write_outputs(files)
    LOGGER.info("Wrote per_plan.csv, summary.csv and datapackage.json to %s.", display_path(out_dir))


def run_per_plan(sample_dir: Path | str, codebook_path: Path | str, out_dir: Path | str,
                 rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> Path:
    """Only per_plan.csv of :func:`run_diversity` (the same table, written the same way), for the
    calibration: the tests' components read the per-plan measures, not the summaries. Returns its path."""
    sample = read_analysed_sample(sample_dir)
    path = Path(out_dir) / "per_plan.csv"
    write_outputs({path: csv_bytes(per_plan_table(sample, load_codebook(codebook_path), rarefaction_size))})
    return path
