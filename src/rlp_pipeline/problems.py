"""Problems found in user input, and the error that carries all of them at once.

Evaluators fix their files faster when every problem is listed in one go, each naming the file,
the line, the column, the value found and what was expected. Every reader and checker in the
package appends :class:`Problem` objects to a list and raises :class:`InputError` at the end of
a stage, never at the first problem.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one input file.

    `line` is the physical line in the file (the header of a CSV is line 1), or None when the
    problem concerns the whole file; `column` is a column or YAML key, or None.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    hint: str | None = None

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f", line {self.line}"
        if self.column is not None:
            place += f", column '{self.column}'"
        text = f"{place}: "
        if self.value is not None:
            text += f"found {_show(self.value)}; "
        text += f"expected {self.expected}."
        if self.hint:
            text += f" {self.hint}"
        return text


def _show(value: str) -> str:
    """Quote a value for a message, making empty and blank values visible."""
    if value == "":
        return "an empty value"
    return repr(value) if value.strip() == value else f"{value!r} (with surrounding spaces)"


class InputError(Exception):
    """Raised when an input cannot be used; carries every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem], stage: str = "validation"):
        self.problems = list(problems)
        self.stage = stage
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        """The plain-language text shown to the user: a count, then one line per problem."""
        files = sorted({p.file for p in self.problems})
        head = (
            f"The {self.stage} stopped: {len(self.problems)} problem"
            f"{'s' if len(self.problems) != 1 else ''} in {', '.join(files)}. "
            "Nothing was written. Fix the input and run again."
        )
        lines = [head] + [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more problems of the same kinds.")
        return "\n".join(lines)


class CheckFailed(Exception):
    """Raised when one of the pipeline's own checks of its results fails (an audit notebook
    whose recomputation disagrees with a derived table): the message says which check, where,
    and what it found, in plain words; the command ends with exit status 1, without a traceback."""


def os_error_message(error: OSError) -> str:
    """A plain one-paragraph message for a failure to read or write a file (full disk, missing
    file, no permission), naming the file and what to do, instead of a traceback."""
    import errno

    where = f" {error.filename}" if error.filename else ""
    if error.errno == errno.ENOSPC:
        return (f"The disk is full: could not write{where}. Nothing was left half-written. Free some space "
                "(data/derived/ and report/_output/ can be deleted: the pipeline rebuilds them) and run again.")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"Permission denied:{where} cannot be read or written ({error.strerror}). Check the permissions "
                "of the file and of its folder (ls -l), then run again.")
    if error.errno == errno.ENOENT:
        return (f"A file is missing:{where} does not exist. If it is a derived file, run `snakemake --cores 2` "
                "to build the stages before this one; if it is an input, restore it.")
    return f"Could not read or write{where}: {error.strerror or error}. Fix this and run again."


def fold(text: str) -> str:
    """Lower-case, accent-free, separator-free form of a code or label, for suggestions only."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in letters.lower() if c.isalnum())


def closest(value: str, candidates: dict[str, str] | Iterable[str]) -> str | None:
    """The known code closest to `value`, or None when nothing is close.

    `candidates` maps spellings a person might type (ids, French and English labels) to the id to
    suggest; a plain iterable of ids is accepted too. Matching ignores case, accents and
    punctuation, so « Institutionnalisation » finds `institutionalisation`.
    """
    spellings = dict(candidates) if isinstance(candidates, dict) else {c: c for c in candidates}
    by_fold: dict[str, str] = {}
    for spelling, code in spellings.items():
        by_fold.setdefault(fold(str(spelling)), str(code))
    folded = fold(value)
    if not folded:
        return None
    if folded in by_fold:
        return by_fold[folded]
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.75)
    return by_fold[close[0]] if close else None


def did_you_mean(value: str, candidates: dict[str, str] | Iterable[str]) -> str | None:
    """A "Did you mean '...'?" hint for an unknown value, or None when nothing is close."""
    match = closest(value, candidates)
    return f"Did you mean '{match}'?" if match is not None else None


def display_path(path: Path | str) -> str:
    """The path as the user would recognise it: relative to the working directory when inside."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
