"""What every page shares: template helpers and security headers."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_wtf.csrf import generate_csrf

from complaints import i18n
from complaints.domain.thai_calendar import format_english_datetime, format_thai_datetime
from complaints.services.catalogue import agency
from complaints.web import figure_links

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        t=i18n.t,
        t_other=i18n.t_other,
        lang=i18n.current_lang,
        label=i18n.label,
        KIND_LABELS=i18n.KIND_LABELS,
        STATUS_LABELS=i18n.STATUS_LABELS,
        EVENT_LABELS=i18n.EVENT_LABELS,
        CHANNEL_LABELS=i18n.CHANNEL_LABELS,
        csrf_token=generate_csrf,
    )
    app.jinja_env.filters["thai_datetime"] = format_thai_datetime
    app.jinja_env.filters["thai_date"] = lambda d: format_thai_datetime(d, with_time=False)
    app.jinja_env.filters["english_datetime"] = format_english_datetime
    figure_links.register(app)

    @app.context_processor
    def _agency():
        name = agency.name()
        return {"agency_th": name.th, "agency_en": name.en}


# Blueprints whose every answer is for staff.
STAFF_BLUEPRINTS = frozenset({"officer", "manager", "admin", "assessment"})


def _private(response) -> bool:
    """Is this answer for staff: a staff blueprint's, or any to a signed-in user but a static file?"""
    if request.endpoint == "static":
        return False
    if request.blueprint in STAFF_BLUEPRINTS:
        return True
    return "_user_id" in session


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("HSTS_SECONDS"):
        # Production is served over HTTPS only; browsers are told never to try plain HTTP.
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    if _private(response):
        # Staff pages and exports carry personal data: kept by no browser, proxy or
        # shared computer's back button (issue 16).
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
    if "lang" in request.args and request.args["lang"] in i18n.LANGS:
        response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
    return response
