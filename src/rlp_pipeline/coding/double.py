"""Double coding: which plans were coded by several people, and which of their codings is analysed.

Double coding is recorded in the `coder` column of ``codings.csv`` (the grid's « Codeur » column,
the REFI-QDA users): a plan is **double-coded** when its rows name two or more distinct coders.
Evaluation teams then reconcile the codings; the pipeline analyses exactly one coding per plan,
chosen by the setting ``coding.analysed``:

- ``reference`` (default): the coding of ``coding.reference_coder``; when that setting is null,
  the plan's **primary coder**, the coder of its first row in ``codings.csv`` (double coders' rows
  come after). The simulated data is of this kind.
- ``reconciled``: the rows whose coder is ``coding.reconciled_coder`` (default ``reconciled``),
  the consensus the coders agreed on; a double-coded plan without them is a validation problem.

Plans coded by one person are analysed as they are, whatever the setting. Only the analysed rows
go on to the sample and every statistic; the rows of double-coded plans by the *independent*
coders (every coder but the reconciled one) go to the agreement stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..problems import Problem

ANALYSED_CHOICES = ("reference", "reconciled")


@dataclass(frozen=True)
class CodingSetting:
    """The ``coding`` settings of config/config.yaml: which coding of a double-coded plan is analysed."""

    analysed: str = "reference"
    reference_coder: str | None = None
    reconciled_coder: str = "reconciled"

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "CodingSetting":
        """The setting from the ``coding`` mapping of the configuration (missing keys: defaults)."""
        config = dict(config or {})
        setting = cls(analysed=config.get("analysed") or "reference",
                      reference_coder=config.get("reference_coder") or None,
                      reconciled_coder=config.get("reconciled_coder") or "reconciled")
        if setting.analysed not in ANALYSED_CHOICES:
            raise ValueError(f"coding.analysed must be one of {', '.join(ANALYSED_CHOICES)}, found {setting.analysed!r}")
        return setting

    def describe(self) -> str:
        """The rule in plain words, for reports and records."""
        if self.analysed == "reconciled":
            return f"reconciled coding (rows whose coder is '{self.reconciled_coder}')"
        if self.reference_coder:
            return f"reference coder '{self.reference_coder}'"
        return "primary coder (the coder of the plan's first row)"


def plan_coders(codings: pd.DataFrame) -> dict[str, list[str]]:
    """For each plan, its distinct non-empty coders in order of first appearance."""
    # One pass over the distinct (plan, coder) pairs, in row order: a groupby with a dictionary
    # per plan cost a second of the calibration's twenty analyses.
    coders = codings["coder"].astype(str)
    pairs = pd.DataFrame({"plan_id": codings["plan_id"], "coder": coders})[(coders != "") & codings["plan_id"].notna()]
    pairs = pairs.drop_duplicates()  # a missing plan id has no group, as in groupby
    result: dict[str, list[str]] = {}
    for plan, coder in zip(pairs["plan_id"], pairs["coder"]):
        result.setdefault(plan, []).append(coder)
    return result


def double_coded_plans(codings: pd.DataFrame, setting: CodingSetting) -> list[str]:
    """Plans coded independently by two or more people (the reconciled coder does not count)."""
    return [plan for plan, coders in plan_coders(codings).items()
            if len([c for c in coders if c != setting.reconciled_coder]) >= 2]


def analysed_mask(codings: pd.DataFrame, setting: CodingSetting, shown_as: str) -> tuple[np.ndarray, list[Problem]]:
    """Which rows are analysed (boolean per row), and the problems that prevent choosing.

    `codings` has the columns plan_id, coder and source_line (the raw file's line). A plan with
    several coders keeps the rows of the coder the setting names; a plan with one coder keeps all
    its rows. Problems: a plan with several coders where some rows name no coder (whose coding
    would they be?), and a plan lacking the coding the setting asks for.
    """
    keep = np.ones(len(codings), dtype=bool)
    problems: list[Problem] = []
    coder = codings["coder"].astype(str).to_numpy()
    plan = codings["plan_id"].astype(str).to_numpy()
    lines = codings["source_line"].to_numpy()
    several = {plan_id: coders for plan_id, coders in plan_coders(codings).items() if len(coders) >= 2}
    if not several:
        return keep, problems
    # each plan's row positions from one grouping: comparing every row with each double-coded
    # plan's id took minutes on 100,000 plans
    positions = pd.Series(plan).groupby(plan, sort=False).indices
    for plan_id, coders in several.items():
        rows = positions[plan_id]
        for row in rows[coder[rows] == ""]:
            problems.append(Problem(shown_as, int(lines[row]), "coder", "",
                                    f"the coder of this passage: plan '{plan_id}' is coded by several people "
                                    f"({', '.join(coders)}), so each of its rows must say whose coding it is"))
        chosen = _chosen_coder(coders, setting)
        if chosen is None:
            problems.append(_missing_coding_problem(plan_id, coders, setting, shown_as, int(lines[rows[0]])))
            continue
        keep[rows] = coder[rows] == chosen
    return keep, problems


def _chosen_coder(coders: list[str], setting: CodingSetting) -> str | None:
    """The coder whose rows are analysed for a plan coded by `coders`, or None if absent."""
    if setting.analysed == "reconciled":
        wanted = setting.reconciled_coder
    elif setting.reference_coder:
        wanted = setting.reference_coder
    else:
        return coders[0]
    return wanted if wanted in coders else None


def _missing_coding_problem(plan_id: str, coders: list[str], setting: CodingSetting, shown_as: str, line: int) -> Problem:
    """The problem of a double-coded plan that lacks the coding the setting asks for."""
    if setting.analysed == "reconciled":
        expected = (f"rows with coder '{setting.reconciled_coder}' for plan '{plan_id}' (it is coded by "
                    f"{', '.join(coders)} and the setting coding.analysed is 'reconciled')")
        hint = (f"Add the reconciled coding of the plan with coder '{setting.reconciled_coder}', or set "
                "coding.analysed: reference to analyse one coder's coding.")
    else:
        expected = (f"rows with coder '{setting.reference_coder}' for plan '{plan_id}' (it is coded by "
                    f"{', '.join(coders)} and coding.reference_coder is '{setting.reference_coder}')")
        hint = "Correct coding.reference_coder, or set it to null to analyse each plan's primary coder."
    return Problem(shown_as, line, "coder", ", ".join(coders), expected, hint)


def independent_codings(codings: pd.DataFrame, setting: CodingSetting) -> pd.DataFrame:
    """The rows of double-coded plans by their independent coders (not the reconciled coding),
    the input of the agreement stage."""
    plans = double_coded_plans(codings, setting)
    rows = codings["plan_id"].isin(plans) & (codings["coder"].astype(str) != setting.reconciled_coder)
    return codings[rows & (codings["coder"].astype(str) != "")]


def summary(codings: pd.DataFrame, setting: CodingSetting, analysed: np.ndarray) -> dict[str, Any]:
    """What the provenance record says about double coding: the rule, the plans, the coders."""
    plans = double_coded_plans(codings, setting)
    independent = independent_codings(codings, setting)
    return {
        "analysed": setting.analysed,
        "reference_coder": setting.reference_coder,
        "reconciled_coder": setting.reconciled_coder,
        "rule": setting.describe(),
        "double_coded_plans": len(plans),
        "coders": sorted(independent["coder"].astype(str).unique().tolist()),
        "rows_not_analysed": int((~np.asarray(analysed, dtype=bool)).sum()),
    }


def report_lines(record: Mapping[str, Any] | None) -> list[str]:
    """Lines of the validation report on double coding (none when the record has no entry)."""
    if not record:
        return []
    if not record["double_coded_plans"]:
        return ["", "Double coding: no plan is coded by two or more people (inter-coder agreement cannot be assessed)."]
    return ["", f"Double coding: {record['double_coded_plans']} plans coded independently by two or more of "
            f"{', '.join(record['coders'])}; analysed: the {record['rule']}; "
            f"{record['rows_not_analysed']} rows of other codings are kept for the agreement stage only."]
