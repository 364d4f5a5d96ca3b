"""The coding-reliability figure: Krippendorff's alpha per code dimension, with its interval.

Drawn from ``agreement/dimensions.csv`` (the agreement stage): one row per code dimension, a
filled dot for the plan unit (the unit the findings count) and an open square for the passage
unit, each with its 95% bootstrap interval, and the two thresholds of Krippendorff (2004) as
vertical lines. Registered in :data:`rlp_pipeline.stages.figures.FIGURES`; its words live here, in
both languages.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..codebook import Codebook
from ..fmt import format_number
from .dimensions import DIMENSION_LABELS, DIMENSION_ORDER

AGREEMENT_DIMENSIONS = "agreement/dimensions.csv"
NNBSP = "\u202f"

WORDS = {
    "fr": {
        "alpha_axis": "Alpha de Krippendorff (nominal)",
        "dimension_axis": "Dimension du codage",
        "unit_plan": "Usage des codes par plan (unité des constats)",
        "unit_passage": "Usage des codes par passage apparié",
        "threshold_reliable": "fiable (α ≥ {value})",
        "threshold_tentative": "provisoire (α ≥ {value})",
        "not_assessed_figure": "Non évalué : aucun plan n'a été codé par deux personnes",
    },
    "en": {
        "alpha_axis": "Krippendorff's alpha (nominal)",
        "dimension_axis": "Coding dimension",
        "unit_plan": "Use of the codes per plan (the findings' unit)",
        "unit_passage": "Use of the codes per matched passage",
        "threshold_reliable": "reliable (α ≥ {value})",
        "threshold_tentative": "tentative (α ≥ {value})",
        "not_assessed_figure": "Not assessed: no plan was coded by two people",
    },
}
CAPTION = {
    "fr": "Accord entre codeurs indépendants sur les plans codés deux fois : alpha de Krippendorff (nominal) "
          f"par dimension du codage, avec son intervalle bootstrap à 95{NNBSP}% (rééchantillonnage des plans). "
          "Lignes verticales : seuils de fiabilité de Krippendorff (2004).",
    "en": "Agreement between independent coders on the double-coded plans: Krippendorff's alpha (nominal) per "
          "coding dimension, with its 95% bootstrap interval (plans resampled). Vertical lines: Krippendorff's "
          "(2004) reliability thresholds.",
}
ALT = {
    "fr": "Diagramme en points de l'alpha de Krippendorff de chaque dimension du codage, par plan et par passage, "
          f"avec intervalles à 95{NNBSP}% et les seuils de fiabilité. {{items}}.",
    "en": "Dot plot of Krippendorff's alpha of each coding dimension, per plan and per passage, with 95% intervals "
          "and the reliability thresholds. {items}.",
}
UNIT_STYLE = {"plan": {"marker": "o", "offset": -0.14, "fill": True}, "passage": {"marker": "s", "offset": 0.14, "fill": False}}


def thresholds(table: pd.DataFrame) -> tuple[float, float] | None:
    """(reliable, tentative): the thresholds the agreement stage used (its settings), or None
    when it compared nothing."""
    if table.empty:
        return None
    return float(table["reliable_from"].iloc[0]), float(table["tentative_from"].iloc[0])


def draw_reliability_on(fig: Figure, table: pd.DataFrame, language: str, colour: str, note_colour: str) -> Figure:
    """Draw the figure on `fig` (the figures stage supplies its style, size and colours)."""
    words, labels = WORDS[language], DIMENSION_LABELS[language]
    ax = fig.add_subplot()
    dimensions = [d for d in DIMENSION_ORDER]
    y = np.arange(len(dimensions))[::-1]
    ax.set_yticks(y, [labels[d] for d in dimensions])
    ax.set_ylabel(words["dimension_axis"])
    ax.set_xlabel(words["alpha_axis"])
    low_limit = 0.0
    if table.empty:
        ax.text(0.5, 0.5, words["not_assessed_figure"], ha="center", va="center", transform=ax.transAxes, color=note_colour)
    for unit, style in UNIT_STYLE.items():
        rows = table[table["unit"] == unit].set_index("dimension")
        present = [d for d in dimensions if d in rows.index and math.isfinite(float(rows.loc[d, "alpha"]))]
        if not present:
            continue
        positions = np.array([y[dimensions.index(d)] + style["offset"] for d in present])
        alpha = rows.loc[present, "alpha"].astype(float).to_numpy()
        low = rows.loc[present, "alpha_low"].astype(float).to_numpy()
        high = rows.loc[present, "alpha_high"].astype(float).to_numpy()
        low_limit = min(low_limit, float(np.nanmin(low)))
        ax.errorbar(alpha, positions, xerr=[alpha - np.nan_to_num(low, nan=alpha), np.nan_to_num(high, nan=alpha) - alpha],
                    fmt=style["marker"], color=colour, markerfacecolor=colour if style["fill"] else "white",
                    markersize=4.5, capsize=2, linewidth=0.8, label=words[f"unit_{unit}"], zorder=3)
    limits = thresholds(table)
    # The two labels sit on either side of their lines, so they never overlap.
    for value, key, dash, side in () if limits is None else ((limits[1], "threshold_tentative", (4, 3), "right"),
                                                             (limits[0], "threshold_reliable", (1, 2), "left")):
        ax.axvline(value, color=note_colour, linewidth=0.8, dashes=dash, zorder=1)
        ax.text(value, 1.01, f" {words[key].format(value=format_number(value, language, 3))} ",
                transform=ax.get_xaxis_transform(), ha=side, va="bottom", fontsize=6, color=note_colour)
    ax.set_xlim(min(0.0, math.floor(low_limit * 10) / 10), 1.0)
    ax.xaxis.set_major_formatter(lambda value, _: format_number(value, language, 1))
    ax.set_ylim(-0.6, len(dimensions) - 0.4)
    ax.grid(axis="x", color="0.88", linewidth=0.5, zorder=0)
    if not table.empty:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, frameon=False)
    return fig


def alt_reliability_text(table: pd.DataFrame, language: str) -> str:
    """Alt text: each dimension's alpha per unit with its interval, or « not assessed »."""
    if table.empty:
        return ALT[language].format(items=WORDS[language]["not_assessed_figure"])
    items = []
    for unit in ("plan", "passage"):
        rows = table[table["unit"] == unit].set_index("dimension")
        cells = []
        for dimension in DIMENSION_ORDER:
            if dimension not in rows.index:
                continue
            row = rows.loc[dimension]
            value = " ".join([format_number(float(row["alpha"]), language, 2),
                              f"({format_number(float(row['alpha_low']), language, 2)} – "
                              f"{format_number(float(row['alpha_high']), language, 2)})"])
            cells.append(f"{DIMENSION_LABELS[language][dimension].lower()} {value}")
        if cells:
            items.append(f"{WORDS[language][f'unit_{unit}']}{NNBSP if language == 'fr' else ''}: " + ", ".join(cells))
    return ALT[language].format(items=". ".join(items))


def reliability_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The agreement stage's dimensions table from the figures stage's tables."""
    return tables[AGREEMENT_DIMENSIONS]


def draw_reliability(tables: Mapping[str, pd.DataFrame], codebook: Codebook, language: str) -> Figure:
    """The coding-reliability figure in one language (registered in the figures stage)."""
    from ..stages import figures  # the figures stage's size, style and colours

    @figures._styled
    def draw() -> Figure:
        fig = figures._new_figure(figures.SIZE_WIDE)
        return draw_reliability_on(fig, reliability_table(tables), language, figures.BAR_COLOUR, figures.NOTE_COLOUR)

    return draw()


def alt_reliability(tables: Mapping[str, pd.DataFrame], codebook: Codebook, language: str) -> str:
    """Alt text of the coding-reliability figure."""
    return alt_reliability_text(reliability_table(tables), language)
