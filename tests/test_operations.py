"""Operations and PDPA duties: production start-up checks, request ids in structured
logs, contact data encrypted at rest (with key rotation and the migration that
encrypts existing rows)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from complaints import create_app
from complaints.extensions import db
from complaints.models import OutboxMessage, encrypted
from complaints.observability import RequestIdFilter
from complaints.startup_checks import UnsafeConfiguration
from tests.conftest import base_config
from tests.helpers import complaint_by_number, production_settings
from tests.processes import free_port

PERSON = {
    "name": "สมหญิง ใจดี",
    "phone": "0812345678",
    "email": "somying@example.com",
    "line_user_id": "U" + "0123456789abcdef" * 2,
}


def production_config(tmp_path, **overrides) -> dict:
    return production_settings(tmp_path, **overrides)


def use_keys(app, keys: list[str]) -> None:
    app.config["CONTACT_ENCRYPTION_KEYS"] = keys
    encrypted.init_app(app)


def test_production_refuses_a_default_secret_debug_missing_keys_and_sqlite(tmp_path):
    with pytest.raises(UnsafeConfiguration) as err:
        create_app(
            production_config(
                tmp_path,
                SECRET_KEY="dev-only-not-secret",
                DEBUG=True,
                CONTACT_ENCRYPTION_KEYS=[],
                SQLALCHEMY_DATABASE_URI="sqlite://",
            )
        )
    message = str(err.value)
    for needle in ("SECRET_KEY", "DEBUG", "CONTACT_ENCRYPTION_KEYS", "PostgreSQL"):
        assert needle in message
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app(production_config(tmp_path, SECRET_KEY="short"))


def test_production_starts_with_safe_settings_and_development_is_lenient(tmp_path):
    app = create_app(production_config(tmp_path))
    assert app.config["RONGRIAN_ENV"] == "production"
    dev = create_app({**base_config(tmp_path, "sqlite://"), "SECRET_KEY": "dev-only-not-secret"})
    assert dev.config["RONGRIAN_ENV"] == "development"


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and first != second
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-abc.123"}).headers["X-Request-ID"] == "proxy-abc.123"
    # Hostile ids are replaced, never echoed.
    for bad in ("<script>alert(1)</script>", "a" * 65, "id with spaces", "x\u200by"):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32


def test_log_records_written_during_a_request_carry_its_id(app):
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s"))
    logger = logging.getLogger("rongrian.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with app.test_request_context("/", headers={"X-Request-ID": "req-42"}):
            app.preprocess_request()
            logger.info("inside")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside == {"levelname": "INFO", "name": "rongrian.test", "message": "inside", "request_id": "req-42"}
    assert outside["request_id"] is None


def test_contact_data_is_encrypted_at_rest_and_read_back_in_clear(app, client):
    response = client.post("/api/v1/complaints", json={"description": "ไฟฟ้าดับทั้งซอย", "contact": PERSON})
    number = response.get_json()["tracking_number"]
    with app.app_context():
        raw = db.session.execute(text("SELECT name, phone, email, line_user_id FROM complainants")).one()
        stored = " ".join(raw)
        stored += db.session.execute(text("SELECT recipient FROM outbox_messages")).scalar_one()
        for value in PERSON.values():
            assert value not in stored
        assert all(v.startswith("gAAAA") for v in raw)  # Fernet tokens
        complainant = complaint_by_number(number).complainant
        assert (complainant.name, complainant.phone, complainant.email, complainant.line_user_id) == (
            PERSON["name"],
            PERSON["phone"],
            PERSON["email"],
            PERSON["line_user_id"],
        )


def test_a_key_is_rotated_without_losing_data(app, client, runner):
    number = client.post("/api/v1/complaints", json={"description": "ไฟฟ้าดับ", "contact": PERSON}).get_json()[
        "tracking_number"
    ]
    old_key = encrypted.derived_key("test-secret").decode()
    new_key = Fernet.generate_key().decode()
    with app.app_context():
        before = db.session.execute(text("SELECT email FROM complainants")).scalar_one()
    use_keys(app, [new_key, old_key])
    result = runner.invoke(args=["rotate-contact-key"])
    assert "re-encrypted 2 records" in result.output  # the complainant and the outbox message
    use_keys(app, [new_key])  # the old key is gone now
    with app.app_context():
        after = db.session.execute(text("SELECT email FROM complainants")).scalar_one()
        assert after != before
        assert complaint_by_number(number).complainant.email == PERSON["email"]
        assert db.session.scalar(select(OutboxMessage.recipient)) == PERSON["email"]


def test_the_migration_encrypts_existing_plaintext(tmp_path):
    import flask_migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    app = create_app(base_config(tmp_path, url))
    with app.app_context():
        flask_migrate.upgrade(revision="0007")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO complainants (name, phone, email, created_at) "
                    "VALUES ('สมชาย', '0899999999', 'a@example.com', '2026-01-01 00:00:00')"
                )
            )
        flask_migrate.upgrade()
        raw = db.session.execute(text("SELECT name, phone, email, line_user_id FROM complainants")).one()
        assert raw[0].startswith("gAAAA") and "0899999999" not in raw[1] and raw[3] is None
        from complaints.models import Complainant

        person = db.session.get(Complainant, 1)
        assert (person.name, person.phone, person.email) == ("สมชาย", "0899999999", "a@example.com")
        flask_migrate.downgrade(revision="0007")
        assert db.session.execute(text("SELECT phone FROM complainants")).scalar_one() == "0899999999"
        db.engine.dispose()


def test_a_database_away_is_a_bilingual_503_with_retry_after_not_a_500(tmp_path):
    # Nothing listens on this port: every query fails to connect, as while PostgreSQL restarts.
    app = create_app(base_config(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/rongrian"))
    client = app.test_client()
    response = client.post(
        "/api/v1/complaints",
        json={"description": "ไฟถนนดับทั้งซอย"},
        headers={"Idempotency-Key": "while-the-database-restarts"},
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "temporarily-unavailable"
    assert "ชั่วคราว" in problem["detail_th"] and "temporarily unavailable" in problem["detail"]
    # At least ours; Flask-Limiter raises it to the reset of the route's rate-limit window.
    assert int(response.headers["Retry-After"]) >= 5
    page = client.get("/complaints/new")  # a page: the bilingual error page
    assert page.status_code == 503 and "ระบบขัดข้องชั่วคราว" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "5"
    with app.app_context():
        db.engine.dispose()
