"""Statistics that stand on their own, one module per family (e.g. inter-coder agreement)."""
