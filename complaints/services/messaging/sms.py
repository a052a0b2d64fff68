"""SMS out: a small provider interface, an HTTP gateway, the development outbox; message length.

Thai text is sent as UCS-2: 70 characters in a single SMS, 67 per part when the
message is split. Plain GSM-7 text allows 160 and 153. Messages are cut to
SMS_MAX_PARTS parts by dropping whole lines from the end, so the first line
(which carries the tracking number) always goes out.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Protocol

import urllib3
from flask import current_app

from complaints.models import utcnow
from complaints.services.messaging import channel_status, outbound_http
from complaints.services.messaging.delivery import DeliveryFailed

# The GSM 03.38 basic character set; the extension table's characters take two septets.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def _gsm7_length(text: str) -> int | None:
    length = 0
    for ch in text:
        if ch in GSM7_BASIC:
            length += 1
        elif ch in GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def segments(text: str) -> int:
    """How many SMS parts the text takes."""
    gsm = _gsm7_length(text)
    if gsm is not None:
        single, part, length = 160, 153, gsm
    else:
        # UCS-2 counts UTF-16 code units (an emoji takes two).
        single, part, length = 70, 67, len(text.encode("utf-16-le")) // 2
    if length <= single:
        return 1
    return math.ceil(length / part)


def fit(text: str, max_parts: int) -> str:
    """The text, without its last lines, short enough for max_parts parts."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    while len(lines) > 1 and segments("\n".join(lines)) > max_parts:
        lines.pop()
    fitted = "\n".join(lines)
    while segments(fitted) > max_parts:  # one line that alone is too long
        fitted = fitted[:-1]
    return fitted


class SmsProvider(Protocol):
    def send(self, to: str, text: str, reference: str) -> None:
        """Hand one message to the gateway; raise DeliveryFailed when it refuses."""


def write_to_folder(to: str, text: str, reference: str, folder: Path) -> Path:
    """The development outbox: the message as one JSON file named by its reference.

    The recipient is kept, as in the .eml files of unsent mail: the file is a developer's
    artefact on the operator's disk, and shows who would have got the message.
    """
    record = {
        "channel": "sms",
        "to": to,
        "text": fit(text, current_app.config["SMS_MAX_PARTS"]),
        "reference": reference,
        "at": utcnow().isoformat(),
    }
    return channel_status.write_dev_record(folder, _file_name(reference), record)


def _file_name(reference: str) -> str:
    # References are ours ("outbox-12"); anything else cannot climb out of the folder.
    return re.sub(r"[^A-Za-z0-9_.-]", "_", reference).lstrip(".") or "message"


class HttpSmsProvider:
    """POST {"to", "text", "reference"} as JSON to the gateway, with a bearer token."""

    def __init__(self, url: str, token: str | None, sender: str | None):
        self.url, self.token, self.sender = url, token, sender

    def send(self, to: str, text: str, reference: str) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {"to": to, "text": text, "reference": reference}
        if self.sender:
            body["from"] = self.sender
        try:
            response = outbound_http.pool().request(
                "POST", self.url, body=json.dumps(body, ensure_ascii=False).encode(), headers=headers
            )
        except urllib3.exceptions.HTTPError as exc:
            raise DeliveryFailed(f"SMS gateway: {exc}") from exc
        if not 200 <= response.status < 300:
            raise DeliveryFailed(f"SMS gateway: HTTP {response.status}")


def provider() -> SmsProvider:
    """The configured gateway; only called for a configured channel (channel_status)."""
    config = current_app.config
    return HttpSmsProvider(config["SMS_PROVIDER_URL"], config["SMS_PROVIDER_TOKEN"], config["SMS_SENDER"])


def send(to: str, text: str, reference: str) -> None:
    provider().send(to, fit(text, current_app.config["SMS_MAX_PARTS"]), reference)
