"""The report's « Fiabilité du codage / Coding reliability » pieces, from the agreement stage.

Reads ``agreement/dimensions.csv`` and ``agreement/agreement_record.json`` and writes, in the
document's language: the section's paragraphs (what was compared, the thresholds and their
source), the table of the statistics per dimension, the flag under each finding that rests on a
code dimension below the "reliable" threshold, and the summary's note (reliability not assessed,
or which findings are flagged). The dimensions a finding rests on are read from its components
in the findings registry (:func:`finding_dimensions`), never typed per finding. The verdict of a
dimension is the one at the **plan** unit: the findings count plans that use a code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import Codebook
from ..fmt import format_count, format_interval, format_number
from ..registry import Finding, Registry
from .render import escape_markdown
from .dimensions import DIMENSION_LABELS, DIMENSION_ORDER



# What each indicator or measure of the registry counts, by code dimension.
INDICATOR_DIMENSIONS = {
    "object": ("object",), "strategy": ("strategy",), "substrategy": ("substrategy",),
    "pair": ("object", "strategy"), "only_objects": ("object",), "only_strategies": ("strategy",),
    "several_strategies": ("strategy",), "several_strategies_one_status": ("strategy", "status"),
}
MEASURE_DIMENSIONS = {
    "n_objects": ("object",), "n_strategies": ("strategy",), "n_substrategies": ("substrategy",),
    "shannon_strategies": ("strategy",), "gini_simpson_strategies": ("strategy",),
    "evenness_strategies": ("strategy",), "mean_complexity_applied": ("strategy", "status"),
    "mean_complexity_intended": ("strategy", "status"), "n_codings": (),
}
SOURCE = "Krippendorff, K. (2004). *Content Analysis: An Introduction to Its Methodology* (2nd ed.). Sage, p. 241."

TEXT = {
    "fr": {
        "verdicts": {"reliable": "fiable", "tentative": "provisoire", "unreliable": "non fiable",
                     "not assessable": "non évaluable"},
        "units": {"plan": "plan", "passage": "passage"},
        "head": ["Dimension", "Unité", "Plans", "Unités", "Accord", "Kappa de Cohen", "Alpha de Krippendorff", "Verdict"],
        "caption": "Accord entre codeurs indépendants par dimension du codage (intervalles bootstrap à 95 %)",
        "table_ref": "Le @tbl-reliability donne ces statistiques pour chaque dimension et chaque unité.",
        "intro": "{plans} plans ont été codés indépendamment par deux personnes ou plus ({coders}); le codage "
                 "analysé est {rule}. Pour chaque dimension du codage, l'accord est mesuré sur l'usage de "
                 "chaque code par plan (l'unité que comptent les constats) et par passage (passages appariés par "
                 "leur extrait) : pourcentage d'accord, kappa de Cohen (premier et deuxième codeur) et alpha de "
                 "Krippendorff (nominal, toutes les personnes, valeurs manquantes admises), chacun avec un "
                 "intervalle bootstrap à 95 % ({resamples} rééchantillonnages des plans, intervalle normal sur "
                 "l'échelle log(1 − statistique), élargi pour le petit nombre de plans selon Hesterberg, 2015).",
        "thresholds": "Seuils de Krippendorff (2004) : une dimension est *fiable* si α ≥ {reliable}, "
                      "*provisoire* si α ≥ {tentative} (conclusions à formuler avec prudence), *non fiable* en "
                      "dessous. Chaque constat qui repose sur une dimension qui n'atteint pas le seuil de fiabilité "
                      "au niveau du plan est signalé dans sa section.",
        "rules": {"primary": "celui du premier codeur de chaque plan", "reference": "celui du codeur de référence {coder}",
                  "reconciled": "le codage réconcilié"},
        "not_assessed": "**Fiabilité du codage non évaluée.** Aucun plan n'a été codé par deux personnes : on ne "
                        "peut pas dire dans quelle mesure les codes, et donc les constats, sont fiables. Faites "
                        "coder une partie des plans (environ 20 %) par une deuxième personne (voir "
                        "`data/raw/README.md`).",
        "flag": "**Fiabilité du codage :** ce constat repose sur {items}; lisez-le avec prudence (voir "
                "[Fiabilité du codage](#sec-reliability)).",
        "flag_item": "la dimension « {dimension} », {verdict} (α = {alpha})",
        "summary_flagged": "**Fiabilité du codage** ({plans} plans codés deux fois) : {count} reposent sur une "
                           "dimension du codage sous le seuil de fiabilité (α < {reliable}) : {ids}. Voir "
                           "[Fiabilité du codage](#sec-reliability).",
        "summary_reliable": "**Fiabilité du codage** ({plans} plans codés deux fois) : toutes les dimensions du "
                            "codage sont fiables (α ≥ {reliable}). Voir [Fiabilité du codage](#sec-reliability).",
        "findings": {"one": "un constat", "many": "{n} constats"},
        "simulated": "**Données simulées.** Le deuxième codage est simulé selon un modèle d'erreur connu "
                     "(`config/simulation.yaml`, `double_coding`) : ces chiffres illustrent la méthode.",
    },
    "en": {
        "verdicts": {"reliable": "reliable", "tentative": "tentative", "unreliable": "unreliable",
                     "not assessable": "not assessable"},
        "units": {"plan": "plan", "passage": "passage"},
        "head": ["Dimension", "Unit", "Plans", "Units", "Agreement", "Cohen's kappa", "Krippendorff's alpha", "Verdict"],
        "caption": "Agreement between independent coders per coding dimension (95% bootstrap intervals)",
        "table_ref": "@tbl-reliability gives these statistics for each dimension and unit.",
        "intro": "{plans} plans were coded independently by two or more people ({coders}); the coding analysed "
                 "is {rule}. For each coding dimension, agreement is measured on the use of each code per "
                 "plan (the unit the findings count) and per passage (passages matched by their excerpt): "
                 "percent agreement, Cohen's kappa (first and second coder) and Krippendorff's alpha (nominal, "
                 "every coder, missing values allowed), each with a 95% bootstrap interval ({resamples} "
                 "resamples of the plans; a normal interval on the log(1 − statistic) scale, widened for the "
                 "small number of plans following Hesterberg, 2015).",
        "thresholds": "Krippendorff's (2004) thresholds: a dimension is *reliable* if α ≥ {reliable}, "
                      "*tentative* if α ≥ {tentative} (conclusions to be drawn with caution), *unreliable* below. "
                      "Each finding resting on a dimension that is not reliable at the plan unit is flagged in its "
                      "section.",
        "rules": {"primary": "that of the first coder of each plan", "reference": "that of the reference coder {coder}",
                  "reconciled": "the reconciled coding"},
        "not_assessed": "**Coding reliability not assessed.** No plan was coded by two people: how far the codes, "
                        "and so the findings, can be trusted is unknown. Have a share of the plans (about 20%) "
                        "coded by a second person (see `data/raw/README.md`).",
        "flag": "**Coding reliability:** this finding rests on {items}; read it with caution (see "
                "[Coding reliability](#sec-reliability)).",
        "flag_item": "the {dimension} dimension, {verdict} (α = {alpha})",
        "summary_flagged": "**Coding reliability** ({plans} double-coded plans): {count} rest on a coding "
                           "dimension below the reliability threshold (α < {reliable}): {ids}. See "
                           "[Coding reliability](#sec-reliability).",
        "summary_reliable": "**Coding reliability** ({plans} double-coded plans): every coding dimension is "
                            "reliable (α ≥ {reliable}). See [Coding reliability](#sec-reliability).",
        "findings": {"one": "one finding", "many": "{n} findings"},
        "simulated": "**Simulated data.** The second coding is simulated with a known error model "
                     "(`config/simulation.yaml`, `double_coding`): these figures illustrate the method.",
    },
}


def finding_dimensions(finding: Finding) -> list[str]:
    """The code dimensions a finding's components count, in dimension order.

    Read from each component's indicators (indicator, versus, within), measures (measure,
    versus) and, for a presence component, the sub-strategies of its strategy. Components on the
    sample itself (balance, coverage) rest on no code.
    """
    found: set[str] = set()
    for component in finding.components:
        for key in ("indicator", "versus", "within", "measure"):
            value = component.get(key)
            if not isinstance(value, str):
                continue
            found.update(MEASURE_DIMENSIONS.get(value, ()))
            found.update(INDICATOR_DIMENSIONS.get(value.partition(":")[0], ()))
        if component.get("kind") == "presence":
            found.add("substrategy")
    return [d for d in DIMENSION_ORDER if d in found]


@dataclass
class Reliability:
    """The agreement stage's results, and the report's pieces made from them in one language."""

    derived: Path
    codebook: Codebook
    registry: Registry
    language: str

    def __post_init__(self) -> None:
        self.derived = Path(self.derived)
        self.text = TEXT[self.language]

    @cached_property
    def record(self) -> dict[str, Any]:
        return json.loads((self.derived / "agreement" / "agreement_record.json").read_text(encoding="utf-8"))

    @cached_property
    def dimensions(self) -> pd.DataFrame:
        return pd.read_csv(self.derived / "agreement" / "dimensions.csv", keep_default_na=False, na_values=[""])

    @property
    def assessed(self) -> bool:
        return bool(self.record["assessed"]) and not self.dimensions.empty

    def number(self, value: float, digits: int = 2) -> str:
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else format_number(value, self.language, digits)

    def threshold(self, key: str) -> str:
        return format_number(float(self.record["thresholds"][key]), self.language, 3)

    def plan_verdicts(self) -> dict[str, tuple[str, float]]:
        """Each dimension's verdict and alpha at the plan unit."""
        rows = self.dimensions[self.dimensions["unit"] == "plan"]
        return {row.dimension: (row.verdict, float(row.alpha)) for row in rows.itertuples()}

    def weak_dimensions(self, finding: Finding) -> list[tuple[str, str, float]]:
        """The dimensions of a finding whose plan-unit verdict is not "reliable"."""
        verdicts = self.plan_verdicts()
        return [(d, *verdicts[d]) for d in finding_dimensions(finding) if d in verdicts and verdicts[d][0] != "reliable"]

    def finding(self, finding_id: str) -> Finding:
        return next(f for f in self.registry.findings if f.id == finding_id)

    # --- pieces ------------------------------------------------------------------------------

    def flag(self, finding_id: str) -> str:
        """The caution under a finding resting on a dimension below the reliable threshold ('' otherwise)."""
        if not self.assessed:
            return ""
        weak = self.weak_dimensions(self.finding(finding_id))
        if not weak:
            return ""
        items = ", ".join(self.text["flag_item"].format(dimension=DIMENSION_LABELS[self.language][d].lower(),
                                                          verdict=self.text["verdicts"][verdict], alpha=self.number(alpha))
                          for d, verdict, alpha in weak)
        return "::: {.callout-caution}\n" + self.text["flag"].format(items=items) + "\n:::\n"

    def summary_note(self) -> str:
        """The summary's note: reliability not assessed, or which findings rest on weak dimensions."""
        if not self.assessed:
            return "::: {.callout-warning}\n" + self.text["not_assessed"] + "\n:::\n"
        flagged = [f.id for f in self.registry.findings if self.weak_dimensions(f)]
        plans = format_count(self.record["double_coded_plans"], self.language)
        reliable = self.threshold("reliable")
        if not flagged:
            return self.text["summary_reliable"].format(plans=plans, reliable=reliable) + "\n"
        words = self.text["findings"]
        count = words["one"] if len(flagged) == 1 else words["many"].format(n=format_count(len(flagged), self.language))
        ids = ", ".join(f"[{f}](#sec-{f.lower()})" for f in flagged)
        return self.text["summary_flagged"].format(plans=plans, count=count, reliable=reliable, ids=ids) + "\n"

    def paragraphs(self) -> str:
        """What was compared, how, and the thresholds with their source (or the not-assessed note)."""
        if not self.assessed:
            return "::: {.callout-warning}\n" + self.text["not_assessed"] + "\n:::\n"
        coding = self.record.get("analysed_coding") or {}
        analysed = coding.get("analysed", "reference")
        if analysed == "reference" and not coding.get("reference_coder"):
            analysed = "primary"
        rule = self.text["rules"][analysed].format(coder=escape_markdown(str(coding.get("reference_coder") or "")))
        intro = self.text["intro"].format(
            plans=format_count(self.record["double_coded_plans"], self.language),
            coders=", ".join(escape_markdown(c) for c in self.record["coders"]), rule=rule,
            resamples=format_count(self.record["resamples"], self.language))
        thresholds = self.text["thresholds"].format(reliable=self.threshold("reliable"), tentative=self.threshold("tentative"))
        parts = [intro, thresholds + f" {SOURCE}"]
        if self.record.get("simulated"):
            parts.insert(0, "::: {.callout-warning}\n" + self.text["simulated"] + "\n:::")
        return "\n\n".join(parts) + "\n"

    def table(self, source: str = "") -> str:
        """The statistics per dimension and unit, with intervals and the verdict ('' when not assessed),
        after a sentence that refers to it; `source` (the report's source note) ends its caption."""
        from .document import table_markdown  # the report's table layout

        if not self.assessed:
            return ""
        rows = []
        order = {d: i for i, d in enumerate(DIMENSION_ORDER)}
        table = self.dimensions.assign(_order=self.dimensions["dimension"].map(order)).sort_values(["_order", "unit"],
                                                                                                   ascending=[True, False])
        for row in table.itertuples():
            def with_interval(name: str) -> str:
                value, low, high = (float(getattr(row, name)), float(getattr(row, f"{name}_low")),
                                    float(getattr(row, f"{name}_high")))
                if math.isnan(value):
                    return "–"
                interval = format_interval(low, high, self.language, digits=2) if not math.isnan(low) else ""
                return f"{self.number(value)} {interval}".strip()
            rows.append([DIMENSION_LABELS[self.language][row.dimension], self.text["units"][row.unit],
                         format_count(row.plans, self.language), format_count(row.units, self.language),
                         with_interval("percent_agreement"), with_interval("kappa"), with_interval("alpha"),
                         self.text["verdicts"][row.verdict]])
        return self.text["table_ref"] + "\n\n" + table_markdown(self.text["head"], rows, self.text["caption"] + source,
                                                               "tbl-reliability")
