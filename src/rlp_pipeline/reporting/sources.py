"""The files behind the report's tables: which derived tables the report shows, and how a
caption names one (a relative link from the document's folder, shown as the file's path).

REPORT_TABLES is the one list of the derived CSV tables the report's tables are computed from:
the captions may only name these (or a stage's JSON record, or an input file), and the results
workbook (reporting.workbook) has one sheet for each, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

# Derived tables (paths under data/derived/) the report's tables show, in the report's order.
REPORT_TABLES = (
    "findings/findings.csv",
    "tests/components.csv",
    "stability/stability.csv",
    "findings/robustness.csv",
    "sample/balance.csv",
    "frequencies/analysed_plans.csv",
    "frequencies/strategy_status.csv",
    "diversity/summary.csv",
    "frequencies/substrategies.csv",
    "tests/battery.csv",
    "agreement/dimensions.csv",
    "calibration/calibration.csv",
)


def check_source(key: str) -> str:
    """A derived file a caption names, checked: one of REPORT_TABLES or a stage's JSON record.
    A table the report shows from a CSV missing from REPORT_TABLES would be missing from the
    workbook, so it is refused with the list to add it to."""
    if key in REPORT_TABLES or key.endswith(".json"):
        return key
    raise ValueError(f"the report's table source {key!r} is not in rlp_pipeline.reporting.sources.REPORT_TABLES: "
                     "add it there (the results workbook has one sheet per table of that list)")


def file_link(path: Path, root: Path, document_folder: Path) -> str:
    """A file (or folder) as Markdown: its path relative to the project's root in code style (its
    name alone outside the project), linked relatively from the folder of the document, so the
    link opens the file where the pipeline wrote it whatever the machine."""
    path = Path(path).resolve()
    try:
        shown = path.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        shown = path.name
    target = Path(os.path.relpath(path, Path(document_folder).resolve())).as_posix()
    return f"[`{shown}`]({quote(target)})"
