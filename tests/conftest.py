"""Shared fixtures: a small, valid raw-data folder built in a temporary directory.

Tests that feed bad input start from this folder and break one thing, so each test shows exactly
which defect produces which message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.io.datapackage import load_datapackage

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"

# Settings of the report tests' build: fewer stability redraws and agreement resamples (the
# numbers the documents show are checked against whatever tables this build writes).
FAST_SETTINGS = """stability:
  redraws: 40
  chunks: 2
  seed: 20180517
  method: auto
agreement:
  resamples: 200
  reliable: 0.800
  tentative: 0.667
"""


def path_without_quarto() -> str:
    """PATH without the folders that hold a `quarto` command: the fallback renderer runs."""
    return os.pathsep.join(folder for folder in os.environ.get("PATH", "").split(os.pathsep)
                           if not (Path(folder) / "quarto").exists())


@pytest.fixture(scope="session")
def fast_built_project(tmp_path_factory) -> Path:
    """The project built once per test session by Snakemake into a temporary copy, with the
    fallback renderer and FAST_SETTINGS; shared by the tests that read the documents (report
    numbers, captions, workbook), which never change it. Or the project benchmarks/mutation.py
    built with the unchanged code (RLP_BUILT_PROJECT), so that each mutant is checked against the
    same documents without a rebuild."""
    if os.environ.get("RLP_BUILT_PROJECT"):
        return Path(os.environ["RLP_BUILT_PROJECT"])
    from test_pipeline import copy_project

    project = copy_project(tmp_path_factory.mktemp("built-fast"))
    (project / "fast.yaml").write_text(FAST_SETTINGS, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PATH": path_without_quarto()}
    result = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "fast.yaml"],
                            cwd=project, capture_output=True, text=True, env=environment, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return project

SMALL_PLANS = """plan_id,name,region,mobilisation_level
RLP-001,Regroupement A,6,1
RLP-002,Regroupement B,16,2
RLP-003,Regroupement C,3,3
RLP-004,Regroupement D,1,4
"""

SMALL_CODINGS = """plan_id,object,strategy,substrategy,status,excerpt,coder
RLP-001,activities,institutionalisation,inst_expertise,applied,Une phrase,AB
RLP-001,activities,resources,res_financial,intended,,AB
RLP-002,relations,appropriation,appr_parents,intended,"Avec une virgule, dedans",CD
RLP-003,structures,policy_change,policy_institutions,applied,,CD
RLP-003,relations,institutionalisation,,applied,,
RLP-004,relations,appropriation,appr_norms,intended,,AB
"""


def primary_codings_bytes() -> bytes:
    """The shipped codings.csv without the second coders' rows of the double-coded plans: its
    header and first rows up to the first row whose coder is not its plan's first coder (the
    simulator appends those rows after every primary row). This is the coding the pipeline
    analyses, and what the import tests round-trip through each export format."""
    lines = (RAW / "codings.csv").read_bytes().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    primary: dict[str, str] = {}
    for count, row in enumerate(csv.reader(line.decode("utf-8") for line in rows)):
        plan, coder = row[0], row[-1]
        if primary.setdefault(plan, coder) != coder:
            return header + b"".join(rows[:count])
    return header + b"".join(rows)


def primary_codings_rows() -> list[dict]:
    """The rows of :func:`primary_codings_bytes` as dictionaries (column name -> text)."""
    return list(csv.DictReader(io.StringIO(primary_codings_bytes().decode("utf-8"), newline="")))


def nested_keys(value, prefix: str = "") -> set[str]:
    """Every key path of nested dictionaries (lists by their length): two languages' word tables
    must have the same, so that no sentence exists in one language only."""
    if isinstance(value, dict):
        return {k for key, v in value.items() for k in nested_keys(v, f"{prefix}{key}.")} | {prefix}
    if isinstance(value, list):
        return {f"{prefix}[{len(value)}]"}
    return {prefix}


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A raw-data folder with the project's codebook and data package and a tiny valid dataset."""
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(RAW / "codebook.yaml", folder / "codebook.yaml")
    shutil.copy(RAW / "datapackage.yaml", folder / "datapackage.yaml")
    (folder / "plans.csv").write_text(SMALL_PLANS, encoding="utf-8")
    (folder / "codings.csv").write_text(SMALL_CODINGS, encoding="utf-8")
    return folder


def folder_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file below a folder, to prove a run did not modify it."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def codebook():
    """The shipped codebook (test modules may define their own fixture of this name)."""
    return load_codebook(RAW / "codebook.yaml")


@pytest.fixture(scope="session")
def package():
    """The shipped data package descriptor."""
    return load_datapackage(RAW / "datapackage.yaml")
