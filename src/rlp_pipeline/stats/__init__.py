"""Statistics: tests and effect sizes (inference), proportions and diversity indices
(descriptive), inter-coder agreement (agreement), rarefied Hill numbers (hill)."""
