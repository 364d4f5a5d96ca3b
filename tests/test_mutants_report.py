"""Report pieces checked on small derived tables built here, where the right text is known by hand.

Written for the mutants of rlp_pipeline/reporting/document.py that the report-numbers tests let through
(benchmarks/mutation-results.md): the shipped data have every group in every battery row, so a
battery row with an empty or absent group (small real data) was never shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rlp_pipeline.reporting.document import Report

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "data" / "raw" / "codebook.yaml"

BATTERY_COLUMNS = {
    "variable_type": "object", "code": "activities", "grouping": "group", "method": "Fisher exact test",
    "p_value": 0.5, "p_adjusted": 1.0, "adjustment": "Holm across the 2 exploratory rows of this table",
    "confirmatory_component": "", "risk_difference_pp": float("nan"), "rd_ci_low_pp": float("nan"),
    "rd_ci_high_pp": float("nan"), "effect_note": "", "odds_ratio": float("nan"), "odds_ratio_ci_low": float("nan"),
    "odds_ratio_ci_high": float("nan"), "or_orientation": "3-4 vs 1-2",
}


def report_with_battery(tmp_path: Path, rows: list[dict], language: str) -> Report:
    folder = tmp_path / "derived"
    (folder / "tests").mkdir(parents=True)
    pd.DataFrame([BATTERY_COLUMNS | row for row in rows]).to_csv(folder / "tests" / "battery.csv", index=False)
    return Report(folder, CODEBOOK, language)


def battery_cells(markdown: str) -> list[list[str]]:
    """The body rows of a pipe table, cell by cell (the header and the rule line left out)."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


@pytest.mark.parametrize("language, share", [("en", "62.5%"), ("fr", "62,5\u202f%")])
def test_a_group_absent_from_a_battery_row_is_shown_as_a_dash(tmp_path, language, share):
    """Small real data: no analysed plan in levels 1-2, so the battery row lists only 3-4 (5 of 8
    plans use the object): the 1-2 cell is a dash, the 3-4 cell 5/8 = 62.5%."""
    report = report_with_battery(tmp_path, [{"categories": "3-4", "plans_using": "5", "plans_in_category": "8"}], language)
    row = battery_cells(report.battery_table("F14", [("object", "activities")]))[0]
    assert row[1] == "–"
    assert row[2].replace("\u00a0", " ") == f"{share} (5/8)".replace("\u00a0", " ")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_group_with_no_plan_is_a_dash_not_a_division_by_zero(tmp_path, language):
    """A group listed with zero plans (0 of 0): a dash, never 0/0; the other group 3 of 4 = 75%."""
    report = report_with_battery(tmp_path, [{"categories": "1-2|3-4", "plans_using": "0|3", "plans_in_category": "0|4"}], language)
    row = battery_cells(report.battery_table("F14", [("object", "activities")]))[0]
    assert row[1] == "–"
    assert row[2].startswith("75") and row[2].endswith("(3/4)")


# ------------------------------------------------------------------------------------------
# Pieces the document checker reads only in the built documents (rendered once with the unchanged
# code): rendered here by the code under test, from the built project's tables, and checked by
# the same checker (tests/report_check.py), so that a wrong column or rounding in them fails.
# ------------------------------------------------------------------------------------------


def rendered_piece(built: Path, language: str, piece) -> str:
    """One piece of the report (a method of Report), as HTML (Pandoc, as the fallback renderer)."""
    import pypandoc

    report = Report(built / "data" / "derived", built / "data" / "raw" / "codebook.yaml", language,
                    built / "config" / "findings.yaml")
    return pypandoc.convert_text(piece(report), "html", format="markdown", extra_args=["--wrap=none"])


def derived_tables(built: Path):
    from report_check import Derived

    return Derived(built / "data" / "derived", built / "data" / "raw" / "codebook.yaml")


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_balance_and_levels_tables_rendered_by_this_code_agree_with_their_tables(fast_built_project, language):
    from report_check import check_balance, check_levels

    derived = derived_tables(fast_built_project)
    html = rendered_piece(fast_built_project, language, lambda r: r.balance_table() + "\n\n" + r.levels_table())
    assert check_balance(html, derived, language, language) == []
    assert check_levels(html, derived, language, language) == []


@pytest.mark.slow
def test_the_sample_paragraph_quotes_the_sampling_record(fast_built_project):
    """Frame N, sample n, their ratio as a percentage, the seed, the design and the analysed plans
    (rows of frequencies/analysed_plans.csv), each from the sampling record of the build."""
    import json

    from report_check import format_count, pct

    derived = fast_built_project / "data" / "derived"
    record = json.loads((derived / "sample" / "sampling_record.json").read_text(encoding="utf-8"))
    analysed = len(pd.read_csv(derived / "frequencies" / "analysed_plans.csv"))
    report = Report(derived, fast_built_project / "data" / "raw" / "codebook.yaml", "en", fast_built_project / "config" / "findings.yaml")
    text = report.sample_paragraph().replace("\u00a0", " ").replace("\u202f", " ")
    expected = (f"{format_count(record['population_size'], 'en')} deposited plans; {format_count(record['sample_size'], 'en')} "
                f"were drawn at random ({pct(record['sample_size'] / record['population_size'], 'en', 1)}), with seed "
                f"{record['seed']} (")
    assert expected.replace("\u00a0", " ").replace("\u202f", " ") in text
    assert f"{format_count(analysed, 'en')} sampled plans have at least one coded passage" in text


@pytest.mark.parametrize("language, simple, stratified", [
    ("en", "simple random sample", "stratified by region"),
    ("fr", "échantillon aléatoire simple", "stratifié selon region"),
])
def test_the_design_in_words(language, simple, stratified):
    report = Report(REPO / "data" / "derived", CODEBOOK, language)
    assert report.design(None) == simple and report.design("region") == stratified


def test_the_codebook_tables_list_each_code_with_its_rank_for_the_strategies():
    from rlp_pipeline.codebook import load_codebook

    codebook = load_codebook(CODEBOOK)
    report = Report(REPO / "data" / "derived", CODEBOOK, "en")
    strategies = battery_cells(report.codebook_table("strategies", "tbl-strategies"))
    assert [row[:2] for row in strategies] == [[str(c.attributes["complexity_rank"]), f"`{c.id}`"]
                                               for c in codebook.codes("strategies")]
    assert strategies[0][2] == codebook.label("strategies", codebook.ids("strategies")[0], "en")
    objects = battery_cells(report.codebook_table("objects", "tbl-objects"))
    assert [row[0] for row in objects] == [f"`{c}`" for c in codebook.ids("objects")] and len(objects[0]) == 3
    assert "{#tbl-objects}" in report.codebook_table("objects", "tbl-objects")


@pytest.mark.slow
def test_the_substrategy_table_of_one_strategy_shows_only_its_rows(fast_built_project):
    """From the build's frequencies/substrategies.csv: the table of one strategy has its rows, in
    order, with 'plans using / plans using the strategy'; the whole table has every row."""
    from report_check import format_count

    derived = fast_built_project / "data" / "derived"
    table = pd.read_csv(derived / "frequencies" / "substrategies.csv")
    report = Report(derived, fast_built_project / "data" / "raw" / "codebook.yaml", "en", fast_built_project / "config" / "findings.yaml")
    own = table[table["strategy"] == "resources"]
    rows = battery_cells(report.substrategies_table("resources"))
    assert [row[2] for row in rows] == [f"{format_count(a, 'en')} / {format_count(b, 'en')}"
                                        for a, b in zip(own["plans_using"], own["plans_using_strategy"])]
    assert "{#tbl-substrategies-resources}" in report.substrategies_table("resources")
    every = report.substrategies_table()
    assert len(battery_cells(every)) == len(table) and "{#tbl-substrategies}" in every


@pytest.mark.slow
def test_a_findings_section_and_the_summary_speak_the_documents_language(fast_built_project):
    """The heading and the summary use the short statement of the document's language; the French
    source is quoted with guillemets in French and marked lang="fr" (with an English rendering)
    in English; the verdict label follows each language's punctuation."""
    derived = fast_built_project / "data" / "derived"
    findings = pd.read_csv(derived / "findings" / "findings.csv")
    first = findings.iloc[0]
    sections = {}
    for language in ("en", "fr"):
        report = Report(derived, fast_built_project / "data" / "raw" / "codebook.yaml", language,
                        fast_built_project / "config" / "findings.yaml")
        sections[language] = report.finding_section(first["id"])
        summary = report.summary_table()
        short = first[f"short_{language}"].split()[0:3]
        assert " ".join(short) in summary.replace("\u00a0", " ").replace("\u202f", " ")
        assert " ".join(first[f"short_{'fr' if language == 'en' else 'en'}"].split()[0:3]) not in summary
    en, fr = sections["en"], sections["fr"]
    assert en.startswith(f"## {first['id']} — {' '.join(first['short_en'].split()[:3])}")
    assert fr.startswith(f"## {first['id']} — {' '.join(first['short_fr'].split()[:3])}")
    assert "\n> [*" in en and '{lang="fr"}' in en and "English rendering: " in en and "**Verdict:** " in en
    assert "\n> «" in fr and '{lang="fr"}' not in fr and "Traduction anglaise" not in fr and "**Verdict\u00a0:** " in fr


@pytest.mark.parametrize("language, expected", [
    ("en", "Mobilisation level: X² = 1.11, p = 0.785"),
    ("fr", "Niveau de mobilisation (X² = 1,11\u202f; p = 0,785)"),
])
def test_a_component_detail_is_localised(language, expected):
    report = Report(REPO / "data" / "derived", CODEBOOK, language)
    assert report.localised_detail("mobilisation_level: X² = 1.11, p = 0.785") == expected


@pytest.mark.slow
def test_each_example_is_the_first_excerpt_of_its_substrategy_with_its_plans_name(fast_built_project):
    """From the build's sample/codings.csv (file order) and sample/sampled_plans.csv: for each
    sub-strategy of 'resources', the first passage with an excerpt, and the name of its plan."""
    from rlp_pipeline.reporting.document import verbatim

    derived = fast_built_project / "data" / "derived"
    codings = pd.read_csv(derived / "sample" / "codings.csv", keep_default_na=False)
    names = pd.read_csv(derived / "sample" / "sampled_plans.csv", keep_default_na=False).set_index("plan_id")["name"]
    for language in ("en", "fr"):
        report = Report(derived, fast_built_project / "data" / "raw" / "codebook.yaml", language,
                        fast_built_project / "config" / "findings.yaml")
        lines = [line for line in report.examples("resources").splitlines() if line.startswith("- *")]
        subs = report.codebook.substrategies_of("resources")
        assert len(lines) == len(subs)
        for sub, line in zip(subs, lines):
            quoted = [r for r in codings.itertuples() if r.substrategy == sub and r.excerpt != ""]
            assert quoted, "the build has an excerpt for every sub-strategy of resources"
            prefix = f"- *{report.label('substrategies', sub)}*"
            assert line.startswith(prefix)
            assert (line[len(prefix)] == ":") == (language == "en")  # French puts a space before the colon
            assert verbatim(quoted[0].excerpt) in line and line.endswith(f"({verbatim(names[quoted[0].plan_id])})")
            assert (f'{{lang="fr"}}' in line) == (language == "en")


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_stability_section_rendered_by_this_code_agrees_with_its_tables(fast_built_project, language):
    """Heading, paragraphs and table of the stability section, generated here and checked by
    report_check (the number of alternative samples, the range of the shares, each row)."""
    from report_check import check_stability

    from rlp_pipeline.reporting.document import TEXT

    html = rendered_piece(fast_built_project, language, lambda r: f"# {TEXT[language]['headings']['stability']}\n\n"
                          + r.stability_paragraphs() + "\n\n" + r.stability_table())
    assert check_stability(html, derived_tables(fast_built_project), language, language) == []


@pytest.mark.parametrize("language, expected", [("fr", "reproduit"), ("en", "reproduced")])
def test_the_word_reproduced_inside_a_sentence_is_the_codebooks_label_in_lower_case(language, expected):
    from rlp_pipeline.codebook import load_codebook

    label = load_codebook(CODEBOOK).label("verdicts", "reproduced", language)
    assert label[0].isupper() and label[1:] == expected[1:]
    assert Report(REPO / "data" / "derived", CODEBOOK, language).reproduced_word() == expected


def test_a_derived_tables_title_in_each_language():
    french, english = Report(REPO / "data" / "derived", CODEBOOK, "fr"), Report(REPO / "data" / "derived", CODEBOOK, "en")
    key = "diversity/per_plan.csv"
    assert french.derived_title(key, "Per plan measures") == \
        "Nombre\\, diversité et complexité des stratégies de chaque plan analysé"
    assert english.derived_title(key, "Per plan measures") == "Per plan measures"
    assert french.derived_title("new/table.csv", "A new table") == '[A new table]{lang="en"}'
    assert english.derived_title("new/table.csv", "A new table") == "A new table"


def test_the_code_version_and_its_date_outside_and_inside_a_git_checkout(tmp_path):
    """Outside a checkout: 'unknown' and today's date; in this checkout: the commit (12 hex digits,
    maybe '-dirty') and the date of the last commit, as git itself gives them."""
    import datetime
    import re
    import subprocess

    from rlp_pipeline.stages.report import commit_date, git_commit

    assert git_commit(tmp_path) == "unknown" and commit_date(tmp_path) == datetime.date.today().isoformat()
    assert re.fullmatch(r"[0-9a-f]{12}(-dirty)?", git_commit(REPO))
    last = subprocess.run(["git", "log", "-1", "--format=%cs"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    assert commit_date(REPO) == last


@pytest.mark.slow
def test_the_provenance_dictionary_and_stability_notice_of_the_build(fast_built_project):
    """The provenance table lists each input's full SHA-256 (validated/provenance.json); the
    dictionary lists every derived table; the stability section of simulated data warns."""
    import json

    derived = fast_built_project / "data" / "derived"
    report = Report(derived, fast_built_project / "data" / "raw" / "codebook.yaml", "en", fast_built_project / "config" / "findings.yaml")
    provenance = json.loads((derived / "validated" / "provenance.json").read_text(encoding="utf-8"))
    table = report.provenance_table("fallback", "abc123")
    for facts in provenance["inputs"].values():
        assert f"`{facts['sha256']}`" in table
    assert "`abc123`" in table and "{#tbl-provenance}" in table
    dictionary = report.dictionary_table()
    assert "`data/derived/tests/components.csv`" in dictionary and "{#tbl-dictionary}" in dictionary
    assert report.stability_notice().startswith("::: {.callout-warning}")


def test_table_column_widths_follow_the_stated_rule():
    """Dashes per column = max(longest header word, median cell, longest cell when <= 20) + 3,
    at most 40 (table_markdown's comment); each column below makes one part of the rule decide."""
    from rlp_pipeline.reporting.document import table_markdown

    header = ["n Percentage", "Statement", "P", "Q", "W", ""]
    rows = [["1", "a" * 10, "x", "x", "w" * 45, ""],
            ["22", "b" * 30, "x", "x", "w" * 60, ""],
            ["333", "c" * 31, "x", "x", "w" * 70, ""],
            ["4444", "d" * 50, "y" * 20, "y" * 21, "w" * 80, "z" * 25]]
    dashes = table_markdown(header, rows).splitlines()[1]
    # 13: the header's longest word (10) + 3; 34: the median (index 2 of 4 sorted: 31) + 3, the
    # longest (50) being over 20; 23: the longest cell, exactly 20; 4: a longest cell of 21 does not
    # count; 40: the cap; 3: nothing but the padding (empty header, a long cell only).
    assert [len(part) for part in dashes.strip("|").split("|")] == [13, 34, 23, 4, 40, 3]
    assert set(dashes) == {"|", "-"}
    # without rows, a column is its header's longest word + 3
    assert table_markdown(["", "ab"], []).splitlines()[1] == "|---|-----|"


@pytest.mark.parametrize("detail, expected", [
    ("Région: X² = 18.55", "Région: X² = 18,55"),           # one statistic: no parentheses
    ("Note: a, b", "Note: a, b"),                          # not statistics: left as written
    ("Région: X² = 18.55, p = 0.289", "Région (X² = 18,55 ; p = 0,289)"),
])
def test_french_statistics_parenthesises_only_lists_of_statistics(detail, expected):
    from rlp_pipeline.reporting.document import french_statistics

    assert french_statistics(detail) == expected


@pytest.mark.parametrize("text, expected", [
    ("abc", "`abc`"),
    ("a`b``c", "```a`b``c```"),   # the fence is longer than the longest run inside
    ("`a", "`` `a ``"),           # a backtick at an edge is padded
    ("a`", "`` a` ``"),
])
def test_a_code_span_shows_its_text_exactly(text, expected):
    from rlp_pipeline.reporting.document import code_span

    assert code_span(text) == expected


def test_flag_reads_false_text_as_false():
    import numpy as np

    from rlp_pipeline.reporting.document import flag

    assert [flag(v) for v in ("False", "false", "0", "", False, np.bool_(False))] == [False] * 6
    assert [flag(v) for v in ("True", "1", "yes", True, np.bool_(True))] == [True] * 5


@pytest.mark.parametrize("language", ["en", "fr"])
def test_components_are_named_with_their_own_kind_groups_and_language(tmp_path, language):
    """component_label by kind: the groups in the stated order (higher first), the trend words for
    a trend, the language's colon; component_spec counts components from 1."""
    from rlp_pipeline.reporting.document import TEXT

    report = Report(tmp_path, CODEBOOK, language, registry_path=REPO / "config" / "findings.yaml")
    words, colon = TEXT[language]["indicator"], " : " if language == "fr" else ": "
    measure = TEXT[language]["measures"]["n_strategies"]
    shift = {"kind": "group_shift", "measure": "n_strategies", "expected": {"higher_in": "3-4"}}
    assert report.component_label(shift) == measure + colon + words["group"].format(high="3-4", low="1-2")
    shift_down = shift | {"expected": {"higher_in": "1-2"}}
    assert report.component_label(shift_down) == measure + colon + words["group"].format(high="1-2", low="3-4")
    trend = {"kind": "trend_levels", "measure": "n_strategies", "expected": "increasing"}
    assert report.component_label(trend) == measure + colon + words["levels"]
    majority = {"kind": "majority", "indicator": "strategy:appropriation"}
    assert report.component_label(majority) == report.indicator_label("strategy:appropriation")
    f03 = report.registry_finding("F03")
    assert f03.id == "F03"
    assert report.component_spec("F03", 1) == f03.components[0] and report.component_spec("F03", 2) == f03.components[1]


@pytest.mark.parametrize("simulated", [True, False])
def test_the_simulated_data_notice_appears_exactly_when_the_data_are_simulated(tmp_path, simulated):
    import json

    (tmp_path / "sample").mkdir()
    (tmp_path / "sample" / "sampling_record.json").write_text(json.dumps({"simulated": simulated, "seed": 11}))
    notice = Report(tmp_path, CODEBOOK, "en").simulated_notice()
    assert ("callout-warning" in notice and "11" in notice) if simulated else notice == ""


def test_a_heading_is_of_level_one_unless_told(tmp_path):
    from rlp_pipeline.reporting.document import TEXT

    report = Report(tmp_path, CODEBOOK, "en")
    assert report.heading("stability") == f"# {TEXT['en']['headings']['stability']} {{#sec-stability}}\n"
    assert report.heading("stability", 2).startswith("## ")


def test_the_profile_is_read_from_the_folder_the_cells_run_in(tmp_path, monkeypatch):
    (tmp_path / "_quarto-en.yml").write_text("title: A title\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = Report(tmp_path, CODEBOOK, "en")
    assert report.profile() == {"title": "A title"} and report.document_title() == "A title"


def test_the_typst_setup_sets_the_code_versions_date_the_title_and_the_authors(tmp_path, monkeypatch):
    """The PDF's metadata: the date of the code version (day by day, so two builds agree), the
    title from the language's profile, the authors from config/report.yaml."""
    from rlp_pipeline.reporting.front_matter import load_front_matter

    (tmp_path / "_quarto-en.yml").write_text("title: A title\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = REPO / "config" / "report.yaml"
    setup = Report(tmp_path, CODEBOOK, "en", settings_path=settings).typst_setup("2026-03-07")
    assert "#set document(date: datetime(year: 2026, month: 3, day: 7))\n" in setup
    assert '#set document(title: "A title")\n' in setup
    names = ", ".join(f'"{author.name}"' for author in load_front_matter(settings).authors)
    assert f"#set document(author: ({names},))\n" in setup
    assert "datetime" not in Report(tmp_path, CODEBOOK, "en", settings_path=settings).typst_setup("")


def stability_report(tmp_path: Path, rows: list[dict], language: str, *, record_simulated: bool = False,
                     stability_simulated: bool = False) -> Report:
    """A Report on a derived folder holding only what the stability section reads."""
    import json

    for folder in ("findings", "stability", "sample"):
        (tmp_path / folder).mkdir(exist_ok=True)
    pd.DataFrame({"id": [r["finding"] for r in rows], "short_fr": [f"énoncé {r['finding']}" for r in rows],
                  "short_en": [f"statement {r['finding']}" for r in rows]}).to_csv(tmp_path / "findings" / "findings.csv", index=False)
    defaults = {"not_assessed_reason": "", "share_ci_low": 0.1, "share_ci_high": 0.9, "share_same_verdict": 0.5,
                "observed_verdict": "reproduced"}
    pd.DataFrame([defaults | r for r in rows]).to_csv(tmp_path / "stability" / "stability.csv", index=False)
    (tmp_path / "stability" / "stability_record.json").write_text(json.dumps({
        "method": "redraw", "redraws": 40, "population_size": 140, "sample_size": 56, "fraction": 0.4,
        "stratify_by": None, "seed": 7, "simulated": stability_simulated}))
    (tmp_path / "sample" / "sampling_record.json").write_text(json.dumps({"simulated": record_simulated, "seed": 7}))
    return Report(tmp_path, CODEBOOK, language)


def test_the_stability_notice_shows_when_either_record_says_simulated(tmp_path):
    row = [{"finding": "F01", "assessed": True, "share_reproduced": 0.5}]
    assert stability_report(tmp_path, row, "en", stability_simulated=True).stability_notice() != ""
    assert stability_report(tmp_path, row, "en", record_simulated=True).stability_notice() != ""
    assert stability_report(tmp_path, row, "en").stability_notice() == ""


def test_the_stability_range_names_the_lowest_and_highest_shares(tmp_path):
    rows = [{"finding": "F01", "assessed": True, "share_reproduced": 0.5},
            {"finding": "F02", "assessed": True, "share_reproduced": 0.9}]
    text = stability_report(tmp_path, rows, "en").stability_range()
    assert text == "Among the 2 assessed findings, the share reproduced ranges from 50.0% ([F01](#sec-f01)) to 90.0% ([F02](#sec-f02))."
    same = [{"finding": "F01", "assessed": True, "share_reproduced": 0.9},
            {"finding": "F02", "assessed": True, "share_reproduced": 0.9}]
    assert stability_report(tmp_path, same, "en").stability_range() == "Among the 2 assessed findings, the share reproduced is 90.0% for all."


@pytest.mark.parametrize("language", ["en", "fr"])
def test_findings_not_assessed_are_listed_with_the_reason_in_english_only(tmp_path, language):
    from rlp_pipeline.reporting.document import TEXT

    one = [{"finding": "F01", "assessed": True, "share_reproduced": 0.5},
           {"finding": "F02", "assessed": False, "share_reproduced": "", "not_assessed_reason": "no frame"}]
    ids = "[F02](#sec-f02)" + (" (no frame)" if language == "en" else "")
    report = stability_report(tmp_path, one, language)
    assert report.not_assessed_sentence() == TEXT[language]["stability_not_assessed"]["one"].format(ids=ids)
    many = one + [{"finding": "F03", "assessed": False, "share_reproduced": "", "not_assessed_reason": ""}]
    assert stability_report(tmp_path, many, language).not_assessed_sentence() == \
        TEXT[language]["stability_not_assessed"]["many"].format(ids=ids + ", [F03](#sec-f03)")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_stability_section_quotes_its_verdict_column_and_the_languages_statements(tmp_path, language):
    rows = [{"finding": "F01", "assessed": True, "share_reproduced": 0.5}]
    report = stability_report(tmp_path, rows, language)
    head = report.stability_head()
    paragraphs = report.stability_paragraphs().replace("\u00a0", " ").replace("\u202f", " ")
    assert head[2] in paragraphs and head[3] not in paragraphs
    table = report.stability_table()
    assert ("énoncé F01" if language == "fr" else "statement F01") in table
    assert ("statement F01" if language == "fr" else "énoncé F01") not in table


def test_the_code_versions_date_is_its_commits(tmp_path):
    """A commit dated in the past: its date, not today's (outside git: today's)."""
    import datetime
    import os
    import subprocess

    from rlp_pipeline.stages.report import commit_date

    env = {**os.environ, "GIT_AUTHOR_DATE": "2001-02-03T04:05:06Z", "GIT_COMMITTER_DATE": "2001-02-03T04:05:06Z",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True, env=env)
    (tmp_path / "repo" / "a.txt").write_text("a")
    subprocess.run(["git", "-C", str(tmp_path / "repo"), "add", "a.txt"], check=True, env=env)
    subprocess.run(["git", "-C", str(tmp_path / "repo"), "commit", "-q", "-m", "a"], check=True, env=env)
    assert commit_date(tmp_path / "repo") == "2001-02-03"
    (tmp_path / "plain").mkdir()
    assert commit_date(tmp_path / "plain") == datetime.date.today().isoformat()
