"""The report's sources: valid for the fallback renderer, and the two languages side by side.

Every French block (`::: {.content-visible when-profile="fr"}`) must be followed by its English
block, with the same number of headings and paragraphs, so that a paragraph cannot exist in one
language only. The generated pieces (rlp_pipeline.reporting.document) have every sentence in both languages.
"""

from __future__ import annotations

import re

from conftest import REPO, nested_keys
from rlp_pipeline.reporting.render import check_supported
from rlp_pipeline.reporting.document import TEXT

QMD = REPO / "report" / "index.qmd"
BLOCK = re.compile(r'^::: \{\.content-visible when-profile="(fr|en)"\}\n(.*?)^:::$', re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str, int]]:
    text = QMD.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text[: m.start()].count("\n") + 1) for m in BLOCK.finditer(text)]


def shape(body: str) -> tuple[int, int]:
    """(headings, paragraphs) of a block of Markdown."""
    chunks = [chunk.strip() for chunk in re.split(r"\n\s*\n", body) if chunk.strip()]
    headings = sum(1 for line in body.splitlines() if line.startswith("#"))
    paragraphs = sum(1 for chunk in chunks if not chunk.startswith("#") or "\n" in chunk)
    return headings, paragraphs


def test_the_report_uses_only_features_the_fallback_renderer_supports():
    assert check_supported(QMD.read_text(encoding="utf-8")) == []


def test_every_french_block_has_its_english_twin_with_the_same_shape():
    found = blocks()
    assert found, "the report has language blocks"
    assert len(found) % 2 == 0
    for (first, french, line), (second, english, _) in zip(found[::2], found[1::2]):
        assert (first, second) == ("fr", "en"), f"index.qmd line {line}: a French block must be followed by its English one"
        assert shape(french) == shape(english), f"index.qmd line {line}: the French and English blocks differ in shape"


def test_no_prose_outside_language_blocks():
    text = BLOCK.sub("", QMD.read_text(encoding="utf-8"))
    text = re.sub(r"^```\{python\}.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"^---\n.*?^---$", "", text, count=1, flags=re.MULTILINE | re.DOTALL)
    assert text.strip() == "", f"text outside the language blocks: {text.strip()[:200]!r}"


def test_generated_sentences_exist_in_both_languages():
    assert nested_keys(TEXT["fr"]) == nested_keys(TEXT["en"])


def test_the_workflow_expects_exactly_the_figures_the_figures_stage_draws():
    import ast

    from rlp_pipeline.stages.figures import FIGURES, part_figures

    source = (REPO / "rules" / "common.smk").read_text(encoding="utf-8")
    listed = {name: ast.literal_eval(source.split(f"\n{name} = ", 1)[1].split("]", 1)[0] + "]")
              for name in ("SAMPLE_FIGURES", "STABILITY_FIGURES")}
    assert listed["SAMPLE_FIGURES"] == [spec.id for spec in part_figures("sample")]
    assert listed["STABILITY_FIGURES"] == [spec.id for spec in part_figures("stability")]
    assert sorted(listed["SAMPLE_FIGURES"] + listed["STABILITY_FIGURES"]) == sorted(spec.id for spec in FIGURES)
