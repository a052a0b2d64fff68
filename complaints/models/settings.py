"""The agency's own settings, made by `flask setup` or the first-run page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from complaints.models.base import Base, utcnow

# The table holds at most this one row.
AGENCY_SETTINGS_ID = 1


class AgencySettings(Base):
    """The agency's name as setup stored it; the environment (AGENCY_NAME_*) is the fallback."""

    __tablename__ = "agency_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
