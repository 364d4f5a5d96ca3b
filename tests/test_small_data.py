"""Small real data never crashes: every stage, through the report, accepts any valid dataset.

Real projects import a handful of plans before the whole set is coded: one plan, one mobilisation
level or group, no coded plan in the sample, a strategy nobody uses. Each stage must then still
write its outputs, every finding it cannot test is *not testable* with its reason, and the report
and the audit notebook render. Hypothesis generates such datasets (few examples: each runs the
whole pipeline in process, with the fallback renderer and few stability redraws); the examples
pinned with ``@example`` are the cases that crashed before.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import RAW, REPO
from rlp_pipeline.cli import main
from rlp_pipeline.codebook import load_codebook

CODEBOOK = load_codebook(RAW / "codebook.yaml")
LEVELS = [str(level) for level in CODEBOOK.ids("mobilisation_levels")]
REGIONS = [str(region) for region in CODEBOOK.ids("regions")]
OBJECTS = [str(code) for code in CODEBOOK.ids("objects")]
STRATEGIES = [str(code) for code in CODEBOOK.ids("strategies")]
STATUSES = [str(code) for code in CODEBOOK.ids("statuses")]
NOT_TESTABLE = "not testable"


def stage_commands(raw: Path, work: Path, redraws: int = 6, chunks: int = 2) -> list[list[str]]:
    """The command lines of every stage, in the order Snakemake runs them, on folders of `work`
    (the same sub-commands the rules call, with a small stability run)."""
    derived, codebook, registry = work / "derived", str(raw / "codebook.yaml"), str(REPO / "config" / "findings.yaml")
    sample, validated = str(derived / "sample"), str(derived / "validated")
    stability = ["--validated", validated, "--sample", sample, "--codebook", codebook, "--registry", registry,
                 "--redraws", str(redraws), "--chunks", str(chunks), "--seed", "7", "--method", "auto",
                 "--statistics-seed", "7"]
    chunk_files = [str(derived / "stability" / "chunks" / f"{chunk}.csv") for chunk in range(chunks)]
    return [
        ["validate", "--codebook", codebook, "--datapackage", str(raw / "datapackage.yaml"), "--out", validated],
        ["sample", "--validated", validated, "--codebook", codebook, "--seed", "7", "--balance-resamples", "50",
         "--out", sample],
        ["frequencies", "--sample", sample, "--codebook", codebook, "--out", str(derived / "frequencies")],
        ["diversity", "--sample", sample, "--codebook", codebook, "--out", str(derived / "diversity")],
        ["tests", "--sample", sample, "--per-plan", str(derived / "diversity" / "per_plan.csv"), "--codebook", codebook,
         "--registry", registry, "--seed", "7", "--out", str(derived / "tests")],
        ["findings", "--components", str(derived / "tests" / "components.csv"), "--sample", sample,
         "--codebook", codebook, "--registry", registry, "--out", str(derived / "findings")],
        *[["stability-chunk", "--chunk", str(chunk), *stability, "--out", path] for chunk, path in enumerate(chunk_files)],
        ["stability", *chunk_files, *stability, "--findings", str(derived / "findings" / "findings.csv"),
         "--out", str(derived / "stability")],
        ["agreement", "--validated", validated, "--codebook", codebook, "--seed", "7", "--resamples", "100",
         "--out", str(derived / "agreement")],
        # no simulated population: the report then says the calibration was not run
        ["calibration", "--codebook", codebook, "--datapackage", str(raw / "datapackage.yaml"), "--registry", registry,
         "--simulations", "0", "--seed", "7", "--out", str(derived / "calibration")],
        ["figures", "--derived", str(derived), "--codebook", codebook, "--out", str(derived / "figures")],
        ["report", "--project", str(work / "report"), "--derived", str(derived), "--codebook", codebook,
         "--registry", registry, "--no-quarto"],
        ["audit", str(work / "notebooks" / "audit_tests.ipynb"), "--derived", str(derived),
         "--out", str(derived / "notebooks")],
    ]


def run_every_stage(plans: pd.DataFrame, codings: pd.DataFrame, work: Path) -> None:
    """Write a raw folder with the given tables and run every stage on it; fail naming the stage
    that did not finish (an exception propagates with its traceback)."""
    raw = work / "raw"
    raw.mkdir(parents=True)
    shutil.copy(RAW / "codebook.yaml", raw / "codebook.yaml")
    shutil.copy(RAW / "datapackage.yaml", raw / "datapackage.yaml")
    plans.to_csv(raw / "plans.csv", index=False)
    codings.to_csv(raw / "codings.csv", index=False)
    shutil.copytree(REPO / "report", work / "report", ignore=shutil.ignore_patterns("_output", ".quarto", "_freeze"))
    shutil.copytree(REPO / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for command in stage_commands(raw, work):
        assert main(["--quiet", *command]) == 0, f"stage {command[0]} refused a valid dataset"


@st.composite
def small_datasets(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A valid raw dataset of 1 to 8 plans, on few levels, with some plans left uncoded and
    codings drawn from few objects and strategies (so some strategies are never used)."""
    n_plans = draw(st.integers(1, 8))
    levels = draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=4, unique=True))
    objects = draw(st.lists(st.sampled_from(OBJECTS), min_size=1, max_size=len(OBJECTS), unique=True))
    strategies = draw(st.lists(st.sampled_from(STRATEGIES), min_size=1, max_size=2, unique=True))
    plans, codings = [], []
    for number in range(1, n_plans + 1):
        plan_id = f"RLP-{number:03d}"
        plans.append({"plan_id": plan_id, "name": f"Regroupement {number}", "region": draw(st.sampled_from(REGIONS)),
                      "mobilisation_level": draw(st.sampled_from(levels))})
        for _ in range(draw(st.integers(0, 3))):
            strategy = draw(st.sampled_from(strategies))
            substrategy = draw(st.sampled_from(["", *map(str, CODEBOOK.substrategies_of(strategy))]))
            codings.append({"plan_id": plan_id, "object": draw(st.sampled_from(objects)), "strategy": strategy,
                            "substrategy": substrategy, "status": draw(st.sampled_from(STATUSES)),
                            "excerpt": "", "coder": ""})
    if not codings:  # the data package asks for at least one coded passage somewhere
        codings.append({"plan_id": plans[-1]["plan_id"], "object": objects[0], "strategy": strategies[0],
                        "substrategy": "", "status": STATUSES[0], "excerpt": "", "coder": ""})
    return pd.DataFrame(plans), pd.DataFrame(codings, columns=["plan_id", "object", "strategy", "substrategy",
                                                               "status", "excerpt", "coder"])


def dataset(plans: list[tuple[str, str]], codings: list[tuple[str, str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A dataset from (plan_id, level) and (plan_id, object, strategy, status) tuples."""
    return (pd.DataFrame([{"plan_id": p, "name": "", "region": "6", "mobilisation_level": level} for p, level in plans]),
            pd.DataFrame([{"plan_id": p, "object": o, "strategy": s, "substrategy": "", "status": status, "excerpt": "",
                           "coder": ""} for p, o, s, status in codings]))


ONE_PLAN = dataset([("RLP-001", "3")], [("RLP-001", "activities", "resources", "applied")])
ONE_GROUP = dataset([(f"RLP-00{i}", "3" if i % 2 else "4") for i in range(1, 7)],
                    [(f"RLP-00{i}", "relations", "appropriation", "intended") for i in range(1, 7)])
# Only RLP-010 is coded, and the fixed seed leaves it out of the sample of 4 (checked below).
NO_CODED_PLAN_SAMPLED = dataset([(f"RLP-{i:03d}", str(1 + i % 4)) for i in range(1, 11)],
                                [("RLP-010", "activities", "resources", "applied")])


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_datasets())
@example(ONE_PLAN)
@example(ONE_GROUP)
@example(NO_CODED_PLAN_SAMPLED)
def test_every_stage_accepts_any_small_valid_dataset(data):
    plans, codings = data
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        run_every_stage(plans, codings, work)
        findings = pd.read_csv(work / "derived" / "findings" / "findings.csv", keep_default_na=False)
        assert len(findings) > 0
        untestable = findings[findings["verdict"] == NOT_TESTABLE]
        assert (untestable["reason"].str.len() > 0).all(), "a not-testable finding without its reason"
        for language in ("fr", "en"):
            assert (work / "report" / "_output" / language / "index.html").stat().st_size > 0
        assert (work / "derived" / "notebooks" / "audit_tests.ipynb").is_file()
        if plans.equals(NO_CODED_PLAN_SAMPLED[0]):
            sampled = pd.read_csv(work / "derived" / "sample" / "sampled_plans.csv", dtype=str)
            assert "RLP-010" not in set(sampled["plan_id"]), "the pinned example no longer leaves the coded plan out"
            assert (findings.set_index("id").loc["F01", "verdict"]) == NOT_TESTABLE


# -- the guards themselves, fast ------------------------------------------------------------------

def test_a_majority_with_no_analysed_plan_is_not_testable_with_its_reason():
    from rlp_pipeline.stages.tests import component_majority

    row = component_majority(pd.Series([], dtype=int), 10, "several_strategies")
    assert row["not_testable_reason"] == "no analysed plan in the sample (no sampled plan has codings)"
    assert row["n"] == 0 and pd.isna(row["p_value"])


def test_a_component_that_cannot_be_computed_is_a_row_with_the_reason_not_a_crash():
    from rlp_pipeline.stages.tests import component_trend_levels

    # Every plan has the same value: Jonckheere-Terpstra has no order to test.
    row = component_trend_levels(pd.Series([2.0, 2.0, 2.0]), pd.Series([1, 2, 3]), "increasing", seed=1)
    assert row["not_testable_reason"] == "all values are equal; there is no order to test"
    assert pd.isna(row["p_value"])


def test_a_tiny_table_keeps_its_test_and_leaves_out_the_effect_sizes_it_cannot_give():
    import numpy as np
    import scipy.stats

    from rlp_pipeline.stages.tests import _table_tests

    table = np.array([[1, 0], [0, 1]])  # two plans: the bias-corrected V needs more
    row = _table_tests(table, "group", seed=1)
    assert row["not_testable_reason"] == ""
    assert row["p_value"] == pytest.approx(scipy.stats.fisher_exact(table).pvalue)  # independent reference
    assert pd.isna(row["cramers_v_corrected"])
