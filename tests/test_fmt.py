"""Numbers follow each language's conventions."""

import math

import pytest

from rlp_pipeline.fmt import (format_count, format_interval, format_number, format_p, format_percent, french_typography,
                               typeset)

N = "\u202f"  # narrow no-break space
S = "\u00a0"  # no-break space


@pytest.mark.parametrize(("call", "french", "english"), [
    (lambda l: format_percent(0.125, l), f"12,5{N}%", "12.5%"),
    (lambda l: format_percent(1, l, 0), f"100{N}%", "100%"),
    (lambda l: format_p(0.0123, l), f"p{S}={S}0,012", f"p{S}={S}0.012"),
    (lambda l: format_p(0.00002, l), f"p{S}<{S}0,001", f"p{S}<{S}0.001"),
    (lambda l: format_count(12345, l), f"12{N}345", "12,345"),
    (lambda l: format_number(-1.25, l, 2), "−1,25", "−1.25"),
    (lambda l: format_number(math.inf, l), "∞", "∞"),
    (lambda l: format_number(math.nan, l), "–", "–"),
    (lambda l: format_interval(0.102, 0.153, l, percent=True), f"[10,2{N}%{N};{S}15,3{N}%]", "[10.2%, 15.3%]"),
])
def test_french_and_english_conventions(call, french, english):
    assert call("fr") == french
    assert call("en") == english


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="'fr' or 'en'"):
        format_percent(0.5, "de")


@pytest.mark.parametrize("value", [-0.0, -0.0004, -1e-12])
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_no_negative_zero(value, digits):
    """A negative value that rounds to zero shows as zero, never « −0,0 » (a reader would take the
    sign for a real, if small, difference); the sign stays on values that do not round to zero."""
    for language in ("fr", "en"):
        zero = "0" if digits == 0 else "0" + ("," if language == "fr" else ".") + "0" * digits
        assert format_number(value, language, digits) == zero
        assert format_percent(value / 100, language, digits) == zero + (f"{N}%" if language == "fr" else "%")
        low = format_interval(value, 0.5, language, digits=digits)
        assert low.startswith("[" + zero) and "−" not in low
    assert format_number(-0.06, "fr", 1) == "−0,1" and format_number(-0.006, "en", 2) == "−0.01"


@pytest.mark.parametrize(("text", "expected"), [
    ("la méthode; ils", f"la méthode{N}; ils"),
    ("un effet? oui!", f"un effet{N}? oui{N}!"),
    ("Données : 140", f"Données{S}: 140"),
    ("**Verdict :** reproduit", f"**Verdict{S}:** reproduit"),
    ('le verdict "reproduit"', f"le verdict «{N}reproduit{N}»"),
    ("« reproduit »", f"«{N}reproduit{N}»"),
    ("l'échantillon, l\\'eau", "l’échantillon, l’eau"),
    ("40 % et 12\\%", f"40{N}% et 12{N}\\%"),
    ("`a; b` [lien](#sec-a?b) 10:30 https://x.org/?a=b", "`a; b` [lien](#sec-a?b) 10:30 https://x.org/?a=b"),
    ('![Légende](f.png){#fig-a fig-alt="l\'alt : x"}', '![Légende](f.png){#fig-a fig-alt="l\'alt : x"}'),
    ("::: {.callout-warning}\nTexte : oui\n:::", f"::: {{.callout-warning}}\nTexte{S}: oui\n:::"),
    ("|---|:--|\n\n: Légende {#tbl-a}", "|---|:--|\n\n: Légende {#tbl-a}"),
    ("« [l'extrait : tel quel\\; \\[x\\]]{.verbatim} » : oui", f"«{N}[l'extrait : tel quel\\; \\[x\\]]{{.verbatim}}{N}»{S}: oui"),
])
def test_french_typography(text, expected):
    assert french_typography(text) == expected
    assert french_typography(expected) == expected  # applying it twice changes nothing
    assert typeset(text, "en") == text
