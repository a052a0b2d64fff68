"""Period metrics for managers: every figure one GROUP BY over the complaints.

A figure is a list of rows (a bar, a segment) with a count and a drill-down
filter: the query parameters of the manager's complaint list. Each row's count
and its drill-down come from the same SQL expression (a `Dimension`), so the
list behind a bar always holds exactly as many complaints as the bar shows.

The population is the complaints received in the period (Bangkok time) within
the units the user may see, optionally narrowed to one unit and the units below
it. Statements are plain SQLAlchemy Core that run unchanged on SQLite and
PostgreSQL; the only dialect-specific piece is `seconds_between`. On PostgreSQL
a page's figures come from three scans instead (`one_pass`), with the same counts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Float, Select, and_, case, false, func, literal, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from complaints.domain.errors import BilingualError
from complaints.domain.periods import Period, add_months, bangkok_midnight
from complaints.domain.thai_calendar import BANGKOK, THAI_MONTHS_ABBR, be_year
from complaints.extensions import db
from complaints.i18n import CHANNEL_LABELS, KIND_LABELS
from complaints.ids import parse_id
from complaints.models import (
    Category,
    Complaint,
    RootCause,
    Status,
    SurveyResponse,
    Unit,
    User,
    utcnow,
)
from complaints.services.access import unit_and_descendants, visible_complaints, visible_unit_ids
from complaints.services.analytics import clusters

NONE = "none"  # drill-down value of a missing category, unit, district...
BACKLOG_STATUSES = Status.BACKLOG


class seconds_between(FunctionElement):
    """Seconds from the first timestamp to the second (NULL if either is NULL)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_between_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    # date_part answers a double; EXTRACT answers a numeric, several times slower to compare
    return f"date_part('epoch', {compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400.0)"


# --- scope ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which complaints a figure counts: received in `period`, in `unit_ids` (None: all),
    and that the reader may know of (`visible`, access.visible_complaints of the reader;
    None: every complaint, for the system's own aggregates)."""

    period: Period
    unit_ids: frozenset[int] | None = None
    unit_id: int | None = None  # the unit filter chosen on the page, if any
    now: datetime = field(default_factory=utcnow)
    visible: ColumnElement[bool] | None = field(default=None, compare=False)

    def conditions(self, start: datetime | None = None) -> list[ColumnElement]:
        """The scope's complaints; with `start`, from then on (a quarter before the period)."""
        where = [Complaint.received_at >= (start or self.period.start), Complaint.received_at < self.period.end]
        if self.unit_ids is not None:
            where.append(Complaint.unit_id.in_(sorted(self.unit_ids)))
        if self.visible is not None:
            where.append(self.visible)
        return where

    def params(self) -> dict[str, str]:
        """The query parameters that select this scope on the manager's pages."""
        return {"period": self.period.code, **({"unit": str(self.unit_id)} if self.unit_id else {})}


def scope_for(user: User, period: Period, unit_id: int | None = None, now: datetime | None = None) -> Scope:
    """The user's scope; a unit outside what they may see answers 404."""
    visible = visible_unit_ids(user)
    units = visible
    if unit_id is not None:
        if db.session.get(Unit, unit_id) is None or (visible is not None and unit_id not in visible):
            raise BilingualError(404, "not-found", "ไม่พบหน่วยงานนี้", "No such unit.")
        units = unit_and_descendants(unit_id)
        if visible is not None:
            units &= visible
    # Figures, drill-down lists and exports count only what the user may know of:
    # a tip-off is no row, number or breakdown for anyone but the integrity role.
    return Scope(
        period,
        frozenset(units) if units is not None else None,
        unit_id,
        now or utcnow(),
        visible=visible_complaints(user),
    )


def scope_from_params(user: User, params: Mapping[str, str], now: datetime | None = None) -> Scope:
    """The scope the manager pages' `period` and `unit` parameters select (422 when malformed)."""
    now = now or utcnow()
    period = Period.parse(params["period"]) if params.get("period") else Period.containing(now)
    raw = (params.get("unit") or "").strip()
    unit_id = parse_id(raw) if raw else None
    if raw and unit_id is None:
        raise BilingualError(422, "invalid-filter", "หน่วยงานไม่ถูกต้อง", "Invalid unit.")
    return scope_for(user, period, unit_id, now)


# --- dimensions: one SQL expression per drill-down parameter --------------------


@dataclass(frozen=True)
class Dimension:
    """A drill-down parameter: the SQL expression figures group by, and its filter."""

    name: str
    expression: Callable[[Scope], ColumnElement]
    survey: bool = False  # needs the survey response joined
    nullable: bool = False  # NULL is reported (and filtered) as "none"
    as_int: bool = False  # values are row ids
    # The filter of one value when it is cheaper than `expression == value` but selects
    # the same complaints of the scope (a time range: an index range, not a CASE a row).
    condition: Callable[[Scope, str], ColumnElement] | None = None

    def where(self, scope: Scope, value: str) -> ColumnElement:
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


def _finished():
    return func.coalesce(Complaint.resolved_at, Complaint.closed_at)


def bisecting_case(value: ColumnElement, limits: list[tuple[object, object]], otherwise: object) -> ColumnElement:
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


def _ranges(bounds: list[tuple[str, datetime]], end: datetime) -> ColumnElement:
    """The key of the [start, next start) range received_at falls in; bounds ascend."""
    limits = [(nxt, literal(key)) for key, _, nxt in _spans(bounds, end)]
    return bisecting_case(Complaint.received_at, limits, literal("after"))


def _range_condition(bounds: Callable[[Period], list[tuple[str, datetime]]]):
    """`_ranges(bounds) == key` as the index range [start of key, start of the next)."""

    def condition(scope: Scope, key: str) -> ColumnElement:
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


ACK_BUCKETS = [  # key, upper bound in seconds, Thai, English
    ("le_1m", 60, "ภายใน 1 นาที", "Within 1 minute"),
    ("le_1h", 3600, "1 นาที – 1 ชั่วโมง", "1 minute – 1 hour"),
    ("le_1d", 86400, "1 – 24 ชั่วโมง", "1 – 24 hours"),
    ("gt_1d", None, "เกิน 24 ชั่วโมง", "Over 24 hours"),
    ("pending", None, "ยังไม่ตอบรับ", "Not acknowledged"),
]


def ack_seconds() -> ColumnElement:
    """Seconds from receipt to acknowledgement (the dashboard's buckets and criterion 3.4's median)."""
    return seconds_between(Complaint.received_at, Complaint.acknowledged_at)


def _ack(scope: Scope) -> ColumnElement:
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


def _resolution(scope: Scope) -> ColumnElement:
    return resolution_as_of(scope.now)


def resolution_as_of(now) -> ColumnElement:
    """A complaint's place against its service standard as of `now` (the keys of
    RESOLUTION_BUCKETS): the dashboard's figure and criterion 3.4's overdue share.

    A hold stops the clock and a resume moves due_at back by the days paused
    (workflow._resume), so due_at is already the deadline net of past holds; a
    case on hold now is judged only if it was already late when it was held.
    """
    finished = _finished()
    return case(
        (Complaint.status == "merged", "merged"),
        (and_(finished.is_not(None), finished <= Complaint.due_at), "on_time"),
        (finished.is_not(None), "late"),
        (and_(Complaint.status == "on_hold", Complaint.held_at > Complaint.due_at), "open_overdue"),
        (Complaint.status == "on_hold", "on_hold"),
        (Complaint.due_at < now, "open_overdue"),
        else_=literal("open_in_time"),
    )


AGE_BUCKETS = [  # key, max age in days, Thai, English
    ("d0_7", 7, "ไม่เกิน 7 วัน", "Up to 7 days"),
    ("d8_15", 15, "8 – 15 วัน", "8 – 15 days"),
    ("d16_30", 30, "16 – 30 วัน", "16 – 30 days"),
    ("d31_60", 60, "31 – 60 วัน", "31 – 60 days"),
    ("gt60", None, "เกิน 60 วัน", "Over 60 days"),
]


def _age(scope: Scope) -> ColumnElement:
    return case(
        (Complaint.status.not_in(BACKLOG_STATUSES), "not_open"),
        *[(Complaint.received_at >= scope.now - timedelta(days=days), key) for key, days, *_ in AGE_BUCKETS if days],
        else_=literal("gt60"),
    )


def _yes_no(condition: ColumnElement) -> ColumnElement:
    return case((condition, "yes"), else_=literal("no"))


def _survey(scope: Scope) -> ColumnElement:
    return case(
        (SurveyResponse.id.is_not(None), "responded"),
        (Complaint.status.in_(("resolved", "closed")), "not_responded"),
        else_=literal("not_eligible"),
    )


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in [
        Dimension("category", lambda s: Complaint.category_id, nullable=True, as_int=True),
        Dimension("kind", lambda s: Complaint.kind),
        Dimension("channel", lambda s: Complaint.channel),
        Dimension("handling_unit", lambda s: Complaint.unit_id, nullable=True, as_int=True),
        Dimension("district", lambda s: Complaint.district, nullable=True),
        Dimension(
            "month", lambda s: _ranges(month_bounds(s.period), s.period.end), condition=_range_condition(month_bounds)
        ),
        Dimension(
            "week", lambda s: _ranges(week_bounds(s.period), s.period.end), condition=_range_condition(week_bounds)
        ),
        Dimension("ack", _ack),
        Dimension("resolution", _resolution),
        Dimension("age", _age),
        Dimension("reopened", lambda s: _yes_no(Complaint.reopen_count > 0)),
        Dimension("repeat", lambda s: _yes_no(Complaint.repeat_of_id.is_not(None))),
        Dimension("cluster", lambda s: Complaint.cluster_id, nullable=True, as_int=True),
        Dimension("root_cause", lambda s: Complaint.root_cause_id, nullable=True, as_int=True),
        Dimension("survey", _survey, survey=True),
        Dimension("satisfaction", lambda s: SurveyResponse.satisfaction, survey=True, as_int=True),
        Dimension("confidence", lambda s: SurveyResponse.confidence, survey=True, as_int=True),
        Dimension("satisfied", lambda s: _yes_no(SurveyResponse.satisfaction >= 4), survey=True),
        Dimension("confident", lambda s: _yes_no(SurveyResponse.confidence >= 4), survey=True),
    ]
}


def _with_survey(statement: Select) -> Select:
    return statement.outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)


def drill_statement(scope: Scope, filters: Mapping[str, str]) -> Select:
    """The complaints behind a figure row: the scope plus the row's drill-down filters.

    `filters` holds dimension names (unknown keys are ignored: the page's own
    parameters travel with them); a `period` in the filters was already applied
    to `scope` by the caller.
    """
    statement = select(Complaint)
    used = [(DIMENSIONS[k], v) for k, v in filters.items() if k in DIMENSIONS and v != ""]
    if any(d.survey for d, _ in used):
        statement = _with_survey(statement)
    return statement.where(*scope.conditions(), *[d.where(scope, str(v)[:100]) for d, v in used])


def drill_count(scope: Scope, filters: Mapping[str, str]) -> int:
    inner = drill_statement(scope, filters).with_only_columns(Complaint.id).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


# --- figures --------------------------------------------------------------------


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


def _key(value) -> str:
    return NONE if value is None else str(value)


def _grouped(scope: Scope, dimension: str, *narrow: ColumnElement) -> dict:
    """{key: count} of one dimension over the scope: from the page's one pass if there
    is one (see `one_pass`), else one GROUP BY. `narrow` only saves work: the keys it
    leaves out are keys the caller ignores (the one pass counts them all)."""
    found = _from_one_pass(scope)
    if found is not None and dimension in found:
        return {key: n for key, n in found[dimension].items() if n}
    dim = DIMENSIONS[dimension]
    key = dim.expression(scope).label("bucket")
    statement = select(key, func.count().label("n")).select_from(Complaint)
    if dim.survey:
        statement = _with_survey(statement)
    statement = statement.where(*scope.conditions(), *narrow).group_by(key)
    return {_key(k): n for k, n in db.session.execute(statement)}


# --- one pass: every figure of a page from three scans (PostgreSQL) ------------

TOTAL, QUARTER = "total", "quarter"
_one_pass_counts: ContextVar[tuple[Scope, dict[str, dict]] | None] = ContextVar("metrics_one_pass", default=None)


def _from_one_pass(scope: Scope) -> dict[str, dict] | None:
    """The counts of the page's one pass over `scope`, if one is running (see `one_pass`)."""
    current = _one_pass_counts.get()
    return current[1] if current is not None and current[0] == scope else None


# Dimensions that are plain columns: one GROUPING SETS query, a hash table each.
COLUMN_DIMENSIONS = ("category", "kind", "channel", "handling_unit", "district", "cluster", "root_cause")
SCORE_DIMENSIONS = ("satisfaction", "confidence")


def _quarters(scope: Scope) -> list[Period]:
    """The period's quarters and the quarter before them (the first change needs it)."""
    return [scope.period.previous_quarter(), *scope.period.quarters()]


def _quarter_key(scope: Scope) -> ColumnElement:
    quarters = _quarters(scope)
    return _ranges([(q.code, q.start) for q in quarters], quarters[-1].end)


# The ELSE key of each CASE dimension (`_ack`, `_resolution`, `_age`, `_survey`, `_yes_no`).
CASE_ELSE = {
    "ack": "gt_1d",
    "resolution": "open_in_time",
    "age": "gt60",
    "survey": "not_eligible",
    "reopened": "no",
    "repeat": "no",
}


def _bucket_keys() -> dict[str, list[str]]:
    """Every dimension with a fixed set of keys that is not a time range, with its keys."""
    return {
        "ack": [k for k, *_ in ACK_BUCKETS],
        "resolution": [k for k, *_ in RESOLUTION_BUCKETS],
        "age": ["not_open", *[k for k, *_ in AGE_BUCKETS]],
        "survey": ["responded", "not_responded", "not_eligible"],
        **{name: ["yes", "no"] for name in ("reopened", "repeat")},
        **{name: [str(n) for n in range(1, 6)] for name in SCORE_DIMENSIONS},
    }  # not "satisfied": no figure


def _range_key(bounds: list[tuple[str, datetime]], moment: datetime) -> str | None:
    """The key of the [start, next start) range of `bounds` (ascending) that holds moment."""
    at = bisect_right([start for _, start in bounds], moment)
    return bounds[at - 1][0] if at else None


# Asia/Bangkok has kept UTC+7 without daylight saving since 1920, so a Bangkok day is
# a whole number of days since the epoch once seven hours are added: plain arithmetic,
# several times cheaper per row than converting each timestamp to a local date.
_BANGKOK_OFFSET = BANGKOK.utcoffset(datetime(2000, 1, 1)).total_seconds()
_EPOCH = date(1970, 1, 1)


def _time_ranges(scope: Scope) -> dict[str, dict]:
    """Months and weeks of the period, and (complaints, repeats) of its quarters and the
    quarter before it, from one GROUP BY of the Bangkok day: every range starts at a
    Bangkok midnight, so summing its days counts exactly its [start, end), as the
    drill-down's `received_at` range does."""
    quarters = _quarters(scope)
    day = func.floor((func.date_part("epoch", Complaint.received_at) + _BANGKOK_OFFSET) / 86400).label("day")
    statement = (
        select(day, func.count(), func.count(Complaint.repeat_of_id))
        .select_from(Complaint)
        .where(*scope.conditions(start=quarters[0].start))
        .group_by(day)
    )
    ranges = {
        "month": month_bounds(scope.period),
        "week": week_bounds(scope.period),
        QUARTER: [(q.code, q.start) for q in quarters],
    }
    found: dict[str, dict] = {name: {} for name in ranges}
    for number, n, repeats in db.session.execute(statement):
        moment = bangkok_midnight(_EPOCH + timedelta(days=int(number)))
        for name, bounds in ranges.items():
            key = _range_key(bounds, moment)  # None: the quarter before the period
            if key is not None:
                before = found[name].get(key, (0, 0))
                found[name][key] = (before[0] + n, before[1] + repeats)
    return {
        "month": {k: n for k, (n, _) in found["month"].items()},
        "week": {k: n for k, (n, _) in found["week"].items()},
        QUARTER: found[QUARTER],
    }


def _one_pass(scope: Scope) -> dict[str, dict]:
    """{dimension: {key: count}}, {"total": {"": n}} and {"quarter": {code: (complaints, repeats)}}.

    Three scans, each a single parallel or index-only pass: the column dimensions as
    GROUPING SETS, the Bangkok days (time ranges are sums of days, `_time_ranges`),
    and every other fixed bucket as COUNT(*) FILTER (WHERE ...) in one aggregate.
    """
    found: dict[str, dict] = {name: {} for name in COLUMN_DIMENSIONS}
    columns = [DIMENSIONS[name].expression(scope).label(name) for name in COLUMN_DIMENSIONS]
    statement = (
        select(*columns, func.grouping(*columns).label("set"), func.count().label("n"))
        .where(*scope.conditions())
        .group_by(func.grouping_sets(*[tuple_(c) for c in columns]))
    )
    masks = {(1 << len(columns)) - 1 - (1 << (len(columns) - 1 - i)): name for i, name in enumerate(COLUMN_DIMENSIONS)}
    for row in db.session.execute(statement).mappings():
        name = masks[row["set"]]
        found[name][_key(row[name])] = row["n"]
    found.update(_time_ranges(scope))

    keys = _bucket_keys()
    # A CASE dimension puts every complaint under exactly one key, so its ELSE key is
    # the rest of the total: one CASE evaluation a complaint fewer per dimension.
    buckets = [(name, key) for name, values in keys.items() for key in values if CASE_ELSE.get(name) != key]
    aggregates = [
        func.count().label("total"),
        *[
            func.count(SurveyResponse.id).filter(getattr(SurveyResponse, name).is_not(None)).label(name)
            for name in SCORE_DIMENSIONS
        ],
        *[func.count().filter(DIMENSIONS[name].where(scope, key)) for name, key in buckets],
    ]
    row = db.session.execute(_with_survey(select(*aggregates).select_from(Complaint)).where(*scope.conditions())).one()
    total, scored, counts = row[0], dict(zip(SCORE_DIMENSIONS, row[1:3], strict=True)), row[3:]
    for (name, key), n in zip(buckets, counts, strict=True):
        found.setdefault(name, {})[key] = n
    for name, rest in CASE_ELSE.items():
        found[name][rest] = total - sum(found[name].values())
    for name in SCORE_DIMENSIONS:  # a score outside 1-5 would be a bar of its own: count those exactly
        if sum(found[name].values()) != scored[name]:
            found[name] = _grouped(scope, name)
    found[TOTAL] = {"": total}
    return found


@contextmanager
def one_pass(scope: Scope) -> Iterator[None]:
    """Within the block, the figures and the total of `scope` come from `_one_pass`
    (PostgreSQL: three scans instead of about twenty); elsewhere (SQLite) each figure
    keeps its own GROUP BY. tests/integration/test_metrics_one_pass.py holds both
    ways to the same counts.
    """
    if _from_one_pass(scope) is not None or db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    token = _one_pass_counts.set((scope, _one_pass(scope)))
    try:
        yield
    finally:
        _one_pass_counts.reset(token)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figure(key: str, title: tuple[str, str], rows: list[Row], **kw) -> Figure:
    figure = Figure(key, title[0], title[1], rows, **kw)
    total = figure.total
    for row in rows:
        row.share = _rate(row.count, total)
    return figure


def _fixed_rows(dimension: str, counts: dict, buckets, extra: dict | None = None) -> list[Row]:
    return [Row(key, th, en, counts.get(key, 0), {dimension: key, **(extra or {})}) for key, *_, th, en in buckets]


def _labelled_rows(dimension: str, counts: dict, labels: dict[str, tuple[str, str]]) -> list[Row]:
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
    counts = _grouped(scope, "month")
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
    counts = _grouped(scope, "week")
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
    counts = _grouped(scope, "category")
    return _figure(
        "by_category", ("จำแนกตามหมวดหมู่", "By category"), _labelled_rows("category", counts, _names(Category, counts))
    )


def by_kind(scope: Scope) -> Figure:
    counts = _grouped(scope, "kind")
    return _figure("by_kind", ("จำแนกตามประเภทเรื่อง", "By kind"), _labelled_rows("kind", counts, KIND_LABELS))


def by_channel(scope: Scope) -> Figure:
    counts = _grouped(scope, "channel")
    return _figure("by_channel", ("จำแนกตามช่องทาง", "By channel"), _labelled_rows("channel", counts, CHANNEL_LABELS))


def by_unit(scope: Scope) -> Figure:
    counts = _grouped(scope, "handling_unit")
    return _figure(
        "by_unit",
        ("จำแนกตามหน่วยงานที่รับผิดชอบ", "By handling unit"),
        _labelled_rows("handling_unit", counts, _names(Unit, counts)),
    )


def by_district(scope: Scope, limit: int = 15) -> Figure:
    counts = _grouped(scope, "district")
    rows = _labelled_rows("district", counts, {NONE: _MISSING, **{k: (k, k) for k in counts if k != NONE}})
    figure = _figure("by_district", ("จำแนกตามเขต/อำเภอ (เรียงตามจำนวน)", "By district (ranked)"), rows)
    figure.kpis["districts"] = len([r for r in rows if r.key != NONE])
    if limit:
        figure.rows, figure.beyond = rows[:limit], sum(r.count for r in rows[limit:])
    return figure


def by_root_cause(scope: Scope) -> Figure:
    counts = _grouped(scope, "root_cause", Complaint.root_cause_id.is_not(None))
    counts.pop(NONE, None)  # complaints without a recorded cause are not a bar
    return _figure(
        "by_root_cause",
        ("สาเหตุของปัญหา (บันทึกเมื่อแล้วเสร็จ)", "Root causes (recorded at resolution)"),
        _labelled_rows("root_cause", counts, _names(RootCause, counts)),
    )


def acknowledgement_times(scope: Scope) -> Figure:
    counts = _grouped(scope, "ack")
    figure = _figure("ack_time", ("ระยะเวลาตอบรับเรื่อง", "Time to acknowledge"), _fixed_rows("ack", counts, ACK_BUCKETS))
    done = figure.total - counts.get("pending", 0)
    figure.kpis = {
        "acknowledged": done,
        "within_1_minute": counts.get("le_1m", 0),
        "within_1_minute_rate": _rate(counts.get("le_1m", 0), done),
    }
    return figure


def on_time_resolution(scope: Scope) -> Figure:
    counts = _grouped(scope, "resolution")
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
    counts = _grouped(scope, "age", Complaint.status.in_(BACKLOG_STATUSES))  # "not_open" is not a bar
    return _figure(
        "backlog", ("เรื่องค้างดำเนินการ จำแนกตามอายุเรื่อง", "Open backlog by age"), _fixed_rows("age", counts, AGE_BUCKETS)
    )


def _yes_no_figure(scope: Scope, dimension: str, key: str, title, yes, no) -> Figure:
    counts = _grouped(scope, dimension)
    rows = [
        Row("yes", *yes, counts.get("yes", 0), {dimension: "yes"}),
        Row("no", *no, counts.get("no", 0), {dimension: "no"}),
    ]
    figure = _figure(key, title, rows)
    figure.kpis = {"rate": _rate(rows[0].count, figure.total)}
    return figure


def reopen_rate(scope: Scope) -> Figure:
    return _yes_no_figure(
        scope,
        "reopened",
        "reopen",
        ("อัตราการเปิดเรื่องซ้ำ", "Reopen rate"),
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
    quarters = _quarters(scope)
    found = _from_one_pass(scope)
    if found is not None:
        found = found[QUARTER]
    else:
        key = _quarter_key(scope).label("bucket")
        statement = (
            select(key, func.count(), func.count(Complaint.repeat_of_id))
            .select_from(Complaint)
            .where(*scope.conditions(start=quarters[0].start))
            .group_by(key)
        )
        found = {q: (total, repeats) for q, total, repeats in db.session.execute(statement)}
    rows, before = [], None
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
    counts = _grouped(scope, "cluster", Complaint.cluster_id.in_(ids)) if ids else {}
    rows = [Row(str(c.id), c.label_th, c.label_th, counts.get(str(c.id), 0), {"cluster": str(c.id)}) for c in ranked]
    rows.sort(key=lambda r: -r.count)
    return _figure("clusters", ("ปัญหาที่เกิดซ้ำบ่อยที่สุด", "Top recurring problems"), rows)


SCORES = [(str(n), f"{n} คะแนน", f"{n} points") for n in (5, 4, 3, 2, 1)]


def _score_figure(scope: Scope, dimension: str, key: str, title) -> Figure:
    counts = _grouped(scope, dimension, SurveyResponse.id.is_not(None))
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
    counts = _grouped(scope, "survey")
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
    found = _from_one_pass(scope)
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
    key = _ranges(bounds, end).label("bucket")
    statement = (
        select(key, func.count())
        .select_from(Complaint)
        .where(where, Complaint.received_at >= bounds[0][1], Complaint.received_at < end)
        .group_by(key)
    )
    found = dict(db.session.execute(statement).all())
    return [(m, found.get(f"{m:%Y-%m}", 0)) for m in starts]


__all__ = [
    "DIMENSIONS",
    "FIGURES",
    "Figure",
    "Row",
    "Scope",
    "bisecting_case",
    "dashboard",
    "drill_count",
    "drill_statement",
    "figure",
    "month_counts",
    "one_pass",
    "scope_for",
    "seconds_between",
]
