"""The report's front matter and the repository's citation, from one settings file.

``config/report.yaml`` holds the authors (name, affiliation, optional ORCID, whether the name is
a placeholder), the licence, the version and its date, and the code's repository. The report's
title page (both languages, both renderers: the pieces are Markdown printed by a cell, and the
PDF's author metadata comes from the same file through ``Report.typst_setup``) and the
repository's ``CITATION.cff`` (:func:`citation_cff`; ``python -m rlp_pipeline.reporting.front_matter``
rewrites it) are both made from it, so they cannot disagree. The words around these facts are the
report's (``report.TEXT[language]["front"]``).
"""

from __future__ import annotations

import datetime
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..problems import InputError, Problem, display_path
from .render import escape_markdown
from ..io.yamlfile import LINE_KEY, load_yaml_with_lines, strip_lines

ORCID = re.compile(r"https://orcid\.org/\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
SPDX = re.compile(r"[A-Za-z0-9.+-]+")


@dataclass(frozen=True)
class Author:
    """One author: names, affiliation ('' when unknown), ORCID URL ('' when none), and whether the
    name is a placeholder the maintainers still have to replace."""

    given_names: str
    family_names: str
    affiliation: str = ""
    orcid: str = ""
    placeholder: bool = False

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.family_names}".strip()

    @property
    def cited(self) -> str:
        """The name as a reference list writes it: « Doe, J. », « Tremblay, M.-È. »."""
        initials = " ".join("-".join(f"{piece[0]}." for piece in part.split("-") if piece)
                            for part in self.given_names.split() if part.strip("-"))
        return f"{self.family_names}, {initials}" if initials else self.family_names


@dataclass(frozen=True)
class FrontMatter:
    """The settings of config/report.yaml."""

    title: dict[str, str]  # the work's title in each language ("en" is CITATION.cff's)
    version: str
    date_released: str
    license: str
    repository: str
    authors: tuple[Author, ...]

    @property
    def has_placeholders(self) -> bool:
        return any(author.placeholder for author in self.authors)


def front_matter_problems(document: Any, shown: str) -> list[Problem]:
    """Every problem of the parsed settings (empty when they are sound), each naming the key."""
    if not isinstance(document, dict):
        return [Problem(shown, None, None, None, "a mapping with title, version, date-released, license, repository-code and authors")]
    line = document.get(LINE_KEY)
    problems = []
    title = document.get("title")
    if not isinstance(title, dict) or not all(isinstance(title.get(language), str) and title[language].strip()
                                              for language in ("fr", "en")):
        problems.append(Problem(shown, line, "title", str(title), "the title in each language: {fr: ..., en: ...}"))
    for key in ("version", "license"):
        if not isinstance(document.get(key), (str, int, float)) or not str(document[key]).strip():
            problems.append(Problem(shown, line, key, None, f"a text for '{key}'"))
    if isinstance(document.get("license"), str) and not SPDX.fullmatch(document["license"]):
        problems.append(Problem(shown, line, "license", document["license"], "an SPDX licence identifier such as MIT"))
    released = document.get("date-released")
    if not isinstance(released, datetime.date) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(released)):
        problems.append(Problem(shown, line, "date-released", str(released), "a date YYYY-MM-DD"))
    repository = document.get("repository-code") or ""
    if not isinstance(repository, str) or (repository and not re.fullmatch(r"https?://\S+", repository)):
        problems.append(Problem(shown, line, "repository-code", str(repository), "a URL (https://...) or an empty text"))
    authors = document.get("authors")
    if not isinstance(authors, list) or not authors:
        return problems + [Problem(shown, line, "authors", None, "a list of at least one author")]
    for number, author in enumerate(authors, 1):
        where = author.get(LINE_KEY, line) if isinstance(author, dict) else line
        if not isinstance(author, dict) or not str(author.get("family-names") or "").strip():
            problems.append(Problem(shown, where, f"authors[{number}].family-names", None, "the author's family name"))
            continue
        orcid = author.get("orcid") or ""
        if orcid and not ORCID.fullmatch(str(orcid)):
            problems.append(Problem(shown, where, f"authors[{number}].orcid", str(orcid),
                                    "an ORCID URL such as https://orcid.org/0000-0002-1825-0097, or nothing"))
        if not isinstance(author.get("placeholder", False), bool):
            problems.append(Problem(shown, where, f"authors[{number}].placeholder", str(author["placeholder"]), "true or false"))
    return problems


def load_front_matter(path: Path | str) -> FrontMatter:
    """Read and check config/report.yaml; raise InputError listing every problem."""
    path = Path(path)
    shown = display_path(path)
    document, problems = load_yaml_with_lines(path, shown)
    if not problems:
        problems = front_matter_problems(document, shown)
    if problems:
        raise InputError(problems, stage="report settings check")
    clean = strip_lines(document)
    text = lambda value: " ".join(str(value or "").split())  # noqa: E731
    authors = tuple(Author(text(a.get("given-names")), text(a.get("family-names")), text(a.get("affiliation")),
                           text(a.get("orcid")), bool(a.get("placeholder", False))) for a in clean["authors"])
    return FrontMatter({language: text(clean["title"][language]) for language in ("fr", "en")}, text(clean["version"]), str(clean["date-released"]), text(clean["license"]),
                       text(clean.get("repository-code")), authors)


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def citation_cff(front: FrontMatter) -> str:
    """The repository's CITATION.cff (Citation File Format 1.2.0), made from the settings."""
    lines = ["# Generated from config/report.yaml by `python -m rlp_pipeline.reporting.front_matter`: edit that",
             "# file, not this one (tests/test_front_matter.py checks that the two agree)."]
    if front.has_placeholders:
        lines.append("# PLACEHOLDER authors: replace them in config/report.yaml, then regenerate this file.")
    lines += ["cff-version: 1.2.0", 'message: "If you use this pipeline or its report, please cite it as below."',
              "type: software", f"title: {_quoted(front.title['en'])}", f"version: {_quoted(front.version)}",
              f"date-released: {_quoted(front.date_released)}", f"license: {front.license}"]
    if front.repository:
        lines.append(f"repository-code: {_quoted(front.repository)}")
    lines.append("authors:")
    for author in front.authors:
        lines.append(f"  - family-names: {_quoted(author.family_names)}")
        if author.given_names:
            lines.append(f"    given-names: {_quoted(author.given_names)}")
        if author.affiliation:
            lines.append(f"    affiliation: {_quoted(author.affiliation)}")
        if author.orcid:
            lines.append(f"    orcid: {_quoted(author.orcid)}")
    lines += ["keywords:"] + [f"  - {_quoted(k)}" for k in
                              ("reproducible research", "Snakemake", "Quarto", "early childhood", "Québec")]
    return "\n".join(lines) + "\n"


def author_markdown(author: Author, words: dict[str, str]) -> str:
    """One author for the title page: name, affiliation (or the placeholder's words), ORCID link."""
    details = [escape_markdown(author.affiliation) if author.affiliation else words["affiliation_missing"]]
    if author.orcid:
        details.append(f"[ORCID {author.orcid.rsplit('/', 1)[-1]}]({author.orcid})")
    return f"{escape_markdown(author.name)} ({', '.join(details)})"


def how_to_cite(front: FrontMatter, commit: str, words: dict[str, str], language: str) -> str:
    """The reference to cite, from the settings: authors, year, title, version and commit."""
    names = [escape_markdown(author.cited) for author in front.authors]
    authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + words["and"] + names[-1]
    where = f" {front.repository}" if front.repository else ""
    return words["citation"].format(authors=authors, year=front.date_released[:4], title=escape_markdown(front.title[language]),
                                    version=escape_markdown(front.version), commit=commit, where=where)


def title_page(front: FrontMatter, commit: str, words: dict[str, str], language: str) -> str:
    """The title page's facts under the title: authors (placeholders said so), licence, how to cite."""
    lines = [words["authors"].format(authors="; ".join(author_markdown(a, words) for a in front.authors))
             + (words["placeholders"] if front.has_placeholders else ""), "",
             words["licence"].format(license=escape_markdown(front.license)), "",
             words["cite"].format(citation=how_to_cite(front, commit, words, language)), ""]
    return "\n".join(lines)


def availability(front: FrontMatter, commit: str, seed: Any, simulated: bool, workbook: str, words: dict[str, str]) -> str:
    """The data and code availability statement: where the raw and derived data, the results
    workbook and the code (repository, version) are, and under which licence."""
    code = words["repository"].format(url=front.repository) if front.repository else words["no_repository"]
    data = words["raw_simulated" if simulated else "raw_real"].format(seed=seed)
    return "\n\n".join([
        data + " " + words["derived"].format(workbook=workbook),
        words["code"].format(where=code, commit=commit, version=escape_markdown(front.version)),
        words["licences"].format(license=escape_markdown(front.license)),
    ]) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite CITATION.cff from config/report.yaml (paths relative to the current folder, or given)."""
    args = argv if argv is not None else sys.argv[1:]
    settings = Path(args[0]) if args else Path("config/report.yaml")
    target = Path(args[1]) if len(args) > 1 else Path("CITATION.cff")
    try:
        front = load_front_matter(settings)
    except InputError as error:
        print(error.report(), file=sys.stderr)
        return 1
    target.write_text(citation_cff(front), encoding="utf-8")
    print(f"Wrote {target} from {settings}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
