"""Validation stage: raw coded plans in, clean tables and a validation report out.

Reads the codebook, the data package and the two raw tables, checks every row against the Table
Schema and the codebook, and either returns clean tables or raises :class:`InputError` listing
every problem of every file at once. Nothing is written unless everything is valid, and the raw
files are only ever read.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..coding import double
from ..io.datapackage import DataPackage, Resource, field_is_required, load_codebook_and_package
from ..describe import stage_datapackage
from ..importers.result import import_report_lines, read_import_record
from ..io.outputs import csv_bytes, json_bytes, text_bytes, write_outputs
from ..problems import InputError, Problem, closest, did_you_mean, display_path
from ..io.tables import CsvFile, read_csv_file

log = logging.getLogger("rlp_pipeline.stages.validate")

PLAN_COLUMNS = ["plan_id", "name", "region", "mobilisation_level", "mobilisation_group", "source_line"]
CODING_COLUMNS = [
    "coding_id", "plan_id", "object", "strategy", "substrategy", "status", "excerpt", "coder", "source_line",
]
_CODE_NOUNS = {"objects": "an object", "strategies": "a strategy", "substrategies": "a sub-strategy",
               "statuses": "a status"}
_WHOLE_NUMBER = re.compile(r"[+]?[0-9]+(\.0*)?")  # ASCII digits: float() would also read ١٢


@dataclass
class ValidatedData:
    """Clean tables, the provenance record that travels downstream, and a readable report."""

    plans: pd.DataFrame
    codings: pd.DataFrame
    provenance: dict[str, Any]
    report: str
    # Rows of double-coded plans by their independent coders (the agreement stage's input).
    double_coding: pd.DataFrame | None = None


def validate_inputs(codebook_path: Path | str, datapackage_path: Path | str,
                    coding: double.CodingSetting | None = None) -> ValidatedData:
    """Check the codebook, the data package and the raw tables; return the clean tables.

    `coding` says which coding of a double-coded plan is analysed (see
    :mod:`rlp_pipeline.coding.double`); only those rows are in the clean codings. Raises
    :class:`InputError` with every problem found in any of the files.
    """
    coding = coding or double.CodingSetting()
    codebook, package, problems = load_codebook_and_package(codebook_path, datapackage_path)
    if codebook is None or package is None:
        raise InputError(problems)

    plans_resource, codings_resource = package.resources["plans"], package.resources["codings"]
    plans_file, read_problems = read_csv_file(plans_resource.path, display_path(plans_resource.path))
    problems += read_problems
    codings_file, read_problems = read_csv_file(codings_resource.path, display_path(codings_resource.path))
    problems += read_problems

    plan_rows = coding_rows = None
    if plans_file is not None and not read_problems_for(problems, plans_file.shown_as):
        plan_rows, row_problems = check_rows(plans_file, plans_resource, codebook)
        problems += row_problems
    if codings_file is not None and not read_problems_for(problems, codings_file.shown_as):
        coding_rows, row_problems = check_rows(codings_file, codings_resource, codebook)
        problems += row_problems
    if plan_rows is not None and coding_rows is not None:
        problems += foreign_key_problems(coding_rows, plan_rows, codings_file.shown_as, plans_file.shown_as)
    if coding_rows is not None:
        analysed, coder_problems = double.analysed_mask(coding_rows, coding, codings_file.shown_as)
        problems = sorted(problems + coder_problems, key=lambda p: (p.file, p.line or 0)) if coder_problems else problems
    if problems:
        raise InputError(problems)

    plans = clean_plans(plan_rows, codebook)
    all_codings = clean_codings(coding_rows)
    codings = all_codings[analysed].reset_index(drop=True)
    provenance = provenance_record(codebook, package, {"plans": plans_file, "codings": codings_file},
                                   Path(codebook_path), plans, codings)
    provenance["double_coding"] = double.summary(all_codings, coding, analysed)
    double_coding = double.independent_codings(all_codings, coding).reset_index(drop=True)
    return ValidatedData(plans, codings, provenance, validation_report(provenance, plans, codings), double_coding)


def read_problems_for(problems: list[Problem], shown_as: str) -> bool:
    """Whether a file already has structural problems (then its rows are not checked)."""
    return any(p.file == shown_as for p in problems)


def check_rows(table: CsvFile, resource: Resource, codebook: Codebook) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check a table against its schema and the codebook; return its rows and every problem.

    The checks run column by column over the distinct values of each column (a million codings
    hold a few hundred distinct codes), and a verdict on a value holds for every cell that has
    it; the cells they flag are then explained one by one by :func:`check_cell`, so the messages
    are the same as a cell-by-cell check would give. Rows are returned even when some cells are
    wrong (integer columns then hold NaN there); each row carries its `source_line`. Problems
    come in file order.
    """
    problems = missing_column_problems(table, resource)
    if problems:
        return None, problems
    lines = table.lines
    rows = pd.DataFrame({"source_line": lines})
    found: list[tuple[int, int, Problem]] = []
    for position, field in enumerate(resource.fields):
        name = field["name"]
        cells = table.column(name) if name in table.header else np.full(table.row_count, "", dtype=object)
        codes, distinct = pd.factorize(cells)
        values = pd.Series(distinct, dtype=str)
        for index in np.flatnonzero(suspect_cells(values, field, codebook)[codes]):
            _, problem = check_cell(cells[index], field, codebook, table.shown_as, int(lines[index]))
            if problem:
                found.append((int(lines[index]), position, problem))
        if (field.get("constraints") or {}).get("unique"):
            found += [(line, position, problem) for line, problem
                      in duplicate_problems(pd.Series(cells, dtype=str), lines, field, table.shown_as)]
        rows[name] = pd.to_numeric(values, errors="coerce").to_numpy()[codes] if field.get("type") == "integer" else cells
    if resource.name == "codings":
        found += [(line, len(resource.fields), problem) for line, problem in parent_mismatches(rows, codebook, table.shown_as)]
    return rows, [problem for _, _, problem in sorted(found, key=lambda item: (item[0], item[1]))]


def suspect_cells(values: pd.Series, field: dict, codebook: Codebook) -> np.ndarray:
    """Cells of a column that may break its field's rules (vectorised); :func:`check_cell` then
    says which rule and how."""
    constraints = field.get("constraints") or {}
    empty = (values == "").to_numpy()
    suspect = empty.copy() if field_is_required(field) else np.zeros(len(values), dtype=bool)
    filled = ~empty
    section = field.get("codebook")
    if field.get("type") == "integer":
        whole = values.str.fullmatch(_WHOLE_NUMBER.pattern).to_numpy(dtype=bool)
        numbers = pd.to_numeric(values.where(whole), errors="coerce").to_numpy(dtype=float)
        valid = whole.copy()
        if constraints.get("minimum") is not None:
            valid &= numbers >= constraints["minimum"]
        if constraints.get("maximum") is not None:
            valid &= numbers <= constraints["maximum"]
        if section:
            valid &= np.isin(np.floor(np.nan_to_num(numbers, nan=-1.0)), codebook.ids(section))
        return suspect | (filled & ~valid)
    if constraints.get("maxLength") is not None:
        suspect |= (values.str.len() > constraints["maxLength"]).to_numpy(dtype=bool)
    if constraints.get("pattern"):
        suspect |= filled & ~values.str.fullmatch(constraints["pattern"]).to_numpy(dtype=bool)
    if section:
        suspect |= filled & ~values.isin([str(code) for code in codebook.ids(section)]).to_numpy()
    return suspect


def duplicate_problems(values: pd.Series, lines: np.ndarray, field: dict, shown_as: str) -> list[tuple[int, Problem]]:
    """A problem for each repeat of a value in a column that must hold each value once,
    pointing at the line where the value first appears."""
    filled = values != ""
    repeats = np.flatnonzero((filled & values.duplicated(keep="first")).to_numpy())
    first_line = dict(zip(values[filled].iloc[::-1], lines[filled.to_numpy()][::-1]))
    what = field.get("title", field["name"]).lower()
    return [(int(lines[i]), Problem(shown_as, int(lines[i]), field["name"], values.iat[i],
                                    f"each {what} once (it is already at line {first_line[values.iat[i]]})"))
            for i in repeats]


def parent_mismatches(rows: pd.DataFrame, codebook: Codebook, shown_as: str) -> list[tuple[int, Problem]]:
    """Codings whose sub-strategy belongs to another strategy than the coded one."""
    parents = {sub: codebook.parent(sub) for sub in codebook.ids("substrategies")}
    known = rows["substrategy"].isin(parents) & rows["strategy"].isin(codebook.ids("strategies"))
    mismatch = known & (rows["substrategy"].map(parents) != rows["strategy"])
    return [(int(row.source_line), problem) for row in rows[mismatch].itertuples()
            for problem in parent_problems({"strategy": row.strategy, "substrategy": row.substrategy},
                                           codebook, shown_as, int(row.source_line))]


def missing_column_problems(table: CsvFile, resource: Resource) -> list[Problem]:
    """A problem for each required column absent from the header, with a suggestion."""
    problems = []
    for field in resource.fields:
        if field["name"] not in table.header and field_is_required(field):
            near = closest(field["name"], [h for h in table.header if h])
            hint = f"Is the column '{near}' meant to be it? Rename it to '{field['name']}'." if near else None
            problems.append(Problem(
                table.shown_as, 1, field["name"], None,
                f"a column named '{field['name']}' ({field.get('title', '')}); the header has: "
                + ", ".join(table.header) + f" (read as {table.encoding}, delimiter '{table.delimiter}')",
                hint,
            ))
    return problems


def check_cell(value: str, field: dict, codebook: Codebook, shown_as: str, line: int) -> tuple[Any, Problem | None]:
    """Check one cell against its Table Schema field and codebook section.

    Returns the typed value (int for integer fields, str otherwise, None when invalid) and the
    problem found, if any.
    """
    name = field["name"]
    constraints = field.get("constraints") or {}
    if value == "":
        if field_is_required(field):
            return None, Problem(shown_as, line, name, "", f"{_describe(field, codebook)} (this column is required)")
        return "", None
    if field.get("type") == "integer":
        if not _WHOLE_NUMBER.fullmatch(value):
            return None, Problem(shown_as, line, name, value, _describe(field, codebook))
        number = int(float(value))
        low, high = constraints.get("minimum"), constraints.get("maximum")
        section = field.get("codebook")
        if (low is not None and number < low) or (high is not None and number > high) or (
            section and number not in codebook.ids(section)
        ):
            return None, Problem(shown_as, line, name, value, _describe(field, codebook))
        return number, None
    longest = constraints.get("maxLength")
    if longest is not None and len(value) > longest:
        return None, Problem(shown_as, line, name, value[:40] + "…",
                             f"at most {longest:,} characters in column '{name}' (this value has {len(value):,}; "
                             "the limit is documented in data/raw/datapackage.yaml)",
                             "Shorten the text: the report quotes it, and its length bounds the time to render it.")
    pattern = constraints.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        return None, Problem(shown_as, line, name, value,
                             "an identifier made of letters, digits, '-', '_' or '.', starting with a letter or digit")
    section = field.get("codebook")
    if section and value not in codebook.ids(section):
        return None, Problem(shown_as, line, name, value, _describe(field, codebook),
                             did_you_mean(value, codebook.spellings(section)))
    return value, None


def _describe(field: dict, codebook: Codebook) -> str:
    """What a valid value of a field looks like, in plain words, with the codes when few."""
    section = field.get("codebook")
    constraints = field.get("constraints") or {}
    if section == "mobilisation_levels":
        levels = ", ".join(f"{c.id} {c.label['en']}" for c in codebook.codes(section))
        return f"a mobilisation level on Himmelman's scale: a whole number from 1 to 4 ({levels})"
    if section == "regions":
        return f"the number of an administrative region of Québec, a whole number from 1 to {len(codebook.ids(section))}"
    if section:
        noun = _CODE_NOUNS.get(section, f"a code of '{section}'")
        return f"{noun} code from the codebook: " + ", ".join(map(str, codebook.ids(section)))
    if field.get("type") == "integer":
        return f"a whole number from {constraints.get('minimum')} to {constraints.get('maximum')}"
    return f"a value for {field.get('title', field['name']).lower()}"


def parent_problems(row: dict, codebook: Codebook, shown_as: str, line: int) -> list[Problem]:
    """A problem when a coding's sub-strategy does not belong to its coded strategy."""
    strategy, substrategy = row.get("strategy"), row.get("substrategy")
    if not strategy or not substrategy:
        return []
    parent = codebook.parent(substrategy)
    if parent == strategy:
        return []
    siblings = ", ".join(codebook.substrategies_of(strategy))
    return [Problem(shown_as, line, "substrategy", substrategy,
                    f"a sub-strategy of the coded strategy '{strategy}' ({siblings}); "
                    f"'{substrategy}' belongs to '{parent}'")]


def foreign_key_problems(codings: pd.DataFrame, plans: pd.DataFrame, codings_shown: str, plans_shown: str) -> list[Problem]:
    """A problem for each coding whose plan is absent from the sampling frame."""
    listed = plans["plan_id"][plans["plan_id"] != ""]
    absent = (codings["plan_id"] != "") & ~codings["plan_id"].isin(listed.unique())
    if not absent.any():
        return []
    plan_ids = listed.tolist()
    return [Problem(codings_shown, int(row.source_line), "plan_id", row.plan_id,
                    f"the id of a plan listed in {plans_shown}", did_you_mean(row.plan_id, plan_ids))
            for row in codings[absent].itertuples()]


def clean_plans(plans: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The sampling frame as a typed table, with each plan's mobilisation group added."""
    plans = plans.copy()
    if "name" not in plans:
        plans["name"] = ""
    groups = {level: codebook.group_of_level(level) for level in codebook.ids("mobilisation_levels")}
    plans["mobilisation_group"] = plans["mobilisation_level"].astype("int64").map(groups)
    return plans[PLAN_COLUMNS].astype({"region": "int64", "mobilisation_level": "int64", "source_line": "int64"})


def clean_codings(codings: pd.DataFrame) -> pd.DataFrame:
    """The codings as a table, numbered in file order (`coding_id`) so each stays traceable."""
    codings = codings.copy()
    for optional in ("substrategy", "excerpt", "coder"):
        if optional not in codings:
            codings[optional] = ""
    codings.insert(0, "coding_id", np.arange(1, len(codings) + 1, dtype="int64"))
    return codings[CODING_COLUMNS]


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, to record exactly which input a result came from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance_record(codebook: Codebook, package: DataPackage, files: dict[str, CsvFile], codebook_path: Path,
                      plans: pd.DataFrame, codings: pd.DataFrame) -> dict[str, Any]:
    """What the clean tables came from: checksums, encodings, counts and the simulated flag."""
    inputs = {
        display_path(codebook_path): {"sha256": sha256_of(codebook_path)},
        display_path(package.path): {"sha256": sha256_of(package.path)},
    }
    for name, table in files.items():
        path = package.resources[name].path
        inputs[display_path(path)] = {
            "sha256": sha256_of(path), "encoding": table.encoding,
            "delimiter": table.delimiter, "rows": table.row_count,
            "blank_rows_skipped": table.blank_rows_skipped,
            "ignored_columns": [c for c in table.header if c not in {f["name"] for f in package.resources[name].fields}],
        }
    coded_plans = codings["plan_id"].unique()
    record = {
        "simulated": package.simulated,
        "simulation": package.simulation,
        "codebook_version": codebook.version,
        "inputs": inputs,
        "counts": {
            "plans_in_frame": int(len(plans)),
            "codings": int(len(codings)),
            "plans_with_codings": int(plans["plan_id"].isin(coded_plans).sum()),
            "plans_without_codings": int((~plans["plan_id"].isin(coded_plans)).sum()),
        },
    }
    # Tables written by the import stage carry what it read and left out (unmapped codes).
    imported = read_import_record(package.path.parent)
    if imported is not None:
        record["import"] = imported
    return record


def validation_report(provenance: dict[str, Any], plans: pd.DataFrame, codings: pd.DataFrame) -> str:
    """A short Markdown report of what was read and accepted, for the reviewer's audit trail."""
    lines = ["# Validation report", ""]
    if provenance["simulated"]:
        lines += ["**Simulated data.** These tables were written by the simulator "
                  f"({provenance['simulation'].get('generator', '')}), not coded from real plans.", ""]
    lines += ["All checks passed: every column the schema requires is present, every code is in the "
              "codebook, every sub-strategy belongs to its strategy, plan ids are unique and every "
              "coding refers to a plan of the frame.", "",
              "| file | encoding | delimiter | data rows | blank rows skipped | ignored columns | SHA-256 |",
              "|---|---|---|---|---|---|---|"]
    for path, facts in provenance["inputs"].items():
        ignored = ", ".join(facts.get("ignored_columns", [])) or ("none" if "rows" in facts else "")
        lines.append(f"| `{path}` | {facts.get('encoding', 'utf-8')} | {facts.get('delimiter', '')!s} | "
                     f"{facts.get('rows', '')} | {facts.get('blank_rows_skipped', '')} | {ignored} | "
                     f"`{facts['sha256'][:16]}…` |")
    counts = provenance["counts"]
    lines += ["", f"- Plans in the sampling frame: {counts['plans_in_frame']}",
              f"- Coded passages: {counts['codings']}",
              f"- Plans with at least one coding: {counts['plans_with_codings']}",
              f"- Plans without codings: {counts['plans_without_codings']} (normal when only the sampled plans were coded)",
              "", "Plans by mobilisation level: "
              + ", ".join(f"{level}: {n}" for level, n in plans["mobilisation_level"].value_counts().sort_index().items())]
    lines += double.report_lines(provenance.get("double_coding"))
    lines += import_report_lines(provenance.get("import"))
    return "\n".join(lines)


def write_validated(validated: ValidatedData, out_dir: Path | str) -> None:
    """Write the clean tables, the provenance record and the report into `out_dir`."""
    out_dir = Path(out_dir)
    double_coding = validated.double_coding if validated.double_coding is not None else validated.codings.iloc[:0]
    tables = {"plans.csv": validated.plans, "codings.csv": validated.codings, "double_coding.csv": double_coding}
    write_outputs({
        out_dir / "plans.csv": csv_bytes(validated.plans),
        out_dir / "codings.csv": csv_bytes(validated.codings),
        out_dir / "double_coding.csv": csv_bytes(double_coding),
        out_dir / "provenance.json": json_bytes(validated.provenance),
        out_dir / "validation_report.md": text_bytes(validated.report),
        out_dir / "datapackage.json": json_bytes(
            stage_datapackage("validated", TABLES, tables, validated.provenance["simulated"])),
    })


_SOURCE_LINE = "Line of the raw file this row comes from (the header is line 1), to trace it back."
TABLES = {
    "plans.csv": {
        "title": "Sampling frame, validated",
        "description": "data/raw/plans.csv after validation: typed, trimmed, with each plan's mobilisation group.",
        "columns": {
            "plan_id": "Identifier of the plan (unique).", "name": "Name of the group (may be empty).",
            "region": "Number of the administrative region of Québec (codebook regions).",
            "mobilisation_level": "Rating on Himmelman's scale, 1 networking to 4 collaboration.",
            "mobilisation_group": "Group of the level in the codebook: 1-2 or 3-4.", "source_line": _SOURCE_LINE,
        },
    },
    "codings.csv": {
        "title": "Coded passages, validated",
        "description": "data/raw/codings.csv after validation: every code checked against the codebook.",
        "columns": {
            "coding_id": "Number of the coded passage, in file order (1 = first data row).",
            "plan_id": "Identifier of the coded plan (in plans.csv).", "object": "Object code (codebook objects).",
            "strategy": "Strategy code (codebook strategies).",
            "substrategy": "Sub-strategy code (codebook substrategies), empty when none was coded.",
            "status": "applied or intended (codebook statuses).", "excerpt": "Quoted passage, plain text (may be empty).",
            "coder": "Who coded the passage (may be empty).", "source_line": _SOURCE_LINE,
        },
    },
}
# Double coding (rlp_pipeline.coding.double): same columns, other rows.
TABLES["double_coding.csv"] = {
    "title": "Independent codings of the double-coded plans",
    "description": "Every row of data/raw/codings.csv that belongs to a plan coded independently by two or more "
                   "people, by those people (not the reconciled coding): the input of the agreement stage. Only "
                   "the analysed coding (setting coding.analysed) is in codings.csv.",
    "columns": TABLES["codings.csv"]["columns"],
}


def run_validation(codebook_path: Path | str, datapackage_path: Path | str, out_dir: Path | str,
                   coding: double.CodingSetting | None = None) -> ValidatedData:
    """The validation stage: check everything, then write the outputs (nothing on failure)."""
    log.info("Validating %s and the tables of %s", codebook_path, datapackage_path)
    validated = validate_inputs(codebook_path, datapackage_path, coding)
    for path, facts in validated.provenance["inputs"].items():
        if "rows" in facts:
            log.info("Read %s: %d rows (%s, delimiter %r)", path, facts["rows"], facts["encoding"], facts["delimiter"])
    if validated.provenance["simulated"]:
        log.warning("The data package says these tables are SIMULATED; every output will say so.")
    write_validated(validated, out_dir)
    log.info("Wrote clean tables and the validation report to %s", out_dir)
    return validated
