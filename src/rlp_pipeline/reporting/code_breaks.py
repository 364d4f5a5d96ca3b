"""Where a long identifier in code style may break inside a table's narrow column.

A derived file's path (``data/derived/frequencies/strategy_status.csv``), a code id
(``inst_strategic_choices``) or a checksum in a table cell is one long word. Allowed to break
anywhere (report/style.css's last resort for code outside tables), the table's columns shrink to a
few characters and the word breaks mid-syllable (« insti|tutio|nalis|ation »). In tables, code
breaks only where a reader expects it, and only if it is long: after ``/``, ``_`` and ``.``, and
every 16 digits of a long hexadecimal run (a checksum). The opportunities are ``<wbr>`` elements: nothing is added to the
text, so a copied path or checksum stays exact. report/style.css keeps table code from breaking
elsewhere (``overflow-wrap: break-word``: the column is at least as wide as the longest piece).
Both renderers' HTML get them: the fallback's whole document (render.py), Quarto's tables as
reporting.quarto_tables writes them.
"""

from __future__ import annotations

import html
import re

# Code of at most this many characters never breaks (« kappa_low », « appr_norms »: a list of
# column names breaks between them); longer code (« inst_strategic_choices », paths, function
# names, checksums) may, at its separators, so that a three-column codebook table still fits a
# phone's screen without scrolling.
LONG = 12
CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.DOTALL)
TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)


def code_breaks(html: str) -> str:
    """HTML with a <wbr> after each / _ . inside its <code> elements and every 16 characters of a
    hexadecimal run of more than 16 (a checksum); the code's text is unchanged."""
    return CODE.sub(lambda m: m[1] + _breaks(m[2]) + m[3], html)


def _breaks(code: str) -> str:
    """The inside of one <code> element (escaped text, no tags) with its break opportunities, if it
    is longer than LONG characters: a short id (``kappa_low``) stays whole, so that a list of ids
    breaks between them rather than after the last ``_`` that fits the line."""
    if len(html.unescape(code)) <= LONG:
        return code
    pieces = re.split(r"(&[#\w]+;)", code)  # entities (&amp;) stay whole
    out = []
    for piece in pieces:
        if piece.startswith("&") and piece.endswith(";"):
            out.append(piece)
            continue
        # not before the last few characters: « codes.csv » keeps its extension
        piece = re.sub(r"(?<=[/_.])(?=.{5,}$)", "<wbr>", piece)
        piece = re.sub(r"[0-9a-f]{17,}", lambda m: "<wbr>".join(m[0][i:i + 16] for i in range(0, len(m[0]), 16)),
                       piece)
        out.append(piece)
    return "".join(out)


def table_code_breaks(html: str) -> str:
    """A whole HTML document with code_breaks applied inside its tables only (elsewhere code keeps
    the style sheet's rule: it breaks where the line ends)."""
    return TABLE.sub(lambda m: code_breaks(m[0]), html)
