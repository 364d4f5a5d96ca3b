"""The results workbook: the report's derived tables in one .xlsx per language, for auditors who work in Excel."""

from __future__ import annotations

# The workbook's file name beside each language's documents (report/_output/<language>/).
WORKBOOK_NAMES = {"fr": "resultats.xlsx", "en": "results.xlsx"}
