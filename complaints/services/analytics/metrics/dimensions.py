"""The dimensions figures group by, one SQL expression per drill-down parameter.

A `Dimension` is both the key of a figure's rows (GROUP BY its expression) and the
filter of the complaint list behind a row (`drill_statement`), so a bar and its list
always agree. Here too: the fixed buckets (acknowledgement time, resolution against the
standard, backlog age) and the month, week and quarter ranges of a period. The one
dialect-specific piece, `seconds_between`, is in complaints/models/sql_functions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, SQLColumnExpression, and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import ColumnElement

from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period, bangkok_midnight
from complaints.domain.thai_calendar import BANGKOK, add_working_days
from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import Complaint, Status, SurveyResponse, TimelineEvent
from complaints.models.sql_functions import seconds_between
from complaints.services.analytics.metrics.scope import Scope
from complaints.services.catalogue.standards import calendar_overrides

__all__ = [
    "ACK_BUCKETS",
    "AGE_BUCKETS",
    "BACKLOG_STATUSES",
    "CASE_ELSE",
    "DIMENSIONS",
    "FINISHING_EVENTS",
    "NONE",
    "RESOLUTION_BUCKETS",
    "Dimension",
    "ack_deadline",
    "ack_seconds",
    "bisecting_case",
    "drill_count",
    "drill_statement",
    "month_bounds",
    "next_working_day_deadlines",
    "overdue_state",
    "quarter_key",
    "quarters_of",
    "ranges",
    "reopen_state",
    "resolution_as_of",
    "week_bounds",
    "with_survey",
]

NONE = "none"  # drill-down value of a missing category, unit, district...
BACKLOG_STATUSES = Status.BACKLOG

_Ts = TypeVarTuple("_Ts")


# What a figure groups by: a SQL expression (a CASE, a range key) or a mapped column itself.
DimensionExpression = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Dimension:
    """A drill-down parameter: the SQL expression figures group by, and its filter."""

    name: str
    expression: Callable[[Scope], DimensionExpression]
    survey: bool = False  # needs the survey response joined
    nullable: bool = False  # NULL is reported (and filtered) as "none"
    as_int: bool = False  # values are row ids
    # The filter of one value when it is cheaper than `expression == value` but selects
    # the same complaints of the scope (a time range: an index range, not a CASE a row).
    condition: Callable[[Scope, str], ColumnElement[bool]] | None = None
    values: tuple[str, ...] | None = None  # the only values it takes (else any): others are refused

    def where(self, scope: Scope, value: str) -> ColumnElement[bool]:
        if self.values is not None and value not in self.values:
            raise _bad_filter(self.name)
        if self.condition is not None:
            return self.condition(scope, value)
        expr = self.expression(scope)
        if self.nullable and value == NONE:
            return expr.is_(None)
        if self.as_int:
            row_id = parse_id(value)
            if row_id is None:
                raise _bad_filter(self.name)
            return expr == row_id
        return expr == value


def _bad_filter(name: str) -> BilingualError:
    return BilingualError(422, "invalid-filter", f"ตัวกรอง {name} ไม่ถูกต้อง", f"Invalid filter value for '{name}'.")


def _finished() -> ColumnElement[datetime | None]:
    return func.coalesce(Complaint.resolved_at, Complaint.closed_at)


def bisecting_case(
    value: SQLColumnExpression[Any], limits: Sequence[tuple[object, object]], otherwise: object
) -> ColumnElement[Any]:
    """The result of the first (limit, result) with value < limit (limits ascend), else `otherwise`.

    A nested CASE that halves the candidates at each level: a row is compared
    about log2(n) times instead of up to n (a year of weeks: 6 instead of 53).
    """
    if len(limits) <= 4:
        return case(*[(value < limit, result) for limit, result in limits], else_=otherwise)
    middle = len(limits) // 2
    return case(
        (value < limits[middle - 1][0], bisecting_case(value, limits[:middle], otherwise)),
        else_=bisecting_case(value, limits[middle:], otherwise),
    )


def _spans(bounds: list[tuple[str, datetime]], end: datetime) -> list[tuple[str, datetime, datetime]]:
    """(key, start, next start) of each range; bounds ascend, the last range ends at `end`."""
    return [(key, start, nxt) for (key, start), (_, nxt) in zip(bounds, bounds[1:] + [("", end)], strict=True)]


def ranges(bounds: list[tuple[str, datetime]], end: datetime) -> ColumnElement[str]:
    """The key of the [start, next start) range received_at falls in; bounds ascend."""
    limits = [(nxt, literal(key)) for key, _, nxt in _spans(bounds, end)]
    return bisecting_case(Complaint.received_at, limits, literal("after"))


def _range_condition(
    bounds: Callable[[Period], list[tuple[str, datetime]]],
) -> Callable[[Scope, str], ColumnElement[bool]]:
    """`ranges(bounds) == key` as the index range [start of key, start of the next)."""

    def condition(scope: Scope, key: str) -> ColumnElement[bool]:
        for name, start, nxt in _spans(bounds(scope.period), scope.period.end):
            if name == key:
                return and_(Complaint.received_at >= start, Complaint.received_at < nxt)
        return false()  # no such range in the period: nothing, as the CASE would match

    return condition


def month_bounds(period: Period) -> list[tuple[str, datetime]]:
    return [(f"{m:%Y-%m}", bangkok_midnight(m)) for m in period.months()]


def week_bounds(period: Period) -> list[tuple[str, datetime]]:
    """Weeks start on Monday; the first is cut at the period's first day."""
    day, weeks = period.first_day, []
    while day <= period.last_day:
        weeks.append((day.isoformat(), bangkok_midnight(day)))
        day += timedelta(days=7 - day.weekday())
    return weeks


def quarters_of(scope: Scope) -> list[Period]:
    """The period's quarters and the quarter before them (the first change needs it)."""
    return [scope.period.previous_quarter(), *scope.period.quarters()]


def quarter_key(scope: Scope) -> ColumnElement[str]:
    quarters = quarters_of(scope)
    return ranges([(q.code, q.start) for q in quarters], quarters[-1].end)


ACK_BUCKETS = [  # key, upper bound in seconds, Thai, English
    ("le_1m", 60, "ภายใน 1 นาที", "Within 1 minute"),
    ("le_1h", 3600, "1 นาที – 1 ชั่วโมง", "1 minute – 1 hour"),
    ("le_1d", 86400, "1 – 24 ชั่วโมง", "1 – 24 hours"),
    ("gt_1d", None, "เกิน 24 ชั่วโมง", "Over 24 hours"),
    ("pending", None, "ยังไม่ตอบรับ", "Not acknowledged"),
]


def ack_seconds() -> ColumnElement[float]:
    """Seconds from receipt to acknowledgement (the dashboard's buckets and criterion 3.4's median)."""
    return seconds_between(Complaint.received_at, Complaint.acknowledged_at)


def next_working_day_deadlines(period: Period) -> list[tuple[datetime, datetime]]:
    """(end of a run of received days, their acknowledgement deadline), runs in order.

    Every complaint received on the same Bangkok day has the same deadline (the end
    of the next working day, Thai government calendar), and consecutive days often
    share it (Friday to Sunday), so a year is a few hundred runs: one CASE in SQL.
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


def ack_deadline(period: Period) -> ColumnElement[datetime]:
    """The acknowledgement deadline of a complaint received in the period, a CASE that
    bisects the runs of `next_working_day_deadlines` (criterion 3.4-A2's rule)."""
    moment = Complaint.__table__.c.acknowledged_at.type
    return bisecting_case(
        Complaint.__table__.c.received_at,
        [(literal(end, moment), literal(due, moment)) for end, due in next_working_day_deadlines(period)],
        None,
    )


def _ack_within_a_working_day(scope: Scope) -> ColumnElement[str]:
    """ "yes" when acknowledged by the end of the next working day, else "no" (late or not yet)."""
    return _yes_no(
        and_(Complaint.acknowledged_at.is_not(None), Complaint.acknowledged_at <= ack_deadline(scope.period))
    )


# The timeline events that finish a complaint (criterion 3.4-A1: handled wholly in the system).
FINISHING_EVENTS = ("resolve", "close", "reject", "forward", "confirm")


def _has_event(kinds: Sequence[str]) -> ColumnElement[bool]:
    return exists().where(TimelineEvent.complaint_id == Complaint.id, TimelineEvent.kind.in_(kinds))


def _timeline(scope: Scope) -> ColumnElement[str]:
    """Of the finished complaints, whether the timeline holds the receipt and the finishing
    step: "complete", "incomplete", or "not_finished"."""
    return case(
        (Complaint.status.not_in(Status.ANSWERED), "not_finished"),
        (and_(_has_event(("received",)), _has_event(FINISHING_EVENTS)), "complete"),
        else_=literal("incomplete"),
    )


def _ack(scope: Scope) -> ColumnElement[str]:
    seconds = ack_seconds()
    return case(
        (Complaint.acknowledged_at.is_(None), "pending"),
        *[(seconds <= limit, key) for key, limit, *_ in ACK_BUCKETS if limit],
        else_=literal("gt_1d"),
    )


RESOLUTION_BUCKETS = [
    ("on_time", "แล้วเสร็จตามมาตรฐาน", "Resolved on time"),
    ("late", "แล้วเสร็จเกินมาตรฐาน", "Resolved late"),
    ("open_overdue", "ยังไม่เสร็จ เกินกำหนด", "Open, overdue"),
    ("open_in_time", "ยังไม่เสร็จ ยังไม่ถึงกำหนด", "Open, not yet due"),
    ("on_hold", "พักเรื่อง (หยุดนับเวลา)", "On hold (clock stopped)"),
    ("merged", "รวมกับเรื่องอื่น", "Merged"),
]


def _resolution(scope: Scope) -> ColumnElement[str]:
    return resolution_as_of(scope.now)


def resolution_as_of(now: datetime | ColumnElement[datetime]) -> ColumnElement[str]:
    """A complaint's place against its service standard as of `now` (the keys of
    RESOLUTION_BUCKETS): the dashboard's figure and criterion 3.4's overdue share.

    A hold stops the clock and a resume moves due_at back by the days paused
    (workflow._resume), so due_at is already the deadline net of past holds; a
    case on hold now is judged only if it was already late when it was held.
    One as-of rule: a complaint answered after `now` (a past period's end) was
    still open then, and is judged as open then (issue 19: late answers after the
    year's end counted late while cases open past their due date then were not).
    """
    finished = _finished()
    answered = and_(finished.is_not(None), finished <= now)
    return case(
        (Complaint.status == "merged", "merged"),
        (and_(answered, finished <= Complaint.due_at), "on_time"),
        (answered, "late"),
        (and_(Complaint.status == "on_hold", Complaint.held_at > Complaint.due_at), "open_overdue"),
        (Complaint.status == "on_hold", "on_hold"),
        (Complaint.due_at < now, "open_overdue"),
        else_=literal("open_in_time"),
    )


def overdue_state(as_of: datetime | ColumnElement[datetime]) -> ColumnElement[str]:
    """Whether a complaint handled here is past its service standard as of `as_of`:
    answered after its due date, or still unanswered past it (`resolution_as_of`):
    "yes", "no", or "not_counted" (rejected, forwarded or merged: not handled here).
    Criterion 3.4's overdue share and the list behind it (the "overdue" drill-down,
    as of the period's end or now, whichever comes first)."""
    return case(
        (Complaint.status.in_(("rejected", "forwarded", "merged")), "not_counted"),
        (resolution_as_of(as_of).in_(("late", "open_overdue")), "yes"),
        else_=literal("no"),
    )


def _standing(scope: Scope) -> ColumnElement[str]:
    """`resolution` as of the period's end or now, whichever comes first: the place against
    the standard criterion 3.4 counts (its resolved-within-standard list)."""
    return resolution_as_of(min(scope.now, scope.period.end))


def _overdue(scope: Scope) -> ColumnElement[str]:
    return overdue_state(min(scope.now, scope.period.end))


AGE_BUCKETS = [  # key, max age in days, Thai, English
    ("d0_7", 7, "ไม่เกิน 7 วัน", "Up to 7 days"),
    ("d8_15", 15, "8 – 15 วัน", "8 – 15 days"),
    ("d16_30", 30, "16 – 30 วัน", "16 – 30 days"),
    ("d31_60", 60, "31 – 60 วัน", "31 – 60 days"),
    ("gt60", None, "เกิน 60 วัน", "Over 60 days"),
]


def _age(scope: Scope) -> ColumnElement[str]:
    return case(
        (Complaint.status.not_in(BACKLOG_STATUSES), "not_open"),
        *[(Complaint.received_at >= scope.now - timedelta(days=days), key) for key, days, *_ in AGE_BUCKETS if days],
        else_=literal("gt60"),
    )


YES_NO = ("yes", "no")


def _yes_no(condition: ColumnElement[bool]) -> ColumnElement[str]:
    return case((condition, "yes"), else_=literal("no"))


def reopen_state() -> ColumnElement[str]:
    """Whether an answered complaint was reopened: "yes", "no", or "not_answered" (never
    answered, or merged into another complaint, where it is counted): the reopen rate's
    one definition, the dashboard's figure and its drill-down and criterion 3.4's metric.

    Only a resolved or closed complaint can be reopened (workflow), and reopening clears
    resolved_at and closed_at: a reopened complaint was answered whatever its status now.
    """
    return case(
        (Complaint.status == "merged", "not_answered"),
        (Complaint.reopen_count > 0, "yes"),
        (or_(Complaint.resolved_at.is_not(None), Complaint.status == "closed"), "no"),
        else_=literal("not_answered"),
    )


def _survey(scope: Scope) -> ColumnElement[str]:
    return case(
        (SurveyResponse.id.is_not(None), "responded"),
        (Complaint.status.in_(Status.RATEABLE), "not_responded"),
        else_=literal("not_eligible"),
    )


# The ELSE key of each CASE dimension above (`_ack`, `_resolution`, `_age`, `_survey`,
# `_yes_no`, `reopen_state`): the one pass counts it as the rest of the total (one_pass._one_pass).
CASE_ELSE = {
    "ack": "gt_1d",
    "resolution": "open_in_time",
    "age": "gt60",
    "survey": "not_eligible",
    "reopened": "not_answered",
    "repeat": "no",
}


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in [
        Dimension("category", lambda s: Complaint.category_id, nullable=True, as_int=True),
        Dimension("kind", lambda s: Complaint.kind),
        Dimension("channel", lambda s: Complaint.channel),
        Dimension("handling_unit", lambda s: Complaint.unit_id, nullable=True, as_int=True),
        Dimension("district", lambda s: Complaint.district, nullable=True),
        Dimension(
            "month", lambda s: ranges(month_bounds(s.period), s.period.end), condition=_range_condition(month_bounds)
        ),
        Dimension(
            "week", lambda s: ranges(week_bounds(s.period), s.period.end), condition=_range_condition(week_bounds)
        ),
        Dimension("ack", _ack),
        Dimension("resolution", _resolution),
        Dimension("standing", _standing),
        Dimension("age", _age),
        Dimension("overdue", _overdue, values=(*YES_NO, "not_counted")),
        Dimension("reopened", lambda s: reopen_state(), values=(*YES_NO, "not_answered")),
        Dimension("repeat", lambda s: _yes_no(Complaint.repeat_of_id.is_not(None)), values=YES_NO),
        Dimension("merged", lambda s: _yes_no(Complaint.status == "merged"), values=YES_NO),
        Dimension("cluster", lambda s: Complaint.cluster_id, nullable=True, as_int=True),
        # Criterion 3.4's lists (definitions.py names the filters of each metric's list).
        Dimension("status", lambda s: Complaint.status),
        Dimension("category_source", lambda s: Complaint.category_source),
        Dimension("acknowledged", lambda s: _yes_no(Complaint.acknowledged_at.is_not(None)), values=YES_NO),
        Dimension("ack_1wd", _ack_within_a_working_day, values=YES_NO),
        Dimension("finished", lambda s: _yes_no(Complaint.status.in_(Status.ANSWERED)), values=YES_NO),
        Dimension("timeline", _timeline),
        Dimension("cause_recorded", lambda s: _yes_no(Complaint.root_cause_id.is_not(None)), values=YES_NO),
        Dimension("root_cause", lambda s: Complaint.root_cause_id, nullable=True, as_int=True),
        Dimension("survey", _survey, survey=True),
        Dimension("satisfaction", lambda s: SurveyResponse.satisfaction, survey=True, as_int=True),
        Dimension("confidence", lambda s: SurveyResponse.confidence, survey=True, as_int=True),
        Dimension("satisfied", lambda s: _yes_no(SurveyResponse.satisfaction >= 4), survey=True, values=YES_NO),
        Dimension("confident", lambda s: _yes_no(SurveyResponse.confidence >= 4), survey=True, values=YES_NO),
    ]
}


def with_survey(statement: Select[*_Ts]) -> Select[*_Ts]:
    return statement.outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)


def drill_statement(scope: Scope, filters: Mapping[str, str]) -> Select[Complaint]:
    """The complaints behind a figure row: the scope plus the row's drill-down filters.

    `filters` holds dimension names (unknown keys are ignored: the page's own
    parameters travel with them); a `period` in the filters was already applied
    to `scope` by the caller.
    """
    statement = select(Complaint)
    used = [(DIMENSIONS[k], v) for k, v in filters.items() if k in DIMENSIONS and v != ""]
    if any(d.survey for d, _ in used):
        statement = with_survey(statement)
    return statement.where(*scope.conditions(), *[d.where(scope, str(v)[:100]) for d, v in used])


def drill_count(scope: Scope, filters: Mapping[str, str]) -> int:
    inner = drill_statement(scope, filters).with_only_columns(Complaint.id).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0
