"""End to end: a coding export in the config instead of codings.csv, and `snakemake` does the rest.

A REFI-QDA project built from the shipped simulated plans (mobilisation level, region and name
as document variables) and an Excel grid filled in from them must give exactly the derived
tables of the CSV route, through the real Snakemake workflow.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from conftest import RAW, folder_digest, primary_codings_rows
from test_pipeline import copy_project, snakemake

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "imports"))
import qdabuild as qb  # noqa: E402

from rlp_pipeline.codebook import load_codebook  # noqa: E402

pytestmark = pytest.mark.slow

# The analysis stages whose tables must not depend on the route the coded plans came by.
STAGES = ("sample", "frequencies", "diversity", "tests", "findings")
TARGET = "data/derived/findings/findings.csv"


def shipped_rows(name: str) -> list[dict]:
    """The rows of a shipped table; for codings.csv the analysed (primary) coding only: the
    routes carry the double coders' rows too, but the importers group rows by plan, so those rows
    would land elsewhere than where the simulator appends them (see test_agreement_imports)."""
    if name == "codings.csv":
        return primary_codings_rows()
    with open(RAW / name, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def derived_tables(project: Path) -> dict[str, bytes]:
    derived = project / "data" / "derived"
    return {str(path.relative_to(derived)): path.read_bytes() for stage in STAGES
            for path in sorted((derived / stage).glob("*.csv"))}


@pytest.fixture(scope="module")
def csv_route(tmp_path_factory) -> dict[str, bytes]:
    project = copy_project(tmp_path_factory.mktemp("csv-route"))
    result = snakemake(project, TARGET)
    assert result.returncode == 0, result.stdout + result.stderr
    return derived_tables(project)


def configure_import(project: Path, source: str, mapping: str | None) -> None:
    settings = project / "config" / "my-import.yaml"
    lines = ["import:", f"  source: {source}"] + ([f"  mapping: {mapping}"] if mapping else [])
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_qdpx_route_gives_the_derived_tables_of_the_csv_route(tmp_path, csv_route):
    project = copy_project(tmp_path)
    codebook = load_codebook(RAW / "codebook.yaml")
    export = qb.qdpx(qb.documents_from_tables(shipped_rows("plans.csv"), shipped_rows("codings.csv"), codebook))
    (project / "exports").mkdir()
    (project / "exports" / "projet RLP.qdpx").write_bytes(export)
    configure_import(project, "'exports/projet RLP.qdpx'", "config/import-mapping.example.yaml")
    raw_before = folder_digest(project / "data" / "raw")
    result = snakemake(project, TARGET, "--configfile", "config/my-import.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "import" in (result.stdout + result.stderr)
    assert derived_tables(project) == csv_route
    report = (project / "data" / "derived" / "validated" / "validation_report.md").read_text(encoding="utf-8")
    assert "Imported from a coding export" in report
    assert folder_digest(project / "data" / "raw") == raw_before


def test_excel_route_gives_the_derived_tables_of_the_csv_route(tmp_path, csv_route):
    import openpyxl

    project = copy_project(tmp_path)
    plans, codings = shipped_rows("plans.csv"), shipped_rows("codings.csv")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Plans"
    sheet.append(list(plans[0]))
    for plan in plans:
        sheet.append([int(v) if k in ("region", "mobilisation_level") else v for k, v in plan.items()])
    sheet = workbook.create_sheet("Codages")
    sheet.append(["Identifiant du plan", "Objet", "Stratégie", "Sous-stratégie", "Statut", "Extrait", "Codeur"])
    for coding in codings:
        sheet.append([value or None for value in coding.values()])
    (project / "exports").mkdir()
    workbook.save(project / "exports" / "grille.xlsx")
    configure_import(project, "exports/grille.xlsx", None)
    result = snakemake(project, TARGET, "--configfile", "config/my-import.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert derived_tables(project) == csv_route


def test_an_export_with_unmapped_and_conflicting_codes_stops_with_a_clear_message(tmp_path):
    project = copy_project(tmp_path)
    passages = [qb.Passage(0, 10, ["Objets/Activités / programmes", "Statut/Intention"])]  # no strategy
    document = qb.Document("RLP-001.txt", "Une phrase codée.", passages, variables={"Mobilisation": 1, "Région": 6})
    (project / "exports").mkdir()
    (project / "exports" / "projet.qdpx").write_bytes(qb.qdpx([document]))
    configure_import(project, "exports/projet.qdpx", "config/import-mapping.example.yaml")
    result = snakemake(project, TARGET, "--configfile", "config/my-import.yaml")
    assert result.returncode != 0
    log = (project / "logs" / "import.log").read_text(encoding="utf-8")
    assert "projet.qdpx" in log and "no strategy" in log
    assert not (project / "data" / "derived" / "validated").exists()
