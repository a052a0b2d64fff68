"""Who may open which signed-in page: every URL x role x unit, sign-in and sign-out."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, User
from tests.helpers import PASSWORD, complaint_by_number, csrf_from, login, make_staff, png_bytes, submit_api

STAFF_PREFIXES = ("/officer", "/admin")
ROLES = ("officer", "supervisor", "manager", "admin")


def signed_in_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(STAFF_PREFIXES)),
                  key=lambda r: r.rule)


@pytest.fixture
def world(app, client):
    """A complaint of public-works (under district-office) with a photo, and staff around it."""
    users = {
        "officer": make_staff(app, "pw-officer", "officer", "public-works"),
        "supervisor": make_staff(app, "do-supervisor", "supervisor", "district-office"),
        "manager": make_staff(app, "manager", "manager", None),
        "admin": make_staff(app, "admin", "admin", None),
        "other-officer": make_staff(app, "drain-officer", "officer", "drainage"),
        "other-supervisor": make_staff(app, "drain-supervisor", "supervisor", "drainage"),
    }
    number = submit_api(client)
    with app.app_context():
        complaint = complaint_by_number(number)
        from complaints.services import casework
        from complaints.services.intake import Upload

        casework.attach_files(complaint, db.session.get(User, users["officer"]),
                              [Upload("files", "photo.png", png_bytes())])
        attachment_id = db.session.scalar(select(Attachment.id))
        complaint_id = complaint.id
    return users, complaint_id, attachment_id


def url_for_rule(rule, complaint_id: int, attachment_id: int) -> str:
    values = {"complaint_id": complaint_id, "attachment_id": attachment_id}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), rule.rule)


def expected_get(rule, role: str) -> set[int]:
    if rule.rule.startswith("/admin"):
        return {200} if role == "admin" else {403}
    if rule.endpoint in ("officer.new_entry",):
        return {403} if role == "manager" else {200}
    return {200}


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(app, client, world):
    _, complaint_id, attachment_id = world
    rules = signed_in_rules(app)
    assert len(rules) >= 8
    for rule in rules:
        url = url_for_rule(rule, complaint_id, attachment_id)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            if method == "POST" and response.status_code == 400:
                continue  # refused earlier still: no CSRF token
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_page_for_each_role(app, world, role):
    users, complaint_id, attachment_id = world
    client = app.test_client()
    assert login(client, {"officer": "pw-officer", "supervisor": "do-supervisor", "manager": "manager",
                          "admin": "admin"}[role]).status_code == 302
    token = csrf_from(client.get("/officer/").text)
    for rule in signed_in_rules(app):
        url = url_for_rule(rule, complaint_id, attachment_id)
        if "GET" in rule.methods:
            response = client.get(url)
            response.close()  # a sent file stays open until the response is closed
            assert response.status_code in expected_get(rule, role), (role, url, response.status_code)
        if "POST" in rule.methods and rule.endpoint.startswith("admin.") and role != "admin":
            assert client.post(url, data={"csrf_token": token}).status_code == 403, (role, url)
        if "POST" in rule.methods and rule.endpoint.startswith("officer.") and role == "manager":
            # Managers read; they do not work cases.
            assert client.post(url, data={"csrf_token": token}).status_code == 403, (role, url)


@pytest.mark.parametrize("username,visible", [
    ("pw-officer", True), ("do-supervisor", True), ("manager", True), ("admin", True),
    ("drain-officer", False), ("drain-supervisor", False),
])
def test_a_case_outside_ones_units_is_404_not_403(app, world, username, visible):
    users, complaint_id, attachment_id = world
    client = app.test_client()
    login(client, username)
    detail = client.get(f"/officer/complaints/{complaint_id}")
    photo = client.get(f"/officer/attachments/{attachment_id}")
    photo.close()
    queue = client.get("/officer/?status=all")
    token = csrf_from(queue.text)
    action = client.post(f"/officer/complaints/{complaint_id}/note", data={"csrf_token": token, "text": "x"})
    if visible:
        assert detail.status_code == 200 and photo.status_code == 200
        assert photo.mimetype == "image/png"
        assert f"/officer/complaints/{complaint_id}" in queue.text
    else:
        assert (detail.status_code, photo.status_code, action.status_code) == (404, 404, 404)
        assert f"/officer/complaints/{complaint_id}" not in queue.text
        assert "ถนนเป็นหลุม" not in detail.text


def test_lockout_after_repeated_failures_even_with_the_right_password(app, client):
    make_staff(app, "target", "officer", "public-works")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "target", "wrong-password").status_code == 401
    locked = login(client, "target", PASSWORD)
    assert locked.status_code == 401
    assert "ถูกระงับชั่วคราว" in locked.text and "locked" in locked.text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "target"))
        assert user.locked_until is not None


def test_unknown_user_and_wrong_password_look_the_same(app, client):
    make_staff(app, "real", "officer", "public-works")
    a = login(client, "real", "nope-nope-nope")
    b = login(client, "ghost", "nope-nope-nope")
    assert a.status_code == b.status_code == 401
    assert re.sub(r'value="[^"]*"', "", a.text) == re.sub(r'value="[^"]*"', "", b.text).replace("ghost", "real")


def test_session_is_renewed_at_sign_in_and_cleared_at_sign_out(app, client):
    make_staff(app, "someone", "officer", "public-works")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "someone")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")
    token = csrf_from(client.get("/officer/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/officer/").status_code == 302


def test_sign_in_never_redirects_off_site(app, client):
    make_staff(app, "someone", "officer", "public-works")
    token = csrf_from(client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={"username": "someone", "password": PASSWORD,
                                                              "csrf_token": token})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.get("/login")  # sign out is not needed: a new sign-in replaces the session
        token = csrf_from(client.get("/login").text)


def test_session_cookie_flags(app, client):
    make_staff(app, "someone", "officer", "public-works")
    response = login(client, "someone")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
