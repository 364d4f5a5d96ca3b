"""The report's front matter and citation from one settings file (config/report.yaml), the French
texts of the findings registry, and the small pieces around the tables' captions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.problems import InputError
from rlp_pipeline.registry import load_registry, registry_problems
from rlp_pipeline.reporting.document import TEXT, french_statistics
from rlp_pipeline.reporting import claims
from rlp_pipeline.reporting.front_matter import (Author, FrontMatter, citation_cff, how_to_cite, load_front_matter,
                                                 title_page)
from rlp_pipeline.reporting.sources import REPORT_TABLES, check_source, file_link
from rlp_pipeline.io.yamlfile import load_yaml_with_lines

REPO = Path(__file__).resolve().parents[1]
SETTINGS = REPO / "config" / "report.yaml"


def front(**changes) -> FrontMatter:
    values = dict(title={"fr": "Titre", "en": "Title"}, version="1.2.3", date_released="2027-03-04", license="MIT",
                  repository="", authors=(Author("Marie-Ève", "Tremblay", "Université Laval", "https://orcid.org/0000-0002-1825-0097"),))
    return FrontMatter(**(values | changes))


def test_citation_cff_is_made_from_the_settings():
    """CITATION.cff is exactly what config/report.yaml gives: the two never disagree."""
    assert (REPO / "CITATION.cff").read_text(encoding="utf-8") == citation_cff(load_front_matter(SETTINGS))


def test_citation_agrees_with_the_package_and_the_licence_file():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert citation["version"] == project["version"]
    assert citation["license"] == project["license"]["text"] == "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", citation["date-released"])
    assert citation["authors"] and all(author["family-names"] for author in citation["authors"])


def test_placeholder_authors_are_said_to_be_placeholders():
    settings = load_front_matter(SETTINGS)
    cff = citation_cff(settings)
    if settings.has_placeholders:
        assert "PLACEHOLDER" in cff
        for language in ("fr", "en"):
            assert "config/report.yaml" in title_page(settings, "abc", TEXT[language]["front"], language)
    real = front()
    assert "PLACEHOLDER" not in citation_cff(real)
    for language in ("fr", "en"):
        page = title_page(real, "abc", TEXT[language]["front"], language)
        assert "config/report.yaml" not in page and "Université Laval" in page
        assert "[ORCID 0000-0002-1825-0097](https://orcid.org/0000-0002-1825-0097)" in page


def plain(markdown: str) -> str:
    """Markdown without its backslash escapes (escape_markdown escapes punctuation)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_how_to_cite_in_each_language():
    two = front(authors=(Author("Marie-Ève", "Tremblay"), Author("Jean", "Roy")))
    assert plain(how_to_cite(two, "5be94ea", TEXT["en"]["front"], "en")) == \
        "Tremblay, M.-È., & Roy, J. (2027). *Title* (version 1.2.3, commit `5be94ea`) [Computer software]."
    assert plain(how_to_cite(two, "5be94ea", TEXT["fr"]["front"], "fr")) == \
        "Tremblay, M.-È. et Roy, J. (2027). *Titre* (version 1.2.3, commit `5be94ea`) [logiciel]."
    with_repository = how_to_cite(front(repository="https://example.org/rlp"), "x", TEXT["en"]["front"], "en")
    assert with_repository.endswith(" https://example.org/rlp")


@pytest.mark.parametrize("edit, key", [
    (lambda s: s.replace('orcid: ""', 'orcid: "0000-0002-1825-0097"', 1), "authors[1].orcid"),
    (lambda s: re.sub(r"\n  fr: .*", "", s), "title"),
    (lambda s: s.replace("date-released: 2026", "date-released: soon-2026"), "date-released"),
    (lambda s: s.replace("license: MIT", "license: MIT licence"), "license"),
    (lambda s: s.replace('repository-code: ""', 'repository-code: "github"'), "repository-code"),
])
def test_bad_settings_are_named_with_their_key_and_line(tmp_path, edit, key):
    path = tmp_path / "report.yaml"
    path.write_text(edit(SETTINGS.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_front_matter(path)
    assert [problem.column for problem in error.value.problems] == [key]
    assert error.value.problems[0].line is not None


def test_every_finding_has_its_french_texts_and_the_french_box_shows_them():
    codebook = load_codebook(REPO / "data" / "raw" / "codebook.yaml")
    registry = load_registry(REPO / "config" / "findings.yaml", codebook)
    for finding in registry.findings:
        assert finding.texts["measure_fr"] and finding.claim["direction_fr"]
        assert ("departs" in finding.claim) == ("departs_fr" in finding.claim)
        box = plain(claims.operationalisation_box(finding, "fr"))
        assert finding.texts["measure_fr"][:30] in box and finding.claim["direction_fr"][:30] in box
        assert "anglais seulement" not in box
        if "departs_fr" in finding.claim:
            assert "Écart avec `findings.md`" in box
        assert finding.texts["measure"][:30] in plain(claims.operationalisation_box(finding, "en"))


def test_registry_refuses_a_finding_without_its_french_direction_or_departure(tmp_path):
    codebook = load_codebook(REPO / "data" / "raw" / "codebook.yaml")
    text = (REPO / "config" / "findings.yaml").read_text(encoding="utf-8")
    broken = re.sub(r"\n      direction_fr: [^\n]*", "", text, count=1)
    broken = re.sub(r"\n      departs_fr: [^\n]*", "", broken, count=1)
    path = tmp_path / "findings.yaml"
    path.write_text(broken, encoding="utf-8")
    document, problems = load_yaml_with_lines(path, "findings.yaml")
    assert problems == []
    found = {(p.column, p.line is not None) for p in registry_problems(document, "findings.yaml", codebook)}
    assert found == {("claim.direction_fr", True), ("claim.departs", True)}


def test_french_statistics_keep_each_value_readable():
    assert french_statistics("Niveau de mobilisation: X² = 1.11, p = 0.785; Région: X² = 18.55, p = 0.289") == \
        "Niveau de mobilisation (X² = 1,11 ; p = 0,785), Région (X² = 18,55 ; p = 0,289)"
    # other details only get decimal commas
    assert french_statistics("56 of 56, share 0.5") == "56 of 56, share 0,5"


def test_a_caption_links_its_file_relatively_from_the_document(tmp_path):
    root = tmp_path / "project"
    table = root / "data" / "derived" / "sample" / "balance.csv"
    link = file_link(table, root, root / "report" / "_output" / "fr")
    assert link == "[`data/derived/sample/balance.csv`](../../../data/derived/sample/balance.csv)"
    assert file_link(tmp_path / "elsewhere" / "a b.csv", root, root / "report" / "_output" / "fr") == \
        "[`a b.csv`](../../../../elsewhere/a%20b.csv)"


def test_a_caption_may_only_name_a_table_the_workbook_holds():
    assert check_source("sample/balance.csv") == "sample/balance.csv" and "sample/balance.csv" in REPORT_TABLES
    assert check_source("sample/sampling_record.json")
    with pytest.raises(ValueError, match="REPORT_TABLES"):
        check_source("sample/codings.csv")
