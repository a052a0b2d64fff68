"""The manager dashboard's figures: rows with a count, a share and a drill-down each.

Every figure counts a dimension over a scope (`one_pass.grouped`); `dashboard` builds
them all within one pass over the scope, `figure` one of them (a table's export).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.sql.expression import ColumnElement

from complaints.domain.errors import BilingualError
from complaints.domain.periods import add_months, bangkok_midnight
from complaints.domain.thai_calendar import THAI_MONTHS_ABBR, be_year
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import Category, Complaint, RootCause, SurveyResponse, Unit
from complaints.services.analytics import clusters
from complaints.services.analytics.metrics.dimensions import (
    ACK_BUCKETS,
    AGE_BUCKETS,
    BACKLOG_STATUSES,
    NONE,
    RESOLUTION_BUCKETS,
    quarter_key,
    quarters_of,
    ranges,
    week_bounds,
)
from complaints.services.analytics.metrics.one_pass import QUARTER, TOTAL, from_one_pass, grouped, one_pass
from complaints.services.analytics.metrics.scope import Scope

__all__ = [
    "FIGURES",
    "SCORES",
    "Figure",
    "Row",
    "acknowledgement_times",
    "backlog_by_age",
    "by_category",
    "by_channel",
    "by_district",
    "by_kind",
    "by_root_cause",
    "by_unit",
    "confidence",
    "dashboard",
    "figure",
    "month_counts",
    "on_time_resolution",
    "reopen_rate",
    "repeat_rate",
    "repeat_rate_by_quarter",
    "satisfaction",
    "survey_response",
    "top_clusters",
    "total_received",
    "volume_by_month",
    "volume_by_week",
]


@dataclass
class Row:
    key: str
    label_th: str
    label_en: str
    count: int
    drill: dict[str, str]
    share: float | None = None  # of the figure's total, 0-1
    extra: dict = field(default_factory=dict)


@dataclass
class Figure:
    key: str
    title_th: str
    title_en: str
    rows: list[Row]
    axis_th: str = "จำนวนเรื่อง"
    axis_en: str = "Complaints"
    chart: str = "bars"  # bars (horizontal), columns (time series), kpi (table only)
    kpis: dict[str, float | int | None] = field(default_factory=dict)
    beyond: int = 0  # complaints of the rows left out of a ranked figure (the total counts them)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows) + self.beyond


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figure(key: str, title: tuple[str, str], rows: list[Row], **kw) -> Figure:
    figure = Figure(key, title[0], title[1], rows, **kw)
    total = figure.total
    for row in rows:
        row.share = _rate(row.count, total)
    return figure


def _fixed_rows(dimension: str, counts: dict[str, int], buckets, extra: dict | None = None) -> list[Row]:
    return [Row(key, th, en, counts.get(key, 0), {dimension: key, **(extra or {})}) for key, *_, th, en in buckets]


def _labelled_rows(dimension: str, counts: dict[str, int], labels: dict[str, tuple[str, str]]) -> list[Row]:
    rows = [Row(key, *labels.get(key, (key, key)), n, {dimension: key}) for key, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.count, r.label_th))


_MISSING = ("ไม่ระบุ", "Not given")


def _names(model, ids) -> dict[str, tuple[str, str]]:
    wanted = [int(i) for i in ids if i != NONE]
    found = (
        {str(r.id): (r.name_th, r.name_en) for r in db.session.scalars(select(model).where(model.id.in_(wanted)))}
        if wanted
        else {}
    )
    return {NONE: _MISSING, **found}


def volume_by_month(scope: Scope) -> Figure:
    counts = grouped(scope, "month")
    rows = []
    for month in scope.period.months():
        key = f"{month:%Y-%m}"
        rows.append(
            Row(
                key,
                f"{THAI_MONTHS_ABBR[month.month - 1]} {str(be_year(month))[2:]}",
                f"{month:%b} {be_year(month)}",
                counts.get(key, 0),
                {"month": key},
            )
        )
    return _figure("by_month", ("จำนวนเรื่องรายเดือน", "Complaints by month"), rows, chart="columns")


def volume_by_week(scope: Scope) -> Figure:
    counts = grouped(scope, "week")
    rows = []
    for key, _ in week_bounds(scope.period):
        day = date.fromisoformat(key)
        rows.append(
            Row(key, f"{day.day} {THAI_MONTHS_ABBR[day.month - 1]}", f"{day:%d %b}", counts.get(key, 0), {"week": key})
        )
    return _figure(
        "by_week", ("จำนวนเรื่องรายสัปดาห์ (เริ่มวันจันทร์)", "Complaints by week (from Monday)"), rows, chart="columns"
    )


def by_category(scope: Scope) -> Figure:
    counts = grouped(scope, "category")
    return _figure(
        "by_category", ("จำแนกตามหมวดหมู่", "By category"), _labelled_rows("category", counts, _names(Category, counts))
    )


def by_kind(scope: Scope) -> Figure:
    counts = grouped(scope, "kind")
    return _figure("by_kind", ("จำแนกตามประเภทเรื่อง", "By kind"), _labelled_rows("kind", counts, KIND_LABELS))


def by_channel(scope: Scope) -> Figure:
    counts = grouped(scope, "channel")
    return _figure("by_channel", ("จำแนกตามช่องทาง", "By channel"), _labelled_rows("channel", counts, CHANNEL_LABELS))


def by_unit(scope: Scope) -> Figure:
    counts = grouped(scope, "handling_unit")
    return _figure(
        "by_unit",
        ("จำแนกตามหน่วยงานที่รับผิดชอบ", "By handling unit"),
        _labelled_rows("handling_unit", counts, _names(Unit, counts)),
    )


def by_district(scope: Scope, limit: int = 15) -> Figure:
    counts = grouped(scope, "district")
    rows = _labelled_rows("district", counts, {NONE: _MISSING, **{k: (k, k) for k in counts if k != NONE}})
    figure = _figure("by_district", ("จำแนกตามเขต/อำเภอ (เรียงตามจำนวน)", "By district (ranked)"), rows)
    figure.kpis["districts"] = len([r for r in rows if r.key != NONE])
    if limit:
        figure.rows, figure.beyond = rows[:limit], sum(r.count for r in rows[limit:])
    return figure


def by_root_cause(scope: Scope) -> Figure:
    counts = grouped(scope, "root_cause", Complaint.root_cause_id.is_not(None))
    counts.pop(NONE, None)  # complaints without a recorded cause are not a bar
    return _figure(
        "by_root_cause",
        ("สาเหตุของปัญหา (บันทึกเมื่อแล้วเสร็จ)", "Root causes (recorded at resolution)"),
        _labelled_rows("root_cause", counts, _names(RootCause, counts)),
    )


def acknowledgement_times(scope: Scope) -> Figure:
    counts = grouped(scope, "ack")
    figure = _figure("ack_time", ("ระยะเวลาตอบรับเรื่อง", "Time to acknowledge"), _fixed_rows("ack", counts, ACK_BUCKETS))
    done = figure.total - counts.get("pending", 0)
    figure.kpis = {
        "acknowledged": done,
        "within_1_minute": counts.get("le_1m", 0),
        "within_1_minute_rate": _rate(counts.get("le_1m", 0), done),
    }
    return figure


def on_time_resolution(scope: Scope) -> Figure:
    counts = grouped(scope, "resolution")
    figure = _figure(
        "resolution",
        ("การแก้ไขตามมาตรฐานการให้บริการ", "Resolution against the service standard"),
        _fixed_rows("resolution", counts, RESOLUTION_BUCKETS),
    )
    on_time, late, overdue = (counts.get(k, 0) for k in ("on_time", "late", "open_overdue"))
    figure.kpis = {
        "finished": on_time + late,
        "on_time": on_time,
        "on_time_rate": _rate(on_time, on_time + late),
        "on_time_rate_incl_overdue": _rate(on_time, on_time + late + overdue),
    }
    return figure


def backlog_by_age(scope: Scope) -> Figure:
    counts = grouped(scope, "age", Complaint.status.in_(BACKLOG_STATUSES))  # "not_open" is not a bar
    return _figure(
        "backlog", ("เรื่องค้างดำเนินการ จำแนกตามอายุเรื่อง", "Open backlog by age"), _fixed_rows("age", counts, AGE_BUCKETS)
    )


def _yes_no_figure(
    scope: Scope, dimension: str, key: str, title: tuple[str, str], yes: tuple[str, str], no: tuple[str, str]
) -> Figure:
    counts = grouped(scope, dimension)
    rows = [
        Row("yes", *yes, counts.get("yes", 0), {dimension: "yes"}),
        Row("no", *no, counts.get("no", 0), {dimension: "no"}),
    ]
    figure = _figure(key, title, rows)
    figure.kpis = {"rate": _rate(rows[0].count, figure.total)}
    return figure


def reopen_rate(scope: Scope) -> Figure:
    """Of the complaints answered (dimensions.reopen_state), those reopened, whatever their status now."""
    return _yes_no_figure(
        scope,
        "reopened",
        "reopen",
        ("อัตราการเปิดเรื่องซ้ำ (เรื่องที่แจ้งผลแล้ว)", "Reopen rate (answered cases)"),
        ("ถูกเปิดเรื่องอีกครั้ง", "Reopened"),
        ("ไม่ถูกเปิดอีก", "Not reopened"),
    )


def repeat_rate(scope: Scope) -> Figure:
    return _yes_no_figure(
        scope,
        "repeat",
        "repeat",
        ("อัตราเรื่องร้องเรียนซ้ำ", "Repeat-complaint rate"),
        ("เป็นเรื่องซ้ำ", "Repeat"),
        ("เรื่องใหม่", "New issue"),
    )


def repeat_rate_by_quarter(scope: Scope) -> Figure:
    """Repeats per quarter of the period, with the quarter before it for the first change."""
    quarters = quarters_of(scope)
    counted = from_one_pass(scope)
    found: dict[str, tuple[int, int]]
    if counted is not None:
        found = counted[QUARTER]
    else:
        key = quarter_key(scope).label("bucket")
        statement = (
            select(key, func.count(), func.count(Complaint.repeat_of_id))
            .select_from(Complaint)
            .where(*scope.conditions(start=quarters[0].start))
            .group_by(key)
        )
        found = {q: (total, repeats) for q, total, repeats in db.session.execute(statement)}
    rows: list[Row] = []
    before: float | None = None
    for quarter in quarters:
        total, repeats = found.get(quarter.code, (0, 0))
        rate = _rate(repeats, total)
        change = round(rate - before, 4) if rate is not None and before is not None else None
        rows.append(
            Row(
                quarter.code,
                f"ไตรมาส {quarter.quarter}/{quarter.fiscal_year}",
                f"Q{quarter.quarter} FY{quarter.fiscal_year}",
                repeats,
                {"period": quarter.code, "repeat": "yes"},
                extra={"complaints": total, "rate": rate, "change": change},
            )
        )
        before = rate
    figure = Figure(
        "repeat_quarters",
        "อัตราเรื่องซ้ำรายไตรมาส และการเปลี่ยนแปลง",
        "Repeat rate by quarter, and its change",
        rows,
        axis_th="เรื่องซ้ำ",
        axis_en="Repeats",
        chart="columns",
    )
    for row in rows:
        row.share = row.extra["rate"]
    return figure


def top_clusters(scope: Scope, limit: int = 10) -> Figure:
    """The top recurring clusters; each bar counts the scope's complaints in the cluster."""
    ranked = clusters.top_clusters(
        scope.period.first_day,
        scope.period.last_day,
        sorted(scope.unit_ids) if scope.unit_ids is not None else None,
        limit,
    )
    ids = [c.id for c in ranked]
    counts = grouped(scope, "cluster", Complaint.cluster_id.in_(ids)) if ids else {}
    rows = [Row(str(c.id), c.label_th, c.label_th, counts.get(str(c.id), 0), {"cluster": str(c.id)}) for c in ranked]
    rows.sort(key=lambda r: -r.count)
    return _figure("clusters", ("ปัญหาที่เกิดซ้ำบ่อยที่สุด", "Top recurring problems"), rows)


SCORES = [(str(n), f"{n} คะแนน", f"{n} points") for n in (5, 4, 3, 2, 1)]


def _score_figure(scope: Scope, dimension: str, key: str, title: tuple[str, str]) -> Figure:
    counts = grouped(scope, dimension, SurveyResponse.id.is_not(None))
    counts.pop(NONE, None)  # no survey answer
    rows = [Row(k, th, en, counts.get(k, 0), {dimension: k}) for k, th, en in SCORES]
    figure = _figure(key, title, rows, axis_th="จำนวนผู้ตอบ", axis_en="Responses")
    high = sum(counts.get(k, 0) for k in ("4", "5"))
    mean = sum(int(k) * n for k, n in counts.items()) / figure.total if figure.total else None
    figure.kpis = {
        "responses": figure.total,
        "high": high,
        "high_rate": _rate(high, figure.total),
        "mean": round(mean, 2) if mean is not None else None,
    }
    return figure


def satisfaction(scope: Scope) -> Figure:
    return _score_figure(scope, "satisfaction", "satisfaction", ("ความพึงพอใจต่อการแก้ไข", "Satisfaction"))


def confidence(scope: Scope) -> Figure:
    return _score_figure(scope, "confidence", "confidence", ("ความเชื่อมั่นต่อระบบรับเรื่อง", "Confidence"))


def survey_response(scope: Scope) -> Figure:
    counts = grouped(scope, "survey")
    rows = [
        Row("responded", "ตอบแบบประเมิน", "Responded", counts.get("responded", 0), {"survey": "responded"}),
        Row("not_responded", "ยังไม่ตอบ", "Not responded", counts.get("not_responded", 0), {"survey": "not_responded"}),
    ]
    figure = _figure(
        "survey_response", ("อัตราการตอบแบบประเมิน (เรื่องที่แล้วเสร็จ)", "Survey response rate (finished cases)"), rows
    )
    figure.kpis = {"rate": _rate(rows[0].count, figure.total)}
    return figure


FIGURES: dict[str, Callable[[Scope], Figure]] = {
    "by_month": volume_by_month,
    "by_week": volume_by_week,
    "by_category": by_category,
    "by_kind": by_kind,
    "by_channel": by_channel,
    "by_unit": by_unit,
    "by_district": by_district,
    "ack_time": acknowledgement_times,
    "resolution": on_time_resolution,
    "backlog": backlog_by_age,
    "reopen": reopen_rate,
    "repeat": repeat_rate,
    "repeat_quarters": repeat_rate_by_quarter,
    "clusters": top_clusters,
    "by_root_cause": by_root_cause,
    "satisfaction": satisfaction,
    "confidence": confidence,
    "survey_response": survey_response,
}


def total_received(scope: Scope) -> int:
    found = from_one_pass(scope)
    if found is not None:
        return found[TOTAL][""]
    return db.session.scalar(select(func.count()).select_from(Complaint).where(*scope.conditions())) or 0


def dashboard(scope: Scope) -> dict[str, Figure]:
    """Every figure of the manager dashboard, by key (one scan on PostgreSQL)."""
    with one_pass(scope):
        return {key: build(scope) for key, build in FIGURES.items()}


def figure(scope: Scope, key: str) -> Figure:
    build = FIGURES.get(key)
    if build is None:
        raise BilingualError(404, "not-found", "ไม่พบตารางนี้", "No such table.")
    return build(scope)


def month_counts(where: ColumnElement, first_month: date, months: int) -> list[tuple[date, int]]:
    """Complaints matching `where` per Bangkok calendar month, from first_month on."""
    starts = [add_months(first_month, i) for i in range(months)]
    bounds = [(f"{m:%Y-%m}", bangkok_midnight(m)) for m in starts]
    end = bangkok_midnight(add_months(first_month, months))
    key = ranges(bounds, end).label("bucket")
    statement = (
        select(key, func.count())
        .select_from(Complaint)
        .where(where, Complaint.received_at >= bounds[0][1], Complaint.received_at < end)
        .group_by(key)
    )
    found = dict(db.session.execute(statement).all())
    return [(m, found.get(f"{m:%Y-%m}", 0)) for m in starts]
