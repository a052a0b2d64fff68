"""Criterion 3.1 (knowing the needs of service users): each metric a function of the Scope.

The population here is every kind of submission (complaints, suggestions, compliments:
`common.all_received`, tip-offs left out), because suggestions and compliments are needs
data too. The trend and forecast (3.1-S2) are plain arithmetic on monthly counts, kept in
pure functions (`growth`, `seasonal_forecast`, `emerging`) so they can be checked by hand:

- months observed end with the period's end, or for a period still running with the start
  of the current month (a part month is never counted as a whole one);
- growth = submissions in the last 12 months observed ÷ those in the 12 months before;
- the forecast of a month = its count in the same month a year before × growth
  (seasonal-naive), for the months that follow the months observed (for an ended
  period, exactly the next period of the same length); one growth for every category;
- a category is emerging when its last 3 months observed hold at least 50% more than the
  same 3 months a year before, and at least `needs_emerging_min_increase` more (a new
  category, none a year before, is emerging once it reaches that increase).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import and_, case, func, literal, select

from assessment.evidence.common import (
    Metric,
    Scope,
    Units,
    ack_deadline,
    all_received,
    figures,
    pct,
    ratio,
    share_metric,
    table,
)
from complaints.domain.periods import Period, add_months, bangkok_midnight
from complaints.domain.thai_calendar import THAI_MONTHS_ABBR, be_year, to_bangkok
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.models import (
    ActionStatus,
    Category,
    Channel,
    Complaint,
    CorrectiveAction,
    Kind,
    Status,
    SurveyResponse,
    utcnow,
)
from complaints.services.analytics.api import bisecting_case, public_complaints

# Walk-in, phone and letter are taken down by an officer; every other channel arrives as data.
IN_PERSON_CHANNELS = frozenset({Channel.PHONE, Channel.COUNTER, Channel.LETTER})
DIGITAL_CHANNELS = frozenset(c.value for c in Channel) - IN_PERSON_CHANNELS
NO_SUBMISSIONS = ("ไม่มีเรื่องที่รับในรอบนี้", "Nothing received in this period")
UNCATEGORISED = ("ไม่ระบุหมวดหมู่", "No category")
LOW_SCORE = 2  # satisfaction of 1 or 2 out of 5
TREND_CATEGORIES = 8
K = TypeVar("K", bound=Hashable)
ACTION_STATUS: dict[str, str] = {
    ActionStatus.PLANNED: "วางแผน / planned",
    ActionStatus.IN_PROGRESS: "กำลังดำเนินการ / in progress",
    ActionStatus.DONE: "เสร็จแล้ว / done",
}  # the categories shown month by month; the rest are summed as "other"


def month_label(month: date) -> tuple[str, str]:
    return f"{THAI_MONTHS_ABBR[month.month - 1]} {be_year(month) % 100:02d}", f"{month:%b %Y}"


SCAN_SUMS = (
    "n",
    "answered",
    "rateable",
    "rated",
    "ack_in_time",
    "model",
    "answers",
    "satisfied",
    "low",
    "score_sum",
    "confidence_sum",
)


@dataclass(frozen=True)
class Group:
    """The period's submissions sharing a channel, kind, category, unit and district, and their sums."""

    channel: str
    kind: str
    category_id: int | None
    unit_id: int | None
    district: str | None
    sums: dict[str, int]


def submissions_scan(scope: Scope) -> list[Group]:
    """One scan of the period's submissions (every kind, survey answers joined) grouped by
    channel, kind, category, unit and district: what most 3.1-3.3 metrics sum (computed once
    per scope). `answered`: Status.ANSWERED; `rateable`: Status.RATEABLE, `rated` those with
    an answer; `ack_in_time`: acknowledged by the end of the next working day; `model`:
    categorised by the model; survey `answers`, `satisfied` (4-5), `low` (1-2), and the sums
    of the scores (`score_sum`, `confidence_sum`) for the means."""
    cached = scope.__dict__.get("_needs_scan")
    if cached is not None:
        return cached
    rateable = Complaint.status.in_(Status.RATEABLE)
    in_time = and_(Complaint.acknowledged_at.is_not(None), Complaint.acknowledged_at <= ack_deadline(scope.period))
    conditions = {
        "answered": Complaint.status.in_(Status.ANSWERED),
        "rateable": rateable,
        "rated": and_(rateable, SurveyResponse.id.is_not(None)),
        "ack_in_time": in_time,
        "model": Complaint.category_source == "model",
        "answers": SurveyResponse.id.is_not(None),
        "satisfied": SurveyResponse.satisfaction >= 4,
        "low": SurveyResponse.satisfaction <= LOW_SCORE,
    }
    sums = {
        "n": func.count(Complaint.id),
        **{name: func.sum(case((condition, 1), else_=0)) for name, condition in conditions.items()},
        "score_sum": func.coalesce(func.sum(SurveyResponse.satisfaction), 0),
        "confidence_sum": func.coalesce(func.sum(SurveyResponse.confidence), 0),
    }
    dims = (Complaint.channel, Complaint.kind, Complaint.category_id, Complaint.unit_id, Complaint.district)
    rows = db.session.execute(
        select(*dims, *[sums[name] for name in SCAN_SUMS])
        .outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*all_received(scope.period, scope.units))
        .group_by(*dims)
    ).all()
    groups = [
        Group(r[0], r[1], r[2], r[3], r[4], dict(zip(SCAN_SUMS, (int(v or 0) for v in r[5:]), strict=True)))
        for r in rows
    ]
    scope.__dict__["_needs_scan"] = groups
    return groups


def received_before(moment: datetime, units: Units = None) -> tuple:
    """What `all_received` counts, received before `moment` rather than in a period."""
    where = (Complaint.received_at < moment, Complaint.status != Status.MERGED, public_complaints())
    return where if units is None else (*where, Complaint.unit_id.in_(units))


def sum_by(groups: list[Group], key: Callable[[Group], Hashable]) -> dict:
    """{key: {sum name: total}} over the groups."""
    found: dict = {}
    for group in groups:
        totals = found.setdefault(key(group), dict.fromkeys(SCAN_SUMS, 0))
        for name, value in group.sums.items():
            totals[name] += value
    return found


def category_names() -> dict[int, tuple[str, str]]:
    rows = db.session.execute(select(Category.id, Category.name_th, Category.name_en))
    return {cid: (th, en) for cid, th, en in rows}


def _by_channel_and_kind(scope: Scope) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for (channel, kind), sums in sum_by(submissions_scan(scope), lambda g: (g.channel, g.kind)).items():
        found[channel][kind] = sums["n"]
    return found


# --- 3.1 Basic --------------------------------------------------------------------------------


def needs_register(scope: Scope) -> Metric:
    """Everything received in the period, by channel and kind (suggestions included)."""
    found = _by_channel_and_kind(scope)
    kinds = [k.value for k in Kind if k != Kind.TIP_OFF]
    total = sum(sum(row.values()) for row in found.values())
    order = sorted(found, key=lambda c: (-sum(found[c].values()), c))
    rows = [
        (
            *CHANNEL_LABELS.get(channel, (channel, channel)),
            {**{k: f"{found[channel].get(k, 0):,}" for k in kinds}, "total": f"{sum(found[channel].values()):,}"},
        )
        for channel in order
    ]
    metric = Metric(
        "needs_register",
        "3.1-B1",
        "ทะเบียนความต้องการจากทุกช่องทาง (ร้องเรียน ข้อเสนอแนะ ชมเชย)",
        "Needs register from every channel (complaints, suggestions, compliments)",
        total,
        display=f"{total:,} เรื่อง / items · {len(order)} ช่องทาง / channels",
        threshold="≥ 1",
        met=total >= 1,
        filters=figures(scope.period),
        details={
            "channels": {c: found[c] for c in order},
            "table": table(
                [(k, *KIND_LABELS[k]) for k in kinds] + [("total", "รวม", "Total")],
                rows,
            ),
        },
    )
    if not total:
        metric.why_not_th, metric.why_not_en = NO_SUBMISSIONS
    return metric


def suggestions_received(scope: Scope) -> Metric:
    found = _by_channel_and_kind(scope)
    suggestions = sum(row.get(Kind.SUGGESTION, 0) for row in found.values())
    minimum = scope.limits["needs_min_suggestions"]
    metric = Metric(
        "suggestions_received",
        "3.1-B1",
        "ข้อเสนอแนะจากประชาชน",
        "Suggestions from the public",
        suggestions,
        display=f"{suggestions:,} เรื่อง / items",
        threshold=f"≥ {minimum}",
        met=suggestions >= minimum,
        filters=figures(scope.period, kind=Kind.SUGGESTION),
    )
    if not metric.met:
        metric.why_not_th = f"ได้รับข้อเสนอแนะ {suggestions:,} เรื่อง น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{suggestions:,} suggestions, fewer than {minimum}"
    return metric


def needs_categorised(scope: Scope) -> Metric:
    """Analysed: each submission carries a category; the table is the categories by count."""
    names = category_names()
    by_category = {c: sums["n"] for c, sums in sum_by(submissions_scan(scope), lambda g: g.category_id).items()}
    rows = sorted(by_category.items(), key=lambda r: (-r[1], names.get(r[0], UNCATEGORISED)[0] if r[0] else ""))
    total = sum(by_category.values())
    with_category = sum(n for c, n in by_category.items() if c is not None)
    return share_metric(
        "needs_categorised",
        "3.1-B2",
        ("เรื่องที่จัดหมวดหมู่เพื่อวิเคราะห์", "Items categorised for analysis"),
        with_category,
        total,
        scope.limits["needs_min_categorised"],
        empty=NO_SUBMISSIONS,
        filters=figures(scope.period),
        details={
            "table": table(
                [("count", "จำนวน", "Count"), ("share", "สัดส่วน", "Share")],
                [
                    (
                        *(names.get(c, UNCATEGORISED) if c is not None else UNCATEGORISED),
                        {"count": f"{n:,}", "share": pct(ratio(n, total))},
                    )
                    for c, n in rows
                ],
            )
        },
    )


def needs_answered(scope: Scope) -> Metric:
    """Responded to: submissions of the period the agency has answered (resolved, closed, its
    reason for not acting, or forwarded to whoever acts on it); the table by kind."""
    by_kind = sum_by(submissions_scan(scope), lambda g: g.kind)
    total = sum(sums["n"] for sums in by_kind.values())
    answered = sum(sums["answered"] for sums in by_kind.values())
    return share_metric(
        "needs_answered",
        "3.1-B3",
        ("เรื่องที่ได้รับการตอบสนองแล้ว", "Items answered"),
        answered,
        total,
        scope.limits["needs_min_answered"],
        empty=NO_SUBMISSIONS,
        filters=figures(scope.period),
        details={
            "table": table(
                [("count", "จำนวน", "Received"), ("answered", "ตอบสนองแล้ว", "Answered")],
                [
                    (
                        *KIND_LABELS.get(kind, (kind, kind)),
                        {"count": f"{sums['n']:,}", "answered": f"{sums['answered']:,}"},
                    )
                    for kind, sums in sorted(by_kind.items(), key=lambda r: -r[1]["n"])
                ],
            )
        },
    )


# --- 3.1 Advance ------------------------------------------------------------------------------


def captured_digitally(scope: Scope) -> Metric:
    """Needs that arrived as data (web, app, LINE, email, SMS, Open311) rather than taken down
    by an officer from a walk-in, a phone call or a letter."""
    found = _by_channel_and_kind(scope)
    volume = {channel: sum(row.values()) for channel, row in found.items()}
    total = sum(volume.values())
    digital = sum(n for channel, n in volume.items() if channel in DIGITAL_CHANNELS)
    rows = [
        (
            *CHANNEL_LABELS.get(channel, (channel, channel)),
            {
                "digital": "ดิจิทัล / digital" if channel in DIGITAL_CHANNELS else "เจ้าหน้าที่บันทึก / taken down",
                "count": f"{n:,}",
                "share": pct(ratio(n, total)),
            },
        )
        for channel, n in sorted(volume.items(), key=lambda r: (-r[1], r[0]))
    ]
    return share_metric(
        "captured_digitally",
        "3.1-A1",
        ("ความต้องการที่รับเป็นข้อมูลดิจิทัล", "Needs captured digitally"),
        digital,
        total,
        scope.limits["needs_min_digital"],
        empty=NO_SUBMISSIONS,
        filters=figures(scope.period),
        details={
            "digital_channels": sorted(DIGITAL_CHANNELS),
            "table": table(
                [("digital", "ประเภทช่องทาง", "Channel type"), ("count", "จำนวน", "Count"), ("share", "สัดส่วน", "Share")],
                rows,
            ),
        },
    )


# --- 3.1 Significance -------------------------------------------------------------------------


def proactive_actions(scope: Scope) -> Metric:
    """Corrective actions opened in the period on a recurring problem or a category: the
    policies the data led to."""
    period = scope.period
    where = [
        CorrectiveAction.created_at >= period.start,
        CorrectiveAction.created_at < period.end,
        CorrectiveAction.status != ActionStatus.CANCELLED,
    ]
    if scope.units is not None:
        where.append(CorrectiveAction.unit_id.in_(scope.units))
    actions = db.session.execute(
        select(CorrectiveAction.title, CorrectiveAction.status, Category.name_th, Category.name_en)
        .outerjoin(Category, Category.id == CorrectiveAction.category_id)
        .where(*where)
        .order_by(CorrectiveAction.created_at)
    ).all()
    minimum = scope.limits["needs_min_actions"]
    metric = Metric(
        "proactive_actions",
        "3.1-S1",
        "มาตรการเชิงรุกที่เริ่มจากการวิเคราะห์ข้อมูล (มาตรการแก้ไขที่เปิดในรอบ)",
        "Proactive measures from the data (corrective actions opened in the period)",
        len(actions),
        display=f"{len(actions):,} มาตรการ / actions",
        threshold=f"≥ {minimum}",
        met=len(actions) >= minimum,
        details={
            "table": table(
                [("category", "หมวดหมู่", "Category"), ("status", "สถานะ", "Status")],
                [
                    (title, title, {"category": th or "—", "status": ACTION_STATUS.get(status, status)})
                    for title, status, th, _ in actions[:20]
                ],
            )
        },
    )
    if not metric.met:
        metric.why_not_th = f"เปิดมาตรการแก้ไข {len(actions)} มาตรการในรอบนี้ น้อยกว่าเกณฑ์ {minimum}"
        metric.why_not_en = f"{len(actions)} corrective actions opened in the period, fewer than {minimum}"
    return metric


def observed_end(period: Period, now=None) -> date:
    """The first month after the months observed: the period's end, or this month for a
    period still running (its part month is left out)."""
    today = to_bangkok(now or utcnow()).date()
    this_month = date(today.year, today.month, 1)
    after_period = add_months(period.first_day, len(period.months()))
    return min(after_period, this_month)


def months_before(end: date, count: int) -> list[date]:
    """The `count` months before the month `end` (excluded), oldest first."""
    return [add_months(end, -count + i) for i in range(count)]


def growth(totals: Mapping[date, int], end: date) -> float | None:
    """Submissions in the 12 months before `end` ÷ those in the 12 months before those;
    None when the earlier year has none (nothing to grow from)."""
    recent = sum(totals.get(m, 0) for m in months_before(end, 12))
    earlier = sum(totals.get(m, 0) for m in months_before(add_months(end, -12), 12))
    return recent / earlier if earlier else None


def seasonal_forecast(series: Mapping[date, int], months: list[date], factor: float) -> dict[date, float]:
    """Each month's forecast: the same month a year before × `factor` (seasonal-naive with growth)."""
    return {m: series.get(add_months(m, -12), 0) * factor for m in months}


def emerging(series: Mapping[K, Mapping[date, int]], end: date, rise: float, minimum: int) -> list[tuple[K, int, int]]:
    """(key, the same 3 months a year before, the last 3 months) of every key whose last 3
    months before `end` rose by at least `rise` (0.5: +50%) and at least `minimum` against
    the same months a year before; the largest increase first."""
    recent_months = months_before(end, 3)
    found = []
    for key, counts in series.items():
        now = sum(counts.get(m, 0) for m in recent_months)
        before = sum(counts.get(add_months(m, -12), 0) for m in recent_months)
        if now - before >= minimum and now >= before * (1 + rise):
            found.append((key, before, now))
    return sorted(found, key=lambda r: (-(r[2] - r[1]), str(r[0])))


class MonthlyCounts:
    """Submissions by category and month over the 24 months before the end observed (one query)."""

    def __init__(self, scope: Scope):
        self.end = observed_end(scope.period)
        self.months = months_before(self.end, 24)
        start = bangkok_midnight(self.months[0])
        stop = bangkok_midnight(self.end)
        bounds = [(literal(bangkok_midnight(add_months(m, 1))), literal(m.isoformat())) for m in self.months]
        month = bisecting_case(Complaint.__table__.c.received_at, bounds, None).label("month")
        where = (Complaint.received_at >= start, *received_before(stop, scope.units))
        rows = db.session.execute(
            select(Complaint.category_id, month, func.count(Complaint.id))
            .where(*where)
            .group_by(Complaint.category_id, month)
        ).all()
        self.by_category: dict[int | None, dict[date, int]] = defaultdict(dict)
        self.totals: dict[date, int] = defaultdict(int)
        for category_id, key, n in rows:
            m = date.fromisoformat(str(key))
            self.by_category[category_id][m] = int(n)
            self.totals[m] += int(n)
        names = db.session.execute(select(Category.id, Category.name_th, Category.name_en)).all()
        self.names = {cid: (th, en) for cid, th, en in names}

    def name(self, category_id: int | None) -> tuple[str, str]:
        return self.names.get(category_id, UNCATEGORISED) if category_id is not None else UNCATEGORISED


def _monthly(scope: Scope) -> MonthlyCounts:
    cached = scope.__dict__.get("_needs_monthly")
    if cached is None:
        cached = scope.__dict__["_needs_monthly"] = MonthlyCounts(scope)
    return cached


def category_trends(scope: Scope) -> Metric:
    """The top categories' counts month by month, over the period's months observed."""
    data = _monthly(scope)
    months = [m for m in scope.period.months() if m < data.end]
    totals = {c: sum(series.get(m, 0) for m in months) for c, series in data.by_category.items()}
    top = [c for c, n in sorted(totals.items(), key=lambda r: (-r[1], str(r[0]))) if n][:TREND_CATEGORIES]
    rows = []
    for category_id in top:
        series = data.by_category[category_id]
        rows.append((*data.name(category_id), {m.isoformat(): f"{series.get(m, 0):,}" for m in months}))
    rest = [c for c in totals if c not in top and totals[c]]
    if rest:
        rows.append(
            (
                "หมวดหมู่อื่น",
                "Other categories",
                {m.isoformat(): f"{sum(data.by_category[c].get(m, 0) for c in rest):,}" for m in months},
            )
        )
    return Metric(
        "category_trends",
        "3.1-S2",
        "แนวโน้มรายเดือนตามหมวดหมู่",
        "Monthly trend by category",
        len(months),
        display=f"{len(months)} เดือน / months · {len(top)} หมวดหมู่ / categories",
        filters=figures(scope.period),
        details={"table": table([(m.isoformat(), *month_label(m)) for m in months], rows)},
    )


def forecast_next(scope: Scope) -> Metric:
    data = _monthly(scope)
    length = len(scope.period.months())
    ahead = [add_months(data.end, i) for i in range(length)]
    factor = growth(data.totals, data.end)
    by_category = {c: sum(seasonal_forecast(s, ahead, factor or 0).values()) for c, s in data.by_category.items()}
    total = sum(seasonal_forecast(data.totals, ahead, factor or 0).values())
    last_year = sum(data.totals.get(add_months(m, -12), 0) for m in ahead)
    top = sorted(by_category.items(), key=lambda r: (-r[1], str(r[0])))[:TREND_CATEGORIES]
    first, last = month_label(ahead[0]), month_label(ahead[-1])
    metric = Metric(
        "seasonal_forecast",
        "3.1-S2",
        f"คาดการณ์จำนวนเรื่อง {first[0]} – {last[0]} (เดือนเดียวกันปีก่อน × อัตราการเติบโต)",
        f"Forecast for {first[1]} – {last[1]} (same month last year × growth)",
        None if factor is None else round(total, 1),
        display="—"
        if factor is None
        else f"{total:,.0f} เรื่อง / items (ปีก่อน / last year {last_year:,}, × {factor:.2f})",
        threshold="มีข้อมูลย้อนหลัง 24 เดือน / 24 months of history",
        met=factor is not None,
        details={
            "growth": None if factor is None else round(factor, 6),
            "months": [m.isoformat() for m in ahead],
            "table": table(
                [("last_year", "เดือนเดียวกันปีก่อน", "Same months last year"), ("forecast", "คาดการณ์", "Forecast")],
                [
                    (
                        *data.name(c),
                        {
                            "last_year": f"{sum(data.by_category[c].get(add_months(m, -12), 0) for m in ahead):,}",
                            "forecast": "—" if factor is None else f"{n:,.1f}",
                        },
                    )
                    for c, n in top
                ],
            ),
        },
    )
    if factor is None:
        metric.why_not_th = "ไม่มีข้อมูลของ 12 เดือนก่อนหน้าปีล่าสุด จึงคำนวณอัตราการเติบโตไม่ได้"
        metric.why_not_en = "No data in the 12 months before the latest year: no growth to forecast with"
    return metric


def emerging_issues(scope: Scope) -> Metric:
    data = _monthly(scope)
    limits = scope.limits
    recent = months_before(data.end, 3)
    history = sum(counts.get(add_months(m, -12), 0) for counts in data.by_category.values() for m in recent)
    if not history:
        # Nothing at all in the same months a year before: every category would look new.
        return Metric(
            "emerging_issues",
            "3.1-S2",
            f"ประเด็นที่กำลังเพิ่มขึ้น ({month_label(recent[0])[0]} – {month_label(recent[-1])[0]} เทียบปีก่อน)",
            f"Emerging issues ({month_label(recent[0])[1]} – {month_label(recent[-1])[1]} against a year before)",
            None,
            display="— (ไม่มีข้อมูลช่วงเดียวกันของปีก่อนให้เปรียบเทียบ / no data a year before to compare with)",
            filters=None,
            details={"rise": limits["needs_emerging_rise"], "min_increase": limits["needs_emerging_min_increase"]},
        )
    found = emerging(data.by_category, data.end, limits["needs_emerging_rise"], limits["needs_emerging_min_increase"])
    rows = [
        (
            *data.name(c),
            {
                "before": f"{before:,}",
                "now": f"{now:,}",
                "change": "ใหม่ / new" if not before else f"+{(now - before) / before * 100:.0f}%",
            },
        )
        for c, before, now in found
    ]
    return Metric(
        "emerging_issues",
        "3.1-S2",
        f"ประเด็นที่กำลังเพิ่มขึ้น ({month_label(recent[0])[0]} – {month_label(recent[-1])[0]} เทียบปีก่อน)",
        f"Emerging issues ({month_label(recent[0])[1]} – {month_label(recent[-1])[1]} against a year before)",
        len(found),
        display=f"{len(found)} หมวดหมู่ / categories",
        filters=figures(scope.period),
        details={
            "rise": limits["needs_emerging_rise"],
            "min_increase": limits["needs_emerging_min_increase"],
            "table": table(
                [
                    ("before", "ปีก่อน (3 เดือน)", "A year before (3 months)"),
                    ("now", "ล่าสุด (3 เดือน)", "Latest (3 months)"),
                    ("change", "เปลี่ยนแปลง", "Change"),
                ],
                rows,
            ),
        },
    )


METRICS: list[Callable[[Scope], Metric]] = [
    needs_register,
    suggestions_received,
    needs_categorised,
    needs_answered,
    captured_digitally,
    proactive_actions,
    category_trends,
    forecast_next,
    emerging_issues,
]
