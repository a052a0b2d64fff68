"""Service standards as data, due dates across Thai holidays, and the SLA sweep."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from complaints.extensions import db
from complaints.models import CalendarOverride, Category, OutboxMessage, ServiceStandard, User, utcnow
from complaints.services.casework import sla, workflow
from complaints.services.casework.workflow import Params
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.standards import due_dates, standard_for
from tests.helpers import complaint_by_number, make_staff, root_cause_id, submit_api

ICT = timezone(timedelta(hours=7))


def at(*args) -> datetime:
    """A Bangkok wall-clock time, as the frozen 'now' of a test."""
    return datetime(*args, tzinfo=ICT).astimezone(UTC)


def test_the_most_specific_standard_applies(app):
    with app.app_context():
        roads = db.session.scalar(db.select(Category).where(Category.code == "ถนน")).id
        assert standard_for(roads, "complaint").resolve == 15  # the default
        db.session.add_all(
            [
                ServiceStandard(
                    category_id=roads,
                    kind=None,
                    ack_working_days=1,
                    first_response_working_days=3,
                    resolve_working_days=10,
                ),
                ServiceStandard(
                    category_id=roads,
                    kind="tip_off",
                    ack_working_days=1,
                    first_response_working_days=2,
                    resolve_working_days=30,
                ),
                ServiceStandard(
                    category_id=None,
                    kind="compliment",
                    ack_working_days=1,
                    first_response_working_days=1,
                    resolve_working_days=5,
                ),
            ]
        )
        db.session.commit()
        # Written behind the admin pages' back: the cached standards still apply...
        assert standard_for(roads, "complaint").resolve == 15
        reference_data.clear()  # ...until the cache is cleared, as every admin change does.
        assert standard_for(roads, "complaint").resolve == 10
        assert standard_for(roads, "tip_off").resolve == 30
        assert standard_for(None, "compliment").resolve == 5
        assert standard_for(roads, "compliment").resolve == 10  # category beats kind


def test_due_dates_across_songkran(app):
    with app.app_context():
        # Received Friday 10 April 2026, 16:00 Bangkok; Songkran 13-15 April.
        deadlines = due_dates(None, "complaint", at(2026, 4, 10, 16, 0))
        assert deadlines.ack_due_at.astimezone(ICT).date() == date(2026, 4, 16)
        # 15 working days: 16,17,20,21,22,23,24,27,28,29,30 Apr, (1 May Labour Day), 5,6,7,8 May
        # (4 May Coronation Day).
        assert deadlines.due_at.astimezone(ICT).date() == date(2026, 5, 8)


def test_due_dates_across_new_year_and_a_substitute_day(app):
    with app.app_context():
        # Received Wednesday 30 Dec 2026: 31 Dec and 1 Jan are holidays; 1 working day -> Mon 4 Jan 2027.
        assert due_dates(None, "complaint", at(2026, 12, 30, 10, 0)).ack_due_at.astimezone(ICT).date() == date(
            2027, 1, 4
        )
        # Received Friday 4 Dec 2026: 5 Dec (Sat) has its substitute on Mon 7 Dec -> Tue 8 Dec.
        assert due_dates(None, "complaint", at(2026, 12, 4, 10, 0)).ack_due_at.astimezone(ICT).date() == date(
            2026, 12, 8
        )


def test_a_cabinet_holiday_override_moves_the_deadline(app):
    with app.app_context():
        received = at(2026, 11, 26, 10, 0)  # Thursday
        assert due_dates(None, "complaint", received).ack_due_at.astimezone(ICT).date() == date(2026, 11, 27)
        db.session.add(CalendarOverride(day=date(2026, 11, 27), is_holiday=True, note="วันหยุดพิเศษ"))
        db.session.commit()
        reference_data.clear()
        assert due_dates(None, "complaint", received).ack_due_at.astimezone(ICT).date() == date(2026, 11, 30)


def test_sla_sweep_marks_escalates_notifies_and_closes(app, client):
    supervisor = make_staff(app, "sup", "supervisor", "district-office", email="boss@example.go.th")
    officer = make_staff(app, "off", "officer", "public-works")
    overdue, due_soon, fine, resolved, held = (submit_api(client, description=f"เรื่องที่ {i}") for i in range(5))
    with app.app_context():
        now = utcnow()
        complaint_by_number(overdue).due_at = now - timedelta(hours=1)
        complaint_by_number(due_soon).due_at = now + timedelta(hours=20)
        complaint_by_number(fine).due_at = now + timedelta(days=20)
        complaint_by_number(fine).first_response_due_at = now - timedelta(hours=2)  # interim notice due
        held_case = complaint_by_number(held)
        held_case.due_at = now - timedelta(days=3)
        db.session.commit()
        workflow.transition(held_case, "hold", db.session.get(User, officer), Params(reason="รอหน่วยงานอื่น"))
        case = complaint_by_number(resolved)
        workflow.transition(
            case, "resolve", db.session.get(User, officer), Params(reason="เรียบร้อย", root_cause_id=root_cause_id())
        )
        case.resolved_at = now - timedelta(days=app.config["AUTO_CLOSE_DAYS"] + 1)
        db.session.commit()

        result = sla.sweep(now)
        assert (result.overdue, result.escalated, result.auto_closed) == (1, 1, 1)
        assert result.due_soon >= 1
        assert complaint_by_number(overdue).sla_state == "overdue"
        assert complaint_by_number(overdue).escalated_at is not None
        assert complaint_by_number(due_soon).sla_state == "due_soon"
        assert complaint_by_number(fine).sla_state == "on_time"
        assert complaint_by_number(held).sla_state == "on_time"  # on hold: no clock running
        assert complaint_by_number(resolved).status == "closed"
        assert complaint_by_number(fine).interim_notice_at is not None
        alerts = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.purpose == "supervisor_alert")).all()
        assert [(m.recipient, m.complaint.tracking_number) for m in alerts] == [("boss@example.go.th", overdue)]
        # The alert links the case by its number, never its sequential row id (issue 16).
        from complaints.services.messaging.outbox import _context

        assert _context(alerts[0], alerts[0].complaint)["officer_url"].endswith(f"/officer/complaints/{overdue}")
        notices = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.purpose == "interim_notice")).all()
        assert {m.complaint.tracking_number for m in notices} >= {fine}
        assert supervisor

        # A second sweep escalates nothing twice.
        again = sla.sweep(now + timedelta(minutes=5))
        assert again.escalated == 0 and again.auto_closed == 0
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(OutboxMessage).where(OutboxMessage.purpose == "supervisor_alert")
            )
            == 1
        )
