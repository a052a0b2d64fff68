"""The agency's list of root causes that officers pick when a complaint is resolved."""

from __future__ import annotations

import re

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import RootCause
from complaints.services.catalogue.checking import Checker, changed, get_row

_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def list_root_causes() -> list[RootCause]:
    return list(db.session.scalars(select(RootCause).order_by(RootCause.active.desc(), RootCause.id)))


def get_root_cause(root_cause_id: int) -> RootCause:
    return get_row(RootCause, root_cause_id, "ไม่พบสาเหตุนี้", "No such root cause.")


def save_root_cause(row: RootCause | None, *, code: str, name_th: str, name_en: str, active: bool) -> RootCause:
    """Create or update one root cause; the code is fixed once created (reports keep it)."""
    check = Checker()
    name_th = check.text("name_th", name_th, ("ชื่อสาเหตุ (ไทย)", "Thai name"), max_len=200)
    name_en = check.text("name_en", name_en, ("ชื่อสาเหตุ (อังกฤษ)", "English name"), max_len=200)
    if row is None:
        code = (code or "").strip().lower()
        if not _CODE.fullmatch(code):
            check.add("code", "รหัสใช้ได้เฉพาะ a-z 0-9 และ - ไม่เกิน 40 ตัว", "Code: a-z, 0-9 and -, up to 40 characters.")
        elif db.session.scalar(select(RootCause.id).where(RootCause.code == code)) is not None:
            check.add("code", "รหัสนี้มีอยู่แล้ว", "This code is already used.")
    check.raise_if_any()
    if row is None:
        row = RootCause(code=code, name_th=name_th, name_en=name_en)
        db.session.add(row)
    row.name_th, row.name_en, row.active = name_th, name_en, bool(active)
    changed()
    return row
