"""A seeded FY2569 with known answers for every criterion-3.4 metric (and FY2568 before it)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import (
    Category,
    ClusterMonth,
    Complaint,
    CorrectiveAction,
    OutboxMessage,
    RecurringCluster,
    RootCause,
    StandardsPublication,
    SurveyResponse,
    TimelineEvent,
    TrackingLookupDay,
)

# Monday 15 June 2026, 09:00 in Bangkok: the next working day is Tuesday 16 June.
RECEIVED = datetime(2026, 6, 15, 9, 0, tzinfo=BANGKOK)


def complaint(
    received: datetime = RECEIVED,
    *,
    channel="web",
    kind="complaint",
    status="closed",
    ack_after: timedelta | None = timedelta(seconds=30),
    due_in=timedelta(days=21),
    resolved_after: timedelta | None = timedelta(days=3),
    events=("received", "close"),
    **extra,
) -> Complaint:
    row = Complaint(
        tracking_number=f"RR-2569-{secrets.token_hex(4).upper()}",
        kind=kind,
        channel=channel,
        description="ถนนชำรุด",
        status=status,
        received_at=received,
        acknowledged_at=received + ack_after if ack_after is not None else None,
        ack_due_at=received + timedelta(days=1),
        due_at=received + due_in,
        resolved_at=received + resolved_after
        if resolved_after is not None and status in ("resolved", "closed")
        else None,
        closed_at=received + timedelta(days=5) if status == "closed" else None,
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    for kind_ in events:
        db.session.add(TimelineEvent(complaint_id=row.id, at=received, kind=kind_))
    return row


def seed_fy2569() -> dict:
    """Expected values are in the returned dict; see the comments for the arithmetic."""
    # The standards were published before the year began.
    db.session.execute(update(StandardsPublication).values(published_at=datetime(2025, 9, 1, tzinfo=BANGKOK)))
    category = db.session.scalar(select(Category).where(Category.code == "ถนน"))
    cause = db.session.scalar(select(RootCause).where(RootCause.code == "maintenance"))

    # 20 complaints: channels web 8, line 5, phone 4, email 3 (4 channels: exactly the threshold).
    channels = ["web"] * 8 + ["line"] * 5 + ["phone"] * 4 + ["email"] * 3
    # statuses: 10 closed, 6 resolved, 4 in progress (received late, due after the year's end).
    statuses = ["closed"] * 10 + ["resolved"] * 6 + ["in_progress"] * 4
    rows = []
    for n, (channel, status) in enumerate(zip(channels, statuses, strict=True)):
        received = RECEIVED if status != "in_progress" else datetime(2026, 9, 28, 10, 0, tzinfo=BANGKOK)
        events = (
            ("received", "close" if status == "closed" else "resolve") if status != "in_progress" else ("received",)
        )
        if n == 0:
            events = ("received",)  # one closed complaint whose timeline lacks its closure: 15/16 handled
        rows.append(
            complaint(
                received,
                channel=channel,
                status=status,
                events=events,
                category_id=category.id,
                category_source="model" if n < 6 else "citizen",  # 6/20 auto-categorised
                # 1 acknowledged on Wednesday, after the working day: 19/20 = 95% (exactly the threshold)
                ack_after=timedelta(days=2, hours=1) if n == 5 else timedelta(seconds=30),
                # 1 of 20 answered after its due date: 5% overdue (exactly the threshold)
                resolved_after=timedelta(days=30) if n == 1 else timedelta(days=3),
                # 9 of 10 closed with a root cause: 90% (exactly the threshold)
                root_cause_id=cause.id if status == "closed" and n != 2 else None,
                reopen_count=1 if n == 10 else 0,  # 1 of 16 answered was reopened: 6.25% (> 5%)
            )
        )
    # The 5 LINE complainants were sent the acknowledgement and a status message each, all delivered.
    for row in rows:
        if row.channel == "line":
            for purpose in ("acknowledgement", "status_update"):
                db.session.add(
                    OutboxMessage(
                        complaint_id=row.id,
                        purpose=purpose,
                        channel="line",
                        recipient="U0000",
                        status="sent",
                        created_at=row.received_at,
                    )
                )
    # Repeats: 2 of 20 now; 3 of 10 in FY2568 -> falling.
    rows[3].repeat_of_id = rows[4].id
    rows[7].repeat_of_id = rows[8].id
    before = [complaint(datetime(2025, 3, 3, 10, 0, tzinfo=BANGKOK)) for _ in range(10)]
    for row in before[:3]:
        row.repeat_of_id = before[9].id
    # Outside the population: suggestions, a merged duplicate, and a complaint of the next year.
    complaint(kind="suggestion", channel="sms")
    complaint(kind="suggestion", channel="sms")
    complaint(status="merged", channel="counter")
    complaint(datetime(2026, 10, 2, 10, 0, tzinfo=BANGKOK), channel="letter")

    # Surveys on 10 of the 16 answered: satisfaction 4-5 for 8 (80% < 85%), confidence 4-5 for 9.
    answered = [r for r in rows if r.status in ("resolved", "closed")]
    for n, row in enumerate(answered[:10]):
        db.session.add(
            SurveyResponse(complaint_id=row.id, satisfaction=5 if n < 8 else 2, confidence=4 if n < 9 else 1)
        )

    # Recurring clusters: A 5, B 4, C 2 complaints in the year (D has 1: not a recurrence).
    def cluster(label, count):
        c = RecurringCluster(label_th=label, size=count, first_seen_at=RECEIVED, last_seen_at=RECEIVED)
        db.session.add(c)
        db.session.flush()
        db.session.add(ClusterMonth(cluster_id=c.id, month=date(2026, 6, 1), count=count))
        return c

    a, b, c, _ = cluster("ถนนชำรุด ซอย 1", 5), cluster("ไฟดับ ซอย 2", 4), cluster("ขยะ ซอย 3", 2), cluster("เดี่ยว", 1)
    db.session.add_all(
        [
            CorrectiveAction(cluster_id=a.id, title="ซ่อมถนน", status="done"),
            CorrectiveAction(cluster_id=b.id, title="เปลี่ยนหลอดไฟ", status="in_progress"),
            CorrectiveAction(cluster_id=c.id, title="ยกเลิก", status="cancelled"),
        ]
    )
    # Tracking lookups: 5 web + 2 API in the year, 100 after it.
    db.session.add_all(
        [
            TrackingLookupDay(day=date(2026, 7, 1), channel="web", count=5),
            TrackingLookupDay(day=date(2026, 7, 2), channel="api", count=2),
            TrackingLookupDay(day=date(2026, 10, 5), channel="web", count=100),
        ]
    )
    db.session.commit()
    return {
        "channels_used": (4, True),
        "categories_with_standard": (1.0, True),
        "standards_published": (None, True),
        "handled_in_system": (15 / 16, False),
        "auto_categorised": (0.3, None),
        "ack_within_1wd": (0.95, True),
        "median_ack_seconds": (30.0, None),
        "tracking_number_given": (1.0, True),
        "kept_informed": (1.0, True),  # the 5 LINE complainants had every message delivered
        "tracking_lookups": (7, None),
        "overdue": (0.05, True),
        # 15 of the 16 answered were answered in time; the 4 open ones are not due at the year's end.
        "resolved_within_standard": (15 / 16, True),
        # The one category: 20 now, none of FY2568's 10 (uncategorised) in it: not falling.
        "frequent_categories": (20, False),
        "frequent_clusters": (None, False),  # no complaint is linked to a cluster here
        "root_cause": (0.9, True),
        "repeat_rate": (0.1, True),
        "corrective_actions": (2 / 3, False),
        "satisfied": (0.8, False),
        "confident": (0.9, True),
        "survey_response_rate": (10 / 16, None),
        "reopened": (1 / 16, False),
    }
