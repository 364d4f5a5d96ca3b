"""How often does the pipeline call the mobilisation findings reproduced when they are false?

Simulates populations from config/simulation.yaml with the mobilisation effects removed (both
groups get the average probabilities) or kept, runs every analysis stage on each (a fresh
population and a fresh 40% sample every time) and prints, per finding, the share of runs whose
verdict is "reproduced". Without an effect that share estimates the false-positive rate (it
should stay at or below alpha); with the default effects it estimates the power.

    python benchmarks/calibration.py --simulations 200 --effect none
    python benchmarks/calibration.py --simulations 100 --effect default
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from rlp_pipeline.codebook import load_codebook  # noqa: E402
from rlp_pipeline.registry import load_registry  # noqa: E402
from rlp_pipeline.stages.calibration import about_mobilisation, simulate_verdicts  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=200, help="number of simulated populations (default: %(default)s)")
    parser.add_argument("--effect", choices=("none", "default", "reversed"), default="none",
                        help="mobilisation effects of the simulated populations (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="master seed of the simulations (default: %(default)s)")
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)

    codebook_path = REPO / "data" / "raw" / "codebook.yaml"
    registry_path = REPO / "config" / "findings.yaml"
    started = time.perf_counter()
    # The pipeline's calibration stage does the work (rlp_pipeline.stages.calibration); this
    # script only runs it at a chosen size and prints the counts.
    verdicts = simulate_verdicts(codebook_path, REPO / "data" / "raw" / "datapackage.yaml", registry_path,
                                 REPO / "config" / "simulation.yaml",
                                 {"fraction": 0.4, "stratify_by": None, "balance_resamples": 1000},
                                 arguments.effect, arguments.simulations, arguments.seed)
    mobilisation = about_mobilisation(load_registry(registry_path, load_codebook(codebook_path)))
    n = arguments.simulations
    print(f"Effect: {arguments.effect}; {n} simulated populations, 40% samples; {time.perf_counter() - started:.0f} s")
    print(f"{'finding':8} {'holds':>6} {'rate':>6} {'95% CI':>15} {'partly':>7} {'trend':>6} {'not repr.':>10} {'not test.':>10}")
    for finding, counts in verdicts.items():
        k = counts["reproduced"] + counts["observed"]
        rate = k / n
        half = 1.96 * math.sqrt(rate * (1 - rate) / n) if 0 < k < n else 0.0
        marker = " *" if finding in mobilisation else ""
        print(f"{finding:8} {k:>6} {rate:>6.3f} {f'[{max(0, rate - half):.3f}, {min(1, rate + half):.3f}]':>15} "
              f"{counts['partly reproduced']:>7} {counts['trend only']:>6} {counts['not reproduced']:>10} "
              f"{counts['not testable']:>10}{marker}")
    print("holds: reproduced, or observed for a descriptive finding. * findings about mobilisation; with --effect none "
          "their rate estimates the false reproduced rate.")


if __name__ == "__main__":
    main()
