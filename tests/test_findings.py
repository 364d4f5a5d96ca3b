"""Findings: the registry is checked, indicators mean what they say, verdicts follow the numbers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.stages.findings import NOT_REPRODUCED, NOT_TESTABLE, OBSERVED, PARTLY, REPRODUCED, TREND, VERDICTS, verdict
from rlp_pipeline.indicators import compute_indicator, indicator_problem
from rlp_pipeline.plan_tables import AnalysedSample
from rlp_pipeline.problems import InputError
from rlp_pipeline.registry import Finding, load_registry
from rlp_pipeline.stages.tests import COMPONENT_COLUMNS, derived_seed, majority_test, rank_biserial_interval

CODEBOOK = load_codebook(REPO / "data" / "raw" / "codebook.yaml")


# --- registry --------------------------------------------------------------------------------

def test_shipped_registry_is_valid_and_covers_every_finding():
    registry = load_registry(REPO / "config" / "findings.yaml", CODEBOOK)
    assert [f.id for f in registry.findings] == [f"F{i:02d}" for i in range(1, 18)] + ["M1", "M2"]
    assert registry.alpha == 0.05
    assert all(f.texts["source_fr"] and f.texts["statement_en"] for f in registry.findings)


def test_registry_with_unknown_indicator_and_kind_is_refused(tmp_path):
    text = (REPO / "config" / "findings.yaml").read_text(encoding="utf-8")
    text = text.replace('indicator: "object:relations", expected: {higher_in: "3-4"}',
                        'indicator: "object:relation", expected: {higher_in: "3-4"}')
    text = text.replace("{kind: coverage}", "{kind: vibes}")
    path = tmp_path / "findings.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_registry(path, CODEBOOK)
    message = error.value.report()
    assert "column 'components.indicator': found 'object:relation'" in message
    assert "column 'components.kind': found 'vibes'" in message


# --- indicators ------------------------------------------------------------------------------

def small_sample() -> AnalysedSample:
    plans = pd.DataFrame({
        "plan_id": ["A", "B", "C"], "mobilisation_level": [1, 2, 4], "mobilisation_group": ["1-2", "1-2", "3-4"],
    })
    codings = pd.DataFrame([
        # plan A: activities only, with institutionalisation (3 codings) and resources
        ("A", "activities", "institutionalisation", "inst_expertise", "applied"),
        ("A", "activities", "institutionalisation", "inst_expertise", "applied"),
        ("A", "activities", "institutionalisation", "", "intended"),
        ("A", "activities", "resources", "res_human", "applied"),
        # plan B: activities and relations; appropriation for relations
        ("B", "activities", "resources", "res_material", "intended"),
        ("B", "relations", "appropriation", "appr_norms", "intended"),
        # plan C: structures with policy change, two intended strategies
        ("C", "structures", "policy_change", "policy_institutions", "intended"),
        ("C", "relations", "institutionalisation", "inst_engagement", "intended"),
    ], columns=["plan_id", "object", "strategy", "substrategy", "status"])
    return AnalysedSample(plans, codings, {"population_size": 10, "simulated": True})


@pytest.mark.parametrize(("name", "expected"), [
    ("object:activities", [1, 1, 0]),
    ("strategy:institutionalisation", [1, 0, 1]),
    ("substrategy:appr_norms", [0, 1, 0]),
    ("pair:activities:institutionalisation", [1, 0, 0]),
    ("pair:relations:institutionalisation", [0, 0, 1]),
    ("only_objects:activities", [1, 0, 0]),
    ("only_strategies:institutionalisation+resources", [1, 0, 0]),
    ("several_strategies", [1, 1, 1]),
    ("several_strategies_one_status", [1, 1, 1]),
])
def test_indicators_count_plans_not_codings(name, expected):
    assert compute_indicator(name, small_sample(), CODEBOOK).tolist() == expected


def test_unknown_indicator_is_explained():
    assert "not in the codebook's strategies" in indicator_problem("strategy:lobbying", CODEBOOK)
    assert indicator_problem("pair:activities:resources", CODEBOOK) is None


# --- majority test and bootstrap -------------------------------------------------------------

def test_majority_test_equals_brute_force_enumeration_of_samples():
    # Independent reference: enumerate every sample of 4 plans from a frame of 9 in which
    # floor(9/2) = 4 plans have the property, and count the samples with at least 3 of them.
    frame = [1] * 4 + [0] * 5
    samples = list(itertools.combinations(range(9), 4))
    at_least_3 = sum(sum(frame[i] for i in s) >= 3 for s in samples)
    assert majority_test(3, 4, 9) == pytest.approx(at_least_3 / len(samples), abs=1e-12)


def test_majority_test_tends_to_the_binomial_test_in_a_large_frame():
    p = majority_test(35, 56, 10_000_000)
    assert p == pytest.approx(scipy.stats.binomtest(35, 56, 0.5, alternative="greater").pvalue, rel=1e-3)


def test_rank_biserial_interval_contains_the_estimate_and_is_seeded():
    rng = np.random.default_rng(1)
    x, y = rng.integers(1, 5, 30).astype(float), rng.integers(0, 4, 25).astype(float)
    u = sum((a > b) + 0.5 * (a == b) for a in x for b in y)
    r = 2 * u / (len(x) * len(y)) - 1
    low, high = rank_biserial_interval(x, y, seed=3)
    assert low < r < high
    assert (low, high) == rank_biserial_interval(x, y, seed=3)
    assert (low, high) != rank_biserial_interval(x, y, seed=4)


def test_derived_seeds_differ_by_label_and_are_stable():
    assert derived_seed(1, "a") == derived_seed(1, "a") != derived_seed(1, "b")
    assert derived_seed(1, "a") == int.from_bytes(bytes.fromhex(
        __import__("hashlib").sha256(b"1:a").hexdigest())[:8], "big")


# --- verdicts --------------------------------------------------------------------------------

def components(*specs: dict) -> pd.DataFrame:
    rows = []
    for number, spec in enumerate(specs, start=1):
        row = {column: math.nan for column in COMPONENT_COLUMNS}
        row.update(finding="F99", component=number, kind="group_difference", not_testable_reason="",
                   label_a="a", label_b="b", value_a=0.6, value_b=0.4, detail="")
        row.update(spec)
        if "p_adjusted" not in spec:
            row["p_adjusted"] = row["p_value"]
        row["significant"] = row["p_adjusted"] < 0.05 if not math.isnan(row["p_adjusted"]) else None
        rows.append(row)
    return pd.DataFrame(rows)


FINDING = Finding("F99", "mobilisation", "comparison", "mobilisation", [], {})


@pytest.mark.parametrize(("specs", "expected"), [
    ([{"direction": "as expected", "p_value": 0.001}, {"direction": "as expected", "p_value": 0.01}], REPRODUCED),
    ([{"direction": "as expected", "p_value": 0.001}, {"direction": "as expected", "p_value": 0.2}], TREND),
    ([{"direction": "as expected", "p_value": 0.001}, {"direction": "opposite", "p_value": 0.001}], NOT_REPRODUCED),
    ([{"direction": "none", "p_value": 1.0}], NOT_REPRODUCED),
    ([{"direction": "", "p_value": math.nan, "not_testable_reason": "a row of zeros"}], NOT_TESTABLE),
    ([{"direction": "as expected", "p_value": 0.01, "p_adjusted": 0.07}], TREND),
    ([{"direction": "as expected", "kind": "presence", "p_value": math.nan}], OBSERVED),
    ([{"direction": "opposite", "kind": "presence", "p_value": math.nan}], NOT_REPRODUCED),
    ([{"direction": "as expected", "p_value": 0.001},
      {"direction": "opposite", "kind": "all_plans", "p_value": math.nan, "detail": "meeting the claim: 26 of 53"}], PARTLY),
    ([{"direction": "as expected", "p_value": 0.2},
      {"direction": "opposite", "kind": "all_plans", "p_value": math.nan}], TREND),
    ([{"direction": "opposite", "p_value": 0.001},
      {"direction": "as expected", "kind": "all_plans", "p_value": math.nan}], NOT_REPRODUCED),
    ([{"direction": "as expected", "p_value": 0.001},
      {"direction": "as expected", "kind": "all_plans", "p_value": math.nan}], REPRODUCED),
])
def test_verdict_follows_direction_and_adjusted_p(specs, expected):
    result, reason = verdict(FINDING, components(*specs), 0.05)
    assert result == expected
    assert reason.endswith(".")


def test_not_testable_reason_is_passed_on():
    result, reason = verdict(FINDING, components({"direction": "", "p_value": math.nan,
                                                  "not_testable_reason": "no plan uses policy change"}), 0.05)
    assert result == NOT_TESTABLE and "no plan uses policy change" in reason


def test_codebook_labels_every_verdict_the_pipeline_can_give():
    assert set(CODEBOOK.ids("verdicts")) == set(VERDICTS) == {REPRODUCED, PARTLY, TREND, NOT_REPRODUCED, NOT_TESTABLE, OBSERVED}
    assert all(code.attributes.get("symbol") for code in CODEBOOK.codes("verdicts"))


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5000).flatmap(lambda population: st.tuples(
    st.just(population), st.integers(1, population)).flatmap(lambda pn: st.tuples(
        st.just(pn[0]), st.just(pn[1]), st.integers(0, pn[1])))))
def test_majority_test_is_scipy_hypergeom_sf_to_the_last_bit(drawn):
    """majority_test calls the function behind scipy.stats.hypergeom.sf (no scipy.stats import
    in the stability chunks): the same p-value."""
    population, sample_size, count = drawn
    assert majority_test(count, sample_size, population) == float(
        scipy.stats.hypergeom.sf(count - 1, population, population // 2, sample_size))
