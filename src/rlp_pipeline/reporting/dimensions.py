"""The code dimensions whose reliability is measured, in the order the reliability table and figure
show them, with their labels in each language (one place for both; the figure's module stays
free of the report's imports, so editing the report does not re-run the figures stage)."""

DIMENSION_ORDER = ("object", "strategy", "substrategy", "status")
DIMENSION_LABELS = {
    "fr": {"object": "Objet", "strategy": "Stratégie", "substrategy": "Sous-stratégie",
           "status": "Statut (stratégie × statut)"},
    "en": {"object": "Object", "strategy": "Strategy", "substrategy": "Sub-strategy",
           "status": "Status (strategy × status)"},
}
