"""Data in bulk: the demo accounts and year, imported history and its categories, the bulk writer."""
