"""Does the agreement stage's interval for Krippendorff's alpha cover the true alpha?

Simulates populations from config/simulation.yaml (a fresh seed each time), with their double
coding (the share and error model of `double_coding`), and for each code dimension estimates
alpha at the plan unit (the unit the findings count) with the stage's own functions and its 95%
bootstrap interval over the double-coded plans (as
:func:`rlp_pipeline.stats.agreement.bootstrap_interval` computes it; the resamples' alpha by
:func:`nominal_alpha_of_rows`, the same formula computed faster). The **true alpha** is the one
the error model implies (:func:`rlp_pipeline.simulate.implied_alpha`), computed once on a large population of
the same parameters (--truth-plans). Prints, per dimension, the true alpha, the mean estimate
and the share of simulations whose interval covers the true alpha (target: at least 95%), with
the Monte Carlo interval of that share; also the coverage of each simulation's own implied alpha
(computed on its double-coded plans), a conditional target, and for comparison the coverage of
the plain percentile interval of the same resamples (too narrow with few plans).

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
from rlp_pipeline.stages.tests import derived_seed  # noqa: E402
from rlp_pipeline.simulate import (  # noqa: E402
    double_coding_parameters,
    implied_alpha,
    load_simulation_parameters,
    simulate_double_coding,
    simulate_population,
)
from rlp_pipeline.stages.agreement import DIMENSIONS, dimension_codes, unit_matrix, use_table, with_contexts  # noqa: E402
from rlp_pipeline.stats.agreement import (  # noqa: E402
    bootstrap_estimates,
    krippendorff_alpha,
    log_disagreement_interval,
    percentile_interval,
)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (the Monte Carlo uncertainty of a coverage)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def nominal_alpha_of_rows(matrix: np.ndarray):
    """A fast Krippendorff's alpha (nominal) of any subset of the rows of a value-counts matrix.

    Same formula as the `krippendorff` package, alpha = 1 - (n - 1) sum_u D_u / (n^2 - sum_c n_c^2)
    with D_u = (m_u^2 - sum_c n_uc^2) / (m_u - 1) over pairable units, but with D_u computed once:
    the bootstrap then costs a sum instead of a package call per resample (the benchmark runs
    1.6 million of them). :func:`main` checks it against the stage's `krippendorff_alpha` on every
    simulated data set. NaN when alpha is undefined, as there.
    """
    matrix = np.asarray(matrix, dtype=float)
    m = matrix.sum(axis=1)
    pairable = m >= 2
    disagreement = np.where(pairable, (m ** 2 - (matrix ** 2).sum(axis=1)) / np.maximum(m - 1, 1), 0.0)
    counts = np.where(pairable[:, None], matrix, 0.0)

    def alpha(rows: np.ndarray) -> float:
        values = counts[rows].sum(axis=0)
        n = values.sum()
        expected = n * n - (values ** 2).sum()
        if n < 2 or expected == 0:
            return float("nan")
        return float(1 - (n - 1) * disagreement[rows].sum() / expected)

    return alpha


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
    covered_percentile = {d: 0 for d in DIMENSIONS}
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
            fast = nominal_alpha_of_rows(matrix)
            if not math.isclose(fast(np.arange(len(matrix))), alpha, rel_tol=1e-9, abs_tol=1e-12):
                raise SystemExit(f"fast alpha {fast(np.arange(len(matrix)))} != krippendorff_alpha {alpha}")
            resampled = bootstrap_estimates(clusters, fast, resamples=arguments.resamples,
                                            seed=derived_seed(parameters["seed"], f"agreement:plan:{dimension}"))
            low, high = log_disagreement_interval(alpha, resampled, len(np.unique(clusters.astype(str))))
            percentile_low, percentile_high = percentile_interval(resampled)
            covered_percentile[dimension] += int(percentile_low <= truth[dimension] <= percentile_high)
            estimates[dimension].append(alpha)
            widths[dimension].append(high - low)
            covered[dimension] += int(low <= truth[dimension] <= high)
            covered_conditional[dimension] += int(low <= conditional[dimension] <= high)
    elapsed = time.perf_counter() - started
    share = double_coding_parameters(base)["share"]
    print(f"{runs} simulated populations of {base['n_plans']} plans, {share:.0%} double-coded, "
          f"{arguments.resamples} bootstrap resamples, error model keep = {keep}; {elapsed:.0f} s")
    print(f"{'dimension':<12} {'true alpha':>10} {'mean est.':>10} {'mean width':>10} {'coverage':>9} "
          f"{'(95% MC interval)':>18} {'conditional':>11} {'percentile':>10}")
    for dimension in DIMENSIONS:
        low, high = wilson(covered[dimension], runs)
        print(f"{dimension:<12} {truth[dimension]:>10.3f} {np.mean(estimates[dimension]):>10.3f} "
              f"{np.mean(widths[dimension]):>10.3f} {covered[dimension] / runs:>9.1%} "
              f"{f'[{low:.1%}, {high:.1%}]':>18} {covered_conditional[dimension] / runs:>11.1%} "
              f"{covered_percentile[dimension] / runs:>10.1%}")


if __name__ == "__main__":
    main()
