"""Every stage's command gives a message, never a traceback, on failures a user can cause:
a hostile or missing codebook, missing derived inputs, a full disk, a missing report project.

Each stage's command line (``python -m rlp_pipeline STAGE ...``) is run through the CLI's entry
point on such a case; the test fails on "Traceback" in what it prints, or on a zero exit status.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import traceback
from pathlib import Path

import pytest

from conftest import RAW, REPO
from rlp_pipeline import cli
from rlp_pipeline.io import outputs

BOMB = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\n"

# Each stage's command, as Snakemake runs it, with its inputs in a folder where they are absent.
STAGES = {
    "validate": "validate",
    "sample": "sample --seed 1",
    "frequencies": "frequencies",
    "diversity": "diversity",
    "tests": "tests --seed 1",
    "findings": "findings",
    "stability-chunk": "stability-chunk --seed 1 --statistics-seed 1 --chunk 0 --out chunk.csv",
    "stability": "stability --seed 1 --statistics-seed 1 chunk.csv",
    "figures": "figures",
    "report": "report --no-quarto",
    "simulate": "simulate --out simulated",
    "import": "import export.xlsx",
    "template": "template",
    "schema-doc": "schema-doc",
}


def run_stage(arguments: list[str], capsys) -> tuple[int, str]:
    """Exit status and everything a stage printed; an uncaught exception prints its traceback,
    as the command line would."""
    try:
        status = cli.main(arguments)
    except SystemExit as exit_:
        status = exit_.code
    except BaseException:
        status = "exception"
        print(traceback.format_exc())
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """An empty working folder with the project's raw folder and settings, nothing derived."""
    shutil.copytree(RAW, tmp_path / "data" / "raw")
    shutil.copytree(REPO / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_yaml_bomb_in_the_codebook_and_missing_inputs_give_messages(project, capsys, stage):
    (project / "data" / "raw" / "codebook.yaml").write_text(BOMB, encoding="utf-8")
    (project / "data" / "raw" / "datapackage.yaml").write_text(BOMB, encoding="utf-8")
    (project / "config" / "simulation.yaml").write_text(BOMB, encoding="utf-8")
    status, printed = run_stage(STAGES[stage].split(), capsys)
    assert "Traceback" not in printed, printed
    assert status == cli.EXIT_INPUT_PROBLEM, printed


@pytest.mark.parametrize("stage", ["validate", "simulate", "template"])
def test_a_full_disk_gives_a_message_and_replaces_no_output(project, capsys, monkeypatch, stage):
    real_fdopen = os.fdopen
    opened = []

    class FillsUp(io.RawIOBase):
        """A file on a disk that fills up at the stage's second output file."""

        def __init__(self, handle):
            self.stream = real_fdopen(handle, "wb")
            opened.append(self)

        def write(self, data):
            if len(opened) >= 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.stream.write(data)

        def close(self):
            self.stream.close()

    out = project / "out"
    command = {"validate": f"validate --out {out}", "simulate": f"simulate --out {out}",
               "template": f"template --out {out}"}[stage]
    status, printed = run_stage(command.split(), capsys)  # a first, complete build
    assert status == 0, printed
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    for path in before:
        path.write_bytes(b"the previous build's output")
    monkeypatch.setattr(outputs.os, "fdopen", lambda handle, mode: FillsUp(handle))
    status, printed = run_stage(command.split(), capsys)
    assert "Traceback" not in printed, printed
    assert status == cli.EXIT_INPUT_PROBLEM
    assert "The disk is full: could not write " + str(out) in printed
    after = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert set(after) == set(before)  # no temporary file left
    assert set(after.values()) == {b"the previous build's output"}  # no output replaced


def test_a_folder_in_place_of_a_raw_table_is_named(project, capsys):
    (project / "data" / "raw" / "codings.csv").unlink()
    (project / "data" / "raw" / "codings.csv").mkdir()
    status, printed = run_stage(["validate"], capsys)
    assert "Traceback" not in printed and status == cli.EXIT_INPUT_PROBLEM
    assert "codings.csv" in printed and "folder" in printed


def rewritten_zip(source: Path, target: Path, change) -> None:
    """A copy of a zip archive with `change(info, data)` applied to each member (returns both)."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            info, data = change(info, old.read(info))
            new.writestr(info, data)


def test_an_excel_grid_declaring_xml_entities_is_refused_naming_the_member(project, capsys):
    status, printed = run_stage(["template", "--language", "en", "--out", "grid"], capsys)
    assert status == 0, printed
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]>'

    def attack(info, data):
        if info.filename == "xl/workbook.xml":
            data = laughs + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
        return info, data

    rewritten_zip(project / "grid" / "coding-grid.xlsx", project / "hostile.xlsx", attack)
    status, printed = run_stage(["import", "hostile.xlsx"], capsys)
    assert "Traceback" not in printed and status == cli.EXIT_INPUT_PROBLEM
    assert "hostile.xlsx" in printed and "'xl/workbook.xml'" in printed and "entity" in printed


def test_a_symbolic_link_member_of_a_qdpx_is_refused_as_such(project, capsys):
    import zipfile

    shutil.copy(REPO / "tests" / "fixtures" / "refi-qda" / "TestProject.qdpx", project / "linked.qdpx")
    with zipfile.ZipFile(project / "linked.qdpx", "a") as archive:
        member = zipfile.ZipInfo("Sources/plan.txt")
        member.external_attr = 0o120777 << 16  # a Unix symbolic link, to a system file
        archive.writestr(member, "/etc/passwd")
    mapping = REPO / "config" / "import-mapping.example.yaml"
    status, printed = run_stage(["import", "linked.qdpx", "--mapping", str(mapping)], capsys)
    assert "Traceback" not in printed and status == cli.EXIT_INPUT_PROBLEM
    assert "'Sources/plan.txt'" in printed and "is a symbolic link" in printed and "root:" not in printed


def test_a_log_file_that_cannot_be_created_gives_a_message(project, capsys):
    (project / "logs").write_text("a file where the logs folder should be", encoding="utf-8")
    status, printed = run_stage(["--log", "logs/validate.log", "validate"], capsys)
    assert "Traceback" not in printed and status == cli.EXIT_INPUT_PROBLEM
    assert "logs" in printed


def test_temporary_files_of_a_run_killed_while_writing_are_removed(tmp_path):
    stale = tmp_path / ".plans.csv.k2j3h4.tmp"
    stale.write_bytes(b"half a file")
    other = tmp_path / ".codings.csv.abcd.tmp"
    other.write_bytes(b"another target's")
    outputs.write_outputs({tmp_path / "plans.csv": b"a,b\n1,2\n"})
    assert not stale.exists() and other.exists()
    assert (tmp_path / "plans.csv").read_bytes() == b"a,b\n1,2\n"
