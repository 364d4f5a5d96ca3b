"""The import routes feed the agreement stage: a REFI-QDA project where two users code the same
document, and an Excel grid whose « Codeur » column names two coders for the same plans."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pandas as pd

from conftest import RAW
from rlp_pipeline.importers import import_grid, import_qdpx
from rlp_pipeline.io.outputs import csv_bytes
from rlp_pipeline.stages.agreement import agreement_tables, disagreements
from rlp_pipeline.stages.validate import validate_inputs
from rlp_pipeline.importers.values import column_titles
from test_import_grid import workbook_bytes
from test_import_qdpx import mapping_of, one_plan

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "imports"))
import qdabuild as qb  # noqa: E402

SETTINGS = {"resamples": 100, "reliable": 0.800, "tentative": 0.667}
TEXT = "Les partenaires partagent un local. Les parents sont engagés."
ACTIVITIES = "Objets/Activités / programmes"
MATERIAL = "Stratégies/Ressources/Ressources matérielles"
PARENTS = "Stratégies/Appropriation par la communauté/Engager les parents"
APPLIED = "Statut/Déjà mise en application"


def validated_from(result, tmp_path: Path):
    """Write an import's tables beside a copy of the data package and validate them."""
    folder = tmp_path / "imported"
    folder.mkdir()
    shutil.copy(RAW / "datapackage.yaml", folder / "datapackage.yaml")
    (folder / "plans.csv").write_bytes(csv_bytes(result.plans))
    (folder / "codings.csv").write_bytes(csv_bytes(result.codings))
    return validate_inputs(RAW / "codebook.yaml", folder / "datapackage.yaml")


def test_two_users_coding_the_same_document_in_a_qdpx_are_compared(codebook, package, tmp_path):
    # Marie codes both passages; Jean codes the same spans, and disagrees on the second's strategy.
    first = qb.Passage(0, 34, [ACTIVITIES, MATERIAL, APPLIED], "Marie Tremblay",
                       others=[(c, "Jean Roy") for c in (ACTIVITIES, MATERIAL, APPLIED)])
    second_marie = qb.Passage(35, 61, [ACTIVITIES, PARENTS, APPLIED], "Marie Tremblay")
    second_jean = qb.Passage(35, 61, [ACTIVITIES, MATERIAL, APPLIED], "Jean Roy")
    data = qb.qdpx([one_plan(TEXT, passages=[first, second_marie, second_jean])])
    # Jean's codings sit on Marie's selection (ATLAS.ti-style double coding): each Coding names its coder.
    result = import_qdpx(data, mapping_of(codebook, split_by_coder=True, coder_from="coding", coders={"Marie Tremblay": "MT"}),
                         codebook, package)
    assert result.problems == []
    validated = validated_from(result, tmp_path)
    # The primary coder (first row) is analysed; both coders' rows go to the agreement stage.
    assert set(validated.codings["coder"]) == {"MT"}
    assert sorted(validated.double_coding["coder"].unique()) == ["Jean Roy", "MT"]
    dimensions, _ = agreement_tables(validated.double_coding, codebook, SETTINGS, seed=1)
    passage = dimensions.set_index(["unit", "dimension"])
    assert passage.loc[("passage", "object"), "percent_agreement"] == 1.0
    assert passage.loc[("passage", "strategy"), "units"] == 2 * 4  # two shared passages x four strategies
    table = disagreements(validated.double_coding, codebook)
    row = table[(table["unit"] == "passage") & (table["dimension"] == "strategy")]
    assert row["passage"].tolist() == ["Les parents sont engagés."]
    assert row["codes_by_coder"].tolist() == ["MT: appropriation | Jean Roy: resources"]


def test_the_grid_coder_column_feeds_the_same_agreement_as_the_csv_files(codebook, package, tmp_path):
    """The shipped tables, double coding included, typed into an English grid of ids: the grid's
    coder column gives the agreement stage the same double-coded rows (the importer groups rows
    by plan, so they come in another order) and the same agreement tables."""
    with open(RAW / "plans.csv", encoding="utf-8", newline="") as stream:
        plans = list(csv.DictReader(stream))
    with open(RAW / "codings.csv", encoding="utf-8", newline="") as stream:
        codings = list(csv.DictReader(stream))
    fields = [f["name"] for f in package.resources["plans"].fields]
    data = workbook_bytes({
        "Plans": [fields] + [[int(v) if k in ("region", "mobilisation_level") else v for k, v in p.items()] for p in plans],
        "Codings": [list(column_titles(package, "codings", "en").values())] + [list(c.values()) for c in codings],
    })
    result = import_grid(data, codebook, package)
    assert result.problems == []
    from_grid = validated_from(result, tmp_path)
    from_csv = validate_inputs(RAW / "codebook.yaml", RAW / "datapackage.yaml")
    columns = ["plan_id", "object", "strategy", "substrategy", "status", "excerpt", "coder"]
    ordered = lambda table: table[columns].sort_values(columns).reset_index(drop=True)  # noqa: E731
    assert from_csv.double_coding["plan_id"].nunique() > 0
    pd.testing.assert_frame_equal(ordered(from_grid.double_coding), ordered(from_csv.double_coding))
    pd.testing.assert_frame_equal(from_grid.codings[columns], from_csv.codings[columns])  # the analysed coding
    grid_tables = agreement_tables(from_grid.double_coding, codebook, SETTINGS, seed=3)
    csv_tables = agreement_tables(from_csv.double_coding, codebook, SETTINGS, seed=3)
    for grid_table, csv_table in zip(grid_tables, csv_tables):
        pd.testing.assert_frame_equal(grid_table, csv_table)
