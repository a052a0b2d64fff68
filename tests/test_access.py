"""Who may open which signed-in page: every URL x role x subject (tests/permission_matrix.py),
units, sign-in, lockout and sign-out."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, User
from complaints.services.unit_of_work import unit_of_work
from tests.helpers import (
    PASSWORD,
    case_url,
    complaint_by_number,
    csrf_from,
    login,
    make_staff,
    png_bytes,
    signed_in,
    submit_api,
)
from tests.permission_matrix import (
    ACCOUNTS,
    MATRIX,
    ROLES,
    World,
    build_world,
    cell_url,
    in_running_order,
    subjects_of,
    url_for_rule,
)


def signed_in_urls(app, world: World) -> dict[tuple[str, str], str]:
    """(endpoint, method) -> URL of every rule that sends an anonymous visitor to sign in.

    Found by asking, not by listing prefixes: CSRF is off for the probe so a POST reaches
    the sign-in check instead of stopping at the missing token.
    """
    app.config["WTF_CSRF_ENABLED"] = False
    anonymous = app.test_client()
    found = {}
    try:
        for rule in app.url_map.iter_rules():
            url = url_for_rule(rule, world.values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = anonymous.open(url, method=method)
                response.close()
                if response.status_code == 302 and "/login" in response.headers["Location"]:
                    found[(rule.endpoint, method)] = url
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    return found


def test_every_signed_in_url_has_a_decided_row_for_each_subject(app, client):
    world = build_world(app, client)
    found = signed_in_urls(app, world)
    assert len(found) >= 70
    declared = {(endpoint, method) for endpoint, method, _ in MATRIX}
    assert sorted(set(found) - declared) == [], "signed-in URLs missing from tests/permission_matrix.py"
    assert sorted(declared - set(found)) == [], "rows for URLs that do not need sign-in (or are gone)"
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for endpoint, method in found:
        for subject, _ in subjects_of(rules[endpoint], world):
            assert (endpoint, method, subject) in MATRIX, (endpoint, method, subject)


def test_without_a_token_an_anonymous_post_stops_at_csrf_and_a_get_at_sign_in(app, client):
    world = build_world(app, client)
    for endpoint, method, subject in MATRIX:
        url = cell_url(app, world, endpoint, subject)
        response = client.open(url, method=method)
        response.close()
        if method == "POST":
            assert response.status_code == 400, (method, url)
            assert "security token" in response.text, (method, url)
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_permission_matrix(app, client, role):
    world = build_world(app, client)
    column = ROLES.index(role)
    staff = signed_in(app, ACCOUNTS[role][0])
    token = csrf_from(staff.get("/officer/").text)
    answered = {}
    for endpoint, method, subject in in_running_order(MATRIX):
        url = cell_url(app, world, endpoint, subject)
        response = staff.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        response.close()  # a sent file stays open until the response is closed
        assert response.status_code < 500, (method, url, response.text[:300])
        answered[(endpoint, method, subject)] = response.status_code
    assert {k: v for k, v in answered.items() if v != MATRIX[k][column]} == {}, f"{role}: cells that differ"
    # Sign-out came last and worked: the same session is a visitor again.
    assert staff.get("/officer/").status_code == 302


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
        from complaints.services.casework import case_actions
        from complaints.services.casework.intake import Upload

        with unit_of_work():  # the test is the entry point: it owns the transaction
            case_actions.attach_files(
                complaint, db.session.get(User, users["officer"]), [Upload("files", "photo.png", png_bytes())]
            )
        attachment_key = db.session.scalar(select(Attachment.url_key))
        complaint_id = complaint.id
    return users, complaint_id, attachment_key


@pytest.mark.parametrize(
    "username,visible",
    [
        ("pw-officer", True),
        ("do-supervisor", True),
        ("manager", True),
        ("admin", True),
        ("drain-officer", False),
        ("drain-supervisor", False),
    ],
)
def test_a_case_outside_ones_units_is_404_not_403(app, world, username, visible):
    users, complaint_id, attachment_key = world
    client = app.test_client()
    login(client, username)
    detail = client.get(case_url(app, complaint_id))
    photo = client.get(f"/officer/attachments/{attachment_key}")
    photo.close()
    queue = client.get("/officer/?status=all")
    token = csrf_from(queue.text)
    action = client.post(case_url(app, complaint_id, "/note"), data={"csrf_token": token, "text": "x"})
    if visible:
        assert detail.status_code == 200 and photo.status_code == 200
        assert photo.mimetype == "image/png"
        assert case_url(app, complaint_id) in queue.text
    else:
        assert (detail.status_code, photo.status_code, action.status_code) == (404, 404, 404)
        assert case_url(app, complaint_id) not in queue.text
        assert "ถนนเป็นหลุม" not in detail.text


def test_repeated_failures_make_this_client_wait_without_locking_the_account(app, client):
    make_staff(app, "target", "officer", "public-works")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "target", "wrong-password").status_code == 401
    waiting = login(client, "target", PASSWORD)
    assert waiting.status_code == 429
    assert "กรุณารอ" in waiting.text and "wait at least" in waiting.text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "target"))
        assert user.locked_until is None and user.failed_logins == app.config["LOGIN_MAX_FAILURES"]


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


def test_the_cookie_from_before_sign_in_is_not_the_signed_in_one(app, client):
    make_staff(app, "someone", "officer", "public-works")
    client.get("/login")
    before = client.get_cookie("session").value
    login(client, "someone")
    after = client.get_cookie("session").value
    assert after != before
    # The visitor's cookie, replayed, is still a visitor's.
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/officer/").status_code == 302


def test_a_cookie_kept_from_before_sign_out_is_refused_when_replayed(app, client):
    make_staff(app, "someone", "officer", "public-works")
    number = submit_api(client)
    login(client, "someone")
    token = csrf_from(client.get("/officer/").text)
    kept = client.get_cookie("session").value  # now holding the CSRF secret too
    other_device = app.test_client()
    login(other_device, "someone")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    attacker = app.test_client()
    attacker.set_cookie("session", kept)
    response = attacker.get("/officer/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        complaint_id = complaint_by_number(number).id
    attacker.set_cookie("session", kept)  # as it was: it carries the CSRF secret the token matches
    note = attacker.post(case_url(app, complaint_id, "/note"), data={"csrf_token": token, "text": "replayed"})
    assert note.status_code == 302 and "/login" in note.headers["Location"]
    with app.app_context():
        assert "replayed" not in {e.text for e in complaint_by_number(number).events}
    # Sign-out ends the account's sessions everywhere; signing in again works.
    assert other_device.get("/officer/").status_code == 302
    assert login(attacker, "someone").status_code == 302
    assert attacker.get("/officer/").status_code == 200


def test_a_new_password_ends_the_sessions_issued_before_it(app, client):
    user_id = make_staff(app, "someone", "officer", "public-works")
    login(client, "someone")
    assert client.get("/officer/").status_code == 200
    with app.app_context():
        from complaints.services.staff.user_admin import reset_password

        with unit_of_work():
            reset_password(db.session.get(User, user_id), "another-long-password")
    assert client.get("/officer/").status_code == 302


def test_sign_in_never_redirects_off_site(app, client):
    make_staff(app, "someone", "officer", "public-works")
    token = csrf_from(client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post(
            f"/login?next={target}", data={"username": "someone", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]
        client.get("/login")  # sign out is not needed: a new sign-in replaces the session
        token = csrf_from(client.get("/login").text)


def test_session_cookie_flags(app, client):
    make_staff(app, "someone", "officer", "public-works")
    response = login(client, "someone")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
