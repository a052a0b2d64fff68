"""Outgoing mail: real SMTP, or .eml files in the development outbox while MAIL_SERVER is unset."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from complaints.services.messaging import channel_status
from complaints.services.messaging.delivery import DeliveryFailed
from complaints.services.messaging.tls import verifying_context

__all__ = ["DeliveryFailed", "build_message", "send", "send_smtp", "write_to_folder"]

# Each SMTP command waits this long for its reply. A send outlives the outbox lease
# (the lease is renewed while it runs), so this is not bounded by it; it bounds how
# long a stopping worker waits for a send in flight (deploy/systemd, docker-compose.yml).
SMTP_TIMEOUT_SECONDS = 20
# Once the server said 250 the message is recorded; QUIT is a courtesy that may not delay it.
QUIT_TIMEOUT_SECONDS = 2


def build_message(
    to: str, subject: str, text: str, html: str, message_id: str | None = None, references: list[str] | None = None
) -> EmailMessage:
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="rongrian.invalid")
    if references:
        # The citizen's mail program threads our answer under their message.
        msg["In-Reply-To"] = references[-1]
        msg["References"] = " ".join(references)
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def _connect(config) -> smtplib.SMTP:
    """An SMTP connection, over verified TLS when MAIL_USE_SSL or MAIL_USE_TLS says so.

    A certificate that does not verify raises ssl.SSLCertVerificationError (an OSError),
    and a server that does not offer STARTTLS raises SMTPNotSupportedError: both before
    the password or any mail is sent, and both end as a delivery to try again.
    """
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config["MAIL_USE_SSL"]:
        return smtplib.SMTP_SSL(
            host, port, timeout=SMTP_TIMEOUT_SECONDS, context=verifying_context(config["MAIL_CA_FILE"])
        )
    smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    if config["MAIL_USE_TLS"]:
        try:
            smtp.starttls(context=verifying_context(config["MAIL_CA_FILE"]))
        except BaseException:
            smtp.close()
            raise
    return smtp


def send(msg: EmailMessage) -> Path | None:
    """Send by SMTP when e-mail is configured; else write it to the development outbox
    (channel_status) and return the file written."""
    if not channel_status.configured("email"):
        return write_to_folder(msg, channel_status.dev_outbox_dir("email"))
    send_smtp(msg)
    return None


def write_to_folder(msg: EmailMessage, folder: Path) -> Path:
    """The message as an .eml file a developer can open; raises DeliveryFailed when it cannot be written."""
    name = msg["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
    path = folder / f"{name}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(msg.as_bytes())
    except OSError as exc:
        raise DeliveryFailed(f"development outbox: {exc}") from exc
    return path


def send_smtp(msg: EmailMessage, accepted: Callable[[], None] | None = None) -> None:
    """Send `msg`; raises DeliveryFailed only while the server has not accepted it.

    `accepted` runs as soon as the server answers the message's DATA with 250, before
    QUIT: the caller records the message sent then. Anything failing after the 250
    (QUIT, a dropped connection) is not a failure of the delivery and is not retried:
    the message is out, and a retry would send it twice.
    """
    config = current_app.config
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(str(exc)) from exc
    try:
        try:
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(str(exc)) from exc
        if accepted is not None:
            accepted()
        try:
            if smtp.sock is not None:
                smtp.sock.settimeout(QUIT_TIMEOUT_SECONDS)
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    finally:
        smtp.close()
