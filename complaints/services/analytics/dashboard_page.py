"""What the manager's pages show beside the figures: the dashboard's period and unit
choices, one page of a drill-down list, and the dashboard as a PDF."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import Complaint, Unit, User, utcnow
from complaints.services.access import visible_unit_ids
from complaints.services.analytics.dashboard_pdf import dashboard_pdf
from complaints.services.analytics.metrics import figures
from complaints.services.analytics.metrics.dimensions import drill_statement
from complaints.services.analytics.metrics.figures import Figure
from complaints.services.analytics.metrics.scope import Scope
from complaints.services.catalogue import agency

MAX_PERIOD_YEARS = 15
PER_PAGE = 50


@dataclass(frozen=True)
class Dashboard:
    """The dashboard page: its figures by key, the period's total, and the choices of period and unit."""

    figures: dict[str, Figure]
    total: int
    periods: list[Period]
    units: list[Unit]


def dashboard(user: User, scope: Scope) -> Dashboard:
    shown = figures.dashboard(scope)
    # The months of the period partition its complaints: their total is the period's.
    return Dashboard(shown, shown["by_month"].total, periods(scope.period), units(user))


def units(user: User) -> list[Unit]:
    """The units the user may choose (all for managers and admins, a supervisor's own)."""
    visible = visible_unit_ids(user)
    statement = select(Unit).order_by(Unit.name_th)
    if visible is not None:
        statement = statement.where(Unit.id.in_(sorted(visible)))
    return list(db.session.scalars(statement))


def periods(selected: Period) -> list[Period]:
    """The last four fiscal years, back to the first year with complaints (imported
    history included, at most MAX_PERIOD_YEARS), and the one asked for."""
    current = Period.containing(utcnow()).fiscal_year
    first = db.session.scalar(select(func.min(Complaint.received_at)))
    oldest = max(
        min(current - 3, Period.containing(first).fiscal_year if first else current), current - MAX_PERIOD_YEARS + 1
    )
    years = sorted({*range(oldest, current + 1), selected.fiscal_year}, reverse=True)
    return [p for fy in years for p in (Period(fy), *Period(fy).quarters())]


def drill_down(scope: Scope, filters: Mapping[str, str], page: int) -> Pagination:
    """One page of the complaints behind a figure row, newest first."""
    statement = drill_statement(scope, filters).order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False, count=True)


def pdf(scope: Scope) -> bytes:
    """The dashboard as a PDF, headed with the agency's and the chosen unit's names."""
    unit = db.session.get(Unit, scope.unit_id) if scope.unit_id else None
    return dashboard_pdf(scope, figures.dashboard(scope), unit.name_th if unit else None, agency.name().th)
