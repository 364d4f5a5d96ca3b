"""Per-plan indicators named in the findings registry (config/findings.yaml).

An indicator is 1 for a plan that has a property and 0 otherwise; the registry refers to them
by name, so that what each finding measures is written in the registry and computed here in one
place. Names:

- `object:ID`, `strategy:ID`, `substrategy:ID`: the plan codes that code at least once;
- `pair:OBJECT:STRATEGY`: the plan uses the strategy *for* the object (a coding with both);
- `only_objects:A+B`: the plan names at least one of these objects and no other object;
- `only_strategies:A+B`: the plan uses at least one of these strategies and no other strategy;
- `several_strategies`: the plan uses at least two distinct strategies (any status);
- `several_strategies_one_status`: at least two distinct strategies already applied, or at
  least two intended (finding F01's "they intend to use several, or already applied several").
"""

from __future__ import annotations

import pandas as pd

from .codebook import Codebook
from .plan_tables import AnalysedSample, pair_use, plan_use, variable_use

_SECTION_OF_PREFIX = {"object": "objects", "strategy": "strategies", "substrategy": "substrategies"}
_COLUMN_OF_SECTION = {"objects": "object", "strategies": "strategy", "substrategies": "substrategy"}


def indicator_problem(name: str, codebook: Codebook) -> str | None:
    """Why an indicator name is not valid for this codebook, or None when it is."""
    kind, _, rest = name.partition(":")
    if kind in _SECTION_OF_PREFIX:
        return None if rest in codebook.ids(_SECTION_OF_PREFIX[kind]) else f"'{rest}' is not in the codebook's {_SECTION_OF_PREFIX[kind]}"
    if kind == "pair":
        object_id, _, strategy_id = rest.partition(":")
        if object_id not in codebook.ids("objects") or strategy_id not in codebook.ids("strategies"):
            return f"'{rest}' is not OBJECT:STRATEGY with codebook ids"
        return None
    if kind in ("only_objects", "only_strategies"):
        section = "objects" if kind == "only_objects" else "strategies"
        unknown = [code for code in rest.split("+") if code not in codebook.ids(section)]
        return f"{unknown} not in the codebook's {section}" if unknown else None
    if name in ("several_strategies", "several_strategies_one_status"):
        return None
    return f"unknown indicator '{name}'"


class PlanIndicators:
    """Every indicator of one analysed sample, computed on demand from per-plan tables built
    once (use of each object, strategy, sub-strategy and pair, and of strategies by status)."""

    def __init__(self, sample: AnalysedSample, codebook: Codebook):
        self.codebook = codebook
        ids = sample.plan_ids
        self.use = {section: variable_use(sample, codebook, section) for section in _COLUMN_OF_SECTION}
        self.pairs = pair_use(sample.codings, ids, codebook)
        self.strategies_by_status = [
            plan_use(sample.codings[sample.codings["status"] == status], ids, "strategy", codebook.ids("strategies"))
            for status in codebook.ids("statuses")
        ]

    def __call__(self, name: str) -> pd.Series:
        """The 0/1 indicator `name` for every analysed plan (index: plan_id, in sample order)."""
        problem = indicator_problem(name, self.codebook)
        if problem:
            raise ValueError(problem)
        kind, _, rest = name.partition(":")
        if kind in _SECTION_OF_PREFIX:
            return self.use[_SECTION_OF_PREFIX[kind]][rest].rename(name)
        if kind == "pair":
            object_id, _, strategy_id = rest.partition(":")
            return self.pairs[(object_id, strategy_id)].rename(name)
        if kind in ("only_objects", "only_strategies"):
            use = self.use["objects" if kind == "only_objects" else "strategies"]
            chosen = rest.split("+")
            others = [code for code in use.columns if code not in chosen]
            return ((use[chosen].sum(axis=1) > 0) & (use[others].sum(axis=1) == 0)).astype("int64").rename(name)
        if name == "several_strategies":
            return (self.use["strategies"].sum(axis=1) >= 2).astype("int64").rename(name)
        several = pd.concat([use.sum(axis=1) >= 2 for use in self.strategies_by_status], axis=1).any(axis=1)
        return several.astype("int64").rename(name)


def compute_indicator(name: str, sample: AnalysedSample, codebook: Codebook) -> pd.Series:
    """The 0/1 indicator `name` for every analysed plan (see :class:`PlanIndicators`)."""
    return PlanIndicators(sample, codebook)(name)
