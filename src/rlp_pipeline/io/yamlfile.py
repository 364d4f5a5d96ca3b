"""Reading YAML files safely, with the line number of every mapping, for messages that point at a line.

Every YAML file the project reads (settings, codebook, data package, findings registry, import
mapping, simulation parameters) goes through :func:`load_yaml_with_lines`. YAML is a rich format
and these files may come from anyone, so the reader refuses, before building anything, what an
honest settings file never needs and a hostile one uses to exhaust memory or hide a change:

- more than :data:`MAX_VALUES` values once aliases (``*name``) are expanded: a ten-line
  "billion laughs" file of aliases of aliases expands to gigabytes (so does one long text
  repeated by aliases, or nesting deepened by aliases); its expanded size is counted
  on the parsed node graph (where an alias is one shared node) and refused before anything
  expands it; an alias inside the value it names (a cycle) is refused too;
- files above :data:`MAX_YAML_BYTES`, and nesting deeper than :data:`MAX_DEPTH` (which would
  exhaust the parser's recursion);
- a key given twice in one mapping: YAML keeps the last silently, so a second ``seed:`` further
  down would change a setting without anyone noticing;
- bytes that are not UTF-8 (read with replacement characters, they would change a label silently).

Each refusal is a :class:`Problem` naming the file and the line.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import replace

from pathlib import Path
from typing import Any

import yaml

from ..problems import InputError, Problem, display_path

LINE_KEY = "__line__"
# The largest YAML file read: the project's own files are a few tens of kilobytes (the codebook,
# the biggest, about 20 kB); an import mapping of a large code tree stays far below this.
MAX_YAML_BYTES = 2_000_000
# The most values (scalars, lists, mappings) a document may hold once its aliases are expanded.
# Aliases are allowed (config/simulation.yaml repeats a distribution with one) but bounded: the
# project's largest file holds about 3,000 values.
MAX_VALUES = 200_000
# The most characters of text (keys and values) once aliases are expanded: twice the largest file.
MAX_EXPANDED_CHARACTERS = 2 * MAX_YAML_BYTES
# The deepest nesting of mappings and lists: the project's files nest five levels at most.
MAX_DEPTH = 50


class _Refused(yaml.MarkedYAMLError):
    """Something valid in YAML that these files must not hold (too large an expansion of
    aliases, deep nesting, a key given twice); its `problem` says what is expected instead."""


class _Refusals:
    """The hooks of both loaders below: refuse deep nesting and duplicate keys, and record, in
    each mapping, the line where the mapping starts (aliases are bounded by
    :func:`check_expanded_size`)."""

    _depth = 0

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)  # the node already composed: no nesting
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(None, None, f"at most {MAX_DEPTH} levels of nesting",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a '<<' merge: its keys may be overridden, as YAML specifies
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
                seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key (a list or mapping used as a key)
                raise _Refused(None, None, "a plain key (a word or number)", key_node.start_mark)
            if first is not None:
                raise _Refused(
                    None, None, f"each key once in a mapping ('{key}' is already at line {first}: "
                    "YAML would silently keep only the last one)", key_node.start_mark)
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


class _LineLoader(_Refusals, yaml.SafeLoader):
    """PyYAML's safe loader, all in Python, with the refusals and line numbers: its messages
    are the ones users see for a file that is refused."""


# What libyaml accepts and PyYAML refuses (found by the Hypothesis test of
# tests/test_hostile_inputs.py): a tab where PyYAML expects a token. A file holding one is read by
# the pure-Python loader only.
_PURE_PYTHON_ONLY = "\t"

if yaml.__with_libyaml__:
    class _FastLineLoader(_Refusals, yaml.composer.Composer, yaml.cyaml.CParser, yaml.constructor.SafeConstructor,
                          yaml.resolver.Resolver):
        """The same loader with libyaml's parser (C) underneath PyYAML's own composer, so the
        refusals and line numbers are the same code on the same events: five to eight times
        faster on the codebook and the registry, which every stage reads (about 35 ms a process
        in pure Python)."""

        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _FastLineLoader = None


# Parsed files kept by their exact bytes (and the name their problems show): the calibration
# stage runs every stage twenty times in one process, each reading the codebook and the
# registry again, and PyYAML's pure-Python parser took a quarter of its time. A file's bytes
# decide its parse, so a changed file is parsed again; each caller gets its own deep copy (the
# readers pop keys out of what they receive). Keyed by the bytes alone: the calibration copies
# the codebook into each simulated population's folder, and the same bytes under another name
# were parsed again (45 parses for 20 populations); the name only labels the problems, which are
# given the caller's name on the way out.
_PARSED: OrderedDict[bytes, tuple[Any, list[Problem]]] = OrderedDict()
_PARSED_FILES = 8


def load_yaml_with_lines(path: Path, shown_as: str) -> tuple[Any, list[Problem]]:
    """Parse a YAML file safely; return its content (mappings carry `__line__`) and any problem met.

    A missing, unreadable, empty, oversized, non-UTF-8 or unparsable file, an alias, too deep a
    nesting or a duplicate key gives a problem instead of an exception, so the caller can report
    it together with the others.
    """
    path = Path(path)
    if not path.is_file():
        what = ("it is a folder" if path.is_dir() else "it is not a regular file" if path.exists()
                else "it does not exist")
        return None, [Problem(shown_as, None, None, None, f"a file at {path} ({what})")]
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            return None, [Problem(shown_as, None, None, None,
                                  f"a YAML file of at most {MAX_YAML_BYTES:,} bytes (this one has {size:,})")]
        content = path.read_bytes()
    except OSError as error:
        return None, [Problem(shown_as, None, None, None, f"a readable file ({error.strerror})",
                              "Check the file's permissions.")]
    if content not in _PARSED:
        _PARSED[content] = _parse(content, "")
        while len(_PARSED) > _PARSED_FILES:
            _PARSED.popitem(last=False)
    _PARSED.move_to_end(content)
    document, problems = _PARSED[content]
    return copy.deepcopy(document), [replace(problem, file=shown_as) for problem in problems]


def _parse(content: bytes, shown_as: str) -> tuple[Any, list[Problem]]:
    """The document and problems of a YAML file's bytes (see :func:`load_yaml_with_lines`)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return None, [Problem(shown_as, line, None, None,
                              f"text encoded as UTF-8 (byte 0x{content[error.start]:02x} is not UTF-8)",
                              "Save the file as UTF-8.")]
    if not text.strip():
        return None, [Problem(shown_as, None, None, "", "a YAML document (the file is empty)")]
    if _FastLineLoader is not None and _PURE_PYTHON_ONLY not in text:
        # A file the fast loader reads without objection is the document; anything it objects
        # to is read again by the pure-Python loader, whose message (line and wording) is the one
        # users have always seen.
        try:
            return _document(_FastLineLoader(text)), []
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        loader = _LineLoader(text)
    except yaml.reader.ReaderError as error:  # a control character: refused before parsing
        line = text[: error.position].count("\n") + 1
        return None, [Problem(shown_as, line, None, None,
                              f"printable characters only (U+{error.character:04X}, a control character, is not "
                              "allowed in YAML)")]
    try:
        return _document(loader), []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        if isinstance(error, _Refused):
            return None, [Problem(shown_as, line, None, None, reason)]
        return None, [Problem(shown_as, line, None, None, f"valid YAML ({reason})")]
    except RecursionError:  # nesting of flow collections the depth check did not reach
        return None, [Problem(shown_as, None, None, None, f"at most {MAX_DEPTH} levels of nesting")]


def _document(loader: yaml.SafeLoader) -> Any:
    """The one document of a loader's stream, its expanded size checked before it is built
    (raises the loader's YAML errors and the refusals)."""
    try:
        root = loader.get_single_node()
        if root is not None:
            check_expanded_size(root)
        return loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def check_expanded_size(root: yaml.Node) -> None:
    """Raise a refusal when the document, once its aliases are expanded, would hold more than
    :data:`MAX_VALUES` values or :data:`MAX_EXPANDED_CHARACTERS` characters of text, or nest
    deeper than :data:`MAX_DEPTH`, or when an alias refers to a node that contains it (a cycle).

    Counted on the composed node graph, where an alias is one shared node, so a "billion
    laughs" file (or one long text repeated by aliases) is refused in milliseconds instead of
    growing to gigabytes when a consumer (a copy, a JSON dump, Snakemake's config check) walks it.
    """
    sizes: dict[int, tuple[int, int, int]] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> tuple[int, int, int]:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Refused(None, None, "no alias inside the value it names (a cycle)", node.start_mark)
        open_nodes.add(key)
        if isinstance(node, yaml.SequenceNode):
            children = [size(child) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            children = [size(part) for pair in node.value for part in pair]
        else:
            children = [(0, len(str(node.value)), 0)]
        open_nodes.discard(key)
        total = (1 + sum(c[0] for c in children), sum(c[1] for c in children),
                 1 + max((c[2] for c in children), default=0))
        if total[0] > MAX_VALUES or total[1] > MAX_EXPANDED_CHARACTERS:
            raise _Refused(None, None, f"at most {MAX_VALUES:,} values and {MAX_EXPANDED_CHARACTERS:,} characters "
                           "once aliases (*name) are expanded (aliases repeating aliases multiply: write the "
                           "values out or simplify)", node.start_mark)
        if total[2] > MAX_DEPTH:
            raise _Refused(None, None, f"at most {MAX_DEPTH} levels of nesting once aliases (*name) are expanded",
                           node.start_mark)
        sizes[key] = total
        return total

    size(root)


def load_yaml(path: Path | str, stage: str) -> Any:
    """Parse a YAML file safely (see :func:`load_yaml_with_lines`) without the line keys; raise
    :class:`InputError` naming the file and line when it cannot be read."""
    document, problems = load_yaml_with_lines(Path(path), display_path(path))
    if problems:
        raise InputError(problems, stage=stage)
    return strip_lines(document)


def strip_lines(value: Any) -> Any:
    """A copy of parsed YAML without the `__line__` keys."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value
