"""Does the agreement stage's interval for Krippendorff's alpha cover the true alpha?

Simulates populations from config/simulation.yaml (a fresh seed each time), with their double
coding (the share and error model of `double_coding`), and for each code dimension estimates
alpha at the plan unit (the unit the findings count) with the stage's own functions and its 95%
bootstrap interval over the double-coded plans. The **true alpha** is the one the error model
implies (:func:`rlp_pipeline.simulate.implied_alpha`), computed once on a large population of
the same parameters (--truth-plans). Prints, per dimension, the true alpha, the mean estimate
and the share of simulations whose interval covers the true alpha (target: at least 95%), with
the Monte Carlo interval of that share; also the coverage of each simulation's own implied alpha
(computed on its double-coded plans), a conditional target.

    python benchmarks/agreement_calibration.py --simulations 400 --resamples 1000
    python benchmarks/agreement_calibration.py --simulations 150 --resamples 1000 --plans 500
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from rlp_pipeline.codebook import load_codebook  # noqa: E402
from rlp_pipeline.significance import derived_seed  # noqa: E402
from rlp_pipeline.simulate import (  # noqa: E402
    double_coding_parameters,
    implied_alpha,
    load_simulation_parameters,
    simulate_double_coding,
    simulate_population,
)
from rlp_pipeline.stages.agreement import DIMENSIONS, dimension_codes, unit_matrix, use_table, with_contexts  # noqa: E402
from rlp_pipeline.stats.agreement import bootstrap_interval, krippendorff_alpha  # noqa: E402


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (the Monte Carlo uncertainty of a coverage)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=200, help="simulated populations (default: %(default)s)")
    parser.add_argument("--resamples", type=int, default=500, help="bootstrap resamples per interval (default: %(default)s)")
    parser.add_argument("--truth-plans", type=int, default=20000, help="plans of the population the true alpha is computed on (default: %(default)s)")
    parser.add_argument("--plans", type=int, default=None, help="plans per simulated population (default: n_plans of "
                        "config/simulation.yaml; the double-coded plans are its double_coding.share)")
    parser.add_argument("--seed", type=int, default=1, help="first simulation seed (default: %(default)s)")
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)

    codebook = load_codebook(REPO / "data" / "raw" / "codebook.yaml")
    base = load_simulation_parameters(REPO / "config" / "simulation.yaml")
    if arguments.plans:
        base["n_plans"] = arguments.plans
    keep = double_coding_parameters(base)["keep"]
    started = time.perf_counter()
    _, everyone = simulate_population(dict(base, n_plans=arguments.truth_plans), codebook)
    truth = implied_alpha(everyone, keep, codebook, "plan")
    codes = dimension_codes(codebook)
    covered = {d: 0 for d in DIMENSIONS}
    covered_conditional = {d: 0 for d in DIMENSIONS}
    estimates = {d: [] for d in DIMENSIONS}
    widths = {d: [] for d in DIMENSIONS}
    runs = 0
    for run in range(arguments.simulations):
        parameters = dict(base, seed=arguments.seed + run)
        plans, primary = simulate_population(parameters, codebook)
        second = simulate_double_coding(plans, primary, parameters, codebook)
        first = primary[primary["plan_id"].isin(set(second["plan_id"]))]
        both = pd.concat([first, second], ignore_index=True)
        contexts = with_contexts(both)["plan"]
        conditional = implied_alpha(first, keep, codebook, "plan")
        runs += 1
        for dimension in DIMENSIONS:
            matrix, clusters, _, _ = unit_matrix(use_table(contexts, dimension, codes[dimension]))
            alpha = krippendorff_alpha(matrix)
            low, high = bootstrap_interval(clusters, lambda i: krippendorff_alpha(matrix[i]),
                                           seed=derived_seed(parameters["seed"], f"agreement:plan:{dimension}"),
                                           resamples=arguments.resamples)
            estimates[dimension].append(alpha)
            widths[dimension].append(high - low)
            covered[dimension] += int(low <= truth[dimension] <= high)
            covered_conditional[dimension] += int(low <= conditional[dimension] <= high)
    elapsed = time.perf_counter() - started
    share = double_coding_parameters(base)["share"]
    print(f"{runs} simulated populations of {base['n_plans']} plans, {share:.0%} double-coded, "
          f"{arguments.resamples} bootstrap resamples, error model keep = {keep}; {elapsed:.0f} s")
    print(f"{'dimension':<12} {'true alpha':>10} {'mean est.':>10} {'mean width':>10} {'coverage':>9} "
          f"{'(95% MC interval)':>18} {'conditional':>11}")
    for dimension in DIMENSIONS:
        low, high = wilson(covered[dimension], runs)
        print(f"{dimension:<12} {truth[dimension]:>10.3f} {np.mean(estimates[dimension]):>10.3f} "
              f"{np.mean(widths[dimension]):>10.3f} {covered[dimension] / runs:>9.1%} "
              f"{f'[{low:.1%}, {high:.1%}]':>18} {covered_conditional[dimension] / runs:>11.1%}")


if __name__ == "__main__":
    main()
