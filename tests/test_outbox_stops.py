"""Exactly once under stops, in one process (issue 17; tests/faults/test_stops.py has the real signals):
a stop signal waits until the send is recorded, the record is written at the server's
250, a failure after it is no retry, and a slow send keeps its short lease."""

from __future__ import annotations

import os
import signal
import smtplib
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, select, text

from complaints.extensions import db
from complaints.models import OutboxMessage, utcnow
from complaints.services.messaging import outbox, stop_signals

BODY = {
    "description": "ท่อระบายน้ำอุดตัน น้ำเน่าส่งกลิ่นเหม็นทั้งซอย",
    "category": "น้ำท่วม",
    "contact": {"name": "ชูใจ ใจงาม", "email": "chujai@example.com"},
}


@pytest.fixture
def message_id(app, client) -> int:
    assert client.post("/api/v1/complaints", json=BODY).status_code == 201
    with app.app_context():
        return db.session.scalar(select(OutboxMessage.id))


def _row(app, message_id: int):
    """The message as another process sees it (a connection of its own)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT status, attempts, claimed_until FROM outbox_messages WHERE id = :id"), {"id": message_id}
            ).one()
    finally:
        engine.dispose()


def test_a_signal_inside_the_block_is_handled_after_it():
    handled = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _: handled.append(signum))
    try:
        with stop_signals.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert handled == []
        assert handled == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is not None and signal.getsignal(signal.SIGTERM) != signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_ignored_signal_stays_ignored_and_other_threads_change_nothing():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a prefork pool child
    try:
        with stop_signals.deferred():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        seen = []
        thread = threading.Thread(target=lambda: seen.append(_enter_in_thread()))
        thread.start()
        thread.join()
        assert seen == [True]
    finally:
        signal.signal(signal.SIGINT, previous)


def _enter_in_thread() -> bool:
    with stop_signals.deferred():
        return True


def test_sigterm_mid_send_is_handled_once_the_message_is_recorded(app, message_id, monkeypatch):
    app.config.update(MAIL_SERVER="127.0.0.1")
    seen_at_signal = []
    real = outbox.SENDERS["email"]

    def send_and_get_stopped(message, accepted):
        os.kill(os.getpid(), signal.SIGTERM)  # a group SIGTERM mid-conversation
        time.sleep(0.05)
        accepted()  # the server's 250

    def on_term(signum, _frame):
        seen_at_signal.append(_row(app, message_id).status)

    monkeypatch.setitem(outbox.SENDERS, "email", outbox.Sender(send_and_get_stopped, real.write))
    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with app.app_context():
            assert outbox.deliver_message(message_id) == "sent"
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen_at_signal == ["sent"]


def test_the_record_is_written_at_the_250_and_a_failure_after_it_is_no_retry(app, smtp_server, message_id, monkeypatch):
    status_at_quit = []

    def quit_on_a_dropped_connection(smtp):
        status_at_quit.append(_row(app, message_id).status)
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr(smtplib.SMTP, "quit", quit_on_a_dropped_connection)
    with app.app_context():
        assert outbox.deliver_message(message_id) == "sent"
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
        assert message.complaint.acknowledged_at is not None
        assert outbox.deliver_message(message_id) == "already_sent"
    assert status_at_quit == ["sent"]
    assert len(smtp_server.messages) == 1


def _aware(value) -> datetime:
    value = value if isinstance(value, datetime) else datetime.fromisoformat(value)  # SQLite: text
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_slow_send_keeps_renewing_its_short_lease(app, message_id, monkeypatch):
    app.config.update(MAIL_SERVER="127.0.0.1", OUTBOX_LEASE_SECONDS=0.6)
    claims = []
    real = outbox.SENDERS["email"]

    def slow_send(message, accepted):
        for _ in range(3):  # 1.5 s: more than twice the lease
            time.sleep(0.5)
            claims.append((utcnow(), _aware(_row(app, message_id).claimed_until)))
        accepted()

    monkeypatch.setitem(outbox.SENDERS, "email", outbox.Sender(slow_send, real.write))
    with app.app_context():
        assert outbox.deliver_message(message_id) == "sent"
    row = _row(app, message_id)
    assert (row.status, row.attempts, row.claimed_until) == ("sent", 1, None)
    # Claimed all along, long after the first lease would have run out: nobody else could send it.
    assert all(until > seen for seen, until in claims), claims
