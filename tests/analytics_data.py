"""A small, hand-computed set of complaints for the manager metrics.

Times are Bangkok local; "now" is 15 Mar 2026 12:00 (FY2569 Q2). The expected
figures in the tests were counted by hand from the table below, not by running
the code.

 no  received (BKK)      kind/channel     category  unit  district  ack after  status       notes
 c1  30 Sep 2025 23:59   complaint/web    road      pw    จตุจักร    30 s       closed       FY2568 (one minute before FY2569)
 c2   1 Oct 2025 00:00   complaint/web    road      pw    จตุจักร    30 s       closed       on time, survey 5/4, maintenance, cluster A
 c3   6 Oct 2025 10:00   complaint/line   road      pw    จตุจักร    10 min     resolved     late, reopened once, repeat of c2, survey 2/3, infrastructure, cluster A
 c4  10 Nov 2025 09:00   suggestion/phone flood     dr    บางเขน    2 h        closed       closed on time (no resolved_at), survey 4/5, maintenance, cluster B
 c5  31 Dec 2025 23:30   complaint/web    flood     dr    -         -          in_progress  overdue (due 21 Jan), cluster B
 c6   1 Jan 2026 00:10   complaint/email  clean     cl    บางเขน    2 days     on_hold      held before due, repeat of c4
 c7  10 Mar 2026 08:00   complaint/web    road      pw    จตุจักร    5 s        assigned     not yet due, cluster A
 c8  20 Feb 2026 09:00   complaint/web    -         cl    -         20 s       merged
 c9   1 Feb 2026 09:00   complaint/counter clean    cl    -         40 s       on_hold      held after due (overdue), repeat of c6
 c10  1 Mar 2026 10:00   complaint/web    road      pw    -         -          received     not yet due
 c11 15 Sep 2025 09:00   complaint/web    road      pw    -         30 s       closed       FY2568 Q4, repeat of c12
 c12  1 Aug 2025 09:00   complaint/web    road      pw    -         30 s       closed       FY2568 Q4
 c14 10 Feb 2026 09:00   complaint/web    road      pw    จตุจักร    50 s       resolved     on time, no survey, maintenance
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import Category, ClusterMonth, Complaint, RecurringCluster, RootCause, SurveyResponse, Unit

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=BANGKOK).astimezone(UTC)


def bkk(*args) -> datetime:
    return datetime(*args, tzinfo=BANGKOK).astimezone(UTC)


def build() -> dict[str, int]:
    """Store the complaints; returns their ids by name (c1..c14) and the cluster ids (A, B, C)."""
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    cats = {c.code: c.id for c in db.session.scalars(select(Category))}
    causes = {r.code: r.id for r in db.session.scalars(select(RootCause))}
    pw, dr, cl = units["public-works"], units["drainage"], units["cleansing"]
    road, flood, clean = cats["ถนน"], cats["น้ำท่วม"], cats["ความสะอาด"]
    clusters = {}
    for name, unit, cat, label in [
        ("A", pw, road, "ถนนเป็นหลุม ซอยพหลโยธิน 45"),
        ("B", dr, flood, "น้ำท่วมขัง ถนนรามอินทรา"),
        ("C", pw, road, "ทางเท้าชำรุด (ปีก่อน)"),
    ]:
        row = RecurringCluster(
            category_id=cat,
            unit_id=unit,
            label_th=label,
            size=0,
            first_seen_at=bkk(2025, 9, 1),
            last_seen_at=bkk(2026, 3, 10),
        )
        db.session.add(row)
        db.session.flush()
        clusters[name] = row.id
    spec = [
        # name, received, kind, channel, cat, unit, district, ack seconds, status, due, resolved, closed, held
        (
            "c1",
            bkk(2025, 9, 30, 23, 59),
            "complaint",
            "web",
            road,
            pw,
            "จตุจักร",
            30,
            "closed",
            bkk(2025, 10, 20),
            bkk(2025, 10, 2),
            bkk(2025, 10, 3),
            None,
        ),
        (
            "c2",
            bkk(2025, 10, 1, 0, 0),
            "complaint",
            "web",
            road,
            pw,
            "จตุจักร",
            30,
            "closed",
            bkk(2025, 10, 20),
            bkk(2025, 10, 5),
            bkk(2025, 10, 6),
            None,
        ),
        (
            "c3",
            bkk(2025, 10, 6, 10),
            "complaint",
            "line",
            road,
            pw,
            "จตุจักร",
            600,
            "resolved",
            bkk(2025, 10, 27),
            bkk(2025, 11, 1),
            None,
            None,
        ),
        (
            "c4",
            bkk(2025, 11, 10, 9),
            "suggestion",
            "phone",
            flood,
            dr,
            "บางเขน",
            7200,
            "closed",
            bkk(2025, 12, 1),
            None,
            bkk(2025, 11, 20),
            None,
        ),
        (
            "c5",
            bkk(2025, 12, 31, 23, 30),
            "complaint",
            "web",
            flood,
            dr,
            None,
            None,
            "in_progress",
            bkk(2026, 1, 21),
            None,
            None,
            None,
        ),
        (
            "c6",
            bkk(2026, 1, 1, 0, 10),
            "complaint",
            "email",
            clean,
            cl,
            "บางเขน",
            2 * 86400,
            "on_hold",
            bkk(2026, 1, 22),
            None,
            None,
            bkk(2026, 1, 5),
        ),
        (
            "c7",
            bkk(2026, 3, 10, 8),
            "complaint",
            "web",
            road,
            pw,
            "จตุจักร",
            5,
            "assigned",
            bkk(2026, 3, 31),
            None,
            None,
            None,
        ),
        (
            "c8",
            bkk(2026, 2, 20, 9),
            "complaint",
            "web",
            None,
            cl,
            None,
            20,
            "merged",
            bkk(2026, 3, 13),
            None,
            None,
            None,
        ),
        (
            "c9",
            bkk(2026, 2, 1, 9),
            "complaint",
            "counter",
            clean,
            cl,
            None,
            40,
            "on_hold",
            bkk(2026, 2, 20),
            None,
            None,
            bkk(2026, 2, 25),
        ),
        (
            "c10",
            bkk(2026, 3, 1, 10),
            "complaint",
            "web",
            road,
            pw,
            None,
            None,
            "received",
            bkk(2026, 3, 20),
            None,
            None,
            None,
        ),
        (
            "c11",
            bkk(2025, 9, 15, 9),
            "complaint",
            "web",
            road,
            pw,
            None,
            30,
            "closed",
            bkk(2025, 10, 3),
            bkk(2025, 9, 20),
            bkk(2025, 9, 21),
            None,
        ),
        (
            "c12",
            bkk(2025, 8, 1, 9),
            "complaint",
            "web",
            road,
            pw,
            None,
            30,
            "closed",
            bkk(2025, 8, 20),
            bkk(2025, 8, 5),
            bkk(2025, 8, 6),
            None,
        ),
        (
            "c14",
            bkk(2026, 2, 10, 9),
            "complaint",
            "web",
            road,
            pw,
            "จตุจักร",
            50,
            "resolved",
            bkk(2026, 3, 3),
            bkk(2026, 2, 12),
            None,
            None,
        ),
    ]
    ids: dict[str, int] = {}
    for n, (name, received, kind, channel, cat, unit, district, ack, status, due, resolved, closed, held) in enumerate(
        spec
    ):
        complaint = Complaint(
            tracking_number=f"RR-TEST-{n:04d}",
            kind=kind,
            channel=channel,
            category_id=cat,
            unit_id=unit,
            district=district,
            province="กรุงเทพมหานคร" if district else None,
            status=status,
            title=f"เรื่อง {name}",
            description=f"ร้องเรียน {name} ติดต่อคุณสมชาย ใจดี โทร 081-234-5678",
            received_at=received,
            acknowledged_at=received + timedelta(seconds=ack) if ack is not None else None,
            ack_due_at=received + timedelta(days=1),
            due_at=due,
            resolved_at=resolved,
            closed_at=closed,
            held_at=held,
            status_before_hold="in_progress" if held else None,
        )
        db.session.add(complaint)
        db.session.flush()
        ids[name] = complaint.id
    links = {"c3": "c2", "c6": "c4", "c9": "c6", "c11": "c12"}
    rows = {name: db.session.get(Complaint, cid) for name, cid in ids.items()}
    for name, earlier in links.items():
        rows[name].repeat_of_id = ids[earlier]
    rows["c3"].reopen_count = 1
    for name, cause in [
        ("c2", "maintenance"),
        ("c3", "infrastructure"),
        ("c4", "maintenance"),
        ("c14", "maintenance"),
        ("c1", "weather"),
    ]:
        rows[name].root_cause_id = causes[cause]
    for name, cluster in [("c2", "A"), ("c3", "A"), ("c7", "A"), ("c4", "B"), ("c5", "B")]:
        rows[name].cluster_id = clusters[cluster]
    for cluster, month, count in [
        ("A", date(2025, 10, 1), 2),
        ("A", date(2026, 3, 1), 1),
        ("B", date(2025, 11, 1), 1),
        ("B", date(2025, 12, 1), 1),
        ("C", date(2025, 9, 1), 5),
    ]:
        db.session.add(ClusterMonth(cluster_id=clusters[cluster], month=month, count=count))
    for name, sat, conf in [("c2", 5, 4), ("c3", 2, 3), ("c4", 4, 5)]:
        db.session.add(SurveyResponse(complaint_id=ids[name], satisfaction=sat, confidence=conf))
    db.session.commit()
    return {**ids, **clusters}
