"""The audit stage: execute the reviewers' notebooks (notebooks/*.ipynb) on the derived tables.

Each notebook recomputes or explains a stage from the files in data/derived/; executing them
after every build keeps them from going stale, and a notebook whose checks fail stops the build
with the failing cell. The executed copies (with their outputs) are written to
data/derived/notebooks/ for reviewers to open.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Mapping

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from ..io.outputs import write_outputs
from ..problems import CheckFailed, display_path

log = logging.getLogger("rlp_pipeline.stages.audit")


# The thread counts Snakemake gives numerical libraries (its job's `threads`, rules/audit.smk).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def one_thread_where_zero(environment: Mapping[str, str]) -> dict[str, str]:
    """The thread-count variables of `environment` that are "0", set to "1". The workflow runs
    this stage with `threads: 0` (beside the other jobs, at the lowest priority) and Snakemake
    exports a job's threads to these variables, where 0 is not a valid count (OpenMP warns,
    OpenBLAS then uses every core)."""
    return {name: "1" for name in THREAD_VARIABLES if environment.get(name) == "0"}


def execute_notebook(path: Path, derived_dir: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run every cell of a notebook in a fresh python3 kernel, in the notebook's folder, with
    RLP_DERIVED pointing at the derived tables; return the executed notebook."""
    notebook = nbformat.read(path, as_version=4)
    os.environ["RLP_DERIVED"] = str(Path(derived_dir).resolve())
    os.environ.update(one_thread_where_zero(os.environ))
    # The kernel is stopped at once when the cells have run, as the report's renderer stops its own:
    # a graceful stop waited up to half a second for nothing.
    # startup_timeout: the workflow runs this stage at the lowest CPU priority (rules/audit.smk),
    # so on a machine kept busy by other jobs its kernel may take far longer than nbclient's 60 s
    # to start; it is given as long as a cell.
    # The kernel's own log only shows errors (as the report's kernels): ipykernel otherwise warns on
    # every start that its local connection is not encrypted, a line in each build's output that
    # reads like a problem. A failing cell or a dead kernel still ends the stage with its message.
    client = NotebookClient(notebook, kernel_name="python3", timeout=timeout, startup_timeout=timeout,
                            record_timing=False, shutdown_kernel="immediate",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        raise CheckFailed(failed_cell_message(path, notebook, error.ename, error.evalue)) from None
    except (CellTimeoutError, DeadKernelError) as error:
        raise CheckFailed(f"The audit stopped: {display_path(path)} could not be run to its end ({error}). "
                          "Nothing was written.") from None
    return notebook


def failed_cell_message(path: Path, notebook: nbformat.NotebookNode, error_name: str, error_value: str) -> str:
    """What a reviewer needs when a notebook's cell fails: the notebook, which code cell (counted
    from 1, with its first line), the error and its message (the notebook's assertions put the
    disagreeing rows there), and what it means; without the traceback's terminal colours."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    failed = next((number for number, cell in enumerate(code_cells, start=1)
                   if any(output.get("output_type") == "error" for output in cell.get("outputs", []))), None)
    first_line = next((line for line in code_cells[failed - 1].source.splitlines() if line.strip()), "") if failed else ""
    where = f"code cell {failed} ({first_line.strip()[:80]})" if failed else "a code cell"
    value = re.sub(r"\x1b\[[0-9;]*m", "", str(error_value)).strip()
    return (f"The audit stopped: {display_path(path)}, {where}, failed with {error_name}"
            f"{': ' + value if value else ''}. The notebook recomputes results from the derived tables and "
            "found them different (or could not read them): rebuild with `snakemake`, and if it fails "
            "again, report it with this message. The executed notebooks were not written.")


def run_notebooks(notebooks: list[Path | str], derived_dir: Path | str, out_dir: Path | str) -> None:
    """Execute each notebook and write the executed copies into `out_dir` (all or nothing)."""
    executed = {}
    for path in map(Path, notebooks):
        log.info("Executing %s", path)
        executed[Path(out_dir) / path.name] = nbformat.writes(execute_notebook(path, Path(derived_dir))).encode("utf-8")
    write_outputs(executed)
    log.info("Wrote %d executed notebooks to %s", len(executed), out_dir)
