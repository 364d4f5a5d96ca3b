"""The data package: valid for the Frictionless reference implementation, and documented from
itself.

Frictionless is an independent implementation of the Table Schema standard: it checks that our
descriptor is standard and that the shipped tables meet it (types, ranges, unique and foreign
keys), separately from our own validation stage.
"""

from __future__ import annotations

import shutil

from frictionless import validate

from conftest import REPO
from rlp_pipeline.io.datapackage import load_datapackage, schema_markdown


def test_shipped_tables_are_valid_for_the_reference_implementation():
    report = validate(str(REPO / "data" / "raw" / "datapackage.yaml"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_reference_implementation_sees_a_duplicate_plan_id(tmp_path):
    for name in ("datapackage.yaml", "plans.csv", "codings.csv"):
        shutil.copy(REPO / "data" / "raw" / name, tmp_path / name)
    plans = (tmp_path / "plans.csv").read_text(encoding="utf-8").splitlines()
    plans[2] = plans[1]
    (tmp_path / "plans.csv").write_text("\n".join(plans) + "\n", encoding="utf-8")
    report = validate(str(tmp_path / "datapackage.yaml"))
    assert not report.valid
    assert "primary-key" in {row[0] for row in report.flatten(["type"])}


def test_raw_readme_documents_the_schema_as_it_is():
    readme = (REPO / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    documented = readme.split("<!-- schema-doc:start -->\n", 1)[1].split("<!-- schema-doc:end -->", 1)[0]
    expected = schema_markdown(load_datapackage(REPO / "data" / "raw" / "datapackage.yaml"))
    assert documented == expected, "run `python -m rlp_pipeline schema-doc` and paste it into data/raw/README.md"


def test_schema_fields_name_existing_codebook_sections():
    from rlp_pipeline.codebook import load_codebook

    codebook = load_codebook(REPO / "data" / "raw" / "codebook.yaml")
    for resource in load_datapackage(REPO / "data" / "raw" / "datapackage.yaml").resources.values():
        for field in resource.fields:
            if "codebook" in field:
                assert codebook.ids(field["codebook"]), field
