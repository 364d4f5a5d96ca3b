"""Double coding: how it is recorded, which coding validation keeps, and the simulator's second coder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import RAW, SMALL_CODINGS, folder_digest
from rlp_pipeline.cli import EXIT_INPUT_PROBLEM, main
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.simulate import (
    load_simulation_parameters,
    simulate_double_coding,
    simulate_population,
    write_population,
)

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "config" / "simulation.yaml"

# RLP-001 coded by AB (primary) and EF (second), RLP-002 by CD only.
DOUBLE = SMALL_CODINGS + """RLP-001,activities,institutionalisation,inst_engagement,applied,Une phrase,EF
RLP-001,relations,resources,res_financial,intended,,EF
"""
RECONCILED = DOUBLE + """RLP-001,activities,institutionalisation,inst_expertise,applied,Une phrase,reconciled
"""


def validate(raw_dir: Path, out_dir: Path, *options: str) -> int:
    return main(["--quiet", "validate", "--codebook", str(raw_dir / "codebook.yaml"),
                 "--datapackage", str(raw_dir / "datapackage.yaml"), "--out", str(out_dir), *options])


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_reference_setting_analyses_the_primary_coder_and_keeps_the_others_for_agreement(raw_dir, tmp_path):
    (raw_dir / "codings.csv").write_text(DOUBLE, encoding="utf-8")
    assert validate(raw_dir, tmp_path / "v") == 0
    codings, double = read(tmp_path / "v" / "codings.csv"), read(tmp_path / "v" / "double_coding.csv")
    assert codings["coding_id"].tolist() == ["1", "2", "3", "4", "5", "6"]  # the EF rows are not analysed
    assert sorted(double["coder"].unique()) == ["AB", "EF"] and set(double["plan_id"]) == {"RLP-001"}
    assert double["source_line"].tolist() == ["2", "3", "8", "9"]
    assert "Double coding: 1 plans" in (tmp_path / "v" / "validation_report.md").read_text()


def test_named_reference_coder_is_analysed(raw_dir, tmp_path):
    (raw_dir / "codings.csv").write_text(DOUBLE, encoding="utf-8")
    assert validate(raw_dir, tmp_path / "v", "--reference-coder", "EF") == 0
    codings = read(tmp_path / "v" / "codings.csv")
    assert codings[codings["plan_id"] == "RLP-001"]["coder"].tolist() == ["EF", "EF"]
    assert codings[codings["plan_id"] == "RLP-002"]["coder"].tolist() == ["CD"]  # single-coded: as it is


def test_reconciled_setting_analyses_the_reconciled_rows_and_leaves_them_out_of_agreement(raw_dir, tmp_path):
    (raw_dir / "codings.csv").write_text(RECONCILED, encoding="utf-8")
    assert validate(raw_dir, tmp_path / "v", "--analysed", "reconciled") == 0
    codings, double = read(tmp_path / "v" / "codings.csv"), read(tmp_path / "v" / "double_coding.csv")
    assert codings[codings["plan_id"] == "RLP-001"]["source_line"].tolist() == ["10"]
    assert "reconciled" not in set(double["coder"])


def test_double_coded_plan_without_reconciled_coding_is_refused_clearly(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").write_text(DOUBLE, encoding="utf-8")
    before = folder_digest(raw_dir)
    assert validate(raw_dir, tmp_path / "v", "--analysed", "reconciled") == EXIT_INPUT_PROBLEM
    message = capsys.readouterr().err
    assert "codings.csv, line 2, column 'coder': found 'AB, EF'" in message
    assert "rows with coder 'reconciled' for plan 'RLP-001'" in message
    assert "coding.analysed: reference" in message
    assert not (tmp_path / "v").exists() and folder_digest(raw_dir) == before


def test_absent_reference_coder_and_unnamed_rows_are_refused(raw_dir, tmp_path, capsys):
    (raw_dir / "codings.csv").write_text(DOUBLE + "RLP-001,activities,resources,,applied,,\n", encoding="utf-8")
    assert validate(raw_dir, tmp_path / "v", "--reference-coder", "XY") == EXIT_INPUT_PROBLEM
    message = capsys.readouterr().err
    assert "line 2, column 'coder': found 'AB, EF'; expected rows with coder 'XY' for plan 'RLP-001'" in message
    assert "line 10, column 'coder': found an empty value; expected the coder of this passage" in message


# --- the simulator's second coder -------------------------------------------------------------


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(RAW / "codebook.yaml")


@pytest.fixture(scope="module")
def parameters():
    return load_simulation_parameters(PARAMETERS)


def test_shipped_codings_are_the_primary_coding_then_the_second_coders_rows(parameters, codebook):
    plans, primary = simulate_population(dict(parameters), codebook)
    shipped = read(RAW / "codings.csv")
    head = shipped.iloc[:len(primary)].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, primary.astype(str), check_dtype=False)
    second = shipped.iloc[len(primary):]
    share = parameters["double_coding"]["share"]
    assert second["plan_id"].nunique() == int(np.floor(share * len(plans) + 0.5))
    first_coder = primary.groupby("plan_id")["coder"].first()
    assert (second["coder"].to_numpy() != first_coder[second["plan_id"]].to_numpy()).all()
    # Same passages (spans): the second coder's excerpts are the primary coder's, row for row.
    copied = primary[primary["plan_id"].isin(second["plan_id"])]
    assert second["excerpt"].tolist() == copied["excerpt"].tolist()


def test_primary_coding_does_not_depend_on_double_coding(parameters, codebook, tmp_path):
    without = dict(parameters, double_coding={"share": 0.0, "keep": parameters["double_coding"]["keep"]})
    write_population(without, codebook, tmp_path / "without")
    write_population(parameters, codebook, tmp_path / "with")
    assert (tmp_path / "with" / "plans.csv").read_bytes() == (tmp_path / "without" / "plans.csv").read_bytes()
    assert (tmp_path / "with" / "codings.csv").read_bytes().startswith((tmp_path / "without" / "codings.csv").read_bytes())


def test_second_coder_keeps_each_dimension_with_the_set_probability(parameters, codebook):
    keep = {"object": 0.7, "strategy": 0.8, "substrategy": 0.6, "status": 0.9}
    varied = dict(parameters, n_plans=1500, double_coding={"share": 1.0, "keep": keep})
    plans, primary = simulate_population(varied, codebook)
    second = simulate_double_coding(plans, primary, varied, codebook)
    assert len(second) == len(primary)
    for dimension in ("object", "strategy", "status"):
        kept = (second[dimension].to_numpy() == primary[dimension].to_numpy()).mean()
        assert kept == pytest.approx(keep[dimension], abs=0.015), dimension
    same_strategy = (second["strategy"].to_numpy() == primary["strategy"].to_numpy()) & (primary["substrategy"] != "").to_numpy()
    kept_sub = (second["substrategy"].to_numpy()[same_strategy] == primary["substrategy"].to_numpy()[same_strategy]).mean()
    assert kept_sub == pytest.approx(keep["substrategy"], abs=0.015)
    # A sub-strategy always belongs to its strategy, replaced or not.
    filled = second[second["substrategy"] != ""]
    assert all(codebook.parent(sub) == strategy for sub, strategy in zip(filled["substrategy"], filled["strategy"]))


def test_double_coding_parameters_are_checked(parameters, codebook):
    broken = dict(parameters, double_coding={"share": 1.5, "keep": parameters["double_coding"]["keep"]})
    with pytest.raises(ValueError, match="double_coding.share"):
        simulate_population(broken, codebook)
    broken = dict(parameters, double_coding={"share": 0.2, "keep": {"object": 0.9}})
    with pytest.raises(ValueError, match="double_coding.keep"):
        simulate_population(broken, codebook)


def test_implied_alpha_is_what_a_large_double_coded_population_shows(parameters, codebook):
    """The analytic alpha of the error model against a Monte Carlo estimate: 2,000 plans all
    double-coded, estimated with the agreement stage's own units and the krippendorff package."""
    from rlp_pipeline.simulate import double_coding_parameters, implied_alpha
    from rlp_pipeline.stages.agreement import dimension_codes, unit_matrix, use_table, with_contexts
    from rlp_pipeline.stats.agreement import krippendorff_alpha

    varied = dict(parameters, n_plans=2000, double_coding=dict(parameters["double_coding"], share=1.0))
    plans, primary = simulate_population(varied, codebook)
    second = simulate_double_coding(plans, primary, varied, codebook)
    both = pd.concat([primary, second], ignore_index=True).assign(source_line=0)
    keep = double_coding_parameters(varied)["keep"]
    for unit in ("plan", "passage"):
        implied = implied_alpha(primary, keep, codebook, unit)
        contexts = with_contexts(both)[unit]
        for dimension, codes in dimension_codes(codebook).items():
            matrix, _, _, _ = unit_matrix(use_table(contexts, dimension, codes))
            assert krippendorff_alpha(matrix) == pytest.approx(implied[dimension], abs=0.02), (unit, dimension)


def test_expected_binary_alpha_by_hand():
    from rlp_pipeline.stats.agreement import expected_binary_alpha

    # Two units, first coder 1 and 0, second coder certain to copy: alpha 1.
    assert expected_binary_alpha(np.array([1, 0]), np.array([1.0, 0.0])) == pytest.approx(1.0)
    # First coder 1, 0; second 1 with probability 0.5 on both: n = 4, E[o_01] = 0.5 + 0.5 = 1,
    # E[n_1] = 1 + 1 = 2, E[n_0] = 2: alpha = 1 - 3 × 1 / 4 = 0.25.
    assert expected_binary_alpha(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.25)


# --- analysed_mask against its definition, row by row (Hypothesis) --------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from rlp_pipeline.coding.double import CodingSetting, analysed_mask  # noqa: E402


def mask_by_definition(rows: list[tuple[str, str]], setting: CodingSetting) -> tuple[list[bool], list[int]]:
    """Which rows are analysed, and the (1-based) rows that get a problem, read off the setting's
    wording one row at a time: a plan with two or more distinct named coders keeps the rows of the
    chosen coder (the reconciled one, else the reference coder, else its first coder); its rows
    without a coder are problems, and so is its first row when the chosen coder is absent."""
    coders_of: dict[str, list[str]] = {}
    for plan, coder in rows:
        if coder and coder not in coders_of.setdefault(plan, []):
            coders_of[plan].append(coder)
        coders_of.setdefault(plan, [])
    keep, problem_rows = [], []
    for number, (plan, coder) in enumerate(rows, start=1):
        coders = coders_of[plan]
        if len(coders) < 2:
            keep.append(True)
            continue
        wanted = (setting.reconciled_coder if setting.analysed == "reconciled"
                  else setting.reference_coder or coders[0])
        if coder == "":
            problem_rows.append(number)
        if wanted not in coders:
            if number == next(i for i, (p, _) in enumerate(rows, start=1) if p == plan):
                problem_rows.append(number)
            keep.append(True)
        else:
            keep.append(coder == wanted)
    return keep, sorted(problem_rows)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3", "P4"]),
                               st.sampled_from(["", "AB", "EF", "reconciled"])), min_size=1, max_size=25),
       setting=st.sampled_from([CodingSetting(), CodingSetting(reference_coder="EF"),
                                CodingSetting(analysed="reconciled")]))
def test_analysed_mask_agrees_with_its_definition_row_by_row(rows, setting):
    codings = pd.DataFrame({"plan_id": [p for p, _ in rows], "coder": [c for _, c in rows],
                            "source_line": range(1, len(rows) + 1)})
    keep, problems = analysed_mask(codings, setting, "codings.csv")
    expected_keep, expected_problem_rows = mask_by_definition(rows, setting)
    assert keep.tolist() == expected_keep
    assert sorted(p.line for p in problems) == expected_problem_rows


def test_plan_coders_lists_each_plans_coders_in_order_of_first_appearance():
    """Against a row-by-row reading: empty coders and rows without a plan id are skipped, each
    plan's coders listed once in the order of their first row, the plans in the order of theirs."""
    from hypothesis import given, settings, strategies as st

    from rlp_pipeline.coding.double import plan_coders

    def by_rows(codings: pd.DataFrame) -> dict:
        result: dict = {}
        for plan, coder in zip(codings["plan_id"], codings["coder"]):
            if isinstance(plan, str) and str(coder) != "" and str(coder) not in result.setdefault(plan, []):
                result[plan].append(str(coder))
        return {plan: coders for plan, coders in result.items() if coders}

    rows = st.lists(st.tuples(st.sampled_from(["RLP-1", "RLP-2", "RLP-3", "", None]),
                              st.sampled_from(["AB", "EF", "", "reconciled"])), max_size=25)

    @settings(max_examples=300, deadline=None)
    @given(rows)
    def check(pairs):
        codings = pd.DataFrame(pairs, columns=["plan_id", "coder"], dtype=object)
        found = plan_coders(codings)
        assert found == by_rows(codings) and list(found) == list(by_rows(codings))

    check()
