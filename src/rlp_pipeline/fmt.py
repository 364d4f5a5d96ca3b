"""Numbers as each language writes them, for the report and the figures.

French: decimal comma, a narrow no-break space (U+202F) before « % » and between thousands,
« p = 0,012 », intervals « [10,2 % ; 15,3 %] ». English: decimal point, "12.5%", "p = 0.012",
"[10.2%, 15.3%]". No-break spaces keep a number with its unit and a p with its value.
"""

from __future__ import annotations

import math
import re

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
LANGUAGES = ("fr", "en")


def _check(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be 'fr' or 'en' (got {language!r})")


def format_number(value: float, language: str, digits: int = 1) -> str:
    """A number with `digits` decimals and the language's decimal and thousands separators;
    an en dash for a missing value, ∞ for infinity."""
    _check(language)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0"
    if language == "fr":
        text = text.replace(",", NARROW_NBSP).replace(".", ",")
    return text.replace("-", "−")


def format_count(value: int, language: str) -> str:
    """A whole number with the language's thousands separator."""
    return format_number(value, language, 0)


def format_percent(share: float, language: str, digits: int = 1) -> str:
    """A share (0-1) as a percentage: « 12,5 % » or "12.5%"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    number = format_number(100 * share, language, digits)
    return f"{number}{NARROW_NBSP}%" if language == "fr" else f"{number}%"


def format_p(p: float, language: str) -> str:
    """A p-value: "p < 0.001" below one thousandth, else three decimals ("p = 0.012")."""
    _check(language)
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if p < 0.001:
        return f"p{NBSP}<{NBSP}{format_number(0.001, language, 3)}"
    return f"p{NBSP}={NBSP}{format_number(p, language, 3)}"


def format_interval(low: float, high: float, language: str, *, percent: bool = False, digits: int = 1) -> str:
    """A 95% interval: « [10,2 % ; 15,3 %] » (French separates with a semicolon, since the comma
    is the decimal mark) or "[10.2%, 15.3%]"."""
    show = (lambda v: format_percent(v, language, digits)) if percent else (lambda v: format_number(v, language, digits))
    separator = f"{NARROW_NBSP};{NBSP}" if language == "fr" else ", "
    return f"[{show(low)}{separator}{show(high)}]"


# Markdown that French typography must not touch: code blocks and spans, fenced div lines (:::),
# verbatim quotations,
# link targets, attribute blocks ({#id .class key="v"}), HTML tags, URLs, and an image's leading "!".
# Verbatim quotations of the data (excerpts, plan names) are marked [text]{.verbatim} and kept as written.
_PROTECTED = re.compile(r"```.*?```|`[^`\n]*`|^:{3,}[^\n]*|\[(?:\\.|[^\]\\\n])*\]\{\.verbatim\}|\]\([^)\n]*\)|"
                        r"\{[^{}\n]*\}|<[^<>\n]+>|https?://\S+|!\[", re.S | re.M)
_SPACE = "[ \u00a0\u202f]"


def _french_text(text: str) -> str:
    """French typography on plain text (Markdown escapes allowed: a backslash before punctuation)."""
    text = re.sub(r"\\?'", "’", text)  # one apostrophe style
    text = re.sub(r'\\?"\s*([^"\n]*?)\s*\\?"', lambda m: f"«{NARROW_NBSP}{m.group(1)}{NARROW_NBSP}»", text)
    text = re.sub(f"«{_SPACE}*", "«" + NARROW_NBSP, text)
    text = re.sub(f"{_SPACE}+»|(?<=\\S)»", NARROW_NBSP + "»", text)
    text = re.sub(f"([^\\s\u00a0\u202f]){_SPACE}?(\\\\?[;!?])", lambda m: m.group(1) + NARROW_NBSP + m.group(2), text)
    text = re.sub(f"([^\\s\u00a0\u202f]){_SPACE}?(\\\\?:)(?=[\\s\u00a0*_]|$)", lambda m: m.group(1) + NBSP + m.group(2), text)
    return re.sub(f"(\\d){_SPACE}?(\\\\?%)", lambda m: m.group(1) + NARROW_NBSP + m.group(2), text)


def french_typography(markdown: str) -> str:
    """French typography for every piece of French text the report shows (templates, labels, data):
    « » with narrow no-break spaces inside (straight double quotes become « »), a narrow no-break
    space before ; ! ? and a no-break space before a colon that ends a clause, « 40 % » with a narrow
    no-break space, and one apostrophe (’). No-break, so that a line never starts with « : », « ; »
    or « » ». Code, link targets, attributes, HTML and URLs are left as they are; applying it twice
    changes nothing."""
    parts, position = [], 0
    for protected in _PROTECTED.finditer(markdown):
        parts += [_french_text(markdown[position:protected.start()]), protected.group(0)]
        position = protected.end()
    return "".join(parts + [_french_text(markdown[position:])])


def typeset(text: str, language: str) -> str:
    """Text as the language writes it: French typography in French, unchanged in English."""
    _check(language)
    return french_typography(text) if language == "fr" else text
