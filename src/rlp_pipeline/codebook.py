"""The codebook: every code, its labels in French and English, and its ordinal attributes.

The codebook (`data/raw/codebook.yaml`) is the single source of the labels readers see and of
the facts the findings rely on: which sub-strategy belongs to which strategy, the complexity
order of the strategies (finding F04), the mobilisation levels of Himmelman's scale and their
grouping into 1-2 and 3-4. :func:`load_codebook` checks it completely and reports every problem
at once, with the line of the YAML file where it stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .problems import InputError, Problem, display_path
from .io.yamlfile import LINE_KEY, load_yaml_with_lines, strip_lines

LANGUAGES = ("fr", "en")

# Sections whose entries are codes that appear in the data: each needs a label and a one-line
# definition in both languages. Regions are a frame attribute with official names: labels only.
CODE_SECTIONS = (
    "objects",
    "strategies",
    "substrategies",
    "statuses",
    "mobilisation_levels",
    "mobilisation_groups",
    "verdicts",
)
LABEL_ONLY_SECTIONS = ("regions",)
# Sections whose ids are integers (they are numbers in plans.csv).
INTEGER_ID_SECTIONS = ("mobilisation_levels", "regions")
# Sections whose ids share the coding columns' namespace, so one id must not mean two things.
CODING_SECTIONS = ("objects", "strategies", "substrategies", "statuses")


@dataclass(frozen=True)
class Code:
    """One entry of the codebook: a stable id, labels and definitions by language, attributes."""

    id: Any
    label: dict[str, str]
    definition: dict[str, str]
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Codebook:
    """The parsed codebook: ordered entries per section, plus the complexity rationale."""

    version: str
    sections: dict[str, list[Code]]
    complexity_rationale: dict[str, str]

    def codes(self, section: str) -> list[Code]:
        """Entries of a section in codebook order (the order tables and figures use)."""
        return self.sections[section]

    def ids(self, section: str) -> list[Any]:
        """Ids of a section in codebook order."""
        return [code.id for code in self.sections[section]]

    def code(self, section: str, code_id: Any) -> Code:
        """The entry with this id in this section (KeyError if absent)."""
        for code in self.sections[section]:
            if code.id == code_id:
                return code
        raise KeyError(f"{code_id!r} is not in the codebook's {section}")

    def label(self, section: str, code_id: Any, language: str) -> str:
        """The label readers see for a code, in 'fr' or 'en'."""
        return self.code(section, code_id).label[language]

    def parent(self, substrategy_id: str) -> str:
        """The strategy a sub-strategy belongs to."""
        return self.code("substrategies", substrategy_id).attributes["parent"]

    def substrategies_of(self, strategy_id: str) -> list[str]:
        """Ids of a strategy's sub-strategies, in codebook order."""
        return [c.id for c in self.sections["substrategies"] if c.attributes["parent"] == strategy_id]

    def complexity_rank(self, strategy_id: str) -> int:
        """Rank of a strategy in the documented complexity order (1 = simplest)."""
        return int(self.code("strategies", strategy_id).attributes["complexity_rank"])

    def group_of_level(self, level: int) -> str:
        """The mobilisation group ('1-2' or '3-4') a level of Himmelman's scale belongs to."""
        return str(self.code("mobilisation_levels", level).attributes["group"])

    def spellings(self, section: str) -> dict[str, str]:
        """Every id and label of a section mapped to its id, for "did you mean" suggestions."""
        spelled: dict[str, str] = {}
        for code in self.sections[section]:
            spelled[str(code.id)] = str(code.id)
            for text in code.label.values():
                spelled.setdefault(text, str(code.id))
        return spelled


def load_codebook(path: Path | str) -> Codebook:
    """Read and check the codebook; raise :class:`InputError` listing every problem found."""
    path = Path(path)
    shown = display_path(path)
    document, problems = load_yaml_with_lines(path, shown)
    if problems:
        raise InputError(problems, stage="codebook check")
    problems = check_codebook(document, shown)
    if problems:
        raise InputError(problems, stage="codebook check")
    sections = {
        name: [_to_code(entry) for entry in document[name]] for name in CODE_SECTIONS + LABEL_ONLY_SECTIONS
    }
    rationale = strip_lines(document.get("complexity_order", {})).get("rationale", {})
    return Codebook(str(document.get("codebook_version", "")), sections, rationale)


def _to_code(entry: dict) -> Code:
    clean = strip_lines(entry)
    return Code(
        id=clean.pop("id"),
        label=clean.pop("label"),
        definition=clean.pop("definition", {}),
        attributes=clean,
    )


def check_codebook(document: Any, shown: str) -> list[Problem]:
    """Every problem of a parsed codebook document, in file order (empty when it is sound)."""
    if not isinstance(document, dict):
        return [Problem(shown, None, None, None, "a YAML mapping with the sections " + ", ".join(CODE_SECTIONS))]
    problems: list[Problem] = []
    seen_ids: dict[str, tuple[str, int]] = {}
    for section in CODE_SECTIONS + LABEL_ONLY_SECTIONS:
        entries = document.get(section)
        if not isinstance(entries, list) or not entries:
            problems.append(Problem(shown, None, section, None, f"a non-empty list of codes under '{section}:'"))
            continue
        for entry in entries:
            problems += _check_entry(entry, section, shown, seen_ids)
    if all(isinstance(document.get(s), list) for s in ("strategies", "substrategies", "mobilisation_levels", "mobilisation_groups")):
        problems += _check_relations(document, shown)
    for language in LANGUAGES:
        rationale = document.get("complexity_order", {}) or {}
        text = (rationale.get("rationale") or {}).get(language) if isinstance(rationale, dict) else None
        if not (isinstance(text, str) and text.strip()):
            line = rationale.get(LINE_KEY) if isinstance(rationale, dict) else None
            problems.append(
                Problem(shown, line, "complexity_order.rationale", None,
                        f"a '{language}' text explaining the strategies' complexity order")
            )
    return sorted(problems, key=lambda p: (p.line or 0))


def _check_entry(entry: Any, section: str, shown: str, seen_ids: dict[str, tuple[str, int]]) -> list[Problem]:
    if not isinstance(entry, dict):
        return [Problem(shown, None, section, str(entry), "an entry with id, label and definition")]
    line = entry.get(LINE_KEY)
    problems = []
    code_id = entry.get("id")
    if code_id is None or (isinstance(code_id, str) and not code_id.strip()):
        problems.append(Problem(shown, line, f"{section}.id", None, "an id for every code"))
    else:
        if section in INTEGER_ID_SECTIONS and not (isinstance(code_id, int) and not isinstance(code_id, bool)):
            problems.append(Problem(shown, line, f"{section}.id", str(code_id), "a whole number"))
        elif section not in INTEGER_ID_SECTIONS and not isinstance(code_id, str):
            # A list, a mapping, a number or true/false would never match a code in the tables.
            problems.append(Problem(shown, line, f"{section}.id", str(code_id), "a code written as a word"))
        namespace = "coding codes" if section in CODING_SECTIONS else section
        key = f"{namespace}:{code_id}"
        if key in seen_ids:
            first_section, first_line = seen_ids[key]
            problems.append(
                Problem(shown, line, f"{section}.id", str(code_id),
                        f"an id used once (it is already used in '{first_section}' at line {first_line})")
            )
        else:
            seen_ids[key] = (section, line)
    wanted = ("label",) if section in LABEL_ONLY_SECTIONS else ("label", "definition")
    for key in wanted:
        texts = entry.get(key)
        for language in LANGUAGES:
            text = texts.get(language) if isinstance(texts, dict) else None
            if not (isinstance(text, str) and text.strip()):
                problems.append(
                    Problem(shown, line, f"{section}.{key}.{language}", None,
                            f"{'a French' if language == 'fr' else 'an English'} {key} for code {code_id!r}")
                )
    return problems


def _check_relations(document: dict, shown: str) -> list[Problem]:
    """Cross-entry rules: parents exist, complexity ranks are 1..n, levels belong to a group."""
    problems = []
    strategy_ids = [e.get("id") for e in document["strategies"] if isinstance(e, dict)]
    for entry in filter(lambda e: isinstance(e, dict), document["substrategies"]):
        parent = entry.get("parent")
        if parent is None:
            problems.append(Problem(shown, entry[LINE_KEY], "substrategies.parent", None,
                                    f"the id of the strategy that sub-strategy {entry.get('id')!r} belongs to"))
        elif parent not in strategy_ids:
            problems.append(Problem(shown, entry[LINE_KEY], "substrategies.parent", str(parent),
                                    "one of the strategies " + ", ".join(map(str, strategy_ids))))
    ranks = [e.get("complexity_rank") for e in document["strategies"] if isinstance(e, dict)]
    expected_ranks = list(range(1, len(strategy_ids) + 1))
    for entry in filter(lambda e: isinstance(e, dict), document["strategies"]):
        rank = entry.get("complexity_rank")
        if not isinstance(rank, int) or rank not in expected_ranks or ranks.count(rank) > 1:
            problems.append(
                Problem(shown, entry[LINE_KEY], "strategies.complexity_rank", None if rank is None else str(rank),
                        f"each strategy to have its own rank from 1 to {len(strategy_ids)} (1 = simplest)")
            )
    group_ids = [e.get("id") for e in document["mobilisation_groups"] if isinstance(e, dict)]
    for entry in filter(lambda e: isinstance(e, dict), document["mobilisation_levels"]):
        if entry.get("group") not in group_ids:
            problems.append(Problem(shown, entry[LINE_KEY], "mobilisation_levels.group",
                                    None if entry.get("group") is None else str(entry.get("group")),
                                    "one of the mobilisation groups " + ", ".join(map(str, group_ids))))
    return problems
