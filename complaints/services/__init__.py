"""Domain services: the only place that owns transactions and business rules."""
