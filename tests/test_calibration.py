"""The calibration stage (false reproduced rate and power on simulated populations) and the
report's Limitations section built from it."""

from __future__ import annotations

import logging
import shutil
from collections import Counter

import pandas as pd
import pytest

from conftest import RAW, REPO
from rlp_pipeline.analysis import run_analysis, run_verdicts
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.registry import load_registry
from rlp_pipeline.reporting import claims
from rlp_pipeline.simulate import load_simulation_parameters, mobilisation_variant, write_population
from rlp_pipeline.stages.calibration import about_mobilisation, calibration_table, run_calibration, run_seed

REGISTRY = load_registry(REPO / "config" / "findings.yaml", load_codebook(RAW / "codebook.yaml"))


def test_findings_about_mobilisation_are_those_comparing_levels_or_groups():
    assert about_mobilisation(REGISTRY) == {"F03", "F13", "F14", "F15", "F16", "F17"}


def test_the_table_counts_verdicts_and_says_what_each_share_estimates():
    counts = {"none": {"F15": Counter({"reproduced": 1, "trend only": 9}), "F09": Counter({"observed": 10})},
              "default": {"F15": Counter({"reproduced": 8, "trend only": 2})}}
    table = calibration_table(REGISTRY, counts, 10).set_index(["scenario", "finding"])
    assert table.loc[("none", "F15"), "share_holding"] == 0.1
    assert table.loc[("none", "F15"), "reading"].startswith("false reproduced rate")
    assert table.loc[("none", "F09"), "share_holding"] == 1.0  # a descriptive finding holds when observed
    assert table.loc[("none", "F09"), "reading"].startswith("rate with its own effect kept")
    assert table.loc[("default", "F15"), "share_holding"] == 0.8
    assert table.loc[("default", "F15"), "ci_low"] < 0.8 < table.loc[("default", "F15"), "ci_high"]
    assert table.loc[("default", "F01"), "runs"] == 10 and table.loc[("default", "F01"), "share_holding"] == 0
    assert run_seed(1, "none", 0) != run_seed(1, "default", 0) == run_seed(1, "default", 0)


@pytest.mark.slow
def test_the_stage_runs_end_to_end_on_one_population_per_scenario(tmp_path):
    table = run_calibration(RAW / "codebook.yaml", RAW / "datapackage.yaml", REPO / "config" / "findings.yaml",
                            REPO / "config" / "simulation.yaml", {"fraction": 0.4, "stratify_by": None,
                                                                  "balance_resamples": 200}, 1, 7, tmp_path)
    assert set(table["scenario"]) == {"none", "default"} and (table["runs"] == 1).all()
    verdict_columns = ["reproduced", "partly_reproduced", "trend_only", "not_reproduced", "not_testable", "observed"]
    assert (table[verdict_columns].sum(axis=1) == 1).all()
    assert (tmp_path / "calibration.csv").exists() and (tmp_path / "datapackage.json").exists()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_limitations_say_the_data_are_circular_and_flag_unstable_findings(language):
    counts = {"none": {"F15": Counter({"reproduced": 1, "trend only": 9})}, "default": {"F15": Counter({"reproduced": 8})}}
    calibration = calibration_table(REGISTRY, counts, 10)
    stability = pd.DataFrame({"finding": ["F07", "F15"], "assessed": [True, True], "share_reproduced": [0.45, 0.95]})
    text = claims.limitations(calibration, stability, True, 0.05, language)
    assert ("circulaires" if language == "fr" else "circular") in text
    assert "F07" in text and "F15, " not in text  # only the finding below 80% is listed
    assert "10 %" in text.replace("\u202f", " ") or "10%" in text  # F15's false reproduced rate
    assert ("pas une preuve" not in text)  # M1 is described as a check
    assert ("vérification" in text) if language == "fr" else ("check" in text)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["none", "default"])
def test_the_calibration_judges_each_population_as_the_whole_analysis_does(tmp_path, scenario):
    # The calibration computes only what the verdicts rest on (run_verdicts); on the same
    # population, every column of the findings table and the components must be those of the
    # complete analysis (run_analysis, the pipeline's stages in order).
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / "codebook.yaml", raw / "codebook.yaml")
    shutil.copy(RAW / "datapackage.yaml", raw / "datapackage.yaml")
    seed = run_seed(20180517, scenario, 0)
    parameters = mobilisation_variant(load_simulation_parameters(REPO / "config" / "simulation.yaml"), scenario)
    write_population({**parameters, "seed": seed}, load_codebook(RAW / "codebook.yaml"), raw)
    sampling = {"fraction": 0.4, "seed": seed, "stratify_by": None, "balance_resamples": 1000}
    logging.disable(logging.WARNING)
    try:
        whole = run_analysis(raw / "codebook.yaml", raw / "datapackage.yaml", REPO / "config" / "findings.yaml",
                             tmp_path / "whole", sampling, seed)
        verdicts = run_verdicts(raw / "codebook.yaml", raw / "datapackage.yaml", REPO / "config" / "findings.yaml",
                                tmp_path / "verdicts", sampling, seed)
    finally:
        logging.disable(logging.NOTSET)
    pd.testing.assert_frame_equal(verdicts, whole)
    for table in ("diversity/per_plan.csv", "tests/components.csv"):
        assert (tmp_path / "verdicts" / table).read_bytes() == (tmp_path / "whole" / table).read_bytes(), table
    assert not (tmp_path / "verdicts" / "tests" / "battery.csv").exists()  # the shortcut is taken


class _Stop(Exception):
    pass


def test_the_simulated_samples_are_rarefied_to_the_configured_size(tmp_path, monkeypatch):
    # The calibration must judge each simulated sample as the pipeline judges the real one: a
    # rarefied diversity measure computed at another size would calibrate another measure.
    seen = []

    def record_and_stop(sample, codebook, out, rarefaction_size=4):
        seen.append(rarefaction_size)
        raise _Stop

    monkeypatch.setattr("rlp_pipeline.analysis.run_per_plan", record_and_stop)
    with pytest.raises(_Stop):
        run_calibration(RAW / "codebook.yaml", RAW / "datapackage.yaml", REPO / "config" / "findings.yaml",
                        REPO / "config" / "simulation.yaml", {"fraction": 0.4, "stratify_by": None,
                                                              "balance_resamples": 20}, 1, 7, tmp_path,
                        rarefaction_size=7)
    assert seen == [7]


def test_the_rule_passes_the_configured_rarefaction_size_to_the_calibration():
    rule = (REPO / "rules" / "calibration.smk").read_text(encoding="utf-8")
    assert '"rarefaction_size": config["statistics"]["rarefaction_size"]' in rule
    assert "--rarefaction-size {params.rarefaction_size}" in rule
