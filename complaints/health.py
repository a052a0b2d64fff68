"""GET /healthz: is the database answering, is the broker reachable."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from complaints.extensions import db

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _broker_ok() -> bool:
    celery = current_app.extensions.get("celery")
    if celery is None:
        return False
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@bp.get("/healthz")
def healthz():
    db_ok = _database_ok()
    broker_ok = _broker_ok()
    body = {
        "status": "ok" if db_ok and broker_ok else ("degraded" if db_ok else "down"),
        "db": "ok" if db_ok else "down",
        "broker": "ok" if broker_ok else "down",
    }
    return jsonify(body), 200 if db_ok else 503
