"""Stages of the pipeline added as their own modules, one per Snakemake rule, named like the rule."""
