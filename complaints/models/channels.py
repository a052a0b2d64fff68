"""What the channels remember: messages already received or sent, and LINE conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.complaint import Complaint


class ChannelMessage(Base):
    """A message a channel gave us (or we sent), by the channel's own id.

    The unique key makes a redelivered LINE event, a second copy of an email or a
    gateway's retried SMS a no-op; email Message-IDs in and out let replies thread
    to the complaint they answer. `external_key` is the SHA-256 of the channel's id
    (an email Message-ID may be longer than any sensible index key).
    """

    __tablename__ = "channel_messages"
    __table_args__ = (UniqueConstraint("channel", "external_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_key: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(3), default="in")  # in, out
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint | None] = relationship()


class LineConversation(Base):
    """Where a LINE user is in the guided conversation (what, where, photo, confirm)."""

    __tablename__ = "line_conversations"

    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
