"""PDPA records: who saw complainants' contact data, and data-subject requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.user import User


class AuditEntry(Base):
    """One view or export of personal data, by whom, when, from where."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # view_contact, subject_export, subject_erasure, retention
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User | None] = relationship()


class DataRequest(Base):
    """A data subject's request (PDPA s.30 access, s.33 erasure) and how it was handled."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # access, erasure
    # How the subject was found (phone, email or line) and its keyed hash, never the contact.
    contact_kind: Mapped[str] = mapped_column(String(10))
    contact_key: Mapped[str] = mapped_column(String(64))
    complainants: Mapped[int] = mapped_column(default=0)
    complaints: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)

    handled_by: Mapped[User | None] = relationship()
