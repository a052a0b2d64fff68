"""Criterion 3.4 evidence computed from operations, and the data that pre-fills 3.1-3.3.

Each metric is a small function that aggregates in SQL over one period. A metric
answers with its value, the threshold, whether it is met and, when it is not,
why, plus the filters of the complaints behind it (assessment.links: the
link is built when a report is rendered). No inflation: a metric without
data (an empty period, no survey answers, no earlier period to compare with) is
not met, and no threshold passes by itself.

Population: the complaints (kind complaint, "ข้อร้องเรียน") received in the period
that anyone may know of, without the duplicates merged into another complaint (those
are counted once, in the complaint they were merged into). Corruption tip-offs are
left out of every figure here, as out of the dashboard: the assessment is read by
managers, and a tip-off is known to the integrity role alone (issue 16), its count too.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from flask import current_app
from sqlalchemy import and_, case, distinct, exists, func, literal, select

from assessment.links import Filters
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import BANGKOK, add_working_days, format_thai_datetime
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import (
    ActionStatus,
    Category,
    Complaint,
    CorrectiveAction,
    ServiceStandard,
    StandardsPublication,
    Status,
    SurveyResponse,
    TimelineEvent,
    utcnow,
)
from complaints.services.analytics.api import (
    ack_seconds,
    bisecting_case,
    calendar_overrides,
    lookups_between,
    overdue_state,
    public_complaints,
    reopen_state,
    top_clusters,
)

COMPLAINT_KINDS = ("complaint",)  # tip-offs: see the module docstring
FINISHED = Status.ANSWERED  # forwarded counts as answered: see Status
FINISHING_EVENTS = ("resolve", "close", "reject", "forward", "confirm")

# Thresholds; the agency changes them with ASSESSMENT_THRESHOLDS (JSON) in the environment.
DEFAULT_THRESHOLDS = {
    "min_channels": 4,  # channels used in the period
    "min_categories_with_standard": 1.0,  # share of active categories
    "min_handled_in_system": 0.95,
    "min_ack_within_1wd": 0.95,
    "min_tracking_number_given": 1.0,
    "min_tracking_lookups": 1,
    "max_overdue": 0.05,
    "min_root_cause": 0.90,
    "top_clusters": 3,  # corrective actions are expected on this many top recurring clusters
    "min_satisfied": 0.85,  # share of survey answers scoring 4-5
    "max_reopened": 0.05,
}


def thresholds() -> dict:
    configured = current_app.config.get("ASSESSMENT_THRESHOLDS") or {}
    return {key: type(default)(configured.get(key, default)) for key, default in DEFAULT_THRESHOLDS.items()}


@dataclass
class Metric:
    """One measured fact behind a criterion-3.4 item."""

    key: str
    item_id: str
    label_th: str
    label_en: str
    value: float | int | None
    display: str
    threshold: str = ""  # shown as "≥ 95%"; empty for a fact shown without a threshold
    met: bool | None = None  # None: shown for information, does not decide the item
    why_not_th: str = ""
    why_not_en: str = ""
    filters: Filters | None = None  # the page showing what is behind the number
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _complaints(period: Period, **filters: str) -> Filters:
    """The staff complaint list (officer queue) filtered to the complaints behind a metric."""
    return Filters(
        "complaints",
        {
            "status": filters.pop("status", "all"),
            "received_from": period.first_day.isoformat(),
            "received_to": period.last_day.isoformat(),
            **filters,
        },
    )


def _counted(period: Period, **dimensions: str) -> Filters:
    """The dashboard's drill-down list of exactly the complaints behind a metric: the
    population's (its kind; merged duplicates are left out by `dimensions` where the
    dimension itself does not) in the period, with the dimensions' values the metric counts."""
    (kind,) = COMPLAINT_KINDS
    return Filters("figures", {"period": period.code, "kind": kind, **dimensions})


STANDARDS = Filters("standards")
TRACKING = Filters("tracking")


def population(period: Period):
    """WHERE clauses of the complaints a period's metrics are about (complaints and
    grievances of `_all_received`)."""
    return (*_all_received(period), Complaint.kind.in_(COMPLAINT_KINDS))


def _count(*where) -> int:
    return db.session.scalar(select(func.count(Complaint.id)).where(*where)) or 0


def _has_event(kinds):
    return exists().where(TimelineEvent.complaint_id == Complaint.id, TimelineEvent.kind.in_(kinds))


def _flags(period: Period) -> dict:
    """The counts most metrics divide: {name: condition over the population}."""
    as_of = literal(min(utcnow(), period.end), Complaint.__table__.c.due_at.type)
    finished = Complaint.status.in_(FINISHED)
    overdue = overdue_state(as_of)
    closed = Complaint.status == "closed"
    reopened = reopen_state()
    acknowledged = Complaint.acknowledged_at.is_not(None)
    return {
        "all": Complaint.id.is_not(None),
        "model": Complaint.category_source == "model",
        "acknowledged": acknowledged,
        "ack_in_time": and_(acknowledged, Complaint.acknowledged_at <= _ack_deadline(period)),
        "finished": finished,
        # Handled here (not rejected or forwarded); of those, answered after the due date, or
        # still unanswered past it (as of now or the period's end): a hold stops the clock.
        "handled": overdue != "not_counted",
        "overdue": overdue == "yes",
        "closed": closed,
        "closed_with_cause": and_(closed, Complaint.root_cause_id.is_not(None)),
        "repeats": Complaint.repeat_of_id.is_not(None),
        # Answered, reopened ones included whatever their status now (reopening clears
        # resolved_at and closed_at), as the dashboard's reopen rate counts them.
        "answered": reopened != "not_answered",
        "reopened": reopened == "yes",
        "rateable": Complaint.status.in_(Status.RATEABLE),
    }


def _population_scan(period: Period, flags: dict) -> dict:
    """One scan of the period's complaints (survey answers joined), per channel:
    {"counts": {flag: n}, "channels": {channel: n}, "survey": (answers, satisfied, confident)}.
    The period's counts are the sums over the channel groups."""
    survey = {
        "answers": SurveyResponse.id.is_not(None),
        "satisfied": SurveyResponse.satisfaction >= 4,
        "confident": SurveyResponse.confidence >= 4,
    }
    sums = [func.sum(case((condition, 1), else_=0)).label(name) for name, condition in {**flags, **survey}.items()]
    rows = db.session.execute(
        select(Complaint.channel, *sums)
        .outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*population(period))
        .group_by(Complaint.channel)
    ).all()
    totals = {name: sum(int(row._mapping[name]) for row in rows) for name in (*flags, *survey)}
    return {
        "counts": {name: totals[name] for name in flags},
        "channels": {row.channel: int(row._mapping["all"]) for row in rows},
        "survey": tuple(totals[name] for name in survey),
    }


@dataclass
class Scope:
    """One period and its thresholds; the shared counts are computed once, on first use."""

    period: Period
    limits: dict

    @cached_property
    def scan(self) -> dict:
        return _population_scan(self.period, _flags(self.period))

    @property
    def counts(self) -> dict[str, int]:
        return self.scan["counts"]

    @property
    def channels(self) -> dict[str, int]:
        return self.scan["channels"]

    @property
    def survey(self) -> tuple[int, int, int]:
        """Survey answers, of which satisfaction 4-5, and confidence 4-5."""
        return self.scan["survey"]


def _share_metric(
    key: str,
    item_id: str,
    labels: tuple[str, str],
    part: int,
    whole: int,
    minimum: float | None,
    *,
    maximum: float | None = None,
    empty: tuple[str, str],
    filters: Filters,
    details: dict | None = None,
) -> Metric:
    value = _ratio(part, whole)
    if minimum is not None:
        threshold, met = f"≥ {_pct(minimum)}", value is not None and value >= minimum
    elif maximum is not None:
        threshold, met = f"≤ {_pct(maximum)}", value is not None and value <= maximum
    else:
        threshold, met = "", None
    metric = Metric(
        key,
        item_id,
        *labels,
        value=None if value is None else round(value, 6),
        display=f"{_pct(value)} ({part:,}/{whole:,})",
        threshold=threshold,
        met=met,
        filters=filters,
        details={"part": part, "whole": whole, **(details or {})},
    )
    if met is False:
        if value is None:
            metric.why_not_th, metric.why_not_en = empty
        else:
            metric.why_not_th = f"ได้ {_pct(value)} ไม่ถึงเกณฑ์ {threshold}"
            metric.why_not_en = f"{_pct(value)} does not meet {threshold}"
    return metric


_NO_COMPLAINTS = ("ไม่มีข้อร้องเรียนในรอบนี้", "No complaints in this period")


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
        filters=_complaints(period),
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
    return _share_metric(
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
    complete = _count(
        *population(scope.period),
        Complaint.status.in_(FINISHED),
        _has_event(("received",)),
        _has_event(FINISHING_EVENTS),
    )
    counts = scope.counts
    return _share_metric(
        "handled_in_system",
        "3.4-A1",
        ("ดำเนินการครบในระบบพร้อมบันทึกลำดับเหตุการณ์ครบถ้วน", "Handled wholly in the system with a complete timeline"),
        complete,
        counts["finished"],
        scope.limits["min_handled_in_system"],
        empty=("ไม่มีข้อร้องเรียนที่ดำเนินการเสร็จในรอบนี้", "No finished complaints in this period"),
        filters=_complaints(scope.period, status="closed"),
    )


def auto_categorised(scope: Scope) -> Metric:
    return _share_metric(
        "auto_categorised",
        "3.4-A1",
        ("จัดหมวดหมู่อัตโนมัติด้วยแบบจำลองภาษาไทย", "Categorised automatically by the Thai-text model"),
        scope.counts["model"],
        scope.counts["all"],
        None,
        empty=_NO_COMPLAINTS,
        filters=_complaints(scope.period),
    )


def _next_working_day_deadlines(period: Period):
    """(end of a run of received days, their acknowledgement deadline), runs in order.

    Every complaint received on the same Bangkok day has the same deadline (the end
    of the next working day), and consecutive days often share it (Friday to Sunday),
    so a year is a few hundred runs: one CASE in SQL instead of a loop over complaints.
    """
    overrides = calendar_overrides()
    runs: list[tuple[datetime, datetime]] = []
    day = period.start.astimezone(BANGKOK)  # Bangkok midnight: received days are Bangkok days
    while day < period.end:
        deadline = add_working_days(day, 1, overrides)
        following = day + timedelta(days=1)
        if runs and runs[-1][1] == deadline:
            runs[-1] = (following, deadline)
        else:
            runs.append((following, deadline))
        day = following
    return runs


def _ack_deadline(period: Period):
    """The acknowledgement deadline of a complaint received in the period, as a SQL CASE
    that bisects the runs (about 8 comparisons a complaint instead of up to 250)."""
    moment = Complaint.__table__.c.acknowledged_at.type
    return bisecting_case(
        Complaint.__table__.c.received_at,
        [(literal(end, moment), literal(due, moment)) for end, due in _next_working_day_deadlines(period)],
        None,
    )


def acknowledged_within_a_working_day(scope: Scope) -> Metric:
    """Acknowledged by the end of the next working day (Thai government calendar)."""
    return _share_metric(
        "ack_within_1wd",
        "3.4-A2",
        ("ตอบรับภายใน 1 วันทำการ", "Acknowledged within 1 working day"),
        scope.counts["ack_in_time"],
        scope.counts["all"],
        scope.limits["min_ack_within_1wd"],
        empty=_NO_COMPLAINTS,
        filters=_complaints(scope.period),
    )


def median_acknowledgement(scope: Scope) -> Metric:
    period = scope.period
    acknowledged = (*population(period), Complaint.acknowledged_at.is_not(None))
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
        filters=_complaints(period),
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
    return _share_metric(
        "tracking_number_given",
        "3.4-A3",
        ("ผู้ร้องได้รับเลขที่เรื่องสำหรับติดตาม", "Complainant given a tracking number"),
        scope.counts["acknowledged"],
        scope.counts["all"],
        scope.limits["min_tracking_number_given"],
        empty=_NO_COMPLAINTS,
        filters=_complaints(scope.period),
    )


def tracking_lookups(scope: Scope) -> Metric:
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
        display=f"{total:,} ครั้ง / lookups",
        threshold=f"≥ {minimum}",
        met=total >= minimum,
        filters=TRACKING,
        details={"channels": by_channel},
    )
    if not metric.met:
        metric.why_not_th = f"มีการติดตามเรื่อง {total} ครั้ง น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{total} lookups, fewer than {minimum}"
    return metric


def overdue_share(scope: Scope) -> Metric:
    """Answered after the due date, or still unanswered past it (as of now or the period's end)."""
    return _share_metric(
        "overdue",
        "3.4-A3",
        ("เรื่องที่เกินกำหนดมาตรฐาน", "Past the service standard"),
        scope.counts["overdue"],
        scope.counts["handled"],
        None,
        maximum=scope.limits["max_overdue"],
        empty=_NO_COMPLAINTS,
        filters=_counted(scope.period, overdue="yes"),
    )


# --- 3.4 Significance -------------------------------------------------------------------------


def root_cause_recorded(scope: Scope) -> Metric:
    return _share_metric(
        "root_cause",
        "3.4-S1",
        ("เรื่องที่ปิดแล้วซึ่งบันทึกสาเหตุ", "Closed complaints with a root cause"),
        scope.counts["closed_with_cause"],
        scope.counts["closed"],
        scope.limits["min_root_cause"],
        empty=("ไม่มีเรื่องที่ปิดในรอบนี้", "No closed complaints in this period"),
        filters=_complaints(scope.period, status="closed"),
    )


def repeat_rate_falling(scope: Scope) -> Metric:
    period = scope.period
    part, whole = scope.counts["repeats"], scope.counts["all"]
    # The previous period needs two counts, not the whole population scan.
    before_whole, before_part = db.session.execute(
        select(func.count(), func.count(Complaint.repeat_of_id)).where(*population(period.previous()))
    ).one()
    now, before = _ratio(part, whole), _ratio(before_part, before_whole)
    met = now is not None and before is not None and (now < before or now == 0)
    metric = Metric(
        "repeat_rate",
        "3.4-S1",
        "อัตราการร้องเรียนซ้ำ เทียบกับรอบก่อน",
        "Repeat-complaint rate against the previous period",
        None if now is None else round(now, 6),
        display=f"{_pct(now)} (รอบก่อน / before {_pct(before)})",
        threshold="ลดลง / falling",
        met=met,
        filters=_complaints(period),
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
            metric.why_not_th, metric.why_not_en = _NO_COMPLAINTS
        elif before is None:
            metric.why_not_th = f"ไม่มีข้อมูลรอบก่อน ({period.previous().code}) ให้เปรียบเทียบ"
            metric.why_not_en = f"No data for the previous period ({period.previous().code}) to compare with"
        else:
            metric.why_not_th = f"อัตราร้องเรียนซ้ำ {_pct(now)} ไม่ลดลงจาก {_pct(before)}"
            metric.why_not_en = f"Repeat rate {_pct(now)} did not fall from {_pct(before)}"
    return metric


def corrective_actions_on_top_clusters(scope: Scope) -> Metric:
    """The recurring clusters with most complaints in the period, and whether each has a corrective action."""
    period, limits = scope.period, scope.limits
    top_n = limits["top_clusters"]
    # One complaint is not a recurrence; such clusters rank last, so dropping them after
    # the limit leaves the same clusters.
    top = [c for c in top_clusters(period.first_day, period.last_day, limit=top_n) if c.in_period > 1]
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
    return _share_metric(
        "corrective_actions",
        "3.4-S1",
        ("เรื่องร้องเรียนซ้ำที่พบบ่อยซึ่งมีมาตรการแก้ไข", "Top recurring clusters with a corrective action"),
        len(with_action),
        len(top),
        1.0,
        empty=("ไม่พบกลุ่มเรื่องร้องเรียนซ้ำในรอบนี้", "No recurring clusters in this period"),
        filters=_complaints(period),
        details={"clusters": clusters, "top_n": top_n},
    )


def satisfaction(scope: Scope) -> Metric:
    answers, satisfied, _ = scope.survey
    return _share_metric(
        "satisfied",
        "3.4-S2",
        ("ความพึงพอใจต่อการจัดการเรื่อง (ให้คะแนน 4–5)", "Satisfied with the handling (score 4-5)"),
        satisfied,
        answers,
        scope.limits["min_satisfied"],
        empty=("ไม่มีผลการประเมินความพึงพอใจในรอบนี้", "No survey answers in this period"),
        filters=_counted(scope.period, merged="no", satisfied="yes"),
    )


def confidence(scope: Scope) -> Metric:
    answers, _, confident = scope.survey
    return _share_metric(
        "confident",
        "3.4-S2",
        ("ความเชื่อมั่นต่อระบบจัดการข้อร้องเรียน (ให้คะแนน 4–5)", "Confidence in the complaint system (score 4-5)"),
        confident,
        answers,
        None,
        empty=("", ""),
        filters=_counted(scope.period, merged="no", confident="yes"),
    )


def survey_response_rate(scope: Scope) -> Metric:
    return _share_metric(
        "survey_response_rate",
        "3.4-S2",
        ("อัตราการตอบแบบประเมิน", "Survey response rate"),
        scope.survey[0],
        scope.counts["rateable"],
        None,
        empty=("", ""),
        filters=_counted(scope.period, merged="no", survey="responded"),
    )


def reopen_rate(scope: Scope) -> Metric:
    return _share_metric(
        "reopened",
        "3.4-S2",
        ("เรื่องที่ถูกเปิดใหม่หลังแจ้งผล", "Reopened after the answer"),
        scope.counts["reopened"],
        scope.counts["answered"],
        None,
        maximum=scope.limits["max_reopened"],
        empty=("ไม่มีเรื่องที่แจ้งผลแล้วในรอบนี้", "No answered complaints in this period"),
        filters=_counted(scope.period, reopened="yes"),
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


def criterion_34(period: Period, limits: dict | None = None) -> dict:
    """Every 3.4 metric, and each item's status: met when all its deciding metrics are met."""
    scope = Scope(period, limits or thresholds())
    metrics = [metric(scope) for metric in METRICS]
    if not scope.counts["all"]:
        # No complaints, nothing handled: what the agency has set up (standards, categories)
        # is no evidence of handling complaints in a period without any.
        for metric in metrics:
            if metric.met:
                metric.met = False
                metric.why_not_th, metric.why_not_en = _NO_COMPLAINTS
    items: dict[str, dict] = {}
    for metric in metrics:
        entry = items.setdefault(metric.item_id, {"metrics": [], "met": True})
        entry["metrics"].append(metric.as_dict())
        if metric.met is not None:
            entry["met"] = entry["met"] and metric.met
    return {"period": period.code, "thresholds": scope.limits, "items": items}


# --- Data for 3.1-3.3 -------------------------------------------------------------------------


def _all_received(period: Period):
    """Every kind of submission in the period anyone may know of (suggestions are needs data;
    tip-offs left out), duplicates once."""
    return (
        Complaint.received_at >= period.start,
        Complaint.received_at < period.end,
        Complaint.status != "merged",
        public_complaints(),
    )


def prefill(period: Period) -> dict[str, dict]:
    """Facts from Rongrian's data for items of 3.1-3.3, and a suggested text for their fields.

    The status of these items stays with the people who answer the form: data
    helps them explain, it does not tick boxes.
    """
    where = _all_received(period)
    channels = db.session.execute(
        select(Complaint.channel, func.count(Complaint.id))
        .where(*where)
        .group_by(Complaint.channel)
        .order_by(func.count(Complaint.id).desc())
    ).all()
    kinds = dict(
        db.session.execute(
            select(Complaint.kind, func.count(Complaint.id)).where(*where).group_by(Complaint.kind)
        ).all()
    )
    # Breakdowns by category and district leave tip-offs out (what anyone may know of,
    # analytics.api.public_complaints()): a tip-off's category or place in a small count
    # would point at it. Totals by channel and kind stay aggregate counts.
    open_data = (*where, public_complaints())
    categories = db.session.execute(
        select(Category.name_th, func.count(Complaint.id))
        .join(Category, Category.id == Complaint.category_id)
        .where(*open_data)
        .group_by(Category.name_th)
        .order_by(func.count(Complaint.id).desc())
        .limit(5)
    ).all()
    districts = db.session.execute(
        select(Complaint.district, func.count(Complaint.id))
        .where(*open_data, Complaint.district.is_not(None))
        .group_by(Complaint.district)
        .order_by(func.count(Complaint.id).desc())
        .limit(5)
    ).all()
    survey = db.session.execute(
        select(
            func.count(SurveyResponse.id), func.avg(SurveyResponse.satisfaction), func.avg(SurveyResponse.confidence)
        )
        .join(Complaint, Complaint.id == SurveyResponse.complaint_id)
        .where(*where)
    ).one()
    auto = _count(*where, Complaint.category_source == "model")
    total = sum(n for _, n in channels)
    channel_text = ", ".join(f"{CHANNEL_LABELS.get(c, (c,))[0]} {n:,}" for c, n in channels)
    kind_text = ", ".join(f"{KIND_LABELS.get(k, (k,))[0]} {n:,}" for k, n in kinds.items())
    category_text = ", ".join(f"{name} {n:,}" for name, n in categories)
    district_text = ", ".join(f"{name} {n:,}" for name, n in districts)
    answers = int(survey[0] or 0)
    facts: dict[str, dict] = {}
    if total:
        facts["3.1-B1"] = {
            "facts": [
                f"รับเรื่อง {total:,} เรื่อง ผ่านช่องทาง: {channel_text}",
                f"ข้อเสนอแนะจากประชาชน {kinds.get('suggestion', 0):,} เรื่อง",
            ],
            "fields": {"3.1-B1-f1": f"รับเรื่องร้องเรียนและข้อเสนอแนะผ่านระบบร้องเรียน {len(channels)} ช่องทาง ({channel_text})"},
        }
        facts["3.1-B2"] = {"facts": [f"ประเภทเรื่อง: {kind_text}", f"หมวดหมู่ที่พบมาก: {category_text or '—'}"]}
        facts["3.1-A1"] = {
            "facts": [f"จัดหมวดหมู่อัตโนมัติด้วยแบบจำลองภาษาไทย {auto:,} จาก {total:,} เรื่อง"],
            "fields": {"3.1-A1-f1": "ระบบรับเรื่องร้องเรียนออนไลน์ (Rongrian) หลายช่องทาง พร้อมการจัดหมวดหมู่ข้อความภาษาไทยอัตโนมัติ"},
        }
        facts["3.3-B2"] = {"facts": [f"ช่องทางที่ประชาชนใช้: {channel_text}"]}
        facts["3.3-A1"] = {"facts": [f"กลุ่มผู้รับบริการตามประเภทเรื่อง: {kind_text}", f"พื้นที่ที่มีเรื่องมาก: {district_text or '—'}"]}
    if answers:
        facts["3.2-B1"] = {"facts": [f"ผลประเมินความพึงพอใจ {answers:,} ราย คะแนนเฉลี่ย {float(survey[1]):.2f} จาก 5"]}
        facts["3.2-B2"] = {"facts": [f"ความเชื่อมั่นต่อระบบ {answers:,} ราย คะแนนเฉลี่ย {float(survey[2]):.2f} จาก 5"]}
    return facts
