"""The pipeline on a real, single-node SLURM cluster (scripts/slurm-localhost.sh), as an
institution would run it: `snakemake --profile profiles/slurm`. Its derived tables must be
byte-identical to a local build's.

The cluster is installed from Debian's packages and started by the script; the test stops the
daemons it started. It is skipped, with the reason, where SLURM cannot be installed or started
(not root, no apt-get, no network) or the executor plugin is missing. To keep its cost small,
both builds use 40 stability redraws instead of 1,000 (the same setting in both).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, folder_digest
from test_pipeline import copy_project

pytestmark = pytest.mark.slow

SCRIPT = REPO / "scripts" / "slurm-localhost.sh"


def fewer_redraws(project):
    """The project with 40 stability redraws instead of 1,000 (config/config.yaml)."""
    config = project / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "redraws: 1000" in text
    config.write_text(text.replace("redraws: 1000", "redraws: 40"), encoding="utf-8")
    return project

LOCAL_TARGETS = ["template", "stability", "agreement", "calibration", "figures", "audit"]
SKIP_REASONS = {2: "not root: installing and starting SLURM needs root",
                3: "SLURM cannot be installed here (no apt-get, or apt-get failed)",
                4: "a SLURM daemon did not start"}


def run_script(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), command], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def slurm():
    """A running single-node SLURM; stopped afterwards only if this fixture started it."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.skip("snakemake-executor-plugin-slurm is not installed (requirements-test.txt pins it)")
    if shutil.which("bash") is None or sys.platform != "linux":
        pytest.skip("the single-node SLURM script needs Linux and bash")
    already = "slurmctld runs" in run_script("status").stderr
    started = run_script("start")
    if started.returncode in SKIP_REASONS:
        pytest.skip(f"{SKIP_REASONS[started.returncode]}: {started.stderr.strip()[-500:]}")
    assert started.returncode == 0, started.stderr
    yield
    if not already:
        stopped = run_script("stop")
        assert stopped.returncode == 0, stopped.stderr


def test_the_slurm_profile_gives_the_same_derived_tables_as_a_local_build(slurm, tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    local = fewer_redraws(copy_project(tmp_path / "local"))
    # Every derived table, without rendering the report (it writes no derived table).
    built = subprocess.run([sys.executable, "-m", "snakemake", *LOCAL_TARGETS], cwd=local, capture_output=True,
                           text=True, env=environment, timeout=900)
    assert built.returncode == 0, built.stdout + built.stderr
    cluster = fewer_redraws(copy_project(tmp_path / "cluster"))
    result = subprocess.run([sys.executable, "-m", "snakemake", "--profile", "profiles/slurm"],
                            cwd=cluster, capture_output=True, text=True, env=environment, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # The long jobs really went through SLURM (the short ones run locally: localrules).
    submitted = [line for line in output.splitlines() if "has been submitted with SLURM jobid" in line]
    assert any("rule_stability_chunk" in line for line in submitted), output
    assert any("group_document" in line for line in submitted), output
    assert folder_digest(cluster / "data" / "derived") == folder_digest(local / "data" / "derived")
