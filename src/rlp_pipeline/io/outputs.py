"""Writing a stage's outputs all at once, atomically and byte-for-byte reproducibly.

A stage first renders every output to bytes in memory, then writes them with
:func:`write_outputs`. Each file goes to a temporary name beside its target and is renamed into
place, so a reader never sees half a file; because nothing is written before everything has been
computed, a stage that fails leaves no output behind (Snakemake also removes the outputs of a
failed job). Rendering is deterministic (fixed line endings, sorted JSON keys) so that the same
inputs give byte-identical files on a second run.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

# numpy and pandas are imported where a table is written: the audit stage, which writes
# notebooks only, would otherwise pay pandas' import (0.15 s) for nothing, and the workflow's own
# records (rlp_pipeline.workflow), written inside the Snakemake process, numpy's.
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Characters that make the csv module quote a cell (QUOTE_MINIMAL, comma delimiter, '\\n' line
# terminator); a cell without any is written as it is.
_QUOTED_IF = (",", '"', "\r", "\n")


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV bytes: comma-separated, '\\n' line endings, no index column.

    The bytes are those of ``table.to_csv(index=False, lineterminator="\\n")``. For a table of
    plain columns (integers, floats, booleans, text) they are assembled column by column from the
    very strings pandas hands to the csv module, which is several times faster on a million rows;
    any other table is written by pandas itself.
    """
    cells = _csv_cells(table)
    if cells is None:
        buffer = io.StringIO()
        table.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue().encode("utf-8")
    header = io.StringIO()
    table.iloc[:0].to_csv(header, index=False, lineterminator="\n")
    return (header.getvalue() + "\n".join(map(",".join, zip(*cells))) + "\n").encode("utf-8")


def _csv_cells(table: pd.DataFrame) -> list[np.ndarray] | None:
    """Each column of the table as the text of its CSV cells, quoted as the csv module quotes
    them; None when pandas must write the table (no rows, a single column, whose empty cells the
    csv module quotes, a multi-level header, or a column of another kind)."""
    import pandas as pd

    if len(table) == 0 or table.shape[1] < 2 or isinstance(table.columns, pd.MultiIndex):
        return None
    columns = []
    for position in range(table.shape[1]):
        text = _column_text(table.iloc[:, position])
        if text is None:
            return None
        columns.append(_quoted(text))
    return columns


def _column_text(column: pd.Series) -> np.ndarray | None:
    """The strings pandas' ``to_csv`` gives the csv module for one column (missing values as
    empty cells), as an object array; None for a kind of column this does not cover."""
    import numpy as np
    import pandas as pd

    kind = column.dtype.kind
    if isinstance(column.dtype, np.dtype) and kind in "iub":
        return column.to_numpy().astype(str).astype(object)
    if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) and kind in "iu":
        # Nullable integers (Int64): pandas writes each as a Python int, "" where missing.
        missing = column.isna().to_numpy()
        text = column.to_numpy(dtype=column.dtype.numpy_dtype, na_value=0).astype(str).astype(object)
        text[missing] = ""
        return text
    if isinstance(column.dtype, np.dtype) and kind == "f":
        # As pandas does: numpy's shortest round-trip repr of each float, "" for NaN.
        text = column.to_numpy().astype(str)
        text[column.isna().to_numpy()] = ""
        return text.astype(object)
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        text = column.to_numpy(dtype=object, copy=True)
        text[column.isna().to_numpy()] = ""
        return text if pd.api.types.infer_dtype(text, skipna=False) in ("string", "empty") else None
    return None


def _quoted(text: np.ndarray) -> np.ndarray:
    """The cells that need quotes, quoted by the csv module itself (so they are exactly what it
    writes), the others as they are. Most columns (codes, numbers) need none, which one search
    of their joined text shows."""
    import numpy as np

    joined = "\x00".join(text)
    if not any(character in joined for character in _QUOTED_IF):
        return text
    needs = np.array([("," in cell) or ('"' in cell) or ("\r" in cell) or ("\n" in cell) for cell in text], dtype=bool)
    quoted: dict[str, str] = {}  # the arrays of _column_text are fresh copies: filled in place
    for index in np.flatnonzero(needs):
        cell = text[index]
        if cell not in quoted:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow([cell, ""])
            quoted[cell] = buffer.getvalue()[:-2]  # the cell, without the ",\\n" of the empty one after it
        text[index] = quoted[cell]
    return text


def json_bytes(document: Any) -> bytes:
    """A JSON document as UTF-8 bytes with sorted keys, so equal content gives equal bytes."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def text_bytes(text: str) -> bytes:
    """Text as UTF-8 bytes ending with one newline."""
    return (text.rstrip("\n") + "\n").encode("utf-8")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_outputs(files: Mapping[Path | str, bytes]) -> None:
    """Write every (path, content) pair atomically, creating parent folders as needed.

    Every file is first written to a temporary name beside its target; only when all of them
    are written are they renamed into place. A failure (a full disk, a read-only folder) removes
    the temporary files and raises OSError naming the file: no target is then replaced, so a
    stage never leaves some of its outputs new and others old. Temporary files of the same
    targets left by a run killed while writing (kill -9) are removed first.
    """
    written: list[tuple[str, Path]] = []
    try:
        for target, content in files.items():
            target = Path(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
                stale.unlink(missing_ok=True)  # left by a run killed while writing this file
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            written.append((temporary, target))
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(content)
            except OSError as error:  # say which file could not be written
                raise OSError(error.errno, error.strerror, str(target)) from error
            os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes 0600 files
        for temporary, target in written:
            os.replace(temporary, target)
    except BaseException:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
        raise
