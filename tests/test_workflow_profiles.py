"""Plain `snakemake` works (profiles/default), the SLURM profile parses, and every rule declares
what it needs (threads, mem_mb, runtime)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from rlp_pipeline.workflow.resources import declared_resources
from test_pipeline import copy_project

RULES = {"validate", "template", "import", "sample", "frequencies", "diversity", "tests", "findings",
         "stability_chunk", "stability", "agreement", "calibration_inputs", "calibration", "sample_figures", "stability_figures",
         "figures", "report", "audit", "compile"}


def bare_snakemake(project, *arguments, env=None):
    """`python -m snakemake ARGUMENTS` in `project`, with no option the test does not give."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | (env or {})
    return subprocess.run([sys.executable, "-m", "snakemake", *arguments], cwd=project, capture_output=True,
                          text=True, env=environment, timeout=300)


def test_every_rule_declares_its_threads_memory_and_runtime():
    declared = declared_resources(REPO / "rules")
    assert RULES <= set(declared), f"rules not found in rules/*.smk: {RULES - set(declared)}"
    missing = {rule: [k for k, v in values.items() if v is None] for rule, values in declared.items()
               if rule != "all" and None in values.values()}
    assert missing == {}, f"rules without a declared value: {missing}"


def test_plain_snakemake_builds_with_the_default_profile_and_fails_without_it(tmp_path):
    project = copy_project(tmp_path)
    assert yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text())["cores"] == "all"
    without = bare_snakemake(project, "--workflow-profile", "none", "template")
    assert without.returncode != 0 and "cores have to be specified" in without.stdout + without.stderr
    result = bare_snakemake(project, "template")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "workflow specific profile profiles/default" in result.stderr
    assert (project / "data" / "derived" / "template" / "coding-grid.xlsx").is_file()


def test_a_dry_run_with_no_option_plans_every_stage(tmp_path):
    project = copy_project(tmp_path)
    result = bare_snakemake(project, "-n")
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    planned = {line.split()[0] for line in table.splitlines()[3:] if line.strip()}
    assert planned == RULES - {"import"} | {"all"}


def test_the_slurm_profile_reads_partition_and_account_from_the_environment(monkeypatch):
    settings = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert settings["executor"] == "slurm" and settings["slurm-status-command"] == "squeue"
    partition = settings["default-resources"]["slurm_partition"]
    account = settings["default-resources"]["slurm_account"]
    monkeypatch.delenv("RLP_SLURM_PARTITION", raising=False)
    assert eval(partition, {}) == ""  # empty: the cluster's default partition (as Snakemake evaluates it)
    monkeypatch.setenv("RLP_SLURM_PARTITION", "short")
    monkeypatch.setenv("RLP_SLURM_ACCOUNT", "lab-42")
    assert eval(partition, {}) == "short" and eval(account, {}) == "lab-42"
    assert set(settings["groups"]) <= RULES


@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="snakemake-executor-plugin-slurm is not installed (requirements-test.txt pins it)")
def test_the_slurm_profile_plans_the_workflow(tmp_path):
    project = copy_project(tmp_path)
    result = bare_snakemake(project, "--profile", "profiles/slurm", "-n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Using profiles profiles/slurm and workflow specific profile profiles/default" in result.stderr


def test_the_slurm_script_explains_its_usage_and_reports_status_without_root():
    script = REPO / "scripts" / "slurm-localhost.sh"
    usage = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 1 and "usage:" in usage.stderr and "start|stop|status" in usage.stderr
    status = subprocess.run(["bash", str(script), "status"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "RLP_SLURM_DIR": "/nonexistent/rlp-slurm"})
    assert status.returncode == 0
    assert "slurmctld does not run" in status.stderr and "slurmd does not run" in status.stderr


def test_params_are_recorded_without_pandas_once_the_jobs_start(monkeypatch):
    """The Snakefile's onstart has Snakemake decide how to record params while pandas is still
    marked absent (rlp_pipeline.workflow.finish.settle_params_recording), so that the scheduler
    does not import pandas after the first job of a cold build. The Snakemake internal it relies
    on is checked on the pinned version: a renamed one fails here, not silently."""
    import functools
    import importlib.util
    import inspect
    import sys
    from types import SimpleNamespace

    from snakemake.persistence import PersistenceBase

    from rlp_pipeline.workflow.finish import settle_params_recording

    assert isinstance(inspect.getattr_static(PersistenceBase, "_serialize_param"), property)

    class Recorder:  # Snakemake's decision, cached on first use as in PersistenceBase
        @property
        @functools.lru_cache()
        def _serialize_param(self):
            return "with pandas" if importlib.util.find_spec("pandas") is not None else "builtin"

    workflow = SimpleNamespace(persistence=Recorder())
    monkeypatch.setitem(sys.modules, "pandas", None)  # as the Snakefile marks it while planning
    assert settle_params_recording(workflow)
    monkeypatch.delitem(sys.modules, "pandas")  # released in onstart, after the call
    assert workflow.persistence._serialize_param == "builtin"
    assert not settle_params_recording(SimpleNamespace())
    snakefile = (REPO / "Snakefile").read_text(encoding="utf-8")
    onstart = snakefile.split("onstart:", 1)[1].split("\n\n\n", 1)[0]
    assert onstart.index("settle_params_recording(workflow)") < onstart.index('del sys.modules["pandas"]')


def test_the_timers_left_at_the_end_of_a_run_are_cancelled():
    """The Snakefile's onsuccess/onerror cancel Snakemake's job-rate timer, a non-daemon thread
    that kept the process alive up to a second after the last job (rlp_pipeline.workflow.finish)."""
    import threading
    import time

    from rlp_pipeline.workflow.finish import cancel_idle_timers

    fired = threading.Event()
    timer = threading.Timer(30, fired.set)
    timer.start()
    started = time.monotonic()
    assert cancel_idle_timers() >= 1
    timer.join(5)
    assert not timer.is_alive() and not fired.is_set() and time.monotonic() - started < 5
    assert cancel_idle_timers() == 0
    snakefile = (REPO / "Snakefile").read_text(encoding="utf-8")
    for handler in ("onsuccess:", "onerror:"):
        assert snakefile.split(handler, 1)[1].split("\n\n\n", 1)[0].count("cancel_idle_timers()") == 1


def test_the_slurm_check_says_why_a_machine_cannot_submit():
    """rlp_pipeline.workflow.cluster: SLURM's commands missing, `scontrol ping` failing, timing
    out or saying the controller is down each give one message; a controller UP gives none."""
    from types import SimpleNamespace

    from rlp_pipeline.workflow.cluster import slurm_problem, uses_slurm

    everywhere = lambda command: f"/usr/bin/{command}"  # noqa: E731

    def answering(code, out="", err=""):
        return lambda *args, **kwargs: subprocess.CompletedProcess(args, code, out, err)

    def hanging(*args, **kwargs):
        raise subprocess.TimeoutExpired(args, 60)

    missing = slurm_problem(find=lambda command: None if command == "sbatch" else "/usr/bin/x")
    assert "sbatch is not installed on this machine" in missing and "without `--profile profiles/slurm`" in missing
    assert slurm_problem(find=everywhere, run=answering(0, "Slurmctld(primary) at node1 is UP\n")) is None
    down = slurm_problem(find=everywhere, run=answering(1, "Slurmctld(primary) at node1 is DOWN\n"))
    assert "`scontrol ping` says: Slurmctld(primary) at node1 is DOWN." in down
    fatal = slurm_problem(find=everywhere, run=answering(
        1, "", "scontrol: error: fetch_config: DNS SRV lookup failed\nscontrol: fatal: Could not establish a configuration source\n"))
    assert "says: scontrol: fatal: Could not establish a configuration source." in fatal
    assert "did not answer within 60 s" in slurm_problem(find=everywhere, run=hanging)
    slurm = SimpleNamespace(executor_plugin=SimpleNamespace(name="slurm"), dryrun=False)
    assert uses_slurm(slurm)
    assert not uses_slurm(SimpleNamespace(executor_plugin=SimpleNamespace(name="slurm"), dryrun=True))
    assert not uses_slurm(SimpleNamespace(executor_plugin=SimpleNamespace(name="slurm-jobstep"), dryrun=False))
    assert not uses_slurm(SimpleNamespace(executor_plugin=None, dryrun=False))


@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="the SLURM executor plugin is not installed (requirements-test.txt brings it)")
def test_the_slurm_profile_without_a_reachable_controller_stops_at_once_with_a_message(tmp_path):
    """SLURM's commands present but no controller they can reach (as on a workstation with the
    client installed): the executor plugin did not report sbatch's failure and the run waited
    for ever; now one message, exit status 1, nothing submitted, no lock left."""
    project = copy_project(tmp_path)
    fake = tmp_path / "fake-slurm"
    fake.mkdir()
    for command in ("sbatch", "squeue", "sacct", "scontrol", "sinfo"):
        script = fake / command
        script.write_text(f"#!/bin/sh\necho '{command}: fatal: Could not establish a configuration source' >&2\n"
                          f"echo called >> '{tmp_path}/{command}.calls'\nexit 1\n", encoding="utf-8")
        script.chmod(0o755)
    # the agreement stage is a cluster job (not among the Snakefile's localrules)
    result = bare_snakemake(project, "--profile", "profiles/slurm", "data/derived/agreement/dimensions.csv",
                            env={"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
    printed = result.stdout + result.stderr
    assert result.returncode == 1, printed
    assert ("The SLURM profile needs a SLURM controller this machine can reach, and `scontrol ping` says: "
            "scontrol: fatal: Could not establish a configuration source.") in printed
    assert "Traceback" not in printed
    assert not (tmp_path / "sbatch.calls").exists()
    assert not any((project / ".snakemake" / "locks").glob("*"))
