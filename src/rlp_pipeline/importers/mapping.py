"""The mapping file: how the codes and documents of a QDA project become the codebook's ids.

A QDA tool knows codes by their place in its code tree (`Stratégies/Appropriation/Parents`) and
documents by their names; the pipeline knows codebook ids and plan ids. The mapping file (YAML,
see `config/import-mapping.example.yaml`) says how one becomes the other:

```yaml
codes:                                  # code path -> the fields it sets
  "Objets/Activités / programmes": {object: activities}
  "Stratégies/Ressources": {strategy: resources}
  "Stratégies/Ressources/Ressources financières": {substrategy: res_financial}
  "Statut/Intention": {status: intended}
ignore: ["Mémos/*"]                     # codes deliberately left out (fnmatch patterns)
documents: {by: name}                   # plan id = document name (without extension),
                                        # or {by: name, pattern: 'RLP-\\d+'} (regex, group 1 if any)
                                        # or {by: column, column: name} (a column of plans.csv)
level_from: {variable: Mobilisation}    # or {case_variable: ...}, {code_prefix: "Mobilisation/"}
                                        # or {set_prefix: "Mobilisation "} (document sets)
region_from: {variable: Région}         # optional, same forms; name_from too
offsets: auto                           # auto (from the export's origin: utf16 for NVivo, else
                                        # characters), characters, or utf16
line_endings: as_is                     # or lf: CRLF counted as one character
passages: exact                         # or overlap: how selections of one document form passages
coder_from: selection                   # or coding: whose name goes in the coder column
coders: {"Marie Tremblay": MT}          # optional: user name in the tool -> coder column
```

**Passages.** Tools write a coded passage in two layouts: one selection carrying all its codes
(ATLAS.ti, MAXQDA, QualCoder), or one selection per code with the same start and end (NVivo).
Selections of one document with identical spans are therefore one passage carrying all their
codes. With `passages: overlap`, selections whose spans overlap or nest are one passage too
(its excerpt spans them all). Selections that each give a complete coding on their own (one
object, one strategy, one status) stay separate passages even when they share a span: that is
two codings of the same words, as the one-selection layout writes them.

**Coder.** The person who coded a passage is the creator of its selection (`coder_from:
selection`, the default): NVivo's `Coding` elements often name whoever merged or exported the
project. `coder_from: coding` takes each `Coding`'s creating user instead (double coding in one
selection, as ATLAS.ti writes it).

The model of a coded passage: a passage (a selection in the tool) carries several codes; each
mapped code sets some of the fields object, strategy, substrategy and status, and together they
must set exactly one object, one strategy (a sub-strategy sets its strategy), at most one
sub-strategy and exactly one status. So a tool's tree may hold one code per sub-strategy and
separate codes for objects and statuses, or codes that set several fields at once. Code paths
are compared ignoring case and repeated spaces, and `Parent::Child` (ATLAS.ti 8) equals
`Parent/Child`.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..codebook import Codebook
from ..problems import InputError, Problem, did_you_mean, display_path
from ..io.yamlfile import LINE_KEY, load_yaml_with_lines, strip_lines

# The coding columns a code may set, and the codebook section of each.
CODE_FIELDS = {"object": "objects", "strategy": "strategies", "substrategy": "substrategies", "status": "statuses"}
OFFSET_UNITS = ("auto", "characters", "utf16")
LINE_ENDINGS = ("as_is", "lf")
PASSAGE_RULES = ("exact", "overlap")
CODER_SOURCES = ("selection", "coding")
ATTRIBUTE_SOURCES = ("variable", "case_variable", "code_prefix", "set_prefix")
DOCUMENT_RULES = ("name", "column")
TOP_KEYS = ("codes", "ignore", "documents", "level_from", "region_from", "name_from", "offsets", "line_endings",
            "passages", "coder_from", "coders", "split_by_coder")
# Top folders of the code tree in the mapping built from the codebook (see mapping_from_codebook).
TREE_FOLDERS = {
    "fr": {"objects": "Objets", "strategies": "Stratégies", "statuses": "Statut", "mobilisation_levels": "Mobilisation"},
    "en": {"objects": "Objects", "strategies": "Strategies", "statuses": "Status", "mobilisation_levels": "Mobilisation"},
}


def path_key(path: str) -> str:
    """The form in which code paths are compared: NFC, case-folded, `::` as `/`, single spaces."""
    text = unicodedata.normalize("NFC", str(path)).replace("::", "/").casefold()
    return " ".join(text.split())


@dataclass(frozen=True)
class AttributeSource:
    """Where a per-document attribute (mobilisation level, region, name) sits in the export."""

    kind: str  # one of ATTRIBUTE_SOURCES
    name: str  # variable name, or code path prefix

    def describe(self) -> str:
        """In plain words, for messages."""
        if self.kind == "variable":
            return f"the document variable '{self.name}'"
        if self.kind == "case_variable":
            return f"the variable '{self.name}' of a case pointing to the document"
        if self.kind == "set_prefix":
            return f"a document set named '{self.name}…' holding the document"
        return f"a code under '{self.name}' applied to the document"


@dataclass(frozen=True)
class DocumentRule:
    """How a document name gives a plan id."""

    by: str = "name"
    pattern: str | None = None
    column: str | None = None
    skip: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportMapping:
    """A checked mapping file (see the module docstring for its meaning)."""

    codes: dict[str, dict[str, str]]
    written: dict[str, str]
    ignore: tuple[str, ...] = ()
    documents: DocumentRule = field(default_factory=DocumentRule)
    level_from: AttributeSource | None = None
    region_from: AttributeSource | None = None
    name_from: AttributeSource | None = None
    offsets: str = "auto"
    line_endings: str = "as_is"
    coders: dict[str, str] = field(default_factory=dict)
    split_by_coder: bool = False
    shown: str = "mapping"
    passages: str = "exact"
    coder_from: str = "selection"
    # Line of each `codes:` entry (by path_key) and of each setting, for messages about them.
    lines: dict[str, int] = field(default_factory=dict)

    def fields_of(self, path: str) -> dict[str, str] | None:
        """The fields a code path sets, or None when the mapping does not map it."""
        return self.codes.get(path_key(path))

    def ignores(self, path: str) -> bool:
        """Whether the mapping deliberately leaves a code out."""
        key = path_key(path)
        return any(fnmatch.fnmatchcase(key, path_key(pattern)) for pattern in self.ignore)

    def attribute_prefixes(self) -> list[str]:
        """Code path prefixes that carry document attributes (their codes are not passages)."""
        return [s.name for s in (self.level_from, self.region_from, self.name_from)
                if s is not None and s.kind == "code_prefix"]

    def is_attribute_code(self, path: str) -> bool:
        """Whether a code carries a document attribute (under a code_prefix, or the prefix's
        folder itself): such codes are read as attributes, never as parts of a coding."""
        return any(prefix_remainder(path, prefix) is not None or path_key(path) == path_key(prefix).rstrip("/ ")
                   for prefix in self.attribute_prefixes())


def prefix_remainder(path: str, prefix: str) -> str | None:
    """The rest of a code path below a prefix folder ('Mobilisation/3' below 'Mobilisation/'
    gives '3'), or None when the path is not below it. Segments are compared like paths."""
    segments = path.replace("::", "/").split("/")
    wanted = [s for s in prefix.replace("::", "/").split("/") if s.strip()]
    if len(segments) <= len(wanted) or [path_key(s) for s in segments[:len(wanted)]] != [path_key(s) for s in wanted]:
        return None
    return "/".join(segments[len(wanted):]).strip()


def read_mapping(path: Path | str, codebook: Codebook) -> tuple[ImportMapping | None, list[Problem]]:
    """Read and check a mapping file; return it (None if unusable) and every problem found."""
    path = Path(path)
    shown = display_path(path)
    document, problems = load_yaml_with_lines(path, shown)
    if problems:
        return None, problems
    lines, duplicates = key_lines(path.read_bytes().decode("utf-8-sig", errors="replace"))
    problems = [Problem(shown, line, ".".join(keys), keys[-1],
                        f"each key once in its section (it is already at line {first}; YAML would silently keep "
                        "the last one)") for keys, line, first in duplicates]
    mapping, parse_problems = parse_mapping(document, codebook, shown, lines)
    problems += parse_problems
    return (None if problems else mapping), sorted(problems, key=lambda p: p.line or 0)


def key_lines(text: str) -> tuple[dict[tuple, int], list[tuple[tuple, int, int]]]:
    """The line of every key (and list item) of a YAML text, by its path of keys, and the keys
    written twice in one mapping as (path, line, first line).

    The loader keeps only the last of duplicated keys, so duplicates are found on the composed
    nodes, before loading; an unparsable text gives nothing (the loader reports it).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}, []
    lines: dict[tuple, int] = {}
    duplicates: list[tuple[tuple, int, int]] = []
    stack = [((), root)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                keys = prefix + (str(key_node.value),)
                line = key_node.start_mark.line + 1
                if keys in lines:
                    duplicates.append((keys, line, lines[keys]))
                else:
                    lines[keys] = line
                stack.append((keys, value_node))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[prefix + (index,)] = item.start_mark.line + 1
                stack.append((prefix + (index,), item))
    return lines, sorted(duplicates, key=lambda d: d[1])


def load_mapping(path: Path | str, codebook: Codebook) -> ImportMapping:
    """Read a mapping file; raise :class:`InputError` listing every problem found."""
    mapping, problems = read_mapping(path, codebook)
    if problems:
        raise InputError(problems, stage="mapping check")
    return mapping


def parse_mapping(document: Any, codebook: Codebook, shown: str = "mapping",
                  lines: dict[tuple, int] | None = None) -> tuple[ImportMapping | None, list[Problem]]:
    """Check a parsed mapping document (mappings may carry `__line__`; `lines` gives the line of
    each key, see :func:`key_lines`); return the mapping and every problem, each naming the key
    and line."""
    if not isinstance(document, dict):
        return None, [Problem(shown, None, None, None, "a YAML mapping with at least 'codes:' and 'documents:'")]
    lines = lines or {}
    line = document.get(LINE_KEY)
    at = lambda *keys: lines.get(tuple(keys), line)  # noqa: E731 - the line of a key, else the section's
    problems: list[Problem] = []
    for key in document:
        if key != LINE_KEY and key not in TOP_KEYS:
            problems.append(Problem(shown, at(str(key)), str(key), None, "one of the keys " + ", ".join(TOP_KEYS),
                                    did_you_mean(str(key), TOP_KEYS)))
    codes, written, code_problems = _parse_codes(document.get("codes"), codebook, shown, at("codes"), lines)
    problems += code_problems
    ignore = document.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
        problems.append(Problem(shown, at("ignore"), "ignore", str(strip_lines(ignore)), "a list of code paths or patterns such as 'Mémos/*'"))
        ignore = []
    for index, pattern in enumerate(ignore):
        swallowed = [written[key] for key in codes if fnmatch.fnmatchcase(key, path_key(pattern))]
        if swallowed:
            problems.append(Problem(shown, at("ignore", index), f"ignore[{index + 1}]", pattern,
                                    "an ignore pattern that leaves out no mapped code; it matches "
                                    + ", ".join(f"'{path}'" for path in swallowed[:5])
                                    + (" and others" if len(swallowed) > 5 else "")
                                    + ", whose passages would vanish silently",
                                    "Narrow the pattern, or remove those codes from codes:."))
    documents, doc_problems = _parse_documents(document.get("documents", {"by": "name"}), shown, at("documents"))
    problems += doc_problems
    sources = {}
    for key in ("level_from", "region_from", "name_from"):
        sources[key], source_problems = _parse_source(document.get(key), key, shown, at(key))
        problems += source_problems
    choices = {}
    for key, allowed, default in (("offsets", OFFSET_UNITS, "auto"), ("line_endings", LINE_ENDINGS, "as_is"),
                                  ("passages", PASSAGE_RULES, "exact"), ("coder_from", CODER_SOURCES, "selection")):
        value = document.get(key, default)
        if value not in allowed:
            problems.append(Problem(shown, at(key), key, str(value), "one of " + ", ".join(allowed),
                                    did_you_mean(str(value), allowed)))
            value = default
        choices[key] = value
    coders = document.get("coders") or {}
    if not isinstance(coders, dict):
        problems.append(Problem(shown, at("coders"), "coders", str(coders), "a mapping of user names to the coder text to write"))
        coders = {}
    coders = {str(k): str(v) for k, v in strip_lines(coders).items()}
    split = document.get("split_by_coder", False)
    if not isinstance(split, bool):
        problems.append(Problem(shown, at("split_by_coder"), "split_by_coder", str(split), "true or false"))
        split = False
    if problems:
        return None, sorted(problems, key=lambda p: p.line or 0)
    return ImportMapping(codes=codes, written=written, ignore=tuple(ignore), documents=documents,
                         level_from=sources["level_from"], region_from=sources["region_from"],
                         name_from=sources["name_from"], offsets=choices["offsets"],
                         line_endings=choices["line_endings"], coders=coders, split_by_coder=split,
                         shown=shown, passages=choices["passages"], coder_from=choices["coder_from"],
                         lines={**{key: at("codes", path) for key, path in written.items()},
                                **{key: at(key) for key in TOP_KEYS}}), []


def _parse_codes(entries: Any, codebook: Codebook, shown: str, line: int | None, lines: dict[tuple, int] | None = None):
    """The `codes:` section: path -> fields, each id checked against the codebook."""
    if not isinstance(entries, dict) or not [k for k in entries if k != LINE_KEY]:
        return {}, {}, [Problem(shown, line, "codes", None,
                                "a mapping of code paths to the fields they set, e.g. "
                                "\"Stratégies/Ressources\": {strategy: resources}")]
    codes: dict[str, dict[str, str]] = {}
    written: dict[str, str] = {}
    problems = []
    for path, entry in entries.items():
        if path == LINE_KEY:
            continue
        entry_line = (lines or {}).get(("codes", str(path))) or (entry.get(LINE_KEY, line) if isinstance(entry, dict) else line)
        where = f"codes.{path}"
        if entry is None or entry == "" or (isinstance(entry, dict) and not [k for k in entry if k != LINE_KEY]):
            problems.append(Problem(shown, entry_line, where, None,
                                    "the fields this code sets, e.g. {strategy: resources}; the entry is empty",
                                    "Map it, or move it to ignore: if its passages are not part of the analysis."))
            continue
        if not isinstance(entry, dict):
            problems.append(Problem(shown, entry_line, where, str(entry),
                                    "a mapping of one or more of " + ", ".join(CODE_FIELDS) + " to codebook ids"))
            continue
        fields: dict[str, str] = {}
        for name, value in strip_lines(entry).items():
            if name not in CODE_FIELDS:
                problems.append(Problem(shown, entry_line, f"{where}.{name}", str(name), "one of " + ", ".join(CODE_FIELDS),
                                        did_you_mean(str(name), list(CODE_FIELDS))))
                continue
            section = CODE_FIELDS[name]
            if str(value) not in codebook.ids(section):
                problems.append(Problem(shown, entry_line, f"{where}.{name}", str(value),
                                        f"an id of the codebook's {section}: " + ", ".join(map(str, codebook.ids(section))),
                                        did_you_mean(str(value), codebook.spellings(section))))
                continue
            fields[name] = str(value)
        if "substrategy" in fields:
            parent = codebook.parent(fields["substrategy"])
            if fields.setdefault("strategy", parent) != parent:
                problems.append(Problem(shown, entry_line, f"{where}.substrategy", fields["substrategy"],
                                        f"a sub-strategy of the strategy '{fields['strategy']}' given beside it "
                                        f"({', '.join(codebook.substrategies_of(fields['strategy']))}); it belongs to '{parent}'"))
        key = path_key(str(path))
        if key in codes:
            problems.append(Problem(shown, entry_line, where, str(path),
                                    f"each code path once (it is already mapped as '{written[key]}')"))
        codes[key], written[key] = fields, str(path)
    return codes, written, problems


def _parse_documents(entry: Any, shown: str, line: int | None) -> tuple[DocumentRule, list[Problem]]:
    """The `documents:` section: how document names give plan ids."""
    if not isinstance(entry, dict):
        return DocumentRule(), [Problem(shown, line, "documents", str(entry),
                                        "a mapping such as {by: name} or {by: column, column: name}")]
    entry_line = entry.get(LINE_KEY, line)
    clean = strip_lines(entry)
    problems = []
    for key in clean:
        if key not in ("by", "pattern", "column", "skip"):
            problems.append(Problem(shown, entry_line, f"documents.{key}", str(key), "one of by, pattern, column, skip"))
    by = clean.get("by", "name")
    if by not in DOCUMENT_RULES:
        problems.append(Problem(shown, entry_line, "documents.by", str(by), "name or column"))
    pattern = clean.get("pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as error:
            problems.append(Problem(shown, entry_line, "documents.pattern", str(pattern), f"a regular expression ({error})"))
    column = clean.get("column")
    if by == "column" and not (isinstance(column, str) and column.strip()):
        problems.append(Problem(shown, entry_line, "documents.column", None,
                                "the plans.csv column that holds the document names (e.g. name)"))
    skip = clean.get("skip") or []
    if not isinstance(skip, list):
        problems.append(Problem(shown, entry_line, "documents.skip", str(skip), "a list of document name patterns"))
        skip = []
    return DocumentRule(str(by), None if pattern is None else str(pattern),
                        None if column is None else str(column).strip().lower(), tuple(map(str, skip))), problems


def _parse_source(entry: Any, key: str, shown: str, line: int | None) -> tuple[AttributeSource | None, list[Problem]]:
    """A `*_from:` section: exactly one of variable, case_variable, code_prefix (or absent)."""
    if entry is None:
        return None, []
    clean = strip_lines(entry) if isinstance(entry, dict) else None
    if not clean or len(clean) != 1 or next(iter(clean)) not in ATTRIBUTE_SOURCES or not str(next(iter(clean.values()))).strip():
        return None, [Problem(shown, entry.get(LINE_KEY, line) if isinstance(entry, dict) else line, key,
                              str(clean if clean is not None else entry),
                              "exactly one of {variable: NAME}, {case_variable: NAME}, {code_prefix: \"Folder/\"} "
                              "or {set_prefix: \"Mobilisation \"}")]
    kind, name = next(iter(clean.items()))
    return AttributeSource(kind, str(name)), []


def mapping_from_codebook(codebook: Codebook, language: str = "fr") -> dict[str, Any]:
    """The mapping of a code tree built from the codebook's labels, as a YAML-ready document.

    Codes `Objets/<object>`, `Stratégies/<strategy>`, `Stratégies/<strategy>/<sub-strategy>` and
    `Statut/<status>` (English folder names with language='en'); the mobilisation level is read
    from a document variable named `Mobilisation`, the region from `Région` (`Region`), the
    group's name from `Nom` (`Name`). It is the starting point of `config/import-mapping.example.yaml`
    and what the tests' exports use.
    """
    folders = TREE_FOLDERS[language]
    codes: dict[str, dict[str, str]] = {}
    for code in codebook.codes("objects"):
        codes[f"{folders['objects']}/{code.label[language]}"] = {"object": str(code.id)}
    for strategy in codebook.codes("strategies"):
        codes[f"{folders['strategies']}/{strategy.label[language]}"] = {"strategy": str(strategy.id)}
        for sub in codebook.codes("substrategies"):
            if sub.attributes["parent"] == strategy.id:
                codes[f"{folders['strategies']}/{strategy.label[language]}/{sub.label[language]}"] = {"substrategy": str(sub.id)}
    for code in codebook.codes("statuses"):
        codes[f"{folders['statuses']}/{code.label[language]}"] = {"status": str(code.id)}
    return {
        "documents": {"by": "name"},
        "level_from": {"variable": "Mobilisation"},
        "region_from": {"variable": "Région" if language == "fr" else "Region"},
        "name_from": {"variable": "Nom" if language == "fr" else "Name"},
        "offsets": "characters",
        "line_endings": "as_is",
        "codes": codes,
    }


def mapping_yaml(document: dict[str, Any]) -> str:
    """A mapping document as YAML text (keys in the order given, Unicode kept)."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)


def mapping_skeleton(code_paths: list[str], codebook: Codebook) -> dict[str, Any]:
    """A first mapping for an export's code tree: each path whose last segment is a codebook
    label or id (French or English) is mapped to it, the others are left empty ({}) for a person
    to fill in or move to `ignore:`. Loading it fails until every entry is filled, on purpose."""
    from .values import code_value

    codes: dict[str, Any] = {}
    for path in code_paths:
        parts = path.replace("::", "/").split("/")
        entry: dict[str, str] = {}
        # The shortest tail of the path that is a label ('Activités / programmes' holds a '/').
        for tail in ("/".join(parts[-k:]) for k in range(1, len(parts) + 1)):
            for name, section in CODE_FIELDS.items():
                found = code_value(tail, section, codebook)
                if found is not None:
                    entry = {name: str(found)}
                    break
            if entry:
                break
        codes[path] = entry
    return {"documents": {"by": "name"}, "level_from": {"variable": "Mobilisation"}, "codes": codes}
