"""How errors that carry a Thai and an English message are answered.

The errors themselves are in `complaints.domain.errors`. The JSON API answers with
application/problem+json (RFC 9457); pages render the bilingual error template. Nothing a client sends turns into a 500.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from complaints.domain.errors import BilingualError, http_error

# Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 5


def wants_problem_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/channels/"))


def render_error(error: BilingualError):
    if wants_problem_json():
        response = jsonify(error.problem())
        response.status_code = error.status
        response.mimetype = "application/problem+json"
        return response
    return render_template("errors/error.html", error=error), error.status


CSRF_FAILED = BilingualError(
    400,
    "csrf-failed",
    "แบบฟอร์มหมดอายุหรือไม่มีรหัสยืนยัน กรุณาโหลดหน้าใหม่แล้วส่งอีกครั้ง",
    "The form has expired or lacks its security token; reload the page and send it again.",
)


# On HTTPS Flask-WTF also wants a Referer of this very host (WTF_CSRF_SSL_STRICT). A
# proxy that does not pass the browser's Host makes every form fail this way, so it
# is told apart from an expired form, here and in the log.
CSRF_WRONG_ORIGIN = BilingualError(
    400,
    "csrf-wrong-origin",
    "แบบฟอร์มไม่ได้ส่งมาจากหน้าเว็บของระบบนี้ กรุณาเปิดหน้าเว็บของระบบแล้วส่งอีกครั้ง",
    "The form was not sent from a page of this site (referrer check); open the site's page and send it again.",
)


def _csrf_failed(exc: CSRFError):
    # Only the reason and where: the token and the Referer stay out of the log.
    current_app.logger.warning(
        "CSRF check failed on %s %r: %s (scheme %r, host %r)",
        request.method,
        request.path,
        exc.description,
        request.scheme,
        request.host,
    )
    referrer = "referrer" in (exc.description or "").lower()
    return render_error(CSRF_WRONG_ORIGIN if referrer else CSRF_FAILED)


CONTACT_UNDECRYPTABLE = BilingualError(
    503,
    "contact-undecryptable",
    "ถอดรหัสข้อมูลติดต่อไม่ได้ (กุญแจเข้ารหัสไม่ถูกต้อง) กรุณาแจ้งผู้ดูแลระบบ",
    "Contact data cannot be decrypted (wrong encryption key); tell the administrator.",
)


def _contact_undecryptable(exc: Exception):
    # A wrong CONTACT_ENCRYPTION_KEYS is an operator's problem, not a bug: say so (and /readyz does).
    current_app.logger.error("contact data cannot be decrypted on %s %r", request.method, request.path)
    return render_error(CONTACT_UNDECRYPTABLE)


def register_error_handlers(app: Flask) -> None:
    from complaints.models.encrypted import ContactUndecryptable

    app.register_error_handler(BilingualError, render_error)
    app.register_error_handler(ContactUndecryptable, _contact_undecryptable)
    # A missing or foreign CSRF token: say what to do, not just "malformed".
    app.register_error_handler(CSRFError, _csrf_failed)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        response = app.make_response(render_error(http_error(exc.code or 500, exc.name)))
        # Keep the headers that tell a client what to do next.
        original = exc.get_response().headers
        for header in ("Retry-After", "Allow"):
            if header in original:
                response.headers[header] = original[header]
        return response

    # The database away (restarting, failing over, out of connections) or a lock or
    # statement timeout: transient, so a 503 the client may retry, not a 500. Nothing
    # was committed, and a retry with the same Idempotency-Key stores the complaint once.
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: Exception):
        app.logger.warning("database unavailable: %s", exc.__class__.__name__)
        response = app.make_response(render_error(http_error(503)))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return render_error(http_error(500))
