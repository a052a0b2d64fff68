"""Does the database answer? (the health and readiness probes' first question)."""

from __future__ import annotations

from sqlalchemy import text

from complaints.extensions import db


def database_answers() -> bool:
    """One trivial query; a failure rolls the session back, so the request can go on."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False
