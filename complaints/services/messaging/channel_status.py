"""Which channels are configured, and what an unconfigured one does instead of sending.

One rule for every outbound channel (e-mail, LINE, SMS): it is *configured* when its
credentials are set (`CREDENTIALS`). A channel that is not configured makes no network
call: each of its messages is written as a file to the channel's development outbox
folder (`DEV_OUTBOX_SETTINGS`). Delivery (messaging/outbox.py) asks `configured()` here;
the senders themselves never look at credentials to decide.

Whether such a write counts as sent is decided here too (`dev_outbox_counts_as_sent`):
outside production it does, so a demo flows (the complaint is acknowledged); in
production it does not, because nobody was told and the criterion-3.4 figure
"acknowledged within one working day" must not count it.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import ApiKey

# The settings that must all be set for a channel to send for real.
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "email": ("MAIL_SERVER",),
    "line": ("LINE_CHANNEL_ACCESS_TOKEN",),
    "sms": ("SMS_PROVIDER_URL",),
}

# Where an unconfigured channel's messages are written, one file per message.
DEV_OUTBOX_SETTINGS: dict[str, str] = {
    "email": "MAIL_OUTBOX_DIR",
    "line": "LINE_OUTBOX_DIR",
    "sms": "SMS_OUTBOX_DIR",
}

# The outbox status of a message written to the development outbox in production:
# not "sent" (nobody received it) and not "pending" (no retry can deliver it).
DEV_OUTBOX_STATUS = "dev_outbox"


def is_set(name: str) -> bool:
    """Whether the setting holds a value: blanks, control and invisible characters
    (a token pasted with a zero-width space only) count as unset."""
    value = current_app.config.get(name)
    return value is not None and any(
        not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") for ch in str(value)
    )


def configured(channel: str) -> bool:
    """Whether the outbound `channel` has its credentials and may open connections."""
    return all(is_set(name) for name in CREDENTIALS[channel])


def dev_outbox_dir(channel: str) -> Path:
    return Path(current_app.config[DEV_OUTBOX_SETTINGS[channel]])


def write_dev_record(folder: Path, name: str, record: dict) -> Path:
    """One message of an unconfigured chat channel (LINE, SMS) as a JSON file in its
    development outbox, rewritten (not doubled) when the message is tried again;
    DeliveryFailed when the folder cannot be written, so the message is kept."""
    from complaints.services.messaging.delivery import DeliveryFailed

    path = folder / f"{name}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as exc:
        raise DeliveryFailed(f"development outbox: {exc}") from exc
    return path


def dev_outbox_counts_as_sent() -> bool:
    """Whether a message written to the development outbox is recorded as sent (and an
    acknowledgement written there acknowledges the complaint): only outside production."""
    return current_app.config.get("RONGRIAN_ENV") != "production"


@dataclass(frozen=True)
class ChannelReport:
    """One row of the admin's channel page."""

    key: str
    name: tuple[str, str]
    configured: bool
    # The settings that configure the channel, and which of them are still unset.
    settings: tuple[str, ...]
    missing: tuple[str, ...]
    # What the channel does (th, en), e.g. how it answers or how complaints come in.
    note: tuple[str, str]
    # For an outbound channel that is not configured: the folder its messages go to.
    dev_outbox: str | None = None
    # Webhooks and mailboxes that bring complaints in: (description th, en, ready, settings).
    inbound: tuple[tuple[str, str, bool, tuple[str, ...]], ...] = ()


def _unset(*names: str) -> tuple[str, ...]:
    return tuple(name for name in names if not is_set(name))


def _outbound(
    key: str,
    name: tuple[str, str],
    optional: tuple[str, ...],
    note: tuple[str, str],
    inbound: tuple[tuple[str, str, bool, tuple[str, ...]], ...],
) -> ChannelReport:
    is_configured = configured(key)
    return ChannelReport(
        key=key,
        name=name,
        configured=is_configured,
        settings=CREDENTIALS[key] + optional,
        missing=_unset(*CREDENTIALS[key]),
        note=note,
        dev_outbox=None if is_configured else str(dev_outbox_dir(key)),
        inbound=inbound,
    )


def _inbound(th: str, en: str, *settings: str, any_of: bool = False) -> tuple[str, str, bool, tuple[str, ...]]:
    values = [is_set(name) for name in settings]
    return th, en, (any(values) if any_of else all(values)), settings


def report() -> list[ChannelReport]:
    """Every channel complaints arrive by or are answered on, and whether it is configured."""
    active_keys = db.session.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))) or 0
    return [
        ChannelReport(
            key="web",
            name=("เว็บไซต์และแอป (API)", "Website and app (API)"),
            configured=True,
            settings=("PUBLIC_BASE_URL",),
            missing=(),
            note=(
                "เปิดใช้เสมอ ไม่ต้องตั้งค่า; PUBLIC_BASE_URL ใช้ในลิงก์ที่ส่งถึงผู้ร้อง",
                "Always on, nothing to set; PUBLIC_BASE_URL is used in links sent to complainants",
            ),
        ),
        _outbound(
            "email",
            ("อีเมล", "E-mail"),
            ("MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER"),
            ("ตอบผู้ร้องทางอีเมลผ่าน SMTP", "Answers complainants by SMTP"),
            (
                _inbound(
                    "รับเรื่องจากกล่องจดหมาย (IMAP) หรือ webhook",
                    "Complaints from a mailbox (IMAP) or a webhook",
                    "IMAP_HOST",
                    "EMAIL_WEBHOOK_SECRET",
                    any_of=True,
                ),
            ),
        ),
        _outbound(
            "line",
            ("LINE", "LINE"),
            (),
            ("ตอบกลับและแจ้งความคืบหน้าผ่าน LINE Messaging API", "Replies and pushes through the LINE Messaging API"),
            (_inbound("รับเรื่องจาก webhook ของ LINE", "Complaints from the LINE webhook", "LINE_CHANNEL_SECRET"),),
        ),
        _outbound(
            "sms",
            ("SMS", "SMS"),
            ("SMS_PROVIDER_TOKEN", "SMS_SENDER"),
            ("ส่ง SMS ผ่าน gateway ของผู้ให้บริการ", "Sends SMS through the provider's gateway"),
            (_inbound("รับเรื่องจาก webhook ของ gateway", "Complaints from the gateway's webhook", "SMS_WEBHOOK_SECRET"),),
        ),
        ChannelReport(
            key="open311",
            name=("Open311", "Open311"),
            configured=active_keys > 0,
            settings=("API key",),
            missing=() if active_keys else ("API key",),
            note=(
                f"แอปภายนอกส่งเรื่องด้วย API key ที่ใช้งานได้ {active_keys} รายการ; ตอบผู้ร้องทางอีเมล",
                f"Client apps submit with an API key ({active_keys} active); complainants are answered by e-mail",
            ),
        ),
        ChannelReport(
            key="phone",
            name=("โทรศัพท์และติดต่อด้วยตนเอง", "Phone and counter"),
            configured=True,
            settings=(),
            missing=(),
            note=(
                "เจ้าหน้าที่บันทึกเรื่องที่ /officer/complaints/new ไม่ต้องตั้งค่า",
                "Officers record them at /officer/complaints/new; nothing to set",
            ),
        ),
    ]
