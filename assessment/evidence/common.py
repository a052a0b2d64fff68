"""What every piece of assessment evidence shares: the population, the thresholds, a Metric,
the period's one scan of counts, and the filters behind a number.

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
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, select

from assessment.links import Filters
from complaints.config_thresholds import THRESHOLDS
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import (
    Complaint,
    Status,
    SurveyResponse,
    TimelineEvent,
    utcnow,
)
from complaints.services.analytics.api import (
    ack_deadline,
    ack_seconds,
    overdue_state,
    public_complaints,
    reopen_state,
)

COMPLAINT_KINDS = ("complaint",)  # tip-offs: see the module docstring
FINISHED = Status.ANSWERED  # forwarded counts as answered: see Status
FINISHING_EVENTS = ("resolve", "close", "reject", "forward", "confirm")

# Thresholds; the agency changes them with ASSESSMENT_THRESHOLDS (JSON) in the environment.
# Each key's meaning and source: complaints.config_thresholds.THRESHOLDS and docs/thresholds.md.
DEFAULT_THRESHOLDS: dict[str, float | int] = {key: spec.default for key, spec in THRESHOLDS.items()}


def thresholds() -> dict:
    """The configured thresholds over the defaults (a bad value was refused at start)."""
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


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def complaint_list(period: Period, **filters: str) -> Filters:
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


def counted(period: Period, **dimensions: str) -> Filters:
    """The dashboard's drill-down list of exactly the complaints behind a metric: the
    population's (its kind; merged duplicates are left out by `dimensions` where the
    dimension itself does not) in the period, with the dimensions' values the metric counts."""
    (kind,) = COMPLAINT_KINDS
    return Filters("figures", {"period": period.code, "kind": kind, **dimensions})


STANDARDS = Filters("standards")
TRACKING = Filters("tracking")
ACTIONS = Filters("actions")


# The units an assessment covers: an assessed body's subtree, or None for the whole deployment.
Units = tuple[int, ...] | None


def population(period: Period, units: Units = None):
    """WHERE clauses of the complaints a period's metrics are about (complaints and
    grievances of `all_received`)."""
    return (*all_received(period, units), Complaint.kind.in_(COMPLAINT_KINDS))


def count(*where) -> int:
    return db.session.scalar(select(func.count(Complaint.id)).where(*where)) or 0


def has_event(kinds):
    return exists().where(TimelineEvent.complaint_id == Complaint.id, TimelineEvent.kind.in_(kinds))


def as_of(period: Period) -> datetime:
    """The moment a period's figures are judged at: its end, or now while it runs."""
    return min(utcnow(), period.end)


def flags(period: Period) -> dict:
    """The counts most metrics divide: {name: condition over the population}."""
    moment = literal(as_of(period), Complaint.__table__.c.due_at.type)
    overdue = overdue_state(moment)
    finished = Complaint.status.in_(FINISHED)
    closed = Complaint.status == "closed"
    reopened = reopen_state()
    acknowledged = Complaint.acknowledged_at.is_not(None)
    answered_at = func.coalesce(Complaint.resolved_at, Complaint.closed_at)
    return {
        "all": Complaint.id.is_not(None),
        "model": Complaint.category_source == "model",
        "acknowledged": acknowledged,
        "ack_in_time": and_(acknowledged, Complaint.acknowledged_at <= ack_deadline(period)),
        "finished": finished,
        # Handled here (not rejected, forwarded or merged); of those, answered after the due
        # date, or still unanswered past it (as of now or the period's end): a hold stops the clock.
        "handled": overdue != "not_counted",
        "overdue": overdue == "yes",
        # Handled here and answered by then, on or before the due date: resolution_as_of's
        # "on_time" (the dashboard's figure) of a handled complaint, without its whole CASE a row
        # (a test compares it with the dashboard's list). With the overdue ones, they are the
        # complaints whose outcome is known ("decided": neither open before the due date nor on hold).
        "on_time": and_(
            Complaint.status.not_in(NOT_HANDLED_HERE), answered_at <= Complaint.due_at, answered_at <= moment
        ),
        "closed": closed,
        "closed_with_cause": and_(closed, Complaint.root_cause_id.is_not(None)),
        "repeats": Complaint.repeat_of_id.is_not(None),
        # Answered, reopened ones included whatever their status now (reopening clears
        # resolved_at and closed_at), as the dashboard's reopen rate counts them.
        "answered": reopened != "not_answered",
        "reopened": reopened == "yes",
        "rateable": Complaint.status.in_(Status.RATEABLE),
    }


# overdue_state's "not_counted": handled elsewhere, or counted in the complaint merged into.
NOT_HANDLED_HERE = ("rejected", "forwarded", "merged")


def population_scan(period: Period, flags: dict, units: Units = None) -> dict:
    """One scan of the period's complaints (survey answers joined), per channel:
    {"counts": {flag: n}, "channels": {channel: n}, "by_channel": {channel: {flag or
    survey name: n}}, "survey": (answers, satisfied, confident)}, with "decided" (on time or
    overdue) added to the counts. The period's counts are the sums over the channel groups."""
    survey = {
        "answers": SurveyResponse.id.is_not(None),
        "satisfied": SurveyResponse.satisfaction >= 4,
        "confident": SurveyResponse.confidence >= 4,
    }
    sums = [func.sum(case((condition, 1), else_=0)).label(name) for name, condition in {**flags, **survey}.items()]
    rows = db.session.execute(
        select(Complaint.channel, *sums)
        .outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*population(period, units))
        .group_by(Complaint.channel)
    ).all()
    by_channel = {row.channel: {name: int(row._mapping[name] or 0) for name in (*flags, *survey)} for row in rows}
    for counts in by_channel.values():
        counts["decided"] = counts["on_time"] + counts["overdue"]  # the outcome against the standard known
    totals = {name: sum(counts[name] for counts in by_channel.values()) for name in (*flags, "decided", *survey)}
    return {
        "counts": {name: totals[name] for name in (*flags, "decided")},
        "channels": {channel: counts["all"] for channel, counts in by_channel.items()},
        "by_channel": by_channel,
        "survey": tuple(totals[name] for name in survey),
    }


@dataclass
class Scope:
    """One period, its thresholds and the units assessed (None: the whole deployment); the
    shared counts are computed once, on first use."""

    period: Period
    limits: dict
    units: Units = None
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # what metrics share beyond the scan

    def where(self, period: Period | None = None) -> tuple:
        """The population's WHERE clauses for this scope's units, in its period or in `period`."""
        return population(period or self.period, self.units)

    @cached_property
    def scan(self) -> dict:
        return population_scan(self.period, flags(self.period), self.units)

    @property
    def counts(self) -> dict[str, int]:
        return self.scan["counts"]

    @property
    def channels(self) -> dict[str, int]:
        return self.scan["channels"]

    @property
    def by_channel(self) -> dict[str, dict[str, int]]:
        """Each channel's counts: the flags' and the survey's (answers, satisfied, confident)."""
        return self.scan["by_channel"]

    @cached_property
    def as_of(self) -> datetime:
        """The moment the period's figures are judged at: its end, or now while it runs."""
        return as_of(self.period)

    @cached_property
    def ack_medians(self) -> tuple[float | None, dict[str, float | None]]:
        """The median acknowledgement seconds of the period, and of each channel."""
        return ack_medians(self.where(), sorted(self.channels))

    @property
    def survey(self) -> tuple[int, int, int]:
        """Survey answers, of which satisfaction 4-5, and confidence 4-5."""
        return self.scan["survey"]


def ack_medians(where: tuple, channels: list[str]) -> tuple[float | None, dict[str, float | None]]:
    """Median seconds from receipt to acknowledgement over `where`, overall and per channel:
    one query on PostgreSQL (a FILTERed median per channel: no sort of the rows by channel
    first, as GROUP BY or ROLLUP need), the seconds in Python elsewhere."""
    acknowledged = (*where, Complaint.acknowledged_at.is_not(None))
    if db.engine.dialect.name == "postgresql":
        seconds = ack_seconds()
        medians = [func.percentile_cont(0.5).within_group(seconds)] + [
            func.percentile_cont(0.5).within_group(seconds).filter(Complaint.channel == channel) for channel in channels
        ]
        overall, *values = db.session.execute(select(*medians).where(*acknowledged)).one()
        by_channel = dict(zip(channels, values, strict=True))
    else:
        found: dict[str, list[float]] = {}
        for channel, value in db.session.execute(select(Complaint.channel, ack_seconds()).where(*acknowledged)):
            found.setdefault(channel, []).append(float(value))
        every = [value for values in found.values() for value in values]
        overall = statistics.median(every) if every else None
        by_channel = {channel: statistics.median(found[channel]) if channel in found else None for channel in channels}

    def rounded(value) -> float | None:
        return None if value is None else round(float(value), 1)

    return rounded(overall), {channel: rounded(value) for channel, value in by_channel.items()}


def share_metric(
    key: str,
    item_id: str,
    labels: tuple[str, str],
    part: int,
    whole: int,
    minimum: float | None,
    *,
    maximum: float | None = None,
    empty: tuple[str, str],
    filters: Filters | None,  # None: no list shows exactly these complaints
    details: dict | None = None,
) -> Metric:
    value = ratio(part, whole)
    if minimum is not None:
        threshold, met = f"≥ {pct(minimum)}", value is not None and value >= minimum
    elif maximum is not None:
        threshold, met = f"≤ {pct(maximum)}", value is not None and value <= maximum
    else:
        threshold, met = "", None
    metric = Metric(
        key,
        item_id,
        *labels,
        value=None if value is None else round(value, 6),
        display=f"{pct(value)} ({part:,}/{whole:,})",
        threshold=threshold,
        met=met,
        filters=filters,
        details={"part": part, "whole": whole, **(details or {})},
    )
    if met is False:
        if value is None:
            metric.why_not_th, metric.why_not_en = empty
        else:
            metric.why_not_th = f"ได้ {pct(value)} ไม่ถึงเกณฑ์ {threshold}"
            metric.why_not_en = f"{pct(value)} does not meet {threshold}"
    return metric


NO_COMPLAINTS = ("ไม่มีข้อร้องเรียนในรอบนี้", "No complaints in this period")


def all_received(period: Period, units: Units = None):
    """Every kind of submission in the period anyone may know of (suggestions are needs data;
    tip-offs left out), duplicates once; within `units` when given."""
    where = (
        Complaint.received_at >= period.start,
        Complaint.received_at < period.end,
        Complaint.status != "merged",
        public_complaints(),
    )
    return where if units is None else (*where, Complaint.unit_id.in_(units))


def figures(period: Period, **dimensions: str) -> Filters:
    """The dashboard's drill-down list of every kind of submission of the period (tip-offs are
    never listed there), merged duplicates left out, with the dimensions' values a metric counts."""
    return Filters("figures", {"period": period.code, "merged": "no", **dimensions})


def table(columns: list[tuple[str, str, str]], rows: list[tuple[str, str, dict[str, str]]]) -> dict:
    """A metric's `details["table"]` (the shared convention every renderer shows): columns as
    (key, Thai label, English label), rows as (Thai label, English label, {column key: text})."""
    return {
        "columns": [{"key": key, "label_th": th, "label_en": en} for key, th, en in columns],
        "rows": [{"label_th": th, "label_en": en, "cells": cells} for th, en, cells in rows],
    }
