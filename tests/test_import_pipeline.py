"""End to end: a coding export in the config instead of codings.csv, and `snakemake` does the rest.

A REFI-QDA project built from the shipped simulated plans (mobilisation level, region and name
as document variables), in both layouts tools write (one selection carrying all its codes, and
NVivo's one selection per code with UTF-16 offsets), and an Excel grid filled in from them must
give exactly the derived tables of the CSV route, through the real Snakemake workflow. The one
difference allowed is the provenance: imported tables are real coding (`simulated` is false).
"""

from __future__ import annotations

import csv
import io
import json
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
    """The CSV tables of the analysis stages, with the findings' `simulated` column left out
    (it is the provenance, checked by :func:`simulated_flags`)."""
    derived = project / "data" / "derived"
    tables = {str(path.relative_to(derived)): path.read_bytes() for stage in STAGES
              for path in sorted((derived / stage).glob("*.csv"))}
    rows = list(csv.DictReader(io.StringIO(tables["findings/findings.csv"].decode("utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, [k for k in rows[0] if k != "simulated"], extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tables["findings/findings.csv"] = out.getvalue().encode("utf-8")
    return tables


def simulated_flags(project: Path) -> set:
    """Every `simulated` flag the validated provenance, the sampling record and the findings carry."""
    derived = project / "data" / "derived"
    with open(derived / "findings" / "findings.csv", encoding="utf-8", newline="") as stream:
        flags = {row["simulated"] for row in csv.DictReader(stream)}
    for path in ("validated/provenance.json", "sample/sampling_record.json"):
        flags.add(str(json.loads((derived / path).read_text(encoding="utf-8"))["simulated"]))
    return flags


@pytest.fixture(scope="module")
def csv_route(tmp_path_factory) -> dict[str, bytes]:
    project = copy_project(tmp_path_factory.mktemp("csv-route"))
    result = snakemake(project, TARGET)
    assert result.returncode == 0, result.stdout + result.stderr
    assert simulated_flags(project) == {"True"}
    return derived_tables(project)


def configure_import(project: Path, source: str, mapping: str | None) -> None:
    settings = project / "config" / "my-import.yaml"
    lines = ["import:", f"  source: {source}"] + ([f"  mapping: {mapping}"] if mapping else [])
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("layout", ["one-selection-per-passage", "nvivo-one-selection-per-code"])
def test_qdpx_route_gives_the_derived_tables_of_the_csv_route(tmp_path, csv_route, layout):
    project = copy_project(tmp_path)
    codebook = load_codebook(RAW / "codebook.yaml")
    nvivo = layout.startswith("nvivo")
    documents = qb.documents_from_tables(shipped_rows("plans.csv"), shipped_rows("codings.csv"), codebook, utf16=nvivo)
    export = (qb.qdpx(documents, per_code=True, origin="NVivo 14.24.0 (Windows)", exporter="Administrateur") if nvivo
              else qb.qdpx(documents))
    (project / "exports").mkdir()
    (project / "exports" / "projet RLP.qdpx").write_bytes(export)
    configure_import(project, "'exports/projet RLP.qdpx'", "config/import-mapping.example.yaml")
    raw_before = folder_digest(project / "data" / "raw")
    result = snakemake(project, TARGET, "--configfile", "config/my-import.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "import" in (result.stdout + result.stderr)
    assert derived_tables(project) == csv_route
    assert simulated_flags(project) == {"False"}
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
    assert simulated_flags(project) == {"False"}


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
