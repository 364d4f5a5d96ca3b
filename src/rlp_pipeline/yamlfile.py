"""Reading YAML files with the line number of every mapping, for messages that point at a line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that records, in each mapping, the line where the mapping starts."""

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_yaml_with_lines(path: Path, shown_as: str) -> tuple[Any, list[Problem]]:
    """Parse a YAML file; return its content (mappings carry `__line__`) and any problem met.

    A missing, empty or unparsable file gives a problem instead of an exception, so the caller
    can report it together with the others.
    """
    if not path.is_file():
        return None, [Problem(shown_as, None, None, None, f"a file at {path} (it does not exist)")]
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if not text.strip():
        return None, [Problem(shown_as, None, None, "", "a YAML document (the file is empty)")]
    try:
        return yaml.load(text, Loader=_LineLoader), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        return None, [Problem(shown_as, line, None, None, f"valid YAML ({reason})")]


def strip_lines(value: Any) -> Any:
    """A copy of parsed YAML without the `__line__` keys."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value
