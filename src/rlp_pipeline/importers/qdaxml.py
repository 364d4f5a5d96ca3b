"""The REFI-QDA XML (`project.qde`, codebook `.qdc`) read into plain Python objects.

REFI-QDA is the exchange standard of NVivo, ATLAS.ti, MAXQDA, QualCoder and others. Real files
stray from its schema (missing attributes, elements out of order, other namespace versions such
as `urn:QDA-XML:codebook:0:4`), so nothing is validated against the schema: elements are found by
their local names, whatever their namespace, and what is missing is reported only where it is
needed. The XML is parsed with defusedxml with DTDs forbidden, so an entity-expansion attack
("billion laughs") or an external entity is refused before anything is expanded.

Codes get a path from their place in the tree: nested `Code` elements give
`Stratégies/Appropriation/Parents`; ATLAS.ti 8's flat `Parent::Child` names give the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml.ElementTree import fromstring

from ..problems import Problem

# Namespaces met in real exports (matching is on local names; these are only reported).
KNOWN_NAMESPACES = ("urn:QDA-XML:project:1.0", "urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:0:4")
VALUE_ELEMENTS = ("TextValue", "IntegerValue", "FloatValue", "BooleanValue", "DateValue", "DateTimeValue")


def local(tag: str) -> str:
    """An element's name without its namespace: '{urn:QDA-XML:project:1.0}Code' -> 'Code'."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag: str) -> str:
    """An element's namespace URI, or '' when it has none."""
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: Element, name: str) -> list[Element]:
    """Direct children with this local name."""
    return [child for child in element if local(child.tag) == name]


def child(element: Element, name: str) -> Element | None:
    """The first direct child with this local name, or None."""
    return next((c for c in element if local(c.tag) == name), None)


def parse_xml(data: bytes, shown: str) -> tuple[Element | None, list[Problem]]:
    """Parse untrusted XML bytes; refuse DTDs, entity declarations and external references."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True), []
    except defusedxml.DTDForbidden:
        return None, [Problem(shown, None, None, "a document type declaration (<!DOCTYPE ...>)",
                              "REFI-QDA XML without a DTD; refused because a DTD can declare entities that "
                              "expand a few bytes into gigabytes ('billion laughs') or read other files")]
    except defusedxml.EntitiesForbidden as error:
        return None, [Problem(shown, None, None, f"an entity declaration ({error.name})",
                              "XML without entity declarations (refused: entity expansion attack)")]
    except defusedxml.ExternalReferenceForbidden:
        return None, [Problem(shown, None, None, "an external reference",
                              "XML that refers to no other file or address (refused)")]
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        return None, [Problem(shown, line, None, None, f"well-formed XML ({error})")]


@dataclass(frozen=True)
class QdaCode:
    """One code of the tree: its guid, name, path from the root ('A/B/C') and whether codable."""

    guid: str
    name: str
    path: str
    codable: bool
    has_children: bool = False


@dataclass(frozen=True)
class QdaCoding:
    """A code applied to a selection or a whole source, and who applied it (user guid)."""

    code_guid: str
    user: str = ""
    # Who created the selection (or source) the coding is on: the person who coded it in NVivo,
    # whose Coding elements often name another user (the one who merged or exported the project).
    selection_user: str = ""


@dataclass
class QdaSelection:
    """A coded part of a source. `start`/`end` are set for plain-text selections only;
    `in_representation` marks selections of a PDF's or a transcript's text, not of the source."""

    guid: str
    source_guid: str
    kind: str
    order: int
    start: int | None = None
    end: int | None = None
    user: str = ""
    codings: list[QdaCoding] = field(default_factory=list)
    in_representation: bool = False
    position_problem: str | None = None


@dataclass
class QdaSource:
    """A document of the project (TextSource, PDFSource, ...), with its text's location."""

    guid: str
    name: str
    kind: str
    plain_text_path: str | None = None
    inline_text: str | None = None
    media_path: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    codings: list[QdaCoding] = field(default_factory=list)


@dataclass
class QdaCase:
    """A case: its variables' values and the sources it points to."""

    guid: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)


@dataclass
class QdaSet:
    """A named set of documents (MAXQDA's document sets): its name and member sources."""

    guid: str
    name: str
    source_guids: list[str] = field(default_factory=list)


@dataclass
class QdaProject:
    """Everything of a REFI-QDA project this package uses."""

    name: str = ""
    origin: str = ""
    namespace: str = ""
    users: dict[str, str] = field(default_factory=dict)
    codes: dict[str, QdaCode] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    sources: list[QdaSource] = field(default_factory=list)
    selections: list[QdaSelection] = field(default_factory=list)
    cases: list[QdaCase] = field(default_factory=list)
    sets: list[QdaSet] = field(default_factory=list)

    def count_codings(self) -> int:
        """Codings in all (on selections of any kind and on whole sources)."""
        return sum(len(s.codings) for s in self.selections) + sum(len(s.codings) for s in self.sources)


def read_code_tree(codes_element: Element | None) -> dict[str, QdaCode]:
    """Every code under a `Codes` element, by guid, in document order, with its path.

    Nested codes give their ancestors' names as path segments; a name written `Parent::Child`
    (ATLAS.ti 8's flat list) gives segments too. A single ':' is part of a name ("code:3.1").
    Codes without a guid cannot be referred to and are left out.
    """
    found: dict[str, QdaCode] = {}
    if codes_element is None:
        return found
    stack: list[tuple[Element, tuple[str, ...]]] = [(c, ()) for c in reversed(children(codes_element, "Code"))]
    while stack:
        element, parents = stack.pop()
        name = (element.get("name") or "").strip()
        segments = parents + tuple(part.strip() for part in name.split("::"))
        kids = children(element, "Code")
        guid = (element.get("guid") or "").strip()
        if guid:
            found[guid] = QdaCode(guid, name, "/".join(segments), element.get("isCodable", "true").strip().lower() != "false",
                                  has_children=bool(kids))
        stack.extend((kid, segments) for kid in reversed(kids))
    paths = {code.path for code in found.values()}
    # A flat 'Parent::Child' list has children without nesting: mark their parents.
    return {guid: code if code.has_children or not any(p.startswith(code.path + "/") for p in paths)
            else QdaCode(code.guid, code.name, code.path, code.codable, True) for guid, code in found.items()}


def variable_values(element: Element, variables: dict[str, str]) -> dict[str, str]:
    """Values of the `VariableValue` children of an element, by variable name."""
    values = {}
    for value in children(element, "VariableValue"):
        ref = child(value, "VariableRef")
        target = (ref.get("targetGUID") if ref is not None else "") or ""
        name = variables.get(target.strip())
        if name is None:
            continue
        content = next((c for c in value if local(c.tag) in VALUE_ELEMENTS), None)
        values[name] = (content.text or "").strip() if content is not None else ""
    return values


def _codings(element: Element, fallback_user: str) -> list[QdaCoding]:
    """The `Coding` children of an element; a coding without creatingUser takes the element's."""
    found = []
    for coding in children(element, "Coding"):
        ref = child(coding, "CodeRef")
        target = (ref.get("targetGUID") if ref is not None else "") or ""
        found.append(QdaCoding(target.strip(), (coding.get("creatingUser") or fallback_user or "").strip(),
                               (fallback_user or "").strip()))
    return found


def _position(element: Element) -> tuple[int | None, int | None, str | None]:
    """Start and end of a plain-text selection, or the reason they cannot be read."""
    raw = (element.get("startPosition"), element.get("endPosition"))
    if None in raw:
        return None, None, "startPosition and endPosition attributes"
    try:
        start, end = int(str(raw[0]).strip()), int(str(raw[1]).strip())
    except ValueError:
        return None, None, f"whole-number positions (found startPosition={raw[0]!r}, endPosition={raw[1]!r})"
    if start < 0 or end < start:
        return start, end, f"0 <= startPosition <= endPosition (found {start} and {end})"
    return start, end, None


def parse_project(root: Element) -> QdaProject:
    """The project's users, code tree, variables, sources, selections and cases.

    Sources of every kind are kept (the importer reads text from TextSources only and lists the
    others); selections of every kind are kept with their codings, so counts can be checked.
    """
    project = QdaProject(name=root.get("name", ""), origin=root.get("origin", ""), namespace=namespace(root.tag))
    users = child(root, "Users")
    for user in children(users, "User") if users is not None else []:
        guid = (user.get("guid") or "").strip()
        project.users[guid] = (user.get("name") or user.get("id") or guid).strip()
    codebook = child(root, "CodeBook")
    project.codes = read_code_tree(child(codebook, "Codes") if codebook is not None else child(root, "Codes"))
    variables = child(root, "Variables")
    for variable in children(variables, "Variable") if variables is not None else []:
        project.variables[(variable.get("guid") or "").strip()] = (variable.get("name") or "").strip()
    sources = child(root, "Sources")
    order = 0
    for element in list(sources) if sources is not None else []:
        kind = local(element.tag)
        if not kind.endswith("Source"):
            continue
        source = QdaSource(
            guid=(element.get("guid") or "").strip(), name=(element.get("name") or "").strip(), kind=kind,
            plain_text_path=(element.get("plainTextPath") or "").strip() or None,
            media_path=(element.get("path") or "").strip() or None,
            variables=variable_values(element, project.variables),
            codings=_codings(element, element.get("creatingUser", "")),
        )
        content = child(element, "PlainTextContent")
        if content is not None:
            source.inline_text = content.text or ""
        project.sources.append(source)
        stack = [(c, False) for c in reversed(list(element))]
        while stack:
            node, inside = stack.pop()
            name = local(node.tag)
            if name.endswith("Selection"):
                selection = QdaSelection(guid=(node.get("guid") or "").strip(), source_guid=source.guid, kind=name,
                                         order=order, user=(node.get("creatingUser") or "").strip(),
                                         in_representation=inside)
                order += 1
                selection.codings = _codings(node, selection.user)
                if name == "PlainTextSelection":
                    selection.start, selection.end, selection.position_problem = _position(node)
                project.selections.append(selection)
            if name in ("Representation", "Transcript") or name.endswith("Selection"):
                stack.extend((c, True) for c in reversed(list(node)))
    cases = child(root, "Cases")
    for element in children(cases, "Case") if cases is not None else []:
        project.cases.append(QdaCase(
            guid=(element.get("guid") or "").strip(), name=(element.get("name") or "").strip(),
            variables=variable_values(element, project.variables),
            source_guids=[(ref.get("targetGUID") or "").strip() for ref in children(element, "SourceRef")],
        ))
    sets = child(root, "Sets")
    for element in children(sets, "Set") if sets is not None else []:
        project.sets.append(QdaSet(
            guid=(element.get("guid") or "").strip(), name=(element.get("name") or "").strip(),
            source_guids=[(ref.get("targetGUID") or "").strip() for ref in children(element, "MemberSource")],
        ))
    return project
