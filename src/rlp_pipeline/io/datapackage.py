"""The data package: the machine-readable schema of the raw tables, written once.

`data/raw/datapackage.yaml` follows the Frictionless Data Package / Table Schema standard. The
validation stage checks the tables against it and :func:`schema_markdown` documents the tables
from it, so the documentation cannot drift from what is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..problems import InputError, Problem, display_path
from ..safety.paths import outside_path_reason
from .yamlfile import LINE_KEY, load_yaml_with_lines, strip_lines

if TYPE_CHECKING:  # the codebook module is imported where it is loaded: the Snakefile reads the
    from ..codebook import Codebook  # data package at every start (rlp_pipeline.safety.workflow)

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
            primary_key=_names(schema.get("primaryKey")) or [],
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
        schema = entry.get("schema") if isinstance(entry.get("schema"), dict) else {}
        fields = schema.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str)
                                                   and f["name"] for f in fields):
            problems.append(Problem(shown, entry.get(LINE_KEY), "resources.schema.fields", None,
                                    "a schema with a list of named fields"))
            continue
        for field in fields:
            problems += field_problems(field, shown, str(entry.get("name")))
        for key in ("primaryKey",):
            if key in schema and not _names(schema[key]):
                problems.append(Problem(shown, schema.get(LINE_KEY), f"resources.schema.{key}", str(schema[key]),
                                        "a column name or a list of column names"))
        keys = schema.get("foreignKeys", [])
        if not isinstance(keys, list) or not all(isinstance(k, dict) and _names(k.get("fields"))
                                                 and isinstance(k.get("reference"), dict) for k in keys):
            problems.append(Problem(shown, schema.get(LINE_KEY), "resources.schema.foreignKeys", None,
                                    "a list of foreign keys, each with fields and a reference"))
    for name in REQUIRED_RESOURCES:
        if name not in names:
            problems.append(Problem(shown, None, "resources", None, f"a resource named '{name}'"))
    return problems


# The Table Schema field types the validation stage checks; any other would be read as plain text
# without saying so.
FIELD_TYPES = ("string", "integer")
_WHOLE_NUMBER_CONSTRAINTS = ("minimum", "maximum", "maxLength")


def _names(value: Any) -> list[str] | None:
    """Column names given as one name or a list of names (as Table Schema allows), or None."""
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return value
    return None


def field_problems(field: dict[str, Any], shown: str, resource: str) -> list[Problem]:
    """Every problem of one Table Schema field definition that would otherwise break or silently
    weaken the validation: an unknown type, constraints that are not a mapping, bounds that are
    not whole numbers, flags that are not true or false, a pattern that is not a regular
    expression, a codebook section that is not a name."""
    line, name = field.get(LINE_KEY), f"resources.{resource}.fields.{field['name']}"
    problems = []
    if field.get("type", "string") not in FIELD_TYPES:
        problems.append(Problem(shown, line, f"{name}.type", str(field.get("type")),
                                "one of the types the validation checks: " + ", ".join(FIELD_TYPES)))
    if "codebook" in field and not (isinstance(field["codebook"], str) and field["codebook"]):
        problems.append(Problem(shown, line, f"{name}.codebook", str(field["codebook"]), "the name of a codebook section"))
    constraints = field.get("constraints", {})
    if constraints is None:
        return problems
    if not isinstance(constraints, dict):
        return problems + [Problem(shown, line, f"{name}.constraints", str(constraints),
                                   "a mapping of constraints, such as {required: true, maxLength: 100}")]
    for key in ("required", "unique"):
        if key in constraints and not isinstance(constraints[key], bool):
            problems.append(Problem(shown, line, f"{name}.constraints.{key}", str(constraints[key]), "true or false"))
    for key in _WHOLE_NUMBER_CONSTRAINTS:
        value = constraints.get(key)
        if key in constraints and (isinstance(value, bool) or not isinstance(value, int) or (key == "maxLength" and value < 0)):
            problems.append(Problem(shown, line, f"{name}.constraints.{key}", str(value),
                                    "a whole number" + (" of 0 or more" if key == "maxLength" else "")))
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        reason = None if isinstance(pattern, str) else "it is not a text"
        if reason is None:
            try:
                re.compile(pattern)
            except re.error as error:
                reason = str(error)
        if reason:
            problems.append(Problem(shown, line, f"{name}.constraints.pattern", str(pattern),
                                    f"a regular expression ({reason})"))
    return problems


def codebook_section_problems(package: DataPackage, sections: list[str]) -> list[Problem]:
    """A problem for each field whose `codebook:` names a section the codebook does not have."""
    return [Problem(display_path(package.path), None, f"resources.{resource.name}.fields.{field['name']}.codebook",
                    field["codebook"], "a section of the codebook: " + ", ".join(sections))
            for resource in package.resources.values() for field in resource.fields
            if field.get("codebook") and field["codebook"] not in sections]


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
    from ..codebook import load_codebook

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
    if codebook is not None and package is not None:
        section_problems = codebook_section_problems(package, list(codebook.sections))
        if section_problems:
            problems += section_problems
            package = None
    return codebook, package, problems
