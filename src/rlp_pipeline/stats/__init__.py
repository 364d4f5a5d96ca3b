"""Statistical estimators that are more than a line of numpy (one module per family)."""
