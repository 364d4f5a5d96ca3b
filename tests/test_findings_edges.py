"""Edges of the findings stage's multiple-testing step that the other tests leave open (found by
benchmarks/mutation.py: each test here kills a mutant that survived them).

With one component per finding, Holm across the findings is plain Holm, so the adjusted
p-values must equal an independent implementation's (statsmodels' multipletests), including
the cap at 1 that large p-values reach.
"""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from rlp_pipeline.findings import adjusted_p_values, adjustment_label
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
