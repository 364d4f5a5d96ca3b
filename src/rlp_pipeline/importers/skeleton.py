"""The first mapping file for a REFI-QDA export (`python -m rlp_pipeline mapping-skeleton`).

A person starting an import needs to see what the export holds before writing the mapping: its
documents, its codes with how often each is used, which codes were never used (suggested for
`ignore:`), and in which unit its offsets are counted. The skeleton says all of it, as a YAML
file with comments, whose entries are filled in where a code's name is a codebook label
(:func:`.mapping.mapping_skeleton`) and left empty (`{}`) elsewhere: reading it unedited names
each empty entry and says "map it or move it to ignore:".
"""

from __future__ import annotations

import json

from ..codebook import Codebook
from .mapping import mapping_skeleton
from .qdpx import QdaExport, as_lf, offsets_for_origin, source_text, word_aligned

# How many document names the skeleton lists before saying how many more there are.
DOCUMENTS_SHOWN = 20


def code_uses(export: QdaExport) -> dict[str, int]:
    """How many codings apply each code path, over every source and selection of the export."""
    uses: dict[str, int] = {}
    codings = [c for source in export.project.sources for c in source.codings]
    codings += [c for selection in export.project.selections for c in selection.codings]
    for coding in codings:
        code = export.project.codes.get(coding.code_guid)
        if code is not None:
            uses[code.path] = uses.get(code.path, 0) + 1
    return uses


def detect_offsets(export: QdaExport) -> tuple[str, str, dict[tuple[str, str], int], int]:
    """The offset unit and line-end rule under which most passages of the export start and end
    at word boundaries (the origin's unit when they tie), with the misaligned count of each
    setting and the number of passages checked."""
    sources = {source.guid: source for source in export.project.sources if source.kind == "TextSource"}
    texts: dict[str, str] = {}
    spans = []
    for selection in export.project.selections:
        source = sources.get(selection.source_guid)
        if (source is None or selection.in_representation or selection.kind != "PlainTextSelection"
                or selection.position_problem or selection.end <= selection.start):
            continue
        if source.guid not in texts:
            texts[source.guid] = source_text(export, source, "as_is")[0] or ""
        spans.append((source.guid, selection.start, selection.end))
    counts = {}
    for offsets in ("characters", "utf16"):
        for line_endings in ("as_is", "lf"):
            counts[(offsets, line_endings)] = sum(
                not word_aligned(as_lf(texts[guid]) if line_endings == "lf" else texts[guid], start, end, offsets)
                for guid, start, end in spans)
    preferred = (offsets_for_origin(export.project.origin), "as_is")
    best = min(counts, key=lambda setting: (counts[setting], setting != preferred))
    return best[0], best[1], counts, len(spans)


def _fnmatch_literal(path: str) -> str:
    """A code path as an fnmatch pattern matching exactly it ('[', '*' and '?' escaped)."""
    return "".join(f"[{c}]" if c in "[]*?" else c for c in path)


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def skeleton_text(export: QdaExport, codebook: Codebook) -> str:
    """The skeleton mapping file of an export, as commented YAML text."""
    project = export.project
    uses = code_uses(export)
    codes = [code for code in project.codes.values() if uses.get(code.path) or not code.has_children]
    guessed = mapping_skeleton([code.path for code in codes], codebook)["codes"]
    text_documents = [source.name or f"(no name: {source.plain_text_path or source.guid})"
                      for source in project.sources if source.kind == "TextSource"]
    offsets, line_endings, counts, checked = detect_offsets(export)
    lines = [
        f"# Mapping skeleton for {export.shown} (origin: {project.origin or 'not given'}).",
        "# Fill in every empty entry ({}) under codes: with the fields the code sets, e.g. {strategy: resources},",
        "# or move it to ignore:. Then: python -m rlp_pipeline import EXPORT --mapping THIS_FILE",
        f"# The export holds {len(text_documents)} text document(s) of {len(project.sources)} source(s), "
        f"{len(project.selections)} selection(s) and {sum(uses.values())} coding(s).",
        "",
        "# Text documents (their names give the plan ids; see documents.pattern to cut them):",
    ]
    lines += [f"#   {name}" for name in text_documents[:DOCUMENTS_SHOWN]]
    if len(text_documents) > DOCUMENTS_SHOWN:
        lines.append(f"#   ... and {len(text_documents) - DOCUMENTS_SHOWN} more")
    variables = sorted(set(project.variables.values()))
    lines += ["documents: {by: name}", "",
              "# Where the mobilisation level (and region_from:, name_from:) is: a document variable, a case's",
              "# variable ({case_variable: NAME}), a document set ({set_prefix: \"Mobilisation \"}) or a code applied",
              "# to the document ({code_prefix: \"Mobilisation/\"}). This export has "
              f"{len(variables)} variable(s){': ' + ', '.join(variables) if variables else ''}; "
              f"{len(project.cases)} case(s); {len(project.sets)} document set(s)"
              + (": " + ", ".join(s.name for s in project.sets[:10]) if project.sets else "") + ".",
              "level_from: {variable: Mobilisation}",
              "region_from: {variable: Région}   # both needed unless the import is given --plans plans.csv",
              "# name_from: {variable: Nom}", ""]
    if checked:
        lines.append(f"# Offsets detected from {checked} passage(s): misaligned at word boundaries with "
                     + ", ".join(f"{o}/{e}: {n}" for (o, e), n in counts.items()) + ".")
    else:
        lines.append("# No passage with text to detect the offsets from: the unit follows the export's origin.")
    lines += [f"offsets: {offsets}", f"line_endings: {line_endings}", ""]
    if not uses:
        lines.append("# This export has no coding: it cannot be imported (a codebook or structure export), but its "
                     "code tree can be mapped here.")
    lines.append("codes:")
    unused = []
    for code in codes:
        entry = guessed[code.path]
        count = uses.get(code.path, 0)
        if not count and not entry and uses:  # a codebook-only export uses nothing: no suggestion then
            unused.append(code.path)
            continue
        fields = ", ".join(f"{name}: {value}" for name, value in entry.items())
        lines.append(f"  {_quoted(code.path)}: {{{fields}}}  # {count} use(s)")
    lines += ["", "# Codes never used in this export and not named like a codebook code: left out."]
    if unused:
        lines += ["ignore:"] + [f"  - {_quoted(_fnmatch_literal(path))}" for path in unused]
    else:
        lines.append("ignore: []")
    return "\n".join(lines) + "\n"
