"""The results workbook: the report's derived tables in one .xlsx per language, for auditors who
work in Excel.

Beside each language's documents (report/_output/<language>/), one workbook holds a first sheet
that lists the other sheets (their source CSV file and what they hold) with the simulated-data
notice, then one sheet per derived table the report uses (reporting.sources.REPORT_TABLES), its
values exactly those of the CSV file (same rows, same columns in the same order) under headers in
the workbook's language (reporting.column_labels). The CSV files stay the reference: the workbook
is written from them and changes nothing in them.

Two builds from the same tables give the same bytes: the workbook's dates are the code version's
(not the clock's), and the zip archive's entries carry a fixed timestamp.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

# openpyxl (and the numpy it imports) is imported where a workbook is built: the report's kernels
# import this module through reporting.document (and the Snakefile once did, for WORKBOOK_NAMES,
# now in reporting.sources); that import was a third of what a no-op run cost beyond Snakemake's
# own start-up.
if TYPE_CHECKING:
    from openpyxl import Workbook

from ..fmt import typeset
from .column_labels import column_label
from .sources import DERIVED_TITLES_FR, REPORT_TABLES, WORKBOOK_NAMES

# The words of the workbook's first sheet, one place per language.
WORDS = {
    "fr": {"contents": "Sommaire", "title": "Résultats du rapport : tables dérivées",
           "head": ["Feuille", "Fichier source", "Contenu"],
           "note": "Chaque feuille reprend, valeur pour valeur et dans le même ordre de lignes et de colonnes, le "
                   "fichier CSV indiqué (dossier data/derived/ du dépôt), qui reste la référence ; seuls les en-têtes "
                   "sont traduits, et les nombres ont la précision d'Excel (15 chiffres significatifs).",
           "simulated": "Données simulées : les plans codés analysés ne sont pas réels. Les constats et verdicts "
                        "illustrent la méthode ; ils ne décrivent pas les RLP."},
    "en": {"contents": "Contents", "title": "Results of the report: derived tables",
           "head": ["Sheet", "Source file", "Content"],
           "note": "Each sheet holds, value for value and in the same order of rows and columns, the CSV file named "
                   "(folder data/derived/ of the repository), which stays the reference; only the headers are "
                   "translated, and numbers have Excel's precision (15 significant digits).",
           "simulated": "Simulated data: the coded plans analysed are not real. The findings and verdicts illustrate "
                        "the method; they do not describe the RLP."},
}
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_name(key: str) -> str:
    """A table's sheet: its file name without .csv (unique among REPORT_TABLES), checked against
    Excel's rules (1 to 31 characters, none of [ ] : * ? / \\)."""
    name = Path(key).stem
    if not 1 <= len(name) <= 31 or INVALID_SHEET_CHARACTERS.search(name):
        raise ValueError(f"the sheet name {name!r} (from {key}) is not valid in Excel: 1 to 31 characters, none of [ ] : * ? / \\")
    return name


def cell_value(text: str, where: str):
    """A CSV cell as the workbook stores it: empty -> an empty cell, an integer (up to 15 digits)
    or a finite decimal number -> a number (openpyxl writes 16 significant digits, more than the 15
    Excel computes with: 0.30000000000000004 reads back as 0.3), True/False -> a boolean, anything else -> the text unchanged.
    A character Excel cannot store (a control character) stops with the cell's place."""
    if text == "":
        return None
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    # a longer whole number (an identifier) stays text: Excel keeps only 15 significant digits
    if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text) and not re.fullmatch(r"-?\d{16,}", text):
        number = float(text)
        if math.isfinite(number):
            return number
    if text in ("True", "False"):
        return text == "True"
    if CONTROL.search(text):
        raise ValueError(f"{where}: a control character Excel cannot store; expected printable text")
    return text


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a derived CSV file, as text."""
    if not path.is_file():
        raise ValueError(f"{path}: missing; expected the derived table the report uses (run the pipeline's stages first)")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"{path}: empty file; expected a header line")
    return rows[0], rows[1:]


def table_title(derived: Path, key: str, language: str) -> str:
    """What a derived table holds, in the language: its data package's title (English), or the
    report's French title (sources.DERIVED_TITLES_FR)."""
    if language == "fr" and key in DERIVED_TITLES_FR:
        return DERIVED_TITLES_FR[key]
    folder, name = key.split("/", 1)
    package = json.loads((derived / folder / "datapackage.json").read_text(encoding="utf-8"))
    return next((r.get("title", "") for r in package["resources"] if r["path"] == name), "")


def build_workbook(derived: Path, language: str, simulated: bool, tables: tuple[str, ...] = REPORT_TABLES) -> Workbook:
    """The workbook in memory: the contents sheet, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = WORDS[language]
    book = Workbook()
    contents = book.active
    contents.title = words["contents"]
    bold = Font(bold=True)
    contents.append([typeset(words["title"], language)])
    contents["A1"].font = Font(bold=True, size=13)
    if simulated:
        contents.append([typeset(words["simulated"], language)])
        contents["A2"].font = Font(bold=True, color="9C5700")
    contents.append([typeset(words["note"], language)])
    contents.append([])
    contents.append(words["head"])
    for cell in contents[contents.max_row]:
        cell.font = bold
    for key in tables:
        name = sheet_name(key)
        contents.append([name, f"data/derived/{key}", typeset(table_title(derived, key, language), language)])
        header, rows = read_csv(derived / key)
        sheet = book.create_sheet(name)
        sheet.append([typeset(column_label(key, column, language), language) for column in header])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for number, row in enumerate(rows, 2):
            if len(row) != len(header):
                raise ValueError(f"data/derived/{key}, line {number}: {len(row)} cells; expected {len(header)} as in the header")
            sheet.append([cell_value(text, f"data/derived/{key}, line {number}, column {column}")
                          for text, column in zip(row, header)])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text from the data, never a formula
    for column, width in zip("ABC", (24, 40, 90)):
        contents.column_dimensions[column].width = width
    return book


def workbook_bytes(book: Workbook, date: str) -> bytes:
    """The .xlsx file's bytes, the same for the same workbook and date: the document's creation
    and modification dates are `date` (YYYY-MM-DD, the code version's), and every zip entry
    carries one fixed timestamp (openpyxl would stamp both with the clock)."""
    from openpyxl.writer.excel import ExcelWriter

    stamp = datetime.datetime.strptime(date, "%Y-%m-%d") if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date or "") \
        else datetime.datetime(2000, 1, 1)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = book.properties.lastModifiedBy = "rlp-pipeline"

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()


def write_workbook(derived: Path | str, folder: Path | str, language: str, date: str,
                   tables: tuple[str, ...] = REPORT_TABLES) -> Path:
    """Write the language's workbook of `tables` into `folder` (beside its documents) and return its path."""
    derived = Path(derived)
    record = json.loads((derived / "sample" / "sampling_record.json").read_text(encoding="utf-8"))
    target = Path(folder) / WORKBOOK_NAMES[language]
    content = workbook_bytes(build_workbook(derived, language, bool(record.get("simulated")), tables), date)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(content)
    partial.replace(target)  # never a half-written workbook under the final name
    return target
