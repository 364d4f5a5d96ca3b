"""Bad input to the sample stage, and its settings, at their edges: written for the mutants of
rlp_pipeline/sampling.py the sampling tests let through (benchmarks/mutation-results.md)."""

from __future__ import annotations

import json

import pytest

from rlp_pipeline import sampling
from rlp_pipeline.problems import InputError


def write_validated(folder, plan_rows, *, drop=(), provenance=None):
    """A validation stage's output folder: plans.csv (given rows, every column filled), a one-line
    codings.csv and provenance.json."""
    folder.mkdir(exist_ok=True)
    columns = [c for c in sampling.PLAN_COLUMNS if c not in drop]
    lines = [",".join(columns)] + [",".join(str(row.get(c, "1" if c in sampling.PLAN_INTEGER_COLUMNS else "x")) for c in columns)
                                   for row in plan_rows]
    (folder / "plans.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    coding = [str(i + 1 if c in sampling.CODING_INTEGER_COLUMNS else "x") for i, c in enumerate(sampling.CODING_COLUMNS)]
    (folder / "codings.csv").write_text(",".join(sampling.CODING_COLUMNS) + "\n" + ",".join(coding) + "\n", encoding="utf-8")
    (folder / "provenance.json").write_text(json.dumps({"simulated": False} if provenance is None else provenance), encoding="utf-8")
    return folder


def problems_of(folder):
    with pytest.raises(InputError) as caught:
        sampling.read_validated(folder)
    return caught.value.problems


def test_valid_tables_are_read_with_whole_number_columns(tmp_path):
    plans, codings, provenance = sampling.read_validated(write_validated(tmp_path / "v", [{"plan_id": "A"}, {"plan_id": "B"}]))
    assert all(plans[c].dtype == "int64" for c in sampling.PLAN_INTEGER_COLUMNS)
    assert list(plans["plan_id"]) == ["A", "B"] and provenance == {"simulated": False}


def test_a_value_that_is_not_a_whole_number_is_named_with_its_line(tmp_path):
    """Row 2 of plans.csv (line 3, after the header) has mobilisation level 2.5, row 3 « two »."""
    folder = write_validated(tmp_path / "v", [{"plan_id": "A"}, {"plan_id": "B", "mobilisation_level": "2.5"},
                                              {"plan_id": "C", "mobilisation_level": "two"}])
    found = [(p.line, p.column, p.value, p.expected) for p in problems_of(folder)]
    assert found == [(3, "mobilisation_level", "2.5", "a whole number"), (4, "mobilisation_level", "two", "a whole number")]


def test_a_missing_column_is_named_on_the_header_line(tmp_path):
    folder = write_validated(tmp_path / "v", [{"plan_id": "A"}], drop=("region",))
    found = [(p.line, p.column, p.expected) for p in problems_of(folder)]
    assert found == [(1, "region", "a column named 'region'")]


@pytest.mark.parametrize("provenance", [{"simulated": "yes"}, [{"simulated": True}], {}])
def test_a_provenance_without_a_true_or_false_simulated_flag_is_refused(tmp_path, provenance):
    folder = write_validated(tmp_path / "v", [{"plan_id": "A"}], provenance=provenance)
    assert [p.column for p in problems_of(folder)] == ["simulated"]


@pytest.mark.parametrize("seed, good", [(0, True), (20180517, True), (-1, False), (True, False), (1.0, False)])
def test_the_seed_is_a_whole_number_zero_or_more(seed, good):
    assert (sampling._seed_problems(seed) == []) is good


@pytest.mark.parametrize("resamples, good", [(1, True), (10000, True), (0, False), (True, False), (2.0, False)])
def test_the_balance_resamples_are_a_whole_number_one_or_more(resamples, good):
    assert (sampling._resamples_problems(resamples) == []) is good


def test_every_missing_sampling_setting_is_named():
    problems = sampling.check_sampling_config({}, ["region", "mobilisation_level"])
    assert [p.column for p in problems] == ["sampling.fraction", "sampling.seed", "sampling.balance_resamples"]
    assert sampling.check_sampling_config({"fraction": 0.4, "seed": 1, "balance_resamples": 10, "stratify_by": None},
                                          ["region"]) == []


def test_a_bad_seed_among_the_sampling_settings_is_named():
    problems = sampling.check_sampling_config({"fraction": 0.4, "seed": -3, "balance_resamples": 10}, ["region"])
    assert [(p.column, p.value) for p in problems] == [("sampling.seed", "-3")]


@pytest.mark.parametrize("population_size", [True, 0, -5, 4.0, "10"])
def test_the_sample_size_needs_a_frame_of_at_least_one_plan(population_size):
    with pytest.raises(ValueError, match="at least one plan"):
        sampling.sample_size(population_size, 0.5)


@pytest.mark.parametrize("sizes, n", [({"a": 3, "b": 2}, True), ({"a": 3, "b": 2}, 6), ({"a": 3, "b": 2}, -1),
                                      ({"a": 3, "b": 2}, 2.0), ({"a": -1, "b": 3}, 1), ({"a": 0}, 0)])
def test_a_proportional_allocation_refuses_a_bad_size_or_count(sizes, n):
    with pytest.raises(ValueError):
        sampling.allocate_proportional(sizes, n)


def test_a_proportional_allocation_by_hand():
    """n = 5 among sizes 6, 3, 1 (N = 10): quotas 3, 1.5, 0.5: floors 3, 1, 0, one plan left,
    equal remainders 0.5 go to the larger stratum first: 3, 2, 0."""
    assert sampling.allocate_proportional({"a": 6, "b": 3, "c": 1}, 5) == {"a": 3, "b": 2, "c": 0}
    assert sampling.allocate_proportional({"a": 6, "b": 3, "c": 1}, 0) == {"a": 0, "b": 0, "c": 0}
