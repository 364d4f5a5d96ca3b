"""Before a run with the SLURM profile submits anything: can this machine reach a SLURM cluster?

`snakemake --profile profiles/slurm` on a machine whose SLURM commands cannot reach a controller
(seen with the client installed and no slurm.conf, where sbatch and scontrol fail at once) got
no useful message: the executor plugin (2.8.0) said it could not guess a SLURM account, then
Snakemake waited for the job for ever, even when sent SIGTERM ("Will exit after finishing
currently running jobs"). The Snakefile now asks `scontrol ping` first (a second at most on a
working cluster) and stops with what it said.
Standard library and the project's stop helper only: it runs inside the Snakemake process.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Callable

# How long `scontrol ping` may take: it answers at once, or after its own retries when the
# controller is down.
PING_SECONDS = 60

HOW_TO = ("Run the workflow on the machine where you submit SLURM jobs, start a single-node cluster on this one "
          "(`sudo scripts/slurm-localhost.sh start`), or run it here without `--profile profiles/slurm`.")


def slurm_problem(find: Callable[[str], str | None] = shutil.which,
                  run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> str | None:
    """Why this machine cannot submit SLURM jobs, in one message, or None when `scontrol ping`
    says a controller is up. ``find`` and ``run`` are shutil.which and subprocess.run (replaced
    in tests)."""
    missing = [command for command in ("sbatch", "squeue", "scontrol") if find(command) is None]
    if missing:
        return (f"The SLURM profile needs SLURM's commands, and {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not installed on this machine. {HOW_TO}")
    try:
        answer = run(["scontrol", "ping"], capture_output=True, text=True, timeout=PING_SECONDS)
    except subprocess.TimeoutExpired:
        return (f"The SLURM profile needs a SLURM controller, and `scontrol ping` did not answer within "
                f"{PING_SECONDS} s. {HOW_TO}")
    except OSError as error:
        return f"The SLURM profile needs a SLURM controller, and `scontrol ping` could not run ({error}). {HOW_TO}"
    lines = [line.strip() for line in (answer.stdout + "\n" + answer.stderr).splitlines() if line.strip()]
    if answer.returncode == 0 and any(" is UP" in line for line in lines):
        return None
    # its last line says why (a controller DOWN, or the "fatal:" line after the attempts to find one)
    said = lines[-1].rstrip(".") if lines else f"nothing (exit status {answer.returncode})"
    return f"The SLURM profile needs a SLURM controller this machine can reach, and `scontrol ping` says: {said}. {HOW_TO}"


def uses_slurm(workflow) -> bool:
    """Whether this Snakemake run submits its jobs to SLURM (the `slurm` executor, not a dry run;
    a job running on a node uses the `slurm-jobstep` executor and is not concerned)."""
    name = getattr(getattr(workflow, "executor_plugin", None), "name", "") or ""
    return name.replace("snakemake-executor-plugin-", "") == "slurm" and not getattr(workflow, "dryrun", False)


def check_cluster(workflow) -> None:
    """Stop the run with one message when it would submit to SLURM and no controller answers."""
    if uses_slurm(workflow):
        from ..safety.workflow import stop_with_message

        stop_with_message(slurm_problem())
