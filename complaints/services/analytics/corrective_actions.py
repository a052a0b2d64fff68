"""Corrective actions against a recurring cluster or a category, and whether they worked.

A manager opens an action on a target (a recurring cluster, or a whole category),
names an owner, a due date, the day the fix took effect and a status. The
measure of the fix is the target's complaints per month before and after that
day. Validation answers in Thai and English (422), like the admin catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from complaints.domain.errors import BilingualError
from complaints.domain.periods import add_months
from complaints.domain.thai_calendar import to_bangkok
from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import ActionStatus, Category, Complaint, CorrectiveAction, RecurringCluster, User, utcnow
from complaints.services.access import PUBLIC, Viewer, visible_complaints
from complaints.services.analytics.metrics.figures import month_counts
from complaints.services.catalogue.calendar_overrides import bangkok_today, parse_day
from complaints.services.catalogue.checking import Checker, changed

STATUS_LABELS = {
    ActionStatus.PLANNED: ("วางแผน", "Planned"),
    ActionStatus.IN_PROGRESS: ("กำลังดำเนินการ", "In progress"),
    ActionStatus.DONE: ("เสร็จสิ้น", "Done"),
    ActionStatus.CANCELLED: ("ยกเลิก", "Cancelled"),
}
COMPARE_MONTHS = 6
# Recurring problems offered in the form (biggest first); a linked one is added when beyond.
TARGET_LIMIT = 200


def list_actions(unit_ids: frozenset[int] | set[int] | None) -> list[CorrectiveAction]:
    """Actions the user may see: all for managers, their units' for supervisors."""
    statement = (
        select(CorrectiveAction)
        .options(
            selectinload(CorrectiveAction.cluster),
            selectinload(CorrectiveAction.category),
            selectinload(CorrectiveAction.owner),
        )
        .order_by(CorrectiveAction.created_at.desc(), CorrectiveAction.id.desc())
    )
    if unit_ids is not None:
        statement = statement.where(CorrectiveAction.unit_id.in_(sorted(unit_ids)))
    return list(db.session.scalars(statement))


def get_action(action_id: int, unit_ids) -> CorrectiveAction:
    action = db.session.get(CorrectiveAction, action_id)
    if action is None or (unit_ids is not None and action.unit_id not in unit_ids):
        raise BilingualError(404, "not-found", "ไม่พบมาตรการนี้", "No such corrective action.")
    return action


def _clusters(viewer: Viewer, only: int | None = None, limit: int | None = None) -> list[tuple[int, str, int]]:
    """(id, Thai label, complaints) of the clusters `viewer` may know of, biggest first.

    A cluster's size here is the number of its complaints the viewer may know of
    (`visible_complaints`), so a cluster made only of tip-offs, or only of other
    units' complaints, is not there at all. Ties: the latest seen, then the id.
    """
    members = func.count(Complaint.id)
    statement = (
        select(RecurringCluster.id, RecurringCluster.label_th, members)
        .join(Complaint, Complaint.cluster_id == RecurringCluster.id)
        .where(visible_complaints(viewer))
        .group_by(RecurringCluster.id, RecurringCluster.label_th, RecurringCluster.last_seen_at)
        .order_by(members.desc(), RecurringCluster.last_seen_at.desc(), RecurringCluster.id)
    )
    if only is not None:
        statement = statement.where(RecurringCluster.id == only)
    if limit is not None:
        statement = statement.limit(limit)
    return [(cid, label, int(n)) for cid, label, n in db.session.execute(statement)]


def _cluster_id(target: str | None) -> int | None:
    kind, _, raw = (target or "").partition(":")
    return parse_id(raw) if kind == "cluster" else None


def target_options(viewer: Viewer, chosen: str | None = None) -> list[tuple[str, str]]:
    """("cluster:<id>" | "category:<id>", Thai label) for the form.

    The TARGET_LIMIT biggest recurring problems the viewer may know of, then the
    categories; the `chosen` cluster (the one a dashboard link names, or the
    action's own) is always there, first when it is not among the biggest.
    """
    clusters = _clusters(viewer, limit=TARGET_LIMIT)
    wanted = _cluster_id(chosen)
    if wanted is not None and all(cid != wanted for cid, _, _ in clusters):
        clusters = _clusters(viewer, only=wanted) + clusters
    categories = db.session.execute(select(Category.id, Category.name_th).order_by(Category.name_th)).all()
    return [(f"cluster:{cid}", f"ปัญหาซ้ำ: {label} ({n:,} เรื่อง)") for cid, label, n in clusters] + [
        (f"category:{cid}", f"หมวดหมู่: {name}") for cid, name in categories
    ]


def owner_options() -> list[tuple[int, str]]:
    return list(
        db.session.execute(
            select(User.id, User.display_name)
            .where(User.active.is_(True), User.role.in_(("supervisor", "manager", "admin", "officer")))
            .order_by(User.display_name)
        ).all()
    )


def _target(check: Checker, value: str | None, viewer: Viewer):
    """The cluster or category named by `value`; a cluster only if `viewer` may know of it."""
    kind, _, raw = (value or "").partition(":")
    model = {"cluster": RecurringCluster, "category": Category}.get(kind)
    row_id = parse_id(raw)
    row = db.session.get(model, row_id) if model and row_id is not None else None
    if kind == "cluster" and row is not None and not _clusters(viewer, only=row_id):
        row = None  # answered as an unknown cluster, never as a forbidden one
    if row is None:
        check.add(
            "target",
            "กรุณาเลือกปัญหาซ้ำหรือหมวดหมู่ที่มาตรการนี้แก้ไข",
            "Choose the recurring problem or category this action addresses.",
        )
    return kind, row


def _day(check: Checker, name: str, value: str | None, label: tuple[str, str]) -> date | None:
    if not (value or "").strip():
        return None
    day = parse_day(value)
    if day is None:
        check.add(name, f"{label[0]}: วันที่ไม่ถูกต้อง (วว/ดด/ปปปป พ.ศ.)", f"{label[1]}: not a valid date.")
    return day


def save_action(row: CorrectiveAction | None, author: User, form) -> CorrectiveAction:
    """Create or update an action from the submitted fields; 422 with every bad field."""
    check = Checker()
    title = check.text("title", form.get("title"), ("ชื่อมาตรการ", "Title"), max_len=200)
    description = check.text(
        "description",
        form.get("description"),
        ("รายละเอียด", "Description"),
        max_len=5000,
        multiline=True,
        required=False,
    )
    kind, target = _target(check, form.get("target"), author)
    owner_raw = form.get("owner_user_id") or ""
    owner_id = parse_id(owner_raw)
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    if owner is None:
        check.add("owner_user_id", "กรุณาเลือกผู้รับผิดชอบ", "Choose an owner.")
    due_on = _day(check, "due_on", form.get("due_on"), ("กำหนดเสร็จ", "Due date"))
    effective_on = _day(check, "effective_on", form.get("effective_on"), ("วันที่มีผล", "Effective date"))
    status = form.get("status") or ActionStatus.PLANNED
    if status not in STATUS_LABELS:
        check.add("status", "สถานะไม่ถูกต้อง", "Invalid status.")
    check.raise_if_any()
    assert owner is not None  # a missing owner was added to `check`, and raise_if_any raised
    if row is None:
        row = CorrectiveAction(created_by_id=author.id, title=title)
        db.session.add(row)
    row.title, row.description = title, description or ""
    row.cluster_id = target.id if kind == "cluster" else None
    row.category_id = target.id if kind == "category" else None
    row.unit_id = target.unit_id
    row.owner_user_id, row.due_on, row.effective_on, row.status = owner.id, due_on, effective_on, status
    row.updated_at = utcnow()
    changed()
    return row


@dataclass
class MonthRate:
    month: date
    count: int
    after: bool


@dataclass
class BeforeAfter:
    """The target's complaints per month in two windows of `window` whole months each:
    the months just before the action took effect and the months just after it.

    `window` 0 means there is not enough data yet (no whole month on one side);
    `change` is None then, and also when nothing was counted before.
    """

    months: list[MonthRate]
    window: int
    before_mean: float | None
    after_mean: float | None

    @property
    def change(self) -> float | None:
        if not self.window or not self.before_mean or self.after_mean is None:
            return None
        return round((self.after_mean - self.before_mean) / self.before_mean, 4)


def _months_between(first: date, end: date) -> int:
    """Whole calendar months from `first` (a first day) up to `end` (a first day, not included)."""
    return max(0, (end.year - first.year) * 12 + end.month - first.month)


def before_after(
    action: CorrectiveAction, months: int = COMPARE_MONTHS, today: date | None = None
) -> BeforeAfter | None:
    """The target's complaints per month before and after the action took effect, compared honestly.

    Both windows are the same number of whole Bangkok calendar months, at most
    `months`: "before" ends with the month before the effective date's month and
    starts no earlier than the month of the target's first complaint; "after"
    starts with the effective date's month when the action took effect on its first
    day (else with the next month) and ends before the current, unfinished month.
    A month the action took effect in part of is in neither window.
    """
    if action.effective_on is None:
        return None
    if action.cluster_id:
        where = Complaint.cluster_id == action.cluster_id
    else:
        where = Complaint.category_id == action.category_id
        if action.unit_id:
            where = where & (Complaint.unit_id == action.unit_id)
    # What anyone may know of: a category's or unit's monthly counts leave tip-offs out.
    where = where & visible_complaints(PUBLIC)
    effective = action.effective_on
    before_end = effective.replace(day=1)
    after_start = before_end if effective.day == 1 else add_months(before_end, 1)
    this_month = (today or bangkok_today()).replace(day=1)
    first_complaint = db.session.scalar(select(func.min(Complaint.received_at)).where(where))
    first_month = to_bangkok(first_complaint).date().replace(day=1) if first_complaint else before_end
    window = min(months, _months_between(first_month, before_end), _months_between(after_start, this_month))
    if window <= 0:
        return BeforeAfter([], 0, None, None)
    before = month_counts(where, add_months(before_end, -window), window)
    after = month_counts(where, after_start, window)
    rows = [MonthRate(m, n, False) for m, n in before] + [MonthRate(m, n, True) for m, n in after]
    return BeforeAfter(
        rows,
        window,
        round(sum(n for _, n in before) / window, 2),
        round(sum(n for _, n in after) / window, 2),
    )
