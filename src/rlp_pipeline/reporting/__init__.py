"""Report content built from the derived tables, one module per theme (the layout and the
document's assembly stay in :mod:`rlp_pipeline.report`)."""
