"""Calendar overrides: days the Cabinet declares holidays or working days."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select

from complaints.domain.errors import BilingualError
from complaints.domain.thai_calendar import BANGKOK, BE_OFFSET, to_bangkok
from complaints.extensions import db
from complaints.models import (
    CalendarOverride,
    utcnow,
)
from complaints.services.catalogue.checking import Checker, changed, log_change, not_found


def list_overrides() -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())))


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def parse_day(value: str | None) -> date | None:
    """A day written as YYYY-MM-DD or DD/MM/YYYY; a year from 2400 is Buddhist era."""
    text = (value or "").strip()
    try:
        if match := _DMY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
        else:
            parsed = date.fromisoformat(text)
            day, month, year = parsed.day, parsed.month, parsed.year
        if year >= 2400:
            year -= BE_OFFSET
        result = date(year, month, day)
    except ValueError:
        return None
    return result if 2000 <= result.year <= 2200 else None


def add_override(*, day: str, is_holiday: bool, note: str | None = None) -> CalendarOverride:
    """Record a Cabinet-announced holiday (or working day); deadlines computed after this use it."""
    check = Checker()
    parsed = parse_day(day)
    if parsed is None:
        check.add(
            "day",
            "วันที่ไม่ถูกต้อง (เช่น 2026-12-07 หรือ 7/12/2569)",
            "The date is not valid (for example 2026-12-07 or 7/12/2569 BE).",
        )
    note = check.text("note", note, ("หมายเหตุ", "Note"), max_len=200, required=False)
    check.raise_if_any()
    if db.session.get(CalendarOverride, parsed) is not None:
        raise BilingualError(
            409,
            "override-exists",
            "วันนี้มีการกำหนดไว้แล้ว กรุณาลบรายการเดิมก่อน",
            "That day already has an override; delete it first.",
        )
    row = CalendarOverride(day=parsed, is_holiday=bool(is_holiday), note=note or "")
    db.session.add(row)
    changed()
    log_change("calendar override %s holiday=%s", row.day.isoformat(), row.is_holiday)
    return row


def delete_override(day: str) -> None:
    parsed = parse_day(day)
    row = db.session.get(CalendarOverride, parsed) if parsed else None
    if row is None:
        raise not_found("ไม่พบวันที่กำหนดไว้นี้", "No override for that day.")
    db.session.delete(row)
    changed()
    log_change("deleted calendar override %s", row.day.isoformat())


def day_moment(day: date) -> datetime:
    """Noon in Bangkok on `day`, for the thai_date filter (which takes a datetime)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=BANGKOK)


def bangkok_today() -> date:
    return to_bangkok(utcnow()).date()
