"""Recognising a text file's encoding without a silent change of its text.

The CSV reader (rlp_pipeline.io.tables) reads UTF-8 and falls back to Windows-1252, what French
Excel writes. Two kinds of file defeat that rule: a file whose lines were saved in different
encodings (a UTF-8 file completed in an old editor: read as Windows-1252, every accent of its
UTF-8 lines turns into « Ã© »), and UTF-16 without a byte-order mark (read as Windows-1252, every
other character is a NUL). The first is refused, naming one line of each kind; the second is
recognised from its NUL bytes.
"""

from __future__ import annotations

# Fraction of NUL bytes, among the bytes at even (or odd) positions of the start of a file, above
# which the file is taken for UTF-16: text in Latin script has one NUL per character in UTF-16
# and none in any 8-bit encoding.
_UTF16_NUL_SHARE = 0.3
_SAMPLE_BYTES = 4096


def utf16_without_bom(content: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when bytes without a byte-order mark look like UTF-16 text of a
    Latin-script language (NULs at every other position) and decode as such; None otherwise."""
    sample = content[:_SAMPLE_BYTES]
    if len(sample) < 4 or b"\0" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    for encoding, zeros, letters in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) >= _UTF16_NUL_SHARE * len(zeros) and letters.count(0) < 0.05 * len(letters):
            try:
                content.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding
    return None


def mixed_encoding_lines(content: bytes) -> tuple[int, int] | None:
    """(a line that is UTF-8 with accents, a line that is not UTF-8), both 1-based, when a file
    that is not valid UTF-8 as a whole nevertheless holds UTF-8 lines with non-ASCII letters:
    its lines were saved in different encodings. None when no line is UTF-8 beyond ASCII (an
    8-bit file, such as Windows-1252 from Excel)."""
    utf8_line = other_line = None
    for number, line in enumerate(content.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_line = utf8_line or number
        except UnicodeDecodeError:
            other_line = other_line or number
        if utf8_line and other_line:
            return utf8_line, other_line
    return None


def line_excerpt(content: bytes, line: int, encoding: str, width: int = 60) -> str:
    """The start of a line decoded with `encoding` (undecodable bytes replaced), for a message."""
    text = content.split(b"\n")[line - 1].decode(encoding, errors="replace").strip()
    return text if len(text) <= width else text[:width] + "…"
