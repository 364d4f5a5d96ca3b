"""Edges of the number formats that the report relies on and tests/test_fmt.py leaves open
(found by benchmarks/mutation.py: each test here kills a mutant that survived it).

The conventions are those of the style guides the report follows: a p-value of exactly one
thousandth is written « p = 0,001 » (only smaller ones are « p < 0,001 », as APA style has it);
a missing value is an en dash in every format; one decimal unless a caller asks otherwise.
"""

import math

import pytest

from rlp_pipeline.fmt import format_number, format_p, format_percent

N = "\u202f"  # narrow no-break space
S = "\u00a0"  # no-break space


@pytest.mark.parametrize(("call", "french", "english"), [
    (lambda l: format_p(0.001, l), f"p{S}={S}0,001", f"p{S}={S}0.001"),
    (lambda l: format_p(0.0009999, l), f"p{S}<{S}0,001", f"p{S}<{S}0.001"),
    (lambda l: format_number(2.345678, l), "2,3", "2.3"),
    (lambda l: format_number(-math.inf, l), "−∞", "−∞"),
    (lambda l: format_number(None, l), "–", "–"),
    (lambda l: format_percent(None, l), "–", "–"),
    (lambda l: format_percent(math.nan, l), "–", "–"),
    (lambda l: format_p(None, l), "–", "–"),
    (lambda l: format_p(math.nan, l), "–", "–"),
])
def test_edges_in_both_languages(call, french, english):
    assert call("fr") == french
    assert call("en") == english
