"""Markdown pieces of the bilingual report, generated from the derived tables.

The report's code cells (report/index.qmd) call these functions and print their Markdown with
`output: asis`: every number, table, verdict and generated sentence comes from a file the
pipeline wrote, formatted for the language of the document. Labels come from the codebook;
the few sentence templates live in TEXT, one entry per language with the same keys (a test
checks that both languages have every key). Text from the data (names, excerpts) is escaped
so that it always shows as text, never as markup.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import Codebook, load_codebook
from ..registry import Registry, load_registry
from ..fmt import format_count, format_interval, format_number, format_p, format_percent, typeset
from .render import escape_markdown
from ..safety.text import breakable_markdown
from . import claims
from .front_matter import FrontMatter, availability, load_front_matter, title_page
from .sources import DERIVED_TITLES_FR, check_source, file_link
from .workbook import WORKBOOK_NAMES

log = logging.getLogger("rlp_pipeline.reporting.document")

TEXT = {
    "fr": {
        "simulated": "**Données simulées.** Les plans codés analysés ici ne sont pas réels : ils ont été "
                     "produits par un simulateur documenté (graine {seed}). Les constats et verdicts illustrent "
                     "la méthode ; ils ne décrivent pas les RLP.",
        "switch": "English version",
        "summary_head": ["Constat", "Énoncé", "Valeur mesurée", "Verdict", "Stabilité", "Robustesse"],
        "source": "Texte source",
        "rendering": "Traduction anglaise",
        "measure": "Mesure",
        "test": "Test",
        "effect": "Taille d'effet",
        "verdict": "Verdict",
        "adjusted": "p ajustée (Holm)",
        "components": "Composantes",
        "component_head": ["#", "Comparaison", "Valeurs", "Test", "p", "p ajustée (correction)", "Taille d'effet [IC 95\u202f%]", "Sens"],
        "direction": {"as expected": "dans le sens énoncé", "opposite": "sens contraire", "none": "aucune différence", "": "–"},
        "n_plans": "{n} plans",
        "sample_sentence": "Le cadre d'échantillonnage compte {N} plans déposés ; {n} ont été tirés au hasard ({fraction}), avec la graine {seed} ({method}). {analysed} plans tirés ont au moins un passage codé et sont analysés.",
        "balance_head": ["Variable", "Catégorie", "Population", "Échantillon", "Écart (points de pourcentage)"],
        "level_head": ["Niveau", "Définition", "Plans (échantillon)", "Part"],
        "code_head": ["Code", "Libellé", "Définition"],
        "strategy_head": ["Rang de complexité", "Code", "Libellé", "Définition"],
        "sub_head": ["Stratégie", "Sous-stratégie", "Plans", "Part dans la stratégie [IC 95\u202f%]"],
        "table_head": ["Code", "Plans", "Part [IC 95\u202f%]"],
        "battery_head": ["Code", "Niveaux 1-2", "Niveaux 3-4", "Test", "p", "p ajustée (correction)", "Écart 3-4 − 1-2 · RC 3-4 / 1-2 [IC 95\u202f%]"],
        "status_head": ["Stratégie (complexité)", "Déjà appliquée", "Intention"],
        "diversity_head": ["Mesure", "Groupe", "n", "Moyenne", "Médiane [Q1 ; Q3]"],
        "dict_head": ["Fichier", "Contenu", "Colonnes"],
        "prov_head": ["Élément", "Valeur"],
        "captions": {
            "tbl-summary": "Constats du document source et verdicts calculés",
            "tbl-balance": "Échantillon et population selon le niveau de mobilisation et la région",
            "tbl-levels": "Échelle de mobilisation d'Himmelman et répartition de l'échantillon",
            "tbl-objects": "Objets de pérennité (livre de codes)",
            "tbl-strategies": "Stratégies de pérennisation, de la plus simple à la plus complexe (livre de codes)",
            "tbl-substrategies": "Sous-stratégies : part des plans qui utilisent la stratégie",
            "tbl-status": "Part des plans qui appliquent déjà ou prévoient chaque stratégie",
            "tbl-diversity": "Nombre et diversité des stratégies par plan selon le groupe de mobilisation",
            "tbl-stability": "Stabilité des verdicts sur les échantillons alternatifs",
            "tbl-dictionary": "Tables dérivées",
            "tbl-provenance": "Provenance",
            "tbl-components": "Composantes de {id} (test, p brute et ajustée, taille d'effet et sens de chacune)",
            "tbl-battery": "Utilisation selon le groupe de mobilisation et test de chaque écart ({id})",
            "tbl-substrategies-of": "Sous-stratégies de la stratégie {strategy} (part des plans qui utilisent la stratégie)",
            "tbl-codebook-substrategies": "Sous-stratégies (livre de codes)",
            "tbl-codebook-statuses": "Statuts d'une stratégie (livre de codes)",
        },
        # the end of every table's caption: the file(s) the table is computed from (a link in the HTML)
        "source_note": ". Données : {files}.",
        # a sentence that refers to each generated table (« Tableau N » in the document); placeholders
        # are not English words ({id}, not {finding}): tests/test_render.py reads the words of TEXT
        "table_refs": {
            "components": "Le @{ref} donne chaque composante de {id} : son test, sa p brute et ajustée, sa taille d'effet et son sens.",
            "battery": "Le @{ref} donne l'utilisation selon le groupe de mobilisation et le test de chaque écart.",
            "substrategies": "Le @{ref} donne la part des plans qui utilisent chaque sous-stratégie de la stratégie {strategy}.",
            "status": "Le @{ref} donne, pour chaque stratégie, la part des plans qui l'appliquent déjà et celle des plans qui la prévoient.",
            "diversity": "Le @{ref} résume le nombre et la diversité des stratégies par plan selon le groupe de mobilisation.",
            "balance": "Le @{ref} compare la composition de l'échantillon à celle du cadre d'échantillonnage.",
            "stability": "Le @{ref} donne ces parts pour chaque constat.",
        },
        "figure_ref": "Voir la @{ref}.",
        "table_ref": "Voir le @{ref}.",
        "measures": {"n_strategies": "Nombre de stratégies", "shannon_strategies": "Diversité de Shannon des stratégies", "n_objects": "Nombre d'objets",
                     "mean_complexity_intended": "complexité moyenne des stratégies prévues", "mean_complexity_applied": "complexité moyenne des stratégies appliquées"},
        "groups_all": "Tous",
        "byline": "Version du {date} (code {commit}). Données : {N} plans déposés{simulated}, échantillon aléatoire de {n} plans (graine {seed}) ; sommes de contrôle en annexe.",
        "simulated_short": " (simulés)",
        "drawn_by": "Figure tracée par",
        "examples": "Exemples de passages codés (premier extrait de l'échantillon pour chaque sous-stratégie) :",
        "no_example": "aucun extrait",
        "kinds": {
            "majority": "test hypergéométrique unilatéral (plus de la moitié)", "trend_levels": "Jonckheere-Terpstra",
            "group_shift": "Mann-Whitney", "paired_difference": "McNemar exact", "sign_test": "test des signes exact",
            "presence": "présence (descriptif)", "balance": "khi-deux, p de Monte Carlo (Holm)", "coverage": "dénombrement",
            "chi-square": "khi-deux de Pearson", "fisher": "test exact de Fisher", "exact": "test exact conditionnel",
        },
        "indicator": {
            "several_strategies": "au moins 2 stratégies", "several_strategies_one_status": "au moins 2 stratégies appliquées ou 2 prévues",
            "only": "seulement {codes}", "pair": "{strategy} pour {object}", "among": "parmi les plans avec {within}",
            "group": "niveaux {high} contre {low}", "levels": "tendance sur les 4 niveaux", "versus": "{a} contre {b}",
            "balance": "échantillon contre plans non tirés (niveau, région)", "coverage": "plans tirés avec cote et codage",
            "presence": "sous-stratégies de : {strategy}", "sign": "{a} contre {b} (mêmes plans)",
        },
        "provenance": {
            "commit": "Version du code (commit git)", "renderer": "Moteur de rendu", "seed_sampling": "Graine du tirage",
            "seed_statistics": "Graine des procédures aléatoires", "versions": "Logiciels", "input": "Somme SHA-256 de {path}",
            "simulated": "Données simulées", "yes": "oui", "no": "non",
            "seed_stability": "Graine maîtresse des échantillons alternatifs (stabilité)",
        },
        "stability_intro": "Le pipeline a refait toute l'analyse sur {redraws} échantillons alternatifs.",
        "stability_method": {
            "redraw": "Les plans codés couvrent tous les plans du cadre ({N}) : chaque échantillon alternatif en a "
                      "donc été tiré exactement comme l'échantillon réel ({n} plans, soit {fraction}\u00a0; "
                      "{design}\u00a0; mêmes clés SHA-256), avec sa propre graine, dérivée de la graine maîtresse "
                      "{seed}.",
            "bootstrap": "Seuls les {n} plans tirés parmi les {N} du cadre ({fraction}) ont été codés : de nouveaux "
                         "tirages dans le cadre sont donc impossibles, et chaque échantillon alternatif est un "
                         "échantillon bootstrap de {n} plans tirés avec remise parmi ceux de l'échantillon réel, avec "
                         "sa propre graine, dérivée de la graine maîtresse {seed}.",
        },
        "stability_battery": "Sur chacun, toute la batterie de tests des constats est recalculée et la règle de "
                             "verdict appliquée, correction de Holm sur les constats confirmatoires comprise.",
        "stability_reading": "La part «\u00a0{reproduced}\u00a0» d'un constat est la part de ces échantillons "
                             "alternatifs où le pipeline aboutit au verdict «\u00a0{reproduced}\u00a0»\u202f; entre "
                             "crochets, son intervalle de Wilson à 95\u202f%, qui ne mesure que l'incertitude de "
                             "Monte Carlo due au nombre fini de tirages ({redraws}). La colonne «\u00a0{verdict}\u00a0» "
                             "rappelle le verdict de l'échantillon réel, et la colonne «\u00a0{same}\u00a0» la part "
                             "des échantillons alternatifs qui aboutissent à ce même verdict. Ces parts ne sont ni "
                             "des valeurs p ni la probabilité qu'un constat soit vrai : elles décrivent la stabilité "
                             "du verdict face au hasard du tirage.",
        "stability_caveat": {
            "redraw": "Comme les échantillons alternatifs sont tirés de la population elle-même, la part "
                      "«\u00a0{reproduced}\u00a0» estime, pour cette population, la probabilité qu'un échantillon de "
                      "ce plan conduise au verdict «\u00a0{reproduced}\u00a0».",
            "bootstrap": "Avec le bootstrap, ces parts ne font qu'approcher ce que donneraient de nouveaux tirages "
                         "dans la population : ses échantillons sont centrés sur l'échantillon réel et répètent des "
                         "plans, si bien que les parts tendent à être optimistes quand l'effet observé est grand par "
                         "hasard, et sont moins stables pour les constats décidés par des tests exacts sur de petits "
                         "effectifs.",
        },
        "stability_range": "Parmi les {k} constats évalués, la part «\u00a0{reproduced}\u00a0» va de {low} ({low_ids}) "
                           "à {high} ({high_ids}).",
        "stability_same": "Parmi les {k} constats évalués, la part «\u00a0{reproduced}\u00a0» vaut {value} pour tous.",
        "stability_not_assessed": {"one": "Constat non évalué avec cette méthode : {ids}.",
                                   "many": "Constats non évalués avec cette méthode : {ids}."},
        "stability_simulated": "**Données simulées.** Ces échantillons alternatifs sont tirés de données simulées : "
                               "leurs parts illustrent la méthode\u202f; elles ne décrivent pas la stabilité des constats "
                               "sur les RLP.",
        "stability_head": ["Constat", "Énoncé", "Verdict", "Part «\u00a0{reproduced}\u00a0» [IC 95\u202f%]", "Même verdict"],
        "not_assessed": "non évalué",
        "headings": {"stability": "Stabilité selon l'échantillon", "reliability": "Fiabilité du codage",
                     "limits": "Limites et validité", "availability": "Disponibilité des données et du code"},
        "balance_variables": {"mobilisation_level": "Niveau de mobilisation", "region": "Région"},
        # Typst's own French caption separator is « . – »; French typography wants « Tableau 1 : »
        "caption_separator": "\u00a0: ",
        # the title page and the availability statement (reporting.front_matter, config/report.yaml)
        "front": {
            "authors": "**Auteurs** : {authors}.",
            "placeholders": " *Noms provisoires, à remplacer dans `config/report.yaml`.*",
            "affiliation_missing": "affiliation à préciser",
            "licence": "**Licence** : {license} (fichier `LICENSE`), pour le code, les données simulées et ce rapport.",
            "cite": "**Pour citer** : {citation}",
            "and": " et ",
            "citation": "{authors} ({year}). *{title}* (version {version}, commit `{commit}`) [logiciel].{where}",
            "raw_simulated": "Les données brutes sont dans le dossier `data/raw/` du dépôt : ce sont des données simulées, "
                             "produites par le simulateur du pipeline (graine {seed}), non des plans réels.",
            "raw_real": "Les données brutes sont dans le dossier `data/raw/` du dépôt.",
            "derived": "Les tables dérivées que le pipeline en calcule, et dont viennent chaque tableau et chaque figure, "
                       "sont dans `data/derived/`, chaque dossier décrit par un `datapackage.json` (Frictionless Data "
                       "Package) ; le classeur `{workbook}`, à côté de ce document, en reprend les tables du rapport.",
            "code": "Le code (pipeline Snakemake et paquet Python `rlp_pipeline`) est dans {where}, version {version}, "
                    "commit `{commit}`. La commande `snakemake --cores 1` refait toutes les étapes, des données brutes à "
                    "ce rapport.",
            "repository": "le dépôt {url}",
            "no_repository": "le dépôt git d’où ce rapport a été produit",
            "licences": "Code, données et rapport sont sous licence {license} (fichier `LICENSE`).",
        },
    },
    "en": {
        "simulated": "**Simulated data.** The coded plans analysed here are not real: they were produced by a "
                     "documented simulator (seed {seed}). The findings and verdicts illustrate the method; they do "
                     "not describe the RLP.",
        "switch": "Version française",
        "summary_head": ["Finding", "Statement", "Measured value", "Verdict", "Stability", "Robustness"],
        "source": "Source text",
        "rendering": "English rendering",
        "measure": "Measure",
        "test": "Test",
        "effect": "Effect size",
        "verdict": "Verdict",
        "adjusted": "adjusted p (Holm)",
        "components": "Components",
        "component_head": ["#", "Comparison", "Values", "Test", "p", "adjusted p (correction)", "Effect size [95% CI]", "Direction"],
        "direction": {"as expected": "as stated", "opposite": "opposite", "none": "no difference", "": "–"},
        "n_plans": "{n} plans",
        "sample_sentence": "The sampling frame holds {N} deposited plans; {n} were drawn at random ({fraction}), with seed {seed} ({method}). {analysed} sampled plans have at least one coded passage and are analysed.",
        "balance_head": ["Variable", "Category", "Population", "Sample", "Difference (percentage points)"],
        "level_head": ["Level", "Definition", "Plans (sample)", "Share"],
        "code_head": ["Code", "Label", "Definition"],
        "strategy_head": ["Complexity rank", "Code", "Label", "Definition"],
        "sub_head": ["Strategy", "Sub-strategy", "Plans", "Share within the strategy [95% CI]"],
        "table_head": ["Code", "Plans", "Share [95% CI]"],
        "battery_head": ["Code", "Levels 1-2", "Levels 3-4", "Test", "p", "adjusted p (correction)", "Difference 3-4 − 1-2 · OR 3-4 / 1-2 [95% CI]"],
        "status_head": ["Strategy (complexity)", "Already applied", "Intended"],
        "diversity_head": ["Measure", "Group", "n", "Mean", "Median [Q1; Q3]"],
        "dict_head": ["File", "Content", "Columns"],
        "prov_head": ["Item", "Value"],
        "captions": {
            "tbl-summary": "Findings of the source document and computed verdicts",
            "tbl-balance": "Sample and population by mobilisation level and region",
            "tbl-levels": "Himmelman's mobilisation scale and the sample's distribution",
            "tbl-objects": "Objects of sustainability (codebook)",
            "tbl-strategies": "Sustainability strategies, from the simplest to the most complex (codebook)",
            "tbl-substrategies": "Sub-strategies: share of the plans that use the strategy",
            "tbl-status": "Share of plans already applying or intending each strategy",
            "tbl-diversity": "Number and diversity of strategies per plan by mobilisation group",
            "tbl-stability": "Stability of the verdicts across alternative samples",
            "tbl-dictionary": "Derived tables",
            "tbl-provenance": "Provenance",
            "tbl-components": "Components of {id} (test, raw and adjusted p, effect size and direction of each)",
            "tbl-battery": "Use by mobilisation group and the test of each difference ({id})",
            "tbl-substrategies-of": "Sub-strategies of the strategy {strategy} (share of the plans that use the strategy)",
            "tbl-codebook-substrategies": "Sub-strategies (codebook)",
            "tbl-codebook-statuses": "Statuses of a strategy (codebook)",
        },
        "source_note": ". Data: {files}.",
        "table_refs": {
            "components": "@{ref} gives each component of {id}: its test, raw and adjusted p, effect size and direction.",
            "battery": "@{ref} gives the use by mobilisation group and the test of each difference.",
            "substrategies": "@{ref} gives the share of the plans using each sub-strategy of the strategy {strategy}.",
            "status": "@{ref} gives, for each strategy, the share of the plans already applying it and the share intending it.",
            "diversity": "@{ref} summarises the number and diversity of strategies per plan by mobilisation group.",
            "balance": "@{ref} compares the sample's composition with that of the sampling frame.",
            "stability": "@{ref} gives these shares for each finding.",
        },
        "figure_ref": "See @{ref}.",
        "table_ref": "See @{ref}.",
        "measures": {"n_strategies": "Number of strategies", "shannon_strategies": "Shannon diversity of strategies", "n_objects": "Number of objects",
                     "mean_complexity_intended": "mean complexity of intended strategies", "mean_complexity_applied": "mean complexity of applied strategies"},
        "groups_all": "All",
        "byline": "Version of {date} (code {commit}). Data: {N} deposited plans{simulated}, a random sample of {n} plans (seed {seed}); checksums in the appendix.",
        "simulated_short": " (simulated)",
        "drawn_by": "Figure drawn by",
        "examples": "Examples of coded passages (first excerpt of the sample for each sub-strategy; quoted in French):",
        "no_example": "no excerpt",
        "kinds": {
            "majority": "one-sided hypergeometric test (more than half)", "trend_levels": "Jonckheere-Terpstra",
            "group_shift": "Mann-Whitney", "paired_difference": "exact McNemar", "sign_test": "exact sign test",
            "presence": "presence (descriptive)", "balance": "chi-square, Monte Carlo p (Holm)", "coverage": "count",
            "chi-square": "Pearson chi-square", "fisher": "Fisher's exact test", "exact": "exact conditional test",
        },
        "indicator": {
            "several_strategies": "at least 2 strategies", "several_strategies_one_status": "at least 2 strategies applied or 2 intended",
            "only": "only {codes}", "pair": "{strategy} for {object}", "among": "among plans with {within}",
            "group": "levels {high} against {low}", "levels": "trend across the 4 levels", "versus": "{a} against {b}",
            "balance": "sample against plans left out (level, region)", "coverage": "sampled plans with rating and coding",
            "presence": "sub-strategies of: {strategy}", "sign": "{a} against {b} (same plans)",
        },
        "provenance": {
            "commit": "Code version (git commit)", "renderer": "Renderer", "seed_sampling": "Sampling seed",
            "seed_statistics": "Seed of the random procedures", "versions": "Software", "input": "SHA-256 of {path}",
            "simulated": "Simulated data", "yes": "yes", "no": "no",
            "seed_stability": "Master seed of the alternative samples (stability)",
        },
        "stability_intro": "The pipeline redid the whole analysis on {redraws} alternative samples.",
        "stability_method": {
            "redraw": "The coded plans cover every plan of the frame ({N}), so each alternative sample was drawn "
                      "from it exactly as the actual sample was ({n} plans, {fraction}; {design}; same SHA-256 "
                      "keys), with its own seed, derived from the master seed {seed}.",
            "bootstrap": "Only the {n} plans sampled from the {N} of the frame ({fraction}) were coded, so no new "
                         "sample can be drawn from the frame: each alternative sample is a bootstrap sample of {n} "
                         "plans drawn with replacement from those of the actual sample, with its own seed, derived "
                         "from the master seed {seed}.",
        },
        "stability_battery": "On each, the whole battery of finding tests is recomputed and the verdict rule "
                             "applied, Holm's correction across the confirmatory findings included.",
        "stability_reading": "The share reproduced of a finding is the share of these alternative samples in which "
                             "the pipeline reaches the verdict \"{reproduced}\"; in brackets, its 95% Wilson "
                             "interval, which only measures the Monte Carlo uncertainty from the finite number of "
                             "redraws ({redraws}). The \"{verdict}\" column recalls the verdict of the actual sample, "
                             "and the \"{same}\" column the share of the alternative samples that reach that same "
                             "verdict. These shares are neither p-values nor the probability that a finding is true: "
                             "they describe how stable the verdict is under the chance of the draw.",
        "stability_caveat": {
            "redraw": "Because the alternative samples are drawn from the population itself, the share reproduced "
                      "estimates, for this population, the probability that a sample of this design leads to the "
                      "verdict \"{reproduced}\".",
            "bootstrap": "Under the bootstrap, these shares only approximate what new draws from the population "
                         "would give: its samples are centred on the actual sample and repeat plans, so the shares "
                         "tend to be optimistic when the observed effect is large by chance, and are less stable "
                         "for findings decided by exact tests on small counts.",
        },
        "stability_range": "Among the {k} assessed findings, the share reproduced ranges from {low} ({low_ids}) to "
                           "{high} ({high_ids}).",
        "stability_same": "Among the {k} assessed findings, the share reproduced is {value} for all.",
        "stability_not_assessed": {"one": "Finding not assessed with this method: {ids}.",
                                   "many": "Findings not assessed with this method: {ids}."},
        "stability_simulated": "**Simulated data.** These alternative samples are drawn from simulated data: their "
                               "shares illustrate the method; they do not describe the stability of the findings "
                               "on the RLP.",
        "stability_head": ["Finding", "Statement", "Verdict", "Share reproduced [95% CI]", "Same verdict"],
        "not_assessed": "not assessed",
        "headings": {"stability": "Stability across random samples", "reliability": "Coding reliability",
                     "limits": "Limitations", "availability": "Data and code availability"},
        "balance_variables": {"mobilisation_level": "Mobilisation level", "region": "Region"},
        "caption_separator": ": ",
        "front": {
            "authors": "**Authors**: {authors}.",
            "placeholders": " *Placeholder names, to be replaced in `config/report.yaml`.*",
            "affiliation_missing": "affiliation to be given",
            "licence": "**Licence**: {license} (file `LICENSE`), for the code, the simulated data and this report.",
            "cite": "**How to cite**: {citation}",
            "and": ", & ",
            "citation": "{authors} ({year}). *{title}* (version {version}, commit `{commit}`) [Computer software].{where}",
            "raw_simulated": "The raw data are in the repository's `data/raw/` folder: they are simulated data, produced "
                             "by the pipeline's simulator (seed {seed}), not real plans.",
            "raw_real": "The raw data are in the repository's `data/raw/` folder.",
            "derived": "The derived tables the pipeline computes from them, which every table and figure comes from, are "
                       "in `data/derived/`, each folder described by a `datapackage.json` (Frictionless Data Package); "
                       "the workbook `{workbook}`, beside this document, holds the report's tables.",
            "code": "The code (Snakemake pipeline and Python package `rlp_pipeline`) is in {where}, version {version}, "
                    "commit `{commit}`. The command `snakemake --cores 1` reruns every step, from the raw data to this "
                    "report.",
            "repository": "the repository {url}",
            "no_repository": "the git repository this report was built from",
            "licences": "Code, data and report are under the {license} licence (file `LICENSE`).",
        },
    },
}


def table_markdown(header: list[str], rows: list[list[str]], caption: str | None = None, label: str | None = None) -> str:
    """A pipe table; cells are already formatted Markdown. With a label, a captioned table that
    both Quarto and the fallback renderer number as a cross-reference target."""
    # Dashes proportional to each column's typical width: Pandoc turns them into relative column
    # widths when rows are long, so wordy columns get the room and numbers stay on one line.
    # Widths count the text a reader sees, not the markup (badge classes, link targets), plus three
    # for the cell's padding; a header may wrap between its words; a column whose cells are all
    # short gets room for its longest cell, so a short value (a badge, a percentage) is never
    # hyphenated.
    widths = []
    for i in range(len(header)):
        lengths = sorted(visible_length(row[i]) for row in rows) or [0]
        word = max(visible_length(w) for w in header[i].split()) if header[i].split() else 0
        widths.append(max(word, lengths[len(lengths) // 2], lengths[-1] if lengths[-1] <= 20 else 0) + 3)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("-" * min(w, 40) for w in widths) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") if "\\|" not in cell else cell for cell in row) + " |" for row in rows]
    if caption:
        lines += ["", f": {caption}" + (f" {{#{label}}}" if label else "")]
    return "\n".join(lines) + "\n"


def visible_length(cell: str) -> int:
    """The length of a Markdown cell as read: without raw inlines for one format (a badge's
    Typst frame, report.badge), span attributes (``]{.verdict ...}``), link targets
    (``](#sec-f01)``), brackets, backticks, emphasis marks and escaping backslashes."""
    text = re.sub(r"`[^`]*`\{=\w+\}|\]\{[^}]*\}|\]\([^)]*\)", "", cell)
    return len(re.sub(r"[\[\]`*\\]", "", text))


def french_statistics(detail: str) -> str:
    """A detail of statistics in French: decimal commas, and « ; » between the statistics of one
    variable, each variable's statistics in parentheses (« Région (X² = 18,55 ; p = 0,289) »), since a
    comma between « 1,11 » and « p » would read as one more decimal comma."""
    def variable(part: str) -> str:
        name, colon, stats = part.partition(": ")
        pairs = stats.split(", ")
        if colon and len(pairs) > 1 and all(re.fullmatch(r"[^=,;]+ = [^=,;]+", pair) for pair in pairs):
            return f"{name} ({' ; '.join(pairs)})"
        return part
    parts = [variable(part) for part in detail.split("; ")]
    joined = ", ".join(parts) if all(part.endswith(")") for part in parts) else " ; ".join(parts)
    return re.sub(r"(?<=\d)\.(?=\d)", ",", joined)


def verbatim(text: Any) -> str:
    """Text quoted from the data (an excerpt, a plan's name) as escaped Markdown marked
    [text]{.verbatim}: French typography (fmt.french_typography) leaves it exactly as written. Words
    longer than a line get invisible break opportunities (safety.text.breakable_markdown), so a
    hostile unbroken word can neither overflow the page nor slow the renderers down."""
    return f"[{breakable_markdown(escape_markdown(text))}]{{.verbatim}}"


def code_span(text: Any) -> str:
    """Text from outside the data (a commit id) as inline code, shown exactly as it is: Markdown
    takes a code span's content literally, so it is not backslash-escaped (the backslashes would
    show, as in "5be94ea\\-dirty"); the fence is longer than any run of backticks inside."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def flag(value: Any) -> bool:
    """A True/False cell of a CSV file as a boolean, whether pandas parsed it or left it as text."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    return str(value).strip().lower() in ("true", "1", "yes")


def typst_string(text: Any) -> str:
    """A Typst string literal holding any text on one line: backslashes and double quotes escaped,
    control characters and whitespace runs made one space (JSON's \\uXXXX escapes are not Typst's)."""
    words = re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).split()
    return '"' + " ".join(words).replace("\\", "\\\\").replace('"', '\\"') + '"'


def typeset_piece(method):
    """Decorate a Markdown piece of the report: its text gets the document's typography (French:
    fmt.french_typography), so every piece printed into the document follows one rule."""
    @functools.wraps(method)
    def piece(self, *args, **kwargs):
        return typeset(method(self, *args, **kwargs), self.language)
    return piece


@dataclass
class Report:
    """The derived tables of one build, and the Markdown pieces made from them in one language."""

    derived: Path
    codebook_path: Path
    language: str
    registry_path: Path = Path("../config/findings.yaml")
    settings_path: Path = Path("../config/report.yaml")
    # the report's project folder where the documents end up (real Quarto runs the cells in a
    # temporary copy of it, so the current folder is not always that one)
    report_dir: Path = Path(".")

    def __post_init__(self) -> None:
        self.derived = Path(self.derived)
        self.text = TEXT[self.language]

    # --- data ----------------------------------------------------------------------------------

    @cached_property
    def codebook(self) -> Codebook:
        return load_codebook(self.codebook_path)

    def table(self, relative: str) -> pd.DataFrame:
        return pd.read_csv(self.derived / relative, keep_default_na=False, na_values=[""])

    @cached_property
    def findings(self) -> pd.DataFrame:
        return self.table("findings/findings.csv")

    @cached_property
    def components(self) -> pd.DataFrame:
        table = self.table("tests/components.csv")
        for column in ("direction", "not_testable_reason", "label_a", "label_b", "method", "detail", "effect_name",
                       "adjustment", "effect_note"):
            table[column] = table[column].astype("string").fillna("").astype(str)
        return table

    @cached_property
    def front(self) -> FrontMatter:
        """The report's settings (config/report.yaml): authors, licence, version, repository."""
        return load_front_matter(self.settings_path)

    @cached_property
    def registry(self) -> Registry:
        return load_registry(self.registry_path, self.codebook)

    @cached_property
    def robustness(self) -> pd.DataFrame:
        """robustness.csv of the findings stage: every finding under every declared specification."""
        return self.table("findings/robustness.csv")

    def registry_finding(self, finding_id: str):
        return next(f for f in self.registry.findings if f.id == finding_id)

    def component_spec(self, finding_id: str, number: int) -> dict[str, Any]:
        finding = next(f for f in self.registry.findings if f.id == finding_id)
        return finding.components[int(number) - 1]

    def indicator_label(self, name: str) -> str:
        """An indicator of the registry in words, with codebook labels."""
        words = self.text["indicator"]
        kind, _, rest = name.partition(":")
        section = {"object": "objects", "strategy": "strategies", "substrategy": "substrategies"}.get(kind)
        if section:
            return self.label(section, rest)
        if kind == "pair":
            object_id, _, strategy_id = rest.partition(":")
            return words["pair"].format(strategy=self.label("strategies", strategy_id), object=self.label("objects", object_id))
        if kind in ("only_objects", "only_strategies"):
            section = "objects" if kind == "only_objects" else "strategies"
            return words["only"].format(codes=" / ".join(self.label(section, code) for code in rest.split("+")))
        return words[name]

    def component_label(self, spec: dict[str, Any]) -> str:
        """A component of the registry in words, in the document's language."""
        words, kind = dict(self.text["indicator"]), spec["kind"]
        if isinstance(spec.get("expected"), dict):
            high = spec["expected"]["higher_in"]
            words["group"] = words["group"].format(high=high, low="3-4" if high == "1-2" else "1-2")
        if kind == "majority":
            return self.indicator_label(spec["indicator"])
        if kind in ("trend_levels", "group_shift"):
            return f"{self.text['measures'][spec['measure']]} : {words['levels' if kind == 'trend_levels' else 'group']}" \
                if self.language == "fr" else f"{self.text['measures'][spec['measure']]}: {words['levels' if kind == 'trend_levels' else 'group']}"
        if kind == "group_difference":
            return f"{self.indicator_label(spec['indicator'])}, {words['group']}"
        if kind == "paired_difference":
            text = words["versus"].format(a=self.indicator_label(spec["indicator"]), b=self.indicator_label(spec["versus"]))
            return text + (", " + words["among"].format(within=self.indicator_label(spec["within"])) if "within" in spec else "")
        if kind == "sign_test":
            return words["sign"].format(a=self.text["measures"][spec["measure"]], b=self.text["measures"][spec["versus"]])
        if kind == "presence":
            return words["presence"].format(strategy=self.label("strategies", spec["strategy"]))
        if kind == "all_plans":
            return claims.WORDS[self.language]["all_plans_label"].format(
                a=self.text["measures"][spec["measure"]], b=self.text["measures"][spec["versus"]])
        return words[kind]

    def test_label(self, kind: str, method: str) -> str:
        """The test of a component in the document's language."""
        names = self.text["kinds"]
        if kind == "group_difference":
            key = "chi-square" if method.startswith("Pearson") else "fisher" if method.startswith("Fisher") else "exact"
            return names[key]
        if kind == "all_plans":
            return claims.WORDS[self.language]["all_plans_test"]
        return names[kind]

    @cached_property
    def record(self) -> dict[str, Any]:
        return json.loads((self.derived / "sample" / "sampling_record.json").read_text(encoding="utf-8"))

    @cached_property
    def stability(self) -> pd.DataFrame:
        """stability.csv of the stability stage, indexed by finding, with `assessed` as booleans.
        Its findings must be those of findings.csv, in the same order (both follow the registry)."""
        table = self.table("stability/stability.csv")
        table["assessed"] = [flag(value) for value in table["assessed"]]
        table["not_assessed_reason"] = table["not_assessed_reason"].astype("string").fillna("").astype(str)
        if list(table["finding"]) != list(self.findings["id"]):
            raise ValueError(f"stability/stability.csv lists the findings {list(table['finding'])}, but "
                             f"findings/findings.csv lists {list(self.findings['id'])}: rerun the stability stage")
        return table.set_index("finding", drop=False)

    @cached_property
    def stability_record(self) -> dict[str, Any]:
        return json.loads((self.derived / "stability" / "stability_record.json").read_text(encoding="utf-8"))

    @cached_property
    def figures(self) -> dict[str, dict[str, Any]]:
        entries = json.loads((self.derived / "figures" / "figures.json").read_text(encoding="utf-8"))
        return {entry["id"]: entry for entry in entries}

    @cached_property
    def reliability(self):
        """The coding-reliability pieces (section, table, flags, summary note): rlp_pipeline.reporting.reliability."""
        from .reliability import Reliability

        return Reliability(self.derived, self.codebook, self.registry, self.language)

    def label(self, section: str, code: Any) -> str:
        return escape_markdown(self.codebook.label(section, code, self.language))

    # --- sources of the tables (captions) ------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        """The language's Quarto profile (_quarto-<language>.yml) in the folder the cells run in
        (the report's), or {} when there is none."""
        import yaml

        path = Path(f"_quarto-{self.language}.yml")
        return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}

    @cached_property
    def output_folder(self) -> Path:
        """The folder the documents end up in: the profile's project output-dir under the report's
        project folder (report_dir, set by run_report: not the temporary copy Quarto renders)."""
        output = str((self.profile().get("project") or {}).get("output-dir", f"_output/{self.language}"))
        return Path(self.report_dir).resolve() / output

    def source_note(self, *sources: str | Path) -> str:
        """The end of a table's caption: the file(s) it is computed from, in code style, each a
        relative link from the document's folder (so that it opens from the HTML where the
        pipeline wrote it; the PDF shows the name only, see typst_setup). A source is a derived
        table's path under data/derived (it must be one of reporting.sources.REPORT_TABLES or a
        JSON record) or the path of an input file."""
        files = []
        for source in sources:
            path = Path(source) if isinstance(source, Path) else self.derived / check_source(str(source))
            files.append(file_link(path, self.derived.resolve().parent.parent, self.output_folder))
        return self.text["source_note"].format(files=", ".join(files))

    def table_ref(self, kind: str, label: str, **values: str) -> str:
        """The sentence that refers to a generated table (« Le Tableau N donne… »)."""
        return self.text["table_refs"][kind].format(ref=label, **values) + "\n\n"

    # --- small formatters ----------------------------------------------------------------------

    def pct(self, share: float) -> str:
        return format_percent(share, self.language)

    def share_ci(self, share: float, low: float, high: float) -> str:
        return f"{self.pct(share)} {format_interval(low, high, self.language, percent=True)}"

    def badge(self, verdict: str) -> str:
        """A verdict as a readable badge: symbol and words (never colour alone). In the HTML a pill
        (report/style.css's .verdict); in the PDF a framed box (typst_setup's rlp-badge, in raw
        Typst that HTML drops), so that the badge no longer runs into the sentence after it."""
        code = self.codebook.code("verdicts", verdict)
        css = verdict.replace(" ", "-")
        return (f"`#rlp-badge[`{{=typst}}[{code.attributes['symbol']} {escape_markdown(code.label[self.language])}]"
                f"{{.verdict .verdict-{css}}}`]`{{=typst}}")

    # --- pieces ----------------------------------------------------------------------------------

    @typeset_piece
    def simulated_notice(self) -> str:
        """A warning callout on the first page when the data is simulated (empty otherwise)."""
        if not self.record.get("simulated"):
            return ""
        return "::: {.callout-warning}\n" + self.text["simulated"].format(seed=self.record["seed"]) + "\n:::\n"

    @typeset_piece
    def byline(self, date: str, commit: str) -> str:
        """Date, code version and data provenance in one line under the title."""
        return self.text["byline"].format(
            date=escape_markdown(date), commit=code_span(commit),
            N=format_count(self.record["population_size"], self.language),
            simulated=self.text["simulated_short"] if self.record["simulated"] else "",
            n=format_count(self.record["sample_size"], self.language), seed=self.record["seed"]) + "\n"

    @typeset_piece
    def title_page(self, commit: str) -> str:
        """Authors (placeholders said so), licence and how to cite, under the title: from
        config/report.yaml, like CITATION.cff."""
        return title_page(self.front, commit, self.text["front"], self.language)

    @typeset_piece
    def availability(self, commit: str) -> str:
        """Where the data (raw, derived, workbook) and the code (repository, version) are, and the licence."""
        return availability(self.front, commit, self.record["seed"], bool(self.record["simulated"]),
                            WORKBOOK_NAMES[self.language], self.text["front"])

    @typeset_piece
    def heading(self, key: str, level: int = 1) -> str:
        """A section heading whose identifier (#sec-<key>) is the same in both languages: written
        once here rather than in both language blocks of index.qmd, where Quarto would see the
        identifier twice (it resolves identifiers before it drops the other language's block)."""
        return f"{'#' * level} {self.text['headings'][key]} {{#sec-{key}}}\n"

    def document_title(self) -> str:
        """The document's title, from the language's Quarto profile (_quarto-<language>.yml) in the
        folder the cells run in (the report's), or "" when there is none."""
        return str(self.profile().get("title", ""))

    def typst_setup(self, date: str = "") -> str:
        """Raw Typst rules for the PDF, the same under Quarto and the fallback renderer: the
        document's date (the code version's, YYYY-MM-DD, so that two builds of the same code give
        the same PDF, byte for byte), the language's caption separator, and tables and figures that
        may break across pages (Typst keeps a figure on one page by default, so a long table
        overprinted the page's bottom)."""
        separator = self.text["caption_separator"].replace("\u00a0", "~")
        stamp = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date.strip())
        dated = (f"#set document(date: datetime(year: {int(stamp[1])}, month: {int(stamp[2])}, day: {int(stamp[3])}))\n"
                 if stamp else "")
        title = self.document_title()
        if title:  # the PDF's title (accessibility), also what Typst derives the PDF's /ID from
            dated += f"#set document(title: {json.dumps(title, ensure_ascii=False)})\n"
        if self.settings_path.exists():  # the PDF's authors, from config/report.yaml like the title page
            authors = ", ".join(json.dumps(author.name, ensure_ascii=False) for author in self.front.authors)
            dated += f"#set document(author: ({authors},))\n"
        return ("```{=typst}\n" + dated +
                f'#set figure.caption(separator: [{separator}])\n'
                # a verdict badge (Report.badge): framed, in semibold, apart from the sentence around it
                "#let rlp-badge(body) = box(stroke: 0.6pt + luma(110), inset: (x: 3pt), outset: (y: 2.5pt), "
                "radius: 5pt, text(weight: \"semibold\", body))\n"
                "#show figure: set block(breakable: true)\n"
                # a caption above its table stays with it (never alone at a page's bottom)
                "#show figure.caption: it => block(sticky: true, it)\n"
                # table cells: left-aligned, neither justified nor hyphenated (« ajus-tée »)
                "#show table.cell: set align(left)\n"
                "#show table.cell: set par(justify: false)\n"
                "#show table.cell: set text(hyphenate: false)\n"
                # table text a little smaller than the prose, so that a long word (« Institutionnalisation »)
                # fits its column instead of running into the next one
                "#show table: set text(size: 0.85em)\n"
                # a little more room between columns, so that neighbouring values (« p = 0,012 » and
                # its adjusted p) never read as one
                "#set table(column-gutter: 0.6em)\n"
                # a link to a file beside the report (a table's source) opens from the HTML; in the PDF
                # the file's name is shown as it is (it would open nothing)
                "#show link: it => if type(it.dest) == str and not it.dest.contains(\":\") { it.body } else { it }\n"
                # long inline code (checksums, code ids in narrow columns) wraps instead of running off
                # the page: a line may break between boxes of 4 characters (nothing is inserted in
                # the text, so a copied checksum stays exact)
                "#show raw.where(block: false): it => if it.text.len() > 12 { text(font: \"DejaVu Sans Mono\", "
                "size: 0.9em, it.text.clusters().chunks(4).map(c => box(c.join())).join()) } else { it }\n"
                "```\n")

    @staticmethod
    def keyboard_scrolling() -> str:
        """A raw HTML script (HTML output only) that lets keyboard users scroll a table wider than
        its column (report/style.css makes such a table scroll inside its own box): each table that
        scrolls, on load and after a resize, can take the focus (Tab), then the arrow keys scroll it
        (WCAG 2.1.1; axe-core's rule scrollable-region-focusable)."""
        return ("```{=html}\n<script>\n"
                "function rlpScrollableTables() { document.querySelectorAll('table').forEach(t => {\n"
                "  if (t.scrollWidth > t.clientWidth + 1) { t.tabIndex = 0; } else { t.removeAttribute('tabindex'); } }); }\n"
                "document.addEventListener('DOMContentLoaded', rlpScrollableTables);\n"
                "window.addEventListener('resize', rlpScrollableTables);\n"
                "</script>\n```\n")

    @typeset_piece
    def language_switch(self) -> str:
        """A raw HTML link to the other language's document (HTML output only)."""
        other = "en" if self.language == "fr" else "fr"
        return (f'```{{=html}}\n<p class="lang-switch"><a href="../{other}/index.html" hreflang="{other}" '
                f'lang="{other}">{self.text["switch"]}</a></p>\n```\n')

    @typeset_piece
    def summary_table(self) -> str:
        """Every finding: id linking to its section, short statement, measured value, badge, and
        the share of alternative samples in which it is reproduced (stability stage)."""
        rows = []
        for row in self.findings.itertuples():
            rows.append([
                f"[{row.id}](#sec-{row.id.lower()})",
                escape_markdown(row.short_fr if self.language == "fr" else row.short_en),
                self.measured_value(row),
                self.badge(row.verdict),
                self.stability_cell(row.id),
                claims.robustness_cell(self.robustness, row.id, self.language),
            ])
        caption = self.text["captions"]["tbl-summary"] + self.source_note(
            "findings/findings.csv", "tests/components.csv", "stability/stability.csv", "findings/robustness.csv")
        return table_markdown(self.text["summary_head"], rows, caption, "tbl-summary")

    def measured_value(self, row) -> str:
        """The deciding component's values in a few words, labelled (reporting.claims)."""
        return claims.measured_value(row, self.components, self.language)

    def typeset(self, markdown: str) -> str:
        """A piece built outside this class (reporting.claims, reporting.reliability) with the
        document's typography, like every piece this class prints."""
        return typeset(markdown, self.language)

    @typeset_piece
    def finding_section(self, finding_id: str, evidence: str = "") -> str:
        """A finding's section: heading, quoted source, rendering, evidence, numbers, verdict."""
        row = self.findings.set_index("id").loc[finding_id]
        short = row["short_fr"] if self.language == "fr" else row["short_en"]
        parts = [f"## {finding_id} — {escape_markdown(short)} {{#sec-{finding_id.lower()}}}", ""]
        # the source is French: in the English document it is marked lang="fr" (screen readers)
        parts += [f"> « {escape_markdown(row['source_fr'])} »" if self.language == "fr"
                  else f"> [*{escape_markdown(row['source_fr'])}*]{{lang=\"fr\"}}", ""]
        if self.language == "en":
            parts += [f"{self.text['rendering']}: {escape_markdown(row['statement_en'])}", ""]
        parts += [claims.operationalisation_box(self.registry_finding(finding_id), self.language)]
        if evidence:
            parts += [evidence, ""]
        parts += [self.components_table(finding_id), ""]
        parts += [f"**{self.text['verdict']} :** {self.badge(row['verdict'])} {self.interpretation(row)}"
                  if self.language == "fr" else f"**{self.text['verdict']}:** {self.badge(row['verdict'])} {self.interpretation(row)}", ""]
        parts += [self.reliability.flag(finding_id)]  # caution when it rests on a weakly reliable code dimension
        parts += [claims.robustness_block(self.robustness, finding_id, self.language, self.badge,
                                          self.source_note("findings/robustness.csv"))]
        return "\n".join(parts)

    def interpretation(self, row: pd.Series) -> str:
        """One sentence generated from the verdict and the components (reporting.claims)."""
        return claims.verdict_sentence(row, self.components, self.language)

    def components_table(self, finding_id: str) -> str:
        """Every component of a finding with its test, raw and adjusted p, effect and direction."""
        rows = []
        for c in self.components[self.components["finding"] == finding_id].itertuples():
            values = self.component_values(c)
            effect = claims.effect_cell(c, self.language)
            rows.append([
                str(c.component), self.component_label(self.component_spec(finding_id, c.component)), values,
                self.test_label(c.kind, c.method),
                format_p(c.p_value, self.language), claims.adjusted_p_cell(c.p_adjusted, c.adjustment, self.language),
                effect, claims.direction_cell(c, self.text["direction"], self.language),
            ])
        label = f"tbl-components-{finding_id.lower()}"
        caption = self.text["captions"]["tbl-components"].format(id=finding_id) + self.source_note("tests/components.csv")
        return self.table_ref("components", label, id=finding_id) + table_markdown(self.text["component_head"], rows, caption, label)

    def component_values(self, c) -> str:
        if pd.isna(c.value_a):
            return escape_markdown(self.localised_detail(c.detail))
        if c.kind in ("majority", "paired_difference", "group_difference"):
            return f"{self.pct(c.value_a)} / {self.pct(c.value_b)}"
        if c.kind in ("presence", "coverage"):
            return f"{format_count(c.value_a, self.language)} / {format_count(c.value_b, self.language)}"
        return f"{format_number(c.value_a, self.language, 2)} / {format_number(c.value_b, self.language, 2)}"

    @typeset_piece
    def localised_detail(self, detail: str) -> str:
        """A component's detail as the stage wrote it ("mobilisation_level: X² = 1.11, p = 0.785"),
        in the document's language: variable names in words, and French decimal commas."""
        for variable, words in self.text["balance_variables"].items():
            detail = re.sub(rf"\b{variable}\b", words, detail)
        return french_statistics(detail) if self.language == "fr" else detail

    @typeset_piece
    def figure(self, figure_id: str) -> str:
        """A figure of the figures stage with its caption and alt text, as a cross-reference target."""
        entry = self.figures[figure_id]
        # Copied beside the document (cells run in its folder): Typst only reads files under the
        # project's root, and Quarto expects local images.
        source = self.derived / "figures" / entry["files"][self.language]
        path = Path("_figures") / entry["files"][self.language]
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        alt = entry["alt"][self.language].replace('"', "'")
        caption = f'{escape_markdown(entry["caption"][self.language])} {self.text["drawn_by"]} `{entry["function"]}`.'
        # The PDF's alt text, the same words as the HTML's (Pandoc's Typst writer drops fig-alt):
        # a set rule just before the figure, in force until the next figure's
        return (f'```{{=typst}}\n#set image(alt: {typst_string(alt)})\n```\n\n'
                f'![{caption}]({Path(path).as_posix()}){{#fig-{figure_id.replace("_", "-")} fig-alt="{alt}"}}\n')

    def design(self, stratify_by: str | None) -> str:
        """The sampling design in words: simple random, or stratified by a column."""
        if self.language == "fr":
            return "échantillon aléatoire simple" if stratify_by is None else f"stratifié selon {stratify_by}"
        return "simple random sample" if stratify_by is None else f"stratified by {stratify_by}"

    @typeset_piece
    def sample_paragraph(self) -> str:
        record = self.record
        method = self.design(record["stratify_by"])
        analysed = len(self.table("frequencies/analysed_plans.csv"))
        return self.text["sample_sentence"].format(
            N=format_count(record["population_size"], self.language), n=format_count(record["sample_size"], self.language),
            fraction=self.pct(record["sample_size"] / record["population_size"]), seed=record["seed"], method=method,
            analysed=format_count(analysed, self.language)) + "\n"

    @typeset_piece
    def balance_table(self) -> str:
        balance = self.table("sample/balance.csv")
        rows = [[escape_markdown(self.text["balance_variables"].get(r.variable, r.variable)),
                 escape_markdown(r.label_fr if self.language == "fr" else r.label_en),
                 f"{format_count(r.population_n, self.language)} ({self.pct(r.population_pct / 100)})",
                 f"{format_count(r.sample_n, self.language)} ({self.pct(r.sample_pct / 100)})",
                 format_number(r.difference_pct_points, self.language)] for r in balance.itertuples()]
        caption = self.text["captions"]["tbl-balance"] + self.source_note("sample/balance.csv")
        return self.table_ref("balance", "tbl-balance") + table_markdown(self.text["balance_head"], rows, caption, "tbl-balance")

    @typeset_piece
    def levels_table(self) -> str:
        plans = self.table("frequencies/analysed_plans.csv")
        rows = []
        for code in self.codebook.codes("mobilisation_levels"):
            count = int((plans["mobilisation_level"] == code.id).sum())
            rows.append([f"{code.id} — {self.label('mobilisation_levels', code.id)}", escape_markdown(code.definition[self.language]),
                         format_count(count, self.language), self.pct(count / len(plans)) if len(plans) else "–"])
        caption = self.text["captions"]["tbl-levels"] + self.source_note(self.codebook_path, "frequencies/analysed_plans.csv")
        return table_markdown(self.text["level_head"], rows, caption, "tbl-levels")

    @typeset_piece
    def codebook_table(self, section: str, label: str) -> str:
        if section == "strategies":
            rows = [[str(c.attributes["complexity_rank"]), f"`{c.id}`", self.label(section, c.id), escape_markdown(c.definition[self.language])]
                    for c in self.codebook.codes(section)]
            return table_markdown(self.text["strategy_head"], rows, self.text["captions"][label] + self.source_note(self.codebook_path), label)
        rows = [[f"`{c.id}`", self.label(section, c.id), escape_markdown(c.definition[self.language])] for c in self.codebook.codes(section)]
        return table_markdown(self.text["code_head"], rows, self.text["captions"][label] + self.source_note(self.codebook_path), label)

    @typeset_piece
    def substrategies_table(self, strategy: str | None = None) -> str:
        subs = self.table("frequencies/substrategies.csv")
        if strategy:
            subs = subs[subs["strategy"] == strategy]
        rows = [[self.label("strategies", r.strategy), self.label("substrategies", r.substrategy),
                 f"{format_count(r.plans_using, self.language)} / {format_count(r.plans_using_strategy, self.language)}",
                 self.share_ci(r.share_within_strategy, r.ci_low, r.ci_high)] for r in subs.itertuples()]
        source = self.source_note("frequencies/substrategies.csv")
        if not strategy:
            return table_markdown(self.text["sub_head"], rows, self.text["captions"]["tbl-substrategies"] + source, "tbl-substrategies")
        label, name = f"tbl-substrategies-{strategy.replace('_', '-')}", self.label("strategies", strategy)
        caption = self.text["captions"]["tbl-substrategies-of"].format(strategy=name) + source
        return self.table_ref("substrategies", label, strategy=name) + table_markdown(self.text["sub_head"], rows, caption, label)

    @typeset_piece
    def examples(self, strategy: str) -> str:
        """One quoted excerpt per sub-strategy of a strategy, with the plan's name: the first
        coded passage of the sample (file order) that has an excerpt. Excerpts and names are
        data, so they are escaped and always show as plain text."""
        codings = self.table("sample/codings.csv").fillna("")
        names = self.table("sample/sampled_plans.csv").fillna("").set_index("plan_id")["name"]
        lines = [self.text["examples"], ""]
        for sub in self.codebook.substrategies_of(strategy):
            quoted = codings[(codings["substrategy"] == sub) & (codings["excerpt"].astype(str) != "")]
            if len(quoted):
                first = quoted.iloc[0]
                name = str(names.get(first["plan_id"], "")) or str(first["plan_id"])
                # quotations of the data, shown exactly as written (no typography applied)
                excerpt = f"« {verbatim(first['excerpt'])} »"  # excerpts are French
                example = (excerpt if self.language == "fr" else f'[{excerpt}]{{lang="fr"}}') + f" ({verbatim(name)})"
            else:
                example = self.text["no_example"]
            lines.append(f"- *{self.label('substrategies', sub)}* : {example}" if self.language == "fr"
                         else f"- *{self.label('substrategies', sub)}*: {example}")
        return "\n".join(lines) + "\n"

    @typeset_piece
    def status_table(self) -> str:
        status = self.table("frequencies/strategy_status.csv")
        rows = []
        for code in self.codebook.codes("strategies"):
            cells = [f"{self.label('strategies', code.id)} ({code.attributes['complexity_rank']})"]
            for status_id in self.codebook.ids("statuses"):
                r = status[(status["strategy"] == code.id) & (status["status"] == status_id)].iloc[0]
                cells.append(self.share_ci(r["share"], r["ci_low"], r["ci_high"]))
            rows.append(cells)
        caption = self.text["captions"]["tbl-status"] + self.source_note("frequencies/strategy_status.csv")
        return self.table_ref("status", "tbl-status") + table_markdown(self.text["status_head"], rows, caption, "tbl-status")

    @typeset_piece
    def diversity_table(self) -> str:
        summary = self.table("diversity/summary.csv")
        rows = []
        for measure in ("n_objects", "n_strategies", "shannon_strategies"):
            for r in summary[(summary["measure"] == measure) & (summary["grouping"].isin(["group", "all"]))].itertuples():
                group = self.text["groups_all"] if r.grouping == "all" else escape_markdown(r.group_label_fr if self.language == "fr" else r.group_label_en)
                quartiles = format_interval(r.q1, r.q3, self.language, digits=2)
                rows.append([self.text["measures"][measure], group, format_count(r.n, self.language),
                             format_number(r.mean, self.language, 2), f"{format_number(r.median, self.language, 2)} {quartiles}"])
        caption = self.text["captions"]["tbl-diversity"] + self.source_note("diversity/summary.csv")
        return self.table_ref("diversity", "tbl-diversity") + table_markdown(self.text["diversity_head"], rows, caption, "tbl-diversity")

    @typeset_piece
    def battery_table(self, finding_id: str, codes: list[tuple[str, str]]) -> str:
        """Use by group for the given (variable_type, code) pairs, with the battery's tests: the
        evidence of one finding, numbered #tbl-battery-<finding>."""
        battery = self.table("tests/battery.csv")
        rows = []
        for variable_type, code in codes:
            r = battery[(battery["variable_type"] == variable_type) & (battery["code"] == code) & (battery["grouping"] == "group")].iloc[0]
            # A group with no analysed plan (small real data) is absent from the battery: shown as a dash.
            counts = dict(zip(str(r["categories"]).split("|"), zip(str(r["plans_using"]).split("|"), str(r["plans_in_category"]).split("|"))))
            cells = [f"{self.pct(int(u) / int(t))} ({u}/{t})" if (u, t) != ("", "") and int(t) else "–"
                     for u, t in (counts.get(group, ("", "")) for group in ("1-2", "3-4"))]
            section = {"object": "objects", "strategy": "strategies", "substrategy": "substrategies"}[variable_type]
            odds = claims.battery_effect_cell(r, self.language)
            rows.append([self.label(section, code) + claims.confirmatory_mark(r["confirmatory_component"])] + cells
                        + [self.test_label("group_difference", str(r["method"])), format_p(r["p_value"], self.language),
                           claims.adjusted_p_cell(r["p_adjusted"], r["adjustment"], self.language), odds])
        label = f"tbl-battery-{finding_id.lower()}"
        caption = self.text["captions"]["tbl-battery"].format(id=finding_id) + self.source_note("tests/battery.csv")
        return self.table_ref("battery", label) + table_markdown(self.text["battery_head"], rows, caption, label)

    # --- stability across random samples (the stability stage) ---------------------------------

    def finding_link(self, finding_id: str) -> str:
        return f"[{finding_id}](#sec-{finding_id.lower()})"

    def stability_cell(self, finding_id: str) -> str:
        """The share of alternative samples in which a finding is reproduced, or « non évalué »."""
        row = self.stability.loc[finding_id]
        return claims.stability_flag(row["share_reproduced"], self.language) if row["assessed"] else self.text["not_assessed"]

    def reproduced_word(self) -> str:
        """The verdict "reproduced" inside a sentence: its codebook label, in lower case."""
        label = self.codebook.label("verdicts", "reproduced", self.language)
        return escape_markdown(label[:1].lower() + label[1:])

    def stability_head(self) -> list[str]:
        """The stability table's column headers, with the codebook's word for "reproduced"."""
        return [head.format(reproduced=self.reproduced_word()) for head in self.text["stability_head"]]

    @typeset_piece
    def stability_notice(self) -> str:
        """A warning callout in the stability section when its data is simulated (empty otherwise)."""
        if not (self.stability_record.get("simulated") or self.record.get("simulated")):
            return ""
        return "::: {.callout-warning}\n" + self.text["stability_simulated"] + "\n:::\n"

    @typeset_piece
    def stability_paragraphs(self) -> str:
        """How the alternative samples were drawn and why (from the stability record), how to read
        the shares, and the range of the shares and the findings not assessed (from stability.csv)."""
        record, text, language, reproduced = self.stability_record, self.text, self.language, self.reproduced_word()
        method, redraws, head = record["method"], format_count(record["redraws"], language), self.stability_head()
        drawn = text["stability_method"][method].format(
            N=format_count(record["population_size"], language), n=format_count(record["sample_size"], language),
            fraction=self.pct(record["fraction"]), design=self.design(record["stratify_by"]), seed=record["seed"])
        paragraphs = [" ".join([text["stability_intro"].format(redraws=redraws), drawn, text["stability_battery"]]),
                      " ".join([text["stability_reading"].format(redraws=redraws, verdict=head[2], same=head[4],
                                                                 reproduced=reproduced),
                                text["stability_caveat"][method].format(reproduced=reproduced)])]
        facts = [sentence for sentence in (self.stability_range(), self.not_assessed_sentence()) if sentence]
        if facts:
            paragraphs.append(" ".join(facts))
        return "\n\n".join(paragraphs) + "\n"

    def stability_range(self) -> str:
        """The lowest and highest share reproduced among the assessed findings, with their ids."""
        assessed = self.stability[self.stability["assessed"]]
        if assessed.empty:
            return ""
        shares = assessed["share_reproduced"].astype(float)
        k = format_count(len(assessed), self.language)
        if shares.min() == shares.max():
            return self.text["stability_same"].format(k=k, value=self.pct(shares.min()), reproduced=self.reproduced_word())
        ids = lambda value: ", ".join(self.finding_link(f) for f in assessed.loc[shares == value, "finding"])  # noqa: E731
        return self.text["stability_range"].format(k=k, low=self.pct(shares.min()), low_ids=ids(shares.min()),
                                                   high=self.pct(shares.max()), high_ids=ids(shares.max()),
                                                   reproduced=self.reproduced_word())

    def not_assessed_sentence(self) -> str:
        """The findings the stability stage could not assess (with its reason, in English only:
        the stage writes it in English)."""
        missing = self.stability[~self.stability["assessed"]]
        if missing.empty:
            return ""
        items = [self.finding_link(row.finding) + (f" ({escape_markdown(row.not_assessed_reason)})"
                                                   if self.language == "en" and row.not_assessed_reason else "")
                 for row in missing.itertuples()]
        return self.text["stability_not_assessed"]["one" if len(items) == 1 else "many"].format(ids=", ".join(items))

    @typeset_piece
    def stability_table(self) -> str:
        """Every finding: id linking to its section, short statement, the actual sample's verdict
        (badge), share of alternative samples reproducing it with its Monte Carlo interval, and
        share of alternative samples reaching the actual sample's verdict."""
        rows = []
        for row in self.findings.itertuples():
            stable = self.stability.loc[row.id]
            if stable["assessed"]:
                share = self.share_ci(stable["share_reproduced"], stable["share_ci_low"], stable["share_ci_high"])
                same = self.pct(stable["share_same_verdict"])
            else:
                share, same = self.text["not_assessed"], "–"
            rows.append([self.finding_link(row.id), escape_markdown(row.short_fr if self.language == "fr" else row.short_en),
                         self.badge(stable["observed_verdict"]), share, same])
        caption = self.text["captions"]["tbl-stability"] + self.source_note("stability/stability.csv")
        return self.table_ref("stability", "tbl-stability") + table_markdown(self.stability_head(), rows, caption, "tbl-stability")

    @typeset_piece
    def dictionary_table(self) -> str:
        """Every derived table with its path, title and columns, from the stages' data packages."""
        rows = []
        for package_path in sorted(self.derived.glob("*/datapackage.json")):
            package = json.loads(package_path.read_text(encoding="utf-8"))
            for resource in package["resources"]:
                columns = ", ".join(f"`{field['name']}`" for field in resource["schema"]["fields"])
                key = f"{package_path.parent.name}/{resource['path']}"
                rows.append([f"`data/derived/{key}`", self.derived_title(key, resource["title"]), columns])
        caption = self.text["captions"]["tbl-dictionary"] + self.source_note(self.derived)
        return table_markdown(self.text["dict_head"], rows, caption, "tbl-dictionary")

    def derived_title(self, key: str, english: str) -> str:
        """A derived table's title in the document's language; a table without a French title yet
        shows its English one marked lang="en" (screen readers, and the French-text test, know it)."""
        title = DERIVED_TITLES_FR.get(key) if self.language == "fr" else None
        if title or self.language == "en":
            return escape_markdown(title or english)
        return f'[{escape_markdown(english)}]{{lang="en"}}'

    @typeset_piece
    def provenance_table(self, renderer: str, commit: str) -> str:
        words = self.text["provenance"]
        provenance = json.loads((self.derived / "validated" / "provenance.json").read_text(encoding="utf-8"))
        versions = ", ".join(f"{name} {version}" for name, version in sorted(self.record["versions"].items()))
        rows = [[words["simulated"], words["yes"] if self.record["simulated"] else words["no"]],
                [words["commit"], code_span(commit)], [words["renderer"], escape_markdown(renderer)],
                [words["seed_sampling"], str(self.record["seed"])],
                [words["seed_stability"], str(self.stability_record["seed"])], [words["versions"], escape_markdown(versions)]]
        rows += [[words["input"].format(path=f"`{path}`"), f"`{facts['sha256']}`"] for path, facts in provenance["inputs"].items()]
        caption = self.text["captions"]["tbl-provenance"] + self.source_note(
            "validated/provenance.json", "sample/sampling_record.json", "stability/stability_record.json")
        return table_markdown(self.text["prov_head"], rows, caption, "tbl-provenance")
