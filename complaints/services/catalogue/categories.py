"""Complaint categories as the admin maintains them."""

from __future__ import annotations

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import (
    Category,
)
from complaints.services.catalogue.checking import Checker, changed, get_row, log_change
from complaints.services.catalogue.units import check_unit


def list_categories() -> list[Category]:
    """Active first; within them those an import created and nobody has reviewed yet."""
    return list(
        db.session.scalars(
            select(Category).order_by(Category.active.desc(), Category.needs_review.desc(), Category.name_th)
        )
    )


def get_category(category_id: int) -> Category:
    return get_row(Category, category_id, "ไม่พบหมวดหมู่นี้", "No such category.")


def category_options() -> list[tuple[int, str]]:
    return [
        (c.id, f"{c.name_th} / {c.name_en}" + ("" if c.active else " (ปิดใช้ / inactive)")) for c in list_categories()
    ]


def save_category(
    category: Category | None, *, code: str, name_th: str, name_en: str, unit_id=None, active: bool = True
) -> Category:
    check = Checker()
    code = check.text("code", code, ("รหัสหมวดหมู่", "Category code"), max_len=40)
    if code and db.session.scalar(
        select(Category.id).where(Category.code == code, Category.id != (category.id if category else -1))
    ):
        check.add("code", "มีหมวดหมู่ที่ใช้รหัสนี้แล้ว", "Another category already has this code.")
    name_th = check.text("name_th", name_th, ("ชื่อภาษาไทย", "Thai name"), max_len=200)
    name_en = check.text("name_en", name_en, ("ชื่อภาษาอังกฤษ", "English name"), max_len=200)
    unit = check_unit(check, unit_id)
    check.raise_if_any()
    if category is None:
        category = Category(code=code, name_th=name_th, name_en=name_en)
        db.session.add(category)
    else:
        category.code, category.name_th, category.name_en = code, name_th, name_en
    category.unit, category.active = unit, bool(active)
    # Saving the form is the admin's review of a category an import created.
    category.needs_review = False
    changed()
    log_change("saved category %s", category.code)
    return category
