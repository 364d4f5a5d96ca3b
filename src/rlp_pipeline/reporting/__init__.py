"""The report: its content built from the derived tables, one module per theme; the document's
assembly and layout (`document`); the renderers, real Quarto or the fallback (`render`)."""
