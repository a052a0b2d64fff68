"""Talking to the LINE Messaging API: reply, push and photo download.

Replies and pushes go through line-bot-sdk v3 with the configurable
LINE_API_BASE_URL (tests point it at a local fake). The SDK pins content
downloads to https://api-data.line.me, so the photo is fetched with urllib3
from LINE_DATA_API_BASE_URL, streamed, and cut off at the photo size limit.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import urllib3
from flask import current_app

from complaints.models import OutboxMessage, utcnow
from complaints.services.messaging import channel_status, outbound_http
from complaints.services.messaging.delivery import DeliveryFailed

# LINE caps a text message at 5,000 characters.
MAX_TEXT = 5000


class ContentTooLarge(ValueError):
    """The photo is larger than MAX_PHOTO_BYTES."""


class ContentUnavailable(RuntimeError):
    """LINE did not hand over the content."""


# The LINE messaging SDK is imported where it is used: importing it takes over a second,
# and most processes (every CLI command, a deployment without LINE) never send to LINE.


def _api_client():
    """The SDK client for this process and settings (its connections are kept)."""
    from linebot.v3.messaging import ApiClient, Configuration

    host = current_app.config["LINE_API_BASE_URL"].rstrip("/")
    token = current_app.config["LINE_CHANNEL_ACCESS_TOKEN"] or ""
    return outbound_http.per_process(
        ("line", host, token), lambda: ApiClient(Configuration(host=host, access_token=token))
    )


def _reply_token_fresh(message: OutboxMessage) -> bool:
    token = message.payload.get("reply_token")
    max_age = timedelta(seconds=current_app.config["LINE_REPLY_TOKEN_SECONDS"])
    return bool(token) and message.attempts <= 1 and utcnow() - message.created_at < max_age


def send(message: OutboxMessage, text: str) -> None:
    """Answer with the webhook's reply token while it is fresh, else push.

    A push carries a retry key derived from the outbox message, so a push LINE
    already accepted (answer 409) is not sent twice.
    """
    from linebot.v3.messaging import (
        ApiException,
        MessagingApi,
        PushMessageRequest,
        ReplyMessageRequest,
        TextMessage,
    )

    messages = [TextMessage(text=text[:MAX_TEXT])]
    api = MessagingApi(_api_client())
    if _reply_token_fresh(message):
        try:
            api.reply_message(ReplyMessageRequest(reply_token=message.payload["reply_token"], messages=messages))
            return
        except ApiException as exc:
            if exc.status is None or exc.status >= 500:
                raise DeliveryFailed(f"LINE reply: {exc.status} {exc.reason}") from exc
            # An expired or used reply token: fall back to a push.
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            raise DeliveryFailed(f"LINE reply: {exc}") from exc
    retry_key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"rongrian:outbox:{message.id}"))
    try:
        api.push_message(PushMessageRequest(to=message.recipient, messages=messages), x_line_retry_key=retry_key)
    except ApiException as exc:
        if exc.status == 409:  # accepted before under this retry key
            return
        raise DeliveryFailed(f"LINE push: {exc.status} {exc.reason}") from exc
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        raise DeliveryFailed(f"LINE push: {exc}") from exc


def write_to_folder(message: OutboxMessage, text: str, folder: Path) -> Path:
    """The development outbox: what would have been sent, as one JSON file per outbox
    message (rewritten, not doubled, when the message is tried again)."""
    record = {
        "channel": "line",
        "to": message.recipient,
        "text": text[:MAX_TEXT],
        "reply_token": message.payload.get("reply_token"),
        "outbox_id": message.id,
        "at": utcnow().isoformat(),
    }
    return channel_status.write_dev_record(folder, f"outbox-{message.id}", record)


def download_content(message_id: str, max_bytes: int) -> bytes:
    """The bytes of an image a user sent; raises ContentTooLarge or ContentUnavailable."""
    if not channel_status.configured("line"):
        # Without the access token LINE would refuse anyway: no call is made.
        raise ContentUnavailable("LINE is not configured (LINE_CHANNEL_ACCESS_TOKEN)")
    config = current_app.config
    base = config["LINE_DATA_API_BASE_URL"].rstrip("/")
    url = f"{base}/v2/bot/message/{quote(message_id, safe='')}/content"
    try:
        response = outbound_http.pool().request(
            "GET",
            url,
            preload_content=False,
            headers={"Authorization": f"Bearer {config['LINE_CHANNEL_ACCESS_TOKEN'] or ''}"},
        )
    except urllib3.exceptions.HTTPError as exc:
        raise ContentUnavailable(str(exc)) from exc
    try:
        if response.status != 200:
            raise ContentUnavailable(f"LINE content: HTTP {response.status}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise ContentTooLarge(declared)
        data = bytearray()
        for chunk in response.stream(64 * 1024):
            data.extend(chunk)
            if len(data) > max_bytes:
                raise ContentTooLarge(str(len(data)))
        return bytes(data)
    except urllib3.exceptions.HTTPError as exc:
        raise ContentUnavailable(str(exc)) from exc
    finally:
        response.release_conn()
