"""Units (the organisation's hierarchy) as the admin maintains them."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import func, select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import (
    Category,
    Complaint,
    Unit,
    User,
)
from complaints.services.access import PUBLIC, visible_complaints
from complaints.services.catalogue.checking import Checker, changed, get_row, log_change, parse_row_id

_UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def get_unit(unit_id: int) -> Unit:
    return get_row(Unit, unit_id, "ไม่พบหน่วยงานนี้", "No such unit.")


def unit_tree() -> list[tuple[Unit, int]]:
    """Every unit with its depth, each parent followed by its sub-units (by Thai name)."""
    units = list(db.session.scalars(select(Unit)))
    ids = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.name_th, u.code))
    out: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            if unit.id in seen:
                continue
            seen.add(unit.id)
            out.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    # Rows caught in a cycle stored before this check existed still get listed.
    out.extend((u, 0) for u in units if u.id not in seen)
    return out


def unit_options() -> list[tuple[int, str]]:
    """(id, label) for a unit picker, indented by depth."""
    return [(u.id, "\u00a0\u00a0" * depth + f"{u.name_th} / {u.name_en}") for u, depth in unit_tree()]


def _would_cycle(unit: Unit, parent: Unit) -> bool:
    seen: set[int] = set()
    node: Unit | None = parent
    while node is not None and node.id not in seen:
        if node.id == unit.id:
            return True
        seen.add(node.id)
        node = node.parent
    return node is not None  # an existing cycle above the parent


def save_unit(
    unit: Unit | None, *, code: str, name_th: str, name_en: str, parent_id=None, assessed_body: bool | None = None
) -> Unit:
    """Create (unit None) or edit a unit; a parent that would make a cycle is refused.
    `assessed_body` marks an agency that runs its own self-assessment (None: left as it is)."""
    check = Checker()
    code = check.text("code", code, ("รหัสหน่วยงาน", "Unit code"), max_len=40)
    if code and not _UNIT_CODE.fullmatch(code):
        check.add(
            "code",
            "รหัสหน่วยงานใช้ได้เฉพาะ a-z 0-9 . _ - และไม่มีช่องว่าง",
            "The unit code may use only a-z, 0-9, '.', '_' and '-', without spaces.",
        )
    elif code and db.session.scalar(select(Unit.id).where(Unit.code == code, Unit.id != (unit.id if unit else -1))):
        check.add("code", "มีหน่วยงานที่ใช้รหัสนี้แล้ว", "Another unit already has this code.")
    name_th = check.text("name_th", name_th, ("ชื่อภาษาไทย", "Thai name"), max_len=200)
    name_en = check.text("name_en", name_en, ("ชื่อภาษาอังกฤษ", "English name"), max_len=200)
    parent = check_unit(check, parent_id, "parent_id")
    if unit is not None and parent is not None and _would_cycle(unit, parent):
        check.add(
            "parent_id",
            "หน่วยงานต้นสังกัดนี้จะทำให้เกิดวงวน (หน่วยงานจะอยู่ใต้ตนเองหรือหน่วยงานย่อยของตนเองไม่ได้)",
            "That parent would make a cycle: a unit cannot sit under itself or one of its own sub-units.",
        )
    check.raise_if_any()
    if unit is None:
        unit = Unit(code=code, name_th=name_th, name_en=name_en)
        db.session.add(unit)
    else:
        unit.code, unit.name_th, unit.name_en = code, name_th, name_en
    unit.parent = parent
    if assessed_body is not None:
        unit.assessed_body = assessed_body
    changed()
    log_change("saved unit %s", unit.code)
    return unit


def unit_usage(unit: Unit) -> dict[str, int]:
    def count(model, column) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(column == unit.id)) or 0

    return {
        "sub_units": count(Unit, Unit.parent_id),
        "categories": count(Category, Category.unit_id),
        "users": count(User, User.unit_id),
        # What an admin may know of: a tip-off's count is the integrity role's alone (issue 16).
        "complaints": db.session.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.unit_id == unit.id, visible_complaints(PUBLIC))
        )
        or 0,
    }


def delete_unit(unit: Unit) -> None:
    """Delete a unit nothing refers to; a unit in use is refused."""
    if unit.code == current_app.config["INTEGRITY_UNIT_CODE"]:
        # It receives the tip-offs: never deleted, whatever it holds (nothing to count here).
        raise BilingualError(
            409,
            "unit-in-use",
            "ลบหน่วยงานรับแจ้งเบาะแสการทุจริตไม่ได้",
            "The integrity unit receives corruption tip-offs and cannot be deleted.",
        )
    usage = unit_usage(unit)
    if any(usage.values()):
        raise BilingualError(
            409,
            "unit-in-use",
            "ลบหน่วยงานนี้ไม่ได้เพราะยังมีการใช้งานอยู่ (หน่วยงานย่อย {sub_units}, หมวดหมู่ {categories}, "
            "ผู้ใช้ {users}, เรื่องร้องเรียน {complaints})".format(**usage),
            "This unit is in use and cannot be deleted ({sub_units} sub-units, {categories} categories, "
            "{users} users, {complaints} complaints).".format(**usage),
        )
    code = unit.code
    db.session.delete(unit)
    changed()
    log_change("deleted unit %s", code)


def check_unit(check: Checker, unit_id, name: str = "unit_id") -> Unit | None:
    unit_id = parse_row_id(unit_id)
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id) if unit_id > 0 else None
    if unit is None:
        check.add(name, "ไม่พบหน่วยงานที่เลือก", "The unit chosen does not exist.")
    return unit
