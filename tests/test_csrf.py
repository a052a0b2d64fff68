"""CSRF: every state-changing signed-in POST (each POST row of tests/permission_matrix.py),
sent by someone allowed to make it, is refused without a token and with another session's
token (400, in Thai and English) and changes nothing; with its own token it goes through."""

from __future__ import annotations

from sqlalchemy import inspect, select, table, text

from complaints.extensions import db
from tests.helpers import csrf_from, signed_in
from tests.permission_matrix import ACCOUNTS, MATRIX, ROLES, build_world, cell_url, in_running_order

# Fields that make most forms do something real, so that "nothing changed" means something.
FORM = {
    "text": "ข้อความจากเว็บไซต์อื่น",
    "title": "มาตรการปลอม",
    "username": "intruder",
    "display_name": "Intruder",
    "password": "a-long-enough-password",
    "role": "admin",
    "name_th": "ชื่อปลอม",
    "name_en": "Forged",
    "code": "forged",
    "status": "met",
    "explanation": "ปลอม",
    "period": "2570",
    "action": "assign",
    "category": "ถนน",
    "description": "ถนนพังมาก",
    "day": "31/12/2569",
    "note": "ปลอม",
    "name": "forged",
}


def snapshot(app) -> dict:
    """Every row of every table: what a refused request must leave as it was."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        return {
            name: sorted(map(repr, db.session.execute(select(text("*")).select_from(table(name))).all()))
            for name in names
        }


def allowed_role(key) -> str:
    """The first role the matrix lets through for this cell (not refused with 403/404)."""
    return next(role for role, status in zip(ROLES, MATRIX[key], strict=True) if status not in (403, 404))


def with_token(client):
    """A signed-in client and its session's CSRF token."""
    return client, csrf_from(client.get("/officer/").text)


def test_every_signed_in_post_needs_its_own_sessions_token(app, client):
    world = build_world(app, client)
    posts = [key for key in in_running_order(MATRIX) if key[1] == "POST"]
    assert len(posts) >= 35
    sessions = {role: with_token(signed_in(app, ACCOUNTS[role][0])) for role in ROLES}
    # The attacker's own session of the same role: a valid token, but not the victim's.
    foreign = {}
    for role in ROLES:
        foreign[role] = with_token(signed_in(app, f"other-{role}", role, ACCOUNTS[role][1]))[1]
    for key in posts:
        endpoint, _, subject = key
        role = allowed_role(key)
        victim, token = sessions[role]
        url = cell_url(app, world, endpoint, subject)
        before = snapshot(app)
        for forged in ({}, {"csrf_token": foreign[role]}, {"csrf_token": "not-a-token"}):
            response = victim.post(url, data={**FORM, **forged})
            assert response.status_code == 400, (url, forged, response.status_code)
            assert "แบบฟอร์มหมดอายุ" in response.text and "security token" in response.text, url
        assert snapshot(app) == before, f"{url}: a refused POST changed the database"
        # With its own token the same request is what the matrix says: the 400 was the token's.
        response = victim.post(url, data={**FORM, "csrf_token": token})
        response.close()
        assert response.status_code != 400 and response.status_code < 500, (url, response.status_code)


def test_a_refused_post_changes_nothing_and_the_control_does(app, client):
    """The snapshot can see a change: the same note with the right token is stored."""
    world = build_world(app, client)
    officer, token = with_token(signed_in(app, ACCOUNTS["officer"][0]))
    url = cell_url(app, world, "officer.note", "")
    before = snapshot(app)
    assert officer.post(url, data={"text": "บันทึกภายใน"}).status_code == 400
    assert snapshot(app) == before
    assert officer.post(url, data={"text": "บันทึกภายใน", "csrf_token": token}).status_code == 302
    assert snapshot(app) != before
