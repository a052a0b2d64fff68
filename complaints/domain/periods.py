"""Reporting periods: a Thai fiscal year (named by its BE year) or one of its quarters.

FY2569 runs 1 Oct 2025 - 30 Sep 2026 (Bangkok time); Q1 is Oct-Dec, Q2 Jan-Mar,
Q3 Apr-Jun, Q4 Jul-Sep. A period is a half-open range of UTC instants from the
Bangkok midnight of its first day to the Bangkok midnight after its last day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from complaints.domain.errors import BilingualError
from complaints.domain.thai_calendar import (
    BANGKOK,
    THAI_MONTHS_ABBR,
    be_year,
    fiscal_year,
    fiscal_year_bounds,
    to_bangkok,
)

_CODE = re.compile(r"(\d{4})(?:-?[Qq]([1-4]))?")
MIN_FY, MAX_FY = 2500, 2700


def bangkok_midnight(day: date) -> datetime:
    """The UTC instant at which a Bangkok day begins."""
    return datetime.combine(day, time(), tzinfo=BANGKOK).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    fiscal_year: int  # BE
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Period:
        """`2569` or `2569-Q1`; anything else is a bilingual 422."""
        match = _CODE.fullmatch((text or "").strip())
        if not match or not MIN_FY <= int(match.group(1)) <= MAX_FY:
            raise BilingualError(
                422,
                "invalid-period",
                "ช่วงเวลาไม่ถูกต้อง ใช้ปีงบประมาณ พ.ศ. เช่น 2569 หรือไตรมาส เช่น 2569-Q1",
                "Invalid period: use a BE fiscal year such as 2569 or a quarter such as 2569-Q1.",
            )
        quarter = int(match.group(2)) if match.group(2) else None
        return cls(int(match.group(1)), quarter)

    @classmethod
    def containing(cls, moment: datetime, quarter: bool = False) -> Period:
        local = to_bangkok(moment).date()
        fy = fiscal_year(local)
        if not quarter:
            return cls(fy)
        return cls(fy, (local.month - 10) % 12 // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.fiscal_year}-Q{self.quarter}" if self.quarter else str(self.fiscal_year)

    @property
    def first_day(self) -> date:
        start, _ = fiscal_year_bounds(self.fiscal_year)
        return add_months(start, 3 * (self.quarter - 1)) if self.quarter else start

    @property
    def last_day(self) -> date:
        if self.quarter:
            return add_months(self.first_day, 3) - timedelta(days=1)
        return fiscal_year_bounds(self.fiscal_year)[1]

    @property
    def start(self) -> datetime:
        return bangkok_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive: the first instant after the period."""
        return bangkok_midnight(self.last_day + timedelta(days=1))

    def quarters(self) -> list[Period]:
        return [self] if self.quarter else [Period(self.fiscal_year, q) for q in (1, 2, 3, 4)]

    def previous(self) -> Period:
        """The period before, of the same length (the previous year, or quarter)."""
        return Period(self.fiscal_year - 1) if not self.quarter else self.previous_quarter()

    def previous_quarter(self) -> Period:
        quarter = self.quarter or 1  # a whole year's previous quarter is the one before its first
        return Period(self.fiscal_year - 1, 4) if quarter == 1 else Period(self.fiscal_year, quarter - 1)

    def months(self) -> list[date]:
        """First day of each calendar month in the period."""
        count = 3 if self.quarter else 12
        return [add_months(self.first_day, i) for i in range(count)]

    def label(self, lang: str = "th") -> str:
        if lang == "th":
            return (
                f"ไตรมาสที่ {self.quarter} ปีงบประมาณ พ.ศ. {self.fiscal_year}"
                if self.quarter
                else f"ปีงบประมาณ พ.ศ. {self.fiscal_year}"
            )
        return f"FY{self.fiscal_year} Q{self.quarter}" if self.quarter else f"FY{self.fiscal_year}"

    def date_range(self, lang: str = "th") -> str:
        """`1 ต.ค. 2568 – 30 ก.ย. 2569` (BE) or `1 Oct 2025 – 30 Sep 2026`."""
        first, last = self.first_day, self.last_day
        if lang == "th":
            return (
                f"{first.day} {THAI_MONTHS_ABBR[first.month - 1]} {be_year(first)} – "
                f"{last.day} {THAI_MONTHS_ABBR[last.month - 1]} {be_year(last)}"
            )
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
