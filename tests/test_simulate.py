"""Tests of the simulator of the default data (rlp_pipeline.simulate, config/simulation.yaml)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.simulate import (
    load_simulation_parameters,
    simulate_population,
    write_simulated_tables,
)

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "config" / "simulation.yaml"
CODEBOOK = ROOT / "data" / "raw" / "codebook.yaml"
RAW = ROOT / "data" / "raw"

PLAN_COLUMNS = ["plan_id", "name", "region", "mobilisation_level"]
CODING_COLUMNS = ["plan_id", "object", "strategy", "substrategy", "status", "excerpt", "coder"]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def parameters():
    return load_simulation_parameters(PARAMETERS)


@pytest.fixture(scope="module")
def population(parameters, codebook):
    return simulate_population(parameters, codebook)


@pytest.fixture(scope="module")
def large(parameters, codebook):
    """A large population from the same parameters: tests the probabilities, not one sample."""
    plans, codings = simulate_population(dict(parameters, n_plans=5000), codebook)
    group = plans.set_index("plan_id")["mobilisation_level"].map(codebook.group_of_level)
    return plans, codings, group


def test_committed_tables_are_what_the_generator_writes(tmp_path):
    """THE reproducibility test: data/raw/*.csv are byte-identical to a fresh simulation."""
    write_simulated_tables(PARAMETERS, CODEBOOK, tmp_path)
    for name in ("plans.csv", "codings.csv"):
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), (
            f"data/raw/{name} differs from what config/simulation.yaml generates; "
            "regenerate it with `python -m rlp_pipeline simulate`"
        )


def test_same_seed_same_frames_other_seed_other_frames(parameters, codebook, population):
    plans, codings = population
    again_plans, again_codings = simulate_population(dict(parameters), codebook)
    pd.testing.assert_frame_equal(plans, again_plans)
    pd.testing.assert_frame_equal(codings, again_codings)
    other_plans, other_codings = simulate_population(dict(parameters, seed=parameters["seed"] + 1), codebook)
    assert not plans.equals(other_plans)
    assert not codings.equals(other_codings)


def test_columns_and_shapes(parameters, population):
    plans, codings = population
    assert list(plans.columns) == PLAN_COLUMNS
    assert list(codings.columns) == CODING_COLUMNS
    assert len(plans) == parameters["n_plans"] == 140
    assert plans["plan_id"].tolist() == [f"RLP-{i:03d}" for i in range(1, 141)]
    assert plans["name"].str.contains("simulé").all()
    assert plans["region"].between(1, 17).all() and plans["mobilisation_level"].between(1, 4).all()
    # Rows are grouped by plan, in plan order.
    order = codings["plan_id"].map({p: i for i, p in enumerate(plans["plan_id"])})
    assert order.is_monotonic_increasing
    assert 8 <= len(codings) / len(plans) <= 20


def test_every_code_is_a_codebook_id_and_substrategies_fit_their_strategy(population, codebook, parameters):
    plans, codings = population
    assert set(plans["region"]) <= set(codebook.ids("regions"))
    assert set(plans["mobilisation_level"]) <= set(codebook.ids("mobilisation_levels"))
    assert set(codings["object"]) <= set(codebook.ids("objects"))
    assert set(codings["strategy"]) <= set(codebook.ids("strategies"))
    assert set(codings["status"]) <= set(codebook.ids("statuses"))
    assert set(codings["coder"]) <= set(parameters["coders"])
    assert set(codings["plan_id"]) <= set(plans["plan_id"])
    refined = codings[codings["substrategy"] != ""]
    assert 0 < len(refined) < len(codings)  # the optional column is exercised
    assert set(refined["substrategy"]) <= set(codebook.ids("substrategies"))
    parents = refined["substrategy"].map(codebook.parent)
    assert (parents == refined["strategy"]).all()
    excerpts = codings.loc[codings["excerpt"] != "", "excerpt"]
    assert len(excerpts) > 0 and excerpts.str.startswith("Extrait simulé").all()


def test_every_plan_has_a_coding(population):
    plans, codings = population
    assert set(plans["plan_id"]) == set(codings["plan_id"])


def test_parameters_naming_an_unknown_id_or_missing_a_key_are_refused(parameters, codebook, tmp_path):
    broken = dict(parameters, object_probabilities={**parameters["object_probabilities"],
                                                    "1-2": {"activities": 0.5, "relationships": 0.5,
                                                            "structures": 0.5}})
    with pytest.raises(ValueError, match="object_probabilities.1-2"):
        simulate_population(broken, codebook)
    path = tmp_path / "simulation.yaml"
    path.write_text(PARAMETERS.read_text(encoding="utf-8").replace("mean_extra_codings:", "mean_extras:"),
                    encoding="utf-8")
    with pytest.raises(ValueError, match="mean_extra_codings"):
        load_simulation_parameters(path)


def _per_plan_use(codings: pd.DataFrame, column: str, group: pd.Series) -> pd.DataFrame:
    """Per plan (all plans, even those without the code): 1 if the plan uses the code, else 0."""
    used = codings[codings[column] != ""].assign(used=1).pivot_table(
        index="plan_id", columns=column, values="used", aggfunc="max", fill_value=0)
    return used.reindex(group.index, fill_value=0)


def test_probabilities_make_the_findings_hold_in_a_large_population(large, codebook):
    """In 5,000 plans from the same parameters, every effect the findings need is clear."""
    plans, codings, group = large
    low, high = group == "1-2", group == "3-4"
    objects = _per_plan_use(codings, "object", group)
    strategies = _per_plan_use(codings, "strategy", group)
    substrategies = _per_plan_use(codings, "substrategy", group)

    # F05: activities and relations named more often than structures.
    share = objects.mean()
    assert share["activities"] > share["structures"] + 0.3 and share["relations"] > share["structures"] + 0.2
    # F13: levels 3-4 name more objects and use more strategies than levels 1-2.
    assert objects.sum(axis=1)[high].mean() > objects.sum(axis=1)[low].mean() + 0.3
    assert strategies.sum(axis=1)[high].mean() > strategies.sum(axis=1)[low].mean() + 0.5
    # F15-F17: relations, appropriation, norm change and policy change more frequent in 3-4.
    for table, code in ((objects, "relations"), (strategies, "appropriation"),
                        (strategies, "policy_change"), (substrategies, "appr_norms")):
        assert table.loc[high, code].mean() > table.loc[low, code].mean() + 0.2, code
    # F14: levels 1-2 centre on activities and on institutionalisation / resources.
    assert objects.loc[low, "activities"].mean() > objects.loc[high, "activities"].mean()
    low_strategies = strategies[low].mean()
    assert set(low_strategies.nlargest(2).index) == {"institutionalisation", "resources"}

    # F06-F08: the two most used strategies per object (per plan and object).
    pairs = codings.drop_duplicates(["plan_id", "object", "strategy"])
    table = pd.crosstab(pairs["object"], pairs["strategy"])
    assert set(table.loc["activities"].nlargest(2).index) == {"institutionalisation", "resources"}
    assert set(table.loc["relations"].nlargest(2).index) == {"institutionalisation", "appropriation"}
    assert table.loc["structures"].idxmax() == "policy_change"

    # F11: most policy changes target institutions.
    policy = codings.loc[codings["strategy"] == "policy_change", "substrategy"]
    assert (policy == "policy_institutions").sum() > 1.5 * (policy == "policy_rlp").sum()
    # F04: applied codings use simpler strategies than intended ones (complexity rank).
    rank = codings["strategy"].map(codebook.complexity_rank)
    assert rank[codings["status"] == "applied"].mean() < rank[codings["status"] == "intended"].mean() - 0.3
    # F01-F02: most plans use two strategies or more.
    assert (strategies.sum(axis=1) >= 2).mean() > 0.6
