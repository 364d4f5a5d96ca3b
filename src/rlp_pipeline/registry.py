"""The findings registry (config/findings.yaml): what each finding measures and how it is judged.

The registry is data, written before looking at results: the source sentence, our English
rendering, the measure, the components to compute (kind and arguments), the rule that turns
them into a verdict, alpha, and the family for multiple-testing correction. This module reads
it and checks it completely (unknown kinds, indicators or measures are refused with the line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .codebook import Codebook
from .indicators import indicator_problem
from .problems import InputError, Problem, display_path
from .io.yamlfile import LINE_KEY, load_yaml_with_lines, strip_lines

RULES = ("comparison", "majority", "presence", "balance", "coverage")
# Component kinds and the arguments each requires.
KINDS = {
    "majority": ("indicator",),
    "trend_levels": ("measure", "expected"),
    "group_shift": ("measure", "expected"),
    "group_difference": ("indicator", "expected"),
    "paired_difference": ("indicator", "versus", "expected"),
    "sign_test": ("measure", "versus", "expected"),
    "all_plans": ("measure", "versus", "expected"),
    "trend_share": ("indicator", "expected"),
    "coding_majority": ("strategy", "substrategy"),
    "presence": ("strategy",),
    "balance": (),
    "coverage": (),
}
# Kinds only alternative specifications may use (the stability stage does not compute them).
ALTERNATIVE_KINDS = ("trend_share", "coding_majority")
# Components that state the claim's quantifier "all" (every plan), judged plan by plan, never by
# a mean: the finding is only *partly reproduced* when they fail and the rest holds.
QUANTIFIER_KINDS = ("all_plans",)
# The claim form of a finding, as its sentence states it (see config/findings.yaml).
QUANTIFIERS = ("all", "most", "more than", "associated with", "exists", "check")
UNITS = ("plan", "coding")
# Adjustments a family may declare: Holm across the family's components, or Holm across the
# family's findings with the intersection-union rule within each (findings.adjusted_p_values).
ADJUSTMENTS = ("holm", "holm_findings")
# Per-plan measures of the diversity stage that components may use.
MEASURES = (
    "n_objects", "n_strategies", "n_substrategies", "n_codings", "shannon_strategies", "gini_simpson_strategies",
    "evenness_strategies", "mean_complexity_applied", "mean_complexity_intended",
    "hill0_strategies", "hill1_strategies", "hill2_strategies",
    "hill0_strategies_rarefied", "hill1_strategies_rarefied", "hill2_strategies_rarefied",
)
# Texts of a finding: `measure` is the English text written before the results; `measure_fr` its
# French wording for the French report (like the claim's direction / direction_fr, departs / departs_fr).
TEXT_FIELDS = ("source_fr", "statement_en", "short_fr", "short_en", "measure", "measure_fr")
# Components that describe without testing (no p-value): they hold when observed as stated.
DESCRIPTIVE_KINDS = ("presence", "balance", "coverage", "all_plans")


@dataclass(frozen=True)
class Finding:
    """One finding of the registry."""

    id: str
    section: str
    rule: str
    family: str | None
    components: list[dict[str, Any]]
    texts: dict[str, str]
    claim: dict[str, str] = field(default_factory=dict)
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    @property
    def descriptive(self) -> bool:
        """True when the finding is a description (presence, coverage, a check): no component is
        tested, so its verdict is *observed* and its sentence never mentions significance."""
        return bool(self.components) and all(c["kind"] in DESCRIPTIVE_KINDS for c in self.components)


@dataclass(frozen=True)
class Registry:
    """All findings, in registry order, with alpha and the multiple-testing families."""

    alpha: float
    families: dict[str, dict[str, Any]]
    findings: list[Finding]


def load_registry(path: Path | str, codebook: Codebook) -> Registry:
    """Read and check the findings registry; raise InputError listing every problem."""
    path = Path(path)
    shown = display_path(path)
    document, problems = load_yaml_with_lines(path, shown)
    if not problems:
        problems = registry_problems(document, shown, codebook)
    if problems:
        raise InputError(problems, stage="findings registry check")
    findings = []
    for entry in document["findings"]:
        clean = strip_lines(entry)
        findings.append(Finding(
            id=clean["id"], section=clean["section"], rule=clean["rule"], family=clean.get("family"),
            components=clean["components"],
            texts={key: " ".join(str(clean[key]).split()) for key in TEXT_FIELDS},
            claim={key: " ".join(str(value).split()) for key, value in clean["claim"].items()},
            alternatives=[{**a, **{k: " ".join(str(a[k]).split()) for k in ("label_fr", "label_en", "why")}}
                          for a in clean.get("alternatives") or []],
        ))
    return Registry(float(document["alpha"]), strip_lines(document.get("families", {})), findings)


def registry_problems(document: Any, shown: str, codebook: Codebook) -> list[Problem]:
    """Every problem of a parsed registry (empty list when it is sound)."""
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        return [Problem(shown, None, "findings", None, "a mapping with alpha, families and a list of findings")]
    problems = []
    alpha = document.get("alpha")
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        problems.append(Problem(shown, document.get(LINE_KEY), "alpha", str(alpha), "a significance level between 0 and 1"))
    families = document.get("families") or {}
    seen = set()
    for name, spec in strip_lines(families).items():
        if not isinstance(spec, dict) or spec.get("adjustment") not in ADJUSTMENTS:
            adjustment = spec.get("adjustment") if isinstance(spec, dict) else spec
            problems.append(Problem(shown, None, f"families.{name}.adjustment", str(adjustment), "one of " + ", ".join(ADJUSTMENTS)))
    for entry in document["findings"]:
        line = entry.get(LINE_KEY) if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            problems.append(Problem(shown, None, "findings", str(entry), "a finding with id, texts, rule and components"))
            continue
        finding_id = entry.get("id")
        if not finding_id or finding_id in seen:
            problems.append(Problem(shown, line, "id", str(finding_id), "a unique finding id"))
        seen.add(finding_id)
        for key in TEXT_FIELDS + ("section",):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(Problem(shown, line, key, None, f"a text for '{key}' in finding {finding_id}"))
        if entry.get("rule") not in RULES:
            problems.append(Problem(shown, line, "rule", str(entry.get("rule")), "one of " + ", ".join(RULES)))
        if entry.get("family") is not None and entry["family"] not in families:
            problems.append(Problem(shown, line, "family", str(entry["family"]), "a family declared under 'families:'"))
        problems += _claim_problems(entry.get("claim"), shown, line, finding_id)
        components = entry.get("components")
        if not isinstance(components, list) or not components:
            problems.append(Problem(shown, line, "components", None, f"at least one component in finding {finding_id}"))
            continue
        for component in components:
            problems += _component_problems(component, shown, line, codebook)
            if isinstance(component, dict) and component.get("kind") in ALTERNATIVE_KINDS:
                problems.append(Problem(shown, component.get(LINE_KEY, line), "components.kind", component["kind"],
                                        "a primary kind: " + ", ".join(ALTERNATIVE_KINDS) + " serve alternatives only"))
        problems += _alternative_problems(entry.get("alternatives"), shown, line, codebook, finding_id)
    return problems


def _alternative_problems(alternatives: Any, shown: str, line: int | None, codebook: Codebook,
                          finding_id: Any) -> list[Problem]:
    """Problems of a finding's alternative specifications (robustness): each has an id, a label
    in both languages, why it is defensible, and components."""
    if alternatives is None:
        return []
    if not isinstance(alternatives, list):
        return [Problem(shown, line, "alternatives", str(alternatives), f"a list of specifications in finding {finding_id}")]
    problems, seen = [], set()
    for alternative in alternatives:
        where = alternative.get(LINE_KEY, line) if isinstance(alternative, dict) else line
        if not isinstance(alternative, dict) or not alternative.get("id") or alternative["id"] in seen:
            problems.append(Problem(shown, where, "alternatives.id", str(alternative), "a unique specification id"))
            continue
        seen.add(alternative["id"])
        for key in ("label_fr", "label_en", "why"):
            if not isinstance(alternative.get(key), str) or not alternative[key].strip():
                problems.append(Problem(shown, where, f"alternatives.{key}", None, f"a text for '{key}' in {finding_id}.{alternative['id']}"))
        components = alternative.get("components")
        if not isinstance(components, list) or not components:
            problems.append(Problem(shown, where, "alternatives.components", None, "at least one component"))
            continue
        for component in components:
            problems += _component_problems(component, shown, where, codebook)
    return problems


def _claim_problems(claim: Any, shown: str, line: int | None, finding_id: Any) -> list[Problem]:
    """Problems of a finding's claim form: quantifier, direction (a sentence) and unit."""
    if not isinstance(claim, dict):
        return [Problem(shown, line, "claim", str(claim), f"a claim with quantifier, direction and unit in finding {finding_id}")]
    problems = []
    if claim.get("quantifier") not in QUANTIFIERS:
        problems.append(Problem(shown, line, "claim.quantifier", str(claim.get("quantifier")), "one of " + ", ".join(QUANTIFIERS)))
    if claim.get("unit") not in UNITS:
        problems.append(Problem(shown, line, "claim.unit", str(claim.get("unit")), "one of " + ", ".join(UNITS)))
    for key in ("direction", "direction_fr"):
        if not isinstance(claim.get(key), str) or not claim[key].strip():
            problems.append(Problem(shown, line, f"claim.{key}", str(claim.get(key)),
                                    "the direction the sentence states, in words" + (" (in French)" if key.endswith("_fr") else "")))
    # a departure from findings.md is stated in both languages, or in neither
    for key, other in (("departs", "departs_fr"), ("departs_fr", "departs")):
        if key in claim and (not isinstance(claim[key], str) or not claim[key].strip() or other not in claim):
            problems.append(Problem(shown, line, f"claim.{key}", str(claim.get(key)),
                                    f"a text, with its counterpart '{other}' (the departure in English and in French)"))
    return problems


def _component_problems(component: Any, shown: str, line: int | None, codebook: Codebook) -> list[Problem]:
    if not isinstance(component, dict) or component.get("kind") not in KINDS:
        kind = component.get("kind") if isinstance(component, dict) else component
        return [Problem(shown, line, "components.kind", str(kind), "one of " + ", ".join(KINDS))]
    kind = component["kind"]
    line = component.get(LINE_KEY, line)
    problems = [Problem(shown, line, f"components.{key}", None, f"'{key}' for a {kind} component")
                for key in KINDS[kind] if key not in component]
    for key in ("indicator", "versus", "within"):
        if key in component and kind not in ("sign_test", "all_plans"):
            reason = indicator_problem(str(component[key]), codebook)
            if reason:
                problems.append(Problem(shown, line, f"components.{key}", str(component[key]), f"a known indicator ({reason})"))
    for key in ("measure",) + (("versus",) if kind in ("sign_test", "all_plans") else ()):
        if key in component and component[key] not in MEASURES:
            problems.append(Problem(shown, line, f"components.{key}", str(component[key]), "one of the per-plan measures " + ", ".join(MEASURES)))
    if kind in ("presence", "coding_majority") and component.get("strategy") not in codebook.ids("strategies"):
        problems.append(Problem(shown, line, "components.strategy", str(component.get("strategy")), "a strategy of the codebook"))
    expected = component.get("expected")
    if kind in ("group_shift", "group_difference") and not (isinstance(expected, dict) and expected.get("higher_in") in ("1-2", "3-4")):
        problems.append(Problem(shown, line, "components.expected", str(expected), "{higher_in: '1-2'} or {higher_in: '3-4'}"))
    if kind == "sign_test" and component.get("ties", "dropped") not in ("dropped", "against"):
        problems.append(Problem(shown, line, "components.ties", str(component.get("ties")), "dropped or against"))
    if kind == "coding_majority" and component.get("substrategy") not in codebook.substrategies_of(str(component.get("strategy"))):
        problems.append(Problem(shown, line, "components.substrategy", str(component.get("substrategy")),
                                "a sub-strategy of the component's strategy"))
    if kind in ("trend_levels", "trend_share") and expected not in ("increasing", "decreasing"):
        problems.append(Problem(shown, line, "components.expected", str(expected), "increasing or decreasing"))
    if kind in ("paired_difference", "sign_test", "all_plans") and expected not in ("greater", "less"):
        problems.append(Problem(shown, line, "components.expected", str(expected), "greater or less"))
    return problems
