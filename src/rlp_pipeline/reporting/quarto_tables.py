"""The report's tables made cheap for real Quarto: each captioned pipe table of the executed
notebook becomes a cross-referenceable float whose body is already written, in HTML and in
Typst, by one Pandoc run for the whole document.

Why: Quarto reads the report's Markdown with its own reader, then runs some forty Lua filter
passes over the whole document, for each format, and reads it once more for the Typst format
(its level-one-heading analysis). The 49 pipe tables are most of that document: parsing them is
about 90 % of Pandoc's reading time, and the passes walk every one of their cells. As raw blocks,
a table is one node to read and to walk. Measured on the shipped data (one language, HTML and
PDF): see README, "Rendering".

What stays the same: the table's number, caption and cross-references (a Div ``#tbl-<id>`` whose
last paragraph is the caption is a table float for Quarto >= 1.4, numbered and captioned as a
captioned pipe table is), and the table's markup, which is what Pandoc's writers give for the same
pipe table with the changes Quarto's own filters make to a table: no relative column widths if a
cell has a link (tbl-colwidths "auto", modules/tablecolwidths.lua), in HTML the row classes
(``header``, ``odd``, ``even``) and ``caption-top`` (quarto-post/html.lua; Quarto's Bootstrap
post-processor then adds ``table`` as before), in Typst a bare ``#table(...)`` (quarto-post/
typst.lua's ``typst:no-figure``) inside Quarto's figure. The fallback renderer is not concerned:
it renders the pipe tables as written.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .code_breaks import code_breaks

# A pipe table as reporting's table_markdown writes it (header, dashes, rows), a blank line, and
# its caption line ending with its label: ": caption {#tbl-id}".
CAPTIONED_TABLE = re.compile(
    r"^(?P<table>\|[^\n]*\|\n\|[-:|]+\|\n(?:\|[^\n]*\|\n)*)\n: (?P<caption>[^\n]*) \{#(?P<label>tbl-[\w-]+)\}$",
    re.MULTILINE)

# Tells Quarto (>= 1.5) to leave a raw HTML table as it is instead of parsing it into a Pandoc
# table (which would bring back the cost this module removes); see Quarto's "Disabling Quarto
# table processing".
NO_TABLE_PROCESSING = "<!--| quarto-html-table-processing: none -->"

# A Pandoc custom writer: each table of the document, written by Pandoc's HTML and Typst writers
# with the changes Quarto's filters make to a table in each format, as a JSON list of
# {"html": ..., "typst": ...}.
WRITER = r"""
local function html_table(tbl)
  -- quarto-post/html.lua: row classes (removed from Pandoc 3.2.1's HTML, used by Quarto's
  -- Bootstrap post-processor to recognise a table) and the caption above the table
  local function classes(rows, first)
    for number, row in ipairs(rows) do
      row.attr.classes:insert(number % 2 == 0 and "even" or first)
    end
  end
  classes(tbl.head.rows, "header")
  for _, body in ipairs(tbl.bodies) do classes(body.body, "odd") end
  classes(tbl.foot.rows, "odd")
  tbl.attr.classes:insert("caption-top")
  return tbl
end

-- modules/tablecolwidths.lua with Quarto's default tbl-colwidths "auto": a table with a link in a
-- cell loses the relative column widths of its dashes (the browser and Typst size its columns)
local function quarto_colwidths(tbl)
  local link = false
  tbl:walk({Link = function() link = true end})
  if not link then return tbl end
  local simple = pandoc.utils.to_simple_table(tbl)
  local widths = {}
  for i = 1, #tbl.colspecs do widths[i] = 0 end
  simple.widths = widths
  return pandoc.utils.from_simple_table(simple)
end

function Writer(doc, opts)
  local tables = {}
  for _, block in ipairs(doc.blocks) do
    if block.t == "Table" then
      block = quarto_colwidths(block)
      local typst = block:clone()
      typst.attr.classes:insert("typst:no-figure")  -- quarto-post/typst.lua
      table.insert(tables, {
        html = pandoc.write(pandoc.Pandoc({html_table(block:clone())}), "html", opts),
        typst = pandoc.write(pandoc.Pandoc({typst}), "typst", opts),
      })
    end
  end
  return pandoc.json.encode(tables)
end
"""


class TableConversionError(RuntimeError):
    """Pandoc could not write the report's tables."""


def quarto_pandoc() -> str:
    """The Pandoc that Quarto runs (so that a table is written exactly as Quarto would write it):
    QUARTO_PANDOC when set, else the one Quarto's installation ships beside its launcher
    (bin/tools/<arch>/pandoc), else the project's own (pypandoc_binary)."""
    if os.environ.get("QUARTO_PANDOC"):
        return os.environ["QUARTO_PANDOC"]
    launcher = shutil.which("quarto")
    if launcher:
        tools = Path(os.path.realpath(launcher)).parent / "tools"
        for candidate in (tools / platform.machine() / "pandoc", tools / "pandoc"):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    import pypandoc

    return pypandoc.get_pandoc_path()


def write_tables(tables: list[str], pandoc: str) -> list[dict[str, str]]:
    """Each pipe table (Markdown, without caption) in HTML and in Typst, from one Pandoc run over
    all of them (a Pandoc start costs about as much as reading ten tables)."""
    if not tables:
        return []
    source = "\n\n".join(tables) + "\n"
    with tempfile.TemporaryDirectory(prefix="rlp-tables-") as folder:
        writer = Path(folder) / "tables.lua"
        writer.write_text(WRITER, encoding="utf-8")
        try:
            proc = subprocess.run([pandoc, "--from", "markdown", "--to", str(writer), "--wrap", "none"],
                                  input=source, capture_output=True, text=True)
        except OSError as exc:
            raise TableConversionError(f"{pandoc} could not write the report's tables: {exc}") from None
    if proc.returncode:
        raise TableConversionError(f"{pandoc} could not write the report's tables: {proc.stderr.strip()}")
    written = json.loads(proc.stdout)
    if len(written) != len(tables):
        raise TableConversionError(f"{pandoc} wrote {len(written)} tables for the report's {len(tables)}")
    return written


def fence(text: str, minimum: int = 3) -> str:
    """A code fence longer than any run of backticks in the text, so that the text cannot end it."""
    return "`" * max(minimum, max((len(run) + 1 for run in re.findall(r"`+", text)), default=0))


def table_float(written: dict[str, str], caption: str, label: str) -> str:
    """A table float for Quarto: a Div #label holding the table as raw HTML (left as it is by
    Quarto's table processing; long code may break after / _ . as in the fallback's tables:
    reporting.code_breaks) and raw Typst, and the caption as its last paragraph."""
    html = f"{NO_TABLE_PROCESSING}\n{code_breaks(written['html'].strip())}"
    typst = written["typst"].strip()
    return (f"::: {{#{label}}}\n\n{fence(html)}{{=html}}\n{html}\n{fence(html)}\n\n"
            f"{fence(typst)}{{=typst}}\n{typst}\n{fence(typst)}\n\n{caption}\n\n:::")


def raw_tables(texts: list[str], pandoc: str) -> list[str]:
    """The texts (Markdown outputs of a document's cells) with every captioned pipe table made a
    table float with raw bodies (table_float); the tables of all texts are written by one Pandoc
    run. Text outside the tables is left exactly as it is."""
    found = [list(CAPTIONED_TABLE.finditer(text)) for text in texts]
    written = iter(write_tables([m["table"] for matches in found for m in matches], pandoc))
    result = []
    for text, matches in zip(texts, found):
        pieces, end = [], 0
        for match in matches:
            pieces += [text[end:match.start()], table_float(next(written), match["caption"], match["label"])]
            end = match.end()
        result.append("".join(pieces) + text[end:])
    return result


def notebook_raw_tables(notebook, pandoc: str | None = None) -> int:
    """In an executed notebook, the captioned pipe tables that the cells printed (their standard
    output, as ``output: asis`` cells print Markdown) become table floats with raw bodies
    (raw_tables), in place. Returns the number of tables changed."""
    streams = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []) if output.get("output_type") == "stream"
               and output.get("name") == "stdout"]
    texts = [output["text"] for output in streams]
    count = sum(len(CAPTIONED_TABLE.findall(text)) for text in texts)
    if count:
        for output, text in zip(streams, raw_tables(texts, pandoc or quarto_pandoc())):
            output["text"] = text
    return count
