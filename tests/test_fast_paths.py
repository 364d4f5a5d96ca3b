"""The fast paths give exactly what the straightforward code gives.

Reading a raw CSV column by column with pandas' C engine must give the same header, cells, line
numbers and problems as the tolerant row-by-row reader, and must step aside whenever it might
not; writing a table column by column must give the bytes of ``DataFrame.to_csv``; reading the
derived tables with typed integer columns must give the same table; the per-plan use tables
built once per sample must not be shared between callers.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import RAW, SMALL_CODINGS, SMALL_PLANS
from rlp_pipeline.io import tables
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.io.outputs import _QUOTED_IF, _csv_cells, csv_bytes
from rlp_pipeline.plan_tables import AnalysedSample, variable_use
from rlp_pipeline.io.tables import read_csv_file, read_regular_csv, read_typed_csv


def row_by_row(text: str) -> tuple:
    """What the tolerant reader makes of a text (header, rows, blank rows, problems)."""
    parsed, problems = tables._read_row_by_row(text, tables.sniff_delimiter(tables.first_line(text)), "t.csv", "utf-8")
    if parsed is None:
        return None, [str(p) for p in problems]
    return (parsed.header, parsed.rows, parsed.blank_rows_skipped), [str(p) for p in problems]


def as_read(path: Path) -> tuple:
    parsed, problems = read_csv_file(path, "t.csv")
    if parsed is None:
        return None, [str(p) for p in problems]
    return (parsed.header, parsed.rows, parsed.blank_rows_skipped), [str(p) for p in problems]


def random_csv(rng: random.Random) -> str:
    """A small CSV text: mostly regular (quoted cells with delimiters, doubled quotes, spaces),
    sometimes ragged, with stray quotes, blank lines or other line ends."""
    delimiter = rng.choice([",", ";", "\t"])
    width = rng.randint(1, 4)
    lines = []
    for row in range(rng.randint(0, 6)):
        cells = []
        for _ in range(max(0, width + (rng.choice([0] * 8 + [-1, 1, 2]) if row else 0))):
            value = "".join(rng.choice(["a", "é", " ", ",", ";", '"', "\t", "b", ""]) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.4 or any(c in value for c in (delimiter, '"')):
                if rng.random() < 0.95:
                    value = " " * rng.randint(0, 1) + '"' + value.replace('"', '""') + '"' + " " * (rng.random() < 0.05)
            cells.append(value)
        lines.append(delimiter.join(cells))
    end = rng.choice(["\n", "\r\n", "\n", "\r"])
    text = end.join(lines) + (end if rng.random() < 0.7 else "")
    return end * (rng.random() < 0.1) + text


# --- reading ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["plans.csv", "codings.csv"])
def test_the_shipped_tables_are_read_column_by_column_with_the_same_result(name):
    data = (RAW / name).read_bytes()
    fast = read_regular_csv(data, ",")
    assert fast is not None, "the shipped tables are regular: the fast reader must take them"
    header_line, header, lines, columns, blank_rows = fast
    slow, problems = row_by_row(data.decode("utf-8"))
    assert problems == [] and header_line == 1
    assert (header, [(int(line), list(cells)) for line, cells in zip(lines, zip(*columns))], blank_rows) == slow


@pytest.mark.parametrize("text", [
    SMALL_CODINGS,
    SMALL_CODINGS.replace("\n", "\r\n"),
    "a;b\n1;2\n\n ;\n3; \"x;y\"\n",                    # blank rows, a space before a quoted cell
    'a,b\n"x ""quoted"" word",2\n',                     # doubled quotes inside a quoted cell
    "A,B,,\n1,2,,\n3,,,\n",                               # Excel's padding past the last column
    "a,b\n1\n",                                           # a short row, padded
    "a,a\n1,2\n",                                         # a duplicate column
    "a,b\n",                                              # a header only
])
def test_regular_files_are_read_as_the_row_by_row_reader_reads_them(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_regular_csv(text.encode("utf-8"), tables.sniff_delimiter(tables.first_line(text))) is not None
    assert as_read(path) == row_by_row(text)


@pytest.mark.parametrize("text", [
    "a,b\n1,2,3\n",                  # a row wider than the header: named by the row-by-row reader
    'a,b\n1,x"y\n',                  # a quote inside an unquoted cell
    'a,b\n1,"x" y\n',                # text after a closing quote
    'a,b\n1,"x\ny"\n',               # a quoted cell across lines: rows and lines no longer match
    'a,b\n1,"x\n',                   # an unterminated quote
    "a,b\r1,2\r",                    # old Mac line ends
    "a,b\n1,\x002\n",                # a NUL byte
    "\na,b\n1,2\n",                  # a blank line before the header
])
def test_irregular_files_go_to_the_row_by_row_reader(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    assert read_regular_csv(text.encode("utf-8"), ",") is None
    assert as_read(path) == row_by_row(text)


def test_a_line_above_the_csv_field_limit_goes_to_the_row_by_row_reader(tmp_path, monkeypatch):
    import rlp_pipeline.io.tables as tables

    monkeypatch.setattr(tables, "CSV_CELL_LIMIT", 1000)
    text = "a,b\n1," + "x" * 1001 + "\n"
    with tables._cell_limit(1000):
        assert read_regular_csv(text.encode("utf-8"), ",") is None
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    _, problems = read_csv_file(path, "t.csv")
    assert [(p.line, p.column) for p in problems] == [(2, "b")]
    assert "at most 1,000 characters" in problems[0].expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_random_files_in_every_encoding_are_read_as_the_row_by_row_reader_reads_them(tmp_path, encoding):
    rng = random.Random(encoding)
    path = tmp_path / "t.csv"
    taken = 0
    for _ in range(400):
        text = random_csv(rng)
        path.write_bytes(text.encode(encoding))
        if not text.strip():
            continue
        taken += read_regular_csv(text.encode("utf-8"), tables.sniff_delimiter(tables.first_line(text))) is not None
        assert as_read(path) == row_by_row(text), repr(text)
    assert taken > 50, "the generator must exercise the fast reader too"


def test_first_line_is_the_first_line_splitlines_gives():
    for text in ("a,b\nc", "\r\n\na;b\r\nc", "a\x0cb\nc", "a\u2028b\nc", "a", "\n\n a \n"):
        assert tables.first_line(text) == text.lstrip("\r\n").splitlines()[0]


def test_typed_reading_of_a_derived_table_gives_the_text_reading_converted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,n,name\nNA,1,\n007,-2,x\n", encoding="utf-8")
    typed = read_typed_csv(path, ("n",))
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    text["n"] = text["n"].astype("int64")
    pd.testing.assert_frame_equal(typed, text)
    for bad in ("id,n\nA,1.5\n", "id,n\nA,\n", "id,n\nA,x\n", "id\nA\n", "id,n\nA,99999999999999999999\n"):
        path.write_text(bad, encoding="utf-8")
        assert read_typed_csv(path, ("n",)) is None, bad


# --- writing ---------------------------------------------------------------------------------

def to_csv(table: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def test_only_the_characters_listed_make_the_csv_module_quote_a_cell():
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    quoted = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([f"a{chr(code)}b", ""])
        if buffer.getvalue().startswith('"'):
            quoted.append(chr(code))
    assert set(quoted) <= set(_QUOTED_IF)


def test_tables_are_written_with_the_bytes_of_to_csv():
    rng = np.random.default_rng(4)
    texts = ["", "a", "é,", 'q"q', "x\ny", "x\r\ny", "\r", " lead", "trail ", "NA", "\u2028", "'", "a;b", "\t"]
    fast = 0
    for case in range(300):
        n = int(rng.integers(0, 6))
        columns = {}
        for k in range(int(rng.integers(1, 5))):
            kind = rng.choice(["str", "object", "int", "float", "bool", "Int64", "mixed", "category"])
            if kind in ("str", "object"):
                values = [str(rng.choice(texts)) for _ in range(n)]
                if n and rng.random() < 0.3:
                    values[0] = None
                columns[f"c{k}"] = pd.Series(values, dtype=str if kind == "str" else object)
            elif kind == "int":
                columns[f"c{k}, \"n\""] = rng.integers(-10**12, 10**12, n)
            elif kind == "float":
                values = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 20, n)
                if n:
                    values[0] = rng.choice([np.nan, np.inf, -0.0, 1e16, 0.1])
                columns[f"c{k}"] = values
            elif kind == "bool":
                columns[f"c{k}"] = rng.random(n) < 0.5
            elif kind == "Int64":
                columns[f"c{k}"] = pd.array([rng.choice([None, 0, 3, -7]) for _ in range(n)], dtype="Int64")
            elif kind == "mixed":
                columns[f"c{k}"] = pd.Series([[1, "a", 2.5, None, True][int(rng.integers(0, 5))] for _ in range(n)], dtype=object)
            else:
                columns[f"c{k}"] = pd.Categorical([str(rng.choice(["a", "b,c"])) for _ in range(n)])
        table = pd.DataFrame(columns)
        fast += _csv_cells(table) is not None
        assert csv_bytes(table) == to_csv(table), (case, table.dtypes.tolist())
    assert fast > 50, "the cases must exercise the column-by-column writer too"


def test_the_shipped_tables_are_written_back_byte_for_byte():
    for name in ("plans.csv", "codings.csv"):
        table = pd.read_csv(RAW / name, dtype=str, keep_default_na=False)
        assert _csv_cells(table) is not None
        assert csv_bytes(table) == (RAW / name).read_bytes()


# --- per-plan tables built once per sample -----------------------------------------------------

def test_per_plan_use_tables_are_built_once_and_handed_out_as_copies():
    codebook = load_codebook(RAW / "codebook.yaml")
    codings = pd.read_csv(io.StringIO(SMALL_CODINGS), dtype=str, keep_default_na=False)
    plans = pd.read_csv(io.StringIO(SMALL_PLANS), dtype=str, keep_default_na=False)
    sample = AnalysedSample(plans, codings, {})
    first = variable_use(sample, codebook, "strategies")
    first.iloc[:, :] = 9
    second = variable_use(sample, codebook, "strategies")
    assert second.isin([0, 1]).all().all()
    assert second.loc["RLP-001", "resources"] == 1 and second.loc["RLP-004", "resources"] == 0
    assert len(sample._uses) == 1
