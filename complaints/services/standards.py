"""Service standards: the due dates a complaint gets at intake."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import CalendarOverride, Category
from complaints.models.reference import DEFAULT_ACK_WORKING_DAYS, DEFAULT_RESOLVE_WORKING_DAYS
from complaints.services.thai_calendar import add_working_days, to_bangkok


def calendar_overrides(start: date, days: int) -> dict[date, bool]:
    """Admin overrides in the window a deadline can reach (weekends and holidays included)."""
    end = start + timedelta(days=days * 3 + 30)
    rows = db.session.execute(
        select(CalendarOverride.day, CalendarOverride.is_holiday).where(
            CalendarOverride.day.between(start, end)
        )
    )
    return {day: is_holiday for day, is_holiday in rows}


def due_dates(category: Category | None, received_at: datetime) -> tuple[datetime, datetime]:
    """(acknowledge by, resolve by) for a complaint received at `received_at`."""
    ack_days = category.ack_working_days if category else DEFAULT_ACK_WORKING_DAYS
    resolve_days = category.resolve_working_days if category else DEFAULT_RESOLVE_WORKING_DAYS
    overrides = calendar_overrides(to_bangkok(received_at).date(), max(ack_days, resolve_days))
    return (
        add_working_days(received_at, ack_days, overrides),
        add_working_days(received_at, resolve_days, overrides),
    )
