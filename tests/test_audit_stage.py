"""The audit stage's kernel gets valid thread counts when the workflow runs it with `threads: 0`
(rules/audit.smk: beside the other jobs), for which Snakemake exports 0 to numerical libraries;
its output is the stage's own messages, without the kernel's warnings."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from rlp_pipeline.stages.audit import THREAD_VARIABLES, execute_notebook, one_thread_where_zero


def test_only_zero_thread_counts_become_one():
    environment = {"OMP_NUM_THREADS": "0", "OPENBLAS_NUM_THREADS": "4", "MKL_NUM_THREADS": "0", "PATH": "0"}
    assert one_thread_where_zero(environment) == {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert one_thread_where_zero({}) == {}


def test_the_kernel_sees_one_thread_where_snakemake_gave_zero(tmp_path, monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.setenv(name, "0")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")  # a count someone chose stays
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import os\nprint(sorted((k, os.environ.get(k)) for k in {list(THREAD_VARIABLES)!r}))")])
    path = tmp_path / "threads.ipynb"
    nbformat.write(notebook, path)
    executed = execute_notebook(path, tmp_path)
    printed = executed.cells[0].outputs[0]["text"]
    expected = sorted((name, "3" if name == "OPENBLAS_NUM_THREADS" else "1") for name in THREAD_VARIABLES)
    assert printed.strip() == str(expected)


def test_the_stage_prints_no_kernel_warning_and_a_failing_cell_in_plain_words(tmp_path):
    """ipykernel warns on every start that its local connection is unencrypted: not a problem of
    the user's data, so not in the build's output. A failing cell stops the stage with the
    notebook, the cell, the error and its message, without a traceback, and writes nothing."""
    def audit(source: str) -> subprocess.CompletedProcess:
        path = tmp_path / "check.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
        return subprocess.run([sys.executable, "-m", "rlp_pipeline", "audit", str(path), "--derived", str(tmp_path),
                               "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)

    passed = audit("print('recomputed')")
    assert passed.returncode == 0, passed.stderr
    assert "IPKernelApp" not in passed.stderr and "WARNING" not in passed.stderr
    assert "recomputed" in (tmp_path / "out" / "check.ipynb").read_text(encoding="utf-8")
    (tmp_path / "out" / "check.ipynb").unlink()
    failed = audit("import math\n\nassert math.isclose(0.012, 0.013), 'p-values disagree'")
    assert failed.returncode == 1
    assert "check.ipynb, code cell 1 (import math), failed with AssertionError: p-values disagree" in failed.stderr
    assert "Traceback" not in failed.stderr and "\x1b[" not in failed.stderr
    assert not (tmp_path / "out" / "check.ipynb").exists()
