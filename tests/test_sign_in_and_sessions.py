"""Issue 16, low findings: sign-in that does not tell accounts apart nor lock their owners
out, sessions that end, staff answers no cache keeps, a throttled chat status command,
strict booleans in the JSON intake."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import OutboxMessage, User
from complaints.services.channels import chat_replies
from complaints.services.staff import accounts, staff_sessions
from tests.helpers import PASSWORD, csrf_from, export_file, login, make_staff, submit_api


def login_from(client, address: str, username: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_overrides={"REMOTE_ADDR": address},
    )


# --- equal work for known and unknown usernames ---------------------------------------


def test_an_unknown_username_costs_one_password_hash_like_a_known_one(app, client, monkeypatch):
    from complaints.models.user import PASSWORD_HASH_METHOD

    app.config["TESTING_PASSWORD_HASH_METHOD"] = PASSWORD_HASH_METHOD  # the real cost, not the suite's cheap one
    make_staff(app, "real", "officer", "public-works")
    calls = []
    original = accounts.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        calls.append(hashed.split("$")[0])
        return original(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    answers = {}
    for username in ("real", "ghost"):
        calls.clear()
        answers[username] = login(client, username, "wrong-password-1")
        assert len(calls) == 1, (username, calls)
        method = calls[0]
        answers[username + ":method"] = method
    assert answers["real"].status_code == answers["ghost"].status_code == 401
    # The dummy is hashed like a real password (same algorithm and cost).
    assert answers["real:method"] == answers["ghost:method"] == "scrypt:32768:8:1"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "real"))
        user.active = False
        db.session.commit()
    calls.clear()
    assert login(client, "real", PASSWORD).status_code == 401 and len(calls) == 1


# --- throttle, not lockout -------------------------------------------------------------


def test_failures_slow_the_address_down_but_never_lock_the_owner_out(app):
    make_staff(app, "boss", "admin", None)
    attacker, owner = app.test_client(), app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert login_from(attacker, "203.0.113.9", "boss", "guess-guess-1").status_code == 401
    # The attacker's address now waits, even with the right password...
    waiting = login_from(attacker, "203.0.113.9", "boss", PASSWORD)
    assert waiting.status_code == 429 and "Retry-After" in waiting.headers
    assert "กรุณารอ" in waiting.text and "wait at least 30 seconds" in waiting.text
    # ...while the owner, from another address, signs in at once: nothing is locked.
    assert login_from(owner, "198.51.100.7", "boss", PASSWORD).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "boss"))
        assert user.locked_until is None


def test_the_wait_grows_with_each_further_failure(app, monkeypatch):
    make_staff(app, "target", "officer", "public-works")
    added = []
    from complaints.services.operations import throttle

    original = throttle.add
    monkeypatch.setattr(
        throttle, "add", lambda name, expiry: added.append((name.split(":")[0], expiry)) or original(name, expiry)
    )
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login_from(client, "203.0.113.9", "target", "guess-guess-1")
    waits = [expiry for kind, expiry in added if kind == "login-wait"]
    assert waits == [30]
    # The wait runs out (cleared here instead of sleeping); the next failure waits twice as long.
    with app.app_context():
        throttle.clear(accounts._throttle_names("target", "203.0.113.9")[1])
    login_from(client, "203.0.113.9", "target", "guess-guess-2")
    with app.app_context():
        throttle.clear(accounts._throttle_names("target", "203.0.113.9")[1])
    login_from(client, "203.0.113.9", "target", "guess-guess-3")
    assert [expiry for kind, expiry in added if kind == "login-wait"] == [30, 60, 120]


def test_unknown_usernames_are_throttled_alike(app):
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login_from(client, "203.0.113.9", "ghost", "guess-guess-1").status_code == 401
    assert login_from(client, "203.0.113.9", "ghost", "guess-guess-1").status_code == 429


def test_each_address_has_a_limit_on_sign_in_posts(app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    answers = [login_from(client, "203.0.113.50", f"user{i}", "guess-guess-1").status_code for i in range(4)]
    assert answers == [401, 401, 401, 429]
    assert login_from(app.test_client(), "203.0.113.51", "user9", "guess-guess-1").status_code == 401


@pytest.mark.parametrize(
    "username", ["<script>alert(1)</script>", "a' OR '1'='1", "ad\u200bmin", "x" * 81, "ad\x00min"]
)
def test_hostile_usernames_are_a_4xx(app, username):
    make_staff(app, "admin", "admin", None)
    answer = login_from(app.test_client(), "203.0.113.60", username, PASSWORD)
    assert answer.status_code in (401, 422) and "<script>alert" not in answer.text


# --- sessions end ----------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(staff_sessions, "now", lambda: now[0])
    return now


def test_a_session_ends_after_the_idle_time(app, client, clock):
    make_staff(app, "officer1", "officer", "public-works")
    assert login(client, "officer1").status_code == 302
    assert client.get("/officer/").status_code == 200
    clock[0] += 29 * 60  # active again within 30 minutes: still signed in
    assert client.get("/officer/").status_code == 200
    clock[0] += 29 * 60
    assert client.get("/officer/").status_code == 200
    clock[0] += 30 * 60 + 1  # idle past SESSION_IDLE_MINUTES
    gone = client.get("/officer/")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_session_ends_after_its_total_lifetime_even_when_active(app, client, clock):
    make_staff(app, "officer1", "officer", "public-works")
    login(client, "officer1")
    for _ in range(int(12 * 60 / 20)):  # a request every 20 minutes for 12 hours
        clock[0] += 20 * 60
        answer = client.get("/officer/")
    assert answer.status_code == 302  # the last one, at 12 h: signed out
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 12 * 3600


def test_a_session_without_the_times_is_not_accepted(app, client):
    make_staff(app, "officer1", "officer", "public-works")
    login(client, "officer1")
    with client.session_transaction() as session:
        session.pop("signed_in_at")
    assert client.get("/officer/").status_code == 302


# --- no-store on staff answers ---------------------------------------------------------

STAFF_BLUEPRINTS = ("officer", "manager", "admin", "assessment")


def staff_get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in STAFF_BLUEPRINTS or "GET" not in rule.methods:
            continue
        urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "csv" if m.group(1) == "fmt" else "1", rule.rule))
    return urls


def test_every_staff_page_and_export_is_no_store(app, client):
    make_staff(app, "admin", "admin", None)
    submit_api(client)
    staff = app.test_client()
    assert login(staff, "admin").status_code == 302
    urls = staff_get_urls(app)
    assert len(urls) >= 40
    ok = 0
    for url in urls:
        answer = staff.get(url)
        answer.close()
        assert answer.headers.get("Cache-Control") == "no-store", (
            url,
            answer.status_code,
            answer.headers.get("Cache-Control"),
        )
        ok += answer.status_code == 200
    assert ok >= 25  # most of them are real pages, not error answers
    # An export download, and a public page seen by a signed-in officer.
    assert export_file(app, staff, "period=2569").headers["Cache-Control"] == "no-store"
    assert staff.get("/").headers["Cache-Control"] == "no-store"
    # A visitor's public page and a static file may be cached as before.
    assert "no-store" not in (client.get("/").headers.get("Cache-Control") or "")
    static = staff.get("/static/style.css")
    static.close()
    assert "no-store" not in (static.headers.get("Cache-Control") or "")


def test_a_staff_redirect_to_sign_in_is_no_store_too(app, client):
    assert client.get("/officer/").headers["Cache-Control"] == "no-store"


# --- the chat status command is rate limited per sender -------------------------------


def test_the_track_command_is_limited_per_sender(app, client):
    app.config["CHAT_TRACK_RATE_LIMIT"] = "3 per hour"
    number = submit_api(client)
    with app.app_context(), app.test_request_context():
        answers = [chat_replies.status_text(number, lambda c: False, sender="sms:0811111111") for _ in range(4)]
        other = chat_replies.status_text(number, lambda c: False, sender="line:U" + "0" * 32)
    assert all(number in a for a in answers[:3])
    assert answers[3] == chat_replies.RATE_LIMITED and number not in answers[3]
    assert "กรุณารอสักครู่" in answers[3] and "too many status requests" in answers[3]
    assert number in other  # another sender is not held up


def test_the_sms_track_command_answers_kindly_when_limited(app, client):
    from tests.test_channel_sms import SECRET, post

    app.config.update(SMS_WEBHOOK_SECRET=SECRET, CHAT_TRACK_RATE_LIMIT="2 per hour")
    number = submit_api(client)
    for i in range(3):
        assert (
            post(client, {"message_id": f"gw-t{i}", "from": "0819999999", "text": f"ติดตาม {number}"}).status_code < 300
        )
    with app.app_context():
        texts = [
            m.payload["text"]
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.purpose == "conversation").order_by(OutboxMessage.id)
            )
        ]
    assert [number in t for t in texts] == [True, True, False]
    assert texts[2] == chat_replies.RATE_LIMITED


# --- strict booleans in the JSON intake -------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, "false", "true", "yes", "", None, [], {}])
def test_anonymous_must_be_a_json_boolean(app, client, value):
    before = client.get("/api/v1/categories")  # warm-up; nothing stored
    answer = client.post("/api/v1/complaints", json={"description": "ไฟทางดับ", "anonymous": value})
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    errors = answer.get_json()["errors"]
    assert [e["field"] for e in errors] == ["anonymous"]
    assert errors[0]["message_th"] and "true or false" in errors[0]["message_en"]
    assert before.status_code == 200


@pytest.mark.parametrize("value", [True, False])
def test_anonymous_true_or_false_is_accepted(app, client, value):
    body = {"description": "ไฟทางดับ", "anonymous": value}
    if not value:
        body["contact"] = {"phone": "0811111111"}
    assert client.post("/api/v1/complaints", json=body).status_code == 201


def test_the_openapi_document_says_boolean(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert schemas["ComplaintSubmission"]["properties"]["anonymous"]["type"] == "boolean"


@pytest.mark.redis
def test_the_throttle_works_on_redis(tmp_path, sqlite_template, redis_url):
    """Production keeps the counters in Redis (RATELIMIT_STORAGE_URI): the same rules there."""
    import shutil

    from tests.conftest import _make_app, base_config

    path = tmp_path / "rongrian.sqlite"
    shutil.copy(sqlite_template, path)
    app = _make_app({**base_config(tmp_path, f"sqlite:///{path}"), "RATELIMIT_STORAGE_URI": redis_url})
    make_staff(app, "boss", "admin", None)
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login_from(attacker, "203.0.113.70", "boss", "guess-guess-1").status_code == 401
    assert login_from(attacker, "203.0.113.70", "boss", PASSWORD).status_code == 429
    assert login_from(app.test_client(), "198.51.100.70", "boss", PASSWORD).status_code == 302
    import redis

    ours = [k.decode() for k in redis.Redis.from_url(redis_url).keys("*rongrian:login-*")]
    assert any("login-wait" in k for k in ours) and any("login-failures" in k for k in ours)
    # Keyed hashes, not usernames or addresses.
    assert not any("boss" in k or "203.0.113.70" in k for k in ours)
    with app.app_context():
        db.engine.dispose()
