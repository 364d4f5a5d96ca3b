"""The record of what a gated job is computed from, written by a short local rule.

The calibration must run after validation (bad input then stops the pipeline before minutes of
simulations) but never reads the codings, so an edited coding must not re-run it. Its input
`validated/provenance.json` is therefore marked `ancient()`: only its existence counts. Alone,
that loses the calibration's own changes whenever validation re-runs at the same time (an edit
of `validate.py`, which the calibration also imports): Snakemake 9 does not examine a job
downstream of one that re-runs, and an ancient edge from that job does not re-run it either
(snakemake/snakemake#4166). The gated job therefore also depends on a record written by a rule
upstream of nothing: its inputs are the gated job's own (its code, the files it reads, its
settings), so any of them changed re-runs the record, and the record re-runs the gated job by an
ordinary edge. The record holds each input's SHA-256 and the settings, so it reads as what the
result was computed from.

Standard library and the package's atomic writer only: the rule runs inside the Snakemake
process (no Python start-up).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..io.outputs import json_bytes, write_outputs


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_record(paths: Iterable[str | Path], settings: Mapping[str, Any]) -> dict[str, Any]:
    """{"inputs": {path: sha256, ...} sorted by path, "settings": settings}: what a job is computed from."""
    return {"inputs": {str(path): file_digest(path) for path in sorted(map(str, paths))},
            "settings": dict(sorted(settings.items()))}


def write_input_record(paths: Iterable[str | Path], settings: Mapping[str, Any], out: str | Path) -> None:
    """Write :func:`input_record` as JSON to `out` (sorted keys, so equal content gives equal
    bytes), atomically (:func:`rlp_pipeline.io.outputs.write_outputs`): no half-written record."""
    write_outputs({Path(out): json_bytes(input_record(paths, settings))})
