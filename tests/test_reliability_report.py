"""The report's coding-reliability pieces: flags computed from the registry and the agreement
tables, the summary's note, and every word in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, nested_keys
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.registry import load_registry
from rlp_pipeline.reporting import reliability, reliability_figure
from rlp_pipeline.reporting.reliability import Reliability, finding_dimensions

CODEBOOK = REPO / "data" / "raw" / "codebook.yaml"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def registry(codebook):
    return load_registry(REPO / "config" / "findings.yaml", codebook)


def write(derived: Path, alphas: dict[str, float] | None) -> Path:
    """An agreement folder: plan-unit rows with the given alphas (None: no double coding)."""
    folder = derived / "agreement"
    folder.mkdir(parents=True)
    rows = []
    for dimension, alpha in (alphas or {}).items():
        verdict = "reliable" if alpha >= 0.8 else "tentative" if alpha >= 0.667 else "unreliable"
        rows.append({"unit": "plan", "dimension": dimension, "plans": 28, "units": 100,
                     **{f"{s}{p}": v for s in ("percent_agreement", "kappa", "alpha")
                        for p, v in (("", alpha), ("_low", alpha - 0.1), ("_high", min(alpha + 0.1, 1)))},
                     "verdict": verdict, "reliable_from": 0.8, "tentative_from": 0.667})
    pd.DataFrame(rows).to_csv(folder / "dimensions.csv", index=False)
    record = {"assessed": bool(alphas), "double_coded_plans": 28 if alphas else 0, "coders": ["A", "B"],
              "analysed_coding": {"analysed": "reference", "reference_coder": None}, "resamples": 1000,
              "simulated": True, "thresholds": {"reliable": 0.8, "tentative": 0.667, "source": "Krippendorff 2004"}}
    (folder / "agreement_record.json").write_text(json.dumps(record), encoding="utf-8")
    return derived


def test_dimensions_of_each_finding_come_from_its_components(registry):
    dims = {f.id: finding_dimensions(f) for f in registry.findings}
    assert dims["F05"] == ["object"]
    assert dims["F06"] == ["object", "strategy"]
    assert dims["F01"] == ["strategy", "status"]
    assert dims["F04"] == ["strategy", "status"]
    assert dims["F09"] == ["substrategy"]
    assert dims["F16"] == ["strategy", "substrategy"]
    assert dims["M1"] == [] and dims["M2"] == []


def test_findings_resting_on_a_weak_dimension_are_flagged(tmp_path, codebook, registry):
    derived = write(tmp_path, {"object": 0.9, "strategy": 0.7, "substrategy": 0.5, "status": 0.85})
    fr = Reliability(derived, codebook, registry, "fr")
    en = Reliability(derived, codebook, registry, "en")
    assert fr.flag("F05") == ""  # objects only: reliable
    assert "stratégie" in fr.flag("F02") and "provisoire" in fr.flag("F02") and "α = 0,70" in fr.flag("F02")
    assert "the strategy dimension, tentative (α = 0.70)" in en.flag("F02")
    assert "unreliable (α = 0.50)" in en.flag("F09")
    note = en.summary_note()
    assert "[F05]" not in note and "[F02](#sec-f02)" in note and "[F09](#sec-f09)" in note
    assert "M1" not in note
    assert "tbl-reliability" in fr.table() and "0,90 [0,80" in fr.table()
    assert "the coding analysed is that of the first coder of each plan" in en.paragraphs()
    assert "Krippendorff, K. (2004)" in fr.paragraphs() and "α ≥ 0,800" in fr.paragraphs()


def test_summary_says_when_reliability_was_not_assessed(tmp_path, codebook, registry):
    derived = write(tmp_path, None)
    for language, words in (("fr", "Fiabilité du codage non évaluée"), ("en", "Coding reliability not assessed")):
        piece = Reliability(derived, codebook, registry, language)
        assert words in piece.summary_note() and words in piece.paragraphs()
        assert piece.flag("F02") == "" and piece.table() == ""


def test_every_word_exists_in_both_languages():
    for words in (reliability.TEXT, reliability_figure.WORDS, reliability_figure.DIMENSION_LABELS,
                  reliability_figure.CAPTION, reliability_figure.ALT):
        assert nested_keys(words["fr"]) == nested_keys(words["en"])


def test_the_report_has_the_reliability_section_in_both_languages():
    text = (REPO / "report" / "index.qmd").read_text(encoding="utf-8")
    # The heading is written once, by R.heading, so that Quarto sees #sec-reliability only once.
    assert 'R.heading("reliability")' in text
    from rlp_pipeline.reporting.document import TEXT

    assert TEXT["fr"]["headings"]["reliability"] == "Fiabilité du codage"
    assert TEXT["en"]["headings"]["reliability"] == "Coding reliability"
    assert 'R.figure("reliability")' in text and "R.reliability.summary_note()" in text
