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
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from rlp_pipeline.analysis import run_analysis  # noqa: E402
from rlp_pipeline.codebook import load_codebook  # noqa: E402
from rlp_pipeline.simulate import load_simulation_parameters, mobilisation_variant, write_population  # noqa: E402

MOBILISATION_FINDINGS = ("F03", "F13", "F14", "F15", "F16", "F17")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=200, help="number of simulated populations (default: %(default)s)")
    parser.add_argument("--effect", choices=("none", "default", "reversed"), default="none",
                        help="mobilisation effects of the simulated populations (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="first simulation seed (default: %(default)s)")
    arguments = parser.parse_args()
    logging.disable(logging.WARNING)

    codebook_path = REPO / "data" / "raw" / "codebook.yaml"
    codebook = load_codebook(codebook_path)
    base = mobilisation_variant(load_simulation_parameters(REPO / "config" / "simulation.yaml"), arguments.effect)
    verdicts: dict[str, Counter] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        for run in range(arguments.simulations):
            folder = Path(work) / f"run{run}"
            raw = folder / "raw"
            raw.mkdir(parents=True)
            shutil.copy(codebook_path, raw / "codebook.yaml")
            shutil.copy(REPO / "data" / "raw" / "datapackage.yaml", raw / "datapackage.yaml")
            write_population({**base, "seed": arguments.seed + run}, codebook, raw)
            findings = run_analysis(raw / "codebook.yaml", raw / "datapackage.yaml", REPO / "config" / "findings.yaml",
                                    folder / "derived",
                                    {"fraction": 0.4, "seed": arguments.seed + run, "stratify_by": None,
                                     "balance_resamples": 1000},
                                    arguments.seed + run)
            for finding, verdict in zip(findings["id"], findings["verdict"]):
                verdicts.setdefault(finding, Counter())[verdict] += 1
            shutil.rmtree(folder)
            if (run + 1) % 10 == 0:
                print(f"  {run + 1}/{arguments.simulations} simulations, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    n = arguments.simulations
    print(f"Effect: {arguments.effect}; {n} simulated populations of {base['n_plans']} plans, 40% samples; "
          f"{time.perf_counter() - started:.0f} s")
    print(f"{'finding':8} {'reproduced':>10} {'rate':>6} {'95% CI':>15} {'trend only':>10} {'not repr.':>10} {'not test.':>10}")
    for finding, counts in verdicts.items():
        k = counts["reproduced"]
        rate = k / n
        half = 1.96 * math.sqrt(rate * (1 - rate) / n) if 0 < k < n else 0.0
        marker = " *" if finding in MOBILISATION_FINDINGS else ""
        print(f"{finding:8} {k:>10} {rate:>6.3f} {f'[{max(0, rate - half):.3f}, {min(1, rate + half):.3f}]':>15} "
              f"{counts['trend only']:>10} {counts['not reproduced']:>10} {counts['not testable']:>10}{marker}")
    print("* mobilisation findings (Holm family); with --effect none their rate estimates the false-positive rate.")


if __name__ == "__main__":
    main()
