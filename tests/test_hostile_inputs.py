"""Hostile and damaged inputs, built by mutating the shipped data: never a silent loss, never a
silent change, never a hang, never a read outside the project.

Each class of defect has its test: files cut inside a quoted value, quotes that swallow rows,
mixed encodings, UTF-16 without a byte-order mark, line numbers after whatever precedes a row (in
both CSV readers), text longer than the data package allows, YAML bombs against every YAML
reader under a memory cap, and data package paths leading outside its folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import RAW, REPO
from rlp_pipeline.problems import InputError
from rlp_pipeline.safety.text import BREAK, breakable_markdown
from rlp_pipeline.io.tables import read_csv_file, read_regular_csv
from rlp_pipeline.stages.validate import validate_inputs


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the shipped raw folder (codebook, data package, 140 plans, 1,500 codings)."""
    folder = tmp_path / "raw"
    shutil.copytree(RAW, folder)
    return folder


def refusal(folder: Path) -> list:
    """The problems validation finds in a raw folder (fails the test if it accepts it)."""
    with pytest.raises(InputError) as caught:
        validate_inputs(folder / "codebook.yaml", folder / "datapackage.yaml")
    return caught.value.problems


def codings_lines(folder: Path) -> list[str]:
    return (folder / "codings.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def with_cell(line: str, column: int, raw: str) -> str:
    """A CSV line (one record) with the cell at `column` replaced by `raw`, written as it is
    (quotes included), the other cells quoted as the csv module quotes them."""
    cells = next(csv.reader([line]))
    cells[column] = "\ue001"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue().replace("\ue001", raw)


EXCERPT, CODER = 5, 6


# ------------------------------------------------------------------ silent loss and corruption
def test_a_file_cut_inside_a_quoted_excerpt_is_refused_at_the_line_of_the_cut_row(shipped):
    lines = codings_lines(shipped)
    row = 758
    cut = with_cell(lines[row - 1], EXCERPT, '"Un extrait, coupé au milieu du mot')  # never closed
    (shipped / "codings.csv").write_text("".join(lines[: row - 1]) + cut[:-12], encoding="utf-8")
    problems = refusal(shipped)
    assert [(p.line, p.column) for p in problems] == [(row, "excerpt")]
    assert "file ends inside a value" in problems[0].expected
    assert "cut short" in problems[0].expected and problems[0].hint


@pytest.mark.parametrize("cut_lines", [0, 1])
def test_an_open_quote_at_the_very_end_is_refused_with_or_without_a_last_line_end(shipped, cut_lines):
    text = (shipped / "codings.csv").read_text(encoding="utf-8")
    last_line = text.count("\n")  # no cell of the shipped file spans lines: the last row's line
    text = text.rstrip("\n").rsplit(",", 1)[0] + ',"MLG' + "\n" * cut_lines  # the last cell opened, never closed
    (shipped / "codings.csv").write_text(text, encoding="utf-8")
    assert [p.line for p in refusal(shipped)] == [last_line]


def test_a_quote_left_open_that_swallows_rows_is_refused(shipped):
    lines = codings_lines(shipped)
    # Line 10's excerpt opens a quote; the next quoted excerpt's opening quote closes it, so every
    # row between them would silently become part of one excerpt.
    lines[9] = with_cell(lines[9], EXCERPT, '"Il dit bonjour')
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    problems = refusal(shipped)
    assert problems[0].line == 10 and problems[0].column == "excerpt"
    assert "look like rows of their own" in problems[0].expected


def test_a_genuine_multi_line_excerpt_is_accepted_and_keeps_every_row(shipped):
    lines = codings_lines(shipped)
    lines[9] = with_cell(lines[9], EXCERPT, '"Première ligne, suite\nseconde ligne du même extrait"')
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    data = validate_inputs(shipped / "codebook.yaml", shipped / "datapackage.yaml")
    assert len(data.codings) == 1500
    assert data.codings["source_line"].iloc[8:10].tolist() == [10, 12]  # the two-line row, the next


def test_lines_in_windows_1252_among_utf8_lines_are_refused_naming_both(shipped):
    lines = codings_lines(shipped)
    accented = [i for i, line in enumerate(lines) if not line.isascii()]
    first_recoded = accented[len(accented) // 2]
    data = b"".join(line.encode("cp1252") if i >= first_recoded else line.encode("utf-8")
                    for i, line in enumerate(lines))
    (shipped / "codings.csv").write_bytes(data)
    problems = refusal(shipped)
    assert [p.line for p in problems] == [first_recoded + 1]
    assert f"line {accented[0] + 1} is UTF-8" in problems[0].expected
    assert "save the whole file as UTF-8" in problems[0].hint


def test_a_whole_windows_1252_file_is_still_accepted(shipped):
    text = (shipped / "codings.csv").read_text(encoding="utf-8")
    (shipped / "codings.csv").write_bytes(text.encode("cp1252"))
    data = validate_inputs(shipped / "codebook.yaml", shipped / "datapackage.yaml")
    facts = next(facts for path, facts in data.provenance["inputs"].items() if path.endswith("codings.csv"))
    assert facts["encoding"] == "windows-1252"
    assert data.codings["excerpt"].str.contains("simulé").any()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_recognised(shipped, encoding):
    expected = validate_inputs(shipped / "codebook.yaml", shipped / "datapackage.yaml")
    for name in ("plans.csv", "codings.csv"):
        text = (shipped / name).read_text(encoding="utf-8")
        (shipped / name).write_bytes(text.encode(encoding))  # Python writes no BOM for -le/-be
    data = validate_inputs(shipped / "codebook.yaml", shipped / "datapackage.yaml")
    assert data.plans.equals(expected.plans) and data.codings.equals(expected.codings)
    encodings = {facts.get("encoding") for facts in data.provenance["inputs"].values()}
    assert f"{encoding} without BOM" in encodings


# ------------------------------------------------ line numbers, whatever precedes the row
PREFIXES = {
    "blank lines": ("", "\n\n"),
    "a multi-line quoted cell": ("", None),
    "a byte-order mark": ("\ufeff", ""),
    "CRLF line ends": ("", ""),
    "blank lines with spaces and delimiters": ("", " \n,,,,,,\n"),
}


@pytest.mark.parametrize("reader", ["fast", "row by row"])
@pytest.mark.parametrize("case", list(PREFIXES))
def test_validation_names_the_physical_line_of_a_bad_row(shipped, case, reader):
    lines = codings_lines(shipped)[:40]
    start, blanks = PREFIXES[case]
    if blanks is None:  # a two-line excerpt at row 5
        lines[4] = with_cell(lines[4], EXCERPT, '"deux\nlignes"')
    else:
        lines.insert(3, blanks)
        lines.insert(12, blanks)
    if reader == "row by row" and blanks is not None:
        lines.insert(20, "\n")
        lines[-1] = with_cell(lines[-1], CODER, 'M"LG')  # a quote inside an unquoted cell: irregular
    bad = 30
    lines[bad] = lines[bad].replace(",resources,", ",ressources,").replace(",appropriation,", ",ressources,") \
        .replace(",institutionalisation,", ",ressources,").replace(",policy_change,", ",ressources,")
    text = start + "".join(lines)
    if case == "CRLF line ends":
        text = text.replace("\n", "\r\n")
    (shipped / "codings.csv").write_bytes(text.encode("utf-8"))
    expected_line = "".join(lines[:bad]).count("\n") + 1
    is_regular = read_regular_csv(text.lstrip("\ufeff").encode("utf-8"), ",") is not None
    assert is_regular == (reader == "fast" and blanks is not None), "the case must reach the reader it tests"
    problems = [p for p in refusal(shipped) if p.column == "strategy"]
    assert [p.line for p in problems] == [expected_line]


# ------------------------------------------------------------------------------ bounded work
def test_text_longer_than_the_data_package_allows_is_refused_naming_column_and_limit(shipped):
    lines = codings_lines(shipped)
    for row, length in ((5, 5000), (6, 5001)):
        lines[row - 1] = with_cell(lines[row - 1], EXCERPT, "x" * length)
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    problems = refusal(shipped)
    assert [(p.line, p.column) for p in problems] == [(6, "excerpt")]
    assert "at most 5,000 characters in column 'excerpt' (this value has 5,001" in problems[0].expected


def test_a_cell_above_the_reader_limit_names_its_column(shipped):
    lines = codings_lines(shipped)
    lines[7] = with_cell(lines[7], EXCERPT, '"' + "y" * 1_100_000 + '"')
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    problems = refusal(shipped)
    assert [(p.line, p.column) for p in problems] == [(8, "excerpt")]
    assert "at most 1,000,000 characters" in problems[0].expected


def test_long_words_get_break_opportunities_and_short_ones_do_not():
    escaped = "a\\*" * 20 + " court " + "b" * 65
    result = breakable_markdown(escaped)
    pieces = result.split(" ")
    assert pieces[1] == "court"
    assert pieces[0].split(BREAK) == ["a\\*" * 15, "a\\*" * 5]  # an escape is never split
    assert [len(p) for p in pieces[2].split(BREAK)] == [30, 30, 5]
    assert breakable_markdown("RLP-001 et un mot") == "RLP-001 et un mot"


# ----------------------------------------------------------------------------- paths outside
SECRET = "top-secret-content-of-an-outside-file"


@pytest.mark.parametrize("kind", ["parent", "absolute", "url", "symlink", "windows", "nul byte", "home"])
def test_data_package_paths_leading_outside_are_refused_without_reading_them(shipped, tmp_path, kind):
    outside = tmp_path / "outside.csv"
    outside.write_text(f"plan_id,object\n{SECRET},x\n", encoding="utf-8")
    if kind == "symlink":
        (shipped / "link.csv").symlink_to(outside)
        value = "link.csv"
    else:
        value = {"parent": "../outside.csv", "absolute": str(outside), "url": "https://example.org/codings.csv",
                 "windows": "C:\\data\\codings.csv", "nul byte": "codings.csv\\0", "home": "~/codings.csv"}[kind]
    descriptor = shipped / "datapackage.yaml"
    quoted = f'"{value}"' if kind == "nul byte" else f"'{value}'"  # YAML writes a NUL as "\\0"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace("path: codings.csv", f"path: {quoted}"),
                          encoding="utf-8")
    with pytest.raises(InputError) as caught:
        validate_inputs(shipped / "codebook.yaml", descriptor)
    message = caught.value.report()
    assert "for resource 'codings'" in message and "column 'resources.path'" in message
    assert SECRET not in message


def test_a_symlink_inside_the_package_folder_is_accepted(shipped):
    (shipped / "codings.csv").rename(shipped / "codings-real.csv")
    (shipped / "codings.csv").symlink_to(shipped / "codings-real.csv")
    assert len(validate_inputs(shipped / "codebook.yaml", shipped / "datapackage.yaml").codings) == 1500


# ------------------------------------------------------------------------------- YAML bombs
ALIAS_BOMB = "\n".join(
    [f"bomb_a: &a [{', '.join(['lol'] * 9)}]"]
    + [f"bomb_{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\n"
BOMBS = {
    "alias bomb": lambda text: text + ALIAS_BOMB,
    "alias cycle": lambda text: text + "bomb_loop: &loop [1, *loop]\n",
    "long text repeated": lambda text: text + "bomb_text: &t " + "x" * 100_000 + "\nbomb_many: ["
    + ", ".join(["*t"] * 1000) + "]\n",
    "nesting by aliases": lambda text: text + "bomb_l0: &l0 [1]\n" + "".join(
        f"bomb_l{i}: &l{i} [*l{i - 1}]\n" for i in range(1, 200)),
    "duplicate key": lambda text: text + text.splitlines()[_first_key_line(text)] + "\n",
    "deep nesting": lambda text: text + "bomb_deep: " + "[" * 5000 + "]" * 5000 + "\n",
    "oversized file": lambda text: text + "# " + "x" * 2_100_000 + "\n",
    "not utf-8": lambda text: text + "bomb_label: Qu\udce9bec\n",
}


def _first_key_line(text: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if line and line[0].isalpha() and ":" in line
                and not line.startswith(("#", " ")))


# Each reader, as a statement run in a fresh interpreter on the file `path`.
LOADERS = {
    "codebook": ("data/raw/codebook.yaml",
                 "from rlp_pipeline.codebook import load_codebook as f; f(path)"),
    "data package": ("data/raw/datapackage.yaml",
                     "from rlp_pipeline.io.datapackage import load_datapackage as f; f(path)"),
    "findings registry": ("config/findings.yaml",
                          "from rlp_pipeline.registry import load_registry as f; from rlp_pipeline.codebook import "
                          "load_codebook; f(path, load_codebook(REPO + '/data/raw/codebook.yaml'))"),
    "import mapping": ("config/import-mapping.example.yaml",
                       "from rlp_pipeline.importers.mapping import load_mapping as f; from rlp_pipeline.codebook import "
                       "load_codebook; f(path, load_codebook(REPO + '/data/raw/codebook.yaml'))"),
    "simulation": ("config/simulation.yaml",
                   "from rlp_pipeline.simulate import load_simulation_parameters as f; f(path)"),
    "settings": ("config/config.yaml",
                 "from rlp_pipeline.safety.workflow import settings_problems; from rlp_pipeline.problems import "
                 "InputError; p = settings_problems(path, REPO + '/config/config.schema.yaml'); "
                 "assert p; raise InputError(p)"),
}
MEMORY_CAP = 1536 * 1024**2  # bytes of address space: a bomb that expanded would hit it at once

RUNNER = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (%(cap)d, %(cap)d))
    REPO = %(repo)r
    results = {}
    for bomb, path in json.loads(sys.argv[1]).items():
        try:
            %(statement)s
            results[bomb] = "accepted"
        except Exception as error:
            from rlp_pipeline.problems import InputError
            results[bomb] = error.report() if isinstance(error, InputError) else f"{type(error).__name__}: {error}"
    print(json.dumps(results))
""")


@pytest.mark.parametrize("loader", list(LOADERS))
def test_every_yaml_reader_refuses_every_bomb_with_file_and_line_under_a_memory_cap(tmp_path, loader):
    source, statement = LOADERS[loader]
    original = (REPO / source).read_text(encoding="utf-8")
    files = {}
    for bomb, mutate in BOMBS.items():
        path = tmp_path / f"{bomb.replace(' ', '-')}.yaml"
        path.write_bytes(mutate(original).encode("utf-8", errors="surrogateescape"))
        files[bomb] = str(path)
    script = RUNNER % {"cap": MEMORY_CAP, "repo": str(REPO), "statement": statement}
    environment = dict(os.environ, PYTHONPATH=str(REPO / "src"), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-c", script, json.dumps(files)], capture_output=True, text=True,
                            timeout=120, env=environment, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads(result.stdout)
    for bomb, message in results.items():
        name = Path(files[bomb]).name
        assert message.startswith("The "), (bomb, message)  # an InputError's report, not an exception
        problem_line = next(line for line in message.splitlines() if line.startswith(f"  - {name}"))
        if bomb != "oversized file":
            assert f"{name}, line " in problem_line, (bomb, problem_line)
        expected = {"alias bomb": "once aliases (*name) are expanded", "alias cycle": "a cycle",
                    "long text repeated": "characters once aliases", "nesting by aliases": "levels of nesting once aliases",
                    "duplicate key": "each key once",
                    "deep nesting": "levels of nesting", "oversized file": "bytes", "not utf-8": "UTF-8"}[bomb]
        assert expected in problem_line, (bomb, problem_line)


def test_the_shipped_yaml_files_all_load():
    from rlp_pipeline.io.yamlfile import load_yaml_with_lines

    for path in [*(REPO / "config").glob("*.yaml"), *RAW.glob("*.yaml")]:
        assert load_yaml_with_lines(path, path.name)[1] == [], path


def test_a_small_alias_is_still_accepted(tmp_path):
    from rlp_pipeline.io.yamlfile import load_yaml

    path = tmp_path / "a.yaml"
    path.write_text("a: &x {p: 0.3, q: 0.7}\nb: *x\n", encoding="utf-8")
    assert load_yaml(path, "test") == {"a": {"p": 0.3, "q": 0.7}, "b": {"p": 0.3, "q": 0.7}}


def test_unreadable_csv_is_a_problem_not_an_exception(tmp_path, monkeypatch):
    path = tmp_path / "codings.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    def denied(self):  # as for a file without read permission (tests may run as root, who reads all)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    table, problems = read_csv_file(path, "codings.csv")
    assert table is None and "permission" in problems[0].expected.lower()


@pytest.mark.parametrize("kind", ["utf-8 mark, windows-1252 line", "utf-16 mark, cut in a character"])
def test_bytes_that_break_the_encoding_their_byte_order_mark_announces_are_refused(shipped, kind):
    lines = codings_lines(shipped)
    if kind.startswith("utf-8"):
        recoded = [i for i, line in enumerate(lines) if not line.isascii()][3]
        data = b"\xef\xbb\xbf" + b"".join(line.encode("cp1252" if i == recoded else "utf-8")
                                           for i, line in enumerate(lines))
        accented_line = recoded + 1
    else:
        data = "".join(lines).encode("utf-16")[:-1]  # BOM, then an odd number of bytes
        accented_line = None
    (shipped / "codings.csv").write_bytes(data)
    problems = refusal(shipped)
    assert len(problems) == 1 and "byte-order mark announces" in problems[0].expected
    if accented_line:
        assert problems[0].line == accented_line


def test_a_pipe_in_place_of_a_table_is_refused_without_waiting(shipped):
    (shipped / "codings.csv").unlink()
    os.mkfifo(shipped / "codings.csv")  # reading it would wait forever for a writer
    problems = refusal(shipped)
    assert "not a regular file" in problems[0].expected


def test_a_multi_line_excerpt_listing_seven_items_is_not_taken_for_swallowed_rows(shipped):
    lines = codings_lines(shipped)
    lines[9] = with_cell(lines[9], EXCERPT, '"Nos priorités :\nlire, jouer, bouger, chanter, cuisiner, jardiner, dormir\nfin"')
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    assert len(validate_inputs(shipped / "codebook.yaml", shipped / "datapackage.yaml").codings) == 1500


def test_an_unreadable_yaml_file_is_a_problem_not_an_exception(monkeypatch):
    from rlp_pipeline.codebook import load_codebook

    def denied(self):  # as for a file without read permission (tests may run as root, who reads all)
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError) as caught:
        load_codebook(RAW / "codebook.yaml")
    assert "a readable file (Permission denied)" in caught.value.report()


def test_a_bad_row_spanning_lines_is_named_by_its_first_line(shipped):
    lines = codings_lines(shipped)[:40]
    lines[4] = with_cell(lines[4], EXCERPT, '"deux\nlignes"')  # line 5-6
    bad = 20  # the row on line 22, whose own excerpt spans three lines
    lines[bad] = with_cell(lines[bad], EXCERPT, '"une\ndeux\ntrois"').replace(",applied,", ",appliqué,") \
        .replace(",intended,", ",appliqué,")
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    problems = [p for p in refusal(shipped) if p.column == "status"]
    assert [p.line for p in problems] == [22]


def test_a_key_twice_in_one_flow_mapping_is_refused_and_a_merge_override_is_not(tmp_path):
    from rlp_pipeline.io.yamlfile import load_yaml_with_lines

    twice = tmp_path / "twice.yaml"
    twice.write_text("a: {x: 1, x: 2}\n", encoding="utf-8")
    assert "each key once" in load_yaml_with_lines(twice, "twice.yaml")[1][0].expected
    merged = tmp_path / "merged.yaml"
    merged.write_text("base: &b {p: 1, q: 2}\nc:\n  <<: *b\n  q: 3\n", encoding="utf-8")
    document, problems = load_yaml_with_lines(merged, "merged.yaml")
    assert problems == [] and (document["c"]["p"], document["c"]["q"]) == (1, 3)


# ------------------------------------------------------- a data package that breaks its own schema
@pytest.mark.parametrize("old, new, column", [
    ("maxLength: 5000", "maxLength: abc", "resources.codings.fields.excerpt.constraints.maxLength"),
    ("minimum: 1, maximum: 4", "minimum: one, maximum: 4", "resources.plans.fields.mobilisation_level.constraints.minimum"),
    ('pattern: "[A-Za-z0-9][A-Za-z0-9_.-]*"', 'pattern: "["', "resources.plans.fields.plan_id.constraints.pattern"),
    ("constraints: {required: true, maxLength: 64}", "constraints: 7", "resources.codings.fields.plan_id.constraints"),
    ("codebook: regions", "codebook: nosuchsection", "resources.plans.fields.region.codebook"),
    ("type: integer", "type: 5", "resources.plans.fields.region.type"),
    ("type: integer", "type: date", "resources.plans.fields.region.type"),
    ("primaryKey: [plan_id]", "primaryKey: 5", "resources.schema.primaryKey"),
    ("required: true, unique: true", "required: yes please, unique: true", "resources.plans.fields.plan_id.constraints.required"),
    ("- fields: [plan_id]", "- fields: 3", "resources.schema.foreignKeys"),
])
def test_a_malformed_field_definition_is_named_not_a_crash(shipped, old, new, column):
    descriptor = shipped / "datapackage.yaml"
    text = descriptor.read_text(encoding="utf-8")
    assert old in text
    descriptor.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert column in [p.column for p in refusal(shipped)]


def test_a_primary_key_given_as_one_name_is_accepted(shipped):
    descriptor = shipped / "datapackage.yaml"
    descriptor.write_text(descriptor.read_text(encoding="utf-8").replace("primaryKey: [plan_id]", "primaryKey: plan_id"),
                          encoding="utf-8")
    from rlp_pipeline.io.datapackage import load_datapackage

    assert load_datapackage(descriptor).resources["plans"].primary_key == ["plan_id"]


def test_a_codebook_id_that_is_not_a_word_is_named(shipped):
    codebook = shipped / "codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8").replace("  - id: activities", "  - id: [activities]", 1),
                        encoding="utf-8")
    problems = refusal(shipped)
    assert [(p.column, p.expected) for p in problems] == [("objects.id", "a code written as a word")]


def test_a_quote_opening_a_row_that_swallows_the_next_one_is_refused(shipped):
    lines = codings_lines(shipped)
    first_quoted = next(i for i, line in enumerate(lines) if ',"' in line)
    lines[first_quoted - 1] = '"' + lines[first_quoted - 1]  # an unquoted row opened by a stray quote
    (shipped / "codings.csv").write_text("".join(lines), encoding="utf-8")
    problems = refusal(shipped)
    assert [p.line for p in problems] == [first_quoted]
    assert "look like rows of their own" in problems[0].expected


@pytest.mark.parametrize("digits", ["١٢", "１２", "߁߂"])
def test_whole_numbers_in_other_scripts_are_refused_not_a_crash(shipped, digits):
    lines = (shipped / "plans.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = with_cell(lines[2], 2, digits)
    (shipped / "plans.csv").write_text("".join(lines), encoding="utf-8")
    assert [(p.line, p.column, p.value) for p in refusal(shipped)] == [(3, "region", digits)]


def _both_loaders(text: str):
    """_parse with the fast loader (libyaml's parser under PyYAML's composer) and with the
    pure-Python loader alone."""
    from rlp_pipeline.io import yamlfile

    fast = yamlfile._parse(text.encode("utf-8"), "f.yaml")
    saved, yamlfile._FastLineLoader = yamlfile._FastLineLoader, None
    try:
        pure = yamlfile._parse(text.encode("utf-8"), "f.yaml")
    finally:
        yamlfile._FastLineLoader = saved
    return fast, pure


YAML_PIECES = ["a: 1\n", "b: [1, 2]\n", "c: {x: y}\n", "- 1\n", "  d: 2\n", "e: &x [1]\nf: *x\n", "a: 2\n", "g: 'q'\n",
               "h: \"\\t\"\n", "i: |\n  text\n", "j: >\n  folded\n", "k: [\n", "]\n", "{\n", "l: @\n", "m: `\n", "n: %\n",
               "--- \n", "...\n", "o: !!str 3\n", "p: !tag x\n", "q: \t1\n", "\tr: 1\n", "s: \x07\n", "t: \u0085\n",
               "u: \ufeff\n", "v: 1: 2\n", "? w\n: 1\n", "<<: {a: 1}\n", "x: [[[[[1]]]]]\n", "y: 0x1F\n", "z: 1e3\n",
               "# comment\n", "'k': v\n", "aa: -\n", "bb: ~\n", "cc: 2001-12-14\n", "dd: .inf\n", "ee: [a, b,]\n",
               "ff: a\r\n", "gg: \u2028\n", "hh: é\n", "ii: !!binary aGk=\n", "jj: !!python/object x\n", "kk:\n",
               "  - x\n", " - y\n", "ll: 'a\n", "mm: \"a\n", "nn: a # c\n", "oo: a#c\n", "&a pp: 1\n", "qq: *nope\n",
               "%YAML 1.1\n", "rr: {a: 1, a: 2}\n", "ss: 1\n  tt: 2\n", ": x\n", "uu: [a: 1]\n", "vv: 012\n",
               "ww: 0o12\n", "xx: yes\n", "yy: 1_000\n", "zz: \ud7ff\n", "-- a\n", "\n", " \n"]


@pytest.mark.parametrize("loader", ["codebook.yaml", "findings.yaml", "config.yaml", "config.schema.yaml",
                                    "datapackage.yaml", "simulation.yaml"])
def test_the_fast_yaml_loader_reads_the_shipped_files_as_the_pure_python_one(loader):
    path = next(p for p in [*(REPO / "config").glob("*.yaml"), *RAW.glob("*.yaml")] if p.name == loader)
    fast, pure = _both_loaders(path.read_text(encoding="utf-8"))
    assert fast == pure and fast[1] == []


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(YAML_PIECES), min_size=1, max_size=8))
def test_the_fast_yaml_loader_accepts_and_refuses_what_the_pure_python_one_does(pieces):
    """Every stage reads its YAML through libyaml's parser under PyYAML's composer (about five
    times faster); anything it objects to is read again in pure Python, whose message users see.
    So the two must agree on every file: same document, or the same problem (never a file the
    fast loader accepts and the pure one would refuse)."""
    fast, pure = _both_loaders("".join(pieces))
    assert fast == pure


def test_a_control_character_in_a_yaml_file_is_a_problem_with_its_line_not_a_traceback(tmp_path):
    from rlp_pipeline.io.yamlfile import load_yaml_with_lines

    path = tmp_path / "settings.yaml"
    path.write_text("a: 1\nb: \x07\n", encoding="utf-8")
    document, problems = load_yaml_with_lines(path, "settings.yaml")
    assert document is None and len(problems) == 1
    assert problems[0].line == 2 and "U+0007" in problems[0].expected and "control character" in problems[0].expected
