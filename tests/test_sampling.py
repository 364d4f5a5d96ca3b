"""Tests of the sampling stage: sample size, reproducibility, randomness, allocation, balance."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.io.outputs import csv_bytes
from rlp_pipeline.problems import InputError
from rlp_pipeline.stages.sample import allocate_proportional, balance_table, balance_tests, draw_sample, pearson_chi_square, plan_keys, read_validated, run_sampling, sample_positions, sample_size

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "data" / "raw" / "codebook.yaml"
OUTPUT_FILES = {
    "sampled_plans.csv", "codings.csv", "sampled_without_codings.csv", "balance.csv",
    "balance_tests.csv", "sampling_record.json", "datapackage.json",
}


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


def make_frame(levels: list[int], regions: list[int] | None = None, prefix: str = "RLP-") -> pd.DataFrame:
    """A frame shaped like the validated plans.csv, one plan per level given."""
    count = len(levels)
    regions = regions if regions is not None else [1 + i % 17 for i in range(count)]
    return pd.DataFrame({
        "plan_id": [f"{prefix}{i:04d}" for i in range(1, count + 1)],
        "name": [f"Groupe {i}" if i % 3 else "" for i in range(1, count + 1)],
        "region": np.array(regions, dtype="int64"),
        "mobilisation_level": np.array(levels, dtype="int64"),
        "mobilisation_group": ["1-2" if level <= 2 else "3-4" for level in levels],
        "source_line": np.arange(2, count + 2, dtype="int64"),
    })


def balanced_frame(per_level: int) -> pd.DataFrame:
    levels = [1 + i % 4 for i in range(4 * per_level)]
    return make_frame(levels)


# ---------------------------------------------------------------------------------- sample size


@pytest.mark.parametrize(
    ("population", "fraction", "expected"),
    [
        (140, 0.4, 56),   # exactly 56: no floating-point 55.99999
        (5, 0.5, 3),      # 2.5 -> 3 (half up)
        (7, 0.4, 3),      # 2.8 -> 3
        (4, 0.375, 2),    # 1.5 -> 2 (half up)
        (10, 0.4, 4),
        (11, 0.4, 4),     # 4.4 -> 4
        (15, 0.3, 5),     # 4.5 -> 5 (0.3 is not exact in binary)
        (35, 0.1, 4),     # 3.5 -> 4 (0.1 * 35 = 3.5000000000000004 in binary, 3.5 exactly here)
        (1, 0.4, 1),      # at least 1
        (2, 0.01, 1),     # at least 1
        (9, 1, 9),        # at most N
        (9, 1.0, 9),
    ],
)
def test_sample_size_rounds_half_up_exactly(population, fraction, expected):
    assert sample_size(population, fraction) == expected


@given(population=st.integers(1, 5000), fraction=st.decimals("0.001", "1", places=3))
def test_sample_size_is_round_half_up_between_1_and_n(population, fraction):
    n = sample_size(population, float(fraction))
    assert 1 <= n <= population
    assert n == max(1, math.floor(fraction * population + Decimal("0.5")))


@pytest.mark.parametrize("fraction", [0, 0.0, -0.1, 1.01, 2, float("nan"), float("inf"), "0.4", None, True])
def test_bad_fraction_is_an_input_error_naming_key_and_value(fraction):
    with pytest.raises(InputError) as caught:
        draw_sample(make_frame([1, 2, 3, 4]), fraction, 1)
    message = str(caught.value)
    assert "sampling.fraction" in message
    assert repr(str(fraction)) in message
    assert "config/config.yaml" in message
    assert caught.value.stage == "sampling"


@pytest.mark.parametrize("stratify_by", ["name", "plan_id", "levels", 3])
def test_bad_stratify_by_is_an_input_error_listing_allowed_columns(stratify_by):
    with pytest.raises(InputError) as caught:
        draw_sample(make_frame([1, 2, 3, 4]), 0.5, 1, stratify_by=stratify_by)
    message = str(caught.value)
    assert "sampling.stratify_by" in message and repr(str(stratify_by)) in message
    for allowed in ("mobilisation_level", "mobilisation_group", "region"):
        assert allowed in message


def test_stratify_by_a_column_missing_from_the_frame_is_an_input_error():
    frame = make_frame([1, 2, 3, 4]).drop(columns="mobilisation_group")
    with pytest.raises(InputError, match="sampling.stratify_by"):
        draw_sample(frame, 0.5, 1, stratify_by="mobilisation_group")


# ------------------------------------------------------------------------------ the draw itself


def test_keys_are_sha256_of_seed_and_id_big_endian():
    expected = int(hashlib.sha256(b"42:RLP-001").hexdigest(), 16)
    assert plan_keys(["RLP-001"], 42) == [expected]
    assert plan_keys(["NA"], 7) == [int.from_bytes(hashlib.sha256(b"7:NA").digest(), "big")]


def test_sample_is_the_n_smallest_keys_in_frame_order_with_ranks():
    frame = make_frame([1 + i % 4 for i in range(30)])
    sample = draw_sample(frame, 0.4, 123)
    keys = dict(zip(frame["plan_id"], plan_keys(frame["plan_id"], 123)))
    by_key = sorted(frame["plan_id"], key=keys.get)[:12]
    assert len(sample) == 12
    assert set(sample["plan_id"]) == set(by_key)
    assert sample["plan_id"].tolist() == [p for p in frame["plan_id"] if p in set(by_key)]  # frame order
    assert dict(zip(sample["plan_id"], sample["sampling_rank"])) == {p: r for r, p in enumerate(by_key, 1)}
    assert list(sample.columns) == list(frame.columns) + ["sampling_rank"]
    assert len(frame.columns) == 6  # the frame is not modified


def test_same_seed_gives_byte_identical_sample_and_another_seed_another_sample():
    frame = make_frame([1 + i % 4 for i in range(140)])
    first = csv_bytes(draw_sample(frame, 0.4, 20180517))
    second = csv_bytes(draw_sample(frame.copy(), 0.4, 20180517))
    assert first == second
    other = draw_sample(frame, 0.4, 20180518)
    assert set(other["plan_id"]) != set(draw_sample(frame, 0.4, 20180517)["plan_id"])


@settings(max_examples=30, deadline=None)
@given(permutation_seed=st.integers(0, 2**32 - 1), stratify_by=st.sampled_from([None, "mobilisation_level", "region"]))
def test_sample_does_not_depend_on_row_order(permutation_seed, stratify_by):
    frame = make_frame([1 + (i * 7) % 4 for i in range(47)])
    shuffled = frame.sample(frac=1, random_state=np.random.RandomState(permutation_seed % 2**32))
    original = draw_sample(frame, 0.4, 99, stratify_by)
    reordered = draw_sample(shuffled, 0.4, 99, stratify_by)
    assert dict(zip(original["plan_id"], original["sampling_rank"])) == dict(
        zip(reordered["plan_id"], reordered["sampling_rank"])
    )


def test_plan_id_na_stays_a_string():
    frame = make_frame([1, 2, 3, 4])
    frame.loc[0, "plan_id"] = "NA"
    sample = draw_sample(frame, 1, 5)
    assert "NA" in sample["plan_id"].tolist()


def test_inclusion_is_uniform_across_seeds():
    """N = 10, n = 4, 2000 seeds: each plan is in 40% of the samples, each pair in 4·3/(10·9)."""
    frame = make_frame([1 + i % 4 for i in range(10)])
    draws = 2000
    inclusion = np.zeros((draws, 10), dtype=bool)
    ids = frame["plan_id"].tolist()
    for seed in range(draws):
        chosen = set(draw_sample(frame, 0.4, seed)["plan_id"])
        inclusion[seed] = [plan_id in chosen for plan_id in ids]
    assert (inclusion.sum(axis=1) == 4).all()
    p = 4 / 10
    se = math.sqrt(p * (1 - p) / draws)
    assert np.abs(inclusion.mean(axis=0) - p).max() < 4 * se
    # Second-order inclusion: every pair equally likely, as in a simple random sample.
    p2 = 4 * 3 / (10 * 9)
    se2 = math.sqrt(p2 * (1 - p2) / draws)
    for a, b in itertools.combinations(range(10), 2):
        assert abs((inclusion[:, a] & inclusion[:, b]).mean() - p2) < 4.5 * se2


# ---------------------------------------------------------------------------------- allocation


def test_hamilton_allocation_by_hand():
    # N = 20, n = 8: quotas 4.0, 2.8, 1.2 -> floors 4, 2, 1 (7), one left over -> largest remainder (.8).
    assert allocate_proportional({1: 10, 2: 7, 3: 3}, 8) == {1: 4, 2: 3, 3: 1}
    # N = 12, n = 5: quotas 5/12*{3,3,3,3} = 1.25 each -> floors 1 x 4, one left, all tied in
    # remainder and size -> first stratum value.
    assert allocate_proportional({"b": 3, "a": 3, "d": 3, "c": 3}, 5) == {"a": 2, "b": 1, "c": 1, "d": 1}
    # N = 10, n = 5: quotas 2.5, 1.5, 0.5, 0.5 -> floors 2, 1, 0, 0 (3), two left over, all
    # remainders .5 -> larger stratum first: 5 then 3.
    assert allocate_proportional({4: 1, 3: 1, 2: 3, 1: 5}, 5) == {1: 3, 2: 2, 3: 0, 4: 0}


def test_stratified_sample_follows_hamilton_allocation():
    levels = [1] * 10 + [2] * 7 + [3] * 3  # N = 20, f = 0.4 -> n = 8 -> {1: 4, 2: 3, 3: 1}
    frame = make_frame(levels)
    sample = draw_sample(frame, 0.4, 2024, stratify_by="mobilisation_level")
    assert len(sample) == 8
    assert sample["mobilisation_level"].value_counts().to_dict() == {1: 4, 2: 3, 3: 1}
    assert sorted(sample["sampling_rank"]) == list(range(1, 9))
    # Within each stratum: the smallest keys of that stratum.
    keys = dict(zip(frame["plan_id"], plan_keys(frame["plan_id"], 2024)))
    for level, size in {1: 4, 2: 3, 3: 1}.items():
        stratum = frame.loc[frame["mobilisation_level"] == level, "plan_id"]
        smallest = sorted(stratum, key=keys.get)[:size]
        assert set(sample.loc[sample["mobilisation_level"] == level, "plan_id"]) == set(smallest)


@given(sizes=st.lists(st.integers(0, 60), min_size=1, max_size=17).filter(lambda s: sum(s) > 0),
       fraction=st.decimals("0.01", "1", places=2))
def test_allocation_sums_to_n_and_stays_within_quota(sizes, fraction):
    strata = {index + 1: size for index, size in enumerate(sizes)}
    total = sum(sizes)
    n = sample_size(total, float(fraction))
    allocation = allocate_proportional(strata, n)
    assert sum(allocation.values()) == n
    for stratum, size in strata.items():
        quota = n * size / total
        assert math.floor(quota) <= allocation[stratum] <= math.ceil(quota) <= size


# -------------------------------------------------------------------------------------- balance


def test_balance_table_counts_and_labels(codebook):
    frame = make_frame([1, 1, 2, 2, 3, 3, 4, 4, 4, 4], regions=[6] * 5 + [3] * 5)
    sampled = ["RLP-0007", "RLP-0008", "RLP-0001", "RLP-0003"]
    table = balance_table(frame, sampled, codebook)
    assert list(table.columns) == [
        "variable", "category", "label_fr", "label_en", "population_n", "population_pct", "sample_n",
        "sample_pct", "not_sampled_n", "not_sampled_pct", "difference_pct_points",
    ]
    levels = table[table["variable"] == "mobilisation_level"].set_index("category")
    assert levels.index.tolist() == [1, 2, 3, 4]
    assert levels.loc[4, "label_fr"] == "Collaboration" and levels.loc[1, "label_en"] == "Networking"
    assert levels["population_n"].tolist() == [2, 2, 2, 4]
    assert levels["sample_n"].tolist() == [1, 1, 0, 2]
    assert levels["not_sampled_n"].tolist() == [1, 1, 2, 2]
    assert levels.loc[4, "sample_pct"] == pytest.approx(50.0)
    assert levels.loc[4, "population_pct"] == pytest.approx(40.0)
    assert levels.loc[4, "difference_pct_points"] == pytest.approx(10.0)
    regions = table[table["variable"] == "region"]
    assert regions["category"].tolist() == [3, 6]  # present in the frame, codebook order
    assert regions.set_index("category").loc[6, "label_fr"] == "Montréal"


def test_chi_square_statistic_matches_scipy_on_a_hand_made_table():
    # Sampled / not sampled by level: sampled (3, 5, 2, 6), not sampled (9, 4, 8, 3).
    sampled_row, rest_row = [3, 5, 2, 6], [9, 4, 8, 3]
    levels, chosen = [], []
    for level, (s, r) in enumerate(zip(sampled_row, rest_row), start=1):
        levels += [level] * (s + r)
        chosen += [True] * s + [False] * r
    frame = make_frame(levels)
    sampled = frame.loc[chosen, "plan_id"].tolist()
    tests = balance_tests(frame, sampled, resamples=200, seed=1).set_index("variable")
    reference = scipy.stats.chi2_contingency(np.array([sampled_row, rest_row]), correction=False)
    assert tests.loc["mobilisation_level", "statistic"] == pytest.approx(reference.statistic, rel=1e-12)
    assert tests.loc["mobilisation_level", "df"] == reference.dof == 3
    assert tests.loc["mobilisation_level", "p_value_asymptotic"] == pytest.approx(reference.pvalue, rel=1e-10)
    expected = reference.expected_freq
    cochran = bool((expected >= 1).all() and (expected >= 5).mean() >= 0.8)
    assert bool(tests.loc["mobilisation_level", "cochran_rule_holds"]) == cochran
    assert pearson_chi_square(np.array(sampled_row), np.array(sampled_row) + np.array(rest_row)) == pytest.approx(
        reference.statistic
    )


def test_balance_of_a_drawn_sample_is_not_rejected():
    frame = make_frame([1 + (i * 5) % 4 for i in range(140)])
    sample = draw_sample(frame, 0.4, 20180517)
    tests = balance_tests(frame, sample["plan_id"], resamples=2000, seed=20180517)
    assert (tests["primary_p_value"] > 0.01).all()
    assert (tests["primary_p_value"] == tests["p_value_monte_carlo"]).all()
    assert set(tests["variable"]) == {"mobilisation_level", "region"}


def test_a_biased_sample_is_detected():
    frame = make_frame([1 + i % 4 for i in range(80)])  # 20 plans per level
    biased = frame.loc[frame["mobilisation_level"] == 4, "plan_id"]
    tests = balance_tests(frame, biased, resamples=999, seed=3).set_index("variable")
    assert tests.loc["mobilisation_level", "p_value_monte_carlo"] < 0.01
    assert tests.loc["mobilisation_level", "primary_p_value"] < 0.01


def test_monte_carlo_p_agrees_with_asymptotic_p_on_a_large_frame():
    frame = balanced_frame(per_level=500)  # N = 2000, expected counts in the hundreds
    sample = draw_sample(frame, 0.4, 11)
    tests = balance_tests(frame, sample["plan_id"], resamples=10000, seed=11)
    level = tests.set_index("variable").loc["mobilisation_level"]
    assert level["cochran_rule_holds"]
    assert abs(level["p_value_monte_carlo"] - level["p_value_asymptotic"]) < 4 * level["monte_carlo_se"]
    assert level["monte_carlo_se"] == pytest.approx(
        math.sqrt(level["p_value_monte_carlo"] * (1 - level["p_value_monte_carlo"]) / 10000)
    )


def test_monte_carlo_is_reproducible_and_stratified_variable_is_marked():
    frame = make_frame([1 + i % 4 for i in range(60)])
    sample = draw_sample(frame, 0.4, 8, stratify_by="mobilisation_level")
    once = balance_tests(frame, sample["plan_id"], 500, 8, stratify_by="mobilisation_level")
    again = balance_tests(frame, sample["plan_id"], 500, 8, stratify_by="mobilisation_level")
    pd.testing.assert_frame_equal(once, again)
    rows = once.set_index("variable")
    assert rows.loc["mobilisation_level", "balanced_by_design"]
    assert "Balanced by design" in rows.loc["mobilisation_level", "method"]
    assert rows.loc["mobilisation_level", "statistic"] == pytest.approx(0.0)  # 6 per level exactly
    assert not rows.loc["region", "balanced_by_design"]


def test_whole_frame_sample_has_nothing_to_test():
    frame = make_frame([1, 2, 3, 4])
    tests = balance_tests(frame, frame["plan_id"], 100, 1)
    assert (tests["primary_p_value"] == 1.0).all()
    assert tests["method"].str.contains("whole frame").all()


# ------------------------------------------------------------------------------------ the stage


def write_validated(folder: Path, frame: pd.DataFrame, codings: pd.DataFrame, simulated: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plans.csv").write_bytes(csv_bytes(frame))
    (folder / "codings.csv").write_bytes(csv_bytes(codings))
    (folder / "provenance.json").write_text(json.dumps({"simulated": simulated}), encoding="utf-8")


def make_codings(plan_ids: list[str]) -> pd.DataFrame:
    rows = []
    for plan_id in plan_ids:
        for object_, strategy in (("activities", "resources"), ("relations", "appropriation")):
            rows.append({
                "coding_id": len(rows) + 1, "plan_id": plan_id, "object": object_, "strategy": strategy,
                "substrategy": "", "status": "applied", "excerpt": "« extrait »", "coder": "AB",
                "source_line": len(rows) + 2,
            })
    return pd.DataFrame(rows)


@pytest.fixture
def stage_input(tmp_path):
    frame = make_frame([1 + i % 4 for i in range(40)])
    frame.loc[4, "plan_id"] = "NA"  # a plan id pandas would otherwise read as missing
    uncoded = set(frame["plan_id"][::5])  # every fifth plan has no coding
    codings = make_codings([p for p in frame["plan_id"] if p not in uncoded])
    write_validated(tmp_path / "validated", frame, codings)
    return tmp_path, frame, codings, uncoded


CONFIG = {"fraction": 0.4, "seed": 20180517, "stratify_by": None, "balance_resamples": 500}


def test_read_validated_keeps_ids_as_text_and_converts_integers(stage_input):
    tmp_path, frame, codings, _ = stage_input
    plans, read_codings, provenance = read_validated(tmp_path / "validated")
    assert plans["plan_id"].tolist() == frame["plan_id"].tolist()
    assert "NA" in plans["plan_id"].tolist()
    assert plans["name"].tolist() == frame["name"].tolist()  # empty names stay empty
    for column in ("region", "mobilisation_level", "source_line"):
        assert plans[column].dtype == "int64"
    assert read_codings["coding_id"].dtype == "int64"
    assert provenance == {"simulated": True}


def test_run_sampling_writes_the_listed_files(stage_input, codebook, caplog):
    tmp_path, frame, codings, uncoded = stage_input
    out = tmp_path / "sample"
    with caplog.at_level(logging.INFO, logger="rlp_pipeline.stages.sample"):
        run_sampling(tmp_path / "validated", out, CONFIG, codebook)
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES

    sampled = pd.read_csv(out / "sampled_plans.csv", dtype=str, keep_default_na=False)
    assert list(sampled.columns) == list(frame.columns) + ["sampling_rank"]
    assert len(sampled) == 16
    expected = draw_sample(frame, 0.4, 20180517)
    assert sampled["plan_id"].tolist() == expected["plan_id"].tolist()

    kept = pd.read_csv(out / "codings.csv", dtype=str, keep_default_na=False)
    assert list(kept.columns) == list(codings.columns)
    assert set(kept["plan_id"]) <= set(sampled["plan_id"])
    assert len(kept) == codings["plan_id"].isin(set(sampled["plan_id"])).sum()

    without = pd.read_csv(out / "sampled_without_codings.csv", dtype=str, keep_default_na=False)
    assert list(without.columns) == ["plan_id", "name", "region", "mobilisation_level"]
    missing = [p for p in sampled["plan_id"] if p in uncoded]
    assert missing, "the fixture should put at least one uncoded plan in the sample"
    assert without["plan_id"].tolist() == missing

    record = json.loads((out / "sampling_record.json").read_text(encoding="utf-8"))
    assert record["population_size"] == 40 and record["sample_size"] == 16
    assert record["seed"] == 20180517 and record["fraction"] == 0.4
    assert record["method"] == "simple random sample without replacement, smallest SHA-256 keys"
    assert record["stratify_by"] is None and record["allocation"] is None
    assert record["codings_in_sample"] == len(kept)
    assert record["codings_set_aside"] == len(codings) - len(kept)
    assert record["sampled_without_codings"] == len(missing)
    assert record["sampled_without_codings_ids"] == missing
    assert record["simulated"] is True and record["balance_resamples"] == 500
    assert set(record["versions"]) == {"python", "numpy", "pandas", "scipy"}
    assert record["sampled_plans_sha256"] == hashlib.sha256((out / "sampled_plans.csv").read_bytes()).hexdigest()
    assert "round half up" in record["rounding_rule"]

    balance = pd.read_csv(out / "balance.csv")
    assert set(balance["variable"]) == {"mobilisation_level", "region"}
    tests = pd.read_csv(out / "balance_tests.csv")
    assert len(tests) == 2

    messages = caplog.text
    assert "N = 40" in messages and "n = 16" in messages and "20180517" in messages
    assert any(r.levelno == logging.WARNING and missing[0] in r.getMessage() for r in caplog.records)


def test_run_sampling_is_byte_reproducible_and_seed_sensitive(stage_input, codebook):
    tmp_path, *_ = stage_input
    run_sampling(tmp_path / "validated", tmp_path / "a", CONFIG, codebook)
    run_sampling(tmp_path / "validated", tmp_path / "b", CONFIG, codebook)
    for name in OUTPUT_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    run_sampling(tmp_path / "validated", tmp_path / "c", {**CONFIG, "seed": 1}, codebook)
    assert (tmp_path / "a" / "sampled_plans.csv").read_bytes() != (tmp_path / "c" / "sampled_plans.csv").read_bytes()


def test_run_sampling_stratified_records_allocation(stage_input, codebook):
    tmp_path, *_ = stage_input
    config = {**CONFIG, "stratify_by": "mobilisation_group"}
    run_sampling(tmp_path / "validated", tmp_path / "s", config, codebook)
    record = json.loads((tmp_path / "s" / "sampling_record.json").read_text(encoding="utf-8"))
    assert record["stratify_by"] == "mobilisation_group"
    assert "stratified" in record["method"]
    assert record["allocation"] == [
        {"stratum": "1-2", "population_n": 20, "sample_n": 8},
        {"stratum": "3-4", "population_n": 20, "sample_n": 8},
    ]


def test_run_sampling_header_only_when_every_sampled_plan_is_coded(tmp_path, codebook):
    frame = make_frame([1 + i % 4 for i in range(12)])
    write_validated(tmp_path / "validated", frame, make_codings(frame["plan_id"].tolist()), simulated=False)
    run_sampling(tmp_path / "validated", tmp_path / "out", CONFIG, codebook)
    assert (tmp_path / "out" / "sampled_without_codings.csv").read_text(encoding="utf-8") == (
        "plan_id,name,region,mobilisation_level\n"
    )
    record = json.loads((tmp_path / "out" / "sampling_record.json").read_text(encoding="utf-8"))
    assert record["simulated"] is False and record["codings_set_aside"] == 2 * (12 - 5)


def test_run_sampling_reports_every_bad_setting_and_writes_nothing(stage_input, codebook):
    tmp_path, *_ = stage_input
    bad = {"fraction": 1.5, "seed": 20180517, "stratify_by": "name", "balance_resamples": 0}
    with pytest.raises(InputError) as caught:
        run_sampling(tmp_path / "validated", tmp_path / "out", bad, codebook)
    message = str(caught.value)
    assert "sampling.fraction" in message and "'1.5'" in message
    assert "sampling.stratify_by" in message and "'name'" in message
    assert "sampling.balance_resamples" in message
    assert len(caught.value.problems) == 3
    assert not (tmp_path / "out").exists()


def test_read_validated_reports_missing_files(tmp_path):
    (tmp_path / "validated").mkdir()
    with pytest.raises(InputError) as caught:
        read_validated(tmp_path / "validated")
    assert len(caught.value.problems) == 3


@settings(max_examples=60, deadline=None)
@given(st.integers(10, 60), st.sampled_from([0.1, 0.4, 0.5, 1]), st.integers(0, 10**6), st.booleans(),
       st.randoms(use_true_random=False))
def test_sample_positions_is_the_draw_of_draw_sample(size, fraction, seed, stratified, random):
    """The stability stage draws its alternative samples with sample_positions: the same plans,
    in the same rank order, as draw_sample on the same frame."""
    plans = pd.DataFrame({"plan_id": [f"P{i:03d}" for i in random.sample(range(1000), size)],
                          "mobilisation_level": [random.choice([1, 2, 3, 4]) for _ in range(size)]})
    sample = draw_sample(plans, fraction, seed, "mobilisation_level" if stratified else None)
    strata = plans["mobilisation_level"].tolist() if stratified else None
    positions = sample_positions(plans["plan_id"].tolist(), fraction, seed, strata)
    assert plans["plan_id"].iloc[positions].tolist() == sample.sort_values("sampling_rank")["plan_id"].tolist()
