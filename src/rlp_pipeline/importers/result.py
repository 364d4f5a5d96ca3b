"""What every importer returns, and the writer of the canonical raw tables.

An importer never writes: it returns an :class:`ImportResult` holding the two canonical tables
(`plans` and `codings`, exactly the columns of the data package, as text), every problem found
and the codes of the export that the mapping does not cover. :func:`write_import` then writes
`plans.csv`, `codings.csv`, a copy of the data package descriptor and `import_report.md` to a
folder, each to a temporary name renamed into place, and only when there is no problem: the
validation stage reads that folder exactly as it reads `data/raw/`, so everything after the
import is shared with the CSV route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..io.datapackage import DataPackage
from ..io.outputs import csv_bytes, json_bytes, text_bytes, write_outputs
from ..problems import InputError, Problem, display_path


@dataclass(frozen=True)
class ImportProblem(Problem):
    """A problem in an export, with the place inside the file where it stands.

    `place` is what a person looks for in their tool: "document 'RLP-001.docx', passage at
    characters 120-180" or "sheet 'Codages', row 12". It is shown right after the file name.
    """

    place: str | None = None

    def __str__(self) -> str:
        if not self.place:
            return super().__str__()
        return str(Problem(f"{self.file}, {self.place}", None, self.column, self.value, self.expected, self.hint))


@dataclass
class ImportResult:
    """The canonical tables read from an export, the problems found, and what was left out.

    `unmapped_codes` lists, in the order of the export's code tree, every code path the mapping
    neither maps nor ignores (never dropped silently: they are shown in `import_report.md`);
    `code_uses` counts how many passages of the imported documents carry each code; `notes`
    says what was read but deliberately not imported (non-text sources, skipped documents,
    extra columns), in plain words.
    """

    source: str
    plans: pd.DataFrame
    codings: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    unmapped_codes: list[str] = field(default_factory=list)
    code_uses: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kind: str = ""
    source_sha256: str = ""
    # What deserves a look although nothing is wrong (nameless sources, a few misaligned passages).
    warnings: list[str] = field(default_factory=list)
    # Counts from the export to the rows written (sources, selections, passages kept and dropped).
    counts: dict[str, int] = field(default_factory=dict)
    passage_rule: str = ""

    @property
    def ok(self) -> bool:
        """Whether the tables can be written (no problem found)."""
        return not self.problems

    def record(self) -> dict:
        """What the import read and left out, as JSON for the validation stage's provenance."""
        return {
            "source": self.source, "kind": self.kind, "sha256": self.source_sha256,
            "counts": {"plans": int(len(self.plans)), "codings": int(len(self.codings))},
            "unmapped_codes": [{"code": code, "uses": self.code_uses.get(code, 0)} for code in self.unmapped_codes],
            "notes": list(self.notes), "warnings": list(self.warnings),
            "reconciliation": dict(self.counts), "passage_rule": self.passage_rule,
        }

    def report(self) -> str:
        """A short Markdown report of the import, for the reviewer's audit trail."""
        lines = ["# Import report", "", f"Source: `{self.source}` ({self.kind})", "",
                 f"- Plans: {len(self.plans)}", f"- Coded passages: {len(self.codings)}"]
        if self.problems:
            lines += ["", f"**{len(self.problems)} problems; nothing was written.**", ""]
            lines += [f"- {problem}" for problem in self.problems]
        if self.warnings:
            lines += ["", "## Warnings", ""] + [f"- {warning}" for warning in self.warnings]
        if self.counts:
            lines += ["", "## From the export to the codings", "", self.passage_rule, "",
                      "| what | count |", "|---|---|"]
            lines += [f"| {what} | {count} |" for what, count in self.counts.items()]
            lines += ["", f"Passages formed = kept + dropped + with a problem; coded passages written: {len(self.codings)} "
                      "(one per passage, or one per coder with split_by_coder)."]
        lines += ["", "## Codes not in the mapping", ""]
        if self.unmapped_codes:
            lines += ["These codes of the export are neither mapped nor ignored by the mapping file; the "
                      "passages that carry only them are not imported.", "",
                      "| code | passages of imported documents |", "|---|---|"]
            lines += [f"| {_cell(code)} | {self.code_uses.get(code, 0)} |" for code in self.unmapped_codes]
        else:
            lines.append("None: every code of the export is mapped or explicitly ignored.")
        if self.notes:
            lines += ["", "## Read but not imported", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines)


def _cell(text: str) -> str:
    """Text shown verbatim in a Markdown table cell (code span, pipes escaped)."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def field_names(package: DataPackage, table: str) -> list[str]:
    """The columns of a canonical raw table, in the data package's order."""
    return [f["name"] for f in package.resources[table].fields]


def canonical_table(rows: list[dict], package: DataPackage, table: str) -> pd.DataFrame:
    """Rows (dicts) as a table with exactly the data package's columns, every cell as text.

    Missing optional values are '' (as in a CSV), so the CSV written from it is what a person
    would type.
    """
    columns = field_names(package, table)
    frame = pd.DataFrame([[_text(row.get(c)) for c in columns] for row in rows], columns=columns, dtype=object)
    return frame.reset_index(drop=True)


def _text(value) -> str:
    """A cell as CSV text ('' for None)."""
    return "" if value is None else str(value)


def natural_key(text: str) -> tuple:
    """Sort key that puts 'RLP-2' before 'RLP-10' (digits compared as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", str(text)) if part)


def canonical_order(plans: pd.DataFrame, codings: pd.DataFrame, keep_plan_order: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The canonical row order of the two tables.

    Plans by plan id in natural order (RLP-2 before RLP-10), unless `keep_plan_order` (the
    order of a plans.csv given by the user is kept, so validation messages point at the same
    lines); codings grouped by plan in the plans' order, each plan's passages in the order they
    came in (document order). Both sorts are stable, so applying this twice changes nothing.
    """
    if not keep_plan_order:
        keys = plans["plan_id"].map(natural_key)
        plans = plans.iloc[sorted(range(len(plans)), key=lambda i: keys.iat[i])]
    rank = {plan_id: position for position, plan_id in enumerate(plans["plan_id"])}
    order = sorted(range(len(codings)), key=lambda i: rank.get(codings["plan_id"].iat[i], len(rank)))
    return plans.reset_index(drop=True), codings.iloc[order].reset_index(drop=True)


def write_import(result: ImportResult, out_dir: Path | str, datapackage_path: Path | str | None = None) -> None:
    """Write the canonical tables of a clean import into `out_dir`; nothing when there are problems.

    Writes `plans.csv`, `codings.csv` (UTF-8, comma, '\\n', the data package's columns),
    `import_report.md`, `import_record.json` (the same facts for the validation stage's
    provenance and report) and, when given, a byte-for-byte copy of the data package descriptor as
    `datapackage.yaml` so that `validate --datapackage <out_dir>/datapackage.yaml` reads the
    imported tables. Each file is written to a temporary name and renamed into place.
    Raises :class:`InputError` (and writes nothing) when the import found problems.
    """
    if result.problems:
        raise InputError(result.problems, stage="import")
    out_dir = Path(out_dir)
    files = {
        out_dir / "plans.csv": csv_bytes(result.plans),
        out_dir / "codings.csv": csv_bytes(result.codings),
        out_dir / "import_report.md": text_bytes(result.report()),
        out_dir / "import_record.json": json_bytes(result.record()),
    }
    if datapackage_path is not None:
        files[out_dir / "datapackage.yaml"] = real_data_descriptor(Path(datapackage_path).read_bytes())
    write_outputs(files)


_SIMULATED = re.compile(rb"^simulated:[ \t]*true[ \t]*(#.*)?$", re.MULTILINE)


def real_data_descriptor(descriptor: bytes) -> bytes:
    """The data package descriptor for imported tables: the same bytes, with `simulated: true`
    (the shipped default, which describes the simulated tables) set to false, since tables
    imported from a coding export are real coding; every output and the report then say so."""
    return _SIMULATED.sub(b"simulated: false  # set by the import: these tables come from a coding export",
                          descriptor, count=1)


def read_plans_frame(path: Path | str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A user's plans.csv as a table of text (any encoding or delimiter the CSV route accepts).

    Only its structure is checked here; its values are checked by the validation stage, which
    reads the copy the import writes (same order, same values).
    """
    from ..io.tables import read_csv_file

    path = Path(path)
    table, problems = read_csv_file(path, display_path(path))
    if table is None or problems:
        return None, problems
    if "plan_id" not in table.header:
        return None, [Problem(table.shown_as, 1, "plan_id", None,
                              "a column named 'plan_id'; the header has: " + ", ".join(table.header))]
    frame = pd.DataFrame([cells for _, cells in table.rows], columns=table.header, dtype=object)
    frame.attrs["shown_as"] = table.shown_as
    frame.attrs["lines"] = [line for line, _ in table.rows]
    return frame, []


def read_import_record(folder: Path | str) -> dict | None:
    """The import record written beside imported tables (`import_record.json`), or None when
    the tables were not imported (hand-made CSV files)."""
    import json

    path = Path(folder) / "import_record.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def import_report_lines(record: dict | None) -> list[str]:
    """Markdown lines for the validation report: where the tables were imported from and the
    codes of the export the mapping left out (empty when the tables were not imported)."""
    if not record:
        return []
    lines = ["", "## Imported from a coding export", "",
             f"The tables were imported from `{record['source']}` ({record['kind']}, SHA-256 "
             f"`{record.get('sha256', '')[:16]}…`).", ""]
    unmapped = record.get("unmapped_codes") or []
    if unmapped:
        lines += [f"Codes of the export not in the mapping ({len(unmapped)}; the passages that carry only "
                  "them were not imported):", "", "| code | uses |", "|---|---|"]
        lines += [f"| {_cell(entry['code'])} | {entry['uses']} |" for entry in unmapped]
    else:
        lines.append("Every code of the export is mapped or explicitly ignored.")
    if record.get("notes"):
        lines += ["", "Read but not imported:", ""] + [f"- {note}" for note in record["notes"]]
    if record.get("warnings"):
        lines += ["", "Warnings of the import:", ""] + [f"- {warning}" for warning in record["warnings"]]
    if record.get("reconciliation"):
        lines += ["", record.get("passage_rule", ""), "", "| what | count |", "|---|---|"]
        lines += [f"| {what} | {count} |" for what, count in record["reconciliation"].items()]
    return lines
