"""PDPA duties: the audit trail, data-subject requests and erasure, retention, contact keys and their rotation."""
