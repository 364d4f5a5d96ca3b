"""Statistics: tests and effect sizes (inference), proportions and diversity indices
(descriptive), inter-coder agreement (agreement), rarefied Hill numbers (hill)."""

# The number of coded passages each plan's Hill numbers are rarefied to when nothing says
# otherwise (the stage commands' option, the functions' default). The pipeline passes
# config/config.yaml's statistics.rarefaction_size; tests/test_mutants_diversity.py keeps the two
# equal. Here rather than in stats.hill so that the command line reads it without numpy and scipy.
DEFAULT_RAREFACTION_SIZE = 4
