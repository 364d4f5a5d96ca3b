"""The settings' checks, remembered between runs while nothing they depend on changes.

Every run of the Snakefile checks the settings twice: the project's check of the files (safe
YAML, each problem with its line: :func:`rlp_pipeline.safety.workflow.check_settings`), then
Snakemake's ``validate``, which also checks the ``--config`` overrides and fills in the schema's
defaults. Both import jsonschema, and together they were a third of what a no-op run costs
beyond Snakemake's own start-up (benchmarks/speed.py, part 2). Their answers depend only on the
settings files, the schema, the overrides and the checking code, so a run whose inputs are those
of the last successful check reuses its answer: the checks are skipped and the defaults it
filled in are applied again. Any change of a byte of those files or of the checking code, or of
an override, runs both checks again.

The cache file lives in ``.snakemake/`` beside Snakemake's own records; a missing, unreadable or
foreign one is not an error (the checks run), nor is a folder where it cannot be written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

CACHE = Path(".snakemake/rlp-settings-check.json")
# The code whose answers are remembered: the project's check and its YAML reader (this package),
# and the version of the library Snakemake's validate uses.
CHECKING_CODE = ("safety/workflow.py", "io/yamlfile.py", "workflow/settings_cache.py")


def settings_fingerprint(settings_files: Iterable[Path | str], schema: Path | str, validator_version: str) -> str:
    """A hash of the bytes of the settings files (in order), of the schema, of the checking code
    and of `validator_version`: equal only when the checks would give the same answers."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(validator_version.encode("utf-8"))
    for path in [*map(Path, settings_files), Path(schema), *(package / name for name in CHECKING_CODE)]:
        digest.update(str(path).encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError as error:  # the check itself reports a missing settings file
            digest.update(f"unreadable: {error.strerror}".encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def read_cache(cache: Path = CACHE) -> dict[str, Any]:
    """The last successful check's record, or an empty one."""
    try:
        record = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def as_json(config: Any) -> Any:
    """`config` as JSON would give it back, or None when JSON cannot hold it exactly (a date,
    a tuple): such settings are checked at every run."""
    try:
        copy = json.loads(json.dumps(config, sort_keys=True, allow_nan=False))
    except (TypeError, ValueError):
        return None
    return copy if copy == config else None


def files_checked_before(record: dict[str, Any], fingerprint: str) -> bool:
    """Whether the last successful check was of exactly these files and code."""
    return record.get("fingerprint") == fingerprint


def validated_before(record: dict[str, Any], fingerprint: str, config: dict) -> dict | None:
    """The settings with their defaults as the last successful validation left them, when it
    validated the same files, code and settings as `config` (overrides included); else None."""
    given = as_json(config)
    if given is None or not files_checked_before(record, fingerprint) or record.get("given") != given:
        return None
    validated = record.get("validated")
    return validated if isinstance(validated, dict) else None


def remember(fingerprint: str, given: Any, validated: dict, cache: Path = CACHE) -> None:
    """Record a successful check (atomically, :func:`rlp_pipeline.io.outputs.write_outputs`:
    concurrent runs never read half a file); settings JSON cannot hold, or a cache that cannot be
    written, are left unrecorded."""
    from ..io.outputs import json_bytes, write_outputs  # only when a check ran: not in a no-op

    validated = as_json(validated)
    if given is None or validated is None:
        return
    try:
        write_outputs({cache: json_bytes({"fingerprint": fingerprint, "given": given, "validated": validated})})
    except OSError:
        pass
