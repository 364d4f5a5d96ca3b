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

# The results workbook's file name beside each language's documents (report/_output/<language>/),
# one sheet per table of REPORT_TABLES (reporting.workbook). Here, not in the workbook's module, so
# that the Snakefile, which names it among the report's outputs (rules/report.smk), imports
# nothing more at every start.
WORKBOOK_NAMES = {"fr": "resultats.xlsx", "en": "results.xlsx"}

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

# The derived tables' titles in French, for the dictionary of the French report and the French
# workbook's sheets (their data packages, written by the stages, carry the English titles the
# English report shows). Here rather than beside the report's other words (reporting.document) so
# that the workbook, written by the report stage while the kernels run, does not import pandas.
DERIVED_TITLES_FR = {
    "diversity/per_plan.csv": "Nombre, diversité et complexité des stratégies de chaque plan analysé",
    "diversity/summary.csv": "Distribution de chaque mesure par plan, en tout et par niveau et groupe de mobilisation",
    "findings/findings.csv": "Constats du document source et leurs verdicts",
    "frequencies/objects.csv": "Objets de pérennité : plans qui nomment chaque objet",
    "frequencies/strategies.csv": "Stratégies de pérennisation : plans qui utilisent chaque stratégie",
    "frequencies/substrategies.csv": "Sous-stratégies : utilisation au sein de leur stratégie",
    "frequencies/statuses.csv": "Statuts : plans dont des stratégies sont déjà appliquées ou seulement prévues",
    "frequencies/strategy_status.csv": "Stratégies selon le statut : plans qui appliquent ou prévoient chaque stratégie",
    "frequencies/object_strategy.csv": "Stratégies utilisées pour chaque objet",
    "frequencies/by_level.csv": "Utilisation des objets, stratégies et sous-stratégies selon le niveau et le groupe de mobilisation",
    "frequencies/analysed_plans.csv": "Les plans analysés",
    "sample/sampled_plans.csv": "Les plans tirés",
    "sample/codings.csv": "Passages codés des plans tirés",
    "sample/sampled_without_codings.csv": "Plans tirés sans aucun passage codé",
    "sample/balance.csv": "Échantillon et population selon le niveau de mobilisation et la région",
    "sample/balance_tests.csv": "L'échantillon ressemble-t-il à un tirage au hasard dans le cadre ?",
    "stability/stability.csv": "Stabilité de chaque constat sur les échantillons aléatoires alternatifs",
    "stability/redraws.csv": "Verdict de chaque constat sur chaque échantillon alternatif",
    "tests/battery.csv": "Mobilisation et utilisation de chaque objet, stratégie et sous-stratégie",
    "tests/distributions.csv": "Nombres et diversité par plan selon le niveau et le groupe de mobilisation",
    "tests/objects_within_plans.csv": "Objets nommés par les mêmes plans : Q de Cochran et comparaisons appariées",
    "tests/components.csv": "Composantes de chaque constat : les tests qui décident des verdicts",
    "validated/plans.csv": "Cadre d'échantillonnage, validé",
    "validated/codings.csv": "Passages codés, validés",
    "validated/double_coding.csv": "Codages indépendants des plans codés deux fois",
    "agreement/dimensions.csv": "Accord entre codeurs par dimension du codage",
    "agreement/codes.csv": "Accord entre codeurs par code",
    "agreement/disagreements.csv": "Désaccords entre codeurs, à concilier",
    "calibration/calibration.csv": "Calibration des verdicts sur des populations simulées : taux de faux « reproduit » et puissance",
    "findings/robustness.csv": "Verdict de chaque constat sous chaque spécification déclarée dans le registre (robustesse)",
    "tests/alternatives.csv": "Composantes des spécifications alternatives des constats (robustesse)",
}


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
