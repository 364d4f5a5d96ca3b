"""The figures stage's last step: ``figures.json``, joined from the indexes of its two parts.

The workflow draws the figures in two jobs (:data:`rlp_pipeline.stages.figures.PARTS`): those
of the sample's tables while the stability redraws run (rule ``sample_figures``), and the
stability figure once they are done (rule ``stability_figures``). Each job writes the index of
its own figures (:data:`PART_INDEXES`); the rule ``figures`` then joins them here into
``figures.json``, the same bytes as one run that draws every figure.

Why a step of its own: when the stability figure's job completed ``figures.json`` itself, it had
to wait for the sample's figures, and on two cores one of the two chains before the report then
idled (benchmarks/speed.py, the edit of one coding). Joining two small JSON files needs neither
matplotlib nor pandas, so this step costs a Python start and little more.

A part's index holds the ids of every figure in the stage's order (``figures``) beside its own
entries (``entries``): the join needs that order without importing the drawing code, and
checks that both parts were written by the same code (the same list) and that together they
hold every figure exactly once.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..io.outputs import json_bytes, write_outputs
from ..problems import InputError, Problem, display_path

LOGGER = logging.getLogger("rlp_pipeline.stages.figures_index")

# Each part's index, relative to the figures' folder, and the complete index.
PART_INDEXES = {"sample": "parts/sample.json", "stability": "parts/stability.json"}
INDEX = "figures.json"


def part_index(order: Iterable[str], entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A part's index: the ids of every figure of the stage in order, and this part's entries."""
    return {"figures": list(order), "entries": [dict(entry) for entry in entries]}


def _part_problem(path: Path, part: str, what: str) -> Problem:
    return Problem(display_path(path), None, None, None, what,
                   f"It is written by `python -m rlp_pipeline figures --part {part}`: run that first "
                   "(snakemake does it in order).")


def read_part_index(figures_dir: Path, part: str) -> dict[str, Any]:
    """The index part `part` wrote in `figures_dir`, checked to be a list of every figure's id
    and a list of entries each with an id among them; InputError naming the file otherwise."""
    path = Path(figures_dir) / PART_INDEXES[part]
    expected = f"the index of the {part} part of the figures (a JSON object with 'figures' and 'entries')"
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([_part_problem(path, part, f"{expected}; the file does not exist")],
                         stage="figures stage") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError([_part_problem(path, part, f"{expected}; it could not be read ({error})")],
                         stage="figures stage") from None
    order = index.get("figures") if isinstance(index, dict) else None
    entries = index.get("entries") if isinstance(index, dict) else None
    if (not isinstance(order, list) or not all(isinstance(name, str) for name in order)
            or not isinstance(entries, list)
            or not all(isinstance(entry, dict) and entry.get("id") in order for entry in entries)):
        raise InputError([_part_problem(path, part, expected)], stage="figures stage")
    return index


def joined_entries(indexes: Mapping[str, Mapping[str, Any]], figures_dir: Path) -> list[dict[str, Any]]:
    """Every part's entries in the stage's order, once the parts agree on that order and hold
    each figure exactly once between them (InputError naming the part's file otherwise)."""
    orders = {tuple(index["figures"]) for index in indexes.values()}
    if len(orders) != 1:
        path = Path(figures_dir) / PART_INDEXES[list(indexes)[-1]]
        raise InputError([_part_problem(path, list(indexes)[-1],
                                        "the same list of figures as the other part's index (the two parts were "
                                        "written by different versions of the code)")], stage="figures stage")
    order = list(orders.pop())
    entries = [entry for index in indexes.values() for entry in index["entries"]]
    found = sorted(entry["id"] for entry in entries)
    if found != sorted(order):
        missing = sorted(set(order) - set(found))
        twice = sorted({name for name in found if found.count(name) > 1})
        detail = "; ".join(filter(None, [f"missing: {', '.join(missing)}" if missing else "",
                                         f"listed twice: {', '.join(twice)}" if twice else ""]))
        raise InputError([Problem(display_path(Path(figures_dir) / PART_INDEXES[part]), None, None, None,
                                  f"between the parts, every figure once ({detail})")
                          for part in indexes], stage="figures stage")
    return sorted(entries, key=lambda entry: order.index(entry["id"]))


def run_figures_index(figures_dir: Path | str) -> None:
    """Write ``figures.json`` in `figures_dir` from the indexes of the parts (:data:`PART_INDEXES`)."""
    figures_dir = Path(figures_dir)
    indexes = {part: read_part_index(figures_dir, part) for part in PART_INDEXES}
    entries = joined_entries(indexes, figures_dir)
    write_outputs({figures_dir / INDEX: json_bytes(entries)})
    LOGGER.info("Wrote %s (%d figures) to %s from %s.", INDEX, len(entries), display_path(figures_dir),
                " and ".join(PART_INDEXES.values()))
