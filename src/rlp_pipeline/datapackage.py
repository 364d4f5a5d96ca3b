"""The data package: the machine-readable schema of the raw tables, written once.

`data/raw/datapackage.yaml` follows the Frictionless Data Package / Table Schema standard. The
validation stage checks the tables against it and :func:`schema_markdown` documents the tables
from it, so the documentation cannot drift from what is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .codebook import Codebook, load_codebook
from .problems import InputError, Problem, display_path
from .safety.paths import outside_path_reason
from .yamlfile import LINE_KEY, load_yaml_with_lines, strip_lines

# The tables the pipeline needs, by resource name.
REQUIRED_RESOURCES = ("plans", "codings")


@dataclass(frozen=True)
class Resource:
    """One table of the package: where it is and the Table Schema its content must follow."""

    name: str
    path: Path
    title: str
    description: str
    fields: list[dict[str, Any]]
    primary_key: list[str]
    foreign_keys: list[dict[str, Any]]


@dataclass(frozen=True)
class DataPackage:
    """The raw data package: its tables and whether they come from the simulator."""

    path: Path
    simulated: bool
    simulation: dict[str, Any]
    resources: dict[str, Resource]


def load_datapackage(path: Path | str) -> DataPackage:
    """Read the data package descriptor; raise :class:`InputError` listing its problems."""
    path = Path(path)
    shown = display_path(path)
    document, problems = load_yaml_with_lines(path, shown)
    if not problems:
        problems = _descriptor_problems(document, shown, path.parent)
    if problems:
        raise InputError(problems, stage="data package check")
    resources = {}
    for entry in document["resources"]:
        clean = strip_lines(entry)
        schema = clean.get("schema", {})
        resources[clean["name"]] = Resource(
            name=clean["name"],
            path=path.parent / clean["path"],
            title=clean.get("title", clean["name"]),
            description=" ".join(str(clean.get("description", "")).split()),
            fields=schema.get("fields", []),
            primary_key=list(schema.get("primaryKey", [])),
            foreign_keys=list(schema.get("foreignKeys", [])),
        )
    return DataPackage(
        path=path,
        simulated=bool(document.get("simulated", False)),
        simulation=strip_lines(document.get("simulation", {}) or {}),
        resources=resources,
    )


def _descriptor_problems(document: Any, shown: str, folder: Path) -> list[Problem]:
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        return [Problem(shown, None, "resources", None, "a data package with a list of resources")]
    problems = []
    if not isinstance(document.get("simulated", False), bool):
        problems.append(Problem(shown, document.get(LINE_KEY), "simulated", str(document.get("simulated")),
                                "true or false"))
    names = []
    for entry in document["resources"]:
        if not isinstance(entry, dict):
            problems.append(Problem(shown, None, "resources", str(entry), "a resource with name, path and schema"))
            continue
        names.append(entry.get("name"))
        for key in ("name", "path"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                problems.append(Problem(shown, entry.get(LINE_KEY), f"resources.{key}", None, f"a {key} for every resource"))
        if isinstance(entry.get("path"), str) and entry["path"].strip():
            reason = outside_path_reason(entry["path"], folder)
            if reason:
                problems.append(Problem(
                    shown, entry.get(LINE_KEY), "resources.path", entry["path"],
                    f"for resource '{entry.get('name')}', a path relative to the folder of the data package, "
                    f"inside it, without '..' ({reason})",
                    "Put the file in that folder and give its name, as the Data Package standard requires."))
        fields = (entry.get("schema") or {}).get("fields") if isinstance(entry.get("schema"), dict) else None
        if not isinstance(fields, list) or not all(isinstance(f, dict) and f.get("name") for f in fields):
            problems.append(Problem(shown, entry.get(LINE_KEY), "resources.schema.fields", None,
                                    "a schema with a list of named fields"))
    for name in REQUIRED_RESOURCES:
        if name not in names:
            problems.append(Problem(shown, None, "resources", None, f"a resource named '{name}'"))
    return problems


def field_is_required(field: dict[str, Any]) -> bool:
    """Whether a Table Schema field must hold a value in every row."""
    return bool((field.get("constraints") or {}).get("required", False))


def schema_markdown(package: DataPackage) -> str:
    """Markdown tables documenting each resource's columns, generated from the descriptor."""
    parts = []
    for resource in package.resources.values():
        parts.append(f"### `{resource.path.name}`: {resource.title}\n\n{resource.description}\n")
        parts.append("| column | type | required | meaning |\n|---|---|---|---|")
        for field in resource.fields:
            extras = []
            constraints = field.get("constraints") or {}
            if constraints.get("unique"):
                extras.append("unique")
            if "maxLength" in constraints:
                extras.append(f"at most {constraints['maxLength']:,} characters")
            if "minimum" in constraints or "maximum" in constraints:
                extras.append(f"{constraints.get('minimum', '')} to {constraints.get('maximum', '')}")
            if field.get("codebook"):
                extras.append(f"codebook: `{field['codebook']}`")
            note = f" ({'; '.join(extras)})" if extras else ""
            description = " ".join(str(field.get("description", "")).split())
            parts.append(
                f"| `{field['name']}` | {field.get('type', 'string')} | "
                f"{'yes' if field_is_required(field) else 'no'} | {description}{note} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def load_codebook_and_package(codebook_path: Path | str, datapackage_path: Path | str
                              ) -> tuple[Codebook | None, DataPackage | None, list[Problem]]:
    """Load the codebook and the data package descriptor, collecting the problems of both (so
    that a user sees every problem of every file at once); None for a file that failed."""
    problems: list[Problem] = []
    codebook = package = None
    try:
        codebook = load_codebook(codebook_path)
    except InputError as error:
        problems += error.problems
    try:
        package = load_datapackage(datapackage_path)
    except InputError as error:
        problems += error.problems
    return codebook, package, problems
