"""Words of the spreadsheet routes: sheet names, column headers and the values a cell may hold.

One place for each fact. The column ids and English titles come from the data package
(`datapackage.yaml`: field `name` and `title`), code ids and their French and English labels
from the codebook. What neither file holds is here, and only here: the French column titles and
the names of the template's sheets (a test checks that every field of the data package has a
French title, so the two cannot drift apart).

:func:`code_value` turns what a person types or picks in a drop-down list (an id, a French or
English label, or for numbered codes "6 – Montréal") into the codebook's id.
"""

from __future__ import annotations

import re
from typing import Any

from ..codebook import Codebook
from ..io.datapackage import DataPackage
from ..problems import fold

LANGUAGES = ("fr", "en")

# French titles of the data package's columns (the English ones are the fields' `title`).
FRENCH_TITLES = {
    "plan_id": "Identifiant du plan",
    "name": "Nom du regroupement",
    "region": "Région administrative",
    "mobilisation_level": "Niveau de mobilisation",
    "object": "Objet de pérennité",
    "strategy": "Stratégie",
    "substrategy": "Sous-stratégie",
    "status": "Statut",
    "excerpt": "Extrait",
    "coder": "Codeur",
}
# Shorter headers people also write; each is accepted for the column it names.
HEADER_ALIASES = {
    "name": ("Nom", "Name", "Regroupement", "Nom du RLP"),
    "region": ("Région", "Region"),
    "mobilisation_level": ("Niveau", "Mobilisation", "Level", "Niveau de mobilisation (Himmelman)"),
    "object": ("Objet", "Object"),
    "plan_id": ("Plan", "Identifiant", "Plan id", "Id du plan"),
    "excerpt": ("Extrait codé", "Quotation", "Citation"),
    "coder": ("Codeuse", "Codé par", "Coded by"),
}

# Sheet names of the workbook, by table (the data package's resource names) and language.
SHEET_NAMES = {
    "plans": {"fr": "Plans", "en": "Plans"},
    "codings": {"fr": "Codages", "en": "Codings"},
    "lists": {"fr": "Listes", "en": "Lists"},
    "readme": {"fr": "Lisez-moi", "en": "Read me"},
}
SHEET_ALIASES = {
    "plans": ("Plan", "Cadre", "Frame", "plans.csv"),
    "codings": ("Codage", "Coding", "Codes", "Passages", "codings.csv"),
}

# Columns whose cells hold a code of a codebook section (from the data package's `codebook:`).
_NUMBERED = re.compile(r"\s*[+]?(\d+)(?:[.,]0*)?\s*(?:[-–—:.)]\s*.*)?", re.DOTALL)


def column_titles(package: DataPackage, table: str, language: str) -> dict[str, str]:
    """Field name -> the column header of that field in a language ('fr' or 'en')."""
    fields = package.resources[table].fields
    if language == "fr":
        return {f["name"]: FRENCH_TITLES.get(f["name"], f.get("title", f["name"])) for f in fields}
    return {f["name"]: str(f.get("title", f["name"])) for f in fields}


def header_spellings(package: DataPackage, table: str) -> dict[str, str]:
    """Every accepted spelling of a column header (folded) -> field name.

    Accepted: the field name (`plan_id`), its English title, its French title and the aliases
    above, whatever the case, accents or punctuation ("Identifiant du plan", "PLAN_ID").
    """
    spellings: dict[str, str] = {}
    for field in package.resources[table].fields:
        name = field["name"]
        for text in (name, field.get("title", ""), FRENCH_TITLES.get(name, ""), *HEADER_ALIASES.get(name, ())):
            if text:
                spellings.setdefault(fold(str(text)), name)
    return spellings


def header_field(header: str, spellings: dict[str, str]) -> str | None:
    """The field a header names, or None. "Titre (field_name)" is accepted too."""
    folded = fold(header)
    if folded in spellings:
        return spellings[folded]
    inner = re.fullmatch(r".*\(([^()]*)\)\s*", header)
    if inner and fold(inner.group(1)) in spellings:
        return spellings[fold(inner.group(1))]
    bare = re.sub(r"\([^()]*\)\s*$", "", header)
    return spellings.get(fold(bare)) if bare != header else None


def sheet_table(sheet_name: str) -> str | None:
    """Which table ('plans' or 'codings') a sheet holds, judged on its name; None otherwise."""
    folded = fold(sheet_name)
    for table in ("plans", "codings"):
        names = list(SHEET_NAMES[table].values()) + [table, *SHEET_ALIASES[table]]
        if folded in {fold(n) for n in names}:
            return table
    return None


def is_numbered(section: str, codebook: Codebook) -> bool:
    """Whether a section's ids are whole numbers (mobilisation levels, regions)."""
    return all(isinstance(code_id, int) and not isinstance(code_id, bool) for code_id in codebook.ids(section))


def choice_text(section: str, code_id: Any, codebook: Codebook, language: str) -> str:
    """What a drop-down list shows for a code: its label, or "6 – Montréal" for numbered codes."""
    label = codebook.label(section, code_id, language)
    return f"{code_id} – {label}" if is_numbered(section, codebook) else label


def code_value(text: str, section: str, codebook: Codebook) -> Any | None:
    """The codebook id a typed or picked value stands for, or None when it stands for none.

    Accepted: the id itself, the French or English label (case, accents and punctuation are
    ignored: « institutionnalisation » is `institutionalisation`), and for numbered sections a
    whole number, optionally followed by a dash and anything ("3 – Coopération", "3.0"). Near
    misses are not guessed: the caller reports them with a "did you mean".
    """
    text = str(text).strip()
    if not text:
        return None
    ids = codebook.ids(section)
    if is_numbered(section, codebook):
        number = _NUMBERED.fullmatch(text)
        if number:
            value = int(number.group(1))
            return value if value in ids else None
    elif text in ids:
        return text
    folded = fold(text)
    for code in codebook.codes(section):
        if folded == fold(str(code.id)) or any(folded == fold(label) for label in code.label.values()):
            return code.id
    return None


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold: numbers without a spurious '.0',
    dates in ISO form, empty cells as ''. Text is kept as text (never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()
