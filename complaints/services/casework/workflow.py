"""The complaint workflow as an explicit state machine.

Every change of status goes through `transition()`: it checks that the action is
allowed from the current status and for the actor, applies its effects, writes a
timeline event (who, when, why, public or internal) and, for changes the
citizen should hear about, an outbox message, all in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import Complaint, Kind, OutboxMessage, RootCause, Status, TimelineEvent, Unit, User, utcnow
from complaints.models.complaint import OPEN_STATUSES
from complaints.domain import tracking_numbers
from complaints.services.messaging import dispatch, outbox
from complaints.services.casework.access import can_see, linkable
from complaints.services.casework.standards import extend_by_working_days, working_days_between

S = Status
OPEN = frozenset(OPEN_STATUSES)
# Integrity officers handle tip-offs from start to closure (access.scoped shows them nothing else).
STAFF = frozenset({"officer", "supervisor", "admin", "integrity"})
LEADS = frozenset({"supervisor", "admin", "integrity"})
CITIZEN, SYSTEM = "citizen", "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: decided by the effect (resume returns to the status before the hold)
    actors: frozenset[str]  # staff roles, "citizen" and/or "system"
    reason_required: bool = False
    public: bool = True
    notify: bool = True  # tell the complainant
    label: tuple[str, str] = ("", "")


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("acknowledge", frozenset({S.RECEIVED}), S.ACKNOWLEDGED, frozenset({SYSTEM}), notify=False,
               label=("ตอบรับเรื่อง", "Acknowledge")),
    Transition("assign", OPEN, S.ASSIGNED, STAFF, notify=False, public=True,
               label=("มอบหมายผู้รับผิดชอบ", "Assign")),
    Transition("start", frozenset({S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS, STAFF,
               label=("เริ่มดำเนินการ", "Start work")),
    Transition("resolve", OPEN, S.RESOLVED, STAFF, reason_required=True,
               label=("แจ้งผลการดำเนินการ", "Resolve")),
    Transition("close", frozenset({S.RESOLVED, S.FORWARDED}), S.CLOSED, LEADS | {SYSTEM},
               label=("อนุมัติปิดเรื่อง", "Approve closure")),
    Transition("confirm", frozenset({S.RESOLVED}), S.CLOSED, frozenset({CITIZEN}), notify=False,
               label=("ผู้ร้องยืนยันผล", "Complainant confirmed")),
    Transition("reopen", frozenset({S.RESOLVED, S.CLOSED}), S.REOPENED, LEADS | {CITIZEN}, reason_required=True,
               label=("เปิดเรื่องอีกครั้ง", "Reopen")),
    Transition("forward", OPEN, S.FORWARDED, STAFF, reason_required=True,
               label=("ส่งต่อ", "Forward")),
    Transition("reject", OPEN, S.REJECTED, STAFF, reason_required=True,
               label=("ไม่อยู่ในอำนาจหน้าที่", "Not our responsibility")),
    Transition("merge", OPEN, S.MERGED, STAFF,
               label=("รวมกับเรื่องที่ซ้ำ", "Merge as duplicate")),
    Transition("hold", OPEN, S.ON_HOLD, STAFF, reason_required=True,
               label=("พักเรื่อง (หยุดนับเวลา)", "Put on hold (clock stops)")),
    Transition("resume", frozenset({S.ON_HOLD}), None, STAFF,
               label=("ดำเนินการต่อ", "Resume")),
]}


class WorkflowError(BilingualError):
    pass


def _refuse(th: str, en: str, status: int = 409) -> WorkflowError:
    return WorkflowError(status, "transition-refused", th, en)


def allowed_actions(complaint: Complaint, user: User) -> list[Transition]:
    """The transitions this staff member may make now (for the officer page)."""
    return [t for t in TRANSITIONS.values() if complaint.status in t.sources and user.role in t.actors]


def _actor_kind(actor: User | str) -> str:
    return actor.role if isinstance(actor, User) else actor


@dataclass
class Params:
    reason: str | None = None
    assignee_id: int | None = None
    to_unit_id: int | None = None
    agency: str | None = None
    into: str | None = None
    root_cause_id: int | None = None  # resolve/close: why the problem happened
    root_cause_note: str | None = None


# Staff who resolve or close a case record its root cause (criterion 3.4: learn
# why complaints recur); a citizen's confirmation and the system's auto-close
# follow a resolution that already has one.
ROOT_CAUSE_ACTIONS = frozenset({"resolve", "close"})


def _root_cause(complaint: Complaint, actor: User | str, params: Params) -> None:
    if not isinstance(actor, User):
        return
    if params.root_cause_id is None:
        if complaint.root_cause_id is None:
            raise _refuse("กรุณาเลือกสาเหตุของปัญหาก่อนแจ้งผลหรือปิดเรื่อง",
                          "Choose the root cause before resolving or closing the complaint.", 422)
        return
    cause = db.session.get(RootCause, params.root_cause_id)
    if cause is None or not cause.active:
        raise _refuse("สาเหตุของปัญหาที่เลือกไม่ถูกต้อง", "The chosen root cause is not valid.", 422)
    complaint.root_cause_id = cause.id
    note = (params.root_cause_note or "").strip()
    if note:
        complaint.root_cause_note = note[:2000]


def _assign(complaint: Complaint, actor: User | str, params: Params) -> str | None:
    assignee = db.session.get(User, params.assignee_id) if params.assignee_id else None
    if assignee is None or not assignee.active:
        raise _refuse("กรุณาเลือกเจ้าหน้าที่ผู้รับผิดชอบ", "Choose an officer to assign.", 422)
    if isinstance(actor, User) and actor.role == "officer" and assignee.id != actor.id:
        raise _refuse("เจ้าหน้าที่รับเรื่องได้เฉพาะให้ตนเอง", "Officers may assign only to themselves.", 403)
    if assignee.unit_id != complaint.unit_id:
        raise _refuse("ผู้รับผิดชอบต้องอยู่ในหน่วยงานที่รับเรื่อง", "The assignee must belong to the handling unit.", 422)
    complaint.assigned_user_id = assignee.id
    return f"มอบหมายให้ {assignee.display_name} / assigned to {assignee.display_name}"


def _forward(complaint: Complaint, actor: User | str, params: Params) -> str | None:
    if params.to_unit_id:
        if complaint.kind == Kind.TIP_OFF:
            # A tip-off stays with the integrity role wherever it goes: the unit's staff
            # could never open it (access), so an internal forward would be a dead end
            # and its unit a hint. It goes to an outside agency (e.g. the NACC) instead.
            raise _refuse("เรื่องแจ้งเบาะแสการทุจริตส่งต่อได้เฉพาะหน่วยงานภายนอก (เช่น ป.ป.ช.)",
                          "A corruption tip-off can be forwarded only to an outside agency (e.g. the NACC).", 422)
        unit = db.session.get(Unit, params.to_unit_id)
        if unit is None or unit.id == complaint.unit_id:
            raise _refuse("กรุณาเลือกหน่วยงานปลายทางอื่น", "Choose another unit to forward to.", 422)
        complaint.unit_id = unit.id
        complaint.assigned_user_id = None
        complaint.forwarded_to = None
        return f"{unit.name_th} / {unit.name_en}"
    if params.agency and params.agency.strip():
        complaint.forwarded_to = params.agency.strip()[:200]
        return complaint.forwarded_to
    raise _refuse("กรุณาระบุหน่วยงานปลายทาง", "Name the unit or agency to forward to.", 422)


def _merge(complaint: Complaint, actor: User | str, params: Params) -> str | None:
    try:
        number = str(tracking_numbers.parse(params.into or ""))
    except tracking_numbers.MalformedTrackingNumber:
        raise _refuse("เลขที่เรื่องที่จะรวมไม่ถูกต้อง", "The tracking number to merge into is not valid.", 422) from None
    survivor = db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))
    if survivor is not None and (not linkable(complaint, survivor)
                                 or (isinstance(actor, User) and not can_see(actor, survivor))):
        survivor = None  # unknown, as a number the actor may not know of
    if survivor is None or survivor.id == complaint.id or survivor.status == S.MERGED:
        raise _refuse("ไม่พบเรื่องที่จะรวม", "No complaint to merge into.", 422)
    complaint.merged_into_id = survivor.id
    db.session.add(TimelineEvent(complaint=survivor, kind="merged_in", text=complaint.tracking_number,
                                 actor="officer", public=False))
    return survivor.tracking_number


def _hold(complaint: Complaint, actor, params: Params, now: datetime) -> None:
    complaint.status_before_hold = complaint.status
    complaint.held_at = now


def _resume(complaint: Complaint, now: datetime) -> str:
    paused = working_days_between(complaint.held_at, now) if complaint.held_at else 0
    complaint.due_at = extend_by_working_days(complaint.due_at, paused)
    complaint.first_response_due_at = extend_by_working_days(complaint.first_response_due_at, paused)
    target = complaint.status_before_hold or S.ASSIGNED
    complaint.held_at = None
    complaint.status_before_hold = None
    return target


def _check(complaint: Complaint, transition: Transition, actor: User | str, params: Params, now: datetime) -> None:
    if complaint.status not in transition.sources:
        raise _refuse(
            f"ไม่สามารถ{transition.label[0]}เรื่องที่อยู่ในสถานะนี้ได้",
            f"'{transition.action}' is not allowed from status '{complaint.status}'.",
        )
    if _actor_kind(actor) not in transition.actors:
        raise _refuse("ท่านไม่มีสิทธิ์ดำเนินการนี้", "You may not do this.", 403)
    if isinstance(actor, User) and not can_see(actor, complaint):
        raise _refuse("ไม่พบเรื่องนี้", "Not found.", 404)
    if transition.reason_required and not (params.reason and params.reason.strip()):
        raise _refuse("กรุณาระบุเหตุผลหรือคำชี้แจง", "A reason or explanation is required.", 422)
    if transition.action == "reopen" and actor == CITIZEN:
        window = timedelta(days=current_app.config["REOPEN_WINDOW_DAYS"])
        since = complaint.closed_at or complaint.resolved_at
        if since is None or now - since > window:
            raise _refuse(
                f"เปิดเรื่องอีกครั้งได้ภายใน {window.days} วันหลังแจ้งผล",
                f"A complaint can be reopened within {window.days} days of its resolution.")


def transition(complaint: Complaint, action: str, actor: User | str, params: Params | None = None) -> TimelineEvent:
    """Make one transition and commit; raises WorkflowError when it is not allowed."""
    params = params or Params()
    t = TRANSITIONS.get(action)
    if t is None:
        raise _refuse("ไม่รู้จักคำสั่งนี้", f"Unknown action '{action}'.", 422)
    now = utcnow()
    _check(complaint, t, actor, params, now)
    if action in ROOT_CAUSE_ACTIONS:
        _root_cause(complaint, actor, params)

    detail = None
    target = t.target
    if action == "assign":
        detail = _assign(complaint, actor, params)
    elif action == "forward":
        detail = _forward(complaint, actor, params)
    elif action == "merge":
        detail = _merge(complaint, actor, params)
    elif action == "hold":
        _hold(complaint, actor, params, now)
    elif action == "resume":
        target = _resume(complaint, now)
    elif action == "resolve":
        complaint.resolved_at = now
        complaint.first_response_at = complaint.first_response_at or now
    elif action in ("close", "confirm"):
        complaint.closed_at = now
    elif action == "reopen":
        complaint.reopen_count += 1
        complaint.resolved_at = None
        complaint.closed_at = None
    elif action in ("reject",):
        complaint.first_response_at = complaint.first_response_at or now
        complaint.closed_at = now
    elif action == "acknowledge":
        complaint.acknowledged_at = complaint.acknowledged_at or now

    complaint.status = target
    text = "\n".join(x for x in (params.reason and params.reason.strip(), detail) if x) or None
    event = TimelineEvent(
        complaint=complaint, at=now, kind=action,
        actor=_actor_kind(actor) if not isinstance(actor, User) else "officer",
        actor_user_id=actor.id if isinstance(actor, User) else None,
        text=text, public=t.public,
    )
    db.session.add(event)
    message = _notify(complaint, event) if t.notify else None
    db.session.commit()
    if message is not None:
        dispatch.enqueue_outbox([message.id])
    return event


def _notify(complaint: Complaint, event: TimelineEvent) -> OutboxMessage | None:
    return outbox.message_to_citizen(complaint, "status_update",
                                     {"template": "status_update", "action": event.kind, "text": event.text or ""})
