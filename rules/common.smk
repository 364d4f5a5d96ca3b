# Facts shared by the rules, read once when the workflow is parsed.

from pathlib import Path

from rlp_pipeline.datapackage import load_datapackage

# A real coding export (config `import.source`) replaces the data package's CSV files: the import
# stage writes plans.csv, codings.csv and a copy of the descriptor to IMPORTED, and validation
# reads them there. Otherwise the raw tables are named in the data package: list them as inputs so
# that editing one of them re-runs what depends on it.
IMPORT = config.get("import") or {}
IMPORT_SOURCE = IMPORT.get("source")
IMPORTED = "data/derived/imported"
if IMPORT_SOURCE:
    VALIDATE_DATAPACKAGE = f"{IMPORTED}/datapackage.yaml"
    RAW_PLANS = f"{IMPORTED}/plans.csv"
    RAW_CODINGS = f"{IMPORTED}/codings.csv"
else:
    VALIDATE_DATAPACKAGE = config["datapackage"]
    RAW_PACKAGE = load_datapackage(config["datapackage"])
    RAW_PLANS = str(RAW_PACKAGE.resources["plans"].path)
    RAW_CODINGS = str(RAW_PACKAGE.resources["codings"].path)

# The report's languages (one Quarto profile each) and the figures drawn for it.
LANGUAGES = ["fr", "en"]
FIGURES = [
    "objects",
    "strategies",
    "object_strategy",
    "substrategies",
    "strategies_per_plan_by_level",
    "diversity_by_level",
    "strategy_use_by_level",
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
# Every derived file the report's cells read (rlp_pipeline.report).
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
        "calibration",
    )
]

# The package's code: every stage depends on it, so that changing how something is computed
# re-runs what it computes (Snakemake only tracks the rules' own code).
# The sub-packages (reporting/, stats/, stages/) are part of it; importers/ has its own list.
PACKAGE_CODE = sorted(
    str(path)
    for pattern in ("*.py", "reporting/*.py", "stats/*.py", "stages/*.py")
    for path in Path("src/rlp_pipeline").glob(pattern)
)
# The importers' code: the import and template stages, and validation (which reports what an
# import left out), depend on it too.
IMPORTER_CODE = sorted(
    str(path) for path in Path("src/rlp_pipeline/importers").glob("*.py")
)
# The coding-grid templates, one per language, part of the pipeline's outputs.
TEMPLATES = {
    "fr": "data/derived/template/grille-de-codage.xlsx",
    "en": "data/derived/template/coding-grid.xlsx",
}


def import_inputs(wildcards):
    """The import stage's inputs: the export, the codebook and descriptor, and the mapping and
    plans.csv when the configuration names them."""
    inputs = {
        "code": PACKAGE_CODE + IMPORTER_CODE,
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
