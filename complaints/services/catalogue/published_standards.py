"""Service standards as the admin edits them: every change publishes a new version."""

from __future__ import annotations

from sqlalchemy import select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.i18n import KIND_LABELS
from complaints.models import (
    Category,
    ServiceStandard,
    StandardsPublication,
    User,
)
from complaints.services.catalogue.checking import (
    KINDS,
    MAX_WORKING_DAYS,
    Checker,
    changed,
    get_row,
    log_change,
    parse_row_id,
)


def list_standards() -> list[ServiceStandard]:
    """The default first, then the specific rows by category and kind."""
    rows = db.session.scalars(select(ServiceStandard)).all()
    return sorted(
        rows,
        key=lambda r: (
            r.category_id is not None or r.kind is not None,
            r.category.name_th if r.category else "",
            r.kind or "",
        ),
    )


def get_standard(standard_id: int) -> ServiceStandard:
    return get_row(ServiceStandard, standard_id, "ไม่พบมาตรฐานนี้", "No such service standard.")


def latest_publication() -> StandardsPublication | None:
    return db.session.scalar(select(StandardsPublication).order_by(StandardsPublication.id.desc()))


def publications(limit: int = 20) -> list[tuple[StandardsPublication, User | None]]:
    rows = db.session.execute(
        select(StandardsPublication, User)
        .outerjoin(User, User.id == StandardsPublication.published_by_id)
        .order_by(StandardsPublication.id.desc())
        .limit(limit)
    ).all()
    return [(publication, user) for publication, user in rows]


def standard_scope(row: ServiceStandard) -> tuple[str, str]:
    """What a standard applies to, in Thai and English."""
    if row.category is None and row.kind is None:
        return "ค่าเริ่มต้น (ทุกหมวด ทุกประเภท)", "Default (every category and kind)"
    category = (row.category.name_th, row.category.name_en) if row.category else ("ทุกหมวด", "any category")
    any_kind = ("ทุกประเภท", "any kind")
    kind = any_kind if row.kind is None else KIND_LABELS.get(row.kind, any_kind)
    return f"{category[0]} · {kind[0]}", f"{category[1]} · {kind[1]}"


_DAY_FIELDS = (
    ("ack", ("ตอบรับเรื่อง", "Acknowledge")),
    ("first_response", ("แจ้งความคืบหน้าครั้งแรก", "First response")),
    ("resolve", ("แจ้งผลการดำเนินการ", "Resolve")),
)


def _check_days(check: Checker, values: dict) -> dict[str, int] | None:
    days: dict[str, int] = {}
    for name, (th, en) in _DAY_FIELDS:
        raw = values.get(name)
        try:
            number = int(str(raw).strip()) if raw is not None and str(raw).strip() else None
        except ValueError:
            number = None
        if number is None or not 1 <= number <= MAX_WORKING_DAYS:
            check.add(
                name,
                f"{th}: ต้องเป็นจำนวนเต็ม 1-{MAX_WORKING_DAYS} วันทำการ",
                f"{en}: must be a whole number of working days from 1 to {MAX_WORKING_DAYS}.",
            )
        else:
            days[name] = number
    if len(days) < len(_DAY_FIELDS):
        return None
    if not days["ack"] <= days["first_response"] <= days["resolve"]:
        check.add(
            "first_response",
            "ระยะเวลาต้องเรียงกัน: ตอบรับ ≤ แจ้งความคืบหน้าครั้งแรก ≤ แจ้งผลการดำเนินการ",
            "The days must be in order: acknowledge ≤ first response ≤ resolve.",
        )
        return None
    return days


def _publish(admin: User, note: str | None, automatic: str) -> StandardsPublication:
    publication = StandardsPublication(published_by_id=admin.id, note=(note or automatic)[:500])
    db.session.add(publication)
    return publication


def _days_text(row: ServiceStandard) -> str:
    return f"{row.ack_working_days}/{row.first_response_working_days}/{row.resolve_working_days}"


def save_standard(
    admin: User,
    row: ServiceStandard | None,
    *,
    ack,
    first_response,
    resolve,
    category_id=None,
    kind: str | None = None,
    note: str | None = None,
) -> tuple[ServiceStandard, StandardsPublication | None]:
    """Create (row None: for category_id and/or kind) or edit the days of a standard.

    A saved change publishes a new version of the standards; a save that changes
    nothing publishes nothing (the publication is then None).
    """
    check = Checker()
    days = _check_days(check, {"ack": ack, "first_response": first_response, "resolve": resolve})
    note = check.text("note", note, ("หมายเหตุการประกาศ", "Publication note"), max_len=500, required=False)
    category = None
    if row is None:
        category_id = parse_row_id(category_id)
        if category_id is not None:
            category = db.session.get(Category, category_id) if category_id > 0 else None
            if category is None:
                check.add("category_id", "ไม่พบหมวดหมู่ที่เลือก", "The category chosen does not exist.")
        kind = kind or None
        if kind is not None and kind not in KINDS:
            check.add("kind", "ประเภทเรื่องไม่ถูกต้อง", f"Kind must be one of: {', '.join(KINDS)}.")
    check.raise_if_any()
    assert days is not None  # _check_days recorded why not, and raise_if_any raised

    if row is None:
        existing = db.session.scalar(
            select(ServiceStandard.id).where(
                ServiceStandard.category_id.is_(None)
                if category is None
                else ServiceStandard.category_id == category.id,
                ServiceStandard.kind.is_(None) if kind is None else ServiceStandard.kind == kind,
            )
        )
        if existing is not None:
            raise BilingualError(
                409,
                "standard-exists",
                "มีมาตรฐานสำหรับหมวดหมู่และประเภทนี้อยู่แล้ว กรุณาแก้ไขรายการเดิม",
                "A standard for this category and kind already exists; edit that one.",
            )
        row = ServiceStandard(category=category, kind=kind)
        db.session.add(row)
        before = None
    else:
        before = _days_text(row)
    row.ack_working_days = days["ack"]
    row.first_response_working_days = days["first_response"]
    row.resolve_working_days = days["resolve"]
    after = _days_text(row)
    if before == after:  # the same days again: nothing to store or publish
        return row, None
    scope_th, scope_en = standard_scope(row)
    verb_th, verb_en = ("เพิ่ม", "Added") if before is None else ("แก้ไข", "Changed")
    change = after if before is None else f"{before} → {after}"
    publication = _publish(
        admin,
        note,
        f"{verb_th}มาตรฐาน {scope_th}: {change} วันทำการ / {verb_en} standard {scope_en}: {change} working days",
    )
    changed()
    log_change("standard %s now %s (publication %s)", scope_en, after, publication.id)
    return row, publication


def delete_standard(admin: User, row: ServiceStandard, note: str | None = None) -> StandardsPublication:
    """Delete a specific standard and publish the change; the default cannot be deleted."""
    if row.category is None and row.kind is None:
        raise BilingualError(
            409,
            "default-standard",
            "ลบมาตรฐานค่าเริ่มต้นไม่ได้ แก้ไขจำนวนวันได้เท่านั้น",
            "The default standard cannot be deleted; only its days can be changed.",
        )
    check = Checker()
    note = check.text("note", note, ("หมายเหตุการประกาศ", "Publication note"), max_len=500, required=False)
    check.raise_if_any()
    scope_th, scope_en = standard_scope(row)
    db.session.delete(row)
    publication = _publish(admin, note, f"ยกเลิกมาตรฐาน {scope_th} / Removed standard {scope_en}")
    changed()
    log_change("deleted standard %s (publication %s)", scope_en, publication.id)
    return publication
