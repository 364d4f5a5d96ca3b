"""Read back what a rendered report shows and check it against the derived tables.

The report is an output to verify, not only to render: every number and verdict the summary table
and each finding's section show is read from the HTML (or the PDF text) and compared with the
derived table and column it must come from, formatted in the document's language with
rlp_pipeline.fmt. The expected values are derived here from the tables' documented meaning
(findings.csv, components.csv, battery.csv, stability.csv), not by calling the report's own
functions, so that a report function reading the wrong column, the wrong finding or rounding
differently is caught.

Only the words come from their single place (the codebook's labels, report.TEXT's headers and
direction words); columns are found by their header, rows by their finding, component number or
code label, so the checks follow the layout as it changes.

Each check returns a list of mismatches (plain sentences naming the document, the finding, the
column, what is shown and what the table says); an empty list means the document agrees.
"""

from __future__ import annotations

import html as html_module
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.fmt import format_count, format_number, format_p, format_percent
from rlp_pipeline.reporting.document import TEXT

NBSP, NNBSP = "\u00a0", "\u202f"
SHARE_KINDS = ("majority", "paired_difference", "group_difference")
COUNT_KINDS = ("presence", "coverage")

# The report's stability threshold (README, « Limites et validité »): shares below it are flagged.
UNSTABLE_BELOW = 0.80
# How the components table words the direction of the quantifier "all" (written here, not read
# from the report's code, so that a wrong label there is caught).
ALL_PLANS_DIRECTION = {"fr": {"as expected": "chaque plan", "opposite": "pas chaque plan"},
                       "en": {"as expected": "every plan", "opposite": "not every plan"}}


# --------------------------------------------------------------------------------------------
# Reading the HTML
# --------------------------------------------------------------------------------------------


def cell_text(fragment: str) -> str:
    """The text a reader sees in an HTML fragment: tags dropped, entities decoded, line breaks and
    runs of ASCII spaces as one space (no-break spaces are kept: they are part of the format)."""
    text = html_module.unescape(re.sub(r"<[^>]+>", "", fragment))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    start: int = 0  # offset in the document

    def column(self, name: str) -> int:
        return self.header.index(name)


def tables(fragment: str) -> list[Table]:
    """Every <table> of an HTML fragment: header cells (from <th>) and body rows (from <td>)."""
    found = []
    for match in re.finditer(r"<table\b.*?</table>", fragment, re.DOTALL):
        body = match.group(0)
        header = [cell_text(c) for c in re.findall(r"<th\b[^>]*>(.*?)</th>", body, re.DOTALL)]
        rows = []
        for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body, re.DOTALL):
            cells = [cell_text(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.DOTALL)]
            if cells:
                rows.append(cells)
        found.append(Table(header, rows, match.start()))
    return found


def sections(document: str, ids: list[str]) -> dict[str, str]:
    """The HTML of each finding's section: from its anchor (id="sec-f01") to the next anchor."""
    result = {}
    for finding in ids:
        anchor = f'id="sec-{finding.lower()}"'
        if anchor not in document:
            continue
        rest = document.split(anchor, 1)[1]
        result[finding] = rest.split('id="sec-', 1)[0]
    return result


# --------------------------------------------------------------------------------------------
# Expected values
# --------------------------------------------------------------------------------------------


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def pct(value: float, language: str, digits: int) -> str:
    return format_percent(float(value), language, digits)


def signed_points(value: float, language: str) -> str:
    text = format_number(float(value), language, 0)
    return ("+" + text) if float(value) > 0 and text != "0" else text


def appear_in_order(shown: str, expected: list[str]) -> bool:
    """Each expected token appears in `shown` as a whole number (not inside a longer one), in order."""
    position = 0
    for token in expected:
        pattern = r"(?<![\d,.])" + re.escape(token) + r"(?![\d])"
        match = re.compile(pattern).search(shown, position)
        if not match:
            return False
        position = match.end()
    return True


def deciding(own: pd.DataFrame) -> pd.Series:
    """The component a finding's summary is about: the weakest tested one (largest adjusted p,
    first on ties), else the first (the documented meaning of findings.deciding_component)."""
    tested = own[own["p_adjusted"].notna()]
    if len(tested):
        return tested.loc[tested["p_adjusted"].idxmax()]
    return own.iloc[0]


def measured_tokens(c: pd.Series, language: str) -> list[str]:
    """The numbers the summary's measured value shows for the deciding component, in reading order."""
    kind = c["kind"]
    if missing(c["value_a"]):
        return []
    if kind in ("group_difference", "group_shift"):
        high = re.search(r"group (\S+)$", str(c["label_a"])).group(1)
        by_group = {high: c["value_a"], ("1-2" if high == "3-4" else "3-4"): c["value_b"]}
        show = (lambda v: pct(v, language, 0)) if kind == "group_difference" else (lambda v: format_number(v, language, 2))
        return [show(by_group["1-2"]), show(by_group["3-4"])]
    if kind == "trend_levels":
        return [format_number(c["value_a"], language, 2), format_number(c["value_b"], language, 2)]
    if kind == "majority":
        return [pct(c["value_a"], language, 0)]
    if kind == "paired_difference":
        return [pct(c["value_a"], language, 0), pct(c["value_b"], language, 0)]
    if kind == "sign_test":
        counts = re.search(r"positive: (\d+), negative: (\d+), ties: (\d+)", str(c["detail"]))
        return [counts.group(1), counts.group(3), counts.group(2)]  # up, tied, down
    if kind in COUNT_KINDS:
        return [format_count(c["value_a"], language), format_count(c["value_b"], language)]
    return [format_number(c["value_a"], language, 2), format_number(c["value_b"], language, 2)]


def values_tokens(c: pd.Series, language: str) -> list[str]:
    """The numbers of a component's "values" column."""
    if missing(c["value_a"]):
        return []
    if c["kind"] in SHARE_KINDS:
        return [pct(c["value_a"], language, 1), pct(c["value_b"], language, 1)]
    if c["kind"] in COUNT_KINDS:
        return [format_count(c["value_a"], language), format_count(c["value_b"], language)]
    return [format_number(c["value_a"], language, 2), format_number(c["value_b"], language, 2)]


def effect_tokens(c: pd.Series, language: str) -> list[str]:
    """The numbers of a component's effect-size column: risk difference (points) then odds ratio
    for shares compared; the named effect with its interval otherwise."""
    kind = c["kind"]
    if kind in ("group_difference", "paired_difference"):
        tokens = []
        if not missing(c["risk_difference_pp"]):
            tokens += [signed_points(c["risk_difference_pp"], language), format_number(c["rd_ci_low_pp"], language, 0),
                       format_number(c["rd_ci_high_pp"], language, 0)]
        if not str(c["effect_note"] if not missing(c["effect_note"]) else "") and not missing(c["effect"]):
            tokens += [format_number(c["effect"], language, 2)]
            if not missing(c["ci_low"]):
                tokens += [format_number(c["ci_low"], language, 2), format_number(c["ci_high"], language, 2)]
        return tokens
    if missing(c["effect"]):
        return []
    if kind == "group_shift":
        return [format_number(c["effect"], language, 2), format_number(c["ci_low"], language, 2),
                format_number(c["ci_high"], language, 2)]
    if kind == "trend_levels":
        return [format_number(c["effect"], language, 2)]
    if kind in ("majority", "sign_test", "all_plans"):
        return [pct(c["effect"], language, 0), pct(c["ci_low"], language, 0), pct(c["ci_high"], language, 0)]
    return []


def p_shown(value, language: str) -> str:
    return "–" if missing(value) else format_p(float(value), language)


# --------------------------------------------------------------------------------------------
# The derived tables of one build
# --------------------------------------------------------------------------------------------


@dataclass
class Derived:
    """The derived tables a report is built from."""

    folder: Path
    codebook_path: Path
    findings: pd.DataFrame = field(init=False)
    components: pd.DataFrame = field(init=False)
    battery: pd.DataFrame = field(init=False)
    stability: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        read = lambda name: pd.read_csv(self.folder / name, keep_default_na=False, na_values=[""])  # noqa: E731
        self.findings = read("findings/findings.csv")
        self.components = read("tests/components.csv")
        for column in ("direction", "label_a", "label_b", "detail", "effect_note", "adjustment", "kind", "not_testable_reason"):
            self.components[column] = self.components[column].astype("string").fillna("").astype(str)
        self.battery = read("tests/battery.csv")
        self.stability = read("stability/stability.csv").set_index("finding")
        self.stability_record = json.loads((self.folder / "stability" / "stability_record.json").read_text(encoding="utf-8"))
        self.codebook = load_codebook(self.codebook_path)

    def table(self, relative: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / relative, keep_default_na=False, na_values=[""])

    def verdict_label(self, verdict: str, language: str) -> str:
        code = self.codebook.code("verdicts", verdict)
        return f"{code.attributes['symbol']} {code.label[language]}"

    def own(self, finding: str) -> pd.DataFrame:
        return self.components[self.components["finding"] == finding]


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def same_words(a: str, b: str) -> bool:
    """Header texts equal up to typographic apostrophes (Pandoc turns ' into ’) and the kind of
    space (French typography puts no-break spaces before « ; » and « : »)."""
    def folded(text: str) -> str:
        return " ".join(text.replace("\u2019", "'").split())
    return folded(a) == folded(b)


def find_table(found: list[Table], header: list[str]) -> list[Table]:
    return [t for t in found if len(t.header) == len(header) and all(map(same_words, t.header, header))]


def column_index(header: list[str], english: list[str], start: str) -> int:
    """The position of the column whose English header starts with `start` (the headers of both
    languages are parallel lists in report.TEXT)."""
    for i, name in enumerate(english):
        if name.startswith(start):
            return i
    raise AssertionError(f"no column starting with {start!r} in {english}")


def check_summary(document: str, derived: Derived, language: str, where: str) -> list[str]:
    """The summary table: for each finding, the verdict, the measured value (the deciding
    component's numbers) and the stability share."""
    problems = []
    head, english = TEXT[language]["summary_head"], TEXT["en"]["summary_head"]
    found = find_table(tables(document), head)
    if len(found) != 1:
        return [f"{where}: expected one summary table with the columns {head}, found {len(found)}"]
    table = found[0]
    finding_col, measured_col, verdict_col, stability_col = (
        column_index(head, english, name) for name in ("Finding", "Measured", "Verdict", "Stability"))
    shown = {row[finding_col]: row for row in table.rows}
    if list(shown) != list(derived.findings["id"]):
        problems.append(f"{where}: the summary lists {list(shown)}, findings.csv {list(derived.findings['id'])}")
    for finding in derived.findings.itertuples():
        row = shown.get(finding.id)
        if row is None:
            continue
        label = derived.verdict_label(finding.verdict, language)
        if row[verdict_col] != label:
            problems.append(f"{where}, summary, {finding.id}, verdict: shows {row[verdict_col]!r}, findings.csv says {label!r}")
        own = derived.own(finding.id)
        decisive = deciding(own)
        if int(finding.deciding_component) != int(decisive["component"]):
            problems.append(f"{where}, summary, {finding.id}: findings.csv's deciding component is "
                            f"{finding.deciding_component}, but the weakest component of components.csv is {decisive['component']}")
        tokens = measured_tokens(decisive, language)
        if tokens and not appear_in_order(row[measured_col], tokens):
            problems.append(f"{where}, summary, {finding.id}, measured value: shows {row[measured_col]!r}, "
                            f"component {decisive['component']} of components.csv gives {tokens}")
        if not tokens and row[measured_col] != "–":
            problems.append(f"{where}, summary, {finding.id}, measured value: shows {row[measured_col]!r}, expected –")
        stable = derived.stability.loc[finding.id]
        assessed = str(stable["assessed"]).lower() == "true"
        expected = pct(stable["share_reproduced"], language, 1) if assessed else TEXT[language]["not_assessed"]
        if assessed and float(stable["share_reproduced"]) < UNSTABLE_BELOW:
            expected += " ⚠"  # the summary flags a verdict that fewer than 80% of the alternative samples reproduce
        if row[stability_col] != expected:
            problems.append(f"{where}, summary, {finding.id}, stability: shows {row[stability_col]!r}, stability.csv gives {expected!r}")
    return problems


def check_components(section: str, finding: str, derived: Derived, language: str, where: str) -> list[str]:
    """A finding's components table: p, adjusted p (and the size of its correction), values,
    effect size and direction of each component."""
    problems = []
    head, english = TEXT[language]["component_head"], TEXT["en"]["component_head"]
    found = find_table(tables(section), head)
    own = derived.own(finding)
    if len(found) != 1:
        return [f"{where}, {finding}: expected one components table, found {len(found)}"]
    table = found[0]
    number, values, p, adjusted, effect, direction = (column_index(head, english, name) for name in (
        "#", "Values", "p", "adjusted p", "Effect size", "Direction"))
    if [int(row[number]) for row in table.rows] != [int(c) for c in own["component"]]:
        return [f"{where}, {finding}: components shown {[row[number] for row in table.rows]}, "
                f"components.csv has {list(own['component'])}"]
    for row, (_, c) in zip(table.rows, own.iterrows()):
        name = f"{where}, {finding}.{c['component']}"
        if row[p] != p_shown(c["p_value"], language):
            problems.append(f"{name}, p: shows {row[p]!r}, components.csv p_value gives {p_shown(c['p_value'], language)!r}")
        expected_adjusted = p_shown(c["p_adjusted"], language)
        if not (row[adjusted] == expected_adjusted or row[adjusted].startswith(expected_adjusted + " ")):
            problems.append(f"{name}, adjusted p: shows {row[adjusted]!r}, components.csv p_adjusted gives {expected_adjusted!r}")
        size = re.search(r"Holm across the (\d+) ", c["adjustment"])
        if size and not appear_in_order(row[adjusted], [size.group(1)]):
            problems.append(f"{name}, adjusted p: shows {row[adjusted]!r} without the family size {size.group(1)} of {c['adjustment']!r}")
        tokens = values_tokens(c, language)
        if not appear_in_order(row[values], tokens):
            problems.append(f"{name}, values: shows {row[values]!r}, components.csv gives {tokens}")
        tokens = effect_tokens(c, language)
        if tokens and not appear_in_order(row[effect], tokens):
            problems.append(f"{name}, effect: shows {row[effect]!r}, components.csv gives {tokens}")
        if not tokens and row[effect] != "–":
            problems.append(f"{name}, effect: shows {row[effect]!r}, components.csv has no effect to show")
        # the quantifier "all" (kind all_plans) is read plan by plan: "every plan" / "not every plan"
        directions = (ALL_PLANS_DIRECTION[language] if c["kind"] == "all_plans" else TEXT[language]["direction"])
        words = directions.get(c["direction"], c["direction"])
        if row[direction] != words:
            problems.append(f"{name}, direction: shows {row[direction]!r}, components.csv says {c['direction']!r} ({words!r})")
    return problems


P_IN_TEXT = re.compile(r"p[\s\u00a0]*[=<][\s\u00a0]*\d+[.,]\d+")
COMPONENT_IN_TEXT = re.compile(r"(?:component|composante) (\d+)")


def check_verdict(section: str, finding: str, derived: Derived, language: str, where: str) -> list[str]:
    """The verdict line of a section: its badge, and the p-value and component its sentence quotes."""
    row = derived.findings.set_index("id").loc[finding]
    paragraphs = [p for p in re.findall(r"<p\b[^>]*>(.*?)</p>", section, re.DOTALL) if 'class="verdict' in p]
    if len(paragraphs) != 1:
        return [f"{where}, {finding}: expected one verdict paragraph, found {len(paragraphs)}"]
    text = cell_text(paragraphs[0])
    problems = []
    label = derived.verdict_label(row["verdict"], language)
    if label not in text:
        problems.append(f"{where}, {finding}, verdict: shows {text[:80]!r}, findings.csv says {label!r}")
    own = derived.own(finding)
    tested = own[own["p_adjusted"].notna()]
    quoted_p = [re.sub(r"\s", NBSP, m) for m in P_IN_TEXT.findall(text)]
    quoted_component = [int(m) for m in COMPONENT_IN_TEXT.findall(text)]
    if row["verdict"] in ("reproduced", "partly reproduced") and len(tested):
        expected = format_p(tested["p_adjusted"].max(), language)
        if quoted_p != [expected]:
            problems.append(f"{where}, {finding}, verdict sentence quotes {quoted_p}, the largest adjusted p of components.csv is {expected!r}")
    if row["verdict"] == "trend only":
        core = tested[tested["p_adjusted"] >= row["alpha"]]
        weak = core.loc[core["p_adjusted"].idxmax()] if len(core) else tested.loc[tested["p_adjusted"].idxmax()]
        expected = format_p(weak["p_adjusted"], language)
        if quoted_p != [expected] or quoted_component != [int(weak["component"])]:
            problems.append(f"{where}, {finding}, verdict sentence quotes p {quoted_p} and component {quoted_component}; "
                            f"the weakest non-significant component is {weak['component']} with adjusted p {expected!r}")
    if row["verdict"] == "not reproduced" and len(tested):
        wrong = own[(own["direction"] != "as expected") & (own["kind"] != "all_plans")]
        first = int((wrong.iloc[0] if len(wrong) else own.iloc[0])["component"])
        if quoted_component[:1] != [first]:
            problems.append(f"{where}, {finding}, verdict sentence names component {quoted_component}, "
                            f"the first one against the statement is {first}")
    return problems


def check_battery(section: str, finding: str, derived: Derived, language: str, where: str) -> list[str]:
    """Battery tables inside a finding's section: shares by group, p, adjusted p and effects of
    each row, from battery.csv (grouping 'group')."""
    problems = []
    head, english = TEXT[language]["battery_head"], TEXT["en"]["battery_head"]
    code_col, low_col, high_col, p, adjusted, effect = (column_index(head, english, name) for name in (
        "Code", "Levels 1-2", "Levels 3-4", "p", "adjusted p", "Difference"))
    groups = derived.battery[derived.battery["grouping"] == "group"]
    sections_of = {"object": "objects", "strategy": "strategies", "substrategy": "substrategies"}
    found = find_table(tables(section), head)
    shown = {re.sub(r" \([A-Z]\d+\.\d+\)$", "", row[code_col]) for table in found for row in table.rows}
    for r in groups.itertuples():  # a battery row that is a component of this finding is shown in its section
        if str(r.confirmatory_component).split(".")[0] == finding:
            if derived.codebook.label(sections_of[r.variable_type], r.code, language) not in shown:
                problems.append(f"{where}, {finding}: battery row {r.code} ({r.confirmatory_component}) is not shown")
    for table in found:
        for row in table.rows:
            label = re.sub(r" \([A-Z]\d+\.\d+\)$", "", row[code_col])
            match = [r for r in groups.itertuples()
                     if derived.codebook.label(sections_of[r.variable_type], r.code, language) == label]
            if len(match) != 1:
                problems.append(f"{where}, {finding}, battery row {label!r}: {len(match)} rows of battery.csv have that label")
                continue
            r = match[0]
            name = f"{where}, {finding}, battery {r.code}"
            counts = dict(zip(str(r.categories).split("|"), zip(str(r.plans_using).split("|"), str(r.plans_in_category).split("|"))))
            for group, column in (("1-2", low_col), ("3-4", high_col)):
                used, total = counts[group]
                tokens = [pct(int(used) / int(total), language, 1), used, total]
                if not appear_in_order(row[column], tokens):
                    problems.append(f"{name}, group {group}: shows {row[column]!r}, battery.csv gives {tokens}")
            if row[p] != p_shown(r.p_value, language):
                problems.append(f"{name}, p: shows {row[p]!r}, battery.csv p_value gives {p_shown(r.p_value, language)!r}")
            expected = p_shown(r.p_adjusted, language)
            if not (row[adjusted] == expected or row[adjusted].startswith(expected + " ")):
                problems.append(f"{name}, adjusted p: shows {row[adjusted]!r}, battery.csv p_adjusted gives {expected!r}")
            tokens = [signed_points(r.risk_difference_pp, language), format_number(r.rd_ci_low_pp, language, 0),
                      format_number(r.rd_ci_high_pp, language, 0)]
            if not missing(r.odds_ratio):
                tokens += [format_number(r.odds_ratio, language, 2), format_number(r.odds_ratio_ci_low, language, 2),
                           format_number(r.odds_ratio_ci_high, language, 2)]
            if not appear_in_order(row[effect], tokens):
                problems.append(f"{name}, effect: shows {row[effect]!r}, battery.csv gives {tokens}")
    return problems


def check_frequency_tables(section: str, finding: str, derived: Derived, language: str, where: str) -> list[str]:
    """The other tables a section may show: strategy use by status (frequencies/strategy_status.csv),
    sub-strategies within a strategy (frequencies/substrategies.csv) and per-plan diversity by group
    (diversity/summary.csv); each row found by its labels, each number from its column."""
    problems = []
    found = tables(section)
    text = TEXT[language]
    labels = lambda section_name: {code: derived.codebook.label(section_name, code, language)  # noqa: E731
                                   for code in derived.codebook.ids(section_name)}
    share = lambda s, low, high: [pct(s, language, 1), pct(low, language, 1), pct(high, language, 1)]  # noqa: E731
    statuses = derived.table("frequencies/strategy_status.csv")
    head = text["status_head"]
    status_of = {i: status for i, status in zip(range(1, len(head)), ("applied", "intended"))}
    for table in find_table(found, head):
        for row in table.rows:
            strategy = [code for code, label in labels("strategies").items() if same_words(re.sub(r" \(\d+\)$", "", row[0]), label)]
            if len(strategy) != 1:
                problems.append(f"{where}, {finding}, status table: no strategy labelled {row[0]!r}")
                continue
            for column, status in status_of.items():
                r = statuses[(statuses["strategy"] == strategy[0]) & (statuses["status"] == status)].iloc[0]
                tokens = share(r["share"], r["ci_low"], r["ci_high"])
                if not appear_in_order(row[column], tokens):
                    problems.append(f"{where}, {finding}, {strategy[0]} {status}: shows {row[column]!r}, strategy_status.csv gives {tokens}")
    subs = derived.table("frequencies/substrategies.csv")
    for table in find_table(found, text["sub_head"]):
        for row in table.rows:
            match = [r for r in subs.itertuples() if same_words(row[1], labels("substrategies")[r.substrategy])]
            if len(match) != 1:
                problems.append(f"{where}, {finding}, sub-strategy table: no sub-strategy labelled {row[1]!r}")
                continue
            r = match[0]
            if not same_words(row[0], labels("strategies")[r.strategy]):
                problems.append(f"{where}, {finding}, {r.substrategy}: shown under {row[0]!r}, belongs to {r.strategy}")
            tokens = [format_count(r.plans_using, language), format_count(r.plans_using_strategy, language)]
            if not appear_in_order(row[2], tokens):
                problems.append(f"{where}, {finding}, {r.substrategy}, plans: shows {row[2]!r}, substrategies.csv gives {tokens}")
            tokens = share(r.share_within_strategy, r.ci_low, r.ci_high)
            if not appear_in_order(row[3], tokens):
                problems.append(f"{where}, {finding}, {r.substrategy}, share: shows {row[3]!r}, substrategies.csv gives {tokens}")
    summary = derived.table("diversity/summary.csv")
    for table in find_table(found, text["diversity_head"]):
        for row in table.rows:
            measure = [m for m, words in text["measures"].items() if same_words(row[0], words)]
            group_column = "group_label_fr" if language == "fr" else "group_label_en"
            match = summary[summary["measure"].isin(measure) & (
                ((summary["grouping"] == "all") & (row[1] == text["groups_all"]))
                | ((summary["grouping"] == "group") & summary[group_column].map(lambda g: same_words(str(g), row[1]))))]
            if len(match) != 1:
                problems.append(f"{where}, {finding}, diversity table: {len(match)} rows of summary.csv for {row[:2]}")
                continue
            r = match.iloc[0]
            expected = [[format_count(r["n"], language)], [format_number(r["mean"], language, 2)],
                        [format_number(r[c], language, 2) for c in ("median", "q1", "q3")]]
            for cell, tokens in zip(row[2:], expected):
                if not appear_in_order(cell, tokens):
                    problems.append(f"{where}, {finding}, {r['measure']} {row[1]}: shows {cell!r}, summary.csv gives {tokens}")
    return problems


def check_balance(document: str, derived: Derived, language: str, where: str) -> list[str]:
    """The sample's balance table: for each row of sample/balance.csv, in its order, the variable
    and category, the population and sample counts with their shares (one decimal) and the
    difference in percentage points, which must also be sample share minus population share."""
    head = TEXT[language]["balance_head"]
    found = find_table(tables(document), head)
    if len(found) != 1:
        return [f"{where}: expected one balance table with the columns {head}, found {len(found)}"]
    balance = derived.table("sample/balance.csv")
    shown = found[0].rows
    problems = []
    if len(shown) != len(balance):
        problems.append(f"{where}, balance table: {len(shown)} rows, sample/balance.csv has {len(balance)}")
    variables = TEXT[language]["balance_variables"]
    for row, r in zip(shown, balance.itertuples()):
        name = f"{where}, balance table, {r.variable} {r.category}"
        label = r.label_fr if language == "fr" else r.label_en
        if not (same_words(row[0], variables.get(r.variable, r.variable)) and same_words(row[1], str(label))):
            problems.append(f"{name}: shown as {row[:2]!r}, balance.csv gives {[variables.get(r.variable), label]!r}")
        for cell, n, share, column in ((row[2], r.population_n, r.population_pct, "population"),
                                       (row[3], r.sample_n, r.sample_pct, "sample")):
            tokens = [format_count(n, language), pct(share / 100, language, 1)]
            if not appear_in_order(cell, tokens):
                problems.append(f"{name}, {column}: shows {cell!r}, balance.csv gives {tokens}")
        if not math.isclose(r.difference_pct_points, r.sample_pct - r.population_pct, abs_tol=1e-9):
            problems.append(f"{name}: balance.csv's difference {r.difference_pct_points} is not sample minus population "
                            f"share ({r.sample_pct} - {r.population_pct})")
        expected = format_number(r.difference_pct_points, language, 1)
        if row[4] != expected:
            problems.append(f"{name}, difference: shows {row[4]!r}, balance.csv gives {expected!r}")
    return problems


def check_levels(document: str, derived: Derived, language: str, where: str) -> list[str]:
    """The mobilisation-levels table: for each level of the codebook, the number of analysed plans
    at that level (frequencies/analysed_plans.csv) and their share of all analysed plans."""
    head = TEXT[language]["level_head"]
    found = find_table(tables(document), head)
    if len(found) != 1:
        return [f"{where}: expected one levels table with the columns {head}, found {len(found)}"]
    plans = derived.table("frequencies/analysed_plans.csv")
    levels = derived.codebook.ids("mobilisation_levels")
    shown = found[0].rows
    problems = []
    if len(shown) != len(levels):
        problems.append(f"{where}, levels table: {len(shown)} rows, the codebook has {len(levels)} levels")
    for row, level in zip(shown, levels):
        label = derived.codebook.label("mobilisation_levels", level, language)
        count = int((plans["mobilisation_level"].astype(str) == str(level)).sum())
        expected = [format_count(count, language), pct(count / len(plans), language, 1) if len(plans) else "–"]
        if not same_words(row[0], f"{level} — {label}"):
            problems.append(f"{where}, levels table: row {row[0]!r} where level {level} ({label}) is expected")
        if [row[2], row[3]] != expected:
            problems.append(f"{where}, levels table, level {level}: shows {row[2:4]!r}, analysed_plans.csv gives {expected!r}")
    return problems


def stability_words(derived: Derived, language: str) -> tuple[list[str], str]:
    """The stability table's headers and the word "reproduced" inside a sentence (the codebook's
    label, lower case first letter), as the report words them."""
    label = derived.codebook.label("verdicts", "reproduced", language)
    reproduced = label[:1].lower() + label[1:]
    return [head.format(reproduced=reproduced) for head in TEXT[language]["stability_head"]], reproduced


def check_stability(document: str, derived: Derived, language: str, where: str) -> list[str]:
    """The stability section: its table (each finding's verdict on the real sample, the share of
    alternative samples reproducing it with its interval, the share reaching the same verdict;
    « not assessed » and a dash otherwise), the number of alternative samples its first paragraph
    names, and the lowest and highest shares with their findings."""
    head, _ = stability_words(derived, language)
    found = find_table(tables(document), head)
    if len(found) != 1:
        return [f"{where}: expected one stability table with the columns {head}, found {len(found)}"]
    table, stability, problems = found[0], derived.stability, []
    shown = {row[0]: row for row in table.rows}
    if list(shown) != list(derived.findings["id"]):
        problems.append(f"{where}: the stability table lists {list(shown)}, findings.csv {list(derived.findings['id'])}")
    for finding in derived.findings.itertuples():
        row, stable = shown.get(finding.id), stability.loc[finding.id]
        if row is None:
            continue
        name = f"{where}, stability table, {finding.id}"
        if stable["observed_verdict"] != finding.verdict:
            problems.append(f"{name}: stability.csv's observed verdict {stable['observed_verdict']!r} is not findings.csv's {finding.verdict!r}")
        label = derived.verdict_label(stable["observed_verdict"], language)
        if row[2] != label:
            problems.append(f"{name}, verdict: shows {row[2]!r}, stability.csv gives {label!r}")
        if str(stable["assessed"]).lower() == "true":
            tokens = [pct(stable[c], language, 1) for c in ("share_reproduced", "share_ci_low", "share_ci_high")]
            same = pct(stable["share_same_verdict"], language, 1)
            if not appear_in_order(row[3], tokens) or len(re.findall(r"\d+[.,]\d", row[3])) != 3:
                problems.append(f"{name}, share reproduced: shows {row[3]!r}, stability.csv gives {tokens}")
        else:
            same = "–"
            if row[3] != TEXT[language]["not_assessed"]:
                problems.append(f"{name}, share reproduced: shows {row[3]!r}, stability.csv says not assessed")
        if row[4] != same:
            problems.append(f"{name}, same verdict: shows {row[4]!r}, stability.csv gives {same!r}")
    problems += check_stability_text(document[:table.start], derived, language, where)
    return problems


def check_stability_text(before_table: str, derived: Derived, language: str, where: str) -> list[str]:
    """The stability section's paragraphs (the text between its heading and its table): the
    number of alternative samples (stability_record.json) and the range of the shares."""
    heading = re.escape(TEXT[language]["headings"]["stability"].replace("\u2019", "'"))
    folded = before_table.replace("\u2019", "'")  # Pandoc's typographic apostrophes (same length)
    starts = [m.end() for m in re.finditer(rf"<h\d[^>]*>\s*(?:<[^>]+>\s*)*{heading}", folded)]
    if not starts:
        return [f"{where}: no stability heading before the stability table"]
    text = cell_text(before_table[starts[-1]:])
    problems = []
    redraws = format_count(derived.stability_record["redraws"], language)
    if not appear_in_order(text, [redraws]):
        problems.append(f"{where}, stability section: does not name the {redraws} alternative samples of stability_record.json")
    stability = derived.stability
    assessed = stability[stability["assessed"].astype(str).str.lower() == "true"]
    if len(assessed):
        shares = assessed["share_reproduced"].astype(float)
        low, high = shares.min(), shares.max()
        tokens = [format_count(len(assessed), language), pct(low, language, 1)]
        if low != high:
            tokens += list(assessed.index[shares == low]) + [pct(high, language, 1)] + list(assessed.index[shares == high])
        if not appear_in_order(text, tokens):
            problems.append(f"{where}, stability section: the range sentence lacks {tokens} in that order (stability.csv)")
    return problems


def check_document(document: str, derived: Derived, language: str, where: str) -> list[str]:
    """Every check on one HTML document; the list of mismatches (empty: it agrees with the tables)."""
    problems = check_summary(document, derived, language, where)
    problems += check_balance(document, derived, language, where)
    problems += check_levels(document, derived, language, where)
    problems += check_stability(document, derived, language, where)
    ids = list(derived.findings["id"])
    found = sections(document, ids)
    for finding in ids:
        if finding not in found:
            problems.append(f"{where}: no section for {finding}")
            continue
        section = found[finding]
        problems += check_components(section, finding, derived, language, where)
        problems += check_verdict(section, finding, derived, language, where)
        problems += check_battery(section, finding, derived, language, where)
        problems += check_frequency_tables(section, finding, derived, language, where)
    return problems


# Columns findings.csv copies from its deciding component (findings.csv's data package says so).
COPIED = ("family", "n", "label_a", "value_a", "label_b", "value_b", "statistic_name", "statistic", "p_value", "p_adjusted",
          "effect_name", "effect", "ci_low", "ci_high", "risk_difference_pp", "rd_ci_low_pp", "rd_ci_high_pp", "adjustment")


def same_value(a, b) -> bool:
    if missing(a) or missing(b) or a == "" or b == "":
        return (missing(a) or a == "") and (missing(b) or b == "")
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)


def check_findings_table(derived: Derived) -> list[str]:
    """findings.csv against components.csv: each finding's numbers are its deciding component's
    (the weakest link), and its one-sentence reason quotes the right component and p-value."""
    problems = []
    for row in derived.findings.itertuples():
        own = derived.own(row.id)
        decisive = deciding(own)
        for column in COPIED:
            if column in own.columns and not same_value(getattr(row, column), decisive[column]):
                problems.append(f"findings.csv, {row.id}, {column}: {getattr(row, column)!r}, but its deciding component "
                                f"{decisive['component']} has {decisive[column]!r}")
        reason = str(row.reason)
        named = [int(k) for k in re.findall(r"[Cc]omponent (\d+)", reason)]
        tested = own[~own["kind"].isin(("presence", "balance", "coverage", "all_plans"))]
        if row.verdict in ("reproduced", "partly reproduced") and len(tested):
            expected = f"p = {tested['p_adjusted'].max():.4g} "
            if expected not in reason:
                problems.append(f"findings.csv, {row.id}, reason {reason!r}: the largest adjusted p is {expected.strip()!r}")
        if row.verdict == "trend only":
            weak = own[(own["p_adjusted"] >= row.alpha) & (own["kind"] != "all_plans")]
            quoted = {int(c["component"]): f"p = {c['p_adjusted']:.4g} " for _, c in weak.iterrows()}
            if len(named) != 1 or named[0] not in quoted or quoted[named[0]] not in reason:
                problems.append(f"findings.csv, {row.id}, reason {reason!r}: should name one non-significant component "
                                f"of {sorted(quoted)} with its adjusted p")
        if row.verdict == "not reproduced":
            against = own[own["direction"] != "as expected"]
            if not named or named[0] not in set(against["component"].astype(int)):
                problems.append(f"findings.csv, {row.id}, reason {reason!r}: should name a component against the statement "
                                f"({sorted(against['component'].astype(int))})")
            else:
                c = against[against["component"].astype(int) == named[0]].iloc[0]
                wanted = "shows no difference" if c["direction"] == "none" else "goes the other way"
                values = str(c["detail"]) if missing(c["value_a"]) else f"{c['value_a']:.3g}; {c['label_b']}: {c['value_b']:.3g}"
                if wanted not in reason or values not in reason:
                    problems.append(f"findings.csv, {row.id}, reason {reason!r}: component {named[0]} {wanted} ({values})")
    return problems


def check_pdf_summary(text: str, derived: Derived, language: str, where: str) -> list[str]:
    """The PDF's summary table (pdftotext's reading order): after the table's caption, each
    finding's row holds its verdict, its measured numbers and its stability share."""
    caption = TEXT[language]["captions"]["tbl-summary"]
    if caption not in re.sub(r"\s+", " ", text):
        return [f"{where}: the summary's caption {caption!r} is not in the PDF text"]
    # pdftotext finds spaces from the gaps between glyphs and sometimes misses the narrow one
    # before « % »: spaces before a percent sign are dropped on both sides.
    normal = lambda s: re.sub(r"[\s\u00a0\u202f]+", " ", s).replace(" %", "%")  # noqa: E731
    flat = re.sub(r"[\s\u00a0\u202f\u2060]+", " ", text)
    flat = normal(flat.split(caption, 1)[1])
    ids = list(derived.findings["id"])
    problems = []
    for position, finding in enumerate(derived.findings.itertuples()):
        start = re.search(rf"(?<!\w){finding.id}(?!\w)", flat)
        if not start:
            problems.append(f"{where}: {finding.id} is not in the PDF summary")
            continue
        rest = flat[start.end():]
        if position + 1 < len(ids):
            following = re.search(rf"(?<!\w){ids[position + 1]}(?!\w)", rest)
            rest = rest[: following.start()] if following else rest[:400]
        else:
            rest = rest[:400]
        label = derived.verdict_label(finding.verdict, language)
        if normal(label) not in rest:
            problems.append(f"{where}, PDF summary, {finding.id}: no {label!r} in {rest!r}")
        tokens = [normal(t) for t in measured_tokens(deciding(derived.own(finding.id)), language)]
        stable = derived.stability.loc[finding.id]
        if str(stable["assessed"]).lower() == "true":
            tokens.append(normal(pct(stable["share_reproduced"], language, 1)))
        if not appear_in_order(rest, tokens):
            problems.append(f"{where}, PDF summary, {finding.id}: {rest!r} lacks {tokens} in that order")
    return problems
