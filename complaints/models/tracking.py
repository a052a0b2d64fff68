"""How many times citizens looked a complaint up, per day and channel."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import Base


class TrackingLookupDay(Base):
    """How many times citizens looked a complaint up, per day (Bangkok) and channel (web, api).

    Criterion 3.4 asks for a tracking system that is used; this counter is its evidence.
    """

    __tablename__ = "tracking_lookup_days"
    __table_args__ = (UniqueConstraint("day", "channel", name="uq_tracking_lookup_days_day_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(default=0)
