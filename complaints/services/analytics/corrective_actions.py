"""Corrective actions against a recurring cluster or a category, and whether they worked.

A manager opens an action on a target (a recurring cluster, or a whole category),
names an owner, a due date, the day the fix took effect and a status. The
measure of the fix is the target's complaints per month before and after that
day. Validation answers in Thai and English (422), like the admin catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from complaints.domain.errors import BilingualError
from complaints.domain.periods import add_months
from complaints.extensions import db
from complaints.ids import parse_id
from complaints.models import ActionStatus, Category, Complaint, CorrectiveAction, RecurringCluster, User, utcnow
from complaints.services.access import PUBLIC, visible_complaints
from complaints.services.analytics.metrics.figures import month_counts
from complaints.services.catalogue.calendar_overrides import bangkok_today, parse_day
from complaints.services.catalogue.checking import Checker, commit

STATUS_LABELS = {
    ActionStatus.PLANNED: ("วางแผน", "Planned"),
    ActionStatus.IN_PROGRESS: ("กำลังดำเนินการ", "In progress"),
    ActionStatus.DONE: ("เสร็จสิ้น", "Done"),
    ActionStatus.CANCELLED: ("ยกเลิก", "Cancelled"),
}
COMPARE_MONTHS = 6


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


def target_options() -> list[tuple[str, str]]:
    """("cluster:<id>" | "category:<id>", Thai label) for the form."""
    clusters = db.session.execute(
        select(RecurringCluster.id, RecurringCluster.label_th).order_by(RecurringCluster.last_seen_at.desc()).limit(200)
    ).all()
    categories = db.session.execute(select(Category.id, Category.name_th).order_by(Category.name_th)).all()
    return [(f"cluster:{cid}", f"ปัญหาซ้ำ: {label}") for cid, label in clusters] + [
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


def _target(check: Checker, value: str | None):
    kind, _, raw = (value or "").partition(":")
    model = {"cluster": RecurringCluster, "category": Category}.get(kind)
    row_id = parse_id(raw)
    row = db.session.get(model, row_id) if model and row_id is not None else None
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
    kind, target = _target(check, form.get("target"))
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
    commit()
    return row


@dataclass
class MonthRate:
    month: date
    count: int
    after: bool


@dataclass
class BeforeAfter:
    months: list[MonthRate]
    before_mean: float | None
    after_mean: float | None

    @property
    def change(self) -> float | None:
        if not self.before_mean or self.after_mean is None:
            return None
        return round((self.after_mean - self.before_mean) / self.before_mean, 4)


def before_after(
    action: CorrectiveAction, months: int = COMPARE_MONTHS, today: date | None = None
) -> BeforeAfter | None:
    """Complaints of the action's target per month, `months` before and after the effective month.

    The effective month counts as "after"; months after today are not shown.
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
    effective = action.effective_on.replace(day=1)
    first = add_months(effective, -months)
    this_month = (today or bangkok_today()).replace(day=1)
    span = min(2 * months, (this_month.year - first.year) * 12 + this_month.month - first.month + 1)
    counts = month_counts(where, first, max(span, 1))
    rows = [MonthRate(m, n, m >= effective) for m, n in counts]
    before = [r.count for r in rows if not r.after]
    after = [r.count for r in rows if r.after]
    return BeforeAfter(
        rows,
        round(sum(before) / len(before), 2) if before else None,
        round(sum(after) / len(after), 2) if after else None,
    )
