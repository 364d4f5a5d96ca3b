"""The coding-grid template: an .xlsx generated from the codebook, with drop-down lists.

Evaluators start from it: a sheet of plans and a sheet of codings with the headers the grid
importer reads (:mod:`.grid`), drop-down lists of the valid values in every coded column
(region, mobilisation level, object, strategy, sub-strategy, status; the plan of a coding from
the plans sheet), a read-me sheet explaining each column and each code in the chosen language,
and a hidden sheet holding the lists. Everything shown comes from the codebook and the data
package, so the template follows them when they change.

The bytes are deterministic: fixed document properties and fixed timestamps of the archive's
members, so the same codebook gives the same file (Snakemake and checksums see no change).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path

from ..codebook import Codebook
from ..io.datapackage import DataPackage, field_is_required
from ..io.outputs import write_outputs
from .values import SHEET_NAMES, choice_text, column_titles

# Rows of the plans and codings sheets that carry the drop-down lists (after the header row).
LIST_ROWS = {"plans": 2000, "codings": 50000}
FIXED_TIME = datetime.datetime(2020, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Lists of the hidden sheet, in column order: (codebook section, column of the data package).
LIST_SECTIONS = (
    ("regions", "region"), ("mobilisation_levels", "mobilisation_level"), ("objects", "object"),
    ("strategies", "strategy"), ("substrategies", "substrategy"), ("statuses", "status"),
)
TEXT = {
    "fr": {
        "title": "Grille de codage des plans d'action des RLP",
        "intro": [
            "Remplissez la feuille « {plans} » (un plan déposé par ligne, codé ou non : c'est la base de sondage) "
            "et la feuille « {codings} » (un passage codé par ligne).",
            "Choisissez les codes dans les listes déroulantes ; ne renommez ni les feuilles ni les en-têtes.",
            "Puis pointez la configuration du pipeline vers ce classeur : il est converti en plans.csv et codings.csv "
            "et validé comme eux. Chaque erreur est signalée avec la feuille, la ligne et la colonne.",
            "Version du livre de codes : {version}.",
        ],
        "columns": "Colonnes", "codes": "Codes", "sheet": "Feuille", "column": "Colonne", "required": "Obligatoire",
        "values": "Valeurs", "yes": "oui", "no": "non", "list": "liste déroulante", "text": "texte libre",
        "plan_list": "un identifiant de la feuille « {plans} »", "identifier": "lettres, chiffres, - _ . (unique)",
        "code": "Code", "definition": "Définition", "section": "Liste", "parent": "Stratégie",
        "prompt": "Choisissez dans la liste.", "error": "Valeur absente de la liste du livre de codes.",
        "plan_error": "Ce plan n'est pas dans la feuille « {plans} ».",
    },
    "en": {
        "title": "Coding grid of the RLP action plans",
        "intro": [
            "Fill in the '{plans}' sheet (one deposited plan per row, coded or not: it is the sampling frame) "
            "and the '{codings}' sheet (one coded passage per row).",
            "Pick the codes from the drop-down lists; do not rename the sheets or the headers.",
            "Then point the pipeline's configuration at this workbook: it is converted to plans.csv and codings.csv "
            "and validated like them. Each error names the sheet, the row and the column.",
            "Codebook version: {version}.",
        ],
        "columns": "Columns", "codes": "Codes", "sheet": "Sheet", "column": "Column", "required": "Required",
        "values": "Values", "yes": "yes", "no": "no", "list": "drop-down list", "text": "free text",
        "plan_list": "an identifier of the '{plans}' sheet", "identifier": "letters, digits, - _ . (unique)",
        "code": "Code", "definition": "Definition", "section": "List", "parent": "Strategy",
        "prompt": "Pick from the list.", "error": "This value is not in the codebook's list.",
        "plan_error": "This plan is not in the '{plans}' sheet.",
    },
}


def template_workbook(codebook: Codebook, package: DataPackage, language: str = "fr") -> bytes:
    """The template workbook's bytes, in French ('fr') or English ('en')."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    words = TEXT[language]
    names = {key: SHEET_NAMES[key][language] for key in SHEET_NAMES}
    workbook = Workbook()
    readme = workbook.active
    readme.title = names["readme"]
    sheets = {table: workbook.create_sheet(names[table]) for table in ("plans", "codings")}
    lists = workbook.create_sheet(names["lists"])
    lists.sheet_state = "hidden"

    ranges = {}
    for index, (section, column) in enumerate(LIST_SECTIONS, start=1):
        letter = get_column_letter(index)
        lists.cell(1, index, column_titles(package, _table_of(package, column), language)[column])
        choices = [choice_text(section, code_id, codebook, language) for code_id in codebook.ids(section)]
        for row, text in enumerate(choices, start=2):
            lists.cell(row, index, text)
        ranges[column] = f"{_quoted(names['lists'])}!${letter}$2:${letter}${len(choices) + 1}"

    bold = Font(bold=True)
    for table, sheet in sheets.items():
        titles = column_titles(package, table, language)
        last = LIST_ROWS[table] + 1
        for index, field in enumerate(package.resources[table].fields, start=1):
            cell = sheet.cell(1, index, titles[field["name"]])
            cell.font = bold
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = 60 if field["name"] == "excerpt" else max(16, len(cell.value) + 4)
            source = ranges.get(field["name"])
            if source is None and table == "codings" and field["name"] == "plan_id":
                source = f"{_quoted(names['plans'])}!$A$2:$A${LIST_ROWS['plans'] + 1}"
                error, style = words["plan_error"].format(**names), "warning"
            else:
                error, style = words["error"], "stop"
            if source is None:
                continue
            rule = DataValidation(type="list", formula1=f"={source}", allow_blank=True, errorStyle=style,
                                  showErrorMessage=True, showInputMessage=True,
                                  promptTitle=titles[field["name"]][:32], prompt=words["prompt"],
                                  errorTitle=titles[field["name"]][:32], error=error)
            rule.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(rule)
        sheet.freeze_panes = "A2"

    _write_readme(readme, codebook, package, language, names, bold, Alignment(wrap_text=True, vertical="top"))
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "rlp_pipeline"
    properties.title = words["title"]
    properties.created = properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return deterministic_zip(buffer.getvalue())


def _table_of(package: DataPackage, column: str) -> str:
    """The table (resource name) a column belongs to."""
    return next(name for name, resource in package.resources.items() if any(f["name"] == column for f in resource.fields))


def _quoted(sheet_name: str) -> str:
    """A sheet name as a formula reference ('Listes'), quotes doubled inside."""
    return "'" + sheet_name.replace("'", "''") + "'"


def _write_readme(sheet, codebook: Codebook, package: DataPackage, language: str, names: dict[str, str], bold, wrap) -> None:
    """The read-me sheet: what to do, each column (required or not, what it holds), each code
    with its definition (and a sub-strategy's strategy)."""
    words = TEXT[language]
    rows: list[tuple[list, bool]] = [([words["title"]], True), ([], False)]
    rows += [([line.format(version=codebook.version, **names)], False) for line in words["intro"]]
    rows += [([], False), ([words["columns"]], True),
             ([words["sheet"], words["column"], words["required"], words["values"]], True)]
    for table in ("plans", "codings"):
        titles = column_titles(package, table, language)
        for field in package.resources[table].fields:
            if field.get("codebook"):
                values = words["list"]
            elif field["name"] == "plan_id":
                values = words["identifier"] if table == "plans" else words["plan_list"].format(**names)
            else:
                values = words["text"]
            rows.append(([names[table], titles[field["name"]], words["yes" if field_is_required(field) else "no"], values], False))
    rows += [([], False), ([words["codes"]], True),
             ([words["section"], words["code"], words["definition"], words["parent"]], True)]
    for section, column in LIST_SECTIONS[2:]:
        title = column_titles(package, "codings", language)[column]
        for code in codebook.codes(section):
            parent = code.attributes.get("parent")
            rows.append(([title, code.label[language], code.definition.get(language, ""),
                          codebook.label("strategies", parent, language) if parent else ""], False))
    for index, (row, heading) in enumerate(rows, start=1):
        sheet.append(row)
        for column in range(1, len(row) + 1):
            cell = sheet.cell(index, column)
            cell.alignment = wrap
            if heading:
                cell.font = bold
    for letter, width in zip("ABCD", (24, 40, 70, 28)):
        sheet.column_dimensions[letter].width = width


def deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed member timestamps and a fixed 'modified' date, so that equal
    content gives equal bytes (openpyxl stamps both with the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def write_template(path: Path | str, codebook: Codebook, package: DataPackage, language: str = "fr") -> None:
    """Write the template workbook atomically (temporary file renamed into place)."""
    write_outputs({Path(path): template_workbook(codebook, package, language)})


# File names of the templates the pipeline writes, by language.
TEMPLATE_FILES = {"fr": "grille-de-codage.xlsx", "en": "coding-grid.xlsx"}


def write_templates(out_dir: Path | str, codebook: Codebook, package: DataPackage,
                    languages: tuple[str, ...] = ("fr", "en")) -> list[Path]:
    """Write the template in each language into `out_dir` (names in TEMPLATE_FILES); all files
    are rendered before any is written."""
    files = {Path(out_dir) / TEMPLATE_FILES[language]: template_workbook(codebook, package, language)
             for language in languages}
    write_outputs(files)
    return list(files)
