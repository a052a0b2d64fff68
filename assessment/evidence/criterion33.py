"""Criterion 3.3 (service innovation for segments and persons): each metric a function of the Scope.

Over every kind of submission of the period (`common.all_received`, tip-offs left out).

- Channel effectiveness: per channel, volume, acknowledged by the end of the next working
  day, and satisfaction; the item is met when every channel with at least
  `needs_min_channel_volume` submissions acknowledges at least `needs_min_channel_ack` in time.
- Coverage of units: the active units (a unit with an active staff account, or the default
  unit of an active category) that received submissions in the period and answered some.
- Segments with their own standards: a category or a kind with its own service standard
  (`ServiceStandard.category_id` / `kind`) that served submissions in the period.
- Notification route: Rongrian records no notification preference; a complainant is
  answered on the channel they used when it carries answers (LINE, SMS), else by email
  (messaging.outbox.citizen_route). The share of named submissions that left such a route
  is shown for information; the personalised-service item rests on its evidence files.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import and_, case, func, literal, or_, select

from assessment.evidence.common import (
    STANDARDS,
    Metric,
    Scope,
    all_received,
    figures,
    pct,
    ratio,
    share_metric,
    table,
)
from assessment.evidence.criterion31 import submissions_scan, sum_by
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import (
    ActionStatus,
    Category,
    Channel,
    Complainant,
    Complaint,
    CorrectiveAction,
    ServiceStandard,
    Unit,
    User,
)

NO_SUBMISSIONS = ("ไม่มีเรื่องที่รับในรอบนี้", "Nothing received in this period")


# --- 3.3 Basic --------------------------------------------------------------------------------


def actions_completed(scope: Scope) -> Metric:
    """Review and improvement: corrective actions finished in the period (done, effective in it)."""
    period = scope.period
    effective = func.coalesce(CorrectiveAction.effective_on, func.date(CorrectiveAction.updated_at))
    where = [
        CorrectiveAction.status == ActionStatus.DONE,
        or_(
            and_(
                CorrectiveAction.effective_on.is_not(None),
                CorrectiveAction.effective_on >= period.first_day,
                CorrectiveAction.effective_on <= period.last_day,
            ),
            and_(
                CorrectiveAction.effective_on.is_(None),
                CorrectiveAction.updated_at >= period.start,
                CorrectiveAction.updated_at < period.end,
            ),
        ),
    ]
    if scope.units is not None:
        where.append(CorrectiveAction.unit_id.in_(scope.units))
    done = db.session.execute(
        select(CorrectiveAction.title, effective).where(*where).order_by(CorrectiveAction.id)
    ).all()
    minimum = scope.limits["needs_min_actions"]
    metric = Metric(
        "actions_completed",
        "3.3-B1",
        "มาตรการปรับปรุงที่ดำเนินการเสร็จในรอบ",
        "Improvements completed in the period",
        len(done),
        display=f"{len(done):,} มาตรการ / actions",
        threshold=f"≥ {minimum}",
        met=len(done) >= minimum,
        details={
            "table": table(
                [("effective", "มีผลเมื่อ", "Effective on")],
                [(title, title, {"effective": str(day)}) for title, day in done[:20]],
            )
        },
    )
    if not metric.met:
        metric.why_not_th = f"มาตรการที่เสร็จในรอบ {len(done)} มาตรการ น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{len(done)} actions completed in the period, fewer than {minimum}"
    return metric


def channel_effectiveness(scope: Scope) -> Metric:
    by_channel = sum_by(submissions_scan(scope), lambda g: g.channel)
    rows = [
        (channel, sums["n"], sums["ack_in_time"], sums["answers"], sums["satisfied"])
        for channel, sums in sorted(by_channel.items(), key=lambda r: (-r[1]["n"], r[0]))
    ]
    total = sum(int(r[1]) for r in rows)
    volume_min, ack_min = scope.limits["needs_min_channel_volume"], scope.limits["needs_min_channel_ack"]
    judged = {channel: ratio(int(ok or 0), int(n)) for channel, n, ok, _, _ in rows if int(n) >= volume_min}
    weakest = min(judged.items(), key=lambda r: (r[1] or 0, r[0])) if judged else None
    value = weakest[1] if weakest else None
    met = value is not None and value >= ack_min
    metric = Metric(
        "channel_effectiveness",
        "3.3-B2",
        f"ประสิทธิผลของช่องทาง: ตอบรับภายใน 1 วันทำการ ช่องทางที่ต่ำที่สุด (ช่องทางที่มี ≥ {volume_min} เรื่อง)",
        f"Channel effectiveness: the lowest share acknowledged within 1 working day (channels with ≥ {volume_min})",
        None if value is None else round(value, 6),
        display="—" if weakest is None else f"{pct(value)} ({CHANNEL_LABELS.get(weakest[0], (weakest[0],))[0]})",
        threshold=f"≥ {pct(ack_min)}",
        met=met,
        filters=figures(scope.period),
        details={
            "table": table(
                [
                    ("count", "จำนวน", "Volume"),
                    ("share", "สัดส่วน", "Share"),
                    ("ack", "ตอบรับภายใน 1 วันทำการ", "Acknowledged within 1 working day"),
                    ("satisfied", "พึงพอใจ (4–5)", "Satisfied (4-5)"),
                ],
                [
                    (
                        *CHANNEL_LABELS.get(channel, (channel, channel)),
                        {
                            "count": f"{int(n):,}",
                            "share": pct(ratio(int(n), total)),
                            "ack": pct(ratio(int(ok or 0), int(n))),
                            "satisfied": f"{pct(ratio(int(happy or 0), int(answers)))} ({int(answers):,})",
                        },
                    )
                    for channel, n, ok, answers, happy in rows
                ],
            )
        },
    )
    if not met:
        if not total:
            metric.why_not_th, metric.why_not_en = NO_SUBMISSIONS
        elif weakest is None:
            metric.why_not_th = f"ไม่มีช่องทางที่มีเรื่องถึง {volume_min} เรื่อง"
            metric.why_not_en = f"No channel has {volume_min} or more submissions"
        else:
            label = CHANNEL_LABELS.get(weakest[0], (weakest[0], weakest[0]))
            metric.why_not_th = f"ช่องทาง{label[0]} ตอบรับทันเวลา {pct(value)} ไม่ถึงเกณฑ์ ≥ {pct(ack_min)}"
            metric.why_not_en = f"{label[1]}: {pct(value)} acknowledged in time, below ≥ {pct(ack_min)}"
    return metric


def unit_coverage(scope: Scope) -> Metric:
    staffed = select(User.unit_id).where(User.active.is_(True), User.unit_id.is_not(None))
    defaults = select(Category.unit_id).where(Category.active.is_(True), Category.unit_id.is_not(None))
    where = [or_(Unit.id.in_(staffed), Unit.id.in_(defaults))]
    if scope.units is not None:
        where.append(Unit.id.in_(scope.units))
    units = db.session.execute(select(Unit.id, Unit.name_th, Unit.name_en).where(*where).order_by(Unit.code)).all()
    counts = {
        unit_id: (sums["n"], sums["answered"])
        for unit_id, sums in sum_by(submissions_scan(scope), lambda g: g.unit_id).items()
    }
    covered = [u for u in units if counts.get(u.id, (0, 0))[0] and counts[u.id][1]]
    return share_metric(
        "unit_coverage",
        "3.3-B3",
        ("หน่วยงานที่รับและตอบสนองเรื่องในรอบ", "Active units that received and answered submissions"),
        len(covered),
        len(units),
        scope.limits["needs_min_unit_coverage"],
        empty=("ไม่มีหน่วยงานที่มีเจ้าหน้าที่หรือหมวดหมู่", "No unit with staff or a category"),
        filters=figures(scope.period),
        details={
            "table": table(
                [("received", "รับเรื่อง", "Received"), ("answered", "ตอบสนองแล้ว", "Answered")],
                [
                    (
                        th,
                        en,
                        {
                            "received": f"{counts.get(uid, (0, 0))[0]:,}",
                            "answered": f"{counts.get(uid, (0, 0))[1]:,}",
                        },
                    )
                    for uid, th, en in units
                ],
            )
        },
    )


# --- 3.3 Advance ------------------------------------------------------------------------------


def segments_with_standards(scope: Scope) -> Metric:
    """Categories and kinds with their own service standard, and how many submissions of the
    period each served (a standard naming both counts the submissions matching both)."""
    standards = db.session.execute(
        select(ServiceStandard, Category.name_th, Category.name_en)
        .outerjoin(Category, Category.id == ServiceStandard.category_id)
        .where(or_(ServiceStandard.category_id.is_not(None), ServiceStandard.kind.is_not(None)))
        .order_by(ServiceStandard.id)
    ).all()
    volume = {
        key: sums["n"] for key, sums in sum_by(submissions_scan(scope), lambda g: (g.category_id, g.kind)).items()
    }
    rows: list[tuple[str, str, dict[str, str]]] = []
    served = 0
    for standard, th, en in standards:
        n = sum(
            count
            for (category_id, kind), count in volume.items()
            if (standard.category_id is None or category_id == standard.category_id)
            and (standard.kind is None or kind == standard.kind)
        )
        served += 1 if n else 0
        kind_th, kind_en = KIND_LABELS.get(standard.kind, ("", "")) if standard.kind else ("", "")
        rows.append(
            (
                " · ".join(x for x in (th, kind_th) if x),
                " · ".join(x for x in (en, kind_en) if x),
                {"resolve": f"{standard.resolve_working_days}", "count": f"{n:,}"},
            )
        )
    minimum = scope.limits["needs_min_segments"]
    metric = Metric(
        "segments_with_standards",
        "3.3-A1",
        "กลุ่มผู้รับบริการ (หมวดหมู่/ประเภทเรื่อง) ที่มีมาตรฐานบริการเฉพาะและมีผู้ใช้ในรอบ",
        "Segments (categories or kinds) with their own service standard, used in the period",
        served,
        display=f"{served} กลุ่ม / segments (มาตรฐานเฉพาะ / own standards {len(standards)})",
        threshold=f"≥ {minimum}",
        met=served >= minimum,
        filters=STANDARDS,
        details={
            "table": table(
                [("resolve", "วันทำการที่ให้แล้วเสร็จ", "Working days to resolve"), ("count", "เรื่องในรอบ", "In the period")],
                rows,
            )
        },
    )
    if not metric.met:
        metric.why_not_th = f"มีกลุ่มที่มีมาตรฐานเฉพาะและมีผู้ใช้ {served} กลุ่ม น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{served} segments with their own standard in use, fewer than {minimum}"
    return metric


# --- 3.3 Significance -------------------------------------------------------------------------


def notification_route(scope: Scope) -> Metric:
    route = case(
        (and_(Complaint.channel == Channel.LINE, Complainant.line_key.is_not(None)), literal("line")),
        (and_(Complaint.channel == Channel.SMS, Complainant.phone_key.is_not(None)), literal("sms")),
        (Complainant.email_key.is_not(None), literal("email")),
        else_=literal("none"),
    ).label("route")
    rows: dict[str, int] = {
        str(key): int(n)
        for key, n in db.session.execute(
            select(route, func.count(Complaint.id))
            .join(Complainant, Complainant.id == Complaint.complainant_id)
            .where(*all_received(scope.period, scope.units), Complaint.anonymous.is_(False))
            .group_by(route)
        ).all()
    }
    named = sum(int(n) for n in rows.values())
    reachable = named - int(rows.get("none", 0))
    labels = {
        "line": ("LINE", "LINE"),
        "sms": ("SMS", "SMS"),
        "email": ("อีเมล", "Email"),
        "none": ("ไม่มีช่องทางแจ้งผล", "No route to answer"),
    }
    metric = share_metric(
        "notification_route",
        "3.3-S1",
        (
            "ผู้ร้องที่ได้รับแจ้งผลทางช่องทางที่ตนใช้หรือให้ไว้ (ระบบยังไม่มีการเลือกช่องทางแจ้งผล)",
            "Complainants answered on the route they used or gave (no notification preference is recorded)",
        ),
        reachable,
        named,
        None,
        empty=("ไม่มีผู้ร้องที่ระบุตัวตนในรอบนี้", "No named complainants in this period"),
        filters=None,
        details={
            "preference_recorded": False,
            "table": table(
                [("count", "จำนวน", "Count"), ("share", "สัดส่วน", "Share")],
                [
                    (*labels[key], {"count": f"{n:,}", "share": pct(ratio(n, named))})
                    for key, n in ((key, int(rows.get(key, 0))) for key in labels)
                ],
            ),
        },
    )
    return metric


METRICS: list[Callable[[Scope], Metric]] = [
    actions_completed,
    channel_effectiveness,
    unit_coverage,
    segments_with_standards,
    notification_route,
]
