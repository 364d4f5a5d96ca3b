"""What the report says about each claim: the verdict sentence, named effect sizes, the
correction behind each adjusted p-value, and the measured values with their labels.

Every sentence is generated from the derived tables (findings.csv, components.csv) and the
registry; the words live in :data:`WORDS`, one entry per language with the same keys. Rules the
sentences follow (tests/test_claims.py checks them):

- a descriptive finding (verdict *observed*) never mentions significance, and neither does M1's
  balance check: it is described as a check, not as a proof that the sample resembles the frame;
- "all" is reported plan by plan (how many plans meet it, ties, the other way), never by a mean;
- every adjusted p-value says which correction made it, and every effect says what it is; an
  odds ratio that a zero cell makes 0 or infinite is never shown (the zero cell is stated and the
  risk difference, which stays finite, is shown).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from ..fmt import format_count, format_interval, format_number, format_p, format_percent
from .render import escape_markdown

NBSP, NNBSP = "\u00a0", "\u202f"

WORDS: dict[str, dict[str, Any]] = {
    # French sentences never quote components.csv's `detail`, which is written in English: they
    # point to the components table, which shows the same numbers in French.
    "fr": {
        "reproduced": "Les données reproduisent ce constat\u00a0: chaque composante testée va dans le sens énoncé "
                      "et reste significative au seuil de {alpha} après correction ({correction})\u00a0: la "
                      "composante la plus faible donne {p} après correction.",
        "descriptive_parts": " Ses composantes descriptives sont observées telles qu'énoncées.",
        "partly": "Les données reproduisent ce constat en partie\u00a0: le sens énoncé tient en moyenne ({p} "
                  "après correction, {correction}), mais pas pour chaque plan comme le dit «\u00a0tous\u00a0»\u00a0: {meeting} "
                  "plans sur {n} le vérifient, {ties} sont à égalité et {other} vont dans l'autre sens. Un plan de "
                  "l'échantillon qui ne le vérifie pas est un plan de la population\u00a0: les données peuvent "
                  "infirmer «\u00a0tous\u00a0», jamais le prouver.",
        "trend": "Les données vont dans le sens de ce constat, mais la composante {component} n'est pas "
                 "significative au seuil de {alpha} après correction ({p} après correction, {correction}).",
        "not_reproduced": "Les données ne reproduisent pas ce constat\u00a0: la composante {component} {what}.",
        "not_reproduced_all": " De plus, «\u00a0tous\u00a0» ne tient pas plan par plan\u00a0: {meeting} plans sur "
                              "{n} le vérifient.",
        "not_testable": "Ce constat ne peut pas être testé avec ces données\u00a0: {reason}.",
        "observed": "Observé tel qu'énoncé (chiffres dans le tableau des composantes ci-dessus). Ce constat est "
                    "descriptif\u00a0; aucun test n'est en jeu.",
        "not_observed": "Ce constat descriptif n'est pas observé tel qu'énoncé (chiffres dans le tableau des "
                        "composantes ci-dessus).",
        "check": "Vérification faite\u00a0: aucune variable connue pour tous les plans ne s'écarte entre "
                 "l'échantillon et le cadre plus que le hasard du tirage ne le ferait (tableau ci-dessus). C'est une "
                 "vérification du tirage, pas une preuve de ressemblance\u00a0: une p élevée ne montre pas que "
                 "l'échantillon ressemble au cadre, seulement qu'aucun écart n'est détecté.",
        "check_failed": "Vérification\u00a0: au moins une variable connue pour tous les plans s'écarte entre "
                        "l'échantillon et le cadre plus que le hasard ne le ferait d'ordinaire (tableau ci-dessus).",
        "opposite": "va dans l'autre sens", "none": "ne montre aucune différence",
        "correction": {"findings": "Holm sur les {m} constats confirmatoires, règle intersection-union dans chaque constat",
                       "components": "Holm sur les {m} composantes de la famille",
                       "exploratory": "exploratoire\u00a0: Holm sur les {m} lignes exploratoires",
                       "confirmatory": "confirmatoire, {label}\u00a0: Holm sur les {m} constats"},
        "short_correction": {"findings": "Holm, {m} constats", "components": "Holm, {m} composantes",
                             "exploratory": "exploratoire, Holm sur {m}", "confirmatory": "Holm, {m} constats"},
        "effects": {
            "or": "RC {orientation}", "matched_or": "RC apparié", "rd": "écart", "points": "pts",
            "rank_biserial": "r rang-bisérial ({high} > {low})", "dominance": "dominance ordinale",
            "share": "part", "sign_share": "part des plans en hausse (égalités exclues)",
            "all_share": "part des plans qui le vérifient", "ties": "égalités\u00a0: {ties}",
            "zero_cell": "RC non estimable (case nulle)",
        },
        "all_plans_label": "{a} > {b}, plan par plan (« tous »)", "all_plans_test": "part des plans (descriptif)",
        "all_direction": {"as expected": "chaque plan", "opposite": "pas chaque plan"},
        "robustness_cell": "{k} sur {n}",
        "robustness_head": ["Spécification", "Verdict", "p ajustée décisive"],
        "robustness_caption": "Robustesse de {finding} : verdict sous chaque spécification déclarée dans le registre",
        "primary": "Principale (encadré «\u00a0Opérationnalisation\u00a0»)",
        "robustness_sentence": "Le constat tient sous {k} des {n} spécifications déclarées avant de voir les résultats (@{ref}).",
        "box_title": "Opérationnalisation de {finding}",
        "box_measure": "**Mesure** (registre) : {measure}",
        "box_claim": "**Forme de l’énoncé** : quantificateur « {quantifier} », unité : {unit} ; sens énoncé : {direction}.",
        "box_departs": "**Écart avec `findings.md`** : {departs}",
        "box_alternatives": "**Autres lectures défendables** : {n}, toutes calculées (tableau de robustesse ci-dessous).",
        "quantifiers": {"all": "tous", "most": "la majorité", "more than": "plus que", "associated with": "associé à",
                        "exists": "il existe (descriptif)", "check": "vérification"},
        "units": {"plan": "le plan", "coding": "le passage codé"},
        "unstable": "{share} ⚠",
        "limits": [
            "**Données simulées : des verdicts circulaires.** {simulated}",
            "**Ce que les données simulées peuvent montrer.** Comment la méthode se comporte : à quelle "
            "fréquence elle déclare reproduit un constat faux, et à quelle fréquence elle reproduit un constat vrai "
            "d'une taille d'effet donnée. Le @tbl-calibration le mesure sur {runs} populations simulées par "
            "scénario (réglage `statistics.calibration_simulations`) : sans effet de la mobilisation, la part "
            "« reproduit » d'un constat sur la mobilisation estime le taux de faux « reproduit », "
            "qui devrait rester sous {alpha}; avec les effets simulés, elle estime la puissance. Avec si peu de "
            "populations, ces parts restent incertaines (intervalles de Wilson à 95 %).",
            "**Stabilité.** Un verdict que moins de 80 % des échantillons alternatifs reproduisent est marqué ⚠ "
            "dans le résumé{unstable}.",
            "**Opérationnalisation.** Chaque constat est traduit en mesures choisies avant de voir les résultats "
            "(registre), et d'autres lectures défendables sont calculées (colonne « Robustesse ») : un "
            "constat qui ne tient que sous une lecture dépend de cette lecture.",
            "**Échantillon.** M1 est une vérification du tirage : ne pas détecter d'écart entre l'échantillon et "
            "le cadre ne montre pas qu'ils se ressemblent; le tirage aléatoire, lui, garantit l'absence de biais de "
            "sélection en moyenne.",
        ],
        "simulated_yes": "Les plans analysés ici sont produits par un simulateur réglé pour que les constats du "
                         "document source soient vrais : que le pipeline les reproduise ne dit rien des RLP, "
                         "seulement que la méthode retrouve ce qu'on y a mis.",
        "simulated_no": "Les plans analysés sont réels ; le tableau de calibration vient de populations simulées "
                        "et décrit la méthode, non les RLP.",
        "unstable_list": " : {ids}",
        "calibration_head": ["Constat", "Faux « reproduit » (sans effet) [IC 95 %]",
                             "Puissance (effets simulés) [IC 95 %]"],
        "calibration_caption": "Calibration des verdicts sur des populations simulées ({runs} par scénario)",
        "not_applicable": "–",
        "values": {"level": "niveau {level}", "group": "{group}", "half": "la moitié",
                   "sign": "{up} en hausse · {tie} à égalité · {down} en baisse", "of": "{a} sur {b}"},
        "multiplicity": (
            "**Tests multiples.** Les tests principaux des {m} constats testés forment une seule famille "
            "confirmatoire. La p d'un constat est la plus grande p de ses composantes (règle intersection-union\u00a0: "
            "un constat ne tient que si chacune de ses composantes tient, ce qui ne demande aucune correction entre "
            "elles), et la correction de Holm est appliquée une fois, sur les {m} constats. Chaque p ajustée du "
            "rapport dit quelle correction l'a produite. La batterie de tests de la mobilisation et les tests des "
            "distributions sont exploratoires\u00a0: leurs p sont corrigées par Holm entre leurs propres lignes, sauf "
            "les lignes qui sont aussi une composante confirmatoire, qui montrent les nombres de cette composante. "
            "Les rapports de cotes sont orientés comme le constat (le groupe que le constat dit plus élevé en "
            "premier), dans tous les tableaux."
        ),
    },
    "en": {
        "reproduced": "The data reproduce this finding: every tested component goes in the stated direction and "
                      "stays significant at the {alpha} level after correction ({correction}): the weakest component "
                      "gives {p} after correction.",
        "descriptive_parts": " Its descriptive components are observed as stated.",
        "partly": "The data reproduce this finding in part: the stated direction holds on average ({p} after "
                  "correction, {correction}), but not for every plan as \"all\" says: {meeting} of {n} plans meet it, "
                  "{ties} are ties and {other} go the other way. A sampled plan that does not meet it is a plan "
                  "of the population: the data can refute \"all\", never prove it.",
        "trend": "The data point the same way as this finding, but component {component} is not significant at "
                 "the {alpha} level after correction ({p} after correction, {correction}).",
        "not_reproduced": "The data do not reproduce this finding: component {component} {what}.",
        "not_reproduced_all": " Moreover, \"all\" does not hold plan by plan: {meeting} of {n} plans meet it.",
        "not_testable": "This finding cannot be tested with these data: {reason}.",
        "observed": "Observed as stated: {detail}. This finding is descriptive; no test is involved.",
        "not_observed": "This descriptive finding is not observed as stated: {detail}.",
        "check": "Check passed: no variable known for every plan differs between the sample and the frame by more "
                 "than the chance of the draw would make it ({detail}). This is a check of the draw, not a proof "
                 "of similarity: a large p does not show that the sample resembles the frame, only that no "
                 "difference is detected.",
        "check_failed": "Check: at least one variable known for every plan differs between the sample and the "
                        "frame by more than chance usually would ({detail}).",
        "opposite": "goes the other way", "none": "shows no difference",
        "correction": {"findings": "Holm across the {m} confirmatory findings, intersection-union rule within each",
                       "components": "Holm across the {m} components of the family",
                       "exploratory": "exploratory: Holm across the {m} exploratory rows",
                       "confirmatory": "confirmatory, {label}: Holm across the {m} findings"},
        "short_correction": {"findings": "Holm, {m} findings", "components": "Holm, {m} components",
                             "exploratory": "exploratory, Holm across {m}", "confirmatory": "Holm, {m} findings"},
        "effects": {
            "or": "OR {orientation}", "matched_or": "matched OR", "rd": "difference", "points": "pts",
            "rank_biserial": "rank-biserial r ({high} > {low})", "dominance": "ordinal dominance",
            "share": "share", "sign_share": "share of plans going up (ties left out)",
            "all_share": "share of plans meeting it", "ties": "ties: {ties}",
            "zero_cell": "OR not estimable (zero cell)",
        },
        "all_plans_label": "{a} > {b}, plan by plan (\"all\")", "all_plans_test": "share of plans (descriptive)",
        "all_direction": {"as expected": "every plan", "opposite": "not every plan"},
        "robustness_cell": "{k} of {n}",
        "robustness_head": ["Specification", "Verdict", "Deciding adjusted p"],
        "robustness_caption": "Robustness of {finding}: verdict under each specification declared in the registry",
        "primary": "Primary (box \"Operationalisation\")",
        "robustness_sentence": "The finding holds under {k} of the {n} specifications declared before the results were seen (@{ref}).",
        "box_title": "Operationalisation of {finding}",
        "box_measure": "**Measure** (registry): {measure}",
        "box_claim": "**Claim form**: quantifier \"{quantifier}\", unit: {unit}; stated direction: {direction}.",
        "box_departs": "**Departure from `findings.md`**: {departs}",
        "box_alternatives": "**Other defensible readings**: {n}, all computed (robustness table below).",
        "quantifiers": {"all": "all", "most": "most", "more than": "more than", "associated with": "associated with",
                        "exists": "exists (descriptive)", "check": "check"},
        "units": {"plan": "the plan", "coding": "the coded passage"},
        "unstable": "{share} ⚠",
        "limits": [
            "**Simulated data: circular verdicts.** {simulated}",
            "**What simulated data can show.** How the method behaves: how often it calls a false finding "
            "reproduced, and how often it reproduces a true one of a given effect size. @tbl-calibration measures "
            "it on {runs} simulated populations per scenario (setting `statistics.calibration_simulations`): with "
            "no mobilisation effect, the share \"reproduced\" of a finding about mobilisation estimates the false "
            "reproduced rate, which should stay below {alpha}; with the simulated effects, it estimates the power. "
            "With so few populations these shares remain uncertain (95% Wilson intervals).",
            "**Stability.** A verdict that fewer than 80% of the alternative samples reproduce is marked ⚠ in the "
            "summary{unstable}.",
            "**Operationalisation.** Each finding is translated into measures chosen before the results were seen "
            "(registry), and other defensible readings are computed (column \"Robustness\"): a finding that holds "
            "under one reading only depends on that reading.",
            "**Sample.** M1 is a check of the draw: detecting no difference between the sample and the frame does "
            "not show that they resemble each other; the random draw itself is what rules out selection bias on "
            "average.",
        ],
        "simulated_yes": "The plans analysed here are produced by a simulator set so that the source's findings are "
                         "true: that the pipeline reproduces them says nothing about the RLP, only that the method "
                         "recovers what was built in.",
        "simulated_no": "The plans analysed are real; the calibration table comes from simulated populations and "
                        "describes the method, not the RLP.",
        "unstable_list": ": {ids}",
        "calibration_head": ["Finding", "False \"reproduced\" (no effect) [95% CI]", "Power (simulated effects) [95% CI]"],
        "calibration_caption": "Calibration of the verdicts on simulated populations ({runs} per scenario)",
        "not_applicable": "–",
        "values": {"level": "level {level}", "group": "{group}", "half": "one half",
                   "sign": "{up} up · {tie} tied · {down} down", "of": "{a} of {b}"},
        "multiplicity": (
            "**Multiple testing.** The primary tests of the {m} tested findings form one confirmatory family. A "
            "finding's p-value is the largest p-value of its components (intersection-union rule: a finding holds "
            "only if every one of its components does, which needs no correction among them), and Holm's "
            "correction is applied once, across the {m} findings. Every adjusted p-value of the report says which "
            "correction made it. The battery of mobilisation tests and the distribution tests are exploratory: "
            "their p-values are Holm-corrected among their own rows, except the rows that are also a confirmatory "
            "component, which show that component's numbers. Odds ratios are oriented as the finding states "
            "them (the group the finding says is higher first), in every table."
        ),
    },
}


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


# --------------------------------------------------------------------------------------------
# Corrections
# --------------------------------------------------------------------------------------------


def correction(adjustment: str, language: str, short: bool = False) -> str:
    """The correction named in an ``adjustment`` column (components, battery, distributions), in
    words of the language; empty when there is none."""
    words = WORDS[language]["short_correction" if short else "correction"]
    adjustment = _text(adjustment)
    confirmatory = re.match(r"confirmatory component (\S+): Holm across the (\d+) findings", adjustment)
    if confirmatory:
        return words["confirmatory"].format(label=confirmatory.group(1), m=confirmatory.group(2))
    for key, pattern in (("findings", r"Holm across the (\d+) findings"), ("components", r"Holm across the (\d+) components"),
                         ("exploratory", r"Holm across the (\d+) exploratory rows")):
        match = re.match(pattern, adjustment)
        if match:
            return words[key].format(m=match.group(1))
    return ""


def adjusted_p_cell(p: float, adjustment: str, language: str) -> str:
    """An adjusted p-value with the correction that made it, in a few words."""
    if _missing(p):
        return "–"
    which = correction(adjustment, language, short=True)
    return f"{format_p(p, language)} ({which})" if which else format_p(p, language)


def confirmatory_mark(component: Any) -> str:
    """For a row of an exploratory table that is also a confirmatory component: its finding and
    component (« F16.1 »), linked to the finding's section; empty otherwise."""
    label = _text(component)
    if not label:
        return ""
    finding = label.split(".")[0]
    return f" ([{label}](#sec-{finding.lower()}))"


def multiplicity_paragraph(findings: pd.DataFrame, language: str) -> str:
    """The multiple-testing scheme, explained once, with the size of the confirmatory family."""
    m = int(findings.loc[findings["family"].fillna("") != "", "id"].nunique())
    return WORDS[language]["multiplicity"].format(m=m) + "\n"


# --------------------------------------------------------------------------------------------
# Effects
# --------------------------------------------------------------------------------------------


def _number(value: float, language: str, digits: int = 2) -> str:
    return format_number(value, language, digits)


def _points(value: float, language: str) -> str:
    sign = "+" if value > 0 else ""
    return f"{sign}{format_number(value, language, 0)}{NBSP}{WORDS[language]['effects']['points']}"


def _interval(low: float, high: float, language: str, digits: int = 2) -> str:
    return "" if _missing(low) else " " + format_interval(low, high, language, digits=digits)


def risk_difference_text(c: Any, language: str) -> str:
    """The risk difference in percentage points with its interval: « écart +41 pts [15 ; 60] »."""
    if _missing(getattr(c, "risk_difference_pp", float("nan"))):
        return ""
    words = WORDS[language]["effects"]
    interval = format_interval(c.rd_ci_low_pp, c.rd_ci_high_pp, language, digits=0)
    return f"{words['rd']} {_points(c.risk_difference_pp, language)} {interval}"


def effect_cell(c: Any, language: str) -> str:
    """A component's effect size, named, with its interval; for shares compared, the risk
    difference beside the odds ratio (or in its place when a zero cell makes it 0 or infinite).
    Never a z statistic, never an infinite estimate."""
    words = WORDS[language]["effects"]
    name = _text(c.effect_name)
    kind = c.kind
    if kind in ("group_difference", "paired_difference"):
        parts = [risk_difference_text(c, language)]
        if _text(getattr(c, "effect_note", "")):
            parts.append(words["zero_cell"])
        elif not _missing(c.effect):
            orientation = re.search(r"\(([^)]*)\)", name)
            label = words["or"].format(orientation=(orientation.group(1).replace(" vs ", "/") if orientation else "")) \
                if kind == "group_difference" else words["matched_or"]
            parts.append(f"{label} {_number(c.effect, language)}{_interval(c.ci_low, c.ci_high, language)}")
        return " · ".join(p for p in parts if p) or "–"
    if _missing(c.effect):
        return "–"
    if kind == "group_shift":
        high = re.search(r"higher in (\S+)\)", name)
        high = high.group(1) if high else "3-4"
        low = "1-2" if high == "3-4" else "3-4"
        return f"{words['rank_biserial'].format(high=high, low=low)} {_number(c.effect, language)}{_interval(c.ci_low, c.ci_high, language)}"
    if kind == "trend_levels":
        return f"{words['dominance']} {_number(c.effect, language)}"
    if kind == "majority":
        return f"{words['share']} {format_percent(c.effect, language, 0)} {format_interval(c.ci_low, c.ci_high, language, percent=True, digits=0)}"
    if kind == "sign_test":
        return f"{words['sign_share']} {format_percent(c.effect, language, 0)} {format_interval(c.ci_low, c.ci_high, language, percent=True, digits=0)}"
    if kind == "all_plans":
        ties = re.search(r"ties: (\d+)", _text(c.detail))
        return (f"{words['all_share']} {format_percent(c.effect, language, 0)} "
                f"{format_interval(c.ci_low, c.ci_high, language, percent=True, digits=0)}"
                + (f" ({words['ties'].format(ties=ties.group(1))})" if ties else ""))
    return "–"


def direction_cell(c: Any, directions: dict[str, str], language: str) -> str:
    """A component's direction in words; for the quantifier "all", whether every plan meets it
    (a plan that does not is not "the other way" on average)."""
    if c.kind == "all_plans":
        return WORDS[language]["all_direction"].get(c.direction, c.direction)
    return directions.get(c.direction, c.direction)


def battery_effect_cell(r: pd.Series, language: str) -> str:
    """A battery row's effect: the risk difference in percentage points beside the odds ratio,
    both oriented as the row's ``or_orientation`` says (3-4 vs 1-2 unless a claim says otherwise);
    a zero cell replaces the odds ratio by its statement."""
    words = WORDS[language]["effects"]
    parts = []
    if not _missing(r["risk_difference_pp"]):
        parts.append(f"{_points(r['risk_difference_pp'], language)} {format_interval(r['rd_ci_low_pp'], r['rd_ci_high_pp'], language, digits=0)}")
    if _text(r.get("effect_note", "")):
        parts.append(words["zero_cell"])
    elif not _missing(r["odds_ratio"]):
        parts.append(f"{words['or'].format(orientation=_text(r['or_orientation']).replace(' vs ', '/'))} "
                     f"{_number(r['odds_ratio'], language)}{_interval(r['odds_ratio_ci_low'], r['odds_ratio_ci_high'], language)}")
    return " · ".join(parts) or "–"


# --------------------------------------------------------------------------------------------
# Measured values
# --------------------------------------------------------------------------------------------


def measured_value(row: Any, components: pd.DataFrame, language: str) -> str:
    """The deciding component's values with their labels, in a fixed order (groups 1-2 then
    3-4, levels from 1 to 4), so that two numbers are never read without knowing which is which."""
    words = WORDS[language]["values"]
    own = components[(components["finding"] == row.id) & (components["component"] == row.deciding_component)]
    if own.empty or _missing(row.value_a):
        return "–"
    c = own.iloc[0]
    pct = lambda v: format_percent(v, language, 0)  # noqa: E731
    if c["kind"] == "group_difference" or c["kind"] == "group_shift":
        high = re.search(r"group (\S+)$", _text(c["label_a"])).group(1)
        values = {high: c["value_a"], ("1-2" if high == "3-4" else "3-4"): c["value_b"]}
        show = pct if c["kind"] == "group_difference" else (lambda v: format_number(v, language, 2))
        return " · ".join(f"{g}{NBSP}: {show(values[g])}" if language == "fr" else f"{g}: {show(values[g])}" for g in ("1-2", "3-4"))
    if c["kind"] == "trend_levels":
        first = re.search(r"level (\S+)$", _text(c["label_a"])).group(1)
        last = re.search(r"level (\S+)$", _text(c["label_b"])).group(1)
        sep = f"{NBSP}: " if language == "fr" else ": "
        return (f"{words['level'].format(level=first)}{sep}{format_number(c['value_a'], language, 2)} → "
                f"{words['level'].format(level=last)}{sep}{format_number(c['value_b'], language, 2)}")
    if c["kind"] == "majority":
        return f"{pct(c['value_a'])} (> {words['half']})"
    if c["kind"] == "paired_difference":
        return f"{pct(c['value_a'])} / {pct(c['value_b'])}"
    if c["kind"] == "sign_test":
        counts = re.search(r"positive: (\d+), negative: (\d+), ties: (\d+)", _text(c["detail"]))
        if counts:
            return words["sign"].format(up=counts.group(1), down=counts.group(2), tie=counts.group(3))
    if c["kind"] in ("presence", "coverage"):
        return words["of"].format(a=format_count(c["value_a"], language), b=format_count(c["value_b"], language))
    return f"{format_number(c['value_a'], language, 2)} / {format_number(c['value_b'], language, 2)}"


# --------------------------------------------------------------------------------------------
# Verdict sentences
# --------------------------------------------------------------------------------------------


def _all_counts(own: pd.DataFrame) -> dict[str, str] | None:
    quantifier = own[own["kind"] == "all_plans"]
    if quantifier.empty:
        return None
    match = re.search(r"meeting the claim: (\d+) of (\d+), ties: (\d+), the other way: (\d+)", _text(quantifier.iloc[0]["detail"]))
    if not match:
        return None
    return {"meeting": match.group(1), "n": match.group(2), "ties": match.group(3), "other": match.group(4),
            "holds": quantifier.iloc[0]["direction"] == "as expected"}


def verdict_sentence(row: pd.Series, components: pd.DataFrame, language: str) -> str:
    """One sentence generated from a finding's verdict and components (see the module's rules).

    `row` is the finding's row of findings.csv indexed by id (``row.name`` is the id)."""
    words = WORDS[language]
    own = components[components["finding"] == row.name]
    alpha = format_number(row["alpha"], language, 2)
    tested = own[own["p_adjusted"].notna()]
    verdict = row["verdict"]
    if verdict == "not testable":
        reason = own.loc[own["not_testable_reason"].astype(str) != "", "not_testable_reason"]
        return words["not_testable"].format(reason=escape_markdown(_text(reason.iloc[0]) if len(reason) else ""))
    if verdict in ("observed",) or (verdict == "not reproduced" and not len(tested)):
        detail = escape_markdown(_text(own.iloc[0]["detail"]))
        if (own["kind"] == "balance").any():
            return words["check" if verdict == "observed" else "check_failed"].format(detail=detail)
        return words["observed" if verdict == "observed" else "not_observed"].format(detail=detail)
    which = correction(_text(tested.iloc[0]["adjustment"]) if len(tested) else "", language) or "–"
    if verdict == "reproduced":
        text = words["reproduced"].format(alpha=alpha, correction=which, p=format_p(tested["p_adjusted"].max(), language))
        return text + (words["descriptive_parts"] if len(tested) < len(own) and not (own["kind"] == "all_plans").any() else "")
    counts = _all_counts(own)
    if verdict == "partly reproduced" and counts:
        return words["partly"].format(p=format_p(tested["p_adjusted"].max(), language), correction=which, **{
            k: v for k, v in counts.items() if k != "holds"})
    if verdict == "trend only":
        core = tested[tested["p_adjusted"] >= row["alpha"]]
        weak = core.loc[core["p_adjusted"].idxmax()] if len(core) else tested.loc[tested["p_adjusted"].idxmax()]
        return words["trend"].format(component=int(weak["component"]), alpha=alpha, correction=which,
                                     p=format_p(weak["p_adjusted"], language))
    wrong = own[(own["direction"] != "as expected") & (own["kind"] != "all_plans")]
    first = wrong.iloc[0] if len(wrong) else own.iloc[0]
    text = words["not_reproduced"].format(component=int(first["component"]),
                                          what=words["none" if first["direction"] == "none" else "opposite"])
    if counts and not counts["holds"]:
        text += words["not_reproduced_all"].format(meeting=counts["meeting"], n=counts["n"])
    return text


# --------------------------------------------------------------------------------------------
# Robustness and operationalisation
# --------------------------------------------------------------------------------------------


def robustness_cell(robustness: pd.DataFrame, finding_id: str, language: str) -> str:
    """« 4 sur 6 » / "4 of 6": specifications under which the finding holds, for the summary."""
    own = robustness[robustness["finding"] == finding_id]
    if own.empty:
        return "–"
    return WORDS[language]["robustness_cell"].format(k=int(own["specifications_holding"].iloc[0]),
                                                     n=int(own["specifications"].iloc[0]))


def stability_flag(share: float, language: str, threshold: float = 0.8) -> str:
    """A stability share, flagged with ⚠ when below `threshold` (the verdict then depends on the
    draw in more than one alternative sample in five)."""
    text = format_percent(share, language)
    return WORDS[language]["unstable"].format(share=text) if share < threshold else text


def robustness_block(robustness: pd.DataFrame, finding_id: str, language: str, badge, source: str = "") -> str:
    """The robustness table of a finding (every specification, its verdict and deciding p),
    with one sentence that refers to it (« Tableau N », numbered #tbl-robustness-<id>); `source`
    (the report's source note) ends its caption; empty when the registry declares no alternative."""
    words = WORDS[language]
    own = robustness[robustness["finding"] == finding_id]
    if len(own) <= 1:
        return ""
    rows = []
    for r in own.itertuples():
        label = words["primary"].format(measure=escape_markdown(_text(r.why))) if r.specification == "primary" \
            else escape_markdown(_text(r.label_fr if language == "fr" else r.label_en))
        rows.append([label, badge(r.verdict), format_p(r.p_deciding, language) if not _missing(r.p_deciding) else "–"])
    from .document import table_markdown  # the report's table layout, one place

    label = f"tbl-robustness-{finding_id.lower()}"
    sentence = words["robustness_sentence"].format(k=int(own["specifications_holding"].iloc[0]), n=len(own), ref=label)
    return sentence + "\n\n" + table_markdown(words["robustness_head"], rows,
                                               words["robustness_caption"].format(finding=finding_id) + source, label)


def operationalisation_box(finding, language: str) -> str:
    """A callout stating how a finding is operationalised: the registry's measure, its claim
    form, where it departs from ../shared/findings.md (each in the document's language: the
    registry's `measure_fr`, `direction_fr`, `departs_fr` in French), and how many other
    readings are computed."""
    words, suffix = WORDS[language], "_fr" if language == "fr" else ""
    # The title as an attribute, not a heading: Quarto would take a heading as the callout's title
    # and the fallback as a section, and the two documents would not have the same sections.
    title = words["box_title"].format(finding=finding.id).replace('"', "'")
    lines = [f'::: {{.callout-note title="{title}"}}', "",
             words["box_measure"].format(measure=escape_markdown(finding.texts["measure" + suffix])), "",
             words["box_claim"].format(quantifier=words["quantifiers"].get(finding.claim.get("quantifier"), ""),
                                       unit=words["units"].get(finding.claim.get("unit"), ""),
                                       direction=escape_markdown(finding.claim.get("direction" + suffix, "")))]
    if finding.claim.get("departs" + suffix):
        lines += ["", words["box_departs"].format(departs=escape_markdown(finding.claim["departs" + suffix]))]
    if finding.alternatives:
        lines += ["", words["box_alternatives"].format(n=len(finding.alternatives))]
    return "\n".join(lines + [":::", ""])


# --------------------------------------------------------------------------------------------
# Limitations
# --------------------------------------------------------------------------------------------


def calibration_markdown(calibration: pd.DataFrame, language: str, source: str = "") -> str:
    """The calibration table: per finding, the false reproduced rate under no mobilisation effect
    (findings about mobilisation only) and the power under the simulated effects."""
    from .document import table_markdown  # the report's table layout, one place

    words = WORDS[language]
    rows = []
    for finding, own in calibration.groupby("finding", sort=False):
        cells = [f"[{finding}](#sec-{finding.lower()})"]
        for scenario in ("none", "default"):
            r = own[own["scenario"] == scenario].iloc[0]
            applicable = scenario == "default" or str(r["about_mobilisation"]) == "True"
            cells.append(f"{format_percent(r['share_holding'], language, 0)} "
                         f"{format_interval(r['ci_low'], r['ci_high'], language, percent=True, digits=0)}"
                         if applicable else words["not_applicable"])
        rows.append(cells)
    runs = int(calibration["runs"].iloc[0]) if len(calibration) else 0
    return table_markdown(words["calibration_head"], rows, words["calibration_caption"].format(runs=runs) + source,
                          "tbl-calibration")


def limitations(calibration: pd.DataFrame, stability: pd.DataFrame, simulated: bool, alpha: float, language: str,
                source: str = "") -> str:
    """The « Limites et validité / Limitations » section's paragraphs and calibration table
    (`source`, the report's source note, ends the table's caption)."""
    words = WORDS[language]
    assessed = stability[stability["assessed"].astype(str) == "True"]
    unstable = [f for f, share in zip(assessed["finding"], assessed["share_reproduced"]) if float(share) < 0.8]
    runs = int(calibration["runs"].iloc[0]) if len(calibration) else 0
    values = {"simulated": words["simulated_yes" if simulated else "simulated_no"], "runs": runs,
              "alpha": format_number(alpha, language, 2),
              "unstable": words["unstable_list"].format(ids=", ".join(unstable)) if unstable else ""}
    paragraphs = [text.format(**values) for text in words["limits"]]
    return "\n\n".join(paragraphs[:2]) + "\n\n" + calibration_markdown(calibration, language, source) + "\n" + \
        "\n\n".join(paragraphs[2:]) + "\n"
