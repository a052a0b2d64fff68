"""Row counts for the admin index."""

from __future__ import annotations

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import (
    CalendarOverride,
    CannedResponse,
    Category,
    ServiceStandard,
    Unit,
    User,
    utcnow,
)
from complaints.services.catalogue.calendar_overrides import bangkok_today
from complaints.services.catalogue.published_standards import latest_publication


def overview() -> dict:
    """Row counts for the admin index."""

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    now = utcnow()
    latest = latest_publication()
    return {
        "users": count(User),
        "users_active": count(User, User.active.is_(True)),
        "users_locked": count(User, User.locked_until.is_not(None), User.locked_until > now),
        "units": count(Unit),
        "categories": count(Category),
        "categories_active": count(Category, Category.active.is_(True)),
        "standards": count(ServiceStandard),
        "standards_version": latest.id if latest else 0,
        "canned": count(CannedResponse),
        "canned_active": count(CannedResponse, CannedResponse.active.is_(True)),
        "calendar": count(CalendarOverride),
        "calendar_upcoming": count(CalendarOverride, CalendarOverride.day >= bangkok_today()),
    }
