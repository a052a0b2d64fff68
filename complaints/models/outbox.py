"""The transactional outbox of messages to citizens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.ids import KEY_LENGTH, new_key
from complaints.models.base import Base, utcnow
from complaints.models.complaint import Complaint
from complaints.models.encrypted import EncryptedText


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change behind it.

    The worker sends it; the periodic relay re-enqueues the ones still pending, so
    nothing is lost while the broker or the worker is down.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What pages and forms name it by: random, so the ids an admin sees have no gaps
    # where a tip-off's messages, hidden from them, would be (issue 16).
    url_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True, default=new_key)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(EncryptedText)  # personal data: encrypted at rest
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # A worker that takes the message holds it until then; a crashed worker's
    # claim simply runs out and the message can be taken again.
    claimed_until: Mapped[datetime | None]

    complaint: Mapped[Complaint | None] = relationship()
