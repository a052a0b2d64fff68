"""Service standards: which standard applies, the due dates it gives, and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import overload

from sqlalchemy import select

from complaints.domain.thai_calendar import add_working_days, is_working_day, to_bangkok
from complaints.extensions import db
from complaints.models import Category, ServiceStandard, StandardsPublication
from complaints.models.reference import (
    DEFAULT_ACK_WORKING_DAYS,
    DEFAULT_FIRST_RESPONSE_WORKING_DAYS,
    DEFAULT_RESOLVE_WORKING_DAYS,
)
from complaints.services.catalogue import reference_data


@dataclass(frozen=True)
class Deadlines:
    ack_due_at: datetime
    first_response_due_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class StandardDays:
    ack: int = DEFAULT_ACK_WORKING_DAYS
    first_response: int = DEFAULT_FIRST_RESPONSE_WORKING_DAYS
    resolve: int = DEFAULT_RESOLVE_WORKING_DAYS


@dataclass(frozen=True)
class SpecificStandard:
    """A standard for a category, a kind or both, as the public /standards page lists it."""

    category: Category | None
    kind: str | None
    days: StandardDays


def calendar_overrides() -> dict[date, bool]:
    """Admin overrides of the calendar (all of them: the table is small and cached)."""
    return reference_data.calendar_overrides()


def standard_for(category_id: int | None, kind: str) -> StandardDays:
    """The most specific standard: category and kind, category, kind, then the default."""
    rows = [r for r in reference_data.standards() if r.category_id in (None, category_id) and r.kind in (None, kind)]
    if not rows:
        return StandardDays()
    best = max(rows, key=lambda r: (r.category_id is not None, r.kind is not None))
    return StandardDays(best.ack, best.first_response, best.resolve)


def due_dates(category_id: int | None, kind: str, received_at: datetime) -> Deadlines:
    """The deadlines of a complaint received at `received_at`."""
    days = standard_for(category_id, kind)
    overrides = calendar_overrides()
    return Deadlines(
        add_working_days(received_at, days.ack, overrides),
        add_working_days(received_at, days.first_response, overrides),
        add_working_days(received_at, days.resolve, overrides),
    )


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after the day of `start` up to and including the day of `end` (Bangkok)."""
    first, last = to_bangkok(start).date(), to_bangkok(end).date()
    if last <= first:
        return 0
    overrides = calendar_overrides()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            count += 1
    return count


@overload
def extend_by_working_days(deadline: datetime, days: int) -> datetime: ...
@overload
def extend_by_working_days(deadline: None, days: int) -> None: ...
@overload
def extend_by_working_days(deadline: datetime | None, days: int) -> datetime | None: ...
def extend_by_working_days(deadline: datetime | None, days: int) -> datetime | None:
    """A deadline pushed back by `days` working days (the clock paused that long)."""
    if deadline is None or days <= 0:
        return deadline
    overrides = calendar_overrides()
    return add_working_days(deadline, days, overrides)


def _days(row: ServiceStandard) -> StandardDays:
    return StandardDays(row.ack_working_days, row.first_response_working_days, row.resolve_working_days)


def published_standards() -> dict:
    """What the public /standards page shows: the default, the specific standards, version and date."""
    rows = db.session.scalars(select(ServiceStandard)).all()
    default = next((_days(r) for r in rows if r.category_id is None and r.kind is None), StandardDays())
    specific = sorted(
        (
            SpecificStandard(r.category, r.kind, _days(r))
            for r in rows
            if r.category_id is not None or r.kind is not None
        ),
        key=lambda item: (item.category.name_th if item.category else "", item.kind or ""),
    )
    publication = db.session.scalar(select(StandardsPublication).order_by(StandardsPublication.id.desc()))
    return {
        "default": default,
        "specific": specific,
        "version": publication.id if publication else 0,
        "published_at": publication.published_at if publication else None,
    }
