"""Open311 GeoReport v2: the API keys issued to client apps, and what a client
sent with each request beyond the complaint itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.complaint import Complaint


class ApiKey(Base):
    """A key an admin issued to one Open311 client app.

    Only a SHA-256 digest of the key is kept (the key is 256 random bits, so a
    fast digest is enough); the key itself is shown to the admin once.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to recognise it
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Open311Request(Base):
    """The Open311 side of a complaint: which client sent it and the fields the
    complaint has no column for. Stored in the complaint's own transaction."""

    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    # Answers GET tokens/{token} (services of type "batch" return it instead of the id).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))
    media_url: Mapped[str | None] = mapped_column(String(500))

    complaint: Mapped[Complaint] = relationship()
    api_key: Mapped[ApiKey] = relationship()
