"""The report's stability section and figure, on small synthetic outputs of the stability stage.

The stability stage (``data/derived/stability/``) is written here by :func:`write_stability`, with
the columns and record the stage documents, so that the figure, the alt text, the generated
sentences and the tables can be checked against whatever the files hold: both methods ("redraw"
and "bootstrap"), a finding that could not be assessed, French and English formatting.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from conftest import REPO
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.stages.figures import FINDINGS, STABILITY, VERDICT_COLOURS, WORDS, alt_stability, caption, draw_stability
from rlp_pipeline.reporting.render import escape_markdown
from rlp_pipeline.reporting.document import Report
from rlp_pipeline.reporting import claims

CODEBOOK = REPO / "data" / "raw" / "codebook.yaml"
REGISTRY = REPO / "config" / "findings.yaml"
NNBSP, NBSP = "\u202f", "\u00a0"
VERDICTS = ("reproduced", "partly reproduced", "trend only", "not reproduced", "not testable", "observed")
REASON = "the balance of a bootstrap sample with the population cannot be re-assessed"


def wilson(count: int, total: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval of count / total (written here, independently of the stage)."""
    p = count / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


def stability_rows(findings: list[str], method: str, redraws: int, observed: dict[str, str] | None = None,
                   not_assessed: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per finding as the stability stage writes them, with deterministic, varied counts:
    the share reproduced falls from 100% for the first finding, the rest split between the other
    verdicts."""
    observed = observed or {}
    rows = []
    for index, finding in enumerate(findings):
        row = {"finding": finding, "method": method, "redraws": redraws,
               "observed_verdict": observed.get(finding, "reproduced")}
        if finding in not_assessed:
            row.update({"assessed": False, "not_assessed_reason": REASON, **{v.replace(" ", "_"): "" for v in VERDICTS},
                        "share_reproduced": "", "share_ci_low": "", "share_ci_high": "", "share_same_verdict": ""})
            rows.append(row)
            continue
        reproduced = redraws * (len(findings) - index) // len(findings)
        rest = redraws - reproduced
        counts = {"reproduced": reproduced, "partly reproduced": 0, "trend only": rest // 2,
                  "not reproduced": rest - rest // 2 - rest // 5, "not testable": rest // 5, "observed": 0}
        low, high = wilson(reproduced, redraws)
        row.update({"assessed": True, "not_assessed_reason": "", **{v.replace(" ", "_"): counts[v] for v in VERDICTS},
                    "share_reproduced": reproduced / redraws, "share_ci_low": low, "share_ci_high": high,
                    "share_same_verdict": counts[row["observed_verdict"]] / redraws})
        rows.append(row)
    columns = ["finding", "method", "redraws", "assessed", "not_assessed_reason", "reproduced", "partly_reproduced",
               "trend_only", "not_reproduced", "not_testable", "observed", "share_reproduced", "share_ci_low", "share_ci_high",
               "observed_verdict", "share_same_verdict"]
    return pd.DataFrame(rows)[columns]


def write_stability(derived: Path, method: str = "redraw", redraws: int = 200, seed: int = 4242,
                    simulated: bool = True, observed: dict[str, str] | None = None,
                    not_assessed: tuple[str, ...] | None = None, stratify_by: str | None = None) -> pd.DataFrame:
    """Write ``stability/`` (stability.csv, stability_record.json, redraws.csv, datapackage.json)
    into a derived folder that already holds the findings and the sample, as the stage would."""
    findings = pd.read_csv(derived / "findings" / "findings.csv", keep_default_na=False)["id"].tolist()
    record = json.loads((derived / "sample" / "sampling_record.json").read_text(encoding="utf-8"))
    if not_assessed is None:
        not_assessed = ("M1",) if method == "bootstrap" else ()
    table = stability_rows(findings, method, redraws, observed, not_assessed)
    folder = derived / "stability"
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "stability.csv", index=False)
    (folder / "stability_record.json").write_text(json.dumps({
        "method": method, "redraws": redraws, "chunks": 4, "seed": seed,
        "population_size": record["population_size"], "sample_size": record["sample_size"],
        "fraction": record["fraction"], "stratify_by": stratify_by, "simulated": simulated,
        "statistics_seed": 20180517}, indent=2), encoding="utf-8")
    pd.DataFrame({"redraw": [1], "seed": [seed], "finding": [findings[0]], "verdict": ["reproduced"],
                  "p_deciding": [0.01]}).to_csv(folder / "redraws.csv", index=False)
    fields = lambda names: [{"name": name, "type": "string"} for name in names]  # noqa: E731
    (folder / "datapackage.json").write_text(json.dumps({
        "name": "stability", "simulated": simulated, "resources": [
            {"path": "stability.csv", "title": "Verdicts across alternative samples, per finding",
             "schema": {"fields": fields(table.columns)}},
            {"path": "redraws.csv", "title": "Verdict of every finding on every alternative sample",
             "schema": {"fields": fields(["redraw", "seed", "finding", "verdict", "p_deciding"])}}]}),
        encoding="utf-8")
    return table


# --------------------------------------------------------------------------------------------
# Fixtures: the analysis stages once, then one derived folder per stability variant
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The analysis stages (validation to findings) of the shipped data, run once."""
    from rlp_pipeline.analysis import run_analysis

    folder = tmp_path_factory.mktemp("analysed")
    run_analysis(CODEBOOK, REPO / "data" / "raw" / "datapackage.yaml", REGISTRY, folder,
                 {"fraction": 0.4, "seed": 20180517, "stratify_by": None, "balance_resamples": 1000}, 20180517)
    return folder


@pytest.fixture
def derived(analysed: Path, tmp_path: Path) -> Path:
    """A copy of the analysed folder, for a test to add its own stability outputs."""
    folder = tmp_path / "derived"
    shutil.copytree(analysed, folder)
    return folder


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


def tables_of(derived: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(derived / name, keep_default_na=False, na_values=[""]) for name in (STABILITY, FINDINGS)}


def report(derived: Path, language: str) -> Report:
    return Report(derived, CODEBOOK, language, REGISTRY)


def percent(share: float, language: str) -> str:
    """A share as the report writes it (one decimal), computed here independently of fmt."""
    text = f"{100 * share:.1f}"
    return f"{text.replace('.', ',')}{NNBSP}%" if language == "fr" else f"{text}%"


def table_rows(markdown: str) -> dict[str, list[str]]:
    """The body rows of a pipe table, by finding id (first cell "[F01](#sec-f01)")."""
    rows = {}
    for line in markdown.splitlines():
        match = re.match(r"\| \[(\w+)\]\(#sec-\w+\) \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = [match.group(1)] + match.group(2).split(" | ")
    return rows


# --------------------------------------------------------------------------------------------
# The figure
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["redraw", "bootstrap"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_figure_stacks_each_findings_verdict_shares(derived: Path, codebook, method: str, language: str):
    table = write_stability(derived, method=method, redraws=250,
                            observed={"F05": "trend only", "F13": "not reproduced"})
    findings = pd.read_csv(derived / "findings" / "findings.csv", keep_default_na=False)
    fig = draw_stability(tables_of(derived), codebook, language)
    try:
        ax = fig.axes[0]
        labels = [label.get_text().replace("\n", " ") for label in ax.get_yticklabels()]
        texts = [t.get_text() for t in ax.texts]
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        bars = [[patch for patch in container.patches] for container in ax.containers[:len(VERDICTS)]]
        outlines = [p for p in ax.patches if not p.get_fill() and p.get_edgecolor()[:3] == (0, 0, 0)]
    finally:
        plt.close(fig)
    # One row per finding, in the order of stability.csv, with its id and short statement.
    short = findings.set_index("id")[f"short_{language}"]
    assert labels == [f"{f} \u2013 {short[f]}" for f in table["finding"]]
    # Every verdict in the legend with its codebook label; no word of the other language.
    assert [codebook.label("verdicts", v, language) for v in VERDICTS] == legend[:len(VERDICTS)]
    other = "en" if language == "fr" else "fr"
    assert not any(codebook.label("verdicts", v, other) in " ".join(legend + texts) for v in VERDICTS)
    # Segment widths are the counts over R; assessed findings only.
    assessed = table[table["assessed"]].reset_index(drop=True)
    for column, verdict in enumerate(VERDICTS):
        widths = [bar.get_width() for bar in bars[column]]
        assert widths == pytest.approx((assessed[verdict.replace(" ", "_")].astype(float) / 250).tolist())
    # The actual sample's verdict is outlined: one outline per assessed finding, on its segment.
    assert len(outlines) == len(assessed)
    for outline, (_, row) in zip(outlines, assessed.iterrows()):
        column = VERDICTS.index(row["observed_verdict"])
        left = sum(float(row[v.replace(" ", "_")]) for v in VERDICTS[:column]) / 250
        assert outline.get_x() == pytest.approx(left)
        assert outline.get_width() == pytest.approx(float(row[row["observed_verdict"].replace(" ", "_")]) / 250)
    # The share reproduced is written on the right; a finding not assessed says so.
    for share in assessed["share_reproduced"]:
        assert f"{round(100 * share)}{NNBSP if language == 'fr' else ''}%" in texts
    assert texts.count(WORDS[language]["not_assessed"]) == (1 if method == "bootstrap" else 0)


def test_the_verdict_colours_are_those_of_the_reports_badges():
    css = (REPO / "report" / "style.css").read_text(encoding="utf-8")
    for verdict, colour in VERDICT_COLOURS.items():
        rule = re.search(rf"\.verdict-{verdict.replace(' ', '-')} \{{([^}}]*)\}}", css).group(1)
        assert re.search(r"border-color: (#[0-9A-Fa-f]{6})", rule).group(1).upper() == colour.upper()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_alt_text_lists_every_findings_share(derived: Path, codebook, language: str):
    table = write_stability(derived, method="bootstrap", redraws=1000, observed={"F05": "trend only"})
    alt = alt_stability(tables_of(derived), codebook, language)
    sign = f"{NNBSP}%" if language == "fr" else "%"
    for row in table.itertuples():
        if row.assessed:
            assert f"{row.finding} {round(100 * row.share_reproduced)}{sign}" in alt
        else:
            assert f"{row.finding} {WORDS[language]['not_assessed'].lower()}" in alt
    assert ("1\u202f000" if language == "fr" else "1,000") in alt
    assert codebook.label("verdicts", "trend only", language).lower() in alt
    assert "bootstrap" in alt
    if language == "fr":
        assert not re.search(r"\d%|\d\.\d", alt)
    else:
        assert NNBSP not in alt and not re.search(r"\d,\d(?!\d\d)|\d %", alt)  # "1,000" but never "0,5" or "5 %"
    write_stability(derived, method="redraw", redraws=300)
    redrawn = alt_stability(tables_of(derived), codebook, language)
    assert "bootstrap" not in redrawn and " 300 " in redrawn and redrawn != alt


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_caption_follows_the_stability_record(derived: Path, language: str):
    record = json.loads((derived / "sample" / "sampling_record.json").read_text(encoding="utf-8"))
    bootstrap = {"method": "bootstrap", "redraws": 2000, "simulated": True}
    redraw = {"method": "redraw", "redraws": 500, "simulated": True}
    text = caption("stability", record, language, bootstrap)
    assert ("2\u202f000" if language == "fr" else "2,000") in text and "bootstrap" in text
    assert "500" in caption("stability", record, language, redraw)
    assert "bootstrap" not in caption("stability", record, language, redraw)
    assert f"N = {record['population_size']}" in text
    note = {"fr": "Données simulées.", "en": "Simulated data."}[language]
    assert text.endswith(note)
    real = dict(record, simulated=False)
    assert not caption("stability", real, language, dict(bootstrap, simulated=False)).endswith(note)
    assert caption("stability", real, language, bootstrap).endswith(note)  # either record saying so is enough


# --------------------------------------------------------------------------------------------
# The report's section and summary
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_method_paragraph_follows_the_record(derived: Path, language: str):
    write_stability(derived, method="redraw", redraws=1000, seed=987654)
    redraw = report(derived, language).stability_paragraphs()
    write_stability(derived, method="bootstrap", redraws=400, seed=31337)
    bootstrap = report(derived, language).stability_paragraphs()
    record = json.loads((derived / "sample" / "sampling_record.json").read_text(encoding="utf-8"))
    N, n = str(record["population_size"]), str(record["sample_size"])
    # Numbers from the record, written the language's way; the seed as an identifier.
    assert ("1\u202f000" if language == "fr" else "1,000") in redraw and "987654" in redraw
    assert "400" in bootstrap and "31337" in bootstrap and "987654" not in bootstrap
    for text in (redraw, bootstrap):
        assert N in text and n in text and percent(record["fraction"], language) in text
    # The method's own wording: SHA-256 redraws from the frame, or the bootstrap and its caveat.
    assert "SHA-256" in redraw and "bootstrap" not in redraw
    assert "bootstrap" in bootstrap and "SHA-256" not in bootstrap
    optimistic = {"fr": "optimistes", "en": "optimistic"}[language]
    assert optimistic in bootstrap and optimistic not in redraw
    holm = {"fr": "Holm", "en": "Holm"}[language]
    assert holm in redraw and holm in bootstrap
    not_a_p = {"fr": "ni des valeurs p", "en": "neither p-values"}[language]
    assert not_a_p in redraw and not_a_p in bootstrap
    simple = {"fr": "échantillon aléatoire simple", "en": "simple random sample"}[language]
    assert simple in redraw
    write_stability(derived, method="redraw", stratify_by="region")
    assert {"fr": "stratifié selon region", "en": "stratified by region"}[language] in \
        report(derived, language).stability_paragraphs()


def test_french_typography_of_the_section(derived: Path):
    write_stability(derived, method="bootstrap", redraws=1000)
    french = report(derived, "fr")
    text = french.stability_paragraphs() + french.stability_table()
    assert f"«{NNBSP}reproduit{NNBSP}»" in text  # codebook label, French quotes with narrow no-break spaces
    assert not re.search(r"\d\.\d|\d%", text), "French numbers: decimal comma, narrow space before %"
    assert re.search(rf"\d,\d{NNBSP}%", text) and f"{NNBSP};{NBSP}" in text  # « 94,5 % [90,4 % ; 96,9 %] »
    english = report(derived, "en")
    text = english.stability_paragraphs() + english.stability_table()
    assert NNBSP not in text and not re.search(r"\d,\d(?!\d\d)", text)  # "1,000" but never "94,5"
    assert '"reproduced"' in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_table_and_the_summary_show_whatever_the_csv_holds(derived: Path, codebook, language: str):
    table = write_stability(derived, method="bootstrap", observed={"F05": "trend only"})
    # Change a few values by hand: the report must show them, not anything typed or recomputed.
    table = table.set_index("finding", drop=False)
    changed = ["share_reproduced", "share_ci_low", "share_ci_high", "share_same_verdict"]
    table.loc["F03", changed] = [0.123, 0.101, 0.149, 0.456]
    table.loc["F07", "observed_verdict"] = "not testable"
    table.to_csv(derived / "stability" / "stability.csv", index=False)
    piece = report(derived, language)
    rows, summary = table_rows(piece.stability_table()), table_rows(piece.summary_table())
    assert list(rows) == list(summary) == table["finding"].tolist()
    interval = (f"[{percent(0.101, language)}{NNBSP};{NBSP}{percent(0.149, language)}]" if language == "fr"
                else f"[{percent(0.101, language)}, {percent(0.149, language)}]")
    assert rows["F03"][3] == f"{percent(0.123, language)} {interval}" and rows["F03"][4] == percent(0.456, language)
    stability = 4  # the summary's column "Stabilité / Stability"; below 80% the share is flagged
    assert summary["F03"][stability] == percent(0.123, language) + " ⚠" == claims.stability_flag(0.123, language)
    assert codebook.label("verdicts", "trend only", language) in rows["F05"][2]
    assert codebook.label("verdicts", "not testable", language) in rows["F07"][2]
    not_assessed = {"fr": "non évalué", "en": "not assessed"}[language]
    assert rows["M1"][3] == not_assessed and rows["M1"][4] == "–" and summary["M1"][stability] == not_assessed
    for finding in ("F01", "F10", "M2"):
        share = float(table.loc[finding, "share_reproduced"])
        assert summary[finding][stability] == percent(share, language) + (" ⚠" if share < 0.8 else "")
    header = piece.summary_table().splitlines()[0]
    assert header.endswith({"fr": "| Stabilité | Robustesse |", "en": "| Stability | Robustness |"}[language])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_range_and_the_findings_not_assessed_come_from_the_csv(derived: Path, language: str):
    table = write_stability(derived, method="bootstrap", not_assessed=("M1", "M2"))
    text = report(derived, language).stability_paragraphs()
    assessed = table[table["assessed"]]
    low, high = assessed["share_reproduced"].astype(float).min(), assessed["share_reproduced"].astype(float).max()
    low_ids = assessed.loc[assessed["share_reproduced"].astype(float) == low, "finding"]
    assert percent(low, language) in text and percent(high, language) in text
    assert all(f"[{f}](#sec-{f.lower()})" in text for f in low_ids)
    count = {"fr": f"les {len(assessed)} constats évalués", "en": f"the {len(assessed)} assessed findings"}
    assert count[language] in text
    many = {"fr": "Constats non évalués", "en": "Findings not assessed"}[language]
    assert many in text and "[M1](#sec-m1)" in text and "[M2](#sec-m2)" in text
    # The stage's reason is English text: the English report quotes it, the French one does not.
    assert (escape_markdown(REASON) in text) == (language == "en")
    write_stability(derived, method="redraw")
    text = report(derived, language).stability_paragraphs()
    assert many not in text and {"fr": "Constat non évalué", "en": "Finding not assessed"}[language] not in text
    # The same share everywhere gives one value, not a range.
    same = write_stability(derived, method="redraw")
    same["share_reproduced"] = 0.75
    same.to_csv(derived / "stability" / "stability.csv", index=False)
    text = report(derived, language).stability_paragraphs()
    assert percent(0.75, language) in text and {"fr": "va de", "en": "ranges from"}[language] not in text


def test_the_simulated_warning_follows_the_records(derived: Path):
    write_stability(derived, simulated=True)
    for language, word in (("fr", "Données simulées"), ("en", "Simulated data")):
        notice = report(derived, language).stability_notice()
        assert notice.startswith("::: {.callout-warning}") and word in notice
    record_path = derived / "sample" / "sampling_record.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps(dict(record, simulated=False)), encoding="utf-8")
    assert report(derived, "fr").stability_notice() != ""  # the stability record still says simulated
    write_stability(derived, simulated=False)
    assert report(derived, "fr").stability_notice() == "" and report(derived, "en").stability_notice() == ""


def test_stale_stability_outputs_are_refused(derived: Path):
    table = write_stability(derived)
    table.iloc[:-1].to_csv(derived / "stability" / "stability.csv", index=False)
    with pytest.raises(ValueError, match="rerun the stability stage"):
        report(derived, "en").summary_table()


def test_the_dictionary_and_the_provenance_list_the_stability_stage(derived: Path):
    write_stability(derived, seed=24680)
    piece = report(derived, "en")
    dictionary = piece.dictionary_table()
    assert "`data/derived/stability/stability.csv`" in dictionary
    assert "`data/derived/stability/redraws.csv`" in dictionary
    assert "24680" in piece.provenance_table("fallback", "abc-dirty")
    assert "`abc-dirty`" in piece.provenance_table("fallback", "abc-dirty")  # a code span, not escaped


def test_table_widths_count_the_text_a_reader_sees():
    from rlp_pipeline.reporting.document import table_markdown, visible_length

    badge = "[✔ Reproduced]{.verdict .verdict-reproduced}"
    assert visible_length(badge) == len("✔ Reproduced")
    assert visible_length("[F01](#sec-f01)") == 3
    rows = [["[F01](#sec-f01)", badge, "a long statement " * 5]] * 3
    rule = table_markdown(["Finding", "Verdict", "Statement"], rows).splitlines()[1]
    dashes = [len(cell) for cell in rule.split("|")[1:-1]]
    assert dashes[0] == len("Finding") + 3 and dashes[1] == len("✔ Reproduced") + 3 and dashes[2] == 40
