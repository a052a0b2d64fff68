"""Learning from complaints: root causes, recurring-issue clusters and corrective actions.

Criterion 3.4 (Significance) asks the agency to find why complaints recur and to
act so that they fall. Officers record a root cause when a complaint is closed;
a worker groups complaints about the same problem at the same place into
recurring clusters with monthly counts; managers open corrective actions on a
cluster or a category and compare the complaint rate before and after.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.reference import Category, Unit
from complaints.models.user import User


class RootCause(Base):
    """An agency-configurable root cause an officer picks at closure."""

    __tablename__ = "root_causes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class RecurringCluster(Base):
    """Complaints about the same problem at the same place, over time.

    `place_key` is the place the cluster is about (an area code, or a finer grid
    cell where coordinates exist); `terms` are the cluster's distinctive tokens
    (space-separated) and `label_th` the readable Thai label made from them.
    """

    __tablename__ = "recurring_clusters"
    __table_args__ = (Index("ix_recurring_clusters_category_place", "category_id", "place_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place_key: Mapped[str | None] = mapped_column(String(40))
    area_code: Mapped[str | None] = mapped_column(String(6))
    label_th: Mapped[str] = mapped_column(String(300))
    terms: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(default=0)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    months: Mapped[list[ClusterMonth]] = relationship(back_populates="cluster", order_by="ClusterMonth.month")


class ClusterMonth(Base):
    """How many complaints joined a cluster in one calendar month (first day of month)."""

    __tablename__ = "cluster_months"
    __table_args__ = (UniqueConstraint("cluster_id", "month", name="uq_cluster_months_cluster_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("recurring_clusters.id"))
    month: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(default=0)

    cluster: Mapped[RecurringCluster] = relationship(back_populates="months")


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class CorrectiveAction(Base):
    """A manager's action against a recurring cluster or a whole category.

    `effective_on` is the day the fix took effect: the complaint rate of the
    target before and after that day is the measure of whether it worked.
    """

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_clusters.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.PLANNED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cluster: Mapped[RecurringCluster | None] = relationship()
    category: Mapped[Category | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
