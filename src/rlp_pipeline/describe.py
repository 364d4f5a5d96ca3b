"""Machine-readable description of every derived table: a Frictionless data package per stage.

Each stage module declares, next to the code that computes its tables, what each table and each
column contains (`TABLES`: file name -> title, description, columns). When the stage writes its
tables it also writes `datapackage.json` in its folder, built here from those declarations and
from the tables themselves (types are read from the data). A reviewer opening any CSV of
`data/derived/` finds beside it what it holds, and whether it comes from simulated data.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

_FRICTIONLESS_TYPES = {"i": "integer", "u": "integer", "f": "number", "b": "boolean"}


class UndescribedColumn(Exception):
    """Raised when a stage writes a table or column that its TABLES declaration does not describe."""


def field_type(series: pd.Series) -> str:
    """The Table Schema type of a column: integer, number, boolean or string."""
    return _FRICTIONLESS_TYPES.get(series.dtype.kind, "string")


def stage_datapackage(stage: str, declarations: Mapping[str, Mapping[str, Any]],
                      tables: Mapping[str, pd.DataFrame], simulated: bool) -> dict[str, Any]:
    """The data package describing the CSV tables a stage writes.

    `declarations` maps each file name to {"title", "description", "columns": {name: meaning}};
    `tables` maps the same file names to the tables written. Every table and column must be
    declared, so the description can never lag behind the data.
    """
    resources = []
    for name, table in tables.items():
        if name not in declarations:
            raise UndescribedColumn(f"stage {stage}: table {name} is not described in TABLES")
        declared = declarations[name]
        columns = declared["columns"]
        missing = [c for c in table.columns if c not in columns]
        if missing:
            raise UndescribedColumn(f"stage {stage}: columns {missing} of {name} are not described in TABLES")
        resources.append({
            "name": name.removesuffix(".csv").replace("_", "-"),
            "path": name,
            "title": declared["title"],
            "description": " ".join(declared["description"].split()),
            "format": "csv",
            "encoding": "utf-8",
            "schema": {"fields": [
                {"name": column, "type": field_type(table[column]), "description": " ".join(columns[column].split())}
                for column in table.columns
            ]},
        })
    return {
        "name": f"rlp-derived-{stage}",
        "title": f"Derived tables of the {stage} stage",
        "simulated": bool(simulated),
        "description": ("Computed from SIMULATED coded plans: not real data. " if simulated else "")
        + "Written by the pipeline; do not edit.",
        "resources": resources,
    }
