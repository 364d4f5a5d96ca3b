"""REFI-QDA exports as the tools really write them (issue 12): NVivo's one selection per code,
UTF-16 offsets with CRLF and emoji, nameless sources and bare text paths (QualCoder), exports
without coded passages, the coder, honest provenance, and the mapping workflow.

Exports are built in memory by tests/fixtures/imports/qdabuild.py.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
import yaml

from conftest import RAW, primary_codings_bytes, primary_codings_rows
from rlp_pipeline.importers import import_qdpx, mapping_from_codebook, read_mapping, run_import
from rlp_pipeline.importers.mapping import mapping_skeleton, mapping_yaml, parse_mapping
from rlp_pipeline.importers.qdpx import group_selections, offsets_for_origin, word_aligned
from rlp_pipeline.importers.qdaxml import QdaSelection
from rlp_pipeline.io.outputs import csv_bytes
from rlp_pipeline.problems import InputError

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "imports"))
import qdabuild as qb  # noqa: E402
from test_import_qdpx import mapping_of, messages  # noqa: E402

OBJECT, STRATEGY, STATUS = "Objets/Activités / programmes", "Stratégies/Ressources/Ressources matérielles", "Statut/Déjà mise en application"
VARIABLES = {"Mobilisation": 3, "Région": 6, "Nom": "Groupe A"}




def shipped():
    with open(RAW / "plans.csv", encoding="utf-8", newline="") as stream:
        plans = list(csv.DictReader(stream))
    # The analysed (primary) coding: the second coders' rows of the double-coded plans are
    # grouped with their plan by the importers, so they do not round-trip byte for byte.
    return plans, primary_codings_rows()


# -- passages as users coded them --------------------------------------------------------------

def test_nvivo_per_code_export_of_the_shipped_data_gives_exactly_the_shipped_tables(codebook, package):
    """Each passage as three selections with one code each, UTF-16 offsets, origin NVivo, every
    Coding element naming the user who exported: the same tables as the CSV route."""
    plans, codings = shipped()
    documents = qb.documents_from_tables(plans, codings, codebook, utf16=True)
    data = qb.qdpx(documents, per_code=True, origin="NVivo 14.24.0 (Windows)", exporter="Administrateur")
    xml = qb.project_xml(documents, per_code=True)
    assert xml.count(b"<ns0:PlainTextSelection") > 2 * xml.count(b"<ns0:TextSource")  # really one per code
    result = import_qdpx(data, mapping_of(codebook, offsets="auto"), codebook, package)
    assert result.problems == [] and result.warnings == []
    assert csv_bytes(result.plans) == (RAW / "plans.csv").read_bytes()
    assert csv_bytes(result.codings) == primary_codings_bytes()
    assert "offsets: utf16 (auto, from the export's origin 'NVivo 14.24.0 (Windows)')" in result.passage_rule
    assert result.passage_rule in result.report()
    counts = result.counts
    with_text = sum(1 for row in codings if row["excerpt"])
    assert counts["selections merged"] == 3 * with_text
    assert counts["passages"] == counts["passages kept"] == 1500
    assert counts["selections"] == 3 * with_text + (1500 - with_text)
    assert counts["text documents"] == 140 and counts["sources in the export"] == 140


def test_the_two_layouts_give_the_same_passages(codebook, package):
    passages = [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS], "Ana"), qb.Passage(36, 60, [OBJECT, STRATEGY, STATUS], "Léo")]
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local. Les parents sont engagés.",
                           passages, VARIABLES)
    together = import_qdpx(qb.qdpx([document]), mapping_of(codebook), codebook, package)
    per_code = import_qdpx(qb.qdpx([document], per_code=True), mapping_of(codebook), codebook, package)
    assert together.problems == per_code.problems == []
    assert together.codings.equals(per_code.codings) and len(per_code.codings) == 2
    assert per_code.counts["selections"] == 6 and per_code.counts["passages"] == 2
    assert together.counts["selections"] == 2 and together.counts["selections merged"] == 0


def test_two_complete_selections_on_the_same_words_stay_two_codings(codebook, package):
    other = ["Objets/Relations / collaborations", "Stratégies/Appropriation par la communauté", "Statut/Intention"]
    passages = [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS]), qb.Passage(0, 34, other)]
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local. Fin.", passages, VARIABLES)
    result = import_qdpx(qb.qdpx([document]), mapping_of(codebook), codebook, package)
    assert result.problems == []
    assert result.codings["object"].tolist() == ["activities", "relations"]


def test_overlapping_selections_follow_the_passages_setting(codebook, package):
    # NVivo: the object coded on the sentence, the strategy and status on part of it.
    text = "Les partenaires partagent un local. Fin."
    passages = [qb.Passage(0, 34, [OBJECT]), qb.Passage(4, 34, [STRATEGY, STATUS])]
    document = qb.Document("RLP-001.txt", text, passages, VARIABLES)
    exact = import_qdpx(qb.qdpx([document]), mapping_of(codebook), codebook, package)
    assert "no strategy and no status" in messages(exact) and "passages: overlap" in messages(exact)
    overlap = import_qdpx(qb.qdpx([document]), mapping_of(codebook, passages="overlap"), codebook, package)
    assert overlap.problems == []
    assert overlap.codings["excerpt"].tolist() == ["Les partenaires partagent un local"]  # the union of the spans
    assert "passages: overlap" in overlap.passage_rule and "passages: overlap" in overlap.report()


def test_group_selections_exact_overlap_and_nested():
    def selection(order, start, end, problem=None):
        return QdaSelection(str(order), "s", "PlainTextSelection", order, start, end, position_problem=problem)

    chain = [selection(0, 0, 10), selection(1, 0, 10), selection(2, 5, 20), selection(3, 8, 9), selection(4, 30, 40),
             selection(5, 40, 40), selection(6, None, None, "broken"), selection(7, None, None, "broken")]
    incomplete = lambda s: False  # noqa: E731
    assert [[s.order for s in g] for g in group_selections(chain, "exact", incomplete)] == [[0, 1], [2], [3], [4], [5], [6], [7]]
    assert [[s.order for s in g] for g in group_selections(chain, "overlap", incomplete)] == [[0, 1, 2, 3], [4], [5], [6], [7]]
    assert [[s.order for s in g] for g in group_selections(chain, "exact", lambda s: True)] == [[i] for i in range(8)]


# -- offsets chosen from the export ------------------------------------------------------------

CRLF_TEXT = "Premier 🙂 paragraphe.\r\nLes partenaires partagent un local.\r\nLes parents 👪 sont engagés."


def utf16_span(text: str, phrase: str) -> tuple[int, int]:
    """Start and end of a phrase in UTF-16 code units, CRLF counted as two (as NVivo counts)."""
    start = len(text[: text.index(phrase)].encode("utf-16-le")) // 2
    return start, start + len(phrase.encode("utf-16-le")) // 2


def nvivo_document() -> qb.Document:
    passages = [qb.Passage(*utf16_span(CRLF_TEXT, phrase), [OBJECT, STRATEGY, STATUS])
                for phrase in ("Les partenaires partagent un local", "Les parents 👪 sont engagés", "paragraphe")]
    return qb.Document("RLP-001.txt", CRLF_TEXT, passages, VARIABLES)


def test_nvivo_origin_sets_utf16_offsets_with_crlf_and_emoji(codebook, package):
    data = qb.qdpx([nvivo_document()], per_code=True, origin="NVivo 12.6.1 (Windows)")
    result = import_qdpx(data, mapping_of(codebook, offsets="auto"), codebook, package)
    assert result.problems == [] and result.warnings == []
    assert result.codings["excerpt"].tolist() == ["paragraphe", "Les partenaires partagent un local",
                                                  "Les parents 👪 sont engagés"]
    assert offsets_for_origin("NVivo 15 (Mac)") == "utf16"
    assert offsets_for_origin("MAXQDA 24.7") == offsets_for_origin("ATLAS.ti 23.2") == "characters"


def test_the_wrong_unit_stops_with_the_count_and_the_setting_to_change(codebook, package):
    data = qb.qdpx([nvivo_document()], per_code=True, origin="NVivo 12.6.1 (Windows)")
    result = import_qdpx(data, mapping_of(codebook, offsets="characters"), codebook, package)
    text = messages(result)
    assert "passage at characters 61-88: found '61-88'; expected offsets within the text (87 characters)" in text
    assert "found '3 of 3 passages'; expected passages that start and end at word boundaries with offsets: characters" in text
    assert "with offsets: utf16 and line_endings: as_is, 0 would not" in text
    assert "Set offsets: utf16 and line_endings: as_is in the mapping file." in text


def test_a_few_passages_inside_words_only_warn(codebook, package):
    text = "Les partenaires partagent un local. Les parents sont engagés. Fin du texte."
    passages = [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS]), qb.Passage(36, 60, [OBJECT, STRATEGY, STATUS]),
                qb.Passage(63, 69, [OBJECT, STRATEGY, STATUS])]  # 'in du ': starts inside a word
    result = import_qdpx(qb.qdpx([qb.Document("RLP-001.txt", text, passages, VARIABLES)]), mapping_of(codebook),
                         codebook, package)
    assert result.problems == []
    assert result.warnings == ["1 of 3 passages start or end inside a word (offsets: characters, line_endings: "
                               "as_is); check a few excerpts in codings.csv."]
    assert "## Warnings" in result.report()


def test_word_aligned():
    assert word_aligned("un local", 3, 8, "characters") and not word_aligned("un local", 4, 8, "characters")
    assert word_aligned("🙂 local", 3, 8, "utf16") and not word_aligned("🙂 local", 1, 8, "utf16")  # splits the emoji


# -- export quirks ------------------------------------------------------------------------------

def test_nameless_sources_with_bare_text_paths_are_named_from_their_file(codebook, package):
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local.", [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS])],
                           VARIABLES, file_name="RLP-001.txt", plain_text_path="RLP-001.txt")
    data = qb.qdpx([document], nameless=True, sources_folder="Sources")
    result = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert result.problems == []
    assert result.codings["plan_id"].tolist() == ["RLP-001"]
    assert result.warnings == ["A TextSource has no name in the export; it is named 'RLP-001.txt' after its file. "
                               "Name the document in the tool, or map it with documents.pattern."]
    # The file at the top of the archive, and a path that names the sources folder, are found too.
    top = qb.qdpx([document], nameless=True, sources_folder="", omit=("RLP-001.txt",),
                  extra={"RLP-001.txt": document.text.encode("utf-8")})
    assert import_qdpx(top, mapping_of(codebook), codebook, package).problems == []
    document.plain_text_path = "sources/RLP-001.txt"
    assert import_qdpx(qb.qdpx([document], nameless=True), mapping_of(codebook), codebook, package).problems == []


def test_coder_is_the_selections_creator_unless_the_mapping_says_coding(codebook, package):
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local.",
                           [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS], "Marie Tremblay")], VARIABLES)
    data = qb.qdpx([document], per_code=True, exporter="Administrateur")
    assert import_qdpx(data, mapping_of(codebook), codebook, package).codings["coder"].tolist() == ["Marie Tremblay"]
    by_coding = import_qdpx(data, mapping_of(codebook, coder_from="coding"), codebook, package)
    assert by_coding.codings["coder"].tolist() == ["Administrateur"]


@pytest.mark.parametrize("documents", [[], [qb.Document("RLP-001.txt", "Du texte, rien de codé.", [], VARIABLES)]],
                         ids=["structure-only", "no-selection"])
def test_an_export_without_coded_passages_is_refused_naming_it_and_what_it_lacks(codebook, package, documents):
    data = qb.qdpx(documents, codes=[OBJECT, STRATEGY, STATUS])
    result = import_qdpx(data, mapping_of(codebook), codebook, package, shown="exports/structure.qdpx")
    text = messages(result)
    assert text.startswith("exports/structure.qdpx")
    assert f"an export with coded passages in its text documents; it has {len(documents)} text document(s)" in text
    assert "0 selection(s) and 0 coding(s)" in text and "codebook-only or structure export" in text


# -- honest provenance and the import report ----------------------------------------------------

def test_import_marks_the_tables_real_and_reconciles_counts(tmp_path, codebook):
    passages = [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS]), qb.Passage(36, 60, ["Thèmes/Autre"]),
                qb.Passage(61, 65, ["Mémos/À revoir"])]
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local. Les parents sont engagés. Fin.",
                           passages, VARIABLES)
    export = tmp_path / "projet.qdpx"
    export.write_bytes(qb.qdpx([document], per_code=True))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(mapping_yaml({**mapping_from_codebook(codebook, "fr"), "ignore": ["Mémos/*"]}), encoding="utf-8")
    out = tmp_path / "imported"
    result = run_import(export, RAW / "codebook.yaml", RAW / "datapackage.yaml", out, mapping)
    assert yaml.safe_load((out / "datapackage.yaml").read_text(encoding="utf-8"))["simulated"] is False
    assert result.counts == {"sources in the export": 1, "text documents": 1, "selections": 5, "codings": 5,
                             "passages": 3, "selections merged": 3, "passages kept": 1,
                             "dropped: no mapped code": 2, "dropped: document attributes only": 0}
    report = (out / "import_report.md").read_text(encoding="utf-8")
    assert "| passages kept | 1 |" in report and "| dropped: no mapped code | 2 |" in report


# -- the mapping workflow ----------------------------------------------------------------------

def write(tmp_path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unedited_skeleton_says_which_entries_are_empty_and_what_to_do(tmp_path, codebook):
    skeleton = mapping_skeleton(["Objets/Activités / programmes", "Thèmes/Petite enfance", "Autre"], codebook)
    path = write(tmp_path, mapping_yaml(skeleton))
    mapping, problems = read_mapping(path, codebook)
    assert mapping is None and len(problems) == 2
    text = "\n".join(map(str, problems))
    assert "__line__" not in text
    assert "column 'codes.Thèmes/Petite enfance'" in text and "column 'codes.Autre'" in text
    assert "the entry is empty" in text and "Map it, or move it to ignore:" in text
    lines = path.read_text(encoding="utf-8").splitlines()
    assert {p.line for p in problems} == {i + 1 for i, line in enumerate(lines) if "{}" in line}


def test_duplicate_keys_swallowing_ignore_patterns_and_settings_are_refused_at_their_lines(tmp_path, codebook):
    path = write(tmp_path, (
        "documents: {by: name}\n"
        "level_from: {variable: Mobilisation}\n"
        "codes:\n"
        "  Objets/Activités / programmes: {object: activities}\n"
        "  Stratégies/Ressources: {strategy: resources}\n"
        "  Objets/Activités / programmes: {object: relations}\n"
        "  Statut/Intention: {status: intended}\n"
        "ignore:\n"
        "  - Mémos/*\n"
        "  - Objets/*\n"
        "offsets: utf-16\n"
        "passages: overlaps\n"))
    mapping, problems = read_mapping(path, codebook)
    assert mapping is None
    text = "\n".join(map(str, problems))
    # refused by the project's YAML reader before YAML could keep only the last one
    assert "line 6: expected each key once" in text and "'Objets/Activités / programmes' is already at line 4" in text
    # The reader stops at a duplicated key; without it, every other problem is named at its line.
    path.write_text("".join(line for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(True), 1)
                            if number != 6), encoding="utf-8")
    mapping, problems = read_mapping(path, codebook)
    assert mapping is None
    text = "\n".join(map(str, problems))
    assert "line 9, column 'ignore[2]': found 'Objets/*'" in text and "'Objets/Activités / programmes'" in text
    assert "Mémos/*" not in text
    assert "line 10, column 'offsets': found 'utf-16'" in text and "Did you mean 'utf16'?" in text
    assert "line 11, column 'passages': found 'overlaps'" in text


def test_a_mapped_path_matching_no_code_is_refused_when_it_looks_like_a_typo(tmp_path, codebook, package):
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local.",
                           [qb.Passage(0, 34, ["Objets/Activites", STRATEGY, STATUS])], VARIABLES)
    path = write(tmp_path, mapping_yaml(mapping_from_codebook(codebook, "fr")))
    mapping, problems = read_mapping(path, codebook)
    assert problems == []
    result = import_qdpx(qb.qdpx([document]), mapping, codebook, package)
    line = next(i + 1 for i, text in enumerate(path.read_text(encoding="utf-8").splitlines())
                if "Objets/Activités / programmes" in text)
    assert (f"mapping.yaml, line {line}, column 'codes.Objets/Activités / programmes': found 'Objets/Activités / "
            "programmes'; expected a code path of the export (this one matches none of its codes). "
            "Did you mean 'Objets/Activites'?") in messages(result)
    # Mapped codes the project simply does not have are only noted.
    assert any(note.startswith("18 code path(s) of the mapping match no code of the export") for note in result.notes)


def test_mapping_file_problems_stop_the_import_stage(tmp_path):
    path = write(tmp_path, "codes:\n  Objets/A: {}\n")
    with pytest.raises(InputError):
        run_import(tmp_path / "missing.qdpx", RAW / "codebook.yaml", RAW / "datapackage.yaml", tmp_path / "out", path)


# -- region and level where the tools keep them ------------------------------------------------

def test_level_and_region_from_document_sets_as_maxqda_writes_them(codebook, package):
    documents = [qb.Document(f"RLP-00{i}.txt", "Les partenaires partagent un local.",
                             [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS])]) for i in (1, 2)]
    sets = {"Mobilisation 3": ["RLP-001.txt"], "mobilisation 1 – Réseautage": ["RLP-002.txt"],
            "Région Estrie": ["RLP-001.txt", "RLP-002.txt"], "Relus": ["RLP-001.txt"]}
    mapping = mapping_of(codebook, level_from={"set_prefix": "Mobilisation "}, region_from={"set_prefix": "Région "},
                         name_from=None)
    result = import_qdpx(qb.qdpx(documents, sets=sets), mapping, codebook, package)
    assert result.problems == []
    assert result.plans[["plan_id", "mobilisation_level", "region"]].values.tolist() == [["RLP-001", "3", "5"],
                                                                                         ["RLP-002", "1", "5"]]
    sets["Mobilisation 4"] = ["RLP-001.txt"]
    conflict = import_qdpx(qb.qdpx(documents, sets=sets), mapping, codebook, package)
    assert "document 'RLP-001.txt': found '3, 4'; expected one mobilisation level for the document; its document sets give several" \
        in messages(conflict)
    del sets["Mobilisation 4"], sets["mobilisation 1 – Réseautage"]
    missing = import_qdpx(qb.qdpx(documents, sets=sets), mapping, codebook, package)
    assert "document 'RLP-002.txt': expected a mobilisation level in a document set named 'Mobilisation …' holding the document" \
        in messages(missing)


def test_mapping_skeleton_lists_documents_uses_ignore_suggestions_and_detected_offsets(tmp_path, codebook, package):
    from rlp_pipeline.importers.qdpx import open_export
    from rlp_pipeline.importers.skeleton import skeleton_text

    other = qb.Document("RLP-002.txt", "Texte codé.", [qb.Passage(0, 5, ["Thèmes/Autre", OBJECT, STRATEGY, STATUS])],
                        {"Mobilisation": 1, "Région": 6})
    export_bytes = qb.qdpx([nvivo_document(), other], per_code=True, origin="NVivo 12.6",
                           codes=["Jamais/Utilisé [brouillon]"])
    export, problems = open_export(export_bytes, "projet.qdpx")
    assert problems == []
    text = skeleton_text(export, codebook)
    export.close()
    assert "#   RLP-001.txt\n#   RLP-002.txt\n" in text
    assert "This export has 3 variable(s): Mobilisation, Nom, Région; 0 case(s); 0 document set(s)." in text
    assert "offsets: utf16\nline_endings: as_is\n" in text and "utf16/as_is: 0" in text
    assert '"Objets/Activités / programmes": {object: activities}  # 4 use(s)' in text
    assert '"Thèmes/Autre": {}  # 1 use(s)' in text
    assert 'ignore:\n  - "Jamais/Utilisé [[]brouillon[]]"\n' in text
    path = write(tmp_path, text)
    mapping, problems = read_mapping(path, codebook)
    assert [(p.line, p.column) for p in problems] == [(text.splitlines().index('  "Thèmes/Autre": {}  # 1 use(s)') + 1,
                                                       "codes.Thèmes/Autre")]
    # Moving the empty entry to ignore: gives a mapping that imports the export.
    path = write(tmp_path, text.replace('  "Thèmes/Autre": {}  # 1 use(s)\n', "") + '  - "Thèmes/*"\n')
    mapping, problems = read_mapping(path, codebook)
    assert problems == []
    result = import_qdpx(export_bytes, mapping, codebook, package)
    assert result.problems == [] and len(result.codings) == 4 and result.unmapped_codes == []


@pytest.mark.skipif(not (Path(__file__).parent / "fixtures" / "refi-qda").is_dir(), reason="real fixtures not available")
def test_mapping_skeleton_of_the_real_atlas_exports(codebook):
    from rlp_pipeline.importers.qdpx import open_export
    from rlp_pipeline.importers.skeleton import skeleton_text

    fixtures = Path(__file__).parent / "fixtures" / "refi-qda"
    export, _ = open_export(fixtures / "TestProject.qdpx")
    text = skeleton_text(export, codebook)
    export.close()
    assert "6 text document(s) of 12 source(s)" in text and "origin: ATLAS.ti 8.4.0" in text
    assert '  "cornflakes": {}  # 5 use(s)\n' in text and '  - "Coke/full-fat Coke"\n' in text
    assert "Coke/diet Coke" in text.split("\nignore:")[0] and "Coke/diet Coke" not in text.split("\nignore:")[1]
    export, _ = open_export(fixtures / "portableQDA_Atlasti.qdc")
    text = skeleton_text(export, codebook)
    export.close()
    assert "This export has no coding" in text and "ignore: []" in text and '  "code1/code1.1": {}  # 0 use(s)' in text


def test_two_coders_in_nvivos_layout_give_one_coding_each_with_split_by_coder(codebook, package):
    passages = [qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS], "Marie Tremblay"),
                qb.Passage(0, 34, [OBJECT, STRATEGY, STATUS], "Jean Roy")]
    document = qb.Document("RLP-001.txt", "Les partenaires partagent un local.", passages, VARIABLES)
    data = qb.qdpx([document], per_code=True, origin="NVivo 14", exporter="Administrateur")
    split = import_qdpx(data, mapping_of(codebook, split_by_coder=True), codebook, package)
    assert split.problems == [] and split.codings["coder"].tolist() == ["Marie Tremblay", "Jean Roy"]
    # Without split_by_coder, the six selections are one passage: every code twice, one coding.
    together = import_qdpx(data, mapping_of(codebook), codebook, package)
    assert together.problems == [] and together.codings["coder"].tolist() == ["Marie Tremblay, Jean Roy"]


@pytest.mark.skipif(not (Path(__file__).parent / "fixtures" / "refi-qda").is_dir(), reason="real fixtures not available")
def test_the_reconciliation_of_the_real_atlas_project_matches_its_counts(codebook, package):
    mapping, problems = parse_mapping({
        "codes": {"Coke::diet Coke": {"object": "activities", "strategy": "resources", "status": "applied"}},
        "documents": {"by": "name", "pattern": r"^(\w+)"}, "level_from": {"variable": "Niveau"},
        "region_from": {"variable": "Région"}}, codebook)
    assert problems == []
    result = import_qdpx(Path(__file__).parent / "fixtures" / "refi-qda" / "TestProject.qdpx", mapping, codebook, package)
    # The fixtures' README: 12 sources (6 text), 6 plain-text selections in text sources, 16 codings in
    # all, of which 9 in the PDF, picture and video sources (listed in the notes).
    counts = result.counts
    assert (counts["sources in the export"], counts["text documents"], counts["selections"]) == (12, 6, 6)
    assert counts["codings"] == 16 - 9 == 7
    assert sum(int(note.split("(codings: ")[1].split(",")[0]) for note in result.notes if "(codings: " in note) == 9
    # Five passages carry no mapped code; the sixth is the diet Coke one, whose text is missing.
    assert counts["dropped: no mapped code"] == 5 and counts["passages kept"] == 0
    assert "sources/230B768E-5A3D-42B7-BE92-2A3721177944.txt in the archive (it is missing)" in messages(result)


@pytest.mark.skipif(not (Path(__file__).parent / "fixtures" / "refi-qda").is_dir(), reason="real fixtures not available")
def test_the_real_atlas_codebook_export_is_refused_as_an_import(codebook, package):
    result = import_qdpx(Path(__file__).parent / "fixtures" / "refi-qda" / "portableQDA_Atlasti.qdc", mapping_of(codebook),
                         codebook, package, shown="portableQDA_Atlasti.qdc")
    assert [str(p) for p in result.problems] == [
        "portableQDA_Atlasti.qdc: expected an export with coded passages in its text documents; it has 0 text "
        "document(s) to import, 0 selection(s) and 0 coding(s) in them, and none gives a coding with the mapping. "
        "Export the whole project with its documents and codings (a codebook-only or structure export holds no "
        "coded passage), or check the mapping's codes."]
