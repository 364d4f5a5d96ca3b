"""Pipeline stages added as separate modules, one per Snakemake rule, named like the rule."""
