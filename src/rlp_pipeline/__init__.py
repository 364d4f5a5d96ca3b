"""Reproducible pipeline for the report on the sustainability strategies of Québec's local
partner groups in early childhood (RLP): coded plans in, validated tables, a random sample,
statistics, findings and a bilingual report out."""

__version__ = "0.1.0"
