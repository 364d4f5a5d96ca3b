"""Tests written for the mutants of rlp_pipeline/stages/diversity.py the diversity tests let through
(benchmarks/mutation-results.md lists them, and the equivalent ones)."""

from __future__ import annotations

import inspect
from pathlib import Path

import yaml

from rlp_pipeline.stages import diversity
from rlp_pipeline.stats import DEFAULT_RAREFACTION_SIZE

REPO = Path(__file__).resolve().parents[1]


def test_the_per_plan_columns_say_which_status_each_complexity_column_counts():
    """The data package's descriptions of the per-status columns: 'applied' columns describe
    strategies already applied, 'intended' ones strategies only intended (never the other way)."""
    for prefix in ("n_strategies", "mean_complexity", "max_complexity"):
        assert "already applied" in diversity.PER_PLAN_COLUMNS[f"{prefix}_applied"]
        assert "only intended" not in diversity.PER_PLAN_COLUMNS[f"{prefix}_applied"]
        assert "only intended" in diversity.PER_PLAN_COLUMNS[f"{prefix}_intended"]
        assert "already applied" not in diversity.PER_PLAN_COLUMNS[f"{prefix}_intended"]


def test_the_default_rarefaction_size_is_the_configured_one():
    """The stability stage recomputes the per-plan table with per_plan_table's default rarefaction
    size: it must be the size config/config.yaml gives the diversity stage, or the rarefied Hill
    numbers of the alternative samples would not be those of the real sample."""
    configured = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))["statistics"]["rarefaction_size"]
    default = inspect.signature(diversity.per_plan_table).parameters["rarefaction_size"].default
    assert default == configured == DEFAULT_RAREFACTION_SIZE
