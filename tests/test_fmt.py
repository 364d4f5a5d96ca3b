"""Numbers follow each language's conventions."""

import math

import pytest

from rlp_pipeline.fmt import format_count, format_interval, format_number, format_p, format_percent

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
    (lambda l: format_interval(0.102, 0.153, l, percent=True), f"[10,2{N}%{S};{S}15,3{N}%]", "[10.2%, 15.3%]"),
])
def test_french_and_english_conventions(call, french, english):
    assert call("fr") == french
    assert call("en") == english


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="'fr' or 'en'"):
        format_percent(0.5, "de")
