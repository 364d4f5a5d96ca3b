"""The figures stage: one PNG per figure and language, and ``figures.json`` describing them.

Every figure is drawn from the tidy tables of ``data/derived`` only (the frequencies and
diversity stages, the stability stage with the findings' short statements, and the sampling and
stability records for N, n, the redraws and the ``simulated`` flag), in French and in English.
Each figure has:

* one drawing function ``draw_<id>(tables, codebook, language) -> Figure``, which draws it in one
  language (every word on it in that language; labels of codes from the codebook, generic axis
  words from :data:`WORDS`, numbers formatted by :func:`format_number` and
  :func:`format_percent`: « 12,5 % » in French, "12.5%" in English);
* one pure function ``alt_<id>(tables, codebook, language) -> str`` writing its alternative text,
  with the key numbers, from the same tables;
* a caption (:data:`CAPTIONS`) naming what is shown, the sample sizes and the intervals.

``figures.json`` lists, for every figure, its id, its file per language (relative to the output
folder), its caption and alt text per language, the tables it was drawn from (relative to the
derived folder) and the function that drew it.

Output is byte-for-byte reproducible: the Agg backend, matplotlib's default style with a fixed
font (DejaVu Sans, shipped with matplotlib) whatever the local matplotlibrc says, no software
name or date in the PNG metadata, and no randomness (points of the strip plots are spread by a
deterministic rule, not jittered).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # non-interactive: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator  # noqa: E402

from .. import fmt
from ..codebook import Codebook, load_codebook  # noqa: E402
from ..io.outputs import json_bytes, write_outputs  # noqa: E402
from ..problems import InputError, Problem, display_path  # noqa: E402
from ..reporting import reliability_figure  # noqa: E402
from .figures_index import INDEX, PART_INDEXES, part_index  # noqa: E402

LOGGER = logging.getLogger("rlp_pipeline.stages.figures")

LANGUAGES = ("fr", "en")
DPI = 200


def _inches(cm: float) -> float:
    """A length in cm as inches, rounded to a whole number of pixels at :data:`DPI`."""
    return round(cm / 2.54 * DPI) / DPI


SIZE_WIDE = (_inches(16), _inches(9))  # 1260 x 709 px
SIZE_TALL = (_inches(16), _inches(11))  # 1260 x 866 px
SIZE_FINDINGS = (_inches(16), _inches(17))  # 1260 x 1339 px: one row per finding (19 rows)

# The derived tables the figures read, relative to the derived folder.
OBJECTS = "frequencies/objects.csv"
STRATEGIES = "frequencies/strategies.csv"
SUBSTRATEGIES = "frequencies/substrategies.csv"
OBJECT_STRATEGY = "frequencies/object_strategy.csv"
BY_LEVEL = "frequencies/by_level.csv"
PER_PLAN = "diversity/per_plan.csv"
FINDINGS = "findings/findings.csv"
STABILITY = "stability/stability.csv"
RECORD = "sample/sampling_record.json"
STABILITY_RECORD = "stability/stability_record.json"
TABLE_FILES = (OBJECTS, STRATEGIES, SUBSTRATEGIES, OBJECT_STRATEGY, BY_LEVEL, PER_PLAN, FINDINGS, STABILITY,
               reliability_figure.AGREEMENT_DIMENSIONS)

Tables = Mapping[str, pd.DataFrame]

# Okabe-Ito palette: M. Okabe and K. Ito (2008), « Color Universal Design (CUD): how to make
# figures and presentations that are friendly to colorblind people », https://jfly.uni-koeln.de/color/
# Its colours stay distinguishable under the common colour-vision deficiencies. Colour never
# carries meaning alone here: levels also differ by marker shape and position, and heatmap cells
# are annotated with their percentage.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
BAR_COLOUR = OKABE_ITO["blue"]
LEVEL_COLOURS = (OKABE_ITO["orange"], OKABE_ITO["sky_blue"], OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"])
LEVEL_MARKERS = ("o", "s", "^", "P")  # not "D": the diamond marks means
HEATMAP = LinearSegmentedColormap.from_list("okabe_ito_blue", ["#FFFFFF", OKABE_ITO["blue"]])
GRID_COLOUR = "0.88"
NOTE_COLOUR = "0.45"
# Verdicts, in codebook order, with the colours of the report's badges (report/style.css: the
# badges' border colours; "not testable" is a neutral grey there too). Each verdict also has its
# own hatching, so the stacked bars of the stability figure do not rely on colour alone.
VERDICT_COLOURS = {"reproduced": OKABE_ITO["bluish_green"], "partly reproduced": OKABE_ITO["sky_blue"],
                   "trend only": OKABE_ITO["orange"], "not reproduced": OKABE_ITO["vermillion"],
                   "not testable": "#777777", "observed": OKABE_ITO["blue"]}
VERDICT_HATCHES = {"reproduced": "", "partly reproduced": "\\\\", "trend only": "////", "not reproduced": "xxx",
                   "not testable": "....", "observed": "oo"}

# matplotlib's default style plus these settings, whatever the local matplotlibrc says.
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "legend.title_fontsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "text.parse_math": False,  # a "$" in a label stays a dollar sign
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "rlp_pipeline",
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
}

# The few generic words of the figures, by language. Labels of codes come from the codebook.
NNBSP = "\u202f"  # narrow no-break space, before « % » and « ; » in French
WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "share_of_plans": "Part des plans analysés",
        "share_within_object": "Part des plans qui visent l'objet",
        "share_within_strategy": "Part des plans qui utilisent la stratégie",
        "share_of_level": "Part des plans du niveau",
        "object": "Objet de pérennité",
        "strategy": "Stratégie de pérennisation",
        "strategy_by_complexity": "Stratégie (de la plus simple à la plus complexe)",
        "level": "Niveau de mobilisation (échelle d'Himmelman)",
        "n_strategies": "Nombre de stratégies distinctes du plan",
        "shannon": "Diversité des stratégies du plan (indice de Shannon)",
        "one_plan": "Un point = un plan",
        "mean": "Moyenne",
        "simulated": "Données simulées",
        "no_plan": "aucun plan",
        "not_available": "n. d.",
        "share_of_redraws": "Part des échantillons alternatifs",
        "observed": "Verdict de l'échantillon réel (contour)",
        "monte_carlo": f"Intervalle de Monte Carlo à 95{NNBSP}% de la part «\u00a0{{reproduced}}\u00a0»",
        "not_assessed": "Non évalué",
    },
    "en": {
        "share_of_plans": "Share of analysed plans",
        "share_within_object": "Share of the plans aiming at the object",
        "share_within_strategy": "Share of the plans using the strategy",
        "share_of_level": "Share of the level's plans",
        "object": "Object of sustainability",
        "strategy": "Sustainability strategy",
        "strategy_by_complexity": "Strategy (from simplest to most complex)",
        "level": "Mobilisation level (Himmelman's scale)",
        "n_strategies": "Number of distinct strategies of the plan",
        "shannon": "Diversity of the plan's strategies (Shannon index)",
        "one_plan": "One point = one plan",
        "mean": "Mean",
        "simulated": "Simulated data",
        "no_plan": "no plan",
        "not_available": "n/a",
        "share_of_redraws": "Share of the alternative samples",
        "observed": "Verdict of the actual sample (outline)",
        "monte_carlo": "95% Monte Carlo interval of the share {reproduced}",
        "not_assessed": "Not assessed",
    },
}

# Captions, by language and figure: {sample} is the sentence on the sample (SAMPLE below).
CAPTIONS: dict[str, dict[str, str]] = {
    "fr": {
        "objects": "Part des plans analysés qui visent chaque objet de pérennité ({sample}). Barres d'erreur : "
                   f"intervalles de confiance de Wilson à 95{NNBSP}%, avec correction pour population finie.",
        "strategies": "Part des plans analysés qui utilisent chaque stratégie de pérennisation, de la plus simple "
                      "à la plus complexe ({sample}). Barres d'erreur : intervalles de confiance de Wilson à "
                      f"95{NNBSP}%, avec correction pour population finie.",
        "object_strategy": "Pour chaque objet de pérennité, part des plans qui le visent qui utilisent chaque "
                           "stratégie pour cet objet, dans un même passage codé ({sample}).",
        "substrategies": "Pour chaque stratégie, part des plans qui l'utilisent qui mobilisent chacune de ses "
                         "sous-stratégies ; n = plans qui utilisent la stratégie ({sample}). Barres d'erreur : "
                         f"intervalles de confiance de Wilson à 95{NNBSP}%, avec correction pour population finie.",
        "strategies_per_plan_by_level": "Nombre de stratégies distinctes de chaque plan selon son niveau de "
                                        "mobilisation ; un point par plan, losange : moyenne du niveau ({sample}).",
        "diversity_by_level": "Diversité des stratégies de chaque plan (indice de Shannon sur ses passages codés) "
                              "selon son niveau de mobilisation ; un point par plan, losange : moyenne du niveau "
                              "({sample}).",
        "strategy_use_by_level": "Part des plans de chaque niveau de mobilisation qui utilisent chaque stratégie, "
                                 "de la plus simple à la plus complexe ({sample}). Barres d'erreur : intervalles "
                                 f"de confiance de Wilson à 95{NNBSP}%, sans correction pour population finie.",
        "stability": "Pour chaque constat, répartition des verdicts que le pipeline atteint sur {redraws} "
                     "échantillons alternatifs {design}. Échantillon réel : {sample}. Contour noir : verdict de "
                     "l'échantillon réel ; à droite : part des échantillons où le constat est reproduit ; barre "
                     f"d'erreur : son intervalle de Wilson à 95{NNBSP}% (incertitude de Monte Carlo due au nombre "
                     "de tirages).",
    },
    "en": {
        "objects": "Share of the analysed plans aiming at each object of sustainability ({sample}). Error bars: "
                   "95% Wilson confidence intervals with finite population correction.",
        "strategies": "Share of the analysed plans using each sustainability strategy, from simplest to most "
                      "complex ({sample}). Error bars: 95% Wilson confidence intervals with finite population "
                      "correction.",
        "object_strategy": "For each object of sustainability, share of the plans aiming at it that use each "
                           "strategy for it, in the same coded passage ({sample}).",
        "substrategies": "For each strategy, share of the plans using it that draw on each of its sub-strategies; "
                         "n = plans using the strategy ({sample}). Error bars: 95% Wilson confidence intervals "
                         "with finite population correction.",
        "strategies_per_plan_by_level": "Number of distinct strategies of each plan by its mobilisation level; "
                                        "one point per plan, diamond: mean of the level ({sample}).",
        "diversity_by_level": "Diversity of each plan's strategies (Shannon index of its coded passages) by its "
                              "mobilisation level; one point per plan, diamond: mean of the level ({sample}).",
        "strategy_use_by_level": "Share of the plans of each mobilisation level using each strategy, from simplest "
                                 "to most complex ({sample}). Error bars: 95% Wilson confidence intervals without "
                                 "finite population correction.",
        "stability": "For each finding, distribution of the verdicts the pipeline reaches on {redraws} alternative "
                     "samples {design}. Actual sample: {sample}. Black outline: verdict of the actual sample; on "
                     "the right: share of the samples in which the finding is reproduced; error bar: its 95% Wilson "
                     "interval (Monte Carlo uncertainty from the number of redraws).",
    },
}
SAMPLE = {
    "fr": "{analysed} plans analysés ; échantillon aléatoire de n = {n} plans parmi les N = {N} plans déposés",
    "en": "{analysed} analysed plans; random sample of n = {n} of the N = {N} deposited plans",
}
SIMULATED_CAPTION = {"fr": "Données simulées.", "en": "Simulated data."}
# How the alternative samples of the stability stage were drawn, by its `method`.
DESIGN = {
    "fr": {"redraw": "tirés du cadre comme l'échantillon réel",
           "bootstrap": "de même taille tirés avec remise dans l'échantillon réel (bootstrap)"},
    "en": {"redraw": "redrawn from the frame as the actual sample was",
           "bootstrap": "of the same size drawn with replacement from the actual sample (bootstrap)"},
}

# Alternative texts: the template of each figure by language; {items} lists the key numbers.
ALT: dict[str, dict[str, str]] = {
    "fr": {
        "objects": "Diagramme en barres horizontales de la part des {n} plans analysés qui visent chaque objet de "
                   f"pérennité, avec son intervalle de confiance à 95{NNBSP}%\u00a0: {{items}}.",
        "strategies": "Diagramme en barres horizontales de la part des {n} plans analysés qui utilisent chaque "
                      "stratégie, de la plus simple à la plus complexe, avec son intervalle de confiance à "
                      f"95{NNBSP}%\u00a0: {{items}}.",
        "object_strategy": "Carte de chaleur de la part des plans visant chaque objet qui utilisent chaque "
                           "stratégie pour cet objet. {items}.",
        "substrategies": "Diagrammes en barres horizontales, un par stratégie, de la part des plans utilisant la "
                         "stratégie qui mobilisent chacune de ses sous-stratégies, avec intervalles de confiance "
                         f"à 95{NNBSP}%. {{items}}.",
        "strategies_per_plan_by_level": "Diagramme en points du nombre de stratégies distinctes de chaque plan "
                                        "selon le niveau de mobilisation, moyenne marquée d'un losange\u00a0: "
                                        "{items}.",
        "diversity_by_level": "Diagramme en points de l'indice de Shannon de diversité des stratégies de chaque "
                              "plan selon le niveau de mobilisation, moyenne marquée d'un losange\u00a0: {items}.",
        "strategy_use_by_level": "Diagramme en points de la part des plans de chaque niveau de mobilisation qui "
                                 f"utilisent chaque stratégie, avec intervalles de confiance à 95{NNBSP}% "
                                 "({levels}). {items}.",
        "stability": f"Barres horizontales empilées à 100{NNBSP}%, une par constat, de la répartition des verdicts "
                     "sur {redraws} échantillons alternatifs {design}, le verdict de l'échantillon réel entouré. "
                     "Part des échantillons où le constat est reproduit\u00a0: {items}.",
    },
    "en": {
        "objects": "Horizontal bar chart of the share of the {n} analysed plans aiming at each object of "
                   "sustainability, with its 95% confidence interval: {items}.",
        "strategies": "Horizontal bar chart of the share of the {n} analysed plans using each strategy, from "
                      "simplest to most complex, with its 95% confidence interval: {items}.",
        "object_strategy": "Heat map of the share of the plans aiming at each object that use each strategy for "
                           "it. {items}.",
        "substrategies": "Horizontal bar charts, one per strategy, of the share of the plans using the strategy "
                         "that draw on each of its sub-strategies, with 95% confidence intervals. {items}.",
        "strategies_per_plan_by_level": "Dot plot of the number of distinct strategies of each plan by "
                                        "mobilisation level, with the mean marked by a diamond: {items}.",
        "diversity_by_level": "Dot plot of the Shannon diversity index of each plan's strategies by mobilisation "
                              "level, with the mean marked by a diamond: {items}.",
        "strategy_use_by_level": "Dot plot of the share of the plans of each mobilisation level using each "
                                 "strategy, with 95% confidence intervals ({levels}). {items}.",
        "stability": "100% stacked horizontal bars, one per finding, of the distribution of the verdicts on "
                     "{redraws} alternative samples {design}, the verdict of the actual sample outlined. Share "
                     "of the samples in which the finding is reproduced: {items}.",
    },
}
# Small connecting words of the alt texts.
PHRASES = {
    "fr": {"interval": "{low} à {high}", "plans": "{n} plans", "mean": "moyenne {mean}",
           "range": "de {low} à {high}", "list": ", ", "groups": f"{NNBSP}; ", "colon": "\u00a0: ",
           "actual": "échantillon réel\u00a0: {verdict}"},
    "en": {"interval": "{low} to {high}", "plans": "{n} plans", "mean": "mean {mean}",
           "range": "from {low} to {high}", "list": ", ", "groups": "; ", "colon": ": ",
           "actual": "actual sample: {verdict}"},
}


# --------------------------------------------------------------------------------------------
# Numbers and words in the figure's language
# --------------------------------------------------------------------------------------------


def format_number(value: float, language: str, decimals: int = 0) -> str:
    """A number as the language writes it (see rlp_pipeline.fmt), or the language's "n/a"."""
    if value is None or not math.isfinite(value):
        return WORDS[language]["not_available"]
    return fmt.format_number(value, language, decimals)


def format_percent(share: float, language: str, decimals: int = 0) -> str:
    """A proportion (0-1) as a percentage in the language's style (see rlp_pipeline.fmt)."""
    if share is None or not math.isfinite(share):
        return WORDS[language]["not_available"]
    return fmt.format_percent(share, language, decimals)


def _lower_first(label: str) -> str:
    """A label inside a sentence: first letter in lower case, unless it starts an acronym."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _wrap(label: str, width: int) -> str:
    return textwrap.fill(label, width=width, break_long_words=False, break_on_hyphens=False)


def _percent_axis(axis: Any, language: str) -> None:
    """A 0-100% axis with ticks every 20%, labelled in the figure's language."""
    axis.set_major_locator(MultipleLocator(0.2))
    axis.set_major_formatter(FuncFormatter(lambda value, _: format_percent(value, language)))
    if axis.axis_name == "x":
        axis.axes.set_xlim(0, 1)
    else:
        axis.axes.set_ylim(0, 1)


def _decimal_axis(axis: Any, language: str, decimals: int) -> None:
    axis.set_major_formatter(FuncFormatter(lambda value, _: format_number(value, language, decimals)))


def _level_label(codebook: Codebook, level: Any, language: str) -> str:
    return f"{level} \u2013 {codebook.label('mobilisation_levels', level, language)}"


# --------------------------------------------------------------------------------------------
# Tables in codebook order
# --------------------------------------------------------------------------------------------


def _rows(table: pd.DataFrame, keys: Sequence[str], values: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The rows of `table` whose `keys` columns take each tuple of `values`, in that order."""
    index = pd.MultiIndex.from_frame(table[list(keys)].astype(str))
    wanted = pd.MultiIndex.from_tuples([tuple(str(v) for v in value) for value in values])
    positions = index.get_indexer(wanted)
    if (positions < 0).any():
        missing = [value for value, position in zip(values, positions) if position < 0]
        raise KeyError(f"no row for {missing} in a table with columns {list(keys)}")
    return table.iloc[positions].reset_index(drop=True)


def _strategies_by_complexity(codebook: Codebook) -> list[str]:
    return sorted(codebook.ids("strategies"), key=codebook.complexity_rank)


def _level_rows(tables: Tables, codebook: Codebook, strategy: str) -> pd.DataFrame:
    """Rows of by_level.csv for one strategy, one per mobilisation level in codebook order."""
    by_level = tables[BY_LEVEL]
    levels = codebook.ids("mobilisation_levels")
    return _rows(by_level, ("grouping", "variable_type", "code", "group_value"),
                 [("level", "strategy", strategy, level) for level in levels])


def _level_values(tables: Tables, codebook: Codebook, column: str) -> list[np.ndarray]:
    """Per-plan values of a measure, one array per mobilisation level (codebook order), NaN dropped."""
    per_plan = tables[PER_PLAN]
    values = []
    for level in codebook.ids("mobilisation_levels"):
        chosen = per_plan.loc[per_plan["mobilisation_level"].astype(str) == str(level), column]
        values.append(chosen.astype(float).dropna().to_numpy())
    return values


def _flag(value: Any) -> bool:
    """A True/False cell of a CSV file as a boolean, whether pandas parsed it or left it as text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() in ("true", "1", "yes")


def _stability_rows(tables: Tables) -> pd.DataFrame:
    """stability.csv in its own order (the registry's), with `assessed` as booleans and each
    finding's short statements (``short_fr``, ``short_en``) taken from findings.csv."""
    table = tables[STABILITY].reset_index(drop=True).copy()
    table["assessed"] = [_flag(value) for value in table["assessed"]]
    short = _rows(tables[FINDINGS], ("id",), [(finding,) for finding in table["finding"]])
    for column in ("short_fr", "short_en"):
        table[column] = short[column].to_numpy()
    return table


def _verdict_shares(table: pd.DataFrame, verdicts: Sequence[str]) -> np.ndarray:
    """Share of the redraws reaching each verdict (rows: findings; columns: `verdicts`), from
    the count columns of stability.csv (``trend only`` -> ``trend_only``); 0 where not assessed."""
    counts = np.array([[float(row[v.replace(" ", "_")]) if row["assessed"] else 0.0 for v in verdicts]
                       for _, row in table.iterrows()]).reshape(len(table), len(verdicts))
    redraws = table["redraws"].to_numpy(dtype=float)
    return np.where(table["assessed"].to_numpy()[:, None], counts / np.where(redraws > 0, redraws, 1)[:, None], 0.0)


def _stability_design(table: pd.DataFrame) -> tuple[str, int]:
    """The method ("redraw" or "bootstrap") and number of redraws R of the stability stage."""
    methods = sorted(set(table["method"].astype(str)))
    if len(methods) != 1:
        raise ValueError(f"stability.csv mixes methods: {methods}")
    return methods[0], int(table["redraws"].dropna().astype(float).max())


# --------------------------------------------------------------------------------------------
# Drawing helpers
# --------------------------------------------------------------------------------------------


def _styled(draw: Callable[..., Any]) -> Callable[..., Any]:
    """Draw under the fixed style, whatever the local matplotlib settings (matplotlibrc)."""
    @functools.wraps(draw)
    def styled(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.style.context(["default", STYLE]):
            return draw(*args, **kwargs)
    return styled


def _new_figure(size: tuple[float, float]) -> Figure:
    return plt.figure(figsize=size, layout="constrained")


def _share_bars(ax: Any, labels: Sequence[str], table: pd.DataFrame, share: str, language: str, wrap: int,
                bar_height: float = 0.62) -> None:
    """Horizontal bars of a share (first row on top) with its 95% interval and its value."""
    values = table[share].to_numpy(dtype=float)
    low, high = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    y = np.arange(len(values))
    ax.barh(y, np.nan_to_num(values), height=bar_height, color=BAR_COLOUR, zorder=2)
    errors = np.nan_to_num(np.vstack([values - low, high - values]))
    ax.errorbar(np.nan_to_num(values), y, xerr=errors, fmt="none", ecolor="black", elinewidth=0.7, capsize=2,
                capthick=0.7, zorder=3)
    for position, value, upper in zip(y, values, np.nan_to_num(high)):
        ax.text(upper + 0.015, position, format_percent(value, language), va="center", ha="left")
    ax.set_yticks(y, [_wrap(label, wrap) for label in labels])
    ax.set_ylim(len(values) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    _percent_axis(ax.xaxis, language)
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.5)
    ax.set_axisbelow(True)


def _spread(values: np.ndarray, y_gap: float, step: float) -> np.ndarray:
    """Horizontal offsets for the points of a strip plot, so that no two points closer than
    `y_gap` vertically sit closer than `step` horizontally: a deterministic beeswarm (each point,
    from the smallest value, takes the free slot nearest the centre: 0, +step, -step, +2 step...),
    so the figures need no random jitter."""
    offsets = np.zeros(len(values))
    placed: list[int] = []
    candidates = [0.0] + [sign * k * step for k in range(1, len(values) + 1) for sign in (1, -1)]
    for index in np.argsort(values, kind="stable"):
        near = [offsets[other] for other in placed if abs(values[other] - values[index]) < y_gap]
        offsets[index] = next(c for c in candidates if all(abs(c - o) >= step * 0.999 for o in near))
        placed.append(index)
    return offsets


def _strip_by_level(tables: Tables, codebook: Codebook, language: str, column: str, decimals: int,
                    y_gap: float) -> tuple[Figure, Any]:
    """One column of points per mobilisation level (one point per plan), the mean as a diamond."""
    words = WORDS[language]
    levels = codebook.ids("mobilisation_levels")
    per_level = _level_values(tables, codebook, column)
    fig = _new_figure(SIZE_WIDE)
    ax = fig.add_subplot()
    for x, values in enumerate(per_level):
        colour, marker = LEVEL_COLOURS[x % len(LEVEL_COLOURS)], LEVEL_MARKERS[x % len(LEVEL_MARKERS)]
        ax.plot(x - 0.08 + _spread(values, y_gap, 0.045), values, linestyle="none", marker=marker,
                markersize=4, markerfacecolor=colour, markeredgecolor="black", markeredgewidth=0.3, zorder=2)
        if len(values):  # the mean beside the points, not over them
            mean = float(values.mean())
            ax.plot([x + 0.32], [mean], linestyle="none", marker="D", markersize=5.5, markerfacecolor="white",
                    markeredgecolor="black", markeredgewidth=1, zorder=4)
            ax.annotate(format_number(mean, language, decimals), (x + 0.32, mean), xytext=(5, 0),
                        textcoords="offset points", va="center", ha="left", fontweight="bold", zorder=5)
    ticks = [f"{_level_label(codebook, level, language)}\nn = {format_number(len(values), language)}"
             for level, values in zip(levels, per_level)]
    ax.set_xticks(range(len(levels)), ticks)
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_xlabel(words["level"])
    ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.5)
    ax.set_axisbelow(True)
    handles = [Line2D([], [], linestyle="none", marker="o", markersize=4, markerfacecolor="0.6",
                      markeredgecolor="black", markeredgewidth=0.3, label=words["one_plan"]),
               Line2D([], [], linestyle="none", marker="D", markersize=5.5, markerfacecolor="white",
                      markeredgecolor="black", label=words["mean"])]
    fig.legend(handles=handles, loc="outside upper right", ncols=2, frameon=False)
    return fig, ax


# --------------------------------------------------------------------------------------------
# One drawing function per figure
# --------------------------------------------------------------------------------------------


@_styled
def draw_objects(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """Share of the analysed plans aiming at each object, with 95% intervals (horizontal bars)."""
    objects = codebook.ids("objects")
    table = _rows(tables[OBJECTS], ("object",), [(o,) for o in objects])
    fig = _new_figure(SIZE_WIDE)
    ax = fig.add_subplot()
    _share_bars(ax, [codebook.label("objects", o, language) for o in objects], table, "share", language, wrap=22,
                bar_height=0.5)
    ax.set_xlabel(WORDS[language]["share_of_plans"])
    ax.set_ylabel(WORDS[language]["object"])
    return fig


@_styled
def draw_strategies(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """Share of the analysed plans using each strategy, in complexity order, with 95% intervals."""
    strategies = _strategies_by_complexity(codebook)
    table = _rows(tables[STRATEGIES], ("strategy",), [(s,) for s in strategies])
    fig = _new_figure(SIZE_WIDE)
    ax = fig.add_subplot()
    _share_bars(ax, [codebook.label("strategies", s, language) for s in strategies], table, "share", language,
                wrap=22, bar_height=0.5)
    ax.set_xlabel(WORDS[language]["share_of_plans"])
    ax.set_ylabel(_wrap(WORDS[language]["strategy_by_complexity"], 30))
    return fig


@_styled
def draw_object_strategy(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """Heatmap object x strategy of the share of the plans naming the object that use the strategy
    for it, every cell annotated with its percentage."""
    objects, strategies = codebook.ids("objects"), _strategies_by_complexity(codebook)
    table = _rows(tables[OBJECT_STRATEGY], ("object", "strategy"), [(o, s) for o in objects for s in strategies])
    shares = table["share_within_object"].to_numpy(dtype=float).reshape(len(objects), len(strategies))
    naming = table["plans_naming_object"].to_numpy(dtype="int64").reshape(len(objects), len(strategies))[:, 0]
    fig = _new_figure(SIZE_WIDE)
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(shares), cmap=HEATMAP, vmin=0, vmax=1, aspect="auto")
    for (row, column), value in np.ndenumerate(shares):
        dark = math.isfinite(value) and value > 0.55
        ax.text(column, row, format_percent(value, language), ha="center", va="center", fontsize=7.5,
                color="white" if dark else "black", fontweight="bold" if dark else "normal")
    ax.set_xticks(range(len(strategies)), [_wrap(codebook.label("strategies", s, language), 18) for s in strategies])
    ax.set_yticks(range(len(objects)), [f"{_wrap(codebook.label('objects', o, language), 22)}\n"
                                        f"n = {format_number(n, language)}" for o, n in zip(objects, naming)])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(WORDS[language]["strategy_by_complexity"])
    ax.set_ylabel(WORDS[language]["object"])
    bar = fig.colorbar(image, ax=ax, shrink=0.9, aspect=15)
    _percent_axis(bar.ax.yaxis, language)
    bar.outline.set_visible(False)
    bar.set_label(WORDS[language]["share_within_object"])
    return fig


@_styled
def draw_substrategies(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """One panel per strategy (complexity order): share of the plans using the strategy that use
    each of its sub-strategies, with 95% intervals."""
    strategies = _strategies_by_complexity(codebook)
    groups = [codebook.substrategies_of(s) for s in strategies]
    fig = _new_figure(SIZE_TALL)
    axes = fig.subplots(len(strategies), 1, sharex=True, gridspec_kw={"height_ratios": [len(g) for g in groups]})
    for ax, strategy, subs in zip(np.atleast_1d(axes), strategies, groups):
        table = _rows(tables[SUBSTRATEGIES], ("strategy", "substrategy"), [(strategy, s) for s in subs])
        _share_bars(ax, [codebook.label("substrategies", s, language) for s in subs], table, "share_within_strategy",
                    language, wrap=34)
        using = int(table["plans_using_strategy"].iloc[0])
        ax.set_title(f"{codebook.label('strategies', strategy, language)} (n = {format_number(using, language)})",
                     loc="left", fontweight="bold", pad=3)
    np.atleast_1d(axes)[-1].set_xlabel(WORDS[language]["share_within_strategy"])
    return fig


@_styled
def draw_strategies_per_plan_by_level(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """Number of distinct strategies of each plan by mobilisation level; means marked."""
    fig, ax = _strip_by_level(tables, codebook, language, "n_strategies", decimals=1, y_gap=0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _decimal_axis(ax.yaxis, language, 0)
    ax.set_ylim(-0.3, len(codebook.ids("strategies")) + 0.3)
    ax.set_ylabel(_wrap(WORDS[language]["n_strategies"], 28))
    return fig


@_styled
def draw_diversity_by_level(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """Shannon diversity of each plan's strategies by mobilisation level; means marked."""
    fig, ax = _strip_by_level(tables, codebook, language, "shannon_strategies", decimals=2, y_gap=0.045)
    _decimal_axis(ax.yaxis, language, 1)
    ax.set_ylim(-0.06, math.log(len(codebook.ids("strategies"))) + 0.06)
    ax.set_ylabel(_wrap(WORDS[language]["shannon"], 30))
    return fig


@_styled
def draw_strategy_use_by_level(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """Share of the plans of each mobilisation level using each strategy, with 95% intervals:
    strategies in complexity order, one colour and marker per level."""
    strategies, levels = _strategies_by_complexity(codebook), codebook.ids("mobilisation_levels")
    rows = [_level_rows(tables, codebook, s) for s in strategies]
    fig = _new_figure(SIZE_WIDE)
    ax = fig.add_subplot()
    width = 0.7 / len(levels)
    for index, level in enumerate(levels):
        offset = (index - (len(levels) - 1) / 2) * width
        values = np.array([r.loc[index, "share"] for r in rows], dtype=float)
        low = np.array([r.loc[index, "ci_low"] for r in rows], dtype=float)
        high = np.array([r.loc[index, "ci_high"] for r in rows], dtype=float)
        n = int(rows[0].loc[index, "plans_in_group"])
        ax.errorbar(np.arange(len(strategies)) + offset, values, yerr=np.vstack([values - low, high - values]),
                    fmt=LEVEL_MARKERS[index % len(LEVEL_MARKERS)], color=LEVEL_COLOURS[index % len(LEVEL_COLOURS)],
                    markersize=4, markeredgecolor="black", markeredgewidth=0.4, elinewidth=0.9, capsize=1.8,
                    label=f"{_level_label(codebook, level, language)} (n = {format_number(n, language)})")
    ax.set_xticks(range(len(strategies)), [_wrap(codebook.label("strategies", s, language), 22) for s in strategies])
    ax.set_xlim(-0.5, len(strategies) - 0.5)
    for boundary in np.arange(0.5, len(strategies) - 1):
        ax.axvline(boundary, color=GRID_COLOUR, linewidth=0.6, zorder=0)
    _percent_axis(ax.yaxis, language)
    ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel(WORDS[language]["strategy_by_complexity"])
    ax.set_ylabel(WORDS[language]["share_of_level"])
    fig.legend(loc="outside upper center", ncols=len(levels), frameon=False, title=WORDS[language]["level"],
               handletextpad=0.3, columnspacing=1.2)
    return fig


@_styled
def draw_stability(tables: Tables, codebook: Codebook, language: str) -> Figure:
    """One row per finding (registry order): a 100% stacked bar of the verdicts the pipeline
    reaches on the alternative samples of the stability stage, in the badges' colours and
    hatchings, the actual sample's verdict outlined in black, the Wilson interval of the share
    reproduced as an error bar and that share written on the right; findings the stage could not
    assess are shown as such (hatched grey frame, « Non évalué »)."""
    words, verdicts = WORDS[language], codebook.ids("verdicts")
    table = _stability_rows(tables)
    shares = _verdict_shares(table, verdicts)
    lefts = np.hstack([np.zeros((len(table), 1)), np.cumsum(shares, axis=1)[:, :-1]])
    y, height = np.arange(len(table)), 0.66
    assessed = table["assessed"].to_numpy(dtype=bool)
    fig = _new_figure(SIZE_FINDINGS)
    ax = fig.add_subplot()
    for column, verdict in enumerate(verdicts):
        ax.barh(y[assessed], shares[assessed, column], left=lefts[assessed, column], height=height,
                color=VERDICT_COLOURS[verdict], hatch=VERDICT_HATCHES[verdict], hatchcolor="white", linewidth=0,
                zorder=2)
    for row in np.flatnonzero(assessed):
        column = verdicts.index(table.loc[row, "observed_verdict"])
        ax.add_patch(Rectangle((lefts[row, column], row - height / 2), shares[row, column], height, fill=False,
                               edgecolor="black", linewidth=1.3, zorder=4))
    reproduced = table["share_reproduced"].to_numpy(dtype=float)
    low, high = table["share_ci_low"].to_numpy(dtype=float), table["share_ci_high"].to_numpy(dtype=float)
    errors = np.clip(np.vstack([reproduced - low, high - reproduced]), 0, None)  # rounding: 1 - 1e-16 < 1
    ax.errorbar(reproduced[assessed], y[assessed], xerr=errors[:, assessed], fmt="none", ecolor="black",
                elinewidth=0.8, capsize=2, capthick=0.8, zorder=5)
    for row in y:
        if assessed[row]:
            ax.text(1.015, row, format_percent(reproduced[row], language), va="center", ha="left", clip_on=False)
            continue
        ax.barh(row, 1, height=height, facecolor="white", edgecolor="0.6", hatch="////", hatchcolor="0.85",
                linewidth=0.6, zorder=2)
        ax.text(0.5, row, words["not_assessed"], ha="center", va="center", color="0.25", zorder=3,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    statements = zip(table["finding"], table["short_fr" if language == "fr" else "short_en"])
    ax.set_yticks(y, [_wrap(f"{finding} \u2013 {statement}", 48) for finding, statement in statements])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    _percent_axis(ax.xaxis, language)
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel(words["share_of_redraws"])
    reproduced_word = _lower_first(codebook.label("verdicts", "reproduced", language))
    handles = [Patch(facecolor=VERDICT_COLOURS[v], hatch=VERDICT_HATCHES[v], hatchcolor="white", linewidth=0,
                     label=codebook.label("verdicts", v, language)) for v in verdicts]
    handles += [Patch(facecolor="white", edgecolor="black", linewidth=1.3, label=words["observed"]),
                Line2D([], [], color="black", linewidth=0.8, marker="|", markersize=5,
                       label=words["monte_carlo"].format(reproduced=reproduced_word))]
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, handletextpad=0.4,
               columnspacing=1.4)
    return fig


@_styled
def add_simulated_note(fig: Figure, language: str) -> None:
    """A small grey « Données simulées » / "Simulated data" in the bottom right corner."""
    fig.text(0.995, 0.008, WORDS[language]["simulated"], ha="right", va="bottom", fontsize=6, color=NOTE_COLOUR,
             fontstyle="italic", gid="simulated-note")


# --------------------------------------------------------------------------------------------
# Alternative texts (pure functions of the tables)
# --------------------------------------------------------------------------------------------


def _share_item(label: str, row: pd.Series, share: str, language: str, interval: bool = True) -> str:
    text = f"{_lower_first(label)} {format_percent(float(row[share]), language)}"
    if interval and math.isfinite(float(row[share])):
        low, high = format_percent(float(row["ci_low"]), language), format_percent(float(row["ci_high"]), language)
        text += " (" + PHRASES[language]["interval"].format(low=low, high=high) + ")"
    return text


def _share_alt(figure_id: str, table: pd.DataFrame, labels: Sequence[str], language: str) -> str:
    items = PHRASES[language]["list"].join(_share_item(label, row, "share", language)
                                          for label, (_, row) in zip(labels, table.iterrows()))
    n = format_number(int(table["plans_total"].iloc[0]), language)
    return ALT[language][figure_id].format(n=n, items=items)


def alt_objects(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text of the objects figure: each object's share of plans with its interval."""
    objects = codebook.ids("objects")
    table = _rows(tables[OBJECTS], ("object",), [(o,) for o in objects])
    return _share_alt("objects", table, [codebook.label("objects", o, language) for o in objects], language)


def alt_strategies(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text of the strategies figure: each strategy's share of plans with its interval."""
    strategies = _strategies_by_complexity(codebook)
    table = _rows(tables[STRATEGIES], ("strategy",), [(s,) for s in strategies])
    return _share_alt("strategies", table, [codebook.label("strategies", s, language) for s in strategies], language)


def alt_object_strategy(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text of the object x strategy heatmap: every cell's percentage, object by object."""
    strategies, groups = _strategies_by_complexity(codebook), []
    for obj in codebook.ids("objects"):
        table = _rows(tables[OBJECT_STRATEGY], ("object", "strategy"), [(obj, s) for s in strategies])
        cells = [_share_item(codebook.label("strategies", s, language), row, "share_within_object", language,
                             interval=False) for s, (_, row) in zip(strategies, table.iterrows())]
        groups.append(_group_item(codebook.label("objects", obj, language), int(table["plans_naming_object"].iloc[0]),
                                  cells, language))
    return ALT[language]["object_strategy"].format(items=". ".join(groups))


def alt_substrategies(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text of the sub-strategies figure: each sub-strategy's share within its strategy."""
    groups = []
    for strategy in _strategies_by_complexity(codebook):
        subs = codebook.substrategies_of(strategy)
        table = _rows(tables[SUBSTRATEGIES], ("strategy", "substrategy"), [(strategy, s) for s in subs])
        cells = [_share_item(codebook.label("substrategies", s, language), row, "share_within_strategy", language,
                             interval=False) for s, (_, row) in zip(subs, table.iterrows())]
        groups.append(_group_item(codebook.label("strategies", strategy, language),
                                  int(table["plans_using_strategy"].iloc[0]), cells, language))
    return ALT[language]["substrategies"].format(items=". ".join(groups))


def _group_item(title: str, n: int, cells: Sequence[str], language: str) -> str:
    """« Title (n plans) : cell, cell, cell » for the alt texts that go group by group."""
    phrases = PHRASES[language]
    plans = phrases["plans"].format(n=format_number(n, language))
    return f"{title} ({plans}){phrases['colon']}{phrases['list'].join(cells)}"


def _level_alt(figure_id: str, tables: Tables, codebook: Codebook, language: str, column: str, decimals: int,
               range_decimals: int) -> str:
    """Level by level: number of plans, mean and range of a per-plan measure."""
    phrases, items = PHRASES[language], []
    for level, values in zip(codebook.ids("mobilisation_levels"), _level_values(tables, codebook, column)):
        label = _lower_first(codebook.label("mobilisation_levels", level, language))
        if not len(values):
            items.append(f"{label} ({WORDS[language]['no_plan']})")
            continue
        mean = phrases["mean"].format(mean=format_number(float(values.mean()), language, decimals))
        spread = phrases["range"].format(low=format_number(float(values.min()), language, range_decimals),
                                         high=format_number(float(values.max()), language, range_decimals))
        n = phrases["plans"].format(n=format_number(len(values), language))
        items.append(f"{label} ({n}) {mean}, {spread}")
    return ALT[language][figure_id].format(items=phrases["groups"].join(items))


def alt_strategies_per_plan_by_level(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text: mean and range of the number of strategies per plan, level by level."""
    return _level_alt("strategies_per_plan_by_level", tables, codebook, language, "n_strategies", 1, 0)


def alt_diversity_by_level(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text: mean and range of the Shannon diversity of strategies per plan, level by level."""
    return _level_alt("diversity_by_level", tables, codebook, language, "shannon_strategies", 2, 2)


def alt_strategy_use_by_level(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text: share of each level's plans using each strategy."""
    phrases, levels = PHRASES[language], codebook.ids("mobilisation_levels")
    groups = []
    for strategy in _strategies_by_complexity(codebook):
        rows = _level_rows(tables, codebook, strategy)
        cells = phrases["list"].join(_share_item(codebook.label("mobilisation_levels", level, language), row, "share",
                                                 language, interval=False)
                                     for level, (_, row) in zip(levels, rows.iterrows()))
        groups.append(f"{codebook.label('strategies', strategy, language)}{phrases['colon']}{cells}")
    sizes = _level_rows(tables, codebook, _strategies_by_complexity(codebook)[0])["plans_in_group"]
    counts = phrases["list"].join(
        f"{_lower_first(codebook.label('mobilisation_levels', level, language))} "
        + phrases["plans"].format(n=format_number(int(n), language)) for level, n in zip(levels, sizes))
    return ALT[language]["strategy_use_by_level"].format(levels=counts, items=". ".join(groups))


def alt_stability(tables: Tables, codebook: Codebook, language: str) -> str:
    """Alt text of the stability figure: each finding's share of alternative samples in which it
    is reproduced (or « non évalué »), with the actual sample's verdict when it is not
    "reproduced"."""
    phrases, table = PHRASES[language], _stability_rows(tables)
    method, redraws = _stability_design(table)
    items = []
    for _, row in table.iterrows():
        if not row["assessed"]:
            items.append(f"{row['finding']} {_lower_first(WORDS[language]['not_assessed'])}")
            continue
        item = f"{row['finding']} {format_percent(float(row['share_reproduced']), language)}"
        if row["observed_verdict"] != "reproduced":
            observed = _lower_first(codebook.label("verdicts", row["observed_verdict"], language))
            item += " (" + phrases["actual"].format(verdict=observed) + ")"
        items.append(item)
    return ALT[language]["stability"].format(redraws=format_number(redraws, language),
                                             design=DESIGN[language][method], items=phrases["list"].join(items))


# --------------------------------------------------------------------------------------------
# The figures and the stage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its id, the function drawing it, the function writing its alt text, and the
    derived tables (relative to the derived folder) it is drawn from."""

    id: str
    draw: Callable[[Tables, Codebook, str], Figure]
    alt: Callable[[Tables, Codebook, str], str]
    sources: tuple[str, ...]

    @property
    def function(self) -> str:
        return f"{self.draw.__module__}.{self.draw.__name__}"

    def file(self, language: str) -> str:
        return f"{language}/{self.id}.png"


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("objects", draw_objects, alt_objects, (OBJECTS,)),
    FigureSpec("strategies", draw_strategies, alt_strategies, (STRATEGIES,)),
    FigureSpec("object_strategy", draw_object_strategy, alt_object_strategy, (OBJECT_STRATEGY,)),
    FigureSpec("substrategies", draw_substrategies, alt_substrategies, (SUBSTRATEGIES,)),
    FigureSpec("strategies_per_plan_by_level", draw_strategies_per_plan_by_level, alt_strategies_per_plan_by_level,
               (PER_PLAN,)),
    FigureSpec("diversity_by_level", draw_diversity_by_level, alt_diversity_by_level, (PER_PLAN,)),
    FigureSpec("strategy_use_by_level", draw_strategy_use_by_level, alt_strategy_use_by_level, (BY_LEVEL,)),
    FigureSpec("stability", draw_stability, alt_stability, (STABILITY, FINDINGS)),
    # Coding reliability: drawn, worded and captioned in rlp_pipeline.reporting.reliability_figure.
    FigureSpec("reliability", reliability_figure.draw_reliability, reliability_figure.alt_reliability,
               (reliability_figure.AGREEMENT_DIMENSIONS,)),
)
for _language in LANGUAGES:
    CAPTIONS[_language]["reliability"] = reliability_figure.CAPTION[_language]
    WORDS[_language].update(reliability_figure.WORDS[_language])


def caption(figure_id: str, record: Mapping[str, Any], language: str,
            stability: Mapping[str, Any] | None = None) -> str:
    """The caption of a figure in one language, with the sample sizes of the sampling record and,
    given the stability record, the number of redraws and how they were drawn."""
    n = int(record["sample_size"])
    analysed = n - int(record.get("sampled_without_codings", 0))
    sample = SAMPLE[language].format(analysed=format_number(analysed, language), n=format_number(n, language),
                                     N=format_number(int(record["population_size"]), language))
    redraws = {} if stability is None else {"redraws": format_number(int(stability["redraws"]), language),
                                            "design": DESIGN[language][stability["method"]]}
    text = CAPTIONS[language][figure_id].format(sample=sample, **redraws)
    simulated = bool(record["simulated"]) or bool(stability is not None and stability.get("simulated"))
    return f"{text} {SIMULATED_CAPTION[language]}" if simulated else text


def build_figure(spec: FigureSpec, tables: Tables, codebook: Codebook, language: str, simulated: bool) -> Figure:
    """Draw one figure in one language, with the simulated-data note when the data is simulated."""
    fig = spec.draw(tables, codebook, language)
    if simulated:
        add_simulated_note(fig, language)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes at :data:`DPI`, without software name or date (reproducible)."""
    buffer = io.BytesIO()
    with matplotlib.style.context(["default", STYLE]):
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def read_tables(derived_dir: Path | str, names: Sequence[str] = TABLE_FILES,
                records: Sequence[str] = (RECORD, STABILITY_RECORD)) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The derived tables `names` (paths relative to `derived_dir`) and the sampling record; every
    file of `names` and `records` must exist (else one message listing the missing ones)."""
    derived_dir = Path(derived_dir)
    missing = [name for name in tuple(names) + tuple(records) if not (derived_dir / name).is_file()]
    if missing:
        raise InputError([Problem(display_path(derived_dir / name), None, None, None,
                                  "this file, written by an earlier stage (run the pipeline up to it first)")
                          for name in missing], stage="figures stage")
    tables = {name: pd.read_csv(derived_dir / name, keep_default_na=False, na_values=[""],
                                dtype={"group_value": str}) for name in names}
    record = json.loads((derived_dir / RECORD).read_text(encoding="utf-8"))
    return tables, record


def read_stability_record(derived_dir: Path | str) -> dict[str, Any]:
    """The stability stage's record (method, redraws, seeds, sizes, ``simulated``)."""
    return json.loads((Path(derived_dir) / STABILITY_RECORD).read_text(encoding="utf-8"))


# The figures drawn from the stability stage's tables wait for its redraws; the others only need
# the sample's tables, so the workflow draws them in a job of their own while the redraws run
# (rules/report.smk): the part drawn after the redraws, on the way to the report, is then one
# figure instead of nine. Each part writes the index of its own figures, which the rule `figures`
# joins into figures.json (rlp_pipeline.stages.figures_index).
PARTS = tuple(PART_INDEXES)


def figure_part(spec: FigureSpec) -> str:
    """'stability' for a figure drawn from a table of the stability stage, else 'sample'."""
    return "stability" if any(source.startswith("stability/") for source in spec.sources) else "sample"


def part_figures(part: str | None) -> tuple[FigureSpec, ...]:
    """The figures of one part (:data:`PARTS`), or all of them for None, in :data:`FIGURES` order."""
    if part is not None and part not in PARTS:
        raise ValueError(f"unknown part of the figures {part!r}; expected one of {', '.join(PARTS)}")
    return tuple(spec for spec in FIGURES if part is None or figure_part(spec) == part)


def draw_figures(specs: Sequence[FigureSpec], tables: Tables, record: Mapping[str, Any],
                 stability: Mapping[str, Any] | None, codebook: Codebook,
                 out_dir: Path) -> tuple[dict[Path, bytes], list[dict[str, Any]]]:
    """The PNG bytes (by output path) and the index entries of `specs`, in both languages. A
    figure of the stability part says "simulated" when the sampling record or the stability
    record does (the redraws come from the same data; either is enough); the others follow the
    sampling record, the provenance of the tables they are drawn from."""
    files: dict[Path, bytes] = {}
    entries = []
    for spec in specs:
        redrawn = figure_part(spec) == "stability"
        simulated = bool(record["simulated"]) or bool(redrawn and stability and stability.get("simulated"))
        for language in LANGUAGES:
            fig = build_figure(spec, tables, codebook, language, simulated)
            try:
                files[out_dir / spec.file(language)] = png_bytes(fig)
            finally:
                plt.close(fig)
        entries.append({
            "id": spec.id,
            "files": {language: spec.file(language) for language in LANGUAGES},
            "caption": {language: caption(spec.id, record, language, stability if redrawn else None)
                        for language in LANGUAGES},
            "alt": {language: spec.alt(tables, codebook, language) for language in LANGUAGES},
            "sources": list(spec.sources),
            "function": spec.function,
            "simulated": simulated,
        })
        LOGGER.info("Figure %s: %s from %s.", spec.id, ", ".join(spec.file(language) for language in LANGUAGES),
                    ", ".join(spec.sources))
    return files, entries


def run_figures(derived_dir: Path | str, codebook_path: Path | str, out_dir: Path | str,
                part: str | None = None) -> None:
    """Draw the figures of :data:`FIGURES` in French and English from the derived tables.

    Reads only `derived_dir` (the tables the figures are drawn from, the sampling record and, for
    the stability figure, the stability record) and the codebook, then writes into `out_dir`, all
    at once: ``fr/<id>.png``, ``en/<id>.png`` and ``figures.json`` (id, files, captions, alt texts,
    source tables and drawing function of every figure).

    ``part="sample"`` draws only the figures that do not need the stability stage,
    ``part="stability"`` the others; each writes the index of its own figures
    (:data:`figures_index.PART_INDEXES`) instead of ``figures.json``, which
    :func:`figures_index.run_figures_index` then joins from the two, the same file as one run
    with ``part=None``.
    """
    out_dir = Path(out_dir)
    specs = part_figures(part)
    codebook = load_codebook(codebook_path)
    names = tuple(dict.fromkeys(source for spec in specs for source in spec.sources))
    redraws = any(figure_part(spec) == "stability" for spec in specs)
    tables, record = read_tables(derived_dir, names, (RECORD, STABILITY_RECORD) if redraws else (RECORD,))
    stability = read_stability_record(derived_dir) if redraws else None
    files, entries = draw_figures(specs, tables, record, stability, codebook, out_dir)
    if part is None:
        index, content = INDEX, entries
    else:
        index, content = PART_INDEXES[part], part_index((spec.id for spec in FIGURES), entries)
    files[out_dir / index] = json_bytes(content)
    write_outputs(files)
    simulated = any(entry["simulated"] for entry in entries)
    LOGGER.info("Wrote %d figures in %d languages and %s to %s%s.", len(specs), len(LANGUAGES), index,
                display_path(out_dir), " (simulated data)" if simulated else "")
