"""Every number and verdict the report shows, checked against the derived table it comes from.

The project is copied and built once (fallback renderer, 40 stability redraws instead of 1000 so
that the build takes about two minutes); tests/report_check.py reads the summary table and every
finding's section of each HTML document, and the summary of each PDF, and compares each value with
its table and column, formatted in the document's language. The other tests prove the checker
can fail: a derived table changed under the same documents, or a report function that reads the
wrong column or rounds differently, must be reported as a mismatch.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import report_check
from report_check import Derived, check_components, check_document, check_pdf_summary, check_summary, check_verdict

pytestmark = pytest.mark.slow

LANGUAGES = ("fr", "en")


@pytest.fixture(scope="module")
def built(fast_built_project) -> Path:
    """The project built once for the session (tests/conftest.py), with the fallback renderer:
    its HTML is what the checker reads; tests/test_render.py checks that real Quarto shows the
    same numbers."""
    assert 'content="quarto-' not in document(fast_built_project, "fr"), "the checker reads the fallback renderer's HTML"
    return fast_built_project


def derived_of(project: Path, folder: Path | None = None) -> Derived:
    return Derived(folder or project / "data" / "derived", project / "data" / "raw" / "codebook.yaml")


def document(project: Path, language: str) -> str:
    return (project / "report" / "_output" / language / "index.html").read_text(encoding="utf-8")


def pdf_text(project: Path, language: str) -> str:
    pdf = project / "report" / "_output" / language / "index.pdf"
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_number_and_verdict_of_the_html_matches_its_table(built, language):
    derived = derived_of(built)
    assert check_document(document(built, language), derived, language, f"{language}/index.html") == []


def test_each_finding_shows_its_deciding_component_and_a_reason_that_quotes_it(built):
    assert report_check.check_findings_table(derived_of(built)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_summary_matches_the_tables(built, language):
    derived = derived_of(built)
    assert check_pdf_summary(pdf_text(built, language), derived, language, f"{language}/index.pdf") == []


# --- the checker fails when the document and the tables disagree --------------------------------


def tampered(built: Path, tmp_path: Path, change) -> Derived:
    """The build's derived tables with one change (the documents stay as they were rendered)."""
    folder = tmp_path / "derived"
    shutil.copytree(built / "data" / "derived", folder)
    change(folder)
    return derived_of(built, folder)


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    change(table)
    table.to_csv(path, index=False)


def first_where(table: pd.DataFrame, mask) -> int:
    index = table.index[mask]
    assert len(index), "the shipped data has no row to tamper with"
    return index[0]


def raw_p_as_adjusted(folder: Path) -> None:
    """The adjusted p of one tested component replaced by its raw p (the document still shows the
    adjusted one): as if the report had shown the raw p in the adjusted column."""
    def change(table):
        shown = lambda v: report_check.p_shown(v, "en")  # noqa: E731
        row = first_where(table, [shown(a) != shown(b) for a, b in zip(table["p_value"], table["p_adjusted"])])
        table.loc[row, "p_adjusted"] = table.loc[row, "p_value"]
    edit(folder, "tests/components.csv", change)


def verdicts_swapped(folder: Path) -> None:
    """Two findings with different verdicts exchange them: a verdict shown for the wrong finding."""
    def change(table):
        first = table.index[0]
        other = first_where(table, table["verdict"] != table.loc[first, "verdict"])
        table.loc[[first, other], "verdict"] = table.loc[[other, first], "verdict"].to_numpy()
    edit(folder, "findings/findings.csv", change)


def share_off_by_rounding(folder: Path) -> None:
    """A share moved by 0.4 point: the same at 0 decimals but not at the 1 decimal the components
    table shows (a wrong rounding)."""
    def change(table):
        row = first_where(table, table["kind"] == "majority")
        table.loc[row, "value_a"] = table.loc[row, "value_a"] + 0.004
    edit(folder, "tests/components.csv", change)


def strongest_decides(folder: Path) -> None:
    """findings.csv names the strongest component (smallest adjusted p) instead of the weakest."""
    components = pd.read_csv(folder / "tests" / "components.csv", keep_default_na=False, na_values=[""])

    def change(table):
        for index, row in table.iterrows():
            tested = components[(components["finding"] == row["id"]) & components["p_adjusted"].notna()]
            if tested["p_adjusted"].nunique() > 1:
                table.loc[index, "deciding_component"] = int(tested.loc[tested["p_adjusted"].idxmin(), "component"])
                return
        raise AssertionError("no finding has components with different adjusted p-values")
    edit(folder, "findings/findings.csv", change)


def stability_share_changed(folder: Path) -> None:
    def change(table):
        table.loc[0, "share_reproduced"] = 1 - table.loc[0, "share_reproduced"] + 0.013
    edit(folder, "stability/stability.csv", change)


def battery_columns_swapped(folder: Path) -> None:
    """A battery row's raw and adjusted p exchanged."""
    def change(table):
        shown = lambda v: report_check.p_shown(v, "en")  # noqa: E731
        row = first_where(table, [bool(str(c)) and str(c) != "nan" and shown(a) != shown(b) for a, b, c in
                                  zip(table["p_value"], table["p_adjusted"], table["confirmatory_component"])])
        table.loc[row, ["p_value", "p_adjusted"]] = table.loc[row, ["p_adjusted", "p_value"]].to_numpy()
    edit(folder, "tests/battery.csv", change)


def substrategy_share_changed(folder: Path) -> None:
    def change(table):
        table.loc[0, "share_within_strategy"] = table.loc[0, "share_within_strategy"] + 0.05
    edit(folder, "frequencies/substrategies.csv", change)


def diversity_mean_changed(folder: Path) -> None:
    def change(table):
        row = first_where(table, (table["measure"] == "n_strategies") & (table["grouping"] == "group"))
        table.loc[row, "mean"] = table.loc[row, "mean"] + 0.1
    edit(folder, "diversity/summary.csv", change)


def balance_wrong_column(folder: Path) -> None:
    """The sample share of one category replaced by the share among the plans not sampled: as if
    the balance table read the wrong column."""
    def change(table):
        row = first_where(table, (table["sample_pct"] - table["not_sampled_pct"]).abs() > 0.5)
        table.loc[row, "sample_pct"] = table.loc[row, "not_sampled_pct"]
    edit(folder, "sample/balance.csv", change)


def balance_difference_reversed(folder: Path) -> None:
    """The difference in points computed as population minus sample (its sign reversed)."""
    def change(table):
        row = first_where(table, table["difference_pct_points"].abs() > 0.5)
        table.loc[row, "difference_pct_points"] = -table.loc[row, "difference_pct_points"]
    edit(folder, "sample/balance.csv", change)


def level_of_one_plan_changed(folder: Path) -> None:
    """One analysed plan counted at another mobilisation level: two rows of the levels table change."""
    def change(table):
        table.loc[0, "mobilisation_level"] = 1 if int(table.loc[0, "mobilisation_level"]) != 1 else 2
    edit(folder, "frequencies/analysed_plans.csv", change)


def stability_interval_reversed(folder: Path) -> None:
    """A Monte Carlo interval's bounds exchanged (high shown first)."""
    def change(table):
        row = first_where(table, table["share_ci_low"] != table["share_ci_high"])
        table.loc[row, ["share_ci_low", "share_ci_high"]] = table.loc[row, ["share_ci_high", "share_ci_low"]].to_numpy()
    edit(folder, "stability/stability.csv", change)


def stability_same_verdict_changed(folder: Path) -> None:
    """The share reaching the same verdict moved by 0.2 point (1 decimal shows it)."""
    def change(table):
        row = first_where(table, table["assessed"].astype(str).str.lower() == "true")
        table.loc[row, "share_same_verdict"] = abs(table.loc[row, "share_same_verdict"] - 0.002)
    edit(folder, "stability/stability.csv", change)


def stability_verdict_of_another_finding(folder: Path) -> None:
    """The real sample's verdict in the stability table taken from another finding."""
    def change(table):
        other = first_where(table, table["observed_verdict"] != table.loc[0, "observed_verdict"])
        table.loc[0, "observed_verdict"] = table.loc[other, "observed_verdict"]
    edit(folder, "stability/stability.csv", change)


def stability_range_changed(folder: Path) -> None:
    """The lowest share reproduced moved, so the range sentence no longer quotes it."""
    def change(table):
        assessed = table["assessed"].astype(str).str.lower() == "true"
        row = table.index[assessed][table.loc[assessed, "share_reproduced"].argmin()]
        table.loc[row, "share_reproduced"] = table.loc[row, "share_reproduced"] + 0.003
    edit(folder, "stability/stability.csv", change)


def redraws_changed(folder: Path) -> None:
    """The stability record with another number of alternative samples than the text names."""
    import json

    path = folder / "stability" / "stability_record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["redraws"] += 7
    path.write_text(json.dumps(record), encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("change, words", [
    (balance_wrong_column, "balance table"), (balance_difference_reversed, "difference"),
    (level_of_one_plan_changed, "levels table"), (stability_interval_reversed, "share reproduced"),
    (stability_same_verdict_changed, "same verdict"), (stability_verdict_of_another_finding, "observed verdict"),
    (stability_range_changed, "range sentence"), (redraws_changed, "alternative samples"),
])
def test_the_checker_reports_a_balance_levels_or_stability_table_the_document_does_not_show(built, tmp_path, language,
                                                                                            change, words):
    derived = tampered(built, tmp_path, change)
    problems = check_document(document(built, language), derived, language, language)
    assert any(words in problem for problem in problems), problems


def rounded_otherwise(shown: str, language: str) -> str:
    """A percentage as the document shows it (one decimal) rounded to none: « 28,6 % » -> « 29 % »."""
    value = float(shown.rstrip("%").replace("\u202f", "").replace(",", ".").replace("\u2212", "-"))
    return report_check.format_percent(value / 100, language, 0)


def corrupt_table(document_text: str, table_id: str, change) -> str:
    """The document with the first body cell of one table (found by its id) that `change` alters
    replaced by `change(cell)`: a wrong value the report could have printed."""
    start = document_text.index(f'id="{table_id}"')
    end = document_text.index("</table>", start)
    table = document_text[start:end]
    for cell in re.findall(r"<td\b[^>]*>(.*?)</td>", table, re.DOTALL):
        if change(cell) != cell:
            return document_text[:start] + table.replace(f">{cell}</td>", f">{change(cell)}</td>", 1) + document_text[end:]
    raise AssertionError(f"no cell of {table_id} to corrupt")


PERCENT = r"\d+[.,]\d(?:\u202f)?%"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("table_id, words", [("tbl-balance", "balance table"), ("tbl-levels", "levels table"),
                                             ("tbl-stability", "stability table")])
def test_the_checker_reports_a_share_rounded_otherwise_in_the_html(built, language, table_id, words):
    """The first one-decimal percentage of the table shown without its decimal (a wrong rounding
    written into the HTML itself): the checker names the table."""
    derived = derived_of(built)
    text = document(built, language)
    corrupted = corrupt_table(text, table_id, lambda cell: re.sub(PERCENT, lambda m: rounded_otherwise(m.group(0), language), cell, 1))
    assert corrupted != text
    assert not [p for p in check_document(text, derived, language, language) if words in p]
    problems = check_document(corrupted, derived, language, language)
    assert any(words in problem for problem in problems), problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_checker_reports_a_balance_difference_with_the_wrong_sign_in_the_html(built, language):
    derived = derived_of(built)
    minus = "\u2212"
    corrupted = corrupt_table(document(built, language), "tbl-balance",
                              lambda cell: cell[1:] if cell.startswith(minus) else cell)
    problems = check_document(corrupted, derived, language, language)
    assert any("balance table" in problem and "difference" in problem for problem in problems), problems


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("change, words", [
    (raw_p_as_adjusted, "adjusted p"), (verdicts_swapped, "verdict"), (share_off_by_rounding, "values"),
    (strongest_decides, "deciding component"), (stability_share_changed, "stability"),
    (battery_columns_swapped, "battery"), (substrategy_share_changed, "substrategies.csv"),
    (diversity_mean_changed, "summary.csv"),
])
def test_the_checker_reports_a_table_the_document_does_not_show(built, tmp_path, language, change, words):
    derived = tampered(built, tmp_path, change)
    problems = check_document(document(built, language), derived, language, language)
    assert problems, f"{change.__name__}: the checker found nothing"
    assert any(words in problem for problem in problems), problems


def test_the_checker_reports_a_pdf_summary_that_disagrees(built, tmp_path):
    derived = tampered(built, tmp_path, verdicts_swapped)
    assert check_pdf_summary(pdf_text(built, "fr"), derived, "fr", "fr/index.pdf")


# --- the checker fails when a report function goes wrong ----------------------------------------


def rendered(built: Path, language: str, ids: list[str], folder: Path | None = None) -> str:
    """The summary table and the given findings' sections, generated by rlp_pipeline.reporting.document and
    turned into HTML by Pandoc (as the fallback renderer does)."""
    import pypandoc

    from rlp_pipeline.reporting.document import Report

    report = Report(folder or built / "data" / "derived", built / "data" / "raw" / "codebook.yaml", language,
                    built / "config" / "findings.yaml")
    markdown = report.summary_table() + "\n\n" + "\n\n".join(section_calls(report, ids))
    return pypandoc.convert_text(markdown, "html", format="markdown")


def section_calls(report, ids: list[str]) -> list[str]:
    """Each finding's section as the report's code cells build it (report/index.qmd's
    `print(R.finding_section(...))` lines, evidence tables included), else without evidence.
    Figures are copied into the working folder: callers chdir to a temporary one."""
    import re as re_module

    from conftest import REPO

    qmd = (REPO / "report" / "index.qmd").read_text(encoding="utf-8")
    calls = {finding: call for call, finding in
             re_module.findall(r'^print\((R\.finding_section\("(\w+)".*)\)$', qmd, re_module.MULTILINE)}
    return [eval(calls[i], {"R": report}) if i in calls else report.finding_section(i) for i in ids]  # noqa: S307


def check_rendered(built: Path, language: str, folder: Path | None = None) -> list[str]:
    import tempfile

    derived = derived_of(built, folder)
    ids = list(derived.findings["id"])
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as work:  # the figures the sections copy land here
        os.chdir(work)
        try:
            html = rendered(built, language, ids, folder)
        finally:
            os.chdir(here)
    problems = check_summary(html, derived, language, language)
    for finding, section in report_check.sections(html, ids).items():
        problems += check_components(section, finding, derived, language, language)
        problems += check_verdict(section, finding, derived, language, language)
        problems += report_check.check_battery(section, finding, derived, language, language)
        problems += report_check.check_frequency_tables(section, finding, derived, language, language)
    return problems


def test_the_pieces_rendered_here_agree_with_the_tables(built):
    assert check_rendered(built, "fr") == []


def test_the_checker_reports_a_report_that_shows_the_raw_p_as_adjusted(built, monkeypatch):
    from rlp_pipeline.reporting import document as report

    original = report.Report.components.func

    def raw_as_adjusted(self):
        table = original(self)
        return table.assign(p_adjusted=table["p_value"].where(table["p_adjusted"].notna()))
    monkeypatch.setattr(report.Report, "components", property(raw_as_adjusted))
    problems = check_rendered(built, "en")
    assert any("adjusted p" in problem for problem in problems), problems
    assert any("verdict sentence" in problem for problem in problems), problems


def test_the_checker_reports_a_rounding_the_language_does_not_use(built, monkeypatch):
    from rlp_pipeline.reporting import claims

    monkeypatch.setattr(claims, "format_percent", lambda share, language, digits=1: report_check.format_percent(share, language, digits + 1))
    problems = check_rendered(built, "fr")
    assert any("measured value" in problem or "effect" in problem for problem in problems), problems


def test_the_checker_reports_the_strongest_component_as_the_summary(built, monkeypatch):
    from rlp_pipeline.stages import findings

    derived = derived_of(built)
    monkeypatch.setattr(findings, "deciding_component", lambda components: (
        components.loc[components["p_adjusted"].idxmin()] if components["p_adjusted"].notna().any() else components.iloc[0]))
    registry_path, codebook_path = built / "config" / "findings.yaml", built / "data" / "raw" / "codebook.yaml"
    from rlp_pipeline.codebook import load_codebook
    from rlp_pipeline.registry import load_registry

    table = findings.findings_table(load_registry(registry_path, load_codebook(codebook_path)), derived.components, True)
    derived.findings = table
    problems = check_summary(document(built, "en"), derived, "en", "en")
    assert any("deciding component" in problem for problem in problems), problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rendered_pieces_agree_with_the_tables_in_both_languages(built, language):
    """The summary and every section generated now by rlp_pipeline.reporting.document (the code under test,
    which may differ from the code that built the documents) agree with the tables."""
    assert check_rendered(built, language) == []


def test_the_findings_stage_rerun_on_the_components_gives_what_the_documents_show(built, tmp_path):
    """findings.csv recomputed by the findings stage of the code under test from the build's
    components: the documents, checked against the tables above, must still agree with it
    (verdicts, deciding components and their numbers)."""
    from rlp_pipeline.stages.findings import run_findings

    folder = tmp_path / "derived"
    shutil.copytree(built / "data" / "derived", folder)
    run_findings(folder / "tests" / "components.csv", built / "data" / "raw" / "codebook.yaml",
                 built / "config" / "findings.yaml", True, folder / "findings")
    derived = derived_of(built, folder)
    assert report_check.check_findings_table(derived) == []
    for language in LANGUAGES:
        assert check_document(document(built, language), derived, language, language) == []


@pytest.mark.parametrize("column, other", [("p_adjusted", "p_value"), ("value_a", "value_b"), ("ci_low", "ci_high")])
def test_the_checker_reports_findings_columns_not_from_the_deciding_component(built, tmp_path, column, other):
    def change(table):
        row = first_where(table, table[column].notna() & (table[column] != table[other]))
        table.loc[row, column] = table.loc[row, other]
    derived = tampered(built, tmp_path, lambda folder: edit(folder, "findings/findings.csv", change))
    assert any(f", {column}:" in problem for problem in report_check.check_findings_table(derived))


def test_the_checker_reports_a_reason_that_quotes_another_p(built, tmp_path):
    def change(table):
        row = first_where(table, table["verdict"] == "reproduced")
        table.loc[row, "reason"] = table.loc[row, "reason"].replace("p = ", "p = 0.5 and p = 9", 1)
    derived = tampered(built, tmp_path, lambda folder: edit(folder, "findings/findings.csv", change))
    assert any("reason" in problem for problem in report_check.check_findings_table(derived))


def test_the_pieces_agree_with_tables_whose_compared_values_differ(built, tmp_path):
    """The shipped data use every sub-strategy (« 4 / 4 »), where a report swapping the two
    values compared could not be told from a right one: with one sub-strategy absent the two
    differ, and the pieces rendered from that table must still agree with it."""
    def change(folder):
        def absent(table):
            row = first_where(table, table["kind"] == "presence")
            table.loc[row, "value_a"] = table.loc[row, "value_b"] - 1
        edit(folder, "tests/components.csv", absent)
    folder = tmp_path / "derived"
    tampered(built, tmp_path, change)
    assert check_rendered(built, "en", folder) == []
