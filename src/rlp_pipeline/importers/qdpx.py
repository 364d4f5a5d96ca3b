"""REFI-QDA projects (.qdpx archive, or a bare .qde XML) to the canonical raw tables.

What is read, and how real exports differ from the standard (each difference is handled):

- **The archive.** A `.qdpx` is a zip holding the project XML and a sources folder. The XML may
  be `project.qde`, `Project.qde` or `<name>.qde`; the folder `sources/` or `Sources/` (members
  are looked up ignoring case). The archive is checked before anything is decompressed and
  nothing is extracted to disk (:mod:`.safezip`).
- **Texts.** A TextSource's text is inline (`PlainTextContent`) or a member named by
  `plainTextPath="internal://<file>"`, or by a bare file name as QualCoder writes it (looked up in
  the sources folder, then at the top of the archive). `relative://` and `absolute://` paths
  point outside the export: they are never followed, and a document that needs one is reported.
  A source without a `name` is named from its text file (with a warning). Text files are
  decoded like the CSV route does (UTF-8 with or without byte-order mark, UTF-16 with BOM,
  Windows-1252); the BOM is not part of the text.
- **Offsets.** Passages are cut from the text by `startPosition`/`endPosition`, counted in
  characters or in UTF-16 code units as NVivo does (an emoji then counts 2). `offsets: auto`
  (the default) takes the unit from the export's `origin` (UTF-16 for NVivo, characters for the
  others); `characters` or `utf16` overrides it. Tools disagree on CRLF line ends: by default
  (`line_endings: as_is`) the CR counts; `line_endings: lf` counts CRLF as one character.
  Line ends in excerpts are written as LF, and excerpts are trimmed of surrounding spaces.
  Every passage is checked: when most passages do not start and end at word boundaries and
  another setting would align more of them, the import stops naming the count and the setting
  to change; misaligned passages under the best setting are counted in a warning.
- **Other sources** (PDF, pictures, audio, video) are listed as not text in the report; a
  mapped code applied in one of them is a problem (it would be lost silently otherwise).
- **Per-document attributes** (mobilisation level, region, name): from a variable of the
  TextSource (NVivo's and ATLAS.ti's document variables), from a variable of a Case pointing to
  it with `SourceRef` (NVivo's cases), from a document set whose name starts with a prefix
  (MAXQDA's document sets, `<Set>` with `MemberSource`), or from a code under a prefix applied to
  the document (a `Coding` of the TextSource itself or of any passage: QualCoder, ATLAS.ti's
  document groups coded as codes).

How passages become codings is described in :mod:`.mapping`. A passage with no mapped code is
not a coding (its codes are listed as unmapped); a zero-length passage gives an empty excerpt;
codes applied to a whole TextSource form one passage with an empty excerpt. With
`split_by_coder: true` a passage coded by two people gives one coding per person (double
coding); otherwise the coder column lists every person who applied its mapped codes.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import Codebook
from ..io.datapackage import DataPackage
from ..problems import Problem, did_you_mean, display_path, fold
from ..io.tables import decode
from .mapping import ImportMapping, path_key, prefix_remainder
from .qdaxml import QdaCode, QdaProject, QdaSelection, QdaSource, local, parse_project, parse_xml
from .result import ImportProblem, ImportResult, canonical_order, canonical_table
from .safezip import MAX_MEMBER_BYTES, SafeArchive, unsafe_member_name
from .values import code_value

INTERNAL = "internal://"
# File extensions dropped from a document name to get a plan id (documents: {by: name}).
DOCUMENT_EXTENSIONS = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".htm", ".html", ".md")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class QdaExport:
    """An opened export: the parsed project, and its archive when it is a .qdpx."""

    shown: str
    project: QdaProject
    archive: SafeArchive | None = None
    inner_name: str = ""

    def close(self) -> None:
        """Release the archive."""
        if self.archive is not None:
            self.archive.close()


def open_export(source: Path | str | bytes, shown: str | None = None) -> tuple[QdaExport | None, list[Problem]]:
    """Open a .qdpx (zip) or a bare .qde/.qdc (XML), judged on content, not on the extension."""
    shown = shown or (display_path(source) if not isinstance(source, (bytes, bytearray)) else "export")
    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:4])
    else:
        path = Path(source)
        if not path.is_file():
            return None, [Problem(shown, None, None, None, f"a REFI-QDA export at {path} (it does not exist)")]
        with path.open("rb") as stream:
            head = stream.read(4)
    if head == _ZIP_MAGIC:
        return _open_archive(source, shown)
    data = bytes(source) if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    if len(data) > MAX_MEMBER_BYTES:
        return None, [Problem(shown, None, None, f"{len(data)} bytes", f"an XML file of at most {MAX_MEMBER_BYTES} bytes")]
    root, problems = parse_xml(data, shown)
    if root is None:
        return None, problems
    if local(root.tag) not in ("Project", "CodeBook"):
        return None, [Problem(shown, None, None, f"<{local(root.tag)}>", "a REFI-QDA <Project> or <CodeBook> root element")]
    return QdaExport(shown, parse_project(root)), []


def _open_archive(source: Path | str | bytes, shown: str) -> tuple[QdaExport | None, list[Problem]]:
    """A checked .qdpx: its one project XML (project.qde preferred, else the only top-level .qde)."""
    archive, problems = SafeArchive.open(source, shown)
    if archive is None:
        return None, problems
    candidates = [name for name in archive.names() if name.lower().endswith(".qde")]
    top = [name for name in candidates if "/" not in name.replace("\\", "/")]
    chosen = [n for n in top if n.lower() == "project.qde"] or top or candidates
    if len(chosen) != 1:
        archive.close()
        found = ", ".join(candidates) or "none"
        return None, [Problem(shown, None, None, None,
                              f"one project XML (.qde) at the top of the archive (found: {found})")]
    data, problem = archive.read(archive.find(chosen[0]))
    if problem:
        archive.close()
        return None, [problem]
    root, problems = parse_xml(data, f"{shown} › {chosen[0]}")
    if root is None:
        archive.close()
        return None, problems
    if local(root.tag) != "Project":
        archive.close()
        return None, [Problem(f"{shown} › {chosen[0]}", None, None, f"<{local(root.tag)}>", "a REFI-QDA <Project> root element")]
    return QdaExport(shown, parse_project(root), archive, chosen[0]), []


def read_codebook_export(source: Path | str | bytes, shown: str | None = None) -> tuple[list[QdaCode], list[Problem]]:
    """The code tree of a REFI-QDA codebook (.qdc) or project, in document order."""
    export, problems = open_export(source, shown)
    if export is None:
        return [], problems
    export.close()
    return list(export.project.codes.values()), []


def source_text(export: QdaExport, source: QdaSource, line_endings: str = "as_is") -> tuple[str | None, str | None]:
    """The plain text of a TextSource, or (None, why it cannot be read)."""
    if source.inline_text is not None:
        text = source.inline_text
    else:
        location = source.plain_text_path or ""
        if not location:
            return None, "a text (PlainTextContent or plainTextPath); this TextSource has neither"
        scheme = location.split("://", 1)[0].lower() + "://" if "://" in location else ""
        if scheme and scheme != INTERNAL:
            return None, (f"a text inside the export (internal://); '{location}' points outside it and is never "
                          "followed: export the project with its sources embedded")
        # QualCoder writes a bare file name (no internal://) for a file of the sources folder.
        inner = location[len(INTERNAL):] if scheme else location
        reason = unsafe_member_name(inner)
        if reason:
            return None, f"a file name inside the export's sources folder; '{location}' is refused because {reason}"
        if export.archive is None:
            return None, (f"the file '{inner}' of the sources folder, which a bare .qde does not hold: "
                          "import the .qdpx archive instead")
        info = export.archive.find(f"sources/{inner}")
        if info is None and not scheme:
            info = export.archive.find(inner)
        if info is None:
            return None, f"the file sources/{inner} in the archive (it is missing)"
        data, problem = export.archive.read(info)
        if problem:
            return None, f"a readable file sources/{inner} ({problem.expected})"
        text, _ = decode(data)
    text = text.lstrip("\ufeff")
    if line_endings == "lf":
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def cut(text: str, start: int, end: int, offsets: str) -> str | None:
    """The passage between two offsets, counted in characters or in UTF-16 code units; None when
    the offsets fall outside the text or inside a character (half of a UTF-16 surrogate pair)."""
    if offsets == "utf16":
        units = text.encode("utf-16-le", errors="surrogatepass")
        if end * 2 > len(units):
            return None
        try:
            return units[start * 2:end * 2].decode("utf-16-le")
        except UnicodeDecodeError:
            return None
    return text[start:end] if end <= len(text) else None


def offsets_for_origin(origin: str) -> str:
    """The offset unit a tool writes, from the export's `origin` attribute (software name and
    version): NVivo counts UTF-16 code units; ATLAS.ti, MAXQDA and QualCoder count characters."""
    return "utf16" if "nvivo" in origin.casefold() else "characters"


def char_index(text: str, offset: int, offsets: str) -> int | None:
    """The character position of an offset, or None when it is past the end or inside a
    character (half of a UTF-16 surrogate pair)."""
    prefix = cut(text, 0, offset, offsets)
    return None if prefix is None else len(prefix)


def _word(character: str) -> bool:
    return character.isalnum()


def word_aligned(text: str, start: int, end: int, offsets: str) -> bool:
    """Whether a passage starts and ends on a character boundary and at word boundaries (never
    between two letters or digits): the sign that its offsets are counted in the right unit."""
    first, last = char_index(text, start, offsets), char_index(text, end, offsets)
    if first is None or last is None:
        return False
    starts = first == 0 or first >= len(text) or not (_word(text[first - 1]) and _word(text[first]))
    ends = last == 0 or last >= len(text) or not (_word(text[last - 1]) and _word(text[last]))
    return starts and ends


def as_lf(text: str) -> str:
    """A text with CRLF and CR line ends counted as one character (line_endings: lf)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def overlapping(first: QdaSelection, second: QdaSelection) -> bool:
    """Whether two selections share characters (or are the same empty position)."""
    return (first.start, first.end) == (second.start, second.end) or (first.start < second.end and second.start < first.end)


def group_selections(selections: list[QdaSelection], rule: str, complete_alone) -> list[list[QdaSelection]]:
    """The passages of one document's plain-text selections (sorted by position), as groups.

    Selections with identical spans (`rule` 'exact'), or with overlapping or nested spans
    ('overlap', transitively), are one passage, so NVivo's one-selection-per-code layout gives
    the passages of the one-selection-many-codes layout. A group whose selections are each a
    complete coding on their own (`complete_alone`) stays as separate passages: two codings of
    the same words. Selections whose positions cannot be read stay alone (reported later).
    """
    groups: list[list[QdaSelection]] = []
    for selection in selections:
        last = groups[-1] if groups else None
        if selection.position_problem is None and last and last[0].position_problem is None and (
                (rule == "exact" and (last[0].start, last[0].end) == (selection.start, selection.end))
                or (rule == "overlap" and any(overlapping(member, selection) for member in last))):
            last.append(selection)
        else:
            groups.append([selection])
    result = []
    for group in groups:
        if len(group) > 1 and all(complete_alone(selection) for selection in group):
            result += [[selection] for selection in group]
        else:
            result.append(group)
    return result


def text_length(text: str, offsets: str) -> int:
    """Length of a text in the offset unit."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2 if offsets == "utf16" else len(text)


def clean_excerpt(text: str) -> str:
    """An excerpt as written to codings.csv: LF line ends, no surrounding spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def import_qdpx(source: Path | str | bytes, mapping: ImportMapping, codebook: Codebook, package: DataPackage,
                plans: pd.DataFrame | None = None, shown: str | None = None) -> ImportResult:
    """Read a REFI-QDA export into the canonical `plans` and `codings` tables.

    `plans` is the user's plans.csv as read by :func:`.result.read_plans_frame`, or None to
    build the plans from the documents and their variables. Returns an :class:`ImportResult`
    with every problem found (the tables are then incomplete and must not be written).
    """
    shown = shown or (display_path(source) if not isinstance(source, (bytes, bytearray)) else "export")
    export, problems = open_export(source, shown)
    if export is None:
        return ImportResult(shown, canonical_table([], package, "plans"),
                            canonical_table([], package, "codings"), problems, kind="REFI-QDA")
    try:
        return _Importer(export, mapping, codebook, package, plans).run()
    finally:
        export.close()


class _Importer:
    """The steps of one import, sharing the export, the mapping and the problems found."""

    def __init__(self, export: QdaExport, mapping: ImportMapping, codebook: Codebook, package: DataPackage,
                 plans: pd.DataFrame | None):
        self.export, self.project, self.mapping = export, export.project, mapping
        self.codebook, self.package, self.frame = codebook, package, plans
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.uses: dict[str, int] = {}
        self.selections: dict[str, list[QdaSelection]] = {}
        for selection in self.project.selections:
            self.selections.setdefault(selection.source_guid, []).append(selection)
        self.warnings: list[str] = []
        self.offsets = mapping.offsets
        if self.offsets == "auto":
            self.offsets = offsets_for_origin(self.project.origin)
        # Every cut passage (document, start, end), for the alignment check of the offsets.
        self.spans: list[tuple[QdaSource, int, int]] = []
        self.counts = {"text documents": 0, "selections": 0, "codings": 0, "passages": 0,
                       "selections merged": 0, "passages kept": 0, "dropped: no mapped code": 0,
                       "dropped: document attributes only": 0}
        self.name_sources()

    def name_sources(self) -> None:
        """Name the sources an export leaves nameless (QualCoder) after their text file, with a
        warning: the name gives the plan id, and every message needs one."""
        for source in self.project.sources:
            if source.name:
                continue
            location = (source.plain_text_path or source.media_path or "").split("://", 1)[-1]
            source.name = location.replace("\\", "/").rsplit("/", 1)[-1] or source.guid or "(no name)"
            self.warnings.append(f"A {source.kind} has no name in the export; it is named '{source.name}' "
                                 "after its file. Name the document in the tool, or map it with documents.pattern.")

    def problem(self, source: QdaSource | None, value: str | None, expected: str, where: str = "", hint: str | None = None) -> None:
        """Record a problem at a document (and a passage of it), or at the whole export."""
        place = f"document '{source.name}'" if source is not None else None
        if where:
            place = f"{place}, {where}" if place else where
        self.problems.append(ImportProblem(self.export.shown, None, None, value, expected, hint, place=place))

    def run(self) -> ImportResult:
        """Documents to plans, plans table, passages to codings, then what was left out."""
        documents = self.plan_documents()
        plan_rows = self.plan_rows(documents)
        coding_rows = []
        for plan_id, source in documents:
            coding_rows += self.document_codings(plan_id, source)
        self.check_other_sources()
        self.check_alignment()
        self.check_mapped_paths()
        if not coding_rows and not self.problems:
            self.problem(None, None, "an export with coded passages in its text documents; it has "
                         f"{self.counts['text documents']} text document(s) to import, {self.counts['selections']} "
                         f"selection(s) and {self.counts['codings']} coding(s) in them, and none gives a coding "
                         "with the mapping",
                         hint="Export the whole project with its documents and codings (a codebook-only or "
                         "structure export holds no coded passage), or check the mapping's codes.")
        plans = canonical_table(plan_rows, self.package, "plans")
        codings = canonical_table(coding_rows, self.package, "codings")
        plans, codings = canonical_order(plans, codings, keep_plan_order=self.frame is not None)
        return ImportResult(self.export.shown, plans, codings, self.problems, self.unmapped(), dict(self.uses),
                            self.notes, kind=f"REFI-QDA {self.project.origin}".strip(), warnings=self.warnings,
                            counts=self.reconciliation(), passage_rule=self.passage_rule())

    def passage_rule(self) -> str:
        """The settings that turned selections into passages and excerpts, in words."""
        rule = ("selections with identical spans" if self.mapping.passages == "exact"
                else "selections with overlapping or nested spans")
        return (f"passages: {self.mapping.passages} ({rule} are one passage, unless each is a complete coding "
                f"alone); offsets: {self.offsets}"
                + (f" (auto, from the export's origin '{self.project.origin or 'not given'}')" if self.mapping.offsets == "auto" else "")
                + f"; line_endings: {self.mapping.line_endings}; "
                f"coder_from: {self.mapping.coder_from}")

    def reconciliation(self) -> dict[str, int]:
        """Counts from the export to the codings written, so every passage is accounted for."""
        return {"sources in the export": len(self.project.sources), **self.counts}

    def check_mapped_paths(self) -> None:
        """Mapped code paths that match no code of the export: a likely typo (a code of the export
        is close) is a problem at its line of the mapping file; the others, a generic mapping's
        codes this project does not have, are listed in a warning."""
        present = {path_key(code.path): code.path for code in self.project.codes.values()}
        unmatched = []
        for key, written in self.mapping.written.items():
            if key in present:
                continue
            hint = did_you_mean(written, [path for k, path in present.items() if not self.mapping.fields_of(path)
                                          and not self.mapping.ignores(path)])
            if hint:
                self.problems.append(Problem(self.mapping.shown, self.mapping.lines.get(key), f"codes.{written}", written,
                                             "a code path of the export (this one matches none of its codes)", hint))
            else:
                unmatched.append(written)
        if unmatched:  # normal for a generic mapping: a note, not a warning
            self.notes.append(f"{len(unmatched)} code path(s) of the mapping match no code of the export: "
                                 + "; ".join(unmatched[:10]) + ("; ..." if len(unmatched) > 10 else ""))

    def check_alignment(self) -> None:
        """Do the passages start and end at word boundaries with the offsets chosen? When most do
        not and another setting aligns more, stop naming the setting; else warn with the count."""
        spans = [(source, start, end) for source, start, end in self.spans if end > start]
        if not spans:
            return
        texts: dict[str, str] = {}
        for source, _, _ in spans:
            if source.guid not in texts:
                texts[source.guid] = source_text(self.export, source, "as_is")[0] or ""

        def misaligned(offsets: str, line_endings: str) -> int:
            return sum(not word_aligned(as_lf(texts[source.guid]) if line_endings == "lf" else texts[source.guid],
                                        start, end, offsets) for source, start, end in spans)

        current = (self.offsets, self.mapping.line_endings)
        counts = {setting: misaligned(*setting) for setting in
                  [current] + [(o, e) for o in ("characters", "utf16") for e in ("as_is", "lf") if (o, e) != current]}
        best = min(counts, key=lambda setting: (counts[setting], setting != current))
        if counts[current] * 2 > len(spans) and counts[best] < counts[current]:
            self.problem(None, f"{counts[current]} of {len(spans)} passages",
                         f"passages that start and end at word boundaries with offsets: {current[0]} and line_endings: "
                         f"{current[1]}; with offsets: {best[0]} and line_endings: {best[1]}, {counts[best]} would not",
                         hint=f"Set offsets: {best[0]} and line_endings: {best[1]} in the mapping file.")
        elif counts[current]:
            self.warnings.append(f"{counts[current]} of {len(spans)} passages start or end inside a word (offsets: "
                                 f"{current[0]}, line_endings: {current[1]}); check a few excerpts in codings.csv.")

    # -- documents and plans -------------------------------------------------------------------

    def plan_documents(self) -> list[tuple[str, QdaSource]]:
        """The text documents to import, each with the plan id it maps to."""
        rule = self.mapping.documents
        found = []
        by_column = {}
        if rule.by == "column":
            if self.frame is None:
                self.problem(None, None, f"a plans.csv to map documents by its column '{rule.column}' "
                             "(documents: {by: column}); give the plans table, or use documents: {by: name}")
                return []
            if rule.column not in self.frame.columns:
                self.problem(None, rule.column, "a column of plans.csv: " + ", ".join(self.frame.columns))
                return []
            for value, plan_id in zip(self.frame[rule.column], self.frame["plan_id"]):
                if str(value).strip():
                    by_column.setdefault(fold(str(value)), plan_id)
        known = set(self.frame["plan_id"]) if self.frame is not None else None
        plan_field = next(f for f in self.package.resources["plans"].fields if f["name"] == "plan_id")
        pattern = (plan_field.get("constraints") or {}).get("pattern")
        for source in self.project.sources:
            if any(fnmatch.fnmatchcase(source.name, p) for p in rule.skip):
                self.notes.append(f"Document '{source.name}' skipped (documents.skip).")
                continue
            if source.kind != "TextSource":
                continue
            plan_id = self.plan_id_of(source, rule, by_column)
            if plan_id is None:
                continue
            if pattern and not re.fullmatch(pattern, plan_id):
                self.problem(source, plan_id, "a plan identifier made of letters, digits, '-', '_' or '.', "
                             "starting with a letter or digit (from the document name)")
                continue
            if known is not None and plan_id not in known:
                self.problem(source, plan_id, f"the id of a plan listed in {self.frame.attrs.get('shown_as', 'plans.csv')}",
                             hint=did_you_mean(plan_id, sorted(known)))
                continue
            found.append((plan_id, source))
        return found

    def plan_id_of(self, source: QdaSource, rule, by_column: dict[str, str]) -> str | None:
        """The plan id a document's name gives under the mapping's rule, or None (a problem)."""
        name = source.name
        if rule.by == "column":
            stem = _stem(name)
            plan_id = by_column.get(fold(name)) or by_column.get(fold(stem))
            if plan_id is None:
                self.problem(source, name, f"a document named after a value of the column '{rule.column}' of plans.csv",
                             hint=did_you_mean(stem, list(by_column)))
            return plan_id
        if rule.pattern:
            match = re.search(rule.pattern, name)
            if not match:
                self.problem(source, name, f"a document name matching the pattern {rule.pattern!r} of documents.pattern "
                             "(or add the document to documents.skip)")
                return None
            return (match.group(1) if match.groups() else match.group(0)).strip()
        return _stem(name)

    def attribute(self, source: QdaSource, spec, what: str) -> str | None:
        """A per-document attribute's raw value, from where the mapping says it is."""
        if spec is None:
            return None
        if spec.kind == "variable":
            values = [v for k, v in source.variables.items() if fold(k) == fold(spec.name)]
            return values[0] if values and values[0] != "" else None
        if spec.kind == "case_variable":
            values = {v for case in self.project.cases if source.guid in case.source_guids
                      for k, v in case.variables.items() if fold(k) == fold(spec.name) and v != ""}
            if len(values) > 1:
                self.problem(source, ", ".join(sorted(values)), f"one {what} for the document; its cases give several")
                return None
            return next(iter(values), None)
        if spec.kind == "set_prefix":
            values = {document_set.name[len(spec.name):].strip() for document_set in self.project.sets
                      if source.guid in document_set.source_guids and document_set.name.casefold().startswith(spec.name.casefold())}
            if len(values) > 1:
                self.problem(source, ", ".join(sorted(values)), f"one {what} for the document; its document sets give several")
                return None
            return next(iter(values), None)
        values = set()
        for coding in self.document_codings_all(source):
            code = self.project.codes.get(coding.code_guid)
            rest = prefix_remainder(code.path, spec.name) if code is not None else None
            if rest:
                values.add(rest)
        if len(values) > 1:
            self.problem(source, ", ".join(sorted(values)), f"one {what} code ({spec.describe()}); the document has several")
            return None
        return next(iter(values), None)

    def document_codings_all(self, source: QdaSource):
        """Every coding of a document: on the document itself and on its own passages."""
        yield from source.codings
        for selection in self.selections.get(source.guid, []):
            if not selection.in_representation:
                yield from selection.codings

    def plan_rows(self, documents: list[tuple[str, QdaSource]]) -> list[dict[str, Any]]:
        """The plans table: the user's, checked against the export, or built from the documents."""
        found: dict[str, dict[str, Any]] = {}
        for plan_id, source in documents:
            values = {"plan_id": plan_id}
            for column, spec, section in (("mobilisation_level", self.mapping.level_from, "mobilisation_levels"),
                                          ("region", self.mapping.region_from, "regions")):
                raw = self.attribute(source, spec, column.replace("_", " "))
                if raw is None:
                    if spec is not None and self.frame is None:
                        self.problem(source, None, f"a {column.replace('_', ' ')} in {spec.describe()}")
                    continue
                value = code_value(raw, section, self.codebook)
                if value is None:
                    self.problem(source, raw, f"a {column.replace('_', ' ')} from the codebook ({spec.describe()}): "
                                 + ", ".join(f"{c.id} {c.label['fr']}" for c in self.codebook.codes(section)))
                    continue
                values[column] = value
            name = self.attribute(source, self.mapping.name_from, "name")
            if name is not None:
                values["name"] = name
            previous = found.setdefault(plan_id, {})
            for column, value in values.items():
                if previous.setdefault(column, value) != value:
                    self.problem(source, str(value), f"the same {column} as the other document of plan '{plan_id}' "
                                 f"({previous[column]})")
        if self.frame is None:
            for key, what in (("level_from", "mobilisation level"), ("region_from", "region")):
                if documents and getattr(self.mapping, key) is None:
                    self.problem(None, None, f"{key} in the mapping (where each document's {what} is), "
                                 f"or a plans.csv with the {what}s")
            return list(found.values())
        return self.checked_frame(found, dict(documents))

    def checked_frame(self, found: dict[str, dict[str, Any]], sources: dict[str, QdaSource]) -> list[dict[str, Any]]:
        """The user's plans, after checking the export's levels and regions agree with them."""
        rows = self.frame.to_dict("records")
        by_id = {row["plan_id"]: row for row in rows}
        for plan_id, values in found.items():
            for column in ("mobilisation_level", "region"):
                if column not in values or column not in self.frame.columns:
                    continue
                given = code_value(str(by_id[plan_id].get(column, "")), "mobilisation_levels" if column != "region" else "regions",
                                   self.codebook)
                if given is not None and given != values[column]:
                    self.problem(sources[plan_id], str(values[column]),
                                 f"the {column.replace('_', ' ')} of plan '{plan_id}' in plans.csv ({given})")
        return rows

    # -- passages ----------------------------------------------------------------------------

    def document_codings(self, plan_id: str, source: QdaSource) -> list[dict[str, Any]]:
        """The coding rows of one text document, in the order of the passages in the text.

        Selections become passages by the mapping's `passages` rule (:func:`group_selections`);
        a passage's codes are those of all its selections, its excerpt spans them all.
        """
        passages: list[tuple[QdaSelection | None, list]] = []
        if source.codings:
            passages.append((None, source.codings))
        selections = [s for s in self.selections.get(source.guid, [])
                      if not s.in_representation and s.kind == "PlainTextSelection"]
        selections.sort(key=lambda s: (s.start if s.start is not None else -1, s.end or 0, s.order))
        self.counts["text documents"] += 1
        self.counts["selections"] += len(selections)
        self.counts["codings"] += len(source.codings) + sum(len(s.codings) for s in selections)
        for group in group_selections(selections, self.mapping.passages, self.complete_alone):
            if len(group) > 1:
                self.counts["selections merged"] += len(group)
                span = QdaSelection(guid=group[0].guid, source_guid=source.guid, kind="PlainTextSelection",
                                    order=group[0].order, start=min(s.start for s in group), end=max(s.end for s in group))
            else:
                span = group[0]
            passages.append((span, [coding for selection in group for coding in selection.codings]))
        self.counts["passages"] += len(passages)
        text: str | None = None
        text_problem: str | None = None
        rows = []
        for selection, codings in passages:
            where = self.where(selection)
            groups = self.coding_groups(codings, source, where)
            if all(fields is None for _, fields, _ in groups):
                attributes = bool(codings) and all(self.is_attribute(coding) for coding in codings)
                self.counts["dropped: document attributes only" if attributes else "dropped: no mapped code"] += 1
            for user_names, fields, codes in groups:
                if fields is None:
                    continue
                if not self.complete(fields, codes, source, where):
                    continue
                excerpt = ""
                if selection is not None:
                    if selection.position_problem:
                        self.problem(source, None, selection.position_problem, where)
                        continue
                    if selection.end > selection.start:
                        if text is None and text_problem is None:
                            text, text_problem = source_text(self.export, source, self.mapping.line_endings)
                            if text_problem:
                                self.problem(source, source.plain_text_path, text_problem)
                        if text_problem:
                            continue
                        passage = cut(text, selection.start, selection.end, self.offsets)
                        self.spans.append((source, selection.start, selection.end))
                        if passage is None:
                            length = text_length(text, self.offsets)
                            self.problem(source, f"{selection.start}-{selection.end}",
                                         f"offsets within the text ({length} {self.offsets.replace('utf16', 'UTF-16 code units')}) "
                                         "that do not split a character", where,
                                         "Check the mapping's 'offsets' (characters or utf16) and 'line_endings' (as_is or lf).")
                            continue
                        excerpt = clean_excerpt(passage)
                self.counts["passages kept"] += 1
                rows.append({"plan_id": plan_id, **{k: fields.get(k, "") for k in ("object", "strategy", "substrategy", "status")},
                             "excerpt": excerpt, "coder": ", ".join(user_names)})
        return rows

    def is_attribute(self, coding) -> bool:
        """Whether a coding applies a code that carries a document attribute (level, region)."""
        code = self.project.codes.get(coding.code_guid)
        return code is not None and self.mapping.is_attribute_code(code.path)

    def complete_alone(self, selection: QdaSelection) -> bool:
        """Whether a selection's own mapped codes give one object, one strategy and one status
        (a coding by itself), without recording anything."""
        fields: dict[str, set[str]] = {}
        for coding in selection.codings:
            code = self.project.codes.get(coding.code_guid)
            mapped = self.mapping.fields_of(code.path) if code is not None and not self.mapping.is_attribute_code(code.path) else None
            for name, value in (mapped or {}).items():
                fields.setdefault(name, set()).add(value)
        return all(len(fields.get(name, ())) == 1 for name in ("object", "strategy", "status")) \
            and len(fields.get("substrategy", ())) <= 1

    @staticmethod
    def where(selection: QdaSelection | None) -> str:
        """Where a passage is, in words a person can find in their tool."""
        if selection is None:
            return "codes applied to the whole document"
        if selection.start is None:
            return f"passage {selection.guid or '(no guid)'}"
        return f"passage at characters {selection.start}-{selection.end}"

    def coding_groups(self, codings, source: QdaSource, where: str) -> list[tuple[list[str], dict[str, set[str]] | None, list[str]]]:
        """The passage's codes, grouped by coder when `split_by_coder`, each group with the
        union of its mapped fields (None when no code is mapped) and its mapped code paths."""
        groups: dict[str, list] = {}
        for coding in codings:
            key = self.user_name(self.coder_of(coding)) if self.mapping.split_by_coder else ""
            groups.setdefault(key, []).append(coding)
        result = []
        for codings_of_group in groups.values():
            fields: dict[str, set[str]] = {}
            paths, users = [], []
            for coding in codings_of_group:
                code = self.project.codes.get(coding.code_guid)
                if code is None:
                    self.problem(source, coding.code_guid or "(empty)", "a coding that refers to a code of the code book "
                                 "(CodeRef targetGUID)", where)
                    continue
                self.uses[code.path] = self.uses.get(code.path, 0) + 1
                if self.mapping.is_attribute_code(code.path):
                    continue
                mapped = self.mapping.fields_of(code.path)
                if mapped is None:
                    continue
                paths.append(code.path)
                user = self.user_name(self.coder_of(coding))
                if user and user not in users:
                    users.append(user)
                for name, value in mapped.items():
                    fields.setdefault(name, set()).add(value)
            result.append((users, fields if paths else None, paths))
        return result

    def complete(self, fields: dict[str, set[str]], codes: list[str], source: QdaSource, where: str) -> bool:
        """Whether a passage's mapped codes give one object, one strategy, at most one sub-strategy
        and one status; a problem naming the codes otherwise. Fields become single values."""
        missing = [name for name in ("object", "strategy", "status") if not fields.get(name)]
        several = [name for name, values in fields.items() if len(values) > 1]
        if missing or several:
            parts = []
            if missing:
                parts.append("no " + " and no ".join(missing))
            for name in several:
                parts.append(f"several {name} values ({', '.join(sorted(fields[name]))})")
            self.problem(source, " + ".join(codes),
                         "codes that together give exactly one object, one strategy (at most one sub-strategy) "
                         f"and one status; these give {'; '.join(parts)}", where,
                         "Add the missing code to the passage, split it in two passages, or fix the mapping"
                         + (" (codes written on overlapping selections form one passage with passages: overlap)."
                            if self.mapping.passages == "exact" else "."))
            return False
        for name, values in list(fields.items()):
            fields[name] = next(iter(values))
        return True

    def coder_of(self, coding) -> str:
        """The user guid of whoever coded: the selection's creator (coder_from: selection), or
        the Coding's creating user (coder_from: coding); each falls back on the other."""
        if self.mapping.coder_from == "selection":
            return coding.selection_user or coding.user
        return coding.user or coding.selection_user

    def user_name(self, guid: str) -> str:
        """The coder text for a user guid: the user's name, renamed by the mapping's `coders:`."""
        name = self.project.users.get(guid, guid)
        return self.mapping.coders.get(name, name)

    # -- what is not imported ----------------------------------------------------------------

    def check_other_sources(self) -> None:
        """List non-text sources; a mapped code applied in one is a problem, not a silent loss."""
        for source in self.project.sources:
            if source.kind == "TextSource" or any(fnmatch.fnmatchcase(source.name, p) for p in self.mapping.documents.skip):
                continue
            codings = list(self.document_codings_all(source)) + [
                c for s in self.selections.get(source.guid, []) if s.in_representation for c in s.codings]
            mapped = sorted({self.project.codes[c.code_guid].path for c in codings if c.code_guid in self.project.codes
                             and self.mapping.fields_of(self.project.codes[c.code_guid].path) is not None})
            if mapped:
                self.problem(source, ", ".join(mapped),
                             f"mapped codes only in text documents (TextSource); this document is a {source.kind} "
                             "and its codings cannot be read as text", hint="Convert the document to text in the tool and code it there, "
                             "or skip it with documents.skip.")
            else:
                self.notes.append(f"Document '{source.name}' ({source.kind}) is not text: not imported "
                                  f"(codings: {len(codings)}, none with a mapped code).")

    def unmapped(self) -> list[str]:
        """Code paths neither mapped, ignored nor attribute codes, in code-tree order.

        A parent code that only groups other codes and was never applied is not listed.
        """
        listed = []
        for code in self.project.codes.values():
            if self.mapping.fields_of(code.path) is not None or self.mapping.ignores(code.path):
                continue
            if self.mapping.is_attribute_code(code.path):
                continue
            if code.has_children and not self.uses.get(code.path):
                continue
            if code.path not in listed:
                listed.append(code.path)
        return listed


def _stem(name: str) -> str:
    """A document name without a document file extension ('RLP-001.docx' -> 'RLP-001')."""
    for extension in DOCUMENT_EXTENSIONS:
        if name.lower().endswith(extension):
            return name[: -len(extension)].strip()
    return name.strip()


def project_summary(export: QdaExport) -> dict[str, Any]:
    """Counts of an export's content (codes, sources by kind, selections, codings, users)."""
    project = export.project
    kinds: dict[str, int] = {}
    for source in project.sources:
        kinds[source.kind] = kinds.get(source.kind, 0) + 1
    return {
        "codes": len(project.codes),
        "sources": len(project.sources),
        "sources_by_kind": kinds,
        "plain_text_selections": sum(s.kind == "PlainTextSelection" for s in project.selections),
        "plain_text_selections_in_text_sources": sum(
            s.kind == "PlainTextSelection" and not s.in_representation
            and any(src.guid == s.source_guid and src.kind == "TextSource" for src in project.sources)
            for s in project.selections),
        "codings": project.count_codings(),
        "users": len(project.users),
        "cases": len(project.cases),
        "variables": len(project.variables),
    }
