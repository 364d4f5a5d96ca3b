"""Command line of the pipeline: one sub-command per stage, each calling one package function.

Snakemake rules call these sub-commands; a person can call them too, for one stage alone:

    python -m rlp_pipeline validate --help

Input problems end the command with exit status 1 and a plain-language list of every problem
(file, line, column, value, what was expected); nothing is written in that case.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys
import threading
from pathlib import Path

from .problems import CheckFailed, InputError, os_error_message
from .stats import DEFAULT_RAREFACTION_SIZE

EXIT_INPUT_PROBLEM = 1

log = logging.getLogger("rlp_pipeline")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with a help text for every sub-command and option."""
    parser = argparse.ArgumentParser(
        prog="python -m rlp_pipeline",
        description="Stages of the RLP sustainability report pipeline. Normally run by "
        "`snakemake --cores 2`; each stage can also be run alone.",
    )
    parser.add_argument("--log", type=Path, help="also write the messages to this file (Snakemake passes the rule's log)")
    parser.add_argument("--quiet", action="store_true", help="only print warnings and errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check the raw tables against the codebook and schema; write clean tables",
        description="Check codebook.yaml, datapackage.yaml, plans.csv and codings.csv; list every "
        "problem at once, or write the clean tables and a validation report.",
    )
    validate.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    validate.add_argument("--datapackage", type=Path, default=Path("data/raw/datapackage.yaml"), help="data package descriptor (default: %(default)s)")
    validate.add_argument("--out", type=Path, default=Path("data/derived/validated"), help="output folder (default: %(default)s)")
    validate.add_argument("--analysed", choices=("reference", "reconciled"), default="reference",
                          help="which coding of a double-coded plan is analysed (setting coding.analysed; default: %(default)s)")
    validate.add_argument("--reference-coder", default=None, help="the reference coder (setting coding.reference_coder; "
                          "default: each plan's primary coder, the coder of its first row)")
    validate.add_argument("--reconciled-coder", default="reconciled", help="the coder value of reconciled codings "
                          "(setting coding.reconciled_coder; default: %(default)s)")

    sample = commands.add_parser(
        "sample", help="draw the reproducible random sample of plans and check its balance",
        description="Draw a simple random sample (optionally stratified) of the validated plans "
        "and compare it with the population on mobilisation level and region.",
    )
    sample.add_argument("--validated", type=Path, default=Path("data/derived/validated"), help="folder of the validation stage (default: %(default)s)")
    sample.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    sample.add_argument("--fraction", type=float, default=0.40, help="fraction of the plans to sample (default: %(default)s)")
    sample.add_argument("--seed", type=int, required=True, help="seed of the random draw (from config/config.yaml)")
    sample.add_argument("--stratify-by", default=None, help="column of the frame for proportional stratification (default: none)")
    sample.add_argument("--balance-resamples", type=int, default=10000, help="Monte Carlo redraws for the balance test (default: %(default)s)")
    sample.add_argument("--out", type=Path, default=Path("data/derived/sample"), help="output folder (default: %(default)s)")

    for name, help_text in (("frequencies", "share of plans per object, strategy, sub-strategy, status and object x strategy"),
                            ("diversity", "per-plan numbers of objects and strategies and diversity indices")):
        stage = commands.add_parser(name, help=help_text, description=f"The {name} stage: {help_text}, from the sample.")
        stage.add_argument("--sample", type=Path, default=Path("data/derived/sample"), help="folder of the sampling stage (default: %(default)s)")
        stage.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
        stage.add_argument("--out", type=Path, default=Path(f"data/derived/{name}"), help="output folder (default: %(default)s)")
        if name == "diversity":
            stage.add_argument("--rarefaction-size", type=int, default=DEFAULT_RAREFACTION_SIZE,
                               help="coded passages every plan's diversity is rarefied to (default: %(default)s)")

    tests = commands.add_parser(
        "tests", help="every statistical test of the findings: battery, distributions, components",
        description="Mobilisation against use (chi-square or exact, trend, effect sizes, Holm), rank tests "
        "of per-plan measures, and every component of the findings registry.",
    )
    tests.add_argument("--sample", type=Path, default=Path("data/derived/sample"), help="folder of the sampling stage (default: %(default)s)")
    tests.add_argument("--per-plan", type=Path, default=Path("data/derived/diversity/per_plan.csv"), help="per-plan measures (default: %(default)s)")
    tests.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    tests.add_argument("--registry", type=Path, default=Path("config/findings.yaml"), help="findings registry (default: %(default)s)")
    tests.add_argument("--seed", type=int, required=True, help="seed of the Monte Carlo, permutation and bootstrap procedures")
    tests.add_argument("--out", type=Path, default=Path("data/derived/tests"), help="output folder (default: %(default)s)")

    calibration = commands.add_parser(
        "calibration", help="false reproduced rate and power of the verdicts, on simulated populations",
        description="Simulate populations with the mobilisation effects removed and kept, analyse a sample of each "
        "with every stage, and count the verdicts (rlp_pipeline.stages.calibration).")
    calibration.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    calibration.add_argument("--datapackage", type=Path, default=Path("data/raw/datapackage.yaml"), help="data package of the raw tables (default: %(default)s)")
    calibration.add_argument("--registry", type=Path, default=Path("config/findings.yaml"), help="findings registry (default: %(default)s)")
    calibration.add_argument("--simulation", type=Path, default=Path("config/simulation.yaml"), help="simulation parameters (default: %(default)s)")
    calibration.add_argument("--fraction", type=float, default=0.40, help="sampling fraction (default: %(default)s)")
    calibration.add_argument("--stratify-by", default=None, help="column for proportional stratification (default: none)")
    calibration.add_argument("--balance-resamples", type=int, default=1000, help="Monte Carlo redraws of the balance test per run (default: %(default)s)")
    calibration.add_argument("--rarefaction-size", type=int, default=DEFAULT_RAREFACTION_SIZE,
                             help="coded passages every plan's diversity is rarefied to, as in the diversity stage (default: %(default)s)")
    calibration.add_argument("--simulations", type=int, default=20, help="simulated populations per scenario (default: %(default)s)")
    calibration.add_argument("--seed", type=int, required=True, help="statistics seed (from config/config.yaml)")
    calibration.add_argument("--out", type=Path, default=Path("data/derived/calibration"), help="output folder (default: %(default)s)")

    findings = commands.add_parser("findings", help="verdict of every finding, from the tests stage",
                                   description="Apply each finding's decision rule to its computed components.")
    findings.add_argument("--components", type=Path, default=Path("data/derived/tests/components.csv"), help="components table (default: %(default)s)")
    findings.add_argument("--sample", type=Path, default=Path("data/derived/sample"), help="folder of the sampling stage, for the simulated flag (default: %(default)s)")
    findings.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    findings.add_argument("--registry", type=Path, default=Path("config/findings.yaml"), help="findings registry (default: %(default)s)")
    findings.add_argument("--out", type=Path, default=Path("data/derived/findings"), help="output folder (default: %(default)s)")

    for name, help_text in (
        ("stability-chunk", "verdicts of every finding on one chunk of alternative random samples"),
        ("stability", "merge the chunks: how often each finding is reproduced in alternative samples"),
    ):
        stage = commands.add_parser(
            name, help=help_text,
            description=f"{help_text[0].upper()}{help_text[1:]}. Alternative samples are redrawn from the frame "
            "like the real one when every plan is coded, else bootstrapped from the sample (--method auto).",
        )
        stage.add_argument("--validated", type=Path, default=Path("data/derived/validated"), help="folder of the validation stage (default: %(default)s)")
        stage.add_argument("--sample", type=Path, default=Path("data/derived/sample"), help="folder of the sampling stage (default: %(default)s)")
        stage.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
        stage.add_argument("--registry", type=Path, default=Path("config/findings.yaml"), help="findings registry (default: %(default)s)")
        stage.add_argument("--redraws", type=int, default=1000, help="number of alternative samples in all (default: %(default)s)")
        stage.add_argument("--chunks", type=int, default=4, help="number of chunks the redraws are split into (default: %(default)s)")
        stage.add_argument("--seed", type=int, required=True, help="master seed of the alternative samples (from config/config.yaml)")
        stage.add_argument("--method", choices=("auto", "redraw", "bootstrap"), default="auto",
                           help="redraw from the frame, bootstrap the sample, or auto: redraw when every plan of the frame is coded (default: %(default)s)")
        stage.add_argument("--statistics-seed", type=int, required=True, help="seed of the tests stage (permutation and Monte Carlo p-values)")
        stage.add_argument("--rarefaction-size", type=int, default=DEFAULT_RAREFACTION_SIZE,
                           help="coded passages every plan's diversity is rarefied to, as in the diversity stage (default: %(default)s)")
        if name == "stability-chunk":
            stage.add_argument("--chunk", type=int, required=True, help="which chunk to compute, 0 to chunks - 1")
            stage.add_argument("--out", type=Path, required=True, help="CSV file to write the chunk's verdicts to")
        else:
            stage.add_argument("chunk_files", type=Path, nargs="+", help="the chunks' CSV files")
            stage.add_argument("--findings", type=Path, default=Path("data/derived/findings/findings.csv"), help="verdicts of the actual sample (default: %(default)s)")
            stage.add_argument("--out", type=Path, default=Path("data/derived/stability"), help="output folder (default: %(default)s)")

    agreement = commands.add_parser(
        "agreement", help="inter-coder agreement of the double-coded plans, and their disagreements",
        description="Percent agreement, Cohen's kappa and Krippendorff's alpha per code dimension and code, at the "
        "plan and passage units, with bootstrap intervals; the disagreements for reconciliation.",
    )
    agreement.add_argument("--validated", type=Path, default=Path("data/derived/validated"), help="folder of the validation stage (default: %(default)s)")
    agreement.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    agreement.add_argument("--seed", type=int, required=True, help="master seed of the bootstrap intervals (statistics.seed)")
    agreement.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default: %(default)s)")
    agreement.add_argument("--reliable", type=float, default=0.800, help="alpha from which a dimension is reliable (default: %(default)s)")
    agreement.add_argument("--tentative", type=float, default=0.667, help="alpha from which it is tentative (default: %(default)s)")
    agreement.add_argument("--out", type=Path, default=Path("data/derived/agreement"), help="output folder (default: %(default)s)")

    figures = commands.add_parser("figures", help="draw every figure of the report in French and English",
                                  description="One PNG per figure and language, and figures.json (captions, alt texts).")
    figures.add_argument("--derived", type=Path, default=Path("data/derived"), help="derived data folder (default: %(default)s)")
    figures.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    figures.add_argument("--out", type=Path, default=Path("data/derived/figures"), help="output folder (default: %(default)s)")
    figures.add_argument("--part", choices=("sample", "stability"), default=None,
                         help="only the figures drawn from the sample's tables, or only the stability figure, each "
                              "with its index in parts/<part>.json instead of figures.json, which figures-index "
                              "then writes (default: all at once)")

    figures_index = commands.add_parser(
        "figures-index", help="write figures.json from the indexes of the two parts of the figures",
        description="Join parts/sample.json and parts/stability.json (written by `figures --part sample` and "
        "`figures --part stability`) into figures.json, the same file as one `figures` run drawing every figure.")
    figures_index.add_argument("--figures", type=Path, default=Path("data/derived/figures"),
                               help="the figures' folder (default: %(default)s)")

    report = commands.add_parser("report", help="render the bilingual report (HTML and PDF, French and English)",
                                 description="Render report/ once per language with Quarto, or with the Pandoc + "
                                 "Typst fallback when the quarto command is absent.")
    report.add_argument("--project", type=Path, default=Path("report"), help="Quarto project folder (default: %(default)s)")
    report.add_argument("--derived", type=Path, default=Path("data/derived"), help="derived data folder (default: %(default)s)")
    report.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    report.add_argument("--registry", type=Path, default=Path("config/findings.yaml"), help="findings registry (default: %(default)s)")
    report.add_argument("--language", action="append", choices=("fr", "en"), help="render only this language (repeatable; default: both)")
    report.add_argument("--no-quarto", action="store_true", help="use the fallback renderer even if quarto is installed")

    audit = commands.add_parser("audit", help="execute the reviewers' audit notebooks on the derived tables",
                                description="Execute notebooks/*.ipynb (or the ones given) and write the executed "
                                "copies, with their outputs, to data/derived/notebooks/.")
    audit.add_argument("notebooks", type=Path, nargs="*", help="notebooks to execute (default: notebooks/*.ipynb)")
    audit.add_argument("--derived", type=Path, default=Path("data/derived"), help="derived data folder (default: %(default)s)")
    audit.add_argument("--out", type=Path, default=Path("data/derived/notebooks"), help="output folder (default: %(default)s)")

    simulate = commands.add_parser(
        "simulate", help="write simulated plans.csv and codings.csv (the shipped default data)",
        description="Write a simulated population of coded plans from the parameters file. "
        "Only the probabilities are set; every result is left to chance.",
    )
    simulate.add_argument("--parameters", type=Path, default=Path("config/simulation.yaml"), help="simulation parameters (default: %(default)s)")
    simulate.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    simulate.add_argument("--out", type=Path, required=True, help="folder to write plans.csv and codings.csv into")

    importer = commands.add_parser(
        "import", help="turn a REFI-QDA project (.qdpx, .qde) or an Excel coding grid (.xlsx) into plans.csv and codings.csv",
        description="Read a coding export (untrusted: sizes checked, XML without entities, nothing extracted to disk) "
        "and write the canonical raw tables, a copy of the data package descriptor and an import report; "
        "list every problem at once and write nothing when there is one.",
    )
    importer.add_argument("export", type=Path, help="the .qdpx, .qde or .xlsx file (its kind is judged on its content)")
    importer.add_argument("--mapping", type=Path, default=None, help="mapping of the tool's codes and documents to the codebook "
                          "(YAML, required for REFI-QDA; see config/import-mapping.example.yaml)")
    importer.add_argument("--plans", type=Path, default=None, help="plans.csv (the sampling frame) when the export does not "
                          "hold the plans' regions and levels (default: none)")
    importer.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    importer.add_argument("--datapackage", type=Path, default=Path("data/raw/datapackage.yaml"), help="data package descriptor (default: %(default)s)")
    importer.add_argument("--out", type=Path, default=Path("data/derived/imported"), help="output folder (default: %(default)s)")

    template = commands.add_parser("template", help="write the Excel coding-grid template, generated from the codebook",
                                   description="One workbook per language with a plans sheet, a codings sheet, drop-down "
                                   "lists of the codebook's codes and a read-me sheet.")
    template.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")
    template.add_argument("--datapackage", type=Path, default=Path("data/raw/datapackage.yaml"), help="data package descriptor (default: %(default)s)")
    template.add_argument("--language", action="append", choices=("fr", "en"), help="write only this language (repeatable; default: both)")
    template.add_argument("--out", type=Path, default=Path("data/derived/template"), help="output folder (default: %(default)s)")

    skeleton = commands.add_parser("mapping-skeleton", help="print a first mapping file for a REFI-QDA export's code tree",
                                   description="The export's documents, variables, cases and sets, the offsets detected from "
                                   "its passages, and every code path with its use count, mapped when its name is a codebook "
                                   "label, left empty ({}) otherwise, or suggested for ignore: when never used; fill it in "
                                   "and pass it to `import --mapping`.")
    skeleton.add_argument("export", type=Path, help="the .qdpx, .qde or .qdc file")
    skeleton.add_argument("--codebook", type=Path, default=Path("data/raw/codebook.yaml"), help="codebook YAML (default: %(default)s)")

    compiled = commands.add_parser(
        "compile", help="compile the Jonckheere-Terpstra permutation loop once (Numba), for the stages that run it",
        description="Compile (or load from Numba's cache) the loop the tests, stability and calibration stages use "
        "for the Jonckheere-Terpstra permutations, before they start: otherwise each of them compiles it.")
    compiled.add_argument("--out", type=Path, default=None, help="file to write a line saying what was compiled (the "
                          "workflow's record that the cache is ready; default: none)")

    schema_doc = commands.add_parser("schema-doc", help="print the Markdown documentation of the raw tables' schema")
    schema_doc.add_argument("--datapackage", type=Path, default=Path("data/raw/datapackage.yaml"), help="data package descriptor (default: %(default)s)")
    return parser


def configure_logging(log_file: Path | None, quiet: bool) -> None:
    """Readable, timestamped messages on stderr, and in the rule's log file when given."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w", encoding="utf-8"))
    # A log file that can no longer be written (the disk filled up during the run) must not print
    # a "Logging error" traceback for each message: the messages still reach stderr.
    logging.raiseExceptions = False
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        handlers=handlers,
        force=True,
    )


def run(arguments: argparse.Namespace) -> None:
    """Dispatch a parsed command line to the package function of its stage."""
    if arguments.command == "validate":
        from .coding.double import CodingSetting
        from .stages.validate import run_validation

        coding = CodingSetting.from_config({"analysed": arguments.analysed, "reconciled_coder": arguments.reconciled_coder,
                                            "reference_coder": None if arguments.reference_coder in (None, "", "None", "null")
                                            else arguments.reference_coder})
        run_validation(arguments.codebook, arguments.datapackage, arguments.out, coding)
    elif arguments.command == "sample":
        from .codebook import load_codebook
        from .stages.sample import run_sampling

        sampling_config = {
            "fraction": arguments.fraction,
            "seed": arguments.seed,
            "stratify_by": None if arguments.stratify_by in (None, "", "None", "null") else arguments.stratify_by,
            "balance_resamples": arguments.balance_resamples,
        }
        run_sampling(arguments.validated, arguments.out, sampling_config, load_codebook(arguments.codebook))
    elif arguments.command == "frequencies":
        from .stages.frequencies import run_frequencies

        run_frequencies(arguments.sample, arguments.codebook, arguments.out)
    elif arguments.command == "diversity":
        from .stages.diversity import run_diversity

        run_diversity(arguments.sample, arguments.codebook, arguments.out, arguments.rarefaction_size)
    elif arguments.command == "tests":
        from .stages.tests import run_tests

        run_tests(arguments.sample, arguments.per_plan, arguments.codebook, arguments.registry, arguments.seed, arguments.out)
    elif arguments.command == "calibration":
        from .stages.calibration import run_calibration

        sampling = {"fraction": arguments.fraction, "balance_resamples": arguments.balance_resamples,
                    "stratify_by": None if arguments.stratify_by in (None, "", "None", "null") else arguments.stratify_by}
        run_calibration(arguments.codebook, arguments.datapackage, arguments.registry, arguments.simulation, sampling,
                        arguments.simulations, arguments.seed, arguments.out,
                        rarefaction_size=arguments.rarefaction_size)
    elif arguments.command == "findings":
        import json

        from .stages.findings import run_findings

        record = json.loads((arguments.sample / "sampling_record.json").read_text(encoding="utf-8"))
        run_findings(arguments.components, arguments.codebook, arguments.registry, bool(record["simulated"]), arguments.out)
    elif arguments.command in ("stability-chunk", "stability"):
        from .stages.stability import run_chunk, run_merge

        settings = {"redraws": arguments.redraws, "chunks": arguments.chunks, "seed": arguments.seed,
                    "method": arguments.method, "rarefaction_size": arguments.rarefaction_size}
        common = (arguments.validated, arguments.sample, arguments.codebook, arguments.registry, settings,
                  arguments.statistics_seed)
        if arguments.command == "stability-chunk":
            run_chunk(*common, arguments.chunk, arguments.out)
        else:
            run_merge(*common, arguments.chunk_files, arguments.findings, arguments.out)
    elif arguments.command == "agreement":
        from .stages.agreement import run_agreement

        settings = {"resamples": arguments.resamples, "reliable": arguments.reliable, "tentative": arguments.tentative}
        run_agreement(arguments.validated, arguments.codebook, settings, arguments.seed, arguments.out)
    elif arguments.command == "figures":
        from .stages.figures import run_figures

        run_figures(arguments.derived, arguments.codebook, arguments.out, arguments.part)
    elif arguments.command == "figures-index":
        from .stages.figures_index import run_figures_index

        run_figures_index(arguments.figures)
    elif arguments.command == "report":
        from .stages.report import run_report

        run_report(arguments.project, arguments.derived, arguments.codebook, arguments.registry,
                   tuple(arguments.language or ("fr", "en")), prefer_quarto=not arguments.no_quarto)
    elif arguments.command == "audit":
        from .stages.audit import run_notebooks

        run_notebooks(arguments.notebooks or sorted(Path("notebooks").glob("*.ipynb")), arguments.derived, arguments.out)
    elif arguments.command == "simulate":
        from .simulate import write_simulated_tables

        write_simulated_tables(arguments.parameters, arguments.codebook, arguments.out)
    elif arguments.command == "import":
        from .importers import run_import

        result = run_import(arguments.export, arguments.codebook, arguments.datapackage, arguments.out,
                            arguments.mapping, arguments.plans)
        log.info("Imported %s (%s): %d plans, %d coded passages, written to %s", result.source, result.kind,
                 len(result.plans), len(result.codings), arguments.out)
        for warning in result.warnings:
            log.warning("%s", warning)
        if result.unmapped_codes:
            log.warning("%d codes of the export are not in the mapping (listed in %s): %s", len(result.unmapped_codes),
                        arguments.out / "import_report.md", "; ".join(result.unmapped_codes[:10]))
    elif arguments.command == "template":
        from .codebook import load_codebook
        from .io.datapackage import load_datapackage
        from .importers import write_templates

        for path in write_templates(arguments.out, load_codebook(arguments.codebook), load_datapackage(arguments.datapackage),
                                    tuple(arguments.language or ("fr", "en"))):
            log.info("Wrote the coding-grid template %s", path)
    elif arguments.command == "mapping-skeleton":
        from .codebook import load_codebook
        from .importers.qdpx import open_export
        from .importers.skeleton import skeleton_text

        export, problems = open_export(arguments.export)
        if problems:
            raise InputError(problems, stage="import")
        try:
            sys.stdout.write(skeleton_text(export, load_codebook(arguments.codebook)))
        finally:
            export.close()
    elif arguments.command == "compile":
        from .stats.jonckheere import compile_loop

        message = compile_loop()
        log.info("%s", message)
        if arguments.out is not None:
            arguments.out.parent.mkdir(parents=True, exist_ok=True)
            arguments.out.write_text(message + "\n", encoding="utf-8")
    elif arguments.command == "schema-doc":
        from .io.datapackage import load_datapackage, schema_markdown

        sys.stdout.write(schema_markdown(load_datapackage(arguments.datapackage)))


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, run, and turn input problems into a clear message and exit status 1."""
    arguments = build_parser().parse_args(argv)
    try:
        configure_logging(arguments.log, arguments.quiet)
    except OSError as error:  # the log file cannot be created (full disk, read-only folder)
        configure_logging(None, arguments.quiet)
        log.error("%s", os_error_message(error))
        return EXIT_INPUT_PROBLEM
    try:
        run(arguments)
    except InputError as error:
        log.error("%s", error.report())
        return EXIT_INPUT_PROBLEM
    except CheckFailed as error:
        log.error("%s", error)
        return EXIT_INPUT_PROBLEM
    except OSError as error:  # a full disk, a missing or unreadable file: a message, not a traceback
        log.error("%s", os_error_message(error))
        return EXIT_INPUT_PROBLEM
    except Exception as error:
        from .reporting.render import RenderError

        if isinstance(error, RenderError):  # the renderer's own plain message (a missing project file...)
            log.error("The report could not be rendered: %s", error)
            return EXIT_INPUT_PROBLEM
        raise
    return 0


def exit_without_teardown(status: int) -> None:
    """End the process with exit status ``status`` once the command's work is done, skipping
    Python's teardown of every imported module.

    A stage's process has pandas, SciPy or matplotlib loaded, and Python spends 0.15 s freeing
    them one object at a time before the process can end, memory the system reclaims at once
    anyway (a script importing them: 0.97 s with that teardown, 0.81 s without): with one process
    per job, that was most of Snakemake's gap between one job's end and the next one's start,
    0.09 s, along a chain of about nine jobs (each process's start and end stamped by a
    sitecustomize module during an edit's rebuild: 0.03 s since).
    What a normal exit does that matters still happens: the atexit handlers run (logging's flush
    and close of the log file, the clean-up of temporary folders), then the standard streams are
    flushed. Every file the package writes is closed before its function returns (``with`` blocks,
    io.outputs), so nothing is left in a buffer. While another non-daemon thread is still running,
    the normal exit is kept, which waits for it; so it is under a profiler or a debugger
    (`python -m cProfile -o ...` writes its statistics after the command returns)."""
    others = [thread for thread in threading.enumerate()
              if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()]
    observed = sys.getprofile() is not None or sys.gettrace() is not None
    if others or observed or not hasattr(atexit, "_run_exitfuncs"):
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
    os._exit(status)


if __name__ == "__main__":
    exit_without_teardown(main())
