"""Criterion 3.4 (fast complaint resolution): each metric a function of the period's Scope."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import distinct, func, select

from assessment.evidence.common import (
    FINISHED,
    FINISHING_EVENTS,
    NO_COMPLAINTS,
    STANDARDS,
    TRACKING,
    Metric,
    Scope,
    Units,
    complaint_list,
    count,
    counted,
    has_event,
    pct,
    ratio,
    share_metric,
    thresholds,
)
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import format_thai_datetime
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS
from complaints.models import (
    ActionStatus,
    Category,
    Complaint,
    CorrectiveAction,
    ServiceStandard,
    StandardsPublication,
)
from complaints.services.analytics.api import (
    ack_seconds,
    lookups_between,
    top_clusters,
)

# --- 3.4 Basic --------------------------------------------------------------------------------


def channels_used(scope: Scope) -> Metric:
    period, limits = scope.period, scope.limits
    rows = sorted(((channel, n) for channel, n in scope.channels.items() if n), key=lambda r: (-r[1], r[0]))
    total = sum(n for _, n in rows)
    shares = {
        channel: {"count": n, "share": round(n / total, 6), "label_th": CHANNEL_LABELS.get(channel, (channel,))[0]}
        for channel, n in rows
    }
    minimum = limits["min_channels"]
    met = len(rows) >= minimum
    metric = Metric(
        "channels_used",
        "3.4-B1",
        "จำนวนช่องทางที่มีผู้ใช้ร้องเรียน",
        "Channels in use",
        len(rows),
        display=f"{len(rows)} ช่องทาง / channels",
        threshold=f"≥ {minimum}",
        met=met,
        filters=complaint_list(period),
        details={"channels": shares, "total": total},
    )
    if not met:
        metric.why_not_th = f"มีการใช้ {len(rows)} ช่องทาง น้อยกว่าเกณฑ์ {minimum} ช่องทาง"
        metric.why_not_en = f"{len(rows)} channels used, fewer than {minimum}"
    return metric


def _publication_at(moment: datetime) -> StandardsPublication | None:
    return db.session.scalar(
        select(StandardsPublication)
        .where(StandardsPublication.published_at < moment)
        .order_by(StandardsPublication.published_at.desc(), StandardsPublication.id.desc())
    )


def categories_with_standard(scope: Scope) -> Metric:
    """Active categories with their own standard, or under the agency's default standard once published."""
    period, limits = scope.period, scope.limits
    active = db.session.scalar(select(func.count(Category.id)).where(Category.active.is_(True))) or 0
    own = (
        db.session.scalar(
            select(func.count(distinct(ServiceStandard.category_id)))
            .join(Category, Category.id == ServiceStandard.category_id)
            .where(Category.active.is_(True))
        )
        or 0
    )
    default = (
        db.session.scalar(
            select(ServiceStandard.id).where(ServiceStandard.category_id.is_(None), ServiceStandard.kind.is_(None))
        )
        is not None
    )
    published = _publication_at(period.end) is not None
    covered = active if (default and published) else own
    return share_metric(
        "categories_with_standard",
        "3.4-B2",
        ("หมวดหมู่ที่ใช้งานซึ่งมีมาตรฐานการให้บริการ", "Active categories with a service standard"),
        covered,
        active,
        limits["min_categories_with_standard"],
        empty=("ยังไม่มีหมวดหมู่ที่ใช้งาน", "No active categories"),
        filters=STANDARDS,
        details={"own_standard": own, "default_standard": default, "published": published},
    )


def standards_published(scope: Scope) -> Metric:
    period = scope.period
    publication = _publication_at(period.end)
    metric = Metric(
        "standards_published",
        "3.4-B3",
        "เผยแพร่มาตรฐานและขั้นตอนการจัดการข้อร้องเรียนต่อสาธารณะ",
        "Standards and process published",
        publication.id if publication else None,
        display=(
            f"ฉบับที่ {publication.id} เผยแพร่ {format_thai_datetime(publication.published_at)}"
            if publication
            else "ยังไม่เผยแพร่ / not published"
        ),
        threshold="เผยแพร่ / published",
        met=publication is not None,
        filters=STANDARDS,
        details={
            "version": publication.id if publication else None,
            "published_at": publication.published_at.isoformat() if publication else None,
        },
    )
    if publication is None:
        metric.why_not_th = "ยังไม่มีการเผยแพร่มาตรฐานการให้บริการก่อนสิ้นรอบ"
        metric.why_not_en = "No published version of the service standards before the end of the period"
    return metric


# --- 3.4 Advance ------------------------------------------------------------------------------


def handled_in_system(scope: Scope) -> Metric:
    """Finished complaints whose timeline holds both the receipt and the finishing step."""
    # Its own query: as a WHERE clause the EXISTS become semi-joins; inside the one-scan
    # SUM(CASE …) they would run once per complaint (2.5 times slower at 100,000).
    complete = count(
        *scope.where(),
        Complaint.status.in_(FINISHED),
        has_event(("received",)),
        has_event(FINISHING_EVENTS),
    )
    counts = scope.counts
    return share_metric(
        "handled_in_system",
        "3.4-A1",
        ("ดำเนินการครบในระบบพร้อมบันทึกลำดับเหตุการณ์ครบถ้วน", "Handled wholly in the system with a complete timeline"),
        complete,
        counts["finished"],
        scope.limits["min_handled_in_system"],
        empty=("ไม่มีข้อร้องเรียนที่ดำเนินการเสร็จในรอบนี้", "No finished complaints in this period"),
        filters=complaint_list(scope.period, status="closed"),
    )


def auto_categorised(scope: Scope) -> Metric:
    return share_metric(
        "auto_categorised",
        "3.4-A1",
        ("จัดหมวดหมู่อัตโนมัติด้วยแบบจำลองภาษาไทย", "Categorised automatically by the Thai-text model"),
        scope.counts["model"],
        scope.counts["all"],
        None,
        empty=NO_COMPLAINTS,
        filters=complaint_list(scope.period),
    )


def acknowledged_within_a_working_day(scope: Scope) -> Metric:
    """Acknowledged by the end of the next working day (Thai government calendar)."""
    return share_metric(
        "ack_within_1wd",
        "3.4-A2",
        ("ตอบรับภายใน 1 วันทำการ", "Acknowledged within 1 working day"),
        scope.counts["ack_in_time"],
        scope.counts["all"],
        scope.limits["min_ack_within_1wd"],
        empty=NO_COMPLAINTS,
        filters=complaint_list(scope.period),
    )


def median_acknowledgement(scope: Scope) -> Metric:
    period = scope.period
    acknowledged = (*scope.where(), Complaint.acknowledged_at.is_not(None))
    count = scope.counts["acknowledged"]
    if db.engine.dialect.name == "postgresql":
        median = db.session.scalar(select(func.percentile_cont(0.5).within_group(ack_seconds())).where(*acknowledged))
    else:
        seconds = db.session.scalars(select(ack_seconds()).where(*acknowledged)).all()
        median = statistics.median(seconds) if seconds else None
    median = None if median is None else round(float(median), 1)
    return Metric(
        "median_ack_seconds",
        "3.4-A2",
        "ค่ามัธยฐานของเวลาตอบรับ",
        "Median acknowledgement time",
        median,
        display="—" if median is None else _duration(median),
        filters=complaint_list(period),
        details={"acknowledged": count},
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} วินาที / s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} นาที / min"
    return f"{seconds / 3600:.1f} ชั่วโมง / h"


def tracking_number_given(scope: Scope) -> Metric:
    """The tracking number reached the complainant: in the acknowledgement, or on the receipt."""
    return share_metric(
        "tracking_number_given",
        "3.4-A3",
        ("ผู้ร้องได้รับเลขที่เรื่องสำหรับติดตาม", "Complainant given a tracking number"),
        scope.counts["acknowledged"],
        scope.counts["all"],
        scope.limits["min_tracking_number_given"],
        empty=NO_COMPLAINTS,
        filters=complaint_list(scope.period),
    )


def tracking_lookups(scope: Scope) -> Metric:
    """Lookups on the public tracking page and API. The counter records no unit (the page is
    the deployment's, shared by every agency it hosts), so an assessed body's figure is the
    deployment's, said so next to it."""
    period, limits = scope.period, scope.limits
    by_channel = lookups_between(period.first_day, period.last_day)
    total = sum(by_channel.values())
    minimum = limits["min_tracking_lookups"]
    metric = Metric(
        "tracking_lookups",
        "3.4-A3",
        "จำนวนครั้งที่ประชาชนติดตามเรื่อง",
        "Tracking lookups",
        total,
        display=f"{total:,} ครั้ง / lookups" + ("" if scope.units is None else " (ทั้งระบบ / whole deployment)"),
        threshold=f"≥ {minimum}",
        met=total >= minimum,
        filters=TRACKING,
        details={"channels": by_channel, "scope": "deployment"},
    )
    if not metric.met:
        metric.why_not_th = f"มีการติดตามเรื่อง {total} ครั้ง น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{total} lookups, fewer than {minimum}"
    return metric


def overdue_share(scope: Scope) -> Metric:
    """Answered after the due date, or still unanswered past it (as of now or the period's end)."""
    return share_metric(
        "overdue",
        "3.4-A3",
        ("เรื่องที่เกินกำหนดมาตรฐาน", "Past the service standard"),
        scope.counts["overdue"],
        scope.counts["handled"],
        None,
        maximum=scope.limits["max_overdue"],
        empty=NO_COMPLAINTS,
        filters=counted(scope.period, overdue="yes"),
    )


# --- 3.4 Significance -------------------------------------------------------------------------


def root_cause_recorded(scope: Scope) -> Metric:
    return share_metric(
        "root_cause",
        "3.4-S1",
        ("เรื่องที่ปิดแล้วซึ่งบันทึกสาเหตุ", "Closed complaints with a root cause"),
        scope.counts["closed_with_cause"],
        scope.counts["closed"],
        scope.limits["min_root_cause"],
        empty=("ไม่มีเรื่องที่ปิดในรอบนี้", "No closed complaints in this period"),
        filters=complaint_list(scope.period, status="closed"),
    )


def repeat_rate_falling(scope: Scope) -> Metric:
    period = scope.period
    part, whole = scope.counts["repeats"], scope.counts["all"]
    # The previous period needs two counts, not the whole population scan.
    before_whole, before_part = db.session.execute(
        select(func.count(), func.count(Complaint.repeat_of_id)).where(*scope.where(period.previous()))
    ).one()
    now, before = ratio(part, whole), ratio(before_part, before_whole)
    met = now is not None and before is not None and (now < before or now == 0)
    metric = Metric(
        "repeat_rate",
        "3.4-S1",
        "อัตราการร้องเรียนซ้ำ เทียบกับรอบก่อน",
        "Repeat-complaint rate against the previous period",
        None if now is None else round(now, 6),
        display=f"{pct(now)} (รอบก่อน / before {pct(before)})",
        threshold="ลดลง / falling",
        met=met,
        filters=complaint_list(period),
        details={
            "part": part,
            "whole": whole,
            "previous_period": period.previous().code,
            "previous_part": before_part,
            "previous_whole": before_whole,
            "previous": None if before is None else round(before, 6),
        },
    )
    if not met:
        if now is None:
            metric.why_not_th, metric.why_not_en = NO_COMPLAINTS
        elif before is None:
            metric.why_not_th = f"ไม่มีข้อมูลรอบก่อน ({period.previous().code}) ให้เปรียบเทียบ"
            metric.why_not_en = f"No data for the previous period ({period.previous().code}) to compare with"
        else:
            metric.why_not_th = f"อัตราร้องเรียนซ้ำ {pct(now)} ไม่ลดลงจาก {pct(before)}"
            metric.why_not_en = f"Repeat rate {pct(now)} did not fall from {pct(before)}"
    return metric


def corrective_actions_on_top_clusters(scope: Scope) -> Metric:
    """The recurring clusters with most complaints in the period, and whether each has a corrective action."""
    period, limits = scope.period, scope.limits
    top_n = limits["top_clusters"]
    # One complaint is not a recurrence; such clusters rank last, so dropping them after
    # the limit leaves the same clusters.
    units = None if scope.units is None else list(scope.units)  # an assessed body: the clusters of its units
    top = [c for c in top_clusters(period.first_day, period.last_day, units, limit=top_n) if c.in_period > 1]
    with_action = set(
        db.session.scalars(
            select(CorrectiveAction.cluster_id).where(
                CorrectiveAction.cluster_id.in_([row.id for row in top]),
                CorrectiveAction.status != ActionStatus.CANCELLED,
            )
        )
    )
    clusters = [
        {"id": c.id, "label_th": c.label_th, "complaints": c.in_period, "has_action": c.id in with_action} for c in top
    ]
    return share_metric(
        "corrective_actions",
        "3.4-S1",
        ("เรื่องร้องเรียนซ้ำที่พบบ่อยซึ่งมีมาตรการแก้ไข", "Top recurring clusters with a corrective action"),
        len(with_action),
        len(top),
        1.0,
        empty=("ไม่พบกลุ่มเรื่องร้องเรียนซ้ำในรอบนี้", "No recurring clusters in this period"),
        filters=complaint_list(period),
        details={"clusters": clusters, "top_n": top_n},
    )


def satisfaction(scope: Scope) -> Metric:
    answers, satisfied, _ = scope.survey
    return share_metric(
        "satisfied",
        "3.4-S2",
        ("ความพึงพอใจต่อการจัดการเรื่อง (ให้คะแนน 4–5)", "Satisfied with the handling (score 4-5)"),
        satisfied,
        answers,
        scope.limits["min_satisfied"],
        empty=("ไม่มีผลการประเมินความพึงพอใจในรอบนี้", "No survey answers in this period"),
        filters=counted(scope.period, merged="no", satisfied="yes"),
    )


def confidence(scope: Scope) -> Metric:
    answers, _, confident = scope.survey
    return share_metric(
        "confident",
        "3.4-S2",
        ("ความเชื่อมั่นต่อระบบจัดการข้อร้องเรียน (ให้คะแนน 4–5)", "Confidence in the complaint system (score 4-5)"),
        confident,
        answers,
        None,
        empty=("", ""),
        filters=counted(scope.period, merged="no", confident="yes"),
    )


def survey_response_rate(scope: Scope) -> Metric:
    return share_metric(
        "survey_response_rate",
        "3.4-S2",
        ("อัตราการตอบแบบประเมิน", "Survey response rate"),
        scope.survey[0],
        scope.counts["rateable"],
        None,
        empty=("", ""),
        filters=counted(scope.period, merged="no", survey="responded"),
    )


def reopen_rate(scope: Scope) -> Metric:
    return share_metric(
        "reopened",
        "3.4-S2",
        ("เรื่องที่ถูกเปิดใหม่หลังแจ้งผล", "Reopened after the answer"),
        scope.counts["reopened"],
        scope.counts["answered"],
        None,
        maximum=scope.limits["max_reopened"],
        empty=("ไม่มีเรื่องที่แจ้งผลแล้วในรอบนี้", "No answered complaints in this period"),
        filters=counted(scope.period, reopened="yes"),
    )


METRICS: list[Callable[[Scope], Metric]] = [
    channels_used,
    categories_with_standard,
    standards_published,
    handled_in_system,
    auto_categorised,
    acknowledged_within_a_working_day,
    median_acknowledgement,
    tracking_number_given,
    tracking_lookups,
    overdue_share,
    root_cause_recorded,
    repeat_rate_falling,
    corrective_actions_on_top_clusters,
    satisfaction,
    confidence,
    survey_response_rate,
    reopen_rate,
]


def criterion_34(period: Period, limits: dict | None = None, units: Units = None) -> dict:
    """Every 3.4 metric, and each item's status: met when all its deciding metrics are met;
    over the complaints of `units` (an assessed body's subtree) when given."""
    scope = Scope(period, limits or thresholds(), units)
    metrics = [metric(scope) for metric in METRICS]
    if not scope.counts["all"]:
        # No complaints, nothing handled: what the agency has set up (standards, categories)
        # is no evidence of handling complaints in a period without any.
        for metric in metrics:
            if metric.met:
                metric.met = False
                metric.why_not_th, metric.why_not_en = NO_COMPLAINTS
    items: dict[str, dict] = {}
    for metric in metrics:
        entry = items.setdefault(metric.item_id, {"metrics": [], "met": True})
        entry["metrics"].append(metric.as_dict())
        if metric.met is not None:
            entry["met"] = entry["met"] and metric.met
    return {"period": period.code, "thresholds": scope.limits, "items": items}
