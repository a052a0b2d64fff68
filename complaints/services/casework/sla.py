"""The service-standard sweep, run by Celery beat.

It marks open complaints due soon or overdue, escalates newly overdue ones
to the supervisors of the unit by email, sends the complainant an interim
progress notice when a case is still open at its first-response deadline, and
closes resolved cases the complainant left unanswered. A case on hold has no
running clock and is left alone. A resolved case without a root cause is not
closed (`workflow` refuses it): it stays resolved, counted as awaiting a root
cause, and the officer queue lists it (`QueueFilters.cause == "missing"`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from complaints.domain.thai_calendar import add_working_days
from complaints.extensions import db
from complaints.models import Complaint, Kind, OutboxMessage, Status, TimelineEvent, User, utcnow
from complaints.services.access import TIP_OFF_ROLE, may_know_of
from complaints.services.casework import workflow
from complaints.services.catalogue.standards import calendar_overrides
from complaints.services.messaging import dispatch, outbox
from complaints.services.unit_of_work import commit


@dataclass
class SweepResult:
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    interim_notices: int = 0
    auto_closed: int = 0
    awaiting_root_cause: int = 0  # due for auto-close but resolved without a root cause: left open
    messages: list[int] = field(default_factory=list)  # ids of the messages queued
    # The messages while the sweep runs (their ids exist once committed).
    outgoing: list[OutboxMessage] = field(default_factory=list, repr=False)


def due_soon_threshold(now: datetime, due_soon_days: int) -> datetime:
    """A case due by this moment is 'due soon'."""
    return add_working_days(now, due_soon_days, calendar_overrides())


def sla_state(due_at: datetime, now: datetime, threshold: datetime) -> str:
    if now > due_at:
        return "overdue"
    return "due_soon" if due_at <= threshold else "on_time"


def supervisors_of(complaint: Complaint) -> list[User]:
    """Active supervisors of the complaint's unit or any unit above it, with an email;
    for a tip-off, the integrity role's users (the only ones who may know of it)."""
    unit, ids = complaint.unit, set()
    while unit is not None:
        ids.add(unit.id)
        unit = unit.parent
    if complaint.kind == Kind.TIP_OFF:
        who = User.role == TIP_OFF_ROLE
    else:
        who = and_(User.role == "supervisor", User.unit_id.in_(ids))
    found = db.session.scalars(select(User).where(who, User.active.is_(True), User.email.is_not(None)))
    return [user for user in found if may_know_of(user, complaint)]


def _escalate(complaint: Complaint, now: datetime, result: SweepResult) -> None:
    complaint.escalated_at = now
    db.session.add(TimelineEvent(complaint=complaint, at=now, kind="escalated", actor="system", public=False))
    for supervisor in supervisors_of(complaint):
        message = OutboxMessage(
            complaint=complaint,
            purpose="supervisor_alert",
            channel="email",
            recipient=supervisor.email,
            payload={"template": "supervisor_alert"},
        )
        db.session.add(message)
        result.outgoing.append(message)
    result.escalated += 1


def _interim_notice(complaint: Complaint, now: datetime, result: SweepResult) -> None:
    complaint.interim_notice_at = now
    db.session.add(TimelineEvent(complaint=complaint, at=now, kind="interim_notice", actor="system"))
    message = outbox.message_to_citizen(complaint, "interim_notice", {"template": "interim_notice"})
    if message is not None:
        result.outgoing.append(message)
    result.interim_notices += 1


def sweep(now: datetime | None = None) -> SweepResult:
    now = now or utcnow()
    config = current_app.config
    result = SweepResult()
    threshold = due_soon_threshold(now, config["DUE_SOON_WORKING_DAYS"])
    open_cases = db.session.scalars(select(Complaint).where(Complaint.status.in_(Status.OPEN))).all()
    for complaint in open_cases:
        state = sla_state(complaint.due_at, now, threshold)
        complaint.sla_state = state
        if state == "overdue":
            result.overdue += 1
            if complaint.escalated_at is None:
                _escalate(complaint, now, result)
        elif state == "due_soon":
            result.due_soon += 1
        if (
            complaint.first_response_at is None
            and complaint.interim_notice_at is None
            and complaint.first_response_due_at is not None
            and now > complaint.first_response_due_at
        ):
            _interim_notice(complaint, now, result)
    db.session.commit()
    messages = [m.id for m in result.outgoing]

    cutoff = now - timedelta(days=config["AUTO_CLOSE_DAYS"])
    unanswered = (Complaint.status == Status.RESOLVED, Complaint.resolved_at < cutoff)
    stale = db.session.scalars(select(Complaint).where(*unanswered, Complaint.root_cause_id.is_not(None))).all()
    result.awaiting_root_cause = (
        db.session.scalar(
            select(func.count()).select_from(Complaint).where(*unanswered, Complaint.root_cause_id.is_(None))
        )
        or 0
    )
    for complaint in stale:
        workflow.transition(
            complaint,
            "close",
            workflow.SYSTEM,
            workflow.Params(reason="ปิดเรื่องอัตโนมัติ: ผู้ร้องไม่ได้ตอบกลับภายในกำหนด / closed: no answer from the complainant"),
        )
        commit()  # the job commits each closure on its own, as it goes
        result.auto_closed += 1
    if messages:
        dispatch.enqueue_outbox(messages)
    result.messages = messages
    return result
