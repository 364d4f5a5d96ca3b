"""Tests written for the mutants of reporting/claims.py that tests/test_claims.py left alive
(benchmarks/mutation-results.md): each function that turns a derived table's row into the
report's words, on rows built here whose right wording is known by hand (which value goes in
which place, which correction, which component, which threshold).

The numbers' formatting itself is fmt's (tested in tests/test_fmt.py); here the expected strings
are written out by hand in both languages.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from rlp_pipeline.reporting import claims

NBSP, NNBSP = "\u00a0", "\u202f"


# ------------------------------------------------------------------------------------------
# Missing values and corrections
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, math.nan, float("nan")])
def test_a_missing_value_is_an_empty_text_and_is_missing(value):
    assert claims._text(value) == ""
    assert claims._missing(value) is True


def test_a_present_value_is_its_text_and_is_not_missing():
    assert claims._text(0.0) == "0.0"
    assert claims._text("F1") == "F1"
    assert claims._missing(0.0) is False
    assert claims._missing("") is False
    assert claims._missing(pd.NA) is True


@pytest.mark.parametrize("language, expected", [
    ("en", "confirmatory, F3.1: Holm across the 7 findings"),
    ("fr", f"confirmatoire, F3.1{NBSP}: Holm sur les 7 constats"),
])
def test_the_confirmatory_correction_names_its_component_and_the_family_size(language, expected):
    assert claims.correction("confirmatory component F3.1: Holm across the 7 findings", language) == expected


@pytest.mark.parametrize("adjustment, language, short, expected", [
    ("Holm across the 7 findings", "en", False, "Holm across the 7 confirmatory findings, intersection-union rule within each"),
    ("Holm across the 3 components", "en", False, "Holm across the 3 components of the family"),
    ("Holm across the 12 exploratory rows", "en", False, "exploratory: Holm across the 12 exploratory rows"),
    ("Holm across the 12 exploratory rows", "en", True, "exploratory, Holm across 12"),
    ("Holm across the 3 components", "fr", True, "Holm, 3 composantes"),
    ("none", "en", False, ""),
    (None, "en", False, ""),
])
def test_each_correction_is_named_with_its_size(adjustment, language, short, expected):
    assert claims.correction(adjustment, language, short=short) == expected


def test_an_adjusted_p_cell_names_its_correction_and_a_missing_p_is_a_dash():
    assert claims.adjusted_p_cell(0.0123, "Holm across the 7 findings", "en") == f"p{NBSP}={NBSP}0.012 (Holm, 7 findings)"
    assert claims.adjusted_p_cell(0.0123, "", "en") == f"p{NBSP}={NBSP}0.012"
    assert claims.adjusted_p_cell(math.nan, "Holm across the 7 findings", "en") == "–"


def test_a_confirmatory_mark_links_to_its_finding():
    assert claims.confirmatory_mark("F16.1") == " ([F16.1](#sec-f16))"
    assert claims.confirmatory_mark(math.nan) == ""


def test_the_multiplicity_paragraph_counts_the_findings_of_the_family_once():
    findings = pd.DataFrame({"id": ["F1", "F1", "F2", "M1", "F3", "F4"], "family": ["c", "c", "c", None, "", ""]})
    assert "of the 2 tested findings" in claims.multiplicity_paragraph(findings, "en")


# ------------------------------------------------------------------------------------------
# Effects
# ------------------------------------------------------------------------------------------


def test_points_carry_a_plus_sign_only_when_positive():
    assert claims._points(41.4, "en") == f"+41{NBSP}pts"
    assert claims._points(-12.0, "en") == f"-12{NBSP}pts" or claims._points(-12.0, "en") == f"−12{NBSP}pts"
    assert not claims._points(0.0, "en").startswith("+")
    assert claims._points(0.6, "en") == f"+1{NBSP}pts"  # positive, below one: still signed


def _component(**values):
    base = {"effect_name": "", "kind": "", "effect": math.nan, "ci_low": math.nan, "ci_high": math.nan,
            "risk_difference_pp": math.nan, "rd_ci_low_pp": math.nan, "rd_ci_high_pp": math.nan,
            "effect_note": "", "detail": "", "direction": "as expected"}
    base.update(values)
    return SimpleNamespace(**base)


def test_a_group_difference_shows_the_risk_difference_then_the_oriented_odds_ratio():
    c = _component(kind="group_difference", effect_name="odds ratio (3-4 vs 1-2)", effect=2.5, ci_low=1.25, ci_high=5.0,
                   risk_difference_pp=41.0, rd_ci_low_pp=15.0, rd_ci_high_pp=60.0)
    assert claims.effect_cell(c, "en") == f"difference +41{NBSP}pts [15, 60] · OR 3-4/1-2 2.50 [1.25, 5.00]"
    assert claims.effect_cell(c, "fr") == (f"écart +41{NBSP}pts [15{NNBSP};{NBSP}60] · RC 3-4/1-2 2,50 "
                                           f"[1,25{NNBSP};{NBSP}5,00]")


def test_a_zero_cell_replaces_the_odds_ratio_and_a_paired_difference_shows_the_matched_odds_ratio():
    zero = _component(kind="group_difference", effect_name="odds ratio (3-4 vs 1-2)", effect=math.inf,
                      effect_note="zero cell", risk_difference_pp=-20.0, rd_ci_low_pp=-40.0, rd_ci_high_pp=-2.0)
    assert claims.effect_cell(zero, "en").endswith(" · OR not estimable (zero cell)")
    paired = _component(kind="paired_difference", effect_name="matched odds ratio", effect=3.0, ci_low=1.5, ci_high=6.0)
    assert claims.effect_cell(paired, "en") == "matched OR 3.00 [1.50, 6.00]"
    # no interval when its low end is missing
    paired = _component(kind="paired_difference", effect_name="matched odds ratio", effect=3.0)
    assert claims.effect_cell(paired, "en") == "matched OR 3.00"
    assert claims.effect_cell(_component(kind="paired_difference"), "en") == "–"


@pytest.mark.parametrize("name, high, low", [("rank-biserial r (higher in 3-4)", "3-4", "1-2"),
                                             ("rank-biserial r (higher in 1-2)", "1-2", "3-4"),
                                             ("rank-biserial r", "3-4", "1-2")])
def test_a_group_shift_names_which_group_is_higher(name, high, low):
    c = _component(kind="group_shift", effect_name=name, effect=0.5, ci_low=0.25, ci_high=0.75)
    assert claims.effect_cell(c, "en") == f"rank-biserial r ({high} > {low}) 0.50 [0.25, 0.75]"


def test_the_other_kinds_of_effect():
    assert claims.effect_cell(_component(kind="trend_levels", effect=0.25), "en") == "ordinal dominance 0.25"
    assert claims.effect_cell(_component(kind="majority", effect=0.625, ci_low=0.4, ci_high=0.8), "en") == \
        "share 62% [40%, 80%]"
    assert claims.effect_cell(_component(kind="sign_test", effect=0.625, ci_low=0.4, ci_high=0.8), "en") == \
        "share of plans going up (ties left out) 62% [40%, 80%]"
    assert claims.effect_cell(_component(kind="all_plans", effect=0.625, ci_low=0.4, ci_high=0.8,
                                         detail="meeting the claim: 5 of 8, ties: 2, the other way: 1"), "en") == \
        "share of plans meeting it 62% [40%, 80%] (ties: 2)"
    assert claims.effect_cell(_component(kind="all_plans", effect=0.625, ci_low=0.4, ci_high=0.8), "en") == \
        "share of plans meeting it 62% [40%, 80%]"
    assert claims.effect_cell(_component(kind="majority"), "en") == "–"
    assert claims.effect_cell(_component(kind="presence", effect=1.0), "en") == "–"


def test_a_direction_in_words_and_all_plans_says_every_plan():
    directions = {"as expected": "as stated", "opposite": "the other way"}
    assert claims.direction_cell(_component(kind="all_plans", direction="opposite"), directions, "en") == "not every plan"
    assert claims.direction_cell(_component(kind="all_plans", direction="as expected"), directions, "fr") == "chaque plan"
    assert claims.direction_cell(_component(kind="majority", direction="opposite"), directions, "en") == "the other way"
    assert claims.direction_cell(_component(kind="majority", direction="none"), directions, "en") == "none"


def test_a_battery_row_shows_its_risk_difference_and_its_oriented_odds_ratio():
    row = pd.Series({"risk_difference_pp": 41.0, "rd_ci_low_pp": 15.0, "rd_ci_high_pp": 60.0, "effect_note": "",
                     "odds_ratio": 2.5, "odds_ratio_ci_low": 1.25, "odds_ratio_ci_high": 5.0, "or_orientation": "1-2 vs 3-4"})
    assert claims.battery_effect_cell(row, "en") == f"+41{NBSP}pts [15, 60] · OR 1-2/3-4 2.50 [1.25, 5.00]"
    zero = row.copy()
    zero["effect_note"] = "zero cell"
    assert claims.battery_effect_cell(zero, "en") == f"+41{NBSP}pts [15, 60] · OR not estimable (zero cell)"
    empty = row.copy()
    empty["risk_difference_pp"], empty["odds_ratio"] = math.nan, math.nan
    assert claims.battery_effect_cell(empty, "en") == "–"


# ------------------------------------------------------------------------------------------
# Measured values
# ------------------------------------------------------------------------------------------


def _components(*rows):
    base = {"finding": "F1", "component": 1, "kind": "", "label_a": "", "label_b": "", "value_a": math.nan,
            "value_b": math.nan, "detail": "", "direction": "as expected", "p_adjusted": math.nan,
            "adjustment": "", "not_testable_reason": ""}
    return pd.DataFrame([{**base, **r} for r in rows])


def _row(**values):
    return SimpleNamespace(**{"id": "F1", "deciding_component": 1, "value_a": 1.0, **values})


@pytest.mark.parametrize("high, a, b, expected", [
    ("3-4", 0.75, 0.25, "1-2: 25% · 3-4: 75%"),
    ("1-2", 0.75, 0.25, "1-2: 75% · 3-4: 25%"),
])
def test_a_group_difference_shows_each_groups_share_under_its_label(high, a, b, expected):
    comps = _components({"kind": "group_difference", "label_a": f"share in group {high}", "value_a": a, "value_b": b})
    assert claims.measured_value(_row(), comps, "en") == expected


def test_a_group_shift_shows_means_and_french_puts_a_space_before_the_colon():
    comps = _components({"kind": "group_shift", "label_a": "mean in group 3-4", "value_a": 2.5, "value_b": 1.25})
    assert claims.measured_value(_row(), comps, "en") == "1-2: 1.25 · 3-4: 2.50"
    assert claims.measured_value(_row(), comps, "fr") == f"1-2{NBSP}: 1,25 · 3-4{NBSP}: 2,50"


def test_a_trend_shows_its_first_and_last_levels():
    comps = _components({"kind": "trend_levels", "label_a": "mean at level 1", "label_b": "mean at level 4",
                         "value_a": 1.5, "value_b": 3.25})
    assert claims.measured_value(_row(), comps, "en") == "level 1: 1.50 → level 4: 3.25"
    assert claims.measured_value(_row(), comps, "fr") == f"niveau 1{NBSP}: 1,50 → niveau 4{NBSP}: 3,25"


def test_the_other_measured_values():
    assert claims.measured_value(_row(), _components({"kind": "majority", "value_a": 0.625}), "en") == "62% (> one half)"
    assert claims.measured_value(_row(), _components({"kind": "paired_difference", "value_a": 0.75, "value_b": 0.25}),
                                 "en") == "75% / 25%"
    assert claims.measured_value(_row(), _components({"kind": "sign_test", "detail": "positive: 5, negative: 2, ties: 1"}),
                                 "en") == "5 up · 1 tied · 2 down"
    assert claims.measured_value(_row(), _components({"kind": "presence", "value_a": 3, "value_b": 8}), "en") == "3 of 8"
    assert claims.measured_value(_row(), _components({"kind": "other", "value_a": 0.5, "value_b": 0.25}), "en") == \
        "0.50 / 0.25"


def test_the_measured_value_is_the_deciding_components_and_a_dash_without_one():
    comps = _components({"component": 1, "kind": "majority", "value_a": 0.625},
                        {"component": 2, "kind": "majority", "value_a": 0.875},
                        {"finding": "F2", "component": 1, "kind": "majority", "value_a": 0.25})
    assert claims.measured_value(_row(deciding_component=2), comps, "en") == "88% (> one half)"
    assert claims.measured_value(_row(deciding_component=3), comps, "en") == "–"
    assert claims.measured_value(_row(value_a=math.nan), comps, "en") == "–"


# ------------------------------------------------------------------------------------------
# Verdict sentences
# ------------------------------------------------------------------------------------------


def _finding(verdict: str, alpha: float = 0.05) -> pd.Series:
    return pd.Series({"verdict": verdict, "alpha": alpha}, name="F1")


ALL_DETAIL = "meeting the claim: 5 of 8, ties: 2, the other way: 1"


def test_reproduced_quotes_the_weakest_adjusted_p_and_its_correction():
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.01, "adjustment": "Holm across the 7 findings"},
                        {"component": 2, "kind": "majority", "p_adjusted": 0.03, "adjustment": "Holm across the 7 findings"})
    text = claims.verdict_sentence(_finding("reproduced"), comps, "en")
    assert "at the 0.05 level" in text and f"p{NBSP}={NBSP}0.030" in text
    assert "(Holm across the 7 confirmatory findings, intersection-union rule within each)" in text
    assert not text.endswith("observed as stated.")


def test_reproduced_with_a_descriptive_part_says_so_unless_it_is_the_all_quantifier():
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.01},
                        {"component": 2, "kind": "presence"})
    assert claims.verdict_sentence(_finding("reproduced"), comps, "en").endswith(" Its descriptive components are observed as stated.")
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.01},
                        {"component": 2, "kind": "all_plans", "detail": ALL_DETAIL})
    assert claims.verdict_sentence(_finding("reproduced"), comps, "en").endswith("after correction.")


def test_partly_reproduced_gives_the_plan_by_plan_counts():
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.02, "adjustment": "Holm across the 3 components"},
                        {"component": 3, "kind": "majority", "p_adjusted": 0.005, "adjustment": "Holm across the 3 components"},
                        {"component": 2, "kind": "all_plans", "detail": ALL_DETAIL, "direction": "opposite"})
    text = claims.verdict_sentence(_finding("partly reproduced"), comps, "en")
    assert f"(p{NBSP}={NBSP}0.020 after correction, Holm across the 3 components of the family)" in text
    assert "5 of 8 plans meet it, 2 are ties and 1 go the other way" in text


def test_trend_only_names_the_component_that_is_not_significant():
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.2},
                        {"component": 2, "kind": "majority", "p_adjusted": 0.06},
                        {"component": 3, "kind": "majority", "p_adjusted": 0.01})
    text = claims.verdict_sentence(_finding("trend only"), comps, "en")
    assert "component 1 is not significant at the 0.05 level" in text and f"p{NBSP}={NBSP}0.20" in text
    # the weakest of the non-significant ones, even when the threshold is exactly hit
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.01},
                        {"component": 2, "kind": "majority", "p_adjusted": 0.05})
    assert "component 2 is not significant" in claims.verdict_sentence(_finding("trend only"), comps, "en")
    # no component at or above alpha: the largest p
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.04},
                        {"component": 2, "kind": "majority", "p_adjusted": 0.01})
    assert "component 1 is not significant" in claims.verdict_sentence(_finding("trend only"), comps, "en")


def test_not_reproduced_names_the_first_component_going_wrong_and_how():
    comps = _components({"component": 1, "kind": "majority", "p_adjusted": 0.01},
                        {"component": 2, "kind": "majority", "p_adjusted": 0.6, "direction": "none"},
                        {"component": 3, "kind": "majority", "p_adjusted": 0.9, "direction": "opposite"})
    text = claims.verdict_sentence(_finding("not reproduced"), comps, "en")
    assert text == "The data do not reproduce this finding: component 2 shows no difference."
    comps = _components({"component": 1, "kind": "all_plans", "detail": ALL_DETAIL, "direction": "opposite"},
                        {"component": 2, "kind": "majority", "p_adjusted": 0.9, "direction": "opposite"})
    text = claims.verdict_sentence(_finding("not reproduced"), comps, "en")
    assert text.startswith("The data do not reproduce this finding: component 2 goes the other way.")
    assert text.endswith(" Moreover, \"all\" does not hold plan by plan: 5 of 8 plans meet it.")
    comps.loc[0, "direction"] = "as expected"
    assert "Moreover" not in claims.verdict_sentence(_finding("not reproduced"), comps, "en")


def test_not_testable_observed_and_checks():
    comps = _components({"component": 1, "kind": "majority", "not_testable_reason": ""},
                        {"component": 2, "kind": "majority", "not_testable_reason": "no plan in the first group"})
    assert claims.verdict_sentence(_finding("not testable"), comps, "en") == \
        "This finding cannot be tested with these data: no plan in the first group."
    observed = _components({"kind": "presence", "detail": "3 of 8 plans"})
    assert claims.verdict_sentence(_finding("observed"), observed, "en").startswith("Observed as stated: 3 of 8 plans.")
    assert claims.verdict_sentence(_finding("not reproduced"), observed, "en") == \
        "This descriptive finding is not observed as stated: 3 of 8 plans."
    balance = _components({"kind": "balance", "detail": "X2 = 1.2"})
    assert claims.verdict_sentence(_finding("observed"), balance, "en").startswith("Check passed:")
    assert claims.verdict_sentence(_finding("not reproduced"), balance, "en").startswith("Check: at least one")


# ------------------------------------------------------------------------------------------
# Robustness, stability, limitations
# ------------------------------------------------------------------------------------------


def test_the_robustness_cell_counts_the_specifications_holding():
    robustness = pd.DataFrame({"finding": ["F1", "F1", "F2"], "specifications_holding": [4, 4, 1],
                               "specifications": [6, 6, 2]})
    assert claims.robustness_cell(robustness, "F1", "en") == "4 of 6"
    assert claims.robustness_cell(robustness, "F1", "fr") == "4 sur 6"
    assert claims.robustness_cell(robustness, "F9", "en") == "–"


@pytest.mark.parametrize("share, flagged", [(0.79, True), (0.8, False), (0.95, False)])
def test_a_stability_share_below_four_in_five_is_flagged(share, flagged):
    assert claims.stability_flag(share, "en").endswith(" ⚠") is flagged


def test_a_finding_without_alternative_has_no_robustness_block():
    robustness = pd.DataFrame({"finding": ["F1"], "specification": ["primary"], "why": ["x"], "label_fr": [""],
                               "label_en": [""], "verdict": ["reproduced"], "p_deciding": [0.01],
                               "specifications_holding": [1], "specifications": [1]})
    assert claims.robustness_block(robustness, "F1", "en", badge=str) == ""
    two = pd.concat([robustness, robustness.assign(specification="alt", label_en="other", verdict="trend only",
                                                   p_deciding=math.nan)])
    two["specifications"] = 2
    block = claims.robustness_block(two, "F1", "en", badge=str)
    assert "holds under 1 of the 2 specifications" in block and "tbl-robustness-f1" in block


def _calibration():
    return pd.DataFrame({"finding": ["F1", "F1", "F2", "F2"], "scenario": ["none", "default", "none", "default"],
                         "about_mobilisation": ["True", "True", "False", "False"],
                         "share_holding": [0.05, 0.9, 0.5, 0.7], "ci_low": [0.01, 0.7, 0.3, 0.5],
                         "ci_high": [0.2, 0.97, 0.7, 0.85], "runs": [20, 20, 20, 20]})


def test_the_calibration_table_shows_the_false_rate_only_for_findings_about_mobilisation():
    table = claims.calibration_markdown(_calibration(), "en")
    lines = [line for line in table.splitlines() if line.startswith("| [F")]
    assert "5% [1%, 20%]" in lines[0] and "90% [70%, 97%]" in lines[0]
    assert "50% [30%" not in lines[1] and "70% [50%, 85%]" in lines[1] and "| –" in lines[1]
    assert "(20 per scenario)" in table


def test_the_limitations_list_the_unstable_findings():
    stability = pd.DataFrame({"finding": ["F1", "F2", "F3"], "assessed": ["True", "True", "False"],
                              "share_reproduced": [0.79, 0.8, 0.1]})
    text = claims.limitations(_calibration(), stability, True, 0.05, "en")
    assert "marked ⚠ in the summary: F1." in text
    assert "20 simulated populations" in text and "below 0.05" in text
    assert "produced by a simulator" in text


# ------------------------------------------------------------------------------------------
# Third session: the robustness block's rows, the operationalisation box, the limitations' order
# ------------------------------------------------------------------------------------------


def _robustness():
    return pd.DataFrame({"finding": ["F1"] * 3, "specification": ["primary", "alt", "alt2"], "why": ["x", "", ""],
                         "label_fr": ["", "autre lecture", "autre 2"], "label_en": ["", "other reading", "other 2"],
                         "verdict": ["reproduced", "trend only", "reproduced"], "p_deciding": [0.01, math.nan, 0.2],
                         "specifications_holding": [2, 2, 2], "specifications": [3, 3, 3]})


def _block_rows(block: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")[1:-1]] for line in block.splitlines()
            if line.startswith("| ") and not line.startswith("| Sp")]


def test_the_robustness_block_names_the_primary_and_each_alternative_in_the_documents_language():
    assert _block_rows(claims.robustness_block(_robustness(), "F1", "en", badge=str)) == [
        ['Primary (box "Operationalisation")', "reproduced", f"p{NBSP}={NBSP}0.010"],
        ["other reading", "trend only", "–"],
        ["other 2", "reproduced", f"p{NBSP}={NBSP}0.200"]]
    assert _block_rows(claims.robustness_block(_robustness(), "F1", "fr", badge=str)) == [
        [f"Principale (encadré «{NBSP}Opérationnalisation{NBSP}»)", "reproduced", f"p{NBSP}={NBSP}0,010"],
        ["autre lecture", "trend only", "–"],
        ["autre 2", "reproduced", f"p{NBSP}={NBSP}0,200"]]


def _finding_with(alternatives=(), **claim) -> SimpleNamespace:
    """A registry finding (registry.Finding's attributes) with the given claim entries."""
    return SimpleNamespace(id="F03", texts={"measure": "share of plans", "measure_fr": "part des plans"},
                           claim={"quantifier": "most", "unit": "plan", "direction": "more", "direction_fr": "plus",
                                  **claim}, alternatives=list(alternatives))


def test_the_operationalisation_box_says_where_the_finding_departs_and_counts_its_readings():
    finding = _finding_with(departs="counts plans not passages", departs_fr="compte les plans et non les passages",
                            alternatives=[{"id": "a"}, {"id": "b"}])
    english = claims.operationalisation_box(finding, "en")
    assert english.splitlines() == [
        '::: {.callout-note title="Operationalisation of F03"}', "",
        "**Measure** (registry): share of plans", "",
        '**Claim form**: quantifier "most", unit: the plan; stated direction: more.', "",
        "**Departure from `findings.md`**: counts plans not passages", "",
        "**Other defensible readings**: 2, all computed (robustness table below).", ":::"]
    french = claims.operationalisation_box(finding, "fr")
    assert "part des plans" in french and "compte les plans et non les passages" in french and "plus." in french
    assert "share of plans" not in french and "not passages" not in french
    assert "**Autres lectures défendables**" in french and french.endswith(":::\n")


def test_the_operationalisation_box_without_departure_nor_alternative_has_neither_line():
    box = claims.operationalisation_box(_finding_with(), "en")
    assert "Departure" not in box and "Other defensible readings" not in box
    assert box.splitlines()[-1] == ":::" and box.splitlines()[-2].startswith("**Claim form**")


def test_the_limitations_put_the_calibration_table_after_the_first_two_paragraphs():
    """The table sits between the second and the third paragraph of the words' `limits`."""
    stability = pd.DataFrame({"finding": ["F1"], "assessed": ["True"], "share_reproduced": [0.9]})
    for language in ("en", "fr"):
        text = claims.limitations(_calibration(), stability, False, 0.05, language)
        table = claims.calibration_markdown(_calibration(), language)
        before, after = text.split(table)
        count = len(claims.WORDS[language]["limits"])
        assert count >= 3
        assert len(before.strip().split("\n\n")) == 2 and len(after.strip().split("\n\n")) == count - 2


def test_the_limitations_quote_alpha_with_two_decimals():
    stability = pd.DataFrame({"finding": ["F1"], "assessed": ["True"], "share_reproduced": [0.9]})
    assert "should stay below 0.05;" in claims.limitations(_calibration(), stability, True, 0.05, "en")
    assert "sous 0,05;" in claims.limitations(_calibration(), stability, True, 0.05, "fr")


def test_an_empty_calibration_says_zero_runs():
    """No finding calibrated (an empty table): zero simulated populations, not one."""
    empty = _calibration().iloc[:0]
    assert "(0 per scenario)" in claims.calibration_markdown(empty, "en")
    stability = pd.DataFrame({"finding": ["F1"], "assessed": ["True"], "share_reproduced": [0.9]})
    assert "on 0 simulated populations per " in claims.limitations(empty, stability, True, 0.05, "en")


def test_the_robustness_cell_of_a_finding_with_one_specification():
    """A finding without alternative has one row in the robustness table (its primary one)."""
    robustness = pd.DataFrame({"finding": ["F1", "F1", "F2"], "specifications_holding": [1, 1, 0],
                               "specifications": [2, 2, 1]})
    assert claims.robustness_cell(robustness, "F2", "en") == "0 of 1"
    assert claims.robustness_cell(robustness, "F1", "fr") == "1 sur 2"
