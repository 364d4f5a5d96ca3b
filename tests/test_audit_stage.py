"""The audit stage's kernel gets valid thread counts when the workflow runs it with `threads: 0`
(rules/audit.smk: beside the other jobs), for which Snakemake exports 0 to numerical libraries."""

from __future__ import annotations

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
