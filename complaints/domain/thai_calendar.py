"""Thai calendar rules: Buddhist era, fiscal years and government working days.

Times are stored in UTC and shown in Asia/Bangkok. A fiscal year runs 1 October to
30 September and is named by the BE year it ends in (FY2569 = 1 Oct 2025 - 30 Sep 2026).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

THAI_MONTHS_ABBR = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def be_year(d: date) -> int:
    return d.year + BE_OFFSET


def to_bangkok(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(BANGKOK)


def format_thai_datetime(moment: datetime | str | None, with_time: bool = True) -> str:
    """`26 พ.ย. 2569 09:15 น.` in Bangkok time (of a datetime, or its ISO text as JSON keeps it)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = to_bangkok(moment)
    text = f"{local.day} {THAI_MONTHS_ABBR[local.month - 1]} {be_year(local)}"
    return f"{text} {local:%H:%M} น." if with_time else text


def format_english_datetime(moment: datetime | str | None) -> str:
    """`26 Nov 2569 BE (2026), 09:15 ICT` in Bangkok time (of a datetime, or its ISO text)."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = to_bangkok(moment)
    return f"{local:%d %b} {be_year(local)} BE ({local.year}), {local:%H:%M} ICT"


def fiscal_year(d: date) -> int:
    """The BE fiscal year that contains day d."""
    return be_year(d) + (1 if d.month >= 10 else 0)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """First and last day of a BE fiscal year."""
    end_year = fy_be - BE_OFFSET
    return date(end_year - 1, 10, 1), date(end_year, 9, 30)


@lru_cache(maxsize=64)
def _government_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("TH", categories=("public", "government"), years=year)
    return frozenset(calendar.keys())


def is_working_day(day: date, overrides: Mapping[date, bool] | None = None) -> bool:
    """Monday-Friday that is not a public or government holiday.

    `overrides` maps a day to True (declared holiday) or False (declared working day),
    as the admin records Cabinet announcements.
    """
    if overrides and day in overrides:
        return not overrides[day]
    return day.weekday() < 5 and day not in _government_holidays(day.year)


def add_working_days(start: datetime, days: int, overrides: Mapping[date, bool] | None = None) -> datetime:
    """The deadline `days` working days after `start`, at the end of that working day.

    A complaint received on any day is due by the close of the n-th working day
    after the day of receipt (Bangkok time); the result is returned in UTC.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = to_bangkok(start).date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    end_of_day = datetime.combine(day, time(23, 59, 59), tzinfo=BANGKOK)
    return end_of_day.astimezone(UTC)
