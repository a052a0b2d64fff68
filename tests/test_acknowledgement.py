"""Acknowledgement through the outbox: exactly once, by SMTP or the local mail folder."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from complaints import create_app
from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage, utcnow
from complaints.services.messaging import mailer, outbox
from tests.processes import free_port

BODY = {
    "description": "น้ำท่วมขังหน้าบ้าน ระบายไม่ออก",
    "category": "น้ำท่วม",
    "contact": {"name": "มานี มีนา", "email": "manee@example.com"},
}


def submit(client) -> str:
    response = client.post("/api/v1/complaints", json=BODY)
    assert response.status_code == 201
    return response.get_json()["tracking_number"]


def only_message_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(OutboxMessage.id))


def mail_files(app) -> list[Path]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_delivering_twice_sends_one_acknowledgement(app, client):
    number = submit(client)
    message_id = only_message_id(app)
    with app.app_context():
        assert outbox.deliver_message(message_id) == "sent"
        assert outbox.deliver_message(message_id) == "already_sent"
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint.acknowledged_at is not None and complaint.status == "acknowledged"
        assert [e.kind for e in complaint.events] == ["received", "acknowledged"]
    files = mail_files(app)
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "manee@example.com"
    assert number in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "ได้รับเรื่องของท่านแล้ว" in text and "has received your complaint" in text
    assert f"/track/{number}" in text and f"/track/{number}" in html
    assert "25" in text.split("วันที่รับเรื่อง:")[1][:20]  # Buddhist-era year


def test_a_message_claimed_by_a_live_worker_is_not_sent_again(app, client):
    submit(client)
    message_id = only_message_id(app)
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() + timedelta(seconds=60)))
        db.session.commit()
        assert outbox.deliver_message(message_id) == "busy"
        # A crashed worker's claim runs out; then the message goes.
        db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert outbox.deliver_message(message_id) == "sent"
    assert len(mail_files(app)) == 1


def test_unknown_message_is_reported_missing(app):
    with app.app_context():
        assert outbox.deliver_message(987654) == "missing"


def test_acknowledgement_through_a_real_smtp_server(app, client, smtp_server):
    inbox = smtp_server
    number = submit(client)
    with app.app_context():
        assert outbox.deliver_message(only_message_id(app)) == "sent"
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["manee@example.com"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert number in message["Subject"]
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None


def end_hold(app, message_id: int) -> None:
    """Let the backoff of a failed message run out, as time passing would."""
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(claimed_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_smtp_down_keeps_the_message_pending_until_it_can_be_sent(app, client, smtp_server):
    inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens
    number = submit(client)
    message_id = only_message_id(app)
    with app.app_context():
        with pytest.raises(outbox.RetryLater) as refused:
            outbox.deliver_message(message_id)
        assert refused.value.retry_in == app.config["OUTBOX_RETRY_SECONDS"]
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.last_error
        complaint = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
        assert complaint.acknowledged_at is None
    app.config["MAIL_PORT"] = inbox.port
    end_hold(app, message_id)
    with app.app_context():
        assert outbox.deliver_message(message_id) == "sent"
        assert db.session.get(OutboxMessage, message_id).attempts == 2
    assert len(inbox.messages) == 1


def test_a_refused_message_is_held_for_a_doubling_backoff_whoever_tries_it(app, client):
    # The task's retry, the relay and a redelivered task may all come for the same
    # message: during the hold none of them tries it, so a mail server down for a
    # while does not use up OUTBOX_MAX_ATTEMPTS in a few seconds.
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
        OUTBOX_RETRY_SECONDS=5,
        OUTBOX_RETRY_MAX_SECONDS=12,
        OUTBOX_RELAY_AFTER_SECONDS=0,
    )
    submit(client)
    message_id = only_message_id(app)
    delays = []
    with app.app_context():
        for _ in range(3):
            with pytest.raises(outbox.RetryLater) as refused:
                outbox.deliver_message(message_id)
            delays.append(refused.value.retry_in)
            held_until = db.session.get(OutboxMessage, message_id).claimed_until
            assert held_until > utcnow() + timedelta(seconds=refused.value.retry_in - 2)
            assert outbox.deliver_message(message_id) == "busy"  # a second task during the hold
            assert outbox.relay_pending() == 0  # nor does the relay take it
            db.session.remove()
            end_hold(app, message_id)
        assert delays == [5, 10, 12]
        assert db.session.get(OutboxMessage, message_id).attempts == 3


def test_a_message_that_keeps_failing_is_marked_failed(app, client):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), OUTBOX_MAX_ATTEMPTS=2, OUTBOX_RETRY_SECONDS=0)
    submit(client)
    message_id = only_message_id(app)
    with app.app_context():
        for _ in range(2):
            with pytest.raises(mailer.DeliveryFailed):
                outbox.deliver_message(message_id)
        assert db.session.get(OutboxMessage, message_id).status == "failed"


def test_broker_away_at_intake_still_accepts_and_the_relay_picks_it_up(app, client):
    # Nothing listens on this port: the enqueue after commit fails fast.
    app.extensions["celery"].conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    response = client.post("/api/v1/complaints", json=BODY)
    assert response.status_code == 201
    assert time.monotonic() - started < 5
    message_id = only_message_id(app)
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "pending" and message.enqueued_at is None
        # Not stale yet: the relay leaves it to the first enqueue.
        assert outbox.relay_pending() == 0
        db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        assert outbox.relay_pending() == 0  # broker still away: nothing stamped
        assert db.session.get(OutboxMessage, message_id).enqueued_at is None
    # The relay runs in the worker process, which reaches the broker once it is back.
    relay = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "memory://",
            "CELERY": {**app.config["CELERY"], "broker_url": "memory://"},
        }
    )
    with relay.app_context():
        assert outbox.relay_pending() == 1
        assert db.session.get(OutboxMessage, message_id).enqueued_at is not None
        assert outbox.relay_pending() == 0  # just enqueued: not again until it goes stale
        db.engine.dispose()
