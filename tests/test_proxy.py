"""Behind a reverse proxy (TRUSTED_PROXY_COUNT): the client's address for the rate limits,
the audit trail and the access log, and CSRF's referrer check on HTTPS; with no proxy
configured, X-Forwarded-* headers from a client change nothing.

Through Flask's test client, which runs the WSGI stack ProxyFix wraps; the same behind
a real nginx is tests/integration/test_behind_nginx.py.
"""

from __future__ import annotations

import logging
import shutil

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AuditEntry
from tests.conftest import _make_app, base_config
from tests.helpers import PASSWORD, case_url, complaint_by_number, csrf_from, make_staff

PROXY = "10.0.0.1"  # the proxy's own address, what REMOTE_ADDR is behind it
BODY = {
    "description": "ถนนเป็นหลุมลึกหน้าบ้านเลขที่ 5",
    "category": "ถนน",
    "contact": {"name": "สมชาย ใจดี", "email": "somchai@example.com"},
}


@pytest.fixture
def make_app(tmp_path, sqlite_template):
    made = []

    def make(**config):
        folder = tmp_path / f"app{len(made)}"
        folder.mkdir()
        shutil.copy(sqlite_template, folder / "rongrian.sqlite")
        app = _make_app({**base_config(folder, f"sqlite:///{folder / 'rongrian.sqlite'}"), **config})
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def post_intake(client, forwarded_for: str | None, remote: str = PROXY):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/v1/complaints", json=BODY, headers=headers, environ_base={"REMOTE_ADDR": remote})


def test_without_a_trusted_proxy_a_client_cannot_choose_its_address(make_app, caplog):
    app = make_app(INTAKE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="rongrian.access")
    spoofed = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]
    statuses = [post_intake(client, address, remote="192.0.2.10").status_code for address in spoofed]
    assert statuses == [201, 201, 201, 429]  # one budget: the X-Forwarded-For values were ignored
    # Another real address still has its own budget.
    assert post_intake(client, None, remote="192.0.2.11").status_code == 201
    logged = [r.remote_addr for r in caplog.records if r.name == "rongrian.access"]
    assert logged == ["192.0.2.10"] * 4 + ["192.0.2.11"]


def test_behind_one_proxy_each_client_has_its_own_budget_and_address(make_app, caplog):
    app = make_app(TRUSTED_PROXY_COUNT=1, INTAKE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="rongrian.access")
    # Four clients behind the one proxy: before, the whole agency shared one budget.
    assert [post_intake(client, f"203.0.113.{n}").status_code for n in range(1, 5)] == [201] * 4
    # One client is limited by its own address, even when it adds a made-up address in
    # front (the proxy appends the real one; only the last hop is trusted).
    first = [post_intake(client, f"198.51.100.{n}, 203.0.113.9").status_code for n in range(4)]
    assert first == [201, 201, 201, 429]
    logged = [r.remote_addr for r in caplog.records if r.name == "rongrian.access"]
    assert logged == [f"203.0.113.{n}" for n in range(1, 5)] + ["203.0.113.9"] * 4
    assert PROXY not in logged


def sign_in_and_view_contact(app, client, number: str, headers: dict, remote: str):
    make_staff(app, "viewer", "officer", "public-works")
    page = client.get("/login", headers=headers, environ_base={"REMOTE_ADDR": remote})
    signed_in = client.post(
        "/login",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        headers=headers,
        environ_base={"REMOTE_ADDR": remote},
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    page = client.get(case_url(app, complaint_id), headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert "somchai@example.com" in page.text
    with app.app_context():
        return db.session.scalars(select(AuditEntry.ip).where(AuditEntry.action == "view_contact")).all()


TLS_PROXY = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "rongrian.example.go.th",
    "Referer": "https://rongrian.example.go.th/login",
}


def test_the_audit_trail_records_the_client_behind_a_tls_terminating_proxy(make_app):
    app = make_app(TRUSTED_PROXY_COUNT=1)
    client = app.test_client()
    number = post_intake(client, "203.0.113.50").get_json()["tracking_number"]
    headers = {**TLS_PROXY, "X-Forwarded-For": "203.0.113.77"}
    # The referrer check of HTTPS passes: scheme and host are the browser's, not the proxy's.
    assert sign_in_and_view_contact(app, client, number, headers, PROXY) == ["203.0.113.77"]


def test_without_a_trusted_proxy_the_audit_trail_keeps_the_connecting_address(make_app):
    app = make_app()
    client = app.test_client()
    number = post_intake(client, None, remote="192.0.2.20").get_json()["tracking_number"]
    headers = {"X-Forwarded-For": "203.0.113.77"}  # a client pretending to be someone else
    assert sign_in_and_view_contact(app, client, number, headers, "192.0.2.20") == ["192.0.2.20"]


def test_a_proxy_that_does_not_pass_the_host_fails_the_referrer_check_and_says_why(make_app, caplog):
    # Issue 17: X-Forwarded-Proto https without the browser's Host. The Referer names the
    # public host, the request the proxy's upstream address: Flask-WTF refuses on HTTPS.
    app = make_app(TRUSTED_PROXY_COUNT=1)
    client = app.test_client()
    headers = {
        "X-Forwarded-Proto": "https",
        "Host": "127.0.0.1:8000",
        "Referer": "https://rongrian.example.go.th/login",
    }
    token = csrf_from(client.get("/login", headers=headers).text)
    caplog.set_level(logging.WARNING)
    refused = client.post("/login", data={"username": "x", "password": "y", "csrf_token": token}, headers=headers)
    assert refused.status_code == 400
    assert "ไม่ได้ส่งมาจากหน้าเว็บของระบบนี้" in refused.text and "referrer check" in refused.text
    warning = next(r for r in caplog.records if "CSRF check failed" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert "The referrer does not match the host." in warning.getMessage()
    assert "'127.0.0.1:8000'" in warning.getMessage() and token not in warning.getMessage()


def test_a_missing_token_is_logged_with_its_reason(make_app, caplog):
    app = make_app()
    client = app.test_client()
    caplog.set_level(logging.WARNING)
    refused = client.post("/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 400 and "แบบฟอร์มหมดอายุ" in refused.text
    message = next(r.getMessage() for r in caplog.records if "CSRF check failed" in r.getMessage())
    assert "POST '/login'" in message and "The CSRF token is missing." in message


def test_a_forwarded_header_with_a_line_break_cannot_forge_a_log_line(make_app, caplog):
    app = make_app(TRUSTED_PROXY_COUNT=1)
    caplog.set_level(logging.WARNING)
    # Werkzeug's test client refuses such a header; a raw HTTP client may send one.
    app.test_client().post("/login", data={}, environ_overrides={"HTTP_X_FORWARDED_PROTO": "https\r\nINFO forged"})
    messages = [r.getMessage() for r in caplog.records if "CSRF check failed" in r.getMessage()]
    assert len(messages) == 1 and "\n" not in messages[0] and "\\r\\nINFO forged" in messages[0]


def test_a_negative_proxy_count_is_refused_at_start(tmp_path):
    from complaints import create_app

    with pytest.raises(ValueError, match="TRUSTED_PROXY_COUNT"):
        create_app({**base_config(tmp_path, "sqlite://"), "TRUSTED_PROXY_COUNT": -1})


def test_a_prefix_is_trusted_only_when_configured(make_app):
    # An app under /rongrian: the proxy says so with X-Forwarded-Prefix, and links follow.
    plain = make_app(TRUSTED_PROXY_COUNT=1).test_client()
    prefixed = make_app(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_PREFIX_COUNT=1).test_client()
    headers = {"X-Forwarded-Prefix": "/rongrian"}
    assert 'href="/static/style.css' in plain.get("/login", headers=headers).text
    assert 'href="/rongrian/static/style.css' in prefixed.get("/login", headers=headers).text


@pytest.mark.parametrize(
    "forged",
    ["<script>alert(1)</script>", "1' OR '1'='1", "203.0.113.5\u200b", "9" * 500, "../../etc/passwd", "unknown"],
)
def test_a_forged_address_from_a_miscounted_proxy_chain_is_not_recorded_as_one(make_app, forged):
    # Two proxies trusted, but only one appends: the second-to-last entry is the client's text.
    app = make_app(TRUSTED_PROXY_COUNT=2)
    client = app.test_client()
    number = post_intake(client, "203.0.113.50").get_json()["tracking_number"]
    headers = {"X-Forwarded-For": f"{forged}, 10.0.0.2"}
    assert sign_in_and_view_contact(app, client, number, headers, PROXY) == [None]
