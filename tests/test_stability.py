"""The stability stage: alternative samples judged exactly as the real one, deterministically.

The fast path of rlp_pipeline.stages.stability is checked against the package's reference functions
(inference.jonckheere_terpstra, mann_whitney; the tests and findings stages' outputs on the
actual sample), and the stage's promises are checked end to end on the shipped data: the same
master seed gives the same files, another seed other samples, and the chunking changes nothing.
"""

from __future__ import annotations

import logging
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings as hypothesis_settings, strategies as st

from conftest import RAW, REPO
from rlp_pipeline.stages import stability
from rlp_pipeline.stats import inference
from rlp_pipeline.analysis import run_analysis
from rlp_pipeline.stages.findings import NOT_REPRODUCED, NOT_TESTABLE, REPRODUCED, TREND, VERDICTS, verdict_ids
from rlp_pipeline.problems import InputError
from rlp_pipeline.stages.diversity import per_plan_table
from rlp_pipeline.stages.sample import draw_sample
from rlp_pipeline.stats import jonckheere

REGISTRY = REPO / "config" / "findings.yaml"
CODEBOOK = RAW / "codebook.yaml"
SAMPLING = {"fraction": 0.4, "seed": 20180517, "stratify_by": None, "balance_resamples": 1000}
STATISTICS_SEED = 20180517


def settings(**changes):
    return {"redraws": 24, "chunks": 2, "seed": 7, "method": "auto", "rarefaction_size": 4, **changes}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The shipped simulated data analysed (validation to findings) in a temporary folder."""
    folder = tmp_path_factory.mktemp("stability")
    logging.disable(logging.WARNING)
    try:
        run_analysis(CODEBOOK, RAW / "datapackage.yaml", REGISTRY, folder / "derived", SAMPLING, STATISTICS_SEED)
    finally:
        logging.disable(logging.NOTSET)
    return folder / "derived"


def fresh_copy(derived, tmp_path):
    """A copy of the analysed folder without any stability output."""
    target = tmp_path / "derived"
    shutil.copytree(derived, target, ignore=shutil.ignore_patterns("stability"))
    return target


def run(derived, **changes):
    logging.disable(logging.WARNING)
    try:
        return stability.run_stability(derived, CODEBOOK, REGISTRY, settings(**changes), STATISTICS_SEED)
    finally:
        logging.disable(logging.NOTSET)


# --------------------------------------------------------------------------------------------
# The fast statistics equal the reference functions
# --------------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=9), min_size=2, max_size=4))
def test_jt_from_codes_equals_the_reference_statistic(groups):
    values = np.concatenate([np.array(g, dtype=float) for g in groups])
    distinct, codes = np.unique(values, return_inverse=True)
    sizes = np.array([len(g) for g in groups])
    expected = inference._jt_statistic([np.array(g, dtype=float) for g in groups])
    assert inference.jt_from_codes(codes, sizes, len(distinct))[0] == expected


@hypothesis_settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 7), min_size=0, max_size=12), min_size=1, max_size=5),
       st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_compiled_permuted_jt_equals_the_bincount_reference(groups, resamples, seed):
    """The compiled loop (stats.jonckheere) against inference.jt_from_codes on the permuted
    codes themselves: any groups (empty ones too, a single one), ties, numbers of permutations."""
    sizes = np.array([len(g) for g in groups])
    values = np.array([v for g in groups for v in g], dtype=float)
    assume(values.size > 0)
    distinct, codes = np.unique(values, return_inverse=True)
    permutations = np.random.default_rng(seed).permuted(np.broadcast_to(np.arange(values.size, dtype=np.int32),
                                                                         (resamples, values.size)), axis=1)
    expected = inference.jt_from_codes(codes[permutations], sizes, len(distinct))
    assert np.array_equal(stability.permuted_jt(codes, permutations, sizes, len(distinct)), expected)


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=10), min_size=2, max_size=5),
       st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_compiled_jt_of_shuffled_rows_equals_the_bincount_reference(groups, resamples, seed):
    """The tests stage's form (rows of shuffled codes, inference._jt_permutation) against
    inference.jt_from_codes on the same rows."""
    sizes = np.array([len(g) for g in groups])
    values = np.array([v for g in groups for v in g], dtype=float)
    assume(values.size > 0)
    distinct, codes = np.unique(values, return_inverse=True)
    rows = np.random.default_rng(seed).permuted(np.broadcast_to(codes, (resamples, values.size)), axis=1)
    assert np.array_equal(jonckheere.jt_of_shuffles(codes, rows, sizes, len(distinct)),
                          inference.jt_from_codes(rows, sizes, len(distinct)))


def test_compiled_permuted_jt_on_the_stage_permutations_and_a_real_size():
    """The permutations of a sample size of the shipped data (56 plans, 20,000 rows, the cache's
    uint8 indices), values with many distinct codes and with four: the same J to the bit."""
    rng = np.random.default_rng(11)
    permutations = stability.permutation_indices(56, 20000, 4242)
    sizes = np.array([16, 14, 15, 11])
    for values in (rng.integers(0, 4, 56), np.round(rng.gamma(2.0, 0.5, 56), 2)):
        distinct, codes = np.unique(values, return_inverse=True)
        expected = inference.jt_from_codes(codes[permutations], sizes, len(distinct))
        assert np.array_equal(stability.permuted_jt(codes, permutations, sizes, len(distinct)), expected)
        assert np.array_equal(stability.permuted_jt_reference(codes, permutations, sizes, len(distinct)), expected)


def test_the_tests_stage_and_the_stability_chunks_share_one_compiled_loop():
    """The compile rule compiles the loop once for every stage (python -m rlp_pipeline compile):
    the tests stage's call (shuffled codes) and the stability stage's (cached read-only
    permutations) must give Numba the same argument types, or each job compiles its own. In a
    fresh process, so that no other test's call adds a signature."""
    import subprocess
    import sys

    script = (
        "import numpy as np\n"
        "from rlp_pipeline.stats import inference, jonckheere\n"
        "from rlp_pipeline.stages.stability import permutation_indices\n"
        "print(jonckheere.compile_loop())\n"
        "inference.jonckheere_terpstra([np.array([1., 2, 3, 3]), np.array([2., 4, 4, 5]), np.array([3., 5, 6])],"
        " seed=1, resamples=200)\n"
        "jonckheere.permuted_jt(np.array([0, 1, 2, 1, 0, 2, 1]), permutation_indices(7, 100, 3), np.array([3, 4]), 3)\n"
        "print(len(jonckheere._twice_j.signatures))\n"
    )
    import os

    environment = os.environ | {"PYTHONPATH": str(REPO / "src")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300,
                            env=environment)
    assert result.returncode == 0, result.stderr
    first, count = result.stdout.splitlines()
    assert "compiled" in first and count == "1"


def test_compiled_permuted_jt_rejects_codes_out_of_range():
    with pytest.raises(ValueError, match="codes must lie between 0 and width - 1"):
        stability.permuted_jt(np.array([0, 1, 5]), np.array([[0, 1, 2]], dtype=np.int32), np.array([1, 2]), 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_permutation_p_value_equals_jonckheere_terpstra(seed):
    """Same permutations, same J: the p-value is the tests stage's, bit for bit."""
    rng = np.random.default_rng(seed)
    groups = [rng.integers(0, 4, size).astype(float) + (rng.random(size) < 0.3) * 0.5 for size in (9, 12, 7, 10)]
    values = np.concatenate(groups)
    sizes = np.array([len(g) for g in groups])
    distinct, codes = np.unique(values, return_inverse=True)
    permuted = stability.permuted_jt(codes, stability.permutation_indices(len(values), 20000, 99), sizes, len(distinct))
    observed = inference.jt_from_codes(codes, sizes, len(distinct))[0]
    mean = (len(values) ** 2 - (sizes.astype(float) ** 2).sum()) / 4
    distance = abs(observed - mean) - 1e-9 * max(1.0, abs(observed))
    p_value = (1 + np.count_nonzero(np.abs(permuted - mean) >= distance)) / 20001
    assert p_value == inference.jonckheere_terpstra(groups, seed=99)["p_value"]


def test_mann_whitney_for_many_samples_equals_scipy():
    """Vectorised U, tie correction and p-value against inference.mann_whitney (scipy), including
    samples small and tie-free enough for the exact distribution."""
    rng = np.random.default_rng(5)
    size = 40
    plans = pd.DataFrame({"plan_id": [f"P{i}" for i in range(size)], "mobilisation_level": rng.integers(1, 5, size)})
    plans["mobilisation_group"] = np.where(plans["mobilisation_level"] <= 2, "1-2", "3-4")
    measure = np.round(rng.gamma(2.0, 1.0, size), 1)
    measure[3] = np.nan
    frame = stability.Frame(plans, np.ones(size, bool), plans["mobilisation_level"].to_numpy(),
                            plans["mobilisation_group"].to_numpy(), {}, {}, {}, {})
    measure_unique = measure + np.arange(size) * 1e-6  # no ties: the exact case applies to small groups
    for values, sample_size in ((measure, 14), (measure_unique, 14), (measure_unique, 9)):
        members = np.array([np.sort(rng.choice(size, sample_size, replace=False)) for _ in range(30)])
        out = stability.group_shift_outcomes(values, frame, members, {"higher_in": "3-4"})
        for r, row in enumerate(members):
            kept = ~np.isnan(values[row])
            x = values[row][kept & (frame.group[row] == "3-4")]
            y = values[row][kept & (frame.group[row] == "1-2")]
            if len(x) == 0 or len(y) == 0:
                assert not out.testable[r]
                continue
            reference = inference.mann_whitney(x, y)
            assert out.p_value[r] == pytest.approx(reference["p_two_sided"], rel=1e-12, abs=1e-15)
            assert out.direction[r] == np.sign(reference["rank_biserial"])


def test_fast_path_gives_the_tests_stage_numbers_on_the_actual_sample(analysed):
    """Every component's p-value and direction on the actual sample, through the stability
    stage's code, equals components.csv (the tests stage's output)."""
    inputs = stability.read_inputs(analysed / "validated", analysed / "sample", CODEBOOK, REGISTRY, settings())
    components = pd.read_csv(analysed / "tests" / "components.csv", keep_default_na=False, na_values=[""])
    members = inputs.sampled_positions[None, :]
    cache = stability.ExactCache()
    names = {1: "as expected", 0: "none", -1: "opposite"}
    for finding in inputs.registry.findings:
        for position, spec in enumerate(finding.components, start=1):
            outcome = stability.component_outcomes(spec, f"{finding.id}.{position}", inputs.frame, members,
                                                   inputs.record, STATISTICS_SEED, inputs.registry.alpha, cache, "redraw")
            row = components[(components["finding"] == finding.id) & (components["component"] == position)].iloc[0]
            assert names[int(outcome.direction[0])] == row["direction"], (finding.id, position)
            if not outcome.descriptive:
                assert outcome.p_value[0] == row["p_value"], (finding.id, position)


@pytest.mark.parametrize("size", [2, 6])
def test_the_frame_rarefies_as_the_diversity_stage_was_told(analysed, size, monkeypatch):
    """The per-plan measures of the alternative samples are computed at the configured rarefaction
    size (statistics.rarefaction_size), as the diversity stage computes the real sample's, not at
    the function's default. (The shipped registry's components use no rarefied measure; a
    registry that does would otherwise judge its redraws on other numbers than the real sample.)"""
    sizes = []

    def recording(sample, codebook, rarefaction_size=None):
        sizes.append(rarefaction_size)
        return per_plan_table(sample, codebook, rarefaction_size)

    monkeypatch.setattr(stability, "per_plan_table", recording)
    stability.read_inputs(analysed / "validated", analysed / "sample", CODEBOOK, REGISTRY, settings(rarefaction_size=size))
    assert sizes == [size]


def test_redraw_with_the_sampling_seed_is_the_actual_sample(analysed):
    inputs = stability.read_inputs(analysed / "validated", analysed / "sample", CODEBOOK, REGISTRY, settings())
    members = stability.redraw_members(inputs.frame, inputs.record, [SAMPLING["seed"]])
    assert members[0].tolist() == inputs.sampled_positions.tolist()
    other = stability.redraw_members(inputs.frame, inputs.record, [SAMPLING["seed"] + 1])[0]
    expected = draw_sample(inputs.frame.plans, 0.4, SAMPLING["seed"] + 1)["plan_id"].tolist()
    assert inputs.frame.plans["plan_id"].iloc[other].tolist() == expected


def test_bootstrap_resamples_only_sampled_plans_with_replacement():
    sampled = np.array([3, 8, 9, 20, 31])
    members = stability.bootstrap_members(sampled, [1, 2, 3, 4])
    assert members.shape == (4, 5)
    assert set(members.ravel()) <= set(sampled)
    assert any(len(set(row)) < len(row) for row in members)  # some plan drawn twice
    assert (stability.bootstrap_members(sampled, [1]) == members[:1]).all()


# --------------------------------------------------------------------------------------------
# The verdict rule and the chunks
# --------------------------------------------------------------------------------------------


def test_verdict_rule_order():
    testable = np.array([[True, True], [True, True], [True, True], [False, True], [True, True]])
    as_expected = np.array([[True, True], [True, False], [True, True], [False, True], [True, True]])
    passes = np.array([[True, True], [True, False], [True, False], [False, True], [False, False]])
    assert verdict_ids(testable, as_expected, passes).tolist() == [REPRODUCED, NOT_REPRODUCED, TREND, NOT_TESTABLE, TREND]


@pytest.mark.parametrize("redraws, chunks", [(1000, 4), (10, 3), (5, 5), (3, 4)])
def test_chunks_cover_every_redraw_once(redraws, chunks):
    numbers = [r for chunk in range(chunks) for r in stability.chunk_redraws(redraws, chunks, chunk)]
    assert numbers == list(range(1, redraws + 1))


def test_bad_settings_are_named():
    problems = stability.check_stability_config({"redraws": 0, "chunks": "two", "seed": -1, "method": "jackknife",
                                                 "rarefaction_size": 0})
    assert [p.column for p in problems] == ["stability.redraws", "stability.chunks", "stability.seed",
                                            "statistics.rarefaction_size", "stability.method"]
    assert all(p.file == "config/config.yaml" for p in problems)
    assert "jackknife" in str(problems[-1]) and "bootstrap" in str(problems[-1])


# --------------------------------------------------------------------------------------------
# The stage on the shipped data
# --------------------------------------------------------------------------------------------


def test_same_seed_same_results_other_seed_other_samples(analysed, tmp_path):
    first = fresh_copy(analysed, tmp_path / "a")
    second = fresh_copy(analysed, tmp_path / "b")
    third = fresh_copy(analysed, tmp_path / "c")
    run(first)
    run(second, chunks=3)  # another chunking: the same results
    run(third, seed=8)
    for name in ("stability.csv", "redraws.csv"):
        assert (first / "stability" / name).read_bytes() == (second / "stability" / name).read_bytes()
    one = pd.read_csv(first / "stability" / "redraws.csv")
    other = pd.read_csv(third / "stability" / "redraws.csv")
    assert not one["seed"].equals(other["seed"])
    assert not one["p_deciding"].equals(other["p_deciding"])


def test_stability_table_counts_the_verdicts_of_the_redraws(analysed, tmp_path):
    derived = fresh_copy(analysed, tmp_path)
    table = run(derived)
    redraws = pd.read_csv(derived / "stability" / "redraws.csv", keep_default_na=False)
    findings = pd.read_csv(derived / "findings" / "findings.csv", keep_default_na=False)
    assert table["finding"].tolist() == findings["id"].tolist()
    assert (table["method"] == "redraw").all() and table["assessed"].all()
    for row in table.itertuples():
        own = redraws[redraws["finding"] == row.finding]
        assert len(own) == 24
        assert row.reproduced == (own["verdict"] == REPRODUCED).sum()
        assert sum(getattr(row, verdict.replace(" ", "_")) for verdict in VERDICTS) == 24
        assert row.share_ci_low <= row.share_reproduced <= row.share_ci_high
        assert row.observed_verdict == findings.set_index("id").loc[row.finding, "verdict"]
    record = (derived / "stability" / "stability_record.json").read_text()
    assert '"method": "redraw"' in record and '"redraws": 24' in record


def test_bootstrap_when_only_the_sample_is_coded(tmp_path):
    """Codings only for the sampled plans (the usual real case): the stage bootstraps the sample,
    says so, and leaves M1 (the balance of the actual draw) unassessed."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    plans = pd.read_csv(raw / "plans.csv", dtype=str, keep_default_na=False)
    sampled = set(draw_sample(plans.astype({"region": int, "mobilisation_level": int}), 0.4, SAMPLING["seed"])["plan_id"])
    codings = pd.read_csv(raw / "codings.csv", dtype=str, keep_default_na=False)
    codings[codings["plan_id"].isin(sampled)].to_csv(raw / "codings.csv", index=False)
    logging.disable(logging.WARNING)
    try:
        run_analysis(raw / "codebook.yaml", raw / "datapackage.yaml", REGISTRY, tmp_path / "derived", SAMPLING,
                     STATISTICS_SEED)
    finally:
        logging.disable(logging.NOTSET)
    table = run(tmp_path / "derived").set_index("finding")
    assert (table["method"] == "bootstrap").all()
    assert not table.loc["M1", "assessed"] and "bootstrap" in table.loc["M1", "not_assessed_reason"]
    assert table.drop(index="M1")["assessed"].all()
    record = (tmp_path / "derived" / "stability" / "stability_record.json").read_text()
    assert "Only 56 of the 140 plans" in record
    with pytest.raises(InputError) as error:
        run(tmp_path / "derived", method="redraw")
    assert "stability.method" in str(error.value) and "84 plan(s) of the frame have no coding" in str(error.value)


def test_a_disagreement_with_the_findings_stage_stops_the_merge(analysed, tmp_path):
    derived = fresh_copy(analysed, tmp_path)
    findings = pd.read_csv(derived / "findings" / "findings.csv", keep_default_na=False)
    findings.loc[findings["id"] == "F03", "verdict"] = NOT_REPRODUCED
    findings.to_csv(derived / "findings" / "findings.csv", index=False)
    with pytest.raises(RuntimeError, match="F03: findings stage 'not reproduced', stability stage 'reproduced'"):
        run(derived)
    assert not (derived / "stability" / "stability.csv").exists()
