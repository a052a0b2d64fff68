"""GET /healthz (liveness) and GET /readyz (readiness).

/healthz answers whether this process is up and its database answers: a
supervisor restarts the process when it fails. The broker is reported but does
not fail it (restarting the web app does not bring Redis back).

/readyz answers whether the system does its job: the database and the broker
answer, a worker recorded a heartbeat within READY_WORKER_MAX_AGE_SECONDS
(services.heartbeat: a worker that starts, and each run of the outbox relay), the
oldest acknowledgement still pending is younger than READY_MAX_PENDING_ACK_SECONDS,
and a stored contact decrypts with the configured keys. 200 {"status": "ready"}
or 503 {"status": "not_ready"}, each check with its reason. Nothing personal is
in the answer.
"""

from __future__ import annotations

import time

from flask import current_app, jsonify

from complaints.extensions import db
from complaints.models import utcnow
from complaints.ops.views import bp
from complaints.services.messaging import outbox_admin
from complaints.services.operations import database_probe, heartbeat
from complaints.services.privacy import contact_crypto


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
    """Liveness: the process answers and its database does."""
    db_ok = database_probe.database_answers()
    broker_ok = _broker_ok()
    body = {
        "status": "ok" if db_ok and broker_ok else ("degraded" if db_ok else "down"),
        "db": "ok" if db_ok else "down",
        "broker": "ok" if broker_ok else "down",
    }
    return jsonify(body), 200 if db_ok else 503


def _check(ok: bool, **detail) -> dict:
    return {"ok": ok, **detail}


def _worker_check() -> dict:
    limit = float(current_app.config["READY_WORKER_MAX_AGE_SECONDS"])
    try:
        seen = heartbeat.worker_seen_at()
    except Exception as exc:  # noqa: BLE001 - the store is away: say so
        return _check(False, reason=f"heartbeat store unavailable: {exc.__class__.__name__}")
    if seen is None:
        return _check(False, reason="no worker heartbeat recorded (no worker or no beat running)")
    age = max(time.time() - seen, 0.0)
    if age > limit:
        return _check(
            False, reason=f"last worker heartbeat {age:.0f} s ago (limit {limit:.0f} s)", age_seconds=round(age, 1)
        )
    return _check(True, age_seconds=round(age, 1))


def _acknowledgement_check() -> dict:
    limit = float(current_app.config["READY_MAX_PENDING_ACK_SECONDS"])
    oldest = outbox_admin.oldest_pending_acknowledgement()
    failed = outbox_admin.failed_acknowledgements()
    # Failed ones are reported, not counted against readiness: they wait for an admin
    # (/admin/outbox, flask outbox resend), and taking the app out of rotation would not send them.
    if oldest is None:
        return _check(True, oldest_pending_seconds=0, failed=failed)
    age = max((utcnow() - oldest).total_seconds(), 0.0)
    if age > limit:
        return _check(
            False,
            reason=f"oldest pending acknowledgement waits {age:.0f} s (limit {limit:.0f} s)",
            oldest_pending_seconds=round(age),
            failed=failed,
        )
    return _check(True, oldest_pending_seconds=round(age), failed=failed)


def _contacts_check() -> dict:
    """One stored contact decrypts with the configured keys (a wrong key shows here, not as a 500)."""
    readable = contact_crypto.newest_contact_readable()
    if readable is None:
        return _check(True, reason="no stored contact to try")
    if not readable:
        return _check(False, reason="stored contact data cannot be decrypted with CONTACT_ENCRYPTION_KEYS")
    return _check(True)


@bp.get("/readyz")
def readyz():
    """Readiness: database, broker, a live worker, acknowledgements going out, contacts readable."""
    checks: dict[str, dict] = {"db": _check(database_probe.database_answers())}
    if not checks["db"]["ok"]:
        checks["db"]["reason"] = "database does not answer"
    checks["broker"] = _check(_broker_ok())
    if not checks["broker"]["ok"]:
        checks["broker"]["reason"] = "broker does not answer"
    checks["worker"] = _worker_check()
    if checks["db"]["ok"]:
        for name, check in (("acknowledgements", _acknowledgement_check), ("contacts", _contacts_check)):
            try:
                checks[name] = check()
            except Exception as exc:  # noqa: BLE001 - a readiness probe reports, never raises
                db.session.rollback()
                checks[name] = _check(False, reason=f"check failed: {exc.__class__.__name__}")
    else:
        checks["acknowledgements"] = _check(False, reason="database does not answer")
        checks["contacts"] = _check(False, reason="database does not answer")
    ready = all(c["ok"] for c in checks.values())
    return jsonify({"status": "ready" if ready else "not_ready", "checks": checks}), 200 if ready else 503
