"""Reference data: units, categories, service standards and canned responses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow

DEFAULT_ACK_WORKING_DAYS = 1
DEFAULT_FIRST_RESPONSE_WORKING_DAYS = 5
DEFAULT_RESOLVE_WORKING_DAYS = 15


class Unit(Base):
    """A department or office that handles complaints; units form a hierarchy."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # An agency that runs its own PMQA self-assessment from the complaints of this unit and
    # every unit below it (a deployment hosting several agencies marks each one).
    assessed_body: Mapped[bool] = mapped_column(default=False, server_default=false())

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")


class Category(Base):
    """A complaint category and the unit that handles it by default."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Made from an imported file's label (`flask import --create-categories`): its names,
    # unit and standard are guesses until an admin saves it once.
    needs_review: Mapped[bool] = mapped_column(default=False, server_default=false())

    unit: Mapped[Unit | None] = relationship()


class ServiceStandard(Base):
    """Deadlines in working days on the Thai government calendar.

    A row may name a category, a kind, both or neither; the most specific row
    that matches a complaint applies, and the row with neither is the default.
    """

    __tablename__ = "service_standards"
    __table_args__ = (UniqueConstraint("category_id", "kind", name="uq_service_standards_category_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    kind: Mapped[str | None] = mapped_column(String(20))
    ack_working_days: Mapped[int] = mapped_column(default=DEFAULT_ACK_WORKING_DAYS)
    first_response_working_days: Mapped[int] = mapped_column(default=DEFAULT_FIRST_RESPONSE_WORKING_DAYS)
    resolve_working_days: Mapped[int] = mapped_column(default=DEFAULT_RESOLVE_WORKING_DAYS)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()


class StandardsPublication(Base):
    """A published version of the service standards (the public /standards page)."""

    __tablename__ = "standards_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")


class CannedResponse(Base):
    """A ready-made Thai answer officers can start a reply from."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
