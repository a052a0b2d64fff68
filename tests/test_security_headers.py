"""Security headers on every kind of response: page, redirect, JSON, problem JSON, XML,
file download, static file, error pages (404, 405, 500); HSTS in production."""

from __future__ import annotations

import pytest

from complaints import create_app
from complaints.config import load_config
from complaints.domain import tracking_numbers
from tests.conftest import base_config
from tests.helpers import export_file, login, make_staff, production_settings, submit_api

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Directives that make injected markup inert and the page unframeable.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def assert_secured(response, what: str) -> None:
    response.close()
    for header, value in EXPECTED.items():
        assert response.headers.get(header) == value, (what, header, response.headers.get(header))
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in CSP_DIRECTIVES:
        assert directive in csp, (what, directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (what, csp)


def test_every_kind_of_response_carries_the_security_headers(app, client):
    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-boom", "test_boom", boom)
    number = submit_api(client)
    make_staff(app, "manager", "manager", None)
    staff = app.test_client()
    login(staff, "manager")
    answers = {
        "html page": (client.get("/"), 200, "text/html"),
        "redirect to sign-in": (client.get("/officer/"), 302, None),
        "json": (client.get("/api/v1/categories"), 200, "application/json"),
        "public json": (client.get(f"/api/v1/complaints/{number}"), 200, "application/json"),
        "problem json": (
            client.get(f"/api/v1/complaints/{tracking_numbers.generate('RR', 2569)}"),
            404,
            "application/problem+json",
        ),
        "health": (client.get("/healthz"), None, "application/json"),
        "open311 xml": (client.get("/open311/v2/services.xml"), 200, "text/xml"),
        "static file": (client.get("/static/style.css"), 200, "text/css"),
        "csv download": (export_file(app, staff, "period=2569"), 200, "text/csv"),
        "pdf download": (staff.get("/manager/dashboard.pdf"), 200, "application/pdf"),
        "html 404": (client.get("/no-such-page"), 404, "text/html"),
        "html 405": (client.get("/logout"), 405, "text/html"),
        "html 500": (client.get("/test-boom"), 500, "text/html"),
        "json 400": (
            client.post("/api/v1/complaints", data="{", content_type="application/json"),
            400,
            "application/problem+json",
        ),
    }
    for what, (response, status, mimetype) in answers.items():
        response.close()  # a sent file stays open until the response is closed
        if status is not None:
            assert response.status_code == status, (what, response.status_code)
        if mimetype is not None:
            assert response.mimetype == mimetype, (what, response.mimetype)
        assert_secured(response, what)
        assert "Strict-Transport-Security" not in response.headers  # not in development


def test_production_adds_strict_transport_security(tmp_path, monkeypatch):
    monkeypatch.setenv("RONGRIAN_ENV", "production")
    config = production_settings(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:9/none")
    assert load_config(str(tmp_path))["HSTS_SECONDS"] == 365 * 86400
    config.pop("HSTS_SECONDS", None)
    app = create_app(config)
    client = app.test_client()
    for response in (client.get("/no-such-page"), client.get("/logout")):
        assert_secured(response, response.request.path)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("seconds,header", [("0", None), ("600", "max-age=600; includeSubDomains")])
def test_hsts_can_be_tuned_or_turned_off(tmp_path, monkeypatch, seconds, header):
    monkeypatch.setenv("HSTS_SECONDS", seconds)
    app = create_app({**base_config(tmp_path, "sqlite://"), "HSTS_SECONDS": load_config(str(tmp_path))["HSTS_SECONDS"]})
    response = app.test_client().get("/no-such-page")
    assert response.headers.get("Strict-Transport-Security") == header
