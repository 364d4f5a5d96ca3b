"""The findings stage: one row per finding, with its evidence and a verdict computed from it.

Reads the registry (config/findings.yaml) and the components computed by the tests stage, and
applies each finding's decision rule. Verdicts are never typed: change the data and they change.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..codebook import load_codebook
from ..describe import stage_datapackage
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..stats.inference import holm
from ..registry import DESCRIPTIVE_KINDS, QUANTIFIER_KINDS, Finding, Registry, load_registry

log = logging.getLogger("rlp_pipeline.stages.findings")

# The verdict ids of the codebook's `verdicts` section (labels and symbols live there).
REPRODUCED, TREND, NOT_REPRODUCED, NOT_TESTABLE = "reproduced", "trend only", "not reproduced", "not testable"
PARTLY, OBSERVED = "partly reproduced", "observed"
VERDICTS = (REPRODUCED, PARTLY, TREND, NOT_REPRODUCED, NOT_TESTABLE, OBSERVED)


def component_passes(component: pd.Series) -> bool:
    """A component holds: right direction, and significant unless it is descriptive."""
    if component["direction"] != "as expected":
        return False
    return component["kind"] in DESCRIPTIVE_KINDS or bool(component["significant"])


def verdict_ids(testable: np.ndarray, as_expected: np.ndarray, passes: np.ndarray,
                quantifier: np.ndarray | None = None, descriptive: bool = False) -> np.ndarray:
    """The verdicts of one finding for many sets of its components at once.

    Each array argument is boolean (sets x components): whether each component could be
    computed, goes in the stated direction, and holds (:func:`component_passes`); `quantifier`
    (one flag per component) marks the components that test the claim's quantifier "all" plan
    by plan (registry.QUANTIFIER_KINDS); `descriptive` says the finding describes without
    testing (registry.Finding.descriptive). The rule, in order:

    - a component that cannot be computed: *not testable*;
    - a descriptive finding: *observed* when every component is as stated, else *not
      reproduced* (never *reproduced*, which would claim a test);
    - another component not in the stated direction: *not reproduced*;
    - every other component holding: *reproduced* if the quantifier components hold too, else
      *partly reproduced* (the direction holds, significantly, but not for every plan);
    - otherwise *trend only*.

    :func:`verdict` applies it to the actual sample, the stability stage to thousands of
    alternative samples at once: one rule in one place.
    """
    testable, as_expected, passes = (np.atleast_2d(np.asarray(a, dtype=bool)) for a in (testable, as_expected, passes))
    width = testable.shape[1]
    quantifier = np.zeros(width, dtype=bool) if quantifier is None else np.asarray(quantifier, dtype=bool).reshape(width)
    core = ~quantifier
    if descriptive:
        result = np.where(as_expected.all(axis=1), OBSERVED, NOT_REPRODUCED).astype(object)
    else:
        core_passes = passes[:, core].all(axis=1)
        result = np.where(core_passes, np.where(passes[:, quantifier].all(axis=1), REPRODUCED, PARTLY), TREND).astype(object)
        result[~as_expected[:, core].all(axis=1)] = NOT_REPRODUCED
    result[~testable.all(axis=1)] = NOT_TESTABLE
    return result


def adjusted_p_values(p_values: np.ndarray, findings: Sequence[str], families: Sequence[str],
                      tested: Sequence[bool], registry: Registry) -> np.ndarray:
    """The p-values that decide the verdicts, for many samples at once (rows: samples; columns:
    the components of every finding, in registry order).

    Untested components (descriptive) get NaN; a component outside any family keeps its raw
    p-value. Within a family whose adjustment is ``holm``, Holm's correction runs across its
    components; with ``holm_findings`` (the confirmatory family) it runs across its findings:
    each finding's p-value is its largest component p-value (the intersection-union rule: a
    finding holds only if every component does, so no correction is needed within it), those
    are Holm-adjusted across the findings, and each component gets ``max(m_F p, previous)``
    where m_F is its finding's Holm multiplier and ``previous`` the adjusted p-value of the
    finding ranked just before it. The largest component of a finding thus carries the
    finding's Holm-adjusted p-value, the others no more, and "every component below alpha" is
    exactly "the finding rejected by Holm". The tests and stability stages both call this
    function: the same numbers in one place.
    """
    p = np.atleast_2d(np.asarray(p_values, dtype=float)).copy()
    tested = np.asarray(tested, dtype=bool)
    findings, families = np.asarray(findings, dtype=object), np.asarray(families, dtype=object)
    p[:, ~tested] = np.nan
    adjusted = p.copy()
    for family, spec in registry.families.items():
        members = tested & (families == family)
        if not members.any():
            continue
        if spec.get("adjustment") == "holm":
            adjusted[:, members] = np.array([holm(row) for row in p[:, members]])
            continue
        ids = list(dict.fromkeys(findings[members]))
        columns = [np.flatnonzero(members & (findings == fid)) for fid in ids]
        with np.errstate(invalid="ignore"):
            per_finding = np.column_stack([p[:, c].max(axis=1) for c in columns])  # NaN if any is NaN
        for row in range(p.shape[0]):
            values = per_finding[row]
            valid = np.flatnonzero(~np.isnan(values))
            order = valid[np.argsort(values[valid], kind="stable")]
            previous, m = 0.0, len(order)
            for rank, finding in enumerate(order):
                multiplier = m - rank
                cols = columns[finding]
                adjusted[row, cols] = np.minimum(1.0, np.maximum(multiplier * p[row, cols], previous))
                previous = float(adjusted[row, cols].max())
            for finding in np.flatnonzero(np.isnan(values)):
                adjusted[row, columns[finding]] = np.nan
    return adjusted


def adjustment_label(family: str, registry: Registry, size: int) -> str:
    """Which correction made a component's adjusted p-value, in English (empty: none)."""
    if not family:
        return ""
    if registry.families[family].get("adjustment") == "holm":
        return f"Holm across the {size} components of the family '{family}'"
    return (f"Holm across the {size} findings of the family '{family}' (each finding's p-value is its largest "
            "component p-value: intersection-union rule)")


def verdict(finding: Finding, components: pd.DataFrame, alpha: float) -> tuple[str, str]:
    """The verdict of a finding (:func:`verdict_ids`) and a one-sentence English reason."""
    testable = (components["not_testable_reason"] == "").to_numpy()
    as_expected = (components["direction"] == "as expected").to_numpy()
    passes = np.array([testable[i] and component_passes(row) for i, (_, row) in enumerate(components.iterrows())])
    quantifier = components["kind"].isin(QUANTIFIER_KINDS).to_numpy()
    descriptive = bool(components["kind"].isin(DESCRIPTIVE_KINDS).all())
    result = verdict_ids(testable, as_expected, passes, quantifier, descriptive)[0]
    adjusted = "adjusted " if finding.family else ""
    if result == OBSERVED:
        return OBSERVED, "Every component is observed as stated (a description: no test is involved)."
    if result == NOT_TESTABLE:
        first = components[~testable].iloc[0]
        return NOT_TESTABLE, f"Component {first['component']} cannot be computed: {first['not_testable_reason']}."
    if result == NOT_REPRODUCED:
        first = components[~as_expected].iloc[0]
        what = "shows no difference" if first["direction"] == "none" else "goes the other way"
        return NOT_REPRODUCED, f"Component {first['component']} {what} ({_values(first)})."
    tested = components[~components["kind"].isin(DESCRIPTIVE_KINDS)]
    if result == REPRODUCED:
        return REPRODUCED, (f"Every component goes in the stated direction; largest "
                            f"{adjusted}p = {tested['p_adjusted'].max():.4g} < {alpha}.")
    if result == PARTLY:
        failed = components[quantifier & ~passes].iloc[0]
        return PARTLY, (f"The stated direction holds (largest {adjusted}p = {tested['p_adjusted'].max():.4g} < {alpha}), "
                        f"but not for every plan as the claim says: component {failed['component']}, {failed['detail']}.")
    weak = next(row for i, (_, row) in enumerate(components.iterrows()) if not quantifier[i] and not component_passes(row))
    return TREND, (f"Every component goes in the stated direction, but component {weak['component']} "
                   f"is not significant ({adjusted}p = {weak['p_adjusted']:.4g} >= {alpha}).")


def _values(component: pd.Series) -> str:
    if pd.isna(component["value_a"]):
        return str(component["detail"])
    return f"{component['label_a']}: {component['value_a']:.3g}; {component['label_b']}: {component['value_b']:.3g}"


def deciding_component(components: pd.DataFrame) -> pd.Series:
    """The component shown as the finding's evidence: the weakest link (largest adjusted p), or
    the first one when none is tested."""
    tested = components[components["p_adjusted"].notna()]
    if len(tested):
        return tested.loc[tested["p_adjusted"].idxmax()]
    return components.iloc[0]


def findings_table(registry: Registry, components: pd.DataFrame, simulated: bool) -> pd.DataFrame:
    """One row per finding: texts, the deciding component's numbers, and the verdict."""
    rows = []
    for finding in registry.findings:
        own = components[components["finding"] == finding.id]
        result, reason = verdict(finding, own, registry.alpha)
        decisive = deciding_component(own)
        rows.append({
            "id": finding.id, "section": finding.section,
            "source_fr": finding.texts["source_fr"], "statement_en": finding.texts["statement_en"],
            "short_fr": finding.texts["short_fr"], "short_en": finding.texts["short_en"],
            "measure": finding.texts["measure"], "rule": finding.rule, "family": finding.family or "",
            "claim_quantifier": finding.claim.get("quantifier", ""), "claim_direction": finding.claim.get("direction", ""),
            "claim_unit": finding.claim.get("unit", ""), "adjustment": decisive.get("adjustment", ""),
            "components": len(own), "deciding_component": int(decisive["component"]),
            "test": decisive["method"], "n": decisive["n"],
            "label_a": decisive["label_a"], "value_a": decisive["value_a"],
            "label_b": decisive["label_b"], "value_b": decisive["value_b"],
            "statistic_name": decisive["statistic_name"], "statistic": decisive["statistic"],
            "p_value": decisive["p_value"], "p_adjusted": decisive["p_adjusted"],
            "effect_name": decisive["effect_name"], "effect": decisive["effect"],
            "ci_low": decisive["ci_low"], "ci_high": decisive["ci_high"],
            "risk_difference_pp": decisive.get("risk_difference_pp", np.nan), "rd_ci_low_pp": decisive.get("rd_ci_low_pp", np.nan),
            "rd_ci_high_pp": decisive.get("rd_ci_high_pp", np.nan), "effect_note": decisive.get("effect_note", ""),
            "alpha": registry.alpha, "verdict": result, "reason": reason, "simulated": simulated,
        })
    return pd.DataFrame(rows)


PRIMARY = "primary"


def holds(verdict: str) -> bool:
    """Whether a verdict says the finding holds as stated: reproduced, or observed for a
    descriptive finding."""
    return verdict in (REPRODUCED, OBSERVED)


def robustness_table(registry: Registry, components: pd.DataFrame, alternatives: pd.DataFrame) -> pd.DataFrame:
    """One row per finding and specification (the primary one, then each alternative declared in
    the registry): its verdict by the same rule, the deciding adjusted p-value, and whether the
    finding holds; plus, per finding, how many specifications it holds under."""
    rows = []
    for finding in registry.findings:
        specs = [(PRIMARY, "", "", finding.texts["measure"], components[components["finding"] == finding.id])]
        for alternative in finding.alternatives:
            own = alternatives[(alternatives["finding"] == finding.id) & (alternatives["specification"] == alternative["id"])]
            specs.append((alternative["id"], alternative["label_fr"], alternative["label_en"], alternative["why"], own))
        results = []
        for spec_id, label_fr, label_en, why, own in specs:
            result, reason = verdict(finding, own.reset_index(drop=True), registry.alpha)
            tested = own[own["p_adjusted"].notna()]
            results.append({"finding": finding.id, "specification": spec_id, "label_fr": label_fr, "label_en": label_en,
                            "why": why, "components": len(own), "verdict": result, "holds": holds(result),
                            "p_deciding": tested["p_adjusted"].max() if len(tested) else np.nan, "reason": reason})
        held = sum(r["holds"] for r in results)
        for r in results:
            r.update(specifications=len(results), specifications_holding=held)
        rows += results
    return pd.DataFrame(rows, columns=list(TABLES["robustness.csv"]["columns"]))


def read_components(path: Path | str) -> pd.DataFrame:
    """components.csv or alternatives.csv of the tests stage, with text columns as text."""
    components = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for text in ("not_testable_reason", "direction", "label_a", "label_b", "method", "detail", "family", "adjustment",
                 "effect_note"):
        components[text] = components[text].astype("string").fillna("").astype(str)
    components["significant"] = components["significant"].map({True: True, False: False, "True": True, "False": False})
    return components


def run_findings(components_path: Path | str, codebook_path: Path | str, registry_path: Path | str,
                 simulated: bool, out_dir: Path | str) -> pd.DataFrame:
    """The findings stage: verdicts for every finding of the registry, written with their
    data package."""
    registry = load_registry(registry_path, load_codebook(codebook_path))
    components = read_components(components_path)
    table = findings_table(registry, components, simulated)
    for row in table.itertuples():
        log.info("%s: %s", row.id, row.verdict)
    alternatives = read_components(Path(components_path).parent / "alternatives.csv")
    robustness = robustness_table(registry, components, alternatives)
    out_dir = Path(out_dir)
    tables = {"findings.csv": table, "robustness.csv": robustness}
    write_outputs({
        out_dir / "findings.csv": csv_bytes(table),
        out_dir / "robustness.csv": csv_bytes(robustness),
        out_dir / "datapackage.json": json_bytes(stage_datapackage("findings", TABLES, tables, simulated)),
    })
    return table


TABLES: dict[str, dict[str, Any]] = {
    "findings.csv": {
        "title": "Findings of the source document and their verdicts",
        "description": "One row per finding of config/findings.yaml; numbers are those of the deciding component "
                       "(the weakest link: largest adjusted p-value) in data/derived/tests/components.csv.",
        "columns": {
            "id": "finding id", "section": "section of the report", "source_fr": "French source sentence",
            "statement_en": "English rendering", "short_fr": "short statement in French", "short_en": "short statement in English",
            "measure": "what is measured", "rule": "decision rule (see config/findings.yaml)",
            "family": "multiple-testing family (empty: none)",
            "claim_quantifier": "the claim's quantifier as the sentence states it: all, most, more than, associated with, "
                                "exists (a description) or check",
            "claim_direction": "the direction the sentence states", "claim_unit": "unit of the claim: plan or coding",
            "adjustment": "the correction that made p_adjusted (empty: none, the raw p-value decides)",
            "components": "number of components",
            "deciding_component": "component whose numbers are shown", "test": "test of the deciding component",
            "n": "plans the deciding component is computed on", "label_a": "what value_a is", "value_a": "first value compared",
            "label_b": "what value_b is", "value_b": "second value compared", "statistic_name": "what the statistic is",
            "statistic": "test statistic", "p_value": "raw p-value", "p_adjusted": "p-value used for the verdict",
            "effect_name": "effect size used", "effect": "effect size", "ci_low": "95% interval, lower bound",
            "ci_high": "95% interval, upper bound",
            "risk_difference_pp": "difference of the shares compared, in percentage points (empty: not a comparison of shares)",
            "rd_ci_low_pp": "95% interval of that difference, lower bound", "rd_ci_high_pp": "upper bound",
            "effect_note": "why the effect is not shown (a zero cell makes an odds ratio 0 or infinite)",
            "alpha": "significance level",
            "verdict": "reproduced, partly reproduced (the direction holds but not for every plan as the claim "
                       "says), trend only, not reproduced, not testable, or observed (a descriptive finding as "
                       "stated; no test) - computed, never typed",
            "reason": "why, in one sentence generated from the numbers",
            "simulated": "true when the coded plans are simulated, not real",
        },
    },
}
TABLES["robustness.csv"] = {
    "title": "Verdict of every finding under each specification declared in the registry (robustness)",
    "description": "One row per finding and specification: the primary one (config/findings.yaml, components) and "
                   "each alternative (alternatives), judged by the same rule and correction.",
    "columns": {
        "finding": "finding id", "specification": "primary, or the id of the alternative specification",
        "label_fr": "the alternative in French (empty for the primary one)", "label_en": "the alternative in English",
        "why": "why the specification is defensible (for the primary one: what it measures)",
        "components": "number of components", "verdict": "verdict under this specification (same rule as findings.csv)",
        "holds": "the verdict is reproduced (observed for a descriptive finding)",
        "p_deciding": "largest adjusted p-value of the specification's tested components",
        "reason": "why, in one sentence generated from the numbers",
        "specifications": "number of specifications of the finding (primary included)",
        "specifications_holding": "how many of them give a verdict under which the finding holds",
    },
}


def verdicts(components_path: Path | str, codebook_path: Path | str, registry_path: Path | str,
             simulated: bool) -> pd.DataFrame:
    """The findings table of :func:`run_findings` (the verdicts, from components.csv read back as
    the stage reads it), without the robustness table nor any file: for the calibration."""
    registry = load_registry(registry_path, load_codebook(codebook_path))
    return findings_table(registry, read_components(components_path), simulated)
