"""Helpers the Snakemake workflow calls while it is parsed (not during the stages' runs)."""
