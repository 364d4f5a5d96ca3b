# Facts shared by the rules, read once when the workflow is parsed.

import shlex
from pathlib import Path

from rlp_pipeline.safety.workflow import stop_on_problems, workflow_inputs
from rlp_pipeline.workflow.code_deps import cached_code_dependencies

# A real coding export (config `import.source`) replaces the data package's CSV files: the import
# stage writes plans.csv, codings.csv and a copy of the descriptor to IMPORTED, and validation
# reads them there. Otherwise the raw tables are named in the data package: list them as inputs so
# that editing one of them re-runs what depends on it.
IMPORT = config.get("import") or {}
IMPORT_SOURCE = IMPORT.get("source")
IMPORTED = "data/derived/imported"
# Every input the settings name must exist and be readable, whatever was built before: Snakemake
# would otherwise say "Nothing to be done" and keep results of inputs that no longer exist.
RAW_PACKAGE, _input_problems = workflow_inputs(config)
stop_on_problems(_input_problems, "check of the inputs")
if IMPORT_SOURCE:
    VALIDATE_DATAPACKAGE = f"{IMPORTED}/datapackage.yaml"
    RAW_PLANS = f"{IMPORTED}/plans.csv"
    RAW_CODINGS = f"{IMPORTED}/codings.csv"
else:
    VALIDATE_DATAPACKAGE = config["datapackage"]
    RAW_PLANS = str(RAW_PACKAGE.resources["plans"].path)
    RAW_CODINGS = str(RAW_PACKAGE.resources["codings"].path)

# The report's languages (one Quarto profile each) and the figures drawn for it.
LANGUAGES = ["fr", "en"]
# The figures drawn from the sample's tables (rule sample_figures, while the stability redraws
# run), then those drawn from the stability stage's (rule stability_figures):
# rlp_pipeline.stages.figures.PARTS.
SAMPLE_FIGURES = [
    "objects",
    "strategies",
    "object_strategy",
    "substrategies",
    "strategies_per_plan_by_level",
    "diversity_by_level",
    "strategy_use_by_level",
    "reliability",
]
STABILITY_FIGURES = [
    "stability",
]
# The Quarto sources: editing one re-renders only the report.
REPORT_SOURCES = [
    "report/_quarto.yml",
    "report/_quarto-fr.yml",
    "report/_quarto-en.yml",
    "report/index.qmd",
    "report/style.css",
]
# Every derived file the report's cells read (rlp_pipeline.reporting.document).
REPORT_INPUTS = [
    "data/derived/findings/findings.csv",
    "data/derived/tests/components.csv",
    "data/derived/tests/battery.csv",
    "data/derived/diversity/summary.csv",
    "data/derived/frequencies/analysed_plans.csv",
    "data/derived/frequencies/substrategies.csv",
    "data/derived/frequencies/strategy_status.csv",
    "data/derived/sample/sampling_record.json",
    "data/derived/sample/balance.csv",
    "data/derived/sample/codings.csv",
    "data/derived/sample/sampled_plans.csv",
    "data/derived/validated/provenance.json",
    "data/derived/stability/stability.csv",
    "data/derived/stability/stability_record.json",
    "data/derived/agreement/dimensions.csv",
    "data/derived/agreement/agreement_record.json",
    "data/derived/calibration/calibration.csv",
    "data/derived/findings/robustness.csv",
] + [
    f"data/derived/{stage}/datapackage.json"
    for stage in (
        "validated",
        "sample",
        "frequencies",
        "diversity",
        "tests",
        "findings",
        "stability",
        "agreement",
        "calibration",
    )
]

# The package's code. Snakemake only tracks the rules' own code, so each rule lists the package's
# files its command runs as inputs: changing how something is computed re-runs what it computes,
# and only that (editing the figures' code re-runs the figures and the report, not the redraws).
PACKAGE_DIR = "src/rlp_pipeline"
# Every module of the package: for a rule whose command stage_code cannot analyse.
PACKAGE_CODE = sorted(str(path) for path in Path(PACKAGE_DIR).rglob("*.py"))


def stage_code(command, documents=()):
    """The package's source files that `python -m rlp_pipeline COMMAND` imports (the static
    import graph from the command line's branch for COMMAND, rlp_pipeline.workflow.code_deps),
    plus those imported by the Python code of `documents` that the command runs (the report's
    Quarto cells, the audit notebooks). The answers are kept in .snakemake/ until a source file
    changes, so that a no-op run does not parse the package again."""
    return cached_code_dependencies(
        PACKAGE_DIR, command, tuple(documents), cache=".snakemake/rlp-code-deps.json"
    )

# Written by the compile rule (rules/statistics.smk) once Numba's cache holds the Jonckheere-Terpstra
# loop; among Snakemake's own files, since it describes the checkout's caches, not the data.
COMPILED = ".snakemake/rlp-compiled-jonckheere.txt"

# The coding-grid templates, one per language, part of the pipeline's outputs.
TEMPLATES = {
    "fr": "data/derived/template/grille-de-codage.xlsx",
    "en": "data/derived/template/coding-grid.xlsx",
}


def import_inputs(wildcards):
    """The import stage's inputs: the export, the codebook and descriptor, and the mapping and
    plans.csv when the configuration names them."""
    inputs = {
        "code": stage_code("import"),
        "export": IMPORT_SOURCE,
        "codebook": config["codebook"],
        "datapackage": config["datapackage"],
    }
    for key in ("mapping", "plans"):
        if IMPORT.get(key):
            inputs[key] = IMPORT[key]
    return inputs


def import_options(wildcards, input):
    """The import command's --mapping and --plans options, for the inputs that are given."""
    return "".join(
        f" --{key} '{getattr(input, key)}'"
        for key in ("mapping", "plans")
        if hasattr(input, key)
    )


# Reviewers' notebooks, executed after each build (rules/audit.smk).
AUDIT_NOTEBOOKS = sorted(str(path) for path in Path("notebooks").glob("*.ipynb"))
AUDIT_NOTEBOOK_NAMES = [Path(path).name for path in AUDIT_NOTEBOOKS]


def coding_options():
    """The validate command's options saying which coding of a double-coded plan is analysed
    (settings `coding`), quoted for the shell; --reference-coder only when one is named.
    """
    coding = config["coding"]
    options = f"--analysed {coding['analysed']} --reconciled-coder {shlex.quote(coding['reconciled_coder'])}"
    if coding.get("reference_coder"):
        options += f" --reference-coder {shlex.quote(str(coding['reference_coder']))}"
    return options
