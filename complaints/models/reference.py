"""Reference data: responsible units and complaint categories."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base

DEFAULT_ACK_WORKING_DAYS = 1
DEFAULT_RESOLVE_WORKING_DAYS = 15


class Unit(Base):
    """A department or office that handles complaints; units form a hierarchy."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")


class Category(Base):
    """A complaint category with its default unit and service standard.

    The standard is counted in working days on the Thai government calendar:
    acknowledge within `ack_working_days`, resolve within `resolve_working_days`.
    """

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    ack_working_days: Mapped[int] = mapped_column(default=DEFAULT_ACK_WORKING_DAYS)
    resolve_working_days: Mapped[int] = mapped_column(default=DEFAULT_RESOLVE_WORKING_DAYS)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit | None] = relationship()
