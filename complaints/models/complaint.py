"""Complaints, their complainants, timeline events and attachments.

The complainant's identity and contact details live in their own table so that
public views, exports and the unit complained about never load them by accident.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, nonmember

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.ids import KEY_LENGTH, new_key
from complaints.models.analytics import RecurringCluster, RootCause
from complaints.models.base import Base, utcnow
from complaints.models.encrypted import EncryptedText
from complaints.models.reference import Category, Unit
from complaints.models.user import User


class Kind(StrEnum):
    COMPLAINT = "complaint"  # ร้องเรียน/ร้องทุกข์
    SUGGESTION = "suggestion"  # ข้อเสนอแนะ
    COMPLIMENT = "compliment"  # ชมเชย
    TIP_OFF = "tip_off"  # แจ้งเบาะแสการทุจริต


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    LINE = "line"
    EMAIL = "email"
    SMS = "sms"
    OPEN311 = "open311"
    PHONE = "phone"
    COUNTER = "counter"
    LETTER = "letter"


# Still being handled, the clock running (Status.OPEN; spelled out here to build BACKLOG from it).
_OPEN = frozenset({"received", "acknowledged", "assigned", "in_progress", "forwarded", "reopened"})


class Status(StrEnum):
    """A complaint's status; only `services.casework.workflow` changes it after intake.

    The groups below are the one definition of each set of statuses: every query,
    page, figure and export uses them. FORWARDED is the status that belongs to two
    groups, on purpose: it stays OPEN in the workflow (the case is still in the queue
    and a lead approves its closure once the other unit or agency has acted), and it
    counts as ANSWERED for criterion 3.4 (the complainant has been told who acts on
    it). Open311 reports it as open.
    """

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    FORWARDED = "forwarded"
    REJECTED = "rejected"
    MERGED = "merged"
    ON_HOLD = "on_hold"
    REOPENED = "reopened"

    # Still being handled, the clock running (ON_HOLD is apart: its clock stops).
    OPEN = nonmember(_OPEN)
    # Waiting for the agency: OPEN plus ON_HOLD (the officer's queue, the backlog figure).
    BACKLOG = nonmember(_OPEN | {"on_hold"})
    # Handling ended here: resolved (awaiting the complainant), closed, rejected, merged.
    ENDED = nonmember(frozenset({"resolved", "closed", "rejected", "merged"}))
    # The complainant has had the agency's answer (criterion 3.4's "completed").
    ANSWERED = nonmember(frozenset({"resolved", "closed", "rejected", "forwarded"}))
    # The complainant may rate the handling: it has ended here with an answer (resolved,
    # closed, or rejected with its reason). The survey page, the survey-response figure
    # and the assessment's satisfaction evidence all count from this group.
    RATEABLE = nonmember(frozenset({"resolved", "closed", "rejected"}))


# The OPEN statuses as SQL, for the partial indexes below (in declaration order, as migrated).
OPEN_STATUSES_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in Status if s in Status.OPEN))


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Complainant(Base):
    """Personal data (PDPA): who complained and how to reach them."""

    __tablename__ = "complainants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Encrypted at rest (models.encrypted.EncryptedText); lengths are checked at intake.
    name: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    line_user_id: Mapped[str | None] = mapped_column(EncryptedText)
    # Keyed hashes (HMAC) of the normalised contacts: repeat complaints are found
    # by these, through an index, without comparing or exposing the contacts.
    phone_key: Mapped[str | None] = mapped_column(String(64), index=True)
    email_key: Mapped[str | None] = mapped_column(String(64), index=True)
    line_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_status_received_at", "status", "received_at"),
        Index("ix_complaints_unit_id_status", "unit_id", "status"),
        Index("ix_complaints_category_id_received_at", "category_id", "received_at"),
        Index("ix_complaints_area_code_received_at", "area_code", "received_at"),
        # Similar-complaint candidates are open ones: partial indexes keep that
        # lookup small however many closed complaints pile up.
        Index(
            "ix_complaints_open_category_received_at",
            "category_id",
            "received_at",
            postgresql_where=text(OPEN_STATUSES_SQL),
            sqlite_where=text(OPEN_STATUSES_SQL),
        ),
        Index(
            "ix_complaints_open_area_code_received_at",
            "area_code",
            "received_at",
            postgresql_where=text(OPEN_STATUSES_SQL),
            sqlite_where=text(OPEN_STATUSES_SQL),
        ),
        # The dashboard's column dimensions (metrics.one_pass.COLUMN_DIMENSIONS) and repeat
        # links of a period by an index-only scan on PostgreSQL (elsewhere INCLUDE is ignored:
        # a plain received_at index).
        Index(
            "ix_complaints_received_at_dimensions",
            "received_at",
            postgresql_include=[
                "category_id",
                "kind",
                "channel",
                "unit_id",
                "district",
                "cluster_id",
                "root_cause_id",
                "repeat_of_id",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=Kind.COMPLAINT)
    channel: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(20), default=Status.RECEIVED)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(500))
    subdistrict: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(100))
    # DOPA codes of the validated area, for analytics by district.
    area_code: Mapped[str | None] = mapped_column(String(6), index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    complainant_id: Mapped[int | None] = mapped_column(ForeignKey("complainants.id"))
    privacy_notice_version: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime]
    first_response_due_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    # Casework
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    document_number: Mapped[str | None] = mapped_column(String(60))  # เลขที่หนังสือ
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    forwarded_to: Mapped[str | None] = mapped_column(String(200))
    # On hold: the service-standard clock stops until the case resumes.
    held_at: Mapped[datetime | None]
    status_before_hold: Mapped[str | None] = mapped_column(String(20))
    sla_state: Mapped[str] = mapped_column(String(10), default="on_time")  # on_time, due_soon, overdue
    escalated_at: Mapped[datetime | None]
    interim_notice_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Thai-text classification at intake: the model's best category and its
    # probability; below the threshold the complaint waits for an officer (triage).
    suggested_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    suggestion_confidence: Mapped[float | None]
    category_source: Mapped[str] = mapped_column(String(10), default="citizen")  # citizen, model, officer, none
    needs_triage: Mapped[bool] = mapped_column(default=False, index=True)
    # Similar and repeat complaints: the text's distinctive tokens, and the earlier
    # complaint this one repeats (same complainant or place, same issue, recent).
    text_signature: Mapped[str | None] = mapped_column(Text)
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    repeat_checked_at: Mapped[datetime | None] = mapped_column(index=True)
    # Learning from complaints: the root cause recorded at closure, and the
    # recurring-issue cluster this complaint belongs to (set by a worker task).
    root_cause_id: Mapped[int | None] = mapped_column(ForeignKey("root_causes.id"))
    root_cause_note: Mapped[str | None] = mapped_column(Text)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_clusters.id"), index=True)
    clustered_at: Mapped[datetime | None] = mapped_column(index=True)
    # Imported history (`flask import`): a hash of the source row's ticket id, or of
    # the row itself, so that importing the same file again adds nothing.
    source_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)

    category: Mapped[Category | None] = relationship(foreign_keys=[category_id])
    suggested_category: Mapped[Category | None] = relationship(foreign_keys=[suggested_category_id])
    unit: Mapped[Unit | None] = relationship()
    complainant: Mapped[Complainant | None] = relationship()
    assigned_user: Mapped[User | None] = relationship()
    merged_into: Mapped[Complaint | None] = relationship(remote_side="Complaint.id", foreign_keys=[merged_into_id])
    repeat_of: Mapped[Complaint | None] = relationship(remote_side="Complaint.id", foreign_keys=[repeat_of_id])
    root_cause: Mapped[RootCause | None] = relationship()
    cluster: Mapped[RecurringCluster | None] = relationship()
    events: Mapped[list[TimelineEvent]] = relationship(
        back_populates="complaint", order_by="TimelineEvent.at, TimelineEvent.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="complaint")


class TimelineEvent(Base):
    """One thing that happened to a complaint; internal events are never public."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(30), default="system")
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=True)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class CategoryFeedback(Base):
    """An officer's correction of a category: labelled data for retraining."""

    __tablename__ = "category_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    predicted_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    predicted_confidence: Mapped[float | None]
    previous_category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    corrected_category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    """The complainant's rating of the handling, one per complaint."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    satisfaction: Mapped[int]  # 1-5: the handling of this complaint
    confidence: Mapped[int]  # 1-5: trust in the agency's complaint system
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file kept outside the web root under a generated name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    # What URLs name it by: random, so ids seen on pages say nothing of hidden complaints'
    # photos (issue 16); never the storage name, which stays server-side.
    url_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True, default=new_key)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="attachments")
