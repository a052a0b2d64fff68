"""Integrity grants waiting for a second admin.

Whoever may act as an integrity officer may read corruption tip-offs, so an admin
alone cannot make someone one: a grant proposed in /admin/users waits here until a
different admin approves it, or it expires (services/staff/integrity_grants.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.user import User


class IntegrityGrant(Base):
    """A proposed grant: create, promote, demote, password or reactivate."""

    __tablename__ = "integrity_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    # The account concerned; None for a new account until the grant is approved.
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(80))
    # The account's fields after the change (display_name, role, unit_id, email, active);
    # never a password: one is generated at approval and shown to the approver once.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    target: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
