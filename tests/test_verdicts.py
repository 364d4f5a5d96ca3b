"""Verdicts follow the data: the same pipeline on populations simulated with the mobilisation
effects reversed must stop calling the mobilisation findings reproduced.

(The rate at which findings are called reproduced when there is no effect at all is measured
by benchmarks/calibration.py, over many populations; see the README's design notes.)
"""

from __future__ import annotations

import logging
import shutil

import pytest

from conftest import RAW, REPO
from rlp_pipeline.analysis import run_analysis
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.simulate import load_simulation_parameters, mobilisation_variant, write_population

pytestmark = pytest.mark.slow

MOBILISATION_FINDINGS = ["F13", "F14", "F15", "F16", "F17"]


def analyse_variant(tmp_path, effect: str, seed: int):
    logging.disable(logging.WARNING)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / "codebook.yaml", raw / "codebook.yaml")
    shutil.copy(RAW / "datapackage.yaml", raw / "datapackage.yaml")
    parameters = mobilisation_variant(load_simulation_parameters(REPO / "config" / "simulation.yaml"), effect)
    write_population({**parameters, "seed": seed}, load_codebook(RAW / "codebook.yaml"), raw)
    try:
        findings = run_analysis(raw / "codebook.yaml", raw / "datapackage.yaml", REPO / "config" / "findings.yaml",
                                tmp_path / "derived", {"fraction": 0.4, "seed": seed, "stratify_by": None,
                                                       "balance_resamples": 1000}, seed)
    finally:
        logging.disable(logging.NOTSET)
    return dict(zip(findings["id"], findings["verdict"]))


@pytest.mark.parametrize("seed", [11, 12])
def test_reversed_mobilisation_effects_are_not_reproduced(tmp_path, seed):
    verdicts = analyse_variant(tmp_path, "reversed", seed)
    assert {finding: verdicts[finding] for finding in MOBILISATION_FINDINGS} == {
        finding: "not reproduced" for finding in MOBILISATION_FINDINGS
    }


def test_findings_that_do_not_depend_on_mobilisation_survive_the_reversal(tmp_path):
    verdicts = analyse_variant(tmp_path, "reversed", 11)
    assert verdicts["F05"] == "reproduced" and verdicts["M2"] == "observed"
