"""A dimension's counts over a scope: one GROUP BY, or the page's one pass.

On PostgreSQL a page's figures come from three scans (`one_pass`) instead of about
twenty GROUP BYs, with the same counts; `grouped` answers from that pass while one
runs, and on its own otherwise.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.sql.expression import ColumnElement

from complaints.domain.periods import bangkok_midnight
from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import Complaint, SurveyResponse
from complaints.services.analytics.metrics.dimensions import (
    ACK_BUCKETS,
    AGE_BUCKETS,
    CASE_ELSE,
    DIMENSIONS,
    NONE,
    RESOLUTION_BUCKETS,
    month_bounds,
    quarters_of,
    week_bounds,
    with_survey,
)
from complaints.services.analytics.metrics.scope import Scope

__all__ = ["COLUMN_DIMENSIONS", "QUARTER", "SCORE_DIMENSIONS", "TOTAL", "from_one_pass", "grouped", "one_pass"]

TOTAL, QUARTER = "total", "quarter"
_one_pass_counts: ContextVar[tuple[Scope, dict[str, dict]] | None] = ContextVar("metrics_one_pass", default=None)


def from_one_pass(scope: Scope) -> dict[str, dict] | None:
    """The counts of the page's one pass over `scope`, if one is running (see `one_pass`)."""
    current = _one_pass_counts.get()
    return current[1] if current is not None and current[0] == scope else None


# Dimensions that are plain columns: one GROUPING SETS query, a hash table each.
COLUMN_DIMENSIONS = ("category", "kind", "channel", "handling_unit", "district", "cluster", "root_cause")
SCORE_DIMENSIONS = ("satisfaction", "confidence")


def _key(value) -> str:
    return NONE if value is None else str(value)


def grouped(scope: Scope, dimension: str, *narrow: ColumnElement[bool]) -> dict[str, int]:
    """{key: count} of one dimension over the scope: from the page's one pass if there
    is one (see `one_pass`), else one GROUP BY. `narrow` only saves work: the keys it
    leaves out are keys the caller ignores (the one pass counts them all)."""
    found = from_one_pass(scope)
    if found is not None and dimension in found:
        return {key: n for key, n in found[dimension].items() if n}
    dim = DIMENSIONS[dimension]
    key = dim.expression(scope).label("bucket")
    statement = select(key, func.count().label("n")).select_from(Complaint)
    if dim.survey:
        statement = with_survey(statement)
    statement = statement.where(*scope.conditions(), *narrow).group_by(key)
    return {_key(k): n for k, n in db.session.execute(statement)}


def _bucket_keys() -> dict[str, list[str]]:
    """Every dimension with a fixed set of keys that is not a time range, with its keys."""
    return {
        "ack": [k for k, *_ in ACK_BUCKETS],
        "resolution": [k for k, *_ in RESOLUTION_BUCKETS],
        "age": ["not_open", *[k for k, *_ in AGE_BUCKETS]],
        "survey": ["responded", "not_responded", "not_eligible"],
        "reopened": ["yes", "no", "not_answered"],
        "repeat": ["yes", "no"],
        **{name: [str(n) for n in range(1, 6)] for name in SCORE_DIMENSIONS},
    }  # not "satisfied": no figure


def _range_key(bounds: list[tuple[str, datetime]], moment: datetime) -> str | None:
    """The key of the [start, next start) range of `bounds` (ascending) that holds moment."""
    at = bisect_right([start for _, start in bounds], moment)
    return bounds[at - 1][0] if at else None


def _utc_offset_seconds() -> float:
    offset = BANGKOK.utcoffset(datetime(2000, 1, 1))
    if offset is None:  # a ZoneInfo always answers one; tzinfo's signature allows None
        raise RuntimeError("Asia/Bangkok has no UTC offset")
    return offset.total_seconds()


# Asia/Bangkok has kept UTC+7 without daylight saving since 1920, so a Bangkok day is
# a whole number of days since the epoch once seven hours are added: plain arithmetic,
# several times cheaper per row than converting each timestamp to a local date.
_BANGKOK_OFFSET = _utc_offset_seconds()
_EPOCH = date(1970, 1, 1)


def _time_ranges(scope: Scope) -> dict[str, dict]:
    """Months and weeks of the period, and (complaints, repeats) of its quarters and the
    quarter before it, from one GROUP BY of the Bangkok day: every range starts at a
    Bangkok midnight, so summing its days counts exactly its [start, end), as the
    drill-down's `received_at` range does."""
    quarters = quarters_of(scope)
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
    for group in db.session.execute(statement).mappings():
        name = masks[group["set"]]
        found[name][_key(group[name])] = group["n"]
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
    row = db.session.execute(with_survey(select(*aggregates).select_from(Complaint)).where(*scope.conditions())).one()
    total, scored, counts = row[0], dict(zip(SCORE_DIMENSIONS, row[1:3], strict=True)), row[3:]
    for (name, key), n in zip(buckets, counts, strict=True):
        found.setdefault(name, {})[key] = n
    for name, rest in CASE_ELSE.items():
        found[name][rest] = total - sum(found[name].values())
    for name in SCORE_DIMENSIONS:  # a score outside 1-5 would be a bar of its own: count those exactly
        if sum(found[name].values()) != scored[name]:
            found[name] = grouped(scope, name)
    found[TOTAL] = {"": total}
    return found


@contextmanager
def one_pass(scope: Scope) -> Iterator[None]:
    """Within the block, the figures and the total of `scope` come from `_one_pass`
    (PostgreSQL: three scans instead of about twenty); elsewhere (SQLite) each figure
    keeps its own GROUP BY. tests/integration/test_metrics_one_pass.py holds both
    ways to the same counts.
    """
    if from_one_pass(scope) is not None or db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    token = _one_pass_counts.set((scope, _one_pass(scope)))
    try:
        yield
    finally:
        _one_pass_counts.reset(token)
