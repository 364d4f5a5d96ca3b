# Facts shared by the rules, read once when the workflow is parsed.

from pathlib import Path

from rlp_pipeline.datapackage import load_datapackage

# The raw tables are named in the data package: list them as inputs so that editing one of them
# re-runs what depends on it.
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
    )
]

# The package's code: every stage depends on it, so that changing how something is computed
# re-runs what it computes (Snakemake only tracks the rules' own code).
PACKAGE_CODE = sorted(str(path) for path in Path("src/rlp_pipeline").glob("*.py"))

# Reviewers' notebooks, executed after each build (rules/audit.smk).
AUDIT_NOTEBOOKS = sorted(str(path) for path in Path("notebooks").glob("*.ipynb"))
AUDIT_NOTEBOOK_NAMES = [Path(path).name for path in AUDIT_NOTEBOOKS]
