"""Tests of the figures stage, on the derived tables of the shipped (simulated) data.

The analysis stages run once for the module (validation to findings, as the pipeline does) into a
temporary folder, with a small synthetic output of the stability stage beside them
(test_stability_report.write_stability); the figures stage then draws from that folder. Tests check the files (valid
PNGs of the planned size in both languages), ``figures.json`` (captions, alt texts with numbers
written the language's way), the language of every word on the figures, byte-for-byte
reproducibility and the simulated-data note.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from rlp_pipeline.analysis import run_analysis
from rlp_pipeline.codebook import load_codebook
from rlp_pipeline.problems import InputError
from rlp_pipeline.stages.figures import (FIGURES, LANGUAGES, PARTS, STABILITY_RECORD, TABLE_FILES, WORDS, build_figure,
                                         figure_part, format_number, format_percent, part_figures, png_bytes, read_tables,
                                         run_figures)
from rlp_pipeline.stages.figures_index import PART_INDEXES, run_figures_index
from test_agreement_stage import write_agreement
from test_stability_report import write_stability

REPO = Path(__file__).resolve().parents[1]
CODEBOOK = REPO / "data" / "raw" / "codebook.yaml"
SAMPLING = {"fraction": 0.4, "seed": 20180517, "stratify_by": None, "balance_resamples": 1000}
SEED = 20180517

FIGURE_IDS = ["objects", "strategies", "object_strategy", "substrategies", "strategies_per_plan_by_level",
              "diversity_by_level", "strategy_use_by_level", "stability", "reliability"]
# Codebook sections whose labels each figure shows.
SECTIONS = {
    "objects": ["objects"],
    "strategies": ["strategies"],
    "object_strategy": ["objects", "strategies"],
    "substrategies": ["strategies", "substrategies"],
    "strategies_per_plan_by_level": ["mobilisation_levels"],
    "diversity_by_level": ["mobilisation_levels"],
    "strategy_use_by_level": ["strategies", "mobilisation_levels"],
    "stability": ["verdicts"],
    "reliability": [],
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDTH_PX = round(16 / 2.54 * 200)
HEIGHTS_PX = {round(9 / 2.54 * 200), round(11 / 2.54 * 200), round(17 / 2.54 * 200)}
NNBSP = "\u202f"
NOTE = {"fr": "Données simulées", "en": "Simulated data"}
OTHER = {"fr": "en", "en": "fr"}


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("derived")
    run_analysis(CODEBOOK, REPO / "data" / "raw" / "datapackage.yaml", REPO / "config" / "findings.yaml", folder,
                 SAMPLING, SEED)
    write_stability(folder, method="bootstrap", observed={"F05": "trend only"})
    write_agreement(folder)
    return folder


@pytest.fixture(scope="module")
def figures_dir(derived: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("figures")
    run_figures(derived, CODEBOOK, out)
    return out


@pytest.fixture(scope="module")
def manifest(figures_dir: Path) -> list[dict]:
    return json.loads((figures_dir / "figures.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def tables(derived: Path):
    return read_tables(derived)[0]


def figure_texts(fig) -> list[str]:
    """Every text of a figure (tick labels included), with the line breaks of wrapped labels undone."""
    for ax in fig.axes:  # formats the tick labels without drawing the whole figure
        ax.get_xticklabels(), ax.get_yticklabels()
    return [unwrap(t.get_text()) for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def unwrap(text: str) -> str:
    return text.replace("\n", " ")  # not str.split(): it would also split at the narrow no-break space


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def files_below(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------


def test_number_formats_follow_the_language():
    assert format_percent(0.123, "fr") == f"12{NNBSP}%"
    assert format_percent(0.123, "en") == "12%"
    assert format_percent(1.0, "fr") == f"100{NNBSP}%"
    assert format_number(1.25, "fr", 2) == "1,25"
    assert format_number(1.25, "en", 2) == "1.25"
    assert format_number(1234, "fr") == f"1{NNBSP}234"
    assert format_number(1234, "en") == "1,234"
    assert format_percent(float("nan"), "fr") == WORDS["fr"]["not_available"]


def test_every_figure_is_a_png_in_both_languages(figures_dir: Path):
    assert [spec.id for spec in FIGURES] == FIGURE_IDS
    expected = {f"{language}/{figure}.png" for figure in FIGURE_IDS for language in LANGUAGES} | {"figures.json"}
    assert set(files_below(figures_dir)) == expected
    for figure in FIGURE_IDS:
        for language in LANGUAGES:
            path = figures_dir / language / f"{figure}.png"
            assert path.read_bytes().startswith(PNG_SIGNATURE)
            with Image.open(path) as image:
                image.verify()  # a complete, uncorrupted PNG
            with Image.open(path) as image:
                assert image.format == "PNG" and image.info.get("dpi") == pytest.approx((200, 200), abs=0.01)
                width, height = image.size
            assert width == WIDTH_PX and height in HEIGHTS_PX, (path, width, height)


def test_figures_json_describes_every_figure(manifest: list[dict], derived: Path):
    assert [entry["id"] for entry in manifest] == FIGURE_IDS
    for entry in manifest:
        assert entry["files"] == {language: f"{language}/{entry['id']}.png" for language in LANGUAGES}
        for key in ("caption", "alt"):
            assert set(entry[key]) == set(LANGUAGES)
            assert all(isinstance(text, str) and len(text) > 40 for text in entry[key].values()), entry
        assert entry["caption"]["fr"] != entry["caption"]["en"]
        assert entry["sources"] and all(source in TABLE_FILES and (derived / source).is_file()
                                        for source in entry["sources"])
        module, name = entry["function"].rsplit(".", 1)
        # The coding-reliability figure is drawn in its own module (rlp_pipeline.reporting).
        assert module == ("rlp_pipeline.reporting.reliability_figure" if entry["id"] == "reliability"
                          else "rlp_pipeline.stages.figures")
        drawer = getattr(importlib.import_module(module), name)
        assert drawer is next(spec.draw for spec in FIGURES if spec.id == entry["id"])
        assert entry["simulated"] is True


def test_alt_texts_give_the_numbers_the_language_way(manifest: list[dict], tables):
    alts = {entry["id"]: entry["alt"] for entry in manifest}
    for alt in alts.values():
        assert not re.search(r"\d%|\d\.\d", alt["fr"]), alt["fr"]  # « 12 % », « 1,9 »
        assert NNBSP not in alt["en"] and not re.search(r"\d,\d|\d %", alt["en"]), alt["en"]  # "12%", "1.9"
    for figure in ("objects", "strategies", "object_strategy", "substrategies", "strategy_use_by_level"):
        assert re.search(rf"\d{NNBSP}%", alts[figure]["fr"]) and re.search(r"\d%", alts[figure]["en"])
    assert re.search(r"\d,\d", alts["strategies_per_plan_by_level"]["fr"])
    assert re.search(r"\d\.\d", alts["strategies_per_plan_by_level"]["en"])
    # Key numbers come from the tables: every object's share, rounded, in both languages.
    for share in tables["frequencies/objects.csv"]["share"]:
        assert f"{round(100 * share)}{NNBSP}%" in alts["objects"]["fr"]
        assert f"{round(100 * share)}%" in alts["objects"]["en"]
    per_plan = tables["diversity/per_plan.csv"]
    mean = per_plan.loc[per_plan["mobilisation_level"] == 1, "shannon_strategies"].mean()
    assert f"{mean:.2f}".replace(".", ",") in alts["diversity_by_level"]["fr"]
    assert f"{mean:.2f}" in alts["diversity_by_level"]["en"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("spec", FIGURES, ids=[spec.id for spec in FIGURES])
def test_every_word_on_a_figure_is_in_its_language(spec, language: str, tables, codebook):
    fig = spec.draw(tables, codebook, language)
    try:
        texts = figure_texts(fig)
        axis_labels = {unwrap(label) for ax in fig.axes for label in (ax.get_xlabel(), ax.get_ylabel())}
    finally:
        plt.close(fig)
    everything = "\n".join(texts)
    other = OTHER[language]
    for section in SECTIONS[spec.id]:
        for code in codebook.ids(section):
            own, foreign = codebook.label(section, code, language), codebook.label(section, code, other)
            assert own in everything, (own, texts)
            if foreign != own:
                assert foreign not in everything, (foreign, texts)
    generic = set(WORDS[language].values())
    assert axis_labels - {""} and axis_labels - {""} <= generic, axis_labels
    assert not (axis_labels & (set(WORDS[other].values()) - generic))
    if language == "fr":
        assert not any(re.search(r"\d%|\d\.\d", text) for text in texts), texts
    else:
        assert not any(NNBSP in text or re.search(r"\d,\d", text) for text in texts), texts
    if spec.id not in ("strategies_per_plan_by_level", "diversity_by_level", "reliability"):
        assert any(text.endswith(format_percent(1.0, language)) for text in texts)  # a 0-100% axis


def test_same_inputs_give_identical_files(derived: Path, figures_dir: Path, tmp_path: Path):
    run_figures(derived, CODEBOOK, tmp_path / "again")
    assert files_below(tmp_path / "again") == files_below(figures_dir)
    assert not plt.get_fignums()  # every figure was closed


def test_local_matplotlib_settings_do_not_change_the_figures(figures_dir: Path, tables, codebook):
    spec = FIGURES[0]
    with plt.rc_context({"font.family": "serif", "font.size": 20, "lines.linewidth": 5, "axes.facecolor": "yellow"}):
        fig = build_figure(spec, tables, codebook, "fr", simulated=True)
        try:
            content = png_bytes(fig)
        finally:
            plt.close(fig)
    assert content == (figures_dir / spec.file("fr")).read_bytes()


def test_simulated_note_follows_the_sampling_record(derived: Path, figures_dir: Path, tmp_path: Path, tables,
                                                    codebook):
    for language in LANGUAGES:
        for simulated in (True, False):
            fig = build_figure(FIGURES[0], tables, codebook, language, simulated)
            notes = [text.get_text() for text in fig.texts]
            plt.close(fig)
            assert notes == ([NOTE[language]] if simulated else [])

    real = tmp_path / "derived"
    for name in TABLE_FILES + ("sample/sampling_record.json", STABILITY_RECORD):
        (real / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(derived / name, real / name)
    for name in ("sample/sampling_record.json", STABILITY_RECORD):
        record = json.loads((real / name).read_text(encoding="utf-8"))
        record["simulated"] = False
        (real / name).write_text(json.dumps(record), encoding="utf-8")
    run_figures(real, CODEBOOK, tmp_path / "figures")

    entries = json.loads((tmp_path / "figures" / "figures.json").read_text(encoding="utf-8"))
    for entry in entries:
        assert entry["simulated"] is False
        assert all(word not in entry["caption"][language] for language in LANGUAGES for word in NOTE.values())
    # The simulated run differs from this one only by the note, in the bottom right corner.
    for spec in FIGURES:
        for language in LANGUAGES:
            with_note = pixels(figures_dir / spec.file(language))
            without = pixels(tmp_path / "figures" / spec.file(language))
            rows, columns = np.nonzero(np.any(with_note != without, axis=-1))
            assert len(rows), spec.id
            height, width = without.shape[:2]
            assert rows.min() > 0.9 * height and columns.min() > 0.75 * width, spec.id
            assert (without[-5:, -60:] == 255).all()  # the corner is blank without the note


def test_the_two_parts_draw_the_same_files_as_one_run(derived: Path, figures_dir: Path, tmp_path: Path):
    """The workflow draws the sample's figures while the redraws run and the stability figure
    after them, each part with its own index, then joins the indexes (rules/report.smk): together
    the same PNGs and the same figures.json, byte for byte, as one run; the sample's part reads no
    table of the stability stage, and neither part needs the other."""
    sample_only = tmp_path / "derived"
    for name in {source for spec in part_figures("sample") for source in spec.sources} | {"sample/sampling_record.json"}:
        (sample_only / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(derived / name, sample_only / name)
    out = tmp_path / "figures"
    run_figures(derived, CODEBOOK, out, part="stability")  # first: it does not wait for the other part
    run_figures(sample_only, CODEBOOK, out, part="sample")
    assert not (out / "figures.json").exists()
    for part in PARTS:
        index = json.loads((out / PART_INDEXES[part]).read_text(encoding="utf-8"))
        assert [entry["id"] for entry in index["entries"]] == [spec.id for spec in part_figures(part)]
        assert index["figures"] == [spec.id for spec in FIGURES]
    run_figures_index(out)
    assert (out / "figures.json").read_bytes() == (figures_dir / "figures.json").read_bytes()
    for spec in FIGURES:
        for language in LANGUAGES:
            assert (out / spec.file(language)).read_bytes() == (figures_dir / spec.file(language)).read_bytes(), spec.id
    assert {figure_part(spec) for spec in FIGURES} == set(PARTS)


@pytest.fixture(scope="module")
def drawn_parts(derived: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A figures folder holding the two parts' figures and indexes, drawn once."""
    out = tmp_path_factory.mktemp("parts") / "figures"
    for part in PARTS:
        run_figures(derived, CODEBOOK, out, part=part)
    return out


@pytest.fixture()
def parts(drawn_parts: Path, tmp_path: Path) -> Path:
    """A copy of the two parts' folder for one test to damage."""
    return Path(shutil.copytree(drawn_parts, tmp_path / "figures"))


def test_the_index_without_a_part_says_which_command_writes_it(parts: Path):
    (parts / PART_INDEXES["sample"]).unlink()
    with pytest.raises(InputError) as caught:
        run_figures_index(parts)
    message = str(caught.value)
    assert "parts/sample.json" in message and "does not exist" in message and "figures --part sample" in message
    assert not (parts / "figures.json").exists()


@pytest.mark.parametrize("damage", ["not json", "a list", "an unknown id", "a figure twice", "a figure missing",
                                    "other figures"])
def test_a_damaged_part_index_stops_the_index_with_a_message_naming_it(parts: Path, damage: str):
    path = parts / PART_INDEXES["stability"]
    index = json.loads(path.read_text(encoding="utf-8"))
    sample = json.loads((parts / PART_INDEXES["sample"]).read_text(encoding="utf-8"))
    if damage == "not json":
        path.write_text("{ half a file", encoding="utf-8")
    elif damage == "a list":
        path.write_text(json.dumps(index["entries"]), encoding="utf-8")
    elif damage == "an unknown id":
        index["entries"][0]["id"] = "no_such_figure"
        path.write_text(json.dumps(index), encoding="utf-8")
    elif damage == "a figure twice":
        index["entries"].append(sample["entries"][0])
        path.write_text(json.dumps(index), encoding="utf-8")
    elif damage == "a figure missing":
        index["entries"] = []
        path.write_text(json.dumps(index), encoding="utf-8")
    else:
        index["figures"] = index["figures"][::-1]
        path.write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_figures_index(parts)
    message = str(caught.value)
    assert "parts/stability.json" in message and "Nothing was written" in message, message
    expected = {"a figure twice": "listed twice: objects", "a figure missing": "missing: stability",
                "other figures": "the same list of figures"}
    assert expected.get(damage, "figures --part stability") in message, message
    assert not (parts / "figures.json").exists()
