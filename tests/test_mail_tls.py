"""Mail over TLS is verified: a server whose certificate does not verify gets neither the
password nor a citizen's mail, and the message stays a delivery to try again.

Real servers on loopback: aiosmtpd with STARTTLS and with implicit TLS (port 465 style),
and a small IMAPS server, each presenting a certificate made for the test.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading

import pytest
from sqlalchemy import select

from complaints.config import load_config
from complaints.extensions import db
from complaints.models import OutboxMessage
from complaints.services.channels import email_intake
from complaints.services.messaging import outbox
from tests.helpers import start_smtp_server
from tests.tls_certs import make_ca, self_signed_context

BODY = {
    "description": "น้ำท่วมขังหน้าบ้าน ระบายไม่ออก",
    "category": "น้ำท่วม",
    "contact": {"name": "มานี มีนา", "email": "manee@example.com"},
}


@pytest.fixture
def ca(tmp_path):
    return make_ca(tmp_path / "ca")


def one_message(app, client) -> int:
    assert client.post("/api/v1/complaints", json=BODY).status_code == 201
    with app.app_context():
        return db.session.scalar(select(OutboxMessage.id))


def refused(app, message_id: int) -> str:
    """Deliver once expecting a refusal; the message must stay pending, with the error."""
    with app.app_context():
        with pytest.raises(outbox.RetryLater):
            outbox.deliver_message(message_id)
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts) == ("pending", 1)
        return message.last_error


def smtp_config(controller, **tls) -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": controller.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_CA_FILE": None,
        **tls,
    }


@pytest.mark.parametrize("mode", ["MAIL_USE_TLS", "MAIL_USE_SSL"])
def test_a_server_with_an_untrusted_certificate_gets_no_mail(app, client, tmp_path, mode):
    # The finding of issue 17: a certificate for CN=attacker.invalid that nobody vouches for.
    context = self_signed_context(tmp_path, "attacker.invalid", ["attacker.invalid", "127.0.0.1"])
    controller, inbox = start_smtp_server(context, implicit=mode == "MAIL_USE_SSL")
    try:
        app.config.update(smtp_config(controller, **{mode: True}))
        error = refused(app, one_message(app, client))
    finally:
        controller.stop()
    assert "CERTIFICATE_VERIFY_FAILED" in error
    assert inbox.messages == []


@pytest.mark.parametrize("mode", ["MAIL_USE_TLS", "MAIL_USE_SSL"])
def test_a_server_signed_by_the_configured_ca_gets_the_mail_over_tls(app, client, ca, mode):
    context = ca.server_context("mail.test", ["127.0.0.1"])
    controller, inbox = start_smtp_server(context, implicit=mode == "MAIL_USE_SSL")
    try:
        app.config.update(smtp_config(controller, **{mode: True, "MAIL_CA_FILE": str(ca.ca_file)}))
        message_id = one_message(app, client)
        with app.app_context():
            assert outbox.deliver_message(message_id) == "sent"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1 and inbox.over_tls == [True]
    message = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    assert message["To"] == "manee@example.com"


def test_a_certificate_for_another_name_is_refused_even_from_the_trusted_ca(app, client, ca):
    # Signed by the agency's own CA, but for another host: the name is checked too.
    controller, inbox = start_smtp_server(ca.server_context("attacker.invalid", ["attacker.invalid"]))
    try:
        app.config.update(smtp_config(controller, MAIL_USE_TLS=True, MAIL_CA_FILE=str(ca.ca_file)))
        error = refused(app, one_message(app, client))
    finally:
        controller.stop()
    assert "CERTIFICATE_VERIFY_FAILED" in error and "127.0.0.1" in error
    assert inbox.messages == []


def test_starttls_asked_for_but_not_offered_is_not_a_plain_text_send(app, client):
    controller, inbox = start_smtp_server(None)  # offers no STARTTLS (a stripping attacker, or a misconfiguration)
    try:
        app.config.update(smtp_config(controller, MAIL_USE_TLS=True))
        error = refused(app, one_message(app, client))
    finally:
        controller.stop()
    assert "STARTTLS" in error
    assert inbox.messages == []


def test_implicit_tls_defaults_to_port_465_and_imap_trusts_the_mail_ca(monkeypatch):
    for name in ("MAIL_PORT", "IMAP_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAIL_USE_SSL", "1")
    monkeypatch.setenv("MAIL_CA_FILE", "/etc/agency/ca.pem")
    config = load_config("/nonexistent")
    assert (config["MAIL_PORT"], config["MAIL_USE_SSL"], config["MAIL_USE_TLS"]) == (465, True, False)
    assert config["IMAP_CA_FILE"] == "/etc/agency/ca.pem"
    monkeypatch.setenv("IMAP_CA_FILE", "/etc/agency/imap-ca.pem")
    monkeypatch.setenv("MAIL_PORT", "2465")
    config = load_config("/nonexistent")
    assert (config["MAIL_PORT"], config["IMAP_CA_FILE"]) == (2465, "/etc/agency/imap-ca.pem")
    monkeypatch.delenv("MAIL_USE_SSL")
    monkeypatch.delenv("MAIL_PORT")
    assert load_config("/nonexistent")["MAIL_PORT"] == 25


class IMAPSServer:
    """Just enough IMAP4rev1 over TLS for poll_mailbox on an empty folder; records what it was told."""

    def __init__(self, context: ssl.SSLContext):
        self.context = context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.commands: list[str] = []
        self.handshake_errors: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            raw, _ = self.listener.accept()
        except OSError:
            return
        with raw:
            raw.settimeout(10)
            try:
                conn = self.context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.handshake_errors.append(str(exc))
                return
            with conn:
                self._talk(conn.makefile("rwb"))

    def _talk(self, stream) -> None:
        stream.write(b"* OK [CAPABILITY IMAP4rev1] test IMAPS ready\r\n")
        stream.flush()
        answers = {
            "LOGIN": b"",
            "SELECT": b"* 0 EXISTS\r\n* 0 RECENT\r\n",
            "UID": b"* SEARCH\r\n",
            "LOGOUT": b"* BYE logging out\r\n",
            "CAPABILITY": b"* CAPABILITY IMAP4rev1\r\n",
        }
        for line in stream:
            tag, command, *rest = line.decode().rstrip("\r\n").split(" ", 2)
            self.commands.append(" ".join([command.upper(), *rest]))
            stream.write(answers.get(command.upper(), b"") + tag.encode() + b" OK done\r\n")
            stream.flush()
            if command.upper() == "LOGOUT":
                return

    def stop(self) -> None:
        self.listener.close()
        self.thread.join(5)


def imap_config(server: IMAPSServer, ca_file=None) -> dict:
    return {
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": server.port,
        "IMAP_USE_SSL": True,
        "IMAP_USERNAME": "complaints@agency.test",
        "IMAP_PASSWORD": "mailbox-secret",
        "IMAP_CA_FILE": ca_file,
    }


def test_imap_refuses_a_mailbox_with_an_untrusted_certificate(app, tmp_path):
    server = IMAPSServer(self_signed_context(tmp_path, "attacker.invalid", ["127.0.0.1"]))
    try:
        app.config.update(imap_config(server))
        with app.app_context(), pytest.raises(ssl.SSLCertVerificationError):
            email_intake.poll_mailbox()
    finally:
        server.stop()
    assert server.commands == []  # no LOGIN: the password never left
    assert server.handshake_errors  # the client broke off the handshake


def test_imap_trusts_the_configured_ca_and_logs_in(app, ca):
    server = IMAPSServer(ca.server_context("imap.test", ["127.0.0.1"]))
    try:
        app.config.update(imap_config(server, str(ca.ca_file)))
        with app.app_context():
            counts = email_intake.poll_mailbox()
    finally:
        server.stop()
    assert counts == {"complaint": 0, "follow_up": 0, "duplicate": 0, "ignored": 0, "refused": 0}
    assert any(c.startswith("LOGIN complaints@agency.test") for c in server.commands)
    assert any(c.startswith("UID SEARCH") for c in server.commands)
