"""The simulated default data: a fictional population of coded RLP action plans.

No real coded plans are public, so the tables shipped in ``data/raw`` (``plans.csv`` and
``codings.csv``) are drawn by this module from the parameters in ``config/simulation.yaml``.
The generator only sets *probabilities*: how likely a plan at a given mobilisation level is to
name each object, to use each strategy for it, to pick each sub-strategy, to have the strategy
already applied. It never forces a count and never redraws a population because of what it
shows, so every finding of the report is decided by chance and by the pipeline's tests, exactly
as it would be with real data. The parameters make the findings hold in expectation only.

The model, per plan:

1. its mobilisation level and region are drawn from the level probabilities and the region
   weights; one coder is drawn for the plan;
2. each object is named independently with the probability of the plan's level group; the draw
   is *zero-truncated*: if no object is named, all of them are drawn again (a plan with nothing
   to sustain would have no coding at all, and every plan of the frame must be analysable
   whichever plans the random sample picks);
3. for each named object, each strategy is used independently with the (object, strategy)
   probability, its odds multiplied by the level group's multiplier for that strategy; again
   zero-truncated per object, so a named object always has at least one strategy (an object is
   only visible in the data through a coding);
4. each used (object, strategy) pair is coded ``1 + Poisson(mean_extra_codings)`` times; each
   coding gets a sub-strategy (or none), a status (applied with a probability that decreases
   with the strategy's complexity rank), and, sometimes, a fictional French excerpt.

Randomness: ONE ``numpy.random.Generator(PCG64(seed))`` is created from the seed and passed to
every function that draws; there is no global random state. Every draw is made from uniform
numbers (``Generator.random``) turned into categories, Bernoulli or Poisson outcomes by the
inverse of their cumulative distribution. The tables therefore depend only on the PCG64 bit
stream and its conversion to floats, which NumPy keeps stable, and not on the algorithms behind
``Generator.choice`` or ``Generator.poisson``, which NumPy's policy allows to change between
versions. Same seed and parameters, byte-identical tables.

**Double coding** (``double_coding`` in the parameters, see :func:`simulate_double_coding`): a
share of the plans is coded a second time, independently, by another of the coders. The primary
coding is the truth; the second coder copies each passage (same excerpt: the same span) and keeps
each code dimension with a set probability, otherwise replaces it by another code drawn
uniformly. These draws come from a *second* generator, ``Generator(PCG64(s))`` with s derived
from the seed and the label "double-coding" (:func:`rlp_pipeline.stages.tests.derived_seed`), and
the second coder's rows are appended after every primary row: the primary (analysed) coding is
exactly what it would be without double coding.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .codebook import Codebook, load_codebook
from .io.outputs import csv_bytes, write_outputs
from .io.yamlfile import load_yaml

PLAN_COLUMNS = ["plan_id", "name", "region", "mobilisation_level"]
CODING_COLUMNS = ["plan_id", "object", "strategy", "substrategy", "status", "excerpt", "coder"]

# Every key config/simulation.yaml must hold, with what it means (used in error messages).
REQUIRED_KEYS = {
    "seed": "the integer seed of the random generator",
    "n_plans": "the number of plans in the simulated population",
    "level_probabilities": "the probability of each mobilisation level",
    "region_weights": "the relative weight of each region",
    "object_probabilities": "per level group, the probability of naming each object",
    "strategy_probabilities": "per object, the probability of using each strategy",
    "strategy_odds_multipliers": "per level group, the odds multiplier of each strategy",
    "substrategy_probabilities": "per strategy and level group, the probability of each sub-strategy",
    "substrategy_missing_probability": "the probability that a coding has no sub-strategy",
    "applied_probability_by_complexity_rank": "per complexity rank, the probability of 'applied'",
    "mean_extra_codings": "the mean number of extra codings per used (object, strategy) pair",
    "excerpt_probability": "the probability that a coding has an excerpt",
    "coders": "the list of coder initials",
}
# The optional double_coding mapping (absent: no plan is double-coded).
DOUBLE_CODING_KEYS = {
    "share": "the share of the plans coded a second time by another coder",
    "keep": "per code dimension, the probability that the second coder keeps the primary coder's code",
}
DIMENSIONS = ("object", "strategy", "substrategy", "status")

# Pieces of the fictional excerpts. Strategy phrases start with a consonant so that both status
# phrases ("prévoit de", "a déjà commencé à") read correctly without elision.
EXCERPT_TEMPLATES = (
    "Extrait simulé : {status} {strategy} afin de pérenniser {object}.",
    "Extrait simulé : pour pérenniser {object}, {status} {strategy}.",
)
STATUS_PHRASES = {
    "applied": ("le regroupement a déjà commencé à", "les partenaires ont déjà convenu de"),
    "intended": ("le regroupement prévoit de", "les partenaires souhaitent"),
}
STRATEGY_PHRASES = {
    "resources": "mettre en commun des ressources",
    "institutionalisation": "faire entrer l'action dans les pratiques des partenaires",
    "appropriation": "faire porter le projet par la communauté",
    "policy_change": "modifier les règles et les politiques",
}
OBJECT_PHRASES = {
    "activities": "les activités offertes aux familles",
    "relations": "les collaborations entre partenaires",
    "structures": "le fonctionnement du regroupement",
}


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def load_simulation_parameters(path: Path | str) -> dict:
    """Read the simulation parameters (a YAML mapping) and check that every needed key is there.

    Only the presence of the keys and the type of ``seed`` and ``n_plans`` are checked here;
    :func:`simulate_population` checks the rest against the codebook. Raises ValueError with a
    plain message naming the first missing or wrong key.
    """
    path = Path(path)
    parameters = load_yaml(path, stage="simulation")  # the project's one safe YAML reader
    _check_keys(parameters, str(path))
    return parameters


def _check_keys(parameters: Any, source: str = "the simulation parameters") -> None:
    """Raise ValueError unless `parameters` is a mapping with every required key, well typed."""
    if not isinstance(parameters, dict):
        raise ValueError(f"{source}: expected a YAML mapping with the keys {', '.join(REQUIRED_KEYS)}.")
    for key, meaning in REQUIRED_KEYS.items():
        if key not in parameters:
            raise ValueError(f"{source}: the key '{key}' is missing ({meaning}).")
    for key, minimum in (("seed", 0), ("n_plans", 1)):
        value = parameters[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"{source}: the key '{key}' must be a whole number ≥ {minimum}, found {value!r}.")
    coders = parameters["coders"]
    if not isinstance(coders, list) or not coders or not all(isinstance(c, str) and c for c in coders):
        raise ValueError(f"{source}: the key 'coders' must be a non-empty list of initials.")


def _probability(value: Any, key: str) -> float:
    """`value` as a float in [0, 1], or ValueError naming `key`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"simulation parameters: '{key}' must be a probability between 0 and 1, found {value!r}.")
    return float(value)


def _table(mapping: Any, ids: list, key: str) -> dict:
    """The sub-mapping at `key`, checked to have exactly the codebook ids `ids` as keys."""
    if not isinstance(mapping, dict):
        raise ValueError(f"simulation parameters: '{key}' must be a mapping with the keys {ids}.")
    missing = [i for i in ids if i not in mapping]
    unknown = [k for k in mapping if k not in ids]
    if missing:
        raise ValueError(f"simulation parameters: '{key}' has no entry for {missing} (codebook ids: {ids}).")
    if unknown:
        raise ValueError(f"simulation parameters: '{key}' has entries {unknown} that are not codebook ids {ids}.")
    return mapping


def _distribution(mapping: Any, ids: list, key: str) -> np.ndarray:
    """Probabilities over `ids` (in codebook order) read from `key`; they must sum to 1."""
    table = _table(mapping, ids, key)
    values = np.array([_probability(table[i], f"{key}.{i}") for i in ids])
    if abs(values.sum() - 1) > 1e-6:
        raise ValueError(f"simulation parameters: the probabilities in '{key}' sum to {values.sum():g}, not 1.")
    return values


def _check_against_codebook(parameters: dict, codebook: Codebook) -> None:
    """Raise ValueError when a parameter names an unknown id, misses one, or is out of range.

    Also rules out parameters that would make a zero-truncated draw loop for ever (a group that
    can name no object, an object that can use no strategy).
    """
    _check_keys(parameters)
    groups = codebook.ids("mobilisation_groups")
    objects = codebook.ids("objects")
    strategies = codebook.ids("strategies")
    _distribution(parameters["level_probabilities"], codebook.ids("mobilisation_levels"), "level_probabilities")
    weights = _table(parameters["region_weights"], codebook.ids("regions"), "region_weights")
    for region, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise ValueError(f"simulation parameters: 'region_weights.{region}' must be a number > 0, found {weight!r}.")
    for group in _table(parameters["object_probabilities"], groups, "object_probabilities"):
        key = f"object_probabilities.{group}"
        row = _table(parameters["object_probabilities"][group], objects, key)
        if not any(_probability(row[o], f"{key}.{o}") > 0 for o in objects):
            raise ValueError(f"simulation parameters: '{key}' gives every object probability 0.")
    for obj in _table(parameters["strategy_probabilities"], objects, "strategy_probabilities"):
        key = f"strategy_probabilities.{obj}"
        row = _table(parameters["strategy_probabilities"][obj], strategies, key)
        if not any(_probability(row[s], f"{key}.{s}") > 0 for s in strategies):
            raise ValueError(f"simulation parameters: '{key}' gives every strategy probability 0.")
    for group in _table(parameters["strategy_odds_multipliers"], groups, "strategy_odds_multipliers"):
        key = f"strategy_odds_multipliers.{group}"
        row = _table(parameters["strategy_odds_multipliers"][group], strategies, key)
        for strategy, value in row.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"simulation parameters: '{key}.{strategy}' must be a number > 0, found {value!r}.")
    for strategy in _table(parameters["substrategy_probabilities"], strategies, "substrategy_probabilities"):
        key = f"substrategy_probabilities.{strategy}"
        for group in _table(parameters["substrategy_probabilities"][strategy], groups, key):
            _distribution(parameters["substrategy_probabilities"][strategy][group],
                          codebook.substrategies_of(strategy), f"{key}.{group}")
    ranks = sorted(codebook.complexity_rank(s) for s in strategies)
    applied = _table(parameters["applied_probability_by_complexity_rank"], ranks,
                     "applied_probability_by_complexity_rank")
    for rank in ranks:
        _probability(applied[rank], f"applied_probability_by_complexity_rank.{rank}")
    for key in ("substrategy_missing_probability", "excerpt_probability"):
        _probability(parameters[key], key)
    mean = parameters["mean_extra_codings"]
    if isinstance(mean, bool) or not isinstance(mean, (int, float)) or not 0 <= mean <= 50:
        raise ValueError(f"simulation parameters: 'mean_extra_codings' must be a number from 0 to 50, found {mean!r}.")
    double_coding_parameters(parameters)


# --------------------------------------------------------------------------------------------
# Drawing primitives: uniforms turned into outcomes by inverse cumulative distributions
# --------------------------------------------------------------------------------------------


def _categorical(probabilities: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices of the categories drawn by inverse CDF: one per uniform number in [0, 1).

    `probabilities` is one distribution (1-D, shared by every draw) or one per draw (2-D, one
    row per uniform). Weights need not sum exactly to 1: they are normalised.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    cumulative = np.cumsum(probabilities, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    if cumulative.ndim == 1:
        index = np.searchsorted(cumulative, uniforms, side="right")
    else:
        index = (uniforms[:, None] >= cumulative).sum(axis=1)
    return np.minimum(index, probabilities.shape[-1] - 1)


def _poisson(mean: float, uniforms: np.ndarray) -> np.ndarray:
    """Poisson(mean) counts drawn by inverse CDF, one per uniform number in [0, 1).

    The probabilities are built by the recurrence P(k) = P(k-1)·mean/k until the tail is
    negligible (below 1e-15), so the result does not depend on NumPy's Poisson algorithm.
    """
    if mean == 0:
        return np.zeros(len(uniforms), dtype=int)
    masses = [math.exp(-mean)]
    while 1 - sum(masses) > 1e-15 and len(masses) < 1000:
        masses.append(masses[-1] * mean / len(masses))
    return _categorical(np.array(masses), uniforms)


def _odds_adjusted(probability: float, multiplier: float) -> float:
    """The probability whose odds are `multiplier` times the odds of `probability`.

    Multiplying odds (rather than probabilities) keeps the result in [0, 1] and leaves the
    probabilities 0 and 1 unchanged: p' = m·p / (1 - p + m·p).
    """
    return multiplier * probability / (1 - probability + multiplier * probability)


def _zero_truncated_bernoulli(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Independent Bernoulli draws, redrawn all together until at least one is a success.

    This draws from the independent model *conditioned* on "at least one": the conditional
    probability of each outcome is proportional to its unconditional one. At least one of the
    probabilities must be positive (checked with the parameters), so the loop ends.
    """
    while True:
        drawn = rng.random(len(probabilities)) < probabilities
        if drawn.any():
            return drawn


# --------------------------------------------------------------------------------------------
# The population
# --------------------------------------------------------------------------------------------


def _draw_plans(parameters: dict, codebook: Codebook, rng: np.random.Generator) -> pd.DataFrame:
    """The sampling frame: one row per plan with its id, fictional name, region and level."""
    n = parameters["n_plans"]
    levels = codebook.ids("mobilisation_levels")
    regions = codebook.ids("regions")
    level_p = np.array([parameters["level_probabilities"][level] for level in levels], dtype=float)
    region_w = np.array([parameters["region_weights"][region] for region in regions], dtype=float)
    drawn_levels = np.array(levels)[_categorical(level_p, rng.random(n))]
    drawn_regions = np.array(regions)[_categorical(region_w, rng.random(n))]
    width = max(3, len(str(n)))
    numbers = [f"{i:0{width}d}" for i in range(1, n + 1)]
    return pd.DataFrame(
        {
            "plan_id": [f"RLP-{number}" for number in numbers],
            "name": [f"Regroupement simulé {number}" for number in numbers],
            "region": drawn_regions.astype("int64"),
            "mobilisation_level": drawn_levels.astype("int64"),
        },
        columns=PLAN_COLUMNS,
    )


def _strategy_probabilities(parameters: dict, codebook: Codebook, group: str) -> dict[str, np.ndarray]:
    """For one level group: per object, the probability of each strategy (codebook order).

    The (object, strategy) probability of a reference plan has its odds multiplied by the
    group's multiplier for the strategy (see :func:`_odds_adjusted`).
    """
    strategies = codebook.ids("strategies")
    multipliers = parameters["strategy_odds_multipliers"][group]
    return {
        obj: np.array([
            _odds_adjusted(float(parameters["strategy_probabilities"][obj][s]), float(multipliers[s]))
            for s in strategies
        ])
        for obj in codebook.ids("objects")
    }


def _draw_pairs(plans: pd.DataFrame, parameters: dict, codebook: Codebook,
                rng: np.random.Generator) -> list[tuple[int, str, str]]:
    """The (plan row, object, strategy) pairs each plan uses, plan by plan, in codebook order.

    Objects are drawn with the group's probabilities, then strategies for each named object,
    both zero-truncated (see the module docstring for why).
    """
    objects = codebook.ids("objects")
    strategies = codebook.ids("strategies")
    groups = codebook.ids("mobilisation_groups")
    object_p = {g: np.array([float(parameters["object_probabilities"][g][o]) for o in objects]) for g in groups}
    strategy_p = {g: _strategy_probabilities(parameters, codebook, g) for g in groups}
    pairs = []
    for row, level in enumerate(plans["mobilisation_level"].tolist()):
        group = codebook.group_of_level(level)
        named = _zero_truncated_bernoulli(object_p[group], rng)
        for obj, is_named in zip(objects, named):
            if not is_named:
                continue
            used = _zero_truncated_bernoulli(strategy_p[group][obj], rng)
            pairs += [(row, obj, strategy) for strategy, is_used in zip(strategies, used) if is_used]
    return pairs


def _substrategy_matrix(parameters: dict, codebook: Codebook, groups: list[str], strategies: list[str],
                        substrategies: list[str]) -> np.ndarray:
    """Per (group, strategy) combination of each coding, the probability of each sub-strategy.

    Returned as one row per coding over all the codebook's sub-strategies (0 for sub-strategies
    of other strategies), ready for :func:`_categorical`.
    """
    rows = {}
    for group, strategy in set(zip(groups, strategies)):
        table = parameters["substrategy_probabilities"][strategy][group]
        rows[group, strategy] = [float(table.get(sub, 0.0)) if codebook.parent(sub) == strategy else 0.0
                                 for sub in substrategies]
    matrix = np.array([rows[g, s] for g, s in zip(groups, strategies)], dtype=float)
    return matrix.reshape(len(groups), len(substrategies))


def _excerpts(objects: list[str], strategies: list[str], statuses: list[str], has_excerpt: np.ndarray,
              template_u: np.ndarray, wording_u: np.ndarray, codebook: Codebook) -> list[str]:
    """A fictional French excerpt for each coding that has one, an empty string otherwise.

    The sentence is assembled from a template, a status phrase and phrases for the strategy and
    object; an id without a phrase falls back to its French codebook label. Every excerpt starts
    with « Extrait simulé » so nobody takes it for a quotation of a real plan.
    """
    template_index = _categorical(np.ones(len(EXCERPT_TEMPLATES)), template_u)
    texts = []
    for i, (obj, strategy, status) in enumerate(zip(objects, strategies, statuses)):
        if not has_excerpt[i]:
            texts.append("")
            continue
        wordings = STATUS_PHRASES.get(status, (codebook.label("statuses", status, "fr").lower(),))
        wording = wordings[min(int(wording_u[i] * len(wordings)), len(wordings) - 1)]
        texts.append(EXCERPT_TEMPLATES[template_index[i]].format(
            status=wording,
            strategy=STRATEGY_PHRASES.get(strategy, codebook.label("strategies", strategy, "fr").lower()),
            object=OBJECT_PHRASES.get(obj, "« " + codebook.label("objects", obj, "fr") + " »"),
        ))
    return texts


def _draw_codings(plans: pd.DataFrame, pairs: list[tuple[int, str, str]], parameters: dict,
                  codebook: Codebook, rng: np.random.Generator) -> pd.DataFrame:
    """The codings: each pair repeated 1 + Poisson times, then each coding's attributes drawn.

    The uniform numbers are drawn as whole arrays in a fixed order (plan coders, counts, then
    sub-strategy presence and choice, status, excerpt presence, template, wording), so the rows
    come out by plan, then in the order they were drawn.
    """
    coders = list(parameters["coders"])
    plan_coder = np.array(coders, dtype=object)[_categorical(np.ones(len(coders)), rng.random(len(plans)))]
    counts = 1 + _poisson(float(parameters["mean_extra_codings"]), rng.random(len(pairs)))
    rows = np.repeat(np.array([p[0] for p in pairs], dtype=int), counts)
    objects = np.repeat(np.array([p[1] for p in pairs], dtype=object), counts).tolist()
    strategies = np.repeat(np.array([p[2] for p in pairs], dtype=object), counts).tolist()
    n = len(rows)
    missing_u, sub_u, status_u, excerpt_u, template_u, wording_u = (rng.random(n) for _ in range(6))

    levels = plans["mobilisation_level"].to_numpy()[rows].tolist()
    groups = [codebook.group_of_level(level) for level in levels]
    substrategies = codebook.ids("substrategies")
    chosen = _categorical(_substrategy_matrix(parameters, codebook, groups, strategies, substrategies), sub_u)
    missing = missing_u < float(parameters["substrategy_missing_probability"])
    substrategy = ["" if missing[i] else substrategies[chosen[i]] for i in range(n)]

    applied_p = parameters["applied_probability_by_complexity_rank"]
    p_applied = np.array([float(applied_p[codebook.complexity_rank(s)]) for s in strategies])
    statuses = np.where(status_u < p_applied, "applied", "intended").tolist()

    has_excerpt = excerpt_u < float(parameters["excerpt_probability"])
    excerpts = _excerpts(objects, strategies, statuses, has_excerpt, template_u, wording_u, codebook)
    return pd.DataFrame(
        {
            "plan_id": plans["plan_id"].to_numpy()[rows].tolist(),
            "object": objects,
            "strategy": strategies,
            "substrategy": substrategy,
            "status": statuses,
            "excerpt": excerpts,
            "coder": plan_coder[rows].tolist(),
        },
        columns=CODING_COLUMNS,
    )


def simulate_population(parameters: dict, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the simulated population: (plans, codings) with the columns of datapackage.yaml.

    One generator, ``Generator(PCG64(parameters["seed"]))``, makes every draw, in this order:
    levels, regions, objects and strategies plan by plan, then the codings' attributes. Raises
    ValueError when the parameters do not fit the codebook.
    """
    _check_against_codebook(parameters, codebook)
    rng = np.random.Generator(np.random.PCG64(parameters["seed"]))
    plans = _draw_plans(parameters, codebook, rng)
    pairs = _draw_pairs(plans, parameters, codebook, rng)
    codings = _draw_codings(plans, pairs, parameters, codebook, rng)
    return plans, codings


def write_simulated_tables(parameters_path: Path | str, codebook_path: Path | str, out_dir: Path | str) -> None:
    """Simulate the population and write ``plans.csv`` and ``codings.csv`` into `out_dir`.

    UTF-8, comma-separated, '\\n' line endings, no index; both files are written only once both
    are rendered (see :func:`rlp_pipeline.io.outputs.write_outputs`).
    """
    write_population(load_simulation_parameters(parameters_path), load_codebook(codebook_path), out_dir)


def write_population(parameters: Mapping[str, Any], codebook: Codebook, out_dir: Path | str) -> None:
    """Simulate a population from parameters already loaded and write its two tables.

    ``codings.csv`` holds the primary coding of every plan, then the second coder's rows of the
    double-coded plans (see :func:`simulate_double_coding`).
    """
    plans, codings = simulate_population(dict(parameters), codebook)
    second = simulate_double_coding(plans, codings, dict(parameters), codebook)
    codings = pd.concat([codings, second], ignore_index=True) if len(second) else codings
    out_dir = Path(out_dir)
    write_outputs({out_dir / "plans.csv": csv_bytes(plans), out_dir / "codings.csv": csv_bytes(codings)})


def mobilisation_variant(parameters: Mapping[str, Any], effect: str) -> dict:
    """Simulation parameters with the mobilisation effects kept, reversed, or removed.

    Only the group-dependent parameters change (object probabilities, strategy odds multipliers,
    sub-strategy probabilities): `"reversed"` swaps the values of groups 1-2 and 3-4, `"none"`
    gives both groups their average (arithmetic for probabilities, geometric for odds
    multipliers), `"default"` keeps them. Used to check that verdicts follow the data: with the
    effects reversed the mobilisation findings must fail, with none they must hold no more often
    than alpha allows.
    """
    if effect not in ("default", "reversed", "none"):
        raise ValueError(f"effect must be default, reversed or none (got {effect!r})")
    varied = copy.deepcopy(dict(parameters))
    if effect == "default":
        return varied

    def combine(low: Mapping, high: Mapping, geometric: bool) -> tuple[dict, dict]:
        if effect == "reversed":
            return dict(high), dict(low)
        mean = {k: (math.sqrt(low[k] * high[k]) if geometric else (low[k] + high[k]) / 2) for k in low}
        return dict(mean), dict(mean)

    for key, geometric in (("object_probabilities", False), ("strategy_odds_multipliers", True)):
        varied[key]["1-2"], varied[key]["3-4"] = combine(parameters[key]["1-2"], parameters[key]["3-4"], geometric)
    for strategy, by_group in parameters["substrategy_probabilities"].items():
        varied["substrategy_probabilities"][strategy]["1-2"], varied["substrategy_probabilities"][strategy]["3-4"] = combine(
            by_group["1-2"], by_group["3-4"], False)
    return varied


# --------------------------------------------------------------------------------------------
# Double coding: a second, independent coder with a known error model
# --------------------------------------------------------------------------------------------


def double_coding_parameters(parameters: Mapping[str, Any]) -> dict:
    """The checked ``double_coding`` parameters: {"share": float, "keep": {dimension: float}}.

    Absent: share 0 (no double coding). Raises ValueError naming a missing or out-of-range key.
    """
    block = parameters.get("double_coding")
    if block is None:
        return {"share": 0.0, "keep": {d: 1.0 for d in DIMENSIONS}}
    if not isinstance(block, dict):
        raise ValueError("simulation parameters: 'double_coding' must be a mapping with the keys "
                         + ", ".join(DOUBLE_CODING_KEYS))
    for key, meaning in DOUBLE_CODING_KEYS.items():
        if key not in block:
            raise ValueError(f"simulation parameters: the key 'double_coding.{key}' is missing ({meaning}).")
    keep = _table(block["keep"], list(DIMENSIONS), "double_coding.keep")
    return {"share": _probability(block["share"], "double_coding.share"),
            "keep": {d: _probability(keep[d], f"double_coding.keep.{d}") for d in DIMENSIONS}}


def _replace_distribution(true_index: np.ndarray, size: int, keep: float) -> np.ndarray:
    """Per row, the second coder's distribution over `size` codes: the true code with
    probability `keep`, each other code with (1 - keep) / (size - 1). With a single code, kept."""
    matrix = np.full((len(true_index), size), (1 - keep) / (size - 1) if size > 1 else 0.0)
    matrix[np.arange(len(true_index)), true_index] = keep if size > 1 else 1.0
    return matrix


def _substrategy_given(strategy: str, substrategy: str, new_strategy: str, keep: float, codebook: Codebook) -> dict:
    """The second coder's sub-strategy distribution for one passage, once its strategy is drawn.

    No sub-strategy stays none. Same strategy: the sub-strategy is kept with probability `keep`,
    else replaced by another of that strategy's sub-strategies, uniformly. Another strategy: a
    sub-strategy of the new strategy, uniformly (the old one does not belong to it).
    """
    if not substrategy:
        return {"": 1.0}
    children = codebook.substrategies_of(new_strategy)
    if new_strategy != strategy:
        return {child: 1 / len(children) for child in children}
    others = [child for child in children if child != substrategy]
    if not others:
        return {substrategy: 1.0}
    return {substrategy: keep, **{child: (1 - keep) / len(others) for child in others}}


def second_coder_distributions(codings: pd.DataFrame, keep: Mapping[str, float], codebook: Codebook) -> dict:
    """For each primary coding row, the second coder's marginal distribution of each dimension.

    Returns {"object": (rows × objects), "strategy": (rows × strategies), "substrategy": (rows ×
    substrategies, the last column for none), "status": (rows × statuses)}, codebook order. These
    are the error model itself: the simulator draws from them, and the agreement the model
    implies is computed from them (the sub-strategy's marginal sums over the strategy drawn).
    """
    objects, strategies = codebook.ids("objects"), codebook.ids("strategies")
    subs, statuses = codebook.ids("substrategies"), codebook.ids("statuses")
    position = lambda ids, values: np.array([ids.index(v) for v in values], dtype=int)  # noqa: E731
    strategy_p = _replace_distribution(position(strategies, codings["strategy"]), len(strategies), keep["strategy"])
    sub_p = np.zeros((len(codings), len(subs) + 1))
    sub_columns = {sub: j for j, sub in enumerate(subs)} | {"": len(subs)}
    for i, (strategy, sub) in enumerate(zip(codings["strategy"], codings["substrategy"])):
        for k, new_strategy in enumerate(strategies):
            for child, p in _substrategy_given(strategy, sub, new_strategy, keep["substrategy"], codebook).items():
                sub_p[i, sub_columns[child]] += strategy_p[i, k] * p
    return {
        "object": _replace_distribution(position(objects, codings["object"]), len(objects), keep["object"]),
        "strategy": strategy_p,
        "substrategy": sub_p,
        "status": _replace_distribution(position(statuses, codings["status"]), len(statuses), keep["status"]),
    }


def double_coded_plan_ids(plans: pd.DataFrame, share: float, rng: np.random.Generator) -> list[str]:
    """The round-half-up(share × N) plans with the smallest uniform numbers, in frame order."""
    count = int(math.floor(share * len(plans) + 0.5))
    chosen = np.sort(np.argsort(rng.random(len(plans)), kind="stable")[:count])
    return plans["plan_id"].to_numpy()[chosen].tolist()


def simulate_double_coding(plans: pd.DataFrame, codings: pd.DataFrame, parameters: dict,
                           codebook: Codebook) -> pd.DataFrame:
    """The second coder's rows for the double-coded plans (columns of codings.csv).

    Drawn from ``Generator(PCG64(derived_seed(seed, "double-coding")))``, in this order: which
    plans, each plan's second coder (uniformly among the coders other than its primary coder),
    then for every primary row of those plans the uniforms of its object, strategy, sub-strategy
    and status. Each row copies the primary row (same plan, same excerpt) with the codes drawn
    from :func:`second_coder_distributions`. Empty when ``double_coding.share`` is 0.
    """
    from .stages.tests import derived_seed  # the seed derivation every procedure shares

    settings = double_coding_parameters(parameters)
    rng = np.random.Generator(np.random.PCG64(derived_seed(parameters["seed"], "double-coding")))
    chosen = double_coded_plan_ids(plans, settings["share"], rng)
    if not chosen:
        return codings.iloc[:0].copy()
    coders = list(parameters["coders"])
    primary = codings.groupby("plan_id", sort=False)["coder"].first()
    second_u = rng.random(len(chosen))
    second_coder = {}
    for plan_id, u in zip(chosen, second_u):
        others = [c for c in coders if c != primary[plan_id]] or coders
        second_coder[plan_id] = others[_categorical(np.ones(len(others)), np.array([u]))[0]]
    rows = codings[codings["plan_id"].isin(chosen)].reset_index(drop=True)
    object_u, strategy_u, sub_u, status_u = (rng.random(len(rows)) for _ in range(4))
    keep = settings["keep"]
    distributions = second_coder_distributions(rows, keep, codebook)
    objects, strategies = codebook.ids("objects"), codebook.ids("strategies")
    statuses = codebook.ids("statuses")
    new_strategy = [strategies[k] for k in _categorical(distributions["strategy"], strategy_u)]
    substrategy = []
    for i, row in enumerate(rows.itertuples()):
        options = _substrategy_given(row.strategy, row.substrategy, new_strategy[i], keep["substrategy"], codebook)
        names = list(options)
        substrategy.append(names[_categorical(np.array(list(options.values())), sub_u[i:i + 1])[0]])
    return pd.DataFrame(
        {
            "plan_id": rows["plan_id"].tolist(),
            "object": [objects[k] for k in _categorical(distributions["object"], object_u)],
            "strategy": new_strategy,
            "substrategy": substrategy,
            "status": [statuses[k] for k in _categorical(distributions["status"], status_u)],
            "excerpt": rows["excerpt"].tolist(),
            "coder": [second_coder[p] for p in rows["plan_id"]],
        },
        columns=CODING_COLUMNS,
    )


def second_coder_use_probabilities(codings: pd.DataFrame, keep: Mapping[str, float], codebook: Codebook) -> dict:
    """Per primary row and dimension, the probability that the second coder gives each code of
    the agreement stage (rows × codes, :func:`rlp_pipeline.stages.agreement.dimension_codes`).

    Status codes are (strategy, status) pairs: the strategy and status are replaced
    independently, so their probabilities multiply.
    """
    distributions = second_coder_distributions(codings, keep, codebook)
    n_status = len(codebook.ids("statuses"))
    pairs = (distributions["strategy"][:, :, None] * distributions["status"][:, None, :]).reshape(len(codings), -1)
    return {"object": distributions["object"], "strategy": distributions["strategy"],
            "substrategy": distributions["substrategy"][:, :-1], "status": pairs[:, : len(codebook.ids("strategies")) * n_status]}


def implied_alpha(codings: pd.DataFrame, keep: Mapping[str, float], codebook: Codebook, unit: str = "plan") -> dict:
    """Krippendorff's alpha the error model implies for the primary coding `codings`, per dimension.

    For each context (the plan, or for unit "passage" the plan and excerpt) and code, the primary
    coder's value is known (1 if one of the context's rows has the code) and the second coder
    gives 1 with probability 1 - prod over the rows (1 - p_row), p_row from
    :func:`second_coder_use_probabilities` (rows are replaced independently); alpha follows from
    :func:`rlp_pipeline.stats.agreement.expected_binary_alpha`. Computed on a large population,
    this is the model's true alpha, the value the agreement stage's estimates should recover.
    """
    from .stages.agreement import dimension_codes, row_codes
    from .stats.agreement import expected_binary_alpha

    rows = codings.reset_index(drop=True)
    if unit == "passage":
        rows = rows[rows["excerpt"].astype(str) != ""].reset_index(drop=True)
        context = (rows["plan_id"].astype(str) + " | " + rows["excerpt"].astype(str)).to_numpy()
    else:
        context = rows["plan_id"].astype(str).to_numpy()
    labels, position = np.unique(context, return_inverse=True)
    probabilities = second_coder_use_probabilities(rows, keep, codebook)
    result = {}
    for dimension, codes in dimension_codes(codebook).items():
        code_of_row = row_codes(rows, dimension).to_numpy()
        first = np.zeros((len(labels), len(codes)))
        log_none = np.zeros((len(labels), len(codes)))
        for j, code in enumerate(codes):
            np.maximum.at(first[:, j], position, (code_of_row == code).astype(float))
            np.add.at(log_none[:, j], position, np.log1p(-np.minimum(probabilities[dimension][:, j], 1 - 1e-15)))
        result[dimension] = expected_binary_alpha(first.ravel(), 1 - np.exp(log_none).ravel())
    return result
