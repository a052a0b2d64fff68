"""The workflow state machine: every transition, allowed and refused, and its effects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from complaints.extensions import db
from complaints.models import OutboxMessage, Status, TimelineEvent, User, utcnow
from complaints.services.casework import workflow
from complaints.services.casework.workflow import CITIZEN, SYSTEM, TRANSITIONS, Params, WorkflowError
from tests.helpers import complaint_by_number, make_staff, root_cause_id, submit_api

ACTORS = ["officer", "supervisor", "manager", "admin", CITIZEN, SYSTEM]


@pytest.fixture
def setup(app, client):
    ids = {
        role: make_staff(app, f"pw-{role}", role, "public-works")
        for role in ("officer", "supervisor", "manager", "admin")
    }
    number = submit_api(client)
    other = submit_api(client, description="ถนนเป็นหลุมอีกจุดหนึ่ง")
    return ids, number, other


def _params(action: str, ids: dict, other: str) -> Params:
    return Params(
        reason="เหตุผลประกอบ",
        assignee_id=ids["officer"],
        to_unit_id=None,
        agency="สำนักงานเขตข้างเคียง",
        into=other,
        root_cause_id=root_cause_id(),
    )


def _actor(kind: str, ids: dict):
    return db.session.get(User, ids[kind]) if kind in ids else kind


def test_every_transition_is_allowed_exactly_where_the_table_says(app, setup):
    ids, number, other = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        checked = 0
        for action, t in TRANSITIONS.items():
            for status in Status:
                for actor_kind in ACTORS:
                    complaint.status = status
                    complaint.unit_id = db.session.get(User, ids["officer"]).unit_id
                    complaint.resolved_at = utcnow() if status in (Status.RESOLVED, Status.CLOSED) else None
                    complaint.closed_at = None
                    complaint.held_at = utcnow() if status == Status.ON_HOLD else None
                    complaint.status_before_hold = Status.IN_PROGRESS if status == Status.ON_HOLD else None
                    complaint.merged_into_id = None
                    db.session.commit()
                    expected = status in t.sources and actor_kind in t.actors
                    if action == "assign" and actor_kind == "manager":
                        expected = False
                    try:
                        workflow.transition(complaint, action, _actor(actor_kind, ids), _params(action, ids, other))
                        allowed = True
                    except WorkflowError:
                        db.session.rollback()
                        allowed = False
                    assert allowed == expected, (action, status, actor_kind)
                    checked += 1
        assert checked == len(TRANSITIONS) * len(Status) * len(ACTORS)


def test_a_resolution_needs_an_explanation_and_is_told_to_the_complainant(app, setup):
    ids, number, _ = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        with pytest.raises(WorkflowError) as refused:
            workflow.transition(complaint, "resolve", officer, Params(reason="   "))
        assert refused.value.status == 422 and "เหตุผล" in refused.value.th
        event = workflow.transition(
            complaint, "resolve", officer, Params(reason="ซ่อมผิวถนนแล้ว", root_cause_id=root_cause_id())
        )
        assert (complaint.status, event.public, event.text, event.actor_user_id) == (
            "resolved",
            True,
            "ซ่อมผิวถนนแล้ว",
            officer.id,
        )
        assert complaint.resolved_at is not None and complaint.first_response_at is not None
        updates = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.purpose == "status_update")).all()
        assert [(m.recipient, m.payload["action"]) for m in updates] == [("somchai@example.com", "resolve")]


def test_officers_assign_only_to_themselves_and_within_the_unit(app, setup):
    ids, number, _ = setup
    other_officer = make_staff(app, "officer2", "officer", "public-works")
    outsider = make_staff(app, "drain", "officer", "drainage")
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        with pytest.raises(WorkflowError) as err:
            workflow.transition(complaint, "assign", officer, Params(assignee_id=other_officer))
        assert err.value.status == 403
        supervisor = db.session.get(User, ids["supervisor"])
        with pytest.raises(WorkflowError):
            workflow.transition(complaint, "assign", supervisor, Params(assignee_id=outsider))
        workflow.transition(complaint, "assign", supervisor, Params(assignee_id=other_officer))
        assert complaint.assigned_user_id == other_officer and complaint.status == "assigned"


def test_forward_to_another_unit_keeps_the_tracking_number_and_moves_the_case(app, setup):
    ids, number, _ = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        drainage = db.session.scalar(db.select(workflow.Unit).where(workflow.Unit.code == "drainage"))
        workflow.transition(complaint, "forward", officer, Params(reason="เป็นท่อระบายน้ำ", to_unit_id=drainage.id))
        assert complaint.tracking_number == number
        assert (complaint.status, complaint.unit_id, complaint.assigned_user_id) == ("forwarded", drainage.id, None)
        # The case left the officer's unit: the officer can no longer act on it.
        with pytest.raises(WorkflowError) as err:
            workflow.transition(complaint, "resolve", officer, Params(reason="x"))
        assert err.value.status == 404


def test_merge_points_the_duplicate_at_the_survivor(app, setup):
    ids, number, other = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        with pytest.raises(WorkflowError):
            workflow.transition(complaint, "merge", officer, Params(into=number))  # itself
        workflow.transition(complaint, "merge", officer, Params(into=other.lower().replace("-", "")))
        survivor = complaint_by_number(other)
        assert complaint.status == "merged" and complaint.merged_into_id == survivor.id
        assert any(e.kind == "merged_in" and e.text == number for e in survivor.events)


def test_hold_stops_the_clock_and_resume_extends_the_deadline(app, setup):
    ids, number, _ = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        workflow.transition(complaint, "assign", officer, Params(assignee_id=officer.id))
        workflow.transition(complaint, "start", officer)
        due_before = complaint.due_at
        workflow.transition(complaint, "hold", officer, Params(reason="รอผลตรวจจากการไฟฟ้า"))
        assert complaint.status == "on_hold" and complaint.status_before_hold == "in_progress"
        complaint.held_at = utcnow() - timedelta(days=10)  # on hold for ten days
        db.session.commit()
        paused = workflow.working_days_between(complaint.held_at, utcnow())
        assert paused >= 5
        workflow.transition(complaint, "resume", officer)
        assert complaint.status == "in_progress" and complaint.held_at is None
        assert complaint.due_at == workflow.extend_by_working_days(due_before, paused)
        assert complaint.due_at > due_before


def test_paused_working_days_skip_weekends_and_holidays(app):
    with app.app_context():
        # Held Monday 7 Dec 2026 (the King's birthday in lieu) 09:00, resumed Friday 11 Dec:
        # 8, 9 and 11 Dec were working days; 10 Dec is Constitution Day.
        held = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
        assert workflow.working_days_between(held, datetime(2026, 12, 11, 3, 0, tzinfo=UTC)) == 3
        # Over Songkran 2026 (13-15 April) and a weekend: Fri 10 Apr to Thu 16 Apr is 1 working day.
        assert (
            workflow.working_days_between(
                datetime(2026, 4, 10, 2, 0, tzinfo=UTC), datetime(2026, 4, 16, 2, 0, tzinfo=UTC)
            )
            == 1
        )


def test_citizen_may_reopen_only_within_the_window(app, setup):
    ids, number, _ = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        workflow.transition(complaint, "resolve", officer, Params(reason="แก้ไขแล้ว", root_cause_id=root_cause_id()))
        complaint.resolved_at = utcnow() - timedelta(days=app.config["REOPEN_WINDOW_DAYS"] + 1)
        db.session.commit()
        with pytest.raises(WorkflowError) as err:
            workflow.transition(complaint, "reopen", CITIZEN, Params(reason="ยังไม่ได้ซ่อม"))
        assert "14" in err.value.th
        # A supervisor may still reopen.
        supervisor = db.session.get(User, ids["supervisor"])
        workflow.transition(complaint, "reopen", supervisor, Params(reason="ตรวจพบว่ายังไม่เรียบร้อย"))
        assert complaint.status == "reopened" and complaint.reopen_count == 1 and complaint.resolved_at is None


def test_every_transition_writes_a_timeline_event(app, setup):
    ids, number, _ = setup
    with app.app_context():
        complaint = complaint_by_number(number)
        officer = db.session.get(User, ids["officer"])
        before = db.session.scalar(db.select(db.func.count()).select_from(TimelineEvent))
        for action, params in [
            ("assign", Params(assignee_id=officer.id)),
            ("start", Params()),
            ("hold", Params(reason="รอเอกสาร")),
            ("resume", Params()),
            ("resolve", Params(reason="เรียบร้อย", root_cause_id=root_cause_id())),
        ]:
            workflow.transition(complaint, action, officer, params)
        kinds = [e.kind for e in complaint.events][-5:]
        assert kinds == ["assign", "start", "hold", "resume", "resolve"]
        assert db.session.scalar(db.select(db.func.count()).select_from(TimelineEvent)) == before + 5
