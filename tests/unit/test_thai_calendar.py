from datetime import UTC, date, datetime

import pytest

from complaints.domain.thai_calendar import (
    add_working_days,
    be_year,
    fiscal_year,
    fiscal_year_bounds,
    format_thai_datetime,
    is_working_day,
)


def test_buddhist_era_year():
    assert be_year(date(2026, 1, 1)) == 2569
    assert be_year(date(2025, 12, 31)) == 2568


@pytest.mark.parametrize(
    "day,fy",
    [
        (date(2025, 9, 30), 2568),
        (date(2025, 10, 1), 2569),
        (date(2026, 9, 30), 2569),
        (date(2026, 10, 1), 2570),
    ],
)
def test_fiscal_year_is_named_by_the_be_year_it_ends_in(day, fy):
    assert fiscal_year(day) == fy


def test_fiscal_year_bounds():
    assert fiscal_year_bounds(2569) == (date(2025, 10, 1), date(2026, 9, 30))


def test_thai_date_is_shown_in_bangkok_time_and_buddhist_era():
    # 31 Dec 2025 18:30 UTC is already 1 Jan 2026 in Bangkok, year 2569.
    assert format_thai_datetime(datetime(2025, 12, 31, 18, 30, tzinfo=UTC)) == "1 ม.ค. 2569 01:30 น."


def test_weekends_and_government_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 7))  # King Bhumibol's birthday, in lieu (Monday)
    assert not is_working_day(date(2026, 12, 10))  # Constitution Day
    assert not is_working_day(date(2026, 4, 14))  # Songkran
    assert is_working_day(date(2026, 11, 26))  # an ordinary Thursday


def test_admin_overrides_win():
    assert is_working_day(date(2026, 11, 27))
    assert not is_working_day(date(2026, 11, 27), {date(2026, 11, 27): True})
    assert is_working_day(date(2026, 11, 28), {date(2026, 11, 28): False})


def test_fifteen_working_days_skip_weekends_and_december_holidays():
    # Received Thursday 26 Nov 2026, 09:00 Bangkok. Holidays on 7 and 10 Dec.
    received = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    due = add_working_days(received, 15)
    assert due == datetime(2026, 12, 21, 16, 59, 59, tzinfo=UTC)  # 21 Dec 23:59:59 ICT


def test_one_working_day_over_a_weekend():
    friday_evening = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 19:00 ICT Friday
    assert add_working_days(friday_evening, 1).date() == date(2026, 11, 30)


def test_bangkok_date_decides_the_day_of_receipt():
    # 23:30 UTC Sunday is 06:30 Monday in Bangkok: the first working day after is Tuesday.
    late_sunday_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert add_working_days(late_sunday_utc, 1) == datetime(2026, 12, 1, 16, 59, 59, tzinfo=UTC)
