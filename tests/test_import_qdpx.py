"""REFI-QDA import: the real fixture files, every quirk of real exports, hostile archives, the
mapping file, and the end-to-end equivalence with the CSV route.

Exports are built in memory by tests/fixtures/imports/qdabuild.py; the real files are those of
tests/fixtures/refi-qda/ (copied with their licences from the project's shared fixtures; counts from its README).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import RAW, REPO, folder_digest, primary_codings_bytes, primary_codings_rows
from rlp_pipeline.importers import (
    import_export, import_qdpx, mapping_from_codebook, open_export, read_mapping, read_plans_frame, run_import,
)
from rlp_pipeline.importers import safezip
from rlp_pipeline.importers.mapping import mapping_skeleton, parse_mapping, path_key
from rlp_pipeline.importers.qdpx import cut, project_summary, read_codebook_export
from rlp_pipeline.importers.result import import_report_lines, read_import_record
from rlp_pipeline.io.outputs import csv_bytes
from rlp_pipeline.problems import InputError
from rlp_pipeline.stages.validate import validate_inputs

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "imports"))
import qdabuild as qb  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "refi-qda"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="real REFI-QDA fixtures not available")


def mapping_of(codebook, **changes):
    """The codebook mapping (French code tree), with some keys changed."""
    document = mapping_from_codebook(codebook, "fr")
    document.update(changes)
    mapping, problems = parse_mapping(document, codebook)
    assert problems == []
    return mapping


def messages(result) -> str:
    return "\n".join(str(p) for p in result.problems)


def one_plan(text="Les partenaires partagent un local. Les parents sont engagés.", passages=None, name="RLP-001.txt",
             **document):
    """A one-document export: plan RLP-001, level 3 and region 6 as document variables."""
    passages = passages if passages is not None else [
        qb.Passage(0, 34, ["Objets/Activités / programmes", "Stratégies/Ressources/Ressources matérielles",
                           "Statut/Déjà mise en application"], "Ana"),
    ]
    options = {"variables": {"Mobilisation": 3, "Région": 6, "Nom": "Groupe A"}}
    options.update(document)
    return qb.Document(name, text, passages, **options)


# -- the real fixture files --------------------------------------------------------------------

@needs_fixtures
@pytest.mark.parametrize("name", ["Project.qde", "TestProject.qdpx"])
def test_real_atlas_project_counts(name):
    export, problems = open_export(FIXTURES / name)
    assert problems == []
    summary = project_summary(export)
    assert summary["codes"] == 14
    assert summary["sources"] == 12
    assert summary["sources_by_kind"] == {"TextSource": 6, "PDFSource": 2, "PictureSource": 1, "AudioSource": 1, "VideoSource": 2}
    assert summary["plain_text_selections"] == 8
    assert summary["plain_text_selections_in_text_sources"] == 6
    assert summary["codings"] == 16
    assert summary["users"] == 3
    assert summary["cases"] == summary["variables"] == 0
    paths = [code.path for code in export.project.codes.values()]
    assert "Coke/full-fat Coke" in paths and "Coke/diet Coke" in paths and "Coke" in paths  # flat Parent::Child
    uncoded = [s for s in export.project.selections if s.kind == "PlainTextSelection" and not s.codings]
    assert len(uncoded) == 1
    assert set(export.project.users.values()) == {"ATLAS.ti", "Friedrich Markgraf", "Sebastian Petrausch"}
    if name.endswith(".qdpx"):
        assert export.inner_name == "Project.qde"
    export.close()


@needs_fixtures
def test_real_atlas9_codebook_namespace_0_4():
    codes, problems = read_codebook_export(FIXTURES / "portableQDA_Atlasti.qdc")
    assert problems == []
    assert len(codes) == 5
    assert max(code.path.count("/") for code in codes) == 1  # two levels
    by_path = {code.path: code for code in codes}
    assert not by_path["code3"].codable and by_path["code3"].has_children
    assert "code3/code:3.1" in by_path  # a single ':' stays in the name
    export, _ = open_export(FIXTURES / "portableQDA_Atlasti.qdc")
    assert export.project.namespace == "urn:QDA-XML:codebook:0:4"


@needs_fixtures
def test_real_project_import_lists_unmapped_codes_and_names_the_missing_source(codebook, package):
    mapping, problems = parse_mapping({
        "codes": {"Coke::diet Coke": {"object": "activities", "strategy": "resources", "status": "applied"}},
        "documents": {"by": "name", "pattern": r"^(\d{4}) ", "skip": ["Mab*", "Simon*", "1960s*"]},
    }, codebook)
    assert problems == []
    frame = pd.DataFrame({"plan_id": ["1994"], "name": [""], "region": ["6"], "mobilisation_level": ["2"]}, dtype=object)
    result = import_qdpx(FIXTURES / "TestProject.qdpx", mapping, codebook, package, frame)
    # The archive ships an empty Sources/ folder: the coded passage's text is missing.
    assert len(result.problems) == 1
    text = messages(result)
    assert "document '1994 Diet Coke-Diet Coke Break.docx'" in text
    assert "sources/230B768E-5A3D-42B7-BE92-2A3721177944.txt" in text and "missing" in text
    assert "Coke/diet Coke" not in result.unmapped_codes
    assert {"happiness", "Coke/full-fat Coke", '"rushed"'} <= set(result.unmapped_codes)
    assert "Coke" not in result.unmapped_codes  # a parent never applied is not listed
    assert any("PDFSource" in note and "not text" in note for note in result.notes)
    bare = import_qdpx(FIXTURES / "Project.qde", mapping, codebook, package, frame)
    assert "a bare .qde does not hold" in messages(bare)


# -- quirks of real exports ---------------------------------------------------------------------

@pytest.mark.parametrize("inner", ["project.qde", "Project.qde", "Étude RLP 2018.qde"])
@pytest.mark.parametrize("folder", ["sources", "Sources"])
def test_inner_xml_names_and_sources_folder_case(codebook, package, inner, folder):
    data = qb.qdpx([one_plan()], inner_name=inner, sources_folder=folder)
    result = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert result.problems == []
    assert result.codings.to_dict("records") == [{
        "plan_id": "RLP-001", "object": "activities", "strategy": "resources", "substrategy": "res_material",
        "status": "applied", "excerpt": "Les partenaires partagent un local", "coder": "Ana"}]
    assert result.plans.to_dict("records") == [{"plan_id": "RLP-001", "name": "Groupe A", "region": "6", "mobilisation_level": "3"}]


def test_two_project_files_without_project_qde_is_a_clear_problem(codebook, package):
    data = qb.qdpx([one_plan()], inner_name="a.qde", extra={"b.qde": qb.project_xml([one_plan()])})
    result = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert "one project XML (.qde) at the top of the archive (found: a.qde, b.qde)" in messages(result)


def test_bare_qde_with_inline_text(codebook, package):
    xml = qb.project_xml([one_plan(inline=True)])
    result = import_qdpx(xml, mapping_of(codebook), codebook, package)
    assert result.problems == []
    assert result.codings["excerpt"].tolist() == ["Les partenaires partagent un local"]


@pytest.mark.parametrize("line_endings", ["as_is", "lf"])
def test_byte_order_mark_and_crlf(codebook, package, line_endings):
    text = "Première ligne.\r\nLes parents sont engagés.\r\nFin."
    counted = text if line_endings == "as_is" else text.replace("\r\n", "\n")
    start = counted.index("Les parents")
    end = start + len("Les parents sont engagés.")
    document = one_plan(text, [qb.Passage(start, end, ["Objets/Relations / collaborations",
                                                       "Stratégies/Appropriation par la communauté/Engager les parents",
                                                       "Statut/Intention"])], encoding="utf-8-sig")
    data = qb.qdpx([document])
    assert data and qb.text_bytes(document).startswith(b"\xef\xbb\xbf")
    result = import_qdpx(data, mapping_of(codebook, line_endings=line_endings), codebook, package)
    assert result.problems == []
    assert result.codings["excerpt"].tolist() == ["Les parents sont engagés."]


def test_crlf_inside_an_excerpt_becomes_lf_and_utf16_text_files_are_read(codebook, package):
    text = "Un.\r\nDeux trois.\r\nQuatre."
    document = one_plan(text, [qb.Passage(0, len(text), ["Objets/Activités / programmes", "Stratégies/Ressources",
                                                        "Statut/Intention"])], encoding="utf-16")
    result = import_qdpx(qb.qdpx([document]), mapping_of(codebook), codebook, package)
    assert result.problems == []
    assert result.codings["excerpt"].tolist() == ["Un.\nDeux trois.\nQuatre."]
    assert result.codings["substrategy"].tolist() == [""]


def test_utf16_offsets_around_non_bmp_characters(codebook, package):
    text = "Bébé 👶 joue 🎲 dehors. Parents 𝒜 engagés ici."
    wanted = "Parents 𝒜 engagés"
    start = text.index(wanted)
    units = lambda s: len(s.encode("utf-16-le")) // 2  # noqa: E731
    u_start, u_end = units(text[:start]), units(text[:start + len(wanted)])
    assert (u_start, u_end) != (start, start + len(wanted))  # the emoji and 𝒜 count 2 in UTF-16
    codes = ["Objets/Relations / collaborations", "Stratégies/Ressources", "Statut/Intention"]
    nvivo = qb.qdpx([one_plan(text, [qb.Passage(u_start, u_end, codes)])])
    result = import_qdpx(nvivo, mapping_of(codebook, offsets="utf16"), codebook, package)
    assert result.problems == []
    assert result.codings["excerpt"].tolist() == [wanted]
    wrong = import_qdpx(nvivo, mapping_of(codebook), codebook, package)
    assert wrong.codings["excerpt"].tolist() != [wanted]  # counted as characters, the passage shifts
    atlas = qb.qdpx([one_plan(text, [qb.Passage(start, start + len(wanted), codes)])])
    assert import_qdpx(atlas, mapping_of(codebook), codebook, package).codings["excerpt"].tolist() == [wanted]


def test_offsets_that_split_a_character_or_pass_the_end_are_problems(codebook, package):
    text = "Un 👶 deux."
    codes = ["Objets/Relations / collaborations", "Stratégies/Ressources", "Statut/Intention"]
    split = qb.qdpx([one_plan(text, [qb.Passage(0, 4, codes)])])  # unit 4 is inside the emoji
    result = import_qdpx(split, mapping_of(codebook, offsets="utf16"), codebook, package)
    assert "passage at characters 0-4" in messages(result) and "do not split a character" in messages(result)
    beyond = qb.qdpx([one_plan(text, [qb.Passage(2, 400, codes)])])
    result = import_qdpx(beyond, mapping_of(codebook), codebook, package)
    assert "offsets within the text (10 characters)" in messages(result)


def test_cut_counts_characters_or_utf16_units():
    assert cut("a👶b", 1, 2, "characters") == "👶"
    assert cut("a👶b", 1, 3, "utf16") == "👶"
    assert cut("a👶b", 1, 2, "utf16") is None


@pytest.mark.parametrize("nested", [True, False])
def test_nested_and_flat_code_trees_give_the_same_codings(codebook, package, nested):
    data = qb.qdpx([one_plan()], nested=nested)
    export, _ = open_export(data)
    names = [code.name for code in export.project.codes.values()]
    assert any("::" in name for name in names) is (not nested)
    result = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert result.problems == [] and result.codings["substrategy"].tolist() == ["res_material"]


@pytest.mark.parametrize("ns", ["urn:QDA-XML:project:1.0", "urn:QDA-XML:codebook:0:4", "urn:example:other"])
def test_any_namespace_is_read_by_local_names(codebook, package, ns):
    result = import_qdpx(qb.qdpx([one_plan()], namespace=ns), mapping_of(codebook), codebook, package)
    assert result.problems == [] and len(result.codings) == 1


def test_schema_invalid_but_readable_xml_is_read(codebook, package):
    # No project name, codes without isCodable, a user without guid, Sources before CodeBook,
    # an element the schema does not know: all required or forbidden by the schema.
    xml = qb.project_xml([one_plan(inline=True)], schema_invalid=True)
    assert b"isCodable" not in xml and b"VendorExtension" in xml
    result = import_qdpx(xml, mapping_of(codebook), codebook, package)
    assert result.problems == []
    assert result.codings["object"].tolist() == ["activities"]


# -- where the mobilisation level is -----------------------------------------------------------

LEVEL_CODES = ["Objets/Activités / programmes", "Stratégies/Ressources", "Statut/Intention"]


def level_result(codebook, package, level_from, plans=None, **document):
    mapping = mapping_of(codebook, level_from=level_from, region_from=None, name_from=None)
    data = qb.qdpx([one_plan(passages=[qb.Passage(0, 10, LEVEL_CODES)], **document)])
    frame = plans if plans is not None else pd.DataFrame(
        {"plan_id": ["RLP-001"], "name": ["A"], "region": ["6"], "mobilisation_level": ["2"]}, dtype=object)
    return import_qdpx(data, mapping, codebook, package, frame)


def test_level_from_a_document_variable(codebook, package):
    result = level_result(codebook, package, {"variable": "mobilisation"}, variables={"Mobilisation": "Coordination"})
    assert result.problems == []
    wrong = level_result(codebook, package, {"variable": "Mobilisation"}, variables={"Mobilisation": 4})
    assert "the mobilisation level of plan 'RLP-001' in plans.csv (2)" in messages(wrong)


def test_level_from_a_case_pointing_to_the_document(codebook, package):
    cases = [qb.Case("RLP A", ["RLP-001.txt"], {"Niveau": 2})]
    mapping = mapping_of(codebook, level_from={"case_variable": "Niveau"}, region_from={"variable": "Région"}, name_from=None)
    data = qb.qdpx([one_plan(passages=[qb.Passage(0, 10, LEVEL_CODES)], variables={"Région": 6})], cases=cases)
    result = import_qdpx(data, mapping, codebook, package)
    assert result.problems == []
    assert result.plans[["plan_id", "mobilisation_level", "region"]].values.tolist() == [["RLP-001", "2", "6"]]
    conflict = [qb.Case("A", ["RLP-001.txt"], {"Niveau": 2}), qb.Case("B", ["RLP-001.txt"], {"Niveau": 3})]
    data = qb.qdpx([one_plan(passages=[qb.Passage(0, 10, LEVEL_CODES)], variables={"Région": 6})], cases=conflict)
    assert "one mobilisation level for the document; its cases give several" in messages(import_qdpx(data, mapping, codebook, package))


@pytest.mark.parametrize("whole_document", [True, False])
def test_level_from_a_code_applied_to_the_document(codebook, package, whole_document):
    mapping = mapping_of(codebook, level_from={"code_prefix": "Mobilisation/"}, region_from={"variable": "Région"},
                         name_from=None)
    if whole_document:
        document = one_plan(passages=[qb.Passage(0, 10, LEVEL_CODES)], whole_codes=["Mobilisation/3 – Coopération"],
                            variables={"Région": 6})
    else:  # coded on a passage (e.g. the whole text selected): a passage of level codes only is no coding
        document = one_plan(passages=[qb.Passage(0, 10, LEVEL_CODES), qb.Passage(0, 61, ["Mobilisation/Coopération"])],
                            variables={"Région": 6})
    result = import_qdpx(qb.qdpx([document]), mapping, codebook, package)
    assert result.problems == []
    assert result.plans["mobilisation_level"].tolist() == ["3"]
    assert len(result.codings) == 1
    assert result.unmapped_codes == []  # level codes are attributes, not unmapped codes


def test_missing_or_unknown_level_is_a_problem_naming_the_document(codebook, package):
    mapping = mapping_of(codebook)
    data = qb.qdpx([one_plan(variables={"Région": 6})])
    assert ("document 'RLP-001.txt': expected a mobilisation level in the document variable 'Mobilisation'"
            in messages(import_qdpx(data, mapping, codebook, package)))
    data = qb.qdpx([one_plan(variables={"Mobilisation": "élevé", "Région": 6})])
    assert "found 'élevé'; expected a mobilisation level from the codebook" in messages(import_qdpx(data, mapping, codebook, package))


# -- mapping: passages, codes, documents -------------------------------------------------------

def test_a_passage_with_two_objects_or_no_status_is_a_problem_naming_document_offsets_and_codes(codebook, package):
    passages = [
        qb.Passage(0, 10, ["Objets/Activités / programmes", "Objets/Relations / collaborations",
                           "Stratégies/Ressources", "Statut/Intention"]),
        qb.Passage(11, 20, ["Objets/Activités / programmes", "Stratégies/Ressources"]),
    ]
    result = import_qdpx(qb.qdpx([one_plan(passages=passages)]), mapping_of(codebook), codebook, package)
    text = messages(result)
    assert "document 'RLP-001.txt', passage at characters 0-10" in text
    assert "several object values (activities, relations)" in text
    assert "Objets/Activités / programmes + Objets/Relations / collaborations" in text
    assert "passage at characters 11-20" in text and "no status" in text


def test_unmapped_codes_are_listed_with_their_uses_and_ignored_codes_are_not(codebook, package):
    passages = [qb.Passage(0, 10, LEVEL_CODES + ["Thèmes/Petite enfance", "Mémos/À revoir"]),
                qb.Passage(11, 20, ["Thèmes/Petite enfance"])]
    result = import_qdpx(qb.qdpx([one_plan(passages=passages)], codes=["Thèmes/Jamais utilisé"]),
                         mapping_of(codebook, ignore=["Mémos/*"]), codebook, package)
    assert result.problems == []
    assert len(result.codings) == 1  # the second passage has no mapped code: not a coding
    assert result.unmapped_codes == ["Thèmes/Jamais utilisé", "Thèmes/Petite enfance"]  # code-tree order
    assert result.code_uses["Thèmes/Petite enfance"] == 2
    report = result.report()
    assert "`Thèmes/Petite enfance` | 2 |" in report and "Mémos" not in report


def test_a_mapped_code_in_a_pdf_is_a_problem_not_a_silent_loss(codebook, package):
    pdf = qb.Document("RLP-002.pdf", kind="PDFSource")
    data = qb.qdpx([one_plan(), pdf])
    xml = qb.project_xml([one_plan(), pdf])
    assert b"PDFSource" in xml
    result = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert result.problems == [] and any("RLP-002.pdf' (PDFSource) is not text" in n for n in result.notes)
    pdf.whole_codes = ["Objets/Activités / programmes"]
    result = import_qdpx(qb.qdpx([one_plan(), pdf]), mapping_of(codebook), codebook, package)
    assert "this document is a PDFSource" in messages(result)


def test_documents_by_a_column_of_plans_csv(codebook, package):
    frame = pd.DataFrame({"plan_id": ["RLP-007"], "name": ["Regroupement des Îles"], "region": ["11"],
                          "mobilisation_level": ["3"]}, dtype=object)
    document = one_plan(name="Regroupement des Îles.docx", variables={})
    mapping = mapping_of(codebook, documents={"by": "column", "column": "name"})
    result = import_qdpx(qb.qdpx([document]), mapping, codebook, package, frame)
    assert result.problems == []
    assert result.codings["plan_id"].tolist() == ["RLP-007"]
    assert result.plans.to_dict("records") == frame.to_dict("records")
    other = one_plan(name="Regroupement des Iles du Nord.docx", variables={})
    result = import_qdpx(qb.qdpx([other]), mapping, codebook, package, frame)
    assert "a document named after a value of the column 'name' of plans.csv" in messages(result)


def test_document_names_pattern_skip_and_unknown_plan(codebook, package):
    frame = pd.DataFrame({"plan_id": ["RLP-001"], "name": [""], "region": ["6"], "mobilisation_level": ["3"]}, dtype=object)
    documents = [one_plan(name="Plan RLP-001 (version finale).docx"), one_plan(name="Guide de codage.txt"),
                 one_plan(name="Plan RLP-010.docx")]
    mapping = mapping_of(codebook, documents={"by": "name", "pattern": r"(RLP-\d+)", "skip": ["Guide*"]})
    result = import_qdpx(qb.qdpx(documents), mapping, codebook, package, frame)
    assert len(result.problems) == 1
    assert "document 'Plan RLP-010.docx': found 'RLP-010'; expected the id of a plan listed in" in messages(result)
    assert "Did you mean 'RLP-001'?" in messages(result)
    assert any("Guide de codage.txt' skipped" in note for note in result.notes)


def test_coders_and_double_coding_in_one_selection(codebook, package):
    # Two people coded the same selection (ATLAS.ti's layout); the second only added an object.
    # Each Coding names its coder, so coder_from: coding.
    passage = qb.Passage(0, 10, LEVEL_CODES, "Marie Tremblay", others=[("Objets/Relations / collaborations", "Jean Roy")])
    data = qb.qdpx([one_plan(passages=[passage])])
    merged = import_qdpx(data, mapping_of(codebook, coder_from="coding"), codebook, package)
    assert "several object values (activities, relations)" in messages(merged)  # one passage, one object
    split = mapping_of(codebook, split_by_coder=True, coder_from="coding", coders={"Marie Tremblay": "MT"})
    per_coder = import_qdpx(data, split, codebook, package)
    assert "no strategy and no status" in messages(per_coder)  # Jean Roy's codes alone are incomplete
    # Each coder codes the passage completely: one coding per coder, with the coders' names mapped.
    passage.others = [(code, "Jean Roy") for code in LEVEL_CODES]
    data = qb.qdpx([one_plan(passages=[passage])])
    result = import_qdpx(data, split, codebook, package)
    assert result.problems == [] and sorted(result.codings["coder"]) == ["Jean Roy", "MT"]
    together = import_qdpx(data, mapping_of(codebook, coder_from="coding"), codebook, package)
    assert together.codings["coder"].tolist() == ["Marie Tremblay, Jean Roy"]
    # By default the coder is the selection's creator, whoever the Coding elements name.
    assert import_qdpx(data, mapping_of(codebook), codebook, package).codings["coder"].tolist() == ["Marie Tremblay"]


def test_mapping_file_problems_name_key_line_and_suggest(tmp_path, codebook):
    path = tmp_path / "mapping.yaml"
    path.write_text(
        "documents: {by: name}\n"
        "offset: utf16\n"
        "codes:\n"
        "  Objets/A: {object: activites}\n"
        "  Stratégies/B: {strategy: resources, substrategy: appr_parents}\n"
        "  Stratégies/C: {stratgy: resources}\n"
        "  objets/a: {object: activities}\n"
        "level_from: {column: Mobilisation}\n", encoding="utf-8")
    mapping, problems = read_mapping(path, codebook)
    assert mapping is None
    text = "\n".join(map(str, problems))
    assert "line 2, column 'offset'" in text and "Did you mean 'offsets'?" in text
    assert "line 4, column 'codes.Objets/A.object': found 'activites'" in text and "Did you mean 'activities'?" in text
    assert "line 5, column 'codes.Stratégies/B.substrategy': found 'appr_parents'" in text
    assert "line 6" in text and "Did you mean 'strategy'?" in text
    assert "line 7" in text and "each code path once (it is already mapped as 'Objets/A')" in text
    assert "line 8, column 'level_from'" in text


def test_example_mapping_file_is_the_codebook_mapping(codebook):
    mapping, problems = read_mapping(REPO / "config" / "import-mapping.example.yaml", codebook)
    assert problems == []
    generated, _ = parse_mapping(mapping_from_codebook(codebook, "fr"), codebook)
    assert mapping.codes == generated.codes
    assert (mapping.level_from, mapping.region_from, mapping.name_from) == (generated.level_from, generated.region_from, generated.name_from)
    assert path_key("Stratégies::Ressources") == path_key("stratégies/ressources")


def test_mapping_skeleton_guesses_codes_from_labels(codebook):
    skeleton = mapping_skeleton(["Objets/Activités / programmes", "Divers/Engager les parents", "Autre"], codebook)
    assert skeleton["codes"] == {"Objets/Activités / programmes": {"object": "activities"},
                                 "Divers/Engager les parents": {"substrategy": "appr_parents"}, "Autre": {}}


# -- hostile archives --------------------------------------------------------------------------

def test_zip_bomb_is_refused_before_decompressing(codebook, package):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qb.project_xml([one_plan(inline=True)]))
        archive.writestr("sources/bomb.txt", b"\0" * (4 * 1024 * 1024))
    result = import_qdpx(buffer.getvalue(), mapping_of(codebook), codebook, package, shown="bomb.qdpx")
    text = messages(result)
    assert "bomb.qdpx: found 'sources/bomb.txt'; expected a compression ratio of at most 200:1" in text
    assert "zip bomb" in text


def test_archive_larger_than_the_limits_is_refused(codebook, package, monkeypatch):
    monkeypatch.setattr(safezip, "MAX_TOTAL_UNCOMPRESSED", 1000)
    result = import_qdpx(qb.qdpx([one_plan()]), mapping_of(codebook), codebook, package)
    assert "expected an archive of at most 1000 bytes once decompressed (refused: zip bomb)" in messages(result)


def test_member_larger_than_declared_is_not_read_past_its_size(codebook, package):
    data = qb.qdpx([one_plan()])
    archive, problems = safezip.SafeArchive.open(data, "x.qdpx")
    info = archive.find("project.qde")
    info.file_size = 10  # what a forged central directory would claim
    content, problem = archive.read(info)
    assert (content is None and problem is not None) or len(content) <= 10  # never more than declared


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("packed", [False, True])
def test_entity_expansion_and_external_entities_are_refused(codebook, package, xml, packed):
    data = qb.qdpx([], project=xml) if packed else xml
    result = import_qdpx(data, mapping_of(codebook), codebook, package, shown="hostile.qdpx")
    text = messages(result)
    assert "found 'a document type declaration (<!DOCTYPE ...>)'" in text
    assert "billion laughs" in text and len(result.problems) == 1


def test_path_traversal_in_a_member_name_is_refused(codebook, package):
    data = qb.qdpx([one_plan()], extra={"../../evil.txt": b"x"})
    text = messages(import_qdpx(data, mapping_of(codebook), codebook, package, shown="x.qdpx"))
    assert "found '../../evil.txt'; expected member names inside the archive's folder" in text
    assert "path traversal" in text


@pytest.mark.parametrize("location", ["internal://../../etc/passwd", "internal:///etc/passwd"])
def test_path_traversal_in_a_source_path_is_refused(codebook, package, location):
    result = import_qdpx(qb.qdpx([one_plan(plain_text_path=location)]), mapping_of(codebook), codebook, package)
    text = messages(result)
    assert f"document 'RLP-001.txt': found '{location}'" in text and "is refused because" in text


@pytest.mark.parametrize("location", ["relative:///RLP-001.txt", "absolute:///home/me/RLP-001.txt",
                                      "ABSOLUTE://C:/plans/RLP-001.txt"])
def test_relative_and_absolute_source_paths_are_never_followed(codebook, package, location, tmp_path, monkeypatch):
    (tmp_path / "RLP-001.txt").write_text("Les partenaires partagent un local.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = import_qdpx(qb.qdpx([one_plan(plain_text_path=location)]), mapping_of(codebook), codebook, package)
    text = messages(result)
    assert f"found '{location}'" in text and "points outside it and is never followed" in text


def test_missing_source_file_names_document_and_path(codebook, package):
    result = import_qdpx(qb.qdpx([one_plan(file_name="texte.txt")], omit=("RLP-001.txt",)), mapping_of(codebook),
                         codebook, package, shown="projet.qdpx")
    assert str(result.problems[0]) == (
        "projet.qdpx, document 'RLP-001.txt': found 'internal://texte.txt'; expected the file sources/texte.txt "
        "in the archive (it is missing).")


def test_not_an_export_and_broken_xml(codebook, package):
    assert "well-formed XML" in messages(import_qdpx(b"<Project><Sources>", mapping_of(codebook), codebook, package))
    assert "a readable zip archive" in messages(import_qdpx(b"PK\x03\x04broken", mapping_of(codebook), codebook, package))
    assert "<Project> or <CodeBook> root" in messages(import_qdpx(b"<html/>", mapping_of(codebook), codebook, package))


# -- end to end: the same tables as the CSV route ----------------------------------------------

def shipped():
    with open(RAW / "plans.csv", encoding="utf-8", newline="") as stream:
        plans = list(csv.DictReader(stream))
    return plans, primary_codings_rows()  # without the double coders' rows (test_agreement_imports)


@pytest.fixture(scope="module")
def shipped_export(codebook) -> bytes:
    """A .qdpx of the shipped simulated plans: one TextSource per plan whose text is its
    excerpts, one passage per coding (zero-length when the coding has no excerpt), codes
    Objets/..., Stratégies/.../..., Statut/..., level, region and name as document variables."""
    plans, codings = shipped()
    return qb.qdpx(qb.documents_from_tables(plans, codings, codebook))


@pytest.mark.parametrize("nested", [True, False], ids=["nested-codes", "flat-atlas8-codes"])
def test_qdpx_from_the_shipped_plans_gives_exactly_the_shipped_tables(codebook, package, nested, shipped_export):
    plans, codings = shipped()
    data = shipped_export if nested else qb.qdpx(qb.documents_from_tables(plans, codings, codebook), nested=False)
    result = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert result.problems == [] and result.unmapped_codes == []
    assert len(result.codings) == 1500 and (result.codings["excerpt"] == "").sum() == 619
    assert csv_bytes(result.plans) == (RAW / "plans.csv").read_bytes()
    assert csv_bytes(result.codings) == primary_codings_bytes()


def test_qdpx_with_plans_csv_gives_exactly_the_shipped_tables(codebook, package, shipped_export):
    frame, problems = read_plans_frame(RAW / "plans.csv")
    assert problems == []
    result = import_qdpx(shipped_export, mapping_of(codebook), codebook, package, frame)
    assert result.problems == []
    assert csv_bytes(result.plans) == (RAW / "plans.csv").read_bytes()
    assert csv_bytes(result.codings) == primary_codings_bytes()


def test_import_stage_writes_tables_validation_reads_to_the_same_derived_tables(tmp_path, shipped_export):
    export = tmp_path / "projet.qdpx"
    export.write_bytes(shipped_export)
    mapping = REPO / "config" / "import-mapping.example.yaml"
    raw_before = folder_digest(RAW)
    out = tmp_path / "imported"
    result = run_import(export, RAW / "codebook.yaml", RAW / "datapackage.yaml", out, mapping)
    assert sorted(p.name for p in out.iterdir()) == ["codings.csv", "datapackage.yaml", "import_record.json",
                                                     "import_report.md", "plans.csv"]
    record = json.loads((out / "import_record.json").read_text(encoding="utf-8"))
    assert record["counts"] == {"plans": 140, "codings": 1500} and record["unmapped_codes"] == []
    assert len(record["sha256"]) == 64
    lines = "\n".join(import_report_lines(read_import_record(out)))
    assert "## Imported from a coding export" in lines and "Every code of the export is mapped" in lines
    # The copy of the descriptor is the shipped one, except that imported tables are real coding.
    copied, shipped_bytes = (out / "datapackage.yaml").read_bytes(), (RAW / "datapackage.yaml").read_bytes()
    assert b"\nsimulated: true\n" in shipped_bytes
    assert copied == shipped_bytes.replace(b"\nsimulated: true\n", b"\nsimulated: false  # set by the import: these "
                                           b"tables come from a coding export\n")
    assert "None: every code of the export is mapped" in (out / "import_report.md").read_text(encoding="utf-8")
    assert result.kind.startswith("REFI-QDA")
    imported = validate_inputs(RAW / "codebook.yaml", out / "datapackage.yaml")
    reference = validate_inputs(RAW / "codebook.yaml", RAW / "datapackage.yaml")
    pd.testing.assert_frame_equal(imported.plans, reference.plans)
    pd.testing.assert_frame_equal(imported.codings, reference.codings)
    assert imported.provenance["counts"] == reference.provenance["counts"]
    assert imported.provenance["simulated"] is False and reference.provenance["simulated"] is True
    assert folder_digest(RAW) == raw_before


def test_import_stage_writes_nothing_when_there_is_a_problem(tmp_path, codebook):
    export = tmp_path / "projet.qdpx"
    passages = [qb.Passage(0, 10, ["Objets/Activités / programmes", "Statut/Intention"])]
    export.write_bytes(qb.qdpx([one_plan(passages=passages)]))
    out = tmp_path / "imported"
    with pytest.raises(InputError) as error:
        run_import(export, RAW / "codebook.yaml", RAW / "datapackage.yaml", out,
                   REPO / "config" / "import-mapping.example.yaml")
    assert "The import stopped: 1 problem" in error.value.report() and "no strategy" in error.value.report()
    assert not out.exists()


def test_import_export_collects_problems_of_every_input(tmp_path):
    export = tmp_path / "projet.qdpx"
    export.write_bytes(b"PK\x03\x04 not really")
    result = import_export(export, RAW / "codebook.yaml", RAW / "datapackage.yaml", None, tmp_path / "absent.csv")
    text = messages(result)
    assert "absent.csv" in text and "(it does not exist)" in text
    missing = import_export(tmp_path / "nothing.qdpx", RAW / "codebook.yaml", RAW / "datapackage.yaml")
    assert "(it does not exist)" in messages(missing)
    qde = tmp_path / "projet.qde"
    qde.write_bytes(qb.project_xml([one_plan(inline=True)]))
    assert "a mapping file (--mapping)" in messages(import_export(qde, RAW / "codebook.yaml", RAW / "datapackage.yaml"))


def test_a_plan_in_two_documents_and_attributes_missing_from_the_mapping(codebook, package):
    annex = one_plan(name="RLP-001 annexe.txt", variables={"Mobilisation": 3, "Région": 6})
    mapping = mapping_of(codebook, documents={"by": "name", "pattern": r"^(RLP-\d+)"})
    result = import_qdpx(qb.qdpx([one_plan(), annex]), mapping, codebook, package)
    assert result.problems == []
    assert result.plans.to_dict("records") == [{"plan_id": "RLP-001", "name": "Groupe A", "region": "6", "mobilisation_level": "3"}]
    assert len(result.codings) == 2
    annex.variables["Mobilisation"] = 4
    conflict = import_qdpx(qb.qdpx([one_plan(), annex]), mapping, codebook, package)
    assert "document 'RLP-001 annexe.txt': found '4'; expected the same mobilisation_level as the other document" in messages(conflict)
    bare = mapping_of(codebook, level_from=None, region_from=None)
    text = messages(import_qdpx(qb.qdpx([one_plan()]), bare, codebook, package))
    assert "level_from in the mapping" in text and "region_from in the mapping" in text


def test_detect_kind_judges_content_not_extension(tmp_path, codebook, package):
    from rlp_pipeline.importers import detect_kind, template_workbook

    cases = {"a.zip": qb.qdpx([one_plan()]), "b.bin": template_workbook(codebook, package, "en"),
             "c.xml": b"\xef\xbb\xbf<?xml version='1.0'?><Project/>", "d.qdpx": b"plain text"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    assert [detect_kind(tmp_path / name) for name in cases] == ["qdpx", "xlsx", "qde", None]
