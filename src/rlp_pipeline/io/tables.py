"""Reading the CSV files evaluators' tools really write.

French Excel saves CSV as Windows-1252 with semicolons; other tools write UTF-8 with or without a
byte-order mark, with commas, CRLF line endings and stray spaces. :func:`read_csv_file` accepts
all of these, says which encoding and delimiter it found, and turns every other defect (missing
file, empty file, a row with too many cells, a duplicate column) into a :class:`Problem` naming
the file and line, so that the caller can list all problems at once.

Two readers give the same result. A regular file (every row on one line, every double quote
opening, closing or doubled inside a quoted cell, no row wider than the header) is parsed by
pandas' C engine, column by column: a million rows take seconds, not half a minute. Any other
file (ragged rows, quoting oddities, old Mac line endings, a NUL byte, a line above the csv
module's field size limit) goes through the tolerant row-by-row reader, which says exactly what
is wrong and where.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Problem
from ..safety.encoding import line_excerpt, mixed_encoding_lines, utf16_without_bom

# Order matters: a UTF-8 BOM is tried before the UTF-16 ones.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DELIMITERS = (",", ";", "\t")
_QUOTE, _NEWLINE, _SPACE = ord('"'), ord("\n"), ord(" ")
# The longest cell the readers accept, in characters: far above the longest text the data
# package allows in any column (its `maxLength` constraints, checked at validation with the
# column named), so that a long cell is refused by that check rather than by the csv module's
# own limit (131,072), and far below what would exhaust memory.
CSV_CELL_LIMIT = 1_000_000
# Marks the end of the text given to the row-by-row reader: a row made of it alone is read only
# when every quoted cell was closed before the end of the file (a private-use character, which
# no export writes).
_END = "\ue000end-of-file\ue000"
# Rows whose short values are remembered, per column, to recognise rows swallowed by an open quote.
_KNOWN_ROWS = 2000


@dataclass
class CsvFile:
    """A CSV file read as text: its header, its data rows with their line numbers, and how it
    was encoded. Cells and column names are stripped of surrounding spaces; column names are
    lower-cased so that `Plan_ID` and `plan_id` are the same column.

    The data rows are held column by column, as the checks read them: ``columns[k]`` is an
    object array of the k-th cell of every row ("" where a row is shorter than the header) and
    ``lines[i]`` the line of the i-th row. :attr:`rows` gives them row by row."""

    shown_as: str
    header: list[str]
    lines: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    columns: list[np.ndarray] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    blank_rows_skipped: int = 0

    @property
    def row_count(self) -> int:
        """The number of data rows (blank rows are not data rows)."""
        return len(self.lines)

    @property
    def rows(self) -> list[tuple[int, list[str]]]:
        """The data rows as (line, cells) pairs, the cells in header order."""
        return [(line, list(cells)) for line, cells in zip(self.lines.tolist(), zip(*self.columns))]

    def column(self, name: str) -> np.ndarray:
        """The cells of the first column of that (lower-case) name."""
        return self.columns[self.header.index(name)]


def decode(content: bytes) -> tuple[str, str]:
    """Decode file bytes; return (text, encoding name).

    A byte-order mark decides when present. Otherwise UTF-8 is tried strictly and, if the bytes
    are not valid UTF-8, Windows-1252 (what French Excel writes) is used: UTF-8 text almost never
    decodes by accident as something else, so this order does not mislabel files.
    """
    for mark, encoding in _BYTE_ORDER_MARKS:
        if content.startswith(mark):
            return content.decode(encoding), "utf-8 with BOM" if encoding == "utf-8-sig" else "utf-16"
    utf16 = utf16_without_bom(content)
    if utf16:
        return content.decode(utf16), f"{utf16} without BOM"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), "windows-1252"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file, judged on its header line: the most frequent of comma,
    semicolon and tab outside quotes (comma when there is none, as for a one-column file)."""
    outside_quotes = header_line.split('"')[::2]
    counts = {d: sum(part.count(d) for part in outside_quotes) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def first_line(text: str) -> str:
    """The first line of the text after any leading line ends, as ``str.splitlines`` cuts it,
    without splitting the whole (possibly very long) text."""
    text = text.lstrip("\r\n")
    end = text.find("\n")
    return (text if end < 0 else text[: end + 1]).splitlines()[0]


def read_csv_file(path: Path, shown_as: str) -> tuple[CsvFile | None, list[Problem]]:
    """Read a CSV file leniently; return the parsed file (None if unusable) and its problems."""
    if not path.exists():
        return None, [Problem(shown_as, None, None, None, f"a file at {path} (it does not exist)")]
    if not path.is_file():
        what = "a folder" if path.is_dir() else "not a regular file (a device or a pipe)"
        return None, [Problem(shown_as, None, None, None, f"a file at {path} (it is {what})")]
    try:
        content = path.read_bytes()
    except OSError as error:
        return None, [Problem(shown_as, None, None, None, f"a readable file ({error.strerror})",
                              "Check the file's permissions.")]
    with _cell_limit(CSV_CELL_LIMIT):
        return _read_content(content, shown_as)


@contextlib.contextmanager
def _cell_limit(limit: int):
    """The csv module's (process-wide) field size limit set to `limit` while reading, then restored."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_content(content: bytes, shown_as: str) -> tuple[CsvFile | None, list[Problem]]:
    """Read a CSV file's bytes: see :func:`read_csv_file`."""
    try:
        text, encoding = decode(content)
    except UnicodeDecodeError as error:  # a byte-order mark announces an encoding the bytes break
        decoded = bytes(error.object)  # the bytes the codec saw (after the mark, for utf-8-sig)
        line = decoded[: error.start].count(b"\n") + 1
        return None, [Problem(
            shown_as, line, None, None,
            f"text in the encoding its byte-order mark announces ({error.encoding}); byte 0x{decoded[error.start]:02x} "
            f"of this line is not ({error.reason})",
            "The file mixes encodings or was cut short. Open it in an editor, correct this line and save the whole "
            "file as UTF-8.")]
    mixed = mixed_encoding_lines(content) if encoding == "windows-1252" else None
    if mixed:
        utf8_line, other_line = mixed
        return None, [Problem(
            shown_as, other_line, None, line_excerpt(content, other_line, "cp1252"),
            f"one text encoding for the whole file: line {utf8_line} is UTF-8 "
            f"({line_excerpt(content, utf8_line, 'utf-8')!r}) but line {other_line} is not (read here as Windows-1252)",
            "The file mixes encodings; reading it either way would change letters. Open it in an editor, "
            "correct the accented letters of the lines that are not UTF-8 and save the whole file as UTF-8.")]
    if "\ufffd" in text and encoding == "windows-1252":
        bad_line = text[: text.index("\ufffd")].count("\n") + 1
        return None, [Problem(shown_as, bad_line, None, None, "text encoded as UTF-8 or Windows-1252")]
    if not text.strip():
        return None, [Problem(shown_as, None, None, "", "a header line naming the columns, then one row per record (the file is empty)")]
    delimiter = sniff_delimiter(first_line(text))
    # The fast reader parses UTF-8 bytes: the file's own when it is plain UTF-8.
    regular = read_regular_csv(content if encoding == "utf-8" else text.encode("utf-8"), delimiter)
    if regular is None:
        return _read_row_by_row(text, delimiter, shown_as, encoding)
    header_line, header, lines, columns, blank_rows = regular
    parsed = CsvFile(shown_as, header, lines, columns, encoding=encoding, delimiter=delimiter,
                     blank_rows_skipped=blank_rows)
    return parsed, _no_row_problems(parsed, _header_problems(header, shown_as, header_line))


def _read_row_by_row(text: str, delimiter: str, shown_as: str, encoding: str) -> tuple[CsvFile | None, list[Problem]]:
    """The tolerant reader: the csv module, row by row, a problem for each row it cannot use."""
    ending = "" if text.endswith(("\n", "\r")) else "\n"
    reader = csv.reader(io.StringIO(text + ending + _END + "\n", newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    problems: list[Problem] = []
    closed = False
    header: list[str] | None = None
    lines: list[int] = []
    rows: list[list[str]] = []
    blank_rows = 0
    previous_end = 0
    try:
        for cells in reader:
            start_line, previous_end = previous_end + 1, reader.line_num
            if cells == [_END]:
                closed = True
                break
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                if header is not None:
                    blank_rows += 1
                continue
            if header is None:
                while cells and cells[-1] == "":
                    cells.pop()  # trailing delimiters after the last column name
                header = [c.lower() for c in cells]
                known: list[set[str]] = [set() for _ in header]  # short values of the first rows, per column
                problems += _header_problems(header, shown_as, start_line)
                continue
            if previous_end > start_line:  # a row across lines: is it one record or several?
                swallowed = _swallowed_rows(cells, header, delimiter, shown_as, start_line, previous_end, known)
                if swallowed:
                    problems += swallowed
                    continue
            while cells and len(cells) > len(header) and cells[-1] == "":
                cells.pop()  # Excel pads rows with empty cells past the last column
            if len(cells) > len(header):
                problems.append(
                    Problem(shown_as, start_line, None, delimiter.join(cells[len(header):]),
                            f"at most {len(header)} values, one per column of the header "
                            f"(this row has {len(cells)}; is there an unquoted '{delimiter}' in a value?)")
                )
                continue
            lines.append(start_line)
            rows.append(cells + [""] * (len(header) - len(cells)))
            if len(rows) <= _KNOWN_ROWS:
                for column, cell in zip(known, cells):
                    if len(cell) <= 64:
                        column.add(cell)
        if not closed:
            problems.append(_open_quote_problem(rows, lines, header, shown_as, start_line))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            column = _long_cell_column(text, previous_end + 1, delimiter)
            name = header[column] if header is not None and column is not None and column < len(header) else None
            problems.append(Problem(
                shown_as, previous_end + 1, name, None,
                f"cells of at most {CSV_CELL_LIMIT:,} characters (a cell starting on this line is longer; "
                "data/raw/datapackage.yaml gives each text column's maximum length, far below this)",
                "Is a quote left open, so that the cell runs on over the following rows? Otherwise shorten the text."))
        else:
            problems.append(Problem(shown_as, reader.line_num, None, None, f"well-formed CSV ({error})"))
    if header is None:
        return None, problems
    columns = [np.array(cells, dtype=object) for cells in zip(*rows)] if rows else [
        np.empty(0, dtype=object) for _ in header]
    parsed = CsvFile(shown_as, header, np.array(lines, dtype=np.int64), columns, encoding=encoding,
                     delimiter=delimiter, blank_rows_skipped=blank_rows)
    return parsed, _no_row_problems(parsed, problems)


def _open_quote_problem(rows: list[list[str]], lines: list[int], header: list[str] | None, shown_as: str,
                        line: int) -> Problem:
    """The problem of a file that ends inside a quoted cell (the csv module would silently keep
    what follows the opening quote as one cell): the line where that last row starts, its column
    and the start of the cell."""
    column = value = None
    if rows and header and lines[-1] == line:
        last = rows[-1]
        position = max((k for k, cell in enumerate(last) if cell), default=None)
        if position is not None:
            column, value = header[position], last[position][:60] + ("…" if len(last[position]) > 60 else "")
    return Problem(shown_as, line, column, value,
                   "every quoted value closed by a '\"' (the file ends inside a value opened by a '\"' on this line: "
                   "it may have been cut short, or a '\"' inside a value is not doubled)",
                   "Check the end of the file against the original export (was it copied or saved completely?); "
                   "double each '\"' that is part of a value (\"\").")


def _swallowed_rows(cells: list[str], header: list[str] | None, delimiter: str, shown_as: str,
                    first: int, last: int, known: list[set[str]]) -> list[Problem]:
    """A problem when a row spanning lines `first` to `last` holds, inside a quoted cell, lines
    that look like rows of their own: when earlier rows are known, at most as many values as the
    header has columns, two of which are values found in the same column of earlier rows (such
    as codes); otherwise exactly as many values as the header has columns. A quote left open swallowed them, and the file would silently have fewer rows than
    records. A genuine multi-line text (a list with commas) rarely matches both."""
    if header is None or len(header) < 3:
        return []

    def looks_like_a_row(piece: str) -> bool:
        values = [value.strip() for value in next(csv.reader([piece], delimiter=delimiter), [])]
        if not any(known):  # no earlier row to compare with: the width alone
            return len(values) == len(header)
        # The last swallowed line may be cut by the quote that ends the swallowing: narrower.
        return len(values) <= len(header) and sum(
            value != "" and value in seen for value, seen in zip(values, known)) >= 2

    for position, cell in enumerate(cells):
        looking_like_rows = [piece for piece in cell.splitlines()[1:] if looks_like_a_row(piece)]
        if looking_like_rows:
            name = header[position] if position < len(header) else None
            return [Problem(
                shown_as, first, name, looking_like_rows[0][:60],
                f"one record per row: a quoted value opened on line {first} runs to line {last} and takes in "
                f"{len(looking_like_rows)} line(s) that look like rows of their own, such as the one shown",
                "A '\"' inside a value must be doubled (\"\"), and every quoted value closed on its row; "
                "correct the quotes around this line.")]
    return []


def _long_cell_column(text: str, line: int, delimiter: str) -> int | None:
    """The position (0-based) of the first cell longer than :data:`CSV_CELL_LIMIT` in the row
    starting at `line`, found by walking the text of that row as the csv module would; None
    when not found."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return None
    position, length, quoted, at_start = 0, 0, False, True
    index = start
    while index < len(text):
        char = text[index]
        if quoted:
            if char == '"':
                if text.startswith('"', index + 1):
                    index += 1
                    length += 1
                else:
                    quoted = False
            else:
                length += 1
        elif char == '"' and at_start:
            quoted = True
        elif char == delimiter:
            position, length, at_start = position + 1, 0, True
            index += 1
            continue
        elif char in "\r\n":
            return None
        else:
            length += 1
        at_start = at_start and char == " "
        if length > CSV_CELL_LIMIT:
            return position
        index += 1
    return None


def _no_row_problems(parsed: CsvFile, problems: list[Problem]) -> list[Problem]:
    """The problems found, plus one if the file has a header and nothing else wrong but no row."""
    if not parsed.row_count and not problems:
        problems = problems + [Problem(parsed.shown_as, None, None, None,
                                       "at least one data row under the header (the file has only a header)")]
    return problems


def read_regular_csv(data: bytes, delimiter: str) -> tuple[int, list[str], np.ndarray, list[np.ndarray], int] | None:
    """Parse a regular CSV file (UTF-8 bytes) column by column with pandas' C engine; None when
    the file is not regular (see :func:`regular_lines`) or has a row wider than its header,
    i.e. whenever the row-by-row reader might read it differently or find a problem in it.

    Returns (line of the header, header, lines of the data rows, one object array of stripped
    cells per header column, number of blank rows after the header): exactly what the row-by-row
    reader gives, with every row on its own line so that row i is line i + 1.
    """
    physical_lines = regular_lines(data, delimiter)
    if physical_lines is None:
        return None
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=delimiter, header=None, dtype=object, na_filter=False,
                            skipinitialspace=True, skip_blank_lines=False, quotechar='"', doublequote=True,
                            engine="c", encoding="utf-8")
        if len(frame) != physical_lines:
            return None
        strip = np.frompyfunc(str.strip, 1, 1)
        cells = [strip(frame[k].to_numpy(dtype=object)) for k in frame.columns]
    except (ValueError, TypeError):  # a ragged row, or a cell that is not text
        return None
    del frame
    blank = np.ones(physical_lines, dtype=bool)
    for column in cells:
        blank &= column == ""
    if blank.all():
        return None
    first = int(np.argmin(blank))  # the header: the first row that is not blank
    header = [column[first] for column in cells]
    while header[-1] == "":
        header.pop()  # trailing delimiters after the last column name
    data_rows = first + 1 + np.flatnonzero(~blank[first + 1:])
    if any((cells[k][data_rows] != "").any() for k in range(len(header), len(cells))):
        return None  # a row wider than the header: the row-by-row reader names it
    columns = [cells[k][data_rows] for k in range(len(header))]
    blank_rows = physical_lines - first - 1 - len(data_rows)
    return first + 1, [name.lower() for name in header], (data_rows + 1).astype(np.int64), columns, blank_rows


def regular_lines(data: bytes, delimiter: str) -> int | None:
    """The number of lines of a regular CSV file (UTF-8 bytes), or None when the file is not
    regular: when pandas' C engine and the csv module might not read it the same way, row for
    row and line for line.

    Regular means: no NUL byte; no carriage return outside a CRLF line end (the csv module also
    ends lines at a lone CR); no line longer than the csv module's field size limit (it refuses
    such a cell); and every double quote belongs to a quoted cell, opening it at the start of the
    cell (after optional spaces), closing it right before the delimiter or the line end, or
    doubled inside it, with no quoted cell spanning lines. Checked on the byte positions of the
    quotes and line ends, without a loop over the rows.
    """
    if b"\0" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    byte = np.frombuffer(data, dtype=np.uint8)
    line_ends = np.flatnonzero(byte == _NEWLINE)
    lines = len(line_ends) + (0 if data.endswith(b"\n") else 1)
    if np.diff(line_ends, prepend=-1, append=len(byte)).max() - 1 > csv.field_size_limit():
        return None
    quotes = np.flatnonzero(byte == _QUOTE)
    if quotes.size == 0:
        return lines
    if quotes.size % 2:
        return None
    opens, closes = quotes[0::2], quotes[1::2]
    # An opening quote right after a closing one is the second quote of a doubled quote.
    doubled = np.zeros(len(opens), dtype=bool)
    doubled[1:] = opens[1:] == closes[:-1] + 1
    starts = opens[~doubled]
    ends = closes[np.append(~doubled[1:], True)]
    if (np.searchsorted(line_ends, starts) != np.searchsorted(line_ends, ends)).any():
        return None
    after = byte[np.minimum(ends + 1, len(byte) - 1)]
    closed = (ends + 1 == len(byte)) | np.isin(after, [ord(delimiter), _NEWLINE, ord("\r")])
    if not closed.all():
        return None
    before = byte[np.maximum(starts - 1, 0)]
    opened = (starts == 0) | np.isin(before, [ord(delimiter), _NEWLINE])
    for start in starts[~opened]:  # spaces before the quote: skipped by both readers
        position = int(start) - 1
        while position >= 0 and byte[position] == _SPACE:
            position -= 1
        if position >= 0 and byte[position] not in (ord(delimiter), _NEWLINE):
            return None
    return lines


def read_typed_csv(path: Path, integer_columns: Sequence[str]) -> pd.DataFrame | None:
    """A table written by an earlier stage (UTF-8, comma): every column as text except the
    integer ones, parsed as whole numbers by the C engine while reading; None when one of them is
    absent or holds anything else than whole numbers, for the caller to read the table as text
    and name each bad value. Much faster on a million rows than converting text afterwards, and
    the same numbers."""
    try:
        columns = pd.read_csv(path, nrows=0, encoding="utf-8").columns
        if not all(column in columns for column in integer_columns):
            return None
        dtypes = {column: ("int64" if column in integer_columns else str) for column in columns}
        return pd.read_csv(path, dtype=dtypes, keep_default_na=False, encoding="utf-8")
    except (ValueError, OverflowError):
        return None


def _header_problems(header: list[str], shown_as: str, line: int) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name == "":
            problems.append(Problem(shown_as, line, f"#{position}", "", "a name for every column of the header"))
        elif name in seen:
            problems.append(Problem(shown_as, line, name, name, "each column name once in the header"))
        seen.add(name)
    return problems
