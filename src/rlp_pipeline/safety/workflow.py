"""Checks the Snakefile runs before Snakemake plans anything.

Snakemake reads `config/config.yaml` itself (``configfile:``) with a YAML reader that expands
aliases and says only "not valid JSON or YAML" without a line; and it decides what to run from
the files' dates, so a raw table deleted after a build, a data package pointing at a URL or an
export that no longer exists gives "Nothing to be done" and the old report stays. These checks
close both gaps: the settings are read first by the project's safe reader and checked against
their schema with the line of each problem, and every input the settings name must exist and be
readable, whatever was built before. A failure prints one plain message and stops the run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

from ..io.datapackage import DataPackage, load_datapackage
from ..problems import InputError, Problem, did_you_mean, display_path
from ..io.yamlfile import load_yaml, load_yaml_with_lines, strip_lines


def settings_problems(config_path: Path | str, schema_path: Path | str) -> list[Problem]:
    """Every problem of the settings file: unreadable or unsafe YAML (see
    :func:`rlp_pipeline.io.yamlfile.load_yaml_with_lines`), then each value its JSON schema refuses,
    with the line of the key."""
    import jsonschema

    config_path = Path(config_path)
    shown = display_path(config_path)
    document, problems = load_yaml_with_lines(config_path, shown)
    if problems:
        return problems
    schema = load_yaml(schema_path, stage="settings check")
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(strip_lines(document)))
    # The lines of the keys, for the messages: composed only when there is something to report
    # (a third parse of the file at every start otherwise).
    root = yaml.compose(config_path.read_text(encoding="utf-8-sig"), Loader=yaml.SafeLoader) if errors else None
    found = []
    for error in errors:
        keys = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list((error.schema or {}).get("properties", {}))
            for key in (k for k in error.instance if k not in known):
                found.append(Problem(shown, key_line(root, keys + [key]), ".".join(map(str, keys + [key])), None,
                                     "a key described in config/config.schema.yaml (known keys here: "
                                     + ", ".join(known) + ")", did_you_mean(str(key), known)))
            continue
        found.append(Problem(shown, key_line(root, keys), ".".join(map(str, keys)) or None,
                             None if error.validator == "required" else repr(error.instance), _expected(error)))
    return sorted(found, key=lambda p: (p.line or 0, p.column or ""))


def _expected(error: Any) -> str:
    """What the schema wanted, in plain words."""
    value = error.validator_value
    if error.validator == "type":
        return f"a value of type {value} (see config/config.schema.yaml)"
    if error.validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                 "exclusiveMaximum": "less than"}[error.validator]
        return f"a number {words} {value}"
    if error.validator == "enum":
        return "one of " + ", ".join(map(str, value))
    return f"a valid setting ({error.message})"


def key_line(root: yaml.Node | None, keys: list) -> int | None:
    """The line of the deepest key of `keys` found in a composed YAML document (1-based)."""
    line = None
    node = root
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    if line is None and root is not None:
        line = root.start_mark.line + 1
    return line


def unreadable_reason(path: Path) -> str | None:
    """Why a configured input file cannot be read (missing, a folder, no permission), or None."""
    if not path.exists():
        return "it does not exist" + (" (a broken symbolic link)" if path.is_symlink() else "")
    if not path.is_file():
        return "it is a folder, not a file" if path.is_dir() else "it is not a regular file (a device or a pipe)"
    if not os.access(path, os.R_OK):
        return "it cannot be read (permission denied): check its permissions"
    return None


def workflow_inputs(config: dict) -> tuple[DataPackage | None, list[Problem]]:
    """The raw data package (None when an import replaces it or it is unusable) and a problem for
    every input the settings name that is missing or unreadable: the codebook, the data package
    and its tables (or the export, its mapping and plans when `import.source` is set), and the
    findings registry."""
    problems: list[Problem] = []
    imported = config.get("import") or {}

    def need(path: Any, setting: str) -> None:
        reason = unreadable_reason(Path(str(path)))
        if reason:
            problems.append(Problem("config/config.yaml", None, setting, str(path), f"a readable file ({reason})"))

    for setting in ("codebook", "datapackage", "registry"):
        if config.get(setting):
            need(config[setting], setting)
    for setting in ("source", "mapping", "plans"):
        if imported.get(setting):
            need(imported[setting], f"import.{setting}")
    if problems or imported.get("source"):
        return None, problems
    try:
        package = load_datapackage(config["datapackage"])
    except InputError as error:
        return None, error.problems
    for resource in package.resources.values():
        reason = unreadable_reason(resource.path)
        if reason:
            problems.append(Problem(display_path(package.path), None, "resources.path", resource.path.name,
                                    f"a readable file for resource '{resource.name}' at {display_path(resource.path)} ({reason})",
                                    "Restore the file (the results built from it are no longer valid)."))
    return package, problems


def stop_with_message(message: str | None) -> None:
    """Print ``message`` and end the run (exit status 1), without the traceback Snakemake would
    print around an exception; do nothing when there is no message."""
    if message:
        print(message, file=sys.stderr)
        sys.exit(1)


def stop_on_problems(problems: list[Problem], stage: str) -> None:
    """Print the problems as one plain message and end the run (exit status 1); do nothing when
    there is none."""
    if problems:
        stop_with_message(InputError(problems, stage=stage).report())


def working_folder_message(working: Path, workflow_folder: Path, settings: str = "config/config.yaml") -> str | None:
    """One message when Snakemake runs in a folder that is not a project of this pipeline (no
    settings file there), as when `snakemake -s path/to/Snakefile` is run from another folder:
    every path of the settings is relative to the project, and the settings check would
    otherwise say that config/config.yaml "does not exist", which it does, beside the Snakefile.
    None when the settings file is there (including another project given with --directory), or
    when Snakemake runs in the Snakefile's own folder: a settings file missing there is named by
    the settings check, which says what it expected."""
    if (working / settings).exists() or working.resolve() == workflow_folder.resolve():
        return None
    where = f"the folder of its Snakefile, {workflow_folder}" if (workflow_folder / settings).exists() else "the project's folder"
    return (f"Snakemake runs in {working}, which is not a project folder of this pipeline (no {settings} there). "
            f"Run `snakemake` from {where}, or give that folder with `--directory`. Nothing was built.")


def check_working_folder(workflow_folder: Path | str) -> None:
    """Stop with one message when the run is not in a project folder (:func:`working_folder_message`)."""
    stop_with_message(working_folder_message(Path.cwd(), Path(workflow_folder)))


def check_settings(config_path: Path | str, schema_path: Path | str, more: list | tuple = ()) -> None:
    """Stop the run with a message when the settings file, or one of the files given with
    `snakemake --configfile` (`more`), is unsafe, unreadable or invalid."""
    problems = []
    for path in [config_path, *more]:
        problems += settings_problems(path, schema_path)
    stop_on_problems(problems, "settings check")


# Options with which a run takes no lock (or removes it): the interrupted-run check stays silent.
_NO_LOCK_OPTIONS = ("--unlock", "--nolock", "-n", "--dry-run", "--dryrun", "--list-rules", "--lint")


def other_snakemake_runs(folder: Path) -> bool | None:
    """Whether another Snakemake process runs in `folder` (None when the system cannot tell:
    no /proc). Only this machine's processes are seen."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    folder = folder.resolve()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) in (os.getpid(), os.getppid()):
            continue
        try:
            if b"snakemake" in (entry / "cmdline").read_bytes() and Path(os.readlink(entry / "cwd")) == folder:
                return True
        except OSError:  # a process that ended meanwhile, or another user's
            continue
    return False


def interrupted_run_message(folder: Path, argv: list[str]) -> str | None:
    """One line saying what to run when a killed run (kill -9, a power cut) left Snakemake's lock
    in `folder` and no other Snakemake runs there; None otherwise. Snakemake would refuse to
    start with a "LockException" paragraph; this says the command instead."""
    if any(option in argv for option in _NO_LOCK_OPTIONS):
        return None
    locks = folder / ".snakemake" / "locks"
    if not locks.is_dir() or not any(locks.iterdir()) or other_snakemake_runs(folder) is not False:
        return None
    return ("A previous run was interrupted (killed or a power cut) and left its lock in .snakemake/locks: "
            "run `snakemake --unlock`, then `snakemake` again; it reruns what was interrupted.")


def check_interrupted_run(folder: Path | str = ".") -> None:
    """Stop with one line when a killed run left its lock (see :func:`interrupted_run_message`)."""
    stop_with_message(interrupted_run_message(Path(folder), sys.argv))
