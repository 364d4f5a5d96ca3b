# Pipeline of the RLP sustainability report: raw coded plans -> validation -> random sample ->
# frequencies and diversity -> tests -> findings -> figures -> bilingual report (HTML and PDF).
#
#   snakemake                      build everything (settings in profiles/default/config.yaml)
#   snakemake -n                   show what would run
#   snakemake sample               build up to one stage
#   snakemake --profile profiles/slurm     run the long jobs on a SLURM cluster (README)
#
# The logic lives in the package `rlp_pipeline` (src/); rules only wire files to its commands.

import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")

# Read the settings with the project's safe YAML reader and check them against their schema
# before Snakemake loads them: a broken or hostile config.yaml then stops the run with one
# message naming the line; a lock left by a killed run gets one line saying what to run
# (rlp_pipeline.safety.workflow). Both checks of the settings (this one, and Snakemake's
# validate below, which also checks --config and fills in the defaults) are skipped when the
# last successful run checked the same files, overrides and code (rlp_pipeline.workflow.settings_cache).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))
from importlib.metadata import version as _version

from rlp_pipeline.safety.workflow import check_interrupted_run, check_settings, check_working_folder
from rlp_pipeline.workflow import settings_cache

check_working_folder(workflow.basedir)
SETTINGS_SCHEMA = "config/config.schema.yaml"
_settings_files = ["config/config.yaml", *workflow.config_settings.configfiles]
_settings_fingerprint = settings_cache.settings_fingerprint(_settings_files, SETTINGS_SCHEMA, _version("jsonschema"))
_settings_record = settings_cache.read_cache()
if not settings_cache.files_checked_before(_settings_record, _settings_fingerprint):
    check_settings("config/config.yaml", SETTINGS_SCHEMA, workflow.config_settings.configfiles)
check_interrupted_run()


configfile: "config/config.yaml"


_validated = settings_cache.validated_before(_settings_record, _settings_fingerprint, config)
if _validated is None:
    _given = settings_cache.as_json(config)
    validate(config, SETTINGS_SCHEMA)
    settings_cache.remember(_settings_fingerprint, _given, config)
else:
    config.update(_validated)

# Jobs run `python -m rlp_pipeline ...`. Put the interpreter running Snakemake first on PATH and
# the package's source on PYTHONPATH, so that jobs use the same installed libraries and the same
# package code whether or not the venv is activated; with --use-conda, Snakemake puts the conda
# environment's python first instead.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [SRC, os.environ.get("PYTHONPATH")])
)
os.environ["PATH"] = os.pathsep.join(
    [os.path.dirname(sys.executable), os.environ.get("PATH", "")]
)


envvars:
    "PATH",
    "PYTHONPATH",


# Each job declares what it needs (threads, mem_mb, runtime in minutes), so that a cluster
# scheduler can place it: measured, not guessed. benchmarks/speed.py prints every rule's peak
# memory and time from Snakemake's benchmark files (logs/benchmarks/<rule>.tsv, written by each
# job) beside the declared values; the declared ones are at least three times the peak memory
# and the time measured on the shipped data. Larger data may need more:
# `--set-resources tests:mem_mb=4000`.
#
# Each rule's `priority:` orders the jobs that are ready at the same time, so that the two chains
# to the documents share the two cores evenly and never wait behind a job off them: the stability
# chunk as soon as the sample is drawn (the longest job of an edit; the calibration, longer, after
# validation in a cold build) -> merge -> stability figure; the frequencies -> diversity -> tests
# -> findings -> the sample's figures on the other core; then figures.json and the report. The
# audit notebooks, which no document waits for, run at the lowest CPU priority beside them
# (rules/audit.smk). Measured by benchmarks/speed.py (the edit of one coding): with the
# frequencies before the chunk, the chunk's chain ended half a second after the other and the
# report waited for it.
#
# Short rules (a few seconds, little memory) run on the machine that runs Snakemake even when
# the others go to a cluster (profiles/slurm): a cluster job waits for its turn and for a status
# check, which costs more than these rules take.
localrules:
    all,
    compile,
    template,
    validate,
    sample,
    frequencies,
    diversity,
    tests,
    findings,
    stability,


include: "rules/common.smk"
include: "rules/import.smk"
include: "rules/validate.smk"
include: "rules/sample.smk"
include: "rules/statistics.smk"
include: "rules/agreement.smk"
include: "rules/stability.smk"
include: "rules/calibration.smk"
include: "rules/report.smk"
include: "rules/audit.smk"


rule all:
    default_target: True
    input:
        "data/derived/validated/plans.csv",
        TEMPLATES.values(),
        "data/derived/sample/sampled_plans.csv",
        "data/derived/sample/balance_tests.csv",
        "data/derived/frequencies/datapackage.json",
        "data/derived/diversity/summary.csv",
        "data/derived/tests/battery.csv",
        "data/derived/findings/findings.csv",
        rules.agreement.output,
        rules.stability.output,
        rules.report.output,
        rules.audit.output,


# A no-op run should cost little more than Snakemake's own start-up. To decide what to run,
# Snakemake compares each job's params with those recorded, and when pandas is installed it
# imports it (a third of a second, a fifth of its start-up) only to recognise pandas objects
# among them. Our params are plain settings, recorded the same way without pandas, so pandas is
# marked absent (None in sys.modules: importlib.util.find_spec then answers None) while the jobs
# are planned, and importable again once they start; they run in their own processes anyway.
# Snakemake decides once per run whether to use pandas for params, the first time it needs to:
# when no job's params were compared (a fresh checkout, or code edited under every rule), that
# was when the first job finished, after pandas was importable again, and the scheduler then
# imported it before starting the next jobs. The decision is taken before pandas is released
# (rlp_pipeline.workflow.finish.settle_params_recording).
if "pandas" not in sys.modules:
    sys.modules["pandas"] = None


onstart:
    from rlp_pipeline.workflow.cluster import check_cluster
    from rlp_pipeline.workflow.finish import settle_params_recording

    # With the SLURM profile, a machine that cannot reach a SLURM controller gets one message
    # before anything is submitted, instead of a run that waits for ever (the executor is only
    # known here, once the jobs are planned).
    check_cluster(workflow)
    settle_params_recording(workflow)
    if "pandas" in sys.modules and sys.modules["pandas"] is None:
        del sys.modules["pandas"]


# Once the last job has finished, the process exits at once instead of a second later
# (rlp_pipeline.workflow.finish: Snakemake's job-rate timer).
onsuccess:
    from rlp_pipeline.workflow.finish import cancel_idle_timers

    cancel_idle_timers()


onerror:
    from rlp_pipeline.workflow.finish import cancel_idle_timers

    cancel_idle_timers()
