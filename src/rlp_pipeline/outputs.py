"""Writing a stage's outputs all at once, atomically and byte-for-byte reproducibly.

A stage first renders every output to bytes in memory, then writes them with
:func:`write_outputs`. Each file goes to a temporary name beside its target and is renamed into
place, so a reader never sees half a file; because nothing is written before everything has been
computed, a stage that fails leaves no output behind (Snakemake also removes the outputs of a
failed job). Rendering is deterministic (fixed line endings, sorted JSON keys) so that the same
inputs give byte-identical files on a second run.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import pandas as pd


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV bytes: comma-separated, '\\n' line endings, no index column."""
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


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
    """Write every (path, content) pair atomically, creating parent folders as needed."""
    for target, content in files.items():
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes 0600 files
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
