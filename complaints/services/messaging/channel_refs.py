"""The channels' own message ids: dedupe redeliveries, thread email replies.

A LINE webhookEventId, an email Message-ID or an SMS gateway's message id is
stored once per channel (a unique key); a second delivery of the same id finds
the first and creates nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from complaints.extensions import db
from complaints.models import ChannelMessage, OutboxMessage, utcnow
from complaints.services.messaging import dispatch
from complaints.services.unit_of_work import rows_changed


def external_key(external_id: str) -> str:
    return hashlib.sha256(external_id.strip().encode("utf-8", "surrogatepass")).hexdigest()


def reference(channel: str, external_id: str, complaint_id: int | None = None, direction: str = "in") -> ChannelMessage:
    """A new row for the session (the caller commits it with the change it records)."""
    return ChannelMessage(
        channel=channel,
        external_key=external_key(external_id),
        external_id=external_id.strip(),
        direction=direction,
        complaint_id=complaint_id,
    )


def attach(channel: str, external_id: str):
    """For intake.submit_complaint(attach=...): the message's reference row, stored with
    the complaint it made, in the same transaction."""

    def rows(complaint):
        ref = reference(channel, external_id)
        ref.complaint = complaint
        return [ref]

    return rows


def record_once(
    channel: str,
    external_id: str,
    *,
    rows: Iterable[object] = (),
    complaint_id: int | None = None,
    answer: OutboxMessage | None = None,
) -> bool:
    """Store a message's reference with what it led to (`rows`, and the `answer` to send
    back) in one transaction; the answer goes to the broker after the commit.

    False, with nothing stored, when the same message was handled at this moment by
    another request (a redelivery racing this one): the reference's unique key decides.
    """
    db.session.add(reference(channel, external_id, complaint_id))
    db.session.add_all(rows)
    if answer is not None:
        db.session.add(answer)
    try:
        db.session.flush()
        answer_id = answer.id if answer is not None else None
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    if answer_id is not None:
        dispatch.enqueue_outbox([answer_id])
    return True


def find(channel: str, external_id: str) -> ChannelMessage | None:
    return db.session.scalar(
        select(ChannelMessage).where(
            ChannelMessage.channel == channel, ChannelMessage.external_key == external_key(external_id)
        )
    )


def complaint_id_for(channel: str, external_ids: list[str]) -> int | None:
    """The complaint any of these ids (a reply's In-Reply-To/References) belongs to."""
    keys = [external_key(i) for i in external_ids if i.strip()]
    if not keys:
        return None
    return db.session.scalar(
        select(ChannelMessage.complaint_id)
        .where(
            ChannelMessage.channel == channel,
            ChannelMessage.external_key.in_(keys),
            ChannelMessage.complaint_id.is_not(None),
        )
        .order_by(ChannelMessage.id)
        .limit(1)
    )


def ids_for(channel: str, complaint_id: int, direction: str = "in") -> list[str]:
    return list(
        db.session.scalars(
            select(ChannelMessage.external_id)
            .where(
                ChannelMessage.channel == channel,
                ChannelMessage.complaint_id == complaint_id,
                ChannelMessage.direction == direction,
            )
            .order_by(ChannelMessage.id)
        )
    )


def purge_unlinked() -> int:
    """Forget ids of events that made no complaint (prompts, status requests) after
    CHANNEL_EVENT_RETENTION_DAYS; channels redeliver within hours, so older ids guard nothing."""
    days = current_app.config["CHANNEL_EVENT_RETENTION_DAYS"]
    deleted = rows_changed(
        delete(ChannelMessage).where(
            ChannelMessage.complaint_id.is_(None), ChannelMessage.created_at < utcnow() - timedelta(days=days)
        )
    )
    db.session.commit()
    return deleted
