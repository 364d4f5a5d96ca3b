"""The frequencies stage: how many analysed plans use each object, strategy, sub-strategy,
status and (object, strategy) pair, overall and by mobilisation level.

The unit is the plan (:mod:`rlp_pipeline.plan_tables`): a plan that codes a strategy five times
uses it once; the number of coded passages is shown beside it (``codings``) but is never the
denominator of a share. The analysed plans are the sampled plans with at least one coding; a
sampled plan without codings is in no denominator.

Every share is a proportion between 0 and 1 with a 95% Wilson score interval
(:func:`rlp_pipeline.stats.descriptive.proportion_interval`):

* a share of all analysed plans (``plans_total``) uses the finite population correction with the
  frame's N (``sampling_record.json``'s ``population_size``) and n = the analysed plans;
* a share *within* a sub-population (sub-strategies among the plans using their strategy, pairs
  among the plans naming the object) uses the same correction with the sub-population's size
  estimated as ``n_d x N / n`` (:func:`rlp_pipeline.stats.descriptive.domain_population_size`):
  given ``n_d``, its plans are a simple random sample of that sub-population;
* shares by mobilisation level or group (``by_level.csv``) are given WITHOUT the correction: how
  many plans of each level were drawn was not fixed by the design, and leaving the correction
  out keeps those intervals on the safe (wider) side.

These tables feed findings F01, F05-F12 and F14-F17; the tests of those findings are computed
elsewhere from the same per-plan tables.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..describe import stage_datapackage
from ..stats.descriptive import domain_population_size, proportion_interval
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..plan_tables import AnalysedSample, coding_counts, pair_use, plan_use, read_analysed_sample, variable_use
from ..problems import display_path

LOGGER = logging.getLogger("rlp_pipeline.stages.frequencies")

STAGE = "frequencies"

# Words reused in the column descriptions.
_SHARE = "Proportion (0-1)"
_CI_FPC = (
    "of the 95% Wilson score interval of {what}, with finite population correction (effective "
    "n = n(N-1)/(N-n), N = plans in the sampling frame, n = analysed plans); empty when the "
    "denominator is 0."
)
_CI_DOMAIN = (
    "of the 95% Wilson score interval of {what}, with finite population correction for a "
    "sub-population (effective n = n_d(N_d-1)/(N_d-n_d), n_d = the denominator, N_d = n_d x N / n "
    "its estimated size in the frame); empty when the denominator is 0."
)
_CI_NO_FPC = (
    "of the 95% Wilson score interval of share, WITHOUT finite population correction: the number "
    "of plans of each level or group in the sample was not fixed by the design, so the correction "
    "is left out and the interval errs on the wide side; empty when the group has no analysed plan."
)
_PLANS_TOTAL = "Number of analysed plans (sampled plans with at least one coding): the denominator."
_LABELS = {
    "label_fr": "Label in French (codebook).",
    "label_en": "Label in English (codebook).",
}


def _code_columns(kind: str, what: str) -> dict[str, str]:
    """Descriptions shared by objects.csv, strategies.csv and statuses.csv."""
    return {
        kind: f"Identifier of the {what} (codebook).",
        **_LABELS,
    }


TABLES: dict[str, dict[str, Any]] = {
    "objects.csv": {
        "title": "Objects of sustainability: plans naming each object",
        "description": "One row per object of the codebook, in codebook order: how many analysed plans name the "
                       "object in at least one coded passage (finding F05). A plan counts once however many "
                       "passages it codes.",
        "columns": {
            **_code_columns("object", "object of sustainability"),
            "plans_using": "Number of analysed plans with at least one coded passage naming the object.",
            "plans_total": _PLANS_TOTAL,
            "share": f"{_SHARE}: plans_using / plans_total.",
            "ci_low": "Lower bound " + _CI_FPC.format(what="share"),
            "ci_high": "Upper bound " + _CI_FPC.format(what="share"),
            "codings": "Number of coded passages naming the object (all analysed plans together).",
        },
    },
    "strategies.csv": {
        "title": "Strategies of sustainability: plans using each strategy",
        "description": "One row per strategy of the codebook, in codebook order (simplest first): how many analysed "
                       "plans use the strategy in at least one coded passage, whatever its status (findings F01, "
                       "F02). A plan counts once however many passages it codes.",
        "columns": {
            **_code_columns("strategy", "strategy"),
            "complexity_rank": "Rank of the strategy in the codebook's documented complexity order (1 = simplest).",
            "plans_using": "Number of analysed plans with at least one coded passage of the strategy.",
            "plans_total": _PLANS_TOTAL,
            "share": f"{_SHARE}: plans_using / plans_total.",
            "ci_low": "Lower bound " + _CI_FPC.format(what="share"),
            "ci_high": "Upper bound " + _CI_FPC.format(what="share"),
            "codings": "Number of coded passages of the strategy (all analysed plans together).",
        },
    },
    "substrategies.csv": {
        "title": "Sub-strategies: use within their strategy",
        "description": "One row per sub-strategy of the codebook, in codebook order: how many of the plans using "
                       "the parent strategy use the sub-strategy (findings F09-F12). Passages coded with the "
                       "strategy but no sub-strategy count for the strategy only.",
        "columns": {
            "strategy": "Identifier of the parent strategy (codebook).",
            "substrategy": "Identifier of the sub-strategy (codebook).",
            **_LABELS,
            "plans_using": "Number of analysed plans with at least one coded passage of the sub-strategy.",
            "plans_using_strategy": "Number of analysed plans using the parent strategy (at least one passage, "
                                    "with or without a sub-strategy): the denominator of share_within_strategy.",
            "share_within_strategy": f"{_SHARE}: plans_using / plans_using_strategy.",
            "ci_low": "Lower bound " + _CI_DOMAIN.format(what="share_within_strategy"),
            "ci_high": "Upper bound " + _CI_DOMAIN.format(what="share_within_strategy"),
            "share_of_all_plans": f"{_SHARE}: plans_using / number of analysed plans.",
            "codings": "Number of coded passages of the sub-strategy (all analysed plans together).",
            "share_of_strategy_codings": f"{_SHARE}: codings / number of coded passages of the parent strategy "
                                         "that name a sub-strategy (passages without a sub-strategy left out); "
                                         "empty when there is none. A share of passages, not of plans.",
        },
    },
    "statuses.csv": {
        "title": "Statuses: plans with strategies already applied or only intended",
        "description": "One row per status of the codebook: how many analysed plans have at least one coded "
                       "passage with that status (finding F01, intended vs applied).",
        "columns": {
            **_code_columns("status", "status"),
            "plans_with_status": "Number of analysed plans with at least one coded passage of that status.",
            "plans_total": _PLANS_TOTAL,
            "share": f"{_SHARE}: plans_with_status / plans_total.",
            "ci_low": "Lower bound " + _CI_FPC.format(what="share"),
            "ci_high": "Upper bound " + _CI_FPC.format(what="share"),
            "codings": "Number of coded passages with that status (all analysed plans together).",
        },
    },
    "strategy_status.csv": {
        "title": "Strategies by status: plans applying or intending each strategy",
        "description": "One row per strategy and status, in codebook order: how many analysed plans have at least "
                       "one coded passage of the strategy with that status (finding F04). A plan can both apply "
                       "and intend a strategy.",
        "columns": {
            "strategy": "Identifier of the strategy (codebook).",
            "status": "Identifier of the status (codebook).",
            "strategy_label_fr": "Label of the strategy in French (codebook).",
            "strategy_label_en": "Label of the strategy in English (codebook).",
            "status_label_fr": "Label of the status in French (codebook).",
            "status_label_en": "Label of the status in English (codebook).",
            "plans_using": "Number of analysed plans with at least one coded passage of the strategy with that status.",
            "plans_total": _PLANS_TOTAL,
            "share": f"{_SHARE}: plans_using / plans_total.",
            "ci_low": "Lower bound " + _CI_FPC.format(what="share"),
            "ci_high": "Upper bound " + _CI_FPC.format(what="share"),
        },
    },
    "object_strategy.csv": {
        "title": "Strategies used for each object",
        "description": "One row per object and strategy, in codebook order: how many of the plans naming the object "
                       "use the strategy FOR it, i.e. have at least one coded passage with both (findings F06-F08).",
        "columns": {
            "object": "Identifier of the object of sustainability (codebook).",
            "strategy": "Identifier of the strategy (codebook).",
            "object_label_fr": "Label of the object in French (codebook).",
            "object_label_en": "Label of the object in English (codebook).",
            "strategy_label_fr": "Label of the strategy in French (codebook).",
            "strategy_label_en": "Label of the strategy in English (codebook).",
            "plans_using_pair": "Number of analysed plans with at least one coded passage naming both the object "
                                "and the strategy.",
            "plans_naming_object": "Number of analysed plans naming the object in at least one passage: the "
                                   "denominator of share_within_object.",
            "share_within_object": f"{_SHARE}: plans_using_pair / plans_naming_object.",
            "ci_low": "Lower bound " + _CI_DOMAIN.format(what="share_within_object"),
            "ci_high": "Upper bound " + _CI_DOMAIN.format(what="share_within_object"),
            "share_of_all_plans": f"{_SHARE}: plans_using_pair / number of analysed plans.",
            "codings": "Number of coded passages naming both the object and the strategy.",
        },
    },
    "by_level.csv": {
        "title": "Use of objects, strategies and sub-strategies by mobilisation level and group",
        "description": "Long table: for each mobilisation level (1-4) and each group (1-2, 3-4) of Himmelman's "
                       "scale, how many of the group's analysed plans use each object, strategy and sub-strategy "
                       "(findings F03, F13-F17). Tests of the differences are computed in another stage.",
        "columns": {
            "grouping": "'level' (the four levels of Himmelman's scale) or 'group' (levels 1-2 vs 3-4).",
            "group_value": "The level ('1' to '4') or the group ('1-2' or '3-4').",
            "group_label_fr": "Label of the level or group in French (codebook).",
            "group_label_en": "Label of the level or group in English (codebook).",
            "variable_type": "'object', 'strategy' or 'substrategy'.",
            "code": "Identifier of the object, strategy or sub-strategy (codebook).",
            **_LABELS,
            "plans_using": "Number of the group's analysed plans with at least one coded passage of the code.",
            "plans_in_group": "Number of analysed plans in the level or group: the denominator.",
            "share": f"{_SHARE}: plans_using / plans_in_group.",
            "ci_low": "Lower bound " + _CI_NO_FPC,
            "ci_high": "Upper bound " + _CI_NO_FPC,
        },
    },
    "analysed_plans.csv": {
        "title": "The analysed plans",
        "description": "The sampled plans with at least one coding, in sample order: the plans every share of this "
                       "stage is computed on.",
        "columns": {
            "plan_id": "Identifier of the plan.",
            "mobilisation_level": "Mobilisation level of the plan on Himmelman's scale (1 networking to 4 collaboration).",
            "mobilisation_group": "Group of the level: '1-2' (networking-coordination) or '3-4' (cooperation-collaboration).",
            "region": "Number of the administrative region of Québec (1 to 17).",
        },
    },
}


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def share(count: Any, total: Any) -> np.ndarray:
    """count / total as floats, NaN where the total is 0 (no plan to take a share of)."""
    count = np.asarray(count, dtype=float)
    total = np.asarray(total, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, count / np.where(total > 0, total, 1.0), np.nan)


def _with_interval(table: pd.DataFrame, count: str, total: str, population_size: Any) -> pd.DataFrame:
    """Add ci_low and ci_high (Wilson) for count / total."""
    low, high = proportion_interval(table[count].to_numpy(), table[total].to_numpy(), population_size)
    table["ci_low"] = np.asarray(low, dtype=float)
    table["ci_high"] = np.asarray(high, dtype=float)
    return table


def _labels(codebook: Codebook, section: str, ids: list, prefix: str = "") -> dict[str, list[str]]:
    return {f"{prefix}label_{language}": [codebook.label(section, code, language) for code in ids]
            for language in ("fr", "en")}


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def code_table(sample: AnalysedSample, codebook: Codebook, section: str, key: str,
               count_name: str = "plans_using") -> pd.DataFrame:
    """Plans using each code of a section (objects, strategies or statuses) among all analysed
    plans, with the FPC Wilson interval and the number of coded passages."""
    ids = codebook.ids(section)
    column = {"objects": "object", "strategies": "strategy", "statuses": "status"}[section]
    use = variable_use(sample, codebook, section)
    counts = coding_counts(sample.codings, sample.plan_ids, column, ids)
    n_plans = len(sample.plan_ids)
    table = pd.DataFrame({key: ids, **_labels(codebook, section, ids)})
    if section == "strategies":
        table["complexity_rank"] = np.array([codebook.complexity_rank(s) for s in ids], dtype="int64")
    table[count_name] = use.sum(axis=0).to_numpy(dtype="int64")
    table["plans_total"] = np.int64(n_plans)
    table["share"] = share(table[count_name], n_plans)
    table = _with_interval(table, count_name, "plans_total", sample.record["population_size"])
    table["codings"] = counts.sum(axis=0).to_numpy(dtype="int64")
    return table


def substrategy_table(sample: AnalysedSample, codebook: Codebook) -> pd.DataFrame:
    """Use of each sub-strategy among the plans using its parent strategy."""
    subs = codebook.ids("substrategies")
    parents = [codebook.parent(s) for s in subs]
    n_plans = len(sample.plan_ids)
    population = sample.record["population_size"]
    sub_use = variable_use(sample, codebook, "substrategies")
    strategy_use = variable_use(sample, codebook, "strategies")
    sub_codings = coding_counts(sample.codings, sample.plan_ids, "substrategy", subs).sum(axis=0)
    table = pd.DataFrame({"strategy": parents, "substrategy": subs, **_labels(codebook, "substrategies", subs)})
    table["plans_using"] = sub_use.sum(axis=0).to_numpy(dtype="int64")
    table["plans_using_strategy"] = np.array([int(strategy_use[p].sum()) for p in parents], dtype="int64")
    table["share_within_strategy"] = share(table["plans_using"], table["plans_using_strategy"])
    table = _with_interval(table, "plans_using", "plans_using_strategy",
                           domain_population_size(table["plans_using_strategy"].to_numpy(), n_plans, population))
    table["share_of_all_plans"] = share(table["plans_using"], n_plans)
    table["codings"] = sub_codings.to_numpy(dtype="int64")
    with_sub = table.groupby("strategy")["codings"].transform("sum")
    table["share_of_strategy_codings"] = share(table["codings"], with_sub)
    return table


def strategy_status_table(sample: AnalysedSample, codebook: Codebook) -> pd.DataFrame:
    """Plans with at least one passage of each strategy with each status, among all analysed plans."""
    strategies, statuses = codebook.ids("strategies"), codebook.ids("statuses")
    n_plans = len(sample.plan_ids)
    rows = []
    for strategy in strategies:
        for status in statuses:
            rows.append({"strategy": strategy, "status": status})
    table = pd.DataFrame(rows, columns=["strategy", "status"])
    for language in ("fr", "en"):
        table[f"strategy_label_{language}"] = [codebook.label("strategies", s, language) for s in table["strategy"]]
    for language in ("fr", "en"):
        table[f"status_label_{language}"] = [codebook.label("statuses", s, language) for s in table["status"]]
    using = []
    for status in statuses:
        use = plan_use(sample.codings[sample.codings["status"] == status], sample.plan_ids, "strategy", strategies)
        using.append(use.sum(axis=0))
    table["plans_using"] = np.array([int(using[statuses.index(st)][s]) for s, st in zip(table["strategy"], table["status"])],
                                    dtype="int64")
    table["plans_total"] = np.int64(n_plans)
    table["share"] = share(table["plans_using"], n_plans)
    return _with_interval(table, "plans_using", "plans_total", sample.record["population_size"])


def object_strategy_table(sample: AnalysedSample, codebook: Codebook) -> pd.DataFrame:
    """For each object, the plans using each strategy FOR it (a passage with both), among the plans
    naming the object."""
    objects, strategies = codebook.ids("objects"), codebook.ids("strategies")
    n_plans = len(sample.plan_ids)
    population = sample.record["population_size"]
    pairs = pair_use(sample.codings, sample.plan_ids, codebook)
    object_use = variable_use(sample, codebook, "objects")
    pair_codings = pd.crosstab(sample.codings["object"], sample.codings["strategy"]).reindex(
        index=objects, columns=strategies, fill_value=0)
    rows = [{"object": o, "strategy": s} for o in objects for s in strategies]
    table = pd.DataFrame(rows, columns=["object", "strategy"])
    for language in ("fr", "en"):
        table[f"object_label_{language}"] = [codebook.label("objects", o, language) for o in table["object"]]
    for language in ("fr", "en"):
        table[f"strategy_label_{language}"] = [codebook.label("strategies", s, language) for s in table["strategy"]]
    table["plans_using_pair"] = np.array([int(pairs[(o, s)].sum()) for o, s in zip(table["object"], table["strategy"])],
                                         dtype="int64")
    table["plans_naming_object"] = np.array([int(object_use[o].sum()) for o in table["object"]], dtype="int64")
    table["share_within_object"] = share(table["plans_using_pair"], table["plans_naming_object"])
    table = _with_interval(table, "plans_using_pair", "plans_naming_object",
                           domain_population_size(table["plans_naming_object"].to_numpy(), n_plans, population))
    table["share_of_all_plans"] = share(table["plans_using_pair"], n_plans)
    table["codings"] = np.array([int(pair_codings.loc[o, s]) for o, s in zip(table["object"], table["strategy"])],
                                dtype="int64")
    return table


# (variable_type, codebook section) of the rows of by_level.csv, in order.
_LEVEL_VARIABLES = (("object", "objects"), ("strategy", "strategies"), ("substrategy", "substrategies"))


def by_level_table(sample: AnalysedSample, codebook: Codebook) -> pd.DataFrame:
    """Use of every object, strategy and sub-strategy within each mobilisation level and group.

    Every level and group of the codebook has its rows, even without an analysed plan (then the
    share and interval are empty). Intervals are Wilson WITHOUT finite population correction.
    """
    groupings = [("level", "mobilisation_level", "mobilisation_levels", codebook.ids("mobilisation_levels")),
                 ("group", "mobilisation_group", "mobilisation_groups", codebook.ids("mobilisation_groups"))]
    uses = {variable_type: variable_use(sample, codebook, section) for variable_type, section in _LEVEL_VARIABLES}
    frames = []
    for grouping, column, section, values in groupings:
        for value in values:
            in_group = (sample.plans[column] == value).to_numpy()
            for variable_type, code_section in _LEVEL_VARIABLES:
                ids = codebook.ids(code_section)
                frames.append(pd.DataFrame({
                    "grouping": grouping,
                    "group_value": str(value),
                    "group_label_fr": codebook.label(section, value, "fr"),
                    "group_label_en": codebook.label(section, value, "en"),
                    "variable_type": variable_type,
                    "code": ids,
                    **_labels(codebook, code_section, ids),
                    "plans_using": uses[variable_type].to_numpy()[in_group].sum(axis=0).astype("int64"),
                    "plans_in_group": np.int64(in_group.sum()),
                }))
    table = pd.concat(frames, ignore_index=True)
    table["share"] = share(table["plans_using"], table["plans_in_group"])
    return _with_interval(table, "plans_using", "plans_in_group", None)


def analysed_plans_table(sample: AnalysedSample) -> pd.DataFrame:
    """The analysed plans with their mobilisation level, group and region."""
    return sample.plans[["plan_id", "mobilisation_level", "mobilisation_group", "region"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------------------------


def frequency_tables(sample: AnalysedSample, codebook: Codebook) -> dict[str, pd.DataFrame]:
    """Every table of the stage, by file name, in the order they are listed in TABLES."""
    builders = {
        "objects.csv": lambda: code_table(sample, codebook, "objects", "object"),
        "strategies.csv": lambda: code_table(sample, codebook, "strategies", "strategy"),
        "substrategies.csv": lambda: substrategy_table(sample, codebook),
        "statuses.csv": lambda: code_table(sample, codebook, "statuses", "status", count_name="plans_with_status"),
        "strategy_status.csv": lambda: strategy_status_table(sample, codebook),
        "object_strategy.csv": lambda: object_strategy_table(sample, codebook),
        "by_level.csv": lambda: by_level_table(sample, codebook),
        "analysed_plans.csv": lambda: analysed_plans_table(sample),
    }
    tables = {}
    for name, build in builders.items():
        tables[name] = build()
        LOGGER.info("Computed %s: %d rows.", name, len(tables[name]))
    return tables


def run_frequencies(sample_dir: Path | str, codebook_path: Path | str, out_dir: Path | str) -> None:
    """Compute the frequency tables of the analysed plans and write them with their description.

    Reads the sampling stage's folder (`sample_dir`: sampled_plans.csv, codings.csv,
    sampling_record.json) and the codebook, then writes into `out_dir`, all at once: the CSV
    files listed in :data:`TABLES` and ``datapackage.json`` describing every column (with the
    ``simulated`` flag of the sampling record).
    """
    codebook = load_codebook(codebook_path)
    sample = read_analysed_sample(sample_dir)
    record = sample.record
    LOGGER.info("Frequencies of %d analysed plans (sample of %s from a frame of N = %s plans).",
                len(sample.plan_ids), record.get("sample_size", "?"), record["population_size"])
    tables = frequency_tables(sample, codebook)
    package = stage_datapackage(STAGE, TABLES, tables, simulated=record["simulated"])
    out_dir = Path(out_dir)
    files = {out_dir / name: csv_bytes(table) for name, table in tables.items()}
    files[out_dir / "datapackage.json"] = json_bytes(package)
    write_outputs(files)
    LOGGER.info("Wrote %d tables and datapackage.json to %s.", len(tables), display_path(out_dir))
