"""The officer queue: filters and sorting over the complaints a user may see (access.scoped:
a tip-off only in the integrity role's queue), one page of them and the category choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Row, Select, select

from complaints.domain.thai_calendar import BANGKOK
from complaints.extensions import db
from complaints.models import Category, Complaint, Status, User
from complaints.services.access import scoped

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
    cause: str = ""  # "missing": resolved without a root cause, which auto-close leaves open (sla.sweep)
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


PER_PAGE = 50


@dataclass(frozen=True)
class QueuePage:
    """What the queue page shows: one page of the complaints and the categories to filter by."""

    page: Pagination
    categories: list[Row[str, str]]


def queue_page(user: User, filters: QueueFilters, page: int) -> QueuePage:
    """One page of the complaints `user` may see, filtered and sorted, and every category
    (code, Thai name) for the filter."""
    shown = db.paginate(queue_statement(user, filters), page=page, per_page=PER_PAGE, error_out=False)
    categories = list(db.session.execute(select(Category.code, Category.name_th).order_by(Category.name_th)).all())
    return QueuePage(shown, categories)


def queue_statement(user: User, filters: QueueFilters) -> Select:
    statement = scoped(select(Complaint), user).where(*_conditions(user, filters))
    if filters.category:
        statement = statement.join(Category, Complaint.category_id == Category.id).where(
            Category.code == filters.category
        )
    return statement.order_by(SORTS[filters.sort], Complaint.id.desc())


def _conditions(user: User, filters: QueueFilters) -> list[ColumnElement[bool]]:
    """The filters' conditions on the complaint's own columns."""
    conditions: list[ColumnElement[bool]] = []
    if filters.cause == "missing":  # resolved cases only, whatever the status filter says
        conditions += [Complaint.status == Status.RESOLVED, Complaint.root_cause_id.is_(None)]
    elif filters.status == "open":
        conditions.append(Complaint.status.in_(Status.BACKLOG))
    elif filters.status and filters.status != "all":
        conditions.append(Complaint.status == filters.status)
    if filters.due in ("due_soon", "overdue"):
        conditions += [Complaint.sla_state == filters.due, Complaint.status.in_(Status.OPEN)]
    equal = (
        (Complaint.channel, filters.channel),
        (Complaint.district, filters.district),
        (Complaint.kind, filters.kind),
    )
    conditions += [column == value for column, value in equal if value]
    if filters.triage == "1":
        conditions.append(Complaint.needs_triage.is_(True))
    if filters.assigned == "me":
        conditions.append(Complaint.assigned_user_id == user.id)
    elif filters.assigned == "unassigned":
        conditions.append(Complaint.assigned_user_id.is_(None))
    start = _bangkok_day(filters.received_from, next_day=False)
    end = _bangkok_day(filters.received_to, next_day=True)
    if start is not None:
        conditions.append(Complaint.received_at >= start)
    if end is not None:
        conditions.append(Complaint.received_at < end)
    return conditions


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
