"""Edges of the findings stage's multiple-testing step that the other tests leave open (found by
benchmarks/mutation.py: each test here kills a mutant that survived them).

With one component per finding, Holm across the findings is plain Holm, so the adjusted
p-values must equal an independent implementation's (statsmodels' multipletests), including
the cap at 1 that large p-values reach.
"""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from rlp_pipeline.stages.findings import adjusted_p_values, adjustment_label
from rlp_pipeline.registry import Registry

REGISTRY = Registry(0.05, {"confirmatory": {"adjustment": "holm_findings"}, "battery": {"adjustment": "holm"}}, [])


@pytest.mark.parametrize("seed", range(5))
def test_one_component_per_finding_is_plain_holm_capped_at_one(seed):
    p = np.random.default_rng(seed).uniform(0.001, 0.9, 8)
    findings = [f"F{i}" for i in range(len(p))]
    adjusted = adjusted_p_values(p, findings, ["confirmatory"] * len(p), [True] * len(p), REGISTRY)[0]
    expected = multipletests(p, method="holm")[1]
    assert adjusted == pytest.approx(expected)
    assert adjusted.max() == 1.0  # at least one is capped: 8 x a p-value above 0.125


def test_a_holm_family_of_components_is_plain_holm():
    p = np.array([0.2, 0.01, 0.04, 0.6])
    adjusted = adjusted_p_values(p, ["A", "A", "B", "C"], ["battery"] * 4, [True] * 4, REGISTRY)[0]
    assert adjusted == pytest.approx(multipletests(p, method="holm")[1])


def test_a_component_outside_any_family_keeps_its_raw_p():
    p = np.array([0.03, 0.2])
    adjusted = adjusted_p_values(p, ["A", "B"], ["", ""], [True, True], REGISTRY)[0]
    assert adjusted == pytest.approx(p)


def test_the_adjustment_label_names_the_correction_and_its_size():
    assert adjustment_label("", REGISTRY, 3) == ""
    assert adjustment_label("confirmatory", REGISTRY, 14).startswith("Holm across the 14 findings of the family 'confirmatory'")
    assert adjustment_label("battery", REGISTRY, 5) == "Holm across the 5 components of the family 'battery'"


# --- the reason sentence of findings.csv, on components whose verdict is known -------------------

def components(*rows: dict):
    import pandas as pd

    base = {"kind": "group_difference", "direction": "as expected", "not_testable_reason": "", "significant": True,
            "p_value": 0.001, "p_adjusted": 0.004, "label_a": "share in group 3-4", "value_a": 0.7,
            "label_b": "share in group 1-2", "value_b": 0.3, "detail": ""}
    return pd.DataFrame([{**base, "component": i, **row} for i, row in enumerate(rows, start=1)])


def finding(n: int):
    from rlp_pipeline.registry import Finding

    return Finding(id="X", section="general", rule="comparison", family="confirmatory",
                   components=[{"kind": "group_difference"}] * n, texts={}, claim={})


def test_not_reproduced_names_the_component_against_the_statement_and_its_values():
    from rlp_pipeline.stages.findings import verdict

    table = components({}, {"direction": "opposite", "value_a": 0.25, "value_b": 0.6, "significant": False})
    assert verdict(finding(2), table, 0.05) == (
        "not reproduced", "Component 2 goes the other way (share in group 3-4: 0.25; share in group 1-2: 0.6).")
    table = components({"direction": "none", "value_a": 0.4, "value_b": 0.4, "significant": False}, {})
    assert verdict(finding(2), table, 0.05)[1].startswith("Component 1 shows no difference (")


def test_partly_reproduced_quotes_the_largest_adjusted_p():
    from rlp_pipeline.stages.findings import verdict

    table = components({"kind": "sign_test", "p_adjusted": 0.004}, {"kind": "sign_test", "p_adjusted": 0.02},
                       {"kind": "all_plans", "direction": "opposite", "p_value": float("nan"),
                        "p_adjusted": float("nan"), "significant": None, "detail": "meeting the claim: 8 of 10"})
    result, reason = verdict(finding(3), table, 0.05)
    assert result == "partly reproduced"
    assert "largest adjusted p = 0.02 < 0.05" in reason and "component 3, meeting the claim: 8 of 10" in reason


def test_trend_only_names_a_component_that_is_not_significant():
    from rlp_pipeline.stages.findings import verdict

    table = components({"p_adjusted": 0.004}, {"p_adjusted": 0.09, "significant": False})
    assert verdict(finding(2), table, 0.05) == (
        "trend only", "Every component goes in the stated direction, but component 2 is not significant "
                      "(adjusted p = 0.09 >= 0.05).")
