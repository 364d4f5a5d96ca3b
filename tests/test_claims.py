"""Verdicts a methodologist would sign: claims tested as stated, one multiplicity scheme, named
effect sizes.

- a descriptive finding's verdict sentence never claims significance, and M1's is a check;
- "all" is judged plan by plan, never by a mean;
- a comparison shown in two tables has one adjusted p-value and one odds-ratio orientation;
- Holm across findings with the intersection-union rule, checked against a direct computation;
- the risk difference's interval against statsmodels and Newcombe's published example; no z
  and no infinite estimate in an effect column.
"""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from conftest import RAW, REPO
from rlp_pipeline.stats import inference
from rlp_pipeline.analysis import run_analysis
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.stages.findings import OBSERVED, PARTLY, adjusted_p_values
from rlp_pipeline.registry import Finding, Registry, load_registry
from rlp_pipeline.reporting import claims
from rlp_pipeline.stages.tests import component_all_plans, ordinal_dominance

REGISTRY = REPO / "config" / "findings.yaml"
LANGUAGES = ("fr", "en")


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claims")
    logging.disable(logging.WARNING)
    try:
        run_analysis(RAW / "codebook.yaml", RAW / "datapackage.yaml", REGISTRY, folder,
                     {"fraction": 0.4, "seed": 20180517, "stratify_by": None, "balance_resamples": 1000}, 20180517)
    finally:
        logging.disable(logging.NOTSET)
    return folder


def read(derived, name: str) -> pd.DataFrame:
    return pd.read_csv(derived / name, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def tables(derived):
    components = read(derived, "tests/components.csv")
    for column in ("direction", "not_testable_reason", "detail", "effect_name", "adjustment", "effect_note", "label_a",
                   "label_b"):
        components[column] = components[column].astype("string").fillna("").astype(str)
    return read(derived, "findings/findings.csv"), components


# --- verdict sentences ------------------------------------------------------------------------

SIGNIFICANCE_WORDS = ("signific", "p ajustée", "adjusted p", "p =", "p\u00a0=", "Holm")


@pytest.mark.parametrize("language", LANGUAGES)
def test_descriptive_findings_never_claim_significance(tables, language):
    findings, components = tables
    registry = load_registry(REGISTRY, load_codebook(RAW / "codebook.yaml"))
    descriptive = [f.id for f in registry.findings if f.descriptive]
    assert {"F09", "F10", "F12", "M1", "M2"} <= set(descriptive)
    for fid in descriptive:
        row = findings.set_index("id").loc[fid]
        assert row["verdict"] in (OBSERVED, "not reproduced", "not testable")
        sentence = claims.verdict_sentence(row, components, language)
        assert not any(word in sentence for word in SIGNIFICANCE_WORDS), (fid, sentence)


@pytest.mark.parametrize("language", LANGUAGES)
def test_m1_is_described_as_a_check_not_as_similarity(tables, language):
    findings, components = tables
    sentence = claims.verdict_sentence(findings.set_index("id").loc["M1"], components, language)
    assert ("vérification" in sentence.lower()) if language == "fr" else ("check" in sentence.lower())
    assert ("pas une preuve" in sentence) if language == "fr" else ("not a proof" in sentence)


def synthetic(finding_id: str, verdict: str, rows: list[dict]) -> tuple[pd.Series, pd.DataFrame]:
    base = {"finding": finding_id, "component": 1, "kind": "group_difference", "direction": "as expected",
            "not_testable_reason": "", "detail": "", "p_value": 0.001, "p_adjusted": 0.01,
            "adjustment": "Holm across the 14 findings of the family 'confirmatory' (intersection-union)"}
    components = pd.DataFrame([{**base, "component": i + 1, **r} for i, r in enumerate(rows)])
    return pd.Series({"verdict": verdict, "alpha": 0.05}, name=finding_id), components


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_tested_sentence_names_its_correction(language):
    for verdict, rows in (("reproduced", [{}]), ("trend only", [{"p_adjusted": 0.2}]),
                          (PARTLY, [{"kind": "sign_test"}, {"kind": "all_plans", "p_value": math.nan, "p_adjusted": math.nan,
                                                            "direction": "opposite", "detail": "meeting the claim: 26 of 53, ties: 21, the other way: 6"}])):
        sentence = claims.verdict_sentence(*synthetic("F99", verdict, rows), language)
        assert "Holm" in sentence and "14" in sentence, sentence


@pytest.mark.parametrize("language", LANGUAGES)
def test_partly_reproduced_reports_all_plan_by_plan(tables, language):
    findings, components = tables
    row = findings.set_index("id").loc["F04"]
    own = components[components["finding"] == "F04"]
    quantifier = own[own["kind"] == "all_plans"].iloc[0]
    meeting, n = int(quantifier["statistic"]), int(quantifier["n"])
    sentence = claims.verdict_sentence(row, components, language)
    if meeting < n:  # the shipped data: 26 of 53 plans
        assert row["verdict"] in (PARTLY, "trend only", "not reproduced")
    if row["verdict"] == PARTLY:
        ties = int(quantifier["detail"].split("ties: ")[1].split(",")[0])
        assert f"{meeting} " in sentence and f" {n}" in sentence and f"{ties} " in sentence


# --- "all" plan by plan -----------------------------------------------------------------------

def test_all_is_judged_plan_by_plan_not_by_a_mean():
    # Intended complexity well above applied on average, but one plan tied and one the other way.
    intended = pd.Series([4.0, 4.0, 3.5, 4.0, 2.0, 1.0])
    applied = pd.Series([1.0, 1.0, 1.0, 1.5, 2.0, 2.0])
    assert intended.mean() > applied.mean()
    row = component_all_plans(intended, applied, "greater", population_size=100, sample_size=40)
    assert row["direction"] == "opposite" and row["value_a"] == pytest.approx(4 / 6)
    assert "meeting the claim: 4 of 6, ties: 1, the other way: 1" == row["detail"]
    every = component_all_plans(intended[:4], applied[:4], "greater", population_size=100, sample_size=40)
    assert every["direction"] == "as expected" and every["value_a"] == 1.0
    assert every["ci_low"] < 1.0  # "all" in the sample does not prove "all" in the population


def test_the_registry_tests_every_all_plan_by_plan():
    registry = load_registry(REGISTRY, load_codebook(RAW / "codebook.yaml"))
    for finding in registry.findings:
        if finding.claim["quantifier"] == "all":
            assert any(c["kind"] == "all_plans" for c in finding.components), finding.id


# --- one multiplicity scheme --------------------------------------------------------------------

def test_a_comparison_has_one_adjusted_p_and_one_orientation_in_every_table(derived, tables):
    _, components = tables
    battery = read(derived, "tests/battery.csv")
    distributions = read(derived, "tests/distributions.csv")
    labels = components["finding"] + "." + components["component"].astype(str)
    by_label = components.assign(label=labels).set_index("label")
    shown = 0
    for table in (battery, distributions):
        for _, row in table[table["confirmatory_component"].notna()].iterrows():
            source = by_label.loc[row["confirmatory_component"]]
            assert row["p_value"] == source["p_value"] and row["p_adjusted"] == source["p_adjusted"]
            for language in LANGUAGES:
                assert claims.adjusted_p_cell(row["p_adjusted"], row["adjustment"], language) == \
                    claims.adjusted_p_cell(source["p_adjusted"], source["adjustment"], language)
            if "odds_ratio" in row and not pd.isna(row["odds_ratio"]):
                assert (row["odds_ratio"], row["odds_ratio_ci_low"]) == (source["effect"], source["ci_low"])
                assert row["or_orientation"] in source["effect_name"]
                assert row["risk_difference_pp"] == source["risk_difference_pp"]
            shown += 1
    assert shown >= 8  # F03 (2), F13 (3), F15, F16 (2), F17
    exploratory = battery[battery["confirmatory_component"].isna()]
    assert exploratory["adjustment"].str.startswith("Holm across the").all()
    assert (exploratory["adjustment"].str.contains("exploratory")).all()


def test_holm_across_findings_with_intersection_union_against_a_direct_computation():
    registry = Registry(0.05, {"c": {"adjustment": "holm_findings"}}, [])
    p = np.array([0.01, 0.04, 0.002, 0.03, 0.2, math.nan])
    findings = ["A", "A", "B", "C", "D", "E"]
    tested = [True, True, True, True, True, False]
    adjusted = adjusted_p_values(p, findings, ["c"] * 6, tested, registry)[0]
    # Direct: finding p-values A 0.04, B 0.002, C 0.03, D 0.2; Holm over 4: B 0.008, C 0.09, A 0.09, D 0.2.
    maxima = {"A": 0.04, "B": 0.002, "C": 0.03, "D": 0.2}
    holm = dict(zip(maxima, inference.holm(np.array(list(maxima.values())))))
    assert holm == pytest.approx({"A": 0.09, "B": 0.008, "C": 0.09, "D": 0.2})
    for fid in maxima:  # the largest component of each finding carries the finding's Holm p-value
        columns = [i for i, f in enumerate(findings) if f == fid]
        assert max(adjusted[columns]) == pytest.approx(holm[fid])
        assert all(adjusted[i] >= p[i] for i in columns)
    assert math.isnan(adjusted[5])
    # "Every component below alpha" is "the finding rejected by Holm", for every alpha.
    for alpha in (0.005, 0.01, 0.05, 0.1, 0.25):
        for fid in maxima:
            columns = [i for i, f in enumerate(findings) if f == fid]
            assert (adjusted[columns] < alpha).all() == (holm[fid] < alpha)


def test_holm_across_findings_brute_force_on_random_families():
    rng = np.random.default_rng(8)
    registry = Registry(0.05, {"c": {"adjustment": "holm_findings"}}, [])
    for _ in range(200):
        sizes = rng.integers(1, 4, rng.integers(1, 6))
        findings = [f"F{i}" for i, s in enumerate(sizes) for _ in range(s)]
        p = rng.random(len(findings)) ** 3
        adjusted = adjusted_p_values(p, findings, ["c"] * len(p), [True] * len(p), registry)[0]
        maxima = np.array([max(p[[j for j, f in enumerate(findings) if f == fid]]) for fid in dict.fromkeys(findings)])
        # Holm by its definition: reject in order while p_(k) <= alpha / (m - k + 1).
        for alpha in (0.01, 0.05, 0.2):
            order = np.argsort(maxima, kind="stable")
            rejected = set()
            for k, index in enumerate(order):
                if maxima[index] <= alpha / (len(maxima) - k):
                    rejected.add(index)
                else:
                    break
            for index, fid in enumerate(dict.fromkeys(findings)):
                columns = [j for j, f in enumerate(findings) if f == fid]
                assert (adjusted[columns] <= alpha).all() == (index in rejected)


# --- named effect sizes -------------------------------------------------------------------------

def test_risk_difference_interval_matches_statsmodels_and_newcombe():
    # Newcombe (1998) Stat Med 17:873, table II, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339.
    result = inference.risk_difference(56, 70, 48, 80)
    assert (round(result["ci_low"], 4), round(result["ci_high"], 4)) == (0.0524, 0.3339)
    for x1, n1, x2, n2 in itertools.product((0, 3, 14), (14, 30), (0, 7, 12), (12, 26)):
        if x1 > n1 or x2 > n2:
            continue
        ours = inference.risk_difference(x1, n1, x2, n2)
        low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
        assert (ours["ci_low"], ours["ci_high"]) == pytest.approx((low, high), abs=1e-12)


def test_paired_difference_stays_finite_when_the_matched_odds_ratio_does_not():
    result = inference.paired_risk_difference(14, 0, 19)
    assert result["difference"] == pytest.approx(14 / 19)
    assert 0 < result["ci_low"] < result["difference"] <= result["ci_high"] <= 14 / 19


def test_ordinal_dominance_is_the_rank_biserial_for_two_groups_and_counts_pairs():
    rng = np.random.default_rng(2)
    groups = [rng.integers(0, 4, n).astype(float) for n in (5, 7, 6)]
    j = inference.jonckheere_terpstra(groups, seed=1, resamples=100)["J"]
    pairs = sum(len(a) * len(b) for a, b in itertools.combinations(groups, 2))
    above = sum(((b > x) + 0.5 * (b == x)).sum() for a, b in itertools.combinations(groups, 2) for x in a)
    assert ordinal_dominance(j, [len(g) for g in groups]) == pytest.approx(2 * above / pairs - 1)
    x, y = groups[0], groups[1]
    two = inference.jonckheere_terpstra([y, x], seed=1, resamples=100)["J"]
    assert ordinal_dominance(two, [len(y), len(x)]) == pytest.approx(inference.mann_whitney(x, y)["rank_biserial"])


def test_no_z_and_no_infinite_estimate_in_an_effect_column(derived, tables):
    findings, components = tables
    for table in (components, findings):
        assert not table["effect_name"].fillna("").str.contains(r"\bz\b|\(z\)").any()
        assert np.isfinite(table["effect"].dropna()).all()
        assert np.isfinite(table[["ci_low", "ci_high"]].dropna()).all().all()
    distributions = read(derived, "tests/distributions.csv")
    assert not distributions["effect_name"].str.contains(r"\(z\)").any()
    battery = read(derived, "tests/battery.csv")
    assert np.isfinite(battery[["odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high"]].dropna()).all().all()
    for language in LANGUAGES:
        for c in components.itertuples():
            cell = claims.effect_cell(c, language)
            assert "∞" not in cell and "inf" not in cell
        zero = components[components["effect_note"] != ""]
        for c in zero.itertuples():  # a zero cell is stated, and the risk difference shown
            cell = claims.effect_cell(c, language)
            assert claims.WORDS[language]["effects"]["zero_cell"] in cell and claims.WORDS[language]["effects"]["rd"] in cell


# --- robustness -------------------------------------------------------------------------------

def test_every_specification_declared_in_the_registry_is_in_the_robustness_table(derived):
    registry = load_registry(REGISTRY, load_codebook(RAW / "codebook.yaml"))
    robustness = read(derived, "findings/robustness.csv")
    declared = {(f.id, "primary") for f in registry.findings} | {
        (f.id, a["id"]) for f in registry.findings for a in f.alternatives}
    assert set(zip(robustness["finding"], robustness["specification"])) == declared
    assert len(robustness) == len(declared)
    # At least the readings the issue names: F03 richness/Shannon/evenness/standardised, F04 ties,
    # F11 unit, F14 "only"/per strategy, levels 1-2 vs 3-4 or trend.
    for finding, spec in (("F03", "richness"), ("F03", "shannon"), ("F03", "evenness"), ("F03", "rarefied"),
                          ("F04", "ties_against"), ("F11", "codings"), ("F14", "per_strategy"), ("F13", "trend"),
                          ("F15", "trend"), ("F16", "trend"), ("F17", "trend")):
        assert (finding, spec) in declared
    for fid, own in robustness.groupby("finding"):
        assert (own["specifications"] == len(own)).all()
        assert (own["specifications_holding"] == own["holds"].astype(str).eq("True").sum()).all()


def test_the_primary_specification_has_the_findings_verdict(derived):
    robustness = read(derived, "findings/robustness.csv")
    findings = read(derived, "findings/findings.csv").set_index("id")
    primary = robustness[robustness["specification"] == "primary"].set_index("finding")
    assert (primary["verdict"] == findings.loc[primary.index, "verdict"]).all()


@pytest.mark.parametrize("language", LANGUAGES)
def test_robustness_cell_and_stability_flag(derived, language):
    robustness = read(derived, "findings/robustness.csv")
    own = robustness[robustness["finding"] == "F03"]
    cell = claims.robustness_cell(robustness, "F03", language)
    assert str(int(own["specifications_holding"].iloc[0])) in cell and str(len(own)) in cell
    assert "⚠" in claims.stability_flag(0.79, language) and "⚠" not in claims.stability_flag(0.8, language)
