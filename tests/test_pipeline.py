"""End to end: the Snakemake pipeline on a copy of the project, as an evaluator runs it.

The project is copied into a temporary folder so the tests never touch the real data/derived/;
each test runs the real `snakemake` command of the installed environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, SMALL_CODINGS, folder_digest
from rlp_pipeline.stages.findings import VERDICTS

pytestmark = pytest.mark.slow

PROJECT_PARTS = ("Snakefile", "rules", "profiles", "config", "data/raw", "src", "report", "notebooks", "environment.yml")


def copy_project(destination: Path) -> Path:
    for part in PROJECT_PARTS:
        source = REPO / part
        target = destination / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "_output", ".quarto", "_figures"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    # Two simulated populations per calibration scenario instead of the default ten: each is a
    # complete analysis, and these tests check the pipeline's wiring, not the rates.
    config = destination / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("calibration_simulations: 10", "calibration_simulations: 2"),
                      encoding="utf-8")
    return destination


def snakemake(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *arguments],
        cwd=project, capture_output=True, text=True, env=environment, timeout=600,
    )


def jobs_planned(project: Path) -> set[str]:
    """Names of the rules a dry run would execute (empty when everything is up to date),
    read from the "Job stats" table Snakemake prints."""
    result = snakemake(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return set()
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {line.split()[0] for line in table.splitlines()[3:] if line.strip()}


@pytest.fixture(scope="module")
def built_project(tmp_path_factory) -> Path:
    """The project copied and built once with the shipped simulated data."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    result = snakemake(project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def test_main_command_builds_validated_tables_and_sample(built_project):
    derived = built_project / "data" / "derived"
    for name in ("plans.csv", "codings.csv", "provenance.json", "validation_report.md"):
        assert (derived / "validated" / name).is_file()
    sampled = pd.read_csv(derived / "sample" / "sampled_plans.csv", dtype={"plan_id": str})
    frame = pd.read_csv(REPO / "data" / "raw" / "plans.csv")
    assert len(sampled) == int(len(frame) * 0.4 + 0.5)
    record = json.loads((derived / "sample" / "sampling_record.json").read_text())
    assert record["simulated"] is True
    assert record["sample_size"] == len(sampled) and record["population_size"] == len(frame)
    sample_codings = pd.read_csv(derived / "sample" / "codings.csv", dtype=str, keep_default_na=False)
    assert set(sample_codings["plan_id"]) <= set(sampled["plan_id"])
    assert (built_project / "logs" / "validate.log").is_file() and (built_project / "logs" / "sample.log").is_file()
    executed = json.loads((derived / "notebooks" / "audit_tests.ipynb").read_text())
    printed = ["".join(o.get("text", "")) for c in executed["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert any("group comparisons recomputed" in text for text in printed)


def test_raw_data_is_never_modified(built_project):
    assert folder_digest(built_project / "data" / "raw") == folder_digest(REPO / "data" / "raw")


def test_second_run_does_nothing_and_changing_codings_reruns_its_dependants(built_project):
    assert jobs_planned(built_project) == set()
    codings = built_project / "data" / "raw" / "codings.csv"
    # Snakemake (>= 9.18) compares the content of small inputs, so a bare `touch` that changes
    # nothing re-runs nothing; a real edit re-runs the stages that read the file, and only them.
    codings.touch()
    assert jobs_planned(built_project) == set()
    original = codings.read_text(encoding="utf-8")
    codings.write_text(original + original.splitlines()[-1] + "\n", encoding="utf-8")
    try:
        # Not the calibration: it runs after validation but never reads the codings (rules/calibration.smk).
        assert jobs_planned(built_project) == {"validate", "sample", "frequencies", "diversity", "tests", "findings",
                                               "stability_chunk", "stability", "agreement", "sample_figures",
                                               "stability_figures", "figures", "report", "audit", "all"}
    finally:
        codings.write_text(original, encoding="utf-8")
    assert jobs_planned(built_project) == set()


def test_changing_the_seed_reruns_the_sample_and_what_follows_it_only(tmp_path):
    project = copy_project(tmp_path)
    assert snakemake(project).returncode == 0
    first = (project / "data/derived/sample/sampled_plans.csv").read_bytes()
    config = project / "config" / "config.yaml"
    config.write_text(config.read_text().replace("seed: 20180517", "seed: 7").replace("redraws: 1000", "redraws: 40"))
    # The calibration uses the statistics seed (also replaced), not the sample.
    assert jobs_planned(project) == {"sample", "frequencies", "diversity", "tests", "findings", "stability_chunk", "stability",
                                     "agreement", "calibration_inputs", "calibration", "sample_figures", "stability_figures",
                                     "figures", "report", "audit", "all"}
    assert snakemake(project).returncode == 0
    assert (project / "data/derived/sample/sampled_plans.csv").read_bytes() != first


def test_bad_input_stops_the_pipeline_with_a_clear_message_and_no_output(tmp_path):
    project = copy_project(tmp_path)
    codings = SMALL_CODINGS.replace("RLP-001,activities", "RLP-001,activites")
    (project / "data" / "raw" / "codings.csv").write_text(codings, encoding="utf-8")
    before = folder_digest(project / "data" / "raw")
    result = snakemake(project)
    assert result.returncode != 0
    log = (project / "logs" / "validate.log").read_text()
    assert "codings.csv, line 2, column 'object': found 'activites'" in log
    assert "Did you mean 'activities'?" in log
    assert "codings.csv, line 2, column 'object'" in result.stdout + result.stderr
    assert not any((project / "data" / "derived").rglob("*.csv"))
    assert folder_digest(project / "data" / "raw") == before


def test_config_outside_its_schema_is_refused_before_anything_runs(tmp_path):
    project = copy_project(tmp_path)
    config = project / "config" / "config.yaml"
    config.write_text(config.read_text().replace("fraction: 0.40", "fraction: 1.5"))
    result = snakemake(project)
    assert result.returncode != 0
    assert "fraction" in result.stdout + result.stderr
    assert not (project / "data" / "derived").exists()


def test_every_finding_has_a_computed_verdict_and_derived_tables_are_described(built_project):
    derived = built_project / "data" / "derived"
    findings = pd.read_csv(derived / "findings" / "findings.csv", keep_default_na=False)
    assert findings["id"].tolist() == [f"F{i:02d}" for i in range(1, 18)] + ["M1", "M2"]
    assert set(findings["verdict"]) <= set(VERDICTS)
    assert findings["simulated"].astype(str).eq("True").all()
    for stage in ("validated", "sample", "frequencies", "diversity", "tests", "findings", "stability", "agreement", "calibration"):
        package = json.loads((derived / stage / "datapackage.json").read_text())
        assert package["simulated"] is True
        described = {resource["path"] for resource in package["resources"]}
        assert described == {p.name for p in (derived / stage).glob("*.csv")}


def test_a_forced_second_build_gives_byte_identical_derived_tables(built_project, tmp_path):
    before = folder_digest(built_project / "data" / "derived")
    result = snakemake(built_project, "--forceall")
    assert result.returncode == 0, result.stderr
    assert folder_digest(built_project / "data" / "derived") == before


# --- the report --------------------------------------------------------------------------------

NARROW_NBSP = "\u202f"


def html_text(path: Path) -> str:
    import html as html_module

    return html_module.unescape(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_document_shows_every_finding_with_its_computed_verdict(built_project, language):
    from rlp_pipeline.codebook import load_codebook

    codebook = load_codebook(built_project / "data" / "raw" / "codebook.yaml")
    output = built_project / "report" / "_output" / language
    text = html_text(output / "index.html")
    findings = pd.read_csv(built_project / "data" / "derived" / "findings" / "findings.csv", keep_default_na=False)
    for row in findings.itertuples():
        assert f'id="sec-{row.id.lower()}"' in text, row.id
        # up to the next section (Quarto also repeats the id as the heading's data-anchor-id)
        section = re.split(r'(?<!-)id="sec-', text.split(f'id="sec-{row.id.lower()}"', 1)[1], maxsplit=1)[0]
        assert codebook.label("verdicts", row.verdict, language) in section, (row.id, row.verdict)
    assert f'lang="{language}"' in text
    notice = "Données simulées" if language == "fr" else "Simulated data"
    assert notice in text.split("<h1", 2)[1] or notice in text[: text.index('id="sec-f01"')]
    assert text.count("data:image/png;base64") >= 7, "the figures must be embedded"
    other = "en" if language == "fr" else "fr"
    assert f'href="../{other}/index.html"' in text, "the HTML links to the other language"
    assert (output / "index.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_document_has_the_stability_section_with_its_figure(built_project, language):
    """The section shows the share of alternative samples reproducing each finding, as computed
    by the stability stage (1,000 redraws from the frame with the shipped settings)."""
    from rlp_pipeline import fmt

    derived = built_project / "data" / "derived"
    table = pd.read_csv(derived / "stability" / "stability.csv", keep_default_na=False)
    record = json.loads((derived / "stability" / "stability_record.json").read_text())
    assert record["method"] == "redraw" and record["redraws"] == 1000 and len(table) == 19
    text = html_text(built_project / "report" / "_output" / language / "index.html")
    assert 'id="sec-stability"' in text
    section = text.split('id="sec-stability"', 1)[1].split('id="sec-', 1)[0]
    assert "data:image/png;base64" in section, "the stability figure is embedded in its section"
    for row in table.itertuples():
        assert fmt.format_percent(row.share_reproduced, language) in section, (row.finding, row.share_reproduced)
    assert (derived / "figures" / language / "stability.png").is_file()


def test_documents_follow_their_language(built_project):
    french = html_text(built_project / "report" / "_output" / "fr" / "index.html")
    english = html_text(built_project / "report" / "_output" / "en" / "index.html")
    # Quarto joins the word and the number with a no-break space, the fallback with a space
    assert re.search(r"Tableau\s1", french) and re.search(r"Table\s1", english) and "Tableau" not in english
    assert "Institutionnalisation" in french and "Reproduit" in french
    assert "Institutionalisation" in english and "Reproduced" in english and "Reproduit" not in english
    assert f"{NARROW_NBSP}%" in french and f"{NARROW_NBSP}%" not in english
    assert re.search(r"\d+,\d" + NARROW_NBSP + "%", french) and re.search(r"\d+\.\d%", english)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_pdf_text_is_in_the_documents_language(built_project, language):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = built_project / "report" / "_output" / language / "index.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    expected, unexpected = ("Reproduit", "Reproduced") if language == "fr" else ("Reproduced", "Reproduit")
    assert expected in text and unexpected not in text
    assert "F17" in text and "M2" in text


def test_editing_the_report_text_rerenders_only_the_report(built_project):
    source = built_project / "report" / "index.qmd"
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace("This report reproduces", "This report faithfully reproduces"), encoding="utf-8")
    try:
        assert jobs_planned(built_project) == {"report", "all"}
    finally:
        source.write_text(original, encoding="utf-8")


HOSTILE = "<script>alert(1)</script> **bold** #set page(width: 1cm) $x$ @fig-x {{< meta title >}}"


def test_markup_in_the_data_shows_as_text_in_both_formats(tmp_path):
    project = copy_project(tmp_path)
    raw = project / "data" / "raw"
    plans = pd.read_csv(raw / "plans.csv", dtype=str, keep_default_na=False)
    plans["name"] = HOSTILE
    plans.to_csv(raw / "plans.csv", index=False)
    codings = pd.read_csv(raw / "codings.csv", dtype=str, keep_default_na=False)
    codings.loc[codings["excerpt"] != "", "excerpt"] = HOSTILE
    codings.to_csv(raw / "codings.csv", index=False)
    result = snakemake(project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for language in ("fr", "en"):
        output = project / "report" / "_output" / language
        source = (output / "index.html").read_text(encoding="utf-8")
        assert "<script>alert(1)</script>" not in source
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
        text = html_text(output / "index.html")
        assert "**bold** #set page(width: 1cm) $x$ @fig-x {{< meta title >}}" in text
        if shutil.which("pdftotext"):
            pdf_text = subprocess.run(["pdftotext", str(output / "index.pdf"), "-"], capture_output=True,
                                      text=True, check=True).stdout
            assert "#set page(width: 1cm)" in " ".join(pdf_text.split())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
@pytest.mark.parametrize("language", ["fr", "en"])
def test_html_opens_offline_in_headless_chromium_without_console_errors(built_project, tmp_path, language):
    page = built_project / "report" / "_output" / language / "index.html"
    source = page.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="https?://', source), "the HTML must not load anything from the network"
    screenshot = tmp_path / f"first-screen-{language}.png"
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--window-size=1280,900", f"--screenshot={screenshot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    assert screenshot.stat().st_size > 20_000, "the first screen should not be blank"


# Editing one module of the package re-runs the rules whose command imports it (directly or not)
# and the rules downstream of those, nothing else. Written from the stages' data flow and the
# modules' roles, not from the import graph the workflow computes (rlp_pipeline.workflow.code_deps).
EVERYTHING = {"validate", "template", "sample", "frequencies", "diversity", "tests", "findings", "stability_chunk",
              "stability", "agreement", "calibration_inputs", "calibration", "sample_figures", "stability_figures", "figures",
              "report", "audit", "all"}
AFTER_THE_SAMPLE = EVERYTHING - {"validate", "template", "agreement"}
# The stability stage recomputes every finding on each alternative sample: it runs the sample's,
# the diversity's, the tests' and the findings' code itself.
# The figures of the sample's tables (sample_figures) do not wait for the tests; the stability figure does.
AFTER_THE_TESTS = {"tests", "findings", "stability_chunk", "stability", "stability_figures", "figures", "report", "audit",
                   "all"}
# The calibration stage simulates populations and analyses each one completely (validation,
# sample, frequencies, diversity, tests, findings), and its code re-runs the record of what it is
# computed from (calibration_inputs) first; the agreement stage derives its seeds as the tests do
# and maps findings to the code dimensions they rest on.
CALIBRATION = {"calibration_inputs", "calibration"}
# The agreement stage's table is drawn among the sample's figures.
AGREEMENT = {"agreement", "sample_figures"}
REBUILD_SCOPE = {
    "stages/validate.py": EVERYTHING,
    "stages/sample.py": AFTER_THE_SAMPLE,
    "stages/frequencies.py": {"frequencies", "sample_figures", "figures", "report", "all"} | CALIBRATION,
    "stages/diversity.py": {"diversity", "sample_figures"} | CALIBRATION | AFTER_THE_TESTS,
    "stages/tests.py": AFTER_THE_TESTS | AGREEMENT | CALIBRATION,
    "stages/findings.py": AFTER_THE_TESTS | AGREEMENT | CALIBRATION,
    "stages/stability.py": {"stability_chunk", "stability", "stability_figures", "figures", "report", "all"},
    # The compiled Jonckheere-Terpstra loop: compiled again by its own rule, and run by the tests
    # (so by the agreement stage, which imports them), the stability chunks and the calibration.
    "stats/jonckheere.py": {"compile"} | AFTER_THE_TESTS | AGREEMENT | CALIBRATION,
    "stages/figures.py": {"sample_figures", "stability_figures", "figures", "report", "all"},
    # The two parts write their indexes with it, and the rule `figures` joins them.
    "stages/figures_index.py": {"sample_figures", "stability_figures", "figures", "report", "all"},
    "reporting/render.py": {"report", "all"},
    "stages/report.py": {"report", "all"},
    "stages/audit.py": {"audit", "all"},
    "stats/agreement.py": AGREEMENT | {"figures", "report", "all"} | CALIBRATION,
    "reporting/claims.py": {"report", "all"},
}


@pytest.mark.parametrize("module", sorted(REBUILD_SCOPE))
def test_editing_one_module_reruns_exactly_the_rules_that_run_it_and_their_dependants(built_project, module):
    path = built_project / "src" / "rlp_pipeline" / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n# a change of code\n", encoding="utf-8")
    try:
        assert jobs_planned(built_project) == REBUILD_SCOPE[module]
    finally:
        # Same content again: Snakemake compares the content of small inputs, so nothing is left
        # to re-run for the next test (test_second_run_does_nothing... checks that mechanism).
        path.write_text(original, encoding="utf-8")


def test_every_rule_used_no_more_than_a_third_of_the_memory_and_time_it_declares(built_project):
    from rlp_pipeline.workflow.resources import declared_resources, measured_resources, uncovered

    measured = measured_resources(built_project / "logs" / "benchmarks")
    assert {"validate", "stability_chunk", "report", "audit"} <= set(measured)
    assert uncovered(declared_resources(built_project / "rules"), measured, margin=3) == []


def test_the_summary_shows_whatever_verdict_the_findings_table_holds(built_project, tmp_path):
    from rlp_pipeline.reporting.document import Report

    derived = tmp_path / "derived"
    shutil.copytree(built_project / "data" / "derived", derived)
    findings = pd.read_csv(derived / "findings" / "findings.csv", keep_default_na=False)
    changed = {"F13": "not reproduced", "F14": "trend only", "F15": "not testable"}
    findings["verdict"] = [changed.get(finding, verdict) for finding, verdict in zip(findings["id"], findings["verdict"])]
    findings.to_csv(derived / "findings" / "findings.csv", index=False)
    expected = {"fr": {"F13": "Non reproduit", "F14": "Tendance seulement", "F15": "Non testable"},
                "en": {"F13": "Not reproduced", "F14": "Trend only", "F15": "Not testable"}}
    for language, labels in expected.items():
        report = Report(derived, built_project / "data" / "raw" / "codebook.yaml", language,
                        built_project / "config" / "findings.yaml")
        rows = {line.split("](#sec-")[0].lstrip("| ["): line for line in report.summary_table().splitlines() if "](#sec-" in line}
        for finding, label in labels.items():
            assert label in rows[finding], (language, finding, rows[finding])
