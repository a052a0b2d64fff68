"""`flask demo generate`: a realistic fiscal year, the same for the same seed, consistent in itself."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text

from complaints.config import base_data_path
from complaints.domain.thai_calendar import fiscal_year, is_working_day, to_bangkok
from complaints.extensions import db
from complaints.models import Complainant, Complaint, SurveyResponse, TimelineEvent, User
from complaints.services.datasets import demo_year

TRAFFY = base_data_path()
AS_OF = datetime(2026, 4, 20, 5, 0, tzinfo=UTC)  # mid-year in FY2569: work still open
STATUS_AFTER = {
    "received": "received",
    "acknowledged": "acknowledged",
    "assign": "assigned",
    "start": "in_progress",
    "resolve": "resolved",
    "confirm": "closed",
    "close": "closed",
    "reopen": "reopened",
    "forward": "forwarded",
    "reject": "rejected",
    "merge": "merged",
    "hold": "on_hold",
}


def generate(app, count: int, seed: int) -> demo_year.GenerateSummary:
    with app.app_context():
        return demo_year.generate(2569, count, seed, as_of=AS_OF, texts_path=TRAFFY, batch_size=150)


def snapshot(app) -> list[tuple]:
    """Everything generated, without database ids."""
    with app.app_context():
        numbers = dict(db.session.execute(select(Complaint.id, Complaint.tracking_number)).all())
        events: dict[int, list] = {}
        for e in db.session.scalars(select(TimelineEvent).order_by(TimelineEvent.at, TimelineEvent.id)):
            events.setdefault(e.complaint_id, []).append((e.kind, e.at, e.actor, e.text, e.public))
        surveys = {
            s.complaint_id: (s.satisfaction, s.confidence, s.created_at)
            for s in db.session.scalars(select(SurveyResponse))
        }
        rows = []
        for c in db.session.scalars(select(Complaint).order_by(Complaint.received_at, Complaint.tracking_number)):
            person = c.complainant
            rows.append(
                (
                    c.tracking_number,
                    c.kind,
                    c.channel,
                    c.description,
                    c.category_id,
                    c.unit_id,
                    c.status,
                    c.received_at,
                    c.acknowledged_at,
                    c.resolved_at,
                    c.closed_at,
                    c.due_at,
                    c.sla_state,
                    c.area_code,
                    c.anonymous,
                    c.root_cause_id,
                    c.reopen_count,
                    numbers.get(c.repeat_of_id),
                    numbers.get(c.merged_into_id),
                    (person.name, person.phone, person.email, person.phone_key) if person else None,
                    tuple(events[c.id]),
                    surveys.get(c.id),
                )
            )
        return rows


def clear(app) -> None:
    with app.app_context():
        for model in (SurveyResponse, TimelineEvent, Complaint, Complainant):
            db.session.execute(delete(model))
        db.session.commit()


def test_the_same_seed_gives_the_same_year(app):
    generate(app, 300, seed=7)
    first = snapshot(app)
    clear(app)
    generate(app, 300, seed=7)
    assert snapshot(app) == first
    clear(app)
    generate(app, 300, seed=8)
    other = snapshot(app)
    assert len(other) == 300 and other != first


def check_complaint(c: Complaint, by_id: dict[int, Complaint], surveys: dict[int, SurveyResponse]) -> None:
    """One generated complaint holds together: times in order, status and its columns agree."""
    local = to_bangkok(c.received_at)
    assert fiscal_year(local.date()) == 2569 and c.received_at <= AS_OF
    if c.channel in ("phone", "counter", "letter"):  # staffed channels: office hours, working days
        assert is_working_day(local.date()) and 8 <= local.hour < 17
    if c.acknowledged_at is not None:
        assert c.acknowledged_at >= c.received_at
    assert c.received_at < c.ack_due_at <= c.first_response_due_at <= c.due_at
    if c.status == "closed":
        assert c.closed_at is not None and c.root_cause_id is not None
    if c.resolved_at is not None:
        assert c.resolved_at >= c.received_at and c.status in ("resolved", "closed")
        if c.closed_at is not None:
            assert c.closed_at >= c.resolved_at
    if c.id in surveys:
        s = surveys[c.id]
        assert c.status in ("resolved", "closed") and 1 <= s.satisfaction <= 5 and 1 <= s.confidence <= 5
        assert c.resolved_at < s.created_at <= AS_OF
    if c.repeat_of_id is not None:
        original = by_id[c.repeat_of_id]
        assert original.received_at < c.received_at <= original.received_at + timedelta(days=90)
        assert original.category_id == c.category_id and original.area_code == c.area_code
    if c.status == "merged":
        assert c.merged_into_id == c.repeat_of_id
    if c.kind == "tip_off" or c.anonymous:
        assert c.complainant_id is None or not c.anonymous
    if c.anonymous:
        assert c.complainant_id is None


def check_timeline(c: Complaint, timeline: list[TimelineEvent], surveyed: bool) -> None:
    """The timeline tells the same story as the status."""
    assert timeline[0].kind == "received" and timeline[0].at == c.received_at
    assert all(c.received_at <= e.at <= AS_OF for e in timeline)
    status = None
    for e in timeline:
        if e.kind == "hold":
            before_hold = status
        if e.kind == "resume":
            status = before_hold
        status = STATUS_AFTER.get(e.kind, status)
    assert status == c.status, (c.tracking_number, [e.kind for e in timeline])
    assert sum(e.kind == "reopen" for e in timeline) == c.reopen_count
    assert surveyed == any(e.kind == "survey" for e in timeline)
    if c.sla_state == "overdue" and c.escalated_at is not None:
        assert any(e.kind == "escalated" and not e.public for e in timeline)


def check_consistency(app, count: int) -> None:
    summary = generate(app, count, seed=2569)
    assert summary.complaints == count and sum(summary.by_status.values()) == count
    with app.app_context():
        complaints = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
        by_id = {c.id: c for c in complaints}
        events: dict[int, list[TimelineEvent]] = {}
        for e in db.session.scalars(select(TimelineEvent).order_by(TimelineEvent.at, TimelineEvent.id)):
            events.setdefault(e.complaint_id, []).append(e)
        surveys = {s.complaint_id: s for s in db.session.scalars(select(SurveyResponse))}
        assert len(complaints) == count and len(surveys) == summary.surveys
        assert db.session.scalar(select(func.count()).select_from(TimelineEvent)) == summary.events

        for c in complaints:
            check_complaint(c, by_id, surveys)
            check_timeline(c, events[c.id], c.id in surveys)

        statuses = Counter(c.status for c in complaints)
        channels = Counter(c.channel for c in complaints)
        kinds = Counter(c.kind for c in complaints)
        # Mid-year: most finished, some still being worked on, some late.
        assert statuses["closed"] > count * 0.5 and statuses["in_progress"] + statuses["resolved"] > 0
        assert {"web", "line", "phone", "counter", "email", "letter", "open311"} <= set(channels)
        assert channels["web"] > channels["letter"] and {"complaint", "suggestion"} <= set(kinds)
        assert any(c.sla_state == "overdue" for c in complaints)
        assert any(c.acknowledged_at and c.acknowledged_at > c.ack_due_at for c in complaints)  # some late
        assert any(c.repeat_of_id for c in complaints)
        assert (
            0.25
            < len(surveys)
            / max(1, sum(c.status in ("resolved", "closed") and c.resolved_at is not None for c in complaints))
            < 0.55
        )
        # Repeats by the same complainant are found by their contact keys, as intake would.
        same_person = [
            (c, by_id[c.repeat_of_id])
            for c in complaints
            if c.repeat_of_id and c.complainant and by_id[c.repeat_of_id].complainant
        ]
        keyed = [
            (a.complainant, b.complainant)
            for a, b in same_person
            if a.complainant.name == b.complainant.name and a.complainant.email == b.complainant.email
        ]
        assert all(
            x.phone_key == y.phone_key or x.email_key == y.email_key or x.line_key == y.line_key
            for x, y in keyed
            if x.phone == y.phone
        )
        # Cases are owned by an officer of the handling unit.
        officers = dict(db.session.execute(select(User.id, User.unit_id)).all())
        assert all(officers[c.assigned_user_id] == c.unit_id for c in complaints if c.assigned_user_id)
        # Contact data is encrypted at rest however it was written (COPY on PostgreSQL).
        raw = db.session.execute(text("SELECT phone, email, name FROM complainants")).all()
        assert raw and all(v is None or v.startswith("gAAAA") for row in raw for v in row)
        assert any(c.complainant and c.complainant.phone for c in complaints)


def test_generated_year_is_consistent(app):
    check_consistency(app, 1200)


@pytest.mark.postgres
def test_generated_year_is_consistent_on_postgresql(pg_app):
    check_consistency(pg_app, 800)


def test_cli_generates_only_into_an_empty_database_when_asked(app, runner):
    app.config["NLP_BASE_DATA"] = str(TRAFFY)
    result = runner.invoke(args=["demo", "generate", "--fiscal-year", "2569", "--count", "120", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "120 complaints" in result.output and "closed" in result.output
    again = runner.invoke(args=["demo", "generate", "--count", "50", "--if-empty"])
    assert again.exit_code == 0 and "nothing generated" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 120
    future = runner.invoke(args=["demo", "generate", "--fiscal-year", "2600", "--count", "5"])
    assert future.exit_code != 0 and "has not started" in future.output
