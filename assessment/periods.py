"""Assessment periods: a BE fiscal year ("2569") or one of its quarters ("2569-Q1")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from complaints.errors import BilingualError
from complaints.services.thai_calendar import BANGKOK, fiscal_year_bounds

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
MIN_YEAR, MAX_YEAR = 2500, 2700


@dataclass(frozen=True)
class Period:
    fiscal_year: int
    quarter: int | None = None

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}-Q{self.quarter}" if self.quarter else str(self.fiscal_year)

    @property
    def label_th(self) -> str:
        return (f"ไตรมาสที่ {self.quarter} ปีงบประมาณ พ.ศ. {self.fiscal_year}" if self.quarter
                else f"ปีงบประมาณ พ.ศ. {self.fiscal_year}")

    @property
    def first_day(self) -> date:
        first, last = fiscal_year_bounds(self.fiscal_year)
        if not self.quarter:
            return first
        month = 10 + 3 * (self.quarter - 1)
        return date(first.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        if not self.quarter:
            return fiscal_year_bounds(self.fiscal_year)[1]
        return Period(self.fiscal_year + (self.quarter == 4), None if self.quarter == 4 else self.quarter + 1
                      ).first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """The first moment of the period (Bangkok midnight), aware."""
        return datetime.combine(self.first_day, time.min, tzinfo=BANGKOK)

    @property
    def end(self) -> datetime:
        """The moment after the period (exclusive), aware."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=BANGKOK)

    def previous(self) -> Period:
        if not self.quarter:
            return Period(self.fiscal_year - 1)
        return Period(self.fiscal_year, self.quarter - 1) if self.quarter > 1 else Period(self.fiscal_year - 1, 4)


def bad_period(value: str) -> BilingualError:
    shown = (value or "")[:20]
    return BilingualError(
        400, "bad-period",
        f"รอบการประเมินไม่ถูกต้อง ({shown!r}) ให้ระบุปีงบประมาณ พ.ศ. เช่น 2569 หรือไตรมาส เช่น 2569-Q1",
        f"Invalid period ({shown!r}): give a BE fiscal year such as 2569 or a quarter such as 2569-Q1.",
    )


def parse_period(value: str | None) -> Period:
    """A Period from "2569" or "2569-Q1"; a bilingual 400 otherwise."""
    match = _PERIOD.match((value or "").strip().upper())
    if not match or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise bad_period(value or "")
    return Period(int(match.group(1)), int(match.group(2)) if match.group(2) else None)
