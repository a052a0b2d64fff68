"""Retraining runs of the category classifier.

A run is requested by an admin or by the weekly schedule, trained by a worker on
the base data plus the confirmed complaints, evaluated with the model in use on
the same held-out sets, and promoted or rejected (complaints.nlp.retraining_policy).
The ACTIVE model is the artefact of the latest promoted run (else the shipped model).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.models.base import Base, utcnow
from complaints.models.user import User


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FAILED = "failed"
    PROMOTED = "promoted"
    REJECTED = "rejected"


class Trigger(StrEnum):
    ADMIN = "admin"
    SCHEDULE = "schedule"


class TrainingRun(Base):
    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(
        String(20), default=RunStatus.QUEUED, server_default=RunStatus.QUEUED.value, index=True
    )
    progress: Mapped[int] = mapped_column(default=0, server_default="0")  # 0-100
    stage: Mapped[str] = mapped_column(String(200), default="", server_default="")  # "ไทย / English"
    base_data_path: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20), default=Trigger.ADMIN, server_default=Trigger.ADMIN.value)
    confirmed_rows: Mapped[int] = mapped_column(default=0, server_default="0")  # confirmed complaints trained on
    recent_heldout_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    artefact_path: Mapped[str | None] = mapped_column(Text)
    # The model the candidate was compared with (its artefact path), and both
    # models' metrics per held-out set: {"base": {...}, "recent": {...}}.
    compared_with: Mapped[str | None] = mapped_column(Text)
    candidate_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        """Queued or running: the page refreshes and a second request is refused."""
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
