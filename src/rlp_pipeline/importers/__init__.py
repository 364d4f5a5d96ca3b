"""Importers: real coding exports turned into the pipeline's canonical raw tables.

Two routes lead to the same `plans.csv` and `codings.csv` (columns and rules in
`data/raw/datapackage.yaml`), which the validation stage then reads exactly as it reads
hand-made CSV files, so everything after validation is shared:

- a REFI-QDA project (`.qdpx` from NVivo, ATLAS.ti, MAXQDA, QualCoder; or a bare `.qde`), with
  a mapping file from the tool's codes and documents to the codebook's ids and the plans
  (:mod:`.qdpx`, :mod:`.mapping`);
- an Excel coding grid (`.xlsx`) with a sheet of plans and a sheet of codings, French or
  English headers, ids or labels in the cells (:mod:`.grid`), typically started from the
  template generated from the codebook (:mod:`.template`).

Each importer returns an :class:`ImportResult` (tables, problems, unmapped codes, notes) and
never writes; :func:`write_import` writes a clean result atomically, and :func:`run_import` is
the whole stage as the command line runs it. Exports are untrusted input: see :mod:`.safezip`
and :mod:`.qdaxml` for what is refused and why.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..io.datapackage import load_codebook_and_package
from ..problems import InputError, Problem, display_path
from .grid import import_grid
from .mapping import ImportMapping, load_mapping, mapping_from_codebook, read_mapping
from .qdpx import import_qdpx, open_export
from .result import (
    ImportProblem, ImportResult, canonical_order, import_report_lines, read_import_record, read_plans_frame, write_import,
)
from .safezip import SafeArchive
from .template import TEMPLATE_FILES, template_workbook, write_template, write_templates

__all__ = [
    "TEMPLATE_FILES", "ImportMapping", "ImportProblem", "ImportResult", "canonical_order", "detect_kind",
    "import_export", "import_grid", "import_qdpx", "import_report_lines", "load_mapping", "mapping_from_codebook",
    "open_export", "read_import_record", "read_mapping", "read_plans_frame", "run_import", "template_workbook",
    "write_import", "write_template", "write_templates",
]

KINDS = ("qdpx", "qde", "xlsx")


def detect_kind(source: Path | str) -> str | None:
    """What an export is, judged on its content: 'qdpx' (zip with a .qde), 'xlsx' (zip with
    xl/workbook.xml), 'qde' (XML), or None when it is none of these."""
    path = Path(source)
    if not path.is_file():
        return None
    with path.open("rb") as stream:
        head = stream.read(64)
    if head.startswith(b"PK\x03\x04"):
        archive, problems = SafeArchive.open(path, display_path(path))
        if archive is None:
            return "qdpx" if path.suffix.lower() == ".qdpx" else ("xlsx" if path.suffix.lower() == ".xlsx" else None)
        try:
            if archive.find("xl/workbook.xml") is not None:
                return "xlsx"
            return "qdpx" if any(name.lower().endswith(".qde") for name in archive.names()) else None
        finally:
            archive.close()
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return "qde" if text.startswith(b"<") else None


def import_export(source: Path | str, codebook_path: Path | str, datapackage_path: Path | str,
                  mapping_path: Path | str | None = None, plans_path: Path | str | None = None) -> ImportResult:
    """Import any supported export; every problem of every input (codebook, data package,
    mapping, plans.csv, the export itself) is in the result."""
    source = Path(source)
    shown = display_path(source)
    codebook, package, problems = load_codebook_and_package(codebook_path, datapackage_path)
    mapping = plans = None
    kind = detect_kind(source)
    if kind is None:
        problems.append(Problem(shown, None, None, None, "a REFI-QDA project (.qdpx or .qde) or an Excel grid (.xlsx)"
                                + ("" if source.is_file() else f" at {source} (it does not exist)")))
    if kind in ("qdpx", "qde") and mapping_path is None:
        problems.append(Problem(shown, None, None, None, "a mapping file (--mapping) to read a REFI-QDA project: "
                                "see config/import-mapping.example.yaml"))
    if mapping_path is not None and codebook is not None and kind in ("qdpx", "qde"):
        mapping, mapping_problems = read_mapping(mapping_path, codebook)
        problems += mapping_problems
    if plans_path is not None:
        plans, plans_problems = read_plans_frame(plans_path)
        problems += plans_problems
    if problems or codebook is None or package is None:
        import pandas as pd

        return ImportResult(shown, pd.DataFrame(), pd.DataFrame(), problems, kind=kind or "unknown")
    if kind == "xlsx":
        result = import_grid(source, codebook, package, plans, shown)
    else:
        result = import_qdpx(source, mapping, codebook, package, plans, shown)
    result.source_sha256 = hashlib.sha256(source.read_bytes()).hexdigest()
    return result


def run_import(source: Path | str, codebook_path: Path | str, datapackage_path: Path | str, out_dir: Path | str,
               mapping_path: Path | str | None = None, plans_path: Path | str | None = None) -> ImportResult:
    """The import stage: read the export, then write `plans.csv`, `codings.csv`,
    `datapackage.yaml` (a copy of the descriptor, so validation reads the imported tables),
    `import_report.md` and `import_record.json` into `out_dir`. Raises :class:`InputError` and writes nothing when any
    problem was found."""
    result = import_export(source, codebook_path, datapackage_path, mapping_path, plans_path)
    write_import(result, out_dir, datapackage_path)
    return result
