"""Outgoing mail: real SMTP, or .eml files in a local folder on the embedded default."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from complaints.services.delivery import DeliveryFailed

__all__ = ["DeliveryFailed", "build_message", "send"]


def build_message(to: str, subject: str, text: str, html: str, message_id: str | None = None,
                  references: list[str] | None = None) -> EmailMessage:
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


def send(msg: EmailMessage) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] == "file":
        folder = Path(config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = msg["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (folder / f"{name}.eml").write_bytes(msg.as_bytes())
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(str(exc)) from exc
