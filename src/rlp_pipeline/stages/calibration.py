"""The calibration stage: how often does the pipeline call a finding reproduced when it is false,
and how often when it is true?

The verdicts on the shipped data are circular: the simulator is set so that the findings hold.
What the simulated data can show is how the method behaves, and this stage measures it. It
simulates populations from the simulation parameters (config/simulation.yaml) under two
scenarios, draws a sample of the configured design from each, runs the analysis stages the
verdicts rest on (rlp_pipeline.analysis.run_verdicts: validation, sampling, per-plan measures, the
findings' components and their verdicts, the same stage functions as the pipeline, with the same
permutation and resampling counts; the tables that decide no verdict are left out) and counts the
verdicts:

- ``none``: the mobilisation effects removed (both groups get the average probabilities). For
  the findings about mobilisation (their components compare levels or groups), the share called
  reproduced estimates the false-reproduced rate, which the multiplicity scheme should keep at or
  below alpha;
- ``default``: the simulated effects kept. The share reproduced estimates the power of the
  design for effects of the simulated size.

Each run is a fresh population and a fresh sample, seeded from the statistics seed and the run's
number (SHA-256, as every random procedure of the pipeline). The number of runs per scenario is
``statistics.calibration_simulations`` (small by default: each run is a complete analysis);
rates come with their 95% Wilson interval, which says how far the finite number of runs leaves
them uncertain.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..analysis import run_verdicts
from ..codebook import load_codebook
from ..describe import stage_datapackage
from ..stats.descriptive import proportion_interval
from .findings import OBSERVED, REPRODUCED, VERDICTS
from ..io.outputs import csv_bytes, json_bytes, write_outputs
from ..registry import Registry, load_registry
from .tests import derived_seed
from ..simulate import load_simulation_parameters, mobilisation_variant, write_population
from ..stats import DEFAULT_RAREFACTION_SIZE

LOGGER = logging.getLogger("rlp_pipeline.calibration")
STAGE = "calibration"
SCENARIOS = ("none", "default")
# Component kinds that compare mobilisation levels or groups: the scenario "none" removes their effect.
MOBILISATION_KINDS = ("trend_levels", "group_shift", "group_difference")


def about_mobilisation(registry: Registry) -> set[str]:
    """The findings whose components compare mobilisation levels or groups."""
    return {f.id for f in registry.findings if any(c["kind"] in MOBILISATION_KINDS for c in f.components)}


def run_seed(seed: int, scenario: str, run: int) -> int:
    """The seed of one simulated population and its sample (31 bits, as the simulator takes it)."""
    return derived_seed(seed, f"calibration:{scenario}:{run}") % (2**31 - 1)


def simulate_verdicts(codebook_path: Path, datapackage_path: Path, registry_path: Path, simulation_path: Path,
                      sampling: Mapping[str, Any], scenario: str, simulations: int, seed: int,
                      rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> dict[str, Counter]:
    """Verdict counts per finding over `simulations` populations simulated under a scenario, each
    analysed as the pipeline analyses the real sample (same rarefaction size)."""
    codebook = load_codebook(codebook_path)
    base = mobilisation_variant(load_simulation_parameters(simulation_path), scenario)
    counts: dict[str, Counter] = {}
    with tempfile.TemporaryDirectory() as work:
        for run in range(simulations):
            run_seed_value = run_seed(seed, scenario, run)
            folder = Path(work) / f"run{run}"
            raw = folder / "raw"
            raw.mkdir(parents=True)
            shutil.copy(codebook_path, raw / "codebook.yaml")
            shutil.copy(datapackage_path, raw / "datapackage.yaml")
            write_population({**base, "seed": run_seed_value}, codebook, raw)
            previous = logging.root.manager.disable
            logging.disable(logging.WARNING)
            try:
                findings = run_verdicts(raw / "codebook.yaml", raw / "datapackage.yaml", registry_path, folder / "derived",
                                        {**sampling, "seed": run_seed_value}, run_seed_value, rarefaction_size)
            finally:
                logging.disable(previous)
            for finding, verdict in zip(findings["id"], findings["verdict"]):
                counts.setdefault(finding, Counter())[verdict] += 1
            shutil.rmtree(folder)
            LOGGER.info("Scenario %s: %d of %d simulated populations analysed.", scenario, run + 1, simulations)
    return counts


def calibration_table(registry: Registry, counts: Mapping[str, Mapping[str, Counter]], simulations: int) -> pd.DataFrame:
    """One row per scenario and finding: verdict counts, the share under which the finding holds
    (reproduced, or observed when descriptive) with its Wilson interval, and what that share
    estimates (false-reproduced rate, power, or rate with the other effects kept)."""
    mobilisation = about_mobilisation(registry)
    rows = []
    for scenario in SCENARIOS:
        for finding in registry.findings:
            own = counts.get(scenario, {}).get(finding.id, Counter())
            held = own[OBSERVED if finding.descriptive else REPRODUCED]
            low, high = proportion_interval(held, simulations) if simulations else (float("nan"), float("nan"))
            if scenario == "none" and finding.id in mobilisation:
                reading = "false reproduced rate (its effect removed)"
            elif scenario == "none":
                reading = "rate with its own effect kept (only mobilisation effects are removed)"
            else:
                reading = "power (the simulated effects kept)"
            rows.append({"scenario": scenario, "finding": finding.id, "about_mobilisation": finding.id in mobilisation,
                         "runs": simulations, **{v.replace(" ", "_"): own[v] for v in VERDICTS},
                         "share_holding": held / simulations if simulations else float("nan"),
                         "ci_low": float(low), "ci_high": float(high), "reading": reading})
    return pd.DataFrame(rows, columns=list(TABLES["calibration.csv"]["columns"]))


def run_calibration(codebook_path: Path | str, datapackage_path: Path | str, registry_path: Path | str,
                    simulation_path: Path | str, sampling: Mapping[str, Any], simulations: int, seed: int,
                    out_dir: Path | str, simulated: bool = True, rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> pd.DataFrame:
    """The stage: simulate, analyse and count under both scenarios; write calibration.csv and
    its data package."""
    codebook_path, datapackage_path = Path(codebook_path), Path(datapackage_path)
    registry = load_registry(registry_path, load_codebook(codebook_path))
    counts = {scenario: simulate_verdicts(codebook_path, datapackage_path, Path(registry_path), Path(simulation_path),
                                          sampling, scenario, simulations, seed, rarefaction_size)
              for scenario in SCENARIOS}
    table = calibration_table(registry, counts, simulations)
    out_dir = Path(out_dir)
    write_outputs({
        out_dir / "calibration.csv": csv_bytes(table),
        out_dir / "datapackage.json": json_bytes(stage_datapackage(STAGE, TABLES, {"calibration.csv": table}, simulated)),
    })
    return table


TABLES: dict[str, dict[str, Any]] = {
    "calibration.csv": {
        "title": "Calibration of the verdicts on simulated populations: false reproduced rate and power",
        "description": "One row per scenario (none: mobilisation effects removed; default: the simulated effects) and "
                       "finding; each run simulates a population, draws a sample of the configured design and runs the "
                       "analysis stages the verdicts rest on (rlp_pipeline.stages.calibration).",
        "columns": {
            "scenario": "none (mobilisation effects removed) or default (simulated effects kept)",
            "finding": "finding id", "about_mobilisation": "the finding compares mobilisation levels or groups",
            "runs": "simulated populations analysed",
            **{v.replace(" ", "_"): f"runs with the verdict {v}" for v in VERDICTS},
            "share_holding": "share of runs in which the finding holds (reproduced, or observed when descriptive)",
            "ci_low": "95% Wilson interval of that share (uncertainty of the finite number of runs), lower bound",
            "ci_high": "upper bound", "reading": "what the share estimates in this scenario",
        },
    },
}
