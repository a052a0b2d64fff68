"""Admin overrides of the Thai government working-day calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import Base


class CalendarOverride(Base):
    """A day the Cabinet declared a holiday (is_holiday) or a working day (not)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_holiday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200), default="")
