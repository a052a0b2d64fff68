"""Criterion 3.4 (fast complaint resolution): each metric a function of the period's Scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select

from assessment.evidence.common import (
    ACTIONS,
    FINISHED,
    FINISHING_EVENTS,
    NO_COMPLAINTS,
    STANDARDS,
    TRACKING,
    Metric,
    Scope,
    Units,
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
    OutboxMessage,
    RecurringCluster,
    ServiceStandard,
    StandardsPublication,
)
from complaints.services.analytics.api import (
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
        filters=counted(period, merged="no"),
        details={"channels": shares, "total": total, "table": channel_table(scope, [c for c, _ in rows])},
    )
    if not met:
        metric.why_not_th = f"มีการใช้ {len(rows)} ช่องทาง น้อยกว่าเกณฑ์ {minimum} ช่องทาง"
        metric.why_not_en = f"{len(rows)} channels used, fewer than {minimum}"
    return metric


CHANNEL_COLUMNS = [
    {"key": "volume", "label_th": "จำนวนเรื่อง", "label_en": "Complaints"},
    {"key": "median_ack", "label_th": "มัธยฐานเวลาตอบรับ", "label_en": "Median time to acknowledge"},
    {"key": "ack_within_1wd", "label_th": "ตอบรับภายใน 1 วันทำการ", "label_en": "Acknowledged within 1 working day"},
    {"key": "resolved_within_standard", "label_th": "แล้วเสร็จตามมาตรฐาน", "label_en": "Resolved within the standard"},
    {"key": "satisfied", "label_th": "พึงพอใจ (คะแนน 4–5)", "label_en": "Satisfied (score 4-5)"},
]


def _share_cell(part: int, whole: int) -> str:
    return f"{pct(ratio(part, whole))} ({part:,}/{whole:,})" if whole else "—"


def channel_table(scope: Scope, channels: list[str]) -> dict:
    """Each channel's volume, median time to acknowledge, acknowledged within 1 working day,
    resolved within the standard and satisfaction, and the period's row last: the same
    counts as the period's metrics (one scan grouped by channel), the medians one query."""
    overall_median, medians = scope.ack_medians

    def cells(counts: dict[str, int], median: float | None) -> dict[str, str]:
        return {
            "volume": f"{counts['all']:,}",
            "median_ack": "—" if median is None else _duration(median),
            "ack_within_1wd": _share_cell(counts["ack_in_time"], counts["all"]),
            "resolved_within_standard": _share_cell(counts["on_time"], counts["decided"]),
            "satisfied": _share_cell(counts["satisfied"], counts["answers"]),
        }

    rows = [
        {
            "label_th": CHANNEL_LABELS.get(channel, (channel, channel))[0],
            "label_en": CHANNEL_LABELS.get(channel, (channel, channel))[1],
            "key": channel,
            "cells": cells(scope.by_channel[channel], medians.get(channel)),
        }
        for channel in channels
    ]
    answers, satisfied, _ = scope.survey
    total = {**scope.counts, "answers": answers, "satisfied": satisfied}
    rows.append({"label_th": "ทุกช่องทาง", "label_en": "All channels", "key": "", "cells": cells(total, overall_median)})
    return {"columns": CHANNEL_COLUMNS, "rows": rows}


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
        filters=counted(scope.period, merged="no", timeline="complete"),
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
        filters=counted(scope.period, merged="no", category_source="model"),
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
        filters=counted(scope.period, merged="no", ack_1wd="yes"),
    )


def median_acknowledgement(scope: Scope) -> Metric:
    median, _ = scope.ack_medians
    return Metric(
        "median_ack_seconds",
        "3.4-A2",
        "ค่ามัธยฐานของเวลาตอบรับ",
        "Median acknowledgement time",
        median,
        display="—" if median is None else _duration(median),
        filters=counted(scope.period, merged="no", acknowledged="yes"),
        details={"acknowledged": scope.counts["acknowledged"]},
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
        filters=counted(scope.period, merged="no", acknowledged="yes"),
    )


# What the complainant is sent about the progress of their complaint (not a chat's replies).
CITIZEN_UPDATES = ("acknowledgement", "status_update", "interim_notice")
UNDELIVERED = ("pending", "failed")  # an outbox message's statuses other than "sent"


def kept_informed(scope: Scope) -> Metric:
    """Of the complaints whose complainant can be reached (an acknowledgement was addressed to
    them), the share sent the tracking number and every status change: acknowledged, and no
    message about its progress failed or still waits. The workflow writes a status message in
    the same transaction as each change the complainant should hear of (workflow.record), so a
    change without its message cannot happen; what can is a message never delivered. A
    complainant who left no contact follows the complaint with the tracking number alone
    (tracking_number_given)."""
    period = scope.period
    # A complaint's messages are written at its receipt or later.
    acknowledgements = select(OutboxMessage.complaint_id).where(
        OutboxMessage.purpose == "acknowledgement", OutboxMessage.created_at >= period.start
    )
    # Few messages are not sent (the status index finds them): a hashed set, not a join a row.
    undelivered = select(OutboxMessage.complaint_id).where(
        OutboxMessage.complaint_id.is_not(None),  # NOT IN a set holding NULL is never true
        OutboxMessage.status.in_(UNDELIVERED),
        OutboxMessage.purpose.in_(CITIZEN_UPDATES),
        OutboxMessage.created_at >= period.start,
    )
    informed = and_(Complaint.acknowledged_at.is_not(None), Complaint.id.not_in(undelivered))
    whole, part = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((informed, 1), else_=0)), 0)).where(
            *scope.where(), Complaint.id.in_(acknowledgements)
        )
    ).one()
    metric = share_metric(
        "kept_informed",
        "3.4-A3",
        (
            "ผู้ร้องที่ติดต่อได้ได้รับเลขที่เรื่องและแจ้งทุกความคืบหน้าถึงแล้ว",
            "Reachable complainants sent the tracking number and every status change",
        ),
        int(part),
        int(whole),
        scope.limits["min_kept_informed"],
        empty=("", ""),
        filters=None,
        details={"undelivered": int(whole) - int(part)},
    )
    if not whole:
        # Nobody to send progress to is no failure of tracking: the number alone serves them.
        metric.met, metric.why_not_th, metric.why_not_en = None, "", ""
        metric.display = "— (ไม่มีข้อความถึงผู้ร้องในรอบนี้ / no message to a complainant in this period)"
    return metric


def tracking_lookups(scope: Scope) -> Metric:
    """How often citizens looked a complaint up: shown, not judged (a count of lookups says
    little of whether tracking works; kept_informed does). The counter records no unit (the
    page is the deployment's, shared by every agency it hosts), so an assessed body's figure
    is the deployment's, said so next to it."""
    period = scope.period
    by_channel = lookups_between(period.first_day, period.last_day)
    total = sum(by_channel.values())
    return Metric(
        "tracking_lookups",
        "3.4-A3",
        "จำนวนครั้งที่ประชาชนติดตามเรื่อง",
        "Tracking lookups",
        total,
        display=f"{total:,} ครั้ง / lookups" + ("" if scope.units is None else " (ทั้งระบบ / whole deployment)"),
        filters=TRACKING,
        details={"channels": by_channel, "scope": "deployment"},
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
        filters=counted(scope.period, merged="no", status="closed", cause_recorded="yes"),
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
        filters=counted(period, merged="no", repeat="yes"),
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


def year_earlier(scope: Scope) -> tuple[Period, datetime]:
    """The same period one year earlier and the end of the span compared: all of it for a
    period that has ended, else as many days as have passed of this one (a running year is
    not compared with a whole one)."""
    period = scope.period
    earlier = Period(period.fiscal_year - 1, period.quarter)
    if scope.as_of >= period.end:
        return earlier, earlier.end
    return earlier, min(earlier.start + (scope.as_of - period.start), earlier.end)


def _grouped_counts(where: tuple) -> dict[tuple[int | None, int | None], int]:
    """Complaints per (category, cluster) over `where`: one grouped query serves both rankings."""
    rows = db.session.execute(
        select(Complaint.category_id, Complaint.cluster_id, func.count())
        .where(*where)
        .group_by(Complaint.category_id, Complaint.cluster_id)
    )
    return {(category, cluster): int(n) for category, cluster, n in rows}


def _sum_by(counts: dict[tuple[int | None, int | None], int], index: int) -> dict[int, int]:
    totals: dict[int, int] = {}
    for key, n in counts.items():
        value = key[index]
        if value is not None:
            totals[value] = totals.get(value, 0) + n
    return totals


YOY_COLUMNS = [
    {"key": "now", "label_th": "รอบนี้", "label_en": "This period"},
    {"key": "before", "label_th": "ช่วงเดียวกันปีก่อน", "label_en": "Same span a year earlier"},
    {"key": "change", "label_th": "เปลี่ยนแปลง", "label_en": "Change"},
]


def _change(now: int, before: int) -> str:
    relative = f" ({(now - before) / before * 100:+.1f}%)" if before else ""
    return f"{now - before:+,}{relative}"


# What each year-on-year ranking groups by (its index in the (category, cluster) key), and the
# fewest complaints that rank: one complaint is not a recurrence, so a cluster needs two.
RANKINGS = {"frequent_categories": (0, 1), "frequent_clusters": (1, 2)}


def _year_on_year(scope: Scope) -> dict:
    """This period's top categories and recurring clusters with their counts, and the same
    ones' counts in the year-earlier span: computed once for both year-on-year metrics (this
    period grouped once; the earlier span only for the top ones, and whether it has any data)."""
    if "year_on_year" in scope.memo:
        return scope.memo["year_on_year"]
    earlier, end = year_earlier(scope)
    now = _grouped_counts(scope.where())
    top_n = scope.limits["top_frequent"]
    tops: dict[str, tuple[list[int], dict[int, int]]] = {}
    for key, (index, minimum) in RANKINGS.items():
        counts = {k: n for k, n in _sum_by(now, index).items() if n >= minimum}
        tops[key] = (sorted(counts, key=lambda k: (-counts[k], k))[:top_n], counts)
    before_where = (*scope.where(earlier), Complaint.received_at < end)
    categories, clusters = tops["frequent_categories"][0], tops["frequent_clusters"][0]
    before = (
        _grouped_counts((*before_where, or_(Complaint.category_id.in_(categories), Complaint.cluster_id.in_(clusters))))
        if categories or clusters
        else {}
    )
    has_earlier = db.session.scalar(select(Complaint.id).where(*before_where).limit(1)) is not None
    scope.memo["year_on_year"] = {
        "tops": tops,
        "before": before,
        "has_earlier": has_earlier,
        "earlier": earlier,
        "end": end,
    }
    return scope.memo["year_on_year"]


def _frequent_falling(
    scope: Scope,
    key: str,
    labels: tuple[str, str],
    names: Callable[[list[int]], dict[int, tuple[str, str]]],
) -> Metric:
    """The top-N of this period (categories or recurring clusters) against the same ones a year
    earlier: met when their total fell. No data a year earlier is not met."""
    data = _year_on_year(scope)
    top_n = scope.limits["top_frequent"]
    top, now_counts = data["tops"][key]
    before_counts = _sum_by(data["before"], RANKINGS[key][0])
    has_earlier = data["has_earlier"]
    named = names(top)
    now_total = sum(now_counts[k] for k in top)
    before_total = sum(before_counts.get(k, 0) for k in top)
    earlier, end = data["earlier"], data["end"]
    rows = [
        {
            "key": str(k),
            "label_th": named.get(k, (str(k), str(k)))[0],
            "label_en": named.get(k, (str(k), str(k)))[1],
            "cells": {
                "now": f"{now_counts[k]:,}",
                "before": f"{before_counts.get(k, 0):,}" if has_earlier else "—",
                "change": _change(now_counts[k], before_counts.get(k, 0)) if has_earlier else "—",
            },
        }
        for k in top
    ]
    if top:
        rows.append(
            {
                "key": "",
                "label_th": f"รวม {len(top)} อันดับแรก",
                "label_en": f"Top {len(top)} together",
                "cells": {
                    "now": f"{now_total:,}",
                    "before": f"{before_total:,}" if has_earlier else "—",
                    "change": _change(now_total, before_total) if has_earlier else "—",
                },
            }
        )
    met = bool(top) and has_earlier and now_total < before_total
    metric = Metric(
        key,
        "3.4-S1",
        *labels,
        value=now_total if top else None,
        display=(
            f"{now_total:,} เรื่อง / complaints (ปีก่อน / a year earlier {before_total:,})"
            if top and has_earlier
            else (f"{now_total:,} เรื่อง / complaints" if top else "—")
        ),
        threshold="ลดลง / falling",
        met=met,
        details={
            "top_n": top_n,
            "now": now_total,
            "before": before_total,
            "earlier_period": earlier.code,
            "earlier_to": end.isoformat(),
            "table": {"columns": YOY_COLUMNS, "rows": rows},
        },
    )
    if not met:
        if not top:
            metric.why_not_th, metric.why_not_en = labels_empty(key)
        elif not has_earlier:
            metric.why_not_th = f"ไม่มีข้อมูลช่วงเดียวกันของปีก่อน ({earlier.code}) ให้เปรียบเทียบ"
            metric.why_not_en = f"No data for the same span a year earlier ({earlier.code}) to compare with"
        else:
            metric.why_not_th = f"{len(top)} อันดับแรกรวม {now_total:,} เรื่อง ไม่ลดลงจาก {before_total:,} เรื่องของปีก่อน"
            metric.why_not_en = (
                f"The top {len(top)} total {now_total:,}, not fewer than {before_total:,} a year earlier"
            )
    return metric


def labels_empty(key: str) -> tuple[str, str]:
    if key == "frequent_clusters":
        return ("ไม่พบกลุ่มเรื่องร้องเรียนซ้ำในรอบนี้", "No recurring clusters in this period")
    return ("ไม่มีข้อร้องเรียนที่จัดหมวดหมู่แล้วในรอบนี้", "No categorised complaints in this period")


def _category_names(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(select(Category.id, Category.name_th, Category.name_en).where(Category.id.in_(ids)))
    return {row.id: (row.name_th, row.name_en) for row in rows}


def _cluster_names(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(RecurringCluster.id, RecurringCluster.label_th).where(RecurringCluster.id.in_(ids))
    )
    return {row.id: (row.label_th, f"#{row.id} {row.label_th}") for row in rows}


def frequent_categories_falling(scope: Scope) -> Metric:
    return _frequent_falling(
        scope,
        "frequent_categories",
        ("หมวดหมู่ที่ร้องเรียนบ่อย เทียบช่วงเดียวกันของปีก่อน", "Most frequent categories against a year earlier"),
        _category_names,
    )


def frequent_clusters_falling(scope: Scope) -> Metric:
    return _frequent_falling(
        scope,
        "frequent_clusters",
        ("กลุ่มเรื่องร้องเรียนซ้ำที่พบบ่อย เทียบช่วงเดียวกันของปีก่อน", "Top recurring clusters against a year earlier"),
        _cluster_names,
    )


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
        filters=ACTIONS,
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
        scope.limits["min_confident"],
        empty=("ไม่มีผลการประเมินความเชื่อมั่นในรอบนี้", "No survey answers in this period"),
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


def resolved_within_standard(scope: Scope) -> Metric:
    """Handled here (not rejected, forwarded or merged) and answered on or before the due date,
    of those whose outcome is known as of the period's end (or now, while it runs): answered,
    or still open past the due date. The dashboard's on-time rate with the open overdue ones."""
    counts = scope.counts
    metric = share_metric(
        "resolved_within_standard",
        "3.4-S2",
        ("แล้วเสร็จภายในกำหนดตามมาตรฐานการให้บริการ", "Resolved within the service standard"),
        counts["on_time"],
        counts["decided"],
        scope.limits["min_resolved_within_standard"],
        empty=("ไม่มีเรื่องที่ครบกำหนดหรือแล้วเสร็จในรอบนี้", "No complaint answered or due in this period"),
        filters=counted(scope.period, standing="on_time", overdue="no"),
        details={"as_of": scope.as_of.isoformat()},
    )
    return _stating_as_of(metric, scope)


def _stating_as_of(metric: Metric, scope: Scope) -> Metric:
    """The moment a share against the standard is judged at, said next to it."""
    if scope.as_of >= scope.period.end:
        metric.display += " ณ สิ้นรอบ / as of the period's end"
    else:
        metric.display += f" ณ / as of {format_thai_datetime(scope.as_of)}"
    return metric


def overdue_share(scope: Scope) -> Metric:
    """Answered after the due date, or still unanswered past it (as of now or the period's end)."""
    metric = share_metric(
        "overdue",
        "3.4-S2",
        ("เรื่องที่เกินกำหนดมาตรฐาน", "Past the service standard"),
        scope.counts["overdue"],
        scope.counts["handled"],
        None,
        maximum=scope.limits["max_overdue"],
        empty=NO_COMPLAINTS,
        filters=counted(scope.period, overdue="yes"),
        details={"as_of": scope.as_of.isoformat()},
    )
    return _stating_as_of(metric, scope)


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
    kept_informed,
    tracking_lookups,
    root_cause_recorded,
    repeat_rate_falling,
    frequent_categories_falling,
    frequent_clusters_falling,
    corrective_actions_on_top_clusters,
    satisfaction,
    confidence,
    survey_response_rate,
    resolved_within_standard,
    overdue_share,
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
