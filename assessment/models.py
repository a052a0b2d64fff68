"""The PMQA 4.0 category-3 self-assessment: one per agency and period, its answers and evidence.

A draft is edited; submitting it stores a JSON snapshot of every number, answer
and evidence item (with the files' SHA-256), so a submitted report never changes
however the complaint data moves on.

The tables sit on the app's one metadata (complaints.models.base.Base): the app factory
(create_app) imports this module, so Alembic sees them too.
Citizens' tracking lookups, which the 3.4 evidence reads, are casework's counter
(complaints.models.tracking.TrackingLookupDay).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.reference import Unit
from complaints.models.user import User


def _one_per_unit_and_period(table: str) -> tuple[Index, Index]:
    """One row per (assessed body, period), and one per period for the whole deployment
    (unit NULL): two partial unique indexes, as NULLs are distinct in a unique constraint."""
    whole = text("unit_id IS NULL")
    body = text("unit_id IS NOT NULL")
    return (
        Index(f"uq_{table}_unit_period", "unit_id", "period", unique=True, postgresql_where=body, sqlite_where=body),
        Index(f"uq_{table}_whole_period", "period", unique=True, postgresql_where=whole, sqlite_where=whole),
    )


class Assessment(Base):
    """One per assessed body and period; `unit_id` NULL is the whole deployment (an agency
    that hosts no other, or the deployment-wide view of one that does)."""

    __tablename__ = "assessments"
    __table_args__ = _one_per_unit_and_period("assessments")

    id: Mapped[int] = mapped_column(primary_key=True)
    agency: Mapped[str] = mapped_column(String(200))  # the body's (or the deployment's) name when opened
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # BE fiscal year "2569" or quarter "2569-Q1"
    fiscal_year: Mapped[int] = mapped_column(index=True)
    form: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft, submitted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[str | None] = mapped_column(Text)  # JSON, written once at submission
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))

    answers: Mapped[list[AssessmentAnswer]] = relationship(
        back_populates="assessment", order_by="AssessmentAnswer.item_id"
    )
    evidence: Mapped[list[AssessmentEvidence]] = relationship(
        back_populates="assessment", order_by="AssessmentEvidence.id"
    )
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    unit: Mapped[Unit | None] = relationship()


class AssessmentAnswer(Base):
    """The agency's answer to one checklist item: status, explanation, free-text fields."""

    __tablename__ = "assessment_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id", name="uq_assessment_answers_assessment_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="not_met")
    explanation: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[str] = mapped_column(Text, default="{}")  # JSON {field key: text}
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="answers")


class AssessmentEvidence(Base):
    """A file (stored outside the web root under a random name) or a link, for one item."""

    __tablename__ = "assessment_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # file, link
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str | None] = mapped_column(String(1000))
    storage_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    original_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="evidence")


class OperationalData(Base):
    """What the complaint data says about a period for the assessment (every criterion-3.4
    metric, the facts offered for 3.1-3.3), as computed at `computed_at`, for one assessed
    body (its subtree's complaints) or, with `unit_id` NULL, the whole deployment.

    A materialised result: with a million complaints computing it takes seconds, so
    the draft's pages read it while it is younger than ASSESSMENT_DATA_MAX_AGE; beat
    refreshes it, a manager can ask for it now, and submitting always computes anew.
    """

    __tablename__ = "assessment_operational_data"
    __table_args__ = _one_per_unit_and_period("assessment_operational_data")

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # the assessed body; NULL: the deployment
    period: Mapped[str] = mapped_column(String(10))
    computed_at: Mapped[datetime]
    seconds: Mapped[float]  # how long computing it took
    criterion_34: Mapped[str] = mapped_column(Text)  # JSON
    prefill: Mapped[str] = mapped_column(Text)  # JSON
