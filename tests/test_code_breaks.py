"""Long code in a table breaks only where a reader expects it (rlp_pipeline.reporting.code_breaks):
after / _ . and every 16 digits of a checksum, with <wbr> elements that leave the text unchanged."""

from __future__ import annotations

import re

from rlp_pipeline.reporting.code_breaks import code_breaks, table_code_breaks

CHECKSUM = "f21c12c4be707394c559102180f7b9440699fe6eb67ffd80ef7a480fab02aa65"


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_paths_ids_and_checksums_break_at_their_separators_only():
    html = (f'<td><code>data/derived/frequencies/strategy_status.csv</code> <code>institutionalisation</code> '
            f'<code class="x">{CHECKSUM}</code> <code>zzzzzzzzzzzzzzzzzzzzzzz&amp;b_c.</code> <code>kappa_low</code> '
            f'<code>inst_strategic_choices</code> <code>rlp_pipeline.stages.figures.draw_strategies</code></td>')
    out = code_breaks(html)
    assert "<code>data/<wbr>derived/<wbr>frequencies/<wbr>strategy_<wbr>status.csv</code>" in out  # not before .csv
    assert "<code>institutionalisation</code>" in out  # a word without separator stays whole
    assert "<code>kappa_low</code>" in out  # a short id stays whole
    assert "<code>inst_<wbr>strategic_<wbr>choices</code>" in out
    assert "<code>rlp_<wbr>pipeline.<wbr>stages.<wbr>figures.<wbr>draw_<wbr>strategies</code>" in out
    assert f'<code class="x">{"<wbr>".join(CHECKSUM[i:i + 16] for i in range(0, 64, 16))}</code>' in out
    assert "<code>zzzzzzzzzzzzzzzzzzzzzzz&amp;b_c.</code>" in out  # entities whole, no break near the end
    assert text_of(out) == text_of(html)  # a copied path or checksum stays exact


def test_only_code_inside_tables_is_changed_in_a_document():
    long = "data/derived/sample/balance.csv"
    html = f"<p><code>{long}</code></p><table><tr><td><code>{long}</code></td></tr></table><pre><code>{long}</code></pre>"
    assert table_code_breaks(html) == html.replace(f"<td><code>{long}", "<td><code>data/<wbr>derived/<wbr>sample/<wbr>balance.csv")
