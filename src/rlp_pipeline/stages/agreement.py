"""The agreement stage: how well independent coders of the double-coded plans agree.

Input: ``data/derived/validated/double_coding.csv`` (every row of the plans coded by two or more
people, by those people; see :mod:`rlp_pipeline.coding.double`). Codes are compared at two
**units**, each the *use of one code* in a context, valued 1 (the coder used it there) or 0:

- ``plan``: the plan's use of each code, the unit every finding of the report counts (a plan
  "uses" a strategy when any of its passages is coded with it). Every coder of the plan
  values every code; no missing values unless a third coder coded only some plans.
- ``passage``: a passage's use of each code, for the passages coded by two or more coders. A
  passage is recognised by its plan and its excerpt (the coded span, when it was recorded);
  passages one coder has and the other has not, or without excerpt, count at the plan unit only.

The four **code dimensions** and their codes: object (the codebook's objects), strategy
(strategies), sub-strategy (sub-strategies) and status, whose codes are the (strategy, status)
pairs: the findings on status are about which strategies are already applied (a plan nearly
always has some applied and some intended passage, so "status" alone tells nothing).

For each unit, dimension (all its codes pooled) and code: percent agreement, Cohen's kappa
(the plan's first and second coders), Krippendorff's alpha (nominal, all coders, missing values)
and their bootstrap intervals over plans (:mod:`rlp_pipeline.stats.agreement`), and a verdict
from Krippendorff's (2004) thresholds. Plus the disagreements, for reconciliation.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..describe import stage_datapackage
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from .tests import derived_seed
from ..stats.agreement import agreement_summary

log = logging.getLogger("rlp_pipeline.agreement")

DIMENSIONS = ("object", "strategy", "substrategy", "status")
UNITS = ("plan", "passage")
VERDICTS = ("reliable", "tentative", "unreliable", "not assessable")
STATISTICS = ("percent_agreement", "kappa", "alpha")
STATUS_SEPARATOR = ":"


def dimension_codes(codebook: Codebook) -> dict[str, list[str]]:
    """Each dimension's codes in codebook order; status codes are 'strategy:status' pairs."""
    return {
        "object": list(codebook.ids("objects")),
        "strategy": list(codebook.ids("strategies")),
        "substrategy": list(codebook.ids("substrategies")),
        "status": [f"{s}{STATUS_SEPARATOR}{t}" for s in codebook.ids("strategies") for t in codebook.ids("statuses")],
    }


def row_codes(codings: pd.DataFrame, dimension: str) -> pd.Series:
    """The code of each coding row in a dimension (empty when the row has none: no sub-strategy)."""
    if dimension == "status":
        return codings["strategy"].astype(str) + STATUS_SEPARATOR + codings["status"].astype(str)
    return codings[dimension].astype(str)


def with_contexts(codings: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The coding rows of each unit kind, with a `context` column (the plan, or plan + excerpt)
    and each coder's rank in its plan (1 = the coder of the plan's first row).

    Passage contexts are kept only when two or more coders coded that excerpt in that plan.
    """
    rows = codings.copy()
    rows["coder"] = rows["coder"].astype(str)
    rows["excerpt"] = rows["excerpt"].fillna("").astype(str)
    rank = {}
    for plan, group in rows.groupby("plan_id", sort=False):
        for position, coder in enumerate(dict.fromkeys(group["coder"]), start=1):
            rank[plan, coder] = position
    rows["coder_rank"] = [rank[p, c] for p, c in zip(rows["plan_id"], rows["coder"])]
    plan_rows = rows.assign(context=rows["plan_id"].astype(str))
    passages = rows[rows["excerpt"] != ""].assign(context=rows["plan_id"].astype(str) + " | " + rows["excerpt"])
    shared = passages.groupby("context")["coder"].transform("nunique") >= 2
    return {"plan": plan_rows, "passage": passages[shared]}


def use_table(rows: pd.DataFrame, dimension: str, codes: list[str]) -> pd.DataFrame:
    """One row per (context, code, coder who coded the context): value 1 if the coder used the
    code in that context, else 0; with the plan and the coder's rank."""
    coded = rows.assign(code=row_codes(rows, dimension).to_numpy())
    used = set(zip(coded["context"], coded["coder"], coded["code"]))
    coders = coded[["plan_id", "context", "coder", "coder_rank"]].drop_duplicates()
    table = coders.merge(pd.DataFrame({"code": codes}), how="cross")
    table["value"] = [int((c, k, code) in used) for c, k, code in zip(table["context"], table["coder"], table["code"])]
    return table


def unit_matrix(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The (context, code) units of a use table as reliability data: the value-counts matrix
    (units × [0, 1]), each unit's plan (its bootstrap cluster), and the first and second coders'
    values (-1 where that coder did not code the unit)."""
    units = list(zip(table["context"], table["code"]))
    index = {u: i for i, u in enumerate(dict.fromkeys(units))}
    row = np.array([index[u] for u in units], dtype=int)
    values = table["value"].to_numpy(dtype=int)
    matrix = np.zeros((len(index), 2), dtype=int)
    np.add.at(matrix, (row, values), 1)
    first = np.full(len(index), -1)
    second = np.full(len(index), -1)
    rank = table["coder_rank"].to_numpy()
    first[row[rank == 1]] = values[rank == 1]
    second[row[rank == 2]] = values[rank == 2]
    clusters = np.empty(len(index), dtype=object)
    clusters[row] = table["plan_id"].to_numpy()
    return matrix, clusters, first, second


def summarise(table: pd.DataFrame, *, seed: int, resamples: int) -> dict[str, float]:
    """The three statistics and their intervals for the (context, code) units of `table`."""
    matrix, clusters, first, second = unit_matrix(table)
    summary = agreement_summary(matrix, clusters, first, second, (first >= 0) & (second >= 0),
                                seed=seed, resamples=resamples)
    summary["plans"] = int(pd.unique(table["plan_id"]).size)
    return summary


def verdict(alpha: float, reliable: float, tentative: float) -> str:
    """Krippendorff's (2004) reading of an alpha: reliable, tentative, unreliable, not assessable."""
    if alpha is None or np.isnan(alpha):
        return "not assessable"
    return "reliable" if alpha >= reliable else "tentative" if alpha >= tentative else "unreliable"


def agreement_tables(codings: pd.DataFrame, codebook: Codebook, settings: Mapping[str, Any],
                     seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dimensions, codes): the statistics per unit and dimension, and per unit, dimension and code.

    `settings` holds resamples, reliable and tentative (config `agreement`). Each summary has its
    own random stream, derived from `seed` and its label "agreement:unit:dimension:code".
    """
    resamples = int(settings["resamples"])
    dimension_rows, code_rows = [], []
    contexts = with_contexts(codings)
    for unit in UNITS:
        for dimension, codes in dimension_codes(codebook).items():
            table = use_table(contexts[unit], dimension, codes)
            if table.empty:
                continue
            label = f"agreement:{unit}:{dimension}"
            summary = summarise(table, seed=derived_seed(seed, label), resamples=resamples)
            dimension_rows.append({"unit": unit, "dimension": dimension, **summary})
            for code in codes:
                summary = summarise(table[table["code"] == code], seed=derived_seed(seed, f"{label}:{code}"),
                                    resamples=resamples)
                code_rows.append({"unit": unit, "dimension": dimension, "code": code, **summary})
    return (_finish(pd.DataFrame(dimension_rows, columns=DIMENSION_COLUMNS[:2] + SUMMARY_COLUMNS), settings),
            _finish(pd.DataFrame(code_rows, columns=DIMENSION_COLUMNS + SUMMARY_COLUMNS), settings))


DIMENSION_COLUMNS = ["unit", "dimension", "code"]
SUMMARY_COLUMNS = ["plans", "units"] + [f"{s}{part}" for s in STATISTICS for part in ("", "_low", "_high")]


def _finish(table: pd.DataFrame, settings: Mapping[str, Any]) -> pd.DataFrame:
    """Rounded statistics (6 decimals, so tables are stable across platforms) and the verdict."""
    for column in SUMMARY_COLUMNS[2:]:
        table[column] = table[column].astype(float).round(6)
    table["verdict"] = [verdict(a, float(settings["reliable"]), float(settings["tentative"])) for a in table["alpha"]]
    table["reliable_from"] = float(settings["reliable"])
    table["tentative_from"] = float(settings["tentative"])
    return table.astype({"plans": "int64", "units": "int64"})


def disagreements(codings: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Every place where coders disagree, for reconciliation: one row per (plan, passage,
    dimension) whose codes differ between coders, with each coder's codes and the raw lines.

    Passages are matched by excerpt (as for the passage unit); `passage` is empty for the
    plan-level row, which compares the codes each coder used anywhere in the plan.
    """
    contexts = with_contexts(codings)
    rows = []
    for unit in UNITS:
        frame = contexts[unit]
        for dimension in DIMENSIONS:
            coded = frame.assign(code=row_codes(frame, dimension).to_numpy())
            for (plan, context), group in coded.groupby(["plan_id", "context"], sort=False):
                by_coder = {coder: sorted({c for c in g["code"] if c}) for coder, g in group.groupby("coder", sort=False)}
                if len({tuple(v) for v in by_coder.values()}) < 2:
                    continue
                rows.append({
                    "plan_id": plan, "unit": unit,
                    "passage": "" if unit == "plan" else str(group["excerpt"].iloc[0]),
                    "dimension": dimension,
                    "codes_by_coder": " | ".join(f"{coder}: {', '.join(codes) or '(none)'}"
                                                 for coder, codes in by_coder.items()),
                    "source_lines": " ".join(str(line) for line in group["source_line"]) if unit == "passage" else "",
                })
    return pd.DataFrame(rows, columns=["plan_id", "unit", "passage", "dimension", "codes_by_coder", "source_lines"])


_INTERVAL = ("95% bootstrap interval over double-coded plans (resampled with replacement): normal interval on "
             "the log(1 - statistic) scale with the bootstrap standard error, widened by t(K - 1) x sqrt(K / (K - 1)) "
             "for K plans (Hesterberg 2015)")
_COMMON_COLUMNS = {
    "unit": "Unit compared: 'plan' (the plan's use of each code, the unit the findings count) or 'passage' "
            "(a passage's use of each code, passages matched by plan and excerpt).",
    "dimension": "Code dimension: object, strategy, substrategy, or status (codes: strategy:status pairs).",
    "code": "Code id (codebook); for status, strategy:status.",
    "plans": "Double-coded plans contributing units.",
    "units": "Units coded by two or more coders (each is a context and a code, valued used / not used).",
    "percent_agreement": "Share of agreeing pairs of coders' values on the same unit.",
    "percent_agreement_low": f"Lower end of the {_INTERVAL}.", "percent_agreement_high": f"Upper end of the {_INTERVAL}.",
    "kappa": "Cohen's kappa between each plan's first and second coder (units coded by both).",
    "kappa_low": f"Lower end of the {_INTERVAL}.", "kappa_high": f"Upper end of the {_INTERVAL}.",
    "alpha": "Krippendorff's alpha, nominal, all coders, missing values allowed (krippendorff package).",
    "alpha_low": f"Lower end of the {_INTERVAL}.", "alpha_high": f"Upper end of the {_INTERVAL}.",
    "reliable_from": "Threshold of alpha for 'reliable' (setting agreement.reliable; Krippendorff 2004: 0.800).",
    "tentative_from": "Threshold of alpha for 'tentative' (setting agreement.tentative; Krippendorff 2004: 0.667).",
    "verdict": "Krippendorff (2004): reliable when alpha >= agreement.reliable (0.800), tentative when >= "
               "agreement.tentative (0.667), else unreliable; not assessable when alpha is undefined.",
}
TABLES = {
    "dimensions.csv": {
        "title": "Inter-coder agreement per code dimension",
        "description": "For each unit and code dimension (all its codes pooled): agreement between the independent "
                       "coders of the double-coded plans, with bootstrap intervals and a verdict.",
        "columns": {k: v for k, v in _COMMON_COLUMNS.items() if k != "code"},
    },
    "codes.csv": {
        "title": "Inter-coder agreement per code",
        "description": "The same statistics for each code of each dimension.",
        "columns": _COMMON_COLUMNS,
    },
    "disagreements.csv": {
        "title": "Disagreements between coders, for reconciliation",
        "description": "One row per plan (or passage) and dimension whose codes differ between its coders.",
        "columns": {
            "plan_id": "Plan identifier.", "unit": "plan (codes used anywhere in the plan) or passage.",
            "passage": "The passage's excerpt (empty for the plan unit).",
            "dimension": "Code dimension compared.",
            "codes_by_coder": "Each coder's codes in that plan or passage ('(none)' when the coder used none).",
            "source_lines": "Lines of the raw codings.csv holding the passage's rows (passage unit).",
        },
    },
}


def agreement_record(codings: pd.DataFrame, settings: Mapping[str, Any], seed: int, simulated: bool,
                     coding: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the stage compared and how: plans, coders, settings, seed, thresholds and their source."""
    return {
        "assessed": bool(len(codings)),
        "simulated": bool(simulated),
        "double_coded_plans": int(codings["plan_id"].nunique()),
        "coders": sorted(codings["coder"].astype(str).unique().tolist()),
        "analysed_coding": dict(coding or {}),
        "seed": int(seed),
        "resamples": int(settings["resamples"]),
        "thresholds": {"reliable": float(settings["reliable"]), "tentative": float(settings["tentative"]),
                       "source": "Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology "
                                 "(2nd ed.), p. 241."},
        "statistics": "percent agreement; Cohen's kappa (first vs second coder); Krippendorff's alpha, nominal "
                      "(krippendorff package); 95% bootstrap intervals over plans: normal on the log(1 - statistic) "
                      "scale, bootstrap standard error, widened by t(K - 1) x sqrt(K / (K - 1)) for K plans "
                      "(Hesterberg 2015)",
    }


def run_agreement(validated: Path | str, codebook_path: Path | str, settings: Mapping[str, Any], seed: int,
                  out_dir: Path | str) -> dict[str, Any]:
    """The agreement stage: read the double-coded plans, compute, write every table at once."""
    validated, out_dir = Path(validated), Path(out_dir)
    codings = pd.read_csv(validated / "double_coding.csv", dtype=str, keep_default_na=False)
    provenance = json.loads((validated / "provenance.json").read_text(encoding="utf-8"))
    codebook = load_codebook(codebook_path)
    log.info("Comparing the coders of %d double-coded plans", codings["plan_id"].nunique())
    dimensions, codes = agreement_tables(codings, codebook, settings, seed)
    tables = {"dimensions.csv": dimensions, "codes.csv": codes, "disagreements.csv": disagreements(codings, codebook)}
    record = agreement_record(codings, settings, seed, provenance["simulated"], provenance.get("double_coding"))
    if not record["assessed"]:
        log.warning("No plan is coded by two or more people: coding reliability cannot be assessed.")
    outputs = {out_dir / name: csv_bytes(table) for name, table in tables.items()}
    outputs[out_dir / "agreement_record.json"] = json_bytes(record)
    outputs[out_dir / "datapackage.json"] = json_bytes(stage_datapackage("agreement", TABLES, tables, record["simulated"]))
    write_outputs(outputs)
    log.info("Wrote the agreement tables to %s", out_dir)
    return record
