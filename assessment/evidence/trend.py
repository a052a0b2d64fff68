"""The period's monthly trend for the report's chart: complaints received and mean satisfaction."""

from __future__ import annotations

from sqlalchemy import func, literal, select

from assessment.evidence.common import Units, population
from complaints.domain.periods import Period, add_months, bangkok_midnight
from complaints.domain.thai_calendar import THAI_MONTHS_ABBR, be_year
from complaints.extensions import db
from complaints.models import Complaint, SurveyResponse
from complaints.services.analytics.api import bisecting_case


def monthly(period: Period, units: Units = None) -> list[dict]:
    """Per calendar month of the period, in order: {"month": "2025-10", "label_th": "ต.ค. 68",
    "received": complaints received (the 3.4 population), "answers": survey answers,
    "satisfaction": their mean score out of 5 or None}. One grouped query."""
    months = period.months()
    limits = [(bangkok_midnight(add_months(first, 1)), literal(first.isoformat()[:7])) for first in months]
    month = bisecting_case(Complaint.received_at, limits, literal("after")).label("month")
    rows = db.session.execute(
        select(
            month,
            func.count(func.distinct(Complaint.id)),
            func.count(SurveyResponse.id),
            func.avg(SurveyResponse.satisfaction),
        )
        .outerjoin(SurveyResponse, SurveyResponse.complaint_id == Complaint.id)
        .where(*population(period, units))
        .group_by(month)
    ).all()
    found = {key: (int(received), int(answers), mean) for key, received, answers, mean in rows}
    series = []
    for first in months:
        received, answers, mean = found.get(first.isoformat()[:7], (0, 0, None))
        series.append(
            {
                "month": first.isoformat()[:7],
                "label_th": f"{THAI_MONTHS_ABBR[first.month - 1]} {be_year(first) % 100:02d}",
                "received": received,
                "answers": answers,
                "satisfaction": round(float(mean), 2) if answers and mean is not None else None,
            }
        )
    return series
