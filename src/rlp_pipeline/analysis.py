"""Every analysis stage in one process, from raw tables to findings, without Snakemake.

The Snakemake rules run the stages one by one, each from files; this module chains the same
stage functions in the same order, on any folder. It serves the checks that need many complete
analyses (verdicts on populations simulated with reversed or no mobilisation effects) and the
benchmarks; it is not a second pipeline: it only calls the stage functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .stages.diversity import run_diversity, run_per_plan
from .stages.findings import run_findings, verdicts
from .stages.frequencies import run_frequencies
from .stages.sample import run_sampling
from .stages.tests import run_components, run_tests
from .stages.validate import run_validation
from .stats import DEFAULT_RAREFACTION_SIZE


def run_analysis(codebook: Path | str, datapackage: Path | str, registry: Path | str, derived: Path | str,
                 sampling: dict[str, Any], statistics_seed: int, rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> pd.DataFrame:
    """Run validation, sampling, frequencies, diversity, tests and findings into `derived`;
    return the findings table. `rarefaction_size` is the diversity stage's
    (``statistics.rarefaction_size`` in the pipeline)."""
    derived = Path(derived)
    validated = run_validation(codebook, datapackage, derived / "validated")
    run_sampling(derived / "validated", derived / "sample", sampling, codebook)
    run_frequencies(derived / "sample", codebook, derived / "frequencies")
    run_diversity(derived / "sample", codebook, derived / "diversity", rarefaction_size)
    run_tests(derived / "sample", derived / "diversity" / "per_plan.csv", codebook, registry, statistics_seed,
              derived / "tests")
    return run_findings(derived / "tests" / "components.csv", codebook, registry,
                        bool(validated.provenance["simulated"]), derived / "findings")


def run_verdicts(codebook: Path | str, datapackage: Path | str, registry: Path | str, derived: Path | str,
                 sampling: dict[str, Any], statistics_seed: int, rarefaction_size: int = DEFAULT_RAREFACTION_SIZE) -> pd.DataFrame:
    """The findings table of :func:`run_analysis`, computing only what its verdicts rest on:
    validation, sampling and the per-plan measures (stages.diversity.run_per_plan) as the stages
    write them, then the findings' components (stages.tests.run_components) and their verdicts
    read back from components.csv (stages.findings.verdicts), as the pipeline reads them. The
    frequencies, the diversity summaries, the battery, the distribution tests, the alternative
    specifications and the robustness table decide no verdict and are left out: the calibration
    analyses twenty populations."""
    derived = Path(derived)
    validated = run_validation(codebook, datapackage, derived / "validated")
    run_sampling(derived / "validated", derived / "sample", sampling, codebook)
    per_plan = run_per_plan(derived / "sample", codebook, derived / "diversity", rarefaction_size)
    components = run_components(derived / "sample", per_plan, codebook, registry, statistics_seed, derived / "tests")
    return verdicts(components, codebook, registry, bool(validated.provenance["simulated"]))
