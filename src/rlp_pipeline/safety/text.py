"""Data text made safe to typeset: long unbroken words made breakable.

Pandoc's Typst writer takes a time that grows with the square of a word's length (a word of
20,000 letters: 2 s; of 100,000: minutes), and a browser or Typst cannot wrap such a word in a
column. A run of more than :data:`BREAK_EVERY` visible characters without a space (a URL, an
identifier, or a hostile excerpt) gets a break opportunity after every :data:`BREAK_EVERY`
characters: a zero-width space, which lets the line wrap without showing anything, followed by an
empty Pandoc span ``[]{}``, which ends Pandoc's word there so that it never sees a long word. The
letters themselves are unchanged.
"""

from __future__ import annotations

import re

BREAK_EVERY = 30
# A zero-width space, then an empty span (written as nothing in Typst, an empty <span> in HTML).
BREAK = "\u200b[]{}"
# One visible character of inline Markdown as escape_markdown writes it: an escaped punctuation
# character (two characters, never to be separated) or any other non-space character.
_UNIT = re.compile(r"\\.|\S", re.DOTALL)
_LONG_RUN = re.compile(r"\S{%d,}" % (BREAK_EVERY + 1))


def breakable_markdown(markdown: str, every: int = BREAK_EVERY) -> str:
    """Inline Markdown (already escaped) with a break opportunity after every `every` visible
    characters of each run longer than that without a space; shorter runs are left as they are."""

    def split(match: re.Match) -> str:
        units = _UNIT.findall(match.group())
        return BREAK.join("".join(units[i:i + every]) for i in range(0, len(units), every))

    pattern = _LONG_RUN if every == BREAK_EVERY else re.compile(r"\S{%d,}" % (every + 1))
    return pattern.sub(split, markdown)
