"""Pieces of the report added as their own modules (the report's words for one section each)."""
