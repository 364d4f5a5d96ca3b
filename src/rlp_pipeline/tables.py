"""Reading the CSV files evaluators' tools really write.

French Excel saves CSV as Windows-1252 with semicolons; other tools write UTF-8 with or without a
byte-order mark, with commas, CRLF line endings and stray spaces. :func:`read_csv_file` accepts
all of these, says which encoding and delimiter it found, and turns every other defect (missing
file, empty file, a row with too many cells, a duplicate column) into a :class:`Problem` naming
the file and line, so that the caller can list all problems at once.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem

# Order matters: a UTF-8 BOM is tried before the UTF-16 ones.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DELIMITERS = (",", ";", "\t")


@dataclass
class CsvFile:
    """A CSV file read as text: its header, its data rows with their line numbers, and how it
    was encoded. Cells and column names are stripped of surrounding spaces; column names are
    lower-cased so that `Plan_ID` and `plan_id` are the same column."""

    shown_as: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    blank_rows_skipped: int = 0


def decode(content: bytes) -> tuple[str, str]:
    """Decode file bytes; return (text, encoding name).

    A byte-order mark decides when present. Otherwise UTF-8 is tried strictly and, if the bytes
    are not valid UTF-8, Windows-1252 (what French Excel writes) is used: UTF-8 text almost never
    decodes by accident as something else, so this order does not mislabel files.
    """
    for mark, encoding in _BYTE_ORDER_MARKS:
        if content.startswith(mark):
            return content.decode(encoding), "utf-8 with BOM" if encoding == "utf-8-sig" else "utf-16"
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


def read_csv_file(path: Path, shown_as: str) -> tuple[CsvFile | None, list[Problem]]:
    """Read a CSV file leniently; return the parsed file (None if unusable) and its problems."""
    if not path.exists():
        return None, [Problem(shown_as, None, None, None, f"a file at {path} (it does not exist)")]
    if not path.is_file():
        return None, [Problem(shown_as, None, None, None, f"a file at {path} (it is a folder)")]
    text, encoding = decode(path.read_bytes())
    if "\ufffd" in text and encoding == "windows-1252":
        bad_line = text[: text.index("\ufffd")].count("\n") + 1
        return None, [Problem(shown_as, bad_line, None, None, "text encoded as UTF-8 or Windows-1252")]
    if not text.strip():
        return None, [Problem(shown_as, None, None, "", "a header line naming the columns, then one row per record (the file is empty)")]
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    problems: list[Problem] = []
    parsed: CsvFile | None = None
    previous_end = 0
    try:
        for cells in reader:
            start_line, previous_end = previous_end + 1, reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                if parsed is not None:
                    parsed.blank_rows_skipped += 1
                continue
            if parsed is None:
                while cells and cells[-1] == "":
                    cells.pop()  # trailing delimiters after the last column name
                parsed = CsvFile(shown_as, [c.lower() for c in cells], encoding=encoding, delimiter=delimiter)
                problems += _header_problems(parsed.header, shown_as, start_line)
                continue
            while cells and len(cells) > len(parsed.header) and cells[-1] == "":
                cells.pop()  # Excel pads rows with empty cells past the last column
            if len(cells) > len(parsed.header):
                problems.append(
                    Problem(shown_as, start_line, None, delimiter.join(cells[len(parsed.header):]),
                            f"at most {len(parsed.header)} values, one per column of the header "
                            f"(this row has {len(cells)}; is there an unquoted '{delimiter}' in a value?)")
                )
                continue
            parsed.rows.append((start_line, cells + [""] * (len(parsed.header) - len(cells))))
    except csv.Error as error:
        problems.append(Problem(shown_as, reader.line_num, None, None, f"well-formed CSV ({error})"))
    if parsed is not None and not parsed.rows and not problems:
        problems.append(Problem(shown_as, None, None, None, "at least one data row under the header (the file has only a header)"))
    return parsed, problems


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
