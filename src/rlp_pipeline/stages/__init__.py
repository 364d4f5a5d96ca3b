"""Stages of the pipeline, one module per Snakemake rule, named like the rule (the rule `tests` is
`stages/tests.py`, `sample` is `stages/sample.py`, `audit` is `stages/audit.py`)."""
