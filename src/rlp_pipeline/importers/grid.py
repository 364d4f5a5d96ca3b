"""Excel coding grids (.xlsx) to the canonical raw tables.

A grid has a sheet of plans ("Plans") and a sheet of codings ("Codages" or "Codings"), with
French or English column headers ("Identifiant du plan" or "plan_id", "Niveau de mobilisation",
"Objet", "Stratégie", "Sous-stratégie", "Statut", "Extrait", "Codeur"...; see :mod:`.values`).
Cells may hold codebook ids or the labels the template's drop-down lists show, in either
language ("Activités / programmes", "3 – Coopération"); they are turned into ids here.

Every row is then checked with the validation stage's own rules (required values, identifiers,
ranges, unique plan ids, sub-strategy within its strategy, each coding's plan in the plans
sheet), and every problem is reported with the workbook, the sheet, the row and the column
header as the person sees them in their spreadsheet. The plans may instead come from a
plans.csv when the plans sheet is absent or empty (giving both is a problem: which is right?).

The workbook is untrusted: its archive is checked like a .qdpx (:mod:`.safezip`) before
openpyxl opens it, in read-only mode; openpyxl parses its XML with defusedxml when installed
(it is a dependency of this route). Cell values are read as text, never evaluated: a formula's
cached result is what is read.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..codebook import Codebook
from ..io.datapackage import DataPackage
from ..problems import Problem, closest, did_you_mean, display_path
from ..io.tables import CsvFile
from .result import ImportProblem, ImportResult, canonical_order, canonical_table
from .safezip import SafeArchive
from .values import (
    SHEET_NAMES, cell_text, choice_text, code_value, column_titles, header_field, header_spellings, sheet_table,
)

TEMPLATE_SHEETS = {name for names in (SHEET_NAMES["lists"], SHEET_NAMES["readme"]) for name in names.values()}


@dataclass
class Sheet:
    """One table sheet as read: its header (field -> header text) and its rows of text cells."""

    title: str
    table: str
    header: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    header_row: int = 1


def import_grid(source: Path | str | bytes, codebook: Codebook, package: DataPackage,
                plans: pd.DataFrame | None = None, shown: str | None = None) -> ImportResult:
    """Read an Excel coding grid into the canonical `plans` and `codings` tables, with every
    problem found (each naming workbook, sheet, row, column, value and what was expected)."""
    shown = shown or (display_path(source) if not isinstance(source, (bytes, bytearray)) else "workbook")
    empty = ImportResult(shown, canonical_table([], package, "plans"), canonical_table([], package, "codings"), kind="Excel grid")
    workbook, problems = open_workbook(source, shown)
    if workbook is None:
        empty.problems = problems
        return empty
    reader = _GridReader(shown, codebook, package)
    try:
        sheets = reader.read_sheets(workbook)
    finally:
        workbook.close()
    return reader.result(sheets, plans) if not reader.problems else _with(empty, reader)


def _with(result: ImportResult, reader: "_GridReader") -> ImportResult:
    """The empty result carrying the reader's problems and notes (structural problems found)."""
    result.problems, result.notes = reader.problems, reader.notes
    return result


def open_workbook(source: Path | str | bytes, shown: str):
    """The workbook opened read-only by openpyxl, after the archive's sizes were checked."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    archive, problems = SafeArchive.open(source, shown)
    if archive is None:
        return None, problems
    if archive.find("xl/workbook.xml") is None:
        archive.close()
        return None, [Problem(shown, None, None, None, "an Excel workbook (.xlsx); this zip archive holds no xl/workbook.xml "
                              "(save the grid as 'Excel Workbook (.xlsx)')")]
    problems = declared_entity_problems(archive, shown)
    archive.close()
    if problems:
        return None, problems
    data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True), []
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        return None, [Problem(shown, None, None, None, f"a readable Excel workbook (.xlsx) ({error})")]
    except Exception as error:  # defusedxml refusals and other parser errors of a hostile file
        return None, [Problem(shown, None, None, None, f"a well-formed Excel workbook (refused: {type(error).__name__}: {error})")]


def declared_entity_problems(archive: SafeArchive, shown: str) -> list[Problem]:
    """A problem for each XML member of a workbook that declares a document type or entities:
    Excel never writes them, and entities are the means of the "billion laughs" and external
    entity attacks; named here with the member, rather than by openpyxl's generic failure."""
    problems = []
    for name in archive.names():
        if name.lower().endswith((".xml", ".rels", ".vml")):
            data, problem = archive.read(archive.find(name))
            if problem is not None:
                problems.append(problem)
            elif b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                problems.append(Problem(shown, None, None, name,
                                        "an Excel workbook whose XML members declare no document type and no "
                                        "entities (refused: this member declares them, the means of an entity "
                                        "attack; Excel never writes them). Save the grid again from Excel"))
    return problems


def csv_file(shown_as: str, header: list[str], rows: list[tuple[int, list[str]]]) -> CsvFile:
    """A sheet's rows as the validation stage's CsvFile, so its checks run unchanged.

    CsvFile holds its rows either as (line, cells) pairs or column by column (`lines`,
    `columns`), depending on the version of :mod:`rlp_pipeline.io.tables`; both are built here.
    """
    names = {f.name for f in dataclasses.fields(CsvFile)}
    if "columns" in names:
        import numpy as np

        lines = np.array([line for line, _ in rows], dtype=np.int64)
        columns = [np.array([cells[k] for _, cells in rows], dtype=object) for k in range(len(header))]
        return CsvFile(shown_as, header, lines=lines, columns=columns)
    return CsvFile(shown_as, header, rows=rows)


class _GridReader:
    """Reading and checking the table sheets of one workbook."""

    def __init__(self, shown: str, codebook: Codebook, package: DataPackage):
        self.shown, self.codebook, self.package = shown, codebook, package
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.language = "fr"
        self._values: dict[tuple[str, str], object] = {}

    def problem(self, sheet: Sheet, row: int | None, column: str | None, value: str | None, expected: str,
                hint: str | None = None) -> None:
        """Record a problem at a sheet (and a row and column header of it)."""
        place = f"sheet '{sheet.title}'" + (f", row {row}" if row is not None else "")
        self.problems.append(ImportProblem(self.shown, row, column, value, expected, hint, place=place))

    def read_sheets(self, workbook) -> dict[str, Sheet]:
        """The plans and codings sheets, found by name; their headers mapped to fields."""
        sheets: dict[str, Sheet] = {}
        for worksheet in workbook.worksheets:
            table = sheet_table(worksheet.title)
            if table is None:
                if worksheet.title not in TEMPLATE_SHEETS:
                    self.notes.append(f"Sheet '{worksheet.title}' ignored (neither plans nor codings).")
                continue
            if table in sheets:
                self.problems.append(ImportProblem(self.shown, None, None, worksheet.title,
                                                   f"one sheet of {table} (sheet '{sheets[table].title}' is one already)",
                                                   place=f"sheet '{worksheet.title}'"))
                continue
            if worksheet.title == SHEET_NAMES["codings"]["en"]:
                self.language = "en"
            sheets[table] = self.read_sheet(worksheet, table)
        if "codings" not in sheets:
            names = ", ".join(f"'{ws.title}'" for ws in workbook.worksheets)
            self.problems.append(Problem(self.shown, None, None, None,
                                         f"a sheet of codings named 'Codages' or 'Codings' (the workbook has {names})"))
        return sheets

    def read_sheet(self, worksheet, table: str) -> Sheet:
        """A sheet's header (the first non-blank row) and its non-blank rows, as text."""
        sheet = Sheet(worksheet.title, table)
        spellings = header_spellings(self.package, table)
        header_cells = None
        for number, values in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            if not any(cells):
                continue
            if header_cells is None:
                header_cells = cells
                sheet.header_row = number
                positions = self.read_header(sheet, cells, spellings)
                continue
            sheet.rows.append((number, {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}))
        if header_cells is None:
            self.problem(sheet, None, None, None, "a header row naming the columns ("
                         + ", ".join(column_titles(self.package, table, self.language).values()) + ")")
        return sheet

    def read_header(self, sheet: Sheet, cells: list[str], spellings: dict[str, str]) -> dict[str, int]:
        """Field -> position of its column; unknown headers noted, missing required ones reported."""
        positions: dict[str, int] = {}
        ignored = []
        for index, text in enumerate(cells):
            if not text:
                continue
            name = header_field(text, spellings)
            if name is None:
                ignored.append(text)
            elif name in positions:
                self.problem(sheet, sheet.header_row, text, text,
                             f"each column once (column '{sheet.header[name]}' is the same column)")
            else:
                positions[name], sheet.header[name] = index, text
        if ignored:
            self.notes.append(f"Sheet '{sheet.title}': columns ignored (not in the data package): " + ", ".join(ignored) + ".")
        titles = column_titles(self.package, sheet.table, self.language)
        for field_ in self.package.resources[sheet.table].fields:
            required = (field_.get("constraints") or {}).get("required")
            if required and field_["name"] not in positions:
                near = closest(titles[field_["name"]], ignored)
                self.problem(sheet, sheet.header_row, titles[field_["name"]], None,
                             f"a column '{titles[field_['name']]}' ({field_['name']}); the header has: " + ", ".join(c for c in cells if c),
                             f"Is the column '{near}' meant to be it?" if near else None)
        return positions

    # -- values --------------------------------------------------------------------------------

    def converted(self, sheet: Sheet) -> tuple[CsvFile, set[tuple[int, str]]]:
        """The sheet as a CsvFile of ids (labels converted), and the cells already reported."""
        reported: set[tuple[int, str]] = set()
        names = [f["name"] for f in self.package.resources[sheet.table].fields if f["name"] in sheet.header]
        sections = {f["name"]: f.get("codebook") for f in self.package.resources[sheet.table].fields}
        rows = []
        for number, cells in sheet.rows:
            values = []
            for name in names:
                text = cells.get(name, "")
                section = sections.get(name)
                if section and text:
                    if (section, text) not in self._values:
                        self._values[(section, text)] = code_value(text, section, self.codebook)
                    found = self._values[(section, text)]
                    if found is None:
                        reported.add((number, name))
                        self.problem(sheet, number, sheet.header[name], text, self.expected_choice(section),
                                     did_you_mean(text, self.codebook.spellings(section)))
                    else:
                        text = str(found)
                values.append(text)
            rows.append((number, values))
        key = f"{self.shown}\x00{sheet.title}"
        return csv_file(key, names, rows), reported

    def expected_choice(self, section: str) -> str:
        """What a cell of a coded column may hold, as the drop-down list shows it."""
        choices = [choice_text(section, code_id, self.codebook, self.language) for code_id in self.codebook.ids(section)]
        return "a value of the drop-down list: " + "; ".join(choices) + " (or a codebook id)"

    def located(self, problems: list[Problem], sheets: dict[str, Sheet], reported: set[tuple[str, int, str]]) -> None:
        """The validation rules' problems, told in the workbook's terms (sheet, row, header)."""
        by_key = {f"{self.shown}\x00{s.title}": s for s in sheets.values()}
        for problem in problems:
            sheet = by_key.get(problem.file)
            if sheet is None:
                self.problems.append(problem)
                continue
            if (sheet.table, problem.line, problem.column) in reported:
                continue
            column = sheet.header.get(problem.column, problem.column)
            expected = problem.expected.replace("line ", "row ") if "already at line" in problem.expected else problem.expected
            self.problems.append(ImportProblem(self.shown, problem.line, column, problem.value, expected, problem.hint,
                                               place=f"sheet '{sheet.title}'" + (f", row {problem.line}" if problem.line else "")))

    def result(self, sheets: dict[str, Sheet], frame: pd.DataFrame | None) -> ImportResult:
        """Check every row with the validation rules; build the canonical tables."""
        # Imported here: the validation stage itself reads the import record of this package.
        from ..stages.validate import check_rows, foreign_key_problems

        codings_sheet = sheets["codings"]
        plans_sheet = sheets.get("plans")
        reported: set[tuple[str, int, str]] = set()
        checked = {}
        for table, sheet in sheets.items():
            if table == "plans" and not sheet.rows:
                continue
            if not sheet.rows:
                self.problem(sheet, None, None, None, "at least one row under the header (the sheet has only a header)")
                continue
            csv, seen = self.converted(sheet)
            reported |= {(table, row, name) for row, name in seen}
            rows, problems = check_rows(csv, self.package.resources[table], self.codebook)
            self.located(problems, sheets, reported)
            checked[table] = (csv, rows)
        if plans_sheet is not None and plans_sheet.rows and frame is not None:
            self.problem(plans_sheet, None, None, None, "either a filled plans sheet or a plans.csv, not both "
                         "(leave the sheet empty to use plans.csv, or give no plans.csv)")
        plan_ids = None
        if "plans" in checked and checked["plans"][1] is not None:
            plan_ids = checked["plans"][1][["plan_id", "source_line"]]
            plans_name = f"sheet '{plans_sheet.title}'"
        elif frame is not None:
            plan_ids = pd.DataFrame({"plan_id": frame["plan_id"], "source_line": range(2, len(frame) + 2)})
            plans_name = frame.attrs.get("shown_as", "plans.csv")
        else:
            self.problems.append(Problem(self.shown, None, None, None,
                                         "a sheet of plans named 'Plans' with at least one row, or a plans.csv"))
        coding_rows = checked.get("codings", (None, None))[1]
        if plan_ids is not None and coding_rows is not None:
            for problem in foreign_key_problems(coding_rows, plan_ids, "codings", plans_name):
                self.problem(codings_sheet, problem.line, codings_sheet.header.get("plan_id", "plan_id"), problem.value,
                             f"the id of a plan listed in {plans_name}", problem.hint)
        order = {f"sheet '{sheet.title}'": position for position, sheet in enumerate(sheets.values())}
        self.problems.sort(key=lambda p: (order.get((getattr(p, "place", "") or "").split(",")[0], -1), p.line or 0))
        if "plans" in checked:
            plans = self.rows_of(checked["plans"][0], "plans")
        else:
            plans = canonical_table(frame.to_dict("records") if frame is not None else [], self.package, "plans")
        codings = self.rows_of(checked["codings"][0], "codings") if "codings" in checked else canonical_table([], self.package, "codings")
        plans, codings = canonical_order(plans, codings, keep_plan_order=True)
        return ImportResult(self.shown, plans, codings, self.problems, notes=self.notes, kind="Excel grid")

    def rows_of(self, csv: CsvFile, table: str) -> pd.DataFrame:
        """A converted sheet as a canonical table."""
        return canonical_table([dict(zip(csv.header, cells)) for _, cells in csv.rows], self.package, table)
