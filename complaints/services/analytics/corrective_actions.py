"""Corrective actions against a recurring cluster or a category, and whether they worked.

A manager opens an action on a target (a recurring cluster, or a whole category),
names an owner, a due date, the day the fix took effect and a status. The
measure of the fix is the target's complaints per month before and after that
day. Validation answers in Thai and English (422), like the admin catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
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


# --- the effect's uncertainty (pure) -----------------------------------------------------------

# Fewer complaints than this in the two windows together, and a ratio of two Poisson
# counts says nothing an interval could carry: "not enough data yet".
MIN_COMPLAINTS = 10
Z95 = 1.959964  # the normal quantile of a two-sided 95 % interval
MINUS = "\u2212"


@dataclass(frozen=True)
class RateRatio:
    """A ratio of complaint rates (after / before), or a ratio of two such ratios, with its
    95 % confidence interval on the log scale (Wald: log ratio ± 1.96·sqrt(sum of 1/count)).

    `change` is the ratio as a change (-0.35: 35 % fewer); the interval likewise.
    """

    ratio: float
    low: float
    high: float

    @property
    def change(self) -> float:
        return self.ratio - 1

    @property
    def conclusive(self) -> bool:
        """The interval lies wholly on one side of "no change"."""
        return self.high < 1 or self.low > 1

    @property
    def verdict(self) -> tuple[str, str]:
        if self.high < 1:
            return "ลดลงจริง", "a real fall"
        if self.low > 1:
            return "เพิ่มขึ้นจริง", "a real rise"
        return "ยังสรุปไม่ได้", "not conclusive"

    def text(self) -> tuple[str, str]:
        """("−35% (ช่วงความเชื่อมั่น 95%: −60% ถึง +5%)", "−35% (95% CI −60% to +5%)")."""
        value, low, high = (signed_percent(x - 1) for x in (self.ratio, self.low, self.high))
        return f"{value} (ช่วงความเชื่อมั่น 95%: {low} ถึง {high})", f"{value} (95% CI {low} to {high})"


def signed_percent(change: float) -> str:
    """-0.354 -> "−35%", 0.05 -> "+5%", 0 -> "0%" (a true minus sign, whole percent)."""
    whole = round(change * 100)
    if whole == 0:
        return "0%"
    return f"{'+' if whole > 0 else MINUS}{abs(whole):,}%"


def _log_interval(log_ratio: float, counts: list[float]) -> RateRatio:
    half = Z95 * math.sqrt(sum(1 / n for n in counts))
    return RateRatio(math.exp(log_ratio), math.exp(log_ratio - half), math.exp(log_ratio + half))


def rate_ratio(after: int, before: int) -> RateRatio | None:
    """After / before for two Poisson counts over windows of the same length, with its 95 % interval.

    None without a baseline (nothing before). A zero after the action (the problem gone) gets
    the Haldane–Anscombe half added to both counts, so the interval stays finite.
    """
    if before <= 0 or after < 0:
        return None
    a, b = (after + 0.5, before + 0.5) if after == 0 else (after, before)
    return _log_interval(math.log(a / b), [a, b])


def ratio_of_ratios(after: int, before: int, after_earlier: int, before_earlier: int) -> RateRatio | None:
    """(after / before) / (after_earlier / before_earlier): the change this year beyond the change
    over the same months a year earlier (a difference in differences of log rates), with its
    95 % interval (log ratio ± 1.96·sqrt(1/a + 1/b + 1/c + 1/d)).

    None without a baseline this year, or with no complaint at all in the same months a
    year earlier (nothing to learn the season from). A zero among the four counts gets the
    Haldane–Anscombe half added to all four: a season that emptied the months after, a year
    earlier, still counts against the action, with a wide interval.
    """
    if before <= 0 or after < 0 or after_earlier < 0 or before_earlier < 0 or after_earlier + before_earlier == 0:
        return None
    counts = [float(n) for n in (after, before, after_earlier, before_earlier)]
    if 0 in (after, after_earlier, before_earlier):
        counts = [n + 0.5 for n in counts]
    a, b, c, d = counts
    return _log_interval(math.log(a / b) - math.log(c / d), counts)


# --- the effect on the target's complaints ------------------------------------------------------


@dataclass
class Seasonal:
    """The same months one year earlier: both windows shifted back 12 months."""

    months: list[MonthRate]
    before_count: int
    after_count: int
    ratio: RateRatio | None  # the same months' after / before a year earlier


@dataclass
class BeforeAfter:
    """The target's complaints per month in two windows of `window` whole months each:
    the months just before the action took effect and the months just after it.

    `window` 0 means there is not enough data yet (no whole month on one side);
    `change` is None then, and also when nothing was counted before.

    `effect` is the after/before rate ratio with its 95 % interval; `seasonal` the same
    months a year earlier (when the target's complaints go back that far); `adjusted`
    this year's ratio divided by that year's, so that a fall the season brings every year
    is not credited to the action. `estimate` is the one to judge the action by: the
    adjusted one when there is a year earlier, else the plain one; `not_enough` says why
    there is none (Thai, English).
    """

    months: list[MonthRate]
    window: int
    before_mean: float | None
    after_mean: float | None
    before_count: int = 0
    after_count: int = 0
    effect: RateRatio | None = None
    seasonal: Seasonal | None = None
    adjusted: RateRatio | None = None
    not_enough: tuple[str, str] | None = None

    @property
    def change(self) -> float | None:
        if not self.window or not self.before_mean or self.after_mean is None:
            return None
        return round((self.after_mean - self.before_mean) / self.before_mean, 4)

    @property
    def estimate(self) -> RateRatio | None:
        if self.not_enough is not None:
            return None
        return self.adjusted if self.adjusted is not None else self.effect

    @property
    def seasonally_adjusted(self) -> bool:
        return self.not_enough is None and self.adjusted is not None


NO_WHOLE_MONTH = (
    "ต้องมีเดือนเต็มอย่างน้อย 1 เดือนทั้งก่อนมาตรการ (นับตั้งแต่เรื่องแรก) และหลังมาตรการ (ไม่นับเดือนปัจจุบัน)",
    "a whole month is needed both before the action (from the first complaint on)"
    " and after it (the current month not counted)",
)


def _not_enough(window: int, before: int, after: int) -> tuple[str, str] | None:
    if window <= 0:
        return NO_WHOLE_MONTH
    if before == 0:
        return "ก่อนมาตรการไม่มีเรื่องให้เทียบ", "no complaints before the action to compare with"
    if before + after < MIN_COMPLAINTS:
        return (
            f"มีเพียง {before + after} เรื่องในสองช่วงรวมกัน (ต้องมีอย่างน้อย {MIN_COMPLAINTS} เรื่อง)",
            f"only {before + after} complaints in the two windows together (at least {MIN_COMPLAINTS} needed)",
        )
    return None


def _months_between(first: date, end: date) -> int:
    """Whole calendar months from `first` (a first day) up to `end` (a first day, not included)."""
    return max(0, (end.year - first.year) * 12 + end.month - first.month)


def _target_condition(action: CorrectiveAction) -> ColumnElement[bool]:
    if action.cluster_id:
        where: ColumnElement[bool] = Complaint.cluster_id == action.cluster_id
    else:
        where = Complaint.category_id == action.category_id
        if action.unit_id:
            where = where & (Complaint.unit_id == action.unit_id)
    # What anyone may know of: a category's or unit's monthly counts leave tip-offs out.
    return where & visible_complaints(PUBLIC)


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

    The season: when the target's complaints go back at least one whole month before
    the same month a year earlier, the windows are as long as that year allows (at
    most `months`), the same two windows 12 months back are counted too, and the
    action is judged by this year's after/before ratio over that year's: a fall the
    season brings every year is not credited to the action.
    """
    if action.effective_on is None:
        return None
    where = _target_condition(action)
    effective = action.effective_on
    before_end = effective.replace(day=1)
    after_start = before_end if effective.day == 1 else add_months(before_end, 1)
    this_month = (today or bangkok_today()).replace(day=1)
    first_complaint = db.session.scalar(select(func.min(Complaint.received_at)).where(where))
    first_month = to_bangkok(first_complaint).date().replace(day=1) if first_complaint else before_end
    window = min(months, _months_between(first_month, before_end), _months_between(after_start, this_month))
    if window <= 0:
        return BeforeAfter([], 0, None, None, not_enough=NO_WHOLE_MONTH)
    seasonal_window = min(window, _months_between(first_month, add_months(before_end, -12)))
    if seasonal_window > 0:
        window = seasonal_window
    before_start = add_months(before_end, -window)
    # One query for every month the windows cover (a year earlier included).
    span_start = add_months(before_start, -12) if seasonal_window > 0 else before_start
    span = dict(month_counts(where, span_start, _months_between(span_start, add_months(after_start, window))))

    def months_from(start: date, after: bool) -> list[MonthRate]:
        return [MonthRate(m, span[m], after) for m in (add_months(start, i) for i in range(window))]

    before, after = months_from(before_start, False), months_from(after_start, True)
    b, a = sum(m.count for m in before), sum(m.count for m in after)
    result = BeforeAfter(
        before + after,
        window,
        round(b / window, 2),
        round(a / window, 2),
        before_count=b,
        after_count=a,
        effect=rate_ratio(a, b),
        not_enough=_not_enough(window, b, a),
    )
    if seasonal_window > 0:
        earlier_before = months_from(add_months(before_start, -12), False)
        earlier_after = months_from(add_months(after_start, -12), True)
        d, c = sum(m.count for m in earlier_before), sum(m.count for m in earlier_after)
        result.seasonal = Seasonal(earlier_before + earlier_after, d, c, rate_ratio(c, d))
        result.adjusted = ratio_of_ratios(a, b, c, d)
    return result


def effects(actions: list[CorrectiveAction], today: date | None = None) -> dict[int, BeforeAfter | None]:
    """Each action's before/after effect, by id (the list page); actions on one target
    effective the same day share one computation."""
    today = today or bangkok_today()
    found: dict[tuple, BeforeAfter | None] = {}
    out: dict[int, BeforeAfter | None] = {}
    for action in actions:
        key = (action.cluster_id, action.category_id, action.unit_id, action.effective_on)
        if key not in found:
            found[key] = before_after(action, today=today)
        out[action.id] = found[key]
    return out
