"""Helpers the Snakemake process itself calls (while the workflow is parsed, or once its jobs
have run), not the stages' jobs."""
