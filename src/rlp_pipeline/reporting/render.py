"""Render the bilingual Quarto report: real Quarto when installed, else a small, honest fallback.

The fallback renders the same sources (``report/_quarto.yml`` + ``_quarto-<profile>.yml`` +
``index.qmd``) to the same files (``<output-dir>/index.html`` and ``<output-dir>/index.pdf``) with
Pandoc (``pypandoc-binary``), Typst (the ``typst`` wheel) and one Jupyter kernel (nbclient +
ipykernel). It supports exactly the features in ``FEATURES`` and refuses anything else with an
error naming the file, the line and the feature (``check_supported``), so a source that would render
differently under real Quarto fails loudly instead of silently.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .code_breaks import table_code_breaks
from . import quarto_typst
from .quarto_tables import TableConversionError, notebook_raw_tables

log = logging.getLogger("rlp_pipeline.reporting.render")

FEATURES = """\
Project: _quarto.yml (project: type default, output-dir, render: list of .qmd) with _quarto-<profile>.yml
  merged over it (mappings deep-merged; a list may be set in one file only, since Quarto concatenates
  lists and a silent difference would be worse than an error), then the document's front matter.
  Keys: lang (fr*, en*), region (the PDF's, e.g. CA), title, subtitle, date (no 'today'), author (text or list of texts),
  crossref: fig-title, tbl-title, fig-prefix, tbl-prefix, title-delim;
  format: html: toc, toc-depth, number-sections, embed-resources (true), css;
          typst: toc, toc-depth, section-numbering, papersize, margin, mainfont, fontsize;
  execute: echo, warning; jupyter: python3.
Markdown: Pandoc markdown (headings with {#sec-id}, lists, tables, links, emphasis, quotes, raw
  {=html}/{=typst} blocks); fenced divs ::: {.content-visible when-profile="x"} (kept only for the active
  profile, nesting allowed), ::: {.callout-note} / {.callout-warning} (optional title="..."), and plain
  ::: {#id .class} divs.
Cells: ```{python} with #| label, echo, output (true/false/asis), fig-cap, fig-alt, tbl-cap, include.
  All cells run in order in one python3 kernel (cwd = the .qmd's folder, QUARTO_PROFILE set), also those
  inside hidden content-visible divs (as Quarto does). Outputs: stdout/stderr text -> code blocks (stderr
  dropped when warning is false), text/markdown -> markdown, image/png|jpeg -> figure, else text/plain.
  A fig- label needs fig-cap and exactly one image; a tbl- label needs tbl-cap and a table in the output.
Cross-references: @fig-x, @tbl-x (numbered in order of appearance: "<prefix> N", captions
  "<title> N<delim> caption"; title-delim defaults to ":" in English and a no-break space + ":" in French) and @sec-x
  (rendered as the section's title). Images: ![cap](file.png){#fig-x fig-alt="..."} to local files.
Not supported (refused): other engines ({r}, {ojs}...), inline `{python}` code, shortcodes {{< >}},
  citations, other .content-*/.callout-*/.panel-*/.column-*/layout*/when-*/unless-* syntax, other
  cross-reference types (eq-, lst-, thm-...), [@ref] / -@ref forms, remote images, subfigures.
Known differences from Quarto: @sec-x shows the title (Quarto: "Section N"); rich text/html outputs
  use their text/plain form.
"""

LANG = {
    "fr": {"title-delim": "\u00a0:", "note": "Note", "warning": "Avertissement", "toc": "Table des matières"},
    "en": {"title-delim": ":", "note": "Note", "warning": "Warning", "toc": "Table of contents"},
}
T = True  # a leaf of the key schema
CONFIG_KEYS: dict = {
    "project": {"type": T, "output-dir": T, "render": T},
    "lang": T, "region": T, "title": T, "subtitle": T, "date": T, "author": T, "jupyter": T,
    "crossref": {"fig-title": T, "tbl-title": T, "fig-prefix": T, "tbl-prefix": T, "title-delim": T},
    "format": {
        # format-links: Quarto's box of links to the other formats; the fallback's HTML has none.
        "html": {"toc": T, "toc-depth": T, "number-sections": T, "embed-resources": T, "css": T, "format-links": T},
        "typst": {"toc": T, "toc-depth": T, "section-numbering": T, "papersize": T, "margin": T,
                  "mainfont": T, "fontsize": T},
    },
    "execute": {"echo": T, "warning": T},
}
VALUE_RULES = {  # key path -> (test, what is supported)
    "project.type": (lambda v: v == "default", "project type 'default' only"),
    "jupyter": (lambda v: v == "python3", "jupyter: python3 only"),
    "lang": (lambda v: str(v)[:2] in LANG, "lang fr or en"),
    "date": (lambda v: str(v) not in ("today", "now", "last-modified"), "a literal date"),
    "author": (lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(a, str) for a in v)),
               "author as text or a list of texts"),
    "format.html.embed-resources": (lambda v: v is True, "embed-resources: true (always self-contained)"),
}
CELL_OPTIONS = {"label", "echo", "output", "fig-cap", "fig-alt", "tbl-cap", "include"}
XREF_KINDS = ("fig", "tbl", "sec")
OTHER_XREFS = ("eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr", "sol", "rem",
               "alg", "tip", "nte", "wrn", "imp", "cau")
RESERVED_CLASS = re.compile(r"^(content-|callout|panel-|column-|page-columns|layout|grid$|g-col|cell|quarto-|"
                            r"margin-|aside$|fragment|incremental)")
RESERVED_ATTR = re.compile(r"^(when-|unless-|layout|fig-|tbl-|lst-|code-)")
FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*(.*?)\s*$")
CELL_INFO = re.compile(r"^\{([A-Za-z][\w-]*)(.*)\}$")
DIV = re.compile(r"^(:{3,})\s*(\{.*\}|[\w-]+)?\s*$")
ATTR_TOKEN = re.compile(r'\s*(?:#([\w:.-]+)|\.([\w-]+)|([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s"}]+)))')
CITE = re.compile(r"(?<![\w\\@/:])(-?)@([A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*\w)?)")


class Problem(NamedTuple):
    line: int
    feature: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.feature}"


class RenderError(RuntimeError):
    """The report could not be rendered; the message names the file and line when known."""


class UnsupportedFeature(RenderError):
    """The sources use Quarto syntax that the fallback renderer does not support."""


def escape_markdown(text: Any) -> str:
    """Make text from data literal for Pandoc (HTML and Typst): every ASCII punctuation character is
    backslash-escaped and whitespace runs become one space, so no markdown, HTML, Typst, math,
    cross-reference or shortcode syntax in it can take effect. Returns inline text."""
    text = re.sub(r"[ \t\r\n\f\v]+", " ", str(text)).strip()  # keeps no-break spaces
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


# A "<" that can only be text: followed by white space (no-break spaces included), a digit or "=",
# it cannot open raw HTML, a comment or an autolink; not already after a backslash.
LITERAL_LT = re.compile(r"(?<!\\)<(?=[\s\d=])")
# Paragraphs left as they are: math ($), raw TeX (\begin, \emph{...}), raw HTML or autolinks
# (<a, </, <!--, <?), an escaped backtick (code spans would pair differently), an indented line
# (maybe code), a title block.
UNTOUCHED_PARAGRAPH = re.compile(r"\$|\\[A-Za-z`]|<[A-Za-z/!?]|^(?: {4}|\t)|\A%", re.MULTILINE)
# Raw HTML whose content is not Markdown, or a YAML block, both of which may span blank lines:
# from there on, nothing changes.
VERBATIM = re.compile(r"<!--|<(?:pre|script|style|textarea)\b|\A---[ \t]*\n", re.IGNORECASE)


def escape_literal_less_than(markdown: str) -> str:
    """The Markdown with each ``<`` that can only be text written ``\\<``, which Pandoc reads to the
    same document, about four times faster: Pandoc tries every unescaped ``<`` as raw HTML by
    tokenising the rest of the document up to the next tag, so the report's fifty « p < 0,001 »
    made reading it cost about 1 s of a language's 1.2 s (Pandoc 3.9; tests/test_render_speed.py
    compares the documents Pandoc reads with and without this change).

    Only plain text changes: fenced code blocks, code spans, and whole paragraphs that hold math,
    raw TeX, raw HTML or an indented line are left as they are, and everything from an HTML
    comment, a <pre>/<script>/<style>/<textarea> or a YAML block on (they may span paragraphs)."""
    out: list[str] = []
    paragraph: list[str] = []
    fence: tuple[str, int] | None = None
    verbatim = False

    def flush() -> None:
        nonlocal verbatim
        text = "\n".join(paragraph)
        paragraph.clear()
        verbatim = verbatim or bool(VERBATIM.search(text))
        out.append(text if verbatim or UNTOUCHED_PARAGRAPH.search(text) else _escape_outside_code(text))

    for line in markdown.split("\n"):
        opening = FENCE.match(line)
        if fence is not None:  # inside a fenced code block: kept as it is, up to its closing fence
            out.append(line)
            if opening and opening.group(2)[0] == fence[0] and len(opening.group(2)) >= fence[1] and not opening.group(3):
                fence = None
        elif opening and not (opening.group(2)[0] == "`" and "`" in opening.group(3)):
            if paragraph:
                flush()
            fence = (opening.group(2)[0], len(opening.group(2)))
            out.append(line)
        elif line.strip():
            paragraph.append(line)
        else:
            if paragraph:
                flush()
            out.append(line)
    if paragraph:
        flush()
    return "\n".join(out)


def _escape_outside_code(text: str) -> str:
    """A paragraph's literal ``<`` escaped (LITERAL_LT) outside its code spans: a run of n
    backticks opens a span that the next run of exactly n closes; a run that nothing closes keeps
    the rest of the paragraph as it is."""
    pieces, start = [], 0
    runs = list(re.finditer(r"`+", text))
    k = 0
    while k < len(runs):
        opening = runs[k]
        closing = next((j for j in range(k + 1, len(runs)) if len(runs[j].group()) == len(opening.group())), None)
        pieces.append(LITERAL_LT.sub(r"\\<", text[start:opening.start()]))
        if closing is None:
            return "".join(pieces) + text[opening.start():]
        pieces.append(text[opening.start():runs[closing].end()])
        start, k = runs[closing].end(), closing + 1
    return "".join(pieces) + LITERAL_LT.sub(r"\\<", text[start:])


# ---------------------------------------------------------------------------------------- parsing
def _attrs(text: str) -> tuple[str, list[str], dict[str, str]] | None:
    """Parse a Pandoc attribute block's inside ('#id .cls key="v"'); None if it is not one."""
    ident, classes, kv, pos = "", [], {}, 0
    text = text.strip()
    while pos < len(text):
        m = ATTR_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        i, c, k, quoted, bare = m.groups()
        ident = i or ident
        classes += [c] if c else []
        if k:
            kv[k] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        pos = m.end()
    return ident, classes, kv


def _parse(text: str) -> tuple[str, int, list[tuple]]:
    """Split a .qmd into front matter and items ('text', line, str) / ('code'|'cell', line, info, body)."""
    lines = text.splitlines()
    front, start, items = "", 0, []
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            raise UnsupportedFeature("line 1: front matter not closed by ---")
        front, start = "\n".join(lines[1:end]), end + 1
    i = start
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            items.append(("text", i + 1, lines[i]))
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            c = FENCE.match(lines[j])
            if c and c.group(2)[0] == m.group(2)[0] and len(c.group(2)) >= len(m.group(2)) and not c.group(3):
                break
            j += 1
        info = m.group(3)
        cell = CELL_INFO.match(info)
        kind = "cell" if cell and not info.startswith(("{.", "{=", "{#")) else "code"
        items.append((kind, i + 1, info, lines[i + 1:j], "\n".join(lines[i:j + 1]), j < len(lines)))
        i = j + 1
    return front, start, items


def _cell_options(line: int, body: list[str]) -> tuple[dict, str, list[Problem]]:
    """The #| options of a cell (validated), its code without them, and any problems."""
    n = 0
    while n < len(body) and body[n].startswith("#|"):
        n += 1
    raw = [b[2:].removeprefix(" ") for b in body[:n]]
    problems = []
    try:
        opts = yaml.safe_load("\n".join(raw)) or {}
        if not isinstance(opts, dict):
            raise yaml.YAMLError("not a mapping")
    except yaml.YAMLError as exc:
        return {}, "", [Problem(line + 1, f"cell options are not valid YAML ({exc})")]
    for k, r in enumerate(raw):
        key = re.match(r"([\w-]+)\s*:", r)
        if key and key.group(1) not in CELL_OPTIONS:
            problems.append(Problem(line + 1 + k, f"cell option '{key.group(1)}'"))
    label = str(opts.get("label", ""))
    checks = [
        (opts.get("output", True) in (True, False, "asis"), f"output: {opts.get('output')!r} (true, false or asis)"),
        (all(isinstance(opts.get(b, True), bool) for b in ("echo", "include")), "echo/include must be true or false"),
        (re.fullmatch(r"[\w-]*", label) is not None, f"label '{label}'"),
        (not label.startswith(tuple(p + "-" for p in OTHER_XREFS + ("sec",))), f"cross-reference label '{label}'"),
        (not label.startswith("fig-") or "fig-cap" in opts, f"label '{label}' needs fig-cap"),
        (not label.startswith("tbl-") or "tbl-cap" in opts, f"label '{label}' needs tbl-cap"),
        ("tbl-cap" not in opts or label.startswith("tbl-"), "tbl-cap needs a tbl- label"),
    ]
    problems += [Problem(line, what) for ok, what in checks if not ok]
    return opts, "\n".join(body[n:]).strip("\n"), problems


def _check_yaml(text: str, first_line: int, where: str = "") -> list[Problem]:
    """Keys and values of a YAML mapping (project file or front matter) against CONFIG_KEYS."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        return [Problem(first_line, f"invalid YAML ({exc})")]
    problems: list[Problem] = []

    def walk(node, schema, path):
        if not isinstance(node, yaml.MappingNode):
            problems.append(Problem(node.start_mark.line + first_line, f"'{path}' must be a mapping"))
            return
        for key, value in node.value:
            name = f"{path}.{key.value}" if path else str(key.value)
            line = key.start_mark.line + first_line
            if key.value not in schema:
                problems.append(Problem(line, f"{where}option '{name}'"))
            elif isinstance(schema[key.value], dict):
                walk(value, schema[key.value], name)
            elif name in VALUE_RULES:
                test, what = VALUE_RULES[name]
                if not test(yaml.safe_load(yaml.serialize(value))):
                    problems.append(Problem(line, f"{where}'{name}' value (supported: {what})"))

    if root is not None:
        walk(root, CONFIG_KEYS, "")
    return problems


def check_supported(qmd_text: str) -> list[Problem]:
    """Every use of Quarto syntax in a .qmd that the fallback renderer does not support, with its line."""
    try:
        front, start, items = _parse(qmd_text)
    except UnsupportedFeature as exc:
        return [Problem(1, str(exc).split(": ", 1)[1])]
    problems = _check_yaml(front, 2, "front matter ") if front else []
    for kind, line, *rest in items:
        if kind == "cell":
            info, body, _src, closed = rest
            lang, extra = CELL_INFO.match(info).groups()
            if lang != "python" or extra.strip():
                problems.append(Problem(line, f"executable cell ```{info} (only ```{{python}})"))
            elif not closed:
                problems.append(Problem(line, "code cell not closed"))
            else:
                problems += _cell_options(line, body)[2]
            continue
        text = rest[0]
        if kind == "code":
            parsed = _attrs(text[1:-1]) if text.startswith("{") and text.endswith("}") else None
            problems += _check_attrs(line, parsed, "code") if parsed else []
            continue
        text = re.sub(r"(`+).*?\1", lambda m: "`{python}" if re.match(r"`+\{\w+\}", m.group(0)) else "", text)
        for what, pattern in (("shortcode", r"\{\{[<%]"), ("inline code expression", r"`\{\w+\}")):
            if re.search(pattern, text):
                problems.append(Problem(line, what))
        for m in CITE.finditer(text):
            prefix = m.group(2).split("-", 1)[0]
            if m.group(1) or prefix not in XREF_KINDS or "-" not in m.group(2):
                kind_ = "reference form -@" if m.group(1) else "citation"
                problems.append(Problem(line, f"{kind_} @{m.group(2)}"))
        div = DIV.match(text)
        if div and div.group(2):
            spec = div.group(2)
            parsed = _attrs(spec[1:-1]) if spec.startswith("{") else ("", [spec], {})
            problems += _check_attrs(line, parsed, "div") if parsed else [Problem(line, f"div attributes {spec}")]
            continue
        for m in re.finditer(r"([\])]?)\{([^{}]*)\}", text):
            parsed = _attrs(m.group(2))
            if parsed and m.group(2).strip():
                context = {")": "image", "]": "span"}.get(m.group(1), "block")
                if text.lstrip().startswith("#"):
                    context = "heading"
                elif text.lstrip().startswith(":") and not m.group(1):
                    context = "table"
                problems += _check_attrs(line, parsed, context)
    return problems


def _check_attrs(line: int, parsed: tuple, context: str) -> list[Problem]:
    ident, classes, kv = parsed
    out = []
    allowed_attrs: set[str] = {"fig-alt"} if context == "image" else set()
    if context == "div" and "content-visible" in classes:
        if set(kv) != {"when-profile"}:
            out.append(Problem(line, f"content-visible condition {sorted(kv)} (only when-profile)"))
        allowed_attrs = set(kv)  # already reported above
        classes = [c for c in classes if c != "content-visible"]
    if context == "div" and {"callout-note", "callout-warning"} & set(classes):
        classes = [c for c in classes if c not in ("callout-note", "callout-warning")]
        out += [Problem(line, f"callout attribute '{k}'") for k in kv if k != "title"]
    out += [Problem(line, f"class .{c}") for c in classes if RESERVED_CLASS.match(c)]
    out += [Problem(line, f"attribute {k}=") for k in kv if RESERVED_ATTR.match(k) and k not in allowed_attrs]
    prefix = ident.split("-", 1)[0] if "-" in ident else ""
    where = {"fig": "image", "tbl": "table", "sec": "heading"}.get(prefix)
    if prefix in OTHER_XREFS or (where and where != context):
        out.append(Problem(line, f"cross-reference id #{ident} on a {context}"))
    return out


# ----------------------------------------------------------------------------------- configuration
def _merge(base: dict, over: dict, path: str = "") -> dict:
    out = dict(base)
    for key, value in over.items():
        name = f"{path}.{key}" if path else key
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, name)
        elif isinstance(value, list) and isinstance(out.get(key), list) and value != out[key]:
            raise UnsupportedFeature(f"list '{name}' set in two files (Quarto would concatenate them)")
        else:
            out[key] = value
    return out


def load_config(project_dir: Path, profile: str, validate: bool = True) -> dict:
    """_quarto.yml with _quarto-<profile>.yml merged over it, validated against what the fallback supports."""
    if not re.fullmatch(r"[\w-]+", profile):
        raise RenderError(f"profile '{profile}': one profile name only")
    merged: dict = {}
    for name in ("_quarto.yml", f"_quarto-{profile}.yml"):
        path = Path(project_dir) / name
        if not path.exists():
            if name == "_quarto.yml":
                raise RenderError(f"{path}: no Quarto project file")
            continue
        text = path.read_text(encoding="utf-8")
        problems = _check_yaml(text, 1) if validate else []
        if problems:
            raise UnsupportedFeature("\n".join(f"{path}:{p.line}: unsupported {p.feature}" for p in problems))
        try:
            merged = _merge(merged, yaml.safe_load(text) or {})
        except UnsupportedFeature as exc:
            raise UnsupportedFeature(f"{path}: {exc}") from None
    return merged


# ------------------------------------------------------------------------------------- execution
def _fenced(text: str, attrs: str) -> str:
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return f"{ticks} {attrs}\n{text.rstrip()}\n{ticks}"


def _attr_value(text: str) -> str:
    return '"' + re.sub(r"[ \t\r\n]+", " ", str(text)).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _execute(cells: list[tuple], qmd: Path, profile: str, setup: str) -> list[list]:
    """Run the cells in order in one python3 kernel; return each cell's outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(setup)] + [nbformat.v4.new_code_cell(c[3]) for c in cells]
    _run_cells(nb, qmd, profile, [None] + [c[0] for c in cells])
    return [c.outputs for c in nb.cells[1:]]


def _run_cells(nb, qmd: Path, profile: str, lines: list[int | None], folder: Path | None = None) -> None:
    """Run a notebook's code cells in order in one python3 kernel (cwd = ``folder``, by default the
    .qmd's; QUARTO_PROFILE set, as Quarto runs them), filling in their outputs. ``lines`` gives the .qmd
    line of each code cell's fence (None: a cell the renderer added), so that a failing cell is
    reported as ``<qmd>:<line>: cell failed with <error>`` instead of a bare traceback."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    # no timing metadata on the cells: Quarto would turn it into attributes of a wrapping block,
    # and a raw Typst `#set document(...)` is refused inside a block
    # the kernel is stopped at once when its cells have run (their outputs are all received): a
    # graceful stop waited 0.1-0.5 s for it, and would only let atexit hooks of the cells' code run
    client = NotebookClient(nb, kernel_name="python3", timeout=600, record_timing=False, shutdown_kernel="immediate",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(folder or qmd.parent)}})
    env = {**os.environ, "QUARTO_PROFILE": profile}
    code = [(index, cell) for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    if not code:
        return
    with client.setup_kernel(env=env):
        for (index, cell), line in zip(code, lines):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as exc:
                trace = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
                where = f"{qmd}:{line}" if line else f"{qmd}: kernel setup"
                at = re.search(r"Cell In\[\d+\], line (\d+)", trace)
                at = f" (at line {line + int(at.group(1))})" if at and line else ""
                raise RenderError(f"{where}: cell failed with {exc.ename}: {exc.evalue}{at}\n{trace}") from None
        _stop_kernel(client)


def _stop_kernel(client) -> None:
    """Kill the kernel of ``client`` (inside its ``setup_kernel``) and wait for the process to end,
    once every cell's outputs are in. nbclient's immediate stop kills it too, but then checks
    every tenth of a second whether the process has ended, so each render waited 0.1 s more
    for nothing; on leaving ``setup_kernel``, nbclient finds the kernel gone and only cleans up
    (its connection file, its channels). The provisioner kills the kernel's whole process group,
    as nbclient's stop does; a kernel run by another kind of provisioner (no local process) is
    left to nbclient."""
    from jupyter_core.utils import run_sync

    provisioner = getattr(client.km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is not None and process.poll() is None:
        run_sync(provisioner.kill)()
        process.wait()


def _cell_markdown(cell: tuple, outputs: list, figdir: Path, echo: bool, warning: bool, qmd: Path) -> str:
    line, opts, code = cell[:3]
    if opts.get("include") is False:
        return ""
    parts = [_fenced(code, "{.python .cell-code}")] if opts.get("echo", echo) else []
    output, label = opts.get("output", True), str(opts.get("label", ""))
    body, images, streams = [], [], []
    for out in outputs if output is not False else []:
        if out.output_type == "stream":
            streams += [out.text] if out.name == "stdout" or warning else []
            continue
        if streams:
            text = "".join(streams)
            body.append(text if output == "asis" else _fenced(text, "{.cell-output}"))
            streams = []
        data = out.get("data", {})
        mime = next((m for m in ("image/png", "image/jpeg") if m in data), None)
        if mime:
            path = figdir / f"cell{line}-{len(images) + 1}.{mime[6:].replace('jpeg', 'jpg')}"
            path.write_bytes(base64.b64decode(data[mime]))
            images.append(path)
            alt = f" fig-alt={_attr_value(opts['fig-alt'])}" if "fig-alt" in opts else ""
            ident = f"#{label} " if label.startswith("fig-") else ""
            attrs = f"{ident}{alt}".strip()
            body.append(f"![{opts.get('fig-cap', '')}]({path.as_posix()})" + (f"{{{attrs}}}" if attrs else ""))
        elif "text/markdown" in data:
            body.append(data["text/markdown"])
        elif "text/plain" in data:
            body.append(data["text/plain"] if output == "asis" else _fenced(data["text/plain"], "{.cell-output}"))
    if streams:
        text = "".join(streams)
        body.append(text if output == "asis" else _fenced(text, "{.cell-output}"))
    if label.startswith("fig-") and len(images) != 1:
        raise RenderError(f"{qmd}:{line}: cell '{label}' produced {len(images)} images (exactly one needed)")
    if label.startswith("tbl-"):
        body = [f"::: {{#{label} .rlp-tbl}}", str(opts["tbl-cap"]), *body, ":::"]
    return "\n\n".join(parts + body)


# ---------------------------------------------------------------------------------------- render
LUA_FILTER = r"""
local function E(k) return os.getenv("RLP_" .. k) or "" end
local function visible(div)
  if div.classes:includes("content-visible") then
    if div.attributes["when-profile"] == E("PROFILE") then return div.content end
    return {}
  end
end
local function table_div(div)
  if div.classes:includes("rlp-tbl") then
    for i = 2, #div.content do
      local t = div.content[i]
      if t.t == "Table" then
        t.identifier = div.identifier
        t.caption = {long = {pandoc.Plain(pandoc.utils.blocks_to_inlines({div.content[1]}))}}
        div.content:remove(1)
        return div.content
      end
    end
    error("cell " .. div.identifier .. ": its output contains no table")
  end
end
local function image(img)
  if img.src:match("^%a[%w+.-]*:") then error("remote or data image not supported: " .. img.src) end
  if not pandoc.path.is_absolute(img.src) then
    img.src = pandoc.path.normalize(pandoc.path.join({E("BASEDIR"), img.src}))
  end
  local f = io.open(img.src, "rb")
  if not f then error("image not found: " .. img.src) end
  f:close()
  if img.attributes["fig-alt"] then
    img.caption = pandoc.Inlines(img.attributes["fig-alt"])
    img.attributes["fig-alt"] = nil
  end
  if img.identifier:match("^fig%-") then error("figure #" .. img.identifier .. " must be alone in its paragraph") end
  return img
end
local function crossrefs(doc)
  local num, secs, count = {}, {}, {fig = 0, tbl = 0}
  local function target(el)
    local kind = el.identifier:match("^(%a+)%-")
    if count[kind] and (el.t == "Figure") == (kind == "fig") then
      if num[el.identifier] then error("duplicate id #" .. el.identifier) end
      count[kind] = count[kind] + 1
      num[el.identifier] = count[kind]
    end
  end
  doc:walk({traverse = "topdown", Figure = target, Table = target,
            Header = function(h) if h.identifier:match("^sec%-") then secs[h.identifier] = h.content end end})
  local function caption(el)
    local n, kind = num[el.identifier], el.identifier:sub(1, 3)
    if n then
      local pre = pandoc.Inlines({pandoc.Str(E(kind:upper() .. "_TITLE")), pandoc.Space(),
                                  pandoc.Str(tostring(n) .. E("DELIM")), pandoc.Space()})
      local long = el.caption.long
      if #long == 0 then long = pandoc.Blocks({pandoc.Plain({})}) end
      long[1].content = pre .. long[1].content
      el.caption.long = long
      return el
    end
  end
  local function cite(c)
    local id = c.citations[1].id
    local kind = id:match("^(%a+)%-")
    if #c.citations > 1 or c.citations[1].mode ~= "AuthorInText" then
      error("unsupported reference form " .. pandoc.utils.stringify(c.content))
    elseif kind == "sec" and secs[id] then return pandoc.Link(secs[id], "#" .. id)
    elseif num[id] and (kind == "fig" or kind == "tbl") then
      return pandoc.Link(E(kind:upper() .. "_PREFIX") .. "\u{a0}" .. num[id], "#" .. id)
    elseif kind == "fig" or kind == "tbl" or kind == "sec" then error("unresolved cross-reference @" .. id)
    end
    error("citations are not supported: @" .. id)
  end
  return doc:walk({Figure = caption, Table = caption, Cite = cite})
end
local function callout(div)
  for _, kind in ipairs({"note", "warning"}) do
    if div.classes:includes("callout-" .. kind) then
      local color = kind == "note" and "#0d6efd" or "#e8a202"
      local title = pandoc.Para({pandoc.Strong(pandoc.Inlines(div.attributes.title or E(kind:upper())))})
      if FORMAT:match("typst") then
        local blocks = pandoc.Blocks({pandoc.RawBlock("typst", string.format(
          '#block(width: 100%%, inset: 8pt, radius: 3pt, fill: rgb("%s").lighten(92%%), ' ..
          'stroke: (left: 3pt + rgb("%s"), rest: 0.5pt + rgb("%s")))[', color, color, color)), title})
        blocks:extend(div.content)
        blocks:insert(pandoc.RawBlock("typst", "]"))
        return blocks
      end
      div.classes, div.attributes.title = {"callout", "callout-" .. kind}, nil
      div.content:insert(1, pandoc.Div({title}, pandoc.Attr("", {"callout-title"})))
      return div
    end
  end
end
return {{Div = visible}, {Div = table_div, Image = image}, {Pandoc = crossrefs}, {Div = callout}}
"""
# The fallback's page layout (Quarto brings its own, which report/style.css must not squeeze).
CALLOUT_CSS = """<style>
body{font-family:"DejaVu Sans","Helvetica Neue",Arial,sans-serif;line-height:1.5;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;color:#1a1a1a}
.callout{border:1px solid var(--c);border-left:5px solid var(--c);border-radius:4px;padding:0 1em;margin:1em 0}
.callout-note{--c:#0d6efd}.callout-warning{--c:#e8a202}.callout-title p{margin:.5em 0}
</style>
"""
# Captions are numbered by the Lua filter; long tables must be allowed to break across pages
# (a Typst figure is an unbreakable block by default).
TYPST_HEADER = "#show figure.caption: it => it.body\n#show figure: set block(breakable: true)\n"


def _versions() -> str:
    import nbclient
    import pypandoc
    from importlib.metadata import version

    return f"pandoc {pypandoc.get_pandoc_version()}, typst {version('typst')}, nbclient {nbclient.__version__}"


def _pandoc(args: list[str], source: str, env: dict, where: Path, cwd: Path) -> None:
    import pypandoc

    proc = subprocess.run([pypandoc.get_pandoc_path(), *args], input=source, text=True, capture_output=True,
                          cwd=cwd, env={**os.environ, **env})
    if proc.returncode:
        lua = re.search(r"filter\.lua:\d+: (.*)", proc.stderr)
        message = lua.group(1) if lua else f"pandoc failed: {proc.stderr.strip()}"
        ref = re.search(r"[@#]([\w-]+)", message)
        lines = where.read_text(encoding="utf-8").splitlines()
        hit = next((i + 1 for i, t in enumerate(lines) if ref and ref.group(0) in t), None)
        raise RenderError(f"{where}{f':{hit}' if hit else ''}: {message}")


def _render_file(qmd: Path, config: dict, profile: str, work: Path) -> list[Path]:
    text = qmd.read_text(encoding="utf-8")
    problems = check_supported(text)
    if problems:
        raise UnsupportedFeature("\n".join(f"{qmd}:{p.line}: unsupported {p.feature}" for p in problems))
    front, _, items = _parse(text)
    meta = _merge(config, yaml.safe_load(front) or {}) if front else config
    lang = str(meta.get("lang", "en"))
    words = LANG[lang[:2]]
    xref = meta.get("crossref", {})
    execute = meta.get("execute", {})
    cells = []
    for _, line, _info, body, *_ in (i for i in items if i[0] == "cell"):
        # the kernel gets the whole cell (options are comments) without the leading empty lines that
        # IPython drops, so that a traceback's "line k" is the .qmd's line (cell fence + k)
        kernel = re.sub(r"^(\s*\n)+", lambda m: "#\n" * m.group(0).count("\n"), "\n".join(body))
        cells.append((line, *_cell_options(line, body)[:2], kernel))
    # Figures inline as PNG, as `%matplotlib inline` makes them, without importing matplotlib
    # before a cell does (0.4 s of the kernel's start, and its shutdown, when no cell draws): the
    # inline backend, chosen by MPLBACKEND, sets itself up when a cell imports matplotlib.
    setup = ("__import__('os').environ['MPLBACKEND'] = 'module://matplotlib_inline.backend_inline'\n"
             "%config InlineBackend.figure_formats = ['png']")
    if execute.get("warning", True) is False:
        setup += "\nimport warnings\nwarnings.filterwarnings('ignore')"
    outputs = _execute(cells, qmd, profile, setup) if cells else []
    figdir = work / f"{qmd.stem}_files"
    figdir.mkdir(exist_ok=True)
    chunks, k = [], 0
    for item in items:
        if item[0] == "cell":
            chunks.append("\n" + _cell_markdown(cells[k], outputs[k], figdir, execute.get("echo", True),
                                                execute.get("warning", True), qmd) + "\n")
            k += 1
        else:
            chunks.append(item[4] if item[0] == "code" else item[2])
    # the same document, read about four times faster by Pandoc (escape_literal_less_than)
    markdown = escape_literal_less_than("\n".join(chunks) + "\n")
    env = {"RLP_PROFILE": profile, "RLP_BASEDIR": str(qmd.parent),
           "RLP_FIG_TITLE": str(xref.get("fig-title", "Figure")), "RLP_TBL_TITLE": str(xref.get("tbl-title", "Table")),
           "RLP_DELIM": str(xref.get("title-delim", words["title-delim"])),
           "RLP_NOTE": words["note"], "RLP_WARNING": words["warning"]}
    env["RLP_FIG_PREFIX"] = str(xref.get("fig-prefix", env["RLP_FIG_TITLE"]))
    env["RLP_TBL_PREFIX"] = str(xref.get("tbl-prefix", env["RLP_TBL_TITLE"]))
    (work / "filter.lua").write_text(LUA_FILTER, encoding="utf-8")
    docmeta = {k: meta[k] for k in ("title", "subtitle", "date", "author", "lang", "region") if k in meta}
    formats = meta.get("format") or {"html": {}}
    # The formats at once: each is a Pandoc process, then Typst (which releases the GIL) for the
    # PDF, so the HTML is written while the PDF is compiled. A failure is reported for the first
    # format in order, as when they were written one after the other; the pool waits for both.
    with ThreadPoolExecutor(max_workers=len(formats)) as pool:
        jobs = [pool.submit(_write_format, fmt, opts or {}, docmeta, markdown, env, qmd, work, words)
                for fmt, opts in formats.items()]
        return [job.result() for job in jobs]


def _write_format(fmt: str, opts: dict, docmeta: dict, markdown: str, env: dict, qmd: Path, work: Path,
                  words: dict) -> Path:
    """One format of a .qmd's document from its Markdown: Pandoc with the Lua filter to HTML (then
    one main landmark and code breaks), or to Typst and Typst to PDF. Returns the file written in
    ``work``."""
    fmeta = dict(docmeta, **{k: opts[k] for k in ("papersize", "margin", "mainfont", "fontsize",
                                                   "section-numbering") if k in opts})
    metafile = work / f"meta-{fmt}.yaml"  # one per format: the formats are written at once
    metafile.write_text(yaml.safe_dump(fmeta, allow_unicode=True), encoding="utf-8")
    args = ["-f", "markdown", "-s", "--metadata-file", str(metafile), "--lua-filter",
            str(work / "filter.lua"), "--resource-path", str(qmd.parent)]
    if opts.get("toc"):
        args += ["--toc", f"--toc-depth={int(opts.get('toc-depth', 3))}", "-V", f"toc-title={words['toc']}"]
    if fmt == "html":
        (work / "callout.html").write_text(CALLOUT_CSS, encoding="utf-8")
        # no line wrapping inside the text (as Quarto): a phrase from the data stays on one source line
        args += ["-t", "html5", "--wrap=none", "--embed-resources", "--include-in-header", str(work / "callout.html")]
        args += ["--number-sections"] if opts.get("number-sections") else []
        if opts.get("css"):
            css = qmd.parent / opts["css"]
            if not css.exists():
                raise RenderError(f"{qmd}: css file not found: {css}")
            args += ["--css", str(css)]
        target = work / f"{qmd.stem}.html"
        _pandoc(args + ["-o", str(target)], markdown, env, qmd, qmd.parent)
        # one main landmark; code in tables breaks only after / _ . (reporting.code_breaks)
        target.write_text(table_code_breaks(main_landmark(target.read_text(encoding="utf-8"))), encoding="utf-8")
        return target
    (work / "header.typ").write_text(TYPST_HEADER, encoding="utf-8")
    typ = work / f"{qmd.stem}.typ"
    args += ["-t", "typst", "--include-in-header", str(work / "header.typ"), "-o", str(typ)]
    _pandoc(args, markdown, env, qmd, qmd.parent)
    target = work / f"{qmd.stem}.pdf"
    _typst(typ, target, opts.get("mainfont"), qmd)
    return target


def main_landmark(html: str) -> str:
    """Pandoc's standalone HTML with the document's content in one <main> element (Quarto's pages
    have one): after the title block and the table of contents, up to the end of the body, so that
    screen-reader users can jump to the content."""
    body = html.index("<body>") + len("<body>")
    start = max(html.find("</header>", body), html.find("</nav>", body))
    start = start + html[start:].index(">") + 1 if start >= 0 else body
    end = html.rindex("</body>")
    return html[:start] + "\n<main>" + html[start:end] + "</main>\n" + html[end:]


def _typst(typ: Path, pdf: Path, mainfont: str | None, qmd: Path) -> None:
    import typst

    fonts = quarto_typst.matplotlib_fonts()  # DejaVu: no system font needed
    if mainfont and mainfont not in typst.Fonts(include_system_fonts=False, font_paths=fonts).families():
        raise RenderError(f"{qmd}: font '{mainfont}' is neither embedded in typst nor in matplotlib's DejaVu fonts")
    stamp = {"timestamp": int(os.environ["SOURCE_DATE_EPOCH"])} if "SOURCE_DATE_EPOCH" in os.environ else {}
    try:
        typst.compile(str(typ), output=str(pdf), root="/", font_paths=fonts, ignore_system_fonts=True, **stamp)
    except Exception as exc:  # typst.TypstError
        raise RenderError(f"{qmd}: typst failed: {exc}") from None


def pdf_language(lang: str, region: str | None) -> str:
    """The language tag a PDF should declare (BCP 47): the document's lang with the region when
    one is set and lang has none, e.g. fr + CA -> fr-CA (Québec)."""
    lang = str(lang)
    return f"{lang}-{region}" if region and "-" not in lang else lang


def declare_pdf_language(pdf: Path, tag: str) -> bool:
    """Make a PDF's catalog declare the language ``tag`` (/Lang), which screen readers and
    hyphenation use. Typst 0.14 writes the text's lang and region itself; Typst 0.13 (Quarto
    1.8's) writes the language only (/Lang (fr)), whatever the region. The change is an
    incremental update by pypdf: the original bytes are kept and one new catalog object, its
    cross-reference section and the same /ID are appended, so the result is deterministic (two
    builds stay byte-identical). Returns whether the file was changed (False: it already said so)."""
    import pypdf
    from pypdf.generic import NameObject, TextStringObject

    reader = pypdf.PdfReader(pdf)
    if str(reader.trailer["/Root"].get("/Lang", "")) == tag:
        return False
    writer = pypdf.PdfWriter(reader, incremental=True)
    writer.root_object[NameObject("/Lang")] = TextStringObject(tag)
    # pypdf 7's incremental trailer names /Info only when the information changed, and readers
    # such as poppler read the last trailer only: they would lose the title and authors. Saying
    # in /Producer what changed the file changes the information, truthfully and the same way
    # each time.
    if reader.metadata is not None:
        producer = str(reader.metadata.get("/Producer", "") or "")
        writer.add_metadata({**reader.metadata, "/Producer": "; ".join(
            filter(None, [producer, f"document language {tag} set by pypdf"]))})
    partial = pdf.with_name(pdf.name + ".part")
    with open(partial, "wb") as handle:
        writer.write(handle)
    os.replace(partial, pdf)
    return True


def remove_stale_work_folders(parent: Path) -> list[Path]:
    """Remove the work folders (``.render-<pid>-*``) of renders that were killed before they could
    clean up (kill -9, a power cut): those whose process no longer runs, and those of the older
    ``.render-*`` naming without a process id. A concurrent render's folder is left alone.
    Returns the folders removed."""
    removed = []
    for folder in parent.glob(".render-*"):
        owner = folder.name.split("-")[1] if folder.name.count("-") >= 2 else ""
        if owner.isdigit() and _process_runs(int(owner)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _process_runs(pid: int) -> bool:
    """Whether a process with this id runs (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, under another user
        return True
    return True


def work_folder(outdir: Path) -> Path:
    """A new folder beside ``outdir`` (``.render-<pid>-*``, on the same file system, so that its
    documents are moved into place at once) where a render's documents wait until they are
    published; those of killed renders are removed first."""
    outdir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_work_folders(outdir.parent)
    return Path(tempfile.mkdtemp(prefix=f".render-{os.getpid()}-", dir=outdir.parent))


def render(project_dir: str | Path, profile: str, keep_intermediate: bool = False, publish: bool = True) -> dict:
    """Render the project for one profile with the fallback renderer; files appear only if all succeed.

    With ``publish=False`` the documents stay in their work folder (``result["work"]``) until
    ``publish_render`` moves them into place or ``discard_render`` removes them, so that several
    languages rendered at once appear only if every one succeeds (``publish_renders``)."""
    project_dir = Path(project_dir).resolve()
    config = load_config(project_dir, profile)
    project = config.get("project", {})
    outdir = (project_dir / project.get("output-dir", ".")).resolve()
    sources = project.get("render") or [p.name for p in sorted(project_dir.glob("*.qmd"))]
    work = work_folder(outdir)
    try:
        written = []
        for name in sources:
            if not str(name).endswith(".qmd"):
                raise UnsupportedFeature(f"{project_dir / '_quarto.yml'}: render entry '{name}' (only .qmd files)")
            written += _render_file(project_dir / name, config, profile, work)
        if keep_intermediate:
            written += [work / f"{Path(n).stem}.typ" for n in sources if (work / f"{Path(n).stem}.typ").exists()]
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    result = {"renderer": f"fallback ({_versions()})", "files": [str(outdir / path.name) for path in written],
              "work": str(work), "pending": [str(path) for path in written]}
    return publish_render(result) if publish else result


def publish_render(result: dict) -> dict:
    """Move an unpublished render's documents (``render(..., publish=False)``) into their output
    folder and remove its work folder; a render already in place is returned as it is."""
    if "work" not in result:
        return result
    try:
        for source, target in zip(result["pending"], result["files"]):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    finally:
        shutil.rmtree(result["work"], ignore_errors=True)
    return {key: value for key, value in result.items() if key not in ("work", "pending")}


def discard_render(result: dict) -> None:
    """Remove an unpublished render's work folder and documents (nothing of it is written)."""
    if "work" in result:
        shutil.rmtree(result["work"], ignore_errors=True)


def publish_renders(jobs: list, others: list = ()) -> list[dict]:
    """Wait for every render of ``jobs`` (futures of ``render_project(..., publish=False)``, one a
    language) and for the futures ``others`` (work that must succeed too, e.g. the workbooks); if
    all succeeded, move the documents into place and return the renders' results in order; else
    discard every render and raise the first failure in the order of ``jobs`` then ``others`` (the
    error the renders one after the other would have raised first), so that no document of a failed
    run is written, with either renderer."""
    wait([*jobs, *others])
    failure = next((job.exception() for job in [*jobs, *others] if job.exception() is not None), None)
    if failure is not None:
        for job in jobs:
            if job.exception() is None:
                discard_render(job.result())
        raise failure
    return [publish_render(job.result()) for job in jobs]


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


# How many language profiles are rendered at once: two, with either renderer. Real Quarto's
# renders are separate processes (single-threaded Deno, Pandoc and Lua filters); the fallback's
# work is in other processes (a kernel, Pandoc) or in Typst, which releases the GIL, so its threads
# do not serialise. Measured on two cores: the fallback's stage 3.6 s with both languages at once
# against 4.8 s one after the other, and the same within the noise on one core (README, "The
# fallback's speed"). The report rule declares ``threads: 2`` accordingly.
CONCURRENT_PROFILES = 2


def renderer_description(prefer_quarto: bool = True) -> str:
    """Which renderer render_project will use, with its versions (for the build log and the
    report's provenance record)."""
    if prefer_quarto and quarto_available():
        return quarto_description(subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip())
    return f"fallback ({_versions()})"


def quarto_description(version: str) -> str:
    """Real Quarto's name for the provenance record: its version, and the Typst that compiles its
    PDFs (the pinned typst package, not Quarto's own: reporting.quarto_typst)."""
    from importlib.metadata import version as package_version

    return f"quarto {version} (typst {package_version('typst')})"


def quarto_warnings(log_text: str) -> list[str]:
    """The warning lines of a Quarto run's output (Quarto's and Pandoc's "WARN"/"[WARNING]"), without
    the Jupyter kernel's notice about its local TCP transport, which is not about the document."""
    return [line.strip() for line in log_text.splitlines()
            if re.search(r"\bWARN(ING)?\b", line) and "[IPKernelApp]" not in line]


def render_with_quarto(project_dir: str | Path, profile: str, publish: bool = True) -> dict:
    """Render one profile with real Quarto in a temporary copy of the project, then move the
    documents into the project's output folder: Quarto's caches (.quarto/, a .gitignore, copies of
    resources) stay out of the repository, and nothing is replaced unless the whole render succeeds.
    With ``publish=False`` the documents wait in a work folder, as the fallback's do (``render``).

    Each document's cells run once for all its formats (Quarto runs them once per format): in the
    copy, each .qmd becomes a notebook (``qmd_notebook``), one kernel runs its cells
    (``execute_notebooks``), and ``quarto render --no-execute`` writes every format from the
    executed notebooks (``notebook_project``). Its PDFs are compiled by the pinned typst package
    (QUARTO_TYPST points at reporting.quarto_typst's command, written into the temporary folder),
    as the fallback's are. Quarto's warnings, Typst's included, are logged and returned (a clean
    report has none)."""
    project_dir = Path(project_dir).resolve()
    config = load_config(project_dir, profile, validate=False)
    project = config.get("project", {})
    version = subprocess.run(["quarto", "--version"], capture_output=True, text=True).stdout.strip()
    log.info("rendering %s (profile %s) with quarto %s", project_dir, profile, version)
    sources = project.get("render") or [p.name for p in sorted(project_dir.glob("*.qmd"))]
    with tempfile.TemporaryDirectory(prefix="rlp-quarto-") as temp:
        copy = Path(temp) / project_dir.name
        shutil.copytree(project_dir, copy, ignore=shutil.ignore_patterns("_output", ".quarto", "_figures", ".gitignore"))
        # Quarto runs the cells with QUARTO_PYTHON, else the first python3 on PATH: default to the
        # Python running the pipeline, which has the package and Jupyter installed.
        env = {**os.environ, "QUARTO_PYTHON": os.environ.get("QUARTO_PYTHON", sys.executable)}
        # Quarto's PDFs compiled by the pinned typst package (tagged, alt text, fr-CA, the same
        # bytes each build) instead of the Typst that comes with Quarto: reporting.quarto_typst
        env["QUARTO_TYPST"] = str(quarto_typst.write_command(Path(temp)))
        packages = quarto_typst.package_cache(shutil.which("quarto"))
        if packages and not env.get("TYPST_PACKAGE_CACHE_PATH"):
            env["TYPST_PACKAGE_CACHE_PATH"] = packages
        execute_notebooks(copy, sources, profile, project_dir)
        notebook_project(copy, sources)
        proc = subprocess.run(["quarto", "render", str(copy), "--profile", profile, "--no-execute"],
                              capture_output=True, text=True, env=env)
        output = proc.stdout + proc.stderr
        if proc.returncode:
            raise RenderError(f"{project_dir}: quarto render --profile {profile} failed:\n{output.strip()[-4000:]}")
        warnings = quarto_warnings(output)
        for warning in warnings:
            log.warning("quarto (%s): %s", profile, warning)
        outdir = (project_dir / project.get("output-dir", ".")).resolve()
        work = work_folder(outdir)
        files, pending = [], []
        try:
            for name in sources:
                for ext, fmt in ((".html", "html"), (".pdf", "typst")):
                    if fmt in config.get("format", {}):
                        target = outdir / f"{Path(name).stem}{ext}"
                        produced = copy / project.get("output-dir", ".") / target.name
                        if fmt == "typst":
                            declare_pdf_language(produced, pdf_language(config.get("lang", "en"), config.get("region")))
                        pending.append(str(shutil.move(produced, work / target.name)))
                        files.append(str(target))
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    result = {"renderer": quarto_description(version), "files": files, "warnings": warnings,
              "work": str(work), "pending": pending}
    return publish_render(result) if publish else result


def qmd_notebook(text: str):
    """The Jupyter notebook of a .qmd's text, as ``quarto convert`` writes it (without starting
    Quarto, about 2 s a language): the front matter as a first markdown cell between ``---`` lines,
    each executable cell (```` ```{python} ````) as a code cell whose source keeps its ``#|``
    options (Quarto reads them from the notebook), and the text between cells (fenced code that is
    not executable included) as markdown cells, blank lines around them dropped. Cell ids are
    numbered, so that the same .qmd gives the same notebook."""
    import nbformat

    front, _, items = _parse(text)
    cells, markdown = [], []

    def flush():
        block = "\n".join(markdown).strip("\n")
        if block.strip():
            cells.append(nbformat.v4.new_markdown_cell(block))
        markdown.clear()

    if front or text.lstrip().startswith("---"):
        cells.append(nbformat.v4.new_markdown_cell(f"---\n{front}\n---"))
    for item in items:
        if item[0] == "cell":
            flush()
            cells.append(nbformat.v4.new_code_cell("\n".join(item[3])))
        else:
            markdown.append(item[2] if item[0] == "text" else item[4])
    flush()
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return notebook


def execute_notebooks(copy: Path, sources: list[str], profile: str, project_dir: Path) -> None:
    """In a project copy, each source .qmd becomes a notebook (``qmd_notebook``) whose cells run
    once, in order, in one python3 kernel in the .qmd's folder with QUARTO_PROFILE set, as
    ``quarto render`` runs them; the .qmd is then removed so that only the executed notebook is
    rendered. A failing cell is reported with its line in the project's .qmd. The tables the cells
    print become raw-bodied table floats (reporting.quarto_tables): the same tables for about half
    of Quarto's time."""
    import nbformat

    for name in sources:
        qmd = copy / name
        text = qmd.read_text(encoding="utf-8")
        nb = qmd_notebook(text)
        fences = [line for kind, line, *_ in _parse(text)[2] if kind == "cell"]
        _run_cells(nb, project_dir / name, profile, fences, qmd.parent)
        try:
            notebook_raw_tables(nb)
        except TableConversionError as exc:
            raise RenderError(f"{project_dir / name}: {exc}") from None
        nbformat.write(nb, qmd.with_suffix(".ipynb"))
        qmd.unlink()


def notebook_project(copy: Path, sources: list[str]) -> None:
    """Point a project copy's render list (wherever a _quarto*.yml sets it) at the executed
    notebooks instead of the .qmd files, so that ``quarto render`` renders them as project files
    (with the profile's settings) without running their cells again. Only the copy is changed."""
    notebooks = {name: str(Path(name).with_suffix(".ipynb")) for name in sources}
    for path in sorted(copy.glob("_quarto*.yml")):
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        listed = (config.get("project") or {}).get("render")
        if listed:
            config["project"]["render"] = [notebooks.get(name, name) for name in listed]
            path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def render_project(project_dir: str | Path, profile: str, prefer_quarto: bool = True, publish: bool = True) -> dict:
    """Render with real Quarto when it is installed (and preferred), else with the fallback; with
    ``publish=False`` the documents stay unpublished (see ``render``)."""
    if prefer_quarto and quarto_available():
        return render_with_quarto(project_dir, profile, publish=publish)
    result = render(project_dir, profile, publish=publish)
    log.info("rendered %s (profile %s) with %s", project_dir, profile, result["renderer"])
    return result


if __name__ == "__main__":  # python -m rlp_pipeline.reporting.render report fr
    logging.basicConfig(level=logging.INFO)
    print(render_project(sys.argv[1], sys.argv[2]))
