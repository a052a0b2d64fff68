"""The officer queue: filters and sorting over the complaints a user may see."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from complaints.models import Category, Complaint, Status, User
from complaints.services.access import scoped
from complaints.domain.thai_calendar import BANGKOK


SORTS = {
    "received_desc": Complaint.received_at.desc(),
    "received_asc": Complaint.received_at.asc(),
    "due_asc": Complaint.due_at.asc(),
}


@dataclass
class QueueFilters:
    status: str = "open"
    category: str = ""
    due: str = ""  # due_soon, overdue
    channel: str = ""
    district: str = ""
    kind: str = ""
    assigned: str = ""  # me, unassigned
    triage: str = ""  # "1": waiting for an officer to set the category
    sort: str = "received_desc"
    received_from: str = ""  # YYYY-MM-DD (Bangkok day), inclusive: links from the assessment evidence
    received_to: str = ""

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        values = {name: (args.get(name) or "")[:100] for name in cls.__dataclass_fields__}
        filters = cls(**{k: v for k, v in values.items() if v})
        if filters.sort not in SORTS:
            filters.sort = "received_desc"
        return filters


def queue_statement(user: User, filters: QueueFilters) -> Select:
    statement = scoped(select(Complaint), user)
    if filters.status == "open":
        statement = statement.where(Complaint.status.in_(Status.BACKLOG))
    elif filters.status and filters.status != "all":
        statement = statement.where(Complaint.status == filters.status)
    if filters.category:
        statement = statement.join(Category, Complaint.category_id == Category.id).where(
            Category.code == filters.category)
    if filters.due in ("due_soon", "overdue"):
        statement = statement.where(Complaint.sla_state == filters.due, Complaint.status.in_(Status.OPEN))
    if filters.channel:
        statement = statement.where(Complaint.channel == filters.channel)
    if filters.district:
        statement = statement.where(Complaint.district == filters.district)
    if filters.kind:
        statement = statement.where(Complaint.kind == filters.kind)
    if filters.triage == "1":
        statement = statement.where(Complaint.needs_triage.is_(True))
    if filters.assigned == "me":
        statement = statement.where(Complaint.assigned_user_id == user.id)
    elif filters.assigned == "unassigned":
        statement = statement.where(Complaint.assigned_user_id.is_(None))
    for day, bound in ((filters.received_from, "from"), (filters.received_to, "to")):
        moment = _bangkok_day(day, next_day=bound == "to")
        if moment is not None:
            statement = statement.where(
                Complaint.received_at >= moment if bound == "from" else Complaint.received_at < moment)
    return statement.order_by(SORTS[filters.sort], Complaint.id.desc())


def _bangkok_day(value: str, next_day: bool) -> datetime | None:
    """The start of a Bangkok day (or of the day after), ignoring a malformed date or one
    outside 1900-2200 (0001-01-01 and 9999-12-31 do not survive the move to UTC)."""
    try:
        day = date.fromisoformat(value) + timedelta(days=1 if next_day else 0)
    except (ValueError, OverflowError):
        return None
    if not 1900 <= day.year <= 2200:
        return None
    return datetime.combine(day, time.min, tzinfo=BANGKOK)
